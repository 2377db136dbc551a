//! `export`, `import` and `verify`: bundles on USB sticks.

use super::{Ctx, output};
use crate::bundle::encrypted::{self, Addressee, Opened};
use crate::bundle::{self, BundleSummary, ExportFilter, shown};
use crate::domain::text::Lang;
use crate::ledger::Member;
use crate::store::{EventFilter, ImportReport, Store};
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
    /// Encrypt the bundle for the person whose public key file this is (from their `reviewdesk
    /// key export`), so a lost stick leaks nothing; only their identity opens it. age for an
    /// ed25519-sha256 key; SM2, SM4 and HMAC-SM3 for an sm2-sm3 key
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
    say!(
        "{} {}：{} {}，{} {}，{} {}，{} {}",
        ctx.t("已导出", "Exported"),
        shown(&report.path.display().to_string()),
        report.events,
        ctx.t("个事件", "events"),
        report.authors,
        ctx.t("位作者", "authors"),
        report.blobs,
        ctx.t("份附件", "documents"),
        report.bytes,
        ctx.t("字节", "bytes")
    );
    say!("{}：{}（{}）", ctx.t("签名者", "Signed by"), shown(&me.name), me.fingerprint());
    if let Some(to) = &encrypt_to {
        say!(
            "{}：{}",
            ctx.t("已加密，只有此收件人能打开", "Encrypted: only this recipient can open it"),
            shown(to.label())
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
            many.iter().map(|p| shown(&p.display().to_string())).collect::<Vec<_>>().join("、"),
            many.iter().map(|p| shown(&p.display().to_string())).collect::<Vec<_>>().join(", ")
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
        // Opened once: the header, both passes and the decryption read this one descriptor.
        let result = opened(ctx, file)
            .and_then(|o| Ok(bundle::import_file(&mut store, o.file(), o.path(), ctx.now, a.dry_run, &mut progress)?));
        match result {
            Ok((summary, report)) => {
                bar.finish_and_clear();
                if !a.dry_run && report.new + report.released > 0 {
                    store.set_meta("last_import", &format!("{} {}", ctx.now.to_rfc3339(), file.display()))?;
                }
                if !ctx.json {
                    print_report(ctx, &store, file, &summary, &report, a.dry_run);
                }
                results.push(serde_json::json!({"file": file, "ok": true, "bundle": summary, "report": report, "dry_run": a.dry_run}));
            }
            Err(e) => {
                bar.finish_and_clear();
                failed += 1;
                if !ctx.json {
                    say_err!("{}：{e}", shown(&file.display().to_string()));
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

/// Reasons listed one by one after an import; the rest are counted.
const LISTED_REASONS: usize = 20;

/// The exporter as a user may trust it: by fingerprint first, the manifest's name marked as the
/// exporter's own claim, and the name this machine knows for that key, if it knows one.
fn exporter_line(ctx: &Ctx, s: &BundleSummary, known: Option<String>) -> String {
    let claim = shown(&s.exporter.name);
    let fp = &s.exporter_fingerprint;
    match (ctx.lang, known) {
        (Lang::Zh, None) => format!("导出者：{fp}（自称“{claim}”）"),
        (Lang::Zh, Some(k)) => format!("导出者：{fp}（自称“{claim}”；本机记录为“{}”）", shown(&k)),
        (Lang::En, None) => format!("Exporter: {fp} (claims “{claim}”)"),
        (Lang::En, Some(k)) => format!("Exporter: {fp} (claims “{claim}”; known here as “{}”)", shown(&k)),
    }
}

/// The name this home knows for `who`'s key: an identity here, a trusted secretariat, or a
/// member of a meeting in the store. Lookup failures just mean "not known".
fn known_name(ctx: &Ctx, store: Option<&Store>, who: &Member) -> Option<String> {
    let ring = ctx.home.keyring();
    if let Ok(names) = ring.names() {
        for name in names {
            if ring.entry(&name).is_ok_and(|e| e.public.key == who.key) {
                return Some(name);
            }
        }
    }
    let store = store?;
    if let Some(t) = store.trust_list().ok()?.into_iter().find(|t| t.key == who.key) {
        return Some(t.name);
    }
    for m in store.meetings().ok()? {
        let Ok(meeting) = store.meeting(&m.id) else { continue };
        let people = meeting.panel.iter().map(|p| &p.member).chain(std::iter::once(&meeting.secretariat));
        if let Some(p) = people.into_iter().find(|p| p.key == who.key) {
            return Some(p.name.clone());
        }
    }
    None
}

fn print_report(ctx: &Ctx, store: &Store, file: &Path, s: &BundleSummary, r: &ImportReport, dry_run: bool) {
    let head = if dry_run {
        ctx.t("试导入（未写入）", "Dry run (nothing written)")
    } else {
        ctx.t("已导入", "Imported")
    };
    say!("{head} {}", shown(&file.display().to_string()));
    say!("  {}", exporter_line(ctx, s, known_name(ctx, Some(store), &s.exporter)));
    say!(
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
    if s.documents_skipped > 0 {
        say!(
            "  {} {}",
            ctx.t("未被任何申报引用而略过的附件", "documents no application names, left out:"),
            s.documents_skipped
        );
    }
    if r.released > 0 {
        say!("  {} {}", ctx.t("先前隔离、现已生效的事件：", "held events now applied:"), r.released);
    }
    if r.withdrawn > 0 {
        say!(
            "  {} {}",
            ctx.t(
                "此前已生效、现因吊销或分叉而作废或暂存的事件：",
                "events applied before that a revocation or a fork now voids or holds:"
            ),
            r.withdrawn
        );
    }
    if r.future_dated > 0 {
        say!(
            "  ⚠ {} {}",
            r.future_dated,
            ctx.t(
                "个事件的时间比本机时钟晚一天以上：签名者电脑（或本机）的时钟可能有误，请核对",
                "events are dated more than a day after this machine's clock: the signer's clock (or this one) may be wrong; check it"
            )
        );
    }
    let mut reasons: BTreeMap<&str, usize> = BTreeMap::new();
    for (_, reason) in &r.refusals {
        *reasons.entry(reason.get(ctx.lang)).or_default() += 1;
    }
    let mut reasons: Vec<(&str, usize)> = reasons.into_iter().collect();
    reasons.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    for (reason, n) in reasons.iter().take(LISTED_REASONS) {
        say!("  × {n}  {}", shown(reason));
    }
    if reasons.len() > LISTED_REASONS {
        let rest: usize = reasons[LISTED_REASONS..].iter().map(|(_, n)| n).sum();
        say!("  × {rest}  {}", ctx.t("（其他原因，见 --json）", "(other reasons: see --json)"));
    }
    if r.unlisted > 0 {
        say!(
            "  × {}  {}",
            r.unlisted,
            ctx.t(
                "（更多未列出的事件，reviewdesk log 列出每一个及其原因）",
                "(more not listed: reviewdesk log gives each with its reason)"
            )
        );
    }
    for key in &r.forked_keys {
        let name = s
            .authors
            .iter()
            .find(|a| &a.key == key)
            .map(|a| format!("{} {}", a.fingerprint, shown(&a.name)))
            .unwrap_or_else(|| shown(key));
        say!("  {} {name}", ctx.t("⚠ 签名链分叉，须人工核查：", "⚠ chain fork, check this key:"));
    }
    if r.still_held > 0 {
        say!(
            "  {} {}",
            r.still_held,
            ctx.t(
                "个事件仍在隔离区，等待其所依据的事件到达（reviewdesk log 列出原因）",
                "events remain held until what they name arrives (reviewdesk log gives each reason)"
            )
        );
    }
}

/// The bundle ready to read: an encrypted one is opened with the identity here it is addressed
/// to (whose passphrase is asked only then).
fn opened<'a>(ctx: &Ctx, file: &'a Path) -> Result<Opened<'a>> {
    let handle = std::fs::File::open(file)
        .map_err(|source| bundle::BundleError::Io { path: shown(&file.display().to_string()), source })?;
    let Some(to) = encrypted::addressee_in(&handle, file)? else { return Ok(Opened::plain_file(file, handle)) };
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
            return Ok(encrypted::open_file(file, handle, &[&me], &encrypted::scratch_in(&ctx.home.dir))?);
        }
        here.push(entry.public.fingerprint());
    }
    match unreadable {
        Some(e) => Err(e.into()),
        None => Err(encrypted::not_mine(&to, here.into_iter()).into()),
    }
}

pub fn run_verify(ctx: &Ctx, a: VerifyArgs) -> Result<()> {
    let file = shown(&a.file.display().to_string());
    let opened = opened(ctx, &a.file).map_err(|e| anyhow!("{file}：{e}"))?;
    let s = bundle::inspect_file(opened.file(), opened.path()).map_err(|e| anyhow!("{file}：{e}"))?;
    if ctx.json {
        return output::json(&s);
    }
    let zh = ctx.lang == Lang::Zh;
    say!("{} {file}", ctx.t("评审包校验通过：", "Bundle verified:"));
    // No store is opened: only the identities here can name the key.
    say!("  {}  {}", exporter_line(ctx, &s, known_name(ctx, None, &s.exporter)), s.created.to_rfc3339());
    say!(
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
    if s.unnamed_documents > 0 {
        say!(
            "  {} {}",
            ctx.t(
                "本包中没有申报引用的附件（导入时除非本机已有申报引用，否则略过）：",
                "documents no application in this bundle names (an import leaves them out unless one here does):"
            ),
            s.unnamed_documents
        );
    }
    let ids: Vec<String> = s.meeting_ids.iter().map(|m| shown(m)).collect();
    say!("  {}：{}", ctx.t("会议", "Meetings"), ids.join(", "));
    for m in &s.meetings {
        say!(
            "    {}  {}  {}（{} {}）",
            shown(&m.id),
            m.date,
            shown(&m.title),
            ctx.t("专家组", "panel of"),
            m.panel.len()
        );
    }
    for (k, n) in &s.kinds {
        say!("    {k}: {n}");
    }
    for c in &s.closes {
        let whole = c.heads_present == c.heads && c.decisions_present == c.decisions;
        say!(
            "  {} {}（{} {}）：{} {}/{}，{} {}/{}；{}{}",
            ctx.t("会议已封存", "Closed meeting"),
            shown(&c.meeting),
            ctx.t("事件", "event"),
            &c.event[..12.min(c.event.len())],
            ctx.t("所固定的签名链头在包内", "pinned chain heads here"),
            c.heads_present,
            c.heads,
            ctx.t("结论在包内", "decisions here"),
            c.decisions_present,
            c.decisions,
            if whole {
                ctx.t("封存所固定的内容齐全", "everything the close pins is in the bundle")
            } else {
                ctx.t("封存所固定的内容不全", "the bundle lacks some of what the close pins")
            },
            if c.reopened { ctx.t("（已重新开启）", " (re-opened)") } else { "" }
        );
    }
    say!("  {}：", ctx.t("作者", "Authors"));
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
        say!(
            "    {}  {}  #{}–#{}  {} {}",
            a.fingerprint,
            crate::domain::text::fit(&shown(&a.name), 10),
            a.first_seq,
            a.last_seq,
            a.count,
            notes.join(" ")
        );
    }
    if s.listing_cut {
        say!(
            "  {}",
            ctx.t(
                "（作者或会议太多，以上列表不全；各项数目是全的）",
                "(too many authors or meetings to list them all; the counts are whole)"
            )
        );
    }
    Ok(())
}
