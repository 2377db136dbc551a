//! Hostile bundle inputs for the memory bench, each fed to `import` (into a home that holds the
//! demo meeting without its documents) and to `verify`:
//!
//! - a GNU long-name header of 1 GiB, and a PAX header of 1 GiB, with their data present;
//! - three documents of 400 MiB that no application names, in a bundle an expert signed;
//! - an event log of lines of the largest size a line may have, every one a signed event;
//! - an entry whose header declares a terabyte.
//!
//! The large files are sparse (a header, then a hole), so the bench itself stays small on disk
//! and in memory; the binary still reads every byte of them.

use super::{Case, arg, run_ok};
use reviewdesk::bundle::MAX_LINE_BYTES;
use reviewdesk::ledger::event::MAX_EVENT_BYTES;
use reviewdesk::ledger::{Body, Envelope, Identity, Keyring, SignedEvent};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

const SECRETARIAT: &str = "鼓楼区数据局信息化办";
const EXPERT: &str = "李明";
const MANIFEST_CONTEXT: &[u8] = b"reviewdesk manifest v1\n";
const MIB: u64 = 1 << 20;

/// A tar header: ustar, or GNU for the GNU extension types.
fn header(name: &str, kind: tar::EntryType, size: u64) -> tar::Header {
    let mut h = if kind.is_gnu_longname() || kind.is_gnu_longlink() {
        tar::Header::new_gnu()
    } else {
        tar::Header::new_ustar()
    };
    h.as_old_mut().name[..name.len()].copy_from_slice(name.as_bytes());
    h.set_size(size);
    h.set_mode(0o644);
    h.set_mtime(1_765_184_400);
    h.set_entry_type(kind);
    h.set_cksum();
    h
}

/// Writes a tar entry whose data is in memory.
fn entry(out: &mut File, name: &str, data: &[u8]) {
    out.write_all(header(name, tar::EntryType::Regular, data.len() as u64).as_bytes()).unwrap();
    out.write_all(data).unwrap();
    pad(out, data.len() as u64);
}

fn pad(out: &mut File, size: u64) {
    let rest = (512 - size % 512) % 512;
    out.write_all(&vec![0u8; rest as usize]).unwrap();
}

/// Writes a tar entry of `size` bytes that are zeros but for the last, `last`, as a hole.
fn sparse_entry(out: &mut File, name: &str, kind: tar::EntryType, size: u64, last: u8) {
    out.write_all(header(name, kind, size).as_bytes()).unwrap();
    out.seek(SeekFrom::Current(size as i64 - 1)).unwrap();
    out.write_all(&[last]).unwrap();
    pad(out, size);
}

fn end(out: &mut File) {
    out.write_all(&[0u8; 1024]).unwrap();
}

/// The entries of a bundle our exporter wrote.
struct Parts {
    manifest: Value,
    events: Vec<u8>,
}

impl Parts {
    fn read(path: &Path) -> Parts {
        let mut archive = tar::Archive::new(File::open(path).unwrap());
        let (mut manifest, mut events) = (Value::Null, Vec::new());
        for e in archive.entries().unwrap() {
            let mut e = e.unwrap();
            let name = e.path().unwrap().to_str().unwrap().to_string();
            let mut data = Vec::new();
            e.read_to_end(&mut data).unwrap();
            match name.as_str() {
                "manifest.json" => manifest = serde_json::from_slice(&data).unwrap(),
                "events.jsonl" => events = data,
                _ => {}
            }
        }
        Parts { manifest, events }
    }

    /// The manifest over these events and `blobs` (name, sha256, size), signed by `signer`.
    fn sealed(&self, signer: &Identity, events: &[u8], blobs: &[(String, u64)]) -> (Vec<u8>, Vec<u8>) {
        let log = Log {
            sha256: hex::encode(Sha256::digest(events)),
            size: events.len() as u64,
            count: events.split(|b| *b == b'\n').filter(|l| !l.is_empty()).count(),
        };
        self.sealed_over(signer, &log, blobs)
    }

