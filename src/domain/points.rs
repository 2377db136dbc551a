//! Points on a score sheet, held in half points so that 7.5 is exact.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// A score in half-point steps (0.5 分). `Points::from_halves(15)` is 7.5 points.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Points(u32);

/// Why a text could not be read as points.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.message())]
pub struct PointsError {
    /// The text as given.
    pub input: String,
    pub kind: PointsErrorKind,
}

/// What is wrong with a text given as points.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PointsErrorKind {
    /// Not a number of 0 or more at all (`abc`, `-1`, `7.`, `1e3`), or too large.
    NotANumber,
    /// A number, but not a whole or half point (`0.2`, `0.25`, `7.3`).
    NotHalfStep,
}

impl PointsError {
    fn new(input: &str, kind: PointsErrorKind) -> Self {
        PointsError { input: input.to_string(), kind }
    }

    /// Whether the text is a number, only not a whole or half point (`7.3`, `0.25`).
    pub fn not_half_step(&self) -> bool {
        self.kind == PointsErrorKind::NotHalfStep
    }

    /// What is wrong and what to write instead, in Chinese and English.
    fn message(&self) -> String {
        let input = crate::domain::text::printable(&self.input);
        match self.kind {
            PointsErrorKind::NotANumber => format!(
                "分值“{input}”无效：请填写不小于 0、以 0.5 分为步长的数，如 8 或 7.5 / points “{input}” are not valid: give a number of 0 or more in half-point steps, like 8 or 7.5"
            ),
            PointsErrorKind::NotHalfStep => format!(
                "分值“{input}”无效：只能填写整数或半分（如 7 或 7.5） / points “{input}” are not valid: only whole or half points (like 7 or 7.5)"
            ),
        }
    }
}

/// The text with the digits and points a Chinese input method types (full-width `０`–`９`, the
/// full-width point `．`, the ideographic full stop `。`) read as ASCII. `。` is taken as a point
/// only because a value of points holds nothing but digits and one point: between two digits it
/// has no other reading, and the number rules below refuse it anywhere else.
fn ascii_digits(t: &str) -> std::borrow::Cow<'_, str> {
    if t.is_ascii() {
        return std::borrow::Cow::Borrowed(t);
    }
    std::borrow::Cow::Owned(t.chars().map(ascii_char).collect())
}

/// One character as [`Points::parse`] reads it: a full-width digit or point as its ASCII form,
/// anything else as it is. For input that checks points as they are typed.
pub fn ascii_char(c: char) -> char {
    match c {
        '０'..='９' => char::from_digit(c as u32 - '０' as u32, 10).unwrap_or(c),
        '．' | '。' => '.',
        other => other,
    }
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

    /// Reads points as typed: `8`, `7.5`, `8.0`; full-width digits and points as a Chinese input
    /// method types them (`７．５`) too. A number that is not a whole or half point (`7.3`,
    /// `0.25`) gets its own error ([`PointsError::not_half_step`]), never a rounded value.
    pub fn parse(input: &str) -> Result<Points, PointsError> {
        let not_a_number = || PointsError::new(input, PointsErrorKind::NotANumber);
        let t = ascii_digits(input.trim());
        let t = t.as_ref();
        let (whole, frac) = t.split_once('.').unwrap_or((t, ""));
        if whole.is_empty() || !whole.chars().all(|c| c.is_ascii_digit()) || !frac.chars().all(|c| c.is_ascii_digit()) {
            return Err(not_a_number());
        }
        if t.contains('.') && frac.is_empty() {
            return Err(not_a_number());
        }
        let half = match frac.trim_end_matches('0') {
            "" => 0,
            "5" => 1,
            _ => return Err(PointsError::new(input, PointsErrorKind::NotHalfStep)),
        };
        let whole: u32 = whole.parse().map_err(|_| not_a_number())?;
        whole.checked_mul(2).and_then(|h| h.checked_add(half)).map(Points).ok_or_else(not_a_number)
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
            E::custom(PointsError { input: shown, kind: PointsErrorKind::NotANumber })
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
                Points::from_f64(x).ok_or_else(|| {
                    let kind = if x.is_finite() && x >= 0.0 && x * 2.0 <= u32::MAX as f64 {
                        PointsErrorKind::NotHalfStep
                    } else {
                        PointsErrorKind::NotANumber
                    };
                    E::custom(PointsError { input: x.to_string(), kind })
                })
            }
            fn visit_str<E: serde::de::Error>(self, t: &str) -> Result<Points, E> {
                Points::parse(t).map_err(E::custom)
            }
        }
        d.deserialize_any(V)
    }
}

