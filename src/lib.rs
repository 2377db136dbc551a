//! reviewdesk (评审台): expert review of government IT project applications on air-gapped machines.
//!
//! Layers, arrows pointing down: `cli` → `store` → `ledger` → `domain`; `assets` holds the rules as data.

pub mod assets;
pub mod bundle;
pub mod cli;
pub mod clock;
pub mod domain;
pub mod fault;
pub mod intake;
pub mod ledger;
pub mod media;
pub mod report;
pub mod store;
pub mod tui;
