//! What bundles need of the store: events and documents to export, and the import transaction.

use super::append::{AppendOutcome, Applier, ImportReport, rfc3339};
use super::{Result, Store, StoreError};
use crate::ledger::SignedEvent;
use chrono::{DateTime, Utc};
use rusqlite::{TransactionBehavior, params};

/// An event as stored, ready to be written to a bundle.
pub struct StoredEvent {
    pub id: String,
    pub author: String,
    pub seq: u64,
    pub meeting: Option<String>,
    pub bytes: Vec<u8>,
    pub signature: Vec<u8>,
}

/// Which events an export holds. Key revocations always travel, since they bind every meeting.
#[derive(Clone, Debug, Default)]
pub struct EventFilter {
    pub meeting: Option<String>,
    pub author: Option<String>,
}

/// Applies the events and documents of one bundle inside one IMMEDIATE transaction.
pub struct Importer<'t> {
    applier: Applier<'t>,
    pub(super) tx: &'t rusqlite::Transaction<'t>,
    pub report: ImportReport,
    /// Events dated after this are counted as dated in the future.
    future: DateTime<Utc>,
}

impl Importer<'_> {
    /// Offers one verified event.
    pub fn offer(&mut self, ev: &SignedEvent) -> Result<()> {
        let outcome = self.applier.append(ev)?;
        if ev.envelope.time > self.future && outcome != AppendOutcome::Duplicate {
            self.report.future_dated += 1;
        }
        crate::fault::reached(crate::fault::IMPORT_APPLIED);
        match outcome {
            AppendOutcome::New => self.report.new += 1,
            AppendOutcome::Duplicate => self.report.duplicate += 1,
            AppendOutcome::Quarantined(r) => {
                self.report.quarantined += 1;
                if r.reason.en.starts_with("chain fork") && !self.report.forked_keys.contains(&ev.envelope.author) {
                    self.report.forked_keys.push(ev.envelope.author.clone());
                }
                self.report.refuse(&ev.id, r.reason);
            }
            AppendOutcome::Rejected(r) | AppendOutcome::Void(r) => {
                self.report.rejected += 1;
                self.report.refuse(&ev.id, r.reason);
            }
        }
        Ok(())
    }

    /// Whether this machine trusts `key` as a secretariat.
    pub fn is_trusted(&self, key: &str) -> Result<bool> {
        Ok(self.tx.prepare_cached("SELECT 1 FROM trust WHERE key = ?1")?.exists([key])?)
    }

    /// The revocation cut-off of `key` known here (this import included), if it was revoked.
    pub fn revocation_cutoff(&self, key: &str) -> Result<Option<u64>> {
        use rusqlite::OptionalExtension;
        let cutoff: Option<i64> = self
            .tx
            .prepare_cached("SELECT cutoff_seq FROM revocations WHERE key = ?1")?
            .query_row([key], |r| r.get(0))
            .optional()?;
        Ok(cutoff.map(|c| c.max(0) as u64))
    }

    /// Whether `key` is on a panel, or the secretariat, of a meeting held here (this import included).
    pub fn is_known_member(&self, key: &str) -> Result<bool> {
        Ok(self
            .tx
            .prepare_cached(
                "SELECT 1 FROM panel WHERE key = ?1 UNION ALL SELECT 1 FROM meetings WHERE secretariat_key = ?1",
            )?
            .exists([key])?)
    }

    /// Stores a document whose hash the caller has checked.
    pub fn blob(&mut self, sha256: &str, content: &[u8]) -> Result<()> {
        if super::put_blob(self.tx, sha256, content)? {
            self.report.blobs_stored += 1;
        }
        Ok(())
    }
}

/// The events an export sends, as row ids in the order they travel (parents first).
pub struct ExportOrder(Vec<i64>);

