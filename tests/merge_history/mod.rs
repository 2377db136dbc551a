//! A random meeting history for the merge tests and the merge fuzz target: people with fixed
//! keys, the bodies they sign, a plan of operations signed on a source store (re-opens, rubric
//! changes, re-registrations under other kinds, scores, conflicts and their withdrawals,
//! decisions, revocations by two secretariats, a rival secretariat), and the reference every
//! delivery order must equal.
//!
//! `tests/bundle_merge.rs` drives it with proptest; `fuzz/fuzz_targets/merge.rs` with libFuzzer.

#![allow(dead_code)]

use chrono::{DateTime, Duration, NaiveDate, Utc};
use reviewdesk::domain::proceedings::{Choice, Stance};
use reviewdesk::domain::{Application, ApplicationKind, Decision, Money, Outcome, Points, Reason, Rubric, ScoreSheet};
use reviewdesk::ledger::event::MAX_SEQ;
use reviewdesk::ledger::proceedings::Head;
use reviewdesk::ledger::suite::SecretKey;
use reviewdesk::ledger::{Body, Identity, MeetingOpened, Member, PanelMember, Role, SignedEvent, Suite};
use reviewdesk::store::{EventFilter, Store, StoreError};
use std::collections::{BTreeSet, HashMap, HashSet};

// ---------------------------------------------------------------------------------------------
// People, bodies and stores
// ---------------------------------------------------------------------------------------------

pub fn at(minutes: i64) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-12-08T09:00:00Z").unwrap().with_timezone(&Utc) + Duration::minutes(minutes)
}

/// An identity from a fixed seed, so that a shrunk case signs the same bytes when it is rerun.
pub fn person(name: &str, seed: u8) -> Identity {
    Identity::new(name, SecretKey::from_bytes(Suite::Ed25519Sha256, &[seed; 32]).unwrap())
}

pub fn member(id: &Identity) -> Member {
    Member { name: id.name.clone(), key: id.key_hex(), suite: Suite::Ed25519Sha256 }
}

pub const EXPERT_NAMES: [&str; 5] = ["李明", "张华", "陈静", "刘洋", "王芳"];

pub struct Cast {
    pub sec: Identity,
    /// A second trusted secretariat (another office of the bureau), which may revoke keys.
    pub sec2: Identity,
    pub chair: Identity,
    pub experts: Vec<Identity>,
    /// An expert a re-opening may add to the panel.
    pub reserve: Identity,
    /// A third trusted secretariat, on a machine of its own, which opens a meeting under an id
    /// that is already taken.
    pub rival: Identity,
    /// A trusted key that signs nothing but relay bundles, and is never revoked.
    pub clerk: Identity,
}

pub fn cast(experts: usize) -> Cast {
    Cast {
        sec: person("信息化办", 1),
        sec2: person("数据局", 3),
        chair: person("王建国", 2),
        experts: (0..experts).map(|i| person(EXPERT_NAMES[i], 10 + i as u8)).collect(),
        reserve: person("赵敏", 30),
        rival: person("外区数据局", 4),
        clerk: person("收发室", 5),
    }
}

/// An empty store that trusts both secretariats and nobody else.
pub fn fresh(cast: &Cast) -> Store {
    let mut s = Store::open_in_memory().unwrap();
    s.trust_add(&cast.sec.public(), "2026-12-01").unwrap();
    s.trust_add(&cast.sec2.public(), "2026-12-01").unwrap();
    s.trust_add(&cast.rival.public(), "2026-12-01").unwrap();
    s.trust_add(&cast.clerk.public(), "2026-12-01").unwrap();
    s
}

/// The approval rubric with five points moved from necessity to technical: a changed rubric.
pub fn changed_approval_rubric() -> Rubric {
    let mut r = reviewdesk::assets::rubric(ApplicationKind::Approval).unwrap();
    r.id = format!("{}-rev", r.id);
    for c in &mut r.criteria {
        match c.id.as_str() {
            "necessity" => c.max = Points::from_halves(c.max.halves() - 10),
            "technical" => c.max = Points::from_halves(c.max.halves() + 10),
            _ => {}
        }
    }
    r.validate().unwrap();
    r
}

