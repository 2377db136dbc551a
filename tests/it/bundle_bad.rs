//! Bad bundle files. Each is refused with its own message, in Chinese and English, that says what
//! is wrong (never a generic "invalid bundle"), and leaves the receiving store exactly as it was:
//! a dump before and after, through the library and through the binary.
//!
//! The fixture, built once: the demo meeting (`reviewdesk demo`), exported by its secretariat
//! 鼓楼区数据局信息化办, and two receiving homes (`init --name 接收方`), one that ran
//! `trust add` on the secretariat's public key and one that did not. Mutated bundles are rebuilt
//! here with the `tar` crate. Where a test needs a valid manifest over altered content (to reach
//! the checks behind the manifest), the manifest is re-signed with the secretariat's own key, as
//! a buggy exporter or someone holding that key could.

use crate::common::{DEMO_EVENTS, NOW, assert_mentions, copy_dir, fp, member, process_folder, reviewdesk, run_ok, sha};
use assert_cmd::Command;
use chrono::{DateTime, Utc};
use reviewdesk::bundle::{
    self, BundleError, BundleSummary, EVENTS, FORMAT_VERSION, MANIFEST, MANIFEST_SIG, MAX_BUNDLE_BYTES,
    MAX_ENTRY_BYTES, MAX_EVENTS, MAX_LINE_BYTES, MAX_MANIFEST_BYTES,
};
use reviewdesk::ledger::{Body, Envelope, Identity, Keyring, SignedEvent, Suite};
use reviewdesk::store::{ImportReport, Store};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use tempfile::TempDir;

const SECRETARIAT: &str = "鼓楼区数据局信息化办";
const MEETING: &str = "GL-2027-01";
/// The demo's earlier meeting, whose events come first in its export.
const EARLIER: &str = "GL-2026-03";
const RECEIVER: &str = "接收方";
/// Documents attached to the demo applications.
const DEMO_BLOBS: usize = 17;
/// 李明's last seq in the demo: in the earlier meeting a sign-in, 2 sheets and a revision, a
/// question, a vote and 2 countersignatures; in the demo meeting a sign-in and 17 sheets.
const LI_LAST: u64 = 26;
const MANIFEST_CONTEXT: &[u8] = b"reviewdesk manifest v1\n";

fn now() -> DateTime<Utc> {
    NOW.parse().unwrap()
}

// ---------------------------------------------------------------- the fixture

struct Fixture {
    /// The demo home: every identity of the meeting, and its store.
    sec: PathBuf,
    /// The bundle the secretariat exported.
    good: PathBuf,
    /// A receiving home that trusts the secretariat.
    trusted: PathBuf,
    /// A receiving home that trusts nobody.
    untrusted: PathBuf,
    /// The good bundle, entry by entry.
    parts: Parts,
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(build_fixture)
}

fn build_fixture() -> Fixture {
    let root = process_folder("bundle_bad");
    let sec = root.join("sec");
    run_ok(&sec, &["demo", "--no-tui"]);
    let good = root.join("good.rdbundle");
    run_ok(&sec, &["--as", SECRETARIAT, "export", "--out", good.to_str().unwrap()]);
    let sec_pub = root.join("sec.pub");
    run_ok(&sec, &["--as", SECRETARIAT, "key", "export", "--out", sec_pub.to_str().unwrap()]);
    let untrusted = root.join("untrusted");
    run_ok(&untrusted, &["init", "--name", RECEIVER]);
    let trusted = root.join("trusted");
    run_ok(&trusted, &["init", "--name", RECEIVER]);
    run_ok(&trusted, &["trust", "add", sec_pub.to_str().unwrap()]);
    let parts = Parts::read(&good);
    assert_eq!(parts.lines().len(), DEMO_EVENTS, "the demo export changed; update DEMO_EVENTS");
    assert_eq!(parts.blobs.len(), DEMO_BLOBS, "the demo export changed; update DEMO_BLOBS");
    Fixture { sec, good, trusted, untrusted, parts }
}

/// An identity of the demo home (the secretariat, the chair or an expert).
fn identity(name: &str) -> Identity {
    Keyring::new(fixture().sec.join("identities")).load(name).unwrap()
}

/// A key nobody has heard of.
fn stranger(name: &str) -> Identity {
    Identity::new(name, Suite::Ed25519Sha256.generate())
}

/// A receiving home of its own, copied from a template.
struct Receiver {
    _tmp: TempDir,
    home: PathBuf,
}

impl Receiver {
    fn from(template: &Path) -> Receiver {
        let tmp = tempfile::tempdir().unwrap();
        let home = tmp.path().join("home");
        copy_dir(template, &home);
        Receiver { _tmp: tmp, home }
    }

    /// A home that ran `trust add` on the secretariat's key.
    fn trusted() -> Receiver {
        Receiver::from(&fixture().trusted)
    }

    /// A home that trusts nobody.
    fn untrusted() -> Receiver {
        Receiver::from(&fixture().untrusted)
    }

    /// A second home with this one's store as it is now.
    fn snapshot(&self) -> Receiver {
        Receiver::from(&self.home)
    }

    fn store(&self) -> Store {
        Store::open(&self.home.join("reviewdesk.db")).unwrap()
    }

    fn dump(&self) -> String {
        self.store().dump().unwrap()
    }

    fn projections(&self) -> String {
        self.store().dump_projections().unwrap()
    }

    /// Imports through the library, at the fixed clock.
    fn import(&self, bundle: &Path) -> Result<(BundleSummary, ImportReport), BundleError> {
        bundle::import(&mut self.store(), bundle, now(), false, &mut |_, _| {})
    }

    fn cmd(&self, args: &[&str]) -> Command {
        reviewdesk(&self.home, args)
    }

    #[track_caller]
    fn ok(&self, args: &[&str]) -> String {
        run_ok(&self.home, args)
    }

    /// `import FILE --json` through the binary, which must succeed; the report of the one file.
    #[track_caller]
    fn import_json(&self, bundle: &Path) -> Value {
        let text = self.ok(&["import", bundle.to_str().unwrap(), "--json"]);
        let v: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v[0]["ok"], true, "{v}");
        v[0]["report"].clone()
    }
}

/// Imports `bundle` into `r` through the library and then through the binary; both must refuse
/// it with the same message, the library's error must pass `expect`, the message must name every
/// needle, the binary must exit 1 and print that message for the file, and the store must be
/// exactly as it was. Returns the message.
#[track_caller]
fn refused(r: &Receiver, bundle: &Path, expect: impl Fn(&BundleError) -> bool, needles: &[&str]) -> String {
    let before = r.dump();
    let err = match r.import(bundle) {
        Ok((_, report)) => panic!("{} was accepted: {report:?}", bundle.display()),
        Err(e) => e,
    };
    assert!(expect(&err), "{}: unexpected error {err:?}: {err}", bundle.display());
    let msg = err.to_string();
    assert_mentions(&msg, needles);
    assert_specific(&msg);
    assert!(r.dump() == before, "the library import of {} was refused but changed the store", bundle.display());

    let file = bundle.to_str().unwrap();
    let out = r.cmd(&["import", file]).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(1), "import {file}: exit code; stderr: {stderr}");
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(
        lines,
        [
            format!("{file}：{msg}").as_str(),
            "错误 error: 1 个评审包未能导入，本机数据未因其改变 / 1 bundle(s) could not be imported; they changed nothing here"
        ],
        "import {file}: stderr"
    );
    assert!(r.dump() == before, "`reviewdesk import {file}` was refused but changed the store");
    msg
}

/// Not a generic message: it has Chinese and English halves, and says more than "invalid".
#[track_caller]
fn assert_specific(msg: &str) {
    assert!(msg.contains(" / "), "no Chinese / English halves: {msg}");
    assert!(msg.chars().any(crate::common::is_cjk), "no Chinese: {msg}");
    for generic in ["invalid bundle", "无效的评审包", "评审包无效"] {
        assert!(!msg.contains(generic), "generic message: {msg}");
    }
}

/// A trusted receiver, for a test that needs nothing else.
fn refused_fresh(bundle: &Path, expect: impl Fn(&BundleError) -> bool, needles: &[&str]) -> String {
    refused(&Receiver::trusted(), bundle, expect, needles)
}

// ---------------------------------------------------------------- building bundles

/// One tar entry, written header by header so that any name, type or declared size can be made.
struct Entry {
    name: Vec<u8>,
    kind: tar::EntryType,
    link: Vec<u8>,
    declared: Option<u64>,
    data: Vec<u8>,
}

impl Entry {
    fn file(name: impl AsRef<[u8]>, data: impl Into<Vec<u8>>) -> Entry {
        Entry {
            name: name.as_ref().to_vec(),
            kind: tar::EntryType::Regular,
            link: vec![],
            declared: None,
            data: data.into(),
        }
    }

    fn kind(mut self, kind: tar::EntryType) -> Entry {
        self.kind = kind;
        self
    }

    fn link(mut self, link: &str) -> Entry {
        self.link = link.as_bytes().to_vec();
        self
    }

    /// A header size other than the data's length.
    fn declare(mut self, size: u64) -> Entry {
        self.declared = Some(size);
        self
    }
}

