use crate::{date, ts};
use domain::{
    UserId,
    calendar::{
        BusinessCalendar, Extension, ReminderKey, ReminderKind, ReminderSettings, SlaClock,
        add_calendar_days, due_reminders, next_reminder_at, time_zone,
    },
    policy::{Policy, PolicyError, Targets},
    report::{Sla, State},
};

fn berlin_easter() -> Targets {
    Targets {
        acknowledge_days: Some(1),
        triage_days: Some(5),
        disclosure_days: Some(90),
        business_days: true,
        time_zone: "Europe/Berlin".into(),
        // Good Friday and Easter Monday 2026.
        holidays: vec![date("2026-04-03"), date("2026-04-06")],
        reminder_hours_before: 24,
    }
}

#[test]
fn business_days_skip_weekends_and_holidays() {
    let t = berlin_easter();
    let cal = t.business_calendar();
    // Thursday 2 April 17:30 CEST + 1 business day: Friday and Monday are holidays.
    assert_eq!(
        cal.add_business_days(ts("2026-04-02T15:30:00Z"), 1),
        ts("2026-04-07T15:30:00Z")
    );
    assert!(!cal.is_business_day(date("2026-04-03")));
    assert!(!cal.is_business_day(date("2026-04-04")));
    assert!(cal.is_business_day(date("2026-04-02")));
    assert!(cal.is_business_day(date("2026-04-07")));
}

#[test]
fn business_days_keep_local_time_across_daylight_saving() {
    let t = berlin_easter();
    // Friday 27 March 13:00 CET; clocks go forward on Sunday 29 March.
    // Monday 30 March 13:00 CEST is 11:00 UTC.
    assert_eq!(
        t.business_calendar()
            .add_business_days(ts("2026-03-27T12:00:00Z"), 1),
        ts("2026-03-30T11:00:00Z")
    );
    // Seven calendar days: Friday 3 April 13:00 CEST.
    assert_eq!(
        add_calendar_days(ts("2026-03-27T12:00:00Z"), 7, &t.tz()),
        ts("2026-04-03T11:00:00Z")
    );
}

#[test]
fn the_local_date_decides_what_is_a_weekend() {
    let t = berlin_easter();
    // Friday 23:30 UTC is Saturday 00:30 in Berlin: counting starts Monday 00:00 local,
    // so one business day later is Tuesday 00:00 CET = Monday 23:00 UTC.
    assert_eq!(
        t.business_calendar()
            .add_business_days(ts("2026-03-06T23:30:00Z"), 1),
        ts("2026-03-09T23:00:00Z")
    );
    // The same instant in UTC is still Friday: one business day is Monday 23:30 UTC.
    let utc = Targets::default();
    assert_eq!(
        utc.business_calendar()
            .add_business_days(ts("2026-03-06T23:30:00Z"), 1),
        ts("2026-03-09T23:30:00Z")
    );
}

#[test]
fn a_report_received_on_a_holiday_starts_counting_on_the_next_business_day() {
    let holidays = [date("2026-12-25"), date("2026-12-28")];
    let cal = BusinessCalendar {
        time_zone: jiff::tz::TimeZone::UTC,
        holidays: &holidays,
    };
    // Friday 25 December (holiday), weekend, Monday 28 (holiday): counting starts Tuesday
    // 29 December 00:00; one business day later is Wednesday 30 December 00:00.
    assert_eq!(
        cal.add_business_days(ts("2026-12-25T10:00:00Z"), 1),
        ts("2026-12-30T00:00:00Z")
    );
    assert_eq!(
        cal.add_business_days(ts("2026-12-25T10:00:00Z"), 0),
        ts("2026-12-29T00:00:00Z")
    );
}

#[test]
fn sla_compute_honours_time_zone_and_holidays() {
    let sla = Sla::compute(&berlin_easter(), ts("2026-04-02T15:30:00Z"));
    assert_eq!(sla.acknowledge_due, ts("2026-04-07T15:30:00Z"));
    // Five business days after Thursday 2 April: Tue 7, Wed 8, Thu 9, Fri 10, Mon 13.
    assert_eq!(sla.triage_due, ts("2026-04-13T15:30:00Z"));
    // Disclosure: 90 calendar days, 1 July 17:30 CEST.
    assert_eq!(sla.disclosure_due, ts("2026-07-01T15:30:00Z"));
}

