//! The national algorithms (国密): SM2 identities beside Ed25519 ones on one panel, a whole
//! meeting run across two machines, and bundles that carry both suites.

mod common;

use common::{Desk, read_pub_key};

const POINTS: &str = "necessity=13,requirements=13,technical=17,sharing=13,security=8,budget=13,implementation=8";

/// `init` with a suite, and the public key exported to `files/NAME.pub`.
fn identity(desk: &mut Desk, name: &str, suite: &str, secretariat: bool) {
    let mut args = vec!["init", "--name", name, "--suite", suite];
    if secretariat {
        args.push("--secretariat");
    }
    desk.ok(&args);
    let out = desk.arg(&format!("{name}.pub"));
    desk.ok(&["--as", name, "key", "export", "--out", &out]);
    let key = read_pub_key(&desk.file(&format!("{name}.pub")));
    desk.keys.insert(name.to_string(), key);
}

#[test]
fn a_panel_mixing_sm2_and_ed25519_runs_a_meeting_across_two_machines() {
    let mut desk = Desk::new();
    identity(&mut desk, "信息化办", "sm2-sm3", true);
    identity(&mut desk, "周建国", "ed25519-sha256", false);
    identity(&mut desk, "李明", "sm2-sm3", false);
    identity(&mut desk, "王芳", "ed25519-sha256", false);
    identity(&mut desk, "张伟", "sm2-sm3", false);
    // SM2 public keys are the uncompressed point: 65 bytes, 04‖x‖y.
    assert!(desk.key("李明").starts_with("04") && desk.key("李明").len() == 130);
    assert_eq!(desk.key("王芳").len(), 64);
    let roster = desk.write(
        "roster.csv",
        "姓名,角色,公钥,专业,单位\n周建国,组长,周建国.pub,技术,南京市大数据管理局\n李明,专家,李明.pub,技术,东南大学\n王芳,专家,王芳.pub,财务,南京大学\n张伟,专家,张伟.pub,安全,南京邮电大学\n",
    );
    desk.ok_as(
        "信息化办",
        &["meeting", "open", "--title", "国密试点评审会", "--date", "2026-12-08", "--id", "SM-1", "--roster", &roster],
    );
    let intake = desk.write(
        "apps.csv",
        "项目编码,项目名称,建设单位,申报类型,申报总投资（万元）,监理单位,数据共享章节\nGM-LX-001,区密码应用改造,鼓楼区数据局,立项,120,是,是\n",
    );
    desk.ok_as("信息化办", &["intake", &intake]);
    for who in ["李明", "王芳", "张伟"] {
        desk.ok_as(who, &["sign-in", "--accept"]);
    }
    for (who, extra) in [("李明", ""), ("王芳", ",budget=12"), ("张伟", ",technical=16")] {
        let points = format!("{POINTS}{extra}");
        desk.ok_as(who, &["score", "GM-LX-001", "--points", &points, "--opinion", "同意"]);
    }
    desk.ok_as("周建国", &["decide", "GM-LX-001", "--class", "A"]);

    // Every event verifies, whichever suite signed it.
    let log = desk.json(&["log"]);
    let suites: std::collections::BTreeSet<String> =
        log["chains"].as_array().unwrap().iter().map(|c| c["fingerprint"].as_str().unwrap().to_string()).collect();
    assert_eq!(suites.len(), 5, "five signing chains: {log}");
    desk.ok(&["doctor"]);

    // The bundle carries both suites and verifies without a store.
    let bundle = desk.arg("mixed.rdbundle");
    desk.ok_as("信息化办", &["export", "--out", &bundle]);
    let verified = desk.json(&["verify", &bundle]);
    assert_eq!(verified["exporter"]["suite"], "sm2-sm3");
    let author_suites: std::collections::BTreeSet<usize> =
        verified["authors"].as_array().unwrap().iter().map(|a| a["key"].as_str().unwrap().len()).collect();
    assert_eq!(author_suites, [64, 130].into_iter().collect(), "Ed25519 and SM2 authors in one bundle");

    // A second machine that trusts the SM2 secretariat takes it all and sees the same numbers.
    let other = Desk::new();
    other.ok(&["init", "--name", "档案室"]);
    other.ok(&["trust", "add", &desk.arg("信息化办.pub")]);
    let report = other.json(&["import", &bundle]);
    assert_eq!(report[0]["report"]["rejected"], 0, "{report}");
    assert_eq!(report[0]["report"]["quarantined"], 0, "{report}");
    let there = other.json(&["show", "GM-LX-001", "--meeting", "SM-1"]);
    assert_eq!(there["decision"]["decision"]["outcome"], "pass");
    let (mine, theirs) = (desk.json(&["log"]), other.json(&["log"]));
    assert_eq!(mine["entries"].as_array().unwrap().len(), theirs["entries"].as_array().unwrap().len());
    other.ok(&["doctor"]);

    // A forged SM2 event is refused like any other: flip one byte of a signature.
    let tampered = desk.arg("tampered.rdbundle");
    let bytes = std::fs::read(&bundle).unwrap();
    let text = String::from_utf8_lossy(&bytes);
    let sig_at = text.find("{\"sig\":\"").unwrap() + 8;
    let mut forged = bytes.clone();
    forged[sig_at] = if forged[sig_at] == b'0' { b'1' } else { b'0' };
    std::fs::write(&tampered, forged).unwrap();
    assert!(!desk.cmd(&["verify", &tampered]).output().unwrap().status.success());
}
