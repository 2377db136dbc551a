//! The machine around the store: removable volumes (U 盘), the bundles on them, path completion
//! for typed paths, and handing a document to the system viewer. The command line and the
//! screens share this; neither speaks to the file system for these jobs on its own.

use std::path::{Path, PathBuf};
use std::time::SystemTime;

/// The file extension of a bundle (评审包).
pub const BUNDLE_EXT: &str = "rdbundle";

/// Mounted volumes under the removable-media roots. `REVIEWDESK_MEDIA_ROOTS` (colon-separated)
/// names other roots whose sub-folders count as volumes, for machines that mount sticks elsewhere.
pub fn usb_volumes() -> Vec<PathBuf> {
    if let Ok(roots) = std::env::var("REVIEWDESK_MEDIA_ROOTS") {
        let mut out: Vec<PathBuf> = roots
            .split(':')
            .filter(|r| !r.is_empty())
            .flat_map(|r| std::fs::read_dir(r).into_iter().flatten().flatten().map(|e| e.path()).filter(|p| p.is_dir()))
            .collect();
        out.sort();
        return out;
    }
    let user = std::env::var("USER").unwrap_or_default();
    let roots = [format!("/media/{user}/"), format!("/run/media/{user}/"), "/media/".to_string()];
    let mounts = std::fs::read_to_string("/proc/mounts").unwrap_or_default();
    let mut out: Vec<PathBuf> = mounts
        .lines()
        .filter_map(|l| l.split_whitespace().nth(1))
        .map(|p| p.replace("\\040", " "))
        .filter(|p| roots.iter().any(|r| p.starts_with(r.as_str()) && p.len() > r.len()))
        .map(PathBuf::from)
        .collect();
    out.sort();
    out.dedup();
    out
}

/// A bundle file found on a volume.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FoundBundle {
    pub path: PathBuf,
    pub volume: PathBuf,
    pub bytes: u64,
    pub modified: Option<SystemTime>,
}

/// The bundles at the top of each volume and one folder down, newest first within a volume.
/// Hidden files are skipped: an export in progress writes a hidden temporary file.
pub fn bundles_on(volumes: &[PathBuf]) -> Vec<FoundBundle> {
    let mut out = Vec::new();
    for volume in volumes {
        let mut here = Vec::new();
        collect(volume, volume, 1, &mut here);
        here.sort_by(|a: &FoundBundle, b| b.modified.cmp(&a.modified).then_with(|| a.path.cmp(&b.path)));
        out.extend(here);
    }
    out
}

fn collect(volume: &Path, dir: &Path, depth: usize, out: &mut Vec<FoundBundle>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        let hidden = entry.file_name().to_string_lossy().starts_with('.');
        let Ok(meta) = entry.metadata() else { continue };
        if hidden {
            continue;
        }
        if meta.is_dir() && depth > 0 {
            collect(volume, &path, depth - 1, out);
        } else if meta.is_file() && is_bundle(&path) {
            out.push(FoundBundle {
                path,
                volume: volume.to_path_buf(),
                bytes: meta.len(),
                modified: meta.modified().ok(),
            });
        }
    }
}

fn is_bundle(path: &Path) -> bool {
    path.extension().is_some_and(|e| e.eq_ignore_ascii_case(BUNDLE_EXT))
}

/// The file name of an export by `who` at `now`: sortable, and safe on the FAT and exFAT file
/// systems sticks use.
pub fn bundle_file_name(who: &str, now: chrono::DateTime<chrono::Utc>) -> String {
    let who: String = who.chars().map(|c| if "/\\:*?\"<>|".contains(c) || c.is_control() { '_' } else { c }).collect();
    format!("reviewdesk-{who}-{}.{BUNDLE_EXT}", now.format("%Y%m%d-%H%M%S"))
}

/// What Tab makes of a typed path.
#[derive(Debug, PartialEq, Eq)]
pub struct Completion {
    /// The text to put in the input: the longest common extension of the matches.
    pub text: String,
    /// The names that still match, when there is more than one.
    pub candidates: Vec<String>,
}

