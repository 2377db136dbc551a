//! Who may sign the events of a meeting's proceedings, and what each must name.
//!
//! Each names what it answers by event id (a countersignature its decision, a vote its call, an
//! answer its question, a re-open its close), and the verdict rests on that named event, never
//! on what else happens to be here: a named event that has not arrived holds the event.
//!
//! The close (会议封存) is the one that reaches back: an event of a closed meeting that a
//! standing close does not cover (its author's seq past the head the close pinned) is held as
//! late, whatever order the two arrive in, until a re-open names the close.

use super::super::event::{Basis, Body, Role};
use super::super::proceedings::{Head, MAX_PINNED, MAX_TEXT_CHARS, Missing, Pinned, Stance};
use super::{Authority, MeetingVersion, Named, Refusal, Signed, hold, named_meeting, named_versions, reject, short};
use crate::domain::Outcome;
use std::collections::HashSet;
use std::rc::Rc;

/// Whether `body` is held to a standing close of its meeting. The meeting's versions, its closes
/// and its re-opens are not: they are what the close is judged by.
pub(super) fn bound_by_close(body: &Body) -> bool {
    !matches!(body, Body::MeetingOpened(_) | Body::MeetingClosed { .. } | Body::MeetingReopened { .. })
}

/// The refusal of an event that arrives after the close `close` of its meeting.
pub(super) fn late(meeting: &str, close: &str) -> Refusal {
    hold(
        format!(
            "会议 {meeting} 已封存（{}），本事件签于封存之后，作为迟到事件暂存；会议重新开启后才会采用",
            short(close)
        ),
        format!(
            "meeting {meeting} is closed ({}) and this event came after the close: held as late, and applied only if the meeting is re-opened",
            short(close)
        ),
    )
}

