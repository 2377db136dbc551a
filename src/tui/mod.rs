//! The terminal interface (ratatui over crossterm). A synchronous loop handles key presses only,
//! and the terminal is restored on exit, on error and on panic.

pub mod app;
pub mod i18n;
pub mod keymap;
pub mod screens;

use crate::domain::Lang;
use crate::ledger::{Identity, Keyring};
use crate::store::Store;
use anyhow::{Result, bail};
use crossterm::event::{self, Event, KeyEventKind};
use std::io::IsTerminal;

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
    crossterm::execute!(std::io::stdout(), crossterm::event::EnableMouseCapture).ok();
    let result = run_loop(&mut terminal, &mut app);
    crossterm::execute!(std::io::stdout(), crossterm::event::DisableMouseCapture).ok();
    ratatui::restore();
    result
}

/// Puts the terminal's real cursor where the text area's cursor is, inside its one-cell border,
/// so that Chinese input methods open there. The text area counts characters; the terminal
/// counts cells.
pub fn place_cursor(frame: &mut ratatui::Frame, editor: &ratatui_textarea::TextArea<'_>, area: ratatui::layout::Rect) {
    let ratatui_textarea::DataCursor(row, col) = editor.cursor();
    let line = editor.lines().get(row).map(String::as_str).unwrap_or("");
    let cells = crate::domain::text::width(&line.chars().take(col).collect::<String>());
    let x = (area.x as usize + 1 + cells).min(area.right().saturating_sub(2) as usize) as u16;
    frame.set_cursor_position((x, area.y + 1 + row as u16));
}

/// A `w`×`h` rectangle centred in `area` (clipped to it), for overlays.
pub fn centered(area: ratatui::layout::Rect, w: u16, h: u16) -> ratatui::layout::Rect {
    let (w, h) = (w.min(area.width), h.min(area.height));
    ratatui::layout::Rect::new(area.x + (area.width - w) / 2, area.y + (area.height - h) / 2, w, h)
}

/// A bordered box of `lines` drawn over whatever is beneath, centred and as tall as it needs.
pub fn popup(
    frame: &mut ratatui::Frame,
    area: ratatui::layout::Rect,
    width: u16,
    title: &str,
    lines: Vec<ratatui::text::Line<'_>>,
) {
    use ratatui::widgets::{Block, Borders, Clear, Paragraph};
    let rect = centered(area, width, lines.len() as u16 + 2);
    frame.render_widget(Clear, rect);
    frame.render_widget(
        Paragraph::new(lines).block(Block::default().borders(Borders::ALL).title(title.to_string())),
        rect,
    );
}

fn run_loop(terminal: &mut ratatui::DefaultTerminal, app: &mut app::App) -> Result<()> {
    while !app.quit {
        app.size = terminal.size().map(|s| ratatui::layout::Rect::new(0, 0, s.width, s.height))?;
        terminal.draw(|f| app.render(f))?;
        if app.run_pending() {
            continue;
        }
        match event::read()? {
            Event::Key(k) if k.kind == KeyEventKind::Press => app.on_key(k),
            Event::Mouse(m) => app.on_mouse(m),
            _ => {}
        }
    }
    Ok(())
}
