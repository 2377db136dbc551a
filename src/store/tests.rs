//! Store tests on a small meeting built in memory.

use super::*;
use crate::domain::{Application, ApplicationKind, Decision, Money, Outcome, Points, ScoreSheet};
use crate::ledger::event::{MeetingOpened, PanelMember, Role};
use crate::ledger::{Body, Identity, Member, SignedEvent, Suite};
use chrono::{DateTime, NaiveDate, Utc};

fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-12-08T09:00:00Z").unwrap().with_timezone(&Utc)
}

fn person(name: &str) -> Identity {
    Identity::new(name, Suite::Ed25519Sha256.generate())
}

fn member(id: &Identity) -> Member {
    Member { name: id.name.clone(), key: id.key_hex(), suite: Suite::Ed25519Sha256 }
}

struct Fixture {
    store: Store,
    sec: Identity,
    chair: Identity,
    experts: Vec<Identity>,
}

fn application(code: &str) -> Application {
    crate::domain::application::fixtures::approval(code, Money::from_yuan(3_568_000))
}

fn opened(f: &Fixture) -> Body {
    let mut panel = vec![PanelMember {
        member: member(&f.chair),
        role: Role::Chair,
        category: String::new(),
        unit: String::new(),
        replaces: None,
    }];
    panel.extend(f.experts.iter().map(|e| PanelMember {
        member: member(e),
        role: Role::Expert,
        category: "技术".into(),
        unit: String::new(),
        replaces: None,
    }));
    Body::MeetingOpened(Box::new(MeetingOpened {
        id: "M1".into(),
        title: "评审会".into(),
        date: NaiveDate::from_ymd_opt(2026, 12, 8).unwrap(),
        profile: crate::assets::profile("gulou-2021").unwrap(),
        rubrics: ApplicationKind::ALL.iter().map(|k| crate::assets::rubric(*k).unwrap()).collect(),
        secretariat: member(&f.sec),
        panel,
        draw: None,
        supersedes: f.store.meeting_event("M1").ok(),
    }))
}

fn fixture() -> Fixture {
    let mut f = Fixture {
        store: Store::open_in_memory().unwrap(),
        sec: person("信息化办"),
        chair: person("王建国"),
        experts: ["李明", "张华", "陈静"].iter().map(|n| person(n)).collect(),
    };
    f.store.trust_add(&f.sec.public(), "2026-12-01").unwrap();
    let body = opened(&f);
    f.store.append_local(&f.sec, body, now()).unwrap();
    let body = registered(&f, "GL-1");
    f.store.append_local(&f.sec, body, now()).unwrap();
    f
}

fn registered(f: &Fixture, code: &str) -> Body {
    Body::ApplicationRegistered {
        meeting: "M1".into(),
        meeting_event: f.store.meeting_event("M1").unwrap(),
        application: Box::new(application(code)),
    }
}

/// A sheet for the approval rubric whose total is `total` points (all on the first criteria).
fn sheet(total: u32) -> ScoreSheet {
    let rubric = crate::assets::rubric(ApplicationKind::Approval).unwrap();
    let mut left = total * 2;
    let mut s = ScoreSheet::default();
    for c in &rubric.criteria {
        let give = left.min(c.max.halves());
        left -= give;
        s.points.insert(c.id.clone(), Points::from_halves(give));
    }
    s
}

fn score(f: &Fixture, total: u32) -> Body {
    Body::ScoreSubmitted {
        meeting: "M1".into(),
        code: "GL-1".into(),
        basis: basis(f, "GL-1"),
        sheet: sheet(total),
        seat: None,
    }
}

fn basis(f: &Fixture, code: &str) -> crate::ledger::Basis {
    f.store.basis("M1", code).unwrap()
}

#[test]
fn pragmas_are_set_on_open() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("t.db")).unwrap();
    let fk: i64 = store.conn.query_row("PRAGMA foreign_keys", [], |r| r.get(0)).unwrap();
    let mode: String = store.conn.query_row("PRAGMA journal_mode", [], |r| r.get(0)).unwrap();
    assert_eq!((fk, mode.as_str()), (1, "wal"));
}

#[test]
fn a_later_score_supersedes_and_history_keeps_both() {
    let mut f = fixture();
    f.store.append_local(&f.experts[0], score(&f, 70), now()).unwrap();
    f.store.append_local(&f.experts[0], score(&f, 82), now()).unwrap();
    let v = f.store.application("M1", "GL-1", &f.chair.key_hex()).unwrap();
    assert_eq!(v.experts[0].total, Some(Points::whole(82)));
    let scores = v.history.iter().filter(|h| h.kind == "score_submitted").count();
    assert_eq!(scores, 2);
}

