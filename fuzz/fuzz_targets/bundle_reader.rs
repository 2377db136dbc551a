//! The bundle reader on arbitrary bytes: `bundle::inspect` takes a path, so each input is
//! written to one temporary file per process (overwritten every iteration) and inspected.
//! Errors are expected; a panic, abort, hang or runaway allocation is a finding.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::path::PathBuf;
use std::sync::OnceLock;

fn scratch() -> &'static PathBuf {
    static PATH: OnceLock<PathBuf> = OnceLock::new();
    PATH.get_or_init(|| std::env::temp_dir().join(format!("reviewdesk-fuzz-{}.rdbundle", std::process::id())))
}

fuzz_target!(|data: &[u8]| {
    let path = scratch();
    std::fs::write(path, data).expect("write the fuzz input to the temporary file");
    let _ = reviewdesk::bundle::inspect(path);
});
