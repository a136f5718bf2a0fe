//! Reply tokens (migration 0009): the secret part of a report's reply address
//! (`security+TOKEN@…`), stored hashed, one per report, disabled for good when the
//! reporter is blocked.

use crate::{
    Conn, ReplyToken, Result,
    rows::{get, uuid},
};
use domain::ReportId;

/// Records `token_hash` as the report's reply token unless its tokens were disabled (a new
/// hash replaces an active one: the instance secret changed); true when that token is in
/// effect (mail to it reaches the report). Run it in a transaction: it writes, then reads.
pub async fn ensure(c: &mut Conn, report: ReportId, token_hash: &str) -> Result<bool> {
    sqlx::query(
        "INSERT INTO reply_tokens (report_id, token_hash, disabled) VALUES ($1, $2, 0) \
         ON CONFLICT (report_id) DO UPDATE SET token_hash = excluded.token_hash \
         WHERE reply_tokens.disabled = 0",
    )
    .bind(report.to_string())
    .bind(token_hash)
    .execute(&mut *c)
    .await?;
    let row = sqlx::query("SELECT token_hash, disabled FROM reply_tokens WHERE report_id = $1")
        .bind(report.to_string())
        .fetch_one(c)
        .await?;
    let stored: Option<String> = get(&row, "token_hash")?;
    let disabled = get::<i64>(&row, "disabled")? != 0;
    Ok(!disabled && stored.as_deref() == Some(token_hash))
}

/// The report a reply token (by its hash) belongs to, and whether it was disabled.
pub async fn by_hash(c: &mut Conn, token_hash: &str) -> Result<Option<ReplyToken>> {
    let row = sqlx::query("SELECT report_id, disabled FROM reply_tokens WHERE token_hash = $1")
        .bind(token_hash)
        .fetch_optional(c)
        .await?;
    row.map(|row| {
        Ok(ReplyToken {
            report: ReportId(uuid(&get::<String>(&row, "report_id")?)?),
            disabled: get::<i64>(&row, "disabled")? != 0,
        })
    })
    .transpose()
}

/// Disables the report's reply address for good: mail to it is refused, and no new token
/// is issued for the report (also when none was issued yet).
pub async fn disable(c: &mut Conn, report: ReportId) -> Result<()> {
    sqlx::query(
        "INSERT INTO reply_tokens (report_id, token_hash, disabled) VALUES ($1, NULL, 1) \
         ON CONFLICT (report_id) DO UPDATE SET disabled = 1",
    )
    .bind(report.to_string())
    .execute(c)
    .await?;
    Ok(())
}
