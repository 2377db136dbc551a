//! What the store holds of a meeting's proceedings (会议程序): sign-ins, countersignatures and
//! finalisations, clarifications, named votes, and closes with their re-opens. Read from the
//! log, as few events of these kinds are written per application. The rules over them are in
//! [`crate::domain::proceedings`].

use super::{Result, Store, StoreError};
use crate::domain::Text;
use crate::domain::proceedings::{Choice, Countersign, Finality, Missing, Stance};
use crate::ledger::proceedings::{Head, Pinned};
use crate::ledger::{Body, Envelope};
use rusqlite::{OptionalExtension, params};
use serde::Serialize;
use std::collections::HashMap;

/// 签到
#[derive(Clone, Debug, Serialize)]
pub struct SignIn {
    pub key: String,
    pub time: String,
    pub event: String,
    pub pledge: String,
}

/// 结论定稿
#[derive(Clone, Debug, Serialize)]
pub struct Finalisation {
    pub by: String,
    pub time: String,
    pub event: String,
    pub missing: Vec<Missing>,
}

/// 澄清: the panel's question and the answers the secretariat entered.
#[derive(Clone, Debug, Serialize)]
pub struct Clarification {
    pub code: String,
    pub event: String,
    pub by: String,
    pub time: String,
    pub question: String,
    pub answers: Vec<Answer>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Answer {
    pub event: String,
    pub time: String,
    pub text: String,
}

/// 记名表决: the chair's motion and each member's newest vote on it.
#[derive(Clone, Debug, Serialize)]
pub struct Vote {
    pub code: String,
    pub event: String,
    pub by: String,
    pub time: String,
    pub motion: crate::domain::Outcome,
    pub ballots: Vec<Ballot>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Ballot {
    pub key: String,
    pub choice: Choice,
    pub reason: String,
    pub time: String,
    pub event: String,
    #[serde(skip)]
    seq: u64,
}

impl Vote {
    pub fn tally(&self) -> crate::domain::proceedings::Tally {
        crate::domain::proceedings::Tally::of(self.ballots.iter().map(|b| b.choice))
    }
}

/// 会议封存, and its re-open if one names it.
#[derive(Clone, Debug, Serialize)]
pub struct CloseRecord {
    pub event: String,
    pub by: String,
    pub time: String,
    pub heads: Vec<Head>,
    pub decisions: Vec<Pinned>,
    pub reopened: Option<Reopen>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Reopen {
    pub event: String,
    pub by: String,
    pub time: String,
    pub reason: String,
}

/// Everything of a meeting's proceedings (or one application's), oldest first.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Proceedings {
    pub sign_ins: Vec<SignIn>,
    /// Per decision event, each member's newest countersignature.
    pub countersigns: HashMap<String, Vec<Countersign>>,
    /// Per decision event, the chair's finalisation (the newest).
    pub finalisations: HashMap<String, Finalisation>,
    pub clarifications: Vec<Clarification>,
    pub votes: Vec<Vote>,
    pub closes: Vec<CloseRecord>,
    /// 当前议题, in the order the items were taken.
    pub agenda: Vec<AgendaItem>,
}

/// An application put under discussion.
#[derive(Clone, Debug, Serialize)]
pub struct AgendaItem {
    pub code: String,
    pub by: String,
    pub time: String,
    pub event: String,
}

impl Proceedings {
    /// The close that stands (not re-opened), if the meeting is closed.
    pub fn standing_close(&self) -> Option<&CloseRecord> {
        self.closes.iter().rev().find(|c| c.reopened.is_none())
    }

