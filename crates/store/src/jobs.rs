//! The durable job queue: jobs are inserted in the unit of work that makes them necessary
//! and leased by workers (a lease column on SQLite, `FOR UPDATE SKIP LOCKED` on PostgreSQL),
//! so several app servers share one queue safely.

use crate::{Conn, NewJob, Result, rows::micros};

/// Queues a job.
pub async fn enqueue(conn: &mut Conn, job: &NewJob) -> Result<()> {
    sqlx::query(
        "INSERT INTO jobs (id, kind, payload, status, run_at, attempts, max_attempts, created_at) \
         VALUES ($1, $2, $3, 'pending', $4, 0, $5, $6)",
    )
    .bind(job.id.to_string())
    .bind(&job.kind)
    .bind(job.payload.to_string())
    .bind(micros(job.run_at))
    .bind(job.max_attempts)
    .bind(micros(job.created_at))
    .execute(&mut *conn)
    .await?;
    Ok(())
}
