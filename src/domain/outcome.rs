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
}

impl Outcome {
    pub const ALL: [Outcome; 9] = [
        Self::Pass,
        Self::PassAfterRevision,
        Self::Fail,
        Self::ChangeApproved,
        Self::MustReapply,
        Self::ChangeRejected,
        Self::Accepted,
        Self::Rectify,
        Self::AcceptanceFailed,
    ];

    pub fn kind(self) -> ApplicationKind {
        match self {
            Self::Pass | Self::PassAfterRevision | Self::Fail => ApplicationKind::Approval,
            Self::ChangeApproved | Self::MustReapply | Self::ChangeRejected => ApplicationKind::Change,
            Self::Accepted | Self::Rectify | Self::AcceptanceFailed => ApplicationKind::Acceptance,
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
        }
    }

    /// Reads an id (`pass_after_revision`) or the Chinese label (`修改后通过`) for `kind`.
    pub fn parse(text: &str, kind: ApplicationKind) -> Option<Outcome> {
        let t = text.trim();
        Self::for_kind(kind).find(|o| o.id() == t.to_lowercase() || o.zh() == t)
    }
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
            if vetoed {
                Outcome::Fail
            } else if reaches(t.pass) && !blocked {
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
/// for the screens, the reports, and the check of a peer's decision on arrival.
pub fn assess(profile: &Profile, app: &super::Application, entries: &[(String, Points, usize)]) -> Assessment {
    assess_at(profile, app, entries, None)
}

/// [`assess`] at a meeting held on `meeting`, for the rules that count from it.
pub fn assess_at(
    profile: &Profile,
    app: &super::Application,
    entries: &[(String, Points, usize)],
    meeting: Option<chrono::NaiveDate>,
) -> Assessment {
    let findings = profile.evaluate_at(app, meeting);
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
        assert_eq!(
            suggest(&p, k, &agg(&[90, 90, 90], 0), &[blocks("approval.no_data_sharing")]),
            Outcome::PassAfterRevision
        );
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
    }
}
