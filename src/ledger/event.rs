//! Signed events: the envelope, the bodies, and the exact bytes that were signed.

use super::proceedings::{Choice, ContinuedDraw, Head, Missing, Pinned, Stance};
use super::suite::{Suite, SuiteError};
use crate::domain::{Application, Decision, Profile, Rubric, ScoreSheet};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

/// The envelope version this build writes and understands.
pub const EVENT_VERSION: u32 = 1;

/// One line of `events.jsonl` (signature and wrapper included). The one limit that the signer,
/// the bundle writer and every reader share, so that nothing is signed here that a peer refuses.
pub const MAX_LINE_BYTES: usize = 1 << 20;

/// The signed bytes of one event: a line less room for the largest signature and the wrapper.
pub const MAX_EVENT_BYTES: usize = MAX_LINE_BYTES - 1024;

/// The highest seq an event may carry: SQLite stores integers as i64.
pub const MAX_SEQ: u64 = i64::MAX as u64;

/// Signatures cover this prefix and the event bytes, so an event signature can never pass for
/// a signature over anything else (a bundle manifest, say).
const SIGNING_CONTEXT: &[u8] = b"reviewdesk event v1\n";

/// A panel member's role (专家组组长 or 专家).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// 组长: records the panel's decisions; does not score.
    Chair,
    /// 专家: scores applications.
    Expert,
}

impl Role {
    pub fn parse(text: &str) -> Option<Role> {
        match text.trim().to_lowercase().as_str() {
            "chair" | "组长" | "专家组组长" => Some(Role::Chair),
            "expert" | "专家" | "组员" | "member" => Some(Role::Expert),
            _ => None,
        }
    }

    pub fn zh(self) -> &'static str {
        match self {
            Role::Chair => "组长",
            Role::Expert => "专家",
        }
    }
}

/// Someone named in a meeting, known by their public key.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Member {
    pub name: String,
    /// Hex public key.
    pub key: String,
    pub suite: Suite,
}

/// A panel seat.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PanelMember {
    #[serde(flatten)]
    pub member: Member,
    pub role: Role,
    /// 专业类别 in the expert pool.
    #[serde(default)]
    pub category: String,
    /// The expert's own work unit, for recusal.
    #[serde(default)]
    pub unit: String,
    /// The key this member's seat was held by before (换用新密钥): an expert who lost a laptop
    /// keeps their seat under a new key, and their earlier sheets count until the new key's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replaces: Option<String>,
}

/// One seat of a panel: the member holding it now, and every key that held it, newest first.
#[derive(Clone, Debug)]
pub struct Seat<'a> {
    pub holder: &'a PanelMember,
    pub keys: Vec<&'a str>,
}

impl Seat<'_> {
    pub fn holds(&self, key: &str) -> bool {
        self.keys.contains(&key)
    }
}

/// How a panel was drawn from the pool, so anyone can redo the draw.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DrawRecord {
    pub seed: u64,
    /// SHA-256 of the pool file as read.
    pub pool_sha256: String,
    /// Category and how many experts were drawn from it.
    pub categories: Vec<(String, usize)>,
    pub excluded_units: Vec<String>,
}

/// 会议开启: what a secretariat signs to open a review meeting.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MeetingOpened {
    pub id: String,
    pub title: String,
    pub date: NaiveDate,
    pub profile: Profile,
    /// One rubric per application kind, embedded so that every machine scores with the same sheet.
    pub rubrics: Vec<Rubric>,
    pub secretariat: Member,
    pub panel: Vec<PanelMember>,
    #[serde(default)]
    pub draw: Option<DrawRecord>,
    /// The version this one replaces (会议变更): the id of the secretariat's previous
    /// `meeting_opened` event for the meeting. None for the version that opened it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub supersedes: Option<String>,
}

impl MeetingOpened {
    /// The panel by seat, in the order the seats were first filled: a member who took over a
    /// seat (换用新密钥) is not a seat of their own.
    pub fn seats(&self) -> Vec<Seat<'_>> {
        self.panel
            .iter()
            .filter(|p| p.replaces.is_none())
            .map(|first| {
                let mut chain = vec![first];
                // Follow the seat forward; the panel is finite and a key is visited once.
                while let Some(next) = self.panel.iter().find(|p| {
                    p.replaces.as_deref() == chain.last().map(|c| c.member.key.as_str())
                        && !chain.iter().any(|c| c.member.key == p.member.key)
                }) {
                    chain.push(next);
                }
                let holder = chain.last().copied().unwrap_or(first);
                Seat { holder, keys: chain.iter().rev().map(|p| p.member.key.as_str()).collect() }
            })
            .collect()
    }

    /// The seat `key` holds or held.
    pub fn seat_of(&self, key: &str) -> Option<Seat<'_>> {
        self.seats().into_iter().find(|s| s.holds(key))
    }
}

