//! Working-day calendars (工作日历): weekends, public holidays and the weekend days that are
//! worked instead (调休上班), kept as data the secretariat can extend (`assets/calendars/`).

use chrono::{Datelike, NaiveDate, Weekday};
use serde::{Deserialize, Serialize};

/// One calendar: which days in `from ..= to` are working days. Outside that span it knows
/// nothing, and says so rather than guess.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Calendar {
    pub id: String,
    /// Where the holidays come from (the State Council notice for the year).
    pub source: String,
    /// The first and last day the calendar covers.
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// Days off that would otherwise be working days (法定节假日及调休放假).
    #[serde(default)]
    pub holidays: Vec<NaiveDate>,
    /// Weekend days that are worked (调休上班).
    #[serde(default)]
    pub workdays: Vec<NaiveDate>,
}

/// A calendar whose days contradict each other.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CalendarError {
    #[error("日历 {id}：from {from} 晚于 to {to} / calendar {id}: from {from} is after to {to}")]
    Backwards { id: String, from: NaiveDate, to: NaiveDate },
    #[error(
        "日历 {id}：{day} 不在 {from} 至 {to} 之内，请扩大 from/to 或删去该日 / calendar {id}: {day} is outside {from} to {to}; widen from/to or remove the day"
    )]
    Outside { id: String, day: NaiveDate, from: NaiveDate, to: NaiveDate },
    #[error(
        "日历 {id}：{day} 同时列为放假日和上班日，请只保留一处 / calendar {id}: {day} is listed both as a holiday and as a working day; keep one"
    )]
    Both { id: String, day: NaiveDate },
}

impl Calendar {
    pub fn validate(&self) -> Result<(), CalendarError> {
        if self.from > self.to {
            return Err(CalendarError::Backwards { id: self.id.clone(), from: self.from, to: self.to });
        }
        for day in self.holidays.iter().chain(&self.workdays) {
            if !self.covers(*day) {
                return Err(CalendarError::Outside { id: self.id.clone(), day: *day, from: self.from, to: self.to });
            }
        }
        if let Some(day) = self.holidays.iter().find(|d| self.workdays.contains(d)) {
            return Err(CalendarError::Both { id: self.id.clone(), day: *day });
        }
        Ok(())
    }

    pub fn covers(&self, day: NaiveDate) -> bool {
        (self.from..=self.to).contains(&day)
    }

    /// Whether `day` is a working day; None outside the calendar.
    pub fn is_working_day(&self, day: NaiveDate) -> Option<bool> {
        if !self.covers(day) {
            return None;
        }
        if self.workdays.contains(&day) {
            return Some(true);
        }
        if self.holidays.contains(&day) {
            return Some(false);
        }
        Some(!matches!(day.weekday(), Weekday::Sat | Weekday::Sun))
    }

    /// The `n`th working day after `day`, the day itself not counted (期间开始之日不计算在内):
    /// received on Friday 2026-03-06, the 5th working day is Friday 2026-03-13. None when the
    /// count runs past the calendar.
    pub fn add_working_days(&self, day: NaiveDate, n: u32) -> Option<NaiveDate> {
        let mut d = day;
        let mut left = n;
        while left > 0 {
            d = d.succ_opt()?;
            if self.is_working_day(d)? {
                left -= 1;
            }
        }
        self.covers(d).then_some(d)
    }
}

#[cfg(test)]
pub(crate) mod fixtures {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    /// Part of 2026: the Spring Festival (2月15日至23日放假, 2月14日、28日上班) and the May Day
    /// break (5月1日至5日放假, 5月9日上班), from 国办发明电〔2025〕 notice of 2025-11-04.
    pub fn cn_2026() -> Calendar {
        Calendar {
            id: "test-2026".into(),
            source: "国务院办公厅关于2026年部分节假日安排的通知".into(),
            from: d("2026-01-01"),
            to: d("2026-12-31"),
            holidays: ["2026-02-16", "2026-02-17", "2026-02-18", "2026-02-19", "2026-02-20", "2026-02-23"]
                .into_iter()
                .chain(["2026-05-01", "2026-05-04", "2026-05-05"])
                .map(d)
                .collect(),
            workdays: ["2026-02-14", "2026-02-28", "2026-05-09"].into_iter().map(d).collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::fixtures::cn_2026;
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn five_working_days_skip_weekends_and_holidays_and_count_worked_weekends() {
        let c = cn_2026();
        // Friday 6 March: Mon 9 … Fri 13 are the five.
        assert_eq!(c.add_working_days(d("2026-03-06"), 5), Some(d("2026-03-13")));
        // Thursday 12 February: Fri 13, Sat 14 (worked), then the festival to Mon 23; Tue 24,
        // Wed 25, Thu 26.
        assert_eq!(c.add_working_days(d("2026-02-12"), 5), Some(d("2026-02-26")));
        // Thursday 30 April: holidays 1–5 May, Wed 6, Thu 7, Fri 8, Sat 9 (worked), Mon 11.
        assert_eq!(c.add_working_days(d("2026-04-30"), 5), Some(d("2026-05-11")));
        assert_eq!(c.is_working_day(d("2026-05-09")), Some(true));
        assert_eq!(c.is_working_day(d("2026-05-10")), Some(false));
    }

    #[test]
    fn a_calendar_says_when_it_does_not_know() {
        let c = cn_2026();
        assert_eq!(c.is_working_day(d("2027-01-04")), None);
        assert_eq!(c.add_working_days(d("2026-12-28"), 5), None);
        let mut bad = cn_2026();
        bad.workdays.push(d("2026-05-01"));
        assert!(matches!(bad.validate(), Err(CalendarError::Both { .. })));
        bad.workdays.push(d("2027-01-02"));
        assert!(matches!(bad.validate(), Err(CalendarError::Outside { .. })));
    }
}
