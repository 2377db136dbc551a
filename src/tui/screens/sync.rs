//! Sync (同步): the bundles on mounted sticks or at a typed path, what one holds before it is
//! applied, the import report, exports to a stick, and the trusted secretariat keys.
//!
//! The screen only decides what to do; the app does it against the store (see `Outcome`).

use crate::bundle::{BundleSummary, ExportReport};
use crate::domain::text::{fit, fit_right, truncate};
use crate::media::{self, FoundBundle};
use crate::store::{ImportReport, TrustEntry};
use crate::tui::i18n::I18n;
use crate::tui::keymap::{KeyMap, any};
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
    /// Secretariats of meetings in the bundle that this machine does not trust: (name, fingerprint).
    pub untrusted_secretariats: Vec<(String, String)>,
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

/// Revoking a key (吊销): the cut-off and the reason being written.
pub struct RevokeForm {
    pub row: KeyRow,
    pub cutoff: TextArea<'static>,
    pub reason: TextArea<'static>,
    pub on_reason: bool,
    /// An i18n key for what is wrong with the form.
    pub problem: Option<&'static str>,
}

impl RevokeForm {
    fn new(row: KeyRow) -> RevokeForm {
        // The last event this machine holds is the usual cut-off: everything known so far stays.
        let cutoff = TextArea::new(vec![row.last_seq.unwrap_or(0).to_string()]);
        let mut form = RevokeForm { row, cutoff, reason: TextArea::default(), on_reason: true, problem: None };
        form.cutoff.move_cursor(ratatui_textarea::CursorMove::End);
        form
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
    pub revoke: Option<RevokeForm>,
}

/// What the sync screen asks the app to do.
pub enum Outcome {
    None,
    Back,
    Preview(PathBuf),
    Apply(PathBuf),
    /// Export to `dir`, encrypted to the key in the `recipient` file when there is one.
    Export {
        dir: PathBuf,
        meeting: Option<String>,
        recipient: Option<PathBuf>,
    },
    Rescan,
    /// List the keys this machine knows.
    Keys,
    /// Sign a revocation of `key` from `cutoff` on.
    Revoke {
        key: String,
        cutoff: u64,
        reason: String,
    },
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
            revoke: None,
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

    pub fn update(&mut self, keys: &KeyMap, ev: &KeyEvent) -> Outcome {
        self.error = None;
        if self.revoke.is_some() {
            return self.on_revoke_key(ev);
        }
        if self.typing {
            return self.on_typing_key(ev);
        }
        if let Pane::Keys { rows, at } = &mut self.pane {
            if any(&keys.up, ev) || any(&keys.down, ev) {
                let last = rows.len().saturating_sub(1);
                *at = if any(&keys.up, ev) { at.saturating_sub(1) } else { (*at + 1).min(last) };
                return Outcome::None;
            }
            if keys.revoke.matches(ev) {
                match rows.get(*at) {
                    Some(_) if !self.may_revoke => self.error = Some("keys.only_secretariat".into()),
                    Some(row) => self.revoke = Some(RevokeForm::new(row.clone())),
                    None => {}
                }
                return Outcome::None;
            }
            if any(&keys.back, ev) {
                self.pane = Pane::Trusted;
                return Outcome::None;
            }
        }
        if keys.keys.matches(ev) {
            return Outcome::Keys;
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
                return Outcome::None;
            };
            return self.preview_or_apply(target);
        } else if keys.edit.matches(ev) {
            self.typing = true;
        } else if keys.export.matches(ev) || keys.export_encrypted.matches(ev) {
            let dir = match self.export_dir() {
                Ok(dir) => dir,
                Err(key) => {
                    self.error = Some(key.into());
                    return Outcome::None;
                }
            };
            if keys.export_encrypted.matches(ev) {
                // Ask for the recipient's .pub file in the path box.
                self.recipient_for = Some(dir);
                self.path = TextArea::default();
                self.typing = true;
                return Outcome::None;
            }
            return Outcome::Export { dir, meeting: self.export_scope(), recipient: None };
        } else if keys.scope.matches(ev) && self.meeting.is_some() {
            self.whole_machine = !self.whole_machine;
        } else if keys.trusted.matches(ev) {
            self.pane = Pane::Trusted;
        } else if keys.rescan.matches(ev) {
            self.pane = Pane::Trusted;
            return Outcome::Rescan;
        } else if any(&keys.back, ev) {
            return Outcome::Back;
        }
        Outcome::None
    }

