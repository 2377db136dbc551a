//! The documents an intake sheet names: files inside the intake file's own folder, and only
//! those (design invariant 13).
//!
//! A documents cell is checked as text when it is read ([`split`]): no absolute path (also the
//! Windows forms `C:\x`, `C:x`, `\\server\share` and a leading `\`), no `..`, no empty or `.`
//! part, no `:`, no control character, at most [`MAX_DOCUMENTS`] paths.
//!
//! Then [`IntakeFolder::attach`] reads each file. On Unix it walks the path part by part from
//! a descriptor of the intake folder with `openat`, so that nothing can be swapped in between
//! the check and the read: each part is looked at without following it (`fstatat` with
//! `AT_SYMLINK_NOFOLLOW`) and refused if it is a symbolic link; folders on the way are opened
//! with `O_NOFOLLOW | O_DIRECTORY` and must not be the reviewdesk home (same device and inode);
//! the file itself is opened with `O_NOFOLLOW | O_NONBLOCK` (a FIFO or a device can neither
//! block nor be read) and `fstat` must show the same regular file before a byte is read. It is
//! read once, to the size `fstat` gave, and refused if it is larger than a bundle entry or
//! changes while being read. An intake folder that is the home, or inside it, is refused before
//! anything else. Other platforms resolve with `canonicalize` and check the same things.

use super::{Errors, IntakeError, IntakeFileError, IntakeRow};
use crate::domain::Document;
use crate::domain::application::{self, MAX_DOCUMENT_BYTES, MAX_DOCUMENT_NAME_BYTES, MAX_DOCUMENTS};
use sha2::{Digest, Sha256};
use std::collections::{HashMap, HashSet};
use std::io::Read;
use std::path::{Path, PathBuf};

// A document travels as one bundle entry.
const _: () = assert!(MAX_DOCUMENT_BYTES == crate::bundle::MAX_ENTRY_BYTES);

/// All the documents of one intake: what one bundle can carry.
pub const MAX_INTAKE_DOCUMENT_BYTES: u64 = crate::bundle::MAX_BUNDLE_BYTES;
/// The most different documents one intake may bring: what one bundle can carry.
pub const MAX_INTAKE_DOCUMENTS: usize = crate::bundle::MAX_BLOBS;

/// One path of a documents cell, split into its parts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocPath<'a> {
    pub text: &'a str,
    pub parts: Vec<&'a str>,
}

impl DocPath<'_> {
    /// The file's own name: the last part.
    pub fn name(&self) -> &str {
        self.parts.last().copied().unwrap_or(self.text)
    }
}

/// Why a path in a documents cell is refused as text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PathError {
    #[error("{0}")]
    Application(application::ApplicationError),
    #[error(
        "“{0}”是绝对路径：附件须位于申报表所在的同一文件夹（或其子文件夹）中，请把文件复制进来，只写相对路径，如 材料/可研.pdf / “{0}” is an absolute path: documents must be in the same folder as the intake file (or a sub-folder of it); copy the file there and write its path from that folder, like 材料/可研.pdf"
    )]
    Absolute(String),
    #[error(
        "“{0}”含“..”（上级目录）：附件只能在申报表所在文件夹之内，请把文件复制进来 / “{0}” holds “..” (the parent folder): documents must be inside the intake file's folder; copy the file there"
    )]
    Parent(String),
    #[error(
        "“{0}”含空的路径段（连续或末尾的“/”）：请写成 材料/可研.pdf / “{0}” has an empty part (a doubled or trailing “/”): write it like 材料/可研.pdf"
    )]
    Empty(String),
    #[error(
        "“{0}”含“.”路径段：请去掉“./”，写成 材料/可研.pdf / “{0}” has a “.” part: leave out “./” and write it like 材料/可研.pdf"
    )]
    Dot(String),
    #[error(
        "“{0}”含“:”：附件名不能含冒号（Windows 盘符或数据流），请改名 / “{0}” holds “:”: a document's name may not contain a colon (a Windows drive or stream); rename the file"
    )]
    Colon(String),
    #[error(
        "附件路径含控制字符或方向控制符（{0}）：请给文件改名 / the document path holds a control character or a direction override ({0}): rename the file"
    )]
    Steering(String),
    #[error(
        "“{0}”中有一段超过 255 字节：请改短文件夹或文件名 / “{0}” has a part longer than 255 bytes: shorten the folder or file name"
    )]
    PartTooLong(String),
}