#[test]
fn rebuilding_from_the_log_gives_the_live_tables() {
    let mut f = fixture();
    f.store.append_local(&f.sec, registered(&f, "GL-2"), now()).unwrap();
    f.store.append_local(&f.sec, registered(&f, "GL-1"), now()).unwrap();
    for (i, e) in f.experts.iter().enumerate() {
        f.store.append_local(e, score(&f, 70 + i as u32), now()).unwrap();
    }
    f.store.append_local(&f.experts[0], score(&f, 90), now()).unwrap();
    let conflict = Body::ConflictDeclared {
        meeting: "M1".into(),
        code: "GL-2".into(),
        basis: basis(&f, "GL-2"),
        reason: "曾参与可研编制".into(),
    };
    f.store.append_local(&f.experts[2], conflict, now()).unwrap();
    let v = f.store.application("M1", "GL-1", &f.chair.key_hex()).unwrap();
    let decision = Decision {
        outcome: Outcome::PassAfterRevision,
        suggested: v.suggested.unwrap(),
        plan_class: None,
        rectification_deadline: None,
        conditions: "补充数据共享清单".into(),
        opinion: String::new(),
        override_reason: Some("专家组讨论后认为需补充材料".into()),
    };
    f.store
        .append_local(
            &f.chair,
            Body::DecisionRecorded {
                meeting: "M1".into(),
                code: "GL-1".into(),
                basis: v.basis.clone(),
                decision,
                based_on: v.score_event_ids(),
            },
            now(),
        )
        .unwrap();
    let live = f.store.dump_projections().unwrap();
    assert!(live.contains("pass_after_revision"));
    f.store.rebuild_projections().unwrap();
    assert_eq!(f.store.dump_projections().unwrap(), live);
}

#[test]
fn refused_events_change_nothing() {
    let mut f = fixture();
    let before = f.store.dump().unwrap();
    let outsider = person("路人");
    let e = f.store.append_local(&outsider, score(&f, 80), now()).unwrap_err().to_string();
    assert!(e.contains("不在本次会议的专家组中") && e.contains("not on this meeting's panel"), "{e}");
    let e = f.store.append_local(&f.chair, score(&f, 80), now()).unwrap_err().to_string();
    assert!(e.contains("组长不能评分"), "{e}");
    let mut too_high = sheet(80);
    too_high.points.insert("necessity".into(), Points::whole(16));
    let e = f
        .store
        .append_local(
            &f.experts[0],
            Body::ScoreSubmitted {
                meeting: "M1".into(),
                code: "GL-1".into(),
                basis: basis(&f, "GL-1"),
                sheet: too_high,
                seat: None,
            },
            now(),
        )
        .unwrap_err()
        .to_string();
    assert!(e.contains("满分 15 分"), "{e}");
    let untrusted = person("冒名秘书处");
    assert!(f.store.append_local(&untrusted, registered(&f, "GL-9"), now()).is_err());
    assert_eq!(f.store.dump().unwrap(), before);
}

#[test]
fn a_recused_expert_cannot_score_and_is_left_out_of_the_aggregate() {
    let mut f = fixture();
    f.store.append_local(&f.experts[1], score(&f, 60), now()).unwrap();
    let conflict = Body::ConflictDeclared {
        meeting: "M1".into(),
        code: "GL-1".into(),
        basis: basis(&f, "GL-1"),
        reason: "与申报单位有业务往来".into(),
    };
    f.store.append_local(&f.experts[1], conflict, now()).unwrap();
    let e = f.store.append_local(&f.experts[1], score(&f, 70), now()).unwrap_err().to_string();
    assert!(e.contains("回避"), "{e}");
    f.store.append_local(&f.experts[0], score(&f, 80), now()).unwrap();
    let v = f.store.application("M1", "GL-1", &f.chair.key_hex()).unwrap();
    let g = v.aggregate.unwrap();
    assert_eq!((g.n, g.value.0), (1, 8000), "the earlier score of the recused expert does not count");
}

