//! The bundle file (`*.rdbundle`): a plain tar of `manifest.json`, `manifest.sig`,
//! `events.jsonl` and `blobs/<sha256>`, written atomically and read with limits, never extracted.

pub mod encrypted;
mod read;
mod write;

pub use read::{AuthorSummary, BundleSummary, MeetingInBundle, import, inspect};
pub use write::{ExportFilter, ExportReport, export};

use crate::ledger::Member;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The bundle format this build writes and reads.
pub const FORMAT_VERSION: u32 = 1;
/// The whole bundle file.
pub const MAX_BUNDLE_BYTES: u64 = 2 << 30;
/// Any one entry (the event log, or one document).
pub const MAX_ENTRY_BYTES: u64 = 512 << 20;
/// The manifest.
pub const MAX_MANIFEST_BYTES: u64 = 16 << 20;
/// The manifest signature.
pub const MAX_SIGNATURE_BYTES: u64 = 4096;
/// Events in one bundle.
pub const MAX_EVENTS: usize = 500_000;
/// One line of `events.jsonl`: the ledger's limit, shared with the signer.
pub const MAX_LINE_BYTES: usize = crate::ledger::event::MAX_LINE_BYTES;
/// Documents in one bundle.
pub const MAX_BLOBS: usize = 100_000;

pub const MANIFEST: &str = "manifest.json";
pub const MANIFEST_SIG: &str = "manifest.sig";
pub const EVENTS: &str = "events.jsonl";
pub const BLOB_DIR: &str = "blobs/";

/// The manifest signature covers this prefix and the manifest bytes.
const MANIFEST_CONTEXT: &[u8] = b"reviewdesk manifest v1\n";

/// One entry the manifest vouches for.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EntryDigest {
    pub name: String,
    pub sha256: String,
    pub size: u64,
}

/// One author's events in a bundle.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthorRange {
    pub key: String,
    pub first_seq: u64,
    pub last_seq: u64,
    pub count: usize,
    /// Id of the author's highest-seq event in the bundle.
    pub head: String,
}

/// What the exporter signs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    pub format: u32,
    pub bundle_id: String,
    pub exporter: Member,
    pub created: DateTime<Utc>,
    pub event_count: usize,
    pub meetings: Vec<String>,
    pub authors: Vec<AuthorRange>,
    pub entries: Vec<EntryDigest>,
}

