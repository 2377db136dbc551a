//! The meeting's proceedings (会议程序): `sign-in` with the pledge, `countersign` and `finalise`
//! a decision, `clarify`, named `vote`s, and `meeting close` / `meeting reopen`.

use super::{Ctx, output};
use crate::domain::proceedings::Choice;
use crate::domain::{Outcome, Reason};
use crate::ledger::{Body, Identity};
use crate::store::{ApplicationView, Store, ViewerRole};
use anyhow::{Result, anyhow, bail};

#[derive(Debug, clap::Args)]
pub struct SignInArgs {
    /// Meeting id [default: the latest]
    #[arg(long)]
    pub meeting: Option<String>,
    /// Sign the pledge (without it, the pledge is only shown)
    #[arg(long)]
    pub accept: bool,
}

#[derive(Debug, clap::Args)]
pub struct CountersignArgs {
    /// Project code of the application
    pub app: String,
    /// Meeting id [default: the latest]
    #[arg(long)]
    pub meeting: Option<String>,
    /// Sign with a dissent (保留意见) and its written reason, instead of agreeing
    #[arg(long, value_name = "TEXT")]
    pub dissent: Option<String>,
}

#[derive(Debug, clap::Args)]
pub struct FinaliseArgs {
    /// Project code of the application
    pub app: String,
    /// Meeting id [default: the latest]
    #[arg(long)]
    pub meeting: Option<String>,
    /// A member who refused to sign without giving reasons, by name: taken to agree
    /// (《招标投标法实施条例》第五十三条); the others missing are recorded as absent (repeatable)
    #[arg(long, value_name = "NAME")]
    pub refused: Vec<String>,
}

#[derive(Debug, clap::Args)]
pub struct ClarifyArgs {
    /// Project code of the application
    pub app: String,
    /// Meeting id [default: the latest]
    #[arg(long)]
    pub meeting: Option<String>,
    /// The panel's written question to the applicant (panel member)
    #[arg(long, conflicts_with = "answer", required_unless_present = "answer")]
    pub question: Option<String>,
    /// The applicant's answer as received (secretariat); answers the oldest open question
    #[arg(long)]
    pub answer: Option<String>,
}

#[derive(Debug, clap::Subcommand)]
pub enum VoteCmd {
    /// Put an outcome to a named vote (记名表决) on an application (chair)
    Call {
        /// Project code of the application
        app: String,
        /// The outcome put to the vote: an id or its Chinese label
        #[arg(long)]
        motion: String,
        #[arg(long)]
        meeting: Option<String>,
    },
    /// Vote on the latest motion on an application: for, against or abstain (赞成/反对/弃权)
    Cast {
        /// Project code of the application
        app: String,
        /// for, against or abstain
        choice: String,
        /// Why (goes into the panel's opinion when you are in the minority)
        #[arg(long, default_value = "")]
        reason: String,
        #[arg(long)]
        meeting: Option<String>,
    },
}

#[derive(Debug, clap::Args)]
pub struct AgendaArgs {
    /// Put this application under discussion (chair or secretariat); without it, show the item
    /// under discussion and the order the items were taken in
    pub app: Option<String>,
    /// Meeting id [default: the latest]
    #[arg(long)]
    pub meeting: Option<String>,
}

#[derive(Debug, clap::Args)]
pub struct SubstituteArgs {
    /// Project code of the application below quorum
    pub app: String,
    /// The expert pool the panel was drawn from (checked by its hash)
    #[arg(long)]
    pub pool: std::path::PathBuf,
    /// The member who stepped aside, by name [default: the first who did and has no substitute]
    #[arg(long = "for", value_name = "NAME")]
    pub stands_in_for: Option<String>,
    /// Meeting id [default: the latest]
    #[arg(long)]
    pub meeting: Option<String>,
}

struct Acting {
    store: Store,
    me: Identity,
    meeting: String,
}

fn acting(ctx: &Ctx, meeting: Option<&str>) -> Result<Acting> {
    let store = ctx.home.open()?;
    let me = ctx.home.identity(ctx.as_name.as_deref())?;
    let meeting = store.resolve_meeting(meeting)?;
    Ok(Acting { store, me, meeting })
}

impl Acting {
    fn view(&self, code: &str) -> Result<ApplicationView> {
        Ok(self.store.application(&self.meeting, code, &self.me.key_hex())?)
    }

