//! `export`, `import` and `verify`: bundles on USB sticks.

use super::{Ctx, output};
use crate::bundle::encrypted::{self, Addressee, Opened};
use crate::bundle::{self, BundleSummary, ExportFilter};
use crate::domain::text::Lang;
use crate::store::{EventFilter, ImportReport};
use anyhow::{Result, anyhow, bail};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

#[derive(Debug, clap::Args)]
pub struct ExportArgs {
    /// Where to write the bundle (a .rdbundle file)
    #[arg(long, required_unless_present = "usb", conflicts_with = "usb")]
    pub out: Option<PathBuf>,
    /// Write to the one mounted removable volume (under /media/$USER, /run/media/$USER or /media)
    #[arg(long)]
    pub usb: bool,
    /// Only this meeting's events (key revocations always travel)
    #[arg(long)]
    pub meeting: Option<String>,
    /// Only this author's events: a .pub file, hex key, fingerprint, or the name of an identity here
    #[arg(long)]
    pub author: Option<String>,
    /// Leave out the attached documents
    #[arg(long)]
    pub no_blobs: bool,
    /// Encrypt the bundle (age) for the person whose public key file this is (from their
    /// `reviewdesk key export`), so a lost stick leaks nothing; only their identity opens it
    #[arg(long, value_name = "FILE")]
    pub encrypt_to: Option<PathBuf>,
}

#[derive(Debug, clap::Args)]
pub struct ImportArgs {
    /// Bundle files to import, in any order
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// Verify and report without changing anything
    #[arg(long)]
    pub dry_run: bool,
}

#[derive(Debug, clap::Args)]
pub struct VerifyArgs {
    /// The bundle to check; no store is opened or changed
    pub file: PathBuf,
}

pub fn run_export(ctx: &Ctx, a: ExportArgs) -> Result<()> {
    let mut store = ctx.home.open()?;
    let encrypt_to = a.encrypt_to.as_deref().map(Addressee::from_key_file).transpose()?;
    let me = ctx.home.identity(ctx.as_name.as_deref())?;
    let meeting = match &a.meeting {
        Some(m) => Some(store.resolve_meeting(Some(m))?),
        None => None,
    };
    let author = match &a.author {
        None => None,
        Some(text) => Some(match ctx.home.keyring().load(text) {
            Ok(id) => id.key_hex(),
            Err(_) => super::key::resolve_key(&store, text)?.key,
        }),
    };
    let target = match (a.out, a.usb) {
        (Some(out), _) => out,
        (None, _) => usb_volume()?.join(crate::media::bundle_file_name(&me.name, ctx.now)),
    };
    let filter = ExportFilter { events: EventFilter { meeting, author }, no_blobs: a.no_blobs };
    let report = match &encrypt_to {
        None => bundle::export(&store, &me, &filter, &target, ctx.now)?,
        Some(to) => {
            let scratch = encrypted::scratch_in(&ctx.home.dir);
            encrypted::export_to(&store, &me, &filter, to, &target, &scratch, ctx.now)?
        }
    };
    store.set_meta("last_export", &format!("{} {}", ctx.now.to_rfc3339(), target.display()))?;
    if ctx.json {
        let mut v = serde_json::to_value(&report)?;
        v["encrypted_for"] = serde_json::to_value(&encrypt_to)?;
        return output::json(&v);
    }
    println!(
        "{} {}：{} {}，{} {}，{} {}，{} {}",
        ctx.t("已导出", "Exported"),
        report.path.display(),
        report.events,
        ctx.t("个事件", "events"),
        report.authors,
        ctx.t("位作者", "authors"),
        report.blobs,
        ctx.t("份附件", "documents"),
        report.bytes,
        ctx.t("字节", "bytes")
    );
    println!("{}：{}（{}）", ctx.t("签名者", "Signed by"), me.name, me.fingerprint());
    if let Some(to) = &encrypt_to {
        println!(
            "{}：{}",
            ctx.t("已加密，只有此收件人能打开", "Encrypted: only this recipient can open it"),
            to.label()
        );
    }
    Ok(())
}

