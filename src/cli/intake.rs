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
}

pub fn run(ctx: &Ctx, a: Args) -> Result<()> {
    let mut store = ctx.home.open()?;
    let me = ctx.home.identity(ctx.as_name.as_deref())?;
    let meeting = store.resolve_meeting(a.meeting.as_deref())?;
    let (codes, documents) = register(&mut store, &me, &meeting, &a.file, a.dry_run, ctx.now)?;
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
pub fn register(
    store: &mut Store,
    me: &Identity,
    meeting: &str,
    file: &Path,
    dry_run: bool,
    now: DateTime<Utc>,
) -> Result<(Vec<String>, usize)> {
    let rows = crate::intake::read_file(file)?;
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
