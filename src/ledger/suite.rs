//! Signature suites: which signature and which hash an event uses.
//! `ed25519-sha256` is the default; `sm2-sm3` (the national algorithms) slots in beside it.

use ed25519_dalek::{Signer, Verifier};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::fmt;

/// A signature algorithm paired with the hash that names events.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Suite {
    #[serde(rename = "ed25519-sha256")]
    Ed25519Sha256,
}

/// A signature or key that does not check out.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SuiteError {
    #[error(
        "未知的签名算法“{0}”，本版本支持 ed25519-sha256 / unknown signature suite “{0}”; this version supports ed25519-sha256"
    )]
    Unknown(String),
    #[error("公钥格式无效（{0}） / the public key is malformed ({0})")]
    BadPublicKey(&'static str),
    #[error(
        "签名无效：内容被改动，或不是该作者签的 / the signature does not verify: the content was altered or another key signed it"
    )]
    BadSignature,
    #[error("私钥格式无效 / the private key is malformed")]
    BadSecretKey,
}

impl Suite {
    pub fn id(self) -> &'static str {
        match self {
            Self::Ed25519Sha256 => "ed25519-sha256",
        }
    }

    pub fn parse(text: &str) -> Result<Suite, SuiteError> {
        match text {
            "ed25519-sha256" => Ok(Self::Ed25519Sha256),
            other => Err(SuiteError::Unknown(other.to_string())),
        }
    }

    /// The digest that names events and fingerprints keys.
    pub fn hash(self, bytes: &[u8]) -> [u8; 32] {
        match self {
            Self::Ed25519Sha256 => Sha256::digest(bytes).into(),
        }
    }

    pub fn verify(self, public: &[u8], message: &[u8], signature: &[u8]) -> Result<(), SuiteError> {
        match self {
            Self::Ed25519Sha256 => {
                let key: [u8; 32] =
                    public.try_into().map_err(|_| SuiteError::BadPublicKey("ed25519 keys are 32 bytes"))?;
                let key = ed25519_dalek::VerifyingKey::from_bytes(&key)
                    .map_err(|_| SuiteError::BadPublicKey("not a curve point"))?;
                let sig = ed25519_dalek::Signature::from_slice(signature).map_err(|_| SuiteError::BadSignature)?;
                key.verify(message, &sig).map_err(|_| SuiteError::BadSignature)
            }
        }
    }

    /// A fresh secret key from the operating system's random source.
    pub fn generate(self) -> SecretKey {
        match self {
            Self::Ed25519Sha256 => {
                let mut seed = [0u8; 32];
                // The OS random source failing is not something a user can fix; treat as fatal.
                getrandom::fill(&mut seed).expect("operating system random source");
                SecretKey::Ed25519(ed25519_dalek::SigningKey::from_bytes(&seed))
            }
        }
    }

    pub fn check_public(self, public: &[u8]) -> Result<(), SuiteError> {
        match self {
            Self::Ed25519Sha256 => {
                let key: [u8; 32] =
                    public.try_into().map_err(|_| SuiteError::BadPublicKey("ed25519 keys are 32 bytes"))?;
                ed25519_dalek::VerifyingKey::from_bytes(&key)
                    .map(|_| ())
                    .map_err(|_| SuiteError::BadPublicKey("not a curve point"))
            }
        }
    }
}

impl fmt::Display for Suite {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

/// A private signing key of some suite.
pub enum SecretKey {
    Ed25519(ed25519_dalek::SigningKey),
}

impl SecretKey {
    pub fn suite(&self) -> Suite {
        match self {
            Self::Ed25519(_) => Suite::Ed25519Sha256,
        }
    }

    pub fn from_bytes(suite: Suite, bytes: &[u8]) -> Result<SecretKey, SuiteError> {
        match suite {
            Suite::Ed25519Sha256 => {
                let seed: [u8; 32] = bytes.try_into().map_err(|_| SuiteError::BadSecretKey)?;
                Ok(Self::Ed25519(ed25519_dalek::SigningKey::from_bytes(&seed)))
            }
        }
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        match self {
            Self::Ed25519(k) => k.to_bytes().to_vec(),
        }
    }

    pub fn public(&self) -> Vec<u8> {
        match self {
            Self::Ed25519(k) => k.verifying_key().to_bytes().to_vec(),
        }
    }

    pub fn sign(&self, message: &[u8]) -> Vec<u8> {
        match self {
            Self::Ed25519(k) => k.sign(message).to_bytes().to_vec(),
        }
    }
}

/// A short, speakable fingerprint of a public key: `3F9A-12C4-88B0-E1D7`.
pub fn fingerprint(suite: Suite, public: &[u8]) -> String {
    let mut input = suite.id().as_bytes().to_vec();
    input.push(b':');
    input.extend_from_slice(public);
    let digest = suite.hash(&input);
    let hex = hex::encode_upper(&digest[..8]);
    hex.as_bytes().chunks(4).map(|c| String::from_utf8_lossy(c).into_owned()).collect::<Vec<_>>().join("-")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signs_and_verifies_and_refuses_tampering() {
        let key = Suite::Ed25519Sha256.generate();
        let sig = key.sign(b"score 82");
        assert!(Suite::Ed25519Sha256.verify(&key.public(), b"score 82", &sig).is_ok());
        assert_eq!(Suite::Ed25519Sha256.verify(&key.public(), b"score 92", &sig), Err(SuiteError::BadSignature));
        let other = Suite::Ed25519Sha256.generate();
        assert_eq!(Suite::Ed25519Sha256.verify(&other.public(), b"score 82", &sig), Err(SuiteError::BadSignature));
        let again = SecretKey::from_bytes(Suite::Ed25519Sha256, &key.to_bytes()).unwrap();
        assert_eq!(again.public(), key.public());
    }

    #[test]
    fn fingerprints_are_short_and_stable() {
        let fp = fingerprint(Suite::Ed25519Sha256, &[7u8; 32]);
        assert_eq!(fp.len(), 19);
        assert_eq!(fp, fingerprint(Suite::Ed25519Sha256, &[7u8; 32]));
        assert_ne!(fp, fingerprint(Suite::Ed25519Sha256, &[8u8; 32]));
        assert!(Suite::parse("rsa").unwrap_err().to_string().contains("rsa"));
    }
}
