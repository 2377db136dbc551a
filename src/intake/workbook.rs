//! Workbooks (XLSX, XLSM, and ODS by content), read in bounded memory.
//!
//! Before calamine sees a workbook, its ZIP directory is checked: at most [`MAX_PARTS`] parts,
//! each within its limit unpacked ([`MAX_SHEET_PART_BYTES`] for a worksheet, which is read
//! streaming; [`MAX_STRINGS_PART_BYTES`] for the shared strings and [`MAX_CONTENT_PART_BYTES`]
//! for an ODS `content.xml`, which are held whole; [`MAX_OTHER_PART_BYTES`] for any other),
//! and [`MAX_UNPACKED_BYTES`] together. The zip crate (9.4) stops reading a part at the size
//! its directory declares ("File is larger than its declared uncompressed size"), so the
//! declared sizes bound what calamine can unpack; each part is also unpacked once here, into
//! nothing, so that one which lies about its size or checksum is named as damaged before any
//! of it is parsed. Two things calamine would allocate from a claim are checked too: the
//! shared-strings count it reserves (`uniqueCount`), and the cells its ODS reader expands from
//! `number-rows-repeated` and `number-columns-repeated` (see [`ods_cost`]).
//!
//! XLSX rows are then read streaming (`worksheet_cells_reader`): only the cells of known
//! columns are kept, and reading stops at the row limit. XLSB is refused (its record reader
//! sizes a buffer from each record header).

use super::{Collector, MAX_CELL_BYTES, MAX_COLUMNS, Slot, application, column_letters};
use std::borrow::Cow;
use std::io::{Cursor, Read};

/// The most parts (files) a workbook may hold; one has about ten.
pub const MAX_PARTS: usize = 1000;
/// A worksheet, unpacked. It is read streaming; the limit bounds its longest element.
pub const MAX_SHEET_PART_BYTES: u64 = 32 << 20;
/// The shared strings, unpacked: calamine holds them all.
pub const MAX_STRINGS_PART_BYTES: u64 = 8 << 20;
/// An ODS `content.xml`, unpacked: calamine parses all of it.
pub const MAX_CONTENT_PART_BYTES: u64 = 16 << 20;
/// The styles, unpacked: calamine builds a style for each cell format, about 40 times the
/// bytes of the smallest `<xf/>`.
pub const MAX_STYLES_PART_BYTES: u64 = 2 << 20;
/// Any other part (workbook, relationships, theme, pictures), unpacked.
pub const MAX_OTHER_PART_BYTES: u64 = 4 << 20;
/// All parts together, unpacked.
pub const MAX_UNPACKED_BYTES: u64 = 64 << 20;
/// The most shared strings a workbook may declare (calamine reserves room for them).
pub const MAX_SHARED_STRINGS: u64 = 1_000_000;
/// The most cells calamine's ODS reader may build (it holds every sheet whole).
pub const MAX_ODS_CELLS: u64 = 300_000;
/// The most bytes of text calamine's ODS reader may copy into cells.
pub const MAX_ODS_TEXT_BYTES: u64 = 8 << 20;

