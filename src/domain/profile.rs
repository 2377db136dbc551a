//! The profile format: which rules a source text sets, each of a kind from a closed set, with
//! its parameters and the sentence it comes from; the checks a profile file must pass; and the
//! findings of the kinds that only some texts set.
//!
//! In a profile file the rules are a table keyed by kind (`[rules.supervision]`). A profile
//! may leave out any kind: a kind it leaves out is "not set by this text" (本文件未规定) and
//! never fires. `enabled = false` switches a rule off while keeping its citation. A rule the
//! text names without its number (宿迁的“限额标准”, 安徽的“审批时限”) is written with
//! `not_stated = true` and no number. Such a rule never warns or blocks: it raises one
//! informational finding (提示) on each application of the kind it concerns, quoting the
//! sentence, so that the panel checks the number against the full text by hand.

use super::application::{Application, ApplicationKind, FundingSource, ProjectType};
use super::calendar::Calendar;
use super::money::Money;
use super::policy::{BasisPoints, Profile, Severity};
use chrono::NaiveDate;
use serde::de::{MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// Every kind of rule a profile may set. The set is closed: a kind not listed here is refused
/// when a profile is read, with the list of the known ones.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RuleKind {
    /// 管理范围下限: a project below the amount is outside the text's scope.
    ScopeFloor,
    /// 按资金来源划定的管理范围 (罗湖): government investment always, department budget from
    /// a floor, some project types never.
    FundingScope,
    /// 监理: a supervision firm from an amount up.
    Supervision,
    /// 变更与重新立项: the overrun that needs a new approval.
    Change,
    /// 试运行时长
    TrialOperation,
    /// 验收申请期限
    AcceptanceWindow,
    /// 数据共享章节为立项必备条件
    DataSharing,
    /// 未列入年度计划不予安排资金
    AnnualPlan,
    /// 跨部门项目联合报审
    JointSubmission,
    /// 受理后若干个工作日内召开评审会 (乌鲁木齐通知)
    MeetingDeadline,
    /// 审批时限
    ApprovalTimeLimit,
    /// 审核环节 (宿迁的六个步骤)
    ReviewStage,
    /// 设计与开发分开 (安徽)
    SeparateDesignDevelopment,
    /// 限额标准: from an amount up, a further review procedure applies (宿迁, 安徽).
    ReviewLimit,
    /// 限期整改与暂缓审批: a failed acceptance is rectified by a deadline and applied for again;
    /// a unit that does not, or fails again, has its later approvals held back (鼓楼 第二十三条).
    Rectification,
    /// 未经验收不得投入正式运行 (鼓楼 第二十三条): an O&M application's system must have
    /// passed acceptance.
    OperationAcceptance,
    /// 存量项目每年提交运维服务情况报表 (宿迁政策解读 二（八）).
    MaintenanceReport,
}

impl RuleKind {
    /// The rules most texts set, which a reader expects to find: one a profile leaves out is
    /// said to be "not set by this text" on the application, never silently absent.
    pub const COMMON: [RuleKind; 9] = [
        Self::ScopeFloor,
        Self::Supervision,
        Self::Change,
        Self::TrialOperation,
        Self::AcceptanceWindow,
        Self::DataSharing,
        Self::AnnualPlan,
        Self::JointSubmission,
        Self::Rectification,
    ];

    pub const ALL: [RuleKind; 17] = [
        Self::ScopeFloor,
        Self::FundingScope,
        Self::Supervision,
        Self::Change,
        Self::TrialOperation,
        Self::AcceptanceWindow,
        Self::DataSharing,
        Self::AnnualPlan,
        Self::JointSubmission,
        Self::MeetingDeadline,
        Self::ApprovalTimeLimit,
        Self::ReviewStage,
        Self::SeparateDesignDevelopment,
        Self::ReviewLimit,
        Self::Rectification,
        Self::OperationAcceptance,
        Self::MaintenanceReport,
    ];

    /// The key of the kind in a profile file.
    pub fn id(self) -> &'static str {
        match self {
            Self::ScopeFloor => "scope_floor",
            Self::FundingScope => "funding_scope",
            Self::Supervision => "supervision",
            Self::Change => "change",
            Self::TrialOperation => "trial_operation",
            Self::AcceptanceWindow => "acceptance_window",
            Self::DataSharing => "data_sharing",
            Self::AnnualPlan => "annual_plan",
            Self::JointSubmission => "joint_submission",
            Self::MeetingDeadline => "meeting_deadline",
            Self::ApprovalTimeLimit => "approval_time_limit",
            Self::ReviewStage => "review_stage",
            Self::SeparateDesignDevelopment => "separate_design_development",
            Self::ReviewLimit => "review_limit",
            Self::Rectification => "rectification",
            Self::OperationAcceptance => "operation_acceptance",
            Self::MaintenanceReport => "maintenance_report",
        }
    }

    pub fn zh(self) -> &'static str {
        match self {
            Self::ScopeFloor => "管理范围下限",
            Self::FundingScope => "按资金来源划定管理范围",
            Self::Supervision => "监理",
            Self::Change => "变更与重新立项",
            Self::TrialOperation => "试运行时长",
            Self::AcceptanceWindow => "验收申请期限",
            Self::DataSharing => "数据共享为立项必备条件",
            Self::AnnualPlan => "年度计划",
            Self::JointSubmission => "跨部门联合报审",
            Self::MeetingDeadline => "受理后召开评审会的期限",
            Self::ApprovalTimeLimit => "审批时限",
            Self::ReviewStage => "审核环节",
            Self::SeparateDesignDevelopment => "设计与开发分开",
            Self::ReviewLimit => "限额标准",
            Self::Rectification => "限期整改与暂缓审批",
            Self::OperationAcceptance => "未经验收不得投入正式运行",
            Self::MaintenanceReport => "年度运维服务情况报表",
        }
    }

    pub fn en(self) -> &'static str {
        match self {
            Self::ScopeFloor => "scope floor",
            Self::FundingScope => "scope by funding source",
            Self::Supervision => "supervision firm",
            Self::Change => "change and re-approval",
            Self::TrialOperation => "trial operation",
            Self::AcceptanceWindow => "acceptance window",
            Self::DataSharing => "data sharing required for approval",
            Self::AnnualPlan => "annual plan",
            Self::JointSubmission => "joint submission",
            Self::MeetingDeadline => "review meeting deadline",
            Self::ApprovalTimeLimit => "approval time limit",
            Self::ReviewStage => "review stage",
            Self::SeparateDesignDevelopment => "design and development by separate parties",
            Self::ReviewLimit => "review limit",
            Self::Rectification => "rectification and held-back approvals",
            Self::OperationAcceptance => "no operation before acceptance",
            Self::MaintenanceReport => "annual O&M service report",
        }
    }

    /// The application kinds a rule of this kind reads.
    pub fn concerns(self, kind: ApplicationKind) -> bool {
        use ApplicationKind as K;
        match self {
            Self::ScopeFloor | Self::FundingScope | Self::JointSubmission => true,
            // 监理 is engaged for construction (第十九条), not for a year's O&M.
            Self::Supervision => kind != K::Maintenance,
            Self::Change => kind == K::Change,
            Self::TrialOperation | Self::AcceptanceWindow => kind == K::Acceptance,
            Self::Rectification => matches!(kind, K::Approval | K::Acceptance),
            // 第八条 collects O&M plans with construction plans.
            Self::AnnualPlan => kind != K::Acceptance,
            Self::SeparateDesignDevelopment => matches!(kind, K::Approval | K::Change),
            Self::OperationAcceptance | Self::MaintenanceReport => kind == K::Maintenance,
            Self::DataSharing
            | Self::MeetingDeadline
            | Self::ApprovalTimeLimit
            | Self::ReviewStage
            | Self::ReviewLimit => kind == K::Approval,
        }
    }

    pub fn parse(id: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.id() == id)
    }
}

