//! Applications (申报) of the four kinds a panel reviews, with the facts the policy rules read.

use super::money::Money;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::fmt;

/// What the construction unit (建设单位) asks the panel for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ApplicationKind {
    /// 立项: approval of a new project.
    Approval,
    /// 变更: a change of content or budget of an approved project.
    Change,
    /// 验收: acceptance of a finished project.
    Acceptance,
    /// 运维: the operation and maintenance (O&M) budget of a system already in operation. Gulou
    /// collects O&M plans with construction plans (第八条); Suqian's panels reviewed 167 O&M
    /// projects beside 143 construction ones (宿迁政策解读 一).
    Maintenance,
}

impl ApplicationKind {
    pub const ALL: [ApplicationKind; 4] = [Self::Approval, Self::Change, Self::Acceptance, Self::Maintenance];

    pub fn id(self) -> &'static str {
        match self {
            Self::Approval => "approval",
            Self::Change => "change",
            Self::Acceptance => "acceptance",
            Self::Maintenance => "maintenance",
        }
    }

    pub fn zh(self) -> &'static str {
        match self {
            Self::Approval => "立项",
            Self::Change => "变更",
            Self::Acceptance => "验收",
            Self::Maintenance => "运维",
        }
    }

    pub fn en(self) -> &'static str {
        match self {
            Self::Approval => "approval",
            Self::Change => "change",
            Self::Acceptance => "acceptance",
            Self::Maintenance => "maintenance",
        }
    }

    /// Reads `立项`, `approval`, `立项审批` and the like.
    pub fn parse(text: &str) -> Option<Self> {
        let t = text.trim().to_lowercase();
        match t.as_str() {
            "approval" | "立项" | "立项审批" | "立项申请" => Some(Self::Approval),
            "change" | "变更" | "项目变更" | "变更申请" => Some(Self::Change),
            "acceptance" | "验收" | "竣工验收" | "验收申请" => Some(Self::Acceptance),
            "maintenance" | "operation_maintenance" | "o&m" | "运维" | "运维项目" | "运维申请" | "运行维护" => {
                Some(Self::Maintenance)
            }
            _ => None,
        }
    }
}

impl fmt::Display for ApplicationKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.zh())
    }
}

/// 建设性质: whether the project builds, upgrades or renovates a system (第二条).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Nature {
    /// 新建
    #[default]
    New,
    /// 升级
    Upgrade,
    /// 改造
    Renovation,
}

impl Nature {
    pub fn parse(text: &str) -> Option<Self> {
        match text.trim().to_lowercase().as_str() {
            "new" | "新建" => Some(Self::New),
            "upgrade" | "升级" => Some(Self::Upgrade),
            "renovation" | "改造" => Some(Self::Renovation),
            _ => None,
        }
    }

    pub fn zh(self) -> &'static str {
        match self {
            Self::New => "新建",
            Self::Upgrade => "升级",
            Self::Renovation => "改造",
        }
    }
}

/// Class in the annual investment plan (年度投资计划, 第九条). A: must start; B: ready; C: reserve.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum PlanClass {
    A,
    B,
    C,
}

impl PlanClass {
    pub fn parse(text: &str) -> Option<Self> {
        match text.trim().to_uppercase().trim_end_matches('类') {
            "A" => Some(Self::A),
            "B" => Some(Self::B),
            "C" => Some(Self::C),
            _ => None,
        }
    }
}

impl fmt::Display for PlanClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::A => "A",
            Self::B => "B",
            Self::C => "C",
        })
    }
}

/// 等保级别: classified protection level, 1 to 5.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "u8", into = "u8")]
pub struct ProtectionLevel(u8);

impl ProtectionLevel {
    pub fn new(level: u8) -> Option<Self> {
        (1..=5).contains(&level).then_some(Self(level))
    }

    /// Reads `3`, `三级`, `第三级` or `等保三级`.
    pub fn parse(text: &str) -> Option<Self> {
        let t = text.trim().trim_start_matches("等保").trim_start_matches('第').trim_end_matches('级');
        let level = match t {
            "1" | "一" => 1,
            "2" | "二" => 2,
            "3" | "三" => 3,
            "4" | "四" => 4,
            "5" | "五" => 5,
            _ => return None,
        };
        Self::new(level)
    }

    pub fn level(self) -> u8 {
        self.0
    }
}

