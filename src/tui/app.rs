//! The application state and its update: key → action → update → render, with rendering a
//! pure function of the state.

use super::i18n::I18n;
use super::keymap::KeyMap;
use super::screens::{decision, detail, queue, scoring, sync};
use crate::domain::Lang;
use crate::domain::text::{truncate, width};
use crate::ledger::{Identity, Keyring};
use crate::store::{Store, ViewerRole};
use crossterm::event::{KeyCode, KeyEvent, MouseButton, MouseEvent, MouseEventKind};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

/// The smallest terminal the screens are laid out for.
pub const MIN_WIDTH: u16 = 80;
pub const MIN_HEIGHT: u16 = 24;

/// Who is looking.
pub struct Viewer {
    pub key: String,
    pub name: String,
    pub fingerprint: String,
}

/// A protected identity being unlocked: whose, the passphrase typed so far (shown as dots),
/// and how many tries have failed.
pub struct Unlock {
    pub name: String,
    pub input: ratatui_textarea::TextArea<'static>,
    pub failed: u32,
}

impl Unlock {
    fn new(name: String) -> Unlock {
        Unlock { name, input: Unlock::input(), failed: 0 }
    }

    fn input() -> ratatui_textarea::TextArea<'static> {
        let mut input = ratatui_textarea::TextArea::default();
        input.set_mask_char('●');
        input
    }
}

pub struct App {
    pub i18n: I18n,
    pub keys: KeyMap,
    store: Store,
    identity: Identity,
    pub scoring: Option<scoring::ScoringState>,
    pub decision: Option<decision::DecisionState>,
    /// The identities of this home, when the app may switch between them.
    pub keyring: Option<Keyring>,
    /// The identity switcher: the names, and which one is highlighted.
    pub switcher: Option<(Vec<String>, usize)>,
    /// Unlocking a protected identity chosen in the switcher.
    pub unlock: Option<Unlock>,
    /// Declaring a conflict (回避): the application and the reason being written.
    pub conflict: Option<(String, ratatui_textarea::TextArea<'static>)>,
    pub viewer: Viewer,
    pub meeting: Option<(String, String, String)>,
    pub role: Option<ViewerRole>,
    pub queue: Option<queue::QueueState>,
    pub detail: Option<detail::DetailState>,
    pub sync: Option<sync::SyncState>,
    /// Slow work to do after the next frame is drawn, so the screen says what is happening.
    pending: Option<Pending>,
    /// Where opened documents are written for the viewer.
    pub documents_dir: std::path::PathBuf,
    /// Where encrypted bundles are decrypted while they are read (owner-only).
    pub scratch_dir: std::path::PathBuf,
    /// Where reports made from the queue (`r`) are written.
    pub reports_dir: std::path::PathBuf,
    /// The report format picker: which format is highlighted.
    pub report_picker: Option<usize>,
    /// The program that shows documents, if this machine has one.
    pub document_viewer: Option<String>,
    pub help: bool,
    pub message: Option<String>,
    pub last_import: Option<String>,
    pub last_export: Option<String>,
    pub size: Rect,
    pub quit: bool,
}

impl App {
    pub fn new(store: Store, identity: Identity, lang: Lang) -> App {
        let viewer =
            Viewer { key: identity.key_hex(), name: identity.name.clone(), fingerprint: identity.fingerprint() };
        let mut app = App {
            i18n: I18n::new(lang),
            keys: KeyMap::default(),
            store,
            identity,
            scoring: None,
            decision: None,
            keyring: None,
            switcher: None,
            unlock: None,
            conflict: None,
            viewer,
            meeting: None,
            role: None,
            queue: None,
            detail: None,
            sync: None,
            pending: None,
            documents_dir: std::env::temp_dir().join("reviewdesk-documents"),
            document_viewer: crate::media::system_viewer(),
            reports_dir: std::env::temp_dir().join("reviewdesk-reports"),
            scratch_dir: std::env::temp_dir().join("reviewdesk-scratch"),
            report_picker: None,
            help: false,
            message: None,
            last_import: None,
            last_export: None,
            size: Rect::new(0, 0, MIN_WIDTH, MIN_HEIGHT),
            quit: false,
        };
        app.reload();
        app
    }

