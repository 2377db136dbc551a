//! The schema, as rusqlite_migration migrations (version kept in `user_version`).

use rusqlite_migration::{M, Migrations};

/// Events are the truth; every other table but `trust`, `drafts`, `blobs` and `local_meta` is a
/// projection of the applied events and can be rebuilt from them.
const V1: &str = r#"
CREATE TABLE events (
    id          TEXT PRIMARY KEY,
    author      TEXT NOT NULL,
    seq         INTEGER NOT NULL CHECK (seq >= 1),
    prev        TEXT,
    suite       TEXT NOT NULL,
    kind        TEXT NOT NULL,
    meeting_id  TEXT,
    app_code    TEXT,
    time        TEXT NOT NULL,
    bytes       BLOB NOT NULL,
    signature   BLOB NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('applied', 'quarantined', 'rejected')),
    reason_zh   TEXT,
    reason_en   TEXT,
    received_at TEXT NOT NULL
) STRICT;
CREATE INDEX events_by_author ON events (author, seq);
CREATE INDEX events_by_record ON events (meeting_id, app_code);
CREATE INDEX events_by_status ON events (status) WHERE status <> 'applied';

CREATE TABLE trust (
    key         TEXT PRIMARY KEY,
    suite       TEXT NOT NULL,
    name        TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    added_at    TEXT NOT NULL
) STRICT;

CREATE TABLE meetings (
    id               TEXT PRIMARY KEY,
    title            TEXT NOT NULL,
    date             TEXT NOT NULL,
    profile_id       TEXT NOT NULL,
    body_json        TEXT NOT NULL,
    secretariat_key  TEXT NOT NULL,
    secretariat_name TEXT NOT NULL,
    event_id         TEXT NOT NULL,
    seq              INTEGER NOT NULL
) STRICT;

CREATE TABLE panel (
    meeting_id TEXT NOT NULL REFERENCES meetings (id) ON DELETE CASCADE,
    key        TEXT NOT NULL,
    suite      TEXT NOT NULL,
    name       TEXT NOT NULL,
    role       TEXT NOT NULL CHECK (role IN ('chair', 'expert')),
    category   TEXT NOT NULL,
    unit       TEXT NOT NULL,
    PRIMARY KEY (meeting_id, key)
) STRICT;

CREATE TABLE applications (
    meeting_id    TEXT NOT NULL REFERENCES meetings (id) ON DELETE CASCADE,
    code          TEXT NOT NULL,
    kind          TEXT NOT NULL CHECK (kind IN ('approval', 'change', 'acceptance')),
    name          TEXT NOT NULL,
    unit          TEXT NOT NULL,
    requested_fen INTEGER,
    approved_fen  INTEGER,
    data_json     TEXT NOT NULL,
    event_id      TEXT NOT NULL,
    seq           INTEGER NOT NULL,
    PRIMARY KEY (meeting_id, code)
) STRICT;

CREATE TABLE conflicts (
    meeting_id  TEXT NOT NULL,
    code        TEXT NOT NULL,
    expert_key  TEXT NOT NULL,
    reason      TEXT NOT NULL,
    event_id    TEXT NOT NULL,
    seq         INTEGER NOT NULL,
    declared_at TEXT NOT NULL,
    PRIMARY KEY (meeting_id, code, expert_key),
    FOREIGN KEY (meeting_id, code) REFERENCES applications (meeting_id, code) ON DELETE CASCADE
) STRICT;

CREATE TABLE score_sheets (
    meeting_id   TEXT NOT NULL,
    code         TEXT NOT NULL,
    expert_key   TEXT NOT NULL,
    total_halves INTEGER NOT NULL CHECK (total_halves BETWEEN 0 AND 200),
    veto_count   INTEGER NOT NULL,
    sheet_json   TEXT NOT NULL,
    event_id     TEXT NOT NULL,
    seq          INTEGER NOT NULL,
    submitted_at TEXT NOT NULL,
    PRIMARY KEY (meeting_id, code, expert_key),
    FOREIGN KEY (meeting_id, code) REFERENCES applications (meeting_id, code) ON DELETE CASCADE
) STRICT;

