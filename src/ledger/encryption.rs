//! Encryption keys (加密密钥): what an encrypted bundle is addressed to. Each identity has one
//! beside its signing key, of its suite's kind: under `ed25519-sha256` an age X25519 key; under
//! `sm2-sm3` an SM2 key pair of its own (签名密钥与加密密钥分离, as GM/T practice keeps them).

use super::Suite;
use super::gm;
use sm2::elliptic_curve::sec1::ToSec1Point;

/// How an SM2 recipient is written: `sm2:` and the hex of the uncompressed point 04‖x‖y.
const SM2_RECIPIENT: &str = "sm2:";
/// How an SM2 encryption secret is written in a key file: `sm2-secret:` and the hex scalar.
const SM2_SECRET: &str = "sm2-secret:";

/// The private half: opens bundles encrypted to this identity.
pub enum EncryptionKey {
    Age(age::x25519::Identity),
    Sm2(sm2::SecretKey),
}

/// The public half, as a `.pub` file and an encrypted bundle's header carry it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Recipient {
    Age(age::x25519::Recipient),
    Sm2(sm2::PublicKey),
}

/// The algorithms of an encrypted bundle, named in its plain header (`cipher:`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cipher {
    /// age v1: X25519 key agreement, ChaCha20-Poly1305 payload.
    AgeX25519,
    /// SM2 public-key encryption wraps an SM4 key and an HMAC-SM3 key; SM4-CBC, HMAC-SM3 tag.
    Sm2Sm4,
}

impl Cipher {
    pub fn id(self) -> &'static str {
        match self {
            Cipher::AgeX25519 => "age-x25519-chacha20poly1305",
            Cipher::Sm2Sm4 => "sm2-sm4-cbc-hmac-sm3",
        }
    }

    pub fn parse(text: &str) -> Option<Cipher> {
        [Cipher::AgeX25519, Cipher::Sm2Sm4].into_iter().find(|c| c.id() == text)
    }
}

impl EncryptionKey {
    /// A fresh key of the kind `suite` uses.
    pub fn generate(suite: Suite) -> EncryptionKey {
        match suite {
            Suite::Ed25519Sha256 => EncryptionKey::Age(age::x25519::Identity::generate()),
            Suite::Sm2Sm3 => EncryptionKey::Sm2(gm::generate_sm2()),
        }
    }

    pub fn recipient(&self) -> Recipient {
        match self {
            EncryptionKey::Age(id) => Recipient::Age(id.to_public()),
            EncryptionKey::Sm2(k) => Recipient::Sm2(k.public_key()),
        }
    }

    /// The secret as a key file keeps it (in the clear, or inside the sealed part).
    pub fn to_secret_text(&self) -> String {
        use age::secrecy::ExposeSecret;
        match self {
            EncryptionKey::Age(id) => id.to_string().expose_secret().to_string(),
            EncryptionKey::Sm2(k) => format!("{SM2_SECRET}{}", hex::encode(k.to_bytes())),
        }
    }

    pub fn parse_secret(text: &str) -> Option<EncryptionKey> {
        match text.strip_prefix(SM2_SECRET) {
            Some(h) => sm2::SecretKey::from_slice(&hex::decode(h).ok()?).ok().map(EncryptionKey::Sm2),
            None => text.parse::<age::x25519::Identity>().ok().map(EncryptionKey::Age),
        }
    }
}

impl Recipient {
    /// `age1…` or `sm2:04…`; anything else, or a point off the curve, is `None`.
    pub fn parse(text: &str) -> Option<Recipient> {
        match text.strip_prefix(SM2_RECIPIENT) {
            Some(h) => {
                let bytes = hex::decode(h).ok()?;
                // Uncompressed only, so that each key has one spelling.
                if bytes.len() != 65 || bytes[0] != 4 {
                    return None;
                }
                sm2::PublicKey::from_sec1_bytes(&bytes).ok().map(Recipient::Sm2)
            }
            None => text.parse::<age::x25519::Recipient>().ok().map(Recipient::Age),
        }
    }

    pub fn cipher(&self) -> Cipher {
        match self {
            Recipient::Age(_) => Cipher::AgeX25519,
            Recipient::Sm2(_) => Cipher::Sm2Sm4,
        }
    }
}

impl std::fmt::Display for Recipient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Recipient::Age(r) => write!(f, "{r}"),
            Recipient::Sm2(k) => write!(f, "{SM2_RECIPIENT}{}", hex::encode(k.to_sec1_point(false).as_bytes())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_suite_gets_its_own_kind_of_key_and_both_spell_back() {
        for (suite, prefix, cipher) in
            [(Suite::Ed25519Sha256, "age1", Cipher::AgeX25519), (Suite::Sm2Sm3, "sm2:04", Cipher::Sm2Sm4)]
        {
            let key = EncryptionKey::generate(suite);
            let r = key.recipient();
            let text = r.to_string();
            assert!(text.starts_with(prefix), "{text}");
            assert_eq!(Recipient::parse(&text), Some(r.clone()));
            assert_eq!(r.cipher(), cipher);
            assert_eq!(Cipher::parse(cipher.id()), Some(cipher));
            let again = EncryptionKey::parse_secret(&key.to_secret_text()).unwrap();
            assert_eq!(again.recipient(), r);
        }
    }

    #[test]
    fn malformed_recipients_and_secrets_are_refused() {
        let k = EncryptionKey::generate(Suite::Sm2Sm3).recipient().to_string();
        let compressed = format!("sm2:02{}", &k[6..70]);
        let off_curve = format!("sm2:04{}", "11".repeat(64));
        for bad in ["", "age1", "sm2:", "sm2:zz", &k[..k.len() - 2], &compressed, &off_curve, "AGE-SECRET-KEY-1"] {
            assert!(Recipient::parse(bad).is_none(), "{bad}");
        }
        for bad in ["", "sm2-secret:", "sm2-secret:00", &format!("sm2-secret:{}", "00".repeat(32)), "AGE-SECRET-KEY-1"]
        {
            assert!(EncryptionKey::parse_secret(bad).is_none(), "{bad}");
        }
        assert_eq!(Cipher::parse("age"), None);
    }
}