#[test]
fn blind_review_hides_others_until_one_submits() {
    let mut f = fixture();
    f.store.append_local(&f.experts[0], score(&f, 80), now()).unwrap();
    let me = f.experts[1].key_hex();
    let q = f.store.queue("M1", &me).unwrap();
    assert!(q.rows[0].aggregate.is_none() && q.rows[0].blind);
    let v = f.store.application("M1", "GL-1", &me).unwrap();
    assert!(v.experts.iter().all(|e| e.total.is_none()));
    f.store.append_local(&f.experts[1], score(&f, 70), now()).unwrap();
    let q = f.store.queue("M1", &me).unwrap();
    assert_eq!(q.rows[0].aggregate.as_ref().unwrap().value.0, 7500);
    let chair = f.store.queue("M1", &f.chair.key_hex()).unwrap();
    assert!(!chair.rows[0].blind);
}

#[test]
fn revocation_voids_events_after_the_cutoff_held_or_arriving() {
    let mut f = fixture();
    let lost = &f.experts[0];
    f.store.append_local(lost, score(&f, 70), now()).unwrap(); // seq 1 stays
    f.store.append_local(lost, score(&f, 95), now()).unwrap(); // seq 2 is voided
    let revoke = Body::KeyRevoked { key: lost.key_hex(), cutoff_seq: 1, reason: "笔记本丢失".into() };
    f.store.append_local(&f.sec, revoke, now()).unwrap();
    let v = f.store.application("M1", "GL-1", &f.chair.key_hex()).unwrap();
    assert_eq!(v.experts[0].total, Some(Points::whole(70)));
    let e = f.store.append_local(lost, score(&f, 99), now()).unwrap_err().to_string();
    assert!(e.contains("吊销"), "{e}");
    let live = f.store.dump_projections().unwrap();
    f.store.rebuild_projections().unwrap();
    assert_eq!(f.store.dump_projections().unwrap(), live);
}

fn events_of(store: &Store) -> Vec<SignedEvent> {
    let mut st = store.conn.prepare("SELECT bytes, signature FROM events ORDER BY rowid").unwrap();
    st.query_map([], |r| Ok((r.get::<_, Vec<u8>>(0)?, r.get::<_, Vec<u8>>(1)?)))
        .unwrap()
        .map(|r| {
            let (b, s) = r.unwrap();
            SignedEvent::verify(b, s).unwrap()
        })
        .collect()
}

#[test]
fn importing_twice_equals_importing_once_and_order_does_not_matter() {
    let mut f = fixture();
    for (i, e) in f.experts.iter().enumerate() {
        f.store.append_local(e, score(&f, 60 + 10 * i as u32), now()).unwrap();
    }
    // A revision of a sheet review flagged (复核) carries its reason.
    let mut revised = sheet(88);
    revised.revision_reason = "复看测试报告后调整".into();
    let body = Body::ScoreSubmitted {
        meeting: "M1".into(),
        code: "GL-1".into(),
        basis: basis(&f, "GL-1"),
        sheet: revised,
        seat: None,
    };
    f.store.append_local(&f.experts[0], body, now()).unwrap();
    let events = events_of(&f.store);
    let fresh = || {
        let mut s = Store::open_in_memory().unwrap();
        s.trust_add(&f.sec.public(), "2026-12-01").unwrap();
        s
    };
    let mut a = fresh();
    let r = a.import_events(&events, now()).unwrap();
    assert_eq!((r.new, r.duplicate), (events.len(), 0));
    let again = a.import_events(&events, now()).unwrap();
    assert_eq!((again.new, again.duplicate), (0, events.len()));
    // Parents first, then children newest first: the later score still wins.
    let mut reordered = events.clone();
    reordered[2..].reverse();
    let mut b = fresh();
    b.import_events(&reordered, now()).unwrap();
    assert_eq!(a.dump_projections().unwrap(), b.dump_projections().unwrap());
    assert_eq!(a.dump_projections().unwrap(), f.store.dump_projections().unwrap());
}

/// The meeting of `f` re-opened with `extra` members added.
fn reopened(f: &Fixture, extra: Vec<PanelMember>) -> Body {
    let Body::MeetingOpened(mut m) = opened(f) else { unreachable!() };
    m.panel.extend(extra);
    Body::MeetingOpened(m)
}

fn taking_over(new: &Identity, old: &Identity, role: Role) -> PanelMember {
    PanelMember {
        member: member(new),
        role,
        category: "技术".into(),
        unit: String::new(),
        replaces: Some(old.key_hex()),
    }
}

