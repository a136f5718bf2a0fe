//! Advisories over HTTP: the public pages, exports, feed, release notes, CSAF provider and
//! OSV-style query (published advisories only: a draft is "not found" everywhere), the
//! maintainers' pages, and the JSON API.

use super::{
    auth::{ApiCaller, CurrentUser},
    csrf::CsrfToken,
    error::{ApiError, PageError},
    extract::{ApiJson, CsrfForm},
    human_time,
    templates::{base, page},
};
use crate::{
    AppState,
    services::{
        ServiceError,
        advisories::{self, CvePacket, Edit, NewAdvisory},
    },
};
use advisory::{Advisory, Event, Format, Status};
use axum::{
    Extension, Json,
    extract::{Path, Query, State},
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{Html, IntoResponse, Redirect, Response},
};
use domain::{account::Permission, project::Project};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use store::AdvisoryRecord;
use utoipa::ToSchema;

/// Public documents may be cached briefly; they change only when a maintainer acts.
const PUBLIC_CACHE: &str = "public, max-age=300";

fn public_file(content_type: &'static str, body: String) -> Response {
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static(PUBLIC_CACHE),
            ),
        ],
        body,
    )
        .into_response()
}

fn json_file(value: &Value) -> Result<Response, PageError> {
    let text = serde_json::to_string_pretty(value).map_err(anyhow::Error::from)?;
    Ok(public_file("application/json", text + "\n"))
}

/// Only http(s) URLs become links; anything else is shown as text.
fn safe_link(url: &str) -> Option<String> {
    (url.starts_with("https://") || url.starts_with("http://")).then(|| url.to_owned())
}

fn status_str(s: Status) -> &'static str {
    match s {
        Status::Draft => "draft",
        Status::Published => "published",
        Status::Withdrawn => "withdrawn",
    }
}

/// Affected versions as people read them: `>= 1.0, < 1.11.3`.
fn affected_text(a: &advisory::Affected) -> Vec<String> {
    let mut out: Vec<String> = a
        .ranges
        .iter()
        .flat_map(|r| r.spans())
        .map(|sp| {
            let from = (sp.introduced != "0").then(|| format!(">= {}", sp.introduced));
            let to = match sp.end {
                Some(Event::Fixed(v) | Event::Limit(v)) => Some(format!("< {v}")),
                Some(Event::LastAffected(v)) => Some(format!("<= {v}")),
                _ => None,
            };
            match (from, to) {
                (None, None) => "all versions".to_owned(),
                (f, t) => [f, t].into_iter().flatten().collect::<Vec<_>>().join(", "),
            }
        })
        .collect();
    out.extend(a.versions.iter().cloned());
    out
}

/// An advisory as the templates see it (every value is escaped by the template engine).
fn advisory_context(a: &Advisory) -> minijinja::Value {
    let fixed: Vec<String> = a
        .affected
        .iter()
        .flat_map(|af| &af.ranges)
        .flat_map(|r| &r.events)
        .filter_map(|e| match e {
            Event::Fixed(v) => Some(v.clone()),
            _ => None,
        })
        .collect();
    minijinja::context! {
        id => a.id.clone(),
        aliases => a.aliases.clone(),
        status => status_str(a.status),
        summary => a.summary.clone(),
        details => a.details.clone(),
        severity_label => a.severity_label(),
        vectors => a.severity.iter().map(|v| minijinja::context! { vector => v.as_str().to_owned(), score => v.base_score() }).collect::<Vec<_>>(),
        affected => a.affected.iter().map(|af| minijinja::context! {
            ecosystem => af.package.ecosystem.clone(),
            name => af.package.name.clone(),
            versions => affected_text(af),
        }).collect::<Vec<_>>(),
        fixed,
        cwes => a.cwes.iter().map(|c| minijinja::context! { id => c.id.clone(), name => c.name.clone().or_else(|| advisory::cwe::name(&c.id).map(str::to_owned)) }).collect::<Vec<_>>(),
        references => a.references.iter().map(|r| minijinja::context! { url => r.url.clone(), link => safe_link(&r.url), kind => r.kind.as_osv() }).collect::<Vec<_>>(),
        credits => a.credits.iter().map(|c| minijinja::context! { name => c.name.clone(), kind => c.kind.map(advisory::CreditType::as_cve) }).collect::<Vec<_>>(),
        published => a.published.map(human_time),
        modified => human_time(a.modified),
        withdrawn => a.withdrawn.map(human_time),
    }
}

