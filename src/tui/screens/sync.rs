//! Sync (同步): the bundles on mounted sticks or at a typed path, what one holds before it is
//! applied, the import report, exports to a stick, and the trusted secretariat keys.
//!
//! The screen only decides what to do; the app does it against the store (see `Effect`).

use super::{Action, Ctx, Effect, News, Screen, Signing};
use crate::bundle::{BundleSummary, ExportReport};
use crate::domain::text::{fit, fit_right, truncate};
use crate::media::{self, FoundBundle};
use crate::store::{ImportReport, TrustEntry};
use crate::tui::i18n::I18n;
use crate::tui::keymap::{KeyMap, any};
use crate::tui::widgets::{centered, clear, draw_editor, text_of};
use crossterm::event::{KeyCode, KeyEvent};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};
use ratatui_textarea::TextArea;
use std::path::PathBuf;

/// What a previewed bundle would meet on this machine.
#[derive(Clone, Debug, Default)]
pub struct Admission {
    /// The exporter is a trusted secretariat or sits on a panel known here (or opened by the bundle).
    pub exporter_known: bool,
    /// Secretariats of meetings in the bundle that this machine does not trust.
    pub untrusted_secretariats: Vec<Untrusted>,
}

/// A secretariat key a bundle names and this machine does not trust yet.
#[derive(Clone, Debug)]
pub struct Untrusted {
    pub name: String,
    pub fingerprint: String,
    pub key: String,
    pub suite: crate::ledger::Suite,
}

/// A signing key known on this machine, as the keys pane lists it.
#[derive(Clone, Debug)]
pub struct KeyRow {
    pub key: String,
    pub name: String,
    pub fingerprint: String,
    /// An i18n key: role.secretariat, role.chair, role.expert, or keys.replaced for a key whose
    /// seat a newer key took over.
    pub role: &'static str,
    /// The highest seq of this key's events held here.
    pub last_seq: Option<u64>,
    /// The revocation cut-off, if revoked.
    pub revoked: Option<u64>,
}

/// Revoking a key (吊销): the cut-off and the reason being written, then the confirmation.
pub struct RevokeForm {
    pub row: KeyRow,
    pub cutoff: TextArea<'static>,
    pub reason: TextArea<'static>,
    pub on_reason: bool,
    /// What is wrong with the form, in the reader's language.
    pub problem: Option<String>,
}

impl RevokeForm {
    pub fn new(row: KeyRow) -> RevokeForm {
        // The last event this machine holds is the usual cut-off: everything known so far stays.
        let cutoff = crate::tui::widgets::editor(&row.last_seq.unwrap_or(0).to_string());
        RevokeForm { row, cutoff, reason: crate::tui::widgets::editor(""), on_reason: true, problem: None }
    }

    fn signing(&self, cutoff: u64, reason: String, t: &I18n) -> Signing {
        let r = &self.row;
        let text = t.line(format!(
            "{}\n{}  {}\n\n{}\n\n{}：{cutoff}\n{}：{reason}",
            t.t("keys.revoke_what"),
            r.name,
            r.fingerprint,
            t.t("keys.cutoff_help").replace("{last}", &r.last_seq.unwrap_or(0).to_string()),
            t.t("keys.cutoff"),
            t.t("keys.reason")
        ));
        Signing {
            body: crate::ledger::Body::KeyRevoked { key: r.key.clone(), cutoff_seq: cutoff, reason },
            title: t.t("keys.revoke_title").to_string(),
            text,
            done: t.t("keys.revoked_done").replace("{seq}", &cutoff.to_string()),
            closes: 1,
            draft: None,
        }
    }
}

