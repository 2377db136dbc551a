//! `key`: show, list and export identities; change a passphrase; revoke a key.

use super::{Ctx, output};
use crate::domain::Reason;
use crate::ledger::{Body, KeyEntry, PublicKey};
use anyhow::{Result, bail};
use std::path::PathBuf;

#[derive(Debug, clap::Subcommand)]
pub enum Cmd {
    /// Show the current identity: name, suite, fingerprint and public key
    Show,
    /// List the identities in this home
    List,
    /// Write the current identity's public key to a file, for rosters and trust lists
    Export {
        /// Where to write the public key (e.g. 李明.pub)
        #[arg(long)]
        out: PathBuf,
    },
    /// Change, set or remove the passphrase that seals the current identity's private key
    ///
    /// The current passphrase is asked (or read from REVIEWDESK_PASSPHRASE_FILE), the new one is
    /// asked twice (or read from REVIEWDESK_NEW_PASSPHRASE_FILE). The key itself stays the same.
    Passwd {
        /// Store the key without a passphrase from now on
        #[arg(long)]
        remove: bool,
    },
    /// Revoke a key from a cut-off on (secretariat): its events after that seq are void everywhere
    Revoke {
        /// The key: a .pub file, a hex key, or a fingerprint of a panel member or trusted key
        key: String,
        /// The last seq of that key that stays valid (0 voids all its events)
        #[arg(long, value_parser = crate::ledger::event::parse_cutoff)]
        cutoff: u64,
        /// Why (lost laptop, left the panel, ...)
        #[arg(long)]
        reason: String,
    },
    /// Give a panel member a new key (a replaced laptop), secretariat: revokes the old key from a
    /// cut-off on and seats the new key in the old one's place in every meeting you opened
    Rotate {
        /// The old key: a .pub file, a hex key, or a panel member's fingerprint
        old: String,
        /// The new key's public key file, from `reviewdesk key export` on the new machine
        #[arg(long, value_name = "FILE")]
        new: PathBuf,
        /// The last seq of the old key that stays valid (0 voids all its events)
        #[arg(long, value_parser = crate::ledger::event::parse_cutoff)]
        cutoff: u64,
        /// Why (lost laptop, stolen, broken, ...)
        #[arg(long)]
        reason: String,
    },
}

