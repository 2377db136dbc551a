//! Score review before the decision (复核), through the binary: a criterion on which the sheets
//! differ by more than half its maximum is shown to the chair, and to an expert once they have
//! scored, with who gave the lowest and the highest points; an expert who has not scored sees
//! nothing of it (背靠背).

mod common;

use common::*;

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
