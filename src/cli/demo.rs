//! `demo`: a realistic review meeting in a home of its own: a secretariat, a chair and five
//! experts on one shared machine, seventeen applications (two of them O&M) placed around every
//! threshold, and four experts' score sheets already signed. An earlier meeting sent two
//! acceptances back to rectify (限期整改, 第二十三条): one is applied for again in time, the
//! other's deadline has passed, so its unit's approval in this meeting is held back.

use super::{Ctx, Home, output};
use crate::domain::rubric::Rubric;
use crate::domain::{Points, ScoreSheet, VetoMark};
use crate::ledger::event::{DrawRecord, MeetingOpened, PanelMember, Role};
use crate::ledger::{Body, Identity, Member, Suite};
use crate::store::Store;
use anyhow::{Result, bail};
use sha2::Digest;
use std::path::Path;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Build the demo home and print the queue, without opening the screens
    #[arg(long)]
    pub no_tui: bool,
}

/// Marks a folder as a demo home, which `demo` may wipe and rebuild.
const MARKER: &str = ".reviewdesk-demo";
const APPLICATIONS: &str = include_str!("../../assets/demo/applications.csv");
/// The earlier meeting's two acceptances, both sent back to rectify.
const EARLIER_APPLICATIONS: &str = include_str!("../../assets/demo/earlier.csv");
pub const MEETING_ID: &str = "GL-2027-01";
/// The earlier meeting (2026-06-16), with its orders: (code, total of every expert, deadline, opinion).
pub const EARLIER_ID: &str = "GL-2026-03";
const EARLIER_ORDERS: [(&str, f64, &str, &str); 2] = [
    (
        "GL-YS-2025-019",
        70.0,
        "2026-10-31",
        "并发性能未达到合同约定指标，第三方测试报告缺失；限期整改，补齐测试报告后重新申请验收。",
    ),
    ("GL-YS-2025-017", 66.0, "2026-09-30", "物资台账数据未与全区数据共享平台对接；限期整改后重新申请验收。"),
];
pub const SECRETARIAT: &str = "鼓楼区数据局信息化办";
pub const CHAIR: &str = "王建国";
/// The experts, in panel order. The last has not scored yet.
pub const EXPERTS: [(&str, &str, &str); 5] = [
    ("李明", "技术", "东南大学计算机学院"),
    ("张华", "财务", "江苏苏亚金诚会计师事务所"),
    ("陈静", "安全", "江苏省信息安全测评中心"),
    ("刘洋", "技术", "南京邮电大学"),
    ("赵敏", "数据", "南京大学信息管理学院"),
];

/// The pool expert who is not on the panel: seated on GL-LX-2027-006 in place of 张华, who
/// stepped aside, by continuing the meeting's recorded draw (增补专家).
pub const RESERVE: (&str, &str, &str) = ("孙磊", "财务", "南京审计大学会计学院");

/// The expert pool the demo meeting's panel is drawn from, kept in the home so anyone can redo
/// the draw and its continuation.
pub const POOL_FILE: &str = "expert-pool.csv";

/// Totals (points) of the four experts who scored, per application; `None` where recused.
const TOTALS: [(&str, [Option<f64>; 4]); 17] = [
    ("GL-LX-2027-001", [Some(88.0), Some(90.0), Some(86.0), Some(65.0)]),
    ("GL-LX-2027-002", [Some(82.0), Some(79.5), Some(84.0), Some(80.0)]),
    ("GL-LX-2027-003", [Some(76.0), Some(78.0), Some(74.5), Some(80.0)]),
    ("GL-LX-2027-004", [Some(70.0), Some(66.0), Some(72.0), Some(68.0)]),
    ("GL-LX-2027-005", [Some(74.0), Some(71.0), Some(77.0), Some(73.0)]),
    ("GL-LX-2027-006", [Some(81.0), None, Some(83.0), Some(79.0)]),
    ("GL-BG-2026-011", [Some(78.0), Some(75.0), Some(80.0), Some(76.0)]),
    ("GL-BG-2026-012", [Some(72.0), Some(70.0), Some(74.0), Some(69.0)]),
    ("GL-BG-2026-013", [Some(68.0), Some(66.5), Some(70.0), Some(64.0)]),
    ("GL-YS-2025-021", [Some(90.0), Some(88.0), Some(91.0), Some(87.0)]),
    ("GL-YS-2025-022", [Some(84.0), Some(82.0), Some(85.0), Some(80.0)]),
    ("GL-YS-2025-023", [Some(79.0), Some(81.0), Some(77.0), Some(80.0)]),
    ("GL-YS-2025-024", [Some(83.0), Some(85.0), Some(82.0), Some(84.0)]),
    ("GL-YS-2025-025", [Some(62.0), Some(58.0), Some(65.0), Some(60.0)]),
    ("GL-YW-2027-031", [Some(86.0), Some(88.0), Some(84.0), Some(87.0)]),
    ("GL-YW-2027-032", [Some(74.0), Some(70.0), Some(72.0), Some(76.0)]),
    ("GL-YS-2025-019", [Some(84.0), Some(86.0), Some(82.0), Some(85.0)]),
];