    /// Reads the queue again from the store; errors go to the message line.
    pub fn reload(&mut self) {
        let last = |k: &str| {
            self.store
                .meta(k)
                .ok()
                .flatten()
                .map(|v| v.split(' ').next().unwrap_or("").get(..16).unwrap_or("").replace('T', " "))
        };
        self.last_import = last("last_import");
        self.last_export = last("last_export");
        let result = self.store.resolve_meeting(None).and_then(|id| Ok((self.store.queue(&id, &self.viewer.key)?, id)));
        match result {
            Ok((view, _)) => {
                self.meeting = Some((view.meeting.id.clone(), view.meeting.title.clone(), view.meeting.date.clone()));
                self.role = Some(view.viewer);
                let (filter, selected_code) = self
                    .queue
                    .as_ref()
                    .map(|q| (q.filter.clone(), q.current().map(|r| r.code.clone())))
                    .unwrap_or_default();
                let mut q = queue::QueueState::new(view);
                q.filter = filter;
                q.refilter();
                if let Some(code) = selected_code
                    && let Some(i) = q.shown.iter().position(|i| q.view.rows[*i].code == code)
                {
                    q.selected = i;
                }
                self.queue = Some(q);
            }
            Err(crate::store::StoreError::NoMeeting) => self.message = Some(self.i18n.t("app.no_meeting").to_string()),
            Err(e) => self.message = Some(self.i18n.error(&e)),
        }
    }

    fn body_height(&self) -> usize {
        self.size.height.saturating_sub(4) as usize
    }

    pub fn on_key(&mut self, ev: KeyEvent) {
        if self.keys.quit_now.matches(&ev) {
            self.quit = true;
            return;
        }
        let filtering = self.queue.as_ref().is_some_and(|q| q.filtering) && self.detail.is_none();
        if !filtering && self.keys.help.matches(&ev) {
            self.help = !self.help;
            return;
        }
        if self.help {
            if super::keymap::any(&self.keys.back, &ev) {
                self.help = false;
            }
            return;
        }
        self.message = None;
        let page = self.body_height().saturating_sub(2);
        if self.unlock.is_some() {
            self.on_unlock_key(ev);
            return;
        }
        if self.switcher.is_some() {
            self.on_switcher_key(&ev);
            return;
        }
        if self.conflict.is_some() {
            self.on_conflict_key(ev);
            return;
        }
        if self.report_picker.is_some() {
            self.on_report_key(&ev);
            return;
        }
        if let Some(ds) = &mut self.decision {
            match ds.update(&self.keys, &ev, &self.i18n) {
                decision::Outcome::None => {}
                decision::Outcome::Back => self.decision = None,
                decision::Outcome::Record(d) => self.record(d),
            }
            return;
        }
        if let Some(sc) = &mut self.scoring {
            match sc.update(&self.keys, &ev, &self.i18n) {
                scoring::Outcome::None => {}
                scoring::Outcome::Back(sheet) => self.leave_scoring(sheet),
                scoring::Outcome::Submit(sheet) => self.submit(sheet),
            }
            return;
        }
        if let Some(s) = &mut self.sync {
            let outcome = s.update(&self.keys, &ev);
            self.on_sync(outcome);
            return;
        }
        if let Some(d) = &mut self.detail {
            match d.update(&self.keys, &ev, page as u16) {
                detail::Outcome::None => {}
                detail::Outcome::Back => self.detail = None,
                detail::Outcome::OpenDocument(i) => self.open_document(i),
            }
            return;
        }
        let filtering = self.queue.as_ref().is_some_and(|q| q.filtering);
        if !filtering && self.keys.sync.matches(&ev) {
            self.open_sync();
            return;
        }
        let Some(q) = &mut self.queue else {
            if super::keymap::any(&self.keys.back, &ev) {
                self.quit = true;
            }
            return;
        };
        if !q.filtering && self.keys.conflict.matches(&ev) {
            let code = q.current().map(|r| r.code.clone());
            if let Some(code) = code {
                if self.role == Some(ViewerRole::Expert) {
                    self.conflict = Some((code, ratatui_textarea::TextArea::default()));
                } else {
                    self.message = Some(self.i18n.t("scoring.not_expert").to_string());
                }
            }
            return;
        }
        if !q.filtering && self.keys.report.matches(&ev) {
            if matches!(self.role, Some(ViewerRole::Chair | ViewerRole::Secretariat)) {
                self.report_picker = Some(0);
            } else {
                self.message = Some(self.i18n.t("report.not_allowed").to_string());
            }
            return;
        }
        if !q.filtering && self.keys.switch.matches(&ev) {
            self.open_switcher();
            return;
        }
        if !q.filtering && self.keys.decide.matches(&ev) {
            let code = q.current().map(|r| r.code.clone());
            if let Some(code) = code {
                self.start_decision(&code);
            }
            return;
        }
        if !q.filtering && self.keys.score.matches(&ev) {
            let code = q.current().map(|r| r.code.clone());
            if let Some(code) = code {
                self.start_scoring(&code);
            }
            return;
        }
        match q.update(&self.keys, &ev, page) {
            queue::Outcome::None => {}
            queue::Outcome::Back => self.quit = true,
            queue::Outcome::Open(code) => self.open(&code),
        }
    }

