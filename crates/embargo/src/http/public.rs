//! Public pages: the project list, policy pages, SECURITY.md, security.txt, health.

use super::{
    auth::CurrentUser,
    csrf::CsrfToken,
    error::PageError,
    templates::{base, page},
};
use crate::{AppState, services::projects};
use axum::{
    Extension,
    extract::{Path, State},
    http::{HeaderValue, StatusCode, header},
    response::{Html, IntoResponse, Response},
};
use domain::{
    policy::Policy,
    project::Project,
    render::{ProjectUrls, security_md},
};
use serde::Serialize;

pub async fn healthz(State(state): State<AppState>) -> Response {
    match crate::services::health::check(&state).await {
        Ok(()) => (StatusCode::OK, "ok\n").into_response(),
        Err(e) => {
            tracing::error!(error = %e, "health check: database unreachable");
            (StatusCode::SERVICE_UNAVAILABLE, "database unreachable\n").into_response()
        }
    }
}

pub async fn stylesheet() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../../static/style.css"),
    )
        .into_response()
}

pub async fn home(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    Extension(csrf): Extension<CsrfToken>,
) -> Result<Html<String>, PageError> {
    let projects: Vec<_> = projects::all(&state)
        .await?
        .into_iter()
        .map(|p| minijinja::context! { slug => p.slug.as_str(), name => p.name })
        .collect();
    page(
        "home.html",
        minijinja::context! { title => "Report a vulnerability", projects, ..base(user.as_ref().map(|u| &u.0), &csrf) },
    )
}

/// A policy as templates see it: the domain's data plus labels.
#[derive(Serialize)]
struct PolicyView<'a> {
    #[serde(flatten)]
    policy: &'a Policy,
    supported_versions: Vec<minijinja::Value>,
    non_qualifying: Vec<minijinja::Value>,
    reporting_rules: Vec<String>,
    threat_model_lines: Vec<String>,
    has_prerelease: bool,
    disclosure_text: Option<String>,
    updated_text: Option<String>,
}

pub fn policy_context(project: &Project) -> minijinja::Value {
    let p = &project.policy;
    let view = PolicyView {
        policy: p,
        supported_versions: p
            .supported_versions
            .iter()
            .map(|v| {
                minijinja::context! {
                    version => v.version.clone(), status => v.status.as_str(), status_label => v.status.label(), note => v.note.clone(),
                    cve_eligible => p.version_cve_eligible(v),
                }
            })
            .collect(),
        non_qualifying: p.non_qualifying.iter().map(|c| minijinja::context! { id => c.id.clone(), text => c.wording() }).collect(),
        reporting_rules: p.reporting.rules(),
        threat_model_lines: domain::render::threat_model_lines(p),
        has_prerelease: p
            .supported_versions
            .iter()
            .any(|v| v.status == domain::policy::SupportStatus::Prerelease),
        disclosure_text: p.targets.disclosure_text(),
        updated_text: p.updated.map(|d| d.to_string()),
    };
    super::templates::ser(&view)
}

/// "We aim to acknowledge reports within 7 days and to triage them within 14 days."
pub fn targets_text(policy: &Policy) -> String {
    let t = &policy.targets;
    let mut out = Vec::new();
    match (t.acknowledge_text(), t.triage_text()) {
        (Some(a), Some(tr)) => out.push(format!(
            "We aim to acknowledge reports within {a} and to finish triage within {tr}."
        )),
        (Some(a), None) => out.push(format!("We aim to acknowledge reports within {a}.")),
        (None, Some(tr)) => out.push(format!("We aim to finish triage within {tr}.")),
        (None, None) => {}
    }
    match t.disclosure_text() {
        Some(d) => out.push(format!(
            "Disclosure is coordinated with you; the deadline is {d} after your report."
        )),
        None => out.push("Disclosure is coordinated with you.".to_owned()),
    }
    out.join(" ")
}

pub async fn policy_page(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    user: Option<CurrentUser>,
    Extension(csrf): Extension<CsrfToken>,
) -> Result<Html<String>, PageError> {
    let project = projects::public(&state, &slug).await?;
    page(
        "policy.html",
        minijinja::context! {
            title => format!("Security policy for {}", project.name),
            project => minijinja::context! { slug => project.slug.as_str(), name => project.name.clone(), policy_version => project.policy_version },
            policy => policy_context(&project),
            targets_text => targets_text(&project.policy),
            has_key => project.policy.openpgp_key.is_some(),
            contacts => domain::render::contacts_in_order(&project.policy, &ProjectUrls::new(&state.public_url, &project)),
            report_form => ProjectUrls::new(&state.public_url, &project).report_form,
            ..base(user.as_ref().map(|u| &u.0), &csrf)
        },
    )
}

fn text_response(content_type: &'static str, body: String) -> Response {
    (
        [(header::CONTENT_TYPE, HeaderValue::from_static(content_type))],
        body,
    )
        .into_response()
}