impl Screen for RevokeForm {
    fn name(&self) -> &'static str {
        "revoke"
    }

    fn update(&mut self, ev: &KeyEvent, cx: &Ctx) -> Action {
        self.problem = None;
        match ev.code {
            KeyCode::Esc => return Action::Back,
            KeyCode::Tab | KeyCode::BackTab => self.on_reason = !self.on_reason,
            KeyCode::Enter => {
                let cutoff = crate::ledger::event::parse_cutoff(&self.cutoff.lines().join(""));
                let reason = crate::domain::text::Reason::parse(&text_of(&self.reason));
                match (cutoff, reason) {
                    (Err(_), _) => self.problem = Some(cx.t.t("keys.bad_cutoff").to_string()),
                    (Ok(_), Err(e)) => self.problem = Some(cx.t.error(&e)),
                    (Ok(cutoff), Ok(reason)) => {
                        return Action::Do(Effect::Review(Box::new(self.signing(cutoff, reason.to_string(), cx.t))));
                    }
                }
            }
            _ if self.on_reason => {
                self.reason.input(*ev);
            }
            _ => {
                self.cutoff.input(*ev);
            }
        }
        Action::None
    }

    fn paste(&mut self, text: &str) {
        let one_line = text.replace(['\r', '\n'], " ");
        if self.on_reason {
            self.reason.insert_str(one_line)
        } else {
            self.cutoff.insert_str(one_line.trim())
        };
    }

    fn render(&self, frame: &mut Frame, area: Rect, cx: &Ctx) {
        render_revoke(self, cx.t, frame, area);
    }

    fn hints(&self) -> &'static [&'static str] {
        &["keys.key_review", "keys.key_field", "keys.back"]
    }

    fn overlay(&self) -> bool {
        true
    }

    fn typing(&self) -> bool {
        true
    }

    fn unsaved(&self) -> Option<super::Unsaved> {
        let typed = text_of(&self.reason);
        (!typed.is_empty()).then(|| super::Unsaved::Lose(format!("{}：{typed}", self.row.name)))
    }
}

/// Trusting a secretariat's key (信任): its fingerprint in large groups, read aloud or checked
/// on the phone, and its last group typed back to confirm.
pub struct TrustForm {
    pub who: Untrusted,
    typed: TextArea<'static>,
    problem: Option<String>,
}

impl TrustForm {
    pub fn new(who: Untrusted) -> TrustForm {
        TrustForm { who, typed: crate::tui::widgets::editor(""), problem: None }
    }

    fn last_group(&self) -> &str {
        self.who.fingerprint.rsplit('-').next().unwrap_or("")
    }
}

impl Screen for TrustForm {
    fn name(&self) -> &'static str {
        "trust"
    }

    fn update(&mut self, ev: &KeyEvent, cx: &Ctx) -> Action {
        self.problem = None;
        match ev.code {
            KeyCode::Esc => Action::Back,
            KeyCode::Enter => {
                let typed = text_of(&self.typed).to_uppercase();
                if !typed.is_empty() && typed == self.last_group().to_uppercase() {
                    let w = &self.who;
                    Action::Do(Effect::Trust { key: w.key.clone(), name: w.name.clone(), suite: w.suite })
                } else {
                    self.problem = Some(cx.t.t("trust.mismatch").to_string());
                    Action::None
                }
            }
            _ => {
                self.typed.input(*ev);
                Action::None
            }
        }
    }

    fn paste(&mut self, text: &str) {
        self.typed.insert_str(text.trim());
    }

    fn render(&self, frame: &mut Frame, area: Rect, cx: &Ctx) {
        let t = cx.t;
        let rect = centered(area, 64, 13);
        clear(frame, rect);
        let outer = Block::default().borders(Borders::ALL).title(t.t("trust.title").to_string());
        let inner = outer.inner(rect);
        frame.render_widget(outer, rect);
        let groups = self.who.fingerprint.split('-').collect::<Vec<_>>().join("   ");
        let big = Style::default().add_modifier(Modifier::BOLD).fg(Color::Cyan);
        let lines = vec![
            Line::from(t.t("trust.who").replace("{name}", &crate::domain::text::printable(&self.who.name))),
            Line::from(""),
            Line::from(Span::styled(format!("  {groups}"), big)),
            Line::from(""),
            Line::from(t.t("trust.check").to_string()),
        ];
        frame.render_widget(
            Paragraph::new(lines).wrap(Wrap { trim: false }),
            Rect::new(inner.x, inner.y, inner.width, 7),
        );
        let box_area = Rect::new(inner.x, inner.y + 7, 24.min(inner.width), 3);
        let block = Block::default().borders(Borders::ALL).title(t.t("trust.last_group").to_string());
        draw_editor(frame, &self.typed, block, box_area, true);
        if let Some(p) = &self.problem {
            frame.render_widget(Paragraph::new(warn(p.clone())), Rect::new(inner.x, inner.y + 10, inner.width, 1));
        }
    }

    fn hints(&self) -> &'static [&'static str] {
        &["trust.key_enter", "keys.back"]
    }

    fn overlay(&self) -> bool {
        true
    }

    fn typing(&self) -> bool {
        true
    }
}

