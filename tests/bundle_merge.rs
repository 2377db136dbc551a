//! Merging bundles. However a meeting's events are split across bundles (USB sticks) and in
//! whatever order the bundles arrive, every machine ends with the same projections; importing
//! again changes nothing; an event that arrives before its meeting or application waits in
//! quarantine with its reason and is applied when the parent comes; a gap in an author's chain is
//! kept and shown.
//!
//! The properties build a random meeting history on a source store (a trusted secretariat opens
//! one or two meetings, re-titles them and registers and re-registers applications, three to
//! five experts score, rescore and declare conflicts, the chair decides), split its signed events
//! into random, possibly overlapping subsets, and deliver them in random orders to fresh stores
//! that trust only the secretariat: once as `Store::import_events` batches (shuffled within each
//! batch, every report checked against a model of quarantine, and key revocations mixed in),
//! once as real bundle files relayed by the secretariat.
//!
//! The tests at the end pin cases that once depended on arrival order: a score signed before
//! the same expert's conflict declaration, two revocations at one cut-off, and panels that change.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;
use reviewdesk::bundle::{self, BundleError, ExportFilter};
use reviewdesk::domain::{Application, ApplicationKind, Decision, Money, Outcome, Points, ScoreSheet};
use reviewdesk::ledger::suite::SecretKey;
use reviewdesk::ledger::{Body, Identity, MeetingOpened, Member, PanelMember, Role, SignedEvent, Suite};
use reviewdesk::store::{EventFilter, ImportReport, MyScore, Store, StoreError, ViewerRole};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::path::Path;

// ---------------------------------------------------------------------------------------------
// People, bodies and stores
// ---------------------------------------------------------------------------------------------

fn at(minutes: i64) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-12-08T09:00:00Z").unwrap().with_timezone(&Utc) + Duration::minutes(minutes)
}

/// An identity from a fixed seed, so that a shrunk case signs the same bytes when it is rerun.
fn person(name: &str, seed: u8) -> Identity {
    Identity::new(name, SecretKey::from_bytes(Suite::Ed25519Sha256, &[seed; 32]).unwrap())
}

fn member(id: &Identity) -> Member {
    Member { name: id.name.clone(), key: id.key_hex(), suite: Suite::Ed25519Sha256 }
}

const EXPERT_NAMES: [&str; 5] = ["李明", "张华", "陈静", "刘洋", "王芳"];

struct Cast {
    sec: Identity,
    chair: Identity,
    experts: Vec<Identity>,
}

fn cast(experts: usize) -> Cast {
    Cast {
        sec: person("信息化办", 1),
        chair: person("王建国", 2),
        experts: (0..experts).map(|i| person(EXPERT_NAMES[i], 10 + i as u8)).collect(),
    }
}

/// An empty store that trusts the secretariat and nobody else.
fn fresh(cast: &Cast) -> Store {
    let mut s = Store::open_in_memory().unwrap();
    s.trust_add(&cast.sec.public(), "2026-12-01").unwrap();
    s
}

fn opened(cast: &Cast, meeting: &str, title: &str) -> Body {
    let mut panel = vec![PanelMember {
        member: member(&cast.chair),
        role: Role::Chair,
        category: String::new(),
        unit: String::new(),
        replaces: None,
    }];
    panel.extend(cast.experts.iter().map(|e| PanelMember {
        member: member(e),
        role: Role::Expert,
        category: "技术".into(),
        unit: String::new(),
        replaces: None,
    }));
    Body::MeetingOpened(Box::new(MeetingOpened {
        id: meeting.into(),
        title: title.into(),
        date: NaiveDate::from_ymd_opt(2026, 12, 8).unwrap(),
        profile: reviewdesk::assets::profile("gulou-2021").unwrap(),
        rubrics: ApplicationKind::ALL.iter().map(|k| reviewdesk::assets::rubric(*k).unwrap()).collect(),
        secretariat: member(&cast.sec),
        panel,
        draw: None,
    }))
}

fn registered(meeting: &str, code: &str, name: &str) -> Body {
    Body::ApplicationRegistered {
        meeting: meeting.into(),
        application: Box::new(Application {
            code: code.into(),
            name: name.into(),
            unit: "鼓楼区城市管理局".into(),
            department: "鼓楼区城市管理局".into(),
            kind: ApplicationKind::Approval,
            nature: Default::default(),
            approved_total: None,
            requested_total: Some(Money::from_yuan(3_568_000)),
            plan_class: None,
            cross_department: false,
            joint_submission: false,
            supervision_firm: true,
            data_sharing_section: true,
            protection_level: None,
            construction_completed: None,
            trial_start: None,
            trial_end: None,
            acceptance_applied: None,
            documents: vec![],
        }),
    }
}

/// An approval sheet totalling `total` points, filled criterion by criterion.
fn sheet(total: u32) -> ScoreSheet {
    let rubric = reviewdesk::assets::rubric(ApplicationKind::Approval).unwrap();
    let mut left = total * 2;
    let mut s = ScoreSheet::default();
    for c in &rubric.criteria {
        let give = left.min(c.max.halves());
        left -= give;
        s.points.insert(c.id.clone(), Points::from_halves(give));
    }
    s
}

fn score(meeting: &str, code: &str, total: u32) -> Body {
    Body::ScoreSubmitted { meeting: meeting.into(), code: code.into(), sheet: sheet(total) }
}

fn conflict(meeting: &str, code: &str) -> Body {
    Body::ConflictDeclared {
        meeting: meeting.into(), code: code.into(), reason: "曾参与该项目可研编制".into()
    }
}

/// A decision that is valid whatever the numbers suggest (it always gives a reason).
fn decision(meeting: &str, code: &str, outcome: Outcome) -> Body {
    Body::DecisionRecorded {
        meeting: meeting.into(),
        code: code.into(),
        decision: Decision {
            outcome,
            suggested: Outcome::Pass,
            plan_class: None,
            rectification_deadline: None,
            conditions: String::new(),
            opinion: String::new(),
            override_reason: Some("专家组讨论后决定".into()),
        },
        based_on: vec![],
    }
}

/// The events a store would export under `filter`, read back and verified.
fn stored_events(store: &Store, filter: &EventFilter) -> Vec<SignedEvent> {
    let mut out = Vec::new();
    store
        .for_each_event(filter, |ev| {
            out.push(SignedEvent::verify(ev.bytes, ev.signature).expect("a stored event verifies"));
            Ok::<(), StoreError>(())
        })
        .unwrap();
    out
}

fn export(store: &Store, by: &Identity, events: EventFilter, path: &Path) -> bundle::ExportReport {
    bundle::export(store, by, &ExportFilter { events, no_blobs: false }, path, at(600)).unwrap()
}

fn import(store: &mut Store, path: &Path, minute: i64) -> Result<(bundle::BundleSummary, ImportReport), BundleError> {
    bundle::import(store, path, at(minute), false, &mut |_, _| {})
}

fn by_author(key: &str) -> EventFilter {
    EventFilter { meeting: None, author: Some(key.to_string()) }
}

