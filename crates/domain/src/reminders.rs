//! When the maintainers are reminded of a report's deadlines, and what the reminder says.
//!
//! [`crate::calendar::due_reminders`] counts the lead time in plain hours. A project that
//! counts its targets in business days expects its early reminders on business days too: a
//! deadline on Monday 10:00 with a 24-hour lead is announced on Friday 10:00, not on Sunday.
//! [`ReminderPlan`] does that for the clocks counted in business days (acknowledgement and
//! triage); the disclosure deadline counts calendar days, and so does its lead.

use crate::{
    calendar::{BusinessCalendar, ReminderKey, ReminderKind, ReminderSettings, SlaClock},
    policy::Targets,
    report::{Sla, State},
};
use jiff::{SignedDuration, Timestamp, civil::Time};

/// The reminder rules of one project: the lead time and, when targets count business days,
/// the calendar the lead of the business-day clocks is counted in.
#[derive(Debug, Clone)]
pub struct ReminderPlan<'a> {
    pub lead: ReminderSettings,
    /// `Some` when acknowledgement and triage count business days.
    pub business: Option<BusinessCalendar<'a>>,
}

impl<'a> ReminderPlan<'a> {
    /// The plan the policy's targets describe.
    pub fn for_targets(targets: &'a Targets) -> Self {
        Self {
            lead: targets.reminders(),
            business: targets.business_days.then(|| targets.business_calendar()),
        }
    }

    /// When the early reminder for `clock` due at `due` goes out; `None` without a lead time.
    pub fn before_at(&self, clock: SlaClock, due: Timestamp) -> Option<Timestamp> {
        if self.lead.hours_before == 0 {
            return None;
        }
        let lead = SignedDuration::from_hours(i64::from(self.lead.hours_before));
        match (&self.business, clock) {
            (Some(calendar), SlaClock::Acknowledge | SlaClock::Triage) => {
                Some(business_time_before(calendar, due, lead))
            }
            _ => Some(due.saturating_sub(lead).unwrap_or(due)),
        }
    }

    /// The reminders due at `now` that have not been sent yet, in clock order: for every
    /// clock that runs in `state`, a `breach` reminder once `now` reaches the due date, and
    /// before that, from [`Self::before_at`], a `before` reminder. An early reminder never
    /// sent is skipped once the clock has breached. Keys in `already_sent` never come back.
    pub fn due_reminders(
        &self,
        sla: &Sla,
        state: State,
        now: Timestamp,
        already_sent: &[ReminderKey],
    ) -> Vec<ReminderKey> {
        let mut out = Vec::new();
        for clock in SlaClock::ALL {
            if !clock.runs_in(state) {
                continue;
            }
            // A target switched off has no deadline, so nothing to remind of.
            let Some(due) = sla.deadline(clock) else {
                continue;
            };
            let kind = if now >= due {
                ReminderKind::Breach
            } else if self.before_at(clock, due).is_some_and(|t| now >= t) {
                ReminderKind::Before
            } else {
                continue;
            };
            let key = ReminderKey { clock, kind, due };
            if !already_sent.contains(&key) {
                out.push(key);
            }
        }
        out
    }

    /// The earliest moment a reminder could be due for a report in `state` (the earliest
    /// early-reminder time or due date of its running clocks); `None` when no clock runs.
    /// A store can look at a report only once this has passed.
    pub fn earliest(&self, sla: &Sla, state: State) -> Option<Timestamp> {
        SlaClock::ALL
            .into_iter()
            .filter(|c| c.runs_in(state))
            .filter_map(|c| sla.deadline(c).map(|due| (c, due)))
            .map(|(c, due)| self.before_at(c, due).map_or(due, |b| b.min(due)))
            .min()
    }
}

/// How late a reminder may still be e-mailed. A reminder found later than this (a server
/// that was down for a week, or the first start after an upgrade that brought reminders to
/// reports already overdue) is recorded without e-mail, so nobody gets a flood of old news.
pub const MAX_REMINDER_DELAY: SignedDuration = SignedDuration::from_hours(7 * 24);

