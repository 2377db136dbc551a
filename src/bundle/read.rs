//! Reading a bundle: streamed from the file, never extracted, every limit enforced while
//! reading. Pass one checks the manifest signature, every hash and every event signature
//! without touching the store. Pass two applies the events inside one transaction and checks
//! the hashes again, so a file changed in between changes nothing.

use super::{
    BLOB_DIR, BundleError, EVENTS, FORMAT_VERSION, MANIFEST, MANIFEST_SIG, MAX_BLOBS, MAX_BUNDLE_BYTES,
    MAX_ENTRY_BYTES, MAX_EVENTS, MAX_LINE_BYTES, MAX_MANIFEST_BYTES, MAX_SIGNATURE_BYTES, Manifest, io,
    manifest_message,
};
use crate::ledger::event::{Body, EventError, MeetingOpened, verify_batch};
use crate::ledger::{Member, SignedEvent, fingerprint};
use crate::store::{ImportReport, Store};
use chrono::{DateTime, Utc};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::sync::mpsc::{SyncSender, sync_channel};

/// Events verified per batch; each batch is split across two threads.
const CHUNK: usize = 4096;

/// One author's events in a bundle, with the gaps and forks of that chain.
#[derive(Clone, Debug, Serialize)]
pub struct AuthorSummary {
    pub key: String,
    pub name: String,
    pub fingerprint: String,
    pub first_seq: u64,
    pub last_seq: u64,
    pub count: usize,
    pub gaps: Vec<(u64, u64)>,
    pub forks: Vec<u64>,
}

/// A meeting opened by an event in the bundle.
#[derive(Clone, Debug, Serialize)]
pub struct MeetingInBundle {
    pub id: String,
    pub title: String,
    pub date: String,
    pub secretariat: Member,
    pub panel: Vec<Member>,
}

/// What a bundle holds, known once every hash and signature has checked out.
#[derive(Clone, Debug, Serialize)]
pub struct BundleSummary {
    pub bundle_id: String,
    pub format: u32,
    pub exporter: Member,
    pub exporter_fingerprint: String,
    pub created: DateTime<Utc>,
    pub bytes: u64,
    pub events: usize,
    pub events_bytes: u64,
    pub kinds: BTreeMap<String, usize>,
    pub authors: Vec<AuthorSummary>,
    /// Meetings the events belong to.
    pub meeting_ids: Vec<String>,
    /// Meetings opened in this bundle.
    pub meetings: Vec<MeetingInBundle>,
    pub applications: usize,
    pub blobs: usize,
    pub blob_bytes: u64,
}

/// The entries a bundle may hold.
enum Name {
    Manifest,
    Signature,
    Events,
    Blob(String),
}

fn classify(entry: &tar::Entry<'_, impl Read>) -> Result<(Name, String), BundleError> {
    let raw = entry.path_bytes();
    let name = String::from_utf8_lossy(&raw).into_owned();
    if name.starts_with('/') || name.contains('\\') || name.split('/').any(|c| c == "..") {
        return Err(BundleError::UnsafePath { name });
    }
    let kind = entry.header().entry_type();
    let forbidden = |kind, kind_en| BundleError::ForbiddenType { name: name.clone(), kind, kind_en };
    match kind {
        tar::EntryType::Regular => {}
        tar::EntryType::Symlink => return Err(forbidden("符号链接", "symbolic link")),
        tar::EntryType::Link => return Err(forbidden("硬链接", "hard link")),
        tar::EntryType::Directory => return Err(forbidden("目录", "directory")),
        _ => return Err(forbidden("特殊文件", "special file")),
    }
    let parsed = match name.as_str() {
        MANIFEST => Name::Manifest,
        MANIFEST_SIG => Name::Signature,
        EVENTS => Name::Events,
        n => match n.strip_prefix(BLOB_DIR) {
            Some(h) if h.len() == 64 && h.chars().all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c)) => {
                Name::Blob(h.to_string())
            }
            _ => return Err(BundleError::ForbiddenName { name }),
        },
    };
    Ok((parsed, name))
}

