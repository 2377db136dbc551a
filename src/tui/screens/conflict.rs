//! A signed statement with a reason that says something, then the confirmation: declaring a
//! conflict of interest (回避), withdrawing one (撤回回避), or countersigning a decision with a
//! dissent (保留意见). Each is a signed event and stays in the history.

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

/// What the reason is for.
pub enum Purpose {
    Declare,
    /// Withdraw the declaration with this event id.
    Withdraw(String),
    /// Countersign the decision with this event id, dissenting.
    Dissent(String),
}

impl Purpose {
    /// The i18n keys of the form: (title, help, confirm title, done, what is signed).
    fn keys(&self) -> [&'static str; 5] {
        match self {
            Purpose::Declare => {
                ["conflict.title", "conflict.help", "conflict.confirm_title", "conflict.declared", "conflict.what"]
            }
            Purpose::Withdraw(_) => [
                "conflict.withdraw_title",
                "conflict.withdraw_help",
                "conflict.withdraw_confirm_title",
                "conflict.withdrawn",
                "conflict.withdraw_what",
            ],
            Purpose::Dissent(_) => {
                ["dissent.title", "dissent.help", "dissent.confirm_title", "dissent.done", "dissent.what"]
            }
        }
    }
}

/// What the form leads to.
pub struct ConflictForm {
    pub meeting: String,
    pub code: String,
    pub name: String,
    pub basis: crate::ledger::Basis,
    pub purpose: Purpose,
    reason: TextArea<'static>,
    problem: Option<String>,
}

impl ConflictForm {
    pub fn new(
        meeting: String,
        code: String,
        name: String,
        basis: crate::ledger::Basis,
        purpose: Purpose,
    ) -> ConflictForm {
        ConflictForm { meeting, code, name, basis, purpose, reason: editor(""), problem: None }
    }

    fn signing(&self, reason: Reason, cx: &Ctx) -> Signing {
        let t = cx.t;
        let (meeting, code, basis) = (self.meeting.clone(), self.code.clone(), self.basis.clone());
        let body = match &self.purpose {
            Purpose::Declare => {
                crate::ledger::Body::ConflictDeclared { meeting, code, basis, reason: reason.to_string() }
            }
            Purpose::Withdraw(id) => crate::ledger::Body::ConflictWithdrawn {
                meeting,
                code,
                basis,
                withdraws: id.clone(),
                reason: reason.to_string(),
            },
            Purpose::Dissent(decision) => crate::ledger::Body::Countersigned {
                meeting,
                code,
                decision: decision.clone(),
                stance: crate::domain::proceedings::Stance::Dissent { reason: reason.to_string() },
            },
        };
        let [_, _, title, done, what] = self.purpose.keys().map(|k| t.t(k));
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
        let [title, help, ..] = self.purpose.keys().map(|k| t.t(k));
        let outer = Block::default().borders(Borders::ALL).title(title.replace("{code}", &self.code));
        let inner = outer.inner(rect);
        frame.render_widget(outer, rect);
        frame.render_widget(
            Paragraph::new(format!("{}\n{help}", self.name)).wrap(Wrap { trim: true }),
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
