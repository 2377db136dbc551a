//! The append path: verify, authorize, insert and project, inside one IMMEDIATE transaction.
//!
//! The state of a store is defined as a canonical replay of its log ([`Applier::reevaluate`]):
//! every event, parents' kinds first, each judged against what came before it in that order.
//! Most arrivals only add to the state, and for those applying them one by one gives the same
//! result as the replay. The few that can change verdicts already given (a revocation, a chain
//! fork, a second secretariat opening the same meeting) make the transaction end with the
//! replay itself, so the result is a function of the set of events, whatever their order.

use super::{Result, Store, StoreError};
use crate::domain::text::Text;
use crate::ledger::event::{Body, EVENT_VERSION, Envelope};
use crate::ledger::{
    ApplicationVersion, Authority, Basis, DeclarationVersion, Disposition, Identity, MeetingVersion, Named, Refusal,
    SheetVersion, Signed, SignedEvent, authorize, local_guard,
};
use chrono::{DateTime, SecondsFormat, Utc};
use rusqlite::{OptionalExtension, Transaction, params};
use sha2::{Digest, Sha256};
use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::rc::Rc;

/// What happened to one event offered to the store.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AppendOutcome {
    New,
    Duplicate,
    Quarantined(Refusal),
    /// Void (signed after its author's revocation cut-off): kept in the log, never applied.
    Void(Refusal),
    Rejected(Refusal),
}

/// Counts of one import, with the reason for every event not applied.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct ImportReport {
    pub new: usize,
    pub duplicate: usize,
    pub quarantined: usize,
    /// Refused for good, or void under a revocation.
    pub rejected: usize,
    /// (event id, reason) for the first [`LISTED_REFUSALS`] quarantined or rejected events.
    pub refusals: Vec<(String, Text)>,
    /// Refusals past the first [`LISTED_REFUSALS`]: counted, not listed (`log` has each), so
    /// that a bundle of half a million held events cannot fill memory with reasons.
    pub unlisted: usize,
    /// Held events this import made applicable (their meeting or application arrived).
    pub released: usize,
    /// Events applied before this import that it made void (a revocation) or held (a fork).
    pub withdrawn: usize,
    /// Events still held in quarantine after this import, in the whole store.
    pub still_held: usize,
    /// Keys with two different events at one seq.
    pub forked_keys: Vec<String>,
    pub blobs_stored: usize,
    /// New events dated more than a day after this machine's clock: the signer's clock (or
    /// this one) is wrong. They are taken as they are; the count is a warning.
    pub future_dated: usize,
}

/// How many refusals an import report lists by event.
pub const LISTED_REFUSALS: usize = 1000;

impl ImportReport {
    /// Notes why `id` was not applied: listed while there is room, counted after.
    pub(super) fn refuse(&mut self, id: &str, reason: Text) {
        if self.refusals.len() < LISTED_REFUSALS {
            self.refusals.push((id.to_string(), reason));
        } else {
            self.unlisted += 1;
        }
    }
}

/// The order a replay takes kinds in, so that what an event names is judged before it.
/// A withdrawal (`conflict_withdrawn`) comes after every declaration it may name.
/// A close and its re-opens come before everything they can hold as late; what names a decision,
/// a question or a vote call comes after it.
pub(super) const KIND_ORDER: &str = "CASE kind WHEN 'meeting_opened' THEN 0 WHEN 'key_revoked' THEN 1 \
     WHEN 'meeting_closed' THEN 2 WHEN 'meeting_reopened' THEN 3 WHEN 'application_registered' THEN 4 \
     WHEN 'substitute_seated' THEN 4 \
     WHEN 'conflict_declared' THEN 5 WHEN 'conflict_withdrawn' THEN 6 WHEN 'score_submitted' THEN 7 \
     WHEN 'decision_recorded' THEN 8 WHEN 'clarification_asked' THEN 8 WHEN 'vote_called' THEN 8 ELSE 9 END";

/// An event of the same author near a new one: (id, seq, prev, status).
type Neighbour = (String, i64, Option<String>, String);

/// A stored event as replayed: (id, bytes, signature, status).
type StoredRow = (String, Vec<u8>, Vec<u8>, String);

/// Applies events within one transaction, remembering what authorization has looked up.
pub(super) struct Applier<'t> {
    tx: &'t Transaction<'t>,
    memo: RefCell<Memo>,
    damage: RefCell<Option<String>>,
    now: String,
    /// Set by an arrival that can change verdicts already given: the transaction must end with
    /// a full replay.
    pub(super) replay_needed: bool,
}

/// Named events a memo map remembers at most (a few MB of registrations).
const MEMO_LIMIT: usize = 4096;

/// What authorization asked, and the answers, kept in step with the log as events apply.
#[derive(Default)]
struct Memo {
    trusted: HashMap<String, bool>,
    cutoffs: HashMap<String, Option<u64>>,
    meetings: HashMap<String, Named<Rc<MeetingVersion>>>,
    applications: HashMap<String, Named<Rc<ApplicationVersion>>>,
    /// SHA-256 of the rubric of a meeting version for a kind: (meeting event, kind) → hash.
    rubric_hashes: HashMap<(String, crate::domain::ApplicationKind), String>,
    /// The standing closes of a meeting: (close id, the seq it pinned for each key). Forgotten
    /// when a close or re-open applies; a replay starts from nothing.
    closes: HashMap<String, Rc<Vec<Close>>>,
}

/// A standing close as the late check reads it.
struct Close {
    id: String,
    heads: HashMap<String, u64>,
}