impl TryFrom<u8> for ProtectionLevel {
    type Error = String;
    fn try_from(v: u8) -> Result<Self, String> {
        Self::new(v).ok_or_else(|| format!("protection level {v} is not 1 to 5"))
    }
}

impl From<ProtectionLevel> for u8 {
    fn from(p: ProtectionLevel) -> u8 {
        p.0
    }
}

/// 资金来源: where the money comes from. Luohu's scope turns on it (政策解读 三（一）).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FundingSource {
    /// 政府投资
    GovernmentInvestment,
    /// 部门预算资金
    DepartmentBudget,
    /// 其他（自筹、社会资本等）
    Other,
}

impl FundingSource {
    pub const ALL: [FundingSource; 3] = [Self::GovernmentInvestment, Self::DepartmentBudget, Self::Other];

    pub fn parse(text: &str) -> Option<Self> {
        match text.trim().to_lowercase().as_str() {
            "政府投资" | "政府投资项目" | "government_investment" | "government" => {
                Some(Self::GovernmentInvestment)
            }
            "部门预算" | "部门预算资金" | "department_budget" | "budget" => Some(Self::DepartmentBudget),
            "其他" | "自筹" | "other" => Some(Self::Other),
            _ => None,
        }
    }

    pub fn zh(self) -> &'static str {
        match self {
            Self::GovernmentInvestment => "政府投资",
            Self::DepartmentBudget => "部门预算资金",
            Self::Other => "其他",
        }
    }

    pub fn en(self) -> &'static str {
        match self {
            Self::GovernmentInvestment => "government investment",
            Self::DepartmentBudget => "department budget",
            Self::Other => "other",
        }
    }
}

/// 项目类型: what the money buys. Luohu leaves day-to-day O&M and pure equipment purchases out
/// of its scope (政策解读 三（一）). Not the O&M review kind: an application's kind says what the
/// panel is asked; this says what the project is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProjectType {
    /// 建设（新建、改造、升级）
    Construction,
    /// 日常运行维护
    OperationMaintenance,
    /// 单纯设备购置
    EquipmentPurchase,
}

impl ProjectType {
    pub const ALL: [ProjectType; 3] = [Self::Construction, Self::OperationMaintenance, Self::EquipmentPurchase];

    pub fn parse(text: &str) -> Option<Self> {
        match text.trim().to_lowercase().as_str() {
            "建设" | "建设类" | "construction" => Some(Self::Construction),
            "运维" | "运行维护" | "日常运行维护" | "运维类" | "operation_maintenance" | "o&m" => {
                Some(Self::OperationMaintenance)
            }
            "设备购置" | "单纯设备购置" | "equipment_purchase" | "equipment" => Some(Self::EquipmentPurchase),
            _ => None,
        }
    }

    pub fn zh(self) -> &'static str {
        match self {
            Self::Construction => "建设",
            Self::OperationMaintenance => "日常运行维护",
            Self::EquipmentPurchase => "单纯设备购置",
        }
    }

    pub fn en(self) -> &'static str {
        match self {
            Self::Construction => "construction",
            Self::OperationMaintenance => "day-to-day operation and maintenance",
            Self::EquipmentPurchase => "pure equipment purchase",
        }
    }
}

/// Facts that only some profiles read, each optional. When none is set the field is left out
/// of the signed form, so an application without them signs exactly as before they existed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProfileFacts {
    /// 受理日期: when the authority received the application (the Urumqi notice counts its
    /// 5 working days from here).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub received_on: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub funding_source: Option<FundingSource>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project_type: Option<ProjectType>,
    /// 审核环节: the review step the application is at (Suqian names six).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub review_stage: Option<String>,
    /// 设计单位
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub design_unit: Option<String>,
    /// 开发单位 (实施单位)
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub developer_unit: Option<String>,
}

impl ProfileFacts {
    pub fn is_empty(&self) -> bool {
        self == &Self::default()
    }
}

/// Facts only an O&M application (运维) carries, each optional. When none is set the field is
/// left out of the signed form, so an application without them signs exactly as before.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MaintenanceFacts {
    /// 验收通过日期: the day the system passed acceptance. 未经验收或者验收不合格的项目不得
    /// 投入正式运行 (鼓楼 第二十三条); the self-evaluation window counts from it (第二十四条).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accepted_on: Option<NaiveDate>,
    /// 绩效自评价报告 on file (鼓楼 第二十四条).
    #[serde(default, skip_serializing_if = "is_false")]
    pub self_evaluation: bool,
    /// 年度运维服务情况报表 on file (宿迁政策解读 二（八）: 存量信息化项目每年提交).
    #[serde(default, skip_serializing_if = "is_false")]
    pub service_report: bool,
}