fn project_context(p: &Project) -> minijinja::Value {
    minijinja::context! { slug => p.slug.as_str(), name => p.name.clone() }
}

// Public ------------------------------------------------------------------------------------

/// A project's public advisories page: a page of them, most recently modified first, with a
/// link to older ones.
pub async fn public_list(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    user: Option<CurrentUser>,
    Extension(csrf): Extension<CsrfToken>,
    query: Result<Query<super::mail_log::PageQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Html<String>, PageError> {
    let Query(q) =
        query.map_err(|e| PageError::new(StatusCode::BAD_REQUEST, "Bad request", e.body_text()))?;
    let list =
        advisories::public_page(&state, &slug, q.limit.as_deref(), q.cursor.as_deref()).await?;
    let rows: Vec<_> = list
        .items
        .iter()
        .map(|r| advisory_context(&r.advisory))
        .collect();
    page(
        "advisories.html",
        minijinja::context! {
            title => format!("Security advisories of {}", list.project.name),
            project => project_context(&list.project),
            advisories => rows,
            older => q.next_href(list.next_cursor.as_deref()),
            continued => q.cursor.as_deref().is_some_and(|c| !c.is_empty()),
            ..base(user.as_ref().map(|u| &u.0), &csrf)
        },
    )
}

/// `/p/{slug}/advisories/{id}` (HTML) and its `.osv.json`, `.cve.json`, `.csaf.json` forms.
pub async fn public_advisory(
    State(state): State<AppState>,
    Path((slug, file)): Path<(String, String)>,
    user: Option<CurrentUser>,
    Extension(csrf): Extension<CsrfToken>,
) -> Result<Response, PageError> {
    let formats = [
        (".osv.json", Format::Osv),
        (".cve.json", Format::Cve5),
        (".csaf.json", Format::Csaf),
    ];
    for (suffix, format) in formats {
        if let Some(id) = file.strip_suffix(suffix) {
            let (project, record) = advisories::public_get(&state, &slug, id).await?;
            let doc = advisories::export(&state, &project, &record, format)?;
            return json_file(&doc);
        }
    }
    let (project, record) = advisories::public_get(&state, &slug, &file).await?;
    let a = &record.advisory;
    let html = page(
        "advisory.html",
        minijinja::context! {
            title => format!("{}: {}", a.id, a.summary),
            project => project_context(&project),
            advisory => advisory_context(a),
            has_cve => a.cve_id().is_some(),
            ..base(user.as_ref().map(|u| &u.0), &csrf)
        },
    )?;
    Ok(html.into_response())
}

pub async fn atom_feed(
    State(state): State<AppState>,
    Path(slug): Path<String>,
) -> Result<Response, PageError> {
    let xml = advisories::atom_feed(&state, &slug).await?;
    Ok(public_file("application/atom+xml; charset=utf-8", xml))
}

#[derive(Debug, Deserialize)]
pub struct ReleaseNotesQuery {
    #[serde(default)]
    version: String,
    #[serde(default)]
    package: Option<String>,
}

/// `GET /p/{slug}/advisories/release-notes?version=V[&package=P]`: the Markdown "Security"
/// section for a release, from published advisories only (public, like the advisories).
pub async fn release_notes(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    Query(q): Query<ReleaseNotesQuery>,
) -> Result<Response, PageError> {
    let md = advisories::release_notes(
        &state,
        &slug,
        q.package.as_deref().filter(|p| !p.is_empty()),
        &q.version,
    )
    .await?;
    Ok(public_file("text/markdown; charset=utf-8", md))
}

pub async fn csaf_provider_metadata(State(state): State<AppState>) -> Result<Response, PageError> {
    json_file(&advisories::csaf_provider_metadata(&state).await?)
}

pub async fn csaf_index(State(state): State<AppState>) -> Result<Response, PageError> {
    let paths: Vec<String> = advisories::csaf_directory(&state)
        .await?
        .into_iter()
        .map(|(p, _)| p)
        .collect();
    Ok(public_file(
        "text/plain; charset=utf-8",
        advisory::csaf::index_txt(&paths),
    ))
}

pub async fn csaf_changes(State(state): State<AppState>) -> Result<Response, PageError> {
    let entries: Vec<(String, jiff::Timestamp)> = advisories::csaf_directory(&state)
        .await?
        .into_iter()
        .map(|(p, r)| (p, r.advisory.modified))
        .collect();
    Ok(public_file(
        "text/csv; charset=utf-8",
        advisory::csaf::changes_csv(&entries),
    ))
}

pub async fn csaf_document(
    State(state): State<AppState>,
    Path((year, file)): Path<(String, String)>,
) -> Result<Response, PageError> {
    json_file(&advisories::csaf_document(&state, &format!("{year}/{file}")).await?)
}

// Maintainers -------------------------------------------------------------------------------

/// The maintainers' advisories page: a page of the project's advisories, most recently
/// modified first, with a link to older ones.
pub async fn inbox_list(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    CurrentUser(user): CurrentUser,
    Extension(csrf): Extension<CsrfToken>,
    query: Result<Query<super::mail_log::PageQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Html<String>, PageError> {
    let Query(q) =
        query.map_err(|e| PageError::new(StatusCode::BAD_REQUEST, "Bad request", e.body_text()))?;
    let html = render_inbox_list(&state, &user, &slug, &csrf, &q, None).await?;
    Ok(html)
}

/// The advisories page at the page `q` asks for; after a refused creation, with its error.
async fn render_inbox_list(
    state: &AppState,
    user: &domain::account::User,
    slug: &str,
    csrf: &CsrfToken,
    q: &super::mail_log::PageQuery,
    error: Option<String>,
) -> Result<Html<String>, PageError> {
    let list = advisories::page(state, user, slug, q.limit.as_deref(), q.cursor.as_deref()).await?;
    let rows: Vec<_> = list
        .items
        .iter()
        .map(|r| {
            minijinja::context! {
                id => r.id().to_owned(),
                summary => r.advisory.summary.clone(),
                status => status_str(r.advisory.status),
                modified => human_time(r.advisory.modified),
                scheduled => r.scheduled_at.map(human_time),
            }
        })
        .collect();
    page(
        "inbox_advisories.html",
        minijinja::context! {
            title => format!("{}: advisories", list.project.name),
            project => project_context(&list.project),
            advisories => rows,
            older => q.next_href(list.next_cursor.as_deref()),
            continued => q.cursor.as_deref().is_some_and(|c| !c.is_empty()),
            error,
            ..base(Some(user), csrf)
        },
    )
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub struct CreateForm {
    id: String,
    report: String,
    ecosystem: String,
    package: String,
}

pub async fn inbox_create(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    CurrentUser(user): CurrentUser,
    Extension(csrf): Extension<CsrfToken>,
    CsrfForm(form): CsrfForm<CreateForm>,
) -> Result<Response, PageError> {
    let report = form.report.trim().trim_start_matches('#');
    let new = NewAdvisory {
        id: Some(form.id.trim().to_owned()).filter(|s| !s.is_empty()),
        report: (!report.is_empty()).then(|| Value::String(report.to_owned())),
        package: (!form.package.trim().is_empty()).then(|| advisory::Package {
            ecosystem: Some(form.ecosystem.trim().to_owned()).filter(|s| !s.is_empty()),
            name: form.package.trim().to_owned(),
            ..advisory::Package::default()
        }),
        advisory: None,
    };
    match advisories::create(&state, &user, &slug, new).await {
        Ok(r) => Ok(Redirect::to(&format!("/inbox/{slug}/advisories/{}", r.id())).into_response()),
        Err(e @ (ServiceError::Invalid(_) | ServiceError::Conflict { .. })) => {
            let html = render_inbox_list(
                &state,
                &user,
                &slug,
                &csrf,
                &super::mail_log::PageQuery::default(),
                Some(e.to_string()),
            )
            .await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, html).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

async fn render_edit(
    state: &AppState,
    user: &domain::account::User,
    project: &Project,
    record: &AdvisoryRecord,
    text: Option<&str>,
    errors: &[(String, String)],
    csrf: &CsrfToken,
) -> Result<Html<String>, PageError> {
    let role = crate::services::projects::role_of(state, project, user).await?;
    let can_disclose = domain::account::allowed(user.is_admin, role, Permission::Disclose);
    let json = match text {
        Some(t) => t.to_owned(),
        None => serde_json::to_string_pretty(&record.advisory).map_err(anyhow::Error::from)?,
    };
    page(
        "advisory_edit.html",
        minijinja::context! {
            title => format!("Advisory {}", record.id()),
            project => project_context(project),
            advisory => advisory_context(&record.advisory),
            version => record.version,
            json,
            scheduled => record.scheduled_at.map(human_time),
            can_disclose,
            cna => state.config.cve.serves(project.slug.as_str()),
            has_cve => record.advisory.cve_id().is_some(),
            cve_submitted => record.cve_submitted_at.map(human_time),
            report_id => record.report_id.map(|r| r.to_string()),
            errors => errors.iter().map(|(f, m)| minijinja::context! { field => f, message => m }).collect::<Vec<_>>(),
            ..base(Some(user), csrf)
        },
    )
}

pub async fn inbox_edit(
    State(state): State<AppState>,
    Path((slug, id)): Path<(String, String)>,
    CurrentUser(user): CurrentUser,
    Extension(csrf): Extension<CsrfToken>,
) -> Result<Html<String>, PageError> {
    let (project, record) =
        advisories::for_user(&state, &user, &id, Permission::ReadReports).await?;
    if project.slug.as_str() != slug {
        return Err(PageError::not_found());
    }
    render_edit(&state, &user, &project, &record, None, &[], &csrf).await
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub struct SaveForm {
    version: i64,
    advisory: String,
}

pub async fn inbox_save(
    State(state): State<AppState>,
    Path((slug, id)): Path<(String, String)>,
    CurrentUser(user): CurrentUser,
    Extension(csrf): Extension<CsrfToken>,
    CsrfForm(form): CsrfForm<SaveForm>,
) -> Result<Response, PageError> {
    let result = match serde_json::from_str::<Value>(&form.advisory) {
        Ok(value) => {
            advisories::update(
                &state,
                &user,
                &id,
                Some(form.version),
                &value,
                Edit::Replace,
            )
            .await
        }
        Err(e) => Err(ServiceError::field("advisory", format!("is not JSON: {e}"))),
    };
    let errors: Vec<(String, String)> = match result {
        Ok(_) => {
            return Ok(Redirect::to(&format!("/inbox/{slug}/advisories/{id}")).into_response());
        }
        Err(ServiceError::Invalid(errors)) => {
            errors.0.into_iter().map(|e| (e.field, e.message)).collect()
        }
        Err(ServiceError::Conflict { message, .. }) => vec![("version".into(), message)],
        Err(e) => return Err(e.into()),
    };
    let (project, record) =
        advisories::for_user(&state, &user, &id, Permission::ReadReports).await?;
    let html = render_edit(
        &state,
        &user,
        &project,
        &record,
        Some(&form.advisory),
        &errors,
        &csrf,
    )
    .await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, html).into_response())
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub struct ActionForm {
    /// Schedule: `YYYY-MM-DDTHH:MM` in UTC (an `<input type="datetime-local">`).
    at: String,
    /// Withdraw: why.
    reason: String,
}

/// Publish now, schedule, withdraw and the CVE Services actions, from the edit page.
pub async fn inbox_action(
    State(state): State<AppState>,
    Path((slug, id, action)): Path<(String, String, String)>,
    CurrentUser(user): CurrentUser,
    Extension(csrf): Extension<CsrfToken>,
    CsrfForm(form): CsrfForm<ActionForm>,
) -> Result<Response, PageError> {
    let result = match action.as_str() {
        "publish" => advisories::publish(&state, &user, &id, None).await,
        "schedule" => match parse_local_utc(&form.at) {
            Some(at) if at > state.now() => advisories::publish(&state, &user, &id, Some(at)).await,
            _ => Err(ServiceError::field(
                "at",
                "must be a future date and time (UTC)",
            )),
        },
        "withdraw" => advisories::withdraw(&state, &user, &id, &form.reason).await,
        "unschedule" => advisories::unschedule(&state, &user, &id).await,
        "cve-reserve" => advisories::cve_reserve(&state, &user, &id).await,
        "cve-submit" => advisories::cve_submit(&state, &user, &id).await,
        _ => return Err(PageError::not_found()),
    };
    let errors: Vec<(String, String)> = match result {
        Ok(_) => {
            return Ok(Redirect::to(&format!("/inbox/{slug}/advisories/{id}")).into_response());
        }
        Err(ServiceError::Invalid(errors)) => {
            errors.0.into_iter().map(|e| (e.field, e.message)).collect()
        }
        Err(ServiceError::Conflict { message, .. }) => vec![(action.clone(), message)],
        Err(e) => return Err(e.into()),
    };
    let (project, record) =
        advisories::for_user(&state, &user, &id, Permission::ReadReports).await?;
    let html = render_edit(&state, &user, &project, &record, None, &errors, &csrf).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, html).into_response())
}

/// `2026-12-01T09:30` (or with seconds) read as UTC.
fn parse_local_utc(s: &str) -> Option<jiff::Timestamp> {
    let dt: jiff::civil::DateTime = s.trim().parse().ok()?;
    dt.to_zoned(jiff::tz::TimeZone::UTC)
        .ok()
        .map(|z| z.timestamp())
}

/// The CVE request packet as a page: the plain-text summary and the CNA container.
pub async fn inbox_cve_packet(
    State(state): State<AppState>,
    Path((slug, id)): Path<(String, String)>,
    CurrentUser(user): CurrentUser,
    Extension(csrf): Extension<CsrfToken>,
) -> Result<Html<String>, PageError> {
    let (project, _) = advisories::for_user(&state, &user, &id, Permission::Disclose).await?;
    if project.slug.as_str() != slug {
        return Err(PageError::not_found());
    }
    let packet = advisories::cve_packet(&state, &user, &id).await?;
    page(
        "cve_packet.html",
        minijinja::context! {
            title => format!("CVE request for {id}"),
            project => project_context(&project),
            id,
            summary => packet.summary,
            container => serde_json::to_string_pretty(&packet.cna_container).map_err(anyhow::Error::from)?,
            problems => packet.problems,
            ..base(Some(&user), &csrf)
        },
    )
}

// API ---------------------------------------------------------------------------------------

/// An advisory as the API returns it to a project's members.
#[derive(Debug, Serialize, ToSchema)]
pub struct AdvisoryBody {
    id: String,
    project: String,
    #[schema(format = Uuid)]
    report_id: Option<String>,
    /// Increases with every change; send it back as `If-Match` to edit safely.
    version: i64,
    /// `draft`, `published` or `withdrawn`.
    status: String,
    /// When a scheduled publication is due.
    scheduled_at: Option<String>,
    cve_submitted_at: Option<String>,
    /// The advisory model (id, aliases, summary, details, affected, cwes, severity,
    /// references, credits, published, modified, withdrawn, …).
    #[schema(value_type = Object)]
    advisory: Advisory,
}

/// The answer to a maintainer's action: the advisory as it now stands. The action has just
/// checked the caller's access, so only the project's slug is still needed.
async fn acted(state: &AppState, record: AdvisoryRecord) -> Result<Json<AdvisoryBody>, ApiError> {
    let project = crate::services::projects::by_id(state, record.project_id)
        .await?
        .ok_or(ServiceError::NotFound("advisory"))?;
    Ok(Json(advisory_body(&project, record)))
}

fn advisory_body(project: &Project, r: AdvisoryRecord) -> AdvisoryBody {
    AdvisoryBody {
        id: r.id().to_owned(),
        project: project.slug.as_str().to_owned(),
        report_id: r.report_id.map(|x| x.to_string()),
        version: r.version,
        status: status_str(r.advisory.status).to_owned(),
        scheduled_at: r.scheduled_at.map(|t| t.to_string()),
        cve_submitted_at: r.cve_submitted_at.map(|t| t.to_string()),
        advisory: r.advisory,
    }
}

/// A page of a project's advisories.
#[derive(Debug, Serialize, ToSchema)]
pub struct AdvisoryPageBody {
    /// At most `limit` advisories, most recently modified first.
    items: Vec<AdvisoryBody>,
    /// Pass as `cursor` for the next page; `null` on the last page. Opaque.
    next_cursor: Option<String>,
}

/// The list's query string, checked by the service (a bad value is a 422 naming it).
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AdvisoryListQuery {
    /// How many advisories (1–500, default 50).
    #[param(value_type = Option<i64>, minimum = 1, maximum = 500)]
    limit: Option<String>,
    /// Where to continue: the `next_cursor` of the previous page.
    cursor: Option<String>,
}

/// A project's advisories, drafts included, a page at a time, most recently modified first
/// (its maintainers and triagers).
#[utoipa::path(
    get, path = "/projects/{slug}/advisories", tag = "advisories",
    params(("slug" = String, Path, description = "The project's slug"), AdvisoryListQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, body = AdvisoryPageBody),
        (status = 401, body = super::error::ErrorEnvelope),
        (status = 404, description = "Unknown project, or not yours", body = super::error::ErrorEnvelope),
        (status = 422, description = "A bad `limit` or `cursor`", body = super::error::ErrorEnvelope),
    )
)]
pub async fn api_list(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    query: Result<Query<AdvisoryListQuery>, axum::extract::rejection::QueryRejection>,
    caller: ApiCaller,
) -> Result<Json<AdvisoryPageBody>, ApiError> {
    let user = caller.user()?;
    let Query(q) =
        query.map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, "bad_request", e.body_text()))?;
    let page = advisories::page(
        &state,
        &user,
        &slug,
        q.limit.as_deref(),
        q.cursor.as_deref(),
    )
    .await?;
    Ok(Json(AdvisoryPageBody {
        items: page
            .items
            .into_iter()
            .map(|r| advisory_body(&page.project, r))
            .collect(),
        next_cursor: page.next_cursor,
    }))
}

