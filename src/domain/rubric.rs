//! Rubrics (评分表) and the score sheets experts fill in against them.

use super::application::ApplicationKind;
use super::points::Points;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// One criterion of a rubric, with its maximum in points.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Criterion {
    pub id: String,
    pub title_zh: String,
    pub title_en: String,
    pub max: Points,
    pub guidance_zh: String,
    pub guidance_en: String,
}

/// 一票否决: an item that blocks a pass whatever the score.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VetoItem {
    pub id: String,
    pub text_zh: String,
    pub text_en: String,
}

/// The score sheet template for one kind of application. Its maxima add up to 100.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rubric {
    pub id: String,
    pub kind: ApplicationKind,
    pub title_zh: String,
    pub title_en: String,
    pub criteria: Vec<Criterion>,
    #[serde(default)]
    pub vetoes: Vec<VetoItem>,
}

/// A rubric that cannot be used, with the field at fault.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RubricError {
    #[error("评分表没有评分项 / the rubric has no criteria")]
    NoCriteria,
    #[error("评分项满分合计 {0} 分，应为 100 分 / the criteria maxima add up to {0}, not 100")]
    NotHundred(Points),
    #[error("编号“{0}”重复 / id “{0}” appears twice")]
    DuplicateId(String),
    #[error(
        "编号“{0}”无效：只用小写字母、数字和下划线 / id “{0}” is not valid: use lower-case letters, digits and underscores"
    )]
    BadId(String),
    #[error("评分项“{0}”满分为 0 / criterion “{0}” has a maximum of 0")]
    ZeroMax(String),
}

impl Rubric {
    pub fn validate(&self) -> Result<(), RubricError> {
        if self.criteria.is_empty() {
            return Err(RubricError::NoCriteria);
        }
        let mut seen = BTreeSet::new();
        let ids = self.criteria.iter().map(|c| &c.id).chain(self.vetoes.iter().map(|v| &v.id));
        for id in ids {
            if id.is_empty() || !id.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_') {
                return Err(RubricError::BadId(id.clone()));
            }
            if !seen.insert(id) {
                return Err(RubricError::DuplicateId(id.clone()));
            }
        }
        if let Some(c) = self.criteria.iter().find(|c| c.max == Points::ZERO) {
            return Err(RubricError::ZeroMax(c.id.clone()));
        }
        let total: Points = self.criteria.iter().map(|c| c.max).sum();
        if total != Points::whole(100) {
            return Err(RubricError::NotHundred(total));
        }
        Ok(())
    }

    pub fn criterion(&self, id: &str) -> Option<&Criterion> {
        self.criteria.iter().find(|c| c.id == id)
    }

    pub fn veto(&self, id: &str) -> Option<&VetoItem> {
        self.vetoes.iter().find(|v| v.id == id)
    }
}

/// A ticked veto item with the expert's reason.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VetoMark {
    pub id: String,
    pub reason: String,
}

/// One expert's scores for one application (专家评分表).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct ScoreSheet {
    /// Points per criterion id.
    pub points: BTreeMap<String, Points>,
    /// Comment per criterion id; may be empty.
    #[serde(default)]
    pub comments: BTreeMap<String, String>,
    /// 总体意见
    #[serde(default)]
    pub opinion: String,
    #[serde(default)]
    pub vetoes: Vec<VetoMark>,
    /// 复核修改理由: why the expert revised a sheet that review flagged (畸高畸低, or a single
    /// criterion in strong disagreement). Left out of the signed form when empty, so sheets
    /// signed before it read and sign as they were.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub revision_reason: String,
}

/// A score sheet that does not fit its rubric.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SheetError {
    #[error("评分项“{title}”（{id}）未打分 / criterion “{id}” ({title_en}) has no score")]
    Unscored { id: String, title: String, title_en: String },
    #[error(
        "评分项“{title}”满分 {max} 分，给了 {given} 分：请给 0 到 {max} 分 / criterion “{id}” allows 0 to {max} points, not {given}"
    )]
    AboveMax { id: String, title: String, max: Points, given: Points },
    #[error("评分表中没有评分项“{0}” / the rubric has no criterion “{0}”")]
    UnknownCriterion(String),
    #[error("评分表中没有否决项“{0}” / the rubric has no veto item “{0}”")]
    UnknownVeto(String),
    #[error("否决项“{0}”必须写明理由 / veto item “{0}” needs a reason")]
    VetoWithoutReason(String),
    #[error("否决项“{0}”勾选了两次 / veto item “{0}” is ticked twice")]
    VetoTwice(String),
}

