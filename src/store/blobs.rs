//! Attached documents (附件): stored under the SHA-256 of their bytes, and streamed in and out
//! through SQLite's incremental blob I/O, so that no document is ever held whole in memory
//! while a bundle is imported or exported.
//!
//! An import keeps only the documents an application names: one registered in this store
//! (applied, or held in quarantine), this import's own events included. A bundle cannot make a
//! store keep bytes nobody asked for.

use super::exchange::Importer;
use super::{Result, Store, StoreError};
use rusqlite::{MAIN_DB, OptionalExtension, params};
use sha2::{Digest, Sha256};
use std::io::Write;

/// The documents named by every application event in the store that is applied or held (the
/// import's own included), collected once, after the events and before the documents.
///
/// The path follows `Body::ApplicationRegistered` as serde writes it; the unit test below
/// breaks if that layout changes.
const WANTED: &str = "\
    INSERT OR IGNORE INTO temp.import_wanted_documents (sha256) \
    SELECT json_extract(d.value, '$.sha256') \
    FROM events e, json_each(CAST(e.bytes AS TEXT), '$.body.application_registered.application.documents') d \
    WHERE e.kind = 'application_registered' AND e.status IN ('applied', 'quarantined') \
      AND json_valid(CAST(e.bytes AS TEXT)) AND json_type(d.value, '$.sha256') = 'text'";

/// Stores a document's bytes, already in memory and checked by the caller, under their SHA-256.
/// Returns false when it was already present.
pub(super) fn put_blob(tx: &rusqlite::Transaction<'_>, sha256: &str, content: &[u8]) -> Result<bool> {
    let n = tx.execute(
        "INSERT INTO blobs (sha256, size, content) VALUES (?1, ?2, ?3) ON CONFLICT (sha256) DO NOTHING",
        params![sha256, content.len() as i64, content],
    )?;
    Ok(n == 1)
}

impl Store {
    /// Stores a document's bytes under their SHA-256. Returns false when already present.
    pub fn put_blob(&mut self, sha256: &str, content: &[u8]) -> Result<bool> {
        self.write(|tx| put_blob(tx, sha256, content))
    }

    /// A whole document, for the screens that show one.
    pub fn blob(&self, sha256: &str) -> Result<Option<Vec<u8>>> {
        Ok(self.conn.query_row("SELECT content FROM blobs WHERE sha256 = ?1", [sha256], |r| r.get(0)).optional()?)
    }

    /// A document as a stream of its bytes, with its size: for exports, which never hold a
    /// document whole.
    pub fn blob_reader(&self, sha256: &str) -> Result<Option<(u64, rusqlite::blob::Blob<'_>)>> {
        let row: Option<(i64, i64)> = self
            .conn
            .query_row("SELECT rowid, length(content) FROM blobs WHERE sha256 = ?1", [sha256], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .optional()?;
        let Some((rowid, size)) = row else { return Ok(None) };
        let blob = self.conn.blob_open(MAIN_DB, c"blobs", c"content", rowid, true)?;
        Ok(Some((size.max(0) as u64, blob)))
    }
}

/// The documents an import may keep; see [`Importer::wanted_documents`].
pub struct WantedDocuments<'t> {
    tx: &'t rusqlite::Transaction<'t>,
}

impl WantedDocuments<'_> {
    /// Whether an application in the store names the document `sha256`.
    pub fn contains(&self, sha256: &str) -> Result<bool> {
        Ok(self.tx.prepare_cached("SELECT 1 FROM temp.import_wanted_documents WHERE sha256 = ?1")?.exists([sha256])?)
    }
}

impl Drop for WantedDocuments<'_> {
    fn drop(&mut self) {
        // Only scratch space: a failure leaves an emptied table that the next import refills.
        let _ = self.tx.execute_batch("DROP TABLE IF EXISTS temp.import_wanted_documents");
    }
}

/// What an import should do with a document it is about to read.
pub enum BlobStart<'t> {
    /// The store holds it already.
    Present,
    /// No application here names it: it is not kept.
    Unnamed,
    /// Write it through this sink.
    Write(BlobSink<'t>),
}

/// A document being written into the store in pieces, hashed as it goes. The row exists (as
/// zeros) from the start; [`Importer::finish_blob`] keeps it only if the bytes written are
/// exactly the declared size and hash to its name. A sink dropped unfinished removes its row.
pub struct BlobSink<'t> {
    tx: &'t rusqlite::Transaction<'t>,
    blob: Option<rusqlite::blob::Blob<'t>>,
    rowid: i64,
    /// Closed, and the row kept or removed.
    settled: bool,
    sha256: String,
    size: u64,
    written: u64,
    hasher: Sha256,
}