fn is_false(b: &bool) -> bool {
    !*b
}

impl MaintenanceFacts {
    pub fn is_empty(&self) -> bool {
        self == &Self::default()
    }
}

/// An attached document (附件), known by the hash of its bytes.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Document {
    pub name: String,
    /// Lower-case hex SHA-256 of the content.
    pub sha256: String,
    pub size: u64,
}

/// One application on a meeting's agenda, owned by the secretariat that registered it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Application {
    /// 项目编码: unique within a meeting.
    pub code: String,
    pub name: String,
    /// 建设单位
    pub unit: String,
    /// 主管部门
    pub department: String,
    pub kind: ApplicationKind,
    pub nature: Nature,
    /// 批复总投资: the total approved earlier (change, acceptance).
    pub approved_total: Option<Money>,
    /// 申报总投资: the total asked for now (approval estimate, or the new total of a change).
    pub requested_total: Option<Money>,
    /// None when the project is not in the annual plan.
    pub plan_class: Option<PlanClass>,
    pub cross_department: bool,
    /// 联合申报: one joint report from the departments (第十六条).
    pub joint_submission: bool,
    /// 监理单位 engaged (第十九条).
    pub supervision_firm: bool,
    /// 数据共享章节 present (第二十八条).
    pub data_sharing_section: bool,
    pub protection_level: Option<ProtectionLevel>,
    pub construction_completed: Option<NaiveDate>,
    pub trial_start: Option<NaiveDate>,
    pub trial_end: Option<NaiveDate>,
    pub acceptance_applied: Option<NaiveDate>,
    #[serde(default)]
    pub documents: Vec<Document>,
    /// Facts some profiles read (受理日期, 资金来源, 项目类型, 审核环节, 设计与开发单位).
    #[serde(default, skip_serializing_if = "ProfileFacts::is_empty")]
    pub facts: ProfileFacts,
    /// 最初批复总投资: the total first approved, before any change. Successive changes are
    /// measured against it, so that two 6% changes cannot slip under a 10% rule. Left out of
    /// the signed form when absent, so applications signed before it read as they were.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub original_total: Option<Money>,
    /// 前次验收项目编码: for an acceptance applied for again after 限期整改 under a new code,
    /// the code it had then (第二十三条). The same code links without it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous_code: Option<String>,
    /// Facts of an O&M application (验收通过日期, 绩效自评价, 年度运维服务报告). Left out of the
    /// signed form when empty, so applications signed before it read and sign as they were.
    #[serde(default, skip_serializing_if = "MaintenanceFacts::is_empty")]
    pub maintenance: MaintenanceFacts,
}

/// The longest project code, in characters.
pub const MAX_CODE_CHARS: usize = 64;
/// The longest name, construction unit or department, in characters. The longest real names
/// seen are about 60 characters; 200 leave room and keep a signed event small.
pub const MAX_TEXT_CHARS: usize = 200;
/// The most documents one application may carry. An approval or an acceptance comes with
/// about ten to twenty (request, feasibility study, data-sharing section, security and
/// cryptography plans, test, audit and supervision reports); 32 leave room, keep the
/// registration event a few tens of kilobytes, and let a documents cell list them all within
/// an intake cell's 4096 bytes.
pub const MAX_DOCUMENTS: usize = 32;
/// The longest document name, in characters (and 255 bytes, as file systems allow).
pub const MAX_DOCUMENT_NAME_CHARS: usize = 200;
/// The longest document name in bytes.
pub const MAX_DOCUMENT_NAME_BYTES: usize = 255;
/// The largest document: what a bundle carries in one entry (`bundle::MAX_ENTRY_BYTES`).
pub const MAX_DOCUMENT_BYTES: u64 = 512 << 20;

/// The single-line text fields of an application, for their messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TextField {
    Name,
    Unit,
    Department,
    ReviewStage,
    DesignUnit,
    DeveloperUnit,
}

