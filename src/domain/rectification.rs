//! The rectification loop (整改闭环, 鼓楼 第二十三条): a failed acceptance is rectified by a
//! deadline (限期整改) and applied for again; a unit that lets the deadline pass (拒不整改),
//! applies after it, or fails again (整改后仍达不到验收标准) has its later approvals held back
//! (暂缓其后续项目的审批) until the secretariat clears it with a signed reason.
//!
//! Nothing here is stored as a mark. Every status is worked out from the decisions and
//! registrations a machine holds, across meetings, so it depends only on that set of events,
//! whatever order they came in.

use super::application::{Application, ApplicationKind};
use super::outcome::Outcome;
use super::policy::{Finding, Profile, Severity};
use super::text::Text;
use chrono::NaiveDate;
use serde::Serialize;
use std::collections::HashMap;

/// A standing 限期整改 decision: the project must be rectified by `deadline`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Order {
    /// The decision event; a clearance names it.
    pub decision_event: String,
    pub meeting: String,
    pub meeting_date: NaiveDate,
    pub code: String,
    pub name: String,
    /// 建设单位, as registered.
    pub unit: String,
    /// 整改期限
    pub deadline: NaiveDate,
}

/// An acceptance application registered in some meeting: a possible re-application.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Attempt {
    pub meeting: String,
    pub meeting_date: NaiveDate,
    pub code: String,
    /// 前次验收项目编码, when the re-application was registered under a new code.
    pub previous_code: Option<String>,
    /// 验收申请日期
    pub applied: Option<NaiveDate>,
    /// The decision standing on it, if any.
    pub outcome: Option<Outcome>,
}

impl Attempt {
    /// Whether this application answers `order`: a later meeting, the same project code (or
    /// the order's code named as the previous one).
    fn answers(&self, order: &Order) -> bool {
        self.meeting != order.meeting
            && self.meeting_date >= order.meeting_date
            && (self.code == order.code || self.previous_code.as_deref() == Some(order.code.as_str()))
    }
}

/// 解除暂缓: the secretariat's signed clearance of the marks that `clears` (decision events
/// of 限期整改 orders) put on a unit.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Clearance {
    pub event_id: String,
    pub unit: String,
    pub clears: Vec<String>,
    pub reason: String,
    /// Who signed it, by name where the machine knows the key.
    pub by: String,
    /// When it was signed, as the event says (UTC, RFC 3339).
    pub at: String,
}

/// Why an order marks its unit.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "cause", rename_all = "snake_case")]
pub enum Cause {
    /// 拒不整改: the deadline passed and no re-application is registered.
    Overdue,
    /// 逾期重新申请: applied for again after the deadline.
    Late { applied: NaiveDate },
    /// 整改后仍未通过: the re-application failed, or was sent back to rectify once more.
    FailedAgain { outcome: Outcome },
}

impl Cause {
    /// A few words, for a table cell.
    pub fn short(&self) -> Text {
        match self {
            Self::Overdue => Text::new("逾期未重新申请", "deadline passed"),
            Self::Late { .. } => Text::new("逾期重新申请", "applied late"),
            Self::FailedAgain { .. } => Text::new("整改后仍未通过", "failed again"),
        }
    }

    pub fn words(&self, order: &Order) -> Text {
        match self {
            Self::Overdue => Text::new(
                format!("整改期限 {} 已过，未重新申请验收（拒不整改）", order.deadline),
                format!(
                    "the rectification deadline {} has passed without a new acceptance application",
                    order.deadline
                ),
            ),
            Self::Late { applied } => Text::new(
                format!("{applied} 才重新申请验收，晚于整改期限 {}", order.deadline),
                format!(
                    "applied for acceptance again on {applied}, after the rectification deadline {}",
                    order.deadline
                ),
            ),
            Self::FailedAgain { outcome } => Text::new(
                format!("整改后重新验收仍未通过（{}）", outcome.zh()),
                format!("failed again after rectification ({})", outcome.en()),
            ),
        }
    }
}

/// Where an order stands on a given day.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum Status {
    /// 整改中: before the deadline, not yet applied for again.
    Open,
    /// 逾期未重新申请
    Overdue,
    /// 已重新申请: registered in a later meeting, not yet decided.
    Reapplied { meeting: String, code: String },
    /// 整改后通过验收
    Closed { meeting: String, code: String },
    /// 整改后仍未通过
    FailedAgain { meeting: String, code: String, outcome: Outcome },
}