impl BlobSink<'_> {
    /// Writes the next piece. More bytes than declared is an error (`Ok(false)`), and nothing
    /// is written then.
    pub fn write(&mut self, piece: &[u8]) -> Result<bool> {
        if self.written + piece.len() as u64 > self.size {
            return Ok(false);
        }
        let Some(blob) = self.blob.as_mut() else { return Ok(false) };
        blob.write_all(piece).map_err(|e| StoreError::Corrupt(format!("writing document {}: {e}", self.sha256)))?;
        self.hasher.update(piece);
        self.written += piece.len() as u64;
        Ok(true)
    }

    /// Closes the handle; keeps the row only if the bytes were exactly the document.
    fn close(&mut self) -> Result<bool> {
        if let Some(blob) = self.blob.take() {
            blob.close()?;
        }
        let whole = self.written == self.size && hex::encode(self.hasher.finalize_reset()) == self.sha256;
        if !whole {
            self.tx.execute("DELETE FROM blobs WHERE rowid = ?1", [self.rowid])?;
        }
        self.settled = true;
        Ok(whole)
    }
}

impl Drop for BlobSink<'_> {
    fn drop(&mut self) {
        if !self.settled {
            // Best effort: the import this sink belongs to is failing and will roll back.
            drop(self.blob.take());
            let _ = self.tx.execute("DELETE FROM blobs WHERE rowid = ?1", [self.rowid]);
        }
    }
}

