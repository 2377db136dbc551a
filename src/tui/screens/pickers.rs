//! The small overlays: help, the identity switcher and its passphrase box, the report format
//! picker, and the question before quitting with typed work that cannot be kept.

use super::{Action, Ctx, Effect, Screen};
use crate::domain::text::truncate;
use crate::tui::keymap::any;
use crate::tui::widgets::{centered, clear, draw_editor, popup, wrap};
use crossterm::event::{KeyCode, KeyEvent};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

/// A highlighted line among `items`.
fn choices(items: &[String], at: usize) -> Vec<Line<'static>> {
    items
        .iter()
        .enumerate()
        .map(|(i, n)| {
            let style = if i == at { Style::default().add_modifier(Modifier::REVERSED) } else { Style::default() };
            Line::from(Span::styled(n.clone(), style))
        })
        .collect()
}

/// Up and down within `len` items; whether the key was one of them.
fn step(at: &mut usize, len: usize, ev: &KeyEvent, cx: &Ctx) -> bool {
    if any(&cx.keys.up, ev) {
        *at = at.saturating_sub(1);
    } else if any(&cx.keys.down, ev) {
        *at = (*at + 1).min(len.saturating_sub(1));
    } else {
        return false;
    }
    true
}

/// Every key, as the keymap has it (`?`), scrolled with ↑↓ when the terminal is short.
#[derive(Default)]
pub struct Help {
    scroll: usize,
}

impl Screen for Help {
    fn name(&self) -> &'static str {
        "help"
    }

    fn update(&mut self, ev: &KeyEvent, cx: &Ctx) -> Action {
        if any(&cx.keys.back, ev) || cx.keys.help.matches(ev) || ev.code == KeyCode::Enter {
            return Action::Back;
        }
        if any(&cx.keys.down, ev) || cx.keys.page_down.matches(ev) {
            self.scroll += 1;
        } else if any(&cx.keys.up, ev) || cx.keys.page_up.matches(ev) {
            self.scroll = self.scroll.saturating_sub(1);
        }
        Action::None
    }

    fn render(&self, frame: &mut Frame, area: Rect, cx: &Ctx) {
        let w = area.width.saturating_sub(6).min(110);
        // Wrapped here by display width, so no wide character can reach the border.
        let all = wrap(cx.t.t("help.body"), w.saturating_sub(2) as usize);
        let room = area.height.saturating_sub(2) as usize;
        let top = self.scroll.min(all.len().saturating_sub(room));
        let lines: Vec<Line> = all.into_iter().skip(top).take(room).map(Line::from).collect();
        let rect = centered(area, w, (lines.len() as u16).saturating_add(2));
        clear(frame, rect);
        let block = Block::default().borders(Borders::ALL).title(cx.t.t("help.title"));
        frame.render_widget(Paragraph::new(lines).block(block), rect);
    }

    fn hints(&self) -> &'static [&'static str] {
        &["keys.scroll", "keys.back"]
    }

    fn overlay(&self) -> bool {
        true
    }
}

/// The identities of this home (`i`).
pub struct Switcher {
    pub names: Vec<String>,
    pub at: usize,
}

impl Screen for Switcher {
    fn name(&self) -> &'static str {
        "switcher"
    }

    fn update(&mut self, ev: &KeyEvent, cx: &Ctx) -> Action {
        if step(&mut self.at, self.names.len(), ev, cx) {
            Action::None
        } else if any(&cx.keys.back, ev) {
            Action::Back
        } else if cx.keys.open.matches(ev) {
            match self.names.get(self.at) {
                Some(name) => Action::Do(Effect::SwitchTo { name: name.clone(), passphrase: None }),
                None => Action::Back,
            }
        } else {
            Action::None
        }
    }

    fn render(&self, frame: &mut Frame, area: Rect, cx: &Ctx) {
        popup(frame, area, 40, cx.t.t("switch.title"), choices(&self.names, self.at));
    }

    fn hints(&self) -> &'static [&'static str] {
        &["keys.move", "keys.open", "keys.back"]
    }

    fn overlay(&self) -> bool {
        true
    }
}

/// The passphrase of a protected identity, typed as dots.
pub struct Unlock {
    pub name: String,
    input: ratatui_textarea::TextArea<'static>,
    pub failed: u32,
}

impl Unlock {
    pub fn new(name: String, failed: u32) -> Unlock {
        let mut input = ratatui_textarea::TextArea::default();
        input.set_mask_char('●');
        Unlock { name, input, failed }
    }
}