/// Hundredths of a point: the unit of means and medians, so that a shown `82.35` is the value compared.
/// In JSON it is a number of points with at most two decimals (`82.35`), the unit of every
/// other score there, never a bare count of hundredths.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Centi(pub i64);

impl Serialize for Centi {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        // Every i64 / 100 that a score can be prints back as its two decimals (shortest form).
        s.serialize_f64(self.0 as f64 / 100.0)
    }
}

impl<'de> Deserialize<'de> for Centi {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let points = f64::deserialize(d)?;
        if !points.is_finite() || points.abs() > 1e12 {
            return Err(serde::de::Error::custom(format!("{points} is not a score")));
        }
        Ok(Centi((points * 100.0).round() as i64))
    }
}

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
        assert_eq!(Points::parse("0.50").unwrap(), Points::from_halves(1));
        assert_eq!(Points::parse("0").unwrap(), Points::ZERO);
        for bad in ["7.3", "-1", "", "abc", "7.", ".5", "7.25", "1e3"] {
            assert!(Points::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_number_that_is_not_a_whole_or_half_point_says_so() {
        for input in ["0.2", "0.25", "7.3", "7.25", "7.05", "０．２"] {
            let e = Points::parse(input).unwrap_err();
            assert!(e.not_half_step(), "{input}: {e}");
            assert!(e.to_string().contains("只能填写整数或半分（如 7 或 7.5）"), "{e}");
            assert!(e.to_string().contains("only whole or half points (like 7 or 7.5)"), "{e}");
        }
        for input in ["abc", "-1", "", "7.", ".5", "1e3", "7..5", "7.5.0", "99999999999", "7,5"] {
            let e = Points::parse(input).unwrap_err();
            assert!(!e.not_half_step(), "{input}: {e}");
            assert!(e.to_string().contains("half-point steps"), "{e}");
        }
        assert!(serde_json::from_str::<Points>("12.3").unwrap_err().to_string().contains("only whole or half points"));
    }

    #[test]
    fn digits_and_points_from_a_chinese_input_method_are_read() {
        assert_eq!(Points::parse("７．５").unwrap(), Points::from_halves(15));
        assert_eq!(Points::parse("１２").unwrap(), Points::whole(12));
        assert_eq!(Points::parse("1５.５").unwrap(), Points::from_halves(31));
        assert_eq!(Points::parse("\u{3000}８\u{3000}").unwrap(), Points::whole(8));
        // The ideographic full stop between digits can only be a point.
        assert_eq!(Points::parse("7。5").unwrap(), Points::from_halves(15));
        for bad in ["７．", "．５", "7。", "。5", "7．5．0", "７。．5"] {
            assert!(Points::parse(bad).is_err(), "{bad}");
        }
        let e = Points::parse("７．２").unwrap_err();
        assert!(e.not_half_step() && e.input == "７．２", "{e:?}");
    }

    proptest::proptest! {
        /// `N` and `N.5`, each digit ASCII or full-width and the point `.`, `．` or `。`, read as
        /// the same value.
        #[test]
        fn ascii_and_full_width_read_alike(n in 0u32..10_000_000, half in proptest::bool::ANY, wide in proptest::collection::vec(proptest::bool::ANY, 12), point in 0usize..3, zeros in 0usize..3) {
            let widen = |s: String, offset: usize| -> String {
                s.chars().enumerate().map(|(i, c)| {
                    if wide[(i + offset) % wide.len()] { char::from_u32('０' as u32 + (c as u32 - '0' as u32)).unwrap() } else { c }
                }).collect()
            };
            let whole = widen(n.to_string(), 0);
            let text = if half {
                format!("{whole}{}{}", ['.', '．', '。'][point], widen(format!("5{}", "0".repeat(zeros)), 7))
            } else {
                whole
            };
            let expected = Points::from_halves(n * 2 + u32::from(half));
            proptest::prop_assert_eq!(Points::parse(&text), Ok(expected), "{}", text);
            proptest::prop_assert_eq!(Points::parse(&expected.to_string()), Ok(expected));
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

    #[test]
    fn hundredths_read_as_points_in_json() {
        for (c, text) in [(8617, "86.17"), (8650, "86.5"), (8500, "85.0"), (7, "0.07"), (-1250, "-12.5")] {
            assert_eq!(serde_json::to_string(&Centi(c)).unwrap(), text);
            assert_eq!(serde_json::from_str::<Centi>(text).unwrap(), Centi(c));
        }
    }
}
