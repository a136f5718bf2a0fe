//! The project's inbound mail for its members: every message with what became of it (filed,
//! joined a thread, refused by a filter or for its attachments, unreadable), a page at a
//! time, and each one exactly as it arrived, as a download. The same list is in the API
//! (`GET /api/v1/projects/{slug}/mail`).

use super::{
    auth::{ApiCaller, CurrentUser},
    csrf::CsrfToken,
    error::{ApiError, PageError},
    human_time,
    templates::{base, page},
};
use crate::{
    AppState,
    services::{ServiceError, inbound},
};
use axum::{
    Extension, Json,
    extract::{Path, Query, State},
    http::{StatusCode, header},
    response::{Html, IntoResponse, Response},
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A list's query string (`limit`, `cursor`), checked by the service: a bad value is a 422
/// naming it.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// How many items (1–500, default 50).
    #[param(value_type = Option<i64>, minimum = 1, maximum = 500)]
    pub limit: Option<String>,
    /// Where to continue: the `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

impl PageQuery {
    /// The query string of the page after this one, keeping the caller's `limit`.
    pub fn next_href(&self, next_cursor: Option<&str>) -> Option<String> {
        next_cursor.map(|c| match self.limit.as_deref() {
            Some(l) if !l.is_empty() => format!("?limit={l}&cursor={c}"),
            _ => format!("?cursor={c}"),
        })
    }
}

/// The mail page: a page of messages, newest first, with a link to the older ones.
pub async fn page_list(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    CurrentUser(user): CurrentUser,
    Extension(csrf): Extension<CsrfToken>,
    query: Result<Query<PageQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Html<String>, PageError> {
    let Query(q) =
        query.map_err(|e| PageError::new(StatusCode::BAD_REQUEST, "Bad request", e.body_text()))?;
    let (project, list) = inbound::log(
        &state,
        &user,
        &slug,
        q.limit.as_deref(),
        q.cursor.as_deref(),
    )
    .await?;
    let rows: Vec<_> = list
        .items
        .iter()
        .map(|e| {
            let m = &e.message;
            let detail: serde_json::Value = m
                .detail
                .as_deref()
                .and_then(|d| serde_json::from_str(d).ok())
                .unwrap_or_default();
            let text = |key: &str| detail.get(key).and_then(|v| v.as_str()).map(str::to_owned);
            minijinja::context! {
                id => m.id.to_string(),
                received => human_time(m.received_at),
                sender => m.sender.clone(),
                subject => m.subject.clone(),
                size => m.size,
                disposition => m.disposition.as_str(),
                report => e.report_number,
                filter_rule => detail.pointer("/filter/rule").and_then(|v| v.as_str()).map(str::to_owned),
                filter_action => detail.pointer("/filter/action").and_then(|v| v.as_str()).map(str::to_owned),
                why => text("why").or_else(|| text("refusal")),
                auto_reply => text("auto_reply"),
            }
        })
        .collect();
    page(
        "mail_log.html",
        minijinja::context! {
            title => format!("{}: mail", project.name),
            project => minijinja::context! { slug => project.slug.as_str(), name => project.name.clone() },
            messages => rows,
            older => q.next_href(list.next_cursor.as_deref()),
            continued => q.cursor.as_deref().is_some_and(|c| !c.is_empty()),
            ..base(Some(&user), &csrf)
        },
    )
}

/// One inbound message as the mail log lists it.
#[derive(Debug, Serialize, ToSchema)]
pub struct MailBody {
    #[schema(format = Uuid)]
    id: String,
    received_at: String,
    /// The `From` address as the message gave it, if it could be read.
    sender: Option<String>,
    subject: Option<String>,
    /// The message's size in bytes, as it arrived.
    size: i64,
    /// What became of it: `received` (not yet read), `report`, `reply`, `unparsed`,
    /// `ignored` or `refused`.
    disposition: String,
    /// The number of the report it opened or joined.
    report_number: Option<i64>,
}

/// A page of the project's inbound mail.
#[derive(Debug, Serialize, ToSchema)]
pub struct MailPageBody {
    /// At most `limit` messages, newest first.
    items: Vec<MailBody>,
    /// Pass as `cursor` for the next page; `null` on the last page. Opaque.
    next_cursor: Option<String>,
}

/// A project's inbound mail, newest first, a page at a time, whatever became of each
/// message (its maintainers and triagers). Pages are keyset-based: mail arriving meanwhile
/// never shifts or repeats what a later page holds.
#[utoipa::path(
    get, path = "/projects/{slug}/mail", tag = "mail",
    params(("slug" = String, Path, description = "The project's slug"), PageQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, body = MailPageBody),
        (status = 401, body = super::error::ErrorEnvelope),
        (status = 404, description = "Unknown project, or not yours", body = super::error::ErrorEnvelope),
        (status = 422, description = "A bad `limit` or `cursor`", body = super::error::ErrorEnvelope),
    )
)]
pub async fn api_list(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    query: Result<Query<PageQuery>, axum::extract::rejection::QueryRejection>,
    caller: ApiCaller,
) -> Result<Json<MailPageBody>, ApiError> {
    let user = caller.user()?;
    let Query(q) =
        query.map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, "bad_request", e.body_text()))?;
    let (_, list) = inbound::log(
        &state,
        &user,
        &slug,
        q.limit.as_deref(),
        q.cursor.as_deref(),
    )
    .await?;
    Ok(Json(MailPageBody {
        items: list
            .items
            .into_iter()
            .map(|e| MailBody {
                id: e.message.id.to_string(),
                received_at: e.message.received_at.to_string(),
                sender: e.message.sender,
                subject: e.message.subject,
                size: e.message.size,
                disposition: e.message.disposition.as_str().to_owned(),
                report_number: e.report_number,
            })
            .collect(),
        next_cursor: list.next_cursor,
    }))
}

/// One message as it arrived, as a download (never rendered by the browser).
pub async fn raw(
    State(state): State<AppState>,
    Path((slug, id)): Path<(String, String)>,
    CurrentUser(user): CurrentUser,
) -> Result<Response, PageError> {
    let id = uuid::Uuid::parse_str(&id).map_err(|_| ServiceError::NotFound("message"))?;
    let raw = inbound::raw(&state, &user, &slug, id).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/octet-stream".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"message-{id}.eml\""),
            ),
        ],
        raw,
    )
        .into_response())
}