fn of_meeting(id: &str) -> EventFilter {
    EventFilter { meeting: Some(id.to_string()), author: None }
}

/// The lines that differ between two dumps, shortened: a full dump embeds whole rubrics.
fn diff(left: &str, right: &str) -> String {
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
fn assert_same(left: &str, right: &str, what: &str) {
    assert!(left == right, "{what}: the dumps differ:{}", diff(left, right));
}

fn status_of(store: &Store, id: &str) -> (String, Option<String>) {
    let log = store.log(None).unwrap();
    let e = log.entries.iter().find(|e| e.id == id).expect("the event is in the log");
    (e.status.clone(), e.reason.as_ref().map(|r| format!("{} / {}", r.zh, r.en)))
}

// ---------------------------------------------------------------------------------------------
// A random meeting history
// ---------------------------------------------------------------------------------------------

#[derive(Clone, Debug)]
enum Op {
    /// Registers an application, or registers it again (a later version supersedes).
    Register {
        meeting: usize,
        app: usize,
    },
    /// Opens the meeting again with a new title and the same panel (supersedes).
    Retitle {
        meeting: usize,
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
    Decide {
        meeting: usize,
        app: usize,
        outcome: usize,
    },
    /// The secretariat revokes an expert's key (or the chair's, when `who` is past the experts),
    /// voiding the last `back` of their events. Only where `build` is told to.
    Revoke {
        who: usize,
        back: u64,
    },
}

#[derive(Clone, Debug)]
struct Plan {
    experts: usize,
    meetings: usize,
    ops: Vec<Op>,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => (0..2usize, 0..2usize).prop_map(|(meeting, app)| Op::Register { meeting, app }),
        1 => (0..2usize).prop_map(|meeting| Op::Retitle { meeting }),
        6 => (0..5usize, 0..2usize, 0..2usize, 0..=100u32)
            .prop_map(|(expert, meeting, app, total)| Op::Score { expert, meeting, app, total }),
        2 => (0..5usize, 0..2usize, 0..2usize).prop_map(|(expert, meeting, app)| Op::Conflict { expert, meeting, app }),
        2 => (0..2usize, 0..2usize, 0..2usize).prop_map(|(meeting, app, outcome)| Op::Decide { meeting, app, outcome }),
        1 => (0..6usize, 0..3u64).prop_map(|(who, back)| Op::Revoke { who, back }),
    ]
}

fn plan() -> impl Strategy<Value = Plan> {
    (3usize..=5, 1usize..=2, prop::collection::vec(op(), 1..32)).prop_map(|(experts, meetings, ops)| Plan {
        experts,
        meetings,
        ops,
    })
}

struct History {
    cast: Cast,
    source: Store,
    /// Every event, in the order it was signed (parents before children).
    events: Vec<SignedEvent>,
}

fn meeting_id(m: usize) -> String {
    format!("M{}", m + 1)
}

fn code(a: usize) -> String {
    format!("GL-{}", a + 1)
}

/// Signs the plan on a source store. Ops the store would refuse (a score for an application not
/// registered yet, a score after the expert's own conflict, anything by a revoked key) are left
/// out. A conflict on an application the expert has already scored is left out too unless
/// `conflict_after_score`: see `a_score_made_before_the_experts_conflict_survives_any_arrival_order`.
/// Revocations are left out unless `revocations`: a relay store keeps the events a revocation
/// voids but does not export them, so bundle contents would no longer be the split's subsets.
fn build(plan: &Plan, conflict_after_score: bool, revocations: bool) -> History {
    let cast = cast(plan.experts);
    let mut source = fresh(&cast);
    let mut events = Vec::new();
    let mut minute = 0;
    let mut versions: HashMap<(usize, usize), u32> = HashMap::new();
    for m in 0..plan.meetings {
        minute += 2;
        events.push(source.append_local(&cast.sec, opened(&cast, &meeting_id(m), "评审会"), at(minute - 1)).unwrap());
        let first = registered(&meeting_id(m), &code(0), "智慧城管平台（第1版）");
        events.push(source.append_local(&cast.sec, first, at(minute)).unwrap());
        versions.insert((m, 0), 1);
    }
    let mut titles: HashMap<usize, u32> = HashMap::new();
    let mut scored: HashSet<(usize, usize, usize)> = HashSet::new();
    let mut recused: HashSet<(usize, usize, usize)> = HashSet::new();
    // Events signed so far by each expert (by index; the chair is index `plan.experts`).
    let mut signed: HashMap<usize, u64> = HashMap::new();
    // Cut-offs each key was revoked at. A second revocation of a key at a cut-off it already has
    // is left out: see `two_revocations_at_one_cutoff_project_the_same_in_any_order`.
    let mut revoked: HashMap<usize, Vec<u64>> = HashMap::new();
    let chair = plan.experts;
    for op in &plan.ops {
        let who = match *op {
            Op::Score { expert, .. } | Op::Conflict { expert, .. } => Some(expert % plan.experts),
            Op::Decide { .. } => Some(chair),
            _ => None,
        };
        if who.is_some_and(|w| revoked.contains_key(&w)) {
            continue;
        }
        let step: Option<(&Identity, Body)> = match *op {
            Op::Register { meeting, app } => {
                let m = meeting % plan.meetings;
                let v = versions.entry((m, app)).or_insert(0);
                *v += 1;
                Some((&cast.sec, registered(&meeting_id(m), &code(app), &format!("智慧城管平台（第{v}版）"))))
            }
            Op::Retitle { meeting } => {
                let m = meeting % plan.meetings;
                let t = titles.entry(m).or_insert(0);
                *t += 1;
                Some((&cast.sec, opened(&cast, &meeting_id(m), &format!("评审会（第{t}次修订）"))))
            }
            Op::Score { expert, meeting, app, total } => {
                let (e, m) = (expert % plan.experts, meeting % plan.meetings);
                (versions.contains_key(&(m, app)) && !recused.contains(&(e, m, app))).then(|| {
                    scored.insert((e, m, app));
                    (&cast.experts[e], score(&meeting_id(m), &code(app), total))
                })
            }
            Op::Conflict { expert, meeting, app } => {
                let (e, m) = (expert % plan.experts, meeting % plan.meetings);
                let allowed = conflict_after_score || !scored.contains(&(e, m, app));
                (versions.contains_key(&(m, app)) && allowed).then(|| {
                    recused.insert((e, m, app));
                    (&cast.experts[e], conflict(&meeting_id(m), &code(app)))
                })
            }
            Op::Decide { meeting, app, outcome } => {
                let m = meeting % plan.meetings;
                let outcome = [Outcome::Pass, Outcome::PassAfterRevision, Outcome::Fail][outcome % 3];
                versions.contains_key(&(m, app)).then(|| (&cast.chair, decision(&meeting_id(m), &code(app), outcome)))
            }
            Op::Revoke { who, back } => {
                let w = who % (plan.experts + 1);
                let cutoff = signed.get(&w).copied().unwrap_or(0).saturating_sub(back);
                let known = revoked.get(&w).is_some_and(|c| c.contains(&cutoff));
                (revocations && !known).then(|| {
                    let cutoffs = revoked.entry(w).or_default();
                    cutoffs.push(cutoff);
                    let key = if w == chair { &cast.chair } else { &cast.experts[w] };
                    let reason = format!("笔记本电脑遗失（第{}次通知）", cutoffs.len());
                    (&cast.sec, Body::KeyRevoked { key: key.key_hex(), cutoff_seq: cutoff, reason })
                })
            }
        };
        if let Some(w) = who
            && step.is_some()
        {
            *signed.entry(w).or_insert(0) += 1;
        }
        if let Some((who, body)) = step {
            minute += 1;
            let signed =
                source.append_local(who, body, at(minute)).expect("every planned event is valid at the source");
            events.push(signed);
        }
    }
    History { cast, source, events }
}

// ---------------------------------------------------------------------------------------------
// Splitting into bundles, delivery orders
// ---------------------------------------------------------------------------------------------

#[derive(Clone, Debug)]
struct Split {
    /// How many bundles.
    k: usize,
    /// Event i goes to the bundles whose bits are set in a mask derived from `masks[i]`
    /// (never zero, so every event is in at least one bundle).
    masks: Vec<u32>,
    /// Delivery orders of the bundles, each a permutation of 0..k.
    orders: Vec<Vec<usize>>,
    /// Drives shuffles within a batch and the choice of what to import again.
    seed: u64,
}

fn split(max_bundles: usize, orders: std::ops::RangeInclusive<usize>) -> impl Strategy<Value = Split> {
    (1..=max_bundles)
        .prop_flat_map(move |k| {
            let order = Just((0..k).collect::<Vec<usize>>()).prop_shuffle();
            (
                Just(k),
                prop::collection::vec(any::<u32>(), 40),
                prop::collection::vec(order, orders.clone()),
                any::<u64>(),
            )
        })
        .prop_map(|(k, masks, orders, seed)| Split { k, masks, orders, seed })
}

impl Split {
    /// The bundles' events, each in source order.
    fn bundles(&self, events: &[SignedEvent]) -> Vec<Vec<SignedEvent>> {
        let mut out = vec![Vec::new(); self.k];
        for (i, ev) in events.iter().enumerate() {
            let mask = self.masks[i % self.masks.len()] % ((1u32 << self.k) - 1) + 1;
            for (b, bundle) in out.iter_mut().enumerate() {
                if mask & (1 << b) != 0 {
                    bundle.push(ev.clone());
                }
            }
        }
        out
    }
}

/// SplitMix64: shuffles and picks from the case's seed, so a failing case reruns identically.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn shuffle<T>(&mut self, v: &mut [T]) {
        for i in (1..v.len()).rev() {
            let j = self.below(i + 1);
            v.swap(i, j);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// A model of what an import should report
// ---------------------------------------------------------------------------------------------

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Why {
    /// Held: its meeting has not arrived.
    Meeting,
    /// Held: its application is not registered.
    Application,
    /// Rejected: its author's key was revoked before it.
    Revoked,
}

/// Which events a store keeps (applied or held), which of them
/// wait, which meetings and applications exist, and the revocation cut-offs.
#[derive(Default)]
struct Model {
    /// id -> (author, seq) of every row of the events table.
    rows: HashMap<String, (String, u64)>,
    held: Vec<SignedEvent>,
    meetings: HashSet<String>,
    apps: HashSet<(String, String)>,
    cutoffs: HashMap<String, u64>,
}

#[derive(Debug, Default)]
struct Expected {
    new: usize,
    duplicate: usize,
    quarantined: usize,
    rejected: usize,
    released: usize,
    still_held: usize,
    /// (event id, why) of every refusal, sorted.
    refusals: Vec<(String, Why)>,
}

impl Model {
    fn waits(&self, ev: &SignedEvent) -> Option<Why> {
        let body = &ev.envelope.body;
        if matches!(body, Body::MeetingOpened(_)) {
            return None;
        }
        let meeting = body.meeting()?;
        if !self.meetings.contains(meeting) {
            return Some(Why::Meeting);
        }
        match body {
            Body::ApplicationRegistered { .. } => None,
            _ => {
                let app = (meeting.to_string(), body.application()?.to_string());
                (!self.apps.contains(&app)).then_some(Why::Application)
            }
        }
    }

    fn apply(&mut self, ev: &SignedEvent) {
        match &ev.envelope.body {
            Body::MeetingOpened(m) => {
                self.meetings.insert(m.id.clone());
            }
            Body::ApplicationRegistered { meeting, application } => {
                self.apps.insert((meeting.clone(), application.code.clone()));
            }
            Body::KeyRevoked { key, cutoff_seq, .. } => {
                let c = self.cutoffs.entry(key.clone()).or_insert(*cutoff_seq);
                *c = (*c).min(*cutoff_seq);
                // Applied events past the cut-off leave the log; held ones wait to be rejected.
                let cut = *c;
                let held: HashSet<String> = self.held.iter().map(|e| e.id.clone()).collect();
                self.rows.retain(|id, (author, seq)| !(author == key && *seq > cut && !held.contains(id)));
            }
            _ => {}
        }
    }

    fn revoked(&self, ev: &SignedEvent) -> bool {
        self.cutoffs.get(&ev.envelope.author).is_some_and(|c| ev.envelope.seq > *c)
    }

    /// Offers a batch in order, then releases whatever it made applicable, as one import does.
    fn offer<'a>(&mut self, batch: impl IntoIterator<Item = &'a SignedEvent>) -> Expected {
        let mut x = Expected::default();
        for ev in batch {
            if self.rows.contains_key(&ev.id) {
                x.duplicate += 1;
            } else if self.revoked(ev) {
                // Reported, not kept: offered again, it is rejected again.
                x.rejected += 1;
                x.refusals.push((ev.id.clone(), Why::Revoked));
            } else {
                self.rows.insert(ev.id.clone(), (ev.envelope.author.clone(), ev.envelope.seq));
                match self.waits(ev) {
                    None => {
                        x.new += 1;
                        self.apply(ev);
                    }
                    Some(w) => {
                        x.quarantined += 1;
                        x.refusals.push((ev.id.clone(), w));
                        self.held.push(ev.clone());
                    }
                }
            }
        }
        // Held events: released when their parent is there, dropped when their key is revoked.
        loop {
            if let Some(i) = self.held.iter().position(|e| self.revoked(e)) {
                let ev = self.held.remove(i);
                self.rows.remove(&ev.id);
                x.rejected += 1;
                x.refusals.push((ev.id.clone(), Why::Revoked));
            } else if let Some(i) = self.held.iter().position(|e| self.waits(e).is_none()) {
                let ev = self.held.remove(i);
                self.apply(&ev);
                x.released += 1;
            } else {
                break;
            }
        }
        x.refusals.sort();
        x.still_held = self.held.len();
        x
    }
}

/// What a refusal's text says, in both languages; None when it says something else.
fn why(reason: &reviewdesk::domain::Text) -> Option<Why> {
    let (zh, en) = (reason.zh.as_str(), reason.en.as_str());
    if en.contains("has not arrived yet") && zh.contains("尚未收到") {
        Some(Why::Meeting)
    } else if en.contains("is not registered yet") && zh.contains("尚未登记") {
        Some(Why::Application)
    } else if en.contains("revoked after seq") && zh.contains("吊销") {
        Some(Why::Revoked)
    } else {
        None
    }
}

/// The report of an import whose batch order is known: every count, and every reason.
fn check_report(r: &ImportReport, x: &Expected) -> Result<(), TestCaseError> {
    prop_assert_eq!(
        (r.new, r.duplicate, r.quarantined, r.rejected, r.released, r.still_held),
        (x.new, x.duplicate, x.quarantined, x.rejected, x.released, x.still_held),
        "(new, duplicate, quarantined, rejected, released, still_held); report {:?}",
        r
    );
    prop_assert!(r.forked_keys.is_empty(), "no forks: {:?}", r.forked_keys);
    let mut got = Vec::new();
    for (id, reason) in &r.refusals {
        let w = why(reason);
        prop_assert!(w.is_some(), "unexpected refusal of {}: {:?}", id, reason);
        got.push((id.clone(), w.unwrap_or(Why::Meeting)));
    }
    got.sort();
    prop_assert_eq!(got, x.refusals.clone(), "refusals; report {:?}", r);
    Ok(())
}

/// The report of a bundle import, whose order within the bundle is the exporter's: the counts
/// that do not depend on that order.
fn check_bundle_report(r: &ImportReport, x: &Expected) -> Result<(), TestCaseError> {
    prop_assert_eq!(r.duplicate, x.duplicate, "duplicates; report {:?}", r);
    prop_assert_eq!(r.new + r.quarantined, x.new + x.quarantined, "events new to the store; report {:?}", r);
    prop_assert_eq!(r.new + r.released, x.new + x.released, "events applied by this import; report {:?}", r);
    prop_assert_eq!((r.rejected, r.still_held), (x.rejected, x.still_held), "(rejected, still held); report {:?}", r);
    prop_assert!(r.forked_keys.is_empty(), "no forks: {:?}", r.forked_keys);
    Ok(())
}

/// Inclusive ranges of the seqs missing from 1 to the highest (as `Store::log` shows a chain).
fn gaps_from_one(seqs: &BTreeSet<u64>) -> Vec<(u64, u64)> {
    let mut gaps = Vec::new();
    let mut expected = 1;
    for s in seqs {
        if *s > expected {
            gaps.push((expected, s - 1));
        }
        expected = s + 1;
    }
    gaps
}

fn seqs_by_author<'a>(events: impl IntoIterator<Item = &'a SignedEvent>) -> BTreeMap<String, BTreeSet<u64>> {
    let mut out: BTreeMap<String, BTreeSet<u64>> = BTreeMap::new();
    for e in events {
        out.entry(e.envelope.author.clone()).or_default().insert(e.envelope.seq);
    }
    out
}

