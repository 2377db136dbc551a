//! Expert scoring (专家打分): points per criterion, typed or stepped by half points and checked as
//! typed; a comment per criterion, veto items with reasons and an overall opinion in text areas;
//! a live total; a draft kept locally; a summary to confirm before signing.

use super::{Action, Ctx, Effect, Screen, Signing, Unsaved};
use crate::domain::text::{fit, fit_right};
use crate::domain::{Points, Rubric, ScoreSheet, VetoMark};
use crate::tui::i18n::I18n;
use crate::tui::keymap::{KeyMap, any};
use crate::tui::widgets::{draw_editor, editor as area_with, text_of};
use crossterm::event::{KeyCode, KeyEvent};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};
use ratatui_textarea::TextArea;

pub struct ScoringState {
    pub meeting: String,
    pub code: String,
    /// The sheet as it was opened: leaving it unchanged keeps no draft.
    pub opened: ScoreSheet,
    /// The versions on screen, which the signed sheet answers.
    pub basis: crate::ledger::Basis,
    /// The seating a substitute's sheet names (增补专家); None for the panel.
    pub seat: Option<String>,
    pub name: String,
    pub rubric: Rubric,
    pub points: Vec<Option<Points>>,
    /// What is being typed into the focused criterion's points.
    pub typed: String,
    pub comments: Vec<TextArea<'static>>,
    pub veto_on: Vec<bool>,
    pub veto_reasons: Vec<TextArea<'static>>,
    pub opinion: TextArea<'static>,
    /// Why review (复核) flagged the sheet this one revises; then a reason is asked for.
    pub flagged: Option<crate::domain::Text>,
    /// 复核修改理由, shown only when `flagged`.
    pub revision_reason: TextArea<'static>,
    /// Criteria first, then veto items, then the opinion, then the revision reason if asked.
    pub focus: usize,
    pub editing: bool,
    pub error: Option<String>,
}

impl ScoringState {
    pub fn new(meeting: &str, code: &str, name: &str, rubric: Rubric, draft: Option<ScoreSheet>) -> ScoringState {
        let d = draft.unwrap_or_default();
        let mut s = ScoringState {
            meeting: meeting.into(),
            opened: ScoreSheet::default(),
            basis: crate::ledger::Basis::default(),
            seat: None,
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
            flagged: None,
            revision_reason: area_with(&d.revision_reason),
            rubric,
            focus: 0,
            editing: false,
            error: None,
        };
        // As the form reads it back, so that opening and leaving changes nothing.
        s.opened = s.sheet();
        s
    }

    fn criteria(&self) -> usize {
        self.rubric.criteria.len()
    }

    fn items(&self) -> usize {
        self.opinion_at() + 1 + usize::from(self.flagged.is_some())
    }

    /// Where the overall opinion is in the focus order; the revision reason follows it.
    fn opinion_at(&self) -> usize {
        self.criteria() + self.rubric.vetoes.len()
    }

    /// Asks for a revision reason: review flagged the sheet this one revises, for `why`.
    pub fn flag(&mut self, why: crate::domain::Text) {
        self.flagged = Some(why);
        self.opened = self.sheet();
    }

    pub fn total(&self) -> Points {
        self.points.iter().flatten().copied().sum()
    }

