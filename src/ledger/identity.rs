//! Identities: a name, a signing key and an encryption key, kept as a file only its owner can
//! read, and sealed under a passphrase when the owner asks for it (see [`super::sealed`]).
//! A home may hold several (a shared meeting machine); `--as NAME` picks one.

use super::suite::{SecretKey, Suite, SuiteError, fingerprint};
use crate::media::{create_private_dir, write_private};
use serde::{Deserialize, Serialize};
use std::fs;
use std::path::{Path, PathBuf};

/// A public key as exported to a file (`*.pub`) and read back in rosters and trust lists.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublicKey {
    pub name: String,
    pub suite: Suite,
    /// Hex public key.
    pub key: String,
    /// The recipient bundles for this person are encrypted to (`age1…`, or `sm2:04…` under
    /// `sm2-sm3`; see [`super::Recipient`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recipient: Option<String>,
}

impl PublicKey {
    pub fn fingerprint(&self) -> String {
        hex::decode(&self.key).map(|k| fingerprint(self.suite, &k)).unwrap_or_else(|_| "????-????-????-????".into())
    }

    /// Reads an exported public key file, or a bare `suite:hex` / `hex` string.
    pub fn parse(text: &str, fallback_name: &str) -> Result<PublicKey, IdentityError> {
        let t = text.trim();
        let parsed = if t.starts_with('{') {
            #[derive(Deserialize)]
            struct File {
                name: String,
                suite: Suite,
                key: String,
                #[serde(default)]
                recipient: Option<String>,
            }
            let f: File = serde_json::from_str(t).map_err(|e| IdentityError::BadPublicKey(e.to_string()))?;
            if let Some(r) = &f.recipient
                && super::Recipient::parse(r).is_none()
            {
                return Err(IdentityError::BadPublicKey(format!("recipient {r}")));
            }
            PublicKey { name: f.name, suite: f.suite, key: f.key, recipient: f.recipient }
        } else {
            let (suite, key) = match t.split_once(':') {
                Some((s, k)) => (Suite::parse(s)?, k),
                None => (Suite::Ed25519Sha256, t),
            };
            PublicKey { name: fallback_name.to_string(), suite, key: key.to_lowercase(), recipient: None }
        };
        let bytes = hex::decode(&parsed.key).map_err(|_| IdentityError::BadPublicKey("not hex".into()))?;
        parsed.suite.check_public(&bytes)?;
        Ok(parsed)
    }

    pub fn to_file_text(&self) -> String {
        let v = serde_json::json!({
            "reviewdesk_public_key": 1,
            "name": self.name,
            "suite": self.suite,
            "key": self.key,
            "fingerprint": self.fingerprint(),
            "recipient": self.recipient,
        });
        format!("{}\n", serde_json::to_string_pretty(&v).unwrap_or_default())
    }
}

/// A local identity that can sign, and open bundles encrypted to it.
pub struct Identity {
    pub name: String,
    pub secret: SecretKey,
    /// The key bundles are encrypted to: age X25519, or SM2 under `sm2-sm3`.
    pub encryption: super::EncryptionKey,
}

impl std::fmt::Debug for Identity {
    /// Never prints the secret.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Identity({}, {})", self.name, self.fingerprint())
    }
}

impl Identity {
    /// An identity with this signing key and a fresh encryption key.
    pub fn new(name: &str, secret: SecretKey) -> Identity {
        let encryption = super::EncryptionKey::generate(secret.suite());
        Identity { name: name.into(), secret, encryption }
    }

    pub fn public(&self) -> PublicKey {
        PublicKey {
            name: self.name.clone(),
            suite: self.secret.suite(),
            key: hex::encode(self.secret.public()),
            recipient: Some(self.encryption.recipient().to_string()),
        }
    }

    pub fn key_hex(&self) -> String {
        hex::encode(self.secret.public())
    }

    pub fn fingerprint(&self) -> String {
        fingerprint(self.secret.suite(), &self.secret.public())
    }
}

/// A key file. The secrets are either in the clear (`secret`, `encryption`) or sealed.
#[derive(Serialize, Deserialize)]
struct KeyFile {
    name: String,
    suite: Suite,
    public: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    recipient: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    secret: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    encryption: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    sealed: Option<super::sealed::Sealed>,
}

/// What a sealed key file protects.
#[derive(Serialize, Deserialize)]
struct Secrets {
    secret: String,
    encryption: String,
}

