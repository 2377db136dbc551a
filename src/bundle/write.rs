//! Writing a bundle: events and documents from the store into a tar, written to a temporary
//! file beside the target, fsynced, renamed, and the folder fsynced, because sticks get pulled.

use super::{
    AuthorRange, BLOB_DIR, BundleError, EVENTS, EntryDigest, FORMAT_VERSION, MANIFEST, MANIFEST_SIG, Manifest, io,
    manifest_message,
};
use crate::ledger::{Identity, Member};
use crate::store::{EventFilter, Store};
use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufWriter, Read, Write};
use std::path::{Path, PathBuf};

/// What to export.
#[derive(Clone, Debug, Default)]
pub struct ExportFilter {
    pub events: EventFilter,
    /// Leave the attached documents out.
    pub no_blobs: bool,
}

/// What an export wrote.
#[derive(Clone, Debug, serde::Serialize)]
pub struct ExportReport {
    pub path: PathBuf,
    pub bundle_id: String,
    pub events: usize,
    pub authors: usize,
    pub meetings: Vec<String>,
    pub blobs: usize,
    pub bytes: u64,
}

/// A file beside the target that is removed unless it is renamed into place.
pub(super) struct TempFile {
    pub(super) path: PathBuf,
    pub(super) keep: bool,
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if !self.keep {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

pub(super) fn temp_beside(target: &Path, tag: &str) -> Result<(TempFile, File), BundleError> {
    let path = crate::media::temp_path_beside(target, tag);
    let file = crate::media::create_private(&path).map_err(io(&path))?;
    Ok((TempFile { path, keep: false }, file))
}

/// Writes the events and documents selected by `filter`, signed by `exporter`, to `target`.
///
/// The manifest comes first in the tar and holds the hash of the event log, so the log is read
/// twice from one read snapshot of the store: once to hash and count it, once to write it. (It
/// used to be written to a scratch file and copied in: twice the bytes through the file system,
/// which was a third of the export's time.)
pub fn export(
    store: &Store,
    exporter: &Identity,
    filter: &ExportFilter,
    target: &Path,
    now: DateTime<Utc>,
) -> Result<ExportReport, BundleError> {
    if target.is_dir() {
        return Err(BundleError::Io {
            path: target.display().to_string(),
            source: std::io::Error::other("这是一个目录 / this is a folder: give a file name"),
        });
    }
    store.read_snapshot(|store| export_from(store, exporter, filter, target, now))
}

fn export_from(
    store: &Store,
    exporter: &Identity,
    filter: &ExportFilter,
    target: &Path,
    now: DateTime<Utc>,
) -> Result<ExportReport, BundleError> {
    // 1. The event log, hashed and counted, not yet written.
    let mut hasher = Sha256::new();
    let mut line = Line::default();
    let mut size = 0u64;
    let mut count = 0usize;
    let mut authors: BTreeMap<String, AuthorRange> = BTreeMap::new();
    let mut meetings: Vec<String> = Vec::new();
    let order = store.export_order(&filter.events)?;
    store.for_each_event_in(&order, |ev| {
        for part in line.parts(&ev) {
            hasher.update(part);
            size += part.len() as u64;
        }
        count += 1;
        let range = authors.entry(ev.author.clone()).or_insert_with(|| AuthorRange {
            key: ev.author.clone(),
            first_seq: ev.seq,
            last_seq: ev.seq,
            count: 0,
            head: ev.id.clone(),
        });
        range.count += 1;
        range.first_seq = range.first_seq.min(ev.seq);
        if ev.seq >= range.last_seq {
            range.last_seq = ev.seq;
            range.head = ev.id.clone();
        }
        if let Some(m) = ev.meeting
            && !meetings.contains(&m)
        {
            meetings.push(m);
        }
        Ok::<(), BundleError>(())
    })?;
    if count > super::MAX_EVENTS {
        return Err(BundleError::TooManyEvents { limit: super::MAX_EVENTS });
    }

    // 2. The documents, by hash, straight from the store.
    let blob_hashes = if filter.no_blobs { vec![] } else { store.document_hashes(filter.events.meeting.as_deref())? };
    let mut entries = vec![EntryDigest { name: EVENTS.into(), sha256: hex::encode(hasher.finalize()), size }];
    for (h, size) in &blob_hashes {
        entries.push(EntryDigest { name: format!("{BLOB_DIR}{h}"), sha256: h.clone(), size: *size });
    }

    // 3. The manifest, signed.
    let mut id = [0u8; 16];
    let _ = getrandom::fill(&mut id);
    let manifest = Manifest {
        format: FORMAT_VERSION,
        bundle_id: hex::encode(id),
        exporter: Member { name: exporter.name.clone(), key: exporter.key_hex(), suite: exporter.secret.suite() },
        created: now,
        event_count: count,
        meetings: meetings.clone(),
        authors: authors.into_values().collect(),
        entries,
    };
    let manifest_bytes =
        serde_json::to_vec_pretty(&manifest).map_err(|e| BundleError::ManifestMalformed { detail: e.to_string() })?;
    // Nothing is signed here that a peer's reader would refuse.
    if manifest_bytes.len() as u64 > super::MAX_MANIFEST_BYTES || blob_hashes.len() > super::MAX_BLOBS {
        return Err(BundleError::TooLarge {
            what: "清单（文档过多，请按会议分批导出）".into(),
            what_en: "the manifest (too many documents: export one meeting at a time)".into(),
            size: manifest_bytes.len() as u64,
            limit: super::MAX_MANIFEST_BYTES,
            constant: "MAX_MANIFEST_BYTES",
        });
    }
    check_sizes(size, &blob_hashes, manifest_bytes.len() as u64)?;
    let signature = exporter.secret.sign(&manifest_message(&manifest_bytes));

    // 4. The tar, beside the target; then fsync, rename, fsync the folder.
    let (tar_tmp, tar_file) = temp_beside(target, "partial")?;
    let mut tar = Tar { out: BufWriter::with_capacity(1 << 20, tar_file), path: &tar_tmp.path, mtime: now };
    tar.append(MANIFEST, manifest_bytes.len() as u64, &mut manifest_bytes.as_slice())?;
    tar.append(MANIFEST_SIG, signature.len() as u64, &mut signature.as_slice())?;
    // The log again, from the same snapshot: it must come out as long as it was hashed.
    tar.header(EVENTS, size)?;
    let mut written = 0u64;
    store.for_each_event_in(&order, |ev| {
        for part in line.parts(&ev) {
            tar.out.write_all(part).map_err(io(tar.path))?;
            written += part.len() as u64;
        }
        Ok::<(), BundleError>(())
    })?;
    if written != size {
        return Err(crate::store::StoreError::Corrupt("the event log changed while it was exported".into()).into());
    }
    tar.pad(size)?;
    for (h, size) in &blob_hashes {
        // Streamed from the store, hashed on the way: the manifest already vouches for these
        // bytes, so a stored document that does not match its name fails the export.
        let damaged = || crate::store::StoreError::Corrupt(format!("document {h} does not match its hash"));
        let (stored, blob) = store.blob_reader(h)?.ok_or_else(damaged)?;
        if stored != *size {
            return Err(damaged().into());
        }
        let mut hashing = HashingReader { inner: blob, hasher: Sha256::new() };
        tar.append(&format!("{BLOB_DIR}{h}"), stored, &mut hashing)?;
        if hex::encode(hashing.hasher.finalize()) != *h {
            return Err(damaged().into());
        }
    }
    // The end of the archive: two empty blocks.
    tar.out.write_all(&[0u8; 1024]).map_err(io(tar.path))?;
    let out = tar.out;
    let bytes = put_in_place(tar_tmp, out, target)?;
    Ok(ExportReport {
        path: target.to_path_buf(),
        bundle_id: manifest.bundle_id,
        events: count,
        authors: manifest.authors.len(),
        meetings,
        blobs: blob_hashes.len(),
        bytes,
    })
}

/// The bytes a tar entry of `size` takes: its header and its data padded to a whole block.
fn tar_bytes(size: u64) -> u64 {
    512 + size.div_ceil(512) * 512
}

/// Refuses, before anything is signed, a bundle that every reader would refuse for its size: an
/// event log over `MAX_ENTRY_BYTES`, or a whole file over `MAX_BUNDLE_BYTES`. The signature is
/// at most 64 bytes: one block, as the manifest's smallest.
fn check_sizes(events: u64, blobs: &[(String, u64)], manifest: u64) -> Result<(), BundleError> {
    if events > super::MAX_ENTRY_BYTES {
        return Err(BundleError::TooLarge {
            what: "事件日志（请按会议或作者分批导出）".into(),
            what_en: "the event log (export one meeting or one author at a time)".into(),
            size: events,
            limit: super::MAX_ENTRY_BYTES,
            constant: "MAX_ENTRY_BYTES",
        });
    }
    let total = tar_bytes(manifest)
        + tar_bytes(64)
        + tar_bytes(events)
        + blobs.iter().map(|(_, size)| tar_bytes(*size)).sum::<u64>()
        + 1024;
    if total > super::MAX_BUNDLE_BYTES {
        return Err(BundleError::TooLarge {
            what: "评审包（请按会议分批导出，或加 --no-blobs 不带附件）".into(),
            what_en: "the bundle (export one meeting at a time, or leave the documents out with --no-blobs)".into(),
            size: total,
            limit: super::MAX_BUNDLE_BYTES,
            constant: "MAX_BUNDLE_BYTES",
        });
    }
    Ok(())
}

/// One line of `events.jsonl`, `{"sig":"<hex>","event":<bytes>}` and a newline, given as its
/// pieces so that nothing is copied: the signed bytes go out verbatim.
#[derive(Default)]
struct Line {
    sig_hex: Vec<u8>,
}

impl Line {
    fn parts<'a>(&'a mut self, ev: &'a crate::store::StoredEvent) -> [&'a [u8]; 5] {
        self.sig_hex.resize(ev.signature.len() * 2, 0);
        // The buffer is exactly twice the signature's length, which is all encode_to_slice asks.
        let _ = hex::encode_to_slice(&ev.signature, &mut self.sig_hex);
        [b"{\"sig\":\"", &self.sig_hex, b"\",\"event\":", &ev.bytes, b"}\n"]
    }
}

/// The tar being written: ustar headers as the tar crate makes them, each entry's data, and the
/// padding to a 512-byte block. Written by hand so that the event log can be streamed into it
/// from the store rather than read back from a file.
struct Tar<'a> {
    out: BufWriter<File>,
    path: &'a Path,
    mtime: DateTime<Utc>,
}

