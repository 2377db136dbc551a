//! Bundle exchange at meeting scale: a generated meeting of 2,000 applications and 15 experts
//! (about 94,000 events), exported, verified and imported, with the single-core Ed25519
//! verification rate measured in the same run as the yardstick.
//!
//! `cargo bench --bench exchange` prints medians of `REVIEWDESK_BENCH_RUNS` runs (default 3).

use reviewdesk::bundle::{self, ExportFilter};
use reviewdesk::cli::Home;
use reviewdesk::cli::generate::{self, Size};
use reviewdesk::ledger::SignedEvent;
use reviewdesk::store::Store;
use std::io::BufRead;
use std::path::Path;
use std::time::Instant;

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn now() -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::parse_from_rfc3339("2026-12-08T09:00:00Z").unwrap().with_timezone(&chrono::Utc)
}

/// Reads the events of a bundle's log back (untimed), for the verification yardstick.
fn events_of(bundle_path: &Path) -> Vec<SignedEvent> {
    let mut archive = tar::Archive::new(std::fs::File::open(bundle_path).unwrap());
    let mut out = Vec::new();
    for entry in archive.entries().unwrap() {
        let entry = entry.unwrap();
        if entry.path().unwrap().to_str() == Some("events.jsonl") {
            for line in std::io::BufReader::new(entry).lines() {
                let (bytes, sig) = SignedEvent::split_line(&line.unwrap()).unwrap();
                out.push(SignedEvent::parse_unverified(bytes, sig).unwrap());
            }
        }
    }
    out
}

/// A store that trusts the generated meeting's secretariat.
fn receiver(dir: &Path, source: &Home) -> Home {
    let home = Home { dir: dir.to_path_buf() };
    let mut store = home.create().unwrap();
    let sec = source.keyring().load(generate::SECRETARIAT).unwrap();
    store.trust_add(&sec.public(), "2026-12-01").unwrap();
    home
}

/// Runs the binary and returns its own peak resident memory in MB (wait4 on that one child).
#[expect(clippy::zombie_processes, reason = "reaped by wait4, which also reports the peak memory")]
fn run_binary(args: &[&str]) -> f64 {
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_reviewdesk"))
        .args(args)
        .env("REVIEWDESK_NOW", "2026-12-08T09:00:00Z")
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut status = 0;
    let mut usage = std::mem::MaybeUninit::<libc::rusage>::zeroed();
    // SAFETY: waits for our own child and fills the rusage it is given.
    let pid = unsafe { libc::wait4(child.id() as libc::pid_t, &mut status, 0, usage.as_mut_ptr()) };
    assert!(pid > 0 && libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0, "reviewdesk {args:?} failed");
    // SAFETY: filled by wait4 above.
    let usage = unsafe { usage.assume_init() };
    usage.ru_maxrss as f64 / 1024.0
}

fn main() {
    let runs: usize = std::env::var("REVIEWDESK_BENCH_RUNS").ok().and_then(|s| s.parse().ok()).unwrap_or(3);
    let tmp = tempfile::tempdir().unwrap();
    let source = Home { dir: tmp.path().join("source") };
    let size = Size { applications: 2000, experts: 15, revisions: 3 };
    let bundle_path = tmp.path().join("meeting.rdbundle");
    // Generate, export and take the memory figure in child processes first, while this process
    // is still small: a child forked from a large parent would report the parent's pages.
    let started = Instant::now();
    let home = source.dir.to_str().unwrap();
    run_binary(&["--home", home, "generate", "--applications", "2000", "--experts", "15", "--revisions", "3"]);
    println!(
        "generated {} applications, {} experts in {:.1} s",
        size.applications,
        size.experts,
        started.elapsed().as_secs_f64()
    );
    run_binary(&["--home", home, "--as", generate::SECRETARIAT, "export", "--out", bundle_path.to_str().unwrap()]);
    let peak = run_binary(&[
        "--home",
        receiver(&tmp.path().join("recv-child"), &source).dir.to_str().unwrap(),
        "import",
        bundle_path.to_str().unwrap(),
    ]);
    let verify_peak = run_binary(&["verify", bundle_path.to_str().unwrap()]);

    let store = Store::open(&source.db()).unwrap();
    let sec = source.keyring().load(generate::SECRETARIAT).unwrap();
    let events = store.event_counts().unwrap().values().sum::<usize>();
    let export_rates: Vec<f64> = (0..runs)
        .map(|_| {
            let t = Instant::now();
            let r = bundle::export(&store, &sec, &ExportFilter::default(), &bundle_path, now()).unwrap();
            r.events as f64 / t.elapsed().as_secs_f64()
        })
        .collect();
    let bytes = std::fs::metadata(&bundle_path).unwrap().len();

    let verify_rates: Vec<f64> = (0..runs)
        .map(|_| {
            let t = Instant::now();
            bundle::inspect(&bundle_path).unwrap();
            events as f64 / t.elapsed().as_secs_f64()
        })
        .collect();

    let import_rates: Vec<f64> = (0..runs)
        .map(|i| {
            let home = receiver(&tmp.path().join(format!("recv{i}")), &source);
            let mut store = Store::open(&home.db()).unwrap();
            let t = Instant::now();
            let (_, report) = bundle::import(&mut store, &bundle_path, now(), false, &mut |_, _| {}).unwrap();
            assert_eq!(report.new, events);
            events as f64 / t.elapsed().as_secs_f64()
        })
        .collect();

    // The yardstick: plain single-core Ed25519 verification of the same signatures (keys and
    // signed messages prepared beforehand, so only the curve arithmetic is timed).
    let prepared: Vec<(ed25519_dalek::VerifyingKey, Vec<u8>, ed25519_dalek::Signature)> = events_of(&bundle_path)
        .iter()
        .map(|e| {
            let key: [u8; 32] = hex::decode(&e.envelope.author).unwrap().try_into().unwrap();
            let message = [b"reviewdesk event v1\n".as_slice(), &e.bytes].concat();
            (
                ed25519_dalek::VerifyingKey::from_bytes(&key).unwrap(),
                message,
                ed25519_dalek::Signature::from_slice(&e.signature).unwrap(),
            )
        })
        .collect();
    let single_rates: Vec<f64> = (0..runs)
        .map(|_| {
            let t = Instant::now();
            for (key, message, sig) in &prepared {
                ed25519_dalek::Verifier::verify(key, message, sig).unwrap();
            }
            prepared.len() as f64 / t.elapsed().as_secs_f64()
        })
        .collect();

    let (export, verify, import, single) =
        (median(export_rates), median(verify_rates), median(import_rates), median(single_rates));
    println!("bundle: {:.1} MB, {events} events; medians of {runs} runs", bytes as f64 / 1e6);
    println!("export                         {export:>10.0} events/s   (target 100,000: {:.2}x)", export / 100_000.0);
    println!("verify (reviewdesk verify)     {verify:>10.0} events/s");
    println!("import (verify + apply)        {import:>10.0} events/s   (target 30,000: {:.2}x)", import / 30_000.0);
    println!(
        "single-core Ed25519 verify     {single:>10.0} events/s   (import / this = {:.2}, target 0.4)",
        import / single
    );
    println!(
        "peak memory: `reviewdesk import` {peak:.0} MB, `reviewdesk verify` {verify_peak:.0} MB (target < 200 MB)"
    );
}