/// The right-hand pane.
pub enum Pane {
    Trusted,
    /// Every signing key this machine knows, with the highlighted row.
    Keys {
        rows: Vec<KeyRow>,
        at: usize,
    },
    Preview {
        path: PathBuf,
        summary: Box<BundleSummary>,
        admission: Admission,
    },
    Working(&'static str),
    Report {
        path: PathBuf,
        summary: Box<BundleSummary>,
        report: ImportReport,
    },
    Exported(ExportReport),
    Failed {
        path: PathBuf,
        error: String,
    },
}

pub struct SyncState {
    pub volumes: Vec<PathBuf>,
    pub found: Vec<FoundBundle>,
    pub selected: usize,
    /// A typed path, completed with Tab.
    pub path: TextArea<'static>,
    pub typing: bool,
    pub candidates: Vec<String>,
    /// What Enter acts on: the selected bundle, or the path typed last.
    pub target: Option<PathBuf>,
    /// Export every event on this machine, rather than only the open meeting's.
    pub whole_machine: bool,
    pub meeting: Option<String>,
    pub trusted: Vec<TrustEntry>,
    pub pane: Pane,
    /// A message key for the problem with the last request, shown in the pane's place.
    pub error: Option<String>,
    /// The path box asks for the recipient's public key file; the export goes to this folder.
    pub recipient_for: Option<PathBuf>,
    /// The identity in use is a secretariat, who may revoke keys.
    pub may_revoke: bool,
}

impl SyncState {
    pub fn new(meeting: Option<String>, trusted: Vec<TrustEntry>) -> SyncState {
        let mut s = SyncState {
            volumes: vec![],
            found: vec![],
            selected: 0,
            path: TextArea::default(),
            typing: false,
            candidates: vec![],
            target: None,
            whole_machine: meeting.is_none(),
            meeting,
            trusted,
            pane: Pane::Trusted,
            error: None,
            may_revoke: false,
            recipient_for: None,
        };
        s.rescan();
        s
    }

    /// Looks at the mounted sticks again.
    pub fn rescan(&mut self) {
        self.volumes = media::usb_volumes();
        self.refresh();
    }

    /// Lists the bundles on the same sticks again, after an export wrote one.
    pub fn refresh(&mut self) {
        self.found = media::bundles_on(&self.volumes);
        self.selected = self.selected.min(self.found.len().saturating_sub(1));
        if self.target.as_ref().is_none_or(|t| !t.exists()) {
            self.target = self.found.get(self.selected).map(|f| f.path.clone());
        }
    }

    fn typed(&self) -> String {
        self.path.lines().join("").trim().to_string()
    }

    /// A path as a person names it: the stick's name and the path on it, or the whole path
    /// when it is not on a stick.
    pub fn place(&self, path: &std::path::Path, t: &I18n) -> String {
        self.volumes
            .iter()
            .find_map(|v| {
                let rest = path.strip_prefix(v).ok()?;
                let name = v.file_name()?.to_string_lossy();
                let stick = t.t("sync.stick").replace("{name}", &name);
                Some(if rest.as_os_str().is_empty() { stick } else { format!("{stick} › {}", rest.display()) })
            })
            .unwrap_or_else(|| path.display().to_string())
    }

    /// The folder an export goes to: a typed folder, else the stick of the selected bundle,
    /// else the only stick.
    pub fn export_dir(&self) -> Result<PathBuf, &'static str> {
        let typed = PathBuf::from(self.typed());
        if !self.typed().is_empty() && typed.is_dir() {
            return Ok(typed);
        }
        if let Some(f) = self.found.get(self.selected) {
            return Ok(f.volume.clone());
        }
        match self.volumes.as_slice() {
            [one] => Ok(one.clone()),
            [] => Err("sync.no_target"),
            _ => Err("sync.many_targets"),
        }
    }

    /// Up, down and revoke in the keys pane; whether the key was handled there.
    fn on_keys_pane(&mut self, keys: &KeyMap, ev: &KeyEvent) -> Option<Action> {
        let Pane::Keys { rows, at } = &mut self.pane else { return None };
        if any(&keys.up, ev) || any(&keys.down, ev) {
            let last = rows.len().saturating_sub(1);
            *at = if any(&keys.up, ev) { at.saturating_sub(1) } else { (*at + 1).min(last) };
            return Some(Action::None);
        }
        if keys.revoke.matches(ev) {
            return Some(match rows.get(*at) {
                Some(_) if !self.may_revoke => {
                    self.error = Some("keys.only_secretariat".into());
                    Action::None
                }
                Some(row) => Action::Push(Box::new(RevokeForm::new(row.clone()))),
                None => Action::None,
            });
        }
        None
    }

