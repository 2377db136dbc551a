//! Arbitrary bytes, and mutated real inputs, fed to the entry points that read untrusted files:
//! the bundle reader (`bundle::inspect`, and `bundle::encrypted::decrypt` before it for encrypted
//! bundles) and intake (`intake::read_csv`, `intake::read_xlsx`).
//! Each may answer Ok or Err; a panic fails the test. The real inputs are the seed files of the
//! fuzz corpora (`fuzz/corpus/*/seed-*`); the long runs are the cargo-fuzz targets in `fuzz/`.
//!
//! calamine 0.38 panics, or allocates without bound, on malformed legacy XLS (CFB) workbooks
//! (`fuzz/crashes-found/README.md`). Intake now refuses CFB content by its signature before calamine
//! sees it, and catches a panic from calamine as a backstop. `intake_survives_mutated_xls` and
//! `crashes_found_no_longer_crash` check that, under a memory cap in case a runaway allocation
//! comes back. The cap is process-wide, so this file is a test binary of its own, apart from
//! `tests/it`, whose tests spawn Chromium and others that need their address space.

use proptest::prelude::*;
use proptest::sample::Index;
use std::path::{Path, PathBuf};

fn corpus(target: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz").join("corpus").join(target)
}

/// The committed seed files of one fuzz corpus, by name, with their bytes.
fn seeds(target: &str) -> Vec<(String, Vec<u8>)> {
    let dir = corpus(target);
    let mut out: Vec<(String, Vec<u8>)> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
        .map(|entry| entry.expect("a directory entry").path())
        .filter(|p| p.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with("seed-")))
        .map(|p| {
            let bytes = std::fs::read(&p).unwrap_or_else(|e| panic!("cannot read {}: {e}", p.display()));
            (p.file_name().unwrap().to_string_lossy().into_owned(), bytes)
        })
        .collect();
    out.sort();
    assert!(!out.is_empty(), "no seed-* files in {}", dir.display());
    out
}

/// Intake seeds lose their first byte, which only picks the reader in the fuzz target.
fn intake_seeds() -> Vec<(String, Vec<u8>)> {
    seeds("intake").into_iter().map(|(name, bytes)| (name, bytes[1..].to_vec())).collect()
}

/// Legacy XLS seeds. Intake refuses them; mutations of them reached calamine's crashes while it
/// did not (see the module comment).
fn is_xls(name: &str) -> bool {
    name.ends_with(".xls")
}

/// Caps this process's address space, for the tests of the crash that was fixed: one of its inputs
/// made calamine follow a cycle in the file's sector chain, growing a buffer without bound until
/// the OOM killer ended the process (or another one). Should that come back, the allocation fails
/// under the cap and the process aborts instead.
fn cap_memory(bytes: u64) {
    let limit = libc::rlimit { rlim_cur: bytes as libc::rlim_t, rlim_max: bytes as libc::rlim_t };
    // SAFETY: setrlimit reads the struct it is given and only lowers this process's own limit.
    let rc = unsafe { libc::setrlimit(libc::RLIMIT_AS, &limit) };
    assert_eq!(rc, 0, "setrlimit(RLIMIT_AS) failed");
}

/// One change to a real input.
#[derive(Clone, Debug)]
enum Edit {
    FlipBit(Index, u8),
    SetByte(Index, u8),
    Insert(Index, Vec<u8>),
    Remove(Index, usize),
    Truncate(Index),
    /// Copies a run of the input over another place in it, as a fuzzer splices.
    CopyWithin(Index, Index, usize),
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        3 => (any::<Index>(), 0u8..8).prop_map(|(i, bit)| Edit::FlipBit(i, bit)),
        3 => (any::<Index>(), any::<u8>()).prop_map(|(i, b)| Edit::SetByte(i, b)),
        2 => (any::<Index>(), prop::collection::vec(any::<u8>(), 1..16)).prop_map(|(i, b)| Edit::Insert(i, b)),
        2 => (any::<Index>(), 1usize..64).prop_map(|(i, n)| Edit::Remove(i, n)),
        1 => any::<Index>().prop_map(Edit::Truncate),
        1 => (any::<Index>(), any::<Index>(), 1usize..512).prop_map(|(a, b, n)| Edit::CopyWithin(a, b, n)),
    ]
}

