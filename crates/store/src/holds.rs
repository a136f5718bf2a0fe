//! What intake holds back until the triage or a person decides: the reporter's receipt and
//! the members' "new report" e-mail (`intake_holds`, migration 0019). A report without a
//! row (filed before that version) holds nothing back.

use crate::{
    AutoSubmitted, Conn, NewEmail, Result, StoreError,
    rows::{get, micros, opt_ts, ts, uuid},
};
use domain::ReportId;
use jiff::Timestamp;
use sqlx::any::AnyRow;

/// Where a report's hold stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum HoldStatus {
    /// Waiting for the triage.
    Pending,
    /// The triage labelled it junk: nothing goes out until a person decides.
    Held,
    /// A filter rule or a ban matched its sender: nothing goes out until a person decides.
    Blocked,
    /// The receipt (if any) is queued and the members were told.
    Released,
    /// Closed as spam: the receipt is never sent.
    Dropped,
}

impl HoldStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Held => "held",
            Self::Blocked => "blocked",
            Self::Released => "released",
            Self::Dropped => "dropped",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [
            Self::Pending,
            Self::Held,
            Self::Blocked,
            Self::Released,
            Self::Dropped,
        ]
        .into_iter()
        .find(|h| h.as_str() == s)
    }

    /// Junk nobody has decided on yet: its clocks stand still and it costs no e-mail.
    pub fn is_junk(self) -> bool {
        matches!(self, Self::Held | Self::Blocked)
    }

    /// Still waiting for a decision (the triage's or a person's).
    pub fn is_open(self) -> bool {
        matches!(self, Self::Pending | Self::Held | Self::Blocked)
    }
}

/// The statuses whose reports are junk nobody decided on, as an SQL list (fixed text).
pub const JUNK_SQL: &str = "('held', 'blocked')";

/// A report's hold as stored.
#[derive(Debug, Clone)]
pub struct Hold {
    pub report: ReportId,
    pub status: HoldStatus,
    /// Why it is held (a triage label, the rule or ban that matched).
    pub reason: Option<String>,
    /// The receipt kept back, if the reporter is to get one.
    pub receipt: Option<NewEmail>,
    /// The receipt went into the outbox at intake (a project that does not hold it).
    pub receipt_sent: bool,
    pub created_at: Timestamp,
    pub decided_at: Option<Timestamp>,
    /// `triage`, `system`, or the audit actor of the person who decided.
    pub decided_by: Option<String>,
}

/// Stores a new report's hold (in the report's unit of work).
pub async fn insert(c: &mut Conn, hold: &Hold) -> Result<()> {
    insert_many(c, std::slice::from_ref(hold)).await
}

