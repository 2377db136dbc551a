//! The panel's conclusions (评审结论) and the outcome the numbers suggest.

use super::aggregate::Aggregate;
use super::application::ApplicationKind;
use super::points::Points;
use super::policy::{Finding, Profile, Severity};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::fmt;

/// A conclusion; each belongs to exactly one kind of application.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// 通过
    Pass,
    /// 修改后通过
    PassAfterRevision,
    /// 不通过
    Fail,
    /// 同意变更
    ChangeApproved,
    /// 须重新立项 (overrun at or above the threshold, 第二十条)
    MustReapply,
    /// 不同意
    ChangeRejected,
    /// 通过验收
    Accepted,
    /// 限期整改 (rectify by a deadline, 第二十三条)
    Rectify,
    /// 不通过 (acceptance failed)
    AcceptanceFailed,
    /// 同意 (O&M budget approved as asked; review practice, not a regulation)
    MaintenanceApproved,
    /// 核减后同意 (O&M approved with the budget cut; review practice)
    MaintenanceReduced,
    /// 不同意 (O&M rejected)
    MaintenanceRejected,
}

impl Outcome {
    pub const ALL: [Outcome; 12] = [
        Self::Pass,
        Self::PassAfterRevision,
        Self::Fail,
        Self::ChangeApproved,
        Self::MustReapply,
        Self::ChangeRejected,
        Self::Accepted,
        Self::Rectify,
        Self::AcceptanceFailed,
        Self::MaintenanceApproved,
        Self::MaintenanceReduced,
        Self::MaintenanceRejected,
    ];

    pub fn kind(self) -> ApplicationKind {
        match self {
            Self::Pass | Self::PassAfterRevision | Self::Fail => ApplicationKind::Approval,
            Self::ChangeApproved | Self::MustReapply | Self::ChangeRejected => ApplicationKind::Change,
            Self::Accepted | Self::Rectify | Self::AcceptanceFailed => ApplicationKind::Acceptance,
            Self::MaintenanceApproved | Self::MaintenanceReduced | Self::MaintenanceRejected => {
                ApplicationKind::Maintenance
            }
        }
    }

    /// The outcomes a panel may record for an application of `kind`, best first.
    pub fn for_kind(kind: ApplicationKind) -> impl Iterator<Item = Outcome> {
        Self::ALL.into_iter().filter(move |o| o.kind() == kind)
    }

    pub fn id(self) -> &'static str {
        match self {
            Self::Pass => "pass",
            Self::PassAfterRevision => "pass_after_revision",
            Self::Fail => "fail",
            Self::ChangeApproved => "change_approved",
            Self::MustReapply => "must_reapply",
            Self::ChangeRejected => "change_rejected",
            Self::Accepted => "accepted",
            Self::Rectify => "rectify",
            Self::AcceptanceFailed => "acceptance_failed",
            Self::MaintenanceApproved => "maintenance_approved",
            Self::MaintenanceReduced => "maintenance_reduced",
            Self::MaintenanceRejected => "maintenance_rejected",
        }
    }

    pub fn zh(self) -> &'static str {
        match self {
            Self::Pass => "通过",
            Self::PassAfterRevision => "修改后通过",
            Self::Fail => "不通过",
            Self::ChangeApproved => "同意变更",
            Self::MustReapply => "须重新立项",
            Self::ChangeRejected => "不同意",
            Self::Accepted => "通过验收",
            Self::Rectify => "限期整改",
            Self::AcceptanceFailed => "不通过",
            Self::MaintenanceApproved => "同意",
            Self::MaintenanceReduced => "核减后同意",
            Self::MaintenanceRejected => "不同意",
        }
    }

    pub fn en(self) -> &'static str {
        match self {
            Self::Pass => "pass",
            Self::PassAfterRevision => "pass after revision",
            Self::Fail => "fail",
            Self::ChangeApproved => "change approved",
            Self::MustReapply => "must re-apply",
            Self::ChangeRejected => "rejected",
            Self::Accepted => "accepted",
            Self::Rectify => "rectify by a deadline",
            Self::AcceptanceFailed => "failed",
            Self::MaintenanceApproved => "approved",
            Self::MaintenanceReduced => "approved with the budget cut",
            Self::MaintenanceRejected => "rejected",
        }
    }

    /// Reads an id (`pass_after_revision`) or the Chinese label (`修改后通过`) for `kind`.
    pub fn parse(text: &str, kind: ApplicationKind) -> Option<Outcome> {
        let t = text.trim();
        Self::for_kind(kind).find(|o| o.id() == t.to_lowercase() || o.zh() == t)
    }

    /// Whether this outcome lets the application through: 通过 and 修改后通过, 同意变更, 通过验收,
    /// 同意 and 核减后同意 (运维). A blocking finding or a veto rules these out (see [`lawful`]).
    pub fn passes(self) -> bool {
        matches!(
            self,
            Self::Pass
                | Self::PassAfterRevision
                | Self::ChangeApproved
                | Self::Accepted
                | Self::MaintenanceApproved
                | Self::MaintenanceReduced
        )
    }
}

