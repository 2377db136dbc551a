//! Withdrawing a conflict declaration (撤回回避) from the command line, the reasons this machine
//! signs, and the sheets a decision did not see: an expert declares, withdraws with a reason,
//! counts again and scores; both events stay in the history; nobody withdraws after the chair
//! decides; a slip of a reason is never signed; a second machine importing the bundle ends in the
//! same state; a sheet that arrives after the decision is flagged until the chair decides again.

use crate::common::*;
use serde_json::Value;

const TWO_APPROVALS: &str = "\
项目编码 code,项目名称 name,建设单位 unit,申报类型 kind,申报总投资（万元） requested_total,年度计划类别 plan_class,监理单位 supervision_firm,数据共享章节 data_sharing_section,等保级别 protection_level
GL-LX-2027-001,鼓楼区“一网统管”城市运行管理平台,鼓楼区城市管理局,立项,860,A,是,是,3
GL-LX-2027-003,区教育局智慧校园数据中台,鼓楼区教育局,立项,100,A,是,是,3
";

const APP: &str = "GL-LX-2027-001";

/// A full approval sheet: 13+13+18+13+9+13+9 = 88.
const GOOD_POINTS: &str = "necessity=13,requirements=13,technical=18,sharing=13,security=9,budget=13,implementation=9";

/// 12+12+16+12+8+12+8 = 80.
const OTHER_POINTS: &str = "necessity=12,requirements=12,technical=16,sharing=12,security=8,budget=12,implementation=8";

fn meeting_with_two_applications() -> Desk {
    let desk = Desk::meeting();
    let csv = desk.write("申报.csv", TWO_APPROVALS);
    desk.ok_as(SECRETARIAT, &["intake", &csv]);
    desk
}

fn row<'a>(queue: &'a Value, code: &str) -> &'a Value {
    queue["rows"].as_array().unwrap().iter().find(|r| r["code"] == code).unwrap()
}

fn expert<'a>(show: &'a Value, name: &str) -> &'a Value {
    show["experts"].as_array().unwrap().iter().find(|e| e["name"] == name).unwrap()
}

