//! The maintainers' side of the web UI: sign-in, the inbox, report pages, policy editing,
//! project creation and the outbox.

use super::extract::{CsrfForm, ReportPage};
use super::limits::ClientIp;
use super::{
    age,
    auth::{CurrentUser, SESSION_COOKIE},
    csrf::{self, CsrfToken, set_cookie},
    error::PageError,
    human_time,
    templates::{base, field_errors, page},
};
use crate::{
    AppState,
    services::{
        ServiceError,
        accounts::{self, NewAccount, SESSION_DAYS},
        projects, reports, triage,
    },
};
use axum::{
    Extension,
    extract::{Path, Query, State},
    http::{StatusCode, header},
    response::{Html, IntoResponse, Redirect, Response},
};
use domain::{FieldErrors, account::Permission};
use serde::{Deserialize, Serialize, de::IgnoredAny};
use std::collections::BTreeMap;

/// Where to go after signing in: a path on this site, else the inbox. Only visible ASCII is
/// kept: browsers drop tabs and newlines from a `Location` (`/\t/host` becomes `//host`,
/// another site), and a control character or non-ASCII byte is no valid header value.
fn safe_next(next: &str) -> String {
    let on_site = next.starts_with('/')
        && !next.starts_with("//")
        && !next.contains('\\')
        && next.bytes().all(|b| b.is_ascii_graphic());
    if on_site {
        next.to_owned()
    } else {
        "/inbox".into()
    }
}

#[cfg(test)]
mod next_tests {
    use super::safe_next;

    #[test]
    fn only_paths_on_this_site_are_followed() {
        assert_eq!(safe_next("/inbox/demo?tab=open"), "/inbox/demo?tab=open");
        for off_site in [
            "//evil.example",
            "/\\evil.example",
            "/\t/evil.example",
            "/\n/evil.example",
            "/\r//evil.example",
            "/ /evil.example",
            "https://evil.example/",
            "/caf\u{e9}",
            "/\u{0}x",
            "",
        ] {
            assert_eq!(safe_next(off_site), "/inbox", "{off_site:?}");
        }
    }
}

// Sign-in ------------------------------------------------------------------------------

#[derive(Debug, Deserialize)]
pub struct NextQuery {
    #[serde(default)]
    next: Option<String>,
    /// `done` after a password reset.
    #[serde(default)]
    reset: Option<String>,
}

pub async fn login_page(
    Query(q): Query<NextQuery>,
    Extension(csrf): Extension<CsrfToken>,
) -> Result<Html<String>, PageError> {
    page(
        "login.html",
        minijinja::context! { title => "Sign in", next => safe_next(q.next.as_deref().unwrap_or("/inbox")), email => "", failed => false, notice => "", reset_done => q.reset.as_deref() == Some("done"), ..base(None, &csrf) },
    )
}

#[derive(Deserialize, Default)]
#[serde(default)]
/// Debug leaves the password out.
pub struct LoginForm {
    email: String,
    password: String,
    next: String,
}

impl std::fmt::Debug for LoginForm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoginForm")
            .field("email", &self.email)
            .finish_non_exhaustive()
    }
}

pub async fn login(
    State(state): State<AppState>,
    ClientIp(client): ClientIp,
    Extension(csrf): Extension<CsrfToken>,
    CsrfForm(form): CsrfForm<LoginForm>,
) -> Result<Response, PageError> {
    let again = |status: StatusCode, failed: bool, notice: String| {
        let html = page(
            "login.html",
            minijinja::context! { title => "Sign in", next => safe_next(&form.next), email => form.email.clone(), failed, notice, ..base(None, &csrf) },
        )?;
        Ok::<_, PageError>((status, html).into_response())
    };
    // Refused before the password is hashed: a flood costs no argon2 work.
    if let Err(denied) = state.limits.sign_in(client, &form.email) {
        tracing::warn!(%client, "sign-in refused by its rate limit");
        let mut response = again(
            StatusCode::TOO_MANY_REQUESTS,
            false,
            format!(
                "Too many sign-in attempts: try again in {}.",
                denied.wait_text()
            ),
        )?;
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, denied.retry_after_secs().into());
        return Ok(response);
    }
    match accounts::login(&state, &form.email, &form.password).await {
        Ok((_, token)) => {
            state.limits.sign_in_succeeded(&form.email);
            Ok(signed_in(&state, &token, &safe_next(&form.next)))
        }
        Err(ServiceError::Unauthenticated) => {
            state.limits.sign_in_failed(&form.email);
            again(StatusCode::UNAUTHORIZED, true, String::new())
        }
        Err(e) => Err(e.into()),
    }
}