    fn now(&self) -> chrono::DateTime<chrono::Utc> {
        crate::clock::now().unwrap_or_else(|_| chrono::Utc::now())
    }

    fn open_sync(&mut self) {
        let meeting = self.meeting.as_ref().map(|m| m.0.clone());
        match self.store.trust_list() {
            Ok(trusted) => {
                let trusted_here = trusted.iter().any(|e| e.key == self.viewer.key);
                let mut s = sync::SyncState::new(meeting, trusted);
                s.may_revoke = self.role == Some(ViewerRole::Secretariat) || trusted_here;
                self.sync = Some(s);
            }
            Err(e) => self.message = Some(self.i18n.error(&e)),
        }
    }

    fn on_sync(&mut self, outcome: sync::Outcome) {
        let Some(s) = &mut self.sync else { return };
        match outcome {
            sync::Outcome::None => {}
            sync::Outcome::Back => self.sync = None,
            sync::Outcome::Rescan => s.rescan(),
            sync::Outcome::Preview(path) => {
                let opened = crate::bundle::encrypted::open(&path, &[&self.identity], &self.scratch_dir);
                s.pane = match opened.and_then(|o| crate::bundle::inspect_file(o.file(), o.path())) {
                    Ok(summary) => {
                        let admission = admission(&self.store, &summary);
                        sync::Pane::Preview { path, summary: Box::new(summary), admission }
                    }
                    Err(e) => sync::Pane::Failed { path, error: self.i18n.error(&e) },
                }
            }
            sync::Outcome::Apply(path) => {
                s.pane = sync::Pane::Working("sync.working_import");
                self.pending = Some(Pending::Import(path));
            }
            sync::Outcome::Export { dir, meeting, recipient } => {
                s.pane = sync::Pane::Working("sync.working_export");
                self.pending = Some(Pending::Export { dir, meeting, recipient });
            }
            sync::Outcome::Keys => self.show_keys(0),
            sync::Outcome::Revoke { key, cutoff, reason } => self.revoke(key, cutoff, reason),
        }
    }

    /// The keys pane: the open meeting's secretariat and panel (older keys of a seat too), then
    /// the trusted secretariat keys, each with its last seq here and its cut-off if revoked.
    fn show_keys(&mut self, at: usize) {
        let rows = (|| {
            let revoked = self.store.revocations()?;
            let mut rows: Vec<sync::KeyRow> = Vec::new();
            let mut add = |key: &str, name: &str, suite: crate::ledger::Suite, role: &'static str| {
                if rows.iter().any(|r| r.key == key) {
                    return Ok::<_, crate::store::StoreError>(());
                }
                rows.push(sync::KeyRow {
                    key: key.to_string(),
                    name: name.to_string(),
                    fingerprint: hex::decode(key).map(|k| crate::ledger::fingerprint(suite, &k)).unwrap_or_default(),
                    role,
                    last_seq: self.store.head(key)?.map(|(seq, _)| seq),
                    revoked: revoked.get(key).copied(),
                });
                Ok(())
            };
            if let Some((id, ..)) = &self.meeting {
                let m = self.store.meeting(id)?;
                add(&m.secretariat.key, &m.secretariat.name, m.secretariat.suite, "role.secretariat")?;
                let current: Vec<&str> = m.seats().iter().map(|s| s.holder.member.key.as_str()).collect();
                for p in &m.panel {
                    let role = match p.role {
                        _ if !current.contains(&p.member.key.as_str()) => "keys.replaced",
                        crate::ledger::Role::Chair => "role.chair",
                        crate::ledger::Role::Expert => "role.expert",
                    };
                    add(&p.member.key, &p.member.name, p.member.suite, role)?;
                }
            }
            for e in self.store.trust_list()? {
                let suite = crate::ledger::Suite::parse(&e.suite).unwrap_or(crate::ledger::Suite::Ed25519Sha256);
                add(&e.key, &e.name, suite, "role.secretariat")?;
            }
            Ok::<_, crate::store::StoreError>(rows)
        })();
        match (rows, &mut self.sync) {
            (Ok(rows), Some(s)) => {
                let at = at.min(rows.len().saturating_sub(1));
                s.pane = sync::Pane::Keys { rows, at };
            }
            (Err(e), _) => self.message = Some(self.i18n.error(&e)),
            _ => {}
        }
    }