/// Whether reminder `key`, found due at `now`, is too old to e-mail (see
/// [`MAX_REMINDER_DELAY`]); a `before` reminder is never stale, since it is only due
/// before its date.
pub fn is_stale(key: &ReminderKey, now: Timestamp) -> bool {
    key.kind == ReminderKind::Breach && now.duration_since(key.due) > MAX_REMINDER_DELAY
}

/// `due` minus `lead`, counting only the time that falls on business days (local days of
/// the calendar's time zone). Saturates at the start of jiff's range.
pub fn business_time_before(
    calendar: &BusinessCalendar<'_>,
    due: Timestamp,
    lead: SignedDuration,
) -> Timestamp {
    let midnight = |d: jiff::civil::Date| {
        d.to_datetime(Time::midnight())
            .to_zoned(calendar.time_zone.clone())
            .map(|z| z.timestamp())
            .unwrap_or(Timestamp::MIN)
    };
    let mut remaining = lead;
    let mut date = due.to_zoned(calendar.time_zone.clone()).date();
    // The part of `date` before `end` is what the day contributes.
    let mut end = due;
    // A lead of at most 720 hours crosses at most a few hundred days even with long holiday
    // runs; the bound only guards against a calendar without business days.
    for _ in 0..4000 {
        let start = midnight(date);
        if calendar.is_business_day(date) {
            let available = end.duration_since(start);
            if available >= remaining {
                return end.saturating_sub(remaining).unwrap_or(Timestamp::MIN);
            }
            remaining -= available;
        }
        match date.yesterday() {
            Ok(d) => date = d,
            Err(_) => return Timestamp::MIN,
        }
        end = start;
    }
    due.saturating_sub(lead).unwrap_or(Timestamp::MIN)
}

/// `start` plus `lead`, counting only the time that falls on business days: the latest due
/// date whose early reminder ([`business_time_before`]) is due at `start`. Saturates at the
/// end of jiff's range.
pub fn business_time_after(
    calendar: &BusinessCalendar<'_>,
    start: Timestamp,
    lead: SignedDuration,
) -> Timestamp {
    let midnight = |d: jiff::civil::Date| {
        d.to_datetime(Time::midnight())
            .to_zoned(calendar.time_zone.clone())
            .map(|z| z.timestamp())
            .unwrap_or(Timestamp::MAX)
    };
    let mut remaining = lead;
    let mut date = start.to_zoned(calendar.time_zone.clone()).date();
    let mut from = start;
    for _ in 0..4000 {
        let Ok(next) = date.tomorrow() else {
            return Timestamp::MAX;
        };
        let end = midnight(next);
        if calendar.is_business_day(date) {
            let available = end.duration_since(from);
            if available >= remaining {
                return from.saturating_add(remaining).unwrap_or(Timestamp::MAX);
            }
            remaining -= available;
        }
        date = next;
        from = end;
    }
    start.saturating_add(lead).unwrap_or(Timestamp::MAX)
}