/// Create a draft advisory: from an accepted report (`report`: its number or id; the title,
/// description, affected version, CVSS vector and the reporter's chosen credit are filled
/// in) or from scratch, with optional model fields in `advisory`.
#[utoipa::path(
    post, path = "/projects/{slug}/advisories", tag = "advisories",
    params(("slug" = String, Path, description = "The project's slug")),
    request_body = NewAdvisory,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Created", body = AdvisoryBody),
        (status = 401, body = super::error::ErrorEnvelope),
        (status = 403, description = "Your role may not create advisories", body = super::error::ErrorEnvelope),
        (status = 404, description = "Unknown project, or not yours", body = super::error::ErrorEnvelope),
        (status = 409, description = "The report is not accepted", body = super::error::ErrorEnvelope),
        (status = 422, description = "A field is invalid; `field` names it", body = super::error::ErrorEnvelope),
    )
)]
pub async fn api_create(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    caller: ApiCaller,
    body: Result<ApiJson<NewAdvisory>, ApiError>,
) -> Result<(StatusCode, Json<AdvisoryBody>), ApiError> {
    let user = caller.user()?;
    let ApiJson(new) = body?;
    let record = advisories::create(&state, &user, &slug, new).await?;
    let (project, record) =
        advisories::for_user(&state, &user, record.id(), Permission::ReadReports).await?;
    Ok((StatusCode::CREATED, Json(advisory_body(&project, record))))
}