fn on() -> bool {
    true
}

fn is_on(b: &bool) -> bool {
    *b
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// Amounts in rules are written as text ("100万"), never bare numbers, so the unit is never in doubt.
fn money_text<S: Serializer>(m: &Money, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&m.yuan())
}

fn money<'de, D: Deserializer<'de>>(d: D) -> Result<Money, D::Error> {
    let s = String::deserialize(d)?;
    Money::parse(&s).map_err(serde::de::Error::custom)
}

fn opt_money_text<S: Serializer>(m: &Option<Money>, s: S) -> Result<S::Ok, S::Error> {
    match m {
        Some(m) => s.serialize_str(&m.yuan()),
        None => s.serialize_none(),
    }
}

fn opt_money<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Money>, D::Error> {
    match Option::<String>::deserialize(d)? {
        Some(s) => Money::parse(&s).map(Some).map_err(serde::de::Error::custom),
        None => Ok(None),
    }
}

/// 管理范围下限: below `amount`, a project is outside the text's scope.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AmountRule {
    #[serde(
        default,
        deserialize_with = "opt_money",
        serialize_with = "opt_money_text",
        alias = "floor",
        skip_serializing_if = "Option::is_none"
    )]
    pub amount: Option<Money>,
    /// The text names the rule but not its number.
    #[serde(default, skip_serializing_if = "is_false")]
    pub not_stated: bool,
    pub severity: Severity,
    pub article: String,
    /// The sentence of the text the rule comes from.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub quote: String,
    #[serde(default = "on", skip_serializing_if = "is_on")]
    pub enabled: bool,
}

/// 按资金来源划定的管理范围 (罗湖 三（一）): a project paid by one of `always_in_scope` is
/// managed whatever its size; one paid from the department budget from `department_budget_floor`
/// up (inclusive); a project of an `excluded_types` type never.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FundingScopeRule {
    #[serde(deserialize_with = "money", serialize_with = "money_text")]
    pub department_budget_floor: Money,
    #[serde(default)]
    pub always_in_scope: Vec<FundingSource>,
    #[serde(default)]
    pub excluded_types: Vec<ProjectType>,
    pub severity: Severity,
    pub article: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub quote: String,
    #[serde(default = "on", skip_serializing_if = "is_on")]
    pub enabled: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SupervisionRule {
    #[serde(deserialize_with = "money", serialize_with = "money_text")]
    pub floor: Money,
    pub severity: Severity,
    pub article: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub quote: String,
    #[serde(default = "on", skip_serializing_if = "is_on")]
    pub enabled: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChangeRule {
    pub reapply_percent: BasisPoints,
    pub procedure_severity: Severity,
    pub reapply_severity: Severity,
    pub article: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub quote: String,
    #[serde(default = "on", skip_serializing_if = "is_on")]
    pub enabled: bool,
}

/// A number of calendar months (试运行时长, 验收申请期限).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MonthsRule {
    #[serde(default, alias = "min_months", skip_serializing_if = "Option::is_none")]
    pub months: Option<u32>,
    #[serde(default, skip_serializing_if = "is_false")]
    pub not_stated: bool,
    pub severity: Severity,
    pub article: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub quote: String,
    #[serde(default = "on", skip_serializing_if = "is_on")]
    pub enabled: bool,
}

/// A rule with no number: it fires on a fact of the application.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FlagRule {
    pub severity: Severity,
    pub article: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub quote: String,
    #[serde(default = "on", skip_serializing_if = "is_on")]
    pub enabled: bool,
}

/// A number of working days from the day the application was received (受理), counted on the
/// profile's working-day calendar, the day of receipt not counted.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WorkingDaysRule {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub working_days: Option<u32>,
    #[serde(default, skip_serializing_if = "is_false")]
    pub not_stated: bool,
    /// The calendar to count on: a built-in id (`cn-2026`) or a `.toml` file beside the profile.
    /// The loader puts the calendar itself into the profile, so a meeting carries it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub calendar: Option<String>,
    pub severity: Severity,
    pub article: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub quote: String,
    #[serde(default = "on", skip_serializing_if = "is_on")]
    pub enabled: bool,
}

/// 审核环节: the steps a text names, in order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StageRule {
    pub stages: Vec<String>,
    pub severity: Severity,
    pub article: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub quote: String,
    #[serde(default = "on", skip_serializing_if = "is_on")]
    pub enabled: bool,
}

/// One rule of a profile: its kind and that kind's parameters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Rule {
    ScopeFloor(AmountRule),
    FundingScope(FundingScopeRule),
    Supervision(SupervisionRule),
    Change(ChangeRule),
    TrialOperation(MonthsRule),
    AcceptanceWindow(MonthsRule),
    DataSharing(FlagRule),
    AnnualPlan(FlagRule),
    JointSubmission(FlagRule),
    MeetingDeadline(WorkingDaysRule),
    ApprovalTimeLimit(WorkingDaysRule),
    ReviewStage(StageRule),
    SeparateDesignDevelopment(FlagRule),
    ReviewLimit(AmountRule),
    Rectification(FlagRule),
    OperationAcceptance(FlagRule),
    MaintenanceReport(FlagRule),
}

/// What every rule carries whatever its kind: its citation and whether it is on.
pub struct Cite<'a> {
    pub article: &'a str,
    pub quote: &'a str,
    pub enabled: bool,
    /// The number is named by the text but not stated.
    pub not_stated: bool,
}

