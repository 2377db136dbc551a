//! Encrypted bundles (加密评审包): `export --encrypt-to FILE` encrypts with age to one person's
//! key; only a machine holding that identity imports it, everyone else is told whose it is, and
//! the file on the stick gives away nothing of the meeting.

use crate::common::{Desk, SECRETARIAT, expect_one_line_failure};

/// The meeting's desk, plus a second machine with one identity that trusts the secretariat.
fn two_machines(name: &str) -> (Desk, Desk) {
    let desk = Desk::meeting();
    desk.ok_as(SECRETARIAT, &["key", "export", "--out", &desk.arg("secretariat.pub")]);
    let other = Desk::new();
    other.init(name, false);
    other.ok(&["trust", "add", &desk.arg("secretariat.pub"), "--name", SECRETARIAT]);
    other.ok(&["key", "export", "--out", &other.arg("me.pub")]);
    (desk, other)
}

#[test]
fn only_the_recipient_opens_an_encrypted_bundle_and_others_learn_whose_it_is() {
    let (desk, reader) = two_machines("赵敏");
    let their_pub = reader.file("me.pub");
    let fingerprint = reader.json(&["key", "show"])["fingerprint"].as_str().unwrap().to_string();
    let target = desk.arg("for-zhao.rdbundle");
    let out =
        desk.json(&["--as", SECRETARIAT, "export", "--out", &target, "--encrypt-to", their_pub.to_str().unwrap()]);
    assert_eq!(out["encrypted_for"]["fingerprint"], fingerprint.as_str());

    // Nothing of the meeting can be read off the stick.
    let bytes = std::fs::read(&target).unwrap();
    let text = String::from_utf8_lossy(&bytes);
    for secret in ["鼓楼区2027", "周建国", "manifest.json", "events.jsonl", "东南大学"] {
        assert!(!text.contains(secret), "the encrypted file shows “{secret}”");
    }
    assert!(text.starts_with("reviewdesk-encrypted-bundle/1\n"));
    assert!(!desk.home().join("scratch").read_dir().unwrap().any(|_| true), "no plain copy left behind");

    // A third machine is told whose bundle it is.
    let (_, stranger) = two_machines("钱伟");
    let line = expect_one_line_failure(stranger.cmd(&["verify", &target]), "wrong recipient");
    assert!(line.contains(&fingerprint) && line.contains("收件人为"), "{line}");
    let before = stranger.dump();
    let out = stranger.cmd(&["import", &target]).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(err.contains(&format!("encrypted for {fingerprint}")), "{err}");
    assert_eq!(stranger.dump(), before, "the refused import changed nothing");

    // The recipient imports it.
    let report = reader.json(&["import", &target]);
    assert_eq!(report[0]["ok"], true, "{report}");
    assert!(report[0]["report"]["new"].as_u64().unwrap() > 0, "{report}");
    assert!(reader.ok(&["meeting", "list"]).contains("鼓楼区2027"));
    assert!(!reader.home().join("scratch").read_dir().unwrap().any(|_| true), "the plain copy is removed");
}

#[test]
fn a_protected_recipient_key_is_asked_for_its_passphrase_before_decrypting() {
    let (desk, reader) = two_machines("赵敏");
    let pass = reader.write("pass", "赵敏的口令 2026\n");
    reader.cmd(&["key", "passwd"]).env("REVIEWDESK_NEW_PASSPHRASE_FILE", &pass).assert().success();
    let target = desk.arg("b.rdbundle");
    desk.ok_as(SECRETARIAT, &["export", "--out", &target, "--encrypt-to", reader.file("me.pub").to_str().unwrap()]);
    let mut cmd = reader.cmd(&["import", &target]);
    cmd.env_remove("REVIEWDESK_PASSPHRASE_FILE");
    assert!(!cmd.output().unwrap().status.success(), "no passphrase, no import");
    reader.cmd(&["import", &target]).env("REVIEWDESK_PASSPHRASE_FILE", &pass).assert().success();
}

#[test]
fn damaged_encrypted_bundles_and_keys_without_an_encryption_key_are_refused_plainly() {
    let (desk, reader) = two_machines("赵敏");
    let target = desk.arg("c.rdbundle");
    desk.ok_as(SECRETARIAT, &["export", "--out", &target, "--encrypt-to", reader.file("me.pub").to_str().unwrap()]);
    let bytes = std::fs::read(&target).unwrap();

    // Cut short, as by a stick pulled early.
    let cut = reader.arg("cut.rdbundle");
    std::fs::write(&cut, &bytes[..bytes.len() * 2 / 3]).unwrap();
    let line = expect_one_line_failure(reader.cmd(&["verify", &cut]), "truncated");
    assert!(line.contains("damaged or cut short"), "{line}");
    // One byte of the ciphertext changed.
    let mut flipped = bytes.clone();
    let at = flipped.len() - 40;
    flipped[at] ^= 0x01;
    let bad = reader.arg("flipped.rdbundle");
    std::fs::write(&bad, &flipped).unwrap();
    let before = reader.dump();
    assert!(!reader.cmd(&["import", &bad]).output().unwrap().status.success());
    assert_eq!(reader.dump(), before, "a damaged bundle changes nothing");
    // A header with no recipient.
    let headless = reader.write("headless.rdbundle", "reviewdesk-encrypted-bundle/1\nfor: 1234\n\nrest");
    let line = expect_one_line_failure(reader.cmd(&["verify", &headless]), "no recipient");
    assert!(line.contains("damaged"), "{line}");

    // A public key file from before encryption keys.
    let mut old: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(reader.file("me.pub")).unwrap()).unwrap();
    old.as_object_mut().unwrap().remove("recipient");
    let old_pub = desk.write("old.pub", &old.to_string());
    let line = expect_one_line_failure(
        desk.cmd(&["--as", SECRETARIAT, "export", "--out", &desk.arg("d.rdbundle"), "--encrypt-to", &old_pub]),
        "no encryption key",
    );
    assert!(line.contains("key export"), "{line}");
    assert!(!desk.file("d.rdbundle").exists());

    // A bare age recipient works too; the addressee is then named by it.
    let recipient = reader.json(&["key", "show"])["recipient"].as_str().unwrap().to_string();
    let bare = desk.write("bare.txt", &format!("{recipient}\n"));
    let out = desk.json(&["--as", SECRETARIAT, "export", "--out", &desk.arg("e.rdbundle"), "--encrypt-to", &bare]);
    assert_eq!(out["encrypted_for"]["recipient"], recipient.as_str());
    reader.ok(&["import", &desk.arg("e.rdbundle")]);
}