/// One advisory (drafts too) for its project's members.
#[utoipa::path(
    get, path = "/advisories/{id}", tag = "advisories",
    params(("id" = String, Path, description = "The advisory's id")),
    security(("bearer" = [])),
    responses(
        (status = 200, body = AdvisoryBody),
        (status = 401, body = super::error::ErrorEnvelope),
        (status = 404, description = "No such advisory, or not yours", body = super::error::ErrorEnvelope),
    )
)]
pub async fn api_get(
    State(state): State<AppState>,
    Path(id): Path<String>,
    caller: ApiCaller,
) -> Result<Json<AdvisoryBody>, ApiError> {
    let user = caller.user()?;
    let (project, record) =
        advisories::for_user(&state, &user, &id, Permission::ReadReports).await?;
    Ok(Json(advisory_body(&project, record)))
}

/// Edit an advisory with a JSON merge patch (RFC 7396) of its model; `null` removes a
/// field. `If-Match: <version>` refuses the edit (409) if someone changed it meanwhile. The
/// id, `status`, `published` and `withdrawn` change only through publish and withdraw.
#[utoipa::path(
    patch, path = "/advisories/{id}", tag = "advisories",
    params(
        ("id" = String, Path, description = "The advisory's id"),
        ("If-Match" = Option<String>, Header, description = "The version the edit is based on"),
    ),
    request_body(content = Object, content_type = "application/json", description = "A merge patch of the advisory model"),
    security(("bearer" = [])),
    responses(
        (status = 200, body = AdvisoryBody),
        (status = 401, body = super::error::ErrorEnvelope),
        (status = 404, description = "No such advisory, or not yours", body = super::error::ErrorEnvelope),
        (status = 409, description = "Changed by someone else since `If-Match`", body = super::error::ErrorEnvelope),
        (status = 422, description = "A field is invalid; `field` names it", body = super::error::ErrorEnvelope),
    )
)]
pub async fn api_patch(
    State(state): State<AppState>,
    Path(id): Path<String>,
    caller: ApiCaller,
    headers: HeaderMap,
    body: Result<ApiJson<Value>, ApiError>,
) -> Result<Json<AdvisoryBody>, ApiError> {
    let user = caller.user()?;
    let expected = match headers.get(header::IF_MATCH) {
        None => None,
        Some(v) => Some(
            v.to_str()
                .ok()
                .map(|s| s.trim().trim_matches('"'))
                .and_then(|s| s.parse::<i64>().ok())
                .ok_or_else(|| {
                    ApiError::new(
                        StatusCode::UNPROCESSABLE_ENTITY,
                        "invalid",
                        "If-Match must be the advisory's version number",
                    )
                    .with_field("If-Match")
                })?,
        ),
    };
    let ApiJson(patch) = body?;
    let record = advisories::update(&state, &user, &id, expected, &patch, Edit::Merge).await?;
    acted(&state, record).await
}

