//! The `applications` projection admits every application kind the domain knows.
//!
//! The first schema limited `applications.kind` to approval, change and acceptance. O&M
//! applications (运维, `maintenance`) came later. This step widens the CHECK with SQLite's
//! documented table-rebuild procedure (a new table, copy, drop, rename, foreign keys checked),
//! once per store, after the migrations. The rows are copied as they are; the table is a
//! projection of the log in any case.
//!
//! It stands outside `schema.rs` while another change adds migrations there; it belongs in the
//! migration list as a step of its own once both are merged (its check makes running it again
//! a no-op).

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
        widen(&mut conn).unwrap();
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
