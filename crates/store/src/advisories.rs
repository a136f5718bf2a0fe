//! Advisories: the pure model (`advisory::Advisory`, stored as JSON) with what the server
//! keeps beside it ([`AdvisoryRecord`]), and the (ecosystem, package) rows the query route
//! searches. Ids are unique across the instance.

use crate::{
    AdvisoryRecord, Conn, Result, StoreError,
    rows::{get, micros, opt_ts, ts, uuid},
};
use domain::{ProjectId, ReportId, UserId};
use sqlx::any::AnyRow;

/// `SELECT <every advisory column and its list position> FROM advisories a <tail>`.
macro_rules! select_advisory_page {
    ($tail:literal) => {
        concat!(
            "SELECT a.id, a.project_id, a.report_id, a.record, a.version, a.scheduled_at, \
             a.scheduled_by, a.cve_submitted_at, a.created_at, a.modified FROM advisories a ",
            $tail
        )
    };
}

/// `SELECT <every advisory column> FROM advisories a <tail>`, as one static string.
macro_rules! select_advisories {
    ($tail:literal) => {
        concat!(
            "SELECT a.id, a.project_id, a.report_id, a.record, a.version, a.scheduled_at, \
             a.scheduled_by, a.cve_submitted_at, a.created_at FROM advisories a ",
            $tail
        )
    };
}

fn advisory_from_row(row: &AnyRow) -> Result<AdvisoryRecord> {
    let record: String = get(row, "record")?;
    let report: Option<String> = get(row, "report_id")?;
    let by: Option<String> = get(row, "scheduled_by")?;
    Ok(AdvisoryRecord {
        project_id: ProjectId(uuid(&get::<String>(row, "project_id")?)?),
        report_id: report.as_deref().map(uuid).transpose()?.map(ReportId),
        advisory: serde_json::from_str(&record)
            .map_err(|e| StoreError::Corrupt(format!("advisory record: {e}")))?,
        version: get(row, "version")?,
        scheduled_at: opt_ts(get(row, "scheduled_at")?)?,
        scheduled_by: by.as_deref().map(uuid).transpose()?.map(UserId),
        cve_submitted_at: opt_ts(get(row, "cve_submitted_at")?)?,
        created_at: ts(get(row, "created_at")?)?,
    })
}

/// The `status` column: the record's status, kept beside the JSON for the list queries.
fn status_column(a: &advisory::Advisory) -> &'static str {
    match a.status {
        advisory::Status::Draft => "draft",
        advisory::Status::Published => "published",
        advisory::Status::Withdrawn => "withdrawn",
    }
}

fn advisory_json(a: &advisory::Advisory) -> Result<String> {
    serde_json::to_string(a).map_err(|e| StoreError::Corrupt(format!("advisory: {e}")))
}

/// Rewrites the (ecosystem, name) rows of an advisory for the query route.
async fn replace_packages(c: &mut Conn, a: &advisory::Advisory) -> Result<()> {
    sqlx::query("DELETE FROM advisory_packages WHERE advisory_id = $1")
        .bind(&a.id)
        .execute(&mut *c)
        .await?;
    let mut seen = std::collections::BTreeSet::new();
    for af in &a.affected {
        let key = (
            af.package.ecosystem.clone().unwrap_or_default(),
            af.package.name.clone(),
        );
        if key.1.is_empty() || !seen.insert(key.clone()) {
            continue;
        }
        sqlx::query(
            "INSERT INTO advisory_packages (advisory_id, ecosystem, name) VALUES ($1, $2, $3)",
        )
        .bind(&a.id)
        .bind(&key.0)
        .bind(&key.1)
        .execute(&mut *c)
        .await?;
    }
    Ok(())
}

