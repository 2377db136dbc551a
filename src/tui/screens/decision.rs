//! The decision panel (决策面板): each expert's total with outliers marked and a bar chart, the
//! mean per criterion, the aggregate and its method, vetoes, findings and the suggested outcome;
//! then, for the chair only, the outcome (only those valid for the kind), A/B/C class, a checked
//! rectification deadline, conditions, the panel opinion, and a reason when departing from the
//! suggestion. Confirm, then sign.

use crate::domain::text::{fit, truncate};
use crate::domain::{Decision, DecisionError, Outcome as Conclusion, PlanClass, Points, Rubric};
use crate::store::ApplicationView;
use crate::tui::i18n::I18n;
use crate::tui::keymap::{KeyMap, any};
use chrono::NaiveDate;
use crossterm::event::{KeyCode, KeyEvent};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::Line;
use ratatui::widgets::{Bar, BarChart, BarGroup, Block, Borders};
use ratatui_textarea::TextArea;

/// The fields of the form, top to bottom.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Field {
    Outcome,
    Class,
    Deadline,
    Conditions,
    Opinion,
    OverrideReason,
}

pub struct DecisionState {
    pub view: ApplicationView,
    pub rubric: Rubric,
    pub meeting_date: NaiveDate,
    pub read_only: bool,
    pub outcomes: Vec<Conclusion>,
    pub chosen: usize,
    pub class: Option<PlanClass>,
    pub deadline: TextArea<'static>,
    pub conditions: TextArea<'static>,
    pub opinion: TextArea<'static>,
    pub override_reason: TextArea<'static>,
    pub focus: usize,
    pub editing: bool,
    pub confirming: bool,
    pub error: Option<String>,
}

pub enum Outcome {
    None,
    Back,
    Record(Decision),
}

fn text_of(t: &TextArea<'_>) -> String {
    t.lines().join("\n").trim().to_string()
}

impl DecisionState {
    pub fn new(view: ApplicationView, rubric: Rubric, meeting_date: NaiveDate, read_only: bool) -> DecisionState {
        let kind = view.application.kind;
        let outcomes: Vec<Conclusion> = Conclusion::for_kind(kind).collect();
        let current = view.decision.as_ref().map(|d| d.decision.outcome).or(view.suggested);
        let chosen = current.and_then(|o| outcomes.iter().position(|x| *x == o)).unwrap_or(0);
        DecisionState {
            rubric,
            meeting_date,
            read_only,
            outcomes,
            chosen,
            class: view.decision.as_ref().and_then(|d| d.decision.plan_class),
            deadline: TextArea::default(),
            conditions: TextArea::default(),
            opinion: TextArea::default(),
            override_reason: TextArea::default(),
            focus: 0,
            editing: false,
            confirming: false,
            error: None,
            view,
        }
    }

    /// The fields that apply: a class only for approval, a deadline only for 限期整改, a reason
    /// only when departing from the suggestion.
    pub fn fields(&self) -> Vec<Field> {
        let mut f = vec![Field::Outcome];
        if self.view.application.kind == crate::domain::ApplicationKind::Approval {
            f.push(Field::Class);
        }
        if self.outcomes[self.chosen] == Conclusion::Rectify {
            f.push(Field::Deadline);
        }
        f.extend([Field::Conditions, Field::Opinion]);
        if Some(self.outcomes[self.chosen]) != self.view.suggested {
            f.push(Field::OverrideReason);
        }
        f
    }

    fn field(&self) -> Field {
        let f = self.fields();
        f[self.focus.min(f.len() - 1)]
    }

