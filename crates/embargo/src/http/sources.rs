//! A project's triage source: the settings page (`/inbox/{slug}/source`) and
//! `GET|PUT|DELETE /api/v1/projects/{slug}/source`.

use super::{
    auth::{ApiCaller, CurrentUser},
    csrf::CsrfToken,
    error::{ApiError, PageError},
    extract::{ApiJson, CsrfForm},
    human_time,
    templates::{base, page},
};
use crate::{
    AppState,
    services::{
        ServiceError,
        sources::{self, SourceInput, SourceView},
    },
};
use axum::{
    Extension, Json,
    extract::{Path, Query, State},
    http::StatusCode,
    response::{Html, IntoResponse, Redirect, Response},
};
use domain::FieldErrors;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub struct SavedQuery {
    saved: Option<String>,
}

async fn render(
    state: &AppState,
    user: &domain::account::User,
    slug: &str,
    draft: Option<&SourceForm>,
    errors: &FieldErrors,
    saved: bool,
    csrf: &CsrfToken,
) -> Result<Html<String>, PageError> {
    let (project, current) = sources::get(state, user, slug).await?;
    let current_ctx = current.as_ref().map(|s| {
        minijinja::context! {
            kind => s.kind.clone(),
            url => s.url.clone(),
            path => s.path.clone(),
            default_branch => s.default_branch.clone(),
            refs => s.refs.clone(),
            version => s.version,
            updated => human_time(s.updated_at),
            fetched => s.fetched_at.map(human_time),
            heads => s.heads.as_ref().and_then(|h| h.as_object()).map(|h| h.iter().map(|(r, c)| minijinja::context! { r => r.clone(), c => c.as_str().map(|c| c[..c.len().min(12)].to_owned()) }).collect::<Vec<_>>()),
            fetch_error => s.fetch_error.clone(),
        }
    });
    let form = match draft {
        Some(d) => minijinja::context! {
            kind => d.kind.clone(), url => d.url.clone(), path => d.path.clone(),
            default_branch => d.default_branch.clone(), refs => d.refs.clone(),
        },
        None => match &current {
            Some(s) => minijinja::context! {
                kind => s.kind.clone(), url => s.url.clone().unwrap_or_default(),
                path => s.path.clone().unwrap_or_default(),
                default_branch => s.default_branch.clone().unwrap_or_default(),
                refs => s.refs.join("\n"),
            },
            // A blank form: every field the template prints, empty.
            None => minijinja::context! {
                kind => "git", url => "", path => "", default_branch => "", refs => "",
            },
        },
    };
    let instance_fallback = state
        .config
        .triage
        .sources
        .get(project.slug.as_str())
        .is_some_and(|d| !d.is_empty());
    page(
        "source_edit.html",
        minijinja::context! {
            title => format!("Source of {}", project.name),
            project => minijinja::context! { slug => project.slug.as_str(), name => project.name.clone() },
            current => current_ctx, form, saved, instance_fallback,
            is_admin => user.is_admin,
            errors => errors.0.iter().map(|e| minijinja::context! { field => e.field.clone(), message => e.message.clone() }).collect::<Vec<_>>(),
            ..base(Some(user), csrf)
        },
    )
}

