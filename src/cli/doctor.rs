//! `doctor` (体检), `backup` and `restore`: is this machine's store sound, and copies of it.

use super::{Ctx, output};
use crate::store::{Health, Store};
use anyhow::{Result, bail};
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct DoctorArgs {
    /// Rebuild the projection tables from the event log when they differ from it, and remove
    /// bundles left in scratch/ by an interrupted encrypted import or export
    #[arg(long)]
    pub repair: bool,
}

#[derive(Debug, clap::Args)]
pub struct BackupArgs {
    /// The backup file to write (written beside it first, then renamed into place)
    #[arg(long)]
    pub out: PathBuf,
}

#[derive(Debug, clap::Args)]
pub struct RestoreArgs {
    /// A backup written by `reviewdesk backup`
    pub file: PathBuf,
}

/// One line of the report: what was checked, whether it passed, and what to do if not.
struct Check {
    what: String,
    level: Level,
    hints: Vec<String>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Level {
    Ok,
    /// Worth knowing, not wrong: held events, gaps from a partial exchange.
    Note,
    Problem,
}

pub fn run_doctor(ctx: &Ctx, a: DoctorArgs) -> Result<()> {
    let mut store = ctx.home.open()?;
    let mut health = store.health()?;
    let mut repaired = false;
    if a.repair && !health.projections_match {
        store.rebuild_projections()?;
        health = store.health()?;
        repaired = true;
    }
    let mut checks = store_checks(ctx, &health);
    checks.push(key_files(ctx));
    checks.push(scratch_leftovers(ctx, a.repair));
    if ctx.json {
        let items: Vec<_> = checks
            .iter()
            .map(|c| serde_json::json!({"check": c.what, "ok": c.level != Level::Problem, "note": c.level == Level::Note, "hints": c.hints}))
            .collect();
        output::json(&serde_json::json!({"health": health, "checks": items, "repaired": repaired}))?;
    } else {
        for c in &checks {
            let mark = match c.level {
                Level::Ok => "✓",
                Level::Note => "⚠",
                Level::Problem => "✗",
            };
            say!("{mark} {}", c.what);
            for h in &c.hints {
                say!("    → {h}");
            }
        }
        if repaired {
            say!("{}", ctx.t("已从事件日志重建投影表。", "The projection tables were rebuilt from the event log."));
        }
    }
    let problems = checks.iter().filter(|c| c.level == Level::Problem).count();
    if problems > 0 {
        bail!(
            "体检发现 {problems} 项问题，处理办法见上 / doctor found {problems} problem(s); what to do is listed above"
        );
    }
    Ok(())
}

fn check(what: String, ok: bool, hints: Vec<String>) -> Check {
    Check { what, level: if ok { Level::Ok } else { Level::Problem }, hints: if ok { vec![] } else { hints } }
}

fn store_checks(ctx: &Ctx, h: &Health) -> Vec<Check> {
    let restore = ctx.t(
        "用最近的备份恢复：reviewdesk restore 备份文件；或重新导入各方的评审包",
        "restore the latest backup (reviewdesk restore FILE), or import everyone's bundles again",
    );
    let mut out = vec![
        check(
            ctx.t("SQLite 完整性检查（integrity_check）", "SQLite integrity check").into(),
            h.integrity.is_empty(),
            h.integrity.iter().take(5).cloned().chain([restore.into()]).collect(),
        ),
        check(
            ctx.t("外键检查（foreign_key_check）", "Foreign key check").into(),
            h.foreign_keys.is_empty(),
            h.foreign_keys
                .iter()
                .take(5)
                .cloned()
                .chain([ctx
                    .t(
                        "运行 reviewdesk doctor --repair 从日志重建",
                        "run reviewdesk doctor --repair to rebuild from the log",
                    )
                    .into()])
                .collect(),
        ),
        check(
            format!("{} {}", h.events, ctx.t("个事件的哈希与签名", "events: hashes and signatures")),
            h.bad_events.is_empty(),
            h.bad_events
                .iter()
                .take(5)
                .map(|(id, why)| format!("{} {why}", id.get(..16).unwrap_or(id)))
                .chain([ctx
                    .t("数据库在评审台之外被改动过。", "The store was changed outside reviewdesk. ")
                    .to_string()
                    + restore])
                .collect(),
        ),
        check(
            ctx.t("投影表与事件日志重建的结果一致", "Projection tables equal a rebuild from the event log").into(),
            h.projections_match,
            vec![
                ctx.t(
                    "运行 reviewdesk doctor --repair 从日志重建",
                    "run reviewdesk doctor --repair to rebuild them from the log",
                )
                .into(),
            ],
        ),
    ];
    let forks: Vec<_> = h.chains.iter().filter(|c| !c.forks.is_empty()).collect();
    out.push(check(
        ctx.t("签名链无分叉", "No forked signing chains").into(),
        forks.is_empty(),
        forks
            .iter()
            .map(|c| {
                format!(
                    "{} {}：{} {:?}。{}",
                    c.name,
                    c.fingerprint,
                    ctx.t("同一序号签了两个不同事件", "two different events at"),
                    c.forks,
                    ctx.t(
                        "该密钥可能已被复制，请秘书处吊销（reviewdesk key revoke）并发放新密钥",
                        "the key may have been copied: the secretariat should revoke it (reviewdesk key revoke) and issue a new one"
                    )
                )
            })
            .collect(),
    ));
    let gaps: Vec<_> = h.chains.iter().filter(|c| !c.gaps.is_empty()).collect();
    out.push(Check {
        what: ctx.t("签名链无缺口", "No gaps in signing chains").into(),
        level: if gaps.is_empty() { Level::Ok } else { Level::Note },
        hints: gaps
            .iter()
            .map(|c| {
                format!(
                    "{} {}：{} {:?}，{}",
                    c.name,
                    c.fingerprint,
                    ctx.t("缺少序号", "missing numbers"),
                    c.gaps,
                    ctx.t("请导入该作者的评审包", "import a bundle from that author")
                )
            })
            .collect(),
    });
    out.push(Check {
        what: format!("{} {}", h.quarantined, ctx.t("个事件在隔离区", "events held in quarantine")),
        level: if h.quarantined == 0 { Level::Ok } else { Level::Note },
        hints: if h.quarantined == 0 {
            vec![]
        } else {
            vec![ctx
                .t(
                    "它们在等待所依据的事件到达（导入秘书处的评审包），或所依据的事件已被吊销作废；reviewdesk log 列出每一个及其原因",
                    "they wait for an event they name (import the secretariat's bundle), or what they name was voided by a revocation; reviewdesk log lists each with its reason",
                )
                .into()]
        },
    });
    out.push(check(
        ctx.t("受信任密钥列表", "Trusted keys").into(),
        h.trust.is_empty(),
        h.trust
            .iter()
            .cloned()
            .chain([ctx
                .t(
                    "用 reviewdesk trust remove 指纹 移除，再核对后重新添加",
                    "remove it with reviewdesk trust remove FINGERPRINT, then check and add it again",
                )
                .into()])
            .collect(),
    ));
    if !h.revoked_trusted.is_empty() {
        out.push(Check {
            what: ctx.t("受信任的秘书处密钥已被吊销", "A trusted secretariat key has been revoked").into(),
            level: Level::Note,
            hints: h.revoked_trusted.clone(),
        });
    }
    out
}

/// Every identity's key file must be readable by its owner only, and must load.
fn key_files(ctx: &Ctx) -> Check {
    let ring = ctx.home.keyring();
    let names = ring.names().unwrap_or_default();
    let problems: Vec<String> = names.iter().filter_map(|n| ring.check(n).err().map(|e| e.to_string())).collect();
    check(
        format!(
            "{} {}",
            names.len(),
            ctx.t("个身份的私钥文件（权限与内容）", "identities' key files (permissions and content)")
        ),
        problems.is_empty(),
        problems,
    )
}

/// Plain bundles an encrypted import or export left in `scratch/` when it was killed. They are
/// inside the owner-only home, but hold meeting data in the clear, so they are named; `--repair`
/// removes them. Files younger than ten minutes may belong to a run in progress and are left.
fn scratch_leftovers(ctx: &Ctx, repair: bool) -> Check {
    let dir = crate::bundle::encrypted::scratch_in(&ctx.home.dir);
    let old = |e: &std::fs::DirEntry| {
        e.metadata().and_then(|m| m.modified()).is_ok_and(|t| t.elapsed().is_ok_and(|age| age.as_secs() > 600))
    };
    let mut found: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map(|entries| entries.filter_map(|e| e.ok()).filter(old).map(|e| e.path()).collect())
        .unwrap_or_default();
    if repair {
        found.retain(|p| std::fs::remove_file(p).is_err());
    }
    let what = ctx.t("临时目录 scratch/ 中没有遗留的明文评审包", "no plain bundle left over in scratch/");
    let mut c = check(
        what.into(),
        found.is_empty(),
        vec![format!(
            "{} {}：{}",
            found.len(),
            ctx.t(
                "个文件是中断的加密导入或导出留下的明文，运行 reviewdesk doctor --repair 删除",
                "file(s) in the clear left by an interrupted encrypted import or export; run reviewdesk doctor --repair to remove them"
            ),
            found.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", ")
        )],
    );
    if !found.is_empty() {
        c.level = Level::Note;
    }
    c
}

