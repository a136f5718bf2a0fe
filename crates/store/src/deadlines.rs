//! A report's deadlines: extensions of its clocks (with their log) and the reminders sent
//! about them, each recorded exactly once.

use crate::{
    Conn, ExtensionRecord, NewExtension, Result, StoreError,
    rows::{get, micros, ts, uuid},
};
use domain::{
    ProjectId, ReportId, UserId,
    calendar::{ReminderKey, ReminderKind, SlaClock},
    report::{Report, State},
};
use jiff::Timestamp;
use std::sync::OnceLock;

/// The column of `reports` holding a clock's due date (a fixed name, never input).
fn due_column(clock: SlaClock) -> &'static str {
    match clock {
        SlaClock::Acknowledge => "acknowledge_due",
        SlaClock::Triage => "triage_due",
        SlaClock::Disclosure => "disclosure_due",
    }
}

/// The candidate query, built once from the domain's rule of which clock runs in which
/// state, so the SQL and `SlaClock::runs_in` cannot drift apart.
fn candidates_sql() -> &'static str {
    static SQL: OnceLock<String> = OnceLock::new();
    SQL.get_or_init(|| {
        let clauses: Vec<String> = SlaClock::ALL
            .into_iter()
            .map(|clock| {
                let states: Vec<String> = State::ALL
                    .into_iter()
                    .filter(|s| clock.runs_in(*s))
                    .map(|s| format!("'{}'", s.as_str()))
                    .collect();
                let col = due_column(clock);
                format!(
                    "(r.state IN ({states}) AND r.{col} <= $2 AND NOT EXISTS (\
                     SELECT 1 FROM sla_reminders s WHERE s.report_id = r.id \
                     AND s.clock = '{clock}' AND s.kind = 'breach' AND s.due = r.{col}))",
                    states = states.join(", "),
                    clock = clock.as_str(),
                )
            })
            .collect();
        format!(
            "SELECT {} FROM reports r WHERE r.project_id = $1 AND ({}) \
             AND NOT EXISTS (SELECT 1 FROM intake_holds h WHERE h.report_id = r.id \
             AND h.status IN {}) \
             ORDER BY r.received_at, r.id LIMIT $3",
            crate::reports::COLUMNS_R,
            clauses.join(" OR "),
            crate::holds::JUNK_SQL,
        )
    })
}

fn clock_of(s: &str) -> Result<SlaClock> {
    SlaClock::parse(s).ok_or_else(|| StoreError::Corrupt(format!("clock {s:?}")))
}

/// Moves the extension's clock from `old_due` to `new_due` (and `updated_at`) if it still
/// reads `old_due`; returns whether it moved.
pub async fn move_clock(c: &mut Conn, e: &NewExtension) -> Result<bool> {
    let col = due_column(e.clock);
    let sql =
        format!("UPDATE reports SET {col} = $1, updated_at = $2 WHERE id = $3 AND {col} = $4");
    let updated = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(micros(e.new_due))
        .bind(micros(e.at))
        .bind(e.report.to_string())
        .bind(micros(e.old_due))
        .execute(c)
        .await?
        .rows_affected();
    Ok(updated == 1)
}