/// Stores a new advisory at version 1 with its package rows; `Conflict` when the id is
/// taken. Returns the record as stored.
pub async fn insert(c: &mut Conn, record: &AdvisoryRecord) -> Result<AdvisoryRecord> {
    let a = &record.advisory;
    sqlx::query(
        "INSERT INTO advisories (id, project_id, report_id, status, record, version, \
         published_at, modified, scheduled_at, scheduled_by, cve_submitted_at, created_at) \
         VALUES ($1, $2, $3, $4, $5, 1, $6, $7, $8, $9, $10, $11)",
    )
    .bind(&a.id)
    .bind(record.project_id.to_string())
    .bind(record.report_id.map(|r| r.to_string()))
    .bind(status_column(a))
    .bind(advisory_json(a)?)
    .bind(a.published.map(micros))
    .bind(micros(a.modified))
    .bind(record.scheduled_at.map(micros))
    .bind(record.scheduled_by.map(|u| u.to_string()))
    .bind(record.cve_submitted_at.map(micros))
    .bind(micros(record.created_at))
    .execute(&mut *c)
    .await
    .map_err(|e| StoreError::unique(e, "an advisory with this id exists"))?;
    replace_packages(c, a).await?;
    by_id(c, &a.id).await?.ok_or(StoreError::NotFound)
}

/// Replaces an advisory of `record.project_id` (and its package rows) if it is still at
/// `expected_version`: `NotFound` when the project has no such advisory, `Conflict` when
/// someone else changed it meanwhile. Returns the record at its new version.
pub async fn update(
    c: &mut Conn,
    record: &AdvisoryRecord,
    expected_version: i64,
) -> Result<AdvisoryRecord> {
    let a = &record.advisory;
    let updated = sqlx::query(
        "UPDATE advisories SET report_id = $1, status = $2, record = $3, \
         version = version + 1, published_at = $4, modified = $5, scheduled_at = $6, \
         scheduled_by = $7, cve_submitted_at = $8 \
         WHERE id = $9 AND project_id = $10 AND version = $11",
    )
    .bind(record.report_id.map(|r| r.to_string()))
    .bind(status_column(a))
    .bind(advisory_json(a)?)
    .bind(a.published.map(micros))
    .bind(micros(a.modified))
    .bind(record.scheduled_at.map(micros))
    .bind(record.scheduled_by.map(|u| u.to_string()))
    .bind(record.cve_submitted_at.map(micros))
    .bind(&a.id)
    .bind(record.project_id.to_string())
    .bind(expected_version)
    .execute(&mut *c)
    .await?
    .rows_affected();
    if updated != 1 {
        let exists =
            sqlx::query("SELECT version FROM advisories WHERE id = $1 AND project_id = $2")
                .bind(&a.id)
                .bind(record.project_id.to_string())
                .fetch_optional(&mut *c)
                .await?;
        return Err(match exists {
            None => StoreError::NotFound,
            Some(_) => StoreError::Conflict(
                "the advisory was changed by someone else; reload and edit again".into(),
            ),
        });
    }
    replace_packages(c, a).await?;
    by_id(c, &a.id).await?.ok_or(StoreError::NotFound)
}

pub async fn by_id(c: &mut Conn, id: &str) -> Result<Option<AdvisoryRecord>> {
    sqlx::query(select_advisories!("WHERE a.id = $1"))
        .bind(id)
        .fetch_optional(c)
        .await?
        .as_ref()
        .map(advisory_from_row)
        .transpose()
}

/// A project's advisories, most recently modified first; only published and withdrawn
/// ones when `public_only`.
pub async fn list(
    c: &mut Conn,
    project: ProjectId,
    public_only: bool,
) -> Result<Vec<AdvisoryRecord>> {
    sqlx::query(select_advisories!(
        "WHERE a.project_id = $1 AND ($2 = 0 OR a.status <> 'draft') \
         ORDER BY a.modified DESC, a.id"
    ))
    .bind(project.to_string())
    .bind(i64::from(public_only))
    .fetch_all(c)
    .await?
    .iter()
    .map(advisory_from_row)
    .collect()
}

/// Where a page of a project's advisories starts: after the advisory last modified at
/// `modified` (microseconds) with this id, in the list's order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageAfter {
    pub modified: i64,
    pub id: String,
}