/// A meeting version. `store` gives the version it replaces, if the meeting is there.
pub fn opened_with(
    c: &Cast,
    store: &Store,
    meeting: &str,
    title: &str,
    with_reserve: bool,
    changed_rubric: bool,
) -> Body {
    let mut panel = vec![PanelMember {
        member: member(&c.chair),
        role: Role::Chair,
        category: String::new(),
        unit: String::new(),
        replaces: None,
    }];
    let experts = c.experts.iter().chain(with_reserve.then_some(&c.reserve));
    panel.extend(experts.map(|e| PanelMember {
        member: member(e),
        role: Role::Expert,
        category: "技术".into(),
        unit: String::new(),
        replaces: None,
    }));
    let mut rubrics: Vec<Rubric> =
        ApplicationKind::ALL.iter().map(|k| reviewdesk::assets::rubric(*k).unwrap()).collect();
    if changed_rubric {
        rubrics[0] = changed_approval_rubric();
    }
    Body::MeetingOpened(Box::new(MeetingOpened {
        id: meeting.into(),
        title: title.into(),
        date: NaiveDate::from_ymd_opt(2026, 12, 8).unwrap(),
        profile: reviewdesk::assets::profile("gulou-2021").unwrap(),
        rubrics,
        secretariat: member(&c.sec),
        panel,
        draw: None,
        supersedes: store.meeting_event(meeting).ok(),
    }))
}

pub fn opened(c: &Cast, store: &Store, meeting: &str, title: &str) -> Body {
    opened_with(c, store, meeting, title, false, false)
}

/// An application of `kind` whose figures fit that kind.
pub fn application(code: &str, name: &str, kind: ApplicationKind) -> Application {
    let day = |m, d| NaiveDate::from_ymd_opt(2026, m, d);
    let acceptance = kind == ApplicationKind::Acceptance;
    Application {
        code: code.into(),
        name: name.into(),
        unit: "鼓楼区城市管理局".into(),
        department: "鼓楼区城市管理局".into(),
        kind,
        nature: Default::default(),
        approved_total: (kind != ApplicationKind::Approval).then(|| Money::from_yuan(3_000_000)),
        requested_total: (kind != ApplicationKind::Acceptance).then(|| Money::from_yuan(3_100_000)),
        plan_class: None,
        cross_department: false,
        joint_submission: false,
        supervision_firm: true,
        data_sharing_section: true,
        protection_level: None,
        construction_completed: day(3, 1).filter(|_| acceptance),
        trial_start: day(3, 2).filter(|_| acceptance),
        trial_end: day(7, 2).filter(|_| acceptance),
        acceptance_applied: day(8, 1).filter(|_| acceptance),
        documents: vec![],
        facts: Default::default(),
        original_total: None,
        previous_code: None,
        maintenance: Default::default(),
    }
}

pub fn registered_as(store: &Store, meeting: &str, code: &str, name: &str, kind: ApplicationKind) -> Body {
    Body::ApplicationRegistered {
        meeting: meeting.into(),
        meeting_event: store.meeting_event(meeting).unwrap(),
        application: Box::new(application(code, name, kind)),
    }
}

pub fn registered(store: &Store, meeting: &str, code: &str, name: &str) -> Body {
    registered_as(store, meeting, code, name, ApplicationKind::Approval)
}

/// A sheet totalling `total` points (at most 100) for `rubric`, filled criterion by criterion.
pub fn sheet_for(rubric: &Rubric, total: u32) -> ScoreSheet {
    let mut left = total.min(100) * 2;
    let mut s = ScoreSheet::default();
    for c in &rubric.criteria {
        let give = left.min(c.max.halves());
        left -= give;
        s.points.insert(c.id.clone(), Points::from_halves(give));
    }
    // Every sheet says why, so that a revision of one review flagged (复核) is not refused at the
    // source and revisions keep travelling in the merge tests.
    s.revision_reason = "复核后按评分细则调整".into();
    s
}

/// A score for the application as `store` has it now (its current rubric and registration).
pub fn score(store: &Store, meeting: &str, code: &str, total: u32) -> Body {
    let view = store.application(meeting, code, "").unwrap();
    let m = store.meeting(meeting).unwrap();
    let rubric = m.rubrics.iter().find(|r| r.kind == view.application.kind).unwrap();
    Body::ScoreSubmitted {
        meeting: meeting.into(),
        code: code.into(),
        basis: view.basis,
        sheet: sheet_for(rubric, total),
        seat: None,
    }
}

pub fn conflict(store: &Store, meeting: &str, code: &str) -> Body {
    Body::ConflictDeclared {
        meeting: meeting.into(),
        code: code.into(),
        basis: store.basis(meeting, code).unwrap(),
        reason: "曾参与该项目可研编制".into(),
    }
}

