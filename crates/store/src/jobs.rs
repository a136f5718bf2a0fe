//! The durable job queue: jobs are inserted in the unit of work that makes them necessary
//! and leased by workers (a lease column on SQLite, `FOR UPDATE SKIP LOCKED` on PostgreSQL),
//! so several app servers share one queue safely.
//!
//! The queue stores a job's kind and payload as text; what each kind means is a [`Payload`]
//! type, declared once: here in the store for the jobs the store itself queues (an e-mail's
//! delivery, [`crate::outbox::DeliverEmail`]; a webhook's, [`crate::webhooks::DeliverWebhook`];
//! a report's triage, [`crate::triage::TriageReport`]), and in the binary for the others. The
//! binary's worker (`embargo::jobs`) maps each kind to the code that runs it.

use crate::{
    Conn, Dialect, Result, StoreError,
    rows::{get, micros, uuid},
};
use jiff::{SignedDuration, Timestamp};
use serde::{Serialize, de::DeserializeOwned};
use uuid::Uuid;

/// What a job of one kind carries: its kind as the queue stores it, how often it may be
/// attempted, and its payload (this type, serialized as JSON).
pub trait Payload: Serialize {
    /// The `kind` column; never changes once jobs of the kind were queued.
    const KIND: &'static str;
    /// Attempts before the job is given up (the first run counts).
    const MAX_ATTEMPTS: i64;
}

/// A job to queue.
#[derive(Debug, Clone)]
pub struct NewJob {
    pub id: Uuid,
    pub kind: String,
    pub payload: serde_json::Value,
    pub run_at: Timestamp,
    pub max_attempts: i64,
    pub created_at: Timestamp,
}

impl NewJob {
    /// The job that runs `payload` at `run_at` (queued at `now`).
    pub fn of<P: Payload>(payload: &P, run_at: Timestamp, now: Timestamp) -> Result<Self> {
        Ok(Self {
            id: Uuid::now_v7(),
            kind: P::KIND.to_owned(),
            payload: serde_json::to_value(payload)
                .map_err(|e| StoreError::Corrupt(format!("{} payload: {e}", P::KIND)))?,
            run_at,
            max_attempts: P::MAX_ATTEMPTS,
            created_at: now,
        })
    }
}

/// A leased job.
#[derive(Debug, Clone, PartialEq)]
pub struct Job {
    pub id: Uuid,
    pub kind: String,
    pub payload: serde_json::Value,
    /// Attempts so far, this one included.
    pub attempts: i64,
    pub max_attempts: i64,
    pub lease_owner: String,
}

/// Where a job stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobStatus {
    /// Waiting to run (again), or running under a lease.
    Pending,
    Done,
    /// Given up.
    Failed,
}

impl JobStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Done => "done",
            Self::Failed => "failed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::Pending, Self::Done, Self::Failed]
            .into_iter()
            .find(|k| k.as_str() == s)
    }
}

/// Which kinds a worker takes.
#[derive(Debug, Clone, Copy)]
pub enum Kinds<'a> {
    /// Only these.
    Only(&'a [&'a str]),
    /// Every kind but these (kinds the worker does not know included: it fails them).
    Except(&'a [&'a str]),
}

/// Queues a job.
pub async fn enqueue(c: &mut Conn, job: &NewJob) -> Result<()> {
    enqueue_many(c, std::slice::from_ref(job)).await
}