#[test]
fn a_new_key_takes_over_a_seat_once_and_the_seat_counts_once() {
    let mut f = fixture();
    f.store.append_local(&f.experts[0], score(&f, 70), now()).unwrap();
    let laptop = person("李明");
    let other = person("李明2");
    // Refused: a different role, a seat taken over twice, a loop.
    for bad in [
        vec![taking_over(&laptop, &f.experts[0], Role::Chair)],
        vec![taking_over(&laptop, &f.experts[0], Role::Expert), taking_over(&other, &f.experts[0], Role::Expert)],
        vec![taking_over(&laptop, &other, Role::Expert), taking_over(&other, &laptop, Role::Expert)],
    ] {
        assert!(f.store.append_local(&f.sec, reopened(&f, bad), now()).is_err());
    }
    f.store.append_local(&f.sec, reopened(&f, vec![taking_over(&laptop, &f.experts[0], Role::Expert)]), now()).unwrap();
    let v = f.store.application("M1", "GL-1", &f.chair.key_hex()).unwrap();
    assert_eq!(v.experts.len(), 3, "three seats, not four");
    assert_eq!(v.experts[0].key, laptop.key_hex());
    assert_eq!(v.experts[0].total, Some(Points::whole(70)), "the old key's sheet stands for the seat");
    f.store.append_local(&laptop, score(&f, 90), now()).unwrap();
    let v = f.store.application("M1", "GL-1", &f.chair.key_hex()).unwrap();
    assert_eq!(v.experts[0].total, Some(Points::whole(90)), "until the new key's own");
    assert_eq!(f.store.queue("M1", &f.chair.key_hex()).unwrap().rows[0].scored, 1);
    // The new chair of a lost chair's laptop: still exactly one chair.
    let chair2 = person("组长新");
    let chair_seat = taking_over(&chair2, &f.chair, Role::Chair);
    let both = vec![taking_over(&laptop, &f.experts[0], Role::Expert), chair_seat];
    f.store.append_local(&f.sec, reopened(&f, both), now()).unwrap();
}

fn declare(f: &Fixture, code: &str) -> Body {
    Body::ConflictDeclared {
        meeting: "M1".into(),
        code: code.into(),
        basis: basis(f, code),
        reason: "曾参与该项目可研编制".into(),
    }
}

fn withdrawal_by(f: &Fixture, who: &Identity) -> Body {
    let reason = crate::domain::Reason::parse("已核实未参与可研编制").unwrap();
    f.store.conflict_withdrawal("M1", "GL-1", &who.key_hex(), reason).unwrap()
}

/// Signs `body` as the next event of `who` on `store`'s chain without any check, as a peer's
/// machine (or a hostile one) could.
fn sign_next(store: &Store, who: &Identity, body: Body) -> SignedEvent {
    let head = store.head(&who.key_hex()).unwrap();
    let envelope = crate::ledger::Envelope {
        v: crate::ledger::event::EVENT_VERSION,
        suite: Suite::Ed25519Sha256,
        author: who.key_hex(),
        seq: head.as_ref().map_or(1, |(s, _)| s + 1),
        prev: head.map(|(_, id)| id),
        time: now(),
        body,
    };
    SignedEvent::sign(&who.secret, envelope).unwrap()
}

fn decide(f: &mut Fixture, partial_ok: bool) -> SignedEvent {
    let v = f.store.application("M1", "GL-1", &f.chair.key_hex()).unwrap();
    assert!(partial_ok || v.missing_sheets().is_none(), "{:?}", v.pending_experts());
    let suggested = v.suggested.unwrap();
    let decision = Decision {
        outcome: suggested,
        suggested,
        plan_class: None,
        rectification_deadline: None,
        conditions: String::new(),
        opinion: String::new(),
        override_reason: None,
    };
    let body = Body::DecisionRecorded {
        meeting: "M1".into(),
        code: "GL-1".into(),
        basis: v.basis.clone(),
        decision,
        based_on: v.score_event_ids(),
    };
    f.store.append_local(&f.chair, body, now()).unwrap()
}

