//! Queries that return view models. Screens and commands read these, never SQL.

use super::{Result, Store, StoreError};
use crate::domain::text::Text;
use crate::domain::{
    Aggregate, Application, ApplicationKind, Decision, Finding, Money, Outcome, Points, ScoreSheet, Severity,
};
use crate::ledger::event::{MeetingOpened, Role, Seat};
use crate::ledger::{Suite, fingerprint};
use fallible_streaming_iterator::FallibleStreamingIterator;
use rusqlite::{OptionalExtension, params};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

/// A meeting in a list.
#[derive(Clone, Debug, Serialize)]
pub struct MeetingSummary {
    pub id: String,
    pub title: String,
    pub date: String,
    pub profile: String,
    pub secretariat: String,
    pub applications: usize,
    pub decided: usize,
}

/// How the viewer relates to a meeting; it decides what they may see (blind review).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ViewerRole {
    Secretariat,
    Chair,
    Expert,
    Observer,
}

impl ViewerRole {
    pub fn zh(self) -> &'static str {
        match self {
            Self::Secretariat => "秘书处",
            Self::Chair => "组长",
            Self::Expert => "专家",
            Self::Observer => "旁观",
        }
    }

    fn sees_everything(self) -> bool {
        matches!(self, Self::Secretariat | Self::Chair)
    }
}

/// The viewer's own score on an application.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "state")]
pub enum MyScore {
    NotScoring,
    Recused,
    None,
    Draft,
    Submitted {
        total: Points,
    },
    /// Submitted for an earlier version of the application or rubric: kept, not counted until
    /// scored again (须重评).
    Outdated {
        total: Points,
    },
}

/// Where an application stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// 待评分: not every eligible expert has submitted.
    ToScore,
    /// 已评分: every eligible expert has submitted; awaiting the chair.
    Scored,
    /// 已决定
    Decided,
}

impl Status {
    pub fn zh(self) -> &'static str {
        match self {
            Self::ToScore => "待评分",
            Self::Scored => "已评分",
            Self::Decided => "已决定",
        }
    }
}

/// Money in a view's JSON: a decimal string of yuan (`"2199800.00"`), under a key that says so.
fn yuan_opt<S: serde::Serializer>(m: &Option<Money>, s: S) -> std::result::Result<S::Ok, S::Error> {
    match m {
        Some(m) => s.serialize_str(&m.decimal_yuan()),
        None => s.serialize_none(),
    }
}

/// The amounts of an application as a view shows them in JSON: `approved_total` (fen, as
/// signed) becomes `approved_total_yuan` (a decimal string), and so for every amount.
fn application_json<S: serde::Serializer>(a: &Application, s: S) -> std::result::Result<S::Ok, S::Error> {
    let mut v = serde_json::to_value(a).map_err(serde::ser::Error::custom)?;
    if let Some(o) = v.as_object_mut() {
        for key in ["approved_total", "requested_total", "original_total"] {
            if let Some(fen) = o.remove(key) {
                let yuan = fen.as_i64().map(|f| serde_json::Value::String(Money::from_fen(f).decimal_yuan()));
                o.insert(format!("{key}_yuan"), yuan.unwrap_or(serde_json::Value::Null));
            }
        }
    }
    serde::Serialize::serialize(&v, s)
}

/// One line of the project queue (项目队列).
#[derive(Clone, Debug, Serialize)]
pub struct QueueRow {
    pub code: String,
    pub name: String,
    pub unit: String,
    pub kind: ApplicationKind,
    /// 申报总投资, as a decimal string of yuan.
    #[serde(rename = "requested_total_yuan", serialize_with = "yuan_opt")]
    pub requested_total: Option<Money>,
    /// 批复总投资, as a decimal string of yuan.
    #[serde(rename = "approved_total_yuan", serialize_with = "yuan_opt")]
    pub approved_total: Option<Money>,
    pub blocks: usize,
    pub warns: usize,
    pub my_score: MyScore,
    /// Experts who submitted, of those eligible (on the panel and not recused).
    pub scored: usize,
    pub eligible: usize,
    /// Eligible experts whose sheet answers an earlier version, so it is not counted (须重评).
    pub outdated: usize,
    /// Sheets that count now but that the standing decision did not rest on (submitted, or
    /// revised, after the decision, or by an expert counted again since): the chair may decide
    /// again. 0 while there is no standing decision.
    pub after_decision: usize,
    /// Hidden (None) from an expert who has not submitted their own score yet.
    pub aggregate: Option<Aggregate>,
    pub suggested: Option<Outcome>,
    pub blind: bool,
    pub status: Status,
    pub outcome: Option<Outcome>,
    /// The standing decision's event id: what a countersignature or a close names.
    pub decision_event: Option<String>,
}

/// The project queue of one meeting as one viewer sees it.
#[derive(Clone, Debug, Serialize)]
pub struct QueueView {
    pub meeting: MeetingSummary,
    pub viewer: ViewerRole,
    pub rows: Vec<QueueRow>,
    /// The application under discussion (当前议题), if the chair or secretariat set one.
    pub under_discussion: Option<String>,
}

/// One expert's line on an application.
#[derive(Clone, Debug, Serialize)]
pub struct ExpertLine {
    pub name: String,
    pub key: String,
    pub fingerprint: String,
    pub recused: Option<String>,
    /// Hidden from a blind viewer, except their own.
    pub sheet: Option<ScoreSheet>,
    pub total: Option<Points>,
    pub outlier: bool,
    pub event_id: Option<String>,
    pub submitted_at: Option<String>,
    /// The sheet answers an earlier version of the application or rubric and is not counted.
    pub outdated: bool,
    /// A decision stands, and this expert's sheet counts but is not among the sheets it rests on
    /// (its `based_on`): submitted or revised after the decision (结论后提交). The chair may
    /// decide again, and the new decision counts it.
    pub after_decision: bool,
    /// Why review (复核) flags this sheet, if it does; a revision of it needs a reason.
    pub review: Option<Text>,
}

impl ExpertLine {
    /// Whether this expert's sheet counts in the aggregate: submitted, not recused, and given
    /// for the current registration and rubric.
    pub fn counts(&self) -> bool {
        self.event_id.is_some() && self.recused.is_none() && !self.outdated
    }
}

