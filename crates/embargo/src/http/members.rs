//! A project's people over HTTP: the members' page (`/inbox/{slug}/members`: list, invite,
//! change role, remove, revoke invitations), the invitation link (`/join/{token}`: accept
//! by creating an account or signing in), and the JSON API
//! `/api/v1/projects/{slug}/members`.

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
    services::{
        ServiceError,
        members::{self, Invited, Pending},
    },
};
use axum::{
    Extension, Json,
    extract::{Path, State},
    http::StatusCode,
    response::{Html, IntoResponse, Redirect, Response},
};
use domain::{FieldErrors, UserId, account::User};
use serde::{Deserialize, Serialize, de::IgnoredAny};
use utoipa::ToSchema;

// The members' page ------------------------------------------------------------------------

/// What the page shows once: a notice, an invitation's link (no SMTP), or a form's errors
/// with what was typed. `target` names the member whose row's form failed.
#[derive(Debug, Default)]
struct Flash {
    notice: Option<String>,
    link: Option<String>,
    errors: FieldErrors,
    email: String,
    role: String,
    target: Option<String>,
}

async fn render(
    state: &AppState,
    user: &User,
    slug: &str,
    csrf: &CsrfToken,
    flash: Flash,
) -> Result<Html<String>, PageError> {
    let m = members::list(state, user, slug).await?;
    let maintainers = m
        .members
        .iter()
        .filter(|x| x.role == domain::account::ProjectRole::Maintainer)
        .count();
    let rows: Vec<_> = m
        .members
        .iter()
        .map(|x| {
            minijinja::context! {
                id => x.user.id.to_string(),
                name => x.user.name.clone(),
                email => x.user.email.as_str(),
                role => x.role.as_str(),
                since => x.since.map(human_time),
                is_you => x.user.id == user.id,
                last_maintainer => x.role == domain::account::ProjectRole::Maintainer && maintainers <= 1,
            }
        })
        .collect();
    let invitations: Vec<_> = m
        .invitations
        .iter()
        .map(|i| {
            minijinja::context! {
                id => i.id.to_string(),
                email => i.email.clone(),
                role => i.role.as_str(),
                invited_by => i.invited_by_name.clone(),
                invited => human_time(i.invited_at),
                expires => human_time(i.expires_at),
            }
        })
        .collect();
    let role = if flash.role.is_empty() {
        "triager".to_owned()
    } else {
        flash.role
    };
    page(
        "members.html",
        minijinja::context! {
            title => format!("People of {}", m.project.name),
            project => minijinja::context! { slug => m.project.slug.as_str(), name => m.project.name.clone() },
            can_manage => m.can_manage,
            members => rows,
            invitations,
            notice => flash.notice,
            link => flash.link,
            errors => field_errors(&flash.errors),
            target => flash.target,
            email => flash.email,
            role,
            ..base(Some(user), csrf)
        },
    )
}

async fn answer(
    state: &AppState,
    user: &User,
    slug: &str,
    csrf: &CsrfToken,
    status: StatusCode,
    flash: Flash,
) -> Result<Response, PageError> {
    Ok((status, render(state, user, slug, csrf, flash).await?).into_response())
}