#[test]
fn a_withdrawn_conflict_counts_the_expert_again_and_keeps_both_events() {
    let mut f = fixture();
    let declared = f.store.append_local(&f.experts[2], declare(&f, "GL-1"), now()).unwrap();
    assert_eq!(f.store.standing_conflict("M1", "GL-1", &f.experts[2].key_hex()).unwrap(), Some(declared.id.clone()));
    assert_eq!(f.store.queue("M1", &f.chair.key_hex()).unwrap().rows[0].eligible, 2);
    let body = withdrawal_by(&f, &f.experts[2]);
    assert!(matches!(&body, Body::ConflictWithdrawn { withdraws, .. } if *withdraws == declared.id));
    f.store.append_local(&f.experts[2], body, now()).unwrap();

    assert_eq!(f.store.standing_conflict("M1", "GL-1", &f.experts[2].key_hex()).unwrap(), None);
    let q = f.store.queue("M1", &f.experts[2].key_hex()).unwrap();
    assert_eq!((q.rows[0].my_score.clone(), q.rows[0].eligible), (MyScore::None, 3));
    let v = f.store.application("M1", "GL-1", &f.chair.key_hex()).unwrap();
    assert!(v.experts[2].recused.is_none());
    assert_eq!(v.pending_experts(), vec!["李明", "张华", "陈静"]);
    let kinds: Vec<(&str, &str)> = v.history.iter().map(|h| (h.kind.as_str(), h.status.as_str())).collect();
    assert!(kinds.contains(&("conflict_declared", "applied")) && kinds.contains(&("conflict_withdrawn", "applied")));
    f.store.append_local(&f.experts[2], score(&f, 75), now()).unwrap();

    // Nothing stands to withdraw any more; a new declaration stands again.
    let reason = crate::domain::Reason::parse("已核实未参与可研编制").unwrap();
    let e = f.store.conflict_withdrawal("M1", "GL-1", &f.experts[2].key_hex(), reason).unwrap_err().to_string();
    assert!(e.contains("无可撤回") && e.contains("nothing to withdraw"), "{e}");
    f.store.append_local(&f.experts[2], declare(&f, "GL-1"), now()).unwrap();
    assert!(f.store.application("M1", "GL-1", "").unwrap().experts[2].recused.is_some());

    let live = f.store.dump_projections().unwrap();
    f.store.rebuild_projections().unwrap();
    assert_eq!(f.store.dump_projections().unwrap(), live);
}

#[test]
fn a_withdrawal_is_judged_by_the_declaration_it_names_in_any_order() {
    let mut f = fixture();
    let declared = f.store.append_local(&f.experts[2], declare(&f, "GL-1"), now()).unwrap();
    let sheet = f.store.append_local(&f.experts[0], score(&f, 80), now()).unwrap();
    let withdrawn = f.store.append_local(&f.experts[2], withdrawal_by(&f, &f.experts[2]), now()).unwrap();
    let events = events_of(&f.store);
    let fresh = || {
        let mut s = Store::open_in_memory().unwrap();
        s.trust_add(&f.sec.public(), "2026-12-01").unwrap();
        s
    };
    // The withdrawal first: held until the declaration it names arrives, then applied.
    let mut late = fresh();
    let (early, rest): (Vec<SignedEvent>, Vec<SignedEvent>) = events.iter().cloned().partition(|e| e.id != declared.id);
    assert!(early.iter().any(|e| e.id == withdrawn.id));
    let r = late.import_events(&early, now()).unwrap();
    assert_eq!(r.quarantined, 1, "{:?}", r.refusals);
    let r = late.import_events(&rest, now()).unwrap();
    assert_eq!(r.released, 1, "{:?}", r.refusals);
    assert_eq!(late.dump_state().unwrap(), f.store.dump_state().unwrap());

    // Another expert cannot withdraw it, nor can a withdrawal name a score sheet.
    let Body::ConflictWithdrawn { meeting, code, basis, reason, .. } = withdrawal_body(&f, &declared.id) else {
        unreachable!()
    };
    let forged = |withdraws: &str| Body::ConflictWithdrawn {
        meeting: meeting.clone(),
        code: code.clone(),
        basis: basis.clone(),
        withdraws: withdraws.into(),
        reason: reason.clone(),
    };
    let before = f.store.dump_state().unwrap();
    for (who, names, why) in [
        (&f.experts[1], declared.id.as_str(), "自己此前"),
        (&f.experts[2], sheet.id.as_str(), "不是回避声明"),
        (&f.chair, declared.id.as_str(), "组长不能撤回回避"),
    ] {
        let ev = sign_next(&f.store, who, forged(names));
        let r = f.store.import_events(&[ev], now()).unwrap();
        assert_eq!(r.rejected, 1, "{why}: {:?}", r.refusals);
        assert!(r.refusals[0].1.zh.contains(why), "{:?}", r.refusals);
    }
    assert_eq!(f.store.dump_state().unwrap(), before);
}

