//! The one place the screens' requests meet the store, the keys and the file system: opening
//! screens with what they show, signing, drafts, documents, reports, imports and exports.

use super::app::App;
use super::screens::{
    Effect, News, Signing, confirm::Confirm, conflict::ConflictForm, conflict::Purpose, decision, detail, pickers,
    proceedings, projector, queue, rectification::Rectifications, scoring, sync,
};
use crate::store::{StoreError, ViewerRole};

impl App {
    pub(super) fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.fixed_now.or_else(|| crate::clock::now().ok()).unwrap_or_else(chrono::Utc::now)
    }

    pub(super) fn meeting_id(&self) -> Option<String> {
        self.meeting.as_ref().map(|m| m.0.clone())
    }

    pub(super) fn say_error(&mut self, e: &dyn std::fmt::Display) {
        self.message = Some(self.i18n.error(e));
    }

    /// Reads the queue again, and every open application, and hands them to their screens.
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
        let result = self.store.resolve_meeting(None).and_then(|id| self.store.queue(&id, &self.viewer.key));
        match result {
            Ok(view) => {
                self.meeting = Some((view.meeting.id.clone(), view.meeting.title.clone(), view.meeting.date.clone()));
                self.role = Some(view.viewer);
                match self.stack.first_mut() {
                    Some(bottom) if bottom.name() == "queue" => bottom.receive(News::Queue(view)),
                    // The first meeting arrived (through sync): the queue goes beneath what is open.
                    Some(bottom) => *bottom = Box::new(queue::QueueState::new(view)),
                    None => self.stack.push(Box::new(queue::QueueState::new(view))),
                }
            }
            Err(e) => {
                self.message = Some(match e {
                    crate::store::StoreError::NoMeeting => self.i18n.t("app.no_meeting").to_string(),
                    e => self.i18n.error(&e),
                });
                if self.stack.is_empty() {
                    self.stack.push(Box::new(queue::NoMeeting));
                }
            }
        }
        self.refresh_applications();
    }

    /// Reads again the application each open screen shows.
    fn refresh_applications(&mut self) {
        let Some((id, ..)) = self.meeting.clone() else { return };
        // The projector follows the item under discussion as the chair moves it.
        let now = self.store.under_discussion(&id).ok().flatten();
        for screen in self.stack.iter_mut().skip(1) {
            let Some(mut code) = screen.application().map(str::to_string) else { continue };
            if screen.name() == "projector"
                && let Some(now) = &now
            {
                code = now.clone();
            }
            if let Ok(view) = self.store.application(&id, &code, &self.viewer.key) {
                screen.receive(News::Application(Box::new(view)));
            }
        }
    }

    /// Called between key presses: when another process wrote to the store, read it again.
    pub fn tick(&mut self) {
        if let Ok(v) = self.store.data_version()
            && v != self.seen_version
        {
            self.seen_version = v;
            self.reload();
        }
    }

    pub(super) fn perform(&mut self, effect: Effect) {
        match effect {
            Effect::OpenDetail(code) => self.open_detail(&code),
            Effect::StartScoring(code) => self.start_scoring(&code),
            Effect::StartDecision(code) => self.start_decision(&code),
            Effect::StartConflict(code) => self.start_conflict(&code),
            Effect::OpenSync => self.open_sync(),
            Effect::OpenSwitcher => self.open_switcher(),
            Effect::OpenReports => {
                if matches!(self.role, Some(ViewerRole::Chair | ViewerRole::Secretariat)) {
                    self.stack.push(Box::new(pickers::ReportPicker::default()));
                } else {
                    self.message = Some(self.i18n.t("report.not_allowed").to_string());
                }
            }
            Effect::OpenRectifications => self.open_rectifications(),
            Effect::SetAgenda(code) => self.set_agenda(&code),
            Effect::OpenProjector(code) => self.open_projector(&code),
            Effect::SwitchTo { name, passphrase } => self.switch(name, passphrase),
            Effect::Review(signing) => self.stack.push(Box::new(Confirm::new(signing))),
            Effect::Sign(signing) => self.sign(*signing),
            Effect::SaveDraft { code, sheet } => {
                let Some(id) = self.meeting_id() else { return };
                let now = self.now().to_rfc3339();
                if let Err(e) = self.store.save_draft(&id, &code, &self.viewer.key, &sheet, &now) {
                    self.say_error(&e);
                }
                self.reload();
            }
            Effect::OpenDocument { sha256, name } => self.open_document(&sha256, &name),
            Effect::ListKeys => self.list_keys(),
            Effect::Trust { key, name, suite } => self.trust(key, name, suite),
            Effect::QuitNow => self.quit = true,
            slow @ Effect::Report(_) => {
                self.close(1);
                self.message = Some(self.i18n.t("report.working").to_string());
                self.pending = Some(slow);
            }
            // The sync screen shows "working" in its pane; the work is done after that frame.
            slow @ (Effect::Preview(_) | Effect::Import(_) | Effect::Export { .. }) => self.pending = Some(slow),
        }
    }

    /// Does the slow work asked for by the last key, once its "working" frame is on screen.
    /// Returns whether there was any.
    pub fn run_pending(&mut self) -> bool {
        let Some(work) = self.pending.take() else { return false };
        let pane = match work {
            Effect::Report(format) => {
                self.make_report(format);
                return true;
            }
            Effect::Preview(path) => self.preview(path),
            Effect::Import(path) => self.import(path),
            Effect::Export { dir, meeting, recipient } => self.export(dir, meeting, recipient),
            _ => return false,
        };
        let trusted = self.store.trust_list().unwrap_or_default();
        self.reload();
        if let Some(top) = self.stack.last_mut() {
            top.receive(News::Trusted(trusted));
            top.receive(News::Pane(pane));
        }
        true
    }

    /// Signs what the confirmation showed, then closes it and the form it came from.
    fn sign(&mut self, s: Signing) {
        let revoking = matches!(s.body, crate::ledger::Body::KeyRevoked { .. });
        let now = self.now();
        match self.store.append_local(&self.identity, s.body, now) {
            Ok(_) => {
                if let Some((meeting, code)) = &s.draft
                    && let Err(e) = self.store.delete_draft(meeting, code, &self.viewer.key)
                {
                    self.say_error(&e);
                }
                self.close(1 + s.closes);
                self.reload();
                self.message = Some(s.done);
                if revoking {
                    self.list_keys();
                }
            }
            Err(e) => {
                // The form stays, with everything typed, for another try.
                self.close(1);
                self.say_error(&e);
            }
        }
    }

    fn open_detail(&mut self, code: &str) {
        let Some(id) = self.meeting_id() else { return };
        let read = (|| {
            let view = self.store.application(&id, code, &self.viewer.key)?;
            let rubric = self.store.meeting(&id)?.rubrics.into_iter().find(|r| r.kind == view.application.kind);
            Ok::<_, StoreError>((view, rubric))
        })();
        match read {
            Ok((view, rubric)) => self.stack.push(Box::new(detail::DetailState::new(view, rubric))),
            Err(e) => self.say_error(&e),
        }
    }

    /// Opens the score sheet of `code`, with the draft if there is one.
    fn start_scoring(&mut self, code: &str) {
        let Some(id) = self.meeting_id() else { return };
        let opened = (|| {
            let view = self.store.application(&id, code, &self.viewer.key)?;
            let meeting = self.store.meeting(&id)?;
            let draft = self.store.draft(&id, code, &self.viewer.key)?;
            Ok::<_, StoreError>((view, meeting, draft))
        })();
        let (view, meeting, draft) = match opened {
            Ok(x) => x,
            Err(e) => return self.say_error(&e),
        };
        let me = view.experts.iter().find(|e| e.key == self.viewer.key);
        if view.viewer != ViewerRole::Expert || me.is_none_or(|e| e.recused.is_some()) {
            self.message = Some(self.i18n.t("scoring.not_expert").to_string());
            return;
        }
        // Scoring opens after sign-in: the pledge comes first, through the one confirmation.
        if view.awaits_sign_in(&self.viewer.key) {
            let signing = proceedings::sign_in(&id, &view.basis.meeting_event, &self.i18n);
            self.stack.push(Box::new(Confirm::new(Box::new(signing))));
            return;
        }
        // After a submission, the submitted sheet is where a revision starts.
        let draft = draft.or_else(|| me.and_then(|e| e.sheet.clone()));
        match meeting.rubrics.into_iter().find(|r| r.kind == view.application.kind) {
            Some(rubric) => {
                let mut state = scoring::ScoringState::new(&id, code, &view.application.name, rubric, draft);
                state.basis = view.basis.clone();
                state.seat = view.seat.clone();
                if let Some(why) = view.review_flag(&self.viewer.key) {
                    state.flag(why.clone());
                }
                self.stack.push(Box::new(state));
            }
            None => {
                let kind = self.i18n.pick(view.application.kind.zh(), view.application.kind.en()).to_string();
                self.message = Some(self.i18n.t("scoring.no_rubric").replace("{kind}", &kind));
            }
        }
    }

    /// Opens the decision panel: the chair may record, everyone else reads.
    fn start_decision(&mut self, code: &str) {
        let Some(id) = self.meeting_id() else { return };
        let opened =
            (|| Ok::<_, StoreError>((self.store.application(&id, code, &self.viewer.key)?, self.store.meeting(&id)?)))(
            );
        match opened {
            Ok((view, meeting)) => {
                let Some(rubric) = meeting.rubrics.into_iter().find(|r| r.kind == view.application.kind) else {
                    return;
                };
                let read_only = view.viewer != ViewerRole::Chair;
                let key = self.viewer.key.clone();
                self.stack.push(Box::new(decision::DecisionState::new(view, rubric, meeting.date, read_only, key)));
            }
            Err(e) => self.say_error(&e),
        }
    }

    /// Declaring a conflict, or withdrawing the one declared, until the decision.
    fn start_conflict(&mut self, code: &str) {
        let Some(id) = self.meeting_id() else { return };
        let view = match self.store.application(&id, code, &self.viewer.key) {
            Ok(v) => v,
            Err(e) => return self.say_error(&e),
        };
        if view.viewer != ViewerRole::Expert || !view.experts.iter().any(|e| e.key == self.viewer.key) {
            self.message = Some(self.i18n.t("scoring.not_expert").to_string());
            return;
        }
        let purpose = match self.store.standing_conflict(&id, code, &self.viewer.key) {
            Ok(None) => Purpose::Declare,
            Ok(Some(_)) if view.decision.as_ref().is_some_and(|d| !d.outdated) => {
                self.message = Some(self.i18n.t("conflict.decided").to_string());
                return;
            }
            Ok(Some(declaration)) => Purpose::Withdraw(declaration),
            Err(e) => return self.say_error(&e),
        };
        let form = ConflictForm::new(id, code.to_string(), view.application.name.clone(), view.basis.clone(), purpose);
        self.stack.push(Box::new(form));
    }

    /// From any screen to the item under discussion (当前议题): back to the queue, the item
    /// selected, its detail open. Typed work is never dropped for it.
    pub(super) fn jump_to_agenda(&mut self) {
        let Some(id) = self.meeting_id() else { return };
        let code = match self.store.under_discussion(&id) {
            Ok(Some(code)) => code,
            Ok(None) => {
                self.message = Some(self.i18n.t("agenda.none").to_string());
                return;
            }
            Err(e) => return self.say_error(&e),
        };
        if self.stack.iter().any(|s| s.unsaved().is_some()) {
            self.message = Some(self.i18n.t("agenda.unsaved").to_string());
            return;
        }
        self.close(self.stack.len());
        if let Some(q) = self.screen_mut::<queue::QueueState>() {
            if !q.shown.iter().any(|i| q.view.rows[*i].code == code) {
                q.filter.clear();
                q.kind = None;
                q.status = None;
                q.todo = false;
                q.refilter();
            }
            if let Some(p) = q.shown.iter().position(|i| q.view.rows[*i].code == code) {
                q.selected = p;
            }
        }
        self.open_detail(&code);
    }

    /// Puts `code` under discussion, through the confirmation.
    fn set_agenda(&mut self, code: &str) {
        let Some(id) = self.meeting_id() else { return };
        match self.store.meeting_event(&id) {
            Ok(meeting_event) => {
                let signing = proceedings::agenda(&id, &meeting_event, code, &self.i18n);
                self.stack.push(Box::new(Confirm::new(Box::new(signing))));
            }
            Err(e) => self.say_error(&e),
        }
    }

    /// The projector view: the item under discussion, or `code` when none is set.
    fn open_projector(&mut self, code: &str) {
        let Some(id) = self.meeting_id() else { return };
        let opened = (|| {
            let code = self.store.under_discussion(&id)?.unwrap_or_else(|| code.to_string());
            let view = self.store.application(&id, &code, &self.viewer.key)?;
            Ok::<_, StoreError>((view, self.store.meeting(&id)?.title))
        })();
        match opened {
            Ok((view, title)) => self.stack.push(Box::new(projector::ProjectorState::new(view, title))),
            Err(e) => self.say_error(&e),
        }
    }

    /// 整改跟踪 as of today in the meeting's zone.
    fn open_rectifications(&mut self) {
        let today = crate::domain::local_time::meeting_day(self.now());
        match self.store.rectification_history() {
            Ok(history) => self.stack.push(Box::new(Rectifications::new(today, history.tracks(today)))),
            Err(e) => self.say_error(&e),
        }
    }

    fn open_switcher(&mut self) {
        let Some(ring) = &self.keyring else { return };
        match ring.names() {
            Ok(names) => {
                let at = names.iter().position(|n| *n == self.viewer.name).unwrap_or(0);
                self.stack.push(Box::new(pickers::Switcher { names, at }));
            }
            Err(e) => self.say_error(&e),
        }
    }

    /// Acts as another identity of this home; a sealed key is opened here, never by a prompt
    /// behind the screens.
    fn switch(&mut self, name: String, passphrase: Option<String>) {
        let Some(ring) = &self.keyring else { return };
        let unlocking = self.top() == "unlock";
        let loaded = match (ring.entry(&name).map(|e| e.protected), passphrase) {
            (Ok(true), None) => {
                self.close(1);
                self.stack.push(Box::new(pickers::Unlock::new(name, 0)));
                return;
            }
            (Ok(_), typed) => ring.load_with(&name, typed.as_deref()),
            (Err(e), _) => Err(e),
        };
        match loaded {
            Ok(identity) => self.switch_to(identity),
            Err(crate::ledger::IdentityError::WrongPassphrase(_)) if unlocking => {
                let tries = self.unlock_failures() + 1;
                self.close(1);
                if tries < crate::ledger::identity::PASSPHRASE_ATTEMPTS {
                    self.stack.push(Box::new(pickers::Unlock::new(name, tries)));
                } else {
                    self.message = Some(self.i18n.t("unlock.gave_up").to_string());
                }
            }
            Err(e) => {
                self.close(1);
                self.say_error(&e);
            }
        }
    }

    fn unlock_failures(&self) -> u32 {
        self.stack.last().and_then(|s| s.failures()).unwrap_or(0)
    }

    /// Acts as another identity of this home from now on.
    pub fn switch_to(&mut self, identity: crate::ledger::Identity) {
        self.viewer = super::app::Viewer {
            key: identity.key_hex(),
            name: identity.name.clone(),
            fingerprint: identity.fingerprint(),
        };
        self.identity = identity;
        self.stack.truncate(1);
        self.reload();
    }

    fn open_sync(&mut self) {
        match self.store.trust_list() {
            Ok(trusted) => {
                let trusted_here = trusted.iter().any(|e| e.key == self.viewer.key);
                let mut s = sync::SyncState::new(self.meeting_id(), trusted);
                s.may_revoke = self.role == Some(ViewerRole::Secretariat) || trusted_here;
                self.stack.push(Box::new(s));
            }
            Err(e) => self.say_error(&e),
        }
    }

    /// Writes the meeting's report in `format` under the reports folder; says where it went.
    fn make_report(&mut self, format: crate::report::Format) {
        let Some(id) = self.meeting_id() else { return };
        let now = self.now();
        let ext = match format {
            crate::report::Format::Xlsx => "xlsx",
            crate::report::Format::Csv => "csv",
            crate::report::Format::Md | crate::report::Format::MinutesMd => "md",
            crate::report::Format::Html | crate::report::Format::MinutesHtml => "html",
        };
        let what = match format {
            crate::report::Format::MinutesMd | crate::report::Format::MinutesHtml => "report.minutes_file",
            _ => "report.file",
        };
        let name = format!("{id}-{}-{}.{ext}", self.i18n.t(what), now.format("%Y%m%d-%H%M%S"));
        let out = self.reports_dir.join(name);
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
    fn open_document(&mut self, sha256: &str, name: &str) {
        let bytes = match self.store.blob(sha256) {
            Ok(Some(b)) => b,
            Ok(None) => {
                self.message = Some(self.i18n.t("detail.document_missing").replace("{name}", name));
                return;
            }
            Err(e) => return self.say_error(&e),
        };
        let viewer = self.document_viewer.as_deref();
        self.message = Some(match crate::media::open_document(&self.documents_dir, sha256, name, &bytes, viewer) {
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
}
