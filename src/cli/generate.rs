//! `generate`: a large synthetic meeting, for benchmarks and for trying the screens at scale.

use super::{Ctx, Home, output};
use crate::domain::{Application, ApplicationKind, Decision, Money, Nature, PlanClass, Points, Rubric, suggest};
use crate::ledger::event::{MeetingOpened, PanelMember, Role};
use crate::ledger::{Basis, Body, Identity, Member, Suite};
use anyhow::{Result, bail};
use chrono::{DateTime, NaiveDate, Utc};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Applications on the agenda
    #[arg(long, default_value_t = 2000)]
    pub applications: usize,
    /// Scoring experts on the panel
    #[arg(long, default_value_t = 15)]
    pub experts: usize,
    /// Score sheets each expert signs per application (later ones supersede)
    #[arg(long, default_value_t = 3)]
    pub revisions: usize,
}

/// Sizes of a generated meeting.
#[derive(Clone, Copy, Debug)]
pub struct Size {
    pub applications: usize,
    pub experts: usize,
    pub revisions: usize,
}

pub const MEETING_ID: &str = "GEN-1";
pub const SECRETARIAT: &str = "秘书处";
pub const CHAIR: &str = "组长";

pub fn run(ctx: &Ctx, a: Args) -> Result<()> {
    if ctx.home.dir.exists() && std::fs::read_dir(&ctx.home.dir)?.next().is_some() {
        bail!(
            "{} 不是空目录；生成的会议需要一个新目录 / {} is not empty: a generated meeting needs a new home",
            ctx.home.dir.display(),
            ctx.home.dir.display()
        );
    }
    let size = Size { applications: a.applications, experts: a.experts, revisions: a.revisions };
    let events = build(&ctx.home, size, ctx.now)?;
    if ctx.json {
        return output::json(&serde_json::json!({"home": ctx.home.dir, "meeting": MEETING_ID, "events": events}));
    }
    say!(
        "{} {}：{} {}（{}）",
        ctx.t("已生成会议", "Generated meeting"),
        MEETING_ID,
        events,
        ctx.t("个事件", "events"),
        ctx.home.dir.display()
    );
    Ok(())
}

fn app(i: usize) -> Application {
    let kind = ApplicationKind::ALL[i % ApplicationKind::ALL.len()];
    let total = Money::from_yuan(200_000 + (i as i64 * 7_919) % 4_800_000);
    let (approved, requested) = match kind {
        ApplicationKind::Approval => (None, Some(total)),
        ApplicationKind::Change => {
            (Some(total), Some(Money::from_fen(total.fen() + total.fen() / 100 * (i as i64 % 15))))
        }
        ApplicationKind::Acceptance => (Some(total), None),
        ApplicationKind::Maintenance => (None, Some(total)),
    };
    let day = |d: u32| NaiveDate::from_ymd_opt(2026, 1 + (i % 6) as u32, d);
    let acceptance = kind == ApplicationKind::Acceptance;
    Application {
        code: format!("GEN-{i:05}"),
        name: format!(
            "第{i}号政务信息化项目（{}）",
            ["智慧城管", "政务服务", "数据中台", "应急指挥", "医疗健康"][i % 5]
        ),
        unit: format!("鼓楼区第{}委办局", i % 40),
        department: format!("鼓楼区第{}委办局", i % 40),
        kind,
        nature: Nature::New,
        approved_total: approved,
        requested_total: requested,
        plan_class: [Some(PlanClass::A), Some(PlanClass::B), None][i % 3],
        cross_department: i.is_multiple_of(7),
        joint_submission: i.is_multiple_of(14),
        supervision_firm: !i.is_multiple_of(4),
        data_sharing_section: !i.is_multiple_of(9),
        protection_level: None,
        construction_completed: day(1).filter(|_| acceptance),
        trial_start: day(2).filter(|_| acceptance),
        trial_end: day(2).and_then(|d| d.checked_add_months(chrono::Months::new(3))).filter(|_| acceptance),
        acceptance_applied: day(2).and_then(|d| d.checked_add_months(chrono::Months::new(5))).filter(|_| acceptance),
        documents: vec![],
        facts: Default::default(),
        original_total: None,
        previous_code: None,
        maintenance: crate::domain::application::MaintenanceFacts {
            accepted_on: NaiveDate::from_ymd_opt(2024 + (i % 2) as i32, 1 + (i % 12) as u32, 1 + (i % 28) as u32)
                .filter(|_| kind == ApplicationKind::Maintenance && !i.is_multiple_of(11)),
            self_evaluation: kind == ApplicationKind::Maintenance && i.is_multiple_of(3),
            service_report: kind == ApplicationKind::Maintenance && !i.is_multiple_of(5),
        },
    }
}