/// Stores several holds, as few statements as the bound values allow.
pub async fn insert_many(c: &mut Conn, holds: &[Hold]) -> Result<()> {
    for chunk in holds.chunks(crate::rows::rows_per_statement(12)) {
        let sql = format!(
            "INSERT INTO intake_holds (report_id, status, reason, receipt_id, receipt_to, \
             receipt_subject, receipt_body, receipt_auto_submitted, receipt_sent, created_at, \
             decided_at, decided_by) VALUES {}",
            crate::rows::values_list("(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", chunk.len())
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for hold in chunk {
            let r = hold.receipt.as_ref();
            query = query
                .bind(hold.report.to_string())
                .bind(hold.status.as_str())
                .bind(hold.reason.as_deref())
                .bind(r.map(|e| e.id.to_string()))
                .bind(r.map(|e| e.to.as_str()))
                .bind(r.map(|e| e.subject.as_str()))
                .bind(r.map(|e| e.body_text.as_str()))
                .bind(r.and_then(|e| e.auto_submitted.map(AutoSubmitted::as_str)))
                .bind(i64::from(hold.receipt_sent))
                .bind(micros(hold.created_at))
                .bind(hold.decided_at.map(micros))
                .bind(hold.decided_by.as_deref());
        }
        query.execute(&mut *c).await?;
    }
    // A report blocked at intake is likely junk from the start; any other starts as not
    // (the column's default) until its triage or a filter says otherwise.
    for hold in holds.iter().filter(|h| h.status == HoldStatus::Blocked) {
        crate::report_pages::refresh_junk(c, hold.report).await?;
    }
    Ok(())
}

fn from_row(row: &AnyRow) -> Result<Hold> {
    let report = ReportId(uuid(&get::<String>(row, "report_id")?)?);
    let status: String = get(row, "status")?;
    let created_at = ts(get(row, "created_at")?)?;
    let receipt = match (
        get::<Option<String>>(row, "receipt_id")?,
        get::<Option<String>>(row, "receipt_to")?,
    ) {
        (Some(id), Some(to)) => Some(NewEmail {
            id: uuid(&id)?,
            to,
            subject: get::<Option<String>>(row, "receipt_subject")?.unwrap_or_default(),
            body_text: get::<Option<String>>(row, "receipt_body")?.unwrap_or_default(),
            report: Some(report),
            created_at,
            auto_submitted: get::<Option<String>>(row, "receipt_auto_submitted")?
                .map(|a| {
                    AutoSubmitted::parse(&a)
                        .ok_or_else(|| StoreError::Corrupt(format!("auto_submitted {a:?}")))
                })
                .transpose()?,
        }),
        _ => None,
    };
    Ok(Hold {
        report,
        status: HoldStatus::parse(&status)
            .ok_or_else(|| StoreError::Corrupt(format!("hold status {status:?}")))?,
        reason: get(row, "reason")?,
        receipt,
        receipt_sent: get::<i64>(row, "receipt_sent")? != 0,
        created_at,
        decided_at: opt_ts(get(row, "decided_at")?)?,
        decided_by: get(row, "decided_by")?,
    })
}

/// A report's hold, if it has one.
pub async fn of_report(c: &mut Conn, report: ReportId) -> Result<Option<Hold>> {
    sqlx::query(
        "SELECT report_id, status, reason, receipt_id, receipt_to, receipt_subject, \
         receipt_body, receipt_auto_submitted, receipt_sent, created_at, decided_at, decided_by \
         FROM intake_holds WHERE report_id = $1",
    )
    .bind(report.to_string())
    .fetch_optional(c)
    .await?
    .as_ref()
    .map(from_row)
    .transpose()
}

/// Moves a hold from `from` to `to` with why and who; `false` when it was no longer in
/// `from` (someone else decided first), so each decision is taken once.
pub async fn decide(
    c: &mut Conn,
    report: ReportId,
    from: HoldStatus,
    to: HoldStatus,
    reason: Option<&str>,
    by: &str,
    at: Timestamp,
) -> Result<bool> {
    let moved = sqlx::query(
        "UPDATE intake_holds SET status = $1, reason = COALESCE($2, reason), decided_by = $3, \
         decided_at = $4 WHERE report_id = $5 AND status = $6",
    )
    .bind(to.as_str())
    .bind(reason)
    .bind(by)
    .bind(micros(at))
    .bind(report.to_string())
    .bind(from.as_str())
    .execute(&mut *c)
    .await?
    .rows_affected();
    if moved == 1 {
        // The inbox's likely-junk tab follows the decision.
        crate::report_pages::refresh_junk(c, report).await?;
    }
    Ok(moved == 1)
}

/// The project's reports that are junk nobody has decided on yet (`held` or `blocked`),
/// for the likely-junk queue.
pub async fn junk_of_project(
    c: &mut Conn,
    project: domain::ProjectId,
) -> Result<Vec<(ReportId, HoldStatus)>> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT h.report_id, h.status FROM intake_holds h JOIN reports r ON r.id = h.report_id \
         WHERE r.project_id = $1 AND h.status IN {JUNK_SQL} ORDER BY r.number"
    )))
    .bind(project.to_string())
    .fetch_all(c)
    .await?;
    rows.iter()
        .map(|row| {
            let status: String = get(row, "status")?;
            Ok((
                ReportId(uuid(&get::<String>(row, "report_id")?)?),
                HoldStatus::parse(&status)
                    .ok_or_else(|| StoreError::Corrupt(format!("hold status {status:?}")))?,
            ))
        })
        .collect()
}