pub async fn members_page(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    CurrentUser(user): CurrentUser,
    Extension(csrf): Extension<CsrfToken>,
) -> Result<Html<String>, PageError> {
    render(&state, &user, &slug, &csrf, Flash::default()).await
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub struct InviteForm {
    email: String,
    role: String,
}

/// Invites by e-mail: an account is added at once; another address gets a link, shown
/// here once when no SMTP server is configured.
pub async fn invite_form(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    CurrentUser(user): CurrentUser,
    Extension(csrf): Extension<CsrfToken>,
    CsrfForm(form): CsrfForm<InviteForm>,
) -> Result<Response, PageError> {
    match members::invite(&state, &user, &slug, &form.email, &form.role).await {
        Ok(Invited::Added(m)) => {
            let notice = format!(
                "{} ({}) is now a {} of the project; they were told by e-mail.",
                m.user.name,
                m.user.email.as_str(),
                m.role.as_str()
            );
            let flash = Flash {
                notice: Some(notice),
                ..Flash::default()
            };
            answer(&state, &user, &slug, &csrf, StatusCode::OK, flash).await
        }
        Ok(Invited::Invitation { invitation, link }) => {
            let notice = match link {
                Some(_) => format!(
                    "{} is invited as a {}. No mail server is configured, so the e-mail waits in \
                     the outbox: send them the link below yourself.",
                    invitation.email,
                    invitation.role.as_str()
                ),
                None => format!(
                    "{} is invited as a {}; the link went out by e-mail.",
                    invitation.email,
                    invitation.role.as_str()
                ),
            };
            let flash = Flash {
                notice: Some(notice),
                link,
                ..Flash::default()
            };
            answer(&state, &user, &slug, &csrf, StatusCode::OK, flash).await
        }
        Err(ServiceError::Invalid(errors)) => {
            let flash = Flash {
                errors,
                email: form.email,
                role: form.role,
                ..Flash::default()
            };
            answer(
                &state,
                &user,
                &slug,
                &csrf,
                StatusCode::UNPROCESSABLE_ENTITY,
                flash,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

fn member_id(id: &str) -> Option<UserId> {
    id.parse::<uuid::Uuid>().ok().map(UserId)
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub struct RoleForm {
    role: String,
}

/// Changes a member's role.
pub async fn role_form(
    State(state): State<AppState>,
    Path((slug, id)): Path<(String, String)>,
    CurrentUser(user): CurrentUser,
    Extension(csrf): Extension<CsrfToken>,
    CsrfForm(form): CsrfForm<RoleForm>,
) -> Result<Response, PageError> {
    let member = member_id(&id).ok_or_else(PageError::not_found)?;
    let done = members::set_role(&state, &user, &slug, member, &form.role).await;
    after_change(&state, &user, &slug, &csrf, id, done).await
}

/// Removes a member (someone who is not one any more: nothing to do).
pub async fn remove_form(
    State(state): State<AppState>,
    Path((slug, id)): Path<(String, String)>,
    CurrentUser(user): CurrentUser,
    Extension(csrf): Extension<CsrfToken>,
    CsrfForm(_): CsrfForm<IgnoredAny>,
) -> Result<Response, PageError> {
    let member = member_id(&id).ok_or_else(PageError::not_found)?;
    let done = members::remove(&state, &user, &slug, member).await;
    after_change(&state, &user, &slug, &csrf, id, done).await
}

/// The answer to a change of member `id`: back to the members page, or the page again
/// (422) with the refusal next to that member.
async fn after_change<T>(
    state: &AppState,
    user: &User,
    slug: &str,
    csrf: &CsrfToken,
    id: String,
    done: Result<T, ServiceError>,
) -> Result<Response, PageError> {
    match done {
        Ok(_) => Ok(Redirect::to(&format!("/inbox/{slug}/members")).into_response()),
        Err(ServiceError::Invalid(errors)) => {
            let flash = Flash {
                errors,
                target: Some(id),
                ..Flash::default()
            };
            answer(
                state,
                user,
                slug,
                csrf,
                StatusCode::UNPROCESSABLE_ENTITY,
                flash,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

/// Revokes a pending invitation (one revoked or used already: nothing to do).
pub async fn revoke_form(
    State(state): State<AppState>,
    Path((slug, id)): Path<(String, String)>,
    CurrentUser(user): CurrentUser,
    CsrfForm(_): CsrfForm<IgnoredAny>,
) -> Result<Response, PageError> {
    let id = id
        .parse::<uuid::Uuid>()
        .map_err(|_| PageError::not_found())?;
    members::revoke(&state, &user, &slug, id).await?;
    Ok(Redirect::to(&format!("/inbox/{slug}/members#invitations")).into_response())
}

// The invitation link ----------------------------------------------------------------------

fn render_join(
    token: &str,
    p: &Pending,
    user: Option<&User>,
    csrf: &CsrfToken,
    errors: &FieldErrors,
    failed: bool,
    name: &str,
) -> Result<Html<String>, PageError> {
    let invited = p.invitation.email.trim().to_lowercase();
    page(
        "join.html",
        minijinja::context! {
            title => "Invitation",
            token,
            email => p.invitation.email.clone(),
            role => p.invitation.role.as_str(),
            project => p.project.name.clone(),
            invited_by => p.invitation.invited_by_name.clone(),
            expires => human_time(p.invitation.expires_at),
            has_account => p.has_account,
            signed_in_as_invitee => user.is_some_and(|u| u.email.normalized() == invited),
            failed,
            name,
            errors => field_errors(errors),
            ..base(user, csrf)
        },
    )
}

/// The page behind an invitation's link; 404 once it is used, revoked or expired.
pub async fn join_page(
    State(state): State<AppState>,
    Path(token): Path<String>,
    user: Option<CurrentUser>,
    Extension(csrf): Extension<CsrfToken>,
) -> Result<Html<String>, PageError> {
    let p = members::pending(&state, &token).await?;
    let user = user.map(|u| u.0);
    render_join(
        &token,
        &p,
        user.as_ref(),
        &csrf,
        &FieldErrors::default(),
        false,
        "",
    )
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct JoinForm {
    name: String,
    password: String,
}

impl std::fmt::Debug for JoinForm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JoinForm")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

/// Accepts the invitation and opens the project's inbox.
pub async fn join_accept(
    State(state): State<AppState>,
    Path(token): Path<String>,
    user: Option<CurrentUser>,
    Extension(csrf): Extension<CsrfToken>,
    CsrfForm(form): CsrfForm<JoinForm>,
) -> Result<Response, PageError> {
    let user = user.map(|u| u.0);
    match members::accept(&state, &token, user.as_ref(), &form.name, &form.password).await {
        Ok(done) => {
            let to = format!("/inbox/{}", done.project_slug);
            Ok(match done.session {
                Some(session) => super::inbox::signed_in(&state, &session, &to),
                None => Redirect::to(&to).into_response(),
            })
        }
        Err(ServiceError::Invalid(errors)) => {
            let p = members::pending(&state, &token).await?;
            let html = render_join(&token, &p, user.as_ref(), &csrf, &errors, false, &form.name)?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, html).into_response())
        }
        Err(ServiceError::Unauthenticated) => {
            let p = members::pending(&state, &token).await?;
            let html = render_join(
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

// JSON API ---------------------------------------------------------------------------------

/// A member of a project.
#[derive(Debug, Serialize, ToSchema)]
pub struct MemberBody {
    #[schema(format = Uuid)]
    user_id: String,
    name: String,
    email: String,
    /// `maintainer` or `triager`.
    role: String,
    /// Since when they hold a role (unknown for members added before this was kept).
    since: Option<String>,
}

/// A pending invitation (never its link).
#[derive(Debug, Serialize, ToSchema)]
pub struct MemberInvitationBody {
    #[schema(format = Uuid)]
    id: String,
    email: String,
    role: String,
    invited_by: Option<String>,
    invited_at: String,
    expires_at: String,
}

/// The project's members and its pending invitations.
#[derive(Debug, Serialize, ToSchema)]
pub struct MembersBody {
    members: Vec<MemberBody>,
    invitations: Vec<MemberInvitationBody>,
}

/// What inviting did.
#[derive(Debug, Serialize, ToSchema)]
pub struct InvitedBody {
    /// `added` (the address has an account: a member now, told by e-mail) or `invited`
    /// (a single-use link went out by e-mail).
    outcome: String,
    member: Option<MemberBody>,
    invitation: Option<MemberInvitationBody>,
    /// The invitation's link, only when no SMTP server is configured (the e-mail waits in
    /// the outbox): pass it on yourself. Shown once, never stored.
    link: Option<String>,
}

/// An invitation by e-mail.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewMemberBody {
    email: String,
    /// `maintainer` or `triager`.
    role: String,
}

/// A member's new role.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RoleBody {
    /// `maintainer` or `triager`.
    role: String,
}

fn member_body(m: &store::Member) -> MemberBody {
    MemberBody {
        user_id: m.user.id.to_string(),
        name: m.user.name.clone(),
        email: m.user.email.as_str().to_owned(),
        role: m.role.as_str().to_owned(),
        since: m.since.map(|t| t.to_string()),
    }
}

fn invitation_body(i: &store::MemberInvitation) -> MemberInvitationBody {
    MemberInvitationBody {
        id: i.id.to_string(),
        email: i.email.clone(),
        role: i.role.as_str().to_owned(),
        invited_by: i.invited_by_name.clone(),
        invited_at: i.invited_at.to_string(),
        expires_at: i.expires_at.to_string(),
    }
}

/// The project's maintainers and triagers, and its pending invitations (the project's
/// members and administrators).
#[utoipa::path(
    get, path = "/projects/{slug}/members", tag = "members",
    params(("slug" = String, Path, description = "The project's slug")),
    security(("bearer" = [])),
    responses(
        (status = 200, body = MembersBody),
        (status = 401, body = super::error::ErrorEnvelope),
        (status = 403, description = "A reporter's token", body = super::error::ErrorEnvelope),
        (status = 404, description = "Unknown project, or not yours", body = super::error::ErrorEnvelope),
    )
)]
pub async fn api_list(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    caller: ApiCaller,
) -> Result<Json<MembersBody>, ApiError> {
    let user = caller.user()?;
    let m = members::list(&state, &user, &slug).await?;
    Ok(Json(MembersBody {
        members: m.members.iter().map(member_body).collect(),
        invitations: m.invitations.iter().map(invitation_body).collect(),
    }))
}

/// Invite someone by e-mail as a maintainer or triager (maintainers). An address with an
/// account becomes a member at once and is told by e-mail; any other gets a single-use
/// link (valid 14 days) to create the account or sign in.
#[utoipa::path(
    post, path = "/projects/{slug}/members", tag = "members",
    params(("slug" = String, Path, description = "The project's slug")),
    request_body = NewMemberBody,
    security(("bearer" = [])),
    responses(
        (status = 201, body = InvitedBody),
        (status = 401, body = super::error::ErrorEnvelope),
        (status = 403, description = "Your role may not manage members", body = super::error::ErrorEnvelope),
        (status = 404, description = "Unknown project, or not yours", body = super::error::ErrorEnvelope),
        (status = 422, description = "`email` or `role` is invalid, or the address is a member or invited already", body = super::error::ErrorEnvelope),
    )
)]
pub async fn api_invite(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    caller: ApiCaller,
    body: Result<ApiJson<NewMemberBody>, ApiError>,
) -> Result<(StatusCode, Json<InvitedBody>), ApiError> {
    let user = caller.user()?;
    let ApiJson(request) = body?;
    let done = members::invite(&state, &user, &slug, &request.email, &request.role).await?;
    let body = match done {
        Invited::Added(m) => InvitedBody {
            outcome: "added".into(),
            member: Some(member_body(&m)),
            invitation: None,
            link: None,
        },
        Invited::Invitation { invitation, link } => InvitedBody {
            outcome: "invited".into(),
            member: None,
            invitation: Some(invitation_body(&invitation)),
            link,
        },
    };
    Ok((StatusCode::CREATED, Json(body)))
}

fn api_member_id(id: &str) -> Result<UserId, ApiError> {
    member_id(id).ok_or_else(|| ApiError::from(ServiceError::NotFound("member")))
}

/// Change a member's role (maintainers). The project's last maintainer cannot become a
/// triager.
#[utoipa::path(
    put, path = "/projects/{slug}/members/{user_id}", tag = "members",
    params(
        ("slug" = String, Path, description = "The project's slug"),
        ("user_id" = String, Path, format = Uuid, description = "The member's user id"),
    ),
    request_body = RoleBody,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The member with the new role", body = RoleBody),
        (status = 401, body = super::error::ErrorEnvelope),
        (status = 403, description = "Your role may not manage members", body = super::error::ErrorEnvelope),
        (status = 404, description = "Unknown project or member, or not yours", body = super::error::ErrorEnvelope),
        (status = 422, description = "`role` is invalid, or the member is the last maintainer", body = super::error::ErrorEnvelope),
    )
)]
pub async fn api_set_role(
    State(state): State<AppState>,
    Path((slug, id)): Path<(String, String)>,
    caller: ApiCaller,
    body: Result<ApiJson<RoleBody>, ApiError>,
) -> Result<Json<RoleBody>, ApiError> {
    let user = caller.user()?;
    let ApiJson(request) = body?;
    let member = api_member_id(&id)?;
    let role = members::set_role(&state, &user, &slug, member, &request.role).await?;
    Ok(Json(RoleBody {
        role: role.as_str().to_owned(),
    }))
}

/// Remove a member (maintainers); removing someone who is not a member changes nothing.
/// The project's last maintainer cannot be removed.
#[utoipa::path(
    delete, path = "/projects/{slug}/members/{user_id}", tag = "members",
    params(
        ("slug" = String, Path, description = "The project's slug"),
        ("user_id" = String, Path, format = Uuid, description = "The member's user id"),
    ),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Not a member (any more)"),
        (status = 401, body = super::error::ErrorEnvelope),
        (status = 403, description = "Your role may not manage members", body = super::error::ErrorEnvelope),
        (status = 404, description = "Unknown project, or not yours", body = super::error::ErrorEnvelope),
        (status = 422, description = "The member is the last maintainer", body = super::error::ErrorEnvelope),
    )
)]
pub async fn api_remove(
    State(state): State<AppState>,
    Path((slug, id)): Path<(String, String)>,
    caller: ApiCaller,
) -> Result<StatusCode, ApiError> {
    let user = caller.user()?;
    let member = api_member_id(&id)?;
    members::remove(&state, &user, &slug, member).await?;
    Ok(StatusCode::NO_CONTENT)
}