pub(super) fn signed_in(state: &AppState, token: &str, next: &str) -> Response {
    let mut response = Redirect::to(next).into_response();
    if let Some(v) = set_cookie(
        SESSION_COOKIE,
        token,
        state.secure_cookies(),
        cookie::SameSite::Lax,
        Some(SESSION_DAYS * 86_400),
    ) {
        response.headers_mut().append(header::SET_COOKIE, v);
    }
    response
}

pub async fn logout(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
    CsrfForm(_): CsrfForm<IgnoredAny>,
) -> Result<Response, PageError> {
    if let Some(token) = csrf::cookie(&headers, SESSION_COOKIE) {
        accounts::logout(&state, token).await?;
    }
    let mut response = Redirect::to("/").into_response();
    if let Some(v) = set_cookie(
        SESSION_COOKIE,
        "",
        state.secure_cookies(),
        cookie::SameSite::Lax,
        Some(0),
    ) {
        response.headers_mut().append(header::SET_COOKIE, v);
    }
    Ok(response)
}

// First administrator ------------------------------------------------------------------

#[derive(Deserialize, Serialize, Default)]
#[serde(default)]
pub struct SetupForm {
    name: String,
    email: String,
    #[serde(skip_serializing)]
    password: String,
}

impl std::fmt::Debug for SetupForm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SetupForm")
            .field("email", &self.email)
            .finish_non_exhaustive()
    }
}

pub async fn setup_page(
    State(state): State<AppState>,
    Path(token): Path<String>,
    Extension(csrf): Extension<CsrfToken>,
) -> Result<Html<String>, PageError> {
    if !accounts::setup_token_valid(&state, &token) {
        return Err(PageError::not_found());
    }
    page(
        "setup.html",
        minijinja::context! { title => "Set up Embargo", token, form => super::templates::ser(SetupForm::default()), errors => BTreeMap::<String, String>::new(), ..base(None, &csrf) },
    )
}