    pub fn signed_in(&self, keys: &[&str]) -> bool {
        self.sign_ins.iter().any(|s| keys.contains(&s.key.as_str()))
    }
}

const KINDS: &str = "('signed_in', 'countersigned', 'decision_finalised', 'clarification_asked', \
    'clarification_answered', 'vote_called', 'vote_cast', 'meeting_closed', 'meeting_reopened', 'agenda_set')";

impl Store {
    /// The proceedings of `meeting`, or of one application of it and the meeting-wide events
    /// (sign-ins, closes) when `code` is given.
    pub fn proceedings(&self, meeting: &str, code: Option<&str>) -> Result<Proceedings> {
        // For one application, two lookups on the (meeting, application) index: the meeting-wide
        // events and its own. An `OR` of the two scans every event of the meeting, once per
        // opinion form of a report.
        const COLUMNS: &str = "id, author, seq, time, bytes, kind, status";
        let scope = match code {
            Some(_) => format!(
                "SELECT {COLUMNS} FROM events WHERE meeting_id = ?1 AND app_code IS NULL \
                 UNION ALL SELECT {COLUMNS} FROM events WHERE meeting_id = ?1 AND app_code = ?2"
            ),
            None => format!("SELECT {COLUMNS} FROM events WHERE meeting_id = ?1 AND ?2 IS NULL"),
        };
        let mut st = self.conn.prepare_cached(&format!(
            "SELECT id, author, seq, time, bytes FROM ({scope}) \
             WHERE kind IN {KINDS} AND status = 'applied' \
             ORDER BY kind NOT IN ('clarification_asked', 'vote_called', 'meeting_closed'), time, seq, id"
        ))?;
        let mut rows = st.query(params![meeting, code])?;
        let mut p = Proceedings::default();
        let mut seqs: HashMap<(String, String), u64> = HashMap::new();
        while let Some(r) = rows.next()? {
            let (event, by, seq, time): (String, String, i64, String) = (r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?);
            let env: Envelope = serde_json::from_slice(&r.get::<_, Vec<u8>>(4)?)
                .map_err(|e| StoreError::Corrupt(format!("event {event}: {e}")))?;
            p.take(env.body, Row { event, by, seq: seq as u64, time }, &mut seqs);
        }
        Ok(p)
    }
}

/// One application's proceedings as `show` and the detail screen give them.
#[derive(Clone, Debug, Default, Serialize)]
pub struct ApplicationProceedings {
    /// Countersignatures on the standing decision, with each member's name.
    pub countersigns: Vec<(String, Countersign)>,
    /// How final the standing decision is; None while none stands.
    pub finality: Option<crate::domain::proceedings::Finality>,
    pub finalisation: Option<Finalisation>,
    pub clarifications: Vec<Clarification>,
    pub votes: Vec<Vote>,
    /// The close that stands, if the meeting is closed.
    pub closed: Option<CloseRecord>,
    /// The panel's and the secretariat's names by key, for the lines below.
    #[serde(skip)]
    pub names: HashMap<String, String>,
    /// The keys that signed in (签到) at the meeting.
    pub signed_in: Vec<String>,
}

/// Why the person viewing cannot sign a proceedings event now, in both languages.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{} / {}", .0.zh, .0.en)]
pub struct NotNow(pub Text);

fn not_now(zh: impl Into<String>, en: impl Into<String>) -> NotNow {
    NotNow(Text::new(zh, en))
}

/// The events a person signs from an application's view, built where the CLI and the screens
/// share them: each is refused here, with why, when the viewer may not sign it now.
impl super::ApplicationView {
    /// Why no decision may be recorded yet, when the sheets that count are fewer than the
    /// profile's quorum (法定人数): step-asides took the application below it, and the secretariat
    /// seats a substitute.
    pub fn below_quorum(&self) -> Option<Text> {
        let quorum = self.quorum?;
        let valid = self.experts.iter().filter(|e| e.counts()).count();
        let eligible = self.experts.iter().filter(|e| e.recused.is_none()).count();
        let code = &self.application.code;
        (valid < quorum).then(|| match eligible < quorum {
            true => Text::new(
                format!(
                    "{code} 的有效评分表 {valid} 份，少于法定人数 {quorum} 份，且回避后可评分的专家只有 {eligible} 位：请秘书处增补专家（reviewdesk substitute {code} --pool 专家库.csv）"
                ),
                format!(
                    "{code} has {valid} valid sheets, fewer than the quorum of {quorum}, and after the step-asides only {eligible} experts can score: the secretariat seats a substitute (reviewdesk substitute {code} --pool POOL.csv)"
                ),
            ),
            false => Text::new(
                format!("{code} 的有效评分表 {valid} 份，少于法定人数 {quorum} 份：请等其余专家提交评分"),
                format!("{code} has {valid} valid sheets, fewer than the quorum of {quorum}: wait for the other experts' sheets"),
            ),
        })
    }

