//! `meeting`: open a review meeting (panel from a roster, or drawn from the expert pool), list, show.

use super::{Ctx, output};
use crate::assets;
use crate::domain::draw::{PoolExpert, draw};
use crate::domain::{ApplicationKind, Rubric};
use crate::ledger::event::{DrawRecord, MeetingOpened, PanelMember, Role};
use crate::ledger::{Body, Member, PublicKey};
use anyhow::{Context, Result, anyhow, bail};
use chrono::NaiveDate;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

#[derive(Debug, clap::Subcommand)]
pub enum Cmd {
    /// Open a meeting as the secretariat, with a panel from a roster or drawn from the pool
    Open(Box<OpenArgs>),
    /// List the meetings in this store
    List,
    /// Show a meeting: profile, rubrics and panel
    Show {
        /// Meeting id [default: the latest]
        #[arg(long)]
        meeting: Option<String>,
    },
    /// Seal the meeting (chair or secretariat): pin every chain head and decision; later
    /// events of the meeting are held as late
    Close {
        /// Meeting id [default: the latest]
        #[arg(long)]
        meeting: Option<String>,
    },
    /// Re-open a closed meeting with a signed reason (chair or secretariat)
    Reopen {
        /// Meeting id [default: the latest]
        #[arg(long)]
        meeting: Option<String>,
        /// Why the meeting is re-opened (at least 3 Chinese characters or 6 letters)
        #[arg(long)]
        reason: String,
    },
}

#[derive(Debug, clap::Args)]
pub struct OpenArgs {
    /// Meeting title, e.g. 鼓楼区2027年度政务信息化项目评审会（第一批）
    #[arg(long)]
    pub title: String,
    /// Meeting date, YYYY-MM-DD
    #[arg(long, value_parser = parse_date)]
    pub date: NaiveDate,
    /// Meeting id [default: RD-<date>-<n>]
    #[arg(long)]
    pub id: Option<String>,
    /// Policy profile: a built-in id (gulou-2021, luohu-2020, suqian-2024, anhui-2023, urumqi-2022) or a .toml file
    #[arg(long, default_value = assets::DEFAULT_PROFILE)]
    pub profile: String,
    /// Working-day calendar for the profile's working-day rules: a built-in id (cn-2026) or a .toml file
    #[arg(long, value_name = "ID|FILE")]
    pub calendar: Option<String>,
    /// Replace a built-in rubric with a .toml file (repeatable; the file says its kind)
    #[arg(long, value_name = "FILE")]
    pub rubric: Vec<PathBuf>,
    /// Panel from a roster CSV: 姓名 name, 角色 role (组长/专家), 公钥 key (hex or .pub file), 专业 category, 单位 unit
    #[arg(long, conflicts_with = "pool", required_unless_present = "pool")]
    pub roster: Option<PathBuf>,
    /// Draw the panel from an expert-pool CSV: 姓名 name, 专业 category, 单位 unit, 公钥 key
    #[arg(long, requires_all = ["draw", "chair"])]
    pub pool: Option<PathBuf>,
    /// How many experts per category, e.g. 技术=3,财务=1,安全=1
    #[arg(long, value_parser = parse_draw)]
    pub draw: Option<DrawSpec>,
    /// The chair, by name, from the pool (not drawn)
    #[arg(long)]
    pub chair: Option<String>,
    /// Seed of the draw; recorded in the meeting so anyone can redo it [default: random]
    #[arg(long)]
    pub seed: Option<u64>,
    /// A unit whose experts must step aside (repeatable)
    #[arg(long = "exclude-unit", value_name = "UNIT")]
    pub exclude_unit: Vec<String>,
    /// Exclude every applicant unit named in this intake file (CSV, XLSX or JSON)
    #[arg(long, value_name = "FILE")]
    pub exclude_units_from: Option<PathBuf>,
}

fn parse_date(s: &str) -> Result<NaiveDate, String> {
    crate::intake::parse_date(s)
        .ok_or_else(|| format!("日期“{s}”无效，请写成 2026-12-08 / date “{s}” is not valid: write 2026-12-08"))
}

/// How many experts to draw per category.
#[derive(Clone, Debug)]
pub struct DrawSpec(Vec<(String, usize)>);

fn parse_draw(s: &str) -> Result<DrawSpec, String> {
    s.split([',', '，'])
        .filter(|p| !p.trim().is_empty())
        .map(|part| {
            let (cat, n) = part
                .split_once(['=', '：', ':'])
                .ok_or_else(|| format!("“{part}”应写成 专业=人数 / “{part}” should be CATEGORY=COUNT"))?;
            let n: usize = n.trim().parse().map_err(|_| format!("“{n}”不是人数 / “{n}” is not a count"))?;
            Ok((cat.trim().to_string(), n))
        })
        .collect::<Result<Vec<_>, String>>()
        .map(DrawSpec)
}

