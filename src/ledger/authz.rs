//! Who may sign what. Only a trusted secretariat opens meetings, registers applications and
//! revokes keys; only panel experts score and step aside; only the chair decides; nobody acts
//! after their revocation cut-off.
//!
//! Every event about an application names the versions it answers (its [`Basis`]), a decision
//! names the score sheets it rests on, and a withdrawal of a conflict declaration (撤回回避)
//! names the declaration. Those named events are checked, not the state the receiver happens to
//! be in, so that a verdict never depends on arrival order: a named event that is not here yet
//! holds the event in quarantine; one of the wrong kind rejects it.
//!
//! Withdrawals and decisions. An expert may withdraw their own declaration until the chair
//! decides. That deadline is kept where the withdrawal is signed ([`local_guard`]: no machine
//! signs one while a decision on the application as it stands is recorded there), not on
//! import: whether a decision came "before" a withdrawal signed on another machine is not
//! something a receiver can tell from the events alone. So a withdrawal is valid wherever it
//! arrives when it names an applied declaration by its own author on the same application, and
//! its effect does not depend on decisions: a decision rests on the sheets it names, never on
//! who was recused, so it stands as it was. An expert counted again after a decision shows as
//! not submitted, and a sheet they then submit as one the decision did not see, until the chair
//! decides again.

mod proceedings;

use super::event::{Basis, Body, MeetingOpened, Role, SignedEvent};
use crate::domain::text::Text;
use crate::domain::{Application, ScoreSheet};
use std::collections::HashSet;
use std::rc::Rc;

/// What an authorizer needs to know. The store implements it over the event log and the
/// projection tables; tests implement it over plain values.
pub trait Authority {
    fn is_trusted_secretariat(&self, key: &str) -> bool;
    fn revocation_cutoff(&self, key: &str) -> Option<u64>;
    /// A meeting version: an applied `meeting_opened` event, by id.
    fn meeting_version(&self, event_id: &str) -> Named<Rc<MeetingVersion>>;
    /// An applied `application_registered` event, by id.
    fn application_version(&self, event_id: &str) -> Named<Rc<ApplicationVersion>>;
    /// An applied `score_submitted` event, by id.
    fn score_sheet(&self, event_id: &str) -> Named<Rc<SheetVersion>>;
    /// Whether a key other than `author` has an event here that opens meeting `meeting` (one
    /// with no predecessor), whatever its state: two secretariats opening one meeting is a
    /// conflict a person must settle.
    fn opened_by_another(&self, meeting: &str, author: &str) -> bool;
    /// An applied `conflict_declared` event, by id.
    fn conflict_declaration(&self, event_id: &str) -> Named<Rc<DeclarationVersion>>;
    /// The event id of `key`'s conflict declaration on the application that stands here (applied
    /// and not withdrawn), if any (for the signer's own machine).
    fn standing_declaration(&self, meeting: &str, code: &str, key: &str) -> Option<String>;
    /// Whether `key` has a conflict declaration standing on the application (for the signer's
    /// own machine).
    fn is_recused(&self, meeting: &str, code: &str, key: &str) -> bool {
        self.standing_declaration(meeting, code, key).is_some()
    }
    /// Whether a decision on the application made on the versions `basis` names is applied here
    /// (for the signer's own machine).
    fn is_decided(&self, meeting: &str, code: &str, basis: &Basis) -> bool;
    /// The current meeting version of `meeting` and, when `code` is given, the current
    /// registration of that application (for the signer's own machine).
    fn current(&self, meeting: &str, code: Option<&str>) -> Option<(String, Option<String>)>;
    /// An applied event of `kind`, by id: what a countersignature, vote, answer or re-open names.
    fn named_event(&self, event_id: &str, kind: &'static str) -> Named<Rc<Signed>>;
    /// The standing close (会议封存, applied and not re-opened) of `meeting` that `author`'s
    /// event at `seq` comes after, if any: one that pins no head of `author`, or an earlier one.
    fn closed_before(&self, meeting: &str, author: &str, seq: u64) -> Option<String>;
}

/// An applied event as a named-event lookup returns it.
#[derive(Clone, Debug)]
pub struct Signed {
    pub author: String,
    pub seq: u64,
    pub body: Body,
}

/// An event named by id, as the authorizer finds it.
#[derive(Clone, Debug)]
pub enum Named<T> {
    /// Present and applied, of the kind asked for.
    Here(T),
    /// Absent, or held, or void here.
    NotHere,
    /// Present, but another kind of event.
    WrongKind,
}

/// A meeting as one of its versions describes it.
#[derive(Clone, Debug)]
pub struct MeetingVersion {
    pub author: String,
    pub seq: u64,
    pub meeting: MeetingOpened,
}

impl MeetingVersion {
    pub fn role_of(&self, key: &str) -> Option<Role> {
        self.meeting.panel.iter().find(|p| p.member.key == key).map(|p| p.role)
    }
}

/// An application as one registration describes it.
#[derive(Clone, Debug)]
pub struct ApplicationVersion {
    pub author: String,
    pub meeting: String,
    pub meeting_event: String,
    pub application: Application,
}

/// A submitted score sheet and what it answers.
#[derive(Clone, Debug)]
pub struct SheetVersion {
    pub author: String,
    pub meeting: String,
    pub code: String,
    pub basis: Basis,
    pub sheet: ScoreSheet,
}

/// A conflict declaration (回避声明) and what it is about.
#[derive(Clone, Debug)]
pub struct DeclarationVersion {
    pub author: String,
    pub seq: u64,
    pub meeting: String,
    pub code: String,
}

/// What becomes of an event that is not applied.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Disposition {
    /// Can never be applied (wrong author, invalid content): reported, not kept.
    Reject,
    /// Well signed but not applicable yet (a named event has not arrived): kept and tried again.
    Quarantine,
    /// Signed after its author's revocation cut-off (作废): kept in the log, never applied, and
    /// judged again if the revocation itself is ever voided.
    Void,
}