/// A recorded decision.
#[derive(Clone, Debug, Serialize)]
pub struct DecisionView {
    pub decision: Decision,
    pub based_on: Vec<String>,
    pub event_id: String,
    /// The suite the decision is signed in, which says the digest its id is (SHA-256 or SM3).
    pub suite: crate::ledger::Suite,
    pub decided_at: String,
    /// Made on an earlier version of the application or rubric: it no longer stands.
    pub outdated: bool,
}

/// Everything about one application (申报详情).
#[derive(Clone, Debug, Serialize)]
pub struct ApplicationView {
    pub meeting_id: String,
    pub meeting_date: String,
    /// The versions on screen, which a sheet, conflict or decision signed from this view answers.
    pub basis: crate::ledger::Basis,
    pub viewer: ViewerRole,
    /// The registration as signed, but with its amounts as decimal strings of yuan under
    /// `*_yuan` keys (the signed form counts fen).
    #[serde(serialize_with = "application_json")]
    pub application: Application,
    pub findings: Vec<Finding>,
    pub experts: Vec<ExpertLine>,
    pub aggregate: Option<Aggregate>,
    pub suggested: Option<Outcome>,
    pub blind: bool,
    pub decision: Option<DecisionView>,
    pub history: Vec<LogEntry>,
    /// The common rules the meeting's profile does not set for this kind (本文件未规定).
    pub not_set: Vec<crate::domain::profile::RuleKind>,
    /// 复核: criteria on which the counted sheets strongly disagree; empty for a blind viewer.
    pub disagreements: Vec<crate::domain::review::Disagreement>,
    /// Countersignatures, finality, clarifications, votes and the close (会议程序).
    pub proceedings: super::proceedings::ApplicationProceedings,
    /// The viewer's seating as a substitute on this application, which their sheet names.
    pub seat: Option<String>,
    /// The fewest valid sheets a decision may rest on (法定人数), when the profile sets one.
    pub quorum: Option<usize>,
    /// The substitutes seated on this application (增补专家).
    pub substitutes: Vec<super::proceedings::Substitute>,
}

impl ApplicationView {
    /// The outcomes the chair may record on this application, and those the rules forbid with
    /// why ([`crate::domain::lawful`]): what `decide` accepts and the decision panel offers.
    pub fn lawful_outcomes(&self) -> (Vec<crate::domain::Outcome>, Vec<crate::domain::Forbidden>) {
        crate::domain::lawful(
            self.application.kind,
            &self.findings,
            self.aggregate.as_ref().map_or(0, |g| g.veto_count),
        )
    }

    /// The suggested outcome as a reader should take it: the outcome the scores give and, when
    /// a rule from beyond the meeting forbids it (a unit held back, 第二十三条), that it cannot
    /// be chosen and what can.
    pub fn suggestion_words(&self) -> Option<crate::domain::Text> {
        let s = self.suggested?;
        let (lawful, forbidden) = self.lawful_outcomes();
        if !forbidden.iter().any(|f| f.outcome == s) {
            return Some(crate::domain::Text::new(s.zh(), s.en()));
        }
        let zh: Vec<&str> = lawful.iter().map(|o| o.zh()).collect();
        let en: Vec<&str> = lawful.iter().map(|o| o.en()).collect();
        Some(crate::domain::Text::new(
            format!("{}（按评分得出；阻断规则不允许，只能选：{}）", s.zh(), zh.join("、")),
            format!("{} (from the scores; a blocking rule forbids it, choose: {})", s.en(), en.join(", ")),
        ))
    }

    /// Why review flags the sheet of the seat `key` holds, if it does: revising that sheet needs
    /// a reason (复核修改理由).
    pub fn review_flag(&self, key: &str) -> Option<&Text> {
        self.experts.iter().find(|e| e.key == key).and_then(|e| e.review.as_ref())
    }

    /// 复核 lines: each criterion the sheets strongly disagree on, with who gave the lowest and
    /// the highest points, for `show` and the detail screen.
    pub fn disagreement_lines(&self) -> Vec<crate::domain::Text> {
        self.disagreements
            .iter()
            .map(|d| {
                let line = |title: &str, max: &str, colon: &str, and: &str| {
                    let (low, high) = (d.low_by.join(and), d.high_by.join(and));
                    format!("{title}{max}{colon}{low} {} — {high} {}", d.low, d.high)
                };
                crate::domain::Text::new(
                    line(&d.title_zh, &format!("（满分 {}）", d.max), "：", "、"),
                    line(&d.title_en, &format!(" (max {})", d.max), ": ", ", "),
                )
            })
            .collect()
    }

    /// The ids of the score events the aggregate rests on, for a decision's `based_on`.
    pub fn score_event_ids(&self) -> Vec<String> {
        self.experts.iter().filter(|e| e.counts()).filter_map(|e| e.event_id.clone()).collect()
    }

    /// The names of the eligible experts (not recused) whose sheet does not count yet: none
    /// submitted, or one for an earlier version of the application or rubric (须重评). A
    /// decision now would rest on the others' sheets only. In panel order.
    pub fn pending_experts(&self) -> Vec<&str> {
        self.experts.iter().filter(|e| e.recused.is_none() && !e.counts()).map(|e| e.name.as_str()).collect()
    }

    /// The warning to acknowledge before deciding while [`ApplicationView::pending_experts`] is
    /// not empty: the CLI refuses `decide` without `--partial` with it, and the screens show the
    /// same words. None when every eligible expert's sheet counts.
    pub fn missing_sheets(&self) -> Option<crate::domain::MissingSheets> {
        let names = self.pending_experts();
        (!names.is_empty()).then(|| crate::domain::MissingSheets {
            code: self.application.code.clone(),
            names: names.into_iter().map(str::to_string).collect(),
        })
    }
}

/// One event in the history.
#[derive(Clone, Debug, Serialize)]
pub struct LogEntry {
    pub id: String,
    pub author: String,
    pub author_name: String,
    pub fingerprint: String,
    pub seq: u64,
    pub prev: Option<String>,
    pub kind: String,
    pub meeting: Option<String>,
    pub application: Option<String>,
    pub time: String,
    pub status: String,
    pub reason: Option<Text>,
    /// One side of a chain fork.
    pub fork: bool,
}