/// `Store::log` shows every author's chain with exactly the gaps the kept events leave.
fn check_chains(store: &Store, model: &Model) -> Result<(), TestCaseError> {
    let mut want: BTreeMap<String, BTreeSet<u64>> = BTreeMap::new();
    for (author, seq) in model.rows.values() {
        want.entry(author.clone()).or_default().insert(*seq);
    }
    let log = store.log(None).unwrap();
    prop_assert_eq!(log.chains.len(), want.len());
    for c in &log.chains {
        let seqs = &want[&c.author];
        prop_assert_eq!(&c.gaps, &gaps_from_one(seqs), "gaps of {}", c.name);
        prop_assert!(c.forks.is_empty());
        prop_assert_eq!(c.events, seqs.len());
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// The properties
// ---------------------------------------------------------------------------------------------

/// Delivers the split as `import_events` batches, each shuffled, in every order of the split.
fn converge_by_batches(h: &History, split: &Split) -> Result<(), TestCaseError> {
    let bundles = split.bundles(&h.events);
    let source = h.source.dump_projections().unwrap();
    let mut rng = Rng(split.seed);
    for (o, order) in split.orders.iter().enumerate() {
        let first = o == 0;
        let mut store = fresh(&h.cast);
        let mut model = Model::default();
        let mut arrived_ids: HashSet<String> = HashSet::new();
        for (step, &b) in order.iter().enumerate() {
            let mut batch = bundles[b].clone();
            rng.shuffle(&mut batch);
            let expected = model.offer(&batch);
            let report = store.import_events(&batch, at(1000 + step as i64)).unwrap();
            check_report(&report, &expected)?;
            arrived_ids.extend(batch.iter().map(|e| e.id.clone()));
            let arrived: Vec<SignedEvent> = h.events.iter().filter(|e| arrived_ids.contains(&e.id)).cloned().collect();

            // The state depends only on which events have arrived, not on how or in what order.
            let mut reference = fresh(&h.cast);
            reference.import_events(&arrived, at(0)).unwrap();
            let (got, want) = (store.dump_projections().unwrap(), reference.dump_projections().unwrap());
            prop_assert!(got == want, "after bundles {:?}: {}", &order[..=step], diff(&got, &want));
            // (Not the rejected count: an event a revocation voids stays as a row only if it
            // came before the revocation.)
            let (got, want) = (store.event_counts().unwrap(), reference.event_counts().unwrap());
            for status in ["applied", "quarantined"] {
                prop_assert_eq!(got.get(status), want.get(status), "{} events", status);
            }
            check_chains(&store, &model)?;

            // Importing any subset of what arrived again changes nothing. (Checked after every
            // step of the first order and after the last of the others: full dumps are slow.)
            if !(first || step + 1 == order.len()) {
                continue;
            }
            let mut again: Vec<SignedEvent> =
                arrived.iter().filter(|_| rng.next().is_multiple_of(2)).cloned().collect();
            rng.shuffle(&mut again);
            let before = store.dump().unwrap();
            let r = store.import_events(&again, at(2000)).unwrap();
            let x = model.offer(&again);
            prop_assert_eq!((x.new, x.quarantined, x.released, x.still_held), (0, 0, 0, expected.still_held));
            check_report(&r, &x)?;
            let after = store.dump().unwrap();
            prop_assert!(before == after, "importing again changed the store: {}", diff(&before, &after));
        }
        prop_assert!(model.held.is_empty());
        let got = store.dump_projections().unwrap();
        prop_assert!(got == source, "order {:?} against the source: {}", order, diff(&got, &source));
    }
    Ok(())
}

/// Writes each subset as a real bundle (a relay store holding exactly that subset, exported by
/// the secretariat), then imports the files in every order of the split.
fn converge_by_bundle_files(h: &History, split: &Split) -> Result<(), TestCaseError> {
    let dir = tempfile::tempdir().unwrap();
    let subsets = split.bundles(&h.events);
    let mut files = Vec::new();
    for (i, subset) in subsets.iter().enumerate() {
        let mut relay = fresh(&h.cast);
        relay.import_events(subset, at(500)).unwrap();
        let path = dir.path().join(format!("part-{i}.rdbundle"));
        let written = export(&relay, &h.cast.sec, EventFilter::default(), &path);
        prop_assert_eq!(written.events, subset.len());
        // The bundle shows each author's range and the gaps in it.
        let summary = bundle::inspect(&path).unwrap();
        prop_assert_eq!(summary.events, subset.len());
        let want = seqs_by_author(subset);
        prop_assert_eq!(summary.authors.len(), want.len());
        for a in &summary.authors {
            let seqs: Vec<u64> = want[&a.key].iter().copied().collect();
            let gaps: Vec<(u64, u64)> =
                seqs.windows(2).filter(|w| w[1] > w[0] + 1).map(|w| (w[0] + 1, w[1] - 1)).collect();
            prop_assert_eq!(
                (a.first_seq, a.last_seq, a.count, &a.gaps),
                (seqs[0], seqs[seqs.len() - 1], seqs.len(), &gaps),
                "author {} in bundle {}",
                &a.name,
                i
            );
            prop_assert!(a.forks.is_empty());
        }
        files.push(path);
    }
    let source = h.source.dump_projections().unwrap();
    let mut rng = Rng(split.seed);
    for order in &split.orders {
        let mut store = fresh(&h.cast);
        let mut model = Model::default();
        // Verifying signatures is slow in a debug build: one dry run and one repeat per order.
        let (dry_step, again_step) = (rng.below(order.len()), rng.below(order.len()));
        for (step, &b) in order.iter().enumerate() {
            let expected = model.offer(&subsets[b]);
            let dry = if step == dry_step {
                let before = store.dump().unwrap();
                let (_, dry) = bundle::import(&mut store, &files[b], at(1000), true, &mut |_, _| {}).unwrap();
                prop_assert!(before == store.dump().unwrap(), "a dry run changed the store");
                Some(dry)
            } else {
                None
            };
            let (_, report) = import(&mut store, &files[b], 1000).unwrap();
            check_bundle_report(&report, &expected)?;
            if let Some(dry) = dry {
                prop_assert_eq!(&dry, &report, "the dry run predicts the import");
            }
            if step != again_step {
                continue;
            }

            // Importing a bundle that already arrived changes nothing.
            let earlier = order[rng.below(step + 1)];
            let before = store.dump().unwrap();
            let (_, r) = import(&mut store, &files[earlier], 2000).unwrap();
            prop_assert_eq!(
                (r.new, r.duplicate, r.quarantined, r.rejected, r.released, r.still_held),
                (0, subsets[earlier].len(), 0, 0, 0, expected.still_held),
                "importing bundle {} again; report {:?}",
                earlier,
                r
            );
            let after = store.dump().unwrap();
            prop_assert!(before == after, "importing again changed the store: {}", diff(&before, &after));
        }
        let got = store.dump_projections().unwrap();
        prop_assert!(got == source, "order {:?} against the source: {}", order, diff(&got, &source));
        prop_assert_eq!(store.event_counts().unwrap(), h.source.event_counts().unwrap());
    }
    Ok(())
}

/// A modest number of cases unless `PROPTEST_CASES` asks for more, and no regression file: a
/// failing case is printed, shrunk.
fn config(cases: u32) -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES").ok().and_then(|n| n.parse().ok()).unwrap_or(cases);
    ProptestConfig { cases, failure_persistence: None, max_shrink_iters: 1024, ..ProptestConfig::default() }
}

proptest! {
    // Fewer cases: every bundle import verifies every signature, which is slow in a debug build.
    #![proptest_config(config(12))]

    #[test]
    fn bundle_files_relayed_by_the_secretariat_converge_in_any_order(plan in plan(), split in split(4, 2..=2)) {
        let h = build(&plan, false, false);
        converge_by_bundle_files(&h, &split)?;
    }
}

proptest! {
    #![proptest_config(config(24))]

    #[test]
    fn any_split_in_any_order_converges_to_the_source(plan in plan(), split in split(5, 2..=3)) {
        let h = build(&plan, false, true);
        // The events a full export would carry: every event signed but those a revocation voids.
        let exported: BTreeSet<String> =
            stored_events(&h.source, &EventFilter::default()).into_iter().map(|e| e.id).collect();
        let mut model = Model::default();
        model.offer(&h.events);
        let kept: BTreeSet<String> =
            h.events.iter().filter(|e| !model.revoked(e)).map(|e| e.id.clone()).collect();
        prop_assert_eq!(exported, kept);
        converge_by_batches(&h, &split)?;
    }

    /// The same property with conflicts declared after scoring. Shrunk case: experts 3, meetings
    /// 1, ops [Score { expert: 4, app: 0, total: 0 }, Conflict { expert: 1, app: 0 }] (both 张华,
    /// after the built-in opening of M1 and registration of GL-1), one batch of all four events,
    /// shuffled so the score comes before the meeting: it is held, the conflict is applied, and
    /// on release the score is rejected ("declared a conflict on GL-1") and deleted.
    #[test]
    fn any_order_converges_even_with_conflicts_declared_after_scoring(plan in plan(), split in split(3, 2..=2)) {
        let h = build(&plan, true, false);
        converge_by_batches(&h, &split)?;
    }
}

// ---------------------------------------------------------------------------------------------
// The journey: experts' bundles relayed by the secretariat to the chair
// ---------------------------------------------------------------------------------------------

#[test]
fn the_secretariat_relays_expert_bundles_to_a_chair_who_trusts_only_the_secretariat() {
    let dir = tempfile::tempdir().unwrap();
    let c = cast(3);
    let mut sec_home = fresh(&c);
    sec_home.append_local(&c.sec, opened(&c, "M1", "鼓楼区2026年第四次评审会"), at(1)).unwrap();
    sec_home.append_local(&c.sec, registered("M1", "GL-1", "区智慧城管综合平台"), at(2)).unwrap();
    sec_home.append_local(&c.sec, registered("M1", "GL-2", "区一网通办平台"), at(3)).unwrap();
    let meeting_bundle = dir.path().join("meeting.rdbundle");
    assert_eq!(export(&sec_home, &c.sec, of_meeting("M1"), &meeting_bundle).events, 3);

    // Each expert on their own machine: import the meeting, score, export their own events.
    let mut expert_bundles = Vec::new();
    for (i, e) in c.experts.iter().enumerate() {
        let mut home = fresh(&c);
        let (_, r) = import(&mut home, &meeting_bundle, 10).unwrap();
        assert_eq!((r.new, r.quarantined, r.rejected), (3, 0, 0));
        home.append_local(e, score("M1", "GL-1", 60 + 10 * i as u32), at(20)).unwrap();
        if i == 2 {
            home.append_local(e, conflict("M1", "GL-2"), at(21)).unwrap();
        } else {
            home.append_local(e, score("M1", "GL-2", 70 + 5 * i as u32), at(21)).unwrap();
        }
        if i == 0 {
            home.append_local(e, score("M1", "GL-1", 88), at(22)).unwrap(); // supersedes the 60
        }
        let path = dir.path().join(format!("scores-{}.rdbundle", e.name));
        let written = export(&home, e, by_author(&e.key_hex()), &path);
        assert_eq!(written.events, if i == 0 { 3 } else { 2 });
        let summary = bundle::inspect(&path).unwrap();
        assert_eq!(summary.exporter.key, e.key_hex());
        assert_eq!(summary.authors.iter().map(|a| a.key.clone()).collect::<Vec<_>>(), [e.key_hex()]);
        assert!(summary.meetings.is_empty(), "a score bundle does not carry the meeting");
        expert_bundles.push(path);
    }

    // The secretariat takes in every expert's bundle: the exporters are panel members it knows.
    for path in &expert_bundles {
        let (summary, r) = import(&mut sec_home, path, 30).unwrap();
        assert_eq!((r.new, r.duplicate, r.quarantined, r.rejected, r.still_held), (summary.events, 0, 0, 0, 0));
    }
    let relay = dir.path().join("relay.rdbundle");
    let written = export(&sec_home, &c.sec, of_meeting("M1"), &relay);
    assert_eq!(written.events, 3 + 3 + 2 + 2);
    let summary = bundle::inspect(&relay).unwrap();
    assert_eq!(summary.exporter.key, c.sec.key_hex(), "the secretariat signs the relay");
    assert_eq!(summary.authors.len(), 4, "it carries the experts' own signed events");
    assert!(summary.authors.iter().all(|a| a.gaps.is_empty() && a.forks.is_empty()));

    // The chair trusts only the secretariat, and accepts everything it relays.
    let mut chair_home = fresh(&c);
    let (_, r) = import(&mut chair_home, &relay, 40).unwrap();
    assert_eq!((r.new, r.duplicate, r.quarantined, r.rejected, r.still_held), (10, 0, 0, 0, 0), "{r:?}");
    let q = chair_home.queue("M1", &c.chair.key_hex()).unwrap();
    assert_eq!(q.viewer, ViewerRole::Chair);
    let gl1 = q.rows.iter().find(|r| r.code == "GL-1").unwrap();
    let gl2 = q.rows.iter().find(|r| r.code == "GL-2").unwrap();
    assert!(!gl1.blind && !gl2.blind, "the chair sees every score");
    assert_eq!((gl1.scored, gl1.eligible, gl1.aggregate.as_ref().map(|a| a.n)), (3, 3, Some(3)));
    assert_eq!((gl2.scored, gl2.eligible, gl2.aggregate.as_ref().map(|a| a.n)), (2, 2, Some(2)), "陈静 is recused");
    let totals: Vec<Option<Points>> =
        chair_home.application("M1", "GL-1", &c.chair.key_hex()).unwrap().experts.iter().map(|x| x.total).collect();
    assert_eq!(totals, [Some(Points::whole(88)), Some(Points::whole(70)), Some(Points::whole(80))]);
    assert_same(
        &chair_home.dump_projections().unwrap(),
        &sec_home.dump_projections().unwrap(),
        "chair against secretariat",
    );

    // An expert who imports the relay sees the others' scores, having submitted their own.
    let mut home = fresh(&c);
    import(&mut home, &meeting_bundle, 10).unwrap();
    let (_, r) = import(&mut home, &relay, 50).unwrap();
    assert_eq!((r.new, r.duplicate), (7, 3));
    let q = home.queue("M1", &c.experts[1].key_hex()).unwrap();
    let gl1 = q.rows.iter().find(|r| r.code == "GL-1").unwrap();
    assert_eq!(gl1.my_score, MyScore::Submitted { total: Points::whole(70) });
    assert!(!gl1.blind && gl1.aggregate.is_some());
}

#[test]
fn an_older_bundle_imported_after_a_newer_one_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let c = cast(3);
    let mut sec_home = fresh(&c);
    sec_home.append_local(&c.sec, opened(&c, "M1", "评审会"), at(1)).unwrap();
    sec_home.append_local(&c.sec, registered("M1", "GL-1", "区智慧城管综合平台"), at(2)).unwrap();
    sec_home.append_local(&c.experts[0], score("M1", "GL-1", 70), at(3)).unwrap();
    sec_home.append_local(&c.experts[1], score("M1", "GL-1", 75), at(4)).unwrap();
    let monday = dir.path().join("monday.rdbundle");
    assert_eq!(export(&sec_home, &c.sec, EventFilter::default(), &monday).events, 4);

    // Later: a rescore, a corrected registration, a decision.
    sec_home.append_local(&c.experts[0], score("M1", "GL-1", 85), at(10)).unwrap();
    sec_home.append_local(&c.sec, registered("M1", "GL-1", "区智慧城管综合平台（二期）"), at(11)).unwrap();
    sec_home.append_local(&c.chair, decision("M1", "GL-1", Outcome::PassAfterRevision), at(12)).unwrap();
    let tuesday = dir.path().join("tuesday.rdbundle");
    assert_eq!(export(&sec_home, &c.sec, EventFilter::default(), &tuesday).events, 7);

    let mut newer_first = fresh(&c);
    let (_, r) = import(&mut newer_first, &tuesday, 20).unwrap();
    assert_eq!((r.new, r.quarantined, r.rejected), (7, 0, 0));
    let before = newer_first.dump().unwrap();
    let (_, r) = import(&mut newer_first, &monday, 21).unwrap();
    assert_eq!((r.new, r.duplicate, r.quarantined, r.rejected, r.released, r.still_held), (0, 4, 0, 0, 0, 0));
    assert_same(&newer_first.dump().unwrap(), &before, "the older bundle after the newer");

    let v = newer_first.application("M1", "GL-1", &c.chair.key_hex()).unwrap();
    assert_eq!(v.application.name, "区智慧城管综合平台（二期）", "the later registration holds");
    assert_eq!(v.experts[0].total, Some(Points::whole(85)), "the later score holds");
    assert!(v.decision.is_some());

    let mut in_order = fresh(&c);
    import(&mut in_order, &monday, 20).unwrap();
    let (_, r) = import(&mut in_order, &tuesday, 21).unwrap();
    assert_eq!((r.new, r.duplicate), (3, 4));
    assert_same(&in_order.dump_projections().unwrap(), &newer_first.dump_projections().unwrap(), "either order");
    assert_same(&in_order.dump_projections().unwrap(), &sec_home.dump_projections().unwrap(), "against the source");
}

