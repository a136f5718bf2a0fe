//! The reporter's side of the web UI: the report form and the private tracking page.

use super::extract::CsrfForm;
use super::limits::ClientIp;
use super::{
    auth::CurrentUser,
    csrf::CsrfToken,
    error::PageError,
    human_time,
    public::{policy_context, targets_text},
    templates::{base, field_errors, page},
};
use crate::{
    AppState,
    services::{ServiceError, projects, reports},
};
use axum::{
    Extension,
    body::Bytes,
    extract::{Path, State, rejection::BytesRejection},
    http::StatusCode,
    response::{Html, IntoResponse, Redirect, Response},
};
use domain::{
    FieldErrors,
    project::Project,
    report::{ReportInput, ReporterInput, Source},
};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The report form's fields, kept as typed so the form can come back with them.
#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct ReportForm {
    pub title: String,
    pub description: String,
    pub affected_version: String,
    pub reproduction: String,
    pub impact: String,
    pub cvss_vector: String,
    pub reporter_name: String,
    pub reporter_email: String,
    pub credit_as: String,
    /// `name`, `handle` or `anonymous`; empty when the reporter did not choose.
    pub credit: String,
    /// The reporter's armored OpenPGP public key (optional).
    pub pgp_key: String,
}

impl ReportForm {
    fn to_input(&self) -> ReportInput {
        let some = |s: &String| {
            if s.trim().is_empty() {
                None
            } else {
                Some(s.clone())
            }
        };
        ReportInput {
            title: self.title.clone(),
            description: self.description.clone(),
            affected_version: some(&self.affected_version),
            reproduction: some(&self.reproduction),
            impact: some(&self.impact),
            cvss_vector: some(&self.cvss_vector),
            reporter: ReporterInput {
                name: some(&self.reporter_name),
                email: some(&self.reporter_email),
                credit_as: some(&self.credit_as),
                credit: domain::report::CreditMode::parse(self.credit.trim()),
            },
        }
    }
}

/// Parses an `application/x-www-form-urlencoded` body: 413 over the limit, 400 when it is
/// not a form or not UTF-8.
pub fn parse_form<T: serde::de::DeserializeOwned>(
    body: Result<Bytes, BytesRejection>,
) -> Result<T, PageError> {
    let body = body.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            PageError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "Too large",
                "The form is larger than this server accepts.",
            )
        } else {
            PageError::new(
                StatusCode::BAD_REQUEST,
                "Bad request",
                "The form could not be read.",
            )
        }
    })?;
    if std::str::from_utf8(&body).is_err() {
        return Err(PageError::new(
            StatusCode::BAD_REQUEST,
            "Bad request",
            "The form is not valid UTF-8.",
        ));
    }
    serde_urlencoded::from_bytes(&body).map_err(|e| {
        PageError::new(
            StatusCode::BAD_REQUEST,
            "Bad request",
            format!("The form could not be read: {e}"),
        )
    })
}

fn render_form(
    project: &Project,
    form: &ReportForm,
    errors: &FieldErrors,
    notice: &str,
    user: Option<&CurrentUser>,
    csrf: &CsrfToken,
) -> Result<Html<String>, PageError> {
    page(
        "report_form.html",
        minijinja::context! {
            title => format!("Report a vulnerability in {}", project.name),
            project => minijinja::context! { slug => project.slug.as_str(), name => project.name.clone() },
            policy => policy_context(project),
            targets_text => targets_text(&project.policy),
            form => super::templates::ser(form),
            errors => field_errors(errors),
            notice,
            ..base(user.map(|u| &u.0), csrf)
        },
    )
}

pub async fn report_form(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    user: Option<CurrentUser>,
    Extension(csrf): Extension<CsrfToken>,
) -> Result<Html<String>, PageError> {
    let project = projects::public(&state, &slug).await?;
    render_form(
        &project,
        &ReportForm::default(),
        &FieldErrors::default(),
        "",
        user.as_ref(),
        &csrf,
    )
}