/// Why a workbook could not be read at all, before any of its rows.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WorkbookError {
    #[error(
        "不支持旧版 Excel 97-2003（.xls）文件：请在 Excel 或 WPS 中另存为 .xlsx 后再导入 / legacy Excel 97-2003 (.xls) files are not supported: save it as .xlsx in Excel or WPS and import that"
    )]
    LegacyXls,
    #[error(
        "不支持二进制工作簿（.xlsb）：请在 Excel 或 WPS 中另存为 .xlsx 后再导入 / binary workbooks (.xlsb) are not supported: save it as .xlsx in Excel or WPS and import that"
    )]
    Xlsb,
    #[error(
        "工作簿已加密（设有打开密码）：请在 Excel 或 WPS 中取消密码，另存为 .xlsx 后再导入 / the workbook is encrypted (it has a password to open): remove the password in Excel or WPS, save it as .xlsx and import that"
    )]
    Encrypted,
    #[error(
        "不是 .xlsx 工作簿（文件内容不是 ZIP 格式，可能是改了扩展名的其他文件）：请在 Excel 或 WPS 中另存为 .xlsx，或导出为 .csv 后再导入 / not an .xlsx workbook (the content is not a ZIP container; it may be another kind of file renamed): save it as .xlsx in Excel or WPS, or export it as .csv, and import that"
    )]
    NotZip,
    #[error(
        "工作簿已损坏，无法读取：请在 Excel 或 WPS 中打开，另存为新的 .xlsx 后再导入 / the workbook is damaged and cannot be read: open it in Excel or WPS, save it as a new .xlsx and import that"
    )]
    Damaged,
    #[error(
        "工作簿的部件 {part} 已损坏（{detail}），无法读取：请在 Excel 或 WPS 中打开，另存为新的 .xlsx 后再导入 / the workbook part {part} is damaged ({detail}) and cannot be read: open it in Excel or WPS, save it as a new .xlsx and import that"
    )]
    PartDamaged { part: String, detail: String },
    #[error(
        "工作簿含 {0} 个部件，最多 {MAX_PARTS} 个：请另存为新的 .xlsx，或导出为 .csv 后再导入 / the workbook holds {0} parts, at most {MAX_PARTS}: save it as a new .xlsx, or export it as .csv, and import that"
    )]
    TooManyParts(usize),
    #[error(
        "工作簿的部件 {part} 解压后有 {size} 字节，超过 {limit} 字节的上限：请删去图片和多余的工作表后另存为新的 .xlsx，或导出为 .csv 后再导入 / the workbook part {part} unpacks to {size} bytes, more than the limit of {limit}: remove pictures and extra sheets and save it as a new .xlsx, or export it as .csv, and import that"
    )]
    PartTooLarge { part: String, size: u64, limit: u64 },
    #[error(
        "工作簿解压后共有 {size} 字节，超过 {MAX_UNPACKED_BYTES} 字节的上限：请删去图片和多余的工作表后另存，或导出为 .csv 后再导入 / the workbook unpacks to {size} bytes in all, more than the limit of {MAX_UNPACKED_BYTES}: remove pictures and extra sheets and save it again, or export it as .csv, and import that"
    )]
    TooLargeUnpacked { size: u64 },
    #[error(
        "工作簿声明了 {part} 中有 {declared} 个字符串，最多 {MAX_SHARED_STRINGS} 个：请另存为新的 .xlsx，或导出为 .csv 后再导入 / the workbook declares {declared} strings in {part}, at most {MAX_SHARED_STRINGS}: save it as a new .xlsx, or export it as .csv, and import that"
    )]
    TooManyStrings { part: String, declared: String },
    #[error(
        "ODS 表格展开后超过 {MAX_ODS_CELLS} 个单元格或 {MAX_ODS_TEXT_BYTES} 字节文字（或无法核查）：请另存为 .xlsx，或导出为 .csv 后再导入 / the ODS spreadsheet expands to more than {MAX_ODS_CELLS} cells or {MAX_ODS_TEXT_BYTES} bytes of text (or cannot be checked): save it as .xlsx, or export it as .csv, and import that"
    )]
    OdsTooLarge,
    #[error("不是可读的 Excel 工作簿：{0} / not a readable Excel workbook: {0}")]
    Unreadable(String),
    #[error("工作簿没有工作表 / the workbook has no sheet")]
    NoSheet,
}

/// A ZIP file's first local header: XLSX, XLSM, XLSB and ODS are ZIP containers.
pub(super) const ZIP_MAGIC: &[u8] = b"PK\x03\x04";
/// The OLE2 compound file (CFB) signature: legacy XLS, and also password-encrypted XLSX.
pub(super) const CFB_MAGIC: &[u8] = b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1";

/// Decides by the first bytes, whatever the file's name says, whether calamine may read them.
fn check_container(bytes: &[u8]) -> Result<(), WorkbookError> {
    if bytes.starts_with(ZIP_MAGIC) {
        Ok(())
    } else if bytes.starts_with(CFB_MAGIC) {
        // An encrypted XLSX is a CFB file holding an `EncryptedPackage` stream. Its name, in UTF-16LE,
        // is searched for as plain bytes: the file's structure is not parsed.
        let name: Vec<u8> = "EncryptedPackage".encode_utf16().flat_map(u16::to_le_bytes).collect();
        if bytes.windows(name.len()).any(|w| w == name) {
            Err(WorkbookError::Encrypted)
        } else {
            Err(WorkbookError::LegacyXls)
        }
    } else {
        Err(WorkbookError::NotZip)
    }
}

/// Which reader a checked workbook goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Xlsx,
    Ods,
}

/// The limit of one part, by its name.
fn part_limit(name: &str) -> u64 {
    let lower = name.to_ascii_lowercase();
    if lower.starts_with("xl/worksheets/") {
        MAX_SHEET_PART_BYTES
    } else if lower.ends_with("sharedstrings.xml") {
        MAX_STRINGS_PART_BYTES
    } else if lower.ends_with("styles.xml") {
        MAX_STYLES_PART_BYTES
    } else if name == "content.xml" {
        MAX_CONTENT_PART_BYTES
    } else {
        MAX_OTHER_PART_BYTES
    }
}

