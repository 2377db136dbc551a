//! Application detail (申报详情): the facts, every finding with its article, the documents,
//! the experts' scores as the viewer may see them, the decision and the history.

use crate::domain::Severity;
use crate::store::ApplicationView;
use crate::tui::i18n::I18n;
use crate::tui::keymap::{KeyMap, any};
use crossterm::event::KeyEvent;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

pub struct DetailState {
    pub view: ApplicationView,
    pub scroll: u16,
    /// The document `o` opens; Tab moves to the next one.
    pub document: usize,
}

pub enum Outcome {
    None,
    Back,
    /// Open the attached document at this index.
    OpenDocument(usize),
}

impl DetailState {
    pub fn update(&mut self, keys: &KeyMap, ev: &KeyEvent, page: u16) -> Outcome {
        if any(&keys.up, ev) {
            self.scroll = self.scroll.saturating_sub(1);
        } else if any(&keys.down, ev) {
            self.scroll = self.scroll.saturating_add(1);
        } else if keys.page_up.matches(ev) {
            self.scroll = self.scroll.saturating_sub(page);
        } else if keys.page_down.matches(ev) {
            self.scroll = self.scroll.saturating_add(page);
        } else if keys.edit.matches(ev) {
            self.document = (self.document + 1) % self.view.application.documents.len().max(1);
        } else if keys.open_document.matches(ev) {
            return Outcome::OpenDocument(self.document);
        } else if any(&keys.back, ev) {
            return Outcome::Back;
        }
        Outcome::None
    }
}

fn heading(text: &str) -> Line<'static> {
    Line::from(Span::styled(text.to_string(), Style::default().add_modifier(Modifier::BOLD).fg(Color::Cyan)))
}