impl Status {
    pub fn zh(&self) -> &'static str {
        match self {
            Self::Open => "整改中",
            Self::Overdue => "逾期未重新申请",
            Self::Reapplied { .. } => "已重新申请",
            Self::Closed { .. } => "整改后通过验收",
            Self::FailedAgain { .. } => "整改后仍未通过",
        }
    }

    pub fn en(&self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Overdue => "overdue",
            Self::Reapplied { .. } => "applied again",
            Self::Closed { .. } => "accepted after rectification",
            Self::FailedAgain { .. } => "failed again",
        }
    }

    /// Still waiting on the unit or the panel: open, overdue or applied again.
    pub fn is_open(&self) -> bool {
        matches!(self, Self::Open | Self::Overdue | Self::Reapplied { .. })
    }
}

/// One order followed through: where it stands, whether it marks the unit and from when.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Track {
    pub order: Order,
    pub status: Status,
    /// Why the unit is marked, if it is.
    pub mark: Option<Cause>,
    /// The first day the mark holds against the unit's approvals.
    pub marked_from: Option<NaiveDate>,
    /// The clearance that lifts the mark, if any.
    pub cleared_by: Option<Clearance>,
}

impl Track {
    /// Whether the mark holds back approvals reviewed on `day`.
    pub fn holds_back(&self, day: NaiveDate) -> bool {
        self.cleared_by.is_none() && self.marked_from.is_some_and(|from| from <= day)
    }

    /// Whether it still asks something of someone on `day`: an open order, or a hold.
    pub fn pending(&self, day: NaiveDate) -> bool {
        self.status.is_open() || self.holds_back(day)
    }

    /// Whether a secretariat's clearance would lift something: a mark not cleared yet, whether
    /// or not it holds already.
    pub fn clearable(&self) -> bool {
        self.mark.is_some() && self.cleared_by.is_none()
    }
}

/// The units of `tracks`, by name, each once, sorted.
pub fn units<'t>(tracks: impl Iterator<Item = &'t Track>) -> Vec<&'t str> {
    let mut units: Vec<&str> = tracks.map(|t| t.order.unit.trim()).collect();
    units.sort_unstable();
    units.dedup();
    units
}

/// What a machine knows of the rectification loop, across every meeting it holds.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct History {
    pub orders: Vec<Order>,
    pub attempts: Vec<Attempt>,
    pub clearances: Vec<Clearance>,
}

impl History {
    pub fn is_empty(&self) -> bool {
        self.orders.is_empty()
    }

    /// The attempts by the codes they answer to: their own, and the previous one they name.
    fn attempts_by_code(&self) -> HashMap<&str, Vec<&Attempt>> {
        let mut by: HashMap<&str, Vec<&Attempt>> = HashMap::new();
        for a in &self.attempts {
            by.entry(a.code.as_str()).or_default().push(a);
            if let Some(p) = a.previous_code.as_deref().filter(|p| *p != a.code) {
                by.entry(p).or_default().push(a);
            }
        }
        by
    }

    /// Every order followed through as of `day`, earliest deadline first.
    pub fn tracks(&self, day: NaiveDate) -> Vec<Track> {
        let by_code = self.attempts_by_code();
        let mut out: Vec<Track> = self
            .orders
            .iter()
            .map(|o| {
                // The first application after the order that answers it, by meeting date.
                let again = by_code
                    .get(o.code.as_str())
                    .into_iter()
                    .flatten()
                    .filter(|a| a.answers(o))
                    .min_by(|a, b| (a.meeting_date, &a.meeting, &a.code).cmp(&(b.meeting_date, &b.meeting, &b.code)))
                    .copied();
                self.track(o, again, day)
            })
            .collect();
        out.sort_by(|a, b| {
            (a.order.deadline, &a.order.meeting, &a.order.code).cmp(&(
                b.order.deadline,
                &b.order.meeting,
                &b.order.code,
            ))
        });
        out
    }

