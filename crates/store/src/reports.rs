//! Reports: their rows, numbers, states and milestones, and the duplicate links between
//! them. A use case (intake, a transition) composes these with the outbox, the audit log and
//! the webhooks in its own unit of work.

use crate::{
    Conn, Result, StateChange, StoreError,
    rows::{get, micros, opt_ts, ts, uuid},
};
use domain::{
    ProjectId, ReportId,
    report::{CreditMode, NewReport, Report, Resolution, Sla, Source, State},
    stats::Milestones,
};
use jiff::Timestamp;
use sqlx::any::AnyRow;

/// `SELECT <every report column> FROM reports <tail>`, as one static string.
macro_rules! select_reports {
    ($tail:literal) => {
        concat!(
            "SELECT id, project_id, number, title, description, affected_version, reproduction, \
             impact, cvss_vector, reporter_name, reporter_email, credit_as, credit_mode, source, state, \
             resolution, received_at, acknowledged_at, updated_at, acknowledge_due, triage_due, \
             disclosure_due FROM reports ",
            $tail
        )
    };
}

/// The columns [`from_row`] reads, for queries built elsewhere (with the table aliased `r`).
pub(crate) const COLUMNS_R: &str = "r.id, r.project_id, r.number, r.title, r.description, \
     r.affected_version, r.reproduction, r.impact, r.cvss_vector, r.reporter_name, \
     r.reporter_email, r.credit_as, r.credit_mode, r.source, r.state, r.resolution, \
     r.received_at, r.acknowledged_at, r.updated_at, r.acknowledge_due, r.triage_due, \
     r.disclosure_due";

pub(crate) fn from_row(row: &AnyRow) -> Result<Report> {
    let corrupt = |what: &str, v: &str| StoreError::Corrupt(format!("{what} {v:?}"));
    let source: String = get(row, "source")?;
    let state: String = get(row, "state")?;
    let resolution: Option<String> = get(row, "resolution")?;
    Ok(Report {
        id: ReportId(uuid(&get::<String>(row, "id")?)?),
        project_id: ProjectId(uuid(&get::<String>(row, "project_id")?)?),
        number: get(row, "number")?,
        title: get(row, "title")?,
        description: get(row, "description")?,
        affected_version: get(row, "affected_version")?,
        reproduction: get(row, "reproduction")?,
        impact: get(row, "impact")?,
        cvss_vector: get(row, "cvss_vector")?,
        reporter_name: get(row, "reporter_name")?,
        reporter_email: get(row, "reporter_email")?,
        credit_as: get(row, "credit_as")?,
        credit_mode: get::<Option<String>>(row, "credit_mode")?
            .map(|m| CreditMode::parse(&m).ok_or_else(|| corrupt("credit_mode", &m)))
            .transpose()?,
        source: Source::parse(&source).ok_or_else(|| corrupt("source", &source))?,
        state: State::parse(&state).ok_or_else(|| corrupt("state", &state))?,
        resolution: resolution
            .map(|r| Resolution::parse(&r).ok_or_else(|| corrupt("resolution", &r)))
            .transpose()?,
        received_at: ts(get(row, "received_at")?)?,
        acknowledged_at: opt_ts(get(row, "acknowledged_at")?)?,
        updated_at: ts(get(row, "updated_at")?)?,
        sla: Sla {
            acknowledge_due: ts(get(row, "acknowledge_due")?)?,
            triage_due: ts(get(row, "triage_due")?)?,
            disclosure_due: ts(get(row, "disclosure_due")?)?,
        },
    })
}

/// A report to store as `received`, numbered by [`next_number`] in the same unit of work.
#[derive(Debug, Clone, Copy)]
pub struct NewRow<'a> {
    pub id: ReportId,
    pub project: ProjectId,
    pub number: i64,
    pub report: &'a NewReport,
    pub source: Source,
    pub tracking_token_hash: &'a str,
    pub sla: Sla,
    pub now: Timestamp,
    /// The score the inbox sorts by (tenths) and its severity: the reporter's vector's
    /// until a maintainer scores it; `None` when the report has no valid vector.
    pub score: Option<(u8, &'a str)>,
}

/// Takes the project's next report number; `NotFound` when there is no such project.
///
/// A write: call it first in a unit of work, so on SQLite the transaction takes the write
/// lock before its reads can go stale.
pub async fn next_number(c: &mut Conn, project: ProjectId) -> Result<i64> {
    take_numbers(c, project, 1).await
}

