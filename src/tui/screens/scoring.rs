//! Expert scoring (专家打分): points per criterion, typed or stepped by half points and checked as
//! typed; a comment per criterion, veto items with reasons and an overall opinion in text areas;
//! a live total; a draft kept locally; a summary to confirm before signing.

use crate::domain::text::{fit, fit_right};
use crate::domain::{Points, Rubric, ScoreSheet, VetoMark};
use crate::tui::i18n::I18n;
use crate::tui::keymap::{KeyMap, any};
use crossterm::event::{KeyCode, KeyEvent};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::Line;
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};
use ratatui_textarea::TextArea;

pub struct ScoringState {
    pub code: String,
    /// The versions on screen, which the signed sheet answers.
    pub basis: crate::ledger::Basis,
    pub name: String,
    pub rubric: Rubric,
    pub points: Vec<Option<Points>>,
    /// What is being typed into the focused criterion's points.
    pub typed: String,
    pub comments: Vec<TextArea<'static>>,
    pub veto_on: Vec<bool>,
    pub veto_reasons: Vec<TextArea<'static>>,
    pub opinion: TextArea<'static>,
    /// Criteria first, then veto items, then the opinion.
    pub focus: usize,
    pub editing: bool,
    pub confirming: bool,
    pub error: Option<String>,
}

pub enum Outcome {
    None,
    /// Leave, keeping the sheet as a draft.
    Back(ScoreSheet),
    /// Sign and submit.
    Submit(ScoreSheet),
}

fn area_with(text: &str) -> TextArea<'static> {
    let lines: Vec<String> =
        if text.is_empty() { vec![String::new()] } else { text.lines().map(str::to_string).collect() };
    TextArea::new(lines)
}

fn text_of(t: &TextArea<'_>) -> String {
    t.lines().join("\n").trim().to_string()
}

impl ScoringState {
    pub fn new(code: &str, name: &str, rubric: Rubric, draft: Option<ScoreSheet>) -> ScoringState {
        let d = draft.unwrap_or_default();
        ScoringState {
            basis: crate::ledger::Basis::default(),
            code: code.into(),
            name: name.into(),
            points: rubric.criteria.iter().map(|c| d.points.get(&c.id).copied()).collect(),
            typed: String::new(),
            comments: rubric
                .criteria
                .iter()
                .map(|c| area_with(d.comments.get(&c.id).map_or("", String::as_str)))
                .collect(),
            veto_on: rubric.vetoes.iter().map(|v| d.vetoes.iter().any(|m| m.id == v.id)).collect(),
            veto_reasons: rubric
                .vetoes
                .iter()
                .map(|v| area_with(d.vetoes.iter().find(|m| m.id == v.id).map_or("", |m| m.reason.as_str())))
                .collect(),
            opinion: area_with(&d.opinion),
            rubric,
            focus: 0,
            editing: false,
            confirming: false,
            error: None,
        }
    }

    fn criteria(&self) -> usize {
        self.rubric.criteria.len()
    }

    fn items(&self) -> usize {
        self.criteria() + self.rubric.vetoes.len() + 1
    }

    pub fn total(&self) -> Points {
        self.points.iter().flatten().copied().sum()
    }

    /// The sheet as it stands (unscored criteria left out).
    pub fn sheet(&self) -> ScoreSheet {
        let mut s = ScoreSheet { opinion: text_of(&self.opinion), ..Default::default() };
        for (i, c) in self.rubric.criteria.iter().enumerate() {
            if let Some(p) = self.points[i] {
                s.points.insert(c.id.clone(), p);
            }
            let comment = text_of(&self.comments[i]);
            if !comment.is_empty() {
                s.comments.insert(c.id.clone(), comment);
            }
        }
        for (i, v) in self.rubric.vetoes.iter().enumerate() {
            if self.veto_on[i] {
                s.vetoes.push(VetoMark { id: v.id.clone(), reason: text_of(&self.veto_reasons[i]) });
            }
        }
        s
    }

