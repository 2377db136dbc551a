//! The order of an acceptance application's dates (第二十二条): the unit applies "在完成建设并试运行后",
//! so construction is completed on or before the trial starts, the trial ends after it starts, the
//! application comes on or after the trial's end, and the meeting on or after the application.
//!
//! Dates are days. Trial months count from the start date to the end date, the end date itself
//! not counted (same day to same day, as [`super::policy::lasts_months`] counts): a trial from
//! 2026-01-15 lasts three months with an end date of 2026-04-15. Two steps may fall on one day,
//! except the trial's start and end; an application dated the trial's end date is in order.

use super::application::{Application, ApplicationKind};
use super::policy::{Finding, Severity};
use super::text::Text;
use chrono::NaiveDate;

/// A finding for each pair of an acceptance application's dates out of order:
/// construction completed ≤ trial start < trial end ≤ acceptance applied ≤ `meeting`.
/// `article` is the profile's acceptance article (Gulou 第二十二条). Other kinds get none.
pub fn acceptance_order(app: &Application, meeting: Option<NaiveDate>, article: &str) -> Vec<Finding> {
    let mut out = Vec::new();
    if app.kind != ApplicationKind::Acceptance {
        return out;
    }
    let mut push = |rule: &str, severity, zh: String, en: String| {
        out.push(Finding { rule: rule.into(), severity, message: Text { zh, en }, article: article.into() })
    };
    if let (Some(done), Some(start)) = (app.construction_completed, app.trial_start)
        && start < done
    {
        push(
            "acceptance.trial_before_completion",
            Severity::Warns,
            format!("试运行开始 {start} 早于建设完成 {done}：应在完成建设后试运行"),
            format!(
                "trial operation starts {start}, before construction was completed on {done}: the trial follows completion"
            ),
        );
    }
    if let (Some(start), Some(end)) = (app.trial_start, app.trial_end)
        && end <= start
    {
        push(
            "acceptance.trial_not_after_start",
            Severity::Blocks,
            format!("试运行结束 {end} 不晚于开始 {start}：没有试运行期"),
            format!("trial operation ends {end}, not after it starts {start}: there is no trial period"),
        );
    }
    if let (Some(end), Some(applied)) = (app.trial_end, app.acceptance_applied)
        && applied < end
    {
        push(
            "acceptance.applied_before_trial_end",
            Severity::Blocks,
            format!("验收申请 {applied} 早于试运行结束 {end}：应在完成建设并试运行后申请"),
            format!(
                "acceptance applied for on {applied}, before the trial ended on {end}: apply after construction and trial operation"
            ),
        );
    }
    if let (Some(applied), Some(meeting)) = (app.acceptance_applied, meeting)
        && meeting < applied
    {
        push(
            "acceptance.applied_after_meeting",
            Severity::Warns,
            format!("验收申请日期 {applied} 晚于评审会日期 {meeting}：请核对日期"),
            format!("acceptance applied for on {applied}, after the meeting on {meeting}: check the dates"),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::application::fixtures::approval;
    use crate::domain::money::Money;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    /// Completed, trial start, trial end, applied.
    fn app(done: &str, start: &str, end: &str, applied: &str) -> Application {
        let mut a = approval("YS-1", Money::from_yuan(10));
        a.kind = ApplicationKind::Acceptance;
        a.construction_completed = Some(d(done));
        a.trial_start = Some(d(start));
        a.trial_end = Some(d(end));
        a.acceptance_applied = Some(d(applied));
        a
    }

    fn rules(a: &Application, meeting: &str) -> Vec<String> {
        acceptance_order(a, Some(d(meeting)), "第二十二条").into_iter().map(|f| f.rule).collect()
    }

    #[test]
    fn equal_dates_are_in_order_where_the_chain_allows_them() {
        // Completed the day the trial starts, applied the day it ends, meeting the day applied.
        let a = app("2026-03-31", "2026-03-31", "2026-07-01", "2026-07-01");
        assert!(rules(&a, "2026-07-01").is_empty());
    }

    #[test]
    fn the_trial_starts_on_or_after_completion() {
        let a = app("2026-04-01", "2026-03-31", "2026-07-01", "2026-07-20");
        assert_eq!(rules(&a, "2026-08-01"), ["acceptance.trial_before_completion"]);
        let f = &acceptance_order(&a, None, "第二十二条")[0];
        assert_eq!((f.severity, f.article.as_str()), (Severity::Warns, "第二十二条"));
        assert!(f.message.zh.contains("2026-03-31") && f.message.zh.contains("2026-04-01"), "{f:?}");
        let a = app("2026-03-31", "2026-03-31", "2026-07-01", "2026-07-20");
        assert!(rules(&a, "2026-08-01").is_empty());
    }

    #[test]
    fn the_trial_ends_after_it_starts() {
        let a = app("2026-03-31", "2026-04-01", "2026-04-01", "2026-07-20");
        assert_eq!(rules(&a, "2026-08-01"), ["acceptance.trial_not_after_start"]);
        let a = app("2026-03-31", "2026-04-01", "2026-04-02", "2026-07-20");
        assert!(rules(&a, "2026-08-01").is_empty());
    }

    #[test]
    fn the_application_comes_on_or_after_the_trial_end() {
        let a = app("2026-03-31", "2026-04-01", "2026-07-01", "2026-06-30");
        assert_eq!(rules(&a, "2026-08-01"), ["acceptance.applied_before_trial_end"]);
        assert_eq!(acceptance_order(&a, None, "第二十二条")[0].severity, Severity::Blocks);
        let a = app("2026-03-31", "2026-04-01", "2026-07-01", "2026-07-01");
        assert!(rules(&a, "2026-08-01").is_empty());
    }

    #[test]
    fn the_meeting_comes_on_or_after_the_application() {
        let a = app("2026-03-31", "2026-04-01", "2026-07-01", "2026-08-02");
        assert_eq!(rules(&a, "2026-08-01"), ["acceptance.applied_after_meeting"]);
        assert!(rules(&a, "2026-08-02").is_empty());
        // Without a meeting date that pair is not checked.
        assert!(acceptance_order(&a, None, "第二十二条").is_empty());
    }

    #[test]
    fn other_kinds_are_not_checked() {
        let mut a = app("2026-04-01", "2026-03-31", "2026-03-31", "2026-01-01");
        a.kind = ApplicationKind::Change;
        assert!(rules(&a, "2025-01-01").is_empty());
    }
}