/// A withdrawal as `conflict_withdrawal` would build it, naming `withdraws` whatever stands.
fn withdrawal_body(f: &Fixture, withdraws: &str) -> Body {
    Body::ConflictWithdrawn {
        meeting: "M1".into(),
        code: "GL-1".into(),
        basis: basis(f, "GL-1"),
        withdraws: withdraws.into(),
        reason: "已核实未参与可研编制".into(),
    }
}

#[test]
fn no_withdrawal_is_signed_after_the_decision_but_one_signed_before_it_counts_in_either_order() {
    let mut f = fixture();
    let declared = f.store.append_local(&f.experts[2], declare(&f, "GL-1"), now()).unwrap();
    // The expert's own machine, before the decision reaches it.
    let mut expert_machine = Store::open_in_memory().unwrap();
    expert_machine.trust_add(&f.sec.public(), "2026-12-01").unwrap();
    expert_machine.import_events(&events_of(&f.store), now()).unwrap();
    let reason = crate::domain::Reason::parse("已核实未参与可研编制").unwrap();
    let body = expert_machine.conflict_withdrawal("M1", "GL-1", &f.experts[2].key_hex(), reason).unwrap();
    let withdrawn = expert_machine.append_local(&f.experts[2], body, now()).unwrap();

    f.store.append_local(&f.experts[0], score(&f, 80), now()).unwrap();
    f.store.append_local(&f.experts[1], score(&f, 70), now()).unwrap();
    decide(&mut f, false);
    // Here, the decision is recorded: refused before signing, and by the guard at signing.
    let reason = crate::domain::Reason::parse("已核实未参与可研编制").unwrap();
    let e = f.store.conflict_withdrawal("M1", "GL-1", &f.experts[2].key_hex(), reason).unwrap_err().to_string();
    assert!(e.contains("组长已对 GL-1 记录结论") && e.contains("can no longer be withdrawn"), "{e}");
    let e = f.store.append_local(&f.experts[2], withdrawal_body(&f, &declared.id), now()).unwrap_err().to_string();
    assert!(e.contains("can no longer be withdrawn"), "{e}");

    // The withdrawal signed before the decision arrived: the decision stands as it was, the
    // expert counts again and is still to submit.
    let everything: Vec<SignedEvent> = events_of(&f.store).into_iter().chain([withdrawn.clone()]).collect();
    let mut one = Store::open_in_memory().unwrap();
    one.trust_add(&f.sec.public(), "2026-12-01").unwrap();
    one.import_events(&everything, now()).unwrap();
    let mut other = Store::open_in_memory().unwrap();
    other.trust_add(&f.sec.public(), "2026-12-01").unwrap();
    let mut reversed = everything.clone();
    reversed.reverse();
    other.import_events(&reversed, now()).unwrap();
    assert_eq!(one.dump_state().unwrap(), other.dump_state().unwrap());
    let v = one.application("M1", "GL-1", &f.chair.key_hex()).unwrap();
    assert!(v.decision.as_ref().is_some_and(|d| !d.outdated));
    assert_eq!(v.pending_experts(), vec!["陈静"]);
    assert!(one.log(None).unwrap().entries.iter().all(|e| e.status == "applied"));
}

