//! Signed events: the envelope, the bodies, and the exact bytes that were signed.

use super::suite::{Suite, SuiteError};
use crate::domain::{Application, Decision, Profile, Rubric, ScoreSheet};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

/// The envelope version this build writes and understands.
pub const EVENT_VERSION: u32 = 1;

/// One line of `events.jsonl` (signature and wrapper included). The one limit that the signer,
/// the bundle writer and every reader share, so that nothing is signed here that a peer refuses.
pub const MAX_LINE_BYTES: usize = 1 << 20;

/// The signed bytes of one event: a line less room for the largest signature and the wrapper.
pub const MAX_EVENT_BYTES: usize = MAX_LINE_BYTES - 1024;

/// The highest seq an event may carry: SQLite stores integers as i64.
pub const MAX_SEQ: u64 = i64::MAX as u64;

/// Signatures cover this prefix and the event bytes, so an event signature can never pass for
/// a signature over anything else (a bundle manifest, say).
const SIGNING_CONTEXT: &[u8] = b"reviewdesk event v1\n";

/// A panel member's role (专家组组长 or 专家).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// 组长: records the panel's decisions; does not score.
    Chair,
    /// 专家: scores applications.
    Expert,
}

impl Role {
    pub fn parse(text: &str) -> Option<Role> {
        match text.trim().to_lowercase().as_str() {
            "chair" | "组长" | "专家组组长" => Some(Role::Chair),
            "expert" | "专家" | "组员" | "member" => Some(Role::Expert),
            _ => None,
        }
    }

    pub fn zh(self) -> &'static str {
        match self {
            Role::Chair => "组长",
            Role::Expert => "专家",
        }
    }
}

/// Someone named in a meeting, known by their public key.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Member {
    pub name: String,
    /// Hex public key.
    pub key: String,
    pub suite: Suite,
}

/// A panel seat.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PanelMember {
    #[serde(flatten)]
    pub member: Member,
    pub role: Role,
    /// 专业类别 in the expert pool.
    #[serde(default)]
    pub category: String,
    /// The expert's own work unit, for recusal.
    #[serde(default)]
    pub unit: String,
    /// The key this member's seat was held by before (换用新密钥): an expert who lost a laptop
    /// keeps their seat under a new key, and their earlier sheets count until the new key's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replaces: Option<String>,
}

/// One seat of a panel: the member holding it now, and every key that held it, newest first.
#[derive(Clone, Debug)]
pub struct Seat<'a> {
    pub holder: &'a PanelMember,
    pub keys: Vec<&'a str>,
}

impl Seat<'_> {
    pub fn holds(&self, key: &str) -> bool {
        self.keys.contains(&key)
    }
}

/// How a panel was drawn from the pool, so anyone can redo the draw.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DrawRecord {
    pub seed: u64,
    /// SHA-256 of the pool file as read.
    pub pool_sha256: String,
    /// Category and how many experts were drawn from it.
    pub categories: Vec<(String, usize)>,
    pub excluded_units: Vec<String>,
}

/// 会议开启: what a secretariat signs to open a review meeting.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MeetingOpened {
    pub id: String,
    pub title: String,
    pub date: NaiveDate,
    pub profile: Profile,
    /// One rubric per application kind, embedded so that every machine scores with the same sheet.
    pub rubrics: Vec<Rubric>,
    pub secretariat: Member,
    pub panel: Vec<PanelMember>,
    #[serde(default)]
    pub draw: Option<DrawRecord>,
}