    fn on_key(&mut self, keys: &KeyMap, ev: &KeyEvent) -> Action {
        self.error = None;
        if self.typing {
            return self.on_typing_key(ev);
        }
        if let Some(action) = self.on_keys_pane(keys, ev) {
            return action;
        }
        if any(&keys.back, ev) {
            // Esc closes what the pane shows before it closes the screen.
            if matches!(self.pane, Pane::Trusted) {
                return Action::Back;
            }
            self.pane = Pane::Trusted;
            return Action::None;
        }
        if keys.keys.matches(ev) {
            return Action::Do(Effect::ListKeys);
        }
        if keys.trust.matches(ev) {
            return match &self.pane {
                Pane::Preview { admission, .. } => match admission.untrusted_secretariats.first() {
                    Some(u) => Action::Push(Box::new(TrustForm::new(u.clone()))),
                    None => Action::Say(String::new()),
                },
                _ => {
                    self.error = Some("trust.preview_first".into());
                    Action::None
                }
            };
        }
        let last = self.found.len().saturating_sub(1);
        if any(&keys.up, ev) || any(&keys.down, ev) {
            let before = self.selected;
            self.selected =
                if any(&keys.up, ev) { self.selected.saturating_sub(1) } else { (self.selected + 1).min(last) };
            if before != self.selected {
                self.pane = Pane::Trusted;
                self.target = self.found.get(self.selected).map(|f| f.path.clone());
            }
        } else if keys.open.matches(ev) {
            let Some(target) = self.target.clone() else {
                self.error = Some("sync.no_volume".into());
                return Action::None;
            };
            return self.preview_or_apply(target);
        } else if keys.edit.matches(ev) {
            self.typing = true;
        } else if keys.export.matches(ev) || keys.export_encrypted.matches(ev) {
            let dir = match self.export_dir() {
                Ok(dir) => dir,
                Err(key) => {
                    self.error = Some(key.into());
                    return Action::None;
                }
            };
            if keys.export_encrypted.matches(ev) {
                // Ask for the recipient's .pub file in the path box.
                self.recipient_for = Some(dir);
                self.path = TextArea::default();
                self.typing = true;
                return Action::None;
            }
            self.pane = Pane::Working("sync.working_export");
            return Action::Do(Effect::Export { dir, meeting: self.export_scope(), recipient: None });
        } else if keys.scope.matches(ev) && self.meeting.is_some() {
            self.whole_machine = !self.whole_machine;
        } else if keys.trusted.matches(ev) {
            self.pane = Pane::Trusted;
        } else if keys.rescan.matches(ev) {
            self.pane = Pane::Trusted;
            self.rescan();
        }
        Action::None
    }

    /// The first Enter shows what a bundle holds; the second, on the same bundle, applies it.
    fn preview_or_apply(&mut self, target: PathBuf) -> Action {
        match &self.pane {
            Pane::Preview { path, .. } if *path == target => {
                self.pane = Pane::Working("sync.working_import");
                Action::Do(Effect::Import(target))
            }
            _ => {
                self.pane = Pane::Working("sync.working_preview");
                Action::Do(Effect::Preview(target))
            }
        }
    }

    fn export_scope(&self) -> Option<String> {
        if self.whole_machine { None } else { self.meeting.clone() }
    }

    fn on_typing_key(&mut self, ev: &KeyEvent) -> Action {
        match ev.code {
            KeyCode::Esc => {
                self.typing = false;
                self.recipient_for = None;
            }
            KeyCode::Tab => {
                let done = media::complete(&self.typed());
                self.path = TextArea::new(vec![done.text]);
                self.path.move_cursor(ratatui_textarea::CursorMove::End);
                self.candidates = done.candidates;
            }
            KeyCode::Enter => {
                let typed = self.typed();
                if typed.is_empty() {
                    return Action::None;
                }
                self.typing = false;
                self.candidates.clear();
                if let Some(dir) = self.recipient_for.take() {
                    self.path = TextArea::default();
                    self.pane = Pane::Working("sync.working_export");
                    return Action::Do(Effect::Export {
                        dir,
                        meeting: self.export_scope(),
                        recipient: Some(typed.into()),
                    });
                }
                self.target = Some(PathBuf::from(&typed));
                return self.preview_or_apply(PathBuf::from(typed));
            }
            _ => {
                self.candidates.clear();
                self.path.input(*ev);
            }
        }
        Action::None
    }
}

