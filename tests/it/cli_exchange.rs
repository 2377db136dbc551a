//! `export`, `import` and `verify` from the command line: USB volume choice, dry runs, author
//! and meeting filters, the atomic write, and the untrusted-secretariat refusal.

use crate::common::*;
use std::path::Path;

const DEMO_SEC: &str = "鼓楼区数据局信息化办";
/// 李明's events in the demo: 8 in the earlier meeting (a revision after review among them), a
/// sign-in and 17 sheets in the demo one.
const LI_EVENTS: u64 = 26;

/// A demo secretariat home, and a receiving home that trusts it.
fn demo_pair() -> (tempfile::TempDir, std::path::PathBuf, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let sec = dir.path().join("sec");
    let recv = dir.path().join("recv");
    reviewdesk(&sec, &["demo", "--no-tui"]).assert().success();
    let pubkey = dir.path().join("sec.pub");
    reviewdesk(&sec, &["--as", DEMO_SEC, "key", "export", "--out", pubkey.to_str().unwrap()]).assert().success();
    reviewdesk(&recv, &["init", "--name", "接收方"]).assert().success();
    reviewdesk(&recv, &["trust", "add", pubkey.to_str().unwrap()]).assert().success();
    (dir, sec, recv)
}

fn json_of(cmd: &mut assert_cmd::Command) -> serde_json::Value {
    let out = cmd.output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

fn no_temp_files(dir: &Path) {
    let left: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".tmp"))
        .collect();
    assert!(left.is_empty(), "temporary files left behind: {left:?}");
}

#[test]
fn usb_export_picks_the_one_volume_and_refuses_none_or_several() {
    let (dir, sec, _) = demo_pair();
    let media = dir.path().join("media");
    std::fs::create_dir_all(&media).unwrap();
    let usb = |args: &[&str]| {
        let mut c = reviewdesk(&sec, &[&["--as", DEMO_SEC, "export", "--usb"], args].concat());
        c.env("REVIEWDESK_MEDIA_ROOTS", &media);
        c
    };
    let line = expect_one_line_failure(usb(&[]), "no stick");
    assert_mentions(&line, &["没有找到已挂载的 U 盘", "no mounted removable volume"]);

    std::fs::create_dir(media.join("KINGSTON")).unwrap();
    let report = json_of(&mut usb(&["--json"]));
    let written = report["path"].as_str().unwrap();
    assert!(
        written.starts_with(media.join("KINGSTON").to_str().unwrap()) && written.ends_with(".rdbundle"),
        "{written}"
    );
    no_temp_files(&media.join("KINGSTON"));
    #[cfg(unix)]
    {
        // A plain bundle holds every expert's scores: owner-only, as reports and keys are.
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(written).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{written}");
    }

    std::fs::create_dir(media.join("SANDISK")).unwrap();
    let line = expect_one_line_failure(usb(&[]), "two sticks");
    assert_mentions(&line, &["找到多个 U 盘", "KINGSTON", "SANDISK", "--out"]);
}

#[test]
fn a_dry_run_reports_without_writing_and_the_real_import_then_matches_it() {
    let (dir, sec, recv) = demo_pair();
    let file = dir.path().join("m.rdbundle");
    reviewdesk(&sec, &["--as", DEMO_SEC, "export", "--out", file.to_str().unwrap()]).assert().success();
    no_temp_files(dir.path());
    let dump = || reviewdesk::store::Store::open(&recv.join("reviewdesk.db")).unwrap().dump().unwrap();
    let before = dump();
    let dry = json_of(&mut reviewdesk(&recv, &["import", "--dry-run", "--json", file.to_str().unwrap()]));
    assert_eq!(dry[0]["report"]["new"], DEMO_EVENTS as u64);
    assert!(dump() == before, "a dry run changed the store");
    let real = json_of(&mut reviewdesk(&recv, &["import", "--json", file.to_str().unwrap()]));
    assert_eq!(real[0]["report"], dry[0]["report"]);
    assert_eq!(real[0]["report"]["blobs_stored"], 17);
    let text =
        String::from_utf8(reviewdesk(&recv, &["import", file.to_str().unwrap()]).output().unwrap().stdout).unwrap();
    // The exporter by fingerprint, its name a claim, and the name this machine trusts it under.
    assert_mentions(
        &text,
        &["（自称“鼓楼区数据局信息化办”；本机记录为“鼓楼区数据局信息化办”）", &format!("新增 0  重复 {DEMO_EVENTS}")],
    );
}

