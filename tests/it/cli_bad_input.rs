//! Bad input through the binary: every refusal exits non-zero with one line on stderr, in
//! Chinese and English, that says what to do, and leaves the store exactly as it was.
//! Also: intake errors name row and column, and the seeded panel draw is reproducible.

use crate::common::*;
use serde_json::Value;

const ONE_APPROVAL: &str = "\
项目编码 code,项目名称 name,建设单位 unit,申报类型 kind,申报总投资（万元） requested_total,年度计划类别 plan_class,监理单位 supervision_firm,数据共享章节 data_sharing_section,等保级别 protection_level
GL-LX-2027-001,鼓楼区“一网统管”城市运行管理平台,鼓楼区城市管理局,立项,860,A,是,是,3
";

/// A full approval sheet: 13+13+18+13+9+13+9 = 88.
const GOOD_POINTS: &str = "necessity=13,requirements=13,technical=18,sharing=13,security=9,budget=13,implementation=9";

/// The standard meeting with one approval application registered.
fn meeting_with_one_application() -> Desk {
    let desk = Desk::meeting();
    let csv = desk.write("申报.csv", ONE_APPROVAL);
    desk.ok_as(SECRETARIAT, &["intake", &csv]);
    desk
}

// ---------------------------------------------------------------- scores

#[test]
fn a_score_above_a_criterions_maximum_is_refused() {
    let desk = meeting_with_one_application();
    // necessity allows 0 to 15; 15.5 is half a point too many.
    let points = "necessity=15.5,requirements=13,technical=18,sharing=13,security=9,budget=13,implementation=9";
    let line = desk.refused(&["--as", "李明", "score", "GL-LX-2027-001", "--points", points]);
    assert_mentions(
        &line,
        &["建设必要性", "满分 15 分", "15.5", "请给 0 到 15 分", "necessity", "allows 0 to 15 points"],
    );
    // A whole criterion over its maximum is refused the same way.
    let points = "necessity=13,requirements=13,technical=21,sharing=13,security=9,budget=13,implementation=9";
    let line = desk.refused(&["--as", "李明", "score", "GL-LX-2027-001", "--points", points]);
    assert_mentions(&line, &["技术方案", "请给 0 到 20 分", "technical", "allows 0 to 20 points, not 21"]);
}

#[test]
fn a_score_from_someone_not_on_the_panel_is_refused() {
    let desk = meeting_with_one_application();
    // An identity in the same home that the roster does not name.
    desk.init("赵外来", false);
    let line = desk.refused(&["--as", "赵外来", "score", "GL-LX-2027-001", "--points", GOOD_POINTS]);
    assert_mentions(&line, &["不在本次会议的专家组中", "不能评分", "not on this meeting's panel", "cannot score"]);
    // Nor may they step aside from an application they were never on.
    let line = desk.refused(&["--as", "赵外来", "conflict", "GL-LX-2027-001", "--reason", "亲属在建设单位任职"]);
    assert_mentions(&line, &["专家组", "panel"]);
}

#[test]
fn a_decision_from_anyone_but_the_chair_is_refused() {
    let desk = meeting_with_one_application();
    // 李明 has not scored yet: the application is blind to him.
    desk.ok_as("王芳", &["score", "GL-LX-2027-001", "--points", GOOD_POINTS]);
    let line = desk.refused(&["--as", "李明", "decide", "GL-LX-2027-001"]);
    assert_mentions(&line, &["只有本次会议的组长能记录结论", "only the meeting's chair records decisions"]);

    // Everyone has scored; an expert still cannot decide, with or without an outcome.
    for e in EXPERTS.iter().filter(|e| **e != "王芳") {
        desk.ok_as(e, &["score", "GL-LX-2027-001", "--points", GOOD_POINTS]);
    }
    let line = desk.refused(&["--as", "李明", "decide", "GL-LX-2027-001"]);
    assert_mentions(&line, &["只有本次会议的组长能记录结论", "only the meeting's chair records decisions"]);
    let line = desk.refused(&["--as", "李明", "decide", "GL-LX-2027-001", "--outcome", "pass"]);
    assert_mentions(&line, &["只有本次会议的组长能记录结论", "only the meeting's chair records decisions"]);

    // The secretariat runs the meeting but does not sign the panel's conclusion.
    let line = desk.refused(&["--as", SECRETARIAT, "decide", "GL-LX-2027-001"]);
    assert_mentions(&line, &["只有本次会议的组长能记录结论", "you are Secretariat"]);

    // The chair can.
    desk.ok_as(CHAIR, &["decide", "GL-LX-2027-001"]);
}