fn apply(mut bytes: Vec<u8>, edits: &[Edit]) -> Vec<u8> {
    for e in edits {
        if bytes.is_empty() {
            break;
        }
        let len = bytes.len();
        match e {
            Edit::FlipBit(i, bit) => bytes[i.index(len)] ^= 1 << bit,
            Edit::SetByte(i, b) => bytes[i.index(len)] = *b,
            Edit::Insert(i, more) => {
                let at = i.index(len + 1);
                bytes.splice(at..at, more.iter().copied());
            }
            Edit::Remove(i, n) => {
                let at = i.index(len);
                bytes.drain(at..(at + n).min(len));
            }
            Edit::Truncate(i) => bytes.truncate(i.index(len)),
            Edit::CopyWithin(from, to, n) => {
                let (from, to) = (from.index(len), to.index(len));
                let n = (*n).min(len - from).min(len - to);
                bytes.copy_within(from..from + n, to);
            }
        }
    }
    bytes
}

/// `inspect` reads a path: the bytes go to a fresh temporary file.
fn inspect_bytes(bytes: &[u8]) -> Result<reviewdesk::bundle::BundleSummary, reviewdesk::bundle::BundleError> {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join("input.rdbundle");
    std::fs::write(&path, bytes).expect("write the bundle");
    reviewdesk::bundle::inspect(&path)
}

fn intake_both(bytes: &[u8]) {
    let _ = reviewdesk::intake::read_csv(bytes);
    let _ = reviewdesk::intake::read_xlsx(bytes);
}

