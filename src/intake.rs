//! Reading applications from CSV (UTF-8, with or without BOM), XLSX or JSON. All three become
//! the same rows of text cells, so one parser checks them all. Errors carry row and column.
//!
//! An intake file comes from an applicant, on a USB stick: it is hostile input. So:
//! - the file is read only if it is a regular file of at most [`MAX_FILE_BYTES`];
//! - every cell is checked when it is read, before anything else is done with it: at most
//!   [`MAX_CELL_BYTES`] in any column, even one that is otherwise ignored, and its field's own
//!   limits (the same ones [`Application::validate`] holds a peer's events to);
//! - at most [`MAX_ROWS`] applications are read; the first row beyond stops the reader with one
//!   error that says so;
//! - at most [`MAX_ERRORS`] errors are kept, then “… and N more”;
//! - workbooks are read streaming, after their parts' unpacked sizes are checked (see
//!   `workbook`), and JSON is read item by item, never as one tree (see `json`);
//! - documents resolve inside the intake file's own folder, never through a symbolic link,
//!   never a special file, never in the reviewdesk home (see `documents`).
//!
//! Workbooks are checked by their bytes before calamine sees them: only ZIP containers (XLSX,
//! XLSM, and by content ODS) go on. Legacy Excel 97-2003 files (OLE2/CFB, whatever their
//! extension) are refused, because calamine 0.38's CFB reader panics, or allocates without
//! bound, on malformed ones (`fuzz/crashes-found/README.md`); XLSB is refused because its
//! record reader allocates what a record header claims.

mod amount;
mod documents;
mod json;
mod workbook;

pub use amount::{HeaderUnit, PLAUSIBLE_MAX, PLAUSIBLE_MIN, Unit};
pub use documents::{Attached, IntakeFolder};
pub use workbook::WorkbookError;

use crate::domain::application::{self, FundingSource, MaintenanceFacts, ProfileFacts, ProjectType, TextField};
use crate::domain::{Application, ApplicationKind, Nature, PlanClass, ProtectionLevel};
use chrono::NaiveDate;
use std::collections::HashMap;
use std::fmt;
use std::path::Path;

/// The largest intake file read (CSV, XLSX or JSON). Ten thousand applications of a few
/// hundred bytes each fit; a reader's memory stays a small multiple of it.
pub const MAX_FILE_BYTES: u64 = 8 << 20;
/// The most applications one intake file may hold. A meeting has a few hundred.
pub const MAX_ROWS: usize = 10_000;
/// The longest cell, in any column: a documents cell listing 32 files fits.
pub const MAX_CELL_BYTES: usize = 4096;
/// The longest header cell.
pub const MAX_HEADER_BYTES: usize = 256;
/// The most header cells (columns) read; a sheet has 19.
pub const MAX_COLUMNS: usize = 1024;
/// The longest cell of a short field (kind, amounts, dates, yes/no, class, level).
pub const MAX_SHORT_CHARS: usize = 64;
/// The errors kept and printed; the rest are counted.
pub const MAX_ERRORS: usize = 20;

/// A column of the intake sheet.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Field {
    Code,
    Name,
    Unit,
    Department,
    Kind,
    Nature,
    ApprovedTotal,
    RequestedTotal,
    OriginalTotal,
    PlanClass,
    CrossDepartment,
    JointSubmission,
    SupervisionFirm,
    DataSharing,
    ProtectionLevel,
    ConstructionCompleted,
    TrialStart,
    TrialEnd,
    AcceptanceApplied,
    Documents,
    ReceivedOn,
    FundingSource,
    ProjectType,
    ReviewStage,
    DesignUnit,
    DeveloperUnit,
    PreviousCode,
    AcceptedOn,
    SelfEvaluation,
    ServiceReport,
}

/// Every column: the field, its Chinese and English headers, and other names it is known by.
pub const COLUMNS: &[(Field, &str, &str, &[&str])] = &[
    (Field::Code, "项目编码", "code", &["项目代码", "编码", "project_code"]),
    (Field::Name, "项目名称", "name", &["名称", "project_name"]),
    (Field::Unit, "建设单位", "unit", &["申报单位", "construction_unit"]),
    (Field::Department, "主管部门", "department", &[]),
    (Field::Kind, "申报类型", "kind", &["评审类型", "类型", "type"]),
    (Field::Nature, "建设性质", "nature", &[]),
    (Field::ApprovedTotal, "批复总投资", "approved_total", &["approved"]),
    (Field::RequestedTotal, "申报总投资", "requested_total", &["申报金额", "requested"]),
    (Field::PlanClass, "年度计划类别", "plan_class", &["计划类别", "plan"]),
    (Field::CrossDepartment, "跨部门", "cross_department", &[]),
    (Field::JointSubmission, "联合申报", "joint_submission", &[]),
    (Field::SupervisionFirm, "监理单位", "supervision_firm", &["监理", "supervision"]),
    (Field::DataSharing, "数据共享章节", "data_sharing_section", &["数据共享", "data_sharing"]),
    (Field::ProtectionLevel, "等保级别", "protection_level", &["等保"]),
    (Field::ConstructionCompleted, "建设完成日期", "construction_completed", &["完工日期"]),
    (Field::TrialStart, "试运行开始", "trial_start", &["试运行开始日期"]),
    (Field::TrialEnd, "试运行结束", "trial_end", &["试运行结束日期"]),
    (Field::AcceptanceApplied, "验收申请日期", "acceptance_applied", &[]),
    (Field::Documents, "附件", "documents", &["材料"]),
    (Field::ReceivedOn, "受理日期", "received_on", &["收件日期", "申报受理日期"]),
    (Field::FundingSource, "资金来源", "funding_source", &[]),
    (Field::ProjectType, "项目类型", "project_type", &[]),
    (Field::ReviewStage, "审核环节", "review_stage", &["审核步骤"]),
    (Field::DesignUnit, "设计单位", "design_unit", &[]),
    (Field::DeveloperUnit, "开发单位", "developer_unit", &["实施单位"]),
    // Optional columns go last, so that the template's earlier columns keep their places.
    (Field::OriginalTotal, "最初批复总投资", "original_total", &["首次批复总投资", "原批复总投资"]),
    (Field::PreviousCode, "前次验收项目编码", "previous_code", &["原项目编码", "整改前项目编码"]),
    // O&M applications (运维) only.
    (Field::AcceptedOn, "验收通过日期", "accepted_on", &["通过验收日期", "竣工验收日期"]),
    (Field::SelfEvaluation, "绩效自评价报告", "self_evaluation", &["绩效自评价", "自评价报告"]),
    (Field::ServiceReport, "年度运维服务报告", "service_report", &["运维服务情况报表", "年度运维服务情况报表"]),
];

const REQUIRED: &[Field] = &[Field::Code, Field::Name, Field::Unit, Field::Kind];

impl Field {
    pub fn zh(self) -> &'static str {
        COLUMNS.iter().find(|c| c.0 == self).map_or("", |c| c.1)
    }

    pub fn en(self) -> &'static str {
        COLUMNS.iter().find(|c| c.0 == self).map_or("", |c| c.2)
    }

    fn is_money(self) -> bool {
        matches!(self, Field::ApprovedTotal | Field::RequestedTotal | Field::OriginalTotal)
    }
}

