//! A project's reports a page at a time, filtered, searched and sorted, and counted per
//! filter: what the inbox and the reports API read. Every query is a range on one of the
//! `reports (project_id, …)` indexes of migration 18, never a read of the whole project;
//! the denormalised columns it needs (`likely_junk`, `score_tenths`, `severity`) are kept by
//! the functions at the end of this module, in the unit of work of the change.

use crate::{
    Conn, Dialect, Result, StoreError,
    reports::{COLUMNS_R, from_row},
    rows::{get, micros},
};
use domain::{
    ProjectId, ReportId, UserId,
    report::{Report, State},
};
use jiff::Timestamp;
use sqlx::any::AnyRow;

/// The due-date key of a report: the deadline of the clock that runs next in its state
/// (acknowledge while received, triage while acknowledged, disclosure while open), the
/// largest value once closed or disclosed. Identical, but for the table alias, to the
/// expression of the `reports_project_due` index (migration 18), so the index serves it.
pub const DUE_KEY: &str = "(CASE r.state \
     WHEN 'received' THEN r.acknowledge_due \
     WHEN 'acknowledged' THEN r.triage_due \
     WHEN 'closed' THEN 9223372036854775807 \
     WHEN 'disclosed' THEN 9223372036854775807 \
     ELSE r.disclosure_due END)";

/// The due-date key of a report without a running clock.
pub const NO_DUE: i64 = i64::MAX;

/// `score_tenths` of a report without any score.
pub const UNSCORED: i64 = -1;

/// Which reports a page or a count covers. The default covers every report of the project.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    /// Only reports in one of these states (empty: any state).
    pub states: Vec<State>,
    /// Only reports the triage gave this label.
    pub label: Option<triage::Label>,
    /// Only reports the triage gave this verdict.
    pub verdict: Option<triage::Verdict>,
    /// Only reports awaiting acknowledgement whose acknowledgement was due before this time.
    pub overdue_at: Option<Timestamp>,
    /// Only reports that are (`true`) or are not (`false`) likely junk.
    pub likely_junk: Option<bool>,
    /// Only reports whose text holds every word of this (as typed: it is quoted here).
    pub search: Option<String>,
    /// Only reports assigned to this person, or to nobody.
    pub assignee: Option<Assignee>,
}

/// Whom a report is assigned to, as a filter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Assignee {
    User(UserId),
    Nobody,
}

/// The order of a page; every order ends with the report number, so it is total.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Sort {
    /// Newest first: by number, which reports are given as they are received.
    #[default]
    Received,
    /// Soonest due first ([`DUE_KEY`]), then by number.
    Due,
    /// Highest current score first, unscored last, then newest first.
    Severity,
}

/// Where a page starts: the sort key and number of the previous page's last row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct After {
    /// The sort key ([`Sort::Received`]: the number again).
    pub key: i64,
    pub number: i64,
}

/// A page of reports: which, in what order, after which row, how many.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PageQuery {
    pub filter: Filter,
    pub sort: Sort,
    pub after: Option<After>,
    pub limit: i64,
}

/// A report as a list shows it: the row, its current score, its triage and its sort keys.
#[derive(Debug, Clone)]
pub struct ReportRow {
    pub report: Report,
    /// Tenths (98 is 9.8); `None` when the report has no score.
    pub score_tenths: Option<i64>,
    pub severity: Option<String>,
    pub triage: Option<(triage::Label, triage::Verdict)>,
    pub likely_junk: bool,
    /// [`DUE_KEY`] of the report.
    pub due_key: i64,
    /// The name of the person it is assigned to.
    pub assignee: Option<String>,
}

impl ReportRow {
    /// This row's position in `sort`, for the next page's [`After`].
    pub fn after(&self, sort: Sort) -> After {
        let key = match sort {
            Sort::Received => self.report.number,
            Sort::Due => self.due_key,
            Sort::Severity => self.score_tenths.unwrap_or(UNSCORED),
        };
        After {
            key,
            number: self.report.number,
        }
    }
}

/// The database behind a connection.
fn dialect(c: &Conn) -> Dialect {
    if c.backend_name().eq_ignore_ascii_case("postgresql") {
        Dialect::Postgres
    } else {
        Dialect::Sqlite
    }
}