/// The versions an event about one application answers (所依据的版本): the meeting version (the
/// id of a `meeting_opened` event, which carries the rubric and profile) and the application's
/// registration (the id of an `application_registered` event). A sheet or a decision counts only
/// while both are the current ones, and is checked against them alone, so that the result never
/// depends on the order events arrive in.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Basis {
    pub meeting_event: String,
    pub application_event: String,
}

/// What an event says.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
/// Externally tagged (`{"score_submitted": {...}}`): serde reads it in one pass, where an
/// internally tagged enum would buffer every event first.
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Body {
    MeetingOpened(Box<MeetingOpened>),
    /// 申报登记, under the meeting version `meeting_event`.
    ApplicationRegistered {
        meeting: String,
        meeting_event: String,
        application: Box<Application>,
    },
    /// 回避声明
    ConflictDeclared {
        meeting: String,
        code: String,
        basis: Basis,
        reason: String,
    },
    /// 撤回回避: the expert withdraws their own conflict declaration `withdraws` (its event id)
    /// and scores the application again. The declaration stays in the history.
    ConflictWithdrawn {
        meeting: String,
        code: String,
        basis: Basis,
        withdraws: String,
        reason: String,
    },
    /// 提交评分; a later one from the same expert supersedes. A substitute (增补专家) names the
    /// event that seated them on this application in `seat`.
    ScoreSubmitted {
        meeting: String,
        code: String,
        basis: Basis,
        sheet: ScoreSheet,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        seat: Option<String>,
    },
    /// 专家组结论, with the score events it was based on. The receiver works out the aggregate
    /// and the suggested outcome from those events itself and holds a decision that claims
    /// otherwise.
    DecisionRecorded {
        meeting: String,
        code: String,
        basis: Basis,
        decision: Decision,
        based_on: Vec<String>,
    },
    /// 密钥吊销: events of `key` after `cutoff_seq` are void.
    KeyRevoked {
        key: String,
        cutoff_seq: u64,
        reason: String,
    },
    /// 解除暂缓审批: a trusted secretariat lifts the marks that the 限期整改 decisions `clears`
    /// (their event ids) put on `unit` (第二十三条), with a reason. It names decisions, not a
    /// unit alone, so a later failure marks the unit again.
    UnitCleared {
        unit: String,
        clears: Vec<String>,
        reason: String,
    },
    /// 签到: a panel member signs in at the meeting with the pledge (承诺书) as they read it.
    /// Scoring opens after it.
    SignedIn {
        meeting: String,
        meeting_event: String,
        pledge: String,
    },
    /// 签字确认 or 保留意见: a panel member's answer to the decision event `decision`.
    Countersigned {
        meeting: String,
        code: String,
        decision: String,
        stance: Stance,
    },
    /// 结论定稿: the chair makes the decision `decision` final with members missing.
    DecisionFinalised {
        meeting: String,
        code: String,
        decision: String,
        missing: Vec<Missing>,
    },
    /// 澄清问题: the panel's written question to the applicant.
    ClarificationAsked {
        meeting: String,
        code: String,
        basis: Basis,
        question: String,
    },
    /// 澄清答复: the secretariat enters the applicant's answer to the question `asks`.
    ClarificationAnswered {
        meeting: String,
        code: String,
        asks: String,
        answer: String,
    },
    /// 发起记名表决: the chair puts the outcome `motion` to a named vote.
    VoteCalled {
        meeting: String,
        code: String,
        basis: Basis,
        motion: crate::domain::Outcome,
    },
    /// 表决票: a member's vote on the motion `call`; a later one from the same member supersedes.
    VoteCast {
        meeting: String,
        code: String,
        call: String,
        choice: Choice,
        #[serde(default, skip_serializing_if = "String::is_empty")]
        reason: String,
    },
    /// 会议封存: pins every chain head and every application's decision. A later event of the
    /// meeting is held as late until a re-open.
    MeetingClosed {
        meeting: String,
        meeting_event: String,
        heads: Vec<Head>,
        decisions: Vec<Pinned>,
    },
    /// 重新开启: lifts the close `reopens`, with a reason.
    MeetingReopened {
        meeting: String,
        reopens: String,
        reason: String,
    },
    /// 增补专家: the meeting's secretariat seats `substitute` on application `code` alone, in place
    /// of the member `stands_in_for` who stepped aside, drawn by continuing the meeting's
    /// recorded draw (`draw`), so that anyone holding the pool can redo it.
    SubstituteSeated {
        meeting: String,
        meeting_event: String,
        code: String,
        substitute: PanelMember,
        stands_in_for: String,
        draw: ContinuedDraw,
    },
    /// 当前议题: the chair or the secretariat puts application `code` under discussion. The newest
    /// (by time, then id) is the item; all of them are the order the items were taken in.
    AgendaSet {
        meeting: String,
        meeting_event: String,
        code: String,
    },
}