/// Queues several jobs, as few statements as the bound values allow.
pub async fn enqueue_many(c: &mut Conn, jobs: &[NewJob]) -> Result<()> {
    for chunk in jobs.chunks(crate::rows::rows_per_statement(6)) {
        let sql = format!(
            "INSERT INTO jobs (id, kind, payload, status, run_at, attempts, max_attempts, \
             created_at) VALUES {}",
            crate::rows::values_list("(?, ?, ?, 'pending', ?, 0, ?, ?)", chunk.len())
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for job in chunk {
            query = query
                .bind(job.id.to_string())
                .bind(job.kind.as_str())
                .bind(job.payload.to_string())
                .bind(micros(job.run_at))
                .bind(job.max_attempts)
                .bind(micros(job.created_at));
        }
        query.execute(&mut *c).await?;
    }
    Ok(())
}

/// Leases the next job of `kinds` due at `now` for `lease_for` to `owner`, counting the
/// attempt; `None` when none is due. One statement, safe with several workers and several
/// app servers on one database.
pub async fn lease(
    c: &mut Conn,
    kinds: Kinds<'_>,
    owner: &str,
    now: Timestamp,
    lease_for: SignedDuration,
) -> Result<Option<Job>> {
    let (only, except) = match kinds {
        Kinds::Only([]) => return Ok(None),
        Kinds::Only(only) => (only.join(","), String::new()),
        Kinds::Except(except) => (String::new(), except.join(",")),
    };
    let until = now.saturating_add(lease_for).unwrap_or(now);
    let row = sqlx::query(lease_sql(dialect(c)))
        .bind(owner)
        .bind(micros(until))
        .bind(micros(now))
        .bind(only)
        .bind(except)
        .fetch_optional(&mut *c)
        .await?;
    row.map(|row| {
        let payload: String = get(&row, "payload")?;
        Ok(Job {
            id: uuid(&get::<String>(&row, "id")?)?,
            kind: get(&row, "kind")?,
            payload: serde_json::from_str(&payload)
                .map_err(|e| StoreError::Corrupt(format!("job payload: {e}")))?,
            attempts: get(&row, "attempts")?,
            max_attempts: get(&row, "max_attempts")?,
            lease_owner: owner.to_owned(),
        })
    })
    .transpose()
}

/// Extends the lease of a job `job.lease_owner` still holds until `until`; `false` when the
/// lease was lost (it ran out and another worker took the job, or the job finished).
pub async fn renew(c: &mut Conn, job: &Job, until: Timestamp) -> Result<bool> {
    let n = sqlx::query(
        "UPDATE jobs SET lease_until = $1 WHERE id = $2 AND lease_owner = $3 \
         AND status = 'pending' AND lease_until IS NOT NULL",
    )
    .bind(micros(until))
    .bind(job.id.to_string())
    .bind(&job.lease_owner)
    .execute(&mut *c)
    .await?
    .rows_affected();
    Ok(n == 1)
}

/// Marks a leased job done; `false` (and nothing changed) when its lease was lost.
pub async fn complete(c: &mut Conn, job: &Job, now: Timestamp) -> Result<bool> {
    let n = sqlx::query(
        "UPDATE jobs SET status = 'done', finished_at = $1, lease_until = NULL, last_error = NULL \
         WHERE id = $2 AND lease_owner = $3",
    )
    .bind(micros(now))
    .bind(job.id.to_string())
    .bind(&job.lease_owner)
    .execute(&mut *c)
    .await?
    .rows_affected();
    Ok(n == 1)
}

/// Records a failed attempt of a leased job and runs it again at `at`; `false` when its
/// lease was lost.
pub async fn retry(c: &mut Conn, job: &Job, error: &str, at: Timestamp) -> Result<bool> {
    let n = sqlx::query(
        "UPDATE jobs SET run_at = $1, lease_until = NULL, last_error = $2 \
         WHERE id = $3 AND lease_owner = $4",
    )
    .bind(micros(at))
    .bind(error)
    .bind(job.id.to_string())
    .bind(&job.lease_owner)
    .execute(&mut *c)
    .await?
    .rows_affected();
    Ok(n == 1)
}

/// Gives a leased job up with its last error; `false` when its lease was lost.
pub async fn fail(c: &mut Conn, job: &Job, error: &str, now: Timestamp) -> Result<bool> {
    let n = sqlx::query(
        "UPDATE jobs SET status = 'failed', finished_at = $1, lease_until = NULL, \
         last_error = $2 WHERE id = $3 AND lease_owner = $4",
    )
    .bind(micros(now))
    .bind(error)
    .bind(job.id.to_string())
    .bind(&job.lease_owner)
    .execute(&mut *c)
    .await?
    .rows_affected();
    Ok(n == 1)
}

/// Where a job stands and its last error, if it exists.
pub async fn status(c: &mut Conn, id: Uuid) -> Result<Option<(JobStatus, Option<String>)>> {
    sqlx::query("SELECT status, last_error FROM jobs WHERE id = $1")
        .bind(id.to_string())
        .fetch_optional(&mut *c)
        .await?
        .map(|row| {
            let status: String = get(&row, "status")?;
            Ok((
                JobStatus::parse(&status)
                    .ok_or_else(|| StoreError::Corrupt(format!("job status {status:?}")))?,
                get(&row, "last_error")?,
            ))
        })
        .transpose()
}

/// The payloads of the pending jobs of `P`'s kind (queued or running). A payload that no
/// longer reads as `P` is left out.
pub async fn pending<P: Payload + DeserializeOwned>(c: &mut Conn) -> Result<Vec<P>> {
    Ok(
        sqlx::query("SELECT payload FROM jobs WHERE kind = $1 AND status = 'pending'")
            .bind(P::KIND)
            .fetch_all(&mut *c)
            .await?
            .iter()
            .filter_map(|row| get::<String>(row, "payload").ok())
            .filter_map(|p| serde_json::from_str(&p).ok())
            .collect(),
    )
}

/// The database behind a connection.
fn dialect(c: &Conn) -> Dialect {
    if c.backend_name().eq_ignore_ascii_case("postgresql") {
        Dialect::Postgres
    } else {
        Dialect::Sqlite
    }
}

/// Leases one due job. PostgreSQL skips rows other servers hold locked; SQLite has one
/// writer at a time, so the same statement without the lock clause is already atomic.
/// `$4` lists the kinds to take (empty: any), `$5` the kinds to leave.
fn lease_sql(dialect: Dialect) -> &'static str {
    macro_rules! lease {
        ($lock:literal) => {
            concat!(
                "UPDATE jobs SET lease_owner = $1, lease_until = $2, attempts = attempts + 1 \
                 WHERE id = (SELECT id FROM jobs WHERE status = 'pending' AND run_at <= $3 \
                   AND (lease_until IS NULL OR lease_until < $3) \
                   AND ($4 = '' OR (',' || $4 || ',') LIKE ('%,' || kind || ',%')) \
                   AND (',' || $5 || ',') NOT LIKE ('%,' || kind || ',%') \
                   ORDER BY run_at, id LIMIT 1",
                $lock,
                ") RETURNING id, kind, payload, attempts, max_attempts"
            )
        };
    }
    match dialect {
        Dialect::Sqlite => lease!(""),
        Dialect::Postgres => lease!(" FOR UPDATE SKIP LOCKED"),
    }
}
