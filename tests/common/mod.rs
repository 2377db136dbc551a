//! Helpers for the command-line tests: a throw-away home, the `reviewdesk` binary pinned to a
//! fixed clock and a neutral locale, a store dump to prove that a refused command changed
//! nothing, and a builder for a meeting with a secretariat, a chair and five experts.

#![allow(dead_code)]

use assert_cmd::Command;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use tempfile::TempDir;

/// The clock every command runs at (the meeting day).
pub const NOW: &str = "2026-12-08T09:00:00Z";
pub const SECRETARIAT: &str = "信息化办";
pub const CHAIR: &str = "周建国";
pub const EXPERTS: [&str; 5] = ["李明", "王芳", "张伟", "刘洋", "陈静"];
pub const MEETING: &str = "M1";
/// Events in the demo's export: the earlier meeting (1 meeting + 2 applications, 6 sign-ins,
/// 5 × 2 scores and one revised after review, 2 items put under discussion, a question and its answer, a vote call and 5
/// votes, 2 decisions, 5 + 4 countersignatures, a finalisation and the close) and the demo
/// meeting (1 meeting + 17 applications, 6 sign-ins, 4 × 17 − 1 scores (one recusal), 1
/// conflict, a substitute seated in place of the recused expert and their sheet).
pub const DEMO_EVENTS: usize = 137;

/// The `reviewdesk` binary with `--home HOME`, the fixed clock and `LANG=C`, and none of the
/// environment that could change what it does (`REVIEWDESK_HOME`, `REVIEWDESK_AS`, `LC_*`).
pub fn reviewdesk(home: &Path, args: &[&str]) -> Command {
    let mut cmd = assert_cmd::cargo::cargo_bin_cmd!("reviewdesk");
    cmd.arg("--home")
        .arg(home)
        .args(args)
        .env("REVIEWDESK_NOW", NOW)
        .env("LANG", "C")
        .env_remove("LC_ALL")
        .env_remove("LC_MESSAGES")
        .env_remove("REVIEWDESK_HOME")
        .env_remove("REVIEWDESK_AS")
        .env_remove("RUST_BACKTRACE");
    cmd
}

/// Runs a command that must fail, and checks the common shape of the failure: exit code 1
/// (an error, not a panic or a usage error), and exactly one line on stderr that holds
/// Chinese and English besides the `错误 error:` prefix. Returns the line.
pub fn expect_one_line_failure(mut cmd: Command, what: &str) -> String {
    let out = cmd.output().expect("the binary runs");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(!out.status.success(), "{what}: should fail but succeeded; stdout: {stdout}");
    assert_eq!(
        out.status.code(),
        Some(1),
        "{what}: exit code should be 1 (an error, not a panic or usage error); stderr: {stderr}"
    );
    let line = stderr.trim_end_matches('\n');
    assert!(!line.is_empty(), "{what}: stderr is empty");
    assert!(!line.contains('\n'), "{what}: stderr should be one line, got:\n{stderr}");
    let body = line
        .strip_prefix("错误 error: ")
        .unwrap_or_else(|| panic!("{what}: stderr should start with “错误 error: ”: {line}"));
    assert!(body.chars().any(is_cjk), "{what}: no Chinese in the message: {line}");
    assert!(
        body.split(|c: char| !c.is_ascii_alphabetic()).filter(|w| w.len() >= 3).count() >= 3,
        "{what}: no English in the message: {line}"
    );
    line.to_string()
}

pub fn is_cjk(c: char) -> bool {
    ('\u{4e00}'..='\u{9fff}').contains(&c)
}

/// Asserts that `text` holds every needle.
#[track_caller]
pub fn assert_mentions(text: &str, needles: &[&str]) {
    for n in needles {
        assert!(text.contains(n), "expected “{n}” in: {text}");
    }
}

/// A throw-away home and a folder for the files the secretariat hands around (keys, rosters,
/// intake sheets). The home is the temporary folder itself.
pub struct Desk {
    pub home: TempDir,
    pub files: TempDir,
    /// Name → hex public key of every identity exported with [`Desk::identity`].
    pub keys: BTreeMap<String, String>,
}

impl Default for Desk {
    fn default() -> Self {
        Self::new()
    }
}

impl Desk {
    /// An empty desk: no store yet, nobody initialised.
    pub fn new() -> Desk {
        Desk { home: tempfile::tempdir().unwrap(), files: tempfile::tempdir().unwrap(), keys: BTreeMap::new() }
    }

    pub fn home(&self) -> &Path {
        self.home.path()
    }

    pub fn dir(&self) -> &Path {
        self.files.path()
    }

    /// A path in the files folder.
    pub fn file(&self, name: &str) -> PathBuf {
        self.dir().join(name)
    }

    /// The file's path as a command-line argument.
    pub fn arg(&self, name: &str) -> String {
        self.file(name).to_str().unwrap().to_string()
    }

    /// Writes a file in the files folder and returns its path as an argument.
    pub fn write(&self, name: &str, content: &str) -> String {
        std::fs::write(self.file(name), content).unwrap();
        self.arg(name)
    }

    /// `reviewdesk --home HOME ARGS...`
    pub fn cmd(&self, args: &[&str]) -> Command {
        reviewdesk(self.home(), args)
    }