fn tar_of(entries: &[Entry]) -> Vec<u8> {
    let mut builder = tar::Builder::new(Vec::new());
    for e in entries {
        let mut h = tar::Header::new_ustar();
        let old = h.as_old_mut();
        old.name[..e.name.len()].copy_from_slice(&e.name);
        old.linkname[..e.link.len()].copy_from_slice(&e.link);
        h.set_size(e.declared.unwrap_or(e.data.len() as u64));
        h.set_mode(0o644);
        h.set_mtime(now().timestamp() as u64);
        h.set_entry_type(e.kind);
        h.set_cksum();
        builder.append(&h, e.data.as_slice()).unwrap();
    }
    builder.into_inner().unwrap()
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
            std::io::Read::read_to_end(&mut entry, &mut data).unwrap();
            match name.as_str() {
                MANIFEST => parts.manifest = data,
                MANIFEST_SIG => parts.sig = data,
                EVENTS => parts.events = data,
                n => parts.blobs.push((n.strip_prefix("blobs/").unwrap().to_string(), data)),
            }
        }
        parts
    }

    /// The event lines, without their newlines.
    fn lines(&self) -> Vec<Vec<u8>> {
        let body = self.events.strip_suffix(b"\n").unwrap_or(&self.events);
        body.split(|b| *b == b'\n').map(<[u8]>::to_vec).collect()
    }

    fn set_lines(&mut self, lines: &[Vec<u8>]) {
        self.events = lines.iter().flat_map(|l| l.iter().copied().chain([b'\n'])).collect();
    }

    /// The entries in the order the exporter writes them.
    fn entries(&self) -> Vec<Entry> {
        let mut out = vec![
            Entry::file(MANIFEST, self.manifest.clone()),
            Entry::file(MANIFEST_SIG, self.sig.clone()),
            Entry::file(EVENTS, self.events.clone()),
        ];
        out.extend(self.blobs.iter().map(|(h, d)| Entry::file(format!("blobs/{h}"), d.clone())));
        out
    }

    fn tar(&self) -> Vec<u8> {
        tar_of(&self.entries())
    }

    /// Rewrites the manifest over the current entries (hashes, sizes, event count, exporter) and
    /// signs it as `signer`.
    fn seal(&mut self, signer: &Identity) {
        self.seal_with(signer, |_| {});
    }

    /// [`Parts::seal`], with a last edit of the manifest before it is signed.
    fn seal_with(&mut self, signer: &Identity, edit: impl FnOnce(&mut Value)) {
        let mut m: Value = serde_json::from_slice(&self.manifest).unwrap();
        let mut entries = vec![json!({"name": EVENTS, "sha256": sha(&self.events), "size": self.events.len()})];
        for (h, d) in &self.blobs {
            entries.push(json!({"name": format!("blobs/{h}"), "sha256": sha(d), "size": d.len()}));
        }
        m["entries"] = Value::Array(entries);
        m["event_count"] =
            json!(self.events.split(|b| *b == b'\n').filter(|l| !l.iter().all(u8::is_ascii_whitespace)).count());
        m["exporter"] = serde_json::to_value(member(signer)).unwrap();
        edit(&mut m);
        self.manifest = serde_json::to_vec_pretty(&m).unwrap();
        self.sig = signer.secret.sign(&[MANIFEST_CONTEXT, &self.manifest].concat());
    }
}

fn put(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

fn parse_line(line: &[u8]) -> SignedEvent {
    let (bytes, sig) = SignedEvent::split_line(std::str::from_utf8(line).unwrap()).unwrap();
    SignedEvent::parse_unverified(bytes, sig).unwrap()
}

/// The 1-based line number and event of the first line matching `f`.
fn find_line(parts: &Parts, f: impl Fn(&SignedEvent) -> bool) -> (usize, SignedEvent) {
    parts.lines().iter().enumerate().map(|(i, l)| (i + 1, parse_line(l))).find(|(_, e)| f(e)).unwrap()
}

/// The secretariat's key, re-sealing `parts`.
fn sealed_by_secretariat(mut parts: Parts) -> Parts {
    parts.seal(&identity(SECRETARIAT));
    parts
}

// ---------------------------------------------------------------- the tools themselves

#[test]
fn the_fixture_and_a_rebuilt_resealed_copy_are_accepted() {
    let fx = fixture();
    let dir = tempfile::tempdir().unwrap();
    let r = Receiver::trusted();
    let (summary, report) = r.import(&fx.good).unwrap();
    assert_eq!((summary.events, summary.blobs), (DEMO_EVENTS, DEMO_BLOBS));
    assert_eq!((report.new, report.rejected, report.quarantined), (DEMO_EVENTS, 0, 0));
    // What these tests build from the parts, re-signed, reads back the same.
    let rebuilt = put(dir.path(), "rebuilt.rdbundle", &sealed_by_secretariat(fx.parts.clone()).tar());
    let r2 = Receiver::trusted();
    let (_, report2) = r2.import(&rebuilt).unwrap();
    assert_eq!(report2, report);
    assert_eq!(r2.dump(), r.dump());
}

// ---------------------------------------------------------------- not a bundle at all

fn bad_empty(dir: &Path) -> PathBuf {
    put(dir, "empty.rdbundle", b"")
}

#[test]
fn an_empty_file_is_refused_as_empty() {
    let dir = tempfile::tempdir().unwrap();
    refused_fresh(
        &bad_empty(dir.path()),
        |e| matches!(e, BundleError::Empty),
        &["文件为空，不是评审包", "可能拷贝未完成", "the file is empty: not a bundle", "was the copy finished?"],
    );
}

fn bad_png(dir: &Path) -> PathBuf {
    let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\x01\0\0\0\x01\0\x08\x06\0\0\0".to_vec();
    png.resize(2048, 0x5a);
    put(dir, "photo.rdbundle", &png)
}

#[test]
fn a_file_that_is_not_a_tar_is_refused_as_not_a_tar() {
    let dir = tempfile::tempdir().unwrap();
    let r = Receiver::trusted();
    let gzip = [&b"\x1f\x8b\x08\x00\0\0\0\0\0\x03"[..], &[0x42; 1000]].concat();
    let zip = [&b"PK\x03\x04\x14\0\0\0\x08\0"[..], &fixture().parts.events[..3000]].concat();
    let cases = [
        bad_png(dir.path()),
        put(dir.path(), "note.rdbundle", "请把评审包拷到 U 盘里。\n".as_bytes()),
        put(dir.path(), "long-note.rdbundle", "这是一份会议纪要，不是评审包。\n".repeat(100).as_bytes()),
        put(dir.path(), "gzipped.rdbundle", &gzip),
        put(dir.path(), "zipped.rdbundle", &zip),
        put(dir.path(), "zeros.rdbundle", &[0u8; 4096]),
    ];
    for file in &cases {
        refused(
            &r,
            file,
            |e| matches!(e, BundleError::NotTar),
            &["不是评审包：文件不是 tar 格式", "not a bundle: the file is not a tar archive"],
        );
    }
}

// ---------------------------------------------------------------- cut short

/// Where each entry of a tar starts (its header) and where its data starts and ends.
struct Span {
    name: String,
    header: u64,
    data: u64,
    size: u64,
}

fn spans(bytes: &[u8]) -> Vec<Span> {
    let mut archive = tar::Archive::new(bytes);
    archive
        .entries()
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            Span {
                name: String::from_utf8(e.path_bytes().into_owned()).unwrap(),
                header: e.raw_header_position(),
                data: e.raw_file_position(),
                size: e.header().size().unwrap(),
            }
        })
        .collect()
}

fn truncated_at(bundle: &[u8], cut: usize, dir: &Path) -> PathBuf {
    put(dir, &format!("cut-{cut}.rdbundle"), &bundle[..cut])
}

#[test]
fn a_bundle_cut_short_is_refused_as_truncated_or_names_the_missing_entry() {
    let fx = fixture();
    let dir = tempfile::tempdir().unwrap();
    let bytes = std::fs::read(&fx.good).unwrap();
    let len = bytes.len();
    let sp = spans(&bytes);
    let at = |name: &str| sp.iter().find(|s| s.name == name).unwrap();
    let blob5 = &sp[3 + 4];
    let last = sp.last().unwrap();
    let end_of_last_data = (last.data + last.size) as usize;
    assert!(!end_of_last_data.is_multiple_of(512), "the last document should end inside a block");

    // (cut, the offset the message names): inside the first header; just past it; in the middle
    // of the file (inside the event log); inside a document; in the padding after the last
    // document. Where a header promises more than the whole file holds, the message names the
    // start of that entry's data rather than the cut.
    let events = at(EVENTS);
    assert!(events.data < len as u64 / 2 && len as u64 / 2 < events.data + events.size);
    let cuts = [
        (100, 100),
        (511, 511),
        (512, 512),
        (600, 512),
        (len / 2, events.data as usize),
        (events.data as usize + 1000, events.data as usize),
        ((blob5.data + blob5.size / 2) as usize, (blob5.data + blob5.size / 2) as usize),
        (end_of_last_data + 1, end_of_last_data + 1),
    ];
    let r = Receiver::trusted();
    for (cut, offset) in cuts {
        let msg = refused(
            &r,
            &truncated_at(&bytes, cut, dir.path()),
            |e| matches!(e, BundleError::Truncated { offset: o } if *o == offset as u64),
            &[
                &format!("评审包不完整，在第 {offset} 字节附近中断"),
                "拷贝未完成或 U 盘被提前拔出",
                "请重新导出",
                &format!("the bundle is cut short near byte {offset}"),
                "export it again",
            ],
        );
        assert!(offset <= cut, "cut at {cut}: {msg}");
    }

    // A cut exactly between two entries leaves a well-formed, shorter tar: the signed manifest
    // then names the first entry it lists that never came.
    let boundaries = [
        (at(MANIFEST_SIG).header as usize, MANIFEST_SIG.to_string()),
        (events.header as usize, EVENTS.to_string()),
        (sp[3 + 2].header as usize, sp[3 + 2].name.clone()),
        (last.header as usize, last.name.clone()),
    ];
    for (cut, missing) in boundaries {
        refused(
            &r,
            &truncated_at(&bytes, cut, dir.path()),
            |e| matches!(e, BundleError::Missing { name } if *name == missing),
            &[&format!("评审包缺少 {missing}"), &format!("the bundle lacks {missing}")],
        );
    }
}