pub fn run(ctx: &Ctx, cmd: Cmd) -> Result<()> {
    match cmd {
        Cmd::Open(a) => open(ctx, *a),
        Cmd::List => {
            let store = ctx.home.open()?;
            let list = store.meetings()?;
            if ctx.json {
                return output::json(&list);
            }
            if list.is_empty() {
                say!("{}", ctx.t("还没有会议。", "No meeting yet."));
            }
            for m in list {
                say!(
                    "{}  {}  {}  {}/{} {}",
                    m.id,
                    m.date,
                    m.title,
                    m.decided,
                    m.applications,
                    ctx.t("已决定", "decided")
                );
            }
            Ok(())
        }
        Cmd::Close { meeting } => super::proceedings::close(ctx, meeting.as_deref()),
        Cmd::Reopen { meeting, reason } => super::proceedings::reopen(ctx, meeting.as_deref(), &reason),
        Cmd::Show { meeting } => {
            let store = ctx.home.open()?;
            let id = store.resolve_meeting(meeting.as_deref())?;
            let m = store.meeting(&id)?;
            if ctx.json {
                return output::json(&m);
            }
            print_meeting(ctx, &m);
            Ok(())
        }
    }
}

fn open(ctx: &Ctx, a: OpenArgs) -> Result<()> {
    let mut store = ctx.home.open()?;
    let me = ctx.home.identity(ctx.as_name.as_deref())?;
    let mut profile = assets::profile(&a.profile)?;
    if let Some(c) = &a.calendar {
        crate::domain::profile::use_calendar(&mut profile, assets::calendar(c)?);
    }
    let rubrics = rubrics(&a.rubric)?;
    let (panel, draw_record) = match (&a.roster, &a.pool) {
        (Some(roster), _) => (read_roster(roster)?, None),
        (None, Some(pool)) => drawn_panel(&a, pool)?,
        (None, None) => bail!("请用 --roster 给出名单，或用 --pool 从专家库抽取 / give --roster, or draw from --pool"),
    };
    let id = match a.id {
        Some(id) if !id.trim().is_empty() && !id.contains(char::is_whitespace) => id,
        Some(id) => bail!("会议编号“{id}”不能含空白 / meeting id “{id}” must not hold spaces"),
        None => {
            let taken = store.meetings()?.len();
            format!("RD-{}-{}", a.date.format("%Y%m%d"), taken + 1)
        }
    };
    let body = Body::MeetingOpened(Box::new(MeetingOpened {
        id: id.clone(),
        title: a.title.trim().to_string(),
        date: a.date,
        profile,
        rubrics,
        secretariat: Member { name: me.name.clone(), key: me.key_hex(), suite: me.secret.suite() },
        panel,
        draw: draw_record,
        // Opening a meeting id that is here already replaces its current version (a re-open).
        supersedes: store.meeting_event(&id).ok(),
    }));
    store.append_local(&me, body, ctx.now)?;
    let m = store.meeting(&id)?;
    if ctx.json {
        return output::json(&m);
    }
    say!("{}：{}", ctx.t("会议已开启", "Meeting opened"), id);
    print_meeting(ctx, &m);
    Ok(())
}

fn rubrics(overrides: &[PathBuf]) -> Result<Vec<Rubric>> {
    let mut out: Vec<Rubric> = ApplicationKind::ALL.iter().map(|k| assets::rubric(*k)).collect::<Result<_, _>>()?;
    for path in overrides {
        let r = assets::rubric_file(path)?;
        out.retain(|x| x.kind != r.kind);
        out.push(r);
    }
    Ok(out)
}

fn print_meeting(ctx: &Ctx, m: &MeetingOpened) {
    say!("{}  {}  {}", m.id, m.date, m.title);
    say!("{}：{}（{}）", ctx.t("政策档案", "Policy profile"), m.profile.title_zh, m.profile.id);
    say!("{}：{}  {}", ctx.t("秘书处", "Secretariat"), m.secretariat.name, fp(&m.secretariat));
    for seat in m.seats() {
        let p = seat.holder;
        let role = match p.role {
            Role::Chair => ctx.t("组长", "chair"),
            Role::Expert => ctx.t("专家", "expert"),
        };
        say!("  {}  {}  {}  {}", fp(&p.member), role, p.member.name, p.category);
        // Keys this seat had before (换用新密钥), newest first.
        for key in &seat.keys[1..] {
            if let Some(old) = m.panel.iter().find(|q| q.member.key == *key) {
                say!("      {} {}  {}", ctx.t("原密钥", "earlier key"), fp(&old.member), old.member.name);
            }
        }
    }
    if let Some(d) = &m.draw {
        say!(
            "{}：seed {}，{} {}",
            ctx.t("随机抽取", "Drawn"),
            d.seed,
            ctx.t("回避单位", "excluded units"),
            d.excluded_units.join("、")
        );
    }
}