/// An event kind as a person reads it (`score_submitted` → 提交评分 / score submitted); a kind
/// this build does not know reads as "other event", never as its raw name.
pub fn kind_words(kind: &str) -> crate::domain::Text {
    let (zh, en) = match kind {
        "meeting_opened" => ("开启会议", "meeting opened"),
        "application_registered" => ("登记申报", "application registered"),
        "conflict_declared" => ("声明回避", "conflict declared"),
        "conflict_withdrawn" => ("撤回回避", "conflict withdrawn"),
        "score_submitted" => ("提交评分", "score submitted"),
        "decision_recorded" => ("记录结论", "decision recorded"),
        "key_revoked" => ("吊销密钥", "key revoked"),
        "unit_cleared" => ("解除暂缓审批", "hold lifted"),
        "signed_in" => ("签到", "signed in"),
        "countersigned" => ("签字确认", "countersigned"),
        "decision_finalised" => ("结论定稿", "decision finalised"),
        "clarification_asked" => ("澄清问题", "clarification asked"),
        "clarification_answered" => ("澄清答复", "clarification answered"),
        "vote_called" => ("发起记名表决", "vote called"),
        "vote_cast" => ("表决票", "vote cast"),
        "meeting_closed" => ("会议封存", "meeting closed"),
        "meeting_reopened" => ("重新开启会议", "meeting re-opened"),
        "agenda_set" => ("设定当前议题", "item under discussion"),
        "substitute_seated" => ("增补专家", "substitute seated"),
        _ => ("其他事件", "other event"),
    };
    crate::domain::Text::new(zh, en)
}

/// An event's state in the log as a person reads it.
pub fn status_words(status: &str) -> crate::domain::Text {
    let (zh, en) = match status {
        "applied" => ("有效", "applied"),
        "quarantined" => ("暂存待核", "held"),
        "void" => ("作废", "void"),
        _ => ("未知状态", "unknown state"),
    };
    crate::domain::Text::new(zh, en)
}

impl Body {
    pub fn kind(&self) -> &'static str {
        match self {
            Body::MeetingOpened(_) => "meeting_opened",
            Body::ApplicationRegistered { .. } => "application_registered",
            Body::ConflictDeclared { .. } => "conflict_declared",
            Body::ConflictWithdrawn { .. } => "conflict_withdrawn",
            Body::ScoreSubmitted { .. } => "score_submitted",
            Body::DecisionRecorded { .. } => "decision_recorded",
            Body::KeyRevoked { .. } => "key_revoked",
            Body::UnitCleared { .. } => "unit_cleared",
            Body::SignedIn { .. } => "signed_in",
            Body::Countersigned { .. } => "countersigned",
            Body::DecisionFinalised { .. } => "decision_finalised",
            Body::ClarificationAsked { .. } => "clarification_asked",
            Body::ClarificationAnswered { .. } => "clarification_answered",
            Body::VoteCalled { .. } => "vote_called",
            Body::VoteCast { .. } => "vote_cast",
            Body::MeetingClosed { .. } => "meeting_closed",
            Body::MeetingReopened { .. } => "meeting_reopened",
            Body::AgendaSet { .. } => "agenda_set",
            Body::SubstituteSeated { .. } => "substitute_seated",
        }
    }

    pub fn meeting(&self) -> Option<&str> {
        match self {
            Body::MeetingOpened(m) => Some(&m.id),
            Body::ApplicationRegistered { meeting, .. }
            | Body::ConflictDeclared { meeting, .. }
            | Body::ConflictWithdrawn { meeting, .. }
            | Body::ScoreSubmitted { meeting, .. }
            | Body::DecisionRecorded { meeting, .. }
            | Body::SignedIn { meeting, .. }
            | Body::Countersigned { meeting, .. }
            | Body::DecisionFinalised { meeting, .. }
            | Body::ClarificationAsked { meeting, .. }
            | Body::ClarificationAnswered { meeting, .. }
            | Body::VoteCalled { meeting, .. }
            | Body::VoteCast { meeting, .. }
            | Body::MeetingClosed { meeting, .. }
            | Body::MeetingReopened { meeting, .. }
            | Body::AgendaSet { meeting, .. }
            | Body::SubstituteSeated { meeting, .. } => Some(meeting),
            Body::KeyRevoked { .. } | Body::UnitCleared { .. } => None,
        }
    }

    /// The versions an event about one application answers.
    pub fn basis(&self) -> Option<&Basis> {
        match self {
            Body::ConflictDeclared { basis, .. }
            | Body::ConflictWithdrawn { basis, .. }
            | Body::ScoreSubmitted { basis, .. }
            | Body::DecisionRecorded { basis, .. }
            | Body::ClarificationAsked { basis, .. }
            | Body::VoteCalled { basis, .. } => Some(basis),
            _ => None,
        }
    }

    pub fn application(&self) -> Option<&str> {
        match self {
            Body::ApplicationRegistered { application, .. } => Some(&application.code),
            Body::ConflictDeclared { code, .. }
            | Body::ConflictWithdrawn { code, .. }
            | Body::ScoreSubmitted { code, .. }
            | Body::DecisionRecorded { code, .. }
            | Body::Countersigned { code, .. }
            | Body::DecisionFinalised { code, .. }
            | Body::ClarificationAsked { code, .. }
            | Body::ClarificationAnswered { code, .. }
            | Body::VoteCalled { code, .. }
            | Body::VoteCast { code, .. }
            | Body::SubstituteSeated { code, .. } => Some(code),
            _ => None,
        }
    }
}

