//! `queue` and `show`: what a meeting holds, as the current identity may see it.

use super::{Ctx, output};
use crate::domain::text::Lang;
use crate::domain::{Aggregate, Method, Money, Severity};
use crate::store::{ApplicationView, MyScore, QueueRow};
use anyhow::Result;

#[derive(Debug, clap::Args)]
pub struct QueueArgs {
    /// Meeting id [default: the latest]
    #[arg(long)]
    pub meeting: Option<String>,
}

#[derive(Debug, clap::Args)]
pub struct ShowArgs {
    /// Project code of the application
    pub app: String,
    /// Meeting id [default: the latest]
    #[arg(long)]
    pub meeting: Option<String>,
}

/// The viewer's key: the chosen identity, or none (an observer) when the home has several and
/// none was chosen.
pub fn viewer_key(ctx: &Ctx) -> Result<String> {
    Ok(ctx.home.public_key(ctx.as_name.as_deref())?.key)
}

pub fn run_queue(ctx: &Ctx, a: QueueArgs) -> Result<()> {
    let store = ctx.home.open()?;
    let meeting = store.resolve_meeting(a.meeting.as_deref())?;
    let view = store.queue(&meeting, &viewer_key(ctx)?)?;
    if ctx.json {
        return output::json(&view);
    }
    print_queue(ctx, &view)
}

fn wan(m: Option<Money>) -> String {
    m.map(|m| m.wan()).unwrap_or_else(|| "—".into())
}

pub fn aggregate_text(ctx: &Ctx, g: &Option<Aggregate>, blind: bool) -> String {
    match g {
        _ if blind => ctx.t("提交后可见", "after you submit").to_string(),
        None => "—".into(),
        Some(g) => format!("{}{}", g.value, if g.method == Method::TrimmedMean { "*" } else { "" }),
    }
}

fn my_score(ctx: &Ctx, s: &MyScore) -> String {
    match s {
        MyScore::NotScoring => "".into(),
        MyScore::Recused => ctx.t("回避", "recused").into(),
        MyScore::None => ctx.t("未评", "none").into(),
        MyScore::Draft => ctx.t("草稿", "draft").into(),
        MyScore::Submitted { total } => total.to_string(),
        MyScore::Outdated { total } => format!("{total} {}", ctx.t("须重评", "re-score")),
    }
}

fn status(ctx: &Ctx, r: &QueueRow) -> String {
    match (r.outcome, ctx.lang) {
        (Some(o), Lang::Zh) if r.after_decision > 0 => format!("已决定：{} +{}", o.zh(), r.after_decision),
        (Some(o), Lang::En) if r.after_decision > 0 => format!("decided: {} +{}", o.en(), r.after_decision),
        (Some(o), Lang::Zh) => format!("已决定：{}", o.zh()),
        (Some(o), Lang::En) => format!("decided: {}", o.en()),
        (None, _) if r.outdated > 0 => match ctx.lang {
            Lang::Zh => format!("待评分（{} 份须重评）", r.outdated),
            Lang::En => format!("to score ({} to re-score)", r.outdated),
        },
        (None, _) => match r.status {
            crate::store::Status::Scored => ctx.t("已评分", "scored").into(),
            _ => ctx.t("待评分", "to score").into(),
        },
    }
}