    fn editor(&mut self) -> &mut TextArea<'static> {
        let (c, v) = (self.criteria(), self.rubric.vetoes.len());
        match self.focus {
            f if f < c => &mut self.comments[f],
            f if f < c + v => &mut self.veto_reasons[f - c],
            _ => &mut self.opinion,
        }
    }

    /// Sets the focused criterion's points, refusing a value over its maximum.
    fn set_points(&mut self, p: Option<Points>) -> bool {
        let max = self.rubric.criteria[self.focus].max;
        match p {
            Some(p) if p > max => false,
            p => {
                self.points[self.focus] = p;
                true
            }
        }
    }

    pub fn update(&mut self, keys: &KeyMap, ev: &KeyEvent, t: &I18n) -> Outcome {
        if self.confirming {
            match ev.code {
                KeyCode::Char('y') | KeyCode::Char('Y') => return Outcome::Submit(self.sheet()),
                _ => self.confirming = false,
            }
            return Outcome::None;
        }
        if self.editing {
            if ev.code == KeyCode::Esc {
                self.editing = false;
            } else {
                self.editor().input(*ev);
            }
            return Outcome::None;
        }
        self.error = None;
        let on_criterion = self.focus < self.criteria();
        if any(&keys.up, ev) {
            self.focus = self.focus.saturating_sub(1);
            self.typed.clear();
        } else if any(&keys.down, ev) {
            self.focus = (self.focus + 1).min(self.items() - 1);
            self.typed.clear();
        } else if keys.submit.matches(ev) {
            match self.sheet().validate(&self.rubric) {
                Ok(()) => self.confirming = true,
                Err(e) => self.error = Some(t.error(&e)),
            }
        } else if keys.edit.matches(ev) || keys.open.matches(ev) {
            self.editing = true;
        } else if on_criterion && let KeyCode::Char(c @ ('0'..='9' | '.')) = ev.code {
            let mut next = self.typed.clone();
            next.push(c);
            let parsed = if next.ends_with('.') {
                Points::parse(next.trim_end_matches('.')).ok()
            } else {
                Points::parse(&next).ok()
            };
            match parsed {
                Some(p) if self.set_points(Some(p)) => self.typed = next,
                _ => {
                    let max = self.rubric.criteria[self.focus].max;
                    self.error = Some(t.t("scoring.refused").replace("{v}", &next).replace("{max}", &max.to_string()));
                }
            }
        } else if on_criterion && ev.code == KeyCode::Backspace {
            self.typed.pop();
            let p = if self.typed.is_empty() { None } else { Points::parse(self.typed.trim_end_matches('.')).ok() };
            self.set_points(p);
        } else if on_criterion && matches!(ev.code, KeyCode::Char('+') | KeyCode::Char('=') | KeyCode::Char('-')) {
            let now = self.points[self.focus].unwrap_or(Points::ZERO);
            let next = if ev.code == KeyCode::Char('-') {
                now.saturating_sub(Points::from_halves(1))
            } else {
                Points::from_halves(now.halves() + 1)
            };
            self.set_points(Some(next));
            self.typed.clear();
        } else if keys.toggle.matches(ev)
            && (self.criteria()..self.criteria() + self.rubric.vetoes.len()).contains(&self.focus)
        {
            let i = self.focus - self.criteria();
            self.veto_on[i] = !self.veto_on[i];
        } else if any(&keys.back, ev) {
            return Outcome::Back(self.sheet());
        }
        Outcome::None
    }
}

