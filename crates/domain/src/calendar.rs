//! SLA calendars: business days in the project's time zone with its holidays, deadline
//! extensions, and reminders that are each sent exactly once.
//!
//! Time zones come from the IANA database bundled into the binary (jiff's
//! `tzdb-bundle-always`), never from the host's `/usr/share/zoneinfo`: resolving a name does no
//! I/O and gives the same answer on every machine.

use crate::{FieldErrors, UserId, report::Sla, report::State};
use jiff::{
    SignedDuration, Timestamp, ToSpan,
    civil::{Date, Time, Weekday},
    tz::{TimeZone, TimeZoneDatabase},
};
use serde::{Deserialize, Serialize};
use std::{fmt, sync::OnceLock};

/// The most holidays a policy may list.
pub const MAX_HOLIDAYS: usize = 1000;
/// The longest reminder lead time, in hours (30 days).
pub const MAX_REMINDER_HOURS: u16 = 720;
/// The longest extension reason, in bytes.
pub const MAX_REASON: usize = 2000;

fn database() -> &'static TimeZoneDatabase {
    static DB: OnceLock<TimeZoneDatabase> = OnceLock::new();
    DB.get_or_init(TimeZoneDatabase::bundled)
}

/// The time zone named `name` (an IANA name such as `Europe/Berlin`, or `UTC`).
pub fn time_zone(name: &str) -> Option<TimeZone> {
    if name.eq_ignore_ascii_case("UTC") {
        return Some(TimeZone::UTC);
    }
    database().get(name).ok()
}

/// The time zone named `name`, or UTC when the name is unknown (policies are validated on
/// load, so this only happens with data that bypassed validation).
pub fn time_zone_or_utc(name: &str) -> TimeZone {
    time_zone(name).unwrap_or(TimeZone::UTC)
}

/// Which days count: Monday to Friday, except the listed holidays.
#[derive(Debug, Clone)]
pub struct BusinessCalendar<'a> {
    pub time_zone: TimeZone,
    /// Local dates that are not business days (any order).
    pub holidays: &'a [Date],
}

impl BusinessCalendar<'_> {
    pub fn is_business_day(&self, date: Date) -> bool {
        !matches!(date.weekday(), Weekday::Saturday | Weekday::Sunday)
            && !self.holidays.contains(&date)
    }

    /// `start` plus `days` business days: the same local time of day on the `days`-th business
    /// day after the start. A report that arrives on a weekend or holiday starts counting on
    /// the next business day at 00:00 local time. Saturates at the end of jiff's range.
    pub fn add_business_days(&self, start: Timestamp, days: u16) -> Timestamp {
        let zoned = start.to_zoned(self.time_zone.clone());
        let mut date = zoned.date();
        let mut time = zoned.time();
        let next = |d: Date| d.tomorrow().ok();
        if !self.is_business_day(date) {
            while !self.is_business_day(date) {
                match next(date) {
                    Some(d) => date = d,
                    None => return Timestamp::MAX,
                }
            }
            time = Time::midnight();
        }
        let mut remaining = days;
        while remaining > 0 {
            match next(date) {
                Some(d) => date = d,
                None => return Timestamp::MAX,
            }
            if self.is_business_day(date) {
                remaining -= 1;
            }
        }
        date.to_datetime(time)
            .to_zoned(self.time_zone.clone())
            .map(|z| z.timestamp())
            .unwrap_or(Timestamp::MAX)
    }
}

/// `start` plus `days` calendar days in `tz`: the same local time of day, so a deadline does
/// not move by an hour across a daylight-saving change. Saturates at the end of jiff's range.
pub fn add_calendar_days(start: Timestamp, days: u16, tz: &TimeZone) -> Timestamp {
    start
        .to_zoned(tz.clone())
        .checked_add(i64::from(days).days())
        .map(|z| z.timestamp())
        .unwrap_or(Timestamp::MAX)
}

/// One of a report's clocks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SlaClock {
    Acknowledge,
    Triage,
    Disclosure,
}

