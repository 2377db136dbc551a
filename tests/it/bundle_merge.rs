//! Merging bundles. However a meeting's events are split across bundles (USB sticks) and in
//! whatever order the bundles arrive, every machine ends with the same state; importing again
//! changes nothing; an event that arrives before what it names waits in quarantine with its
//! reason and is applied when that arrives; a gap in an author's chain is kept and shown.
//!
//! The properties build a random meeting history on a source store: two trusted secretariats,
//! one of which opens one or two meetings and re-opens them (new titles, an added expert, a
//! changed rubric), registers and re-registers applications (under another kind too), experts
//! score, rescore and step aside, the chair decides on the sheets that count, and either
//! secretariat revokes keys (the other secretariat's included, and cut-offs as high as a seq can
//! go). The signed events are split into random, possibly overlapping subsets and delivered in
//! random orders to fresh stores that trust both secretariats: once as `Store::import_events`
//! batches, once as real bundle files exported by relay stores. After every step the state
//! (projections and every event's state) equals that of a store given the same events in the
//! order they were signed: the state is a function of the set of events alone.
//!
//! The tests at the end pin cases that once depended on arrival order.

use proptest::prelude::*;
use proptest::test_runner::TestCaseError;
use reviewdesk::bundle::{self, BundleError, ExportFilter};
use reviewdesk::domain::{ApplicationKind, Outcome, Points, Reason};
use reviewdesk::ledger::{Body, Identity, SignedEvent};
use reviewdesk::store::{EventFilter, ImportReport, MyScore, Store, StoreError, ViewerRole};
use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::path::Path;

use crate::merge_history::*;

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

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => (0..2usize, 0..2usize, 0..6usize).prop_map(|(meeting, app, kind)| Op::Register { meeting, app, kind }),
        2 => (0..2usize, 0..3usize).prop_map(|(meeting, change)| Op::Reopen { meeting, change }),
        6 => (0..6usize, 0..2usize, 0..2usize, 0..=100u32)
            .prop_map(|(expert, meeting, app, total)| Op::Score { expert, meeting, app, total }),
        2 => (0..6usize, 0..2usize, 0..2usize).prop_map(|(expert, meeting, app)| Op::Conflict { expert, meeting, app }),
        2 => (0..6usize, 0..2usize, 0..2usize).prop_map(|(expert, meeting, app)| Op::Withdraw { expert, meeting, app }),
        2 => (0..2usize, 0..2usize, prop::option::of(0..3usize))
            .prop_map(|(meeting, app, outcome)| Op::Decide { meeting, app, outcome }),
        1 => (0..2usize, 0..10usize, 0..3u64, prop::bool::weighted(0.2))
            .prop_map(|(by, who, back, huge)| Op::Revoke { by, who, back, huge }),
        1 => (0..2usize).prop_map(|meeting| Op::Rival { meeting }),
        1 => (0..2usize, 0..2usize).prop_map(|(by, app)| Op::Clear { by, app }),
        2 => (0..6usize, 0..2usize, 0..2usize, any::<bool>())
            .prop_map(|(expert, meeting, app, dissent)| Op::Countersign { expert, meeting, app, dissent }),
        1 => (0..2usize, 0..2usize).prop_map(|(meeting, app)| Op::CallVote { meeting, app }),
        2 => (0..6usize, 0..2usize, 0..2usize, 0..3usize)
            .prop_map(|(expert, meeting, app, choice)| Op::Cast { expert, meeting, app, choice }),
        1 => (0..2usize, 0..2usize, 0..3u64).prop_map(|(by, meeting, back)| Op::Close { by, meeting, back }),
        1 => (0..2usize).prop_map(|meeting| Op::Unseal { meeting }),
    ]
}

fn plan() -> impl Strategy<Value = Plan> {
    (3usize..=5, 1usize..=2, prop::collection::vec(op(), 1..36)).prop_map(|(experts, meetings, ops)| Plan {
        experts,
        meetings,
        ops,
    })
}

/// An import's counts add up, and a second import of events already here changes nothing.
fn check_counts(r: &ImportReport, offered: usize) -> Result<(), TestCaseError> {
    prop_assert_eq!(r.new + r.duplicate + r.quarantined + r.rejected, offered, "report {:?}", r);
    prop_assert!(r.forked_keys.is_empty(), "no forks: {:?}", r.forked_keys);
    Ok(())
}

