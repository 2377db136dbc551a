//! The application: a stack of screens and overlays. A key goes to the screen on top, whose
//! update returns an action; the app carries actions out (effects in `effects.rs`). The rules
//! that hold for every screen live here, once: too small a terminal, help, Esc and q, Ctrl-C.

use super::i18n::I18n;
use super::keymap::KeyMap;
use super::screens::{Action, Ctx, Screen, Unsaved, pickers};
use crate::domain::Lang;
use crate::domain::text::{truncate, width};
use crate::ledger::{Identity, Keyring};
use crate::store::{Store, ViewerRole};
use crossterm::event::{KeyEvent, MouseButton, MouseEvent, MouseEventKind};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

/// The smallest terminal the screens are laid out for.
pub const MIN_WIDTH: u16 = 80;
pub const MIN_HEIGHT: u16 = 24;

/// Who is looking.
pub struct Viewer {
    pub key: String,
    pub name: String,
    pub fingerprint: String,
}

pub struct App {
    pub i18n: I18n,
    pub keys: KeyMap,
    pub(super) store: Store,
    pub(super) identity: Identity,
    /// The identities of this home, when the app may switch between them.
    pub keyring: Option<Keyring>,
    pub viewer: Viewer,
    /// The open meeting: id, title, date.
    pub meeting: Option<(String, String, String)>,
    pub role: Option<ViewerRole>,
    /// The screens, bottom (the queue) first; overlays sit on top of what they cover.
    pub(super) stack: Vec<Box<dyn Screen>>,
    /// Slow work to do after the next frame is drawn, so the screen says what is happening.
    pub(super) pending: Option<super::screens::Effect>,
    /// Where opened documents are written for the viewer.
    pub documents_dir: std::path::PathBuf,
    /// Where encrypted bundles are decrypted while they are read (owner-only).
    pub scratch_dir: std::path::PathBuf,
    /// Where reports made from the queue (`r`) are written.
    pub reports_dir: std::path::PathBuf,
    /// The program that shows documents, if this machine has one.
    pub document_viewer: Option<String>,
    pub message: Option<String>,
    pub last_import: Option<String>,
    pub last_export: Option<String>,
    pub size: Rect,
    /// The time the app takes as now, when fixed (tests); else the clock.
    pub fixed_now: Option<chrono::DateTime<chrono::Utc>>,
    pub quit: bool,
    /// The store's data version when last read, to notice other processes' writes.
    pub(super) seen_version: i64,
}

impl App {
    pub fn new(store: Store, identity: Identity, lang: Lang) -> App {
        let viewer =
            Viewer { key: identity.key_hex(), name: identity.name.clone(), fingerprint: identity.fingerprint() };
        let seen_version = store.data_version().unwrap_or(0);
        let mut app = App {
            i18n: I18n::new(lang),
            keys: KeyMap::default(),
            store,
            identity,
            keyring: None,
            viewer,
            meeting: None,
            role: None,
            stack: vec![],
            pending: None,
            documents_dir: std::env::temp_dir().join("reviewdesk-documents"),
            document_viewer: crate::media::system_viewer(),
            reports_dir: std::env::temp_dir().join("reviewdesk-reports"),
            scratch_dir: std::env::temp_dir().join("reviewdesk-scratch"),
            message: None,
            last_import: None,
            last_export: None,
            size: Rect::new(0, 0, MIN_WIDTH, MIN_HEIGHT),
            fixed_now: None,
            quit: false,
            seen_version,
        };
        app.reload();
        app
    }

