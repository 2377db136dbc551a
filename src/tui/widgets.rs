//! Pieces every screen draws with: centred boxes that keep their borders over Chinese text,
//! text areas that wrap by display width, the real cursor inside them, and wrapping by cells.
//! Screens import from here; nothing here knows a screen.

use crate::domain::text::width;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Block, Borders, Clear, Paragraph};
use ratatui_textarea::{TextArea, WrapMode};

/// A `w`×`h` rectangle centred in `area` (clipped to it), for overlays.
pub fn centered(area: Rect, w: u16, h: u16) -> Rect {
    let (w, h) = (w.min(area.width), h.min(area.height));
    Rect::new(area.x + (area.width - w) / 2, area.y + (area.height - h) / 2, w, h)
}

/// Empties `rect` for an overlay. A wide character of the screen beneath that straddles either
/// edge would be drawn over the border by the terminal, so its outside half becomes a space.
pub fn clear(frame: &mut Frame, rect: Rect) {
    frame.render_widget(Clear, rect);
    let full = frame.area();
    let buf = frame.buffer_mut();
    for y in rect.top()..rect.bottom() {
        if rect.x > full.x && width(buf[(rect.x - 1, y)].symbol()) > 1 {
            buf[(rect.x - 1, y)].set_symbol(" ");
        }
        // The right half of a wide character whose left half was just cleared.
        if rect.right() < full.right() && buf[(rect.right(), y)].symbol().is_empty() {
            buf[(rect.right(), y)].set_symbol(" ");
        }
    }
}

/// A bordered box of `lines` drawn over whatever is beneath, centred and as tall as it needs.
pub fn popup(frame: &mut Frame, area: Rect, width: u16, title: &str, lines: Vec<Line<'_>>) {
    let rect = centered(area, width, lines.len() as u16 + 2);
    clear(frame, rect);
    frame.render_widget(
        Paragraph::new(lines).block(Block::default().borders(Borders::ALL).title(title.to_string())),
        rect,
    );
}

/// A text area holding `text`, wrapping by display width: words where there are spaces,
/// characters in Chinese.
pub fn editor(text: &str) -> TextArea<'static> {
    let lines: Vec<String> =
        if text.is_empty() { vec![String::new()] } else { text.lines().map(str::to_string).collect() };
    let mut area = TextArea::new(lines);
    area.set_wrap_mode(WrapMode::WordOrGlyph);
    area.move_cursor(ratatui_textarea::CursorMove::Bottom);
    area.move_cursor(ratatui_textarea::CursorMove::End);
    area
}

/// What a text area holds, trimmed.
pub fn text_of(t: &TextArea<'_>) -> String {
    t.lines().join("\n").trim().to_string()
}

/// Draws `editor` in `area` with `block` and, when `focused`, puts the terminal's real cursor on
/// its cursor, so that Chinese input methods open there.
pub fn draw_editor<'b>(frame: &mut Frame, editor: &TextArea<'static>, block: Block<'b>, area: Rect, focused: bool) {
    let mut shown: TextArea<'b> = editor.clone();
    shown.set_block(block);
    frame.render_widget(&shown, area);
    if focused {
        place_cursor(frame, &shown, area);
    }
}

/// Puts the real cursor where a text area drawn in `area` (inside a one-cell border) shows its
/// cursor, counting cells after wrapping and scrolling.
pub fn place_cursor(frame: &mut Frame, editor: &TextArea<'_>, area: Rect) {
    let at = editor.screen_cursor();
    let (top, left) = editor.scroll_offset();
    let x = area.x as usize + 1 + at.col.saturating_sub(left as usize);
    let y = area.y as usize + 1 + at.row.saturating_sub(top as usize);
    let x = x.min(area.right().saturating_sub(2) as usize) as u16;
    let y = y.min(area.bottom().saturating_sub(2) as usize) as u16;
    frame.set_cursor_position((x, y));
}

/// `text` broken into lines of at most `cells` display cells: at spaces where a line has them,
/// anywhere in Chinese. Every character is kept; nothing is cut off.
pub fn wrap(text: &str, cells: usize) -> Vec<String> {
    let cells = cells.max(2);
    let mut out = Vec::new();
    for para in text.split('\n') {
        let mut line = String::new();
        let mut used = 0;
        for c in para.chars() {
            let w = width(c.encode_utf8(&mut [0; 4]));
            if used + w > cells {
                // Break at the last space if that leaves a reasonable line, else here.
                match line.rfind(' ').filter(|i| *i > 0 && c != ' ') {
                    Some(i) if width(&line[..i]) * 2 >= cells => {
                        let rest = line[i + 1..].to_string();
                        line.truncate(i);
                        out.push(std::mem::take(&mut line));
                        line = rest;
                        used = width(&line);
                    }
                    _ => {
                        out.push(std::mem::take(&mut line));
                        used = 0;
                    }
                }
                if c == ' ' && used == 0 {
                    continue;
                }
            }
            line.push(c);
            used += w;
        }
        out.push(line);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrapping_keeps_every_character_within_the_width() {
        let text = "本项目与本人原单位存在直接利害关系，依规回避。The former employer of this expert applied.";
        for cells in [2, 7, 10, 23, 40] {
            let lines = wrap(text, cells);
            assert!(lines.iter().all(|l| width(l) <= cells), "{cells}: {lines:?}");
            let joined: String = lines.concat().chars().filter(|c| *c != ' ').collect();
            let expected: String = text.chars().filter(|c| *c != ' ').collect();
            assert_eq!(joined, expected, "nothing is lost at {cells}");
        }
        assert_eq!(wrap("one two three", 8), ["one two", "three"]);
        assert_eq!(wrap("a\n\nb", 10), ["a", "", "b"]);
    }
}