/// The words of a search, each quoted as an FTS5 string (a `"` inside doubled), so what a
/// user types is only ever words to find, never FTS5 syntax (`OR`, `NEAR(`, `*`, `-`,
/// column filters); pieces without a letter or digit are left out. `None`: no word at all.
pub fn fts5_query(search: &str) -> Option<String> {
    let terms: Vec<String> = search
        .split_whitespace()
        .filter(|t| t.chars().any(char::is_alphanumeric))
        .map(|t| format!("\"{}\"", t.replace('"', "\"\"")))
        .collect();
    (!terms.is_empty()).then(|| terms.join(" "))
}

/// A value bound to a query built here.
enum Bind {
    Text(String),
    Int(i64),
}

/// The `WHERE` clause of a filter (after `r.project_id = $1`) and its values, numbered
/// from `$2`.
fn conditions(dialect: Dialect, filter: &Filter, sql: &mut String, binds: &mut Vec<Bind>) {
    let param = |binds: &mut Vec<Bind>, b: Bind| {
        binds.push(b);
        format!("${}", binds.len() + 1)
    };
    if !filter.states.is_empty() {
        let list: Vec<String> = filter
            .states
            .iter()
            .map(|s| param(binds, Bind::Text(s.as_str().to_owned())))
            .collect();
        sql.push_str(&format!(" AND r.state IN ({})", list.join(", ")));
    }
    if let Some(label) = filter.label {
        let p = param(binds, Bind::Text(label.as_str().to_owned()));
        sql.push_str(&format!(" AND t.label = {p}"));
    }
    if let Some(verdict) = filter.verdict {
        let p = param(binds, Bind::Text(verdict.as_str().to_owned()));
        sql.push_str(&format!(" AND t.verdict = {p}"));
    }
    if let Some(at) = filter.overdue_at {
        let p = param(binds, Bind::Int(micros(at)));
        sql.push_str(&format!(
            " AND r.state = 'received' AND r.acknowledge_due < {p}"
        ));
    }
    if let Some(junk) = filter.likely_junk {
        let p = param(binds, Bind::Int(i64::from(junk)));
        sql.push_str(&format!(" AND r.likely_junk = {p}"));
    }
    match filter.assignee {
        Some(Assignee::User(user)) => {
            let p = param(binds, Bind::Text(user.to_string()));
            sql.push_str(&format!(" AND r.assignee_id = {p}"));
        }
        Some(Assignee::Nobody) => sql.push_str(" AND r.assignee_id IS NULL"),
        None => {}
    }
    if let Some(search) = filter.search.as_deref() {
        match (dialect, fts5_query(search)) {
            (_, None) => sql.push_str(" AND 1 = 0"),
            (Dialect::Sqlite, Some(words)) => {
                let p = param(binds, Bind::Text(words));
                sql.push_str(&format!(
                    " AND r.rowid IN (SELECT rowid FROM reports_fts WHERE reports_fts MATCH {p})"
                ));
            }
            (Dialect::Postgres, Some(_)) => {
                let p = param(binds, Bind::Text(search.to_owned()));
                sql.push_str(&format!(
                    " AND r.search @@ plainto_tsquery('simple'::regconfig, {p})"
                ));
            }
        }
    }
}

fn bind_all<'q>(
    mut query: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments>,
    binds: Vec<Bind>,
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments> {
    for b in binds {
        query = match b {
            Bind::Text(s) => query.bind(s),
            Bind::Int(i) => query.bind(i),
        };
    }
    query
}

/// The SQL of a page and its values after the project id.
fn page_sql(dialect: Dialect, q: &PageQuery) -> (String, Vec<Bind>) {
    let mut sql = format!(
        "SELECT {COLUMNS_R}, r.score_tenths, r.severity, r.likely_junk, \
         t.label AS triage_label, t.verdict AS triage_verdict, {DUE_KEY} AS due_key, \
         u.name AS assignee_name \
         FROM reports r LEFT JOIN report_triage t ON t.report_id = r.id \
         LEFT JOIN users u ON u.id = r.assignee_id \
         WHERE r.project_id = $1"
    );
    let mut binds = Vec::new();
    conditions(dialect, &q.filter, &mut sql, &mut binds);
    if let Some(after) = q.after {
        if q.sort != Sort::Received {
            binds.push(Bind::Int(after.key));
        }
        let k = binds.len() + 1;
        binds.push(Bind::Int(after.number));
        let n = binds.len() + 1;
        sql.push_str(&match q.sort {
            Sort::Received => format!(" AND r.number < ${n}"),
            Sort::Due => format!(" AND ({DUE_KEY}, r.number) > (${k}, ${n})"),
            Sort::Severity => format!(" AND (r.score_tenths, r.number) < (${k}, ${n})"),
        });
    }
    sql.push_str(match q.sort {
        Sort::Received => " ORDER BY r.number DESC",
        Sort::Due => " ORDER BY due_key, r.number",
        Sort::Severity => " ORDER BY r.score_tenths DESC, r.number DESC",
    });
    binds.push(Bind::Int(q.limit));
    sql.push_str(&format!(" LIMIT ${}", binds.len() + 1));
    (sql, binds)
}

