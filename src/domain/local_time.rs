//! Times as the meeting's room reads them. Events carry UTC (RFC 3339, `Z`); a person reads the
//! meeting's local time. Mainland China keeps one zone, UTC+8 all year (Asia/Shanghai, no summer
//! time), so a fixed offset is exact there; a meeting elsewhere would need its zone named.

use chrono::{DateTime, FixedOffset};

/// UTC+8, Asia/Shanghai.
pub const MEETING_OFFSET_SECONDS: i32 = 8 * 3600;

/// `2026-12-07T23:30:00Z` as `2026-12-08 07:30`; text that is not a time is returned as it is.
pub fn meeting_time(utc: &str) -> String {
    let Some(zone) = FixedOffset::east_opt(MEETING_OFFSET_SECONDS) else { return utc.to_string() };
    match DateTime::parse_from_rfc3339(utc) {
        Ok(t) => t.with_timezone(&zone).format("%Y-%m-%d %H:%M").to_string(),
        Err(_) => utc.to_string(),
    }
}

/// The day it is in the meeting's zone at `utc`: what "today" means for a deadline.
pub fn meeting_day(utc: DateTime<chrono::Utc>) -> chrono::NaiveDate {
    match FixedOffset::east_opt(MEETING_OFFSET_SECONDS) {
        Some(zone) => utc.with_timezone(&zone).date_naive(),
        None => utc.date_naive(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_morning_score_in_beijing_is_not_shown_as_the_day_before() {
        // 07:30 Beijing time is 23:30 UTC the evening before.
        assert_eq!(meeting_time("2026-12-07T23:30:00Z"), "2026-12-08 07:30");
        assert_eq!(meeting_time("2026-12-08T15:59:59Z"), "2026-12-08 23:59");
        assert_eq!(meeting_time("2026-12-08T16:00:00Z"), "2026-12-09 00:00");
        assert_eq!(meeting_time("not a time"), "not a time");
        let late = DateTime::parse_from_rfc3339("2026-06-30T16:00:00Z").unwrap().to_utc();
        assert_eq!(meeting_day(late).to_string(), "2026-07-01");
    }
}
