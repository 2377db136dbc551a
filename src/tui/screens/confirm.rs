//! The one confirmation every signature passes through (签名确认): the whole text to be
//! signed, wrapped by display width and scrollable, signed only by `y` once its end has been on
//! screen. Enter, which also ends a text box, never signs.

use super::{Action, Ctx, Effect, Screen, Signing};
use crate::tui::keymap::any;
use crate::tui::widgets::{centered, clear, wrap};
use crossterm::event::{KeyCode, KeyEvent};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};
use std::cell::Cell;

pub struct Confirm {
    signing: Option<Box<Signing>>,
    scroll: usize,
    /// Set while drawing: the last line has been on screen, and how many lines the box shows.
    seen_end: Cell<bool>,
    shown: Cell<usize>,
    /// An i18n key said inside the box after a key that does not sign.
    note: Option<&'static str>,
}

impl Confirm {
    pub fn new(signing: Box<Signing>) -> Confirm {
        Confirm { signing: Some(signing), scroll: 0, seen_end: Cell::new(false), shown: Cell::new(1), note: None }
    }

    fn box_for(area: Rect) -> Rect {
        centered(area, area.width.saturating_sub(4).min(78), area.height.saturating_sub(2))
    }
}

impl Screen for Confirm {
    fn name(&self) -> &'static str {
        "confirm"
    }

    fn update(&mut self, ev: &KeyEvent, cx: &Ctx) -> Action {
        self.note = None;
        let page = self.shown.get().max(1);
        if any(&cx.keys.up, ev) {
            self.scroll = self.scroll.saturating_sub(1);
        } else if any(&cx.keys.down, ev) {
            self.scroll += 1;
        } else if cx.keys.page_up.matches(ev) {
            self.scroll = self.scroll.saturating_sub(page);
        } else if cx.keys.page_down.matches(ev) || ev.code == KeyCode::Char(' ') {
            self.scroll += page;
        } else if matches!(ev.code, KeyCode::Char('y' | 'Y')) {
            if !self.seen_end.get() {
                self.note = Some("confirm.read_to_end");
                return Action::None;
            }
            return match self.signing.take() {
                Some(s) => Action::Do(Effect::Sign(s)),
                None => Action::Back,
            };
        } else if matches!(ev.code, KeyCode::Esc | KeyCode::Char('n' | 'N' | 'q')) {
            return Action::Back;
        } else {
            self.note = Some("confirm.how");
        }
        Action::None
    }

    fn render(&self, frame: &mut Frame, area: Rect, cx: &Ctx) {
        let Some(s) = &self.signing else { return };
        let t = cx.t;
        let rect = Confirm::box_for(area);
        clear(frame, rect);
        let inner_w = rect.width.saturating_sub(2) as usize;
        let lines = wrap(&s.text, inner_w);
        // Two rows at the bottom: a rule and the keys.
        let room = rect.height.saturating_sub(4) as usize;
        let last_top = lines.len().saturating_sub(room);
        let top = self.scroll.min(last_top);
        self.shown.set(room);
        if top >= last_top {
            self.seen_end.set(true);
        }
        let mut body: Vec<Line> = lines.iter().skip(top).take(room).map(|l| Line::from(l.clone())).collect();
        body.resize(room, Line::from(""));
        let more = lines.len().saturating_sub(top + room);
        body.push(Line::from(Span::styled(
            if more > 0 { t.t("confirm.more").replace("{n}", &more.to_string()) } else { String::new() },
            Style::default().fg(Color::DarkGray),
        )));
        let (keys, style) = match self.note {
            Some(n) => (t.t(n), Style::default().fg(Color::Yellow)),
            None if self.seen_end.get() => (t.t("confirm.keys"), Style::default().add_modifier(Modifier::BOLD)),
            None => (t.t("confirm.read_to_end"), Style::default().fg(Color::Yellow)),
        };
        body.push(Line::from(Span::styled(keys.to_string(), style)));
        let block = Block::default().borders(Borders::ALL).title(s.title.clone());
        frame.render_widget(Paragraph::new(body).block(block), rect);
    }

    fn hints(&self) -> &'static [&'static str] {
        &["confirm.key_sign", "keys.scroll", "confirm.key_back"]
    }

    fn overlay(&self) -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::i18n::I18n;
    use crate::tui::keymap::KeyMap;
    use crossterm::event::KeyModifiers;
    use ratatui::{Terminal, backend::TestBackend};

    fn signing(lines: usize) -> Box<Signing> {
        Box::new(Signing {
            body: crate::ledger::Body::KeyRevoked {
                key: "00".repeat(32),
                cutoff_seq: 1,
                reason: "笔记本电脑丢失".into(),
            },
            title: "t".into(),
            text: (1..=lines).map(|i| format!("第{i}行")).collect::<Vec<_>>().join("\n"),
            done: String::new(),
            closes: 0,
            draft: None,
        })
    }

    fn draw(c: &Confirm, cx: &Ctx) -> String {
        let mut t = Terminal::new(TestBackend::new(60, 20)).unwrap();
        t.draw(|f| c.render(f, f.area(), cx)).unwrap();
        t.backend().to_string()
    }

    #[test]
    fn y_signs_only_once_the_end_has_been_on_screen_and_enter_never_does() {
        let (keys, t) = (KeyMap::default(), I18n::new(crate::domain::Lang::Zh));
        let cx = Ctx { keys: &keys, t: &t, role: None, page: 10, reports_dir: std::path::Path::new(".") };
        let key = |c| KeyEvent::new(c, KeyModifiers::NONE);
        let mut c = Confirm::new(signing(40));
        let screen = draw(&c, &cx);
        assert!(screen.contains("第1行") && !screen.contains("第40行") && screen.contains("下面还有"), "{screen}");
        assert!(matches!(c.update(&key(KeyCode::Enter), &cx), Action::None));
        assert!(matches!(c.update(&key(KeyCode::Char('y')), &cx), Action::None), "not read to the end");
        while !draw(&c, &cx).contains("第40行") {
            let _ = c.update(&key(KeyCode::PageDown), &cx);
        }
        assert!(matches!(c.update(&key(KeyCode::Char('y')), &cx), Action::Do(Effect::Sign(_))));
        // A short text is seen whole at once.
        let mut short = Confirm::new(signing(3));
        draw(&short, &cx);
        assert!(matches!(short.update(&key(KeyCode::Esc), &cx), Action::Back));
        assert!(matches!(short.update(&key(KeyCode::Char('y')), &cx), Action::Do(Effect::Sign(_))));
    }
}
