//! `score` and `conflict`: an expert's signed score sheet, or their stepping aside (回避).

use super::{Ctx, output};
use crate::domain::{Points, Reason, ScoreSheet, VetoMark};
use crate::ledger::Body;
use anyhow::{Result, anyhow, bail};
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Project code of the application
    pub app: String,
    /// Meeting id [default: the latest]
    #[arg(long)]
    pub meeting: Option<String>,
    /// A score sheet file (.toml or .json) with points, comments, opinion and vetoes
    #[arg(long, conflicts_with = "points")]
    pub sheet: Option<PathBuf>,
    /// Points per criterion, e.g. necessity=13,technical=17.5 (repeatable)
    #[arg(long, value_name = "ID=POINTS", value_delimiter = ',')]
    pub points: Vec<String>,
    /// A comment on one criterion, e.g. technical=架构清晰 (repeatable)
    #[arg(long, value_name = "ID=TEXT")]
    pub comment: Vec<String>,
    /// The overall opinion (总体意见)
    #[arg(long)]
    pub opinion: Option<String>,
    /// Tick a veto item with its reason, e.g. no_data_sharing=未见数据共享章节 (repeatable)
    #[arg(long, value_name = "ID=REASON")]
    pub veto: Vec<String>,
    /// Why you revise a sheet that review (复核) flagged: required then (复核修改理由)
    #[arg(long)]
    pub reason: Option<String>,
}

#[derive(Debug, clap::Args)]
pub struct ConflictArgs {
    /// Project code of the application
    pub app: String,
    /// Meeting id [default: the latest]
    #[arg(long)]
    pub meeting: Option<String>,
    /// Why you step aside, e.g. 曾参与该项目可研编制 (or, with --withdraw, why you no longer
    /// need to); at least three Chinese characters or six letters
    #[arg(long)]
    pub reason: String,
    /// Withdraw your conflict declaration (撤回回避) and score the application again; only
    /// before the chair records a decision on it
    #[arg(long)]
    pub withdraw: bool,
}

fn pair(text: &str, what: &str) -> Result<(String, String)> {
    let (k, v) = text
        .split_once(['=', '：'])
        .ok_or_else(|| anyhow!("“{text}”应写成 编号=内容 / “{text}” should be ID=VALUE ({what})"))?;
    Ok((k.trim().to_string(), v.trim().to_string()))
}

fn sheet_from_args(a: &Args) -> Result<ScoreSheet> {
    if let Some(path) = &a.sheet {
        let text = std::fs::read_to_string(path)
            .map_err(|e| anyhow!("无法读取 {}：{e} / cannot read {}: {e}", path.display(), path.display()))?;
        let is_json = path.extension().is_some_and(|e| e == "json");
        let sheet: ScoreSheet = if is_json {
            serde_json::from_str(&text)
                .map_err(|e| anyhow!("{} 格式错误：{e} / {} is malformed: {e}", path.display(), path.display()))?
        } else {
            toml::from_str(&text).map_err(|e| {
                anyhow!(
                    "{} 格式错误：{} / {} is malformed: {}",
                    path.display(),
                    e.to_string().trim(),
                    path.display(),
                    e.to_string().trim()
                )
            })?
        };
        return Ok(sheet);
    }
    if a.points.is_empty() {
        bail!(
            "请用 --points 编号=分值 或 --sheet 文件 给出评分 / give the scores with --points ID=POINTS or --sheet FILE"
        );
    }
    let mut sheet = ScoreSheet::default();
    for p in &a.points {
        let (id, v) = pair(p, "points")?;
        sheet.points.insert(id, Points::parse(&v)?);
    }
    for c in &a.comment {
        let (id, v) = pair(c, "comment")?;
        sheet.comments.insert(id, v);
    }
    for v in &a.veto {
        let (id, reason) = pair(v, "veto")?;
        sheet.vetoes.push(VetoMark { id, reason });
    }
    sheet.opinion = a.opinion.clone().unwrap_or_default();
    Ok(sheet)
}