/// Counts bytes read, so that errors can say where a file was cut.
struct Counted<R> {
    inner: R,
    read: std::rc::Rc<std::cell::Cell<u64>>,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read.set(self.read.get() + n as u64);
        Ok(n)
    }
}

/// Hashes what passes through.
struct Hashing<R> {
    inner: R,
    hasher: Sha256,
}

impl<R: Read> Read for Hashing<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n]);
        Ok(n)
    }
}

/// Walks the entries of the tar at `path` in order, checking names, types, order, duplicates and
/// declared sizes before `visit` reads a byte of them.
fn walk(
    path: &Path,
    mut visit: impl FnMut(Name, &str, u64, &mut dyn Read) -> Result<(), BundleError>,
) -> Result<u64, BundleError> {
    let file = std::fs::File::open(path).map_err(io(path))?;
    let len = file.metadata().map_err(io(path))?.len();
    if len == 0 {
        return Err(BundleError::Empty);
    }
    if len > MAX_BUNDLE_BYTES {
        return Err(too_large("评审包", "the bundle", len, MAX_BUNDLE_BYTES, "MAX_BUNDLE_BYTES"));
    }
    check_first_block(path, len)?;
    let offset = std::rc::Rc::new(std::cell::Cell::new(0u64));
    let mut archive =
        tar::Archive::new(Counted { inner: BufReader::with_capacity(1 << 16, file), read: offset.clone() });
    let truncated = |offset: &std::rc::Rc<std::cell::Cell<u64>>| BundleError::Truncated { offset: offset.get() };
    let entries = archive.entries().map_err(|_| BundleError::NotTar)?;
    let mut seen: HashSet<String> = HashSet::new();
    let mut declared = 0u64;
    for (index, entry) in entries.enumerate() {
        let mut entry = entry.map_err(|_| if index == 0 { BundleError::NotTar } else { truncated(&offset) })?;
        let (name, shown) = classify(&entry)?;
        let expected_first =
            matches!((index, &name), (0, Name::Manifest) | (1, Name::Signature) | (2.., Name::Events | Name::Blob(_)));
        if !expected_first {
            return Err(BundleError::Order { found: shown });
        }
        if !seen.insert(shown.clone()) {
            return Err(BundleError::DuplicateEntry { name: shown });
        }
        if seen.len() > MAX_BLOBS + 3 {
            return Err(too_large(
                "文档数量",
                "the number of documents",
                seen.len() as u64,
                MAX_BLOBS as u64,
                "MAX_BLOBS",
            ));
        }
        // `size()` is the size the entry really has, PAX records included, not the raw header field.
        let size = entry.size();
        let (limit, constant) = match name {
            Name::Manifest => (MAX_MANIFEST_BYTES, "MAX_MANIFEST_BYTES"),
            Name::Signature => (MAX_SIGNATURE_BYTES, "MAX_SIGNATURE_BYTES"),
            _ => (MAX_ENTRY_BYTES, "MAX_ENTRY_BYTES"),
        };
        if size > limit {
            return Err(too_large(&format!("条目 {shown} "), &format!("entry {shown}"), size, limit, constant));
        }
        declared += size;
        if declared > len {
            return Err(truncated(&offset));
        }
        let mut limited = (&mut entry).take(size);
        let visited = visit(name, &shown, size, &mut limited);
        // An entry shorter than its header says means a cut file, whatever `visit` made of it.
        let drained = std::io::copy(&mut limited, &mut std::io::sink());
        if drained.is_err() || limited.limit() > 0 {
            return Err(truncated(&offset));
        }
        visited.map_err(|e| match e {
            BundleError::Io { source, .. } if source.kind() == std::io::ErrorKind::UnexpectedEof => truncated(&offset),
            other => other,
        })?;
    }
    Ok(len)
}

