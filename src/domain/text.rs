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

#[cfg(test)]
mod tests {
    use super::*;

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
