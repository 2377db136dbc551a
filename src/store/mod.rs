//! The only code that speaks SQL: opening (pragmas), migrations, appending events, projections
//! and the queries that return view models.

mod append;
pub mod blobs;
mod exchange;
mod health;
mod kinds;
pub mod proceedings;
mod query;
mod rectification;
mod schema;

pub use append::{AppendOutcome, ImportReport};
use blobs::put_blob;
pub use exchange::{EventFilter, Importer, StoredEvent};
pub use health::{ChainProblem, Health};
pub use query::*;

use crate::ledger::{PublicKey, Refusal};
use rusqlite::{Connection, OpenFlags, OptionalExtension, TransactionBehavior, params};
use std::path::Path;
use std::time::Duration;

/// How long a writer waits for another process's transaction before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// Something the store could not do.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(
        "数据库错误：{0}。请运行 reviewdesk doctor 检查，并保留数据目录原样 / database error: {0}. Run reviewdesk doctor, and keep the data folder as it is"
    )]
    Sql(rusqlite::Error),
    #[error(
        "数据库正被另一个评审台程序使用（例如正在导入），请稍候再试 / the store is busy: another reviewdesk program is using it (an import, say). Try again in a moment"
    )]
    Busy,
    #[error("无法签署：{0} / cannot sign: {0}")]
    Unsignable(crate::ledger::event::EventError),
    #[error("数据库迁移失败：{0} / database migration failed: {0}")]
    Migration(#[from] rusqlite_migration::Error),
    #[error("{0}")]
    Refused(Refusal),
    #[error("找不到会议“{0}”。用 reviewdesk meeting list 查看 / no meeting “{0}”: see reviewdesk meeting list")]
    UnknownMeeting(String),
    #[error(
        "本机还没有任何会议。秘书处请先运行 reviewdesk meeting open / there is no meeting here yet: the secretariat runs reviewdesk meeting open first"
    )]
    NoMeeting,
    #[error(
        "会议“{meeting}”中没有申报项目“{code}”。用 reviewdesk queue 查看 / meeting “{meeting}” has no application “{code}”: see reviewdesk queue"
    )]
    UnknownApplication { meeting: String, code: String },
    #[error(
        "数据库内容损坏：{0}。请运行 reviewdesk doctor 检查，并保留数据目录原样 / stored data is damaged: {0}. Run reviewdesk doctor, and keep the data folder as it is"
    )]
    Corrupt(String),
    #[error(
        "这不是可用的评审台备份：{0}。请换一个备份文件 / this is not a usable reviewdesk backup: {0}. Choose another backup file"
    )]
    BadBackup(String),
}

impl From<rusqlite::Error> for StoreError {
    /// Another process holding the write lock past the busy timeout is a "try again", not damage.
    fn from(e: rusqlite::Error) -> Self {
        match e.sqlite_error_code() {
            Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked) => StoreError::Busy,
            _ => StoreError::Sql(e),
        }
    }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// SQLite's page cache for the screens and commands: 8 MiB. A queue of 10,000 applications
/// walks 32 MB of tables once per read, so a larger cache would hold more pages without
/// making the next read much cheaper; an import widens it while it runs.
const CACHE: &str = "PRAGMA cache_size = -8192;";

/// From how many applications a read is split over two cores: below it a queue reads in a few
/// tens of milliseconds on one (about 100 ms at 10,000), and a second connection is not worth
/// its memory.
const TWO_CORES_FROM: i64 = 2_000;

/// A reviewdesk database.
pub struct Store {
    conn: Connection,
    /// A second, read-only connection to the same file, for reading half of a large read on
    /// another core; opened when first needed.
    helper: std::cell::RefCell<Option<Box<Store>>>,
    /// From how many applications a read is split over the two connections.
    two_cores_from: i64,
}

impl Store {
    /// Opens (creating if needed) the database at `path`, applies pragmas and migrations.
    pub fn open(path: &Path) -> Result<Store> {
        #[cfg(unix)]
        if !path.exists() {
            use std::os::unix::fs::OpenOptionsExt;
            // Create it owner-only before SQLite does, since it holds unpublished scores.
            let _ = std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(path);
        }
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        Self::setup(Connection::open_with_flags(path, flags)?)
    }

