//! Money in fen (分), the smallest unit of the yuan. Never a float.

use serde::{Deserialize, Serialize};
use std::fmt;

/// An amount of money in fen (1 元 = 100 分, 1 万元 = 1,000,000 分).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Default)]
#[serde(transparent)]
pub struct Money(i64);

const FEN_PER_YUAN: i64 = 100;
const FEN_PER_WAN: i64 = 1_000_000;

/// Why a text could not be read as an amount.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "金额“{input}”无法识别：{why_zh}。请写成 356.8万、3,568,000 或 3568000.00 / amount “{input}” not understood: {why_en}. Write it as 356.8万, 3,568,000 or 3568000.00"
)]
pub struct MoneyError {
    pub input: String,
    why_zh: &'static str,
    why_en: &'static str,
}

impl MoneyError {
    /// Why the text was refused, in Chinese and English, for a caller that words its own advice.
    pub fn why(&self) -> (&'static str, &'static str) {
        (self.why_zh, self.why_en)
    }
}

impl Money {
    pub const ZERO: Money = Money(0);

    pub const fn from_fen(fen: i64) -> Self {
        Money(fen)
    }

    pub const fn from_yuan(yuan: i64) -> Self {
        Money(yuan * FEN_PER_YUAN)
    }

    pub const fn fen(self) -> i64 {
        self.0
    }

    /// Parses `356.8万`, `356.8万元`, `3,568,000`, `3568000.00` or `3568000元`.
    /// Negative amounts, more than two decimals of yuan (six of 万), and stray characters are refused.
    pub fn parse(input: &str) -> Result<Money, MoneyError> {
        let err = |why_zh, why_en| MoneyError { input: input.to_string(), why_zh, why_en };
        let text = input.trim();
        if text.is_empty() {
            return Err(err("为空", "it is empty"));
        }
        let (number, scale, decimals) = if let Some(n) = strip_any(text, &["万元", "万"]) {
            (n, FEN_PER_WAN, 6)
        } else if let Some(n) = strip_any(text, &["元"]) {
            (n, FEN_PER_YUAN, 2)
        } else {
            (text, FEN_PER_YUAN, 2)
        };
        let number = number.trim();
        if number.starts_with('-') {
            return Err(err("不能为负数", "it is negative"));
        }
        let (int_part, frac_part) = match number.split_once('.') {
            Some((i, f)) => (i, f),
            None => (number, ""),
        };
        let digits = ungroup(int_part)
            .ok_or_else(|| err("千位分隔符位置不对或含有非数字字符", "misplaced thousands separator or a non-digit"))?;
        if digits.is_empty() || !frac_part.chars().all(|c| c.is_ascii_digit()) {
            return Err(err("含有非数字字符", "it holds a non-digit"));
        }
        if number.contains('.') && frac_part.is_empty() {
            return Err(err("小数点后没有数字", "nothing after the decimal point"));
        }
        if frac_part.len() > decimals {
            return Err(if scale == FEN_PER_WAN {
                err("万元最多六位小数（精确到分）", "at most six decimals of 万 (down to the fen)")
            } else {
                err("元最多两位小数（精确到分）", "at most two decimals of yuan (down to the fen)")
            });
        }
        let overflow = || err("数额过大", "it is too large");
        let whole: i64 = digits.parse().map_err(|_| overflow())?;
        let mut frac: i64 = if frac_part.is_empty() { 0 } else { frac_part.parse().map_err(|_| overflow())? };
        for _ in frac_part.len()..decimals {
            frac *= 10;
        }
        let fen = whole.checked_mul(scale).and_then(|w| w.checked_add(frac)).ok_or_else(overflow)?;
        Ok(Money(fen))
    }

    /// The amount in 万元 with at least two decimals and no more than it needs: `356.80`, `99.999999`.
    pub fn wan(self) -> String {
        // Two decimals, as budget tables show 万元: rounded half away from zero, in whole yuan.
        let hundreds = (self.0.unsigned_abs() + FEN_PER_YUAN as u64 * 50) / (FEN_PER_YUAN as u64 * 100);
        let sign = if self.0 < 0 && hundreds > 0 { "-" } else { "" };
        format!("{sign}{}.{:02}", hundreds / 100, hundreds % 100)
    }

    /// The amount in 万元 to the fen, with as many decimals as it needs (at least two):
    /// `99.999999`.
    pub fn wan_exact(self) -> String {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        let whole = abs / FEN_PER_WAN as u64;
        let frac = format!("{:06}", abs % FEN_PER_WAN as u64);
        let frac = frac.trim_end_matches('0');
        let frac = if frac.len() < 2 { format!("{frac:0<2}") } else { frac.to_string() };
        format!("{sign}{whole}.{frac}")
    }

    /// Whether two decimals of 万元 show the amount exactly.
    pub fn wan_is_exact(self) -> bool {
        self.0 % (FEN_PER_YUAN * 100) == 0
    }

