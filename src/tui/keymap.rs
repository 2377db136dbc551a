//! Every key binding, declared once: handling, the status bar and help read from here.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// A key with the modifiers it needs.
#[derive(Clone, Copy, Debug)]
pub struct Key(pub KeyCode, pub KeyModifiers);

impl Key {
    const fn plain(c: KeyCode) -> Key {
        Key(c, KeyModifiers::NONE)
    }

    pub fn matches(&self, ev: &KeyEvent) -> bool {
        // Shift is how some terminals deliver `?` and capitals; only Ctrl and Alt must agree.
        let relevant = KeyModifiers::CONTROL | KeyModifiers::ALT;
        ev.code == self.0 && (ev.modifiers & relevant) == (self.1 & relevant)
    }
}

/// One field per action.
pub struct KeyMap {
    pub up: [Key; 2],
    pub down: [Key; 2],
    pub page_up: Key,
    pub page_down: Key,
    pub open: Key,
    pub back: [Key; 2],
    pub filter: Key,
    pub sort: Key,
    pub reverse: Key,
    pub kind: Key,
    pub progress: Key,
    pub help: Key,
    pub quit_now: Key,
    /// Leave the app, from the queue (the top screen).
    pub quit: Key,
    /// Only what is left for me to do (待办).
    pub todo: Key,
    /// Trust the secretariat key a previewed bundle names (信任).
    pub trust: Key,
    pub score: Key,
    pub decide: Key,
    pub switch: Key,
    pub conflict: Key,
    pub submit: Key,
    pub edit: Key,
    pub toggle: Key,
    pub sync: Key,
    pub export: Key,
    /// Export encrypted to one person's key (加密导出).
    pub export_encrypted: Key,
    pub scope: Key,
    pub trusted: Key,
    /// The keys pane of the sync screen (密钥).
    pub keys: Key,
    /// Revoke the highlighted key (吊销).
    pub revoke: Key,
    pub rescan: Key,
    pub open_document: Key,
    pub report: Key,
    /// 整改跟踪: open rectifications and held-back units, across meetings.
    pub rectification: Key,
    /// Go to the item under discussion (当前议题), from any screen.
    pub agenda_jump: Key,
    /// Put the selected application under discussion (chair or secretariat).
    pub agenda_set: Key,
    /// The projector view (投屏).
    pub projector: Key,
}

impl Default for KeyMap {
    fn default() -> Self {
        KeyMap {
            up: [Key::plain(KeyCode::Up), Key::plain(KeyCode::Char('k'))],
            down: [Key::plain(KeyCode::Down), Key::plain(KeyCode::Char('j'))],
            page_up: Key::plain(KeyCode::PageUp),
            page_down: Key::plain(KeyCode::PageDown),
            open: Key::plain(KeyCode::Enter),
            back: [Key::plain(KeyCode::Esc), Key::plain(KeyCode::Char('q'))],
            filter: Key::plain(KeyCode::Char('/')),
            sort: Key::plain(KeyCode::Char('s')),
            reverse: Key::plain(KeyCode::Char('S')),
            kind: Key::plain(KeyCode::Char('t')),
            progress: Key::plain(KeyCode::Char('p')),
            help: Key::plain(KeyCode::Char('?')),
            quit_now: Key(KeyCode::Char('c'), KeyModifiers::CONTROL),
            quit: Key::plain(KeyCode::Char('q')),
            todo: Key::plain(KeyCode::Char('w')),
            trust: Key::plain(KeyCode::Char('a')),
            score: Key::plain(KeyCode::Char('e')),
            decide: Key::plain(KeyCode::Char('d')),
            switch: Key::plain(KeyCode::Char('i')),
            conflict: Key::plain(KeyCode::Char('c')),
            submit: Key(KeyCode::Char('s'), KeyModifiers::CONTROL),
            edit: Key::plain(KeyCode::Tab),
            toggle: Key::plain(KeyCode::Char(' ')),
            sync: Key::plain(KeyCode::Char('u')),
            export: Key::plain(KeyCode::Char('x')),
            export_encrypted: Key::plain(KeyCode::Char('X')),
            scope: Key::plain(KeyCode::Char('m')),
            trusted: Key::plain(KeyCode::Char('t')),
            keys: Key::plain(KeyCode::Char('K')),
            revoke: Key::plain(KeyCode::Char('v')),
            rescan: Key::plain(KeyCode::Char('r')),
            open_document: Key::plain(KeyCode::Char('o')),
            report: Key::plain(KeyCode::Char('r')),
            rectification: Key::plain(KeyCode::Char('z')),
            agenda_jump: Key::plain(KeyCode::Char('g')),
            agenda_set: Key::plain(KeyCode::Char('G')),
            projector: Key::plain(KeyCode::Char('P')),
        }
    }
}

pub fn any(keys: &[Key], ev: &KeyEvent) -> bool {
    keys.iter().any(|k| k.matches(ev))
}