impl Rule {
    pub fn kind(&self) -> RuleKind {
        match self {
            Self::ScopeFloor(_) => RuleKind::ScopeFloor,
            Self::FundingScope(_) => RuleKind::FundingScope,
            Self::Supervision(_) => RuleKind::Supervision,
            Self::Change(_) => RuleKind::Change,
            Self::TrialOperation(_) => RuleKind::TrialOperation,
            Self::AcceptanceWindow(_) => RuleKind::AcceptanceWindow,
            Self::DataSharing(_) => RuleKind::DataSharing,
            Self::AnnualPlan(_) => RuleKind::AnnualPlan,
            Self::JointSubmission(_) => RuleKind::JointSubmission,
            Self::MeetingDeadline(_) => RuleKind::MeetingDeadline,
            Self::ApprovalTimeLimit(_) => RuleKind::ApprovalTimeLimit,
            Self::ReviewStage(_) => RuleKind::ReviewStage,
            Self::SeparateDesignDevelopment(_) => RuleKind::SeparateDesignDevelopment,
            Self::ReviewLimit(_) => RuleKind::ReviewLimit,
            Self::Rectification(_) => RuleKind::Rectification,
            Self::OperationAcceptance(_) => RuleKind::OperationAcceptance,
            Self::MaintenanceReport(_) => RuleKind::MaintenanceReport,
        }
    }

    pub fn cite(&self) -> Cite<'_> {
        fn c2<'a>(article: &'a str, quote: &'a str, enabled: bool, not_stated: bool) -> Cite<'a> {
            Cite { article, quote, enabled, not_stated }
        }
        match self {
            Self::ScopeFloor(r) | Self::ReviewLimit(r) => c2(&r.article, &r.quote, r.enabled, r.not_stated),
            Self::FundingScope(r) => c2(&r.article, &r.quote, r.enabled, false),
            Self::Supervision(r) => c2(&r.article, &r.quote, r.enabled, false),
            Self::Change(r) => c2(&r.article, &r.quote, r.enabled, false),
            Self::TrialOperation(r) | Self::AcceptanceWindow(r) => c2(&r.article, &r.quote, r.enabled, r.not_stated),
            Self::DataSharing(r)
            | Self::AnnualPlan(r)
            | Self::JointSubmission(r)
            | Self::SeparateDesignDevelopment(r)
            | Self::Rectification(r) => c2(&r.article, &r.quote, r.enabled, false),
            Self::OperationAcceptance(r) | Self::MaintenanceReport(r) => c2(&r.article, &r.quote, r.enabled, false),
            Self::MeetingDeadline(r) | Self::ApprovalTimeLimit(r) => c2(&r.article, &r.quote, r.enabled, r.not_stated),
            Self::ReviewStage(r) => c2(&r.article, &r.quote, r.enabled, false),
        }
    }

    /// What the rule sets, in words, for `profile show` and the docs.
    pub fn summary(&self) -> (String, String) {
        let sev = |s: Severity| (s.zh(), s.en());
        match self {
            Self::ScopeFloor(r) => match r.amount {
                Some(a) => (
                    format!("总投资低于 {a} 不在管理范围（{}）", sev(r.severity).0),
                    format!("a total below {a} is outside the scope ({})", sev(r.severity).1),
                ),
                None => not_stated_words(),
            },
            Self::FundingScope(r) => (
                format!(
                    "{}项目一律纳入；部门预算资金项目 {} 及以上纳入；{}不适用（{}）",
                    join(r.always_in_scope.iter().map(|f| f.zh()), "、"),
                    r.department_budget_floor,
                    join(r.excluded_types.iter().map(|t| t.zh()), "、"),
                    sev(r.severity).0
                ),
                format!(
                    "{} always in scope; department-budget projects from {} up; {} outside ({})",
                    join(r.always_in_scope.iter().map(|f| f.en()), ", "),
                    r.department_budget_floor,
                    join(r.excluded_types.iter().map(|t| t.en()), ", "),
                    sev(r.severity).1
                ),
            ),
            Self::Supervision(r) => (
                format!("总投资 {} 及以上须委托监理（{}）", r.floor, sev(r.severity).0),
                format!("a supervision firm from a total of {} up ({})", r.floor, sev(r.severity).1),
            ),
            Self::Change(r) => (
                format!(
                    "超概算低于 {} 履行变更手续（{}），{} 及以上须重新立项（{}）",
                    r.reapply_percent.percent(),
                    sev(r.procedure_severity).0,
                    r.reapply_percent.percent(),
                    sev(r.reapply_severity).0
                ),
                format!(
                    "an overrun under {} takes the change procedure ({}); {} or more needs a new approval ({})",
                    r.reapply_percent.percent(),
                    sev(r.procedure_severity).1,
                    r.reapply_percent.percent(),
                    sev(r.reapply_severity).1
                ),
            ),
            Self::TrialOperation(r) => match r.months {
                Some(m) => (
                    format!("试运行至少 {m} 个月（{}）", sev(r.severity).0),
                    format!("at least {m} months of trial operation ({})", sev(r.severity).1),
                ),
                None => not_stated_words(),
            },
            Self::AcceptanceWindow(r) => match r.months {
                Some(m) => (
                    format!("建设及试运行完成后 {m} 个月内申请验收（{}）", sev(r.severity).0),
                    format!("apply for acceptance within {m} months of finishing ({})", sev(r.severity).1),
                ),
                None => not_stated_words(),
            },
            Self::Rectification(r) => (
                format!(
                    "验收未通过须限期整改后重新申请；逾期未重新申请、逾期申请或整改后仍未通过的，暂缓该单位后续立项（{}）",
                    sev(r.severity).0
                ),
                format!(
                    "a failed acceptance is rectified by a deadline and applied for again; a unit that misses the deadline or fails again has its later approvals held back ({})",
                    sev(r.severity).1
                ),
            ),
            Self::DataSharing(r) => (
                format!("立项材料须含数据共享章节（{}）", sev(r.severity).0),
                format!("an approval needs a data-sharing section ({})", sev(r.severity).1),
            ),
            Self::AnnualPlan(r) => (
                format!("未列入年度计划原则上不安排资金（{}）", sev(r.severity).0),
                format!("not in the annual plan: in principle no funds ({})", sev(r.severity).1),
            ),
            Self::JointSubmission(r) => (
                format!("跨部门项目联合报审（{}）", sev(r.severity).0),
                format!("a cross-department project submits one joint report ({})", sev(r.severity).1),
            ),
            Self::MeetingDeadline(r) => match r.working_days {
                Some(n) => (
                    format!(
                        "受理后 {n} 个工作日内召开评审会（{}；工作日历 {}）",
                        sev(r.severity).0,
                        r.calendar.as_deref().unwrap_or("-")
                    ),
                    format!(
                        "the review meeting within {n} working days of receipt ({}; calendar {})",
                        sev(r.severity).1,
                        r.calendar.as_deref().unwrap_or("-")
                    ),
                ),
                None => not_stated_words(),
            },
            Self::ApprovalTimeLimit(r) => match r.working_days {
                Some(n) => (
                    format!("受理后 {n} 个工作日内完成审批（{}）", sev(r.severity).0),
                    format!("approval within {n} working days of receipt ({})", sev(r.severity).1),
                ),
                None => not_stated_words(),
            },
            Self::ReviewStage(r) => (
                format!("审核环节：{}（{}）", r.stages.join(" → "), sev(r.severity).0),
                format!("review steps: {} ({})", r.stages.join(" → "), sev(r.severity).1),
            ),
            Self::SeparateDesignDevelopment(r) => (
                format!("设计单位与开发单位不得为同一单位（{}）", sev(r.severity).0),
                format!("design and development by separate parties ({})", sev(r.severity).1),
            ),
            Self::ReviewLimit(r) => match r.amount {
                Some(a) => (
                    format!("总投资 {a} 及以上按限额以上项目审核（{}）", sev(r.severity).0),
                    format!("from a total of {a} up, the above-limit review applies ({})", sev(r.severity).1),
                ),
                None => not_stated_words(),
            },
            Self::OperationAcceptance(r) => (
                format!("运维申报的系统须已通过验收，未经验收不得投入正式运行（{}）", sev(r.severity).0),
                format!(
                    "an O&M application's system must have passed acceptance: none runs before it ({})",
                    sev(r.severity).1
                ),
            ),
            Self::MaintenanceReport(r) => (
                format!("已建成的存量项目每年提交运维服务情况报表（{}）", sev(r.severity).0),
                format!("a system in operation files an O&M service report every year ({})", sev(r.severity).1),
            ),
        }
    }
}

