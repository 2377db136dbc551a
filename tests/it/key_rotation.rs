//! Revocation and rotation across machines: a lost laptop's key is revoked with a cut-off, its
//! later events are refused wherever they are (already held, or arriving later), and the expert's
//! new key takes over the same seat, so the panel still counts five experts, not six.

use crate::common::*;
use serde_json::Value;

const ONE_APPROVAL: &str = "\
项目编码 code,项目名称 name,建设单位 unit,申报类型 kind,申报总投资（万元） requested_total,年度计划类别 plan_class,监理单位 supervision_firm,数据共享章节 data_sharing_section,等保级别 protection_level
GL-LX-2027-001,鼓楼区“一网统管”城市运行管理平台,鼓楼区城市管理局,立项,860,A,是,是,3
";
const CODE: &str = "GL-LX-2027-001";

/// 13+13+18+13+9+13+9 = 88, and a lower sheet: 60.
const POINTS_88: &str = "necessity=13,requirements=13,technical=18,sharing=13,security=9,budget=13,implementation=9";
const POINTS_60: &str = "necessity=9,requirements=9,technical=12,sharing=9,security=6,budget=9,implementation=6";
const POINTS_90: &str = "necessity=13,requirements=13,technical=20,sharing=13,security=9,budget=13,implementation=9";

/// A machine that trusts the meeting's secretariat and holds one identity of its own.
fn machine(desk: &Desk, name: &str) -> Desk {
    let m = Desk::new();
    m.init(name, false);
    m.ok(&["trust", "add", &desk.arg("secretariat.pub"), "--name", SECRETARIAT]);
    m
}

/// The machine of a panel member already on `desk` (the chair's own laptop): their key file, copied.
fn machine_of(desk: &Desk, who: &str) -> Desk {
    let m = machine(desk, "档案室");
    let from = desk.home().join("identities").join(format!("{who}.key"));
    let to = m.home().join("identities").join(format!("{who}.key"));
    std::fs::copy(from, &to).unwrap();
    m
}

fn bundle(desk: &Desk, who: &str, file: &str, extra: &[&str]) -> String {
    let out = desk.arg(file);
    let mut args = vec!["--as", who, "export", "--out", &out];
    args.extend_from_slice(extra);
    desk.ok(&args);
    out
}

/// 李明's line on the application as `viewer` sees it on `m`: (name, fingerprint, total).
fn seat_of_li(m: &Desk, viewer: Option<&str>) -> Vec<(String, Value)> {
    let mut args = vec!["show", CODE, "--meeting", MEETING];
    if let Some(v) = viewer {
        args.splice(0..0, ["--as", v]);
    }
    let view = m.json(&args);
    view["experts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["name"].as_str().unwrap().to_string(), e["total"].clone()))
        .collect()
}

#[test]
fn a_lost_key_is_cut_off_everywhere_and_its_owners_new_key_keeps_the_seat() {
    let desk = Desk::meeting();
    desk.ok_as(SECRETARIAT, &["key", "export", "--out", &desk.arg("secretariat.pub")]);
    desk.ok_as(SECRETARIAT, &["intake", &desk.write("申报.csv", ONE_APPROVAL)]);
    desk.ok_as("李明", &["score", CODE, "--points", POINTS_88, "--opinion", "同意"]); // 李明 #2, after his sign-in
    let everything = bundle(&desk, SECRETARIAT, "all.rdbundle", &[]);

    // The laptop is lost; whoever has it signs a low score with 李明's key (#3).
    desk.ok_as("李明", &["score", CODE, "--points", POINTS_60, "--opinion", "不同意"]);
    let stolen = bundle(&desk, "李明", "stolen.rdbundle", &["--author", "李明"]);

    // The chair's machine already holds the stolen score when the revocation arrives.
    let chair = machine_of(&desk, CHAIR);
    chair.ok(&["import", &everything, &stolen]);
    let li = |seats: Vec<(String, Value)>| seats.into_iter().find(|(n, _)| n == "李明").map(|(_, t)| t.to_string());
    assert!(
        li(seat_of_li(&chair, Some(CHAIR))).unwrap().contains("60"),
        "the stolen sheet stands until the revocation"
    );

    // 李明 sets up a new laptop; the secretariat revokes the old key after #2 and seats the new one.
    let laptop = machine(&desk, "李明");
    laptop.ok(&["key", "export", "--out", &desk.arg("李明-new.pub")]);
    let old_fp = desk.json(&["--as", "李明", "key", "show"])["fingerprint"].as_str().unwrap().to_string();
    let rotated = desk.json(&[
        "--as",
        SECRETARIAT,
        "key",
        "rotate",
        &old_fp,
        "--new",
        &desk.arg("李明-new.pub"),
        "--cutoff",
        "2",
        "--reason",
        "笔记本电脑丢失",
    ]);
    assert_eq!(rotated["meetings"], serde_json::json!([MEETING]), "{rotated}");
    let shown = desk.ok(&["meeting", "show", "--meeting", MEETING]);
    assert!(shown.contains(&format!("原密钥 {old_fp}")), "the old key is listed under the seat:\n{shown}");
    // Here, the stolen #3 was already held: it is void, and the seat shows #2 under the new key.
    let seats = seat_of_li(&desk, Some(SECRETARIAT));
    assert_eq!(seats.len(), 5, "still five experts: {seats:?}");
    assert!(seats.iter().any(|(n, t)| n == "李明" && t.to_string().contains("88")), "{seats:?}");
    let refused = desk.refused(&["--as", "李明", "score", CODE, "--points", POINTS_60]);
    assert!(refused.contains("吊销") || refused.contains("revoked"), "{refused}");

    let revocation = bundle(&desk, SECRETARIAT, "revocation.rdbundle", &[]);
    // The chair's machine held the stolen score; the revocation voids it there too.
    chair.ok(&["import", &revocation]);
    let seats = seat_of_li(&chair, Some(CHAIR));
    assert_eq!(seats.len(), 5, "{seats:?}");
    assert!(li(seats).unwrap().contains("88"), "the revocation voids the stolen sheet on a machine that held it");
    // A machine that learns of the revocation first refuses the stolen score when it arrives:
    // the bundle was exported by the revoked key, so it is refused whole and changes nothing.
    let late = machine(&desk, "审计");
    late.ok(&["import", &revocation]);
    let before = late.dump();
    let out = late.cmd(&["import", &stolen]).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert_mentions(&stderr, &[&old_fp, "已被吊销", "has been revoked"]);
    assert!(late.dump() == before, "the refused bundle changed the store");

    // The new key signs in (its own pledge) and scores on the new laptop, and that sheet now
    // stands for the seat.
    laptop.ok(&["import", &revocation]);
    laptop.ok(&["sign-in", "--accept"]);
    laptop.ok(&["score", CODE, "--points", POINTS_90, "--opinion", "同意，补充说明"]);
    let back = bundle(&laptop, "李明", "from-new-laptop.rdbundle", &["--author", "李明"]);
    desk.ok(&["import", &back]);
    let seats = seat_of_li(&desk, Some(SECRETARIAT));
    assert_eq!(seats.len(), 5, "{seats:?}");
    assert!(seats.iter().any(|(n, t)| n == "李明" && t.to_string().contains("90")), "{seats:?}");
    desk.ok(&["doctor"]);
    chair.ok(&["doctor"]);
}