#[test]
fn verify_lists_what_a_bundle_holds_without_a_store() {
    let (dir, sec, _) = demo_pair();
    let file = dir.path().join("m.rdbundle");
    reviewdesk(&sec, &["--as", DEMO_SEC, "export", "--out", file.to_str().unwrap()]).assert().success();
    let nowhere = dir.path().join("no-such-home");
    let v = json_of(&mut reviewdesk(&nowhere, &["verify", "--json", file.to_str().unwrap()]));
    assert!(!nowhere.exists(), "verify created a home");
    // The demo meeting and the earlier one whose two acceptances it follows up (限期整改).
    assert_eq!(v["events"], DEMO_EVENTS as u64);
    assert_eq!(v["applications"], 19);
    assert_eq!(v["blobs"], 17);
    assert_eq!(v["meeting_ids"], serde_json::json!(["GL-2026-03", "GL-2027-01"]));
    // The secretariat, the chair, five experts and the substitute 孙磊.
    assert_eq!(v["authors"].as_array().unwrap().len(), 8);
    let text = String::from_utf8(
        reviewdesk(&nowhere, &["--lang", "en", "verify", file.to_str().unwrap()]).output().unwrap().stdout,
    )
    .unwrap();
    assert_mentions(
        &text,
        &[
            "Bundle verified",
            "GL-2027-01",
            &format!("{DEMO_EVENTS} events"),
            "19 applications",
            "Closed meeting GL-2026-03",
            "everything the close pins is in the bundle",
        ],
    );
}

#[test]
fn one_authors_events_travel_alone_and_show_as_a_chain() {
    let (dir, sec, _) = demo_pair();
    let file = dir.path().join("liming.rdbundle");
    let r = json_of(&mut reviewdesk(
        &sec,
        &["--as", "李明", "--json", "export", "--author", "李明", "--no-blobs", "--out", file.to_str().unwrap()],
    ));
    assert_eq!((r["events"].as_u64(), r["authors"].as_u64(), r["blobs"].as_u64()), (Some(LI_EVENTS), Some(1), Some(0)));
    let v = json_of(&mut reviewdesk(&sec, &["verify", "--json", file.to_str().unwrap()]));
    let a = &v["authors"][0];
    assert_eq!(
        (a["first_seq"].as_u64(), a["last_seq"].as_u64(), a["gaps"].as_array().map(Vec::len)),
        (Some(1), Some(LI_EVENTS), Some(0))
    );
    assert_eq!(a["name"], "李明");
}

#[test]
fn a_meeting_from_an_untrusted_secretariat_is_refused_with_the_trust_command() {
    let (dir, sec, _) = demo_pair();
    let file = dir.path().join("m.rdbundle");
    reviewdesk(&sec, &["--as", DEMO_SEC, "export", "--out", file.to_str().unwrap()]).assert().success();
    let stranger = dir.path().join("stranger");
    reviewdesk(&stranger, &["init", "--name", "陌生人"]).assert().success();
    let out = reviewdesk(&stranger, &["import", file.to_str().unwrap()]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_mentions(
        &err,
        &[
            "未受信任的秘书处密钥",
            "reviewdesk trust add ed25519-sha256:",
            "--name 鼓楼区数据局信息化办",
            "by phone or in person",
        ],
    );
    // Running the command it gives makes the import work.
    let cmd = err.split("确认无误后运行：").nth(1).unwrap().split(" / ").next().unwrap();
    let args: Vec<&str> = cmd.split_whitespace().skip(1).collect();
    reviewdesk(&stranger, &args).assert().success();
    reviewdesk(&stranger, &["import", file.to_str().unwrap()]).assert().success();
}

#[test]
fn an_export_that_cannot_be_written_leaves_nothing_behind() {
    let (dir, sec, _) = demo_pair();
    let target = dir.path().join("missing-folder").join("m.rdbundle");
    let line = expect_one_line_failure(
        reviewdesk(&sec, &["--as", DEMO_SEC, "export", "--out", target.to_str().unwrap()]),
        "missing folder",
    );
    assert_mentions(&line, &["无法读写", "cannot access"]);
    assert!(!target.exists());
    no_temp_files(dir.path());
}
