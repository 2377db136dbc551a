//! The `applications` projection admits every application kind the domain knows.
//!
//! The first schema limited `applications.kind` to approval, change and acceptance. O&M
//! applications (运维, `maintenance`) came later. This step widens the CHECK with SQLite's
//! documented table-rebuild procedure (a new table, copy, drop, rename, foreign keys checked),
//! once per store, after the migrations. The rows are copied as they are; the table is a
//! projection of the log in any case.
//!
//! It stands outside the numbered migrations because SQLite's rebuild needs foreign keys off
//! (or dropping the old table would cascade to the score sheets and decisions), and
//! `PRAGMA foreign_keys` cannot change inside the transaction a migration runs in. Its check
//! makes running it again a no-op.

use super::Result;
use crate::domain::ApplicationKind;
use rusqlite::{Connection, TransactionBehavior};

/// The CHECK the first schema wrote.
const OLD_CHECK: &str = "CHECK (kind IN ('approval', 'change', 'acceptance'))";

/// The CHECK for every kind in [`ApplicationKind::ALL`].
fn check() -> String {
    let ids: Vec<String> = ApplicationKind::ALL.iter().map(|k| format!("'{}'", k.id())).collect();
    format!("CHECK (kind IN ({}))", ids.join(", "))
}

/// Widens the kind CHECK of `applications` if it still holds the first schema's.
pub fn widen(conn: &mut Connection) -> Result<()> {
    let sql: Option<String> = conn
        .query_row("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'applications'", [], |r| r.get(0))
        .ok();
    let Some(sql) = sql.filter(|s| s.contains(OLD_CHECK)) else { return Ok(()) };
    let create = sql.replacen(OLD_CHECK, &check(), 1).replacen(
        "CREATE TABLE applications",
        "CREATE TABLE applications_kinds",
        1,
    );
    // Foreign keys are switched off around the rebuild, as SQLite's ALTER TABLE page asks, so
    // that dropping the old table does not cascade to the score sheets and decisions.
    conn.execute_batch("PRAGMA foreign_keys = OFF;")?;
    let rebuilt = (|| -> Result<()> {
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute_batch(&format!(
            "{create};
             INSERT INTO applications_kinds SELECT * FROM applications;
             DROP TABLE applications;
             ALTER TABLE applications_kinds RENAME TO applications;"
        ))?;
        let broken: i64 = tx.query_row("SELECT count(*) FROM pragma_foreign_key_check", [], |r| r.get(0))?;
        // Rows that already named no application (which the foreign keys rule out) would be
        // hidden by the rebuild: leave the store as it was, so that doctor still opens it and
        // finds them. Dropping the transaction rolls the rebuild back.
        if broken == 0 {
            tx.commit()?;
        }
        Ok(())
    })();
    conn.execute_batch("PRAGMA foreign_keys = ON;")?;
    rebuilt
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_check_is_widened_once_and_rows_and_children_stay() {
        let mut conn = Connection::open_in_memory().unwrap();
        conn.execute_batch("PRAGMA foreign_keys = ON;").unwrap();
        crate::store::schema::migrations().to_latest(&mut conn).unwrap();
        // A store of the first schema, with an application and a score sheet of it.
        conn.execute_batch(
            "INSERT INTO meetings VALUES ('M', 't', '2026-12-08', 'gulou-2021', '{}', 'k', 's', 'e0', 1);
             INSERT INTO applications (meeting_id, code, kind, name, unit, requested_fen, approved_fen, data_json, event_id, seq)
                 VALUES ('M', 'GL-1', 'approval', '平台', '数据局', 100, NULL, '{}', 'e1', 2);
             INSERT INTO score_sheets (meeting_id, code, expert_key, total_halves, veto_count, event_id, seq, submitted_at)
                 VALUES ('M', 'GL-1', 'x', 160, 0, 'e2', 1, '2026-12-08');",
        )
        .unwrap();
        let refused = conn.execute(
            "INSERT INTO applications (meeting_id, code, kind, name, unit, data_json, event_id, seq)
                 VALUES ('M', 'YW-1', 'maintenance', '运维', '数据局', '{}', 'e3', 3)",
            [],
        );
        assert!(refused.is_err(), "the first schema refuses an O&M row");
        widen(&mut conn).unwrap();
        conn.execute(
            "INSERT INTO applications (meeting_id, code, kind, name, unit, data_json, event_id, seq)
                 VALUES ('M', 'YW-1', 'maintenance', '运维', '数据局', '{}', 'e3', 3)",
            [],
        )
        .unwrap();
        let count = |sql: &str| conn.query_row(sql, [], |r| r.get::<_, i64>(0)).unwrap();
        assert_eq!(count("SELECT count(*) FROM applications"), 2);
        assert_eq!(count("SELECT count(*) FROM score_sheets"), 1, "the rebuild did not cascade");
        assert!(
            conn.execute("INSERT INTO applications (meeting_id, code, kind, name, unit, data_json, event_id, seq) VALUES ('M', 'X', 'purchase', 'x', 'y', '{}', 'e4', 4)", []).is_err(),
            "other kinds are still refused"
        );
        let sql: String =
            conn.query_row("SELECT sql FROM sqlite_master WHERE name = 'applications'", [], |r| r.get(0)).unwrap();
        assert!(sql.contains("'maintenance'") && !sql.contains(OLD_CHECK), "{sql}");
        widen(&mut conn).unwrap();
        let fk: i64 = conn.query_row("PRAGMA foreign_keys", [], |r| r.get(0)).unwrap();
        assert_eq!(fk, 1, "foreign keys are on again");
        let children: i64 = conn
            .query_row(
                "SELECT count(*) FROM sqlite_master WHERE sql LIKE '%REFERENCES applications (meeting_id, code)%'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert!(children >= 3, "score sheets, conflicts and decisions still point at applications");
    }
}