/// Why an event was not applied.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refusal {
    pub disposition: Disposition,
    pub reason: Text,
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} / {}", self.reason.zh, self.reason.en)
    }
}

fn reject(zh: impl Into<String>, en: impl Into<String>) -> Refusal {
    Refusal { disposition: Disposition::Reject, reason: Text::new(zh, en) }
}

fn hold(zh: impl Into<String>, en: impl Into<String>) -> Refusal {
    Refusal { disposition: Disposition::Quarantine, reason: Text::new(zh, en) }
}

/// The first characters of an event id, as people compare them.
fn short(id: &str) -> String {
    crate::domain::text::printable(&id.chars().take(12).collect::<String>()).into_owned()
}

/// Decides whether `event` may be applied given `state`.
pub fn authorize(event: &SignedEvent, state: &impl Authority) -> Result<(), Refusal> {
    let env = &event.envelope;
    let author = env.author.as_str();
    if let Some(cutoff) = state.revocation_cutoff(author)
        && env.seq > cutoff
    {
        return Err(Refusal {
            disposition: Disposition::Void,
            reason: Text::new(
                format!("该密钥已被吊销，第 {} 号之后的事件作废（本事件第 {} 号）", cutoff, env.seq),
                format!("this key was revoked after seq {cutoff}; this event is seq {} and void", env.seq),
            ),
        });
    }
    if let Some(meeting) = env.body.meeting()
        && proceedings::bound_by_close(&env.body)
        && let Some(close) = state.closed_before(meeting, author, env.seq)
    {
        return Err(proceedings::late(meeting, &close));
    }
    match &env.body {
        Body::MeetingOpened(m) => meeting_opened(author, env.seq, m, state),
        Body::KeyRevoked { key, cutoff_seq, .. } => {
            require_trusted(author, state)?;
            if key == author && *cutoff_seq < env.seq {
                return Err(reject(
                    format!(
                        "密钥不能吊销自己早于本次吊销（第 {} 号）的事件，否则吊销本身也作废；请由另一受信任的秘书处吊销",
                        env.seq
                    ),
                    format!(
                        "a key cannot revoke itself from before this revocation (seq {}), which would void the revocation too; have another trusted secretariat revoke it",
                        env.seq
                    ),
                ));
            }
            Ok(())
        }
        Body::UnitCleared { unit, clears, reason } => {
            require_trusted(author, state)?;
            unit_cleared(unit, clears, reason)
        }
        Body::ApplicationRegistered { meeting, meeting_event, application } => {
            let m = named_meeting(meeting, meeting_event, state)?;
            if m.meeting.secretariat.key != author {
                return Err(reject(
                    "只有本次会议的秘书处能登记申报项目",
                    "only the meeting's secretariat registers applications",
                ));
            }
            require_trusted(author, state)?;
            if m.meeting.rubrics.iter().all(|r| r.kind != application.kind) {
                return Err(reject(
                    format!("会议没有{}评分表", application.kind.zh()),
                    format!("the meeting has no {} rubric", application.kind.en()),
                ));
            }
            application.validate().map_err(|e| reject(e.to_string(), "the application is not valid"))
        }
        Body::ConflictDeclared { meeting, code, basis, reason } => {
            let (m, _) = named_versions(meeting, code, basis, state)?;
            require_role(&m, author, Role::Expert, "声明回避", "declare a conflict")?;
            if reason.trim().is_empty() {
                return Err(reject("回避声明必须写明理由", "a conflict declaration needs a reason"));
            }
            Ok(())
        }
        Body::ConflictWithdrawn { meeting, code, basis, withdraws, reason } => {
            let (m, _) = named_versions(meeting, code, basis, state)?;
            require_role(&m, author, Role::Expert, "撤回回避", "withdraw a conflict declaration")?;
            if reason.trim().is_empty() {
                return Err(reject("撤回回避必须写明理由", "a withdrawal of a conflict declaration needs a reason"));
            }
            let d = match state.conflict_declaration(withdraws) {
                Named::Here(d) => d,
                Named::NotHere => {
                    return Err(hold(
                        format!("要撤回的回避声明 {} 在本机尚未收到（或无效），暂存待其到达", short(withdraws)),
                        format!(
                            "the conflict declaration {} this withdraws is not here (not arrived, or not valid here); held until it is",
                            short(withdraws)
                        ),
                    ));
                }
                Named::WrongKind => {
                    return Err(reject(
                        "撤回回避所指的事件不是回避声明",
                        "the withdrawal names an event that is not a conflict declaration",
                    ));
                }
            };
            if d.author != author || d.meeting != *meeting || d.code != *code || d.seq >= env.seq {
                return Err(reject(
                    "专家只能撤回自己此前对同一项目所作的回避声明",
                    "an expert may only withdraw their own earlier conflict declaration on the same application",
                ));
            }
            Ok(())
        }
        Body::ScoreSubmitted { meeting, code, basis, sheet, seat } => {
            // A score from an expert who has (or later) stepped aside is kept but never counted: the
            // projection leaves recused experts out, whatever order the two events arrive in.
            let (m, a) = named_versions(meeting, code, basis, state)?;
            match seat {
                None => require_role(&m, author, Role::Expert, "评分", "score")?,
                Some(seat) => proceedings::seated(meeting, code, seat, author, state)?,
            }
            let rubric = m
                .meeting
                .rubrics
                .iter()
                .find(|r| r.kind == a.application.kind)
                .ok_or_else(|| reject("会议缺少评分表", "the meeting lacks a rubric"))?;
            sheet.validate(rubric).map_err(|e| reject(e.to_string(), "the score sheet does not fit the rubric"))
        }
        Body::DecisionRecorded { meeting, code, basis, decision, based_on } => {
            let (m, a) = named_versions(meeting, code, basis, state)?;
            require_role(&m, author, Role::Chair, "记录结论", "record a decision")?;
            let suggested = recomputed_suggestion(basis, based_on, &m, &a, state)?;
            if decision.suggested != suggested {
                return Err(hold(
                    format!(
                        "结论声称建议结论为“{}”，但按其所依据的评分表计算应为“{}”：未予采用，须人工核查",
                        decision.suggested.zh(),
                        suggested.zh()
                    ),
                    format!(
                        "the decision claims the suggested outcome was “{}”, but the score sheets it names give “{}”: not applied, it needs a check",
                        decision.suggested.en(),
                        suggested.en()
                    ),
                ));
            }
            decision
                .validate(a.application.kind, m.meeting.date)
                .map_err(|e| reject(e.to_string(), "the decision is not valid"))
        }
        body => proceedings::authorize(author, body, state),
    }
}