#[test]
fn a_gap_in_a_chain_is_kept_and_shown_then_filled() {
    let dir = tempfile::tempdir().unwrap();
    let c = cast(3);
    let mut src = fresh(&c);
    let mut events = vec![
        src.append_local(&c.sec, opened(&c, "M1", "评审会"), at(1)).unwrap(),
        src.append_local(&c.sec, registered("M1", "GL-1", "区智慧城管综合平台"), at(2)).unwrap(),
    ];
    for (i, total) in [60, 70, 80].into_iter().enumerate() {
        events.push(src.append_local(&c.experts[0], score("M1", "GL-1", total), at(3 + i as i64)).unwrap());
    }
    events.push(src.append_local(&c.experts[1], score("M1", "GL-1", 75), at(9)).unwrap());
    let lost = events[3].clone(); // 李明's seq 2
    assert_eq!(lost.envelope.seq, 2);

    // A bundle without seq 2: a relay that never received it exports what it has.
    let mut relay = fresh(&c);
    let without: Vec<SignedEvent> = events.iter().filter(|e| e.id != lost.id).cloned().collect();
    relay.import_events(&without, at(10)).unwrap();
    let gap_bundle = dir.path().join("gap.rdbundle");
    assert_eq!(export(&relay, &c.sec, EventFilter::default(), &gap_bundle).events, 5);
    let summary = bundle::inspect(&gap_bundle).unwrap();
    let li = summary.authors.iter().find(|a| a.key == c.experts[0].key_hex()).unwrap();
    assert_eq!((li.first_seq, li.last_seq, li.count, li.gaps.clone()), (1, 3, 2, vec![(2, 2)]));
    assert_eq!(li.name, "李明", "named from the meeting's panel");
    assert!(summary.authors.iter().filter(|a| a.key != li.key).all(|a| a.gaps.is_empty()));

    let mut store = fresh(&c);
    let (_, r) = import(&mut store, &gap_bundle, 20).unwrap();
    assert_eq!((r.new, r.quarantined, r.rejected, r.still_held), (5, 0, 0, 0), "the events past the gap are kept");
    let chain = |store: &Store| store.log(None).unwrap().chains.into_iter().find(|ch| ch.author == li.key).unwrap();
    let shown = chain(&store);
    assert_eq!((shown.events, shown.first_seq, shown.last_seq, shown.gaps), (2, 1, 3, vec![(2, 2)]));
    assert!(shown.forks.is_empty());
    let v = store.application("M1", "GL-1", &c.chair.key_hex()).unwrap();
    assert_eq!(v.experts[0].total, Some(Points::whole(80)), "seq 3 is the latest score");

    // The full log arrives: the gap closes, the missing seq fits its neighbours (no fork), and
    // the older score does not displace the newer.
    let full = dir.path().join("full.rdbundle");
    export(&src, &c.sec, EventFilter::default(), &full);
    let (_, r) = import(&mut store, &full, 30).unwrap();
    assert_eq!((r.new, r.duplicate, r.quarantined, r.rejected), (1, 5, 0, 0));
    assert!(r.forked_keys.is_empty());
    assert!(chain(&store).gaps.is_empty());
    assert_eq!(status_of(&store, &lost.id), ("applied".to_string(), None));
    assert_same(&store.dump_projections().unwrap(), &src.dump_projections().unwrap(), "after the gap closes");

    // A chain that starts late shows the missing start.
    let mut late = fresh(&c);
    let from_two: Vec<SignedEvent> = events.iter().filter(|e| e.id != events[2].id).cloned().collect();
    late.import_events(&from_two, at(40)).unwrap();
    assert_eq!(chain(&late).gaps, vec![(1, 1)]);
}

