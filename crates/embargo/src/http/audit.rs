//! For administrators in the API: the audit log (newest first, a page at a time, the whole
//! instance or one subject) and the outbox.

use super::{auth::ApiCaller, error::ApiError};
use crate::{AppState, services::audit};
use axum::{
    Json,
    extract::{Query, State},
    http::StatusCode,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The audit list's query string, checked by the service (a bad value is a 422 naming it).
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// How many events (1–500, default 50).
    #[param(value_type = Option<i64>, minimum = 1, maximum = 500)]
    limit: Option<String>,
    /// Where to continue: the `next_cursor` of the previous page.
    cursor: Option<String>,
    /// Only events about this subject: `report:<id>`, `project:<id>`, `advisory:<id>`, ….
    subject: Option<String>,
}

/// One event of the hash-chained audit log.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditEventBody {
    /// 1, 2, 3, … without gaps.
    seq: u64,
    at: String,
    actor: String,
    /// `noun.verb`: `report.create`, `report.transition`, `policy.update`, ….
    action: String,
    subject: String,
    data: serde_json::Value,
    prev_hash: String,
    hash: String,
}

/// A page of the audit log.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditPageBody {
    /// At most `limit` events, newest first.
    items: Vec<AuditEventBody>,
    /// Pass as `cursor` for the next page; `null` on the last page. Opaque.
    next_cursor: Option<String>,
}

/// The audit log, newest first, a page at a time (administrators). Events appended
/// meanwhile never shift or repeat what a later page holds.
#[utoipa::path(
    get, path = "/audit", tag = "audit",
    params(AuditQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, body = AuditPageBody),
        (status = 401, body = super::error::ErrorEnvelope),
        (status = 403, description = "Only administrators read the audit log", body = super::error::ErrorEnvelope),
        (status = 422, description = "A bad `limit`, `cursor` or `subject`", body = super::error::ErrorEnvelope),
    )
)]
pub async fn api_list(
    State(state): State<AppState>,
    query: Result<Query<AuditQuery>, axum::extract::rejection::QueryRejection>,
    caller: ApiCaller,
) -> Result<Json<AuditPageBody>, ApiError> {
    let user = caller.user()?;
    let Query(q) =
        query.map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, "bad_request", e.body_text()))?;
    let page = audit::page(
        &state,
        &user,
        q.subject.as_deref(),
        q.limit.as_deref(),
        q.cursor.as_deref(),
    )
    .await?;
    Ok(Json(AuditPageBody {
        items: page
            .items
            .into_iter()
            .map(|e| AuditEventBody {
                seq: e.seq,
                at: e.at.to_string(),
                actor: e.actor,
                action: e.action,
                subject: e.subject,
                data: e.data,
                prev_hash: e.prev_hash,
                hash: e.hash,
            })
            .collect(),
        next_cursor: page.next_cursor,
    }))
}

/// One e-mail of the outbox (without its text).
#[derive(Debug, Serialize, ToSchema)]
pub struct OutboxEmailBody {
    #[schema(format = Uuid)]
    id: String,
    to: String,
    subject: String,
    /// The report it is about, if any.
    #[schema(format = Uuid)]
    report_id: Option<String>,
    /// `queued`, `sent` or `failed`.
    status: String,
    attempts: i64,
    last_error: Option<String>,
    created_at: String,
    sent_at: Option<String>,
}

/// A page of the outbox.
#[derive(Debug, Serialize, ToSchema)]
pub struct OutboxPageBody {
    /// At most `limit` e-mails, newest first.
    items: Vec<OutboxEmailBody>,
    /// Pass as `cursor` for the next page; `null` on the last page. Opaque.
    next_cursor: Option<String>,
}

/// The outbox of the whole instance, newest first, a page at a time (administrators): what
/// was queued, sent or failed, and why. E-mails queued meanwhile never shift or repeat what
/// a later page holds.
#[utoipa::path(
    get, path = "/outbox", tag = "audit",
    params(super::mail_log::PageQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, body = OutboxPageBody),
        (status = 401, body = super::error::ErrorEnvelope),
        (status = 403, description = "Only administrators read the outbox", body = super::error::ErrorEnvelope),
        (status = 422, description = "A bad `limit` or `cursor`", body = super::error::ErrorEnvelope),
    )
)]
pub async fn api_outbox(
    State(state): State<AppState>,
    query: Result<Query<super::mail_log::PageQuery>, axum::extract::rejection::QueryRejection>,
    caller: ApiCaller,
) -> Result<Json<OutboxPageBody>, ApiError> {
    let user = caller.user()?;
    let Query(q) =
        query.map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, "bad_request", e.body_text()))?;
    let page =
        crate::services::mail::outbox_for(&state, &user, q.limit.as_deref(), q.cursor.as_deref())
            .await?;
    Ok(Json(OutboxPageBody {
        items: page
            .items
            .into_iter()
            .map(|e| OutboxEmailBody {
                id: e.id.to_string(),
                to: e.to,
                subject: e.subject,
                report_id: e.report_id.map(|r| r.to_string()),
                status: e.status.as_str().to_owned(),
                attempts: e.attempts,
                last_error: e.last_error,
                created_at: e.created_at.to_string(),
                sent_at: e.sent_at.map(|t| t.to_string()),
            })
            .collect(),
        next_cursor: page.next_cursor,
    }))
}
