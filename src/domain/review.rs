//! Score review before the decision (复核): the sheets of one application checked against each
//! other, so that the chair takes the disputed ones first and their experts look again.
//!
//! Totals far from the others' median (畸高畸低) are the aggregate's outliers
//! ([`super::aggregate`]). Here: strong disagreement on a single criterion. Arithmetic needs no
//! check here: every sheet is checked against its rubric when it is signed and again when a peer
//! receives it (each criterion within its band, the total their sum).

use super::points::Points;
use super::rubric::{Rubric, ScoreSheet};
use serde::Serialize;

/// A criterion on which the sheets span more than this share of its maximum, in percent, is
/// flagged (评审通行做法，非法规条文: half the band means the experts read the application in
/// opposite ways, not that they weigh it differently).
pub const DISAGREEMENT_PERCENT: u32 = 50;

/// 单项分歧: on one criterion, the lowest and the highest points given, and by whom.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Disagreement {
    pub criterion: String,
    pub title_zh: String,
    pub title_en: String,
    pub max: Points,
    pub low: Points,
    pub low_by: Vec<String>,
    pub high: Points,
    pub high_by: Vec<String>,
}

/// The criteria of `rubric` on which `sheets` (expert name, sheet) span more than
/// [`DISAGREEMENT_PERCENT`] of the criterion's maximum, in rubric order. Fewer than two sheets
/// cannot disagree.
pub fn disagreements(rubric: &Rubric, sheets: &[(String, &ScoreSheet)]) -> Vec<Disagreement> {
    if sheets.len() < 2 {
        return vec![];
    }
    let mut out = Vec::new();
    for c in &rubric.criteria {
        let given: Vec<(&str, Points)> =
            sheets.iter().filter_map(|(who, s)| s.points.get(&c.id).map(|p| (who.as_str(), *p))).collect();
        let (Some(low), Some(high)) = (given.iter().map(|g| g.1).min(), given.iter().map(|g| g.1).max()) else {
            continue;
        };
        // In half points: span × 100 > max × percent, so that exactly half is not flagged.
        if u64::from(high.halves() - low.halves()) * 100 <= u64::from(c.max.halves()) * u64::from(DISAGREEMENT_PERCENT)
        {
            continue;
        }
        let by = |p: Points| given.iter().filter(|g| g.1 == p).map(|g| g.0.to_string()).collect();
        out.push(Disagreement {
            criterion: c.id.clone(),
            title_zh: c.title_zh.clone(),
            title_en: c.title_en.clone(),
            max: c.max,
            low,
            low_by: by(low),
            high,
            high_by: by(high),
        });
    }
    out
}

/// Why review flags one expert's sheet, if it does: a total far from the median (`outlier`),
/// or a criterion on which they gave the lowest or the highest points in a strong disagreement.
pub fn flag(name: &str, outlier: bool, divergence: Points, split: &[Disagreement]) -> Option<super::text::Text> {
    let mut zh = Vec::new();
    let mut en = Vec::new();
    if outlier {
        zh.push(format!("总分偏离中位数超过 {divergence} 分（畸高畸低）"));
        en.push(format!("the total lies more than {divergence} points from the median"));
    }
    for d in split.iter().filter(|d| d.low_by.iter().chain(&d.high_by).any(|n| n == name)) {
        zh.push(format!("{}与其他专家相差超过该项满分一半", d.title_zh));
        en.push(format!("{} differs from the others by more than half its maximum", d.title_en));
    }
    (!zh.is_empty()).then(|| super::text::Text::new(zh.join("；"), en.join("; ")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sheet(points: &[(&str, u32)]) -> ScoreSheet {
        let mut s = ScoreSheet::default();
        for (id, halves) in points {
            s.points.insert(id.to_string(), Points::from_halves(*halves));
        }
        s
    }

    #[test]
    fn more_than_half_the_band_apart_is_flagged_and_exactly_half_is_not() {
        let rubric = crate::assets::rubric(crate::domain::ApplicationKind::Approval).unwrap();
        // technical: max 20 points. 8 and 18 are 10 apart (exactly half): not flagged.
        let a = sheet(&[("technical", 16)]);
        let b = sheet(&[("technical", 36)]);
        assert!(disagreements(&rubric, &[("李明".into(), &a), ("张华".into(), &b)]).is_empty());
        // 7.5 and 18: 10.5 apart, over half.
        let c = sheet(&[("technical", 15)]);
        let found = disagreements(&rubric, &[("李明".into(), &c), ("张华".into(), &b), ("陈静".into(), &b)]);
        assert_eq!(found.len(), 1);
        let d = &found[0];
        assert_eq!((d.criterion.as_str(), d.low, d.high), ("technical", Points::from_halves(15), Points::whole(18)));
        assert_eq!(
            (d.low_by.clone(), d.high_by.clone()),
            (vec!["李明".to_string()], vec!["张华".into(), "陈静".into()])
        );
        assert!(disagreements(&rubric, &[("李明".into(), &c)]).is_empty(), "one sheet cannot disagree");
    }
}
