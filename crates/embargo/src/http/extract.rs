//! Extractors that do, once, what every handler of a kind must do: a form post's CSRF
//! check ([`CsrfForm`]), an API body's JSON parsing into the error envelope ([`ApiJson`]),
//! and a report page's project, report and role ([`ReportPage`]). A handler that takes one
//! cannot forget the step.

use super::{
    api::typed,
    auth::CurrentUser,
    csrf::{self, CsrfToken},
    error::{ApiError, PageError},
    intake::parse_form,
};
use crate::{
    AppState,
    services::{ServiceError, reports},
};
use axum::{
    body::Bytes,
    extract::{
        FromRequest, FromRequestParts, OptionalFromRequest, Path, Request,
        rejection::BytesRejection,
    },
    http::{HeaderMap, StatusCode, header, request::Parts},
};
use serde::de::{DeserializeOwned, IgnoredAny};

/// The form field that carries the CSRF token.
const TOKEN_FIELD: &str = "csrf_token";

/// An `application/x-www-form-urlencoded` form whose `csrf_token` field matched the
/// request's CSRF cookie. A body that is not a form is refused as [`parse_form`] does (400,
/// or 413 over the limit); a missing or wrong token with the CSRF page (403).
#[derive(Debug, Clone)]
pub struct CsrfForm<T>(pub T);

impl<S, T> FromRequest<S> for CsrfForm<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = PageError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let expected = request.extensions().get::<CsrfToken>().cloned();
        let body = Bytes::from_request(request, state).await;
        let bytes = match body {
            Ok(bytes) => bytes,
            Err(e) => {
                return Err(parse_form::<IgnoredAny>(Err(e))
                    .err()
                    .unwrap_or_else(PageError::csrf));
            }
        };
        let form: T = parse_form(Ok(bytes.clone()))?;
        let fields: Vec<(String, String)> = parse_form(Ok(bytes))?;
        let submitted = fields
            .iter()
            .find(|(name, _)| name == TOKEN_FIELD)
            .map(|(_, value)| value.as_str());
        // The CSRF layer hands every request a token; without one nothing can match.
        let expected = expected.ok_or_else(PageError::csrf)?;
        csrf::check(&expected, submitted)?;
        Ok(CsrfForm(form))
    }
}

/// A JSON request body as `T`. Refusals are the API's error envelope: 413 over the size
/// limit, 415 without a JSON content type, 400 when it is not JSON (or not UTF-8), 422
/// naming the field when the JSON has the wrong shape.
#[derive(Debug, Clone)]
pub struct ApiJson<T>(pub T);

impl<S, T> FromRequest<S> for ApiJson<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let headers = request.headers().clone();
        let body = Bytes::from_request(request, state).await;
        json_body(&headers, body).map(ApiJson)
    }
}

/// An optional JSON body: none when the body is empty, else as [`ApiJson`].
impl<S, T> OptionalFromRequest<S> for ApiJson<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Option<Self>, Self::Rejection> {
        let headers = request.headers().clone();
        let body = Bytes::from_request(request, state).await;
        if body.as_ref().is_ok_and(Bytes::is_empty) {
            return Ok(None);
        }
        json_body(&headers, body).map(|v| Some(ApiJson(v)))
    }
}

fn json_body<T: DeserializeOwned>(
    headers: &HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<T, ApiError> {
    let body = body.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "too_large",
                "the request body is larger than this server accepts",
            )
        } else {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                "bad_request",
                "the request body could not be read",
            )
        }
    })?;
    let json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("application/json"));
    if !json {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "send Content-Type: application/json",
        ));
    }
    let value: serde_json::Value = serde_json::from_slice(&body).map_err(|e| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_json",
            format!("the body is not valid JSON: {e}"),
        )
    })?;
    typed(value)
}

/// A report page of the web UI (`/inbox/{slug}/reports/{number}/…`): the signed-in user,
/// the report with its project, and the user's role for it. An unknown project or report,
/// or one the user may not read, is 404 (as [`reports::by_number_with_role`] decides);
/// not being signed in sends them to the sign-in page.
#[derive(Debug)]
pub struct ReportPage {
    pub user: domain::account::User,
    pub view: reports::ReportView,
    pub role: domain::account::Role,
}

impl FromRequestParts<AppState> for ReportPage {
    type Rejection = PageError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let CurrentUser(user) = CurrentUser::from_request_parts(parts, state).await?;
        let Path(params) = Path::<Vec<(String, String)>>::from_request_parts(parts, state)
            .await
            .map_err(|_| PageError::not_found())?;
        let param = |name: &str| {
            params
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.as_str())
        };
        let slug = param("slug").ok_or_else(PageError::not_found)?;
        let number: i64 = param("number")
            .and_then(|n| n.parse().ok())
            .ok_or(ServiceError::NotFound("report"))?;
        let (view, role) = reports::by_number_with_role(state, &user, slug, number).await?;
        Ok(ReportPage { user, view, role })
    }
}
