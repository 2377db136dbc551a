//! Fault injection for the crash tests: named moments at which a test build can be told to die
//! (as a power cut or `kill -9` would), or to stop and wait for the test, so that kill points
//! and races are driven deterministically rather than by the clock.
//!
//! Compiled only into debug builds, the ones `cargo test` drives. In a release build every call
//! is empty and the environment variable is ignored.
//!
//! `REVIEWDESK_FAULT` holds comma-separated rules:
//! - `NAME` aborts the process the first time the moment `NAME` is reached;
//! - `NAME@N` aborts the `N`th time;
//! - `NAME=pause:DIR` the first time, writes one byte to the FIFO `DIR/reached`, then reads the
//!   FIFO `DIR/go` to its end: the test opens `reached` (which blocks until the moment comes),
//!   does what it wants done at exactly that moment, then opens and closes `go`.

/// After each event an import has applied inside its write transaction.
pub const IMPORT_APPLIED: &str = "import.applied";
/// After an import's first pass (manifest, signature, hashes) and before it takes the write lock.
pub const IMPORT_BETWEEN_PASSES: &str = "import.between-passes";
/// After each entry written to an export's temporary file.
pub const EXPORT_WRITING: &str = "export.writing";
/// When an export's temporary file is complete and fsynced, just before it is renamed into place.
pub const EXPORT_BEFORE_RENAME: &str = "export.before-rename";

/// How long a writer waits for another process's lock. A debug build takes
/// `REVIEWDESK_BUSY_TIMEOUT_MS`, so that a test of a busy store need not wait the full time.
pub fn busy_timeout(default: std::time::Duration) -> std::time::Duration {
    #[cfg(debug_assertions)]
    if let Some(ms) = std::env::var("REVIEWDESK_BUSY_TIMEOUT_MS").ok().and_then(|v| v.parse().ok()) {
        return std::time::Duration::from_millis(ms);
    }
    default
}

/// The moment `name` has come.
#[cfg(debug_assertions)]
pub fn reached(name: &str) {
    hooks::reached(name);
}

/// The moment `name` has come (release builds: nothing happens).
#[cfg(not(debug_assertions))]
#[inline(always)]
pub fn reached(_name: &str) {}

#[cfg(debug_assertions)]
mod hooks {
    use std::collections::HashMap;
    use std::io::{Read, Write};
    use std::path::PathBuf;
    use std::sync::{Mutex, OnceLock};

    enum Action {
        AbortAt(u64),
        Pause(PathBuf),
    }

    struct Rule {
        name: String,
        action: Action,
    }

    fn rules() -> &'static [Rule] {
        static RULES: OnceLock<Vec<Rule>> = OnceLock::new();
        RULES.get_or_init(|| std::env::var("REVIEWDESK_FAULT").map(|v| parse(&v)).unwrap_or_default())
    }

    fn parse(spec: &str) -> Vec<Rule> {
        spec.split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| match (s.split_once("=pause:"), s.split_once('@')) {
                (Some((name, dir)), _) => Rule { name: name.into(), action: Action::Pause(dir.into()) },
                (None, Some((name, n))) => {
                    Rule { name: name.into(), action: Action::AbortAt(n.parse().unwrap_or(1).max(1)) }
                }
                (None, None) => Rule { name: s.into(), action: Action::AbortAt(1) },
            })
            .collect()
    }

    pub(super) fn reached(name: &str) {
        let rules = rules();
        if !rules.iter().any(|r| r.name == name) {
            return;
        }
        static COUNTS: Mutex<Option<HashMap<String, u64>>> = Mutex::new(None);
        let n = {
            let mut counts = COUNTS.lock().unwrap_or_else(|e| e.into_inner());
            let c = counts.get_or_insert_with(HashMap::new).entry(name.to_string()).or_insert(0);
            *c += 1;
            *c
        };
        for rule in rules.iter().filter(|r| r.name == name) {
            match &rule.action {
                Action::AbortAt(at) if *at == n => {
                    eprintln!("REVIEWDESK_FAULT: aborting at {name} #{n}");
                    std::process::abort();
                }
                Action::Pause(dir) if n == 1 => pause(dir),
                _ => {}
            }
        }
    }

    /// Tells the test the moment has come, then waits until it says go. FIFOs block until the
    /// other side opens them, so neither side sleeps or polls.
    fn pause(dir: &std::path::Path) {
        if let Ok(mut reached) = std::fs::OpenOptions::new().write(true).open(dir.join("reached")) {
            let _ = reached.write_all(b"!");
        }
        if let Ok(mut go) = std::fs::File::open(dir.join("go")) {
            let _ = go.read_to_end(&mut Vec::new());
        }
    }
}