impl Screen for SyncState {
    fn name(&self) -> &'static str {
        "sync"
    }

    fn update(&mut self, ev: &KeyEvent, cx: &Ctx) -> Action {
        self.on_key(cx.keys, ev)
    }

    fn render(&self, frame: &mut Frame, area: Rect, cx: &Ctx) {
        render(self, cx.t, frame, area);
    }

    fn hints(&self) -> &'static [&'static str] {
        hints(self)
    }

    fn typing(&self) -> bool {
        self.typing
    }

    fn paste(&mut self, text: &str) {
        if self.typing {
            self.path.insert_str(text.trim());
        }
    }

    fn receive(&mut self, news: News) {
        match news {
            News::Pane(pane) => {
                self.pane = pane;
                self.refresh();
            }
            News::Trusted(list) => self.trusted = list,
            News::Problem(p) => self.pane = Pane::Failed { path: PathBuf::new(), error: p },
            _ => {}
        }
    }
}

/// Sizes as people read them: 980 B, 12.3 KB, 4.5 MB.
pub fn human_bytes(n: u64) -> String {
    match n {
        0..1_000 => format!("{n} B"),
        1_000..1_000_000 => format!("{:.1} KB", n as f64 / 1e3),
        1_000_000..1_000_000_000 => format!("{:.1} MB", n as f64 / 1e6),
        _ => format!("{:.2} GB", n as f64 / 1e9),
    }
}

fn heading(text: &str) -> Line<'static> {
    Line::from(Span::styled(text.to_string(), Style::default().add_modifier(Modifier::BOLD).fg(Color::Cyan)))
}

fn warn(text: String) -> Line<'static> {
    Line::from(Span::styled(text, Style::default().fg(Color::Yellow)))
}

pub fn render(s: &SyncState, t: &I18n, frame: &mut Frame, area: Rect) {
    let left_w = (area.width * 2 / 5).max(30);
    let left = Rect::new(area.x, area.y, left_w, area.height);
    let right = Rect::new(area.x + left_w + 1, area.y, area.width.saturating_sub(left_w + 1), area.height);
    render_left(s, t, frame, left);
    let (title, lines) = pane(s, t);
    let block = Block::default().borders(Borders::LEFT).title(title);
    // Keep the highlighted key (two lines each) on screen.
    let scroll = match &s.pane {
        Pane::Keys { at, .. } if s.error.is_none() => (at * 2 + 2).saturating_sub(right.height as usize) as u16,
        _ => 0,
    };
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }).block(block).scroll((scroll, 0)), right);
}

fn render_left(s: &SyncState, t: &I18n, frame: &mut Frame, area: Rect) {
    let w = area.width as usize;
    let buf = frame.buffer_mut();
    buf.set_string(area.x, area.y, fit(t.t("sync.on_sticks"), w), Style::default().add_modifier(Modifier::BOLD));
    // Below the list: the export scope and target (2 lines), then the path box (3 lines).
    let list_h = area.height.saturating_sub(1 + 2 + 3) as usize;
    let mut y = area.y + 1;
    if s.volumes.is_empty() {
        let p = Paragraph::new(t.t("sync.no_volume")).wrap(Wrap { trim: true }).style(Style::default().fg(Color::Gray));
        frame.render_widget(p, Rect::new(area.x, y, area.width, list_h as u16));
    } else if s.found.is_empty() {
        buf.set_string(area.x, y, fit(t.t("sync.no_bundles"), w), Style::default().fg(Color::Gray));
    } else {
        let top = s.selected.saturating_sub(list_h.saturating_sub(1));
        for f in s.found.iter().skip(top).take(list_h) {
            let name = f.path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            let size = human_bytes(f.bytes);
            let text = format!("{} {}", fit(&name, w.saturating_sub(10)), fit_right(&size, 9));
            let style = if s.target.as_ref() == Some(&f.path) && !s.typing {
                Style::default().add_modifier(Modifier::REVERSED)
            } else {
                Style::default()
            };
            buf.set_string(area.x, y, fit(&text, w), style);
            y += 1;
        }
    }
    let y = area.y + 1 + list_h as u16;
    let scope = match (&s.meeting, s.whole_machine) {
        (Some(id), false) => t.t("sync.scope_meeting").replace("{id}", id),
        _ => t.t("sync.scope_all").to_string(),
    };
    let buf = frame.buffer_mut();
    buf.set_string(area.x, y, fit(&t.line(format!("{}：{scope}", t.t("sync.scope"))), w), Style::default());
    let target = match s.export_dir() {
        Ok(dir) => s.place(&dir, t),
        Err(_) => t.t("sync.nowhere").to_string(),
    };
    buf.set_string(
        area.x,
        y + 1,
        truncate(&t.line(format!("{}：{target}", t.t("sync.export_to"))), w),
        Style::default().fg(Color::DarkGray),
    );
    let boxed = Rect::new(area.x, y + 2, area.width, 3);
    let style = if s.typing { Style::default().fg(Color::Yellow) } else { Style::default() };
    let title = if s.recipient_for.is_some() { t.t("sync.recipient_path") } else { t.t("sync.path") };
    let block = Block::default().borders(Borders::ALL).border_style(style).title(title.to_string());
    draw_editor(frame, &s.path, block, boxed, s.typing);
}

