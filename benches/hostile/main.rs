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

/// Set in the child that builds the inputs: the folder to build them in.
const BUILD_IN: &str = "REVIEWDESK_HOSTILE_BUILD_IN";

fn main() {
    // The inputs are built in a child process, which prints the cases as JSON. On Linux a
    // child's peak memory, as wait4 reports it, starts from the peak of the process that
    // spawned it (exec keeps the old address space's high-water mark), so the process that
    // runs the cases must never have held the inputs.
    if let Some(dir) = std::env::var_os(BUILD_IN) {
        let dir = std::path::PathBuf::from(dir);
        let mut cases = intake::cases(&dir.join("intake"));
        cases.extend(bundle::cases(&dir.join("bundle")));
        let list: Vec<(String, Vec<String>)> = cases.into_iter().map(|c| (c.name, c.args)).collect();
        println!("{}", serde_json::to_string(&list).unwrap());
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let built = std::process::Command::new(std::env::current_exe().unwrap())
        .env(BUILD_IN, tmp.path())
        .stderr(std::process::Stdio::inherit())
        .output()
        .unwrap();
    assert!(built.status.success(), "building the hostile inputs failed");
    let list: Vec<(String, Vec<String>)> = serde_json::from_slice(&built.stdout).unwrap();
    let cases: Vec<Case> = list.into_iter().map(|(name, args)| Case { name, args }).collect();
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
