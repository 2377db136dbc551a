//! Declaring a conflict of interest (回避), or withdrawing one (撤回回避): a reason that says
//! something, then the confirmation. Both are signed events and both stay in the history.

use super::{Action, Ctx, Effect, Screen, Signing, Unsaved};
use crate::domain::text::Reason;
use crate::tui::widgets::{centered, clear, draw_editor, editor, text_of};
use crossterm::event::{KeyCode, KeyEvent};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Style};
use ratatui::text::Span;
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};
use ratatui_textarea::TextArea;

/// What the form leads to.
pub struct ConflictForm {
    pub meeting: String,
    pub code: String,
    pub name: String,
    pub basis: crate::ledger::Basis,
    /// The declaration being withdrawn, when withdrawing.
    pub withdraws: Option<String>,
    reason: TextArea<'static>,
    problem: Option<String>,
}

impl ConflictForm {
    pub fn new(
        meeting: String,
        code: String,
        name: String,
        basis: crate::ledger::Basis,
        withdraws: Option<String>,
    ) -> ConflictForm {
        ConflictForm { meeting, code, name, basis, withdraws, reason: editor(""), problem: None }
    }

    fn signing(&self, reason: Reason, cx: &Ctx) -> Signing {
        let t = cx.t;
        let (meeting, code, basis) = (self.meeting.clone(), self.code.clone(), self.basis.clone());
        let (body, title, done, what) = match &self.withdraws {
            None => (
                crate::ledger::Body::ConflictDeclared { meeting, code, basis, reason: reason.to_string() },
                t.t("conflict.confirm_title"),
                t.t("conflict.declared"),
                t.t("conflict.what"),
            ),
            Some(id) => (
                crate::ledger::Body::ConflictWithdrawn {
                    meeting,
                    code,
                    basis,
                    withdraws: id.clone(),
                    reason: reason.to_string(),
                },
                t.t("conflict.withdraw_confirm_title"),
                t.t("conflict.withdrawn"),
                t.t("conflict.withdraw_what"),
            ),
        };
        let text = format!("{}  {}\n\n{what}\n\n{}：{reason}", self.code, self.name, t.t("conflict.reason"));
        Signing {
            body,
            title: title.replace("{code}", &self.code),
            text: t.line(text),
            done: done.replace("{code}", &self.code),
            closes: 1,
            draft: None,
        }
    }
}

impl Screen for ConflictForm {
    fn name(&self) -> &'static str {
        "conflict"
    }

    fn update(&mut self, ev: &KeyEvent, cx: &Ctx) -> Action {
        self.problem = None;
        match ev.code {
            KeyCode::Esc => Action::Back,
            KeyCode::Enter => match Reason::parse(&text_of(&self.reason)) {
                Ok(reason) => Action::Do(Effect::Review(Box::new(self.signing(reason, cx)))),
                Err(e) => {
                    self.problem = Some(cx.t.error(&e));
                    Action::None
                }
            },
            _ => {
                self.reason.input(*ev);
                Action::None
            }
        }
    }

    fn paste(&mut self, text: &str) {
        self.reason.insert_str(text.replace(['\r', '\n'], " "));
    }

    fn render(&self, frame: &mut Frame, area: Rect, cx: &Ctx) {
        let t = cx.t;
        let rect = centered(area, 66, 12);
        clear(frame, rect);
        let key = if self.withdraws.is_some() { "conflict.withdraw_title" } else { "conflict.title" };
        let outer = Block::default().borders(Borders::ALL).title(t.t(key).replace("{code}", &self.code));
        let inner = outer.inner(rect);
        frame.render_widget(outer, rect);
        let head = if self.withdraws.is_some() { t.t("conflict.withdraw_help") } else { t.t("conflict.help") };
        frame.render_widget(
            Paragraph::new(format!("{}\n{head}", self.name)).wrap(Wrap { trim: true }),
            Rect::new(inner.x, inner.y, inner.width, 3),
        );
        let box_area = Rect::new(inner.x, inner.y + 3, inner.width, inner.height.saturating_sub(4));
        let block = Block::default().borders(Borders::ALL).title(t.t("conflict.reason").to_string());
        draw_editor(frame, &self.reason, block, box_area, true);
        let bottom = match &self.problem {
            Some(p) => Span::styled(p.clone(), Style::default().fg(Color::Yellow)),
            None => Span::raw(t.t("conflict.form_hint").to_string()),
        };
        frame.render_widget(
            Paragraph::new(bottom).wrap(Wrap { trim: true }),
            Rect::new(inner.x, inner.bottom().saturating_sub(1), inner.width, 1),
        );
    }

    fn hints(&self) -> &'static [&'static str] {
        &["conflict.key_review", "keys.back"]
    }

    fn overlay(&self) -> bool {
        true
    }

    fn typing(&self) -> bool {
        true
    }

    fn unsaved(&self) -> Option<Unsaved> {
        let typed = text_of(&self.reason);
        (!typed.is_empty()).then(|| Unsaved::Lose(format!("{}：{typed}", self.code)))
    }
}
