//! Junk-sender filters in SQL (migration 0010): rules, their match log, inbound messages
//! settled with both, and disabled tracking tokens.

use super::{SqlStore, append_audit_tx, get, insert_job, micros, opt_ts, ts, uuid};
use crate::{
    FilterMatch, FilterMatchCount, FilterRuleRecord, NewJob, Result, SettleInbound, StoreError,
};
use domain::{ProjectId, ReportId, UserId, audit::NewAuditEvent};
use jiff::Timestamp;
use sqlx::any::AnyRow;
use uuid::Uuid;

/// `SELECT` of filter rules with a `WHERE`/`ORDER` tail.
macro_rules! select_rules {
    ($tail:literal) => {
        concat!(
            "SELECT id, project_id, rule_id, kind, pattern, action, note, blocked_report_id, \
             created_by, created_at FROM mail_filter_rules ",
            $tail
        )
    };
}

fn rule_from_row(row: &AnyRow) -> Result<FilterRuleRecord> {
    Ok(FilterRuleRecord {
        key: uuid(&get::<String>(row, "id")?)?,
        project: ProjectId(uuid(&get::<String>(row, "project_id")?)?),
        rule_id: get(row, "rule_id")?,
        kind: get(row, "kind")?,
        pattern: get(row, "pattern")?,
        action: get(row, "action")?,
        note: get(row, "note")?,
        blocked_report: get::<Option<String>>(row, "blocked_report_id")?
            .map(|r| uuid(&r).map(ReportId))
            .transpose()?,
        created_by: get::<Option<String>>(row, "created_by")?
            .map(|u| uuid(&u).map(UserId))
            .transpose()?,
        created_at: ts(get(row, "created_at")?)?,
    })
}

