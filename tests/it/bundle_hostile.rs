//! Hostile bundles (issue 11): a file swapped between the two passes of an import, tar
//! extension headers that would make the reader allocate what the file declares, documents no
//! application names, text that would steer the terminal, and an exporter whose key is revoked.
//!
//! Every refusal is checked through the real binary: exit 1, a message in Chinese and English
//! that says what is wrong and what to do, a store byte for byte as it was, and a `doctor` that
//! finds nothing wrong afterwards. No test allocates gigabytes (a 1 GiB header is a header
//! only) and none depends on timing: the swap happens at a fault-injection moment, through a
//! FIFO handshake with the paused binary.

use crate::common::{
    NOW, assert_mentions, copy_dir, expect_one_line_failure, fp, member, process_folder, reviewdesk, run_ok, sha,
};
use assert_cmd::Command;
use reviewdesk::bundle::{EVENTS, MANIFEST, MANIFEST_SIG};
use reviewdesk::ledger::{Body, Envelope, Identity, Keyring, SignedEvent, Suite};
use reviewdesk::store::Store;
use serde_json::{Value, json};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use tempfile::TempDir;

const SECRETARIAT: &str = "鼓楼区数据局信息化办";
const EXPERT: &str = "李明";
const OTHER_EXPERT: &str = "张华";
const RECEIVER: &str = "接收方";
const MANIFEST_CONTEXT: &[u8] = b"reviewdesk manifest v1\n";
/// The second line `import` prints for a refused bundle.
const IMPORT_FAILED: &str =
    "错误 error: 1 个评审包未能导入，本机数据未因其改变 / 1 bundle(s) could not be imported; they changed nothing here";

// ---------------------------------------------------------------- the fixture

/// The demo meeting, exported by its secretariat (with and without documents), and two
/// receiving homes that trust the secretariat: one empty, one holding the meeting without its
/// documents.
struct Fixture {
    /// The demo home: every identity of the meeting, and its store.
    demo: PathBuf,
    /// The whole meeting, documents included, exported by the secretariat.
    good: PathBuf,
    /// A home that trusts the secretariat and holds nothing else.
    trusted: PathBuf,
    /// A home that imported the meeting exported with `--no-blobs`.
    no_documents: PathBuf,
    /// The good bundle, entry by entry.
    parts: Parts,
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(build_fixture)
}

fn build_fixture() -> Fixture {
    let root = process_folder("bundle_hostile");
    let demo = root.join("demo");
    run_ok(&demo, &["demo", "--no-tui"]);
    let good = root.join("good.rdbundle");
    run_ok(&demo, &["--as", SECRETARIAT, "export", "--out", good.to_str().unwrap()]);
    let bare = root.join("bare.rdbundle");
    run_ok(&demo, &["--as", SECRETARIAT, "export", "--no-blobs", "--out", bare.to_str().unwrap()]);
    let sec_pub = root.join("sec.pub");
    run_ok(&demo, &["--as", SECRETARIAT, "key", "export", "--out", sec_pub.to_str().unwrap()]);
    let trusted = root.join("trusted");
    run_ok(&trusted, &["init", "--name", RECEIVER]);
    run_ok(&trusted, &["trust", "add", sec_pub.to_str().unwrap()]);
    let no_documents = root.join("no-documents");
    copy_dir(&trusted, &no_documents);
    run_ok(&no_documents, &["import", bare.to_str().unwrap()]);
    let parts = Parts::read(&good);
    assert!(parts.blobs.len() >= 3, "the demo should attach documents");
    Fixture { demo, good, trusted, no_documents, parts }
}

/// An identity of the demo home.
fn identity(name: &str) -> Identity {
    Keyring::new(fixture().demo.join("identities")).load(name).unwrap()
}

/// A receiving home of its own, copied from a template, and a folder for its bundle files.
struct Receiver {
    tmp: TempDir,
    home: PathBuf,
}

impl Receiver {
    fn from(template: &Path) -> Receiver {
        let tmp = tempfile::tempdir().unwrap();
        let home = tmp.path().join("home");
        copy_dir(template, &home);
        Receiver { tmp, home }
    }

    fn trusted() -> Receiver {
        Receiver::from(&fixture().trusted)
    }

    /// Holds the demo meeting and its applications, but none of their documents.
    fn without_documents() -> Receiver {
        Receiver::from(&fixture().no_documents)
    }

    /// Writes a bundle file beside the home.
    fn put(&self, name: &str, bytes: &[u8]) -> PathBuf {
        let path = self.tmp.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        path
    }

    fn store(&self) -> Store {
        Store::open(&self.home.join("reviewdesk.db")).unwrap()
    }

    fn dump(&self) -> String {
        self.store().dump().unwrap()
    }

    fn cmd(&self, args: &[&str]) -> Command {
        reviewdesk(&self.home, args)
    }

    #[track_caller]
    fn ok(&self, args: &[&str]) -> String {
        run_ok(&self.home, args)
    }