    /// Signs a revocation (secretariat only; the store refuses anyone else).
    fn revoke(&mut self, key: String, cutoff: u64, reason: String) {
        let at = match self.sync.as_ref().map(|s| &s.pane) {
            Some(sync::Pane::Keys { at, .. }) => *at,
            _ => 0,
        };
        let now = self.now();
        let body = crate::ledger::Body::KeyRevoked { key, cutoff_seq: cutoff, reason };
        match self.store.append_local(&self.identity, body, now) {
            Ok(_) => {
                self.reload();
                self.message = Some(self.i18n.t("keys.revoked_done").replace("{seq}", &cutoff.to_string()));
            }
            Err(e) => self.message = Some(self.i18n.error(&e)),
        }
        self.show_keys(at);
    }

    /// Does the slow work asked for by the last key, once its "working" frame is on screen.
    /// Returns whether there was any.
    pub fn run_pending(&mut self) -> bool {
        let Some(work) = self.pending.take() else { return false };
        let now = self.now();
        let pane = match work {
            Pending::Report(format) => {
                self.make_report(format);
                return true;
            }
            // An encrypted bundle opens with the identity in use (switch with `i` for another).
            Pending::Import(path) => {
                match crate::bundle::encrypted::open(&path, &[&self.identity], &self.scratch_dir).and_then(|o| {
                    crate::bundle::import_file(&mut self.store, o.file(), o.path(), now, false, &mut |_, _| {})
                }) {
                    Ok((summary, report)) => {
                        if report.new + report.released > 0 {
                            let stamp = format!("{} {}", now.to_rfc3339(), path.display());
                            if let Err(e) = self.store.set_meta("last_import", &stamp) {
                                self.message = Some(self.i18n.error(&e));
                            }
                        }
                        sync::Pane::Report { path, summary: Box::new(summary), report }
                    }
                    Err(e) => sync::Pane::Failed { path, error: self.i18n.error(&e) },
                }
            }
            Pending::Export { dir, meeting, recipient } => {
                use crate::bundle::encrypted::{Addressee, export_to};
                let target = dir.join(crate::media::bundle_file_name(&self.viewer.name, now));
                let filter = crate::bundle::ExportFilter {
                    events: crate::store::EventFilter { meeting, author: None },
                    no_blobs: false,
                };
                let written = match &recipient {
                    None => crate::bundle::export(&self.store, &self.identity, &filter, &target, now),
                    Some(file) => Addressee::from_key_file(file).and_then(|to| {
                        let r = export_to(&self.store, &self.identity, &filter, &to, &target, &self.scratch_dir, now)?;
                        self.message = Some(self.i18n.t("sync.encrypted_for").replace("{who}", to.label()));
                        Ok(r)
                    }),
                };
                match written {
                    Ok(report) => {
                        let stamp = format!("{} {}", now.to_rfc3339(), target.display());
                        if let Err(e) = self.store.set_meta("last_export", &stamp) {
                            self.message = Some(self.i18n.error(&e));
                        }
                        sync::Pane::Exported(report)
                    }
                    Err(e) => sync::Pane::Failed { path: target, error: self.i18n.error(&e) },
                }
            }
        };
        let trusted = self.store.trust_list().unwrap_or_default();
        self.reload();
        if let Some(s) = &mut self.sync {
            s.pane = pane;
            s.trusted = trusted;
            s.meeting = s.meeting.clone().or_else(|| self.meeting.as_ref().map(|m| m.0.clone()));
            s.refresh();
        }
        true
    }

    fn on_report_key(&mut self, ev: &KeyEvent) {
        let Some(at) = &mut self.report_picker else { return };
        if super::keymap::any(&self.keys.up, ev) {
            *at = at.saturating_sub(1);
        } else if super::keymap::any(&self.keys.down, ev) {
            *at = (*at + 1).min(REPORT_FORMATS.len() - 1);
        } else if super::keymap::any(&self.keys.back, ev) {
            self.report_picker = None;
        } else if self.keys.open.matches(ev) {
            let format = REPORT_FORMATS[*at].0;
            self.report_picker = None;
            self.message = Some(self.i18n.t("report.working").to_string());
            self.pending = Some(Pending::Report(format));
        }
    }