/// One problem in an intake file, at a row (1 = header) and column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IntakeError {
    pub row: usize,
    pub column: String,
    pub message: String,
}

impl fmt::Display for IntakeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.column.is_empty() {
            write!(f, "第 {} 行 / row {}：{}", self.row, self.row, self.message)
        } else {
            write!(
                f,
                "第 {} 行「{}」列 / row {}, column {}：{}",
                self.row, self.column, self.row, self.column, self.message
            )
        }
    }
}

/// What nothing-registered messages end with.
const NOTHING: &str = "未登记任何项目 / nothing was registered";

/// An intake file that could not be taken in: every problem found, none applied.
#[derive(Debug, thiserror::Error)]
pub enum IntakeFileError {
    #[error("无法读取 {path}：{detail}。未登记任何项目 / cannot read {path}: {detail}. Nothing was registered")]
    Read { path: String, detail: String },
    #[error(
        "{path} 不是普通文件（是{kind_zh}）：请指定申报表文件本身。未登记任何项目 / {path} is not a regular file (it is a {kind_en}): name the intake file itself. Nothing was registered"
    )]
    NotAFile { path: String, kind_zh: &'static str, kind_en: &'static str },
    #[error(
        "{path} 文件过大（{size} 字节），申报表最多 8 MiB：请拆分为多个文件分批登记，或删去其中的图片。未登记任何项目 / {path} is too large ({size} bytes); an intake file may hold at most 8 MiB: split it and register the parts one by one, or remove its pictures. Nothing was registered"
    )]
    TooLarge { path: String, size: u64 },
    #[error(
        "不支持的文件类型“{0}”，请用 .csv、.xlsx 或 .json。未登记任何项目 / unsupported file type “{0}”: use .csv, .xlsx or .json. Nothing was registered"
    )]
    Format(String),
    #[error("{}", rows_message(path, errors, *more))]
    Rows { path: String, errors: Vec<IntakeError>, more: usize },
    #[error("{path}：{reason}。{NOTHING}")]
    Workbook { path: String, reason: WorkbookError },
    #[error(
        "申报表所在文件夹 {folder} 位于评审台数据目录 {home} 之内：附件不能取自评审台数据目录，请把申报表及其附件复制到数据目录之外的单独文件夹再登记。未登记任何项目 / the intake file's folder {folder} is inside the reviewdesk home {home}: documents are never taken from the home; copy the intake file and its documents to a folder of their own outside it, and run intake there. Nothing was registered"
    )]
    InsideHome { folder: String, home: String },
}

/// One problem on one line; several as a list under a one-line summary, the rest counted.
fn rows_message(path: &str, errors: &[IntakeError], more: usize) -> String {
    match errors {
        [one] if more == 0 => format!("{path}：{one}。{NOTHING}"),
        many => {
            let n = many.len() + more;
            let mut out = format!(
                "{path} 中有 {n} 处错误，未登记任何项目 / {path} has {n} problems; nothing was registered:\n{}",
                many.iter().map(|e| format!("  {e}")).collect::<Vec<_>>().join("\n"),
            );
            if more > 0 {
                out.push_str(&format!("\n  …… 另有 {more} 处错误未列出 / … and {more} more"));
            }
            out
        }
    }
}

/// The first [`MAX_ERRORS`] errors, and how many more there were.
#[derive(Debug, Default)]
struct Errors {
    first: Vec<IntakeError>,
    more: usize,
}

impl Errors {
    fn push(&mut self, e: IntakeError) {
        if self.first.len() < MAX_ERRORS {
            self.first.push(e);
        } else {
            self.more += 1;
        }
    }

    fn is_empty(&self) -> bool {
        self.first.is_empty()
    }

    fn at(&mut self, row: usize, column: &str, message: String) {
        self.push(IntakeError { row, column: column.to_string(), message });
    }
}

/// A parsed application with the document files its row names, relative to the intake file.
#[derive(Debug, Clone)]
pub struct IntakeRow {
    pub row: usize,
    pub application: Application,
    pub document_paths: Vec<String>,
    /// The documents column's header as the file wrote it, for messages.
    pub documents_column: String,
    /// Amounts that read but look like a slip of the unit (under 1 万元, over 100 亿元): shown
    /// with their row, by a dry run too; they do not stop the intake.
    pub warnings: Vec<IntakeError>,
}

/// A known column of the file: its field, the unit its header names (money columns), and its
/// header as written.
#[derive(Debug, Clone)]
struct Column {
    field: Field,
    unit: Option<Unit>,
    header: String,
}

/// Rows of checked text cells, one per known column, with their row numbers.
#[derive(Debug, Default)]
struct Table {
    columns: Vec<Column>,
    rows: Vec<(usize, Vec<String>)>,
}

/// Where a header cell leads: a known column (its index in [`Table::columns`]), or nowhere
/// (a blank header, or one already reported).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Slot {
    Known(usize),
    Ignored,
}

/// Builds the table as a reader goes, checking each cell as it is read and keeping at most
/// [`MAX_ROWS`] rows and [`MAX_ERRORS`] errors. Every reader feeds one of these.
#[derive(Debug, Default)]
struct Collector {
    table: Table,
    errors: Errors,
    data_rows: usize,
    /// The row limit was reached: the reader stops.
    full: bool,
}

impl Collector {
    /// Maps one header cell at the place `label` (a column letter or a JSON key).
    fn header(&mut self, row: usize, label: &str, text: &str) -> Slot {
        if text.len() > MAX_HEADER_BYTES {
            self.errors.at(
                row,
                label,
                format!(
                    "表头有 {} 字节，超过 {MAX_HEADER_BYTES} 字节：请改用模板中的列名 / the header holds {} bytes, more than {MAX_HEADER_BYTES}: use the template's column names",
                    text.len(),
                    text.len()
                ),
            );
            return Slot::Ignored;
        }
        let clean = text.trim().trim_start_matches('\u{feff}').trim();
        if clean.is_empty() {
            return Slot::Ignored;
        }
        let shown = application::quoted(clean);
        match field_of(clean) {
            Some((f, _)) if self.table.columns.iter().any(|c| c.field == f) => {
                self.errors.push(header_error(&shown, "该列重复", "this column appears twice"));
                Slot::Ignored
            }
            Some((_, HeaderUnit::Unknown(unit))) => {
                let unit = application::quoted(&unit);
                self.errors.push(header_error(
                    &shown,
                    &format!("金额单位“{unit}”无法识别：请在表头写（万元）或（元），如“申报总投资（万元）”"),
                    &format!(
                        "the amount unit “{unit}” is not known: name (万元) or (元) in the header, as in “申报总投资（万元）”"
                    ),
                ));
                Slot::Ignored
            }
            Some((field, unit)) => {
                let unit = match unit {
                    HeaderUnit::Stated(u) => Some(u),
                    _ => None,
                };
                self.table.columns.push(Column { field, unit, header: shown });
                Slot::Known(self.table.columns.len() - 1)
            }
            None => {
                self.errors.push(header_error(
                    &shown,
                    &format!("未知的列，可用的列：{}", COLUMNS.iter().map(|c| c.1).collect::<Vec<_>>().join("、")),
                    &format!(
                        "unknown column; known columns: {}",
                        COLUMNS.iter().map(|c| c.2).collect::<Vec<_>>().join(", ")
                    ),
                ));
                Slot::Ignored
            }
        }
    }

