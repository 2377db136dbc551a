//! No network, ever: the whole flow (intake, scoring, export, import, report) runs inside a
//! network namespace with no usable interface (`unshare -n`: only a loopback that is down).

#![cfg(target_os = "linux")]

use std::path::Path;
use std::process::Command;

/// `reviewdesk --home HOME ARGS` inside a fresh network namespace.
fn netless(home: &Path, args: &[&str]) -> String {
    let out = Command::new("unshare")
        .arg("-n")
        .arg(assert_cmd::cargo::cargo_bin!("reviewdesk"))
        .arg("--home")
        .arg(home)
        .args(args)
        .env("REVIEWDESK_NOW", "2026-12-08T09:00:00Z")
        .env("LANG", "C")
        .env_remove("REVIEWDESK_HOME")
        .env_remove("REVIEWDESK_AS")
        .output()
        .expect("unshare runs (util-linux; the test needs root or user namespaces)");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "reviewdesk {args:?} failed without a network: {}\n{stdout}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

#[test]
fn the_whole_flow_runs_with_no_network_at_all() {
    let dir = tempfile::tempdir().unwrap();
    // The namespace really has no way out.
    let ip = Command::new("unshare").args(["-n", "cat", "/proc/net/dev"]).output().unwrap();
    let interfaces = String::from_utf8_lossy(&ip.stdout);
    assert!(ip.status.success(), "unshare -n works here: {}", String::from_utf8_lossy(&ip.stderr));
    assert!(!interfaces.lines().skip(2).any(|l| !l.trim_start().starts_with("lo:")), "{interfaces}");

    let a = dir.path().join("meeting-room");
    netless(&a, &["demo", "--no-tui"]);
    // Intake: a filled-in template adds an application.
    let template = dir.path().join("intake.csv");
    netless(&a, &["template", "intake", "--out", template.to_str().unwrap()]);
    let mut text = std::fs::read_to_string(&template).unwrap();
    text.push_str("GL-LX-2027-099,离网测试平台,鼓楼区数据局,鼓楼区数据局,立项,新建,,80,A,否,否,否,是,2,,,,,\n");
    std::fs::write(&template, text).unwrap();
    netless(&a, &["--as", "鼓楼区数据局信息化办", "intake", template.to_str().unwrap()]);
    // Scoring by the expert who had not scored.
    netless(
        &a,
        &[
            "--as",
            "赵敏",
            "score",
            "GL-LX-2027-099",
            "--points",
            "necessity=12,requirements=12,technical=16,sharing=12,security=8,budget=12,implementation=8",
            "--opinion",
            "离网环境下评分",
        ],
    );
    // Export, and import on another machine that trusts the secretariat.
    let bundle = dir.path().join("stick.rdbundle");
    let public = dir.path().join("secretariat.pub");
    netless(&a, &["--as", "赵敏", "export", "--out", bundle.to_str().unwrap()]);
    netless(&a, &["--as", "鼓楼区数据局信息化办", "key", "export", "--out", public.to_str().unwrap()]);
    let b = dir.path().join("secretariat-office");
    netless(&b, &["init", "--name", "档案室"]);
    netless(&b, &["trust", "add", public.to_str().unwrap()]);
    let report = netless(&b, &["import", bundle.to_str().unwrap()]);
    assert!(report.contains("新增"), "{report}");
    assert!(netless(&b, &["queue"]).contains("GL-LX-2027-099"));
    // The report.
    let html = dir.path().join("report.html");
    netless(&a, &["--as", "王建国", "report", "--format", "html", "--out", html.to_str().unwrap()]);
    assert!(std::fs::read_to_string(&html).unwrap().contains("离网测试平台"));
}
