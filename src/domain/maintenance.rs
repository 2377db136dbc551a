//! The findings on an operation and maintenance application (运维): the system passed
//! acceptance, a performance self-evaluation is on file once it is due, and an annual O&M
//! service report is on file where the profile's text asks for one.
//!
//! - 鼓楼 第二十三条: 未经验收或者验收不合格的政务信息化项目不得投入正式运行 (rule
//!   `operation_acceptance`). Where a profile does not set it, the same check is made as review
//!   practice and only informs.
//! - 鼓楼 第二十四条: 项目通过验收并投入运行后 12–24 个月内开展绩效自评价 (the profile's
//!   `[evaluation]` window). Before the window: nothing. Within it (both ends included) and no
//!   report on file: informs, with the last day. After it and no report on file: warns.
//! - 宿迁政策解读 二（八）: 已完成建设的存量信息化项目每年提交运维服务情况报表 (rule
//!   `maintenance_report`).

use super::application::{Application, ApplicationKind};
use super::policy::{PRACTICE, Profile, Severity};
use super::profile::Push;
use super::text::Text;
use chrono::{Months, NaiveDate};

/// An O&M application's own facts on one line, in both languages, for `show`, the detail
/// screen and the reports; None for other kinds.
pub fn facts_line(app: &Application) -> Option<Text> {
    if app.kind != ApplicationKind::Maintenance {
        return None;
    }
    let m = &app.maintenance;
    let date = m.accepted_on.map_or_else(|| "—".to_string(), |d| d.to_string());
    let zh = |b: bool| if b { "已报送" } else { "未报送" };
    let en = |b: bool| if b { "on file" } else { "not on file" };
    Some(Text::new(
        format!(
            "验收通过日期：{date}；绩效自评价报告：{}；年度运维服务报告：{}",
            zh(m.self_evaluation),
            zh(m.service_report)
        ),
        format!(
            "accepted on: {date}; performance self-evaluation: {}; annual O&M service report: {}",
            en(m.self_evaluation),
            en(m.service_report)
        ),
    ))
}

/// The article of a check no text gives.
pub fn practice_article() -> String {
    format!("{PRACTICE} / review practice, not a regulation")
}

/// Every finding on an O&M application under `profile`, at a meeting on `meeting` where known.
pub fn findings(profile: &Profile, app: &Application, meeting: Option<NaiveDate>, push: &mut Push<'_>) {
    acceptance(profile, app, push);
    self_evaluation(profile, app, meeting, push);
    if let Some(rule) = profile.rules.maintenance_report()
        && !app.maintenance.service_report
    {
        push(
            "maintenance.no_service_report",
            rule.severity,
            "未见上一年度运维服务情况报表：存量信息化项目须每年提交".into(),
            "no O&M service report for the past year on file: a system in operation files one every year".into(),
            &rule.article,
        );
    }
}

fn acceptance(profile: &Profile, app: &Application, push: &mut Push<'_>) {
    if app.maintenance.accepted_on.is_some() {
        return;
    }
    let zh = "未填验收通过日期：系统须已通过验收，未经验收或者验收不合格的项目不得投入正式运行".to_string();
    let en = "no acceptance date: the system must have passed acceptance; none may go into formal operation before"
        .to_string();
    match profile.rules.operation_acceptance() {
        Some(rule) => push("maintenance.not_accepted", rule.severity, zh, en, &rule.article),
        None => push("maintenance.acceptance_unknown", Severity::Informs, zh, en, &practice_article()),
    }
}

fn self_evaluation(profile: &Profile, app: &Application, meeting: Option<NaiveDate>, push: &mut Push<'_>) {
    let (Some(window), Some(accepted), Some(meeting)) = (&profile.evaluation, app.maintenance.accepted_on, meeting)
    else {
        return;
    };
    if app.maintenance.self_evaluation {
        return;
    }
    let (Some(from), Some(to)) = (add(accepted, window.from_months), add(accepted, window.to_months)) else {
        return;
    };
    let (a, b) = (window.from_months, window.to_months);
    if meeting < from {
        return;
    }
    if meeting <= to {
        push(
            "evaluation.due",
            Severity::Informs,
            format!(
                "系统 {accepted} 通过验收，应在 {from} 至 {to}（验收后 {a}–{b} 个月）开展绩效自评价并报送，尚未报送"
            ),
            format!(
                "accepted {accepted}: the performance self-evaluation is due from {from} to {to} ({a}–{b} months after acceptance) and is not yet on file"
            ),
            &window.article,
        );
    } else {
        push(
            "evaluation.overdue",
            Severity::Warns,
            format!("系统 {accepted} 通过验收，绩效自评价应于 {to} 前报送（验收后 {a}–{b} 个月），未见自评价报告"),
            format!(
                "accepted {accepted}: the performance self-evaluation was due by {to} ({a}–{b} months after acceptance) and none is on file"
            ),
            &window.article,
        );
    }
}

fn add(date: NaiveDate, months: u32) -> Option<NaiveDate> {
    date.checked_add_months(Months::new(months))
}

#[cfg(test)]
mod tests {
    use crate::domain::Money;
    use crate::domain::application::fixtures::maintenance;
    use crate::domain::policy::fixtures::gulou;
    use crate::domain::profile::{FlagRule, Rule, RuleKind};
    use crate::domain::{Application, Severity};
    use chrono::NaiveDate;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn ids(app: &Application, meeting: &str) -> Vec<String> {
        gulou().evaluate_at(app, Some(d(meeting))).into_iter().map(|f| f.rule).collect()
    }

    fn accepted(on: &str) -> Application {
        maintenance("YW-1", Money::from_yuan(480_000), Some(d(on)))
    }

