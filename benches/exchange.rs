//! Bundle exchange at meeting scale: a generated meeting of 2,000 applications and 15 experts
//! (about 94,000 events), exported, verified and imported, each beside its yardstick measured in
//! the same run: one core's Ed25519 verification of the same signatures (single and batch), one
//! core's SHA-256 over the same bytes, and SQLite's own shell importing the same rows as CSV.
//! Import's peak memory is also taken at four times the size, to show whether it stays flat.
//!
//! `cargo bench --bench exchange` prints medians of `REVIEWDESK_BENCH_RUNS` runs (default 3).
//! `REVIEWDESK_BENCH_SCALE=0` skips the four-times meeting.

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
    // The same at four times the size: import's memory must not grow with the bundle.
    let scale: usize = std::env::var("REVIEWDESK_BENCH_SCALE").ok().and_then(|s| s.parse().ok()).unwrap_or(4);
    let (mut big_events, mut big_bytes, mut big_peak) = (0, 0, 0.0);
    if scale > 0 {
        let big = tmp.path().join("big");
        let big_home = Home { dir: big.clone() };
        let apps = (size.applications * scale).to_string();
        let h = big.to_str().unwrap();
        run_binary(&["--home", h, "generate", "--applications", &apps, "--experts", "15", "--revisions", "3"]);
        let big_bundle = tmp.path().join("big.rdbundle");
        run_binary(&["--home", h, "--as", generate::SECRETARIAT, "export", "--out", big_bundle.to_str().unwrap()]);
        big_events = Store::open(&big_home.db()).unwrap().event_counts().unwrap().values().sum::<usize>();
        big_bytes = std::fs::metadata(&big_bundle).unwrap().len();
        let recv = receiver(&tmp.path().join("recv-big"), &big_home);
        big_peak = run_binary(&["--home", recv.dir.to_str().unwrap(), "import", big_bundle.to_str().unwrap()]);
        let _ = std::fs::remove_dir_all(&big);
        let _ = std::fs::remove_dir_all(&recv.dir);
        let _ = std::fs::remove_file(&big_bundle);
    }

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
    // The export's floor: the events read out of SQLite once, in export order, and nothing
    // else (an export reads them twice: the manifest holding the log's hash comes first).
    let read_rates: Vec<f64> = (0..runs)
        .map(|_| {
            let t = Instant::now();
            let mut read = 0u64;
            store
                .for_each_event(&Default::default(), |ev| {
                    read += (ev.bytes.len() + ev.signature.len()) as u64;
                    std::hint::black_box(ev);
                    Ok::<(), reviewdesk::store::StoreError>(())
                })
                .unwrap();
            assert!(read > 0);
            events as f64 / t.elapsed().as_secs_f64()
        })
        .collect();

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

    // The batch yardstick: the same signatures through ed25519-dalek's batch verification, in
    // batches of the size import uses, on this one thread.
    let batch_rates: Vec<f64> = (0..runs)
        .map(|_| {
            let t = Instant::now();
            for chunk in prepared.chunks(BATCH) {
                let messages: Vec<&[u8]> = chunk.iter().map(|(_, m, _)| m.as_slice()).collect();
                let sigs: Vec<ed25519_dalek::Signature> = chunk.iter().map(|(_, _, s)| *s).collect();
                let keys: Vec<ed25519_dalek::VerifyingKey> = chunk.iter().map(|(k, _, _)| *k).collect();
                ed25519_dalek::verify_batch(&messages, &sigs, &keys).unwrap();
            }
            prepared.len() as f64 / t.elapsed().as_secs_f64()
        })
        .collect();
    // The hashing yardstick: one core's SHA-256 over the bundle's bytes, from memory.
    let bundle_bytes = std::fs::read(&bundle_path).unwrap();
    let sha_rates: Vec<f64> = (0..runs)
        .map(|_| {
            let t = Instant::now();
            std::hint::black_box(<sha2::Sha256 as sha2::Digest>::digest(&bundle_bytes));
            bundle_bytes.len() as f64 / t.elapsed().as_secs_f64()
        })
        .collect();
    drop(bundle_bytes);
    let store_bytes = std::fs::metadata(source.db()).unwrap().len();
    let shell = sqlite_shell_import(&source.db(), tmp.path(), runs);

    let read = median(read_rates) * bytes as f64 / events as f64;
    let (export, verify, import, single, batch, sha) = (
        median(export_rates),
        median(verify_rates),
        median(import_rates),
        median(single_rates),
        median(batch_rates),
        median(sha_rates),
    );
    let export_bytes = export * bytes as f64 / events as f64;
    println!("bundle: {:.1} MB, {events} events; medians of {runs} runs", bytes as f64 / 1e6);
    println!("export                          {export:>10.0} events/s  {:>6.3} GB/s", export_bytes / 1e9);
    println!(
        "  SHA-256, one core, same bytes                         {:>6.3} GB/s   export / this = {:.2} (target ≥ 0.5)",
        sha / 1e9,
        export_bytes / sha
    );
    println!(
        "  the events read out of SQLite once, nothing else     {:>6.3} GB/s   this / SHA-256 = {:.2}",
        read / 1e9,
        read / sha
    );
    println!("verify (reviewdesk verify)      {verify:>10.0} events/s");
    println!("import (verify + apply)         {import:>10.0} events/s");
    println!("  Ed25519, one core, single     {single:>10.0} events/s   import / this = {:.2}", import / single);
    println!(
        "  Ed25519, one core, batch      {batch:>10.0} events/s   import / this = {:.2} (target ≥ 1.0)",
        import / batch
    );
    match shell {
        Some((rows, rate)) => println!(
            "  sqlite3 .import, same {rows} rows as CSV {rate:>8.0} rows/s     import / this = {:.2}",
            import / rate
        ),
        None => println!("  sqlite3 .import: no sqlite3 shell on this machine (Debian: apt-get install sqlite3)"),
    }
    println!("store: {:.0} bytes per event ({:.1} MB)", store_bytes as f64 / events as f64, store_bytes as f64 / 1e6);
    println!("peak memory: `reviewdesk import` {peak:.0} MB (target < 64 MB), `reviewdesk verify` {verify_peak:.0} MB");
    if scale > 0 {
        println!(
            "peak memory of `reviewdesk import` at {scale}x ({big_events} events, {:.0} MB bundle): {big_peak:.0} MB ({:.2}x the 1x peak; flat is 1.0)",
            big_bytes as f64 / 1e6,
            big_peak / peak
        );
    }
}

