//! `doctor`, `backup` and `restore` through the binary: a sound store passes, each kind of damage
//! is named with what to do, and backups are taken and restored while the store is open.

mod common;

use common::{DEMO_EVENTS, assert_mentions, expect_one_line_failure, reviewdesk};
use std::path::Path;

fn demo() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    reviewdesk(dir.path(), &["demo", "--no-tui"]).assert().success();
    dir
}

fn sql(home: &Path, statement: &str) {
    let conn = rusqlite::Connection::open(home.join("reviewdesk.db")).unwrap();
    conn.execute_batch(statement).unwrap();
}

fn doctor_fails(home: &Path) -> String {
    let out = reviewdesk(home, &["doctor"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "doctor exits non-zero on a problem");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn a_sound_store_passes_every_check() {
    let home = demo();
    let out = reviewdesk(home.path(), &["doctor"]).assert().success().get_output().stdout.clone();
    let out = String::from_utf8(out).unwrap();
    assert_mentions(
        &out,
        &[
            "✓ SQLite 完整性检查",
            &format!("✓ {DEMO_EVENTS} 个事件的哈希与签名"),
            "✓ 投影表与事件日志重建的结果一致",
            "✓ 8 个身份的私钥文件",
        ],
    );
    assert!(!out.contains('✗'), "{out}");
}

#[test]
fn projections_changed_behind_the_logs_back_are_found_and_repaired() {
    let home = demo();
    sql(home.path(), "UPDATE score_sheets SET total_halves = 200 WHERE rowid = 1;");
    let out = doctor_fails(home.path());
    assert_mentions(&out, &["✗ 投影表与事件日志重建的结果一致", "doctor --repair"]);
    reviewdesk(home.path(), &["doctor", "--repair"]).assert().success();
    reviewdesk(home.path(), &["doctor"]).assert().success();
}

#[test]
fn an_event_altered_in_the_database_is_named() {
    let home = demo();
    sql(
        home.path(),
        "UPDATE events SET bytes = CAST(replace(CAST(bytes AS TEXT), '\"seq\":', '\"seq\": ') AS BLOB) \
         WHERE kind = 'score_submitted' AND rowid = (SELECT min(rowid) FROM events WHERE kind = 'score_submitted');",
    );
    let out = doctor_fails(home.path());
    assert_mentions(
        &out,
        &[&format!("✗ {DEMO_EVENTS} 个事件的哈希与签名"), "在评审台之外被改动", "reviewdesk restore"],
    );
}

#[test]
fn a_key_file_others_can_read_is_named_with_the_chmod_to_run() {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let home = demo();
        let key = home.path().join("identities").join("李明.key");
        std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o644)).unwrap();
        let out = doctor_fails(home.path());
        assert_mentions(&out, &["✗ 8 个身份的私钥文件", "chmod 600"]);
    }
}

#[test]
fn backup_and_restore_work_while_the_store_is_open() {
    let home = demo();
    let db = home.path().join("reviewdesk.db");
    // The screens hold the store open the whole time.
    let open = reviewdesk::store::Store::open(&db).unwrap();
    let files = tempfile::tempdir().unwrap();
    let backup = files.path().join("备份.db");
    reviewdesk(home.path(), &["backup", "--out", backup.to_str().unwrap()]).assert().success();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&backup).unwrap().permissions().mode() & 0o777, 0o600, "scores stay private");
    }
    let before = open.dump().unwrap();
    // A later decision changes the store; restoring the backup takes it back.
    reviewdesk(home.path(), &["--as", "王建国", "decide", "GL-BG-2026-012", "--partial"]).assert().success();
    assert_ne!(open.dump().unwrap(), before);
    let out =
        reviewdesk(home.path(), &["restore", backup.to_str().unwrap()]).assert().success().get_output().stdout.clone();
    assert!(String::from_utf8_lossy(&out).contains("恢复前的数据另存为"));
    assert_eq!(open.dump().unwrap(), before, "the open store sees the restored content");
    reviewdesk(home.path(), &["doctor"]).assert().success();
    // The store as it was before the restore is kept.
    let kept: Vec<_> = std::fs::read_dir(home.path())
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with("reviewdesk-before-restore-"))
        .collect();
    assert_eq!(kept.len(), 1);
}

#[test]
fn restoring_something_that_is_not_a_backup_changes_nothing() {
    let home = demo();
    let files = tempfile::tempdir().unwrap();
    let junk = files.path().join("junk.db");
    std::fs::write(&junk, "这不是数据库").unwrap();
    let before = reviewdesk::store::Store::open(&home.path().join("reviewdesk.db")).unwrap().dump().unwrap();
    let line = expect_one_line_failure(reviewdesk(home.path(), &["restore", junk.to_str().unwrap()]), "junk backup");
    assert!(line.contains("junk.db") || line.contains("不是"), "{line}");
    let after = reviewdesk::store::Store::open(&home.path().join("reviewdesk.db")).unwrap().dump().unwrap();
    assert_eq!(before, after);
    expect_one_line_failure(
        reviewdesk(home.path(), &["backup", "--out", files.path().join("无此目录/b.db").to_str().unwrap()]),
        "unwritable backup",
    );
}

#[test]
fn plain_bundles_left_in_scratch_by_a_killed_run_are_named_and_removed_by_repair() {
    let home = demo();
    let scratch = home.path().join("scratch");
    std::fs::create_dir_all(&scratch).unwrap();
    let (left, live) = (scratch.join("export-4242.rdbundle"), scratch.join(".import.rdbundle.decrypted-ab.tmp"));
    std::fs::write(&left, b"manifest.json ...").unwrap();
    std::fs::write(&live, b"manifest.json ...").unwrap();
    let an_hour_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
    std::fs::File::options().write(true).open(&left).unwrap().set_modified(an_hour_ago).unwrap();
    // Named, as a note: the home is owner-only, so this is not a failure.
    let out = reviewdesk(home.path(), &["doctor"]).assert().success().get_output().stdout.clone();
    let out = String::from_utf8(out).unwrap();
    assert_mentions(&out, &["⚠ 临时目录 scratch/ 中没有遗留的明文评审包", "export-4242.rdbundle", "doctor --repair"]);
    assert!(!out.contains("decrypted-ab"), "a file of a run in progress is left alone:\n{out}");
    reviewdesk(home.path(), &["doctor", "--repair"]).assert().success();
    assert!(!left.exists() && live.exists());
    let out = reviewdesk(home.path(), &["doctor"]).assert().success().get_output().stdout.clone();
    assert!(String::from_utf8(out).unwrap().contains("✓ 临时目录 scratch/"));
}