#[test]
fn old_targets_json_loads_with_defaults() {
    let old =
        r#"{"acknowledge_days":3,"triage_days":10,"disclosure_days":90,"business_days":true}"#;
    let t: Targets = serde_json::from_str(old).expect("old JSON loads");
    assert_eq!(t.time_zone, "UTC");
    assert!(t.holidays.is_empty());
    assert_eq!(t.reminder_hours_before, 24);
    assert_eq!(t.reminders(), ReminderSettings { hours_before: 24 });
}

#[test]
fn holidays_load_from_toml_dates_and_strings() {
    let p = Policy::from_toml(
        "[targets]\ntime_zone = \"America/New_York\"\nholidays = [2026-07-03, \"2026-11-26\"]\n",
    )
    .expect("valid policy");
    assert_eq!(
        p.targets.holidays,
        vec![date("2026-07-03"), date("2026-11-26")]
    );
    // And back: the stored JSON and the TOML export both load again.
    let json = serde_json::to_string(&p).expect("serializes");
    let again: Policy = serde_json::from_str(&json).expect("JSON loads");
    assert_eq!(again, p);
    assert_eq!(Policy::from_toml(&p.to_toml()).expect("TOML loads"), p);
}

#[test]
fn bad_calendar_settings_name_their_field() {
    let err = Policy::from_toml(
        "[targets]\ntime_zone = \"Mars/Olympus_Mons\"\nreminder_hours_before = 1000\n",
    )
    .unwrap_err();
    let PolicyError::Invalid(errors) = err else {
        panic!("expected field errors, got {err:?}")
    };
    assert!(errors.get("targets.time_zone").is_some(), "{errors}");
    assert!(
        errors.get("targets.reminder_hours_before").is_some(),
        "{errors}"
    );
    let err = Policy::from_toml("[targets]\nholidays = [\"25 December\"]\n").unwrap_err();
    assert!(
        matches!(err, PolicyError::Syntax { line: 2, .. }),
        "{err:?}"
    );
    let err = Policy::from_toml("[targets]\nholidays = [2026-12-25T10:00:00]\n").unwrap_err();
    assert!(matches!(err, PolicyError::Syntax { .. }), "{err:?}");
}

#[test]
fn time_zone_names() {
    assert!(time_zone("UTC").is_some());
    assert!(time_zone("utc").is_some());
    assert!(time_zone("Europe/Berlin").is_some());
    assert!(time_zone("Asia/Kolkata").is_some());
    assert!(time_zone("Europe/Nowhere").is_none());
    assert!(time_zone("").is_none());
    assert!(time_zone("../../etc/passwd").is_none());
}

fn sample_sla() -> Sla {
    Sla {
        acknowledge_due: ts("2026-03-13T10:00:00Z"),
        triage_due: ts("2026-03-20T10:00:00Z"),
        disclosure_due: ts("2026-06-04T10:00:00Z"),
    }
}

fn key(clock: SlaClock, kind: ReminderKind, due: &str) -> ReminderKey {
    ReminderKey {
        clock,
        kind,
        due: ts(due),
    }
}