#[test]
fn an_expert_deciding_while_scores_are_pending_is_told_only_the_chair_decides() {
    let desk = meeting_with_one_application();
    desk.ok_as("李明", &["score", "GL-LX-2027-001", "--points", GOOD_POINTS]);
    let line = desk.refused(&["--as", "李明", "decide", "GL-LX-2027-001"]);
    assert_mentions(&line, &["组长", "chair"]);
    assert!(!line.contains("--partial"), "a non-chair should not be pointed at --partial: {line}");
}

#[test]
fn an_unknown_application_code_is_refused() {
    let desk = meeting_with_one_application();
    let expect = [
        "会议“M1”中没有申报项目“GL-LX-2099-999”",
        "用 reviewdesk queue 查看",
        "has no application “GL-LX-2099-999”",
        "see reviewdesk queue",
    ];
    let line = desk.refused(&["--as", "李明", "score", "GL-LX-2099-999", "--points", GOOD_POINTS]);
    assert_mentions(&line, &expect);
    let line = desk.refused(&["--as", "李明", "conflict", "GL-LX-2099-999", "--reason", "曾参与可研编制"]);
    assert_mentions(&line, &expect);
    let line = desk.refused(&["--as", CHAIR, "decide", "GL-LX-2099-999"]);
    assert_mentions(&line, &expect);
    let line = desk.refused(&["--as", CHAIR, "show", "GL-LX-2099-999"]);
    assert_mentions(&line, &expect);
}

// ---------------------------------------------------------------- meeting open

#[test]
fn a_roster_with_a_bad_key_cell_is_refused() {
    let desk = Desk::meeting();
    let roster = desk.write(
        "roster-bad-key.csv",
        &format!("姓名,角色,公钥,专业,单位\n{CHAIR},组长,{CHAIR}.pub,技术,南京市大数据管理局\n李明,专家,李明的公钥.txt,技术,东南大学\n"),
    );
    let line = desk.refused(&[
        "--as",
        SECRETARIAT,
        "meeting",
        "open",
        "--title",
        "第二批",
        "--date",
        "2026-12-09",
        "--id",
        "M2",
        "--roster",
        &roster,
    ]);
    assert_mentions(
        &line,
        &["第 3 行", "「公钥」", "李明的公钥.txt", "不是公钥或 .pub 文件", "row 3", "is not a public key or .pub file"],
    );
    let meetings = desk.json(&["--as", SECRETARIAT, "meeting", "list"]);
    assert_eq!(meetings.as_array().unwrap().len(), 1, "only M1: {meetings}");
}

#[test]
fn a_roster_missing_a_column_is_refused() {
    let desk = Desk::meeting();
    // No 角色 (role) column: who chairs?
    let roster = desk.write(
        "roster-no-role.csv",
        &format!("姓名,公钥,专业,单位\n{CHAIR},{CHAIR}.pub,技术,南京市大数据管理局\n李明,李明.pub,技术,东南大学\n"),
    );
    let line = desk.refused(&[
        "--as",
        SECRETARIAT,
        "meeting",
        "open",
        "--title",
        "第二批",
        "--date",
        "2026-12-09",
        "--id",
        "M2",
        "--roster",
        &roster,
    ]);
    assert_mentions(&line, &["第 1 行", "缺少“角色”列", "row 1", "missing the “role” column"]);
    // No 公钥 (key) column.
    let roster = desk.write(
        "roster-no-key.csv",
        &format!("姓名,角色,专业,单位\n{CHAIR},组长,技术,南京市大数据管理局\n李明,专家,技术,东南大学\n"),
    );
    let line = desk.refused(&[
        "--as",
        SECRETARIAT,
        "meeting",
        "open",
        "--title",
        "第二批",
        "--date",
        "2026-12-09",
        "--id",
        "M2",
        "--roster",
        &roster,
    ]);
    assert_mentions(&line, &["缺少“公钥”列", "missing the “key” column"]);
}