    /// Writes the meeting's report in `format` under the reports folder; says where it went.
    fn make_report(&mut self, format: crate::report::Format) {
        let Some((id, ..)) = self.meeting.clone() else { return };
        let now = self.now();
        let ext = match format {
            crate::report::Format::Xlsx => "xlsx",
            crate::report::Format::Csv => "csv",
            crate::report::Format::Md => "md",
            crate::report::Format::Html => "html",
        };
        let out =
            self.reports_dir.join(format!("{id}-{}-{}.{ext}", self.i18n.t("report.file"), now.format("%Y%m%d-%H%M%S")));
        let made = crate::media::create_private_dir(&self.reports_dir)
            .map_err(|e| self.i18n.error(&format!("{}：{e}", self.reports_dir.display())))
            .and_then(|_| {
                let r = crate::report::MeetingReport::build(&self.store, &id, &self.viewer.key, self.i18n.lang)
                    .map_err(|e| self.i18n.error(&e))?;
                let files = crate::report::write(&r, format, None, &out).map_err(|e| self.i18n.error(&e))?;
                Ok((files, r.provisional))
            });
        self.message = Some(match made {
            Ok((files, provisional)) => {
                let first = files.first().map(|f| f.display().to_string()).unwrap_or_default();
                let mut text = self.i18n.t("report.written").replace("{path}", &first);
                if files.len() > 1 {
                    text.push_str(&self.i18n.t("report.more_files").replace("{n}", &files.len().to_string()));
                }
                if provisional {
                    text.push_str(self.i18n.t("report.provisional"));
                }
                text
            }
            Err(e) => e,
        });
    }

    /// Writes the chosen document out and hands it to the system viewer, or says where it is.
    fn open_document(&mut self, index: usize) {
        let Some(d) = self.detail.as_ref().and_then(|d| d.view.application.documents.get(index).cloned()) else {
            self.message = Some(self.i18n.t("detail.no_documents").to_string());
            return;
        };
        let bytes = match self.store.blob(&d.sha256) {
            Ok(Some(b)) => b,
            Ok(None) => {
                self.message = Some(self.i18n.t("detail.document_missing").replace("{name}", &d.name));
                return;
            }
            Err(e) => {
                self.message = Some(self.i18n.error(&e));
                return;
            }
        };
        let viewer = self.document_viewer.as_deref();
        self.message =
            Some(match crate::media::open_document(&self.documents_dir, &d.sha256, &d.name, &bytes, viewer) {
                Ok(crate::media::Opened::Viewer(v, path)) => self
                    .i18n
                    .t("detail.document_opened")
                    .replace("{viewer}", &v)
                    .replace("{path}", &path.display().to_string()),
                Ok(crate::media::Opened::Saved(path)) => {
                    self.i18n.t("detail.document_saved").replace("{path}", &path.display().to_string())
                }
                Err(e) => format!("{}：{e}", self.documents_dir.display()),
            });
    }

    /// Opens the score sheet of `code`, with the draft if there is one.
    fn start_scoring(&mut self, code: &str) {
        let Some((id, ..)) = self.meeting.clone() else { return };
        let recused = self
            .queue
            .as_ref()
            .and_then(|q| q.view.rows.iter().find(|r| r.code == code))
            .is_some_and(|r| r.my_score == crate::store::MyScore::Recused);
        if self.role != Some(ViewerRole::Expert) || recused {
            self.message = Some(self.i18n.t("scoring.not_expert").to_string());
            return;
        }
        let opened = (|| {
            let view = self.store.application(&id, code, &self.viewer.key)?;
            let meeting = self.store.meeting(&id)?;
            let draft = self.store.draft(&id, code, &self.viewer.key)?;
            // After a submission, the submitted sheet is where a revision starts.
            let mine = view.experts.iter().find(|e| e.key == self.viewer.key).and_then(|e| e.sheet.clone());
            Ok::<_, crate::store::StoreError>((view, meeting, draft.or(mine)))
        })();
        match opened {
            Ok((view, meeting, draft)) => match meeting.rubrics.into_iter().find(|r| r.kind == view.application.kind) {
                Some(rubric) => {
                    let mut state = scoring::ScoringState::new(code, &view.application.name, rubric, draft);
                    state.basis = view.basis.clone();
                    self.scoring = Some(state)
                }
                None => {
                    let kind = self.i18n.pick(view.application.kind.zh(), view.application.kind.en()).to_string();
                    self.message = Some(self.i18n.t("scoring.no_rubric").replace("{kind}", &kind));
                }
            },
            Err(e) => self.message = Some(self.i18n.error(&e)),
        }
    }

    /// One action: write the reason, Enter signs the declaration, Esc cancels.
    fn on_conflict_key(&mut self, ev: KeyEvent) {
        let Some((code, reason)) = &mut self.conflict else { return };
        match ev.code {
            crossterm::event::KeyCode::Esc => self.conflict = None,
            crossterm::event::KeyCode::Enter => {
                let text = reason.lines().join(" ").trim().to_string();
                if text.is_empty() {
                    self.message = Some(self.i18n.t("conflict.need_reason").to_string());
                    return;
                }
                let (code, id) = (code.clone(), self.meeting.as_ref().map(|m| m.0.clone()).unwrap_or_default());
                let basis = match self.store.basis(&id, &code) {
                    Ok(b) => b,
                    Err(e) => {
                        self.message = Some(self.i18n.error(&e));
                        return;
                    }
                };
                let body =
                    crate::ledger::Body::ConflictDeclared { meeting: id, code: code.clone(), basis, reason: text };
                match self.store.append_local(
                    &self.identity,
                    body,
                    crate::clock::now().unwrap_or_else(|_| chrono::Utc::now()),
                ) {
                    Ok(_) => {
                        self.conflict = None;
                        self.reload();
                        self.message = Some(self.i18n.t("conflict.declared").replace("{code}", &code));
                    }
                    Err(e) => self.message = Some(self.i18n.error(&e)),
                }
            }
            _ => {
                reason.input(ev);
            }
        }
    }