    #[test]
    fn the_self_evaluation_is_due_from_twelve_to_twenty_four_months_after_acceptance() {
        // Accepted 2025-03-31. 12 months later: 2026-03-31; 24 months later: 2027-03-31.
        let a = accepted("2025-03-31");
        assert!(ids(&a, "2026-03-30").is_empty(), "the day before the window opens");
        assert_eq!(ids(&a, "2026-03-31"), ["evaluation.due"], "the window's first day");
        assert_eq!(ids(&a, "2027-03-31"), ["evaluation.due"], "the window's last day");
        assert_eq!(ids(&a, "2027-04-01"), ["evaluation.overdue"], "the day after the window");
        let f = gulou().evaluate_at(&a, Some(d("2027-04-01")));
        assert_eq!((f[0].severity, f[0].article.as_str()), (Severity::Warns, "第二十四条"));
        assert!(f[0].message.zh.contains("2027-03-31") && f[0].message.en.contains("12–24"), "{f:?}");
        // A report on file settles it on either side.
        let mut done = a.clone();
        done.maintenance.self_evaluation = true;
        assert!(ids(&done, "2026-03-31").is_empty());
        assert!(ids(&done, "2027-04-01").is_empty());
    }

    #[test]
    fn end_of_month_acceptance_counts_as_the_rule_counts() {
        // Accepted 2024-02-29: 12 months on is 2025-02-28, 24 months on is 2026-02-28.
        let a = accepted("2024-02-29");
        assert!(ids(&a, "2025-02-27").is_empty());
        assert_eq!(ids(&a, "2025-02-28"), ["evaluation.due"]);
        assert_eq!(ids(&a, "2026-02-28"), ["evaluation.due"]);
        assert_eq!(ids(&a, "2026-03-01"), ["evaluation.overdue"]);
    }

    #[test]
    fn a_system_not_accepted_blocks_where_the_text_says_so_and_informs_elsewhere() {
        let a = maintenance("YW-2", Money::from_yuan(480_000), None);
        let f = gulou().evaluate_at(&a, Some(d("2026-11-20")));
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!((f[0].rule.as_str(), f[0].severity), ("maintenance.not_accepted", Severity::Blocks));
        assert_eq!(f[0].article, "第二十三条");
        let mut p = gulou();
        p.rules.remove(RuleKind::OperationAcceptance);
        let f = p.evaluate_at(&a, Some(d("2026-11-20")));
        assert_eq!((f[0].rule.as_str(), f[0].severity), ("maintenance.acceptance_unknown", Severity::Informs));
        assert!(f[0].article.contains("评审通行做法"), "{f:?}");
    }

    #[test]
    fn the_annual_service_report_is_asked_only_where_the_text_asks() {
        let mut a = accepted("2026-06-30");
        assert!(ids(&a, "2026-11-20").is_empty());
        let mut p = gulou();
        p.rules.set(Rule::MaintenanceReport(FlagRule {
            severity: Severity::Warns,
            article: "宿迁政策解读 二（八）".into(),
            quote: String::new(),
            enabled: true,
        }));
        let rules = |p: &crate::domain::Profile, a: &Application| {
            p.evaluate_at(a, Some(d("2026-11-20"))).into_iter().map(|f| f.rule).collect::<Vec<_>>()
        };
        assert_eq!(rules(&p, &a), ["maintenance.no_service_report"]);
        a.maintenance.service_report = true;
        assert!(rules(&p, &a).is_empty());
    }

    #[test]
    fn the_facts_line_names_each_fact_in_both_languages() {
        let mut a = accepted("2025-06-30");
        a.maintenance.service_report = true;
        let t = super::facts_line(&a).unwrap();
        assert_eq!(t.zh, "验收通过日期：2025-06-30；绩效自评价报告：未报送；年度运维服务报告：已报送");
        assert!(t.en.contains("accepted on: 2025-06-30") && t.en.contains("report: on file"), "{}", t.en);
        assert!(
            super::facts_line(&crate::domain::application::fixtures::approval("GL-1", Money::from_yuan(1))).is_none()
        );
    }

    #[test]
    fn luohu_leaves_day_to_day_o_and_m_out_of_its_scope() {
        use crate::domain::application::{FundingSource, ProjectType};
        use crate::domain::profile::FundingScopeRule;
        let mut p = gulou();
        p.rules = crate::domain::profile::Rules::default();
        p.evaluation = None;
        p.rules.set(Rule::FundingScope(FundingScopeRule {
            department_budget_floor: Money::from_yuan(500_000),
            always_in_scope: vec![FundingSource::GovernmentInvestment],
            excluded_types: vec![ProjectType::OperationMaintenance, ProjectType::EquipmentPurchase],
            severity: Severity::Informs,
            article: "罗湖政策解读 三（一）".into(),
            quote: String::new(),
            enabled: true,
        }));
        // No 项目类型 given: an O&M application is an O&M project.
        let a = accepted("2026-06-30");
        let f = p.evaluate_at(&a, Some(d("2026-11-20")));
        let ids: Vec<&str> = f.iter().map(|f| f.rule.as_str()).collect();
        assert_eq!(ids, ["scope.excluded_type"]);
        assert!(f[0].message.zh.contains("日常运行维护"), "{f:?}");
    }

    #[test]
    fn supervision_and_design_rules_leave_o_and_m_alone() {
        // 100万 of O&M without a supervision firm: 第十九条 concerns construction.
        let mut a = accepted("2026-06-30");
        a.requested_total = Some(Money::from_yuan(1_500_000));
        assert!(ids(&a, "2026-11-20").is_empty());
        // 第八条: an O&M plan not in the annual plan gets no money.
        a.plan_class = None;
        assert_eq!(ids(&a, "2026-11-20"), ["plan.not_in_plan"]);
    }
}