pub fn run(ctx: &Ctx, cmd: Cmd) -> Result<()> {
    match cmd {
        Cmd::Show => {
            let entry = current_entry(ctx)?;
            let p = &entry.public;
            if ctx.json {
                return output::json(&serde_json::json!({
                    "name": p.name, "suite": p.suite, "key": p.key, "fingerprint": p.fingerprint(),
                    "recipient": p.recipient, "protected": entry.protected,
                }));
            }
            say!("{}：{}", ctx.t("身份", "Identity"), p.name);
            say!("{}：{}", ctx.t("算法", "Suite"), p.suite);
            say!("{}：{}", ctx.t("指纹", "Fingerprint"), p.fingerprint());
            say!("{}：{}", ctx.t("公钥", "Public key"), p.key);
            say!("{}：{}", ctx.t("加密公钥", "Encryption key"), p.recipient.as_deref().unwrap_or("-"));
            say!("{}：{}", ctx.t("口令保护", "Passphrase"), protection(ctx, entry.protected));
        }
        Cmd::List => {
            let ring = ctx.home.keyring();
            let mut list = Vec::new();
            for name in ring.names()? {
                let e = ring.entry(&name)?;
                list.push(serde_json::json!({
                    "name": e.public.name, "fingerprint": e.public.fingerprint(), "key": e.public.key,
                    "protected": e.protected,
                }));
            }
            if ctx.json {
                return output::json(&list);
            }
            if list.is_empty() {
                say!(
                    "{}",
                    ctx.t(
                        "此目录还没有身份。运行 reviewdesk init --name 姓名",
                        "No identity here yet. Run reviewdesk init --name NAME"
                    )
                );
            }
            for l in list {
                let lock = if l["protected"].as_bool().unwrap_or(false) {
                    ctx.t("  （口令保护）", "  (passphrase)")
                } else {
                    ""
                };
                say!("{}  {}{lock}", l["fingerprint"].as_str().unwrap_or(""), l["name"].as_str().unwrap_or(""));
            }
        }
        Cmd::Passwd { remove } => passwd(ctx, remove)?,
        Cmd::Rotate { old, new, cutoff, reason } => rotate(ctx, &old, &new, cutoff, reason)?,
        Cmd::Export { out } => {
            let id = current_entry(ctx)?.public;
            if out.exists() {
                bail!("{} 已存在，不会覆盖 / {} exists and will not be overwritten", out.display(), out.display());
            }
            std::fs::write(&out, id.to_file_text()).map_err(|e| {
                anyhow::anyhow!("无法写入 {}：{e} / cannot write {}: {e}", out.display(), out.display())
            })?;
            if ctx.json {
                return output::json(&serde_json::json!({"out": out, "fingerprint": id.fingerprint()}));
            }
            say!(
                "{} {}（{} {}）",
                ctx.t("公钥已写入", "Public key written to"),
                out.display(),
                ctx.t("指纹", "fingerprint"),
                id.fingerprint()
            );
        }
        Cmd::Revoke { key, cutoff, reason } => {
            let mut store = ctx.home.open()?;
            let id = ctx.home.identity(ctx.as_name.as_deref())?;
            let reason = Reason::parse(&reason)?.into_string();
            let target = resolve_key(&store, &key)?;
            let body = Body::KeyRevoked { key: target.key.clone(), cutoff_seq: cutoff, reason };
            let ev = store.append_local(&id, body, ctx.now)?;
            if ctx.json {
                return output::json(
                    &serde_json::json!({"revoked": target.key, "fingerprint": target.fingerprint(), "cutoff": cutoff, "event": ev.id}),
                );
            }
            say!(
                "{} {}（{}），{} {}",
                ctx.t("已吊销", "Revoked"),
                target.fingerprint(),
                target.name,
                ctx.t("有效截止序号", "valid up to seq"),
                cutoff
            );
        }
    }
    Ok(())
}

/// `key rotate`: the old key is revoked, then every meeting of this secretariat that seats it is
/// re-opened with the new key taking over that seat.
fn rotate(ctx: &Ctx, old: &str, new: &std::path::Path, cutoff: u64, reason: String) -> Result<()> {
    let mut store = ctx.home.open()?;
    let me = ctx.home.identity(ctx.as_name.as_deref())?;
    let reason = Reason::parse(&reason)?.into_string();
    let old = resolve_key(&store, old)?;
    let fresh = resolve_key(&store, &new.to_string_lossy())?;
    if fresh.key == old.key {
        bail!(
            "新旧密钥相同：请在新电脑上运行 reviewdesk init 生成新密钥 / the new key is the old one: run reviewdesk init on the new machine to make a new key"
        );
    }
    let mut moved = Vec::new();
    let mut reopened = Vec::new();
    for summary in store.meetings()? {
        let meeting = store.meeting(&summary.id)?;
        if meeting.secretariat.key != me.key_hex() {
            continue;
        }
        let Some(seat) = meeting.seat_of(&old.key).filter(|s| s.holder.member.key == old.key) else { continue };
        let holder = seat.holder.clone();
        let mut next = meeting.clone();
        next.supersedes = Some(store.meeting_event(&summary.id)?);
        let name = if fresh.name.trim().is_empty() { holder.member.name.clone() } else { fresh.name.clone() };
        next.panel.push(crate::ledger::PanelMember {
            member: crate::ledger::Member { name, key: fresh.key.clone(), suite: fresh.suite },
            replaces: Some(old.key.clone()),
            ..holder
        });
        moved.push(summary.id.clone());
        reopened.push(Body::MeetingOpened(Box::new(next)));
    }
    if moved.is_empty() {
        bail!(
            "密钥 {} 不在您开启的任何会议的专家组中，无需换用；如只需停用，请用 reviewdesk key revoke / key {} holds no seat in a meeting you opened: nothing to move; to stop it only, use reviewdesk key revoke",
            old.fingerprint(),
            old.fingerprint()
        );
    }
    // The seats first: they are what can be refused (the new key already on a panel).
    for body in reopened {
        store.append_local(&me, body, ctx.now)?;
    }
    let revoked =
        store.append_local(&me, Body::KeyRevoked { key: old.key.clone(), cutoff_seq: cutoff, reason }, ctx.now)?;
    if ctx.json {
        return output::json(&serde_json::json!({
            "revoked": old.key, "cutoff": cutoff, "event": revoked.id,
            "new_key": fresh.key, "fingerprint": fresh.fingerprint(), "meetings": moved,
        }));
    }
    say!(
        "{} {}，{} {}",
        ctx.t("已吊销", "Revoked"),
        old.fingerprint(),
        ctx.t("有效截止序号", "valid up to seq"),
        cutoff
    );
    say!(
        "{} {} {}：{}",
        ctx.t("新密钥", "New key"),
        fresh.fingerprint(),
        ctx.t("已接替其席位，会议", "now holds the seat in meetings"),
        moved.join(", ")
    );
    say!(
        "{}",
        ctx.t(
            "请导出评审包发给组长和各专家，旧密钥在截止序号之后的事件在每台机器上都会被拒绝。",
            "Export a bundle to the chair and the experts: every machine then refuses the old key's events after the cut-off."
        )
    );
    Ok(())
}

