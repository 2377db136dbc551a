//! 整改跟踪: the 限期整改 orders still open across meetings, and the units whose later
//! approvals are held back (第二十三条), as of today. Read-only; the secretariat clears a hold
//! with `reviewdesk rectification clear`.

use super::{Action, Ctx, Screen};
use crate::domain::rectification::{Track, units};
use crate::domain::text::{fit, truncate};
use crate::tui::keymap::any;
use chrono::NaiveDate;
use crossterm::event::KeyEvent;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};

pub struct Rectifications {
    pub today: NaiveDate,
    /// Open orders and holds not cleared, earliest deadline first.
    pub tracks: Vec<Track>,
    scroll: usize,
}

impl Rectifications {
    pub fn new(today: NaiveDate, tracks: Vec<Track>) -> Self {
        let tracks = tracks.into_iter().filter(|t| t.pending(today)).collect();
        Rectifications { today, tracks, scroll: 0 }
    }

    /// Two lines per order: deadline, status and project; then unit, meeting and the hold.
    fn lines(&self, cx: &Ctx, width: usize) -> Vec<(String, Style)> {
        let t = cx.t;
        let mut out = Vec::new();
        for track in &self.tracks {
            let o = &track.order;
            let overdue = track.mark.is_some() && track.cleared_by.is_none();
            let status = t.pick(track.status.zh(), track.status.en());
            let first = format!("{}  {}  {} {}", o.deadline, fit(status, 14), o.code, o.name);
            let style = if overdue { Style::default().fg(Color::Red) } else { Style::default() };
            out.push((truncate(&first, width), style));
            let hold = match &track.mark {
                Some(cause) if track.cleared_by.is_none() => {
                    let w = cause.short();
                    format!("{}：{}", t.t("rectification.held_back"), t.pick(&w.zh, &w.en))
                }
                _ => String::new(),
            };
            let second = format!("            {}  {}（{}）  {hold}", o.unit, o.meeting, o.meeting_date);
            out.push((truncate(&second, width), Style::default().fg(Color::DarkGray)));
        }
        out
    }
}

impl Screen for Rectifications {
    fn name(&self) -> &'static str {
        "rectifications"
    }

    fn update(&mut self, ev: &KeyEvent, cx: &Ctx) -> Action {
        if any(&cx.keys.back, ev) {
            return Action::Back;
        }
        let most = (self.tracks.len() * 2).saturating_sub(1);
        if any(&cx.keys.down, ev) {
            self.scroll = (self.scroll + 1).min(most);
        } else if any(&cx.keys.up, ev) {
            self.scroll = self.scroll.saturating_sub(1);
        } else if cx.keys.page_down.matches(ev) {
            self.scroll = (self.scroll + cx.page).min(most);
        } else if cx.keys.page_up.matches(ev) {
            self.scroll = self.scroll.saturating_sub(cx.page);
        }
        Action::None
    }

    fn render(&self, frame: &mut Frame, area: Rect, cx: &Ctx) {
        let t = cx.t;
        let width = area.width as usize;
        let held = units(self.tracks.iter().filter(|x| x.holds_back(self.today))).len();
        let title = t
            .t("rectification.title")
            .replace("{date}", &self.today.to_string())
            .replace("{open}", &self.tracks.iter().filter(|x| x.status.is_open()).count().to_string())
            .replace("{held}", &held.to_string());
        let buf = frame.buffer_mut();
        buf.set_string(area.x, area.y, truncate(&title, width), Style::default().add_modifier(Modifier::BOLD));
        if self.tracks.is_empty() {
            buf.set_string(
                area.x + 2,
                area.y + 2,
                truncate(t.t("rectification.none"), width.saturating_sub(2)),
                Style::default().fg(Color::DarkGray),
            );
            return;
        }
        let room = area.height.saturating_sub(2) as usize;
        for (i, (line, style)) in self.lines(cx, width).into_iter().skip(self.scroll).take(room).enumerate() {
            buf.set_string(area.x, area.y + 2 + i as u16, line, style);
        }
    }

    fn hints(&self) -> &'static [&'static str] {
        &["keys.scroll", "rectification.how_to_clear", "keys.back"]
    }

    fn rows(&self) -> usize {
        self.tracks.len()
    }
}
