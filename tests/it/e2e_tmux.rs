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

/// tmux on a server of the session's own (`-L`): tests run in parallel, and on one shared
/// server a session ending as another starts can take the server down under it ("server exited
/// unexpectedly").
fn tmux(session: &str) -> Command {
    let mut c = Command::new("tmux");
    c.args(["-L", session]);
    c
}

impl Session {
    fn start(home: &Path, who: &str) -> Session {
        static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let name = format!("rd-e2e-{}-{n}", std::process::id());
        let bin = env!("CARGO_BIN_EXE_reviewdesk");
        let cmd = format!("{bin} --home {} --as {who}", home.display());
        let ok = tmux(&name)
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
        assert!(tmux(&self.name).args(&args).status().unwrap().success());
    }

    fn text(&self, text: &str) {
        assert!(tmux(&self.name).args(["send-keys", "-t", &self.name, "-l", text]).status().unwrap().success());
    }

    fn screen(&self) -> String {
        let out = tmux(&self.name).args(["capture-pane", "-p", "-t", &self.name]).output().unwrap();
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
        // Once the app has quit, its server is gone and tmux says so: not news here.
        tmux(&self.name)
            .args(["has-session", "-t", &self.name])
            .stderr(std::process::Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    }
}

impl Session {
    /// Filters the queue by `text` and waits until it shows `count` (e.g. "共 1 项").
    fn filter(&self, text: &str, count: &str) {
        self.keys(&["/"]);
        self.text(text);
        self.wait_for(count);
    }

    fn resize(&self, w: u16, h: u16) {
        let (w, h) = (w.to_string(), h.to_string());
        let ok = tmux(&self.name).args(["resize-window", "-t", &self.name, "-x", &w, "-y", &h]).status();
        assert!(ok.unwrap().success());
    }

