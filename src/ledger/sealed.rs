//! Private keys sealed under a passphrase (口令保护): the passphrase is stretched into a key that
//! encrypts the secrets, with the key file's public facts as associated data, so a sealed secret
//! cannot be moved into another key file unnoticed.
//!
//! - `ed25519-sha256` keys: scrypt (2^15, 8, 1) and ChaCha20-Poly1305.
//! - `sm2-sm3` keys: national algorithms only (GB/T 39786): PBKDF2-HMAC-SM3 and SM4-CBC with an
//!   HMAC-SM3 tag (see [`super::gm`]). PBKDF2 is not memory-hard as scrypt is, so a GPU guesses
//!   it more cheaply; 200,000 rounds make one try cost about 0.2 s on these machines (scrypt:
//!   about 0.1 s and 32 MiB). A long passphrase matters more under this suite.

use super::gm;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};
use serde::{Deserialize, Serialize};

/// scrypt cost: 2^15 × 8 × 128 bytes = 32 MiB of memory per attempt, about a tenth of a second.
const LOG_N: u8 = 15;
const R: u32 = 8;
const P: u32 = 1;

/// PBKDF2-HMAC-SM3 rounds for `sm2-sm3` keys.
const SM3_ROUNDS: u32 = 200_000;
/// The most rounds a key file may ask for: more would make opening it take minutes.
const MAX_SM3_ROUNDS: u32 = 5_000_000;

const SCRYPT: &str = "scrypt";
const CHACHA: &str = "chacha20poly1305";
const PBKDF2_SM3: &str = "pbkdf2-hmac-sm3";
const SM4_CBC_HMAC: &str = "sm4-cbc-hmac-sm3";

/// The sealed form kept in a key file. scrypt fills `log_n`, `r` and `p`; PBKDF2 fills
/// `rounds`. ChaCha20-Poly1305 has its `nonce` apart; SM4-CBC carries its IV at the start of
/// `ciphertext` and its tag at the end.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sealed {
    pub kdf: String,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub log_n: u8,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub r: u32,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub p: u32,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub rounds: u32,
    pub salt: String,
    pub aead: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub nonce: String,
    pub ciphertext: String,
}

