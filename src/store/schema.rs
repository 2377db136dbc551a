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

const STEPS: [&str; 6] = [V1, V2, V3, V4, V5, V6];

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
}
