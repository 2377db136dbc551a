//! Applications (申报) of the three kinds a panel reviews, with the facts the policy rules read.

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
}

impl ApplicationKind {
    pub const ALL: [ApplicationKind; 3] = [Self::Approval, Self::Change, Self::Acceptance];

    pub fn id(self) -> &'static str {
        match self {
            Self::Approval => "approval",
            Self::Change => "change",
            Self::Acceptance => "acceptance",
        }
    }

    pub fn zh(self) -> &'static str {
        match self {
            Self::Approval => "立项",
            Self::Change => "变更",
            Self::Acceptance => "验收",
        }
    }

    pub fn en(self) -> &'static str {
        match self {
            Self::Approval => "approval",
            Self::Change => "change",
            Self::Acceptance => "acceptance",
        }
    }

    /// Reads `立项`, `approval`, `立项审批` and the like.
    pub fn parse(text: &str) -> Option<Self> {
        let t = text.trim().to_lowercase();
        match t.as_str() {
            "approval" | "立项" | "立项审批" | "立项申请" => Some(Self::Approval),
            "change" | "变更" | "项目变更" | "变更申请" => Some(Self::Change),
            "acceptance" | "验收" | "竣工验收" | "验收申请" => Some(Self::Acceptance),
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
}

/// A fact an application of its kind must carry but does not.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApplicationError {
    #[error("项目编码不能为空，且不能含空白或“/”  / the project code must not be empty or hold spaces or “/”")]
    BadCode,
    #[error("{field_zh}不能为空 / {field_en} must not be empty")]
    Empty { field_zh: &'static str, field_en: &'static str },
    #[error("{kind}申报必须填写{field_zh} / a {kind_en} application needs {field_en}")]
    Missing { kind: ApplicationKind, kind_en: &'static str, field_zh: &'static str, field_en: &'static str },
    #[error("试运行结束日期 {end} 早于开始日期 {start} / trial operation ends ({end}) before it starts ({start})")]
    TrialBackwards { start: NaiveDate, end: NaiveDate },
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

    pub fn validate(&self) -> Result<(), ApplicationError> {
        if self.code.trim().is_empty() || self.code.chars().any(|c| c.is_whitespace() || c == '/') {
            return Err(ApplicationError::BadCode);
        }
        if self.name.trim().is_empty() {
            return Err(ApplicationError::Empty { field_zh: "项目名称", field_en: "the project name" });
        }
        if self.unit.trim().is_empty() {
            return Err(ApplicationError::Empty { field_zh: "建设单位", field_en: "the construction unit" });
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
        }
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
        assert_eq!(a.validate(), Err(ApplicationError::BadCode));
    }
}