impl TextField {
    pub fn zh(self) -> &'static str {
        match self {
            Self::Name => "项目名称",
            Self::Unit => "建设单位",
            Self::Department => "主管部门",
            Self::ReviewStage => "审核环节",
            Self::DesignUnit => "设计单位",
            Self::DeveloperUnit => "开发单位",
        }
    }

    pub fn en(self) -> &'static str {
        match self {
            Self::Name => "the project name",
            Self::Unit => "the construction unit",
            Self::Department => "the department",
            Self::ReviewStage => "the review stage",
            Self::DesignUnit => "the design unit",
            Self::DeveloperUnit => "the developer",
        }
    }
}

/// `s` as it may be quoted in a message: control characters escaped, at most 40 cells.
pub fn quoted(s: &str) -> String {
    super::text::truncate(&super::text::printable(s), 40)
}

/// Whether `s` holds a control character, a line break or a bidirectional override (the set
/// [`printable`](super::text::printable) escapes).
pub fn has_steering(s: &str) -> bool {
    matches!(super::text::printable(s), std::borrow::Cow::Owned(_))
}

/// A fact an application of its kind must carry but does not, or a field beyond its limits.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApplicationError {
    #[error(
        "项目编码“{shown}”无效：须为 1 到 64 个字母、数字或“-”“_”“.”，以字母或数字开头，不含空白或“/” / the project code “{shown}” is not valid: use 1 to 64 letters, digits, “-”, “_” or “.”, starting with a letter or digit, without spaces or “/”"
    )]
    BadCode { shown: String },
    #[error("{field_zh}不能为空 / {field_en} must not be empty")]
    Empty { field_zh: &'static str, field_en: &'static str },
    #[error(
        "{field_zh}有 {chars} 个字符，最多 {max} 个：请缩短 / {field_en} has {chars} characters, at most {max}: shorten it"
    )]
    TooLong { field_zh: &'static str, field_en: &'static str, chars: usize, max: usize },
    #[error(
        "{field_zh}含控制字符、换行或方向控制符（{shown}）：请删去，写在一行内 / {field_en} holds control characters, line breaks or direction overrides ({shown}): remove them and keep it on one line"
    )]
    Steering { field_zh: &'static str, field_en: &'static str, shown: String },
    #[error(
        "附件有 {count} 份，每个项目最多 {max} 份：请合并或删减 / {count} documents, but an application may have at most {max}: merge some or leave some out"
    )]
    TooManyDocuments { count: usize, max: usize },
    #[error("附件“{shown}”无效：{zh} / document “{shown}” is not valid: {en}")]
    BadDocument { shown: String, zh: &'static str, en: &'static str },
    #[error("{kind}申报必须填写{field_zh} / a {kind_en} application needs {field_en}")]
    Missing { kind: ApplicationKind, kind_en: &'static str, field_zh: &'static str, field_en: &'static str },
    #[error(
        "验收通过日期、绩效自评价报告、年度运维服务报告只适用于运维申报：请清空这三项，或把申报类型改为运维 / the acceptance date, self-evaluation and O&M service report apply to O&M applications only: leave them empty, or make the kind maintenance (运维)"
    )]
    MaintenanceFactsOnOtherKind,
    #[error("试运行结束日期 {end} 早于开始日期 {start} / trial operation ends ({end}) before it starts ({start})")]
    TrialBackwards { start: NaiveDate, end: NaiveDate },
}

/// Checks a project code: 1 to [`MAX_CODE_CHARS`] letters, digits, `-`, `_` or `.`, starting
/// with a letter or digit. Codes are typed on command lines and name files in reports.
pub fn check_code(code: &str) -> Result<(), ApplicationError> {
    let mut chars = code.chars();
    let good = chars.next().is_some_and(char::is_alphanumeric)
        && code.chars().count() <= MAX_CODE_CHARS
        && code.chars().all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.'))
        && !has_steering(code);
    if good { Ok(()) } else { Err(ApplicationError::BadCode { shown: quoted(code) }) }
}

/// Checks a single-line text field: at most [`MAX_TEXT_CHARS`] characters, no control
/// characters, line breaks or direction overrides. Emptiness is checked by the caller.
pub fn check_line(field: TextField, text: &str) -> Result<(), ApplicationError> {
    let chars = text.chars().count();
    if chars > MAX_TEXT_CHARS {
        return Err(ApplicationError::TooLong {
            field_zh: field.zh(),
            field_en: field.en(),
            chars,
            max: MAX_TEXT_CHARS,
        });
    }
    if has_steering(text) {
        return Err(ApplicationError::Steering { field_zh: field.zh(), field_en: field.en(), shown: quoted(text) });
    }
    Ok(())
}