pub async fn security_md_file(
    State(state): State<AppState>,
    Path(slug): Path<String>,
) -> Result<Response, PageError> {
    let project = projects::public(&state, &slug).await?;
    let urls = ProjectUrls::new(&state.public_url, &project);
    Ok(text_response(
        "text/markdown; charset=utf-8",
        security_md(&project, &urls),
    ))
}

/// A project's security.txt, signed with the project's key and renewed daily, so its
/// `Expires` never passes.
pub async fn project_security_txt(
    State(state): State<AppState>,
    Path(slug): Path<String>,
) -> Result<Response, PageError> {
    let project = projects::public(&state, &slug).await?;
    let text = crate::services::signing::project_security_txt(&state, &project).await?;
    Ok(text_response("text/plain; charset=utf-8", text))
}

/// The public key that verifies the project's signed security.txt.
pub async fn signing_key(
    State(state): State<AppState>,
    Path(slug): Path<String>,
) -> Result<Response, PageError> {
    let project = projects::public(&state, &slug).await?;
    let key = crate::services::signing::project_key(&state, &project).await?;
    Ok(text_response("application/pgp-keys", key.public_armored))
}

/// RFC 9116 §3: `/security.txt` at the top level is a legacy location; send readers to
/// the well-known one.
pub async fn legacy_security_txt() -> Response {
    axum::response::Redirect::permanent("/.well-known/security.txt").into_response()
}

/// The instance's own security.txt: who runs this Embargo and where its projects are.
pub async fn instance_security_txt(State(state): State<AppState>) -> Result<Response, PageError> {
    let mut contacts = state.config.instance_contacts.clone();
    if contacts.is_empty() {
        // Without configured contacts, the first administrator is the contact.
        if let Some(admin) = first_admin(&state).await? {
            contacts.push(format!("mailto:{}", admin));
        }
    }
    if contacts.is_empty() {
        return Err(PageError::not_found());
    }
    let base = &state.public_url;
    let mut fields: Vec<(&str, String)> = vec![(
        "#",
        "This server runs Embargo. Each hosted project has its own security.txt at /p/<project>/security.txt".to_owned(),
    )];
    fields.extend(contacts.into_iter().map(|c| ("Contact", c)));
    fields.push(("Preferred-Languages", "en".into()));
    // RFC 9116 URIs must be https: a server reached over plain HTTP (a test or a laptop)
    // leaves these out rather than failing.
    if base.starts_with("https://") {
        fields.push(("Canonical", format!("{base}/.well-known/security.txt")));
        fields.push(("Policy", format!("{base}/")));
    }
    if state.config.csaf.enabled {
        fields.push(("CSAF", crate::services::signing::csaf_provider_url(&state)));
    }
    let days = u32::try_from(domain::render::SECURITY_TXT_VALIDITY_DAYS).unwrap_or(180);
    let text = securitytxt::render(&fields, securitytxt::expiry_for(state.now(), days))
        .map_err(|e| PageError::from(anyhow::anyhow!("instance security.txt: {e}")))?;
    Ok(text_response("text/plain; charset=utf-8", text))
}

async fn first_admin(state: &AppState) -> Result<Option<String>, PageError> {
    Ok(crate::services::accounts::first_admin_email(state).await?)
}

pub async fn openpgp_key(
    State(state): State<AppState>,
    Path(slug): Path<String>,
) -> Result<Response, PageError> {
    let project = projects::public(&state, &slug).await?;
    match project.policy.openpgp_key {
        Some(key) => Ok(text_response("application/pgp-keys", key)),
        // Without a key of the maintainers' own, reporters encrypt to the project's key pair.
        None => {
            let key = crate::services::signing::project_key(&state, &project).await?;
            Ok(text_response("application/pgp-keys", key.public_armored))
        }
    }
}

/// WKD, direct method: `/.well-known/openpgpkey/hu/{hash}` on the mail domain's own host.
pub async fn wkd_direct(
    State(state): State<AppState>,
    Path(hash): Path<String>,
    headers: axum::http::HeaderMap,
) -> Result<Response, PageError> {
    let host = headers
        .get(axum::http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .map(|h| h.rsplit_once(':').map_or(h, |(name, _)| name))
        .unwrap_or_default()
        .to_owned();
    wkd_answer(&state, &host, &hash).await
}

/// WKD, advanced method: `/.well-known/openpgpkey/{domain}/hu/{hash}` (served for
/// `openpgpkey.{domain}`).
pub async fn wkd_advanced(
    State(state): State<AppState>,
    Path((domain, hash)): Path<(String, String)>,
) -> Result<Response, PageError> {
    wkd_answer(&state, &domain, &hash).await
}

async fn wkd_answer(state: &AppState, domain: &str, hash: &str) -> Result<Response, PageError> {
    match crate::services::signing::wkd_key(state, domain, hash).await? {
        Some(key) => Ok((
            [(axum::http::header::CONTENT_TYPE, "application/octet-stream")],
            key,
        )
            .into_response()),
        None => Err(PageError::not_found()),
    }
}

/// The WKD policy file (both methods).
pub async fn wkd_policy() -> Response {
    text_response(
        "text/plain; charset=utf-8",
        keys::wkd::WKD_POLICY.to_owned(),
    )
}