/// The end-of-archive marker is two zero blocks after the last entry. A cut inside them loses no
/// entry: every entry is present, hashed and matched against the signed manifest, so the bundle
/// is accepted exactly as the whole file would be.
#[test]
fn a_cut_that_loses_only_the_end_of_archive_blocks_is_accepted_in_full() {
    let fx = fixture();
    let dir = tempfile::tempdir().unwrap();
    let bytes = std::fs::read(&fx.good).unwrap();
    let whole = Receiver::trusted();
    whole.import(&fx.good).unwrap();
    for cut in [bytes.len() - 1, bytes.len() - 512, bytes.len() - 1024] {
        let r = Receiver::trusted();
        let (summary, report) = r.import(&truncated_at(&bytes, cut, dir.path())).unwrap();
        assert_eq!((summary.events, report.new, report.blobs_stored), (DEMO_EVENTS, DEMO_EVENTS, DEMO_BLOBS));
        assert_eq!(r.dump(), whole.dump(), "cut at {cut}");
    }
}

// ---------------------------------------------------------------- flipped bytes

fn flip(bytes: &mut [u8], at: usize) {
    bytes[at] ^= 0x01;
}

fn bad_manifest_flipped(dir: &Path) -> PathBuf {
    let mut p = fixture().parts.clone();
    // "event_count": 101 → 100 (its last digit); the manifest is still well-formed JSON.
    let digits = DEMO_EVENTS.to_string();
    let at = p.manifest.windows(15).position(|w| w == b"\"event_count\": ").unwrap() + 15 + digits.len() - 1;
    assert_eq!(p.manifest[at], digits.as_bytes()[digits.len() - 1]);
    flip(&mut p.manifest, at);
    put(dir, "manifest-flipped.rdbundle", &p.tar())
}

#[test]
fn a_byte_flipped_in_the_manifest_fails_its_signature() {
    let dir = tempfile::tempdir().unwrap();
    let sec = identity(SECRETARIAT);
    let fp = fp(&sec);
    refused_fresh(
        &bad_manifest_flipped(dir.path()),
        |e| matches!(e, BundleError::ManifestSignature { fingerprint, name } if *fingerprint == fp && name == SECRETARIAT),
        &[
            "清单签名无效：导出后被改动",
            &format!("并非 {fp}（自称“{SECRETARIAT}”）所签"),
            "the manifest signature does not verify: altered after export",
            &format!("or not signed by {fp} (claims “{SECRETARIAT}”)"),
        ],
    );
}

#[test]
fn a_byte_flipped_in_the_manifest_signature_fails_it() {
    let dir = tempfile::tempdir().unwrap();
    let mut p = fixture().parts.clone();
    flip(&mut p.sig, 17);
    let fp = fp(&identity(SECRETARIAT));
    refused_fresh(
        &put(dir.path(), "sig-flipped.rdbundle", &p.tar()),
        |e| matches!(e, BundleError::ManifestSignature { fingerprint, .. } if *fingerprint == fp),
        &["清单签名无效", "the manifest signature does not verify", &fp],
    );
}

#[test]
fn a_manifest_that_is_not_json_is_refused_as_malformed() {
    let dir = tempfile::tempdir().unwrap();
    let mut p = fixture().parts.clone();
    flip(&mut p.manifest, 0); // '{' → 'z'
    refused_fresh(
        &put(dir.path(), "manifest-not-json.rdbundle", &p.tar()),
        |e| matches!(e, BundleError::ManifestMalformed { .. }),
        &["manifest.json 无法解析", "manifest.json cannot be parsed", "line 1 column 1"],
    );
}

/// A score digit of one of 李明's events, flipped in an exported bundle whose manifest is left
/// as it was. Returns the file and the line number.
fn bad_event_flipped(dir: &Path) -> (PathBuf, usize) {
    let fx = fixture();
    let li = identity("李明").key_hex();
    let (line, _) = find_line(&fx.parts, |e| e.envelope.author == li && e.envelope.seq == 5);
    let mut p = fx.parts.clone();
    let mut lines = p.lines();
    let at = lines[line - 1].windows(8).position(|w| w == b"\"seq\":5,").unwrap() + 6;
    flip(&mut lines[line - 1], at); // seq 5 → 4: still a well-formed event
    p.set_lines(&lines);
    (put(dir, "event-flipped.rdbundle", &p.tar()), line)
}

#[test]
fn a_byte_flipped_in_an_event_line_is_a_hash_mismatch_of_events_jsonl() {
    let dir = tempfile::tempdir().unwrap();
    let (file, _) = bad_event_flipped(dir.path());
    refused_fresh(
        &file,
        |e| matches!(e, BundleError::HashMismatch { name } if name == EVENTS),
        &["条目 events.jsonl 与清单不符", "entry events.jsonl does not match the manifest (altered or damaged)"],
    );
}

/// What holds today for the flipped event byte above, whichever of the two messages the reader
/// gives: it is refused with a message that names the damage, and nothing changes.
#[test]
fn a_byte_flipped_in_an_event_line_is_refused_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (file, line) = bad_event_flipped(dir.path());
    let li = fp(&identity("李明"));
    refused_fresh(
        &file,
        |e| match e {
            BundleError::HashMismatch { name } => name == EVENTS,
            BundleError::EventSignature { line: l, fingerprint } => *l == line && *fingerprint == li,
            _ => false,
        },
        &["events.jsonl"],
    );
}

#[test]
fn a_byte_changed_after_the_last_event_is_a_hash_mismatch_of_events_jsonl() {
    // The final newline becomes a space: every event still parses and verifies, only the hash
    // of the entry (same size) shows the change.
    let dir = tempfile::tempdir().unwrap();
    let mut p = fixture().parts.clone();
    let last = p.events.len() - 1;
    assert_eq!(p.events[last], b'\n');
    p.events[last] = b' ';
    refused_fresh(
        &put(dir.path(), "events-tail.rdbundle", &p.tar()),
        |e| matches!(e, BundleError::HashMismatch { name } if name == EVENTS),
        &[
            "条目 events.jsonl 与清单不符（内容被改动或损坏），请重新导出",
            "entry events.jsonl does not match the manifest (altered or damaged): export it again",
        ],
    );
}

#[test]
fn a_byte_flipped_in_a_document_is_a_hash_mismatch_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let mut p = fixture().parts.clone();
    flip(&mut p.blobs[6].1, 40);
    let name = format!("blobs/{}", p.blobs[6].0);
    refused_fresh(
        &put(dir.path(), "blob-flipped.rdbundle", &p.tar()),
        |e| matches!(e, BundleError::HashMismatch { name: n } if *n == name),
        &[&format!("条目 {name} 与清单不符"), &format!("entry {name} does not match the manifest")],
    );
}

// ---------------------------------------------------------------- keys

#[test]
fn a_manifest_signed_by_an_unknown_key_is_refused_naming_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let mut p = fixture().parts.clone();
    let impostor = stranger("冒名秘书处");
    p.seal(&impostor);
    let file = put(dir.path(), "unknown-exporter.rdbundle", &p.tar());
    let fp = fp(&impostor);
    refused_fresh(
        &file,
        |e| matches!(e, BundleError::UnknownExporter { fingerprint, name } if *fingerprint == fp && name == "冒名秘书处"),
        &[
            &format!("清单由未知密钥 {fp}（自称“冒名秘书处”）签署"),
            "既不是受信任的秘书处，也不在任何已知会议的专家组中",
            &format!("the manifest is signed by an unknown key {fp} (claims “冒名秘书处”)"),
            "neither a trusted secretariat nor on any known meeting's panel",
        ],
    );
    // `verify` checks that the file is whole and signed, not whom this machine trusts.
    let out = run_ok(&dir.path().join("nowhere"), &["verify", file.to_str().unwrap()]);
    assert_mentions(&out, &["评审包校验通过", "冒名秘书处", &fp]);
}