/// Splits a documents cell (paths separated by `;` or `；`) and checks each path as text.
pub fn split(cell: &str) -> Result<Vec<DocPath<'_>>, PathError> {
    let paths: Vec<&str> = cell.split([';', '；']).map(str::trim).filter(|s| !s.is_empty()).collect();
    if paths.len() > MAX_DOCUMENTS {
        return Err(PathError::Application(application::ApplicationError::TooManyDocuments {
            count: paths.len(),
            max: MAX_DOCUMENTS,
        }));
    }
    paths.into_iter().map(parse).collect()
}

fn parse(text: &str) -> Result<DocPath<'_>, PathError> {
    let shown = application::quoted(text);
    if application::has_steering(text) {
        return Err(PathError::Steering(shown));
    }
    let b = text.as_bytes();
    let drive = b.len() >= 2 && b[0].is_ascii_alphabetic() && b[1] == b':';
    if text.starts_with(['/', '\\']) || drive {
        return Err(PathError::Absolute(shown));
    }
    let parts: Vec<&str> = text.split(['/', '\\']).collect();
    // `..` first: it is the one that escapes.
    if parts.contains(&"..") {
        return Err(PathError::Parent(shown));
    }
    if text.contains(':') {
        return Err(PathError::Colon(shown));
    }
    for part in &parts {
        match *part {
            "" => return Err(PathError::Empty(shown)),
            "." => return Err(PathError::Dot(shown)),
            p if p.len() > MAX_DOCUMENT_NAME_BYTES => return Err(PathError::PartTooLong(shown)),
            _ => {}
        }
    }
    let path = DocPath { text, parts };
    application::check_document_name(path.name()).map_err(PathError::Application)?;
    Ok(path)
}

/// A kind of file that is not a regular file, in both languages.
pub fn kind_of(t: &std::fs::FileType) -> (&'static str, &'static str) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_fifo() {
            return ("命名管道", "named pipe");
        }
        if t.is_char_device() || t.is_block_device() {
            return ("设备文件", "device");
        }
        if t.is_socket() {
            return ("套接字", "socket");
        }
    }
    if t.is_dir() {
        ("文件夹", "folder")
    } else if t.is_symlink() {
        ("符号链接", "symbolic link")
    } else {
        ("特殊文件", "special file")
    }
}

/// Why one document could not be taken.
#[derive(Debug)]
enum Problem {
    NotFound,
    Symlink(String),
    NotAFolder(String),
    Home(String),
    IsFolder,
    NotRegular(&'static str, &'static str),
    TooLarge(u64),
    Changed,
    Io(std::io::Error),
}