pub fn run(ctx: &Ctx, a: Args) -> Result<()> {
    let mut store = ctx.home.open()?;
    let me = ctx.home.identity(ctx.as_name.as_deref())?;
    let meeting = store.resolve_meeting(a.meeting.as_deref())?;
    let view = store.application(&meeting, &a.app, &me.key_hex())?;
    if view.awaits_sign_in(&me.key_hex()) {
        bail!(
            "请先签到：reviewdesk sign-in 阅读承诺书，再 reviewdesk sign-in --accept；签到后方可评分 / sign in first: read the pledge with reviewdesk sign-in, then reviewdesk sign-in --accept; scoring opens after sign-in"
        );
    }
    let mut sheet = sheet_from_args(&a)?;
    if let Some(reason) = a.reason.as_deref().filter(|r| !r.trim().is_empty()) {
        sheet.revision_reason = crate::domain::Reason::parse(reason)?.into_string();
    }
    let m = store.meeting(&meeting)?;
    if let Some(rubric) = m.rubrics.iter().find(|r| r.kind == view.application.kind) {
        sheet.validate(rubric)?;
    }
    let total = sheet.total();
    let revision = view.experts.iter().any(|e| e.key == me.key_hex() && e.event_id.is_some());
    let ev = store.append_local(
        &me,
        Body::ScoreSubmitted {
            meeting: meeting.clone(),
            code: a.app.clone(),
            basis: view.basis.clone(),
            sheet,
            seat: view.seat.clone(),
        },
        ctx.now,
    )?;
    if ctx.json {
        return output::json(
            &serde_json::json!({"meeting": meeting, "app": a.app, "total": total, "event": ev.id, "revision": revision}),
        );
    }
    let what = if revision {
        ctx.t("已提交修订评分", "Revised score submitted")
    } else {
        ctx.t("已提交评分", "Score submitted")
    };
    say!("{what}：{} {} {}（{} {}）", a.app, ctx.t("总分", "total"), total, ctx.t("事件", "event"), &ev.id[..12]);
    Ok(())
}

pub fn run_conflict(ctx: &Ctx, a: ConflictArgs) -> Result<()> {
    let reason = Reason::parse(&a.reason)?;
    let mut store = ctx.home.open()?;
    let me = ctx.home.identity(ctx.as_name.as_deref())?;
    let meeting = store.resolve_meeting(a.meeting.as_deref())?;
    if a.withdraw {
        return run_withdrawal(ctx, &mut store, &me, &meeting, &a.app, reason);
    }
    let view = store.application(&meeting, &a.app, &me.key_hex())?;
    let ev = store.append_local(
        &me,
        Body::ConflictDeclared {
            meeting: meeting.clone(),
            code: a.app.clone(),
            basis: view.basis,
            reason: reason.to_string(),
        },
        ctx.now,
    )?;
    if ctx.json {
        return output::json(&serde_json::json!({"meeting": meeting, "app": a.app, "event": ev.id}));
    }
    say!(
        "{}：{}（{}）",
        ctx.t("已声明回避，不再参与该项目评分", "Conflict declared; you no longer score"),
        a.app,
        reason
    );
    Ok(())
}

/// `conflict --withdraw`: the expert's standing declaration on the application is withdrawn.
fn run_withdrawal(
    ctx: &Ctx,
    store: &mut crate::store::Store,
    me: &crate::ledger::Identity,
    meeting: &str,
    code: &str,
    reason: Reason,
) -> Result<()> {
    let body = store.conflict_withdrawal(meeting, code, &me.key_hex(), reason.clone())?;
    let withdraws = match &body {
        Body::ConflictWithdrawn { withdraws, .. } => withdraws.clone(),
        _ => String::new(),
    };
    let ev = store.append_local(me, body, ctx.now)?;
    if ctx.json {
        return output::json(&serde_json::json!({
            "meeting": meeting, "app": code, "event": ev.id, "withdraws": withdraws, "withdrawn": true,
        }));
    }
    say!(
        "{}：{}（{}）",
        ctx.t("已撤回回避，请为该项目评分", "Conflict declaration withdrawn; you score this application again"),
        code,
        reason
    );
    Ok(())
}