fn is_zero<T: Default + PartialEq>(n: &T) -> bool {
    *n == T::default()
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

/// Seals `plaintext` under `passphrase`, bound to `context`, with the algorithms of `suite`.
pub fn seal(plaintext: &[u8], passphrase: &str, context: &[u8], suite: crate::ledger::Suite) -> Sealed {
    let salt: [u8; 16] = random();
    if suite == crate::ledger::Suite::Sm2Sm3 {
        let keys = gm::Keys::from_passphrase(passphrase, &salt, SM3_ROUNDS);
        return Sealed {
            kdf: PBKDF2_SM3.into(),
            log_n: 0,
            r: 0,
            p: 0,
            rounds: SM3_ROUNDS,
            salt: hex::encode(salt),
            aead: SM4_CBC_HMAC.into(),
            nonce: String::new(),
            ciphertext: hex::encode(gm::seal(&keys, context, plaintext)),
        };
    }
    let nonce: [u8; 12] = random();
    // Our own parameters are valid; stretch cannot fail for them.
    let key = stretch(passphrase, &salt, LOG_N, R, P).unwrap_or([0u8; 32]);
    let cipher = ChaCha20Poly1305::new(&Key::from(key));
    let ciphertext = cipher.encrypt(&Nonce::from(nonce), Payload { msg: plaintext, aad: context }).unwrap_or_default();
    Sealed {
        kdf: SCRYPT.into(),
        log_n: LOG_N,
        r: R,
        p: P,
        rounds: 0,
        salt: hex::encode(salt),
        aead: CHACHA.into(),
        nonce: hex::encode(nonce),
        ciphertext: hex::encode(ciphertext),
    }
}

/// Opens a sealed secret; a wrong passphrase and a tampered file look the same.
pub fn open(sealed: &Sealed, passphrase: &str, context: &[u8]) -> Result<Vec<u8>, SealError> {
    match (sealed.kdf.as_str(), sealed.aead.as_str()) {
        (SCRYPT, CHACHA) => open_scrypt(sealed, passphrase, context),
        (PBKDF2_SM3, SM4_CBC_HMAC) => open_sm(sealed, passphrase, context),
        (kdf, aead) => Err(SealError::Unsupported(format!("{kdf} + {aead}"))),
    }
}

fn open_sm(sealed: &Sealed, passphrase: &str, context: &[u8]) -> Result<Vec<u8>, SealError> {
    if sealed.rounds == 0 || sealed.rounds > MAX_SM3_ROUNDS {
        return Err(SealError::Unsupported(format!("{PBKDF2_SM3} {}", sealed.rounds)));
    }
    let bad = |_| SealError::WrongPassphrase;
    let salt = hex::decode(&sealed.salt).map_err(bad)?;
    let ciphertext = hex::decode(&sealed.ciphertext).map_err(bad)?;
    let keys = gm::Keys::from_passphrase(passphrase, &salt, sealed.rounds);
    gm::open(&keys, context, &ciphertext).map_err(|_| SealError::WrongPassphrase)
}

fn open_scrypt(sealed: &Sealed, passphrase: &str, context: &[u8]) -> Result<Vec<u8>, SealError> {
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
    use crate::ledger::Suite;

    #[test]
    fn opens_with_the_passphrase_only_and_only_in_its_context() {
        let s = seal(b"secret scalar", "正确的口令 horse", "李明|ed25519".as_bytes(), Suite::Ed25519Sha256);
        assert_eq!(open(&s, "正确的口令 horse", "李明|ed25519".as_bytes()).unwrap(), b"secret scalar");
        assert_eq!(open(&s, "错误的口令", "李明|ed25519".as_bytes()), Err(SealError::WrongPassphrase));
        assert_eq!(open(&s, "正确的口令 horse", "张华|ed25519".as_bytes()), Err(SealError::WrongPassphrase));
        let mut altered = s.clone();
        altered.ciphertext.replace_range(0..2, if &s.ciphertext[..2] == "00" { "01" } else { "00" });
        assert_eq!(open(&altered, "正确的口令 horse", "李明|ed25519".as_bytes()), Err(SealError::WrongPassphrase));
        let mut costly = s.clone();
        costly.log_n = 30;
        assert!(matches!(open(&costly, "x", b""), Err(SealError::Unsupported(_))));
        assert_ne!(seal(b"x", "p", b"", Suite::Ed25519Sha256).salt, seal(b"x", "p", b"", Suite::Ed25519Sha256).salt);
    }

    #[test]
    fn sm2_keys_are_sealed_with_national_algorithms_only() {
        let s = seal(b"secret scalar", "正确的口令 horse", b"ctx", Suite::Sm2Sm3);
        assert_eq!((s.kdf.as_str(), s.aead.as_str(), s.rounds), (PBKDF2_SM3, SM4_CBC_HMAC, SM3_ROUNDS));
        let text = serde_json::to_string(&s).unwrap();
        assert!(!text.contains("log_n") && !text.contains("nonce"), "no scrypt or ChaCha fields: {text}");
        assert_eq!(serde_json::from_str::<Sealed>(&text).unwrap(), s);
        assert_eq!(open(&s, "正确的口令 horse", b"ctx").unwrap(), b"secret scalar");
        assert_eq!(open(&s, "错误的口令", b"ctx"), Err(SealError::WrongPassphrase));
        assert_eq!(open(&s, "正确的口令 horse", b"other"), Err(SealError::WrongPassphrase));
        let mut costly = s.clone();
        costly.rounds = u32::MAX;
        assert!(matches!(open(&costly, "x", b"ctx"), Err(SealError::Unsupported(_))));
        let mut mixed = s.clone();
        mixed.aead = CHACHA.into();
        assert!(matches!(open(&mixed, "正确的口令 horse", b"ctx"), Err(SealError::Unsupported(_))));
    }
}