    /// [`Parts::sealed`] over an event log known by its hash, size and count.
    fn sealed_over(&self, signer: &Identity, log: &Log, blobs: &[(String, u64)]) -> (Vec<u8>, Vec<u8>) {
        let mut m = self.manifest.clone();
        let mut entries = vec![json!({"name": "events.jsonl", "sha256": log.sha256, "size": log.size})];
        entries.extend(blobs.iter().map(|(h, size)| json!({"name": format!("blobs/{h}"), "sha256": h, "size": size})));
        m["entries"] = Value::Array(entries);
        m["event_count"] = json!(log.count);
        m["exporter"] = json!({"name": signer.name, "key": signer.key_hex(), "suite": signer.secret.suite()});
        let bytes = serde_json::to_vec_pretty(&m).unwrap();
        let sig = signer.secret.sign(&[MANIFEST_CONTEXT, &bytes].concat());
        (bytes, sig)
    }
}

/// An event log written to its own file, known by its hash, size and number of lines.
struct Log {
    sha256: String,
    size: u64,
    count: usize,
}

/// Copies a home for one run.
fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &to.join(e.file_name()));
        } else {
            std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
        }
    }
}

/// A manifest and signature good enough to reach the entry after them.
fn head(out: &mut File, parts: &Parts, signer: &Identity) {
    let (manifest, sig) = parts.sealed(signer, &parts.events, &[]);
    entry(out, "manifest.json", &manifest);
    entry(out, "manifest.sig", &sig);
}

/// An extension header of `size` bytes, its data a hole, then the rest of a bundle.
fn extension(path: &Path, parts: &Parts, signer: &Identity, name: &str, kind: tar::EntryType, size: u64) {
    let mut out = File::create(path).unwrap();
    head(&mut out, parts, signer);
    sparse_entry(&mut out, name, kind, size, b'\n');
    entry(&mut out, "events.jsonl", &parts.events);
    end(&mut out);
}

/// Three documents of 400 MiB that no application names, after the expert's own events.
fn unnamed_documents(path: &Path, parts: &Parts, expert: &Identity) {
    let size = 400 * MIB;
    let mut zeros = Sha256::new();
    let block = vec![0u8; MIB as usize];
    for _ in 0..size / MIB - 1 {
        zeros.update(&block);
    }
    zeros.update(&block[..MIB as usize - 1]);
    let blobs: Vec<(String, u64)> = (1..=3u8)
        .map(|i| {
            let mut h = zeros.clone();
            h.update([i]);
            (hex::encode(h.finalize()), size)
        })
        .collect();
    let (manifest, sig) = parts.sealed(expert, &[], &blobs);
    let mut out = File::create(path).unwrap();
    entry(&mut out, "manifest.json", &manifest);
    entry(&mut out, "manifest.sig", &sig);
    entry(&mut out, "events.jsonl", &[]);
    for (i, (h, size)) in blobs.iter().enumerate() {
        sparse_entry(&mut out, &format!("blobs/{h}"), tar::EntryType::Regular, *size, i as u8 + 1);
    }
    end(&mut out);
}