impl MeetingOpened {
    /// The panel by seat, in the order the seats were first filled: a member who took over a
    /// seat (换用新密钥) is not a seat of their own.
    pub fn seats(&self) -> Vec<Seat<'_>> {
        self.panel
            .iter()
            .filter(|p| p.replaces.is_none())
            .map(|first| {
                let mut chain = vec![first];
                // Follow the seat forward; the panel is finite and a key is visited once.
                while let Some(next) = self.panel.iter().find(|p| {
                    p.replaces.as_deref() == chain.last().map(|c| c.member.key.as_str())
                        && !chain.iter().any(|c| c.member.key == p.member.key)
                }) {
                    chain.push(next);
                }
                let holder = chain.last().copied().unwrap_or(first);
                Seat { holder, keys: chain.iter().rev().map(|p| p.member.key.as_str()).collect() }
            })
            .collect()
    }

    /// The seat `key` holds or held.
    pub fn seat_of(&self, key: &str) -> Option<Seat<'_>> {
        self.seats().into_iter().find(|s| s.holds(key))
    }
}

/// What an event says.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
/// Externally tagged (`{"score_submitted": {...}}`): serde reads it in one pass, where an
/// internally tagged enum would buffer every event first.
#[serde(rename_all = "snake_case")]
pub enum Body {
    MeetingOpened(Box<MeetingOpened>),
    /// 申报登记
    ApplicationRegistered {
        meeting: String,
        application: Box<Application>,
    },
    /// 回避声明
    ConflictDeclared {
        meeting: String,
        code: String,
        reason: String,
    },
    /// 提交评分; a later one from the same expert supersedes.
    ScoreSubmitted {
        meeting: String,
        code: String,
        sheet: ScoreSheet,
    },
    /// 专家组结论, with the score events it was based on.
    DecisionRecorded {
        meeting: String,
        code: String,
        decision: Decision,
        based_on: Vec<String>,
    },
    /// 密钥吊销: events of `key` after `cutoff_seq` are void.
    KeyRevoked {
        key: String,
        cutoff_seq: u64,
        reason: String,
    },
}

impl Body {
    pub fn kind(&self) -> &'static str {
        match self {
            Body::MeetingOpened(_) => "meeting_opened",
            Body::ApplicationRegistered { .. } => "application_registered",
            Body::ConflictDeclared { .. } => "conflict_declared",
            Body::ScoreSubmitted { .. } => "score_submitted",
            Body::DecisionRecorded { .. } => "decision_recorded",
            Body::KeyRevoked { .. } => "key_revoked",
        }
    }

    pub fn meeting(&self) -> Option<&str> {
        match self {
            Body::MeetingOpened(m) => Some(&m.id),
            Body::ApplicationRegistered { meeting, .. }
            | Body::ConflictDeclared { meeting, .. }
            | Body::ScoreSubmitted { meeting, .. }
            | Body::DecisionRecorded { meeting, .. } => Some(meeting),
            Body::KeyRevoked { .. } => None,
        }
    }

    pub fn application(&self) -> Option<&str> {
        match self {
            Body::ApplicationRegistered { application, .. } => Some(&application.code),
            Body::ConflictDeclared { code, .. }
            | Body::ScoreSubmitted { code, .. }
            | Body::DecisionRecorded { code, .. } => Some(code),
            _ => None,
        }
    }
}

/// The signed part of an event. One chain per author: `seq` counts from 1, `prev` names the
/// author's previous event.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Envelope {
    pub v: u32,
    pub suite: Suite,
    /// Hex public key of the author.
    pub author: String,
    pub seq: u64,
    pub prev: Option<String>,
    pub time: DateTime<Utc>,
    pub body: Body,
}

/// An event as received or made: the exact signed bytes, the signature, and the parsed envelope.
#[derive(Clone, Debug)]
pub struct SignedEvent {
    /// Hex hash of `bytes` under the event's suite.
    pub id: String,
    pub bytes: Vec<u8>,
    pub signature: Vec<u8>,
    pub envelope: Envelope,
}

/// An event that cannot be read or does not verify.
#[derive(Debug, thiserror::Error)]
pub enum EventError {
    #[error("事件无法解析：{0} / the event cannot be parsed: {0}")]
    Malformed(String),
    #[error(
        "事件格式版本 {found} 高于本程序支持的 {known}，请升级评审台 / event format version {found} is newer than this build's {known}: upgrade reviewdesk"
    )]
    NewerVersion { found: u32, known: u32 },
    #[error("作者公钥无效 / the author key is not valid hex")]
    BadAuthor,
    #[error(transparent)]
    Suite(#[from] SuiteError),
}