    /// Everything `show`, the screens, the forms and the minutes print of the proceedings: the
    /// substitutes seated, then [`ApplicationProceedings::lines`].
    pub fn proceedings_lines(&self) -> Vec<Text> {
        let mut out = self.substitute_lines();
        out.extend(self.proceedings.lines());
        out
    }

    /// The substitutes seated on the application.
    fn substitute_lines(&self) -> Vec<Text> {
        let name = |k: &str| self.proceedings.name(k);
        self.substitutes
            .iter()
            .map(|s| {
                Text::new(
                    format!(
                        "增补专家：{}（替补回避的 {}；{}类，按会议抽取种子 {} 续抽）",
                        s.member.member.name,
                        name(&s.stands_in_for),
                        s.draw.category,
                        s.draw.seed
                    ),
                    format!(
                        "Substitute: {} (for {}, who stepped aside; {}, continuing the draw with seed {})",
                        s.member.member.name,
                        name(&s.stands_in_for),
                        s.draw.category,
                        s.draw.seed
                    ),
                )
            })
            .collect()
    }

    /// Whether `key` must sign in (签到) before scoring: an expert of the panel who has not.
    /// A substitute (增补专家), seated on one application by the secretariat, is not held to it.
    pub fn awaits_sign_in(&self, key: &str) -> bool {
        self.viewer == super::ViewerRole::Expert
            && self.seat.is_none()
            && !self.proceedings.signed_in.iter().any(|k| k == key)
    }

    /// The standing decision's event id, or why there is nothing to answer.
    fn standing_decision(&self) -> Result<&str, NotNow> {
        let code = &self.application.code;
        self.decision.as_ref().filter(|d| !d.outdated).map(|d| d.event_id.as_str()).ok_or_else(|| {
            not_now(format!("{code} 还没有组长签署的结论"), format!("{code} has no decision from the chair yet"))
        })
    }

    /// `key`'s countersignature (签字确认), or with `dissent` (保留意见), on the standing decision.
    pub fn countersign(&self, key: &str, dissent: Option<crate::domain::Reason>) -> Result<Body, NotNow> {
        let code = &self.application.code;
        if self.viewer != super::ViewerRole::Expert {
            return Err(not_now(
                format!("只有专家组成员（组长以外）签字确认结论（你是{}）", self.viewer.zh()),
                format!("only panel experts countersign a decision (you are {:?})", self.viewer),
            ));
        }
        if self.experts.iter().any(|e| e.key == key && e.recused.is_some()) {
            return Err(not_now(
                format!("你已对 {code} 声明回避，不参与签字"),
                format!("you stepped aside from {code}"),
            ));
        }
        let decision = self.standing_decision()?.to_string();
        let stance = match dissent {
            None => Stance::Agree,
            Some(r) => Stance::Dissent { reason: r.into_string() },
        };
        Ok(Body::Countersigned { meeting: self.meeting_id.clone(), code: code.clone(), decision, stance })
    }

    /// The chair's finalisation with the members still to sign, those named in `refused`
    /// recorded as refusing without reasons (第五十三条), the others as absent.
    pub fn finalise(&self, refused: &[String]) -> Result<Body, NotNow> {
        let code = &self.application.code;
        if self.viewer != super::ViewerRole::Chair {
            return Err(not_now("只有组长能定稿结论", "only the chair finalises a decision"));
        }
        let decision = self.standing_decision()?.to_string();
        let Some(Finality::Awaiting { waiting }) = &self.proceedings.finality else {
            return Err(not_now(format!("{code} 的结论已定稿"), format!("the decision on {code} is already final")));
        };
        let name_of = |k: &str| self.proceedings.name(k);
        if let Some(r) = refused.iter().find(|r| !waiting.iter().any(|k| name_of(k) == r.trim())) {
            let names: Vec<String> = waiting.iter().map(|k| name_of(k)).collect();
            return Err(not_now(
                format!("“{r}”不在未签字成员中。未签字：{}", names.join("、")),
                format!("“{r}” is not among the members yet to sign: {}", names.join(", ")),
            ));
        }
        let missing = waiting
            .iter()
            .map(|k| Missing { key: k.clone(), refused: refused.iter().any(|r| r.trim() == name_of(k)) })
            .collect();
        Ok(Body::DecisionFinalised { meeting: self.meeting_id.clone(), code: code.clone(), decision, missing })
    }

