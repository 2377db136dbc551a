//! Who may sign what. Only a trusted secretariat opens meetings, registers applications and
//! revokes keys; only panel experts who are not recused score; only the meeting's chair decides;
//! nobody acts after their revocation cut-off.

use super::event::{Body, MeetingOpened, Role, SignedEvent};
use crate::domain::text::Text;
use crate::domain::{ApplicationKind, Rubric};
use chrono::NaiveDate;
use std::collections::HashSet;
use std::rc::Rc;

/// What an authorizer needs to know of the current state. The store implements it over the
/// projection tables; tests implement it over plain values.
pub trait Authority {
    fn is_trusted_secretariat(&self, key: &str) -> bool;
    /// Shared, since many events of one bundle ask about the same meeting.
    fn meeting(&self, id: &str) -> Option<Rc<MeetingFacts>>;
    fn application_kind(&self, meeting: &str, code: &str) -> Option<ApplicationKind>;
    fn is_recused(&self, meeting: &str, code: &str, key: &str) -> bool;
    fn revocation_cutoff(&self, key: &str) -> Option<u64>;
}

/// The parts of an opened meeting that authorization reads.
#[derive(Clone, Debug)]
pub struct MeetingFacts {
    pub secretariat: String,
    pub date: NaiveDate,
    /// (key, role) of every panel seat.
    pub panel: Vec<(String, Role)>,
    pub rubrics: Vec<Rubric>,
}

impl MeetingFacts {
    pub fn role_of(&self, key: &str) -> Option<Role> {
        self.panel.iter().find(|(k, _)| k == key).map(|(_, r)| *r)
    }

    pub fn rubric(&self, kind: ApplicationKind) -> Option<&Rubric> {
        self.rubrics.iter().find(|r| r.kind == kind)
    }
}

/// Whether a refused event is dropped or kept for later.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Disposition {
    /// Can never be applied (wrong author, invalid content).
    Reject,
    /// Well signed but not yet applicable (its meeting or application has not arrived).
    Quarantine,
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

/// Decides whether `event` may be applied given `state`.
pub fn authorize(event: &SignedEvent, state: &impl Authority) -> Result<(), Refusal> {
    let env = &event.envelope;
    let author = env.author.as_str();
    if let Some(cutoff) = state.revocation_cutoff(author)
        && env.seq > cutoff
    {
        return Err(reject(
            format!("该密钥已被吊销，第 {} 号之后的事件无效（本事件第 {} 号）", cutoff, env.seq),
            format!("this key was revoked after seq {cutoff}; this event is seq {}", env.seq),
        ));
    }
    match &env.body {
        Body::MeetingOpened(m) => meeting_opened(author, m, state),
        Body::KeyRevoked { .. } => require_trusted(author, state),
        Body::ApplicationRegistered { meeting, application } => {
            let m = known_meeting(meeting, state)?;
            if m.secretariat != author {
                return Err(reject(
                    "只有本次会议的秘书处能登记申报项目",
                    "only the meeting's secretariat registers applications",
                ));
            }
            require_trusted(author, state)?;
            if m.rubric(application.kind).is_none() {
                return Err(reject(
                    format!("会议没有{}评分表", application.kind.zh()),
                    format!("the meeting has no {} rubric", application.kind.en()),
                ));
            }
            application.validate().map_err(|e| reject(e.to_string(), "the application is incomplete"))
        }
        Body::ConflictDeclared { meeting, code, reason } => {
            let m = known_meeting(meeting, state)?;
            require_role(&m, author, Role::Expert, "声明回避", "declare a conflict")?;
            known_application(meeting, code, state)?;
            if reason.trim().is_empty() {
                return Err(reject("回避声明必须写明理由", "a conflict declaration needs a reason"));
            }
            Ok(())
        }
        Body::ScoreSubmitted { meeting, code, sheet } => {
            let m = known_meeting(meeting, state)?;
            require_role(&m, author, Role::Expert, "评分", "score")?;
            // A score from an expert who has (or later) stepped aside is kept but never counted: the
            // projection leaves recused experts out, whatever order the two events arrive in.
            let kind = known_application(meeting, code, state)?;
            let rubric = m.rubric(kind).ok_or_else(|| reject("会议缺少评分表", "the meeting lacks a rubric"))?;
            sheet.validate(rubric).map_err(|e| reject(e.to_string(), "the score sheet does not fit the rubric"))
        }
        Body::DecisionRecorded { meeting, code, decision, .. } => {
            let m = known_meeting(meeting, state)?;
            require_role(&m, author, Role::Chair, "记录结论", "record a decision")?;
            let kind = known_application(meeting, code, state)?;
            decision.validate(kind, m.date).map_err(|e| reject(e.to_string(), "the decision is not valid"))
        }
    }
}