impl KeyFile {
    /// The facts a sealed secret is bound to.
    fn context(&self) -> Vec<u8> {
        format!(
            "reviewdesk-key-v1|{}|{}|{}|{}",
            self.name,
            self.suite,
            self.public,
            self.recipient.as_deref().unwrap_or("")
        )
        .into_bytes()
    }
}

/// Where the passphrases of sealed keys come from: given an identity's name and how many
/// attempts have failed so far, the passphrase, if one can be had (a prompt on the terminal, or
/// a file named by the environment, which has nothing new to offer after a failure).
pub type PassphraseSource = std::rc::Rc<dyn Fn(&str, u32) -> Option<String>>;

/// Attempts at a passphrase typed at a prompt before giving up.
pub const PASSPHRASE_ATTEMPTS: u32 = 3;

/// What can be known of a key file without its passphrase.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyEntry {
    pub public: PublicKey,
    /// Sealed under a passphrase (口令保护).
    pub protected: bool,
}

/// Something wrong with an identity or a key file.
#[derive(Debug, thiserror::Error)]
pub enum IdentityError {
    #[error(
        "身份名“{0}”无效：不能为空、不能以“.”开头、不能含“/”“\\”或控制字符 / identity name “{0}” is not valid: it must not be empty, start with “.” or hold “/”, “\\” or control characters"
    )]
    BadName(String),
    #[error("身份“{0}”已存在，换一个名字 / identity “{0}” already exists: choose another name")]
    Exists(String),
    #[error("没有名为“{0}”的身份，可用：{1} / no identity “{0}”; available: {1}")]
    Unknown(String, String),
    #[error(
        "此目录还没有身份，请先运行 reviewdesk init --name 姓名 / this home has no identity yet: run reviewdesk init --name NAME"
    )]
    None,
    #[error(
        "此目录有多个身份（{0}），请用 --as 姓名 选择 / this home holds several identities ({0}): choose one with --as NAME"
    )]
    Ambiguous(String),
    #[error(
        "私钥文件 {path} 的权限是 {mode:o}，其他用户可读。请运行 chmod 600 {path} / key file {path} has mode {mode:o} and others can read it: run chmod 600 {path}"
    )]
    Exposed { path: String, mode: u32 },
    #[error("私钥文件 {0} 已损坏 / key file {0} is damaged")]
    Damaged(String),
    #[error(
        "身份“{0}”的私钥受口令保护：请在终端中输入口令，或用环境变量 REVIEWDESK_PASSPHRASE_FILE 指定口令文件 / the key of “{0}” is protected by a passphrase: type it at the terminal, or name a file holding it in REVIEWDESK_PASSPHRASE_FILE"
    )]
    NeedsPassphrase(String),
    #[error(
        "身份“{0}”的口令不正确（或私钥文件被改动过），请重试 / wrong passphrase for “{0}” (or the key file was altered): try again"
    )]
    WrongPassphrase(String),
    #[error(
        "私钥文件 {0} 使用了本版本不支持的保护方式：{1} / key file {0} is protected in a way this version does not support: {1}"
    )]
    UnsupportedProtection(String, String),
    #[error("公钥无效：{0} / the public key is not valid: {0}")]
    BadPublicKey(String),
    #[error(transparent)]
    Suite(#[from] SuiteError),
    #[error("读写私钥目录 {path} 失败：{source} / cannot use the key folder {path}: {source}")]
    Io { path: String, source: std::io::Error },
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> IdentityError + '_ {
    move |source| IdentityError::Io { path: path.display().to_string(), source }
}

/// The folder of identities in a home.
#[derive(Clone)]
pub struct Keyring {
    dir: PathBuf,
    passphrases: Option<PassphraseSource>,
}

impl Keyring {
    pub fn new(dir: PathBuf) -> Keyring {
        Keyring { dir, passphrases: None }
    }

    /// Asks `source` for the passphrase of a sealed key when one is loaded.
    pub fn with_passphrases(mut self, source: PassphraseSource) -> Keyring {
        self.passphrases = Some(source);
        self
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.join(format!("{name}.key"))
    }

    pub fn check_name(name: &str) -> Result<(), IdentityError> {
        let bad = name.trim().is_empty()
            || name.starts_with('.')
            || name.chars().any(|c| c == '/' || c == '\\' || c.is_control())
            || name.len() > 120;
        if bad { Err(IdentityError::BadName(name.to_string())) } else { Ok(()) }
    }