/// One author's chain: its range, its gaps and its forks.
#[derive(Clone, Debug, Serialize)]
pub struct ChainView {
    pub author: String,
    pub name: String,
    pub fingerprint: String,
    pub events: usize,
    pub first_seq: u64,
    pub last_seq: u64,
    /// Inclusive ranges of missing seqs.
    pub gaps: Vec<(u64, u64)>,
    /// Seqs that hold two or more different events.
    pub forks: Vec<u64>,
}

#[derive(Clone, Debug, Serialize)]
pub struct LogView {
    pub entries: Vec<LogEntry>,
    pub chains: Vec<ChainView>,
}

/// One expert's current score sheet on one application. The sheet itself is read from its
/// event only when one application is asked for; the queue needs only the totals.
struct SheetRow {
    key: String,
    total: Points,
    vetoes: usize,
    event_id: String,
    submitted_at: String,
    sheet: Option<Box<ScoreSheet>>,
    /// Whether it answers the current registration under the current rubric; an outdated sheet
    /// (评分已过期) is shown but not counted.
    current: bool,
}

/// An application as registered now, with what a current sheet must answer.
struct Current {
    application: Application,
    event_id: String,
    rubric_sha256: String,
}

impl Current {
    /// Whether something made on `application_event` under the rubric `rubric_sha256` still counts.
    fn answers(&self, application_event: &str, rubric_sha256: &str) -> bool {
        application_event == self.event_id && rubric_sha256 == self.rubric_sha256
    }
}

/// A decision as stored, marked outdated when made on another version than the current one.
/// Its text (conclusion, conditions, opinion) stays JSON until a page shows it: the queue needs
/// only the outcome, the sheets it rests on and its event.
struct DecisionRow {
    chair_key: String,
    outcome: Outcome,
    based_on: Vec<String>,
    event_id: String,
    suite: Suite,
    decided_at: String,
    outdated: bool,
    decision_json: String,
}

impl DecisionRow {
    fn view(&self) -> Result<DecisionView> {
        Ok(DecisionView {
            decision: serde_json::from_str(&self.decision_json)
                .map_err(|e| StoreError::Corrupt(format!("decision {}: {e}", self.event_id)))?,
            based_on: self.based_on.clone(),
            event_id: self.event_id.clone(),
            suite: self.suite,
            decided_at: self.decided_at.clone(),
            outdated: self.outdated,
        })
    }
}

/// One application's score sheets, conflict declarations and decisions, as stored.
#[derive(Default)]
struct Sheets {
    rows: Vec<SheetRow>,
    conflicts: BTreeMap<String, String>,
    decisions: Vec<DecisionRow>,
}

impl Sheets {
    /// The sheet that counts for a seat held by `keys` (newest first): the newest key's.
    fn for_seat(&self, keys: &[&str]) -> Option<&SheetRow> {
        keys.iter().find_map(|k| self.rows.iter().find(|r| r.key == *k))
    }

    /// A conflict declared from any key of the seat.
    fn recusal(&self, keys: &[&str]) -> Option<String> {
        keys.iter().find_map(|k| self.conflicts.get(*k).cloned())
    }

    /// The decision of the chair's seat (its newest key's).
    fn decision(&self, chair_keys: &[&str]) -> Option<&DecisionRow> {
        chair_keys.iter().find_map(|k| self.decisions.iter().find(|r| r.chair_key == *k))
    }
}

/// A query's rows in code order, read as far as the application being built and no further.
struct Cursor<'s>(rusqlite::Rows<'s>);

impl<'s> Cursor<'s> {
    fn new(mut rows: rusqlite::Rows<'s>) -> Result<Self> {
        rows.advance()?;
        Ok(Self(rows))
    }

    /// Hands `each` the rows of application `code` (column 0), skipping any of an earlier code.
    fn take(&mut self, code: &str, mut each: impl FnMut(&rusqlite::Row<'_>) -> Result<()>) -> Result<()> {
        while let Some(r) = self.0.get() {
            // Compared as bytes, which is SQLite's BINARY order, without checking UTF-8 again.
            match r.get_ref(0)?.as_bytes().map_err(rusqlite::Error::from)?.cmp(code.as_bytes()) {
                std::cmp::Ordering::Greater => break,
                std::cmp::Ordering::Equal => each(r)?,
                std::cmp::Ordering::Less => {}
            }
            self.0.advance()?;
        }
        Ok(())
    }
}

/// Column `i` of `r` as text, borrowed.
fn text<'r>(r: &'r rusqlite::Row<'_>, i: usize) -> rusqlite::Result<&'r str> {
    r.get_ref(i)?
        .as_str()
        .map_err(|e| rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Text, e.into()))
}

/// A `score_sheets` row of [`Store::each_application`]'s query, on the application `now`.
fn sheet_row(r: &rusqlite::Row<'_>, now: &Current) -> Result<SheetRow> {
    let event_id: String = r.get(4)?;
    let sheet = match r.get_ref(6)? {
        rusqlite::types::ValueRef::Blob(bytes) => Some(Box::new(sheet_of(&event_id, bytes)?)),
        _ => None,
    };
    Ok(SheetRow {
        key: r.get(1)?,
        total: Points::from_halves(r.get::<_, i64>(2)? as u32),
        vetoes: r.get::<_, i64>(3)? as usize,
        event_id,
        submitted_at: r.get(5)?,
        sheet,
        current: now.answers(text(r, 7)?, text(r, 8)?),
    })
}

/// A `decisions` row of [`Store::each_application`]'s query, on the application `now`.
fn decision_row(r: &rusqlite::Row<'_>, now: &Current) -> Result<DecisionRow> {
    let corrupt = |e: serde_json::Error| StoreError::Corrupt(e.to_string());
    let outcome = text(r, 9)?;
    Ok(DecisionRow {
        chair_key: r.get(5)?,
        outcome: Outcome::ALL
            .into_iter()
            .find(|o| o.id() == outcome)
            .ok_or_else(|| StoreError::Corrupt(format!("decision outcome {outcome}")))?,
        based_on: serde_json::from_str(text(r, 2)?).map_err(corrupt)?,
        event_id: r.get(3)?,
        suite: Suite::parse(text(r, 8)?).map_err(|e| StoreError::Corrupt(e.to_string()))?,
        decided_at: r.get(4)?,
        outdated: !now.answers(text(r, 6)?, text(r, 7)?),
        decision_json: r.get(1)?,
    })
}

