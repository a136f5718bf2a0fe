//! Collaborators (migration 0012): invitations to one report, their single-use links and
//! the access they give.

use crate::{
    Collaboration, Collaborator, Conn, NewCollaborator, Result, StoreError,
    rows::{get, micros, opt_ts, ts, uuid},
};
use domain::{ReportId, UserId};
use jiff::Timestamp;
use sqlx::any::AnyRow;
use uuid::Uuid;

macro_rules! select_collaborators {
    ($tail:literal) => {
        concat!(
            "SELECT c.id, c.report_id, c.email, c.note, c.invited_by, i.name AS invited_by_name, \
             c.invited_at, c.expires_at, c.user_id, u.name AS user_name, c.accepted_at, \
             c.revoked_by, c.revoked_at FROM report_collaborators c \
             LEFT JOIN users i ON i.id = c.invited_by LEFT JOIN users u ON u.id = c.user_id ",
            $tail
        )
    };
}

fn opt_user(row: &AnyRow, col: &str) -> Result<Option<UserId>> {
    let v: Option<String> = get(row, col)?;
    v.map(|s| uuid(&s).map(UserId)).transpose()
}

fn from_row(row: &AnyRow) -> Result<Collaborator> {
    Ok(Collaborator {
        id: uuid(&get::<String>(row, "id")?)?,
        report_id: ReportId(uuid(&get::<String>(row, "report_id")?)?),
        email: get(row, "email")?,
        note: get(row, "note")?,
        invited_by: opt_user(row, "invited_by")?,
        invited_by_name: get(row, "invited_by_name")?,
        invited_at: ts(get(row, "invited_at")?)?,
        expires_at: ts(get(row, "expires_at")?)?,
        user_id: opt_user(row, "user_id")?,
        user_name: get(row, "user_name")?,
        accepted_at: opt_ts(get(row, "accepted_at")?)?,
        revoked_by: opt_user(row, "revoked_by")?,
        revoked_at: opt_ts(get(row, "revoked_at")?)?,
    })
}

pub async fn by_id(c: &mut Conn, id: Uuid) -> Result<Option<Collaborator>> {
    sqlx::query(select_collaborators!("WHERE c.id = $1"))
        .bind(id.to_string())
        .fetch_optional(c)
        .await?
        .as_ref()
        .map(from_row)
        .transpose()
}

/// Whether the address (normalized) has a live invitation to the report at `now`: pending
/// or accepted, neither revoked nor expired.
pub async fn has_live_invitation(
    c: &mut Conn,
    report: ReportId,
    email_norm: &str,
    now: Timestamp,
) -> Result<bool> {
    let live: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM report_collaborators WHERE report_id = $1 AND email_norm = $2 \
         AND revoked_at IS NULL AND expires_at > $3",
    )
    .bind(report.to_string())
    .bind(email_norm)
    .bind(micros(now))
    .fetch_one(c)
    .await?;
    Ok(live > 0)
}

/// Stores an invitation; `Conflict` when its id or token exists.
pub async fn insert(c: &mut Conn, new: &NewCollaborator) -> Result<()> {
    sqlx::query(
        "INSERT INTO report_collaborators (id, report_id, email, email_norm, note, token_hash, \
         invited_by, invited_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(new.id.to_string())
    .bind(new.report.to_string())
    .bind(new.email.as_str())
    .bind(new.email.normalized())
    .bind(new.note.as_deref())
    .bind(&new.token_hash)
    .bind(new.invited_by.to_string())
    .bind(micros(new.invited_at))
    .bind(micros(new.expires_at))
    .execute(c)
    .await
    .map_err(|e| StoreError::unique(e, "the invitation exists"))?;
    Ok(())
}

/// The invitation whose link has this token hash, whatever its status.
pub async fn by_token(c: &mut Conn, token_hash: &str) -> Result<Option<Collaborator>> {
    sqlx::query(select_collaborators!("WHERE c.token_hash = $1"))
        .bind(token_hash)
        .fetch_optional(c)
        .await?
        .as_ref()
        .map(from_row)
        .transpose()
}

/// Binds the pending invitation with this token hash to `user` (single use); returns its
/// id, or `None` when the link was used, revoked or has expired at `now`.
pub async fn accept(
    c: &mut Conn,
    token_hash: &str,
    user: UserId,
    now: Timestamp,
) -> Result<Option<Uuid>> {
    let id: Option<String> = sqlx::query_scalar(
        "UPDATE report_collaborators SET user_id = $1, accepted_at = $2 \
         WHERE token_hash = $3 AND accepted_at IS NULL AND revoked_at IS NULL \
         AND expires_at > $2 RETURNING id",
    )
    .bind(user.to_string())
    .bind(micros(now))
    .bind(token_hash)
    .fetch_optional(c)
    .await?;
    id.as_deref().map(uuid).transpose()
}

/// A report's invitations, oldest first, revoked and expired ones included.
pub async fn of_report(c: &mut Conn, report: ReportId) -> Result<Vec<Collaborator>> {
    sqlx::query(select_collaborators!(
        "WHERE c.report_id = $1 ORDER BY c.invited_at, c.id"
    ))
    .bind(report.to_string())
    .fetch_all(c)
    .await?
    .iter()
    .map(from_row)
    .collect()
}

/// Ends the report's invitation `id` at `now` unless it was revoked before; returns whether
/// it was revoked now.
pub async fn revoke(
    c: &mut Conn,
    report: ReportId,
    id: Uuid,
    by: UserId,
    now: Timestamp,
) -> Result<bool> {
    let n = sqlx::query(
        "UPDATE report_collaborators SET revoked_at = $1, revoked_by = $2 \
         WHERE id = $3 AND report_id = $4 AND revoked_at IS NULL",
    )
    .bind(micros(now))
    .bind(by.to_string())
    .bind(id.to_string())
    .bind(report.to_string())
    .execute(c)
    .await?
    .rows_affected();
    Ok(n == 1)
}

/// Whether `user` accepted an invitation to the report that is neither revoked nor expired
/// at `now`.
pub async fn is_collaborator(
    c: &mut Conn,
    report: ReportId,
    user: UserId,
    now: Timestamp,
) -> Result<bool> {
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM report_collaborators WHERE report_id = $1 AND user_id = $2 \
         AND accepted_at IS NOT NULL AND revoked_at IS NULL AND expires_at > $3",
    )
    .bind(report.to_string())
    .bind(user.to_string())
    .bind(micros(now))
    .fetch_one(c)
    .await?;
    Ok(n > 0)
}

/// The reports `user` collaborates on at `now`, newest invitation first.
pub async fn collaborations(
    c: &mut Conn,
    user: UserId,
    now: Timestamp,
) -> Result<Vec<Collaboration>> {
    sqlx::query(
        "SELECT r.id, p.slug, p.name, r.number, r.title, c.expires_at \
         FROM report_collaborators c JOIN reports r ON r.id = c.report_id \
         JOIN projects p ON p.id = r.project_id \
         WHERE c.user_id = $1 AND c.accepted_at IS NOT NULL AND c.revoked_at IS NULL \
         AND c.expires_at > $2 ORDER BY c.invited_at DESC, c.id",
    )
    .bind(user.to_string())
    .bind(micros(now))
    .fetch_all(c)
    .await?
    .iter()
    .map(|row| {
        Ok(Collaboration {
            report_id: ReportId(uuid(&get::<String>(row, "id")?)?),
            project_slug: get(row, "slug")?,
            project_name: get(row, "name")?,
            number: get(row, "number")?,
            title: get(row, "title")?,
            expires_at: ts(get(row, "expires_at")?)?,
        })
    })
    .collect()
}
