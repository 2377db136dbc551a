//! The rules of a meeting's proceedings (会议程序) over plain values: when a decision is final
//! (签字确认, 《招标投标法实施条例》第五十三条) and how a named vote (记名表决) comes out.

use serde::{Deserialize, Serialize};

/// A panel member's answer to a decision (签字确认 / 保留意见).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Stance {
    /// 同意
    Agree,
    /// 保留意见, with the member's written reason.
    Dissent { reason: String },
}

/// A member a finalised decision went without (结论定稿时未签字的成员).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Missing {
    pub key: String,
    /// Refused to sign and gave no reason: taken to agree (《招标投标法实施条例》第五十三条).
    /// Otherwise absent.
    pub refused: bool,
}

/// A member's vote in a named vote (记名表决) on the chair's motion.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Choice {
    /// 赞成
    For,
    /// 反对
    Against,
    /// 弃权
    Abstain,
}

impl Choice {
    pub fn parse(text: &str) -> Option<Choice> {
        match text.trim().to_lowercase().as_str() {
            "for" | "yes" | "赞成" | "同意" => Some(Choice::For),
            "against" | "no" | "反对" | "不同意" => Some(Choice::Against),
            "abstain" | "弃权" => Some(Choice::Abstain),
            _ => None,
        }
    }

    pub fn zh(self) -> &'static str {
        match self {
            Choice::For => "赞成",
            Choice::Against => "反对",
            Choice::Abstain => "弃权",
        }
    }

    pub fn en(self) -> &'static str {
        match self {
            Choice::For => "for",
            Choice::Against => "against",
            Choice::Abstain => "abstain",
        }
    }
}

/// One member's countersignature as the store holds it: the newest of theirs on the decision.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Countersign {
    pub key: String,
    pub stance: Stance,
    pub time: String,
    pub event: String,
}

/// Whether a decision is final.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "state")]
pub enum Finality {
    /// Every member who did not step aside has countersigned (确认或保留意见).
    Final,
    /// The chair finalised it with these members missing.
    FinalisedWithout { missing: Vec<Missing> },
    /// Waiting for these members' countersignatures (by seat holder key).
    Awaiting { waiting: Vec<String> },
}

impl Finality {
    pub fn is_final(&self) -> bool {
        !matches!(self, Finality::Awaiting { .. })
    }

    pub fn zh(&self) -> String {
        match self {
            Finality::Final => "已定稿（全员签字）".into(),
            Finality::FinalisedWithout { missing } => format!("已定稿（组长定稿，{} 人未签字）", missing.len()),
            Finality::Awaiting { waiting } => format!("待签字（还差 {} 人）", waiting.len()),
        }
    }

    pub fn en(&self) -> String {
        match self {
            Finality::Final => "final (every member signed)".into(),
            Finality::FinalisedWithout { missing } => {
                format!("final (finalised by the chair, {} not signed)", missing.len())
            }
            Finality::Awaiting { waiting } => format!("awaiting signatures ({} to go)", waiting.len()),
        }
    }
}

/// How final a decision is. `seats` are the keys of each member expected to countersign (the
/// experts who did not step aside; a seat may have been held by several keys), `signs` the
/// countersignatures on the decision, and `finalised` what the chair's finalisation lists as
/// missing, if the chair finalised it.
pub fn finality(seats: &[Vec<String>], signs: &[Countersign], finalised: Option<&[Missing]>) -> Finality {
    let waiting: Vec<String> = seats
        .iter()
        .filter(|keys| !signs.iter().any(|s| keys.contains(&s.key)))
        .filter_map(|keys| keys.first().cloned())
        .collect();
    match (waiting.is_empty(), finalised) {
        (true, _) => Finality::Final,
        (false, Some(missing)) => Finality::FinalisedWithout { missing: missing.to_vec() },
        (false, None) => Finality::Awaiting { waiting },
    }
}

/// The count of a named vote and how it came out.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Tally {
    pub for_: usize,
    pub against: usize,
    pub abstain: usize,
}

impl Tally {
    pub fn of(choices: impl IntoIterator<Item = Choice>) -> Tally {
        let mut t = Tally::default();
        for c in choices {
            match c {
                Choice::For => t.for_ += 1,
                Choice::Against => t.against += 1,
                Choice::Abstain => t.abstain += 1,
            }
        }
        t
    }

    /// The motion carries when more than half of the votes cast are for it.
    pub fn carried(&self) -> bool {
        2 * self.for_ > self.for_ + self.against + self.abstain
    }

    /// The side whose view goes into the opinion as the minority's (少数意见): those against a
    /// motion that carried, or those for one that did not. None when nobody was on that side.
    pub fn minority(&self) -> Option<Choice> {
        match self.carried() {
            true if self.against > 0 => Some(Choice::Against),
            false if self.for_ > 0 => Some(Choice::For),
            _ => None,
        }
    }

    pub fn words(&self) -> crate::domain::Text {
        let (zh, en) = if self.carried() { ("通过", "carried") } else { ("未通过", "not carried") };
        crate::domain::Text::new(
            format!("赞成 {}，反对 {}，弃权 {}：{zh}", self.for_, self.against, self.abstain),
            format!("{} for, {} against, {} abstaining: {en}", self.for_, self.against, self.abstain),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sign(key: &str, stance: Stance) -> Countersign {
        Countersign { key: key.into(), stance, time: String::new(), event: String::new() }
    }

    #[test]
    fn a_decision_is_final_when_every_seat_signed_by_any_of_its_keys() {
        let seats = vec![vec!["a2".to_string(), "a1".to_string()], vec!["b".to_string()]];
        let dissent = Stance::Dissent { reason: "投资估算偏高".into() };
        assert_eq!(
            finality(&seats, &[sign("a1", Stance::Agree)], None),
            Finality::Awaiting { waiting: vec!["b".into()] }
        );
        assert_eq!(finality(&seats, &[sign("a1", Stance::Agree), sign("b", dissent)], None), Finality::Final);
    }

    #[test]
    fn the_chair_finalising_records_who_was_missing() {
        let seats = vec![vec!["a".to_string()], vec!["b".to_string()]];
        let missing = vec![Missing { key: "b".into(), refused: true }];
        let f = finality(&seats, &[sign("a", Stance::Agree)], Some(&missing));
        assert_eq!(f, Finality::FinalisedWithout { missing });
        assert!(f.is_final());
        assert!(f.zh().contains("1 人未签字"));
    }

    #[test]
    fn a_vote_carries_on_more_than_half_and_names_the_minority() {
        let t = Tally::of([Choice::For, Choice::For, Choice::Against]);
        assert!(t.carried());
        assert_eq!(t.minority(), Some(Choice::Against));
        let tie = Tally::of([Choice::For, Choice::Against]);
        assert!(!tie.carried());
        assert_eq!(tie.minority(), Some(Choice::For));
        let abstaining = Tally::of([Choice::For, Choice::Abstain, Choice::Abstain]);
        assert!(!abstaining.carried(), "abstentions count among the votes cast");
        assert_eq!(Tally::of([Choice::For]).minority(), None);
    }
}