/// Checks a workbook's ZIP directory and unpacks every part once, into nothing (or, for the
/// shared strings and an ODS `content.xml`, into a buffer to check), before calamine opens it.
fn check_parts(bytes: &[u8]) -> Result<Kind, WorkbookError> {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| WorkbookError::Unreadable(e.to_string()))?;
    if zip.len() > MAX_PARTS {
        return Err(WorkbookError::TooManyParts(zip.len()));
    }
    let mut total: u64 = 0;
    let mut names = Vec::with_capacity(zip.len());
    for i in 0..zip.len() {
        let part = zip.by_index_raw(i).map_err(|_| WorkbookError::Damaged)?;
        let name = String::from_utf8_lossy(part.name_raw()).into_owned();
        let size = part.size();
        let limit = part_limit(&name);
        if size > limit {
            return Err(WorkbookError::PartTooLarge { part: application::quoted(&name), size, limit });
        }
        total = total.saturating_add(size);
        if total > MAX_UNPACKED_BYTES {
            return Err(WorkbookError::TooLargeUnpacked { size: total });
        }
        names.push((name, size));
    }
    let lower: Vec<String> = names.iter().map(|(n, _)| n.to_ascii_lowercase()).collect();
    if lower.iter().any(|n| n == "xl/workbook.bin") {
        return Err(WorkbookError::Xlsb);
    }
    let kind = if names.iter().any(|(n, _)| n == "mimetype") && names.iter().any(|(n, _)| n == "content.xml") {
        Kind::Ods
    } else {
        Kind::Xlsx
    };
    for (i, (name, size)) in names.iter().enumerate() {
        let damaged = |e: &dyn std::fmt::Display| WorkbookError::PartDamaged {
            part: application::quoted(name),
            detail: application::quoted(&e.to_string()),
        };
        let mut part = match zip.by_index(i) {
            Ok(p) => p,
            Err(zip::result::ZipError::UnsupportedArchive(m)) if m == zip::result::ZipError::PASSWORD_REQUIRED => {
                return Err(WorkbookError::Encrypted);
            }
            Err(e) => return Err(damaged(&e)),
        };
        let keep = (kind == Kind::Xlsx && lower[i].ends_with("sharedstrings.xml"))
            || (kind == Kind::Ods && name == "content.xml");
        // At most the declared size is read: one byte more would mean the part lies.
        let mut limited = (&mut part).take(size.saturating_add(1));
        let unpacked = if keep {
            let mut buf = Vec::with_capacity(*size as usize);
            limited.read_to_end(&mut buf).map_err(|e| damaged(&e))?;
            check_kept(kind, name, &buf)?;
            buf.len() as u64
        } else {
            std::io::copy(&mut limited, &mut std::io::sink()).map_err(|e| damaged(&e))?
        };
        if unpacked != *size {
            return Err(damaged(&"实际大小与声明不符 / its size is not what it declares"));
        }
    }
    Ok(kind)
}

/// Checks a part kept whole: the shared strings' declared count, or an ODS sheet's expansion.
fn check_kept(kind: Kind, name: &str, xml: &[u8]) -> Result<(), WorkbookError> {
    match kind {
        Kind::Xlsx => {
            if let Some(declared) = too_many_strings(xml) {
                return Err(WorkbookError::TooManyStrings { part: application::quoted(name), declared });
            }
            Ok(())
        }
        Kind::Ods => match ods_cost(xml) {
            Some((cells, text)) if cells <= MAX_ODS_CELLS && text <= MAX_ODS_TEXT_BYTES => Ok(()),
            _ => Err(WorkbookError::OdsTooLarge),
        },
    }
}

/// calamine reserves room for as many strings as any `uniqueCount` attribute of the shared
/// strings says. Every occurrence is looked at, wherever it is: a count that is not plain
/// digits, or more than [`MAX_SHARED_STRINGS`], is returned (quoted) to refuse the workbook.
fn too_many_strings(xml: &[u8]) -> Option<String> {
    const KEY: &[u8] = b"uniqueCount";
    let mut at = 0;
    while let Some(off) = find(&xml[at..], KEY) {
        let mut i = at + off + KEY.len();
        at = i;
        while xml.get(i).is_some_and(u8::is_ascii_whitespace) {
            i += 1;
        }
        if xml.get(i) != Some(&b'=') {
            continue;
        }
        i += 1;
        while xml.get(i).is_some_and(u8::is_ascii_whitespace) {
            i += 1;
        }
        let Some(&quote) = xml.get(i).filter(|q| **q == b'"' || **q == b'\'') else { continue };
        let start = i + 1;
        let end = xml[start..].iter().position(|b| *b == quote).map_or(xml.len(), |p| start + p);
        let value = &xml[start..end];
        let shown = || application::quoted(&String::from_utf8_lossy(&value[..value.len().min(40)]));
        if value.is_empty() || value.len() > 12 || !value.iter().all(u8::is_ascii_digit) {
            return Some(shown());
        }
        match std::str::from_utf8(value).ok().and_then(|v| v.parse::<u64>().ok()) {
            Some(n) if n <= MAX_SHARED_STRINGS => {}
            _ => return Some(shown()),
        }
    }
    None
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// One tag of an XML text, as [`Tags`] finds it.
struct Tag<'a> {
    name: &'a [u8],
    /// `</name>`
    end: bool,
    /// `<name/>`
    empty: bool,
    attrs: &'a [u8],
}

/// The tags of an XML text, in order, with comments, CDATA, processing instructions and
/// declarations skipped. `None` inside means the text cannot be read (an unclosed construct).
struct Tags<'a> {
    xml: &'a [u8],
    at: usize,
}

impl<'a> Iterator for Tags<'a> {
    type Item = Option<Tag<'a>>;

