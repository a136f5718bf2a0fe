//! Every route of the server, and the layers around them.

use super::{
    account, advisories, api, audit, collaborators, csrf, dashboard, deadlines, filters, inbox,
    intake, junk, limits, mail_log, members, openapi, outcomes, public, sources, webhooks,
};
use crate::AppState;
use axum::{
    Router,
    extract::{DefaultBodyLimit, MatchedPath, Request},
    http::{HeaderName, HeaderValue, StatusCode, header},
    middleware,
    response::IntoResponse,
    routing::{get, post},
};
use std::time::Duration;
use tower_http::{
    catch_panic::CatchPanicLayer,
    request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer},
    sensitive_headers::SetSensitiveHeadersLayer,
    set_header::SetResponseHeaderLayer,
    timeout::TimeoutLayer,
    trace::TraceLayer,
};
use utoipa_axum::{router::OpenApiRouter, routes};

/// Largest request body: a report at its field limits, form-encoded, fits.
pub const BODY_LIMIT: usize = 1024 * 1024;

/// No scripts at all; styles from our own stylesheet; forms post only to us; no framing.
pub const CSP: &str = "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; \
                       frame-ancestors 'none'; base-uri 'none'";

pub fn router(state: AppState) -> Router {
    let request_id = HeaderName::from_static("x-request-id");
    let (api, _) = api_routes().split_for_parts();
    let mut router = Router::new()
        // Public
        .route("/", get(public::home))
        .route("/healthz", get(public::healthz))
        .route("/static/style.css", get(public::stylesheet))
        .route(
            "/.well-known/security.txt",
            get(public::instance_security_txt),
        )
        .route("/p/{slug}/policy", get(public::policy_page))
        .route("/p/{slug}/SECURITY.md", get(public::security_md_file))
        .route("/p/{slug}/security.txt", get(public::project_security_txt))
        .route("/security.txt", get(public::legacy_security_txt))
        .route("/p/{slug}/pgp-key.asc", get(public::openpgp_key))
        .route("/p/{slug}/signing-key.asc", get(public::signing_key))
        .route("/.well-known/openpgpkey/policy", get(public::wkd_policy))
        .route("/.well-known/openpgpkey/hu/{hash}", get(public::wkd_direct))
        .route(
            "/.well-known/openpgpkey/{domain}/policy",
            get(public::wkd_policy),
        )
        .route(
            "/.well-known/openpgpkey/{domain}/hu/{hash}",
            get(public::wkd_advanced),
        )
        // Advisories (published only)
        .route("/p/{slug}/advisories", get(advisories::public_list))
        .route("/p/{slug}/advisories.atom", get(advisories::atom_feed))
        .route(
            "/p/{slug}/advisories/release-notes",
            get(advisories::release_notes),
        )
        .route(
            "/p/{slug}/advisories/{file}",
            get(advisories::public_advisory),
        )
        .route(
            "/.well-known/csaf/provider-metadata.json",
            get(advisories::csaf_provider_metadata),
        )
        .route(
            "/.well-known/csaf/white/index.txt",
            get(advisories::csaf_index),
        )
        .route(
            "/.well-known/csaf/white/changes.csv",
            get(advisories::csaf_changes),
        )
        .route(
            "/.well-known/csaf/white/{year}/{file}",
            get(advisories::csaf_document),
        )
        // Reporters
        .route(
            "/p/{slug}/report",
            get(intake::report_form).post(intake::submit_report),
        )
        .route("/track/{token}", get(intake::track))
        .route("/track/{token}/messages", post(intake::track_message))
        // Maintainers
        .route("/login", get(inbox::login_page).post(inbox::login))
        .route("/logout", post(inbox::logout))
        .route("/setup/{token}", get(inbox::setup_page).post(inbox::setup))
        .route(
            "/password/forgot",
            get(account::forgot_page).post(account::forgot),
        )
        .route(
            "/password/reset/{reset}",
            get(account::reset_page).post(account::reset),
        )
        .route("/account", get(account::account_page))
        .route("/account/password", post(account::change_password))
        .route(
            "/account/sessions/{session}/revoke",
            post(account::revoke_session),
        )
        .route(
            "/account/sessions/revoke-others",
            post(account::revoke_other_sessions),
        )
        .route("/account/tokens", post(account::create_token))
        .route(
            "/account/tokens/{token_id}/revoke",
            post(account::revoke_token),
        )
        .route("/inbox", get(inbox::inbox))
        .route("/inbox/{slug}", get(inbox::project_inbox))
        .route("/inbox/{slug}/reports/{number}", get(inbox::report_page))
        .route(
            "/inbox/{slug}/reports/{number}/triage/dismiss",
            post(inbox::dismiss_finding),
        )
        .route(
            "/inbox/{slug}/reports/{number}/acknowledge",
            post(inbox::acknowledge),
        )
        .route("/inbox/{slug}/reports/{number}/scores", post(inbox::score))
        .route(
            "/inbox/{slug}/reports/{number}/assignee",
            post(outcomes::assign),
        )
        .route(
            "/inbox/{slug}/reports/{number}/transitions",
            post(outcomes::transition),
        )
        .route(
            "/inbox/{slug}/reports/{number}/public-bug",
            post(outcomes::public_bug_page),
        )
        .route(
            "/inbox/{slug}/reports/{number}/extensions",
            post(deadlines::extend_form),
        )
        .route("/settings/notifications", get(deadlines::settings_page))
        .route(
            "/settings/notifications/{slug}",
            post(deadlines::settings_save),
        )
        .route(
            "/inbox/{slug}/reports/{number}/messages",
            post(collaborators::post_message),
        )
        .route(
            "/inbox/{slug}/reports/{number}/collaborators",
            post(collaborators::invite),
        )
        .route(
            "/inbox/{slug}/reports/{number}/collaborators/{id}/revoke",
            post(collaborators::revoke),
        )
        .route(
            "/invitations/{token}",
            get(collaborators::invitation_page).post(collaborators::invitation_accept),
        )
        .route(
            "/inbox/{slug}/policy",
            get(inbox::policy_edit).post(inbox::policy_save),
        )
        .route(
            "/inbox/{slug}/reports/{number}/block",
            post(filters::page_block),
        )
        .route(
            "/inbox/{slug}/reports/{number}/unblock",
            post(filters::page_unblock),
        )
        .route(
            "/inbox/{slug}/reports/{number}/receipt",
            post(junk::page_send_receipt),
        )
        .route("/inbox/{slug}/mail", get(mail_log::page_list))
        .route("/inbox/{slug}/mail/{id}/raw", get(mail_log::raw))
        .route(
            "/inbox/{slug}/mail-filters",
            get(filters::page_list).post(filters::page_create),
        )
        .route(
            "/inbox/{slug}/mail-filters/{rule}/delete",
            post(filters::page_delete),
        )
        .route(
            "/inbox/{slug}/source",
            get(sources::source_edit).post(sources::source_save),
        )
        .route(
            "/inbox/{slug}/advisories",
            get(advisories::inbox_list).post(advisories::inbox_create),
        )
        .route(
            "/inbox/{slug}/advisories/{id}",
            get(advisories::inbox_edit).post(advisories::inbox_save),
        )
        .route(
            "/inbox/{slug}/advisories/{id}/cve-packet",
            get(advisories::inbox_cve_packet),
        )
        .route(
            "/inbox/{slug}/advisories/{id}/{action}",
            post(advisories::inbox_action),
        )
        .route("/inbox/{slug}/dashboard", get(dashboard::dashboard_page))
        .route(
            "/inbox/{slug}/webhooks",
            get(webhooks::settings_page).post(webhooks::create_form),
        )
        .route("/inbox/{slug}/webhooks/secret", post(webhooks::rotate_form))
        .route(
            "/inbox/{slug}/webhooks/{id}/delete",
            post(webhooks::delete_form),
        )
        .route(
            "/inbox/{slug}/members",
            get(members::members_page).post(members::invite_form),
        )
        .route(
            "/inbox/{slug}/members/{user_id}/role",
            post(members::role_form),
        )
        .route(
            "/inbox/{slug}/members/{user_id}/remove",
            post(members::remove_form),
        )
        .route(
            "/inbox/{slug}/members/invitations/{id}/revoke",
            post(members::revoke_form),
        )
        .route(
            "/join/{token}",
            get(members::join_page).post(members::join_accept),
        )
        .route("/projects/new", get(inbox::project_new))
        .route("/projects", post(inbox::project_create))
        .route("/admin/outbox", get(inbox::outbox))
        .route("/admin/bans", get(junk::page_list).post(junk::page_create))
        .route("/admin/bans/{ban}/delete", post(junk::page_delete))
        .nest("/api/v1", api)
        .fallback(|| async { super::error::PageError::not_found() })
        .layer(middleware::from_fn_with_state(state.clone(), csrf::layer))
        .layer(middleware::from_fn_with_state(state.clone(), limits::layer))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(middleware::from_fn(refuse_declared_oversize))
        .with_state(state.clone());
    let static_headers = [
        (header::CONTENT_SECURITY_POLICY, CSP),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::REFERRER_POLICY, "no-referrer"),
        (
            HeaderName::from_static("cross-origin-opener-policy"),
            "same-origin",
        ),
        (
            HeaderName::from_static("cross-origin-resource-policy"),
            "same-origin",
        ),
        (
            HeaderName::from_static("permissions-policy"),
            "camera=(), microphone=(), geolocation=(), interest-cohort=()",
        ),
        // Embargoed data must not linger in caches; public files set their own policy.
        (header::CACHE_CONTROL, "no-store"),
    ];
    for (name, value) in static_headers {
        router = router.layer(SetResponseHeaderLayer::if_not_present(
            name,
            HeaderValue::from_static(value),
        ));
    }
    if state.secure_cookies() {
        router = router.layer(SetResponseHeaderLayer::if_not_present(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000"),
        ));
    }
    router
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            Duration::from_secs(30),
        ))
        .layer(CatchPanicLayer::custom(|_| {
            tracing::error!("a handler panicked");
            (StatusCode::INTERNAL_SERVER_ERROR, "internal error\n").into_response()
        }))
        // Logs carry the route pattern, never the path: tracking links hold secrets.
        .layer(TraceLayer::new_for_http().make_span_with(|req: &Request| {
            let route = req
                .extensions()
                .get::<MatchedPath>()
                .map_or("unmatched", MatchedPath::as_str);
            let id = req
                .headers()
                .get("x-request-id")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("");
            tracing::info_span!("request", method = %req.method(), route, request_id = id)
        }))
        .layer(PropagateRequestIdLayer::new(request_id.clone()))
        .layer(SetRequestIdLayer::new(request_id, MakeRequestUuid))
        .layer(SetSensitiveHeadersLayer::new([
            header::AUTHORIZATION,
            header::COOKIE,
            header::SET_COOKIE,
        ]))
}