fn usb_volume() -> Result<PathBuf> {
    let volumes = crate::media::usb_volumes();
    match volumes.as_slice() {
        [one] => Ok(one.clone()),
        [] => bail!(
            "没有找到已挂载的 U 盘（/media/$USER、/run/media/$USER 或 /media 下），请插入 U 盘，或用 --out 指定路径 / no mounted removable volume found (under /media/$USER, /run/media/$USER or /media): insert a stick, or give --out"
        ),
        many => bail!(
            "找到多个 U 盘：{}。请用 --out 指定写到哪一个 / several removable volumes are mounted: {}. Choose one with --out",
            many.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join("、"),
            many.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", ")
        ),
    }
}

pub fn run_import(ctx: &Ctx, a: ImportArgs) -> Result<()> {
    let mut store = ctx.home.open()?;
    let mut results = Vec::new();
    let mut failed = 0;
    for file in &a.files {
        let bar = progress_bar();
        let mut progress = |done: usize, total: usize| {
            if total >= 5_000 {
                bar.set_length(total as u64);
                bar.set_position(done as u64);
            }
        };
        let result = opened(ctx, file)
            .and_then(|o| Ok(bundle::import(&mut store, o.path(), ctx.now, a.dry_run, &mut progress)?));
        match result {
            Ok((summary, report)) => {
                bar.finish_and_clear();
                if !a.dry_run && report.new + report.released > 0 {
                    store.set_meta("last_import", &format!("{} {}", ctx.now.to_rfc3339(), file.display()))?;
                }
                if !ctx.json {
                    print_report(ctx, file, &summary, &report, a.dry_run);
                }
                results.push(serde_json::json!({"file": file, "ok": true, "bundle": summary, "report": report, "dry_run": a.dry_run}));
            }
            Err(e) => {
                bar.finish_and_clear();
                failed += 1;
                if !ctx.json {
                    eprintln!("{}：{e}", file.display());
                }
                results.push(serde_json::json!({"file": file, "ok": false, "error": e.to_string()}));
            }
        }
    }
    if ctx.json {
        output::json(&results)?;
    }
    if failed > 0 {
        bail!(
            "{failed} 个评审包未能导入，本机数据未因其改变 / {failed} bundle(s) could not be imported; they changed nothing here"
        );
    }
    Ok(())
}

fn progress_bar() -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::with_draw_target(Some(0), indicatif::ProgressDrawTarget::stderr());
    bar.set_style(
        indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} {per_sec}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    bar
}

fn print_report(ctx: &Ctx, file: &Path, s: &BundleSummary, r: &ImportReport, dry_run: bool) {
    let head = if dry_run {
        ctx.t("试导入（未写入）", "Dry run (nothing written)")
    } else {
        ctx.t("已导入", "Imported")
    };
    println!("{head} {}", file.display());
    println!("  {}：{}（{}）", ctx.t("导出者", "Exporter"), s.exporter.name, s.exporter_fingerprint);
    println!(
        "  {} {}  {} {}  {} {}  {} {}  {} {}",
        ctx.t("新增", "new"),
        r.new,
        ctx.t("重复", "duplicate"),
        r.duplicate,
        ctx.t("隔离", "quarantined"),
        r.quarantined,
        ctx.t("拒绝", "rejected"),
        r.rejected,
        ctx.t("附件", "documents stored"),
        r.blobs_stored
    );
    if r.released > 0 {
        println!("  {} {}", ctx.t("先前隔离、现已生效的事件：", "held events now applied:"), r.released);
    }
    let mut reasons: BTreeMap<&str, usize> = BTreeMap::new();
    for (_, reason) in &r.refusals {
        *reasons.entry(reason.get(ctx.lang)).or_default() += 1;
    }
    for (reason, n) in reasons {
        println!("  × {n}  {reason}");
    }
    for key in &r.forked_keys {
        let name = s
            .authors
            .iter()
            .find(|a| &a.key == key)
            .map(|a| format!("{} {}", a.fingerprint, a.name))
            .unwrap_or_else(|| key.clone());
        println!("  {} {name}", ctx.t("⚠ 签名链分叉，须人工核查：", "⚠ chain fork, check this key:"));
    }
    if r.still_held > 0 {
        println!(
            "  {} {}",
            r.still_held,
            ctx.t(
                "个事件仍在隔离区，等待其会议或申报到达",
                "events remain held until their meeting or application arrives"
            )
        );
    }
}

