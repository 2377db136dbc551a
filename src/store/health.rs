//! The store's own checks, for `doctor` (体检): SQLite's integrity and foreign keys, every event's
//! hash and signature, projections against a rebuild from the log, chain gaps and forks, held
//! events, and the trust list.

use super::{Result, Store, dump_table, schema};
use crate::ledger::SignedEvent;
use rusqlite::{OptionalExtension, TransactionBehavior};
use serde::Serialize;

/// A chain with something missing or doubled.
#[derive(Clone, Debug, Serialize)]
pub struct ChainProblem {
    pub name: String,
    pub fingerprint: String,
    pub gaps: Vec<(u64, u64)>,
    pub forks: Vec<u64>,
}

/// What the store's checks found; empty lists and `true` mean healthy.
#[derive(Clone, Debug, Serialize)]
pub struct Health {
    pub events: usize,
    /// `PRAGMA integrity_check` lines other than "ok".
    pub integrity: Vec<String>,
    /// `PRAGMA foreign_key_check` rows, as "table rowid → parent".
    pub foreign_keys: Vec<String>,
    /// Events whose bytes do not hash to their id, or whose signature fails: (id, why).
    pub bad_events: Vec<(String, String)>,
    /// The projection tables equal a rebuild from the applied events.
    pub projections_match: bool,
    pub chains: Vec<ChainProblem>,
    /// Events held until their meeting or application arrives, or held as one side of a fork.
    pub quarantined: usize,
    /// Trusted keys whose stored fingerprint does not match the key.
    pub trust: Vec<String>,
    /// Trusted secretariat keys that have been revoked: their events up to the cut-off stand.
    pub revoked_trusted: Vec<String>,
}

impl Health {
    pub fn ok(&self) -> bool {
        self.integrity.is_empty()
            && self.foreign_keys.is_empty()
            && self.bad_events.is_empty()
            && self.projections_match
            && self.chains.is_empty()
            && self.quarantined == 0
            && self.trust.is_empty()
    }
}

