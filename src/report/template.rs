//! The intake template (申报录入模板): an empty sheet with bilingual headers and one example row
//! that `intake` reads unchanged once it is filled in. The example row's code starts with
//! [`EXAMPLE_MARK`](crate::intake::EXAMPLE_MARK), and intake skips it.

use super::{ReportError, write_atomic};
use crate::intake::{COLUMNS, EXAMPLE_MARK, Field};
use rust_xlsxwriter::{Color, DataValidation, Format, Workbook, XlsxError};
use std::path::Path;

/// Rows that get the drop-down lists in the XLSX template.
const ROWS: u32 = 2000;

/// The header of a column: Chinese and English, with the unit where there is one.
pub fn header(field: Field) -> String {
    match field {
        Field::ApprovedTotal | Field::RequestedTotal | Field::OriginalTotal => {
            format!("{}（万元） {}", field.zh(), field.en())
        }
        _ => format!("{} {}", field.zh(), field.en()),
    }
}

/// The notes' line on amounts. Every form it names is read by intake as it says
/// (a test feeds each one through a template-headed column).
pub const AMOUNT_NOTE_ZH: &str = "金额以万元填写，如 356.8（即 356.8万）；也可写 3,568,000 元（写明“元”即按元计）。不足 1 万元或超过 100 亿元的金额会提示核对单位。日期写成 2027-03-31。是/否列填“是”或“否”。";
/// [`AMOUNT_NOTE_ZH`] in English.
pub const AMOUNT_NOTE_EN: &str = "Amounts in 万元 (10,000 yuan), like 356.8 (that is 356.8万); or in yuan written with 元, like 3,568,000 元. An amount under 1 万元 or over 100 亿元 is flagged for a check of its unit. Dates as 2027-03-31. Yes/no columns take 是 or 否.";

/// The forms [`AMOUNT_NOTE_ZH`] names, each meaning 3,568,000 yuan.
pub const AMOUNT_NOTE_FORMS: [&str; 3] = ["356.8", "356.8万", "3,568,000 元"];

/// The example row, one value per column.
pub fn example(field: Field) -> String {
    match field {
        Field::Code => format!("{EXAMPLE_MARK}-GL-LX-2027-001"),
        Field::Name => "（示例，导入时跳过）区政务数据共享交换平台".into(),
        Field::Unit => "鼓楼区数据局".into(),
        Field::Department => "鼓楼区数据局".into(),
        Field::Kind => "立项".into(),
        Field::Nature => "新建".into(),
        Field::ApprovedTotal | Field::OriginalTotal => String::new(),
        Field::RequestedTotal => "356.8".into(),
        Field::PlanClass => "A".into(),
        Field::CrossDepartment => "是".into(),
        Field::JointSubmission => "是".into(),
        Field::SupervisionFirm => "是".into(),
        Field::DataSharing => "是".into(),
        Field::ProtectionLevel => "3".into(),
        Field::ConstructionCompleted | Field::TrialStart | Field::TrialEnd | Field::AcceptanceApplied => String::new(),
        Field::Documents => "可行性研究报告.pdf".into(),
        // Optional columns that only some profiles read; empty is fine.
        Field::ReceivedOn => "2027-03-02".into(),
        Field::FundingSource => "政府投资".into(),
        Field::ProjectType => "建设".into(),
        Field::ReviewStage | Field::DesignUnit | Field::DeveloperUnit | Field::PreviousCode => String::new(),
        // O&M applications only; the example is an approval.
        Field::AcceptedOn | Field::SelfEvaluation | Field::ServiceReport => String::new(),
    }
}

/// The choices a column offers, where it has a fixed list.
fn choices(field: Field) -> Option<&'static [&'static str]> {
    match field {
        Field::Kind => Some(&["立项", "变更", "验收", "运维"]),
        Field::Nature => Some(&["新建", "升级", "改造"]),
        Field::PlanClass => Some(&["A", "B", "C"]),
        Field::CrossDepartment
        | Field::JointSubmission
        | Field::SupervisionFirm
        | Field::DataSharing
        | Field::SelfEvaluation
        | Field::ServiceReport => Some(&["是", "否"]),
        Field::ProtectionLevel => Some(&["1", "2", "3", "4", "5"]),
        Field::FundingSource => Some(&["政府投资", "部门预算", "其他"]),
        Field::ProjectType => Some(&["建设", "运维", "设备购置"]),
        _ => None,
    }
}

/// Writes the template to `out`, as XLSX or CSV by its extension.
pub fn write(out: &Path) -> Result<(), ReportError> {
    let ext = out.extension().and_then(|e| e.to_str()).unwrap_or("").to_lowercase();
    let bytes = match ext.as_str() {
        "xlsx" => xlsx().map_err(|e| ReportError::Xlsx(e.to_string()))?,
        "csv" => csv(),
        _ => return Err(ReportError::TemplateFormat(out.display().to_string())),
    };
    write_atomic(out, &bytes)
}