/// What the expert's own machine checks before signing, on top of [`authorize`]: an expert who
/// has stepped aside (回避) from an application does not score it. Bundles are not held to this,
/// since a score signed before the declaration may arrive after it.
pub fn local_guard(event: &SignedEvent, state: &impl Authority) -> Result<(), Refusal> {
    if let Body::ScoreSubmitted { meeting, code, .. } = &event.envelope.body
        && state.is_recused(meeting, code, &event.envelope.author)
    {
        return Err(reject(
            format!("你已对 {code} 声明回避，不能再评分"),
            format!("you declared a conflict of interest on {code} and cannot score it"),
        ));
    }
    Ok(())
}

fn require_trusted(author: &str, state: &impl Authority) -> Result<(), Refusal> {
    if state.is_trusted_secretariat(author) {
        Ok(())
    } else {
        Err(reject(
            "签名者不是本机信任的秘书处密钥（可用 reviewdesk trust add 添加）",
            "the signer is not a secretariat key this machine trusts (add it with reviewdesk trust add)",
        ))
    }
}

fn meeting_opened(author: &str, m: &MeetingOpened, state: &impl Authority) -> Result<(), Refusal> {
    require_trusted(author, state)?;
    if m.secretariat.key != author {
        return Err(reject("会议开启事件的秘书处必须是签名者本人", "the meeting's secretariat must be the signer"));
    }
    if let Some(existing) = state.meeting(&m.id) {
        if existing.secretariat != author {
            return Err(reject(
                format!("会议 {} 已由另一秘书处开启", m.id),
                format!("meeting {} was opened by another secretariat", m.id),
            ));
        }
        // Seats only grow, so a score accepted under one version of the panel stays valid under
        // every later one, and import order cannot matter.
        let kept =
            existing.panel.iter().all(|(key, role)| m.panel.iter().any(|p| &p.member.key == key && p.role == *role));
        if !kept {
            return Err(reject(
                format!(
                    "重新开启会议 {} 时只能增加专家，不能移除专家或改变角色；如需停用某人的密钥，请吊销该密钥",
                    m.id
                ),
                format!(
                    "re-opening meeting {} may add panel members but not remove them or change their roles; revoke a key instead",
                    m.id
                ),
            ));
        }
    }
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

fn known_meeting(id: &str, state: &impl Authority) -> Result<Rc<MeetingFacts>, Refusal> {
    state.meeting(id).ok_or_else(|| {
        hold(
            format!("会议 {id} 尚未收到，暂存待其到达"),
            format!("meeting {id} has not arrived yet; held until it does"),
        )
    })
}

fn known_application(meeting: &str, code: &str, state: &impl Authority) -> Result<ApplicationKind, Refusal> {
    state.application_kind(meeting, code).ok_or_else(|| {
        hold(
            format!("申报项目 {code} 尚未登记，暂存待其到达"),
            format!("application {code} is not registered yet; held until it is"),
        )
    })
}

fn require_role(m: &MeetingFacts, author: &str, role: Role, what_zh: &str, what_en: &str) -> Result<(), Refusal> {
    match m.role_of(author) {
        Some(r) if r == role => Ok(()),
        Some(r) => Err(reject(
            format!("{}不能{what_zh}，只有{}可以", r.zh(), role.zh()),
            format!("a panel {r:?} cannot {what_en}; only the {role:?} can").to_lowercase(),
        )),
        // Held, not dropped: the secretariat may still add this key to the panel (a replaced laptop).
        None => Err(hold(
            format!("签名者不在本次会议的专家组中，不能{what_zh}。如有误，请秘书处核对专家名单"),
            format!(
                "the signer is not on this meeting's panel and cannot {what_en}; if that is wrong, ask the secretariat to check the roster"
            ),
        )),
    }
}