impl Store {
    /// Runs every check. Nothing is changed: the rebuild happens in a transaction that is rolled
    /// back.
    pub fn health(&mut self) -> Result<Health> {
        let integrity: Vec<String> = self
            .conn
            .prepare("PRAGMA integrity_check")?
            .query_map([], |r| r.get::<_, String>(0))?
            .collect::<rusqlite::Result<Vec<_>>>()?
            .into_iter()
            .filter(|l| l != "ok")
            .collect();
        let foreign_keys = self
            .conn
            .prepare("PRAGMA foreign_key_check")?
            .query_map([], |r| {
                Ok(format!(
                    "{} {} → {}",
                    r.get::<_, String>(0)?,
                    r.get::<_, Option<i64>>(1)?.unwrap_or(0),
                    r.get::<_, String>(2)?
                ))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        let (events, bad_events) = self.check_events()?;
        let projections_match = self.projections_match()?;
        let chains = self
            .log(None)?
            .chains
            .into_iter()
            .filter(|c| !c.gaps.is_empty() || !c.forks.is_empty())
            .map(|c| ChainProblem { name: c.name, fingerprint: c.fingerprint, gaps: c.gaps, forks: c.forks })
            .collect();
        let quarantined = self.event_counts()?.get("quarantined").copied().unwrap_or(0);
        Ok(Health {
            events,
            integrity,
            foreign_keys,
            bad_events,
            projections_match,
            chains,
            quarantined,
            trust: self.check_trust()?,
            revoked_trusted: self.revoked_trusted()?,
        })
    }

    /// Re-hashes and re-verifies every stored event.
    fn check_events(&self) -> Result<(usize, Vec<(String, String)>)> {
        let mut st = self.conn.prepare("SELECT id, bytes, signature FROM events")?;
        let mut rows = st.query([])?;
        let (mut n, mut bad) = (0, Vec::new());
        while let Some(r) = rows.next()? {
            n += 1;
            let id: String = r.get(0)?;
            match SignedEvent::verify(r.get(1)?, r.get(2)?) {
                Ok(ev) if ev.id == id => {}
                Ok(ev) => bad.push((id, format!("内容的哈希为 {} / the bytes hash to {}", ev.id, ev.id))),
                Err(e) => bad.push((id, e.to_string())),
            }
        }
        Ok((n, bad))
    }

    /// Replays the whole log inside a transaction, compares the projections and every event's
    /// state with what is stored, and rolls back. A store whose state does not follow from its
    /// events (an event applied that a revocation voids, say) fails here.
    fn projections_match(&mut self) -> Result<bool> {
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let dump = |conn: &rusqlite::Connection| -> Result<String> {
            let mut out: String = schema::PROJECTIONS.iter().map(|t| dump_table(conn, t)).collect::<Result<_>>()?;
            let mut st = conn.prepare("SELECT id, status FROM events ORDER BY id")?;
            let states =
                st.query_map([], |r| Ok(format!("{} {}\n", r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
            for line in states {
                out.push_str(&line?);
            }
            Ok(out)
        };
        let before = dump(&tx)?;
        // A log that cannot be replayed at all (an event no reader accepts) does not match; the
        // event itself is named by the check of every event.
        let replayed = super::append::Applier::new(&tx, "").reevaluate();
        let after = match replayed {
            Ok(_) => dump(&tx)?,
            Err(super::StoreError::Corrupt(_)) => String::new(),
            Err(e) => return Err(e),
        };
        tx.rollback()?;
        Ok(before == after)
    }

    fn check_trust(&self) -> Result<Vec<String>> {
        let mut out = Vec::new();
        for t in self.trust_list()? {
            let raw = hex::decode(&t.key).unwrap_or_default();
            let suite = crate::ledger::Suite::parse(&t.suite).ok();
            match suite {
                Some(s) if crate::ledger::fingerprint(s, &raw) == t.fingerprint => {}
                _ => out.push(format!(
                    "受信任密钥 {}（{}）的指纹与密钥不符 / trusted key {} ({}) does not match its fingerprint",
                    t.fingerprint, t.name, t.fingerprint, t.name
                )),
            }
        }
        Ok(out)
    }

    fn revoked_trusted(&self) -> Result<Vec<String>> {
        let mut out = Vec::new();
        for t in self.trust_list()? {
            let cutoff: Option<i64> = self
                .conn
                .prepare_cached("SELECT cutoff_seq FROM revocations WHERE key = ?1")?
                .query_row([&t.key], |r| r.get(0))
                .optional()?;
            if let Some(c) = cutoff {
                out.push(format!(
                    "受信任的秘书处密钥 {}（{}）已被吊销：其第 {c} 号及之前的事件仍然有效，之后的作废 / trusted secretariat key {} ({}) has been revoked: its events up to seq {c} stand, later ones are void",
                    t.fingerprint, t.name, t.fingerprint, t.name
                ));
            }
        }
        Ok(out)
    }
}

/// What a backup file holds, checked before it replaces a store.
#[derive(Clone, Debug, Serialize)]
pub struct BackupInfo {
    pub events: usize,
    pub meetings: usize,
    pub schema_version: i64,
}

impl Store {
    /// Copies the whole store to `path` with SQLite's online backup API, a batch of pages at a
    /// time, so that it works while the screens or an import hold the store open.
    ///
    /// The copy is one self-contained file in rollback-journal mode: the pages copied from a WAL
    /// store say WAL, and a WAL file cannot be opened where its `-shm` cannot be made (a
    /// read-only stick, a write-protected folder). Closing it leaves nothing beside it.
    pub fn backup_to(&self, path: &std::path::Path) -> Result<()> {
        let mut dst = rusqlite::Connection::open(path)?;
        {
            let backup = rusqlite::backup::Backup::new(&self.conn, &mut dst)?;
            backup.run_to_completion(1024, std::time::Duration::from_millis(2), None)?;
        }
        let mode: String = dst.query_row("PRAGMA journal_mode = DELETE", [], |r| r.get(0))?;
        if !mode.eq_ignore_ascii_case("delete") {
            return Err(super::StoreError::BadBackup(format!("{}: journal mode stayed {mode}", path.display())));
        }
        dst.close().map_err(|(_, e)| e)?;
        Ok(())
    }

    /// Checks that `path` is a readable, intact reviewdesk store no newer than this program,
    /// without changing it.
    pub fn inspect_backup(path: &std::path::Path) -> Result<BackupInfo> {
        let bad = |why: String| super::StoreError::BadBackup(format!("{}: {why}", path.display()));
        let conn = open_backup(path).map_err(|e| bad(e.to_string()))?;
        let ok: String =
            conn.query_row("PRAGMA quick_check", [], |r| r.get(0)).map_err(|e| match wal_beside(path) {
                Some(why) => super::StoreError::BadBackup(why),
                None => bad(e.to_string()),
            })?;
        if ok != "ok" {
            return Err(bad(ok));
        }
        let schema_version: i64 =
            conn.query_row("PRAGMA user_version", [], |r| r.get(0)).map_err(|e| bad(e.to_string()))?;
        let known = schema::VERSION;
        if schema_version > known {
            return Err(bad(format!("schema {schema_version} > {known}: a newer reviewdesk wrote it")));
        }
        let count = |sql: &str| conn.query_row(sql, [], |r| r.get::<_, i64>(0)).map(|n| n as usize);
        let events = count("SELECT count(*) FROM events").map_err(|e| bad(e.to_string()))?;
        let meetings = count("SELECT count(*) FROM meetings").map_err(|e| bad(e.to_string()))?;
        Ok(BackupInfo { events, meetings, schema_version })
    }

    /// Replaces this store's content with the backup at `path` (checked first), through the
    /// same online backup API, then brings its schema up to date.
    pub fn restore_from(&mut self, path: &std::path::Path) -> Result<BackupInfo> {
        let info = Self::inspect_backup(path)?;
        let src = open_backup(path)?;
        {
            let backup = rusqlite::backup::Backup::new(&src, &mut self.conn)?;
            backup.run_to_completion(1024, std::time::Duration::from_millis(2), None)?;
        }
        schema::migrations().to_latest(&mut self.conn)?;
        super::kinds::widen(&mut self.conn)?;
        Ok(info)
    }
}

/// A backup, opened read-only: it may sit on a stick or in a folder this user cannot write.
fn open_backup(path: &std::path::Path) -> rusqlite::Result<rusqlite::Connection> {
    let flags = rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX;
    rusqlite::Connection::open_with_flags(path, flags)
}

/// Why a backup in WAL mode (as earlier versions wrote them) cannot be read here: SQLite
/// needs to make its `-shm` beside it. `None` when the file is not in WAL mode. Bytes 18 and 19
/// of the header are the read and write versions, 2 for WAL.
fn wal_beside(path: &std::path::Path) -> Option<String> {
    use std::io::Read;
    let mut header = [0u8; 20];
    std::fs::File::open(path).ok()?.read_exact(&mut header).ok()?;
    (header[18] == 2 || header[19] == 2).then(|| {
        format!(
            "{p} 是 WAL 模式的备份（旧版本所写），须在可写的文件夹中打开：请先把它复制到本机硬盘再恢复 / \
             {p} is a WAL-mode backup (an older version wrote it) and must be opened in a folder that can be written: copy it to this machine's disk first, then restore",
            p = path.display()
        )
    })
}
