//! Encrypted bundles (加密评审包): a whole bundle encrypted to one person's encryption key,
//! behind a short plain header that names whom it is for and the algorithms, so that a lost
//! stick leaks nothing else and a wrong recipient can be told whose it is.
//!
//! ```text
//! reviewdesk-encrypted-bundle/1
//! for: 3B15-87C0-58B4-8673          (the recipient's signing-key fingerprint, if known)
//! recipient: age1… | sm2:04…        (the recipient's encryption key)
//! cipher: age-x25519-chacha20poly1305 | sm2-sm4-cbc-hmac-sm3
//!
//! <age-encryption.org/v1 binary file>
//!   or, for SM2: <SM2 C1C3C2 of the SM4 and HMAC keys, 145 bytes> <IV 16> <SM4-CBC> <HMAC-SM3 32>
//! ```
//!
//! The SM2 form's tag covers the header, the wrapped keys, the IV and the ciphertext. A header
//! with no `cipher:` line is age (the first version wrote none).

use super::read::At;
use super::write::{TempFile, put_in_place, temp_beside};
use super::{BundleError, MAX_BUNDLE_BYTES, io, shown};
use crate::ledger::{Cipher, EncryptionKey, Identity, Recipient, gm};
use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

const MAGIC: &str = "reviewdesk-encrypted-bundle/1";
/// The plain header is short; anything longer is not ours.
const MAX_HEADER_BYTES: u64 = 1024;

/// Whom an encrypted bundle is for, as its plain header says.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Addressee {
    /// The recipient's signing-key fingerprint, when the sender knew it.
    pub fingerprint: Option<String>,
    /// The recipient's encryption key (`age1…` or `sm2:04…`).
    pub recipient: String,
}

/// The recipient an addressee names, parsed.
fn recipient_of(to: &Addressee) -> Result<Recipient, BundleError> {
    Recipient::parse(&to.recipient).ok_or(BundleError::EncryptedDamaged)
}

impl Addressee {
    /// The person a public key file names (from `reviewdesk key export`), or a bare `age1…` key.
    pub fn from_key_file(path: &Path) -> Result<Addressee, BundleError> {
        let text = std::fs::read_to_string(path).map_err(io(path))?;
        let bare = text.trim();
        if Recipient::parse(bare).is_some() {
            return Ok(Addressee { fingerprint: None, recipient: bare.to_string() });
        }
        let public = crate::ledger::PublicKey::parse(&text, "")
            .map_err(|e| BundleError::NoEncryptionKey { path: path.display().to_string(), why: e.to_string() })?;
        let Some(recipient) = public.recipient.clone() else {
            return Err(BundleError::NoEncryptionKey {
                path: path.display().to_string(),
                why: "只有签名公钥 / a signing key only".into(),
            });
        };
        Ok(Addressee { fingerprint: Some(public.fingerprint()), recipient })
    }

    /// The fingerprint if known, else the age recipient.
    pub fn label(&self) -> &str {
        self.fingerprint.as_deref().unwrap_or(&self.recipient)
    }
}

/// Whom the bundle at `path` is for, if it is encrypted; `None` for a plain bundle.
pub fn addressee(path: &Path) -> Result<Option<Addressee>, BundleError> {
    let file = File::open(path).map_err(io(path))?;
    addressee_in(&file, path)
}

/// [`addressee`] of a bundle already open (read by position: the file's cursor is not moved);
/// `path` is only named in messages.
pub fn addressee_in(file: &File, path: &Path) -> Result<Option<Addressee>, BundleError> {
    Ok(header_in(file, path)?.map(|(a, _)| a))
}

/// Whether `text` is a key fingerprint as [`crate::ledger::fingerprint`] writes it.
fn is_fingerprint(text: &str) -> bool {
    let groups: Vec<&str> = text.split('-').collect();
    groups.len() == 4 && groups.iter().all(|g| g.len() == 4 && g.chars().all(|c| c.is_ascii_hexdigit()))
}