    fn next(&mut self) -> Option<Option<Tag<'a>>> {
        let xml = self.xml;
        let mut lt;
        let mut rest;
        'find: loop {
            lt = self.at + xml.get(self.at..)?.iter().position(|b| *b == b'<')?;
            rest = &xml[lt..];
            for (open, close) in [(&b"<!--"[..], &b"-->"[..]), (b"<![CDATA[", b"]]>"), (b"<?", b"?>"), (b"<!", b">")] {
                if rest.starts_with(open) {
                    let Some(p) = find(&rest[open.len()..], close) else {
                        self.at = xml.len();
                        return Some(None);
                    };
                    self.at = lt + open.len() + p + close.len();
                    continue 'find;
                }
            }
            break;
        }
        let end = rest.get(1) == Some(&b'/');
        let name_start = lt + 1 + usize::from(end);
        let name_len = xml[name_start..]
            .iter()
            .position(|b| b.is_ascii_whitespace() || *b == b'/' || *b == b'>')
            .unwrap_or(xml.len() - name_start);
        let name = &xml[name_start..name_start + name_len];
        // The tag ends at the first `>` outside quotes.
        let mut quote = None;
        let mut i = name_start + name_len;
        loop {
            let Some(&b) = xml.get(i) else {
                self.at = xml.len();
                return Some(None);
            };
            match quote {
                Some(q) if b == q => quote = None,
                Some(_) => {}
                None if b == b'"' || b == b'\'' => quote = Some(b),
                None if b == b'>' => break,
                None => {}
            }
            i += 1;
        }
        let empty = !end && xml[i - 1] == b'/' && i > name_start + name_len;
        let attrs = &xml[name_start + name_len..if empty { i - 1 } else { i }];
        self.at = i + 1;
        Some(Some(Tag { name, end, empty, attrs }))
    }
}

/// The attributes of a tag, or `None` if they cannot be read.
fn attributes(raw: &[u8]) -> Option<Vec<(&[u8], &[u8])>> {
    let mut out = Vec::new();
    let mut i = 0;
    loop {
        while raw.get(i).is_some_and(u8::is_ascii_whitespace) {
            i += 1;
        }
        if i >= raw.len() {
            return Some(out);
        }
        let start = i;
        while raw.get(i).is_some_and(|b| !b.is_ascii_whitespace() && *b != b'=') {
            i += 1;
        }
        let name = &raw[start..i];
        while raw.get(i).is_some_and(u8::is_ascii_whitespace) {
            i += 1;
        }
        if raw.get(i) != Some(&b'=') {
            return None;
        }
        i += 1;
        while raw.get(i).is_some_and(u8::is_ascii_whitespace) {
            i += 1;
        }
        let quote = *raw.get(i).filter(|q| **q == b'"' || **q == b'\'')?;
        let vstart = i + 1;
        let vend = vstart + raw[vstart..].iter().position(|b| *b == quote)?;
        out.push((name, &raw[vstart..vend]));
        i = vend + 1;
    }
}

/// The largest value of a numeric attribute (1 when absent), or `None` if any is not plain
/// digits (calamine might read it otherwise: refused rather than guessed).
fn repeats(attrs: &[(&[u8], &[u8])], name: &[u8]) -> Option<u64> {
    let mut most = 1u64;
    for (k, v) in attrs {
        if *k == name {
            if v.is_empty() || v.len() > 12 || !v.iter().all(u8::is_ascii_digit) {
                return None;
            }
            most = most.max(std::str::from_utf8(v).ok()?.parse().ok()?);
        }
    }
    Some(most)
}

