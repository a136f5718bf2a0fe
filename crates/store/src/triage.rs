//! The triage assistant's results (crate `triage`): one stored result per report, the
//! instance's history the next triage compares with, maintainers' dismissals of findings,
//! and the job that triages a report.

use crate::{
    Conn, NewJob, Result, StoreError, jobs,
    rows::{get, json_text, micros, ts, uuid},
};
use ::triage::{Label, Verdict};
use domain::{
    ProjectId, ReportId, UserId,
    report::{Resolution, State},
};
use jiff::Timestamp;
use sqlx::any::AnyRow;

/// The job that triages one report (run by the binary's worker): queued with a new report,
/// and again for a project's open reports when what they are checked against changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct TriageReport {
    pub report_id: ReportId,
}

impl jobs::Payload for TriageReport {
    const KIND: &'static str = "triage.report";
    const MAX_ATTEMPTS: i64 = 5;
}

/// The triage assistant's stored result for one report.
#[derive(Debug, Clone, PartialEq)]
pub struct TriageRecord {
    pub report_id: ReportId,
    pub label: Label,
    pub verdict: Verdict,
    /// The findings as the server shows them (each with a stable `key`).
    pub findings: serde_json::Value,
    /// The report's text fingerprint, read back as the instance's history.
    pub fingerprint: serde_json::Value,
    /// Which rules produced it (the server's version).
    pub version: String,
    pub triaged_at: Timestamp,
}

/// A maintainer's dismissal of one finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TriageDismissal {
    pub report_id: ReportId,
    pub finding_key: String,
    pub user_id: Option<UserId>,
    /// The user's e-mail address at read time (`None` once the account is gone).
    pub user_email: Option<String>,
    pub reason: String,
    pub at: Timestamp,
}

/// One earlier report as the triage's history needs it.
#[derive(Debug, Clone, PartialEq)]
pub struct TriageHistoryEntry {
    pub report_id: ReportId,
    pub project_slug: String,
    pub project_name: String,
    pub number: i64,
    pub received_at: Timestamp,
    pub reporter_email: Option<String>,
    pub state: State,
    pub resolution: Option<Resolution>,
    pub fingerprint: serde_json::Value,
}

/// Stores (or replaces) a report's result: triaging twice leaves one row.
pub async fn save(c: &mut Conn, r: &TriageRecord) -> Result<()> {
    sqlx::query(
        "INSERT INTO report_triage (report_id, label, verdict, findings, fingerprint, \
         triage_version, triaged_at) VALUES ($1, $2, $3, $4, $5, $6, $7) \
         ON CONFLICT (report_id) DO UPDATE SET label = excluded.label, \
         verdict = excluded.verdict, findings = excluded.findings, \
         fingerprint = excluded.fingerprint, triage_version = excluded.triage_version, \
         triaged_at = excluded.triaged_at",
    )
    .bind(r.report_id.to_string())
    .bind(r.label.as_str())
    .bind(r.verdict.as_str())
    .bind(json_text(&r.findings)?)
    .bind(json_text(&r.fingerprint)?)
    .bind(&r.version)
    .bind(micros(r.triaged_at))
    .execute(&mut *c)
    .await?;
    // The inbox's "likely junk" follows the verdict.
    crate::report_pages::refresh_junk(c, r.report_id).await
}

/// The report's result, if it was triaged.
pub async fn of_report(c: &mut Conn, report: ReportId) -> Result<Option<TriageRecord>> {
    sqlx::query(
        "SELECT report_id, label, verdict, findings, fingerprint, triage_version, triaged_at \
         FROM report_triage WHERE report_id = $1",
    )
    .bind(report.to_string())
    .fetch_optional(&mut *c)
    .await?
    .as_ref()
    .map(from_row)
    .transpose()
}

/// The results of a project's reports, newest report first (untriaged ones are absent).
pub async fn of_project(c: &mut Conn, project: ProjectId) -> Result<Vec<TriageRecord>> {
    sqlx::query(
        "SELECT t.report_id, t.label, t.verdict, t.findings, t.fingerprint, \
         t.triage_version, t.triaged_at FROM report_triage t \
         JOIN reports r ON r.id = t.report_id WHERE r.project_id = $1 ORDER BY r.number DESC",
    )
    .bind(project.to_string())
    .fetch_all(&mut *c)
    .await?
    .iter()
    .map(from_row)
    .collect()
}

/// The `limit` most recently received triaged reports of the whole instance, newest first,
/// with their fingerprints: the history spray and duplicate checks compare with.
pub async fn history(c: &mut Conn, limit: i64) -> Result<Vec<TriageHistoryEntry>> {
    let rows = sqlx::query(
        "SELECT r.id, p.slug, p.name, r.number, r.received_at, r.reporter_email, r.state, \
         r.resolution, t.fingerprint FROM report_triage t \
         JOIN reports r ON r.id = t.report_id JOIN projects p ON p.id = r.project_id \
         ORDER BY r.received_at DESC, r.id DESC LIMIT $1",
    )
    .bind(limit.max(0))
    .fetch_all(&mut *c)
    .await?;
    rows.iter()
        .map(|row| {
            let id: String = get(row, "id")?;
            let fp: String = get(row, "fingerprint")?;
            let state: String = get(row, "state")?;
            let resolution: Option<String> = get(row, "resolution")?;
            Ok(TriageHistoryEntry {
                report_id: ReportId(uuid(&id)?),
                project_slug: get(row, "slug")?,
                project_name: get(row, "name")?,
                number: get(row, "number")?,
                received_at: ts(get(row, "received_at")?)?,
                reporter_email: get(row, "reporter_email")?,
                state: State::parse(&state)
                    .ok_or_else(|| StoreError::Corrupt(format!("state {state:?}")))?,
                resolution: resolution
                    .map(|r| {
                        Resolution::parse(&r)
                            .ok_or_else(|| StoreError::Corrupt(format!("resolution {r:?}")))
                    })
                    .transpose()?,
                fingerprint: serde_json::from_str(&fp)
                    .map_err(|e| StoreError::Corrupt(format!("triage fingerprint: {e}")))?,
            })
        })
        .collect()
}