#[test]
fn a_manifest_signed_by_another_key_in_the_secretariats_name_fails_its_signature() {
    let dir = tempfile::tempdir().unwrap();
    let mut p = sealed_by_secretariat(fixture().parts.clone());
    p.sig = stranger("冒名者").secret.sign(&[MANIFEST_CONTEXT, &p.manifest].concat());
    let fp = fp(&identity(SECRETARIAT));
    refused_fresh(
        &put(dir.path(), "forged-manifest.rdbundle", &p.tar()),
        |e| matches!(e, BundleError::ManifestSignature { fingerprint, name } if *fingerprint == fp && name == SECRETARIAT),
        &["清单签名无效", &fp, SECRETARIAT, "the manifest signature does not verify"],
    );
}

#[test]
fn a_meeting_from_an_untrusted_secretariat_is_refused_with_the_trust_command() {
    let fx = fixture();
    let sec = identity(SECRETARIAT);
    let fp = fp(&sec);
    let command = format!("reviewdesk trust add ed25519-sha256:{} --name {SECRETARIAT}", sec.key_hex());
    let r = Receiver::untrusted();
    let msg = refused(
        &r,
        &fx.good,
        |e| matches!(e, BundleError::UntrustedSecretariat { meeting, fingerprint, .. } if meeting == EARLIER && *fingerprint == fp),
        &[
            &format!("会议 {EARLIER} 由未受信任的秘书处密钥 {fp}（{SECRETARIAT}）开启，已拒绝导入"),
            "请先通过电话或当面核对指纹",
            &format!("确认无误后运行：{command} / "),
            &format!(
                "meeting {EARLIER} was opened by an untrusted secretariat key {fp} ({SECRETARIAT}); import refused"
            ),
            &format!("Check the fingerprint by phone or in person, then run: {command}"),
        ],
    );
    assert!(msg.ends_with(&command), "{msg}");
    // The command it names is the one that works.
    let args: Vec<&str> = command.split(' ').skip(1).collect();
    r.ok(&args);
    let report = r.import_json(&fx.good);
    assert_eq!((report["new"].as_u64(), report["rejected"].as_u64()), (Some(DEMO_EVENTS as u64), Some(0)));
}

#[test]
fn an_event_signed_by_another_key_than_its_author_is_refused_naming_the_line() {
    let fx = fixture();
    let dir = tempfile::tempdir().unwrap();
    let li = identity("李明");
    let zhang = identity("张华");
    let (line, ev) = find_line(&fx.parts, |e| e.envelope.author == li.key_hex() && e.envelope.seq == 7);
    // 张华 signs 李明's score sheet, bytes unchanged; the manifest over it is valid.
    let forged =
        SignedEvent { signature: zhang.secret.sign(&[b"reviewdesk event v1\n", &ev.bytes[..]].concat()), ..ev };
    let mut p = fx.parts.clone();
    let mut lines = p.lines();
    lines[line - 1] = forged.to_line().into_bytes();
    p.set_lines(&lines);
    let p = sealed_by_secretariat(p);
    let fp = fp(&li);
    refused_fresh(
        &put(dir.path(), "event-forged.rdbundle", &p.tar()),
        |e| matches!(e, BundleError::EventSignature { line: l, fingerprint } if *l == line && *fingerprint == fp),
        &[
            &format!("events.jsonl 第 {line} 行的签名与其作者 {fp} 不符（伪造或被改动），整个评审包被拒绝"),
            &format!("events.jsonl line {line} is not signed by its author {fp} (forged or altered)"),
            "the whole bundle is refused",
        ],
    );
}

/// A well-signed score from a key that is not on the panel.
fn intruder_parts() -> (Parts, SignedEvent) {
    let fx = fixture();
    let li = identity("李明").key_hex();
    let (_, sheet) = find_line(&fx.parts, |e| {
        e.envelope.author == li
            && matches!(&e.envelope.body, Body::ScoreSubmitted { code, .. } if code == "GL-LX-2027-001")
    });
    let intruder = stranger("孙外来");
    let envelope = Envelope {
        v: 1,
        suite: Suite::Ed25519Sha256,
        author: intruder.key_hex(),
        seq: 1,
        prev: None,
        time: now(),
        body: sheet.envelope.body.clone(),
    };
    let ev = SignedEvent::sign(&intruder.secret, envelope).unwrap();
    let mut p = fx.parts.clone();
    let mut lines = p.lines();
    lines.push(ev.to_line().into_bytes());
    p.set_lines(&lines);
    (sealed_by_secretariat(p), ev)
}

/// A well-signed score from a key that is not on the panel of the meeting version it names
/// never counts. It is refused for good, not kept: that version can never seat the key (a
/// replacement laptop's key scores under the re-opened version that seats it), so the verdict
/// cannot depend on which bundle arrives first. The rest of the bundle applies as usual.
#[test]
fn an_event_by_an_author_not_on_the_panel_is_refused_and_changes_no_projection() {
    let fx = fixture();
    let dir = tempfile::tempdir().unwrap();
    let (p, ev) = intruder_parts();
    let file = put(dir.path(), "intruder.rdbundle", &p.tar());
    let reason_zh = "签名者不在本次会议的专家组中（按其所依据的会议版本），不能评分";
    let reason_en =
        "the signer is not on this meeting's panel (in the meeting version the event names) and cannot score";

    let r = Receiver::trusted();
    r.import(&fx.good).unwrap();
    let projections = r.projections();
    let before = r.dump();
    let report = r.import_json(&file);
    assert_eq!(report["new"], 0, "{report}");
    assert_eq!(report["duplicate"], DEMO_EVENTS, "{report}");
    assert_eq!(report["quarantined"], 0, "{report}");
    assert_eq!(report["rejected"], 1, "{report}");
    assert_eq!(report["still_held"], 0, "{report}");
    assert_eq!(report["refusals"][0][0], ev.id.as_str(), "{report}");
    assert_mentions(report["refusals"][0][1]["zh"].as_str().unwrap(), &[reason_zh]);
    assert_mentions(report["refusals"][0][1]["en"].as_str().unwrap(), &[reason_en]);
    assert_eq!(r.projections(), projections, "a score from off the panel changed what the panel sees");
    assert!(r.dump() == before, "a refused event was kept");
    let text = r.ok(&["import", file.to_str().unwrap()]);
    assert_mentions(&text, &[&format!("新增 0  重复 {DEMO_EVENTS}  隔离 0  拒绝 1")]);
    assert!(r.dump() == before, "importing the same bundle again changed the store");

    // Together with the meeting, on a fresh machine: the same projections as the good bundle alone.
    let fresh = Receiver::trusted();
    let (_, report) = fresh.import(&file).unwrap();
    assert_eq!((report.new, report.rejected), (DEMO_EVENTS, 1));
    assert_mentions(&report.refusals[0].1.en, &[reason_en]);
    assert_eq!(fresh.projections(), projections);
}

// ---------------------------------------------------------------- replay and fork

#[test]
fn a_replayed_bundle_reports_nothing_new_and_is_not_an_error() {
    let fx = fixture();
    let r = Receiver::trusted();
    let file = fx.good.to_str().unwrap();
    let text = r.ok(&["import", file]);
    assert_mentions(&text, &[&format!("新增 {DEMO_EVENTS}  重复 0  隔离 0  拒绝 0  附件 {DEMO_BLOBS}")]);
    let before = r.dump();
    let report = r.import_json(&fx.good);
    assert_eq!(report["new"], 0, "{report}");
    assert_eq!(report["duplicate"], DEMO_EVENTS, "{report}");
    assert_eq!((report["quarantined"].as_u64(), report["rejected"].as_u64()), (Some(0), Some(0)));
    assert_eq!(report["blobs_stored"], 0, "{report}");
    assert_eq!(report["forked_keys"], json!([]), "{report}");
    assert!(r.dump() == before, "a replayed bundle changed the store");
    let text = r.ok(&["import", file]);
    assert_mentions(&text, &[&format!("新增 0  重复 {DEMO_EVENTS}  隔离 0  拒绝 0  附件 0")]);
    assert!(r.dump() == before, "a replayed bundle changed the store");
}