#[test]
fn a_sheet_after_the_decision_is_flagged_until_the_chair_decides_again() {
    let mut f = fixture();
    f.store.append_local(&f.experts[0], score(&f, 80), now()).unwrap();
    f.store.append_local(&f.experts[1], score(&f, 70), now()).unwrap();
    let v = f.store.application("M1", "GL-1", &f.chair.key_hex()).unwrap();
    assert_eq!(v.pending_experts(), vec!["陈静"]);
    let missing = v.missing_sheets().unwrap();
    assert_eq!(missing.warning().zh, "GL-1 还有专家未提交评分：陈静");
    decide(&mut f, true);
    let flags = |f: &Fixture| {
        let v = f.store.application("M1", "GL-1", &f.chair.key_hex()).unwrap();
        let q = f.store.queue("M1", &f.chair.key_hex()).unwrap();
        (v.experts.iter().map(|e| e.after_decision).collect::<Vec<_>>(), q.rows[0].after_decision)
    };
    assert_eq!(flags(&f), (vec![false, false, false], 0));
    // A late sheet, and a revision of one the decision rests on.
    f.store.append_local(&f.experts[2], score(&f, 90), now()).unwrap();
    f.store.append_local(&f.experts[0], score(&f, 85), now()).unwrap();
    assert_eq!(flags(&f), (vec![true, false, true], 2));
    let v = f.store.application("M1", "GL-1", &f.experts[1].key_hex()).unwrap();
    assert_eq!(v.experts.iter().filter(|e| e.after_decision).count(), 2, "an expert who submitted sees it too");
    // The chair decides again: the new decision supersedes and rests on every sheet.
    let again = decide(&mut f, false);
    let v = f.store.application("M1", "GL-1", &f.chair.key_hex()).unwrap();
    assert_eq!(v.decision.as_ref().map(|d| d.event_id.as_str()), Some(again.id.as_str()));
    assert_eq!(v.decision.as_ref().map(|d| d.based_on.len()), Some(3));
    assert_eq!(flags(&f), (vec![false, false, false], 0));
    assert_eq!(v.history.iter().filter(|h| h.kind == "decision_recorded").count(), 2);
}

#[test]
fn an_expert_whose_sheet_answers_an_earlier_version_is_still_to_submit() {
    let mut f = fixture();
    for e in &f.experts {
        f.store.append_local(e, score(&f, 80), now()).unwrap();
    }
    assert!(f.store.application("M1", "GL-1", &f.chair.key_hex()).unwrap().missing_sheets().is_none());
    // The application is registered again: every sheet answers the earlier version (须重评).
    f.store.append_local(&f.sec, registered(&f, "GL-1"), now()).unwrap();
    f.store.append_local(&f.experts[1], score(&f, 75), now()).unwrap();
    let v = f.store.application("M1", "GL-1", &f.chair.key_hex()).unwrap();
    assert_eq!(v.pending_experts(), vec!["李明", "陈静"]);
    let missing = v.missing_sheets().unwrap();
    assert_eq!(
        missing.to_string(),
        "GL-1 还有专家未提交评分：李明、陈静。请等待，或加 --partial 按已提交的评分决定 / experts have not yet scored GL-1: 李明, 陈静. Wait, or add --partial to decide on the scores submitted"
    );
}

#[test]
fn a_read_splits_over_two_cores_only_outside_a_transaction_on_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let mut f = fixture();
    // The same meeting in a store on disk, which a second connection can open.
    f.store = Store::open(&dir.path().join("t.db")).unwrap();
    f.store.trust_add(&f.sec.public(), "2026-12-01").unwrap();
    let body = opened(&f);
    f.store.append_local(&f.sec, body, now()).unwrap();
    let body = registered(&f, "GL-1");
    f.store.append_local(&f.sec, body, now()).unwrap();
    let count = |s: &Store| s.conn.query_row("SELECT count(*) FROM trust", [], |r| r.get::<_, i64>(0));
    assert_eq!(
        f.store.on_two_cores(None, |s| count(s).unwrap(), |s| count(s).unwrap()).unwrap(),
        None,
        "one application"
    );
    f.store.two_cores_from = 1;
    assert_eq!(f.store.on_two_cores(None, |s| count(s).unwrap(), |s| count(s).unwrap()).unwrap(), Some((1, 1)));
    // Inside a write transaction the second connection would read the store without its
    // writes: the read stays on this connection.
    f.store.conn.execute_batch("BEGIN IMMEDIATE; DELETE FROM trust;").unwrap();
    assert_eq!(f.store.on_two_cores(None, |s| count(s).unwrap(), |s| count(s).unwrap()).unwrap(), None);
    f.store.conn.execute_batch("ROLLBACK").unwrap();
    // A second connection that cannot be opened leaves the read on this one, without an error.
    f.store.helper.replace(None);
    std::fs::rename(dir.path().join("t.db"), dir.path().join("moved.db")).unwrap();
    assert_eq!(f.store.on_two_cores(None, |s| count(s).unwrap(), |s| count(s).unwrap()).unwrap(), None);
    assert_eq!(count(&f.store).unwrap(), 1, "this connection still reads");
    let mut memory = fixture();
    memory.store.two_cores_from = 1;
    assert_eq!(
        memory.store.on_two_cores(None, |s| count(s).unwrap(), |s| count(s).unwrap()).unwrap(),
        None,
        "in memory"
    );
}