/// When to publish.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PublishBody {
    /// RFC 3339 time of a scheduled publication; absent or past: publish now.
    #[serde(default)]
    at: Option<String>,
}

/// Publish a draft now, or schedule it (`at`). Only maintainers (not triagers). The report
/// it came from moves to `disclosed` (publishing now requires it to be fixed).
#[utoipa::path(
    post, path = "/advisories/{id}/publish", tag = "advisories",
    params(("id" = String, Path, description = "The advisory's id")),
    request_body = PublishBody,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Published, or scheduled (`scheduled_at`)", body = AdvisoryBody),
        (status = 401, body = super::error::ErrorEnvelope),
        (status = 403, description = "Only maintainers publish", body = super::error::ErrorEnvelope),
        (status = 404, description = "No such advisory, or not yours", body = super::error::ErrorEnvelope),
        (status = 409, description = "Not a draft, or its report is not fixed", body = super::error::ErrorEnvelope),
        (status = 422, description = "Not publishable: the `field` names the problem", body = super::error::ErrorEnvelope),
    )
)]
pub async fn api_publish(
    State(state): State<AppState>,
    Path(id): Path<String>,
    caller: ApiCaller,
    body: Result<Option<ApiJson<PublishBody>>, ApiError>,
) -> Result<Json<AdvisoryBody>, ApiError> {
    let user = caller.user()?;
    let request = body?.map(|ApiJson(b)| b).unwrap_or_default();
    let at =
        match request.at.as_deref() {
            None => None,
            Some(s) => Some(s.parse::<jiff::Timestamp>().map_err(|_| {
                ApiError::from(ServiceError::field("at", "must be an RFC 3339 time"))
            })?),
        };
    let record = advisories::publish(&state, &user, &id, at).await?;
    acted(&state, record).await
}

