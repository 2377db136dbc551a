//! Application detail (申报详情): the facts, every finding with its article, the documents,
//! the experts' scores as the viewer may see them, the decision and the history.

use super::{Action, Ctx, Effect, News, Screen};
use crate::domain::Rubric;
use crate::domain::Severity;
use crate::domain::local_time::meeting_time;
use crate::store::ApplicationView;
use crate::tui::i18n::I18n;
use crate::tui::keymap::any;
use crossterm::event::KeyEvent;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

pub struct DetailState {
    pub view: ApplicationView,
    /// The rubric of the application's kind, to name the criteria of comments and vetoes.
    pub rubric: Option<Rubric>,
    pub scroll: u16,
    /// The document `o` opens; Tab moves to the next one.
    pub document: usize,
    /// How far down the text can scroll, as last drawn.
    pub bottom: std::cell::Cell<u16>,
}

impl DetailState {
    pub fn new(view: ApplicationView, rubric: Option<Rubric>) -> DetailState {
        DetailState { view, rubric, scroll: 0, document: 0, bottom: std::cell::Cell::new(u16::MAX) }
    }
}

impl Screen for DetailState {
    fn name(&self) -> &'static str {
        "detail"
    }

    fn update(&mut self, ev: &KeyEvent, cx: &Ctx) -> Action {
        let (keys, page) = (cx.keys, cx.page as u16);
        if any(&keys.up, ev) {
            self.scroll = self.scroll.saturating_sub(1);
        } else if any(&keys.down, ev) {
            self.scroll = self.scroll.saturating_add(1).min(self.bottom.get());
        } else if keys.page_up.matches(ev) {
            self.scroll = self.scroll.saturating_sub(page);
        } else if keys.page_down.matches(ev) {
            self.scroll = self.scroll.saturating_add(page).min(self.bottom.get());
        } else if keys.edit.matches(ev) {
            self.document = (self.document + 1) % self.view.application.documents.len().max(1);
        } else if keys.open_document.matches(ev) {
            return match self.view.application.documents.get(self.document) {
                Some(d) => Action::Do(Effect::OpenDocument { sha256: d.sha256.clone(), name: d.name.clone() }),
                None => Action::Say(cx.t.t("detail.no_documents").to_string()),
            };
        } else if keys.score.matches(ev) {
            return Action::Do(Effect::StartScoring(self.view.application.code.clone()));
        } else if keys.decide.matches(ev) {
            return Action::Do(Effect::StartDecision(self.view.application.code.clone()));
        } else if keys.conflict.matches(ev) {
            return Action::Do(Effect::StartConflict(self.view.application.code.clone()));
        } else if any(&keys.back, ev) {
            return Action::Back;
        }
        Action::None
    }

    fn render(&self, frame: &mut Frame, area: Rect, cx: &Ctx) {
        render(self, cx.t, frame, area);
    }

    fn hints(&self) -> &'static [&'static str] {
        &[
            "keys.scroll",
            "keys.score",
            "keys.decide",
            "keys.open_document",
            "keys.next_document",
            "keys.back",
            "keys.help",
        ]
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

/// What each expert wrote, once the viewer may see it: comments by criterion, vetoes with their
/// reasons, and the overall opinion. A blind viewer sees only their own.
pub fn written(v: &ApplicationView, rubric: Option<&Rubric>, t: &I18n) -> Vec<Line<'static>> {
    let title = |id: &str| {
        rubric
            .and_then(|r| r.criteria.iter().find(|c| c.id == id))
            .map(|c| t.pick(&c.title_zh, &c.title_en).to_string())
            .unwrap_or_else(|| id.to_string())
    };
    let veto = |id: &str| {
        rubric
            .and_then(|r| r.vetoes.iter().find(|c| c.id == id))
            .map(|c| t.pick(&c.text_zh, &c.text_en).to_string())
            .unwrap_or_else(|| id.to_string())
    };
    let mut out = vec![];
    for e in &v.experts {
        let Some(sheet) = &e.sheet else { continue };
        if sheet.comments.is_empty() && sheet.vetoes.is_empty() && sheet.opinion.is_empty() {
            continue;
        }
        out.push(Line::from(Span::styled(format!("  {}", e.name), Style::default().add_modifier(Modifier::BOLD))));
        for m in &sheet.vetoes {
            out.push(Line::from(Span::styled(
                t.line(format!("    [{}] {}：{}", t.t("scoring.veto"), veto(&m.id), m.reason)),
                Style::default().fg(Color::Red),
            )));
        }
        // In the rubric's order, as the sheet was filled in.
        let mut comments: Vec<(&String, &String)> = sheet.comments.iter().collect();
        let rank = |id: &str| rubric.and_then(|r| r.criteria.iter().position(|c| c.id == id)).unwrap_or(usize::MAX);
        comments.sort_by_key(|(id, _)| rank(id));
        for (id, comment) in comments {
            // A comment that already names its criterion is not named twice.
            let title = title(id);
            let text = if comment.starts_with(&title) { comment.clone() } else { format!("{title}：{comment}") };
            out.push(Line::from(t.line(format!("    {text}"))));
        }
        if !sheet.opinion.is_empty() {
            out.push(Line::from(t.line(format!("    {}：{}", t.t("scoring.opinion"), sheet.opinion))));
        }
    }
    out
}

