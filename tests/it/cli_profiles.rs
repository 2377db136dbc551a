//! Every source text as a profile, through the binary: `profile list | show | check`, and a
//! meeting opened under each of the five profiles, with each profile's findings at both sides of
//! its edges. The edges are worked out by hand from the texts:
//! - luohu-2020 (解读 三（一）): department-budget projects from 50万元 inclusive are managed;
//!   government investment always; O&M and pure equipment purchases never.
//! - urumqi-2022 (通知 二（一）): the review meeting within 5 working days of receipt, the day of
//!   receipt not counted. Meeting on Tuesday 2026-12-08: received Tuesday 12-01 → Wed 2, Thu 3,
//!   Fri 4, Mon 7, Tue 8 is the 5th working day (on time); received Monday 11-30 → the 5th is
//!   Monday 12-07 (late).
//! - suqian-2024 (解读 二（五）): six review steps; 限额标准 named without its number.
//! - anhui-2023 (解读 三（二）): design and development by separate parties (blocks).
//! - gulou-2021 (第十九条): supervision from 100万元 inclusive, as before.

use crate::common::*;
use serde_json::Value;

const HEAD: &str = "项目编码,项目名称,建设单位,申报类型,申报总投资（万元）,年度计划类别,监理单位,数据共享章节,受理日期,资金来源,项目类型,审核环节,设计单位,开发单位";

fn open(desk: &Desk, profile: &str, id: &str) {
    let roster = desk.file("roster.csv").display().to_string();
    desk.ok_as(
        SECRETARIAT,
        &[
            "meeting",
            "open",
            "--title",
            "评审会",
            "--date",
            "2026-12-08",
            "--id",
            id,
            "--roster",
            &roster,
            "--profile",
            profile,
        ],
    );
}

/// The rule ids that fire on `code` in meeting `id`.
fn rules(desk: &Desk, id: &str, code: &str) -> Vec<String> {
    let v: Value = desk.json(&["--as", SECRETARIAT, "show", code, "--meeting", id]);
    v["findings"].as_array().unwrap().iter().map(|f| f["rule"].as_str().unwrap().to_string()).collect()
}

fn intake(desk: &Desk, id: &str, rows: &[&str]) {
    let csv = desk.write(&format!("{id}.csv"), &format!("{HEAD}\n{}\n", rows.join("\n")));
    desk.ok_as(SECRETARIAT, &["intake", &csv, "--meeting", id]);
}

