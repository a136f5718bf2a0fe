//! Junk-sender filters over HTTP: the project's mail-filter settings page and its JSON API,
//! and "block this reporter" on the report page and in the API (`services::filters`).

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
        filters::{self, BlockStatus, FiltersView, RuleInput, RuleView},
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

fn report_id(id: &str) -> Result<domain::ReportId, ApiError> {
    id.parse::<uuid::Uuid>()
        .map(domain::ReportId)
        .map_err(|_| ApiError::from(ServiceError::NotFound("report")))
}

/// The instance's and the project's mail-filter rules, each with how often it matched.
#[utoipa::path(
    get, path = "/projects/{slug}/mail-filters", tag = "mail filters",
    params(("slug" = String, Path, description = "The project's slug")),
    security(("bearer" = [])),
    responses(
        (status = 200, body = FiltersView),
        (status = 401, body = super::error::ErrorEnvelope),
        (status = 403, description = "Your role may not change the project's settings", body = super::error::ErrorEnvelope),
        (status = 404, body = super::error::ErrorEnvelope),
    )
)]
pub async fn api_list(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    caller: ApiCaller,
) -> Result<Json<FiltersView>, ApiError> {
    let user = caller.user()?;
    let (_, view) = filters::list(&state, &user, &slug).await?;
    Ok(Json(view))
}

/// Add a project rule (maintainers). Mail matching it goes to the likely-spam queue
/// (`spam`) or is kept unfiled and unanswered (`refuse`).
#[utoipa::path(
    post, path = "/projects/{slug}/mail-filters", tag = "mail filters",
    params(("slug" = String, Path, description = "The project's slug")),
    request_body = RuleInput,
    security(("bearer" = [])),
    responses(
        (status = 201, body = RuleView),
        (status = 401, body = super::error::ErrorEnvelope),
        (status = 403, body = super::error::ErrorEnvelope),
        (status = 404, body = super::error::ErrorEnvelope),
        (status = 422, description = "A bad id, match, pattern (e.g. an invalid regular expression), action or note; `field` names it", body = super::error::ErrorEnvelope),
    )
)]
pub async fn api_create(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    caller: ApiCaller,
    body: Result<ApiJson<RuleInput>, ApiError>,
) -> Result<(StatusCode, Json<RuleView>), ApiError> {
    let user = caller.user()?;
    let ApiJson(input) = body?;
    let rule = filters::add(&state, &user, &slug, &input).await?;
    Ok((StatusCode::CREATED, Json(rule)))
}

/// Delete a project rule (maintainers); its match log stays.
#[utoipa::path(
    delete, path = "/projects/{slug}/mail-filters/{rule}", tag = "mail filters",
    params(
        ("slug" = String, Path, description = "The project's slug"),
        ("rule" = String, Path, description = "The rule's id"),
    ),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, body = super::error::ErrorEnvelope),
        (status = 403, body = super::error::ErrorEnvelope),
        (status = 404, body = super::error::ErrorEnvelope),
    )
)]
pub async fn api_delete(
    State(state): State<AppState>,
    Path((slug, rule)): Path<(String, String)>,
    caller: ApiCaller,
) -> Result<StatusCode, ApiError> {
    let user = caller.user()?;
    filters::remove(&state, &user, &slug, &rule).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Block the report's reporter (maintainers): a project rule refuses their mail from now
/// on, and their tracking link stops working. Audited; blocking twice is harmless.
#[utoipa::path(
    post, path = "/reports/{id}/block", tag = "mail filters",
    params(("id" = String, Path, format = Uuid, description = "The report's id")),
    security(("bearer" = [])),
    responses(
        (status = 200, body = BlockStatus),
        (status = 401, body = super::error::ErrorEnvelope),
        (status = 403, body = super::error::ErrorEnvelope),
        (status = 404, body = super::error::ErrorEnvelope),
        (status = 409, description = "The report has no reporter address", body = super::error::ErrorEnvelope),
    )
)]
pub async fn api_block(
    State(state): State<AppState>,
    Path(id): Path<String>,
    caller: ApiCaller,
) -> Result<Json<BlockStatus>, ApiError> {
    let user = caller.user()?;
    Ok(Json(filters::block(&state, &user, report_id(&id)?).await?))
}

/// Unblock the report's reporter (maintainers): removes the rule that refuses their mail.
/// Their tracking link stays disabled. Audited.
#[utoipa::path(
    delete, path = "/reports/{id}/block", tag = "mail filters",
    params(("id" = String, Path, format = Uuid, description = "The report's id")),
    security(("bearer" = [])),
    responses(
        (status = 200, body = BlockStatus),
        (status = 401, body = super::error::ErrorEnvelope),
        (status = 403, body = super::error::ErrorEnvelope),
        (status = 404, description = "No such report, or its reporter is not blocked", body = super::error::ErrorEnvelope),
    )
)]
pub async fn api_unblock(
    State(state): State<AppState>,
    Path(id): Path<String>,
    caller: ApiCaller,
) -> Result<Json<BlockStatus>, ApiError> {
    let user = caller.user()?;
    Ok(Json(
        filters::unblock(&state, &user, report_id(&id)?).await?,
    ))
}

// Pages --------------------------------------------------------------------------------

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub struct SavedQuery {
    saved: Option<String>,
    deleted: Option<String>,
}