fn not_stated_words() -> (String, String) {
    ("本文件提及此规则但未载明数值（提示）".into(), "named by this text, number not stated (informs)".into())
}

fn join<'a>(items: impl Iterator<Item = &'a str>, sep: &str) -> String {
    let v: Vec<_> = items.collect();
    if v.is_empty() { "-".into() } else { v.join(sep) }
}

/// The rules of a profile, at most one of each kind, in the order of [`RuleKind::ALL`].
/// Written as a table keyed by kind; a key outside the closed set is refused.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Rules(Vec<Rule>);

macro_rules! getter {
    ($name:ident, $variant:ident, $ty:ty) => {
        /// The rule of this kind, if the profile sets it and it is on.
        pub fn $name(&self) -> Option<&$ty> {
            self.0.iter().find_map(|r| match r {
                Rule::$variant(x) if x.enabled => Some(x),
                _ => None,
            })
        }
    };
}

impl Rules {
    pub fn new(mut rules: Vec<Rule>) -> Self {
        rules.sort_by_key(Rule::kind);
        Rules(rules)
    }

    /// Every rule the profile sets, on or off.
    pub fn iter(&self) -> impl Iterator<Item = &Rule> {
        self.0.iter()
    }

    /// The rule of `kind` the profile sets, on or off.
    pub fn get(&self, kind: RuleKind) -> Option<&Rule> {
        self.0.iter().find(|r| r.kind() == kind)
    }

    /// The rule of `kind` the profile sets, to change it.
    pub fn get_mut(&mut self, kind: RuleKind) -> Option<&mut Rule> {
        self.0.iter_mut().find(|r| r.kind() == kind)
    }

    /// Sets (or replaces) the rule of its kind.
    pub fn set(&mut self, rule: Rule) {
        self.0.retain(|r| r.kind() != rule.kind());
        self.0.push(rule);
        self.0.sort_by_key(Rule::kind);
    }

    /// Drops the rule of `kind`: the profile no longer sets it.
    pub fn remove(&mut self, kind: RuleKind) {
        self.0.retain(|r| r.kind() != kind);
    }

    /// The kinds this profile leaves out: not set by its text.
    pub fn unset(&self) -> Vec<RuleKind> {
        RuleKind::ALL.into_iter().filter(|k| self.get(*k).is_none()).collect()
    }

    getter!(scope_floor, ScopeFloor, AmountRule);
    getter!(funding_scope, FundingScope, FundingScopeRule);
    getter!(supervision, Supervision, SupervisionRule);
    getter!(change, Change, ChangeRule);
    getter!(trial_operation, TrialOperation, MonthsRule);
    getter!(acceptance_window, AcceptanceWindow, MonthsRule);
    getter!(data_sharing, DataSharing, FlagRule);
    getter!(annual_plan, AnnualPlan, FlagRule);
    getter!(joint_submission, JointSubmission, FlagRule);
    getter!(meeting_deadline, MeetingDeadline, WorkingDaysRule);
    getter!(approval_time_limit, ApprovalTimeLimit, WorkingDaysRule);
    getter!(review_stage, ReviewStage, StageRule);
    getter!(separate_design_development, SeparateDesignDevelopment, FlagRule);
    getter!(review_limit, ReviewLimit, AmountRule);
    getter!(rectification, Rectification, FlagRule);
    getter!(operation_acceptance, OperationAcceptance, FlagRule);
    getter!(maintenance_report, MaintenanceReport, FlagRule);
}