    /// Makes a new identity and writes its key file with mode 0600, sealed under `passphrase`
    /// when one is given.
    pub fn create(&self, name: &str, suite: Suite) -> Result<Identity, IdentityError> {
        self.create_protected(name, suite, None)
    }

    pub fn create_protected(
        &self,
        name: &str,
        suite: Suite,
        passphrase: Option<&str>,
    ) -> Result<Identity, IdentityError> {
        Self::check_name(name)?;
        if self.path(name).exists() {
            return Err(IdentityError::Exists(name.into()));
        }
        create_private_dir(&self.dir).map_err(io(&self.dir))?;
        let id = Identity::new(name, suite.generate());
        self.write(&id, passphrase, false)?;
        Ok(id)
    }

    /// Writes `id`'s key file, sealed under `passphrase` when given. `replace` swaps an existing
    /// file atomically (a new passphrase); otherwise an existing file is an error.
    pub fn save(&self, id: &Identity, passphrase: Option<&str>) -> Result<(), IdentityError> {
        self.write(id, passphrase, true)
    }

    fn write(&self, id: &Identity, passphrase: Option<&str>, replace: bool) -> Result<(), IdentityError> {
        let mut file = KeyFile {
            name: id.name.clone(),
            suite: id.secret.suite(),
            public: hex::encode(id.secret.public()),
            recipient: Some(id.encryption.recipient().to_string()),
            secret: None,
            encryption: None,
            sealed: None,
        };
        let secret = hex::encode(id.secret.to_bytes());
        let encryption = id.encryption.to_secret_text();
        match passphrase {
            Some(p) => {
                let plain = serde_json::to_vec(&Secrets { secret, encryption }).unwrap_or_default();
                file.sealed = Some(super::sealed::seal(&plain, p, &file.context(), file.suite));
            }
            None => {
                file.secret = Some(secret);
                file.encryption = Some(encryption);
            }
        }
        let text = serde_json::to_string_pretty(&file).unwrap_or_default();
        let path = self.path(&id.name);
        if !replace {
            return write_private(&path, text.as_bytes()).map_err(io(&path));
        }
        let temp = self.dir.join(format!(".{}.key.new", id.name));
        let _ = fs::remove_file(&temp);
        write_private(&temp, text.as_bytes()).map_err(io(&temp))?;
        fs::rename(&temp, &path).map_err(io(&path))
    }

    /// Names of the identities here, sorted.
    pub fn names(&self) -> Result<Vec<String>, IdentityError> {
        let Ok(entries) = fs::read_dir(&self.dir) else { return Ok(vec![]) };
        let mut names: Vec<String> = entries
            .filter_map(|e| e.ok())
            .filter_map(|e| e.file_name().to_str().and_then(|n| n.strip_suffix(".key")).map(str::to_string))
            .collect();
        names.sort();
        Ok(names)
    }

    fn read_file(&self, name: &str) -> Result<(PathBuf, KeyFile), IdentityError> {
        Self::check_name(name)?;
        let path = self.path(name);
        if !path.exists() {
            return Err(IdentityError::Unknown(name.into(), self.names()?.join(", ")));
        }
        check_private(&path)?;
        let text = fs::read_to_string(&path).map_err(io(&path))?;
        let file = serde_json::from_str(&text).map_err(|_| IdentityError::Damaged(path.display().to_string()))?;
        Ok((path, file))
    }

    /// The public half of a key file and whether it is sealed; asks for no passphrase.
    pub fn entry(&self, name: &str) -> Result<KeyEntry, IdentityError> {
        let (path, file) = self.read_file(name)?;
        entry_of(&path, &file)
    }

    /// Checks a key file as far as can be done without its passphrase: permissions, and for an
    /// open key that the secret matches the public key.
    pub fn check(&self, name: &str) -> Result<KeyEntry, IdentityError> {
        let (path, file) = self.read_file(name)?;
        let entry = entry_of(&path, &file)?;
        if !entry.protected {
            self.unseal(name, &path, &file, None)?;
        }
        Ok(entry)
    }