pub fn run(ctx: &Ctx, args: Args, explicit_home: bool) -> Result<()> {
    let home = if explicit_home { ctx.home.clone() } else { Home { dir: ctx.home.dir.join("demo") } };
    build(&home, ctx.now)?;
    let store = home.open()?;
    if !args.no_tui && !ctx.json {
        let me = home.keyring().load(ctx.as_name.as_deref().unwrap_or(CHAIR))?;
        return crate::tui::run(store, me, home.keyring(), &home.dir, ctx.lang);
    }
    let chair = home.keyring().load(CHAIR)?;
    let view = store.queue(MEETING_ID, &chair.key_hex())?;
    if ctx.json {
        return output::json(&serde_json::json!({"home": home.dir, "meeting": MEETING_ID, "queue": view}));
    }
    let sub = Ctx { home: home.clone(), as_name: Some(CHAIR.into()), lang: ctx.lang, json: false, now: ctx.now };
    super::queue::run_queue(&sub, super::queue::QueueArgs { meeting: Some(MEETING_ID.into()) })?;
    let h = home.dir.display();
    say!();
    say!("{}", ctx.t("演示会议已建好。接着试试：", "The demo meeting is ready. Try next:"));
    say!(
        "  reviewdesk --home {h} --as 赵敏 show GL-LX-2027-001      # {}",
        ctx.t("未评分专家看不到他人分数（背靠背）", "an expert who has not scored sees no other scores (blind)")
    );
    say!(
        "  reviewdesk --home {h} --as 赵敏 score GL-LX-2027-001 --points necessity=13,requirements=13,technical=17,sharing=13,security=8.5,budget=13,implementation=8.5 --opinion 同意立项"
    );
    say!(
        "  reviewdesk --home {h} --as 王建国 show GL-BG-2026-012     # {}",
        ctx.t("投资超概算 10%，须重新立项", "10% over budget: must re-apply")
    );
    say!(
        "  reviewdesk --home {h} --as 王建国 show GL-YW-2027-031     # {}",
        ctx.t(
            "运维：验收后 24 个月未见绩效自评价（第二十四条）",
            "O&M: no self-evaluation 24 months after acceptance (Art. 24)"
        )
    );
    say!(
        "  reviewdesk --home {h} --as 王建国 show GL-LX-2027-006     # {}",
        ctx.t(
            "建设单位逾期未整改，暂缓立项（第二十三条）",
            "the unit let a rectification deadline pass: approval held back"
        )
    );
    say!(
        "  reviewdesk --home {h} rectification list                  # {}",
        ctx.t("跨会议的限期整改与暂缓立项", "rectification orders and held-back units across meetings")
    );
    say!("  reviewdesk --home {h} --as 王建国 decide GL-LX-2027-001 --partial");
    say!("  reviewdesk --home {h} log");
    Ok(())
}