/// Completes `typed` against folders and bundle files, the way a shell does: one match is
/// completed (a folder gets a trailing `/`), several are completed as far as they agree.
pub fn complete(typed: &str) -> Completion {
    let (dir, prefix) = match typed.rfind('/') {
        Some(i) => (&typed[..=i], &typed[i + 1..]),
        None => ("", typed),
    };
    let list_dir = if dir.is_empty() { Path::new(".") } else { Path::new(dir) };
    let mut matches: Vec<(String, bool)> = std::fs::read_dir(list_dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            let is_dir = e.path().is_dir();
            let wanted = name.starts_with(prefix)
                && (prefix.starts_with('.') || !name.starts_with('.'))
                && (is_dir || is_bundle(Path::new(&name)));
            wanted.then_some((name, is_dir))
        })
        .collect();
    matches.sort();
    match matches.as_slice() {
        [] => Completion { text: typed.to_string(), candidates: vec![] },
        [(name, is_dir)] => {
            Completion { text: format!("{dir}{name}{}", if *is_dir { "/" } else { "" }), candidates: vec![] }
        }
        many => {
            let common = many.iter().skip(1).fold(many[0].0.clone(), |acc, (n, _)| common_prefix(&acc, n));
            Completion {
                text: format!("{dir}{common}"),
                candidates: many.iter().map(|(n, d)| format!("{n}{}", if *d { "/" } else { "" })).collect(),
            }
        }
    }
}

fn common_prefix(a: &str, b: &str) -> String {
    a.chars().zip(b.chars()).take_while(|(x, y)| x == y).map(|(x, _)| x).collect()
}

/// Where a document went when asked to open it.
#[derive(Debug, PartialEq, Eq)]
pub enum Opened {
    /// Handed to this viewer program.
    Viewer(String, PathBuf),
    /// No viewer here: the file is at this path.
    Saved(PathBuf),
}

/// Writes a document's bytes under `dir` (owner-only) and hands it to `viewer` when there is one
/// (see [`system_viewer`]).
pub fn open_document(
    dir: &Path,
    sha256: &str,
    name: &str,
    bytes: &[u8],
    viewer: Option<&str>,
) -> std::io::Result<Opened> {
    let folder = dir.join(sha256.get(..16).unwrap_or(sha256));
    create_private_dir(&folder)?;
    let safe: String =
        name.chars().map(|c| if "/\\:*?\"<>|".contains(c) || c.is_control() { '_' } else { c }).collect();
    let path = folder.join(if safe.is_empty() { "document".to_string() } else { safe });
    // The same document opened again replaces its earlier copy, which a viewer may have changed.
    match std::fs::remove_file(&path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e),
        _ => {}
    }
    write_private(&path, bytes)?;
    let Some(viewer) = viewer else { return Ok(Opened::Saved(path)) };
    let spawned = std::process::Command::new(viewer)
        .arg(&path)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn();
    match spawned {
        Ok(mut child) => {
            // Reap the viewer's launcher whenever it ends, so it leaves no zombie behind.
            std::thread::spawn(move || child.wait());
            Ok(Opened::Viewer(viewer.to_string(), path))
        }
        Err(_) => Ok(Opened::Saved(path)),
    }
}

/// A fresh name beside `target` for a file that is renamed onto it once complete, so that a
/// reader (or a stick pulled halfway) sees the old file or the new one, never part of one. The
/// leading dot hides it; `tag` says what it is for.
pub fn temp_path_beside(target: &Path, tag: &str) -> PathBuf {
    let dir = target.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let name = target.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "file".into());
    let mut nonce = [0u8; 6];
    let _ = getrandom::fill(&mut nonce);
    dir.join(format!(".{name}.{tag}-{}.tmp", hex::encode(nonce)))
}

/// Creates a new file for reading and writing, owner-only where the system has modes: what it
/// will hold (a bundle, a report, a backup) carries every expert's scores.
pub fn create_private(path: &Path) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true).write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)
}

/// Writes a new file readable by the owner only, and syncs it. An existing file is an error:
/// nothing here overwrites a key.
#[cfg(unix)]
pub fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(path)?;
    f.write_all(bytes)?;
    f.sync_all()
}

/// Writes a new file, and syncs it. An existing file is an error.
#[cfg(not(unix))]
pub fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut f = std::fs::OpenOptions::new().write(true).create_new(true).open(path)?;
    f.write_all(bytes)?;
    f.sync_all()
}

/// The program that opens documents here: `REVIEWDESK_OPENER` when set, else the desktop's
/// opener. On Linux that is used only under a graphical session: in a bare console `xdg-open`
/// could start a text browser on top of the screens.
pub fn system_viewer() -> Option<String> {
    if let Ok(v) = std::env::var("REVIEWDESK_OPENER") {
        return (!v.trim().is_empty()).then_some(v);
    }
    let graphical = std::env::var_os("DISPLAY").is_some() || std::env::var_os("WAYLAND_DISPLAY").is_some();
    let candidate = if cfg!(target_os = "macos") {
        "open"
    } else if cfg!(unix) && graphical {
        "xdg-open"
    } else {
        return None;
    };
    on_path(candidate).then(|| candidate.to_string())
}