/// One page of a project's advisories (drafts included unless `public_only`), most recently
/// modified first, ties by id: a keyset range read on `advisories (project_id, modified, id)`.
/// Returns each record with its position, for the next page's start.
pub async fn page(
    c: &mut Conn,
    project: ProjectId,
    public_only: bool,
    after: Option<&PageAfter>,
    limit: i64,
) -> Result<Vec<(AdvisoryRecord, PageAfter)>> {
    let rows = match after {
        None => {
            sqlx::query(select_advisory_page!(
                "WHERE a.project_id = $1 AND ($3 = 0 OR a.status <> 'draft') \
                 ORDER BY a.modified DESC, a.id LIMIT $2"
            ))
            .bind(project.to_string())
            .bind(limit)
            .bind(i64::from(public_only))
            .fetch_all(c)
            .await?
        }
        Some(after) => {
            sqlx::query(select_advisory_page!(
                "WHERE a.project_id = $1 AND ($5 = 0 OR a.status <> 'draft') \
                 AND (a.modified < $2 OR (a.modified = $2 AND a.id > $3)) \
                 ORDER BY a.modified DESC, a.id LIMIT $4"
            ))
            .bind(project.to_string())
            .bind(after.modified)
            .bind(&after.id)
            .bind(limit)
            .bind(i64::from(public_only))
            .fetch_all(c)
            .await?
        }
    };
    rows.iter()
        .map(|row| {
            Ok((
                advisory_from_row(row)?,
                PageAfter {
                    modified: get(row, "modified")?,
                    id: get(row, "id")?,
                },
            ))
        })
        .collect()
}

/// Published and withdrawn advisories of every project, most recently modified first.
pub async fn public(c: &mut Conn) -> Result<Vec<AdvisoryRecord>> {
    sqlx::query(select_advisories!(
        "WHERE a.status <> 'draft' ORDER BY a.modified DESC, a.id"
    ))
    .fetch_all(c)
    .await?
    .iter()
    .map(advisory_from_row)
    .collect()
}

/// The ids of the project's advisories that start with `prefix` (only the ids: choosing
/// the next free number reads no advisory's model).
pub async fn ids_with_prefix(
    c: &mut Conn,
    project: ProjectId,
    prefix: &str,
) -> Result<Vec<String>> {
    let escaped = prefix
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    Ok(sqlx::query_scalar(
        "SELECT id FROM advisories WHERE project_id = $1 AND id LIKE $2 ESCAPE '\\'",
    )
    .bind(project.to_string())
    .bind(format!("{escaped}%"))
    .fetch_all(c)
    .await?)
}

/// The `limit` most recently modified published advisories of every project, newest first
/// (the triage's known advisories: a bounded read however many the instance holds).
pub async fn latest_published(c: &mut Conn, limit: i64) -> Result<Vec<AdvisoryRecord>> {
    sqlx::query(select_advisories!(
        "WHERE a.status = 'published' ORDER BY a.modified DESC, a.id LIMIT $1"
    ))
    .bind(limit)
    .fetch_all(c)
    .await?
    .iter()
    .map(advisory_from_row)
    .collect()
}

/// Published advisories naming the package `name` (in `ecosystem`, when given; `""` is a
/// vendor product with no ecosystem).
pub async fn published_for_package(
    c: &mut Conn,
    ecosystem: Option<&str>,
    name: &str,
) -> Result<Vec<AdvisoryRecord>> {
    sqlx::query(select_advisories!(
        "WHERE a.status = 'published' AND a.id IN (SELECT p.advisory_id FROM advisory_packages p \
         WHERE p.name = $1 AND ($2 = 0 OR p.ecosystem = $3)) ORDER BY a.modified DESC, a.id"
    ))
    .bind(name)
    .bind(i64::from(ecosystem.is_some()))
    .bind(ecosystem.unwrap_or_default())
    .fetch_all(c)
    .await?
    .iter()
    .map(advisory_from_row)
    .collect()
}
