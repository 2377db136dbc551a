//! The integration tests, as one binary: each module was a test binary of its own, and linking
//! twenty copies of the crate and its dependencies took most of a fresh clone's test time.
//! `cargo test --test it MODULE::` runs one module; `cargo test --test it NAME` one test.
//!
//! One binary means one process: nothing here may change the process for the others (a
//! resource limit, the working folder, the environment). `tests/arbitrary_bytes.rs` stays a
//! binary of its own for that reason: it caps its own address space (RLIMIT_AS) around the
//! library code it feeds, which would starve Chromium and the other children spawned here.

#[path = "../common/mod.rs"]
mod common;
#[path = "../merge_history/mod.rs"]
mod merge_history;

mod attacks;
mod bundle_bad;
mod bundle_hostile;
mod bundle_merge;
mod cli_bad_input;
mod cli_exchange;
mod cli_meeting;
mod cli_profiles;
mod conflict_withdrawal;
mod crash_safety;
mod demo;
mod doctor;
mod e2e_tmux;
mod encrypted_bundles;
mod intake_hostile;
mod key_rotation;
mod national_suite;
mod no_network;
mod numbers;
mod protected_keys;
mod rectification;
mod report;
mod score_review;
mod tui_screens;
mod verifier;