#[test]
fn a_score_that_arrives_before_its_meeting_is_held_then_applied() {
    let dir = tempfile::tempdir().unwrap();
    let c = cast(3);
    let mut sec_home = fresh(&c);
    sec_home.append_local(&c.sec, opened(&c, "M1", "评审会"), at(1)).unwrap();
    sec_home.append_local(&c.sec, registered("M1", "GL-1", "区智慧城管综合平台"), at(2)).unwrap();
    let held = sec_home.append_local(&c.experts[0], score("M1", "GL-1", 70), at(3)).unwrap();

    // Straight from the expert, to a machine that has never heard of the meeting: refused whole.
    let from_expert = dir.path().join("li-ming.rdbundle");
    export(&sec_home, &c.experts[0], by_author(&c.experts[0].key_hex()), &from_expert);
    let mut chair_home = fresh(&c);
    let before = chair_home.dump().unwrap();
    let e = import(&mut chair_home, &from_expert, 10).unwrap_err();
    assert!(matches!(e, BundleError::UnknownExporter { .. }), "{e}");
    assert_same(&chair_home.dump().unwrap(), &before, "a refused bundle");

    // Relayed by the secretariat, without the meeting: held, with the reason.
    let scores = dir.path().join("scores.rdbundle");
    assert_eq!(export(&sec_home, &c.sec, by_author(&c.experts[0].key_hex()), &scores).events, 1);
    let (_, r) = import(&mut chair_home, &scores, 11).unwrap();
    assert_eq!((r.new, r.quarantined, r.rejected, r.released, r.still_held), (0, 1, 0, 0, 1));
    let (id, reason) = &r.refusals[0];
    assert_eq!(id, &held.id);
    assert!(reason.zh.contains("会议 M1 尚未收到"), "{reason:?}");
    assert!(reason.en.contains("meeting M1 has not arrived yet"), "{reason:?}");
    let (status, shown) = status_of(&chair_home, &held.id);
    assert_eq!(status, "quarantined");
    assert!(shown.unwrap().contains("meeting M1 has not arrived yet"), "the log shows why");
    assert!(matches!(chair_home.queue("M1", &c.chair.key_hex()), Err(StoreError::UnknownMeeting(_))));
    let before = chair_home.dump().unwrap();
    let (_, r) = import(&mut chair_home, &scores, 12).unwrap();
    assert_eq!((r.new, r.duplicate, r.quarantined, r.released, r.still_held), (0, 1, 0, 0, 1));
    assert_same(&chair_home.dump().unwrap(), &before, "the held bundle again");

    // The meeting arrives: the score is released and counts.
    let meeting = dir.path().join("meeting.rdbundle");
    assert_eq!(export(&sec_home, &c.sec, by_author(&c.sec.key_hex()), &meeting).events, 2);
    let (_, r) = import(&mut chair_home, &meeting, 13).unwrap();
    assert_eq!((r.new, r.quarantined, r.rejected, r.released, r.still_held), (2, 0, 0, 1, 0));
    assert_eq!(status_of(&chair_home, &held.id), ("applied".to_string(), None));
    let v = chair_home.application("M1", "GL-1", &c.chair.key_hex()).unwrap();
    assert_eq!(v.experts[0].total, Some(Points::whole(70)));
    assert_eq!(v.experts[0].event_id.as_deref(), Some(held.id.as_str()));
    assert_same(&chair_home.dump_projections().unwrap(), &sec_home.dump_projections().unwrap(), "after release");

    // Now the expert's own bundle is welcome (they sit on a known panel), and changes nothing.
    let before = chair_home.dump().unwrap();
    let (_, r) = import(&mut chair_home, &from_expert, 14).unwrap();
    assert_eq!((r.new, r.duplicate), (0, 1));
    assert_same(&chair_home.dump().unwrap(), &before, "the expert's bundle after the relay");
}