/// An outcome the rules forbid for one application, with why, in both languages.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Forbidden {
    pub outcome: Outcome,
    pub why: super::text::Text,
}

/// The outcomes of `kind` the chair may record, in order, and those the rules forbid, with why.
///
/// A finding that blocks (阻断: a ≥10% overrun, 第二十条; no data-sharing section, 第二十八条; a
/// trial under three months, 第二十二条) or a veto ticked by an expert (一票否决) rules out every
/// outcome that lets the application through ([`Outcome::passes`]), whatever the score or the
/// reason given. `decide` and the screens' decision picker both ask this one function.
pub fn lawful(kind: ApplicationKind, findings: &[Finding], vetoes: usize) -> (Vec<Outcome>, Vec<Forbidden>) {
    let blocking: Vec<&Finding> = findings.iter().filter(|f| f.severity == Severity::Blocks).collect();
    let mut zh: Vec<String> = blocking.iter().map(|f| format!("{}（{}）", f.message.zh, f.article)).collect();
    let mut en: Vec<String> = blocking.iter().map(|f| format!("{} ({})", f.message.en, f.article)).collect();
    if vetoes > 0 {
        zh.push(format!("{vetoes} 位专家勾选了否决项（一票否决）"));
        en.push(format!("{vetoes} expert(s) ticked a veto item"));
    }
    let (mut allowed, mut forbidden) = (Vec::new(), Vec::new());
    for o in Outcome::for_kind(kind) {
        if o.passes() && !zh.is_empty() {
            forbidden.push(Forbidden {
                outcome: o,
                why: super::text::Text::new(
                    format!("不能选“{}”：{}", o.zh(), zh.join("；")),
                    format!("“{}” is not possible: {}", o.en(), en.join("; ")),
                ),
            });
        } else {
            allowed.push(o);
        }
    }
    (allowed, forbidden)
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.zh())
    }
}

/// The outcome the profile's thresholds suggest, given the aggregate, vetoes and findings.
pub fn suggest(profile: &Profile, kind: ApplicationKind, aggregate: &Aggregate, findings: &[Finding]) -> Outcome {
    let score = aggregate.value;
    let reaches = |p: Points| score.0 >= p.centi();
    let vetoed = aggregate.veto_count > 0;
    let blocked = findings.iter().any(|f| f.severity == Severity::Blocks);
    match kind {
        ApplicationKind::Approval => {
            let t = &profile.outcomes.approval;
            // A blocking finding blocks a pass as a veto does (第二十八条: no data-sharing section).
            if vetoed || blocked {
                Outcome::Fail
            } else if reaches(t.pass) {
                Outcome::Pass
            } else if reaches(t.revise) {
                Outcome::PassAfterRevision
            } else {
                Outcome::Fail
            }
        }
        ApplicationKind::Change => {
            if findings.iter().any(|f| f.rule == "change.reapply") {
                Outcome::MustReapply
            } else if !vetoed && !blocked && reaches(profile.outcomes.change.approve) {
                Outcome::ChangeApproved
            } else {
                Outcome::ChangeRejected
            }
        }
        ApplicationKind::Acceptance => {
            let t = &profile.outcomes.acceptance;
            if vetoed {
                Outcome::AcceptanceFailed
            } else if reaches(t.accept) && !blocked {
                Outcome::Accepted
            } else if reaches(t.rectify) {
                Outcome::Rectify
            } else {
                Outcome::AcceptanceFailed
            }
        }
        ApplicationKind::Maintenance => {
            let t = profile.outcomes.maintenance();
            // A blocking finding (未经验收不得投入正式运行, 第二十三条) blocks an approval as a veto does.
            if vetoed || blocked {
                Outcome::MaintenanceRejected
            } else if reaches(t.approve) {
                Outcome::MaintenanceApproved
            } else if reaches(t.reduce) {
                Outcome::MaintenanceReduced
            } else {
                Outcome::MaintenanceRejected
            }
        }
    }
}