/// An upper bound of what calamine 0.38's ODS reader builds from `content.xml`: the cells of
/// its ranges, and the bytes of text copied into them. `None` if it cannot be worked out.
///
/// calamine reads every sheet whole. In a row it keeps cells up to the last one with a value,
/// each repeated `number-columns-repeated` times; it then makes each sheet a rectangle from
/// the first row with a value to the last, as wide as the widest row, each row repeated
/// `number-rows-repeated` times. Here a cell counts as having a value unless it is an empty
/// element with no attribute but its style, repeat or validation; its text is at most the
/// bytes between its tags.
pub(super) fn ods_cost(xml: &[u8]) -> Option<(u64, u64)> {
    #[derive(Default)]
    struct Sheet {
        rows: u64,
        pending: u64,
        width: u64,
        text: u64,
        started: bool,
    }
    #[derive(Default)]
    struct Row {
        repeat: u64,
        width: u64,
        pending: u64,
        text: u64,
    }
    let mut tags = Tags { xml, at: 0 };
    let (mut cells, mut text) = (0u64, 0u64);
    let mut sheet = Sheet::default();
    let mut row = Row::default();
    let close_row = |sheet: &mut Sheet, row: &mut Row| {
        if row.width > 0 {
            sheet.rows = if sheet.started { sheet.rows.saturating_add(sheet.pending) } else { 0 };
            sheet.rows = sheet.rows.saturating_add(row.repeat);
            sheet.started = true;
            sheet.pending = 0;
            sheet.width = sheet.width.max(row.width);
            sheet.text = sheet.text.saturating_add(row.repeat.saturating_mul(row.text));
        } else if sheet.started {
            sheet.pending = sheet.pending.saturating_add(row.repeat);
        }
        *row = Row::default();
    };
    let close_sheet = |sheet: &mut Sheet, cells: &mut u64, text: &mut u64| {
        *cells = cells.saturating_add(sheet.rows.saturating_mul(sheet.width));
        *text = text.saturating_add(sheet.text);
        *sheet = Sheet::default();
    };
    while let Some(tag) = tags.next() {
        let tag = tag?;
        match (tag.end, tag.name) {
            (false, b"table:table") if tag.empty => {}
            (false, b"table:table") => close_sheet(&mut sheet, &mut cells, &mut text),
            (true, b"table:table") => close_sheet(&mut sheet, &mut cells, &mut text),
            (false, b"table:table-row") => {
                row =
                    Row { repeat: repeats(&attributes(tag.attrs)?, b"table:number-rows-repeated")?, ..Row::default() };
                if tag.empty {
                    close_row(&mut sheet, &mut row);
                }
            }
            (true, b"table:table-row") => close_row(&mut sheet, &mut row),
            (false, name @ (b"table:table-cell" | b"table:covered-table-cell")) => {
                let attrs = attributes(tag.attrs)?;
                let repeat = repeats(&attrs, b"table:number-columns-repeated")?;
                let plain = |k: &[u8]| {
                    matches!(
                        k,
                        b"table:style-name" | b"table:number-columns-repeated" | b"table:content-validation-name"
                    )
                };
                let valued = !tag.empty || !attrs.iter().all(|(k, _)| plain(k));
                let content = if tag.empty { 0 } else { skip_element(&mut tags, name)? };
                if valued {
                    row.width = row.width.saturating_add(row.pending).saturating_add(repeat);
                    row.pending = 0;
                    row.text = row.text.saturating_add(repeat.saturating_mul(content));
                } else {
                    row.pending = row.pending.saturating_add(repeat);
                }
            }
            _ => {}
        }
    }
    close_row(&mut sheet, &mut row);
    close_sheet(&mut sheet, &mut cells, &mut text);
    Some((cells, text))
}

/// Moves `tags` past the end of the element `name` just opened, and returns how many bytes its
/// content spans. Nested elements of the same name are counted in.
fn skip_element(tags: &mut Tags<'_>, name: &[u8]) -> Option<u64> {
    let start = tags.at;
    let mut depth = 1u32;
    loop {
        let tag = tags.next()??;
        if tag.name == name {
            if tag.end {
                depth -= 1;
                if depth == 0 {
                    // Counts the end tag too: an upper bound is all that is needed.
                    return Some((tags.at - start) as u64);
                }
            } else if !tag.empty {
                depth += 1;
            }
        }
    }
}

/// Reads a workbook's bytes into `c`: the sheet named like 申报 or `applications`, else the
/// first.
pub(super) fn rows(bytes: &[u8], c: &mut Collector) -> Result<(), WorkbookError> {
    check_container(bytes)?;
    // A backstop: calamine has panicked on malformed input before (in its XLS reader, refused
    // above), and so have ZIP readers. A panic here becomes an error; the default panic hook
    // still prints it to stderr.
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| match check_parts(bytes)? {
        Kind::Xlsx => xlsx_rows(bytes, c),
        Kind::Ods => ods_rows(bytes, c),
    }))
    .unwrap_or(Err(WorkbookError::Damaged))
}

fn pick_sheet(names: &[String]) -> Result<String, WorkbookError> {
    names
        .iter()
        .find(|n| n.contains("申报") || n.eq_ignore_ascii_case("applications"))
        .or_else(|| names.first())
        .cloned()
        .ok_or(WorkbookError::NoSheet)
}

fn xlsx_rows(bytes: &[u8], c: &mut Collector) -> Result<(), WorkbookError> {
    use calamine::{DataRef, Reader, Xlsx};
    let unreadable = |e: calamine::XlsxError| WorkbookError::Unreadable(application::quoted(&e.to_string()));
    let mut book: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).map_err(unreadable)?;
    let sheet = pick_sheet(&book.sheet_names())?;
    let mut cells = book.worksheet_cells_reader(&sheet).map_err(unreadable)?;
    let mut out = SheetRows::new(c);
    while let Some(cell) = cells.next_cell().map_err(unreadable)? {
        let (r, col) = cell.get_position();
        let text: Cow<'_, str> = match cell.get_value() {
            DataRef::Empty => Cow::Borrowed(""),
            DataRef::DateTimeIso(s) => Cow::Borrowed(s.get(..10).unwrap_or(s)),
            DataRef::String(s) | DataRef::DurationIso(s) => Cow::Borrowed(s.as_str()),
            DataRef::SharedString(s) => Cow::Borrowed(*s),
            DataRef::Float(f) => Cow::Owned(float_text(*f)),
            DataRef::Int(i) => Cow::Owned(i.to_string()),
            DataRef::Bool(b) => Cow::Borrowed(if *b { "是" } else { "否" }),
            DataRef::DateTime(dt) => {
                Cow::Owned(dt.as_datetime().map(|d| d.date().to_string()).unwrap_or_else(|| dt.to_string()))
            }
            DataRef::Error(e) => Cow::Owned(e.to_string()),
        };
        if !out.cell(r, col, &text)? {
            return Ok(());
        }
    }
    out.finish()
}