#[test]
fn a_score_that_arrives_before_its_application_waits_for_the_registration() {
    let dir = tempfile::tempdir().unwrap();
    let c = cast(3);
    let mut src = fresh(&c);
    let open = src.append_local(&c.sec, opened(&c, "M1", "评审会"), at(1)).unwrap();
    let reg = src.append_local(&c.sec, registered("M1", "GL-2", "区一网通办平台"), at(2)).unwrap();
    let s = src.append_local(&c.experts[1], score("M1", "GL-2", 66), at(3)).unwrap();
    let d = src.append_local(&c.chair, decision("M1", "GL-2", Outcome::Fail), at(4)).unwrap();

    let mut relay = fresh(&c);
    relay.import_events(&[open, s.clone(), d.clone()], at(5)).unwrap();
    let early = dir.path().join("early.rdbundle");
    assert_eq!(export(&relay, &c.sec, EventFilter::default(), &early).events, 3, "held events travel too");

    let mut store = fresh(&c);
    let (_, r) = import(&mut store, &early, 10).unwrap();
    assert_eq!((r.new, r.quarantined, r.rejected, r.still_held), (1, 2, 0, 2));
    for (id, reason) in &r.refusals {
        assert!([&s.id, &d.id].contains(&id));
        assert!(reason.en.contains("application GL-2 is not registered yet"), "{reason:?}");
        assert!(reason.zh.contains("申报项目 GL-2 尚未登记"), "{reason:?}");
    }
    assert!(store.queue("M1", &c.chair.key_hex()).unwrap().rows.is_empty());

    let (_, r) = store.import_events(std::slice::from_ref(&reg), at(20)).map(|r| ((), r)).unwrap();
    assert_eq!((r.new, r.released, r.still_held), (1, 2, 0));
    let v = store.application("M1", "GL-2", &c.chair.key_hex()).unwrap();
    assert_eq!(v.experts[1].total, Some(Points::whole(66)));
    assert_eq!(v.decision.map(|x| x.decision.outcome), Some(Outcome::Fail));
    assert_same(&store.dump_projections().unwrap(), &src.dump_projections().unwrap(), "after release");
}

