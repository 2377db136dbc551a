//! Identities and keys, signature suites, events (encode, sign, verify), and who may sign what.

pub mod authz;
pub mod encryption;
pub mod event;
pub mod gm;
pub mod identity;
pub mod proceedings;
pub mod sealed;
pub mod suite;

pub use authz::{
    ApplicationVersion, Authority, DeclarationVersion, Disposition, MAX_CLEARED, MeetingVersion, Named, Refusal,
    SheetVersion, Signed, authorize, local_guard,
};
pub use encryption::{Cipher, EncryptionKey, Recipient};
pub use event::{Basis, Body, Envelope, MeetingOpened, Member, PanelMember, Role, SignedEvent};
pub use identity::{Identity, IdentityError, KeyEntry, Keyring, PublicKey};
pub use suite::{Suite, fingerprint};
