//! The decision panel (决策面板): each expert's total with outliers marked and a bar chart, the
//! mean per criterion, the aggregate and its method, vetoes, findings and the suggested outcome;
//! then, for the chair only, the outcome (only those valid for the kind), A/B/C class, a checked
//! rectification deadline, conditions, the panel opinion, and a reason when departing from the
//! suggestion. Confirm, then sign.

use super::{Action, Ctx, Effect, News, Screen, Signing, Unsaved};
use crate::domain::text::{fit, truncate};
use crate::domain::{Decision, DecisionError, Outcome as Conclusion, PlanClass, Points, Rubric};
use crate::store::ApplicationView;
use crate::tui::i18n::I18n;
use crate::tui::keymap::{KeyMap, any};
use crate::tui::widgets::{draw_editor, editor, text_of};
use chrono::NaiveDate;
use crossterm::event::{KeyCode, KeyEvent};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Bar, BarChart, BarGroup, Block, Borders, Paragraph, Wrap};
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
    /// Deciding although some experts have not submitted (按已提交的评分决定).
    Partial,
}

pub struct DecisionState {
    pub view: ApplicationView,
    pub rubric: Rubric,
    pub meeting_date: NaiveDate,
    pub read_only: bool,
    /// The outcomes the chair may pick: those the rules allow ([`crate::domain::lawful`]).
    pub outcomes: Vec<Conclusion>,
    /// The outcomes the rules rule out, with why, shown under the outcome field.
    pub forbidden: Vec<crate::domain::Forbidden>,
    /// Starts at the panel's suggestion (or the decision recorded), never at one nobody chose.
    pub chosen: Option<usize>,
    /// The chair has acknowledged deciding with sheets missing.
    pub partial: bool,
    pub class: Option<PlanClass>,
    pub deadline: TextArea<'static>,
    pub conditions: TextArea<'static>,
    pub opinion: TextArea<'static>,
    pub override_reason: TextArea<'static>,
    pub focus: usize,
    pub editing: bool,
    pub error: Option<String>,
    /// How far the written opinions below the form are scrolled.
    pub scroll: u16,
    /// The key of the person viewing, who countersigns or votes from here.
    pub viewer: String,
}

impl DecisionState {
    pub fn new(
        view: ApplicationView,
        rubric: Rubric,
        meeting_date: NaiveDate,
        read_only: bool,
        viewer: String,
    ) -> DecisionState {
        let (outcomes, forbidden) = view.lawful_outcomes();
        let current = view.decision.as_ref().map(|d| d.decision.outcome).or(view.suggested);
        let chosen = current.and_then(|o| outcomes.iter().position(|x| *x == o));
        DecisionState {
            rubric,
            meeting_date,
            read_only,
            outcomes,
            forbidden,
            chosen,
            partial: false,
            class: view.decision.as_ref().and_then(|d| d.decision.plan_class),
            deadline: editor(""),
            conditions: editor(""),
            opinion: editor(""),
            override_reason: editor(""),
            focus: 0,
            editing: false,
            error: None,
            scroll: 0,
            view,
            viewer,
        }
    }

    /// A member's countersignature or vote from the read-only panel (会议程序), or the chair's
    /// call of a vote on the outcome chosen: each through the confirmation. None for other keys.
    fn on_proceedings_key(&mut self, ev: &KeyEvent, t: &I18n) -> Option<Action> {
        use super::proceedings as p;
        use crate::domain::proceedings::Choice;
        let signing = match (self.read_only, ev.code) {
            (true, KeyCode::Char('a')) => p::agree(&self.view, &self.viewer, t),
            (true, KeyCode::Char('x')) => {
                return Some(match p::dissent(&self.view, &self.viewer, t) {
                    Ok(form) => Action::Push(Box::new(form)),
                    Err(why) => Action::Say(why),
                });
            }
            (true, KeyCode::Char(c @ '1'..='3')) => {
                let choice = [Choice::For, Choice::Against, Choice::Abstain][(c as u8 - b'1') as usize];
                p::ballot(&self.view, choice, t)
            }
            (false, KeyCode::Char('v')) => match self.outcome() {
                Some(o) => p::call_vote(&self.view, o, t),
                None => Err(t.t("decision.pick_outcome").to_string()),
            },
            _ => return None,
        };
        Some(match signing {
            Ok(s) => Action::Do(Effect::Review(Box::new(s))),
            Err(why) => Action::Say(why),
        })
    }