    /// `import FILE --json`, which must succeed; the entry of the one file.
    #[track_caller]
    fn import_json(&self, bundle: &Path) -> Value {
        let text = self.ok(&["import", bundle.to_str().unwrap(), "--json"]);
        let v: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v[0]["ok"], true, "{v}");
        v[0].clone()
    }

    /// `doctor` finds nothing wrong.
    #[track_caller]
    fn doctor_ok(&self) {
        let out = self.cmd(&["doctor"]).output().unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "doctor failed: {stdout}{}", String::from_utf8_lossy(&out.stderr));
        assert!(!stdout.contains('✗'), "doctor found a problem:\n{stdout}");
    }

    /// `import FILE` must be refused: exit 1, the file's message and the summary line on
    /// stderr, nothing on stdout, the store byte for byte as it was, and `doctor` content.
    /// Returns the message.
    #[track_caller]
    fn import_refused(&self, bundle: &Path) -> String {
        let before = self.dump();
        let file = bundle.to_str().unwrap();
        let out = self.cmd(&["import", file]).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert_eq!(out.status.code(), Some(1), "import {file}: exit code; stderr: {stderr}");
        assert!(out.stdout.is_empty(), "import {file}: {}", String::from_utf8_lossy(&out.stdout));
        let lines: Vec<&str> = stderr.lines().collect();
        assert_eq!(lines.len(), 2, "import {file}: stderr should be two lines:\n{stderr}");
        assert_eq!(lines[1], IMPORT_FAILED);
        let prefix = format!("{}：", reviewdesk::domain::text::printable(file));
        let msg = lines[0].strip_prefix(&prefix).unwrap_or_else(|| panic!("no file name first: {}", lines[0]));
        assert_bilingual(msg);
        assert!(self.dump() == before, "`reviewdesk import {file}` was refused but changed the store");
        self.doctor_ok();
        msg.to_string()
    }

    /// `verify FILE` must be refused with one bilingual line, the same message as `import`.
    #[track_caller]
    fn verify_refused(&self, bundle: &Path) -> String {
        let line = expect_one_line_failure(self.cmd(&["verify", bundle.to_str().unwrap()]), "verify");
        let prefix = format!("错误 error: {}：", reviewdesk::domain::text::printable(bundle.to_str().unwrap()));
        line.strip_prefix(&prefix).unwrap_or_else(|| panic!("no file name first: {line}")).to_string()
    }

    /// Both `import` and `verify` refuse the file with the same message, holding every needle.
    #[track_caller]
    fn refused(&self, bundle: &Path, needles: &[&str]) -> String {
        let msg = self.import_refused(bundle);
        assert_mentions(&msg, needles);
        assert_eq!(self.verify_refused(bundle), msg, "verify and import should say the same");
        msg
    }

    /// The hashes of the documents the store holds.
    fn blob_hashes(&self) -> Vec<String> {
        let dump = self.dump();
        let section = dump.split("## blobs\n").nth(1).unwrap().split("\n## ").next().unwrap();
        let mut out: Vec<String> = section
            .lines()
            .filter(|l| !l.is_empty())
            .map(|l| l.split('|').next().unwrap().trim_matches('"').to_string())
            .collect();
        out.sort();
        out
    }
}

/// A message with a Chinese and an English half, and no byte that could steer a terminal.
#[track_caller]
fn assert_bilingual(msg: &str) {
    assert!(msg.contains(" / "), "no Chinese / English halves: {msg}");
    assert!(msg.chars().any(crate::common::is_cjk), "no Chinese: {msg}");
    assert_no_steering(msg);
}

#[track_caller]
fn assert_no_steering(text: &str) {
    assert!(
        !text.chars().any(|c| (c.is_control() && c != '\n') || ('\u{202a}'..='\u{202e}').contains(&c)),
        "raw control characters reached the terminal: {text:?}"
    );
}

// ---------------------------------------------------------------- building bundles

/// A tar header of any type, name and declared size, followed by `data` (which may be shorter
/// than declared, or absent: a file cut after the header).
fn raw_entry(out: &mut Vec<u8>, name: &[u8], kind: tar::EntryType, declared: u64, data: &[u8]) {
    let mut h = if kind.is_gnu_longname() || kind.is_gnu_longlink() || kind.is_gnu_sparse() {
        tar::Header::new_gnu()
    } else {
        tar::Header::new_ustar()
    };
    h.as_old_mut().name[..name.len()].copy_from_slice(name);
    h.set_size(declared);
    h.set_mode(0o644);
    h.set_mtime(1_765_184_400);
    h.set_entry_type(kind);
    h.set_cksum();
    out.extend_from_slice(h.as_bytes());
    out.extend_from_slice(data);
    if data.len() as u64 == declared {
        out.resize(out.len().next_multiple_of(512), 0);
    }
}