/// A file that does not even begin like a tar is "not a bundle", not "truncated".
fn check_first_block(path: &Path, len: u64) -> Result<(), BundleError> {
    let mut first = vec![0u8; 512.min(len as usize)];
    std::fs::File::open(path).and_then(|mut f| f.read_exact(&mut first)).map_err(io(path))?;
    let looks_like_ours = first.starts_with(MANIFEST.as_bytes());
    let has_magic = first.len() >= 263 && &first[257..262] == b"ustar";
    match (looks_like_ours || has_magic, len < 512) {
        (false, _) => Err(BundleError::NotTar),
        (true, true) => Err(BundleError::Truncated { offset: len }),
        (true, false) => Ok(()),
    }
}

fn too_large(what: &str, what_en: &str, size: u64, limit: u64, constant: &'static str) -> BundleError {
    BundleError::TooLarge { what: what.to_string(), what_en: what_en.to_string(), size, limit, constant }
}

fn read_all(r: &mut dyn Read, path: &Path) -> Result<Vec<u8>, BundleError> {
    let mut buf = Vec::new();
    r.read_to_end(&mut buf).map_err(io(path))?;
    Ok(buf)
}

/// Reads one line of at most `MAX_LINE_BYTES` (without its newline). `None` at the end.
fn next_line(r: &mut impl BufRead, buf: &mut Vec<u8>, line_no: usize, path: &Path) -> Result<Option<()>, BundleError> {
    buf.clear();
    loop {
        let available = r.fill_buf().map_err(io(path))?;
        if available.is_empty() {
            return Ok(if buf.is_empty() { None } else { Some(()) });
        }
        let (take, done) = match available.iter().position(|b| *b == b'\n') {
            Some(i) => (i + 1, true),
            None => (available.len(), false),
        };
        if buf.len() + take > MAX_LINE_BYTES + 1 {
            return Err(BundleError::LineTooLong { line: line_no, limit: MAX_LINE_BYTES });
        }
        buf.extend_from_slice(&available[..take]);
        r.consume(take);
        if done {
            buf.pop();
            if buf.last() == Some(&b'\r') {
                buf.pop();
            }
            return Ok(Some(()));
        }
    }
}

/// Streams the lines of `events.jsonl`, handing each (line number, text) to `f`, enforcing the
/// line and count limits. Returns the SHA-256 of the entry.
fn each_line(
    r: &mut dyn Read,
    path: &Path,
    mut f: impl FnMut(usize, String) -> Result<(), BundleError>,
) -> Result<String, BundleError> {
    let mut hashing = BufReader::with_capacity(1 << 16, Hashing { inner: r, hasher: Sha256::new() });
    let mut buf = Vec::new();
    let mut line_no = 0usize;
    let mut events = 0usize;
    while next_line(&mut hashing, &mut buf, line_no + 1, path)?.is_some() {
        line_no += 1;
        if buf.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        events += 1;
        if events > MAX_EVENTS {
            return Err(BundleError::TooManyEvents { limit: MAX_EVENTS });
        }
        let text = String::from_utf8(std::mem::take(&mut buf)).map_err(|_| BundleError::NotUtf8 { line: line_no })?;
        f(line_no, text)?;
    }
    Ok(hex::encode(hashing.into_inner().hasher.finalize()))
}

fn parse_line(line_no: usize, text: &str) -> Result<SignedEvent, BundleError> {
    let event_error = |e: EventError| match e {
        EventError::Malformed(detail) => BundleError::EventMalformed { line: line_no, detail },
        EventError::NewerVersion { found, known } => BundleError::EventNewerVersion { line: line_no, found, known },
        EventError::BadAuthor | EventError::Suite(_) => BundleError::EventMalformed {
            line: line_no,
            detail: "the author key or signature suite is not valid".into(),
        },
        // Out of range, too large, or a key named twice: the same refusal the signer would give.
        other => BundleError::EventInvalid { line: line_no, source: other },
    };
    let (bytes, sig) = SignedEvent::split_line(text).map_err(event_error)?;
    SignedEvent::parse_unverified(bytes, sig).map_err(event_error)
}

