//! Private keys sealed under a passphrase (口令保护): scrypt stretches the passphrase into a
//! key, and ChaCha20-Poly1305 encrypts the secrets with the key file's public facts as
//! associated data, so a sealed secret cannot be moved into another key file unnoticed.

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};
use serde::{Deserialize, Serialize};

/// scrypt cost: 2^15 × 8 × 128 bytes = 32 MiB of memory per attempt, about a tenth of a second.
const LOG_N: u8 = 15;
const R: u32 = 8;
const P: u32 = 1;

/// The sealed form kept in a key file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sealed {
    pub kdf: String,
    pub log_n: u8,
    pub r: u32,
    pub p: u32,
    pub salt: String,
    pub aead: String,
    pub nonce: String,
    pub ciphertext: String,
}

/// Why a sealed secret did not open.
#[derive(Debug, PartialEq, Eq)]
pub enum SealError {
    /// The passphrase is wrong, or the file was altered.
    WrongPassphrase,
    /// The file names a method or parameters this version does not use.
    Unsupported(String),
}

fn stretch(passphrase: &str, salt: &[u8], log_n: u8, r: u32, p: u32) -> Result<[u8; 32], SealError> {
    let params = scrypt::Params::new(log_n, r, p).map_err(|e| SealError::Unsupported(e.to_string()))?;
    let mut key = [0u8; 32];
    scrypt::scrypt(passphrase.as_bytes(), salt, &params, &mut key)
        .map_err(|e| SealError::Unsupported(e.to_string()))?;
    Ok(key)
}

fn random<const N: usize>() -> [u8; N] {
    let mut b = [0u8; N];
    // The OS random source failing is not something a user can fix; treat as fatal.
    getrandom::fill(&mut b).expect("operating system random source");
    b
}

/// Seals `plaintext` under `passphrase`, bound to `context`.
pub fn seal(plaintext: &[u8], passphrase: &str, context: &[u8]) -> Sealed {
    let salt: [u8; 16] = random();
    let nonce: [u8; 12] = random();
    // Our own parameters are valid; stretch cannot fail for them.
    let key = stretch(passphrase, &salt, LOG_N, R, P).unwrap_or([0u8; 32]);
    let cipher = ChaCha20Poly1305::new(&Key::from(key));
    let ciphertext = cipher.encrypt(&Nonce::from(nonce), Payload { msg: plaintext, aad: context }).unwrap_or_default();
    Sealed {
        kdf: "scrypt".into(),
        log_n: LOG_N,
        r: R,
        p: P,
        salt: hex::encode(salt),
        aead: "chacha20poly1305".into(),
        nonce: hex::encode(nonce),
        ciphertext: hex::encode(ciphertext),
    }
}

/// Opens a sealed secret; a wrong passphrase and a tampered file look the same.
pub fn open(sealed: &Sealed, passphrase: &str, context: &[u8]) -> Result<Vec<u8>, SealError> {
    if sealed.kdf != "scrypt" || sealed.aead != "chacha20poly1305" {
        return Err(SealError::Unsupported(format!("{} + {}", sealed.kdf, sealed.aead)));
    }
    // Refuse parameters that would make opening the file take minutes or gigabytes.
    if sealed.log_n > 20 || sealed.r > 32 || sealed.p > 4 {
        return Err(SealError::Unsupported(format!("scrypt {} {} {}", sealed.log_n, sealed.r, sealed.p)));
    }
    let bad = |_| SealError::WrongPassphrase;
    let salt = hex::decode(&sealed.salt).map_err(bad)?;
    let nonce: [u8; 12] =
        hex::decode(&sealed.nonce).map_err(bad)?.try_into().map_err(|_| SealError::WrongPassphrase)?;
    let ciphertext = hex::decode(&sealed.ciphertext).map_err(bad)?;
    let key = stretch(passphrase, &salt, sealed.log_n, sealed.r, sealed.p)?;
    ChaCha20Poly1305::new(&Key::from(key))
        .decrypt(&Nonce::from(nonce), Payload { msg: &ciphertext, aad: context })
        .map_err(|_| SealError::WrongPassphrase)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opens_with_the_passphrase_only_and_only_in_its_context() {
        let s = seal(b"secret scalar", "正确的口令 horse", "李明|ed25519".as_bytes());
        assert_eq!(open(&s, "正确的口令 horse", "李明|ed25519".as_bytes()).unwrap(), b"secret scalar");
        assert_eq!(open(&s, "错误的口令", "李明|ed25519".as_bytes()), Err(SealError::WrongPassphrase));
        assert_eq!(open(&s, "正确的口令 horse", "张华|ed25519".as_bytes()), Err(SealError::WrongPassphrase));
        let mut altered = s.clone();
        altered.ciphertext.replace_range(0..2, if &s.ciphertext[..2] == "00" { "01" } else { "00" });
        assert_eq!(open(&altered, "正确的口令 horse", "李明|ed25519".as_bytes()), Err(SealError::WrongPassphrase));
        let mut costly = s.clone();
        costly.log_n = 30;
        assert!(matches!(open(&costly, "x", b""), Err(SealError::Unsupported(_))));
        assert_ne!(seal(b"x", "p", b"").salt, seal(b"x", "p", b"").salt, "a fresh salt each time");
    }
}