fn lines(v: &ApplicationView, document: usize, t: &I18n) -> Vec<Line<'static>> {
    let a = &v.application;
    let mut out = vec![
        Line::from(Span::styled(
            t.line(format!("{}  {}（{}）", a.code, a.name, t.pick(a.kind.zh(), a.kind.en()))),
            Style::default().add_modifier(Modifier::BOLD),
        )),
        Line::from(format!("{}  ·  {}", a.unit, a.department)),
        Line::from(""),
        heading(t.t("detail.facts")),
    ];
    if let Some(m) = a.approved_total {
        out.push(Line::from(t.line(format!(
            "  {}：{} {}（{} {}）",
            t.t("detail.approved"),
            m.wan(),
            t.t("unit.wan"),
            m.yuan(),
            t.t("unit.yuan")
        ))));
    }
    if let Some(m) = a.requested_total {
        let change = a
            .approved_total
            .and_then(|base| m.change_basis_points(base))
            .map(|bp| {
                t.line(format!(
                    "，{} {}",
                    t.t("detail.change"),
                    crate::domain::policy::BasisPoints(bp).signed_percent()
                ))
            })
            .unwrap_or_default();
        out.push(Line::from(t.line(format!(
            "  {}：{} {}（{} {}）{change}",
            t.t("detail.requested"),
            m.wan(),
            t.t("unit.wan"),
            m.yuan(),
            t.t("unit.yuan")
        ))));
    }
    if let Some(d) = a.construction_completed {
        out.push(Line::from(t.line(format!("  {}：{d}", t.t("detail.completed")))));
    }
    if let (Some(s), Some(e)) = (a.trial_start, a.trial_end) {
        let (months, days) = crate::domain::policy::months_and_days(s, e);
        let span = t.t("detail.months_days").replace("{m}", &months.to_string()).replace("{d}", &days.to_string());
        out.push(Line::from(t.line(format!("  {}：{s} — {e}（{span}）", t.t("detail.trial")))));
    }
    if let Some(d) = a.acceptance_applied {
        out.push(Line::from(t.line(format!("  {}：{d}", t.t("detail.applied")))));
    }
    out.push(Line::from(""));
    out.push(heading(t.t("detail.findings")));
    if v.findings.is_empty() {
        out.push(Line::from(format!("  {}", t.t("detail.no_findings"))));
    }
    let mut findings: Vec<_> = v.findings.iter().collect();
    // Blocks first, then warnings, then notes; the rules' own order within each.
    findings.sort_by_key(|f| match f.severity {
        Severity::Blocks => 0,
        Severity::Warns => 1,
        Severity::Informs => 2,
    });
    for f in findings {
        let (badge, color) = match f.severity {
            Severity::Blocks => (t.t("badge.blocks"), Color::Red),
            Severity::Warns => (t.t("badge.warns"), Color::Yellow),
            Severity::Informs => (t.t("badge.informs"), Color::Gray),
        };
        out.push(Line::from(vec![
            // No space after the badge in Chinese: a Chinese sentence is one long "word" to the wrapper,
            // and a space would push all of it to the next line.
            Span::styled(
                format!("  [{badge}]{}", if t.lang == crate::domain::Lang::En { " " } else { "" }),
                Style::default().fg(color).add_modifier(Modifier::BOLD),
            ),
            Span::raw(t.line(format!("{}（{}）", f.message.get(t.lang), f.article))),
        ]));
    }
    if !a.documents.is_empty() {
        out.push(Line::from(""));
        out.push(heading(t.t("detail.documents")));
        for (i, d) in a.documents.iter().enumerate() {
            let text = format!(
                "{} {}  {}  sha256 {}",
                if i == document { "▶" } else { " " },
                d.name,
                super::sync::human_bytes(d.size),
                d.sha256.get(..16).unwrap_or(&d.sha256)
            );
            let style = if i == document { Style::default().add_modifier(Modifier::BOLD) } else { Style::default() };
            out.push(Line::from(Span::styled(text, style)));
        }
    }
    out.push(Line::from(""));
    out.push(heading(t.t("detail.experts")));
    for e in &v.experts {
        let what = match (&e.recused, e.total) {
            (Some(r), _) => t.line(format!("{}：{r}", t.t("mine.recused"))),
            (None, Some(total)) if e.outdated => format!("{total}（{}）", t.t("mine.outdated")),
            (None, Some(total)) if e.outlier => t.line(format!("{total}（{}）", t.t("detail.outlier"))),
            (None, Some(total)) => total.to_string(),
            (None, None) if e.event_id.is_some() => t.t("detail.submitted_hidden").to_string(),
            (None, None) => t.t("detail.not_submitted").to_string(),
        };
        out.push(Line::from(format!("  {}  {}  {what}", e.fingerprint, crate::domain::text::fit(&e.name, 8))));
    }
    match (&v.aggregate, v.blind) {
        (_, true) => out.push(Line::from(t.line(format!("  {}：{}", t.t("detail.aggregate"), t.t("queue.blind"))))),
        (Some(g), false) => {
            out.push(Line::from(t.line(format!(
                "  {}：{}（{}）  n={}  σ={}  {}–{}",
                t.t("detail.aggregate"),
                g.value,
                t.pick(g.method.zh(), g.method.en()),
                g.n,
                g.std_dev,
                g.min,
                g.max
            ))));
            if let Some(s) = v.suggested {
                out.push(Line::from(t.line(format!("  {}：{}", t.t("detail.suggested"), t.pick(s.zh(), s.en())))));
            }
        }
        (None, false) => {}
    }
    if let Some(d) = &v.decision {
        out.push(Line::from(""));
        out.push(heading(t.t("detail.decision")));
        out.push(Line::from(format!("  {}", t.pick(d.decision.outcome.zh(), d.decision.outcome.en()))));
    }
    out.push(Line::from(""));
    out.push(heading(t.t("detail.history")));
    for h in &v.history {
        out.push(Line::from(format!("  {}  #{} {}  {}", h.time, h.seq, h.author_name, h.kind)));
    }
    out
}

pub fn render(state: &DetailState, t: &I18n, frame: &mut Frame, area: Rect) {
    let p = Paragraph::new(lines(&state.view, state.document, t)).wrap(Wrap { trim: false }).scroll((state.scroll, 0));
    frame.render_widget(p, area);
}

pub fn hints() -> &'static [&'static str] {
    &["keys.scroll", "keys.open_document", "keys.next_document", "keys.back", "keys.help"]
}