impl Store {
    /// Runs `fill` in one IMMEDIATE transaction, then re-examines every held event. Commits
    /// unless `dry_run` or `fill` fails, in which case nothing changes.
    pub fn import_with<E: From<StoreError>>(
        &mut self,
        now: DateTime<Utc>,
        dry_run: bool,
        fill: impl FnOnce(&mut Importer<'_>) -> std::result::Result<(), E>,
    ) -> std::result::Result<ImportReport, E> {
        // A large import keeps its working set in memory; the screens need far less.
        self.conn.execute_batch("PRAGMA cache_size = -16384;").map_err(StoreError::from)?;
        let result = self.import_in_transaction(now, dry_run, fill);
        self.conn.execute_batch(super::CACHE).map_err(StoreError::from)?;
        result
    }

    fn import_in_transaction<E: From<StoreError>>(
        &mut self,
        now: DateTime<Utc>,
        dry_run: bool,
        fill: impl FnOnce(&mut Importer<'_>) -> std::result::Result<(), E>,
    ) -> std::result::Result<ImportReport, E> {
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(StoreError::from)?;
        let report = {
            let mut importer = Importer {
                applier: Applier::new(&tx, &rfc3339(now)),
                tx: &tx,
                report: ImportReport::default(),
                future: now + chrono::Duration::days(1),
            };
            fill(&mut importer)?;
            let settled = importer.applier.settle()?;
            let mut report = importer.report;
            report.released = settled.released;
            report.withdrawn = settled.withdrawn;
            report.rejected += settled.rejected;
            report.unlisted += settled.rejected - settled.refusals.len();
            for (id, reason) in settled.refusals {
                report.refuse(&id, reason);
            }
            report.still_held = tx
                .query_row("SELECT count(*) FROM events WHERE status = 'quarantined'", [], |r| r.get::<_, i64>(0))
                .map_err(StoreError::from)? as usize;
            report
        };
        if dry_run {
            tx.rollback().map_err(StoreError::from)?;
        } else {
            tx.commit().map_err(StoreError::from)?;
        }
        Ok(report)
    }

    /// Runs `f` inside one read transaction, so that all it reads comes from one snapshot of the
    /// store, whatever another process commits meanwhile (WAL keeps the snapshot). Inside a
    /// transaction already, `f` simply runs in it.
    pub fn read_snapshot<T, E: From<StoreError>>(
        &self,
        f: impl FnOnce(&Store) -> std::result::Result<T, E>,
    ) -> std::result::Result<T, E> {
        if !self.conn.is_autocommit() {
            return f(self);
        }
        self.conn.execute_batch("BEGIN DEFERRED").map_err(StoreError::from)?;
        /// Ends the read transaction however `f` returns; it changed nothing, so either end will do.
        struct End<'c>(&'c rusqlite::Connection);
        impl Drop for End<'_> {
            fn drop(&mut self) {
                let _ = self.0.execute_batch("COMMIT");
            }
        }
        let _end = End(&self.conn);
        f(self)
    }

    /// Streams the exportable events matching `filter`, parents first. Only applied events
    /// travel: what is held or void here stays on this machine, so that a flood of events no
    /// panel accepts cannot ride on the next export.
    pub fn for_each_event<E: From<StoreError>>(
        &self,
        filter: &EventFilter,
        f: impl FnMut(StoredEvent) -> std::result::Result<(), E>,
    ) -> std::result::Result<(), E> {
        let order = self.export_order(filter)?;
        self.for_each_event_in(&order, f)
    }

    /// The row ids of the exportable events matching `filter`, parents first: the order
    /// first, over row ids only, then each row by its id, since sorting whole rows made
    /// SQLite's sorter carry every event's bytes through temporary files. An export walks the
    /// log twice in this one order.
    pub fn export_order(&self, filter: &EventFilter) -> Result<ExportOrder> {
        let mut st = self.conn.prepare(&format!(
            "SELECT rowid FROM events \
             WHERE status = 'applied' \
               AND (?1 IS NULL OR meeting_id = ?1 OR kind = 'key_revoked') AND (?2 IS NULL OR author = ?2) \
             ORDER BY {}, author, seq",
            super::append::KIND_ORDER
        ))?;
        let rowids: rusqlite::Result<Vec<i64>> =
            st.query_map(params![filter.meeting, filter.author], |r| r.get(0))?.collect();
        Ok(ExportOrder(rowids?))
    }

    /// The events of `order`, in it.
    pub fn for_each_event_in<E: From<StoreError>>(
        &self,
        order: &ExportOrder,
        mut f: impl FnMut(StoredEvent) -> std::result::Result<(), E>,
    ) -> std::result::Result<(), E> {
        let mut row = self
            .conn
            .prepare_cached("SELECT id, author, seq, meeting_id, bytes, signature FROM events WHERE rowid = ?1")
            .map_err(StoreError::from)?;
        for rowid in &order.0 {
            let ev = row
                .query_row([rowid], |r| {
                    Ok(StoredEvent {
                        id: r.get(0)?,
                        author: r.get(1)?,
                        seq: r.get::<_, i64>(2)? as u64,
                        meeting: r.get(3)?,
                        bytes: r.get(4)?,
                        signature: r.get(5)?,
                    })
                })
                .map_err(StoreError::from)?;
            f(ev)?;
        }
        Ok(())
    }

    /// The documents attached to the applications of `meeting` (or of every meeting) that this
    /// store holds, as (sha256, size).
    pub fn document_hashes(&self, meeting: Option<&str>) -> Result<Vec<(String, u64)>> {
        let mut st = self.conn.prepare(
            "SELECT b.sha256, b.size FROM blobs b WHERE b.sha256 IN ( \
               SELECT json_extract(d.value, '$.sha256') FROM applications a, json_each(a.data_json, '$.documents') d \
               WHERE (?1 IS NULL OR a.meeting_id = ?1)) ORDER BY 1",
        )?;
        let hashes = st
            .query_map([meeting], |r| Ok((r.get(0)?, r.get::<_, i64>(1)? as u64)))?
            .collect::<rusqlite::Result<_>>()?;
        Ok(hashes)
    }

    pub fn is_trusted(&self, key: &str) -> Result<bool> {
        Ok(self.conn.prepare_cached("SELECT 1 FROM trust WHERE key = ?1")?.exists([key])?)
    }

    /// Whether `key` sits on the panel, or is the secretariat, of a meeting this store holds.
    pub fn is_known_member(&self, key: &str) -> Result<bool> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT 1 FROM panel WHERE key = ?1 UNION ALL SELECT 1 FROM meetings WHERE secretariat_key = ?1",
            )?
            .exists([key])?)
    }
}