/// Parses and verifies a batch of lines on two threads.
fn verify_chunk(chunk: &[(usize, String)]) -> Result<Vec<SignedEvent>, BundleError> {
    let check = |part: &[(usize, String)]| -> Result<Vec<SignedEvent>, BundleError> {
        let events = part.iter().map(|(n, t)| parse_line(*n, t)).collect::<Result<Vec<_>, _>>()?;
        verify_batch(&events).map_err(|i| {
            let e = &events[i];
            let fp = hex::decode(&e.envelope.author).map(|k| fingerprint(e.envelope.suite, &k)).unwrap_or_default();
            BundleError::EventSignature { line: part[i].0, fingerprint: fp }
        })?;
        Ok(events)
    };
    let mid = chunk.len() / 2;
    let (a, b) = std::thread::scope(|s| {
        let h = s.spawn(|| check(&chunk[mid..]));
        (check(&chunk[..mid]), h.join())
    });
    let mut out = a?;
    out.extend(b.unwrap_or_else(|_| {
        Err(BundleError::EventMalformed { line: chunk[mid].0, detail: "verifier panicked".into() })
    })?);
    Ok(out)
}

/// Accumulates what a bundle holds.
#[derive(Default)]
struct Tally {
    kinds: BTreeMap<&'static str, usize>,
    seqs: BTreeMap<String, Vec<u64>>,
    meeting_ids: BTreeSet<String>,
    meetings: Vec<MeetingInBundle>,
    applications: BTreeSet<(String, String)>,
    events: usize,
}

impl Tally {
    fn add(&mut self, e: &SignedEvent) {
        let env = &e.envelope;
        self.events += 1;
        // Called once per event on the thread that applies them: no allocation when nothing is new.
        *self.kinds.entry(env.body.kind()).or_default() += 1;
        match self.seqs.get_mut(&env.author) {
            Some(seqs) => seqs.push(env.seq),
            None => {
                self.seqs.insert(env.author.clone(), vec![env.seq]);
            }
        }
        if let Some(m) = env.body.meeting()
            && !self.meeting_ids.contains(m)
        {
            self.meeting_ids.insert(m.to_string());
        }
        match &env.body {
            Body::MeetingOpened(m) => self.meetings.push(MeetingInBundle {
                id: m.id.clone(),
                title: m.title.clone(),
                date: m.date.to_string(),
                secretariat: m.secretariat.clone(),
                panel: m.panel.iter().map(|p| p.member.clone()).collect(),
            }),
            Body::ApplicationRegistered { meeting, application, .. } => {
                self.applications.insert((meeting.clone(), application.code.clone()));
            }
            _ => {}
        }
    }

    fn authors(&self, names: &BTreeMap<String, (String, crate::ledger::Suite)>) -> Vec<AuthorSummary> {
        self.seqs
            .iter()
            .map(|(key, seqs)| {
                let mut s = seqs.clone();
                s.sort_unstable();
                let mut forks: Vec<u64> = s.windows(2).filter(|w| w[0] == w[1]).map(|w| w[0]).collect();
                forks.dedup();
                s.dedup();
                let gaps = s.windows(2).filter(|w| w[1] > w[0] + 1).map(|w| (w[0] + 1, w[1] - 1)).collect();
                let (name, suite) =
                    names.get(key).cloned().unwrap_or((String::new(), crate::ledger::Suite::Ed25519Sha256));
                AuthorSummary {
                    key: key.clone(),
                    fingerprint: hex::decode(key).map(|k| fingerprint(suite, &k)).unwrap_or_default(),
                    name,
                    first_seq: s.first().copied().unwrap_or(0),
                    last_seq: s.last().copied().unwrap_or(0),
                    count: seqs.len(),
                    gaps,
                    forks,
                }
            })
            .collect()
    }
}

/// Checks a bundle completely without touching any store, and says what it holds.
pub fn inspect(path: &Path) -> Result<BundleSummary, BundleError> {
    let checked = check_integrity(path)?;
    let tally = verify_events(path)?;
    if checked.manifest.event_count != tally.events {
        return Err(BundleError::CountMismatch { declared: checked.manifest.event_count, found: tally.events });
    }
    Ok(summarize(checked, tally))
}