/// The most decisions one clearance names: a unit with more open marks than this is cleared in
/// several signed steps.
pub const MAX_CLEARED: usize = 64;

/// A clearance names a unit as intake would take it, 1 to [`MAX_CLEARED`] decision event ids
/// (64 lower-case hex digits each, none twice), and a reason.
fn unit_cleared(unit: &str, clears: &[String], reason: &str) -> Result<(), Refusal> {
    use crate::domain::application::{TextField, check_line};
    if unit.trim().is_empty() {
        return Err(reject("解除暂缓未写明建设单位", "the clearance names no construction unit"));
    }
    check_line(TextField::Unit, unit).map_err(|e| reject(e.to_string(), "the unit's name is not valid"))?;
    let id = |c: &String| c.len() == 64 && crate::ledger::event::is_canonical_key(c);
    let distinct: HashSet<&String> = clears.iter().collect();
    if clears.is_empty() || clears.len() > MAX_CLEARED || !clears.iter().all(id) || distinct.len() != clears.len() {
        return Err(reject(
            format!("解除暂缓须列明 1 到 {MAX_CLEARED} 个不重复的限期整改结论事件编号（64 位小写十六进制）"),
            format!(
                "a clearance names 1 to {MAX_CLEARED} distinct rectification decisions by event id (64 lower-case hex digits)"
            ),
        ));
    }
    crate::domain::Reason::parse(reason).map_err(|e| reject(e.to_string(), "the reason is too short"))?;
    Ok(())
}

