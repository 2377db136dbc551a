//! The national algorithms (国密): SM2 identities beside Ed25519 ones on one panel, a whole
//! meeting run across two machines, and bundles that carry both suites.

use crate::common::{Desk, read_pub_key};

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

/// The pilot meeting SM-1 with one application, GM-LX-001: the secretariat 信息化办, the chair
/// 周建国 and the experts 李明, 王芳 and 张伟, each under the suite `suites` gives (in that
/// order), their keys exported to `files/NAME.pub`.
pub(crate) fn pilot_meeting(desk: &mut Desk, suites: [&str; 5]) {
    for (name, suite) in ["信息化办", "周建国", "李明", "王芳", "张伟"].into_iter().zip(suites) {
        identity(desk, name, suite, name == "信息化办");
    }
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
}

#[test]
fn a_panel_mixing_sm2_and_ed25519_runs_a_meeting_across_two_machines() {
    let mut desk = Desk::new();
    pilot_meeting(&mut desk, ["sm2-sm3", "ed25519-sha256", "sm2-sm3", "ed25519-sha256", "sm2-sm3"]);
    // SM2 public keys are the uncompressed point: 65 bytes, 04‖x‖y.
    assert!(desk.key("李明").starts_with("04") && desk.key("李明").len() == 130);
    assert_eq!(desk.key("王芳").len(), 64);
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

/// `python3 tools/gm_bundle.py ARGS`: the independent gmssl implementation of the SM2 form.
fn gm_bundle(args: &[&std::ffi::OsStr]) -> std::process::Output {
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tools/gm_bundle.py");
    std::process::Command::new("python3")
        .arg(script)
        .args(args)
        .output()
        .expect("python3 runs tools/gm_bundle.py (.ci/run installs gmssl)")
}

#[test]
fn sm2_identities_get_bundles_encrypted_with_national_algorithms_that_gmssl_opens_both_ways() {
    use crate::common::reviewdesk;
    use std::ffi::OsStr;
    let files = tempfile::tempdir().unwrap();
    let at = |name: &str| files.path().join(name);
    let sec = at("sec");
    reviewdesk(&sec, &["demo", "--no-tui"]).assert().success();
    // 李明 in the clear, 张伟 sealed under a passphrase; both sm2-sm3.
    let (li, zhang) = (at("li"), at("zhang"));
    reviewdesk(&li, &["init", "--name", "李明", "--suite", "sm2-sm3"]).assert().success();
    std::fs::write(at("pass"), "正确的口令 horse\n").unwrap();
    reviewdesk(&zhang, &["init", "--name", "张伟", "--suite", "sm2-sm3", "--protect"])
        .env("REVIEWDESK_NEW_PASSPHRASE_FILE", at("pass"))
        .assert()
        .success();
    for (home, name) in [(&li, "李明"), (&zhang, "张伟")] {
        let out = at(&format!("{name}.pub"));
        reviewdesk(home, &["--as", name, "key", "export", "--out", out.to_str().unwrap()])
            .env("REVIEWDESK_PASSPHRASE_FILE", at("pass"))
            .assert()
            .success();
    }
    // The sealed key is SM4 under PBKDF2-HMAC-SM3; nothing of scrypt or ChaCha20 in it.
    let key_text = std::fs::read_to_string(zhang.join("identities/张伟.key")).unwrap();
    let key: serde_json::Value = serde_json::from_str(&key_text).unwrap();
    assert_eq!(key["sealed"]["kdf"], "pbkdf2-hmac-sm3", "{key_text}");
    assert_eq!(key["sealed"]["aead"], "sm4-cbc-hmac-sm3", "{key_text}");
    assert!(key.get("secret").is_none() && key.get("encryption").is_none(), "no secret in the clear");
    assert!(!key_text.contains("scrypt") && !key_text.contains("chacha"), "{key_text}");
    // The secretariat encrypts to each; the header names the algorithms and the SM2 key.
    let export = |to: &str, out: &str| {
        let (to, out) = (at(to), at(out));
        let args = ["--as", "鼓楼区数据局信息化办", "export", "--author", "鼓楼区数据局信息化办"];
        let mut args: Vec<&str> = args.to_vec();
        args.extend(["--encrypt-to", to.to_str().unwrap(), "--out", out.to_str().unwrap()]);
        reviewdesk(&sec, &args).assert().success();
        out
    };
    for (to, file) in [("李明.pub", "to-li.rdbundle"), ("张伟.pub", "to-zhang.rdbundle")] {
        let bundle = export(to, file);
        let bytes = std::fs::read(&bundle).unwrap();
        let head = String::from_utf8_lossy(&bytes[..bytes.windows(2).position(|w| w == b"\n\n").unwrap()]).into_owned();
        assert!(head.contains("cipher: sm2-sm4-cbc-hmac-sm3") && head.contains("recipient: sm2:04"), "{head}");
        assert!(!head.contains("age"), "{head}");
    }
    // gmssl decrypts what we encrypted, with the clear key and with the sealed one.
    let plain = at("plain.rdbundle");
    let (li_key, zhang_key) = (li.join("identities/李明.key"), zhang.join("identities/张伟.key"));
    let cases: [(&str, &std::path::Path, Option<std::path::PathBuf>); 2] =
        [("to-li.rdbundle", &li_key, None), ("to-zhang.rdbundle", &zhang_key, Some(at("pass")))];
    for (file, key, pass) in cases {
        let bundle = at(file);
        let mut args: Vec<&OsStr> = vec![
            "decrypt".as_ref(),
            bundle.as_os_str(),
            "--key".as_ref(),
            key.as_os_str(),
            "--out".as_ref(),
            plain.as_os_str(),
        ];
        if let Some(p) = &pass {
            args.extend(["--passphrase-file".as_ref(), p.as_os_str()]);
        }
        let out = gm_bundle(&args);
        assert!(out.status.success(), "gmssl decrypts {file}: {}", String::from_utf8_lossy(&out.stderr));
        let verified = reviewdesk(&li, &["verify", plain.to_str().unwrap()]).assert().success();
        let text = String::from_utf8_lossy(&verified.get_output().stdout).into_owned();
        assert!(text.contains("评审包校验通过"), "{text}");
    }
    // A wrong passphrase is refused by gmssl's side too.
    let (bundle, wrong, x) = (at("to-zhang.rdbundle"), at("wrong"), at("x"));
    std::fs::write(&wrong, "错误的口令 horse\n").unwrap();
    let args: Vec<&OsStr> = ["decrypt".as_ref(), bundle.as_os_str(), "--key".as_ref(), zhang_key.as_os_str()]
        .into_iter()
        .chain(["--out".as_ref(), x.as_os_str(), "--passphrase-file".as_ref(), wrong.as_os_str()])
        .collect();
    let refused = gm_bundle(&args);
    assert!(!refused.status.success() && !x.exists(), "a wrong passphrase opens nothing");
    assert!(String::from_utf8_lossy(&refused.stderr).contains("wrong passphrase"));
    // We decrypt what gmssl encrypted: to 李明 in the clear, and to 张伟 with the passphrase.
    for (to, home, name) in [("李明.pub", &li, "py-li.rdbundle"), ("张伟.pub", &zhang, "py-zhang.rdbundle")] {
        let (to, out) = (at(to), at(name));
        let args: Vec<&OsStr> = vec![
            "encrypt".as_ref(),
            plain.as_os_str(),
            "--to".as_ref(),
            to.as_os_str(),
            "--out".as_ref(),
            out.as_os_str(),
        ];
        let made = gm_bundle(&args);
        assert!(made.status.success(), "{}", String::from_utf8_lossy(&made.stderr));
        let verified = reviewdesk(home, &["verify", out.to_str().unwrap()])
            .env("REVIEWDESK_PASSPHRASE_FILE", at("pass"))
            .assert()
            .success();
        assert!(String::from_utf8_lossy(&verified.get_output().stdout).contains("评审包校验通过"));
        // One byte changed in the ciphertext, and the tag refuses it; nothing is left in scratch.
        let mut bytes = std::fs::read(&out).unwrap();
        let n = bytes.len();
        bytes[n - 100] ^= 1;
        std::fs::write(&out, &bytes).unwrap();
        let mut cmd = reviewdesk(home, &["verify", out.to_str().unwrap()]);
        cmd.env("REVIEWDESK_PASSPHRASE_FILE", at("pass"));
        let line = crate::common::expect_one_line_failure(cmd, "tampered SM2 bundle");
        crate::common::assert_mentions(&line, &["已损坏", "damaged"]);
        let scratch = home.join("scratch");
        assert!(!scratch.exists() || std::fs::read_dir(&scratch).unwrap().count() == 0, "no plaintext left");
    }
}
