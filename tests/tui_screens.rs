//! The screens on the demo meeting, drawn on ratatui's TestBackend: snapshots at 80×24 and
//! 120×40 in Chinese and English, and key sequences through the update function.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use reviewdesk::cli::Home;
use reviewdesk::domain::Lang;
use reviewdesk::store::Store;
use reviewdesk::tui::app::App;
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

fn press(app: &mut App, code: KeyCode) {
    app.on_key(KeyEvent::new(code, KeyModifiers::NONE));
}

fn type_text(app: &mut App, text: &str) {
    for c in text.chars() {
        press(app, KeyCode::Char(c));
    }
}

#[test]
fn queue_as_the_chair_80x24_zh() {
    insta::assert_snapshot!(draw(&mut app("王建国", Lang::Zh), 80, 24));
}

#[test]
fn queue_as_the_chair_120x40_en() {
    insta::assert_snapshot!(draw(&mut app("王建国", Lang::En), 120, 40));
}

#[test]
fn queue_as_the_expert_who_has_not_scored_is_blind_80x24_zh() {
    let screen = draw(&mut app("赵敏", Lang::Zh), 80, 24);
    assert!(screen.contains("提交后可见"), "{screen}");
    assert!(!screen.contains("82.25"), "an aggregate leaked to a blind expert:\n{screen}");
    insta::assert_snapshot!(screen);
}

#[test]
fn detail_of_a_change_that_must_reapply_80x24_zh() {
    let mut a = app("王建国", Lang::Zh);
    type_text(&mut a, "/GL-BG-2026-012");
    press(&mut a, KeyCode::Enter);
    press(&mut a, KeyCode::Enter);
    let screen = draw(&mut a, 80, 24);
    assert!(screen.contains("须重新立项"), "{screen}");
    insta::assert_snapshot!(screen);
}

#[test]
fn detail_120x40_en() {
    let mut a = app("王建国", Lang::En);
    type_text(&mut a, "/GL-YS-2025-022");
    press(&mut a, KeyCode::Enter);
    press(&mut a, KeyCode::Enter);
    insta::assert_snapshot!(draw(&mut a, 120, 40));
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
    assert_eq!(a.queue.as_ref().unwrap().shown.len(), 14);
    press(&mut a, KeyCode::Char('/'));
    type_text(&mut a, "档案");
    let q = a.queue.as_ref().unwrap();
    let codes: Vec<&str> = q.shown.iter().map(|i| q.view.rows[*i].code.as_str()).collect();
    assert_eq!(codes, ["GL-LX-2027-004", "GL-YS-2025-022"]);
    press(&mut a, KeyCode::Enter); // ends the filter
    press(&mut a, KeyCode::Down);
    press(&mut a, KeyCode::Enter); // opens the selected application
    assert_eq!(a.detail.as_ref().unwrap().view.application.code, "GL-YS-2025-022");
    press(&mut a, KeyCode::Esc);
    assert!(a.detail.is_none() && !a.quit);
    press(&mut a, KeyCode::Esc); // clears the filter first
    assert_eq!(a.queue.as_ref().unwrap().shown.len(), 14);
    press(&mut a, KeyCode::Char('?'));
    assert!(a.help);
    press(&mut a, KeyCode::Esc);
    assert!(!a.help && !a.quit);
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
    let q = app.queue.as_mut().unwrap();
    q.selected = q.shown.iter().position(|i| q.view.rows[*i].code == code).unwrap();
}

fn ctrl(app: &mut App, c: char) {
    app.on_key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL));
}