/// Checks a document's name as stored: one file name, no folder, at most
/// [`MAX_DOCUMENT_NAME_CHARS`] characters and [`MAX_DOCUMENT_NAME_BYTES`] bytes, nothing a
/// terminal or a file system would read as more than a name.
pub fn check_document_name(name: &str) -> Result<(), ApplicationError> {
    let bad = |zh, en| Err(ApplicationError::BadDocument { shown: quoted(name), zh, en });
    if name.trim().is_empty() {
        return bad("名称为空", "its name is empty");
    }
    if name.chars().count() > MAX_DOCUMENT_NAME_CHARS || name.len() > MAX_DOCUMENT_NAME_BYTES {
        return bad(
            "名称超过 200 个字符或 255 字节，请改短",
            "its name is longer than 200 characters or 255 bytes: shorten it",
        );
    }
    if has_steering(name) {
        return bad(
            "名称含控制字符或方向控制符，请改名",
            "its name holds control characters or direction overrides: rename it",
        );
    }
    if name == "." || name == ".." || name.contains(['/', '\\', ':']) {
        return bad(
            "名称只能是文件名，不能含“/”“\\”“:”或是“.”“..”",
            "its name must be a file name alone, without “/”, “\\” or “:”, and not “.” or “..”",
        );
    }
    Ok(())
}

/// Checks a document as an event carries it: its name, a lower-case hex SHA-256, a size within
/// what a bundle carries.
pub fn check_document(d: &Document) -> Result<(), ApplicationError> {
    check_document_name(&d.name)?;
    let bad = |zh, en| Err(ApplicationError::BadDocument { shown: quoted(&d.name), zh, en });
    if d.sha256.len() != 64 || !d.sha256.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)) {
        return bad("SHA-256 摘要须为 64 位小写十六进制", "its SHA-256 must be 64 lower-case hex digits");
    }
    if d.size > MAX_DOCUMENT_BYTES {
        return bad("超过单份附件 512 MiB 上限", "it is larger than 512 MiB, the limit for one document");
    }
    Ok(())
}

impl Application {
    /// The total the money rules (scope, supervision) judge: what is asked for, else what was approved.
    pub fn governing_total(&self) -> Option<Money> {
        self.requested_total.or(self.approved_total)
    }

    /// When construction and trial operation are both over: the start of the acceptance window.
    pub fn finished_on(&self) -> Option<NaiveDate> {
        match (self.construction_completed, self.trial_end) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        }
    }

    /// Checks the facts its kind needs and every field's limits. Intake runs it on each row,
    /// and every machine runs it on each registration a peer's bundle brings, so a limit that
    /// intake enforces holds for a hostile peer's events too.
    pub fn validate(&self) -> Result<(), ApplicationError> {
        check_code(&self.code)?;
        if self.name.trim().is_empty() {
            return Err(ApplicationError::Empty { field_zh: "项目名称", field_en: "the project name" });
        }
        if self.unit.trim().is_empty() {
            return Err(ApplicationError::Empty { field_zh: "建设单位", field_en: "the construction unit" });
        }
        check_line(TextField::Name, &self.name)?;
        check_line(TextField::Unit, &self.unit)?;
        check_line(TextField::Department, &self.department)?;
        let f = &self.facts;
        for (field, text) in [
            (TextField::ReviewStage, &f.review_stage),
            (TextField::DesignUnit, &f.design_unit),
            (TextField::DeveloperUnit, &f.developer_unit),
        ] {
            if let Some(t) = text {
                check_line(field, t)?;
            }
        }
        if let Some(previous) = &self.previous_code {
            check_code(previous)?;
        }
        if self.documents.len() > MAX_DOCUMENTS {
            return Err(ApplicationError::TooManyDocuments { count: self.documents.len(), max: MAX_DOCUMENTS });
        }
        for d in &self.documents {
            check_document(d)?;
        }
        let missing = |field_zh, field_en| ApplicationError::Missing {
            kind: self.kind,
            kind_en: self.kind.en(),
            field_zh,
            field_en,
        };
        match self.kind {
            ApplicationKind::Approval => {
                self.requested_total.ok_or_else(|| missing("申报总投资", "the requested total"))?;
            }
            ApplicationKind::Change => {
                self.approved_total.ok_or_else(|| missing("批复总投资", "the approved total"))?;
                self.requested_total
                    .ok_or_else(|| missing("申报总投资（变更后）", "the requested total after the change"))?;
            }
            ApplicationKind::Acceptance => {
                self.approved_total.ok_or_else(|| missing("批复总投资", "the approved total"))?;
                self.construction_completed.ok_or_else(|| missing("建设完成日期", "the construction-complete date"))?;
                self.trial_start.ok_or_else(|| missing("试运行开始日期", "the trial-operation start"))?;
                self.trial_end.ok_or_else(|| missing("试运行结束日期", "the trial-operation end"))?;
                self.acceptance_applied.ok_or_else(|| missing("验收申请日期", "the acceptance-application date"))?;
            }
            ApplicationKind::Maintenance => {
                self.requested_total.ok_or_else(|| missing("申报总投资（运维费用）", "the requested O&M budget"))?;
            }
        }
        if self.kind != ApplicationKind::Maintenance && !self.maintenance.is_empty() {
            return Err(ApplicationError::MaintenanceFactsOnOtherKind);
        }
        if let (Some(start), Some(end)) = (self.trial_start, self.trial_end)
            && end < start
        {
            return Err(ApplicationError::TrialBackwards { start, end });
        }
        Ok(())
    }
}

