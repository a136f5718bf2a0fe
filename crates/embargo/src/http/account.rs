//! The account page (`/account`): password change, the user's sessions and API tokens;
//! the password-reset pages (`/password/forgot`, `/password/reset/{reset}`); and the
//! API's `/me/tokens`.

use super::extract::CsrfForm;
use super::limits::ClientIp;
use super::{
    auth::{ApiCaller, CurrentUser, SESSION_COOKIE},
    csrf::{self, CsrfToken},
    error::{ApiError, PageError},
    human_time,
    templates::{base, field_errors, page},
};
use crate::{
    AppState,
    services::{ServiceError, accounts},
};
use axum::{
    Extension, Json,
    extract::{Path, Query, State},
    http::{HeaderMap, StatusCode, header},
    response::{Html, IntoResponse, Redirect, Response},
};
use domain::{FieldErrors, account::User};
use serde::{Deserialize, Serialize, de::IgnoredAny};
use std::collections::BTreeMap;

fn session_token(headers: &HeaderMap) -> Option<&str> {
    csrf::cookie(headers, SESSION_COOKIE)
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub struct AccountQuery {
    /// Which fixed notice to show after a redirect (never text from the query itself).
    done: Option<String>,
}

fn notice(done: Option<&str>) -> &'static str {
    match done {
        Some("password") => "Your password was changed. Your other sessions were signed out.",
        Some("session") => "The session was signed out.",
        Some("sessions") => "Every other session was signed out.",
        Some("token") => "The API token was revoked.",
        _ => "",
    }
}

/// What the account page shows besides the user's own data.
#[derive(Default)]
struct Extra {
    errors: BTreeMap<String, String>,
    notice: &'static str,
    /// A token just issued, shown this once.
    new_token: Option<String>,
    token_name: String,
}

async fn account_html(
    state: &AppState,
    user: &User,
    headers: &HeaderMap,
    csrf: &CsrfToken,
    extra: Extra,
) -> Result<Html<String>, PageError> {
    let sessions: Vec<_> = accounts::sessions(state, user, session_token(headers))
        .await?
        .into_iter()
        .map(|s| {
            minijinja::context! {
                id => s.id, created => human_time(s.created_at),
                expires => human_time(s.expires_at), current => s.current,
            }
        })
        .collect();
    let tokens: Vec<_> = accounts::api_tokens(state, user)
        .await?
        .into_iter()
        .map(|t| {
            minijinja::context! {
                id => t.id.to_string(), name => t.name, created => human_time(t.created_at),
                last_used => t.last_used_at.map(human_time),
            }
        })
        .collect();
    page(
        "account.html",
        minijinja::context! {
            title => "Your account",
            name => user.name.clone(),
            email => user.email.as_str(),
            sessions,
            tokens,
            errors => extra.errors,
            notice => extra.notice,
            new_token => extra.new_token,
            token_name => extra.token_name,
            ..base(Some(user), csrf)
        },
    )
}

pub async fn account_page(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    headers: HeaderMap,
    Query(q): Query<AccountQuery>,
    Extension(csrf): Extension<CsrfToken>,
) -> Result<Html<String>, PageError> {
    let extra = Extra {
        notice: notice(q.done.as_deref()),
        ..Extra::default()
    };
    account_html(&state, &user, &headers, &csrf, extra).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct PasswordForm {
    current_password: String,
    new_password: String,
}

impl std::fmt::Debug for PasswordForm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PasswordForm").finish_non_exhaustive()
    }
}

/// The account page again, with the form's errors beside their fields.
async fn again(
    state: &AppState,
    user: &User,
    headers: &HeaderMap,
    csrf: &CsrfToken,
    status: StatusCode,
    errors: FieldErrors,
) -> Result<Response, PageError> {
    let extra = Extra {
        errors: field_errors(&errors),
        ..Extra::default()
    };
    let html = account_html(state, user, headers, csrf, extra).await?;
    Ok((status, html).into_response())
}

