//! Score review before the decision (复核), through the binary: a criterion on which the sheets
//! differ by more than half its maximum is shown to the chair, and to an expert once they have
//! scored, with who gave the lowest and the highest points; an expert who has not scored sees
//! nothing of it (背靠背).

use crate::common::*;

const CSV: &str = "项目编码,项目名称,建设单位,申报类型,申报总投资（万元）,年度计划类别,监理单位,数据共享章节
GL-LX-2027-001,区智慧城管综合平台,鼓楼区城市管理局,立项,300,A,是,是
";

/// Approval rubric: necessity 15, requirements 15, technical 20, sharing 15, security 10,
/// budget 15, implementation 10. Only `technical` varies.
fn points(technical: &str) -> String {
    format!("necessity=12,requirements=12,technical={technical},sharing=12,security=8,budget=12,implementation=8")
}

#[test]
fn a_criterion_split_by_more_than_half_its_maximum_is_flagged_for_review() {
    let desk = Desk::meeting();
    let csv = desk.write("apps.csv", CSV);
    desk.ok_as(SECRETARIAT, &["intake", &csv]);
    // technical (max 20): 7.5, 18, 18, 16 → 10.5 apart, more than 10.
    for (expert, t) in [("李明", "7.5"), ("王芳", "18"), ("张伟", "18"), ("刘洋", "16")] {
        desk.ok_as(expert, &["score", "GL-LX-2027-001", "--points", &points(t)]);
    }
    let text = desk.ok_as(CHAIR, &["show", "GL-LX-2027-001"]);
    assert_mentions(&text, &["复核", "技术方案（满分 20）：李明 7.5 — 王芳、张伟 18"]);
    let v = desk.json(&["--as", CHAIR, "show", "GL-LX-2027-001"]);
    assert_eq!(v["disagreements"].as_array().map(Vec::len), Some(1), "{v}");
    assert_eq!(v["disagreements"][0]["criterion"], "technical");
    // 陈静 has not scored: she sees no one's points, and so no review either.
    let blind = desk.ok_as("陈静", &["show", "GL-LX-2027-001"]);
    assert!(!blind.contains("复核") && !blind.contains("7.5"), "{blind}");
    assert_mentions(&text, &["复核：技术方案与其他专家相差超过该项满分一半"]);
    // 刘洋 (16) is at neither end: he revises freely.
    desk.ok_as("刘洋", &["score", "GL-LX-2027-001", "--points", &points("16.5")]);
    // 李明 is at the low end: a revision without a reason, or with too short a one, is refused
    // and signs nothing.
    let line = desk.refused(&["--as", "李明", "score", "GL-LX-2027-001", "--points", &points("9")]);
    assert_mentions(&line, &["复核", "复核修改理由", "--reason"]);
    let line = desk.refused(&["--as", "李明", "score", "GL-LX-2027-001", "--points", &points("9"), "--reason", "改"]);
    assert_mentions(&line, &["理由"]);
    // With a reason: 9 is 9 apart, no more than half. The flag goes, the reason stays.
    let reason = "复看第三方性能测试报告后调整技术方案得分";
    desk.ok_as("李明", &["score", "GL-LX-2027-001", "--points", &points("9"), "--reason", reason]);
    let text = desk.ok_as(CHAIR, &["--lang", "en", "show", "GL-LX-2027-001"]);
    assert!(!text.contains("Review: on these criteria"), "{text}");
    assert_mentions(&text, &["Revised after review", reason]);
    // The earlier sheet stays in the history; the opinion form carries the reason.
    let log = desk.json(&["log"]);
    let li = desk.key("李明");
    let sheets = log["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["author"] == li && e["kind"] == "score_submitted")
        .count();
    assert_eq!(sheets, 2, "both of 李明's sheets are in the log");
    let out = desk.file("r.md");
    desk.ok_as(CHAIR, &["report", "--format", "md", "--out", out.to_str().unwrap()]);
    let md = std::fs::read_to_string(&out).unwrap();
    assert!(md.contains(&format!("（复核修改理由：{reason}）")), "{md}");
}

/// One application taken from sign-in to the sealed close, through the binary: pledges signed,
/// a question answered, a named vote, the decision countersigned with one dissent and finalised
/// with one member refusing, the meeting closed, a late countersignature held until a re-open.
#[test]
fn a_meeting_runs_from_sign_in_to_a_sealed_close() {
    let desk = Desk::meeting();
    let csv = desk.write("apps.csv", CSV);
    desk.ok_as(SECRETARIAT, &["intake", &csv]);
    // Desk::meeting signed everyone in; `sign-in` alone shows the pledge and signs nothing.
    let pledge = desk.ok_as("李明", &["sign-in"]);
    assert_mentions(&pledge, &["评审专家承诺书", "回避", "--accept"]);
    // 当前议题: the chair takes the item up; an expert cannot; everyone sees which it is.
    assert_mentions(&desk.refused(&["--as", "李明", "agenda", "GL-LX-2027-001"]), &["组长或秘书处"]);
    desk.ok_as(CHAIR, &["agenda", "GL-LX-2027-001"]);
    assert_mentions(&desk.ok(&["agenda"]), &["当前议题：GL-LX-2027-001", "1. "]);
    assert_mentions(&desk.ok_as("李明", &["queue"]), &["▶GL-LX-2027-001", "▶ 当前议题：GL-LX-2027-001"]);
    for (expert, t) in [("李明", "16"), ("王芳", "18"), ("张伟", "18"), ("刘洋", "16"), ("陈静", "17")] {
        desk.ok_as(expert, &["score", "GL-LX-2027-001", "--points", &points(t)]);
    }
    // 澄清: a panel member asks, the secretariat enters the answer; neither may be done by the other.
    let refused = desk.refused(&["--as", SECRETARIAT, "clarify", "GL-LX-2027-001", "--question", "请说明数据共享方式"]);
    assert_mentions(&refused, &["专家组成员"]);
    desk.ok_as("张伟", &["clarify", "GL-LX-2027-001", "--question", "请说明与市级平台的数据共享方式"]);
    desk.ok_as(SECRETARIAT, &["clarify", "GL-LX-2027-001", "--answer", "通过市共享交换平台按目录共享"]);
    // 记名表决 on 通过: three for, one against with a reason, one abstaining.
    desk.ok_as(CHAIR, &["vote", "call", "GL-LX-2027-001", "--motion", "通过"]);
    for (expert, choice) in [("李明", "against"), ("王芳", "for"), ("张伟", "赞成"), ("刘洋", "for"), ("陈静", "弃权")]
    {
        let reason = if expert == "李明" { "投资估算偏高" } else { "" };
        desk.ok_as(expert, &["vote", "cast", "GL-LX-2027-001", choice, "--reason", reason]);
    }
    desk.ok_as(CHAIR, &["decide", "GL-LX-2027-001", "--class", "A", "--opinion", "同意立项"]);
    // 签字确认: the chair does not countersign; 李明 dissents with a reason; a bare dissent is refused.
    assert_mentions(&desk.refused(&["--as", CHAIR, "countersign", "GL-LX-2027-001"]), &["组长"]);
    assert_mentions(&desk.refused(&["--as", "李明", "countersign", "GL-LX-2027-001", "--dissent", "否"]), &["理由"]);
    desk.ok_as("李明", &["countersign", "GL-LX-2027-001", "--dissent", "投资估算偏高，建议核减后实施"]);
    for expert in ["王芳", "张伟"] {
        desk.ok_as(expert, &["countersign", "GL-LX-2027-001"]);
    }
    let v = desk.json(&["--as", CHAIR, "show", "GL-LX-2027-001"]);
    assert_eq!(v["proceedings"]["finality"]["state"], "awaiting", "{v}");
    assert_eq!(v["proceedings"]["finality"]["waiting"].as_array().map(Vec::len), Some(2));
    // 陈静 signs on a copy of this machine that has not seen the close: her countersignature
    // arrives after it.
    let late = tempfile::tempdir().unwrap();
    copy_dir(desk.home(), late.path());
    run_ok(late.path(), &["--as", "陈静", "countersign", "GL-LX-2027-001"]);
    // The chair finalises: 刘洋 absent, 陈静 refusing without reasons (taken to agree).
    assert_mentions(&desk.refused(&["--as", CHAIR, "finalise", "GL-LX-2027-001", "--refused", "周某"]), &["未签字"]);
    desk.ok_as(CHAIR, &["finalise", "GL-LX-2027-001", "--refused", "陈静"]);
    let text = desk.ok_as(CHAIR, &["show", "GL-LX-2027-001"]);
    assert_mentions(
        &text,
        &[
            "签字确认：已定稿（组长定稿，2 人未签字）",
            "李明 保留意见",
            "投资估算偏高，建议核减后实施",
            "刘洋 未签字（缺席",
            "陈静 拒绝签字且未说明理由，视为同意（第五十三条",
            "澄清（张伟",
            "答复",
            "澄清不得改变申报项目的实质性内容",
            "赞成 3，反对 1，弃权 1：通过",
            "李明 反对（少数意见）：投资估算偏高",
            "结论事件：",
        ],
    );
    // The close pins every chain head and the decision; nothing of the meeting is signed after it.
    let closed = desk.ok_as(CHAIR, &["meeting", "close"]);
    assert_mentions(&closed, &["已封存会议", "1 项结论"]);
    let late_score = desk.refused(&["--as", "刘洋", "score", "GL-LX-2027-001", "--points", &points("17")]);
    assert_mentions(&late_score, &["已封存", "迟到"]);
    // The late countersignature is held on import, never applied: the result stays as closed.
    let bundle = desk.file("late.rdb");
    run_ok(late.path(), &["--as", "陈静", "export", "--out", bundle.to_str().unwrap()]);
    desk.ok(&["import", bundle.to_str().unwrap()]);
    let text = desk.ok_as(CHAIR, &["show", "GL-LX-2027-001"]);
    assert_mentions(&text, &["陈静 拒绝签字", "会议已封存"]);
    let log = desk.ok(&["log"]);
    assert_mentions(&log, &["会议封存 M1", "所固定的签名链头本机有 7/7", "结论本机有 1/1", "迟到暂存事件 1"]);
    // A bundle of the closed meeting says whether it holds everything the close pins.
    let whole = desk.file("whole.rdb");
    desk.ok_as(CHAIR, &["export", "--out", whole.to_str().unwrap()]);
    assert_mentions(&desk.ok(&["verify", whole.to_str().unwrap()]), &["会议已封存 M1", "封存所固定的内容齐全"]);
    // Re-opening takes a reason; then the held countersignature applies and the decision is final
    // with every member signed.
    assert_mentions(
        &desk.refused(&["--as", "李明", "meeting", "reopen", "--reason", "补充签字确认"]),
        &["组长或秘书处"],
    );
    desk.ok_as(SECRETARIAT, &["meeting", "reopen", "--reason", "陈静补交签字确认，重新开启"]);
    let v = desk.json(&["--as", CHAIR, "show", "GL-LX-2027-001"]);
    assert!(v["proceedings"]["closed"].is_null(), "{v}");
    let signed: Vec<&str> =
        v["proceedings"]["countersigns"].as_array().unwrap().iter().filter_map(|c| c[0].as_str()).collect();
    assert!(signed.contains(&"陈静"), "{signed:?}");
}

/// Scoring opens after sign-in (签到): in a meeting the expert has not signed in at, `score`
/// refuses with the command that signs the pledge, and signs nothing.
#[test]
fn scoring_opens_only_after_sign_in() {
    let desk = Desk::meeting();
    let roster = desk.arg("roster.csv");
    desk.ok_as(
        SECRETARIAT,
        &["meeting", "open", "--title", "第二批", "--date", "2026-12-09", "--id", "M2", "--roster", &roster],
    );
    let csv = desk.write("apps.csv", CSV);
    desk.ok_as(SECRETARIAT, &["intake", &csv, "--meeting", "M2"]);
    let before = desk.dump();
    let line = desk.refused(&["--as", "李明", "score", "GL-LX-2027-001", "--meeting", "M2", "--points", &points("16")]);
    assert_mentions(&line, &["请先签到", "sign-in --accept"]);
    assert!(desk.dump() == before, "a refused score changed the store");
    desk.ok_as("李明", &["sign-in", "--accept", "--meeting", "M2"]);
    desk.ok_as("李明", &["score", "GL-LX-2027-001", "--meeting", "M2", "--points", &points("16")]);
}

/// A meeting from sign-in to the sealed close with a panel drawn from a pool: a step-aside takes
/// the application below the profile's quorum of three valid sheets, so the decision is refused
/// until the secretariat seats a substitute, drawn by continuing the meeting's recorded draw
/// (never from the applicant's unit). The substitute's sheet counts; a flagged sheet is revised
/// with a reason; a clarification, a named vote, a dissent; then the close.
#[test]
fn a_step_aside_below_quorum_is_filled_by_a_substitute_from_the_recorded_draw() {
    let mut desk = Desk::new();
    desk.init(SECRETARIAT, true);
    let pool = [
        (CHAIR, "南京市大数据管理局"),
        ("李明", "东南大学"),
        ("王芳", "南京大学"),
        ("张伟", "南京邮电大学"),
        ("刘洋", "河海大学"),
        ("陈静", "鼓楼区城市管理局"),
        ("赵敏", "南京工业大学"),
    ];
    let mut csv = String::from("姓名,专业,单位,公钥\n");
    for (name, unit) in pool {
        desk.identity(name);
        csv.push_str(&format!("{name},技术,{unit},{name}.pub\n"));
    }
    let pool_file = desk.write("pool.csv", &csv);
    desk.ok_as(
        SECRETARIAT,
        &[
            "meeting",
            "open",
            "--title",
            "抽取专家评审会",
            "--date",
            "2026-12-08",
            "--id",
            "M1",
            "--pool",
            &pool_file,
            "--draw",
            "技术=3",
            "--chair",
            CHAIR,
            "--seed",
            "20261208",
        ],
    );
    let apps = desk.write("apps.csv", CSV);
    desk.ok_as(SECRETARIAT, &["intake", &apps]);
    let meeting = desk.json(&["meeting", "show"]);
    let drawn: Vec<String> = meeting["panel"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["role"] == "expert")
        .map(|p| p["name"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(drawn.len(), 3, "{meeting}");
    for e in &drawn {
        desk.ok_as(e, &["sign-in", "--accept"]);
    }
    // One steps aside; the other two score: two valid sheets, below the quorum of three.
    desk.ok_as(&drawn[0], &["conflict", "GL-LX-2027-001", "--reason", "曾参与该项目可研编制"]);
    desk.ok_as(&drawn[1], &["score", "GL-LX-2027-001", "--points", &points("7.5")]);
    desk.ok_as(&drawn[2], &["score", "GL-LX-2027-001", "--points", &points("16")]);
    let refused = desk.refused(&["--as", CHAIR, "decide", "GL-LX-2027-001"]);
    assert_mentions(&refused, &["少于法定人数 3", "reviewdesk substitute GL-LX-2027-001"]);
    // A pool that is not the one drawn from cannot continue the draw.
    let other = desk.write("other.csv", &format!("{csv}周某,技术,某单位,{CHAIR}.pub\n"));
    assert_mentions(
        &desk.refused(&["--as", SECRETARIAT, "substitute", "GL-LX-2027-001", "--pool", &other]),
        &["哈希不符"],
    );
    assert_mentions(&desk.refused(&["--as", CHAIR, "substitute", "GL-LX-2027-001", "--pool", &pool_file]), &["秘书处"]);
    let seated = desk.ok_as(SECRETARIAT, &["substitute", "GL-LX-2027-001", "--pool", &pool_file]);
    assert_mentions(&seated, &["已增补专家", &format!("替补 {}", drawn[0])]);
    let v = desk.json(&["--as", SECRETARIAT, "show", "GL-LX-2027-001"]);
    let sub = v["substitutes"][0]["member"]["name"].as_str().unwrap().to_string();
    assert!(!drawn.contains(&sub) && sub != CHAIR, "{sub} was already seated");
    assert_ne!(sub, "陈静", "the applicant's own unit is passed over");
    // The same draw again has nobody left to stand in for.
    assert_mentions(
        &desk.refused(&["--as", SECRETARIAT, "substitute", "GL-LX-2027-001", "--pool", &pool_file]),
        &["没有尚未增补的回避专家"],
    );
    // The substitute scores this application (and only this one).
    desk.ok_as(&sub, &["score", "GL-LX-2027-001", "--points", &points("18")]);
    let text = desk.ok_as(CHAIR, &["show", "GL-LX-2027-001"]);
    assert_mentions(&text, &[&format!("增补专家：{sub}（替补回避的 {}", drawn[0]), "按会议抽取种子 20261208 续抽"]);
    // 复核: technical 7.5 against 18 is flagged; the low sheet is revised, with a reason.
    assert_mentions(&text, &["复核"]);
    let line = desk.refused(&["--as", &drawn[1], "score", "GL-LX-2027-001", "--points", &points("9")]);
    assert_mentions(&line, &["复核修改理由"]);
    let reason = "复看第三方性能测试报告后调整技术方案得分";
    desk.ok_as(&drawn[1], &["score", "GL-LX-2027-001", "--points", &points("9"), "--reason", reason]);
    // 澄清 and 记名表决.
    desk.ok_as(&drawn[2], &["clarify", "GL-LX-2027-001", "--question", "请说明与市级平台的数据共享方式"]);
    desk.ok_as(SECRETARIAT, &["clarify", "GL-LX-2027-001", "--answer", "通过市共享交换平台按目录共享"]);
    desk.ok_as(CHAIR, &["vote", "call", "GL-LX-2027-001", "--motion", "pass"]);
    desk.ok_as(&drawn[1], &["vote", "cast", "GL-LX-2027-001", "against", "--reason", "技术方案论证不足"]);
    desk.ok_as(&drawn[2], &["vote", "cast", "GL-LX-2027-001", "for"]);
    desk.ok_as(CHAIR, &["vote", "cast", "GL-LX-2027-001", "for"]);
    desk.ok_as(CHAIR, &["decide", "GL-LX-2027-001"]);
    let v = desk.json(&["--as", CHAIR, "show", "GL-LX-2027-001"]);
    assert_eq!(v["decision"]["based_on"].as_array().map(Vec::len), Some(3), "{v}");
    // 签字确认: the panel members who did not step aside; one dissents. Then the close.
    desk.ok_as(&drawn[1], &["countersign", "GL-LX-2027-001", "--dissent", "技术方案论证不足，保留意见"]);
    desk.ok_as(&drawn[2], &["countersign", "GL-LX-2027-001"]);
    let text = desk.ok_as(CHAIR, &["show", "GL-LX-2027-001"]);
    assert_mentions(
        &text,
        &["签字确认：已定稿（全员签字）", "保留意见", "赞成 2，反对 1", "澄清不得改变申报项目的实质性内容", reason],
    );
    let closed = desk.ok_as(SECRETARIAT, &["meeting", "close"]);
    assert_mentions(&closed, &["已封存会议", "1 项结论", "6 条签名链"]);
    // The close covers the substitute's chain too: their sheet still counts, nothing is late.
    let v = desk.json(&["--as", CHAIR, "show", "GL-LX-2027-001"]);
    let line = v["experts"].as_array().unwrap().iter().find(|e| e["name"] == sub.as_str()).cloned().unwrap();
    assert!(line["event_id"].is_string() && line["recused"].is_null(), "{line}");
    assert!(v["decision"]["outdated"] == false, "{v}");
    assert_mentions(&desk.ok(&["log"]), &["迟到暂存事件 0"]);
}