/// Every route of `/api/v1` (paths relative to it), each handler with its OpenAPI
/// operation: the router and the document ([`openapi::document`]) are both built from this
/// list, so an endpoint cannot be served undocumented or documented unserved.
pub fn api_routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(api::create_report, api::list_reports))
        .routes(routes!(api::get_report))
        .routes(routes!(api::transition_report))
        .routes(routes!(api::put_assignee))
        .routes(routes!(api::post_message, api::list_messages))
        .routes(routes!(api::post_score))
        .routes(routes!(outcomes::api_public_bug))
        .routes(routes!(deadlines::api_extend))
        .routes(routes!(deadlines::api_notifications))
        .routes(routes!(deadlines::api_set_notifications))
        .routes(routes!(account::api_tokens))
        .routes(routes!(account::api_revoke_token))
        .routes(routes!(account::api_disable_user))
        .routes(routes!(api::dismiss_finding))
        .routes(routes!(collaborators::api_list, collaborators::api_invite))
        .routes(routes!(collaborators::api_revoke))
        .routes(routes!(filters::api_list, filters::api_create))
        .routes(routes!(filters::api_delete))
        .routes(routes!(filters::api_block, filters::api_unblock))
        .routes(routes!(junk::api_send_receipt))
        .routes(routes!(junk::api_list, junk::api_create))
        .routes(routes!(junk::api_delete))
        .routes(routes!(advisories::api_list, advisories::api_create))
        .routes(routes!(advisories::api_get, advisories::api_patch))
        .routes(routes!(advisories::api_publish))
        .routes(routes!(advisories::api_withdraw))
        .routes(routes!(advisories::api_unschedule))
        .routes(routes!(advisories::api_cve_packet))
        .routes(routes!(advisories::api_cve))
        .routes(routes!(
            sources::api_get,
            sources::api_put,
            sources::api_delete
        ))
        .routes(routes!(members::api_list, members::api_invite))
        .routes(routes!(members::api_set_role, members::api_remove))
        .routes(routes!(webhooks::api_list, webhooks::api_create))
        .routes(routes!(webhooks::api_rotate))
        .routes(routes!(webhooks::api_delete))
        .routes(routes!(webhooks::api_deliveries))
        .routes(routes!(mail_log::api_list))
        .routes(routes!(audit::api_list))
        .routes(routes!(audit::api_outbox))
        .routes(routes!(advisories::api_query))
        // The document itself is not part of what it describes.
        .route("/openapi.json", get(openapi::openapi_json))
        .fallback(api::not_found)
}

/// Refuses a body whose declared length is over the limit before reading any of it, so a
/// client that sent `Expect: 100-continue` never uploads it. Bodies without a length are
/// cut off by [`DefaultBodyLimit`] as they are read.
async fn refuse_declared_oversize(
    request: Request,
    next: middleware::Next,
) -> axum::response::Response {
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > BODY_LIMIT as u64) {
        return if request.uri().path().starts_with("/api/") {
            super::error::ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "too_large",
                "the request body is larger than this server accepts",
            )
            .into_response()
        } else {
            super::error::PageError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "Too large",
                "The form is larger than this server accepts.",
            )
            .into_response()
        };
    }
    next.run(request).await
}
