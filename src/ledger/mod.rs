//! Identities and keys, signature suites, events (encode, sign, verify), and who may sign what.

pub mod authz;
pub mod event;
pub mod identity;
pub mod sealed;
pub mod suite;

pub use authz::{Authority, Disposition, MeetingFacts, Refusal, authorize, local_guard};
pub use event::{Body, Envelope, MeetingOpened, Member, PanelMember, Role, SignedEvent};
pub use identity::{Identity, IdentityError, KeyEntry, Keyring, PublicKey};
pub use suite::{Suite, fingerprint};