CREATE TABLE decisions (
    meeting_id    TEXT NOT NULL,
    code          TEXT NOT NULL,
    outcome       TEXT NOT NULL,
    decision_json TEXT NOT NULL,
    based_on_json TEXT NOT NULL,
    event_id      TEXT NOT NULL,
    seq           INTEGER NOT NULL,
    decided_at    TEXT NOT NULL,
    PRIMARY KEY (meeting_id, code),
    FOREIGN KEY (meeting_id, code) REFERENCES applications (meeting_id, code) ON DELETE CASCADE
) STRICT;

CREATE TABLE revocations (
    key        TEXT PRIMARY KEY,
    cutoff_seq INTEGER NOT NULL,
    reason     TEXT NOT NULL,
    event_id   TEXT NOT NULL
) STRICT;

CREATE TABLE drafts (
    meeting_id   TEXT NOT NULL,
    code         TEXT NOT NULL,
    identity_key TEXT NOT NULL,
    sheet_json   TEXT NOT NULL,
    saved_at     TEXT NOT NULL,
    PRIMARY KEY (meeting_id, code, identity_key)
) STRICT;

CREATE TABLE blobs (
    sha256  TEXT PRIMARY KEY,
    size    INTEGER NOT NULL,
    content BLOB NOT NULL
) STRICT;

CREATE TABLE local_meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;
"#;

/// Forks are held apart from other quarantined events: re-examination never resolves them.
const V2: &str = "ALTER TABLE events ADD COLUMN fork INTEGER NOT NULL DEFAULT 0 CHECK (fork IN (0, 1));";

/// A score sheet is read from its event: keeping a second copy in the projection doubled the
/// bytes every import writes.
const V3: &str = "ALTER TABLE score_sheets DROP COLUMN sheet_json;";

/// Events about an application answer the versions they name (`basis`), so a score sheet and a
/// decision record the registration and the rubric they answer, and a decision is kept per chair
/// key (a chair who changed keys is one seat, as an expert is). Void events (after a revocation
/// cut-off) stay in the log with their own state, since the revocation may itself be voided.
/// The projections are rebuilt from the log on the next open.
const V4: &str = r#"
CREATE TABLE events_v4 (
    id          TEXT PRIMARY KEY,
    author      TEXT NOT NULL,
    seq         INTEGER NOT NULL CHECK (seq >= 1),
    prev        TEXT,
    suite       TEXT NOT NULL,
    kind        TEXT NOT NULL,
    meeting_id  TEXT,
    app_code    TEXT,
    time        TEXT NOT NULL,
    bytes       BLOB NOT NULL,
    signature   BLOB NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('applied', 'quarantined', 'void')),
    reason_zh   TEXT,
    reason_en   TEXT,
    received_at TEXT NOT NULL,
    fork        INTEGER NOT NULL DEFAULT 0 CHECK (fork IN (0, 1))
) STRICT;
INSERT INTO events_v4 SELECT id, author, seq, prev, suite, kind, meeting_id, app_code, time, bytes, signature,
    status, reason_zh, reason_en, received_at, fork FROM events WHERE status <> 'rejected';
DROP TABLE events;
ALTER TABLE events_v4 RENAME TO events;
CREATE INDEX events_by_author ON events (author, seq);
CREATE INDEX events_by_record ON events (meeting_id, app_code);
CREATE INDEX events_by_status ON events (status) WHERE status <> 'applied';

ALTER TABLE score_sheets ADD COLUMN application_event TEXT NOT NULL DEFAULT '';
ALTER TABLE score_sheets ADD COLUMN rubric_sha256 TEXT NOT NULL DEFAULT '';

DROP TABLE decisions;
CREATE TABLE decisions (
    meeting_id        TEXT NOT NULL,
    code              TEXT NOT NULL,
    chair_key         TEXT NOT NULL,
    outcome           TEXT NOT NULL,
    decision_json     TEXT NOT NULL,
    based_on_json     TEXT NOT NULL,
    application_event TEXT NOT NULL,
    rubric_sha256     TEXT NOT NULL,
    event_id          TEXT NOT NULL,
    seq               INTEGER NOT NULL,
    decided_at        TEXT NOT NULL,
    PRIMARY KEY (meeting_id, code, chair_key),
    FOREIGN KEY (meeting_id, code) REFERENCES applications (meeting_id, code) ON DELETE CASCADE
) STRICT;