/// Logs an extension.
pub async fn insert_extension(c: &mut Conn, e: &NewExtension) -> Result<()> {
    sqlx::query(
        "INSERT INTO sla_extensions (id, report_id, clock, old_due, new_due, reason, user_id, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(e.id.to_string())
    .bind(e.report.to_string())
    .bind(e.clock.as_str())
    .bind(micros(e.old_due))
    .bind(micros(e.new_due))
    .bind(&e.reason)
    .bind(e.by.map(|u| u.to_string()))
    .bind(micros(e.at))
    .execute(c)
    .await?;
    Ok(())
}

/// A report's extensions, oldest first.
pub async fn extensions(c: &mut Conn, report: ReportId) -> Result<Vec<ExtensionRecord>> {
    sqlx::query(
        "SELECT e.id, e.report_id, e.clock, e.old_due, e.new_due, e.reason, e.user_id, \
         u.name AS user_name, e.created_at FROM sla_extensions e \
         LEFT JOIN users u ON u.id = e.user_id \
         WHERE e.report_id = $1 ORDER BY e.created_at, e.id",
    )
    .bind(report.to_string())
    .fetch_all(c)
    .await?
    .iter()
    .map(|row| {
        let by: Option<String> = get(row, "user_id")?;
        Ok(ExtensionRecord {
            id: uuid(&get::<String>(row, "id")?)?,
            report_id: ReportId(uuid(&get::<String>(row, "report_id")?)?),
            clock: clock_of(&get::<String>(row, "clock")?)?,
            old_due: ts(get(row, "old_due")?)?,
            new_due: ts(get(row, "new_due")?)?,
            reason: get(row, "reason")?,
            by: by.as_deref().map(uuid).transpose()?.map(UserId),
            by_name: get(row, "user_name")?,
            at: ts(get(row, "created_at")?)?,
        })
    })
    .collect()
}

/// The project's reports that may owe a reminder by `horizon`: a clock that runs in the
/// report's state is due by then and its breach reminder was not sent. At most `limit`,
/// earliest received first.
pub async fn reminder_candidates(
    c: &mut Conn,
    project: ProjectId,
    horizon: Timestamp,
    limit: i64,
) -> Result<Vec<Report>> {
    sqlx::query(sqlx::AssertSqlSafe(candidates_sql()))
        .bind(project.to_string())
        .bind(micros(horizon))
        .bind(limit)
        .fetch_all(c)
        .await?
        .iter()
        .map(crate::reports::from_row)
        .collect()
}

/// The reminders already sent about a report.
pub async fn sent_reminders(c: &mut Conn, report: ReportId) -> Result<Vec<ReminderKey>> {
    sqlx::query("SELECT clock, kind, due FROM sla_reminders WHERE report_id = $1")
        .bind(report.to_string())
        .fetch_all(c)
        .await?
        .iter()
        .map(|row| {
            let kind: String = get(row, "kind")?;
            Ok(ReminderKey {
                clock: clock_of(&get::<String>(row, "clock")?)?,
                kind: match kind.as_str() {
                    "before" => ReminderKind::Before,
                    "breach" => ReminderKind::Breach,
                    other => return Err(StoreError::Corrupt(format!("kind {other:?}"))),
                },
                due: ts(get(row, "due")?)?,
            })
        })
        .collect()
}

/// The report's state and what one of its clocks reads, as they are now; `None` when there
/// is no such report.
pub async fn clock_reading(
    c: &mut Conn,
    report: ReportId,
    clock: SlaClock,
) -> Result<Option<(State, Timestamp)>> {
    let sql = format!(
        "SELECT state, {} AS due FROM reports WHERE id = $1",
        due_column(clock)
    );
    let Some(row) = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(report.to_string())
        .fetch_optional(c)
        .await?
    else {
        return Ok(None);
    };
    let state: String = get(&row, "state")?;
    let state =
        State::parse(&state).ok_or_else(|| StoreError::Corrupt(format!("state {state:?}")))?;
    Ok(Some((state, ts(get(&row, "due")?)?)))
}

/// Records a reminder as sent; `false` (and nothing stored) when it was recorded before.
pub async fn record_reminder(
    c: &mut Conn,
    report: ReportId,
    key: &ReminderKey,
    now: Timestamp,
) -> Result<bool> {
    let inserted = sqlx::query(
        "INSERT INTO sla_reminders (report_id, clock, kind, due, sent_at) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
    )
    .bind(report.to_string())
    .bind(key.clock.as_str())
    .bind(key.kind.as_str())
    .bind(micros(key.due))
    .bind(micros(now))
    .execute(c)
    .await?
    .rows_affected();
    Ok(inserted == 1)
}