impl Problem {
    fn message(&self, path: &str, home: &Path) -> String {
        let p = application::quoted(path);
        let home = home.display();
        match self {
            Problem::NotFound => format!(
                "找不到“{p}”：请确认文件在申报表所在文件夹中，且名称一致 / “{p}” was not found: check that the file is in the intake file's folder under that name"
            ),
            Problem::Symlink(part) if part == path => format!(
                "“{p}”是符号链接，为安全起见不跟随：请把文件本身复制到申报表所在文件夹 / “{p}” is a symbolic link, which intake never follows: copy the file itself into the intake file's folder"
            ),
            Problem::Symlink(part) => format!(
                "“{p}”中的“{part}”是符号链接，为安全起见不跟随：请把文件本身复制到申报表所在文件夹 / “{part}” in “{p}” is a symbolic link, which intake never follows: copy the file itself into the intake file's folder",
                part = application::quoted(part)
            ),
            Problem::NotAFolder(part) => format!(
                "“{p}”中的“{part}”不是文件夹 / “{part}” in “{p}” is not a folder",
                part = application::quoted(part)
            ),
            Problem::Home(part) => format!(
                "“{p}”经过评审台数据目录 {home}（“{part}”）：附件不能取自评审台数据目录，请把文件复制到其外 / “{p}” passes through the reviewdesk home {home} (“{part}”): documents are never taken from the home; copy the file to a folder outside it",
                part = application::quoted(part)
            ),
            Problem::IsFolder => format!(
                "“{p}”是文件夹，不是文件：请写出其中各文件的路径 / “{p}” is a folder, not a file: name the files in it"
            ),
            Problem::NotRegular(zh, en) => format!(
                "“{p}”不是普通文件（是{zh}），不会读取：请提供文件本身 / “{p}” is not a regular file (it is a {en}) and is not read: provide the file itself"
            ),
            Problem::TooLarge(size) => format!(
                "“{p}”有 {size} 字节，超过单份附件 {MAX_DOCUMENT_BYTES} 字节（512 MiB）的上限：请压缩或拆分 / “{p}” holds {size} bytes, more than the {MAX_DOCUMENT_BYTES} bytes (512 MiB) one document may hold: compress or split it"
            ),
            Problem::Changed => format!(
                "“{p}”在读取时发生了变化：请待文件写完、不再改动后重新登记 / “{p}” changed while it was read: register again once the file is complete and no longer changing"
            ),
            Problem::Io(e) => format!("无法读取“{p}”：{e} / cannot read “{p}”: {e}"),
        }
    }
}

impl From<std::io::Error> for Problem {
    fn from(e: std::io::Error) -> Self {
        if e.kind() == std::io::ErrorKind::NotFound { Problem::NotFound } else { Problem::Io(e) }
    }
}

/// What identifies a file: device and inode on Unix, the canonical path elsewhere.
#[cfg(unix)]
type FileId = (u64, u64);
#[cfg(not(unix))]
type FileId = PathBuf;

/// A document opened for reading, with what identifies it and its size.
struct Opened {
    file: std::fs::File,
    id: FileId,
    size: u64,
}

/// The documents of every row, in row order, and the distinct files' bytes by hash.
#[derive(Debug, Default)]
pub struct Attached {
    pub documents: Vec<Vec<Document>>,
    pub blobs: Vec<(String, Vec<u8>)>,
}

/// The folder of an intake file, opened once; documents are looked up from it alone.
pub struct IntakeFolder {
    path: PathBuf,
    home: PathBuf,
    #[cfg(unix)]
    fd: std::os::fd::OwnedFd,
    #[cfg(unix)]
    home_id: Option<FileId>,
    #[cfg(not(unix))]
    root: PathBuf,
    #[cfg(not(unix))]
    home_canonical: Option<PathBuf>,
}