    /// The chair's call of a named vote (记名表决) on `motion`.
    pub fn call_vote(&self, motion: crate::domain::Outcome) -> Result<Body, NotNow> {
        if self.viewer != super::ViewerRole::Chair {
            return Err(not_now("只有组长能发起记名表决", "only the chair calls a named vote"));
        }
        Ok(Body::VoteCalled {
            meeting: self.meeting_id.clone(),
            code: self.application.code.clone(),
            basis: self.basis.clone(),
            motion,
        })
    }

    /// A member's vote on the latest motion on the application.
    pub fn ballot(&self, choice: Choice, reason: &str) -> Result<Body, NotNow> {
        let code = &self.application.code;
        if !matches!(self.viewer, super::ViewerRole::Chair | super::ViewerRole::Expert) {
            return Err(not_now("只有专家组成员能投票", "only panel members vote"));
        }
        let Some(call) = self.proceedings.votes.last() else {
            return Err(not_now(format!("{code} 没有进行中的记名表决"), format!("there is no named vote on {code}")));
        };
        Ok(Body::VoteCast {
            meeting: self.meeting_id.clone(),
            code: code.clone(),
            call: call.event.clone(),
            choice,
            reason: reason.trim().to_string(),
        })
    }
}

impl ApplicationProceedings {
    fn name(&self, key: &str) -> String {
        self.names.get(key).cloned().unwrap_or_else(|| key.chars().take(12).collect())
    }

