//! `doctor`, `backup` and `restore` through the binary: a sound store passes, each kind of damage
//! is named with what to do, and backups are taken and restored while the store is open.

use crate::common::{DEMO_EVENTS, assert_mentions, expect_one_line_failure, reviewdesk};
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
    sql(
        home.path(),
        "UPDATE score_sheets SET total_halves = 200 WHERE (meeting_id, code, expert_key) = (SELECT meeting_id, code, expert_key FROM score_sheets LIMIT 1);",
    );
    let out = doctor_fails(home.path());
    assert_mentions(&out, &["✗ 投影表与事件日志重建的结果一致", "doctor --repair"]);
    reviewdesk(home.path(), &["doctor", "--repair"]).assert().success();
    reviewdesk(home.path(), &["doctor"]).assert().success();
}

/// A decision's suite is a copy of its event's, read by the queue and the detail screen: a copy
/// changed behind the log's back is found like any other projection.
#[test]
fn a_decisions_suite_changed_behind_the_logs_back_is_found_and_repaired() {
    let home = demo();
    sql(home.path(), "UPDATE decisions SET suite = 'sm2-sm3' WHERE suite = 'ed25519-sha256';");
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

/// Runs the binary as an ordinary user: `nobody` through setpriv when the tests run as root (as
/// CI does), else as this user, who is not root. Returns (success, stdout, stderr).
#[cfg(unix)]
fn as_ordinary_user(bin: &Path, home: &Path, args: &[&str]) -> (bool, String, String) {
    let root = unsafe { libc::geteuid() } == 0;
    let mut cmd = if root {
        let mut c = std::process::Command::new("setpriv");
        c.args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"]).arg(bin);
        c
    } else {
        std::process::Command::new(bin)
    };
    let out = cmd
        .arg("--home")
        .arg(home)
        .args(args)
        .env("REVIEWDESK_NOW", crate::common::NOW)
        .env("LANG", "C")
        .env_remove("REVIEWDESK_HOME")
        .output()
        .expect("setpriv runs (util-linux)");
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    (out.status.success(), text(&out.stdout), text(&out.stderr))
}

/// Hands `path` and everything under it to `nobody` when running as root.
#[cfg(unix)]
fn give_to_ordinary_user(path: &Path) {
    if unsafe { libc::geteuid() } != 0 {
        return;
    }
    std::os::unix::fs::chown(path, Some(65534), Some(65534)).unwrap();
    if path.is_dir() {
        for e in std::fs::read_dir(path).unwrap().flatten() {
            give_to_ordinary_user(&e.path());
        }
    }
}

#[test]
#[cfg(unix)]
fn a_backup_is_one_file_that_an_ordinary_user_restores_from_a_read_only_folder() {
    use std::os::unix::fs::PermissionsExt;
    let mode = |p: &Path, m: u32| std::fs::set_permissions(p, std::fs::Permissions::from_mode(m)).unwrap();
    let home = demo();
    // A folder every user can pass through, holding the binary, a home and the "stick".
    let root = tempfile::tempdir().unwrap();
    mode(root.path(), 0o755);
    let bin = root.path().join("reviewdesk");
    std::fs::copy(assert_cmd::cargo::cargo_bin!("reviewdesk"), &bin).unwrap();
    mode(&bin, 0o755);
    let stick = root.path().join("stick");
    std::fs::create_dir(&stick).unwrap();
    let backup = stick.join("备份.db");
    reviewdesk(home.path(), &["backup", "--out", backup.to_str().unwrap()]).assert().success();
    // One self-contained file in rollback-journal mode: nothing beside it.
    let names: Vec<String> =
        std::fs::read_dir(&stick).unwrap().flatten().map(|e| e.file_name().to_string_lossy().into_owned()).collect();
    assert_eq!(names, ["备份.db"], "no -wal, -shm or temporary file beside the backup");
    let header = std::fs::read(&backup).unwrap();
    assert_eq!((header[18], header[19]), (1, 1), "rollback journal, not WAL");
    // A copy of the live store is in WAL mode, as backups were before: the control.
    let wal = stick.join("旧备份.db");
    std::fs::copy(home.path().join("reviewdesk.db"), &wal).unwrap();
    assert_eq!(std::fs::read(&wal).unwrap()[18], 2, "the live store is WAL");
    // Someone else's home, and the stick read-only to them: owned by root (or by this user
    // with no write bit), the files theirs to read.
    let theirs = root.path().join("home");
    std::fs::create_dir(&theirs).unwrap();
    reviewdesk(&theirs, &["init", "--name", "刘洋"]).assert().success();
    give_to_ordinary_user(&theirs);
    give_to_ordinary_user(&backup);
    give_to_ordinary_user(&wal);
    mode(&backup, 0o400);
    mode(&wal, 0o400);
    mode(&stick, 0o555);
    let (ok, out, err) = as_ordinary_user(&bin, &theirs, &["restore", backup.to_str().unwrap()]);
    assert!(ok, "restore from a read-only folder: {out}{err}");
    assert!(out.contains(&format!("{DEMO_EVENTS} 个事件")), "{out}");
    let (ok, out, _) = as_ordinary_user(&bin, &theirs, &["doctor"]);
    assert!(ok, "{out}");
    // The old WAL-mode kind cannot be read there; the message says why and what to do.
    let (ok, _, err) = as_ordinary_user(&bin, &theirs, &["restore", wal.to_str().unwrap()]);
    assert!(!ok);
    assert_mentions(&err, &["WAL", "复制到本机硬盘", "copy it to this machine's disk"]);
    let mut after: Vec<String> =
        std::fs::read_dir(&stick).unwrap().flatten().map(|e| e.file_name().to_string_lossy().into_owned()).collect();
    after.sort();
    assert_eq!(after, ["备份.db", "旧备份.db"], "nothing was written on the stick");
    mode(&stick, 0o755);
}