/// The recorded decision with everything the chair wrote, and whether it still stands.
pub fn decision_lines(v: &ApplicationView, t: &I18n) -> Vec<Line<'static>> {
    let Some(d) = &v.decision else { return vec![] };
    let x = &d.decision;
    let mut out = vec![Line::from(Span::styled(
        format!("  {}", t.pick(x.outcome.zh(), x.outcome.en())),
        Style::default().add_modifier(Modifier::BOLD),
    ))];
    let mut field = |key: &str, value: String| {
        if !value.is_empty() {
            out.push(Line::from(t.line(format!("  {}：{value}", t.t(key)))));
        }
    };
    field("decision.suggested_then", t.pick(x.suggested.zh(), x.suggested.en()).to_string());
    field("decision.class", x.plan_class.map(|c| c.to_string()).unwrap_or_default());
    field("decision.deadline", x.rectification_deadline.map(|d| d.to_string()).unwrap_or_default());
    field("decision.conditions", x.conditions.clone());
    field("decision.opinion", x.opinion.clone());
    field("decision.override", x.override_reason.clone().unwrap_or_default());
    if d.outdated {
        out.push(Line::from(Span::styled(
            format!("  {}", t.t("decision.outdated")),
            Style::default().fg(Color::Yellow),
        )));
    }
    let late: Vec<&str> = v.experts.iter().filter(|e| e.after_decision).map(|e| e.name.as_str()).collect();
    if !late.is_empty() {
        out.push(Line::from(Span::styled(
            format!("  {}", t.t("decision.after_decision").replace("{who}", &late.join("、"))),
            Style::default().fg(Color::Yellow),
        )));
    }
    out
}

/// The proceedings (会议程序): countersignatures and dissents, finality, clarifications, named
/// votes and the close, as `show` prints them.
pub fn proceedings_lines(v: &ApplicationView, t: &I18n) -> Vec<Line<'static>> {
    v.proceedings_lines().into_iter().map(|l| Line::from(format!("  {}", l.get(t.lang)))).collect()
}

fn heading(text: &str) -> Line<'static> {
    Line::from(Span::styled(text.to_string(), Style::default().add_modifier(Modifier::BOLD).fg(Color::Cyan)))
}

fn lines(v: &ApplicationView, rubric: Option<&Rubric>, document: usize, t: &I18n) -> Vec<Line<'static>> {
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
    // An amount in 万元 and in yuan, and what follows it on the line.
    let amount = |key: &str, m: crate::domain::Money, tail: String| {
        let (wan, yuan) = (t.t("unit.wan"), t.t("unit.yuan"));
        Line::from(t.line(format!("  {}：{} {wan}（{} {yuan}）{tail}", t.t(key), m.wan(), m.yuan())))
    };
    if let Some(m) = a.original_total {
        out.push(amount("detail.original", m, String::new()));
    }
    if let Some(m) = a.approved_total {
        out.push(amount("detail.approved", m, String::new()));
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
        out.push(amount("detail.requested", m, change));
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
    if let Some(line) = crate::domain::maintenance::facts_line(a) {
        out.push(Line::from(t.line(format!("  {}", t.pick(&line.zh, &line.en)))));
    }
    out.push(Line::from(""));
    out.push(heading(t.t("detail.findings")));
    if v.findings.is_empty() {
        out.push(Line::from(format!("  {}", t.t("detail.no_findings"))));
    }
    if !v.not_set.is_empty() {
        let names: Vec<&str> = v.not_set.iter().map(|k| t.pick(k.zh(), k.en())).collect();
        let line = t.line(format!("  {}：{}", t.t("detail.not_set"), names.join(t.pick("、", ", "))));
        out.push(Line::from(Span::styled(line, Style::default().fg(Color::Gray))));
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
            (None, Some(total)) if e.after_decision => t.line(format!("{total}（{}）", t.t("detail.after_decision"))),
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
            if let Some(s) = v.suggestion_words() {
                out.push(Line::from(t.line(format!("  {}：{}", t.t("detail.suggested"), t.pick(&s.zh, &s.en)))));
            }
            let split = v.disagreement_lines();
            if !split.is_empty() {
                out.push(Line::from(Span::styled(
                    format!("  {}", t.t("detail.disagreements")),
                    Style::default().fg(Color::Yellow),
                )));
                for l in split {
                    out.push(Line::from(format!("    {}", t.pick(&l.zh, &l.en))));
                }
            }
        }
        (None, false) => {}
    }
    let written = written(v, rubric, t);
    if !written.is_empty() {
        out.push(Line::from(""));
        out.push(heading(t.t("detail.written")));
        out.extend(written);
    }
    if v.decision.is_some() {
        out.push(Line::from(""));
        out.push(heading(t.t("detail.decision")));
        out.extend(decision_lines(v, t));
    }
    let proceedings = proceedings_lines(v, t);
    if !proceedings.is_empty() {
        out.push(Line::from(""));
        out.push(heading(t.t("decision.proceedings")));
        out.extend(proceedings);
    }
    out.push(Line::from(""));
    out.push(heading(t.t("detail.history")));
    for h in &v.history {
        // An unknown kind reads as "other event", never as its raw name.
        let words = crate::ledger::event::kind_words(&h.kind);
        let kind = t.pick(&words.zh, &words.en);
        out.push(Line::from(format!("  {}  #{} {}  {kind}", meeting_time(&h.time), h.seq, h.author_name)));
    }
    out
}

pub fn render(state: &DetailState, t: &I18n, frame: &mut Frame, area: Rect) {
    let lines = lines(&state.view, state.rubric.as_ref(), state.document, t);
    // Rows as wrapped (a Chinese line breaks anywhere, so by cells is close enough), to stop
    // scrolling where the text ends.
    let cells = area.width.max(1) as usize;
    let rows: usize = lines.iter().map(|l| l.width().div_ceil(cells).max(1)).sum();
    state.bottom.set(rows.saturating_sub(area.height as usize).min(u16::MAX as usize) as u16);
    let scroll = state.scroll.min(state.bottom.get());
    let p = Paragraph::new(lines).wrap(Wrap { trim: false }).scroll((scroll, 0));
    frame.render_widget(p, area);
}
