//! Junk over HTTP: "send receipt" for a held report (report page and API), and the
//! instance's ban list for administrators (`/admin/bans` and `/api/v1/admin/bans`).
//! The rules are `services::junk` and `services::bans`.

use super::{
    auth::{ApiCaller, CurrentUser},
    csrf::CsrfToken,
    error::{ApiError, PageError},
    extract::{ApiJson, CsrfForm, ReportPage},
    templates::{base, field_errors, page},
};
use crate::{
    AppState,
    services::{
        ServiceError,
        bans::{self, BanInput, BanView},
        junk::{self, HoldView},
    },
};
use axum::{
    Extension, Json,
    extract::{Path, Query, State},
    http::StatusCode,
    response::{Html, IntoResponse, Redirect, Response},
};
use domain::FieldErrors;
use serde::Deserialize;
use serde::de::IgnoredAny;

/// Send the receipt a held report's reporter has not had (maintainers, triagers): a
/// person decides the report is not junk. The members are told of it as of a new report.
#[utoipa::path(
    post, path = "/reports/{id}/receipt", tag = "reports",
    params(("id" = String, Path, format = Uuid, description = "The report's id")),
    security(("bearer" = [])),
    responses(
        (status = 200, body = HoldView),
        (status = 401, body = super::error::ErrorEnvelope),
        (status = 403, body = super::error::ErrorEnvelope),
        (status = 404, body = super::error::ErrorEnvelope),
        (status = 409, description = "Nothing is held back for this report", body = super::error::ErrorEnvelope),
    )
)]
pub async fn api_send_receipt(
    State(state): State<AppState>,
    Path(id): Path<String>,
    caller: ApiCaller,
) -> Result<Json<HoldView>, ApiError> {
    let user = caller.user()?;
    let id = id
        .parse::<uuid::Uuid>()
        .map(domain::ReportId)
        .map_err(|_| ApiError::from(ServiceError::NotFound("report")))?;
    Ok(Json(junk::send_receipt(&state, &user, id).await?))
}

/// "Send receipt" on the report page.
pub async fn page_send_receipt(
    State(state): State<AppState>,
    Path((slug, number)): Path<(String, i64)>,
    ReportPage { user, view, .. }: ReportPage,
    CsrfForm(_): CsrfForm<IgnoredAny>,
) -> Result<Response, PageError> {
    junk::send_receipt(&state, &user, view.report.id).await?;
    Ok(Redirect::to(&format!("/inbox/{slug}/reports/{number}#hold")).into_response())
}

/// The instance's ban list with each entry's counts (administrators).
#[utoipa::path(
    get, path = "/admin/bans", tag = "bans",
    security(("bearer" = [])),
    responses(
        (status = 200, body = Vec<BanView>),
        (status = 401, body = super::error::ErrorEnvelope),
        (status = 403, description = "Administrators only", body = super::error::ErrorEnvelope),
    )
)]
pub async fn api_list(
    State(state): State<AppState>,
    caller: ApiCaller,
) -> Result<Json<Vec<BanView>>, ApiError> {
    let user = caller.user()?;
    Ok(Json(bans::list(&state, &user).await?))
}

/// Ban a sender on every project and channel (administrators): their submissions are
/// stored but filed as junk, never answered. Audited as `ban.add`.
#[utoipa::path(
    post, path = "/admin/bans", tag = "bans",
    request_body = BanInput,
    security(("bearer" = [])),
    responses(
        (status = 201, body = BanView),
        (status = 401, body = super::error::ErrorEnvelope),
        (status = 403, description = "Administrators only", body = super::error::ErrorEnvelope),
        (status = 409, description = "The same entry exists", body = super::error::ErrorEnvelope),
        (status = 422, description = "A field is invalid (named in `field`)", body = super::error::ErrorEnvelope),
    )
)]
pub async fn api_create(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiJson(input): ApiJson<BanInput>,
) -> Result<(StatusCode, Json<BanView>), ApiError> {
    let user = caller.user()?;
    Ok((
        StatusCode::CREATED,
        Json(bans::add(&state, &user, &input).await?),
    ))
}