    /// The sheet as it stands (unscored criteria left out).
    pub fn sheet(&self) -> ScoreSheet {
        let mut s = ScoreSheet { opinion: text_of(&self.opinion), ..Default::default() };
        if self.flagged.is_some() {
            s.revision_reason = text_of(&self.revision_reason);
        }
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
            f if f == c + v => &mut self.opinion,
            _ => &mut self.revision_reason,
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

    /// A digit or point typed on a criterion. What was typed stays as typed; the points are
    /// taken only while it reads as whole or half points within the maximum, so `0.25` is
    /// refused at its `2`, and its `5` does not turn it into 0.5.
    fn type_points(&mut self, c: char, t: &I18n) {
        self.typed.push(c);
        self.error = self.take_typed(t);
    }

    /// Reads what is typed into the focused criterion; the reason when it cannot be taken.
    fn take_typed(&mut self, t: &I18n) -> Option<String> {
        let typed = self.typed.clone();
        if typed.is_empty() {
            self.points[self.focus] = None;
            return None;
        }
        let max = self.rubric.criteria[self.focus].max;
        let problem = match Points::parse(typed.strip_suffix('.').unwrap_or(&typed)) {
            Ok(p) if self.set_points(Some(p)) => return None,
            Ok(_) => t.t("scoring.refused").replace("{v}", &typed).replace("{max}", &max.to_string()),
            Err(e) if e.not_half_step() => t.t("scoring.half_points").replace("{v}", &typed),
            Err(_) => t.t("scoring.not_a_number").replace("{v}", &typed),
        };
        self.points[self.focus] = None;
        Some(problem)
    }

    /// The whole sheet as the expert signs it: points, comments, vetoes with reasons, opinion.
    fn signing(&self, t: &I18n) -> Signing {
        let sheet = self.sheet();
        let mut text = format!("{}  {}\n", self.code, self.name);
        for c in &self.rubric.criteria {
            let p = sheet.points.get(&c.id).map(|p| p.to_string()).unwrap_or_default();
            text.push_str(&format!("\n{}  {p}/{}", t.pick(&c.title_zh, &c.title_en), c.max));
            if let Some(comment) = sheet.comments.get(&c.id) {
                text.push_str(&format!("\n    {}", comment.replace('\n', "\n    ")));
            }
        }
        text.push_str(&format!("\n\n{}：{} / 100", t.t("scoring.total"), sheet.total()));
        for m in &sheet.vetoes {
            let item = self.rubric.vetoes.iter().find(|v| v.id == m.id);
            let label = item.map(|v| t.pick(&v.text_zh, &v.text_en)).unwrap_or(&m.id);
            text.push_str(&format!("\n[{}] {label}：{}", t.t("scoring.veto"), m.reason));
        }
        if !sheet.opinion.is_empty() {
            text.push_str(&format!("\n\n{}：{}", t.t("scoring.opinion"), sheet.opinion));
        }
        if !sheet.revision_reason.is_empty() {
            text.push_str(&format!("\n\n{}：{}", t.t("scoring.revision_reason"), sheet.revision_reason));
        }
        Signing {
            body: crate::ledger::Body::ScoreSubmitted {
                meeting: self.meeting.clone(),
                code: self.code.clone(),
                basis: self.basis.clone(),
                sheet: sheet.clone(),
                seat: self.seat.clone(),
            },
            title: t.t("scoring.summary").replace("{code}", &self.code),
            text: t.line(text),
            done: t.t("scoring.submitted").replace("{code}", &self.code).replace("{total}", &sheet.total().to_string()),
            closes: 1,
            draft: Some((self.meeting.clone(), self.code.clone())),
        }
    }

    /// What is wrong with the sheet, named as the screen names things: by title, never by id.
    fn problem(&self, e: &crate::domain::rubric::SheetError, t: &I18n) -> String {
        use crate::domain::rubric::SheetError as E;
        let criterion = |id: &str| {
            self.rubric.criterion(id).map(|c| t.pick(&c.title_zh, &c.title_en).to_string()).unwrap_or_default()
        };
        let veto =
            |id: &str| self.rubric.veto(id).map(|v| t.pick(&v.text_zh, &v.text_en).to_string()).unwrap_or_default();
        match e {
            E::Unscored { id, .. } => t.t("scoring.unscored").replace("{what}", &criterion(id)),
            E::AboveMax { id, max, .. } => {
                t.t("scoring.refused").replace("{v}", &criterion(id)).replace("{max}", &max.to_string())
            }
            E::VetoWithoutReason(id) => t.t("scoring.veto_needs_reason").replace("{what}", &veto(id)),
            other => t.error(other),
        }
    }

    /// Leaving: keep a draft only when something changed.
    fn leave(&self) -> Action {
        let sheet = self.sheet();
        if sheet == self.opened {
            Action::Back
        } else {
            Action::Leave(Effect::SaveDraft { code: self.code.clone(), sheet })
        }
    }

    fn on_key(&mut self, keys: &KeyMap, ev: &KeyEvent, t: &I18n) -> Action {
        if self.editing {
            if ev.code == KeyCode::Esc {
                self.editing = false;
            } else {
                self.editor().input(*ev);
            }
            return Action::None;
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
            let sheet = self.sheet();
            match sheet.validate(&self.rubric) {
                Ok(()) if self.flagged.is_some() && crate::domain::Reason::parse(&sheet.revision_reason).is_err() => {
                    self.focus = self.items() - 1;
                    self.error = Some(t.t("scoring.needs_revision_reason").to_string());
                }
                Ok(()) => return Action::Do(Effect::Review(Box::new(self.signing(t)))),
                Err(e) => self.error = Some(self.problem(&e, t)),
            }
        } else if keys.edit.matches(ev) || keys.open.matches(ev) {
            self.editing = true;
        } else if on_criterion
            && let KeyCode::Char(c) = ev.code
            && let c = crate::domain::points::ascii_char(c)
            && (c.is_ascii_digit() || c == '.')
        {
            self.type_points(c, t);
        } else if on_criterion && ev.code == KeyCode::Backspace {
            if self.typed.is_empty() {
                self.typed = self.points[self.focus].map(|p| p.to_string()).unwrap_or_default();
            }
            self.typed.pop();
            self.error = self.take_typed(t);
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
            return self.leave();
        }
        Action::None
    }
}

impl Screen for ScoringState {
    fn name(&self) -> &'static str {
        "scoring"
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
        if self.editing {
            self.editor().insert_str(text);
        }
    }

