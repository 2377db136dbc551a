//! The append path: verify, authorize, insert and project, inside one IMMEDIATE transaction.

use super::{Result, Store, StoreError};
use crate::domain::ApplicationKind;
use crate::domain::text::Text;
use crate::ledger::event::{Body, EVENT_VERSION, Envelope, MeetingOpened};
use crate::ledger::{Authority, Disposition, Identity, MeetingFacts, Refusal, SignedEvent, authorize, local_guard};
use chrono::{DateTime, SecondsFormat, Utc};
use rusqlite::{OptionalExtension, Transaction, params};
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

/// What happened to one event offered to the store.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AppendOutcome {
    New,
    Duplicate,
    Quarantined(Refusal),
    Rejected(Refusal),
}

/// Counts of one import, with the reason for every event not applied.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct ImportReport {
    pub new: usize,
    pub duplicate: usize,
    pub quarantined: usize,
    pub rejected: usize,
    /// (event id, reason) for each quarantined or rejected event.
    pub refusals: Vec<(String, Text)>,
    /// Held events this import made applicable (their meeting or application arrived).
    pub released: usize,
    /// Events still held in quarantine after this import, in the whole store.
    pub still_held: usize,
    /// Keys with two different events at one seq.
    pub forked_keys: Vec<String>,
    pub blobs_stored: usize,
}

/// The order a rebuild replays kinds in, so that parents exist before children.
pub(super) const KIND_ORDER: &str = "CASE kind WHEN 'meeting_opened' THEN 0 WHEN 'key_revoked' THEN 1 WHEN 'application_registered' THEN 2 \
     WHEN 'conflict_declared' THEN 3 WHEN 'score_submitted' THEN 4 ELSE 5 END";

/// An event of the same author near a new one: (id, seq, prev, status).
type Neighbour = (String, i64, Option<String>, String);

/// Applies events within one transaction, caching the meeting facts authorization reads.
pub(super) struct Applier<'t> {
    tx: &'t Transaction<'t>,
    meetings: RefCell<HashMap<String, Option<Rc<MeetingFacts>>>>,
    memo: RefCell<Memo>,
    damage: RefCell<Option<String>>,
    now: String,
}

/// Answers authorization asks again and again within one import, kept in step with the
/// projection as events apply (a bundle is thousands of scores on a few applications).
#[derive(Default)]
struct Memo {
    trusted: HashMap<String, bool>,
    kinds: HashMap<(String, String), Option<ApplicationKind>>,
    recused: HashMap<(String, String, String), bool>,
    cutoffs: HashMap<String, Option<u64>>,
}

impl<'t> Applier<'t> {
    pub(super) fn new(tx: &'t Transaction<'t>, now: &str) -> Self {
        Applier {
            tx,
            meetings: RefCell::new(HashMap::new()),
            memo: RefCell::new(Memo::default()),
            damage: RefCell::new(None),
            now: now.to_string(),
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
            Err(r) if r.disposition == Disposition::Quarantine => {
                self.insert(ev, "quarantined", Some(&r.reason), false)?;
                Ok(AppendOutcome::Quarantined(r))
            }
            // A well-signed event its author may never make is reported, not kept.
            Err(r) => Ok(AppendOutcome::Rejected(r)),
        }
    }

