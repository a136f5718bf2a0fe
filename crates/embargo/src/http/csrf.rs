//! Cross-site request forgery defence for the web UI, in two layers:
//!
//! 1. Every state-changing request that is not part of the bearer-token API must come from
//!    our own pages: `Sec-Fetch-Site` other than `same-origin`, or (without it) a foreign
//!    `Origin`, is refused (403).
//! 2. Every form carries a token that must equal the `embargo_csrf` cookie (double submit;
//!    the cookie is `SameSite=Strict` and `HttpOnly`, so another site can neither send nor
//!    read it). Form handlers take their form as [`super::extract::CsrfForm`], which parses
//!    it and calls [`check`], so none can forget it.

use super::error::PageError;
use crate::{AppState, tokens};
use axum::{
    extract::{Request, State},
    http::{HeaderMap, HeaderValue, Method, header},
    middleware::Next,
    response::{IntoResponse, Response},
};

pub const COOKIE: &str = "embargo_csrf";

/// The CSRF token for this request's forms.
#[derive(Debug, Clone)]
pub struct CsrfToken(pub String);

/// Reads a cookie from the request headers.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// A `Set-Cookie` value with our defaults: `Path=/`, `HttpOnly`, `Secure` behind TLS.
pub fn set_cookie(
    name: &str,
    value: &str,
    secure: bool,
    same_site: cookie::SameSite,
    max_age: Option<i64>,
) -> Option<HeaderValue> {
    let mut c = cookie::Cookie::build((name, value))
        .path("/")
        .http_only(true)
        .same_site(same_site)
        .secure(secure);
    if let Some(secs) = max_age {
        c = c.max_age(cookie::time::Duration::seconds(secs));
    }
    HeaderValue::from_str(&c.build().to_string()).ok()
}

/// Whether a write comes from our own pages, as Go's `CrossOriginProtection` decides: a
/// browser's `Sec-Fetch-Site` first (only `same-origin`, or `none` for the user's own action,
/// passes), else `Origin` against `Host`. `Origin` alone cannot be trusted to be present and
/// exact: our pages set `Referrer-Policy: no-referrer`, under which browsers send
/// `Origin: null` with same-origin form posts.
fn same_origin(state: &AppState, headers: &HeaderMap) -> bool {
    match headers.get("sec-fetch-site").map(HeaderValue::to_str) {
        Some(Ok("same-origin" | "none")) => return true,
        Some(_) => return false,
        None => {}
    }
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        return true; // Old browsers and non-browser clients; the token check still applies.
    };
    if origin == state.public_url {
        return true;
    }
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let scheme = if state.secure_cookies() {
        "https"
    } else {
        "http"
    };
    !host.is_empty() && origin == format!("{scheme}://{host}")
}

/// Middleware: refuses cross-site writes and hands every request a token for its forms.
pub async fn layer(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let unsafe_method = !matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    );
    let api = request.uri().path().starts_with("/api/");
    if unsafe_method && !api && !same_origin(&state, request.headers()) {
        tracing::warn!("cross-site form post refused");
        return PageError::csrf().into_response();
    }
    let existing = cookie(request.headers(), COOKIE)
        .filter(|t| t.starts_with(tokens::CSRF) && t.len() == tokens::CSRF.len() + 43)
        .map(str::to_owned);
    let (token, fresh) = match existing {
        Some(t) => (t, false),
        None => (tokens::generate(tokens::CSRF), true),
    };
    request.extensions_mut().insert(CsrfToken(token.clone()));
    let mut response = next.run(request).await;
    if fresh
        && !api
        && let Some(v) = set_cookie(
            COOKIE,
            &token,
            state.secure_cookies(),
            cookie::SameSite::Strict,
            None,
        )
    {
        response.headers_mut().append(header::SET_COOKIE, v);
    }
    response
}

/// The form's token must match the cookie's.
pub fn check(expected: &CsrfToken, submitted: Option<&str>) -> Result<(), PageError> {
    match submitted {
        Some(s) if tokens::constant_time_eq(&expected.0, s) => Ok(()),
        _ => {
            tracing::warn!("form post without a valid CSRF token refused");
            Err(PageError::csrf())
        }
    }
}