/// The header of an encrypted bundle and where its age file starts; `None` for a plain bundle.
pub(super) fn header_in(file: &File, path: &Path) -> Result<Option<(Addressee, u64)>, BundleError> {
    let mut reader = BufReader::new(At { file, pos: 0 }.take(MAX_HEADER_BYTES));
    let mut first = Vec::new();
    reader.read_until(b'\n', &mut first).map_err(io(path))?;
    if first.strip_suffix(b"\n") != Some(MAGIC.as_bytes()) {
        return Ok(None);
    }
    let mut offset = first.len() as u64;
    let (mut fingerprint, mut recipient, mut cipher) = (None, None, None);
    loop {
        let mut line = Vec::new();
        let n = reader.read_until(b'\n', &mut line).map_err(io(path))?;
        if n == 0 || !line.ends_with(b"\n") {
            return Err(BundleError::EncryptedDamaged);
        }
        offset += n as u64;
        let text = std::str::from_utf8(&line).map_err(|_| BundleError::EncryptedDamaged)?.trim_end();
        if text.is_empty() {
            break;
        }
        match text.split_once(": ") {
            // Shown to the user when the bundle is not theirs: nothing but a fingerprint.
            Some(("for", v)) if is_fingerprint(v) => fingerprint = Some(v.to_string()),
            Some(("recipient", v)) => {
                recipient = Some((v.to_string(), Recipient::parse(v).ok_or(BundleError::EncryptedDamaged)?))
            }
            Some(("cipher", v)) if cipher.is_none() => {
                cipher = Some(Cipher::parse(v).ok_or(BundleError::EncryptedDamaged)?)
            }
            _ => return Err(BundleError::EncryptedDamaged),
        }
    }
    let (recipient, key) = recipient.ok_or(BundleError::EncryptedDamaged)?;
    // The algorithms must be the recipient key's own: no key serves two.
    if cipher.unwrap_or(Cipher::AgeX25519) != key.cipher() {
        return Err(BundleError::EncryptedDamaged);
    }
    Ok(Some((Addressee { fingerprint, recipient }, offset)))
}

/// Encrypts the plain bundle at `plain` to `to`, writing `target` the way every bundle is
/// written: a temporary file beside it, fsynced, then renamed into place.
pub fn encrypt(plain: &Path, to: &Addressee, target: &Path) -> Result<u64, BundleError> {
    let recipient = recipient_of(to)?;
    let (tmp, file) = temp_beside(target, "partial")?;
    let mut out = BufWriter::new(file);
    let mut header = format!("{MAGIC}\n");
    if let Some(f) = &to.fingerprint {
        header.push_str(&format!("for: {f}\n"));
    }
    header.push_str(&format!("recipient: {}\ncipher: {}\n\n", to.recipient, recipient.cipher().id()));
    out.write_all(header.as_bytes()).map_err(io(&tmp.path))?;
    crate::fault::reached(crate::fault::EXPORT_ENCRYPTING);
    let recipient = match recipient {
        Recipient::Age(r) => r,
        Recipient::Sm2(key) => {
            let keys = gm::Keys::random();
            let wrapped = keys.wrap(&key).map_err(|_| BundleError::EncryptedDamaged)?;
            out.write_all(&wrapped).map_err(io(&tmp.path))?;
            let bound = [header.as_bytes(), &wrapped].concat();
            let mut input = Hooked(File::open(plain).map_err(io(plain))?);
            gm::seal_stream(&keys, &bound, &mut input, &mut out).map_err(|e| gm_failure(e, &tmp.path))?;
            return put_in_place(tmp, out, target);
        }
    };
    let encryptor = age::Encryptor::with_recipients(std::iter::once(&recipient as &dyn age::Recipient))
        .map_err(|e| BundleError::Io { path: tmp.path.display().to_string(), source: std::io::Error::other(e) })?;
    let mut writer = encryptor.wrap_output(out).map_err(io(&tmp.path))?;
    let mut input = File::open(plain).map_err(io(plain))?;
    let mut chunk = vec![0u8; 64 << 10];
    loop {
        let n = input.read(&mut chunk).map_err(io(plain))?;
        if n == 0 {
            break;
        }
        writer.write_all(&chunk[..n]).map_err(io(&tmp.path))?;
        crate::fault::reached(crate::fault::EXPORT_ENCRYPTING);
    }
    let out = writer.finish().map_err(io(&tmp.path))?;
    put_in_place(tmp, out, target)
}