/// The outcome the sheets a decision names suggest, worked out here from those sheets, the
/// application and the profile the decision names: never taken from the decision itself.
fn recomputed_suggestion(
    basis: &Basis,
    based_on: &[String],
    m: &MeetingVersion,
    a: &ApplicationVersion,
    state: &impl Authority,
) -> Result<crate::domain::Outcome, Refusal> {
    if based_on.is_empty() {
        return Err(reject("结论没有依据任何评分表", "the decision names no score sheet"));
    }
    let mut authors = HashSet::new();
    let mut entries = Vec::with_capacity(based_on.len());
    for id in based_on {
        let s = match state.score_sheet(id) {
            Named::Here(s) => s,
            Named::NotHere => {
                return Err(hold(
                    format!("结论所依据的评分表 {} 在本机尚未收到（或无效），暂存待其到达", short(id)),
                    format!(
                        "the score sheet {} the decision rests on is not here (not arrived, or not valid here); held until it is",
                        short(id)
                    ),
                ));
            }
            Named::WrongKind => {
                return Err(reject(
                    "结论所依据的事件不是评分表",
                    "the decision rests on an event that is not a score sheet",
                ));
            }
        };
        if s.meeting != m.meeting.id
            || s.code != a.application.code
            || s.basis.application_event != basis.application_event
        {
            return Err(reject(
                "结论所依据的评分表属于另一项目或另一版本的申报",
                "the decision rests on a score sheet of another application, or of another version of it",
            ));
        }
        if !authors.insert(s.author.clone()) {
            return Err(reject("结论两次依据同一专家的评分表", "the decision names two score sheets of one expert"));
        }
        entries.push((s.author.clone(), s.sheet.total(), s.sheet.vetoes.len()));
    }
    let assessment = crate::domain::assess(&m.meeting.profile, &a.application, Some(m.meeting.date), &entries);
    assessment.suggested.ok_or_else(|| reject("结论没有依据任何评分表", "the decision names no score sheet"))
}