/// As many signed events of the largest line size as the event log may hold, continuing the
/// expert's chain, each with the body `body(n)` made to fill a line with `n` units.
fn longest_lines(path: &Path, parts: &Parts, expert: &Identity, body: impl Fn(usize) -> Body) {
    let mine: Vec<SignedEvent> = parts
        .events
        .split(|b| *b == b'\n')
        .filter(|l| !l.is_empty())
        .map(|l| SignedEvent::from_line(std::str::from_utf8(l).unwrap()).unwrap())
        .filter(|e| e.envelope.author == expert.key_hex())
        .collect();
    let last = mine.iter().max_by_key(|e| e.envelope.seq).unwrap();
    let (mut seq, mut prev) = (last.envelope.seq, last.id.clone());
    let event = |seq: u64, prev: String, body: Body| {
        let envelope = Envelope {
            v: 1,
            suite: expert.secret.suite(),
            author: expert.key_hex(),
            seq,
            prev: Some(prev),
            time: "2026-12-08T09:00:00Z".parse().unwrap(),
            body,
        };
        SignedEvent::sign(&expert.secret, envelope).unwrap()
    };
    // Units per event: its signed bytes grow linearly with them, up to the most a signer may
    // sign (MAX_EVENT_BYTES), which keeps its line within MAX_LINE_BYTES.
    let len = |n: usize| {
        serde_json::to_vec(&Envelope { body: body(n), ..event(seq + 1, prev.clone(), body(0)).envelope }).unwrap().len()
    };
    let (base, per) = (len(0), len(1000) - len(0));
    let mut units = (MAX_EVENT_BYTES - 64 - base) * 1000 / per;
    while len(units) > MAX_EVENT_BYTES - 64 {
        units -= units / 1000 + 1;
    }
    // Written to a file of its own as it is made, so that this process stays small: a child
    // starts its peak memory from its parent's.
    let scratch = path.with_extension("events");
    let mut log_file = std::io::BufWriter::new(File::create(&scratch).unwrap());
    let (mut hasher, mut log) = (Sha256::new(), Log { sha256: String::new(), size: 0, count: 0 });
    while log.size + MAX_LINE_BYTES as u64 <= 500 * MIB {
        seq += 1;
        let e = event(seq, prev, body(units));
        prev = e.id.clone();
        let mut line = e.to_line().into_bytes();
        assert!(line.len() <= MAX_LINE_BYTES);
        line.push(b'\n');
        hasher.update(&line);
        log_file.write_all(&line).unwrap();
        log.size += line.len() as u64;
        log.count += 1;
    }
    log_file.flush().unwrap();
    drop(log_file);
    log.sha256 = hex::encode(hasher.finalize());
    let (manifest, sig) = parts.sealed_over(expert, &log, &[]);
    let mut out = File::create(path).unwrap();
    entry(&mut out, "manifest.json", &manifest);
    entry(&mut out, "manifest.sig", &sig);
    out.write_all(header("events.jsonl", tar::EntryType::Regular, log.size).as_bytes()).unwrap();
    std::io::copy(&mut File::open(&scratch).unwrap(), &mut out).unwrap();
    pad(&mut out, log.size);
    end(&mut out);
    std::fs::remove_file(&scratch).unwrap();
}

/// A new application registered by the secretariat that names one document of 400 MiB, and
/// the document: streamed into the store, never held whole.
fn named_document(path: &Path, parts: &Parts, sec: &Identity) {
    let size = 400 * MIB;
    let mut h = Sha256::new();
    let block = vec![0u8; MIB as usize];
    for _ in 0..size / MIB - 1 {
        h.update(&block);
    }
    h.update(&block[..MIB as usize - 1]);
    h.update([7u8]);
    let hash = hex::encode(h.finalize());
    let events: Vec<SignedEvent> = parts
        .events
        .split(|b| *b == b'\n')
        .filter(|l| !l.is_empty())
        .map(|l| SignedEvent::from_line(std::str::from_utf8(l).unwrap()).unwrap())
        .filter(|e| e.envelope.author == sec.key_hex())
        .collect();
    let last = events.iter().max_by_key(|e| e.envelope.seq).unwrap();
    let Body::ApplicationRegistered { meeting, meeting_event, mut application } = events
        .iter()
        .find_map(|e| match &e.envelope.body {
            b @ Body::ApplicationRegistered { .. } => Some(b.clone()),
            _ => None,
        })
        .unwrap()
    else {
        unreachable!()
    };
    application.code = "GL-LX-2027-099".into();
    application.documents =
        vec![reviewdesk::domain::application::Document { name: "可研.pdf".into(), sha256: hash.clone(), size }];
    let envelope = Envelope {
        v: 1,
        suite: sec.secret.suite(),
        author: sec.key_hex(),
        seq: last.envelope.seq + 1,
        prev: Some(last.id.clone()),
        time: "2026-12-08T09:00:00Z".parse().unwrap(),
        body: Body::ApplicationRegistered { meeting, meeting_event, application },
    };
    let mut line = SignedEvent::sign(&sec.secret, envelope).unwrap().to_line().into_bytes();
    line.push(b'\n');
    let (manifest, sig) = parts.sealed(sec, &line, &[(hash.clone(), size)]);
    let mut out = File::create(path).unwrap();
    entry(&mut out, "manifest.json", &manifest);
    entry(&mut out, "manifest.sig", &sig);
    entry(&mut out, "events.jsonl", &line);
    sparse_entry(&mut out, &format!("blobs/{hash}"), tar::EntryType::Regular, size, 7);
    end(&mut out);
}