    /// The name of the screen on top, for tests and the status bar.
    pub fn top(&self) -> &'static str {
        self.stack.last().map(|s| s.name()).unwrap_or("")
    }

    /// The topmost open screen of type `T`, for tests and benches that look inside.
    pub fn screen<T: Screen>(&self) -> Option<&T> {
        self.stack.iter().rev().find_map(|s| (s.as_ref() as &dyn std::any::Any).downcast_ref::<T>())
    }

    pub fn screen_mut<T: Screen>(&mut self) -> Option<&mut T> {
        self.stack.iter_mut().rev().find_map(|s| (s.as_mut() as &mut dyn std::any::Any).downcast_mut::<T>())
    }

    /// How many applications the queue holds (the bench checks it built them all).
    pub fn queue_len(&self) -> usize {
        self.stack.first().map(|s| s.rows()).unwrap_or(0)
    }

    /// Slow work waits for the next frame.
    pub fn busy(&self) -> bool {
        self.pending.is_some()
    }

    fn too_small(&self) -> bool {
        self.size.width < MIN_WIDTH || self.size.height < MIN_HEIGHT
    }

    fn cx(&self) -> Ctx<'_> {
        Ctx {
            keys: &self.keys,
            t: &self.i18n,
            role: self.role,
            page: self.size.height.saturating_sub(6) as usize,
            reports_dir: &self.reports_dir,
        }
    }

    pub fn on_key(&mut self, ev: KeyEvent) {
        if self.keys.quit_now.matches(&ev) {
            self.interrupt();
            return;
        }
        let typing = self.stack.last().is_some_and(|s| s.typing());
        if !typing && self.keys.help.matches(&ev) && self.top() != "help" {
            self.stack.push(Box::<pickers::Help>::default());
            return;
        }
        if !typing && self.keys.agenda_jump.matches(&ev) && !matches!(self.top(), "help" | "confirm") {
            self.jump_to_agenda();
            return;
        }
        // Behind the "too small" notice nothing is seen, so nothing may happen but help and quit.
        if self.too_small() {
            if !typing && self.keys.quit.matches(&ev) {
                self.interrupt();
            }
            return;
        }
        self.message = None;
        // The top screen is taken off while it updates, so that it can read the app's context.
        let Some(mut top) = self.stack.pop() else { return };
        let action = top.update(&ev, &self.cx());
        self.stack.push(top);
        self.act(action);
    }

    /// Text pasted in one piece goes to the focused text box at once, not key by key.
    pub fn on_paste(&mut self, text: &str) {
        if !self.too_small()
            && let Some(top) = self.stack.last_mut()
        {
            top.paste(text);
        }
    }

    pub(super) fn act(&mut self, action: Action) {
        match action {
            Action::None => {}
            Action::Back => self.close(1),
            Action::Quit => self.interrupt(),
            Action::Push(screen) => self.stack.push(screen),
            Action::Replace(screen) => {
                self.close(1);
                self.stack.push(screen);
            }
            Action::Leave(effect) => {
                self.perform(effect);
                self.close(1);
            }
            Action::Do(effect) => self.perform(effect),
            Action::Say(text) => self.message = Some(text),
        }
    }

    /// Closes `n` screens from the top, never the queue beneath them all.
    pub(super) fn close(&mut self, n: usize) {
        let keep = self.stack.len().saturating_sub(n).max(1);
        self.stack.truncate(keep);
    }

    /// Ctrl-C, or `q` on the queue: typed work is kept as a draft, or quitting is confirmed.
    fn interrupt(&mut self) {
        let mut lost = vec![];
        let unsaved: Vec<Unsaved> = self.stack.iter().filter_map(|s| s.unsaved()).collect();
        for u in unsaved {
            match u {
                Unsaved::Keep(effect) => self.perform(effect),
                Unsaved::Lose(what) => lost.push(what),
            }
        }
        if lost.is_empty() || self.top() == "quit" {
            self.quit = true;
        } else {
            self.stack.push(Box::new(pickers::QuitAnyway { lost }));
        }
    }

    pub fn on_mouse(&mut self, ev: MouseEvent) {
        match ev.kind {
            MouseEventKind::ScrollDown => self.on_key(KeyEvent::from(crossterm::event::KeyCode::Down)),
            MouseEventKind::ScrollUp => self.on_key(KeyEvent::from(crossterm::event::KeyCode::Up)),
            MouseEventKind::Down(MouseButton::Left) if !self.too_small() && self.stack.len() == 1 => {
                let area = Rect::new(0, 2, self.size.width, self.size.height.saturating_sub(4));
                if let Some(bottom) = self.stack.first_mut() {
                    bottom.click(ev.column, ev.row, area);
                }
            }
            _ => {}
        }
    }

    pub fn render(&self, frame: &mut Frame) {
        let area = frame.area();
        let t = &self.i18n;
        if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
            let text =
                t.t("app.too_small").replace("{w}", &area.width.to_string()).replace("{h}", &area.height.to_string());
            frame.render_widget(Paragraph::new(text).wrap(Wrap { trim: true }), area);
            if self.top() == "help" {
                self.render_screen(frame, self.stack.len() - 1, area);
            }
            return;
        }
        self.render_header(frame, Rect::new(area.x, area.y, area.width, 2));
        let body = Rect::new(area.x, area.y + 2, area.width, area.height.saturating_sub(4));
        // The topmost full screen, then every overlay above it.
        let base = self.stack.iter().rposition(|s| !s.overlay()).unwrap_or(0);
        for i in base..self.stack.len() {
            self.render_screen(frame, i, body);
        }
        let hints = self.stack.last().map(|s| s.hints()).unwrap_or(&[]);
        let bar = hints.iter().map(|k| t.t(k)).collect::<Vec<_>>().join("  ");
        let y = area.bottom() - 2;
        frame.buffer_mut().set_string(
            area.x,
            y,
            truncate(&bar, area.width as usize),
            Style::default().fg(Color::Black).bg(Color::Gray),
        );
        if let Some(m) = &self.message {
            let text = truncate(m, area.width as usize);
            frame.buffer_mut().set_string(area.x, y + 1, text, Style::default().fg(Color::Red));
        }
    }

    fn render_screen(&self, frame: &mut Frame, i: usize, area: Rect) {
        if let Some(s) = self.stack.get(i) {
            s.render(frame, area, &self.cx());
        }
    }

    fn render_header(&self, frame: &mut Frame, area: Rect) {
        let t = &self.i18n;
        let (title, date) = self
            .meeting
            .as_ref()
            .map(|(_, title, date)| (title.as_str(), date.as_str()))
            .unwrap_or((t.t("app.title"), ""));
        let role = match self.role {
            Some(ViewerRole::Secretariat) => t.t("role.secretariat"),
            Some(ViewerRole::Chair) => t.t("role.chair"),
            Some(ViewerRole::Expert) => t.t("role.expert"),
            _ => t.t("role.observer"),
        };
        let me = t.line(format!("{}：{}（{}） {}", t.t("header.me"), self.viewer.name, role, self.viewer.fingerprint));
        let room = (area.width as usize).saturating_sub(width(&me) + 2);
        let left = truncate(&format!("{} {date}", title), room);
        let gap = (area.width as usize).saturating_sub(width(&left) + width(&me));
        let line = Line::from(vec![
            Span::styled(left, Style::default().add_modifier(Modifier::BOLD)),
            Span::raw(" ".repeat(gap)),
            Span::styled(me, Style::default().fg(Color::Cyan)),
        ]);
        frame.buffer_mut().set_line(area.x, area.y, &line, area.width);
        let never = t.t("header.never");
        let sync = format!(
            "{} {}   {} {}",
            t.t("header.last_import"),
            self.last_import.as_deref().unwrap_or(never),
            t.t("header.last_export"),
            self.last_export.as_deref().unwrap_or(never)
        );
        frame.buffer_mut().set_string(
            area.x,
            area.y + 1,
            truncate(&sync, area.width as usize),
            Style::default().fg(Color::DarkGray),
        );
    }
}
