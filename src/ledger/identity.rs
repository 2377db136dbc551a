//! Identities: a name and a signing key, kept as a file only its owner can read.
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
            }
            let f: File = serde_json::from_str(t).map_err(|e| IdentityError::BadPublicKey(e.to_string()))?;
            PublicKey { name: f.name, suite: f.suite, key: f.key }
        } else {
            let (suite, key) = match t.split_once(':') {
                Some((s, k)) => (Suite::parse(s)?, k),
                None => (Suite::Ed25519Sha256, t),
            };
            PublicKey { name: fallback_name.to_string(), suite, key: key.to_lowercase() }
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
        });
        format!("{}\n", serde_json::to_string_pretty(&v).unwrap_or_default())
    }
}

/// A local identity that can sign.
pub struct Identity {
    pub name: String,
    pub secret: SecretKey,
}

impl std::fmt::Debug for Identity {
    /// Never prints the secret.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Identity({}, {})", self.name, self.fingerprint())
    }
}

impl Identity {
    pub fn public(&self) -> PublicKey {
        PublicKey { name: self.name.clone(), suite: self.secret.suite(), key: hex::encode(self.secret.public()) }
    }

    pub fn key_hex(&self) -> String {
        hex::encode(self.secret.public())
    }

    pub fn fingerprint(&self) -> String {
        fingerprint(self.secret.suite(), &self.secret.public())
    }
}

#[derive(Serialize, Deserialize)]
struct KeyFile {
    name: String,
    suite: Suite,
    secret: String,
    public: String,
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
pub struct Keyring {
    dir: PathBuf,
}

impl Keyring {
    pub fn new(dir: PathBuf) -> Keyring {
        Keyring { dir }
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

    /// Makes a new identity and writes its key file with mode 0600.
    pub fn create(&self, name: &str, suite: Suite) -> Result<Identity, IdentityError> {
        Self::check_name(name)?;
        let path = self.path(name);
        if path.exists() {
            return Err(IdentityError::Exists(name.into()));
        }
        create_private_dir(&self.dir).map_err(io(&self.dir))?;
        let secret = suite.generate();
        let file = KeyFile {
            name: name.into(),
            suite,
            secret: hex::encode(secret.to_bytes()),
            public: hex::encode(secret.public()),
        };
        let text = serde_json::to_string_pretty(&file).unwrap_or_default();
        write_private(&path, text.as_bytes()).map_err(io(&path))?;
        Ok(Identity { name: name.into(), secret })
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

    pub fn load(&self, name: &str) -> Result<Identity, IdentityError> {
        Self::check_name(name)?;
        let path = self.path(name);
        if !path.exists() {
            return Err(IdentityError::Unknown(name.into(), self.names()?.join(", ")));
        }
        check_private(&path)?;
        let text = fs::read_to_string(&path).map_err(io(&path))?;
        let file: KeyFile =
            serde_json::from_str(&text).map_err(|_| IdentityError::Damaged(path.display().to_string()))?;
        let bytes = hex::decode(&file.secret).map_err(|_| IdentityError::Damaged(path.display().to_string()))?;
        let secret = SecretKey::from_bytes(file.suite, &bytes)?;
        if hex::encode(secret.public()) != file.public {
            return Err(IdentityError::Damaged(path.display().to_string()));
        }
        Ok(Identity { name: file.name, secret })
    }

    /// The named identity, or the only one when no name is given.
    pub fn select(&self, name: Option<&str>) -> Result<Identity, IdentityError> {
        if let Some(n) = name {
            return self.load(n);
        }
        let names = self.names()?;
        match names.as_slice() {
            [] => Err(IdentityError::None),
            [one] => self.load(one),
            many => Err(IdentityError::Ambiguous(many.join(", "))),
        }
    }
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
    fn public_keys_round_trip_through_their_file() {
        let key = Suite::Ed25519Sha256.generate();
        let p = PublicKey { name: "陈静".into(), suite: Suite::Ed25519Sha256, key: hex::encode(key.public()) };
        assert_eq!(PublicKey::parse(&p.to_file_text(), "x").unwrap(), p);
        assert_eq!(PublicKey::parse(&p.key, "陈静").unwrap(), p);
        assert!(PublicKey::parse("zz", "x").is_err());
        assert!(PublicKey::parse(&"00".repeat(31), "x").is_err());
    }
}
