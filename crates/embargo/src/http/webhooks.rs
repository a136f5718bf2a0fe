//! A project's webhook settings: the page (`/inbox/{slug}/webhooks`, maintainers) with its
//! forms and delivery logs, and the same over the API (`/api/v1/projects/{slug}/webhooks`).

use super::{
    auth::{ApiCaller, CurrentUser},
    csrf::CsrfToken,
    error::{ApiError, PageError},
    extract::{ApiJson, CsrfForm},
    human_time,
    templates::{base, field_errors, page},
};
use crate::{
    AppState,
    services::{ServiceError, webhooks},
};
use axum::{
    Extension, Json,
    extract::{Path, State},
    http::StatusCode,
    response::{Html, IntoResponse, Redirect, Response},
};
use domain::{FieldErrors, account::User, webhook::EventKind};
use serde::{Deserialize, Serialize, de::IgnoredAny};
use store::{WebhookDelivery, WebhookEndpoint};
use utoipa::ToSchema;

// Page ---------------------------------------------------------------------------------

/// What the page shows once: a new secret, or the form's errors and what was typed.
#[derive(Debug, Default)]
struct Flash<'a> {
    secret: Option<String>,
    errors: FieldErrors,
    url: &'a str,
    events: Vec<String>,
}

async fn render(
    state: &AppState,
    user: &User,
    slug: &str,
    csrf: &CsrfToken,
    flash: Flash<'_>,
) -> Result<Html<String>, PageError> {
    let settings = webhooks::settings(state, user, slug).await?;
    let endpoints: Vec<_> = settings
        .endpoints
        .iter()
        .map(|log| {
            minijinja::context! {
                id => log.endpoint.id.to_string(),
                url => log.endpoint.url.clone(),
                events => log.endpoint.events.iter().map(|e| e.as_str()).collect::<Vec<_>>(),
                created => human_time(log.endpoint.created_at),
                deliveries => log.deliveries.iter().map(|d| minijinja::context! {
                    id => d.id.to_string(),
                    event => d.event.clone(),
                    status => d.status.as_str(),
                    created => human_time(d.created_at),
                    attempts => d.log.iter().map(|a| minijinja::context! {
                        attempt => a.attempt,
                        at => human_time(a.at),
                        status_code => a.status_code,
                        duration_ms => a.duration_ms,
                        error => a.error.clone(),
                    }).collect::<Vec<_>>(),
                }).collect::<Vec<_>>(),
            }
        })
        .collect();
    let checked: Vec<&str> = if flash.events.is_empty() {
        vec![EventKind::ReportReceived.as_str()]
    } else {
        flash.events.iter().map(String::as_str).collect()
    };
    let all_events: Vec<_> = EventKind::ALL
        .iter()
        .map(|e| minijinja::context! { name => e.as_str(), checked => checked.contains(&e.as_str()) })
        .collect();
    page(
        "webhooks.html",
        minijinja::context! {
            title => format!("Webhooks of {}", settings.project.name),
            project => minijinja::context! { slug => settings.project.slug.as_str(), name => settings.project.name.clone() },
            endpoints,
            all_events,
            secret_since => settings.secret_since.map(human_time),
            new_secret => flash.secret,
            errors => field_errors(&flash.errors),
            url => flash.url,
            ..base(Some(user), csrf)
        },
    )
}

pub async fn settings_page(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    CurrentUser(user): CurrentUser,
    Extension(csrf): Extension<CsrfToken>,
) -> Result<Html<String>, PageError> {
    render(&state, &user, &slug, &csrf, Flash::default()).await
}