    fn sign(&mut self, ctx: &Ctx, body: Body) -> Result<String> {
        Ok(self.store.append_local(&self.me, body, ctx.now)?.id)
    }
}

fn done(ctx: &Ctx, zh: &str, en: &str, event: &str) -> Result<()> {
    if ctx.json {
        return output::json(&serde_json::json!({"event": event}));
    }
    say!("{}（{} {}）", ctx.t(zh, en), ctx.t("事件", "event"), &event[..12.min(event.len())]);
    Ok(())
}

pub fn sign_in(ctx: &Ctx, a: SignInArgs) -> Result<()> {
    let mut act = acting(ctx, a.meeting.as_deref())?;
    let m = act.store.meeting(&act.meeting)?;
    if matches!(Store::viewer_role(&m, &act.me.key_hex()), ViewerRole::Observer | ViewerRole::Secretariat) {
        bail!(
            "你不在会议 {} 的专家组中，无需签到 / you are not on the panel of meeting {} and do not sign in",
            act.meeting,
            act.meeting
        );
    }
    if !a.accept {
        say!("{}", crate::assets::PLEDGE.trim_end());
        say!();
        say!(
            "{}",
            ctx.t(
                "阅读后如同意，请运行 reviewdesk sign-in --accept 签名签到；签到后方可评分。",
                "If you agree, sign in with reviewdesk sign-in --accept; scoring opens after sign-in."
            )
        );
        return Ok(());
    }
    let meeting_event = act.store.meeting_event(&act.meeting)?;
    let body =
        Body::SignedIn { meeting: act.meeting.clone(), meeting_event, pledge: crate::assets::PLEDGE.to_string() };
    let id = act.sign(ctx, body)?;
    done(ctx, "已签到，承诺书已签名", "signed in; the pledge is signed", &id)
}

pub fn countersign(ctx: &Ctx, a: CountersignArgs) -> Result<()> {
    let mut act = acting(ctx, a.meeting.as_deref())?;
    let view = act.view(&a.app)?;
    let dissent = a.dissent.as_deref().map(Reason::parse).transpose()?;
    let body = view.countersign(&act.me.key_hex(), dissent)?;
    let id = act.sign(ctx, body)?;
    match a.dissent {
        None => done(ctx, "已签字确认结论", "countersigned the decision", &id),
        Some(_) => done(ctx, "已签字并记录保留意见", "signed with your dissent recorded", &id),
    }
}

pub fn finalise(ctx: &Ctx, a: FinaliseArgs) -> Result<()> {
    let mut act = acting(ctx, a.meeting.as_deref())?;
    let view = act.view(&a.app)?;
    let body = view.finalise(&a.refused)?;
    let id = act.sign(ctx, body)?;
    done(ctx, "结论已定稿，未签字成员已记录", "decision finalised; the members missing are recorded", &id)
}

pub fn clarify(ctx: &Ctx, a: ClarifyArgs) -> Result<()> {
    let mut act = acting(ctx, a.meeting.as_deref())?;
    let view = act.view(&a.app)?;
    let code = a.app.clone();
    if let Some(q) = a.question {
        if !matches!(view.viewer, ViewerRole::Chair | ViewerRole::Expert) {
            bail!("只有专家组成员能提出澄清问题 / only panel members ask for clarifications");
        }
        let body = Body::ClarificationAsked {
            meeting: act.meeting.clone(),
            code,
            basis: view.basis.clone(),
            question: q.trim().to_string(),
        };
        let id = act.sign(ctx, body)?;
        return done(
            ctx,
            "澄清问题已记录，请秘书处转申报单位书面答复",
            "question recorded; the secretariat passes it to the applicant",
            &id,
        );
    }
    let answer = a.answer.unwrap_or_default();
    if view.viewer != ViewerRole::Secretariat {
        bail!("只有秘书处能录入澄清答复 / only the secretariat enters answers to clarifications");
    }
    let Some(q) = view.proceedings.clarifications.iter().find(|c| c.answers.is_empty()) else {
        bail!("{code} 没有待答复的澄清问题 / {code} has no open clarification question");
    };
    let body = Body::ClarificationAnswered {
        meeting: act.meeting.clone(),
        code,
        asks: q.event.clone(),
        answer: answer.trim().to_string(),
    };
    let id = act.sign(ctx, body)?;
    done(
        ctx,
        "澄清答复已录入（澄清不得改变申报项目的实质性内容）",
        "answer entered (a clarification cannot change the substance of the application)",
        &id,
    )
}