impl Serialize for Rules {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.0.len()))?;
        for rule in &self.0 {
            let key = rule.kind().id();
            match rule {
                Rule::ScopeFloor(r) | Rule::ReviewLimit(r) => map.serialize_entry(key, r)?,
                Rule::FundingScope(r) => map.serialize_entry(key, r)?,
                Rule::Supervision(r) => map.serialize_entry(key, r)?,
                Rule::Change(r) => map.serialize_entry(key, r)?,
                Rule::TrialOperation(r) | Rule::AcceptanceWindow(r) => map.serialize_entry(key, r)?,
                Rule::DataSharing(r)
                | Rule::AnnualPlan(r)
                | Rule::JointSubmission(r)
                | Rule::SeparateDesignDevelopment(r)
                | Rule::Rectification(r) => map.serialize_entry(key, r)?,
                Rule::OperationAcceptance(r) | Rule::MaintenanceReport(r) => map.serialize_entry(key, r)?,
                Rule::MeetingDeadline(r) | Rule::ApprovalTimeLimit(r) => map.serialize_entry(key, r)?,
                Rule::ReviewStage(r) => map.serialize_entry(key, r)?,
            }
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for Rules {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Rules;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a table of rules keyed by kind")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Rules, A::Error> {
                let mut rules: Vec<Rule> = Vec::new();
                while let Some(kind) = map.next_key::<RuleKind>()? {
                    if rules.iter().any(|r| r.kind() == kind) {
                        return Err(serde::de::Error::custom(format!(
                            "规则 {0} 出现两次 / rule {0} appears twice",
                            kind.id()
                        )));
                    }
                    // A profile embedded by an earlier build writes a rule it does not set as null.
                    let rule = match kind {
                        RuleKind::ScopeFloor => map.next_value::<Option<_>>()?.map(Rule::ScopeFloor),
                        RuleKind::FundingScope => map.next_value::<Option<_>>()?.map(Rule::FundingScope),
                        RuleKind::Supervision => map.next_value::<Option<_>>()?.map(Rule::Supervision),
                        RuleKind::Change => map.next_value::<Option<_>>()?.map(Rule::Change),
                        RuleKind::TrialOperation => map.next_value::<Option<_>>()?.map(Rule::TrialOperation),
                        RuleKind::AcceptanceWindow => map.next_value::<Option<_>>()?.map(Rule::AcceptanceWindow),
                        RuleKind::DataSharing => map.next_value::<Option<_>>()?.map(Rule::DataSharing),
                        RuleKind::AnnualPlan => map.next_value::<Option<_>>()?.map(Rule::AnnualPlan),
                        RuleKind::JointSubmission => map.next_value::<Option<_>>()?.map(Rule::JointSubmission),
                        RuleKind::MeetingDeadline => map.next_value::<Option<_>>()?.map(Rule::MeetingDeadline),
                        RuleKind::ApprovalTimeLimit => map.next_value::<Option<_>>()?.map(Rule::ApprovalTimeLimit),
                        RuleKind::ReviewStage => map.next_value::<Option<_>>()?.map(Rule::ReviewStage),
                        RuleKind::SeparateDesignDevelopment => {
                            map.next_value::<Option<_>>()?.map(Rule::SeparateDesignDevelopment)
                        }
                        RuleKind::ReviewLimit => map.next_value::<Option<_>>()?.map(Rule::ReviewLimit),
                        RuleKind::Rectification => map.next_value::<Option<_>>()?.map(Rule::Rectification),
                        RuleKind::OperationAcceptance => map.next_value::<Option<_>>()?.map(Rule::OperationAcceptance),
                        RuleKind::MaintenanceReport => map.next_value::<Option<_>>()?.map(Rule::MaintenanceReport),
                    };
                    rules.extend(rule);
                }
                Ok(Rules::new(rules))
            }
        }
        d.deserialize_map(V)
    }
}

/// One problem of a profile file, with what to do about it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    pub field: String,
    pub zh: String,
    pub en: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}：{} / {}: {}", self.field, self.zh, self.field, self.en)
    }
}

/// Every problem of a profile's rules, each with what to do. A profile embedded in a meeting
/// only has to be consistent ([`Profile::validate`]); a profile file must also cite the
/// sentence of every rule (`quote`), so that nothing is borrowed silently.
pub fn problems(profile: &Profile, require_quotes: bool) -> Vec<Problem> {
    let mut out = Vec::new();
    let mut bad = |field: String, zh: &str, en: &str| out.push(Problem { field, zh: zh.into(), en: en.into() });
    for rule in profile.rules.iter() {
        let field = format!("rules.{}", rule.kind().id());
        let cite = rule.cite();
        if cite.article.trim().is_empty() {
            bad(
                format!("{field}.article"),
                "未注明出处：写明来源文件和条款，如 “《鼓楼区政务信息化项目建设管理办法》第十九条”",
                "no source: name the text and its article, e.g. \"《鼓楼区政务信息化项目建设管理办法》第十九条\"",
            );
        }
        if require_quotes && cite.quote.trim().is_empty() {
            bad(
                format!("{field}.quote"),
                "未引用原文：把该规则所依据的原句写入 quote（未载明的规则也要引用提及它的句子）",
                "no quoted sentence: put the sentence the rule comes from in quote (a rule whose number is not stated quotes the sentence that names it)",
            );
        }
        let number = match rule {
            Rule::ScopeFloor(r) | Rule::ReviewLimit(r) => Some((r.amount.is_some(), r.not_stated, "amount")),
            Rule::TrialOperation(r) | Rule::AcceptanceWindow(r) => Some((r.months.is_some(), r.not_stated, "months")),
            Rule::MeetingDeadline(r) | Rule::ApprovalTimeLimit(r) => {
                Some((r.working_days.is_some(), r.not_stated, "working_days"))
            }
            _ => None,
        };
        match number {
            Some((false, false, key)) => bad(
                format!("{field}.{key}"),
                &format!("缺少数值：写明 {key}，或在原文未载明时写 not_stated = true"),
                &format!("no number: give {key}, or write not_stated = true where the text does not state it"),
            ),
            Some((true, true, key)) => bad(
                format!("{field}.{key}"),
                &format!("既给出 {key} 又写了 not_stated = true：二者只能取其一"),
                &format!("both {key} and not_stated = true: keep one"),
            ),
            _ => {}
        }
        match rule {
            Rule::TrialOperation(r) | Rule::AcceptanceWindow(r) if r.months == Some(0) => {
                bad(format!("{field}.months"), "月数必须大于 0", "months must be above 0")
            }
            Rule::Change(r) if r.reapply_percent.0 <= 0 => {
                bad(format!("{field}.reapply_percent"), "必须大于 0", "must be above 0")
            }
            Rule::MeetingDeadline(r) | Rule::ApprovalTimeLimit(r) => {
                if r.working_days == Some(0) {
                    bad(format!("{field}.working_days"), "工作日数必须大于 0", "working days must be above 0");
                }
                if r.working_days.is_some() && profile.calendar.is_none() {
                    bad(
                        format!("{field}.calendar"),
                        "按工作日计算须有工作日历：写 calendar = \"cn-2026\"，或给出日历文件",
                        "counting working days needs a calendar: write calendar = \"cn-2026\" or name a calendar file",
                    );
                }
            }
            Rule::ReviewStage(r) if r.stages.iter().all(|s| s.trim().is_empty()) => bad(
                format!("{field}.stages"),
                "未列出审核环节：按原文顺序列出，如 [\"入库登记\", \"方案预审\"]",
                "no steps listed: list them in the text's order, e.g. [\"入库登记\", \"方案预审\"]",
            ),
            Rule::FundingScope(r) if r.always_in_scope.contains(&FundingSource::DepartmentBudget) => bad(
                format!("{field}.always_in_scope"),
                "部门预算资金另有下限，不能同时列为一律纳入",
                "department budget has its own floor and cannot also be always in scope",
            ),
            _ => {}
        }
    }
    if let Some(c) = &profile.calendar
        && let Err(e) = c.validate()
    {
        out.push(Problem { field: "calendar".into(), zh: e.to_string(), en: String::new() });
    }
    out
}

