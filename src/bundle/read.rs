//! Reading a bundle: streamed from the file, never extracted, every limit enforced while
//! reading, and the memory it takes bounded whatever the file declares.
//!
//! The file is opened once. Pass one checks the manifest signature and the hash of every entry
//! without touching the store. Pass two, inside the import's transaction, reads the same open
//! file again (by position, so the passes cannot disturb each other), checks that every entry,
//! the manifest first, is byte for byte what pass one verified, and parses, verifies and
//! applies the events and streams the documents into the store. A file renamed over the
//! original meanwhile is never read; one rewritten in place fails the second check and
//! changes nothing.

use super::{
    BLOB_DIR, BundleError, EVENTS, FORMAT_VERSION, MANIFEST, MANIFEST_SIG, MAX_BLOBS, MAX_BUNDLE_BYTES,
    MAX_ENTRY_BYTES, MAX_EVENTS, MAX_LINE_BYTES, MAX_MANIFEST_BYTES, MAX_SIGNATURE_BYTES, Manifest, fingerprint_of, io,
    manifest_message, shown,
};
use crate::ledger::event::{Body, EventError, MeetingOpened, verify_batch};
use crate::ledger::{Member, SignedEvent, fingerprint};
use crate::store::blobs::{BlobSink, BlobStart, WantedDocuments};
use crate::store::{ImportReport, Importer, Store};
use chrono::{DateTime, Utc};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::sync::mpsc::{SyncSender, sync_channel};

/// Events verified per batch at most; each batch is split across two threads.
const CHUNK: usize = 4096;
/// The bytes of event lines in one batch at most: with lines of up to `MAX_LINE_BYTES`, a
/// batch of `CHUNK` lines could otherwise hold gigabytes.
const CHUNK_BYTES: usize = 1 << 20;
/// The pieces a document is streamed in.
const BLOB_PIECE: usize = 256 << 10;
/// Pieces in flight between the thread that reads and the one that applies.
const IN_FLIGHT: usize = 1;
/// Distinct authors a summary lists; the events of any others are only counted.
const MAX_LISTED_AUTHORS: usize = 10_000;
/// Bytes of meeting ids, titles and names a summary keeps; beyond, meetings are only counted.
const LISTED_TEXT_BYTES: usize = 4 << 20;

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
    /// The exporter as the manifest names it: the key is what signed; the name is a claim.
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
    /// True when the bundle names more authors or meetings than a summary lists: the counts
    /// are whole, the lists are not.
    pub listing_cut: bool,
    pub applications: usize,
    pub blobs: usize,
    pub blob_bytes: u64,
    /// Documents that no application registered in this bundle names.
    pub unnamed_documents: usize,
    /// Documents an import left out because no application in the store names them (always 0
    /// for `verify`, which opens no store).
    pub documents_skipped: usize,
    /// Closes in the bundle, with how much of what each pins the bundle holds.
    pub closes: Vec<CloseInBundle>,
}

// ---------------------------------------------------------------- one open file

/// A bundle file opened once. Every pass reads it through its own [`At`] reader, by position,
/// so that what is applied is what was verified, whatever happens to the name meanwhile.
pub(super) struct Source<'f> {
    file: &'f File,
    /// For messages only; never opened again.
    path: &'f Path,
    len: u64,
}

impl<'f> Source<'f> {
    pub(super) fn new(file: &'f File, path: &'f Path) -> Result<Source<'f>, BundleError> {
        let len = file.metadata().map_err(io(path))?.len();
        Ok(Source { file, path, len })
    }

    fn at(&self, pos: u64) -> At<'f> {
        At { file: self.file, pos }
    }
}

/// Reads a file from its own offset with positional reads: readers of one descriptor never
/// move each other's place.
pub(super) struct At<'f> {
    pub(super) file: &'f File,
    pub(super) pos: u64,
}

impl Read for At<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        loop {
            match read_at(self.file, buf, self.pos) {
                Ok(n) => {
                    self.pos += n as u64;
                    return Ok(n);
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
        }
    }
}

#[cfg(unix)]
fn read_at(file: &File, buf: &mut [u8], pos: u64) -> std::io::Result<usize> {
    std::os::unix::fs::FileExt::read_at(file, buf, pos)
}

#[cfg(windows)]
fn read_at(file: &File, buf: &mut [u8], pos: u64) -> std::io::Result<usize> {
    std::os::windows::fs::FileExt::seek_read(file, buf, pos)
}

// ---------------------------------------------------------------- entries

/// The entries a bundle may hold.
enum Name {
    Manifest,
    Signature,
    Events,
    Blob(String),
}