    fn open_switcher(&mut self) {
        let Some(ring) = &self.keyring else { return };
        match ring.names() {
            Ok(names) => {
                let at = names.iter().position(|n| *n == self.viewer.name).unwrap_or(0);
                self.switcher = Some((names, at));
            }
            Err(e) => self.message = Some(self.i18n.error(&e)),
        }
    }

    fn on_switcher_key(&mut self, ev: &KeyEvent) {
        let Some((names, at)) = &mut self.switcher else { return };
        if super::keymap::any(&self.keys.up, ev) {
            *at = at.saturating_sub(1);
        } else if super::keymap::any(&self.keys.down, ev) {
            *at = (*at + 1).min(names.len().saturating_sub(1));
        } else if super::keymap::any(&self.keys.back, ev) {
            self.switcher = None;
        } else if self.keys.open.matches(ev) {
            let name = names.get(*at).cloned();
            self.switcher = None;
            if let (Some(name), Some(ring)) = (name, &self.keyring) {
                // A sealed key is opened here, never by a prompt behind the screens.
                match ring.entry(&name).map(|e| e.protected) {
                    Ok(true) => self.unlock = Some(Unlock::new(name)),
                    Ok(false) => match ring.load_with(&name, None) {
                        Ok(id) => self.switch_to(id),
                        Err(e) => self.message = Some(self.i18n.error(&e)),
                    },
                    Err(e) => self.message = Some(self.i18n.error(&e)),
                }
            }
        }
    }

    fn on_unlock_key(&mut self, ev: KeyEvent) {
        let (Some(u), Some(ring)) = (&mut self.unlock, &self.keyring) else { return };
        if ev.code == KeyCode::Esc {
            self.unlock = None;
        } else if ev.code == KeyCode::Enter {
            let typed = u.input.lines().join("\n");
            match ring.load_with(&u.name, Some(&typed)) {
                Ok(id) => {
                    self.unlock = None;
                    self.switch_to(id);
                }
                Err(crate::ledger::IdentityError::WrongPassphrase(_))
                    if u.failed + 1 < crate::ledger::identity::PASSPHRASE_ATTEMPTS =>
                {
                    u.failed += 1;
                    u.input = Unlock::input();
                }
                Err(e) => {
                    self.unlock = None;
                    self.message = Some(self.i18n.error(&e));
                }
            }
        } else {
            u.input.input(ev);
        }
    }

    /// Acts as another identity of this home from now on.
    pub fn switch_to(&mut self, identity: Identity) {
        self.viewer =
            Viewer { key: identity.key_hex(), name: identity.name.clone(), fingerprint: identity.fingerprint() };
        self.identity = identity;
        self.detail = None;
        self.scoring = None;
        self.decision = None;
        self.reload();
    }

    /// Opens the decision panel: the chair may record, everyone else reads.
    fn start_decision(&mut self, code: &str) {
        let Some((id, ..)) = self.meeting.clone() else { return };
        let opened = (|| {
            let view = self.store.application(&id, code, &self.viewer.key)?;
            let meeting = self.store.meeting(&id)?;
            Ok::<_, crate::store::StoreError>((view, meeting))
        })();
        match opened {
            Ok((view, meeting)) => {
                let Some(rubric) = meeting.rubrics.into_iter().find(|r| r.kind == view.application.kind) else {
                    return;
                };
                let read_only = self.role != Some(ViewerRole::Chair);
                self.decision = Some(decision::DecisionState::new(view, rubric, meeting.date, read_only));
            }
            Err(e) => self.message = Some(self.i18n.error(&e)),
        }
    }

    fn record(&mut self, d: crate::domain::Decision) {
        let (Some(ds), Some((id, ..))) = (&mut self.decision, self.meeting.clone()) else { return };
        let code = ds.view.application.code.clone();
        let outcome = d.outcome;
        let body = crate::ledger::Body::DecisionRecorded {
            meeting: id,
            code: code.clone(),
            basis: ds.view.basis.clone(),
            decision: d,
            based_on: ds.view.score_event_ids(),
        };
        match self.store.append_local(&self.identity, body, crate::clock::now().unwrap_or_else(|_| chrono::Utc::now()))
        {
            Ok(_) => {
                self.decision = None;
                self.reload();
                let label = self.i18n.pick(outcome.zh(), outcome.en()).to_string();
                self.message =
                    Some(self.i18n.t("decision.recorded").replace("{code}", &code).replace("{outcome}", &label));
            }
            Err(e) => ds.error = Some(self.i18n.error(&e)),
        }
    }