    /// The fields that apply: a class only for approval, a deadline only for 限期整改, a reason
    /// only when departing from the suggestion.
    pub fn fields(&self) -> Vec<Field> {
        let mut f = vec![Field::Outcome];
        if self.view.application.kind == crate::domain::ApplicationKind::Approval {
            f.push(Field::Class);
        }
        if self.outcome() == Some(Conclusion::Rectify) {
            f.push(Field::Deadline);
        }
        f.extend([Field::Conditions, Field::Opinion]);
        if self.outcome().is_some() && self.outcome() != self.view.suggested {
            f.push(Field::OverrideReason);
        }
        if !self.pending().is_empty() {
            f.push(Field::Partial);
        }
        f
    }

    pub fn outcome(&self) -> Option<Conclusion> {
        self.chosen.map(|i| self.outcomes[i])
    }

    /// The experts who should score and have not: the same list `decide` refuses on.
    pub fn pending(&self) -> Vec<&str> {
        self.view.pending_experts()
    }

    /// The warning `decide` gives when sheets are missing, in the reader's language.
    fn missing(&self, t: &I18n) -> String {
        match self.view.missing_sheets() {
            Some(m) => format!("{}{}", m.warning().get(t.lang), t.t("decision.missing_advice")),
            None => String::new(),
        }
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
        let outcome = self.outcome().ok_or_else(|| t.t("decision.choose").to_string())?;
        if !self.pending().is_empty() && !self.partial {
            return Err(self.missing(t));
        }
        if let Some(why) = self.view.below_quorum() {
            return Err(why.get(t.lang).to_string());
        }
        let deadline_text = text_of(&self.deadline);
        let rectify = outcome == Conclusion::Rectify;
        let rectification_deadline = match crate::intake::parse_date(&deadline_text) {
            _ if !rectify => None,
            _ if deadline_text.is_empty() => return Err(t.t("decision.need_deadline").to_string()),
            Some(date) => Some(date),
            None => return Err(t.t("decision.bad_deadline").replace("{text}", &deadline_text)),
        };
        let reason = text_of(&self.override_reason);
        let d = Decision {
            outcome,
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
            DecisionError::ReducedWithoutConditions => t.t("decision.need_reduced_conditions").to_string(),
            other => other.to_string(),
        })?;
        Ok(d)
    }

    /// The whole decision as the chair signs it.
    fn signing(&self, d: Decision, t: &I18n) -> Signing {
        let a = &self.view.application;
        let name = |o: Conclusion| t.pick(o.zh(), o.en()).to_string();
        let mut text = format!("{}  {}\n\n{}：{}", a.code, a.name, t.t("decision.outcome"), name(d.outcome));
        let mut field = |key: &str, value: String| {
            if !value.is_empty() {
                text.push_str(&format!("\n{}：{value}", t.t(key)));
            }
        };
        field("detail.suggested", name(d.suggested));
        if let Some(g) = &self.view.aggregate {
            field("detail.aggregate", format!("{}（{}，n={}）", g.value, t.pick(g.method.zh(), g.method.en()), g.n));
        }
        field("decision.class", d.plan_class.map(|c| c.to_string()).unwrap_or_default());
        field("decision.deadline", d.rectification_deadline.map(|x| x.to_string()).unwrap_or_default());
        field("decision.conditions", d.conditions.clone());
        field("decision.opinion", d.opinion.clone());
        field("decision.override", d.override_reason.clone().unwrap_or_default());
        if !self.pending().is_empty() {
            text.push_str(&format!("\n\n{}", self.missing(t)));
        }
        Signing {
            body: crate::ledger::Body::DecisionRecorded {
                meeting: self.view.meeting_id.clone(),
                code: a.code.clone(),
                basis: self.view.basis.clone(),
                based_on: self.view.score_event_ids(),
                decision: d.clone(),
            },
            title: t.t("decision.confirm_title").replace("{code}", &a.code),
            text: t.line(text),
            done: t.t("decision.recorded").replace("{code}", &a.code).replace("{outcome}", &name(d.outcome)),
            closes: 1,
            draft: None,
        }
    }

    fn on_key(&mut self, keys: &KeyMap, ev: &KeyEvent, t: &I18n) -> Action {
        if self.editing {
            if ev.code == KeyCode::Esc {
                self.editing = false;
            } else if let Some(e) = self.editor() {
                e.input(*ev);
            }
            return Action::None;
        }
        self.error = None;
        let n = self.fields().len();
        if any(&keys.back, ev) {
            return Action::Back;
        }
        if let Some(action) = self.on_proceedings_key(ev, t) {
            return action;
        }
        if keys.page_down.matches(ev) {
            self.scroll = self.scroll.saturating_add(5);
        } else if keys.page_up.matches(ev) {
            self.scroll = self.scroll.saturating_sub(5);
        } else if self.read_only {
            if any(&keys.down, ev) {
                self.scroll = self.scroll.saturating_add(1);
            } else if any(&keys.up, ev) {
                self.scroll = self.scroll.saturating_sub(1);
            }
        } else if any(&keys.up, ev) {
            self.focus = self.focus.saturating_sub(1);
        } else if any(&keys.down, ev) {
            self.focus = (self.focus + 1).min(n - 1);
        } else if matches!(ev.code, KeyCode::Left | KeyCode::Right) {
            self.step(ev.code == KeyCode::Right);
        } else if keys.toggle.matches(ev) && self.field() == Field::Partial {
            self.partial = !self.partial;
        } else if keys.edit.matches(ev) || keys.open.matches(ev) {
            self.editing = self.editor().is_some();
        } else if keys.submit.matches(ev) {
            match self.decision(t) {
                Ok(d) => return Action::Do(Effect::Review(Box::new(self.signing(d, t)))),
                Err(e) => self.error = Some(e),
            }
        }
        Action::None
    }

    /// Left and right on the outcome or the class.
    fn step(&mut self, forward: bool) {
        match self.field() {
            Field::Outcome => {
                let len = self.outcomes.len();
                self.chosen = Some(match self.chosen {
                    None => 0,
                    Some(c) if forward => (c + 1) % len,
                    Some(c) => (c + len - 1) % len,
                });
            }
            Field::Class => {
                let order = [None, Some(PlanClass::A), Some(PlanClass::B), Some(PlanClass::C)];
                let at = order.iter().position(|c| *c == self.class).unwrap_or(0);
                self.class = order[if forward { (at + 1) % 4 } else { (at + 3) % 4 }];
            }
            _ => {}
        }
    }

    fn typed(&self) -> bool {
        [&self.deadline, &self.conditions, &self.opinion, &self.override_reason].iter().any(|e| !text_of(e).is_empty())
    }
}