/// What the numbers say about one application: the findings, the aggregate of the sheets given,
/// and the outcome they suggest.
#[derive(Clone, Debug, PartialEq)]
pub struct Assessment {
    pub findings: Vec<Finding>,
    pub aggregate: Option<Aggregate>,
    pub suggested: Option<Outcome>,
}

/// Assesses `app` under `profile` from `(expert, total, vetoes ticked)` entries: one function
/// for the screens, the reports, and the check of a peer's decision on arrival. `meeting_date`
/// is the meeting's date, which an acceptance application's dates and the rules that count
/// from the meeting (working days since receipt) are checked against.
pub fn assess(
    profile: &Profile,
    app: &super::Application,
    meeting_date: Option<NaiveDate>,
    entries: &[(impl AsRef<str>, Points, usize)],
) -> Assessment {
    let mut findings = profile.evaluate_at(app, meeting_date);
    // The order of an acceptance's dates is cited to the profile's trial-operation article where
    // it sets one; a text without one gets the check under its plain name, not a borrowed article.
    let article = profile
        .rules
        .get(super::profile::RuleKind::TrialOperation)
        .map(|r| r.cite().article.to_string())
        .unwrap_or_else(|| "日期先后核对 / date order".to_string());
    findings.extend(super::dates::acceptance_order(app, meeting_date, &article));
    findings.sort_by_key(|f| f.severity);
    let aggregate = super::aggregate::aggregate(&profile.aggregation, entries);
    let suggested = aggregate.as_ref().map(|g| suggest(profile, app.kind, g, &findings));
    Assessment { findings, aggregate, suggested }
}

/// What the chair records for one application (专家组结论).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Decision {
    pub outcome: Outcome,
    /// The outcome the numbers suggested when the chair decided.
    pub suggested: Outcome,
    /// A/B/C class, approval only.
    pub plan_class: Option<super::application::PlanClass>,
    /// 整改期限, required for 限期整改.
    pub rectification_deadline: Option<NaiveDate>,
    #[serde(default)]
    pub conditions: String,
    #[serde(default)]
    pub opinion: String,
    /// Why the panel departs from the suggestion; required when it does.
    pub override_reason: Option<String>,
}

/// A decision that cannot be recorded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecisionError {
    #[error(
        "结论“{outcome}”不适用于{kind}申报，可选：{allowed} / outcome “{outcome_en}” does not apply to a {kind_en} application; choose one of: {allowed_en}"
    )]
    WrongKind {
        outcome: &'static str,
        outcome_en: &'static str,
        kind: ApplicationKind,
        kind_en: &'static str,
        allowed: String,
        allowed_en: String,
    },
    #[error("限期整改必须给出整改期限（--deadline YYYY-MM-DD） / rectify needs a deadline (--deadline YYYY-MM-DD)")]
    NoDeadline,
    #[error(
        "整改期限 {deadline} 必须晚于会议日期 {meeting} / the deadline {deadline} must fall after the meeting date {meeting}"
    )]
    DeadlineNotAfterMeeting { deadline: NaiveDate, meeting: NaiveDate },
    #[error("只有限期整改才有整改期限 / only rectify takes a deadline")]
    DeadlineWithoutRectify,
    #[error("只有立项申报才有 A/B/C 分类 / only an approval application takes an A/B/C class")]
    ClassNotApproval,
    #[error(
        "核减后同意须在附加条件中写明核定的运维费用和核减理由（--conditions） / approving with the budget cut needs the approved O&M amount and why it was cut in the conditions (--conditions)"
    )]
    ReducedWithoutConditions,
    #[error(
        "结论“{chosen}”与建议结论“{suggested}”不同，须说明理由（--override-reason） / the outcome differs from the suggested “{suggested_en}”: give a reason (--override-reason)"
    )]
    OverrideWithoutReason { chosen: &'static str, suggested: &'static str, suggested_en: &'static str },
}