    fn leave_scoring(&mut self, sheet: crate::domain::ScoreSheet) {
        let Some(sc) = self.scoring.take() else { return };
        if let Some((id, ..)) = &self.meeting {
            let now = crate::clock::now().unwrap_or_else(|_| chrono::Utc::now()).to_rfc3339();
            if let Err(e) = self.store.save_draft(id, &sc.code, &self.viewer.key, &sheet, &now) {
                self.message = Some(self.i18n.error(&e));
            }
        }
        self.reload();
    }

    fn submit(&mut self, sheet: crate::domain::ScoreSheet) {
        let (Some(sc), Some((id, ..))) = (&mut self.scoring, self.meeting.clone()) else { return };
        let code = sc.code.clone();
        let total = sheet.total();
        let body = crate::ledger::Body::ScoreSubmitted {
            meeting: id.clone(),
            code: code.clone(),
            basis: sc.basis.clone(),
            sheet,
        };
        match self.store.append_local(&self.identity, body, crate::clock::now().unwrap_or_else(|_| chrono::Utc::now()))
        {
            Ok(_) => {
                let _ = self.store.delete_draft(&id, &code, &self.viewer.key);
                self.scoring = None;
                self.reload();
                self.message = Some(
                    self.i18n.t("scoring.submitted").replace("{code}", &code).replace("{total}", &total.to_string()),
                );
            }
            Err(e) => {
                sc.confirming = false;
                sc.error = Some(self.i18n.error(&e));
            }
        }
    }

    fn open(&mut self, code: &str) {
        let Some((id, ..)) = &self.meeting else { return };
        match self.store.application(id, code, &self.viewer.key) {
            Ok(view) => self.detail = Some(detail::DetailState { view, scroll: 0, document: 0 }),
            Err(e) => self.message = Some(self.i18n.error(&e)),
        }
    }

