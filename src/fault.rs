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
//!   does what it wants done at exactly that moment, then opens and closes `go`;
//! - `NAME@N=pause:DIR` does the same the `N`th time.
//!
//! Several rules may name one moment (each with its own `N`, and a pause its own `DIR`), so one
//! run can stop at the 1st, the 900th and the last event and then abort at another moment.
//! Each abort and pause says so on stderr first (`REVIEWDESK_FAULT: aborting at NAME #N`,
//! `REVIEWDESK_FAULT: pausing at NAME #N`), so that a test can tell a fault that fired from one
//! that never came.

/// After each event an import has applied inside its write transaction.
pub const IMPORT_APPLIED: &str = "import.applied";
/// After an import's first pass (manifest, signature, hashes) and before it takes the write lock.
pub const IMPORT_BETWEEN_PASSES: &str = "import.between-passes";
/// After each entry written to an export's temporary file.
pub const EXPORT_WRITING: &str = "export.writing";
/// After the plain header, then after each 64 KiB of ciphertext, written to an encrypted
/// export's temporary file on the stick.
pub const EXPORT_ENCRYPTING: &str = "export.encrypting";
/// When an export's temporary file is complete and fsynced, just before it is renamed into place.
pub const EXPORT_BEFORE_RENAME: &str = "export.before-rename";

/// On the second connection, before it reads its part of a read split over two cores.
pub const TWO_CORES_THEIRS: &str = "two-cores.theirs";
/// On the first connection, once it has read its part of a read split over two cores.
pub const TWO_CORES_MINE_READ: &str = "two-cores.mine-read";

/// From how many applications a read is split over two cores. A debug build takes
/// `REVIEWDESK_TWO_CORES_FROM`, so that a test can drive the split on a small meeting.
pub fn two_cores_from(default: i64) -> i64 {
    #[cfg(debug_assertions)]
    if let Some(n) = std::env::var("REVIEWDESK_TWO_CORES_FROM").ok().and_then(|v| v.parse().ok()) {
        return n;
    }
    default
}

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

    #[derive(Debug, PartialEq)]
    enum Action {
        Abort,
        Pause(PathBuf),
    }

    #[derive(Debug, PartialEq)]
    struct Rule {
        name: String,
        /// The time the moment comes at which the rule acts (1 for the first).
        at: u64,
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
            .map(|s| {
                // The folder comes last and may hold any character but a comma.
                let (moment, action) = match s.split_once("=pause:") {
                    Some((moment, dir)) => (moment, Action::Pause(dir.into())),
                    None => (s, Action::Abort),
                };
                let (name, at) = match moment.split_once('@') {
                    Some((name, n)) => (name, n.parse().unwrap_or(1).max(1)),
                    None => (moment, 1),
                };
                Rule { name: name.into(), at, action }
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
        for rule in rules.iter().filter(|r| r.name == name && r.at == n) {
            match &rule.action {
                Action::Abort => {
                    eprintln!("REVIEWDESK_FAULT: aborting at {name} #{n}");
                    std::process::abort();
                }
                Action::Pause(dir) => {
                    eprintln!("REVIEWDESK_FAULT: pausing at {name} #{n}");
                    pause(dir);
                }
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

    #[cfg(test)]
    mod tests {
        use super::*;

        fn rule(name: &str, at: u64, action: Action) -> Rule {
            Rule { name: name.into(), at, action }
        }

        #[test]
        fn every_form_of_rule_parses() {
            assert_eq!(
                parse("import.applied, export.writing@3 ,import.applied@900=pause:/tmp/a@b,x=pause:/tmp/c,,"),
                vec![
                    rule("import.applied", 1, Action::Abort),
                    rule("export.writing", 3, Action::Abort),
                    rule("import.applied", 900, Action::Pause("/tmp/a@b".into())),
                    rule("x", 1, Action::Pause("/tmp/c".into())),
                ]
            );
        }

        #[test]
        fn a_count_below_one_or_not_a_number_means_the_first_time() {
            assert_eq!(parse("a@0,b@x"), vec![rule("a", 1, Action::Abort), rule("b", 1, Action::Abort)]);
        }
    }
}
