//! What the events of a meeting's proceedings say (会议程序): sign-in, countersignatures,
//! clarifications, named votes and the sealed close. The bodies themselves are in
//! [`super::Body`]; the rules over them in [`super::authz`].

use serde::{Deserialize, Serialize};

pub use crate::domain::proceedings::{Choice, Missing, Stance};

/// The head of one key's chain as the close saw it: events of that key for the meeting up to
/// `seq` are covered by the close; later ones arrive late.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Head {
    pub key: String,
    pub seq: u64,
    /// The event id at `seq`, so a reader can tell whether it holds the very chain the close saw.
    pub event: String,
}

/// An application's standing decision as the close pinned it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Pinned {
    pub code: String,
    pub decision: String,
}

/// How a substitute was drawn: the meeting's seed and pool, and the category, continued past
/// everyone already seated.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContinuedDraw {
    pub seed: u64,
    pub pool_sha256: String,
    pub category: String,
}

/// The most heads or decisions one close names.
pub const MAX_PINNED: usize = 100_000;

/// The longest question, answer, pledge or reason in characters: enough for a page of text.
pub const MAX_TEXT_CHARS: usize = 4_000;