    /// Reports the required columns the header lacks.
    fn require(&mut self) {
        for req in REQUIRED {
            if !self.table.columns.iter().any(|c| c.field == *req) {
                self.errors.push(header_error(
                    req.zh(),
                    &format!("缺少必填列“{}”", req.zh()),
                    &format!("missing required column “{}”", req.en()),
                ));
            }
        }
    }

    /// Checks one cell read at `row` in the place `label`, and returns it trimmed for a known
    /// column, or nothing (a refused cell, or one in an ignored column).
    fn cell(&mut self, row: usize, label: &str, slot: Slot, text: &str) -> Option<String> {
        let (field, column) = match slot {
            Slot::Known(i) => (Some(self.table.columns[i].field), self.table.columns[i].header.as_str()),
            Slot::Ignored => (None, label),
        };
        match check_cell(field, text) {
            Ok(()) => field.map(|_| text.trim().to_string()),
            Err(message) => {
                let column = column.to_string();
                self.errors.at(row, &column, message);
                None
            }
        }
    }

    /// Reports a cell of `bytes` bytes, too long to have been kept.
    fn too_long(&mut self, row: usize, label: &str, slot: Slot, bytes: usize) {
        let column = match slot {
            Slot::Known(i) => self.table.columns[i].header.clone(),
            Slot::Ignored => label.to_string(),
        };
        self.errors.at(row, &column, too_long(bytes));
    }

    /// Adds a row of cells in column order (missing cells are empty); blank rows are skipped.
    /// Returns whether the reader may go on.
    fn row(&mut self, row: usize, cells: Vec<String>) -> bool {
        if cells.iter().all(|c| c.trim().is_empty()) {
            return true;
        }
        self.data_rows += 1;
        if self.data_rows > MAX_ROWS {
            self.errors.at(
                row,
                "",
                format!(
                    "申报项目超过 {MAX_ROWS} 个上限，从此行起未读取：请拆分为多个文件分批登记 / more than {MAX_ROWS} applications: nothing from this row on was read; split the file and register the parts one by one"
                ),
            );
            self.full = true;
            return false;
        }
        self.table.rows.push((row, cells));
        true
    }
}

/// The field a header names, and for a money column the unit it names (see [`amount`]). A
/// header may hold both names, like `申报总投资（万元） requested_total`; the unit may also be
/// joined to a name (`申报总投资万元`, JSON `requested_total_wan`).
fn field_of(clean: &str) -> Option<(Field, HeaderUnit)> {
    let mut tokens: Vec<String> = Vec::new();
    for t in clean.split(|c: char| c.is_whitespace() || "/()（）[]【】|,，:：".contains(c)).filter(|t| !t.is_empty())
    {
        let t = t.to_lowercase();
        match joined_unit(&t) {
            Some((name, unit)) => tokens.extend([name.to_string(), unit.to_string()]),
            None => tokens.push(t),
        }
    }
    let names = |f: &(Field, &str, &str, &[&str]), t: &str| t == f.1 || t == f.2 || f.3.contains(&t);
    let column = COLUMNS.iter().find(|c| tokens.iter().any(|t| names(c, t)))?;
    let unit = if column.0.is_money() {
        amount::header_unit(tokens.iter().filter(|t| !names(column, t)).map(String::as_str))
    } else {
        HeaderUnit::Unstated
    };
    Some((column.0, unit))
}

/// A money column's name with a unit joined to it: `申报总投资万元`, `requested_total_yuan`.
fn joined_unit(token: &str) -> Option<(&str, &str)> {
    COLUMNS.iter().filter(|c| c.0.is_money()).find_map(|(_, zh, en, _)| {
        if let Some(rest) = token.strip_prefix(zh).filter(|r| !r.is_empty() && amount::looks_like_unit(r)) {
            return Some((*zh, rest));
        }
        let rest = token.strip_prefix(en)?.strip_prefix('_')?;
        amount::looks_like_unit(rest).then_some((*en, rest))
    })
}

/// Checks a cell of `field` (or of an ignored column) as read: the hard size limit first, then
/// the field's own limits. The message never quotes more than 40 cells of the text.
fn check_cell(field: Option<Field>, text: &str) -> Result<(), String> {
    if text.len() > MAX_CELL_BYTES {
        return Err(too_long(text.len()));
    }
    let Some(field) = field else { return Ok(()) };
    let t = text.trim();
    let line = |f: TextField| application::check_line(f, t).map_err(|e| e.to_string());
    match field {
        Field::Code if t.is_empty() => Ok(()),
        Field::Code => application::check_code(t).map_err(|e| e.to_string()),
        Field::Name => line(TextField::Name),
        Field::Unit => line(TextField::Unit),
        Field::Department => line(TextField::Department),
        Field::ReviewStage => line(TextField::ReviewStage),
        Field::DesignUnit => line(TextField::DesignUnit),
        Field::DeveloperUnit => line(TextField::DeveloperUnit),
        Field::Documents => documents::split(t).map(drop).map_err(|e| e.to_string()),
        _ => {
            let chars = t.chars().count();
            if chars > MAX_SHORT_CHARS {
                Err(format!(
                    "内容有 {chars} 个字符，此列最多 {MAX_SHORT_CHARS} 个：请只填写取值 / the cell holds {chars} characters; this column takes at most {MAX_SHORT_CHARS}: write the value alone"
                ))
            } else if application::has_steering(t) {
                Err(format!(
                    "含控制字符或换行（{}）：请删去 / holds control characters or line breaks ({}): remove them",
                    application::quoted(t),
                    application::quoted(t)
                ))
            } else {
                Ok(())
            }
        }
    }
}

/// The message for a cell of `bytes` bytes, more than any cell may hold.
fn too_long(bytes: usize) -> String {
    format!(
        "单元格有 {bytes} 字节，超过 {MAX_CELL_BYTES} 字节上限：请缩短；长文请作为附件提交 / the cell holds {bytes} bytes, more than the {MAX_CELL_BYTES} bytes a cell may hold: shorten it, and attach long texts as documents"
    )
}

fn header_error(column: &str, zh: &str, en: &str) -> IntakeError {
    IntakeError { row: 1, column: column.to_string(), message: format!("{zh} / {en}") }
}

/// Spreadsheet column letters of a zero-based index: 0 → A, 26 → AA.
fn column_letters(mut i: usize) -> String {
    let mut out = Vec::new();
    loop {
        out.push(b'A' + (i % 26) as u8);
        if i < 26 {
            break;
        }
        i = i / 26 - 1;
    }
    out.reverse();
    String::from_utf8_lossy(&out).into_owned()
}

/// Reads `path` by its extension: a regular file of at most [`MAX_FILE_BYTES`].
pub fn read_file(path: &Path) -> Result<Vec<IntakeRow>, IntakeFileError> {
    let shown = path.display().to_string();
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("").to_lowercase();
    // `.xls` too, so that a legacy workbook gets the message saying what to do with it.
    if !matches!(ext.as_str(), "csv" | "xlsx" | "xlsm" | "xls" | "json") {
        return Err(IntakeFileError::Format(application::quoted(&ext)));
    }
    let bytes = read_capped(path)?;
    let mut c = Collector::default();
    match ext.as_str() {
        "csv" => csv_rows(&bytes, &mut c),
        "json" => json::rows(&bytes, &mut c),
        _ => workbook::rows(&bytes, &mut c)
            .map_err(|reason| IntakeFileError::Workbook { path: shown.clone(), reason })?,
    }
    finish(c).map_err(|(errors, more)| IntakeFileError::Rows { path: shown, errors, more })
}

