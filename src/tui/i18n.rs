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

    /// An error in the reader's language. The library's messages say everything twice,
    /// "中文 / English", which is right for a terminal log but crowds a one-line message bar.
    pub fn error(&self, e: &dyn std::fmt::Display) -> String {
        let text = e.to_string();
        match split_bilingual(&text) {
            Some((zh, en)) => self.pick(zh, en).to_string(),
            None => text,
        }
    }

    /// A composed line in the reader's typography. Lines are composed with Chinese full-width
    /// punctuation; English turns it into ASCII with the spacing English wants, including the
    /// parentheses around article citations that come with the data.
    pub fn line(&self, text: String) -> String {
        match self.lang {
            Lang::Zh => text,
            Lang::En => text.replace('：', ": ").replace('（', " (").replace('）', ")").replace('，', ", "),
        }
    }

    /// Picks between two texts that come with the data (Chinese and English names).
    pub fn pick<'a>(&self, zh: &'a str, en: &'a str) -> &'a str {
        match self.lang {
            Lang::Zh => zh,
            Lang::En => en,
        }
    }
}

/// Splits "中文 / English" at the first " / " with Chinese before it and English after it.
fn split_bilingual(text: &str) -> Option<(&str, &str)> {
    let han = |c: char| ('\u{4e00}'..='\u{9fff}').contains(&c);
    text.match_indices(" / ").map(|(i, _)| (&text[..i], &text[i + 3..])).find(|(zh, en)| {
        zh.chars().any(han) && en.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '"' || c == '“')
    })
}

fn parse(text: &str) -> HashMap<String, String> {
    // The files are compiled in and checked by a test; a broken one yields no strings.
    toml::from_str(text).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bilingual_error_shows_only_the_readers_half() {
        let e = "会议 GL-1 由未受信任的秘书处密钥开启，已拒绝导入。请运行：reviewdesk trust add k --name 秘书处 / meeting GL-1 was opened by an untrusted key (秘书处); import refused";
        assert_eq!(
            I18n::new(Lang::Zh).error(&e),
            "会议 GL-1 由未受信任的秘书处密钥开启，已拒绝导入。请运行：reviewdesk trust add k --name 秘书处"
        );
        assert_eq!(
            I18n::new(Lang::En).error(&e),
            "meeting GL-1 was opened by an untrusted key (秘书处); import refused"
        );
        // Paths keep their slashes, and a message in one language is left whole.
        let p = "无法读取 /media/u/a.rdbundle：权限不足";
        assert_eq!(I18n::new(Lang::En).error(&p), p);
        assert_eq!(I18n::new(Lang::En).error(&"disk full / no space"), "disk full / no space");
    }

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
