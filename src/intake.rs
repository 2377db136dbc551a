//! Reading applications from CSV (UTF-8, with or without BOM), XLSX or JSON. All three become
//! the same rows of text cells, so one parser checks them all. Errors carry row and column.
//!
//! Workbooks come from users' USB sticks, so their bytes are checked before calamine sees them:
//! only ZIP containers (XLSX, XLSM, and by content XLSB and ODS) go on. Legacy Excel 97-2003
//! files (OLE2/CFB, whatever their extension) are refused, because calamine 0.38's CFB reader
//! panics, or allocates without bound, on malformed ones (`fuzz/crashes-found/README.md`).

use crate::domain::{Application, ApplicationKind, Money, Nature, PlanClass, ProtectionLevel};
use chrono::NaiveDate;
use std::collections::HashMap;
use std::fmt;
use std::path::Path;

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
        matches!(self, Field::ApprovedTotal | Field::RequestedTotal)
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

/// An intake file that could not be taken in: every problem found, none applied.
#[derive(Debug, thiserror::Error)]
pub enum IntakeFileError {
    #[error("无法读取 {path}：{detail} / cannot read {path}: {detail}")]
    Read { path: String, detail: String },
    #[error("不支持的文件类型“{0}”，请用 .csv、.xlsx 或 .json / unsupported file type “{0}”: use .csv, .xlsx or .json")]
    Format(String),
    #[error("{}", rows_message(path, errors))]
    Rows { path: String, errors: Vec<IntakeError> },
    #[error("{path}：{reason}")]
    Workbook { path: String, reason: WorkbookError },
}

/// Why a workbook could not be read at all, before any of its rows.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WorkbookError {
    #[error(
        "不支持旧版 Excel 97-2003（.xls）文件：请在 Excel 或 WPS 中另存为 .xlsx 后再导入 / legacy Excel 97-2003 (.xls) files are not supported: save it as .xlsx in Excel or WPS and import that"
    )]
    LegacyXls,
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
    #[error("不是可读的 Excel 工作簿：{0} / not a readable Excel workbook: {0}")]
    Unreadable(String),
    #[error("工作簿没有工作表 / the workbook has no sheet")]
    NoSheet,
}

/// One problem on one line; several as a list under a one-line summary.
fn rows_message(path: &str, errors: &[IntakeError]) -> String {
    match errors {
        [one] => format!("{path}：{one}。未登记任何项目 / nothing was registered"),
        many => format!(
            "{path} 中有 {n} 处错误，未登记任何项目 / {path} has {n} problems; nothing was registered:\n{}",
            many.iter().map(|e| format!("  {e}")).collect::<Vec<_>>().join("\n"),
            n = many.len()
        ),
    }
}

/// A parsed application with the document files its row names, relative to the intake file.
#[derive(Debug, Clone)]
pub struct IntakeRow {
    pub row: usize,
    pub application: Application,
    pub document_paths: Vec<String>,
}

/// Rows of text cells keyed by field, with their row numbers.
struct Table {
    columns: Vec<(Field, bool, String)>,
    rows: Vec<(usize, Vec<String>)>,
}

/// Reads `path` by its extension.
pub fn read_file(path: &Path) -> Result<Vec<IntakeRow>, IntakeFileError> {
    let shown = path.display().to_string();
    let read_err = |detail: String| IntakeFileError::Read { path: shown.clone(), detail };
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("").to_lowercase();
    let table = match ext.as_str() {
        "csv" => {
            let bytes = std::fs::read(path).map_err(|e| read_err(e.to_string()))?;
            csv_table(&bytes)
        }
        // `.xls` too, so that a legacy workbook gets the message saying what to do with it.
        "xlsx" | "xlsm" | "xls" => {
            let bytes = std::fs::read(path).map_err(|e| read_err(e.to_string()))?;
            workbook_table(&bytes).map_err(|reason| IntakeFileError::Workbook { path: shown.clone(), reason })?
        }
        "json" => {
            let bytes = std::fs::read(path).map_err(|e| read_err(e.to_string()))?;
            json_table(&bytes)
        }
        other => return Err(IntakeFileError::Format(other.to_string())),
    };
    let table = table.map_err(|errors| IntakeFileError::Rows { path: shown.clone(), errors })?;
    parse_table(&table).map_err(|errors| IntakeFileError::Rows { path: shown, errors })
}

/// Parses CSV bytes (for tests and templates).
pub fn read_csv(bytes: &[u8]) -> Result<Vec<IntakeRow>, Vec<IntakeError>> {
    parse_table(&csv_table(bytes)?)
}

