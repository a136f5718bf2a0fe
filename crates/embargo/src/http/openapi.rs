//! The OpenAPI description of `/api/v1`, generated from the handlers' annotations on the
//! route list the router serves ([`super::router::api_routes`]).

use axum::Json;
use std::sync::LazyLock;
use utoipa::{
    Modify, OpenApi,
    openapi::security::{Http, HttpAuthScheme, SecurityScheme},
};
use utoipa_axum::router::OpenApiRouter;

#[derive(Debug, OpenApi)]
#[openapi(
    info(title = "Embargo API", description = "Private vulnerability intake and triage.", license(name = "AGPL-3.0-or-later")),
    modifiers(&BearerAuth),
    tags((name = "reports", description = "Vulnerability reports"), (name = "advisories", description = "Advisories: maintainers' drafts, publication, CVE, and the public OSV-style query"), (name = "projects", description = "Project settings"), (name = "members", description = "A project's maintainers and triagers, and invitations to join"), (name = "webhooks", description = "Signed HTTP notifications of a project's events"), (name = "mail filters", description = "Junk-sender rules for mail to a project, and blocking a reporter"), (name = "mail", description = "Mail to a project as it arrived, and what became of each message"), (name = "audit", description = "For administrators: the hash-chained audit log and the outbox"), (name = "bans", description = "The instance's ban list: senders no project hears from (administrators)"), (name = "account", description = "Your own account: API tokens"))
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                Http::builder()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("A maintainer's API token (`embargo admin create-token`) or a reporter's tracking token"))
                    .build(),
            ),
        );
    }
}

/// The document, with a fixed version so the snapshot does not change with releases.
pub fn document() -> utoipa::openapi::OpenApi {
    let mut doc = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .nest("/api/v1", super::router::api_routes())
        .into_openapi();
    doc.info.version = "1".into();
    doc
}

static DOCUMENT: LazyLock<utoipa::openapi::OpenApi> = LazyLock::new(document);

pub async fn openapi_json() -> Json<utoipa::openapi::OpenApi> {
    Json(DOCUMENT.clone())
}
