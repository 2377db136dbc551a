//! Policy profiles (rules are data) and the findings they raise on an application.

use super::application::{Application, ApplicationKind};
use super::calendar::Calendar;
use super::points::Points;
pub use super::profile::{AmountRule, ChangeRule, FlagRule, MonthsRule, Rules, SupervisionRule};
use super::text::Text;
use chrono::{Months, NaiveDate};
use serde::{Deserialize, Deserializer, Serialize};

/// How much a finding weighs on the outcome.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Blocks a pass (阻断).
    Blocks,
    /// Needs the panel's attention (警示).
    Warns,
    /// For the record (提示).
    Informs,
}

impl Severity {
    pub fn zh(self) -> &'static str {
        match self {
            Self::Blocks => "阻断",
            Self::Warns => "警示",
            Self::Informs => "提示",
        }
    }

    pub fn en(self) -> &'static str {
        match self {
            Self::Blocks => "blocks",
            Self::Warns => "warns",
            Self::Informs => "informs",
        }
    }
}

/// A rule of a profile that fired on an application, with the article it comes from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    pub rule: String,
    pub severity: Severity,
    pub message: Text,
    pub article: String,
}

/// A percentage held in basis points (1% = 100), read from a decimal string such as "10" or "9.5".
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct BasisPoints(pub i64);

impl Serialize for BasisPoints {
    /// As the same decimal-percent string the rules files use ("10.00"), so an embedded
    /// profile reads back exactly and an integer is never mistaken for basis points.
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(super::percent::percent(self.0).trim_end_matches('%'))
    }
}

impl BasisPoints {
    pub fn parse_percent(text: &str) -> Option<Self> {
        let t = text.trim().trim_end_matches('%');
        let (w, f) = t.split_once('.').unwrap_or((t, ""));
        if w.is_empty() || f.len() > 2 || !w.chars().chain(f.chars()).all(|c| c.is_ascii_digit()) {
            return None;
        }
        let whole: i64 = w.parse().ok()?;
        let frac: i64 = if f.is_empty() { 0 } else { format!("{f:0<2}").parse().ok()? };
        whole.checked_mul(100)?.checked_add(frac).map(Self)
    }

    /// "10.00%", "-0.50%" ([`super::percent::percent`]).
    pub fn percent(self) -> String {
        super::percent::percent(self.0)
    }

    /// A change with its sign: "+10.00%", "-0.50%" ([`super::percent::signed_percent`]).
    pub fn signed_percent(self) -> String {
        super::percent::signed_percent(self.0)
    }
}

impl<'de> Deserialize<'de> for BasisPoints {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Self::parse_percent(&s).ok_or_else(|| {
            serde::de::Error::custom(format!(
                "百分比“{s}”无效，请写成 \"10\" 或 \"9.5\" / percent “{s}” is not valid: write \"10\" or \"9.5\""
            ))
        })
    }
}

