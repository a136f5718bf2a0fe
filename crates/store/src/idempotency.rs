//! `Idempotency-Key` records of report submissions: the request's hash and the response to
//! replay, kept a while and then purged (the responses hold live tracking tokens).

use crate::{
    Conn, Result,
    rows::{get, micros},
};
use domain::{ProjectId, ReportId};
use jiff::Timestamp;
use std::collections::HashMap;

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

/// The records of several keys (each in its project), by (project, key); a key never
/// used is absent.
pub async fn find_many(
    c: &mut Conn,
    keys: &[(ProjectId, &str)],
) -> Result<HashMap<(ProjectId, String), Record>> {
    let mut found = HashMap::new();
    for chunk in keys.chunks(crate::rows::rows_per_statement(2)) {
        let mut sql = String::from(
            "SELECT project_id, key, request_hash, response FROM idempotency_keys WHERE ",
        );
        for i in 0..chunk.len() {
            if i > 0 {
                sql.push_str(" OR ");
            }
            sql.push_str(&format!(
                "(project_id = ${} AND key = ${})",
                2 * i + 1,
                2 * i + 2
            ));
        }
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for (project, key) in chunk {
            query = query.bind(project.to_string()).bind(*key);
        }
        for row in query.fetch_all(&mut *c).await? {
            let project = ProjectId(crate::rows::uuid(&get::<String>(&row, "project_id")?)?);
            found.insert(
                (project, get(&row, "key")?),
                Record {
                    request_hash: get(&row, "request_hash")?,
                    response: get(&row, "response")?,
                },
            );
        }
    }
    Ok(found)
}

/// A key to record: the request's hash, the report it created and the response.
#[derive(Debug, Clone, Copy)]
pub struct NewRecord<'a> {
    pub project: ProjectId,
    pub key: &'a str,
    pub request_hash: &'a str,
    pub report: ReportId,
    pub response: &'a str,
    pub now: Timestamp,
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
    record_many(
        c,
        &[NewRecord {
            project,
            key,
            request_hash,
            report,
            response,
            now,
        }],
    )
    .await
}

/// Records several keys, as few statements as the bound values allow.
pub async fn record_many(c: &mut Conn, records: &[NewRecord<'_>]) -> Result<()> {
    for chunk in records.chunks(crate::rows::rows_per_statement(6)) {
        let sql = format!(
            "INSERT INTO idempotency_keys (project_id, key, request_hash, report_id, response, \
             created_at) VALUES {}",
            crate::rows::values_list("(?, ?, ?, ?, ?, ?)", chunk.len())
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for r in chunk {
            query = query
                .bind(r.project.to_string())
                .bind(r.key)
                .bind(r.request_hash)
                .bind(r.report.to_string())
                .bind(r.response)
                .bind(micros(r.now));
        }
        query.execute(&mut *c).await?;
    }
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