#[test]
fn an_expert_scores_from_the_queue_to_a_signed_event() {
    let dir = fresh_demo();
    let mut a = app_in(dir.path(), "赵敏");
    select(&mut a, "GL-LX-2027-001");
    press(&mut a, KeyCode::Char('e'));
    assert!(a.scoring.is_some());
    // necessity (max 15): "16" is refused as typed, the 1 stays.
    type_text(&mut a, "16");
    assert_eq!(a.scoring.as_ref().unwrap().points[0], Some(reviewdesk::domain::Points::whole(1)));
    assert!(a.scoring.as_ref().unwrap().error.as_deref().unwrap_or("").contains("超出"));
    press(&mut a, KeyCode::Backspace);
    type_text(&mut a, "13");
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
    assert_eq!(a.scoring.as_ref().unwrap().total().to_string(), "86");
    ctrl(&mut a, 's');
    assert!(a.scoring.as_ref().unwrap().confirming, "{:?}", a.scoring.as_ref().unwrap().error);
    let screen = draw(&mut a, 80, 24);
    assert!(screen.contains("提交前确认") && screen.contains("总分：86 / 100"), "{screen}");
    press(&mut a, KeyCode::Char('y'));
    assert!(a.scoring.is_none(), "{:?}", a.message);
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
    assert!(a.scoring.as_ref().unwrap().error.as_deref().unwrap_or("").contains("未打分"));
    press(&mut a, KeyCode::Esc);
    assert!(a.scoring.is_none());
    drop(a);
    let mut b = app_in(dir.path(), "赵敏");
    let q = b.queue.as_ref().unwrap();
    let row = q.view.rows.iter().find(|r| r.code == "GL-YS-2025-021").unwrap();
    assert_eq!(row.my_score, reviewdesk::store::MyScore::Draft);
    select(&mut b, "GL-YS-2025-021");
    press(&mut b, KeyCode::Char('e'));
    assert_eq!(b.scoring.as_ref().unwrap().points[0], Some(reviewdesk::domain::Points::whole(20)));
}

#[test]
fn the_chair_cannot_open_a_score_sheet() {
    let mut a = app("王建国", Lang::Zh);
    press(&mut a, KeyCode::Char('e'));
    assert!(a.scoring.is_none());
    assert!(a.message.as_deref().unwrap_or("").contains("只有本会议未回避的专家可以评分"));
}

#[test]
fn decision_panel_80x24_zh_and_120x40_en() {
    let mut a = app("王建国", Lang::Zh);
    select(&mut a, "GL-BG-2026-012");
    press(&mut a, KeyCode::Char('d'));
    let screen = draw(&mut a, 80, 24);
    assert!(screen.contains("须重新立项") && screen.contains("汇总分：71.25"), "{screen}");
    insta::assert_snapshot!("decision_80x24_zh", screen);
    let mut b = app("王建国", Lang::En);
    select(&mut b, "GL-YS-2025-022");
    press(&mut b, KeyCode::Char('d'));
    insta::assert_snapshot!("decision_120x40_en", draw(&mut b, 120, 40));
}

#[test]
fn the_chair_overrides_the_suggestion_with_a_reason_and_signs() {
    let dir = fresh_demo();
    let mut a = app_in(dir.path(), "王建国");
    select(&mut a, "GL-YS-2025-022"); // suggested: rectify (trial operation too short)
    press(&mut a, KeyCode::Char('d'));
    let d = a.decision.as_ref().unwrap();
    assert!(!d.read_only);
    assert_eq!(d.outcomes[d.chosen], reviewdesk::domain::Outcome::Rectify);
    // Rectify needs a checked deadline.
    ctrl(&mut a, 's');
    assert!(a.decision.as_ref().unwrap().error.as_deref().unwrap_or("").contains("整改期限"));
    // Choose 通过验收 instead: the reason field appears, and is required.
    press(&mut a, KeyCode::Left);
    assert_eq!(
        a.decision.as_ref().unwrap().outcomes[a.decision.as_ref().unwrap().chosen],
        reviewdesk::domain::Outcome::Accepted
    );
    ctrl(&mut a, 's');
    assert!(a.decision.as_ref().unwrap().error.as_deref().unwrap_or("").contains("须说明理由"));
    let fields = a.decision.as_ref().unwrap().fields();
    for _ in 1..fields.len() {
        press(&mut a, KeyCode::Down);
    }
    press(&mut a, KeyCode::Tab);
    type_text(&mut a, "试运行记录已补充，专家组认可");
    press(&mut a, KeyCode::Esc);
    ctrl(&mut a, 's');
    assert!(a.decision.as_ref().unwrap().confirming, "{:?}", a.decision.as_ref().unwrap().error);
    press(&mut a, KeyCode::Char('y'));
    assert!(a.decision.is_none(), "{:?}", a.message);
    assert!(a.message.as_deref().unwrap_or("").contains("已签名记录结论"));
    let row = a.queue.as_ref().unwrap().view.rows.iter().find(|r| r.code == "GL-YS-2025-022").unwrap();
    assert_eq!(row.outcome, Some(reviewdesk::domain::Outcome::Accepted));
    let home = Home { dir: dir.path().to_path_buf() };
    let store = Store::open(&home.db()).unwrap();
    let v =
        store.application("GL-2027-01", "GL-YS-2025-022", &home.keyring().load("王建国").unwrap().key_hex()).unwrap();
    let d = v.decision.unwrap();
    assert_eq!(d.decision.override_reason.as_deref(), Some("试运行记录已补充，专家组认可"));
    assert_eq!(d.based_on.len(), 4);
}

