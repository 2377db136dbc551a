//! End to end in a real terminal: the binary runs under tmux, keys go in with `send-keys`, and
//! the assertions read what a person would see with `capture-pane`. `.ci/run` installs tmux.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

/// How long a test waits for the terminal before calling it a hang (see `Session::wait_for`).
const HANG_GUARD: Duration = Duration::from_secs(300);

struct Session {
    name: String,
}

impl Session {
    fn start(home: &Path, who: &str) -> Session {
        static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let name = format!("rd-e2e-{}-{n}", std::process::id());
        let bin = env!("CARGO_BIN_EXE_reviewdesk");
        let cmd = format!("{bin} --home {} --as {who}", home.display());
        let ok = Command::new("tmux")
            .args(["new-session", "-d", "-s", &name, "-x", "100", "-y", "30", &cmd])
            .env("LANG", "C.UTF-8")
            .status()
            .expect("tmux is installed (.ci/run installs it)");
        assert!(ok.success());
        Session { name }
    }

    fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", &self.name];
        args.extend_from_slice(keys);
        assert!(Command::new("tmux").args(&args).status().unwrap().success());
    }

    fn text(&self, text: &str) {
        assert!(Command::new("tmux").args(["send-keys", "-t", &self.name, "-l", text]).status().unwrap().success());
    }

    fn screen(&self) -> String {
        let out = Command::new("tmux").args(["capture-pane", "-p", "-t", &self.name]).output().unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Waits until the screen shows `what` (the app draws asynchronously from tmux's view). The
    /// bound only keeps a broken build from hanging CI: it is far beyond any busy machine's
    /// drawing time, and nothing is asserted about speed.
    fn wait_for(&self, what: &str) -> String {
        let start = Instant::now();
        loop {
            let s = self.screen();
            if s.contains(what) {
                return s;
            }
            assert!(start.elapsed() < HANG_GUARD, "never saw “{what}” on:\n{s}");
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn running(&self) -> bool {
        Command::new("tmux").args(["has-session", "-t", &self.name]).status().is_ok_and(|s| s.success())
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        let _ = Command::new("tmux").args(["kill-session", "-t", &self.name]).status();
    }
}

#[test]
fn an_expert_scores_and_the_chair_decides_in_a_real_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("demo");
    let built = Command::new(env!("CARGO_BIN_EXE_reviewdesk"))
        .args(["--home", home.to_str().unwrap(), "demo", "--no-tui"])
        .env("REVIEWDESK_NOW", "2026-12-08T09:00:00Z")
        .output()
        .unwrap();
    assert!(built.status.success());

    let s = Session::start(&home, "赵敏");
    let first = s.wait_for("待评分");
    assert!(first.contains("当前身份：赵敏（专家）") && first.contains("提交后可见"), "{first}");

    s.keys(&["/"]);
    s.text("一网统管");
    s.wait_for("共 1 项");
    s.keys(&["Enter", "e"]);
    s.wait_for("建设必要性");
    for (i, p) in ["13", "13", "17.5", "13", "8.5", "13", "8"].iter().enumerate() {
        if i > 0 {
            s.keys(&["Down"]);
        }
        s.text(p);
    }
    s.wait_for("总分：86 / 100");
    s.keys(&["Up", "Up", "Up", "Up", "Up", "Up", "Tab"]);
    s.text("建设必要性充分，建议通过");
    s.wait_for("建设必要性充分，建议通过");
    // Escape and the next key must arrive apart: a terminal reads ESC followed at once by
    // another key as Alt+key.
    s.keys(&["Escape"]);
    s.wait_for("Ctrl-S 提交");
    s.keys(&["C-s"]);
    s.wait_for("提交前确认");
    s.keys(&["y"]);
    let after = s.wait_for("已签名提交评分");
    assert!(after.contains("86"), "{after}");
    s.keys(&["Escape"]);
    s.wait_for("共 14 项");

    // Same machine, same session: switch to the chair, who records a decision that departs
    // from the suggestion, with a reason.
    s.keys(&["i"]);
    let list = s.wait_for("切换身份（Enter 选定）");
    assert!(list.contains("王建国") && list.contains("鼓楼区数据局信息化办"), "{list}");
    // Identities are listed by name: 王建国 sits just above 赵敏.
    s.keys(&["Up", "Enter"]);
    s.wait_for("当前身份：王建国（组长）");
    s.keys(&["/"]);
    s.text("一网统管");
    s.wait_for("共 1 项");
    s.keys(&["Enter", "d"]);
    let panel = s.wait_for("建议结论");
    assert!(panel.contains("汇总分：") && panel.contains("结论：◀"), "{panel}");
    s.keys(&["Right"]);
    s.wait_for("不采纳建议结论的理由");
    for _ in 0..5 {
        s.keys(&["Down"]);
    }
    s.keys(&["Tab"]);
    s.text("专家组讨论后认为需补充数据共享清单");
    s.wait_for("专家组讨论后认为需补充数据共享清单");
    s.keys(&["Escape"]);
    s.wait_for("Ctrl-S 提交");
    s.keys(&["C-s"]);
    s.wait_for("提交前确认");
    s.keys(&["y"]);
    s.wait_for("已签名记录结论");
    s.keys(&["Escape"]);
    s.wait_for("共 14 项");
    s.keys(&["q"]);
    let start = Instant::now();
    while s.running() && start.elapsed() < HANG_GUARD {
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(!s.running(), "q did not quit:\n{}", s.screen());

    let out = Command::new(env!("CARGO_BIN_EXE_reviewdesk"))
        .args(["--home", home.to_str().unwrap(), "--as", "赵敏", "queue", "--json"])
        .output()
        .unwrap();
    let q: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let row = q["rows"].as_array().unwrap().iter().find(|r| r["code"] == "GL-LX-2027-001").unwrap();
    assert_eq!(row["my_score"]["state"], "submitted");
    assert_eq!(row["my_score"]["total"], 86);
    assert_eq!(row["scored"], 5);
    assert_eq!(row["status"], "decided");
    // Five experts now: the trimmed mean, and the chair's outcome differs from the suggestion.
    assert_eq!(row["aggregate"]["method"], "trimmed_mean");
    assert_ne!(row["outcome"], row["suggested"]);
    let shown = Command::new(env!("CARGO_BIN_EXE_reviewdesk"))
        .args(["--home", home.to_str().unwrap(), "--as", "王建国", "show", "GL-LX-2027-001", "--json"])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&shown.stdout).unwrap();
    assert_eq!(v["decision"]["decision"]["override_reason"], "专家组讨论后认为需补充数据共享清单");
}

#[test]
fn a_protected_key_is_asked_for_without_echo_and_in_a_masked_box() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("demo");
    let bin = env!("CARGO_BIN_EXE_reviewdesk");
    let run = |args: &[&str], pass: Option<&Path>, new: Option<&Path>| {
        let mut c = Command::new(bin);
        c.arg("--home").arg(&home).args(args).env("REVIEWDESK_NOW", "2026-12-08T09:00:00Z");
        c.env_remove("REVIEWDESK_PASSPHRASE_FILE").env_remove("REVIEWDESK_NEW_PASSPHRASE_FILE");
        if let Some(p) = pass {
            c.env("REVIEWDESK_PASSPHRASE_FILE", p);
        }
        if let Some(p) = new {
            c.env("REVIEWDESK_NEW_PASSPHRASE_FILE", p);
        }
        assert!(c.output().unwrap().status.success(), "{args:?}");
    };
    run(&["demo", "--no-tui"], None, None);
    // Both the expert's and the chair's keys are sealed.
    for (who, pass) in [("赵敏", "赵敏的口令 2026"), ("王建国", "组长口令 horse")] {
        let file = dir.path().join(format!("{who}.pass"));
        std::fs::write(&file, format!("{pass}\n")).unwrap();
        run(&["--as", who, "key", "passwd"], None, Some(&file));
    }

    // The passphrase is asked on the terminal before the screens open, and not shown.
    let s = Session::start(&home, "赵敏");
    s.wait_for("“赵敏”的口令");
    s.text("猜错的口令");
    s.keys(&["Enter"]);
    let wrong = s.wait_for("口令不正确，请重试");
    assert!(!wrong.contains("猜错的口令"), "the passphrase is echoed:\n{wrong}");
    s.text("赵敏的口令 2026");
    s.keys(&["Enter"]);
    s.wait_for("当前身份：赵敏（专家）");

    // Switching to the sealed chair asks in a box that shows dots.
    s.keys(&["i"]);
    s.wait_for("切换身份（Enter 选定）");
    s.keys(&["Up", "Enter"]);
    s.wait_for("输入“王建国”的口令");
    s.text("组长口令 horse");
    let masked = s.wait_for("●●●●●●●●●●");
    assert!(!masked.contains("组长口令"), "the passphrase shows:\n{masked}");
    s.keys(&["Enter"]);
    s.wait_for("当前身份：王建国（组长）");
    s.keys(&["q"]);
}
