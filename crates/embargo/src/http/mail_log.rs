//! The project's inbound mail for its members: every message with what became of it (filed,
//! joined a thread, refused by a filter or for its attachments, unreadable), and each one
//! exactly as it arrived, as a download.

use super::{
    auth::CurrentUser,
    csrf::CsrfToken,
    error::PageError,
    human_time,
    templates::{base, page},
};
use crate::{
    AppState,
    services::{ServiceError, inbound},
};
use axum::{
    Extension,
    extract::{Path, State},
    http::header,
    response::{Html, IntoResponse, Response},
};

/// The mail page: the latest messages, newest first.
pub async fn page_list(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    CurrentUser(user): CurrentUser,
    Extension(csrf): Extension<CsrfToken>,
) -> Result<Html<String>, PageError> {
    let (project, messages) = inbound::log(&state, &user, &slug).await?;
    let (_, reports) = crate::services::reports::list(&state, &user, &slug).await?;
    let rows: Vec<_> = messages
        .iter()
        .map(|m| {
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
                report => m.report.and_then(|r| reports.iter().find(|x| x.id == r)).map(|r| r.number),
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
            limit => inbound::MAIL_LOG_LIMIT,
            ..base(Some(&user), &csrf)
        },
    )
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