pub async fn setup(
    State(state): State<AppState>,
    Path(token): Path<String>,
    Extension(csrf): Extension<CsrfToken>,
    CsrfForm(form): CsrfForm<SetupForm>,
) -> Result<Response, PageError> {
    let account = NewAccount {
        email: &form.email,
        name: &form.name,
        password: &form.password,
        is_admin: true,
    };
    match accounts::complete_setup(&state, &token, account).await {
        Ok((_, session)) => Ok(signed_in(&state, &session, "/inbox")),
        Err(ServiceError::Invalid(errors)) => {
            let html = page(
                "setup.html",
                minijinja::context! { title => "Set up Embargo", token, errors => field_errors(&errors), form => super::templates::ser(&form), ..base(None, &csrf) },
            )?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, html).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

// Inbox --------------------------------------------------------------------------------

pub async fn inbox(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Extension(csrf): Extension<CsrfToken>,
) -> Result<Html<String>, PageError> {
    let projects: Vec<_> = projects::of_user(&state, &user)
        .await?
        .into_iter()
        .map(|(p, role)| minijinja::context! { slug => p.slug.as_str(), name => p.name.clone(), role => role.map(|r| r.as_str()) })
        .collect();
    let collaborations: Vec<_> = crate::services::collaborators::of_user(&state, &user)
        .await?
        .into_iter()
        .map(|c| {
            minijinja::context! {
                slug => c.project_slug, project => c.project_name, number => c.number,
                title => c.title, until => human_time(c.expires_at),
            }
        })
        .collect();
    page(
        "inbox.html",
        minijinja::context! { title => "Inbox", projects, collaborations, ..base(Some(&user), &csrf) },
    )
}

#[derive(Debug, Deserialize, Default, Serialize)]
#[serde(default)]
pub struct InboxQuery {
    /// `all` (the default), `awaiting`, `overdue`, `open`, `junk` or `closed`.
    tab: Option<String>,
    /// The old name of the likely-junk tab: `spam`.
    #[serde(skip_serializing)]
    queue: Option<String>,
    state: Option<String>,
    label: Option<String>,
    verdict: Option<String>,
    q: Option<String>,
    sort: Option<String>,
    cursor: Option<String>,
    /// `me`, `none` or a member's address.
    assigned: Option<String>,
}

/// The inbox's page size.
const INBOX_PAGE: i64 = 50;

/// `?k=v&…` of the non-empty values, URL-encoded, for links that keep the filters.
fn query_string(pairs: &[(&str, Option<&str>)]) -> String {
    let kept: Vec<(&str, &str)> = pairs
        .iter()
        .filter_map(|(k, v)| Some((*k, v.map(str::trim).filter(|v| !v.is_empty())?)))
        .collect();
    if kept.is_empty() {
        String::new()
    } else {
        format!("?{}", serde_urlencoded::to_string(kept).unwrap_or_default())
    }
}

pub async fn project_inbox(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    Query(query): Query<InboxQuery>,
    CurrentUser(user): CurrentUser,
    Extension(csrf): Extension<CsrfToken>,
) -> Result<Response, PageError> {
    // The likely-junk tab was the "spam queue" before it had tabs.
    if query.queue.as_deref() == Some("spam") {
        let to = format!(
            "?{}",
            serde_urlencoded::to_string([("tab", "junk")]).unwrap_or_default()
        );
        return Ok(Redirect::to(&format!("/inbox/{}{to}", slug_path(&slug))).into_response());
    }
    let tab = reports::Tab::parse(query.tab.as_deref())?;
    let from_tab = tab.params();
    let pick = |own: &Option<String>, tab: Option<String>| {
        own.clone().filter(|v| !v.trim().is_empty()).or(tab)
    };
    let params = reports::ListParams {
        limit: Some(INBOX_PAGE.to_string()),
        cursor: query.cursor.clone(),
        state: pick(&query.state, from_tab.state),
        label: query.label.clone(),
        verdict: query.verdict.clone(),
        q: query.q.clone(),
        sort: query.sort.clone(),
        overdue: from_tab.overdue,
        junk: from_tab.junk,
        assigned: query.assigned.clone(),
    };
    let list = reports::page(&state, &user, &slug, &params).await?;
    let project = &list.project;
    let counts = reports::tab_counts(&state, project).await?;
    let now = state.now();
    let rows: Vec<_> = list
        .items
        .iter()
        .map(|row| {
            let r = &row.report;
            let awaiting = r.state.awaits_acknowledgement();
            let (label, verdict) = row
                .triage
                .map(|(l, v)| (Some(l.as_str()), Some(v.as_str())))
                .unwrap_or_default();
            minijinja::context! {
                severity => row.severity.clone(),
                score => row.score_tenths.and_then(|t| u8::try_from(t).ok()).map(store::score_text),
                likely_invalid => row.likely_junk,
                triage_label => label,
                triage_verdict => verdict,
                number => r.number,
                title => r.title.clone(),
                state => r.state.as_str(),
                state_label => r.state.label(),
                age => age(r.received_at, now),
                awaiting,
                ack_due => human_time(r.sla.acknowledge_due),
                overdue => awaiting && r.sla.acknowledge_due < now,
                assignee => row.assignee.clone(),
            }
        })
        .collect();
    let tab_name = tab.as_str();
    let filters = |cursor: Option<&str>| {
        query_string(&[
            ("tab", Some(tab_name).filter(|t| *t != "all")),
            ("state", query.state.as_deref()),
            ("label", query.label.as_deref()),
            ("verdict", query.verdict.as_deref()),
            ("q", query.q.as_deref()),
            ("sort", query.sort.as_deref()),
            ("assigned", query.assigned.as_deref()),
            ("cursor", cursor),
        ])
    };
    let tabs: Vec<_> = counts
        .iter()
        .map(|(t, n)| {
            minijinja::context! {
                name => t.as_str(),
                label => t.label(),
                count => n,
                current => *t == tab,
                href => query_string(&[("tab", Some(t.as_str()).filter(|t| *t != "all"))]),
            }
        })
        .collect();
    let option = |value: &str, label: &str, chosen: Option<&str>| {
        minijinja::context! { value, label, selected => chosen == Some(value) }
    };
    let states: Vec<_> = domain::report::State::ALL
        .iter()
        .map(|s| option(s.as_str(), s.label(), query.state.as_deref()))
        .chain([
            option("open", "Any open state", query.state.as_deref()),
            option("closed", "Closed or disclosed", query.state.as_deref()),
        ])
        .collect();
    let labels: Vec<_> = ::triage::Label::ALL
        .iter()
        .map(|l| option(l.as_str(), l.as_str(), query.label.as_deref()))
        .collect();
    let verdicts: Vec<_> = ["likely_valid", "needs_review", "likely_invalid"]
        .iter()
        .map(|v| option(v, v, query.verdict.as_deref()))
        .collect();
    let assigned: Vec<_> = [("me", "Me"), ("none", "Nobody")]
        .iter()
        .map(|(v, l)| option(v, l, query.assigned.as_deref()))
        .collect();
    let sorts: Vec<_> = [
        ("received", "Newest first"),
        ("due", "Due soonest"),
        ("severity", "Highest severity"),
    ]
    .iter()
    .map(|(v, l)| option(v, l, Some(query.sort.as_deref().unwrap_or("received"))))
    .collect();
    let html = page(
        "project_inbox.html",
        minijinja::context! {
            title => format!("{}: reports", project.name),
            project => minijinja::context! { slug => project.slug.as_str(), name => project.name.clone() },
            reports => rows,
            tabs,
            tab => tab_name,
            junk_tab => tab == reports::Tab::Junk,
            filters => minijinja::context! {
                tab => tab_name,
                q => query.q.clone().unwrap_or_default(),
                states, labels, verdicts, sorts, assigned,
            },
            paged => query.cursor.as_deref().is_some_and(|c| !c.is_empty()),
            first_page => filters(None),
            next_page => list.next_cursor.as_deref().map(|c| filters(Some(c))),
            ..base(Some(&user), &csrf)
        },
    )?;
    Ok(html.into_response())
}

/// A slug as a path segment: slugs are letters, digits and dashes; anything else (a slug
/// that cannot exist) is left out rather than let into the redirect.
fn slug_path(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect()
}

pub async fn report_page(
    State(state): State<AppState>,
    ReportPage { user, view, role }: ReportPage,
    Extension(csrf): Extension<CsrfToken>,
) -> Result<Html<String>, PageError> {
    render_report(&state, &user, &csrf, &view, role, None).await
}

/// The report page; after a refused rescoring, with what was typed and the field errors.
async fn render_report(
    state: &AppState,
    user: &domain::account::User,
    csrf: &CsrfToken,
    view: &reports::ReportView,
    role: domain::account::Role,
    refused: Option<(&ScoreForm, &FieldErrors)>,
) -> Result<Html<String>, PageError> {
    let (project, r) = (&view.project, &view.report);
    let workflow = super::outcomes::context(state, user, view).await?;
    let can_act = role.allows(Permission::ActOnReports);
    let triage = if role.allows(Permission::ReadInternal) {
        triage::view(state, r.id).await?
    } else {
        None
    };
    let can_block = role.allows(Permission::EditPolicy);
    let block = if can_block {
        Some(crate::services::filters::block_status(state, r).await?)
    } else {
        None
    };
    let now = state.now();
    // Junk nobody decided on: its clocks stand still, so it is never overdue.
    let hold = if role.allows(Permission::ReadInternal) {
        crate::services::junk::status(state, r.id).await?
    } else {
        None
    };
    let clocks_stopped = hold.as_ref().is_some_and(|h| h.clocks_stopped)
        || (r.state == domain::report::State::Closed
            && r.resolution == Some(domain::report::Resolution::Spam));
    let can_score = role.allows(Permission::Score);
    let assignment = if role.allows(Permission::ReadReports) {
        let a = reports::assignment(state, r).await?;
        let person = |u: &domain::account::User| {
            minijinja::context! { name => u.name.clone(), email => u.email.as_str() }
        };
        Some(minijinja::context! {
            current => a.current.as_ref().map(person),
            members => a.members.iter().map(|m| minijinja::context! {
                name => m.name.clone(), email => m.email.as_str(),
                selected => a.current.as_ref().is_some_and(|c| c.id == m.id),
            }).collect::<Vec<_>>(),
            can_assign => can_act,
        })
    } else {
        None
    };
    let collaborators = if role.allows(Permission::ReadReports) {
        let list = crate::services::collaborators::list(state, user, r.id).await?;
        Some(super::collaborators::rows(&list, now))
    } else {
        None
    };
    let scores: Vec<_> = view
        .scores
        .entries
        .iter()
        .map(|e| {
            let by = match e.kind {
                store::AuthorKind::Reporter => {
                    r.reporter_name.clone().unwrap_or_else(|| "Reporter".into())
                }
                _ => e.by.clone().unwrap_or_else(|| "Maintainer".into()),
            };
            minijinja::context! {
                kind => e.kind.as_str(), by, at => human_time(e.at), vector => e.vector.clone(),
                version => e.version.clone(), score => e.score.clone(),
                severity => e.severity.clone(), rationale => e.rationale.clone(),
                previous_score => e.previous_score.clone(),
                changes => e.changes.iter().map(|c| minijinja::context! {
                    metric => c.metric.clone(),
                    from => c.from.clone().unwrap_or_else(|| "—".into()),
                    to => c.to.clone().unwrap_or_else(|| "—".into()),
                }).collect::<Vec<_>>(),
            }
        })
        .collect();
    let current = view.scores.current().map(|c| {
        minijinja::context! { score => c.score.clone(), severity => c.severity.clone(), kind => c.kind.as_str() }
    });
    // Signatures of the mail the report came by and of the reporter's replies (a reply's
    // message has the inbound message's id).
    let inbound = crate::services::inbound::of_report(state, r.id).await?;
    let signature_of = |id: uuid::Uuid| {
        inbound
            .iter()
            .find(|i| i.id == id)
            .and_then(|i| i.signature.as_ref())
            .map(|s| {
                minijinja::context! {
                    status => s.status.as_str(),
                    label => crate::services::reporter_keys::signature_label(s),
                }
            })
    };
    let description_signature = inbound
        .iter()
        .find(|i| i.disposition == store::Disposition::Report)
        .and_then(|i| signature_of(i.id));
    let reporter_keys: Vec<_> = crate::services::reporter_keys::of_report(state, r.id)
        .await?
        .iter()
        .map(|k| minijinja::context! { fingerprint => k.fingerprint.clone(), source => k.source.as_str() })
        .collect();
    let messages: Vec<_> = view
        .messages
        .iter()
        .map(|m| {
            let author = match m.author_kind {
                store::AuthorKind::Reporter => {
                    r.reporter_name.clone().unwrap_or_else(|| "Reporter".into())
                }
                store::AuthorKind::Maintainer => {
                    m.author_name.clone().unwrap_or_else(|| "Maintainer".into())
                }
                store::AuthorKind::System => "Embargo".into(),
            };
            minijinja::context! {
                author, author_kind => m.author_kind.as_str(), visibility => m.visibility.as_str(),
                at => human_time(m.created_at), body => m.body.clone(),
                signature => signature_of(m.id),
            }
        })
        .collect();
    page(
        "report.html",
        minijinja::context! {
            title => format!("#{} {}", r.number, r.title),
            project => minijinja::context! { slug => project.slug.as_str(), name => project.name.clone() },
            report => super::templates::ser(r),
            state_label => r.state.label(),
            received => human_time(r.received_at),
            ack_due => human_time(r.sla.acknowledge_due),
            overdue => !clocks_stopped && r.state.awaits_acknowledgement() && r.sla.acknowledge_due < now,
            clocks_stopped,
            assignment,
            hold => hold.as_ref().map(super::templates::ser),
            triage_due => human_time(r.sla.triage_due),
            disclosure_due => human_time(r.sla.disclosure_due),
            can_acknowledge => can_act && r.state.can_acknowledge(),
            can_write_advisory => can_act && matches!(
                r.state,
                domain::report::State::Accepted
                    | domain::report::State::Fixing
                    | domain::report::State::Fixed
                    | domain::report::State::Disclosed
            ),
            messages,
            description_signature,
            reporter_keys,
            scores,
            current,
            can_score,
            score_form => minijinja::context! {
                vector => refused.map(|(f, _)| f.vector.clone()).unwrap_or_default(),
                rationale => refused.map(|(f, _)| f.rationale.clone()).unwrap_or_default(),
            },
            errors => refused.map(|(_, e)| field_errors(e)).unwrap_or_default(),
            triage => triage.as_ref().map(|t| minijinja::context! {
                label => t.label.clone(),
                verdict => t.verdict.clone(),
                headline => t.headline.clone(),
                likely_invalid => t.likely_invalid(),
                triaged_at => human_time(t.triaged_at),
                groups => super::templates::ser(crate::present::triage_groups(&t.findings)),
                has_findings => !t.findings.is_empty(),
            }),
            can_dismiss => can_act,
            workflow,
            extensions => view.extensions.iter().map(|e| minijinja::context! {
                clock => e.clock.as_str(), from => human_time(e.old_due),
                to => human_time(e.new_due), at => human_time(e.at), reason => e.reason.clone(),
                by => e.by_name.clone(),
            }).collect::<Vec<_>>(),
            can_extend => role.allows(Permission::ExtendDeadline),
            running_clocks => domain::calendar::SlaClock::ALL
                .into_iter()
                .filter(|c| c.runs_in(r.state))
                .map(|c| c.as_str())
                .collect::<Vec<_>>(),
            // A collaborator sees this report and nothing else of the project.
            project_member => role.allows(Permission::ReadReports),
            collaborators,
            can_invite => role.allows(Permission::Invite),
            can_comment_internal => role.allows(Permission::CommentInternal),
            can_comment => role.allows(Permission::Comment),
            block => block.as_ref().map(|b| minijinja::context! {
                rule => b.rule.clone(),
                tracking_disabled => b.tracking_disabled,
            }),
            ..base(Some(user), csrf)
        },
    )
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub struct DismissForm {
    finding: String,
    reason: String,
}

/// A maintainer dismisses one triage finding, saying why.
pub async fn dismiss_finding(
    State(state): State<AppState>,
    Path((slug, number)): Path<(String, i64)>,
    ReportPage { user, view, .. }: ReportPage,
    CsrfForm(form): CsrfForm<DismissForm>,
) -> Result<Response, PageError> {
    triage::dismiss(&state, &user, view.report.id, &form.finding, &form.reason).await?;
    Ok(Redirect::to(&format!("/inbox/{slug}/reports/{number}#triage")).into_response())
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub struct ScoreForm {
    vector: String,
    rationale: String,
}

/// The report page's rescoring form.
pub async fn score(
    State(state): State<AppState>,
    Path((slug, number)): Path<(String, i64)>,
    ReportPage { user, view, role }: ReportPage,
    Extension(csrf): Extension<CsrfToken>,
    CsrfForm(form): CsrfForm<ScoreForm>,
) -> Result<Response, PageError> {
    let result = reports::rescore(
        &state,
        reports::Caller::User(&user),
        view.report.id,
        &form.vector,
        &form.rationale,
    )
    .await;
    match result {
        Ok(_) => {
            Ok(Redirect::to(&format!("/inbox/{slug}/reports/{number}#scores")).into_response())
        }
        Err(ServiceError::Invalid(errors)) => {
            let html =
                render_report(&state, &user, &csrf, &view, role, Some((&form, &errors))).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, html).into_response())
        }
        Err(other) => Err(other.into()),
    }
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub struct AcknowledgeForm {
    message: String,
}

pub async fn acknowledge(
    State(state): State<AppState>,
    Path((slug, number)): Path<(String, i64)>,
    ReportPage { user, view, .. }: ReportPage,
    CsrfForm(form): CsrfForm<AcknowledgeForm>,
) -> Result<Response, PageError> {
    reports::acknowledge(&state, &user, view.report.id, Some(&form.message)).await?;
    Ok(Redirect::to(&format!("/inbox/{slug}/reports/{number}")).into_response())
}

// Policy -------------------------------------------------------------------------------

#[derive(Debug, Deserialize)]
pub struct SavedQuery {
    #[serde(default)]
    saved: Option<String>,
}

/// The policy text in the editor and the version it started from.
#[derive(Debug, Clone, Copy)]
struct Draft<'a> {
    text: &'a str,
    version: i64,
    saved: bool,
}

async fn render_policy_edit(
    state: &AppState,
    user: &domain::account::User,
    project: &domain::project::Project,
    draft: Draft<'_>,
    errors: &FieldErrors,
    csrf: &CsrfToken,
) -> Result<Html<String>, PageError> {
    let Draft {
        text: policy_toml,
        version,
        saved,
    } = draft;
    let history: Vec<_> = crate::services::projects::policy_history(state, project)
        .await?
        .into_iter()
        .map(|v| minijinja::context! { version => v.version, at => human_time(v.changed_at), by => v.changed_by.map(|u| u.to_string()) })
        .collect();
    let watch = crate::services::watch::status(state, project)
        .await?
        .map(|w| {
            let summary: serde_json::Value = w
                .last_summary
                .as_deref()
                .and_then(|s| serde_json::from_str(s).ok())
                .unwrap_or_default();
            minijinja::context! {
                url => w.url,
                checked => w.last_checked_at.map(human_time),
                valid => w.last_valid,
                next => human_time(w.next_check_at),
                errors => super::templates::ser(&summary["errors"]),
                warnings => super::templates::ser(&summary["warnings"]),
            }
        });
    page(
        "policy_edit.html",
        minijinja::context! {
            title => format!("Policy of {}", project.name),
            project => minijinja::context! { slug => project.slug.as_str(), name => project.name.clone() },
            policy_toml, version, history, saved, watch,
            history_shown => crate::services::projects::POLICY_HISTORY_SHOWN,
            errors => errors.0.iter().map(|e| minijinja::context! { field => e.field.clone(), message => e.message.clone() }).collect::<Vec<_>>(),
            ..base(Some(user), csrf)
        },
    )
}

pub async fn policy_edit(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    Query(q): Query<SavedQuery>,
    CurrentUser(user): CurrentUser,
    Extension(csrf): Extension<CsrfToken>,
) -> Result<Html<String>, PageError> {
    let (project, _) = projects::for_user(&state, &user, &slug, Permission::EditPolicy).await?;
    let text = project.policy.to_toml();
    render_policy_edit(
        &state,
        &user,
        &project,
        Draft {
            text: &text,
            version: project.policy_version,
            saved: q.saved.is_some(),
        },
        &FieldErrors::default(),
        &csrf,
    )
    .await
}

#[derive(Debug, Deserialize, Default)]
#[serde(default)]
pub struct PolicyForm {
    version: i64,
    policy: String,
}

pub async fn policy_save(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    CurrentUser(user): CurrentUser,
    Extension(csrf): Extension<CsrfToken>,
    CsrfForm(form): CsrfForm<PolicyForm>,
) -> Result<Response, PageError> {
    match projects::update_policy(&state, &user, &slug, form.version, &form.policy).await {
        Ok(_) => Ok(Redirect::to(&format!("/inbox/{slug}/policy?saved=1")).into_response()),
        Err(ServiceError::Invalid(errors)) => {
            let (project, _) =
                projects::for_user(&state, &user, &slug, Permission::EditPolicy).await?;
            let html = render_policy_edit(
                &state,
                &user,
                &project,
                Draft {
                    text: &form.policy,
                    version: form.version,
                    saved: false,
                },
                &errors,
                &csrf,
            )
            .await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, html).into_response())
        }
        Err(ServiceError::Conflict { message, .. }) => {
            let (project, _) =
                projects::for_user(&state, &user, &slug, Permission::EditPolicy).await?;
            let errors = FieldErrors(vec![domain::FieldError::new("version", message)]);
            let html = render_policy_edit(
                &state,
                &user,
                &project,
                Draft {
                    text: &form.policy,
                    version: form.version,
                    saved: false,
                },
                &errors,
                &csrf,
            )
            .await?;
            Ok((StatusCode::CONFLICT, html).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

// Administration -----------------------------------------------------------------------

fn require_admin(user: &domain::account::User) -> Result<(), PageError> {
    if user.is_admin {
        Ok(())
    } else {
        Err(PageError::new(
            StatusCode::FORBIDDEN,
            "Not allowed",
            "Only administrators can do this.",
        ))
    }
}

#[derive(Debug, Deserialize, Serialize, Default)]
#[serde(default)]
pub struct ProjectForm {
    slug: String,
    name: String,
    contact: String,
}

pub async fn project_new(
    CurrentUser(user): CurrentUser,
    Extension(csrf): Extension<CsrfToken>,
) -> Result<Html<String>, PageError> {
    require_admin(&user)?;
    page(
        "project_new.html",
        minijinja::context! { title => "New project", form => super::templates::ser(ProjectForm::default()), errors => BTreeMap::<String, String>::new(), ..base(Some(&user), &csrf) },
    )
}

pub async fn project_create(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Extension(csrf): Extension<CsrfToken>,
    CsrfForm(form): CsrfForm<ProjectForm>,
) -> Result<Response, PageError> {
    require_admin(&user)?;
    let new = projects::NewProject {
        slug: &form.slug,
        name: &form.name,
        contact: Some(&form.contact),
        policy_toml: None,
    };
    let result = if form.contact.trim().is_empty() {
        Err(ServiceError::field("contact", "is required"))
    } else {
        projects::create(&state, new, Some(&user)).await
    };
    match result {
        Ok(p) => Ok(Redirect::to(&format!("/inbox/{}/policy", p.slug.as_str())).into_response()),
        Err(ServiceError::Invalid(errors)) => {
            let html = page(
                "project_new.html",
                minijinja::context! { title => "New project", form => super::templates::ser(&form), errors => field_errors(&errors), ..base(Some(&user), &csrf) },
            )?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, html).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

/// The outbox (administrators): a page of e-mails, newest first, with a link to older ones.
/// The outbox page's `?email=ID`: one e-mail to read in full.
#[derive(Debug, Default, serde::Deserialize)]
pub struct OpenEmail {
    email: Option<String>,
}

pub async fn outbox(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    Extension(csrf): Extension<CsrfToken>,
    query: Result<
        axum::extract::Query<super::mail_log::PageQuery>,
        axum::extract::rejection::QueryRejection,
    >,
    opened: Result<axum::extract::Query<OpenEmail>, axum::extract::rejection::QueryRejection>,
) -> Result<Html<String>, PageError> {
    require_admin(&user)?;
    let axum::extract::Query(q) = query.map_err(|e| {
        PageError::new(
            axum::http::StatusCode::BAD_REQUEST,
            "Bad request",
            e.body_text(),
        )
    })?;
    // `?email=ID` opens one e-mail's text above the list.
    let shown = match opened.ok().and_then(|o| o.0.email) {
        Some(id) => Some(crate::services::mail::outbox_email(&state, &user, &id).await?),
        None => None,
    };
    let list =
        crate::services::mail::outbox(&state, q.limit.as_deref(), q.cursor.as_deref()).await?;
    let emails: Vec<_> = list
        .items
        .into_iter()
        .map(|e| {
            minijinja::context! {
                id => e.id.to_string(), at => human_time(e.created_at), to => e.to, subject => e.subject, status => e.status.as_str(),
                attempts => e.attempts, last_error => e.last_error,
            }
        })
        .collect();
    page(
        "outbox.html",
        minijinja::context! {
            title => "Outbox",
            emails,
            shown => shown.map(|e| minijinja::context! {
                to => e.to, subject => e.subject, body => e.body_text,
                at => human_time(e.created_at), status => e.status.as_str(),
            }),
            older => q.next_href(list.next_cursor.as_deref()),
            continued => q.cursor.as_deref().is_some_and(|c| !c.is_empty()),
            smtp_configured => !secrecy::ExposeSecret::expose_secret(&state.config.smtp.url).is_empty(),
            ..base(Some(&user), &csrf)
        },
    )
}