/// After the good bundle, 李明's own bundle holds a second, different, well-signed event at his
/// last seq (14). Both sides are quarantined, the key is reported and shown as forked, and the
/// score sheet the first side had put in place is withdrawn, not replaced by the second side.
#[test]
fn a_fork_quarantines_both_sides_flags_the_key_and_withdraws_the_applied_side() {
    let fx = fixture();
    let dir = tempfile::tempdir().unwrap();
    let li = identity("李明");
    let (_, original) = find_line(&fx.parts, |e| e.envelope.author == li.key_hex() && e.envelope.seq == LI_LAST);
    let mut envelope = original.envelope.clone();
    let Body::ScoreSubmitted { sheet, code, .. } = &mut envelope.body else {
        panic!("李明's last event is not a score")
    };
    let code = code.clone();
    sheet.opinion = "（另一版本）方案深度不足，建议不予通过。".into();
    let twin = SignedEvent::sign(&li.secret, envelope).unwrap();
    assert_ne!(twin.id, original.id);
    let mut p = Parts { manifest: fx.parts.manifest.clone(), sig: vec![], events: vec![], blobs: vec![] };
    p.set_lines(&[twin.to_line().into_bytes()]);
    p.seal(&li);
    let file = put(dir.path(), "fork.rdbundle", &p.tar());

    let r = Receiver::trusted();
    r.import(&fx.good).unwrap();
    let projections = r.projections();
    assert!(projections.contains(&original.id), "李明's sheet for {code} should be in place");
    let r2 = r.snapshot();

    let report = r.import_json(&file);
    assert_eq!((report["new"].as_u64(), report["duplicate"].as_u64()), (Some(0), Some(0)), "{report}");
    assert_eq!(report["quarantined"], 1, "{report}");
    assert_eq!(report["rejected"], 0, "{report}");
    assert_eq!(report["forked_keys"], json!([li.key_hex()]), "{report}");
    let reason = &report["refusals"][0][1];
    assert_eq!(report["refusals"][0][0], twin.id.as_str());
    assert_mentions(reason["zh"].as_str().unwrap(), &["签名链分叉", &format!("序号 {LI_LAST}"), "双方均已隔离"]);
    assert_mentions(reason["en"].as_str().unwrap(), &["chain fork", &format!("seq {LI_LAST}"), "both are quarantined"]);

    // Neither side counts: the projections are those of before, less the one sheet.
    let expected: Vec<&str> = projections.lines().filter(|l| !l.contains(&original.id)).collect();
    let after = r.projections();
    assert_eq!(after.lines().collect::<Vec<_>>(), expected);
    assert!(!after.contains(&twin.id));

    let log: Value = serde_json::from_str(&r.ok(&["log", "--json"])).unwrap();
    for id in [&original.id, &twin.id] {
        let entry = log["entries"].as_array().unwrap().iter().find(|e| e["id"] == id.as_str()).unwrap();
        assert_eq!(entry["status"], "quarantined", "{entry}");
        assert_mentions(entry["reason"]["en"].as_str().unwrap(), &["chain fork"]);
    }
    let chain = log["chains"].as_array().unwrap().iter().find(|c| c["author"] == li.key_hex().as_str()).unwrap();
    assert_eq!(chain["forks"], json!([LI_LAST]), "{chain}");
    let fp = fp(&li);
    let text = r.ok(&["log"]);
    let line = text.lines().find(|l| l.contains(&fp)).unwrap();
    assert_mentions(line, &["李明", &format!("分叉！序号 {LI_LAST}")]);
    let text = r.ok(&["--lang", "en", "log"]);
    assert_mentions(text.lines().find(|l| l.contains(&fp)).unwrap(), &[&format!("FORK at seq {LI_LAST}")]);

    // The same import, as a person reads it.
    let text = r2.ok(&["import", file.to_str().unwrap()]);
    assert_mentions(&text, &["新增 0  重复 0  隔离 1  拒绝 0", &format!("⚠ 签名链分叉，须人工核查： {fp} 李明")]);
    assert_eq!(r2.projections(), after);
}

// ---------------------------------------------------------------- entries that are not ours

/// The good, re-signed parts with `extra` placed after manifest.json and manifest.sig.
fn with_entry_after_signature(extra: Entry) -> Vec<u8> {
    let mut entries = sealed_by_secretariat(fixture().parts.clone()).entries();
    entries.insert(2, extra);
    tar_of(&entries)
}

#[test]
fn an_entry_named_dot_dot_x_is_refused_as_unsafe() {
    let dir = tempfile::tempdir().unwrap();
    let file = put(dir.path(), "dotdot.rdbundle", &with_entry_after_signature(Entry::file("../x", "owned\n")));
    refused_fresh(
        &file,
        |e| matches!(e, BundleError::UnsafePath { name } if name == "../x"),
        &["评审包条目“../x”试图写到包外的路径，已拒绝", "entry “../x” points outside the bundle and is refused"],
    );
}

#[test]
fn an_entry_named_etc_x_is_refused_as_unsafe() {
    let dir = tempfile::tempdir().unwrap();
    let r = Receiver::trusted();
    for name in ["/etc/x", "blobs/../../etc/x"] {
        let file = put(dir.path(), "abs.rdbundle", &with_entry_after_signature(Entry::file(name, "owned\n")));
        refused(
            &r,
            &file,
            |e| matches!(e, BundleError::UnsafePath { name: n } if n == name),
            &[&format!("评审包条目“{name}”试图写到包外的路径"), &format!("entry “{name}” points outside the bundle")],
        );
    }
}

/// A PAX record: "<length> <key>=<value>\n", the length counting itself.
fn pax_record(key: &str, value: &str) -> Vec<u8> {
    let body = format!(" {key}={value}\n");
    let mut n = body.len() + 1;
    while format!("{n}{body}").len() != n {
        n += 1;
    }
    format!("{n}{body}").into_bytes()
}

#[test]
fn unsafe_names_carried_in_pax_or_gnu_long_name_records_are_refused_by_the_record_itself() {
    let dir = tempfile::tempdir().unwrap();
    let r = Receiver::trusted();
    // The header says notes.txt; a PAX record before it says the real name is ../x. The reader
    // takes no extension record at all (it would read it into memory first), so the record
    // itself is refused, by its header.
    let pax = Entry::file("PaxHeaders/x", pax_record("path", "../x")).kind(tar::EntryType::XHeader);
    let mut entries = sealed_by_secretariat(fixture().parts.clone()).entries();
    entries.splice(2..2, [pax, Entry::file("notes.txt", "owned\n")]);
    let file = put(dir.path(), "pax-path.rdbundle", &tar_of(&entries));
    let extension = |e: &BundleError, n: &str| matches!(e, BundleError::ForbiddenType { name, kind_en, .. } if name == n && kind_en.contains("extension header"));
    refused(&r, &file, |e| extension(e, "PaxHeaders/x"), &["“PaxHeaders/x”是 tar 扩展头"]);
    // The same with a GNU long-name record naming /etc/x.
    let long = Entry::file("././@LongLink", b"/etc/x\0".to_vec()).kind(tar::EntryType::GNULongName);
    let mut entries = sealed_by_secretariat(fixture().parts.clone()).entries();
    entries.splice(2..2, [long, Entry::file("notes.txt", "owned\n")]);
    let file = put(dir.path(), "gnu-long-name.rdbundle", &tar_of(&entries));
    refused(&r, &file, |e| extension(e, "././@LongLink"), &["“././@LongLink”是 tar 扩展头"]);
}

#[test]
fn a_symlink_entry_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    // A link named like the event log, pointing at a system file.
    let link = Entry::file(EVENTS, vec![]).kind(tar::EntryType::Symlink).link("/etc/passwd");
    let mut entries = sealed_by_secretariat(fixture().parts.clone()).entries();
    entries[2] = link;
    refused_fresh(
        &put(dir.path(), "symlink.rdbundle", &tar_of(&entries)),
        |e| matches!(e, BundleError::ForbiddenType { name, kind: "符号链接", kind_en: "symbolic link" } if name == EVENTS),
        &[
            "评审包条目“events.jsonl”是符号链接，只允许普通文件",
            "entry “events.jsonl” is a symbolic link; only plain files are allowed",
        ],
    );
}

#[test]
fn a_hardlink_entry_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let mut entries = sealed_by_secretariat(fixture().parts.clone()).entries();
    let name = String::from_utf8(entries[4].name.clone()).unwrap();
    entries[4] = Entry::file(&name, vec![]).kind(tar::EntryType::Link).link(MANIFEST);
    refused_fresh(
        &put(dir.path(), "hardlink.rdbundle", &tar_of(&entries)),
        |e| matches!(e, BundleError::ForbiddenType { name: n, kind: "硬链接", kind_en: "hard link" } if *n == name),
        &[
            &format!("评审包条目“{name}”是硬链接，只允许普通文件"),
            &format!("entry “{name}” is a hard link; only plain files are allowed"),
        ],
    );
}

#[test]
fn a_directory_entry_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let file = put(
        dir.path(),
        "dir.rdbundle",
        &with_entry_after_signature(Entry::file("blobs/", vec![]).kind(tar::EntryType::Directory)),
    );
    refused_fresh(
        &file,
        |e| matches!(e, BundleError::ForbiddenType { kind: "目录", .. }),
        &["评审包条目“blobs/”是目录", "entry “blobs/” is a directory"],
    );
}

#[test]
fn an_unknown_entry_name_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let r = Receiver::trusted();
    let upper = format!("blobs/{}", fixture().parts.blobs[0].0.to_uppercase());
    for name in ["notes.txt", "blobs/readme.txt", "manifest.json.bak", upper.as_str()] {
        let file = put(dir.path(), "unknown.rdbundle", &with_entry_after_signature(Entry::file(name, "备忘\n")));
        refused(
            &r,
            &file,
            |e| matches!(e, BundleError::ForbiddenName { name: n } if n == name),
            &[
                &format!("评审包含有不允许的条目“{name}”"),
                "只能有 manifest.json、manifest.sig、events.jsonl 和 blobs/<sha256>",
                &format!("the bundle holds a forbidden entry “{name}”"),
                "only manifest.json, manifest.sig, events.jsonl and blobs/<sha256> are allowed",
            ],
        );
    }
}