/// Cancel a scheduled publication (maintainers only); the advisory stays a draft.
#[utoipa::path(
    post, path = "/advisories/{id}/unschedule", tag = "advisories",
    params(("id" = String, Path, description = "The advisory's id")),
    security(("bearer" = [])),
    responses(
        (status = 200, body = AdvisoryBody),
        (status = 401, body = super::error::ErrorEnvelope),
        (status = 403, description = "Only maintainers", body = super::error::ErrorEnvelope),
        (status = 404, description = "No such advisory, or not yours", body = super::error::ErrorEnvelope),
        (status = 409, description = "Nothing is scheduled", body = super::error::ErrorEnvelope),
    )
)]
pub async fn api_unschedule(
    State(state): State<AppState>,
    Path(id): Path<String>,
    caller: ApiCaller,
) -> Result<Json<AdvisoryBody>, ApiError> {
    let user = caller.user()?;
    let record = advisories::unschedule(&state, &user, &id).await?;
    acted(&state, record).await
}

/// Why an advisory is withdrawn.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WithdrawBody {
    /// One line; it becomes the advisory's summary.
    reason: String,
}

/// Withdraw a published advisory (maintainers only). It stays public, marked withdrawn.
#[utoipa::path(
    post, path = "/advisories/{id}/withdraw", tag = "advisories",
    params(("id" = String, Path, description = "The advisory's id")),
    request_body = WithdrawBody,
    security(("bearer" = [])),
    responses(
        (status = 200, body = AdvisoryBody),
        (status = 401, body = super::error::ErrorEnvelope),
        (status = 403, description = "Only maintainers withdraw", body = super::error::ErrorEnvelope),
        (status = 404, description = "No such advisory, or not yours", body = super::error::ErrorEnvelope),
        (status = 409, description = "Not published", body = super::error::ErrorEnvelope),
        (status = 422, description = "No reason given", body = super::error::ErrorEnvelope),
    )
)]
pub async fn api_withdraw(
    State(state): State<AppState>,
    Path(id): Path<String>,
    caller: ApiCaller,
    body: Result<ApiJson<WithdrawBody>, ApiError>,
) -> Result<Json<AdvisoryBody>, ApiError> {
    let user = caller.user()?;
    let ApiJson(request) = body?;
    let record = advisories::withdraw(&state, &user, &id, &request.reason).await?;
    acted(&state, record).await
}