/// What the signer's own machine checks before signing, on top of [`authorize`]: the event
/// answers the versions current here (so nobody signs for a version they were not shown), an
/// expert who stepped aside (回避) does not score, and a withdrawal of a conflict declaration
/// names the signer's declaration that stands here, before any decision on the application as it
/// stands. Bundles are not held to this, since an event signed before a newer version, a
/// declaration or a decision may arrive after it.
pub fn local_guard(event: &SignedEvent, state: &impl Authority) -> Result<(), Refusal> {
    let env = &event.envelope;
    let newer = || {
        reject(
            "本机已收到更新的会议或申报版本，请重新查看后再提交",
            "a newer version of the meeting or application has arrived here: look at it again, then submit",
        )
    };
    match &env.body {
        Body::MeetingOpened(m) => {
            let current = state.current(&m.id, None).map(|(v, _)| v);
            if current != m.supersedes {
                return Err(match current {
                    Some(_) => newer(),
                    None => reject("要变更的会议在本机不存在", "the meeting to change is not here"),
                });
            }
        }
        Body::ApplicationRegistered { meeting, meeting_event, .. } => {
            if state.current(meeting, None).map(|(v, _)| v).as_ref() != Some(meeting_event) {
                return Err(newer());
            }
        }
        body => {
            if let (Some(basis), Some(meeting), Some(code)) = (body.basis(), body.meeting(), body.application()) {
                let current = state.current(meeting, Some(code));
                if current != Some((basis.meeting_event.clone(), Some(basis.application_event.clone()))) {
                    return Err(newer());
                }
            }
        }
    }
    if let Body::ScoreSubmitted { meeting, code, .. } = &env.body
        && state.is_recused(meeting, code, &env.author)
    {
        return Err(reject(
            format!("你已对 {code} 声明回避，不能再评分"),
            format!("you declared a conflict of interest on {code} and cannot score it"),
        ));
    }
    if let Body::ConflictWithdrawn { meeting, code, basis, withdraws, .. } = &env.body {
        if state.standing_declaration(meeting, code, &env.author).as_deref() != Some(withdraws.as_str()) {
            return Err(nothing_to_withdraw(code));
        }
        if state.is_decided(meeting, code, basis) {
            return Err(decided_no_withdrawal(code));
        }
    }
    Ok(())
}

/// Why a withdrawal is not signed: the signer has no conflict declaration standing on `code`.
pub fn nothing_to_withdraw(code: &str) -> Refusal {
    reject(
        format!("你对 {code} 没有仍有效的回避声明，无可撤回；如需评分可直接评分"),
        format!(
            "you have no conflict declaration on {code} standing, so there is nothing to withdraw; you may score it as it is"
        ),
    )
}

/// Why a revised score sheet is not signed: review (复核) flagged the sheet it replaces, `why`,
/// and the revision gives no reason, or too short a one.
pub fn revision_needs_reason(code: &str, why: &Text) -> Refusal {
    reject(
        format!("你对 {code} 的评分已被标记复核（{}）：修改后提交须写明复核修改理由（至少 3 个汉字）", why.zh),
        format!(
            "your sheet on {code} was flagged for review ({}): a revision needs a reason (--reason, at least 6 letters or 3 Chinese characters)",
            why.en
        ),
    )
}

/// Why a withdrawal is not signed: the chair has decided on `code` already.
pub fn decided_no_withdrawal(code: &str) -> Refusal {
    reject(
        format!("组长已对 {code} 记录结论，回避声明不能再撤回；如有异议，请与组长和秘书处联系"),
        format!(
            "the chair has already recorded a decision on {code}, so the conflict declaration can no longer be withdrawn; if this is wrong, speak to the chair and the secretariat"
        ),
    )
}