#[cfg(test)]
pub(crate) mod fixtures {
    use super::*;

    pub fn approval(code: &str, total: Money) -> Application {
        Application {
            code: code.into(),
            name: "区智慧城管综合平台".into(),
            unit: "鼓楼区城市管理局".into(),
            department: "鼓楼区城市管理局".into(),
            kind: ApplicationKind::Approval,
            nature: Nature::New,
            approved_total: None,
            requested_total: Some(total),
            plan_class: Some(PlanClass::A),
            cross_department: false,
            joint_submission: false,
            supervision_firm: true,
            data_sharing_section: true,
            protection_level: ProtectionLevel::new(3),
            construction_completed: None,
            trial_start: None,
            trial_end: None,
            acceptance_applied: None,
            documents: vec![],
            facts: ProfileFacts::default(),
            original_total: None,
            previous_code: None,
            maintenance: MaintenanceFacts::default(),
        }
    }

    /// An O&M application (运维): the yearly budget of a system accepted on `accepted_on`.
    pub fn maintenance(code: &str, total: Money, accepted_on: Option<NaiveDate>) -> Application {
        let mut a = approval(code, total);
        a.kind = ApplicationKind::Maintenance;
        a.name = "区智慧城管综合平台2027年度运维".into();
        a.nature = Nature::New;
        a.supervision_firm = false;
        a.data_sharing_section = false;
        a.maintenance.accepted_on = accepted_on;
        a
    }
}

#[cfg(test)]
mod tests {
    use super::fixtures::approval;
    use super::*;

    #[test]
    fn kinds_read_chinese_and_english() {
        assert_eq!(ApplicationKind::parse("立项"), Some(ApplicationKind::Approval));
        assert_eq!(ApplicationKind::parse("Change"), Some(ApplicationKind::Change));
        assert_eq!(ApplicationKind::parse("竣工验收"), Some(ApplicationKind::Acceptance));
        assert_eq!(ApplicationKind::parse("运维"), Some(ApplicationKind::Maintenance));
        assert_eq!(ApplicationKind::parse("运维项目"), Some(ApplicationKind::Maintenance));
        assert_eq!(ApplicationKind::parse("operation_maintenance"), Some(ApplicationKind::Maintenance));
        assert_eq!(ApplicationKind::parse("采购"), None);
        assert_eq!(ProtectionLevel::parse("等保三级").map(|p| p.level()), Some(3));
        assert_eq!(ProtectionLevel::parse("6"), None);
        assert_eq!(PlanClass::parse("b类"), Some(PlanClass::B));
    }