/// The CVE request packet for projects without their own CNA: the CNA container and a
/// plain-text summary for a CNA's request form (maintainers only; audited).
#[utoipa::path(
    get, path = "/advisories/{id}/cve-packet", tag = "advisories",
    params(("id" = String, Path, description = "The advisory's id")),
    security(("bearer" = [])),
    responses(
        (status = 200, body = CvePacket),
        (status = 401, body = super::error::ErrorEnvelope),
        (status = 403, description = "Only maintainers export", body = super::error::ErrorEnvelope),
        (status = 404, description = "No such advisory, or not yours", body = super::error::ErrorEnvelope),
    )
)]
pub async fn api_cve_packet(
    State(state): State<AppState>,
    Path(id): Path<String>,
    caller: ApiCaller,
) -> Result<Json<CvePacket>, ApiError> {
    let user = caller.user()?;
    Ok(Json(advisories::cve_packet(&state, &user, &id).await?))
}

/// For projects whose CNA is configured: reserve a CVE id (added as an alias) or send the
/// published advisory's CNA container (publish the first time, update afterwards).
#[utoipa::path(
    post, path = "/advisories/{id}/cve/{action}", tag = "advisories",
    params(
        ("id" = String, Path, description = "The advisory's id"),
        ("action" = String, Path, description = "`reserve` or `submit`"),
    ),
    security(("bearer" = [])),
    responses(
        (status = 200, body = AdvisoryBody),
        (status = 401, body = super::error::ErrorEnvelope),
        (status = 403, description = "Only maintainers", body = super::error::ErrorEnvelope),
        (status = 404, description = "No such advisory or action", body = super::error::ErrorEnvelope),
        (status = 409, description = "No CNA for this project, not published, or CVE Services refused", body = super::error::ErrorEnvelope),
    )
)]
pub async fn api_cve(
    State(state): State<AppState>,
    Path((id, action)): Path<(String, String)>,
    caller: ApiCaller,
) -> Result<Json<AdvisoryBody>, ApiError> {
    let user = caller.user()?;
    let record = match action.as_str() {
        "reserve" => advisories::cve_reserve(&state, &user, &id).await?,
        "submit" => advisories::cve_submit(&state, &user, &id).await?,
        _ => return Err(ServiceError::NotFound("action").into()),
    };
    acted(&state, record).await
}