impl Memo {
    /// Forgets what is known about the event `id`, whose state just changed.
    fn forget(&mut self, id: &str) {
        self.meetings.remove(id);
        self.applications.remove(id);
    }
}

impl<'t> Applier<'t> {
    pub(super) fn new(tx: &'t Transaction<'t>, now: &str) -> Self {
        Applier {
            tx,
            memo: RefCell::new(Memo::default()),
            damage: RefCell::new(None),
            now: now.to_string(),
            replay_needed: false,
        }
    }

    pub(super) fn append(&mut self, ev: &SignedEvent) -> Result<AppendOutcome> {
        let near = self.neighbours(ev)?;
        if near.iter().any(|(id, ..)| *id == ev.id) {
            return Ok(AppendOutcome::Duplicate);
        }
        if let Some(fork) = self.fork_with(ev, &near)? {
            self.insert(ev, "quarantined", Some(&fork), true)?;
            return Ok(AppendOutcome::Quarantined(Refusal { disposition: Disposition::Quarantine, reason: fork }));
        }
        if changes_earlier_verdicts(ev, self) {
            self.replay_needed = true;
        }
        let verdict = authorize(ev, self);
        if let Some(damage) = self.damage.borrow_mut().take() {
            return Err(StoreError::Corrupt(damage));
        }
        match verdict {
            Ok(()) => {
                self.insert(ev, "applied", None, false)?;
                self.project(&ev.envelope, &ev.id)?;
                Ok(AppendOutcome::New)
            }
            Err(r) => match r.disposition {
                Disposition::Quarantine => {
                    self.insert(ev, "quarantined", Some(&r.reason), false)?;
                    Ok(AppendOutcome::Quarantined(r))
                }
                // Kept, since the revocation that voids it may itself be voided later.
                Disposition::Void => {
                    self.insert(ev, "void", Some(&r.reason), false)?;
                    Ok(AppendOutcome::Void(r))
                }
                // A well-signed event its author may never make is reported, not kept.
                Disposition::Reject => Ok(AppendOutcome::Rejected(r)),
            },
        }
    }