    /// What `show`, the detail screen and the opinion forms print of the proceedings, in both
    /// languages: countersignatures and dissents, finality, clarifications, votes, the close.
    pub fn lines(&self) -> Vec<Text> {
        let mut out = Vec::new();
        let time = |t: &str| crate::domain::local_time::meeting_time(t);
        if let Some(f) = &self.finality {
            out.push(Text::new(format!("签字确认：{}", f.zh()), format!("Countersignatures: {}", f.en())));
        }
        for (name, s) in &self.countersigns {
            out.push(match &s.stance {
                Stance::Agree => Text::new(
                    format!("  {name} 同意（{}）", time(&s.time)),
                    format!("  {name} agrees ({})", time(&s.time)),
                ),
                Stance::Dissent { reason } => Text::new(
                    format!("  {name} 保留意见（{}）：{reason}", time(&s.time)),
                    format!("  {name} dissents ({}): {reason}", time(&s.time)),
                ),
            });
        }
        if let Some(Finality::Awaiting { waiting }) = &self.finality {
            let names: Vec<String> = waiting.iter().map(|k| self.name(k)).collect();
            out.push(Text::new(
                format!("  待签字：{}", names.join("、")),
                format!("  yet to sign: {}", names.join(", ")),
            ));
        }
        if let Some(f) = &self.finalisation {
            for m in &f.missing {
                let n = self.name(&m.key);
                out.push(if m.refused {
                    Text::new(
                        format!(
                            "  {n} 拒绝签字且未说明理由，视为同意（第五十三条；组长 {} 于 {} 记录）",
                            self.name(&f.by),
                            time(&f.time)
                        ),
                        format!(
                            "  {n} refused to sign without reasons: taken to agree (Art. 53; recorded by {} at {})",
                            self.name(&f.by),
                            time(&f.time)
                        ),
                    )
                } else {
                    Text::new(
                        format!("  {n} 未签字（缺席；组长 {} 于 {} 定稿）", self.name(&f.by), time(&f.time)),
                        format!("  {n} did not sign (absent; finalised by {} at {})", self.name(&f.by), time(&f.time)),
                    )
                });
            }
        }
        for c in &self.clarifications {
            out.push(Text::new(
                format!("澄清（{}，{}）：{}", self.name(&c.by), time(&c.time), c.question),
                format!("Clarification ({}, {}): {}", self.name(&c.by), time(&c.time), c.question),
            ));
            match c.answers.last() {
                Some(a) => out.push(Text::new(
                    format!("  答复（{}）：{}", time(&a.time), a.text),
                    format!("  answer ({}): {}", time(&a.time), a.text),
                )),
                None => out.push(Text::new("  待申报单位书面答复", "  awaiting the applicant's written answer")),
            }
        }
        if !self.clarifications.is_empty() {
            out.push(Text::new(
                "  澄清不得改变申报项目的实质性内容",
                "  a clarification cannot change the substance of the application",
            ));
        }
        for v in &self.votes {
            let t = v.tally();
            out.push(Text::new(
                format!(
                    "记名表决（{}，{}）：表决事项“{}”。{}",
                    self.name(&v.by),
                    time(&v.time),
                    v.motion.zh(),
                    t.words().zh
                ),
                format!(
                    "Named vote ({}, {}) on “{}”: {}",
                    self.name(&v.by),
                    time(&v.time),
                    v.motion.en(),
                    t.words().en
                ),
            ));
            for b in &v.ballots {
                let minority = t.minority() == Some(b.choice);
                let mark = if minority { Text::new("（少数意见）", " (minority)") } else { Text::new("", "") };
                let why = if b.reason.is_empty() { String::new() } else { format!("：{}", b.reason) };
                let why_en = if b.reason.is_empty() { String::new() } else { format!(": {}", b.reason) };
                out.push(Text::new(
                    format!("  {} {}{}{why}", self.name(&b.key), b.choice.zh(), mark.zh),
                    format!("  {} {}{}{why_en}", self.name(&b.key), b.choice.en(), mark.en),
                ));
            }
        }
        if let Some(c) = &self.closed {
            out.push(Text::new(
                format!(
                    "会议已封存（{}，{}，事件 {}）",
                    self.name(&c.by),
                    time(&c.time),
                    &c.event[..12.min(c.event.len())]
                ),
                format!(
                    "Meeting closed ({}, {}, event {})",
                    self.name(&c.by),
                    time(&c.time),
                    &c.event[..12.min(c.event.len())]
                ),
            ));
        }
        out
    }
}

impl Store {
    /// The proceedings of application `code` around its standing decision `decision`: `seats`
    /// are the keys of each expert who did not step aside, and `names` the panel's names.
    pub(super) fn application_proceedings(
        &self,
        meeting: &str,
        code: &str,
        decision: Option<&str>,
        seats: &[Vec<String>],
        names: &HashMap<String, String>,
        panel: &[String],
    ) -> Result<ApplicationProceedings> {
        let mut p = self.proceedings(meeting, Some(code))?;
        // Members in panel order, whatever order they signed in: what a reader compares.
        let place = |k: &str| panel.iter().position(|x| x == k).unwrap_or(usize::MAX);
        for v in &mut p.votes {
            v.ballots.sort_by_key(|b| place(&b.key));
        }
        for signs in p.countersigns.values_mut() {
            signs.sort_by_key(|s| place(&s.key));
        }
        let closed = p.standing_close().cloned();
        let signed_in = p.sign_ins.iter().map(|s| s.key.clone()).collect();
        let Some(d) = decision else {
            return Ok(ApplicationProceedings {
                clarifications: p.clarifications,
                votes: p.votes,
                closed,
                names: names.clone(),
                signed_in,
                ..Default::default()
            });
        };
        let signs = p.countersigns.remove(d).unwrap_or_default();
        let finalisation = p.finalisations.remove(d);
        let finality =
            crate::domain::proceedings::finality(seats, &signs, finalisation.as_ref().map(|f| f.missing.as_slice()));
        let name = |k: &str| names.get(k).cloned().unwrap_or_else(|| k.chars().take(12).collect());
        Ok(ApplicationProceedings {
            countersigns: signs.into_iter().map(|s| (name(&s.key), s)).collect(),
            finality: Some(finality),
            finalisation,
            clarifications: p.clarifications,
            votes: p.votes,
            closed,
            names: names.clone(),
            signed_in,
        })
    }
}

impl Store {
    /// The application under discussion in `meeting` (当前议题): the newest `agenda_set`, by time
    /// then id. One lookup among the meeting-wide events, cheap enough for every frame's queue.
    pub fn under_discussion(&self, meeting: &str) -> Result<Option<String>> {
        let bytes: Option<Vec<u8>> = self
            .conn
            .prepare_cached(
                "SELECT bytes FROM events WHERE meeting_id = ?1 AND app_code IS NULL AND kind = 'agenda_set' \
                 AND status = 'applied' ORDER BY time DESC, id DESC LIMIT 1",
            )?
            .query_row([meeting], |r| r.get(0))
            .optional()?;
        let Some(bytes) = bytes else { return Ok(None) };
        match serde_json::from_slice::<Envelope>(&bytes).map(|e| e.body) {
            Ok(Body::AgendaSet { code, .. }) => Ok(Some(code)),
            _ => Err(StoreError::Corrupt(format!("the item under discussion in {meeting} cannot be read"))),
        }
    }