/// An event log whose header declares a terabyte, in a small file.
fn declared_terabyte(path: &Path, parts: &Parts, signer: &Identity) {
    let mut out = File::create(path).unwrap();
    head(&mut out, parts, signer);
    out.write_all(header("events.jsonl", tar::EntryType::Regular, 1 << 40).as_bytes()).unwrap();
    out.write_all(&parts.events).unwrap();
    end(&mut out);
}

/// Builds every hostile bundle input under `work` and returns the commands that feed them.
pub fn cases(work: &Path) -> Vec<Case> {
    std::fs::create_dir_all(work).unwrap();
    let demo = work.join("demo");
    run_ok(&["--home", &arg(&demo), "demo", "--no-tui"]);
    let bare = work.join("bare.rdbundle");
    run_ok(&["--home", &arg(&demo), "--as", SECRETARIAT, "export", "--no-blobs", "--out", &arg(&bare)]);
    let sec_pub = work.join("sec.pub");
    run_ok(&["--home", &arg(&demo), "--as", SECRETARIAT, "key", "export", "--out", &arg(&sec_pub)]);
    // The receiver holds the meeting, so that the expert is a known exporter.
    let receiver = work.join("receiver");
    run_ok(&["--home", &arg(&receiver), "init", "--name", "接收方"]);
    run_ok(&["--home", &arg(&receiver), "trust", "add", &arg(&sec_pub)]);
    run_ok(&["--home", &arg(&receiver), "import", &arg(&bare)]);

    let keys = Keyring::new(demo.join("identities"));
    let (sec, expert) = (keys.load(SECRETARIAT).unwrap(), keys.load(EXPERT).unwrap());
    let parts = Parts::read(&bare);
    let gib = 1u64 << 30;
    let file = |name: &str| -> PathBuf { work.join(name) };
    let inputs: Vec<(&str, PathBuf)> = vec![
        ("GNU long-name header of 1 GiB", {
            let p = file("long-name.rdbundle");
            extension(&p, &parts, &sec, "././@LongLink", tar::EntryType::GNULongName, gib);
            p
        }),
        ("PAX header of 1 GiB", {
            let p = file("pax.rdbundle");
            extension(&p, &parts, &sec, "PaxHeaders/events.jsonl", tar::EntryType::XHeader, gib);
            p
        }),
        ("3 x 400 MiB documents no application names", {
            let p = file("unnamed.rdbundle");
            unnamed_documents(&p, &parts, &expert);
            p
        }),
        ("event lines of MAX_LINE_BYTES, ~500 MiB", {
            let p = file("long-lines.rdbundle");
            longest_lines(&p, &parts, &expert, |n| Body::ConflictDeclared {
                meeting: "GL-2027-01".into(),
                code: "GL-LX-2027-001".into(),
                basis: reviewdesk::ledger::Basis::default(),
                reason: "回".repeat(n),
            });
            p
        }),
        ("event lines of MAX_LINE_BYTES of empty strings", {
            // `"",` is 3 bytes of text and 24 bytes parsed: the largest growth an event allows.
            let p = file("empty-strings.rdbundle");
            longest_lines(&p, &parts, &expert, |n| {
                serde_json::from_value(json!({"decision_recorded": {
                    "meeting": "GL-2027-01",
                    "code": "GL-LX-2027-001",
                    "basis": {"meeting_event": "", "application_event": ""},
                    "decision": {"outcome": "pass", "suggested": "pass", "plan_class": null,
                        "rectification_deadline": null, "override_reason": null},
                    "based_on": vec![""; n],
                }}))
                .unwrap()
            });
            p
        }),
        ("a 400 MiB document an application names (kept)", {
            let p = file("named.rdbundle");
            named_document(&p, &parts, &sec);
            p
        }),
        ("an entry declaring 1 TiB", {
            let p = file("terabyte.rdbundle");
            declared_terabyte(&p, &parts, &sec);
            p
        }),
    ];
    let mut cases = Vec::new();
    for (i, (what, path)) in inputs.iter().enumerate() {
        let home = work.join(format!("import-{i}"));
        copy_dir(&receiver, &home);
        cases.push(Case {
            name: format!("bundle import: {what}"),
            args: vec!["--home".into(), arg(&home), "import".into(), arg(path)],
        });
        cases.push(Case {
            name: format!("bundle verify: {what}"),
            args: vec!["--home".into(), arg(&work.join("nowhere")), "verify".into(), arg(path)],
        });
    }
    cases
}