    /// The author's events at this seq and either side of it: (id, seq, prev, status).
    fn neighbours(&self, ev: &SignedEvent) -> Result<Vec<Neighbour>> {
        let env = &ev.envelope;
        let mut st = self.tx.prepare_cached(
            "SELECT id, seq, prev, status FROM events WHERE author = ?1 AND seq BETWEEN ?2 - 1 AND ?2 + 1",
        )?;
        let near = st
            .query_map(params![env.author, env.seq as i64], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
            .collect::<rusqlite::Result<_>>()?;
        Ok(near)
    }

    /// A second event at an author's seq, or one whose `prev` disagrees with its neighbours, is a
    /// fork: both sides are quarantined and the key is flagged, never silently resolved.
    fn fork_with(&mut self, ev: &SignedEvent, near: &[Neighbour]) -> Result<Option<Text>> {
        let env = &ev.envelope;
        let seq = env.seq as i64;
        let conflicting: Vec<&Neighbour> = near
            .iter()
            .filter(|(id, s, prev, _)| {
                (*s == seq)
                    || (*s == seq - 1 && env.prev.as_deref() != Some(id.as_str()))
                    || (*s == seq + 1 && prev.as_deref() != Some(ev.id.as_str()))
            })
            .collect();
        if conflicting.is_empty() {
            return Ok(None);
        }
        let reason = Text::new(
            format!("签名链分叉：同一作者在序号 {} 附近有两个不同的事件，双方均已隔离，须人工核查该密钥", env.seq),
            format!(
                "chain fork: the author has two different events around seq {}; both are quarantined and the key needs a check",
                env.seq
            ),
        );
        for (id, _, _, _) in conflicting {
            self.tx.execute(
                "UPDATE events SET status = 'quarantined', fork = 1, reason_zh = ?2, reason_en = ?3 WHERE id = ?1",
                params![id, reason.zh, reason.en],
            )?;
        }
        // Whatever rested on the other side must be judged again.
        self.replay_needed = true;
        Ok(Some(reason))
    }

    /// Tries every held (non-fork) event again, parents first, until nothing more can be applied.
    /// Returns how many were applied, and how many can never be with the first reasons.
    pub(super) fn reexamine(&mut self) -> Result<Settled> {
        let mut settled = Settled::default();
        loop {
            let held = self.rowids_where("status = 'quarantined' AND fork = 0")?;
            let mut progress = false;
            for rowid in held {
                let Some((id, bytes, sig, _)) = self.stored(rowid)? else { continue };
                let ev = SignedEvent::parse_unverified(bytes, sig)
                    .map_err(|e| StoreError::Corrupt(format!("event {id}: {e}")))?;
                let verdict = authorize(&ev, self);
                if let Some(damage) = self.damage.borrow_mut().take() {
                    return Err(StoreError::Corrupt(damage));
                }
                match verdict {
                    Ok(()) => {
                        self.set_status(&id, "applied", None)?;
                        self.project(&ev.envelope, &id)?;
                        settled.released += 1;
                        progress = true;
                        // A close released here holds what is already applied after its pins (a
                        // re-open, what it held): only a replay judges those again.
                        if matches!(ev.envelope.body, Body::MeetingClosed { .. } | Body::MeetingReopened { .. }) {
                            self.replay_needed = true;
                        }
                    }
                    Err(r) if r.disposition == Disposition::Reject => {
                        self.tx.execute("DELETE FROM events WHERE id = ?1", [&id])?;
                        settled.refuse(id, r.reason);
                        progress = true;
                    }
                    Err(r) if r.disposition == Disposition::Void => {
                        self.set_status(&id, "void", Some(&r.reason))?;
                        settled.refuse(id, r.reason);
                        progress = true;
                    }
                    Err(_) => {}
                }
            }
            if !progress {
                return Ok(settled);
            }
        }
    }

    /// The rowids of the events matching `condition`, in replay order. Only the ids are held:
    /// each event is read when its turn comes, so a log of large events never sits in memory.
    fn rowids_where(&self, condition: &str) -> Result<Vec<i64>> {
        let rows = self
            .tx
            .prepare(&format!("SELECT rowid FROM events WHERE {condition} ORDER BY {KIND_ORDER}, author, seq"))?
            .query_map([], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        Ok(rows)
    }

    /// (id, bytes, signature, status) of one stored event.
    fn stored(&self, rowid: i64) -> Result<Option<StoredRow>> {
        Ok(self
            .tx
            .prepare_cached("SELECT id, bytes, signature, status FROM events WHERE rowid = ?1")?
            .query_row([rowid], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
            .optional()?)
    }

    fn set_status(&self, id: &str, status: &str, reason: Option<&Text>) -> Result<()> {
        self.tx
            .prepare_cached("UPDATE events SET status = ?2, reason_zh = ?3, reason_en = ?4 WHERE id = ?1")?
            .execute(params![id, status, reason.map(|r| r.zh.as_str()), reason.map(|r| r.en.as_str())])?;
        self.memo.borrow_mut().forget(id);
        Ok(())
    }

    fn insert(&self, ev: &SignedEvent, status: &str, reason: Option<&Text>, fork: bool) -> Result<()> {
        let env = &ev.envelope;
        self.tx
            .prepare_cached(
                "INSERT INTO events (id, author, seq, prev, suite, kind, meeting_id, app_code, time, bytes, signature, status, reason_zh, reason_en, received_at, fork) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)",
            )?
            .execute(params![
                ev.id,
                env.author,
                env.seq as i64,
                env.prev,
                env.suite.id(),
                env.body.kind(),
                env.body.meeting(),
                env.body.application(),
                rfc3339(env.time),
                ev.bytes,
                ev.signature,
                status,
                reason.map(|r| r.zh.as_str()),
                reason.map(|r| r.en.as_str()),
                self.now,
                fork,
            ])?;
        self.memo.borrow_mut().forget(&ev.id);
        Ok(())
    }

    /// Updates the projection tables for one applied event. Within one owner, a higher `seq`
    /// supersedes, so the result does not depend on the order events arrive in.
    pub(super) fn project(&mut self, env: &Envelope, event_id: &str) -> Result<()> {
        let seq = env.seq as i64;
        let time = rfc3339(env.time);
        let tx = self.tx;
        match &env.body {
            Body::MeetingOpened(m) => {
                let changed = tx.prepare_cached(
                    "INSERT INTO meetings (id, title, date, profile_id, body_json, secretariat_key, secretariat_name, event_id, seq) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) \
                     ON CONFLICT (id) DO UPDATE SET title = excluded.title, date = excluded.date, profile_id = excluded.profile_id, \
                       body_json = excluded.body_json, secretariat_name = excluded.secretariat_name, event_id = excluded.event_id, seq = excluded.seq \
                     WHERE excluded.seq > meetings.seq",
                )?
                .execute(params![m.id, m.title, m.date.to_string(), m.profile.id, json(m), m.secretariat.key, m.secretariat.name, event_id, seq])?;
                if changed > 0 {
                    tx.execute("DELETE FROM panel WHERE meeting_id = ?1", [&m.id])?;
                    let mut ins = tx.prepare_cached(
                        "INSERT INTO panel (meeting_id, key, suite, name, role, category, unit) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                    )?;
                    for p in &m.panel {
                        let role = serde_json::to_value(p.role)
                            .ok()
                            .and_then(|v| v.as_str().map(str::to_string))
                            .unwrap_or_default();
                        ins.execute(params![
                            m.id,
                            p.member.key,
                            p.member.suite.id(),
                            p.member.name,
                            role,
                            p.category,
                            p.unit
                        ])?;
                    }
                }
            }
            Body::ApplicationRegistered { meeting, application: a, .. } => {
                tx.prepare_cached(
                    "INSERT INTO applications (meeting_id, code, kind, name, unit, requested_fen, approved_fen, data_json, event_id, seq) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) \
                     ON CONFLICT (meeting_id, code) DO UPDATE SET kind = excluded.kind, name = excluded.name, unit = excluded.unit, \
                       requested_fen = excluded.requested_fen, approved_fen = excluded.approved_fen, data_json = excluded.data_json, \
                       event_id = excluded.event_id, seq = excluded.seq \
                     WHERE excluded.seq > applications.seq",
                )?
                .execute(params![
                    meeting,
                    a.code,
                    a.kind.id(),
                    a.name,
                    a.unit,
                    a.requested_total.map(|m| m.fen()),
                    a.approved_total.map(|m| m.fen()),
                    json(a),
                    event_id,
                    seq
                ])?;
            }
            // Per expert and application, the newest statement (by seq) stands: a declaration newer
            // than the row's replaces it and clears an older withdrawal; a withdrawal newer than
            // the row's declaration (and any withdrawal recorded) marks it withdrawn. Whatever
            // the order they arrive in, the row ends the same.
            Body::ConflictDeclared { meeting, code, reason, .. } => {
                tx.prepare_cached(
                    "INSERT INTO conflicts (meeting_id, code, expert_key, reason, event_id, seq, declared_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) \
                     ON CONFLICT DO UPDATE SET reason = excluded.reason, event_id = excluded.event_id, seq = excluded.seq, declared_at = excluded.declared_at, \
                       withdrawn_event = CASE WHEN conflicts.withdrawn_seq > excluded.seq THEN conflicts.withdrawn_event END, \
                       withdrawn_reason = CASE WHEN conflicts.withdrawn_seq > excluded.seq THEN conflicts.withdrawn_reason END, \
                       withdrawn_at = CASE WHEN conflicts.withdrawn_seq > excluded.seq THEN conflicts.withdrawn_at END, \
                       withdrawn_seq = CASE WHEN conflicts.withdrawn_seq > excluded.seq THEN conflicts.withdrawn_seq END \
                     WHERE excluded.seq > conflicts.seq",
                )?
                .execute(params![meeting, code, env.author, reason, event_id, seq, time])?;
            }
            // The declaration it names is applied, so the row exists.
            Body::ConflictWithdrawn { meeting, code, reason, .. } => {
                tx.prepare_cached(
                    "UPDATE conflicts SET withdrawn_event = ?4, withdrawn_seq = ?5, withdrawn_reason = ?6, withdrawn_at = ?7 \
                     WHERE meeting_id = ?1 AND code = ?2 AND expert_key = ?3 AND seq < ?5 \
                       AND (withdrawn_seq IS NULL OR withdrawn_seq < ?5)",
                )?
                .execute(params![meeting, code, env.author, event_id, seq, reason, time])?;
            }
            Body::ScoreSubmitted { meeting, code, basis, sheet, .. } => {
                let rubric = self.rubric_sha256(basis)?;
                tx.prepare_cached(
                    "INSERT INTO score_sheets (meeting_id, code, expert_key, total_halves, veto_count, event_id, seq, submitted_at, application_event, rubric_sha256) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) \
                     ON CONFLICT DO UPDATE SET total_halves = excluded.total_halves, veto_count = excluded.veto_count, \
                       event_id = excluded.event_id, seq = excluded.seq, submitted_at = excluded.submitted_at, \
                       application_event = excluded.application_event, rubric_sha256 = excluded.rubric_sha256 \
                     WHERE excluded.seq > score_sheets.seq",
                )?
                .execute(params![
                    meeting,
                    code,
                    env.author,
                    sheet.total().halves(),
                    sheet.vetoes.len() as i64,
                    event_id,
                    seq,
                    time,
                    basis.application_event,
                    rubric
                ])?;
            }
            Body::DecisionRecorded { meeting, code, basis, decision, based_on } => {
                let rubric = self.rubric_sha256(basis)?;
                tx.prepare_cached(
                    "INSERT INTO decisions (meeting_id, code, chair_key, outcome, decision_json, based_on_json, application_event, rubric_sha256, event_id, seq, decided_at, suite) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12) \
                     ON CONFLICT DO UPDATE SET outcome = excluded.outcome, decision_json = excluded.decision_json, based_on_json = excluded.based_on_json, \
                       application_event = excluded.application_event, rubric_sha256 = excluded.rubric_sha256, \
                       event_id = excluded.event_id, seq = excluded.seq, decided_at = excluded.decided_at, suite = excluded.suite \
                     WHERE excluded.seq > decisions.seq",
                )?
                .execute(params![
                    meeting,
                    code,
                    env.author,
                    decision.outcome.id(),
                    json(decision),
                    json(based_on),
                    basis.application_event,
                    rubric,
                    event_id,
                    seq,
                    time,
                    env.suite.id()
                ])?;
            }
            Body::KeyRevoked { key, cutoff_seq, reason } => {
                record_revocation(tx, key, *cutoff_seq, reason, event_id)?;
                self.memo.borrow_mut().cutoffs.remove(key);
            }
            Body::MeetingClosed { meeting, .. } | Body::MeetingReopened { meeting, .. } => {
                self.memo.borrow_mut().closes.remove(meeting);
            }
            // Read from the log where they are needed (`Store::rectification_history`,
            // `Store::proceedings`).
            Body::UnitCleared { .. }
            | Body::SignedIn { .. }
            | Body::Countersigned { .. }
            | Body::DecisionFinalised { .. }
            | Body::ClarificationAsked { .. }
            | Body::ClarificationAnswered { .. }
            | Body::VoteCalled { .. }
            | Body::VoteCast { .. }
            | Body::AgendaSet { .. }
            | Body::SubstituteSeated { .. } => {}
        }
        Ok(())
    }

    /// The SHA-256 of the rubric an event about an application answers: that of its meeting
    /// version for the kind of its registration. A sheet counts only while it equals the
    /// current rubric's.
    fn rubric_sha256(&self, basis: &Basis) -> Result<String> {
        let (Named::Here(m), Named::Here(a)) =
            (self.meeting_version(&basis.meeting_event), self.application_version(&basis.application_event))
        else {
            return Err(StoreError::Corrupt(format!("event answers versions that are not here: {basis:?}")));
        };
        let key = (basis.meeting_event.clone(), a.application.kind);
        if let Some(hash) = self.memo.borrow().rubric_hashes.get(&key) {
            return Ok(hash.clone());
        }
        let hash =
            m.meeting.rubrics.iter().find(|r| r.kind == a.application.kind).map(rubric_sha256).unwrap_or_default();
        self.memo.borrow_mut().rubric_hashes.insert(key, hash.clone());
        Ok(hash)
    }

    /// Replays the whole log in canonical order and sets every event's state, the revocations
    /// and the projections from it: the definition of what a store holds. Returns the ids of
    /// events that were applied before and are not now, and of those applied now that were not.
    pub(super) fn reevaluate(&mut self) -> Result<Changes> {
        let before: HashSet<i64> = self.rowids_where("status = 'applied'")?.into_iter().collect();
        let held_before: HashSet<i64> = self.rowids_where("status = 'quarantined'")?.into_iter().collect();
        for t in super::schema::PROJECTIONS {
            self.tx.execute(&format!("DELETE FROM {t}"), [])?;
        }
        *self.memo.borrow_mut() = Memo::default();
        let revocations = self.settle_revocations()?;
        // Everything is pending until the replay reaches it, so that no verdict leans on the
        // state an event had before.
        self.tx.execute("UPDATE events SET status = 'quarantined' WHERE fork = 0 AND status <> 'quarantined'", [])?;
        for rowid in self.rowids_where("fork = 0")? {
            let Some((id, bytes, sig, _)) = self.stored(rowid)? else { continue };
            let ev = SignedEvent::parse_unverified(bytes, sig)
                .map_err(|e| StoreError::Corrupt(format!("event {id}: {e}")))?;
            let verdict = match (&ev.envelope.body, revocations.get(&id)) {
                (Body::KeyRevoked { .. }, Some(verdict)) => verdict.clone(),
                _ => authorize(&ev, self),
            };
            if let Some(damage) = self.damage.borrow_mut().take() {
                return Err(StoreError::Corrupt(damage));
            }
            match verdict {
                Ok(()) => {
                    self.set_status(&id, "applied", None)?;
                    self.project(&ev.envelope, &id)?;
                }
                Err(r) => match r.disposition {
                    Disposition::Quarantine => self.set_status(&id, "quarantined", Some(&r.reason))?,
                    Disposition::Void => self.set_status(&id, "void", Some(&r.reason))?,
                    Disposition::Reject => {
                        self.tx.execute("DELETE FROM events WHERE id = ?1", [&id])?;
                        self.memo.borrow_mut().forget(&id);
                    }
                },
            }
        }
        self.replay_needed = false;
        let after: HashSet<i64> = self.rowids_where("status = 'applied'")?.into_iter().collect();
        Ok(Changes { withdrawn: before.difference(&after).count(), released: held_before.intersection(&after).count() })
    }

    /// Decides which revocations stand, before anything else is replayed (a cut-off voids events
    /// of every kind). They are taken in a fixed order (author, then seq), each standing if its
    /// author is trusted and not cut off by one already standing; the earliest cut-off of a key
    /// holds. Two secretariats revoking each other thus end the same way on every machine.
    /// Returns each revocation's verdict, which the replay then uses as it is.
    fn settle_revocations(&mut self) -> Result<HashMap<String, std::result::Result<(), Refusal>>> {
        let mut verdicts = HashMap::new();
        let rows = self
            .tx
            .prepare(
                "SELECT id, bytes, signature FROM events WHERE kind = 'key_revoked' AND fork = 0 ORDER BY author, seq",
            )?
            .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, Vec<u8>>(1)?, r.get::<_, Vec<u8>>(2)?)))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        for (id, bytes, sig) in rows {
            let ev = SignedEvent::parse_unverified(bytes, sig)
                .map_err(|e| StoreError::Corrupt(format!("event {id}: {e}")))?;
            let verdict = authorize(&ev, self);
            if verdict.is_ok()
                && let Body::KeyRevoked { key, cutoff_seq, reason } = &ev.envelope.body
            {
                record_revocation(self.tx, key, *cutoff_seq, reason, &id)?;
                self.memo.borrow_mut().cutoffs.remove(key);
            }
            verdicts.insert(id, verdict);
        }
        Ok(verdicts)
    }

    /// Finishes a transaction's appends: a full replay if an arrival asked for one, otherwise
    /// another try at every held event.
    pub(super) fn settle(&mut self) -> Result<Settled> {
        if self.replay_needed {
            let changes = self.reevaluate()?;
            return Ok(Settled { released: changes.released, withdrawn: changes.withdrawn, ..Settled::default() });
        }
        let mut settled = self.reexamine()?;
        if self.replay_needed {
            let changes = self.reevaluate()?;
            settled.released += changes.released;
            settled.withdrawn = changes.withdrawn;
        }
        Ok(settled)
    }

    /// The named event `id` if it is an applied event of `kind`, parsed by `read`.
    fn named<T>(&self, id: &str, kind: &str, read: impl FnOnce(Envelope) -> Option<T>) -> Named<Rc<T>> {
        let row: Option<(String, String, Vec<u8>)> = self
            .tx
            .prepare_cached("SELECT kind, status, bytes FROM events WHERE id = ?1")
            .and_then(|mut s| s.query_row([id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?))).optional())
            .unwrap_or_else(|e| {
                *self.damage.borrow_mut() = Some(e.to_string());
                None
            });
        match row {
            None => Named::NotHere,
            Some((k, _, _)) if k != kind => Named::WrongKind,
            Some((_, status, _)) if status != "applied" => Named::NotHere,
            Some((_, _, bytes)) => match serde_json::from_slice::<Envelope>(&bytes).ok().and_then(read) {
                Some(t) => Named::Here(Rc::new(t)),
                None => {
                    *self.damage.borrow_mut() = Some(format!("event {id} cannot be read"));
                    Named::NotHere
                }
            },
        }
    }
}