/// Events per batch, as import's verification thread gathers them (`bundle::read::CHUNK`).
const BATCH: usize = 4096;

/// SQLite's own shell importing the store's events table as CSV into a fresh database: the cost
/// of storing the same rows with no parsing, checking or cryptography. Returns (rows, rows/s),
/// or None without a `sqlite3` shell.
fn sqlite_shell_import(db: &Path, dir: &Path, runs: usize) -> Option<(usize, f64)> {
    std::process::Command::new("sqlite3").arg("-version").output().ok().filter(|o| o.status.success())?;
    let csv = dir.join("events.csv");
    let conn = rusqlite::Connection::open(db).unwrap();
    let mut st = conn.prepare("SELECT * FROM events").unwrap();
    let columns = st.column_count();
    let mut writer = csv::Writer::from_path(&csv).unwrap();
    let mut rows = st.query([]).unwrap();
    let mut n = 0;
    while let Some(row) = rows.next().unwrap() {
        let fields: Vec<String> = (0..columns)
            .map(|i| match row.get_ref(i).unwrap() {
                rusqlite::types::ValueRef::Null => String::new(),
                rusqlite::types::ValueRef::Integer(v) => v.to_string(),
                rusqlite::types::ValueRef::Real(v) => v.to_string(),
                rusqlite::types::ValueRef::Text(t) => String::from_utf8_lossy(t).into_owned(),
                rusqlite::types::ValueRef::Blob(b) => hex::encode(b),
            })
            .collect();
        writer.write_record(&fields).unwrap();
        n += 1;
    }
    writer.flush().unwrap();
    let rates: Vec<f64> = (0..runs)
        .map(|i| {
            let target = dir.join(format!("shell{i}.db"));
            let t = Instant::now();
            let out = std::process::Command::new("sqlite3")
                .arg(&target)
                .arg(format!(".import --csv {} events", csv.display()))
                .output()
                .unwrap();
            assert!(out.status.success(), "sqlite3 .import: {}", String::from_utf8_lossy(&out.stderr));
            n as f64 / t.elapsed().as_secs_f64()
        })
        .collect();
    Some((n, median(rates)))
}