#[test]
fn profiles_are_listed_shown_and_checked() {
    let desk = Desk::new();
    let list = desk.json(&["profile", "list"]);
    let ids: Vec<_> = list.as_array().unwrap().iter().map(|p| p["id"].as_str().unwrap().to_string()).collect();
    assert_eq!(ids, ["gulou-2021", "luohu-2020", "suqian-2024", "anhui-2023", "urumqi-2022"]);
    for p in list.as_array().unwrap() {
        for r in p["rules"].as_array().unwrap() {
            assert!(!r["quote"].as_str().unwrap().is_empty(), "{}: {} quotes its sentence", p["id"], r["kind"]);
        }
    }

    let shown = desk.ok(&["profile", "show", "luohu-2020"]);
    assert_mentions(&shown, &["funding_scope", "50万元（含）以上", "本文件未规定", "supervision", "trial_operation"]);
    let luohu = desk.json(&["profile", "show", "luohu-2020"]);
    assert!(luohu["not_set"].as_array().unwrap().iter().any(|k| k["kind"] == "supervision"));
    let suqian = desk.json(&["profile", "show", "suqian-2024"]);
    let limit = suqian["rules"].as_array().unwrap().iter().find(|r| r["kind"] == "review_limit").unwrap();
    assert_eq!(limit["not_stated"], true);
    assert!(limit["quote"].as_str().unwrap().contains("限额标准"));

    // A good file passes; a broken one is refused with every problem and what to do.
    let good = desk.write("mine.toml", include_str!("../../assets/policies/anhui-2023.toml"));
    desk.ok(&["profile", "check", &good]);
    let broken = include_str!("../../assets/policies/suqian-2024.toml")
        .replace("not_stated = true\n", "")
        .replace("quote = \"细化了审核的重点环节和限额标准。\"\n", "");
    let bad = desk.write("bad.toml", &broken);
    let out = desk.cmd(&["profile", "check", &bad]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_mentions(
        &err,
        &[
            "rules.review_limit.quote",
            "rules.review_limit.amount",
            "rules.trial_operation.months",
            "not_stated = true",
            "3 处问题",
            "3 problems",
        ],
    );
    let unknown = desk.write(
        "unknown.toml",
        &include_str!("../../assets/policies/anhui-2023.toml").replace("[rules.review_limit]", "[rules.review_limits]"),
    );
    let out = desk.cmd(&["profile", "check", &unknown]).output().unwrap();
    assert_mentions(
        &String::from_utf8_lossy(&out.stderr),
        &["review_limits", "separate_design_development", "文件不能读作政策档案"],
    );
}

#[test]
fn a_meeting_opens_under_each_profile_and_each_fires_at_its_edges() {
    let desk = Desk::meeting();

    // Gulou, unchanged: supervision from 100万元 inclusive.
    open(&desk, "gulou-2021", "GL");
    intake(&desk, "GL", &["G-1,平台,某局,立项,100,A,否,是,,,,,,", "G-2,平台,某局,立项,99.999999,A,否,是,,,,,,"]);
    assert_eq!(rules(&desk, "GL", "G-1"), ["supervision.missing"]);
    assert!(rules(&desk, "GL", "G-2").is_empty());

    // Luohu: 50万元 inclusive for department budget; government investment always; O&M outside.
    open(&desk, "luohu-2020", "LH");
    intake(
        &desk,
        "LH",
        &[
            "L-1,平台,某局,立项,50,,否,否,,部门预算,建设,,,",
            "L-2,平台,某局,立项,49.999999,,否,否,,部门预算,建设,,,",
            "L-3,平台,某局,立项,1,,否,否,,政府投资,建设,,,",
            "L-4,运维,某局,立项,300,,否,否,,政府投资,运维,,,",
            "L-5,设备,某局,立项,300,,否,否,,部门预算,设备购置,,,",
        ],
    );
    assert!(rules(&desk, "LH", "L-1").is_empty(), "no supervision, plan or data-sharing rule is borrowed");
    // And the application says so, instead of looking clean.
    let shown = desk.ok_as(SECRETARIAT, &["show", "L-1", "--meeting", "LH"]);
    assert!(shown.contains("本会议政策档案未规定（未检查）：") && shown.contains("监理"), "{shown}");
    let v: Value = desk.json(&["--as", SECRETARIAT, "show", "L-1", "--meeting", "LH"]);
    assert!(v["not_set"].as_array().unwrap().iter().any(|k| k == "supervision"), "{v}");
    let gulou: Value = desk.json(&["--as", SECRETARIAT, "show", "G-1", "--meeting", "GL"]);
    // Gulou sets every common rule but a floor, having none: every project is in its scope.
    assert_eq!(gulou["not_set"], serde_json::json!(["scope_floor"]), "{gulou}");
    assert_eq!(rules(&desk, "LH", "L-2"), ["scope.below_floor"]);
    assert!(rules(&desk, "LH", "L-3").is_empty());
    assert_eq!(rules(&desk, "LH", "L-4"), ["scope.excluded_type"]);
    assert_eq!(rules(&desk, "LH", "L-5"), ["scope.excluded_type"]);

    // Urumqi: the meeting of Tuesday 2026-12-08 within 5 working days of receipt.
    open(&desk, "urumqi-2022", "WL");
    intake(
        &desk,
        "WL",
        &[
            "W-1,平台,某局,立项,300,,否,否,2026-12-01,,,,,",
            "W-2,平台,某局,立项,300,,否,否,2026-11-30,,,,,",
            "W-3,平台,某局,立项,300,,否,否,,,,,,",
        ],
    );
    assert!(rules(&desk, "WL", "W-1").is_empty());
    assert_eq!(rules(&desk, "WL", "W-2"), ["meeting.late"]);
    assert_eq!(rules(&desk, "WL", "W-3"), ["meeting.received_unknown"]);

    // Suqian: one of the six steps; the review limit and trial time named without numbers.
    open(&desk, "suqian-2024", "SQ");
    intake(&desk, "SQ", &["S-1,平台,某局,立项,300,,否,否,,,,方案预审,,", "S-2,平台,某局,立项,300,,否,否,,,,初审,,"]);
    assert_eq!(rules(&desk, "SQ", "S-1"), ["review_limit.not_stated"]);
    assert_eq!(rules(&desk, "SQ", "S-2"), ["stage.not_a_step", "review_limit.not_stated"]);

    // Anhui: one party designing and developing blocks.
    open(&desk, "anhui-2023", "AH");
    intake(
        &desk,
        "AH",
        &[
            "A-1,平台,某局,立项,300,,否,否,,,,,甲设计院,乙软件公司",
            "A-2,平台,某局,立项,300,,否,否,,,,,甲设计院,甲设计院",
        ],
    );
    assert_eq!(rules(&desk, "AH", "A-1"), ["approval_time_limit.not_stated", "review_limit.not_stated"]);
    assert_eq!(
        rules(&desk, "AH", "A-2"),
        ["design.same_party", "approval_time_limit.not_stated", "review_limit.not_stated"]
    );
}

/// docs/rules.md prints each built-in profile as `profile show` does, so the page a secretariat
/// reads cannot drift from the rules the program applies.
#[test]
fn the_rules_page_holds_what_profile_show_prints_for_every_profile() {
    let page = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/rules.md")).unwrap();
    let home = tempfile::tempdir().unwrap();
    for id in ["gulou-2021", "luohu-2020", "suqian-2024", "anhui-2023", "urumqi-2022"] {
        let out = reviewdesk(home.path(), &["--lang", "zh", "profile", "show", id]).output().unwrap();
        assert!(out.status.success(), "{id}");
        let text = String::from_utf8(out.stdout).unwrap();
        assert!(
            page.contains(&format!("## {id}\n\n```text\n{text}```")),
            "docs/rules.md is out of date for {id}: regenerate its block from `reviewdesk profile show {id}`"
        );
    }
}