/// A finding to raise: rule id, severity, Chinese, English, article.
pub type Push<'a> = dyn FnMut(&str, Severity, String, String, &str) + 'a;

/// The findings of the kinds only some texts set, and of every rule whose number its text does
/// not state. `meeting` is the meeting's date, where known.
pub fn findings(profile: &Profile, app: &Application, meeting: Option<NaiveDate>, push: &mut Push<'_>) {
    let r = &profile.rules;
    for rule in r.iter() {
        let cite = rule.cite();
        if cite.enabled && cite.not_stated && rule.kind().concerns(app.kind) {
            let kind = rule.kind();
            push(
                &format!("{}.not_stated", kind.id()),
                Severity::Informs,
                format!("本文件规定了{}，但未载明具体数值，请对照原文核对：“{}”", kind.zh(), cite.quote),
                format!(
                    "this text sets a {} but does not state its number: check it against the full text (“{}”)",
                    kind.en(),
                    cite.quote
                ),
                cite.article,
            );
        }
    }
    let facts = &app.facts;
    if let Some(rule) = r.funding_scope() {
        funding_scope(rule, app, push);
    }
    if app.kind == ApplicationKind::Approval
        && let Some(rule) = r.meeting_deadline()
        && let Some(days) = rule.working_days
    {
        match (facts.received_on, meeting, &profile.calendar) {
            (None, ..) => push(
                "meeting.received_unknown",
                Severity::Informs,
                format!("未填受理日期，无法核对“受理后 {days} 个工作日内召开评审会”"),
                format!("no received date: cannot check the meeting is within {days} working days of receipt"),
                &rule.article,
            ),
            (Some(received), Some(meeting), Some(calendar)) => match calendar.add_working_days(received, days) {
                Some(last) if meeting > last => push(
                    "meeting.late",
                    rule.severity,
                    format!(
                        "{received} 受理，评审会 {meeting} 晚于 {days} 个工作日期限（最后一天 {last}，工作日历 {}）",
                        calendar.id
                    ),
                    format!(
                        "received {received}; the meeting on {meeting} is after the {days}-working-day limit (last day {last}, calendar {})",
                        calendar.id
                    ),
                    &rule.article,
                ),
                Some(_) => {}
                None => push(
                    "meeting.calendar_gap",
                    Severity::Informs,
                    format!("工作日历 {} 不覆盖 {received} 之后 {days} 个工作日，请补充日历", calendar.id),
                    format!(
                        "calendar {} does not cover {days} working days after {received}: extend the calendar",
                        calendar.id
                    ),
                    &rule.article,
                ),
            },
            _ => {}
        }
    }
    if app.kind == ApplicationKind::Approval
        && let Some(rule) = r.approval_time_limit()
        && let (Some(days), Some(received), Some(calendar)) = (rule.working_days, facts.received_on, &profile.calendar)
        && let Some(last) = calendar.add_working_days(received, days)
    {
        push(
            "approval.time_limit",
            Severity::Informs,
            format!("{received} 受理，审批应于 {days} 个工作日内完成，最后一天 {last}"),
            format!("received {received}: the approval is due within {days} working days, by {last}"),
            &rule.article,
        );
    }
    if app.kind == ApplicationKind::Approval
        && let Some(rule) = r.review_stage()
    {
        let steps = rule.stages.join("、");
        match &facts.review_stage {
            None => push(
                "stage.unknown",
                Severity::Informs,
                format!("未注明审核环节；本文件的审核流程为：{steps}"),
                format!("the review stage is not given; this text's steps are: {steps}"),
                &rule.article,
            ),
            Some(s) if !rule.stages.iter().any(|x| x.trim() == s.trim()) => push(
                "stage.not_a_step",
                rule.severity,
                format!("审核环节“{s}”不是本文件规定的步骤（{steps}）"),
                format!("review stage “{s}” is not one of this text's steps ({steps})"),
                &rule.article,
            ),
            Some(_) => {}
        }
    }
    if app.kind == ApplicationKind::Approval
        && let Some(rule) = r.review_limit()
        && let (Some(limit), Some(total)) = (rule.amount, app.governing_total())
        && total >= limit
    {
        push(
            "review.above_limit",
            rule.severity,
            format!("总投资 {total} 达到限额标准 {limit}，按限额以上项目审核流程办理"),
            format!("the total {total} reaches the review limit of {limit}: the above-limit review applies"),
            &rule.article,
        );
    }
    if rule_concerns(RuleKind::SeparateDesignDevelopment, app)
        && let Some(rule) = r.separate_design_development()
    {
        match (&facts.design_unit, &facts.developer_unit) {
            (Some(d), Some(v)) if same_party(d, v) => push(
                "design.same_party",
                rule.severity,
                format!("设计单位与开发单位同为“{d}”，违反设计与开发分开的规定"),
                format!("design and development are by the same party (“{d}”), against the rule that they be separate"),
                &rule.article,
            ),
            (Some(_), Some(_)) => {}
            _ => push(
                "design.parties_unknown",
                Severity::Informs,
                "未填设计单位或开发单位，无法核对设计与开发是否分开".into(),
                "the design unit or the developer is not given: cannot check they are separate".into(),
                &rule.article,
            ),
        }
    }
}

fn rule_concerns(kind: RuleKind, app: &Application) -> bool {
    kind.concerns(app.kind)
}

/// Two unit names name one party: equal once spaces and letter case are set aside.
fn same_party(a: &str, b: &str) -> bool {
    let norm = |s: &str| s.chars().filter(|c| !c.is_whitespace()).flat_map(char::to_lowercase).collect::<String>();
    norm(a) == norm(b)
}

fn funding_scope(rule: &FundingScopeRule, app: &Application, push: &mut Push<'_>) {
    let facts = &app.facts;
    // An O&M application is an O&M project unless intake says otherwise.
    let project_type =
        facts.project_type.or((app.kind == ApplicationKind::Maintenance).then_some(ProjectType::OperationMaintenance));
    if let Some(t) = project_type
        && rule.excluded_types.contains(&t)
    {
        push(
            "scope.excluded_type",
            rule.severity,
            format!("{}项目不适用本文件", t.zh()),
            format!("a {} project is outside this text's scope", t.en()),
            &rule.article,
        );
        return;
    }
    let floor = rule.department_budget_floor;
    match (facts.funding_source, app.governing_total()) {
        (Some(f), _) if rule.always_in_scope.contains(&f) => {}
        (Some(FundingSource::DepartmentBudget), Some(total)) if total < floor => push(
            "scope.below_floor",
            rule.severity,
            format!("部门预算资金项目，总投资 {total} 低于 {floor}，不在管理范围"),
            format!("a department-budget project of {total}, below {floor}: outside the managed scope"),
            &rule.article,
        ),
        (Some(FundingSource::DepartmentBudget), _) => {}
        (Some(f), _) => push(
            "scope.funding_outside",
            rule.severity,
            format!("资金来源为{}，不在本文件按资金来源划定的管理范围内", f.zh()),
            format!("funded by {}: outside the scope this text sets by funding source", f.en()),
            &rule.article,
        ),
        (None, Some(total)) if total < floor => push(
            "scope.funding_unknown",
            Severity::Informs,
            format!("未填资金来源；总投资 {total} 低于 {floor}：若为部门预算资金项目，则不在管理范围"),
            format!(
                "no funding source; the total {total} is below {floor}: a department-budget project of this size is outside the scope"
            ),
            &rule.article,
        ),
        (None, _) => {}
    }
}

