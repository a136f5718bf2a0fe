//! The outbox: e-mails queued in the unit of work of the change they tell about, each
//! with its delivery job, so a rolled-back change sends nothing and a committed one is
//! always delivered.

use crate::{Conn, NewEmail, NewJob, Result, rows::micros};

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
    crate::jobs::enqueue(conn, &NewJob::deliver_email(email.id, email.created_at)).await
}