fn tar_of(entries: &[(String, Vec<u8>)]) -> Vec<u8> {
    let mut out = Vec::new();
    for (name, data) in entries {
        raw_entry(&mut out, name.as_bytes(), tar::EntryType::Regular, data.len() as u64, data);
    }
    out.extend_from_slice(&[0u8; 1024]);
    out
}

/// A bundle, entry by entry.
#[derive(Clone)]
struct Parts {
    manifest: Vec<u8>,
    sig: Vec<u8>,
    events: Vec<u8>,
    /// (hash, content)
    blobs: Vec<(String, Vec<u8>)>,
}

impl Parts {
    fn read(path: &Path) -> Parts {
        let bytes = std::fs::read(path).unwrap();
        let mut parts = Parts { manifest: vec![], sig: vec![], events: vec![], blobs: vec![] };
        let mut archive = tar::Archive::new(bytes.as_slice());
        for entry in archive.entries().unwrap() {
            let mut entry = entry.unwrap();
            let name = String::from_utf8(entry.path_bytes().into_owned()).unwrap();
            let mut data = Vec::new();
            entry.read_to_end(&mut data).unwrap();
            match name.as_str() {
                MANIFEST => parts.manifest = data,
                MANIFEST_SIG => parts.sig = data,
                EVENTS => parts.events = data,
                n => parts.blobs.push((n.strip_prefix("blobs/").unwrap().to_string(), data)),
            }
        }
        parts
    }

    fn lines(&self) -> Vec<Vec<u8>> {
        let body = self.events.strip_suffix(b"\n").unwrap_or(&self.events);
        if body.is_empty() {
            return vec![];
        }
        body.split(|b| *b == b'\n').map(<[u8]>::to_vec).collect()
    }

    fn set_lines(&mut self, lines: &[Vec<u8>]) {
        self.events = lines.iter().flat_map(|l| l.iter().copied().chain([b'\n'])).collect();
    }

    /// Keeps only the events that pass `keep`.
    fn keep_events(&mut self, keep: impl Fn(&SignedEvent) -> bool) {
        let lines: Vec<Vec<u8>> = self.lines().into_iter().filter(|l| keep(&parse_line(l))).collect();
        self.set_lines(&lines);
    }

    fn push_event(&mut self, e: &SignedEvent) {
        let mut lines = self.lines();
        lines.push(e.to_line().into_bytes());
        self.set_lines(&lines);
    }

    fn add_blob(&mut self, content: &[u8]) -> String {
        let h = sha(content);
        self.blobs.push((h.clone(), content.to_vec()));
        h
    }

    fn entries(&self) -> Vec<(String, Vec<u8>)> {
        let mut out = vec![
            (MANIFEST.to_string(), self.manifest.clone()),
            (MANIFEST_SIG.to_string(), self.sig.clone()),
            (EVENTS.to_string(), self.events.clone()),
        ];
        out.extend(self.blobs.iter().map(|(h, d)| (format!("blobs/{h}"), d.clone())));
        out
    }

    fn tar(&self) -> Vec<u8> {
        tar_of(&self.entries())
    }

    /// Rewrites the manifest over the current entries and signs it as `signer`.
    fn seal(&mut self, signer: &Identity) -> &mut Parts {
        self.seal_with(signer, |_| {})
    }

    /// [`Parts::seal`], with a last edit of the manifest before it is signed.
    fn seal_with(&mut self, signer: &Identity, edit: impl FnOnce(&mut Value)) -> &mut Parts {
        let mut m: Value = serde_json::from_slice(&self.manifest).unwrap();
        let mut entries = vec![json!({"name": EVENTS, "sha256": sha(&self.events), "size": self.events.len()})];
        for (h, d) in &self.blobs {
            entries.push(json!({"name": format!("blobs/{h}"), "sha256": sha(d), "size": d.len()}));
        }
        m["entries"] = Value::Array(entries);
        m["event_count"] = json!(self.lines().len());
        m["exporter"] = serde_json::to_value(member(signer)).unwrap();
        edit(&mut m);
        self.manifest = serde_json::to_vec_pretty(&m).unwrap();
        self.sig = signer.secret.sign(&[MANIFEST_CONTEXT, &self.manifest].concat());
        self
    }

    /// The manifest's `bundle_id`.
    fn bundle_id(&self) -> String {
        let m: Value = serde_json::from_slice(&self.manifest).unwrap();
        m["bundle_id"].as_str().unwrap().to_string()
    }
}

fn parse_line(line: &[u8]) -> SignedEvent {
    SignedEvent::from_line(std::str::from_utf8(line).unwrap()).unwrap()
}

/// The good bundle's parts.
fn good() -> Parts {
    fixture().parts.clone()
}

/// An event signed by `by`, next in its chain after `seq - 1` (`prev` as given).
fn signed(by: &Identity, seq: u64, prev: Option<String>, body: Body) -> SignedEvent {
    let envelope =
        Envelope { v: 1, suite: by.secret.suite(), author: by.key_hex(), seq, prev, time: NOW.parse().unwrap(), body };
    SignedEvent::sign(&by.secret, envelope).unwrap()
}