/// Changes the password. The current password is checked under the sign-in limits (the
/// account's address as the key), before argon2 runs.
pub async fn change_password(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    ClientIp(client): ClientIp,
    headers: HeaderMap,
    Extension(csrf): Extension<CsrfToken>,
    CsrfForm(form): CsrfForm<PasswordForm>,
) -> Result<Response, PageError> {
    let account = user.email.as_str().to_owned();
    if let Err(denied) = state.limits.sign_in(client, &account) {
        tracing::warn!(%client, "password change refused by the sign-in limit");
        let mut errors = FieldErrors::default();
        errors.push(
            "current_password",
            format!("too many attempts: try again in {}", denied.wait_text()),
        );
        let mut response = again(
            &state,
            &user,
            &headers,
            &csrf,
            StatusCode::TOO_MANY_REQUESTS,
            errors,
        )
        .await?;
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, denied.retry_after_secs().into());
        return Ok(response);
    }
    let result = accounts::change_password(
        &state,
        &user,
        session_token(&headers),
        &form.current_password,
        &form.new_password,
    )
    .await;
    match result {
        Ok(()) => {
            state.limits.sign_in_succeeded(&account);
            Ok(Redirect::to("/account?done=password").into_response())
        }
        Err(ServiceError::Invalid(errors)) => {
            if errors.0.iter().any(|e| e.field == "current_password") {
                state.limits.sign_in_failed(&account);
            }
            again(
                &state,
                &user,
                &headers,
                &csrf,
                StatusCode::UNPROCESSABLE_ENTITY,
                errors,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

/// Signs out one of the user's sessions (one that is not theirs, or ended already: nothing
/// to do).
pub async fn revoke_session(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(session): Path<String>,
    CsrfForm(_): CsrfForm<IgnoredAny>,
) -> Result<Response, PageError> {
    accounts::revoke_session(&state, &user, &session).await?;
    Ok(Redirect::to("/account?done=session").into_response())
}

/// Signs out every session of the user but this one.
pub async fn revoke_other_sessions(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    headers: HeaderMap,
    CsrfForm(_): CsrfForm<IgnoredAny>,
) -> Result<Response, PageError> {
    accounts::revoke_other_sessions(&state, &user, session_token(&headers)).await?;
    Ok(Redirect::to("/account?done=sessions").into_response())
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub struct TokenForm {
    name: String,
}

/// Issues an API token and shows it once, on the page itself (never in a URL).
pub async fn create_token(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    headers: HeaderMap,
    Extension(csrf): Extension<CsrfToken>,
    CsrfForm(form): CsrfForm<TokenForm>,
) -> Result<Response, PageError> {
    match accounts::issue_api_token(&state, &user, &form.name).await {
        Ok(token) => {
            let extra = Extra {
                new_token: Some(token),
                ..Extra::default()
            };
            let html = account_html(&state, &user, &headers, &csrf, extra).await?;
            Ok((StatusCode::CREATED, html).into_response())
        }
        Err(ServiceError::Invalid(errors)) => {
            let extra = Extra {
                errors: field_errors(&errors),
                token_name: form.name,
                ..Extra::default()
            };
            let html = account_html(&state, &user, &headers, &csrf, extra).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, html).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

/// Revokes one of the user's API tokens (one that is not theirs: nothing to do).
pub async fn revoke_token(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Path(token_id): Path<String>,
    CsrfForm(_): CsrfForm<IgnoredAny>,
) -> Result<Response, PageError> {
    match accounts::revoke_api_token(&state, &user, &token_id).await {
        Ok(()) | Err(ServiceError::NotFound(_)) => {
            Ok(Redirect::to("/account?done=token").into_response())
        }
        Err(e) => Err(e.into()),
    }
}

// Password reset -----------------------------------------------------------------------

pub async fn forgot_page(Extension(csrf): Extension<CsrfToken>) -> Result<Html<String>, PageError> {
    page(
        "password_forgot.html",
        minijinja::context! {
            title => "Reset your password", email => "", sent => false,
            errors => BTreeMap::<String, String>::new(), ..base(None, &csrf)
        },
    )
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub struct ForgotForm {
    email: String,
}

/// Mails a reset link if the address has an account; the answer is the same either way.
pub async fn forgot(
    State(state): State<AppState>,
    ClientIp(client): ClientIp,
    Extension(csrf): Extension<CsrfToken>,
    CsrfForm(form): CsrfForm<ForgotForm>,
) -> Result<Response, PageError> {
    let answer = |status: StatusCode, sent: bool, errors: BTreeMap<String, String>| {
        let html = page(
            "password_forgot.html",
            minijinja::context! {
                title => "Reset your password", email => form.email.clone(), sent, errors,
                ..base(None, &csrf)
            },
        )?;
        Ok::<_, PageError>((status, html).into_response())
    };
    if let Err(denied) = state.limits.password_reset(client, &form.email) {
        tracing::warn!(%client, "password reset refused by its rate limit");
        let errors = BTreeMap::from([(
            "email".to_owned(),
            format!("Too many requests: try again in {}.", denied.wait_text()),
        )]);
        let mut response = answer(StatusCode::TOO_MANY_REQUESTS, false, errors)?;
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, denied.retry_after_secs().into());
        return Ok(response);
    }
    match accounts::request_password_reset(&state, &form.email).await {
        Ok(()) => answer(StatusCode::OK, true, BTreeMap::new()),
        Err(ServiceError::Invalid(errors)) => answer(
            StatusCode::UNPROCESSABLE_ENTITY,
            false,
            field_errors(&errors),
        ),
        Err(e) => Err(e.into()),
    }
}

pub async fn reset_page(
    State(state): State<AppState>,
    Path(reset): Path<String>,
    Extension(csrf): Extension<CsrfToken>,
) -> Result<Html<String>, PageError> {
    let user = match accounts::reset_link_user(&state, &reset).await {
        Ok(user) => user,
        Err(ServiceError::NotFound(_)) => return Err(PageError::not_found()),
        Err(e) => return Err(e.into()),
    };
    page(
        "password_reset.html",
        minijinja::context! {
            title => "Choose a new password", token => reset, email => user.email.as_str(),
            errors => BTreeMap::<String, String>::new(), ..base(None, &csrf)
        },
    )
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ResetForm {
    password: String,
}

impl std::fmt::Debug for ResetForm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ResetForm").finish_non_exhaustive()
    }
}

/// Sets the new password (the link then stops working) and sends the user to sign in.
pub async fn reset(
    State(state): State<AppState>,
    Path(reset): Path<String>,
    Extension(csrf): Extension<CsrfToken>,
    CsrfForm(form): CsrfForm<ResetForm>,
) -> Result<Response, PageError> {
    match accounts::complete_password_reset(&state, &reset, &form.password).await {
        Ok(_) => Ok(Redirect::to("/login?reset=done").into_response()),
        Err(ServiceError::Invalid(errors)) => {
            let user = accounts::reset_link_user(&state, &reset).await?;
            let html = page(
                "password_reset.html",
                minijinja::context! {
                    title => "Choose a new password", token => reset,
                    email => user.email.as_str(), errors => field_errors(&errors),
                    ..base(None, &csrf)
                },
            )?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, html).into_response())
        }
        Err(ServiceError::NotFound(_)) => Err(PageError::not_found()),
        Err(e) => Err(e.into()),
    }
}

// API ----------------------------------------------------------------------------------

/// One of your API tokens (never the token itself).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ApiTokenBody {
    #[schema(format = Uuid)]
    pub id: String,
    pub name: String,
    #[schema(format = DateTime)]
    pub created_at: String,
    /// When it was last used (to the minute); null when never.
    #[schema(format = DateTime)]
    pub last_used_at: Option<String>,
}

/// Your API tokens, newest first.
#[utoipa::path(
    get, path = "/me/tokens", tag = "account",
    security(("bearer" = [])),
    responses(
        (status = 200, body = [ApiTokenBody]),
        (status = 401, body = super::error::ErrorEnvelope),
        (status = 403, description = "A reporter's token", body = super::error::ErrorEnvelope),
    )
)]
pub async fn api_tokens(
    State(state): State<AppState>,
    caller: ApiCaller,
) -> Result<Json<Vec<ApiTokenBody>>, ApiError> {
    let user = caller.user()?;
    let list = accounts::api_tokens(&state, &user).await?;
    Ok(Json(
        list.into_iter()
            .map(|t| ApiTokenBody {
                id: t.id.to_string(),
                name: t.name,
                created_at: t.created_at.to_string(),
                last_used_at: t.last_used_at.map(|at| at.to_string()),
            })
            .collect(),
    ))
}