/// The signed part of an event. One chain per author: `seq` counts from 1, `prev` names the
/// author's previous event.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Envelope {
    pub v: u32,
    pub suite: Suite,
    /// Hex public key of the author.
    pub author: String,
    pub seq: u64,
    pub prev: Option<String>,
    pub time: DateTime<Utc>,
    pub body: Body,
}

/// An event as received or made: the exact signed bytes, the signature, and the parsed envelope.
#[derive(Clone, Debug)]
pub struct SignedEvent {
    /// Hex hash of `bytes` under the event's suite.
    pub id: String,
    pub bytes: Vec<u8>,
    pub signature: Vec<u8>,
    pub envelope: Envelope,
}

/// An event that cannot be read or does not verify.
#[derive(Debug, thiserror::Error)]
pub enum EventError {
    #[error("事件无法解析：{0} / the event cannot be parsed: {0}")]
    Malformed(String),
    #[error(
        "事件格式版本 {found} 高于本程序支持的 {known}，请升级评审台 / event format version {found} is newer than this build's {known}: upgrade reviewdesk"
    )]
    NewerVersion { found: u32, known: u32 },
    #[error("作者公钥无效 / the author key is not valid hex")]
    BadAuthor,
    #[error(
        "事件序号 {0} 超出范围（应为 1 到 {max}） / event seq {0} is out of range (1 to {max})",
        max = MAX_SEQ
    )]
    SeqOutOfRange(u64),
    #[error(
        "吊销截止序号 {0} 超出范围（应为 0 到 {max}） / revocation cut-off {0} is out of range (0 to {max})",
        max = MAX_SEQ
    )]
    CutoffOutOfRange(u64),
    #[error(
        "事件时间 {0} 不在 2000 年至 2099 年之间，签名者电脑的时钟有误 / event time {0} is outside the years 2000 to 2099: the signer's clock is wrong"
    )]
    TimeOutOfRange(DateTime<Utc>),
    #[error(
        "事件长 {size} 字节，超过上限 {limit} 字节（MAX_EVENT_BYTES），请缩短其中的文字 / the event is {size} bytes, over the limit of {limit} (MAX_EVENT_BYTES): shorten its text"
    )]
    TooLarge { size: usize, limit: usize },
    #[error(
        "事件中的公钥“{0}”不是小写十六进制：同一把钥匙只能有一种写法，否则吊销和席位会对不上 / the key “{0}” in the event is not lower-case hex: one key has one spelling, or revocations and seats would miss it"
    )]
    KeyNotCanonical(String),
    #[error(
        "事件中的同一对象两次写了“{0}”字段，不同程序可能读出不同内容，已拒绝 / the event names the key “{0}” twice in one object, so different programs could read different facts: refused"
    )]
    DuplicateKey(String),
    #[error(transparent)]
    Suite(#[from] SuiteError),
}

/// Reads a revocation cut-off as typed (a command-line argument, a box on the screens): a whole
/// number from 0 to [`MAX_SEQ`], the range every reader accepts.
pub fn parse_cutoff(text: &str) -> Result<u64, String> {
    match text.trim().parse::<u64>() {
        Ok(c) if c <= MAX_SEQ => Ok(c),
        _ => Err(format!(
            "截止序号“{}”无效：应为 0 到 {MAX_SEQ} 之间的整数 / cut-off “{}” is not valid: give a whole number from 0 to {MAX_SEQ}",
            crate::domain::text::printable(text.trim()),
            crate::domain::text::printable(text.trim())
        )),
    }
}