pub async fn submit_report(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    ClientIp(client): ClientIp,
    user: Option<CurrentUser>,
    Extension(csrf): Extension<CsrfToken>,
    form: Result<CsrfForm<ReportForm>, PageError>,
) -> Result<Response, PageError> {
    // An unknown project is a 404 whatever the form says.
    let target = reports::Target::open(&state, &slug).await?;
    let project = target.project.clone();
    let CsrfForm(form) = form?;
    let reporter = Some(form.reporter_email.as_str());
    if let Err(denied) = state.limits.intake(client, project.slug.as_str(), reporter) {
        tracing::warn!(%client, project = %project.slug.as_str(), "report refused by its rate limit");
        // The form comes back as typed, so nothing written is lost.
        let notice = format!(
            "Nothing was sent: too many reports came from you in a short time. Please try again in {}; what you wrote is kept below.",
            denied.wait_text()
        );
        let html = render_form(
            &project,
            &form,
            &FieldErrors::default(),
            &notice,
            user.as_ref(),
            &csrf,
        )?;
        return Ok((
            StatusCode::TOO_MANY_REQUESTS,
            [(
                axum::http::header::RETRY_AFTER,
                denied.retry_after_secs().to_string(),
            )],
            html,
        )
            .into_response());
    }
    match reports::submit(
        &state,
        target,
        form.to_input(),
        Source::Web,
        None,
        Some(form.pgp_key.as_str()),
    )
    .await
    {
        Ok(reports::SubmitOutcome::Created(s) | reports::SubmitOutcome::Replayed(s)) => {
            let path = format!("/track/{}?submitted=1", s.token);
            Ok(Redirect::to(&path).into_response())
        }
        Err(ServiceError::Invalid(errors)) => {
            let html = render_form(&project, &form, &errors, "", user.as_ref(), &csrf)?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, html).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Debug, Deserialize)]
pub struct TrackQuery {
    #[serde(default)]
    submitted: Option<String>,
}

fn render_track(
    token: &str,
    view: &reports::ReportView,
    just_submitted: bool,
    draft: &str,
    errors: BTreeMap<String, String>,
    csrf: &CsrfToken,
) -> Result<Html<String>, PageError> {
    let r = &view.report;
    let messages: Vec<_> = view
        .messages
        .iter()
        .map(|m| {
            let author = match m.author_kind {
                store::AuthorKind::Reporter => "You".to_owned(),
                store::AuthorKind::Maintainer => m.author_name.clone().unwrap_or_else(|| "Maintainer".into()),
                store::AuthorKind::System => "Embargo".into(),
            };
            minijinja::context! { author, author_kind => m.author_kind.as_str(), at => human_time(m.created_at), body => m.body.clone() }
        })
        .collect();
    page(
        "track.html",
        minijinja::context! {
            title => format!("Report #{}", r.number),
            project => minijinja::context! { name => view.project.name.clone() },
            report => super::templates::ser(r),
            state_label => r.state.label(),
            received => human_time(r.received_at),
            ack_due => human_time(r.sla.acknowledge_due),
            disclosure_due => human_time(r.sla.disclosure_due),
            // The current score only: rationales stay with the maintainers.
            severity => view.scores.current().map(|c| minijinja::context! {
                score => c.score.clone(), severity => c.severity.clone(), vector => c.vector.clone(),
                rescored => c.kind == store::AuthorKind::Maintainer,
            }),
            messages,
            // What moved and why; not who.
            extensions => view.extensions.iter().map(|e| minijinja::context! {
                clock => e.clock.as_str(), from => human_time(e.old_due),
                to => human_time(e.new_due), at => human_time(e.at), reason => e.reason.clone(),
            }).collect::<Vec<_>>(),
            token,
            just_submitted,
            draft,
            errors,
            ..base(None, csrf)
        },
    )
}

pub async fn track(
    State(state): State<AppState>,
    Path(token): Path<String>,
    axum::extract::Query(query): axum::extract::Query<TrackQuery>,
    Extension(csrf): Extension<CsrfToken>,
) -> Result<Response, PageError> {
    let view = reports::by_tracking_token(&state, &token).await?;
    let html = render_track(
        &token,
        &view,
        query.submitted.is_some(),
        "",
        BTreeMap::new(),
        &csrf,
    )?;
    Ok(html.into_response())
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct MessageForm {
    body: String,
}

pub async fn track_message(
    State(state): State<AppState>,
    Path(token): Path<String>,
    Extension(csrf): Extension<CsrfToken>,
    CsrfForm(form): CsrfForm<MessageForm>,
) -> Result<Response, PageError> {
    match reports::reporter_message(&state, &token, &form.body).await {
        Ok(_) => Ok(Redirect::to(&format!("/track/{token}")).into_response()),
        Err(ServiceError::Invalid(errors)) => {
            let view = reports::by_tracking_token(&state, &token).await?;
            let html = render_track(
                &token,
                &view,
                false,
                &form.body,
                field_errors(&errors),
                &csrf,
            )?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, html).into_response())
        }
        Err(e) => Err(e.into()),
    }
}