/// The bytes of a regular file of at most [`MAX_FILE_BYTES`]. Opened without blocking, so a
/// FIFO or a device is refused, never waited on or read.
fn read_capped(path: &Path) -> Result<Vec<u8>, IntakeFileError> {
    use std::io::Read;
    let shown = path.display().to_string();
    let read_err = |e: std::io::Error| IntakeFileError::Read { path: shown.clone(), detail: e.to_string() };
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::custom_flags(&mut options, libc::O_NONBLOCK | libc::O_NOCTTY);
    let file = options.open(path).map_err(read_err)?;
    let meta = file.metadata().map_err(read_err)?;
    if !meta.is_file() {
        let (kind_zh, kind_en) = documents::kind_of(&meta.file_type());
        return Err(IntakeFileError::NotAFile { path: shown, kind_zh, kind_en });
    }
    if meta.len() > MAX_FILE_BYTES {
        return Err(IntakeFileError::TooLarge { path: shown, size: meta.len() });
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    file.take(MAX_FILE_BYTES + 1).read_to_end(&mut bytes).map_err(read_err)?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(IntakeFileError::TooLarge { path: shown, size: bytes.len() as u64 });
    }
    Ok(bytes)
}

/// The rows of a filled collector, or its errors (the first ones, and how many more).
fn finish(mut c: Collector) -> Result<Vec<IntakeRow>, (Vec<IntakeError>, usize)> {
    if !c.errors.is_empty() {
        return Err((c.errors.first, c.errors.more));
    }
    let rows = parse_table(&c.table, &mut c.errors);
    if c.errors.is_empty() { Ok(rows) } else { Err((c.errors.first, c.errors.more)) }
}

/// Parses CSV bytes (for tests and templates).
pub fn read_csv(bytes: &[u8]) -> Result<Vec<IntakeRow>, Vec<IntakeError>> {
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(vec![too_large(bytes.len())]);
    }
    let mut c = Collector::default();
    csv_rows(bytes, &mut c);
    finish(c).map_err(|(errors, _)| errors)
}

fn too_large(size: usize) -> IntakeError {
    IntakeError {
        row: 1,
        column: String::new(),
        message: format!(
            "文件过大（{size} 字节），申报表最多 8 MiB：请拆分 / the file is too large ({size} bytes); an intake file may hold at most 8 MiB: split it"
        ),
    }
}

/// Reads CSV records one at a time. A record is held whole by the csv reader (at most the
/// file), but only the known columns' cells are copied out of it.
fn csv_rows(bytes: &[u8], c: &mut Collector) {
    let bytes = bytes.strip_prefix("\u{feff}".as_bytes()).unwrap_or(bytes);
    let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(bytes);
    let mut record = csv::StringRecord::new();
    let bad_row = |e: &csv::Error| {
        let e = application::quoted(&e.to_string().replace('\n', " "));
        format!("无法读取此行（需 UTF-8 编码）：{e} / cannot read this row (UTF-8 needed): {e}")
    };
    if let Some(row) = too_wide(bytes) {
        return c.errors.at(
            row,
            "",
            format!(
                "此行超过 {MAX_COLUMNS} 列：请使用申报模板，删去多余的列 / this row has more than {MAX_COLUMNS} columns: use the intake template and delete the extra columns"
            ),
        );
    }
    match reader.read_record(&mut record) {
        Ok(true) => {}
        Ok(false) => return c.errors.at(1, "", "文件为空 / the file is empty".into()),
        Err(e) => return c.errors.at(1, "", bad_row(&e)),
    }
    if record.len() > MAX_COLUMNS {
        return c.errors.at(
            1,
            "",
            format!(
                "表头有 {} 列，最多 {MAX_COLUMNS} 列：请使用申报模板 / the header has {} columns, at most {MAX_COLUMNS}: use the intake template",
                record.len(),
                record.len()
            ),
        );
    }
    // Known columns only, by their place in the record.
    let mut places: Vec<(usize, usize)> = Vec::new();
    for (j, h) in record.iter().enumerate() {
        if let Slot::Known(i) = c.header(1, &column_letters(j), h) {
            places.push((j, i));
        }
    }
    c.require();
    if !c.errors.is_empty() {
        return;
    }
    let mut i = 0;
    loop {
        let row = i + 2;
        i += 1;
        match reader.read_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => return c.errors.at(row, "", bad_row(&e)),
        }
        let mut cells = vec![String::new(); c.table.columns.len()];
        for (j, text) in record.iter().enumerate() {
            let slot = places.iter().find(|(p, _)| *p == j).map_or(Slot::Ignored, |(_, i)| Slot::Known(*i));
            if slot == Slot::Ignored && text.len() <= MAX_CELL_BYTES {
                continue;
            }
            if let (Some(kept), Slot::Known(i)) = (c.cell(row, &column_letters(j), slot, text), slot) {
                cells[i] = kept;
            }
        }
        if !c.row(row, cells) {
            return;
        }
    }
}

/// The row of the first CSV record with more than [`MAX_COLUMNS`] fields, if any. The csv
/// reader holds a whole record, eight bytes a field, so a row of commas is refused before it
/// is read. Fields are counted as csv does, or more: a quote opens a quoted field only at a
/// field's start, and here the field ends at the next quote (csv reads `""` on as one quote).
fn too_wide(bytes: &[u8]) -> Option<usize> {
    let (mut row, mut fields, mut quoted, mut start, mut blank) = (1, 1, false, true, true);
    for &b in bytes {
        if quoted {
            quoted = b != b'"';
            continue;
        }
        match b {
            b',' => {
                fields += 1;
                (start, blank) = (true, false);
                if fields > MAX_COLUMNS {
                    return Some(row);
                }
            }
            b'\n' | b'\r' => {
                row += usize::from(!blank);
                (fields, start, blank) = (1, true, true);
            }
            b'"' if start => (quoted, start, blank) = (true, false, false),
            _ => (start, blank) = (false, false),
        }
    }
    None
}

/// Parses the bytes of a workbook (XLSX or XLSM; ODS is recognised too), as `intake` reads a
/// file. Legacy XLS, XLSB and anything else that is not a ZIP container is refused unread.
pub fn read_xlsx(bytes: &[u8]) -> Result<Vec<IntakeRow>, Vec<IntakeError>> {
    let one = |e: WorkbookError| vec![IntakeError { row: 1, column: String::new(), message: e.to_string() }];
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(vec![too_large(bytes.len())]);
    }
    let mut c = Collector::default();
    workbook::rows(bytes, &mut c).map_err(one)?;
    finish(c).map_err(|(errors, _)| errors)
}

/// The code of a template's example row starts with this, and intake skips that row, so a
/// filled-in template is read unchanged.
pub const EXAMPLE_MARK: &str = "示例";

fn is_example(code: &str) -> bool {
    code.starts_with(EXAMPLE_MARK) || code.to_ascii_lowercase().starts_with("example")
}