// ---------------------------------------------------------------------------------------------
// Bugs found
// ---------------------------------------------------------------------------------------------

/// 李明 scores GL-1 (his seq 1), then declares a conflict on it (seq 2). The source keeps the
/// score (history; the aggregate leaves it out). A full export lists conflicts before scores,
/// so any machine importing it sees the conflict first and rejects, and drops, the score: its
/// score_sheets row is missing and the import reports `rejected: 1`. The cause is that the
/// recusal check reads the current projection, not the state at the score's place in its chain;
/// held events are re-examined in the same kind order (conflicts before scores), so the same
/// happens on release from quarantine. A bundle from the source alone is enough.
#[test]
fn a_score_made_before_the_experts_conflict_survives_any_arrival_order() {
    let dir = tempfile::tempdir().unwrap();
    let c = cast(3);
    let mut src = fresh(&c);
    src.append_local(&c.sec, opened(&c, "M1", "评审会"), at(1)).unwrap();
    src.append_local(&c.sec, registered("M1", "GL-1", "区智慧城管综合平台"), at(2)).unwrap();
    let s = src.append_local(&c.experts[0], score("M1", "GL-1", 70), at(3)).unwrap();
    src.append_local(&c.experts[0], conflict("M1", "GL-1"), at(4)).unwrap();
    let full = dir.path().join("full.rdbundle");
    assert_eq!(export(&src, &c.sec, EventFilter::default(), &full).events, 4);

    let mut store = fresh(&c);
    let (_, r) = import(&mut store, &full, 10).unwrap();
    assert_eq!((r.new, r.rejected), (4, 0), "the score is refused: {:?}", r.refusals);
    assert_eq!(status_of(&store, &s.id).0, "applied");
    assert_same(&store.dump_projections().unwrap(), &src.dump_projections().unwrap(), "one full bundle");
}