// ---------------------------------------------------------------- 3. swapped between the passes

/// Creates a FIFO.
fn mkfifo(path: &Path) {
    use std::os::unix::ffi::OsStrExt;
    let c = std::ffi::CString::new(path.as_os_str().as_bytes()).unwrap();
    // SAFETY: a valid NUL-terminated path.
    let rc = unsafe { libc::mkfifo(c.as_ptr(), 0o600) };
    assert_eq!(rc, 0, "mkfifo {}: {}", path.display(), std::io::Error::last_os_error());
}

/// Runs `import FILE` in `home` paused at `import.between-passes`, calls `meanwhile` at exactly
/// that moment, lets the import go on, and returns its output. If the binary ends before it
/// reaches the moment, a watcher unblocks the handshake and the test fails with its output.
fn import_paused(home: &Path, file: &Path, meanwhile: impl FnOnce()) -> std::process::Output {
    let fifos = tempfile::tempdir().unwrap();
    let (reached, go) = (fifos.path().join("reached"), fifos.path().join("go"));
    mkfifo(&reached);
    mkfifo(&go);
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_reviewdesk"))
        .arg("--home")
        .arg(home)
        .args(["import", file.to_str().unwrap()])
        .env("REVIEWDESK_NOW", NOW)
        .env("LANG", "C")
        .env_remove("LC_ALL")
        .env_remove("LC_MESSAGES")
        .env_remove("REVIEWDESK_HOME")
        .env_remove("REVIEWDESK_AS")
        .env("REVIEWDESK_FAULT", format!("import.between-passes=pause:{}", fifos.path().display()))
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let (done_tx, done_rx) = std::sync::mpsc::channel();
    let watcher = {
        let reached = reached.clone();
        std::thread::spawn(move || {
            let out = child.wait_with_output().unwrap();
            // If the test still waits on `reached`, the binary never got there: wake the test.
            if let Ok(mut f) = std::fs::OpenOptions::new().write(true).custom_flags(libc::O_NONBLOCK).open(&reached) {
                let _ = f.write_all(b"X");
            }
            done_tx.send(out).unwrap();
        })
    };
    let mut byte = [0u8; 1];
    std::fs::File::open(&reached).unwrap().read_exact(&mut byte).unwrap();
    if byte[0] != b'!' {
        watcher.join().unwrap();
        let out = done_rx.recv().unwrap();
        panic!(
            "the import ended before it reached import.between-passes: {}{}",
            String::from_utf8_lossy(&out.stderr),
            String::from_utf8_lossy(&out.stdout)
        );
    }
    meanwhile();
    drop(std::fs::OpenOptions::new().write(true).open(&go).unwrap());
    watcher.join().unwrap();
    done_rx.recv().unwrap()
}

use std::os::unix::fs::OpenOptionsExt;

/// What an attacker can swap in: the good bundle's id and event count, one expert's last score
/// replaced by an event of their own, no documents, and `exporter` named as the exporter.
fn attackers_parts(exporter: &Identity) -> Parts {
    let mut p = good();
    let mut lines = p.lines();
    let last_score = lines.iter().rposition(|l| matches!(parse_line(l).envelope.body, Body::ScoreSubmitted { .. }));
    lines.remove(last_score.unwrap());
    p.set_lines(&lines);
    let intruder = Identity::new("攻击者", Suite::Ed25519Sha256.generate());
    p.push_event(&signed(
        &intruder,
        1,
        None,
        Body::ConflictDeclared {
            meeting: "GL-2027-01".into(),
            code: "GL-LX-2027-001".into(),
            basis: reviewdesk::ledger::Basis::default(),
            reason: "x".into(),
        },
    ));
    p.blobs.clear();
    let id = p.bundle_id();
    p.seal_with(exporter, |m| m["bundle_id"] = json!(id));
    p
}

#[test]
fn a_bundle_swapped_in_between_the_two_passes_is_never_applied() {
    let fx = fixture();
    // The store the good bundle makes, imported the ordinary way from the same path (the path
    // is recorded as the last import).
    let stick = tempfile::tempdir().unwrap();
    let target = stick.path().join("good.rdbundle");
    std::fs::copy(&fx.good, &target).unwrap();
    let reference = Receiver::trusted();
    reference.ok(&["import", target.to_str().unwrap()]);
    let expected = reference.dump();

    let unsigned = {
        let mut p = attackers_parts(&identity(EXPERT));
        p.sig = vec![0u8; 64];
        p
    };
    let well_signed = attackers_parts(&identity(OTHER_EXPERT));
    for (what, attacker) in [("all-zero signature", unsigned), ("signed by a panel member", well_signed)] {
        let r = Receiver::trusted();
        std::fs::copy(&fx.good, &target).unwrap();
        let swapped = r.put("attacker.rdbundle", &attacker.tar());
        let out = import_paused(&r.home, &target, || std::fs::rename(&swapped, &target).unwrap());
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_no_steering(&stderr);
        // Either the bytes verified are applied, or the import is refused and changes nothing.
        if out.status.success() {
            assert!(r.dump() == expected, "{what}: the store does not hold exactly the good bundle's events");
        } else {
            panic!("{what}: the import was refused, but the file it opened was good: {stderr}");
        }
        // What is on the stick now is the attacker's, and is refused on its own.
        assert_eq!(std::fs::read(&target).unwrap(), attacker.tar());
        r.doctor_ok();
    }
}