impl Store {
    pub fn meetings(&self) -> Result<Vec<MeetingSummary>> {
        self.meeting_summaries(None)
    }

    /// Every meeting, latest first, or only the one `id` names.
    fn meeting_summaries(&self, id: Option<&str>) -> Result<Vec<MeetingSummary>> {
        let mut st = self.conn.prepare_cached(
            "SELECT m.id, m.title, m.date, m.profile_id, m.secretariat_name, \
               (SELECT count(*) FROM applications a WHERE a.meeting_id = m.id), \
               (SELECT count(*) FROM decisions d WHERE d.meeting_id = m.id) \
             FROM meetings m WHERE ?1 IS NULL OR m.id = ?1 ORDER BY m.date DESC, m.id",
        )?;
        let rows = st
            .query_map([id], |r| {
                Ok(MeetingSummary {
                    id: r.get(0)?,
                    title: r.get(1)?,
                    date: r.get(2)?,
                    profile: r.get(3)?,
                    secretariat: r.get(4)?,
                    applications: r.get::<_, i64>(5)? as usize,
                    decided: r.get::<_, i64>(6)? as usize,
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }

    /// The named meeting, or the latest when none is named.
    pub fn resolve_meeting(&self, id: Option<&str>) -> Result<String> {
        match id {
            Some(id) => {
                let exists = self.conn.prepare_cached("SELECT 1 FROM meetings WHERE id = ?1")?.exists([id])?;
                if exists { Ok(id.to_string()) } else { Err(StoreError::UnknownMeeting(id.into())) }
            }
            // The latest by date, as `meetings` lists them, without counting every meeting's rows.
            None => self
                .conn
                .prepare_cached("SELECT id FROM meetings ORDER BY date DESC, id LIMIT 1")?
                .query_row([], |r| r.get(0))
                .optional()?
                .ok_or(StoreError::NoMeeting),
        }
    }

    /// The meeting as its secretariat opened it (profile, rubrics and panel embedded).
    pub fn meeting(&self, id: &str) -> Result<MeetingOpened> {
        let body: String = self
            .conn
            .query_row("SELECT body_json FROM meetings WHERE id = ?1", [id], |r| r.get(0))
            .optional()?
            .ok_or_else(|| StoreError::UnknownMeeting(id.into()))?;
        serde_json::from_str(&body).map_err(|e| StoreError::Corrupt(format!("meeting {id}: {e}")))
    }

    pub fn viewer_role(meeting: &MeetingOpened, key: &str) -> ViewerRole {
        if meeting.secretariat.key == key {
            return ViewerRole::Secretariat;
        }
        match meeting.panel.iter().find(|p| p.member.key == key).map(|p| p.role) {
            Some(Role::Chair) => ViewerRole::Chair,
            Some(Role::Expert) => ViewerRole::Expert,
            None => ViewerRole::Observer,
        }
    }

    fn summary(&self, id: &str) -> Result<MeetingSummary> {
        self.meeting_summaries(Some(id))?.into_iter().next().ok_or_else(|| StoreError::UnknownMeeting(id.into()))
    }

    /// Each application of the meeting (or the one `code` names) in code order, with its sheets,
    /// conflicts and decisions: one pass over four queries that all walk the tables in code order,
    /// so a meeting of 10,000 applications holds one application's facts at a time.
    fn each_application(
        &self,
        meeting: &MeetingOpened,
        scope: Scope<'_>,
        mut each: impl FnMut(Current, Sheets) -> Result<()>,
    ) -> Result<()> {
        let (code, one) = (scope.bound(), matches!(scope, Scope::One(_)));
        let rubrics: HashMap<ApplicationKind, String> =
            meeting.rubrics.iter().map(|r| (r.kind, super::append::rubric_sha256(r))).collect();
        let id = &meeting.id;
        let mut apps = self.conn.prepare_cached(&scope_sql(
            "SELECT code, data_json, event_id FROM applications WHERE meeting_id = ?1 AND {code} ORDER BY code",
            scope,
        ))?;
        let mut sheets = self.conn.prepare_cached(&scope_sql(
            "SELECT s.code, s.expert_key, s.total_halves, s.veto_count, s.event_id, s.submitted_at, \
                   CASE WHEN ?3 THEN (SELECT bytes FROM events e WHERE e.id = s.event_id) END, \
                   s.application_event, s.rubric_sha256 \
                 FROM score_sheets s WHERE s.meeting_id = ?1 AND {code} ORDER BY s.code",
            scope,
        ))?;
        let mut conflicts = self.conn.prepare_cached(&scope_sql(
            "SELECT code, expert_key, reason FROM conflicts \
                 WHERE meeting_id = ?1 AND {code} AND withdrawn_event IS NULL ORDER BY code",
            scope,
        ))?;
        let mut decisions = self.conn.prepare_cached(&scope_sql(
                "SELECT code, decision_json, based_on_json, event_id, decided_at, chair_key, application_event, rubric_sha256, suite, outcome \
                 FROM decisions WHERE meeting_id = ?1 AND {code} ORDER BY code",
                scope,
            ))?;
        let mut sheets = Cursor::new(sheets.query(params![id, code, one])?)?;
        let mut conflicts = Cursor::new(conflicts.query(params![id, code])?)?;
        let mut decisions = Cursor::new(decisions.query(params![id, code])?)?;
        let mut apps = apps.query(params![id, code])?;
        while let Some(r) = apps.next()? {
            let code = text(r, 0)?;
            let application: Application = serde_json::from_str(text(r, 1)?)
                .map_err(|e| StoreError::Corrupt(format!("application {code}: {e}")))?;
            let rubric_sha256 = rubrics.get(&application.kind).cloned().unwrap_or_default();
            let now = Current { application, event_id: r.get(2)?, rubric_sha256 };
            let code = now.application.code.as_str();
            let mut facts = Sheets::default();
            sheets.take(code, |r| {
                facts.rows.push(sheet_row(r, &now)?);
                Ok(())
            })?;
            conflicts.take(code, |r| {
                facts.conflicts.insert(r.get(1)?, r.get(2)?);
                Ok(())
            })?;
            decisions.take(code, |r| {
                facts.decisions.push(decision_row(r, &now)?);
                Ok(())
            })?;
            each(now, facts)?;
        }
        Ok(())
    }

    /// The project queue of a meeting for the viewer with public key `viewer`. A large meeting
    /// is read in two halves at once, the second on another core.
    pub fn queue(&self, meeting_id: &str, viewer: &str) -> Result<QueueView> {
        let meeting = self.meeting(meeting_id)?;
        let role = Self::viewer_role(&meeting, viewer);
        let drafts = self.drafted_codes(meeting_id, viewer)?;
        let seats = meeting.seats();
        let substitutes = self.substitutes(meeting_id)?;
        let history = self.rectification_history()?;
        let rectification = history.at(&meeting.id, meeting.date);
        let basis = QueueBasis {
            meeting: &meeting,
            role,
            drafts: &drafts,
            seats: &seats,
            chair: &chair_keys(&seats),
            seat: &viewer_seat(&meeting, viewer),
            substitutes: &substitutes,
            rectification: &rectification,
        };
        let halves = match self.middle_code(meeting_id)? {
            Some(middle) => self.on_two_cores(
                Some(meeting_id),
                |helper: &Store| helper.queue_rows(&basis, Scope::From(&middle)),
                |store: &Store| store.queue_rows(&basis, Scope::Before(&middle)),
            )?,
            None => None,
        };
        let rows = match halves {
            Some((theirs, mine)) => {
                let mut rows = mine?;
                rows.extend(theirs?);
                rows
            }
            None => self.queue_rows(&basis, Scope::All)?,
        };
        let under_discussion = self.under_discussion(meeting_id)?;
        Ok(QueueView { meeting: self.summary(meeting_id)?, viewer: role, rows, under_discussion })
    }

    /// The code halfway through a meeting's applications, in code order.
    fn middle_code(&self, meeting_id: &str) -> Result<Option<String>> {
        let mut st = self.conn.prepare_cached(
            "SELECT code FROM applications WHERE meeting_id = ?1 ORDER BY code LIMIT 1 \
             OFFSET (SELECT count(*) / 2 FROM applications WHERE meeting_id = ?1)",
        )?;
        Ok(st.query_row(params![meeting_id], |r| r.get(0)).optional()?)
    }

    /// The queue's rows of the applications in `scope`.
    fn queue_rows(&self, basis: &QueueBasis<'_>, scope: Scope<'_>) -> Result<Vec<QueueRow>> {
        let QueueBasis { meeting, role, drafts, seats, chair, seat, substitutes, rectification } = *basis;
        let mut rows = Vec::new();
        self.each_application(meeting, scope, |current, sheets| {
            let decision = sheets.decision(chair).filter(|d| !d.outdated);
            let based_on = decision.map(|d| &d.based_on[..]);
            // Most applications have no substitute: their seats are the panel's, not copied.
            let code = &current.application.code;
            let seats = match substitutes.iter().any(|s| &s.code == code) {
                true => std::borrow::Cow::Owned(with_substitutes(seats, substitutes, code)),
                false => std::borrow::Cow::Borrowed(seats),
            };
            let a = assess(meeting, &seats, &current, &sheets, based_on, rectification);
            let app = &current.application;
            let mine = sheets.for_seat(seat);
            let recused = sheets.recusal(seat).is_some();
            let my_score = match (role, mine) {
                (ViewerRole::Expert, _) if recused => MyScore::Recused,
                (ViewerRole::Expert, Some(r)) if !r.current => MyScore::Outdated { total: r.total },
                (ViewerRole::Expert, Some(r)) => MyScore::Submitted { total: r.total },
                (ViewerRole::Expert, None) if drafts.contains(&app.code) => MyScore::Draft,
                (ViewerRole::Expert, None) => MyScore::None,
                _ => MyScore::NotScoring,
            };
            let blind = !role.sees_everything() && !matches!(my_score, MyScore::Submitted { .. });
            let status = match decision {
                Some(_) => Status::Decided,
                None if a.scored >= a.eligible && a.eligible > 0 => Status::Scored,
                None => Status::ToScore,
            };
            let Application { code, name, unit, kind, requested_total, approved_total, .. } = current.application;
            rows.push(QueueRow {
                code,
                name,
                unit,
                kind,
                requested_total,
                approved_total,
                blocks: a.findings.iter().filter(|f| f.severity == Severity::Blocks).count(),
                warns: a.findings.iter().filter(|f| f.severity == Severity::Warns).count(),
                my_score,
                scored: a.scored,
                eligible: a.eligible,
                outdated: a.outdated,
                after_decision: a.after_decision,
                aggregate: if blind { None } else { a.aggregate },
                suggested: if blind { None } else { a.suggested },
                blind,
                status,
                outcome: decision.map(|d| d.outcome),
                decision_event: decision.map(|d| d.event_id.clone()),
            });
            Ok(())
        })?;
        Ok(rows)
    }

    /// One application with its findings, scores, decision and history, as `viewer` may see it.
    pub fn application(&self, meeting_id: &str, code: &str, viewer: &str) -> Result<ApplicationView> {
        let meeting = self.meeting(meeting_id)?;
        let meeting_event = self.meeting_event(meeting_id)?;
        let mut found = None;
        self.each_application(&meeting, Scope::One(code), |current, sheets| {
            found = Some((current, sheets));
            Ok(())
        })?;
        let (current, sheets) =
            found.ok_or_else(|| StoreError::UnknownApplication { meeting: meeting_id.into(), code: code.into() })?;
        let substitutes = self.substitutes(meeting_id)?;
        // A substitute (增补专家) is an expert of this application alone.
        let seat =
            substitutes.iter().find(|s| s.code == code && s.member.member.key == viewer).map(|s| s.event.clone());
        let role = match Self::viewer_role(&meeting, viewer) {
            ViewerRole::Observer if seat.is_some() => ViewerRole::Expert,
            role => role,
        };
        let seats = with_substitutes(&meeting.seats(), &substitutes, code);
        let decision = sheets.decision(&chair_keys(&seats)).map(DecisionRow::view).transpose()?;
        let standing = decision.as_ref().filter(|d| !d.outdated);
        let based_on = standing.map(|d| &d.based_on[..]);
        let history = self.rectification_history()?;
        let a = assess(&meeting, &seats, &current, &sheets, based_on, &history.at(&meeting.id, meeting.date));
        let submitted = sheets.for_seat(&viewer_seat(&meeting, viewer)).is_some_and(|r| r.current);
        let blind = !role.sees_everything() && !submitted;
        let outliers = a.aggregate.as_ref().map(|g| g.outliers.clone()).unwrap_or_default();
        let experts: Vec<ExpertLine> = seats
            .iter()
            .filter(|seat| seat.holder.role == Role::Expert)
            .map(|seat| {
                let p = seat.holder;
                let key = &p.member.key;
                let entry = sheets.for_seat(&seat.keys);
                let visible = !blind || seat.holds(viewer);
                let mut line = ExpertLine {
                    name: p.member.name.clone(),
                    key: key.clone(),
                    fingerprint: key_fingerprint(p.member.suite, key),
                    recused: sheets.recusal(&seat.keys),
                    sheet: entry.filter(|_| visible).and_then(|r| r.sheet.as_deref().cloned()),
                    total: entry.filter(|_| visible).map(|r| r.total),
                    outlier: !blind && outliers.contains(key),
                    event_id: entry.map(|r| r.event_id.clone()),
                    submitted_at: entry.map(|r| r.submitted_at.clone()),
                    outdated: entry.is_some_and(|r| !r.current),
                    after_decision: false,
                    review: None,
                };
                line.after_decision = line.counts() && entry.is_some_and(|r| unseen_by(based_on, &r.event_id));
                line
            })
            .collect();
        let mut experts = experts;
        let disagreements = if blind { vec![] } else { disagreements(&meeting, &current.application, &experts) };
        if !blind {
            let divergence = meeting.profile.aggregation.divergence_points;
            for e in experts.iter_mut().filter(|e| e.counts()) {
                e.review = crate::domain::review::flag(&e.name, e.outlier, divergence, &disagreements);
            }
        }
        // Substitutes score; the panel countersigns.
        let signers: Vec<Vec<String>> = seats
            .iter()
            .filter(|s| meeting.panel.iter().any(|p| p.member.key == s.holder.member.key))
            .filter(|s| s.holder.role == Role::Expert && sheets.recusal(&s.keys).is_none())
            .map(|s| s.keys.iter().map(|k| k.to_string()).collect())
            .collect();
        let names: HashMap<String, String> = meeting
            .panel
            .iter()
            .map(|p| (p.member.key.clone(), p.member.name.clone()))
            .chain(std::iter::once((meeting.secretariat.key.clone(), meeting.secretariat.name.clone())))
            .collect();
        let panel: Vec<String> = meeting.panel.iter().map(|p| p.member.key.clone()).collect();
        let proceedings = self.application_proceedings(
            meeting_id,
            code,
            standing.map(|d| d.event_id.as_str()),
            &signers,
            &names,
            &panel,
        )?;
        Ok(ApplicationView {
            proceedings,
            seat,
            quorum: meeting.profile.aggregation.quorum,
            substitutes: substitutes.into_iter().filter(|s| s.code == code).collect(),
            meeting_id: meeting_id.into(),
            meeting_date: meeting.date.to_string(),
            basis: crate::ledger::Basis { meeting_event, application_event: current.event_id.clone() },
            viewer: role,
            findings: a.findings,
            aggregate: if blind { None } else { a.aggregate },
            suggested: if blind { None } else { a.suggested },
            blind,
            decision,
            history: self.log_entries(Some(meeting_id), Some(code))?,
            experts,
            disagreements,
            not_set: meeting.profile.unset_for(current.application.kind),
            application: current.application,
        })
    }

    /// The event id of `key`'s conflict declaration on the application that stands (not
    /// withdrawn), if any: what a withdrawal names.
    pub fn standing_conflict(&self, meeting: &str, code: &str, key: &str) -> Result<Option<String>> {
        Ok(super::append::standing_declaration(&self.conn, meeting, code, key)?)
    }

    /// The withdrawal (撤回回避) of `key`'s conflict declaration on the application, ready to show
    /// and sign: it names the declaration that stands and the versions current here. Refused, with
    /// what to do, when `key` has no declaration standing there, or the chair has decided on the
    /// application as it stands. Signing checks both again.
    pub fn conflict_withdrawal(
        &self,
        meeting: &str,
        code: &str,
        key: &str,
        reason: crate::domain::Reason,
    ) -> Result<crate::ledger::Body> {
        let view = self.application(meeting, code, key)?;
        let Some(withdraws) = self.standing_conflict(meeting, code, key)? else {
            return Err(StoreError::Refused(crate::ledger::authz::nothing_to_withdraw(code)));
        };
        if view.decision.as_ref().is_some_and(|d| !d.outdated) {
            return Err(StoreError::Refused(crate::ledger::authz::decided_no_withdrawal(code)));
        }
        Ok(crate::ledger::Body::ConflictWithdrawn {
            meeting: meeting.into(),
            code: code.into(),
            basis: view.basis,
            withdraws,
            reason: reason.into_string(),
        })
    }

    fn drafted_codes(&self, meeting: &str, key: &str) -> Result<std::collections::HashSet<String>> {
        let mut st = self.conn.prepare_cached("SELECT code FROM drafts WHERE meeting_id = ?1 AND identity_key = ?2")?;
        let codes = st.query_map([meeting, key], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?;
        Ok(codes)
    }

    /// Public key → display name, from every meeting's panel and secretariat and the trust list.
    fn names(&self) -> Result<HashMap<String, String>> {
        let mut names = HashMap::new();
        let mut st = self.conn.prepare("SELECT key, name FROM trust UNION ALL SELECT secretariat_key, secretariat_name FROM meetings UNION ALL SELECT key, name FROM panel")?;
        for row in st.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))? {
            let (k, n) = row?;
            names.insert(k, n);
        }
        // Substitutes (增补专家) are named by the event that seated them.
        let mut st = self.conn.prepare(
            "SELECT DISTINCT meeting_id FROM events WHERE kind = 'substitute_seated' AND status = 'applied'",
        )?;
        let meetings: Vec<String> = st.query_map([], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?;
        for m in meetings {
            for s in self.substitutes(&m)? {
                names.entry(s.member.member.key).or_insert(s.member.member.name);
            }
        }
        Ok(names)
    }

    fn log_entries(&self, meeting: Option<&str>, code: Option<&str>) -> Result<Vec<LogEntry>> {
        let names = self.names()?;
        let sql = "SELECT id, author, seq, prev, kind, meeting_id, app_code, time, status, reason_zh, reason_en, suite, fork FROM events \
             WHERE {meeting} AND {code} ORDER BY time, rowid";
        let sql = sql
            .replace("{meeting}", if meeting.is_some() { "meeting_id = ?1" } else { "?1 IS NULL" })
            .replace("{code}", if code.is_some() { "app_code = ?2" } else { "?2 IS NULL" });
        let mut st = self.conn.prepare_cached(&sql)?;
        let rows = st.query_map(params![meeting, code], |r| {
            let author: String = r.get(1)?;
            let suite: String = r.get(11)?;
            let reason = match (r.get::<_, Option<String>>(9)?, r.get::<_, Option<String>>(10)?) {
                (Some(zh), Some(en)) => Some(Text { zh, en }),
                _ => None,
            };
            Ok(LogEntry {
                id: r.get(0)?,
                author_name: names.get(&author).cloned().unwrap_or_default(),
                fingerprint: Suite::parse(&suite).map(|s| key_fingerprint(s, &author)).unwrap_or_default(),
                author,
                seq: r.get::<_, i64>(2)? as u64,
                prev: r.get(3)?,
                kind: r.get(4)?,
                meeting: r.get(5)?,
                application: r.get(6)?,
                time: r.get(7)?,
                status: r.get(8)?,
                reason,
                fork: r.get(12)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The event history with every author's chain, its gaps and its forks.
    pub fn log(&self, meeting: Option<&str>) -> Result<LogView> {
        let entries = self.log_entries(meeting, None)?;
        let all = if meeting.is_some() { self.log_entries(None, None)? } else { entries.clone() };
        let mut by_author: BTreeMap<&str, Vec<&LogEntry>> = BTreeMap::new();
        for e in &all {
            by_author.entry(&e.author).or_default().push(e);
        }
        let chains = by_author
            .into_iter()
            .map(|(author, events)| {
                let mut seqs: Vec<u64> = events.iter().map(|e| e.seq).collect();
                seqs.sort_unstable();
                // Two events at one seq, or an event whose `prev` disagrees with its neighbour.
                let mut forks: Vec<u64> = seqs.windows(2).filter(|w| w[0] == w[1]).map(|w| w[0]).collect();
                forks.extend(events.iter().filter(|e| e.fork).map(|e| e.seq));
                forks.sort_unstable();
                forks.dedup();
                seqs.dedup();
                let mut gaps = Vec::new();
                let mut expected = 1;
                for s in &seqs {
                    if *s > expected {
                        gaps.push((expected, s - 1));
                    }
                    expected = s + 1;
                }
                ChainView {
                    author: author.to_string(),
                    name: events[0].author_name.clone(),
                    fingerprint: events[0].fingerprint.clone(),
                    events: events.len(),
                    first_seq: seqs.first().copied().unwrap_or(0),
                    last_seq: seqs.last().copied().unwrap_or(0),
                    gaps,
                    forks,
                }
            })
            .collect();
        Ok(LogView { entries, chains })
    }

    /// For each application of `meeting` that has score sheets or a decision: how many sheets,
    /// and whether it is decided. Registering such an application again stops them counting.
    pub fn assessed(&self, meeting: &str) -> Result<BTreeMap<String, (usize, bool)>> {
        let mut st = self.conn.prepare(
            "SELECT code, (SELECT count(*) FROM score_sheets s WHERE s.meeting_id = a.meeting_id AND s.code = a.code), \
               EXISTS (SELECT 1 FROM decisions d WHERE d.meeting_id = a.meeting_id AND d.code = a.code) \
             FROM applications a WHERE a.meeting_id = ?1",
        )?;
        let rows = st.query_map([meeting], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)? as usize, r.get::<_, bool>(2)?))
        })?;
        let mut out = BTreeMap::new();
        for row in rows {
            let (code, sheets, decided) = row?;
            if sheets > 0 || decided {
                out.insert(code, (sheets, decided));
            }
        }
        Ok(out)
    }

    /// The latest event of `author`: (seq, id).
    pub fn head(&self, author: &str) -> Result<Option<(u64, String)>> {
        Ok(self
            .conn
            .query_row("SELECT seq, id FROM events WHERE author = ?1 ORDER BY seq DESC LIMIT 1", [author], |r| {
                Ok((r.get::<_, i64>(0)? as u64, r.get(1)?))
            })
            .optional()?)
    }

    /// Revoked keys and their cut-offs.
    pub fn revocations(&self) -> Result<BTreeMap<String, u64>> {
        let mut st = self.conn.prepare("SELECT key, cutoff_seq FROM revocations")?;
        let rows = st.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)? as u64)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// How many events the log holds in each status.
    pub fn event_counts(&self) -> Result<BTreeMap<String, usize>> {
        let mut st = self.conn.prepare("SELECT status, count(*) FROM events GROUP BY status")?;
        let rows = st.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)? as usize)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}

/// Fills `{code}` so that SQLite can use the primary key when one application is asked for
/// (`?2 IS NULL OR code = ?2` would make it scan the whole meeting).
/// What every row of a queue is judged against, read once and shared by both halves.
#[derive(Clone, Copy)]
struct QueueBasis<'a> {
    meeting: &'a MeetingOpened,
    role: ViewerRole,
    drafts: &'a std::collections::HashSet<String>,
    seats: &'a [Seat<'a>],
    chair: &'a [&'a str],
    seat: &'a [&'a str],
    substitutes: &'a [super::proceedings::Substitute],
    rectification: &'a crate::domain::rectification::AtMeeting<'a>,
}