/// A package, as in OSV's query API.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QueryPackage {
    name: String,
    /// OSV ecosystem (`PyPI`, `npm`, …); absent: any.
    #[serde(default)]
    ecosystem: Option<String>,
}

/// OSV's query shape: a package and, optionally, a version.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QueryBody {
    package: QueryPackage,
    #[serde(default)]
    version: Option<String>,
}

/// The answer: OSV records (absent when none, as OSV answers).
#[derive(Debug, Serialize, ToSchema)]
pub struct QueryResult {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[schema(value_type = Vec<Object>)]
    vulns: Vec<Value>,
}

/// Which published advisories affect this version of a package? Shaped like OSV's
/// `POST /v1/query`; public, no token.
#[utoipa::path(
    post, path = "/query", tag = "advisories",
    request_body = QueryBody,
    responses(
        (status = 200, body = QueryResult),
        (status = 422, description = "A field is invalid; `field` names it", body = super::error::ErrorEnvelope),
    )
)]
pub async fn api_query(
    State(state): State<AppState>,
    ApiJson(q): ApiJson<QueryBody>,
) -> Result<Json<QueryResult>, ApiError> {
    let vulns = advisories::query(
        &state,
        q.package.ecosystem.as_deref().filter(|e| !e.is_empty()),
        &q.package.name,
        q.version.as_deref().filter(|v| !v.is_empty()),
    )
    .await?;
    Ok(Json(QueryResult { vulns }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_web_urls_become_links() {
        assert_eq!(
            safe_link("https://x.test/a").as_deref(),
            Some("https://x.test/a")
        );
        assert_eq!(safe_link("javascript:alert(1)"), None);
        assert_eq!(safe_link("data:text/html,hi"), None);
    }

    #[test]
    fn schedule_times_are_read_as_utc() {
        let t = parse_local_utc("2026-12-01T09:30").expect("parses");
        assert_eq!(t.to_string(), "2026-12-01T09:30:00Z");
        assert!(parse_local_utc("tomorrow").is_none());
    }
}