impl Applier<'_> {
    /// [`Applier::named`], remembered in the memo map `map` picks until the event's state changes.
    fn remembered<T>(
        &self,
        id: &str,
        kind: &str,
        map: impl Fn(&mut Memo) -> &mut HashMap<String, Named<Rc<T>>>,
        read: impl FnOnce(Envelope) -> Option<T>,
    ) -> Named<Rc<T>> {
        if let Some(found) = map(&mut self.memo.borrow_mut()).get(id) {
            return found.clone();
        }
        let found = self.named(id, kind, read);
        let mut memo = self.memo.borrow_mut();
        let remembered = map(&mut memo);
        // Bounded, so that an import's memory stays flat however many applications it names:
        // when full it starts over (each entry is only a cache of the store).
        if remembered.len() >= MEMO_LIMIT {
            remembered.clear();
        }
        remembered.insert(id.to_string(), found.clone());
        found
    }
}

/// What a replay changed.
pub(super) struct Changes {
    pub(super) withdrawn: usize,
    pub(super) released: usize,
}

/// What finishing a transaction's appends did.
#[derive(Default)]
pub(super) struct Settled {
    pub(super) released: usize,
    pub(super) withdrawn: usize,
    /// Held events refused for good, or void: how many, and the first reasons.
    pub(super) rejected: usize,
    pub(super) refusals: Vec<(String, Text)>,
}