pub(super) fn authorize(author: &str, body: &Body, state: &impl Authority) -> Result<(), Refusal> {
    match body {
        Body::SignedIn { meeting, meeting_event, pledge } => {
            let m = named_meeting(meeting, meeting_event, state)?;
            member(&m, author, "签到", "sign in")?;
            text(pledge, "承诺书", "the pledge")
        }
        Body::Countersigned { meeting, code, decision, stance } => {
            let (m, _) = named_decision(meeting, code, decision, state)?;
            super::require_role(&m, author, Role::Expert, "签字确认", "countersign")?;
            match stance {
                Stance::Agree => Ok(()),
                Stance::Dissent { reason } => {
                    text(reason, "保留意见", "the dissent")?;
                    reason_of(reason)
                }
            }
        }
        Body::DecisionFinalised { meeting, code, decision, missing } => {
            let (m, _) = named_decision(meeting, code, decision, state)?;
            super::require_role(&m, author, Role::Chair, "结论定稿", "finalise a decision")?;
            finalised_missing(&m, missing)
        }
        Body::ClarificationAsked { meeting, code, basis, question } => {
            let (m, _) = named_versions(meeting, code, basis, state)?;
            member(&m, author, "提出澄清问题", "ask for a clarification")?;
            text(question, "澄清问题", "the question")
        }
        Body::ClarificationAnswered { meeting, code, asks, answer } => {
            let asked = named(asks, "clarification_asked", "澄清问题", "clarification question", state)?;
            let Body::ClarificationAsked { meeting: am, code: ac, basis, .. } = &asked.body else {
                return Err(wrong_kind("澄清问题", "clarification question"));
            };
            same_application(meeting, code, am, ac)?;
            let m = named_meeting(meeting, &basis.meeting_event, state)?;
            if m.meeting.secretariat.key != author {
                return Err(reject(
                    "只有本次会议的秘书处能录入申报单位的澄清答复",
                    "only the meeting's secretariat enters the applicant's answer to a clarification",
                ));
            }
            text(answer, "澄清答复", "the answer")
        }
        Body::VoteCalled { meeting, code, basis, motion } => {
            let (m, a) = named_versions(meeting, code, basis, state)?;
            super::require_role(&m, author, Role::Chair, "发起记名表决", "call a named vote")?;
            if Outcome::for_kind(a.application.kind).all(|o| o != *motion) {
                return Err(reject(
                    format!("表决事项“{}”不适用于{}申报", motion.zh(), a.application.kind.zh()),
                    format!("the motion “{}” does not apply to a {} application", motion.en(), a.application.kind.en()),
                ));
            }
            Ok(())
        }
        Body::VoteCast { meeting, code, call, reason, .. } => {
            let called = named(call, "vote_called", "表决", "vote", state)?;
            let Body::VoteCalled { meeting: cm, code: cc, basis, .. } = &called.body else {
                return Err(wrong_kind("表决", "vote"));
            };
            same_application(meeting, code, cm, cc)?;
            let m = named_meeting(meeting, &basis.meeting_event, state)?;
            member(&m, author, "投票", "vote")?;
            if reason.is_empty() { Ok(()) } else { text(reason, "表决理由", "the reason for the vote") }
        }
        Body::MeetingClosed { meeting, meeting_event, heads, decisions } => {
            let m = named_meeting(meeting, meeting_event, state)?;
            chair_or_secretariat(&m, author, "封存会议", "close the meeting")?;
            pins(heads, decisions)
        }
        Body::MeetingReopened { meeting, reopens, reason } => {
            let closed = named(reopens, "meeting_closed", "会议封存", "meeting close", state)?;
            let Body::MeetingClosed { meeting: cm, meeting_event, .. } = &closed.body else {
                return Err(wrong_kind("会议封存", "meeting close"));
            };
            if cm != meeting {
                return Err(reject("重新开启所指的封存不属于本次会议", "the re-open names a close of another meeting"));
            }
            let m = named_meeting(meeting, meeting_event, state)?;
            chair_or_secretariat(&m, author, "重新开启会议", "re-open the meeting")?;
            text(reason, "重新开启理由", "the reason")?;
            reason_of(reason)
        }
        Body::AgendaSet { meeting, meeting_event, code } => {
            let m = named_meeting(meeting, meeting_event, state)?;
            chair_or_secretariat(&m, author, "设定当前议题", "set the item under discussion")?;
            crate::domain::application::check_code(code)
                .map_err(|e| reject(e.to_string(), "the project code is not valid"))
        }
        Body::SubstituteSeated { meeting, meeting_event, code, substitute, stands_in_for, draw } => {
            let m = named_meeting(meeting, meeting_event, state)?;
            if m.meeting.secretariat.key != author {
                return Err(reject(
                    "只有本次会议的秘书处能增补专家",
                    "only the meeting's secretariat seats a substitute",
                ));
            }
            super::require_trusted(author, state)?;
            crate::domain::application::check_code(code)
                .map_err(|e| reject(e.to_string(), "the project code is not valid"))?;
            if m.role_of(stands_in_for) != Some(Role::Expert) {
                return Err(reject(
                    "被替补的不是本次会议的专家",
                    "the member stood in for is not an expert of this meeting",
                ));
            }
            if substitute.role != Role::Expert || m.role_of(&substitute.member.key).is_some() {
                return Err(reject(
                    "增补的专家须是专家组以外的专家",
                    "a substitute is an expert from outside the panel",
                ));
            }
            text(&substitute.member.name, "增补专家姓名", "the substitute's name")?;
            text(&draw.category, "专业类别", "the category")?;
            // The draw it continues is the one the meeting recorded, so anyone can redo it.
            match &m.meeting.draw {
                Some(r) if r.seed == draw.seed && r.pool_sha256 == draw.pool_sha256 => Ok(()),
                _ => Err(reject(
                    "增补记录所续的抽取与本次会议记录的抽取（种子、专家库）不符",
                    "the seating does not continue the draw the meeting recorded (its seed and pool)",
                )),
            }
        }
        _ => Ok(()),
    }
}

/// A substitute's sheet: the event `seat` names seated its author on this application.
pub(super) fn seated(
    meeting: &str,
    code: &str,
    seat: &str,
    author: &str,
    state: &impl Authority,
) -> Result<(), Refusal> {
    let seated = named(seat, "substitute_seated", "增补专家记录", "seating of a substitute", state)?;
    let Body::SubstituteSeated { meeting: sm, code: sc, substitute, .. } = &seated.body else {
        return Err(wrong_kind("增补专家记录", "seating of a substitute"));
    };
    same_application(meeting, code, sm, sc)?;
    if substitute.member.key != author {
        return Err(reject(
            "评分表所指的增补记录增补的不是签名者",
            "the seating the sheet names seats someone other than its signer",
        ));
    }
    Ok(())
}

/// The decision event `decision` on application `code`, and the meeting version it was made on.
fn named_decision(
    meeting: &str,
    code: &str,
    decision: &str,
    state: &impl Authority,
) -> Result<(Rc<MeetingVersion>, Basis), Refusal> {
    let d = named(decision, "decision_recorded", "结论", "decision", state)?;
    let Body::DecisionRecorded { meeting: dm, code: dc, basis, .. } = &d.body else {
        return Err(wrong_kind("结论", "decision"));
    };
    same_application(meeting, code, dm, dc)?;
    Ok((named_meeting(meeting, &basis.meeting_event, state)?, basis.clone()))
}