/// Builds (or rebuilds) the demo home. Refuses a folder that is not empty and not a demo home.
pub fn build(home: &Home, now: chrono::DateTime<chrono::Utc>) -> Result<()> {
    let dir = &home.dir;
    if dir.exists() && std::fs::read_dir(dir)?.next().is_some() {
        if !dir.join(MARKER).exists() {
            bail!(
                "{} 不是空目录，也不是演示目录，不会覆盖。请换一个 --home / {} is neither empty nor a demo home and will not be overwritten: choose another --home",
                dir.display(),
                dir.display()
            );
        }
        std::fs::remove_dir_all(dir)?;
    }
    let mut store = home.create()?;
    std::fs::write(dir.join(MARKER), "reviewdesk demo home; `reviewdesk demo` rebuilds it\n")?;
    let ring = home.keyring();
    let secretariat = ring.create(SECRETARIAT, Suite::Ed25519Sha256)?;
    store.trust_add(&secretariat.public(), &now.to_rfc3339())?;
    let chair = ring.create(CHAIR, Suite::Ed25519Sha256)?;
    let experts: Vec<Identity> =
        EXPERTS.iter().map(|(n, ..)| ring.create(n, Suite::Ed25519Sha256)).collect::<Result<_, _>>()?;

    let reserve = ring.create(RESERVE.0, Suite::Ed25519Sha256)?;
    let member = |id: &Identity| Member { name: id.name.clone(), key: id.key_hex(), suite: id.secret.suite() };
    let mut panel = vec![PanelMember {
        member: member(&chair),
        role: Role::Chair,
        category: "综合".into(),
        unit: "南京市信息中心".into(),
        replaces: None,
    }];
    for (id, (_, category, unit)) in experts.iter().zip(EXPERTS) {
        panel.push(PanelMember {
            member: member(id),
            role: Role::Expert,
            category: category.into(),
            unit: unit.into(),
            replaces: None,
        });
    }
    let rubrics: Vec<Rubric> =
        crate::domain::ApplicationKind::ALL.iter().map(|k| crate::assets::rubric(*k)).collect::<Result<_, _>>()?;
    let opened = |id: &str, title: &str, date| -> Result<Body> {
        Ok(Body::MeetingOpened(Box::new(MeetingOpened {
            id: id.into(),
            title: title.into(),
            date,
            profile: crate::assets::profile(crate::assets::DEFAULT_PROFILE)?,
            rubrics: rubrics.clone(),
            secretariat: member(&secretariat),
            panel: panel.clone(),
            draw: None,
            supersedes: None,
        })))
    };
    // The earlier meeting's events are dated on its day (or now, if that is earlier).
    let then = chrono::DateTime::parse_from_rfc3339("2026-06-16T02:00:00Z").map(|t| t.to_utc()).unwrap_or(now).min(now);
    let day = |y, m, d| chrono::NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default();
    store.append_local(
        &secretariat,
        opened(EARLIER_ID, "鼓楼区2026年度政务信息化项目评审会（第三批）", day(2026, 6, 16))?,
        then,
    )?;
    register(&mut store, &secretariat, EARLIER_ID, "earlier.csv", EARLIER_APPLICATIONS, dir, then)?;
    sign_in(&mut store, std::iter::once(&chair).chain(&experts), EARLIER_ID, then)?;
    earlier_orders(&mut store, &chair, &experts, &rubrics, then)?;
    earlier_proceedings(&mut store, &secretariat, &chair, &experts, then)?;
    let Body::MeetingOpened(mut meeting) =
        opened(MEETING_ID, "鼓楼区2027年度政务信息化项目评审会（第一批）", day(2026, 12, 8))?
    else {
        bail!("demo data: not a meeting")
    };
    meeting.draw = Some(drawn_record(dir, &chair, &experts, &reserve)?);
    store.append_local(&secretariat, Body::MeetingOpened(meeting), now)?;
    register(&mut store, &secretariat, MEETING_ID, "applications.csv", APPLICATIONS, dir, now)?;
    sign_in(&mut store, std::iter::once(&chair).chain(&experts), MEETING_ID, now)?;

    store.append_local(
        &experts[1],
        Body::ConflictDeclared {
            meeting: MEETING_ID.into(),
            code: "GL-LX-2027-006".into(),
            basis: store.basis(MEETING_ID, "GL-LX-2027-006")?,
            reason: "本人近三年承担过鼓楼区应急管理局的咨询项目".into(),
        },
        now,
    )?;
    score_all(&mut store, &experts, &rubrics, now)?;
    seat_reserve(&mut store, &secretariat, &reserve, &rubrics, dir, now)
}

