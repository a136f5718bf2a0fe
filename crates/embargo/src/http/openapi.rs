//! The OpenAPI description of `/api/v1`, generated from the handlers' annotations.

use axum::Json;
use utoipa::{
    Modify, OpenApi,
    openapi::security::{Http, HttpAuthScheme, SecurityScheme},
};

#[derive(Debug, OpenApi)]
#[openapi(
    info(title = "Embargo API", description = "Private vulnerability intake and triage.", license(name = "AGPL-3.0-or-later")),
    paths(super::api::create_report, super::api::list_reports, super::api::get_report, super::api::transition_report, super::api::post_message, super::api::post_score, super::api::dismiss_finding, super::outcomes::api_public_bug, super::advisories::api_list, super::advisories::api_create, super::advisories::api_get, super::advisories::api_patch, super::advisories::api_publish, super::advisories::api_withdraw, super::advisories::api_unschedule, super::advisories::api_cve_packet, super::advisories::api_cve, super::advisories::api_query, super::sources::api_get, super::sources::api_put, super::sources::api_delete, super::webhooks::api_list, super::webhooks::api_create, super::webhooks::api_delete, super::webhooks::api_deliveries, super::webhooks::api_rotate, super::deadlines::api_extend, super::deadlines::api_notifications, super::deadlines::api_set_notifications, super::collaborators::api_invite, super::collaborators::api_list, super::collaborators::api_revoke, super::filters::api_list, super::filters::api_create, super::filters::api_delete, super::filters::api_block, super::filters::api_unblock),
    modifiers(&BearerAuth),
    tags((name = "reports", description = "Vulnerability reports"), (name = "advisories", description = "Advisories: maintainers' drafts, publication, CVE, and the public OSV-style query"), (name = "projects", description = "Project settings"), (name = "webhooks", description = "Signed HTTP notifications of a project's events"), (name = "mail filters", description = "Junk-sender rules for mail to a project, and blocking a reporter"))
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
    let mut doc = ApiDoc::openapi();
    doc.info.version = "1".into();
    doc
}

pub async fn openapi_json() -> Json<utoipa::openapi::OpenApi> {
    Json(document())
}