fn print_queue(ctx: &Ctx, view: &crate::store::QueueView) -> Result<()> {
    let m = &view.meeting;
    let me = ctx.home.public_key(ctx.as_name.as_deref())?;
    say!("{}  {}  {}", m.id, m.date, m.title);
    say!(
        "{}：{}（{}）{}",
        ctx.t("当前身份", "Acting as"),
        me.name,
        ctx.t(view.viewer.zh(), &format!("{:?}", view.viewer).to_lowercase()),
        me.fingerprint()
    );
    let mut t = output::Table::new(&[
        (ctx.t("编码", "Code"), false, 16),
        (ctx.t("项目名称", "Name"), false, 30),
        (ctx.t("建设单位", "Unit"), false, 18),
        (ctx.t("类型", "Kind"), false, 10),
        (ctx.t("申报(万元)", "Req. (wan)"), true, 12),
        (ctx.t("规则", "Rules"), false, 10),
        (ctx.t("我的评分", "Mine"), false, 8),
        (ctx.t("已评", "Scored"), true, 6),
        (ctx.t("汇总分", "Aggregate"), true, 14),
        (ctx.t("状态", "Status"), false, 22),
    ]);
    for r in &view.rows {
        let badges = [(r.blocks, ctx.t("阻断", "block")), (r.warns, ctx.t("警示", "warn"))]
            .iter()
            .filter(|(n, _)| *n > 0)
            .map(|(n, l)| format!("{l}{n}"))
            .collect::<Vec<_>>()
            .join(" ");
        let now = view.under_discussion.as_deref() == Some(r.code.as_str());
        t.row(vec![
            if now { format!("▶{}", r.code) } else { r.code.clone() },
            r.name.clone(),
            r.unit.clone(),
            ctx.t(r.kind.zh(), r.kind.en()).into(),
            wan(r.requested_total.or(r.approved_total)),
            badges,
            my_score(ctx, &r.my_score),
            format!("{}/{}", r.scored, r.eligible),
            aggregate_text(ctx, &r.aggregate, r.blind),
            status(ctx, r),
        ]);
    }
    t.print();
    if let Some(code) = &view.under_discussion {
        say!("▶ {}：{code}", ctx.t("当前议题", "Under discussion"));
    }
    say!(
        "{}",
        ctx.t(
            "* 去掉一个最高分和一个最低分后的平均分；其余为算术平均。",
            "* trimmed mean (highest and lowest dropped); others are plain means."
        )
    );
    if view.rows.iter().any(|r| r.after_decision > 0) {
        say!(
            "{}",
            ctx.t(
                "+N：结论后提交的评分份数，现有结论未计入；组长可重新决定。",
                "+N: sheets submitted after the decision, which does not count them; the chair may decide again."
            )
        );
    }
    Ok(())
}

pub fn run_show(ctx: &Ctx, a: ShowArgs) -> Result<()> {
    let store = ctx.home.open()?;
    let meeting = store.resolve_meeting(a.meeting.as_deref())?;
    let view = store.application(&meeting, &a.app, &viewer_key(ctx)?)?;
    if ctx.json {
        return output::json(&view);
    }
    print_application(ctx, &view);
    Ok(())
}

