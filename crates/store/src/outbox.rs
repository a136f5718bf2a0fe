//! The outbox: e-mails queued in the unit of work of the change they tell about, each
//! with its delivery job, so a rolled-back change sends nothing and a committed one is
//! always delivered.

use crate::{
    AutoSubmitted, Conn, Email, EmailStatus, Keyset, NewEmail, NewJob, Result, StoreError,
    jobs::{self, Payload},
    rows::{get, micros, opt_ts, ts, uuid},
};
use domain::ReportId;
use jiff::Timestamp;
use sqlx::any::AnyRow;
use uuid::Uuid;

/// The job that delivers one queued e-mail (run by the binary's worker).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct DeliverEmail {
    pub email_id: Uuid,
}

impl Payload for DeliverEmail {
    const KIND: &'static str = "deliver_email";
    const MAX_ATTEMPTS: i64 = 12;
}

/// Queues an e-mail with its delivery job.
pub async fn queue(conn: &mut Conn, email: &NewEmail) -> Result<()> {
    queue_many(conn, std::slice::from_ref(email)).await
}

/// Queues several e-mails with their delivery jobs, as few statements as the bound values
/// allow.
pub async fn queue_many(conn: &mut Conn, emails: &[NewEmail]) -> Result<()> {
    for chunk in emails.chunks(crate::rows::rows_per_statement(7)) {
        let sql = format!(
            "INSERT INTO emails (id, to_addr, subject, body_text, report_id, status, attempts, \
             created_at, auto_submitted) VALUES {}",
            crate::rows::values_list("(?, ?, ?, ?, ?, 'queued', 0, ?, ?)", chunk.len())
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for email in chunk {
            query = query
                .bind(email.id.to_string())
                .bind(email.to.as_str())
                .bind(email.subject.as_str())
                .bind(email.body_text.as_str())
                .bind(email.report.map(|r| r.to_string()))
                .bind(micros(email.created_at))
                .bind(email.auto_submitted.map(crate::AutoSubmitted::as_str));
        }
        query.execute(&mut *conn).await?;
    }
    let deliveries = emails
        .iter()
        .map(|email| {
            NewJob::of(
                &DeliverEmail { email_id: email.id },
                email.created_at,
                email.created_at,
            )
        })
        .collect::<Result<Vec<_>>>()?;
    jobs::enqueue_many(conn, &deliveries).await
}

/// Records a delivered e-mail.
pub async fn mark_sent(c: &mut Conn, email: Uuid, now: Timestamp) -> Result<()> {
    sqlx::query(
        "UPDATE emails SET status = 'sent', sent_at = $1, attempts = attempts + 1, \
         last_error = NULL WHERE id = $2",
    )
    .bind(micros(now))
    .bind(email.to_string())
    .execute(&mut *c)
    .await?;
    Ok(())
}

/// Records a failed delivery attempt: the e-mail stays queued when it will be retried,
/// and is failed otherwise.
pub async fn mark_attempt_failed(
    c: &mut Conn,
    email: Uuid,
    error: &str,
    retrying: bool,
) -> Result<()> {
    sqlx::query(
        "UPDATE emails SET status = $1, attempts = attempts + 1, last_error = $2 WHERE id = $3",
    )
    .bind(if retrying { "queued" } else { "failed" })
    .bind(error)
    .bind(email.to_string())
    .execute(&mut *c)
    .await?;
    Ok(())
}

/// `SELECT` of e-mails with a `WHERE`/`ORDER` tail.
macro_rules! select_emails {
    ($tail:literal) => {
        concat!(
            "SELECT id, to_addr, subject, body_text, report_id, status, attempts, last_error, \
             created_at, sent_at, auto_submitted FROM emails ",
            $tail
        )
    };
}

fn email_from_row(row: &AnyRow) -> Result<Email> {
    let status: String = get(row, "status")?;
    let report: Option<String> = get(row, "report_id")?;
    Ok(Email {
        id: uuid(&get::<String>(row, "id")?)?,
        to: get(row, "to_addr")?,
        subject: get(row, "subject")?,
        body_text: get(row, "body_text")?,
        report_id: report.as_deref().map(uuid).transpose()?.map(ReportId),
        status: EmailStatus::parse(&status)
            .ok_or_else(|| StoreError::Corrupt(format!("email status {status:?}")))?,
        attempts: get(row, "attempts")?,
        last_error: get(row, "last_error")?,
        created_at: ts(get(row, "created_at")?)?,
        sent_at: opt_ts(get(row, "sent_at")?)?,
        auto_submitted: get::<Option<String>>(row, "auto_submitted")?
            .map(|a| {
                AutoSubmitted::parse(&a)
                    .ok_or_else(|| StoreError::Corrupt(format!("auto_submitted {a:?}")))
            })
            .transpose()?,
    })
}

/// The latest e-mails, newest first, at most `limit` (the first [`page`]).
pub async fn latest(c: &mut Conn, limit: i64) -> Result<Vec<Email>> {
    page(c, None, limit).await
}

/// One page of the instance's e-mails, newest first, ties by id: a keyset range read on
/// `emails (created_at, id)` starting after `after`, at most `limit`.
pub async fn page(c: &mut Conn, after: Option<&Keyset>, limit: i64) -> Result<Vec<Email>> {
    let rows = match after {
        None => {
            sqlx::query(select_emails!("ORDER BY created_at DESC, id DESC LIMIT $1"))
                .bind(limit)
                .fetch_all(c)
                .await?
        }
        Some(after) => {
            sqlx::query(select_emails!(
                "WHERE (created_at, id) < ($2, $3) \
                 ORDER BY created_at DESC, id DESC LIMIT $1"
            ))
            .bind(limit)
            .bind(micros(after.at))
            .bind(after.id.to_string())
            .fetch_all(c)
            .await?
        }
    };
    rows.iter().map(email_from_row).collect()
}

pub async fn by_id(c: &mut Conn, id: Uuid) -> Result<Option<Email>> {
    sqlx::query(select_emails!("WHERE id = $1"))
        .bind(id.to_string())
        .fetch_optional(c)
        .await?
        .as_ref()
        .map(email_from_row)
        .transpose()
}

/// How many automatic answers (e-mails with `Auto-Submitted`) went to `to`
/// (case-insensitive) since `since`: RFC 3834 asks for at most one per sender a while.
pub async fn auto_replies_to(c: &mut Conn, to: &str, since: Timestamp) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "SELECT COUNT(*) FROM emails WHERE auto_submitted IS NOT NULL \
         AND lower(to_addr) = lower($1) AND created_at >= $2",
    )
    .bind(to)
    .bind(micros(since))
    .fetch_one(c)
    .await?)
}
