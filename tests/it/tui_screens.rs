//! The screens on the demo meeting, drawn on ratatui's TestBackend: snapshots at 80×24 and
//! 120×40 in Chinese and English, and key sequences through the update function.

use crate::common::DEMO_EVENTS;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use reviewdesk::cli::Home;
use reviewdesk::domain::Lang;
use reviewdesk::store::Store;
use reviewdesk::tui::app::App;
use reviewdesk::tui::screens::decision::DecisionState;
use reviewdesk::tui::screens::detail::DetailState;
use reviewdesk::tui::screens::pickers::{Switcher, Unlock};
use reviewdesk::tui::screens::queue::QueueState;
use reviewdesk::tui::screens::scoring::ScoringState;
use reviewdesk::tui::screens::sync::SyncState;
use std::path::Path;
use std::sync::OnceLock;

/// One demo home for the whole file, built by the binary at a fixed clock.
fn demo() -> &'static Path {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        assert_cmd::cargo::cargo_bin_cmd!("reviewdesk")
            .args(["--home", dir.path().join("demo").to_str().unwrap(), "demo", "--no-tui"])
            .env("REVIEWDESK_NOW", "2026-12-08T09:00:00Z")
            .env_remove("REVIEWDESK_HOME")
            .assert()
            .success();
        dir
    })
    .path()
}

fn app(who: &str, lang: Lang) -> App {
    let home = Home { dir: demo().join("demo") };
    let store = Store::open(&home.db()).unwrap();
    let me = home.keyring().load(who).unwrap();
    App::new(store, me, lang)
}

/// The screen as text, with the random parts (key fingerprints) masked.
fn draw(app: &mut App, w: u16, h: u16) -> String {
    app.size = ratatui::layout::Rect::new(0, 0, w, h);
    let mut terminal = Terminal::new(TestBackend::new(w, h)).unwrap();
    terminal.draw(|f| app.render(f)).unwrap();
    mask_fingerprints(&terminal.backend().to_string())
}

fn mask_fingerprints(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    let is_hex = |c: char| c.is_ascii_digit() || ('A'..='F').contains(&c);
    while i < chars.len() {
        let window: String = chars[i..(i + 19).min(chars.len())].iter().collect();
        let looks = window.len() == 19
            && window.chars().enumerate().all(|(j, c)| if j % 5 == 4 { c == '-' } else { is_hex(c) });
        if looks {
            out.push_str("XXXX-XXXX-XXXX-XXXX");
            i += 19;
        } else {
            out.push(chars[i]);
            i += 1;
        }
    }
    out
}

/// A key press, the frame that follows it, then whatever slow work it started (the loop does
/// that after the next frame).
fn press(app: &mut App, code: KeyCode) {
    key(app, KeyEvent::new(code, KeyModifiers::NONE));
}

fn key(app: &mut App, ev: KeyEvent) {
    app.on_key(ev);
    redraw(app);
    app.run_pending();
}

/// Draws a frame at the app's size, as the loop does after every key.
fn redraw(app: &mut App) {
    let (w, h) = (app.size.width, app.size.height);
    let mut terminal = Terminal::new(TestBackend::new(w, h)).unwrap();
    terminal.draw(|f| app.render(f)).unwrap();
}

/// Every screen is drawn at 80×24 and 120×40, in Chinese and in English, as `NAME_WxH_LANG`.
/// `open` brings the app to the screen in the given language; `check` sees each drawing.
fn matrix(name: &str, open: impl Fn(Lang) -> App, check: impl Fn(Lang, &str)) {
    for lang in [Lang::Zh, Lang::En] {
        for (w, h) in [(80, 24), (120, 40)] {
            let screen = draw(&mut open(lang), w, h);
            check(lang, &screen);
            let tag = if lang == Lang::Zh { "zh" } else { "en" };
            insta::assert_snapshot!(format!("{name}_{w}x{h}_{tag}"), screen);
        }
    }
}

fn opened(who: &str, lang: Lang, code: &str, key: KeyCode) -> App {
    let mut a = app(who, lang);
    select(&mut a, code);
    press(&mut a, key);
    a
}

/// The text inside the bordered box of a screen, line after line, without the borders.
fn inside_box(screen: &str) -> String {
    screen
        .lines()
        .filter_map(|l| {
            let (a, b) = (l.find('│')?, l.rfind('│')?);
            (b > a).then(|| l[a + '│'.len_utf8()..b].trim_end().to_string())
        })
        .collect()
}

fn type_text(app: &mut App, text: &str) {
    for c in text.chars() {
        press(app, KeyCode::Char(c));
    }
}

#[test]
fn snapshots_of_the_queue_as_the_chair() {
    matrix(
        "queue_chair",
        |l| app("王建国", l),
        |l, screen| {
            // The chair sees every aggregate: 82.25 is GL-LX-2027-001's trimmed mean.
            assert!(screen.contains("82.25"), "{l:?}\n{screen}");
        },
    );
}

#[test]
fn snapshots_of_the_queue_as_the_expert_who_has_not_scored_are_blind() {
    matrix(
        "queue_blind",
        |l| app("赵敏", l),
        |l, screen| {
            assert!(screen.contains(if l == Lang::Zh { "提交后可见" } else { "after you" }), "{screen}");
            assert!(!screen.contains("82.25"), "an aggregate leaked to a blind expert:\n{screen}");
        },
    );
}

#[test]
fn snapshots_of_the_detail_of_a_change_that_must_reapply() {
    matrix(
        "detail",
        |l| opened("王建国", l, "GL-BG-2026-012", KeyCode::Enter),
        |l, screen| {
            assert!(screen.contains(if l == Lang::Zh { "须重新立项" } else { "re-apply" }), "{screen}");
            assert!(screen.contains("▶ GL-BG-2026-012"), "the document to open is marked:\n{screen}");
        },
    );
}

#[test]
fn snapshots_of_the_scoring_screen_part_filled() {
    let fill = |l: Lang| {
        let mut a = opened("赵敏", l, "GL-LX-2027-004", KeyCode::Char('e'));
        type_text(&mut a, "12");
        press(&mut a, KeyCode::Down);
        type_text(&mut a, "11.5");
        a
    };
    matrix("scoring", fill, |_, screen| assert!(screen.contains("23.5"), "the live total:\n{screen}"));
}

#[test]
fn snapshots_of_the_decision_panel() {
    matrix(
        "decision",
        |l| opened("王建国", l, "GL-BG-2026-012", KeyCode::Char('d')),
        |_, screen| {
            assert!(screen.contains("71.25"), "{screen}");
        },
    );
}

#[test]
fn snapshots_of_help_over_the_queue() {
    let help = |l: Lang| {
        let mut a = app("王建国", l);
        press(&mut a, KeyCode::Char('?'));
        a
    };
    matrix("help", help, |_, screen| assert!(screen.contains("Ctrl-C"), "{screen}"));
}

#[test]
fn snapshots_of_the_sync_screen_previewing_a_bundle_on_a_stick() {
    let preview = |l: Lang| {
        let mut a = app("王建国", l);
        at_stick(&mut a, stick());
        press(&mut a, KeyCode::Enter);
        a
    };
    matrix("sync", preview, |l, screen| {
        assert!(screen.contains("from-liming.rdbundle"), "{screen}");
        assert!(screen.contains(if l == Lang::Zh { "再按一次 Enter 导入" } else { "Enter again" }), "{screen}");
    });
}

#[test]
fn below_80x24_the_app_says_the_terminal_is_too_small() {
    let screen = draw(&mut app("王建国", Lang::Zh), 79, 24);
    assert!(screen.contains("终端窗口太小") && screen.contains("79×24"), "{screen}");
    let screen = draw(&mut app("王建国", Lang::En), 100, 20);
    assert!(screen.contains("too small") && screen.contains("100×20"), "{screen}");
}

#[test]
fn filtering_in_chinese_then_opening_and_going_back() {
    let mut a = app("王建国", Lang::Zh);
    assert_eq!(a.screen::<QueueState>().unwrap().shown.len(), 17);
    press(&mut a, KeyCode::Char('/'));
    type_text(&mut a, "档案");
    let q = a.screen::<QueueState>().unwrap();
    let codes: Vec<&str> = q.shown.iter().map(|i| q.view.rows[*i].code.as_str()).collect();
    assert_eq!(codes, ["GL-LX-2027-004", "GL-YS-2025-022"]);
    press(&mut a, KeyCode::Enter); // ends the filter
    press(&mut a, KeyCode::Down);
    press(&mut a, KeyCode::Enter); // opens the selected application
    assert_eq!(a.screen::<DetailState>().unwrap().view.application.code, "GL-YS-2025-022");
    press(&mut a, KeyCode::Esc);
    assert!(a.screen::<DetailState>().is_none() && !a.quit);
    press(&mut a, KeyCode::Esc); // clears the filter first
    assert_eq!(a.screen::<QueueState>().unwrap().shown.len(), 17);
    press(&mut a, KeyCode::Char('?'));
    assert_eq!(a.top(), "help");
    press(&mut a, KeyCode::Esc);
    assert!(a.top() == "queue" && !a.quit);
    a.on_key(KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL));
    assert!(a.quit);
}

#[test]
fn the_real_cursor_sits_after_the_filter_text_measured_in_cells() {
    let mut a = app("王建国", Lang::Zh);
    press(&mut a, KeyCode::Char('/'));
    type_text(&mut a, "档案");
    a.size = ratatui::layout::Rect::new(0, 0, 80, 24);
    let mut terminal = Terminal::new(TestBackend::new(80, 24)).unwrap();
    terminal.draw(|f| a.render(f)).unwrap();
    // "筛选: " is 6 cells and "档案" 4: the cursor is at column 10 of the filter line.
    let pos = terminal.get_cursor_position().unwrap();
    assert_eq!((pos.x, pos.y), (10, 21));
}

/// A demo home of its own, for tests that write.
fn fresh_demo() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    assert_cmd::cargo::cargo_bin_cmd!("reviewdesk")
        .args(["--home", dir.path().to_str().unwrap(), "demo", "--no-tui"])
        .env("REVIEWDESK_NOW", "2026-12-08T09:00:00Z")
        .env_remove("REVIEWDESK_HOME")
        .assert()
        .success();
    dir
}

