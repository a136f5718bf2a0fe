//! The outbox: e-mails queued in the unit of work of the change they tell about, each
//! with its delivery job, so a rolled-back change sends nothing and a committed one is
//! always delivered.

use crate::{
    Conn, NewEmail, NewJob, Result,
    jobs::{self, Payload},
    rows::micros,
};
use jiff::Timestamp;
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
    sqlx::query(
        "INSERT INTO emails (id, to_addr, subject, body_text, report_id, status, attempts, created_at, \
         auto_submitted) VALUES ($1, $2, $3, $4, $5, 'queued', 0, $6, $7)",
    )
    .bind(email.id.to_string())
    .bind(&email.to)
    .bind(&email.subject)
    .bind(&email.body_text)
    .bind(email.report.map(|r| r.to_string()))
    .bind(micros(email.created_at))
    .bind(email.auto_submitted.map(crate::AutoSubmitted::as_str))
    .execute(&mut *conn)
    .await?;
    let delivery = DeliverEmail { email_id: email.id };
    jobs::enqueue(
        conn,
        &NewJob::of(&delivery, email.created_at, email.created_at)?,
    )
    .await
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