/// Which applications a walk of [`Store::each_application`] covers: all, one, or those whose
/// codes come before or from a code (the two halves of a queue read on two cores).
#[derive(Clone, Copy)]
enum Scope<'a> {
    All,
    One(&'a str),
    Before(&'a str),
    From(&'a str),
}

impl<'a> Scope<'a> {
    fn bound(self) -> Option<&'a str> {
        match self {
            Scope::All => None,
            Scope::One(c) | Scope::Before(c) | Scope::From(c) => Some(c),
        }
    }
}

/// `sql` with `{code}` narrowed to `scope`, bound as `?2`, so SQLite walks only that range of
/// its key.
fn scope_sql(sql: &str, scope: Scope<'_>) -> String {
    sql.replace(
        "{code}",
        match scope {
            Scope::All => "?2 IS NULL",
            Scope::One(_) => "code = ?2",
            Scope::Before(_) => "code < ?2",
            Scope::From(_) => "code >= ?2",
        },
    )
}

/// The score sheet inside a stored score event.
fn sheet_of(event_id: &str, bytes: &[u8]) -> Result<ScoreSheet> {
    let env: crate::ledger::Envelope =
        serde_json::from_slice(bytes).map_err(|e| StoreError::Corrupt(format!("event {event_id}: {e}")))?;
    match env.body {
        crate::ledger::Body::ScoreSubmitted { sheet, .. } => Ok(sheet),
        _ => Err(StoreError::Corrupt(format!("event {event_id} is not a score sheet"))),
    }
}

fn key_fingerprint(suite: Suite, key: &str) -> String {
    hex::decode(key).map(|k| fingerprint(suite, &k)).unwrap_or_default()
}

/// The keys of the seat `viewer` holds or held, or their key alone (an observer).
fn viewer_seat<'a>(meeting: &'a MeetingOpened, viewer: &'a str) -> Vec<&'a str> {
    meeting.seat_of(viewer).map(|s| s.keys).unwrap_or_else(|| vec![viewer])
}

/// The panel's seats, and the substitutes seated on application `code` as seats of their own.
fn with_substitutes<'a>(
    seats: &[Seat<'a>],
    substitutes: &'a [super::proceedings::Substitute],
    code: &str,
) -> Vec<Seat<'a>> {
    let mut out = seats.to_vec();
    out.extend(
        substitutes
            .iter()
            .filter(|s| s.code == code)
            .map(|s| Seat { holder: &s.member, keys: vec![s.member.member.key.as_str()] }),
    );
    out
}