impl SlaClock {
    pub const ALL: [SlaClock; 3] = [Self::Acknowledge, Self::Triage, Self::Disclosure];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Acknowledge => "acknowledge",
            Self::Triage => "triage",
            Self::Disclosure => "disclosure",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }

    /// The field of [`Sla`] (and of the report JSON's `sla` object) this clock sets.
    pub fn field(self) -> &'static str {
        match self {
            Self::Acknowledge => "acknowledge_due",
            Self::Triage => "triage_due",
            Self::Disclosure => "disclosure_due",
        }
    }

    /// Whether the clock runs while a report is in `state`, i.e. whether its due date is a
    /// promise the maintainers still have to keep:
    /// - acknowledge: until the first response (`received` only);
    /// - triage: until the maintainers conclude (`received`, `acknowledged`); it waits while
    ///   the report is in `needs_info`, since the next move is the reporter's;
    /// - disclosure: until the report is disclosed or closed (it keeps running after `fixed`).
    pub fn runs_in(self, state: State) -> bool {
        use State::*;
        match self {
            Self::Acknowledge => state == Received,
            Self::Triage => matches!(state, Received | Acknowledged),
            Self::Disclosure => matches!(
                state,
                Received | Acknowledged | NeedsInfo | Accepted | Fixing | Fixed
            ),
        }
    }
}

impl fmt::Display for SlaClock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Sla {
    /// The due date of `clock`.
    pub fn due(&self, clock: SlaClock) -> Timestamp {
        match clock {
            SlaClock::Acknowledge => self.acknowledge_due,
            SlaClock::Triage => self.triage_due,
            SlaClock::Disclosure => self.disclosure_due,
        }
    }

    fn due_mut(&mut self, clock: SlaClock) -> &mut Timestamp {
        match clock {
            SlaClock::Acknowledge => &mut self.acknowledge_due,
            SlaClock::Triage => &mut self.triage_due,
            SlaClock::Disclosure => &mut self.disclosure_due,
        }
    }

    /// The clocks after `extension`, or why the extension is refused.
    pub fn extend(&self, extension: &Extension) -> Result<Sla, FieldErrors> {
        extension.validate(self)?;
        let mut sla = *self;
        *sla.due_mut(extension.due) = extension.new_due;
        Ok(sla)
    }

    /// The clocks after every extension in order; the first refused one stops the fold.
    pub fn with_extensions<'a>(
        &self,
        extensions: impl IntoIterator<Item = &'a Extension>,
    ) -> Result<Sla, FieldErrors> {
        extensions
            .into_iter()
            .try_fold(*self, |sla, e| sla.extend(e))
    }
}

/// A recorded deadline extension: which clock, the new due date, why, who and when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Extension {
    pub due: SlaClock,
    pub new_due: Timestamp,
    pub reason: String,
    pub by: UserId,
    pub at: Timestamp,
}

impl Extension {
    /// Checks the extension against the current clocks: the reason is required (one to
    /// `MAX_REASON` bytes, no control characters other than line breaks and tabs) and the
    /// new due date must be later than both the current one and the moment of the extension.
    /// Errors name the fields `due`, `new_due` and `reason`.
    pub fn validate(&self, current: &Sla) -> Result<(), FieldErrors> {
        let mut errors = FieldErrors::default();
        let reason = self.reason.trim();
        if reason.is_empty() {
            errors.push("reason", "is required: say why the deadline moves");
        } else if self.reason.len() > MAX_REASON {
            errors.push("reason", format!("is longer than {MAX_REASON} bytes"));
        } else if self
            .reason
            .chars()
            .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
        {
            errors.push("reason", "must not contain control characters");
        }
        let old = current.due(self.due);
        if self.new_due <= old {
            errors.push(
                "new_due",
                format!(
                    "must be later than the current {} ({old})",
                    self.due.field()
                ),
            );
        } else if self.new_due <= self.at {
            errors.push("new_due", "must be in the future");
        }
        errors.into_result(())
    }
}

/// How early reminders go out. Breach reminders always go out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReminderSettings {
    /// Hours before a due date to remind the maintainers; 0 sends no early reminder.
    pub hours_before: u16,
}

impl Default for ReminderSettings {
    fn default() -> Self {
        Self { hours_before: 24 }
    }
}

/// Whether a reminder comes before the due date or announces a breach.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReminderKind {
    Before,
    Breach,
}

impl ReminderKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Before => "before",
            Self::Breach => "breach",
        }
    }
}