#[test]
fn an_expert_sees_the_decision_panel_read_only() {
    let mut a = app("李明", Lang::Zh);
    select(&mut a, "GL-BG-2026-012");
    press(&mut a, KeyCode::Char('d'));
    assert!(a.decision.as_ref().unwrap().read_only);
    press(&mut a, KeyCode::Right);
    ctrl(&mut a, 's');
    let d = a.decision.as_ref().unwrap();
    assert!(!d.confirming && d.outcomes[d.chosen] == reviewdesk::domain::Outcome::MustReapply);
    assert!(draw(&mut a, 80, 24).contains("只有组长可以记录结论"));
}

#[test]
fn the_identity_switcher_lists_this_homes_identities_and_switches() {
    let dir = fresh_demo();
    let mut a = app_in(dir.path(), "赵敏");
    a.keyring = Some(Home { dir: dir.path().to_path_buf() }.keyring());
    press(&mut a, KeyCode::Char('i'));
    let (names, _) = a.switcher.clone().unwrap();
    assert_eq!(names.len(), 7, "{names:?}");
    let screen = draw(&mut a, 80, 24);
    assert!(screen.contains("切换身份") && screen.contains("王建国"), "{screen}");
    let target = names.iter().position(|n| n == "王建国").unwrap();
    let at = a.switcher.as_ref().unwrap().1;
    for _ in 0..at {
        press(&mut a, KeyCode::Up);
    }
    for _ in 0..target {
        press(&mut a, KeyCode::Down);
    }
    press(&mut a, KeyCode::Enter);
    assert!(a.switcher.is_none());
    assert_eq!(a.viewer.name, "王建国");
    assert_eq!(a.role, Some(reviewdesk::store::ViewerRole::Chair));
    assert!(!a.queue.as_ref().unwrap().view.rows[0].blind, "the chair sees the aggregates");
}

#[test]
fn declaring_a_conflict_is_one_action_with_a_reason() {
    let dir = fresh_demo();
    let mut a = app_in(dir.path(), "赵敏");
    select(&mut a, "GL-BG-2026-013");
    press(&mut a, KeyCode::Char('c'));
    assert!(a.conflict.is_some());
    press(&mut a, KeyCode::Enter); // no reason yet: refused, still open
    assert!(a.conflict.is_some() && a.message.as_deref().unwrap_or("").contains("必须写明理由"));
    type_text(&mut a, "本人曾参与该系统建设");
    let screen = draw(&mut a, 80, 24);
    assert!(screen.contains("声明回避 GL-BG-2026-013"), "{screen}");
    press(&mut a, KeyCode::Enter);
    assert!(a.conflict.is_none(), "{:?}", a.message);
    let row = a.queue.as_ref().unwrap().view.rows.iter().find(|r| r.code == "GL-BG-2026-013").unwrap();
    assert_eq!(row.my_score, reviewdesk::store::MyScore::Recused);
    assert_eq!(row.eligible, 4);
    // And the score sheet no longer opens for it.
    select(&mut a, "GL-BG-2026-013");
    press(&mut a, KeyCode::Char('e'));
    assert!(a.scoring.is_none());
}

#[test]
fn scoring_screen_80x24_zh_and_120x40_en() {
    let dir = fresh_demo();
    let mut a = app_in(dir.path(), "赵敏");
    select(&mut a, "GL-LX-2027-004");
    press(&mut a, KeyCode::Char('e'));
    type_text(&mut a, "12");
    press(&mut a, KeyCode::Down);
    type_text(&mut a, "11.5");
    insta::assert_snapshot!("scoring_80x24_zh", draw(&mut a, 80, 24));
    let home = Home { dir: dir.path().to_path_buf() };
    let mut b = App::new(Store::open(&home.db()).unwrap(), home.keyring().load("赵敏").unwrap(), Lang::En);
    select(&mut b, "GL-LX-2027-004");
    press(&mut b, KeyCode::Char('e'));
    insta::assert_snapshot!("scoring_120x40_en", draw(&mut b, 120, 40));
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