/// Fills in what a profile's rules name but do not hold: the calendar the working-day rules
/// count on. `load` finds a calendar by the name a rule gives.
pub fn calendar_name(profile: &Profile) -> Option<&str> {
    profile.rules.iter().find_map(|r| match r {
        Rule::MeetingDeadline(w) | Rule::ApprovalTimeLimit(w) => w.calendar.as_deref(),
        _ => None,
    })
}

/// Points the working-day rules at `calendar` and embeds it.
pub fn use_calendar(profile: &mut Profile, calendar: Calendar) {
    for kind in [RuleKind::MeetingDeadline, RuleKind::ApprovalTimeLimit] {
        if let Some(Rule::MeetingDeadline(w) | Rule::ApprovalTimeLimit(w)) = profile.rules.get_mut(kind) {
            w.calendar = Some(calendar.id.clone());
        }
    }
    profile.calendar = Some(calendar);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::application::fixtures::approval;
    use crate::domain::calendar::fixtures::cn_2026;
    use crate::domain::policy::fixtures::gulou;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn ids(p: &Profile, app: &Application, meeting: Option<NaiveDate>) -> Vec<String> {
        p.evaluate_at(app, meeting).into_iter().map(|f| f.rule).collect()
    }

    fn bare() -> Profile {
        let mut p = gulou();
        p.rules = Rules::default();
        p
    }

    fn flag(severity: Severity) -> FlagRule {
        FlagRule { severity, article: "第一条".into(), quote: "原句".into(), enabled: true }
    }

    #[test]
    fn a_profile_written_by_an_earlier_build_still_reads() {
        // The shape a meeting event embedded before profiles were opened: every rule present,
        // scope_floor null, `floor` as yuan text.
        let old = r#"{"id":"gulou-2021","title_zh":"t","title_en":"t","jurisdiction_zh":"j","jurisdiction_en":"j",
          "rules":{"scope_floor":null,"supervision":{"floor":"1,000,000.00","severity":"warns","article":"第十九条"},
          "change":{"reapply_percent":"10.00","procedure_severity":"informs","reapply_severity":"blocks","article":"第二十条"},
          "trial_operation":{"months":3,"severity":"blocks","article":"第二十二条"},
          "acceptance_window":{"months":6,"severity":"warns","article":"第二十二条"},
          "data_sharing":{"severity":"blocks","article":"第二十八条"},
          "annual_plan":{"severity":"warns","article":"第八条"},
          "joint_submission":{"severity":"warns","article":"第十六条"}},
          "aggregation":{"trim_min_experts":5,"divergence_points":"15.00","article":"通行做法"},
          "outcomes":{"approval":{"pass":"80.00","revise":"60.00","article":"a"},"change":{"approve":"70.00","article":"a"},
          "acceptance":{"accept":"80.00","rectify":"60.00","article":"a"}},
          "evaluation":{"from_months":12,"to_months":24,"article":"第二十四条"}}"#;
        let p: Profile = serde_json::from_str(old).unwrap();
        p.validate().unwrap();
        assert_eq!(p.rules.iter().count(), 7);
        assert!(p.rules.scope_floor().is_none());
        assert_eq!(p.rules.supervision().map(|s| s.floor), Some(Money::from_yuan(1_000_000)));
        let a = approval("LX-1", Money::from_yuan(1_000_000));
        assert_eq!(p.evaluate(&a), gulou().evaluate(&a));
    }

    #[test]
    fn an_unknown_kind_is_refused_with_the_known_ones_and_a_left_out_kind_never_fires() {
        let e = serde_json::from_str::<Rules>(r#"{"supervisor":{"severity":"warns","article":"x"}}"#).unwrap_err();
        assert!(e.to_string().contains("supervision"), "{e}");
        let e = serde_json::from_str::<Rules>(r#"{"data_sharing":{"severity":"warns","article":"x","colour":1}}"#)
            .unwrap_err();
        assert!(e.to_string().contains("colour"), "{e}");
        let p = bare();
        let mut a = approval("LX-1", Money::from_yuan(5_000_000));
        a.supervision_firm = false;
        a.data_sharing_section = false;
        a.plan_class = None;
        assert!(ids(&p, &a, None).is_empty());
        assert_eq!(p.rules.unset().len(), RuleKind::ALL.len());
    }

    #[test]
    fn a_switched_off_rule_is_kept_but_does_not_fire() {
        let mut p = gulou();
        let mut a = approval("LX-1", Money::from_yuan(1_000_000));
        a.supervision_firm = false;
        assert_eq!(ids(&p, &a, None), ["supervision.missing"]);
        if let Some(Rule::Supervision(s)) = p.rules.get_mut(RuleKind::Supervision) {
            s.enabled = false;
        }
        assert!(ids(&p, &a, None).is_empty());
        assert!(p.rules.get(RuleKind::Supervision).is_some());
    }

    #[test]
    fn a_number_not_stated_informs_only_the_kinds_it_concerns_and_is_required_to_be_explicit() {
        let mut p = bare();
        p.rules.set(Rule::ReviewLimit(AmountRule {
            amount: None,
            not_stated: true,
            severity: Severity::Informs,
            article: "二（五）".into(),
            quote: "细化了审核的重点环节和限额标准。".into(),
            enabled: true,
        }));
        let a = approval("LX-1", Money::from_yuan(10));
        let found = p.evaluate(&a);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].rule, "review_limit.not_stated");
        assert_eq!(found[0].severity, Severity::Informs);
        assert!(found[0].message.zh.contains("限额标准"), "{:?}", found[0]);
        let mut acc = a.clone();
        acc.kind = ApplicationKind::Acceptance;
        assert!(p.evaluate(&acc).is_empty());
        // Neither a number nor not_stated: the file must say which.
        if let Some(Rule::ReviewLimit(r)) = p.rules.get_mut(RuleKind::ReviewLimit) {
            r.not_stated = false;
        }
        let problems = problems(&p, true);
        assert!(problems.iter().any(|x| x.field == "rules.review_limit.amount"), "{problems:?}");
        assert!(p.validate().is_err());
    }

    #[test]
    fn a_profile_file_must_quote_every_rule() {
        let p = gulou();
        assert!(problems(&p, false).is_empty());
        let all = problems(&p, true);
        assert_eq!(all.len(), 9, "{all:?}");
        assert!(all[0].to_string().contains("quote"), "{}", all[0]);
    }

    fn luohu() -> Profile {
        let mut p = bare();
        p.rules.set(Rule::FundingScope(FundingScopeRule {
            department_budget_floor: Money::from_yuan(500_000),
            always_in_scope: vec![FundingSource::GovernmentInvestment],
            excluded_types: vec![ProjectType::OperationMaintenance, ProjectType::EquipmentPurchase],
            severity: Severity::Informs,
            article: "三（一）".into(),
            quote: "50万元（含）以上采用部门预算资金的项目".into(),
            enabled: true,
        }));
        p
    }

    #[test]
    fn luohu_floor_is_fifty_wan_inclusive_for_department_budget_only() {
        let p = luohu();
        let app = |fen: i64, f: Option<FundingSource>, t: Option<ProjectType>| {
            let mut a = approval("LX-1", Money::from_fen(fen));
            a.facts.funding_source = f;
            a.facts.project_type = t;
            a
        };
        let budget = Some(FundingSource::DepartmentBudget);
        // 50万元（含）: 500,000.00 yuan is in scope, one fen less is not.
        assert!(ids(&p, &app(50_000_000, budget, None), None).is_empty());
        assert_eq!(ids(&p, &app(49_999_999, budget, None), None), ["scope.below_floor"]);
        // Government investment is in scope whatever its size.
        assert!(ids(&p, &app(100, Some(FundingSource::GovernmentInvestment), None), None).is_empty());
        // Other money is outside the scope the text draws.
        assert_eq!(ids(&p, &app(90_000_000, Some(FundingSource::Other), None), None), ["scope.funding_outside"]);
        // O&M and pure equipment purchases are outside, even when government-funded.
        let gov = Some(FundingSource::GovernmentInvestment);
        assert_eq!(
            ids(&p, &app(90_000_000, gov, Some(ProjectType::OperationMaintenance)), None),
            ["scope.excluded_type"]
        );
        assert_eq!(ids(&p, &app(90_000_000, gov, Some(ProjectType::EquipmentPurchase)), None), ["scope.excluded_type"]);
        assert!(ids(&p, &app(90_000_000, gov, Some(ProjectType::Construction)), None).is_empty());
        // No funding source: only a small total is worth a word.
        assert_eq!(ids(&p, &app(49_999_999, None, None), None), ["scope.funding_unknown"]);
        assert!(ids(&p, &app(50_000_000, None, None), None).is_empty());
    }

    fn urumqi() -> Profile {
        let mut p = bare();
        p.rules.set(Rule::MeetingDeadline(WorkingDaysRule {
            working_days: Some(5),
            not_stated: false,
            calendar: Some("test-2026".into()),
            severity: Severity::Warns,
            article: "二（一）".into(),
            quote: "在5个工作日内召开专家评审会".into(),
            enabled: true,
        }));
        p.calendar = Some(cn_2026());
        p
    }

    #[test]
    fn urumqi_meeting_within_five_working_days_of_receipt() {
        let p = urumqi();
        let mut a = approval("LX-1", Money::from_yuan(10));
        assert_eq!(ids(&p, &a, Some(d("2026-03-13"))), ["meeting.received_unknown"]);
        // Received Friday 6 March: the 5th working day is Friday 13 March.
        a.facts.received_on = Some(d("2026-03-06"));
        assert!(ids(&p, &a, Some(d("2026-03-13"))).is_empty());
        assert_eq!(ids(&p, &a, Some(d("2026-03-16"))), ["meeting.late"]);
        // Received Thursday 30 April: 1–5 May off, Saturday 9 May worked; the 5th is Monday 11 May.
        a.facts.received_on = Some(d("2026-04-30"));
        assert!(ids(&p, &a, Some(d("2026-05-11"))).is_empty());
        assert_eq!(ids(&p, &a, Some(d("2026-05-12"))), ["meeting.late"]);
        let late = &p.evaluate_at(&a, Some(d("2026-05-12")))[0];
        assert!(late.message.zh.contains("2026-05-11") && late.severity == Severity::Warns, "{late:?}");
        // Past the calendar's end it says so rather than guess.
        a.facts.received_on = Some(d("2026-12-28"));
        assert_eq!(ids(&p, &a, Some(d("2027-01-08"))), ["meeting.calendar_gap"]);
        // Without the meeting's date nothing is claimed.
        assert!(ids(&p, &a, None).is_empty());
    }

    #[test]
    fn anhui_design_and_development_by_one_party_blocks() {
        let mut p = bare();
        p.rules.set(Rule::SeparateDesignDevelopment(flag(Severity::Blocks)));
        let mut a = approval("LX-1", Money::from_yuan(10));
        assert_eq!(ids(&p, &a, None), ["design.parties_unknown"]);
        a.facts.design_unit = Some("安徽某设计院".into());
        a.facts.developer_unit = Some("安徽某 设计院".into());
        let found = p.evaluate(&a);
        assert_eq!(found[0].rule, "design.same_party");
        assert_eq!(found[0].severity, Severity::Blocks);
        a.facts.developer_unit = Some("合肥某软件公司".into());
        assert!(ids(&p, &a, None).is_empty());
    }

    #[test]
    fn suqian_review_stage_is_one_of_its_six_steps() {
        let mut p = bare();
        let stages = ["入库登记", "方案预审", "预算审核", "清单管理", "实施前审核", "立项审批"];
        p.rules.set(Rule::ReviewStage(StageRule {
            stages: stages.iter().map(|s| s.to_string()).collect(),
            severity: Severity::Warns,
            article: "二（五）".into(),
            quote: "六个步骤".into(),
            enabled: true,
        }));
        let mut a = approval("LX-1", Money::from_yuan(10));
        assert_eq!(ids(&p, &a, None), ["stage.unknown"]);
        a.facts.review_stage = Some("方案预审".into());
        assert!(ids(&p, &a, None).is_empty());
        a.facts.review_stage = Some("初审".into());
        assert_eq!(ids(&p, &a, None), ["stage.not_a_step"]);
    }

    #[test]
    fn a_profile_with_new_kinds_survives_being_embedded_in_an_event() {
        let mut p = urumqi();
        p.rules.set(Rule::SeparateDesignDevelopment(flag(Severity::Blocks)));
        let back: Profile = serde_json::from_str(&serde_json::to_string(&p).unwrap()).unwrap();
        assert_eq!(back, p);
    }
}