fn on_path(program: &str) -> bool {
    std::env::var_os("PATH").is_some_and(|p| std::env::split_paths(&p).any(|d| d.join(program).is_file()))
}

#[cfg(unix)]
/// Creates `dir` and its parents, readable by the owner only.
pub fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    std::fs::DirBuilder::new().recursive(true).mode(0o700).create(dir)
}

#[cfg(not(unix))]
/// Creates `dir` and its parents.
pub fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn touch(p: &Path) {
        std::fs::write(p, b"x").unwrap();
    }

    #[test]
    fn bundles_are_found_at_the_top_and_one_folder_down_but_not_hidden_or_deeper() {
        let d = tempfile::tempdir().unwrap();
        let stick = d.path().join("KINGSTON");
        std::fs::create_dir_all(stick.join("评审/深/更深")).unwrap();
        touch(&stick.join("a.rdbundle"));
        touch(&stick.join("评审/b.RDBUNDLE"));
        touch(&stick.join("评审/深/c.rdbundle"));
        touch(&stick.join(".a.rdbundle.export-1.tmp"));
        touch(&stick.join(".hidden.rdbundle"));
        touch(&stick.join("notes.txt"));
        let found: Vec<String> = bundles_on(std::slice::from_ref(&stick))
            .iter()
            .map(|f| f.path.strip_prefix(&stick).unwrap().display().to_string())
            .collect();
        let mut sorted = found.clone();
        sorted.sort();
        assert_eq!(sorted, ["a.rdbundle", "评审/b.RDBUNDLE"]);
    }

    #[test]
    fn completion_extends_a_unique_match_and_stops_where_several_disagree() {
        let d = tempfile::tempdir().unwrap();
        let base = d.path().display().to_string();
        std::fs::create_dir(d.path().join("鼓楼")).unwrap();
        touch(&d.path().join("reviewdesk-李明-1.rdbundle"));
        touch(&d.path().join("reviewdesk-李明-2.rdbundle"));
        touch(&d.path().join("readme.txt"));
        let one = complete(&format!("{base}/鼓"));
        assert_eq!(one, Completion { text: format!("{base}/鼓楼/"), candidates: vec![] });
        let many = complete(&format!("{base}/re"));
        assert_eq!(many.text, format!("{base}/reviewdesk-李明-"));
        assert_eq!(many.candidates, ["reviewdesk-李明-1.rdbundle", "reviewdesk-李明-2.rdbundle"]);
        let none = complete(&format!("{base}/zzz"));
        assert_eq!(none, Completion { text: format!("{base}/zzz"), candidates: vec![] });
    }

    #[test]
    fn export_names_are_safe_on_fat_sticks() {
        let now = chrono::DateTime::parse_from_rfc3339("2027-01-15T09:30:00Z").unwrap().to_utc();
        assert_eq!(bundle_file_name("王/建:国", now), "reviewdesk-王_建_国-20270115-093000.rdbundle");
    }

    #[cfg(unix)]
    #[test]
    fn a_viewer_is_handed_the_saved_file() {
        use std::os::unix::fs::PermissionsExt;
        let d = tempfile::tempdir().unwrap();
        let viewer = d.path().join("viewer.sh");
        let seen = d.path().join("seen");
        // Copied beside, then renamed: the test sees the file whole or not at all.
        std::fs::write(&viewer, format!("#!/bin/sh\ncp \"$1\" '{0}.part' && mv '{0}.part' '{0}'\n", seen.display()))
            .unwrap();
        std::fs::set_permissions(&viewer, std::fs::Permissions::from_mode(0o755)).unwrap();
        let v = viewer.display().to_string();
        let opened = open_document(d.path(), "00ff", "a.md", b"doc", Some(&v)).unwrap();
        assert!(matches!(opened, Opened::Viewer(ref p, _) if *p == v), "{opened:?}");
        // The viewer runs detached, as it must; wait for its file. The bound (five minutes) only
        // keeps a broken build from hanging, far beyond any busy machine's start-up time.
        for _ in 0..15_000 {
            if seen.exists() {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        assert_eq!(std::fs::read(&seen).unwrap(), b"doc");
    }

    #[test]
    fn without_a_viewer_the_document_is_saved_privately_and_its_path_given() {
        let d = tempfile::tempdir().unwrap();
        let opened = open_document(d.path(), "ab12cd34ef56ab12cd34", "可研/报告.md", "内容".as_bytes(), None).unwrap();
        let Opened::Saved(path) = opened else { panic!("{opened:?}") };
        assert_eq!(path, d.path().join("ab12cd34ef56ab12").join("可研_报告.md"));
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "内容");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        }
    }
}
