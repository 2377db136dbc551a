//! `reviewdesk rectification`: the 限期整改 orders across meetings, and the secretariat's
//! signed clearance of a unit whose later approvals are held back (第二十三条).

use super::{Ctx, output};
use crate::domain::Reason;
use crate::domain::rectification::{Track, units};
use crate::ledger::Body;
use anyhow::{Result, bail};
use clap::Subcommand;

#[derive(Debug, Subcommand)]
pub enum Cmd {
    /// List the rectification orders still open (整改中, overdue, applied again) and every
    /// unit whose later approvals are held back; --all lists closed ones too
    List {
        /// Also list orders accepted after rectification, and cleared holds
        #[arg(long)]
        all: bool,
        /// Judge deadlines as of this day instead of today (YYYY-MM-DD)
        #[arg(long, value_name = "DATE")]
        as_of: Option<String>,
    },
    /// Lift the hold on a unit's later approvals (secretariat), with a signed reason
    Clear {
        /// 建设单位, as registered
        unit: String,
        /// Clear only the hold from this project's order
        #[arg(long)]
        code: Option<String>,
        /// Why the hold is lifted (at least 3 Chinese characters or 6 letters)
        #[arg(long)]
        reason: String,
    },
}

pub fn run(ctx: &Ctx, cmd: Cmd) -> Result<()> {
    match cmd {
        Cmd::List { all, as_of } => list(ctx, all, as_of.as_deref()),
        Cmd::Clear { unit, code, reason } => clear(ctx, &unit, code.as_deref(), &reason),
    }
}

fn day(ctx: &Ctx, as_of: Option<&str>) -> Result<chrono::NaiveDate> {
    match as_of {
        None => Ok(crate::domain::local_time::meeting_day(ctx.now)),
        Some(t) => crate::intake::parse_date(t)
            .ok_or_else(|| anyhow::anyhow!("日期“{t}”无效，请写成 2027-03-31 / “{t}” is not a date: write 2027-03-31")),
    }
}

fn list(ctx: &Ctx, all: bool, as_of: Option<&str>) -> Result<()> {
    let store = ctx.home.open()?;
    let today = day(ctx, as_of)?;
    let tracks: Vec<Track> = store
        .rectification_history()?
        .tracks(today)
        .into_iter()
        .filter(|t| all || t.status.is_open() || t.clearable())
        .collect();
    if ctx.json {
        return output::json(&serde_json::json!({"as_of": today, "orders": tracks}));
    }
    if tracks.is_empty() {
        say!(
            "{}",
            ctx.t("没有未结的限期整改，也没有被暂缓审批的单位。", "No open rectification and no unit held back.")
        );
        return Ok(());
    }
    let mut table = output::Table::new(&[
        (ctx.t("整改期限", "deadline"), false, 10),
        (ctx.t("状态", "status"), false, 16),
        (ctx.t("暂缓立项", "held back"), false, 24),
        (ctx.t("建设单位", "unit"), false, 24),
        (ctx.t("项目", "project"), false, 40),
        (ctx.t("结论会议", "meeting"), false, 24),
    ]);
    for t in &tracks {
        let hold = match (&t.mark, &t.cleared_by) {
            (None, _) => "—".to_string(),
            (Some(_), Some(c)) => format!("{} {}", ctx.t("已解除", "cleared by"), c.by),
            (Some(cause), None) => {
                let w = cause.short();
                format!("{}（{}）", ctx.t("是", "yes"), ctx.t(&w.zh, &w.en))
            }
        };
        table.row(vec![
            t.order.deadline.to_string(),
            ctx.t(t.status.zh(), t.status.en()).to_string(),
            hold,
            t.order.unit.clone(),
            format!("{} {}", t.order.code, t.order.name),
            format!("{}（{}）", t.order.meeting, t.order.meeting_date),
        ]);
    }
    table.print();
    let held = units(tracks.iter().filter(|t| t.clearable()));
    say!(
        "{} {today}：{} {}，{} {}{}",
        ctx.t("截至", "As of"),
        tracks.iter().filter(|t| t.status.is_open()).count(),
        ctx.t("项整改未结", "open"),
        held.len(),
        ctx.t("个单位被暂缓后续立项", "unit(s) held back"),
        if held.is_empty() { String::new() } else { format!("：{}", held.join("、")) }
    );
    if !held.is_empty() {
        say!(
            "{}",
            ctx.t(
                "解除暂缓（秘书处）：reviewdesk rectification clear 单位名称 --reason 理由",
                "To lift a hold (secretariat): reviewdesk rectification clear UNIT --reason TEXT"
            )
        );
    }
    Ok(())
}

fn clear(ctx: &Ctx, unit: &str, code: Option<&str>, reason: &str) -> Result<()> {
    let mut store = ctx.home.open()?;
    let me = ctx.home.identity(ctx.as_name.as_deref())?;
    let reason = Reason::parse(reason)?.into_string();
    let tracks = store.rectification_history()?.tracks(day(ctx, None)?);
    let holds: Vec<&Track> = tracks
        .iter()
        .filter(|t| t.clearable() && t.order.unit.trim() == unit.trim())
        .filter(|t| code.is_none_or(|c| t.order.code == c))
        .collect();
    if holds.is_empty() {
        let held = units(tracks.iter().filter(|t| t.clearable()));
        bail!(
            "“{unit}”{}没有待解除的暂缓。被暂缓的单位：{} / “{unit}”{} has no hold to lift. Units held back: {}",
            code.map(|c| format!("（项目 {c}）")).unwrap_or_default(),
            if held.is_empty() { "无".to_string() } else { held.join("、") },
            code.map(|c| format!(" (project {c})")).unwrap_or_default(),
            if held.is_empty() { "none".to_string() } else { held.join(", ") },
        );
    }
    let mut events = Vec::new();
    for chunk in holds.chunks(crate::ledger::MAX_CLEARED) {
        let clears = chunk.iter().map(|t| t.order.decision_event.clone()).collect();
        let body = Body::UnitCleared { unit: unit.trim().to_string(), clears, reason: reason.clone() };
        events.push(store.append_local(&me, body, ctx.now)?.id);
    }
    let codes: Vec<&str> = holds.iter().map(|t| t.order.code.as_str()).collect();
    if ctx.json {
        return output::json(&serde_json::json!({"unit": unit.trim(), "cleared": codes, "events": events}));
    }
    say!(
        "{} {}：{}（{}）",
        ctx.t("已解除暂缓", "Hold lifted for"),
        unit.trim(),
        codes.join("、"),
        ctx.t("理由已签名记录", "reason signed and recorded")
    );
    Ok(())
}