    /// The first Enter shows what a bundle holds; the second, on the same bundle, applies it.
    fn preview_or_apply(&mut self, target: PathBuf) -> Outcome {
        match &self.pane {
            Pane::Preview { path, .. } if *path == target => Outcome::Apply(target),
            _ => Outcome::Preview(target),
        }
    }

    fn on_revoke_key(&mut self, ev: &KeyEvent) -> Outcome {
        let Some(form) = &mut self.revoke else { return Outcome::None };
        form.problem = None;
        match ev.code {
            KeyCode::Esc => self.revoke = None,
            KeyCode::Tab | KeyCode::BackTab => form.on_reason = !form.on_reason,
            KeyCode::Enter => {
                let cutoff = crate::ledger::event::parse_cutoff(&form.cutoff.lines().join(""));
                let reason = form.reason.lines().join(" ").trim().to_string();
                match (cutoff, reason.is_empty()) {
                    (Err(_), _) => form.problem = Some("keys.bad_cutoff"),
                    (Ok(_), true) => form.problem = Some("keys.no_reason"),
                    (Ok(cutoff), false) => {
                        let key = form.row.key.clone();
                        self.revoke = None;
                        return Outcome::Revoke { key, cutoff, reason };
                    }
                }
            }
            _ if form.on_reason => {
                form.reason.input(*ev);
            }
            _ => {
                form.cutoff.input(*ev);
            }
        }
        Outcome::None
    }

    fn export_scope(&self) -> Option<String> {
        if self.whole_machine { None } else { self.meeting.clone() }
    }

    fn on_typing_key(&mut self, ev: &KeyEvent) -> Outcome {
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
                    return Outcome::None;
                }
                self.typing = false;
                self.candidates.clear();
                if let Some(dir) = self.recipient_for.take() {
                    self.path = TextArea::default();
                    return Outcome::Export { dir, meeting: self.export_scope(), recipient: Some(typed.into()) };
                }
                self.target = Some(PathBuf::from(typed));
                return self.preview_or_apply(PathBuf::from(self.typed()));
            }
            _ => {
                self.candidates.clear();
                self.path.input(*ev);
            }
        }
        Outcome::None
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
    let mut editor = s.path.clone();
    let style = if s.typing { Style::default().fg(Color::Yellow) } else { Style::default() };
    let title = if s.recipient_for.is_some() { t.t("sync.recipient_path") } else { t.t("sync.path") };
    editor.set_block(Block::default().borders(Borders::ALL).border_style(style).title(title));
    frame.render_widget(&editor, boxed);
    if s.typing {
        crate::tui::place_cursor(frame, &editor, boxed);
    }
}

fn pane(s: &SyncState, t: &I18n) -> (String, Vec<Line<'static>>) {
    if let Some(key) = &s.error {
        return (t.t("sync.title").to_string(), vec![warn(t.t(key).to_string())]);
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
            let mut lines = vec![Line::from(s.place(path, t)), Line::from("")];
            lines.extend(holds(summary, t));
            lines.push(Line::from(""));
            if !admission.exporter_known {
                lines.push(warn(t.t("sync.exporter_unknown").to_string()));
            }
            for (name, fp) in &admission.untrusted_secretariats {
                lines.push(warn(t.t("sync.secretariat_untrusted").replace("{name}", name).replace("{fp}", fp)));
            }
            lines.push(Line::from(Span::styled(
                t.t("sync.enter_to_apply").to_string(),
                Style::default().add_modifier(Modifier::BOLD),
            )));
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
    use ratatui::widgets::Clear;
    let popup = crate::tui::centered(area, 70, 12);
    frame.render_widget(Clear, popup);
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
    let mut cutoff = form.cutoff.clone();
    cutoff.set_block(field(t.t("keys.cutoff"), !form.on_reason));
    let mut reason = form.reason.clone();
    reason.set_block(field(t.t("keys.reason"), form.on_reason));
    frame.render_widget(&cutoff, cutoff_area);
    frame.render_widget(&reason, reason_area);
    let bottom =
        form.problem.map(|p| warn(t.t(p).to_string())).unwrap_or_else(|| Line::from(t.t("keys.form_hint").to_string()));
    frame.render_widget(Paragraph::new(bottom), Rect::new(inner.x, inner.y + 9, inner.width, 1));
    if form.on_reason {
        crate::tui::place_cursor(frame, &reason, reason_area);
    } else {
        crate::tui::place_cursor(frame, &cutoff, cutoff_area);
    }
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
        lines.push(warn(format!("× {n}  {reason}")));
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
    if s.typing {
        &["sync.key_complete", "sync.key_enter", "scoring.key_done"]
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
}
