//! `intake`: register applications from a file, all or nothing.

use super::{Ctx, output};
use crate::intake::{IntakeError, IntakeFileError, IntakeFolder};
use crate::ledger::Body;
use crate::ledger::Identity;
use crate::store::Store;
use anyhow::Result;
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
}

pub fn run(ctx: &Ctx, a: Args) -> Result<()> {
    let mut store = ctx.home.open()?;
    let me = ctx.home.identity(ctx.as_name.as_deref())?;
    let meeting = store.resolve_meeting(a.meeting.as_deref())?;
    let (codes, documents) = register(&mut store, &me, &meeting, &a.file, &ctx.home.dir, a.dry_run, ctx.now)?;
    if ctx.json {
        return output::json(
            &serde_json::json!({"meeting": meeting, "registered": codes, "documents": documents, "dry_run": a.dry_run}),
        );
    }
    let verb = if a.dry_run {
        ctx.t("检查通过，可登记", "Checked; would register")
    } else {
        ctx.t("已登记", "Registered")
    };
    println!(
        "{verb} {} {}（{} {}）：{}",
        codes.len(),
        ctx.t("个申报项目", "applications"),
        documents,
        ctx.t("份附件", "documents"),
        codes.join(", ")
    );
    Ok(())
}

/// Reads `file`, hashes its documents and registers every application in one transaction.
/// Returns the codes registered and the number of documents.
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
    dry_run: bool,
    now: DateTime<Utc>,
) -> Result<(Vec<String>, usize)> {
    let folder = IntakeFolder::open(file, home)?;
    let rows = crate::intake::read_file(file)?;
    let shown = file.display().to_string();
    let attached = folder.attach(&rows, &shown)?;
    let blobs = attached.blobs;
    let count = attached.documents.iter().map(Vec::len).sum();
    let mut bodies = Vec::new();
    for (row, documents) in rows.into_iter().zip(attached.documents) {
        let mut app = row.application;
        app.documents = documents;
        // The limits every peer holds this event to, checked before it is signed.
        if let Err(e) = app.validate() {
            let errors = vec![IntakeError { row: row.row, column: String::new(), message: e.to_string() }];
            return Err(IntakeFileError::Rows { path: shown, errors, more: 0 }.into());
        }
        bodies.push(Body::ApplicationRegistered { meeting: meeting.to_string(), application: Box::new(app) });
    }
    let codes: Vec<String> = bodies.iter().filter_map(|b| b.application().map(str::to_string)).collect();
    if !dry_run {
        store.append_local_all(me, bodies, &blobs, now)?;
    }
    Ok((codes, count))
}
