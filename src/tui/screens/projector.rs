//! The projector view (投屏): the item under discussion for a meeting room's screen. Read only,
//! large and sparse: the application, its rule findings and the progress of the sheets. No
//! points are shown until every expert who did not step aside has submitted, so the room never
//! sees a partial score.

use super::{Action, Ctx, News, Screen};
use crate::domain::Severity;
use crate::domain::text::{truncate, width};
use crate::store::ApplicationView;
use crate::tui::i18n::I18n;
use crossterm::event::KeyEvent;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::widgets::{Block, Borders, Gauge};

pub struct ProjectorState {
    pub view: ApplicationView,
    /// The meeting's title, for the top line.
    pub title: String,
}

impl ProjectorState {
    pub fn new(view: ApplicationView, title: String) -> ProjectorState {
        ProjectorState { view, title }
    }

    /// (submitted, expected): sheets that count, of the experts who did not step aside.
    pub fn progress(&self) -> (usize, usize) {
        let expected = self.view.experts.iter().filter(|e| e.recused.is_none()).count();
        let submitted = self.view.experts.iter().filter(|e| e.counts()).count();
        (submitted, expected)
    }

    /// Whether the room may see the points: every sheet is in.
    pub fn all_in(&self) -> bool {
        let (submitted, expected) = self.progress();
        expected > 0 && submitted >= expected
    }
}

/// One line centred in `area` at row `y`, cut to its width.
fn centre(frame: &mut Frame, area: Rect, y: u16, text: &str, style: Style) {
    if y >= area.bottom() {
        return;
    }
    let text = truncate(text, area.width as usize);
    let x = area.x + (area.width.saturating_sub(width(&text) as u16)) / 2;
    frame.buffer_mut().set_string(x, y, text, style);
}

fn lines(s: &ProjectorState, t: &I18n) -> Vec<(String, Style)> {
    let v = &s.view;
    let a = &v.application;
    let bold = Style::default().add_modifier(Modifier::BOLD);
    let mut out = vec![
        (t.t("projector.now").to_string(), Style::default().fg(Color::Cyan)),
        (String::new(), Style::default()),
        (a.code.clone(), bold),
        (a.name.clone(), bold.fg(Color::White)),
        (
            t.line(format!(
                "{}  ·  {}  ·  {}",
                a.unit,
                t.pick(a.kind.zh(), a.kind.en()),
                a.requested_total
                    .or(a.approved_total)
                    .map(|m| format!("{} {}", m.wan(), t.t("projector.wan")))
                    .unwrap_or_default()
            )),
            Style::default(),
        ),
        (String::new(), Style::default()),
    ];
    let blocks = v.findings.iter().filter(|f| f.severity == Severity::Blocks).count();
    let warns = v.findings.iter().filter(|f| f.severity == Severity::Warns).count();
    out.push((
        t.t("projector.findings").replace("{blocks}", &blocks.to_string()).replace("{warns}", &warns.to_string()),
        if blocks > 0 { bold.fg(Color::Red) } else { Style::default() },
    ));
    for f in v.findings.iter().filter(|f| f.severity != Severity::Informs).take(4) {
        let colour = if f.severity == Severity::Blocks { Color::Red } else { Color::Yellow };
        out.push((f.message.get(t.lang).to_string(), Style::default().fg(colour)));
    }
    out.push((String::new(), Style::default()));
    match (&v.decision, s.all_in(), &v.aggregate) {
        (Some(d), ..) if !d.outdated => out.push((
            t.line(format!(
                "{}：{}",
                t.t("projector.decided"),
                t.pick(d.decision.outcome.zh(), d.decision.outcome.en())
            )),
            bold.fg(Color::Green),
        )),
        (_, true, Some(g)) => {
            let suggested = v.suggested.map(|o| t.pick(o.zh(), o.en())).unwrap_or("—");
            out.push((
                t.line(format!("{}：{}    {}：{suggested}", t.t("detail.aggregate"), g.value, t.t("detail.suggested"))),
                bold,
            ));
        }
        _ => out.push((t.t("projector.hidden").to_string(), Style::default().fg(Color::DarkGray))),
    }
    out
}

pub fn render(s: &ProjectorState, t: &I18n, frame: &mut Frame, area: Rect) {
    let block = Block::default().borders(Borders::ALL).title(truncate(&s.title, area.width.saturating_sub(4) as usize));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let body = lines(s, t);
    // A blank line between every line when there is room: legible from the back of the room.
    let gap = if inner.height as usize >= body.len() * 2 + 4 { 2 } else { 1 };
    let height = (body.len() * gap) as u16 + 3;
    let mut y = inner.y + inner.height.saturating_sub(height) / 2;
    for (text, style) in &body {
        centre(frame, inner, y, text, *style);
        y += gap as u16;
    }
    let (submitted, expected) = s.progress();
    let label = t.t("projector.progress").replace("{n}", &submitted.to_string()).replace("{of}", &expected.to_string());
    let bar = Rect::new(inner.x + inner.width / 6, y.min(inner.bottom().saturating_sub(1)), inner.width * 2 / 3, 1);
    let ratio = if expected == 0 { 0.0 } else { submitted as f64 / expected as f64 };
    frame.render_widget(
        Gauge::default().ratio(ratio.min(1.0)).label(label).gauge_style(Style::default().fg(Color::Cyan)),
        bar,
    );
}

impl Screen for ProjectorState {
    fn name(&self) -> &'static str {
        "projector"
    }

    fn update(&mut self, ev: &KeyEvent, cx: &Ctx) -> Action {
        if crate::tui::keymap::any(&cx.keys.back, ev) { Action::Back } else { Action::None }
    }

    fn render(&self, frame: &mut Frame, area: Rect, cx: &Ctx) {
        render(self, cx.t, frame, area);
    }

    fn hints(&self) -> &'static [&'static str] {
        &["keys.back"]
    }

    fn receive(&mut self, news: News) {
        if let News::Application(view) = news {
            self.view = *view;
        }
    }

    fn application(&self) -> Option<&str> {
        Some(&self.view.application.code)
    }
}