pub async fn create_form(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    CurrentUser(user): CurrentUser,
    Extension(csrf): Extension<CsrfToken>,
    CsrfForm(fields): CsrfForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let url = fields
        .iter()
        .find(|(k, _)| k == "url")
        .map_or("", |(_, v)| v.as_str());
    let events: Vec<String> = fields
        .iter()
        .filter(|(k, _)| k == "events")
        .map(|(_, v)| v.clone())
        .collect();
    match webhooks::create(&state, &user, &slug, url, &events).await {
        // The new secret is shown on this answer only, never stored where a page can read it.
        Ok(created) => Ok(render(
            &state,
            &user,
            &slug,
            &csrf,
            Flash {
                secret: created.secret,
                ..Flash::default()
            },
        )
        .await?
        .into_response()),
        Err(ServiceError::Invalid(errors)) => {
            let html = render(
                &state,
                &user,
                &slug,
                &csrf,
                Flash {
                    secret: None,
                    errors,
                    url,
                    events,
                },
            )
            .await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, html).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn delete_form(
    State(state): State<AppState>,
    Path((slug, id)): Path<(String, String)>,
    CurrentUser(user): CurrentUser,
    CsrfForm(_): CsrfForm<IgnoredAny>,
) -> Result<Response, PageError> {
    webhooks::delete(&state, &user, &slug, &id).await?;
    Ok(Redirect::to(&format!("/inbox/{slug}/webhooks")).into_response())
}

pub async fn rotate_form(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    CurrentUser(user): CurrentUser,
    Extension(csrf): Extension<CsrfToken>,
    CsrfForm(_): CsrfForm<IgnoredAny>,
) -> Result<Response, PageError> {
    let secret = webhooks::rotate(&state, &user, &slug).await?;
    Ok(render(
        &state,
        &user,
        &slug,
        &csrf,
        Flash {
            secret: Some(secret),
            ..Flash::default()
        },
    )
    .await?
    .into_response())
}

// API ----------------------------------------------------------------------------------

/// A new endpoint.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewWebhookBody {
    /// `http://` or `https://` URL that receives a POST per event.
    url: String,
    /// Any of `report.received`, `report.transitioned`, `message.created`, `score.added`,
    /// `advisory.published`.
    events: Vec<String>,
}

/// An endpoint of a project.
#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookBody {
    #[schema(format = Uuid)]
    id: String,
    url: String,
    events: Vec<String>,
    created_at: String,
}

/// A new endpoint, with the project's secret when this endpoint created it.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedWebhookBody {
    endpoint: WebhookBody,
    /// The project's signing secret (`whsec_…`), shown only when the project's first
    /// endpoint is added: keep it, it is not shown again. Later endpoints share it.
    secret: Option<String>,
}

/// The project's new signing secret.
#[derive(Debug, Serialize, ToSchema)]
pub struct SecretBody {
    /// `whsec_…`: the HMAC-SHA256 key of `X-Embargo-Signature`. Shown once.
    secret: String,
}

/// One attempt at a delivery.
#[derive(Debug, Serialize, ToSchema)]
pub struct AttemptBody {
    attempt: i64,
    at: String,
    /// The HTTP status the endpoint answered, if it answered.
    status_code: Option<i64>,
    duration_ms: i64,
    error: Option<String>,
}

/// One event sent to an endpoint.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryBody {
    /// Also sent as `X-Embargo-Delivery`.
    #[schema(format = Uuid)]
    id: String,
    event: String,
    /// `pending`, `delivered` or `failed`.
    status: String,
    created_at: String,
    finished_at: Option<String>,
    attempts: Vec<AttemptBody>,
}

fn webhook_body(e: &WebhookEndpoint) -> WebhookBody {
    WebhookBody {
        id: e.id.to_string(),
        url: e.url.clone(),
        events: e.events.iter().map(|k| k.as_str().to_owned()).collect(),
        created_at: e.created_at.to_string(),
    }
}

fn delivery_body(d: WebhookDelivery) -> DeliveryBody {
    DeliveryBody {
        id: d.id.to_string(),
        event: d.event,
        status: d.status.as_str().to_owned(),
        created_at: d.created_at.to_string(),
        finished_at: d.finished_at.map(|t| t.to_string()),
        attempts: d
            .log
            .into_iter()
            .map(|a| AttemptBody {
                attempt: a.attempt,
                at: a.at.to_string(),
                status_code: a.status_code,
                duration_ms: a.duration_ms,
                error: a.error,
            })
            .collect(),
    }
}

/// The project's webhook endpoints (maintainers).
#[utoipa::path(
    get, path = "/projects/{slug}/webhooks", tag = "webhooks",
    params(("slug" = String, Path, description = "The project's slug")),
    security(("bearer" = [])),
    responses(
        (status = 200, body = [WebhookBody]),
        (status = 401, body = super::error::ErrorEnvelope),
        (status = 403, description = "Your role may not change the project's settings", body = super::error::ErrorEnvelope),
        (status = 404, description = "Unknown project, or not yours", body = super::error::ErrorEnvelope),
    )
)]
pub async fn api_list(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    caller: ApiCaller,
) -> Result<Json<Vec<WebhookBody>>, ApiError> {
    let user = caller.user()?;
    let list = webhooks::list(&state, &user, &slug).await?;
    Ok(Json(list.iter().map(webhook_body).collect()))
}

