//! A whole review meeting through the binary: the secretariat opens it and takes in five
//! applications, five experts score (one steps aside, 回避), the chair decides, and the chair's
//! queue shows outcomes and aggregates that match numbers worked out by hand below.
//!
//! Policy profile gulou-2021: trimmed mean (drop one highest and one lowest) from 5 experts,
//! plain mean below that; outlier = more than 15 points from the median; approval pass ≥ 80,
//! revise ≥ 60; change approve ≥ 70, must re-apply at +10% or more (第二十条); acceptance
//! accept ≥ 80, rectify ≥ 60. Aggregates are points to two decimals, rounded half away from 0.

use crate::common::*;
use serde_json::Value;

const APPS_CSV: &str = "\
项目编码 code,项目名称 name,建设单位 unit,主管部门 department,申报类型 kind,建设性质 nature,批复总投资（万元） approved_total,申报总投资（万元） requested_total,年度计划类别 plan_class,跨部门 cross_department,联合申报 joint_submission,监理单位 supervision_firm,数据共享章节 data_sharing_section,等保级别 protection_level,建设完成日期 construction_completed,试运行开始 trial_start,试运行结束 trial_end,验收申请日期 acceptance_applied,附件 documents
GL-LX-2027-001,鼓楼区“一网统管”城市运行管理平台,鼓楼区城市管理局,鼓楼区城市管理局,立项,新建,,860,A,是,是,是,是,3,,,,,GL-LX-2027-001 可行性研究报告.md
GL-LX-2027-003,区教育局智慧校园数据中台,鼓楼区教育局,鼓楼区教育局,立项,新建,,100,A,否,否,是,是,3,,,,,
GL-BG-2026-011,“互联网+督查”平台变更,鼓楼区人民政府办公室,鼓楼区人民政府办公室,变更,升级,200,220,A,否,否,是,是,2,,,,,
GL-BG-2026-013,就业创业服务系统功能变更,鼓楼区人力资源和社会保障局,鼓楼区人力资源和社会保障局,变更,改造,120,126,B,否,否,是,是,2,,,,,
GL-YS-2025-021,财政预算管理一体化系统,鼓楼区财政局,鼓楼区财政局,验收,新建,380,,A,否,否,是,是,3,2026-03-31,2026-04-01,2026-07-01,2026-10-20,
";

/// Approval rubric: necessity 15, requirements 15, technical 20, sharing 15, security 10,
/// budget 15, implementation 10.
fn approval(p: [&str; 7]) -> String {
    format!(
        "necessity={},requirements={},technical={},sharing={},security={},budget={},implementation={}",
        p[0], p[1], p[2], p[3], p[4], p[5], p[6]
    )
}

/// Change rubric: necessity 20, scope 20, technical 15, budget 25, schedule 10, compliance 10.
fn change(p: [&str; 6]) -> String {
    format!(
        "necessity={},scope={},technical={},budget={},schedule={},compliance={}",
        p[0], p[1], p[2], p[3], p[4], p[5]
    )
}

/// Acceptance rubric: completion 25, function 20, trial_operation 10, sharing 15, security 10,
/// documents 10, funds 10.
fn acceptance(p: [&str; 7]) -> String {
    format!(
        "completion={},function={},trial_operation={},sharing={},security={},documents={},funds={}",
        p[0], p[1], p[2], p[3], p[4], p[5], p[6]
    )
}

fn row<'a>(queue: &'a Value, code: &str) -> &'a Value {
    queue["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["code"] == code)
        .unwrap_or_else(|| panic!("{code} is not in the queue"))
}