/// The seeds are real inputs that the readers accept, so the mutations below start deep inside
/// the formats. If the bundle format or the intake columns change, regenerate the seeds as
/// `fuzz/README.md` says. The one exception is the legacy XLS seed, which intake refuses.
#[test]
fn seeds_are_accepted() {
    for (name, bytes) in seeds("bundle_reader") {
        if name.contains("encrypted") {
            // Only its recipient can read it; the plain reader names it as encrypted.
            let refused = inspect_bytes(&bytes);
            assert!(matches!(refused, Err(reviewdesk::bundle::BundleError::Encrypted)), "{name}: {refused:?}");
            continue;
        }
        if let Err(e) = inspect_bytes(&bytes) {
            panic!("fuzz/corpus/bundle_reader/{name} is no longer a valid bundle: {e}");
        }
    }
    for (name, bytes) in intake_seeds().into_iter().filter(|(n, _)| n.starts_with("seed-demo-")) {
        if is_xls(&name) {
            match reviewdesk::intake::read_xlsx(&bytes) {
                Err(e) => assert!(e[0].message.contains("Excel 97-2003"), "fuzz/corpus/intake/{name}: {e:?}"),
                Ok(_) => panic!("fuzz/corpus/intake/{name}: legacy XLS is read, not refused"),
            }
            continue;
        }
        let read = if name.ends_with(".csv") {
            reviewdesk::intake::read_csv(&bytes)
        } else {
            reviewdesk::intake::read_xlsx(&bytes)
        };
        match read {
            Ok(rows) => assert!(!rows.is_empty(), "fuzz/corpus/intake/{name} holds no rows"),
            Err(e) => panic!("fuzz/corpus/intake/{name} is no longer accepted: {e:?}"),
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn bundle_reader_survives_arbitrary_bytes(bytes in prop::collection::vec(any::<u8>(), 0..4096)) {
        let _ = inspect_bytes(&bytes);
    }

    /// Arbitrary bytes behind a name that makes the reader take them for a tar.
    #[test]
    fn bundle_reader_survives_arbitrary_tar_like_bytes(
        ustar in any::<bool>(),
        bytes in prop::collection::vec(any::<u8>(), 0..4096),
    ) {
        let mut input = b"manifest.json".to_vec();
        input.extend_from_slice(&bytes);
        if ustar && input.len() >= 263 {
            input[257..263].copy_from_slice(b"ustar\0");
        }
        let _ = inspect_bytes(&input);
    }

    #[test]
    fn intake_survives_arbitrary_bytes(bytes in prop::collection::vec(any::<u8>(), 0..4096)) {
        intake_both(&bytes);
    }
}

proptest! {
    // A mutated demo bundle can still be valid, and then every event signature is checked: fewer cases.
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn bundle_reader_survives_mutated_bundles(
        seed in any::<Index>(),
        edits in prop::collection::vec(edit(), 1..8),
    ) {
        let seeds = seeds("bundle_reader");
        let (_, bytes) = &seeds[seed.index(seeds.len())];
        let _ = inspect_bytes(&apply(bytes.clone(), &edits));
    }
}

/// A plain seed bundle encrypted to a fresh identity, and that identity.
fn encrypted_seed() -> (Vec<u8>, reviewdesk::ledger::Identity) {
    use reviewdesk::bundle::encrypted::{Addressee, encrypt};
    let me = reviewdesk::ledger::Identity::new("李明", reviewdesk::ledger::Suite::Ed25519Sha256.generate());
    let (_, plain) = seeds("bundle_reader").into_iter().find(|(n, _)| n.contains("no-blobs")).expect("a plain seed");
    let dir = tempfile::tempdir().expect("a temporary directory");
    let (from, to) = (dir.path().join("plain"), dir.path().join("sealed"));
    std::fs::write(&from, plain).expect("write the seed");
    let addressee =
        Addressee { fingerprint: Some(me.fingerprint()), recipient: me.public().recipient.expect("age key") };
    encrypt(&from, &addressee, &to).expect("encrypt the seed");
    (std::fs::read(&to).expect("read it back"), me)
}

proptest! {
    // Each case decrypts and, when that still works, verifies a whole bundle: fewer cases.
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// An encrypted bundle, mutated, opened by its recipient: header, age stream, then the tar.
    #[test]
    fn encrypted_bundles_survive_mutation(edits in prop::collection::vec(edit(), 1..6)) {
        let (bytes, me) = encrypted_seed();
        let dir = tempfile::tempdir().expect("a temporary directory");
        let path = dir.path().join("input.rdbundle");
        std::fs::write(&path, apply(bytes, &edits)).expect("write the bundle");
        if let Ok(Some(plain)) = reviewdesk::bundle::encrypted::decrypt(&path, &[&me], &dir.path().join("scratch")) {
            let _ = reviewdesk::bundle::inspect(plain.path());
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// CSV, XLSX and ODS seeds, mutated.
    #[test]
    fn intake_survives_mutated_files(
        seed in any::<Index>(),
        edits in prop::collection::vec(edit(), 1..8),
    ) {
        let seeds: Vec<_> = intake_seeds().into_iter().filter(|(name, _)| !is_xls(name)).collect();
        let (_, bytes) = &seeds[seed.index(seeds.len())];
        intake_both(&apply(bytes.clone(), &edits));
    }

}

proptest! {
    // Each case in a child process with its memory capped, so a runaway allocation, should it
    // come back, fails there instead of taking the machine's memory.
    // Shrinking is capped (a child per attempt is slow) and nothing is persisted: the inputs found
    // before the fix are in fuzz/crashes-found/.
    #![proptest_config(ProptestConfig {
        cases: 256,
        fork: true,
        timeout: 60_000,
        max_shrink_iters: 64,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    /// Legacy XLS seeds, mutated. calamine 0.38 panicked in its CFB reader, or allocated without
    /// bound, on about 5% of these (fuzz/crashes-found/README.md) until intake refused CFB content.
    #[test]
    fn intake_survives_mutated_xls(
        seed in any::<Index>(),
        edits in prop::collection::vec(edit(), 1..8),
    ) {
        cap_memory(4 << 30);
        let seeds: Vec<_> = intake_seeds().into_iter().filter(|(name, _)| is_xls(name)).collect();
        let (_, bytes) = &seeds[seed.index(seeds.len())];
        intake_both(&apply(bytes.clone(), &edits));
    }
}

/// The crashes found so far, each replayed as its target reads it (for intake the first byte
/// picks the reader: even CSV, odd workbook). Should the runaway allocation come back, the memory
/// cap makes it abort the test process ("memory allocation of … bytes failed").
#[test]
fn crashes_found_no_longer_crash() {
    cap_memory(4 << 30);
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz").join("crashes-found");
    let mut failed = Vec::new();
    for target in ["bundle_reader", "intake"] {
        let Ok(entries) = std::fs::read_dir(dir.join(target)) else { continue };
        let mut paths: Vec<PathBuf> = entries.map(|e| e.expect("a directory entry").path()).collect();
        paths.sort();
        for path in paths {
            let bytes = std::fs::read(&path).expect("read a crash input");
            let run = std::panic::catch_unwind(|| match (target, bytes.split_first()) {
                ("bundle_reader", _) => drop(inspect_bytes(&bytes)),
                (_, Some((selector, file))) if selector % 2 == 0 => drop(reviewdesk::intake::read_csv(file)),
                (_, Some((_, file))) => drop(reviewdesk::intake::read_xlsx(file)),
                (_, None) => {}
            });
            if run.is_err() {
                failed.push(path.display().to_string());
            }
        }
    }
    assert!(failed.is_empty(), "these inputs still panic: {failed:#?}");
}