fn float_text(f: f64) -> String {
    if f.fract() == 0.0 && f.abs() < 1e15 { format!("{}", f as i64) } else { f.to_string() }
}

fn ods_rows(bytes: &[u8], c: &mut Collector) -> Result<(), WorkbookError> {
    use calamine::{Data, Ods, Reader};
    let unreadable = |e: calamine::OdsError| WorkbookError::Unreadable(application::quoted(&e.to_string()));
    let mut book: Ods<_> = Ods::new(Cursor::new(bytes)).map_err(unreadable)?;
    let sheet = pick_sheet(&book.sheet_names())?;
    let range = book.worksheet_range(&sheet).map_err(unreadable)?;
    let (r0, c0) = range.start().unwrap_or((0, 0));
    let mut out = SheetRows::new(c);
    for (i, row) in range.rows().enumerate() {
        for (j, d) in row.iter().enumerate() {
            let text: Cow<'_, str> = match d {
                Data::Empty => continue,
                Data::String(s) => Cow::Borrowed(s.as_str()),
                Data::Float(f) => Cow::Owned(float_text(*f)),
                Data::Int(i) => Cow::Owned(i.to_string()),
                Data::Bool(b) => Cow::Borrowed(if *b { "是" } else { "否" }),
                Data::DateTime(dt) => {
                    Cow::Owned(dt.as_datetime().map(|d| d.date().to_string()).unwrap_or_else(|| dt.to_string()))
                }
                Data::DateTimeIso(s) => Cow::Borrowed(s.get(..10).unwrap_or(s)),
                other => Cow::Owned(other.to_string()),
            };
            let (r, col) = (r0 as u64 + i as u64, c0 as u64 + j as u64);
            let (Ok(r), Ok(col)) = (u32::try_from(r), u32::try_from(col)) else { return Err(WorkbookError::Damaged) };
            if !out.cell(r, col, &text)? {
                return Ok(());
            }
        }
    }
    out.finish()
}

/// Turns a stream of cells, row by row in order, into header and rows for a [`Collector`]:
/// the first row with any text is the header; later rows keep only their known columns' cells.
struct SheetRows<'c> {
    c: &'c mut Collector,
    /// Known columns by their place in the sheet.
    places: Vec<(u32, usize)>,
    header_cells: usize,
    header_done: bool,
    current: Option<u32>,
    cells: Vec<String>,
}

impl<'c> SheetRows<'c> {
    fn new(c: &'c mut Collector) -> Self {
        SheetRows { c, places: Vec::new(), header_cells: 0, header_done: false, current: None, cells: Vec::new() }
    }

    /// Takes one cell; returns whether to go on.
    fn cell(&mut self, r: u32, col: u32, text: &str) -> Result<bool, WorkbookError> {
        match self.current {
            Some(cur) if r < cur => return Err(WorkbookError::Damaged),
            Some(cur) if r == cur => {}
            _ => {
                if !self.end_row() {
                    return Ok(false);
                }
                self.current = Some(r);
                self.cells = vec![String::new(); if self.header_done { self.c.table.columns.len() } else { 0 }];
            }
        }
        let label = || column_letters(col as usize);
        if !self.header_done {
            if text.trim().is_empty() {
                return Ok(true);
            }
            self.header_cells += 1;
            if self.header_cells > MAX_COLUMNS {
                self.c.errors.at(
                    r as usize + 1,
                    "",
                    format!("表头超过 {MAX_COLUMNS} 列：请使用申报模板 / the header has more than {MAX_COLUMNS} columns: use the intake template"),
                );
                return Ok(false);
            }
            if let Slot::Known(i) = self.c.header(1, &label(), text) {
                self.places.push((col, i));
            }
            return Ok(true);
        }
        let slot = self.places.iter().find(|(p, _)| *p == col).map_or(Slot::Ignored, |(_, i)| Slot::Known(*i));
        if slot == Slot::Ignored && text.len() <= MAX_CELL_BYTES {
            return Ok(true);
        }
        if let (Some(kept), Slot::Known(i)) = (self.c.cell(r as usize + 1, &label(), slot, text), slot) {
            self.cells[i] = kept;
        }
        Ok(true)
    }

    /// Ends the row being read; returns whether to go on.
    fn end_row(&mut self) -> bool {
        let Some(r) = self.current.take() else { return true };
        if !self.header_done {
            if self.header_cells == 0 {
                return true;
            }
            self.header_done = true;
            self.c.require();
            return self.c.errors.is_empty();
        }
        self.c.row(r as usize + 1, std::mem::take(&mut self.cells))
    }