impl Settled {
    fn refuse(&mut self, id: String, reason: Text) {
        self.rejected += 1;
        if self.refusals.len() < LISTED_REFUSALS {
            self.refusals.push((id, reason));
        }
    }
}

/// Whether `ev` can change verdicts already given, so that applying it alone is not enough: a
/// revocation voids what its cut-off covers, and a second secretariat opening a meeting puts
/// the whole meeting on hold.
fn changes_earlier_verdicts(ev: &SignedEvent, state: &Applier<'_>) -> bool {
    match &ev.envelope.body {
        // A close holds what came after it; a re-open releases it.
        Body::KeyRevoked { .. } | Body::MeetingClosed { .. } | Body::MeetingReopened { .. } => true,
        Body::MeetingOpened(m) => m.supersedes.is_none() && state.opened_by_another(&m.id, &ev.envelope.author),
        _ => false,
    }
}

/// The SHA-256 of a rubric as serialised: two meeting versions with equal rubrics give equal hashes.
pub(super) fn rubric_sha256(r: &crate::domain::Rubric) -> String {
    hex::encode(Sha256::digest(serde_json::to_vec(r).unwrap_or_default()))
}

impl Authority for Applier<'_> {
    fn is_trusted_secretariat(&self, key: &str) -> bool {
        if let Some(t) = self.memo.borrow().trusted.get(key) {
            return *t;
        }
        let t = self
            .tx
            .prepare_cached("SELECT 1 FROM trust WHERE key = ?1")
            .and_then(|mut s| s.exists([key]))
            .unwrap_or(false);
        self.memo.borrow_mut().trusted.insert(key.to_string(), t);
        t
    }

    fn revocation_cutoff(&self, key: &str) -> Option<u64> {
        if let Some(c) = self.memo.borrow().cutoffs.get(key) {
            return *c;
        }
        let c = self
            .tx
            .prepare_cached("SELECT cutoff_seq FROM revocations WHERE key = ?1")
            .and_then(|mut s| s.query_row([key], |r| r.get::<_, i64>(0)).optional())
            .ok()
            .flatten()
            .map(|c| c.max(0) as u64);
        self.memo.borrow_mut().cutoffs.insert(key.to_string(), c);
        c
    }

    fn meeting_version(&self, event_id: &str) -> Named<Rc<MeetingVersion>> {
        self.remembered(
            event_id,
            "meeting_opened",
            |m| &mut m.meetings,
            |env| match env.body {
                Body::MeetingOpened(m) => Some(MeetingVersion { author: env.author, seq: env.seq, meeting: *m }),
                _ => None,
            },
        )
    }

    fn application_version(&self, event_id: &str) -> Named<Rc<ApplicationVersion>> {
        self.remembered(
            event_id,
            "application_registered",
            |m| &mut m.applications,
            |env| match env.body {
                Body::ApplicationRegistered { meeting, meeting_event, application } => {
                    Some(ApplicationVersion { author: env.author, meeting, meeting_event, application: *application })
                }
                _ => None,
            },
        )
    }

    /// Not remembered: a sheet is named by one decision, and a meeting's sheets held in memory
    /// would grow with the meeting.
    fn score_sheet(&self, event_id: &str) -> Named<Rc<SheetVersion>> {
        self.named(event_id, "score_submitted", |env| match env.body {
            Body::ScoreSubmitted { meeting, code, basis, sheet, .. } => {
                Some(SheetVersion { author: env.author, meeting, code, basis, sheet })
            }
            _ => None,
        })
    }

    fn opened_by_another(&self, meeting: &str, author: &str) -> bool {
        let others: Vec<Vec<u8>> = self
            .tx
            .prepare_cached(
                "SELECT bytes FROM events WHERE meeting_id = ?1 AND kind = 'meeting_opened' AND author <> ?2 AND fork = 0",
            )
            .and_then(|mut s| s.query_map([meeting, author], |r| r.get(0))?.collect())
            .unwrap_or_default();
        // An opening its author signed after a revocation cut-off does not count.
        others.iter().filter_map(|bytes| serde_json::from_slice::<Envelope>(bytes).ok()).any(|env| {
            let opens = matches!(&env.body, Body::MeetingOpened(m) if m.supersedes.is_none());
            opens && self.revocation_cutoff(&env.author).is_none_or(|c| env.seq <= c)
        })
    }

    /// Not remembered, as [`Applier::score_sheet`]: a declaration is named by its withdrawal only.
    fn conflict_declaration(&self, event_id: &str) -> Named<Rc<DeclarationVersion>> {
        self.named(event_id, "conflict_declared", |env| match env.body {
            Body::ConflictDeclared { meeting, code, .. } => {
                Some(DeclarationVersion { author: env.author, seq: env.seq, meeting, code })
            }
            _ => None,
        })
    }

    fn standing_declaration(&self, meeting: &str, code: &str, key: &str) -> Option<String> {
        standing_declaration(self.tx, meeting, code, key).ok().flatten()
    }

    fn is_decided(&self, meeting: &str, code: &str, basis: &Basis) -> bool {
        let Ok(rubric) = self.rubric_sha256(basis) else { return false };
        self.tx
            .prepare_cached(
                "SELECT 1 FROM decisions WHERE meeting_id = ?1 AND code = ?2 AND application_event = ?3 AND rubric_sha256 = ?4",
            )
            .and_then(|mut s| s.exists([meeting, code, basis.application_event.as_str(), rubric.as_str()]))
            .unwrap_or(false)
    }

    fn current(&self, meeting: &str, code: Option<&str>) -> Option<(String, Option<String>)> {
        current_versions(self.tx, meeting, code).ok().flatten()
    }

    /// Not remembered: each is named by a few events at most.
    fn named_event(&self, event_id: &str, kind: &'static str) -> Named<Rc<Signed>> {
        self.named(event_id, kind, |env| Some(Signed { author: env.author, seq: env.seq, body: env.body }))
    }

    fn closed_before(&self, meeting: &str, author: &str, seq: u64) -> Option<String> {
        let closes = self.standing_closes(meeting);
        closes.iter().find(|c| c.heads.get(author).is_none_or(|h| seq > *h)).map(|c| c.id.clone())
    }
}

