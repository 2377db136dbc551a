//! The clock. `REVIEWDESK_NOW` (RFC 3339) pins it, for reproducible demos, tests and benchmarks.

use chrono::{DateTime, Utc};

/// Now, or the pinned time; an unreadable pin is an error that names it.
pub fn now() -> Result<DateTime<Utc>, String> {
    match std::env::var("REVIEWDESK_NOW") {
        Ok(s) if !s.is_empty() => DateTime::parse_from_rfc3339(&s)
            .map(|t| t.with_timezone(&Utc))
            .map_err(|e| format!("REVIEWDESK_NOW=“{s}” 不是 RFC 3339 时间 / is not an RFC 3339 time: {e}")),
        _ => Ok(Utc::now()),
    }
}