/// The subject and plain-text body of a reminder e-mail to a project's maintainers.
pub fn reminder_text(
    project_name: &str,
    report_number: i64,
    report_title: &str,
    key: &ReminderKey,
    now: Timestamp,
    report_url: &str,
) -> (String, String) {
    let what = match key.clock {
        SlaClock::Acknowledge => "acknowledgement",
        SlaClock::Triage => "triage",
        SlaClock::Disclosure => "disclosure",
    };
    let due = key.due.strftime("%Y-%m-%d %H:%M UTC");
    let subject = match key.kind {
        ReminderKind::Before => {
            format!("[{project_name}] Report #{report_number}: {what} due {due}")
        }
        ReminderKind::Breach => {
            format!("[{project_name}] Report #{report_number}: {what} deadline passed")
        }
    };
    let hours = key.due.duration_since(now).as_hours();
    let when = match key.kind {
        ReminderKind::Before => format!(
            "is due on {due}, in about {hours} hour{}",
            if hours == 1 { "" } else { "s" }
        ),
        ReminderKind::Breach => format!("was due on {due} and has passed"),
    };
    let todo = match key.clock {
        SlaClock::Acknowledge => "Acknowledge the report to stop this clock.",
        SlaClock::Triage => {
            "Accept the report, ask for information or close it to stop this clock."
        }
        SlaClock::Disclosure => {
            "Disclose the fix, or extend the deadline with a reason the reporter will see."
        }
    };
    let body = format!(
        "Hello,\n\n\
         the {what} deadline of report #{report_number} to {project_name}, \"{report_title}\",\n\
         {when}.\n\n{todo}\n\n  {report_url}\n\n\
         You get these reminders as a maintainer of {project_name}; change which e-mails you\n\
         get on your notification settings page.\n\n\
         -- \nSent by Embargo for {project_name}\n"
    );
    (subject, body)
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn ts(s: &str) -> Timestamp {
        s.parse().expect("timestamp")
    }

    #[test]
    fn lead_in_business_time_skips_weekends_and_holidays() {
        let holidays = [date(2026, 12, 25)];
        let cal = BusinessCalendar {
            time_zone: jiff::tz::TimeZone::UTC,
            holidays: &holidays,
        };
        let h = SignedDuration::from_hours;
        // Monday 10:00 − 24 business hours = Friday 10:00.
        assert_eq!(
            business_time_before(&cal, ts("2026-03-09T10:00:00Z"), h(24)),
            ts("2026-03-06T10:00:00Z")
        );
        // Monday 10:00 − 6 h stays on Monday.
        assert_eq!(
            business_time_before(&cal, ts("2026-03-09T10:00:00Z"), h(6)),
            ts("2026-03-09T04:00:00Z")
        );
        // Monday 10:00 − 12 h = Friday 22:00.
        assert_eq!(
            business_time_before(&cal, ts("2026-03-09T10:00:00Z"), h(12)),
            ts("2026-03-06T22:00:00Z")
        );
        // Saturday 26 Dec 10:00 (a due date never lands there, but a calendar one may)
        // − 24 h: Saturday is skipped, Friday 25 is a holiday, so Thursday 24 at 00:00.
        assert_eq!(
            business_time_before(&cal, ts("2026-12-26T10:00:00Z"), h(24)),
            ts("2026-12-24T00:00:00Z")
        );
        // Tuesday 00:00 − 24 h = Monday 00:00.
        assert_eq!(
            business_time_before(&cal, ts("2026-03-10T00:00:00Z"), h(24)),
            ts("2026-03-09T00:00:00Z")
        );
        // Tuesday 00:00 − 36 h = Friday 12:00.
        assert_eq!(
            business_time_before(&cal, ts("2026-03-10T00:00:00Z"), h(36)),
            ts("2026-03-06T12:00:00Z")
        );
    }

    #[test]
    fn business_time_after_is_the_inverse_of_before() {
        let holidays = [date(2026, 3, 9)];
        let cal = BusinessCalendar {
            time_zone: jiff::tz::TimeZone::UTC,
            holidays: &holidays,
        };
        let h = SignedDuration::from_hours;
        // Friday 10:00 + 24 business hours skips the weekend and Monday's holiday.
        assert_eq!(
            business_time_after(&cal, ts("2026-03-06T10:00:00Z"), h(24)),
            ts("2026-03-10T10:00:00Z")
        );
        // Saturday: counting starts on Tuesday 00:00.
        assert_eq!(
            business_time_after(&cal, ts("2026-03-07T15:00:00Z"), h(6)),
            ts("2026-03-10T06:00:00Z")
        );
        assert_eq!(
            business_time_before(&cal, ts("2026-03-10T10:00:00Z"), h(24)),
            ts("2026-03-06T10:00:00Z")
        );
    }

    #[test]
    fn lead_in_business_time_uses_the_local_day() {
        let cal = BusinessCalendar {
            time_zone: crate::calendar::time_zone("Asia/Tokyo").expect("zone"),
            holidays: &[],
        };
        // Monday 09:00 in Tokyo is Monday 00:00 UTC; 24 business hours earlier is Friday
        // 09:00 in Tokyo (Friday 00:00 UTC), not Sunday.
        assert_eq!(
            business_time_before(
                &cal,
                ts("2026-03-09T00:00:00Z"),
                SignedDuration::from_hours(24)
            ),
            ts("2026-03-06T00:00:00Z")
        );
    }

    #[test]
    fn the_plan_counts_business_leads_only_for_business_clocks() {
        let targets = Targets {
            acknowledge_days: Some(1),
            triage_days: Some(3),
            disclosure_days: Some(30),
            business_days: true,
            reminder_hours_before: 24,
            ..Targets::default()
        };
        let plan = ReminderPlan::for_targets(&targets);
        // Received Friday 6 March 10:00: acknowledge due Monday 10:00, triage Wednesday
        // 10:00, disclosure Sunday 5 April 10:00 (calendar days).
        let sla = Sla::compute(&targets, ts("2026-03-06T10:00:00Z"));
        assert_eq!(sla.acknowledge_due, ts("2026-03-09T10:00:00Z"));
        assert_eq!(
            plan.before_at(SlaClock::Acknowledge, sla.acknowledge_due),
            Some(ts("2026-03-06T10:00:00Z"))
        );
        assert_eq!(
            plan.before_at(SlaClock::Disclosure, sla.disclosure_due),
            Some(ts("2026-04-04T10:00:00Z"))
        );
        // Just after receipt the acknowledgement reminder is already due (a one-day target
        // with a one-day lead).
        assert_eq!(
            plan.due_reminders(&sla, State::Received, ts("2026-03-06T10:00:00Z"), &[]),
            vec![ReminderKey {
                clock: SlaClock::Acknowledge,
                kind: ReminderKind::Before,
                due: ts("2026-03-09T10:00:00Z"),
            }]
        );
        assert_eq!(
            plan.earliest(&sla, State::Received),
            Some(ts("2026-03-06T10:00:00Z"))
        );
        assert_eq!(
            plan.earliest(&sla, State::Acknowledged),
            Some(ts("2026-03-10T10:00:00Z"))
        );
        assert_eq!(plan.earliest(&sla, State::Closed), None);

        let calendar = Targets {
            business_days: false,
            ..targets.clone()
        };
        let plan = ReminderPlan::for_targets(&calendar);
        assert_eq!(
            plan.before_at(SlaClock::Acknowledge, ts("2026-03-09T10:00:00Z")),
            Some(ts("2026-03-08T10:00:00Z"))
        );
        let none = Targets {
            reminder_hours_before: 0,
            ..targets
        };
        assert_eq!(
            ReminderPlan::for_targets(&none)
                .before_at(SlaClock::Triage, ts("2026-03-09T10:00:00Z")),
            None
        );
    }

    #[test]
    fn breaches_older_than_a_week_are_stale() {
        let key = ReminderKey {
            clock: SlaClock::Triage,
            kind: ReminderKind::Breach,
            due: ts("2026-03-09T10:00:00Z"),
        };
        assert!(!is_stale(&key, ts("2026-03-09T10:00:00Z")));
        assert!(!is_stale(&key, ts("2026-03-16T10:00:00Z")));
        assert!(is_stale(&key, ts("2026-03-16T10:00:01Z")));
        let before = ReminderKey {
            kind: ReminderKind::Before,
            ..key
        };
        assert!(!is_stale(&before, ts("2026-03-08T10:00:00Z")));
    }

    #[test]
    fn reminder_text_names_the_deadline() {
        let key = ReminderKey {
            clock: SlaClock::Acknowledge,
            kind: ReminderKind::Before,
            due: ts("2026-03-09T10:00:00Z"),
        };
        let (subject, body) = reminder_text(
            "PrintDesk",
            7,
            "Path traversal",
            &key,
            ts("2026-03-06T10:00:00Z"),
            "https://desk.example/inbox/demo/reports/7",
        );
        assert_eq!(
            subject,
            "[PrintDesk] Report #7: acknowledgement due 2026-03-09 10:00 UTC"
        );
        assert!(body.contains("in about 72 hours"), "{body}");
        assert!(body.contains("\"Path traversal\""), "{body}");
        assert!(
            body.contains("https://desk.example/inbox/demo/reports/7"),
            "{body}"
        );
        let breach = ReminderKey {
            kind: ReminderKind::Breach,
            clock: SlaClock::Disclosure,
            ..key
        };
        let (subject, body) = reminder_text("P", 1, "t", &breach, ts("2026-03-09T10:00:00Z"), "u");
        assert_eq!(subject, "[P] Report #1: disclosure deadline passed");
        assert!(body.contains("has passed"), "{body}");
    }
}
