//! The rectification loop (鼓楼 第二十三条) through the binary, across three meetings:
//! an acceptance is sent back to rectify by 2027-03-31; the unit applies again on 2027-04-02,
//! two days late, and fails again; its next approval is blocked until the secretariat signs a
//! clearance with a reason.

use crate::common::*;
use serde_json::Value;

const HEADER: &str = "项目编码 code,项目名称 name,建设单位 unit,主管部门 department,申报类型 kind,建设性质 nature,批复总投资（万元） approved_total,申报总投资（万元） requested_total,年度计划类别 plan_class,跨部门 cross_department,联合申报 joint_submission,监理单位 supervision_firm,数据共享章节 data_sharing_section,等保级别 protection_level,建设完成日期 construction_completed,试运行开始 trial_start,试运行结束 trial_end,验收申请日期 acceptance_applied,附件 documents";

const UNIT: &str = "鼓楼区财政局";

/// Acceptance rubric: completion 25, function 20, trial_operation 10, sharing 15, security 10,
/// documents 10, funds 10. Each expert gives these points, 70 in all: rectify (60 ≤ 70 < 80).
const SEVENTY: &str = "completion=18,function=14,trial_operation=7,sharing=10,security=7,documents=7,funds=7";
/// 50 in all: fail (below 60).
const FIFTY: &str = "completion=12,function=10,trial_operation=5,sharing=8,security=5,documents=5,funds=5";
/// Approval rubric, 85 in all: pass.
const EIGHTY_FIVE: &str = "necessity=13,requirements=13,technical=17,sharing=13,security=8,budget=13,implementation=8";

fn open_meeting(desk: &Desk, id: &str, date: &str) {
    desk.ok_as(
        SECRETARIAT,
        &[
            "meeting",
            "open",
            "--title",
            &format!("鼓楼区评审会 {id}"),
            "--date",
            date,
            "--id",
            id,
            "--roster",
            &desk.arg("roster.csv"),
        ],
    );
    for e in EXPERTS {
        desk.ok_as(e, &["sign-in", "--accept", "--meeting", id]);
    }
}

fn intake(desk: &Desk, meeting: &str, rows: &str) {
    let csv = desk.write(&format!("{meeting}.csv"), &format!("{HEADER}\n{rows}\n"));
    desk.ok_as(SECRETARIAT, &["intake", &csv, "--meeting", meeting]);
}

fn score_all(desk: &Desk, meeting: &str, code: &str, points: &str) {
    for e in EXPERTS {
        desk.ok_as(e, &["score", code, "--meeting", meeting, "--points", points]);
    }
}

/// M1 (2026-12-08): an acceptance finished 2026-07-01 and applied for 2026-10-20 scores 70 from
/// every expert and is sent back to rectify by 2027-03-31.
fn sent_back_to_rectify(desk: &Desk) {
    intake(
        desk,
        MEETING,
        &format!(
            "GL-YS-2025-021,财政预算管理一体化系统,{UNIT},{UNIT},验收,新建,380,,A,否,否,是,是,3,2026-03-31,2026-04-01,2026-07-01,2026-10-20,"
        ),
    );
    score_all(desk, MEETING, "GL-YS-2025-021", SEVENTY);
    desk.ok_as(
        CHAIR,
        &[
            "decide",
            "GL-YS-2025-021",
            "--meeting",
            MEETING,
            "--deadline",
            "2027-03-31",
            "--opinion",
            "补齐第三方测试报告",
        ],
    );
}

fn rules(show: &Value) -> Vec<String> {
    show["findings"].as_array().unwrap().iter().map(|f| f["rule"].as_str().unwrap().to_string()).collect()
}

