//! Maintainers' CVSS scores of a report: its scoring history, the last one current.

use crate::{
    AuthorKind, Conn, NewScore, Result, ScoreRecord, StoreError,
    rows::{get, micros, ts, uuid},
};
use domain::{ProjectId, ReportId, UserId};
use sqlx::any::AnyRow;

/// `SELECT <every score column and the author's name> FROM scores s <tail>`.
macro_rules! select_scores {
    ($tail:literal) => {
        concat!(
            "SELECT s.id, s.report_id, s.vector, s.version, s.score, s.severity, s.rationale, \
             s.author_kind, s.author_id, u.name AS author_name, s.created_at FROM scores s \
             LEFT JOIN users u ON u.id = s.author_id ",
            $tail
        )
    };
}

fn from_row(row: &AnyRow) -> Result<ScoreRecord> {
    let kind: String = get(row, "author_kind")?;
    let author: Option<String> = get(row, "author_id")?;
    let score: i64 = get(row, "score")?;
    let version: String = get(row, "version")?;
    let severity: String = get(row, "severity")?;
    Ok(ScoreRecord {
        id: uuid(&get::<String>(row, "id")?)?,
        report_id: ReportId(uuid(&get::<String>(row, "report_id")?)?),
        vector: get(row, "vector")?,
        version: version
            .parse()
            .map_err(|_| StoreError::Corrupt(format!("cvss version {version:?}")))?,
        score_tenths: u8::try_from(score)
            .ok()
            .filter(|s| *s <= 100)
            .ok_or_else(|| StoreError::Corrupt(format!("score {score}")))?,
        severity: severity
            .parse()
            .map_err(|_| StoreError::Corrupt(format!("severity {severity:?}")))?,
        rationale: get(row, "rationale")?,
        author_kind: AuthorKind::parse(&kind)
            .ok_or_else(|| StoreError::Corrupt(format!("author_kind {kind:?}")))?,
        author_id: author.as_deref().map(uuid).transpose()?.map(UserId),
        author_name: get(row, "author_name")?,
        created_at: ts(get(row, "created_at")?)?,
    })
}

/// Stores a maintainer's score.
pub async fn insert(c: &mut Conn, score: &NewScore) -> Result<()> {
    sqlx::query(
        "INSERT INTO scores (id, report_id, vector, version, score, severity, rationale, \
         author_kind, author_id, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, 'maintainer', $8, $9)",
    )
    .bind(score.id.to_string())
    .bind(score.report.to_string())
    .bind(&score.vector)
    .bind(score.version.as_str())
    .bind(i64::from(score.score_tenths))
    .bind(score.severity.as_str())
    .bind(&score.rationale)
    .bind(score.author.to_string())
    .bind(micros(score.created_at))
    .execute(c)
    .await?;
    Ok(())
}

pub async fn by_id(c: &mut Conn, id: uuid::Uuid) -> Result<Option<ScoreRecord>> {
    sqlx::query(select_scores!("WHERE s.id = $1"))
        .bind(id.to_string())
        .fetch_optional(c)
        .await?
        .as_ref()
        .map(from_row)
        .transpose()
}

/// A report's scores, oldest first; the last one is the current score.
pub async fn of_report(c: &mut Conn, report: ReportId) -> Result<Vec<ScoreRecord>> {
    sqlx::query(select_scores!(
        "WHERE s.report_id = $1 ORDER BY s.created_at, s.id"
    ))
    .bind(report.to_string())
    .fetch_all(c)
    .await?
    .iter()
    .map(from_row)
    .collect()
}

/// The scores of every report of a project, oldest first (for the inbox's severities).
pub async fn of_project(c: &mut Conn, project: ProjectId) -> Result<Vec<ScoreRecord>> {
    sqlx::query(select_scores!(
        "JOIN reports r ON r.id = s.report_id WHERE r.project_id = $1 \
         ORDER BY s.created_at, s.id"
    ))
    .bind(project.to_string())
    .fetch_all(c)
    .await?
    .iter()
    .map(from_row)
    .collect()
}