/// Writes the pool (the panel and the reserve, keys inline) into the home, and finds the seed
/// whose draw from it gives the demo's panel: a record anyone can check by drawing again.
fn drawn_record(dir: &Path, chair: &Identity, experts: &[Identity], reserve: &Identity) -> Result<DrawRecord> {
    let person = |id: &Identity, category: &str, unit: &str| crate::domain::draw::PoolExpert {
        name: id.name.clone(),
        category: category.into(),
        unit: unit.into(),
        key: id.key_hex(),
    };
    let mut pool = vec![person(chair, "综合", "南京市信息中心")];
    pool.extend(experts.iter().zip(EXPERTS).map(|(id, (_, category, unit))| person(id, category, unit)));
    pool.push(person(reserve, RESERVE.1, RESERVE.2));
    let mut csv = String::from("姓名,专业,单位,公钥\n");
    for p in &pool {
        csv.push_str(&format!("{},{},{},{}\n", p.name, p.category, p.unit, p.key));
    }
    std::fs::write(dir.join(POOL_FILE), &csv)?;
    let mut wanted: Vec<(String, usize)> = Vec::new();
    for (_, category, _) in EXPERTS {
        match wanted.iter_mut().find(|(c, _)| c == category) {
            Some((_, n)) => *n += 1,
            None => wanted.push((category.to_string(), 1)),
        }
    }
    let panel: std::collections::BTreeSet<String> = experts.iter().map(|e| e.key_hex()).collect();
    let seed = (1..10_000u64)
        .find(|seed| {
            crate::domain::draw::draw(&pool, &wanted, &[], &[chair.key_hex()], *seed)
                .is_ok_and(|d| d.iter().map(|e| e.key.clone()).collect::<std::collections::BTreeSet<_>>() == panel)
        })
        .ok_or_else(|| anyhow::anyhow!("demo data: no seed draws the demo panel"))?;
    Ok(DrawRecord {
        seed,
        pool_sha256: hex::encode(sha2::Sha256::digest(csv.as_bytes())),
        categories: wanted,
        excluded_units: vec![],
    })
}