#[test]
fn a_swap_cannot_reach_the_store_even_when_the_file_is_rewritten_in_place() {
    // Rewriting the very file that was opened (same inode) between the passes: pass two hashes
    // every entry again, so the import is refused and nothing changes.
    let fx = fixture();
    let r = Receiver::trusted();
    let target = r.tmp.path().join("good.rdbundle");
    std::fs::copy(&fx.good, &target).unwrap();
    let before = r.dump();
    let attacker = attackers_parts(&identity(OTHER_EXPERT)).tar();
    let out = import_paused(&r.home, &target, || {
        let mut f = std::fs::OpenOptions::new().write(true).open(&target).unwrap();
        f.write_all(&attacker).unwrap();
    });
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "a bundle rewritten in place was accepted: {stderr}");
    assert_mentions(&stderr, &["评审包在读取期间被改动", "the bundle changed while it was being read"]);
    assert!(r.dump() == before, "a refused import changed the store");
    r.doctor_ok();
}

// ---------------------------------------------------------------- 9. memory

/// The good bundle's manifest and signature, then `tail` (a hostile header, maybe cut short).
fn after_signature(tail: impl FnOnce(&mut Vec<u8>)) -> Vec<u8> {
    let p = good();
    let mut out = Vec::new();
    raw_entry(&mut out, MANIFEST.as_bytes(), tar::EntryType::Regular, p.manifest.len() as u64, &p.manifest);
    raw_entry(&mut out, MANIFEST_SIG.as_bytes(), tar::EntryType::Regular, p.sig.len() as u64, &p.sig);
    tail(&mut out);
    out
}

#[test]
fn tar_extension_headers_are_refused_by_their_header_before_their_data_is_read() {
    let r = Receiver::trusted();
    let gib = 1u64 << 30;
    let cases: [(&str, tar::EntryType, &str); 4] = [
        ("././@LongLink", tar::EntryType::GNULongName, "long-name"),
        ("././@LongLink", tar::EntryType::GNULongLink, "long-link"),
        ("PaxHeaders/events.jsonl", tar::EntryType::XHeader, "pax"),
        ("pax_global_header", tar::EntryType::XGlobalHeader, "pax-global"),
    ];
    for (name, kind, file) in cases {
        // A 1 GiB extension header, the file cut right after it: only the header exists.
        let bytes = after_signature(|out| raw_entry(out, name.as_bytes(), kind, gib, b""));
        let path = r.put(&format!("{file}.rdbundle"), &bytes);
        assert!(bytes.len() < 64 << 10, "the file holds the header, not the gigabyte it declares");
        r.refused(
            &path,
            &[
                &format!("评审包条目“{name}”是 tar 扩展头"),
                &format!("entry “{name}” is a tar extension header"),
                "只允许普通文件",
                "only plain files are allowed",
                "请对方用评审台重新导出",
                "ask the sender to export it again with reviewdesk",
            ],
        );
        // The same header with its data present, small: still refused by its type.
        let bytes = after_signature(|out| {
            raw_entry(out, name.as_bytes(), kind, 9, b"../../x\n\0");
            raw_entry(out, b"notes.txt", tar::EntryType::Regular, 3, b"x\n\0");
        });
        r.refused(&r.put(&format!("{file}-small.rdbundle"), &bytes), &[&format!("“{name}”是 tar 扩展头")]);
    }
    // GNU sparse files and the other special types, by their header too.
    for (kind, file) in [(tar::EntryType::GNUSparse, "sparse"), (tar::EntryType::Fifo, "fifo")] {
        let bytes = after_signature(|out| raw_entry(out, EVENTS.as_bytes(), kind, gib, b""));
        r.refused(&r.put(&format!("{file}.rdbundle"), &bytes), &["events.jsonl", "只允许普通文件"]);
    }
}

#[test]
fn a_huge_declared_size_is_refused_from_the_header_alone() {
    let r = Receiver::trusted();
    let bytes = after_signature(|out| raw_entry(out, EVENTS.as_bytes(), tar::EntryType::Regular, 1 << 40, b""));
    r.refused(
        &r.put("huge.rdbundle", &bytes),
        &["条目 events.jsonl 大小 1099511627776 字节超过上限", "MAX_ENTRY_BYTES"],
    );
}

