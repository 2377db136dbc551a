//! Peak memory of `import`, `verify` and `intake` on hostile inputs: each must stay under
//! 200 MB, whatever it is fed, and refuse the input with a message rather than run out of memory.
//!
//! `cargo bench --bench hostile` builds every input in a temporary folder, runs the release
//! binary on it in a child process, and prints the child's own peak resident memory (wait4),
//! its exit status and the first line it printed on stderr.

mod bundle;
mod intake;

use std::path::Path;

/// The limit every hostile input must stay under.
const LIMIT_MB: f64 = 200.0;

/// One hostile input: what it is, and the command line that feeds it to the binary.
pub struct Case {
    pub name: String,
    pub args: Vec<String>,
}

/// What a child did: its exit code, its peak resident memory in MB and its first stderr line.
pub struct Outcome {
    pub code: i32,
    pub peak_mb: f64,
    pub stderr: String,
}

/// Runs the release binary with `args` at the pinned clock, and reports its own peak memory.
#[expect(clippy::zombie_processes, reason = "reaped by wait4, which also reports the peak memory")]
pub fn run(args: &[String]) -> Outcome {
    let err = tempfile::NamedTempFile::new().unwrap();
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_reviewdesk"))
        .args(args)
        .env("REVIEWDESK_NOW", "2026-12-08T09:00:00Z")
        .env("LANG", "C")
        .env_remove("REVIEWDESK_HOME")
        .env_remove("REVIEWDESK_AS")
        .stdout(std::process::Stdio::null())
        .stderr(err.reopen().unwrap())
        .spawn()
        .unwrap();
    let mut status = 0;
    let mut usage = std::mem::MaybeUninit::<libc::rusage>::zeroed();
    // SAFETY: waits for our own child and fills the rusage it is given.
    let pid = unsafe { libc::wait4(child.id() as libc::pid_t, &mut status, 0, usage.as_mut_ptr()) };
    assert!(pid > 0, "wait4 failed");
    // SAFETY: filled by wait4 above.
    let usage = unsafe { usage.assume_init() };
    let code = if libc::WIFEXITED(status) { libc::WEXITSTATUS(status) } else { -libc::WTERMSIG(status) };
    let stderr = std::fs::read_to_string(err.path()).unwrap_or_default();
    let first = stderr.lines().next().unwrap_or("").chars().take(160).collect();
    Outcome { code, peak_mb: usage.ru_maxrss as f64 / 1024.0, stderr: first }
}

/// Runs a setup step that must succeed.
pub fn run_ok(args: &[&str]) {
    let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    let out = run(&args);
    assert_eq!(out.code, 0, "setup step {args:?} failed: {}", out.stderr);
}

fn main() {
    let tmp = tempfile::tempdir().unwrap();
    let mut cases = intake::cases(&tmp.path().join("intake"));
    cases.extend(bundle::cases(&tmp.path().join("bundle")));
    let mut over = Vec::new();
    println!("{:<58} {:>9} {:>5}  first line of stderr", "hostile input", "peak MB", "exit");
    for case in &cases {
        let out = run(&case.args);
        println!("{:<58} {:>9.1} {:>5}  {}", case.name, out.peak_mb, out.code, out.stderr);
        if out.peak_mb >= LIMIT_MB || out.code < 0 {
            over.push(case.name.clone());
        }
    }
    if !over.is_empty() {
        eprintln!("over {LIMIT_MB} MB, or killed by a signal: {over:?}");
        std::process::exit(1);
    }
    println!("all {} hostile inputs stayed under {LIMIT_MB} MB", cases.len());
}

/// A path as an argument.
pub fn arg(p: &Path) -> String {
    p.to_str().unwrap().to_string()
}