INSERT INTO local_meta (key, value) VALUES ('replay_needed', 'schema 4')
    ON CONFLICT (key) DO UPDATE SET value = excluded.value;
"#;

/// A conflict declaration may be withdrawn (撤回回避). Per expert and application the row keeps
/// the newest declaration, and the newest withdrawal when it is newer (by seq) than that
/// declaration; a later declaration clears it again. No store before this version holds a
/// withdrawal, so nothing needs replaying.
const V5: &str = r#"
ALTER TABLE conflicts ADD COLUMN withdrawn_event TEXT;
ALTER TABLE conflicts ADD COLUMN withdrawn_seq INTEGER;
ALTER TABLE conflicts ADD COLUMN withdrawn_reason TEXT;
ALTER TABLE conflicts ADD COLUMN withdrawn_at TEXT;
"#;

/// Events of one kind in one meeting (substitutes, closes, proceedings) are read on every queue
/// and view: an index on both, rather than a scan of the meeting's events.
const V6: &str = r#"
CREATE INDEX events_by_kind ON events (kind, meeting_id);
"#;

/// The queue walks the score sheets and decisions of a meeting in key order. As rowid tables
/// each row was one step down the key index and then a second search of the table by rowid;
/// clustered on their key (WITHOUT ROWID) the walk is one pass over the leaves. A decision also
/// keeps the suite it is signed in, which the queue had read from the log with one random
/// read per decision. Neither table has children, so each is rebuilt in place.
const V7: &str = r#"
CREATE TABLE score_sheets_v7 (
    meeting_id        TEXT NOT NULL,
    code              TEXT NOT NULL,
    expert_key        TEXT NOT NULL,
    total_halves      INTEGER NOT NULL CHECK (total_halves BETWEEN 0 AND 200),
    veto_count        INTEGER NOT NULL,
    event_id          TEXT NOT NULL,
    seq               INTEGER NOT NULL,
    submitted_at      TEXT NOT NULL,
    application_event TEXT NOT NULL DEFAULT '',
    rubric_sha256     TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (meeting_id, code, expert_key),
    FOREIGN KEY (meeting_id, code) REFERENCES applications (meeting_id, code) ON DELETE CASCADE
) STRICT, WITHOUT ROWID;
INSERT INTO score_sheets_v7 (meeting_id, code, expert_key, total_halves, veto_count, event_id, seq, submitted_at,
        application_event, rubric_sha256)
    SELECT meeting_id, code, expert_key, total_halves, veto_count, event_id, seq, submitted_at,
        application_event, rubric_sha256 FROM score_sheets;
DROP TABLE score_sheets;
ALTER TABLE score_sheets_v7 RENAME TO score_sheets;

CREATE TABLE decisions_v7 (
    meeting_id        TEXT NOT NULL,
    code              TEXT NOT NULL,
    chair_key         TEXT NOT NULL,
    outcome           TEXT NOT NULL,
    decision_json     TEXT NOT NULL,
    based_on_json     TEXT NOT NULL,
    application_event TEXT NOT NULL,
    rubric_sha256     TEXT NOT NULL,
    event_id          TEXT NOT NULL,
    seq               INTEGER NOT NULL,
    decided_at        TEXT NOT NULL,
    suite             TEXT NOT NULL,
    PRIMARY KEY (meeting_id, code, chair_key),
    FOREIGN KEY (meeting_id, code) REFERENCES applications (meeting_id, code) ON DELETE CASCADE
) STRICT, WITHOUT ROWID;
INSERT INTO decisions_v7 (meeting_id, code, chair_key, outcome, decision_json, based_on_json, application_event,
        rubric_sha256, event_id, seq, decided_at, suite)
    SELECT d.meeting_id, d.code, d.chair_key, d.outcome, d.decision_json, d.based_on_json, d.application_event,
        d.rubric_sha256, d.event_id, d.seq, d.decided_at,
        COALESCE((SELECT e.suite FROM events e WHERE e.id = d.event_id), '')
    FROM decisions d;