    #[test]
    fn each_kind_needs_its_facts() {
        let mut a = approval("GL-1", Money::from_yuan(10));
        assert!(a.validate().is_ok());
        a.kind = ApplicationKind::Change;
        let e = a.validate().unwrap_err().to_string();
        assert!(e.contains("批复总投资") && e.contains("approved total"), "{e}");
        a.kind = ApplicationKind::Acceptance;
        a.approved_total = Some(Money::from_yuan(10));
        assert!(a.validate().unwrap_err().to_string().contains("建设完成日期"));
        a.code = "GL 1".into();
        assert!(matches!(a.validate(), Err(ApplicationError::BadCode { .. })));
        let mut m = fixtures::maintenance("YW-1", Money::from_yuan(10), None);
        assert_eq!(m.validate(), Ok(()));
        m.requested_total = None;
        let e = m.validate().unwrap_err().to_string();
        assert!(e.contains("运维费用") && e.contains("O&M budget"), "{e}");
    }

    #[test]
    fn an_application_without_o_and_m_facts_signs_as_before() {
        let a = approval("GL-1", Money::from_yuan(10));
        let json = serde_json::to_string(&a).unwrap();
        assert!(!json.contains("maintenance"), "{json}");
        let mut m = fixtures::maintenance("YW-1", Money::from_yuan(10), NaiveDate::from_ymd_opt(2025, 6, 30));
        m.maintenance.service_report = true;
        let json = serde_json::to_string(&m).unwrap();
        assert!(json.contains(r#""maintenance":{"accepted_on":"2025-06-30","service_report":true}"#), "{json}");
        assert_eq!(serde_json::from_str::<Application>(&json).unwrap(), m);
    }

    #[test]
    fn codes_are_short_and_plain() {
        for good in ["GL-LX-2027-001", "2027-320106-65-01-123456", "示例-GL-1", "a", &"G".repeat(64)] {
            assert_eq!(check_code(good), Ok(()), "{good}");
        }
        for bad in ["", " GL", "GL 1", "GL/1", "GL\\1", "-GL", ".", "..", "GL\u{1b}[2J", "GL\u{202e}1", &"G".repeat(65)]
        {
            assert!(matches!(check_code(bad), Err(ApplicationError::BadCode { .. })), "{bad:?}");
        }
        let e = check_code("GL\u{1b}[2J").unwrap_err().to_string();
        assert!(e.contains("\\u{1b}") && !e.contains('\u{1b}'), "{e}");
    }

    #[test]
    fn a_peers_application_beyond_the_limits_is_refused() {
        let good = approval("GL-1", Money::from_yuan(10));
        let mut a = good.clone();
        a.name = "长".repeat(MAX_TEXT_CHARS);
        assert_eq!(a.validate(), Ok(()));
        a.name.push('长');
        assert!(matches!(a.validate(), Err(ApplicationError::TooLong { chars: 201, max: 200, .. })));
        for bad in ["甲\n乙", "甲\u{1b}[31m", "甲\u{202e}乙", "甲\t乙", "甲\u{7f}"] {
            let mut a = good.clone();
            a.unit = bad.into();
            assert!(matches!(a.validate(), Err(ApplicationError::Steering { .. })), "{bad:?}");
            let mut a = good.clone();
            a.department = bad.into();
            assert!(matches!(a.validate(), Err(ApplicationError::Steering { .. })), "{bad:?}");
        }
        let doc = |name: &str| Document { name: name.into(), sha256: "ab".repeat(32), size: 10 };
        let mut a = good.clone();
        a.documents = (0..MAX_DOCUMENTS).map(|i| doc(&format!("{i}.pdf"))).collect();
        assert_eq!(a.validate(), Ok(()));
        a.documents.push(doc("33.pdf"));
        assert!(matches!(a.validate(), Err(ApplicationError::TooManyDocuments { count: 33, max: 32 })));
        for name in ["", "../../.bashrc", "a/b.pdf", "a\\b.pdf", "C:x", "..", "x\u{1b}.pdf", &"长".repeat(86)] {
            let mut a = good.clone();
            a.documents = vec![doc(name)];
            assert!(matches!(a.validate(), Err(ApplicationError::BadDocument { .. })), "{name:?}");
        }
        for (sha256, size) in [("AB".repeat(32), 1), ("ab".repeat(31), 1), ("ab".repeat(32), MAX_DOCUMENT_BYTES + 1)] {
            let mut a = good.clone();
            a.documents = vec![Document { name: "可研.pdf".into(), sha256, size }];
            assert!(matches!(a.validate(), Err(ApplicationError::BadDocument { .. })));
        }
    }
}