/// Event times before this are refused: no reviewdesk meeting was ever held then.
pub fn earliest_time() -> DateTime<Utc> {
    DateTime::from_timestamp(946_684_800, 0).unwrap_or_default() // 2000-01-01T00:00:00Z
}

/// Event times from this on are refused.
pub fn end_of_times() -> DateTime<Utc> {
    DateTime::from_timestamp(4_102_444_800, 0).unwrap_or_default() // 2100-01-01T00:00:00Z
}

/// Hex as this program writes a key: digits and lower-case letters only. "ABCD…" and "abcd…"
/// verify alike, but would be two chains here, and a revocation or a seat recorded under one
/// spelling would not reach the other.
pub fn is_canonical_key(text: &str) -> bool {
    !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

impl Body {
    /// Every key this body names: the keys it revokes, seats or names as secretariat.
    fn keys(&self) -> Vec<&str> {
        match self {
            Body::MeetingOpened(m) => std::iter::once(m.secretariat.key.as_str())
                .chain(m.panel.iter().flat_map(|p| std::iter::once(p.member.key.as_str()).chain(p.replaces.as_deref())))
                .collect(),
            Body::KeyRevoked { key, .. } => vec![key.as_str()],
            Body::DecisionFinalised { missing, .. } => missing.iter().map(|m| m.key.as_str()).collect(),
            Body::MeetingClosed { heads, .. } => heads.iter().map(|h| h.key.as_str()).collect(),
            Body::SubstituteSeated { substitute, stands_in_for, .. } => {
                vec![substitute.member.key.as_str(), stands_in_for.as_str()]
            }
            _ => vec![],
        }
    }
}

impl Envelope {
    /// The limits every signer and every reader check, so that they agree: seq and cut-off fit
    /// SQLite's integers, the time is plausible, the bytes fit a bundle line, every key has its
    /// one spelling.
    pub fn check(&self, len: usize) -> Result<(), EventError> {
        if len > MAX_EVENT_BYTES {
            return Err(EventError::TooLarge { size: len, limit: MAX_EVENT_BYTES });
        }
        if self.seq == 0 || self.seq > MAX_SEQ {
            return Err(EventError::SeqOutOfRange(self.seq));
        }
        if let Body::KeyRevoked { cutoff_seq, .. } = &self.body
            && *cutoff_seq > MAX_SEQ
        {
            return Err(EventError::CutoffOutOfRange(*cutoff_seq));
        }
        if self.time < earliest_time() || self.time >= end_of_times() {
            return Err(EventError::TimeOutOfRange(self.time));
        }
        let shown = |k: &str| crate::domain::text::printable(&k.chars().take(80).collect::<String>()).into_owned();
        if let Some(k) = std::iter::once(self.author.as_str()).chain(self.body.keys()).find(|k| !is_canonical_key(k)) {
            return Err(EventError::KeyNotCanonical(shown(k)));
        }
        Ok(())
    }
}

/// Refuses JSON in which one object names a key twice. serde keeps the last value and another
/// parser may keep the first, so one signature would carry two readings.
fn unique_keys(bytes: &[u8]) -> Result<(), EventError> {
    use serde::de::{DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
    use std::cell::RefCell;
    /// Walks any JSON value; the first key seen twice in one object is left in the cell.
    #[derive(Clone, Copy)]
    struct Unique<'c>(&'c RefCell<Option<String>>);
    impl<'de> DeserializeSeed<'de> for Unique<'_> {
        type Value = ();
        fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
            d.deserialize_any(self)
        }
    }
    impl<'de> Visitor<'de> for Unique<'_> {
        type Value = ();
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("JSON")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
            let mut seen = std::collections::HashSet::new();
            while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
                if !seen.insert(key.clone()) {
                    *self.0.borrow_mut() = Some(key.into_owned());
                    return Err(serde::de::Error::custom("duplicate key"));
                }
                map.next_value_seed(self)?;
            }
            Ok(())
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
            while seq.next_element_seed(self)?.is_some() {}
            Ok(())
        }
        fn visit_bool<E>(self, _: bool) -> Result<(), E> {
            Ok(())
        }
        fn visit_i64<E>(self, _: i64) -> Result<(), E> {
            Ok(())
        }
        fn visit_u64<E>(self, _: u64) -> Result<(), E> {
            Ok(())
        }
        fn visit_f64<E>(self, _: f64) -> Result<(), E> {
            Ok(())
        }
        fn visit_str<E>(self, _: &str) -> Result<(), E> {
            Ok(())
        }
        fn visit_unit<E>(self) -> Result<(), E> {
            Ok(())
        }
    }
    let twice = RefCell::new(None);
    let mut de = serde_json::Deserializer::from_slice(bytes);
    Unique(&twice).deserialize(&mut de).map_err(|e| match twice.take() {
        Some(key) => EventError::DuplicateKey(crate::domain::text::printable(&key).into_owned()),
        None => EventError::Malformed(e.to_string()),
    })
}