/// Exports as [`super::export`] does, encrypted to `to`. The plain bundle is written in
/// `scratch` (inside the home, owner-only) and removed; only ciphertext reaches `target`.
pub fn export_to(
    store: &crate::store::Store,
    exporter: &Identity,
    filter: &super::ExportFilter,
    to: &Addressee,
    target: &Path,
    scratch: &Path,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<super::ExportReport, BundleError> {
    crate::media::create_private_dir(scratch).map_err(io(scratch))?;
    let plain = scratch.join(format!("export-{}.rdbundle", std::process::id()));
    let result = super::export(store, exporter, filter, &plain, now).and_then(|report| {
        Ok(super::ExportReport { path: target.to_path_buf(), bytes: encrypt(&plain, to, target)?, ..report })
    });
    let _ = std::fs::remove_file(&plain);
    result
}

/// A decrypted bundle in a private scratch folder, removed when dropped.
pub struct Decrypted {
    tmp: TempFile,
    /// The decrypted bytes, open: read from here, never reopened by name.
    file: File,
}

impl Decrypted {
    pub fn path(&self) -> &Path {
        &self.tmp.path
    }

    pub fn file(&self) -> &File {
        &self.file
    }
}

/// A bundle ready for the plain reader, open: the file itself, or its decryption in scratch.
/// Read it through [`Opened::file`], so that what is checked and applied is this very file.
pub struct Opened<'a> {
    original: &'a Path,
    file: File,
    decrypted: Option<Decrypted>,
}

impl<'a> Opened<'a> {
    /// A bundle already known to be plain, opened.
    pub fn plain(path: &'a Path) -> Result<Opened<'a>, BundleError> {
        Ok(Opened { original: path, file: File::open(path).map_err(io(path))?, decrypted: None })
    }

    /// A bundle already open and known to be plain.
    pub fn plain_file(path: &'a Path, file: File) -> Opened<'a> {
        Opened { original: path, file, decrypted: None }
    }

    /// Where the plain bundle is (the original, or the decryption in scratch).
    pub fn path(&self) -> &Path {
        self.decrypted.as_ref().map_or(self.original, Decrypted::path)
    }

    /// The file the user named.
    pub fn original(&self) -> &Path {
        self.original
    }

    /// The plain bundle, open.
    pub fn file(&self) -> &File {
        self.decrypted.as_ref().map_or(&self.file, Decrypted::file)
    }
}

/// The bundle at `path`, opened once, and decrypted first when it is encrypted (see [`decrypt`]).
pub fn open<'a>(path: &'a Path, identities: &[&Identity], scratch: &Path) -> Result<Opened<'a>, BundleError> {
    let file = File::open(path).map_err(io(path))?;
    open_file(path, file, identities, scratch)
}

/// [`open`] for a bundle already open.
pub fn open_file<'a>(
    path: &'a Path,
    file: File,
    identities: &[&Identity],
    scratch: &Path,
) -> Result<Opened<'a>, BundleError> {
    let decrypted = decrypt_file(&file, path, identities, scratch)?;
    Ok(Opened { original: path, file, decrypted })
}

/// Decrypts the bundle at `path` with the first of `identities` it is addressed to, into
/// `scratch` (a folder only this user can read). `None` if the bundle is not encrypted.
pub fn decrypt(path: &Path, identities: &[&Identity], scratch: &Path) -> Result<Option<Decrypted>, BundleError> {
    let file = File::open(path).map_err(io(path))?;
    decrypt_file(&file, path, identities, scratch)
}