impl Tar<'_> {
    fn header(&mut self, name: &str, size: u64) -> Result<(), BundleError> {
        let mut header = tar::Header::new_ustar();
        header.set_path(name).map_err(io(self.path))?;
        header.set_size(size);
        header.set_mode(0o644);
        header.set_entry_type(tar::EntryType::Regular);
        header.set_mtime(self.mtime.timestamp().max(0) as u64);
        header.set_cksum();
        self.out.write_all(header.as_bytes()).map_err(io(self.path))
    }

    fn pad(&mut self, size: u64) -> Result<(), BundleError> {
        let rest = (512 - size % 512) % 512;
        self.out.write_all(&[0u8; 512][..rest as usize]).map_err(io(self.path))?;
        crate::fault::reached(crate::fault::EXPORT_WRITING);
        Ok(())
    }

    fn append(&mut self, name: &str, size: u64, data: &mut dyn std::io::Read) -> Result<(), BundleError> {
        self.header(name, size)?;
        let copied = std::io::copy(&mut data.take(size), &mut self.out).map_err(io(self.path))?;
        if copied != size {
            return Err(BundleError::Io {
                path: self.path.display().to_string(),
                source: std::io::Error::new(std::io::ErrorKind::UnexpectedEof, "an entry ended early"),
            });
        }
        self.pad(size)
    }
}

