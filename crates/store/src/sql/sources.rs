//! Per-project triage sources (migration 15) and queueing the triage of a project's open
//! reports again when what they were checked against changed.

use super::{SqlStore, append_audit_tx, get, insert_job, micros, ts, uuid};
use crate::{NewJob, ProjectSource, ProjectSourceInput, Result, StoreError, job_kind};
use domain::{ProjectId, ReportId, UserId, audit::NewAuditEvent};
use jiff::Timestamp;
use sqlx::{Row, any::AnyRow};

macro_rules! select_sources {
    ($where:literal) => {
        concat!(
            "SELECT project_id, kind, location, default_ref, extra_refs, version, updated_by, \
             updated_at, heads, fetched_at, fetch_error FROM project_sources ",
            $where
        )
    };
}

fn from_row(row: &AnyRow) -> Result<ProjectSource> {
    let refs: String = get(row, "extra_refs")?;
    let heads: Option<String> = get(row, "heads")?;
    let by: Option<String> = get(row, "updated_by")?;
    let fetched: Option<i64> = get(row, "fetched_at")?;
    Ok(ProjectSource {
        project_id: ProjectId(uuid(&get::<String>(row, "project_id")?)?),
        input: ProjectSourceInput {
            kind: get(row, "kind")?,
            location: get(row, "location")?,
            default_ref: get(row, "default_ref")?,
            extra_refs: serde_json::from_str(&refs)
                .map_err(|e| StoreError::Corrupt(format!("extra_refs: {e}")))?,
        },
        version: get(row, "version")?,
        updated_by: by.as_deref().map(uuid).transpose()?.map(UserId),
        updated_at: ts(get(row, "updated_at")?)?,
        heads: heads
            .as_deref()
            .map(serde_json::from_str)
            .transpose()
            .map_err(|e| StoreError::Corrupt(format!("heads: {e}")))?,
        fetched_at: fetched.map(ts).transpose()?,
        fetch_error: get(row, "fetch_error")?,
    })
}

/// Queues a `triage.report` job for every open report of the project (not closed, not
/// disclosed) that has none pending. Returns how many were queued.
pub(crate) async fn requeue_open_reports(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    project: ProjectId,
    now: Timestamp,
) -> Result<u64> {
    let open: Vec<String> = sqlx::query(
        "SELECT id FROM reports WHERE project_id = $1 AND state NOT IN ('closed', 'disclosed') \
         ORDER BY number",
    )
    .bind(project.to_string())
    .fetch_all(&mut **tx)
    .await?
    .iter()
    .map(|r| r.try_get::<String, _>("id"))
    .collect::<Result<_, _>>()?;
    if open.is_empty() {
        return Ok(0);
    }
    let pending: std::collections::HashSet<String> =
        sqlx::query("SELECT payload FROM jobs WHERE kind = $1 AND status = 'pending'")
            .bind(job_kind::TRIAGE_REPORT)
            .fetch_all(&mut **tx)
            .await?
            .iter()
            .filter_map(|r| r.try_get::<String, _>("payload").ok())
            .filter_map(|p| serde_json::from_str::<serde_json::Value>(&p).ok())
            .filter_map(|v| v.get("report_id")?.as_str().map(str::to_owned))
            .collect();
    let mut queued = 0;
    for id in open.iter().filter(|id| !pending.contains(*id)) {
        let report = ReportId(uuid(id)?);
        insert_job(&mut *tx, &NewJob::triage_report(report, now)).await?;
        queued += 1;
    }
    Ok(queued)
}

impl SqlStore {
    pub(super) async fn project_source_impl(
        &self,
        project: ProjectId,
    ) -> Result<Option<ProjectSource>> {
        sqlx::query(select_sources!("WHERE project_id = $1"))
            .bind(project.to_string())
            .fetch_optional(self.pool())
            .await?
            .as_ref()
            .map(from_row)
            .transpose()
    }

    pub(super) async fn git_sources_impl(&self) -> Result<Vec<ProjectSource>> {
        sqlx::query(select_sources!("WHERE kind = 'git' ORDER BY project_id"))
            .fetch_all(self.pool())
            .await?
            .iter()
            .map(from_row)
            .collect()
    }