/// The applied event `id` of `kind`, or why the event naming it waits or is refused.
fn named(id: &str, kind: &'static str, zh: &str, en: &str, state: &impl Authority) -> Result<Rc<Signed>, Refusal> {
    match state.named_event(id, kind) {
        Named::Here(e) => Ok(e),
        Named::NotHere => Err(hold(
            format!("所指的{zh} {} 在本机尚未收到（或无效），暂存待其到达", short(id)),
            format!("the {en} {} this names is not here (not arrived, or not valid here); held until it is", short(id)),
        )),
        Named::WrongKind => Err(wrong_kind(zh, en)),
    }
}

fn wrong_kind(zh: &str, en: &str) -> Refusal {
    reject(format!("所指的事件不是{zh}"), format!("the event named is not a {en}"))
}

fn same_application(meeting: &str, code: &str, named_meeting: &str, named_code: &str) -> Result<(), Refusal> {
    if meeting == named_meeting && code == named_code {
        Ok(())
    } else {
        Err(reject(
            format!("所指的事件属于 {named_meeting} 的 {named_code}，不是本事件所说的 {meeting} 的 {code}"),
            format!("the event named is about {named_code} of {named_meeting}, not {code} of {meeting}"),
        ))
    }
}

fn member(m: &MeetingVersion, author: &str, zh: &str, en: &str) -> Result<(), Refusal> {
    match m.role_of(author) {
        Some(_) => Ok(()),
        None => Err(reject(
            format!("签名者不在本次会议的专家组中，不能{zh}"),
            format!("the signer is not on this meeting's panel and cannot {en}"),
        )),
    }
}

fn chair_or_secretariat(m: &MeetingVersion, author: &str, zh: &str, en: &str) -> Result<(), Refusal> {
    if m.meeting.secretariat.key == author || m.role_of(author) == Some(Role::Chair) {
        Ok(())
    } else {
        Err(reject(format!("只有组长或秘书处能{zh}"), format!("only the chair or the secretariat can {en}")))
    }
}

/// A written text: some real content, and at most [`MAX_TEXT_CHARS`] characters.
fn text(t: &str, zh: &str, en: &str) -> Result<(), Refusal> {
    if t.trim().is_empty() {
        return Err(reject(format!("{zh}不能为空"), format!("{en} is empty")));
    }
    if t.chars().count() > MAX_TEXT_CHARS {
        return Err(reject(
            format!("{zh}超过 {MAX_TEXT_CHARS} 字"),
            format!("{en} is longer than {MAX_TEXT_CHARS} characters"),
        ));
    }
    Ok(())
}

fn reason_of(t: &str) -> Result<(), Refusal> {
    crate::domain::Reason::parse(t).map(|_| ()).map_err(|e| reject(e.to_string(), "the reason is too short"))
}

/// The members a finalisation lists as missing: experts of the panel, each once, and not all
/// of the panel at most.
fn finalised_missing(m: &MeetingVersion, missing: &[Missing]) -> Result<(), Refusal> {
    let keys: HashSet<&str> = missing.iter().map(|x| x.key.as_str()).collect();
    if keys.len() != missing.len() || missing.len() > m.meeting.panel.len() {
        return Err(reject("结论定稿所列未签字成员有重复", "the finalisation lists a missing member twice"));
    }
    if let Some(x) = missing.iter().find(|x| m.role_of(&x.key) != Some(Role::Expert)) {
        return Err(reject(
            format!("结论定稿所列的 {} 不是本次会议的专家", short(&x.key)),
            format!("the finalisation lists {} as missing, who is not an expert of this meeting", short(&x.key)),
        ));
    }
    Ok(())
}

/// The pins of a close: each key once with a seq a store can hold, each application once, every
/// id 64 lower-case hex digits, and not more than [`MAX_PINNED`] of either.
fn pins(heads: &[Head], decisions: &[Pinned]) -> Result<(), Refusal> {
    let id = |c: &str| c.len() == 64 && crate::ledger::event::is_canonical_key(c);
    let keys: HashSet<&str> = heads.iter().map(|h| h.key.as_str()).collect();
    let codes: HashSet<&str> = decisions.iter().map(|d| d.code.as_str()).collect();
    let ok = heads.len() <= MAX_PINNED
        && decisions.len() <= MAX_PINNED
        && keys.len() == heads.len()
        && codes.len() == decisions.len()
        && heads.iter().all(|h| h.seq >= 1 && h.seq <= super::super::event::MAX_SEQ && id(&h.event))
        && decisions.iter().all(|d| id(&d.decision) && !d.code.trim().is_empty());
    if ok {
        Ok(())
    } else {
        Err(reject(
            format!(
                "会议封存所列的链头或结论不合规（每个密钥、每个项目只列一次，编号为 64 位小写十六进制，各不超过 {MAX_PINNED} 项）"
            ),
            format!(
                "the close's pinned heads or decisions are malformed (each key and application once, ids of 64 lower-case hex digits, at most {MAX_PINNED} of each)"
            ),
        ))
    }
}