    /// Runs `theirs` on a second, read-only connection on another core while `mine` runs on
    /// this one, when the store (or the meeting) holds enough applications to be worth it.
    /// `None` when it does not, when the store is in memory (no second connection sees it), when
    /// this connection is inside a transaction (the other would not see its writes), or when
    /// another process wrote meanwhile, so the two may have read different states: the caller
    /// then reads on this connection alone.
    pub(crate) fn on_two_cores<A: Send, B>(
        &self,
        meeting_id: Option<&str>,
        theirs: impl FnOnce(&Store) -> A + Send,
        mine: impl FnOnce(&Store) -> B,
    ) -> Result<Option<(A, B)>> {
        if !self.conn.is_autocommit() {
            return Ok(None);
        }
        let before = self.data_version()?;
        let applications: i64 = self.conn.query_row(
            "SELECT count(*) FROM applications WHERE ?1 IS NULL OR meeting_id = ?1",
            [meeting_id],
            |r| r.get(0),
        )?;
        if applications < self.two_cores_from {
            return Ok(None);
        }
        // A second connection that cannot be had (the file gone read-only, say) costs speed,
        // not the read.
        let Ok(Some(helper)) = self.helper() else { return Ok(None) };
        let (helper, theirs, mine) = std::thread::scope(|s| {
            let theirs = s.spawn(move || {
                crate::fault::reached(crate::fault::TWO_CORES_THEIRS);
                let out = theirs(&helper);
                (helper, out)
            });
            let mine = mine(self);
            crate::fault::reached(crate::fault::TWO_CORES_MINE_READ);
            match theirs.join() {
                Ok((helper, theirs)) => (helper, theirs, mine),
                Err(panic) => std::panic::resume_unwind(panic),
            }
        });
        self.helper.replace(Some(helper));
        Ok((self.data_version()? == before).then_some((theirs, mine)))
    }

    /// The second connection, opened on first use and kept; `None` for a store in memory.
    fn helper(&self) -> Result<Option<Box<Store>>> {
        if let Some(h) = self.helper.take() {
            return Ok(Some(h));
        }
        match self.conn.path() {
            Some(path) if !path.is_empty() => Ok(Some(Box::new(Store::open_reader(Path::new(path))?))),
            _ => Ok(None),
        }
    }

    /// A read-only connection to a store another connection has opened (and migrated).
    fn open_reader(path: &Path) -> Result<Store> {
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(path, flags)?;
        conn.busy_timeout(crate::fault::busy_timeout(BUSY_TIMEOUT))?;
        // It walks tables once per queue: a small cache, so the screens stay small.
        conn.execute_batch("PRAGMA foreign_keys = ON; PRAGMA cache_size = -2048;")?;
        Ok(Store { conn, helper: Default::default(), two_cores_from: i64::MAX })
    }

    /// An empty store in memory, for tests and dry runs.
    pub fn open_in_memory() -> Result<Store> {
        Self::setup(Connection::open_in_memory()?)
    }

    fn setup(mut conn: Connection) -> Result<Store> {
        conn.busy_timeout(crate::fault::busy_timeout(BUSY_TIMEOUT))?;
        // Events are about a kilobyte each: 16 KiB pages hold a dozen, where 4 KiB pages held
        // three, which makes large imports cheaper. It only takes effect on a new database.
        conn.execute_batch("PRAGMA page_size = 16384;")?;
        // journal_mode answers with a row; the others are silent.
        conn.query_row("PRAGMA journal_mode = WAL", [], |_| Ok(()))?;
        conn.execute_batch(
            "PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; PRAGMA journal_size_limit = 67108864;",
        )?;
        conn.execute_batch(CACHE)?;
        schema::migrations().to_latest(&mut conn)?;
        kinds::widen(&mut conn)?;
        let two_cores_from = crate::fault::two_cores_from(TWO_CORES_FROM);
        let mut store = Store { conn, helper: Default::default(), two_cores_from };
        store.replay_if_asked()?;
        Ok(store)
    }