    pub(super) async fn set_project_source_impl(
        &self,
        project: ProjectId,
        input: Option<&ProjectSourceInput>,
        by: Option<UserId>,
        now: Timestamp,
    ) -> Result<(Option<ProjectSource>, u64)> {
        let mut tx = self.begin_write().await?;
        let before: Option<i64> =
            sqlx::query("SELECT version FROM project_sources WHERE project_id = $1")
                .bind(project.to_string())
                .fetch_optional(&mut *tx)
                .await?
                .map(|r| r.try_get::<i64, _>("version"))
                .transpose()?;
        match input {
            Some(s) => {
                let refs = serde_json::to_string(&s.extra_refs)
                    .map_err(|e| StoreError::Corrupt(e.to_string()))?;
                sqlx::query(
                    "INSERT INTO project_sources (project_id, kind, location, default_ref, \
                     extra_refs, version, updated_by, updated_at) \
                     VALUES ($1, $2, $3, $4, $5, 1, $6, $7) \
                     ON CONFLICT (project_id) DO UPDATE SET kind = excluded.kind, \
                     location = excluded.location, default_ref = excluded.default_ref, \
                     extra_refs = excluded.extra_refs, \
                     version = project_sources.version + 1, updated_by = excluded.updated_by, \
                     updated_at = excluded.updated_at, heads = NULL, fetched_at = NULL, \
                     fetch_error = NULL",
                )
                .bind(project.to_string())
                .bind(&s.kind)
                .bind(&s.location)
                .bind(s.default_ref.as_deref())
                .bind(refs)
                .bind(by.map(|u| u.to_string()))
                .bind(micros(now))
                .execute(&mut *tx)
                .await?;
            }
            None => {
                if before.is_none() {
                    return Err(StoreError::NotFound);
                }
                sqlx::query("DELETE FROM project_sources WHERE project_id = $1")
                    .bind(project.to_string())
                    .execute(&mut *tx)
                    .await?;
            }
        }
        let queued = requeue_open_reports(&mut tx, project, now).await?;
        append_audit_tx(
            &mut tx,
            NewAuditEvent {
                at: now,
                actor: by.map_or_else(
                    || domain::audit::SYSTEM_ACTOR.to_owned(),
                    domain::audit::user_actor,
                ),
                action: if input.is_some() {
                    "source.update".into()
                } else {
                    "source.remove".into()
                },
                subject: format!("project:{project}"),
                data: serde_json::json!({
                    "kind": input.map(|s| s.kind.as_str()),
                    "location": input.map(|s| s.location.as_str()),
                    "default_ref": input.and_then(|s| s.default_ref.as_deref()),
                    "extra_refs": input.map(|s| &s.extra_refs),
                    "retriage": queued,
                }),
            },
        )
        .await?;
        let after = sqlx::query(select_sources!("WHERE project_id = $1"))
            .bind(project.to_string())
            .fetch_optional(&mut *tx)
            .await?
            .as_ref()
            .map(from_row)
            .transpose()?;
        tx.commit().await?;
        Ok((after, queued))
    }

    pub(super) async fn record_source_fetch_impl(
        &self,
        project: ProjectId,
        version: i64,
        heads: Option<&serde_json::Value>,
        error: Option<&str>,
        now: Timestamp,
    ) -> Result<u64> {
        let mut tx = self.begin_write().await?;
        let Some(row) =
            sqlx::query("SELECT version, heads FROM project_sources WHERE project_id = $1")
                .bind(project.to_string())
                .fetch_optional(&mut *tx)
                .await?
        else {
            return Ok(0);
        };
        // The configuration changed while this fetch ran: its result is for the old one.
        if row.try_get::<i64, _>("version")? != version {
            return Ok(0);
        }
        let old: Option<String> = get(&row, "heads")?;
        let old: Option<serde_json::Value> = old.and_then(|o| serde_json::from_str(&o).ok());
        let new_heads = match heads {
            Some(h) => {
                Some(serde_json::to_string(h).map_err(|e| StoreError::Corrupt(e.to_string()))?)
            }
            None => old.as_ref().map(|o| o.to_string()),
        };
        sqlx::query(
            "UPDATE project_sources SET heads = $1, fetched_at = $2, fetch_error = $3 \
             WHERE project_id = $4",
        )
        .bind(new_heads)
        .bind(micros(now))
        .bind(error)
        .bind(project.to_string())
        .execute(&mut *tx)
        .await?;
        let mut queued = 0;
        if let (Some(old), Some(new)) = (old.as_ref(), heads)
            && old != new
        {
            queued = requeue_open_reports(&mut tx, project, now).await?;
            append_audit_tx(
                &mut tx,
                NewAuditEvent {
                    at: now,
                    actor: domain::audit::SYSTEM_ACTOR.to_owned(),
                    action: "source.change".into(),
                    subject: format!("project:{project}"),
                    data: serde_json::json!({ "from": old, "to": new, "retriage": queued }),
                },
            )
            .await?;
        }
        tx.commit().await?;
        Ok(queued)
    }
}
