//! Deadline extensions (API and the report page's form) and each member's notification
//! choices (API and the settings page).

use super::{
    api::{ExtensionBody, extension_body},
    auth::{ApiCaller, CurrentUser},
    csrf::CsrfToken,
    error::{ApiError, PageError},
    extract::{ApiJson, CsrfForm, ReportPage},
    templates::{base, page},
};
use crate::{
    AppState,
    services::{ServiceError, extensions, notify, reports},
};
use axum::{
    Extension, Json,
    extract::{Path, State},
    http::StatusCode,
    response::{Html, IntoResponse, Redirect, Response},
};
use domain::notify::{NotificationKind, NotificationPrefs};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A deadline extension request.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewExtensionBody {
    /// `acknowledge`, `triage` or `disclosure`.
    clock: String,
    /// The new due date: an RFC 3339 instant, or a date (`2026-07-01`) that keeps the
    /// current due date's local time of day in the project's time zone.
    new_due: String,
    /// Why the deadline moves (required; the reporter sees it).
    reason: String,
}

/// The report's deadlines after an extension, and the extension.
#[derive(Debug, Serialize, ToSchema)]
pub struct ExtendedBody {
    sla: super::api::SlaBody,
    extension: ExtensionBody,
}

/// Extend one of a report's deadlines (maintainers and admins). The reason is shown to the
/// reporter; the change is in the audit log; reminders follow the new date.
#[utoipa::path(
    post, path = "/reports/{id}/extensions", tag = "reports",
    params(("id" = String, Path, format = Uuid, description = "The report's id")),
    request_body = NewExtensionBody,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Extended", body = ExtendedBody),
        (status = 401, body = super::error::ErrorEnvelope),
        (status = 403, description = "Only maintainers extend deadlines", body = super::error::ErrorEnvelope),
        (status = 404, description = "No such report, or not yours", body = super::error::ErrorEnvelope),
        (status = 409, description = "The clock no longer runs, or moved meanwhile", body = super::error::ErrorEnvelope),
        (status = 422, description = "`clock`, `new_due` or `reason` is invalid", body = super::error::ErrorEnvelope),
    )
)]
pub async fn api_extend(
    State(state): State<AppState>,
    Path(id): Path<String>,
    caller: ApiCaller,
    body: Result<ApiJson<NewExtensionBody>, ApiError>,
) -> Result<(StatusCode, Json<ExtendedBody>), ApiError> {
    let id: domain::ReportId = id
        .parse::<uuid::Uuid>()
        .map(domain::ReportId)
        .map_err(|_| ApiError::from(ServiceError::NotFound("report")))?;
    let who = match &caller {
        ApiCaller::User(user) => reports::Caller::User(user),
        ApiCaller::Reporter(token) => reports::Caller::Reporter(token),
    };
    let ApiJson(request) = body?;
    let (report, record) = extensions::extend(
        &state,
        who,
        id,
        &request.clock,
        &request.new_due,
        &request.reason,
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(ExtendedBody {
            sla: super::api::SlaBody::from(&report.sla),
            extension: extension_body(record, true),
        }),
    ))
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub struct ExtensionForm {
    clock: String,
    new_due: String,
    reason: String,
}

/// The report page's extension form.
pub async fn extend_form(
    State(state): State<AppState>,
    Path((slug, number)): Path<(String, i64)>,
    ReportPage { user, view, .. }: ReportPage,
    CsrfForm(form): CsrfForm<ExtensionForm>,
) -> Result<Response, PageError> {
    extensions::extend(
        &state,
        reports::Caller::User(&user),
        view.report.id,
        &form.clock,
        &form.new_due,
        &form.reason,
    )
    .await?;
    Ok(Redirect::to(&format!("/inbox/{slug}/reports/{number}#deadlines")).into_response())
}

/// One project's notification choices.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ProjectNotificationsBody {
    /// The project's slug.
    project: String,
    /// `maintainer` or `triager`.
    role: String,
    new_report: bool,
    reporter_message: bool,
    reminders: bool,
    state_changes: bool,
}

