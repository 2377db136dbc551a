//! The independent verifier, `tools/verify_bundle.py` (issue 15): an auditor's script that uses
//! no code of ours. It must pass the bundles the binary writes, in both suites, with the same
//! counts as `reviewdesk verify`, and refuse altered copies, naming what is wrong.
//!
//! It runs under `python3` with `cryptography` and `gmssl`, which `.ci/run` installs. Without
//! them these tests fail; they never skip.
//!
//! Altered bundles are rebuilt with the `tar` crate. Where a check behind the manifest is the
//! point, the manifest is re-signed with the exporter's own key (as a buggy exporter or someone
//! holding that key could), so that only that check can refuse it.

use crate::common::{Desk, fp, member, run_ok, sha};
use reviewdesk::ledger::{Identity, Keyring, SignedEvent};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};

const SCRIPT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tools/verify_bundle.py");
const DEMO_SECRETARIAT: &str = "鼓楼区数据局信息化办";
const MANIFEST_CONTEXT: &[u8] = b"reviewdesk manifest v1\n";
const EVENT_CONTEXT: &[u8] = b"reviewdesk event v1\n";

/// What the script said: (exit status 0, stdout, stderr).
struct Verdict {
    ok: bool,
    out: String,
    err: String,
}

/// `python3 tools/verify_bundle.py BUNDLE EXTRA…`
fn verifier(bundle: &Path, extra: &[&str]) -> Verdict {
    let out = std::process::Command::new("python3")
        .arg(SCRIPT)
        .arg(bundle)
        .args(extra)
        .output()
        .expect("python3 runs (.ci/run installs it, with cryptography and gmssl)");
    Verdict {
        ok: out.status.success(),
        out: String::from_utf8_lossy(&out.stdout).into_owned(),
        err: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// The script must pass `bundle`; returns its summary.
#[track_caller]
fn passes(bundle: &Path, extra: &[&str]) -> String {
    let v = verifier(bundle, extra);
    assert!(v.ok && v.err.is_empty(), "the verifier refused {}: {}{}", bundle.display(), v.err, v.out);
    assert!(v.out.starts_with("评审包校验通过 / bundle verified: "), "{}", v.out);
    v.out
}

/// The script must refuse `bundle` with exit code 1 and one line naming every needle.
#[track_caller]
fn refuses(bundle: &Path, extra: &[&str], needles: &[&str]) -> String {
    let v = verifier(bundle, extra);
    assert!(!v.ok, "the verifier passed {}: {}", bundle.display(), v.out);
    let line = v.err.trim_end();
    assert!(line.starts_with("拒绝 / REFUSED: ") && !line.contains('\n'), "not one refusal line: {}", v.err);
    for n in needles {
        assert!(line.contains(n), "expected “{n}” in: {line}");
    }
    line.to_string()
}

/// Both modules present, or a loud failure that says how to get them.
fn python_is_ready() {
    let out = std::process::Command::new("python3")
        .args(["-c", "import cryptography, gmssl"])
        .output()
        .expect("python3 runs (.ci/run installs it)");
    assert!(
        out.status.success(),
        "python3 lacks cryptography or gmssl (.ci/run installs them: pip install cryptography gmssl): {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

// ---------------------------------------------------------------- a bundle, entry by entry

#[derive(Clone)]
struct Parts {
    manifest: Vec<u8>,
    sig: Vec<u8>,
    events: Vec<u8>,
    /// (name, content) of each document, in order.
    blobs: Vec<(String, Vec<u8>)>,
}

impl Parts {
    fn read(path: &Path) -> Parts {
        let bytes = std::fs::read(path).unwrap();
        let mut parts = Parts { manifest: vec![], sig: vec![], events: vec![], blobs: vec![] };
        for entry in tar::Archive::new(bytes.as_slice()).entries().unwrap() {
            let mut entry = entry.unwrap();
            let name = String::from_utf8(entry.path_bytes().into_owned()).unwrap();
            let mut data = Vec::new();
            std::io::Read::read_to_end(&mut entry, &mut data).unwrap();
            match name.as_str() {
                "manifest.json" => parts.manifest = data,
                "manifest.sig" => parts.sig = data,
                "events.jsonl" => parts.events = data,
                _ => parts.blobs.push((name, data)),
            }
        }
        parts
    }

    fn lines(&self) -> Vec<String> {
        String::from_utf8(self.events.clone()).unwrap().lines().map(str::to_string).collect()
    }

    fn set_lines(&mut self, lines: &[String]) {
        self.events = lines.iter().flat_map(|l| format!("{l}\n").into_bytes()).collect();
    }

    /// The 1-based line number and the event of the first line `f` picks.
    fn find(&self, f: impl Fn(&SignedEvent) -> bool) -> (usize, SignedEvent) {
        self.lines()
            .iter()
            .enumerate()
            .map(|(i, l)| {
                let (bytes, sig) = SignedEvent::split_line(l).unwrap();
                (i + 1, SignedEvent::parse_unverified(bytes, sig).unwrap())
            })
            .find(|(_, e)| f(e))
            .unwrap()
    }

    /// Rewrites the manifest's hashes, sizes and count over the current entries, lets `edit`
    /// change it further, and signs it as `exporter`.
    fn seal_with(&mut self, exporter: &Identity, edit: impl FnOnce(&mut Value)) {
        let mut m: Value = serde_json::from_slice(&self.manifest).unwrap();
        let mut entries = vec![json!({"name": "events.jsonl", "sha256": sha(&self.events), "size": self.events.len()})];
        for (name, d) in &self.blobs {
            entries.push(json!({"name": name, "sha256": sha(d), "size": d.len()}));
        }
        m["entries"] = Value::Array(entries);
        m["event_count"] = json!(self.lines().len());
        m["exporter"] = serde_json::to_value(member(exporter)).unwrap();
        edit(&mut m);
        self.manifest = serde_json::to_vec_pretty(&m).unwrap();
        self.sig = exporter.secret.sign(&[MANIFEST_CONTEXT, &self.manifest].concat());
    }

    /// The tar, as the exporter writes it, at `dir/name`.
    fn write(&self, dir: &Path, name: &str) -> PathBuf {
        let mut builder = tar::Builder::new(Vec::new());
        let mut entries = vec![
            ("manifest.json".to_string(), &self.manifest),
            ("manifest.sig".to_string(), &self.sig),
            ("events.jsonl".to_string(), &self.events),
        ];
        entries.extend(self.blobs.iter().map(|(n, d)| (n.clone(), d)));
        for (entry, data) in entries {
            let mut h = tar::Header::new_ustar();
            h.set_size(data.len() as u64);
            h.set_mode(0o644);
            h.set_entry_type(tar::EntryType::Regular);
            builder.append_data(&mut h, entry, data.as_slice()).unwrap();
        }
        let path = dir.join(name);
        std::fs::write(&path, builder.into_inner().unwrap()).unwrap();
        path
    }
}

/// A copy of `bundle` with one byte changed: the first byte after the text `after`, which must be
/// inside an entry, so that the tar stays valid.
fn flipped(bundle: &Path, after: &str, dir: &Path, name: &str) -> PathBuf {
    let mut bytes = std::fs::read(bundle).unwrap();
    let at = bytes.windows(after.len()).position(|w| w == after.as_bytes());
    let at = at.unwrap_or_else(|| panic!("no “{after}” in the bundle")) + after.len();
    bytes[at] = if bytes[at] == b'0' { b'1' } else { b'0' };
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

fn identity(home: &Path, name: &str) -> Identity {
    Keyring::new(home.join("identities")).load(name).unwrap()
}

// ---------------------------------------------------------------- the tests

#[test]
fn the_demo_bundle_verifies_and_altered_copies_are_refused_naming_what_is_wrong() {
    python_is_ready();
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    run_ok(&home, &["demo", "--no-tui"]);
    let bundle = dir.path().join("demo.rdbundle");
    run_ok(&home, &["--as", DEMO_SECRETARIAT, "export", "--out", bundle.to_str().unwrap()]);
    let sec = identity(&home, DEMO_SECRETARIAT);
    let theirs: Value = serde_json::from_str(&run_ok(&home, &["verify", bundle.to_str().unwrap(), "--json"])).unwrap();

    // The same counts as reviewdesk's own verify, every event under Ed25519.
    let events = theirs["events"].as_u64().unwrap();
    let summary = passes(&bundle, &[]);
    assert!(summary.contains(&format!("exporter: {} (ed25519-sha256)", fp(&sec))), "{summary}");
    assert!(summary.contains(&format!("events: {events} (ed25519-sha256: {events})\n")), "{summary}");
    assert!(summary.contains(&format!("documents: {} (", theirs["blobs"])), "{summary}");
    assert!(summary.contains(&format!("authors: {} (", theirs["authors"].as_array().unwrap().len())), "{summary}");
    let close = &theirs["closes"][0];
    let pinned = format!("{} of {} pinned chain heads", close["heads_present"], close["heads"]);
    assert!(summary.contains(&pinned), "the earlier meeting's close: {summary}");

    // The exporter checked against a fingerprint read out by phone, in any case.
    let lower = fp(&sec).to_lowercase();
    assert!(passes(&bundle, &["--trust", "0000-0000-0000-0000", "--trust", &lower]).contains("matches --trust"));
    refuses(&bundle, &["--trust", "0000-0000-0000-0000"], &[&fp(&sec), "--trust"]);

    // A byte of an event's text changed: events.jsonl no longer has the hash the manifest signs.
    let altered = flipped(&bundle, "\"reason\":\"", dir.path(), "event-byte.rdbundle");
    refuses(&altered, &[], &["'events.jsonl'", "do not match the manifest"]);
    // A byte of the manifest changed: its signature fails.
    let altered = flipped(&bundle, "\"bundle_id\": \"", dir.path(), "manifest-byte.rdbundle");
    refuses(&altered, &[], &["manifest.sig", "does not verify", &fp(&sec)]);

    let parts = Parts::read(&bundle);
    let li = identity(&home, "李明");
    // 李明's countersignature (his seq 7) turned into a dissent, under a manifest the secretariat
    // signs: the event's own signature fails, and the line is named.
    let (line, ev) = parts.find(|e| e.envelope.author == li.key_hex() && e.envelope.seq == 7);
    let mut p = parts.clone();
    let mut lines = p.lines();
    let dissent = r#""stance":{"dissent":{"reason":"保留意见"}}"#;
    let changed = lines[line - 1].replacen(r#""stance":"agree""#, dissent, 1);
    assert_ne!(changed, lines[line - 1], "the demo's 李明 #7 is a countersignature");
    lines[line - 1] = changed;
    p.set_lines(&lines);
    p.seal_with(&sec, |_| {});
    let forged = p.write(dir.path(), "event-forged.rdbundle");
    refuses(&forged, &[], &[&format!("events.jsonl line {line}:"), "signature does not verify", &fp(&li)]);

    // 李明 re-signs his seq 7 naming another prev: every signature holds, the chain does not.
    let mut env = ev.envelope.clone();
    env.prev = Some("0".repeat(64));
    let resigned = SignedEvent::sign(&li.secret, env).unwrap();
    let mut p = parts.clone();
    let mut lines = p.lines();
    lines[line - 1] = resigned.to_line();
    p.set_lines(&lines);
    p.seal_with(&sec, |_| {});
    refuses(&p.write(dir.path(), "chain.rdbundle"), &[], &["prev is not the id", "the chain is broken"]);

    // His seq 7 left out: the manifest's range for him is now wrong.
    let mut p = parts.clone();
    let mut lines = p.lines();
    lines.remove(line - 1);
    p.set_lines(&lines);
    p.seal_with(&sec, |_| {});
    refuses(
        &p.write(dir.path(), "dropped.rdbundle"),
        &[],
        &["manifest.json: author", &fp(&li), "'count': 26", "'count': 25"],
    );
    // With a manifest that says so, it is a gap: shown, not refused, as in a bundle of one meeting,
    // which leaves out its authors' events of other meetings.
    let li_key = li.key_hex();
    p.seal_with(&sec, |m| {
        for a in m["authors"].as_array_mut().unwrap() {
            if a["key"] == li_key.as_str() {
                a["count"] = json!(25);
            }
        }
    });
    let gap = passes(&p.write(dir.path(), "gap.rdbundle"), &[]);
    assert!(gap.contains(&format!("{}  ed25519-sha256  seq 1-26  25 events, not in this bundle: 7", fp(&li))), "{gap}");

    // An encrypted bundle is not opened here: the script says to verify a plain one.
    let li_pub = dir.path().join("li.pub");
    run_ok(&home, &["--as", "李明", "key", "export", "--out", li_pub.to_str().unwrap()]);
    let sealed = dir.path().join("sealed.rdbundle");
    let (sealed_arg, li_arg) = (sealed.to_str().unwrap(), li_pub.to_str().unwrap());
    run_ok(&home, &["--as", DEMO_SECRETARIAT, "export", "--out", sealed_arg, "--encrypt-to", li_arg]);
    refuses(&sealed, &[], &["encrypted bundle", "plain bundles only"]);
}

#[test]
fn an_sm2_bundle_verifies_under_sm3_ids_and_a_forged_sm2_event_is_refused() {
    python_is_ready();
    let mut desk = Desk::new();
    // The secretariat, the chair and two experts under the national algorithms, one expert under
    // Ed25519: a panel may mix the suites.
    crate::national_suite::pilot_meeting(&mut desk, ["sm2-sm3", "sm2-sm3", "sm2-sm3", "ed25519-sha256", "sm2-sm3"]);
    let points = "necessity=13,requirements=13,technical=17,sharing=13,security=8,budget=13,implementation=8";
    for who in ["李明", "王芳", "张伟"] {
        desk.ok_as(who, &["sign-in", "--accept"]);
        desk.ok_as(who, &["score", "GM-LX-001", "--points", points, "--opinion", "同意立项"]);
    }
    desk.ok_as("周建国", &["decide", "GM-LX-001", "--class", "A"]);
    let bundle = desk.file("sm2.rdbundle");
    desk.ok_as("信息化办", &["export", "--out", bundle.to_str().unwrap()]);
    let sec = identity(desk.home(), "信息化办");

    // Every id is the SM3 (or, for 王芳, SHA-256) of the event's bytes: the chains would not
    // link otherwise. The counts are reviewdesk's own.
    let theirs = desk.json(&["verify", bundle.to_str().unwrap()]);
    let events = theirs["events"].as_u64().unwrap();
    let ed25519 = 2; // 王芳's sign-in and sheet
    let summary = passes(&bundle, &[]);
    assert!(summary.contains(&format!("exporter: {} (sm2-sm3)", fp(&sec))), "{summary}");
    let counts = format!("events: {events} (ed25519-sha256: {ed25519}, sm2-sm3: {})\n", events - ed25519);
    assert!(summary.contains(&counts), "{summary}");
    assert!(summary.contains("authors: 5 ("), "{summary}");
    passes(&bundle, &["--trust", &fp(&sec)]);

    // The manifest changed: the SM2 signature over it fails.
    let altered = flipped(&bundle, "\"bundle_id\": \"", desk.dir(), "manifest-byte.rdbundle");
    refuses(&altered, &[], &["manifest.sig", "does not verify", &fp(&sec)]);

    // 李明's sheet says something else, under a manifest the secretariat signs again: his SM2
    // signature fails, and the line is named.
    let li = identity(desk.home(), "李明");
    let parts = Parts::read(&bundle);
    let (line, ev) = parts.find(|e| e.envelope.author == li.key_hex() && e.envelope.body.kind() == "score_submitted");
    let mut p = parts.clone();
    let mut lines = p.lines();
    assert!(lines[line - 1].contains("同意立项"));
    lines[line - 1] = lines[line - 1].replacen("同意立项", "不同意立项", 1);
    p.set_lines(&lines);
    p.seal_with(&sec, |_| {});
    refuses(
        &p.write(desk.dir(), "sm2-forged.rdbundle"),
        &[],
        &[&format!("events.jsonl line {line}:"), "signature does not verify", &fp(&li)],
    );

    // An SM2 signature of the right event by another SM2 key (张伟's) fails as well.
    let zhang = identity(desk.home(), "张伟");
    let mut p = parts.clone();
    let mut lines = p.lines();
    let other = SignedEvent { signature: zhang.secret.sign(&[EVENT_CONTEXT, &ev.bytes[..]].concat()), ..ev };
    lines[line - 1] = other.to_line();
    p.set_lines(&lines);
    p.seal_with(&sec, |_| {});
    refuses(&p.write(desk.dir(), "sm2-other-key.rdbundle"), &[], &[&format!("events.jsonl line {line}:"), &fp(&li)]);
}