/// Held, not rejected: trust is this machine's own setting, which `trust add` may yet change, and
/// a replay after `trust remove` must not delete a meeting from the log.
fn require_trusted(author: &str, state: &impl Authority) -> Result<(), Refusal> {
    if state.is_trusted_secretariat(author) {
        Ok(())
    } else {
        Err(hold(
            "签名者不是本机信任的秘书处密钥（可用 reviewdesk trust add 添加）",
            "the signer is not a secretariat key this machine trusts (add it with reviewdesk trust add)",
        ))
    }
}

fn meeting_opened(author: &str, seq: u64, m: &MeetingOpened, state: &impl Authority) -> Result<(), Refusal> {
    require_trusted(author, state)?;
    if m.secretariat.key != author {
        return Err(reject("会议开启事件的秘书处必须是签名者本人", "the meeting's secretariat must be the signer"));
    }
    well_formed(author, m)?;
    if state.opened_by_another(&m.id, author) {
        return Err(hold(
            format!("会议 {} 被两个不同的秘书处密钥开启，双方均已暂存，须人工核查", m.id),
            format!("meeting {} was opened by two different secretariat keys; both are held and need a check", m.id),
        ));
    }
    let Some(previous) = &m.supersedes else { return Ok(()) };
    let p = match state.meeting_version(previous) {
        Named::Here(p) => p,
        Named::NotHere => {
            return Err(hold(
                format!("会议 {} 的上一版本 {} 尚未收到（或无效），暂存待其到达", m.id, short(previous)),
                format!(
                    "the previous version {} of meeting {} is not here (not arrived, or not valid here); held until it is",
                    short(previous),
                    m.id
                ),
            ));
        }
        Named::WrongKind => {
            return Err(reject(
                "会议所替换的事件不是会议版本",
                "the meeting replaces an event that is not a meeting version",
            ));
        }
    };
    if p.meeting.id != m.id || p.author != author || p.seq >= seq {
        return Err(reject(
            "会议版本只能替换同一秘书处此前的同一会议版本",
            "a meeting version may only replace an earlier version of the same meeting by the same secretariat",
        ));
    }
    // Seats only grow, so that everyone seated under one version stays seated under every later one.
    let kept =
        p.meeting.panel.iter().all(|old| m.panel.iter().any(|p| p.member.key == old.member.key && p.role == old.role));
    if !kept {
        return Err(reject(
            format!("重新开启会议 {} 时只能增加专家，不能移除专家或改变角色；如需停用某人的密钥，请吊销该密钥", m.id),
            format!(
                "re-opening meeting {} may add panel members but not remove them or change their roles; revoke a key instead",
                m.id
            ),
        ));
    }
    Ok(())
}

/// The panel, rubrics and profile a meeting version carries make sense on their own.
fn well_formed(author: &str, m: &MeetingOpened) -> Result<(), Refusal> {
    check_replacements(m)?;
    let chairs = m.seats().iter().filter(|s| s.holder.role == Role::Chair).count();
    if chairs != 1 {
        return Err(reject(
            format!("专家组须有且仅有一名组长（现有 {chairs} 名）"),
            format!("the panel needs exactly one chair (has {chairs})"),
        ));
    }
    if !m.panel.iter().any(|p| p.role == Role::Expert) {
        return Err(reject("专家组没有评分专家", "the panel has no scoring expert"));
    }
    let mut keys = HashSet::new();
    if m.panel.iter().any(|p| !keys.insert(&p.member.key) || p.member.key == author) {
        return Err(reject(
            "同一密钥在专家组中出现两次，或秘书处兼任专家",
            "a key sits twice on the panel, or the secretariat sits on it",
        ));
    }
    for r in &m.rubrics {
        r.validate()
            .map_err(|e| reject(format!("评分表 {} 无效：{e}", r.id), format!("rubric {} is not valid", r.id)))?;
    }
    m.profile.validate().map_err(|e| reject(format!("政策档案无效：{e}"), "the policy profile is not valid"))
}