    fn editor(&mut self) -> Option<&mut TextArea<'static>> {
        match self.field() {
            Field::Deadline => Some(&mut self.deadline),
            Field::Conditions => Some(&mut self.conditions),
            Field::Opinion => Some(&mut self.opinion),
            Field::OverrideReason => Some(&mut self.override_reason),
            _ => None,
        }
    }

    /// The decision as the form stands, checked against the kind and the meeting date.
    pub fn decision(&self, t: &I18n) -> Result<Decision, String> {
        let suggested = self.view.suggested.ok_or_else(|| t.t("decision.no_scores").to_string())?;
        let deadline_text = text_of(&self.deadline);
        let rectify = self.outcomes[self.chosen] == Conclusion::Rectify;
        let rectification_deadline = match crate::intake::parse_date(&deadline_text) {
            _ if !rectify => None,
            _ if deadline_text.is_empty() => return Err(t.t("decision.need_deadline").to_string()),
            Some(date) => Some(date),
            None => return Err(t.t("decision.bad_deadline").replace("{text}", &deadline_text)),
        };
        let reason = text_of(&self.override_reason);
        let d = Decision {
            outcome: self.outcomes[self.chosen],
            suggested,
            plan_class: self.class,
            rectification_deadline,
            conditions: text_of(&self.conditions),
            opinion: text_of(&self.opinion),
            override_reason: (!reason.is_empty()).then_some(reason),
        };
        d.validate(self.view.application.kind, self.meeting_date).map_err(|e| match e {
            DecisionError::NoDeadline => t.t("decision.need_deadline").to_string(),
            DecisionError::DeadlineNotAfterMeeting { deadline, meeting } => t
                .t("decision.deadline_too_early")
                .replace("{deadline}", &deadline.to_string())
                .replace("{meeting}", &meeting.to_string()),
            DecisionError::OverrideWithoutReason { .. } => t.t("decision.need_override_reason").to_string(),
            other => other.to_string(),
        })?;
        Ok(d)
    }

    pub fn update(&mut self, keys: &KeyMap, ev: &KeyEvent, t: &I18n) -> Outcome {
        if self.confirming {
            if let KeyCode::Char('y' | 'Y') = ev.code {
                self.confirming = false;
                if let Ok(d) = self.decision(t) {
                    return Outcome::Record(d);
                }
            }
            self.confirming = false;
            return Outcome::None;
        }
        if self.editing {
            if ev.code == KeyCode::Esc {
                self.editing = false;
            } else if let Some(e) = self.editor() {
                e.input(*ev);
            }
            return Outcome::None;
        }
        self.error = None;
        let n = self.fields().len();
        if any(&keys.back, ev) {
            return Outcome::Back;
        }
        if self.read_only {
            return Outcome::None;
        }
        if any(&keys.up, ev) {
            self.focus = self.focus.saturating_sub(1);
        } else if any(&keys.down, ev) {
            self.focus = (self.focus + 1).min(n - 1);
        } else if matches!(ev.code, KeyCode::Left | KeyCode::Right) {
            let forward = ev.code == KeyCode::Right;
            match self.field() {
                Field::Outcome => {
                    let len = self.outcomes.len();
                    self.chosen = if forward { (self.chosen + 1) % len } else { (self.chosen + len - 1) % len };
                }
                Field::Class => {
                    let order = [None, Some(PlanClass::A), Some(PlanClass::B), Some(PlanClass::C)];
                    let at = order.iter().position(|c| *c == self.class).unwrap_or(0);
                    self.class = order[if forward { (at + 1) % 4 } else { (at + 3) % 4 }];
                }
                _ => {}
            }
        } else if keys.edit.matches(ev) || keys.open.matches(ev) {
            self.editing = self.editor().is_some();
        } else if keys.submit.matches(ev) {
            match self.decision(t) {
                Ok(_) => self.confirming = true,
                Err(e) => self.error = Some(e),
            }
        }
        Outcome::None
    }
}