#[test]
fn a_late_reapplication_that_fails_again_holds_back_the_unit_until_cleared() {
    let desk = Desk::meeting();
    // ---- M1 (2026-12-08): acceptance, finished 2026-07-01, applied 2026-10-20 → rectify ----
    sent_back_to_rectify(&desk);
    let list = desk.ok_as(SECRETARIAT, &["rectification", "list", "--as-of", "2027-03-31"]);
    assert_mentions(&list, &["2027-03-31", "整改中", "GL-YS-2025-021", UNIT, "1 项整改未结", "0 个单位"]);
    let list = desk.json(&["rectification", "list", "--as-of", "2027-04-01"]);
    assert_eq!(list["orders"][0]["status"]["state"], "overdue", "the day after the deadline: {list}");
    assert_eq!(list["orders"][0]["mark"]["cause"], "overdue");

    // ---- M2 (2027-04-20): applied again 2027-04-02, two days after the deadline ----
    open_meeting(&desk, "M2", "2027-04-20");
    intake(
        &desk,
        "M2",
        &format!(
            "GL-YS-2025-021,财政预算管理一体化系统,{UNIT},{UNIT},验收,新建,380,,A,否,否,是,是,3,2026-03-31,2026-04-01,2026-07-01,2027-04-02,"
        ),
    );
    let show = desk.json(&["--as", SECRETARIAT, "show", "GL-YS-2025-021", "--meeting", "M2"]);
    let found = rules(&show);
    assert!(found.contains(&"rectification.reapplication".into()), "{found:?}");
    assert!(found.contains(&"rectification.late".into()), "{found:?}");
    assert!(
        !found.contains(&"acceptance.late".into()),
        "the deadline replaces the six-month window (finished 2026-07-01, applied 2027-04-02): {found:?}"
    );
    let text = desk.ok_as(SECRETARIAT, &["show", "GL-YS-2025-021", "--meeting", "M2"]);
    assert_mentions(&text, &["整改后重新申请验收", "整改期限 2027-03-31", "第二十三条"]);
    score_all(&desk, "M2", "GL-YS-2025-021", FIFTY);
    desk.ok_as(CHAIR, &["decide", "GL-YS-2025-021", "--meeting", "M2", "--opinion", "整改后仍未达到验收标准"]);

    // ---- M3 (2027-05-10): the unit's next approval is held back ----
    open_meeting(&desk, "M3", "2027-05-10");
    intake(&desk, "M3", &format!("GL-LX-2027-031,财政数据分析平台,{UNIT},{UNIT},立项,新建,,300,A,否,否,是,是,3,,,,,"));
    let show = desk.json(&["--as", CHAIR, "show", "GL-LX-2027-031", "--meeting", "M3"]);
    let held: Vec<&Value> =
        show["findings"].as_array().unwrap().iter().filter(|f| f["rule"] == "rectification.held_back").collect();
    assert_eq!(held.len(), 1, "{show}");
    assert_eq!(held[0]["severity"], "blocks");
    assert!(held[0]["article"].as_str().unwrap().contains("第二十三条"));
    score_all(&desk, "M3", "GL-LX-2027-031", EIGHTY_FIVE);
    let line = desk.refused(&["--as", CHAIR, "decide", "GL-LX-2027-031", "--meeting", "M3", "--outcome", "pass"]);
    assert_mentions(&line, &["不能选", "第二十三条", "fail"]);
    let list = desk.ok_as(SECRETARIAT, &["rectification", "list", "--as-of", "2027-05-10"]);
    assert_mentions(&list, &["整改后仍未通过", "1 个单位被暂缓后续立项", UNIT]);

    // ---- only a trusted secretariat clears, with a reason; then the approval may pass ----
    let line = desk.refused(&["--as", CHAIR, "rectification", "clear", UNIT, "--reason", "已整改完毕并复核"]);
    assert_mentions(&line, &["秘书处", "secretariat"]);
    let line = desk.refused(&["--as", SECRETARIAT, "rectification", "clear", "鼓楼区教育局", "--reason", "已整改完毕"]);
    assert_mentions(&line, &["没有待解除的暂缓", UNIT]);
    let line = desk.refused(&["--as", SECRETARIAT, "rectification", "clear", UNIT, "--reason", "好"]);
    assert_mentions(&line, &["理由"]);
    desk.ok_as(SECRETARIAT, &["rectification", "clear", UNIT, "--reason", "已完成整改，经区大数据局现场复核"]);
    let show = desk.json(&["--as", CHAIR, "show", "GL-LX-2027-031", "--meeting", "M3"]);
    assert!(!rules(&show).contains(&"rectification.held_back".into()), "{show}");
    desk.ok_as(CHAIR, &["decide", "GL-LX-2027-031", "--meeting", "M3", "--outcome", "pass"]);
    let list = desk.ok_as(SECRETARIAT, &["rectification", "list", "--all", "--as-of", "2027-05-10"]);
    assert_mentions(&list, &["已解除", "0 个单位被暂缓"]);
    let list = desk.ok_as(SECRETARIAT, &["rectification", "list", "--as-of", "2027-05-10"]);
    assert_mentions(&list, &["没有未结的限期整改"]);
}

#[test]
fn an_on_time_reapplication_under_a_new_code_links_and_is_not_late() {
    let desk = Desk::meeting();
    sent_back_to_rectify(&desk);
    open_meeting(&desk, "M2", "2027-04-20");
    // Registered under a new code, naming the old one in the last optional column.
    let header =
        format!("{HEADER},受理日期,资金来源,项目类型,审核环节,设计单位,开发单位,最初批复总投资,前次验收项目编码");
    let csv = desk.write(
        "M2.csv",
        &format!(
            "{header}\nGL-YS-2027-002,财政预算管理一体化系统（整改后）,{UNIT},{UNIT},验收,新建,380,,A,否,否,是,是,3,2026-03-31,2026-04-01,2026-07-01,2027-03-31,,,,,,,,,GL-YS-2025-021\n"
        ),
    );
    desk.ok_as(SECRETARIAT, &["intake", &csv, "--meeting", "M2"]);
    let show = desk.json(&["--as", SECRETARIAT, "show", "GL-YS-2027-002", "--meeting", "M2"]);
    let found = rules(&show);
    assert!(found.contains(&"rectification.reapplication".into()), "{found:?}");
    assert!(!found.contains(&"rectification.late".into()) && !found.contains(&"acceptance.late".into()), "{found:?}");
    let list = desk.json(&["rectification", "list", "--as-of", "2027-04-20"]);
    assert_eq!(list["orders"][0]["status"]["state"], "reapplied", "{list}");
    assert_eq!(list["orders"][0]["mark"], Value::Null);
}