#[test]
fn entries_out_of_order_twice_or_unlisted_are_refused_naming_the_entry() {
    let dir = tempfile::tempdir().unwrap();
    let r = Receiver::trusted();
    let p = sealed_by_secretariat(fixture().parts.clone());

    let mut entries = p.entries();
    entries.swap(1, 2);
    refused(
        &r,
        &put(dir.path(), "order.rdbundle", &tar_of(&entries)),
        |e| matches!(e, BundleError::Order { found } if found == EVENTS),
        &["第一个条目应为 manifest.json，第二个为 manifest.sig（实际为“events.jsonl”）", "(found “events.jsonl”)"],
    );

    let mut entries = p.entries();
    entries.push(Entry::file(EVENTS, p.events.clone()));
    refused(
        &r,
        &put(dir.path(), "twice.rdbundle", &tar_of(&entries)),
        |e| matches!(e, BundleError::DuplicateEntry { name } if name == EVENTS),
        &["评审包条目“events.jsonl”出现两次", "entry “events.jsonl” appears twice"],
    );

    // A well-named document the signed manifest does not list.
    let extra = "未列入清单的附件\n";
    let name = format!("blobs/{}", sha(extra.as_bytes()));
    let mut entries = p.entries();
    entries.push(Entry::file(&name, extra));
    refused(
        &r,
        &put(dir.path(), "unlisted.rdbundle", &tar_of(&entries)),
        |e| matches!(e, BundleError::Unlisted { name: n } if *n == name),
        &[&format!("条目 {name} 未列在清单中"), &format!("entry {name} is not listed in the manifest")],
    );
}

#[test]
fn an_event_count_that_does_not_match_the_manifest_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let mut p = fixture().parts.clone();
    p.seal_with(&identity(SECRETARIAT), |m| m["event_count"] = json!(70));
    refused_fresh(
        &put(dir.path(), "count.rdbundle", &p.tar()),
        |e| matches!(e, BundleError::CountMismatch { declared: 70, found: DEMO_EVENTS }),
        &[
            &format!("清单声明 70 条事件，实有 {DEMO_EVENTS} 条"),
            &format!("the manifest declares 70 events but the bundle holds {DEMO_EVENTS}"),
        ],
    );
}

// ---------------------------------------------------------------- limits

fn bad_declared_huge(dir: &Path) -> PathBuf {
    let mut entries = sealed_by_secretariat(fixture().parts.clone()).entries();
    // The header says 1 TB; the file holds the real, small event log.
    entries[2] = Entry::file(EVENTS, entries[2].data.clone()).declare(1 << 40);
    put(dir, "huge-events.rdbundle", &tar_of(&entries))
}

#[test]
fn a_declared_size_far_beyond_the_limits_is_refused_as_too_large() {
    let dir = tempfile::tempdir().unwrap();
    let r = Receiver::trusted();
    let tb = 1u64 << 40;
    let file = bad_declared_huge(dir.path());
    assert!(std::fs::metadata(&file).unwrap().len() < 1 << 20);
    refused(
        &r,
        &file,
        |e| {
            matches!(e, BundleError::TooLarge { size, limit, constant: "MAX_ENTRY_BYTES", .. }
                if *size == tb && *limit == MAX_ENTRY_BYTES)
        },
        &[
            &format!("条目 events.jsonl 大小 {tb} 字节超过上限 {MAX_ENTRY_BYTES} 字节（MAX_ENTRY_BYTES）"),
            &format!("entry events.jsonl is {tb} bytes, over the limit of {MAX_ENTRY_BYTES} (MAX_ENTRY_BYTES)"),
        ],
    );

    // A document and the manifest, the same way.
    let mut entries = sealed_by_secretariat(fixture().parts.clone()).entries();
    let blob = String::from_utf8(entries[5].name.clone()).unwrap();
    entries[5] = Entry::file(&blob, entries[5].data.clone()).declare(MAX_ENTRY_BYTES + 1);
    refused(
        &r,
        &put(dir.path(), "huge-blob.rdbundle", &tar_of(&entries)),
        |e| matches!(e, BundleError::TooLarge { constant: "MAX_ENTRY_BYTES", .. }),
        &[&format!("条目 {blob} 大小 {} 字节", MAX_ENTRY_BYTES + 1), &format!("entry {blob} is")],
    );
    let mut entries = sealed_by_secretariat(fixture().parts.clone()).entries();
    entries[0] = Entry::file(MANIFEST, entries[0].data.clone()).declare(1 << 30);
    refused(
        &r,
        &put(dir.path(), "huge-manifest.rdbundle", &tar_of(&entries)),
        |e| matches!(e, BundleError::TooLarge { size: 1073741824, constant: "MAX_MANIFEST_BYTES", .. }),
        &[
            &format!("条目 manifest.json 大小 1073741824 字节超过上限 {MAX_MANIFEST_BYTES} 字节（MAX_MANIFEST_BYTES）"),
            &format!(
                "entry manifest.json is 1073741824 bytes, over the limit of {MAX_MANIFEST_BYTES} (MAX_MANIFEST_BYTES)"
            ),
        ],
    );
}

#[test]
fn a_size_declared_in_a_pax_record_is_refused_with_the_record() {
    let dir = tempfile::tempdir().unwrap();
    let mut entries = sealed_by_secretariat(fixture().parts.clone()).entries();
    let pax = Entry::file("PaxHeaders/events.jsonl", pax_record("size", "1099511627776")).kind(tar::EntryType::XHeader);
    entries.insert(2, pax);
    refused_fresh(
        &put(dir.path(), "pax-size.rdbundle", &tar_of(&entries)),
        |e| matches!(e, BundleError::ForbiddenType { name, .. } if name == "PaxHeaders/events.jsonl"),
        &["“PaxHeaders/events.jsonl”是 tar 扩展头", "is a tar extension header"],
    );
}

#[test]
fn a_signature_entry_over_its_limit_names_the_limit_it_broke() {
    let dir = tempfile::tempdir().unwrap();
    let mut entries = sealed_by_secretariat(fixture().parts.clone()).entries();
    entries[1] = Entry::file(MANIFEST_SIG, entries[1].data.clone()).declare(5000);
    let msg = refused_fresh(
        &put(dir.path(), "huge-sig.rdbundle", &tar_of(&entries)),
        |e| matches!(e, BundleError::TooLarge { size: 5000, limit: 4096, .. }),
        &["manifest.sig", "5000", "4096"],
    );
    assert!(!msg.contains("MAX_MANIFEST_BYTES"), "4096 bytes is not MAX_MANIFEST_BYTES ({MAX_MANIFEST_BYTES}): {msg}");
}

#[test]
fn a_bundle_file_over_max_bundle_bytes_is_refused_before_it_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("sparse.rdbundle");
    std::fs::copy(&fixture().good, &file).unwrap();
    // Sparse: the length is over the limit, the disk holds the good bundle and a hole.
    std::fs::OpenOptions::new().write(true).open(&file).unwrap().set_len(MAX_BUNDLE_BYTES + 1).unwrap();
    let size = MAX_BUNDLE_BYTES + 1;
    refused_fresh(
        &file,
        |e| matches!(e, BundleError::TooLarge { constant: "MAX_BUNDLE_BYTES", size: s, .. } if *s == size),
        &[
            &format!("评审包大小 {size} 字节超过上限 {MAX_BUNDLE_BYTES} 字节（MAX_BUNDLE_BYTES）"),
            &format!("the bundle is {size} bytes, over the limit of {MAX_BUNDLE_BYTES} (MAX_BUNDLE_BYTES)"),
        ],
    );
}

/// A million `{}` lines behind a validly signed manifest that declares them.
fn bad_million(dir: &Path) -> PathBuf {
    let mut p = fixture().parts.clone();
    p.events = b"{}\n".repeat(1_000_000);
    let p = sealed_by_secretariat(p);
    assert!(String::from_utf8_lossy(&p.manifest).contains("\"event_count\": 1000000"));
    put(dir, "million.rdbundle", &p.tar())
}

#[test]
fn a_million_tiny_events_are_refused_by_the_event_limit() {
    let dir = tempfile::tempdir().unwrap();
    refused_fresh(
        &bad_million(dir.path()),
        |e| matches!(e, BundleError::TooManyEvents { limit: MAX_EVENTS }),
        &[
            &format!("事件超过 {MAX_EVENTS} 条上限（MAX_EVENTS），请按会议分批导出"),
            &format!("more than {MAX_EVENTS} events (MAX_EVENTS): export one meeting at a time"),
        ],
    );
}

/// What holds today for the million events above: refused quickly, specifically, changing nothing.
#[test]
fn a_million_tiny_events_are_refused_and_change_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let file = bad_million(dir.path());
    refused_fresh(&file, |e| matches!(e, BundleError::TooManyEvents { .. }), &["events.jsonl", "MAX_EVENTS"]);
}

#[test]
fn a_line_over_max_line_bytes_is_refused_naming_the_line() {
    let dir = tempfile::tempdir().unwrap();
    let mut p = fixture().parts.clone();
    let mut lines = p.lines();
    lines.insert(2, vec![b'x'; MAX_LINE_BYTES + 1]);
    p.set_lines(&lines);
    refused_fresh(
        &put(dir.path(), "long-line.rdbundle", &sealed_by_secretariat(p).tar()),
        |e| matches!(e, BundleError::LineTooLong { line: 3, limit: MAX_LINE_BYTES }),
        &[
            &format!("events.jsonl 第 3 行超过 {MAX_LINE_BYTES} 字节上限（MAX_LINE_BYTES）"),
            &format!("events.jsonl line 3 is longer than {MAX_LINE_BYTES} bytes (MAX_LINE_BYTES)"),
        ],
    );
}

