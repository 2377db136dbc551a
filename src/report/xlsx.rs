//! The report as an XLSX workbook: sheets Summary, Scores, Opinions and Findings, with a frozen
//! header row, a number format for 万元 and column widths measured in display cells.

use super::{Cell, MeetingReport, ReportError, Table, TableKind};
use crate::domain::text::width;
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
        write_table(r, &r.table(kind), sheet).map_err(xlsx)?;
    }
    book.save_to_buffer().map_err(xlsx)
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