/// A member who takes over a seat (换用新密钥) names another member of the same role, each seat
/// is taken over once, and no chain of replacements loops.
fn check_replacements(m: &MeetingOpened) -> Result<(), Refusal> {
    let mut taken = HashSet::new();
    for p in &m.panel {
        let Some(old) = p.replaces.as_deref() else { continue };
        let earlier = m.panel.iter().find(|q| q.member.key == old);
        let fine = earlier.is_some_and(|q| q.role == p.role && q.member.key != p.member.key) && taken.insert(old);
        if !fine {
            return Err(reject(
                format!("{} 接替的密钥必须是专家组中同一角色的另一成员，且每个席位只能被接替一次", p.member.name),
                format!(
                    "{} must take over the seat of another panel member of the same role, and each seat only once",
                    p.member.name
                ),
            ));
        }
    }
    let seated: usize = m.seats().iter().map(|s| s.keys.len()).sum();
    if seated != m.panel.len() {
        return Err(reject("专家组的接替关系构成了循环", "the panel's replacements form a loop"));
    }
    Ok(())
}

/// The meeting version an event names, which must be a version of `meeting`.
fn named_meeting(meeting: &str, event_id: &str, state: &impl Authority) -> Result<Rc<MeetingVersion>, Refusal> {
    match state.meeting_version(event_id) {
        Named::Here(m) if m.meeting.id == meeting => Ok(m),
        Named::Here(_) | Named::WrongKind => Err(reject(
            format!("事件所依据的 {} 不是会议 {meeting} 的版本", short(event_id)),
            format!("the event names {} as a version of meeting {meeting}, and it is not one", short(event_id)),
        )),
        Named::NotHere => Err(hold(
            format!("会议 {meeting} 的版本 {} 尚未收到（或无效），暂存待其到达", short(event_id)),
            format!(
                "version {} of meeting {meeting} is not here (not arrived, or not valid here); held until it is",
                short(event_id)
            ),
        )),
    }
}

/// The meeting version and application registration an event about `code` names.
fn named_versions(
    meeting: &str,
    code: &str,
    basis: &Basis,
    state: &impl Authority,
) -> Result<(Rc<MeetingVersion>, Rc<ApplicationVersion>), Refusal> {
    let m = named_meeting(meeting, &basis.meeting_event, state)?;
    match state.application_version(&basis.application_event) {
        Named::Here(a) if a.meeting == meeting && a.application.code == code => Ok((m, a)),
        Named::Here(_) | Named::WrongKind => Err(reject(
            format!("事件所依据的 {} 不是申报项目 {code} 的登记", short(&basis.application_event)),
            format!(
                "the event names {} as a registration of {code}, and it is not one",
                short(&basis.application_event)
            ),
        )),
        Named::NotHere => Err(hold(
            format!("申报项目 {code} 的登记 {} 尚未收到（或无效），暂存待其到达", short(&basis.application_event)),
            format!(
                "registration {} of application {code} is not here (not arrived, or not valid here); held until it is",
                short(&basis.application_event)
            ),
        )),
    }
}

fn require_role(m: &MeetingVersion, author: &str, role: Role, what_zh: &str, what_en: &str) -> Result<(), Refusal> {
    match m.role_of(author) {
        Some(r) if r == role => Ok(()),
        Some(r) => Err(reject(
            format!("{}不能{what_zh}，只有{}可以", r.zh(), role.zh()),
            format!("a panel {r:?} cannot {what_en}; only the {role:?} can").to_lowercase(),
        )),
        None => Err(reject(
            format!(
                "签名者不在本次会议的专家组中（按其所依据的会议版本），不能{what_zh}。如有误，请秘书处核对专家名单"
            ),
            format!(
                "the signer is not on this meeting's panel (in the meeting version the event names) and cannot {what_en}; if that is wrong, ask the secretariat to check the roster"
            ),
        )),
    }
}
