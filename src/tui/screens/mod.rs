//! One file per screen: its state, its update, its render and its key hints.

pub mod decision;
pub mod detail;
pub mod queue;
pub mod scoring;
pub mod sync;