// ---------------------------------------------------------------- content

fn bad_utf8(dir: &Path) -> PathBuf {
    let mut p = fixture().parts.clone();
    let mut lines = p.lines();
    // Line 5 registers an application with a Chinese name; break one of its characters.
    let at = lines[4].iter().position(|b| *b >= 0x80).unwrap();
    lines[4][at] = 0xff;
    p.set_lines(&lines);
    put(dir, "not-utf8.rdbundle", &sealed_by_secretariat(p).tar())
}

#[test]
fn a_line_of_invalid_utf8_is_refused_naming_the_line() {
    let dir = tempfile::tempdir().unwrap();
    refused_fresh(
        &bad_utf8(dir.path()),
        |e| matches!(e, BundleError::NotUtf8 { line: 5 }),
        &["events.jsonl 第 5 行不是有效的 UTF-8 文本", "events.jsonl line 5 is not valid UTF-8"],
    );
}

#[test]
fn a_line_that_is_not_an_event_is_refused_naming_the_line() {
    let dir = tempfile::tempdir().unwrap();
    let mut p = fixture().parts.clone();
    let mut lines = p.lines();
    lines.insert(9, r#"{"sig":"00","note":"会后补充材料"}"#.as_bytes().to_vec());
    p.set_lines(&lines);
    refused_fresh(
        &put(dir.path(), "not-an-event.rdbundle", &sealed_by_secretariat(p).tar()),
        |e| matches!(e, BundleError::EventMalformed { line: 10, .. }),
        &["events.jsonl 第 10 行无法解析", "events.jsonl line 10 cannot be parsed"],
    );
}

#[test]
fn a_malformed_event_line_reads_as_one_chinese_and_one_english_half() {
    let dir = tempfile::tempdir().unwrap();
    let mut p = fixture().parts.clone();
    let mut lines = p.lines();
    lines.insert(9, br#"{"sig":"00","note":"x"}"#.to_vec());
    p.set_lines(&lines);
    let msg = refused_fresh(
        &put(dir.path(), "not-an-event.rdbundle", &sealed_by_secretariat(p).tar()),
        |e| matches!(e, BundleError::EventMalformed { line: 10, .. }),
        &["events.jsonl 第 10 行无法解析", "events.jsonl line 10 cannot be parsed"],
    );
    assert_eq!(msg.matches(" / ").count(), 1, "{msg}");
    let english = msg.split(" / ").nth(1).unwrap();
    assert!(!english.chars().any(crate::common::is_cjk), "Chinese in the English half: {msg}");
}

fn bad_future_format(dir: &Path) -> PathBuf {
    let mut p = fixture().parts.clone();
    p.seal_with(&identity(SECRETARIAT), |m| m["format"] = json!(99));
    put(dir, "format-99.rdbundle", &p.tar())
}

#[test]
fn a_manifest_from_a_future_format_version_is_refused_naming_both_versions() {
    let dir = tempfile::tempdir().unwrap();
    refused_fresh(
        &bad_future_format(dir.path()),
        |e| matches!(e, BundleError::NewerFormat { found: 99, known: FORMAT_VERSION }),
        &[
            &format!("评审包格式版本 99 比本程序支持的 {FORMAT_VERSION} 新，请升级评审台后再导入"),
            &format!("bundle format version 99 is newer than this build's {FORMAT_VERSION}: upgrade reviewdesk"),
        ],
    );
}

#[test]
fn a_format_version_beyond_u32_is_named_as_written() {
    let dir = tempfile::tempdir().unwrap();
    let mut p = fixture().parts.clone();
    p.seal_with(&identity(SECRETARIAT), |m| m["format"] = json!(4_294_967_296u64));
    refused_fresh(
        &put(dir.path(), "format-2-32.rdbundle", &p.tar()),
        |e| matches!(e, BundleError::NewerFormat { .. } | BundleError::ManifestMalformed { .. }),
        &["4294967296"],
    );
}

// ---------------------------------------------------------------- verify

#[test]
fn verify_gives_the_same_specific_messages_and_opens_no_store() {
    let fx = fixture();
    let dir = tempfile::tempdir().unwrap();
    let bytes = std::fs::read(&fx.good).unwrap();
    let files = [
        bad_empty(dir.path()),
        bad_png(dir.path()),
        truncated_at(&bytes, 600, dir.path()),
        truncated_at(&bytes, bytes.len() / 2, dir.path()),
        bad_manifest_flipped(dir.path()),
        put(dir.path(), "dotdot.rdbundle", &with_entry_after_signature(Entry::file("../x", "owned\n"))),
        bad_declared_huge(dir.path()),
        bad_utf8(dir.path()),
        bad_future_format(dir.path()),
    ];
    let nowhere = dir.path().join("no-home-here");
    for file in &files {
        let err = bundle::inspect(file).unwrap_err();
        assert!(!matches!(err, BundleError::Io { .. } | BundleError::Store(_)), "{err:?}");
        let msg = err.to_string();
        assert_specific(&msg);
        let out = reviewdesk(&nowhere, &["verify", file.to_str().unwrap()]).output().unwrap();
        assert_eq!(out.status.code(), Some(1), "verify {}", file.display());
        assert_eq!(String::from_utf8_lossy(&out.stderr), format!("错误 error: {}：{msg}\n", file.display()));
        assert!(out.stdout.is_empty());
        assert!(!nowhere.exists(), "verify created a home");
    }
    // Importing the same file says the same thing.
    let r = Receiver::trusted();
    let import_msg = refused(&r, &files[4], |_| true, &[]);
    assert_eq!(import_msg, bundle::inspect(&files[4]).unwrap_err().to_string());
}

// ---------------------------------------------------------------- events no reader accepts

/// A line whose signed bytes are exactly `event` (JSON written by hand, as a hostile peer may),
/// signed by `signer`.
fn forged_line(signer: &Identity, event: &str) -> Vec<u8> {
    let sig = signer.secret.sign(&[b"reviewdesk event v1\n", event.as_bytes()].concat());
    format!("{{\"sig\":\"{}\",\"event\":{event}}}", hex::encode(sig)).into_bytes()
}

/// The good bundle with `line` added at the end, re-sealed by the secretariat.
fn with_line(line: Vec<u8>) -> Vec<u8> {
    let mut p = fixture().parts.clone();
    let mut lines = p.lines();
    lines.push(line);
    p.set_lines(&lines);
    sealed_by_secretariat(p).tar()
}

/// `verify` refuses the file with the very message `import` gives, and opens no store.
#[track_caller]
fn verify_refuses_too(file: &Path, msg: &str) {
    let nowhere = tempfile::tempdir().unwrap().path().join("nowhere");
    let out = reviewdesk(&nowhere, &["verify", file.to_str().unwrap()]).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "verify {}: {stderr}", file.display());
    assert!(stderr.contains(msg), "verify says something else than import:\n{stderr}\nimport: {msg}");
}

/// A trusted secretariat's event, otherwise valid, at `seq` with `cutoff` and `time`.
fn secretariat_revocation(seq: &str, cutoff: &str, time: &str) -> String {
    let sec = identity(SECRETARIAT);
    format!(
        r#"{{"v":1,"suite":"ed25519-sha256","author":"{}","seq":{seq},"prev":null,"time":"{time}","body":{{"key_revoked":{{"key":"{}","cutoff_seq":{cutoff},"reason":"遗失"}}}}}}"#,
        sec.key_hex(),
        stranger("孙外来").key_hex()
    )
}

/// Issue 11, point 2: an event at seq 0 or past SQLite's integers passed `verify` and then failed
/// `import` with "database error", blocking the bundle. Both now refuse it, with one message
/// that names the line and the range.
#[test]
fn an_event_seq_out_of_range_is_refused_alike_by_verify_and_import() {
    let dir = tempfile::tempdir().unwrap();
    for seq in ["0", "9223372036854775808", "18446744073709551615"] {
        let line = forged_line(&identity(SECRETARIAT), &secretariat_revocation(seq, "0", "2026-12-08T09:00:00Z"));
        let file = put(dir.path(), &format!("seq-{seq}.rdbundle"), &with_line(line));
        let msg = refused_fresh(
            &file,
            |e| matches!(e, BundleError::EventInvalid { line, .. } if *line == DEMO_EVENTS + 1),
            &[
                &format!("事件序号 {seq} 超出范围"),
                &format!("event seq {seq} is out of range"),
                &format!("第 {} 行", DEMO_EVENTS + 1),
                &format!("line {}", DEMO_EVENTS + 1),
            ],
        );
        verify_refuses_too(&file, &msg);
    }
}

/// Issue 11, point 2: a revocation cut-off of 2^64-1 was stored as -1 and voided every event of
/// the key, and an older bundle brought them back. It is refused on the way in, by both readers.
#[test]
fn a_revocation_cutoff_past_the_highest_seq_is_refused_alike_by_verify_and_import() {
    let dir = tempfile::tempdir().unwrap();
    let line = forged_line(
        &identity(SECRETARIAT),
        &secretariat_revocation("16", "18446744073709551615", "2026-12-08T09:00:00Z"),
    );
    let file = put(dir.path(), "cutoff.rdbundle", &with_line(line));
    let msg = refused_fresh(
        &file,
        |e| matches!(e, BundleError::EventInvalid { .. }),
        &["吊销截止序号 18446744073709551615 超出范围", "revocation cut-off 18446744073709551615 is out of range"],
    );
    verify_refuses_too(&file, &msg);
}

/// Issue 11, point 11: any event time was accepted. The rule: an event dated before 2000 or from
/// 2100 on is refused as the signer's broken clock, by both readers.
#[test]
fn an_event_time_outside_2000_to_2099_is_refused_alike_by_verify_and_import() {
    let dir = tempfile::tempdir().unwrap();
    for time in ["9999-12-31T00:00:00Z", "1970-01-01T00:00:00Z"] {
        let line = forged_line(&identity(SECRETARIAT), &secretariat_revocation("16", "0", time));
        let file = put(dir.path(), "time.rdbundle", &with_line(line));
        let msg = refused_fresh(
            &file,
            |e| matches!(e, BundleError::EventInvalid { .. }),
            &["不在 2000 年至 2099 年之间", "outside the years 2000 to 2099", "clock"],
        );
        verify_refuses_too(&file, &msg);
    }
}

/// Issue 11, point 4: signed JSON that names a key twice in one object was accepted, the last
/// value winning, while another parser may read the first. Refused, naming the key.
#[test]
fn an_event_that_names_a_key_twice_is_refused_alike_by_verify_and_import() {
    let fx = fixture();
    let dir = tempfile::tempdir().unwrap();
    let li = identity("李明");
    let (n, score) =
        find_line(&fx.parts, |e| e.envelope.author == li.key_hex() && e.envelope.body.meeting() == Some(MEETING));
    let text = String::from_utf8(score.bytes.clone()).unwrap();
    // 15 points for necessity, then 1: the reader would have kept 1.
    let twice = text.replacen("\"necessity\":", "\"necessity\":15,\"necessity\":", 1);
    assert_ne!(twice, text);
    let mut p = fx.parts.clone();
    let mut lines = p.lines();
    lines[n - 1] = forged_line(&li, &twice);
    p.set_lines(&lines);
    let file = put(dir.path(), "twice.rdbundle", &sealed_by_secretariat(p).tar());
    let msg = refused_fresh(
        &file,
        |e| matches!(e, BundleError::EventInvalid { .. }),
        &["“necessity”", "names the key “necessity” twice", "两次"],
    );
    verify_refuses_too(&file, &msg);
}

/// The chair's decision on GL-LX-2027-001 resting on every sheet there, claiming `suggested`.
fn chair_decision(suggested: reviewdesk::domain::Outcome, outcome: reviewdesk::domain::Outcome) -> SignedEvent {
    let fx = fixture();
    let code = "GL-LX-2027-001";
    let (_, meeting) = find_line(&fx.parts, |e| matches!(&e.envelope.body, Body::MeetingOpened(m) if m.id == MEETING));
    let (_, registration) = find_line(
        &fx.parts,
        |e| matches!(&e.envelope.body, Body::ApplicationRegistered { application, .. } if application.code == code),
    );
    let based_on: Vec<String> = fx
        .parts
        .lines()
        .iter()
        .map(|l| parse_line(l))
        .filter(|e| matches!(&e.envelope.body, Body::ScoreSubmitted { code: c, .. } if c == code))
        .map(|e| e.id)
        .collect();
    assert_eq!(based_on.len(), 4);
    let chair = identity("王建国");
    // After the chair's last event in the demo (the earlier meeting's two decisions).
    let last = fx
        .parts
        .lines()
        .iter()
        .map(|l| parse_line(l))
        .filter(|e| e.envelope.author == chair.key_hex())
        .max_by_key(|e| e.envelope.seq);
    let envelope = Envelope {
        v: 1,
        suite: Suite::Ed25519Sha256,
        author: chair.key_hex(),
        seq: last.as_ref().map_or(1, |e| e.envelope.seq + 1),
        prev: last.map(|e| e.id),
        time: now(),
        body: Body::DecisionRecorded {
            meeting: MEETING.into(),
            code: code.into(),
            basis: reviewdesk::ledger::Basis { meeting_event: meeting.id, application_event: registration.id },
            decision: reviewdesk::domain::Decision {
                outcome,
                suggested,
                plan_class: None,
                rectification_deadline: None,
                conditions: String::new(),
                opinion: "同意".into(),
                override_reason: None,
            },
            based_on,
        },
    };
    SignedEvent::sign(&chair.secret, envelope).unwrap()
}

/// Issue 11, point 4: a chair-signed decision could claim a suggested outcome the scores do not
/// support, and so skip the override reason that the local `decide` demands. The receiver works
/// the suggestion out from the sheets the decision names; a decision that claims otherwise is
/// held with the reason, and counts for nothing.
#[test]
fn a_decision_claiming_a_suggestion_its_sheets_do_not_give_is_held_with_the_reason() {
    use reviewdesk::domain::Outcome;
    let dir = tempfile::tempdir().unwrap();
    // Four sheets average 82.25 on GL-LX-2027-001: the suggestion is 通过 (pass).
    let lie = chair_decision(Outcome::Fail, Outcome::Fail);
    let file = put(dir.path(), "lie.rdbundle", &with_line(lie.to_line().into_bytes()));
    let r = Receiver::trusted();
    let (_, report) = r.import(&file).unwrap();
    assert_eq!((report.new, report.quarantined, report.rejected), (DEMO_EVENTS, 1, 0), "{report:?}");
    assert_eq!(report.refusals[0].0, lie.id);
    assert_mentions(&report.refusals[0].1.zh, &["结论声称建议结论为“不通过”", "应为“通过”"]);
    assert_mentions(&report.refusals[0].1.en, &["claims the suggested outcome was “fail”", "give “pass”"]);
    let show = r.ok(&["--as", RECEIVER, "show", "GL-LX-2027-001", "--json"]);
    let view: Value = serde_json::from_str(&show).unwrap();
    assert!(view["decision"].is_null(), "the false decision counts: {}", view["decision"]);
    let text = r.ok(&["log"]);
    assert_mentions(&text, &["记录结论", "暂存待核", "结论声称建议结论为“不通过”"]);
    assert!(!text.contains("decision_recorded"), "the log reads in words: {text}");

    // The honest decision on the same sheets is applied.
    let honest = chair_decision(Outcome::Pass, Outcome::Pass);
    let file = put(dir.path(), "honest.rdbundle", &with_line(honest.to_line().into_bytes()));
    let r = Receiver::trusted();
    let (_, report) = r.import(&file).unwrap();
    assert_eq!((report.new, report.quarantined, report.rejected), (DEMO_EVENTS + 1, 0, 0), "{report:?}");
}

/// Issue 11, point 11: an event whose `prev` disagrees with its author's event before it was
/// flagged at import, but `log` then called the chain complete and `doctor` saw no fork.
#[test]
fn a_fork_by_a_wrong_prev_shows_in_log_and_doctor() {
    let fx = fixture();
    let dir = tempfile::tempdir().unwrap();
    let li = identity("李明");
    let (_, last) = find_line(&fx.parts, |e| e.envelope.author == li.key_hex() && e.envelope.seq == LI_LAST);
    let mut envelope = last.envelope.clone();
    envelope.seq = LI_LAST + 1;
    envelope.prev = Some("0".repeat(64));
    let wrong = SignedEvent::sign(&li.secret, envelope).unwrap();
    let file = put(dir.path(), "prev.rdbundle", &with_line(wrong.to_line().into_bytes()));
    let r = Receiver::trusted();
    let (_, report) = r.import(&file).unwrap();
    assert_eq!(report.forked_keys, vec![li.key_hex()], "{report:?}");
    let text = r.ok(&["log"]);
    let line = text.lines().find(|l| l.contains(&fp(&li))).unwrap();
    assert_mentions(line, &[&format!("分叉！序号 {}", LI_LAST + 1)]);
    let out = r.cmd(&["doctor"]).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "doctor must fail on a fork: {stdout}");
    assert_mentions(&stdout, &["✗ 签名链无分叉", "李明"]);
}