    /// A migration that changed how the log is read asks for a full replay, done once here.
    fn replay_if_asked(&mut self) -> Result<()> {
        if self.meta("replay_needed")?.is_none() {
            return Ok(());
        }
        self.write(|tx| {
            append::Applier::new(tx, "").reevaluate()?;
            tx.execute("DELETE FROM local_meta WHERE key = 'replay_needed'", [])?;
            Ok(())
        })
    }

    /// Runs `f` in an IMMEDIATE transaction (the write lock taken up front, so WAL never answers
    /// SQLITE_BUSY mid-way), committing only if it succeeds.
    fn write<T>(&mut self, f: impl FnOnce(&rusqlite::Transaction<'_>) -> Result<T>) -> Result<T> {
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let out = f(&tx)?;
        tx.commit()?;
        Ok(out)
    }

    // ---- trust list (local, not events) ----

    /// Trusts a secretariat key. Returns false when it was already trusted.
    pub fn trust_add(&mut self, key: &PublicKey, now: &str) -> Result<bool> {
        self.write(|tx| {
            let n = tx.execute(
                "INSERT INTO trust (key, suite, name, fingerprint, added_at) VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (key) DO NOTHING",
                params![key.key, key.suite.id(), key.name, key.fingerprint(), now],
            )?;
            Ok(n == 1)
        })
    }

    /// Removes a trusted key by fingerprint or hex key. Returns the removed entry.
    pub fn trust_remove(&mut self, key_or_fingerprint: &str) -> Result<Option<TrustEntry>> {
        let wanted = key_or_fingerprint.trim().to_string();
        self.write(|tx| {
            let entry = tx
                .query_row(
                    "SELECT key, suite, name, fingerprint, added_at FROM trust WHERE key = ?1 OR upper(fingerprint) = upper(?1)",
                    [&wanted],
                    TrustEntry::from_row,
                )
                .optional()?;
            if let Some(e) = &entry {
                tx.execute("DELETE FROM trust WHERE key = ?1", [&e.key])?;
            }
            Ok(entry)
        })
    }

    pub fn trust_list(&self) -> Result<Vec<TrustEntry>> {
        let mut st =
            self.conn.prepare("SELECT key, suite, name, fingerprint, added_at FROM trust ORDER BY added_at, name")?;
        let rows = st.query_map([], TrustEntry::from_row)?.collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }

    // ---- local notes (last import, last export) ----

    pub fn set_meta(&mut self, key: &str, value: &str) -> Result<()> {
        self.write(|tx| {
            tx.execute("INSERT INTO local_meta (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value", [key, value])?;
            Ok(())
        })
    }

    pub fn meta(&self, key: &str) -> Result<Option<String>> {
        Ok(self.conn.query_row("SELECT value FROM local_meta WHERE key = ?1", [key], |r| r.get(0)).optional()?)
    }

    /// A number that changes whenever another connection (another process) commits to this
    /// store, so that open screens know to read again. This connection's own writes leave it.
    pub fn data_version(&self) -> Result<i64> {
        Ok(self.conn.query_row("PRAGMA data_version", [], |r| r.get(0))?)
    }

    /// Every table as sorted text lines: equal dumps mean equal stores, for before/after tests.
    pub fn dump(&self) -> Result<String> {
        let mut out = String::new();
        let tables: Vec<String> = self
            .conn
            .prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")?
            .query_map([], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        for t in tables {
            out.push_str(&self.dump_table(&t)?);
        }
        Ok(out)
    }

    /// The projection tables and every event's state, as sorted text: what two stores holding
    /// the same events must agree on, however the events arrived.
    pub fn dump_state(&self) -> Result<String> {
        let mut out = self.dump_projections()?;
        let mut st = self.conn.prepare("SELECT id, status, fork FROM events ORDER BY id")?;
        let rows = st.query_map([], |r| {
            Ok(format!("{}|{}|{}", r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, i64>(2)?))
        })?;
        out.push_str("## events\n");
        for row in rows {
            out.push_str(&row?);
            out.push('\n');
        }
        // What the rectification loop makes of it all, far enough ahead that every deadline
        // has passed: derived, never stored, and so compared here.
        let far = chrono::NaiveDate::from_ymd_opt(2099, 12, 31).unwrap_or_default();
        out.push_str("## rectification\n");
        for t in self.rectification_history()?.tracks(far) {
            out.push_str(&serde_json::to_string(&t).unwrap_or_default());
            out.push('\n');
        }
        Ok(out)
    }

    /// The projection tables only, as sorted text.
    pub fn dump_projections(&self) -> Result<String> {
        let mut out = String::new();
        for t in schema::PROJECTIONS {
            out.push_str(&self.dump_table(t)?);
        }
        Ok(out)
    }

    fn dump_table(&self, table: &str) -> Result<String> {
        dump_table(&self.conn, table)
    }
}

/// One table as sorted text lines.
fn dump_table(conn: &Connection, table: &str) -> Result<String> {
    {
        let mut st = conn.prepare(&format!("SELECT * FROM \"{table}\""))?;
        let cols = st.column_count();
        let mut lines: Vec<String> = st
            .query_map([], |r| {
                (0..cols)
                    .map(|i| {
                        Ok(match r.get_ref(i)? {
                            rusqlite::types::ValueRef::Null => "NULL".to_string(),
                            rusqlite::types::ValueRef::Integer(v) => v.to_string(),
                            rusqlite::types::ValueRef::Real(v) => v.to_string(),
                            rusqlite::types::ValueRef::Text(t) => format!("{:?}", String::from_utf8_lossy(t)),
                            rusqlite::types::ValueRef::Blob(b) => hex::encode(b),
                        })
                    })
                    .collect::<rusqlite::Result<Vec<_>>>()
                    .map(|v| v.join("|"))
            })?
            .collect::<rusqlite::Result<_>>()?;
        lines.sort();
        Ok(format!("## {table}\n{}\n", lines.join("\n")))
    }
}

/// A secretariat key this machine trusts.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct TrustEntry {
    pub key: String,
    pub suite: String,
    pub name: String,
    pub fingerprint: String,
    pub added_at: String,
}

impl TrustEntry {
    fn from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<TrustEntry> {
        Ok(TrustEntry {
            key: r.get(0)?,
            suite: r.get(1)?,
            name: r.get(2)?,
            fingerprint: r.get(3)?,
            added_at: r.get(4)?,
        })
    }
}

#[cfg(test)]
mod tests;

/// Unfinished score sheets: local to this machine, never events (草稿).
impl Store {
    pub fn save_draft(
        &mut self,
        meeting: &str,
        code: &str,
        key: &str,
        sheet: &crate::domain::ScoreSheet,
        now: &str,
    ) -> Result<()> {
        let json = serde_json::to_string(sheet).unwrap_or_default();
        self.write(|tx| {
            tx.execute(
                "INSERT INTO drafts (meeting_id, code, identity_key, sheet_json, saved_at) VALUES (?1, ?2, ?3, ?4, ?5) \
                 ON CONFLICT DO UPDATE SET sheet_json = excluded.sheet_json, saved_at = excluded.saved_at",
                params![meeting, code, key, json, now],
            )?;
            Ok(())
        })
    }

    pub fn draft(&self, meeting: &str, code: &str, key: &str) -> Result<Option<crate::domain::ScoreSheet>> {
        let json: Option<String> = self
            .conn
            .query_row(
                "SELECT sheet_json FROM drafts WHERE meeting_id = ?1 AND code = ?2 AND identity_key = ?3",
                [meeting, code, key],
                |r| r.get(0),
            )
            .optional()?;
        Ok(json.and_then(|j| serde_json::from_str(&j).ok()))
    }

    pub fn delete_draft(&mut self, meeting: &str, code: &str, key: &str) -> Result<()> {
        self.write(|tx| {
            tx.execute(
                "DELETE FROM drafts WHERE meeting_id = ?1 AND code = ?2 AND identity_key = ?3",
                [meeting, code, key],
            )?;
            Ok(())
        })
    }
}
