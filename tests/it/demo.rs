//! The demo meeting: every rule fires at least once, some cases land just under, four of the
//! five experts have scored, and global options work after the command.

use assert_cmd::Command;
use serde_json::Value;
use std::collections::BTreeSet;

fn run(home: &std::path::Path, args: &[&str]) -> Value {
    let out = Command::cargo_bin("reviewdesk")
        .unwrap()
        .args(args)
        .args(["--home", home.to_str().unwrap(), "--json"])
        .env("REVIEWDESK_NOW", "2026-12-08T09:00:00Z")
        .env_remove("REVIEWDESK_HOME")
        .env_remove("REVIEWDESK_AS")
        .output()
        .unwrap();
    assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn the_demo_meeting_covers_every_rule() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("demo");
    let built = run(&home, &["demo", "--no-tui"]);
    let rows = built["queue"]["rows"].as_array().unwrap();
    assert!(rows.len() >= 12);
    let kinds: BTreeSet<&str> = rows.iter().map(|r| r["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, BTreeSet::from(["acceptance", "approval", "change", "maintenance"]));
    // Four of five experts scored everything; one stepped aside on one application, where a
    // substitute from the recorded draw scored instead (4 of 5 again: the substitute is a seat).
    let scored: Vec<(u64, u64)> =
        rows.iter().map(|r| (r["scored"].as_u64().unwrap(), r["eligible"].as_u64().unwrap())).collect();
    assert_eq!(scored.iter().filter(|(n, of)| *n == 4 && *of == 5).count(), rows.len(), "{scored:?}");
    let seated = run(&home, &["--as", "王建国", "show", "GL-LX-2027-006"]);
    assert_eq!(seated["substitutes"][0]["member"]["name"], "孙磊", "{seated}");
    assert!(seated["experts"].as_array().unwrap().iter().any(|e| e["name"] == "张华" && e["recused"].is_string()));

    let mut fired = BTreeSet::new();
    for r in rows {
        let code = r["code"].as_str().unwrap();
        let v = run(&home, &["show", code, "--as", "王建国"]);
        for f in v["findings"].as_array().unwrap() {
            fired.insert(f["rule"].as_str().unwrap().to_string());
        }
        let app = &v["application"];
        // Just under the edges: 999,999.99 yuan; 9.99% over; exactly three months; the window's last day.
        match code {
            "GL-LX-2027-002" => assert_eq!(app["requested_total_yuan"], "999999.99"),
            "GL-BG-2026-011" | "GL-YS-2025-021" | "GL-YS-2025-024" => {
                let rules: Vec<&str> =
                    v["findings"].as_array().unwrap().iter().map(|f| f["rule"].as_str().unwrap()).collect();
                assert!(
                    !rules.iter().any(|r| ["change.reapply", "acceptance.trial_short", "acceptance.late"].contains(r)),
                    "{code}: {rules:?}"
                );
            }
            _ => {}
        }
    }
    for rule in [
        "change.procedure",
        "change.reapply",
        "acceptance.trial_short",
        "acceptance.late",
        "supervision.missing",
        "approval.no_data_sharing",
        "plan.not_in_plan",
        "joint.missing",
        "evaluation.overdue",
        "evaluation.due",
    ] {
        assert!(fired.contains(rule), "{rule} never fires in the demo: {fired:?}");
    }

    // The fifth expert has scored nothing and, blind, sees no aggregate.
    let q = run(&home, &["queue", "--as", "赵敏"]);
    assert!(q["rows"].as_array().unwrap().iter().all(|r| r["my_score"]["state"] == "none" && r["aggregate"].is_null()));
}

#[test]
fn the_demo_never_overwrites_a_folder_that_is_not_a_demo() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("notes.txt"), "mine").unwrap();
    let out = Command::cargo_bin("reviewdesk")
        .unwrap()
        .args(["demo", "--no-tui", "--home", dir.path().to_str().unwrap()])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("不会覆盖") && err.contains("will not be overwritten"), "{err}");
    assert_eq!(std::fs::read_to_string(dir.path().join("notes.txt")).unwrap(), "mine");
}