    /// Waits until the app has gone, or says what it shows.
    fn wait_gone(&self) {
        let start = Instant::now();
        while self.running() && start.elapsed() < HANG_GUARD {
            std::thread::sleep(Duration::from_millis(100));
        }
        assert!(!self.running(), "the app did not quit:\n{}", self.screen());
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        let _ = tmux(&self.name).args(["kill-server"]).stderr(std::process::Stdio::null()).status();
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

    s.filter("一网统管", "共 1 项");
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
    s.wait_for("Ctrl-S 汇总并签名");
    s.keys(&["C-s"]);
    s.wait_for("签名提交评分 GL-LX-2027-001");
    s.keys(&["y"]);
    let after = s.wait_for("已签名提交评分");
    assert!(after.contains("86"), "{after}");
    s.keys(&["Escape"]);
    s.wait_for("共 17 项");

    // Same machine, same session: switch to the chair, who records a decision that departs
    // from the suggestion, with a reason.
    s.keys(&["i"]);
    let list = s.wait_for("切换身份（Enter 选定）");
    assert!(list.contains("王建国") && list.contains("鼓楼区数据局信息化办"), "{list}");
    // Identities are listed by name: 王建国 sits just above 赵敏.
    s.keys(&["Up", "Enter"]);
    s.wait_for("当前身份：王建国（组长）");
    s.filter("一网统管", "共 1 项");
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
    s.wait_for("Ctrl-S 汇总并签名");
    s.keys(&["C-s"]);
    s.wait_for("签名记录结论 GL-LX-2027-001");
    s.keys(&["y"]);
    s.wait_for("已签名记录结论");
    s.keys(&["Escape"]);
    s.wait_for("共 17 项");
    s.keys(&["q"]);
    s.wait_gone();

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

/// The demo meeting in a fresh home, with 赵敏's sheet for GL-LX-2027-001 signed on the command
/// line so that every member has scored it and nothing but the keys stands between the chair
/// and a signed decision.
fn demo_home(dir: &Path) -> std::path::PathBuf {
    let home = dir.join("demo");
    let run = |args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_reviewdesk"))
            .arg("--home")
            .arg(&home)
            .args(args)
            .env("REVIEWDESK_NOW", "2026-12-08T09:00:00Z")
            .output()
            .unwrap();
        assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    };
    run(&["demo", "--no-tui"]);
    let points = "necessity=13,requirements=13,technical=17.5,sharing=13,security=8.5,budget=13,implementation=8";
    run(&["--as", "赵敏", "score", "GL-LX-2027-001", "--points", points]);
    home
}

/// What the store says, through the command line.
fn json(home: &Path, args: &[&str]) -> serde_json::Value {
    let out = Command::new(env!("CARGO_BIN_EXE_reviewdesk")).arg("--home").arg(home).args(args).output().unwrap();
    assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

fn kinds_signed_by(home: &Path, name: &str) -> Vec<String> {
    let log = json(home, &["log", "--json"]);
    log["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["author_name"] == name)
        .map(|e| e["kind"].as_str().unwrap_or("").to_string())
        .collect()
}

#[test]
fn behind_the_too_small_notice_no_key_signs_anything() {
    let dir = tempfile::tempdir().unwrap();
    let home = demo_home(dir.path());
    // The chair's two decisions in the demo's earlier meeting are there from the start.
    let before = kinds_signed_by(&home, "王建国");
    let s = Session::start(&home, "王建国");
    s.wait_for("共 17 项");
    s.filter("一网统管", "共 1 项");
    s.keys(&["Enter"]);
    s.resize(70, 20);
    s.wait_for("终端窗口太小");
    // What signed a decision the chair never saw: d, Ctrl-S, y.
    s.keys(&["d"]);
    s.keys(&["C-s"]);
    s.keys(&["y"]);
    s.keys(&["Enter"]);
    s.keys(&["y"]);
    s.resize(100, 30);
    let back = s.wait_for("共 1 项");
    assert!(!back.contains("已签名"), "{back}");
    s.keys(&["q"]);
    s.wait_gone();
    assert_eq!(kinds_signed_by(&home, "王建国"), before, "nothing was signed behind the notice");
}

#[test]
fn a_conflict_is_never_signed_by_the_enter_that_ends_its_reason() {
    let dir = tempfile::tempdir().unwrap();
    let home = demo_home(dir.path());
    let s = Session::start(&home, "赵敏");
    s.wait_for("共 17 项");
    // A slip: `clear` typed on the queue opens the conflict box with "lear" in it.
    s.text("clear");
    s.wait_for("声明回避");
    s.keys(&["Enter"]);
    s.wait_for("请写明理由");
    // A real reason, and Enter: the whole text is shown for a deliberate y, not signed.
    s.keys(&["BSpace", "BSpace", "BSpace", "BSpace"]);
    s.text("本人曾参与该系统建设");
    s.keys(&["Enter"]);
    s.wait_for("y 签名");
    s.keys(&["Escape"]);
    s.wait_for("Enter 核对并签名");
    // Each Escape waits for what only the next state shows: a terminal reads ESC followed at
    // once by another key as Alt+key. The queue's own key bar starts with "Enter 打开".
    s.keys(&["Escape"]);
    s.wait_for("Enter 打开");
    // And Esc on the queue, even twice, never leaves the app.
    s.filter("档案", "共 2 项");
    s.keys(&["Escape"]);
    s.wait_for("共 17 项");
    s.keys(&["Escape"]);
    s.wait_for("在队列按 q 退出");
    assert!(s.running());
    s.keys(&["q"]);
    s.wait_gone();
    assert!(!kinds_signed_by(&home, "赵敏").contains(&"conflict_declared".to_string()));
}

#[test]
fn a_revocation_on_the_sync_screen_needs_the_confirmation() {
    let dir = tempfile::tempdir().unwrap();
    let home = demo_home(dir.path());
    let s = Session::start(&home, "鼓楼区数据局信息化办");
    s.wait_for("共 17 项");
    s.keys(&["u"]);
    s.wait_for("K ");
    s.keys(&["K"]);
    s.wait_for("本机已知的签名密钥");
    s.keys(&["Down", "v"]);
    s.wait_for("吊销密钥");
    s.text("笔记本电脑丢失");
    s.keys(&["Enter"]);
    let confirm = s.wait_for("吊销以下签名密钥");
    assert!(confirm.contains("y 签名"), "{confirm}");
    s.keys(&["Escape"]);
    s.wait_for("Enter 核对并签名");
    s.keys(&["Escape"]);
    // The keys pane's own key bar, not its title (which shows under the form too).
    s.wait_for("v 吊销");
    s.keys(&["C-c"]);
    // The reason typed in the form is gone with it; nothing else is open, so Ctrl-C quits.
    s.wait_gone();
    assert!(!kinds_signed_by(&home, "鼓楼区数据局信息化办").contains(&"key_revoked".to_string()));
}

#[test]
fn ctrl_c_in_the_score_sheet_keeps_it_as_a_draft() {
    let dir = tempfile::tempdir().unwrap();
    let home = demo_home(dir.path());
    let s = Session::start(&home, "赵敏");
    s.wait_for("共 17 项");
    s.filter("档案馆", "共 1 项");
    s.keys(&["Enter", "e"]);
    s.wait_for("Ctrl-S 汇总并签名");
    s.text("17");
    s.keys(&["Down"]);
    s.text("18.5");
    s.wait_for("18.5");
    // 2,000 Chinese characters pasted in one piece (bracketed paste) land in the comment box,
    // wrapped by display width.
    let text: String = "试运行记录完整日志留存满六个月".chars().cycle().take(2000).collect();
    assert!(tmux(&s.name).args(["set-buffer", "-b", &s.name, &text]).status().unwrap().success());
    s.keys(&["Tab"]);
    s.wait_for("Esc 结束输入");
    assert!(tmux(&s.name).args(["paste-buffer", "-p", "-b", &s.name, "-t", &s.name]).status().unwrap().success());
    let pasted = s.wait_for("日志留存满六个月试运行");
    let wrapped = pasted.lines().filter(|l| l.contains("日志留存") || l.contains("试运行记录")).count();
    assert!(wrapped >= 3, "{pasted}");
    s.keys(&["Escape"]);
    s.wait_for("Ctrl-S 汇总并签名");
    s.keys(&["C-c"]);
    s.wait_gone();
    let q = json(&home, &["--as", "赵敏", "queue", "--json"]);
    let row = q["rows"].as_array().unwrap().iter().find(|r| r["code"] == "GL-YS-2025-022").unwrap();
    assert_eq!(row["my_score"]["state"], "draft", "{row}");
    // Opened again, the points are there.
    let s = Session::start(&home, "赵敏");
    s.wait_for("共 17 项");
    s.filter("档案馆", "共 1 项");
    s.keys(&["Enter", "e"]);
    let sheet = s.wait_for("18.5");
    assert!(sheet.contains("17"), "{sheet}");
}

/// 整改跟踪 in a real terminal: `z` on the queue lists the demo's two 限期整改 orders, the
/// overdue one first with its unit held back, and Esc comes back to the queue.
#[test]
fn z_shows_the_rectification_tracker_and_esc_returns() {
    let dir = tempfile::tempdir().unwrap();
    let home = demo_home(dir.path());
    let s = Session::start(&home, "鼓楼区数据局信息化办");
    s.wait_for("共 17 项");
    s.keys(&["z"]);
    let screen = s.wait_for("整改跟踪");
    assert!(screen.contains("1 个单位被暂缓后续立项"), "{screen}");
    let overdue = screen.find("GL-YS-2025-017").unwrap_or(usize::MAX);
    let again = screen.find("GL-YS-2025-019").unwrap_or(0);
    assert!(overdue < again, "the earlier deadline first:\n{screen}");
    assert!(screen.contains("逾期未重新申请") && screen.contains("鼓楼区应急管理局"), "{screen}");
    s.keys(&["Escape"]);
    s.wait_for("Enter 打开");
    s.keys(&["q"]);
    s.wait_gone();
}
