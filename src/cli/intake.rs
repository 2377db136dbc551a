//! `intake`: register applications from a file, all or nothing.

use super::{Ctx, output};
use crate::intake::{IntakeError, IntakeFileError, IntakeFolder};
use crate::ledger::Body;
use crate::ledger::Identity;
use crate::store::Store;
use anyhow::{Result, anyhow};
use chrono::{DateTime, Utc};
use std::path::Path;
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// CSV (UTF-8, with or without BOM), XLSX or JSON file of applications
    pub file: PathBuf,
    /// Meeting id [default: the latest]
    #[arg(long)]
    pub meeting: Option<String>,
    /// Check the file and report, without registering anything
    #[arg(long)]
    pub dry_run: bool,
    /// Register again an application that experts have already scored or the chair decided:
    /// its sheets and decision stop counting until it is scored and decided again
    #[arg(long)]
    pub reregister: bool,
}

pub fn run(ctx: &Ctx, a: Args) -> Result<()> {
    let mut store = ctx.home.open()?;
    let me = ctx.home.identity(ctx.as_name.as_deref())?;
    let meeting = store.resolve_meeting(a.meeting.as_deref())?;
    let Registered { codes, documents, warnings } = register(
        &mut store,
        &me,
        &meeting,
        &a.file,
        &ctx.home.dir,
        Mode { dry_run: a.dry_run, reregister: a.reregister },
        ctx.now,
    )?;
    if ctx.json {
        let warnings: Vec<_> = warnings
            .iter()
            .map(|w| serde_json::json!({"row": w.row, "column": w.column, "message": w.message}))
            .collect();
        return output::json(&serde_json::json!({
            "meeting": meeting,
            "registered": codes,
            "documents": documents,
            "dry_run": a.dry_run,
            "warnings": warnings,
        }));
    }
    for w in &warnings {
        say_err!("{} {w}", ctx.t("注意：", "Check:"));
    }
    let verb = if a.dry_run {
        ctx.t("检查通过，可登记", "Checked; would register")
    } else {
        ctx.t("已登记", "Registered")
    };
    say!(
        "{verb} {} {}（{} {}）：{}",
        codes.len(),
        ctx.t("个申报项目", "applications"),
        documents,
        ctx.t("份附件", "documents"),
        codes.join(", ")
    );
    Ok(())
}

/// What an intake registered (or, dry, would register).
#[derive(Debug, Default)]
pub struct Registered {
    pub codes: Vec<String>,
    /// Documents attached, all rows together.
    pub documents: usize,
    /// Amounts that look like a slip of the unit, with their rows (see [`IntakeRow::warnings`](crate::intake::IntakeRow)).
    pub warnings: Vec<IntakeError>,
}

/// Reads `file`, hashes its documents and registers every application in one transaction.
/// Returns the codes registered, the number of documents and the plausibility warnings.
///
/// The intake file comes from an applicant: its folder must not be the reviewdesk `home` or
/// inside it, and its documents are read only from inside that folder (see
/// [`IntakeFolder`]). Any problem refuses the whole file before anything is signed.
pub fn register(
    store: &mut Store,
    me: &Identity,
    meeting: &str,
    file: &Path,
    home: &Path,
    mode: Mode,
    now: DateTime<Utc>,
) -> Result<Registered> {
    let folder = IntakeFolder::open(file, home)?;
    let rows = crate::intake::read_file(file)?;
    if !mode.reregister {
        refuse_reregistering(store, meeting, &rows)?;
    }
    let meeting_event = store.meeting_event(meeting)?;
    let shown = file.display().to_string();
    let attached = folder.attach(&rows, &shown)?;
    let blobs = attached.blobs;
    let count = attached.documents.iter().map(Vec::len).sum();
    let mut bodies = Vec::new();
    let warnings: Vec<IntakeError> = rows.iter().flat_map(|r| r.warnings.iter().cloned()).collect();
    for (row, documents) in rows.into_iter().zip(attached.documents) {
        let mut app = row.application;
        app.documents = documents;
        // The limits every peer holds this event to, checked before it is signed.
        if let Err(e) = app.validate() {
            let errors = vec![IntakeError { row: row.row, column: String::new(), message: e.to_string() }];
            return Err(IntakeFileError::Rows { path: shown, errors, more: 0 }.into());
        }
        bodies.push(Body::ApplicationRegistered {
            meeting: meeting.to_string(),
            meeting_event: meeting_event.clone(),
            application: Box::new(app),
        });
    }
    let codes: Vec<String> = bodies.iter().filter_map(|b| b.application().map(str::to_string)).collect();
    if !mode.dry_run {
        store.append_local_all(me, bodies, &blobs, now)?;
    }
    Ok(Registered { codes, documents: count, warnings })
}

/// How an intake runs.
#[derive(Clone, Copy, Debug, Default)]
pub struct Mode {
    /// Check and report; sign nothing.
    pub dry_run: bool,
    /// Register again applications that have sheets or a decision.
    pub reregister: bool,
}

/// Refuses rows that would register again an application experts have scored or the chair has
/// decided: its sheets would silently count for content they were not given for.
fn refuse_reregistering(store: &Store, meeting: &str, rows: &[crate::intake::IntakeRow]) -> Result<()> {
    let assessed = store.assessed(meeting)?;
    let clashes: Vec<String> = rows
        .iter()
        .filter_map(|r| {
            let (sheets, decided) = assessed.get(&r.application.code)?;
            Some(format!(
                "第 {} 行 {}：已有 {sheets} 份评分表{} / row {}, {}: {sheets} score sheet(s){}",
                r.row,
                r.application.code,
                if *decided { "和结论" } else { "" },
                r.row,
                r.application.code,
                if *decided { " and a decision" } else { "" }
            ))
        })
        .collect();
    if clashes.is_empty() {
        return Ok(());
    }
    Err(anyhow!(
        "{}。重新登记后，这些评分表和结论将不再计入，直至专家重新评分、组长重新决定；如确需更正申报内容，请加 --reregister。未登记任何项目 / registering these again would stop their sheets and decisions counting until the experts score again and the chair decides again; to correct them anyway, add --reregister. Nothing was registered",
        clashes.join("；")
    ))
}