fn header_error(column: &str, zh: &str, en: &str) -> IntakeError {
    IntakeError { row: 1, column: column.to_string(), message: format!("{zh} / {en}") }
}

/// Maps header cells to fields; a header may hold both names, like `申报总投资（万元） requested_total`.
fn columns(headers: &[String]) -> Result<Vec<(Field, bool, String)>, Vec<IntakeError>> {
    let mut out: Vec<(Field, bool, String)> = Vec::new();
    let mut errors = Vec::new();
    for h in headers {
        let clean = h.trim().trim_start_matches('\u{feff}');
        if clean.is_empty() {
            continue;
        }
        let tokens: Vec<String> = clean
            .split(|c: char| c.is_whitespace() || "/()（）|,，:：".contains(c))
            .filter(|t| !t.is_empty())
            .map(|t| t.to_lowercase())
            .collect();
        let wan = tokens.iter().any(|t| t == "万元" || t == "wan");
        let field = COLUMNS
            .iter()
            .find(|(_, zh, en, more)| tokens.iter().any(|t| t == zh || t == en || more.contains(&t.as_str())));
        match field {
            Some((f, ..)) if out.iter().any(|(g, ..)| g == f) => {
                errors.push(header_error(clean, "该列重复", "this column appears twice"))
            }
            Some((f, ..)) => out.push((*f, wan, clean.to_string())),
            None => errors.push(header_error(
                clean,
                &format!("未知的列，可用的列：{}", COLUMNS.iter().map(|c| c.1).collect::<Vec<_>>().join("、")),
                &format!(
                    "unknown column; known columns: {}",
                    COLUMNS.iter().map(|c| c.2).collect::<Vec<_>>().join(", ")
                ),
            )),
        }
    }
    for req in REQUIRED {
        if !out.iter().any(|(f, ..)| f == req) {
            errors.push(header_error(
                req.zh(),
                &format!("缺少必填列“{}”", req.zh()),
                &format!("missing required column “{}”", req.en()),
            ));
        }
    }
    if errors.is_empty() { Ok(out) } else { Err(errors) }
}

fn csv_table(bytes: &[u8]) -> Result<Table, Vec<IntakeError>> {
    let bytes = bytes.strip_prefix("\u{feff}".as_bytes()).unwrap_or(bytes);
    let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(bytes);
    let mut records = reader.records();
    let one = |row, message: String| vec![IntakeError { row, column: String::new(), message }];
    let headers: Vec<String> = match records.next() {
        Some(Ok(r)) => r.iter().map(str::to_string).collect(),
        Some(Err(e)) => return Err(one(1, format!("不是有效的 UTF-8 CSV：{e} / not valid UTF-8 CSV: {e}"))),
        None => return Err(one(1, "文件为空 / the file is empty".into())),
    };
    let columns = columns(&headers)?;
    let mut rows = Vec::new();
    for (i, rec) in records.enumerate() {
        let row = i + 2;
        let rec = rec.map_err(|e| {
            one(row, format!("无法读取此行（需 UTF-8 编码）：{e} / cannot read this row (UTF-8 needed): {e}"))
        })?;
        if rec.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        // Cells under blank headers are skipped, as `columns` skipped those headers.
        let cells: Vec<String> = headers
            .iter()
            .enumerate()
            .filter(|(_, h)| !h.trim().trim_start_matches('\u{feff}').is_empty())
            .map(|(j, _)| rec.get(j).unwrap_or("").to_string())
            .collect();
        rows.push((row, cells));
    }
    Ok(Table { columns, rows })
}

/// Parses the bytes of a workbook (XLSX or XLSM; XLSB and ODS are recognised too), as `intake`
/// reads a file. Legacy XLS and anything else that is not a ZIP container is refused unread.
pub fn read_xlsx(bytes: &[u8]) -> Result<Vec<IntakeRow>, Vec<IntakeError>> {
    let one = |e: WorkbookError| vec![IntakeError { row: 1, column: String::new(), message: e.to_string() }];
    let table = workbook_table(bytes).map_err(one)??;
    parse_table(&table)
}

/// A ZIP file's first local header: XLSX, XLSM, XLSB and ODS are ZIP containers.
const ZIP_MAGIC: &[u8] = b"PK\x03\x04";
/// The OLE2 compound file (CFB) signature: legacy XLS, and also password-encrypted XLSX.
const CFB_MAGIC: &[u8] = b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1";

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

