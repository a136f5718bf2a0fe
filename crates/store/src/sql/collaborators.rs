//! Collaborators (migration 0012): invitations to one report, their single-use links and
//! the access they give.

use super::{SqlStore, append_audit_tx, get, insert_email, micros, opt_ts, ts, uuid};
use crate::{Collaboration, Collaborator, NewCollaborator, NewEmail, Result, StoreError};
use domain::{ReportId, UserId, audit::NewAuditEvent};
use jiff::Timestamp;
use sqlx::{Row, any::AnyRow};
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

fn collaborator_from_row(row: &AnyRow) -> Result<Collaborator> {
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

async fn by_id(conn: &mut sqlx::AnyConnection, id: Uuid) -> Result<Collaborator> {
    let row = sqlx::query(select_collaborators!("WHERE c.id = $1"))
        .bind(id.to_string())
        .fetch_one(conn)
        .await?;
    collaborator_from_row(&row)
}

pub(super) async fn invite(
    store: &SqlStore,
    new: &NewCollaborator,
    email: &NewEmail,
) -> Result<Collaborator> {
    let mut tx = store.begin_write().await?;
    let live: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM report_collaborators WHERE report_id = $1 AND email_norm = $2 \
         AND revoked_at IS NULL AND expires_at > $3",
    )
    .bind(new.report.to_string())
    .bind(new.email.normalized())
    .bind(micros(new.invited_at))
    .fetch_one(&mut *tx)
    .await?;
    if live > 0 {
        tx.rollback().await?;
        return Err(StoreError::Conflict(
            "this address already has a live invitation to the report".into(),
        ));
    }
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
    .execute(&mut *tx)
    .await
    .map_err(|e| StoreError::unique(e, "the invitation exists"))?;
    insert_email(&mut tx, email).await?;
    append_audit_tx(
        &mut tx,
        NewAuditEvent {
            at: new.invited_at,
            actor: domain::audit::user_actor(new.invited_by),
            action: "collaborator.invite".into(),
            subject: domain::audit::report_subject(new.report),
            // Who and until when; never the note (free text) or the link.
            data: serde_json::json!({
                "collaborator": new.id.to_string(),
                "email": new.email.as_str(),
                "expires_at": new.expires_at.to_string(),
            }),
        },
    )
    .await?;
    let stored = by_id(&mut tx, new.id).await?;
    tx.commit().await?;
    Ok(stored)
}

pub(super) async fn by_token(store: &SqlStore, token_hash: &str) -> Result<Option<Collaborator>> {
    sqlx::query(select_collaborators!("WHERE c.token_hash = $1"))
        .bind(token_hash)
        .fetch_optional(store.pool())
        .await?
        .as_ref()
        .map(collaborator_from_row)
        .transpose()
}

pub(super) async fn accept(
    store: &SqlStore,
    token_hash: &str,
    user: UserId,
    now: Timestamp,
) -> Result<Collaborator> {
    let mut tx = store.begin_write().await?;
    let id: Option<String> = sqlx::query_scalar(
        "UPDATE report_collaborators SET user_id = $1, accepted_at = $2 \
         WHERE token_hash = $3 AND accepted_at IS NULL AND revoked_at IS NULL \
         AND expires_at > $2 RETURNING id",
    )
    .bind(user.to_string())
    .bind(micros(now))
    .bind(token_hash)
    .fetch_optional(&mut *tx)
    .await?;
    let Some(id) = id else {
        tx.rollback().await?;
        return Err(StoreError::NotFound);
    };
    let stored = by_id(&mut tx, uuid(&id)?).await?;
    append_audit_tx(
        &mut tx,
        NewAuditEvent {
            at: now,
            actor: domain::audit::user_actor(user),
            action: "collaborator.accept".into(),
            subject: domain::audit::report_subject(stored.report_id),
            data: serde_json::json!({ "collaborator": id, "email": stored.email }),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(stored)
}

pub(super) async fn of_report(store: &SqlStore, report: ReportId) -> Result<Vec<Collaborator>> {
    sqlx::query(select_collaborators!(
        "WHERE c.report_id = $1 ORDER BY c.invited_at, c.id"
    ))
    .bind(report.to_string())
    .fetch_all(store.pool())
    .await?
    .iter()
    .map(collaborator_from_row)
    .collect()
}

pub(super) async fn revoke(
    store: &SqlStore,
    report: ReportId,
    id: Uuid,
    by: UserId,
    now: Timestamp,
) -> Result<Collaborator> {
    let mut tx = store.begin_write().await?;
    let row =
        sqlx::query("SELECT revoked_at FROM report_collaborators WHERE id = $1 AND report_id = $2")
            .bind(id.to_string())
            .bind(report.to_string())
            .fetch_optional(&mut *tx)
            .await?;
    let Some(row) = row else {
        tx.rollback().await?;
        return Err(StoreError::NotFound);
    };
    let revoked_at: Option<i64> = row.try_get("revoked_at").map_err(StoreError::Database)?;
    if revoked_at.is_none() {
        sqlx::query(
            "UPDATE report_collaborators SET revoked_at = $1, revoked_by = $2 WHERE id = $3",
        )
        .bind(micros(now))
        .bind(by.to_string())
        .bind(id.to_string())
        .execute(&mut *tx)
        .await?;
        append_audit_tx(
            &mut tx,
            NewAuditEvent {
                at: now,
                actor: domain::audit::user_actor(by),
                action: "collaborator.revoke".into(),
                subject: domain::audit::report_subject(report),
                data: serde_json::json!({ "collaborator": id.to_string() }),
            },
        )
        .await?;
    }
    let stored = by_id(&mut tx, id).await?;
    tx.commit().await?;
    Ok(stored)
}

pub(super) async fn is_collaborator(
    store: &SqlStore,
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
    .fetch_one(store.pool())
    .await?;
    Ok(n > 0)
}

pub(super) async fn collaborations(
    store: &SqlStore,
    user: UserId,
    now: Timestamp,
) -> Result<Vec<Collaboration>> {
    let rows = sqlx::query(
        "SELECT r.id, p.slug, p.name, r.number, r.title, c.expires_at \
         FROM report_collaborators c JOIN reports r ON r.id = c.report_id \
         JOIN projects p ON p.id = r.project_id \
         WHERE c.user_id = $1 AND c.accepted_at IS NOT NULL AND c.revoked_at IS NULL \
         AND c.expires_at > $2 ORDER BY c.invited_at DESC, c.id",
    )
    .bind(user.to_string())
    .bind(micros(now))
    .fetch_all(store.pool())
    .await?;
    rows.iter()
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
