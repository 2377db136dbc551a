//! Issue 13, "wrong today" and "outcomes the law decides", through the binary: every number
//! below is worked out by hand from the Gulou text (`gulou-2021`).
//!
//! - GL-BG-1: change, 200 万 → 199 万 is −0.50%; GL-BG-2: 200 万 → 220 万 is +10.00%, at the
//!   第二十条 threshold, so 同意变更 is not lawful.
//! - GL-YS-1: acceptance applied 2026-06-30, the day before its trial ended (2026-07-01):
//!   第二十二条, blocking.
//! - GL-LX-1: approval of 860 under `申报总投资（万）`: 860 万元, over the 100 万元 supervision
//!   floor (第十九条) without a supervision firm; no data-sharing section (第二十八条), so no pass.

use crate::common::*;

const CSV: &str = "\
项目编码,项目名称,建设单位,申报类型,批复总投资（万元）,申报总投资（万）,年度计划类别,监理单位,数据共享章节,建设完成日期,试运行开始,试运行结束,验收申请日期
GL-BG-1,区督查平台变更,区政府办,变更,200,199,A,是,是,,,,
GL-BG-2,区就业系统变更,区人社局,变更,200,220,A,是,是,,,,
GL-YS-1,区财政一体化系统,区财政局,验收,380,,A,是,是,2026-03-31,2026-04-01,2026-07-01,2026-06-30
GL-LX-1,区城市运行管理平台,区城管局,立项,,860,A,否,否,,,,
";

fn desk() -> Desk {
    let desk = Desk::meeting();
    let csv = desk.write("申报.csv", CSV);
    desk.ok_as(SECRETARIAT, &["intake", &csv]);
    desk
}

#[test]
fn a_decrease_prints_its_minus_sign_on_every_surface() {
    let desk = desk();
    let show = desk.ok_as(CHAIR, &["show", "GL-BG-1"]);
    assert!(show.contains("变动 -0.50%") && show.contains("投资变动 -0.50%"), "{show}");
    assert!(!show.contains(".-") && !show.contains("+0.50%"), "{show}");
    for format in ["md", "csv", "html"] {
        let out = desk.arg(&format!("report.{format}"));
        desk.ok_as(CHAIR, &["report", "--format", format, "--out", &out]);
        let mut text = String::new();
        for entry in std::fs::read_dir(desk.dir()).unwrap().flatten() {
            let name = entry.file_name().to_string_lossy().to_string();
            if name.starts_with("report") {
                text.push_str(&String::from_utf8_lossy(&std::fs::read(entry.path()).unwrap()));
            }
        }
        assert!(text.contains("-0.50%") && !text.contains("0.-50%"), "{format}");
    }
}

#[test]
fn acceptance_dates_out_of_order_are_a_finding_with_the_article() {
    let desk = desk();
    let show = desk.ok_as(CHAIR, &["show", "GL-YS-1"]);
    assert!(show.contains("验收申请 2026-06-30 早于试运行结束 2026-07-01") && show.contains("第二十二条"), "{show}");
}

#[test]
fn a_wan_header_written_with_wan_alone_is_read_in_wan() {
    let desk = desk();
    let show = desk.ok_as(CHAIR, &["show", "GL-LX-1"]);
    assert!(show.contains("860.00") && show.contains("8,600,000.00"), "{show}");
    assert!(show.contains("须委托监理单位") && show.contains("第十九条"), "{show}");
}

