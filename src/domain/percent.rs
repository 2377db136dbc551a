//! Percentages held in basis points (1% = 100), shown the one way every surface shows them.
//!
//! Findings, the `show` header, the screens and every report call [`signed_percent`] for a
//! change (`+10.00%`, `-0.50%`) and [`percent`] for a threshold (`10.00%`), so a decrease
//! never prints as `0.-50%` or `+0.50%`.

/// `bp` basis points as a percentage with two decimals, a minus sign when negative and no sign
/// otherwise: `10.00%`, `0.50%`, `-0.50%`.
pub fn percent(bp: i64) -> String {
    let sign = if bp < 0 { "-" } else { "" };
    format!("{sign}{}%", magnitude(bp))
}

/// A change of `bp` basis points with its sign always shown: `+10.00%`, `-0.50%`, `+0.00%` for
/// no change.
pub fn signed_percent(bp: i64) -> String {
    let sign = if bp < 0 { "-" } else { "+" };
    format!("{sign}{}%", magnitude(bp))
}

/// The absolute value as `whole.hundredths`, computed without overflow for every `i64`.
fn magnitude(bp: i64) -> String {
    let abs = bp.unsigned_abs();
    format!("{}.{:02}", abs / 100, abs % 100)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decreases_keep_their_sign_before_the_digits() {
        assert_eq!(signed_percent(-50), "-0.50%");
        assert_eq!(signed_percent(-1250), "-12.50%");
        assert_eq!(signed_percent(-769), "-7.69%");
        assert_eq!(signed_percent(-1), "-0.01%");
        assert_eq!(signed_percent(0), "+0.00%");
        assert_eq!(signed_percent(50), "+0.50%");
        assert_eq!(signed_percent(1000), "+10.00%");
        assert_eq!(percent(-50), "-0.50%");
        assert_eq!(percent(999), "9.99%");
        assert_eq!(signed_percent(i64::MIN), "-92233720368547758.08%");
    }

    /// A plain reference: the digits of |bp| padded to at least three, a point before the last two.
    fn reference(bp: i64, always_sign: bool) -> String {
        let digits = format!("{:03}", (bp as i128).abs());
        let (whole, cents) = digits.split_at(digits.len() - 2);
        let sign = match (bp < 0, always_sign) {
            (true, _) => "-",
            (false, true) => "+",
            (false, false) => "",
        };
        format!("{sign}{whole}.{cents}%")
    }

    proptest::proptest! {
        #[test]
        fn matches_the_reference(bp in proptest::num::i64::ANY) {
            proptest::prop_assert_eq!(signed_percent(bp), reference(bp, true));
            proptest::prop_assert_eq!(percent(bp), reference(bp, false));
        }

        #[test]
        fn matches_the_reference_near_zero(bp in -100_000i64..100_000) {
            proptest::prop_assert_eq!(signed_percent(bp), reference(bp, true));
            proptest::prop_assert_eq!(percent(bp), reference(bp, false));
        }
    }
}