/// Identifies one reminder so that it is sent exactly once: the clock, the kind and the due
/// date it is about. An extension moves the due date, so it makes new reminders.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ReminderKey {
    pub clock: SlaClock,
    pub kind: ReminderKind,
    pub due: Timestamp,
}

impl ReminderKey {
    /// A stable text form for a unique database column: `triage:before:2026-03-20T10:00:00Z`.
    pub fn to_key_string(&self) -> String {
        format!(
            "{}:{}:{}",
            self.clock.as_str(),
            self.kind.as_str(),
            self.due
        )
    }

    /// Reads [`Self::to_key_string`] back.
    pub fn parse(s: &str) -> Option<Self> {
        let mut parts = s.splitn(3, ':');
        let clock = SlaClock::parse(parts.next()?)?;
        let kind = match parts.next()? {
            "before" => ReminderKind::Before,
            "breach" => ReminderKind::Breach,
            _ => return None,
        };
        let due = parts.next()?.parse().ok()?;
        Some(Self { clock, kind, due })
    }
}

/// The reminders due at `now` that have not been sent yet, in clock order.
///
/// For every clock that runs in `state` ([`SlaClock::runs_in`]): once `now` reaches the due
/// date a `breach` reminder; before that, from `hours_before` hours ahead of it, a `before`
/// reminder. A `before` reminder that was never sent is skipped once the clock has breached
/// (the breach reminder says more). Keys in `already_sent` are never returned again.
pub fn due_reminders(
    sla: &Sla,
    state: State,
    lead: &ReminderSettings,
    now: Timestamp,
    already_sent: &[ReminderKey],
) -> Vec<ReminderKey> {
    let lead = SignedDuration::from_hours(i64::from(lead.hours_before));
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
        } else if !lead.is_zero() && now >= due.saturating_sub(lead).unwrap_or(due) {
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

/// The next moment after `now` at which [`due_reminders`] could return something new for a
/// report in `state`, so a scheduler can sleep until then. `None` when no clock runs.
pub fn next_reminder_at(
    sla: &Sla,
    state: State,
    lead: &ReminderSettings,
    now: Timestamp,
) -> Option<Timestamp> {
    let lead = SignedDuration::from_hours(i64::from(lead.hours_before));
    SlaClock::ALL
        .into_iter()
        .filter(|c| c.runs_in(state))
        .filter_map(|c| sla.deadline(c))
        .flat_map(|due| {
            let before = (!lead.is_zero()).then(|| due.saturating_sub(lead).unwrap_or(due));
            [before, Some(due)]
        })
        .flatten()
        .filter(|t| *t > now)
        .min()
}

/// Holiday lists accept ISO dates as strings (`"2026-12-25"`, JSON and TOML) and TOML's
/// bare local dates (`2026-12-25`).
pub(crate) mod holidays {
    use jiff::civil::Date;
    use serde::{Deserialize, Deserializer};

    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Repr {
        Text(String),
        Toml(toml::value::Datetime),
    }

    /// One date, as `updated = 2024-02-06` or `updated = "2024-02-06"`; JSON `null` is none.
    pub fn deserialize_one<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Date>, D::Error> {
        let text = match Option::<Repr>::deserialize(d)? {
            None => return Ok(None),
            Some(Repr::Text(s)) => s,
            Some(Repr::Toml(dt)) => {
                if dt.time.is_some() || dt.offset.is_some() {
                    return Err(serde::de::Error::custom(format!(
                        "{dt} must be a date without a time"
                    )));
                }
                dt.to_string()
            }
        };
        text.parse::<Date>().map(Some).map_err(|_| {
            serde::de::Error::custom(format!("{text:?} must be a date such as 2024-02-06"))
        })
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Date>, D::Error> {
        let items = Vec::<Repr>::deserialize(d)?;
        items
            .into_iter()
            .map(|r| {
                let text = match r {
                    Repr::Text(s) => s,
                    Repr::Toml(dt) => {
                        if dt.time.is_some() || dt.offset.is_some() {
                            return Err(serde::de::Error::custom(format!(
                                "holiday {dt} must be a date without a time"
                            )));
                        }
                        dt.to_string()
                    }
                };
                text.parse::<Date>().map_err(|_| {
                    serde::de::Error::custom(format!(
                        "holiday {text:?} must be a date such as 2026-12-25"
                    ))
                })
            })
            .collect()
    }
}