/// The expert pool: (name, category, unit). 鼓楼区教育局 is an applicant unit in the tests below.
const POOL: [(&str, &str, &str); 8] = [
    ("周建国", "技术", "南京市大数据管理局"),
    ("李明", "技术", "东南大学"),
    ("王芳", "技术", "南京大学"),
    ("张伟", "技术", "鼓楼区教育局"),
    ("赵磊", "技术", "鼓楼区教育局"),
    ("刘洋", "财务", "江苏天衡会计师事务所"),
    ("吴敏", "财务", "鼓楼区教育局"),
    ("陈静", "安全", "江苏省信息安全测评中心"),
];
const APPLICANT_UNIT: &str = "鼓楼区教育局";

/// Makes a key for every pool expert (in a home of their own) and writes `pool.csv` beside the
/// `.pub` files. Returns the desk that holds the files.
fn pool_files() -> Desk {
    let mut keys = Desk::new();
    let mut csv = String::from("姓名,专业,单位,公钥\n");
    for (name, category, unit) in POOL {
        keys.identity(name);
        csv.push_str(&format!("{name},{category},{unit},{name}.pub\n"));
    }
    keys.write("pool.csv", &csv);
    keys
}

/// A home with only a secretariat in it.
fn secretariat_home() -> Desk {
    let desk = Desk::new();
    desk.init(SECRETARIAT, true);
    desk
}

fn open_from_pool(desk: &Desk, pool: &str, extra: &[&str]) -> Value {
    let mut args = vec![
        "--as",
        SECRETARIAT,
        "meeting",
        "open",
        "--title",
        "随机抽取专家评审会",
        "--date",
        "2026-12-08",
        "--id",
        "M1",
        "--pool",
        pool,
    ];
    args.extend_from_slice(extra);
    desk.json(&args)
}

fn panel_names(meeting: &Value) -> Vec<(String, String)> {
    meeting["panel"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["name"].as_str().unwrap().to_string(), p["role"].as_str().unwrap().to_string()))
        .collect()
}

#[test]
fn a_malformed_pool_is_refused() {
    let keys = pool_files();
    let desk = secretariat_home();
    // A key cell that is neither a key nor a .pub file.
    let bad_key = keys.write("pool-bad-key.csv", "姓名,专业,单位,公钥\n周建国,技术,南京市大数据管理局,周建国.pub\n李明,技术,东南大学,李明.pub\n王芳,技术,南京大学,未提供\n");
    let line = desk.refused(&[
        "--as",
        SECRETARIAT,
        "meeting",
        "open",
        "--title",
        "x",
        "--date",
        "2026-12-08",
        "--pool",
        &bad_key,
        "--draw",
        "技术=2",
        "--chair",
        "周建国",
    ]);
    assert_mentions(&line, &["第 4 行", "「公钥」", "未提供", "row 4", "is not a public key or .pub file"]);
    // No 专业 (category) column: nothing to draw by.
    let no_category = keys.write(
        "pool-no-category.csv",
        "姓名,单位,公钥\n周建国,南京市大数据管理局,周建国.pub\n李明,东南大学,李明.pub\n王芳,南京大学,王芳.pub\n",
    );
    let line = desk.refused(&[
        "--as",
        SECRETARIAT,
        "meeting",
        "open",
        "--title",
        "x",
        "--date",
        "2026-12-08",
        "--pool",
        &no_category,
        "--draw",
        "技术=2",
        "--chair",
        "周建国",
    ]);
    assert_mentions(&line, &["第 1 行", "缺少“专业”列", "row 1", "missing the “category” column"]);
    // Not enough experts left in a category.
    let pool = keys.arg("pool.csv");
    let line = desk.refused(&[
        "--as",
        SECRETARIAT,
        "meeting",
        "open",
        "--title",
        "x",
        "--date",
        "2026-12-08",
        "--pool",
        &pool,
        "--draw",
        "安全=2",
        "--chair",
        "周建国",
    ]);
    assert_mentions(&line, &["安全", "需要抽取 2 人", "needs 2 experts"]);
}