impl Applier<'_> {
    /// The closes of `meeting` applied here that no applied re-open names.
    fn standing_closes(&self, meeting: &str) -> Rc<Vec<Close>> {
        if let Some(c) = self.memo.borrow().closes.get(meeting) {
            return c.clone();
        }
        let read = || -> rusqlite::Result<Vec<Close>> {
            let mut st = self.tx.prepare_cached(
                "SELECT id, kind, bytes FROM events WHERE meeting_id = ?1 AND app_code IS NULL \
                 AND kind IN ('meeting_closed', 'meeting_reopened') AND status = 'applied'",
            )?;
            let rows = st.query_map([meeting], |r| Ok((r.get::<_, String>(0)?, r.get::<_, Vec<u8>>(2)?)))?;
            let (mut closes, mut reopened) = (Vec::new(), HashSet::new());
            for row in rows {
                let (id, bytes) = row?;
                match serde_json::from_slice::<Envelope>(&bytes).map(|e| e.body) {
                    Ok(Body::MeetingClosed { heads, .. }) => {
                        closes.push(Close { id, heads: heads.into_iter().map(|h| (h.key, h.seq)).collect() });
                    }
                    Ok(Body::MeetingReopened { reopens, .. }) => {
                        reopened.insert(reopens);
                    }
                    _ => *self.damage.borrow_mut() = Some(format!("event {id} cannot be read")),
                }
            }
            closes.retain(|c| !reopened.contains(&c.id));
            closes.sort_by(|a, b| a.id.cmp(&b.id));
            Ok(closes)
        };
        let closes = Rc::new(read().unwrap_or_else(|e| {
            *self.damage.borrow_mut() = Some(e.to_string());
            Vec::new()
        }));
        self.memo.borrow_mut().closes.insert(meeting.to_string(), closes.clone());
        closes
    }
}

