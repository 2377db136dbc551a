//! Points on a score sheet, held in half points so that 7.5 is exact.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// A score in half-point steps (0.5 分). `Points::from_halves(15)` is 7.5 points.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Points(u32);

/// Why a text could not be read as points.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "分值“{input}”无效：请填写不小于 0、以 0.5 分为步长的数，如 8 或 7.5 / points “{input}” are not valid: give a number of 0 or more in half-point steps, like 8 or 7.5"
)]
pub struct PointsError {
    pub input: String,
}

impl Points {
    pub const ZERO: Points = Points(0);

    pub const fn from_halves(halves: u32) -> Self {
        Points(halves)
    }

    pub const fn whole(points: u32) -> Self {
        Points(points * 2)
    }

    pub const fn halves(self) -> u32 {
        self.0
    }

    /// Hundredths of a point, the unit aggregates are computed in.
    pub const fn centi(self) -> i64 {
        self.0 as i64 * 50
    }

    pub fn parse(input: &str) -> Result<Points, PointsError> {
        let err = || PointsError { input: input.to_string() };
        let t = input.trim();
        let (whole, frac) = t.split_once('.').unwrap_or((t, ""));
        if whole.is_empty() || !whole.chars().all(|c| c.is_ascii_digit()) || !frac.chars().all(|c| c.is_ascii_digit()) {
            return Err(err());
        }
        if t.contains('.') && frac.is_empty() {
            return Err(err());
        }
        let half = match frac.trim_end_matches('0') {
            "" => 0,
            "5" => 1,
            _ => return Err(err()),
        };
        let whole: u32 = whole.parse().map_err(|_| err())?;
        whole.checked_mul(2).and_then(|h| h.checked_add(half)).map(Points).ok_or_else(err)
    }

    /// Reads a TOML or JSON number (integer or float) in half-point steps.
    pub fn from_f64(value: f64) -> Option<Points> {
        let halves = value * 2.0;
        (value >= 0.0 && halves.fract() == 0.0 && halves <= u32::MAX as f64).then_some(Points(halves as u32))
    }

    pub fn checked_add(self, other: Points) -> Option<Points> {
        self.0.checked_add(other.0).map(Points)
    }

    pub fn saturating_sub(self, other: Points) -> Points {
        Points(self.0.saturating_sub(other.0))
    }
}

impl std::iter::Sum for Points {
    fn sum<I: Iterator<Item = Points>>(iter: I) -> Points {
        Points(iter.map(|p| p.0).sum())
    }
}

impl fmt::Display for Points {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_multiple_of(2) { write!(f, "{}", self.0 / 2) } else { write!(f, "{}.5", self.0 / 2) }
    }
}

impl Serialize for Points {
    /// As a number of points (7.5), so files stay readable.
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if self.0.is_multiple_of(2) { s.serialize_u32(self.0 / 2) } else { s.serialize_f64(self.0 as f64 / 2.0) }
    }
}

impl<'de> Deserialize<'de> for Points {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Points, D::Error> {
        // A visitor rather than an untagged enum: every score event holds a handful of these,
        // and an untagged enum buffers each one before trying its variants.
        struct V;
        fn bad<E: serde::de::Error>(shown: String) -> E {
            E::custom(PointsError { input: shown })
        }
        impl serde::de::Visitor<'_> for V {
            type Value = Points;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("points in half-point steps, like 8 or 7.5")
            }
            fn visit_u64<E: serde::de::Error>(self, n: u64) -> Result<Points, E> {
                u32::try_from(n).ok().and_then(|n| n.checked_mul(2)).map(Points).ok_or_else(|| bad(n.to_string()))
            }
            fn visit_i64<E: serde::de::Error>(self, n: i64) -> Result<Points, E> {
                u64::try_from(n).map_err(|_| bad(n.to_string())).and_then(|n| self.visit_u64(n))
            }
            fn visit_f64<E: serde::de::Error>(self, x: f64) -> Result<Points, E> {
                Points::from_f64(x).ok_or_else(|| bad(x.to_string()))
            }
            fn visit_str<E: serde::de::Error>(self, t: &str) -> Result<Points, E> {
                Points::parse(t).map_err(|_| bad(t.to_string()))
            }
        }
        d.deserialize_any(V)
    }
}

/// Hundredths of a point: the unit of means and medians, so that a shown `82.35` is the value compared.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Centi(pub i64);

impl Centi {
    /// `num / den` hundredths, rounded half away from zero.
    pub fn ratio(num: i64, den: i64) -> Centi {
        let q = (2 * num.abs() + den) / (2 * den);
        Centi(if num < 0 { -q } else { q })
    }

    pub fn as_f64(self) -> f64 {
        self.0 as f64 / 100.0
    }
}

impl fmt::Display for Centi {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        write!(f, "{sign}{}.{:02}", self.0.abs() / 100, self.0.abs() % 100)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_half_point_steps_only() {
        assert_eq!(Points::parse("7.5").unwrap(), Points::from_halves(15));
        assert_eq!(Points::parse("8").unwrap(), Points::whole(8));
        assert_eq!(Points::parse("8.0").unwrap(), Points::whole(8));
        assert_eq!(Points::parse("0").unwrap(), Points::ZERO);
        for bad in ["7.3", "-1", "", "abc", "7.", ".5", "7.25", "1e3"] {
            assert!(Points::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn serialises_as_readable_numbers() {
        assert_eq!(serde_json::to_string(&Points::from_halves(15)).unwrap(), "7.5");
        assert_eq!(serde_json::to_string(&Points::whole(8)).unwrap(), "8");
        let p: Points = serde_json::from_str("12.5").unwrap();
        assert_eq!(p.halves(), 25);
        assert!(serde_json::from_str::<Points>("12.3").is_err());
    }

    #[test]
    fn centi_rounds_half_away_from_zero() {
        assert_eq!(Centi::ratio(24_667, 3).to_string(), "82.22");
        assert_eq!(Centi::ratio(1, 2), Centi(1));
        assert_eq!(Centi::ratio(-1, 2), Centi(-1));
        assert_eq!(Centi(8235).to_string(), "82.35");
    }
}