fn pane(s: &SyncState, t: &I18n) -> (String, Vec<Line<'static>>) {
    if let Some(key) = &s.error {
        return (t.t("sync.title").to_string(), vec![warn(t.t(key).to_string())]);
    }
    if s.typing && s.recipient_for.is_some() && s.candidates.is_empty() {
        // The whole request, wrapped in the pane: the box's title is only its name.
        return (t.t("sync.recipient_title").to_string(), vec![Line::from(t.t("sync.recipient_help").to_string())]);
    }
    if s.typing && !s.candidates.is_empty() {
        let lines = s.candidates.iter().map(|c| Line::from(c.clone())).collect();
        return (t.t("sync.candidates").to_string(), lines);
    }
    match &s.pane {
        Pane::Trusted => (t.t("sync.trusted").to_string(), trusted(s, t)),
        Pane::Keys { rows, at } => (t.t("keys.title").to_string(), key_lines(rows, *at, t)),
        Pane::Working(key) => (t.t("sync.title").to_string(), vec![Line::from(t.t(key).to_string())]),
        Pane::Preview { path, summary, admission } => {
            // What to do and what is wrong come first: a bundle of many meetings and authors
            // fills a short pane, and a warning below its end would go unseen.
            let mut lines = vec![Line::from(s.place(path, t))];
            if !admission.exporter_known {
                lines.push(warn(t.t("sync.exporter_unknown").to_string()));
            }
            for u in &admission.untrusted_secretariats {
                lines.push(warn(
                    t.t("sync.secretariat_untrusted").replace("{name}", &u.name).replace("{fp}", &u.fingerprint),
                ));
            }
            lines.push(Line::from(Span::styled(
                t.t("sync.enter_to_apply").to_string(),
                Style::default().add_modifier(Modifier::BOLD),
            )));
            lines.push(Line::from(""));
            lines.extend(holds(summary, t));
            (t.t("sync.preview").to_string(), lines)
        }
        Pane::Report { path, summary, report } => {
            (t.t("sync.report").to_string(), report_lines(&s.place(path, t), summary, report, t))
        }
        Pane::Exported(r) => {
            let lines = vec![
                Line::from(s.place(&r.path, t)),
                Line::from(
                    t.t("sync.exported_line")
                        .replace("{events}", &r.events.to_string())
                        .replace("{authors}", &r.authors.to_string())
                        .replace("{docs}", &r.blobs.to_string())
                        .replace("{bytes}", &human_bytes(r.bytes)),
                ),
                Line::from(t.line(format!("{}：{}", t.t("sync.meetings"), r.meetings.join(", ")))),
            ];
            (t.t("sync.exported").to_string(), lines)
        }
        Pane::Failed { path, error } => {
            let lines = vec![Line::from(s.place(path, t)), Line::from(""), warn(error.clone())];
            (t.t("sync.failed").to_string(), lines)
        }
    }
}

fn trusted(s: &SyncState, t: &I18n) -> Vec<Line<'static>> {
    if s.trusted.is_empty() {
        return vec![Line::from(t.t("sync.no_trusted").to_string())];
    }
    s.trusted
        .iter()
        .map(|e| Line::from(format!("{}  {}  {}", e.fingerprint, fit(&e.name, 16), e.added_at.get(..10).unwrap_or(""))))
        .collect()
}

