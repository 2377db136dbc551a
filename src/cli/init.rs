//! `init`: create the home and an identity.

use super::{Ctx, output};
use crate::ledger::Suite;
use anyhow::Result;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The identity's name, as colleagues know you (e.g. 李明)
    #[arg(long)]
    pub name: String,
    /// Signature suite: ed25519-sha256, or sm2-sm3 for the national algorithms (国密 SM2 signatures, SM3 hashes)
    #[arg(long, default_value = "ed25519-sha256", value_parser = ["ed25519-sha256", "sm2-sm3"])]
    pub suite: String,
    /// This identity is the secretariat (信息化办): trust its own key for opening meetings
    #[arg(long)]
    pub secretariat: bool,
    /// Seal the private key under a passphrase (口令保护), asked twice without echo or read from
    /// the file named by REVIEWDESK_NEW_PASSPHRASE_FILE (or REVIEWDESK_PASSPHRASE_FILE)
    #[arg(long)]
    pub protect: bool,
}

pub fn run(ctx: &Ctx, args: Args) -> Result<()> {
    let suite = Suite::parse(&args.suite)?;
    let name = args.name.trim();
    let ring = ctx.home.keyring();
    crate::ledger::Keyring::check_name(name)?;
    let passphrase = if args.protect { Some(super::passphrase::new_passphrase(name, true)?) } else { None };
    let mut store = ctx.home.create()?;
    let identity = ring.create_protected(name, suite, passphrase.as_deref())?;
    let public = identity.public();
    if args.secretariat {
        store.trust_add(&public, &ctx.now.to_rfc3339())?;
    }
    if ctx.json {
        return output::json(&serde_json::json!({
            "home": ctx.home.dir, "name": identity.name, "suite": suite, "key": public.key,
            "fingerprint": identity.fingerprint(), "trusted_as_secretariat": args.secretariat,
            "protected": args.protect, "recipient": public.recipient,
        }));
    }
    say!("{}：{}", ctx.t("已创建身份", "Identity created"), identity.name);
    say!("{}：{}", ctx.t("指纹", "Fingerprint"), identity.fingerprint());
    say!("{}：{}", ctx.t("目录", "Home"), ctx.home.dir.display());
    if args.protect {
        say!(
            "{}",
            ctx.t(
                "私钥已用口令加密保存。忘记口令将无法再签名，请妥善保管。",
                "The private key is sealed under your passphrase. Without it this identity cannot sign: keep it safe."
            )
        );
    }
    if args.secretariat {
        say!("{}", ctx.t("已将本身份设为受信任的秘书处密钥。", "This key is now trusted as a secretariat key."));
    }
    say!("{}", ctx.t("下一步：reviewdesk key export --out 我的公钥.pub，把公钥交给秘书处，并当面或电话核对指纹。", "Next: reviewdesk key export --out me.pub, give the file to the secretariat, and read the fingerprint aloud to them."));
    Ok(())
}