/// The intake sheet of a workbook's bytes, once they are known to be a ZIP container.
fn workbook_table(bytes: &[u8]) -> Result<Result<Table, Vec<IntakeError>>, WorkbookError> {
    check_container(bytes)?;
    // A backstop: calamine has panicked on malformed input before (in its XLS reader, refused
    // above). A panic here becomes an error; the default panic hook still prints it to stderr.
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| sheet_table(open_zip_workbook(bytes)?)))
        .unwrap_or(Err(WorkbookError::Damaged))
}

/// Opens ZIP bytes as XLSX, then XLSB, then ODS, never as XLS (which `open_workbook_auto_from_rs`
/// tries first). If none fits, the XLSX reader's error is the one reported.
fn open_zip_workbook(bytes: &[u8]) -> Result<calamine::Sheets<std::io::Cursor<&[u8]>>, WorkbookError> {
    use calamine::{Ods, Reader, Sheets, Xlsb, Xlsx};
    let data = || std::io::Cursor::new(bytes);
    let xlsx_error = match Xlsx::new(data()) {
        Ok(book) => return Ok(Sheets::Xlsx(book)),
        Err(e) => e,
    };
    if let Ok(book) = Xlsb::new(data()) {
        return Ok(Sheets::Xlsb(book));
    }
    if let Ok(book) = Ods::new(data()) {
        return Ok(Sheets::Ods(book));
    }
    Err(WorkbookError::Unreadable(xlsx_error.to_string()))
}

fn sheet_table<RS: std::io::Read + std::io::Seek>(
    mut book: calamine::Sheets<RS>,
) -> Result<Result<Table, Vec<IntakeError>>, WorkbookError> {
    use calamine::{Data, Reader};
    let names = book.sheet_names();
    let sheet = names
        .iter()
        .find(|n| n.contains("申报") || n.eq_ignore_ascii_case("applications"))
        .or_else(|| names.first())
        .cloned()
        .ok_or(WorkbookError::NoSheet)?;
    let range = book.worksheet_range(&sheet).map_err(|e| WorkbookError::Unreadable(e.to_string()))?;
    let text = |d: &Data| -> String {
        match d {
            Data::Empty => String::new(),
            Data::String(s) => s.clone(),
            Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
            Data::Float(f) => f.to_string(),
            Data::Int(i) => i.to_string(),
            Data::Bool(b) => if *b { "是" } else { "否" }.to_string(),
            Data::DateTime(dt) => dt.as_datetime().map(|d| d.date().to_string()).unwrap_or_else(|| dt.to_string()),
            Data::DateTimeIso(s) => s.get(..10).unwrap_or(s).to_string(),
            other => other.to_string(),
        }
    };
    let start_row = range.start().map_or(0, |(r, _)| r as usize);
    let mut rows_iter = range.rows().enumerate();
    let Some((_, header)) = rows_iter.next() else {
        return Ok(Err(vec![IntakeError {
            row: 1,
            column: String::new(),
            message: "工作表为空 / the sheet is empty".into(),
        }]));
    };
    let headers: Vec<String> = header.iter().map(text).collect();
    let columns = match columns(&headers) {
        Ok(c) => c,
        Err(e) => return Ok(Err(e)),
    };
    let keep: Vec<usize> = headers.iter().enumerate().filter(|(_, h)| !h.trim().is_empty()).map(|(i, _)| i).collect();
    let mut rows = Vec::new();
    for (i, r) in rows_iter {
        let cells: Vec<String> = keep.iter().map(|j| r.get(*j).map(text).unwrap_or_default()).collect();
        if cells.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        rows.push((start_row + i + 1, cells));
    }
    Ok(Ok(Table { columns, rows }))
}