    /// What a close of `meeting` signed now pins: the head of the chain of every key of its
    /// panel, secretariat and substitutes that has signed anything here, and every standing
    /// decision.
    pub fn close_pins(&self, meeting: &str, viewer: &str) -> Result<(Vec<Head>, Vec<Pinned>)> {
        let m = self.meeting(meeting)?;
        let substitutes = self.substitutes(meeting)?;
        let mut keys: Vec<&str> = m.panel.iter().map(|p| p.member.key.as_str()).collect();
        keys.push(&m.secretariat.key);
        // A substitute's chain too: their sheet is part of what the close seals.
        keys.extend(substitutes.iter().map(|s| s.member.member.key.as_str()));
        keys.sort_unstable();
        keys.dedup();
        let mut heads = Vec::new();
        for key in keys {
            if let Some((seq, event)) = self.head(key)? {
                heads.push(Head { key: key.to_string(), seq, event });
            }
        }
        let decisions = self
            .queue(meeting, viewer)?
            .rows
            .into_iter()
            .filter_map(|r| r.decision_event.map(|decision| Pinned { code: r.code, decision }))
            .collect();
        Ok((heads, decisions))
    }
}

/// 增补专家: a substitute seated on one application.
#[derive(Clone, Debug, Serialize)]
pub struct Substitute {
    pub code: String,
    pub event: String,
    pub time: String,
    pub member: crate::ledger::PanelMember,
    pub stands_in_for: String,
    pub draw: crate::ledger::proceedings::ContinuedDraw,
}

impl Store {
    /// The substitutes seated in `meeting` (增补专家), oldest first.
    pub fn substitutes(&self, meeting: &str) -> Result<Vec<Substitute>> {
        let mut st = self.conn.prepare_cached(
            "SELECT id, time, bytes FROM events WHERE kind = 'substitute_seated' AND meeting_id = ?1 \
             AND status = 'applied' ORDER BY time, id",
        )?;
        let mut rows = st.query([meeting])?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            let (event, time): (String, String) = (r.get(0)?, r.get(1)?);
            match serde_json::from_slice::<Envelope>(&r.get::<_, Vec<u8>>(2)?).map(|e| e.body) {
                Ok(Body::SubstituteSeated { code, substitute, stands_in_for, draw, .. }) => {
                    out.push(Substitute { code, event, time, member: substitute, stands_in_for, draw })
                }
                _ => return Err(StoreError::Corrupt(format!("event {event} cannot be read"))),
            }
        }
        Ok(out)
    }
}

/// A close as `log` checks it against this store.
#[derive(Clone, Debug, Serialize)]
pub struct CloseCheck {
    pub meeting: String,
    pub close: CloseRecord,
    pub heads_present: usize,
    pub decisions_present: usize,
    /// Events of the meeting held here as late.
    pub late: usize,
}

impl Store {
    /// Every close of `meeting` (or of every meeting here), with how much of what it pins this
    /// store holds and how many events it holds as late.
    pub fn close_checks(&self, meeting: Option<&str>) -> Result<Vec<CloseCheck>> {
        let ids: Vec<String> = match meeting {
            Some(m) => vec![self.resolve_meeting(Some(m))?],
            None => self.meetings()?.into_iter().map(|m| m.id).collect(),
        };
        let mut here = self.conn.prepare_cached("SELECT 1 FROM events WHERE id = ?1 AND fork = 0")?;
        let mut out = Vec::new();
        for id in ids {
            let closes = self.proceedings(&id, None)?.closes;
            if closes.is_empty() {
                continue;
            }
            let late: i64 = self.conn.query_row(
                "SELECT count(*) FROM events WHERE meeting_id = ?1 AND status = 'quarantined' AND reason_en LIKE '%held as late%'",
                [&id],
                |r| r.get(0),
            )?;
            for close in closes {
                let mut count = |ids: Vec<&str>| -> Result<usize> {
                    let mut n = 0;
                    for i in ids {
                        n += usize::from(here.exists([i])?);
                    }
                    Ok(n)
                };
                let heads_present = count(close.heads.iter().map(|h| h.event.as_str()).collect())?;
                let decisions_present = count(close.decisions.iter().map(|d| d.decision.as_str()).collect())?;
                out.push(CloseCheck {
                    meeting: id.clone(),
                    close,
                    heads_present,
                    decisions_present,
                    late: late as usize,
                });
            }
        }
        Ok(out)
    }
}

struct Row {
    event: String,
    by: String,
    seq: u64,
    time: String,
}

impl Proceedings {
    /// Adds one applied event. `seqs` keeps the seq of each member's countersignature standing
    /// per decision, so that their newest stands whatever the order by time.
    fn take(&mut self, body: Body, r: Row, seqs: &mut HashMap<(String, String), u64>) {
        match body {
            Body::SignedIn { pledge, .. } if !self.sign_ins.iter().any(|s| s.key == r.by) => {
                self.sign_ins.push(SignIn { key: r.by, time: r.time, event: r.event, pledge });
            }
            Body::Countersigned { decision, stance, .. } => {
                let slot = (decision.clone(), r.by.clone());
                if seqs.get(&slot).is_some_and(|s| *s > r.seq) {
                    return;
                }
                seqs.insert(slot, r.seq);
                let signs = self.countersigns.entry(decision).or_default();
                signs.retain(|s| s.key != r.by);
                signs.push(Countersign { key: r.by, stance, time: r.time, event: r.event });
            }
            Body::DecisionFinalised { decision, missing, .. } => {
                self.finalisations.insert(decision, Finalisation { by: r.by, time: r.time, event: r.event, missing });
            }
            Body::ClarificationAsked { code, question, .. } => self.clarifications.push(Clarification {
                code,
                event: r.event,
                by: r.by,
                time: r.time,
                question,
                answers: Vec::new(),
            }),
            Body::ClarificationAnswered { asks, answer, .. } => {
                if let Some(c) = self.clarifications.iter_mut().find(|c| c.event == asks) {
                    c.answers.push(Answer { event: r.event, time: r.time, text: answer });
                }
            }
            Body::VoteCalled { code, motion, .. } => {
                self.votes.push(Vote { code, event: r.event, by: r.by, time: r.time, motion, ballots: Vec::new() })
            }
            Body::VoteCast { call, choice, reason, .. } => {
                if let Some(v) = self.votes.iter_mut().find(|v| v.event == call) {
                    if v.ballots.iter().any(|b| b.key == r.by && b.seq > r.seq) {
                        return;
                    }
                    v.ballots.retain(|b| b.key != r.by);
                    v.ballots.push(Ballot { key: r.by, choice, reason, time: r.time, event: r.event, seq: r.seq });
                }
            }
            Body::MeetingClosed { heads, decisions, .. } => self.closes.push(CloseRecord {
                event: r.event,
                by: r.by,
                time: r.time,
                heads,
                decisions,
                reopened: None,
            }),
            Body::MeetingReopened { reopens, reason, .. } => {
                if let Some(c) = self.closes.iter_mut().find(|c| c.event == reopens) {
                    c.reopened = Some(Reopen { event: r.event, by: r.by, time: r.time, reason });
                }
            }
            Body::AgendaSet { code, .. } => {
                self.agenda.push(AgendaItem { code, by: r.by, time: r.time, event: r.event });
            }
            _ => {}
        }
    }
}