    /// A second event at an author's seq, or one whose `prev` disagrees with its neighbours, is a
    /// fork: both sides are quarantined and the key is flagged, never silently resolved.
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
        let mut was_applied = false;
        for (id, _, _, status) in conflicting {
            was_applied |= status == "applied";
            self.tx.execute(
                "UPDATE events SET status = 'quarantined', fork = 1, reason_zh = ?2, reason_en = ?3 WHERE id = ?1",
                params![id, reason.zh, reason.en],
            )?;
        }
        if was_applied {
            self.rebuild()?;
        }
        Ok(Some(reason))
    }

    /// Tries every held (non-fork) event again, parents first, until nothing more can be applied.
    /// Returns how many were applied and the refusals of those that never can be.
    pub(super) fn reexamine(&mut self) -> Result<(usize, Vec<(String, Text)>)> {
        let mut applied = 0;
        let mut rejected = Vec::new();
        loop {
            let held: Vec<(String, Vec<u8>, Vec<u8>)> = self
                .tx
                .prepare(&format!("SELECT id, bytes, signature FROM events WHERE status = 'quarantined' AND fork = 0 ORDER BY {KIND_ORDER}, author, seq"))?
                .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
                .collect::<rusqlite::Result<_>>()?;
            let mut progress = false;
            for (id, bytes, sig) in held {
                let ev = SignedEvent::parse_unverified(bytes, sig)
                    .map_err(|e| StoreError::Corrupt(format!("event {id}: {e}")))?;
                match authorize(&ev, self) {
                    Ok(()) => {
                        self.tx.execute(
                            "UPDATE events SET status = 'applied', reason_zh = NULL, reason_en = NULL WHERE id = ?1",
                            [&id],
                        )?;
                        self.project(&ev.envelope, &id)?;
                        applied += 1;
                        progress = true;
                    }
                    Err(r) if r.disposition == Disposition::Reject => {
                        self.tx.execute("DELETE FROM events WHERE id = ?1", [&id])?;
                        rejected.push((id, r.reason));
                        progress = true;
                    }
                    Err(_) => {}
                }
            }
            if !progress {
                return Ok((applied, rejected));
            }
        }
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
        Ok(())
    }

    /// Updates the projection tables for one applied event. Within one owner, a higher `seq`
    /// supersedes, so the result does not depend on the order events arrive in.
    pub(super) fn project(&mut self, env: &Envelope, event_id: &str) -> Result<()> {
        self.forget(&env.body, &env.author);
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
                    self.meetings.borrow_mut().remove(&m.id);
                }
            }
            Body::ApplicationRegistered { meeting, application: a } => {
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
            Body::ConflictDeclared { meeting, code, reason } => {
                tx.prepare_cached(
                    "INSERT INTO conflicts (meeting_id, code, expert_key, reason, event_id, seq, declared_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) \
                     ON CONFLICT DO UPDATE SET reason = excluded.reason, event_id = excluded.event_id, seq = excluded.seq, declared_at = excluded.declared_at \
                     WHERE excluded.seq > conflicts.seq",
                )?
                .execute(params![meeting, code, env.author, reason, event_id, seq, time])?;
            }
            Body::ScoreSubmitted { meeting, code, sheet } => {
                tx.prepare_cached(
                    "INSERT INTO score_sheets (meeting_id, code, expert_key, total_halves, veto_count, event_id, seq, submitted_at) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) \
                     ON CONFLICT DO UPDATE SET total_halves = excluded.total_halves, veto_count = excluded.veto_count, \
                       event_id = excluded.event_id, seq = excluded.seq, submitted_at = excluded.submitted_at \
                     WHERE excluded.seq > score_sheets.seq",
                )?
                .execute(params![meeting, code, env.author, sheet.total().halves(), sheet.vetoes.len() as i64, event_id, seq, time])?;
            }
            Body::DecisionRecorded { meeting, code, decision, based_on } => {
                tx.prepare_cached(
                    "INSERT INTO decisions (meeting_id, code, outcome, decision_json, based_on_json, event_id, seq, decided_at) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) \
                     ON CONFLICT DO UPDATE SET outcome = excluded.outcome, decision_json = excluded.decision_json, based_on_json = excluded.based_on_json, \
                       event_id = excluded.event_id, seq = excluded.seq, decided_at = excluded.decided_at \
                     WHERE excluded.seq > decisions.seq",
                )?
                .execute(params![meeting, code, decision.outcome.id(), json(decision), json(based_on), event_id, seq, time])?;
            }
            Body::KeyRevoked { key, cutoff_seq, reason } => {
                record_revocation(tx, key, *cutoff_seq, reason, event_id)?;
                self.void_after_cutoff(key)?;
            }
        }
        Ok(())
    }

    /// Drops what the memo knows that `body` is about to change.
    fn forget(&self, body: &Body, author: &str) {
        let mut memo = self.memo.borrow_mut();
        match body {
            Body::ApplicationRegistered { meeting, application } => {
                memo.kinds.remove(&(meeting.clone(), application.code.clone()));
            }
            Body::ConflictDeclared { meeting, code, .. } => {
                memo.recused.remove(&(meeting.clone(), code.clone(), author.to_string()));
            }
            Body::KeyRevoked { key, .. } => {
                memo.cutoffs.remove(key);
            }
            _ => {}
        }
    }

    /// Events past a new cut-off are removed, and the projections rebuilt if any had applied.
    fn void_after_cutoff(&mut self, key: &str) -> Result<()> {
        let cutoff: i64 =
            self.tx.query_row("SELECT cutoff_seq FROM revocations WHERE key = ?1", [key], |r| r.get(0))?;
        // Void events leave the log, as they would had they arrived after the revocation: the
        // log must not depend on arrival order either. Held ones are rejected, and reported, by
        // the re-examination that follows every import.
        let voided = self.tx.execute(
            "DELETE FROM events WHERE author = ?1 AND seq > ?2 AND status = 'applied'",
            params![key, cutoff],
        )?;
        if voided > 0 {
            self.rebuild()?;
        }
        Ok(())
    }

    /// Clears the projections and replays every applied event.
    pub(super) fn rebuild(&mut self) -> Result<()> {
        for t in super::schema::PROJECTIONS {
            self.tx.execute(&format!("DELETE FROM {t}"), [])?;
        }
        self.meetings.borrow_mut().clear();
        *self.memo.borrow_mut() = Memo::default();
        let mut st = self.tx.prepare(&format!(
            "SELECT id, bytes FROM events WHERE status = 'applied' ORDER BY {KIND_ORDER}, author, seq"
        ))?;
        let rows: Vec<(String, Vec<u8>)> =
            st.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<rusqlite::Result<_>>()?;
        for (id, bytes) in rows {
            let env: Envelope =
                serde_json::from_slice(&bytes).map_err(|e| StoreError::Corrupt(format!("event {id}: {e}")))?;
            // A revocation during replay would recurse; its voiding already happened.
            if let Body::KeyRevoked { key, cutoff_seq, reason } = &env.body {
                record_revocation(self.tx, key, *cutoff_seq, reason, &id)?;
            } else {
                self.project(&env, &id)?;
            }
        }
        Ok(())
    }

    fn load_meeting(&self, id: &str) -> rusqlite::Result<Option<MeetingFacts>> {
        let row: Option<(String, String, String)> = self
            .tx
            .prepare_cached("SELECT secretariat_key, date, body_json FROM meetings WHERE id = ?1")?
            .query_row([id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .optional()?;
        let Some((secretariat, _, body)) = row else { return Ok(None) };
        // Authorization must not mistake a damaged row for a missing meeting: remember the damage.
        let m: MeetingOpened = match serde_json::from_str(&body) {
            Ok(m) => m,
            Err(e) => {
                *self.damage.borrow_mut() = Some(format!("meeting {id}: {e}"));
                return Ok(None);
            }
        };
        Ok(Some(MeetingFacts {
            secretariat,
            date: m.date,
            panel: m.panel.iter().map(|p| (p.member.key.clone(), p.role)).collect(),
            rubrics: m.rubrics,
        }))
    }
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

    fn meeting(&self, id: &str) -> Option<Rc<MeetingFacts>> {
        if let Some(cached) = self.meetings.borrow().get(id) {
            return cached.clone();
        }
        let facts = self.load_meeting(id).ok().flatten().map(Rc::new);
        self.meetings.borrow_mut().insert(id.to_string(), facts.clone());
        facts
    }

    fn application_kind(&self, meeting: &str, code: &str) -> Option<ApplicationKind> {
        let key = (meeting.to_string(), code.to_string());
        if let Some(k) = self.memo.borrow().kinds.get(&key) {
            return *k;
        }
        let kind: Option<String> = self
            .tx
            .prepare_cached("SELECT kind FROM applications WHERE meeting_id = ?1 AND code = ?2")
            .and_then(|mut s| s.query_row([meeting, code], |r| r.get(0)).optional())
            .ok()
            .flatten();
        let kind = kind.and_then(|k| ApplicationKind::parse(&k));
        self.memo.borrow_mut().kinds.insert(key, kind);
        kind
    }

    fn is_recused(&self, meeting: &str, code: &str, key: &str) -> bool {
        let k = (meeting.to_string(), code.to_string(), key.to_string());
        if let Some(r) = self.memo.borrow().recused.get(&k) {
            return *r;
        }
        let r = self
            .tx
            .prepare_cached("SELECT 1 FROM conflicts WHERE meeting_id = ?1 AND code = ?2 AND expert_key = ?3")
            .and_then(|mut s| s.exists([meeting, code, key]))
            .unwrap_or(false);
        self.memo.borrow_mut().recused.insert(k, r);
        r
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
            .map(|c| c as u64);
        self.memo.borrow_mut().cutoffs.insert(key.to_string(), c);
        c
    }
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
    .execute(params![key, cutoff_seq as i64, reason, event_id])?;
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
        let mut events = self.append_local_all(identity, vec![body], &[], now)?;
        events.pop().ok_or_else(|| StoreError::Corrupt("no event was signed".into()))
    }

    /// Signs and applies several events, and stores documents, in one transaction: if any event
    /// is refused, none is written.
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
                let event = SignedEvent::sign(&identity.secret, envelope);
                local_guard(&event, &applier).map_err(StoreError::Refused)?;
                match applier.append(&event)? {
                    AppendOutcome::New => {}
                    AppendOutcome::Quarantined(r) | AppendOutcome::Rejected(r) => return Err(StoreError::Refused(r)),
                    AppendOutcome::Duplicate => {
                        return Err(StoreError::Corrupt("a freshly signed event already exists".into()));
                    }
                }
                head = Some((event.envelope.seq as i64, event.id.clone()));
                out.push(event);
            }
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

    /// Rebuilds every projection table from the applied events of the log.
    pub fn rebuild_projections(&mut self) -> Result<()> {
        self.write(|tx| Applier::new(tx, "").rebuild())
    }
}