    /// The amount in yuan with thousands separators: `3,568,000.00`.
    /// The amount in yuan as a plain decimal string, two places, no grouping: `2199800.00`.
    /// What JSON views give, so that a script never mistakes fen for yuan.
    pub fn decimal_yuan(self) -> String {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        format!("{sign}{}.{:02}", abs / FEN_PER_YUAN as u64, abs % FEN_PER_YUAN as u64)
    }

    pub fn yuan(self) -> String {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        format!("{sign}{}.{:02}", group(abs / FEN_PER_YUAN as u64), abs % FEN_PER_YUAN as u64)
    }

    /// The change from `base` to `self` in basis points of `base` (1% = 100), rounded toward zero.
    pub fn change_basis_points(self, base: Money) -> Option<i64> {
        if base.0 <= 0 {
            return None;
        }
        Some(((self.0 as i128 - base.0 as i128) * 10_000 / base.0 as i128) as i64)
    }
}

impl fmt::Display for Money {
    /// Shown as 万元 with two decimals, the unit reviewers read budgets in; when that rounds,
    /// the exact yuan follow, so that a rule's edge is never hidden (99.999999万元 is not 100).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.wan_is_exact() {
            write!(f, "{}万元", self.wan())
        } else {
            write!(f, "{}万元（{}元）", self.wan(), self.yuan())
        }
    }
}

fn strip_any<'a>(text: &'a str, suffixes: &[&str]) -> Option<&'a str> {
    suffixes.iter().find_map(|s| text.strip_suffix(s))
}

/// Removes thousands separators, insisting on groups of three.
fn ungroup(int_part: &str) -> Option<String> {
    if !int_part.contains(',') {
        return int_part.chars().all(|c| c.is_ascii_digit()).then(|| int_part.to_string());
    }
    let groups: Vec<&str> = int_part.split(',').collect();
    let first_ok = (1..=3).contains(&groups[0].len());
    let rest_ok = groups[1..].iter().all(|g| g.len() == 3);
    let all_digits = groups.iter().all(|g| g.chars().all(|c| c.is_ascii_digit()));
    (first_ok && rest_ok && all_digits).then(|| groups.concat())
}

fn group(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::with_capacity(s.len() + s.len() / 3);
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_three_accepted_forms() {
        assert_eq!(Money::parse("356.8万").unwrap().fen(), 356_800_000);
        assert_eq!(Money::parse("3,568,000").unwrap().fen(), 356_800_000);
        assert_eq!(Money::parse("3568000.00").unwrap().fen(), 356_800_000);
        assert_eq!(Money::parse("356.8万元").unwrap().fen(), 356_800_000);
        assert_eq!(Money::parse(" 999,999.99 ").unwrap().fen(), 99_999_999);
        assert_eq!(Money::parse("0.000001万").unwrap().fen(), 1);
    }

    #[test]
    fn rejects_the_rest_with_a_reason() {
        for bad in [
            "",
            "abc",
            "-5",
            "1,23",
            "12,3456",
            "1.234",
            "1.",
            "1.5.2",
            "35万6",
            "0.0000001万",
            "99999999999999999999",
            "1 000",
            "US$5",
        ] {
            let e = Money::parse(bad).unwrap_err();
            assert!(e.to_string().contains("356.8万"), "{bad}: {e}");
        }
        assert!(Money::parse("1.234").unwrap_err().to_string().contains("两位小数"));
        assert!(Money::parse("-5").unwrap_err().to_string().contains("负数"));
    }

    #[test]
    fn shows_wan_and_yuan() {
        let m = Money::parse("356.8万").unwrap();
        assert_eq!(m.wan(), "356.80");
        assert_eq!(m.yuan(), "3,568,000.00");
        assert_eq!(m.to_string(), "356.80万元");
        assert_eq!(Money::from_fen(99_999_999).wan(), "100.00", "two decimals, as budget tables show");
        assert_eq!(Money::from_fen(99_999_999).wan_exact(), "99.999999");
        assert_eq!(Money::from_fen(99_999_999).to_string(), "100.00万元（999,999.99元）");
        assert_eq!(Money::from_yuan(3_568_000).to_string(), "356.80万元");
        assert_eq!(Money::from_yuan(1_234_549).wan(), "123.45");
        assert_eq!(Money::from_yuan(1_234_550).wan(), "123.46");
        assert_eq!(Money::from_yuan(-1_234_550).wan(), "-123.46");
        assert_eq!(Money::from_fen(-1).wan(), "0.00");
        assert_eq!(Money::from_fen(99_999_999).yuan(), "999,999.99");
        assert_eq!(Money::ZERO.wan(), "0.00");
    }

    #[test]
    fn change_in_basis_points_is_exact() {
        let base = Money::from_yuan(1_000_000);
        assert_eq!(Money::from_yuan(1_099_900).change_basis_points(base), Some(999));
        assert_eq!(Money::from_yuan(1_100_000).change_basis_points(base), Some(1000));
        assert_eq!(Money::from_yuan(900_000).change_basis_points(base), Some(-1000));
        assert_eq!(Money::from_yuan(5).change_basis_points(Money::ZERO), None);
    }
}
