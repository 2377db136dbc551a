//! The bundle file (`*.rdbundle`): a plain tar of `manifest.json`, `manifest.sig`,
//! `events.jsonl` and `blobs/<sha256>`, written atomically and read with limits, never extracted.

pub mod encrypted;
mod read;
mod write;

pub use read::{AuthorSummary, BundleSummary, MeetingInBundle, import, import_file, inspect, inspect_file};
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
pub const MAX_BLOBS: usize = 50_000;

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
    /// At most one per event: a longer list is refused while it is parsed, before it is held.
    #[serde(deserialize_with = "bounded::meetings")]
    pub meetings: Vec<String>,
    #[serde(deserialize_with = "bounded::authors")]
    pub authors: Vec<AuthorRange>,
    /// The event log and at most `MAX_BLOBS` documents.
    #[serde(deserialize_with = "bounded::entries")]
    pub entries: Vec<EntryDigest>,
}

/// Lists in a manifest, refused as soon as they grow past what any bundle can hold, so that a
/// manifest of a few MB cannot take hundreds of MB once parsed.
mod bounded {
    use serde::de::{Deserialize, Deserializer, Error, SeqAccess, Visitor};
    use std::marker::PhantomData;

    struct AtMost<T> {
        max: usize,
        what: &'static str,
        item: PhantomData<T>,
    }

    impl<'de, T: Deserialize<'de>> Visitor<'de> for AtMost<T> {
        type Value = Vec<T>;

        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            write!(f, "a list of at most {} {}", self.max, self.what)
        }

        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<T>, A::Error> {
            let mut out = Vec::new();
            while let Some(item) = seq.next_element()? {
                if out.len() == self.max {
                    return Err(A::Error::custom(format_args!("more than {} {}", self.max, self.what)));
                }
                out.push(item);
            }
            Ok(out)
        }
    }

    fn at_most<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
        d: D,
        max: usize,
        what: &'static str,
    ) -> Result<Vec<T>, D::Error> {
        d.deserialize_seq(AtMost { max, what, item: PhantomData })
    }

    pub fn meetings<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
        at_most(d, super::MAX_EVENTS, "meetings")
    }

    pub fn authors<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<super::AuthorRange>, D::Error> {
        at_most(d, super::MAX_EVENTS, "authors")
    }

    pub fn entries<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<super::EntryDigest>, D::Error> {
        at_most(d, super::MAX_BLOBS + 1, "entries")
    }
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
    #[error(
        "评审包条目“{name}”是{kind}，只允许普通文件：这不是评审台写出的评审包，请对方用评审台重新导出 / entry “{name}” is a {kind_en}; only plain files are allowed: this is not a bundle reviewdesk wrote, so ask the sender to export it again with reviewdesk"
    )]
    ForbiddenType { name: String, kind: &'static str, kind_en: &'static str },
    #[error("评审包条目“{name}”出现两次 / entry “{name}” appears twice")]
    DuplicateEntry { name: String },
    #[error(
        "评审包顺序不对：第一个条目应为 manifest.json，第二个为 manifest.sig（实际为“{found}”） / entries out of order: manifest.json must come first and manifest.sig second (found “{found}”)"
    )]
    Order { found: String },
    #[error(
        "评审包顺序不对：events.jsonl 必须排在所有附件之前（先出现了“{found}”），请对方用评审台重新导出 / entries out of order: events.jsonl must come before every document (found “{found}” first): ask the sender to export it again with reviewdesk"
    )]
    BlobBeforeEvents { found: String },
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
        "清单签名无效：导出后被改动，或并非 {fingerprint}（自称“{name}”）所签，请重新导出 / the manifest signature does not verify: altered after export, or not signed by {fingerprint} (claims “{name}”): export it again"
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
        "清单由未知密钥 {fingerprint}（自称“{name}”）签署：它既不是受信任的秘书处，也不在任何已知会议的专家组中 / the manifest is signed by an unknown key {fingerprint} (claims “{name}”): neither a trusted secretariat nor on any known meeting's panel"
    )]
    UnknownExporter { fingerprint: String, name: String },
    #[error(
        "导出者密钥 {fingerprint}（自称“{name}”）已被吊销，本机不接受它导出的评审包。其中的事件各自带有签名，请另一位专家组成员或秘书处导出后再导入 / the exporter's key {fingerprint} (claims “{name}”) has been revoked, so bundles it exports are refused here. Its events carry their own signatures: ask another panel member or the secretariat to export them, then import that bundle"
    )]
    ExporterRevoked { fingerprint: String, name: String },
    #[error(
        "评审包自身吊销了导出者的密钥 {fingerprint}（自称“{name}”），导入时会被拒绝。请另一位专家组成员或秘书处导出后再导入 / the bundle itself revokes its exporter's key {fingerprint} (claims “{name}”), so importing it will be refused: ask another panel member or the secretariat to export these events, then import that bundle"
    )]
    ExporterRevokedInBundle { fingerprint: String, name: String },
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
    move |source| BundleError::Io { path: shown(&path.display().to_string()), source }
}

/// The most characters of one piece of bundle text an error message or a line of output shows.
const SHOWN_CHARS: usize = 200;

/// Text from a bundle (or its file name) as it may be shown: cut to `SHOWN_CHARS` characters
/// and with every character that could steer a terminal escaped (see
/// [`crate::domain::text::printable`]).
pub fn shown(text: &str) -> String {
    let mut chars = text.char_indices();
    match chars.nth(SHOWN_CHARS) {
        None => crate::domain::text::printable(text).into_owned(),
        Some((cut, _)) => format!("{}…", crate::domain::text::printable(&text[..cut])),
    }
}

/// The fingerprint of a member's key, or the hex key itself (shown) if it does not decode.
fn fingerprint_of(m: &Member) -> String {
    match hex::decode(&m.key) {
        Ok(k) => crate::ledger::fingerprint(m.suite, &k),
        Err(_) => shown(&m.key),
    }
}

fn manifest_message(bytes: &[u8]) -> Vec<u8> {
    [MANIFEST_CONTEXT, bytes].concat()
}
