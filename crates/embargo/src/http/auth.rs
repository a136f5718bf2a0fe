//! Who is calling: a signed-in maintainer (session cookie), an API client (bearer token:
//! a maintainer's API token or a reporter's tracking token), or nobody.

use super::error::{ApiError, PageError};
use crate::{AppState, services::accounts, tokens};
use axum::{
    extract::{FromRequestParts, OptionalFromRequestParts},
    http::{StatusCode, header, request::Parts},
};
use domain::account::User;

pub const SESSION_COOKIE: &str = "embargo_session";

async fn session(parts: &Parts, state: &AppState) -> Result<Option<User>, PageError> {
    let Some(token) = super::csrf::cookie(&parts.headers, SESSION_COOKIE) else {
        return Ok(None);
    };
    if !token.starts_with(tokens::SESSION) {
        return Ok(None);
    }
    Ok(accounts::session_user(state, token).await?)
}

/// A signed-in user; pages that need one send others to the sign-in page.
#[derive(Debug, Clone)]
pub struct CurrentUser(pub User);

impl FromRequestParts<AppState> for CurrentUser {
    type Rejection = PageError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        match session(parts, state).await? {
            Some(user) => Ok(CurrentUser(user)),
            None => Err(PageError::Login {
                next: if parts.method == axum::http::Method::GET {
                    parts.uri.path().to_owned()
                } else {
                    "/inbox".into()
                },
            }),
        }
    }
}

impl OptionalFromRequestParts<AppState> for CurrentUser {
    type Rejection = PageError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Option<Self>, Self::Rejection> {
        Ok(session(parts, state).await?.map(CurrentUser))
    }
}

/// A caller of the JSON API, by `Authorization: Bearer`.
#[derive(Debug, Clone)]
pub enum ApiCaller {
    /// A maintainer's (or administrator's) API token.
    User(User),
    /// A reporter's tracking token: grants their own report only.
    Reporter(String),
}

impl FromRequestParts<AppState> for ApiCaller {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let unauthenticated = || {
            ApiError::new(
                StatusCode::UNAUTHORIZED,
                "unauthenticated",
                "a valid bearer token is required",
            )
        };
        let value = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .ok_or_else(unauthenticated)?;
        let token = value
            .strip_prefix("Bearer ")
            .or_else(|| value.strip_prefix("bearer "))
            .map(str::trim)
            .ok_or_else(unauthenticated)?;
        if token.starts_with(tokens::TRACKING) {
            return Ok(ApiCaller::Reporter(token.to_owned()));
        }
        match accounts::api_token_user(state, token).await? {
            Some(user) => {
                // All of an account's tokens share one allowance.
                state
                    .limits
                    .api_account(&user.id.to_string())
                    .map_err(|denied| ApiError::too_many(&denied))?;
                Ok(ApiCaller::User(user))
            }
            None => Err(unauthenticated()),
        }
    }
}

impl ApiCaller {
    /// The maintainer behind the token; reporters' tokens are refused.
    pub fn user(self) -> Result<User, ApiError> {
        match self {
            ApiCaller::User(u) => Ok(u),
            ApiCaller::Reporter(_) => Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "forbidden",
                "a maintainer's API token is required",
            )),
        }
    }
}
