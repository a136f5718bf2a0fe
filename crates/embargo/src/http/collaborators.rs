//! Collaborators over HTTP: the invitation link (accept by creating an account or signing
//! in), the report page's invite / revoke / message forms, and the JSON API
//! `/api/v1/reports/{id}/collaborators`.

use super::{
    auth::{ApiCaller, CurrentUser},
    csrf::CsrfToken,
    error::{ApiError, PageError},
    extract::{ApiJson, CsrfForm, ReportPage},
    human_time,
    templates::{base, field_errors, page},
};
use crate::{
    AppState,
    services::{
        ServiceError,
        collaborators::{self, Pending},
        reports,
    },
};
use axum::{
    Extension, Json,
    extract::{Path, State},
    http::StatusCode,
    response::{Html, IntoResponse, Redirect, Response},
};
use domain::{FieldErrors, collaborator::InvitationInput};
use serde::{Deserialize, Serialize, de::IgnoredAny};
use utoipa::ToSchema;

// The invitation link ----------------------------------------------------------------------

fn render_invitation(
    token: &str,
    p: &Pending,
    user: Option<&domain::account::User>,
    csrf: &CsrfToken,
    errors: &FieldErrors,
    failed: bool,
    name: &str,
) -> Result<Html<String>, PageError> {
    let invited = p.collaborator.email.to_lowercase();
    let signed_in_as_invitee = user.is_some_and(|u| u.email.normalized() == invited);
    page(
        "invitation.html",
        minijinja::context! {
            title => "Invitation",
            token,
            email => p.collaborator.email.clone(),
            project => p.project.name.clone(),
            number => p.number,
            invited_by => p.collaborator.invited_by_name.clone(),
            note => p.collaborator.note.clone(),
            expires => human_time(p.collaborator.expires_at),
            has_account => p.has_account,
            signed_in_as_invitee,
            failed,
            name,
            errors => field_errors(errors),
            ..base(user, csrf)
        },
    )
}