fn fp(m: &Member) -> String {
    PublicKey { name: m.name.clone(), suite: m.suite, key: m.key.clone(), recipient: None }.fingerprint()
}

/// One person of a roster or pool, with the row they came from.
struct Person {
    name: String,
    role: Option<Role>,
    category: String,
    unit: String,
    key: PublicKey,
}

const PEOPLE_COLUMNS: &[(&str, &[&str])] = &[
    ("name", &["姓名", "name", "专家"]),
    ("role", &["角色", "role"]),
    ("key", &["公钥", "key", "public_key"]),
    ("category", &["专业", "专业类别", "category"]),
    ("unit", &["单位", "工作单位", "unit"]),
];

/// Reads a roster or pool CSV; the first problem is reported on one line with its row and column.
fn read_people(path: &Path, need_role: bool) -> Result<Vec<Person>> {
    let shown = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|e| anyhow!("无法读取 {shown}：{e} / cannot read {shown}: {e}"))?;
    let bytes = bytes.strip_prefix("\u{feff}".as_bytes()).unwrap_or(&bytes);
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(bytes);
    let headers = reader
        .headers()
        .map_err(|e| anyhow!("{shown} 不是有效的 UTF-8 CSV：{e} / {shown} is not valid UTF-8 CSV: {e}"))?
        .clone();
    let col = |wanted: &str| -> Option<usize> {
        let aliases = PEOPLE_COLUMNS.iter().find(|c| c.0 == wanted).map_or(&[][..], |c| c.1);
        headers.iter().position(|h| {
            h.split(|c: char| c.is_whitespace() || "/()（）".contains(c))
                .any(|t| aliases.contains(&t.to_lowercase().as_str()))
        })
    };
    let mut required = vec!["name", "key"];
    if need_role {
        required.push("role");
    } else {
        required.push("category");
    }
    for r in &required {
        if col(r).is_none() {
            let zh = PEOPLE_COLUMNS.iter().find(|c| c.0 == *r).map_or("", |c| c.1[0]);
            bail!("{shown} 第 1 行：缺少“{zh}”列 / {shown} row 1: missing the “{r}” column");
        }
    }
    let base = path.parent().unwrap_or(Path::new("."));
    let mut people = Vec::new();
    for (i, rec) in reader.records().enumerate() {
        let row = i + 2;
        let rec =
            rec.map_err(|e| anyhow!("{shown} 第 {row} 行无法读取：{e} / {shown} row {row} cannot be read: {e}"))?;
        if rec.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let cell = |name: &str| col(name).and_then(|i| rec.get(i)).unwrap_or("").trim().to_string();
        let bad = |column: &str, zh: String, en: String| {
            anyhow!("{shown} 第 {row} 行「{column}」：{zh} / {shown} row {row}, column {column}: {en}")
        };
        let name = cell("name");
        if name.is_empty() {
            return Err(bad("姓名", "姓名为空".into(), "the name is empty".into()));
        }
        let role = if need_role {
            let t = cell("role");
            Some(Role::parse(&t).ok_or_else(|| {
                bad("角色", format!("角色“{t}”应为 组长 或 专家"), format!("role “{t}” should be chair or expert"))
            })?)
        } else {
            None
        };
        let key_text = cell("key");
        let key_file = base.join(&key_text);
        let key_source = if !key_text.is_empty() && key_file.is_file() {
            std::fs::read_to_string(&key_file)?
        } else {
            key_text.clone()
        };
        let key = PublicKey::parse(&key_source, &name).map_err(|e| {
            bad(
                "公钥",
                format!("“{key_text}”不是公钥或 .pub 文件（{e}）"),
                format!("“{key_text}” is not a public key or .pub file"),
            )
        })?;
        people.push(Person { name, role, category: cell("category"), unit: cell("unit"), key });
    }
    let mut keys = std::collections::HashSet::new();
    if let Some(dup) = people.iter().find(|p| !keys.insert(p.key.key.clone())) {
        bail!("{shown}：{} 的公钥出现两次 / {shown}: the key of {} appears twice", dup.name, dup.name);
    }
    if people.is_empty() {
        bail!("{shown} 中没有任何人 / {shown} lists nobody");
    }
    Ok(people)
}

fn seat(p: Person, role: Role) -> PanelMember {
    PanelMember {
        member: Member { name: p.name, key: p.key.key, suite: p.key.suite },
        role,
        category: p.category,
        unit: p.unit,
        replaces: None,
    }
}