impl Screen for Unlock {
    fn name(&self) -> &'static str {
        "unlock"
    }

    fn update(&mut self, ev: &KeyEvent, _cx: &Ctx) -> Action {
        match ev.code {
            KeyCode::Esc => Action::Back,
            KeyCode::Enter => {
                let typed = self.input.lines().join("\n");
                Action::Do(Effect::SwitchTo { name: self.name.clone(), passphrase: Some(typed) })
            }
            _ => {
                self.input.input(*ev);
                Action::None
            }
        }
    }

    fn paste(&mut self, text: &str) {
        self.input.insert_str(text.trim_end_matches(['\r', '\n']));
    }

    fn failures(&self) -> Option<u32> {
        Some(self.failed)
    }

    fn render(&self, frame: &mut Frame, area: Rect, cx: &Ctx) {
        let t = cx.t;
        let rect = centered(area, 56, 3);
        clear(frame, rect);
        let mut block = Block::default().borders(Borders::ALL).title(t.t("unlock.title").replace("{name}", &self.name));
        if self.failed > 0 {
            block = block.title_bottom(Span::styled(t.t("unlock.wrong").to_string(), Style::default().fg(Color::Red)));
        }
        draw_editor(frame, &self.input, block, rect, true);
    }

    fn hints(&self) -> &'static [&'static str] {
        &["unlock.key_enter", "keys.back"]
    }

    fn overlay(&self) -> bool {
        true
    }

    fn typing(&self) -> bool {
        true
    }
}

/// The formats the queue's report picker offers, with their i18n labels.
const REPORT_FORMATS: [(crate::report::Format, &str); 5] = [
    (crate::report::Format::Xlsx, "report.xlsx"),
    (crate::report::Format::Html, "report.html"),
    (crate::report::Format::Md, "report.md"),
    (crate::report::Format::Csv, "report.csv"),
    (crate::report::Format::MinutesHtml, "report.minutes"),
];

/// Which format the meeting's report is written in (`r`).
#[derive(Default)]
pub struct ReportPicker {
    at: usize,
}

impl Screen for ReportPicker {
    fn name(&self) -> &'static str {
        "reports"
    }

    fn update(&mut self, ev: &KeyEvent, cx: &Ctx) -> Action {
        if step(&mut self.at, REPORT_FORMATS.len(), ev, cx) {
            Action::None
        } else if any(&cx.keys.back, ev) {
            Action::Back
        } else if cx.keys.open.matches(ev) {
            Action::Do(Effect::Report(REPORT_FORMATS[self.at].0))
        } else {
            Action::None
        }
    }

    fn render(&self, frame: &mut Frame, area: Rect, cx: &Ctx) {
        let labels: Vec<String> = REPORT_FORMATS.iter().map(|(_, k)| cx.t.t(k).to_string()).collect();
        let mut lines = choices(&labels, self.at);
        lines.push(Line::from(""));
        lines.push(Line::from(truncate(&cx.reports_dir.display().to_string(), 56)));
        popup(frame, area, 60, cx.t.t("report.title"), lines);
    }

    fn hints(&self) -> &'static [&'static str] {
        &["keys.move", "report.key_write", "keys.back"]
    }

    fn overlay(&self) -> bool {
        true
    }
}

/// Quitting would lose typed work that cannot be kept as a draft: say what, and ask.
pub struct QuitAnyway {
    pub lost: Vec<String>,
}

impl Screen for QuitAnyway {
    fn name(&self) -> &'static str {
        "quit"
    }

    fn update(&mut self, ev: &KeyEvent, cx: &Ctx) -> Action {
        if matches!(ev.code, KeyCode::Char('y' | 'Y')) || cx.keys.quit_now.matches(ev) {
            Action::Do(Effect::QuitNow)
        } else if matches!(ev.code, KeyCode::Esc | KeyCode::Char('n' | 'N')) {
            Action::Back
        } else {
            Action::None
        }
    }

    fn render(&self, frame: &mut Frame, area: Rect, cx: &Ctx) {
        let t = cx.t;
        let mut lines = vec![Line::from(t.t("quit.lose"))];
        for l in &self.lost {
            lines.push(Line::from(format!("  {}", truncate(l, 56))));
        }
        lines.push(Line::from(""));
        lines
            .push(Line::from(Span::styled(t.t("quit.ask").to_string(), Style::default().add_modifier(Modifier::BOLD))));
        popup(frame, area, 64, t.t("quit.title"), lines);
    }

    fn hints(&self) -> &'static [&'static str] {
        &["quit.key_yes", "keys.back"]
    }

    fn overlay(&self) -> bool {
        true
    }
}
