//! The panel's aggregate of one application's score sheets (评分汇总).

use super::points::{Centi, Points};
use super::policy::AggregationRule;
use serde::{Deserialize, Serialize};

/// Which mean the aggregate is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    /// 去掉一个最高分和一个最低分后的平均分.
    TrimmedMean,
    /// Plain mean, when too few experts scored to trim.
    PlainMean,
}

impl Method {
    pub fn zh(self) -> &'static str {
        match self {
            Self::TrimmedMean => "去掉一个最高分和一个最低分后平均",
            Self::PlainMean => "算术平均（专家人数不足，未去高低分）",
        }
    }

    pub fn en(self) -> &'static str {
        match self {
            Self::TrimmedMean => "trimmed mean (highest and lowest dropped)",
            Self::PlainMean => "plain mean (too few experts to trim)",
        }
    }
}

/// The numbers a chair reads before deciding. All scores are in hundredths of a point.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Aggregate {
    pub n: usize,
    pub mean: Centi,
    pub median: Centi,
    pub trimmed_mean: Option<Centi>,
    pub method: Method,
    /// The aggregate the outcome is judged on: the trimmed mean, or the mean when not trimmed.
    pub value: Centi,
    pub min: Points,
    pub max: Points,
    pub range: Points,
    /// Population standard deviation (总体标准差) of the totals.
    pub std_dev: Centi,
    /// Experts whose total lies more than the divergence from the median.
    pub outliers: Vec<String>,
    pub veto_count: usize,
}

/// Aggregates `(expert, total, vetoes ticked)` entries; `None` when nobody has scored.
pub fn aggregate<K: AsRef<str>>(rule: &AggregationRule, entries: &[(K, Points, usize)]) -> Option<Aggregate> {
    let n = entries.len();
    if n == 0 {
        return None;
    }
    let mut totals: Vec<i64> = entries.iter().map(|(_, t, _)| t.centi()).collect();
    totals.sort_unstable();
    let sum: i64 = totals.iter().sum();
    let mean = Centi::ratio(sum, n as i64);
    let median = if n % 2 == 1 { Centi(totals[n / 2]) } else { Centi::ratio(totals[n / 2 - 1] + totals[n / 2], 2) };
    let trimmed_mean =
        (n >= rule.trim_min_experts && n >= 3).then(|| Centi::ratio(sum - totals[0] - totals[n - 1], n as i64 - 2));
    let (method, value) = match trimmed_mean {
        Some(t) => (Method::TrimmedMean, t),
        None => (Method::PlainMean, mean),
    };
    let min = entries.iter().map(|e| e.1).min().unwrap_or_default();
    let max = entries.iter().map(|e| e.1).max().unwrap_or_default();
    // Variance from exact integer sums; only the square root is inexact.
    let sq: i128 = totals.iter().map(|t| (*t as i128 * n as i128 - sum as i128).pow(2)).sum();
    let std_dev = Centi((sq as f64 / (n as f64).powi(3)).sqrt().round() as i64);
    let limit = rule.divergence_points.centi();
    let outliers = entries
        .iter()
        .filter(|(_, t, _)| (t.centi() - median.0).abs() > limit)
        .map(|(e, _, _)| e.as_ref().to_string())
        .collect();
    let veto_count = entries.iter().filter(|e| e.2 > 0).count();
    Some(Aggregate {
        n,
        mean,
        median,
        trimmed_mean,
        method,
        value,
        min,
        max,
        range: max.saturating_sub(min),
        std_dev,
        outliers,
        veto_count,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule() -> AggregationRule {
        AggregationRule {
            trim_min_experts: 5,
            divergence_points: Points::whole(15),
            quorum: None,
            article: String::new(),
        }
    }

    fn entries(totals: &[f64]) -> Vec<(String, Points, usize)> {
        totals.iter().enumerate().map(|(i, t)| (format!("专家{i}"), Points::from_f64(*t).unwrap(), 0)).collect()
    }

    #[test]
    fn five_experts_drop_highest_and_lowest() {
        let a = aggregate(&rule(), &entries(&[88.0, 76.5, 91.0, 60.0, 82.0])).unwrap();
        assert_eq!(a.method, Method::TrimmedMean);
        // (88 + 76.5 + 82) / 3 = 82.1666… → 82.17
        assert_eq!(a.value.to_string(), "82.17");
        assert_eq!(a.mean.to_string(), "79.50");
        assert_eq!(a.median.to_string(), "82.00");
        assert_eq!((a.min, a.max, a.range), (Points::whole(60), Points::whole(91), Points::whole(31)));
        // 60 is 22 from the median of 82.
        assert_eq!(a.outliers, vec!["专家3".to_string()]);
        // population sd of 88, 76.5, 91, 60, 82 = 10.9545…
        assert_eq!(a.std_dev.to_string(), "10.95");
    }

    #[test]
    fn four_experts_use_a_plain_mean() {
        let a = aggregate(&rule(), &entries(&[80.0, 81.5, 70.0, 90.0])).unwrap();
        assert_eq!(a.method, Method::PlainMean);
        assert_eq!(a.trimmed_mean, None);
        assert_eq!(a.value.to_string(), "80.38");
        // median of 70, 80, 81.5, 90 = 80.75
        assert_eq!(a.median.to_string(), "80.75");
        assert!(a.outliers.is_empty());
    }

    #[test]
    fn divergence_is_strictly_more_than_the_limit() {
        let a = aggregate(&rule(), &entries(&[80.0, 80.0, 65.0])).unwrap();
        assert!(a.outliers.is_empty(), "exactly 15 points away is not an outlier");
        let a = aggregate(&rule(), &entries(&[80.0, 80.0, 64.5])).unwrap();
        assert_eq!(a.outliers.len(), 1);
    }

    #[test]
    fn vetoes_are_counted_and_nobody_means_none() {
        let mut e = entries(&[90.0, 90.0]);
        e[1].2 = 2;
        assert_eq!(aggregate(&rule(), &e).unwrap().veto_count, 1);
        assert!(aggregate::<&str>(&rule(), &[]).is_none());
    }
}