/// Revoke one of your API tokens (the one making the request too); it stops working at
/// once. Audited.
#[utoipa::path(
    delete, path = "/me/tokens/{token_id}", tag = "account",
    params(("token_id" = String, Path, format = Uuid, description = "The token's id")),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Revoked"),
        (status = 401, body = super::error::ErrorEnvelope),
        (status = 403, description = "A reporter's token", body = super::error::ErrorEnvelope),
        (status = 404, description = "Not one of your tokens", body = super::error::ErrorEnvelope),
        (status = 422, description = "`token_id` is not a UUID", body = super::error::ErrorEnvelope),
    )
)]
pub async fn api_revoke_token(
    State(state): State<AppState>,
    Path(token_id): Path<String>,
    caller: ApiCaller,
) -> Result<StatusCode, ApiError> {
    let user = caller.user()?;
    if uuid::Uuid::parse_str(&token_id).is_err() {
        return Err(ServiceError::field("token_id", "is not a UUID").into());
    }
    accounts::revoke_api_token(&state, &user, &token_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Which user to disable, by address.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct DisableUserBody {
    pub email: String,
}

/// The outcome of disabling a user.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DisabledUserBody {
    pub email: String,
    /// False when the user was disabled already.
    pub changed: bool,
}

/// Disable a user (administrators): they cannot sign in, and their sessions and API tokens
/// stop working at once. Audited `user.disable`. Administrators cannot disable themselves.
#[utoipa::path(
    post, path = "/users/disable", tag = "account",
    request_body = DisableUserBody,
    security(("bearer" = [])),
    responses(
        (status = 200, body = DisabledUserBody),
        (status = 401, body = super::error::ErrorEnvelope),
        (status = 403, description = "Not an administrator", body = super::error::ErrorEnvelope),
        (status = 422, description = "`email` is no user's address, or your own", body = super::error::ErrorEnvelope),
    )
)]
pub async fn api_disable_user(
    State(state): State<AppState>,
    caller: ApiCaller,
    body: Result<super::extract::ApiJson<DisableUserBody>, ApiError>,
) -> Result<Json<DisabledUserBody>, ApiError> {
    let user = caller.user()?;
    if !user.is_admin {
        return Err(ServiceError::Forbidden.into());
    }
    let super::extract::ApiJson(input) = body?;
    if input.email.trim().eq_ignore_ascii_case(user.email.as_str()) {
        return Err(ServiceError::field("email", "is your own account").into());
    }
    let changed =
        accounts::disable_user(&state, &input.email, domain::audit::user_actor(user.id)).await?;
    Ok(Json(DisabledUserBody {
        email: input.email.trim().to_owned(),
        changed,
    }))
}