#[derive(Serialize, Deserialize)]
struct Line<'a> {
    sig: String,
    #[serde(borrow)]
    event: &'a RawValue,
}

fn signing_message(bytes: &[u8]) -> Vec<u8> {
    [SIGNING_CONTEXT, bytes].concat()
}

impl SignedEvent {
    /// Encodes and signs an envelope. The bytes produced are the bytes stored and shipped.
    pub fn sign(key: &super::suite::SecretKey, envelope: Envelope) -> SignedEvent {
        // Serialising our own plain data types cannot fail.
        let bytes = serde_json::to_vec(&envelope).unwrap_or_default();
        let signature = key.sign(&signing_message(&bytes));
        let id = hex::encode(envelope.suite.hash(&bytes));
        SignedEvent { id, bytes, signature, envelope }
    }

    /// Parses the signed bytes and checks the signature against the author's key.
    pub fn verify(bytes: Vec<u8>, signature: Vec<u8>) -> Result<SignedEvent, EventError> {
        let event = Self::parse_unverified(bytes, signature)?;
        let author = hex::decode(&event.envelope.author).map_err(|_| EventError::BadAuthor)?;
        event.envelope.suite.verify(&author, &signing_message(&event.bytes), &event.signature)?;
        Ok(event)
    }

    /// Parses the signed bytes and names the event, without checking the signature: for batch
    /// verification ([`verify_batch`]) or for bytes already verified under a matching hash.
    pub fn parse_unverified(bytes: Vec<u8>, signature: Vec<u8>) -> Result<SignedEvent, EventError> {
        let envelope: Envelope = match serde_json::from_slice(&bytes) {
            Ok(e) => e,
            // Only a failure is worth a second look: a newer version deserves its own message.
            Err(e) => {
                let v = serde_json::from_slice::<serde_json::Value>(&bytes).ok().and_then(|p| p.get("v")?.as_u64());
                return Err(match v {
                    Some(v) if v > EVENT_VERSION as u64 => {
                        EventError::NewerVersion { found: v as u32, known: EVENT_VERSION }
                    }
                    _ => EventError::Malformed(e.to_string()),
                });
            }
        };
        if envelope.v > EVENT_VERSION {
            return Err(EventError::NewerVersion { found: envelope.v, known: EVENT_VERSION });
        }
        let id = hex::encode(envelope.suite.hash(&bytes));
        Ok(SignedEvent { id, bytes, signature, envelope })
    }

    /// Splits a line written by [`SignedEvent::to_line`] into the signed bytes and the signature.
    pub fn split_line(line: &str) -> Result<(Vec<u8>, Vec<u8>), EventError> {
        let parsed: Line = serde_json::from_str(line).map_err(|e| EventError::Malformed(e.to_string()))?;
        let signature = hex::decode(&parsed.sig).map_err(|_| EventError::Malformed("sig is not hex".into()))?;
        Ok((parsed.event.get().as_bytes().to_vec(), signature))
    }

    /// One line of `events.jsonl`: the signature and the signed bytes, untouched.
    pub fn to_line(&self) -> String {
        let raw = String::from_utf8_lossy(&self.bytes);
        format!("{{\"sig\":\"{}\",\"event\":{}}}", hex::encode(&self.signature), raw)
    }

    /// Reads a line written by [`SignedEvent::to_line`] and verifies it.
    pub fn from_line(line: &str) -> Result<SignedEvent, EventError> {
        let (bytes, signature) = Self::split_line(line)?;
        Self::verify(bytes, signature)
    }
}