    /// Loads an identity, asking the passphrase source when its key is sealed.
    pub fn load(&self, name: &str) -> Result<Identity, IdentityError> {
        let (path, file) = self.read_file(name)?;
        if file.sealed.is_none() {
            return self.unseal(name, &path, &file, None);
        }
        let Some(source) = &self.passphrases else { return Err(IdentityError::NeedsPassphrase(name.into())) };
        let mut failed = 0;
        loop {
            let Some(p) = source(name, failed) else {
                return Err(if failed == 0 {
                    IdentityError::NeedsPassphrase(name.into())
                } else {
                    IdentityError::WrongPassphrase(name.into())
                });
            };
            match self.unseal(name, &path, &file, Some(&p)) {
                Err(IdentityError::WrongPassphrase(_)) if failed + 1 < PASSPHRASE_ATTEMPTS => failed += 1,
                other => return other,
            }
        }
    }

    /// Loads an identity with this passphrase for a sealed key.
    pub fn load_with(&self, name: &str, passphrase: Option<&str>) -> Result<Identity, IdentityError> {
        let (path, file) = self.read_file(name)?;
        self.unseal(name, &path, &file, passphrase)
    }

    /// The identity in a key file already read, opened with `passphrase` when it is sealed.
    fn unseal(
        &self,
        name: &str,
        path: &Path,
        file: &KeyFile,
        passphrase: Option<&str>,
    ) -> Result<Identity, IdentityError> {
        let damaged = || IdentityError::Damaged(path.display().to_string());
        let (secret, encryption) = match (&file.sealed, passphrase) {
            (Some(sealed), Some(p)) => {
                let plain = super::sealed::open(sealed, p, &file.context()).map_err(|e| match e {
                    super::sealed::SealError::WrongPassphrase => IdentityError::WrongPassphrase(name.into()),
                    super::sealed::SealError::Unsupported(why) => {
                        IdentityError::UnsupportedProtection(path.display().to_string(), why)
                    }
                })?;
                let s: Secrets = serde_json::from_slice(&plain).map_err(|_| damaged())?;
                (s.secret, Some(s.encryption))
            }
            (Some(_), None) => return Err(IdentityError::NeedsPassphrase(name.into())),
            (None, _) => (file.secret.clone().ok_or_else(damaged)?, file.encryption.clone()),
        };
        let bytes = hex::decode(&secret).map_err(|_| damaged())?;
        let secret = SecretKey::from_bytes(file.suite, &bytes)?;
        if hex::encode(secret.public()) != file.public {
            return Err(damaged());
        }
        let (encryption, upgrade) = match encryption {
            Some(text) => (super::EncryptionKey::parse_secret(&text).ok_or_else(damaged)?, false),
            // A key file from before encrypted bundles gets its encryption key now.
            None => (super::EncryptionKey::generate(file.suite), true),
        };
        let id = Identity { name: file.name.clone(), secret, encryption };
        if upgrade {
            self.save(&id, None)?;
        }
        Ok(id)
    }

    /// The named identity, or the only one when no name is given.
    pub fn select(&self, name: Option<&str>) -> Result<Identity, IdentityError> {
        self.load(&self.select_name(name)?)
    }

    /// The name given, or the only identity's name.
    pub fn select_name(&self, name: Option<&str>) -> Result<String, IdentityError> {
        if let Some(n) = name {
            return Ok(n.to_string());
        }
        let names = self.names()?;
        match names.as_slice() {
            [] => Err(IdentityError::None),
            [one] => Ok(one.clone()),
            many => Err(IdentityError::Ambiguous(many.join(", "))),
        }
    }
}

fn entry_of(path: &Path, file: &KeyFile) -> Result<KeyEntry, IdentityError> {
    let bytes = hex::decode(&file.public).map_err(|_| IdentityError::Damaged(path.display().to_string()))?;
    file.suite.check_public(&bytes)?;
    let public = PublicKey {
        name: file.name.clone(),
        suite: file.suite,
        key: file.public.clone(),
        recipient: file.recipient.clone(),
    };
    Ok(KeyEntry { public, protected: file.sealed.is_some() })
}

#[cfg(unix)]
fn check_private(path: &Path) -> Result<(), IdentityError> {
    use std::os::unix::fs::PermissionsExt;
    let mode = fs::metadata(path).map_err(io(path))?.permissions().mode() & 0o777;
    if mode & 0o077 != 0 {
        return Err(IdentityError::Exposed { path: path.display().to_string(), mode });
    }
    Ok(())
}