impl IntakeFolder {
    /// Opens the folder holding `file`, and refuses it when it is the reviewdesk `home` or
    /// inside it.
    pub fn open(file: &Path, home: &Path) -> Result<IntakeFolder, IntakeFileError> {
        let path = match file.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let read_err =
            |e: std::io::Error| IntakeFileError::Read { path: path.display().to_string(), detail: e.to_string() };
        let inside = |folder: &Path| IntakeFileError::InsideHome {
            folder: folder.display().to_string(),
            home: home.display().to_string(),
        };
        // Every folder from the intake folder up to the root, as the file system has them.
        let canonical = std::fs::canonicalize(&path).map_err(read_err)?;
        #[cfg(unix)]
        {
            let fd = sys::open_dir(&path).map_err(read_err)?;
            let home_id = sys::stat_id(home).ok();
            let own = sys::fstat(&fd).map_err(read_err)?;
            if home_id.is_some_and(|h| h == sys::id(&own)) {
                return Err(inside(&path));
            }
            for ancestor in canonical.ancestors() {
                if home_id.is_some() && sys::stat_id(ancestor).ok() == home_id {
                    return Err(inside(&path));
                }
            }
            Ok(IntakeFolder { path, home: home.to_path_buf(), fd, home_id })
        }
        #[cfg(not(unix))]
        {
            let home_canonical = std::fs::canonicalize(home).ok();
            if home_canonical.as_ref().is_some_and(|h| canonical.starts_with(h)) {
                return Err(inside(&path));
            }
            Ok(IntakeFolder { path, home: home.to_path_buf(), root: canonical, home_canonical })
        }
    }

    /// Reads every row's documents: each path walked and checked, each distinct file read
    /// once and hashed. Every problem is reported with its row and column; after the first,
    /// files are still checked but no longer read. `shown` names the intake file in messages.
    pub fn attach(&self, rows: &[IntakeRow], shown: &str) -> Result<Attached, IntakeFileError> {
        let mut errors = Errors::default();
        let mut out = Attached::default();
        let mut seen: HashMap<FileId, (String, u64)> = HashMap::new();
        let mut blobs: HashSet<String> = HashSet::new();
        let mut total: u64 = 0;
        for row in rows {
            let mut docs = Vec::new();
            let fail = |errors: &mut Errors, message: String| {
                errors.push(IntakeError { row: row.row, column: row.documents_column.clone(), message })
            };
            for text in &row.document_paths {
                let path = match parse(text) {
                    Ok(p) => p,
                    Err(e) => {
                        fail(&mut errors, e.to_string());
                        continue;
                    }
                };
                let opened = match self.open_document(&path.parts) {
                    Ok(o) => o,
                    Err(p) => {
                        fail(&mut errors, p.message(text, &self.home));
                        continue;
                    }
                };
                if opened.size > MAX_DOCUMENT_BYTES {
                    fail(&mut errors, Problem::TooLarge(opened.size).message(text, &self.home));
                    continue;
                }
                let (sha256, size) = match seen.get(&opened.id) {
                    Some(known) => known.clone(),
                    None => {
                        total = total.saturating_add(opened.size);
                        if total > MAX_INTAKE_DOCUMENT_BYTES || seen.len() >= MAX_INTAKE_DOCUMENTS {
                            fail(
                                &mut errors,
                                format!(
                                    "本次登记的附件超过一个评审包能携带的 {MAX_INTAKE_DOCUMENTS} 份或 {MAX_INTAKE_DOCUMENT_BYTES} 字节：请压缩或删减附件，分批登记 / the documents of this intake come to more than one bundle can carry ({MAX_INTAKE_DOCUMENTS} files or {MAX_INTAKE_DOCUMENT_BYTES} bytes): shrink or leave out documents, or register in batches"
                                ),
                            );
                            return Err(rows_error(shown, errors));
                        }
                        if !errors.is_empty() {
                            // Nothing will be registered: check the rest, read nothing more.
                            continue;
                        }
                        let bytes = match read_exact_size(opened.file, opened.size) {
                            Ok(b) => b,
                            Err(p) => {
                                fail(&mut errors, p.message(text, &self.home));
                                continue;
                            }
                        };
                        let sha256 = hex::encode(Sha256::digest(&bytes));
                        if blobs.insert(sha256.clone()) {
                            out.blobs.push((sha256.clone(), bytes));
                        }
                        seen.insert(opened.id, (sha256.clone(), opened.size));
                        (sha256, opened.size)
                    }
                };
                docs.push(Document { name: path.name().to_string(), sha256, size });
            }
            out.documents.push(docs);
        }
        if errors.is_empty() { Ok(out) } else { Err(rows_error(shown, errors)) }
    }