/// Verifies many parsed events at once (Ed25519 batch verification; SM2 events one by one).
/// On failure, names an event whose signature does not check out.
pub fn verify_batch(events: &[SignedEvent]) -> Result<(), usize> {
    let messages: Vec<Vec<u8>> = events.iter().map(|e| signing_message(&e.bytes)).collect();
    let mut keys = Vec::with_capacity(events.len());
    let mut sigs = Vec::with_capacity(events.len());
    let mut batched = Vec::with_capacity(events.len());
    // A bundle has few authors and many events: decompress each key once.
    let mut known: std::collections::HashMap<&str, ed25519_dalek::VerifyingKey> = std::collections::HashMap::new();
    for (i, e) in events.iter().enumerate() {
        match e.envelope.suite {
            super::suite::Suite::Ed25519Sha256 => {
                let key = match known.get(e.envelope.author.as_str()) {
                    Some(k) => *k,
                    None => {
                        let k = hex::decode(&e.envelope.author).ok().and_then(|k| <[u8; 32]>::try_from(k).ok());
                        let k = k.and_then(|k| ed25519_dalek::VerifyingKey::from_bytes(&k).ok()).ok_or(i)?;
                        known.insert(&e.envelope.author, k);
                        k
                    }
                };
                let sig = ed25519_dalek::Signature::from_slice(&e.signature).map_err(|_| i)?;
                keys.push(key);
                sigs.push(sig);
                batched.push(i);
            }
            // SM2 has no batch verification: each is checked on its own.
            super::suite::Suite::Sm2Sm3 => {
                let author = hex::decode(&e.envelope.author).map_err(|_| i)?;
                e.envelope.suite.verify(&author, &messages[i], &e.signature).map_err(|_| i)?;
            }
        }
    }
    let refs: Vec<&[u8]> = batched.iter().map(|i| messages[*i].as_slice()).collect();
    if ed25519_dalek::verify_batch(&refs, &sigs, &keys).is_ok() {
        return Ok(());
    }
    // The batch failed: find the culprit one by one.
    for i in batched {
        let e = &events[i];
        let author = hex::decode(&e.envelope.author).map_err(|_| i)?;
        e.envelope.suite.verify(&author, &messages[i], &e.signature).map_err(|_| i)?;
    }
    Err(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ledger::suite::Suite;

    fn envelope(key: &super::super::suite::SecretKey, seq: u64) -> Envelope {
        Envelope {
            v: EVENT_VERSION,
            suite: Suite::Ed25519Sha256,
            author: hex::encode(key.public()),
            seq,
            prev: None,
            time: DateTime::parse_from_rfc3339("2026-11-20T09:00:00Z").unwrap().with_timezone(&Utc),
            body: Body::ConflictDeclared {
                meeting: "M1".into(),
                code: "GL-1".into(),
                reason: "曾参与该项目可研编制".into(),
            },
        }
    }

    #[test]
    fn a_line_round_trips_with_the_same_bytes_and_id() {
        let key = Suite::Ed25519Sha256.generate();
        let e = SignedEvent::sign(&key, envelope(&key, 1));
        let back = SignedEvent::from_line(&e.to_line()).unwrap();
        assert_eq!(back.bytes, e.bytes);
        assert_eq!(back.id, e.id);
        assert_eq!(back.envelope, e.envelope);
    }

    #[test]
    fn a_changed_byte_or_another_signer_is_refused() {
        let key = Suite::Ed25519Sha256.generate();
        let e = SignedEvent::sign(&key, envelope(&key, 1));
        let tampered = e.to_line().replace("可研编制", "可研评审");
        assert!(matches!(SignedEvent::from_line(&tampered), Err(EventError::Suite(SuiteError::BadSignature))));
        let other = Suite::Ed25519Sha256.generate();
        let forged = SignedEvent::sign(&other, envelope(&key, 1));
        assert!(matches!(SignedEvent::verify(forged.bytes, forged.signature), Err(EventError::Suite(_))));
    }

    #[test]
    fn a_newer_version_is_named() {
        let key = Suite::Ed25519Sha256.generate();
        let mut env = envelope(&key, 1);
        env.v = 9;
        let e = SignedEvent::sign(&key, env);
        let err = SignedEvent::verify(e.bytes, e.signature).unwrap_err().to_string();
        assert!(err.contains('9') && err.contains('1'), "{err}");
    }
}
