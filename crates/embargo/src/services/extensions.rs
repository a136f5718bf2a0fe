//! Deadline extensions: a maintainer moves one of a report's clocks (acknowledge, triage,
//! disclosure) to a later date with a reason the reporter sees. The change is stored with
//! its audit event in one transaction; reminders follow the new due date.

use super::{
    Result, ServiceError,
    reports::{Caller, acting_on},
};
use crate::AppState;
use domain::{
    ReportId,
    account::Permission,
    calendar::{Extension, SlaClock},
    report::Report,
};
use jiff::{Timestamp, civil::Date};
use store::{ExtensionRecord, NewExtension};

/// Reads `new_due`: an RFC 3339 instant, or a date (`2026-07-01`), which keeps the current
/// due date's local time of day in the project's time zone.
pub fn parse_new_due(text: &str, current: Timestamp, tz: &jiff::tz::TimeZone) -> Result<Timestamp> {
    let text = text.trim();
    if let Ok(t) = text.parse::<Timestamp>() {
        return Ok(t);
    }
    let date: Date = text.parse().map_err(|_| {
        ServiceError::field(
            "new_due",
            "must be a date such as 2026-07-01 or an instant such as 2026-07-01T10:00:00Z",
        )
    })?;
    let time = current.to_zoned(tz.clone()).time();
    date.to_datetime(time)
        .to_zoned(tz.clone())
        .map(|z| z.timestamp())
        .map_err(|_| ServiceError::field("new_due", "is out of range"))
}

/// Extends `clock` of report `id` to `new_due` (see [`parse_new_due`]) for `reason`.
/// Maintainers and admins only (`Permission::ExtendDeadline`): triagers and reporters get
/// 403, anyone without a role on the project 404. A clock that no longer runs in the
/// report's state cannot be extended (409).
pub async fn extend(
    state: &AppState,
    caller: Caller<'_>,
    id: ReportId,
    clock: &str,
    new_due: &str,
    reason: &str,
) -> Result<(Report, ExtensionRecord)> {
    let (view, role) = acting_on(state, caller, id).await?;
    let Caller::User(user) = caller else {
        return Err(ServiceError::Forbidden);
    };
    if !role.allows(Permission::ExtendDeadline) {
        return Err(ServiceError::Forbidden);
    }
    let clock = SlaClock::parse(clock.trim())
        .ok_or_else(|| ServiceError::field("clock", "must be acknowledge, triage or disclosure"))?;
    let report = view.report;
    let tz = view.project.policy.targets.tz();
    let old_due = report.sla.due(clock);
    let new_due = parse_new_due(new_due, old_due, &tz)?;
    if !clock.runs_in(report.state) {
        return Err(ServiceError::conflict(
            "clock_stopped",
            format!(
                "the {} clock no longer runs: the report is {}",
                clock,
                report.state.as_str()
            ),
        ));
    }
    let now = state.now();
    let extension = Extension {
        due: clock,
        new_due,
        reason: reason.trim().to_owned(),
        by: user.id,
        at: now,
    };
    extension.validate(&report.sla)?;
    let audit = domain::audit::NewAuditEvent {
        at: now,
        actor: domain::audit::user_actor(user.id),
        action: "report.extend".into(),
        subject: domain::audit::report_subject(id),
        data: serde_json::json!({
            "clock": clock.as_str(),
            "from": old_due.to_string(),
            "to": new_due.to_string(),
        }),
    };
    let record = NewExtension {
        id: uuid::Uuid::now_v7(),
        report: id,
        clock,
        old_due,
        new_due,
        reason: extension.reason,
        by: Some(user.id),
        at: now,
    };
    let report = move_clock(state, &record, audit).await?;
    tracing::info!(report = %id, clock = clock.as_str(), "deadline extended");
    let stored = ExtensionRecord {
        id: record.id,
        report_id: id,
        clock,
        old_due,
        new_due,
        reason: record.reason,
        by: Some(user.id),
        by_name: Some(user.name.clone()),
        at: now,
    };
    Ok((report, stored))
}

/// Moves the clock with its extension record and audit event in one unit of work;
/// `Conflict` when the clock no longer reads `e.old_due` (another change landed meanwhile).
/// Returns the report as changed.
async fn move_clock(
    state: &AppState,
    e: &NewExtension,
    audit: domain::audit::NewAuditEvent,
) -> store::Result<Report> {
    let mut tx = state.db.begin().await?;
    let moved = store::deadlines::move_clock(&mut tx, e).await?;
    let report = store::reports::by_id(&mut tx, e.report)
        .await?
        .ok_or(store::StoreError::NotFound)?;
    if !moved {
        return Err(store::StoreError::Conflict(format!(
            "the {} moved meanwhile; it is now {}",
            e.clock.field(),
            report.sla.due(e.clock)
        )));
    }
    store::deadlines::insert_extension(&mut tx, e).await?;
    store::audit::append(&mut tx, audit).await?;
    tx.commit().await?;
    Ok(report)
}

/// A report's extensions, oldest first. Callers decide who sees the names.
pub async fn list(state: &AppState, id: ReportId) -> Result<Vec<ExtensionRecord>> {
    Ok(store::deadlines::extensions(&mut *state.db.read().await?, id).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_date_keeps_the_local_time_of_the_current_due_date() {
        let tz = domain::calendar::time_zone("Europe/Berlin").expect("zone");
        let current: Timestamp = "2026-03-20T09:00:00Z".parse().expect("ts");
        // 10:00 in Berlin (winter time) stays 10:00 local in summer time: 08:00 UTC.
        assert_eq!(
            parse_new_due("2026-07-01", current, &tz).expect("date"),
            "2026-07-01T08:00:00Z".parse::<Timestamp>().expect("ts")
        );
        assert_eq!(
            parse_new_due("2026-07-01T12:00:00Z", current, &tz).expect("instant"),
            "2026-07-01T12:00:00Z".parse::<Timestamp>().expect("ts")
        );
        match parse_new_due("next week", current, &tz) {
            Err(ServiceError::Invalid(e)) => assert!(e.get("new_due").is_some(), "{e}"),
            other => panic!("expected a field error, got {other:?}"),
        }
    }
}