/// "matched 12 times, last 3 Nov" (or "never matched").
fn matches_text(rule: &RuleView) -> String {
    match (rule.matches, rule.last_matched) {
        (0, _) | (_, None) => "never matched".to_owned(),
        (n, Some(last)) => format!(
            "matched {n} time{}, last {}",
            if n == 1 { "" } else { "s" },
            last.strftime("%-d %b %Y")
        ),
    }
}

fn rule_context(rule: &RuleView) -> minijinja::Value {
    minijinja::context! {
        id => rule.id.clone(),
        kind => rule.kind.clone(),
        pattern => rule.pattern.clone(),
        action => rule.action.clone(),
        note => rule.note.clone(),
        blocked => rule.blocked_report.is_some(),
        matches => rule.matches,
        matches_text => matches_text(rule),
    }
}

async fn render_page(
    state: &AppState,
    user: &domain::account::User,
    csrf: &CsrfToken,
    slug: &str,
    draft: Option<&RuleForm>,
    errors: &FieldErrors,
    notice: Option<&str>,
) -> Result<Html<String>, PageError> {
    let (project, view) = filters::list(state, user, slug).await?;
    page(
        "mail_filters.html",
        minijinja::context! {
            title => format!("{}: mail filters", project.name),
            project => minijinja::context! { slug => project.slug.as_str(), name => project.name.clone() },
            instance_rules => view.instance.iter().map(rule_context).collect::<Vec<_>>(),
            project_rules => view.project.iter().map(rule_context).collect::<Vec<_>>(),
            draft => minijinja::context! {
                id => draft.map(|d| d.id.clone()).unwrap_or_default(),
                kind => draft.map(|d| d.kind.clone()).unwrap_or_else(|| "sender_address".into()),
                pattern => draft.map(|d| d.pattern.clone()).unwrap_or_default(),
                action => draft.map(|d| d.action.clone()).unwrap_or_else(|| "spam".into()),
                note => draft.map(|d| d.note.clone()).unwrap_or_default(),
            },
            errors => field_errors(errors),
            notice,
            ..base(Some(user), csrf)
        },
    )
}

/// The project's mail-filter settings.
pub async fn page_list(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    Query(q): Query<SavedQuery>,
    CurrentUser(user): CurrentUser,
    Extension(csrf): Extension<CsrfToken>,
) -> Result<Html<String>, PageError> {
    let notice = if q.saved.is_some() {
        Some("The rule was added.")
    } else if q.deleted.is_some() {
        Some("The rule was deleted.")
    } else {
        None
    };
    render_page(
        &state,
        &user,
        &csrf,
        &slug,
        None,
        &FieldErrors::default(),
        notice,
    )
    .await
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub struct RuleForm {
    id: String,
    #[serde(rename = "match")]
    kind: String,
    pattern: String,
    action: String,
    note: String,
}

/// Adds a project rule from the settings form; a bad one is shown again with its errors.
pub async fn page_create(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    CurrentUser(user): CurrentUser,
    Extension(csrf): Extension<CsrfToken>,
    CsrfForm(form): CsrfForm<RuleForm>,
) -> Result<Response, PageError> {
    let input = RuleInput {
        id: form.id.clone(),
        kind: form.kind.clone(),
        pattern: form.pattern.clone(),
        action: form.action.clone(),
        note: form.note.clone(),
    };
    match filters::add(&state, &user, &slug, &input).await {
        Ok(_) => Ok(Redirect::to(&format!("/inbox/{slug}/mail-filters?saved=1")).into_response()),
        Err(ServiceError::Invalid(errors)) => {
            let html = render_page(&state, &user, &csrf, &slug, Some(&form), &errors, None).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, html).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

/// Deletes a project rule from the settings page.
pub async fn page_delete(
    State(state): State<AppState>,
    Path((slug, rule)): Path<(String, String)>,
    CurrentUser(user): CurrentUser,
    CsrfForm(_): CsrfForm<IgnoredAny>,
) -> Result<Response, PageError> {
    filters::remove(&state, &user, &slug, &rule).await?;
    Ok(Redirect::to(&format!("/inbox/{slug}/mail-filters?deleted=1")).into_response())
}

/// "Block this reporter" on the report page.
pub async fn page_block(
    state: State<AppState>,
    path: Path<(String, i64)>,
    page: ReportPage,
    form: CsrfForm<IgnoredAny>,
) -> Result<Response, PageError> {
    block_form(state, path, page, form, true).await
}

/// "Unblock" on the report page.
pub async fn page_unblock(
    state: State<AppState>,
    path: Path<(String, i64)>,
    page: ReportPage,
    form: CsrfForm<IgnoredAny>,
) -> Result<Response, PageError> {
    block_form(state, path, page, form, false).await
}

async fn block_form(
    State(state): State<AppState>,
    Path((slug, number)): Path<(String, i64)>,
    ReportPage { user, view, .. }: ReportPage,
    CsrfForm(_): CsrfForm<IgnoredAny>,
    block: bool,
) -> Result<Response, PageError> {
    if block {
        filters::block(&state, &user, view.report.id).await?;
    } else {
        filters::unblock(&state, &user, view.report.id).await?;
    }
    Ok(Redirect::to(&format!("/inbox/{slug}/reports/{number}#reporter")).into_response())
}