/// Builds the meeting in a new home and returns how many events it signed.
pub fn build(home: &Home, size: Size, now: DateTime<Utc>) -> Result<usize> {
    let mut store = home.create()?;
    let ring = home.keyring();
    let sec = ring.create(SECRETARIAT, Suite::Ed25519Sha256)?;
    store.trust_add(&sec.public(), &now.to_rfc3339())?;
    let chair = ring.create(CHAIR, Suite::Ed25519Sha256)?;
    let experts: Vec<Identity> = (0..size.experts)
        .map(|i| ring.create(&format!("专家{:02}", i + 1), Suite::Ed25519Sha256))
        .collect::<Result<_, _>>()?;
    let member = |id: &Identity| Member { name: id.name.clone(), key: id.key_hex(), suite: id.secret.suite() };
    let mut panel = vec![PanelMember {
        member: member(&chair),
        role: Role::Chair,
        category: "综合".into(),
        unit: String::new(),
        replaces: None,
    }];
    panel.extend(experts.iter().map(|e| PanelMember {
        member: member(e),
        role: Role::Expert,
        category: "技术".into(),
        unit: String::new(),
        replaces: None,
    }));
    let rubrics: Vec<Rubric> =
        ApplicationKind::ALL.iter().map(|k| crate::assets::rubric(*k)).collect::<Result<_, _>>()?;
    let profile = crate::assets::profile(crate::assets::DEFAULT_PROFILE)?;
    let opened = MeetingOpened {
        id: MEETING_ID.into(),
        title: format!("生成的大型评审会（{} 个申报项目）", size.applications),
        date: NaiveDate::from_ymd_opt(2026, 12, 8).unwrap_or_default(),
        profile: profile.clone(),
        rubrics: rubrics.clone(),
        secretariat: member(&sec),
        panel,
        draw: None,
        supersedes: None,
    };
    let apps: Vec<Application> = (0..size.applications).map(app).collect();
    let meeting_event = store.append_local(&sec, Body::MeetingOpened(Box::new(opened)), now)?.id;
    let bodies = apps.iter().map(|a| Body::ApplicationRegistered {
        meeting: MEETING_ID.into(),
        meeting_event: meeting_event.clone(),
        application: Box::new(a.clone()),
    });
    let registered = store.append_local_all(&sec, bodies.collect(), &[], now)?;
    let mut count = 1 + registered.len();
    let basis: Vec<Basis> = registered
        .iter()
        .map(|e| Basis { meeting_event: meeting_event.clone(), application_event: e.id.clone() })
        .collect();
    let rubric_of = |k: ApplicationKind| rubrics.iter().find(|r| r.kind == k);
    for (e, expert) in experts.iter().enumerate() {
        let mut bodies = Vec::new();
        for r in 0..size.revisions {
            for (i, a) in apps.iter().enumerate() {
                let Some(rubric) = rubric_of(a.kind) else { continue };
                let total = 55 + ((i * 31 + e * 17 + r * 7) % 90) as u32 / 2;
                let mut sheet = super::demo::spread(rubric, Points::whole(total));
                sheet.opinion = super::demo::opinion(total as f64);
                let basis = basis[i].clone();
                bodies.push(Body::ScoreSubmitted {
                    meeting: MEETING_ID.into(),
                    code: a.code.clone(),
                    basis,
                    sheet,
                    seat: None,
                });
            }
        }
        count += store.append_local_all(expert, bodies, &[], now)?.len();
    }
    let mut bodies = Vec::new();
    for a in &apps {
        let view = store.application(MEETING_ID, &a.code, &chair.key_hex())?;
        let (Some(g), Some(s)) = (view.aggregate.as_ref(), view.suggested) else { continue };
        let suggested = suggest(&profile, a.kind, g, &view.findings);
        debug_assert_eq!(s, suggested);
        let deadline = (s == crate::domain::Outcome::Rectify).then(|| NaiveDate::from_ymd_opt(2027, 3, 31)).flatten();
        let decision = Decision {
            outcome: s,
            suggested: s,
            plan_class: None,
            rectification_deadline: deadline,
            // 核减后同意 states the amount approved and why (the panel's rule, not a regulation's).
            conditions: if s == crate::domain::Outcome::MaintenanceReduced {
                "核定运维费用为申报额的九成：核减驻场人员一名".into()
            } else {
                String::new()
            },
            opinion: "按建议结论".into(),
            override_reason: None,
        };
        bodies.push(Body::DecisionRecorded {
            meeting: MEETING_ID.into(),
            code: a.code.clone(),
            basis: view.basis.clone(),
            decision,
            based_on: view.score_event_ids(),
        });
    }
    count += store.append_local_all(&chair, bodies, &[], now)?.len();
    Ok(count)
}
