//! `log`: the event history, each author's chain, its gaps and forks.

use super::{Ctx, output};
use anyhow::Result;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Only events of this meeting
    #[arg(long)]
    pub meeting: Option<String>,
}

pub fn run(ctx: &Ctx, a: Args) -> Result<()> {
    let store = ctx.home.open()?;
    let view = store.log(a.meeting.as_deref())?;
    if ctx.json {
        return output::json(&view);
    }
    for e in &view.entries {
        let reason = e.reason.as_ref().map(|r| format!("  ({})", r.get(ctx.lang))).unwrap_or_default();
        let target =
            [e.meeting.as_deref(), e.application.as_deref()].iter().flatten().copied().collect::<Vec<_>>().join(" ");
        say!(
            "{}  {}  {} #{}  {}  {}  {}{}",
            crate::domain::local_time::meeting_time(&e.time),
            &e.id[..12],
            crate::domain::text::fit(&e.author_name, 10),
            e.seq,
            crate::ledger::event::kind_words(&e.kind).get(ctx.lang),
            target,
            crate::ledger::event::status_words(&e.status).get(ctx.lang),
            reason
        );
    }
    for c in store.close_checks(a.meeting.as_deref())? {
        say!();
        say!(
            "{} {}（{} {}）{}：{} {}/{}，{} {}/{}；{} {}",
            ctx.t("会议封存", "Close of"),
            c.meeting,
            ctx.t("事件", "event"),
            &c.close.event[..12.min(c.close.event.len())],
            if c.close.reopened.is_some() { ctx.t("（已重新开启）", " (re-opened)") } else { "" },
            ctx.t("所固定的签名链头本机有", "pinned chain heads here"),
            c.heads_present,
            c.close.heads.len(),
            ctx.t("结论本机有", "decisions here"),
            c.decisions_present,
            c.close.decisions.len(),
            ctx.t("迟到暂存事件", "events held as late"),
            c.late
        );
    }
    say!();
    say!("{}", ctx.t("签名链：", "Chains:"));
    for c in &view.chains {
        let mut notes = Vec::new();
        for (from, to) in &c.gaps {
            notes.push(if from == to {
                format!("{} {from}", ctx.t("缺失", "gap at"))
            } else {
                format!("{} {from}–{to}", ctx.t("缺失", "gap"))
            });
        }
        for s in &c.forks {
            notes.push(format!("{} {s}", ctx.t("分叉！序号", "FORK at seq")));
        }
        let state = if notes.is_empty() { ctx.t("完整", "complete").to_string() } else { notes.join("；") };
        say!(
            "  {}  {}  #{}–#{}  {} {}  {}",
            c.fingerprint,
            crate::domain::text::fit(&c.name, 10),
            c.first_seq,
            c.last_seq,
            c.events,
            ctx.t("个事件", "events"),
            state
        );
    }
    Ok(())
}