#[test]
fn a_whole_meeting_from_intake_to_decisions() {
    let desk = Desk::meeting();

    // ---- intake: the secretariat registers five applications, one with a document ----
    desk.write(
        "GL-LX-2027-001 可行性研究报告.md",
        "# 鼓楼区“一网统管”城市运行管理平台可行性研究报告\n\n## 数据共享\n共享城市部件、事件数据。\n",
    );
    let csv = desk.write("第一批申报项目.csv", APPS_CSV);
    let intake = desk.json(&["--as", SECRETARIAT, "intake", &csv]);
    assert_eq!(intake["meeting"], MEETING);
    assert_eq!(intake["documents"], 1);
    assert_eq!(
        intake["registered"],
        serde_json::json!(["GL-LX-2027-001", "GL-LX-2027-003", "GL-BG-2026-011", "GL-BG-2026-013", "GL-YS-2025-021"])
    );

    // ---- 陈静 steps aside on GL-LX-2027-003 before scoring ----
    desk.ok_as("陈静", &["conflict", "GL-LX-2027-003", "--reason", "曾参与该项目可行性研究报告编制"]);

    // ---- scores: (expert, application, points); totals in the comments ----
    let sheets: Vec<(&str, &str, String)> = vec![
        // GL-LX-2027-001 (approval): 88, 90, 86.5, 65, 84
        ("李明", "GL-LX-2027-001", approval(["13", "13", "18", "13", "9", "13", "9"])), // 13+13+18+13+9+13+9 = 88
        ("王芳", "GL-LX-2027-001", approval(["14", "13", "18", "14", "9", "13", "9"])), // 14+13+18+14+9+13+9 = 90
        ("张伟", "GL-LX-2027-001", approval(["13", "12.5", "17.5", "14", "9", "12.5", "8"])), // 13+12.5+17.5+14+9+12.5+8 = 86.5
        ("刘洋", "GL-LX-2027-001", approval(["10", "9", "14", "10", "7", "9", "6"])),         // 10+9+14+10+7+9+6 = 65
        ("陈静", "GL-LX-2027-001", approval(["12", "13", "17", "13", "8", "13", "8"])),       // 12+13+17+13+8+13+8 = 84
        // GL-LX-2027-003 (approval, 陈静 recused): 78, 81.5, 70, 90
        ("李明", "GL-LX-2027-003", approval(["12", "12", "16", "12", "8", "11", "7"])), // 12+12+16+12+8+11+7 = 78
        ("王芳", "GL-LX-2027-003", approval(["12.5", "12", "17", "13", "8", "12", "7"])), // 12.5+12+17+13+8+12+7 = 81.5
        ("张伟", "GL-LX-2027-003", approval(["10", "11", "14", "11", "7", "10", "7"])), // 10+11+14+11+7+10+7 = 70
        ("刘洋", "GL-LX-2027-003", approval(["14", "14", "18", "13", "9", "13", "9"])), // 14+14+18+13+9+13+9 = 90
        // GL-BG-2026-011 (change, 200万 → 220万 = +10.00%): 85, 82, 88, 79.5, 91
        ("李明", "GL-BG-2026-011", change(["17", "17", "13", "21", "9", "8"])), // 17+17+13+21+9+8 = 85
        ("王芳", "GL-BG-2026-011", change(["16", "17", "12", "20", "8", "9"])), // 16+17+12+20+8+9 = 82
        ("张伟", "GL-BG-2026-011", change(["18", "18", "13", "21", "9", "9"])), // 18+18+13+21+9+9 = 88
        ("刘洋", "GL-BG-2026-011", change(["16", "16", "12", "19.5", "8", "8"])), // 16+16+12+19.5+8+8 = 79.5
        ("陈静", "GL-BG-2026-011", change(["18", "19", "14", "22", "9", "9"])), // 18+19+14+22+9+9 = 91
        // GL-BG-2026-013 (change, 120万 → 126万 = +5.00%): 72, 75, 68, 74, 70.5
        ("李明", "GL-BG-2026-013", change(["14", "15", "11", "18", "7", "7"])), // 14+15+11+18+7+7 = 72
        ("王芳", "GL-BG-2026-013", change(["15", "15", "11", "19", "8", "7"])), // 15+15+11+19+8+7 = 75
        ("张伟", "GL-BG-2026-013", change(["13", "14", "10", "17", "7", "7"])), // 13+14+10+17+7+7 = 68
        ("刘洋", "GL-BG-2026-013", change(["15", "15", "11", "18", "7", "8"])), // 15+15+11+18+7+8 = 74
        ("陈静", "GL-BG-2026-013", change(["14", "14", "10.5", "18", "7", "7"])), // 14+14+10.5+18+7+7 = 70.5
        // GL-YS-2025-021 (acceptance): 76, 74.5, 78, 72, 80
        ("李明", "GL-YS-2025-021", acceptance(["19", "15", "8", "11", "8", "8", "7"])), // 19+15+8+11+8+8+7 = 76
        ("王芳", "GL-YS-2025-021", acceptance(["18.5", "15", "8", "11", "8", "7", "7"])), // 18.5+15+8+11+8+7+7 = 74.5
        ("张伟", "GL-YS-2025-021", acceptance(["20", "16", "8", "11", "8", "8", "7"])), // 20+16+8+11+8+8+7 = 78
        ("刘洋", "GL-YS-2025-021", acceptance(["18", "14", "7", "11", "8", "7", "7"])), // 18+14+7+11+8+7+7 = 72
        ("陈静", "GL-YS-2025-021", acceptance(["20", "16", "8", "12", "8", "8", "8"])), // 20+16+8+12+8+8+8 = 80
    ];
    for (expert, app, points) in &sheets {
        let out = desk.json(&["--as", expert, "score", app, "--points", points, "--opinion", "同意专家组意见"]);
        assert_eq!(out["app"], *app);
        assert_eq!(out["revision"], false, "{expert} {app}");
    }
    // The typed totals come back as entered, half points as numbers.
    let out = desk.json(&[
        "--as",
        "王芳",
        "score",
        "GL-LX-2027-003",
        "--points",
        &approval(["12.5", "12", "17", "13", "8", "12", "7"]),
    ]);
    assert_eq!(out["total"], 81.5);
    assert_eq!(out["revision"], true, "a second sheet from the same expert is a revision");

    // ---- 陈静's score of the application she stepped aside from is refused, and changes nothing ----
    let line = desk.refused(&[
        "--as",
        "陈静",
        "score",
        "GL-LX-2027-003",
        "--points",
        &approval(["15", "15", "20", "15", "10", "15", "10"]),
    ]);
    assert_mentions(&line, &["回避", "GL-LX-2027-003", "conflict"]);

    // ---- the chair decides ----
    desk.ok_as(CHAIR, &["decide", "GL-LX-2027-001", "--class", "A", "--opinion", "同意立项，列入A类"]);
    desk.ok_as(CHAIR, &["decide", "GL-LX-2027-003", "--opinion", "补充数据共享清单后通过"]);
    desk.ok_as(CHAIR, &["decide", "GL-BG-2026-011", "--opinion", "超出批复总投资10%，须重新立项"]);
    desk.ok_as(
        CHAIR,
        &[
            "decide",
            "GL-BG-2026-013",
            "--outcome",
            "不同意",
            "--override-reason",
            "变更原因系前期需求调研不足，新增内容与原立项目标关联不强",
        ],
    );
    desk.ok_as(
        CHAIR,
        &["decide", "GL-YS-2025-021", "--deadline", "2027-03-31", "--opinion", "补齐第三方性能测试报告后重新申请验收"],
    );

    // ---- the chair's queue ----
    let queue = desk.json(&["--as", CHAIR, "queue"]);
    assert_eq!(queue["viewer"], "chair");
    assert_eq!(queue["meeting"]["id"], MEETING);
    assert_eq!(queue["meeting"]["applications"], 5);
    assert_eq!(queue["meeting"]["decided"], 5);
    assert_eq!(queue["rows"].as_array().unwrap().len(), 5);
    for r in queue["rows"].as_array().unwrap() {
        assert_eq!(r["status"], "decided", "{}", r["code"]);
        assert_eq!(r["blind"], false, "{}", r["code"]);
    }

    // GL-LX-2027-001: totals 88, 90, 86.5, 65, 84; sorted 65, 84, 86.5, 88, 90.
    let r = row(&queue, "GL-LX-2027-001");
    let g = &r["aggregate"];
    assert_eq!((r["scored"].as_u64(), r["eligible"].as_u64()), (Some(5), Some(5)));
    assert_eq!(g["n"], 5);
    assert_eq!(g["method"], "trimmed_mean");
    // drop 90 and 65: (84 + 86.5 + 88) / 3 = 258.5 / 3 = 86.1666… → 86.17
    assert_eq!(g["value"].as_f64(), Some(86.17));
    assert_eq!(g["trimmed_mean"].as_f64(), Some(86.17));
    // (88 + 90 + 86.5 + 65 + 84) / 5 = 413.5 / 5 = 82.70
    assert_eq!(g["mean"].as_f64(), Some(82.7));
    // middle of five: 86.5
    assert_eq!(g["median"].as_f64(), Some(86.5));
    assert_eq!((g["min"].as_f64(), g["max"].as_f64(), g["range"].as_f64()), (Some(65.0), Some(90.0), Some(25.0)));
    // deviations from 82.7: 5.3, 7.3, 3.8, −17.7, 1.3; squares sum to 410.8; /5 = 82.16; √ = 9.064… → 9.06
    assert_eq!(g["std_dev"].as_f64(), Some(9.06));
    // |65 − 86.5| = 21.5 > 15: 刘洋 is an outlier; |90 − 86.5| = 3.5 is not.
    assert_eq!(g["outliers"], serde_json::json!([desk.key("刘洋")]));
    assert_eq!(g["veto_count"], 0);
    // 86.17 ≥ 80 and nothing blocks → 通过.
    assert_eq!(r["blocks"], 0);
    assert_eq!(r["suggested"], "pass");
    assert_eq!(r["outcome"], "pass");

    // GL-LX-2027-003: 陈静 recused, 4 scorers: 78, 81.5 (revised, same points), 70, 90 → plain mean.
    let r = row(&queue, "GL-LX-2027-003");
    let g = &r["aggregate"];
    assert_eq!((r["scored"].as_u64(), r["eligible"].as_u64()), (Some(4), Some(4)));
    assert_eq!(g["n"], 4);
    assert_eq!(g["method"], "plain_mean");
    assert_eq!(g["trimmed_mean"], Value::Null);
    // (78 + 81.5 + 70 + 90) / 4 = 319.5 / 4 = 79.875 → 79.88 (half away from zero)
    assert_eq!(g["value"].as_f64(), Some(79.88));
    assert_eq!(g["mean"].as_f64(), Some(79.88));
    // sorted 70, 78, 81.5, 90: (78 + 81.5) / 2 = 79.75
    assert_eq!(g["median"].as_f64(), Some(79.75));
    assert_eq!((g["min"].as_f64(), g["max"].as_f64(), g["range"].as_f64()), (Some(70.0), Some(90.0), Some(20.0)));
    // |90 − 79.75| = 10.25 and |70 − 79.75| = 9.75: nobody is more than 15 away.
    assert_eq!(g["outliers"], serde_json::json!([]));
    // 60 ≤ 79.88 < 80 → 修改后通过.
    assert_eq!(r["suggested"], "pass_after_revision");
    assert_eq!(r["outcome"], "pass_after_revision");

    // GL-BG-2026-011: +10.00% exactly → 须重新立项 whatever the score. Totals 85, 82, 88, 79.5, 91.
    let r = row(&queue, "GL-BG-2026-011");
    let g = &r["aggregate"];
    assert_eq!(g["n"], 5);
    assert_eq!(g["method"], "trimmed_mean");
    // sorted 79.5, 82, 85, 88, 91; drop 91 and 79.5: (82 + 85 + 88) / 3 = 85.00
    assert_eq!(g["value"].as_f64(), Some(85.0));
    // (85 + 82 + 88 + 79.5 + 91) / 5 = 425.5 / 5 = 85.10
    assert_eq!(g["mean"].as_f64(), Some(85.1));
    assert_eq!(g["median"].as_f64(), Some(85.0));
    assert_eq!(g["outliers"], serde_json::json!([]));
    // (220 − 200) / 200 = 10.00% ≥ 10% → the change.reapply rule blocks.
    assert_eq!(r["blocks"], 1);
    assert_eq!(r["suggested"], "must_reapply");
    assert_eq!(r["outcome"], "must_reapply");

    // GL-BG-2026-013: +5.00%, totals 72, 75, 68, 74, 70.5.
    let r = row(&queue, "GL-BG-2026-013");
    let g = &r["aggregate"];
    assert_eq!(g["n"], 5);
    assert_eq!(g["method"], "trimmed_mean");
    // sorted 68, 70.5, 72, 74, 75; drop 75 and 68: (70.5 + 72 + 74) / 3 = 216.5 / 3 = 72.1666… → 72.17
    assert_eq!(g["value"].as_f64(), Some(72.17));
    // (72 + 75 + 68 + 74 + 70.5) / 5 = 359.5 / 5 = 71.90
    assert_eq!(g["mean"].as_f64(), Some(71.9));
    assert_eq!(g["median"].as_f64(), Some(72.0));
    assert_eq!((g["min"].as_f64(), g["max"].as_f64(), g["range"].as_f64()), (Some(68.0), Some(75.0), Some(7.0)));
    assert_eq!(g["outliers"], serde_json::json!([]));
    // 72.17 ≥ 70 and (120 → 126 = +5%) below 10% → 同意变更 suggested; the chair departed: 不同意.
    assert_eq!(r["blocks"], 0);
    assert_eq!(r["suggested"], "change_approved");
    assert_eq!(r["outcome"], "change_rejected");

    // GL-YS-2025-021: totals 76, 74.5, 78, 72, 80.
    let r = row(&queue, "GL-YS-2025-021");
    let g = &r["aggregate"];
    assert_eq!(g["n"], 5);
    assert_eq!(g["method"], "trimmed_mean");
    // sorted 72, 74.5, 76, 78, 80; drop 80 and 72: (74.5 + 76 + 78) / 3 = 228.5 / 3 = 76.1666… → 76.17
    assert_eq!(g["value"].as_f64(), Some(76.17));
    // (76 + 74.5 + 78 + 72 + 80) / 5 = 380.5 / 5 = 76.10
    assert_eq!(g["mean"].as_f64(), Some(76.1));
    assert_eq!(g["median"].as_f64(), Some(76.0));
    assert_eq!(g["min"].as_f64(), Some(72.0));
    assert_eq!(g["outliers"], serde_json::json!([]));
    // trial 2026-04-01 → 2026-07-01 is the full three months, so nothing blocks; 60 ≤ 76.17 < 80 → 限期整改.
    assert_eq!(r["blocks"], 0);
    assert_eq!(r["suggested"], "rectify");
    assert_eq!(r["outcome"], "rectify");

    // ---- the recorded decisions carry what the chair said ----
    let show = desk.json(&["--as", CHAIR, "show", "GL-BG-2026-013"]);
    let d = &show["decision"]["decision"];
    assert_eq!(d["outcome"], "change_rejected");
    assert_eq!(d["suggested"], "change_approved");
    assert_eq!(d["override_reason"], "变更原因系前期需求调研不足，新增内容与原立项目标关联不强");
    assert_eq!(show["decision"]["based_on"].as_array().unwrap().len(), 5);

    let show = desk.json(&["--as", CHAIR, "show", "GL-YS-2025-021"]);
    assert_eq!(show["decision"]["decision"]["rectification_deadline"], "2027-03-31");
    assert_eq!(show["decision"]["decision"]["override_reason"], Value::Null);

    let show = desk.json(&["--as", CHAIR, "show", "GL-LX-2027-001"]);
    assert_eq!(show["decision"]["decision"]["plan_class"], "A");
    let docs = show["application"]["documents"].as_array().unwrap();
    assert_eq!(docs.len(), 1);
    assert_eq!(docs[0]["name"], "GL-LX-2027-001 可行性研究报告.md");
    let outlier: Vec<&str> = show["experts"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["outlier"] == true)
        .map(|e| e["name"].as_str().unwrap())
        .collect();
    assert_eq!(outlier, ["刘洋"]);

    // The recusal is on record with its reason, and the decision rests on the four other sheets.
    let show = desk.json(&["--as", CHAIR, "show", "GL-LX-2027-003"]);
    let chen = show["experts"].as_array().unwrap().iter().find(|e| e["name"] == "陈静").unwrap();
    assert_eq!(chen["recused"], "曾参与该项目可行性研究报告编制");
    assert_eq!(chen["event_id"], Value::Null);
    assert_eq!(show["decision"]["based_on"].as_array().unwrap().len(), 4);

    // 陈静 sees the application as recused in her own queue.
    let hers = desk.json(&["--as", "陈静", "queue"]);
    assert_eq!(row(&hers, "GL-LX-2027-003")["my_score"]["state"], "recused");
    assert_eq!(row(&hers, "GL-LX-2027-001")["my_score"], serde_json::json!({"state": "submitted", "total": 84}));
}