fn summarize(checked: Integrity, tally: Tally) -> BundleSummary {
    let m = checked.manifest;
    let mut names: BTreeMap<String, (String, crate::ledger::Suite)> = BTreeMap::new();
    names.insert(m.exporter.key.clone(), (m.exporter.name.clone(), m.exporter.suite));
    for meeting in &tally.meetings {
        for p in meeting.panel.iter().chain(std::iter::once(&meeting.secretariat)) {
            names.insert(p.key.clone(), (p.name.clone(), p.suite));
        }
    }
    let exporter_fingerprint =
        hex::decode(&m.exporter.key).map(|k| fingerprint(m.exporter.suite, &k)).unwrap_or_default();
    BundleSummary {
        bundle_id: m.bundle_id.clone(),
        format: m.format,
        exporter_fingerprint,
        created: m.created,
        bytes: checked.bytes,
        events: tally.events,
        events_bytes: checked.events_bytes,
        kinds: tally.kinds.iter().map(|(k, n)| (k.to_string(), *n)).collect(),
        authors: tally.authors(&names),
        meeting_ids: tally.meeting_ids.iter().cloned().collect(),
        applications: tally.applications.len(),
        meetings: tally.meetings,
        blobs: checked.blobs,
        blob_bytes: checked.blob_bytes,
        exporter: m.exporter,
    }
}

/// What the first pass proved: a signed manifest whose every entry is present and intact.
struct Integrity {
    manifest: Manifest,
    bytes: u64,
    events_bytes: u64,
    blobs: usize,
    blob_bytes: u64,
}

/// Pass one: the manifest signature, then the hash and size of every entry, and the number of
/// lines, before a single event is parsed.
fn check_integrity(path: &Path) -> Result<Integrity, BundleError> {
    if super::encrypted::addressee(path)?.is_some() {
        return Err(BundleError::Encrypted);
    }
    let mut manifest: Option<(Manifest, Vec<u8>)> = None;
    let mut signature_ok = false;
    let mut seen: BTreeSet<String> = BTreeSet::new();
    let (mut events_bytes, mut blobs, mut blob_bytes) = (0u64, 0usize, 0u64);
    let bytes = walk(path, |name, shown, size, r| {
        if !matches!(name, Name::Manifest) && manifest.is_none() {
            return Err(BundleError::Missing { name: MANIFEST.into() });
        }
        match name {
            Name::Manifest => manifest = Some(read_manifest(&read_all(r, path)?)?),
            Name::Signature => {
                let (m, raw) = manifest.as_ref().ok_or_else(|| BundleError::Missing { name: MANIFEST.into() })?;
                let sig = read_all(r, path)?;
                let key = hex::decode(&m.exporter.key).unwrap_or_default();
                m.exporter.suite.verify(&key, &manifest_message(raw), &sig).map_err(|_| {
                    BundleError::ManifestSignature {
                        fingerprint: fingerprint(m.exporter.suite, &key),
                        name: m.exporter.name.clone(),
                    }
                })?;
                signature_ok = true;
            }
            Name::Events | Name::Blob(_) => {
                let (m, _) = manifest.as_ref().ok_or_else(|| BundleError::Missing { name: MANIFEST.into() })?;
                if !signature_ok {
                    return Err(BundleError::Missing { name: MANIFEST_SIG.into() });
                }
                let listed = listed(m, shown)?;
                let (sha, lines) = hash_and_count_lines(r, path)?;
                if let Name::Blob(hash) = &name {
                    if sha != *hash || listed.sha256 != *hash || listed.size != size {
                        return Err(BundleError::HashMismatch { name: shown.into() });
                    }
                    blobs += 1;
                    blob_bytes += size;
                } else {
                    if sha != listed.sha256 || size != listed.size {
                        return Err(BundleError::HashMismatch { name: shown.into() });
                    }
                    if lines > MAX_EVENTS {
                        return Err(BundleError::TooManyEvents { limit: MAX_EVENTS });
                    }
                    events_bytes = size;
                }
            }
        }
        seen.insert(shown.to_string());
        Ok(())
    })?;
    let (manifest, _) = manifest.ok_or_else(|| BundleError::Missing { name: MANIFEST.into() })?;
    if !signature_ok {
        return Err(BundleError::Missing { name: MANIFEST_SIG.into() });
    }
    if let Some(e) = manifest.entries.iter().find(|e| !seen.contains(&e.name)) {
        return Err(BundleError::Missing { name: e.name.clone() });
    }
    Ok(Integrity { manifest, bytes, events_bytes, blobs, blob_bytes })
}