pub fn vote(ctx: &Ctx, cmd: VoteCmd) -> Result<()> {
    match cmd {
        VoteCmd::Call { app, motion, meeting } => {
            let mut act = acting(ctx, meeting.as_deref())?;
            let view = act.view(&app)?;
            if view.viewer != ViewerRole::Chair {
                bail!("只有组长能发起记名表决 / only the chair calls a named vote");
            }
            let kind = view.application.kind;
            let motion = Outcome::parse(&motion, kind).ok_or_else(|| {
                anyhow!(
                    "表决事项“{motion}”不适用于{}申报 / “{motion}” is not an outcome of a {} application",
                    kind.zh(),
                    kind.en()
                )
            })?;
            let body = Body::VoteCalled { meeting: act.meeting.clone(), code: app, basis: view.basis.clone(), motion };
            let id = act.sign(ctx, body)?;
            done(ctx, "已发起记名表决", "named vote called", &id)
        }
        VoteCmd::Cast { app, choice, reason, meeting } => {
            let mut act = acting(ctx, meeting.as_deref())?;
            let view = act.view(&app)?;
            let choice = Choice::parse(&choice).ok_or_else(|| {
                anyhow!("“{choice}”应为 赞成/反对/弃权 / “{choice}” should be for, against or abstain")
            })?;
            let body = view.ballot(choice, &reason)?;
            let id = act.sign(ctx, body)?;
            done(ctx, "已投票", "vote cast", &id)
        }
    }
}

pub fn close(ctx: &Ctx, meeting: Option<&str>) -> Result<()> {
    let mut act = acting(ctx, meeting)?;
    let me = act.me.key_hex();
    let q = act.store.queue(&act.meeting, &me)?;
    if !matches!(q.viewer, ViewerRole::Chair | ViewerRole::Secretariat) {
        bail!("只有组长或秘书处能封存会议 / only the chair or the secretariat closes a meeting");
    }
    let undecided: Vec<&str> = q.rows.iter().filter(|r| r.decision_event.is_none()).map(|r| r.code.as_str()).collect();
    if !undecided.is_empty() {
        bail!(
            "还有 {} 个项目没有结论：{}。请先记录结论再封存 / {} applications have no decision yet: {}. Decide them before closing",
            undecided.len(),
            undecided.join("、"),
            undecided.len(),
            undecided.join(", ")
        );
    }
    let (heads, decisions) = act.store.close_pins(&act.meeting, &me)?;
    let meeting_event = act.store.meeting_event(&act.meeting)?;
    let pinned = (heads.len(), decisions.len());
    let body = Body::MeetingClosed { meeting: act.meeting.clone(), meeting_event, heads, decisions };
    let id = act.sign(ctx, body)?;
    if ctx.json {
        return output::json(&serde_json::json!({"event": id, "heads": pinned.0, "decisions": pinned.1}));
    }
    say!(
        "{} {}：{} {} {}、{} {}（{} {}）",
        ctx.t("已封存会议", "Closed meeting"),
        act.meeting,
        ctx.t("固定", "pinned"),
        pinned.0,
        ctx.t("条签名链", "chain heads"),
        pinned.1,
        ctx.t("项结论", "decisions"),
        ctx.t("事件", "event"),
        &id[..12]
    );
    say!(
        "{}",
        ctx.t(
            "此后本会议的新事件作为迟到事件暂存，不会改变已封存的结果；如需继续，请 reviewdesk meeting reopen --reason 理由",
            "Later events of this meeting are held as late and never change the closed result; to go on, reviewdesk meeting reopen --reason TEXT"
        )
    );
    Ok(())
}

pub fn reopen(ctx: &Ctx, meeting: Option<&str>, reason: &str) -> Result<()> {
    let mut act = acting(ctx, meeting)?;
    let reason = Reason::parse(reason)?.into_string();
    let p = act.store.proceedings(&act.meeting, None)?;
    let Some(close) = p.standing_close() else {
        bail!("会议 {} 没有封存，无需重新开启 / meeting {} is not closed", act.meeting, act.meeting);
    };
    let body = Body::MeetingReopened { meeting: act.meeting.clone(), reopens: close.event.clone(), reason };
    let id = act.sign(ctx, body)?;
    done(
        ctx,
        "会议已重新开启，暂存的迟到事件将重新审核",
        "meeting re-opened; events held as late are judged again",
        &id,
    )
}