/// The keys the chair's seat has been held by, newest first.
pub(super) fn chair_keys<'a>(seats: &[Seat<'a>]) -> Vec<&'a str> {
    seats.iter().find(|s| s.holder.role == Role::Chair).map(|s| s.keys.clone()).unwrap_or_default()
}

/// Findings, aggregate and suggestion of one application from its eligible experts' sheets.
struct Assessment {
    findings: Vec<Finding>,
    aggregate: Option<Aggregate>,
    suggested: Option<Outcome>,
    scored: usize,
    eligible: usize,
    outdated: usize,
    /// Counted sheets the standing decision does not rest on.
    after_decision: usize,
}

/// Whether a sheet that counts was left out of the sheets `standing`, the standing decision
/// rests on (None: no decision stands, so nothing is "after" it).
fn unseen_by(standing: Option<&[String]>, event_id: &str) -> bool {
    standing.is_some_and(|based_on| !based_on.iter().any(|b| b == event_id))
}

/// The criteria on which the sheets that count disagree (复核), by expert name.
fn disagreements(
    meeting: &MeetingOpened,
    app: &Application,
    experts: &[ExpertLine],
) -> Vec<crate::domain::review::Disagreement> {
    let Some(rubric) = meeting.rubrics.iter().find(|r| r.kind == app.kind) else { return vec![] };
    let sheets: Vec<(String, &ScoreSheet)> =
        experts.iter().filter(|e| e.counts()).filter_map(|e| Some((e.name.clone(), e.sheet.as_ref()?))).collect();
    crate::domain::review::disagreements(rubric, &sheets)
}