fn app_in(dir: &Path, who: &str) -> App {
    let home = Home { dir: dir.to_path_buf() };
    App::new(Store::open(&home.db()).unwrap(), home.keyring().load(who).unwrap(), Lang::Zh)
}

fn select(app: &mut App, code: &str) {
    let q = app.screen_mut::<QueueState>().unwrap();
    q.selected = q.shown.iter().position(|i| q.view.rows[*i].code == code).unwrap();
}

fn ctrl(app: &mut App, c: char) {
    key(app, KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL));
}

#[test]
fn an_expert_scores_from_the_queue_to_a_signed_event() {
    let dir = fresh_demo();
    let mut a = app_in(dir.path(), "赵敏");
    select(&mut a, "GL-LX-2027-001");
    press(&mut a, KeyCode::Char('e'));
    assert!((a.top() == "scoring"));
    // necessity (max 15): "16" is refused as typed, the 1 stays.
    type_text(&mut a, "16");
    assert_eq!(a.screen::<ScoringState>().unwrap().points[0], None, "16 is refused, and stays on screen as typed");
    assert!(a.screen::<ScoringState>().unwrap().error.as_deref().unwrap_or("").contains("超出"));
    assert!(draw(&mut a, 80, 24).contains("“16”超出本项满分 15 分"));
    press(&mut a, KeyCode::Backspace);
    type_text(&mut a, "3");
    press(&mut a, KeyCode::Tab);
    type_text(&mut a, "建设必要性论证充分");
    press(&mut a, KeyCode::Esc);
    // The rest: requirements 13, technical 17 then +, sharing 13, security 8.5, budget 13, implementation 8.
    for p in ["13", "17", "13", "8.5", "13", "8"] {
        press(&mut a, KeyCode::Down);
        type_text(&mut a, p);
    }
    press(&mut a, KeyCode::Up);
    press(&mut a, KeyCode::Up);
    press(&mut a, KeyCode::Up);
    press(&mut a, KeyCode::Up);
    press(&mut a, KeyCode::Char('+')); // technical 17 → 17.5
    assert_eq!(a.screen::<ScoringState>().unwrap().total().to_string(), "86");
    ctrl(&mut a, 's');
    assert_eq!(a.top(), "confirm", "{:?}", a.screen::<ScoringState>().unwrap().error);
    // The summary lists the comment too, and says which key signs.
    let screen = draw(&mut a, 80, 24);
    assert!(screen.contains("签名提交评分 GL-LX-2027-001") && screen.contains("建设必要性论证充分"), "{screen}");
    assert!(screen.contains("总分：86 / 100") && screen.contains("y 签名"), "{screen}");
    press(&mut a, KeyCode::Char('y'));
    assert!(a.screen::<ScoringState>().is_none(), "{:?}", a.message);
    assert!(a.message.as_deref().unwrap_or("").contains("已签名提交评分"));
    // The event is in the store: the expert now sees the aggregate, and the comment travelled.
    let home = Home { dir: dir.path().to_path_buf() };
    let store = Store::open(&home.db()).unwrap();
    let me = home.keyring().load("赵敏").unwrap().key_hex();
    let v = store.application("GL-2027-01", "GL-LX-2027-001", &me).unwrap();
    assert!(!v.blind);
    let mine = v.experts.iter().find(|e| e.key == me).unwrap();
    assert_eq!(mine.total.unwrap().to_string(), "86");
    assert_eq!(mine.sheet.as_ref().unwrap().comments["necessity"], "建设必要性论证充分");
    assert_eq!(v.aggregate.unwrap().n, 5);
}

#[test]
fn an_unfinished_sheet_comes_back_as_a_draft_after_a_restart() {
    let dir = fresh_demo();
    let mut a = app_in(dir.path(), "赵敏");
    select(&mut a, "GL-YS-2025-021");
    press(&mut a, KeyCode::Char('e'));
    type_text(&mut a, "20");
    ctrl(&mut a, 's'); // incomplete: refused with the criterion named
    assert!(a.screen::<ScoringState>().unwrap().error.as_deref().unwrap_or("").contains("还没有打分"));
    press(&mut a, KeyCode::Esc);
    assert!(a.screen::<ScoringState>().is_none());
    drop(a);
    let mut b = app_in(dir.path(), "赵敏");
    let q = b.screen::<QueueState>().unwrap();
    let row = q.view.rows.iter().find(|r| r.code == "GL-YS-2025-021").unwrap();
    assert_eq!(row.my_score, reviewdesk::store::MyScore::Draft);
    select(&mut b, "GL-YS-2025-021");
    press(&mut b, KeyCode::Char('e'));
    assert_eq!(b.screen::<ScoringState>().unwrap().points[0], Some(reviewdesk::domain::Points::whole(20)));
}

#[test]
fn the_chair_cannot_open_a_score_sheet() {
    let mut a = app("王建国", Lang::Zh);
    press(&mut a, KeyCode::Char('e'));
    assert!(a.screen::<ScoringState>().is_none());
    assert!(a.message.as_deref().unwrap_or("").contains("只有本会议未回避的专家可以评分"));
}

#[test]
fn the_decision_panel_offers_the_o_and_m_outcomes_and_asks_the_approved_amount() {
    use reviewdesk::domain::Outcome;
    let dir = fresh_demo();
    let mut a = app_in(dir.path(), "王建国");
    select(&mut a, "GL-YW-2027-032"); // 74, 70, 72, 76: plain mean 73.00 → 核减后同意
    press(&mut a, KeyCode::Char('d'));
    let d = a.screen::<DecisionState>().unwrap();
    assert_eq!(d.outcomes, [Outcome::MaintenanceApproved, Outcome::MaintenanceReduced, Outcome::MaintenanceRejected]);
    assert_eq!(d.outcome(), Some(Outcome::MaintenanceReduced));
    assert!(!d.fields().contains(&reviewdesk::tui::screens::decision::Field::Class), "A/B/C is for approvals");
    assert!(draw(&mut a, 120, 40).contains("核减后同意"));
    // Acknowledge 赵敏's missing sheet, then sign without conditions: the amount is asked for.
    let fields = a.screen::<DecisionState>().unwrap().fields();
    for _ in 1..fields.len() {
        press(&mut a, KeyCode::Down);
    }
    press(&mut a, KeyCode::Char(' '));
    ctrl(&mut a, 's');
    let error = a.screen::<DecisionState>().unwrap().error.clone().unwrap_or_default();
    assert!(error.contains("核减后同意须在附加条件中写明核定的运维费用"), "{error}");
    assert_eq!(a.top(), "decision");
}

#[test]
fn the_chair_overrides_the_suggestion_with_a_reason_and_signs() {
    let dir = fresh_demo();
    let mut a = app_in(dir.path(), "王建国");
    select(&mut a, "GL-YS-2025-022"); // suggested: rectify (trial operation too short)
    press(&mut a, KeyCode::Char('d'));
    let d = a.screen::<DecisionState>().unwrap();
    assert!(!d.read_only);
    assert_eq!(d.outcome().unwrap(), reviewdesk::domain::Outcome::Rectify);
    // One expert has not scored: the panel warns as `decide` does, and wants it acknowledged.
    ctrl(&mut a, 's');
    let error = a.screen::<DecisionState>().unwrap().error.clone().unwrap_or_default();
    assert!(error.contains("还有专家未提交评分") && error.contains("赵敏"), "{error}");
    assert_eq!(a.top(), "decision");
    let fields = a.screen::<DecisionState>().unwrap().fields();
    for _ in 1..fields.len() {
        press(&mut a, KeyCode::Down);
    }
    press(&mut a, KeyCode::Char(' '));
    assert!(a.screen::<DecisionState>().unwrap().partial);
    for _ in 1..fields.len() {
        press(&mut a, KeyCode::Up);
    }
    // Rectify needs a checked deadline.
    ctrl(&mut a, 's');
    assert!(a.screen::<DecisionState>().unwrap().error.as_deref().unwrap_or("").contains("整改期限"));
    // 通过验收 is not offered: the short trial blocks it (第二十二条), and the panel says so.
    let d = a.screen::<DecisionState>().unwrap();
    assert!(!d.outcomes.contains(&reviewdesk::domain::Outcome::Accepted), "{:?}", d.outcomes);
    assert!(d.forbidden[0].why.zh.contains("不能选“通过验收”") && d.forbidden[0].why.zh.contains("第二十二条"));
    // Choose 不通过 instead: the reason field appears, and is required.
    press(&mut a, KeyCode::Left);
    assert_eq!(a.screen::<DecisionState>().unwrap().outcome().unwrap(), reviewdesk::domain::Outcome::AcceptanceFailed);
    ctrl(&mut a, 's');
    assert!(a.screen::<DecisionState>().unwrap().error.as_deref().unwrap_or("").contains("须填写理由"));
    let fields = a.screen::<DecisionState>().unwrap().fields();
    for _ in 2..fields.len() {
        press(&mut a, KeyCode::Down);
    }
    press(&mut a, KeyCode::Tab);
    let reason = "试运行记录缺失严重，专家组认为无法限期补正。建设单位须重新组织试运行，运维记录与日志留存均不完整，专家组一致认为不予通过验收";
    type_text(&mut a, reason);
    press(&mut a, KeyCode::Esc);
    ctrl(&mut a, 's');
    assert_eq!(a.top(), "confirm", "{:?}", a.screen::<DecisionState>().unwrap().error);
    // The whole text is on the confirmation, wrapped, however long the reason: nothing signed unseen.
    let screen = inside_box(&draw(&mut a, 80, 24));
    assert!(screen.replace(' ', "").contains(reason), "{screen}");
    assert!(screen.contains("还有专家未提交评分"), "{screen}");
    press(&mut a, KeyCode::Enter);
    assert_eq!(a.top(), "confirm", "Enter does not sign");
    press(&mut a, KeyCode::Char('y'));
    assert!(a.screen::<DecisionState>().is_none(), "{:?}", a.message);
    assert!(a.message.as_deref().unwrap_or("").contains("已签名记录结论"));
    let row = a.screen::<QueueState>().unwrap().view.rows.iter().find(|r| r.code == "GL-YS-2025-022").unwrap();
    assert_eq!(row.outcome, Some(reviewdesk::domain::Outcome::AcceptanceFailed));
    let home = Home { dir: dir.path().to_path_buf() };
    let store = Store::open(&home.db()).unwrap();
    let v =
        store.application("GL-2027-01", "GL-YS-2025-022", &home.keyring().load("王建国").unwrap().key_hex()).unwrap();
    let d = v.decision.unwrap();
    assert_eq!(d.decision.override_reason.as_deref(), Some(reason));
    assert_eq!(d.based_on.len(), 4);
}