    fn finish(mut self) -> Result<(), WorkbookError> {
        self.end_row();
        if !self.header_done && self.c.errors.is_empty() {
            self.c.errors.at(1, "", "工作表为空 / the sheet is empty".into());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    /// A ZIP of the given parts, deflated; each part is `bytes` repeated `times` times.
    fn zip_of(parts: &[(&str, &[u8], usize)]) -> Vec<u8> {
        let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let deflate = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
        for (name, bytes, times) in parts {
            zip.start_file(*name, deflate).unwrap();
            for _ in 0..*times {
                zip.write_all(bytes).unwrap();
            }
        }
        zip.finish().unwrap().into_inner()
    }

    /// Makes the entry `name` declare `size` bytes unpacked, in both of its headers.
    fn declare(zip: &mut [u8], name: &str, size: u32) {
        let mut patched = 0;
        for at in 0..zip.len().saturating_sub(46) {
            let (size_at, name_at, len_at) = match &zip[at..at + 4] {
                b"PK\x03\x04" => (at + 22, at + 30, at + 26),
                b"PK\x01\x02" => (at + 24, at + 46, at + 28),
                _ => continue,
            };
            let len = u16::from_le_bytes([zip[len_at], zip[len_at + 1]]) as usize;
            if zip.get(name_at..name_at + len) == Some(name.as_bytes()) {
                zip[size_at..size_at + 4].copy_from_slice(&size.to_le_bytes());
                patched += 1;
            }
        }
        assert_eq!(patched, 2);
    }

    #[test]
    fn parts_are_checked_against_their_declared_and_real_sizes() {
        let ok = zip_of(&[("xl/workbook.xml", b"<workbook/>", 1), ("xl/worksheets/sheet1.xml", b"<r/>", 1000)]);
        assert_eq!(check_parts(&ok), Ok(Kind::Xlsx));
        // Honest but too large: refused from the directory alone.
        let big = zip_of(&[("xl/sharedStrings.xml", &[b'0'; 1 << 20], 9)]);
        assert!(matches!(
            check_parts(&big),
            Err(WorkbookError::PartTooLarge { limit: MAX_STRINGS_PART_BYTES, size, .. }) if size == 9 << 20
        ));
        let sheets: Vec<(String, Vec<u8>)> =
            (0..3).map(|i| (format!("xl/worksheets/s{i}.xml"), vec![b'0'; 1 << 20])).collect();
        let parts: Vec<(&str, &[u8], usize)> = sheets.iter().map(|(n, b)| (n.as_str(), b.as_slice(), 30)).collect();
        assert!(matches!(check_parts(&zip_of(&parts)), Err(WorkbookError::TooLargeUnpacked { .. })));
        // Lying about its size: the zip crate stops at the declared size, and the part is named.
        let mut lying = zip_of(&[("xl/styles.xml", &[b'0'; 1 << 20], 100)]);
        declare(&mut lying, "xl/styles.xml", 1024);
        match check_parts(&lying) {
            Err(WorkbookError::PartDamaged { part, detail }) => {
                assert_eq!(part, "xl/styles.xml");
                assert!(detail.contains("larger than its declared"), "{detail}");
            }
            other => panic!("{other:?}"),
        }
        // Claiming more than it holds.
        let mut short = zip_of(&[("xl/styles.xml", b"<styleSheet/>", 1)]);
        declare(&mut short, "xl/styles.xml", 1000);
        assert!(matches!(check_parts(&short), Err(WorkbookError::PartDamaged { .. })));
        // Too many parts; a binary workbook.
        let names: Vec<String> = (0..=MAX_PARTS).map(|i| i.to_string()).collect();
        let many: Vec<(&str, &[u8], usize)> = names.iter().map(|n| (n.as_str(), &b""[..], 1)).collect();
        assert_eq!(check_parts(&zip_of(&many)), Err(WorkbookError::TooManyParts(MAX_PARTS + 1)));
        assert_eq!(check_parts(&zip_of(&[("xl/workbook.bin", b"", 1)])), Err(WorkbookError::Xlsb));
        // A part name is quoted, never printed raw.
        let named = zip_of(&[("x\u{1b}[2J", &[b'0'; 1 << 20], 5)]);
        let e = check_parts(&named).unwrap_err().to_string();
        assert!(e.contains("\\u{1b}[2J") && !e.contains('\u{1b}'), "{e}");
    }

    #[test]
    fn a_claimed_string_count_is_checked_before_calamine_reserves_it() {
        for ok in [
            &b"<sst count=\"9\" uniqueCount=\"5\">"[..],
            b"<sst uniqueCount='1000000'>",
            b"<si><t>uniqueCount is</t></si>",
        ] {
            assert_eq!(too_many_strings(ok), None, "{}", String::from_utf8_lossy(ok));
        }
        for bad in [
            &b"<sst uniqueCount=\"4000000000\">"[..],
            b"<sst uniqueCount = '1000001'>",
            b"<sst uniqueCount=\"+5\">",
            b"<sst uniqueCount=\"&#49;0000000\">",
            b"<sst uniqueCount=\"\">",
            b"<sst uniqueCount=\"5\"><si/></sst><!-- --><sst uniqueCount=\"99999999999999\">",
        ] {
            assert!(too_many_strings(bad).is_some(), "{}", String::from_utf8_lossy(bad));
        }
    }

    fn content(body: &str) -> String {
        format!(
            "<?xml version=\"1.0\"?><office:document-content xmlns:office=\"o\" xmlns:table=\"t\" xmlns:text=\"x\">\
             <office:body><office:spreadsheet><table:table table:name=\"申报\">{body}</table:table>\
             </office:spreadsheet></office:body></office:document-content>"
        )
    }

    fn ods(body: &str) -> Vec<u8> {
        let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let stored = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
        zip.start_file("mimetype", stored).unwrap();
        zip.write_all(b"application/vnd.oasis.opendocument.spreadsheet").unwrap();
        zip.start_file("META-INF/manifest.xml", stored).unwrap();
        zip.write_all(b"<manifest:manifest xmlns:manifest=\"urn:oasis:names:tc:opendocument:xmlns:manifest:1.0\"><manifest:file-entry manifest:full-path=\"content.xml\" manifest:media-type=\"text/xml\"/></manifest:manifest>").unwrap();
        zip.start_file("content.xml", stored).unwrap();
        zip.write_all(content(body).as_bytes()).unwrap();
        zip.finish().unwrap().into_inner()
    }

    fn cell(text: &str, repeat: u32) -> String {
        format!(
            "<table:table-cell table:number-columns-repeated=\"{repeat}\" office:value-type=\"string\"><text:p>{text}</text:p></table:table-cell>"
        )
    }

    /// The cells calamine really builds for the sheet.
    fn calamine_cells(body: &str) -> u64 {
        use calamine::Reader;
        let mut book = calamine::Ods::new(Cursor::new(ods(body))).unwrap();
        let range = book.worksheet_range("申报").unwrap();
        let (h, w) = range.get_size();
        (h * w) as u64
    }

    #[test]
    fn the_ods_bound_holds_and_refuses_repeat_bombs() {
        let empty = "<table:table-cell table:number-columns-repeated=\"1000\"/>";
        let bodies = [
            format!("<table:table-row>{}{}</table:table-row>", cell("a", 1), cell("b", 2)),
            // LibreOffice writes trailing empty cells and rows with large repeats.
            format!(
                "<table:table-row>{}{empty}</table:table-row><table:table-row table:number-rows-repeated=\"1048570\">{empty}</table:table-row>",
                cell("a", 3)
            ),
            // Empty rows between rows with values are built too.
            format!(
                "<table:table-row>{}</table:table-row><table:table-row table:number-rows-repeated=\"50\">{empty}</table:table-row><table:table-row>{empty}{}</table:table-row>",
                cell("a", 1),
                cell("b", 1)
            ),
            format!("<table:table-row table:number-rows-repeated=\"20\">{}</table:table-row>", cell("长文字", 7)),
            // A comment, CDATA, a self-closing row, a covered cell.
            format!(
                "<!-- <table:table-row> --><table:table-row/><table:table-row>{}<table:covered-table-cell/>{}</table:table-row>",
                cell("<![CDATA[</table:table-cell>]]>", 1),
                cell("b", 1)
            ),
        ];
        for body in &bodies {
            let (cells, text) = ods_cost(content(body).as_bytes()).unwrap();
            let real = calamine_cells(body);
            assert!(cells >= real, "bound {cells} < {real} for {body}");
            assert!(cells <= real.max(1) * 3 + 3000, "bound {cells} far above {real} for {body}");
            assert!(text < 10_000, "{text}");
        }
        for bomb in [
            format!("<table:table-row table:number-rows-repeated=\"1000000\">{}</table:table-row>", cell("x", 16384)),
            format!(
                "<table:table-row>{}</table:table-row>{}",
                cell("x", 16384),
                format!("<table:table-row>{}</table:table-row>", cell("y", 1)).repeat(100)
            ),
            format!(
                "<table:table-row table:number-rows-repeated=\"100\">{}</table:table-row>",
                cell(&"x".repeat(100_000), 1000)
            ),
        ] {
            let xml = content(&bomb);
            let (cells, text) = ods_cost(xml.as_bytes()).unwrap();
            assert!(cells > MAX_ODS_CELLS || text > MAX_ODS_TEXT_BYTES, "{cells} {text}");
            assert_eq!(check_kept(Kind::Ods, "content.xml", xml.as_bytes()), Err(WorkbookError::OdsTooLarge));
        }
        // What cannot be read is refused, not guessed.
        for bad in [
            "<table:table-row table:number-rows-repeated=\"1e9\">",
            "<table:table-row table:number-rows-repeated=\"&#49;\">",
            "<table:table-row><!-- never closed",
            "<table:table-row><table:table-cell office:value-type=\"string\"><text:p>x",
        ] {
            assert_eq!(ods_cost(content(bad).as_bytes()), None, "{bad}");
        }
    }
}
