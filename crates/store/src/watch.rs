//! The security.txt watch: one row per project whose policy names a `security_txt_url`,
//! claimed by a worker when its daily check is due. Whoever changes a project's policy
//! keeps its watch in step with [`sync`] in the same unit of work.
//!
//! Claiming differs per database (PostgreSQL skips rows other servers hold locked), so
//! [`claim`] takes the [`Dialect`] (`Db::dialect`) rather than guessing it from the
//! connection.

use crate::{
    Conn, Dialect, Result, WatchClaim, WatchResult, WatchStatus,
    rows::{get, micros, opt_ts, ts, uuid},
};
use domain::ProjectId;
use jiff::Timestamp;

/// Keeps the project's watch in step with its policy's URL: none without a URL; a new or
/// changed URL starts afresh and is checked at `now`; the same URL keeps its history.
pub async fn sync(
    c: &mut Conn,
    project: ProjectId,
    url: Option<&str>,
    now: Timestamp,
) -> Result<()> {
    match url {
        None => {
            sqlx::query("DELETE FROM securitytxt_watches WHERE project_id = $1")
                .bind(project.to_string())
                .execute(c)
                .await?;
        }
        Some(url) => {
            sqlx::query(
                "INSERT INTO securitytxt_watches (project_id, url, next_check_at) VALUES ($1, $2, $3) \
                 ON CONFLICT (project_id) DO UPDATE SET url = excluded.url, \
                   next_check_at = excluded.next_check_at, last_checked_at = NULL, \
                   last_valid = NULL, last_summary = NULL, state = NULL \
                 WHERE securitytxt_watches.url <> excluded.url",
            )
            .bind(project.to_string())
            .bind(url)
            .bind(micros(now))
            .execute(c)
            .await?;
        }
    }
    Ok(())
}

/// Takes the next watch due at `now`, postponing it to `retry_at` so no other worker takes
/// it meanwhile (and so a crashed check is retried then); `None` when none is due. One
/// statement: run it on its own unit of work and commit at once.
pub async fn claim(
    c: &mut Conn,
    dialect: Dialect,
    now: Timestamp,
    retry_at: Timestamp,
) -> Result<Option<WatchClaim>> {
    let row = sqlx::query(dialect.claim_watch_sql())
        .bind(micros(retry_at))
        .bind(micros(now))
        .fetch_optional(c)
        .await?;
    row.map(|row| {
        Ok(WatchClaim {
            project: ProjectId(uuid(&get::<String>(&row, "project_id")?)?),
            url: get(&row, "url")?,
            state: get(&row, "state")?,
        })
    })
    .transpose()
}

/// Stores a check's outcome unless the project's URL changed since the claim; `false`
/// (nothing stored) then.
pub async fn record(c: &mut Conn, claim: &WatchClaim, result: &WatchResult) -> Result<bool> {
    let updated = sqlx::query(
        "UPDATE securitytxt_watches SET next_check_at = $1, last_checked_at = $2, \
         last_valid = $3, last_summary = $4, state = $5 WHERE project_id = $6 AND url = $7",
    )
    .bind(micros(result.next_check_at))
    .bind(micros(result.checked_at))
    .bind(i64::from(result.valid))
    .bind(&result.summary)
    .bind(&result.state)
    .bind(claim.project.to_string())
    .bind(&claim.url)
    .execute(c)
    .await?
    .rows_affected();
    Ok(updated == 1)
}

/// The project's watch as maintainers see it, if it has one.
pub async fn status(c: &mut Conn, project: ProjectId) -> Result<Option<WatchStatus>> {
    let row = sqlx::query(
        "SELECT url, next_check_at, last_checked_at, last_valid, last_summary \
         FROM securitytxt_watches WHERE project_id = $1",
    )
    .bind(project.to_string())
    .fetch_optional(c)
    .await?;
    row.map(|row| {
        Ok(WatchStatus {
            url: get(&row, "url")?,
            next_check_at: ts(get(&row, "next_check_at")?)?,
            last_checked_at: opt_ts(get(&row, "last_checked_at")?)?,
            last_valid: get::<Option<i64>>(&row, "last_valid")?.map(|v| v != 0),
            last_summary: get(&row, "last_summary")?,
        })
    })
    .transpose()
}
