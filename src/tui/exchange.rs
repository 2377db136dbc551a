//! The sync screen's work: previewing, importing and exporting bundles, trusting a
//! secretariat's key and listing the signing keys known here.

use super::app::App;
use super::screens::{News, sync};
use crate::store::StoreError;

impl App {
    pub(super) fn preview(&mut self, path: std::path::PathBuf) -> sync::Pane {
        let opened = crate::bundle::encrypted::open(&path, &[&self.identity], &self.scratch_dir);
        match opened.and_then(|o| crate::bundle::inspect_file(o.file(), o.path())) {
            Ok(summary) => {
                let admission = admission(&self.store, &summary);
                sync::Pane::Preview { path, summary: Box::new(summary), admission }
            }
            Err(e) => sync::Pane::Failed { path, error: self.i18n.error(&e) },
        }
    }

    // An encrypted bundle opens with the identity in use (switch with `i` for another).
    pub(super) fn import(&mut self, path: std::path::PathBuf) -> sync::Pane {
        let now = self.now();
        let done = crate::bundle::encrypted::open(&path, &[&self.identity], &self.scratch_dir)
            .and_then(|o| crate::bundle::import_file(&mut self.store, o.file(), o.path(), now, false, &mut |_, _| {}));
        match done {
            Ok((summary, report)) => {
                if report.new + report.released > 0 {
                    let stamp = format!("{} {}", now.to_rfc3339(), path.display());
                    if let Err(e) = self.store.set_meta("last_import", &stamp) {
                        self.say_error(&e);
                    }
                }
                sync::Pane::Report { path, summary: Box::new(summary), report }
            }
            Err(e) => sync::Pane::Failed { path, error: self.i18n.error(&e) },
        }
    }

    pub(super) fn export(
        &mut self,
        dir: std::path::PathBuf,
        meeting: Option<String>,
        recipient: Option<std::path::PathBuf>,
    ) -> sync::Pane {
        use crate::bundle::encrypted::{Addressee, export_to};
        let now = self.now();
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
                    self.say_error(&e);
                }
                sync::Pane::Exported(report)
            }
            Err(e) => sync::Pane::Failed { path: target, error: self.i18n.error(&e) },
        }
    }

    pub(super) fn trust(&mut self, key: String, name: String, suite: crate::ledger::Suite) {
        let public = crate::ledger::PublicKey { name: name.clone(), suite, key, recipient: None };
        match self.store.trust_add(&public, &self.now().to_rfc3339()) {
            Ok(_) => {
                self.close(1);
                self.message = Some(self.i18n.t("trust.done").replace("{name}", &name));
                let trusted = self.store.trust_list().unwrap_or_default();
                if let Some(top) = self.stack.last_mut() {
                    top.receive(News::Trusted(trusted));
                }
                // The preview warned that this secretariat was not trusted: read the bundle
                // again, so that what it says is what holds now. Read here, not behind a working
                // frame, so that the message saying the key is trusted stays on screen.
                let previewed = self.screen::<sync::SyncState>().and_then(|s| match &s.pane {
                    sync::Pane::Preview { path, .. } => Some(path.clone()),
                    _ => None,
                });
                if let Some(path) = previewed {
                    let pane = self.preview(path);
                    if let Some(top) = self.stack.last_mut() {
                        top.receive(News::Pane(pane));
                    }
                }
            }
            Err(e) => self.say_error(&e),
        }
    }

    /// The keys pane: the open meeting's secretariat and panel (older keys of a seat too), then
    /// the trusted secretariat keys, each with its last seq here and its cut-off if revoked.
    pub(super) fn list_keys(&mut self) {
        match self.key_rows() {
            Ok(rows) => {
                if let Some(top) = self.stack.last_mut() {
                    top.receive(News::Pane(sync::Pane::Keys { rows, at: 0 }));
                }
            }
            Err(e) => self.say_error(&e),
        }
    }

    fn key_rows(&self) -> Result<Vec<sync::KeyRow>, StoreError> {
        let revoked = self.store.revocations()?;
        let mut rows: Vec<sync::KeyRow> = Vec::new();
        let mut add = |key: &str, name: &str, suite: crate::ledger::Suite, role: &'static str| {
            if rows.iter().any(|r| r.key == key) {
                return Ok::<_, StoreError>(());
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
        if let Some(id) = self.meeting_id() {
            let m = self.store.meeting(&id)?;
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
        Ok(rows)
    }
}

/// Whether a bundle's exporter and secretariats would be admitted here.
fn admission(store: &crate::store::Store, s: &crate::bundle::BundleSummary) -> sync::Admission {
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
            sync::Untrusted {
                name: m.secretariat.name.clone(),
                fingerprint: crate::ledger::fingerprint(m.secretariat.suite, &raw),
                key: m.secretariat.key.clone(),
                suite: m.secretariat.suite,
            }
        })
        .collect();
    sync::Admission { exporter_known, untrusted_secretariats }
}