    /// Opens the document at `parts` below this folder, or says why not.
    #[cfg(unix)]
    fn open_document(&self, parts: &[&str]) -> Result<Opened, Problem> {
        use std::os::fd::OwnedFd;
        let mut dir: Option<OwnedFd> = None;
        for (k, part) in parts.iter().enumerate() {
            let last = k + 1 == parts.len();
            let at = dir.as_ref().unwrap_or(&self.fd);
            let name = std::ffi::CString::new(*part).map_err(|_| Problem::NotFound)?;
            let st = sys::fstatat_nofollow(at, &name)?;
            match st.st_mode & libc::S_IFMT {
                libc::S_IFLNK => return Err(Problem::Symlink(part.to_string())),
                libc::S_IFDIR if last => return Err(Problem::IsFolder),
                libc::S_IFDIR => {
                    if self.home_id == Some(sys::id(&st)) {
                        return Err(Problem::Home(part.to_string()));
                    }
                    let fd = sys::open_at(at, &name, libc::O_DIRECTORY).map_err(|e| sys::swapped(e, part))?;
                    let now = sys::fstat(&fd)?;
                    if sys::id(&now) != sys::id(&st) || now.st_mode & libc::S_IFMT != libc::S_IFDIR {
                        return Err(Problem::Changed);
                    }
                    dir = Some(fd);
                }
                _ if !last => return Err(Problem::NotAFolder(part.to_string())),
                libc::S_IFREG => {
                    let fd = sys::open_at(at, &name, libc::O_NONBLOCK | libc::O_NOCTTY)
                        .map_err(|e| sys::swapped(e, part))?;
                    let now = sys::fstat(&fd)?;
                    if sys::id(&now) != sys::id(&st) || now.st_mode & libc::S_IFMT != libc::S_IFREG {
                        return Err(Problem::Changed);
                    }
                    let size = u64::try_from(now.st_size).map_err(|_| Problem::Changed)?;
                    return Ok(Opened { file: std::fs::File::from(fd), id: sys::id(&now), size });
                }
                mode => return Err(sys::kind(mode)),
            }
        }
        Err(Problem::NotFound)
    }

    /// Opens the document at `parts` below this folder, or says why not.
    #[cfg(not(unix))]
    fn open_document(&self, parts: &[&str]) -> Result<Opened, Problem> {
        let mut path = self.root.clone();
        for (k, part) in parts.iter().enumerate() {
            let last = k + 1 == parts.len();
            path.push(part);
            let meta = std::fs::symlink_metadata(&path)?;
            if meta.file_type().is_symlink() {
                return Err(Problem::Symlink(part.to_string()));
            }
            if meta.is_dir() && last {
                return Err(Problem::IsFolder);
            }
            if meta.is_dir() {
                let canonical = std::fs::canonicalize(&path)?;
                if self.home_canonical.as_ref() == Some(&canonical) {
                    return Err(Problem::Home(part.to_string()));
                }
                if !canonical.starts_with(&self.root) {
                    return Err(Problem::Symlink(part.to_string()));
                }
            } else if !last {
                return Err(Problem::NotAFolder(part.to_string()));
            } else if !meta.is_file() {
                let (zh, en) = kind_of(&meta.file_type());
                return Err(Problem::NotRegular(zh, en));
            }
        }
        let file = std::fs::File::open(&path)?;
        let meta = file.metadata()?;
        if !meta.is_file() {
            let (zh, en) = kind_of(&meta.file_type());
            return Err(Problem::NotRegular(zh, en));
        }
        let id = std::fs::canonicalize(&path)?;
        if !id.starts_with(&self.root) {
            return Err(Problem::Changed);
        }
        Ok(Opened { file, id, size: meta.len() })
    }