/// The page behind an invitation's link; 404 once it is used, revoked or expired.
pub async fn invitation_page(
    State(state): State<AppState>,
    Path(token): Path<String>,
    user: Option<CurrentUser>,
    Extension(csrf): Extension<CsrfToken>,
) -> Result<Html<String>, PageError> {
    let p = collaborators::pending(&state, &token).await?;
    render_invitation(
        &token,
        &p,
        user.as_ref().map(|u| &u.0),
        &csrf,
        &FieldErrors::default(),
        false,
        "",
    )
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct AcceptForm {
    name: String,
    password: String,
}

impl std::fmt::Debug for AcceptForm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AcceptForm")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

/// Accepts the invitation and opens the report.
pub async fn invitation_accept(
    State(state): State<AppState>,
    Path(token): Path<String>,
    user: Option<CurrentUser>,
    Extension(csrf): Extension<CsrfToken>,
    CsrfForm(form): CsrfForm<AcceptForm>,
) -> Result<Response, PageError> {
    let user = user.map(|u| u.0);
    match collaborators::accept(&state, &token, user.as_ref(), &form.name, &form.password).await {
        Ok(done) => {
            let to = format!("/inbox/{}/reports/{}", done.project_slug, done.number);
            Ok(match done.session {
                Some(session) => super::inbox::signed_in(&state, &session, &to),
                None => Redirect::to(&to).into_response(),
            })
        }
        Err(ServiceError::Invalid(errors)) => {
            let p = collaborators::pending(&state, &token).await?;
            let html =
                render_invitation(&token, &p, user.as_ref(), &csrf, &errors, false, &form.name)?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, html).into_response())
        }
        Err(ServiceError::Unauthenticated) => {
            let p = collaborators::pending(&state, &token).await?;
            let html = render_invitation(
                &token,
                &p,
                user.as_ref(),
                &csrf,
                &FieldErrors::default(),
                true,
                &form.name,
            )?;
            Ok((StatusCode::UNAUTHORIZED, html).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

// The report page's forms ------------------------------------------------------------------

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub struct InviteForm {
    email: String,
    days: String,
    note: String,
}

/// The report page's invitation form (maintainers).
pub async fn invite(
    State(state): State<AppState>,
    Path((slug, number)): Path<(String, i64)>,
    ReportPage { user, view, .. }: ReportPage,
    CsrfForm(form): CsrfForm<InviteForm>,
) -> Result<Response, PageError> {
    let days = match form.days.trim() {
        "" => None,
        d => Some(d.parse::<i64>().map_err(|_| {
            PageError::from(ServiceError::field(
                "days",
                "must be a whole number of days",
            ))
        })?),
    };
    let input = InvitationInput {
        email: form.email,
        days,
        note: Some(form.note),
    };
    collaborators::invite(&state, &user, view.report.id, &input).await?;
    Ok(Redirect::to(&format!("/inbox/{slug}/reports/{number}#collaborators")).into_response())
}

/// Revokes an invitation from the report page (maintainers).
pub async fn revoke(
    State(state): State<AppState>,
    Path((slug, number, id)): Path<(String, i64, String)>,
    ReportPage { user, view, .. }: ReportPage,
    CsrfForm(_): CsrfForm<IgnoredAny>,
) -> Result<Response, PageError> {
    let id = id
        .parse::<uuid::Uuid>()
        .map_err(|_| PageError::not_found())?;
    collaborators::revoke(&state, &user, view.report.id, id).await?;
    Ok(Redirect::to(&format!("/inbox/{slug}/reports/{number}#collaborators")).into_response())
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub struct MessageForm {
    body: String,
    visibility: String,
}

/// The report page's message form: an internal note (maintainers, triagers,
/// collaborators) or a message to the reporter (maintainers and triagers).
pub async fn post_message(
    State(state): State<AppState>,
    Path((slug, number)): Path<(String, i64)>,
    ReportPage { user, view, .. }: ReportPage,
    CsrfForm(form): CsrfForm<MessageForm>,
) -> Result<Response, PageError> {
    let visibility = match form.visibility.as_str() {
        "" => return Err(ServiceError::field("visibility", "is required").into()),
        "internal" => store::Visibility::Internal,
        "reporter" => store::Visibility::Reporter,
        _ => {
            return Err(ServiceError::field("visibility", "must be internal or reporter").into());
        }
    };
    reports::post_message(
        &state,
        reports::Caller::User(&user),
        view.report.id,
        &form.body,
        visibility,
    )
    .await?;
    Ok(Redirect::to(&format!("/inbox/{slug}/reports/{number}#thread")).into_response())
}

/// The report page's collaborators, as the template shows them.
pub fn rows(list: &[store::Collaborator], now: jiff::Timestamp) -> Vec<minijinja::Value> {
    list.iter()
        .map(|c| {
            let status = c.status(now);
            minijinja::context! {
                id => c.id.to_string(),
                email => c.email.clone(),
                name => c.user_name.clone(),
                note => c.note.clone(),
                status => status.as_str(),
                live => status.is_live(),
                invited_by => c.invited_by_name.clone(),
                invited => human_time(c.invited_at),
                expires => human_time(c.expires_at),
            }
        })
        .collect()
}

// JSON API ---------------------------------------------------------------------------------

/// An invitation to a report, as maintainers see it (never its link).
#[derive(Debug, Serialize, ToSchema)]
pub struct CollaboratorBody {
    #[schema(format = Uuid)]
    id: String,
    /// The address the invitation went to.
    email: String,
    note: Option<String>,
    /// `pending`, `active`, `expired` or `revoked`.
    status: String,
    /// The name of the account that accepted it.
    name: Option<String>,
    invited_by: Option<String>,
    invited_at: String,
    /// When the link stops working and the access ends.
    expires_at: String,
    accepted_at: Option<String>,
    revoked_at: Option<String>,
}

fn body(c: store::Collaborator, now: jiff::Timestamp) -> CollaboratorBody {
    CollaboratorBody {
        id: c.id.to_string(),
        status: c.status(now).as_str().to_owned(),
        email: c.email,
        note: c.note,
        name: c.user_name,
        invited_by: c.invited_by_name,
        invited_at: c.invited_at.to_string(),
        expires_at: c.expires_at.to_string(),
        accepted_at: c.accepted_at.map(|t| t.to_string()),
        revoked_at: c.revoked_at.map(|t| t.to_string()),
    }
}

/// An invitation to one report.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCollaboratorBody {
    /// Where the single-use link goes.
    email: String,
    /// Days until the access ends: 1 to 90, 14 when left out.
    days: Option<i64>,
    /// A note for the invitee, quoted in the e-mail (at most 2000 characters).
    note: Option<String>,
}

fn report_id(id: &str) -> Result<domain::ReportId, ApiError> {
    id.parse::<uuid::Uuid>()
        .map(domain::ReportId)
        .map_err(|_| ApiError::from(ServiceError::NotFound("report")))
}

/// Invite someone to this report by e-mail (maintainers). The invitee follows the link to
/// create an account or sign in, then reads the report (internal messages, scores and
/// findings included), writes internal messages and scores, until `expires_at` or until
/// revoked.
#[utoipa::path(
    post, path = "/reports/{id}/collaborators", tag = "reports",
    params(("id" = String, Path, format = Uuid, description = "The report's id")),
    request_body = NewCollaboratorBody,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Invited; the link went out by e-mail", body = CollaboratorBody),
        (status = 401, body = super::error::ErrorEnvelope),
        (status = 403, description = "Your role may not invite (triagers, collaborators, reporters)", body = super::error::ErrorEnvelope),
        (status = 404, description = "No such report, or not yours", body = super::error::ErrorEnvelope),
        (status = 409, description = "The address already has a live invitation to this report", body = super::error::ErrorEnvelope),
        (status = 422, description = "`email`, `days` or `note` is invalid", body = super::error::ErrorEnvelope),
    )
)]
pub async fn api_invite(
    State(state): State<AppState>,
    Path(id): Path<String>,
    caller: ApiCaller,
    body_bytes: Result<ApiJson<NewCollaboratorBody>, ApiError>,
) -> Result<(StatusCode, Json<CollaboratorBody>), ApiError> {
    let id = report_id(&id)?;
    let user = match caller {
        ApiCaller::User(u) => u,
        // A reporter's token reaches its own report only, and may not invite.
        ApiCaller::Reporter(token) => {
            let view = reports::by_tracking_token(&state, &token).await?;
            return Err(if view.report.id == id {
                ServiceError::Forbidden.into()
            } else {
                ServiceError::NotFound("report").into()
            });
        }
    };
    let ApiJson(request) = body_bytes?;
    let input = InvitationInput {
        email: request.email,
        days: request.days,
        note: request.note,
    };
    let stored = collaborators::invite(&state, &user, id, &input).await?;
    Ok((StatusCode::CREATED, Json(body(stored, state.now()))))
}