pub fn run_backup(ctx: &Ctx, a: BackupArgs) -> Result<()> {
    let store = ctx.home.open()?;
    let temp = crate::media::temp_path_beside(&a.out, "backup");
    // Made owner-only before a byte of the store is in it.
    let result = crate::media::create_private(&temp).map_err(anyhow::Error::from).and_then(|_| {
        store.backup_to(&temp)?;
        std::fs::File::open(&temp)?.sync_all()?;
        std::fs::rename(&temp, &a.out)?;
        Ok(())
    });
    if let Err(e) = result {
        let _ = std::fs::remove_file(&temp);
        bail!(
            "无法写入备份 {}：{e}。请换一个可写的位置 / cannot write the backup {}: {e}. Choose a folder you can write to",
            a.out.display(),
            a.out.display()
        );
    }
    let info = Store::inspect_backup(&a.out)?;
    if ctx.json {
        return output::json(&serde_json::json!({"backup": a.out, "info": info}));
    }
    say!(
        "{} {}：{} {}，{} {}",
        ctx.t("已备份到", "Backed up to"),
        a.out.display(),
        info.events,
        ctx.t("个事件", "events"),
        info.meetings,
        ctx.t("个会议", "meetings")
    );
    Ok(())
}

pub fn run_restore(ctx: &Ctx, a: RestoreArgs) -> Result<()> {
    // Checked before anything changes, so a bad file leaves the store as it was.
    Store::inspect_backup(&a.file)?;
    let mut store = ctx.home.open()?;
    let keep = ctx.home.dir.join(format!("reviewdesk-before-restore-{}.db", ctx.now.format("%Y%m%d-%H%M%S")));
    crate::media::create_private(&keep)?;
    store.backup_to(&keep)?;
    let info = store.restore_from(&a.file)?;
    if ctx.json {
        return output::json(&serde_json::json!({"restored": a.file, "info": info, "previous": keep}));
    }
    say!(
        "{} {}：{} {}，{} {}",
        ctx.t("已从备份恢复", "Restored from"),
        a.file.display(),
        info.events,
        ctx.t("个事件", "events"),
        info.meetings,
        ctx.t("个会议", "meetings")
    );
    say!("{}：{}", ctx.t("恢复前的数据另存为", "The store as it was is kept at"), keep.display());
    Ok(())
}