/// Hashes what is read through it.
struct HashingReader<R> {
    inner: R,
    hasher: Sha256,
}

impl<R: std::io::Read> std::io::Read for HashingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n]);
        Ok(n)
    }
}

/// Flushes and fsyncs a finished temporary file, renames it to `target` and makes the rename
/// durable; returns its size. Until then the target is untouched, so a pulled stick or a killed
/// process leaves no half-written bundle there.
pub(super) fn put_in_place(tmp: TempFile, writer: BufWriter<File>, target: &Path) -> Result<u64, BundleError> {
    let file = writer
        .into_inner()
        .map_err(|e| BundleError::Io { path: tmp.path.display().to_string(), source: e.into_error() })?;
    file.sync_all().map_err(io(&tmp.path))?;
    let bytes = file.metadata().map_err(io(&tmp.path))?.len();
    drop(file);
    crate::fault::reached(crate::fault::EXPORT_BEFORE_RENAME);
    std::fs::rename(&tmp.path, target).map_err(io(target))?;
    let mut tmp = tmp;
    tmp.keep = true;
    sync_dir(target);
    Ok(bytes)
}

/// Makes the rename durable. Some file systems (FAT sticks) refuse to open a folder; the data is
/// already fsynced, so that is not an error.
fn sync_dir(target: &Path) {
    let dir = target.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bundle::MAX_ENTRY_BYTES;

    #[test]
    fn nothing_is_signed_that_a_reader_would_refuse_for_its_size() {
        assert!(check_sizes(MAX_ENTRY_BYTES, &[], 4096).is_ok());
        let e = check_sizes(MAX_ENTRY_BYTES + 1, &[], 4096).unwrap_err().to_string();
        assert!(e.contains("MAX_ENTRY_BYTES") && e.contains("分批导出"), "{e}");
        // Documents that bring the file past the limit, each one within its own.
        let blobs: Vec<(String, u64)> = (0..4).map(|i| (format!("{i}"), 500 << 20)).collect();
        let e = check_sizes(100 << 20, &blobs, 4096).unwrap_err().to_string();
        assert!(e.contains("MAX_BUNDLE_BYTES") && e.contains("--no-blobs"), "{e}");
        assert!(check_sizes(100 << 20, &blobs[..3], 4096).is_ok());
        // The sum is what a tar takes: headers and padding counted.
        assert_eq!(tar_bytes(0), 512);
        assert_eq!(tar_bytes(1), 1024);
        assert_eq!(tar_bytes(512), 1024);
    }
}