fn key_lines(rows: &[KeyRow], at: usize, t: &I18n) -> Vec<Line<'static>> {
    // Two lines a key, so that a narrow pane shows the whole fingerprint.
    let mut lines: Vec<Line> = Vec::new();
    for (i, r) in rows.iter().enumerate() {
        let seq = r.last_seq.map(|n| format!("#{n}")).unwrap_or_else(|| "-".into());
        let state = r.revoked.map(|c| t.t("keys.revoked_at").replace("{seq}", &c.to_string())).unwrap_or_default();
        let mut style = if r.revoked.is_some() { Style::default().fg(Color::Red) } else { Style::default() };
        if i == at {
            style = style.add_modifier(Modifier::REVERSED);
        }
        let marker = if i == at { "▶ " } else { "  " };
        lines.push(Line::from(Span::styled(
            format!("{marker}{}  {}  {}  {state}", fit(&r.name, 12), fit(t.t(r.role), 10), fit_right(&seq, 5)),
            style,
        )));
        lines.push(Line::from(Span::styled(format!("    {}", r.fingerprint), Style::default().fg(Color::DarkGray))));
    }
    lines.push(Line::from(""));
    lines.push(Line::from(Span::styled(t.t("keys.hint").to_string(), Style::default().fg(Color::DarkGray))));
    lines
}

/// The revocation form, over the pane.
pub fn render_revoke(form: &RevokeForm, t: &I18n, frame: &mut Frame, area: Rect) {
    let popup = centered(area, 70, 12);
    clear(frame, popup);
    let outer = Block::default().borders(Borders::ALL).title(t.t("keys.revoke_title"));
    let inner = outer.inner(popup);
    frame.render_widget(outer, popup);
    let r = &form.row;
    let head = vec![
        Line::from(format!("{}  {}", r.fingerprint, r.name)),
        Line::from(t.t("keys.cutoff_help").replace("{last}", &r.last_seq.unwrap_or(0).to_string())),
    ];
    frame.render_widget(Paragraph::new(head).wrap(Wrap { trim: true }), Rect::new(inner.x, inner.y, inner.width, 3));
    let field = |label: &str, focused: bool| {
        let style = if focused { Style::default().fg(Color::Cyan) } else { Style::default() };
        Block::default().borders(Borders::ALL).border_style(style).title(label.to_string())
    };
    let cutoff_area = Rect::new(inner.x, inner.y + 3, 24.min(inner.width), 3);
    let reason_area = Rect::new(inner.x, inner.y + 6, inner.width, 3);
    draw_editor(frame, &form.cutoff, field(t.t("keys.cutoff"), !form.on_reason), cutoff_area, !form.on_reason);
    draw_editor(frame, &form.reason, field(t.t("keys.reason"), form.on_reason), reason_area, form.on_reason);
    let bottom = form.problem.clone().map(warn).unwrap_or_else(|| Line::from(t.t("keys.form_hint").to_string()));
    frame.render_widget(Paragraph::new(bottom), Rect::new(inner.x, inner.y + 9, inner.width, 1));
}

fn holds(s: &BundleSummary, t: &I18n) -> Vec<Line<'static>> {
    let mut lines = vec![
        Line::from(exporter_line(s, t)),
        Line::from(t.line(format!("{}：{}", t.t("sync.created"), s.created.format("%Y-%m-%d %H:%M")))),
        Line::from(
            t.t("sync.holds_line")
                .replace("{events}", &s.events.to_string())
                .replace("{apps}", &s.applications.to_string())
                .replace("{docs}", &s.blobs.to_string())
                .replace("{bytes}", &human_bytes(s.bytes)),
        ),
        heading(t.t("sync.meetings")),
    ];
    for id in &s.meeting_ids {
        let opened = s.meetings.iter().find(|m| &m.id == id);
        lines.push(Line::from(match opened {
            Some(m) => format!("  {id}  {}  {}", m.date, m.title),
            None => format!("  {id}"),
        }));
    }
    lines.push(heading(t.t("sync.authors")));
    let mut authors: Vec<_> = s.authors.iter().collect();
    authors.sort_by(|a, b| (&a.name, &a.key).cmp(&(&b.name, &b.key)));
    for a in authors {
        let mut notes: Vec<String> =
            a.gaps
                .iter()
                .map(|(f, to)| {
                    if f == to { format!("{} {f}", t.t("sync.gap")) } else { format!("{} {f}–{to}", t.t("sync.gap")) }
                })
                .collect();
        notes.extend(a.forks.iter().map(|n| format!("{} {n}", t.t("sync.fork_at"))));
        lines.push(Line::from(format!(
            "  {}  #{}–#{}  {}  {}",
            fit(&a.name, 8),
            a.first_seq,
            a.last_seq,
            a.count,
            notes.join(" ")
        )));
    }
    lines
}