fn parse_table(table: &Table, errors: &mut Errors) -> Vec<IntakeRow> {
    let mut out: Vec<IntakeRow> = Vec::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    let code_at = table.columns.iter().position(|c| c.field == Field::Code);
    for (row, cells) in &table.rows {
        let code = code_at.and_then(|i| cells.get(i)).map(|c| c.trim().to_string()).unwrap_or_default();
        if is_example(&code) {
            continue;
        }
        if !code.is_empty()
            && let Some(first) = seen.insert(code.clone(), *row)
        {
            errors.push(IntakeError {
                row: *row,
                column: Field::Code.zh().into(),
                message: format!("项目编码 {code} 与第 {first} 行重复 / project code {code} repeats row {first}"),
            });
        }
        match parse_row(*row, &table.columns, cells) {
            Ok(r) => out.push(r),
            Err(e) => e.into_iter().for_each(|e| errors.push(e)),
        }
    }
    if out.is_empty() && errors.is_empty() {
        errors.push(IntakeError {
            row: 2,
            column: String::new(),
            message: "没有任何申报项目 / there are no applications in the file".into(),
        });
    }
    out
}

fn parse_row(row: usize, columns: &[Column], cells: &[String]) -> Result<IntakeRow, Vec<IntakeError>> {
    let mut errors = Vec::new();
    let mut get: HashMap<Field, (String, &str)> = HashMap::new();
    let mut units: HashMap<Field, Unit> = HashMap::new();
    for (column, cell) in columns.iter().zip(cells.iter().chain(std::iter::repeat(&String::new()))) {
        if let Some(unit) = column.unit {
            units.insert(column.field, unit);
        }
        get.insert(column.field, (cell.trim().to_string(), column.header.as_str()));
    }
    let text = |f: Field| get.get(&f).map(|(v, _)| v.clone()).unwrap_or_default();
    let mut fail = |f: Field, zh: String, en: String| {
        let column = get.get(&f).map_or(f.zh(), |(_, h)| *h).to_string();
        errors.push(IntakeError { row, column, message: if en.is_empty() { zh } else { format!("{zh} / {en}") } });
    };

    let kind_text = text(Field::Kind);
    let kind = ApplicationKind::parse(&kind_text);
    if kind.is_none() {
        fail(
            Field::Kind,
            format!("申报类型“{kind_text}”无效，应为 立项、变更、验收 或 运维"),
            format!("kind “{kind_text}” is not approval, change, acceptance or maintenance (运维)"),
        );
    }
    let nature_text = text(Field::Nature);
    let nature = if nature_text.is_empty() {
        Nature::New
    } else {
        Nature::parse(&nature_text).unwrap_or_else(|| {
            fail(
                Field::Nature,
                format!("建设性质“{nature_text}”无效，应为 新建、升级 或 改造"),
                format!("nature “{nature_text}” is not new, upgrade or renovation"),
            );
            Nature::New
        })
    };
    let mut warnings = Vec::new();
    let mut money = |f: Field| {
        let t = text(f);
        if t.is_empty() {
            return None;
        }
        let m = amount::parse_cell(&t, units.get(&f).copied()).map_err(|e| fail(f, e, String::new())).ok()?;
        if let Some(message) = amount::implausible(m) {
            let column = get.get(&f).map_or(f.zh(), |(_, h)| *h).to_string();
            warnings.push(IntakeError { row, column, message });
        }
        Some(m)
    };
    let approved_total = money(Field::ApprovedTotal);
    let requested_total = money(Field::RequestedTotal);
    let original_total = money(Field::OriginalTotal);
    let mut flag = |f: Field| match yes_no(&text(f)) {
        Some(b) => b,
        None => {
            fail(f, format!("“{}”应为 是 或 否", text(f)), format!("“{}” should be yes or no", text(f)));
            false
        }
    };
    let cross_department = flag(Field::CrossDepartment);
    let joint_submission = flag(Field::JointSubmission);
    let supervision_firm = flag(Field::SupervisionFirm);
    let data_sharing_section = flag(Field::DataSharing);
    let self_evaluation = flag(Field::SelfEvaluation);
    let service_report = flag(Field::ServiceReport);
    let plan_text = text(Field::PlanClass);
    let plan_class = match plan_text.as_str() {
        "" | "无" | "否" | "未列入" | "none" | "-" => None,
        t => PlanClass::parse(t).or_else(|| {
            fail(
                Field::PlanClass,
                format!("年度计划类别“{t}”应为 A、B、C 或留空（未列入计划）"),
                format!("plan class “{t}” should be A, B, C or empty (not in the plan)"),
            );
            None
        }),
    };
    let level_text = text(Field::ProtectionLevel);
    let protection_level = if level_text.is_empty() {
        None
    } else {
        ProtectionLevel::parse(&level_text).or_else(|| {
            fail(
                Field::ProtectionLevel,
                format!("等保级别“{level_text}”应为 1 到 5"),
                format!("protection level “{level_text}” should be 1 to 5"),
            );
            None
        })
    };
    let mut date = |f: Field| {
        let t = text(f);
        if t.is_empty() {
            return None;
        }
        parse_date(&t).or_else(|| {
            fail(
                f,
                format!("日期“{t}”无法识别，请写成 2026-03-31"),
                format!("date “{t}” not understood: write it as 2026-03-31"),
            );
            None
        })
    };
    let construction_completed = date(Field::ConstructionCompleted);
    let trial_start = date(Field::TrialStart);
    let trial_end = date(Field::TrialEnd);
    let acceptance_applied = date(Field::AcceptanceApplied);
    let received_on = date(Field::ReceivedOn);
    let accepted_on = date(Field::AcceptedOn);
    let funding_text = text(Field::FundingSource);
    let funding_source = if funding_text.is_empty() {
        None
    } else {
        FundingSource::parse(&funding_text).or_else(|| {
            fail(
                Field::FundingSource,
                format!("资金来源“{funding_text}”无效，应为 政府投资、部门预算 或 其他，或留空"),
                format!("funding source “{funding_text}” is not government investment, department budget or other (or empty)"),
            );
            None
        })
    };
    let type_text = text(Field::ProjectType);
    let project_type = if type_text.is_empty() {
        None
    } else {
        ProjectType::parse(&type_text).or_else(|| {
            fail(
                Field::ProjectType,
                format!("项目类型“{type_text}”无效，应为 建设、运维 或 设备购置，或留空"),
                format!("project type “{type_text}” is not construction, O&M or equipment purchase (or empty)"),
            );
            None
        })
    };
    let optional = |f: Field| Some(text(f)).filter(|t| !t.is_empty());
    let facts = ProfileFacts {
        received_on,
        funding_source,
        project_type,
        review_stage: optional(Field::ReviewStage),
        design_unit: optional(Field::DesignUnit),
        developer_unit: optional(Field::DeveloperUnit),
    };
    // Checked when the cell was read; a cell that failed never reaches here.
    let documents_text = text(Field::Documents);
    let document_paths: Vec<String> = documents::split(&documents_text)
        .map(|paths| paths.into_iter().map(|p| p.text.to_string()).collect())
        .unwrap_or_default();
    let documents_column = get.get(&Field::Documents).map_or(Field::Documents.zh(), |(_, h)| *h).to_string();

    let unit = text(Field::Unit);
    let department = Some(text(Field::Department)).filter(|d| !d.is_empty()).unwrap_or_else(|| unit.clone());
    let application = Application {
        code: text(Field::Code),
        name: text(Field::Name),
        unit,
        department,
        kind: kind.unwrap_or(ApplicationKind::Approval),
        nature,
        approved_total,
        requested_total,
        plan_class,
        cross_department,
        joint_submission,
        supervision_firm,
        data_sharing_section,
        protection_level,
        construction_completed,
        trial_start,
        trial_end,
        acceptance_applied,
        documents: vec![],
        facts,
        original_total,
        previous_code: optional(Field::PreviousCode),
        maintenance: MaintenanceFacts { accepted_on, self_evaluation, service_report },
    };
    if errors.is_empty()
        && let Err(e) = application.validate()
    {
        errors.push(IntakeError { row, column: String::new(), message: e.to_string() });
    }
    if errors.is_empty() {
        Ok(IntakeRow { row, application, document_paths, documents_column, warnings })
    } else {
        Err(errors)
    }
}