#[test]
fn extensions_need_a_reason_and_a_later_date() {
    let sla = sample_sla();
    let ext = |clock, new_due: &str, reason: &str| Extension {
        due: clock,
        new_due: ts(new_due),
        reason: reason.into(),
        by: UserId::new(),
        at: ts("2026-03-10T00:00:00Z"),
    };
    let ok = ext(
        SlaClock::Disclosure,
        "2026-07-04T10:00:00Z",
        "Fix needs a new API.",
    );
    let extended = sla.extend(&ok).expect("valid extension");
    assert_eq!(extended.disclosure_due, ts("2026-07-04T10:00:00Z"));
    assert_eq!(extended.triage_due, sla.triage_due);
    assert_eq!(extended.acknowledge_due, sla.acknowledge_due);

    let e = sla
        .extend(&ext(SlaClock::Triage, "2026-03-27T10:00:00Z", "  "))
        .unwrap_err();
    assert!(e.get("reason").is_some(), "{e}");
    let e = sla
        .extend(&ext(SlaClock::Triage, "2026-03-20T10:00:00Z", "Holidays."))
        .unwrap_err();
    assert!(e.get("new_due").is_some(), "{e}");
    let e = sla
        .extend(&ext(
            SlaClock::Acknowledge,
            "2026-03-01T00:00:00Z",
            "x\u{7}",
        ))
        .unwrap_err();
    assert_eq!(e.0.len(), 2, "{e}");
    // Later than the current due date but already past when it was recorded.
    let late = Extension {
        at: ts("2026-03-25T00:00:00Z"),
        ..ext(SlaClock::Triage, "2026-03-21T00:00:00Z", "Late.")
    };
    assert!(sla.extend(&late).unwrap_err().get("new_due").is_some());

    // A chain: the second extension must move past the first one's date.
    let first = ext(SlaClock::Disclosure, "2026-07-04T10:00:00Z", "One.");
    let second = ext(SlaClock::Disclosure, "2026-06-30T10:00:00Z", "Two.");
    assert!(sla.with_extensions([&first, &second]).is_err());
    let second = ext(SlaClock::Disclosure, "2026-08-04T10:00:00Z", "Two.");
    assert_eq!(
        sla.with_extensions([&first, &second])
            .expect("both valid")
            .disclosure_due,
        ts("2026-08-04T10:00:00Z")
    );
}

#[test]
fn reminders_before_and_on_breach() {
    use ReminderKind::*;
    use SlaClock::*;
    let sla = sample_sla();
    let lead = ReminderSettings { hours_before: 24 };
    let at =
        |now: &str, state, sent: &[ReminderKey]| due_reminders(&sla, state, &lead, ts(now), sent);

    assert_eq!(at("2026-03-12T09:59:59Z", State::Received, &[]), vec![]);
    assert_eq!(
        at("2026-03-12T10:00:00Z", State::Received, &[]),
        vec![key(Acknowledge, Before, "2026-03-13T10:00:00Z")]
    );
    assert_eq!(
        at(
            "2026-03-12T11:00:00Z",
            State::Received,
            &[key(Acknowledge, Before, "2026-03-13T10:00:00Z")]
        ),
        vec![]
    );
    assert_eq!(
        at("2026-03-13T10:00:00Z", State::Received, &[]),
        vec![key(Acknowledge, Breach, "2026-03-13T10:00:00Z")]
    );
    assert_eq!(
        at("2026-03-19T12:00:00Z", State::Received, &[]),
        vec![
            key(Acknowledge, Breach, "2026-03-13T10:00:00Z"),
            key(Triage, Before, "2026-03-20T10:00:00Z"),
        ]
    );
    // Acknowledged: the acknowledgement clock stopped.
    assert_eq!(
        at("2026-03-19T12:00:00Z", State::Acknowledged, &[]),
        vec![key(Triage, Before, "2026-03-20T10:00:00Z")]
    );
    // Waiting for the reporter: triage waits too.
    assert_eq!(at("2026-03-21T00:00:00Z", State::NeedsInfo, &[]), vec![]);
    assert_eq!(
        at("2026-06-04T10:00:00Z", State::Fixed, &[]),
        vec![key(Disclosure, Breach, "2026-06-04T10:00:00Z")]
    );
    for done in [State::Disclosed, State::Closed] {
        assert_eq!(at("2027-01-01T00:00:00Z", done, &[]), vec![]);
    }
    // No lead time: only breaches.
    let none = ReminderSettings { hours_before: 0 };
    assert_eq!(
        due_reminders(
            &sla,
            State::Received,
            &none,
            ts("2026-03-13T09:00:00Z"),
            &[]
        ),
        vec![]
    );
}