#[test]
fn an_expert_sees_the_decision_panel_read_only() {
    let mut a = app("李明", Lang::Zh);
    select(&mut a, "GL-BG-2026-012");
    press(&mut a, KeyCode::Char('d'));
    assert!(a.screen::<DecisionState>().unwrap().read_only);
    press(&mut a, KeyCode::Right);
    ctrl(&mut a, 's');
    let d = a.screen::<DecisionState>().unwrap();
    assert!(a.top() == "decision" && d.outcome().unwrap() == reviewdesk::domain::Outcome::MustReapply);
    assert!(draw(&mut a, 80, 24).contains("只有组长可以记录结论"));
}

#[test]
fn the_identity_switcher_lists_this_homes_identities_and_switches() {
    let dir = fresh_demo();
    let mut a = app_in(dir.path(), "赵敏");
    a.keyring = Some(Home { dir: dir.path().to_path_buf() }.keyring());
    press(&mut a, KeyCode::Char('i'));
    let names = a.screen::<Switcher>().unwrap().names.clone();
    assert_eq!(names.len(), 8, "the secretariat, the chair, five experts and the substitute: {names:?}");
    let screen = draw(&mut a, 80, 24);
    assert!(screen.contains("切换身份") && screen.contains("王建国"), "{screen}");
    let target = names.iter().position(|n| n == "王建国").unwrap();
    let at = a.screen::<Switcher>().unwrap().at;
    for _ in 0..at {
        press(&mut a, KeyCode::Up);
    }
    for _ in 0..target {
        press(&mut a, KeyCode::Down);
    }
    press(&mut a, KeyCode::Enter);
    assert!(a.screen::<Switcher>().is_none());
    assert_eq!(a.viewer.name, "王建国");
    assert_eq!(a.role, Some(reviewdesk::store::ViewerRole::Chair));
    assert!(!a.screen::<QueueState>().unwrap().view.rows[0].blind, "the chair sees the aggregates");
}

#[test]
fn switching_to_a_protected_identity_asks_its_passphrase_in_a_masked_box() {
    let dir = fresh_demo();
    let home = Home { dir: dir.path().to_path_buf() };
    let ring = home.keyring();
    ring.save(&ring.load("王建国").unwrap(), Some("组长的口令2026")).unwrap();
    let mut a = app_in(dir.path(), "赵敏");
    a.keyring = Some(ring);
    press(&mut a, KeyCode::Char('i'));
    let (names, at) = a.screen::<Switcher>().map(|s| (s.names.clone(), s.at)).unwrap();
    let target = names.iter().position(|n| n == "王建国").unwrap();
    for _ in 0..at {
        press(&mut a, KeyCode::Up);
    }
    for _ in 0..target {
        press(&mut a, KeyCode::Down);
    }
    press(&mut a, KeyCode::Enter);
    let screen = draw(&mut a, 80, 24);
    assert!(screen.contains("输入“王建国”的口令"), "{screen}");
    type_text(&mut a, "猜一个口令abc");
    let screen = draw(&mut a, 80, 24);
    assert!(!screen.contains("猜一个口令") && screen.contains("●●●●●●●●"), "the passphrase shows as dots:\n{screen}");
    press(&mut a, KeyCode::Enter);
    let screen = draw(&mut a, 80, 24);
    assert!(screen.contains("口令不正确"), "{screen}");
    assert_eq!(a.viewer.name, "赵敏", "a wrong passphrase switches nobody");
    type_text(&mut a, "组长的口令2026");
    press(&mut a, KeyCode::Enter);
    assert!(a.screen::<Unlock>().is_none());
    assert_eq!(a.viewer.name, "王建国");
    assert_eq!(a.role, Some(reviewdesk::store::ViewerRole::Chair));
}

#[test]
fn declaring_a_conflict_takes_a_real_reason_and_a_confirmation() {
    let dir = fresh_demo();
    let mut a = app_in(dir.path(), "赵敏");
    select(&mut a, "GL-BG-2026-013");
    press(&mut a, KeyCode::Char('c'));
    assert_eq!(a.top(), "conflict");
    // No reason, or a slip like "lear" (from typing `clear`), is refused in the form.
    press(&mut a, KeyCode::Enter);
    assert!(draw(&mut a, 80, 24).contains("请写明理由"));
    type_text(&mut a, "lear");
    press(&mut a, KeyCode::Enter);
    assert_eq!(a.top(), "conflict");
    for _ in 0..4 {
        press(&mut a, KeyCode::Backspace);
    }
    type_text(&mut a, "本人曾参与该系统建设");
    let screen = draw(&mut a, 80, 24);
    assert!(screen.contains("声明回避 GL-BG-2026-013"), "{screen}");
    // Enter shows what would be signed; only y signs it, and Esc goes back with the text kept.
    press(&mut a, KeyCode::Enter);
    assert_eq!(a.top(), "confirm");
    assert!(draw(&mut a, 80, 24).contains("理由：本人曾参与该系统建设"));
    press(&mut a, KeyCode::Esc);
    assert_eq!(a.top(), "conflict");
    press(&mut a, KeyCode::Enter);
    press(&mut a, KeyCode::Char('y'));
    assert_eq!(a.top(), "queue", "{:?}", a.message);
    let row = a.screen::<QueueState>().unwrap().view.rows.iter().find(|r| r.code == "GL-BG-2026-013").unwrap();
    assert_eq!(row.my_score, reviewdesk::store::MyScore::Recused);
    assert_eq!(row.eligible, 4);
    // And the score sheet no longer opens for it.
    select(&mut a, "GL-BG-2026-013");
    press(&mut a, KeyCode::Char('e'));
    assert!(a.screen::<ScoringState>().is_none());
}

#[test]
fn the_real_cursor_follows_chinese_text_in_a_comment_box() {
    let dir = fresh_demo();
    let mut a = app_in(dir.path(), "赵敏");
    select(&mut a, "GL-LX-2027-001");
    press(&mut a, KeyCode::Char('e'));
    press(&mut a, KeyCode::Tab);
    type_text(&mut a, "必要性");
    a.size = ratatui::layout::Rect::new(0, 0, 80, 24);
    let mut terminal = Terminal::new(TestBackend::new(80, 24)).unwrap();
    terminal.draw(|f| a.render(f)).unwrap();
    // The comment box starts at column 41 with a border: three Chinese characters are six cells.
    let pos = terminal.get_cursor_position().unwrap();
    assert_eq!(pos.x, 41 + 1 + 6);
    let row = terminal
        .backend()
        .buffer()
        .content()
        .chunks(80)
        .nth(pos.y as usize)
        .map(|r| r.iter().map(|c| c.symbol()).collect::<String>())
        .unwrap();
    // A wide character's second cell holds a blank in the buffer.
    assert!(row.replace(' ', "").contains("必要性"), "the cursor is on the line being typed: {row}");
}

/// A stick named KINGSTON holding a bundle of the demo meeting exported by 李明 at the demo's
/// clock. The library writes it, so the shared demo home's "last export" stays untouched.
fn stick() -> &'static Path {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let volume = dir.path().join("KINGSTON");
        std::fs::create_dir(&volume).unwrap();
        let home = Home { dir: demo().join("demo") };
        let store = Store::open(&home.db()).unwrap();
        let me = home.keyring().load("李明").unwrap();
        let now = chrono::DateTime::parse_from_rfc3339("2026-12-08T09:00:00Z").unwrap().to_utc();
        let filter = reviewdesk::bundle::ExportFilter::default();
        reviewdesk::bundle::export(&store, &me, &filter, &volume.join("from-liming.rdbundle"), now).unwrap();
        dir
    })
    .path()
}

/// Opens the sync screen as if the sticks under `root` were mounted.
fn at_stick(app: &mut App, root: &Path) {
    press(app, KeyCode::Char('u'));
    let s = app.screen_mut::<SyncState>().expect("u opens the sync screen");
    s.volumes = vec![root.join("KINGSTON")];
    s.found = reviewdesk::media::bundles_on(&s.volumes);
    s.target = s.found.first().map(|f| f.path.clone());
}

fn pane_text(app: &mut App) -> String {
    draw(app, 120, 40)
}