/// Every chain `log` shows has exactly the gaps its kept events leave, and no fork.
fn check_chains(store: &Store) -> Result<(), TestCaseError> {
    let log = store.log(None).unwrap();
    let mut seqs: BTreeMap<String, BTreeSet<u64>> = BTreeMap::new();
    for e in &log.entries {
        seqs.entry(e.author.clone()).or_default().insert(e.seq);
    }
    for c in &log.chains {
        let mut gaps = Vec::new();
        let mut expected = 1;
        for s in &seqs[&c.author] {
            if *s > expected {
                gaps.push((expected, s - 1));
            }
            expected = s + 1;
        }
        prop_assert_eq!(&c.gaps, &gaps, "gaps of {}", c.name);
        prop_assert!(c.forks.is_empty());
    }
    Ok(())
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

// ---------------------------------------------------------------------------------------------
// The properties
// ---------------------------------------------------------------------------------------------

/// Delivers the split as `import_events` batches, each shuffled, in every order of the split.
fn converge_by_batches(h: &History, split: &Split) -> Result<(), TestCaseError> {
    let bundles = split.bundles(&h.events);
    let source = h.source.dump_state().unwrap();
    let mut rng = Rng(split.seed);
    for (o, order) in split.orders.iter().enumerate() {
        let first = o == 0;
        let mut store = fresh(&h.cast);
        let mut arrived: HashSet<String> = HashSet::new();
        for (step, &b) in order.iter().enumerate() {
            let mut batch = bundles[b].clone();
            rng.shuffle(&mut batch);
            let report = store.import_events(&batch, at(1000 + step as i64)).unwrap();
            check_counts(&report, batch.len())?;
            arrived.extend(batch.iter().map(|e| e.id.clone()));

            // The state depends only on which events have arrived, not on how or in what order.
            let want = reference(&h.cast, &h.events, &arrived).dump_state().unwrap();
            let got = store.dump_state().unwrap();
            prop_assert!(got == want, "after bundles {:?}: {}", &order[..=step], diff(&got, &want));
            check_chains(&store)?;

            // Importing any subset of what arrived again changes nothing. (Checked after every
            // step of the first order and after the last of the others: full dumps are slow.)
            if !(first || step + 1 == order.len()) {
                continue;
            }
            let mut again: Vec<SignedEvent> =
                h.events.iter().filter(|e| arrived.contains(&e.id) && rng.next().is_multiple_of(2)).cloned().collect();
            rng.shuffle(&mut again);
            let before = store.dump().unwrap();
            let r = store.import_events(&again, at(2000)).unwrap();
            prop_assert_eq!((r.new, r.quarantined, r.released, r.withdrawn), (0, 0, 0, 0), "again: {:?}", r);
            let after = store.dump().unwrap();
            prop_assert!(before == after, "importing again changed the store: {}", diff(&before, &after));
        }
        let got = store.dump_state().unwrap();
        prop_assert!(got == source, "order {:?} against the source: {}", order, diff(&got, &source));
    }
    Ok(())
}

/// Writes each subset as a real bundle, exported by a trusted clerk from a relay store holding
/// exactly that subset (held and void events stay on the relay), then imports the files in
/// every order of the split.
fn converge_by_bundle_files(h: &History, split: &Split) -> Result<(), TestCaseError> {
    let dir = tempfile::tempdir().unwrap();
    let subsets = split.bundles(&h.events);
    let mut files = Vec::new();
    for (i, subset) in subsets.iter().enumerate() {
        let mut relay = fresh(&h.cast);
        relay.import_events(subset, at(500)).unwrap();
        let path = dir.path().join(format!("part-{i}.rdbundle"));
        let applied = stored_events(&relay, &EventFilter::default()).len();
        let written = export(&relay, &h.cast.clerk, EventFilter::default(), &path);
        prop_assert_eq!(written.events, applied, "only applied events travel");
        let summary = bundle::inspect(&path).unwrap();
        prop_assert_eq!(summary.events, applied);
        prop_assert!(summary.authors.iter().all(|a| a.forks.is_empty()));
        files.push(path);
    }
    let mut rng = Rng(split.seed);
    for order in &split.orders {
        let mut store = fresh(&h.cast);
        // Verifying signatures is slow in a debug build: one dry run and one repeat per order.
        let (dry_step, again_step) = (rng.below(order.len()), rng.below(order.len()));
        for (step, &b) in order.iter().enumerate() {
            let dry = if step == dry_step {
                let before = store.dump().unwrap();
                let (_, dry) = bundle::import(&mut store, &files[b], at(1000), true, &mut |_, _| {}).unwrap();
                prop_assert!(before == store.dump().unwrap(), "a dry run changed the store");
                Some(dry)
            } else {
                None
            };
            let (summary, report) = import(&mut store, &files[b], 1000).unwrap();
            check_counts(&report, summary.events)?;
            if let Some(dry) = dry {
                prop_assert_eq!(&dry, &report, "the dry run predicts the import");
            }
            let want = reference(&h.cast, &h.events, &held_ids(&store)).dump_state().unwrap();
            let got = store.dump_state().unwrap();
            prop_assert!(got == want, "after files {:?}: {}", &order[..=step], diff(&got, &want));
            if step != again_step {
                continue;
            }

            // Importing a bundle that already arrived changes nothing.
            let earlier = order[rng.below(step + 1)];
            let before = store.dump().unwrap();
            let (_, r) = import(&mut store, &files[earlier], 2000).unwrap();
            prop_assert_eq!((r.new, r.quarantined, r.released, r.withdrawn), (0, 0, 0, 0), "again: {:?}", r);
            let after = store.dump().unwrap();
            prop_assert!(before == after, "importing again changed the store: {}", diff(&before, &after));
        }
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
    fn bundle_files_relayed_converge_to_the_state_of_what_arrived(plan in plan(), split in split(4, 2..=2)) {
        let h = build(&plan);
        converge_by_bundle_files(&h, &split)?;
    }
}

proptest! {
    #![proptest_config(config(48))]

    #[test]
    fn any_split_in_any_order_converges_to_the_source(plan in plan(), split in split(5, 2..=3)) {
        let h = build(&plan);
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
    sec_home.append_local(&c.sec, opened(&c, &sec_home, "M1", "鼓楼区2026年第四次评审会"), at(1)).unwrap();
    sec_home.append_local(&c.sec, registered(&sec_home, "M1", "GL-1", "区智慧城管综合平台"), at(2)).unwrap();
    sec_home.append_local(&c.sec, registered(&sec_home, "M1", "GL-2", "区一网通办平台"), at(3)).unwrap();
    let meeting_bundle = dir.path().join("meeting.rdbundle");
    assert_eq!(export(&sec_home, &c.sec, of_meeting("M1"), &meeting_bundle).events, 3);

    // Each expert on their own machine: import the meeting, score, export their own events.
    let mut expert_bundles = Vec::new();
    for (i, e) in c.experts.iter().enumerate() {
        let mut home = fresh(&c);
        let (_, r) = import(&mut home, &meeting_bundle, 10).unwrap();
        assert_eq!((r.new, r.quarantined, r.rejected), (3, 0, 0));
        home.append_local(e, score(&home, "M1", "GL-1", 60 + 10 * i as u32), at(20)).unwrap();
        if i == 2 {
            home.append_local(e, conflict(&home, "M1", "GL-2"), at(21)).unwrap();
        } else {
            home.append_local(e, score(&home, "M1", "GL-2", 70 + 5 * i as u32), at(21)).unwrap();
        }
        if i == 0 {
            home.append_local(e, score(&home, "M1", "GL-1", 88), at(22)).unwrap(); // supersedes the 60
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
    sec_home.append_local(&c.sec, opened(&c, &sec_home, "M1", "评审会"), at(1)).unwrap();
    sec_home.append_local(&c.sec, registered(&sec_home, "M1", "GL-1", "区智慧城管综合平台"), at(2)).unwrap();
    sec_home.append_local(&c.experts[0], score(&sec_home, "M1", "GL-1", 70), at(3)).unwrap();
    sec_home.append_local(&c.experts[1], score(&sec_home, "M1", "GL-1", 75), at(4)).unwrap();
    let monday = dir.path().join("monday.rdbundle");
    assert_eq!(export(&sec_home, &c.sec, EventFilter::default(), &monday).events, 4);

    // Later: a corrected registration, both experts score it again, a decision.
    sec_home.append_local(&c.sec, registered(&sec_home, "M1", "GL-1", "区智慧城管综合平台（二期）"), at(10)).unwrap();
    sec_home.append_local(&c.experts[0], score(&sec_home, "M1", "GL-1", 85), at(11)).unwrap();
    sec_home.append_local(&c.experts[1], score(&sec_home, "M1", "GL-1", 80), at(12)).unwrap();
    let d = decision(&sec_home, &c.chair, "M1", "GL-1", Some(Outcome::PassAfterRevision)).unwrap();
    sec_home.append_local(&c.chair, d, at(13)).unwrap();
    let tuesday = dir.path().join("tuesday.rdbundle");
    assert_eq!(export(&sec_home, &c.sec, EventFilter::default(), &tuesday).events, 8);

    let mut newer_first = fresh(&c);
    let (_, r) = import(&mut newer_first, &tuesday, 20).unwrap();
    assert_eq!((r.new, r.quarantined, r.rejected), (8, 0, 0));
    let before = newer_first.dump().unwrap();
    let (_, r) = import(&mut newer_first, &monday, 21).unwrap();
    assert_eq!((r.new, r.duplicate, r.quarantined, r.rejected, r.released, r.still_held), (0, 4, 0, 0, 0, 0));
    assert_same(&newer_first.dump().unwrap(), &before, "the older bundle after the newer");

    let v = newer_first.application("M1", "GL-1", &c.chair.key_hex()).unwrap();
    assert_eq!(v.application.name, "区智慧城管综合平台（二期）", "the later registration holds");
    assert_eq!(v.experts[0].total, Some(Points::whole(85)), "the later score holds");
    assert!(v.decision.as_ref().is_some_and(|d| !d.outdated));

    let mut in_order = fresh(&c);
    import(&mut in_order, &monday, 20).unwrap();
    let (_, r) = import(&mut in_order, &tuesday, 21).unwrap();
    assert_eq!((r.new, r.duplicate), (4, 4));
    assert_same(&in_order.dump_projections().unwrap(), &newer_first.dump_projections().unwrap(), "either order");
    assert_same(&in_order.dump_projections().unwrap(), &sec_home.dump_projections().unwrap(), "against the source");
}

#[test]
fn a_gap_in_a_chain_is_kept_and_shown_then_filled() {
    let dir = tempfile::tempdir().unwrap();
    let c = cast(3);
    let mut src = fresh(&c);
    let mut events = vec![
        src.append_local(&c.sec, opened(&c, &src, "M1", "评审会"), at(1)).unwrap(),
        src.append_local(&c.sec, registered(&src, "M1", "GL-1", "区智慧城管综合平台"), at(2)).unwrap(),
    ];
    for (i, total) in [60, 70, 80].into_iter().enumerate() {
        events.push(src.append_local(&c.experts[0], score(&src, "M1", "GL-1", total), at(3 + i as i64)).unwrap());
    }
    events.push(src.append_local(&c.experts[1], score(&src, "M1", "GL-1", 75), at(9)).unwrap());
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
    sec_home.append_local(&c.sec, opened(&c, &sec_home, "M1", "评审会"), at(1)).unwrap();
    sec_home.append_local(&c.sec, registered(&sec_home, "M1", "GL-1", "区智慧城管综合平台"), at(2)).unwrap();
    let held = sec_home.append_local(&c.experts[0], score(&sec_home, "M1", "GL-1", 70), at(3)).unwrap();

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
    assert!(reason.zh.contains("会议 M1 的版本") && reason.zh.contains("尚未收到"), "{reason:?}");
    assert!(reason.en.contains("of meeting M1 is not here"), "{reason:?}");
    let (status, shown) = status_of(&chair_home, &held.id);
    assert_eq!(status, "quarantined");
    assert!(shown.unwrap().contains("of meeting M1 is not here"), "the log shows why");
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
    let open = src.append_local(&c.sec, opened(&c, &src, "M1", "评审会"), at(1)).unwrap();
    let reg = src.append_local(&c.sec, registered(&src, "M1", "GL-2", "区一网通办平台"), at(2)).unwrap();
    let s = src.append_local(&c.experts[1], score(&src, "M1", "GL-2", 66), at(3)).unwrap();
    let d = src
        .append_local(&c.chair, decision(&src, &c.chair, "M1", "GL-2", Some(Outcome::Fail)).unwrap(), at(4))
        .unwrap();

    // A relay that holds the score and the decision but not the registration keeps them to
    // itself: held events do not travel.
    let mut relay = fresh(&c);
    relay.import_events(&[open.clone(), s.clone(), d.clone()], at(5)).unwrap();
    let early = dir.path().join("early.rdbundle");
    assert_eq!(export(&relay, &c.sec, EventFilter::default(), &early).events, 1, "only the meeting travels");

    let mut store = fresh(&c);
    let r = store.import_events(&[open, s.clone(), d.clone()], at(10)).unwrap();
    assert_eq!((r.new, r.quarantined, r.rejected, r.still_held), (1, 2, 0, 2));
    for (id, reason) in &r.refusals {
        assert!([&s.id, &d.id].contains(&id));
        assert!(reason.en.contains("of application GL-2 is not here"), "{reason:?}");
        assert!(reason.zh.contains("申报项目 GL-2 的登记"), "{reason:?}");
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
    src.append_local(&c.sec, opened(&c, &src, "M1", "评审会"), at(1)).unwrap();
    src.append_local(&c.sec, registered(&src, "M1", "GL-1", "区智慧城管综合平台"), at(2)).unwrap();
    let s = src.append_local(&c.experts[0], score(&src, "M1", "GL-1", 70), at(3)).unwrap();
    src.append_local(&c.experts[0], conflict(&src, "M1", "GL-1"), at(4)).unwrap();
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
        src.append_local(&c.sec, opened(&c, &src, "M1", "评审会"), at(1)).unwrap(),
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

/// Seats only grow. A re-opening that would drop 陈静 from the panel is refused. An expert added
/// by a later re-opening (a replaced laptop) scores under that version, so a score that arrives
/// before it is held, not dropped, and counts once the re-opening arrives: the same projections
/// in either order.
#[test]
fn panels_only_grow_and_a_score_from_a_new_seat_waits_for_it() {
    let c = cast(4);
    let first = cast(3); // 李明, 张华, 陈静
    let mut shrunk = cast(4);
    shrunk.experts.remove(2); // 李明, 张华, 刘洋
    let mut src = fresh(&c);
    let opened_first = src.append_local(&c.sec, opened(&first, &src, "M1", "评审会"), at(1)).unwrap();
    let e = src.append_local(&c.sec, opened(&shrunk, &src, "M1", "评审会（调整专家）"), at(2)).unwrap_err().to_string();
    assert!(e.contains("只能增加专家") && e.contains("may add panel members but not remove them"), "{e}");
    let events = [
        opened_first,
        src.append_local(&c.sec, registered(&src, "M1", "GL-1", "区智慧城管综合平台"), at(3)).unwrap(),
        src.append_local(&c.sec, opened(&c, &src, "M1", "评审会（增补专家）"), at(4)).unwrap(),
        src.append_local(&c.experts[3], score(&src, "M1", "GL-1", 70), at(5)).unwrap(),
    ];
    // The new seat's score before the re-opening that made it: held with its reason.
    let mut store = fresh(&c);
    let r = store.import_events(&[events[0].clone(), events[1].clone(), events[3].clone()], at(10)).unwrap();
    assert_eq!((r.new, r.quarantined, r.rejected), (2, 1, 0), "{:?}", r.refusals);
    assert!(r.refusals[0].1.en.contains("of meeting M1 is not here"), "{:?}", r.refusals);
    let r = store.import_events(&events, at(11)).unwrap();
    assert_eq!((r.new, r.duplicate, r.released, r.still_held), (1, 3, 1, 0));
    assert_same(&store.dump_projections().unwrap(), &src.dump_projections().unwrap(), "score first");
    let mut other = fresh(&c);
    other.import_events(&events, at(10)).unwrap();
    assert_same(&other.dump_projections().unwrap(), &src.dump_projections().unwrap(), "in order");
}

/// Issue 11, point 5: a score and a re-opening that changes the rubric. The score used to stay
/// counted (even with points above the new maximum) if it arrived first, and to be dropped if the
/// re-opening did. A sheet belongs to the rubric it was given for: kept, not counted until scored
/// again, in either order.
#[test]
fn a_sheet_for_an_earlier_rubric_is_kept_but_not_counted_in_either_order() {
    let c = cast(3);
    let mut src = fresh(&c);
    let open = src.append_local(&c.sec, opened(&c, &src, "M1", "评审会"), at(1)).unwrap();
    let reg = src.append_local(&c.sec, registered(&src, "M1", "GL-1", "区智慧城管综合平台"), at(2)).unwrap();
    // 15 for necessity (its maximum now), then the rubric gives necessity only 10.
    let old = src.append_local(&c.experts[0], score(&src, "M1", "GL-1", 100), at(3)).unwrap();
    let reopen =
        src.append_local(&c.sec, opened_with(&c, &src, "M1", "评审会（评分表调整）", false, true), at(4)).unwrap();
    let Body::ScoreSubmitted { sheet, .. } = &old.envelope.body else { unreachable!() };
    assert_eq!(sheet.points["necessity"], Points::whole(15), "above the new maximum of 10");

    let orders = [vec![&open, &reg, &old, &reopen], vec![&open, &reg, &reopen, &old], vec![&old, &reopen, &reg, &open]];
    let mut states = Vec::new();
    for order in orders {
        let mut store = fresh(&c);
        for ev in order {
            store.import_events(std::slice::from_ref(ev), at(10)).unwrap();
        }
        assert_eq!(status_of(&store, &old.id).0, "applied", "kept in the log and the projection");
        let v = store.application("M1", "GL-1", &c.chair.key_hex()).unwrap();
        assert!(v.experts[0].outdated, "given for the earlier rubric");
        assert!(v.aggregate.is_none(), "and not counted: {:?}", v.aggregate);
        let q = store.queue("M1", &c.experts[0].key_hex()).unwrap();
        assert_eq!(q.rows[0].my_score, MyScore::Outdated { total: Points::whole(100) });
        assert_eq!((q.rows[0].scored, q.rows[0].outdated), (0, 1));
        states.push(store.dump_state().unwrap());
    }
    assert_same(&states[0], &states[1], "score first, re-opening first");
    assert_same(&states[0], &states[2], "children first");
    assert_same(&states[0], &src.dump_state().unwrap(), "against the source");

    // Scored again under the new rubric, it counts.
    src.append_local(&c.experts[0], score(&src, "M1", "GL-1", 90), at(5)).unwrap();
    let v = src.application("M1", "GL-1", &c.chair.key_hex()).unwrap();
    assert!(!v.experts[0].outdated);
    assert_eq!(v.aggregate.map(|g| g.n), Some(1));
}

/// Issue 11, point 5: the same for an application registered again under another kind: the
/// approval sheet does not count for the change application, whatever arrives first.
#[test]
fn a_sheet_for_an_application_registered_again_under_another_kind_is_not_counted_in_either_order() {
    let c = cast(3);
    let mut src = fresh(&c);
    let open = src.append_local(&c.sec, opened(&c, &src, "M1", "评审会"), at(1)).unwrap();
    let reg = src.append_local(&c.sec, registered(&src, "M1", "GL-1", "区智慧城管综合平台"), at(2)).unwrap();
    let approval = src.append_local(&c.experts[0], score(&src, "M1", "GL-1", 82), at(3)).unwrap();
    let change = registered_as(&src, "M1", "GL-1", "区智慧城管综合平台（变更）", ApplicationKind::Change);
    let change = src.append_local(&c.sec, change, at(4)).unwrap();
    let d = decision(&src, &c.chair, "M1", "GL-1", None);
    assert!(d.is_none(), "nothing counts, so there is nothing to decide on");
    let mut a = fresh(&c);
    a.import_events(&[open.clone(), reg.clone(), approval.clone(), change.clone()], at(10)).unwrap();
    let mut b = fresh(&c);
    b.import_events(&[change, open, approval.clone()], at(10)).unwrap();
    b.import_events(&[reg], at(11)).unwrap();
    assert_same(&a.dump_state().unwrap(), &b.dump_state().unwrap(), "either order");
    let v = b.application("M1", "GL-1", &c.chair.key_hex()).unwrap();
    assert_eq!(v.application.kind, ApplicationKind::Change);
    assert!(v.experts[0].outdated && v.aggregate.is_none());
    assert_eq!(status_of(&b, &approval.id).0, "applied");
}

/// 李明 declares a conflict on GL-1, withdraws it (撤回回避), declares it again and withdraws
/// again. Per expert and application the newest statement stands, and a withdrawal waits for the
/// declaration it names: a machine that receives the four events one by one, in any of their 24
/// orders, ends in the source's state, and rebuilding its tables from the log changes nothing.
#[test]
fn a_conflict_declared_withdrawn_and_declared_again_projects_the_same_in_any_order() {
    let c = cast(3);
    let mut src = fresh(&c);
    let parents = [
        src.append_local(&c.sec, opened(&c, &src, "M1", "评审会"), at(1)).unwrap(),
        src.append_local(&c.sec, registered(&src, "M1", "GL-1", "区智慧城管综合平台"), at(2)).unwrap(),
    ];
    let li = &c.experts[0];
    let withdraw = |src: &Store| {
        let reason = Reason::parse("已核实与该项目无利害关系").unwrap();
        src.conflict_withdrawal("M1", "GL-1", &li.key_hex(), reason).unwrap()
    };
    let mut events = Vec::new();
    events.push(src.append_local(li, conflict(&src, "M1", "GL-1"), at(3)).unwrap());
    events.push(src.append_local(li, withdraw(&src), at(4)).unwrap());
    events.push(src.append_local(li, conflict(&src, "M1", "GL-1"), at(5)).unwrap());
    let recused = |s: &Store| s.application("M1", "GL-1", "").unwrap().experts[0].recused.is_some();
    assert!(recused(&src), "declared again, 李明 steps aside again");
    let standing_then = src.dump_state().unwrap();
    events.push(src.append_local(li, withdraw(&src), at(6)).unwrap());
    assert!(!recused(&src));

    let mut orders: Vec<Vec<usize>> = vec![vec![]];
    for _ in 0..events.len() {
        let mut longer = Vec::new();
        for o in &orders {
            for i in (0..events.len()).filter(|i| !o.contains(i)) {
                longer.push([o.as_slice(), &[i]].concat());
            }
        }
        orders = longer;
    }
    assert_eq!(orders.len(), 24);
    for order in orders {
        let mut store = fresh(&c);
        store.import_events(&parents, at(10)).unwrap();
        for i in &order {
            store.import_events(std::slice::from_ref(&events[*i]), at(11)).unwrap();
        }
        let what = format!("order {order:?}");
        assert_same(&store.dump_state().unwrap(), &src.dump_state().unwrap(), &what);
        let live = store.dump_projections().unwrap();
        store.rebuild_projections().unwrap();
        assert_same(&store.dump_projections().unwrap(), &live, &format!("{what}, rebuilt against live"));
    }
    // Without the last withdrawal, the second declaration stands, whatever came first.
    for first in [0, 1, 2] {
        let mut store = fresh(&c);
        store.import_events(&parents, at(10)).unwrap();
        let mut three: Vec<SignedEvent> = events[..3].to_vec();
        three.rotate_left(first);
        for ev in &three {
            store.import_events(std::slice::from_ref(ev), at(11)).unwrap();
        }
        assert!(recused(&store));
        assert_same(&store.dump_state().unwrap(), &standing_then, &format!("three events from {first}"));
    }
}

/// A close pinned short of the experts' countersignatures (a lagging machine's view):
/// those arrive late and are held, never applied, whichever comes first, the close or them; a
/// re-open releases them. Countersignatures, votes and the close merge in any order.
#[test]
fn a_close_holds_what_came_after_its_pins_in_any_order_until_a_reopen() {
    let ops = vec![
        Op::Score { expert: 0, meeting: 0, app: 0, total: 80 },
        Op::Score { expert: 1, meeting: 0, app: 0, total: 75 },
        Op::Score { expert: 2, meeting: 0, app: 0, total: 78 },
        Op::CallVote { meeting: 0, app: 0 },
        Op::Cast { expert: 0, meeting: 0, app: 0, choice: 0 },
        Op::Cast { expert: 1, meeting: 0, app: 0, choice: 1 },
        Op::Decide { meeting: 0, app: 0, outcome: None },
        Op::Countersign { expert: 0, meeting: 0, app: 0, dissent: false },
        Op::Countersign { expert: 1, meeting: 0, app: 0, dissent: true },
        Op::Close { by: 0, meeting: 0, back: 1 },
    ];
    let closed = build(&Plan { experts: 3, meetings: 1, ops: ops.clone() });
    let kinds = |h: &History, state: &str| -> Vec<String> {
        h.events
            .iter()
            .filter(|e| status_of(&h.source, &e.id).0 == state)
            .map(|e| e.envelope.body.kind().to_string())
            .collect()
    };
    let late = kinds(&closed, "quarantined");
    assert_eq!(late, ["countersigned", "countersigned"], "the two countersignatures the close did not see");
    for e in closed.events.iter().filter(|e| status_of(&closed.source, &e.id).0 == "quarantined") {
        assert!(status_of(&closed.source, &e.id).1.unwrap_or_default().contains("迟到"));
    }
    let mut reopened_ops = ops;
    reopened_ops.push(Op::Unseal { meeting: 0 });
    let reopened = build(&Plan { experts: 3, meetings: 1, ops: reopened_ops });
    assert!(kinds(&reopened, "quarantined").is_empty(), "the re-open releases what the close held");
    for h in [&closed, &reopened] {
        let want = h.source.dump_state().unwrap();
        let mut orders = vec![h.events.clone(), h.events.iter().rev().cloned().collect::<Vec<_>>()];
        let mut rng = Rng(7);
        for _ in 0..4 {
            let mut o = h.events.clone();
            rng.shuffle(&mut o);
            orders.push(o);
        }
        for (n, order) in orders.iter().enumerate() {
            let mut store = fresh(&h.cast);
            for (i, e) in order.iter().enumerate() {
                store.import_events(std::slice::from_ref(e), at(100 + i as i64)).unwrap();
            }
            assert_same(&store.dump_state().unwrap(), &want, &format!("order {n}"));
            let again = store.dump().unwrap();
            store.import_events(&h.events, at(500)).unwrap();
            assert_same(&store.dump().unwrap(), &again, "importing twice");
        }
    }
}

/// 增补专家: a substitute's sheet names the seating, so it waits for it in any arrival order and
/// then counts for that application; a sheet from the same key without the seating is refused,
/// and a seating that continues another draw than the meeting's is refused too.
#[test]
fn a_substitutes_sheet_waits_for_its_seating_in_any_order() {
    use reviewdesk::ledger::PanelMember;
    use reviewdesk::ledger::event::DrawRecord;
    use reviewdesk::ledger::proceedings::ContinuedDraw;
    let c = cast(3);
    let mut src = fresh(&c);
    let Body::MeetingOpened(mut m) = opened(&c, &src, "M1", "评审会") else { unreachable!() };
    let pool_sha256 = "ab".repeat(32);
    m.draw = Some(DrawRecord {
        seed: 7,
        pool_sha256: pool_sha256.clone(),
        categories: vec![("技术".into(), 3)],
        excluded_units: vec![],
    });
    let mut events = vec![src.append_local(&c.sec, Body::MeetingOpened(m), at(1)).unwrap()];
    events.push(src.append_local(&c.sec, registered(&src, "M1", "GL-1", "区智慧城管综合平台"), at(2)).unwrap());
    events.push(src.append_local(&c.experts[0], conflict(&src, "M1", "GL-1"), at(3)).unwrap());
    let meeting_event = src.meeting_event("M1").unwrap();
    let seating = |seed: u64| Body::SubstituteSeated {
        meeting: "M1".into(),
        meeting_event: meeting_event.clone(),
        code: "GL-1".into(),
        substitute: PanelMember {
            member: member(&c.reserve),
            role: reviewdesk::ledger::Role::Expert,
            category: "技术".into(),
            unit: "南京工业大学".into(),
            replaces: None,
        },
        stands_in_for: c.experts[0].key_hex(),
        draw: ContinuedDraw { seed, pool_sha256: pool_sha256.clone(), category: "技术".into() },
    };
    let other_draw = seating(8);
    assert!(src.append_local(&c.sec, other_draw, at(4)).is_err(), "another seed is not the meeting's draw");
    let seat = src.append_local(&c.sec, seating(7), at(4)).unwrap();
    let Body::ScoreSubmitted { meeting, code, basis, sheet, .. } = score(&src, "M1", "GL-1", 80) else {
        unreachable!()
    };
    let unseated = Body::ScoreSubmitted {
        meeting: meeting.clone(),
        code: code.clone(),
        basis: basis.clone(),
        sheet: sheet.clone(),
        seat: None,
    };
    assert!(src.append_local(&c.reserve, unseated, at(5)).is_err(), "not on the panel, and no seating named");
    let sheet_event = src
        .append_local(
            &c.reserve,
            Body::ScoreSubmitted { meeting, code, basis, sheet, seat: Some(seat.id.clone()) },
            at(5),
        )
        .unwrap();
    events.push(seat);
    events.push(sheet_event.clone());
    let want = src.dump_state().unwrap();
    for order in [events.clone(), events.iter().rev().cloned().collect()] {
        let mut store = fresh(&c);
        for (i, e) in order.iter().enumerate() {
            store.import_events(std::slice::from_ref(e), at(100 + i as i64)).unwrap();
        }
        assert_same(&store.dump_state().unwrap(), &want, "a substitute's sheet and its seating, either order");
        assert_eq!(status_of(&store, &sheet_event.id).0, "applied");
        let v = store.application("M1", "GL-1", &c.chair.key_hex()).unwrap();
        assert!(v.experts.iter().any(|e| e.key == c.reserve.key_hex() && e.counts()), "the substitute's sheet counts");
    }
}

/// Found by the random histories: a close held for its meeting version (not here yet) while a
/// sheet signed after its pins is applied. When the version arrives, the close is released, and
/// the sheet must be held as late, as a replay of the same events holds it; until then nothing
/// was late, and the order of arrival must not matter.
#[test]
fn a_close_released_by_a_later_arrival_holds_what_is_already_applied() {
    let ops = vec![
        Op::Score { expert: 0, meeting: 0, app: 0, total: 70 },
        Op::Score { expert: 2, meeting: 0, app: 0, total: 60 },
        Op::Conflict { expert: 2, meeting: 0, app: 0 },
        Op::Reopen { meeting: 0, change: 1 },
        Op::Close { by: 0, meeting: 0, back: 1 },
    ];
    let h = build(&Plan { experts: 3, meetings: 1, ops });
    let want = h.source.dump_state().unwrap();
    let version = h
        .events
        .iter()
        .rev()
        .find(|e| matches!(e.envelope.body, Body::MeetingOpened(_)))
        .map(|e| e.id.clone())
        .unwrap();
    let conflict = h.events.iter().find(|e| e.envelope.body.kind() == "conflict_declared").unwrap();
    assert_eq!(status_of(&h.source, &conflict.id).0, "quarantined", "late at the source");
    let mut store = fresh(&h.cast);
    let (later, first): (Vec<SignedEvent>, Vec<SignedEvent>) = h.events.iter().cloned().partition(|e| e.id == version);
    for (i, e) in first.iter().enumerate() {
        store.import_events(std::slice::from_ref(e), at(100 + i as i64)).unwrap();
    }
    assert_eq!(status_of(&store, &conflict.id).0, "applied", "no close stands yet: it waits for its version");
    store.import_events(&later, at(200)).unwrap();
    assert_same(&store.dump_state().unwrap(), &want, "the version arrives last");
}