/// O&M rubric (运维, review practice): operation 15, necessity 20, budget 25, performance 20,
/// security 10, service 10.
fn maintenance(p: [&str; 6]) -> String {
    format!(
        "operation={},necessity={},budget={},performance={},security={},service={}",
        p[0], p[1], p[2], p[3], p[4], p[5]
    )
}

/// Two O&M applications (运维) under gulou-2021, meeting on 2026-12-08. The O&M columns come
/// last in the sheet. GL-YW-2027-041 passed acceptance on 2025-06-30: its self-evaluation is
/// due from 2026-06-30 to 2027-06-30 (第二十四条), so at the meeting it is due, not overdue.
/// GL-YW-2027-042 gives no acceptance date: 未经验收不得投入正式运行 (第二十三条) blocks.
const OM_CSV: &str = "\
项目编码 code,项目名称 name,建设单位 unit,申报类型 kind,申报总投资（万元） requested_total,年度计划类别 plan_class,等保级别 protection_level,附件 documents,验收通过日期 accepted_on,绩效自评价报告 self_evaluation,年度运维服务报告 service_report
GL-YW-2027-041,区政务云平台2027年度运维服务,鼓楼区数据局,运维,58,A,3,,2025-06-30,否,是
GL-YW-2027-042,智慧停车诱导系统2027年度运维,鼓楼区城市管理局,运维项目,36.5,A,2,,,否,否
";