#[test]
fn a_new_machine_receives_the_meeting_through_the_sync_screen() {
    let home = tempfile::tempdir().unwrap();
    let bin = || {
        let mut c = assert_cmd::cargo::cargo_bin_cmd!("reviewdesk");
        c.arg("--home").arg(home.path()).env("REVIEWDESK_NOW", "2026-12-09T08:00:00Z").env_remove("REVIEWDESK_HOME");
        c
    };
    bin().args(["init", "--name", "新专家"]).assert().success();
    let h = Home { dir: home.path().to_path_buf() };
    let mut a = App::new(Store::open(&h.db()).unwrap(), h.keyring().load("新专家").unwrap(), Lang::Zh);
    assert!(a.screen::<QueueState>().is_none());
    at_stick(&mut a, stick());
    // First Enter: what the bundle holds, with the warnings this machine's trust list gives.
    press(&mut a, KeyCode::Enter);
    let screen = pane_text(&mut a);
    assert!(screen.contains(&format!("{DEMO_EVENTS} 个事件，19 个申报登记，17 份附件")), "{screen}");
    assert!(screen.contains("未受信任"), "the untrusted secretariat is named before import:\n{screen}");
    // Second Enter: refused, with the command that fixes it; nothing changed.
    press(&mut a, KeyCode::Enter);
    let screen = pane_text(&mut a);
    assert!(screen.contains("无法使用") && screen.contains("trust add"), "{screen}");
    assert!(a.screen::<QueueState>().is_none());
    // Trusted from the same screen: the fingerprint in large groups, its last group typed back.
    let secretariat = Home { dir: demo().join("demo") }.keyring().load("鼓楼区数据局信息化办").unwrap();
    let fingerprint = secretariat.fingerprint();
    let last = fingerprint.rsplit('-').next().unwrap();
    press(&mut a, KeyCode::Enter); // the preview again
    press(&mut a, KeyCode::Char('a'));
    let screen = pane_text(&mut a);
    assert!(screen.contains(&fingerprint.replace('-', "   ")), "the groups, spaced for reading aloud:\n{screen}");
    type_text(&mut a, "0000");
    press(&mut a, KeyCode::Enter);
    assert!(pane_text(&mut a).contains("与指纹最后一组不符"));
    assert!(Store::open(&h.db()).unwrap().trust_list().unwrap().is_empty(), "a wrong group trusts nothing");
    for _ in 0..4 {
        press(&mut a, KeyCode::Backspace);
    }
    type_text(&mut a, &last.to_lowercase());
    press(&mut a, KeyCode::Enter);
    assert_eq!(Store::open(&h.db()).unwrap().trust_list().unwrap().len(), 1);
    assert!(a.message.as_deref().unwrap_or("").contains("已信任秘书处密钥"), "{:?}", a.message);
    // The preview is read again: it no longer warns of the secretariat just trusted.
    let screen = pane_text(&mut a);
    assert!(screen.contains("再按一次 Enter 导入") && !screen.contains("未受信任"), "{screen}");
    press(&mut a, KeyCode::Enter);
    let screen = pane_text(&mut a);
    assert!(
        screen.contains("导入结果") && screen.contains(&format!("新增 {DEMO_EVENTS}，重复 0，隔离 0，拒绝 0，附件 17")),
        "{screen}"
    );
    assert!(!screen.contains("最近导入 无"), "the header shows the import:\n{screen}");
    // Esc closes the report first, then the screen: back on the queue, the meeting is here.
    press(&mut a, KeyCode::Esc);
    assert_eq!(a.top(), "sync");
    press(&mut a, KeyCode::Esc);
    assert!(a.screen::<SyncState>().is_none());
    assert_eq!(a.screen::<QueueState>().map(|q| q.view.rows.len()), Some(17));
    // The same bundle again adds nothing.
    at_stick(&mut a, stick());
    press(&mut a, KeyCode::Enter);
    press(&mut a, KeyCode::Enter);
    assert!(pane_text(&mut a).contains(&format!("新增 0，重复 {DEMO_EVENTS}")));
}

#[test]
fn exporting_from_the_sync_screen_writes_a_verifiable_bundle_on_the_stick() {
    let dir = fresh_demo();
    let sticks = tempfile::tempdir().unwrap();
    std::fs::create_dir(sticks.path().join("KINGSTON")).unwrap();
    let mut a = app_in(dir.path(), "李明");
    at_stick(&mut a, sticks.path());
    let screen = draw(&mut a, 80, 24);
    assert!(screen.contains("导出范围：本会议 GL-2027-01") && screen.contains("导出到：U 盘 KINGSTON"), "{screen}");
    press(&mut a, KeyCode::Char('x'));
    let screen = pane_text(&mut a);
    assert!(screen.contains("已导出") && screen.contains("94 个事件，8 位作者，17 份附件"), "{screen}");
    let written = reviewdesk::media::bundles_on(&[sticks.path().join("KINGSTON")]);
    assert_eq!(written.len(), 1, "one bundle, and no temporary file left: {written:?}");
    assert!(written[0].path.file_name().unwrap().to_string_lossy().starts_with("reviewdesk-李明-"));
    let summary = reviewdesk::bundle::inspect(&written[0].path).unwrap();
    assert_eq!((summary.events, summary.exporter.name.as_str()), (94, "李明"));
    // The new file is listed, and the header shows the export.
    assert_eq!(a.screen::<SyncState>().unwrap().found.len(), 1);
    assert!(!screen.contains("最近导出 无"), "{screen}");
    // With no stick, export says what to do instead of guessing.
    a.screen_mut::<SyncState>().unwrap().volumes.clear();
    a.screen_mut::<SyncState>().unwrap().found.clear();
    press(&mut a, KeyCode::Char('x'));
    assert!(pane_text(&mut a).contains("没有可写入的 U 盘"));
}

#[test]
fn a_typed_path_completes_with_tab_and_previews_with_enter() {
    let mut a = app("王建国", Lang::Zh);
    at_stick(&mut a, stick());
    a.screen_mut::<SyncState>().unwrap().found.clear();
    press(&mut a, KeyCode::Tab);
    type_text(&mut a, &format!("{}/KING", stick().display()));
    press(&mut a, KeyCode::Tab);
    press(&mut a, KeyCode::Tab);
    let typed = a.screen::<SyncState>().unwrap().path.lines().join("");
    assert_eq!(typed, format!("{}/KINGSTON/from-liming.rdbundle", stick().display()));
    // The real cursor sits in the path box while typing.
    a.size = ratatui::layout::Rect::new(0, 0, 80, 24);
    let mut terminal = Terminal::new(TestBackend::new(80, 24)).unwrap();
    terminal.draw(|f| a.render(f)).unwrap();
    assert_eq!(terminal.get_cursor_position().unwrap().y, 20);
    press(&mut a, KeyCode::Enter);
    assert!(pane_text(&mut a).contains("评审包内容（尚未导入）"));
    // A path that is not a bundle is refused in the pane, not by a crash.
    press(&mut a, KeyCode::Tab);
    type_text(&mut a, "/不存在");
    press(&mut a, KeyCode::Enter);
    assert!(pane_text(&mut a).contains("无法使用"));
}