#[test]
fn a_manifest_listing_more_than_any_bundle_holds_is_refused_before_it_is_stored() {
    let r = Receiver::trusted();
    // Two million tiny meeting ids: a few MB of JSON that would take hundreds of MB parsed.
    let mut m: Value = serde_json::from_slice(&good().manifest).unwrap();
    m["meetings"] = Value::Array(vec![json!("m"); 2_000_000]);
    let manifest = serde_json::to_vec(&m).unwrap();
    let bytes = tar_of(&[(MANIFEST.into(), manifest), (MANIFEST_SIG.into(), vec![0; 64])]);
    r.refused(&r.put("many-meetings.rdbundle", &bytes), &["manifest.json 无法解析", "meetings", "500000"]);
}

#[test]
fn documents_no_application_names_are_skipped_and_counted() {
    let r = Receiver::without_documents();
    let expert = identity(EXPERT);
    // The expert forwards the meeting's documents and three no application names.
    let mut p = good();
    p.set_lines(&[]);
    let named: Vec<String> = p.blobs.iter().map(|(h, _)| h.clone()).collect();
    let unnamed: Vec<String> = (0..3).map(|i| p.add_blob(format!("不相干的文件 {i}\n").as_bytes())).collect();
    p.seal(&expert);
    let file = r.put("expert.rdbundle", &p.tar());

    // verify says how many documents no application in the bundle names.
    let verify = r.ok(&["verify", file.to_str().unwrap(), "--json"]);
    let summary: Value = serde_json::from_str(&verify).unwrap();
    assert_eq!(summary["blobs"], named.len() + 3);
    assert_eq!(summary["unnamed_documents"], named.len() + 3, "{summary}");

    let before = r.blob_hashes();
    assert!(before.is_empty());
    let report = r.import_json(&file);
    assert_eq!(report["report"]["blobs_stored"], named.len(), "{report}");
    assert_eq!(report["bundle"]["documents_skipped"], 3, "{report}");
    let mut named_sorted = named.clone();
    named_sorted.sort();
    assert_eq!(r.blob_hashes(), named_sorted, "only the documents an application names are kept");
    for h in &unnamed {
        assert!(!r.blob_hashes().contains(h));
    }
    let text = r.ok(&["import", file.to_str().unwrap()]);
    assert_mentions(&text, &["未被任何申报引用而略过的附件 3"]);
    r.doctor_ok();
}

#[test]
fn a_document_named_only_by_a_held_application_is_kept() {
    // Applications whose meeting has not arrived are held; their documents are still wanted.
    let r = Receiver::trusted();
    let mut p = good();
    p.keep_events(|e| matches!(e.envelope.body, Body::ApplicationRegistered { .. }));
    let held = p.lines().len();
    let extra = p.add_blob(b"nobody names this\n");
    p.seal(&identity(SECRETARIAT));
    let report = r.import_json(&r.put("held.rdbundle", &p.tar()));
    assert_eq!(report["report"]["quarantined"], held, "{report}");
    assert_eq!(report["report"]["blobs_stored"], good().blobs.len(), "{report}");
    assert_eq!(report["bundle"]["documents_skipped"], 1, "{report}");
    assert!(!r.blob_hashes().contains(&extra));
    r.doctor_ok();
}

#[test]
fn a_document_before_the_event_log_is_refused() {
    let r = Receiver::trusted();
    let p = good();
    let mut entries = p.entries();
    let blob = entries.remove(3);
    entries.insert(2, blob.clone());
    r.refused(
        &r.put("blob-first.rdbundle", &tar_of(&entries)),
        &[
            &format!("events.jsonl 必须排在所有附件之前（先出现了“{}”）", blob.0),
            "events.jsonl must come before every document",
        ],
    );
}

// ---------------------------------------------------------------- 10. text that steers the terminal

#[test]
fn control_characters_in_entry_names_are_shown_escaped() {
    let r = Receiver::trusted();
    let p = good();
    for name in ["blobs/\u{1b}[2J\u{1b}[31mhello", "\u{1b}]0;pwned\u{7}", "blobs/\u{202e}txt.exe"] {
        let mut entries = p.entries();
        entries.insert(3, (name.to_string(), b"x\n".to_vec()));
        let msg = r.refused(&r.put("name.rdbundle", &tar_of(&entries)), &["评审包含有不允许的条目"]);
        assert_mentions(&msg, &[&reviewdesk::domain::text::printable(name)]);
    }
    // An unsafe path and a link, the same way.
    let mut entries = p.entries();
    entries.insert(3, ("../\u{1b}[2Jx".to_string(), b"x\n".to_vec()));
    let msg = r.refused(&r.put("unsafe.rdbundle", &tar_of(&entries)), &["试图写到包外的路径"]);
    assert_mentions(&msg, &["\\u{1b}[2Jx"]);
}

#[test]
fn a_file_name_with_control_characters_is_shown_escaped() {
    let r = Receiver::trusted();
    let path = r.put("\u{1b}[31mred\u{1b}[0m.rdbundle", b"not a bundle at all");
    let msg = r.import_refused(&path);
    assert_mentions(&msg, &["不是评审包"]);
    r.verify_refused(&path);
}

