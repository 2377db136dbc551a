//! One file per screen: its state, its update, its render and its key hints. A screen never
//! touches the store: its update returns an [`Action`], and the app carries out every effect
//! (signing, store writes, exports, reports) in one place.

pub mod confirm;
pub mod conflict;
pub mod decision;
pub mod detail;
pub mod pickers;
pub mod proceedings;
pub mod projector;
pub mod queue;
pub mod rectification;
pub mod scoring;
pub mod sync;

use crate::store::ViewerRole;
use crate::tui::i18n::I18n;
use crate::tui::keymap::KeyMap;
use crossterm::event::KeyEvent;
use ratatui::Frame;
use ratatui::layout::Rect;
use std::path::PathBuf;

/// What every screen may read while it updates or draws.
pub struct Ctx<'a> {
    pub keys: &'a KeyMap,
    pub t: &'a I18n,
    pub role: Option<ViewerRole>,
    /// Rows of the body, for paging.
    pub page: usize,
    /// Where reports are written, for the picker to say.
    pub reports_dir: &'a std::path::Path,
}

/// A screen or an overlay on the stack.
pub trait Screen: std::any::Any {
    /// A short name, for tests and for rules about particular screens ("queue", "help").
    fn name(&self) -> &'static str;
    fn update(&mut self, ev: &KeyEvent, cx: &Ctx) -> Action;
    fn render(&self, frame: &mut Frame, area: Rect, cx: &Ctx);
    /// The i18n keys of the status bar's hints, most used first.
    fn hints(&self) -> &'static [&'static str];
    /// Drawn over the screen beneath it rather than in its place.
    fn overlay(&self) -> bool {
        false
    }
    /// Keys go to a text box, so `?` and `q` are text, not commands.
    fn typing(&self) -> bool {
        false
    }
    /// Text pasted in one piece, for the focused text box.
    fn paste(&mut self, _text: &str) {}
    /// Typed work this screen holds, for Ctrl-C: kept by an effect (a draft), or only
    /// described, so that quitting asks first. `None` when there is nothing to lose.
    fn unsaved(&self) -> Option<Unsaved> {
        None
    }
    /// News from the app: results of slow work, or data read again after the store changed.
    fn receive(&mut self, _news: News) {}
    /// Which application this screen shows, so it can be read again when the store changes.
    fn application(&self) -> Option<&str> {
        None
    }
    /// How many passphrases typed here were wrong (the unlock box).
    fn failures(&self) -> Option<u32> {
        None
    }
    /// How many rows the screen lists.
    fn rows(&self) -> usize {
        0
    }
    /// A left click at (`column`, `row`) of the terminal, the screen drawn in `area`.
    fn click(&mut self, _column: u16, _row: u16, _area: Rect) {}
}

/// What typed work a screen holds when the app is asked to quit.
pub enum Unsaved {
    /// Keep it by carrying out this effect (a draft in the store).
    Keep(Effect),
    /// It cannot be kept: quitting must be confirmed. The text names what would be lost.
    Lose(String),
}

/// What a key asks the app to do.
pub enum Action {
    None,
    /// Close this screen or overlay.
    Back,
    /// Leave the app (the app keeps or confirms away typed work first).
    Quit,
    Push(Box<dyn Screen>),
    /// Close this screen and open another in its place.
    Replace(Box<dyn Screen>),
    Do(Effect),
    /// Carry out the effect, then close this screen.
    Leave(Effect),
    /// Say something on the message line.
    Say(String),
}

/// Work only the app may do: it reads or writes the store, signs, or touches files.
pub enum Effect {
    OpenDetail(String),
    StartScoring(String),
    StartDecision(String),
    /// Declare, or withdraw, a conflict on an application.
    StartConflict(String),
    OpenSync,
    OpenSwitcher,
    OpenReports,
    /// 整改跟踪, across meetings.
    OpenRectifications,
    /// Put this application under discussion (当前议题), through the confirmation.
    SetAgenda(String),
    /// The projector view of the item under discussion, or of this application when none is.
    OpenProjector(String),
    /// Act as this identity of the home, unlocking it with the passphrase when protected.
    SwitchTo {
        name: String,
        passphrase: Option<String>,
    },
    /// Show what would be signed, for a deliberate confirmation.
    Review(Box<Signing>),
    /// Sign it: the confirmation was given.
    Sign(Box<Signing>),
    SaveDraft {
        code: String,
        sheet: crate::domain::ScoreSheet,
    },
    OpenDocument {
        sha256: String,
        name: String,
    },
    Report(crate::report::Format),
    Preview(PathBuf),
    Import(PathBuf),
    Export {
        dir: PathBuf,
        meeting: Option<String>,
        recipient: Option<PathBuf>,
    },
    ListKeys,
    /// Trust a secretariat key (the fingerprint was checked by typing its last group).
    Trust {
        key: String,
        name: String,
        suite: crate::ledger::Suite,
    },
    QuitNow,
}

/// Something to be signed, as it will be signed and as the signer reads it.
pub struct Signing {
    pub body: crate::ledger::Body,
    pub title: String,
    /// The whole text the signer confirms, unwrapped.
    pub text: String,
    /// Said on the message line once signed.
    pub done: String,
    /// The screens the signing closes once done, beside the confirmation (the form it came from).
    pub closes: usize,
    /// A draft to delete once signed: (meeting, application).
    pub draft: Option<(String, String)>,
}

/// What the app tells a screen.
pub enum News {
    /// The sync screen's right-hand pane after slow work.
    Pane(sync::Pane),
    /// The trusted secretariat keys, after a change.
    Trusted(Vec<crate::store::TrustEntry>),
    /// The queue, read again.
    Queue(crate::store::QueueView),
    /// The open application, read again.
    Application(Box<crate::store::ApplicationView>),
    /// A problem with what the screen asked for.
    Problem(String),
}