/// [`decrypt`] for a bundle already open: the header and the ciphertext are read from `file`.
pub fn decrypt_file(
    file: &File,
    path: &Path,
    identities: &[&Identity],
    scratch: &Path,
) -> Result<Option<Decrypted>, BundleError> {
    let Some((to, offset)) = header_in(file, path)? else { return Ok(None) };
    let Some(me) = identities.iter().find(|id| id.encryption.recipient().to_string() == to.recipient) else {
        return Err(not_mine(&to, identities.iter().map(|id| id.fingerprint())));
    };
    crate::media::create_private_dir(scratch).map_err(io(scratch))?;
    let (tmp, out) = temp_beside(&scratch.join("import.rdbundle"), "decrypted")?;
    let age_key = match &me.encryption {
        EncryptionKey::Age(k) => k,
        EncryptionKey::Sm2(k) => return open_sm2(file, path, offset, k, tmp, out).map(Some),
    };
    let decryptor = age::Decryptor::new_buffered(BufReader::new(At { file, pos: offset }))
        .map_err(|_| BundleError::EncryptedDamaged)?;
    let reader =
        decryptor.decrypt(std::iter::once(age_key as &dyn age::Identity)).map_err(|_| BundleError::EncryptedDamaged)?;
    // The plain bundle obeys the same size limit as any bundle.
    let mut limited = reader.take(MAX_BUNDLE_BYTES + 1);
    let mut out = BufWriter::new(out);
    let copied = std::io::copy(&mut limited, &mut out).map_err(|e| match e.kind() {
        std::io::ErrorKind::InvalidData | std::io::ErrorKind::UnexpectedEof => BundleError::EncryptedDamaged,
        _ => BundleError::Io { path: tmp.path.display().to_string(), source: e },
    })?;
    if copied > MAX_BUNDLE_BYTES {
        return Err(BundleError::TooLarge {
            what: "解密后的评审包".into(),
            what_en: "the decrypted bundle".into(),
            size: copied,
            limit: MAX_BUNDLE_BYTES,
            constant: "MAX_BUNDLE_BYTES",
        });
    }
    let file = out
        .into_inner()
        .map_err(|e| BundleError::Io { path: shown(&tmp.path.display().to_string()), source: e.into_error() })?;
    Ok(Some(Decrypted { tmp, file }))
}

/// The SM2 form of [`decrypt_file`]: the keys unwrapped with `key`, then the tag checked while
/// the plaintext is written to `out` in scratch. On any failure `tmp` is dropped, so the
/// plaintext of a bundle whose tag does not match is never read.
fn open_sm2(
    file: &File,
    path: &Path,
    offset: u64,
    key: &sm2::SecretKey,
    tmp: TempFile,
    out: File,
) -> Result<Decrypted, BundleError> {
    let total = file.metadata().map_err(io(path))?.len();
    let mut header = vec![0u8; offset as usize];
    At { file, pos: 0 }.read_exact(&mut header).map_err(|_| BundleError::EncryptedDamaged)?;
    let mut wrapped = vec![0u8; gm::WRAPPED];
    At { file, pos: offset }.read_exact(&mut wrapped).map_err(|_| BundleError::EncryptedDamaged)?;
    let keys = gm::Keys::unwrap(&wrapped, key).map_err(|_| BundleError::EncryptedDamaged)?;
    let start = offset + gm::WRAPPED as u64;
    let len = total.checked_sub(start).ok_or(BundleError::EncryptedDamaged)?;
    // The plain bundle obeys the same size limit as any bundle; told before decrypting it.
    let most = MAX_BUNDLE_BYTES + (gm::BLOCK * 2 + gm::TAG) as u64;
    if len > most {
        return Err(BundleError::TooLarge {
            what: "解密后的评审包".into(),
            what_en: "the decrypted bundle".into(),
            size: len,
            limit: MAX_BUNDLE_BYTES,
            constant: "MAX_BUNDLE_BYTES",
        });
    }
    let bound = [header.as_slice(), &wrapped].concat();
    let mut input = BufReader::new(At { file, pos: start });
    let mut writer = BufWriter::new(out);
    gm::open_stream(&keys, &bound, &mut input, len, &mut writer, MAX_BUNDLE_BYTES)
        .map_err(|e| gm_failure(e, &tmp.path))?;
    let file = writer
        .into_inner()
        .map_err(|e| BundleError::Io { path: shown(&tmp.path.display().to_string()), source: e.into_error() })?;
    Ok(Decrypted { tmp, file })
}