impl ScoreSheet {
    pub fn total(&self) -> Points {
        self.points.values().copied().sum()
    }

    /// Valid only if every criterion is scored within 0..=max and every veto is known and explained.
    pub fn validate(&self, rubric: &Rubric) -> Result<(), SheetError> {
        for id in self.points.keys().chain(self.comments.keys()) {
            if rubric.criterion(id).is_none() {
                return Err(SheetError::UnknownCriterion(id.clone()));
            }
        }
        for c in &rubric.criteria {
            let given = self.points.get(&c.id).copied().ok_or_else(|| SheetError::Unscored {
                id: c.id.clone(),
                title: c.title_zh.clone(),
                title_en: c.title_en.clone(),
            })?;
            if given > c.max {
                return Err(SheetError::AboveMax { id: c.id.clone(), title: c.title_zh.clone(), max: c.max, given });
            }
        }
        let mut seen = BTreeSet::new();
        for v in &self.vetoes {
            if rubric.veto(&v.id).is_none() {
                return Err(SheetError::UnknownVeto(v.id.clone()));
            }
            if v.reason.trim().is_empty() {
                return Err(SheetError::VetoWithoutReason(v.id.clone()));
            }
            if !seen.insert(&v.id) {
                return Err(SheetError::VetoTwice(v.id.clone()));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
pub(crate) mod fixtures {
    use super::*;

    /// A small rubric: 40 + 60 points, one veto.
    pub fn rubric() -> Rubric {
        let c = |id: &str, zh: &str, max| Criterion {
            id: id.into(),
            title_zh: zh.into(),
            title_en: id.into(),
            max: Points::whole(max),
            guidance_zh: String::new(),
            guidance_en: String::new(),
        };
        Rubric {
            id: "approval".into(),
            kind: ApplicationKind::Approval,
            title_zh: "立项评分表".into(),
            title_en: "Approval".into(),
            criteria: vec![c("necessity", "建设必要性", 40), c("technical", "技术方案", 60)],
            vetoes: vec![VetoItem {
                id: "no_data_sharing".into(),
                text_zh: "未编制数据共享章节".into(),
                text_en: "No data sharing".into(),
            }],
        }
    }

    pub fn sheet(necessity: u32, technical_halves: u32) -> ScoreSheet {
        let mut s = ScoreSheet::default();
        s.points.insert("necessity".into(), Points::whole(necessity));
        s.points.insert("technical".into(), Points::from_halves(technical_halves));
        s
    }
}

#[cfg(test)]
mod tests {
    use super::fixtures::*;
    use super::*;

    #[test]
    fn maxima_must_add_to_a_hundred() {
        let mut r = rubric();
        assert!(r.validate().is_ok());
        r.criteria[0].max = Points::from_halves(79);
        assert_eq!(r.validate(), Err(RubricError::NotHundred(Points::from_halves(199))));
        let mut r = rubric();
        r.criteria[1].id = "necessity".into();
        assert_eq!(r.validate(), Err(RubricError::DuplicateId("necessity".into())));
    }

    #[test]
    fn a_sheet_is_valid_only_within_each_maximum() {
        let r = rubric();
        assert!(sheet(40, 120).validate(&r).is_ok());
        assert!(sheet(0, 0).validate(&r).is_ok());
        let e = sheet(40, 121).validate(&r).unwrap_err();
        assert!(matches!(e, SheetError::AboveMax { .. }), "{e}");
        assert!(e.to_string().contains("60.5"));
        let mut s = sheet(10, 10);
        s.points.remove("technical");
        assert!(matches!(s.validate(&r), Err(SheetError::Unscored { .. })));
        let mut s = sheet(10, 10);
        s.vetoes.push(VetoMark { id: "no_data_sharing".into(), reason: " ".into() });
        assert_eq!(s.validate(&r), Err(SheetError::VetoWithoutReason("no_data_sharing".into())));
        assert_eq!(sheet(10, 15).total(), Points::from_halves(35));
    }
}