    /// The folder as the user named it.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

fn rows_error(shown: &str, errors: Errors) -> IntakeFileError {
    IntakeFileError::Rows { path: shown.to_string(), errors: errors.first, more: errors.more }
}

/// Reads exactly `size` bytes, and refuses a file that turns out longer or shorter.
fn read_exact_size(file: std::fs::File, size: u64) -> Result<Vec<u8>, Problem> {
    let mut bytes = Vec::with_capacity(usize::try_from(size).map_err(|_| Problem::TooLarge(size))?);
    file.take(size + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 != size {
        return Err(Problem::Changed);
    }
    Ok(bytes)
}

/// The few system calls the walk needs.
#[cfg(unix)]
mod sys {
    use super::{FileId, Problem};
    use std::ffi::CStr;
    use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
    use std::path::Path;

    #[allow(clippy::unnecessary_cast, reason = "dev_t and ino_t are not u64 on every Unix")]
    pub fn id(st: &libc::stat) -> FileId {
        (st.st_dev as u64, st.st_ino as u64)
    }

    fn cvt(r: libc::c_int) -> std::io::Result<libc::c_int> {
        if r < 0 { Err(std::io::Error::last_os_error()) } else { Ok(r) }
    }

    /// Opens a folder the user named (following links there: the user chose it).
    pub fn open_dir(path: &Path) -> std::io::Result<OwnedFd> {
        let c = std::ffi::CString::new(std::os::unix::ffi::OsStrExt::as_bytes(path.as_os_str()))
            .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e))?;
        // SAFETY: a valid C string; the descriptor returned is ours alone.
        let fd = cvt(unsafe { libc::open(c.as_ptr(), libc::O_RDONLY | libc::O_DIRECTORY | libc::O_CLOEXEC) })?;
        // SAFETY: `fd` was just opened and is owned by nothing else.
        Ok(unsafe { OwnedFd::from_raw_fd(fd) })
    }

    /// Opens `name` in `dir` without following a symbolic link, with `extra` flags.
    pub fn open_at(dir: &OwnedFd, name: &CStr, extra: libc::c_int) -> std::io::Result<OwnedFd> {
        let flags = libc::O_RDONLY | libc::O_NOFOLLOW | libc::O_CLOEXEC | extra;
        // SAFETY: a valid descriptor and C string; the descriptor returned is ours alone.
        let fd = cvt(unsafe { libc::openat(dir.as_raw_fd(), name.as_ptr(), flags) })?;
        // SAFETY: as above.
        Ok(unsafe { OwnedFd::from_raw_fd(fd) })
    }

    pub fn fstat(fd: &OwnedFd) -> std::io::Result<libc::stat> {
        let mut st = std::mem::MaybeUninit::<libc::stat>::uninit();
        // SAFETY: a valid descriptor; `st` is filled on success.
        cvt(unsafe { libc::fstat(fd.as_raw_fd(), st.as_mut_ptr()) })?;
        // SAFETY: filled by fstat above.
        Ok(unsafe { st.assume_init() })
    }

    /// What `name` in `dir` is, without following it if it is a symbolic link.
    pub fn fstatat_nofollow(dir: &OwnedFd, name: &CStr) -> std::io::Result<libc::stat> {
        let mut st = std::mem::MaybeUninit::<libc::stat>::uninit();
        // SAFETY: a valid descriptor and C string; `st` is filled on success.
        cvt(unsafe { libc::fstatat(dir.as_raw_fd(), name.as_ptr(), st.as_mut_ptr(), libc::AT_SYMLINK_NOFOLLOW) })?;
        // SAFETY: filled by fstatat above.
        Ok(unsafe { st.assume_init() })
    }

    /// Device and inode of a path, following links (the home may be reached through one).
    pub fn stat_id(path: &Path) -> std::io::Result<FileId> {
        let meta = std::fs::metadata(path)?;
        Ok((std::os::unix::fs::MetadataExt::dev(&meta), std::os::unix::fs::MetadataExt::ino(&meta)))
    }