/// How a panel's totals are combined (去掉一个最高分和一个最低分).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AggregationRule {
    /// Trim one highest and one lowest total when at least this many experts scored.
    pub trim_min_experts: usize,
    /// An expert further than this from the median is marked as an outlier.
    pub divergence_points: Points,
    /// 法定人数: the fewest valid sheets a decision may rest on; below it, the secretariat seats a
    /// substitute for the application. Unset: no such floor.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quorum: Option<usize>,
    pub article: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApprovalThresholds {
    pub pass: Points,
    pub revise: Points,
    pub article: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChangeThresholds {
    pub approve: Points,
    pub article: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AcceptanceThresholds {
    pub accept: Points,
    pub rectify: Points,
    pub article: String,
}

/// Thresholds for an O&M application (运维): 同意, 核减后同意, else 不同意. No seed text sets
/// them; they are review practice (评审通行做法，非法规条文).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MaintenanceThresholds {
    pub approve: Points,
    pub reduce: Points,
    pub article: String,
}

/// The article of every threshold no text gives.
pub const PRACTICE: &str = "评审通行做法（非法规条文）";

impl Default for MaintenanceThresholds {
    /// 80 and up 同意, 60 and up 核减后同意: the practice the approval thresholds follow.
    fn default() -> Self {
        Self {
            approve: Points::whole(80),
            reduce: Points::whole(60),
            article: format!("{PRACTICE}：80分及以上同意，60分及以上核减后同意，其余不同意"),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Outcomes {
    pub approval: ApprovalThresholds,
    pub change: ChangeThresholds,
    pub acceptance: AcceptanceThresholds,
    /// `[outcomes.maintenance]`; a profile written before O&M applications leaves it out and
    /// gets the practice defaults, and it is left out of an embedded profile that had none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub maintenance: Option<MaintenanceThresholds>,
}

impl Outcomes {
    /// The O&M thresholds the profile sets, else the practice defaults.
    pub fn maintenance(&self) -> MaintenanceThresholds {
        self.maintenance.clone().unwrap_or_default()
    }
}

/// 绩效自评价 window after acceptance (第二十四条); carried for the record.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EvaluationWindow {
    pub from_months: u32,
    pub to_months: u32,
    pub article: String,
}

/// A jurisdiction's numbers, each with the article it comes from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    pub id: String,
    pub title_zh: String,
    pub title_en: String,
    pub jurisdiction_zh: String,
    pub jurisdiction_en: String,
    /// The text the profile transcribes, with its date (and where it was read).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub source: String,
    /// The rules the text sets; a kind left out is not set by this text.
    pub rules: Rules,
    pub aggregation: AggregationRule,
    pub outcomes: Outcomes,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evaluation: Option<EvaluationWindow>,
    /// The working-day calendar the working-day rules count on, embedded by the loader.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub calendar: Option<Calendar>,
}

/// A profile whose numbers contradict each other.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProfileError {
    #[error("{field}：{zh} / {field}: {en}")]
    Inconsistent { field: &'static str, zh: &'static str, en: &'static str },
    #[error("{0}")]
    Rule(String),
}

impl Profile {
    /// The common rules that would concern an application of `kind` and that this profile does
    /// not set (本文件未规定).
    pub fn unset_for(&self, kind: super::ApplicationKind) -> Vec<super::profile::RuleKind> {
        super::profile::RuleKind::COMMON
            .into_iter()
            .filter(|k| k.concerns(kind) && self.rules.get(*k).is_none())
            .collect()
    }

    pub fn validate(&self) -> Result<(), ProfileError> {
        let bad = |field, zh, en| Err(ProfileError::Inconsistent { field, zh, en });
        let o = &self.outcomes;
        if o.approval.revise > o.approval.pass {
            return bad("outcomes.approval.revise", "不能高于 pass", "must not exceed pass");
        }
        if o.acceptance.rectify > o.acceptance.accept {
            return bad("outcomes.acceptance.rectify", "不能高于 accept", "must not exceed accept");
        }
        let m = o.maintenance();
        if m.reduce > m.approve {
            return bad("outcomes.maintenance.reduce", "不能高于 approve", "must not exceed approve");
        }
        let hundred = Points::whole(100);
        if [o.approval.pass, o.change.approve, o.acceptance.accept, m.approve].iter().any(|p| *p > hundred) {
            return bad("outcomes", "门槛分不能超过 100", "a threshold cannot exceed 100");
        }
        if let Some(p) = super::profile::problems(self, false).into_iter().next() {
            return Err(ProfileError::Rule(p.to_string()));
        }
        if let Some(e) = &self.evaluation
            && e.from_months > e.to_months
        {
            return bad("evaluation.from_months", "不能晚于 to_months", "must not exceed to_months");
        }
        if self.aggregation.quorum == Some(0) {
            return bad("aggregation.quorum", "至少为 1", "must be 1 or more");
        }
        if self.aggregation.trim_min_experts < 3 {
            return bad(
                "aggregation.trim_min_experts",
                "至少为 3，去掉最高最低分后才有剩余",
                "must be 3 or more so that trimming leaves a score",
            );
        }
        Ok(())
    }

    /// Every rule of this profile that fires on `app`, blocks first.
    pub fn evaluate(&self, app: &Application) -> Vec<Finding> {
        self.evaluate_at(app, None)
    }

    /// Every rule of this profile that fires on `app` reviewed at a meeting on `meeting`, blocks first.
    pub fn evaluate_at(&self, app: &Application, meeting: Option<NaiveDate>) -> Vec<Finding> {
        let mut out = Vec::new();
        let r = &self.rules;
        let mut push = |rule: &str, severity, zh: String, en: String, article: &str| {
            out.push(Finding { rule: rule.into(), severity, message: Text { zh, en }, article: article.into() })
        };

        if let (Some(floor), Some(amount), Some(total)) =
            (r.scope_floor(), r.scope_floor().and_then(|f| f.amount), app.governing_total())
            && total < amount
        {
            push(
                "scope.below_floor",
                floor.severity,
                format!("总投资 {} 低于 {} 的管理范围下限", total, amount),
                format!("total {} is below the managed-scope floor of {}", total, amount),
                &floor.article,
            );
        }

        if let (Some(total), Some(supervision)) = (app.governing_total(), r.supervision())
            && super::profile::RuleKind::Supervision.concerns(app.kind)
            && total >= supervision.floor
            && !app.supervision_firm
        {
            push(
                "supervision.missing",
                supervision.severity,
                format!("总投资 {} 达到 {}，须委托监理单位，监理费用列入总投资", total, supervision.floor),
                format!(
                    "total {} reaches {}: a supervision firm is required, its fee inside the budget",
                    total, supervision.floor
                ),
                &supervision.article,
            );
        }

        match app.kind {
            ApplicationKind::Approval => self.approval_rules(app, &mut push),
            ApplicationKind::Change => self.change_rules(app, &mut push),
            ApplicationKind::Acceptance => self.acceptance_rules(app, &mut push),
            ApplicationKind::Maintenance => super::maintenance::findings(self, app, meeting, &mut push),
        }

        if let Some(plan) = r.annual_plan()
            && app.plan_class.is_none()
            && app.kind != ApplicationKind::Acceptance
        {
            push(
                "plan.not_in_plan",
                plan.severity,
                "未列入年度投资计划，原则上不予安排资金".into(),
                "not in the annual investment plan: in principle no funds are allocated".into(),
                &plan.article,
            );
        }

        if let Some(joint) = r.joint_submission()
            && app.cross_department
            && !app.joint_submission
        {
            push(
                "joint.missing",
                joint.severity,
                "跨部门项目未由牵头部门联合编报".into(),
                "cross-department project without one joint submission by the lead department".into(),
                &joint.article,
            );
        }

        super::profile::findings(self, app, meeting, &mut push);

        out.sort_by_key(|f| f.severity);
        out
    }

    fn approval_rules(&self, app: &Application, push: &mut impl FnMut(&str, Severity, String, String, &str)) {
        let Some(r) = self.rules.data_sharing() else { return };
        if !app.data_sharing_section {
            push(
                "approval.no_data_sharing",
                r.severity,
                "建设方案和可研报告缺少数据共享章节，数据共享是立项前置条件".into(),
                "the proposal and feasibility report lack a data-sharing section, a precondition for approval".into(),
                &r.article,
            );
        }
    }

    fn change_rules(&self, app: &Application, push: &mut impl FnMut(&str, Severity, String, String, &str)) {
        let Some(r) = self.rules.change() else { return };
        // Changes add up: each is measured against the total first approved, when known.
        let (Some(approved), Some(requested)) = (app.original_total.or(app.approved_total), app.requested_total) else {
            return;
        };
        let Some(bp) = requested.change_basis_points(approved) else { return };
        let change = BasisPoints(bp).signed_percent();
        let threshold = r.reapply_percent.percent();
        if bp >= r.reapply_percent.0 {
            push(
                "change.reapply",
                r.reapply_severity,
                format!(
                    "投资概算{}超出{} {}（{approved} → {requested}），达到 {threshold}，须重新立项",
                    if app.original_total.is_some() { "累计" } else { "" },
                    if app.original_total.is_some() { "最初批复总投资" } else { "批复总投资" },
                    BasisPoints(bp).percent()
                ),
                format!(
                    "the estimate exceeds the {} by {} ({approved} → {requested}), at or above {threshold}: must re-apply",
                    if app.original_total.is_some() {
                        "total first approved, all changes counted,"
                    } else {
                        "approved total"
                    },
                    BasisPoints(bp).percent()
                ),
                &r.article,
            );
        } else {
            push(
                "change.procedure",
                r.procedure_severity,
                format!("投资变动 {change}（{approved} → {requested}），低于 {threshold}，履行项目变更手续"),
                format!(
                    "the total changes by {change} ({approved} → {requested}), below {threshold}: the change procedure applies"
                ),
                &r.article,
            );
        }
    }

    fn acceptance_rules(&self, app: &Application, push: &mut impl FnMut(&str, Severity, String, String, &str)) {
        if let Some(trial) = self.rules.trial_operation()
            && let (Some(months), Some(start), Some(end)) = (trial.months, app.trial_start, app.trial_end)
            && !lasts_months(start, end, months)
        {
            push(
                "acceptance.trial_short",
                trial.severity,
                format!("试运行 {start} 至 {end}，不足 {months} 个月"),
                format!("trial operation {start} to {end} is shorter than {months} months"),
                &trial.article,
            );
        }
        let Some(window) = self.rules.acceptance_window() else { return };
        let Some(months) = window.months else { return };
        if let (Some(finished), Some(applied)) = (app.finished_on(), app.acceptance_applied)
            && let Some(last_day) = add_months(finished, months)
            && applied > last_day
        {
            push(
                "acceptance.late",
                window.severity,
                format!(
                    "建设及试运行于 {finished} 完成，验收申请 {applied} 晚于 {months} 个月期限（最后一天 {last_day}）"
                ),
                format!(
                    "construction and trial ended {finished}; applied {applied}, after the {months}-month window (last day {last_day})"
                ),
                &window.article,
            );
        }
    }
}

/// True when `end` is at least `months` calendar months after `start` (2026-01-15 + 3 months = 2026-04-15).
pub fn lasts_months(start: NaiveDate, end: NaiveDate, months: u32) -> bool {
    add_months(start, months).is_some_and(|due| end >= due)
}

/// How long `start` to `end` lasts in whole calendar months and the days left over, counted
/// the way [`lasts_months`] counts: 2026-03-01 to 2026-05-31 is 2 months and 30 days.
pub fn months_and_days(start: NaiveDate, end: NaiveDate) -> (u32, i64) {
    let mut months = 0;
    while lasts_months(start, end, months + 1) {
        months += 1;
    }
    let from = add_months(start, months).unwrap_or(start);
    (months, end.signed_duration_since(from).num_days().max(0))
}

fn add_months(date: NaiveDate, months: u32) -> Option<NaiveDate> {
    date.checked_add_months(Months::new(months))
}

#[cfg(test)]
pub(crate) mod fixtures {
    use super::*;
    use crate::domain::Money;

    pub fn gulou() -> Profile {
        use super::super::profile::Rule;
        let flag = |severity, article: &str| FlagRule {
            severity,
            article: article.into(),
            quote: String::new(),
            enabled: true,
        };
        let months = |months, severity, article: &str| MonthsRule {
            months: Some(months),
            not_stated: false,
            severity,
            article: article.into(),
            quote: String::new(),
            enabled: true,
        };
        Profile {
            id: "test".into(),
            title_zh: "测试".into(),
            title_en: "test".into(),
            jurisdiction_zh: "鼓楼".into(),
            jurisdiction_en: "Gulou".into(),
            source: String::new(),
            rules: Rules::new(vec![
                Rule::Supervision(SupervisionRule {
                    floor: Money::from_yuan(1_000_000),
                    severity: Severity::Warns,
                    article: "第十九条".into(),
                    quote: String::new(),
                    enabled: true,
                }),
                Rule::Change(ChangeRule {
                    reapply_percent: BasisPoints(1000),
                    procedure_severity: Severity::Informs,
                    reapply_severity: Severity::Blocks,
                    article: "第二十条".into(),
                    quote: String::new(),
                    enabled: true,
                }),
                Rule::TrialOperation(months(3, Severity::Blocks, "第二十二条")),
                Rule::AcceptanceWindow(months(6, Severity::Warns, "第二十二条")),
                Rule::DataSharing(flag(Severity::Blocks, "第二十八条")),
                Rule::AnnualPlan(flag(Severity::Warns, "第八条")),
                Rule::JointSubmission(flag(Severity::Warns, "第十六条")),
                Rule::Rectification(flag(Severity::Blocks, "第二十三条")),
                Rule::OperationAcceptance(flag(Severity::Blocks, "第二十三条")),
            ]),
            aggregation: AggregationRule {
                trim_min_experts: 5,
                divergence_points: Points::whole(15),
                quorum: None,
                article: "通行做法".into(),
            },
            outcomes: Outcomes {
                approval: ApprovalThresholds {
                    pass: Points::whole(80),
                    revise: Points::whole(60),
                    article: "通行做法".into(),
                },
                change: ChangeThresholds { approve: Points::whole(70), article: "通行做法".into() },
                acceptance: AcceptanceThresholds {
                    accept: Points::whole(80),
                    rectify: Points::whole(60),
                    article: "第二十三条".into(),
                },
                maintenance: None,
            },
            evaluation: Some(EvaluationWindow { from_months: 12, to_months: 24, article: "第二十四条".into() }),
            calendar: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::fixtures::gulou;
    use super::*;
    use crate::domain::Money;
    use crate::domain::application::fixtures::approval;

    fn floor_of(yuan: i64) -> crate::domain::profile::Rule {
        crate::domain::profile::Rule::ScopeFloor(AmountRule {
            amount: Some(Money::from_yuan(yuan)),
            not_stated: false,
            severity: Severity::Informs,
            article: "罗湖".into(),
            quote: String::new(),
            enabled: true,
        })
    }

    fn rules(app: &Application) -> Vec<String> {
        gulou().evaluate(app).into_iter().map(|f| f.rule).collect()
    }

    fn date(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn successive_changes_add_up_against_the_total_first_approved() {
        // First approved 1,000,000 yuan; an earlier change took it to 1,060,000 (6%); this change
        // asks 1,123,600 (6% more): 12.36% over the original, so it must re-apply (第二十条),
        // though it is only 6% over the last approval.
        let mut a = change(1_060_000, 112_360_000);
        assert!(!rules(&a).contains(&"change.reapply".to_string()), "6% of the last approval alone");
        a.original_total = Some(Money::from_yuan(1_000_000));
        assert!(rules(&a).contains(&"change.reapply".to_string()), "12.36% of the first approval");
        // Both sides of the edge: 9.99% cumulative is a change; 10.00% re-applies.
        a.requested_total = Some(Money::from_yuan(1_099_900));
        assert!(rules(&a).contains(&"change.procedure".to_string()));
        a.requested_total = Some(Money::from_yuan(1_100_000));
        assert!(rules(&a).contains(&"change.reapply".to_string()));
    }

    fn change(approved: i64, requested_fen: i64) -> Application {
        let mut a = approval("BG-1", Money::from_fen(requested_fen));
        a.kind = ApplicationKind::Change;
        a.approved_total = Some(Money::from_yuan(approved));
        a
    }

    fn acceptance(trial_start: &str, trial_end: &str, applied: &str) -> Application {
        let mut a = approval("YS-1", Money::from_yuan(10));
        a.kind = ApplicationKind::Acceptance;
        a.requested_total = None;
        a.approved_total = Some(Money::from_yuan(500_000));
        a.construction_completed = Some(date(trial_start));
        a.trial_start = Some(date(trial_start));
        a.trial_end = Some(date(trial_end));
        a.acceptance_applied = Some(date(applied));
        a
    }

    #[test]
    fn a_change_shows_its_sign_even_under_one_percent() {
        assert_eq!(BasisPoints(1000).signed_percent(), "+10.00%");
        assert_eq!(BasisPoints(-50).signed_percent(), "-0.50%");
        assert_eq!(BasisPoints(-1205).signed_percent(), "-12.05%");
    }

    #[test]
    fn a_trial_is_counted_in_whole_months_and_days_the_way_the_rule_counts() {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        assert_eq!(months_and_days(d("2026-03-01"), d("2026-05-31")), (2, 30));
        assert_eq!(months_and_days(d("2026-03-01"), d("2026-06-01")), (3, 0));
        // A month from 31 January ends on the last day of February, for the rule and the count.
        assert_eq!(months_and_days(d("2026-01-31"), d("2026-02-28")), (1, 0));
        assert_eq!(months_and_days(d("2026-05-01"), d("2026-04-01")), (0, 0));
        // The edge the rule turns on agrees with the count.
        assert!(!lasts_months(d("2026-03-01"), d("2026-05-31"), 3));
    }

    #[test]
    fn change_overrun_edge_is_ten_percent_inclusive() {
        // 9.99% over 1,000,000 yuan: 1,099,900 yuan.
        let below = change(1_000_000, 109_990_000);
        assert_eq!(rules(&below), ["change.procedure"]);
        let f = &gulou().evaluate(&below)[0];
        assert!(f.message.zh.contains("9.99%") && f.article == "第二十条", "{f:?}");
        let at = change(1_000_000, 110_000_000);
        assert_eq!(rules(&at), ["change.reapply"]);
        assert_eq!(gulou().evaluate(&at)[0].severity, Severity::Blocks);
        assert!(gulou().evaluate(&at)[0].message.zh.contains("须重新立项"));
        // one fen under the threshold is still a change procedure.
        assert_eq!(rules(&change(1_000_000, 109_999_999)), ["change.procedure"]);
    }

    #[test]
    fn a_decrease_is_shown_with_its_minus_sign() {
        // 1,000,000 → 995,000 yuan is −0.50%; 800,000 → 700,000 yuan is −12.50%.
        let f = &gulou().evaluate(&change(1_000_000, 99_500_000))[0];
        assert!(f.message.zh.contains("投资变动 -0.50%") && f.message.en.contains("by -0.50%"), "{f:?}");
        let f = &gulou().evaluate(&change(800_000, 70_000_000))[0];
        assert!(f.message.zh.contains("-12.50%") && !f.message.zh.contains(".-"), "{f:?}");
        // An increase under the threshold carries a plus sign.
        assert!(gulou().evaluate(&change(1_000_000, 100_500_000))[0].message.zh.contains("+0.50%"));
    }

    #[test]
    fn trial_operation_needs_three_whole_months() {
        // 2 months 30 days: 2026-01-15 to 2026-04-14.
        let short = acceptance("2026-01-15", "2026-04-14", "2026-05-01");
        assert_eq!(rules(&short), ["acceptance.trial_short"]);
        let exact = acceptance("2026-01-15", "2026-04-15", "2026-05-01");
        assert!(rules(&exact).is_empty(), "{:?}", rules(&exact));
        // End of month: 2025-11-30 + 3 months is 2026-02-28.
        assert!(lasts_months(date("2025-11-30"), date("2026-02-28"), 3));
        assert!(!lasts_months(date("2025-11-30"), date("2026-02-27"), 3));
    }

    #[test]
    fn acceptance_window_includes_its_last_day() {
        // Trial ends 2026-04-15; six months later is 2026-10-15, the last day.
        let last_day = acceptance("2026-01-15", "2026-04-15", "2026-10-15");
        assert!(rules(&last_day).is_empty());
        let day_after = acceptance("2026-01-15", "2026-04-15", "2026-10-16");
        assert_eq!(rules(&day_after), ["acceptance.late"]);
    }

    #[test]
    fn supervision_floor_is_one_million_inclusive() {
        let mut a = approval("LX-1", Money::parse("999,999.99").unwrap());
        a.supervision_firm = false;
        assert!(rules(&a).is_empty());
        a.requested_total = Some(Money::parse("1,000,000").unwrap());
        assert_eq!(rules(&a), ["supervision.missing"]);
        a.supervision_firm = true;
        assert!(rules(&a).is_empty());
    }

    #[test]
    fn approval_flags_sharing_plan_and_joint_submission() {
        let mut a = approval("LX-2", Money::from_yuan(300_000));
        a.data_sharing_section = false;
        a.plan_class = None;
        a.cross_department = true;
        let found = gulou().evaluate(&a);
        let ids: Vec<_> = found.iter().map(|f| f.rule.as_str()).collect();
        assert_eq!(ids, ["approval.no_data_sharing", "plan.not_in_plan", "joint.missing"]);
        assert_eq!(found[0].severity, Severity::Blocks);
        assert_eq!(found[1].severity, Severity::Warns);
        a.joint_submission = true;
        assert!(!rules(&a).contains(&"joint.missing".to_string()));
    }

    #[test]
    fn scope_floor_only_where_the_profile_sets_one() {
        let mut p = gulou();
        let a = approval("LX-3", Money::from_yuan(499_999));
        assert!(p.evaluate(&a).is_empty());
        p.rules.set(floor_of(500_000));
        assert_eq!(p.evaluate(&a)[0].rule, "scope.below_floor");
        assert!(p.evaluate(&approval("LX-4", Money::from_yuan(500_000))).is_empty());
    }

    #[test]
    fn a_profile_survives_being_embedded_in_an_event() {
        let mut p = gulou();
        p.rules.set(floor_of(500_000));
        let back: Profile = serde_json::from_str(&serde_json::to_string(&p).unwrap()).unwrap();
        assert_eq!(back, p);
    }

    #[test]
    fn percent_strings_become_basis_points() {
        assert_eq!(BasisPoints::parse_percent("10"), Some(BasisPoints(1000)));
        assert_eq!(BasisPoints::parse_percent("9.5"), Some(BasisPoints(950)));
        assert_eq!(BasisPoints::parse_percent("9.99%"), Some(BasisPoints(999)));
        assert_eq!(BasisPoints::parse_percent("9.999"), None);
        assert_eq!(BasisPoints::parse_percent("ten"), None);
    }
}