/// The chair's decision on the sheets that count now, as the decision panel signs it: the
/// suggested outcome as computed, and a reason when `outcome` departs from it. None when no
/// sheet counts yet.
pub fn decision(store: &Store, chair: &Identity, meeting: &str, code: &str, outcome: Option<Outcome>) -> Option<Body> {
    let view = store.application(meeting, code, &chair.key_hex()).unwrap();
    let suggested = view.suggested?;
    let outcome = outcome.filter(|o| o.kind() == view.application.kind).unwrap_or(suggested);
    let deadline = (outcome == Outcome::Rectify).then(|| NaiveDate::from_ymd_opt(2027, 3, 31).unwrap());
    Some(Body::DecisionRecorded {
        meeting: meeting.into(),
        code: code.into(),
        basis: view.basis.clone(),
        decision: Decision {
            outcome,
            suggested,
            plan_class: None,
            rectification_deadline: deadline,
            conditions: String::new(),
            opinion: String::new(),
            override_reason: (outcome != suggested).then(|| "专家组讨论后决定".into()),
        },
        based_on: view.score_event_ids(),
    })
}

/// The events a store would export under `filter`, read back and verified.
pub fn stored_events(store: &Store, filter: &EventFilter) -> Vec<SignedEvent> {
    let mut out = Vec::new();
    store
        .for_each_event(filter, |ev| {
            out.push(SignedEvent::verify(ev.bytes, ev.signature).expect("a stored event verifies"));
            Ok::<(), StoreError>(())
        })
        .unwrap();
    out
}

/// The lines that differ between two dumps, shortened: a full dump embeds whole rubrics.
pub fn diff(left: &str, right: &str) -> String {
    let l: BTreeSet<&str> = left.lines().collect();
    let r: BTreeSet<&str> = right.lines().collect();
    let short = |s: &str| s.chars().take(220).collect::<String>();
    let mut out = String::new();
    for line in l.difference(&r) {
        out.push_str(&format!("\n  - {}", short(line)));
    }
    for line in r.difference(&l) {
        out.push_str(&format!("\n  + {}", short(line)));
    }
    out
}

#[track_caller]
pub fn assert_same(left: &str, right: &str, what: &str) {
    assert!(left == right, "{what}: the dumps differ:{}", diff(left, right));
}

pub fn status_of(store: &Store, id: &str) -> (String, Option<String>) {
    let log = store.log(None).unwrap();
    let e = log.entries.iter().find(|e| e.id == id).expect("the event is in the log");
    (e.status.clone(), e.reason.as_ref().map(|r| format!("{} / {}", r.zh, r.en)))
}

// ---------------------------------------------------------------------------------------------
// A random meeting history
// ---------------------------------------------------------------------------------------------

#[derive(Clone, Debug)]
pub enum Op {
    /// Registers an application, or registers it again (a later version supersedes), possibly
    /// under another kind.
    Register {
        meeting: usize,
        app: usize,
        kind: usize,
    },
    /// Opens the meeting again: a new title, the reserve expert seated, or the approval rubric
    /// switched between its two versions.
    Reopen {
        meeting: usize,
        change: usize,
    },
    Score {
        expert: usize,
        meeting: usize,
        app: usize,
        total: u32,
    },
    Conflict {
        expert: usize,
        meeting: usize,
        app: usize,
    },
    /// An expert withdraws a conflict declaration (撤回回避): the numbers pick one of the
    /// declarations standing at the source, and the source refuses it after a decision on the
    /// application as it stands.
    Withdraw {
        expert: usize,
        meeting: usize,
        app: usize,
    },
    /// The chair decides on the sheets that count, on the suggestion or departing from it.
    Decide {
        meeting: usize,
        app: usize,
        outcome: Option<usize>,
    },
    /// A secretariat (`by` odd: the second one) revokes a key: an expert's, the chair's, or a
    /// secretariat's (itself included), voiding its last `back` events, or none at all with the
    /// highest cut-off a seq allows.
    Revoke {
        by: usize,
        who: usize,
        back: u64,
        huge: bool,
    },
    /// Another secretariat, on its own machine, opens a meeting under the same id.
    Rival {
        meeting: usize,
    },
    /// A secretariat (`by` odd: the second one) lifts the hold a 限期整改 decision on the
    /// application put on its unit (第二十三条), or names a decision that is not there.
    Clear {
        by: usize,
        app: usize,
    },
    /// An expert countersigns the standing decision, agreeing or (`dissent`) not.
    Countersign {
        expert: usize,
        meeting: usize,
        app: usize,
        dissent: bool,
    },
    /// The chair puts the suggested outcome to a named vote.
    CallVote {
        meeting: usize,
        app: usize,
    },
    /// An expert (or the chair) votes on the latest motion.
    Cast {
        expert: usize,
        meeting: usize,
        app: usize,
        choice: usize,
    },
    /// The chair (`by` even) or the secretariat closes the meeting, pinning each expert's chain
    /// `back` events short of its head here (never below its first), as a machine that lags
    /// would: what comes after is late.
    Close {
        by: usize,
        meeting: usize,
        back: u64,
    },
    /// The secretariat re-opens the meeting's standing close.
    Unseal {
        meeting: usize,
    },
}

