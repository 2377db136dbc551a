//! The home: one folder holding the store and the identities.

use crate::ledger::{Identity, Keyring, PublicKey};
use crate::store::Store;
use anyhow::{Result, anyhow, bail};
use std::path::PathBuf;

const DB_FILE: &str = "reviewdesk.db";

#[derive(Clone, Debug)]
pub struct Home {
    pub dir: PathBuf,
}

impl Home {
    /// `--home` or `REVIEWDESK_HOME`, else the platform data folder.
    pub fn resolve(arg: Option<PathBuf>) -> Result<Home> {
        if let Some(dir) = arg {
            return Ok(Home { dir });
        }
        let dirs = directories::ProjectDirs::from("cn.gov", "reviewdesk", "reviewdesk").ok_or_else(|| {
            anyhow!("找不到用户数据目录，请用 --home 指定 / no user data folder found: pass --home DIR")
        })?;
        Ok(Home { dir: dirs.data_dir().to_path_buf() })
    }

    pub fn db(&self) -> PathBuf {
        self.dir.join(DB_FILE)
    }

    pub fn keyring(&self) -> Keyring {
        Keyring::new(self.dir.join("identities")).with_passphrases(super::passphrase::source())
    }

    pub fn exists(&self) -> bool {
        self.db().exists()
    }

    /// Creates the folder (owner-only) and the store.
    pub fn create(&self) -> Result<Store> {
        create_private_dir(&self.dir).map_err(|e| {
            anyhow!("无法创建目录 {}：{e} / cannot create {}: {e}", self.dir.display(), self.dir.display())
        })?;
        Ok(Store::open(&self.db())?)
    }

    /// Opens the store of an existing home; a missing home is an error that says what to do.
    pub fn open(&self) -> Result<Store> {
        if !self.exists() {
            bail!(
                "目录 {} 中没有评审台数据。请先运行 reviewdesk init --name 姓名，或用 --home 指向已有目录 / there is no reviewdesk home at {}: run reviewdesk init --name NAME first, or point --home at an existing home",
                self.dir.display(),
                self.dir.display()
            );
        }
        Ok(Store::open(&self.db())?)
    }

    /// The identity chosen by `--as`, or the only one, ready to sign (its passphrase asked).
    pub fn identity(&self, as_name: Option<&str>) -> Result<Identity> {
        Ok(self.keyring().select(as_name)?)
    }

    /// The public key of that identity, for commands that only read: no passphrase is asked.
    pub fn public_key(&self, as_name: Option<&str>) -> Result<PublicKey> {
        let ring = self.keyring();
        Ok(ring.entry(&ring.select_name(as_name)?)?.public)
    }
}

pub use crate::media::create_private_dir;