/// `seats` is `meeting.seats()`, worked out once by the caller rather than once per application.
/// Only sheets that answer the current registration and rubric count. `standing` is what the
/// decision that stands on the application rests on, if one does.
fn assess(
    meeting: &MeetingOpened,
    seats: &[Seat],
    current: &Current,
    sheets: &Sheets,
    standing: Option<&[String]>,
    rectification: &crate::domain::rectification::AtMeeting<'_>,
) -> Assessment {
    let app = &current.application;
    // One voice per seat: an expert who changed keys is still one expert.
    let seats: Vec<&Seat> =
        seats.iter().filter(|seat| seat.holder.role == Role::Expert && sheets.recusal(&seat.keys).is_none()).collect();
    let eligible = seats.len();
    let mut outdated = 0;
    let mut after_decision = 0;
    let entries: Vec<(&str, Points, usize)> = seats
        .iter()
        .filter_map(|seat| {
            let r = sheets.for_seat(&seat.keys)?;
            if !r.current {
                outdated += 1;
                return None;
            }
            if unseen_by(standing, &r.event_id) {
                after_decision += 1;
            }
            Some((seat.holder.member.key.as_str(), r.total, r.vetoes))
        })
        .collect();
    let judged = crate::domain::assess(&meeting.profile, app, Some(meeting.date), &entries);
    // The loop across meetings adds findings (and lawful outcomes follow them), but never the
    // suggestion: every machine works that out from the meeting's own events alone.
    let mut findings = judged.findings;
    rectification.judge(&meeting.profile, app, &mut findings);
    Assessment {
        findings,
        scored: entries.len(),
        eligible,
        outdated,
        after_decision,
        aggregate: judged.aggregate,
        suggested: judged.suggested,
    }
}