/// Reads 是/否 in the forms people type them; empty means no.
pub fn yes_no(text: &str) -> Option<bool> {
    match text.trim().to_lowercase().as_str() {
        "" | "否" | "无" | "没有" | "no" | "n" | "false" | "0" | "×" | "x" => Some(false),
        "是" | "有" | "yes" | "y" | "true" | "1" | "√" | "✓" => Some(true),
        _ => None,
    }
}

/// Reads `2026-03-31`, `2026/3/31`, `2026.3.31` or `2026年3月31日`.
pub fn parse_date(text: &str) -> Option<NaiveDate> {
    let t = text.trim().replace(['年', '月', '/', '.'], "-").replace('日', "");
    let mut parts = t.split('-');
    let (y, m, d) = (parts.next()?.parse().ok()?, parts.next()?.parse().ok()?, parts.next()?.trim().parse().ok()?);
    if parts.next().is_some() {
        return None;
    }
    NaiveDate::from_ymd_opt(y, m, d)
}

#[cfg(test)]
mod tests {
    use super::workbook::{CFB_MAGIC, ZIP_MAGIC};
    use super::*;
    use crate::domain::Money;

    fn read_json(bytes: &[u8]) -> Result<Vec<IntakeRow>, Vec<IntakeError>> {
        let mut c = Collector::default();
        json::rows(bytes, &mut c);
        finish(c).map_err(|(errors, _)| errors)
    }

    const GOOD: &str = "\u{feff}项目编码 code,项目名称 name,建设单位 unit,申报类型 kind,申报总投资（万元） requested_total,年度计划类别 plan_class,数据共享章节 data_sharing_section\n\
        GL-1,区智慧城管平台,鼓楼区城市管理局,立项,356.8,A,是\n";

    #[test]
    fn reads_bilingual_headers_bom_and_wan_columns() {
        let rows = read_csv(GOOD.as_bytes()).unwrap();
        let a = &rows[0].application;
        assert_eq!(a.requested_total, Some(Money::from_fen(356_800_000)));
        assert_eq!(a.plan_class, Some(PlanClass::A));
        assert!(a.data_sharing_section);
        assert_eq!(a.department, "鼓楼区城市管理局");
    }

    #[test]
    fn every_bad_cell_is_reported_with_row_and_column() {
        let csv = "项目编码,项目名称,建设单位,申报类型,申报总投资,等保级别\nGL-1,甲,乙,立项,一百万,3\nGL-2,丙,丁,采购,100,9\nGL-1,戊,己,立项,5,\n";
        let errors = read_csv(csv.as_bytes()).unwrap_err();
        let text: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
        assert!(text[0].contains("第 2 行「申报总投资」") && text[0].contains("一百万"), "{text:?}");
        assert!(text.iter().any(|t| t.contains("第 3 行「申报类型」") && t.contains("采购")), "{text:?}");
        assert!(text.iter().any(|t| t.contains("第 3 行「等保级别」")), "{text:?}");
        assert!(text.iter().any(|t| t.contains("第 4 行") && t.contains("重复")), "{text:?}");
    }

    /// One approval with `amount` under `header`.
    fn amount_in(header: &str, amount: &str) -> Result<Vec<IntakeRow>, Vec<IntakeError>> {
        read_csv(format!("项目编码,项目名称,建设单位,申报类型,{header}\nGL-1,甲,乙,立项,\"{amount}\"\n").as_bytes())
    }

    #[test]
    fn a_money_header_names_its_unit_and_known_variants_mean_it() {
        let wan = Some(Money::from_yuan(8_600_000));
        let yuan = Some(Money::from_yuan(860));
        for (header, want) in [
            ("申报总投资（万）", wan),
            ("申报总投资（万元）", wan),
            ("申报总投资(万元)", wan),
            ("申报总投资 (万)", wan),
            ("申报总投资万元", wan),
            ("申报总投资【万元】", wan),
            ("申报总投资（万元） requested_total", wan),
            ("requested_total_wan", wan),
            ("申报总投资（元）", yuan),
            ("申报总投资(元)", yuan),
            ("申报总投资元", yuan),
            ("requested_total (yuan)", yuan),
            ("requested_total_yuan", yuan),
        ] {
            let rows = amount_in(header, "860").unwrap_or_else(|e| panic!("{header}: {e:?}"));
            assert_eq!(rows[0].application.requested_total, want, "{header}");
        }
        // A cell that names its unit means it in any column.
        assert_eq!(amount_in("申报总投资（万）", "860元").unwrap()[0].application.requested_total, yuan);
        assert_eq!(amount_in("申报总投资（元）", "860万").unwrap()[0].application.requested_total, wan);
        assert_eq!(amount_in("申报总投资", "860万").unwrap()[0].application.requested_total, wan);
    }

    #[test]
    fn an_unknown_unit_or_a_bare_number_without_one_is_refused_naming_the_header() {
        for (header, unit) in
            [("申报总投资（千元）", "千元"), ("申报总投资(美元)", "美元"), ("申报总投资（万元，元）", "元")]
        {
            let e = amount_in(header, "860").unwrap_err()[0].to_string();
            assert!(e.contains(header) && e.contains(unit) && e.contains("无法识别") && e.contains("not known"), "{e}");
        }
        let e = amount_in("申报总投资", "860").unwrap_err()[0].to_string();
        assert!(e.contains("「申报总投资」") && e.contains("没有单位") && e.contains("has no unit"), "{e}");
    }

    #[test]
    fn an_implausible_total_is_a_warning_with_its_row() {
        // 0.99 万元 and 1,000,000.01 万元 (100 亿元 and one cent) warn; 1 万元 and 100 亿元 do not.
        for (amount, warns) in [("0.99", true), ("1", false), ("1000000", false), ("1000000.000001", true)] {
            let rows = amount_in("申报总投资（万元）", amount).unwrap();
            assert_eq!(rows[0].warnings.len(), usize::from(warns), "{amount}: {:?}", rows[0].warnings);
            if warns {
                assert_eq!((rows[0].warnings[0].row, rows[0].warnings[0].column.as_str()), (2, "申报总投资（万元）"));
            }
        }
        // The 万 column read as 元 before: 3,568,000 in 万元 is 356.8 亿元, and says so.
        let rows = amount_in("申报总投资（万元）", "3,568,000").unwrap();
        assert!(rows[0].warnings[0].message.contains("100 亿元"), "{:?}", rows[0].warnings);
    }