/// Remove a ban (administrators). Audited as `ban.remove`; removing one that is gone
/// already is harmless.
#[utoipa::path(
    delete, path = "/admin/bans/{ban}", tag = "bans",
    params(("ban" = String, Path, format = Uuid, description = "The entry's id")),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Removed (or not there)"),
        (status = 401, body = super::error::ErrorEnvelope),
        (status = 403, description = "Administrators only", body = super::error::ErrorEnvelope),
    )
)]
pub async fn api_delete(
    State(state): State<AppState>,
    Path(id): Path<String>,
    caller: ApiCaller,
) -> Result<StatusCode, ApiError> {
    let user = caller.user()?;
    bans::remove(&state, &user, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub struct NoticeQuery {
    saved: Option<String>,
    deleted: Option<String>,
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub struct BanForm {
    kind: String,
    pattern: String,
    note: String,
}

async fn render_page(
    state: &AppState,
    user: &domain::account::User,
    csrf: &CsrfToken,
    draft: Option<&BanForm>,
    errors: &FieldErrors,
    notice: Option<&str>,
) -> Result<Html<String>, PageError> {
    let list = bans::list(state, user).await?;
    let rows: Vec<_> = list
        .iter()
        .map(|b| {
            minijinja::context! {
                id => b.id.clone(), kind => b.kind.clone(), pattern => b.pattern.clone(),
                note => b.note.clone(), added_by => b.added_by.clone(), added_at => b.added_at.clone(),
                matches => b.matches, last_matched_at => b.last_matched_at.clone(),
            }
        })
        .collect();
    page(
        "bans.html",
        minijinja::context! {
            title => "Ban list",
            bans => rows,
            draft => minijinja::context! {
                kind => draft.map(|d| d.kind.clone()).unwrap_or_else(|| "address".into()),
                pattern => draft.map(|d| d.pattern.clone()).unwrap_or_default(),
                note => draft.map(|d| d.note.clone()).unwrap_or_default(),
            },
            errors => field_errors(errors),
            notice,
            ..base(Some(user), csrf)
        },
    )
}

/// The ban list page (administrators).
pub async fn page_list(
    State(state): State<AppState>,
    Query(q): Query<NoticeQuery>,
    CurrentUser(user): CurrentUser,
    Extension(csrf): Extension<CsrfToken>,
) -> Result<Html<String>, PageError> {
    let notice = if q.saved.is_some() {
        Some("The entry was added.")
    } else if q.deleted.is_some() {
        Some("The entry was removed.")
    } else {
        None
    };
    render_page(&state, &user, &csrf, None, &FieldErrors::default(), notice).await
}

/// Adds an entry from the page's form; a bad one is shown again with its errors.
pub async fn page_create(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Extension(csrf): Extension<CsrfToken>,
    CsrfForm(form): CsrfForm<BanForm>,
) -> Result<Response, PageError> {
    let input = BanInput {
        kind: form.kind.clone(),
        pattern: form.pattern.clone(),
        note: form.note.clone(),
    };
    match bans::add(&state, &user, &input).await {
        Ok(_) => Ok(Redirect::to("/admin/bans?saved=1").into_response()),
        Err(ServiceError::Invalid(errors)) => {
            let html = render_page(&state, &user, &csrf, Some(&form), &errors, None).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, html).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

/// Removes an entry from the page.
pub async fn page_delete(
    State(state): State<AppState>,
    Path(id): Path<String>,
    CurrentUser(user): CurrentUser,
    CsrfForm(_): CsrfForm<IgnoredAny>,
) -> Result<Response, PageError> {
    bans::remove(&state, &user, &id).await?;
    Ok(Redirect::to("/admin/bans?deleted=1").into_response())
}