/// The public half of the identity `--as` names (or the only one), without its passphrase.
fn current_entry(ctx: &Ctx) -> Result<KeyEntry> {
    let ring = ctx.home.keyring();
    Ok(ring.entry(&ring.select_name(ctx.as_name.as_deref())?)?)
}

fn protection(ctx: &Ctx, protected: bool) -> &'static str {
    if protected { ctx.t("有（私钥已加密）", "yes (the private key is sealed)") } else { ctx.t("无", "none") }
}

/// `key passwd`: reseals the same key under a new passphrase, or stores it open.
fn passwd(ctx: &Ctx, remove: bool) -> Result<()> {
    let ring = ctx.home.keyring();
    let name = ring.select_name(ctx.as_name.as_deref())?;
    let id = ring.load(&name)?;
    let new = if remove { None } else { Some(super::passphrase::new_passphrase(&name, false)?) };
    ring.save(&id, new.as_deref())?;
    if ctx.json {
        return output::json(&serde_json::json!({"name": name, "protected": !remove}));
    }
    if remove {
        say!(
            "{}",
            ctx.t(
                "已取消口令保护：私钥现在以明文保存，只靠文件权限保护。",
                "Passphrase removed: the private key is now kept open, guarded only by file permissions."
            )
        );
    } else {
        say!("{}", ctx.t("口令已更新。", "Passphrase changed."));
    }
    Ok(())
}

/// A key named by file, hex or the fingerprint of someone the store knows.
pub fn resolve_key(store: &crate::store::Store, text: &str) -> Result<PublicKey> {
    let path = std::path::Path::new(text);
    if path.is_file() {
        let content = std::fs::read_to_string(path)?;
        return Ok(PublicKey::parse(&content, "")?);
    }
    if let Ok(p) = PublicKey::parse(text, "") {
        return Ok(p);
    }
    let wanted = text.trim().to_uppercase();
    for m in store.meetings()? {
        let meeting = store.meeting(&m.id)?;
        let people = meeting.panel.iter().map(|p| &p.member).chain(std::iter::once(&meeting.secretariat));
        for member in people {
            let p =
                PublicKey { name: member.name.clone(), suite: member.suite, key: member.key.clone(), recipient: None };
            if p.fingerprint() == wanted {
                return Ok(p);
            }
        }
    }
    for t in store.trust_list()? {
        if t.fingerprint == wanted {
            return Ok(PublicKey::parse(&format!("{}:{}", t.suite, t.key), &t.name)?);
        }
    }
    bail!(
        "找不到密钥“{text}”：请给出 .pub 文件、十六进制公钥或已知成员的指纹 / no key “{text}”: give a .pub file, a hex key or the fingerprint of a known member"
    )
}