/// The e-mails a member chooses to get for one project; a missing field is on.
#[derive(Debug, Deserialize, ToSchema)]
#[allow(dead_code)] // Documents the wire format; requests are parsed into `NotificationPrefs`.
pub struct NotificationsBody {
    /// A report arrived.
    new_report: Option<bool>,
    /// The reporter wrote on a report's thread.
    reporter_message: Option<bool>,
    /// A deadline is near or has passed.
    reminders: Option<bool>,
    /// A report changed state.
    state_changes: Option<bool>,
}

fn project_body(
    project: &domain::project::Project,
    role: domain::account::ProjectRole,
    p: &NotificationPrefs,
) -> ProjectNotificationsBody {
    ProjectNotificationsBody {
        project: project.slug.as_str().to_owned(),
        role: role.as_str().to_owned(),
        new_report: p.new_report,
        reporter_message: p.reporter_message,
        reminders: p.reminders,
        state_changes: p.state_changes,
    }
}

/// Your notification choices, one entry per project you are a member of.
#[utoipa::path(
    get, path = "/me/notifications", tag = "reports",
    security(("bearer" = [])),
    responses(
        (status = 200, body = [ProjectNotificationsBody]),
        (status = 401, body = super::error::ErrorEnvelope),
        (status = 403, description = "A reporter's token", body = super::error::ErrorEnvelope),
    )
)]
pub async fn api_notifications(
    State(state): State<AppState>,
    caller: ApiCaller,
) -> Result<Json<Vec<ProjectNotificationsBody>>, ApiError> {
    let user = caller.user()?;
    let list = notify::list(&state, &user).await?;
    Ok(Json(
        list.iter()
            .map(|(p, role, prefs)| project_body(p, *role, prefs))
            .collect(),
    ))
}

/// Set which e-mails you get for one project (fields left out are on).
#[utoipa::path(
    put, path = "/me/notifications/{slug}", tag = "reports",
    params(("slug" = String, Path, description = "The project's slug")),
    request_body = NotificationsBody,
    security(("bearer" = [])),
    responses(
        (status = 200, body = ProjectNotificationsBody),
        (status = 401, body = super::error::ErrorEnvelope),
        (status = 404, description = "Not a project you are a member of", body = super::error::ErrorEnvelope),
        (status = 422, description = "A field is not a boolean, or unknown; `field` names it", body = super::error::ErrorEnvelope),
    )
)]
pub async fn api_set_notifications(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    caller: ApiCaller,
    body: Result<ApiJson<NotificationPrefs>, ApiError>,
) -> Result<Json<ProjectNotificationsBody>, ApiError> {
    let user = caller.user()?;
    let ApiJson(prefs) = body?;
    let project = notify::set(&state, &user, &slug, &prefs).await?;
    let role = crate::services::projects::role_of(&state, &project, &user)
        .await?
        .ok_or(ServiceError::NotFound("project"))?;
    Ok(Json(project_body(&project, role, &prefs)))
}

/// The settings page: one row of checkboxes per project.
pub async fn settings_page(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Extension(csrf): Extension<CsrfToken>,
) -> Result<Html<String>, PageError> {
    let list = notify::list(&state, &user).await?;
    let kinds: Vec<_> = NotificationKind::ALL
        .iter()
        .map(|k| minijinja::context! { name => k.as_str(), label => k.label() })
        .collect();
    let projects: Vec<_> = list
        .iter()
        .map(|(p, role, prefs)| {
            minijinja::context! {
                slug => p.slug.as_str(),
                name => p.name.clone(),
                role => role.as_str(),
                on => NotificationKind::ALL
                    .iter()
                    .filter(|k| prefs.allows(**k))
                    .map(|k| k.as_str())
                    .collect::<Vec<_>>(),
            }
        })
        .collect();
    page(
        "notifications.html",
        minijinja::context! {
            title => "Notifications",
            kinds,
            projects,
            ..base(Some(&user), &csrf)
        },
    )
}

/// The settings form for one project: a checked box is "on", a missing one "off".
pub async fn settings_save(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    CurrentUser(user): CurrentUser,
    CsrfForm(form): CsrfForm<std::collections::BTreeMap<String, String>>,
) -> Result<Response, PageError> {
    let mut prefs = NotificationPrefs::default();
    for kind in NotificationKind::ALL {
        prefs.set(kind, form.contains_key(kind.as_str()));
    }
    notify::set(&state, &user, &slug, &prefs).await?;
    Ok(Redirect::to("/settings/notifications").into_response())
}
