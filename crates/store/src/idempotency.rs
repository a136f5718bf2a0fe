//! `Idempotency-Key` records of report submissions: the request's hash and the response to
//! replay, kept a while and then purged (the responses hold live tracking tokens).

use crate::{
    Conn, Result,
    rows::{get, micros},
};
use domain::{ProjectId, ReportId};
use jiff::Timestamp;

/// What an earlier request with the same key stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    pub request_hash: String,
    pub response: String,
}

/// The record of `key` in the project, if the key was used.
pub async fn find(c: &mut Conn, project: ProjectId, key: &str) -> Result<Option<Record>> {
    let row = sqlx::query(
        "SELECT request_hash, response FROM idempotency_keys WHERE project_id = $1 AND key = $2",
    )
    .bind(project.to_string())
    .bind(key)
    .fetch_optional(c)
    .await?;
    row.map(|row| {
        Ok(Record {
            request_hash: get(&row, "request_hash")?,
            response: get(&row, "response")?,
        })
    })
    .transpose()
}

/// Records the key with the request's hash, the report it created and the response.
pub async fn record(
    c: &mut Conn,
    project: ProjectId,
    key: &str,
    request_hash: &str,
    report: ReportId,
    response: &str,
    now: Timestamp,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO idempotency_keys (project_id, key, request_hash, report_id, response, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(project.to_string())
    .bind(key)
    .bind(request_hash)
    .bind(report.to_string())
    .bind(response)
    .bind(micros(now))
    .execute(c)
    .await?;
    Ok(())
}

/// Forgets records made before `before`; returns how many went.
pub async fn purge(c: &mut Conn, before: Timestamp) -> Result<u64> {
    Ok(
        sqlx::query("DELETE FROM idempotency_keys WHERE created_at < $1")
            .bind(micros(before))
            .execute(c)
            .await?
            .rows_affected(),
    )
}