/// Draws the sheet: criteria and vetoes on the left, the focused item's guidance and text on the
/// right, the live total at the bottom.
pub fn render(s: &ScoringState, t: &I18n, frame: &mut Frame, area: Rect) {
    let left_w = (area.width / 2).max(36).min(area.width);
    let right =
        Rect::new(area.x + left_w + 1, area.y, area.width.saturating_sub(left_w + 1), area.height.saturating_sub(1));
    let buf = frame.buffer_mut();
    buf.set_string(
        area.x,
        area.y,
        fit(&format!("{}  {}", s.code, s.name), left_w as usize),
        Style::default().add_modifier(Modifier::BOLD),
    );
    let label_w = (left_w as usize).saturating_sub(12);
    let mut y = area.y + 1;
    for (i, c) in s.rubric.criteria.iter().enumerate() {
        let pts = s.points[i].map(|p| p.to_string()).unwrap_or_else(|| "—".into());
        let line = format!(
            "{} {}/{}",
            fit(t.pick(&c.title_zh, &c.title_en), label_w),
            fit_right(&pts, 5),
            fit(&c.max.to_string(), 4)
        );
        let style = if s.focus == i { Style::default().add_modifier(Modifier::REVERSED) } else { Style::default() };
        buf.set_string(area.x, y, line, style);
        y += 1;
    }
    for (i, v) in s.rubric.vetoes.iter().enumerate() {
        let mark = if s.veto_on[i] { "[x]" } else { "[ ]" };
        let line = fit(&format!("{mark} {}", t.pick(&v.text_zh, &v.text_en)), left_w as usize);
        let focused = s.focus == s.criteria() + i;
        let style =
            if focused { Style::default().add_modifier(Modifier::REVERSED) } else { Style::default().fg(Color::Red) };
        buf.set_string(area.x, y, line, style);
        y += 1;
    }
    let opinion_focused = s.focus == s.items() - 1;
    let style = if opinion_focused { Style::default().add_modifier(Modifier::REVERSED) } else { Style::default() };
    buf.set_string(area.x, y, fit(t.t("scoring.opinion"), left_w as usize), style);
    let total = t.line(format!("{}：{} / 100", t.t("scoring.total"), s.total()));
    buf.set_string(
        area.x,
        area.y + area.height.saturating_sub(1),
        total,
        Style::default().fg(Color::Cyan).add_modifier(Modifier::BOLD),
    );
    if let Some(e) = &s.error {
        let x = area.x + 20;
        buf.set_string(
            x,
            area.y + area.height.saturating_sub(1),
            crate::domain::text::truncate(e, (area.width as usize).saturating_sub(20)),
            Style::default().fg(Color::Red),
        );
    }

    // Right: guidance of the focused criterion, then its text area.
    let (guidance, title) = if s.focus < s.criteria() {
        let c = &s.rubric.criteria[s.focus];
        (t.pick(&c.guidance_zh, &c.guidance_en).to_string(), t.t("scoring.comment"))
    } else if s.focus < s.items() - 1 {
        (String::new(), t.t("scoring.veto_reason"))
    } else {
        (String::new(), t.t("scoring.opinion"))
    };
    let guide_h = if guidance.is_empty() { 0 } else { (right.height / 2).max(3) };
    frame.render_widget(
        Paragraph::new(guidance).wrap(Wrap { trim: true }).style(Style::default().fg(Color::Gray)),
        Rect::new(right.x, right.y, right.width, guide_h),
    );
    let box_area = Rect::new(right.x, right.y + guide_h, right.width, right.height.saturating_sub(guide_h));
    let mut editor = match s.focus {
        f if f < s.criteria() => s.comments[f].clone(),
        f if f < s.items() - 1 => s.veto_reasons[f - s.criteria()].clone(),
        _ => s.opinion.clone(),
    };
    let hint = if s.editing { t.t("scoring.editing") } else { t.t("scoring.press_tab") };
    editor.set_block(Block::default().borders(Borders::ALL).title(format!("{title}  ({hint})")));
    frame.render_widget(&editor, box_area);
    if s.editing {
        // The text area reports its cursor in characters; the terminal needs cells.
        crate::tui::place_cursor(frame, &editor, box_area);
    }
    if s.confirming {
        confirm(s, t, frame, area);
    }
}

fn confirm(s: &ScoringState, t: &I18n, frame: &mut Frame, area: Rect) {
    let mut lines: Vec<Line> = s
        .rubric
        .criteria
        .iter()
        .zip(&s.points)
        .map(|(c, p)| {
            Line::from(format!(
                "{}  {}/{}",
                fit(t.pick(&c.title_zh, &c.title_en), 24),
                p.map(|p| p.to_string()).unwrap_or_default(),
                c.max
            ))
        })
        .collect();
    lines.push(Line::from(t.line(format!("{}：{} / 100", t.t("scoring.total"), s.total()))));
    let vetoes = s.veto_on.iter().filter(|v| **v).count();
    if vetoes > 0 {
        lines.push(Line::from(t.line(format!("{}：{vetoes}", t.t("scoring.vetoes")))));
    }
    lines.push(Line::from(""));
    lines.push(Line::from(t.t("scoring.confirm")));
    crate::tui::popup(frame, area, 56, t.t("scoring.summary"), lines);
}

pub fn hints(s: &ScoringState) -> &'static [&'static str] {
    if s.editing {
        &["scoring.key_done"]
    } else {
        &["keys.move", "scoring.key_points", "scoring.key_edit", "scoring.key_veto", "scoring.key_submit", "keys.back"]
    }
}