/// Issue 11, point 11: the time rule's other half. An event dated more than a day after this
/// machine's clock (inside 2000–2099) is taken as it is, and the import report says so.
#[test]
fn an_event_dated_in_the_future_is_imported_with_a_visible_warning() {
    let fx = fixture();
    let dir = tempfile::tempdir().unwrap();
    let li = identity("李明");
    let (_, last) = find_line(&fx.parts, |e| e.envelope.author == li.key_hex() && e.envelope.seq == LI_LAST);
    let mut envelope = last.envelope.clone();
    envelope.seq = LI_LAST + 1;
    envelope.prev = Some(last.id.clone());
    envelope.time = "2027-06-01T09:00:00Z".parse().unwrap();
    let ahead = SignedEvent::sign(&li.secret, envelope).unwrap();
    let file = put(dir.path(), "ahead.rdbundle", &with_line(ahead.to_line().into_bytes()));
    let r = Receiver::trusted();
    let text = r.ok(&["import", file.to_str().unwrap()]);
    assert_mentions(&text, &[&format!("新增 {}", DEMO_EVENTS + 1), "⚠ 1 个事件的时间比本机时钟晚一天以上"]);
    let report = Receiver::trusted().import_json(&file);
    assert_eq!(report["future_dated"], 1, "{report}");
}