/// SHA-256 of an entry and how many newline-terminated lines it holds.
fn hash_and_count_lines(r: &mut dyn Read, path: &Path) -> Result<(String, usize), BundleError> {
    let mut hasher = Sha256::new();
    let mut lines = 0usize;
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = r.read(&mut buf).map_err(io(path))?;
        if n == 0 {
            return Ok((hex::encode(hasher.finalize()), lines));
        }
        hasher.update(&buf[..n]);
        lines += buf[..n].iter().filter(|b| **b == b'\n').count();
    }
}

/// Pass two: every event line parsed and its signature checked (in batches, on two threads).
fn verify_events(path: &Path) -> Result<Tally, BundleError> {
    let mut tally = Tally::default();
    walk(path, |name, _, _, r| {
        if let Name::Events = name {
            let mut chunk: Vec<(usize, String)> = Vec::with_capacity(CHUNK);
            each_line(r, path, |n, text| {
                chunk.push((n, text));
                if chunk.len() == CHUNK {
                    verify_chunk(&chunk)?.iter().for_each(|e| tally.add(e));
                    chunk.clear();
                }
                Ok(())
            })?;
            if !chunk.is_empty() {
                verify_chunk(&chunk)?.iter().for_each(|e| tally.add(e));
            }
        }
        Ok(())
    })?;
    Ok(tally)
}

fn read_manifest(raw: &[u8]) -> Result<(Manifest, Vec<u8>), BundleError> {
    let malformed = |detail: String| BundleError::ManifestMalformed { detail };
    let probe: serde_json::Value = serde_json::from_slice(raw).map_err(|e| malformed(e.to_string()))?;
    if let Some(found) = probe.get("format").and_then(|f| f.as_u64())
        && found > FORMAT_VERSION as u64
    {
        return Err(BundleError::NewerFormat { found, known: FORMAT_VERSION });
    }
    let m: Manifest = serde_json::from_value(probe).map_err(|e| malformed(e.to_string()))?;
    // The signed count is checked before any line is read.
    if m.event_count > MAX_EVENTS {
        return Err(BundleError::TooManyEvents { limit: MAX_EVENTS });
    }
    Ok((m, raw.to_vec()))
}

fn listed<'m>(m: &'m Manifest, name: &str) -> Result<&'m super::EntryDigest, BundleError> {
    m.entries.iter().find(|e| e.name == name).ok_or_else(|| BundleError::Unlisted { name: name.into() })
}

/// A piece of a bundle, parsed and verified, on its way to the store.
enum Piece {
    Events(Vec<SignedEvent>),
    Blob(String, Vec<u8>),
}