#[cfg(not(unix))]
fn check_private(_: &Path) -> Result<(), IdentityError> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_owner_only_and_reload() {
        let dir = tempfile::tempdir().unwrap();
        let ring = Keyring::new(dir.path().join("identities"));
        let id = ring.create("李明", Suite::Ed25519Sha256).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(ring.path("李明")).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
        }
        let back = ring.select(None).unwrap();
        assert_eq!(back.key_hex(), id.key_hex());
        assert!(matches!(ring.create("李明", Suite::Ed25519Sha256), Err(IdentityError::Exists(_))));
        ring.create("张华", Suite::Ed25519Sha256).unwrap();
        assert!(matches!(ring.select(None), Err(IdentityError::Ambiguous(_))));
        assert!(matches!(ring.load("王五"), Err(IdentityError::Unknown(..))));
        assert!(matches!(ring.create("../x", Suite::Ed25519Sha256), Err(IdentityError::BadName(_))));
    }

    #[cfg(unix)]
    #[test]
    fn a_readable_key_file_is_refused_with_the_chmod() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let ring = Keyring::new(dir.path().to_path_buf());
        ring.create("赵敏", Suite::Ed25519Sha256).unwrap();
        fs::set_permissions(ring.path("赵敏"), fs::Permissions::from_mode(0o644)).unwrap();
        let e = ring.load("赵敏").unwrap_err().to_string();
        assert!(e.contains("chmod 600"), "{e}");
    }

    #[test]
    fn a_sealed_key_opens_with_its_passphrase_and_a_prompt_gets_three_tries() {
        use std::cell::Cell;
        use std::rc::Rc;
        let dir = tempfile::tempdir().unwrap();
        let ring = Keyring::new(dir.path().to_path_buf());
        let id = ring.create_protected("钱伟", Suite::Sm2Sm3, Some("钱伟的长口令")).unwrap();
        assert!(ring.entry("钱伟").unwrap().protected);
        assert_eq!(ring.entry("钱伟").unwrap().public, id.public());
        assert!(matches!(ring.load("钱伟"), Err(IdentityError::NeedsPassphrase(_))));
        assert!(matches!(ring.load_with("钱伟", Some("不对")), Err(IdentityError::WrongPassphrase(_))));
        // Typed wrong twice, then right: the third try opens it.
        let asked = Rc::new(Cell::new(0));
        let seen = asked.clone();
        let typing = ring.clone().with_passphrases(Rc::new(move |_: &str, failed: u32| {
            seen.set(seen.get() + 1);
            Some(if failed < 2 { "错的".into() } else { "钱伟的长口令".into() })
        }));
        assert_eq!(typing.load("钱伟").unwrap().key_hex(), id.key_hex());
        assert_eq!(asked.get(), 3);
        // A file has one answer: no second try.
        let file = ring.with_passphrases(Rc::new(|_: &str, failed: u32| (failed == 0).then(|| "错的".into())));
        assert!(matches!(file.load("钱伟"), Err(IdentityError::WrongPassphrase(_))));
    }

    #[test]
    fn a_key_file_from_before_encryption_keys_gains_one_and_keeps_its_signing_key() {
        let dir = tempfile::tempdir().unwrap();
        let ring = Keyring::new(dir.path().to_path_buf());
        let secret = Suite::Ed25519Sha256.generate();
        let old = serde_json::json!({
            "name": "孙丽", "suite": "ed25519-sha256",
            "public": hex::encode(secret.public()), "secret": hex::encode(secret.to_bytes()),
        });
        write_private(&ring.path("孙丽"), old.to_string().as_bytes()).unwrap();
        let id = ring.load("孙丽").unwrap();
        assert_eq!(id.key_hex(), hex::encode(secret.public()));
        let again = ring.load("孙丽").unwrap();
        assert_eq!(again.public().recipient, id.public().recipient, "the new encryption key is kept");
        assert!(id.public().recipient.unwrap().starts_with("age1"));
    }

    #[test]
    fn public_keys_round_trip_through_their_file() {
        let key = Suite::Ed25519Sha256.generate();
        let p = PublicKey {
            name: "陈静".into(),
            suite: Suite::Ed25519Sha256,
            key: hex::encode(key.public()),
            recipient: None,
        };
        assert_eq!(PublicKey::parse(&p.to_file_text(), "x").unwrap(), p);
        assert_eq!(PublicKey::parse(&p.key, "陈静").unwrap(), p);
        assert!(PublicKey::parse("zz", "x").is_err());
        assert!(PublicKey::parse(&"00".repeat(31), "x").is_err());
    }
}