    fn track(&self, order: &Order, again: Option<&Attempt>, day: NaiveDate) -> Track {
        let status = match again {
            None if day > order.deadline => Status::Overdue,
            None => Status::Open,
            Some(a) => match a.outcome {
                None => Status::Reapplied { meeting: a.meeting.clone(), code: a.code.clone() },
                Some(o) if o.passes() => Status::Closed { meeting: a.meeting.clone(), code: a.code.clone() },
                Some(outcome) => Status::FailedAgain { meeting: a.meeting.clone(), code: a.code.clone(), outcome },
            },
        };
        let (mark, marked_from) = match (again, &status) {
            (None, Status::Overdue) => (Some(Cause::Overdue), order.deadline.succ_opt()),
            (Some(a), Status::FailedAgain { outcome, .. }) => {
                (Some(Cause::FailedAgain { outcome: *outcome }), Some(a.meeting_date))
            }
            (Some(a), _) => match a.applied.filter(|d| *d > order.deadline) {
                Some(applied) => (Some(Cause::Late { applied }), Some(applied)),
                None => (None, None),
            },
            _ => (None, None),
        };
        let cleared_by = mark
            .as_ref()
            .and_then(|_| self.clearances.iter().find(|c| c.clears.contains(&order.decision_event)))
            .cloned();
        Track { order: order.clone(), status, mark, marked_from, cleared_by }
    }

    /// The loop as one meeting sees it: the holds standing on its day, by unit, worked out once.
    pub fn at<'h>(&'h self, meeting: &'h str, meeting_date: NaiveDate) -> AtMeeting<'h> {
        let mut holds: HashMap<String, Vec<Track>> = HashMap::new();
        if !self.is_empty() {
            for t in self.tracks(meeting_date).into_iter().filter(|t| t.holds_back(meeting_date)) {
                holds.entry(t.order.unit.trim().to_string()).or_default().push(t);
            }
        }
        let mut orders: HashMap<&str, Vec<&Order>> = HashMap::new();
        for o in &self.orders {
            orders.entry(o.code.as_str()).or_default().push(o);
        }
        AtMeeting { history: self, meeting, meeting_date, holds, orders }
    }
}

/// Among `orders`, the one an acceptance application in `meeting` answers: the latest earlier
/// one of the same project.
fn answered<'o>(
    orders: impl Iterator<Item = &'o Order>,
    meeting: &str,
    meeting_date: NaiveDate,
    app: &Application,
) -> Option<&'o Order> {
    if app.kind != ApplicationKind::Acceptance {
        return None;
    }
    let me = Attempt {
        meeting: meeting.into(),
        meeting_date,
        code: app.code.clone(),
        previous_code: app.previous_code.clone(),
        applied: app.acceptance_applied,
        outcome: None,
    };
    orders.filter(|o| me.answers(o)).max_by(|a, b| (a.meeting_date, &a.meeting).cmp(&(b.meeting_date, &b.meeting)))
}

/// [`History`] seen from one meeting (see [`History::at`]).
pub struct AtMeeting<'h> {
    history: &'h History,
    meeting: &'h str,
    meeting_date: NaiveDate,
    /// The tracks that hold back approvals on the meeting's day, by unit.
    holds: HashMap<String, Vec<Track>>,
    /// The orders by project code.
    orders: HashMap<&'h str, Vec<&'h Order>>,
}