/// Names and types an entry from its header alone, before a byte of its data is read: the
/// reader takes no tar extension (GNU long names, PAX records), so a name is at most the 256
/// bytes of a ustar header and nothing an entry declares is read into memory to name it.
/// Returns the entry and its name as it may be shown.
fn classify(entry: &tar::Entry<'_, impl Read>) -> Result<(Name, String), BundleError> {
    let raw = entry.path_bytes();
    let name = String::from_utf8_lossy(&raw).into_owned();
    let show = shown(&name);
    if name.starts_with('/') || name.contains('\\') || name.split('/').any(|c| c == "..") {
        return Err(BundleError::UnsafePath { name: show });
    }
    let kind = entry.header().entry_type();
    let forbidden = |kind, kind_en| BundleError::ForbiddenType { name: show.clone(), kind, kind_en };
    match kind {
        tar::EntryType::Regular => {}
        tar::EntryType::Symlink => return Err(forbidden("符号链接", "symbolic link")),
        tar::EntryType::Link => return Err(forbidden("硬链接", "hard link")),
        tar::EntryType::Directory => return Err(forbidden("目录", "directory")),
        tar::EntryType::GNULongName
        | tar::EntryType::GNULongLink
        | tar::EntryType::XHeader
        | tar::EntryType::XGlobalHeader => {
            return Err(forbidden(
                " tar 扩展头（长文件名或 PAX 记录）",
                "tar extension header (a long name or PAX record)",
            ));
        }
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
            _ => return Err(BundleError::ForbiddenName { name: show }),
        },
    };
    Ok((parsed, show))
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