/// Records a dismissal; `false` (and nothing stored) when the finding was already
/// dismissed, `NotFound` when the report does not exist.
pub async fn dismiss(c: &mut Conn, d: &TriageDismissal) -> Result<bool> {
    let exists: Option<String> = sqlx::query_scalar("SELECT id FROM reports WHERE id = $1")
        .bind(d.report_id.to_string())
        .fetch_optional(&mut *c)
        .await?;
    if exists.is_none() {
        return Err(StoreError::NotFound);
    }
    let inserted = sqlx::query(
        "INSERT INTO triage_dismissals (report_id, finding_key, user_id, reason, dismissed_at) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (report_id, finding_key) DO NOTHING",
    )
    .bind(d.report_id.to_string())
    .bind(&d.finding_key)
    .bind(d.user_id.map(|u| u.to_string()))
    .bind(&d.reason)
    .bind(micros(d.at))
    .execute(&mut *c)
    .await?
    .rows_affected();
    Ok(inserted == 1)
}

/// A report's dismissals, oldest first.
pub async fn dismissals(c: &mut Conn, report: ReportId) -> Result<Vec<TriageDismissal>> {
    let rows = sqlx::query(
        "SELECT d.report_id, d.finding_key, d.user_id, u.email, d.reason, d.dismissed_at \
         FROM triage_dismissals d LEFT JOIN users u ON u.id = d.user_id \
         WHERE d.report_id = $1 ORDER BY d.dismissed_at, d.finding_key",
    )
    .bind(report.to_string())
    .fetch_all(&mut *c)
    .await?;
    rows.iter()
        .map(|row| {
            let id: String = get(row, "report_id")?;
            let user: Option<String> = get(row, "user_id")?;
            Ok(TriageDismissal {
                report_id: ReportId(uuid(&id)?),
                finding_key: get(row, "finding_key")?,
                user_id: user.map(|u| uuid(&u).map(UserId)).transpose()?,
                user_email: get(row, "email")?,
                reason: get(row, "reason")?,
                at: ts(get(row, "dismissed_at")?)?,
            })
        })
        .collect()
}

/// Queues the triage of the project's open reports again (every report but the closed and
/// disclosed ones), skipping those whose triage is already pending; returns how many were
/// queued. For a change to what reports are checked against: the policy, the source.
pub async fn requeue_open(c: &mut Conn, project: ProjectId, now: Timestamp) -> Result<u64> {
    let reports =
        sqlx::query("SELECT id, state FROM reports WHERE project_id = $1 ORDER BY number")
            .bind(project.to_string())
            .fetch_all(&mut *c)
            .await?;
    let mut open = Vec::new();
    for row in &reports {
        let state: String = get(row, "state")?;
        let state =
            State::parse(&state).ok_or_else(|| StoreError::Corrupt(format!("state {state:?}")))?;
        if !matches!(state, State::Closed | State::Disclosed) {
            open.push(ReportId(uuid(&get::<String>(row, "id")?)?));
        }
    }
    if open.is_empty() {
        return Ok(0);
    }
    let pending: std::collections::HashSet<ReportId> = jobs::pending::<TriageReport>(c)
        .await?
        .into_iter()
        .map(|t| t.report_id)
        .collect();
    let mut queued = 0;
    for report_id in open.into_iter().filter(|id| !pending.contains(id)) {
        jobs::enqueue(c, &NewJob::of(&TriageReport { report_id }, now, now)?).await?;
        queued += 1;
    }
    Ok(queued)
}

fn from_row(row: &AnyRow) -> Result<TriageRecord> {
    let id: String = get(row, "report_id")?;
    let label: String = get(row, "label")?;
    let verdict: String = get(row, "verdict")?;
    let findings: String = get(row, "findings")?;
    let fingerprint: String = get(row, "fingerprint")?;
    Ok(TriageRecord {
        report_id: ReportId(uuid(&id)?),
        label: Label::parse(&label)
            .ok_or_else(|| StoreError::Corrupt(format!("triage label {label:?}")))?,
        verdict: Verdict::parse(&verdict)
            .ok_or_else(|| StoreError::Corrupt(format!("triage verdict {verdict:?}")))?,
        findings: serde_json::from_str(&findings)
            .map_err(|e| StoreError::Corrupt(format!("triage findings: {e}")))?,
        fingerprint: serde_json::from_str(&fingerprint)
            .map_err(|e| StoreError::Corrupt(format!("triage fingerprint: {e}")))?,
        version: get(row, "triage_version")?,
        triaged_at: ts(get(row, "triaged_at")?)?,
    })
}
