//! Invitations to join a project as a maintainer or triager (migration 0022): single-use
//! links kept as their SHA-256, each expiring, accepted once or revoked.

use crate::{
    Conn, Result, StoreError,
    rows::{get, micros, opt_ts, ts, uuid},
};
use domain::{ProjectId, UserId, account::ProjectRole};
use jiff::Timestamp;
use sqlx::any::AnyRow;
use uuid::Uuid;

/// An invitation as stored (never its link).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberInvitation {
    pub id: Uuid,
    pub project_id: ProjectId,
    pub email: String,
    pub role: ProjectRole,
    pub invited_by_name: Option<String>,
    pub invited_at: Timestamp,
    pub expires_at: Timestamp,
    pub accepted_at: Option<Timestamp>,
    pub revoked_at: Option<Timestamp>,
}

impl MemberInvitation {
    /// Whether its link still works at `now`.
    pub fn is_pending(&self, now: Timestamp) -> bool {
        self.accepted_at.is_none() && self.revoked_at.is_none() && self.expires_at > now
    }
}

/// What a new invitation stores.
#[derive(Debug, Clone)]
pub struct NewMemberInvitation {
    pub id: Uuid,
    pub project: ProjectId,
    pub email: domain::EmailAddress,
    pub role: ProjectRole,
    pub token_hash: String,
    pub invited_by: UserId,
    pub invited_at: Timestamp,
    pub expires_at: Timestamp,
}

macro_rules! select_invitations {
    ($tail:literal) => {
        concat!(
            "SELECT i.id, i.project_id, i.email, i.role, u.name AS invited_by_name, \
             i.invited_at, i.expires_at, i.accepted_at, i.revoked_at FROM member_invitations i \
             LEFT JOIN users u ON u.id = i.invited_by ",
            $tail
        )
    };
}

fn from_row(row: &AnyRow) -> Result<MemberInvitation> {
    let role: String = get(row, "role")?;
    Ok(MemberInvitation {
        id: uuid(&get::<String>(row, "id")?)?,
        project_id: ProjectId(uuid(&get::<String>(row, "project_id")?)?),
        email: get(row, "email")?,
        role: ProjectRole::parse(&role)
            .ok_or_else(|| StoreError::Corrupt(format!("role {role:?}")))?,
        invited_by_name: get(row, "invited_by_name")?,
        invited_at: ts(get(row, "invited_at")?)?,
        expires_at: ts(get(row, "expires_at")?)?,
        accepted_at: opt_ts(get(row, "accepted_at")?)?,
        revoked_at: opt_ts(get(row, "revoked_at")?)?,
    })
}

/// Stores an invitation; `Conflict` when its id or token exists.
pub async fn insert(c: &mut Conn, new: &NewMemberInvitation) -> Result<()> {
    sqlx::query(
        "INSERT INTO member_invitations (id, project_id, email, email_norm, role, token_hash, \
         invited_by, invited_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(new.id.to_string())
    .bind(new.project.to_string())
    .bind(new.email.as_str())
    .bind(new.email.normalized())
    .bind(new.role.as_str())
    .bind(&new.token_hash)
    .bind(new.invited_by.to_string())
    .bind(micros(new.invited_at))
    .bind(micros(new.expires_at))
    .execute(c)
    .await
    .map_err(|e| StoreError::unique(e, "the invitation exists"))?;
    Ok(())
}

pub async fn by_id(c: &mut Conn, id: Uuid) -> Result<Option<MemberInvitation>> {
    sqlx::query(select_invitations!("WHERE i.id = $1"))
        .bind(id.to_string())
        .fetch_optional(c)
        .await?
        .as_ref()
        .map(from_row)
        .transpose()
}

/// The invitation whose link has this token hash, whatever its status.
pub async fn by_token(c: &mut Conn, token_hash: &str) -> Result<Option<MemberInvitation>> {
    sqlx::query(select_invitations!("WHERE i.token_hash = $1"))
        .bind(token_hash)
        .fetch_optional(c)
        .await?
        .as_ref()
        .map(from_row)
        .transpose()
}

/// Whether the address (normalized) has a pending invitation to the project at `now`.
pub async fn has_pending(
    c: &mut Conn,
    project: ProjectId,
    email_norm: &str,
    now: Timestamp,
) -> Result<bool> {
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM member_invitations WHERE project_id = $1 AND email_norm = $2 \
         AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > $3",
    )
    .bind(project.to_string())
    .bind(email_norm)
    .bind(micros(now))
    .fetch_one(c)
    .await?;
    Ok(n > 0)
}

/// How many invitations of the project are pending at `now`.
pub async fn count_pending(c: &mut Conn, project: ProjectId, now: Timestamp) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "SELECT COUNT(*) FROM member_invitations WHERE project_id = $1 \
         AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > $2",
    )
    .bind(project.to_string())
    .bind(micros(now))
    .fetch_one(c)
    .await?)
}

/// The project's pending invitations at `now`, oldest first (at most `limit`).
pub async fn pending_of_project(
    c: &mut Conn,
    project: ProjectId,
    now: Timestamp,
    limit: i64,
) -> Result<Vec<MemberInvitation>> {
    sqlx::query(select_invitations!(
        "WHERE i.project_id = $1 AND i.accepted_at IS NULL AND i.revoked_at IS NULL \
         AND i.expires_at > $2 ORDER BY i.invited_at, i.id LIMIT $3"
    ))
    .bind(project.to_string())
    .bind(micros(now))
    .bind(limit)
    .fetch_all(c)
    .await?
    .iter()
    .map(from_row)
    .collect()
}

/// Marks the pending invitation with this token hash accepted by `user` (single use);
/// returns its id, or `None` when the link was used, revoked or has expired at `now`.
pub async fn accept(
    c: &mut Conn,
    token_hash: &str,
    user: UserId,
    now: Timestamp,
) -> Result<Option<Uuid>> {
    let id: Option<String> = sqlx::query_scalar(
        "UPDATE member_invitations SET accepted_by = $1, accepted_at = $2 \
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

/// Revokes the project's pending invitation `id` at `now`; returns whether it was pending.
pub async fn revoke(c: &mut Conn, project: ProjectId, id: Uuid, now: Timestamp) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE member_invitations SET revoked_at = $1 WHERE id = $2 AND project_id = $3 \
         AND accepted_at IS NULL AND revoked_at IS NULL",
    )
    .bind(micros(now))
    .bind(id.to_string())
    .bind(project.to_string())
    .execute(c)
    .await?;
    Ok(done.rows_affected() > 0)
}