/// The report's invitations with their status, revoked and expired ones included
/// (maintainers and triagers).
#[utoipa::path(
    get, path = "/reports/{id}/collaborators", tag = "reports",
    params(("id" = String, Path, format = Uuid, description = "The report's id")),
    security(("bearer" = [])),
    responses(
        (status = 200, body = [CollaboratorBody]),
        (status = 401, body = super::error::ErrorEnvelope),
        (status = 403, description = "Collaborators and reporters may not list", body = super::error::ErrorEnvelope),
        (status = 404, description = "No such report, or not yours", body = super::error::ErrorEnvelope),
    )
)]
pub async fn api_list(
    State(state): State<AppState>,
    Path(id): Path<String>,
    caller: ApiCaller,
) -> Result<Json<Vec<CollaboratorBody>>, ApiError> {
    let id = report_id(&id)?;
    let user = match caller {
        ApiCaller::User(u) => u,
        ApiCaller::Reporter(token) => {
            let view = reports::by_tracking_token(&state, &token).await?;
            return Err(if view.report.id == id {
                ServiceError::Forbidden.into()
            } else {
                ServiceError::NotFound("report").into()
            });
        }
    };
    let now = state.now();
    let list = collaborators::list(&state, &user, id).await?;
    Ok(Json(list.into_iter().map(|c| body(c, now)).collect()))
}

/// Revoke an invitation: the link stops working and the access ends at once (maintainers).
#[utoipa::path(
    delete, path = "/reports/{id}/collaborators/{collaborator}", tag = "reports",
    params(
        ("id" = String, Path, format = Uuid, description = "The report's id"),
        ("collaborator" = String, Path, format = Uuid, description = "The invitation's id"),
    ),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Revoked (revoking again changes nothing)", body = CollaboratorBody),
        (status = 401, body = super::error::ErrorEnvelope),
        (status = 403, description = "Your role may not revoke", body = super::error::ErrorEnvelope),
        (status = 404, description = "No such report or invitation, or not yours", body = super::error::ErrorEnvelope),
    )
)]
pub async fn api_revoke(
    State(state): State<AppState>,
    Path((id, collaborator)): Path<(String, String)>,
    caller: ApiCaller,
) -> Result<Json<CollaboratorBody>, ApiError> {
    let id = report_id(&id)?;
    let user = match caller {
        ApiCaller::User(u) => u,
        ApiCaller::Reporter(token) => {
            let view = reports::by_tracking_token(&state, &token).await?;
            return Err(if view.report.id == id {
                ServiceError::Forbidden.into()
            } else {
                ServiceError::NotFound("report").into()
            });
        }
    };
    let collaborator = collaborator
        .parse::<uuid::Uuid>()
        .map_err(|_| ApiError::from(ServiceError::NotFound("collaborator")))?;
    let revoked = collaborators::revoke(&state, &user, id, collaborator).await?;
    Ok(Json(body(revoked, state.now())))
}