#[test]
fn an_o_and_m_application_from_intake_to_report() {
    let desk = Desk::meeting();
    let csv = desk.write("运维申报.csv", OM_CSV);
    let intake = desk.json(&["--as", SECRETARIAT, "intake", &csv]);
    assert_eq!(intake["registered"], serde_json::json!(["GL-YW-2027-041", "GL-YW-2027-042"]));

    let show = desk.json(&["--as", CHAIR, "show", "GL-YW-2027-041"]);
    assert_eq!(show["application"]["kind"], "maintenance");
    assert_eq!(
        show["application"]["maintenance"],
        serde_json::json!({"accepted_on": "2025-06-30", "service_report": true})
    );
    let rules: Vec<&str> = show["findings"].as_array().unwrap().iter().map(|f| f["rule"].as_str().unwrap()).collect();
    assert_eq!(rules, ["evaluation.due"], "2026-12-08 lies inside 2026-06-30 … 2027-06-30");
    let text = desk.ok_as(CHAIR, &["show", "GL-YW-2027-041"]);
    assert_mentions(&text, &["验收通过日期：2025-06-30", "第二十四条", "2027-06-30"]);
    assert!(!text.contains("监理") && !text.contains("数据共享章节"), "O&M engages neither: {text}");

    // GL-YW-2027-041: 77, 72, 81, 73, 68. GL-YW-2027-042: 85 from everyone.
    let sheets = [
        ("李明", ["12", "16", "18", "15", "8", "8"]), // 12+16+18+15+8+8 = 77
        ("王芳", ["11", "15", "17", "14", "8", "7"]), // 11+15+17+14+8+7 = 72
        ("张伟", ["13", "17", "19", "16", "8", "8"]), // 13+17+19+16+8+8 = 81
        ("刘洋", ["12", "15", "18", "14", "7", "7"]), // 12+15+18+14+7+7 = 73
        ("陈静", ["11", "14", "16", "13", "7", "7"]), // 11+14+16+13+7+7 = 68
    ];
    for (expert, points) in sheets {
        desk.ok_as(
            expert,
            &["score", "GL-YW-2027-041", "--points", &maintenance(points), "--opinion", "运维内容基本合理"],
        );
        let all85 = maintenance(["14", "17", "21", "17", "8", "8"]); // 14+17+21+17+8+8 = 85
        desk.ok_as(expert, &["score", "GL-YW-2027-042", "--points", &all85, "--opinion", "须补充验收材料"]);
    }

    // sorted 68, 72, 73, 77, 81; drop 81 and 68: (72 + 73 + 77) / 3 = 74.00; 60 ≤ 74 < 80 → 核减后同意.
    let queue = desk.json(&["--as", CHAIR, "queue"]);
    let r = row(&queue, "GL-YW-2027-041");
    assert_eq!(r["aggregate"]["value"].as_f64(), Some(74.0));
    // (77 + 72 + 81 + 73 + 68) / 5 = 371 / 5 = 74.20
    assert_eq!(r["aggregate"]["mean"].as_f64(), Some(74.2));
    assert_eq!(r["suggested"], "maintenance_reduced");
    // 85 ≥ 80, but the blocking finding (第二十三条) rules out both approvals → 不同意.
    let r = row(&queue, "GL-YW-2027-042");
    assert_eq!(r["blocks"], 1);
    assert_eq!(r["suggested"], "maintenance_rejected");

    // 核减后同意 needs the approved amount in the conditions.
    let line = desk.refused(&["--as", CHAIR, "decide", "GL-YW-2027-041"]);
    assert_mentions(&line, &["核减后同意", "--conditions"]);
    desk.ok_as(
        CHAIR,
        &[
            "decide",
            "GL-YW-2027-041",
            "--conditions",
            "核定运维费用 52.00 万元（核减驻场人员 1 名，6.00 万元）",
            "--opinion",
            "核减后同意",
        ],
    );
    // The system never passed acceptance: 同意 is not open, whatever the score.
    let line = desk.refused(&[
        "--as",
        CHAIR,
        "decide",
        "GL-YW-2027-042",
        "--outcome",
        "同意",
        "--override-reason",
        "专家一致认可",
    ]);
    assert_mentions(&line, &["第二十三条", "maintenance_rejected"]);
    desk.ok_as(CHAIR, &["decide", "GL-YW-2027-042", "--opinion", "系统尚未通过竣工验收，不安排运维费用"]);

    let queue = desk.json(&["--as", CHAIR, "queue"]);
    assert_eq!(row(&queue, "GL-YW-2027-041")["outcome"], "maintenance_reduced");
    assert_eq!(row(&queue, "GL-YW-2027-042")["outcome"], "maintenance_rejected");

    // ---- the reports carry the O&M facts and outcomes ----
    let md = desk.file("运维.md");
    desk.ok_as(CHAIR, &["report", "--format", "md", "--out", md.to_str().unwrap()]);
    let text = std::fs::read_to_string(&md).unwrap();
    assert_mentions(
        &text,
        &["验收通过日期：2025-06-30", "核减后同意", "核定运维费用 52.00 万元", "不同意", "第二十三条"],
    );
    let summary = desk.file("summary.csv");
    desk.ok_as(CHAIR, &["report", "--format", "csv", "--table", "summary", "--out", summary.to_str().unwrap()]);
    let text = std::fs::read_to_string(&summary).unwrap();
    assert_mentions(&text, &["GL-YW-2027-041", "运维", "核减后同意", "58"]);
}