DROP TABLE decisions;
ALTER TABLE decisions_v7 RENAME TO decisions;
"#;

const STEPS: [&str; 7] = [V1, V2, V3, V4, V5, V6, V7];

/// The schema version a migrated store records in `user_version`.
pub const VERSION: i64 = STEPS.len() as i64;

pub fn migrations() -> Migrations<'static> {
    Migrations::new(STEPS.iter().map(|s| M::up(s)).collect())
}

/// The projection tables, in the order a rebuild clears them (children first).
pub const PROJECTIONS: &[&str] =
    &["decisions", "score_sheets", "conflicts", "applications", "panel", "meetings", "revocations"];

#[cfg(test)]
mod tests {
    #[test]
    fn migrations_are_valid() {
        assert!(super::migrations().validate().is_ok());
    }

    #[test]
    fn a_migrated_store_records_the_version_backups_are_checked_against() {
        let mut conn = rusqlite::Connection::open_in_memory().unwrap();
        super::migrations().to_latest(&mut conn).unwrap();
        let v: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
        assert_eq!(v, super::VERSION);
    }

    /// A store of version 6 keeps its sheets and decisions through the rebuild, and each
    /// decision gains the suite of its event.
    #[test]
    fn version_7_keeps_sheets_and_decisions_and_fills_the_suite() {
        let mut conn = rusqlite::Connection::open_in_memory().unwrap();
        conn.execute_batch("PRAGMA foreign_keys = ON;").unwrap();
        super::migrations().to_version(&mut conn, 6).unwrap();
        conn.execute_batch(
            "INSERT INTO meetings VALUES ('M', 't', '2026-12-08', 'gulou-2021', '{}', 'k', 's', 'e0', 1);
             INSERT INTO applications (meeting_id, code, kind, name, unit, requested_fen, approved_fen, data_json, event_id, seq)
                 VALUES ('M', 'GL-1', 'approval', '平台', '数据局', 100, NULL, '{}', 'e1', 2);
             INSERT INTO score_sheets (meeting_id, code, expert_key, total_halves, veto_count, event_id, seq, submitted_at,
                 application_event, rubric_sha256)
                 VALUES ('M', 'GL-1', 'x', 160, 1, 'e2', 1, '2026-12-08', 'e1', 'r');
             INSERT INTO events (id, author, seq, suite, kind, time, bytes, signature, status, received_at)
                 VALUES ('e3', 'c', 1, 'sm2-sm3', 'decision_recorded', 't', x'00', x'00', 'applied', 't');
             INSERT INTO decisions (meeting_id, code, chair_key, outcome, decision_json, based_on_json, application_event,
                 rubric_sha256, event_id, seq, decided_at)
                 VALUES ('M', 'GL-1', 'c', 'approve', '{}', '[]', 'e1', 'r', 'e3', 1, '2026-12-08');",
        )
        .unwrap();
        super::migrations().to_latest(&mut conn).unwrap();
        let sheet: (i64, i64, String) = conn
            .query_row("SELECT total_halves, veto_count, application_event FROM score_sheets", [], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })
            .unwrap();
        assert_eq!(sheet, (160, 1, "e1".to_string()));
        let decision: (String, String) =
            conn.query_row("SELECT outcome, suite FROM decisions", [], |r| Ok((r.get(0)?, r.get(1)?))).unwrap();
        assert_eq!(decision, ("approve".to_string(), "sm2-sm3".to_string()));
        // The foreign keys still hold: deleting the application takes its sheet and decision.
        conn.execute("DELETE FROM applications", []).unwrap();
        let left: i64 = conn
            .query_row("SELECT (SELECT count(*) FROM score_sheets) + (SELECT count(*) FROM decisions)", [], |r| {
                r.get(0)
            })
            .unwrap();
        assert_eq!(left, 0);
    }
}