/// The good bundle, sealed by `signer` under the name `claimed`.
fn claiming(signer: &Identity, claimed: &str) -> Parts {
    let mut p = good();
    p.seal_with(signer, |m| m["exporter"]["name"] = json!(claimed));
    p
}

#[test]
fn verify_names_the_exporter_by_fingerprint_and_marks_the_name_as_a_claim() {
    let r = Receiver::trusted();
    let expert = identity(EXPERT);
    let claimed = "\u{1b}[2J\u{1b}[H信息化办\r\n评审包校验通过";
    let file = r.put("claim.rdbundle", &claiming(&expert, claimed).tar());
    let out = r.cmd(&["verify", file.to_str().unwrap()]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_no_steering(&stdout);
    let shown = reviewdesk::domain::text::printable(claimed);
    assert_mentions(&stdout, &[&format!("导出者：{}（自称“{shown}”）", fp(&expert))]);
    let en = r.cmd(&["--lang", "en", "verify", file.to_str().unwrap()]).output().unwrap();
    let en = String::from_utf8(en.stdout).unwrap();
    assert_mentions(&en, &[&format!("Exporter: {} (claims “{shown}”)", fp(&expert))]);

    // Run from the demo home, which holds that key: the name known here is shown too.
    let known = reviewdesk(&fixture().demo, &["verify", file.to_str().unwrap()]).output().unwrap();
    let known = String::from_utf8(known.stdout).unwrap();
    assert_mentions(&known, &[&format!("导出者：{}（自称“{shown}”；本机记录为“{EXPERT}”）", fp(&expert))]);

    // And `import` says the same, with the name the store knows for that key.
    let imported = r.ok(&["import", file.to_str().unwrap()]);
    assert_no_steering(&imported);
    assert_mentions(&imported, &[&format!("导出者：{}（自称“{shown}”；本机记录为“{EXPERT}”）", fp(&expert))]);
}

#[test]
fn text_inside_signed_events_is_shown_escaped_by_verify() {
    // Someone's own meeting, titled to clear the screen; verify lists the meetings it opens.
    let r = Receiver::trusted();
    let stranger = Identity::new("某人", Suite::Ed25519Sha256.generate());
    let mut p = good();
    let lines = p.lines();
    let (line, opened) = lines
        .iter()
        .map(|l| parse_line(l))
        .enumerate()
        .find(|(_, e)| matches!(e.envelope.body, Body::MeetingOpened(_)))
        .unwrap();
    let Body::MeetingOpened(mut m) = opened.envelope.body else { unreachable!() };
    m.title = "\u{1b}[2J评审会\u{1b}[8m".into();
    m.id = "M\u{1b}[1A".into();
    m.secretariat = member(&stranger);
    m.secretariat.name = "秘书处\u{1b}[0m".into();
    let ev = signed(&stranger, 1, None, Body::MeetingOpened(m));
    let mut lines = lines;
    lines[line] = ev.to_line().into_bytes();
    p.set_lines(&lines);
    p.seal(&stranger);
    let file = r.put("title.rdbundle", &p.tar());
    let out = r.cmd(&["verify", file.to_str().unwrap()]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_no_steering(&stdout);
    assert_mentions(&stdout, &["\\u{1b}[2J评审会", "M\\u{1b}[1A"]);
    // Importing refuses the untrusted secretariat, naming it escaped.
    let msg = r.import_refused(&file);
    assert_mentions(&msg, &["秘书处\\u{1b}[0m"]);
}

#[test]
fn a_manifest_or_event_that_quotes_control_characters_in_its_error_is_shown_escaped() {
    let r = Receiver::trusted();
    let mut p = good();
    p.seal_with(&identity(SECRETARIAT), |m| m["\u{1b}[2Jfield"] = json!(1));
    let msg = r.refused(&r.put("field.rdbundle", &p.tar()), &["manifest.json 无法解析"]);
    assert_mentions(&msg, &["\\u{1b}[2Jfield"]);

    let mut p = good();
    let mut lines = p.lines();
    // The JSON escape \u001b is the escape character itself once parsed.
    lines.insert(3, br#"{"sig":"00","event":{"\u001b[2J":1}}"#.to_vec());
    p.set_lines(&lines);
    p.seal(&identity(SECRETARIAT));
    let msg = r.refused(&r.put("line.rdbundle", &p.tar()), &["events.jsonl 第 4 行无法解析"]);
    assert_mentions(&msg, &["\\u{1b}[2J"]);
}

#[test]
fn an_encrypted_bundle_header_with_control_characters_is_refused_without_printing_them() {
    let r = Receiver::trusted();
    let age_key = age::x25519::Identity::generate().to_public().to_string();
    let header = format!("reviewdesk-encrypted-bundle/1\nfor: \u{1b}[2J3B15-87C0\nrecipient: {age_key}\n\nage");
    let file = r.put("enc.rdbundle", header.as_bytes());
    let msg = r.import_refused(&file);
    assert_mentions(&msg, &["加密评审包已损坏或不完整"]);
    r.verify_refused(&file);
}

// ---------------------------------------------------------------- 11. a revoked exporter

/// A copy of the demo home where the secretariat revoked the expert's key, the revocation
/// exported by the secretariat, and a bundle the expert exported afterwards (which carries it).
struct Revoked {
    _tmp: TempDir,
    revocation: PathBuf,
    by_expert: PathBuf,
}

fn revoked() -> Revoked {
    let tmp = tempfile::tempdir().unwrap();
    let home = tmp.path().join("demo");
    copy_dir(&fixture().demo, &home);
    let expert = identity(EXPERT);
    run_ok(&home, &["--as", SECRETARIAT, "key", "revoke", &fp(&expert), "--cutoff", "0", "--reason", "笔记本丢失"]);
    let revocation = tmp.path().join("revocation.rdbundle");
    run_ok(&home, &["--as", SECRETARIAT, "export", "--out", revocation.to_str().unwrap()]);
    let by_expert = tmp.path().join("by-expert.rdbundle");
    run_ok(&home, &["--as", EXPERT, "export", "--out", by_expert.to_str().unwrap()]);
    Revoked { _tmp: tmp, revocation, by_expert }
}

#[test]
fn a_bundle_exported_by_a_key_revoked_here_is_refused_saying_whose_and_what_to_do() {
    let rv = revoked();
    let expert = identity(EXPERT);
    // Exported before the revocation reached this machine; imported after it did.
    let before = Receiver::trusted();
    let early = before.tmp.path().join("early.rdbundle");
    run_ok(&fixture().demo, &["--as", EXPERT, "export", "--out", early.to_str().unwrap()]);
    before.ok(&["import", rv.revocation.to_str().unwrap()]);
    let msg = before.import_refused(&early);
    assert_mentions(
        &msg,
        &[
            &fp(&expert),
            EXPERT,
            "已被吊销",
            "请另一位专家组成员或秘书处导出",
            "has been revoked",
            "ask another panel member or the secretariat to export",
        ],
    );
}

#[test]
fn a_bundle_that_revokes_its_own_exporter_is_refused_and_verify_says_so() {
    let rv = revoked();
    let expert = identity(EXPERT);
    let r = Receiver::trusted();
    let msg = r.import_refused(&rv.by_expert);
    assert_mentions(&msg, &[&fp(&expert), "已被吊销", "has been revoked"]);
    let line = expect_one_line_failure(
        reviewdesk(&r.tmp.path().join("no-home"), &["verify", rv.by_expert.to_str().unwrap()]),
        "verify",
    );
    assert_mentions(
        &line,
        &[
            &fp(&expert),
            "评审包自身吊销了导出者的密钥",
            "the bundle itself revokes its exporter's key",
            "请另一位专家组成员或秘书处导出",
        ],
    );
    assert!(!r.tmp.path().join("no-home").exists(), "verify created a home");
}

#[test]
fn a_key_spelt_in_capitals_cannot_pass_for_another_key() {
    // "ABCD…" decodes to the same key as "abcd…", so it verifies; but revocations, seats and
    // chains are kept by the spelling this program writes. The capital spelling is refused at
    // the door, in the manifest and in an event.
    let rv = revoked();
    let expert = identity(EXPERT);
    let r = Receiver::trusted();
    r.ok(&["import", rv.revocation.to_str().unwrap()]);
    let mut p = good();
    p.seal_with(&expert, |m| m["exporter"]["key"] = json!(expert.key_hex().to_uppercase()));
    let msg = r.refused(&r.put("upper-exporter.rdbundle", &p.tar()), &["the exporter key is not lower-case hex"]);
    assert_mentions(&msg, &["manifest.json 无法解析"]);

    // A score signed by the revoked key under its capital spelling: the signature holds.
    let mut p = good();
    let score = p.lines().iter().map(|l| parse_line(l)).find(|e| e.envelope.author == expert.key_hex()).unwrap();
    let envelope = Envelope { author: expert.key_hex().to_uppercase(), seq: 1, prev: None, ..score.envelope };
    // It cannot be signed here (nothing is signed that a reader refuses), so it is forged.
    let bytes = serde_json::to_vec(&envelope).unwrap();
    let sig = expert.secret.sign(&[&b"reviewdesk event v1\n"[..], &bytes].concat());
    let line = format!("{{\"sig\":\"{}\",\"event\":{}}}", hex::encode(sig), String::from_utf8(bytes).unwrap());
    assert!(
        matches!(SignedEvent::from_line(&line), Err(reviewdesk::ledger::event::EventError::KeyNotCanonical(_))),
        "refused by the ledger itself"
    );
    let mut lines = p.lines();
    lines.push(line.into_bytes());
    let at = format!("events.jsonl 第 {} 行", lines.len());
    p.set_lines(&lines);
    p.seal(&identity(SECRETARIAT));
    r.refused(&r.put("upper-author.rdbundle", &p.tar()), &[&at, "is not lower-case hex"]);
}