#[test]
fn o_opens_the_marked_document_or_says_where_it_is() {
    let docs = tempfile::tempdir().unwrap();
    let mut a = opened("王建国", Lang::Zh, "GL-LX-2027-001", KeyCode::Enter);
    a.documents_dir = docs.path().to_path_buf();
    a.document_viewer = None;
    press(&mut a, KeyCode::Char('o'));
    let message = a.message.clone().unwrap_or_default();
    assert!(message.contains("附件已保存到"), "{message}");
    let saved = std::fs::read_dir(docs.path()).unwrap().next().unwrap().unwrap().path();
    let file = saved.join("GL-LX-2027-001 可行性研究报告.md");
    assert!(std::fs::read_to_string(&file).unwrap().contains("鼓楼区“一网统管”城市运行管理平台"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let viewer = docs.path().join("viewer.sh");
        let seen = docs.path().join("seen");
        // Written beside, then renamed: the test sees the file whole or not at all.
        std::fs::write(
            &viewer,
            format!("#!/bin/sh\necho \"$1\" > '{0}.part' && mv '{0}.part' '{0}'\n", seen.display()),
        )
        .unwrap();
        std::fs::set_permissions(&viewer, std::fs::Permissions::from_mode(0o755)).unwrap();
        a.document_viewer = Some(viewer.display().to_string());
        press(&mut a, KeyCode::Char('o'));
        assert!(a.message.clone().unwrap_or_default().starts_with("已用"), "{:?}", a.message);
        // The viewer runs detached, as it must; wait for its file. The bound (five minutes) only
        // keeps a broken build from hanging, far beyond any busy machine's start-up time.
        for _ in 0..15_000 {
            if seen.exists() {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        assert_eq!(std::fs::read_to_string(&seen).unwrap().trim(), file.display().to_string());
    }
}

#[test]
fn the_queue_filters_by_kind_and_progress_and_sorts_by_any_column() {
    let mut a = app("王建国", Lang::Zh);
    let codes = |a: &App| {
        let q = a.screen::<QueueState>().unwrap();
        q.shown.iter().map(|i| q.view.rows[*i].code.clone()).collect::<Vec<_>>()
    };
    press(&mut a, KeyCode::Char('t')); // 立项 only
    assert_eq!(codes(&a).len(), 6);
    assert!(codes(&a).iter().all(|c| c.starts_with("GL-LX")));
    press(&mut a, KeyCode::Char('t')); // 变更
    press(&mut a, KeyCode::Char('t')); // 验收
    assert!(codes(&a).iter().all(|c| c.starts_with("GL-YS")), "{:?}", codes(&a));
    let screen = draw(&mut a, 80, 24);
    assert!(screen.contains("[验收] 共 6 项"), "the filter shows:\n{screen}");
    press(&mut a, KeyCode::Char('t')); // 运维
    assert_eq!(codes(&a), ["GL-YW-2027-031", "GL-YW-2027-032"]);
    assert!(draw(&mut a, 80, 24).contains("[运维] 共 2 项"));
    press(&mut a, KeyCode::Char('t')); // all again
    press(&mut a, KeyCode::Char('p')); // 待评分: nothing is decided in the demo
    assert_eq!(codes(&a).len(), 17);
    press(&mut a, KeyCode::Char('p'));
    press(&mut a, KeyCode::Char('p')); // 已决定
    assert!(codes(&a).is_empty());
    assert!(draw(&mut a, 80, 24).contains("没有符合条件的申报项目"));
    press(&mut a, KeyCode::Char('p'));
    // A click on the aggregate's title sorts by it, highest first; a second click reverses.
    let header = draw(&mut a, 120, 40).lines().nth(2).unwrap().to_string();
    let x = reviewdesk::domain::text::width(&header[1..header.find("汇总分").unwrap()]) as u16;
    let click = |a: &mut App| {
        a.on_mouse(crossterm::event::MouseEvent {
            kind: crossterm::event::MouseEventKind::Down(crossterm::event::MouseButton::Left),
            column: x,
            row: 2,
            modifiers: KeyModifiers::NONE,
        })
    };
    click(&mut a);
    assert_eq!(codes(&a)[0], "GL-YS-2025-021", "89.00 is the highest aggregate");
    assert!(draw(&mut a, 120, 40).contains("汇总分▼"));
    click(&mut a);
    assert_eq!(codes(&a)[0], "GL-YS-2025-025", "61.25 is the lowest");
    // `s` walks the columns; `S` turns the order round.
    press(&mut a, KeyCode::Char('s')); // spread, widest first: the disputed items lead (复核)
    assert_eq!(codes(&a)[0], "GL-LX-2027-001", "65 lies 22 below the median of 87: spread 25, flagged");
    assert!(draw(&mut a, 120, 40).contains("25!"));
    press(&mut a, KeyCode::Char('s')); // status
    press(&mut a, KeyCode::Char('s')); // code
    assert_eq!(codes(&a)[0], "GL-BG-2026-011");
    press(&mut a, KeyCode::Char('S'));
    assert_eq!(codes(&a)[0], "GL-YW-2027-032");
    // A filter typed now keeps that order, and clearing it brings every row back in it.
    press(&mut a, KeyCode::Char('/'));
    for c in "ys-".chars() {
        press(&mut a, KeyCode::Char(c));
    }
    let ys = codes(&a);
    assert_eq!(ys.len(), 6, "{ys:?}");
    assert!(ys.windows(2).all(|w| w[0] > w[1]) && ys.iter().all(|c| c.starts_with("GL-YS")), "{ys:?}");
    press(&mut a, KeyCode::Esc);
    assert_eq!(codes(&a).len(), 17);
    assert_eq!(codes(&a)[0], "GL-YW-2027-032");
}

#[test]
fn r_on_the_queue_makes_the_report_and_says_where_it_went() {
    let reports = tempfile::tempdir().unwrap();
    let mut a = app("王建国", Lang::Zh);
    a.reports_dir = reports.path().join("reports");
    press(&mut a, KeyCode::Char('r'));
    let screen = draw(&mut a, 80, 24);
    assert!(screen.contains("生成会议报告") && screen.contains("Excel 工作簿"), "{screen}");
    press(&mut a, KeyCode::Down); // the printable HTML
    press(&mut a, KeyCode::Enter);
    let message = a.message.clone().unwrap_or_default();
    assert!(message.starts_with("已生成报告：") && message.contains("临时稿"), "{message}");
    let written: Vec<_> =
        std::fs::read_dir(reports.path().join("reports")).unwrap().flatten().map(|e| e.path()).collect();
    assert_eq!(written.len(), 1, "{written:?}");
    assert!(message.contains(&written[0].display().to_string()), "the message names the file: {message}");
    let html = std::fs::read_to_string(&written[0]).unwrap();
    assert!(html.contains("专家评审意见表") && html.contains("数字档案馆系统"));
    // An expert is told why not.
    let mut b = app("李明", Lang::Zh);
    press(&mut b, KeyCode::Char('r'));
    assert_eq!(b.top(), "queue");
    assert!(b.message.as_deref().unwrap_or("").contains("只有秘书处或组长"));
}

#[test]
fn the_sync_screen_opens_a_bundle_encrypted_to_the_identity_in_use_and_names_the_owner_of_others() {
    use reviewdesk::bundle::encrypted::{Addressee, encrypt};
    let dir = fresh_demo();
    let home = Home { dir: dir.path().to_path_buf() };
    let sticks = tempfile::tempdir().unwrap();
    let volume = sticks.path().join("KINGSTON");
    std::fs::create_dir(&volume).unwrap();
    // 李明 exports everything, encrypted once to 王建国 and once to 赵敏.
    let plain = sticks.path().join("plain.rdbundle");
    let now = chrono::DateTime::parse_from_rfc3339("2026-12-08T09:00:00Z").unwrap().to_utc();
    let filter = reviewdesk::bundle::ExportFilter::default();
    let ring = home.keyring();
    reviewdesk::bundle::export(&Store::open(&home.db()).unwrap(), &ring.load("李明").unwrap(), &filter, &plain, now)
        .unwrap();
    for (who, file) in [("王建国", "a-for-chair.rdbundle"), ("赵敏", "b-for-zhao.rdbundle")] {
        let public = ring.load(who).unwrap().public();
        let to = Addressee { fingerprint: Some(public.fingerprint()), recipient: public.recipient.unwrap() };
        encrypt(&plain, &to, &volume.join(file)).unwrap();
    }
    let chair_fingerprint = ring.load("王建国").unwrap().fingerprint();
    let mut a = app_in(dir.path(), "赵敏");
    a.scratch_dir = dir.path().join("scratch");
    at_stick(&mut a, sticks.path());
    assert_eq!(a.screen::<SyncState>().unwrap().found.len(), 2, "encrypted bundles are listed like any other");
    // The chair's bundle: 赵敏 is told whose it is.
    a.screen_mut::<SyncState>().unwrap().target = Some(volume.join("a-for-chair.rdbundle"));
    press(&mut a, KeyCode::Enter);
    let screen = pane_text(&mut a);
    // (Fingerprints are masked in drawings; the error itself names the chair's.)
    assert!(screen.contains("这是加密评审包，收件人为"), "{screen}");
    let why = reviewdesk::bundle::encrypted::decrypt(
        &volume.join("a-for-chair.rdbundle"),
        &[&ring.load("赵敏").unwrap()],
        &dir.path().join("scratch"),
    )
    .err()
    .unwrap()
    .to_string();
    assert!(why.contains(&chair_fingerprint), "{why}");
    // Hers: previewed, then imported (everything is already here, so all duplicates).
    a.screen_mut::<SyncState>().unwrap().target = Some(volume.join("b-for-zhao.rdbundle"));
    press(&mut a, KeyCode::Enter);
    let screen = pane_text(&mut a);
    assert!(screen.contains(&format!("{DEMO_EVENTS} 个事件，19 个申报登记，17 份附件")), "{screen}");
    press(&mut a, KeyCode::Enter);
    let screen = pane_text(&mut a);
    assert!(screen.contains("导入结果") && screen.contains(&format!("新增 0，重复 {DEMO_EVENTS}")), "{screen}");
    assert_eq!(std::fs::read_dir(dir.path().join("scratch")).unwrap().count(), 0, "no plain copy is left");
}

/// The secretariat's sync screen on the keys pane, with 李明 highlighted.
fn on_keys_pane(who: &str, dir: &Path, lang: Lang) -> App {
    let home = Home { dir: dir.to_path_buf() };
    let mut a = App::new(Store::open(&home.db()).unwrap(), home.keyring().load(who).unwrap(), lang);
    press(&mut a, KeyCode::Char('u'));
    press(&mut a, KeyCode::Char('K'));
    let Some(reviewdesk::tui::screens::sync::Pane::Keys { rows, .. }) = a.screen::<SyncState>().map(|s| &s.pane) else {
        panic!("K shows the keys pane")
    };
    let li = rows.iter().position(|r| r.name == "李明").expect("李明 is listed");
    for _ in 0..li {
        press(&mut a, KeyCode::Down);
    }
    a
}

#[test]
fn snapshots_of_the_keys_pane_and_the_revocation_form() {
    matrix(
        "sync_keys",
        |lang| on_keys_pane("鼓楼区数据局信息化办", demo().join("demo").as_path(), lang),
        |lang, screen| {
            let (title, li) = if lang == Lang::Zh {
                ("本机已知的签名密钥", "李明")
            } else {
                ("Signing keys known here", "李明")
            };
            assert!(screen.contains(title) && screen.contains(li), "{screen}");
        },
    );
    matrix(
        "sync_revoke",
        |lang| {
            let mut a = on_keys_pane("鼓楼区数据局信息化办", demo().join("demo").as_path(), lang);
            press(&mut a, KeyCode::Char('v'));
            type_text(&mut a, "笔记本电脑丢失");
            a
        },
        |_, screen| assert!(screen.contains("#26") && screen.contains("笔记本电脑丢失"), "{screen}"),
    );
}

#[test]
fn the_secretariat_revokes_a_key_from_the_sync_screen_and_others_may_not() {
    let dir = fresh_demo();
    // An expert sees the keys but may not revoke.
    let mut expert = on_keys_pane("赵敏", dir.path(), Lang::Zh);
    press(&mut expert, KeyCode::Char('v'));
    assert!(pane_text(&mut expert).contains("只有秘书处可以吊销密钥"));
    assert_eq!(expert.top(), "sync");

    let mut a = on_keys_pane("鼓楼区数据局信息化办", dir.path(), Lang::Zh);
    press(&mut a, KeyCode::Char('v'));
    // The cut-off starts at the last event held here; a bad one and an empty reason are refused.
    press(&mut a, KeyCode::Tab);
    press(&mut a, KeyCode::Backspace);
    press(&mut a, KeyCode::Backspace);
    type_text(&mut a, "x");
    press(&mut a, KeyCode::Enter);
    assert!(pane_text(&mut a).contains("截止序号须为不小于 0 的整数"));
    press(&mut a, KeyCode::Backspace);
    type_text(&mut a, "13");
    press(&mut a, KeyCode::Enter);
    assert!(pane_text(&mut a).contains("请写明理由"));
    press(&mut a, KeyCode::Tab);
    type_text(&mut a, "笔记本电脑丢失");
    press(&mut a, KeyCode::Enter);
    // Enter only shows what would be signed; y signs it.
    let screen = pane_text(&mut a);
    assert!(screen.contains("吊销以下签名密钥") && screen.contains("截止序号：13"), "{screen}");
    assert!(Store::open(&Home { dir: dir.path().to_path_buf() }.db()).unwrap().revocations().unwrap().is_empty());
    press(&mut a, KeyCode::Char('y'));
    let screen = pane_text(&mut a);
    assert!(screen.contains("已吊销（截止 #13）"), "{screen}");
    // Recorded: 李明's #14 is void here, and the revocation is in the log to travel.
    let home = Home { dir: dir.path().to_path_buf() };
    let store = Store::open(&home.db()).unwrap();
    let li = home.keyring().load("李明").unwrap().key_hex();
    assert_eq!(store.revocations().unwrap().get(&li), Some(&13));
    let fourteen = store.log(None).unwrap().entries.into_iter().find(|e| e.author == li && e.seq == 14).unwrap();
    assert_eq!(fourteen.status, "void", "kept in the log, never applied");
}

#[test]
fn x_exports_encrypted_to_the_recipient_typed_in_the_path_box() {
    let dir = fresh_demo();
    let home = Home { dir: dir.path().to_path_buf() };
    let keys = tempfile::tempdir().unwrap();
    let chair_pub = keys.path().join("王建国.pub");
    std::fs::write(&chair_pub, home.keyring().load("王建国").unwrap().public().to_file_text()).unwrap();
    let sticks = tempfile::tempdir().unwrap();
    std::fs::create_dir(sticks.path().join("KINGSTON")).unwrap();
    let mut a = app_in(dir.path(), "鼓楼区数据局信息化办");
    a.scratch_dir = dir.path().join("scratch");
    at_stick(&mut a, sticks.path());
    press(&mut a, KeyCode::Char('X'));
    assert!(draw(&mut a, 80, 24).contains("收件人的公钥文件"), "the pane asks for the recipient");
    type_text(&mut a, chair_pub.to_str().unwrap());
    press(&mut a, KeyCode::Enter);
    let screen = pane_text(&mut a);
    assert!(screen.contains("已导出") && screen.contains("已加密，只有收件人"), "{screen}");
    let written = reviewdesk::media::bundles_on(&[sticks.path().join("KINGSTON")]);
    assert_eq!(written.len(), 1, "{written:?}");
    let bytes = std::fs::read(&written[0].path).unwrap();
    assert!(bytes.starts_with(b"reviewdesk-encrypted-bundle/1\n"));
    // The chair opens it.
    let chair = home.keyring().load("王建国").unwrap();
    let opened = reviewdesk::bundle::encrypted::decrypt(&written[0].path, &[&chair], &dir.path().join("scratch"))
        .unwrap()
        .unwrap();
    assert_eq!(reviewdesk::bundle::inspect(opened.path()).unwrap().exporter.name, "鼓楼区数据局信息化办");
    // A file that holds no key is refused in the pane, and nothing is written.
    press(&mut a, KeyCode::Char('X'));
    type_text(&mut a, "/不存在.pub");
    press(&mut a, KeyCode::Enter);
    assert!(pane_text(&mut a).contains("无法使用"));
    assert_eq!(reviewdesk::media::bundles_on(&[sticks.path().join("KINGSTON")]).len(), 1);
}

// ---- The rules every screen follows (issue 12) ----

#[test]
fn points_are_whole_or_half_and_full_width_digits_count() {
    let dir = fresh_demo();
    let mut a = app_in(dir.path(), "赵敏");
    select(&mut a, "GL-LX-2027-001");
    press(&mut a, KeyCode::Char('e'));
    let sheet = |a: &App| a.screen::<ScoringState>().unwrap().points[0];
    type_text(&mut a, "0.2");
    let screen = draw(&mut a, 80, 24);
    assert!(screen.contains("只能填写整数或半分"), "0.2 is not over the maximum:\n{screen}");
    assert!(!screen.contains("超出"), "{screen}");
    // Its 5 does not quietly make it 0.5: 0.25 stays refused.
    type_text(&mut a, "5");
    assert_eq!(sheet(&a), None);
    assert!(draw(&mut a, 80, 24).contains("“0.25”：只能填写整数或半分"));
    for _ in 0..4 {
        press(&mut a, KeyCode::Backspace);
    }
    // What a Chinese input method types: full-width digits and point.
    type_text(&mut a, "１２．５");
    assert_eq!(sheet(&a), Some(reviewdesk::domain::Points::from_halves(25)));
}

#[test]
fn opening_a_sheet_and_leaving_it_unchanged_keeps_no_draft() {
    let dir = fresh_demo();
    let mut a = app_in(dir.path(), "赵敏");
    select(&mut a, "GL-LX-2027-003");
    press(&mut a, KeyCode::Char('e'));
    press(&mut a, KeyCode::Down);
    press(&mut a, KeyCode::Esc);
    let row = |a: &App| {
        a.screen::<QueueState>()
            .unwrap()
            .view
            .rows
            .iter()
            .find(|r| r.code == "GL-LX-2027-003")
            .unwrap()
            .my_score
            .clone()
    };
    assert_eq!(row(&a), reviewdesk::store::MyScore::None);
    press(&mut a, KeyCode::Char('e'));
    type_text(&mut a, "9");
    press(&mut a, KeyCode::Esc);
    assert_eq!(row(&a), reviewdesk::store::MyScore::Draft);
}

#[test]
fn a_pasted_chinese_comment_wraps_in_its_box_with_the_cursor_at_its_end() {
    let dir = fresh_demo();
    let mut a = app_in(dir.path(), "赵敏");
    select(&mut a, "GL-LX-2027-001");
    press(&mut a, KeyCode::Char('e'));
    press(&mut a, KeyCode::Tab);
    let text: String = "系统建设必要性论证充分需求来源清楚".chars().cycle().take(2000).collect();
    a.on_paste(&text);
    let mut terminal = Terminal::new(TestBackend::new(80, 24)).unwrap();
    a.size = ratatui::layout::Rect::new(0, 0, 80, 24);
    terminal.draw(|f| a.render(f)).unwrap();
    let screen = terminal.backend().to_string();
    // Wrapped, not scrolled sideways: the box shows whole lines of the comment's end.
    let rows: Vec<&str> = screen.lines().filter(|l| l.contains("│") && l.contains("需求来源")).collect();
    assert!(rows.len() >= 3, "{screen}");
    let pos = terminal.get_cursor_position().unwrap();
    assert!(pos.x > 41 && pos.x < 79 && pos.y < 21, "the cursor is inside the box: {pos:?}\n{screen}");
    assert_eq!(a.screen::<ScoringState>().unwrap().sheet().comments["necessity"].chars().count(), 2000);
    // Kept and shown wrapped again when the sheet is reopened from its draft.
    press(&mut a, KeyCode::Esc);
    press(&mut a, KeyCode::Esc);
    press(&mut a, KeyCode::Char('e'));
    let again = draw(&mut a, 80, 24);
    assert!(again.lines().filter(|l| l.contains("│") && l.contains("需求来源")).count() >= 3, "{again}");
}

/// Whether every row of the box whose top-left corner is at `corner` has its two side borders.
fn borders_intact(screen: &str, title: &str) -> bool {
    let lines: Vec<&str> = screen.lines().collect();
    let Some(top) = lines.iter().position(|l| l.contains(title)) else { return false };
    let bottom = (top..lines.len()).find(|i| lines[*i].contains('└')).unwrap_or(top);
    (top + 1..bottom).all(|i| lines[i].matches('│').count() >= 2)
}

#[test]
fn popups_over_chinese_text_keep_both_borders() {
    for lang in [Lang::Zh, Lang::En] {
        let mut a = app("王建国", lang);
        a.reports_dir = std::path::PathBuf::from("reviewdesk/reports");
        press(&mut a, KeyCode::Char('r'));
        let screen = draw(&mut a, 80, 24);
        let title = if lang == Lang::Zh { "生成会议报告" } else { "report" };
        assert!(borders_intact(&screen, title), "{screen}");
        let tag = if lang == Lang::Zh { "zh" } else { "en" };
        insta::assert_snapshot!(format!("report_picker_80x24_{tag}"), mask_fingerprints(&screen));
    }
    // Where Chinese characters straddle a popup's edge: help over a detail screen.
    let mut a = opened("王建国", Lang::Zh, "GL-BG-2026-012", KeyCode::Enter);
    press(&mut a, KeyCode::Char('?'));
    let screen = draw(&mut a, 80, 24);
    assert!(borders_intact(&screen, "帮助"), "{screen}");
}

#[test]
fn esc_goes_back_one_level_and_q_quits_only_from_the_queue() {
    let mut a = app("王建国", Lang::Zh);
    press(&mut a, KeyCode::Char('/'));
    type_text(&mut a, "档案");
    press(&mut a, KeyCode::Esc);
    press(&mut a, KeyCode::Esc);
    assert!(!a.quit && a.top() == "queue");
    assert!(
        a.message.as_deref().unwrap_or("").contains("按 q 退出")
            || a.message.as_deref().unwrap_or("").contains("q 退出")
    );
    press(&mut a, KeyCode::Enter);
    press(&mut a, KeyCode::Char('q'));
    assert!(!a.quit && a.top() == "queue", "q on the detail goes back");
    press(&mut a, KeyCode::Char('q'));
    assert!(a.quit);
}

#[test]
fn ctrl_c_asks_before_dropping_a_decision_being_written() {
    let dir = fresh_demo();
    let mut a = app_in(dir.path(), "王建国");
    select(&mut a, "GL-LX-2027-003");
    press(&mut a, KeyCode::Char('d'));
    let fields = a.screen::<DecisionState>().unwrap().fields();
    let opinion = fields.iter().position(|f| *f == reviewdesk::tui::screens::decision::Field::Opinion).unwrap();
    for _ in 0..opinion {
        press(&mut a, KeyCode::Down);
    }
    press(&mut a, KeyCode::Tab);
    type_text(&mut a, "专家组一致同意");
    ctrl(&mut a, 'c');
    assert!(!a.quit);
    let screen = draw(&mut a, 80, 24);
    assert!(screen.contains("退出评审台") && screen.contains("专家组一致同意"), "{screen}");
    press(&mut a, KeyCode::Esc);
    assert!(!a.quit && a.top() == "decision");
    ctrl(&mut a, 'c');
    press(&mut a, KeyCode::Char('y'));
    assert!(a.quit);
}

#[test]
fn a_blind_expert_sees_how_many_submitted_on_the_decision_panel_and_no_values() {
    matrix(
        "decision_blind",
        |l| opened("赵敏", l, "GL-LX-2027-001", KeyCode::Char('d')),
        |l, screen| {
            assert!(screen.contains(if l == Lang::Zh { "已提交 4/5" } else { "4/5 submitted" }), "{screen}");
            assert!(!screen.contains("82.25") && !screen.contains("71.25"), "{screen}");
            assert!(
                screen.contains(if l == Lang::Zh { "李明      已提交" } else { "李明      submitted" }),
                "{screen}"
            );
        },
    );
}

#[test]
fn another_process_writing_to_the_store_refreshes_the_open_queue() {
    let dir = fresh_demo();
    let mut a = app_in(dir.path(), "王建国");
    let scored = |a: &App| {
        a.screen::<QueueState>().unwrap().view.rows.iter().find(|r| r.code == "GL-LX-2027-001").unwrap().scored
    };
    assert_eq!(scored(&a), 4);
    a.tick();
    assert_eq!(scored(&a), 4, "nothing changed, nothing read");
    let points = "necessity=13,requirements=13,technical=17.5,sharing=13,security=8.5,budget=13,implementation=8";
    assert_cmd::cargo::cargo_bin_cmd!("reviewdesk")
        .args(["--home", dir.path().to_str().unwrap(), "--as", "赵敏", "score", "GL-LX-2027-001", "--points", points])
        .env("REVIEWDESK_NOW", "2026-12-08T10:00:00Z")
        .env_remove("REVIEWDESK_HOME")
        .assert()
        .success();
    a.tick();
    assert_eq!(scored(&a), 5, "the queue read the new sheet");
}

#[test]
fn history_names_events_in_words_and_the_sort_arrow_survives_a_narrow_column() {
    let mut a = opened("王建国", Lang::En, "GL-BG-2026-012", KeyCode::Enter);
    for _ in 0..40 {
        press(&mut a, KeyCode::Down);
    }
    let screen = draw(&mut a, 120, 40);
    assert!(screen.contains("score submitted") && !screen.contains("score_submitted"), "{screen}");
    // Every column the queue shows keeps its arrow when sorted, however narrow, in Chinese too.
    for lang in [Lang::Zh, Lang::En] {
        let mut q = app("王建国", lang);
        for column in 1..11 {
            press(&mut q, KeyCode::Char('s'));
            let screen = draw(&mut q, 80, 24);
            let header = screen.lines().nth(2).unwrap();
            // unit, kind, count and spread give way at 80 columns
            let shown = !matches!(column, 2 | 3 | 7 | 9);
            assert!(!shown || header.contains('▲') || header.contains('▼'), "column {column}: {header}");
        }
        let screen = draw(&mut q, 120, 40);
        if lang == Lang::En {
            assert!(screen.contains("appr") && !screen.contains("app…"), "{screen}");
        }
    }
}

#[test]
fn an_expert_withdraws_a_conflict_before_the_decision_and_scores_again() {
    let dir = fresh_demo();
    let mut a = app_in(dir.path(), "赵敏");
    select(&mut a, "GL-BG-2026-013");
    press(&mut a, KeyCode::Char('c'));
    type_text(&mut a, "本人曾参与该系统建设");
    press(&mut a, KeyCode::Enter);
    press(&mut a, KeyCode::Char('y'));
    // `c` again on a declared conflict withdraws it, with its own reason and confirmation.
    select(&mut a, "GL-BG-2026-013");
    press(&mut a, KeyCode::Char('c'));
    let screen = draw(&mut a, 80, 24);
    assert!(screen.contains("撤回回避 GL-BG-2026-013"), "{screen}");
    type_text(&mut a, "经核实该系统由其他单位建设");
    press(&mut a, KeyCode::Enter);
    assert!(draw(&mut a, 80, 24).contains("本人撤回对该项目的回避声明"));
    press(&mut a, KeyCode::Char('y'));
    assert!(a.message.as_deref().unwrap_or("").contains("已撤回回避"), "{:?}", a.message);
    let row = a.screen::<QueueState>().unwrap().view.rows.iter().find(|r| r.code == "GL-BG-2026-013").unwrap();
    assert_eq!(row.my_score, reviewdesk::store::MyScore::None);
    assert_eq!(row.eligible, 5);
    // Both events are in the history, in words.
    press(&mut a, KeyCode::Enter);
    for _ in 0..60 {
        press(&mut a, KeyCode::Down);
    }
    let history = draw(&mut a, 120, 40);
    assert!(history.contains("声明回避") && history.contains("撤回回避"), "{history}");
}

#[test]
fn a_sheet_after_the_decision_is_flagged_and_the_chair_may_decide_again() {
    let dir = fresh_demo();
    let home = Home { dir: dir.path().to_path_buf() };
    let run = |args: &[&str]| {
        assert_cmd::cargo::cargo_bin_cmd!("reviewdesk")
            .arg("--home")
            .arg(dir.path())
            .args(args)
            .env("REVIEWDESK_NOW", "2026-12-08T10:00:00Z")
            .env_remove("REVIEWDESK_HOME")
            .assert()
            .success();
    };
    run(&["--as", "王建国", "decide", "GL-LX-2027-001", "--partial"]);
    let points = "necessity=13,requirements=13,technical=17.5,sharing=13,security=8.5,budget=13,implementation=8";
    run(&["--as", "赵敏", "score", "GL-LX-2027-001", "--points", points]);
    let mut a = App::new(Store::open(&home.db()).unwrap(), home.keyring().load("王建国").unwrap(), Lang::Zh);
    let queue = draw(&mut a, 120, 40);
    assert!(queue.contains("结论后+1"), "{queue}");
    select(&mut a, "GL-LX-2027-001");
    press(&mut a, KeyCode::Char('d'));
    let panel = draw(&mut a, 120, 40);
    assert!(panel.contains("提交于结论之后") && panel.contains("组长可重新作出结论"), "{panel}");
    insta::assert_snapshot!("decision_after_decision_120x40_zh", mask_fingerprints(&panel));
    // Deciding again on all five sheets clears the flag.
    ctrl(&mut a, 's');
    press(&mut a, KeyCode::Char('y'));
    assert!(a.message.as_deref().unwrap_or("").contains("已签名记录结论"), "{:?}", a.message);
    assert!(!draw(&mut a, 120, 40).contains("结论后+1"));
}

#[test]
fn e_on_the_detail_scores_and_w_leaves_only_what_is_left_to_do() {
    let dir = fresh_demo();
    let mut a = app_in(dir.path(), "赵敏");
    select(&mut a, "GL-LX-2027-001");
    press(&mut a, KeyCode::Enter);
    press(&mut a, KeyCode::Char('e'));
    assert_eq!(a.top(), "scoring");
    press(&mut a, KeyCode::Esc);
    assert_eq!(a.top(), "detail", "Esc goes back to where scoring started");
    press(&mut a, KeyCode::Esc);
    // 赵敏 has scored nothing yet: all 17 are to do. After a conflict on one, 16 are.
    press(&mut a, KeyCode::Char('w'));
    assert_eq!(a.screen::<QueueState>().unwrap().shown.len(), 17);
    assert!(draw(&mut a, 80, 24).contains("[待办] 共 17 项"));
    select(&mut a, "GL-BG-2026-013");
    press(&mut a, KeyCode::Char('c'));
    type_text(&mut a, "本人曾参与该系统建设");
    press(&mut a, KeyCode::Enter);
    press(&mut a, KeyCode::Char('y'));
    assert_eq!(a.screen::<QueueState>().unwrap().shown.len(), 16);
    press(&mut a, KeyCode::Char('w'));
    assert_eq!(a.screen::<QueueState>().unwrap().shown.len(), 17);
}

#[test]
fn a_preview_says_it_is_working_before_it_reads_the_bundle() {
    let mut a = app("王建国", Lang::Zh);
    at_stick(&mut a, stick());
    a.on_key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE));
    // The frame drawn before the work starts: the list is there, the pane says what is going on.
    let screen = draw(&mut a, 120, 40);
    assert!(screen.contains("正在校验评审包") && screen.contains("from-liming.rdbundle"), "{screen}");
    assert!(a.run_pending());
    assert!(draw(&mut a, 120, 40).contains("再按一次 Enter 导入"));
}

/// `z` on the queue opens 整改跟踪: the demo's earlier meeting sent two acceptances back to
/// rectify; one is applied for again in time, the other's deadline (2026-09-30) passed, so its
/// unit is held back. Today is the demo's clock (2026-12-08) or later.
#[test]
fn z_lists_the_open_rectifications_and_the_units_held_back() {
    matrix(
        "rectification",
        |lang| {
            let mut a = app("鼓楼区数据局信息化办", lang);
            a.fixed_now = Some(chrono::DateTime::parse_from_rfc3339("2026-12-08T09:00:00Z").unwrap().to_utc());
            press(&mut a, KeyCode::Char('z'));
            a
        },
        |lang, screen| {
            let words: [&str; 4] = if lang == Lang::Zh {
                ["2 项整改未结，1 个单位被暂缓后续立项", "逾期未重新申请", "已重新申请", "鼓楼区应急管理局"]
            } else {
                ["2 open, 1 unit(s) held back", "overdue", "applied again", "鼓楼区应急管理局"]
            };
            for w in words {
                assert!(screen.contains(w), "{w}:\n{screen}");
            }
        },
    );
    let mut a = app("王建国", Lang::Zh);
    press(&mut a, KeyCode::Char('z'));
    assert_eq!(a.top(), "rectifications");
    press(&mut a, KeyCode::Down);
    press(&mut a, KeyCode::Esc);
    assert_eq!(a.top(), "queue", "Esc goes back to the queue");
}

/// 复核 on the scoring screen: 刘洋's 65 on GL-LX-2027-001 lies more than 15 points from the
/// median (畸高畸低). Opening his sheet again asks for a revision reason; Ctrl-S without one stays
/// on the form and says so; with one, the text to sign carries it, and signing keeps both sheets
/// in the log.
#[test]
fn revising_a_flagged_sheet_asks_for_a_reason_before_it_signs() {
    let dir = fresh_demo();
    let mut a = app_in(dir.path(), "刘洋");
    select(&mut a, "GL-LX-2027-001");
    press(&mut a, KeyCode::Char('e'));
    assert_eq!(a.top(), "scoring");
    let s = a.screen::<ScoringState>().unwrap();
    assert!(s.flagged.as_ref().is_some_and(|w| w.zh.contains("畸高畸低")), "{:?}", s.flagged);
    assert!(draw(&mut a, 80, 24).contains("复核修改理由"));
    // necessity 10 → 12, then Ctrl-S without a reason.
    press(&mut a, KeyCode::Backspace);
    press(&mut a, KeyCode::Backspace);
    type_text(&mut a, "12");
    ctrl(&mut a, 's');
    assert_eq!(a.top(), "scoring", "no reason, nothing to sign");
    let screen = draw(&mut a, 120, 40);
    assert!(screen.contains("须写明复核修改理由") && screen.contains("你已提交的评分被标记复核"), "{screen}");
    // The focus went to the reason: Tab, type, Esc, Ctrl-S.
    press(&mut a, KeyCode::Tab);
    type_text(&mut a, "复看可研报告后调整必要性得分");
    press(&mut a, KeyCode::Esc);
    ctrl(&mut a, 's');
    assert_eq!(a.top(), "confirm", "{:?}", a.screen::<ScoringState>().map(|s| s.error.clone()));
    let screen = draw(&mut a, 120, 40);
    assert!(screen.contains("复核修改理由：复看可研报告后调整必要性得分"), "{screen}");
    press(&mut a, KeyCode::Char('y'));
    assert!(a.screen::<ScoringState>().is_none(), "{:?}", a.message);
    let home = Home { dir: dir.path().to_path_buf() };
    let store = Store::open(&home.db()).unwrap();
    let me = home.keyring().load("刘洋").unwrap().key_hex();
    let v = store.application("GL-2027-01", "GL-LX-2027-001", &me).unwrap();
    let mine = v.experts.iter().find(|e| e.key == me).unwrap();
    assert_eq!(mine.sheet.as_ref().unwrap().revision_reason, "复看可研报告后调整必要性得分");
    let sheets = v.history.iter().filter(|h| h.kind == "score_submitted" && h.author_name == "刘洋").count();
    assert_eq!(sheets, 2, "the earlier sheet stays in the history");
}

/// The proceedings from the screens: the chair puts the outcome to a named vote with `v`;
/// members vote with 1/2/3, countersign with `a` and dissent with `x` (a reason, then the
/// confirmation); every one is signed only after the confirmation. A member's decision panel
/// afterwards, at 80×24 and 120×40 in both languages.
#[test]
fn members_vote_countersign_and_dissent_from_the_decision_panel() {
    const CODE: &str = "GL-LX-2027-002";
    let dir = fresh_demo();
    let at = chrono::DateTime::parse_from_rfc3339("2026-12-08T09:30:00Z").unwrap().to_utc();
    let open = |who: &str, lang: Lang| {
        let home = Home { dir: dir.path().to_path_buf() };
        let mut a = App::new(Store::open(&home.db()).unwrap(), home.keyring().load(who).unwrap(), lang);
        a.fixed_now = Some(at);
        select(&mut a, CODE);
        press(&mut a, KeyCode::Char('d'));
        a
    };
    let confirm = |a: &mut App| {
        assert_eq!(a.top(), "confirm", "{:?}", a.message);
        draw(a, 120, 40);
        press(a, KeyCode::Char('y'));
    };
    // A member cannot countersign before there is a decision; the chair calls the vote.
    let mut li = open("李明", Lang::Zh);
    press(&mut li, KeyCode::Char('a'));
    assert!(li.message.as_deref().unwrap_or("").contains("还没有组长签署的结论"), "{:?}", li.message);
    press(&mut li, KeyCode::Char('1'));
    assert!(li.message.as_deref().unwrap_or("").contains("没有进行中的记名表决"), "{:?}", li.message);
    let mut chair = open("王建国", Lang::Zh);
    press(&mut chair, KeyCode::Char('v'));
    let text = inside_box(&draw(&mut chair, 80, 24));
    assert!(text.contains("表决事项：通过"), "{text}");
    confirm(&mut chair);
    assert!(chair.message.as_deref().unwrap_or("").contains("已发起记名表决"), "{:?}", chair.message);
    assert_cmd::cargo::cargo_bin_cmd!("reviewdesk")
        .args(["--home", dir.path().to_str().unwrap(), "--as", "王建国", "decide", CODE, "--partial"])
        .env("REVIEWDESK_NOW", "2026-12-08T09:20:00Z")
        .env_remove("REVIEWDESK_HOME")
        .assert()
        .success();
    for (who, vote) in [("李明", '1'), ("张华", '2'), ("刘洋", '1'), ("陈静", '3')] {
        let mut a = open(who, Lang::Zh);
        press(&mut a, KeyCode::Char(vote));
        confirm(&mut a);
        assert!(a.message.as_deref().unwrap_or("").contains("已投票"), "{who}: {:?}", a.message);
    }
    // 张华 dissents: a too-short reason is refused in the form, a real one goes to the confirmation.
    let mut zhang = open("张华", Lang::Zh);
    press(&mut zhang, KeyCode::Char('x'));
    assert_eq!(zhang.top(), "conflict");
    type_text(&mut zhang, "否");
    press(&mut zhang, KeyCode::Enter);
    assert_eq!(zhang.top(), "conflict", "a one-character reason is refused");
    press(&mut zhang, KeyCode::Backspace);
    type_text(&mut zhang, "投资估算依据不足，建议核减后实施");
    press(&mut zhang, KeyCode::Enter);
    confirm(&mut zhang);
    assert!(zhang.message.as_deref().unwrap_or("").contains("已签字并记录保留意见"), "{:?}", zhang.message);
    for who in ["李明", "刘洋"] {
        let mut a = open(who, Lang::Zh);
        press(&mut a, KeyCode::Char('a'));
        let text = inside_box(&draw(&mut a, 80, 24));
        assert!(text.contains("本人同意专家组的上述结论"), "{text}");
        press(&mut a, KeyCode::Esc);
        assert_eq!(a.top(), "decision", "Esc signs nothing");
        press(&mut a, KeyCode::Char('a'));
        confirm(&mut a);
    }
    matrix(
        "decision_proceedings",
        |l| open("李明", l),
        |l, screen| {
            let (mut want, vote): (Vec<&str>, [&str; 2]) = match l {
                Lang::Zh => {
                    (vec!["会议程序", "待签字（还差 2 人）", "张华 保留意见"], ["表决事项“通过”", "弃权 1：未通过"])
                }
                Lang::En => (vec!["Proceedings", "awaiting", "张华 dissents"], ["2 for", "not carried"]),
            };
            // The vote (2 of 4 votes cast is not more than half) is below the fold at 80×24.
            if screen.lines().count() >= 40 {
                want.extend(vote);
            }
            for w in want {
                assert!(screen.contains(w), "{w}:\n{screen}");
            }
        },
    );
}

/// 当前议题: the chair puts an item under discussion with `G` (through the confirmation); the
/// queue marks it, and `g` takes anyone there from another screen, but never drops typed work.
#[test]
fn the_chair_puts_an_item_under_discussion_and_g_goes_to_it_from_any_screen() {
    let dir = fresh_demo();
    let mut chair = app_in(dir.path(), "王建国");
    press(&mut chair, KeyCode::Char('g'));
    assert!(chair.message.as_deref().unwrap_or("").contains("尚未设定当前议题"), "{:?}", chair.message);
    select(&mut chair, "GL-LX-2027-003");
    press(&mut chair, KeyCode::Char('G'));
    assert_eq!(chair.top(), "confirm");
    draw(&mut chair, 80, 24);
    press(&mut chair, KeyCode::Char('y'));
    assert!(chair.message.as_deref().unwrap_or("").contains("当前议题：GL-LX-2027-003"), "{:?}", chair.message);
    let screen = draw(&mut chair, 120, 40);
    assert!(screen.contains("▶GL-LX-2027-003"), "{screen}");
    // An expert reading another application's detail goes straight to the item.
    let mut li = app_in(dir.path(), "李明");
    select(&mut li, "GL-BG-2026-011");
    press(&mut li, KeyCode::Enter);
    assert_eq!(li.top(), "detail");
    press(&mut li, KeyCode::Char('g'));
    assert_eq!(li.top(), "detail");
    assert!(draw(&mut li, 120, 40).contains("GL-LX-2027-003"));
    // The chair with a typed opinion on another decision stays where they are.
    select(&mut chair, "GL-BG-2026-011");
    press(&mut chair, KeyCode::Char('d'));
    let fields = chair.screen::<DecisionState>().unwrap().fields();
    let opinion = fields.iter().position(|f| *f == reviewdesk::tui::screens::decision::Field::Opinion).unwrap();
    for _ in 0..opinion {
        press(&mut chair, KeyCode::Down);
    }
    press(&mut chair, KeyCode::Tab);
    type_text(&mut chair, "同意变更");
    press(&mut chair, KeyCode::Esc);
    press(&mut chair, KeyCode::Char('g'));
    assert_eq!(chair.top(), "decision");
    assert!(chair.message.as_deref().unwrap_or("").contains("未保存的编辑"), "{:?}", chair.message);
}

/// 投屏: the item, its findings and the sheets' progress, large; no points until every sheet is
/// in (four of five here), even for the chair, who sees them on the other screens.
#[test]
fn snapshots_of_the_projector_view() {
    matrix(
        "projector",
        |l| opened("王建国", l, "GL-LX-2027-004", KeyCode::Char('P')),
        |l, screen| {
            let want: &[&str] = match l {
                Lang::Zh => &[
                    "当前议题",
                    "GL-LX-2027-004",
                    "基层医疗健康档案共享平台",
                    "阻断 1",
                    "评分进度 4/5",
                    "全部专家提交评分后显示分数",
                ],
                Lang::En => &[
                    "Under discussion",
                    "GL-LX-2027-004",
                    "1 blocking",
                    "Sheets 4/5",
                    "once every expert has submitted",
                ],
            };
            for w in want {
                assert!(screen.contains(w), "{w}:\n{screen}");
            }
            assert!(!screen.contains("69.00"), "the aggregate is hidden:\n{screen}");
        },
    );
}

/// The queue with an item under discussion (当前议题): its row is marked ▶ at 80×24 and 120×40,
/// in both languages.
#[test]
fn snapshots_of_the_queue_with_an_item_under_discussion() {
    let dir = fresh_demo();
    assert_cmd::cargo::cargo_bin_cmd!("reviewdesk")
        .args(["--home", dir.path().to_str().unwrap(), "--as", "王建国", "agenda", "GL-LX-2027-004"])
        .env("REVIEWDESK_NOW", "2026-12-08T09:10:00Z")
        .env_remove("REVIEWDESK_HOME")
        .assert()
        .success();
    matrix(
        "queue_agenda",
        |l| {
            let home = Home { dir: dir.path().to_path_buf() };
            App::new(Store::open(&home.db()).unwrap(), home.keyring().load("李明").unwrap(), l)
        },
        |_, screen| assert!(screen.contains("▶GL-LX-2027-004"), "{screen}"),
    );
}
