//! Screen text from `assets/i18n/`, one file per language with the same keys.

use crate::domain::Lang;
use std::collections::HashMap;

const ZH: &str = include_str!("../../assets/i18n/zh.toml");
const EN: &str = include_str!("../../assets/i18n/en.toml");

/// The strings of one language. A missing key shows as itself, so a gap is visible, not a crash.
pub struct I18n {
    pub lang: Lang,
    strings: HashMap<String, String>,
}

impl I18n {
    pub fn new(lang: Lang) -> I18n {
        let text = match lang {
            Lang::Zh => ZH,
            Lang::En => EN,
        };
        I18n { lang, strings: parse(text) }
    }

    pub fn t<'a>(&'a self, key: &'a str) -> &'a str {
        self.strings.get(key).map(String::as_str).unwrap_or(key)
    }

    /// Picks between two texts that come with the data (Chinese and English names).
    pub fn pick<'a>(&self, zh: &'a str, en: &'a str) -> &'a str {
        match self.lang {
            Lang::Zh => zh,
            Lang::En => en,
        }
    }
}

fn parse(text: &str) -> HashMap<String, String> {
    // The files are compiled in and checked by a test; a broken one yields no strings.
    toml::from_str(text).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_languages_hold_the_same_keys() {
        let (zh, en) = (parse(ZH), parse(EN));
        assert!(zh.len() > 40, "zh.toml parses");
        let mut a: Vec<_> = zh.keys().collect();
        let mut b: Vec<_> = en.keys().collect();
        a.sort();
        b.sort();
        assert_eq!(a, b);
    }
}