/// Takes the project's next `count` report numbers (consecutive); the first of them.
/// `NotFound` when there is no such project. A write, like [`next_number`].
pub async fn take_numbers(c: &mut Conn, project: ProjectId, count: i64) -> Result<i64> {
    sqlx::query_scalar(
        "UPDATE projects SET next_report_number = next_report_number + $2 \
         WHERE id = $1 RETURNING next_report_number - $2",
    )
    .bind(project.to_string())
    .bind(count)
    .fetch_optional(c)
    .await?
    .ok_or(StoreError::NotFound)
}

/// Stores a new report in state `received`.
pub async fn insert(c: &mut Conn, new: &NewRow<'_>) -> Result<()> {
    insert_many(c, std::slice::from_ref(new)).await
}

/// Stores new reports in state `received`, as few statements as the bound values allow.
pub async fn insert_many(c: &mut Conn, rows: &[NewRow<'_>]) -> Result<()> {
    const ROW: &str = "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'received', NULL, ?, ?, NULL, ?, ?, ?, ?, ?, ?, ?)";
    for chunk in rows.chunks(crate::rows::rows_per_statement(22)) {
        let sql = format!(
            "INSERT INTO reports (id, project_id, number, title, description, affected_version, \
             reproduction, impact, cvss_vector, reporter_name, reporter_email, credit_as, source, \
             state, resolution, tracking_token_hash, received_at, acknowledged_at, updated_at, \
             acknowledge_due, triage_due, disclosure_due, credit_mode, score_tenths, severity) \
             VALUES {}",
            crate::rows::values_list(ROW, chunk.len())
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for new in chunk {
            let r = new.report;
            query = query
                .bind(new.id.to_string())
                .bind(new.project.to_string())
                .bind(new.number)
                .bind(r.title.clone())
                .bind(r.description.clone())
                .bind(r.affected_version.clone())
                .bind(r.reproduction.clone())
                .bind(r.impact.clone())
                .bind(r.cvss_vector.clone())
                .bind(r.reporter_name.clone())
                .bind(r.reporter_email.as_ref().map(|e| e.as_str().to_owned()))
                .bind(r.credit_as.clone())
                .bind(new.source.as_str())
                .bind(new.tracking_token_hash.to_owned())
                .bind(micros(new.now))
                .bind(micros(new.now))
                .bind(micros(new.sla.acknowledge_due))
                .bind(micros(new.sla.triage_due))
                .bind(micros(new.sla.disclosure_due))
                .bind(r.credit_mode.map(CreditMode::as_str))
                .bind(
                    new.score
                        .map_or(crate::report_pages::UNSCORED, |(t, _)| i64::from(t)),
                )
                .bind(new.score.map(|(_, s)| s.to_owned()));
        }
        query.execute(&mut *c).await?;
    }
    Ok(())
}

pub async fn by_id(c: &mut Conn, id: ReportId) -> Result<Option<Report>> {
    sqlx::query(select_reports!("WHERE id = $1"))
        .bind(id.to_string())
        .fetch_optional(c)
        .await?
        .as_ref()
        .map(from_row)
        .transpose()
}

/// The project's report with this number.
pub async fn by_number(c: &mut Conn, project: ProjectId, number: i64) -> Result<Option<Report>> {
    sqlx::query(select_reports!("WHERE project_id = $1 AND number = $2"))
        .bind(project.to_string())
        .bind(number)
        .fetch_optional(c)
        .await?
        .as_ref()
        .map(from_row)
        .transpose()
}

/// The report a tracking token (by its hash) opens, unless the token was disabled.
pub async fn by_tracking_hash(c: &mut Conn, token_hash: &str) -> Result<Option<Report>> {
    sqlx::query(select_reports!(
        "WHERE tracking_token_hash = $1 AND tracking_disabled_at IS NULL"
    ))
    .bind(token_hash)
    .fetch_optional(c)
    .await?
    .as_ref()
    .map(from_row)
    .transpose()
}

/// The project's reports, newest (highest number) first.
pub async fn list(c: &mut Conn, project: ProjectId) -> Result<Vec<Report>> {
    sqlx::query(select_reports!(
        "WHERE project_id = $1 ORDER BY number DESC"
    ))
    .bind(project.to_string())
    .fetch_all(c)
    .await?
    .iter()
    .map(from_row)
    .collect()
}

/// Which of a project's reports a page lists, and where it starts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PageQuery {
    /// Only reports in this state.
    pub state: Option<State>,
    /// Only reports numbered below this one: the last number of the previous page. Numbers
    /// never change and only grow, so a page boundary holds however many reports arrive.
    pub before: Option<i64>,
    /// At most this many.
    pub limit: i64,
}

/// One page of the project's reports, newest (highest number) first: an indexed range
/// read (`reports (project_id, number)`), never the whole project.
pub async fn page(c: &mut Conn, project: ProjectId, q: &PageQuery) -> Result<Vec<Report>> {
    let mut sql = format!("SELECT {COLUMNS_R} FROM reports r WHERE r.project_id = $1");
    let mut n = 1;
    if q.state.is_some() {
        n += 1;
        sql.push_str(&format!(" AND r.state = ${n}"));
    }
    if q.before.is_some() {
        n += 1;
        sql.push_str(&format!(" AND r.number < ${n}"));
    }
    sql.push_str(&format!(" ORDER BY r.number DESC LIMIT ${}", n + 1));
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(project.to_string());
    if let Some(state) = q.state {
        query = query.bind(state.as_str());
    }
    if let Some(before) = q.before {
        query = query.bind(before);
    }
    query
        .bind(q.limit)
        .fetch_all(c)
        .await?
        .iter()
        .map(from_row)
        .collect()
}

/// Moves the report to `change.to` if it is still in `change.from`, setting the milestones
/// it is told to (each only the first time) and `acknowledged_at` on the first response.
/// Returns whether it moved (`false`: it is no longer in `change.from`, or does not exist).
pub async fn set_state(
    c: &mut Conn,
    id: ReportId,
    change: &StateChange,
    milestones: Milestones,
) -> Result<bool> {
    let updated = sqlx::query(
        "UPDATE reports SET state = $1, resolution = $2, updated_at = $3, \
         acknowledged_at = CASE WHEN $4 = 1 AND acknowledged_at IS NULL THEN $3 ELSE acknowledged_at END, \
         triaged_at = CASE WHEN $7 = 1 AND triaged_at IS NULL THEN $3 ELSE triaged_at END, \
         fixed_at = CASE WHEN $8 = 1 AND fixed_at IS NULL THEN $3 ELSE fixed_at END \
         WHERE id = $5 AND state = $6",
    )
    .bind(change.to.as_str())
    .bind(change.resolution.map(|r| r.as_str()))
    .bind(micros(change.at))
    .bind(i64::from(change.first_response))
    .bind(id.to_string())
    .bind(change.from.as_str())
    .bind(i64::from(milestones.triaged))
    .bind(i64::from(milestones.fixed))
    .execute(c)
    .await?
    .rows_affected();
    Ok(updated == 1)
}

/// Sets the report's `updated_at` (a message or a score was added).
pub async fn touch(c: &mut Conn, id: ReportId, at: Timestamp) -> Result<()> {
    sqlx::query("UPDATE reports SET updated_at = $1 WHERE id = $2")
        .bind(micros(at))
        .bind(id.to_string())
        .execute(c)
        .await?;
    Ok(())
}

/// Links `report` to the original it duplicates, replacing any earlier link (`None`
/// removes it).
pub async fn link_duplicate(
    c: &mut Conn,
    report: ReportId,
    original: Option<ReportId>,
    at: Timestamp,
) -> Result<()> {
    sqlx::query("DELETE FROM report_duplicates WHERE report_id = $1")
        .bind(report.to_string())
        .execute(&mut *c)
        .await?;
    if let Some(original) = original {
        sqlx::query(
            "INSERT INTO report_duplicates (report_id, original_id, linked_at) VALUES ($1, $2, $3)",
        )
        .bind(report.to_string())
        .bind(original.to_string())
        .bind(micros(at))
        .execute(c)
        .await?;
    }
    Ok(())
}

/// The report a duplicate links to.
pub async fn duplicate_of(c: &mut Conn, report: ReportId) -> Result<Option<ReportId>> {
    let row = sqlx::query("SELECT original_id FROM report_duplicates WHERE report_id = $1")
        .bind(report.to_string())
        .fetch_optional(c)
        .await?;
    row.map(|r| Ok(ReportId(uuid(&get::<String>(&r, "original_id")?)?)))
        .transpose()
}

/// The reports linked as duplicates of `original`, by number.
pub async fn duplicates_of(c: &mut Conn, original: ReportId) -> Result<Vec<Report>> {
    sqlx::query(select_reports!(
        "WHERE id IN (SELECT report_id FROM report_duplicates WHERE original_id = $1) \
         ORDER BY number"
    ))
    .bind(original.to_string())
    .fetch_all(c)
    .await?
    .iter()
    .map(from_row)
    .collect()
}