#[test]
fn the_same_seed_draws_the_same_panel_in_two_homes() {
    let keys = pool_files();
    let pool = keys.arg("pool.csv");
    let args = ["--draw", "技术=2,财务=1", "--chair", "周建国", "--seed", "7"];
    let (a, b) = (secretariat_home(), secretariat_home());
    open_from_pool(&a, &pool, &args);
    open_from_pool(&b, &pool, &args);
    let shown_a = a.json(&["--as", SECRETARIAT, "meeting", "show"]);
    let shown_b = b.json(&["--as", SECRETARIAT, "meeting", "show"]);
    let (panel_a, panel_b) = (panel_names(&shown_a), panel_names(&shown_b));
    assert_eq!(panel_a, panel_b, "same pool and seed, same panel");
    // The chair, then two 技术 and one 财务 experts, all from the pool.
    assert_eq!(panel_a.len(), 4, "{panel_a:?}");
    assert_eq!(panel_a[0], ("周建国".to_string(), "chair".to_string()));
    let categories: Vec<&str> =
        shown_a["panel"].as_array().unwrap()[1..].iter().map(|p| p["category"].as_str().unwrap()).collect();
    assert_eq!(categories.iter().filter(|c| **c == "技术").count(), 2, "{categories:?}");
    assert_eq!(categories.iter().filter(|c| **c == "财务").count(), 1, "{categories:?}");
    // The draw is on record so anyone can redo it.
    assert_eq!(shown_a["draw"]["seed"], 7);
    assert_eq!(shown_a["draw"]["pool_sha256"], shown_b["draw"]["pool_sha256"]);
    assert_eq!(shown_a["draw"]["categories"], serde_json::json!([["技术", 2], ["财务", 1]]));
}

#[test]
fn no_expert_from_an_excluded_unit_is_drawn() {
    let keys = pool_files();
    let pool = keys.arg("pool.csv");
    // Two of the four 技术 experts and one of the two 财务 experts work at the applicant unit;
    // with them stepping aside, the draw has no choice left: 李明, 王芳 and 刘洋, whatever the seed.
    for seed in ["7", "8", "9"] {
        let desk = secretariat_home();
        open_from_pool(
            &desk,
            &pool,
            &["--draw", "技术=2,财务=1", "--chair", "周建国", "--seed", seed, "--exclude-unit", APPLICANT_UNIT],
        );
        let shown = desk.json(&["--as", SECRETARIAT, "meeting", "show"]);
        let panel = shown["panel"].as_array().unwrap();
        assert!(panel.iter().all(|p| p["unit"] != APPLICANT_UNIT), "seed {seed}: {panel:?}");
        let mut experts: Vec<&str> =
            panel.iter().filter(|p| p["role"] == "expert").map(|p| p["name"].as_str().unwrap()).collect();
        experts.sort_unstable();
        let mut want = vec!["李明", "王芳", "刘洋"];
        want.sort_unstable();
        assert_eq!(experts, want, "seed {seed}");
        assert_eq!(shown["draw"]["excluded_units"], serde_json::json!([APPLICANT_UNIT]));
    }
    // Excluding the chair's own unit is refused, and nothing is opened.
    let desk = secretariat_home();
    let line = desk.refused(&[
        "--as",
        SECRETARIAT,
        "meeting",
        "open",
        "--title",
        "x",
        "--date",
        "2026-12-08",
        "--pool",
        &pool,
        "--draw",
        "技术=2",
        "--chair",
        "周建国",
        "--seed",
        "7",
        "--exclude-unit",
        "南京市大数据管理局",
    ]);
    assert_mentions(&line, &["须回避", "must step aside"]);
}