    #[test]
    fn unknown_and_missing_columns_are_named() {
        let errors = read_csv("项目编码,项目名称,颜色\nA,B,C\n".as_bytes()).unwrap_err();
        let text: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
        assert!(text.iter().any(|t| t.contains("颜色") && t.contains("未知")), "{text:?}");
        assert!(text.iter().any(|t| t.contains("建设单位")), "{text:?}");
    }

    #[test]
    fn json_rows_use_the_same_columns() {
        let json = r#"[{"code":"GL-9","name":"区档案系统","unit":"区档案馆","kind":"acceptance","approved_total":"150万",
            "construction_completed":"2026-03-31","trial_start":"2026/4/1","trial_end":"2026年7月1日","acceptance_applied":"2026-10-20","supervision_firm":true}]"#;
        let rows = read_json(json.as_bytes()).unwrap();
        let a = &rows[0].application;
        assert_eq!(a.kind, ApplicationKind::Acceptance);
        assert_eq!(a.trial_end, NaiveDate::from_ymd_opt(2026, 7, 1));
        assert!(a.supervision_firm);
    }

    /// `GOOD` as an XLSX workbook, every cell a string, as rust_xlsxwriter writes it.
    fn good_xlsx() -> Vec<u8> {
        let mut book = rust_xlsxwriter::Workbook::new();
        let sheet = book.add_worksheet();
        let mut csv = csv::ReaderBuilder::new().has_headers(false).from_reader(GOOD.as_bytes());
        for (r, record) in csv.records().enumerate() {
            for (c, cell) in record.unwrap().iter().enumerate() {
                sheet.write_string(r as u32, c as u16, cell.trim_start_matches('\u{feff}')).unwrap();
            }
        }
        book.save_to_buffer().unwrap()
    }

    #[test]
    fn xlsx_is_read_from_bytes_and_files_by_content() {
        let xlsx = good_xlsx();
        assert!(xlsx.starts_with(ZIP_MAGIC));
        let rows = read_xlsx(&xlsx).unwrap();
        assert_eq!(rows[0].application.requested_total, Some(Money::from_fen(356_800_000)));
        let dir = tempfile::tempdir().unwrap();
        // A ZIP workbook named .xls is read as what it is.
        for name in ["申报.xlsx", "申报.XLSM", "misnamed.xls"] {
            let path = dir.path().join(name);
            std::fs::write(&path, &xlsx).unwrap();
            let rows = read_file(&path).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(rows[0].application.code, "GL-1", "{name}");
        }
    }

    #[test]
    fn legacy_xls_is_refused_by_its_signature_whatever_the_name() {
        let legacy = WorkbookError::LegacyXls.to_string();
        assert!(
            legacy.starts_with("不支持旧版 Excel 97-2003（.xls）文件：") && legacy.contains(" / legacy Excel"),
            "{legacy}"
        );
        // A real XLS (BIFF8, the fuzz corpus's seed written by xlwt) less the byte that picks the
        // fuzz target's reader. The inputs that crashed calamine are replayed, under a memory cap,
        // by tests/arbitrary_bytes.rs.
        let xls = &include_bytes!("../fuzz/corpus/intake/seed-demo-applications.xls")[1..];
        // The signature alone is enough: calamine never sees the rest.
        let mut bare = CFB_MAGIC.to_vec();
        bare.resize(512, 0xFF);
        for bytes in [xls, &bare] {
            assert_eq!(read_xlsx(bytes).unwrap_err()[0].message, legacy);
        }
        let dir = tempfile::tempdir().unwrap();
        for name in ["旧表.xls", "renamed.xlsx", "macros.XLSM"] {
            let path = dir.path().join(name);
            std::fs::write(&path, xls).unwrap();
            match read_file(&path) {
                Err(e @ IntakeFileError::Workbook { reason: WorkbookError::LegacyXls, .. }) => {
                    assert!(e.to_string().ends_with(&format!("{name}：{legacy}。{NOTHING}")), "{e}")
                }
                other => panic!("{name}: {other:?}"),
            }
        }
    }

    #[test]
    fn encrypted_and_non_zip_workbooks_are_refused_unread() {
        let mut encrypted = CFB_MAGIC.to_vec();
        encrypted.resize(1024, 0);
        encrypted.extend("EncryptedPackage".encode_utf16().flat_map(u16::to_le_bytes));
        assert_eq!(read_xlsx(&encrypted).unwrap_err()[0].message, WorkbookError::Encrypted.to_string());
        let not_zip = WorkbookError::NotZip.to_string();
        for bytes in [&b""[..], GOOD.as_bytes(), b"<html><table><tr><td>GL-1</td></tr></table></html>", b"PK\x05\x06"] {
            assert_eq!(read_xlsx(bytes).unwrap_err()[0].message, not_zip, "{bytes:?}");
        }
        // An HTML table saved as .xls, as some systems export.
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("导出.xls");
        std::fs::write(&path, "<html><table></table></html>").unwrap();
        assert!(matches!(read_file(&path), Err(IntakeFileError::Workbook { reason: WorkbookError::NotZip, .. })));
        // A ZIP that is no workbook: calamine's answer, not a panic.
        let zip = {
            let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
            w.start_file("a.txt", zip::write::SimpleFileOptions::default()).unwrap();
            std::io::Write::write_all(&mut w, b"hello").unwrap();
            w.finish().unwrap().into_inner()
        };
        assert!(matches!(workbook::rows(&zip, &mut Collector::default()), Err(WorkbookError::Unreadable(_))));
    }

    const HEAD: &str = "项目编码,项目名称,建设单位,申报类型,申报总投资（万元）,附件\n";

    #[test]
    fn errors_are_capped_and_counted() {
        let mut csv = HEAD.to_string();
        for i in 0..50 {
            csv.push_str(&format!("GL-{i},名称,单位,采购,1,\n"));
        }
        let mut c = Collector::default();
        csv_rows(csv.as_bytes(), &mut c);
        let (errors, more) = finish(c).unwrap_err();
        assert_eq!((errors.len(), more), (MAX_ERRORS, 30));
        let text = rows_message("申报.csv", &errors, more);
        assert!(
            text.starts_with("申报.csv 中有 50 处错误") && text.ends_with("另有 30 处错误未列出 / … and 30 more"),
            "{text}"
        );
        assert_eq!(text.lines().count(), 1 + MAX_ERRORS + 1);
    }

    #[test]
    fn rows_stop_at_the_limit() {
        let mut csv = HEAD.to_string();
        for i in 0..MAX_ROWS {
            csv.push_str(&format!("GL-{i},名称,单位,立项,1,\n"));
        }
        assert_eq!(read_csv(csv.as_bytes()).unwrap().len(), MAX_ROWS);
        csv.push_str("GL-X,名称,单位,采购,1,\n");
        csv.push_str("GL-Y,名称,单位,采购,1,\n");
        let errors = read_csv(csv.as_bytes()).unwrap_err();
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert_eq!(errors[0].row, MAX_ROWS + 2);
        assert!(errors[0].message.contains("10000") && errors[0].message.contains("split"), "{}", errors[0]);
    }

    #[test]
    fn every_cell_is_held_to_its_limits_as_it_is_read() {
        assert!(check_cell(None, &"x".repeat(MAX_CELL_BYTES)).is_ok());
        let e = check_cell(None, &"x".repeat(MAX_CELL_BYTES + 1)).unwrap_err();
        assert!(e.contains("4097 字节") && e.contains("4096 bytes") && !e.contains("xxx"), "{e}");
        assert!(check_cell(Some(Field::Code), "").is_ok(), "an empty code is reported by the row");
        assert!(check_cell(Some(Field::Code), "GL 1").unwrap_err().contains("project code"));
        assert!(check_cell(Some(Field::Name), &"长".repeat(201)).unwrap_err().contains("201"));
        assert!(check_cell(Some(Field::Unit), "单位\u{1b}[2J").unwrap_err().contains("\\u{1b}"));
        assert!(check_cell(Some(Field::Kind), &"立".repeat(65)).unwrap_err().contains("65"));
        assert!(check_cell(Some(Field::TrialEnd), "2026-01-01\u{202e}").unwrap_err().contains("\\u{202e}"));
        assert!(check_cell(Some(Field::Documents), "/etc/passwd").unwrap_err().contains("absolute path"));
        // Leading and trailing spaces are not the cell's content.
        assert!(check_cell(Some(Field::Name), &format!("  {}  ", "长".repeat(200))).is_ok());
    }

    #[test]
    fn a_csv_row_of_commas_is_refused_before_it_is_read() {
        assert_eq!(too_wide(b"a,b\n\n\"x,\ny\",c\r\n"), None);
        let wide = format!("{HEAD}GL-1,{}\n", ",".repeat(MAX_COLUMNS));
        assert_eq!(too_wide(wide.as_bytes()), Some(2));
        // Commas inside a quoted field are not separators; a quote inside a field opens nothing.
        let quoted = format!("{HEAD}\"{}\",x\"{}\n", ",".repeat(2000), ",".repeat(10));
        assert_eq!(too_wide(quoted.as_bytes()), None);
        let errors = read_csv(wide.as_bytes()).unwrap_err();
        assert_eq!((errors.len(), errors[0].row), (1, 2), "{errors:?}");
    }

    #[test]
    fn json_is_read_item_by_item_with_the_same_limits() {
        let rows = read_json(r#"{"meta":{"x":[1,2,{"y":3}]},"applications":[{"code":"GL-1","name":"甲","unit":"乙","kind":"立项","requested_total_yuan":12.5,"documents":["a.pdf","b.pdf"]}]}"#.as_bytes()).unwrap();
        assert_eq!(rows[0].document_paths, ["a.pdf", "b.pdf"]);
        assert_eq!(rows[0].application.requested_total, Some(Money::from_fen(1250)));
        let text = |json: &str| {
            read_json(json.as_bytes()).unwrap_err().iter().map(|e| e.to_string()).collect::<Vec<_>>().join("\n")
        };
        let e =
            text(r#"[{"code":"GL-1","name":"甲","unit":"乙","kind":"立项","colour":1},{"code":"GL-2","colour":2},3]"#);
        assert_eq!(e.matches("「colour」").count(), 1, "an unknown key is reported once: {e}");
        assert!(e.contains("第 4 行 / row 4：该项不是对象"), "{e}");
        let e = text(r#"[{"code":"GL-1","name":{"zh":"甲"}}]"#);
        assert!(e.contains("第 2 行「name」列") && e.contains("object"), "{e}");
        let long: Vec<String> = (0..2000).map(|i| format!("\"{i}.pdf\"")).collect();
        let e = text(&format!(r#"[{{"code":"GL-1","documents":[{}]}}]"#, long.join(",")));
        assert!(e.contains("第 2 行「documents」列") && e.contains("4096"), "{e}");
        let e = text(&format!(r#"[{{"code":"GL-1","name":"{}"}}]"#, "x".repeat(10_000)));
        assert!(e.contains("10000 字节"), "{e}");
        let e = text("[1,2");
        assert!(e.contains("JSON"), "{e}");
        let e = text(&format!("[{}1{}]", "[".repeat(1000), "]".repeat(1000)));
        assert!(!e.is_empty());
    }

    /// Every field at its limit, in the characters that take the most bytes once signed: the
    /// registration event stays far below what the store signs and a peer's reader takes.
    #[test]
    fn a_maximal_application_is_far_below_the_event_limit() {
        use crate::domain::Document;
        use crate::domain::application::*;
        let wide = "𠀀".repeat(MAX_TEXT_CHARS);
        let mut a = application::fixtures::approval(&"G".repeat(MAX_CODE_CHARS), Money::from_yuan(1));
        (a.name, a.unit, a.department) = (wide.clone(), wide.clone(), wide);
        a.documents = (0..MAX_DOCUMENTS)
            .map(|_| Document {
                name: "\"".repeat(MAX_DOCUMENT_NAME_CHARS),
                sha256: "f".repeat(64),
                size: MAX_DOCUMENT_BYTES,
            })
            .collect();
        assert_eq!(a.validate(), Ok(()));
        let body = crate::ledger::Body::ApplicationRegistered {
            meeting: "M".repeat(64),
            meeting_event: "f".repeat(64),
            application: Box::new(a),
        };
        let bytes = serde_json::to_vec(&body).unwrap().len();
        assert!(bytes < crate::ledger::event::MAX_EVENT_BYTES / 20, "{bytes} bytes");
    }

    #[test]
    fn o_and_m_rows_carry_their_own_columns_and_others_may_not() {
        let head = "项目编码,项目名称,建设单位,申报类型,申报总投资（万元）,验收通过日期 accepted_on,绩效自评价报告,年度运维服务情况报表\n";
        let rows = read_csv(format!("{head}YW-1,政务云运维,数据局,运维,58,2025年6月30日,是,否\n").as_bytes()).unwrap();
        let a = &rows[0].application;
        assert_eq!(a.kind, ApplicationKind::Maintenance);
        assert_eq!(a.requested_total, Some(crate::domain::Money::from_yuan(580_000)));
        assert_eq!(a.maintenance.accepted_on, NaiveDate::from_ymd_opt(2025, 6, 30));
        assert!(a.maintenance.self_evaluation && !a.maintenance.service_report);
        // The O&M columns on another kind are refused with what to do.
        let e = read_csv(format!("{head}LX-1,平台,数据局,立项,58,2025-06-30,,\n").as_bytes()).unwrap_err();
        assert!(e[0].message.contains("只适用于运维申报") && e[0].message.contains("maintenance"), "{:?}", e[0]);
        // An O&M row without its budget says which.
        let e = read_csv(format!("{head}YW-2,政务云运维,数据局,运维,,,,\n").as_bytes()).unwrap_err();
        assert!(e[0].message.contains("运维费用"), "{:?}", e[0]);
        let e = read_csv(format!("{head}YW-3,政务云运维,数据局,维保,58,,,\n").as_bytes()).unwrap_err();
        assert!(e[0].message.contains("运维") && e[0].message.contains("maintenance"), "{:?}", e[0]);
    }

    #[test]
    fn the_o_and_m_columns_come_after_every_other() {
        let last: Vec<Field> = COLUMNS.iter().rev().take(3).map(|c| c.0).rev().collect();
        assert_eq!(last, [Field::AcceptedOn, Field::SelfEvaluation, Field::ServiceReport]);
    }

    #[test]
    fn dates_and_flags_in_common_forms() {
        assert_eq!(parse_date("2026年3月31日"), NaiveDate::from_ymd_opt(2026, 3, 31));
        assert_eq!(parse_date("2026-02-30"), None);
        assert_eq!(yes_no("√"), Some(true));
        assert_eq!(yes_no("maybe"), None);
    }
}