/// Mean points per criterion over the experts who count, in hundredths.
fn criterion_means(s: &DecisionState, t: &I18n) -> Vec<(String, String)> {
    s.rubric
        .criteria
        .iter()
        .map(|c| {
            let given: Vec<Points> = s
                .view
                .experts
                .iter()
                .filter(|e| e.counts())
                .filter_map(|e| e.sheet.as_ref()?.points.get(&c.id).copied())
                .collect();
            let mean = if given.is_empty() {
                "—".to_string()
            } else {
                crate::domain::Centi::ratio(given.iter().map(|p| p.centi()).sum(), given.len() as i64).to_string()
            };
            (t.pick(&c.title_zh, &c.title_en).to_string(), format!("{mean}/{}", c.max))
        })
        .collect()
}

pub fn render(s: &DecisionState, t: &I18n, frame: &mut Frame, area: Rect) {
    let left_w = (area.width / 2).max(38).min(area.width);
    let left = Rect::new(area.x, area.y, left_w, area.height);
    let right = Rect::new(area.x + left_w + 1, area.y, area.width.saturating_sub(left_w + 1), area.height);
    let a = &s.view.application;
    let buf = frame.buffer_mut();
    buf.set_string(
        left.x,
        left.y,
        fit(&format!("{}  {}", a.code, a.name), left_w as usize),
        Style::default().add_modifier(Modifier::BOLD),
    );
    // Each expert's total, outliers marked.
    let scored: Vec<_> = s.view.experts.iter().filter(|e| e.counts() && e.total.is_some()).collect();
    let mut y = left.y + 1;
    for e in &s.view.experts {
        let what = match (&e.recused, e.total) {
            (Some(_), _) => t.t("mine.recused").to_string(),
            (None, Some(total)) if e.outdated => format!("{total}  {}", t.t("mine.outdated")),
            (None, Some(total)) if e.outlier => format!("{total}  ← {}", t.t("detail.outlier")),
            (None, Some(total)) => total.to_string(),
            (None, None) => t.t("detail.not_submitted").to_string(),
        };
        let style = if e.outlier { Style::default().fg(Color::Red) } else { Style::default() };
        buf.set_string(left.x, y, fit(&format!("{}  {what}", fit(&e.name, 8)), left_w as usize), style);
        y += 1;
    }
    if let Some(g) = &s.view.aggregate {
        let line = t.line(format!(
            "{}：{}（{}）  {}：{}",
            t.t("detail.aggregate"),
            g.value,
            t.pick(g.method.zh(), g.method.en()),
            t.t("scoring.vetoes"),
            g.veto_count
        ));
        buf.set_string(left.x, y, truncate(&line, left_w as usize), Style::default().fg(Color::Cyan));
        y += 1;
    }
    let blocks = s.view.findings.iter().filter(|f| f.severity == crate::domain::Severity::Blocks).count();
    let suggestion = s.view.suggested.map(|o| t.pick(o.zh(), o.en()).to_string()).unwrap_or_default();
    buf.set_string(
        left.x,
        y,
        truncate(
            &t.line(format!("{}：{suggestion}   {}{blocks}", t.t("detail.suggested"), t.t("badge.blocks"))),
            left_w as usize,
        ),
        Style::default().add_modifier(Modifier::BOLD),
    );
    y += 1;
    for (title, mean) in criterion_means(s, t) {
        if y >= left.bottom().saturating_sub(8) {
            break;
        }
        buf.set_string(
            left.x,
            y,
            format!("{} {mean}", fit(&title, (left_w as usize).saturating_sub(12))),
            Style::default().fg(Color::Gray),
        );
        y += 1;
    }
    // The bar chart of totals fills what is left of the left side.
    let chart = Rect::new(left.x, y, left.width, left.bottom().saturating_sub(y));
    if chart.height >= 4 && !scored.is_empty() {
        let bars: Vec<Bar> = scored
            .iter()
            .map(|e| {
                let total = e.total.unwrap_or_default();
                Bar::default()
                    .value(total.halves() as u64 / 2)
                    .text_value(total.to_string())
                    .label(Line::from(truncate(&e.name, 4)))
                    .style(if e.outlier { Style::default().fg(Color::Red) } else { Style::default().fg(Color::Cyan) })
            })
            .collect();
        let w = (chart.width as usize / scored.len().max(1)).saturating_sub(1).clamp(3, 8) as u16;
        frame.render_widget(
            BarChart::default().data(BarGroup::default().bars(&bars)).bar_width(w).bar_gap(1).max(100),
            chart,
        );
    }

    // The form.
    let buf = frame.buffer_mut();
    let mut y = right.y;
    if s.read_only {
        buf.set_string(
            right.x,
            y,
            truncate(t.t("decision.read_only"), right.width as usize),
            Style::default().fg(Color::Yellow),
        );
        y += 1;
    }
    let fields = s.fields();
    for (i, f) in fields.iter().enumerate() {
        let focused = !s.read_only && i == s.focus.min(fields.len() - 1);
        let style = if focused { Style::default().add_modifier(Modifier::REVERSED) } else { Style::default() };
        let (label, value) = match f {
            Field::Outcome => (
                t.t("decision.outcome"),
                format!("◀ {} ▶", t.pick(s.outcomes[s.chosen].zh(), s.outcomes[s.chosen].en())),
            ),
            Field::Class => {
                (t.t("decision.class"), format!("◀ {} ▶", s.class.map(|c| c.to_string()).unwrap_or_else(|| "—".into())))
            }
            Field::Deadline => (t.t("decision.deadline"), text_of(&s.deadline)),
            Field::Conditions => (t.t("decision.conditions"), text_of(&s.conditions)),
            Field::Opinion => (t.t("decision.opinion"), text_of(&s.opinion)),
            Field::OverrideReason => (t.t("decision.override"), text_of(&s.override_reason)),
        };
        buf.set_string(right.x, y, fit(&t.line(format!("{label}：{value}")), right.width as usize), style);
        y += 1;
    }
    if s.editing {
        let mut editor = match s.fields()[s.focus.min(fields.len() - 1)] {
            Field::Deadline => s.deadline.clone(),
            Field::Conditions => s.conditions.clone(),
            Field::OverrideReason => s.override_reason.clone(),
            _ => s.opinion.clone(),
        };
        editor.set_block(Block::default().borders(Borders::ALL).title(t.t("scoring.editing")));
        let box_area = Rect::new(right.x, y + 1, right.width, right.bottom().saturating_sub(y + 2).min(8));
        frame.render_widget(&editor, box_area);
        crate::tui::place_cursor(frame, &editor, box_area);
    }
    if let Some(e) = &s.error {
        frame.buffer_mut().set_string(
            right.x,
            area.bottom().saturating_sub(1),
            truncate(e, right.width as usize),
            Style::default().fg(Color::Red),
        );
    }
    if s.confirming
        && let Ok(d) = s.decision(t)
    {
        let mut lines = vec![
            Line::from(format!("{}  {}", a.code, a.name)),
            Line::from(t.line(format!("{}：{}", t.t("decision.outcome"), t.pick(d.outcome.zh(), d.outcome.en())))),
        ];
        if let Some(dl) = d.rectification_deadline {
            lines.push(Line::from(t.line(format!("{}：{dl}", t.t("decision.deadline")))));
        }
        if let Some(r) = &d.override_reason {
            lines.push(Line::from(t.line(format!("{}：{r}", t.t("decision.override")))));
        }
        lines.push(Line::from(""));
        lines.push(Line::from(t.t("scoring.confirm")));
        crate::tui::popup(frame, area, 60, t.t("scoring.summary"), lines);
    }
}

pub fn hints(s: &DecisionState) -> &'static [&'static str] {
    match (s.read_only, s.editing) {
        (true, _) => &["keys.back"],
        (false, true) => &["scoring.key_done"],
        (false, false) => &["keys.move", "decision.key_pick", "scoring.key_edit", "scoring.key_submit", "keys.back"],
    }
}