fn report_lines(place: &str, s: &BundleSummary, r: &ImportReport, t: &I18n) -> Vec<Line<'static>> {
    let mut lines = vec![
        Line::from(place.to_string()),
        Line::from(exporter_line(s, t)),
        Line::from(Span::styled(
            t.t("sync.report_line")
                .replace("{new}", &r.new.to_string())
                .replace("{dup}", &r.duplicate.to_string())
                .replace("{held}", &r.quarantined.to_string())
                .replace("{rejected}", &r.rejected.to_string())
                .replace("{docs}", &r.blobs_stored.to_string()),
            Style::default().add_modifier(Modifier::BOLD),
        )),
    ];
    if r.released > 0 {
        lines.push(Line::from(t.t("sync.released").replace("{n}", &r.released.to_string())));
    }
    let mut reasons: std::collections::BTreeMap<&str, usize> = std::collections::BTreeMap::new();
    for (_, reason) in &r.refusals {
        *reasons.entry(reason.get(t.lang)).or_default() += 1;
    }
    for (reason, n) in reasons {
        lines.push(warn(format!("× {n}  {}", shorten_keys(reason))));
    }
    for key in &r.forked_keys {
        let who = s.authors.iter().find(|a| &a.key == key).map(|a| a.name.clone()).unwrap_or_else(|| key.clone());
        lines.push(warn(t.t("sync.fork").replace("{who}", &who)));
    }
    if r.still_held > 0 {
        lines.push(Line::from(t.t("sync.still_held").replace("{n}", &r.still_held.to_string())));
    }
    lines
}

pub fn hints(s: &SyncState) -> &'static [&'static str] {
    if s.typing && s.recipient_for.is_some() {
        &["sync.key_complete", "sync.key_encrypt_to", "sync.key_cancel"]
    } else if s.typing {
        &["sync.key_complete", "sync.key_enter", "sync.key_cancel"]
    } else if matches!(s.pane, Pane::Preview { .. }) {
        &["sync.key_apply", "sync.key_trust", "sync.key_close_preview", "sync.key_export", "sync.key_keys"]
    } else if matches!(s.pane, Pane::Keys { .. }) {
        &["keys.move", "keys.key_revoke", "sync.key_close_preview"]
    } else {
        &[
            "sync.key_enter",
            "sync.key_export",
            "sync.key_export_encrypted",
            "sync.key_path",
            "sync.key_scope",
            "sync.key_trusted",
            "sync.key_keys",
            "sync.key_rescan",
            "keys.back",
        ]
    }
}

/// Long hex keys inside a message, shortened to their ends so that wrapping never breaks one.
fn shorten_keys(text: &str) -> String {
    let mut out = String::new();
    let mut run = String::new();
    let flush = |run: &mut String, out: &mut String| {
        if run.len() >= 24 {
            out.push_str(&format!("{}…{}", &run[..8], &run[run.len() - 8..]));
        } else {
            out.push_str(run);
        }
        run.clear();
    };
    for c in text.chars() {
        if c.is_ascii_hexdigit() {
            run.push(c);
        } else {
            flush(&mut run, &mut out);
            out.push(c);
        }
    }
    flush(&mut run, &mut out);
    out
}

/// The exporter by the fingerprint of the key that signed the bundle, with the name the bundle
/// claims marked as a claim: anyone can write any name into a manifest.
fn exporter_line(s: &crate::bundle::BundleSummary, t: &I18n) -> String {
    let name = crate::domain::text::printable(&s.exporter.name);
    t.line(format!("{}：{}（{}“{name}”）", t.t("sync.exporter"), s.exporter_fingerprint, t.t("sync.claims")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_like_a_file_manager() {
        assert_eq!(human_bytes(980), "980 B");
        assert_eq!(human_bytes(12_345), "12.3 KB");
        assert_eq!(human_bytes(4_500_000), "4.5 MB");
    }

    #[test]
    fn keys_in_a_refusal_are_shortened_to_their_ends() {
        let key = "a".repeat(30) + &"b".repeat(34);
        assert_eq!(shorten_keys(&format!("密钥 {key} 已吊销")), "密钥 aaaaaaaa…bbbbbbbb 已吊销");
        assert_eq!(shorten_keys("seq 12 of face"), "seq 12 of face");
    }
}