/// Walks the entries of the bundle in order, checking names, types, order, duplicates and
/// declared sizes before `visit` reads a byte of them. Returns the file's length.
fn walk(
    src: &Source<'_>,
    mut visit: impl FnMut(Name, &str, u64, &mut dyn Read) -> Result<(), BundleError>,
) -> Result<u64, BundleError> {
    let len = src.len;
    if len == 0 {
        return Err(BundleError::Empty);
    }
    if len > MAX_BUNDLE_BYTES {
        return Err(too_large("评审包", "the bundle", len, MAX_BUNDLE_BYTES, "MAX_BUNDLE_BYTES"));
    }
    check_first_block(src)?;
    let offset = std::rc::Rc::new(std::cell::Cell::new(0u64));
    let mut archive =
        tar::Archive::new(Counted { inner: BufReader::with_capacity(1 << 16, src.at(0)), read: offset.clone() });
    let truncated = |offset: &std::rc::Rc<std::cell::Cell<u64>>| BundleError::Truncated { offset: offset.get() };
    // Raw: every header is handed over as it is, extension headers included, and refused above.
    let entries = archive.entries().map_err(|_| BundleError::NotTar)?.raw(true);
    let mut seen: HashSet<String> = HashSet::new();
    let mut declared = 0u64;
    let mut events_seen = false;
    for (index, entry) in entries.enumerate() {
        let mut entry = entry.map_err(|_| if index == 0 { BundleError::NotTar } else { truncated(&offset) })?;
        let (name, show) = classify(&entry)?;
        let expected_first =
            matches!((index, &name), (0, Name::Manifest) | (1, Name::Signature) | (2.., Name::Events | Name::Blob(_)));
        if !expected_first {
            return Err(BundleError::Order { found: show });
        }
        if !seen.insert(show.clone()) {
            return Err(BundleError::DuplicateEntry { name: show });
        }
        match name {
            Name::Events => events_seen = true,
            // Documents are kept only if an application names them, so they follow the events.
            Name::Blob(_) if !events_seen => return Err(BundleError::BlobBeforeEvents { found: show }),
            _ => {}
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
        // The size the header declares (the reader takes no PAX record that could change it).
        let size = entry.size();
        let (limit, constant) = match name {
            Name::Manifest => (MAX_MANIFEST_BYTES, "MAX_MANIFEST_BYTES"),
            Name::Signature => (MAX_SIGNATURE_BYTES, "MAX_SIGNATURE_BYTES"),
            _ => (MAX_ENTRY_BYTES, "MAX_ENTRY_BYTES"),
        };
        if size > limit {
            return Err(too_large(&format!("条目 {show} "), &format!("entry {show}"), size, limit, constant));
        }
        declared += size;
        if declared > len {
            return Err(truncated(&offset));
        }
        let mut limited = (&mut entry).take(size);
        let visited = visit(name, &show, size, &mut limited);
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
fn check_first_block(src: &Source<'_>) -> Result<(), BundleError> {
    let len = src.len;
    let mut first = vec![0u8; 512.min(len as usize)];
    src.at(0).read_exact(&mut first).map_err(io(src.path))?;
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

/// Reads a whole entry whose size `walk` has already held to a small limit.
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
) -> Result<[u8; 32], BundleError> {
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
    Ok(hashing.into_inner().hasher.finalize().into())
}

/// Event lines gathered for one verification batch: at most `CHUNK` lines and about
/// `CHUNK_BYTES` bytes, so that a batch, and each piece in flight, stays a few MB.
#[derive(Default)]
struct Batch {
    lines: Vec<(usize, String)>,
    bytes: usize,
}

impl Batch {
    /// Adds a line; true when the batch is full.
    fn push(&mut self, line_no: usize, text: String) -> bool {
        self.bytes += text.len();
        self.lines.push((line_no, text));
        self.lines.len() >= CHUNK || self.bytes >= CHUNK_BYTES
    }

    fn take(&mut self) -> Vec<(usize, String)> {
        self.bytes = 0;
        std::mem::take(&mut self.lines)
    }
}

fn parse_line(line_no: usize, text: &str) -> Result<SignedEvent, BundleError> {
    let event_error = |e: EventError| match e {
        EventError::Malformed(detail) => BundleError::EventMalformed { line: line_no, detail: shown(&detail) },
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
    if chunk.is_empty() {
        return Ok(Vec::new());
    }
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

// ---------------------------------------------------------------- what a bundle holds

/// Accumulates what a bundle holds, in memory bounded whatever the bundle holds: counts are
/// whole, the lists of authors and meetings are cut (and `cut` set) past their limits.
struct Tally {
    kinds: BTreeMap<&'static str, usize>,
    seqs: BTreeMap<String, Vec<u64>>,
    meeting_ids: BTreeSet<String>,
    meetings: Vec<MeetingInBundle>,
    /// Bytes of text kept in `meeting_ids` and `meetings`.
    text_bytes: usize,
    cut: bool,
    /// (meeting, code) pairs, as digests: every application is counted once.
    applications: HashSet<[u8; 16]>,
    events: usize,
    /// The documents the manifest lists, and whether an application in the bundle names them.
    documents: HashMap<String, bool>,
    exporter: String,
    /// A revocation of the exporter's own key among the events.
    exporter_revoked: bool,
    /// Every event id, as its first 8 bytes: what a close's pins are looked up in. Sized once
    /// from the manifest's count, so that it never holds two tables while it grows.
    ids: HashSet<u64>,
    /// Closes (会议封存) and the closes re-opened, by event id.
    closes: Vec<(String, Body)>,
    reopened: HashSet<String>,
}

/// A close in a bundle, and whether the bundle holds everything it pins: the checkpoint a third
/// party checks.
#[derive(Clone, Debug, Serialize)]
pub struct CloseInBundle {
    pub meeting: String,
    pub event: String,
    pub heads: usize,
    pub heads_present: usize,
    pub decisions: usize,
    pub decisions_present: usize,
    /// A re-open in the bundle names this close.
    pub reopened: bool,
}

/// The first 16 bytes of a hex event id.
/// An event id by its first 8 bytes: enough to look a close's pins up among half a million
/// events (finding another id with a chosen 64-bit prefix is out of reach), in half the memory.
fn id_prefix(id: &str) -> Option<u64> {
    let mut out = [0u8; 8];
    hex::decode_to_slice(id.get(..16)?, &mut out).ok()?;
    Some(u64::from_be_bytes(out))
}

impl Tally {
    fn new(manifest: &Manifest) -> Tally {
        let documents = manifest
            .entries
            .iter()
            .filter_map(|e| e.name.strip_prefix(BLOB_DIR))
            .map(|h| (h.to_string(), false))
            .collect();
        Tally {
            kinds: BTreeMap::new(),
            seqs: BTreeMap::new(),
            meeting_ids: BTreeSet::new(),
            meetings: Vec::new(),
            text_bytes: 0,
            cut: false,
            applications: HashSet::new(),
            events: 0,
            documents,
            exporter: manifest.exporter.key.clone(),
            exporter_revoked: false,
            ids: HashSet::with_capacity(manifest.event_count.min(super::MAX_EVENTS)),
            closes: Vec::new(),
            reopened: HashSet::new(),
        }
    }

    /// Whether `bytes` more of listed text fit; marks the listing cut if not.
    fn room_for(&mut self, bytes: usize) -> bool {
        if self.text_bytes + bytes > LISTED_TEXT_BYTES {
            self.cut = true;
            return false;
        }
        self.text_bytes += bytes;
        true
    }

    fn add(&mut self, e: &SignedEvent) {
        let env = &e.envelope;
        self.events += 1;
        // Called once per event on the thread that applies them: no allocation when nothing is new.
        *self.kinds.entry(env.body.kind()).or_default() += 1;
        let listed = self.seqs.len();
        match self.seqs.get_mut(&env.author) {
            Some(seqs) => seqs.push(env.seq),
            None if listed < MAX_LISTED_AUTHORS => {
                self.seqs.insert(env.author.clone(), vec![env.seq]);
            }
            None => self.cut = true,
        }
        if let Some(m) = env.body.meeting()
            && !self.meeting_ids.contains(m)
            && self.room_for(m.len() + 32)
        {
            self.meeting_ids.insert(m.to_string());
        }
        match &env.body {
            Body::MeetingOpened(m) => {
                let cost = m.id.len()
                    + m.title.len()
                    + m.secretariat.name.len()
                    + m.panel.iter().map(|p| p.member.name.len() + p.member.key.len() + 64).sum::<usize>()
                    + 256;
                if self.room_for(cost) {
                    self.meetings.push(MeetingInBundle {
                        id: m.id.clone(),
                        title: m.title.clone(),
                        date: m.date.to_string(),
                        secretariat: m.secretariat.clone(),
                        panel: m.panel.iter().map(|p| p.member.clone()).collect(),
                    });
                }
            }
            Body::ApplicationRegistered { meeting, application, .. } => {
                let mut h = Sha256::new();
                h.update(meeting.as_bytes());
                h.update([0]);
                h.update(application.code.as_bytes());
                let digest: [u8; 32] = h.finalize().into();
                let mut key = [0u8; 16];
                key.copy_from_slice(&digest[..16]);
                self.applications.insert(key);
                for d in &application.documents {
                    if let Some(named) = self.documents.get_mut(&d.sha256) {
                        *named = true;
                    }
                }
            }
            Body::KeyRevoked { key, .. } if *key == self.exporter => self.exporter_revoked = true,
            Body::MeetingClosed { .. } if self.closes.len() < MAX_LISTED_AUTHORS => {
                self.closes.push((e.id.clone(), env.body.clone()));
            }
            Body::MeetingReopened { reopens, .. } if self.reopened.len() < MAX_LISTED_AUTHORS => {
                self.reopened.insert(reopens.clone());
            }
            _ => {}
        }
        if let Some(p) = id_prefix(&e.id) {
            self.ids.insert(p);
        }
    }

    fn closes(&self) -> Vec<CloseInBundle> {
        let here = |id: &str| id_prefix(id).is_some_and(|p| self.ids.contains(&p));
        self.closes
            .iter()
            .filter_map(|(event, body)| match body {
                Body::MeetingClosed { meeting, heads, decisions, .. } => Some(CloseInBundle {
                    meeting: meeting.clone(),
                    event: event.clone(),
                    heads: heads.len(),
                    heads_present: heads.iter().filter(|h| here(&h.event)).count(),
                    decisions: decisions.len(),
                    decisions_present: decisions.iter().filter(|d| here(&d.decision)).count(),
                    reopened: self.reopened.contains(event),
                }),
                _ => None,
            })
            .collect()
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
    let file = File::open(path).map_err(io(path))?;
    inspect_file(&file, path)
}

/// [`inspect`] on a bundle already open; `path` is only named in messages.
pub fn inspect_file(file: &File, path: &Path) -> Result<BundleSummary, BundleError> {
    let src = Source::new(file, path)?;
    let checked = check_integrity(&src)?;
    let tally = verify_events(&src, &checked)?;
    if checked.manifest.event_count != tally.events {
        return Err(BundleError::CountMismatch { declared: checked.manifest.event_count, found: tally.events });
    }
    if tally.exporter_revoked {
        let m = &checked.manifest.exporter;
        return Err(BundleError::ExporterRevokedInBundle { fingerprint: fingerprint_of(m), name: shown(&m.name) });
    }
    Ok(summarize(checked, tally, 0))
}

fn summarize(checked: Integrity, tally: Tally, documents_skipped: usize) -> BundleSummary {
    let m = checked.manifest;
    let mut names: BTreeMap<String, (String, crate::ledger::Suite)> = BTreeMap::new();
    names.insert(m.exporter.key.clone(), (m.exporter.name.clone(), m.exporter.suite));
    for meeting in &tally.meetings {
        for p in meeting.panel.iter().chain(std::iter::once(&meeting.secretariat)) {
            names.insert(p.key.clone(), (p.name.clone(), p.suite));
        }
    }
    BundleSummary {
        bundle_id: m.bundle_id.clone(),
        format: m.format,
        exporter_fingerprint: fingerprint_of(&m.exporter),
        created: m.created,
        bytes: checked.bytes,
        events: tally.events,
        events_bytes: checked.events_bytes,
        kinds: tally.kinds.iter().map(|(k, n)| (k.to_string(), *n)).collect(),
        authors: tally.authors(&names),
        meeting_ids: tally.meeting_ids.iter().cloned().collect(),
        applications: tally.applications.len(),
        listing_cut: tally.cut,
        unnamed_documents: tally.documents.values().filter(|named| !**named).count(),
        closes: tally.closes(),
        meetings: tally.meetings,
        blobs: checked.blobs,
        blob_bytes: checked.blob_bytes,
        documents_skipped,
        exporter: m.exporter,
    }
}

/// What the first pass proved: a signed manifest whose every entry is present and intact.
struct Integrity {
    manifest: Manifest,
    /// Where each listed entry is in `manifest.entries`.
    index: HashMap<String, usize>,
    /// The hashes of the manifest and signature bytes that were verified.
    manifest_sha: [u8; 32],
    signature_sha: [u8; 32],
    bytes: u64,
    events_bytes: u64,
    blobs: usize,
    blob_bytes: u64,
}

impl Integrity {
    fn listed(&self, name: &str) -> Result<&super::EntryDigest, BundleError> {
        listed(&self.manifest, &self.index, name)
    }
}

fn listed<'m>(
    m: &'m Manifest,
    index: &HashMap<String, usize>,
    name: &str,
) -> Result<&'m super::EntryDigest, BundleError> {
    index.get(name).and_then(|i| m.entries.get(*i)).ok_or_else(|| BundleError::Unlisted { name: shown(name) })
}

fn sha256(bytes: &[u8]) -> [u8; 32] {
    Sha256::digest(bytes).into()
}

/// Pass one: the manifest signature, then the hash and size of every entry, and the number of
/// lines, before a single event is parsed.
fn check_integrity(src: &Source<'_>) -> Result<Integrity, BundleError> {
    if super::encrypted::header_in(src.file, src.path)?.is_some() {
        return Err(BundleError::Encrypted);
    }
    let path = src.path;
    let mut manifest: Option<(Manifest, HashMap<String, usize>, Vec<u8>)> = None;
    let mut signature: Option<[u8; 32]> = None;
    let mut seen: BTreeSet<String> = BTreeSet::new();
    let (mut events_bytes, mut blobs, mut blob_bytes) = (0u64, 0usize, 0u64);
    let bytes = walk(src, |name, show, size, r| {
        if !matches!(name, Name::Manifest) && manifest.is_none() {
            return Err(BundleError::Missing { name: MANIFEST.into() });
        }
        match name {
            Name::Manifest => {
                let raw = read_all(r, path)?;
                let (m, index) = read_manifest(&raw)?;
                manifest = Some((m, index, raw));
            }
            Name::Signature => {
                let (m, _, raw) = manifest.as_ref().ok_or_else(|| BundleError::Missing { name: MANIFEST.into() })?;
                let sig = read_all(r, path)?;
                let key = hex::decode(&m.exporter.key).unwrap_or_default();
                m.exporter.suite.verify(&key, &manifest_message(raw), &sig).map_err(|_| {
                    BundleError::ManifestSignature {
                        fingerprint: fingerprint_of(&m.exporter),
                        name: shown(&m.exporter.name),
                    }
                })?;
                signature = Some(sha256(&sig));
            }
            Name::Events | Name::Blob(_) => {
                let (m, index, _) = manifest.as_ref().ok_or_else(|| BundleError::Missing { name: MANIFEST.into() })?;
                if signature.is_none() {
                    return Err(BundleError::Missing { name: MANIFEST_SIG.into() });
                }
                let listed = listed(m, index, show)?;
                let (sha, lines) = hash_and_count_lines(r, path)?;
                if let Name::Blob(hash) = &name {
                    if sha != *hash || listed.sha256 != *hash || listed.size != size {
                        return Err(BundleError::HashMismatch { name: show.into() });
                    }
                    blobs += 1;
                    blob_bytes += size;
                } else {
                    if sha != listed.sha256 || size != listed.size {
                        return Err(BundleError::HashMismatch { name: show.into() });
                    }
                    if lines > MAX_EVENTS {
                        return Err(BundleError::TooManyEvents { limit: MAX_EVENTS });
                    }
                    events_bytes = size;
                }
            }
        }
        seen.insert(show.to_string());
        Ok(())
    })?;
    let (manifest, index, raw) = manifest.ok_or_else(|| BundleError::Missing { name: MANIFEST.into() })?;
    // Pass two compares the manifest bytes it reads with these, by hash.
    let manifest_sha = sha256(&raw);
    let signature_sha = signature.ok_or_else(|| BundleError::Missing { name: MANIFEST_SIG.into() })?;
    if let Some(e) = manifest.entries.iter().find(|e| !seen.contains(&e.name)) {
        return Err(BundleError::Missing { name: shown(&e.name) });
    }
    Ok(Integrity { manifest, index, manifest_sha, signature_sha, bytes, events_bytes, blobs, blob_bytes })
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

/// Checks that an entry read in pass two is byte for byte the one pass one verified.
fn same_as_verified(bytes: &[u8], verified: &[u8; 32]) -> Result<(), BundleError> {
    if sha256(bytes) == *verified { Ok(()) } else { Err(BundleError::ChangedWhileReading) }
}

/// Pass two of `verify`: every event line parsed and its signature checked (in batches, on two
/// threads), from bytes checked again against what pass one verified.
fn verify_events(src: &Source<'_>, checked: &Integrity) -> Result<Tally, BundleError> {
    let mut tally = Tally::new(&checked.manifest);
    walk(src, |name, show, size, r| match name {
        Name::Blob(_) => Ok(()),
        name => again(src, checked, &name, show, size, r, &mut |events| {
            events.iter().for_each(|e| tally.add(e));
            Ok(())
        }),
    })?;
    Ok(tally)
}

/// Pass two's reading of every entry but a document, for `verify` and `import` alike: the
/// manifest and its signature must be the bytes pass one verified; the event log is parsed and
/// verified in bounded batches, each handed to `deliver`, and must hash and measure as listed.
fn again(
    src: &Source<'_>,
    checked: &Integrity,
    name: &Name,
    show: &str,
    size: u64,
    r: &mut dyn Read,
    deliver: &mut dyn FnMut(Vec<SignedEvent>) -> Result<(), BundleError>,
) -> Result<(), BundleError> {
    match name {
        Name::Manifest => same_as_verified(&read_all(r, src.path)?, &checked.manifest_sha),
        Name::Signature => same_as_verified(&read_all(r, src.path)?, &checked.signature_sha),
        Name::Events => {
            let mut batch = Batch::default();
            let sha = each_line(r, src.path, |n, text| {
                if batch.push(n, text) {
                    deliver(verify_chunk(&batch.take())?)?;
                }
                Ok(())
            })?;
            deliver(verify_chunk(&batch.take())?)?;
            let listed = checked.listed(show).map_err(|_| BundleError::ChangedWhileReading)?;
            if hex::encode(sha) != listed.sha256 || size != listed.size {
                return Err(BundleError::ChangedWhileReading);
            }
            Ok(())
        }
        Name::Blob(_) => Ok(()),
    }
}

/// Parses a manifest, its lists bounded while they are read, and indexes its entries.
fn read_manifest(raw: &[u8]) -> Result<(Manifest, HashMap<String, usize>), BundleError> {
    let malformed = |detail: String| BundleError::ManifestMalformed { detail: shown(&detail) };
    /// Only the version, skipping everything else without holding it.
    #[derive(serde::Deserialize)]
    struct Probe {
        format: Option<u64>,
    }
    if let Ok(Probe { format: Some(found) }) = serde_json::from_slice::<Probe>(raw)
        && found > FORMAT_VERSION as u64
    {
        return Err(BundleError::NewerFormat { found, known: FORMAT_VERSION });
    }
    let m: Manifest = serde_json::from_slice(raw).map_err(|e| malformed(e.to_string()))?;
    if !crate::ledger::event::is_canonical_key(&m.exporter.key) {
        return Err(malformed("the exporter key is not lower-case hex".into()));
    }
    // The signed count is checked before any line is read.
    if m.event_count > MAX_EVENTS {
        return Err(BundleError::TooManyEvents { limit: MAX_EVENTS });
    }
    let mut index = HashMap::with_capacity(m.entries.len());
    for (i, e) in m.entries.iter().enumerate() {
        if index.insert(e.name.clone(), i).is_some() {
            return Err(malformed(format!("entry {} is listed twice", e.name)));
        }
    }
    Ok((m, index))
}

// ---------------------------------------------------------------- import

/// A piece of a bundle, parsed and verified, on its way to the store. Each is a few MB at most:
/// a batch of events, or a piece of a document.
enum Piece {
    Events(Vec<SignedEvent>),
    BlobStart {
        hash: String,
        size: u64,
    },
    BlobData(Vec<u8>),
    /// The document's bytes hashed to its name.
    BlobEnd,
    /// Every entry was read and is what pass one verified.
    End,
}

/// Pass two's reading side: reads the bundle again from the same open file and sends its
/// events (in verified batches) and documents (in pieces) down `out`, checking that every
/// entry is what pass one verified.
fn stream(
    src: &Source<'_>,
    checked: &Integrity,
    out: &SyncSender<Result<Piece, BundleError>>,
) -> Result<(), BundleError> {
    // The receiver stops listening when it has failed; there is nothing more to do then.
    let hung_up = |_| BundleError::ChangedWhileReading;
    let mut blobs = 0usize;
    walk(src, |name, show, size, r| match name {
        Name::Blob(hash) => {
            let listed = checked.listed(show).map_err(|_| BundleError::ChangedWhileReading)?;
            if listed.size != size {
                return Err(BundleError::ChangedWhileReading);
            }
            out.send(Ok(Piece::BlobStart { hash: hash.clone(), size })).map_err(hung_up)?;
            let mut hasher = Sha256::new();
            loop {
                let mut piece = Vec::with_capacity(BLOB_PIECE);
                let n = r.take(BLOB_PIECE as u64).read_to_end(&mut piece).map_err(io(src.path))?;
                if n == 0 {
                    break;
                }
                hasher.update(&piece);
                out.send(Ok(Piece::BlobData(piece))).map_err(hung_up)?;
            }
            if hex::encode(hasher.finalize()) != hash {
                return Err(BundleError::ChangedWhileReading);
            }
            blobs += 1;
            out.send(Ok(Piece::BlobEnd)).map_err(hung_up)
        }
        name => again(src, checked, &name, show, size, r, &mut |events| {
            out.send(Ok(Piece::Events(events))).map_err(hung_up)
        }),
    })?;
    if blobs != checked.blobs {
        return Err(BundleError::ChangedWhileReading);
    }
    out.send(Ok(Piece::End)).map_err(hung_up)
}

/// Quotes a word for a POSIX shell if it needs it, so that a command shown to be copied runs
/// as shown whatever a name holds.
fn shell_word(word: &str) -> String {
    let plain = !word.is_empty()
        && word
            .chars()
            .all(|c| !c.is_ascii() && !c.is_whitespace() || c.is_ascii_alphanumeric() || "-_.,:@+=/".contains(c));
    if plain { word.to_string() } else { format!("'{}'", word.replace('\'', r"'\''")) }
}

fn untrusted(m: &MeetingOpened) -> BundleError {
    BundleError::UntrustedSecretariat {
        meeting: shown(&m.id),
        fingerprint: fingerprint_of(&m.secretariat),
        name: shown(&shell_word(&m.secretariat.name)),
        suite: m.secretariat.suite.id().to_string(),
        key: shown(&m.secretariat.key),
    }
}

/// Verifies the bundle at `path` and applies it in one transaction (see [`import_file`]).
pub fn import(
    store: &mut Store,
    path: &Path,
    now: DateTime<Utc>,
    dry_run: bool,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<(BundleSummary, ImportReport), BundleError> {
    let file = File::open(path).map_err(io(path))?;
    import_file(store, &file, path, now, dry_run, progress)
}

/// Verifies an open bundle file and applies it in one transaction; `path` is only named in
/// messages. Pass one checks the manifest signature and every hash before the transaction
/// opens. Pass two reads the same file again, checking every entry against pass one, and
/// parses and verifies the events in batches on a second thread while this one applies them
/// and streams the documents an application names into the store. Any bad signature, a
/// meeting from an untrusted secretariat, an unknown or revoked exporter, or an entry that
/// changed rolls everything back. `progress` hears (events done, events in all).
pub fn import_file(
    store: &mut Store,
    file: &File,
    path: &Path,
    now: DateTime<Utc>,
    dry_run: bool,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<(BundleSummary, ImportReport), BundleError> {
    let src = Source::new(file, path)?;
    let checked = check_integrity(&src)?;
    crate::fault::reached(crate::fault::IMPORT_BETWEEN_PASSES);
    let total = checked.manifest.event_count;
    let exporter = checked.manifest.exporter.clone();
    let mut tally = Tally::new(&checked.manifest);
    let mut skipped = 0usize;
    let report = store.import_with(now, dry_run, |imp| {
        // Refused before anything is read, if this machine already knows the key is revoked.
        refuse_revoked(imp, &exporter)?;
        std::thread::scope(|scope| {
            let (tx, rx) = sync_channel::<Result<Piece, BundleError>>(IN_FLIGHT);
            let (src, checked) = (&src, &checked);
            scope.spawn(move || {
                if let Err(e) = stream(src, checked, &tx) {
                    let _ = tx.send(Err(e));
                }
            });
            let mut applying = Applying { wanted: None, sink: None, ended: false };
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
                    other => applying.document(imp, other, &mut skipped)?,
                }
            }
            if !applying.ended {
                return Err(BundleError::ChangedWhileReading);
            }
            Ok::<(), BundleError>(())
        })?;
        if tally.events != total {
            return Err(BundleError::CountMismatch { declared: total, found: tally.events });
        }
        // Revoked here by an event this bundle brought.
        refuse_revoked(imp, &exporter)?;
        // Known before, or made known by a meeting this bundle opened.
        if !(imp.is_trusted(&exporter.key)? || imp.is_known_member(&exporter.key)?) {
            return Err(BundleError::UnknownExporter {
                fingerprint: fingerprint_of(&exporter),
                name: shown(&exporter.name),
            });
        }
        Ok(())
    })?;
    Ok((summarize(checked, tally, skipped), report))
}

fn refuse_revoked(imp: &Importer<'_>, exporter: &Member) -> Result<(), BundleError> {
    match imp.revocation_cutoff(&exporter.key)? {
        Some(_) => {
            Err(BundleError::ExporterRevoked { fingerprint: fingerprint_of(exporter), name: shown(&exporter.name) })
        }
        None => Ok(()),
    }
}

/// The documents side of pass two, on the applying thread.
struct Applying<'t> {
    /// Known once the events are in; documents always follow them.
    wanted: Option<WantedDocuments<'t>>,
    /// The document being written, if it is kept.
    sink: Option<BlobSink<'t>>,
    ended: bool,
}

impl<'t> Applying<'t> {
    fn document(&mut self, imp: &mut Importer<'t>, piece: Piece, skipped: &mut usize) -> Result<(), BundleError> {
        match piece {
            Piece::BlobStart { hash, size } => {
                let wanted = match &self.wanted {
                    Some(w) => w,
                    None => self.wanted.insert(imp.wanted_documents()?),
                };
                match imp.begin_blob(wanted, &hash, size)? {
                    BlobStart::Write(sink) => self.sink = Some(sink),
                    BlobStart::Present => {}
                    BlobStart::Unnamed => *skipped += 1,
                }
            }
            Piece::BlobData(bytes) => {
                if let Some(sink) = &mut self.sink
                    && !sink.write(&bytes)?
                {
                    return Err(BundleError::ChangedWhileReading);
                }
            }
            Piece::BlobEnd => {
                if let Some(sink) = self.sink.take()
                    && !imp.finish_blob(sink)?
                {
                    return Err(BundleError::ChangedWhileReading);
                }
            }
            Piece::End => self.ended = true,
            Piece::Events(_) => {}
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_batch_is_full_by_lines_or_by_bytes_whichever_comes_first() {
        let mut b = Batch::default();
        let mut full_at = None;
        for i in 1..=CHUNK {
            if b.push(i, "x".into()) {
                full_at = Some(i);
                break;
            }
        }
        assert_eq!(full_at, Some(CHUNK));
        assert!(b.take().len() == CHUNK && b.bytes == 0);
        // Lines of a MiB: the batch is full after four of them, not 4,096.
        let line = "x".repeat(MAX_LINE_BYTES);
        let n = (1..).find(|i| b.push(*i, line.clone())).unwrap();
        assert_eq!(n, CHUNK_BYTES.div_ceil(MAX_LINE_BYTES));
    }

    #[test]
    fn names_for_the_shell_are_quoted_only_when_they_need_it() {
        assert_eq!(shell_word("鼓楼区数据局信息化办"), "鼓楼区数据局信息化办");
        assert_eq!(shell_word("Office-2"), "Office-2");
        assert_eq!(shell_word("a b"), "'a b'");
        assert_eq!(shell_word("x$(rm -rf ~)"), "'x$(rm -rf ~)'");
        assert_eq!(shell_word("it's"), r"'it'\''s'");
        assert_eq!(shell_word(""), "''");
    }

    #[test]
    fn shown_text_is_cut_and_escaped() {
        assert_eq!(shown("信息化办"), "信息化办");
        assert_eq!(shown("\u{1b}[2J"), "\\u{1b}[2J");
        let long = "\u{1b}".repeat(10_000);
        let s = shown(&long);
        assert!(s.ends_with('…') && s.len() < 2000, "{}", s.len());
    }
}