/// Eligible experts (on the panel, not recused) whose sheet for the application as it stands
/// is missing: the warning a decision needs acknowledged first. The CLI refuses `decide`
/// without `--partial` with it; the screens show [`MissingSheets::warning`] and ask for an
/// explicit acknowledgment, so both say the same.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{}。请等待，或加 --partial 按已提交的评分决定 / {}. Wait, or add --partial to decide on the scores submitted",
    self.warning().zh,
    self.warning().en
)]
pub struct MissingSheets {
    /// The application's project code.
    pub code: String,
    /// The experts still to submit, by name, in panel order.
    pub names: Vec<String>,
}

impl MissingSheets {
    /// Who has not submitted, in Chinese and English: "GL-1 还有专家未提交评分：李明、王芳" /
    /// "experts have not yet scored GL-1: 李明, 王芳".
    pub fn warning(&self) -> super::text::Text {
        super::text::Text::new(
            format!("{} 还有专家未提交评分：{}", self.code, self.names.join("、")),
            format!("experts have not yet scored {}: {}", self.code, self.names.join(", ")),
        )
    }
}

impl Decision {
    pub fn validate(&self, kind: ApplicationKind, meeting_date: NaiveDate) -> Result<(), DecisionError> {
        if self.outcome.kind() != kind {
            return Err(DecisionError::WrongKind {
                outcome: self.outcome.zh(),
                outcome_en: self.outcome.en(),
                kind,
                kind_en: kind.en(),
                allowed: Outcome::for_kind(kind)
                    .map(|o| format!("{}（{}）", o.zh(), o.id()))
                    .collect::<Vec<_>>()
                    .join("、"),
                allowed_en: Outcome::for_kind(kind).map(|o| o.id()).collect::<Vec<_>>().join(", "),
            });
        }
        match (self.outcome, self.rectification_deadline) {
            (Outcome::Rectify, None) => return Err(DecisionError::NoDeadline),
            (Outcome::Rectify, Some(d)) if d <= meeting_date => {
                return Err(DecisionError::DeadlineNotAfterMeeting { deadline: d, meeting: meeting_date });
            }
            (o, Some(_)) if o != Outcome::Rectify => return Err(DecisionError::DeadlineWithoutRectify),
            _ => {}
        }
        if self.plan_class.is_some() && kind != ApplicationKind::Approval {
            return Err(DecisionError::ClassNotApproval);
        }
        if self.outcome == Outcome::MaintenanceReduced && self.conditions.trim().is_empty() {
            return Err(DecisionError::ReducedWithoutConditions);
        }
        let has_reason = self.override_reason.as_deref().is_some_and(|r| !r.trim().is_empty());
        if self.outcome != self.suggested && !has_reason {
            return Err(DecisionError::OverrideWithoutReason {
                chosen: self.outcome.zh(),
                suggested: self.suggested.zh(),
                suggested_en: self.suggested.en(),
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::aggregate::aggregate;
    use crate::domain::policy::fixtures::gulou;

    fn agg(totals: &[u32], vetoes: usize) -> Aggregate {
        let entries: Vec<_> = totals
            .iter()
            .enumerate()
            .map(|(i, t)| (format!("e{i}"), Points::whole(*t), usize::from(i < vetoes)))
            .collect();
        aggregate(&gulou().aggregation, &entries).unwrap()
    }

    fn blocks(rule: &str) -> Finding {
        Finding {
            rule: rule.into(),
            severity: Severity::Blocks,
            message: crate::domain::text::Text::new("", ""),
            article: String::new(),
        }
    }

    #[test]
    fn approval_suggestions_follow_thresholds_and_blocks() {
        let p = gulou();
        let k = ApplicationKind::Approval;
        assert_eq!(suggest(&p, k, &agg(&[80, 80, 80], 0), &[]), Outcome::Pass);
        assert_eq!(suggest(&p, k, &agg(&[80, 80, 79], 0), &[]), Outcome::PassAfterRevision);
        // A missing data-sharing section blocks a pass as an expert's veto of it does.
        assert_eq!(suggest(&p, k, &agg(&[90, 90, 90], 0), &[blocks("approval.no_data_sharing")]), Outcome::Fail);
        assert_eq!(suggest(&p, k, &agg(&[65, 65, 65], 0), &[blocks("approval.no_data_sharing")]), Outcome::Fail);
        assert_eq!(suggest(&p, k, &agg(&[90, 90, 90], 1), &[]), Outcome::Fail);
        assert_eq!(suggest(&p, k, &agg(&[59, 60, 60], 0), &[]), Outcome::Fail);
    }

    #[test]
    fn change_and_acceptance_suggestions() {
        let p = gulou();
        assert_eq!(
            suggest(&p, ApplicationKind::Change, &agg(&[95; 3], 0), &[blocks("change.reapply")]),
            Outcome::MustReapply
        );
        assert_eq!(suggest(&p, ApplicationKind::Change, &agg(&[70; 3], 0), &[]), Outcome::ChangeApproved);
        assert_eq!(suggest(&p, ApplicationKind::Change, &agg(&[69; 3], 0), &[]), Outcome::ChangeRejected);
        let k = ApplicationKind::Acceptance;
        assert_eq!(suggest(&p, k, &agg(&[85; 3], 0), &[]), Outcome::Accepted);
        assert_eq!(suggest(&p, k, &agg(&[85; 3], 0), &[blocks("acceptance.trial_short")]), Outcome::Rectify);
        assert_eq!(suggest(&p, k, &agg(&[50; 3], 0), &[]), Outcome::AcceptanceFailed);
    }

    #[test]
    fn o_and_m_suggestions_follow_the_practice_thresholds() {
        // 评审通行做法（非法规条文）: 80 and up 同意, 60 and up 核减后同意, below 不同意.
        let p = gulou();
        let k = ApplicationKind::Maintenance;
        assert_eq!(suggest(&p, k, &agg(&[80; 3], 0), &[]), Outcome::MaintenanceApproved);
        assert_eq!(suggest(&p, k, &agg(&[80, 80, 79], 0), &[]), Outcome::MaintenanceReduced);
        assert_eq!(suggest(&p, k, &agg(&[60; 3], 0), &[]), Outcome::MaintenanceReduced);
        assert_eq!(suggest(&p, k, &agg(&[59, 60, 60], 0), &[]), Outcome::MaintenanceRejected);
        assert_eq!(suggest(&p, k, &agg(&[95; 3], 1), &[]), Outcome::MaintenanceRejected);
        assert_eq!(
            suggest(&p, k, &agg(&[95; 3], 0), &[blocks("maintenance.not_accepted")]),
            Outcome::MaintenanceRejected
        );
        assert_eq!(
            lawful_ids(k, &[blocks("maintenance.not_accepted")], 0),
            ["maintenance_rejected"],
            "未经验收不得投入正式运行 rules out both approvals"
        );
        assert_eq!(Outcome::parse("核减后同意", k), Some(Outcome::MaintenanceReduced));
        assert_eq!(Outcome::parse("不同意", k), Some(Outcome::MaintenanceRejected));
        assert_eq!(Outcome::parse("同意变更", k), None);
    }

    fn lawful_ids(kind: ApplicationKind, findings: &[Finding], vetoes: usize) -> Vec<&'static str> {
        lawful(kind, findings, vetoes).0.into_iter().map(Outcome::id).collect()
    }

    #[test]
    fn the_law_rules_out_a_pass_where_a_rule_blocks_or_an_expert_vetoes() {
        let (a, c, y) = (ApplicationKind::Approval, ApplicationKind::Change, ApplicationKind::Acceptance);
        // Nothing blocks: every outcome of the kind is open.
        assert_eq!(lawful_ids(a, &[], 0), ["pass", "pass_after_revision", "fail"]);
        assert_eq!(lawful_ids(c, &[], 0), ["change_approved", "must_reapply", "change_rejected"]);
        // ≥10% overrun (第二十条): no 同意变更.
        let mut reapply = blocks("change.reapply");
        reapply.article = "第二十条".into();
        assert_eq!(lawful_ids(c, &[reapply.clone()], 0), ["must_reapply", "change_rejected"]);
        let (_, forbidden) = lawful(c, &[reapply], 0);
        assert_eq!(forbidden[0].outcome, Outcome::ChangeApproved);
        assert!(forbidden[0].why.zh.contains("第二十条") && forbidden[0].why.en.contains("第二十条"), "{forbidden:?}");
        // No data-sharing section (第二十八条), from intake or as a veto: neither pass is open.
        assert_eq!(lawful_ids(a, &[blocks("approval.no_data_sharing")], 0), ["fail"]);
        assert_eq!(lawful_ids(a, &[], 1), ["fail"]);
        assert!(lawful(a, &[], 1).1[0].why.zh.contains("否决"));
        // A warning does not close anything.
        let mut warns = blocks("supervision.missing");
        warns.severity = Severity::Warns;
        assert_eq!(lawful_ids(a, &[warns], 0).len(), 3);
        // Acceptance with a blocking finding: no 通过验收, rectify stays open.
        assert_eq!(lawful_ids(y, &[blocks("acceptance.trial_short")], 0), ["rectify", "acceptance_failed"]);
    }

    #[test]
    fn every_suggestion_is_lawful() {
        let p = gulou();
        for kind in ApplicationKind::ALL {
            for f in [vec![], vec![blocks("x")]] {
                for totals in [[95u32; 3], [75; 3], [65; 3], [30; 3]] {
                    for vetoes in [0, 1] {
                        let s = suggest(&p, kind, &agg(&totals, vetoes), &f);
                        assert!(lawful(kind, &f, vetoes).0.contains(&s), "{kind:?} {totals:?} {vetoes} {s:?}");
                    }
                }
            }
        }
    }

    fn decision(outcome: Outcome, suggested: Outcome) -> Decision {
        Decision {
            outcome,
            suggested,
            plan_class: None,
            rectification_deadline: None,
            conditions: String::new(),
            opinion: String::new(),
            override_reason: None,
        }
    }

    #[test]
    fn decisions_check_kind_deadline_and_override() {
        let day = NaiveDate::from_ymd_opt(2026, 11, 20).unwrap();
        let k = ApplicationKind::Acceptance;
        assert!(matches!(
            decision(Outcome::Pass, Outcome::Pass).validate(k, day),
            Err(DecisionError::WrongKind { .. })
        ));
        assert_eq!(decision(Outcome::Rectify, Outcome::Rectify).validate(k, day), Err(DecisionError::NoDeadline));
        let mut d = decision(Outcome::Rectify, Outcome::Rectify);
        d.rectification_deadline = Some(day);
        assert!(matches!(d.validate(k, day), Err(DecisionError::DeadlineNotAfterMeeting { .. })));
        d.rectification_deadline = day.succ_opt();
        assert!(d.validate(k, day).is_ok());
        let mut d = decision(Outcome::Accepted, Outcome::Rectify);
        assert!(matches!(d.validate(k, day), Err(DecisionError::OverrideWithoutReason { .. })));
        d.override_reason = Some("试运行记录已补充完整".into());
        assert!(d.validate(k, day).is_ok());
        assert_eq!(Outcome::parse("修改后通过", ApplicationKind::Approval), Some(Outcome::PassAfterRevision));
        assert_eq!(Outcome::parse("不通过", ApplicationKind::Acceptance), Some(Outcome::AcceptanceFailed));
        assert_eq!(Outcome::parse("pass", ApplicationKind::Change), None);
        let m = ApplicationKind::Maintenance;
        let mut d = decision(Outcome::MaintenanceReduced, Outcome::MaintenanceReduced);
        assert_eq!(d.validate(m, day), Err(DecisionError::ReducedWithoutConditions));
        d.conditions = "核定运维费用 42.00 万元（核减 6.00 万元：驻场人员按 2 人计）".into();
        assert_eq!(d.validate(m, day), Ok(()));
        assert!(matches!(
            decision(Outcome::MaintenanceApproved, Outcome::MaintenanceApproved).validate(k, day),
            Err(DecisionError::WrongKind { .. })
        ));
    }
}
