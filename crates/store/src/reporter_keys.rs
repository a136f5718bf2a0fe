//! Reporters' OpenPGP keys (migration 0011), each known for one report: pasted in the
//! form, attached to their mail, or carried by a signed message.

use crate::{
    Conn, KeySource, ReporterKey, Result, StoreError,
    rows::{get, micros, ts, uuid},
};
use domain::{ProjectId, ReportId};
use sqlx::any::AnyRow;

/// `SELECT` of reporter keys with a `WHERE`/`ORDER` tail.
macro_rules! select_reporter_keys {
    ($tail:literal) => {
        concat!(
            "SELECT id, project_id, report_id, address, fingerprint, armored, source, created_at \
             FROM reporter_keys ",
            $tail
        )
    };
}

fn reporter_key_from_row(row: &AnyRow) -> Result<ReporterKey> {
    let source: String = get(row, "source")?;
    Ok(ReporterKey {
        id: uuid(&get::<String>(row, "id")?)?,
        project: ProjectId(uuid(&get::<String>(row, "project_id")?)?),
        report: ReportId(uuid(&get::<String>(row, "report_id")?)?),
        address: get(row, "address")?,
        fingerprint: get(row, "fingerprint")?,
        armored: get(row, "armored")?,
        source: KeySource::parse(&source)
            .ok_or_else(|| StoreError::Corrupt(format!("key source {source:?}")))?,
        created_at: ts(get(row, "created_at")?)?,
    })
}

/// Stores a reporter's key for a report; `false` when that report already has it.
pub async fn insert(c: &mut Conn, key: &ReporterKey) -> Result<bool> {
    let n = sqlx::query(
        "INSERT INTO reporter_keys (id, project_id, report_id, address, fingerprint, armored, \
         source, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
         ON CONFLICT (report_id, fingerprint) DO NOTHING",
    )
    .bind(key.id.to_string())
    .bind(key.project.to_string())
    .bind(key.report.to_string())
    .bind(key.address.as_deref())
    .bind(&key.fingerprint)
    .bind(&key.armored)
    .bind(key.source.as_str())
    .bind(micros(key.created_at))
    .execute(c)
    .await?
    .rows_affected();
    Ok(n == 1)
}

/// The keys known for a report, newest first.
pub async fn of_report(c: &mut Conn, report: ReportId) -> Result<Vec<ReporterKey>> {
    sqlx::query(select_reporter_keys!(
        "WHERE report_id = $1 ORDER BY created_at DESC, id DESC"
    ))
    .bind(report.to_string())
    .fetch_all(c)
    .await?
    .iter()
    .map(reporter_key_from_row)
    .collect()
}

/// The keys known for an address (compared in lower case) in any of the project's
/// reports, newest first.
pub async fn by_address(
    c: &mut Conn,
    project: ProjectId,
    address: &str,
) -> Result<Vec<ReporterKey>> {
    sqlx::query(select_reporter_keys!(
        "WHERE project_id = $1 AND address = $2 ORDER BY created_at DESC, id DESC"
    ))
    .bind(project.to_string())
    .bind(address.to_ascii_lowercase())
    .fetch_all(c)
    .await?
    .iter()
    .map(reporter_key_from_row)
    .collect()
}
