//! Protected keys (口令保护) on the command line: sealing at `init --protect`, opening with the
//! passphrase from `REVIEWDESK_PASSPHRASE_FILE`, changing and removing it with `key passwd`,
//! and the refusals a person meets on the way.

use crate::common::{Desk, EXPERTS, expect_one_line_failure};

const EXPERT: &str = EXPERTS[0];

/// A passphrase file in the desk's files folder.
fn passphrase(desk: &Desk, name: &str, text: &str) -> String {
    desk.write(name, &format!("{text}\n"))
}

fn key_file(desk: &Desk, who: &str) -> String {
    std::fs::read_to_string(desk.home().join("identities").join(format!("{who}.key"))).unwrap()
}

/// `export` signs the bundle, so it needs the private key: opened with the passphrase in the
/// file `passphrase_file`, if given.
fn export_as(desk: &Desk, who: &str, out: &str, passphrase_file: Option<&str>) -> assert_cmd::Command {
    let mut cmd = desk.cmd(&["--as", who, "export", "--out", &desk.arg(out)]);
    cmd.env_remove("REVIEWDESK_PASSPHRASE_FILE").env_remove("REVIEWDESK_NEW_PASSPHRASE_FILE");
    if let Some(file) = passphrase_file {
        cmd.env("REVIEWDESK_PASSPHRASE_FILE", file);
    }
    cmd
}

#[test]
fn a_protected_key_signs_only_with_its_passphrase() {
    let desk = Desk::meeting();
    let old = passphrase(&desk, "old", "专家口令 correct horse");
    let new = passphrase(&desk, "new", "新的口令 battery staple");
    let fingerprint = desk.json(&["--as", EXPERT, "key", "show"])["fingerprint"].clone();

    // Seal the existing key: no old passphrase is needed, the new one comes from its file.
    desk.cmd(&["--as", EXPERT, "key", "passwd"]).env("REVIEWDESK_NEW_PASSPHRASE_FILE", &old).assert().success();
    let file = key_file(&desk, EXPERT);
    assert!(file.contains("\"sealed\"") && file.contains("scrypt") && !file.contains("\"secret\""), "{file}");
    let listed = desk.ok(&["key", "list"]);
    assert!(listed.lines().any(|l| l.contains(EXPERT) && l.contains("口令保护")), "{listed}");
    // Reading needs no passphrase, and the key is the same key.
    let shown = desk.json(&["--as", EXPERT, "key", "show"]);
    assert_eq!(shown["fingerprint"], fingerprint);
    assert_eq!(shown["protected"], true);

    let line = expect_one_line_failure(export_as(&desk, EXPERT, "a.bundle", None), "no passphrase");
    assert!(line.contains("REVIEWDESK_PASSPHRASE_FILE") && line.contains(EXPERT), "{line}");
    let line = expect_one_line_failure(export_as(&desk, EXPERT, "a.bundle", Some(&new)), "wrong passphrase");
    assert!(line.contains("口令不正确") && line.contains("wrong passphrase"), "{line}");
    assert!(!desk.file("a.bundle").exists(), "nothing is written without the key");
    export_as(&desk, EXPERT, "a.bundle", Some(&old)).assert().success();

    // Change it: the old one stops working, the new one works, the key stays the same.
    desk.cmd(&["--as", EXPERT, "key", "passwd"])
        .env("REVIEWDESK_PASSPHRASE_FILE", &old)
        .env("REVIEWDESK_NEW_PASSPHRASE_FILE", &new)
        .assert()
        .success();
    expect_one_line_failure(export_as(&desk, EXPERT, "b.bundle", Some(&old)), "old passphrase");
    export_as(&desk, EXPERT, "b.bundle", Some(&new)).assert().success();
    assert_eq!(desk.json(&["--as", EXPERT, "key", "show"])["fingerprint"], fingerprint);

    // Remove it: the key opens without asking again.
    desk.cmd(&["--as", EXPERT, "key", "passwd", "--remove"]).env("REVIEWDESK_PASSPHRASE_FILE", &new).assert().success();
    export_as(&desk, EXPERT, "c.bundle", None).assert().success();
    assert!(!key_file(&desk, EXPERT).contains("\"sealed\""));
}

#[test]
fn init_protect_seals_the_new_key_and_refuses_weak_or_missing_passphrases() {
    let desk = Desk::new();
    let short = passphrase(&desk, "short", "1234567");
    let good = passphrase(&desk, "good", "评审台口令二零二六");

    // No terminal and no file: said plainly, and no identity is made.
    let mut cmd = desk.cmd(&["init", "--name", "赵敏", "--protect"]);
    cmd.env_remove("REVIEWDESK_PASSPHRASE_FILE").env_remove("REVIEWDESK_NEW_PASSPHRASE_FILE");
    let line = expect_one_line_failure(cmd, "no passphrase at all");
    assert!(line.contains("REVIEWDESK_NEW_PASSPHRASE_FILE"), "{line}");
    let mut cmd = desk.cmd(&["init", "--name", "赵敏", "--protect"]);
    cmd.env("REVIEWDESK_NEW_PASSPHRASE_FILE", &short);
    let line = expect_one_line_failure(cmd, "short passphrase");
    assert!(line.contains("至少 8 个字符") && line.contains("at least 8"), "{line}");
    assert!(!desk.home().join("identities").join("赵敏.key").exists());

    desk.cmd(&["init", "--name", "赵敏", "--protect"])
        .env("REVIEWDESK_PASSPHRASE_FILE", &good)
        .assert()
        .success()
        .stdout(predicates::str::contains("私钥已用口令加密保存"));
    assert!(key_file(&desk, "赵敏").contains("\"sealed\""));
    // The doctor checks the file without asking for the passphrase.
    let mut doctor = desk.cmd(&["doctor"]);
    doctor.env_remove("REVIEWDESK_PASSPHRASE_FILE");
    doctor.assert().success();
    // A missing passphrase file is named.
    let missing = desk.arg("no-such-file");
    expect_one_line_failure(export_as(&desk, "赵敏", "x.bundle", Some(&missing)), "missing passphrase file");
}

#[cfg(unix)]
#[test]
fn a_key_file_others_can_read_is_refused_with_the_chmod_to_run() {
    use std::os::unix::fs::PermissionsExt;
    let desk = Desk::new();
    desk.init("赵敏", false);
    let path = desk.home().join("identities").join("赵敏.key");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    let line = expect_one_line_failure(export_as(&desk, "赵敏", "x.bundle", None), "exposed key file");
    assert!(line.contains(&format!("chmod 600 {}", path.display())), "{line}");
    let out = desk.cmd(&["doctor"]).output().unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("chmod 600"));
}