fn row(r: &AnyRow) -> Result<ReportRow> {
    let corrupt = |what: &str, v: &str| StoreError::Corrupt(format!("{what} {v:?}"));
    let label: Option<String> = get(r, "triage_label")?;
    let verdict: Option<String> = get(r, "triage_verdict")?;
    let triage = match (label, verdict) {
        (Some(l), Some(v)) => Some((
            triage::Label::parse(&l).ok_or_else(|| corrupt("triage label", &l))?,
            triage::Verdict::parse(&v).ok_or_else(|| corrupt("triage verdict", &v))?,
        )),
        _ => None,
    };
    let score_tenths: Option<i64> = get(r, "score_tenths")?;
    Ok(ReportRow {
        report: from_row(r)?,
        score_tenths: score_tenths.filter(|s| *s >= 0),
        severity: get(r, "severity")?,
        triage,
        likely_junk: get::<i64>(r, "likely_junk")? != 0,
        due_key: get(r, "due_key")?,
        assignee: get(r, "assignee_name")?,
    })
}

/// One page of the project's reports: at most `q.limit` rows after `q.after` in `q.sort`.
pub async fn page(c: &mut Conn, project: ProjectId, q: &PageQuery) -> Result<Vec<ReportRow>> {
    let (sql, binds) = page_sql(dialect(c), q);
    bind_all(
        sqlx::query(sqlx::AssertSqlSafe(sql)).bind(project.to_string()),
        binds,
    )
    .fetch_all(c)
    .await?
    .iter()
    .map(row)
    .collect()
}

/// The SQL of a count and its values after the project id.
fn count_sql(dialect: Dialect, filter: &Filter) -> (String, Vec<Bind>) {
    let mut sql = String::from("SELECT COUNT(*) FROM reports r");
    if filter.label.is_some() || filter.verdict.is_some() {
        sql.push_str(" JOIN report_triage t ON t.report_id = r.id");
    }
    sql.push_str(" WHERE r.project_id = $1");
    let mut binds = Vec::new();
    conditions(dialect, filter, &mut sql, &mut binds);
    (sql, binds)
}

/// How many of the project's reports the filter covers: one `COUNT` over an index range.
pub async fn count(c: &mut Conn, project: ProjectId, filter: &Filter) -> Result<i64> {
    let (sql, binds) = count_sql(dialect(c), filter);
    let mut query = sqlx::query_scalar(sqlx::AssertSqlSafe(sql)).bind(project.to_string());
    for b in binds {
        query = match b {
            Bind::Text(s) => query.bind(s),
            Bind::Int(i) => query.bind(i),
        };
    }
    Ok(query.fetch_one(c).await?)
}

/// The plan the database chooses for a page (`EXPLAIN QUERY PLAN` on SQLite, `EXPLAIN` on
/// PostgreSQL), one line per step: for tests that check the indexes are used.
pub async fn explain_page(c: &mut Conn, project: ProjectId, q: &PageQuery) -> Result<Vec<String>> {
    let d = dialect(c);
    let (sql, binds) = page_sql(d, q);
    explain(c, d, sql, project, binds).await
}

/// The plan of [`count`] for this filter, as [`explain_page`] gives it.
pub async fn explain_count(
    c: &mut Conn,
    project: ProjectId,
    filter: &Filter,
) -> Result<Vec<String>> {
    let d = dialect(c);
    let (sql, binds) = count_sql(d, filter);
    explain(c, d, sql, project, binds).await
}