/// Reads the bundle again and sends its events (in verified batches) and documents down
/// `out`, checking that the bytes are those pass one vouched for.
fn stream(path: &Path, bundle_id: &str, out: &SyncSender<Result<Piece, BundleError>>) -> Result<(), BundleError> {
    // The receiver stops listening when it has failed; there is nothing more to do then.
    let hung_up = |_| BundleError::ChangedWhileReading;
    let mut manifest: Option<Manifest> = None;
    walk(path, |name, shown, size, r| match name {
        Name::Manifest => {
            let (m, _) = read_manifest(&read_all(r, path)?)?;
            if m.bundle_id != bundle_id {
                return Err(BundleError::ChangedWhileReading);
            }
            manifest = Some(m);
            Ok(())
        }
        Name::Signature => Ok(()),
        Name::Events => {
            let m = manifest.as_ref().ok_or(BundleError::ChangedWhileReading)?;
            let mut chunk: Vec<(usize, String)> = Vec::with_capacity(CHUNK);
            let sha = each_line(r, path, |n, text| {
                chunk.push((n, text));
                if chunk.len() == CHUNK {
                    out.send(Ok(Piece::Events(verify_chunk(&chunk)?))).map_err(hung_up)?;
                    chunk.clear();
                }
                Ok(())
            })?;
            if !chunk.is_empty() {
                out.send(Ok(Piece::Events(verify_chunk(&chunk)?))).map_err(hung_up)?;
            }
            let listed = listed(m, shown)?;
            if sha != listed.sha256 || size != listed.size {
                return Err(BundleError::ChangedWhileReading);
            }
            Ok(())
        }
        Name::Blob(hash) => {
            let content = read_all(r, path)?;
            if hex::encode(Sha256::digest(&content)) != hash {
                return Err(BundleError::ChangedWhileReading);
            }
            out.send(Ok(Piece::Blob(hash, content))).map_err(hung_up)
        }
    })?;
    Ok(())
}

fn untrusted(m: &MeetingOpened) -> BundleError {
    let key = hex::decode(&m.secretariat.key).unwrap_or_default();
    BundleError::UntrustedSecretariat {
        meeting: m.id.clone(),
        fingerprint: fingerprint(m.secretariat.suite, &key),
        name: m.secretariat.name.clone(),
        suite: m.secretariat.suite.id().to_string(),
        key: m.secretariat.key.clone(),
    }
}

/// Verifies `path` and applies it in one transaction. Pass one checks the manifest signature
/// and every hash before the transaction opens. Pass two parses and verifies the events in
/// batches on a second thread while this one applies them; any bad signature, a meeting from an
/// untrusted secretariat, or an unknown exporter rolls everything back. `progress` hears
/// (events done, events in all).
pub fn import(
    store: &mut Store,
    path: &Path,
    now: DateTime<Utc>,
    dry_run: bool,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<(BundleSummary, ImportReport), BundleError> {
    let checked = check_integrity(path)?;
    crate::fault::reached(crate::fault::IMPORT_BETWEEN_PASSES);
    let total = checked.manifest.event_count;
    let bundle_id = checked.manifest.bundle_id.clone();
    let exporter = checked.manifest.exporter.clone();
    let mut tally = Tally::default();
    let report = store.import_with(now, dry_run, |imp| {
        std::thread::scope(|scope| {
            let (tx, rx) = sync_channel::<Result<Piece, BundleError>>(2);
            scope.spawn(|| {
                let tx = tx;
                if let Err(e) = stream(path, &bundle_id, &tx) {
                    let _ = tx.send(Err(e));
                }
            });
            for piece in rx {
                match piece? {
                    Piece::Events(events) => {
                        for e in &events {
                            if let Body::MeetingOpened(m) = &e.envelope.body
                                && !imp.is_trusted(&m.secretariat.key)?
                            {
                                return Err(untrusted(m));
                            }
                            imp.offer(e)?;
                            tally.add(e);
                        }
                        progress(tally.events, total);
                    }
                    Piece::Blob(hash, content) => imp.blob(&hash, &content)?,
                }
            }
            Ok::<(), BundleError>(())
        })?;
        if tally.events != total {
            return Err(BundleError::CountMismatch { declared: total, found: tally.events });
        }
        // Known before, or made known by a meeting this bundle opened.
        if !(imp.is_trusted(&exporter.key)? || imp.is_known_member(&exporter.key)?) {
            let key = hex::decode(&exporter.key).unwrap_or_default();
            return Err(BundleError::UnknownExporter {
                fingerprint: fingerprint(exporter.suite, &key),
                name: exporter.name.clone(),
            });
        }
        Ok(())
    })?;
    Ok((summarize(checked, tally), report))
}