#[derive(Clone, Debug)]
pub struct Plan {
    pub experts: usize,
    pub meetings: usize,
    pub ops: Vec<Op>,
}

pub struct History {
    pub cast: Cast,
    pub source: Store,
    /// Every event, in the order it was signed (parents before children).
    pub events: Vec<SignedEvent>,
}

pub fn meeting_id(m: usize) -> String {
    format!("M{}", m + 1)
}

pub fn code(a: usize) -> String {
    format!("GL-{}", a + 1)
}

/// Signs the plan on a source store. An op the source refuses (a score for an application not
/// registered yet or by an expert not seated, a score after the expert's own conflict, a
/// withdrawal with no declaration standing or after the decision, anything by a revoked key, a
/// self-revocation that would void itself) is left out, as a person's machine would refuse it.
pub fn build(plan: &Plan) -> History {
    let c = cast(plan.experts);
    let mut source = fresh(&c);
    let mut events = Vec::new();
    let mut minute = 0;
    for m in 0..plan.meetings {
        minute += 2;
        let body = opened(&c, &source, &meeting_id(m), "评审会");
        events.push(source.append_local(&c.sec, body, at(minute - 1)).unwrap());
        let first = registered(&source, &meeting_id(m), &code(0), "智慧城管平台（第1版）");
        events.push(source.append_local(&c.sec, first, at(minute)).unwrap());
    }
    let mut versions: HashMap<(usize, usize), u32> = HashMap::new();
    let mut reopened: HashMap<usize, (u32, bool, bool)> = HashMap::new();
    let everyone: Vec<&Identity> = c.experts.iter().chain([&c.reserve, &c.chair, &c.sec, &c.sec2, &c.rival]).collect();
    let mut rival_machine = fresh(&c);
    let kinds = [
        ApplicationKind::Approval,
        ApplicationKind::Approval,
        ApplicationKind::Approval,
        ApplicationKind::Change,
        ApplicationKind::Acceptance,
        ApplicationKind::Approval,
    ];
    let outcomes = [Outcome::Pass, Outcome::PassAfterRevision, Outcome::Fail];
    for op in &plan.ops {
        let step: Option<(&Identity, Body)> = match *op {
            Op::Register { meeting, app, kind } => {
                let m = meeting % plan.meetings;
                let v = versions.entry((m, app)).or_insert(1);
                *v += 1;
                let name = format!("智慧城管平台（第{v}版）");
                // (A revocation of the secretariat may have voided the meeting at the source.)
                source.meeting_event(&meeting_id(m)).ok().map(|_| {
                    (&c.sec, registered_as(&source, &meeting_id(m), &code(app), &name, kinds[kind % kinds.len()]))
                })
            }
            Op::Reopen { meeting, change } => {
                let m = meeting % plan.meetings;
                let (n, reserve, rubric) = reopened.entry(m).or_insert((0, false, false));
                *n += 1;
                match change {
                    1 => *reserve = true,
                    2 => *rubric = !*rubric,
                    _ => {}
                }
                let title = format!("评审会（第{n}次变更）");
                Some((&c.sec, opened_with(&c, &source, &meeting_id(m), &title, *reserve, *rubric)))
            }
            Op::Score { expert, meeting, app, total } => {
                let who = if expert >= plan.experts { &c.reserve } else { &c.experts[expert] };
                let (m, a) = (meeting_id(meeting % plan.meetings), code(app));
                source.basis(&m, &a).ok().map(|_| (who, score(&source, &m, &a, total)))
            }
            Op::Conflict { expert, meeting, app } => {
                let who = if expert >= plan.experts { &c.reserve } else { &c.experts[expert] };
                let (m, a) = (meeting_id(meeting % plan.meetings), code(app));
                source.basis(&m, &a).ok().map(|_| (who, conflict(&source, &m, &a)))
            }
            Op::Withdraw { expert, meeting, app } => {
                let standing: Vec<(&Identity, String, String)> = c
                    .experts
                    .iter()
                    .chain([&c.reserve])
                    .flat_map(|who| {
                        (0..plan.meetings).flat_map(move |m| (0..2).map(move |a| (who, meeting_id(m), code(a))))
                    })
                    .filter(|(who, m, a)| source.standing_conflict(m, a, &who.key_hex()).ok().flatten().is_some())
                    .collect();
                let pick = (expert * 4 + meeting * 2 + app) % standing.len().max(1);
                standing.get(pick).and_then(|(who, m, a)| {
                    let reason = Reason::parse("已核实与该项目无利害关系").unwrap();
                    source.conflict_withdrawal(m, a, &who.key_hex(), reason).ok().map(|b| (*who, b))
                })
            }
            Op::Decide { meeting, app, outcome } => {
                let (m, a) = (meeting_id(meeting % plan.meetings), code(app));
                let o = outcome.map(|o| outcomes[o]);
                source.basis(&m, &a).ok().and_then(|_| decision(&source, &c.chair, &m, &a, o)).map(|b| (&c.chair, b))
            }
            Op::Rival { meeting } => {
                let m = meeting_id(meeting % plan.meetings);
                let Body::MeetingOpened(mut body) = opened(&c, &rival_machine, &m, "外区评审会") else {
                    unreachable!()
                };
                body.secretariat = member(&c.rival);
                minute += 1;
                if let Ok(ev) = rival_machine.append_local(&c.rival, Body::MeetingOpened(body), at(minute)) {
                    source.import_events(std::slice::from_ref(&ev), at(minute)).unwrap();
                    events.push(ev);
                }
                None
            }
            Op::Clear { by, app } => {
                let by = if by % 2 == 0 { &c.sec } else { &c.sec2 };
                let history = source.rectification_history().unwrap();
                let named = history.orders.iter().find(|o| o.code == code(app)).map(|o| o.decision_event.clone());
                let clears = vec![named.unwrap_or_else(|| format!("{:064x}", app + 1))];
                let reason = "已完成整改并经现场复核".to_string();
                Some((by, Body::UnitCleared { unit: "鼓楼区城市管理局".into(), clears, reason }))
            }
            Op::Countersign { expert, meeting, app, dissent } => {
                let who = if expert >= plan.experts { &c.reserve } else { &c.experts[expert] };
                let (m, a) = (meeting_id(meeting % plan.meetings), code(app));
                source.application(&m, &a, &who.key_hex()).ok().and_then(|v| {
                    let decision = v.decision.filter(|d| !d.outdated)?.event_id;
                    let stance = if dissent {
                        Stance::Dissent { reason: "投资估算偏高，建议核减".into() }
                    } else {
                        Stance::Agree
                    };
                    Some((who, Body::Countersigned { meeting: m, code: a, decision, stance }))
                })
            }
            Op::CallVote { meeting, app } => {
                let (m, a) = (meeting_id(meeting % plan.meetings), code(app));
                source
                    .basis(&m, &a)
                    .ok()
                    .map(|basis| (&c.chair, Body::VoteCalled { meeting: m, code: a, basis, motion: Outcome::Pass }))
            }
            Op::Cast { expert, meeting, app, choice } => {
                let who = if expert >= plan.experts { &c.chair } else { &c.experts[expert] };
                let (m, a) = (meeting_id(meeting % plan.meetings), code(app));
                let choice = [Choice::For, Choice::Against, Choice::Abstain][choice % 3];
                source
                    .proceedings(&m, Some(&a))
                    .ok()
                    .and_then(|p| p.votes.last().map(|v| v.event.clone()))
                    .map(|call| (who, Body::VoteCast { meeting: m, code: a, call, choice, reason: String::new() }))
            }
            Op::Close { by, meeting, back } => {
                let m = meeting_id(meeting % plan.meetings);
                let who = if by % 2 == 0 { &c.chair } else { &c.sec };
                source.close_pins(&m, &who.key_hex()).ok().zip(source.meeting_event(&m).ok()).map(
                    |((heads, decisions), meeting_event)| {
                        let heads = heads
                            .into_iter()
                            .filter_map(|h| {
                                let expert = c.experts.iter().chain([&c.reserve]).any(|e| e.key_hex() == h.key);
                                let seq = if expert { h.seq.saturating_sub(back).max(1) } else { h.seq };
                                let event = events
                                    .iter()
                                    .find(|e| e.envelope.author == h.key && e.envelope.seq == seq)
                                    .map(|e| e.id.clone())?;
                                Some(Head { key: h.key, seq, event })
                            })
                            .collect();
                        (who, Body::MeetingClosed { meeting: m, meeting_event, heads, decisions })
                    },
                )
            }
            Op::Unseal { meeting } => {
                let m = meeting_id(meeting % plan.meetings);
                source.proceedings(&m, None).ok().and_then(|p| p.standing_close().map(|c| c.event.clone())).map(
                    |reopens| {
                        (
                            &c.sec,
                            Body::MeetingReopened {
                                meeting: m, reopens, reason: "补充签字确认后重新开启".into()
                            },
                        )
                    },
                )
            }
            Op::Revoke { by, who, back, huge } => {
                let by = if by % 2 == 0 { &c.sec } else { &c.sec2 };
                let target = everyone[who % everyone.len()];
                let signed = source.head(&target.key_hex()).unwrap().map_or(0, |(s, _)| s);
                let cutoff = if huge { MAX_SEQ } else { signed.saturating_sub(back) };
                let reason = format!("笔记本电脑遗失（截止 {cutoff}）");
                Some((by, Body::KeyRevoked { key: target.key_hex(), cutoff_seq: cutoff, reason }))
            }
        };
        if let Some((who, body)) = step {
            minute += 1;
            if let Ok(signed) = source.append_local(who, body, at(minute)) {
                events.push(signed);
            }
        }
    }
    History { cast: c, source, events }
}