// ---------------------------------------------------------------- home

#[test]
fn a_missing_home_says_to_run_init_and_is_not_created() {
    let desk = Desk::new();
    let missing = desk.dir().join("没有这个目录");
    let roster = desk.write("roster.csv", "姓名,角色,公钥,专业,单位\n");
    let csv = desk.write("申报.csv", ONE_APPROVAL);
    let commands: Vec<Vec<&str>> = vec![
        vec!["queue"],
        vec!["meeting", "list"],
        vec!["meeting", "show"],
        vec!["--as", "李明", "score", "GL-LX-2027-001", "--points", GOOD_POINTS],
        vec!["--as", CHAIR, "decide", "GL-LX-2027-001"],
        vec!["--as", SECRETARIAT, "intake", &csv],
        vec!["--as", SECRETARIAT, "meeting", "open", "--title", "x", "--date", "2026-12-08", "--roster", &roster],
    ];
    for args in &commands {
        let line = expect_one_line_failure(reviewdesk(&missing, args), &format!("{args:?}"));
        assert_mentions(
            &line,
            &[
                "没有评审台数据",
                "reviewdesk init --name",
                "there is no reviewdesk home",
                "run reviewdesk init --name NAME first",
            ],
        );
        assert!(!missing.exists(), "{args:?} created {}", missing.display());
    }
    // A folder that exists but holds no store is no home either, and stays empty.
    let empty = desk.dir().join("empty");
    std::fs::create_dir(&empty).unwrap();
    let line = expect_one_line_failure(reviewdesk(&empty, &["queue"]), "queue in an empty folder");
    assert_mentions(&line, &["init"]);
    assert_eq!(std::fs::read_dir(&empty).unwrap().count(), 0, "the empty folder gained files");
}

// ---------------------------------------------------------------- intake

/// Row 2 is fine; row 3 has an amount nobody can read.
const BAD_AMOUNT: &str = "\
项目编码 code,项目名称 name,建设单位 unit,申报类型 kind,申报总投资（万元） requested_total,年度计划类别 plan_class,数据共享章节 data_sharing_section
GL-LX-2027-003,区教育局智慧校园数据中台,鼓楼区教育局,立项,100,A,是
GL-LX-2027-004,基层医疗健康档案共享平台,鼓楼区卫生健康委员会,立项,约三百二十,B,是
";

#[test]
fn an_intake_file_with_a_bad_amount_names_row_and_column_and_registers_nothing() {
    let desk = Desk::meeting();
    let csv = desk.write("申报-金额错误.csv", BAD_AMOUNT);
    let before = desk.dump();
    let out = desk.cmd(&["--as", SECRETARIAT, "intake", &csv]).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert_mentions(
        &stderr,
        &[
            "第 3 行",
            "申报总投资",
            "约三百二十",
            "未登记任何项目",
            "row 3",
            "requested_total",
            "nothing was registered",
            "Write it as 356.8万",
        ],
    );
    assert!(!stderr.contains("第 2 行") && !stderr.contains("row 2"), "row 2 is fine: {stderr}");
    assert_eq!(desk.dump(), before, "a refused intake changed the store");
    let queue = desk.json(&["--as", SECRETARIAT, "queue"]);
    assert_eq!(queue["rows"], serde_json::json!([]), "nothing registered");
    // --dry-run reports the same problem.
    let out = desk.cmd(&["--as", SECRETARIAT, "intake", &csv, "--dry-run"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_mentions(&String::from_utf8_lossy(&out.stderr), &["第 3 行", "row 3"]);
}

#[test]
fn an_intake_error_is_one_line() {
    let desk = Desk::meeting();
    let csv = desk.write("申报-金额错误.csv", BAD_AMOUNT);
    let line = desk.refused(&["--as", SECRETARIAT, "intake", &csv]);
    assert_mentions(&line, &["第 3 行", "row 3"]);
}
