//! `decide`: the chair records the panel's conclusion.

use super::{Ctx, output};
use crate::domain::{Decision, Outcome, PlanClass, Reason};
use crate::ledger::Body;
use anyhow::{Result, anyhow, bail};
use chrono::NaiveDate;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Project code of the application
    pub app: String,
    /// Meeting id [default: the latest]
    #[arg(long)]
    pub meeting: Option<String>,
    /// Outcome: an id (pass, pass_after_revision, fail, change_approved, must_reapply,
    /// change_rejected, accepted, rectify, acceptance_failed, maintenance_approved,
    /// maintenance_reduced, maintenance_rejected) or its Chinese label [default: the suggested one]
    #[arg(long)]
    pub outcome: Option<String>,
    /// A/B/C class in the annual plan (approval only)
    #[arg(long)]
    pub class: Option<String>,
    /// Rectification deadline for 限期整改, YYYY-MM-DD
    #[arg(long)]
    pub deadline: Option<String>,
    /// Conditions attached to the decision (核减后同意: the approved O&M amount and why it was cut)
    #[arg(long, default_value = "")]
    pub conditions: String,
    /// The panel's opinion (专家组意见)
    #[arg(long, default_value = "")]
    pub opinion: String,
    /// Why the panel departs from the suggested outcome (required when it does)
    #[arg(long)]
    pub override_reason: Option<String>,
    /// Decide although some eligible experts have not submitted
    #[arg(long)]
    pub partial: bool,
}

pub fn run(ctx: &Ctx, a: Args) -> Result<()> {
    let mut store = ctx.home.open()?;
    let me = ctx.home.identity(ctx.as_name.as_deref())?;
    let meeting = store.resolve_meeting(a.meeting.as_deref())?;
    let view = store.application(&meeting, &a.app, &me.key_hex())?;
    let kind = view.application.kind;
    if view.viewer != crate::store::ViewerRole::Chair {
        bail!(
            "只有本次会议的组长能记录结论（你是{}）。请用 --as 组长姓名 / only the meeting's chair records decisions (you are {:?}): act as the chair with --as NAME",
            view.viewer.zh(),
            view.viewer
        );
    }
    let Some(suggested) = view.suggested else {
        bail!(
            "{} 还没有任何专家评分，无法形成结论 / no expert has scored {} yet, so there is nothing to decide on",
            a.app,
            a.app
        );
    };
    if let Some(missing) = view.missing_sheets().filter(|_| !a.partial) {
        return Err(missing.into());
    }
    if let Some(why) = view.below_quorum() {
        bail!("{} / {}", why.zh, why.en);
    }
    let outcome = match &a.outcome {
        None => suggested,
        Some(t) => Outcome::parse(t, kind).ok_or_else(|| {
            let allowed: Vec<String> = Outcome::for_kind(kind).map(|o| format!("{}（{}）", o.zh(), o.id())).collect();
            anyhow!("结论“{t}”不适用于{}申报，可选：{} / outcome “{t}” does not apply to a {} application; choose one of: {}", kind.zh(), allowed.join("、"), kind.en(), Outcome::for_kind(kind).map(|o| o.id()).collect::<Vec<_>>().join(", "))
        })?,
    };
    let (lawful, forbidden) = view.lawful_outcomes();
    if let Some(no) = forbidden.iter().find(|f| f.outcome == outcome) {
        bail!(
            "{}。可选：{} / {}. Choose one of: {}",
            no.why.zh,
            lawful.iter().map(|o| format!("{}（{}）", o.zh(), o.id())).collect::<Vec<_>>().join("、"),
            no.why.en,
            lawful.iter().map(|o| o.id()).collect::<Vec<_>>().join(", ")
        );
    }
    let plan_class = match &a.class {
        None => None,
        Some(c) => Some(
            PlanClass::parse(c).ok_or_else(|| anyhow!("类别“{c}”应为 A、B 或 C / class “{c}” should be A, B or C"))?,
        ),
    };
    let rectification_deadline: Option<NaiveDate> = match &a.deadline {
        None => None,
        Some(d) => Some(crate::intake::parse_date(d).ok_or_else(|| {
            anyhow!("整改期限“{d}”无效，请写成 2027-03-31 / deadline “{d}” is not a date: write 2027-03-31")
        })?),
    };
    let decision = Decision {
        outcome,
        suggested,
        plan_class,
        rectification_deadline,
        conditions: a.conditions.clone(),
        opinion: a.opinion.clone(),
        override_reason: a
            .override_reason
            .as_deref()
            .filter(|r| !r.trim().is_empty())
            .map(Reason::parse)
            .transpose()?
            .map(Reason::into_string),
    };
    let date = store.meeting(&meeting)?.date;
    decision.validate(kind, date)?;
    let based_on = view.score_event_ids();
    let ev = store.append_local(
        &me,
        Body::DecisionRecorded {
            meeting: meeting.clone(),
            code: a.app.clone(),
            basis: view.basis.clone(),
            decision,
            based_on,
        },
        ctx.now,
    )?;
    if ctx.json {
        return output::json(
            &serde_json::json!({"meeting": meeting, "app": a.app, "outcome": outcome, "suggested": suggested, "event": ev.id}),
        );
    }
    say!(
        "{}：{} {}（{} {}）",
        ctx.t("已记录结论", "Decision recorded"),
        a.app,
        ctx.t(outcome.zh(), outcome.en()),
        ctx.t("建议结论", "suggested"),
        ctx.t(suggested.zh(), suggested.en())
    );
    Ok(())
}
