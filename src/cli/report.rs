//! `report` and `template`: meeting results as files, and the intake template.

use super::{Ctx, output};
use crate::report::{self, Format, MeetingReport, TableKind};
use anyhow::Result;
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct ReportArgs {
    /// The meeting [default: the only one]
    #[arg(long)]
    pub meeting: Option<String>,
    /// xlsx, csv, md, html, or the minutes (评审纪要) as minutes-md or minutes-html
    #[arg(long, value_enum)]
    pub format: Format,
    /// The file to write; for CSV without --table, NAME-summary.csv and the other tables beside it
    #[arg(long)]
    pub out: PathBuf,
    /// CSV only: write this one table (summary, scores, opinions or findings)
    #[arg(long)]
    pub table: Option<String>,
}

#[derive(Debug, clap::Subcommand)]
pub enum TemplateCmd {
    /// Write an empty intake sheet (with one example row) that `intake` reads once filled in
    Intake {
        /// FILE.xlsx (with drop-down lists) or FILE.csv
        #[arg(long)]
        out: PathBuf,
    },
}

pub fn run_report(ctx: &Ctx, a: ReportArgs) -> Result<()> {
    let table = a.table.as_deref().map(TableKind::parse).transpose()?;
    let store = ctx.home.open()?;
    let me = ctx.home.public_key(ctx.as_name.as_deref())?;
    let id = store.resolve_meeting(a.meeting.as_deref())?;
    let r = MeetingReport::build(&store, &id, &me.key, ctx.lang)?;
    let files = report::write(&r, a.format, table, &a.out)?;
    if ctx.json {
        return output::json(&serde_json::json!({"meeting": id, "files": files, "provisional": r.provisional}));
    }
    for f in &files {
        say!("{} {}", ctx.t("已写入", "Wrote"), f.display());
    }
    if r.provisional {
        say!("{}", r.provisional_note());
    }
    Ok(())
}

pub fn run_template(ctx: &Ctx, cmd: TemplateCmd) -> Result<()> {
    let TemplateCmd::Intake { out } = cmd;
    report::template::write(&out)?;
    if ctx.json {
        return output::json(&serde_json::json!({"template": "intake", "file": out}));
    }
    say!("{} {}", ctx.t("已写入申报录入模板", "Wrote the intake template"), out.display());
    say!(
        "{}",
        ctx.t(
            "填好后运行 reviewdesk intake 该文件；第二行示例会被跳过。",
            "Fill it in, then run reviewdesk intake on it; the example row is skipped."
        )
    );
    Ok(())
}