/// The event id of `key`'s conflict declaration on the application, when it stands (applied, and
/// not withdrawn since).
pub(super) fn standing_declaration(
    conn: &rusqlite::Connection,
    meeting: &str,
    code: &str,
    key: &str,
) -> rusqlite::Result<Option<String>> {
    conn.prepare_cached(
        "SELECT event_id FROM conflicts WHERE meeting_id = ?1 AND code = ?2 AND expert_key = ?3 AND withdrawn_event IS NULL",
    )?
    .query_row([meeting, code, key], |r| r.get(0))
    .optional()
}

/// The current meeting version of `meeting` and, when `code` is given, the current registration
/// of that application (None when it has none).
fn current_versions(
    conn: &rusqlite::Connection,
    meeting: &str,
    code: Option<&str>,
) -> rusqlite::Result<Option<(String, Option<String>)>> {
    let Some(m) = conn
        .prepare_cached("SELECT event_id FROM meetings WHERE id = ?1")?
        .query_row([meeting], |r| r.get::<_, String>(0))
        .optional()?
    else {
        return Ok(None);
    };
    let a = match code {
        None => None,
        Some(code) => conn
            .prepare_cached("SELECT event_id FROM applications WHERE meeting_id = ?1 AND code = ?2")?
            .query_row([meeting, code], |r| r.get::<_, String>(0))
            .optional()?,
    };
    Ok(Some((m, a)))
}

