//! Deadline extensions and reminders sent exactly once.

use super::{SqlStore, append_audit_tx, get, insert_email, micros, report_from_row, ts, uuid};
use crate::{ExtensionRecord, NewEmail, NewExtension, Result, StoreError};
use domain::{
    ProjectId, ReportId, UserId,
    audit::NewAuditEvent,
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
            "SELECT r.id, r.project_id, r.number, r.title, r.description, r.affected_version, \
             r.reproduction, r.impact, r.cvss_vector, r.reporter_name, r.reporter_email, \
             r.credit_as, r.credit_mode, r.source, r.state, r.resolution, r.received_at, \
             r.acknowledged_at, r.updated_at, r.acknowledge_due, r.triage_due, r.disclosure_due \
             FROM reports r WHERE r.project_id = $1 AND ({}) \
             ORDER BY r.received_at, r.id LIMIT $3",
            clauses.join(" OR ")
        )
    })
}

fn clock_of(s: &str) -> Result<SlaClock> {
    SlaClock::parse(s).ok_or_else(|| StoreError::Corrupt(format!("clock {s:?}")))
}

impl SqlStore {
    pub(super) async fn extend_sla_impl(
        &self,
        e: &NewExtension,
        audit: NewAuditEvent,
    ) -> Result<Report> {
        let col = due_column(e.clock);
        let sql =
            format!("UPDATE reports SET {col} = $1, updated_at = $2 WHERE id = $3 AND {col} = $4");
        let mut tx = self.begin_write().await?;
        let updated = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(micros(e.new_due))
            .bind(micros(e.at))
            .bind(e.report.to_string())
            .bind(micros(e.old_due))
            .execute(&mut *tx)
            .await?
            .rows_affected();
        let row = sqlx::query(select_reports!("WHERE id = $1"))
            .bind(e.report.to_string())
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(StoreError::NotFound)?;
        let report = report_from_row(&row)?;
        if updated != 1 {
            return Err(StoreError::Conflict(format!(
                "the {} moved meanwhile; it is now {}",
                e.clock.field(),
                report.sla.due(e.clock)
            )));
        }
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
        .execute(&mut *tx)
        .await?;
        append_audit_tx(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(report)
    }

    pub(super) async fn sla_extensions_impl(
        &self,
        report: ReportId,
    ) -> Result<Vec<ExtensionRecord>> {
        sqlx::query(
            "SELECT e.id, e.report_id, e.clock, e.old_due, e.new_due, e.reason, e.user_id, \
             u.name AS user_name, e.created_at FROM sla_extensions e \
             LEFT JOIN users u ON u.id = e.user_id \
             WHERE e.report_id = $1 ORDER BY e.created_at, e.id",
        )
        .bind(report.to_string())
        .fetch_all(&self.pool)
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

    pub(super) async fn reminder_candidates_impl(
        &self,
        project: ProjectId,
        horizon: Timestamp,
        limit: i64,
    ) -> Result<Vec<Report>> {
        sqlx::query(sqlx::AssertSqlSafe(candidates_sql()))
            .bind(project.to_string())
            .bind(micros(horizon))
            .bind(limit)
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(report_from_row)
            .collect()
    }

    pub(super) async fn sent_reminders_impl(&self, report: ReportId) -> Result<Vec<ReminderKey>> {
        sqlx::query("SELECT clock, kind, due FROM sla_reminders WHERE report_id = $1")
            .bind(report.to_string())
            .fetch_all(&self.pool)
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

    pub(super) async fn record_reminder_impl(
        &self,
        report: ReportId,
        key: &ReminderKey,
        now: Timestamp,
        emails: &[NewEmail],
    ) -> Result<bool> {
        let mut tx = self.begin_write().await?;
        // The report as it is now, inside the transaction: an acknowledgement or extension
        // that landed since the caller read it makes this reminder stale.
        let sql = format!(
            "SELECT state, {} AS due FROM reports WHERE id = $1",
            due_column(key.clock)
        );
        let Some(row) = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(report.to_string())
            .fetch_optional(&mut *tx)
            .await?
        else {
            return Ok(false);
        };
        let state: String = get(&row, "state")?;
        let state =
            State::parse(&state).ok_or_else(|| StoreError::Corrupt(format!("state {state:?}")))?;
        if !key.clock.runs_in(state) || ts(get(&row, "due")?)? != key.due {
            return Ok(false);
        }
        let inserted = sqlx::query(
            "INSERT INTO sla_reminders (report_id, clock, kind, due, sent_at) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
        )
        .bind(report.to_string())
        .bind(key.clock.as_str())
        .bind(key.kind.as_str())
        .bind(micros(key.due))
        .bind(micros(now))
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if inserted != 1 {
            return Ok(false);
        }
        for email in emails {
            insert_email(&mut tx, email).await?;
        }
        tx.commit().await?;
        Ok(true)
    }

    pub(super) async fn queue_emails_impl(&self, emails: &[NewEmail]) -> Result<()> {
        if emails.is_empty() {
            return Ok(());
        }
        let mut tx = self.begin_write().await?;
        for email in emails {
            insert_email(&mut tx, email).await?;
        }
        tx.commit().await?;
        Ok(())
    }
}