impl Screen for DecisionState {
    fn name(&self) -> &'static str {
        "decision"
    }

    fn update(&mut self, ev: &KeyEvent, cx: &Ctx) -> Action {
        self.on_key(cx.keys, ev, cx.t)
    }

    fn render(&self, frame: &mut Frame, area: Rect, cx: &Ctx) {
        render(self, cx.t, frame, area);
    }

    fn hints(&self) -> &'static [&'static str] {
        hints(self)
    }

    fn typing(&self) -> bool {
        self.editing
    }

    fn paste(&mut self, text: &str) {
        if self.editing
            && let Some(e) = self.editor()
        {
            e.insert_str(text);
        }
    }

    fn unsaved(&self) -> Option<Unsaved> {
        (!self.read_only && self.typed())
            .then(|| Unsaved::Lose(format!("{}：{}", self.view.application.code, text_of(&self.opinion))))
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
    if s.view.blind {
        // As the queue shows it: how many have submitted, and no values.
        let eligible = s.view.experts.iter().filter(|e| e.recused.is_none()).count();
        let submitted = s.view.experts.iter().filter(|e| e.recused.is_none() && e.event_id.is_some()).count();
        let line = t.t("decision.blind").replace("{n}", &submitted.to_string()).replace("{of}", &eligible.to_string());
        buf.set_string(left.x, y, fit(&line, left_w as usize), Style::default().fg(Color::Yellow));
        y += 1;
    }
    for e in &s.view.experts {
        let what = match (&e.recused, e.total) {
            (Some(_), _) => t.t("mine.recused").to_string(),
            (None, Some(total)) if e.outdated => format!("{total}  {}", t.t("mine.outdated")),
            (None, Some(total)) if e.after_decision => format!("{total}  {}", t.t("detail.after_decision")),
            (None, Some(total)) if e.outlier => format!("{total}  ← {}", t.t("detail.outlier")),
            (None, Some(total)) => total.to_string(),
            (None, None) if e.event_id.is_some() => t.t("detail.submitted_hidden").to_string(),
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
    let suggestion = match s.view.suggested {
        _ if s.view.blind => t.t("queue.blind").to_string(),
        Some(o) => t.pick(o.zh(), o.en()).to_string(),
        None => "—".to_string(),
    };
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
    // Someone who only reads sees the decision and the opinions, not an empty form.
    let fields = if s.read_only { vec![] } else { s.fields() };
    for (i, f) in fields.iter().enumerate() {
        let focused = !s.read_only && i == s.focus.min(fields.len() - 1);
        let style = if focused { Style::default().add_modifier(Modifier::REVERSED) } else { Style::default() };
        let (label, value) = match f {
            Field::Outcome => (
                t.t("decision.outcome"),
                format!("◀ {} ▶", s.outcome().map(|o| t.pick(o.zh(), o.en())).unwrap_or(t.t("decision.none_chosen"))),
            ),
            Field::Class => {
                (t.t("decision.class"), format!("◀ {} ▶", s.class.map(|c| c.to_string()).unwrap_or_else(|| "—".into())))
            }
            Field::Deadline => (t.t("decision.deadline"), text_of(&s.deadline)),
            Field::Conditions => (t.t("decision.conditions"), text_of(&s.conditions)),
            Field::Opinion => (t.t("decision.opinion"), text_of(&s.opinion)),
            Field::OverrideReason => (t.t("decision.override"), text_of(&s.override_reason)),
            Field::Partial => {
                (t.t("decision.partial"), format!("[{}] {}", if s.partial { "x" } else { " " }, s.pending().join("、")))
            }
        };
        buf.set_string(right.x, y, fit(&t.line(format!("{label}：{value}")), right.width as usize), style);
        y += 1;
        // Why an outcome is not offered: the rule and its article.
        if *f == Field::Outcome {
            for no in &s.forbidden {
                buf.set_string(
                    right.x,
                    y,
                    truncate(&t.line(format!("  {}", no.why.get(t.lang))), right.width as usize),
                    Style::default().fg(Color::Yellow),
                );
                y += 1;
            }
        }
    }
    if s.editing {
        let editor = match s.fields()[s.focus.min(fields.len() - 1)] {
            Field::Deadline => &s.deadline,
            Field::Conditions => &s.conditions,
            Field::OverrideReason => &s.override_reason,
            _ => &s.opinion,
        };
        let block = Block::default().borders(Borders::ALL).title(t.t("scoring.editing"));
        let box_area = Rect::new(right.x, y + 1, right.width, right.bottom().saturating_sub(y + 2).min(8));
        draw_editor(frame, editor, block, box_area, true);
    } else {
        // Below the form: the decision recorded, and what the experts wrote, scrollable.
        let mut lines = super::detail::decision_lines(&s.view, t);
        let proceedings = super::detail::proceedings_lines(&s.view, t);
        if !proceedings.is_empty() {
            lines.push(Line::from(Span::styled(
                t.t("decision.proceedings").to_string(),
                Style::default().fg(Color::Cyan),
            )));
            lines.extend(proceedings);
        }
        let written = super::detail::written(&s.view, Some(&s.rubric), t);
        if !written.is_empty() {
            lines.push(Line::from(Span::styled(t.t("detail.written").to_string(), Style::default().fg(Color::Cyan))));
            lines.extend(written);
        }
        let rest = Rect::new(right.x, y + 1, right.width, right.bottom().saturating_sub(y + 2));
        frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }).scroll((s.scroll, 0)), rest);
    }
    if let Some(e) = &s.error {
        frame.buffer_mut().set_string(
            right.x,
            area.bottom().saturating_sub(1),
            truncate(e, right.width as usize),
            Style::default().fg(Color::Red),
        );
    }
}

pub fn hints(s: &DecisionState) -> &'static [&'static str] {
    match (s.read_only, s.editing) {
        (true, _) => &["decision.key_agree", "decision.key_dissent", "decision.key_vote", "keys.scroll", "keys.back"],
        (false, true) => &["scoring.key_done"],
        (false, false) => &[
            "keys.move",
            "decision.key_pick",
            "scoring.key_edit",
            "scoring.key_submit",
            "decision.key_call_vote",
            "keys.back",
        ],
    }
}
