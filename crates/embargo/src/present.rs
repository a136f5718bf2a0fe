//! How times read for people, the same on pages and in e-mails.

/// Formats a timestamp for people: `2026-11-23 14:05 UTC`.
pub fn human_time(t: jiff::Timestamp) -> String {
    t.strftime("%Y-%m-%d %H:%M UTC").to_string()
}

/// How long ago, coarsely: `3 days`, `5 hours`, `12 minutes`.
pub fn age(from: jiff::Timestamp, now: jiff::Timestamp) -> String {
    let secs = now.as_second().saturating_sub(from.as_second()).max(0);
    let (n, unit) = if secs >= 2 * 86_400 {
        (secs / 86_400, "days")
    } else if secs >= 2 * 3600 {
        (secs / 3600, "hours")
    } else {
        (secs / 60, "minutes")
    };
    if n == 1 {
        format!("1 {}", unit.trim_end_matches('s'))
    } else {
        format!("{n} {unit}")
    }
}
