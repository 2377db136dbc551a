//! The terminal interface (ratatui over crossterm). A synchronous loop handles key presses only,
//! and the terminal is restored on exit, on error and on panic.

pub mod app;
mod effects;
mod exchange;
pub mod i18n;
pub mod keymap;
pub mod screens;
pub mod widgets;

use crate::domain::Lang;
use crate::ledger::{Identity, Keyring};
use crate::store::Store;
use anyhow::{Result, bail};
use crossterm::event::{self, Event, KeyEventKind};
use std::io::IsTerminal;
use std::time::Duration;

/// How often the screens look whether another process changed the store.
const TICK: Duration = Duration::from_millis(500);

/// Opens the screens on this terminal, or says why not.
/// `keyring` lists the identities of this home, for switching on a shared meeting machine;
/// documents opened for viewing and reports are written under `home_dir`.
pub fn run(store: Store, identity: Identity, keyring: Keyring, home_dir: &std::path::Path, lang: Lang) -> Result<()> {
    if !std::io::stdout().is_terminal() || !std::io::stdin().is_terminal() {
        bail!(
            "没有连接终端，无法打开界面。请在终端中运行，或使用 queue、show 等命令 / no terminal is attached, so the screens cannot open: run it in a terminal, or use commands such as queue and show"
        );
    }
    let mut app = app::App::new(store, identity, lang);
    app.documents_dir = home_dir.join("documents");
    app.reports_dir = home_dir.join("reports");
    app.scratch_dir = crate::bundle::encrypted::scratch_in(home_dir);
    app.keyring = Some(keyring);
    // ratatui::init installs a panic hook that restores the terminal before the message prints.
    let mut terminal = ratatui::init();
    let out = &mut std::io::stdout();
    crossterm::execute!(out, event::EnableMouseCapture, event::EnableBracketedPaste).ok();
    let result = run_loop(&mut terminal, &mut app);
    crossterm::execute!(out, event::DisableBracketedPaste, event::DisableMouseCapture).ok();
    ratatui::restore();
    result
}

fn run_loop(terminal: &mut ratatui::DefaultTerminal, app: &mut app::App) -> Result<()> {
    let mut looked = std::time::Instant::now();
    while !app.quit {
        app.size = terminal.size().map(|s| ratatui::layout::Rect::new(0, 0, s.width, s.height))?;
        terminal.draw(|f| app.render(f))?;
        if app.run_pending() {
            continue;
        }
        // Look at the store at least every TICK, even while keys keep coming.
        if looked.elapsed() >= TICK {
            app.tick();
            looked = std::time::Instant::now();
        }
        if !event::poll(TICK.saturating_sub(looked.elapsed()))? {
            continue;
        }
        // Everything already typed is handled before the next frame, so a burst redraws once.
        loop {
            match event::read()? {
                Event::Key(k) if k.kind == KeyEventKind::Press => app.on_key(k),
                Event::Paste(text) => app.on_paste(&text),
                Event::Mouse(m) => app.on_mouse(m),
                _ => {}
            }
            if app.quit || app.busy() || !event::poll(Duration::ZERO)? {
                break;
            }
        }
    }
    Ok(())
}