/// SplitMix64: shuffles and picks from the case's seed, so a failing case reruns identically.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    pub fn shuffle<T>(&mut self, v: &mut [T]) {
        for i in (1..v.len()).rev() {
            let j = self.below(i + 1);
            v.swap(i, j);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// What is compared
// ---------------------------------------------------------------------------------------------

/// A store given `events` in the order they were signed: the reference a store that received
/// the same events in any other order must equal.
pub fn reference(c: &Cast, signed: &[SignedEvent], ids: &HashSet<String>) -> Store {
    let mut store = fresh(c);
    let chosen: Vec<SignedEvent> = signed.iter().filter(|e| ids.contains(&e.id)).cloned().collect();
    store.import_events(&chosen, at(0)).unwrap();
    store
}

/// The ids of every event a store holds, in any state.
pub fn held_ids(store: &Store) -> HashSet<String> {
    store.log(None).unwrap().entries.into_iter().map(|e| e.id).collect()
}

/// Delivers `batches` in turn to a store that trusts the secretariats, and checks after each
/// that its state equals the reference of what has arrived, then that everything signed, sent
/// again, changes nothing and brings it to the source's state. For the fuzz target; the
/// proptests check more (shuffles, repeats, bundle files).
pub fn check_deliveries(h: &History, batches: &[Vec<SignedEvent>]) -> Result<(), String> {
    let mut store = fresh(&h.cast);
    let mut arrived: HashSet<String> = HashSet::new();
    for (step, batch) in batches.iter().enumerate() {
        store.import_events(batch, at(1000)).map_err(|e| format!("batch {step}: {e}"))?;
        arrived.extend(batch.iter().map(|e| e.id.clone()));
        let want = reference(&h.cast, &h.events, &arrived).dump_state().map_err(|e| e.to_string())?;
        let got = store.dump_state().map_err(|e| e.to_string())?;
        if got != want {
            return Err(format!("after batch {step}: {}", diff(&got, &want)));
        }
    }
    store.import_events(&h.events, at(2000)).map_err(|e| e.to_string())?;
    let before = store.dump().map_err(|e| e.to_string())?;
    store.import_events(&h.events, at(3000)).map_err(|e| e.to_string())?;
    if store.dump().map_err(|e| e.to_string())? != before {
        return Err("importing everything a second time changed the store".into());
    }
    let (got, want) =
        (store.dump_state().map_err(|e| e.to_string())?, h.source.dump_state().map_err(|e| e.to_string())?);
    if got != want {
        return Err(format!("against the source: {}", diff(&got, &want)));
    }
    Ok(())
}