/// Several revocations of one key: the earliest cut-off holds, ties going to the lower event id,
/// so the row is the same whatever order they arrive in.
fn record_revocation(tx: &Transaction<'_>, key: &str, cutoff_seq: u64, reason: &str, event_id: &str) -> Result<()> {
    tx.prepare_cached(
        "INSERT INTO revocations (key, cutoff_seq, reason, event_id) VALUES (?1, ?2, ?3, ?4) \
         ON CONFLICT (key) DO UPDATE SET cutoff_seq = excluded.cutoff_seq, reason = excluded.reason, event_id = excluded.event_id \
         WHERE excluded.cutoff_seq < revocations.cutoff_seq \
           OR (excluded.cutoff_seq = revocations.cutoff_seq AND excluded.event_id < revocations.event_id)",
    )?
    .execute(params![key, i64::try_from(cutoff_seq).unwrap_or(i64::MAX), reason, event_id])?;
    Ok(())
}

fn json<T: serde::Serialize + ?Sized>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_default()
}

pub(super) fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

impl Store {
    /// Signs `body` as the next event of `identity`'s chain and applies it. A refused event
    /// leaves the store unchanged and comes back as [`StoreError::Refused`].
    pub fn append_local(&mut self, identity: &Identity, body: Body, now: DateTime<Utc>) -> Result<SignedEvent> {
        self.revision_check(&body, &identity.key_hex())?;
        let mut events = self.append_local_all(identity, vec![body], &[], now)?;
        events.pop().ok_or_else(|| StoreError::Corrupt("no event was signed".into()))
    }

    /// A sheet that replaces one review (复核) flagged carries a reason, as procurement practice
    /// allows a correction only with its case and reason recorded. Checked where a person signs;
    /// a peer's sheet is not held to it, since the flag rests on the sheets each machine holds.
    fn revision_check(&self, body: &Body, author: &str) -> Result<()> {
        let Body::ScoreSubmitted { meeting, code, sheet, .. } = body else { return Ok(()) };
        // Anything else wrong with the sheet is for authorization to say.
        let Ok(view) = self.application(meeting, code, author) else { return Ok(()) };
        match view.review_flag(author) {
            Some(why) if crate::domain::Reason::parse(&sheet.revision_reason).is_err() => {
                Err(StoreError::Refused(crate::ledger::authz::revision_needs_reason(code, why)))
            }
            _ => Ok(()),
        }
    }

    /// Signs and applies several events, and stores documents, in one transaction: if any event
    /// is refused, none is written. Nothing is signed that a peer's reader would refuse.
    pub fn append_local_all(
        &mut self,
        identity: &Identity,
        bodies: Vec<Body>,
        blobs: &[(String, Vec<u8>)],
        now: DateTime<Utc>,
    ) -> Result<Vec<SignedEvent>> {
        let author = identity.key_hex();
        self.write(|tx| {
            let mut head: Option<(i64, String)> = tx
                .query_row("SELECT seq, id FROM events WHERE author = ?1 ORDER BY seq DESC LIMIT 1", [&author], |r| {
                    Ok((r.get(0)?, r.get(1)?))
                })
                .optional()?;
            let mut applier = Applier::new(tx, &rfc3339(now));
            let mut out = Vec::with_capacity(bodies.len());
            for body in bodies {
                let envelope = Envelope {
                    v: EVENT_VERSION,
                    suite: identity.secret.suite(),
                    author: author.clone(),
                    seq: head.as_ref().map_or(1, |(s, _)| *s as u64 + 1),
                    prev: head.as_ref().map(|(_, id)| id.clone()),
                    time: now,
                    body,
                };
                let event = SignedEvent::sign(&identity.secret, envelope).map_err(StoreError::Unsignable)?;
                local_guard(&event, &applier).map_err(StoreError::Refused)?;
                match applier.append(&event)? {
                    AppendOutcome::New => {}
                    AppendOutcome::Quarantined(r) | AppendOutcome::Void(r) | AppendOutcome::Rejected(r) => {
                        return Err(StoreError::Refused(r));
                    }
                    AppendOutcome::Duplicate => {
                        return Err(StoreError::Corrupt("a freshly signed event already exists".into()));
                    }
                }
                head = Some((event.envelope.seq as i64, event.id.clone()));
                out.push(event);
            }
            applier.settle()?;
            for (hash, bytes) in blobs {
                super::put_blob(tx, hash, bytes)?;
            }
            Ok(out)
        })
    }

    /// Applies verified events in one transaction: all of them or, on a database error, none.
    pub fn import_events(&mut self, events: &[SignedEvent], now: DateTime<Utc>) -> Result<ImportReport> {
        self.import_with(now, false, |imp| events.iter().try_for_each(|ev| imp.offer(ev)))
    }

    /// Replays the whole log: every event's state, the revocations and the projection tables
    /// are set again from the events alone (`doctor --repair`).
    pub fn rebuild_projections(&mut self) -> Result<()> {
        self.write(|tx| Applier::new(tx, "").reevaluate().map(|_| ()))
    }

    /// The versions an event about application `code` of `meeting` should name if signed now:
    /// the current meeting version and registration.
    pub fn basis(&self, meeting: &str, code: &str) -> Result<Basis> {
        match current_versions(&self.conn, meeting, Some(code))? {
            Some((meeting_event, Some(application_event))) => Ok(Basis { meeting_event, application_event }),
            Some(_) => Err(StoreError::UnknownApplication { meeting: meeting.into(), code: code.into() }),
            None => Err(StoreError::UnknownMeeting(meeting.into())),
        }
    }

    /// The id of the current version of `meeting` (its latest `meeting_opened` event that stands).
    pub fn meeting_event(&self, meeting: &str) -> Result<String> {
        current_versions(&self.conn, meeting, None)?
            .map(|(m, _)| m)
            .ok_or_else(|| StoreError::UnknownMeeting(meeting.into()))
    }
}