/// (kind, status) of every event in an application's history, in order.
fn history(show: &Value) -> Vec<(String, String)> {
    show["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| (h["kind"].as_str().unwrap().to_string(), h["status"].as_str().unwrap().to_string()))
        .collect()
}

#[test]
fn an_expert_withdraws_a_conflict_and_scores_again_with_both_events_in_the_history() {
    let desk = meeting_with_two_applications();
    let declared = desk.json(&["--as", "陈静", "conflict", APP, "--reason", "曾参与该项目可研编制"]);
    let q = desk.json(&["--as", "陈静", "queue"]);
    assert_eq!(row(&q, APP)["my_score"]["state"], "recused");
    assert_eq!(row(&desk.json(&["--as", CHAIR, "queue"]), APP)["eligible"], 4);

    let withdrawn =
        desk.json(&["--as", "陈静", "conflict", APP, "--withdraw", "--reason", "经核实，本人未参与该项目可研编制"]);
    assert_eq!(withdrawn["withdraws"], declared["event"]);
    assert_eq!(withdrawn["withdrawn"], true);
    assert_ne!(withdrawn["event"], declared["event"]);

    // The expert counts again and must score: 未评 on their queue, eligible again for the chair.
    let q = desk.json(&["--as", "陈静", "queue"]);
    assert_eq!(row(&q, APP)["my_score"]["state"], "none");
    let text = desk.ok_as("陈静", &["queue"]);
    let line = text.lines().find(|l| l.contains(APP)).unwrap();
    assert!(line.contains("未评") && !line.contains("回避"), "{line}");
    assert_eq!(row(&desk.json(&["--as", CHAIR, "queue"]), APP)["eligible"], 5);

    let show = desk.json(&["--as", CHAIR, "show", APP]);
    assert_eq!(expert(&show, "陈静")["recused"], Value::Null);
    let h = history(&show);
    assert!(h.contains(&("conflict_declared".into(), "applied".into())), "{h:?}");
    assert!(h.contains(&("conflict_withdrawn".into(), "applied".into())), "{h:?}");
    assert!(desk.ok_as(CHAIR, &["show", APP]).contains("撤回回避"));

    desk.ok_as("陈静", &["score", APP, "--points", GOOD_POINTS]);
    assert_eq!(row(&desk.json(&["--as", CHAIR, "queue"]), APP)["scored"], 1);

    // A second withdrawal has nothing left to withdraw.
    let line = desk.refused(&["--as", "陈静", "conflict", APP, "--withdraw", "--reason", "再次确认无利害关系"]);
    assert_mentions(&line, &["没有仍有效的回避声明", "无可撤回", "nothing to withdraw"]);
    doctor_is_clean(&desk);
}

#[test]
fn withdrawing_without_a_declaration_of_ones_own_is_refused() {
    let desk = meeting_with_two_applications();
    let line = desk.refused(&["--as", "李明", "conflict", APP, "--withdraw", "--reason", "已核实无利害关系"]);
    assert_mentions(&line, &[APP, "没有仍有效的回避声明", "you have no conflict declaration", "nothing to withdraw"]);
    // Another expert's declaration, or one on another application, is not one's own to withdraw.
    desk.ok_as("陈静", &["conflict", APP, "--reason", "曾参与该项目可研编制"]);
    desk.ok_as("李明", &["conflict", "GL-LX-2027-003", "--reason", "亲属在建设单位任职"]);
    let line = desk.refused(&["--as", "李明", "conflict", APP, "--withdraw", "--reason", "已核实无利害关系"]);
    assert_mentions(&line, &["无可撤回", "nothing to withdraw"]);
    // Nor the chair's, who declares nothing.
    let line = desk.refused(&["--as", CHAIR, "conflict", APP, "--withdraw", "--reason", "已核实无利害关系"]);
    assert_mentions(&line, &["无可撤回", "nothing to withdraw"]);
}

#[test]
fn withdrawing_after_the_decision_is_refused() {
    let desk = meeting_with_two_applications();
    desk.ok_as("陈静", &["conflict", APP, "--reason", "曾参与该项目可研编制"]);
    for e in EXPERTS.iter().filter(|e| **e != "陈静") {
        desk.ok_as(e, &["score", APP, "--points", GOOD_POINTS]);
    }
    desk.ok_as(CHAIR, &["decide", APP]);
    let line = desk.refused(&["--as", "陈静", "conflict", APP, "--withdraw", "--reason", "经核实，本人未参与该项目"]);
    assert_mentions(&line, &["组长已对", APP, "记录结论", "can no longer be withdrawn", "speak to the chair"]);
    let show = desk.json(&["--as", CHAIR, "show", APP]);
    assert!(expert(&show, "陈静")["recused"].is_string(), "the declaration still stands");
}

#[test]
fn a_reason_without_enough_real_text_is_never_signed() {
    let mut desk = meeting_with_two_applications();
    let expect =
        ["请写明理由，至少三个汉字或六个字母", "give a reason of at least three Chinese characters or six letters"];
    for slip in ["lear", "x", "....", "回避", "  "] {
        let line = desk.refused(&["--as", "陈静", "conflict", APP, "--reason", slip]);
        assert_mentions(&line, &expect);
    }
    desk.ok_as("陈静", &["conflict", APP, "--reason", "同单位"]);
    let line = desk.refused(&["--as", "陈静", "conflict", APP, "--withdraw", "--reason", "ok"]);
    assert_mentions(&line, &expect);

    let li = desk.key("李明").to_string();
    let line = desk.refused(&["--as", SECRETARIAT, "key", "revoke", &li, "--cutoff", "0", "--reason", "遗失"]);
    assert_mentions(&line, &expect);
    desk.identity("李明新");
    let new_pub = desk.arg("李明新.pub");
    let line = desk.refused(&[
        "--as",
        SECRETARIAT,
        "key",
        "rotate",
        &li,
        "--new",
        &new_pub,
        "--cutoff",
        "0",
        "--reason",
        "lost",
    ]);
    assert_mentions(&line, &expect);

    for e in EXPERTS.iter().filter(|e| **e != "陈静") {
        desk.ok_as(e, &["score", APP, "--points", GOOD_POINTS]);
    }
    // The suggestion is 通过 (pass); departing from it needs a reason with real text.
    let line = desk.refused(&["--as", CHAIR, "decide", APP, "--outcome", "fail", "--override-reason", "no"]);
    assert_mentions(&line, &expect);
    desk.ok_as(CHAIR, &["decide", APP, "--outcome", "fail", "--override-reason", "former employer"]);
}

#[test]
fn a_second_machine_importing_the_bundle_reaches_the_same_state() {
    let desk = meeting_with_two_applications();
    desk.ok_as("陈静", &["conflict", APP, "--reason", "曾参与该项目可研编制"]);
    desk.ok_as("李明", &["score", APP, "--points", GOOD_POINTS]);
    desk.ok_as("陈静", &["conflict", APP, "--withdraw", "--reason", "经核实，本人未参与该项目可研编制"]);
    desk.ok_as("陈静", &["score", APP, "--points", OTHER_POINTS]);
    desk.ok_as("王芳", &["conflict", "GL-LX-2027-003", "--reason", "亲属在建设单位任职"]);

    let bundle = desk.arg("all.rdbundle");
    desk.ok_as(SECRETARIAT, &["export", "--out", &bundle]);
    let sec_pub = desk.arg("sec.pub");
    desk.ok_as(SECRETARIAT, &["key", "export", "--out", &sec_pub]);

    let other = tempfile::tempdir().unwrap();
    run_ok(other.path(), &["init", "--name", "组长机"]);
    run_ok(other.path(), &["trust", "add", &sec_pub]);
    let report: Value = serde_json::from_str(&run_ok(other.path(), &["import", "--json", &bundle])).unwrap();
    assert_eq!(report[0]["report"]["quarantined"], 0, "{report}");
    assert_eq!(report[0]["report"]["rejected"], 0, "{report}");

    let state = |home: &std::path::Path| {
        reviewdesk::store::Store::open(&home.join("reviewdesk.db")).unwrap().dump_state().unwrap()
    };
    assert!(state(desk.home()) == state(other.path()), "the two machines differ");
    let show: Value = serde_json::from_str(&run_ok(other.path(), &["show", APP, "--json"])).unwrap();
    assert_eq!(expert(&show, "陈静")["recused"], Value::Null);
    assert!(expert(&show, "陈静")["event_id"].is_string());
    let h = history(&show);
    assert!(h.contains(&("conflict_withdrawn".into(), "applied".into())), "{h:?}");
}

#[test]
fn a_sheet_after_the_decision_is_flagged_and_a_new_decision_counts_it() {
    let desk = meeting_with_two_applications();
    for e in EXPERTS.iter().filter(|e| **e != "陈静") {
        desk.ok_as(e, &["score", APP, "--points", GOOD_POINTS]);
    }
    // Without --partial the chair is told who is missing, as the screens will be.
    let line = desk.refused(&["--as", CHAIR, "decide", APP]);
    assert_mentions(&line, &[&format!("{APP} 还有专家未提交评分：陈静"), "--partial", "experts have not yet scored"]);
    let first = desk.json(&["--as", CHAIR, "decide", APP, "--partial"]);
    let flagged = |desk: &Desk| {
        let q = desk.json(&["--as", CHAIR, "queue"]);
        let show = desk.json(&["--as", CHAIR, "show", APP]);
        (row(&q, APP)["after_decision"].as_u64().unwrap(), expert(&show, "陈静")["after_decision"].as_bool().unwrap())
    };
    assert_eq!(flagged(&desk), (0, false));

    desk.ok_as("陈静", &["score", APP, "--points", OTHER_POINTS]);
    assert_eq!(flagged(&desk), (1, true));
    let text = desk.ok_as(CHAIR, &["queue"]);
    assert!(text.lines().any(|l| l.contains(APP) && l.contains("已决定：通过 +1")), "{text}");
    assert!(text.contains("+N：结论后提交的评分份数"), "{text}");
    assert!(desk.ok_as(CHAIR, &["show", APP]).contains("结论后提交"));

    // The chair decides again: the new decision supersedes and rests on the late sheet too.
    let second = desk.json(&["--as", CHAIR, "decide", APP]);
    assert_ne!(first["event"], second["event"]);
    assert_eq!(flagged(&desk), (0, false));
    let show = desk.json(&["--as", CHAIR, "show", APP]);
    assert_eq!(show["decision"]["event_id"], second["event"]);
    assert_eq!(show["decision"]["based_on"].as_array().unwrap().len(), 5);
}

fn doctor_is_clean(desk: &Desk) {
    let out = desk.cmd(&["doctor"]).output().unwrap();
    assert!(out.status.success(), "{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
}
