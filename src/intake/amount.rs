//! Amounts in intake files: the unit a money column's header names, and how a cell is read in it.
//!
//! A money header names its unit: `申报总投资（万元）`, `申报总投资（万）`, `申报总投资(元)`,
//! `requested_total (yuan)`, or a JSON key `requested_total_wan`. An unknown unit (`千元`, `美元`)
//! is refused. A cell that names its own unit (`356.8万`, `3,568,000 元`) means what it says in
//! any money column; a bare number takes the header's unit, and in a column without one it is
//! refused, because nobody can tell 860 元 from 860 万元. Every form a message or the template
//! suggests is one of [`suggestions`], and a test reads each through intake.

use crate::domain::Money;

/// The unit a money column is written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unit {
    /// 万元 (10,000 yuan).
    Wan,
    /// 元.
    Yuan,
}

impl Unit {
    pub fn zh(self) -> &'static str {
        match self {
            Self::Wan => "万元",
            Self::Yuan => "元",
        }
    }

    pub fn en(self) -> &'static str {
        match self {
            Self::Wan => "万元 (10,000 yuan)",
            Self::Yuan => "yuan",
        }
    }
}

/// What a money header says of its unit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HeaderUnit {
    Stated(Unit),
    /// No unit named: every cell must name its own.
    Unstated,
    /// A unit reviewdesk does not know (`千元`), or two that disagree; as written.
    Unknown(String),
}

/// The unit a header token names, if it is one reviewdesk knows.
pub fn known_unit(token: &str) -> Option<Unit> {
    match token.trim().to_lowercase().as_str() {
        "万" | "万元" | "wan" | "人民币万元" => Some(Unit::Wan),
        "元" | "yuan" | "人民币元" | "人民币" => Some(Unit::Yuan),
        _ => None,
    }
}

/// Whether a header token looks like a unit of money at all, known or not.
pub fn looks_like_unit(token: &str) -> bool {
    let t = token.trim().to_lowercase();
    t.chars().any(|c| "元万亿千百分".contains(c))
        || ["wan", "yuan", "fen", "cny", "rmb", "usd", "k", "10k", "$", "¥", "￥"].contains(&t.as_str())
}

/// The unit of a money header from its tokens other than the field's names.
pub fn header_unit<'a>(tokens: impl Iterator<Item = &'a str>) -> HeaderUnit {
    let mut found: Option<Unit> = None;
    for t in tokens.filter(|t| looks_like_unit(t)) {
        match (known_unit(t), found) {
            (None, _) => return HeaderUnit::Unknown(t.to_string()),
            (Some(u), Some(f)) if u != f => return HeaderUnit::Unknown(t.to_string()),
            (Some(u), _) => found = Some(u),
        }
    }
    found.map_or(HeaderUnit::Unstated, HeaderUnit::Stated)
}

/// The forms messages suggest for a column of `unit` (None: a column without a unit), each
/// meaning 3,568,000 元.
pub fn suggestions(unit: Option<Unit>) -> &'static [&'static str] {
    match unit {
        Some(Unit::Wan) => &["356.8万", "356.8", "3,568,000元"],
        Some(Unit::Yuan) => &["3,568,000", "3568000.00", "356.8万"],
        None => &["356.8万", "3,568,000元"],
    }
}

/// The cell's own unit suffix, if it names one.
fn own_unit(text: &str) -> Option<Unit> {
    if text.ends_with('万') || text.ends_with("万元") {
        Some(Unit::Wan)
    } else if text.ends_with('元') {
        Some(Unit::Yuan)
    } else {
        None
    }
}