/// An SM4/SM2 failure as the bundle reports it: an I/O error names the file being written;
/// anything else is a damaged bundle (a wrong key and an altered byte look the same).
fn gm_failure(e: gm::GmError, path: &Path) -> BundleError {
    match e {
        gm::GmError::Io(e) => BundleError::Io { path: path.display().to_string(), source: e },
        gm::GmError::Invalid => BundleError::EncryptedDamaged,
    }
}

/// A reader that passes the export's fault-injection point at every read, as the age path does
/// at every chunk, so tests can stop an SM2 export in the middle.
struct Hooked(File);

impl Read for Hooked {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.0.read(buf)?;
        crate::fault::reached(crate::fault::EXPORT_ENCRYPTING);
        Ok(n)
    }
}

/// The error for a bundle addressed to someone not here.
pub fn not_mine(to: &Addressee, here: impl Iterator<Item = String>) -> BundleError {
    let here: Vec<String> = here.collect();
    BundleError::EncryptedForOther {
        intended: shown(to.label()),
        here: if here.is_empty() { "-".into() } else { shown(&here.join(", ")) },
    }
}

/// The scratch folder for decrypted bundles inside a home.
pub fn scratch_in(home: &Path) -> PathBuf {
    home.join("scratch")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn addressee_of(bytes: &[u8]) -> Result<Option<Addressee>, BundleError> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("b.rdbundle");
        std::fs::write(&path, bytes).unwrap();
        addressee(&path)
    }

    #[test]
    fn the_header_is_read_strictly_and_plain_bundles_have_none() {
        let r = age::x25519::Identity::generate().to_public().to_string();
        assert_eq!(addressee_of(b"ustar plain tar bytes").unwrap(), None);
        assert_eq!(addressee_of(b"").unwrap(), None);
        let ok = format!("{MAGIC}\nfor: 3B15-87C0-58B4-8673\nrecipient: {r}\n\nage…");
        let to = addressee_of(ok.as_bytes()).unwrap().unwrap();
        assert_eq!((to.label(), to.recipient.as_str()), ("3B15-87C0-58B4-8673", r.as_str()));
        for bad in [
            format!("{MAGIC}\nrecipient: age1notakey\n\n"),
            format!("{MAGIC}\nfor: x\n\n"),
            format!("{MAGIC}\nfor: \u{1b}[2J3B15-87C0-58B4-8673\nrecipient: {r}\n\n"),
            format!("{MAGIC}\nfor: 3B15-87C0-58B4\nrecipient: {r}\n\n"),
            format!("{MAGIC}\nrecipient: {r}\n"),
            format!("{MAGIC}\nfrom: someone\nrecipient: {r}\n\n"),
            format!("{MAGIC}\n{}", "x".repeat(4000)),
        ] {
            assert!(matches!(addressee_of(bad.as_bytes()), Err(BundleError::EncryptedDamaged)), "{bad:.60}");
        }
    }

    #[test]
    fn an_encrypted_bundle_round_trips_in_both_suites_and_the_plain_reader_refuses_it() {
        use crate::ledger::Suite;
        for (suite, cipher) in [(Suite::Ed25519Sha256, "age-x25519"), (Suite::Sm2Sm3, "sm2-sm4-cbc-hmac-sm3")] {
            let dir = tempfile::tempdir().unwrap();
            let plain = dir.path().join("plain");
            let bytes: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
            std::fs::write(&plain, &bytes).unwrap();
            let me = Identity::new("李明", suite.generate());
            let to = Addressee { fingerprint: Some(me.fingerprint()), recipient: me.public().recipient.unwrap() };
            let target = dir.path().join("out.rdbundle");
            encrypt(&plain, &to, &target).unwrap();
            let sealed = std::fs::read(&target).unwrap();
            let head = String::from_utf8_lossy(&sealed[..300]).into_owned();
            assert!(head.contains(&format!("cipher: {cipher}")), "{head}");
            assert!(matches!(super::super::inspect(&target), Err(BundleError::Encrypted)));
            let scratch = dir.path().join("scratch");
            let opened = decrypt(&target, &[&me], &scratch).unwrap().unwrap();
            assert_eq!(std::fs::read(opened.path()).unwrap(), bytes, "{suite:?}");
            drop(opened);
            assert_eq!(std::fs::read_dir(&scratch).unwrap().count(), 0);
            let other = Identity::new("张华", suite.generate());
            let e = decrypt(&target, &[&other], &scratch).err().unwrap().to_string();
            assert!(e.contains(&me.fingerprint()) && e.contains(&other.fingerprint()), "{e}");
            assert!(decrypt(&plain, &[&me], &scratch).unwrap().is_none());
            // Any byte changed, in the header or past it, and nothing is left in scratch.
            let offset = head.find("\n\n").unwrap();
            for at in [offset - 3, offset + 2, offset + 200, sealed.len() / 2, sealed.len() - 1] {
                let mut bad = sealed.clone();
                bad[at] ^= 0x20;
                std::fs::write(&target, &bad).unwrap();
                assert!(decrypt(&target, &[&me], &scratch).is_err(), "{suite:?}: byte {at} changed");
                assert_eq!(std::fs::read_dir(&scratch).unwrap().count(), 0, "{suite:?}: byte {at}");
            }
            std::fs::write(&target, &sealed[..sealed.len() - 40]).unwrap();
            assert!(decrypt(&target, &[&me], &scratch).is_err(), "{suite:?}: cut short");
        }
    }

    #[test]
    fn the_header_names_the_recipient_keys_own_algorithms() {
        let age_key = age::x25519::Identity::generate().to_public().to_string();
        let sm2_key = crate::ledger::EncryptionKey::generate(crate::ledger::Suite::Sm2Sm3).recipient().to_string();
        for (recipient, cipher, ok) in [
            (&age_key, "age-x25519-chacha20poly1305", true),
            (&sm2_key, "sm2-sm4-cbc-hmac-sm3", true),
            (&age_key, "sm2-sm4-cbc-hmac-sm3", false),
            (&sm2_key, "age-x25519-chacha20poly1305", false),
            (&sm2_key, "sm4-ecb", false),
        ] {
            let text = format!("{MAGIC}\nrecipient: {recipient}\ncipher: {cipher}\n\n");
            assert_eq!(addressee_of(text.as_bytes()).is_ok(), ok, "{cipher} for {recipient:.10}");
        }
        // The first version wrote no cipher line: that is age, and only age.
        assert!(addressee_of(format!("{MAGIC}\nrecipient: {age_key}\n\n").as_bytes()).is_ok());
        assert!(addressee_of(format!("{MAGIC}\nrecipient: {sm2_key}\n\n").as_bytes()).is_err());
        let twice = format!(
            "{MAGIC}\nrecipient: {age_key}\ncipher: age-x25519-chacha20poly1305\ncipher: age-x25519-chacha20poly1305\n\n"
        );
        assert!(addressee_of(twice.as_bytes()).is_err());
    }
}
