//! Per-project triage sources (migration 15): where the triage reads a project's code, as
//! its maintainers configured it, and what the last fetch of a git source found. Queueing
//! the project's open reports for triage again when this changes is the caller's part of
//! the same unit of work ([`crate::triage::requeue_open`]).

use crate::{
    Conn, Result, StoreError,
    rows::{get, micros, ts, uuid},
};
use ::triage::source::SourceKind;
use domain::{ProjectId, UserId};
use jiff::Timestamp;
use sqlx::any::AnyRow;

/// Where the triage reads a project's source, as its maintainers configured it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectSourceInput {
    pub kind: SourceKind,
    /// The absolute directory, or the git URL.
    pub location: String,
    /// The default branch of a git source (`None`: the remote's `HEAD`).
    pub default_ref: Option<String>,
    /// Further branches or tags of a git source to check reports against.
    pub extra_refs: Vec<String>,
}

/// A project's stored source with what its last fetch found.
#[derive(Debug, Clone, PartialEq)]
pub struct ProjectSource {
    pub project_id: ProjectId,
    pub input: ProjectSourceInput,
    /// Counts the changes (1 for the first configuration).
    pub version: i64,
    pub updated_by: Option<UserId>,
    pub updated_at: Timestamp,
    /// The commit of each ref the last successful fetch resolved (`{"main": "3f2a…"}`).
    pub heads: Option<serde_json::Value>,
    pub fetched_at: Option<Timestamp>,
    /// Why the last fetch failed, if it did.
    pub fetch_error: Option<String>,
}

macro_rules! select_sources {
    ($where:literal) => {
        concat!(
            "SELECT project_id, kind, location, default_ref, extra_refs, version, updated_by, \
             updated_at, heads, fetched_at, fetch_error FROM project_sources ",
            $where
        )
    };
}

/// The project's source, if it has one.
pub async fn of_project(c: &mut Conn, project: ProjectId) -> Result<Option<ProjectSource>> {
    sqlx::query(select_sources!("WHERE project_id = $1"))
        .bind(project.to_string())
        .fetch_optional(&mut *c)
        .await?
        .as_ref()
        .map(from_row)
        .transpose()
}

/// Every git source of the instance (for the scheduled fetch), by project.
pub async fn git(c: &mut Conn) -> Result<Vec<ProjectSource>> {
    sqlx::query(select_sources!("WHERE kind = $1 ORDER BY project_id"))
        .bind(SourceKind::Git.as_str())
        .fetch_all(&mut *c)
        .await?
        .iter()
        .map(from_row)
        .collect()
}

/// Sets the project's source (its next version), forgetting what earlier fetches found.
pub async fn set(
    c: &mut Conn,
    project: ProjectId,
    s: &ProjectSourceInput,
    by: Option<UserId>,
    now: Timestamp,
) -> Result<()> {
    let refs =
        serde_json::to_string(&s.extra_refs).map_err(|e| StoreError::Corrupt(e.to_string()))?;
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
    .bind(s.kind.as_str())
    .bind(&s.location)
    .bind(s.default_ref.as_deref())
    .bind(refs)
    .bind(by.map(|u| u.to_string()))
    .bind(micros(now))
    .execute(&mut *c)
    .await?;
    Ok(())
}

/// Removes the project's source; `false` when it had none.
pub async fn delete(c: &mut Conn, project: ProjectId) -> Result<bool> {
    let n = sqlx::query("DELETE FROM project_sources WHERE project_id = $1")
        .bind(project.to_string())
        .execute(&mut *c)
        .await?
        .rows_affected();
    Ok(n == 1)
}

/// Records a fetch of the source: the refs' commits it found (`heads`), or why it failed.
pub async fn set_fetched(
    c: &mut Conn,
    project: ProjectId,
    heads: Option<&serde_json::Value>,
    error: Option<&str>,
    now: Timestamp,
) -> Result<()> {
    sqlx::query(
        "UPDATE project_sources SET heads = $1, fetched_at = $2, fetch_error = $3 \
         WHERE project_id = $4",
    )
    .bind(heads.map(|h| h.to_string()))
    .bind(micros(now))
    .bind(error)
    .bind(project.to_string())
    .execute(&mut *c)
    .await?;
    Ok(())
}

fn from_row(row: &AnyRow) -> Result<ProjectSource> {
    let kind: String = get(row, "kind")?;
    let refs: String = get(row, "extra_refs")?;
    let heads: Option<String> = get(row, "heads")?;
    let by: Option<String> = get(row, "updated_by")?;
    let fetched: Option<i64> = get(row, "fetched_at")?;
    Ok(ProjectSource {
        project_id: ProjectId(uuid(&get::<String>(row, "project_id")?)?),
        input: ProjectSourceInput {
            kind: SourceKind::parse(&kind)
                .ok_or_else(|| StoreError::Corrupt(format!("source kind {kind:?}")))?,
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