/// 张华 stepped aside from GL-LX-2027-006: the secretariat seats the next 财务 expert of the
/// recorded draw, who scores that application alone.
fn seat_reserve(
    store: &mut Store,
    secretariat: &Identity,
    reserve: &Identity,
    rubrics: &[Rubric],
    dir: &Path,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<()> {
    const CODE: &str = "GL-LX-2027-006";
    let m = store.meeting(MEETING_ID)?;
    let Some(record) = m.draw.clone() else { bail!("demo data: the meeting records no draw") };
    let stands_in_for =
        m.panel.iter().find(|p| p.category == RESERVE.1).map(|p| p.member.key.clone()).unwrap_or_default();
    let view = store.application(MEETING_ID, CODE, &secretariat.key_hex())?;
    let skip: Vec<String> = m.panel.iter().map(|p| p.member.key.clone()).collect();
    let substitute = super::meeting::continue_draw(
        &dir.join(POOL_FILE),
        &record,
        RESERVE.1,
        &skip,
        std::slice::from_ref(&view.application.unit),
    )?;
    let draw = crate::ledger::proceedings::ContinuedDraw {
        seed: record.seed,
        pool_sha256: record.pool_sha256.clone(),
        category: RESERVE.1.into(),
    };
    let seated = store.append_local(
        secretariat,
        Body::SubstituteSeated {
            meeting: MEETING_ID.into(),
            meeting_event: view.basis.meeting_event.clone(),
            code: CODE.into(),
            substitute,
            stands_in_for,
            draw,
        },
        now,
    )?;
    let view = store.application(MEETING_ID, CODE, &reserve.key_hex())?;
    let Some(rubric) = rubrics.iter().find(|r| r.kind == view.application.kind) else { return Ok(()) };
    let mut sheet = spread(rubric, Points::whole(80));
    sheet.opinion = opinion(80.0);
    let body = Body::ScoreSubmitted {
        meeting: MEETING_ID.into(),
        code: CODE.into(),
        basis: view.basis,
        sheet,
        seat: Some(seated.id),
    };
    store.append_local(reserve, body, now)?;
    Ok(())
}

/// Registers the applications of `csv` in `meeting`. Intake never reads from inside a home, so
/// the sheet and its documents are written to a folder of their own outside it, and removed
/// once registered.
fn register(
    store: &mut Store,
    secretariat: &Identity,
    meeting: &str,
    name: &str,
    csv: &str,
    home: &Path,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<()> {
    let files = std::env::temp_dir().join(format!(
        "reviewdesk-demo-{}-{}",
        std::process::id(),
        chrono::Utc::now().timestamp_nanos_opt().unwrap_or_default()
    ));
    let registered = write_intake(&files, name, csv).and_then(|()| {
        super::intake::register(
            store,
            secretariat,
            meeting,
            &files.join(name),
            home,
            super::intake::Mode::default(),
            now,
        )
    });
    let _ = std::fs::remove_dir_all(&files);
    registered.map(|_| ())
}

/// Every expert scores the earlier meeting's acceptances, and the chair sends each back to
/// rectify by its deadline: the outcome the numbers suggest, so no override is needed.
fn earlier_orders(
    store: &mut Store,
    chair: &Identity,
    experts: &[Identity],
    rubrics: &[Rubric],
    then: chrono::DateTime<chrono::Utc>,
) -> Result<()> {
    let sheet_for = |store: &Store, expert: &Identity, code: &str, total: f64| -> Result<Option<Body>> {
        let view = store.application(EARLIER_ID, code, &expert.key_hex())?;
        let Some(rubric) = rubrics.iter().find(|r| r.kind == view.application.kind) else { return Ok(None) };
        let mut sheet = spread(rubric, Points::from_f64(total).unwrap_or_default());
        sheet.opinion = opinion(total);
        Ok(Some(Body::ScoreSubmitted {
            meeting: EARLIER_ID.into(),
            code: code.into(),
            basis: view.basis,
            sheet,
            seat: None,
        }))
    };
    let [(first, first_total, ..), _] = EARLIER_ORDERS;
    for (i, expert) in experts.iter().enumerate() {
        let mut bodies = Vec::new();
        for (code, total, ..) in EARLIER_ORDERS {
            let Some(mut body) = sheet_for(store, expert, code, total)? else { continue };
            // 李明 first rates completion far below the others (复核 flags it), then revises.
            if let (0, true, Body::ScoreSubmitted { sheet, .. }) = (i, code == first, &mut body) {
                skew_completion(sheet);
            }
            bodies.push(body);
        }
        store.append_local_all(expert, bodies, &[], then)?;
    }
    if let (Some(li), Some(Body::ScoreSubmitted { meeting, code, basis, mut sheet, seat })) =
        (experts.first(), experts.first().map(|e| sheet_for(store, e, first, first_total)).transpose()?.flatten())
    {
        sheet.revision_reason = "复看整改材料后调整完成情况得分，与测试报告结论一致".into();
        store.append_local(li, Body::ScoreSubmitted { meeting, code, basis, sheet, seat }, then)?;
    }
    for (code, _, deadline, text) in EARLIER_ORDERS {
        let view = store.application(EARLIER_ID, code, &chair.key_hex())?;
        let Some(suggested) = view.suggested else { bail!("demo data: {code} has no suggestion") };
        let decision = crate::domain::Decision {
            outcome: crate::domain::Outcome::Rectify,
            suggested,
            plan_class: None,
            rectification_deadline: crate::intake::parse_date(deadline),
            conditions: String::new(),
            opinion: text.into(),
            override_reason: None,
        };
        let based_on = view.score_event_ids();
        let body = Body::DecisionRecorded {
            meeting: EARLIER_ID.into(),
            code: code.into(),
            basis: view.basis,
            decision,
            based_on,
        };
        store.append_local(chair, body, then)?;
    }
    Ok(())
}

/// The panel signs in at `meeting` with the pledge.
fn sign_in<'a>(
    store: &mut Store,
    panel: impl IntoIterator<Item = &'a Identity>,
    meeting: &str,
    at: chrono::DateTime<chrono::Utc>,
) -> Result<()> {
    for expert in panel {
        let meeting_event = store.meeting_event(meeting)?;
        let pledge = crate::assets::PLEDGE.to_string();
        store.append_local(expert, Body::SignedIn { meeting: meeting.into(), meeting_event, pledge }, at)?;
    }
    Ok(())
}

/// The earlier meeting's proceedings after its decisions: each item put under discussion in
/// turn, a question answered, a named vote,
/// every member's countersignature (one dissent), a finalisation with a member who refused to
/// sign, and the sealed close.
fn earlier_proceedings(
    store: &mut Store,
    secretariat: &Identity,
    chair: &Identity,
    experts: &[Identity],
    then: chrono::DateTime<chrono::Utc>,
) -> Result<()> {
    let [(first, ..), (second, ..)] = EARLIER_ORDERS;
    let agenda = |store: &mut Store, code: &str| -> Result<()> {
        let meeting_event = store.meeting_event(EARLIER_ID)?;
        let body = Body::AgendaSet { meeting: EARLIER_ID.into(), meeting_event, code: code.into() };
        store.append_local(chair, body, then)?;
        Ok(())
    };
    agenda(store, first)?;
    let basis = store.basis(EARLIER_ID, first)?;
    let question = "请说明整改完成前如何保障市场主体信用数据的准确性".to_string();
    let asked = store.append_local(
        &experts[0],
        Body::ClarificationAsked {
            meeting: EARLIER_ID.into(),
            code: first.to_string(),
            basis: basis.clone(),
            question,
        },
        then,
    )?;
    let answer = "整改期间每日与市信用平台比对，差异数据人工复核后更新".to_string();
    store.append_local(
        secretariat,
        Body::ClarificationAnswered { meeting: EARLIER_ID.into(), code: first.to_string(), asks: asked.id, answer },
        then,
    )?;
    let motion = crate::domain::Outcome::Rectify;
    let call = store.append_local(
        chair,
        Body::VoteCalled { meeting: EARLIER_ID.into(), code: first.to_string(), basis, motion },
        then,
    )?;
    for (i, expert) in experts.iter().enumerate() {
        let (choice, reason) = match i {
            1 => (crate::domain::proceedings::Choice::Against, "问题较多，建议验收不通过".to_string()),
            _ => (crate::domain::proceedings::Choice::For, String::new()),
        };
        let body = Body::VoteCast {
            meeting: EARLIER_ID.into(),
            code: first.to_string(),
            call: call.id.clone(),
            choice,
            reason,
        };
        store.append_local(expert, body, then)?;
    }
    agenda(store, second)?;
    for code in [first, second] {
        for (i, expert) in experts.iter().enumerate() {
            let view = store.application(EARLIER_ID, code, &expert.key_hex())?;
            let dissent = (i == 1 && code == first).then_some("整改事项涉及数据质量，建议验收不通过");
            if code == second && i + 1 == experts.len() {
                continue;
            }
            let dissent = dissent.map(crate::domain::Reason::parse).transpose()?;
            store.append_local(expert, view.countersign(&expert.key_hex(), dissent)?, then)?;
        }
    }
    let view = store.application(EARLIER_ID, second, &chair.key_hex())?;
    let refused = experts.last().map(|e| vec![e.name.clone()]).unwrap_or_default();
    store.append_local(chair, view.finalise(&refused)?, then)?;
    let (heads, decisions) = store.close_pins(EARLIER_ID, &secretariat.key_hex())?;
    let meeting_event = store.meeting_event(EARLIER_ID)?;
    store.append_local(
        secretariat,
        Body::MeetingClosed { meeting: EARLIER_ID.into(), meeting_event, heads, decisions },
        then,
    )?;
    Ok(())
}

fn write_intake(files: &Path, name: &str, csv: &str) -> Result<()> {
    super::home::create_private_dir(files)?;
    std::fs::write(files.join(name), csv)?;
    let rows = crate::intake::read_csv(csv.as_bytes()).map_err(|e| anyhow::anyhow!("demo data: {}", e[0]))?;
    for row in rows {
        let a = &row.application;
        for doc in &row.document_paths {
            let text = format!(
                "# {}\n\n- 项目编码：{}\n- 建设单位：{}\n- 申报类型：{}\n\n（演示材料：正式评审时此处为申报单位提交的完整文本。）\n",
                a.name,
                a.code,
                a.unit,
                a.kind.zh()
            );
            std::fs::write(files.join(doc), text)?;
        }
    }
    Ok(())
}

fn score_all(
    store: &mut Store,
    experts: &[Identity],
    rubrics: &[Rubric],
    now: chrono::DateTime<chrono::Utc>,
) -> Result<()> {
    for (e, expert) in experts.iter().take(4).enumerate() {
        let mut bodies = Vec::new();
        for (code, totals) in TOTALS {
            let Some(total) = totals[e] else { continue };
            let view = store.application(MEETING_ID, code, &expert.key_hex())?;
            let Some(rubric) = rubrics.iter().find(|r| r.kind == view.application.kind) else { continue };
            let mut sheet = spread(rubric, Points::from_f64(total).unwrap_or_default());
            sheet.opinion = opinion(total);
            if code == "GL-LX-2027-004" && (e == 0 || e == 2) {
                sheet.vetoes.push(VetoMark {
                    id: "no_data_sharing".into(),
                    reason: "可研报告未编制数据资源共享章节，不符合第二十八条".into(),
                });
            }
            bodies.push(Body::ScoreSubmitted {
                meeting: MEETING_ID.into(),
                code: code.into(),
                basis: view.basis,
                sheet,
                seat: None,
            });
        }
        store.append_local_all(expert, bodies, &[], now)?;
    }
    Ok(())
}

/// Spreads a total over the criteria in proportion to their maxima, in half points.
/// Moves 13 points of an acceptance sheet from completion (满分 25) to function, sharing and
/// security: the total stays, and completion now differs from a spread sheet's by more than half
/// its maximum, which review (复核) flags.
fn skew_completion(sheet: &mut ScoreSheet) {
    for (id, delta) in [("completion", -26i64), ("function", 12), ("sharing", 9), ("security", 5)] {
        if let Some(p) = sheet.points.get_mut(id) {
            *p = Points::from_halves((p.halves() as i64 + delta).max(0) as u32);
        }
    }
}

pub(super) fn spread(rubric: &Rubric, total: Points) -> ScoreSheet {
    let mut sheet = ScoreSheet::default();
    let mut given: Vec<u32> = rubric.criteria.iter().map(|c| c.max.halves() * total.halves() / 200).collect();
    let mut left = total.halves().saturating_sub(given.iter().sum());
    while left > 0 {
        let before = left;
        for (i, c) in rubric.criteria.iter().enumerate() {
            if left > 0 && given[i] < c.max.halves() {
                given[i] += 1;
                left -= 1;
            }
        }
        if before == left {
            break;
        }
    }
    for (c, g) in rubric.criteria.iter().zip(given) {
        let ratio = g as f64 / c.max.halves() as f64;
        let comment = match ratio {
            r if r >= 0.9 => "论证充分，符合要求。",
            r if r >= 0.75 => "基本符合要求，个别内容需补充完善。",
            r if r >= 0.6 => "存在明显不足，需修改完善后再报。",
            _ => "不符合要求。",
        };
        sheet.points.insert(c.id.clone(), Points::from_halves(g));
        sheet.comments.insert(c.id.clone(), format!("{}：{comment}", c.title_zh));
    }
    sheet
}

pub(super) fn opinion(total: f64) -> String {
    match total {
        t if t >= 85.0 => "建设必要性充分，方案成熟可行，建议通过。",
        t if t >= 75.0 => "总体可行，建议按专家意见修改完善。",
        t if t >= 65.0 => "方案深度不足，问题较多，须修改后重新论证。",
        _ => "不具备通过条件。",
    }
    .into()
}