impl<'t> Importer<'t> {
    /// The documents this import may keep: those named by an application event in the store,
    /// applied or held, this import's own included. Call it after the last event is offered
    /// and keep it while the documents are read.
    pub fn wanted_documents(&self) -> Result<WantedDocuments<'t>> {
        let tx: &'t rusqlite::Transaction<'t> = self.tx;
        tx.execute_batch(
            "CREATE TEMP TABLE IF NOT EXISTS import_wanted_documents (sha256 TEXT PRIMARY KEY) WITHOUT ROWID; \
             DELETE FROM temp.import_wanted_documents;",
        )?;
        tx.execute(WANTED, [])?;
        Ok(WantedDocuments { tx })
    }

    /// Begins storing the document `sha256` of `size` bytes, if `wanted` names it and the store
    /// does not hold it yet.
    pub fn begin_blob(&mut self, wanted: &WantedDocuments<'_>, sha256: &str, size: u64) -> Result<BlobStart<'t>> {
        let tx: &'t rusqlite::Transaction<'t> = self.tx;
        if tx.prepare_cached("SELECT 1 FROM blobs WHERE sha256 = ?1")?.exists([sha256])? {
            return Ok(BlobStart::Present);
        }
        if !wanted.contains(sha256)? {
            return Ok(BlobStart::Unnamed);
        }
        let declared = i64::try_from(size).map_err(|_| StoreError::Corrupt(format!("document size {size}")))?;
        tx.prepare_cached("INSERT INTO blobs (sha256, size, content) VALUES (?1, ?2, zeroblob(?2))")?
            .execute(params![sha256, declared])?;
        let rowid = tx.last_insert_rowid();
        let blob = tx.blob_open(MAIN_DB, c"blobs", c"content", rowid, false)?;
        Ok(BlobStart::Write(BlobSink {
            tx,
            blob: Some(blob),
            rowid,
            settled: false,
            sha256: sha256.to_string(),
            size,
            written: 0,
            hasher: Sha256::new(),
        }))
    }

    /// Ends a document. Returns true, and counts it as stored, when exactly its declared size
    /// was written and those bytes hash to its name; otherwise removes the row and returns
    /// false, and the caller must fail the import.
    pub fn finish_blob(&mut self, mut sink: BlobSink<'_>) -> Result<bool> {
        let whole = sink.close()?;
        if whole {
            self.report.blobs_stored += 1;
        }
        Ok(whole)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::application::Document;
    use crate::domain::{ApplicationKind, Money};
    use crate::ledger::event::{MeetingOpened, PanelMember, Role};
    use crate::ledger::{Body, Identity, Member, Suite};
    use chrono::{DateTime, NaiveDate, Utc};

    fn now() -> DateTime<Utc> {
        "2026-12-08T09:00:00Z".parse().unwrap()
    }

    fn member(id: &Identity) -> Member {
        Member { name: id.name.clone(), key: id.key_hex(), suite: Suite::Ed25519Sha256 }
    }

    /// A store with a meeting and one application naming `named`.
    fn store_naming(named: &[u8]) -> Store {
        let sec = Identity::new("信息化办", Suite::Ed25519Sha256.generate());
        let chair = Identity::new("王建国", Suite::Ed25519Sha256.generate());
        let expert = Identity::new("李明", Suite::Ed25519Sha256.generate());
        let mut store = Store::open_in_memory().unwrap();
        store.trust_add(&sec.public(), "2026-12-01").unwrap();
        let opened = Body::MeetingOpened(Box::new(MeetingOpened {
            id: "M1".into(),
            title: "评审会".into(),
            date: NaiveDate::from_ymd_opt(2026, 12, 8).unwrap(),
            profile: crate::assets::profile("gulou-2021").unwrap(),
            rubrics: ApplicationKind::ALL.iter().map(|k| crate::assets::rubric(*k).unwrap()).collect(),
            secretariat: member(&sec),
            panel: [(&chair, Role::Chair), (&expert, Role::Expert)]
                .into_iter()
                .map(|(who, role)| PanelMember {
                    member: member(who),
                    role,
                    category: "技术".into(),
                    unit: String::new(),
                    replaces: None,
                })
                .collect(),
            draw: None,
            supersedes: None,
        }));
        let meeting_event = store.append_local(&sec, opened, now()).unwrap().id;
        let mut app = crate::domain::application::fixtures::approval("GL-1", Money::from_yuan(3_568_000));
        app.documents = vec![Document {
            name: "可研.pdf".into(),
            sha256: hex::encode(Sha256::digest(named)),
            size: named.len() as u64,
        }];
        store
            .append_local(
                &sec,
                Body::ApplicationRegistered { meeting: "M1".into(), meeting_event, application: Box::new(app) },
                now(),
            )
            .unwrap();
        store
    }

    /// Streams `pieces` in as the document `name` (declared `size`), inside one import.
    fn stream_in(store: &mut Store, name: &str, size: u64, pieces: &[&[u8]]) -> (&'static str, bool) {
        let mut outcome = ("", false);
        store
            .import_with(now(), false, |imp| {
                let wanted = imp.wanted_documents()?;
                outcome = match imp.begin_blob(&wanted, name, size)? {
                    BlobStart::Present => ("present", false),
                    BlobStart::Unnamed => ("unnamed", false),
                    BlobStart::Write(mut sink) => {
                        let mut fits = true;
                        for p in pieces {
                            fits &= sink.write(p)?;
                        }
                        ("written", fits && imp.finish_blob(sink)?)
                    }
                };
                Ok::<(), StoreError>(())
            })
            .unwrap();
        outcome
    }

    #[test]
    fn a_document_an_application_names_is_streamed_in_and_read_back_in_pieces() {
        let content = "可行性研究报告\n".repeat(1000).into_bytes();
        let name = hex::encode(Sha256::digest(&content));
        let mut store = store_naming(&content);
        let (a, b) = content.split_at(777);
        assert_eq!(stream_in(&mut store, &name, content.len() as u64, &[a, b]), ("written", true));
        assert_eq!(store.blob(&name).unwrap().unwrap(), content);
        let (size, mut reader) = store.blob_reader(&name).unwrap().unwrap();
        let mut back = Vec::new();
        std::io::Read::read_to_end(&mut reader, &mut back).unwrap();
        assert_eq!((size, back), (content.len() as u64, content.clone()));
        drop(reader);
        assert_eq!(stream_in(&mut store, &name, content.len() as u64, &[&content]), ("present", false));
        assert!(store.blob_reader(&"0".repeat(64)).unwrap().is_none());
    }

    #[test]
    fn a_document_no_application_names_is_not_kept() {
        let mut store = store_naming(b"named");
        let other = b"nobody asked for this";
        let name = hex::encode(Sha256::digest(other));
        assert_eq!(stream_in(&mut store, &name, other.len() as u64, &[other]), ("unnamed", false));
        assert!(store.blob(&name).unwrap().is_none());
    }

    #[test]
    fn bytes_that_do_not_hash_to_the_name_or_overrun_the_size_leave_nothing() {
        let content = b"the real document".to_vec();
        let name = hex::encode(Sha256::digest(&content));
        let mut store = store_naming(&content);
        let before = store.dump().unwrap();
        assert_eq!(stream_in(&mut store, &name, content.len() as u64, &[b"the fake document"]), ("written", false));
        assert_eq!(stream_in(&mut store, &name, content.len() as u64, &[b"the real"]), ("written", false));
        assert_eq!(stream_in(&mut store, &name, 4, &[&content]), ("written", false));
        assert!(store.dump().unwrap() == before, "a failed document left a row behind");
    }
}