fn json_table(bytes: &[u8]) -> Result<Table, Vec<IntakeError>> {
    let one = |row, message: String| vec![IntakeError { row, column: String::new(), message }];
    let value: serde_json::Value = serde_json::from_slice(bytes)
        .map_err(|e| one(e.line(), format!("JSON 格式错误：{e} / malformed JSON: {e}")))?;
    let items = match value {
        serde_json::Value::Array(items) => items,
        serde_json::Value::Object(mut o) => match o.remove("applications") {
            Some(serde_json::Value::Array(items)) => items,
            _ => return Err(one(1, "需要一个对象数组，或含 applications 数组的对象 / expected an array of objects, or an object with an applications array".into())),
        },
        _ => return Err(one(1, "需要一个对象数组 / expected an array of objects".into())),
    };
    let mut headers: Vec<String> = Vec::new();
    for item in &items {
        if let serde_json::Value::Object(o) = item {
            for k in o.keys() {
                if !headers.contains(k) {
                    headers.push(k.clone());
                }
            }
        }
    }
    let columns = columns(&headers)?;
    let mut rows = Vec::new();
    for (i, item) in items.iter().enumerate() {
        // JSON "rows" are numbered like spreadsheet rows: the first object is row 2.
        let row = i + 2;
        let serde_json::Value::Object(o) = item else {
            return Err(one(row, "该项不是对象 / this item is not an object".into()));
        };
        let cells = headers
            .iter()
            .filter(|h| !h.trim().is_empty())
            .map(|h| match o.get(h) {
                None | Some(serde_json::Value::Null) => String::new(),
                Some(serde_json::Value::String(s)) => s.clone(),
                Some(serde_json::Value::Bool(b)) => if *b { "是" } else { "否" }.to_string(),
                Some(serde_json::Value::Array(a)) => a
                    .iter()
                    .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_string))
                    .collect::<Vec<_>>()
                    .join(";"),
                Some(other) => other.to_string(),
            })
            .collect();
        rows.push((row, cells));
    }
    Ok(Table { columns, rows })
}

/// The code of a template's example row starts with this, and intake skips that row, so a
/// filled-in template is read unchanged.
pub const EXAMPLE_MARK: &str = "示例";

fn is_example(code: &str) -> bool {
    code.starts_with(EXAMPLE_MARK) || code.to_ascii_lowercase().starts_with("example")
}

fn parse_table(table: &Table) -> Result<Vec<IntakeRow>, Vec<IntakeError>> {
    let mut errors = Vec::new();
    let mut out: Vec<IntakeRow> = Vec::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    let code_at = table.columns.iter().position(|(f, ..)| *f == Field::Code);
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
            Err(mut e) => errors.append(&mut e),
        }
    }
    if out.is_empty() && errors.is_empty() {
        errors.push(IntakeError {
            row: 2,
            column: String::new(),
            message: "没有任何申报项目 / there are no applications in the file".into(),
        });
    }
    if errors.is_empty() { Ok(out) } else { Err(errors) }
}

fn parse_row(row: usize, columns: &[(Field, bool, String)], cells: &[String]) -> Result<IntakeRow, Vec<IntakeError>> {
    let mut errors = Vec::new();
    let mut get: HashMap<Field, (String, &str)> = HashMap::new();
    let mut in_wan: Vec<Field> = Vec::new();
    for ((field, wan, header), cell) in columns.iter().zip(cells.iter().chain(std::iter::repeat(&String::new()))) {
        if *wan && field.is_money() {
            in_wan.push(*field);
        }
        get.insert(*field, (cell.trim().to_string(), header.as_str()));
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
            format!("申报类型“{kind_text}”无效，应为 立项、变更 或 验收"),
            format!("kind “{kind_text}” is not approval, change or acceptance"),
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
    let mut money = |f: Field| {
        let t = text(f);
        if t.is_empty() {
            return None;
        }
        // A column headed 万元 holds plain numbers in 万; the error still quotes what was typed.
        let scaled = if in_wan.contains(&f) && !t.ends_with('万') && !t.ends_with("万元") {
            format!("{t}万")
        } else {
            t.clone()
        };
        Money::parse(&scaled)
            .map_err(|mut e| {
                e.input = t.clone();
                fail(f, e.to_string(), String::new())
            })
            .ok()
    };
    let approved_total = money(Field::ApprovedTotal);
    let requested_total = money(Field::RequestedTotal);
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
    let document_paths: Vec<String> = text(Field::Documents)
        .split([';', '；'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect();

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
    };
    if errors.is_empty()
        && let Err(e) = application.validate()
    {
        errors.push(IntakeError { row, column: String::new(), message: e.to_string() });
    }
    if errors.is_empty() { Ok(IntakeRow { row, application, document_paths }) } else { Err(errors) }
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
    use super::*;

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
        let rows = parse_table(&json_table(json.as_bytes()).unwrap()).unwrap();
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
                    assert!(e.to_string().ends_with(&format!("{name}：{legacy}")), "{e}")
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
        assert!(matches!(workbook_table(&zip), Err(WorkbookError::Unreadable(_))));
    }

    #[test]
    fn dates_and_flags_in_common_forms() {
        assert_eq!(parse_date("2026年3月31日"), NaiveDate::from_ymd_opt(2026, 3, 31));
        assert_eq!(parse_date("2026-02-30"), None);
        assert_eq!(yes_no("√"), Some(true));
        assert_eq!(yes_no("maybe"), None);
    }
}