    /// An `O_NOFOLLOW` open that failed because a link was swapped in after the check.
    pub fn swapped(e: std::io::Error, part: &str) -> Problem {
        match e.raw_os_error() {
            Some(libc::ELOOP) | Some(libc::EMLINK) => Problem::Symlink(part.to_string()),
            Some(libc::ENOTDIR) => Problem::Changed,
            _ => e.into(),
        }
    }

    /// The problem with a file of this mode that is neither a folder nor a regular file.
    pub fn kind(mode: libc::mode_t) -> Problem {
        match mode {
            libc::S_IFIFO => Problem::NotRegular("命名管道", "named pipe"),
            libc::S_IFCHR | libc::S_IFBLK => Problem::NotRegular("设备文件", "device"),
            libc::S_IFSOCK => Problem::NotRegular("套接字", "socket"),
            _ => Problem::NotRegular("特殊文件", "special file"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(cell: &str) -> PathError {
        split(cell).expect_err(cell)
    }

    #[test]
    fn paths_stay_inside_the_folder_as_text() {
        let ok = split("可研.pdf; 材料/GL-1/预算.xlsx；数据 共享.md").unwrap();
        let parts: Vec<Vec<&str>> = ok.iter().map(|p| p.parts.clone()).collect();
        assert_eq!(parts, [vec!["可研.pdf"], vec!["材料", "GL-1", "预算.xlsx"], vec!["数据 共享.md"]]);
        assert_eq!(ok[1].name(), "预算.xlsx");
        // Windows separators are separators, and checked the same way.
        assert_eq!(split("材料\\可研.pdf").unwrap()[0].parts, ["材料", "可研.pdf"]);
        for cell in
            ["/etc/passwd", "/dev/zero", "C:\\x", "C:x", "c:/boot.ini", "\\\\server\\share\\x", "\\x", "//server/x"]
        {
            assert!(matches!(refused(cell), PathError::Absolute(_)), "{cell}");
        }
        for cell in ["..", "../x", "a/../../x", "a\\..\\x", "a/.."] {
            assert!(matches!(refused(cell), PathError::Parent(_)), "{cell}");
        }
        for cell in ["a//b", "a/", "a\\\\b"] {
            assert!(matches!(refused(cell), PathError::Empty(_)), "{cell}");
        }
        assert!(matches!(refused("./a"), PathError::Dot(_)));
        assert!(matches!(refused("a.pdf:stream"), PathError::Colon(_)));
        for cell in ["a\u{1b}[2J.pdf", "a\u{0}.pdf", "a\u{202e}fdp.exe", "a\nb"] {
            assert!(matches!(refused(cell), PathError::Steering(_)), "{cell:?}");
        }
        assert!(matches!(refused(&format!("{}/a.pdf", "x".repeat(256))), PathError::PartTooLong(_)));
        assert!(matches!(refused(&"a".repeat(201)), PathError::Application(_)));
        let many: Vec<String> = (0..=MAX_DOCUMENTS).map(|i| format!("{i}.pdf")).collect();
        assert!(matches!(
            refused(&many.join(";")),
            PathError::Application(application::ApplicationError::TooManyDocuments { count: 33, max: 32 })
        ));
        assert_eq!(split(&many[..MAX_DOCUMENTS].join(";")).unwrap().len(), MAX_DOCUMENTS);
        // A message shows the path escaped, never raw.
        let e = refused("/etc/\u{1b}[31mx").to_string();
        assert!(e.contains("\\u{1b}") && !e.contains('\u{1b}'), "{e}");
    }

    fn row(paths: &[&str]) -> IntakeRow {
        IntakeRow {
            row: 2,
            application: crate::domain::application::fixtures::approval("GL-1", crate::domain::Money::from_yuan(1)),
            document_paths: paths.iter().map(|p| p.to_string()).collect(),
            documents_column: "附件".into(),
            warnings: vec![],
        }
    }

    fn attach(folder: &Path, home: &Path, paths: &[&str]) -> Result<Attached, String> {
        let f = IntakeFolder::open(&folder.join("申报.csv"), home).map_err(|e| e.to_string())?;
        f.attach(&[row(paths)], "申报.csv").map_err(|e| e.to_string())
    }

    #[test]
    #[cfg(unix)]
    fn files_are_read_once_and_only_from_inside() {
        let dir = tempfile::tempdir().unwrap();
        let home = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::create_dir(d.join("材料")).unwrap();
        std::fs::write(d.join("材料/可研.pdf"), "可研").unwrap();
        std::fs::write(d.join("预算.xlsx"), "预算").unwrap();
        std::fs::hard_link(d.join("预算.xlsx"), d.join("预算副本.xlsx")).unwrap();
        let got = attach(d, home.path(), &["材料/可研.pdf", "预算.xlsx", "预算副本.xlsx"]).unwrap();
        let names: Vec<&str> = got.documents[0].iter().map(|d| d.name.as_str()).collect();
        assert_eq!(names, ["可研.pdf", "预算.xlsx", "预算副本.xlsx"]);
        assert_eq!(got.blobs.len(), 2, "the same file twice is one blob");
        assert_eq!(got.documents[0][0].sha256, hex::encode(Sha256::digest("可研")));
        assert_eq!(got.documents[0][0].size, "可研".len() as u64);

        std::os::unix::fs::symlink(d.join("材料"), d.join("链接")).unwrap();
        std::os::unix::fs::symlink("/dev/zero", d.join("零")).unwrap();
        let fifo = std::ffi::CString::new(d.join("管道").to_str().unwrap()).unwrap();
        // SAFETY: a valid C string.
        assert_eq!(unsafe { libc::mkfifo(fifo.as_ptr(), 0o600) }, 0);
        for (path, needle) in [
            ("链接/可研.pdf", "symbolic link"),
            ("零", "symbolic link"),
            ("管道", "named pipe"),
            ("材料", "is a folder"),
            ("预算.xlsx/x", "is not a folder"),
            ("没有.pdf", "not found"),
        ] {
            let e = attach(d, home.path(), &[path]).unwrap_err();
            assert!(e.contains(needle) && e.contains("第 2 行「附件」列"), "{path}: {e}");
        }
        // Every problem is reported, each with its path.
        let e = attach(d, home.path(), &["零", "管道", "材料/可研.pdf"]).unwrap_err();
        assert!(e.contains("2 处错误") && e.contains("零") && e.contains("管道"), "{e}");
    }

    #[test]
    #[cfg(unix)]
    fn the_home_is_never_a_folder_on_the_way() {
        let outer = tempfile::tempdir().unwrap();
        let home = outer.path().join("home");
        std::fs::create_dir_all(home.join("identities")).unwrap();
        std::fs::write(home.join("identities/秘书处.key"), "secret").unwrap();
        let e = attach(outer.path(), &home, &["home/identities/秘书处.key"]).unwrap_err();
        assert!(e.contains("reviewdesk home"), "{e}");
        // The home reached through a link is still the home.
        let link = outer.path().join("link");
        std::os::unix::fs::symlink(&home, &link).unwrap();
        let e = attach(outer.path(), &link, &["home/identities/秘书处.key"]).unwrap_err();
        assert!(e.contains("reviewdesk home"), "{e}");
        // A folder inside the home, or the home itself, is refused before any document.
        for folder in [home.join("identities"), home.clone(), link.join("identities")] {
            let e = attach(&folder, &home, &[]).unwrap_err();
            assert!(e.contains("is inside the reviewdesk home"), "{}: {e}", folder.display());
        }
        // A home that does not exist is nowhere.
        assert!(attach(outer.path(), &outer.path().join("none"), &[]).is_ok());
    }
}
