//! Rate limits at the doors ([`crate::limits`]): the client's address for every request,
//! and the per-address limits of tracking links, one-time links and API tokens, checked
//! before a handler runs. Report intake and sign-in check theirs in their handlers, which
//! know the reporter's address or the account and answer a form with its values kept.

use super::error::{ApiError, PageError};
use crate::AppState;
use axum::{
    extract::{ConnectInfo, FromRequestParts, Request, State},
    http::{header, request::Parts},
    middleware::Next,
    response::{IntoResponse, Response},
};
use std::{
    convert::Infallible,
    net::{IpAddr, Ipv4Addr, SocketAddr},
};

/// The client's address: the connection's peer, or what trusted proxies say of it
/// (`[limits] trusted_proxies`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientIp(pub IpAddr);

impl ClientIp {
    fn of(
        parts_extensions: &axum::http::Extensions,
        headers: &axum::http::HeaderMap,
        state: &AppState,
    ) -> ClientIp {
        if let Some(known) = parts_extensions.get::<ClientIp>() {
            return *known;
        }
        let peer = parts_extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |c| c.0.ip());
        let forwarded = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok());
        ClientIp(state.limits.client(peer, forwarded))
    }
}

impl FromRequestParts<AppState> for ClientIp {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Infallible> {
        Ok(ClientIp::of(&parts.extensions, &parts.headers, state))
    }
}

/// Finds the client's address once, and refuses a request over its door's limit.
pub async fn layer(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let client = ClientIp::of(request.extensions(), request.headers(), &state);
    request.extensions_mut().insert(client);
    let path = request.uri().path();
    let api = path.starts_with("/api/");
    let verdict = if path.starts_with("/track/") {
        state.limits.tracking(client.0)
    } else if path.starts_with("/setup/")
        || path.starts_with("/invitations/")
        || path.starts_with("/password/reset/")
        || path.starts_with("/join/")
    {
        state.limits.links(client.0)
    } else if api && request.headers().contains_key(header::AUTHORIZATION) {
        state.limits.api_client(client.0)
    } else {
        Ok(())
    };
    match verdict {
        Ok(()) => next.run(request).await,
        Err(denied) if api => ApiError::too_many(&denied).into_response(),
        Err(denied) => PageError::too_many(&denied).into_response(),
    }
}