fn csv() -> Vec<u8> {
    let mut w = csv::Writer::from_writer(b"\xEF\xBB\xBF".to_vec());
    let _ = w.write_record(COLUMNS.iter().map(|c| header(c.0)));
    let _ = w.write_record(COLUMNS.iter().map(|c| example(c.0)));
    w.into_inner().unwrap_or_default()
}

fn xlsx() -> Result<Vec<u8>, XlsxError> {
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("申报 applications")?;
    let bold = Format::new().set_bold().set_background_color(Color::RGB(0xDDE7F0)).set_text_wrap();
    let grey = Format::new().set_italic().set_font_color(Color::RGB(0x808080));
    let wan = Format::new().set_num_format(super::xlsx::WAN_FORMAT);
    for (c, (field, ..)) in COLUMNS.iter().enumerate() {
        let x = c as u16;
        let head = header(*field);
        sheet.write_string_with_format(0, x, &head, &bold)?;
        let value = example(*field);
        if !value.is_empty() {
            sheet.write_string_with_format(1, x, &value, &grey)?;
        }
        let w = crate::domain::text::width(&head).max(crate::domain::text::width(&value));
        sheet.set_column_width(x, (w as f64 + 2.0).min(40.0))?;
        if let Some(list) = choices(*field) {
            let dv = DataValidation::new().allow_list_strings(list)?;
            sheet.add_data_validation(1, x, ROWS, x, &dv)?;
        }
        if matches!(field, Field::ApprovedTotal | Field::RequestedTotal | Field::OriginalTotal) {
            sheet.set_column_format(x, &wan)?;
        }
    }
    sheet.set_freeze_panes(1, 0)?;
    let notes = book.add_worksheet();
    notes.set_name("说明 notes")?;
    let lines = [
        "每行一个申报项目；第二行是示例（项目编码以“示例”开头），导入时自动跳过，可保留或删除。",
        "One application per row. The second row is an example (its code starts with 示例); intake skips it.",
        AMOUNT_NOTE_ZH,
        AMOUNT_NOTE_EN,
        "试运行月数从开始日期算到结束日期，结束日期当天不计入（同日对同日）：2027-01-15 开始，结束日期须为 2027-04-15 或更晚才满三个月，写 2027-04-14 为不足。日期须满足：建设完成 ≤ 试运行开始 < 试运行结束 ≤ 验收申请 ≤ 评审会日期（试运行开始与结束不能同一天，其余可以）。",
        "Trial months count from the start date to the end date, the end date itself not counted (same day to same day): a trial from 2027-01-15 needs an end date of 2027-04-15 or later for three months; 2027-04-14 is short. Dates must run: construction completed ≤ trial start < trial end ≤ acceptance applied ≤ meeting date (the trial cannot start and end on one day; other pairs may share a day).",
        "附件列填写与本表同一文件夹中的文件名，多个用分号分隔。",
        "The documents column names files in the same folder as this sheet, separated by semicolons.",
        "受理日期、资金来源、项目类型、审核环节、设计单位、开发单位为选填，只有部分政策档案使用（见 reviewdesk profile show）。",
        "最初批复总投资为选填：项目已变更过的，填最早一次批复的总投资，本次变更按累计变动计算。",
        "前次验收项目编码为选填：验收未通过、限期整改后重新申请验收且换了项目编码的，填前次验收时的编码；编码未变的不必填。",
        "Previous acceptance code is optional: for an acceptance applied for again after rectification under a new code, give the code it had then; leave it empty when the code is unchanged.",
        "Received date, funding source, project type, review stage, design unit and developer are optional; only some profiles read them (see reviewdesk profile show).",
        "运维申报（申报类型填“运维”）：申报总投资填本年度运维费用；验收通过日期填系统通过竣工验收的日期（未经验收不得投入正式运行）；绩效自评价报告、年度运维服务报告填“是”或“否”（是否已报送）。其他申报类型这三列留空。",
        "O&M applications (kind 运维): the requested total is this year's O&M budget; 验收通过日期 is the day the system passed acceptance; 绩效自评价报告 and 年度运维服务报告 take 是 or 否 (on file or not). Leave these three empty for other kinds.",
        "填好后运行：reviewdesk intake 本文件 / When filled in, run: reviewdesk intake THIS_FILE",
    ];
    for (i, line) in lines.iter().enumerate() {
        notes.write_string(i as u32, 0, *line)?;
    }
    notes.set_column_width(0, 110)?;
    book.save_to_buffer()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_amount_form_the_note_names_is_read_as_it_says() {
        for form in AMOUNT_NOTE_FORMS {
            assert!(AMOUNT_NOTE_ZH.contains(form), "{form}");
            let header: Vec<String> = [Field::Code, Field::Name, Field::Unit, Field::Kind, Field::RequestedTotal]
                .into_iter()
                .map(header)
                .collect();
            let csv = format!("{}\nGL-1,甲,乙,立项,\"{form}\"\n", header.join(","));
            let rows = crate::intake::read_csv(csv.as_bytes()).unwrap_or_else(|e| panic!("{form}: {e:?}"));
            assert_eq!(rows[0].application.requested_total, Some(crate::domain::Money::from_yuan(3_568_000)), "{form}");
        }
    }
}