#[derive(Serialize, Deserialize)]
struct Line<'a> {
    sig: String,
    #[serde(borrow)]
    event: &'a RawValue,
}

fn signing_message(bytes: &[u8]) -> Vec<u8> {
    [SIGNING_CONTEXT, bytes].concat()
}

impl SignedEvent {
    /// Encodes and signs an envelope. The bytes produced are the bytes stored and shipped.
    /// Refuses what a peer's reader would refuse: nothing out of range is ever signed.
    pub fn sign(key: &super::suite::SecretKey, envelope: Envelope) -> Result<SignedEvent, EventError> {
        // Serialising our own plain data types cannot fail.
        let bytes = serde_json::to_vec(&envelope).unwrap_or_default();
        envelope.check(bytes.len())?;
        let signature = key.sign(&signing_message(&bytes));
        let id = hex::encode(envelope.suite.hash(&bytes));
        Ok(SignedEvent { id, bytes, signature, envelope })
    }

    /// Parses the signed bytes and checks the signature against the author's key.
    pub fn verify(bytes: Vec<u8>, signature: Vec<u8>) -> Result<SignedEvent, EventError> {
        let event = Self::parse_unverified(bytes, signature)?;
        let author = hex::decode(&event.envelope.author).map_err(|_| EventError::BadAuthor)?;
        event.envelope.suite.verify(&author, &signing_message(&event.bytes), &event.signature)?;
        Ok(event)
    }

    /// Parses the signed bytes and names the event, without checking the signature: for batch
    /// verification ([`verify_batch`]) or for bytes already verified under a matching hash.
    pub fn parse_unverified(bytes: Vec<u8>, signature: Vec<u8>) -> Result<SignedEvent, EventError> {
        if bytes.len() > MAX_EVENT_BYTES {
            return Err(EventError::TooLarge { size: bytes.len(), limit: MAX_EVENT_BYTES });
        }
        let envelope: Envelope = match serde_json::from_slice(&bytes) {
            Ok(e) => e,
            // Only a failure is worth a second look: a newer version deserves its own message.
            Err(e) => {
                let v = serde_json::from_slice::<serde_json::Value>(&bytes).ok().and_then(|p| p.get("v")?.as_u64());
                return Err(match v {
                    Some(v) if v > EVENT_VERSION as u64 => {
                        EventError::NewerVersion { found: v as u32, known: EVENT_VERSION }
                    }
                    _ => EventError::Malformed(e.to_string()),
                });
            }
        };
        if envelope.v > EVENT_VERSION {
            return Err(EventError::NewerVersion { found: envelope.v, known: EVENT_VERSION });
        }
        envelope.check(bytes.len())?;
        unique_keys(&bytes)?;
        let id = hex::encode(envelope.suite.hash(&bytes));
        Ok(SignedEvent { id, bytes, signature, envelope })
    }

    /// Splits a line written by [`SignedEvent::to_line`] into the signed bytes and the signature.
    pub fn split_line(line: &str) -> Result<(Vec<u8>, Vec<u8>), EventError> {
        let parsed: Line = serde_json::from_str(line).map_err(|e| EventError::Malformed(e.to_string()))?;
        let signature = hex::decode(&parsed.sig).map_err(|_| EventError::Malformed("sig is not hex".into()))?;
        Ok((parsed.event.get().as_bytes().to_vec(), signature))
    }

    /// One line of `events.jsonl`: the signature and the signed bytes, untouched.
    pub fn to_line(&self) -> String {
        let raw = String::from_utf8_lossy(&self.bytes);
        format!("{{\"sig\":\"{}\",\"event\":{}}}", hex::encode(&self.signature), raw)
    }

    /// Reads a line written by [`SignedEvent::to_line`] and verifies it.
    pub fn from_line(line: &str) -> Result<SignedEvent, EventError> {
        let (bytes, signature) = Self::split_line(line)?;
        Self::verify(bytes, signature)
    }
}

