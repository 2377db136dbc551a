//! Hostile intake inputs for the memory bench.

use super::Case;
use std::path::Path;

/// Builds every hostile intake input under `work` and returns the commands that feed them.
pub fn cases(work: &Path) -> Vec<Case> {
    std::fs::create_dir_all(work).unwrap();
    Vec::new()
}