impl AtMeeting<'_> {
    /// Adds what the loop says about `app` to `findings`: for a re-applied acceptance, the
    /// order it answers (and no six-month window warning, since the deadline replaces it); for
    /// an approval, every mark on its unit that is not cleared, under the profile's
    /// rectification rule.
    pub fn judge(&self, profile: &Profile, app: &Application, findings: &mut Vec<Finding>) {
        if self.history.is_empty() {
            return;
        }
        let rule = profile.rules.rectification();
        let article = rule.map(|r| r.article.clone()).unwrap_or_else(|| "整改闭环 / rectification loop".to_string());
        let candidates = [Some(app.code.as_str()), app.previous_code.as_deref()]
            .into_iter()
            .flatten()
            .filter_map(|c| self.orders.get(c))
            .flatten()
            .copied();
        if let Some(order) = answered(candidates, self.meeting, self.meeting_date, app) {
            findings.retain(|f| f.rule != "acceptance.late");
            findings.push(Finding {
                rule: "rectification.reapplication".into(),
                severity: Severity::Informs,
                message: Text::new(
                    format!(
                        "整改后重新申请验收：{}（{}）{} 结论为限期整改，整改期限 {}",
                        order.meeting, order.meeting_date, order.code, order.deadline
                    ),
                    format!(
                        "applied again after rectification: {} ({}) sent {} back to rectify by {}",
                        order.meeting, order.meeting_date, order.code, order.deadline
                    ),
                ),
                article: article.clone(),
            });
            if let Some(applied) = app.acceptance_applied.filter(|d| *d > order.deadline) {
                findings.push(Finding {
                    rule: "rectification.late".into(),
                    severity: Severity::Warns,
                    message: Cause::Late { applied }.words(order),
                    article: article.clone(),
                });
            }
        }
        if let (Some(rule), ApplicationKind::Approval) = (rule, app.kind) {
            for t in self.holds.get(app.unit.trim()).into_iter().flatten() {
                let Some(cause) = &t.mark else { continue };
                let why = cause.words(&t.order);
                findings.push(Finding {
                    rule: "rectification.held_back".into(),
                    severity: rule.severity,
                    message: Text::new(
                        format!(
                            "建设单位的项目 {}（{}）{}，暂缓其后续项目审批；秘书处可签名解除",
                            t.order.code, t.order.meeting, why.zh
                        ),
                        format!(
                            "the unit's project {} ({}): {}, so its later approvals are held back until the secretariat clears it",
                            t.order.code, t.order.meeting, why.en
                        ),
                    ),
                    article: rule.article.clone(),
                });
            }
        }
        findings.sort_by_key(|f| f.severity);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::application::fixtures::approval;
    use crate::domain::money::Money;
    use crate::domain::policy::fixtures::gulou;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn order() -> Order {
        Order {
            decision_event: "e1".into(),
            meeting: "M1".into(),
            meeting_date: d("2026-03-10"),
            code: "GL-YS-1".into(),
            name: "区政务外网升级".into(),
            unit: "鼓楼区数据局".into(),
            deadline: d("2026-06-30"),
        }
    }

    fn attempt(meeting: &str, date: &str, applied: &str, outcome: Option<Outcome>) -> Attempt {
        Attempt {
            meeting: meeting.into(),
            meeting_date: d(date),
            code: "GL-YS-1".into(),
            previous_code: None,
            applied: Some(d(applied)),
            outcome,
        }
    }

    fn history(attempts: Vec<Attempt>) -> History {
        History { orders: vec![order()], attempts, clearances: vec![] }
    }

    #[test]
    fn an_order_is_open_to_its_deadline_and_overdue_the_day_after() {
        let h = history(vec![]);
        let t = &h.tracks(d("2026-06-30"))[0];
        assert_eq!((t.status.clone(), t.mark.clone()), (Status::Open, None));
        let t = &h.tracks(d("2026-07-01"))[0];
        assert_eq!((t.status.clone(), t.mark.clone()), (Status::Overdue, Some(Cause::Overdue)));
        assert_eq!(t.marked_from, Some(d("2026-07-01")));
        assert!(t.holds_back(d("2026-07-01")) && !t.holds_back(d("2026-06-30")));
    }

    #[test]
    fn applying_on_the_deadline_is_in_time_and_the_day_after_marks_the_unit() {
        let on_time = history(vec![attempt("M2", "2026-07-15", "2026-06-30", None)]);
        let t = &on_time.tracks(d("2026-08-01"))[0];
        assert!(matches!(t.status, Status::Reapplied { .. }) && t.mark.is_none());
        let late = history(vec![attempt("M2", "2026-07-15", "2026-07-01", None)]);
        let t = &late.tracks(d("2026-08-01"))[0];
        assert_eq!(t.mark, Some(Cause::Late { applied: d("2026-07-01") }));
        // Accepted in the end, the late re-application still marks the unit.
        let accepted = history(vec![attempt("M2", "2026-07-15", "2026-07-01", Some(Outcome::Accepted))]);
        let t = &accepted.tracks(d("2026-08-01"))[0];
        assert!(matches!(t.status, Status::Closed { .. }) && t.mark.is_some());
    }

    #[test]
    fn failing_again_marks_the_unit_and_passing_closes_the_order() {
        for (outcome, marked) in
            [(Outcome::AcceptanceFailed, true), (Outcome::Rectify, true), (Outcome::Accepted, false)]
        {
            let h = history(vec![attempt("M2", "2026-06-20", "2026-06-01", Some(outcome))]);
            let t = &h.tracks(d("2026-06-20"))[0];
            assert_eq!(t.mark.is_some(), marked, "{outcome:?}");
            assert!(!t.status.is_open(), "{outcome:?}");
        }
    }

    #[test]
    fn the_same_meeting_or_an_earlier_one_is_not_a_reapplication() {
        let h = history(vec![
            attempt("M1", "2026-03-10", "2026-03-01", None),
            attempt("M0", "2026-01-01", "2025-12-01", None),
        ]);
        assert_eq!(h.tracks(d("2026-05-01"))[0].status, Status::Open);
        let mut renamed = attempt("M2", "2026-07-15", "2026-06-30", None);
        renamed.code = "GL-YS-1-R".into();
        assert_eq!(history(vec![renamed.clone()]).tracks(d("2026-08-01"))[0].status, Status::Overdue);
        renamed.previous_code = Some("GL-YS-1".into());
        assert!(matches!(history(vec![renamed]).tracks(d("2026-08-01"))[0].status, Status::Reapplied { .. }));
    }

    fn unit_approval() -> Application {
        let mut a = approval("GL-LX-9", Money::from_yuan(500_000));
        a.unit = " 鼓楼区数据局".into();
        a
    }

    #[test]
    fn a_marked_unit_s_approval_is_blocked_until_cleared() {
        let profile = gulou();
        let mut h = history(vec![]);
        let mut findings = vec![];
        h.at("M9", d("2026-06-30")).judge(&profile, &unit_approval(), &mut findings);
        assert!(findings.is_empty(), "not overdue on the deadline: {findings:?}");
        h.at("M9", d("2026-07-01")).judge(&profile, &unit_approval(), &mut findings);
        assert_eq!(findings.len(), 1);
        assert_eq!((findings[0].rule.as_str(), findings[0].severity), ("rectification.held_back", Severity::Blocks));
        assert!(findings[0].article.contains("第二十三条") && findings[0].message.zh.contains("拒不整改"));
        let mut other = unit_approval();
        other.unit = "鼓楼区教育局".into();
        let mut none = vec![];
        h.at("M9", d("2026-07-01")).judge(&profile, &other, &mut none);
        assert!(none.is_empty());
        h.clearances.push(Clearance {
            event_id: "c1".into(),
            unit: "鼓楼区数据局".into(),
            clears: vec!["e1".into()],
            reason: "已完成整改并经现场复核".into(),
            by: "秘书处".into(),
            at: "2026-07-02T01:00:00Z".into(),
        });
        let mut cleared = vec![];
        h.at("M9", d("2026-07-02")).judge(&profile, &unit_approval(), &mut cleared);
        assert!(cleared.is_empty(), "{cleared:?}");
    }

    #[test]
    fn a_profile_without_the_rule_holds_nothing_back() {
        let mut profile = gulou();
        profile.rules.remove(crate::domain::profile::RuleKind::Rectification);
        let mut findings = vec![];
        history(vec![]).at("M9", d("2026-08-01")).judge(&profile, &unit_approval(), &mut findings);
        assert!(findings.is_empty());
    }

    #[test]
    fn a_reapplication_answers_its_order_and_is_not_late_by_the_window() {
        let profile = gulou();
        let mut app = unit_approval();
        app.kind = ApplicationKind::Acceptance;
        app.code = "GL-YS-1".into();
        app.acceptance_applied = Some(d("2026-06-30"));
        let mut findings = vec![Finding {
            rule: "acceptance.late".into(),
            severity: Severity::Warns,
            message: Text::new("晚", "late"),
            article: "第二十二条".into(),
        }];
        history(vec![]).at("M2", d("2026-07-15")).judge(&profile, &app, &mut findings);
        let rules: Vec<&str> = findings.iter().map(|f| f.rule.as_str()).collect();
        assert_eq!(rules, ["rectification.reapplication"]);
        assert!(findings[0].message.zh.contains("整改期限 2026-06-30"));
        app.acceptance_applied = Some(d("2026-07-01"));
        let mut findings = vec![];
        history(vec![]).at("M2", d("2026-07-15")).judge(&profile, &app, &mut findings);
        let rules: Vec<&str> = findings.iter().map(|f| f.rule.as_str()).collect();
        assert_eq!(rules, ["rectification.late", "rectification.reapplication"]);
    }
}
