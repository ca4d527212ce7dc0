//! Timestamps for people: "3 minutes ago" on a terminal.

use chrono::{DateTime, Utc};

/// Parses an RFC 3339 timestamp as the server sends it.
pub fn when(value: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(value)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// "just now", "5 minutes ago", "3 days ago"; unparseable input is returned unchanged.
pub fn relative(value: &str, now: DateTime<Utc>) -> String {
    let Some(then) = when(value) else {
        return value.to_string();
    };
    let secs = (now - then).num_seconds();
    if secs < 0 {
        return then.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    }
    let units = [
        (365 * 86_400, "year"),
        (30 * 86_400, "month"),
        (86_400, "day"),
        (3_600, "hour"),
        (60, "minute"),
    ];
    for (size, name) in units {
        let n = secs / size;
        if n >= 1 {
            let plural = if n == 1 { "" } else { "s" };
            return format!("{n} {name}{plural} ago");
        }
    }
    "just now".to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_times() {
        let now = when("2026-11-27T12:00:00Z").unwrap();
        assert_eq!(relative("2026-11-27T11:59:50.123Z", now), "just now");
        assert_eq!(relative("2026-11-27T11:57:00Z", now), "3 minutes ago");
        assert_eq!(relative("2026-11-27T11:00:00Z", now), "1 hour ago");
        assert_eq!(relative("2026-11-20T11:00:00.704367Z", now), "7 days ago");
        assert_eq!(relative("2024-11-27T12:00:00Z", now), "2 years ago");
        assert_eq!(relative("garbage", now), "garbage");
    }
}