/// Verifies many parsed events at once (Ed25519 batch verification; SM2 events one by one).
/// On failure, names an event whose signature does not check out.
pub fn verify_batch(events: &[SignedEvent]) -> Result<(), usize> {
    let messages: Vec<Vec<u8>> = events.iter().map(|e| signing_message(&e.bytes)).collect();
    let mut keys = Vec::with_capacity(events.len());
    let mut sigs = Vec::with_capacity(events.len());
    let mut batched = Vec::with_capacity(events.len());
    // A bundle has few authors and many events: decompress each key once.
    let mut known: std::collections::HashMap<&str, ed25519_dalek::VerifyingKey> = std::collections::HashMap::new();
    for (i, e) in events.iter().enumerate() {
        match e.envelope.suite {
            super::suite::Suite::Ed25519Sha256 => {
                let key = match known.get(e.envelope.author.as_str()) {
                    Some(k) => *k,
                    None => {
                        let k = hex::decode(&e.envelope.author).ok().and_then(|k| <[u8; 32]>::try_from(k).ok());
                        let k = k.and_then(|k| ed25519_dalek::VerifyingKey::from_bytes(&k).ok()).ok_or(i)?;
                        known.insert(&e.envelope.author, k);
                        k
                    }
                };
                let sig = ed25519_dalek::Signature::from_slice(&e.signature).map_err(|_| i)?;
                keys.push(key);
                sigs.push(sig);
                batched.push(i);
            }
            // SM2 has no batch verification: each is checked on its own.
            super::suite::Suite::Sm2Sm3 => {
                let author = hex::decode(&e.envelope.author).map_err(|_| i)?;
                e.envelope.suite.verify(&author, &messages[i], &e.signature).map_err(|_| i)?;
            }
        }
    }
    let refs: Vec<&[u8]> = batched.iter().map(|i| messages[*i].as_slice()).collect();
    if ed25519_dalek::verify_batch(&refs, &sigs, &keys).is_ok() {
        return Ok(());
    }
    // The batch failed: find the culprit one by one.
    for i in batched {
        let e = &events[i];
        let author = hex::decode(&e.envelope.author).map_err(|_| i)?;
        e.envelope.suite.verify(&author, &messages[i], &e.signature).map_err(|_| i)?;
    }
    Err(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ledger::suite::Suite;

    fn envelope(key: &super::super::suite::SecretKey, seq: u64) -> Envelope {
        Envelope {
            v: EVENT_VERSION,
            suite: Suite::Ed25519Sha256,
            author: hex::encode(key.public()),
            seq,
            prev: None,
            time: DateTime::parse_from_rfc3339("2026-11-20T09:00:00Z").unwrap().with_timezone(&Utc),
            body: Body::ConflictDeclared {
                meeting: "M1".into(),
                code: "GL-1".into(),
                basis: Basis { meeting_event: "a".repeat(64), application_event: "b".repeat(64) },
                reason: "曾参与该项目可研编制".into(),
            },
        }
    }

    /// Signs `bytes` as they are, as a hostile peer would.
    fn forge(key: &super::super::suite::SecretKey, bytes: &str) -> Result<SignedEvent, EventError> {
        let sig = key.sign(&signing_message(bytes.as_bytes()));
        SignedEvent::verify(bytes.as_bytes().to_vec(), sig)
    }

    #[test]
    fn nothing_out_of_range_is_signed_or_read() {
        let key = Suite::Ed25519Sha256.generate();
        for seq in [0, MAX_SEQ + 1, u64::MAX] {
            let env = envelope(&key, seq);
            assert!(matches!(SignedEvent::sign(&key, env.clone()), Err(EventError::SeqOutOfRange(s)) if s == seq));
            let text = serde_json::to_string(&env).unwrap();
            assert!(matches!(forge(&key, &text), Err(EventError::SeqOutOfRange(s)) if s == seq), "{seq}");
        }
        let mut env = envelope(&key, MAX_SEQ);
        assert!(SignedEvent::sign(&key, env.clone()).is_ok(), "the largest seq SQLite holds is fine");
        env.body = Body::KeyRevoked { key: "ab".into(), cutoff_seq: u64::MAX, reason: "遗失".into() };
        let text = serde_json::to_string(&env).unwrap();
        assert!(matches!(forge(&key, &text), Err(EventError::CutoffOutOfRange(u64::MAX))));
        for time in ["1970-01-01T00:00:00Z", "1999-12-31T23:59:59Z", "2100-01-01T00:00:00Z", "9999-12-31T00:00:00Z"] {
            let mut env = envelope(&key, 1);
            env.time = DateTime::parse_from_rfc3339(time).unwrap().with_timezone(&Utc);
            assert!(matches!(SignedEvent::sign(&key, env), Err(EventError::TimeOutOfRange(_))), "{time}");
        }
        let mut env = envelope(&key, 1);
        if let Body::ConflictDeclared { reason, .. } = &mut env.body {
            *reason = "长".repeat(MAX_EVENT_BYTES / 3 + 1);
        }
        assert!(matches!(SignedEvent::sign(&key, env), Err(EventError::TooLarge { .. })));
    }

    #[test]
    fn a_key_named_twice_in_one_object_is_refused() {
        let key = Suite::Ed25519Sha256.generate();
        let e = SignedEvent::sign(&key, envelope(&key, 1)).unwrap();
        let text = String::from_utf8(e.bytes).unwrap();
        // The same field twice at the top, in the body, and spelt with an escape.
        for (from, to) in [
            ("\"seq\":1,", "\"seq\":1,\"seq\":1,"),
            ("\"reason\":", "\"reason\":\"无\",\"reason\":"),
            ("\"reason\":", "\"reason\":\"无\",\"r\\u0065ason\":"),
        ] {
            let twice = text.replacen(from, to, 1);
            assert_ne!(twice, text);
            assert!(
                matches!(forge(&key, &twice), Err(EventError::DuplicateKey(_)) | Err(EventError::Malformed(_))),
                "{twice}"
            );
        }
        // Inside a map (points per criterion), where serde alone would keep the last value.
        let sheet = r#"{"v":1,"suite":"ed25519-sha256","author":"AUTHOR","seq":1,"prev":null,"time":"2026-11-20T09:00:00Z","body":{"score_submitted":{"meeting":"M1","code":"GL-1","basis":{"meeting_event":"a","application_event":"b"},"sheet":{"points":{"necessity":15,"necessity":1}}}}}"#;
        let sheet = sheet.replace("AUTHOR", &hex::encode(key.public()));
        assert!(matches!(forge(&key, &sheet), Err(EventError::DuplicateKey(k)) if k == "necessity"));
        assert!(forge(&key, &sheet.replace(",\"necessity\":1", "")).is_ok());
    }

    #[test]
    fn a_line_round_trips_with_the_same_bytes_and_id() {
        let key = Suite::Ed25519Sha256.generate();
        let e = SignedEvent::sign(&key, envelope(&key, 1)).unwrap();
        let back = SignedEvent::from_line(&e.to_line()).unwrap();
        assert_eq!(back.bytes, e.bytes);
        assert_eq!(back.id, e.id);
        assert_eq!(back.envelope, e.envelope);
    }

    #[test]
    fn a_changed_byte_or_another_signer_is_refused() {
        let key = Suite::Ed25519Sha256.generate();
        let e = SignedEvent::sign(&key, envelope(&key, 1)).unwrap();
        let tampered = e.to_line().replace("可研编制", "可研评审");
        assert!(matches!(SignedEvent::from_line(&tampered), Err(EventError::Suite(SuiteError::BadSignature))));
        let other = Suite::Ed25519Sha256.generate();
        let forged = SignedEvent::sign(&other, envelope(&key, 1)).unwrap();
        assert!(matches!(SignedEvent::verify(forged.bytes, forged.signature), Err(EventError::Suite(_))));
    }

    #[test]
    fn a_withdrawal_is_its_own_kind_about_one_application() {
        let key = Suite::Ed25519Sha256.generate();
        let mut env = envelope(&key, 2);
        env.body = Body::ConflictWithdrawn {
            meeting: "M1".into(),
            code: "GL-1".into(),
            basis: Basis { meeting_event: "a".repeat(64), application_event: "b".repeat(64) },
            withdraws: "c".repeat(64),
            reason: "经核实未参与可研编制".into(),
        };
        let e = SignedEvent::sign(&key, env).unwrap();
        let text = String::from_utf8(e.bytes.clone()).unwrap();
        assert!(text.contains(r#""body":{"conflict_withdrawn":{"meeting":"M1","code":"GL-1","basis":"#), "{text}");
        let back = SignedEvent::from_line(&e.to_line()).unwrap();
        let body = &back.envelope.body;
        assert_eq!((body.kind(), body.meeting(), body.application()), ("conflict_withdrawn", Some("M1"), Some("GL-1")));
        assert_eq!(body.basis().map(|b| b.application_event.as_str()), Some("b".repeat(64).as_str()));
        // An unknown field is refused, as in every body.
        let extra = text.replace(r#""reason":"#, r#""note":"x","reason":"#);
        assert!(matches!(forge(&key, &extra), Err(EventError::Malformed(_))));
    }

    #[test]
    fn a_newer_version_is_named() {
        let key = Suite::Ed25519Sha256.generate();
        let mut env = envelope(&key, 1);
        env.v = 9;
        let e = SignedEvent::sign(&key, env).unwrap();
        let err = SignedEvent::verify(e.bytes, e.signature).unwrap_err().to_string();
        assert!(err.contains('9') && err.contains('1'), "{err}");
    }
}
