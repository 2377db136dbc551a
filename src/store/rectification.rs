//! What the store holds of the rectification loop (第二十三条), across meetings: the standing
//! 限期整改 decisions, the acceptance applications that may answer them, and the signed
//! clearances. The rules over them are in [`crate::domain::rectification`].

use super::{Result, Store, StoreError};
use crate::domain::rectification::{Attempt, Clearance, History, Order};
use crate::domain::{ApplicationKind, Outcome};
use crate::ledger::{Body, Envelope, MeetingOpened};
use chrono::NaiveDate;
use std::collections::HashMap;

/// What a decision in one meeting is judged against: the keys of the chair's seat, and the
/// hash of the rubric of each kind.
struct Judge {
    chair: Vec<String>,
    rubrics: HashMap<crate::domain::ApplicationKind, String>,
}

impl Judge {
    fn of(m: &MeetingOpened) -> Judge {
        let chair = super::query::chair_keys(&m.seats()).into_iter().map(String::from).collect();
        let rubrics = m.rubrics.iter().map(|r| (r.kind, super::append::rubric_sha256(r))).collect();
        Judge { chair, rubrics }
    }
}

/// Meetings read once per history (a meeting, its seats and its rubrics' hashes), not once per
/// decision.
#[derive(Default)]
struct Meetings(HashMap<String, Option<Judge>>);

impl Meetings {
    fn get(&mut self, store: &Store, id: &str) -> Result<Option<&Judge>> {
        if !self.0.contains_key(id) {
            let m = match store.meeting(id) {
                Ok(m) => Some(Judge::of(&m)),
                Err(StoreError::UnknownMeeting(_)) => None,
                Err(e) => return Err(e),
            };
            self.0.insert(id.to_string(), m);
        }
        Ok(self.0.get(id).and_then(Option::as_ref))
    }

    /// Whether a decision signed by `chair_key` on the registration `application_event`
    /// under the rubric `rubric_sha256` stands: the seat's chair signed it, on the current
    /// version of the application and of its rubric.
    fn stands(
        &mut self,
        store: &Store,
        meeting: &str,
        chair_key: &str,
        kind: crate::domain::ApplicationKind,
        rubric_sha256: &str,
    ) -> Result<bool> {
        let Some(j) = self.get(store, meeting)? else { return Ok(false) };
        Ok(j.chair.iter().any(|k| k == chair_key) && j.rubrics.get(&kind).map(String::as_str) == Some(rubric_sha256))
    }
}

fn corrupt(what: &str) -> impl Fn(serde_json::Error) -> StoreError + '_ {
    move |e| StoreError::Corrupt(format!("{what}: {e}"))
}

fn date(text: &str) -> Result<NaiveDate> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|e| StoreError::Corrupt(format!("date {text}: {e}")))
}

impl Store {
    /// Everything the rectification loop reads, from every meeting here. Cheap when no
    /// 限期整改 decision stands: one indexed query. On a large store the orders and the
    /// acceptance applications that may answer them are read at once, on two connections.
    pub fn rectification_history(&self) -> Result<History> {
        let both = |theirs: &Store| theirs.acceptance_attempts(&mut Meetings::default());
        let mine = |store: &Store| store.rectification_orders(&mut Meetings::default());
        let (attempts, orders) = match self.on_two_cores(None, both, mine)? {
            Some(read) => read,
            None => (both(self), mine(self)),
        };
        let orders = orders?;
        if orders.is_empty() {
            return Ok(History::default());
        }
        // Only the attempts at a standing order: the query took every 限期整改 code.
        let codes: std::collections::HashSet<&str> = orders.iter().map(|o| o.code.as_str()).collect();
        let attempts = attempts?
            .into_iter()
            .filter(|a| {
                codes.contains(a.code.as_str()) || a.previous_code.as_deref().is_some_and(|c| codes.contains(c))
            })
            .collect();
        let clearances = self.clearances()?;
        Ok(History { orders, attempts, clearances })
    }