pub fn agenda(ctx: &Ctx, a: AgendaArgs) -> Result<()> {
    let Some(code) = a.app else {
        // Reading the agenda needs no identity.
        let store = ctx.home.open()?;
        let meeting = store.resolve_meeting(a.meeting.as_deref())?;
        let p = store.proceedings(&meeting, None)?;
        if ctx.json {
            return output::json(&p.agenda);
        }
        match p.agenda.last() {
            None => say!("{}", ctx.t("尚未设定当前议题", "No item has been put under discussion")),
            Some(now) => say!("{}：{}", ctx.t("当前议题", "Under discussion"), now.code),
        }
        for (i, item) in p.agenda.iter().enumerate() {
            say!("  {}. {}  {}", i + 1, crate::domain::local_time::meeting_time(&item.time), item.code);
        }
        return Ok(());
    };
    let mut act = acting(ctx, a.meeting.as_deref())?;
    // The code must be an application of the meeting: the view says so, or why not.
    act.view(&code)?;
    let meeting_event = act.store.meeting_event(&act.meeting)?;
    let body = Body::AgendaSet { meeting: act.meeting.clone(), meeting_event, code: code.clone() };
    let id = act.sign(ctx, body)?;
    done(ctx, "已设定当前议题", "item under discussion set", &id)
}

/// 增补专家: the secretariat seats the next expert of the recused member's category in the
/// meeting's recorded draw on one application.
pub fn substitute(ctx: &Ctx, a: SubstituteArgs) -> Result<()> {
    let mut act = acting(ctx, a.meeting.as_deref())?;
    let m = act.store.meeting(&act.meeting)?;
    let view = act.view(&a.app)?;
    if view.viewer != ViewerRole::Secretariat {
        bail!("只有本次会议的秘书处能增补专家 / only the meeting's secretariat seats a substitute");
    }
    let Some(record) = &m.draw else {
        bail!(
            "本次会议的专家组不是从专家库抽取的，无法续抽；请用 meeting open 变更专家名单 / this meeting's panel was not drawn from a pool, so there is no draw to continue: change the roster with meeting open instead"
        );
    };
    let covered: Vec<&str> = view.substitutes.iter().map(|s| s.stands_in_for.as_str()).collect();
    let open: Vec<&crate::store::ExpertLine> =
        view.experts.iter().filter(|e| e.recused.is_some() && !covered.contains(&e.key.as_str())).collect();
    let member = match &a.stands_in_for {
        Some(name) => open.iter().find(|e| e.name == name.trim()),
        None => open.first(),
    };
    let Some(member) = member else {
        bail!("{} 没有尚未增补的回避专家 / no expert who stepped aside from {} is without a substitute", a.app, a.app);
    };
    let category = m.panel.iter().find(|p| p.member.key == member.key).map(|p| p.category.clone()).unwrap_or_default();
    // Everyone seated anywhere in the meeting is passed over, and the applicant's own unit.
    let mut skip: Vec<String> = m.panel.iter().map(|p| p.member.key.clone()).collect();
    skip.extend(act.store.substitutes(&act.meeting)?.into_iter().map(|s| s.member.member.key));
    let substitute =
        super::meeting::continue_draw(&a.pool, record, &category, &skip, std::slice::from_ref(&view.application.unit))?;
    let name = substitute.member.name.clone();
    let body = Body::SubstituteSeated {
        meeting: act.meeting.clone(),
        meeting_event: view.basis.meeting_event.clone(),
        code: a.app.clone(),
        substitute,
        stands_in_for: member.key.clone(),
        draw: crate::ledger::proceedings::ContinuedDraw {
            seed: record.seed,
            pool_sha256: record.pool_sha256.clone(),
            category,
        },
    };
    let id = act.sign(ctx, body)?;
    if ctx.json {
        return output::json(&serde_json::json!({"event": id, "substitute": name}));
    }
    say!(
        "{}：{name}（{} {}，{}）",
        ctx.t("已增补专家", "Substitute seated"),
        ctx.t("替补", "for"),
        member.name,
        ctx.t("按会议抽取种子续抽", "continuing the meeting's recorded draw")
    );
    Ok(())
}