pub async fn source_edit(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    Query(q): Query<SavedQuery>,
    CurrentUser(user): CurrentUser,
    Extension(csrf): Extension<CsrfToken>,
) -> Result<Html<String>, PageError> {
    render(
        &state,
        &user,
        &slug,
        None,
        &FieldErrors::default(),
        q.saved.is_some(),
        &csrf,
    )
    .await
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub struct SourceForm {
    /// `save` or `remove`.
    action: String,
    kind: String,
    url: String,
    default_branch: String,
    /// One ref per line (or separated by spaces or commas).
    refs: String,
    path: String,
}

impl SourceForm {
    fn input(&self) -> SourceInput {
        SourceInput {
            kind: self.kind.clone(),
            url: Some(self.url.clone()),
            default_branch: Some(self.default_branch.clone()),
            refs: self
                .refs
                .split(|c: char| c == ',' || c.is_whitespace())
                .filter(|r| !r.is_empty())
                .map(str::to_owned)
                .collect(),
            path: Some(self.path.clone()),
        }
    }
}

pub async fn source_save(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    CurrentUser(user): CurrentUser,
    Extension(csrf): Extension<CsrfToken>,
    CsrfForm(form): CsrfForm<SourceForm>,
) -> Result<Response, PageError> {
    let result = if form.action == "remove" {
        sources::remove(&state, &user, &slug).await.map(|_| ())
    } else {
        sources::set(&state, &user, &slug, &form.input())
            .await
            .map(|_| ())
    };
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/inbox/{slug}/source?saved=1")).into_response()),
        Err(ServiceError::Invalid(errors)) => {
            let html = render(&state, &user, &slug, Some(&form), &errors, false, &csrf).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, html).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

/// The project's source and how many open reports a change queued for triage again.
#[derive(Debug, Serialize, ToSchema)]
pub struct SourceBody {
    /// `null` when the project has none of its own.
    source: Option<SourceView>,
    /// Open reports queued for triage again by this change (0 for a read).
    retriage: u64,
}

/// The project's triage source (maintainers).
#[utoipa::path(
    get, path = "/projects/{slug}/source", tag = "projects",
    params(("slug" = String, Path, description = "The project's slug")),
    security(("bearer" = [])),
    responses(
        (status = 200, body = SourceBody),
        (status = 401, body = super::error::ErrorEnvelope),
        (status = 403, description = "Your role may not change the project's settings", body = super::error::ErrorEnvelope),
        (status = 404, description = "Unknown project, or not yours", body = super::error::ErrorEnvelope),
    )
)]
pub async fn api_get(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    caller: ApiCaller,
) -> Result<Json<SourceBody>, ApiError> {
    let user = caller.user()?;
    let (_, source) = sources::get(&state, &user, &slug).await?;
    Ok(Json(SourceBody {
        source,
        retriage: 0,
    }))
}

/// Set the project's triage source: a git repository (`kind: git`, `url`, optional
/// `default_branch` and `refs`) or, for administrators, a directory on the server
/// (`kind: path`, `path`). The project's open reports are triaged again.
#[utoipa::path(
    put, path = "/projects/{slug}/source", tag = "projects",
    params(("slug" = String, Path, description = "The project's slug")),
    request_body = SourceInput,
    security(("bearer" = [])),
    responses(
        (status = 200, body = SourceBody),
        (status = 401, body = super::error::ErrorEnvelope),
        (status = 403, description = "Your role may not change the project's settings, or only administrators may name the server's own files", body = super::error::ErrorEnvelope),
        (status = 404, description = "Unknown project, or not yours", body = super::error::ErrorEnvelope),
        (status = 422, description = "A field is missing or invalid; `field` names it", body = super::error::ErrorEnvelope),
    )
)]
pub async fn api_put(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    caller: ApiCaller,
    body: Result<ApiJson<SourceInput>, ApiError>,
) -> Result<Json<SourceBody>, ApiError> {
    let user = caller.user()?;
    let ApiJson(input) = body?;
    let (source, retriage) = sources::set(&state, &user, &slug, &input).await?;
    Ok(Json(SourceBody {
        source: Some(source),
        retriage,
    }))
}

/// Remove the project's triage source (the instance configuration's applies again, if any).
#[utoipa::path(
    delete, path = "/projects/{slug}/source", tag = "projects",
    params(("slug" = String, Path, description = "The project's slug")),
    security(("bearer" = [])),
    responses(
        (status = 200, body = SourceBody),
        (status = 401, body = super::error::ErrorEnvelope),
        (status = 403, body = super::error::ErrorEnvelope),
        (status = 404, description = "Unknown project, or not yours (removing when there is no source is not an error)", body = super::error::ErrorEnvelope),
    )
)]
pub async fn api_delete(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    caller: ApiCaller,
) -> Result<Json<SourceBody>, ApiError> {
    let user = caller.user()?;
    let retriage = sources::remove(&state, &user, &slug).await?;
    Ok(Json(SourceBody {
        source: None,
        retriage,
    }))
}