/// Add an endpoint (maintainers). Each event of the list is POSTed to `url` as JSON with
/// `X-Embargo-Event`, `X-Embargo-Delivery` and `X-Embargo-Signature: sha256=<hex HMAC-SHA256
/// of the body under the project's secret>`; non-2xx answers and timeouts are retried with
/// exponential backoff.
#[utoipa::path(
    post, path = "/projects/{slug}/webhooks", tag = "webhooks",
    params(("slug" = String, Path, description = "The project's slug")),
    request_body = NewWebhookBody,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Added", body = CreatedWebhookBody),
        (status = 401, body = super::error::ErrorEnvelope),
        (status = 403, description = "Your role may not change the project's settings", body = super::error::ErrorEnvelope),
        (status = 404, description = "Unknown project, or not yours", body = super::error::ErrorEnvelope),
        (status = 422, description = "A field is invalid; `field` names it", body = super::error::ErrorEnvelope),
    )
)]
pub async fn api_create(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    caller: ApiCaller,
    body: Result<ApiJson<NewWebhookBody>, ApiError>,
) -> Result<(StatusCode, Json<CreatedWebhookBody>), ApiError> {
    let user = caller.user()?;
    let ApiJson(request) = body?;
    let created = webhooks::create(&state, &user, &slug, &request.url, &request.events).await?;
    Ok((
        StatusCode::CREATED,
        Json(CreatedWebhookBody {
            endpoint: webhook_body(&created.endpoint),
            secret: created.secret,
        }),
    ))
}

/// Remove an endpoint and its delivery log (maintainers).
#[utoipa::path(
    delete, path = "/projects/{slug}/webhooks/{id}", tag = "webhooks",
    params(("slug" = String, Path, description = "The project's slug"), ("id" = String, Path, format = Uuid, description = "The endpoint's id")),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Removed"),
        (status = 401, body = super::error::ErrorEnvelope),
        (status = 403, description = "Your role may not change the project's settings", body = super::error::ErrorEnvelope),
        (status = 404, description = "Unknown project or endpoint", body = super::error::ErrorEnvelope),
    )
)]
pub async fn api_delete(
    State(state): State<AppState>,
    Path((slug, id)): Path<(String, String)>,
    caller: ApiCaller,
) -> Result<StatusCode, ApiError> {
    let user = caller.user()?;
    webhooks::delete(&state, &user, &slug, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A page of an endpoint's deliveries.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryPageBody {
    /// At most `limit` deliveries, newest first, each with its attempts.
    items: Vec<DeliveryBody>,
    /// Pass as `cursor` for the next page; `null` on the last page. Opaque.
    next_cursor: Option<String>,
}

/// An endpoint's deliveries, newest first, each with its attempts, a page at a time
/// (maintainers). Pages are keyset-based: deliveries queued meanwhile never shift or repeat
/// what a later page holds.
#[utoipa::path(
    get, path = "/projects/{slug}/webhooks/{id}/deliveries", tag = "webhooks",
    params(
        ("slug" = String, Path, description = "The project's slug"),
        ("id" = String, Path, format = Uuid, description = "The endpoint's id"),
        super::mail_log::PageQuery,
    ),
    security(("bearer" = [])),
    responses(
        (status = 200, body = DeliveryPageBody),
        (status = 401, body = super::error::ErrorEnvelope),
        (status = 403, description = "Your role may not change the project's settings", body = super::error::ErrorEnvelope),
        (status = 404, description = "Unknown project or endpoint", body = super::error::ErrorEnvelope),
        (status = 422, description = "A bad `limit` or `cursor`", body = super::error::ErrorEnvelope),
    )
)]
pub async fn api_deliveries(
    State(state): State<AppState>,
    Path((slug, id)): Path<(String, String)>,
    query: Result<
        axum::extract::Query<super::mail_log::PageQuery>,
        axum::extract::rejection::QueryRejection,
    >,
    caller: ApiCaller,
) -> Result<Json<DeliveryPageBody>, ApiError> {
    let user = caller.user()?;
    let axum::extract::Query(q) =
        query.map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, "bad_request", e.body_text()))?;
    let page = webhooks::deliveries(
        &state,
        &user,
        &slug,
        &id,
        q.limit.as_deref(),
        q.cursor.as_deref(),
    )
    .await?;
    Ok(Json(DeliveryPageBody {
        items: page.items.into_iter().map(delivery_body).collect(),
        next_cursor: page.next_cursor,
    }))
}

/// Replace the project's signing secret (maintainers). Deliveries not yet made are signed
/// with the new one.
#[utoipa::path(
    post, path = "/projects/{slug}/webhooks/secret", tag = "webhooks",
    params(("slug" = String, Path, description = "The project's slug")),
    security(("bearer" = [])),
    responses(
        (status = 200, body = SecretBody),
        (status = 401, body = super::error::ErrorEnvelope),
        (status = 403, description = "Your role may not change the project's settings", body = super::error::ErrorEnvelope),
        (status = 404, description = "Unknown project, or not yours", body = super::error::ErrorEnvelope),
    )
)]
pub async fn api_rotate(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    caller: ApiCaller,
) -> Result<Json<SecretBody>, ApiError> {
    let user = caller.user()?;
    let secret = webhooks::rotate(&state, &user, &slug).await?;
    Ok(Json(SecretBody { secret }))
}
