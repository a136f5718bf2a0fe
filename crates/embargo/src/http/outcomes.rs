//! The report page's workflow section (move the report on, close it with a resolution, the
//! duplicate links) and the public bug text of a report assessed as not a vulnerability, in
//! HTML and in the API.

use super::{
    auth::ApiCaller,
    csrf::CsrfToken,
    error::{ApiError, PageError},
    extract::{ApiJson, CsrfForm, ReportPage},
    templates::{base, page},
};
use crate::{
    AppState,
    services::{ServiceError, outcomes, reports},
};
use axum::{
    Extension,
    extract::{Path, State},
    http::header,
    response::{Html, IntoResponse, Redirect, Response},
};
use domain::{
    account::{Permission, Role},
    report::{Resolution, State as ReportState},
    workflow::{ReportRef, TransitionRequest},
};
use serde::Deserialize;
use utoipa::ToSchema;

/// What the report page shows and offers about the report's workflow.
pub async fn context(
    state: &AppState,
    user: &domain::account::User,
    view: &reports::ReportView,
) -> Result<minijinja::Value, ServiceError> {
    let (project, report) = (&view.project, &view.report);
    let project_role = crate::services::projects::role_of(state, project, user).await?;
    let role = Role::resolve(user.is_admin, project_role, false, false);
    let next: Vec<_> = role
        .map(|r| domain::workflow::next_states_for(report.state, r))
        .unwrap_or_default()
        .into_iter()
        .map(|s| minijinja::context! { value => s.as_str(), label => s.label() })
        .collect();
    let links = outcomes::links(state, report, true).await?;
    let can_export = role.is_some_and(|r| r.allows(Permission::Disclose))
        && report.state == ReportState::Closed
        && matches!(
            report.resolution,
            Some(Resolution::NotAVulnerability | Resolution::OutOfScope)
        );
    let classes: Vec<_> = project
        .policy
        .non_qualifying
        .iter()
        .map(|c| minijinja::context! { id => c.id.clone(), wording => c.wording() })
        .collect();
    Ok(minijinja::context! {
        next,
        resolutions => Resolution::ALL.iter().map(|r| r.as_str()).collect::<Vec<_>>(),
        classes,
        duplicate_of => links.duplicate_of,
        duplicates => super::templates::ser(&links.duplicates),
        can_export,
    })
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub struct TransitionForm {
    to: String,
    resolution: String,
    duplicate_of: String,
    non_qualifying: String,
    message: String,
}

impl TransitionForm {
    /// The request the form stands for; empty fields are absent. Unknown states and
    /// resolutions are named as the API names them.
    fn request(&self) -> Result<TransitionRequest, ServiceError> {
        let to = ReportState::parse(self.to.trim())
            .ok_or_else(|| ServiceError::field("to", "is not a report state"))?;
        let some = |s: &str| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
        let resolution = some(&self.resolution)
            .map(|r| {
                Resolution::parse(&r)
                    .ok_or_else(|| ServiceError::field("resolution", "is not a resolution"))
            })
            .transpose()?;
        let duplicate_of = some(&self.duplicate_of)
            .map(|n| {
                n.trim_start_matches('#')
                    .parse::<i64>()
                    .map(ReportRef::Number)
                    .map_err(|_| ServiceError::field("duplicate_of", "is not a report number"))
            })
            .transpose()?;
        Ok(TransitionRequest {
            to,
            resolution,
            duplicate_of,
            non_qualifying: some(&self.non_qualifying),
            message: some(&self.message),
        })
    }
}

/// The report page's transition form: the same checks and replies as the API.
pub async fn transition(
    State(state): State<AppState>,
    Path((slug, number)): Path<(String, i64)>,
    ReportPage { user, view, role }: ReportPage,
    CsrfForm(form): CsrfForm<TransitionForm>,
) -> Result<Response, PageError> {
    if !role.allows(Permission::Transition) {
        return Err(ServiceError::Forbidden.into());
    }
    let request = form.request()?;
    reports::transition(
        &state,
        reports::Caller::User(&user),
        view.report.id,
        request,
    )
    .await?;
    Ok(Redirect::to(&format!("/inbox/{slug}/reports/{number}")).into_response())
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub struct PublicBugForm {
    assessment: String,
    non_qualifying: String,
}

/// Shows the public bug text of a closed report for the maintainers to copy into their
/// bug tracker (the export is audited).
pub async fn public_bug_page(
    State(state): State<AppState>,
    ReportPage { user, view, .. }: ReportPage,
    Extension(csrf): Extension<CsrfToken>,
    CsrfForm(form): CsrfForm<PublicBugForm>,
) -> Result<Html<String>, PageError> {
    let class = Some(form.non_qualifying.as_str()).filter(|s| !s.trim().is_empty());
    let markdown =
        outcomes::public_bug(&state, &user, view.report.id, &form.assessment, class).await?;
    page(
        "public_bug.html",
        minijinja::context! {
            title => format!("#{} as a public bug", view.report.number),
            project => minijinja::context! { slug => view.project.slug.as_str(), name => view.project.name.clone() },
            number => view.report.number,
            markdown,
            ..base(Some(&user), &csrf)
        },
    )
}

/// The maintainers' assessment for a public bug text.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PublicBugBody {
    /// Their own words (Markdown) on why this is not a vulnerability; at most 16 KiB.
    #[serde(default)]
    assessment: String,
    /// For out-of-scope reports: the policy's non-qualifying class to quote.
    #[serde(default)]
    non_qualifying: Option<String>,
}

/// Export a report closed as `not_a_vulnerability` or `out_of_scope` as a public bug text
/// (Markdown): the reporter's words in code blocks, the maintainers' assessment, the policy's
/// wording; never the reporter's e-mail address. Maintainers only; audited.
#[utoipa::path(
    post, path = "/reports/{id}/public-bug", tag = "reports",
    params(("id" = String, Path, format = Uuid, description = "The report's id")),
    request_body = PublicBugBody,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The Markdown text", content_type = "text/markdown", body = String),
        (status = 401, body = super::error::ErrorEnvelope),
        (status = 403, description = "Your role may not disclose", body = super::error::ErrorEnvelope),
        (status = 404, description = "No such report, or not yours", body = super::error::ErrorEnvelope),
        (status = 409, description = "The report is not closed as not a vulnerability or out of scope", body = super::error::ErrorEnvelope),
        (status = 422, description = "`assessment` too long or `non_qualifying` unknown", body = super::error::ErrorEnvelope),
    )
)]
pub async fn api_public_bug(
    State(state): State<AppState>,
    Path(id): Path<String>,
    caller: ApiCaller,
    body: Result<ApiJson<PublicBugBody>, ApiError>,
) -> Result<Response, ApiError> {
    let id: domain::ReportId = id
        .parse::<uuid::Uuid>()
        .map(domain::ReportId)
        .map_err(|_| ApiError::from(ServiceError::NotFound("report")))?;
    let user = caller.user()?;
    let ApiJson(request) = body?;
    let markdown = outcomes::public_bug(
        &state,
        &user,
        id,
        &request.assessment,
        request.non_qualifying.as_deref(),
    )
    .await?;
    Ok((
        [(header::CONTENT_TYPE, "text/markdown; charset=utf-8")],
        markdown,
    )
        .into_response())
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub struct AssignForm {
    /// A member's address; empty: nobody.
    assignee: String,
}

/// The report page's "Assign" form.
pub async fn assign(
    State(state): State<AppState>,
    ReportPage { user, view, .. }: ReportPage,
    CsrfForm(form): CsrfForm<AssignForm>,
) -> Result<Response, PageError> {
    let assignee = Some(form.assignee.as_str()).filter(|a| !a.trim().is_empty());
    reports::assign(&state, &user, view.report.id, assignee).await?;
    Ok(Redirect::to(&format!(
        "/inbox/{}/reports/{}",
        view.project.slug.as_str(),
        view.report.number
    ))
    .into_response())
}