/// The secretariat revokes 李明's lost key at cut-off 0, then signs a corrected notice, same
/// cut-off, another reason. The projection keeps whichever revocation arrived first (the upsert
/// replaces only on a strictly earlier cut-off), so a machine that receives the correction
/// first shows another reason and event id than the source, and on that machine the live
/// tables differ from `rebuild_projections()` (which replays by author and seq): invariant 1.
/// (Two secretariat machines revoking one lost key at its last good seq do the same.)
#[test]
fn two_revocations_at_one_cutoff_project_the_same_in_any_order() {
    let c = cast(3);
    let mut src = fresh(&c);
    let revoke = |reason: &str| Body::KeyRevoked { key: c.experts[0].key_hex(), cutoff_seq: 0, reason: reason.into() };
    let events = [
        src.append_local(&c.sec, opened(&c, "M1", "评审会"), at(1)).unwrap(),
        src.append_local(&c.sec, revoke("笔记本电脑遗失"), at(2)).unwrap(),
        src.append_local(&c.sec, revoke("更正：遗失的是 U 盘"), at(3)).unwrap(),
    ];
    let mut store = fresh(&c);
    store.import_events(&[events[0].clone(), events[2].clone(), events[1].clone()], at(10)).unwrap();
    let live = store.dump_projections().unwrap();
    assert_same(&live, &src.dump_projections().unwrap(), "the correction first, against the source");
    store.rebuild_projections().unwrap();
    assert_same(&store.dump_projections().unwrap(), &live, "rebuilt against live");
}

/// Seats only grow. A re-opening that would drop 陈静 from the panel is refused, so a score she
/// signed while seated can never be judged against a panel without her. An expert added by a
/// later re-opening (a replaced laptop) whose score arrives before that re-opening is held, not
/// dropped, and counts once the re-opening arrives: the same projections in either order.
#[test]
fn panels_only_grow_and_a_score_from_a_new_seat_waits_for_it() {
    let c = cast(4);
    let first = cast(3); // 李明, 张华, 陈静
    let mut shrunk = cast(4);
    shrunk.experts.remove(2); // 李明, 张华, 刘洋
    let mut src = fresh(&c);
    let opened_first = src.append_local(&c.sec, opened(&first, "M1", "评审会"), at(1)).unwrap();
    let e = src.append_local(&c.sec, opened(&shrunk, "M1", "评审会（调整专家）"), at(2)).unwrap_err().to_string();
    assert!(e.contains("只能增加专家") && e.contains("may add panel members but not remove them"), "{e}");
    let events = [
        opened_first,
        src.append_local(&c.sec, registered("M1", "GL-1", "区智慧城管综合平台"), at(3)).unwrap(),
        src.append_local(&c.sec, opened(&c, "M1", "评审会（增补专家）"), at(4)).unwrap(),
        src.append_local(&c.experts[3], score("M1", "GL-1", 70), at(5)).unwrap(),
    ];
    // The new seat's score before the re-opening that made it: held with its reason.
    let mut store = fresh(&c);
    let r = store.import_events(&[events[0].clone(), events[1].clone(), events[3].clone()], at(10)).unwrap();
    assert_eq!((r.new, r.quarantined, r.rejected), (2, 1, 0), "{:?}", r.refusals);
    assert!(r.refusals[0].1.en.contains("not on this meeting's panel"), "{:?}", r.refusals);
    let r = store.import_events(&events, at(11)).unwrap();
    assert_eq!((r.new, r.duplicate, r.released, r.still_held), (1, 3, 1, 0));
    assert_same(&store.dump_projections().unwrap(), &src.dump_projections().unwrap(), "score first");
    let mut other = fresh(&c);
    other.import_events(&events, at(10)).unwrap();
    assert_same(&other.dump_projections().unwrap(), &src.dump_projections().unwrap(), "in order");
}
