//! `trust`: the secretariat keys this machine accepts meetings from.

use super::{Ctx, output};
use crate::ledger::PublicKey;
use anyhow::{Result, bail};

#[derive(Debug, clap::Subcommand)]
pub enum Cmd {
    /// Trust a secretariat key: a .pub file or a hex key. Check its fingerprint by phone or in person first
    Add {
        /// A .pub file written by `key export`, or a hex public key
        key: String,
        /// A name for the key (taken from the file when it has one)
        #[arg(long)]
        name: Option<String>,
    },
    /// List the trusted secretariat keys
    List,
    /// Stop trusting a key, by fingerprint or hex key
    Remove {
        /// Fingerprint (XXXX-XXXX-XXXX-XXXX) or hex key
        key: String,
    },
}

pub fn run(ctx: &Ctx, cmd: Cmd) -> Result<()> {
    let mut store = ctx.home.open()?;
    match cmd {
        Cmd::Add { key, name } => {
            let path = std::path::Path::new(&key);
            let text = if path.is_file() { std::fs::read_to_string(path)? } else { key.clone() };
            let mut public = PublicKey::parse(&text, name.as_deref().unwrap_or(""))?;
            if let Some(n) = name {
                public.name = n;
            }
            if public.name.trim().is_empty() {
                bail!("请用 --name 给这个密钥起个名字 / give the key a name with --name");
            }
            let added = store.trust_add(&public, &ctx.now.to_rfc3339())?;
            if ctx.json {
                return output::json(
                    &serde_json::json!({"fingerprint": public.fingerprint(), "name": public.name, "added": added}),
                );
            }
            let what = if added { ctx.t("已信任", "Trusted") } else { ctx.t("早已信任", "Already trusted") };
            say!("{what}：{} {}", public.fingerprint(), public.name);
        }
        Cmd::List => {
            let list = store.trust_list()?;
            if ctx.json {
                return output::json(&list);
            }
            if list.is_empty() {
                say!("{}", ctx.t("本机尚未信任任何秘书处密钥。", "This machine trusts no secretariat key yet."));
            }
            for t in list {
                say!("{}  {}  {}", t.fingerprint, t.suite, t.name);
            }
        }
        Cmd::Remove { key } => match store.trust_remove(&key)? {
            Some(e) => {
                if ctx.json {
                    return output::json(&e);
                }
                say!("{}：{} {}", ctx.t("已移除信任", "No longer trusted"), e.fingerprint, e.name);
            }
            None => bail!(
                "信任列表中没有“{key}”。用 reviewdesk trust list 查看 / “{key}” is not in the trust list: see reviewdesk trust list"
            ),
        },
    }
    Ok(())
}