fn print_application(ctx: &Ctx, v: &ApplicationView) {
    let a = &v.application;
    say!("{}  {}（{}）", a.code, a.name, ctx.t(a.kind.zh(), a.kind.en()));
    say!("{}：{}    {}：{}", ctx.t("建设单位", "Unit"), a.unit, ctx.t("主管部门", "Department"), a.department);
    // An amount in 万元 and in yuan, and what follows it on the line.
    let amount = |label: &str, m: crate::domain::Money, tail: String| {
        let (wan, yuan) = (ctx.t("万元", "wan yuan"), ctx.t("元", "yuan"));
        say!("{label}：{} {wan}（{} {yuan}）{tail}", m.wan(), m.yuan());
    };
    if let Some(m) = a.original_total {
        amount(ctx.t("最初批复总投资", "First approved total"), m, String::new());
    }
    if let Some(m) = a.approved_total {
        amount(ctx.t("批复总投资", "Approved total"), m, String::new());
    }
    if let Some(m) = a.requested_total {
        let change = a
            .approved_total
            .and_then(|base| m.change_basis_points(base))
            .map(|bp| format!("，{} {}", ctx.t("变动", "change"), crate::domain::percent::signed_percent(bp)));
        amount(ctx.t("申报总投资", "Requested total"), m, change.unwrap_or_default());
    }
    let yes = |b: bool| if b { ctx.t("是", "yes") } else { ctx.t("否", "no") }.to_string();
    let mut facts = vec![(
        ctx.t("计划类别", "Plan class"),
        a.plan_class.map(|c| c.to_string()).unwrap_or_else(|| ctx.t("未列入", "not in plan").into()),
    )];
    // A year's O&M engages no supervision firm (第十九条) and writes no data-sharing section
    // (第二十八条): for it these would read as failings that are not.
    if a.kind != crate::domain::ApplicationKind::Maintenance {
        facts.push((ctx.t("监理", "Supervision"), yes(a.supervision_firm)));
        facts.push((ctx.t("数据共享章节", "Data sharing"), yes(a.data_sharing_section)));
    }
    facts.push((ctx.t("跨部门", "Cross-dept"), yes(a.cross_department)));
    facts.push((
        ctx.t("等保", "Protection level"),
        a.protection_level.map(|l| l.level().to_string()).unwrap_or_else(|| "—".into()),
    ));
    say!("{}", facts.iter().map(|(k, v)| format!("{k}：{v}")).collect::<Vec<_>>().join("  "));
    if let (Some(s), Some(e)) = (a.trial_start, a.trial_end) {
        say!(
            "{}：{} — {}；{}：{}；{}：{}",
            ctx.t("试运行", "Trial operation"),
            s,
            e,
            ctx.t("建设完成", "Construction complete"),
            a.construction_completed.map(|d| d.to_string()).unwrap_or_default(),
            ctx.t("验收申请", "Acceptance applied"),
            a.acceptance_applied.map(|d| d.to_string()).unwrap_or_default()
        );
    }
    if let Some(line) = crate::domain::maintenance::facts_line(a) {
        say!("{}", line.get(ctx.lang));
    }
    say!();
    say!("{}", ctx.t("规则检查：", "Rule findings:"));
    if v.findings.is_empty() {
        say!("  {}", ctx.t("无", "none"));
    }
    for f in &v.findings {
        let sev = match f.severity {
            Severity::Blocks => ctx.t("阻断", "BLOCKS"),
            Severity::Warns => ctx.t("警示", "warns"),
            Severity::Informs => ctx.t("提示", "informs"),
        };
        say!("  [{sev}] {}（{}）", f.message.get(ctx.lang), f.article);
    }
    if !v.not_set.is_empty() {
        let names: Vec<&str> = v.not_set.iter().map(|k| ctx.t(k.zh(), k.en())).collect();
        say!(
            "  {}：{}",
            ctx.t("本会议政策档案未规定（未检查）", "Not set by this meeting's text (not checked)"),
            names.join(ctx.t("、", ", "))
        );
    }
    if !a.documents.is_empty() {
        say!("{}", ctx.t("附件：", "Documents:"));
        for d in &a.documents {
            say!("  {}  {} B  sha256 {}", d.name, d.size, &d.sha256[..16.min(d.sha256.len())]);
        }
    }
    say!();
    say!("{}", ctx.t("专家评分：", "Expert scores:"));
    for e in &v.experts {
        let what = match (&e.recused, e.total, v.blind) {
            (Some(r), ..) => format!("{}：{r}", ctx.t("回避", "recused")),
            (None, Some(t), _) => format!("{t}{}", if e.outlier { ctx.t("（离群）", " (outlier)") } else { "" }),
            (None, None, true) if e.event_id.is_some() => {
                ctx.t("已提交（提交本人评分后可见）", "submitted (visible after you submit)").into()
            }
            (None, None, _) => ctx.t("未提交", "not submitted").into(),
        };
        let old = if e.outdated && e.recused.is_none() {
            ctx.t(
                "  （针对申报或评分表的旧版本，不计入，须重评）",
                "  (for an earlier version of the application or rubric: not counted until scored again)",
            )
        } else if e.after_decision {
            ctx.t(
                "  （结论后提交，现有结论未计入，组长可重新决定）",
                "  (submitted after the decision, which does not count it; the chair may decide again)",
            )
        } else {
            ""
        };
        say!("  {}  {}  {what}{old}", e.fingerprint, crate::domain::text::fit(&e.name, 8));
        if let Some(why) = &e.review {
            say!("      {}：{}", ctx.t("复核", "Review"), why.get(ctx.lang));
        }
        if let Some(reason) = e.sheet.as_ref().map(|s| &s.revision_reason).filter(|r| !r.is_empty()) {
            say!("      {}：{reason}", ctx.t("复核修改理由", "Revised after review"));
        }
    }
    match (&v.aggregate, v.blind) {
        (_, true) => say!(
            "{}",
            ctx.t(
                "汇总分：提交本人评分后可见（背靠背评审）",
                "Aggregate: visible after you submit your own score (blind review)"
            )
        ),
        (Some(g), false) => {
            say!(
                "{}：{}（{}）  n={}  {} {}  {} {}  {} {}–{}  {} {}  {} {}",
                ctx.t("汇总分", "Aggregate"),
                g.value,
                ctx.t(g.method.zh(), g.method.en()),
                g.n,
                ctx.t("平均", "mean"),
                g.mean,
                ctx.t("中位数", "median"),
                g.median,
                ctx.t("范围", "range"),
                g.min,
                g.max,
                ctx.t("标准差", "sd"),
                g.std_dev,
                ctx.t("否决", "vetoes"),
                g.veto_count
            );
            if let Some(s) = v.suggestion_words() {
                say!("{}：{}", ctx.t("建议结论", "Suggested outcome"), ctx.t(&s.zh, &s.en));
            }
            let split = v.disagreement_lines();
            if !split.is_empty() {
                say!(
                    "{}",
                    ctx.t(
                        "复核：以下评分项专家给分相差超过该项满分一半，请相关专家复核",
                        "Review: on these criteria the experts' points differ by more than half the maximum; the experts concerned should look again"
                    )
                );
                for l in split {
                    say!("  {}", l.get(ctx.lang));
                }
            }
        }
        (None, false) => say!("{}：—", ctx.t("汇总分", "Aggregate")),
    }
    if let Some(d) = &v.decision {
        let x = &d.decision;
        say!(
            "{}：{}{}{}",
            ctx.t("专家组结论", "Panel decision"),
            ctx.t(x.outcome.zh(), x.outcome.en()),
            x.plan_class.map(|c| format!("  {} {c}", ctx.t("类别", "class"))).unwrap_or_default(),
            x.rectification_deadline.map(|dl| format!("  {} {dl}", ctx.t("整改期限", "deadline"))).unwrap_or_default()
        );
        if d.outdated {
            say!(
                "  {}",
                ctx.t(
                    "该结论针对申报或评分表的旧版本，已不成立，须重新评分后重新决定",
                    "this decision was made on an earlier version of the application or rubric and no longer stands: score and decide again"
                )
            );
        }
        if let Some(r) = &x.override_reason {
            say!("  {}：{r}", ctx.t("不采纳建议结论的理由", "Override reason"));
        }
        say!("  {}：{}", ctx.t("结论事件", "Decision event"), d.event_id);
    }
    for l in v.proceedings_lines() {
        say!("{}", l.get(ctx.lang));
    }
    say!();
    say!("{}", ctx.t("事件记录：", "History:"));
    for h in &v.history {
        say!(
            "  {}  #{:<3} {}  {}  {}",
            crate::domain::local_time::meeting_time(&h.time),
            h.seq,
            crate::domain::text::fit(&h.author_name, 10),
            crate::ledger::event::kind_words(&h.kind).get(ctx.lang),
            crate::ledger::event::status_words(&h.status).get(ctx.lang)
        );
    }
}