    fn unsaved(&self) -> Option<Unsaved> {
        let sheet = self.sheet();
        (sheet != self.opened).then(|| Unsaved::Keep(Effect::SaveDraft { code: self.code.clone(), sheet }))
    }

    fn application(&self) -> Option<&str> {
        Some(&self.code)
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
    let opinion_focused = s.focus == s.opinion_at();
    let style = if opinion_focused { Style::default().add_modifier(Modifier::REVERSED) } else { Style::default() };
    buf.set_string(area.x, y, fit(t.t("scoring.opinion"), left_w as usize), style);
    if s.flagged.is_some() {
        let focused = s.focus == s.opinion_at() + 1;
        let style = if focused {
            Style::default().add_modifier(Modifier::REVERSED)
        } else {
            Style::default().fg(Color::Yellow)
        };
        buf.set_string(area.x, y + 1, fit(t.t("scoring.revision_reason"), left_w as usize), style);
    }
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
    } else if s.focus < s.opinion_at() {
        (String::new(), t.t("scoring.veto_reason"))
    } else if s.focus == s.opinion_at() {
        (String::new(), t.t("scoring.opinion"))
    } else {
        let why = s.flagged.as_ref().map(|w| t.pick(&w.zh, &w.en).to_string()).unwrap_or_default();
        (t.t("scoring.flagged").replace("{why}", &why), t.t("scoring.revision_reason"))
    };
    let guide_h = if guidance.is_empty() { 0 } else { (right.height / 2).max(3) };
    frame.render_widget(
        Paragraph::new(guidance).wrap(Wrap { trim: true }).style(Style::default().fg(Color::Gray)),
        Rect::new(right.x, right.y, right.width, guide_h),
    );
    let box_area = Rect::new(right.x, right.y + guide_h, right.width, right.height.saturating_sub(guide_h));
    let editor = match s.focus {
        f if f < s.criteria() => &s.comments[f],
        f if f < s.opinion_at() => &s.veto_reasons[f - s.criteria()],
        f if f == s.opinion_at() => &s.opinion,
        _ => &s.revision_reason,
    };
    let hint = if s.editing { t.t("scoring.editing") } else { t.t("scoring.press_tab") };
    let block = Block::default().borders(Borders::ALL).title(format!("{title}  ({hint})"));
    draw_editor(frame, editor, block, box_area, s.editing);
}

pub fn hints(s: &ScoringState) -> &'static [&'static str] {
    if s.editing {
        &["scoring.key_done"]
    } else {
        &["keys.move", "scoring.key_points", "scoring.key_edit", "scoring.key_veto", "scoring.key_submit", "keys.back"]
    }
}