/// The bundle ready to read: an encrypted one is opened with the identity here it is addressed
/// to (whose passphrase is asked only then).
fn opened<'a>(ctx: &Ctx, file: &'a Path) -> Result<Opened<'a>> {
    let Some(to) = encrypted::addressee(file)? else { return Ok(Opened::plain(file)) };
    let ring = ctx.home.keyring();
    let mut here = Vec::new();
    let mut unreadable = None;
    for name in ring.names()? {
        // Someone else's damaged or exposed key file must not stop this import; it is named
        // only if no identity here can open the bundle.
        let entry = match ring.entry(&name) {
            Ok(entry) => entry,
            Err(e) => {
                unreadable.get_or_insert(e);
                continue;
            }
        };
        if entry.public.recipient.as_deref() == Some(to.recipient.as_str()) {
            let me = ring.load(&name)?;
            return Ok(encrypted::open(file, &[&me], &encrypted::scratch_in(&ctx.home.dir))?);
        }
        here.push(entry.public.fingerprint());
    }
    match unreadable {
        Some(e) => Err(e.into()),
        None => Err(encrypted::not_mine(&to, here.into_iter()).into()),
    }
}

pub fn run_verify(ctx: &Ctx, a: VerifyArgs) -> Result<()> {
    let opened = opened(ctx, &a.file).map_err(|e| anyhow!("{}：{e}", a.file.display()))?;
    let s = bundle::inspect(opened.path()).map_err(|e| anyhow!("{}：{e}", a.file.display()))?;
    if ctx.json {
        return output::json(&s);
    }
    let zh = ctx.lang == Lang::Zh;
    println!("{} {}", ctx.t("评审包校验通过：", "Bundle verified:"), a.file.display());
    println!(
        "  {}：{}（{}）  {}",
        ctx.t("导出者", "Exporter"),
        s.exporter.name,
        s.exporter_fingerprint,
        s.created.to_rfc3339()
    );
    println!(
        "  {}：{} {}（{} {}），{} {}，{} {}（{} {}）；{} {} {}",
        ctx.t("内容", "Holds"),
        s.events,
        ctx.t("个事件", "events"),
        s.events_bytes,
        ctx.t("字节", "bytes"),
        s.applications,
        ctx.t("个申报登记", "applications"),
        s.blobs,
        ctx.t("份附件", "documents"),
        s.blob_bytes,
        ctx.t("字节", "bytes"),
        ctx.t("共", "in all"),
        s.bytes,
        ctx.t("字节", "bytes")
    );
    println!("  {}：{}", ctx.t("会议", "Meetings"), s.meeting_ids.join(", "));
    for m in &s.meetings {
        println!("    {}  {}  {}（{} {}）", m.id, m.date, m.title, ctx.t("专家组", "panel of"), m.panel.len());
    }
    for (k, n) in &s.kinds {
        println!("    {k}: {n}");
    }
    println!("  {}：", ctx.t("作者", "Authors"));
    for a in &s.authors {
        let mut notes: Vec<String> = a
            .gaps
            .iter()
            .map(|(f, t)| {
                if f == t {
                    format!("{} {f}", if zh { "缺" } else { "gap" })
                } else {
                    format!("{} {f}–{t}", if zh { "缺" } else { "gap" })
                }
            })
            .collect();
        notes.extend(a.forks.iter().map(|s| format!("{} {s}", if zh { "分叉" } else { "FORK" })));
        println!(
            "    {}  {}  #{}–#{}  {} {}",
            a.fingerprint,
            crate::domain::text::fit(&a.name, 10),
            a.first_seq,
            a.last_seq,
            a.count,
            notes.join(" ")
        );
    }
    Ok(())
}