/// A bundle that cannot be read or applied. Each says what is wrong and what to do.
#[derive(Debug, thiserror::Error)]
pub enum BundleError {
    #[error("无法读写 {path}：{source} / cannot access {path}: {source}")]
    Io { path: String, source: std::io::Error },
    #[error("文件为空，不是评审包（可能拷贝未完成） / the file is empty: not a bundle (was the copy finished?)")]
    Empty,
    #[error("不是评审包：文件不是 tar 格式 / not a bundle: the file is not a tar archive")]
    NotTar,
    #[error(
        "评审包不完整，在第 {offset} 字节附近中断（拷贝未完成或 U 盘被提前拔出），请重新导出 / the bundle is cut short near byte {offset} (copy unfinished or the stick pulled early): export it again"
    )]
    Truncated { offset: u64 },
    #[error(
        "评审包含有不允许的条目“{name}”：只能有 manifest.json、manifest.sig、events.jsonl 和 blobs/<sha256> / the bundle holds a forbidden entry “{name}”: only manifest.json, manifest.sig, events.jsonl and blobs/<sha256> are allowed"
    )]
    ForbiddenName { name: String },
    #[error("评审包条目“{name}”试图写到包外的路径，已拒绝 / entry “{name}” points outside the bundle and is refused")]
    UnsafePath { name: String },
    #[error("评审包条目“{name}”是{kind}，只允许普通文件 / entry “{name}” is a {kind_en}; only plain files are allowed")]
    ForbiddenType { name: String, kind: &'static str, kind_en: &'static str },
    #[error("评审包条目“{name}”出现两次 / entry “{name}” appears twice")]
    DuplicateEntry { name: String },
    #[error(
        "评审包顺序不对：第一个条目应为 manifest.json，第二个为 manifest.sig（实际为“{found}”） / entries out of order: manifest.json must come first and manifest.sig second (found “{found}”)"
    )]
    Order { found: String },
    #[error(
        "{what}大小 {size} 字节超过上限 {limit} 字节（{constant}） / {what_en} is {size} bytes, over the limit of {limit} ({constant})"
    )]
    TooLarge { what: String, what_en: String, size: u64, limit: u64, constant: &'static str },
    #[error(
        "events.jsonl 中的事件超过 {limit} 条上限（MAX_EVENTS），请按会议分批导出 / events.jsonl holds more than {limit} events (MAX_EVENTS): export one meeting at a time"
    )]
    TooManyEvents { limit: usize },
    #[error(
        "events.jsonl 第 {line} 行超过 {limit} 字节上限（MAX_LINE_BYTES） / events.jsonl line {line} is longer than {limit} bytes (MAX_LINE_BYTES)"
    )]
    LineTooLong { line: usize, limit: usize },
    #[error("events.jsonl 第 {line} 行 / events.jsonl line {line}: {source}")]
    EventInvalid { line: usize, source: crate::ledger::event::EventError },
    #[error("events.jsonl 第 {line} 行不是有效的 UTF-8 文本 / events.jsonl line {line} is not valid UTF-8")]
    NotUtf8 { line: usize },
    #[error("评审包缺少 {name} / the bundle lacks {name}")]
    Missing { name: String },
    #[error("manifest.json 无法解析：{detail} / manifest.json cannot be parsed: {detail}")]
    ManifestMalformed { detail: String },
    #[error(
        "评审包格式版本 {found} 比本程序支持的 {known} 新，请升级评审台后再导入 / bundle format version {found} is newer than this build's {known}: upgrade reviewdesk, then import"
    )]
    NewerFormat { found: u64, known: u32 },
    #[error(
        "清单签名无效：导出后被改动，或并非 {fingerprint}（{name}）所签 / the manifest signature does not verify: altered after export, or not signed by {fingerprint} ({name})"
    )]
    ManifestSignature { fingerprint: String, name: String },
    #[error(
        "条目 {name} 与清单不符（内容被改动或损坏），请重新导出 / entry {name} does not match the manifest (altered or damaged): export it again"
    )]
    HashMismatch { name: String },
    #[error("条目 {name} 未列在清单中 / entry {name} is not listed in the manifest")]
    Unlisted { name: String },
    #[error("events.jsonl 第 {line} 行无法解析（{detail}） / events.jsonl line {line} cannot be parsed: {detail}")]
    EventMalformed { line: usize, detail: String },
    #[error(
        "events.jsonl 第 {line} 行的事件格式版本 {found} 高于本程序支持的 {known}，请升级评审台 / events.jsonl line {line} has event format version {found}, newer than this build's {known}: upgrade reviewdesk"
    )]
    EventNewerVersion { line: usize, found: u32, known: u32 },
    #[error(
        "events.jsonl 第 {line} 行的签名与其作者 {fingerprint} 不符（伪造或被改动），整个评审包被拒绝 / events.jsonl line {line} is not signed by its author {fingerprint} (forged or altered); the whole bundle is refused"
    )]
    EventSignature { line: usize, fingerprint: String },
    #[error(
        "清单声明 {declared} 条事件，实有 {found} 条 / the manifest declares {declared} events but the bundle holds {found}"
    )]
    CountMismatch { declared: usize, found: usize },
    #[error(
        "清单由未知密钥 {fingerprint}（{name}）签署：它既不是受信任的秘书处，也不在任何已知会议的专家组中 / the manifest is signed by an unknown key {fingerprint} ({name}): neither a trusted secretariat nor on any known meeting's panel"
    )]
    UnknownExporter { fingerprint: String, name: String },
    #[error(
        "会议 {meeting} 由未受信任的秘书处密钥 {fingerprint}（{name}）开启，已拒绝导入。请先通过电话或当面核对指纹，确认无误后运行：reviewdesk trust add {suite}:{key} --name {name} / meeting {meeting} was opened by an untrusted secretariat key {fingerprint} ({name}); import refused. Check the fingerprint by phone or in person, then run: reviewdesk trust add {suite}:{key} --name {name}"
    )]
    UntrustedSecretariat { meeting: String, fingerprint: String, name: String, suite: String, key: String },
    #[error(
        "评审包在读取期间被改动（两次读取内容不一致），未做任何修改 / the bundle changed while it was being read; nothing was changed"
    )]
    ChangedWhileReading,
    #[error(
        "这是加密评审包，收件人为 {intended}，本机的身份（{here}）都无法解开。请交给该收件人导入，或请导出方用你的公钥（reviewdesk key export）重新加密导出 / this bundle is encrypted for {intended}, and none of the identities here ({here}) can open it: give it to that person, or ask the sender to export again with --encrypt-to your public key (reviewdesk key export)"
    )]
    EncryptedForOther { intended: String, here: String },
    #[error(
        "{path} 不能用于加密：{why}。请对方用新版评审台运行 reviewdesk key export，把生成的 .pub 文件交给你 / {path} cannot be encrypted to ({why}): ask its owner to run reviewdesk key export with this version and give you the .pub file"
    )]
    NoEncryptionKey { path: String, why: String },
    #[error(
        "加密评审包已损坏或不完整（拷贝未完成，或被改动），请重新导出 / the encrypted bundle is damaged or cut short (copy unfinished, or altered): export it again"
    )]
    EncryptedDamaged,
    #[error(
        "这是加密评审包，须先用收件人的身份解密：请用 reviewdesk import 或评审台的同步界面导入 / this bundle is encrypted and must be opened with its recipient's identity: import it with reviewdesk import or the sync screen"
    )]
    Encrypted,
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
}

fn io(path: &std::path::Path) -> impl FnOnce(std::io::Error) -> BundleError + '_ {
    move |source| BundleError::Io { path: path.display().to_string(), source }
}

fn manifest_message(bytes: &[u8]) -> Vec<u8> {
    [MANIFEST_CONTEXT, bytes].concat()
}
