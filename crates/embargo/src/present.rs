//! How times read for people, the same on pages and in e-mails.

/// Formats a timestamp for people: `2026-11-23 14:05 UTC`.
///
/// The due date of a clock the policy switches off ([`domain::report::Sla::OFF`]) reads
/// "no target".
pub fn human_time(t: jiff::Timestamp) -> String {
    if t == domain::report::Sla::OFF {
        return "no target".to_owned();
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_clock_switched_off_reads_no_target() {
        assert_eq!(human_time(domain::report::Sla::OFF), "no target");
        let t: jiff::Timestamp = "2026-11-23T14:05:00Z".parse().expect("timestamp");
        assert_eq!(human_time(t), "2026-11-23 14:05 UTC");
    }
}