#[test]
fn an_implausible_total_is_flagged_with_its_row_in_a_dry_run() {
    let desk = Desk::meeting();
    let csv = desk.write(
        "申报.csv",
        "项目编码,项目名称,建设单位,申报类型,申报总投资（万元）\nGL-1,甲,乙,立项,0.99\nGL-2,丙,丁,立项,1\nGL-3,戊,己,立项,\"3,568,000\"\n",
    );
    let out = desk.cmd(&["--as", SECRETARIAT, "intake", &csv, "--dry-run"]).output().unwrap();
    assert!(out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("第 2 行") && stderr.contains("不足 1 万元"), "{stderr}");
    assert!(stderr.contains("第 4 行") && stderr.contains("超过 100 亿元"), "{stderr}");
    assert!(!stderr.contains("第 3 行"), "{stderr}");
    let json = desk.json(&["--as", SECRETARIAT, "intake", &csv, "--dry-run"]);
    assert_eq!(json["warnings"].as_array().unwrap().len(), 2, "{json}");
    let line = desk.refused(&[
        "--as",
        SECRETARIAT,
        "intake",
        &desk.write("坏.csv", "项目编码,项目名称,建设单位,申报类型,申报总投资（千元）\nGL-1,甲,乙,立项,5\n"),
    ]);
    assert_mentions(&line, &["申报总投资（千元）", "千元", "无法识别", "not known"]);
}

fn score_all(desk: &Desk, app: &str, points: &str) {
    for e in EXPERTS {
        desk.ok_as(e, &["score", app, "--points", points]);
    }
}

#[test]
fn the_chair_cannot_pick_an_outcome_the_law_forbids() {
    let desk = desk();
    // Change rubric: necessity 20, scope 20, technical 15, budget 25, schedule 10, compliance 10 = 100.
    score_all(&desk, "GL-BG-2", "necessity=20,scope=20,technical=15,budget=25,schedule=10,compliance=10");
    let line = desk.refused(&[
        "--as",
        CHAIR,
        "decide",
        "GL-BG-2",
        "--outcome",
        "change_approved",
        "--override-reason",
        "区政府已同意追加预算",
    ]);
    assert_mentions(&line, &["同意变更", "第二十条", "须重新立项", "must_reapply"]);
    desk.ok_as(CHAIR, &["decide", "GL-BG-2"]);
    // Approval rubric, full marks: 100, but no data-sharing section (第二十八条).
    score_all(
        &desk,
        "GL-LX-1",
        "necessity=15,requirements=15,technical=20,sharing=15,security=10,budget=15,implementation=10",
    );
    let json = desk.json(&["--as", CHAIR, "show", "GL-LX-1"]);
    assert_eq!(json["suggested"], "fail", "a blocking finding blocks a pass as a veto does");
    for outcome in ["pass", "pass_after_revision"] {
        let line =
            desk.refused(&["--as", CHAIR, "decide", "GL-LX-1", "--outcome", outcome, "--override-reason", "补充"]);
        assert_mentions(&line, &["第二十八条", "fail"]);
    }
}

#[test]
fn successive_changes_are_measured_against_the_total_first_approved() {
    // First approved 100 万; changed once to 106 万 (6%); now 112.36 万: 6% over the last approval
    // but 12.36% over the first, so 第二十条 sends it back to re-apply. Without the column the
    // same row is only a change.
    let desk = Desk::meeting();
    let csv = desk.write(
        "变更.csv",
        "项目编码,项目名称,建设单位,申报类型,最初批复总投资（万元）,批复总投资（万元）,申报总投资（万元）,年度计划类别,监理单位,数据共享章节\n\
         GL-BG-7,区督查平台二次变更,区政府办,变更,100,106,112.36,A,是,是\n\
         GL-BG-8,区督查平台变更,区政府办,变更,,106,112.36,A,是,是\n",
    );
    desk.ok_as(SECRETARIAT, &["intake", &csv]);
    let twice = desk.ok_as(CHAIR, &["show", "GL-BG-7"]);
    assert!(twice.contains("累计超出最初批复总投资 12.36%") && twice.contains("须重新立项"), "{twice}");
    let once = desk.ok_as(CHAIR, &["show", "GL-BG-8"]);
    assert!(once.contains("投资变动 +6.00%") && !once.contains("须重新立项"), "{once}");
}
