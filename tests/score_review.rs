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
    // 李明 looks again and gives 9: 9 apart, no more than half. The flag goes.
    desk.ok_as("李明", &["score", "GL-LX-2027-001", "--points", &points("9")]);
    let text = desk.ok_as(CHAIR, &["--lang", "en", "show", "GL-LX-2027-001"]);
    assert!(!text.contains("Review:"), "{text}");
}
