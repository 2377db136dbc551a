//! Text in both working languages.

use serde::{Deserialize, Serialize};

/// A message in Chinese and English, so that any screen or report can pick its language.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Text {
    pub zh: String,
    pub en: String,
}

/// The language a user reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    #[default]
    Zh,
    En,
}

impl Text {
    pub fn new(zh: impl Into<String>, en: impl Into<String>) -> Self {
        Text { zh: zh.into(), en: en.into() }
    }

    pub fn get(&self, lang: Lang) -> &str {
        match lang {
            Lang::Zh => &self.zh,
            Lang::En => &self.en,
        }
    }
}

/// Width of `s` in terminal cells: a Chinese character takes two.
pub fn width(s: &str) -> usize {
    unicode_width::UnicodeWidthStr::width(s)
}

/// Cuts `s` to at most `max` cells, ending in `…` when cut. Never splits a wide character.
pub fn truncate(s: &str, max: usize) -> String {
    if width(s) <= max {
        return s.to_string();
    }
    if max == 0 {
        return String::new();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in s.chars() {
        let w = unicode_width::UnicodeWidthChar::width(c).unwrap_or(0);
        if used + w > max - 1 {
            break;
        }
        out.push(c);
        used += w;
    }
    out.push('…');
    out
}

/// Cuts or pads `s` with spaces to exactly `cells` cells.
pub fn fit(s: &str, cells: usize) -> String {
    let mut out = truncate(s, cells);
    let w = width(&out);
    out.extend(std::iter::repeat_n(' ', cells.saturating_sub(w)));
    out
}

/// Pads on the left to `cells` cells (for numbers).
pub fn fit_right(s: &str, cells: usize) -> String {
    let cut = truncate(s, cells);
    format!("{}{}", " ".repeat(cells.saturating_sub(width(&cut))), cut)
}

/// A reason a person gives for a signed act (a conflict declaration or its withdrawal, a
/// revocation, a key change, a decision that departs from the suggestion): trimmed, and with
/// enough real text that a slip ("lear" from typing `clear`, "x", "....") is never signed.
///
/// Only letters, digits and Han characters count, by display width: a Chinese character counts
/// two, a letter or digit one, punctuation and spaces nothing. At least [`Reason::MIN_WIDTH`]
/// are needed: three Chinese characters ("同单位") or six letters.
///
/// This is what this machine asks before it signs. Events from other machines are not held to
/// it, so that events signed before it existed stay valid.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Reason(String);

/// A reason with too little real text in it.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "理由“{shown}”太短：请写明理由，至少三个汉字或六个字母 / the reason “{shown}” is too short: give a reason of at least three Chinese characters or six letters",
    shown = printable(&truncate(input, 40))
)]
pub struct ReasonError {
    /// The text as given, trimmed.
    pub input: String,
}

impl Reason {
    /// The least width of letters, digits and Han characters a reason must hold.
    pub const MIN_WIDTH: usize = 6;

    pub fn parse(text: &str) -> Result<Reason, ReasonError> {
        let t = text.trim();
        let real: usize = t
            .chars()
            .filter(|c| c.is_alphanumeric())
            .map(|c| unicode_width::UnicodeWidthChar::width(c).unwrap_or(0))
            .sum();
        if real < Self::MIN_WIDTH {
            return Err(ReasonError { input: t.to_string() });
        }
        Ok(Reason(t.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

impl std::fmt::Display for Reason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for Reason {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl std::str::FromStr for Reason {
    type Err = ReasonError;
    fn from_str(s: &str) -> Result<Reason, ReasonError> {
        Reason::parse(s)
    }
}

impl From<Reason> for String {
    fn from(r: Reason) -> String {
        r.0
    }
}

/// Whether `c` could steer a terminal or reorder what a reader sees: C0 and C1 controls, DEL,
/// and the bidirectional overrides and isolates (which can make `abc` display as `cba`).
fn is_steering(c: char) -> bool {
    c.is_control() || matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// `s` made safe to print: every control or steering character is shown as an escape such as
/// `\u{1b}`, so text from a bundle, an intake file or a peer's event can never move the cursor,
/// recolour the screen, or fake a line of output. Ordinary text comes back borrowed.
pub fn printable(s: &str) -> std::borrow::Cow<'_, str> {
    escape_steering(s, |_| false)
}

/// Like [`printable`], but keeps line breaks and tabs: for multi-line text a person wrote
/// (comments, opinions), printed where a new line is expected.
pub fn printable_lines(s: &str) -> std::borrow::Cow<'_, str> {
    escape_steering(s, |c| c == '\n' || c == '\t')
}

fn escape_steering(s: &str, keep: impl Fn(char) -> bool) -> std::borrow::Cow<'_, str> {
    if !s.chars().any(|c| is_steering(c) && !keep(c)) {
        return std::borrow::Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if is_steering(c) && !keep(c) {
            out.extend(c.escape_unicode());
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steering_characters_are_shown_escaped() {
        assert_eq!(printable("信息化办"), "信息化办");
        assert!(matches!(printable("信息化办"), std::borrow::Cow::Borrowed(_)));
        assert_eq!(printable("\u{1b}[2J信息化办\r\n"), "\\u{1b}[2J信息化办\\u{d}\\u{a}");
        assert_eq!(printable("a\u{202e}cba\u{7f}\u{9b}"), "a\\u{202e}cba\\u{7f}\\u{9b}");
        assert_eq!(printable_lines("第一行\n\t第二行\u{1b}[31m"), "第一行\n\t第二行\\u{1b}[31m");
    }

    #[test]
    fn a_reason_needs_three_chinese_characters_or_six_letters() {
        for slip in ["lear", "x", "....", "", "   ", "同单。", "ab cd e", "。。。。。。", "回避", "１２"] {
            let e = Reason::parse(slip).unwrap_err();
            assert!(e.to_string().contains("请写明理由，至少三个汉字或六个字母"), "{e}");
            assert!(e.to_string().contains("give a reason of at least three Chinese characters or six letters"), "{e}");
        }
        for fine in ["同单位", "同单位。", "former employer", "  亲属任职  ", "abcdef", "2024年", "A公司顾问"]
        {
            assert_eq!(Reason::parse(fine).unwrap().as_str(), fine.trim(), "{fine}");
        }
        assert_eq!("曾参与可研编制".parse::<Reason>().unwrap().to_string(), "曾参与可研编制");
        let e = Reason::parse("\u{1b}[2J").unwrap_err();
        assert!(!e.to_string().contains('\u{1b}'), "{e}");
    }

    #[test]
    fn chinese_is_measured_in_cells() {
        assert_eq!(width("鼓楼区"), 6);
        assert_eq!(truncate("鼓楼区城市管理局", 7), "鼓楼区…");
        assert_eq!(width(&truncate("鼓楼区城市管理局", 7)), 7);
        assert_eq!(fit("区档案馆", 10), "区档案馆  ");
        assert_eq!(fit("a鼓楼", 4), "a鼓…");
        assert_eq!(fit_right("82.5", 6), "  82.5");
    }
}