    pub fn on_mouse(&mut self, ev: MouseEvent) {
        let body = self.body_height();
        match ev.kind {
            MouseEventKind::ScrollDown => self.on_key(KeyEvent::from(crossterm::event::KeyCode::Down)),
            MouseEventKind::ScrollUp => self.on_key(KeyEvent::from(crossterm::event::KeyCode::Up)),
            MouseEventKind::Down(MouseButton::Left) if self.detail.is_none() && self.sync.is_none() => {
                // The table's rows start below the two header lines and the column titles.
                if let Some(q) = &mut self.queue {
                    match ev.row {
                        2 => q.click_header(ev.column as usize, self.size.width as usize),
                        3.. => q.click((ev.row - 3) as usize, body.saturating_sub(2)),
                        _ => {}
                    }
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
            return;
        }
        self.render_header(frame, Rect::new(area.x, area.y, area.width, 2));
        let body = Rect::new(area.x, area.y + 2, area.width, area.height.saturating_sub(4));
        match (&self.detail, &self.queue) {
            _ if self.decision.is_some() => {
                if let Some(ds) = &self.decision {
                    decision::render(ds, t, frame, body);
                }
            }
            _ if self.scoring.is_some() => {
                if let Some(sc) = &self.scoring {
                    scoring::render(sc, t, frame, body);
                }
            }
            _ if self.sync.is_some() => {
                if let Some(s) = &self.sync {
                    sync::render(s, t, frame, body);
                    if let Some(form) = &s.revoke {
                        sync::render_revoke(form, t, frame, body);
                    }
                }
            }
            (Some(d), _) => detail::render(d, t, frame, body),
            (None, Some(q)) => queue::render(q, t, frame, body),
            (None, None) => {}
        }
        let hints = match (&self.detail, &self.queue) {
            _ if self.decision.is_some() => self.decision.as_ref().map(decision::hints).unwrap_or(&[]),
            _ if self.scoring.is_some() => self.scoring.as_ref().map(scoring::hints).unwrap_or(&[]),
            _ if self.sync.is_some() => self.sync.as_ref().map(sync::hints).unwrap_or(&[]),
            (Some(_), _) => detail::hints(),
            (None, Some(q)) => queue::hints(q),
            (None, None) => &["keys.sync", "keys.quit"][..],
        };
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
        if self.help {
            self.render_help(frame, area);
        }
        if let Some((code, reason)) = &self.conflict {
            let popup = super::centered(area, 64, 6);
            frame.render_widget(Clear, popup);
            let mut editor = reason.clone();
            editor
                .set_block(Block::default().borders(Borders::ALL).title(t.t("conflict.title").replace("{code}", code)));
            frame.render_widget(&editor, popup);
            crate::tui::place_cursor(frame, &editor, popup);
        }
        if let Some(at) = self.report_picker {
            let mut lines: Vec<Line> = REPORT_FORMATS
                .iter()
                .enumerate()
                .map(|(i, (_, key))| {
                    let style =
                        if i == at { Style::default().add_modifier(Modifier::REVERSED) } else { Style::default() };
                    Line::from(Span::styled(t.t(key).to_string(), style))
                })
                .collect();
            lines.push(Line::from(""));
            lines.push(Line::from(truncate(&self.reports_dir.display().to_string(), 56)));
            super::popup(frame, area, 60, t.t("report.title"), lines);
        }
        if let Some(u) = &self.unlock {
            self.render_unlock(frame, area, u);
        }
        if let Some((names, at)) = &self.switcher {
            let lines: Vec<Line> = names
                .iter()
                .enumerate()
                .map(|(i, n)| {
                    let style =
                        if i == *at { Style::default().add_modifier(Modifier::REVERSED) } else { Style::default() };
                    Line::from(Span::styled(n.clone(), style))
                })
                .collect();
            super::popup(frame, area, 40, t.t("switch.title"), lines);
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

    fn render_unlock(&self, frame: &mut Frame, area: Rect, u: &Unlock) {
        let t = &self.i18n;
        let popup = super::centered(area, 56, 3);
        frame.render_widget(Clear, popup);
        let mut block = Block::default().borders(Borders::ALL).title(t.t("unlock.title").replace("{name}", &u.name));
        if u.failed > 0 {
            block = block.title_bottom(Span::styled(t.t("unlock.wrong"), Style::default().fg(Color::Red)));
        }
        let mut editor = u.input.clone();
        editor.set_block(block);
        frame.render_widget(&editor, popup);
        crate::tui::place_cursor(frame, &editor, popup);
    }

    fn render_help(&self, frame: &mut Frame, area: Rect) {
        let body = self.i18n.t("help.body");
        let w = area.width.saturating_sub(6).min(110);
        // Room for each line as wrapped, with an eighth more for breaking at words.
        let inner = w.saturating_sub(2).max(1) as usize;
        let rows: usize = body.lines().map(|l| (width(l) + width(l) / 8).div_ceil(inner).max(1)).sum();
        let popup = super::centered(area, w, (rows as u16).saturating_add(2));
        frame.render_widget(Clear, popup);
        let block = Block::default().borders(Borders::ALL).title(self.i18n.t("help.title"));
        frame.render_widget(Paragraph::new(body).wrap(Wrap { trim: false }).block(block), popup);
    }
}

/// The formats the queue's report picker offers, with their i18n labels.
const REPORT_FORMATS: [(crate::report::Format, &str); 4] = [
    (crate::report::Format::Xlsx, "report.xlsx"),
    (crate::report::Format::Html, "report.html"),
    (crate::report::Format::Md, "report.md"),
    (crate::report::Format::Csv, "report.csv"),
];

/// Slow work, done after a frame that says it is under way.
enum Pending {
    Report(crate::report::Format),
    Import(std::path::PathBuf),
    /// To `dir`, encrypted to the key in the `recipient` file when there is one.
    Export {
        dir: std::path::PathBuf,
        meeting: Option<String>,
        recipient: Option<std::path::PathBuf>,
    },
}

/// Whether a bundle's exporter and secretariats would be admitted here.
fn admission(store: &Store, s: &crate::bundle::BundleSummary) -> sync::Admission {
    let trusted = |key: &str| store.is_trusted(key).unwrap_or(false);
    let admitted_meetings: Vec<_> = s.meetings.iter().filter(|m| trusted(&m.secretariat.key)).collect();
    let key = &s.exporter.key;
    let exporter_known = trusted(key)
        || store.is_known_member(key).unwrap_or(false)
        || admitted_meetings.iter().any(|m| &m.secretariat.key == key || m.panel.iter().any(|p| &p.key == key));
    let untrusted_secretariats = s
        .meetings
        .iter()
        .filter(|m| !trusted(&m.secretariat.key))
        .map(|m| {
            let raw = hex::decode(&m.secretariat.key).unwrap_or_default();
            (m.secretariat.name.clone(), crate::ledger::fingerprint(m.secretariat.suite, &raw))
        })
        .collect();
    sync::Admission { exporter_known, untrusted_secretariats }
}
