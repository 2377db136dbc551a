//! The report as an XLSX workbook: sheets Summary, Scores, Opinions and Findings, with a frozen
//! header row, a number format for 万元 and column widths measured in display cells. Every sheet
//! is set up to print: A4 landscape, one page wide, the header row on every page, the meeting and
//! the provisional mark in the page header, page numbers in the footer, and on Opinions one
//! application (one opinion form) per page.

use super::{Cell, MeetingReport, ReportError, Table, TableKind};
use crate::domain::text::{truncate, width};
use rust_xlsxwriter::{Color, Format, FormatAlign, Workbook, Worksheet, XlsxError};

/// Up to six decimals of 万元 are whole fen; the format shows two, and more only when there are.
pub const WAN_FORMAT: &str = "#,##0.00####";

fn xlsx(e: XlsxError) -> ReportError {
    ReportError::Xlsx(e.to_string())
}

pub fn workbook(r: &MeetingReport) -> Result<Vec<u8>, ReportError> {
    let mut book = Workbook::new();
    for kind in TableKind::ALL {
        let sheet = book.add_worksheet();
        sheet.set_name(kind.name()).map_err(xlsx)?;
        let table = r.table(kind);
        write_table(r, &table, sheet).map_err(xlsx)?;
        page_setup(r, &table, sheet).map_err(xlsx)?;
    }
    book.save_to_buffer().map_err(xlsx)
}

/// Paper A4 in Excel's numbering.
const A4: u8 = 9;

/// Excel refuses a header or footer longer than 255 UTF-16 units (rust_xlsxwriter then drops it
/// with a warning on stderr). Each text part is cut to 60 cells and 48 units before its `&`s are
/// doubled (96 at most), so two parts, the sheet name and the control codes stay under the limit
/// whatever the meeting's title holds.
const PART_CELLS: usize = 60;
const PART_UNITS: usize = 48;

/// `&` starts a control code in a page header; a `&` in a title is doubled, after the cut.
fn header_part(text: &str) -> String {
    let mut cut = truncate(text, PART_CELLS);
    while cut.encode_utf16().count() > PART_UNITS {
        cut.pop();
    }
    cut.replace('&', "&&")
}

/// The print setup of one sheet. The header row is row 0, or row 1 under the provisional banner.
fn page_setup(r: &MeetingReport, t: &Table, sheet: &mut Worksheet) -> Result<(), XlsxError> {
    let top = u32::from(r.provisional);
    sheet.set_paper_size(A4).set_landscape().set_print_fit_to_pages(1, 0).set_repeat_rows(top, top)?;
    sheet.set_header(header_text(r, t.kind)).set_footer(footer_text(r));
    if t.kind == TableKind::Opinions {
        sheet.set_page_breaks(&form_breaks(t, top))?;
    }
    Ok(())
}

fn header_text(r: &MeetingReport, kind: TableKind) -> String {
    let title = header_part(&format!("{} {}", r.title, r.date));
    let mark = if r.provisional { header_part(&r.provisional_note()) } else { String::new() };
    format!("&L{title}&C&B{mark}&R{}", kind.name())
}

fn footer_text(r: &MeetingReport) -> String {
    format!("&C{}", r.l("第 &P 页，共 &N 页", "Page &P of &N"))
}

/// Row numbers (0-based, the row a new page starts at) where a new application's rows begin,
/// so that each opinion form prints on a page of its own. Column 0 holds the code.
fn form_breaks(t: &Table, top: u32) -> Vec<u32> {
    let mut breaks = Vec::new();
    for (i, pair) in t.rows.windows(2).enumerate() {
        if pair[0].first() != pair[1].first() {
            breaks.push(top + 2 + i as u32);
        }
    }
    // Excel keeps at most 1023 manual breaks; past that the forms run on, still in order.
    breaks.truncate(1023);
    breaks
}

/// Writes a table with its header row frozen; a provisional report gets a banner row above it.
pub fn write_table(r: &MeetingReport, t: &Table, sheet: &mut Worksheet) -> Result<(), XlsxError> {
    let header = Format::new().set_bold().set_background_color(Color::RGB(0xDDE7F0)).set_text_wrap();
    let wan = Format::new().set_num_format(WAN_FORMAT);
    let score = Format::new().set_num_format("0.00").set_align(FormatAlign::Right);
    let wrap = Format::new().set_text_wrap().set_align(FormatAlign::Top);
    let mut top = 0;
    if r.provisional {
        let banner = Format::new().set_bold().set_font_color(Color::RGB(0xC00000));
        sheet.write_string_with_format(0, 0, r.provisional_note(), &banner)?;
        top = 1;
    }
    let mut widths: Vec<usize> = t.headers.iter().map(|h| width(h)).collect();
    for (c, h) in t.headers.iter().enumerate() {
        sheet.write_string_with_format(top, c as u16, h, &header)?;
    }
    for (i, row) in t.rows.iter().enumerate() {
        let y = top + 1 + i as u32;
        for (c, cell) in row.iter().enumerate() {
            let x = c as u16;
            match cell {
                Cell::Wan(m) => {
                    sheet.write_number_with_format(y, x, m.fen() as f64 / 1_000_000.0, &wan)?;
                }
                Cell::Score(s) => match s.parse::<f64>() {
                    Ok(n) => {
                        sheet.write_number_with_format(y, x, n, &score)?;
                    }
                    Err(_) => {
                        sheet.write_string(y, x, s)?;
                    }
                },
                Cell::Count(n) => {
                    sheet.write_number(y, x, *n as f64)?;
                }
                Cell::Text(s) if width(s) > 40 => {
                    sheet.write_string_with_format(y, x, s, &wrap)?;
                }
                Cell::Text(s) => {
                    sheet.write_string(y, x, s)?;
                }
                Cell::Empty => {}
            }
            if let Some(w) = widths.get_mut(c) {
                *w = (*w).max(width(&cell.text()));
            }
        }
    }
    for (c, w) in widths.iter().enumerate() {
        // Excel's width unit is about one Latin character; a Chinese character takes two.
        sheet.set_column_width(c as u16, (*w as f64 + 2.0).min(60.0))?;
    }
    sheet.set_freeze_panes(top + 1, 0)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hostile_title_cannot_push_the_page_header_past_excels_limit() {
        for title in ["&".repeat(300), "\u{301}".repeat(400), "区".repeat(200), "a&P&N".repeat(80)] {
            let part = header_part(&title);
            let header = format!("&L{part}&C&B{part}&R{}", TableKind::Opinions.name());
            assert!(header.encode_utf16().count() <= 255, "{} units", header.encode_utf16().count());
            // Every & of the title is literal: doubled, so none starts a control code.
            assert!(!part.replace("&&", "").contains('&'), "{part}");
        }
    }

    #[test]
    fn each_application_starts_a_page_of_its_own_on_opinions() {
        let row = |code: &str| vec![Cell::Text(code.into()), Cell::Text("x".into())];
        let t = Table {
            kind: TableKind::Opinions,
            headers: vec!["编码".into(), "x".into()],
            rows: vec![row("A"), row("A"), row("A"), row("B"), row("C"), row("C")],
        };
        // Header at row 0, rows from 1: B starts at row 4, C at row 5.
        assert_eq!(form_breaks(&t, 0), vec![4, 5]);
        // Under the provisional banner, everything is one row down.
        assert_eq!(form_breaks(&t, 1), vec![5, 6]);
    }
}