fn read_roster(path: &Path) -> Result<Vec<PanelMember>> {
    let people = read_people(path, true)?;
    let chairs = people.iter().filter(|p| p.role == Some(Role::Chair)).count();
    if chairs != 1 {
        bail!(
            "{}：名单须有且仅有一名组长（现有 {chairs} 名） / {}: the roster needs exactly one chair (has {chairs})",
            path.display(),
            path.display()
        );
    }
    Ok(people
        .into_iter()
        .map(|p| {
            let role = p.role.unwrap_or(Role::Expert);
            seat(p, role)
        })
        .collect())
}

/// The people of a pool file as the draw takes them.
fn pool_of(people: &[Person]) -> Vec<PoolExpert> {
    people
        .iter()
        .map(|p| PoolExpert {
            name: p.name.clone(),
            category: p.category.clone(),
            unit: p.unit.clone(),
            key: p.key.key.clone(),
        })
        .collect()
}

/// The next expert of `category` in the meeting's recorded draw (增补专家): the same pool (checked
/// by its hash), the same seed and exclusions plus `also_excluded`, skipping everyone in `skip`.
/// Anyone holding the pool can redo it.
pub(super) fn continue_draw(
    pool_path: &Path,
    record: &DrawRecord,
    category: &str,
    skip: &[String],
    also_excluded: &[String],
) -> Result<PanelMember> {
    let bytes = std::fs::read(pool_path)
        .map_err(|e| anyhow!("无法读取 {}：{e} / cannot read {}: {e}", pool_path.display(), pool_path.display()))?;
    if hex::encode(Sha256::digest(&bytes)) != record.pool_sha256 {
        bail!(
            "{} 不是本次会议抽取专家时所用的专家库（哈希不符），无法续抽 / {} is not the pool this meeting's panel was drawn from (its hash differs): the draw cannot be continued",
            pool_path.display(),
            pool_path.display()
        );
    }
    let people = read_people(pool_path, false)?;
    let pool = pool_of(&people);
    let mut excluded = record.excluded_units.clone();
    excluded.extend(also_excluded.iter().cloned());
    let drawn = draw(&pool, &[(category.to_string(), 1)], &excluded, skip, record.seed)?;
    let key = drawn.first().map(|d| d.key.clone()).unwrap_or_default();
    let person = people.into_iter().find(|p| p.key.key == key).ok_or_else(|| {
        anyhow!("专家库中“{category}”已无可增补的专家 / no expert of “{category}” is left in the pool")
    })?;
    Ok(seat(person, Role::Expert))
}

fn drawn_panel(a: &OpenArgs, pool_path: &Path) -> Result<(Vec<PanelMember>, Option<DrawRecord>)> {
    let wanted = a.draw.clone().map(|d| d.0).unwrap_or_default();
    let chair_name = a.chair.clone().unwrap_or_default();
    let people = read_people(pool_path, false)?;
    let pool_sha256 = hex::encode(Sha256::digest(std::fs::read(pool_path)?));
    let mut excluded = a.exclude_unit.clone();
    if let Some(f) = &a.exclude_units_from {
        let rows = crate::intake::read_file(f).with_context(|| format!("--exclude-units-from {}", f.display()))?;
        excluded.extend(rows.into_iter().map(|r| r.application.unit));
    }
    excluded.sort();
    excluded.dedup();
    let pool = pool_of(&people);
    let chair_at = people
        .iter()
        .position(|p| p.name == chair_name)
        .ok_or_else(|| anyhow!("专家库中没有组长“{chair_name}” / the chair “{chair_name}” is not in the pool"))?;
    if excluded.contains(&people[chair_at].unit) {
        bail!(
            "组长“{chair_name}”来自申报单位 {}，须回避 / the chair “{chair_name}” works at applicant unit {} and must step aside",
            people[chair_at].unit,
            people[chair_at].unit
        );
    }
    let seed = match a.seed {
        Some(s) => s,
        None => {
            let mut b = [0u8; 8];
            getrandom::fill(&mut b).map_err(|e| anyhow!("random source: {e}"))?;
            u64::from_le_bytes(b)
        }
    };
    let drawn = draw(&pool, &wanted, &excluded, &[people[chair_at].key.key.clone()], seed)?;
    let mut people = people;
    let chair = people.swap_remove(chair_at);
    let mut panel = vec![seat(chair, Role::Chair)];
    for d in drawn {
        if let Some(i) = people.iter().position(|p| p.key.key == d.key) {
            panel.push(seat(people.swap_remove(i), Role::Expert));
        }
    }
    Ok((panel, Some(DrawRecord { seed, pool_sha256, categories: wanted, excluded_units: excluded })))
}
