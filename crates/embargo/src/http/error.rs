//! Errors as responses: the JSON envelope of DESIGN.md §5 for the API, an HTML page for
//! the web UI. 5xx bodies are generic; the cause goes to the log only.

use super::templates::Templates;
use crate::services::ServiceError;
use axum::{
    Json,
    http::{StatusCode, header},
    response::{Html, IntoResponse, Redirect, Response},
};
use domain::FieldError;
use serde::Serialize;

/// An error of the JSON API: `{"error": {"code", "message", "field"?, "errors"?}}`.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    pub field: Option<String>,
    pub errors: Vec<FieldError>,
    /// Seconds to wait, sent as `Retry-After` (429, 503).
    pub retry_after: Option<u64>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorEnvelope {
    pub error: ErrorBody,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// Stable, machine-readable: `invalid`, `not_found`, `unauthenticated`, …
    pub code: String,
    pub message: String,
    /// The first offending field, when one is to blame.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// Every offending field, when several are.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldErrorBody>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct FieldErrorBody {
    pub field: String,
    pub message: String,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            field: None,
            errors: Vec::new(),
            retry_after: None,
        }
    }

    /// 429 for a request over a rate limit, with `Retry-After`.
    pub fn too_many(denied: &crate::limits::Denied) -> Self {
        Self {
            retry_after: Some(denied.retry_after_secs()),
            ..Self::new(
                StatusCode::TOO_MANY_REQUESTS,
                "rate_limited",
                denied.message(),
            )
        }
    }

    pub fn with_field(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }
}

impl From<ServiceError> for ApiError {
    fn from(e: ServiceError) -> Self {
        match e {
            ServiceError::Invalid(errors) => {
                let first = errors.first().cloned();
                ApiError {
                    status: StatusCode::UNPROCESSABLE_ENTITY,
                    code: "invalid",
                    message: first
                        .as_ref()
                        .map(|f| format!("{} {}", f.field, f.message))
                        .unwrap_or_default(),
                    field: first.map(|f| f.field),
                    errors: errors.0,
                    retry_after: None,
                }
            }
            ServiceError::NotFound(what) => ApiError::new(
                StatusCode::NOT_FOUND,
                "not_found",
                format!("{what} not found"),
            ),
            ServiceError::Unauthenticated => ApiError::new(
                StatusCode::UNAUTHORIZED,
                "unauthenticated",
                "a valid bearer token is required",
            ),
            ServiceError::Forbidden => ApiError::new(
                StatusCode::FORBIDDEN,
                "forbidden",
                "your role does not allow this",
            ),
            ServiceError::Conflict { code, message } => {
                ApiError::new(StatusCode::CONFLICT, code, message)
            }
            ServiceError::Internal(e) => {
                tracing::error!(error = %format!("{e:#}"), "internal error");
                ApiError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    "internal error; it was logged",
                )
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorEnvelope {
            error: ErrorBody {
                code: self.code.to_owned(),
                message: self.message,
                field: self.field,
                errors: if self.errors.len() > 1 {
                    self.errors
                        .into_iter()
                        .map(|e| FieldErrorBody {
                            field: e.field,
                            message: e.message,
                        })
                        .collect()
                } else {
                    Vec::new()
                },
            },
        };
        let mut response = (self.status, Json(body)).into_response();
        if let Some(secs) = self.retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, header::HeaderValue::from(secs));
        }
        if self.status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                header::HeaderValue::from_static("Bearer"),
            );
        }
        response
    }
}

/// An error of the web UI, shown as a page.
#[derive(Debug)]
pub enum PageError {
    Status {
        status: StatusCode,
        title: &'static str,
        message: String,
    },
    /// Not signed in: go to the sign-in page, then come back.
    Login { next: String },
    /// Over a rate limit: 429 with `Retry-After`.
    TooMany { message: String, retry_after: u64 },
}

impl PageError {
    pub fn new(status: StatusCode, title: &'static str, message: impl Into<String>) -> Self {
        Self::Status {
            status,
            title,
            message: message.into(),
        }
    }

    pub fn not_found() -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "Not found",
            "There is nothing at this address.",
        )
    }

    /// 429 for a request over a rate limit, with `Retry-After`.
    pub fn too_many(denied: &crate::limits::Denied) -> Self {
        let mut message = denied.message();
        if let Some(first) = message.get(..1) {
            message = first.to_uppercase() + &message[1..] + ".";
        }
        Self::TooMany {
            message,
            retry_after: denied.retry_after_secs(),
        }
    }

    pub fn csrf() -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "Request refused",
            "The form's security token was missing or expired. Go back, reload the page and send it again.",
        )
    }
}

impl From<ServiceError> for PageError {
    fn from(e: ServiceError) -> Self {
        match e {
            ServiceError::Invalid(errors) => PageError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "Invalid input",
                errors
                    .first()
                    .map(|f| format!("{} {}", f.field, f.message))
                    .unwrap_or_default(),
            ),
            ServiceError::NotFound(_) => PageError::not_found(),
            ServiceError::Unauthenticated => PageError::Login {
                next: "/inbox".into(),
            },
            ServiceError::Forbidden => PageError::new(
                StatusCode::FORBIDDEN,
                "Not allowed",
                "Your role does not allow this.",
            ),
            ServiceError::Conflict { message, .. } => {
                PageError::new(StatusCode::CONFLICT, "Conflict", message)
            }
            ServiceError::Internal(e) => {
                tracing::error!(error = %format!("{e:#}"), "internal error");
                PageError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "Something went wrong",
                    "The error was logged. Please try again later.",
                )
            }
        }
    }
}

impl From<anyhow::Error> for PageError {
    fn from(e: anyhow::Error) -> Self {
        ServiceError::Internal(e).into()
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        match self {
            PageError::Login { next } => {
                let next = if next.starts_with('/') && !next.starts_with("//") {
                    next
                } else {
                    "/inbox".into()
                };
                let query = serde_urlencoded::to_string([("next", next)]).unwrap_or_default();
                Redirect::to(&format!("/login?{query}")).into_response()
            }
            PageError::Status {
                status,
                title,
                message,
            } => error_page(status, title, &message),
            PageError::TooMany {
                message,
                retry_after,
            } => {
                let mut response =
                    error_page(StatusCode::TOO_MANY_REQUESTS, "Too many requests", &message);
                response
                    .headers_mut()
                    .insert(header::RETRY_AFTER, header::HeaderValue::from(retry_after));
                response
            }
        }
    }
}

fn error_page(status: StatusCode, title: &str, message: &str) -> Response {
    let html = Templates::global()
        .render("error.html", minijinja::context! { title, message })
        .unwrap_or_else(|_| "<!doctype html><title>Error</title><p>Error.</p>".to_owned());
    (status, Html(html)).into_response()
}