async fn explain(
    c: &mut Conn,
    d: Dialect,
    sql: String,
    project: ProjectId,
    binds: Vec<Bind>,
) -> Result<Vec<String>> {
    let (prefix, column) = match d {
        Dialect::Sqlite => ("EXPLAIN QUERY PLAN ", "detail"),
        Dialect::Postgres => ("EXPLAIN ", "QUERY PLAN"),
    };
    let rows = bind_all(
        sqlx::query(sqlx::AssertSqlSafe(format!("{prefix}{sql}"))).bind(project.to_string()),
        binds,
    )
    .fetch_all(c)
    .await?;
    rows.iter().map(|r| get::<String>(r, column)).collect()
}

/// Sets whether the report is likely junk from what is stored now: its intake hold keeps it
/// back as junk (`held` by the triage's label, or `blocked` by a sender rule or ban), or —
/// unless a person released its hold — the triage's verdict is likely invalid or a mail
/// filter's `spam` rule filed it. Call it in the unit of work that changes any of these.
pub async fn refresh_junk(c: &mut Conn, report: ReportId) -> Result<()> {
    sqlx::query(
        "UPDATE reports SET likely_junk = CASE \
           WHEN EXISTS (SELECT 1 FROM intake_holds h WHERE h.report_id = reports.id \
                        AND h.status IN ('held', 'blocked')) THEN 1 \
           WHEN EXISTS (SELECT 1 FROM intake_holds h WHERE h.report_id = reports.id \
                        AND h.status = 'released' AND h.decided_by LIKE 'user:%') THEN 0 \
           WHEN EXISTS (SELECT 1 FROM report_triage t WHERE t.report_id = reports.id \
                   AND t.verdict = 'likely_invalid') \
           OR EXISTS (SELECT 1 FROM inbound_messages i \
                      JOIN mail_filter_matches m ON m.inbound_id = i.id \
                      WHERE i.report_id = reports.id AND i.disposition = 'report' \
                        AND m.decided = 1 AND m.action = 'spam') \
         THEN 1 ELSE 0 END WHERE id = $1",
    )
    .bind(report.to_string())
    .execute(c)
    .await?;
    Ok(())
}

/// Assigns the report to `user` (`None`: to nobody); `false` when the report is gone.
pub async fn assign(c: &mut Conn, report: ReportId, user: Option<UserId>) -> Result<bool> {
    let done = sqlx::query("UPDATE reports SET assignee_id = $1 WHERE id = $2")
        .bind(user.map(|u| u.to_string()))
        .bind(report.to_string())
        .execute(c)
        .await?
        .rows_affected();
    Ok(done == 1)
}

/// Whom the report is assigned to.
pub async fn assignee(c: &mut Conn, report: ReportId) -> Result<Option<UserId>> {
    let id: Option<Option<String>> =
        sqlx::query_scalar("SELECT assignee_id FROM reports WHERE id = $1")
            .bind(report.to_string())
            .fetch_optional(c)
            .await?;
    id.flatten()
        .map(|s| Ok(UserId(crate::rows::uuid(&s)?)))
        .transpose()
}

/// Sets the report's current score (`None`: it has none). Call it in the unit of work that
/// stores the report or a new score.
pub async fn set_score(c: &mut Conn, report: ReportId, score: Option<(u8, &str)>) -> Result<()> {
    sqlx::query("UPDATE reports SET score_tenths = $1, severity = $2 WHERE id = $3")
        .bind(score.map_or(UNSCORED, |(t, _)| i64::from(t)))
        .bind(score.map(|(_, s)| s.to_owned()))
        .bind(report.to_string())
        .execute(c)
        .await?;
    Ok(())
}

/// Up to `limit` reports whose current score is not known yet (stored before migration 18
/// with only the reporter's vector), with that vector.
pub async fn unscored(c: &mut Conn, limit: i64) -> Result<Vec<(ReportId, Option<String>)>> {
    sqlx::query("SELECT id, cvss_vector FROM reports WHERE score_tenths IS NULL LIMIT $1")
        .bind(limit)
        .fetch_all(c)
        .await?
        .iter()
        .map(|r| {
            Ok((
                ReportId(crate::rows::uuid(&get::<String>(r, "id")?)?),
                get(r, "cvss_vector")?,
            ))
        })
        .collect()
}