pub(super) async fn settle_inbound_with(store: &SqlStore, s: &SettleInbound<'_>) -> Result<()> {
    let mut tx = store.begin_write().await?;
    let n = sqlx::query(
        "UPDATE inbound_messages SET disposition = $1, report_id = $2, detail = $3 WHERE id = $4",
    )
    .bind(s.disposition.as_str())
    .bind(s.report.map(|r| r.to_string()))
    .bind(s.detail)
    .bind(s.id.to_string())
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if n != 1 {
        tx.rollback().await?;
        return Err(StoreError::NotFound);
    }
    for m in s.matches {
        sqlx::query(
            "INSERT INTO mail_filter_matches (id, inbound_id, project_id, scope, rule_id, \
             rule_key, action, matched, decided, matched_at) \
             SELECT $1, id, project_id, $2, $3, $4, $5, $6, $7, $8 FROM inbound_messages \
             WHERE id = $9",
        )
        .bind(Uuid::now_v7().to_string())
        .bind(&m.scope)
        .bind(&m.rule_id)
        .bind(m.rule_key.map(|k| k.to_string()))
        .bind(&m.action)
        .bind(&m.matched)
        .bind(i64::from(m.decided))
        .bind(micros(s.at))
        .bind(s.id.to_string())
        .execute(&mut *tx)
        .await?;
    }
    if let Some(email) = s.reply {
        sqlx::query(
            "INSERT INTO emails (id, to_addr, subject, body_text, report_id, status, attempts, \
             created_at, auto_submitted) VALUES ($1, $2, $3, $4, $5, 'queued', 0, $6, 'auto-replied')",
        )
        .bind(email.id.to_string())
        .bind(&email.to)
        .bind(&email.subject)
        .bind(&email.body_text)
        .bind(email.report.map(|r| r.to_string()))
        .bind(micros(email.created_at))
        .execute(&mut *tx)
        .await?;
        let delivery = crate::outbox::DeliverEmail { email_id: email.id };
        insert_job(
            &mut tx,
            &NewJob::of(&delivery, email.created_at, email.created_at)?,
        )
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

pub(super) async fn filter_rules(
    store: &SqlStore,
    project: ProjectId,
) -> Result<Vec<FilterRuleRecord>> {
    sqlx::query(select_rules!(
        "WHERE project_id = $1 ORDER BY created_at, id"
    ))
    .bind(project.to_string())
    .fetch_all(&store.pool)
    .await?
    .iter()
    .map(rule_from_row)
    .collect()
}

pub(super) async fn insert_filter_rule(
    store: &SqlStore,
    rule: &FilterRuleRecord,
    audit: NewAuditEvent,
) -> Result<()> {
    let mut tx = store.begin_write().await?;
    let inserted = sqlx::query(
        "INSERT INTO mail_filter_rules (id, project_id, rule_id, kind, pattern, action, note, \
         blocked_report_id, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
         ON CONFLICT (project_id, rule_id) DO NOTHING",
    )
    .bind(rule.key.to_string())
    .bind(rule.project.to_string())
    .bind(&rule.rule_id)
    .bind(&rule.kind)
    .bind(&rule.pattern)
    .bind(&rule.action)
    .bind(&rule.note)
    .bind(rule.blocked_report.map(|r| r.to_string()))
    .bind(rule.created_by.map(|u| u.to_string()))
    .bind(micros(rule.created_at))
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if inserted == 0 {
        tx.rollback().await?;
        return Err(StoreError::Conflict(format!(
            "the project has a rule with the id {:?}",
            rule.rule_id
        )));
    }
    append_audit_tx(&mut tx, audit).await?;
    tx.commit().await?;
    Ok(())
}

pub(super) async fn delete_filter_rule(
    store: &SqlStore,
    project: ProjectId,
    rule_id: &str,
    audit: NewAuditEvent,
) -> Result<FilterRuleRecord> {
    let mut tx = store.begin_write().await?;
    let row = sqlx::query(select_rules!("WHERE project_id = $1 AND rule_id = $2"))
        .bind(project.to_string())
        .bind(rule_id)
        .fetch_optional(&mut *tx)
        .await?;
    let Some(row) = row else {
        tx.rollback().await?;
        return Err(StoreError::NotFound);
    };
    let rule = rule_from_row(&row)?;
    sqlx::query("DELETE FROM mail_filter_rules WHERE id = $1")
        .bind(rule.key.to_string())
        .execute(&mut *tx)
        .await?;
    append_audit_tx(&mut tx, audit).await?;
    tx.commit().await?;
    Ok(rule)
}

pub(super) async fn filter_match_counts(
    store: &SqlStore,
    project: ProjectId,
) -> Result<Vec<FilterMatchCount>> {
    let rows = sqlx::query(
        "SELECT scope, rule_id, rule_key, COUNT(*) AS matches, MAX(matched_at) AS last_at \
         FROM mail_filter_matches WHERE project_id = $1 \
         GROUP BY scope, rule_id, rule_key ORDER BY scope, rule_id",
    )
    .bind(project.to_string())
    .fetch_all(&store.pool)
    .await?;
    rows.iter()
        .map(|row| {
            Ok(FilterMatchCount {
                scope: get(row, "scope")?,
                rule_id: get(row, "rule_id")?,
                rule_key: get::<Option<String>>(row, "rule_key")?
                    .map(|k| uuid(&k))
                    .transpose()?,
                matches: get(row, "matches")?,
                last_matched_at: ts(get(row, "last_at")?)?,
            })
        })
        .collect()
}

pub(super) async fn filter_matches_of(store: &SqlStore, inbound: Uuid) -> Result<Vec<FilterMatch>> {
    let rows = sqlx::query(
        "SELECT scope, rule_id, rule_key, action, matched, decided FROM mail_filter_matches \
         WHERE inbound_id = $1 ORDER BY decided DESC, id",
    )
    .bind(inbound.to_string())
    .fetch_all(&store.pool)
    .await?;
    rows.iter()
        .map(|row| {
            Ok(FilterMatch {
                scope: get(row, "scope")?,
                rule_id: get(row, "rule_id")?,
                rule_key: get::<Option<String>>(row, "rule_key")?
                    .map(|k| uuid(&k))
                    .transpose()?,
                action: get(row, "action")?,
                matched: get(row, "matched")?,
                decided: get::<i64>(row, "decided")? != 0,
            })
        })
        .collect()
}

pub(super) async fn spam_filtered_reports(
    store: &SqlStore,
    project: ProjectId,
) -> Result<Vec<(ReportId, String)>> {
    let rows = sqlx::query(
        "SELECT i.report_id, m.rule_id FROM inbound_messages i \
         JOIN mail_filter_matches m ON m.inbound_id = i.id \
         WHERE i.project_id = $1 AND i.disposition = 'report' AND i.report_id IS NOT NULL \
           AND m.decided = 1 AND m.action = 'spam' \
         ORDER BY i.received_at",
    )
    .bind(project.to_string())
    .fetch_all(&store.pool)
    .await?;
    rows.iter()
        .map(|row| {
            let id: String = get(row, "report_id")?;
            Ok((ReportId(uuid(&id)?), get(row, "rule_id")?))
        })
        .collect()
}

pub(super) async fn disable_tracking_token(
    store: &SqlStore,
    report: ReportId,
    now: Timestamp,
) -> Result<bool> {
    let mut tx = store.begin_write().await?;
    let exists: Option<String> = sqlx::query_scalar("SELECT id FROM reports WHERE id = $1")
        .bind(report.to_string())
        .fetch_optional(&mut *tx)
        .await?;
    if exists.is_none() {
        tx.rollback().await?;
        return Err(StoreError::NotFound);
    }
    let changed = sqlx::query(
        "UPDATE reports SET tracking_disabled_at = $1 \
         WHERE id = $2 AND tracking_disabled_at IS NULL",
    )
    .bind(micros(now))
    .bind(report.to_string())
    .execute(&mut *tx)
    .await?
    .rows_affected();
    tx.commit().await?;
    Ok(changed == 1)
}

pub(super) async fn tracking_disabled_at(
    store: &SqlStore,
    report: ReportId,
) -> Result<Option<Timestamp>> {
    let at: Option<Option<i64>> =
        sqlx::query_scalar("SELECT tracking_disabled_at FROM reports WHERE id = $1")
            .bind(report.to_string())
            .fetch_optional(&store.pool)
            .await?;
    opt_ts(at.flatten())
}

pub(super) async fn auto_replies_to(store: &SqlStore, to: &str, since: Timestamp) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "SELECT COUNT(*) FROM emails WHERE auto_submitted IS NOT NULL \
         AND lower(to_addr) = lower($1) AND created_at >= $2",
    )
    .bind(to)
    .bind(micros(since))
    .fetch_one(&store.pool)
    .await?)
}
