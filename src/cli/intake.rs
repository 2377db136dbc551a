//! `intake`: register applications from a file, all or nothing.

use super::{Ctx, output};
use crate::domain::Document;
use crate::ledger::Body;
use crate::ledger::Identity;
use crate::store::Store;
use anyhow::{Result, anyhow};
use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};
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
    let (codes, documents) = register(&mut store, &me, &meeting, &a.file, a.dry_run, a.reregister, ctx.now)?;
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

/// Reads `file`, hashes its documents and registers every application in one transaction.
/// Returns the codes registered and the number of documents.
pub fn register(
    store: &mut Store,
    me: &Identity,
    meeting: &str,
    file: &Path,
    dry_run: bool,
    reregister: bool,
    now: DateTime<Utc>,
) -> Result<(Vec<String>, usize)> {
    let rows = crate::intake::read_file(file)?;
    if !reregister {
        refuse_reregistering(store, meeting, &rows)?;
    }
    let meeting_event = store.meeting_event(meeting)?;
    let base = file.parent().map(PathBuf::from).unwrap_or_default();
    let mut blobs = Vec::new();
    let mut bodies = Vec::new();
    for row in rows {
        let mut app = row.application;
        for p in &row.document_paths {
            let path = base.join(p);
            let bytes = std::fs::read(&path).map_err(|e| {
                anyhow!(
                    "第 {} 行「附件」：无法读取 {}：{e}。未登记任何项目 / row {}, column documents: cannot read {}: {e}. Nothing was registered",
                    row.row,
                    path.display(),
                    row.row,
                    path.display()
                )
            })?;
            let sha256 = hex::encode(Sha256::digest(&bytes));
            let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| p.clone());
            app.documents.push(Document { name, sha256: sha256.clone(), size: bytes.len() as u64 });
            blobs.push((sha256, bytes));
        }
        bodies.push(Body::ApplicationRegistered {
            meeting: meeting.to_string(),
            meeting_event: meeting_event.clone(),
            application: Box::new(app),
        });
    }
    let codes: Vec<String> = bodies.iter().filter_map(|b| b.application().map(str::to_string)).collect();
    if !dry_run {
        store.append_local_all(me, bodies, &blobs, now)?;
    }
    Ok((codes, blobs.len()))
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