    fn rectification_orders(&self, meetings: &mut Meetings) -> Result<Vec<Order>> {
        // Only the fields the loop reads, taken out by SQLite: parsing every application and
        // decision whole would cost more than the rest of the queue on a large store.
        let mut st = self.conn.prepare_cached(
            "SELECT d.meeting_id, d.code, d.chair_key, json_extract(d.decision_json, '$.rectification_deadline'), \
               d.event_id, d.rubric_sha256, m.date, a.kind, a.name, a.unit \
             FROM decisions d JOIN applications a ON a.meeting_id = d.meeting_id AND a.code = d.code \
               AND a.event_id = d.application_event \
             JOIN meetings m ON m.id = d.meeting_id \
             WHERE d.outcome = 'rectify' ORDER BY d.meeting_id, d.code",
        )?;
        let rows = st
            .query_map([], |r| {
                Ok((
                    (r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?),
                    (r.get::<_, Option<String>>(3)?, r.get::<_, String>(4)?, r.get::<_, String>(5)?),
                    (r.get::<_, String>(6)?, r.get::<_, String>(7)?, r.get::<_, String>(8)?, r.get::<_, String>(9)?),
                ))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        let mut out = Vec::new();
        for ((meeting, code, chair), (deadline, event, rubric), (day, kind, name, unit)) in rows {
            let Some(kind) = ApplicationKind::ALL.into_iter().find(|k| k.id() == kind) else { continue };
            if !meetings.stands(self, &meeting, &chair, kind, &rubric)? {
                continue;
            }
            let Some(deadline) = deadline.as_deref().map(date).transpose()? else { continue };
            out.push(Order { decision_event: event, meeting, meeting_date: date(&day)?, code, name, unit, deadline });
        }
        Ok(out)
    }

    /// The acceptance applications registered under the code of a 限期整改 decision, or naming
    /// one as their previous code, with the decision standing on each.
    fn acceptance_attempts(&self, meetings: &mut Meetings) -> Result<Vec<Attempt>> {
        let mut st = self.conn.prepare_cached(
            // Each acceptance application's JSON is read once, and the 限期整改 codes gathered
            // once, rather than per row and per test (17 against 26 ms at 10,000 applications).
            "WITH ordered(code) AS MATERIALIZED (SELECT code FROM decisions WHERE outcome = 'rectify'), \
               acceptance AS MATERIALIZED (SELECT meeting_id, code, event_id, \
                 json_extract(data_json, '$.previous_code') AS previous_code, \
                 json_extract(data_json, '$.acceptance_applied') AS applied \
                 FROM applications WHERE kind = 'acceptance') \
             SELECT a.meeting_id, m.date, a.code, a.previous_code, a.applied, d.chair_key, d.outcome, d.rubric_sha256 \
             FROM acceptance a JOIN meetings m ON m.id = a.meeting_id \
             LEFT JOIN decisions d ON d.meeting_id = a.meeting_id AND d.code = a.code AND d.application_event = a.event_id \
             WHERE a.code IN ordered OR a.previous_code IN ordered",
        )?;
        let rows = st
            .query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, Option<String>>(3)?,
                    r.get::<_, Option<String>>(4)?,
                    // The decision on the current registration, if any (one per application).
                    (r.get::<_, Option<String>>(5)?, r.get::<_, Option<String>>(6)?, r.get::<_, Option<String>>(7)?),
                ))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        let mut out = Vec::new();
        for (meeting, day, code, previous_code, applied, decision) in rows {
            let mut outcome = None;
            if let (Some(chair), Some(id), Some(rubric)) = decision
                && meetings.stands(self, &meeting, &chair, ApplicationKind::Acceptance, &rubric)?
            {
                outcome = Outcome::ALL.into_iter().find(|o| o.id() == id);
            }
            let applied = applied.as_deref().map(date).transpose()?;
            out.push(Attempt { meeting, meeting_date: date(&day)?, code, previous_code, applied, outcome });
        }
        Ok(out)
    }

    /// Every applied clearance, with its signer's name where this machine trusts the key.
    fn clearances(&self) -> Result<Vec<Clearance>> {
        let mut st = self.conn.prepare_cached(
            "SELECT e.id, e.bytes, (SELECT t.name FROM trust t WHERE t.key = e.author) FROM events e \
             WHERE e.kind = 'unit_cleared' AND e.status = 'applied' ORDER BY e.time, e.id",
        )?;
        let rows = st
            .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, Vec<u8>>(1)?, r.get::<_, Option<String>>(2)?)))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        let mut out = Vec::new();
        for (id, bytes, name) in rows {
            let env: Envelope = serde_json::from_slice(&bytes).map_err(corrupt("clearance"))?;
            let Body::UnitCleared { unit, clears, reason } = env.body else {
                return Err(StoreError::Corrupt(format!("event {id} is not a clearance")));
            };
            let by = name.unwrap_or_else(|| env.author.chars().take(16).collect());
            out.push(Clearance { event_id: id, unit, clears, reason, by, at: env.time.to_rfc3339() });
        }
        Ok(out)
    }
}