/// Reads an amount cell of a column in `unit` (None: the header names none). The error is the
/// bilingual message for the cell, quoting what was typed and the forms this column takes.
pub fn parse_cell(text: &str, unit: Option<Unit>) -> Result<Money, String> {
    let t = text.trim();
    let forms = suggestions(unit);
    let (zh_forms, en_forms) = (forms.join("、"), forms.join(", "));
    let column_zh = unit.map_or("此列表头未注明单位".to_string(), |u| format!("此列以{}为单位", u.zh()));
    let column_en =
        unit.map_or("this column's header names no unit".to_string(), |u| format!("this column is in {}", u.en()));
    let scaled = match (own_unit(t), unit) {
        (Some(_), _) | (None, Some(Unit::Yuan)) => t.to_string(),
        (None, Some(Unit::Wan)) => format!("{t}万"),
        (None, None) => {
            return Err(format!(
                "金额“{t}”没有单位，{column_zh}，无法判断是万元还是元：请在表头注明（万元）或（元），或写成 {zh_forms} / amount “{t}” has no unit and {column_en}, so 万元 and yuan cannot be told apart: name the unit in the header, (万元) or (元), or write it as {en_forms}"
            ));
        }
    };
    Money::parse(&scaled).map_err(|e| {
        let (why_zh, why_en) = e.why();
        format!(
            "金额“{t}”无法识别：{why_zh}。{column_zh}，请写成 {zh_forms} / amount “{t}” not understood: {why_en}. Write it as {en_forms} ({column_en})"
        )
    })
}

/// Below 1 万元 or above 100 亿元 an amount is more likely a slip of the unit than a project.
pub const PLAUSIBLE_MIN: Money = Money::from_yuan(10_000);
/// 100 亿元.
pub const PLAUSIBLE_MAX: Money = Money::from_yuan(10_000_000_000);

/// A warning for an amount outside [`PLAUSIBLE_MIN`]..=[`PLAUSIBLE_MAX`], in Chinese and English.
pub fn implausible(m: Money) -> Option<String> {
    if m < PLAUSIBLE_MIN {
        Some(format!(
            "金额 {} 元不足 1 万元，请核对单位是否写错 / the amount {} yuan is under 1 万元 (10,000 yuan): check the unit",
            m.yuan(),
            m.yuan()
        ))
    } else if m > PLAUSIBLE_MAX {
        Some(format!(
            "金额 {} 元超过 100 亿元，请核对单位是否写错 / the amount {} yuan is over 100 亿元 (10 billion yuan): check the unit",
            m.yuan(),
            m.yuan()
        ))
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_name_their_unit() {
        assert_eq!(header_unit(["万"].into_iter()), HeaderUnit::Stated(Unit::Wan));
        assert_eq!(header_unit(["万元"].into_iter()), HeaderUnit::Stated(Unit::Wan));
        assert_eq!(header_unit(["元"].into_iter()), HeaderUnit::Stated(Unit::Yuan));
        assert_eq!(header_unit(["yuan", "元"].into_iter()), HeaderUnit::Stated(Unit::Yuan));
        assert_eq!(header_unit(["变更后"].into_iter()), HeaderUnit::Unstated);
        assert_eq!(header_unit(["千元"].into_iter()), HeaderUnit::Unknown("千元".into()));
        assert_eq!(header_unit(["美元"].into_iter()), HeaderUnit::Unknown("美元".into()));
        assert_eq!(header_unit(["万元", "元"].into_iter()), HeaderUnit::Unknown("元".into()));
    }

    #[test]
    fn every_suggested_form_means_what_it_says() {
        let want = Money::from_yuan(3_568_000);
        for unit in [Some(Unit::Wan), Some(Unit::Yuan), None] {
            for form in suggestions(unit) {
                assert_eq!(parse_cell(form, unit), Ok(want), "{form} in {unit:?}");
            }
            let e = parse_cell("约三百万", unit).unwrap_err();
            assert!(suggestions(unit).iter().all(|f| e.contains(f)), "{e}");
        }
        assert_eq!(parse_cell("3,568,000 元", Some(Unit::Wan)), Ok(want));
        assert_eq!(parse_cell("356.8 万元", Some(Unit::Yuan)), Ok(want));
        assert!(parse_cell("860", None).unwrap_err().contains("没有单位"));
        // A bare number in a 万元 column is 万: 3,568,000 万元 is 356.8 亿元.
        assert_eq!(parse_cell("3,568,000", Some(Unit::Wan)), Ok(Money::from_yuan(35_680_000_000)));
    }

    #[test]
    fn plausible_totals_run_from_one_wan_to_ten_billion_inclusive() {
        assert!(implausible(Money::from_fen(999_999)).is_some());
        assert!(implausible(Money::from_yuan(10_000)).is_none());
        assert!(implausible(Money::from_yuan(10_000_000_000)).is_none());
        assert!(implausible(Money::from_fen(1_000_000_000_001)).is_some());
    }
}