#[test]
fn each_reminder_is_sent_once_at_the_right_time() {
    use ReminderKind::*;
    use SlaClock::*;
    // A scheduler polling every 15 minutes from receipt (6 March 10:00) to after the
    // deadline, with the report acknowledged on 9 March, accepted on 21 March and the
    // disclosure deadline extended on 1 June to 4 July.
    let lead = ReminderSettings { hours_before: 48 };
    let extension = Extension {
        due: Disclosure,
        new_due: ts("2026-07-04T10:00:00Z"),
        reason: "Release train.".into(),
        by: UserId::new(),
        at: ts("2026-06-01T00:00:00Z"),
    };
    let mut sent: Vec<(ReminderKey, jiff::Timestamp)> = Vec::new();
    let mut now = ts("2026-03-06T10:00:00Z");
    while now < ts("2026-07-10T00:00:00Z") {
        let state = if now < ts("2026-03-09T08:00:00Z") {
            State::Received
        } else if now < ts("2026-03-21T00:00:00Z") {
            State::Acknowledged
        } else {
            State::Accepted
        };
        let sla = if now >= extension.at {
            sample_sla().extend(&extension).expect("valid")
        } else {
            sample_sla()
        };
        let keys: Vec<ReminderKey> = sent.iter().map(|(k, _)| *k).collect();
        for k in due_reminders(&sla, state, &lead, now, &keys) {
            sent.push((k, now));
        }
        now = now
            .checked_add(jiff::SignedDuration::from_mins(15))
            .expect("in range");
    }
    let expected = vec![
        (
            key(Triage, Before, "2026-03-20T10:00:00Z"),
            ts("2026-03-18T10:00:00Z"),
        ),
        (
            key(Triage, Breach, "2026-03-20T10:00:00Z"),
            ts("2026-03-20T10:00:00Z"),
        ),
        (
            key(Disclosure, Before, "2026-07-04T10:00:00Z"),
            ts("2026-07-02T10:00:00Z"),
        ),
        (
            key(Disclosure, Breach, "2026-07-04T10:00:00Z"),
            ts("2026-07-04T10:00:00Z"),
        ),
    ];
    assert_eq!(sent, expected);
}

#[test]
fn next_reminder_time_for_a_scheduler() {
    let sla = sample_sla();
    let lead = ReminderSettings { hours_before: 24 };
    let next = |now: &str, state| next_reminder_at(&sla, state, &lead, ts(now));
    assert_eq!(
        next("2026-03-06T10:00:00Z", State::Received),
        Some(ts("2026-03-12T10:00:00Z"))
    );
    assert_eq!(
        next("2026-03-12T10:00:00Z", State::Received),
        Some(ts("2026-03-13T10:00:00Z"))
    );
    assert_eq!(
        next("2026-03-13T10:00:00Z", State::Acknowledged),
        Some(ts("2026-03-19T10:00:00Z"))
    );
    assert_eq!(
        next("2026-03-21T00:00:00Z", State::Fixing),
        Some(ts("2026-06-03T10:00:00Z"))
    );
    assert_eq!(next("2026-06-05T00:00:00Z", State::Fixing), None);
    assert_eq!(next("2026-03-06T10:00:00Z", State::Closed), None);
}

#[test]
fn reminder_keys_have_a_stable_text_form() {
    let k = key(
        SlaClock::Triage,
        ReminderKind::Before,
        "2026-03-20T10:00:00Z",
    );
    assert_eq!(k.to_key_string(), "triage:before:2026-03-20T10:00:00Z");
    assert_eq!(
        ReminderKey::parse("triage:before:2026-03-20T10:00:00Z"),
        Some(k)
    );
    assert_eq!(ReminderKey::parse("triage:soon:2026-03-20T10:00:00Z"), None);
    assert_eq!(ReminderKey::parse("fix:before:2026-03-20T10:00:00Z"), None);
    assert_eq!(ReminderKey::parse("triage:before"), None);
}

#[test]
fn clocks_run_in_these_states() {
    use State::*;
    // (state, acknowledge, triage, disclosure)
    let table = [
        (Received, true, true, true),
        (Acknowledged, false, true, true),
        (NeedsInfo, false, false, true),
        (Accepted, false, false, true),
        (Fixing, false, false, true),
        (Fixed, false, false, true),
        (Disclosed, false, false, false),
        (Closed, false, false, false),
    ];
    for (state, a, t, d) in table {
        assert_eq!(SlaClock::Acknowledge.runs_in(state), a, "{state:?}");
        assert_eq!(SlaClock::Triage.runs_in(state), t, "{state:?}");
        assert_eq!(SlaClock::Disclosure.runs_in(state), d, "{state:?}");
    }
}