    /// Runs a command that must succeed and returns its stdout.
    #[track_caller]
    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.cmd(args).output().unwrap();
        assert!(
            out.status.success(),
            "{args:?} failed ({:?}): {}{}",
            out.status.code(),
            String::from_utf8_lossy(&out.stderr),
            String::from_utf8_lossy(&out.stdout)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    /// Runs a command with `--json` that must succeed and parses what it prints.
    #[track_caller]
    pub fn json(&self, args: &[&str]) -> Value {
        let mut all = args.to_vec();
        all.push("--json");
        let text = self.ok(&all);
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{args:?} printed no JSON ({e}): {text}"))
    }

    /// Every table of the store as text (see `Store::dump`); runs no command.
    pub fn dump(&self) -> String {
        let store = reviewdesk::store::Store::open(&self.home().join("reviewdesk.db")).expect("the store opens");
        store.dump().expect("the store dumps")
    }

    /// Runs a command that must be refused: exit 1, one bilingual line on stderr, and the store
    /// exactly as it was. Returns the line.
    #[track_caller]
    pub fn refused(&self, args: &[&str]) -> String {
        let before = self.dump();
        let line = expect_one_line_failure(self.cmd(args), &format!("{args:?}"));
        let after = self.dump();
        assert!(
            before == after,
            "{args:?} was refused but changed the store:\n--- before\n{before}\n--- after\n{after}"
        );
        line
    }

    /// `init --name NAME` (with `--secretariat` for the secretariat).
    pub fn init(&self, name: &str, secretariat: bool) {
        let mut args = vec!["init", "--name", name];
        if secretariat {
            args.push("--secretariat");
        }
        self.ok(&args);
    }

    /// Creates an identity and exports its public key to `files/NAME.pub`; remembers the key.
    pub fn identity(&mut self, name: &str) -> String {
        self.init(name, false);
        let out = self.arg(&format!("{name}.pub"));
        self.ok(&["--as", name, "key", "export", "--out", &out]);
        let key = read_pub_key(&self.file(&format!("{name}.pub")));
        self.keys.insert(name.to_string(), key.clone());
        key
    }

    /// The hex public key of an exported identity.
    pub fn key(&self, name: &str) -> &str {
        self.keys.get(name).unwrap_or_else(|| panic!("no exported key for {name}"))
    }

    /// Runs a command as `who`.
    #[track_caller]
    pub fn ok_as(&self, who: &str, args: &[&str]) -> String {
        let mut all = vec!["--as", who];
        all.extend_from_slice(args);
        self.ok(&all)
    }

    /// The standard meeting: the secretariat 信息化办, chair 周建国 and five experts, a roster
    /// `roster.csv` naming their `.pub` files, and meeting M1 opened on 2026-12-08.
    pub fn meeting() -> Desk {
        let mut desk = Desk::new();
        desk.init(SECRETARIAT, true);
        desk.identity(CHAIR);
        for e in EXPERTS {
            desk.identity(e);
        }
        let categories = ["技术", "技术", "财务", "安全", "技术"];
        let units = ["东南大学", "南京大学", "江苏天衡会计师事务所", "江苏省信息安全测评中心", "南京邮电大学"];
        let mut roster = String::from("姓名,角色,公钥,专业,单位\n");
        roster.push_str(&format!("{CHAIR},组长,{CHAIR}.pub,技术,南京市大数据管理局\n"));
        for (i, e) in EXPERTS.iter().enumerate() {
            roster.push_str(&format!("{e},专家,{e}.pub,{},{}\n", categories[i], units[i]));
        }
        let roster = desk.write("roster.csv", &roster);
        desk.ok_as(
            SECRETARIAT,
            &[
                "meeting",
                "open",
                "--title",
                "鼓楼区2027年度政务信息化项目评审会（第一批）",
                "--date",
                "2026-12-08",
                "--id",
                MEETING,
                "--roster",
                &roster,
            ],
        );
        // Scoring opens after sign-in (签到).
        for e in EXPERTS {
            desk.ok_as(e, &["sign-in", "--accept"]);
        }
        desk
    }
}

/// The `key` field of an exported `.pub` file.
pub fn read_pub_key(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap();
    let v: Value = serde_json::from_str(&text).unwrap();
    v["key"].as_str().unwrap().to_string()
}

/// A folder for this test process under cargo's target tmp folder, named for the test file;
/// folders of earlier test processes that have ended are removed (Linux: by their pid in /proc).
pub fn process_folder(name: &str) -> PathBuf {
    let base = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    std::fs::create_dir_all(&base).unwrap();
    let me = std::process::id();
    for entry in std::fs::read_dir(&base).unwrap().flatten() {
        if let Some(pid) = entry.file_name().to_str().and_then(|s| s.parse::<u32>().ok())
            && pid != me
            && !Path::new("/proc").join(pid.to_string()).exists()
        {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
    let root = base.join(me.to_string());
    let _ = std::fs::remove_dir_all(&root);
    std::fs::create_dir_all(&root).unwrap();
    root
}

/// Copies a home, keeping each file's mode (key files stay 0600).
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap().flatten() {
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// `reviewdesk --home HOME ARGS…`, which must succeed; its stdout.
#[track_caller]
pub fn run_ok(home: &Path, args: &[&str]) -> String {
    let out = reviewdesk(home, args).output().unwrap();
    assert!(
        out.status.success(),
        "{args:?} failed ({:?}): {}{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr),
        String::from_utf8_lossy(&out.stdout)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// A panel or manifest member for an identity.
pub fn member(id: &reviewdesk::ledger::Identity) -> reviewdesk::ledger::Member {
    reviewdesk::ledger::Member { name: id.name.clone(), key: id.key_hex(), suite: id.secret.suite() }
}

/// An identity's key fingerprint, as people read it aloud.
pub fn fp(id: &reviewdesk::ledger::Identity) -> String {
    reviewdesk::ledger::fingerprint(id.secret.suite(), &id.secret.public())
}

/// SHA-256 in hex.
pub fn sha(bytes: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(bytes))
}
