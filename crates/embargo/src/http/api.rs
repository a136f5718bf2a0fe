//! The JSON API (`/api/v1`). Authentication is by bearer token only, never by cookie, so
//! no request another site can make carries authority.

use super::extract::ApiJson;
use super::limits::ClientIp;
use super::{auth::ApiCaller, error::ApiError};
use crate::{
    AppState,
    services::{
        ServiceError,
        reports::{self, ReportView, Submitted},
    },
};
use axum::{
    Json,
    extract::{Path, State},
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Response},
};
use domain::report::{ReportInput, Source};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A new report (DESIGN.md §5).
#[derive(Debug, Deserialize, ToSchema)]
#[allow(dead_code)] // Documents the wire format; requests are parsed into `ReportInput`.
pub struct NewReportBody {
    /// One line, at most 200 bytes.
    title: String,
    /// What the vulnerability is.
    description: String,
    affected_version: Option<String>,
    /// Steps to reproduce or a proof of concept, as text.
    reproduction: Option<String>,
    impact: Option<String>,
    /// The reporter's CVSS vector, e.g. `CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H`.
    cvss_vector: Option<String>,
    reporter: Option<ReporterBody>,
}

#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct ReporterBody {
    name: Option<String>,
    email: Option<String>,
    /// The name or handle to credit the reporter under in the advisory.
    credit_as: Option<String>,
    /// `name`, `handle` or `anonymous` (no credit); without it, `credit_as` is a name.
    credit: Option<String>,
    /// On submission only: the reporter's armored OpenPGP public key; e-mail to them is then
    /// encrypted to it (and signed by the project's key).
    #[serde(skip_serializing_if = "Option::is_none")]
    pgp_key: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SlaBody {
    acknowledge_due: String,
    triage_due: String,
    disclosure_due: String,
}

impl From<&domain::report::Sla> for SlaBody {
    fn from(sla: &domain::report::Sla) -> Self {
        Self {
            acknowledge_due: sla.acknowledge_due.to_string(),
            triage_due: sla.triage_due.to_string(),
            disclosure_due: sla.disclosure_due.to_string(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MessageBody {
    #[schema(format = Uuid)]
    id: String,
    /// `reporter`, `maintainer` or `system`.
    author: String,
    author_name: Option<String>,
    /// `internal` or `reporter`.
    visibility: String,
    body: String,
    created_at: String,
}

/// One CVSS vector of a report's scoring history.
#[derive(Debug, Serialize, ToSchema)]
pub struct ScoreBody {
    /// `reporter` (the vector given at submission) or `maintainer` (a rescoring).
    kind: String,
    /// The vector, e.g. `CVSS:3.1/AV:L/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H`.
    vector: String,
    /// `2.0`, `3.0`, `3.1` or `4.0`.
    version: String,
    /// The score with one decimal, e.g. `7.8`.
    score: String,
    /// `None`, `Low`, `Medium`, `High` or `Critical`.
    severity: String,
    /// Why the maintainer changed the score; `null` for reporters and the reporter's vector.
    rationale: Option<String>,
    /// The maintainer's name; `null` for reporters and the reporter's vector.
    by: Option<String>,
    at: String,
    /// Metrics that differ from the previous entry (empty for the first).
    changes: Vec<reports::MetricChangeView>,
}

fn score_body(e: reports::ScoreEntry) -> ScoreBody {
    ScoreBody {
        kind: e.kind.as_str().to_owned(),
        vector: e.vector,
        version: e.version,
        score: e.score,
        severity: e.severity,
        rationale: e.rationale,
        by: e.by,
        at: e.at.to_string(),
        changes: e.changes,
    }
}

/// A report as the caller may see it.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReportBody {
    #[schema(format = Uuid)]
    id: String,
    project: String,
    number: i64,
    title: String,
    description: String,
    affected_version: Option<String>,
    reproduction: Option<String>,
    impact: Option<String>,
    cvss_vector: Option<String>,
    reporter: ReporterBody,
    /// `web`, `api` or `email`.
    source: String,
    /// `received`, `acknowledged`, `needs_info`, `accepted`, `fixing`, `fixed`, `disclosed`, `closed`.
    state: String,
    resolution: Option<String>,
    received_at: String,
    acknowledged_at: Option<String>,
    updated_at: String,
    sla: SlaBody,
    /// Every CVSS vector assigned, oldest first: the reporter's own (`cvss_vector`, when it
    /// is a valid vector), then each maintainer's rescoring.
    scores: Vec<ScoreBody>,
    /// The current score (the latest maintainer score, else the reporter's vector), which
    /// gives the report's severity; `null` when there is none.
    current: Option<ScoreBody>,
    messages: Vec<MessageBody>,
    /// Deadline extensions, oldest first; `by` is shown to the project's members only.
    extensions: Vec<ExtensionBody>,
    /// The triage assistant's label, verdict and findings (each with `dismissed`): for the
    /// project's maintainers once the report is triaged, never for the reporter.
    #[serde(skip_serializing_if = "Option::is_none")]
    triage: Option<crate::services::triage::TriageView>,
    /// The number of the report this one duplicates, when closed as a duplicate.
    duplicate_of: Option<i64>,
    /// The reports closed as duplicates of this one (maintainers only).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    duplicates: Vec<crate::services::outcomes::DuplicateEntry>,
}

/// The report's body with its duplicate links as the caller may see them.
async fn linked_body(
    state: &AppState,
    view: ReportView,
    internal: bool,
) -> Result<ReportBody, ApiError> {
    let links = crate::services::outcomes::links(state, &view.report, internal).await?;
    let mut body = report_body(view, internal);
    body.duplicate_of = links.duplicate_of;
    body.duplicates = links.duplicates;
    Ok(body)
}

/// One deadline extension.
#[derive(Debug, Serialize, ToSchema)]
pub struct ExtensionBody {
    /// `acknowledge`, `triage` or `disclosure`.
    pub clock: String,
    pub from: String,
    pub to: String,
    /// Why the deadline moved (the reporter sees it).
    pub reason: String,
    /// The maintainer's name; `null` for the reporter.
    pub by: Option<String>,
    pub at: String,
}

pub(crate) fn extension_body(e: store::ExtensionRecord, with_name: bool) -> ExtensionBody {
    ExtensionBody {
        clock: e.clock.as_str().to_owned(),
        from: e.old_due.to_string(),
        to: e.new_due.to_string(),
        reason: e.reason,
        by: e.by_name.filter(|_| with_name),
        at: e.at.to_string(),
    }
}

/// The report as JSON; `member` is true for the project's members (names of who extended
/// a deadline), false for the reporter.
fn report_body(view: ReportView, member: bool) -> ReportBody {
    let r = view.report;
    let current = view.scores.current().cloned().map(score_body);
    ReportBody {
        id: r.id.to_string(),
        project: view.project.slug.as_str().to_owned(),
        number: r.number,
        title: r.title,
        description: r.description,
        affected_version: r.affected_version,
        reproduction: r.reproduction,
        impact: r.impact,
        cvss_vector: r.cvss_vector,
        reporter: ReporterBody {
            name: r.reporter_name,
            email: r.reporter_email,
            credit_as: r.credit_as,
            credit: r.credit_mode.map(|m| m.as_str().to_owned()),
            pgp_key: None,
        },
        source: r.source.as_str().to_owned(),
        state: r.state.as_str().to_owned(),
        resolution: r.resolution.map(|x| x.as_str().to_owned()),
        received_at: r.received_at.to_string(),
        acknowledged_at: r.acknowledged_at.map(|t| t.to_string()),
        updated_at: r.updated_at.to_string(),
        sla: SlaBody::from(&r.sla),
        scores: view.scores.entries.into_iter().map(score_body).collect(),
        current,
        messages: view.messages.into_iter().map(message_body).collect(),
        extensions: view
            .extensions
            .into_iter()
            .map(|e| extension_body(e, member))
            .collect(),
        triage: None,
        duplicate_of: None,
        duplicates: Vec::new(),
    }
}

/// Summary of a report in a project listing.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReportSummaryBody {
    #[schema(format = Uuid)]
    id: String,
    number: i64,
    title: String,
    state: String,
    received_at: String,
    sla: SlaBody,
}

/// A JSON value as `T`: 422 naming the field at fault.
pub(crate) fn typed<T: serde::de::DeserializeOwned>(
    value: serde_json::Value,
) -> Result<T, ApiError> {
    serde_path_to_error::deserialize::<_, T>(value).map_err(|e| {
        let inner = e.inner().to_string();
        let path = e.path().to_string();
        // serde names unknown and missing fields in the message, not in the path.
        let named = inner
            .split('`')
            .nth(1)
            .filter(|_| inner.starts_with("unknown field") || inner.starts_with("missing field"));
        let field = match (named, path.as_str()) {
            (Some(name), "." | "") => name.to_owned(),
            (Some(name), p) if p == name || p.ends_with(&format!(".{name}")) => p.to_owned(),
            (Some(name), parent) => format!("{parent}.{name}"),
            (None, p) => p.to_owned(),
        };
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid",
            format!("{field}: {inner}"),
        )
        .with_field(field)
    })
}

/// Submit a report; no account needed.
#[utoipa::path(
    post, path = "/projects/{slug}/reports", tag = "reports",
    params(
        ("slug" = String, Path, description = "The project's slug"),
        ("Idempotency-Key" = Option<String>, Header, description = "Retries with the same key and body return the first response"),
    ),
    request_body = NewReportBody,
    responses(
        (status = 201, description = "Stored; keep the token", body = Submitted),
        (status = 200, description = "Replayed response for a repeated Idempotency-Key", body = Submitted),
        (status = 400, description = "Not JSON", body = super::error::ErrorEnvelope),
        (status = 404, description = "Unknown project", body = super::error::ErrorEnvelope),
        (status = 409, description = "Idempotency-Key reused with another body", body = super::error::ErrorEnvelope),
        (status = 413, description = "Body too large", body = super::error::ErrorEnvelope),
        (status = 422, description = "A field is invalid; `field` names it", body = super::error::ErrorEnvelope),
        (status = 429, description = "Too many reports from this client, reporter address or to this project; `Retry-After` says when to try again", body = super::error::ErrorEnvelope),
    )
)]
pub async fn create_report(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    ClientIp(client): ClientIp,
    headers: HeaderMap,
    body: Result<ApiJson<serde_json::Value>, ApiError>,
) -> Result<Response, ApiError> {
    // An unknown project is a 404 whatever the body says.
    let target = reports::Target::open(&state, &slug).await?;
    let project = &target.project;
    let ApiJson(mut value) = body?;
    let reporter = value
        .pointer("/reporter/email")
        .and_then(serde_json::Value::as_str);
    if let Err(denied) = state.limits.intake(client, project.slug.as_str(), reporter) {
        tracing::warn!(%client, project = %project.slug.as_str(), "report refused by its rate limit");
        return Err(ApiError::too_many(&denied));
    }
    // The reporter's OpenPGP key is not part of the report itself.
    let pgp_key = match value
        .get_mut("reporter")
        .and_then(|r| r.as_object_mut())
        .and_then(|r| r.remove("pgp_key"))
    {
        None | Some(serde_json::Value::Null) => None,
        Some(serde_json::Value::String(k)) => Some(k),
        Some(_) => {
            return Err(ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid",
                "reporter.pgp_key: must be a string (an armored OpenPGP public key)",
            )
            .with_field("reporter.pgp_key"));
        }
    };
    let input: ReportInput = typed(value)?;
    let key = match headers.get("idempotency-key") {
        Some(v) => Some(v.to_str().map_err(|_| {
            ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid",
                "Idempotency-Key must be printable ASCII",
            )
            .with_field("Idempotency-Key")
        })?),
        None => None,
    };
    match reports::submit(&state, target, input, Source::Api, key, pgp_key.as_deref()).await? {
        reports::SubmitOutcome::Created(s) => Ok((StatusCode::CREATED, Json(s)).into_response()),
        reports::SubmitOutcome::Replayed(s) => {
            Ok((StatusCode::OK, [("idempotent-replayed", "true")], Json(s)).into_response())
        }
    }
}

/// A page of a project's reports.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReportPageBody {
    /// At most `limit` reports, in the order `sort` asks (newest first by default).
    items: Vec<ReportSummaryBody>,
    /// Pass as `cursor` for the next page; `null` on the last page. Opaque.
    next_cursor: Option<String>,
}

/// The list's query string, checked by the service (a bad value is a 422 naming it).
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReportListQuery {
    /// How many reports (1–500, default 50).
    #[param(value_type = Option<i64>, minimum = 1, maximum = 500)]
    limit: Option<String>,
    /// Where to continue: the `next_cursor` of the previous page.
    cursor: Option<String>,
    /// Only reports in this state (`received`, `acknowledged`, `needs_info`, `accepted`,
    /// `fixing`, `fixed`, `disclosed`, `closed`), several separated by commas, `open` (any
    /// state but closed and disclosed) or `closed` (closed or disclosed).
    state: Option<String>,
    /// Only reports the triage labelled so (`valid`, `ai_slop`, `beg_bounty`,
    /// `non_qualifying`, `duplicate`); reports not triaged yet have no label.
    label: Option<String>,
    /// Only reports with this triage verdict (`likely_valid`, `needs_review`,
    /// `likely_invalid`).
    verdict: Option<String>,
    /// Full-text search: reports whose title or text hold every word (at most 200
    /// characters; words only, no search syntax).
    q: Option<String>,
    /// `received` (newest first, the default), `due` (the deadline of the clock running
    /// next, soonest first; closed and disclosed reports last) or `severity` (current score,
    /// highest first; unscored last).
    sort: Option<String>,
    /// `true`: only reports awaiting acknowledgement past its due date.
    #[param(value_type = Option<bool>)]
    overdue: Option<String>,
    /// `true`: only likely junk (the triage finds it likely invalid, or a mail filter's
    /// `spam` rule filed it); `false`: everything else.
    #[param(value_type = Option<bool>)]
    junk: Option<String>,
    /// `me` (the caller), `none` (nobody), or the e-mail address of one of the project's
    /// maintainers or triagers: only reports assigned so.
    assigned: Option<String>,
}

/// A project's reports a page at a time (maintainers and triagers), filtered, searched and
/// sorted. Pages are keyset-based: reports that arrive meanwhile never shift or repeat what a
/// later page holds. A cursor belongs to its sort.
#[utoipa::path(
    get, path = "/projects/{slug}/reports", tag = "reports",
    params(("slug" = String, Path, description = "The project's slug"), ReportListQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, body = ReportPageBody),
        (status = 401, body = super::error::ErrorEnvelope),
        (status = 404, description = "Unknown project, or not yours", body = super::error::ErrorEnvelope),
        (status = 422, description = "A bad `limit`, `cursor`, `state`, `label`, `verdict`, `q`, `sort`, `overdue`, `junk` or `assigned`", body = super::error::ErrorEnvelope),
    )
)]
pub async fn list_reports(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    query: Result<axum::extract::Query<ReportListQuery>, axum::extract::rejection::QueryRejection>,
    caller: ApiCaller,
) -> Result<Json<ReportPageBody>, ApiError> {
    let user = caller.user()?;
    let axum::extract::Query(q) =
        query.map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, "bad_request", e.body_text()))?;
    let params = reports::ListParams {
        limit: q.limit,
        cursor: q.cursor,
        state: q.state,
        label: q.label,
        verdict: q.verdict,
        q: q.q,
        sort: q.sort,
        overdue: q.overdue,
        junk: q.junk,
        assigned: q.assigned,
    };
    let page = reports::page(&state, &user, &slug, &params).await?;
    Ok(Json(ReportPageBody {
        items: page
            .items
            .into_iter()
            .map(|row| row.report)
            .map(|r| ReportSummaryBody {
                id: r.id.to_string(),
                number: r.number,
                title: r.title,
                state: r.state.as_str().to_owned(),
                received_at: r.received_at.to_string(),
                sla: SlaBody::from(&r.sla),
            })
            .collect(),
        next_cursor: page.next_cursor,
    }))
}

/// One report: for its reporter (tracking token; reporter-visible messages only) or its
/// project's maintainers (API token).
#[utoipa::path(
    get, path = "/reports/{id}", tag = "reports",
    params(("id" = String, Path, format = Uuid, description = "The report's id")),
    security(("bearer" = [])),
    responses(
        (status = 200, body = ReportBody),
        (status = 401, body = super::error::ErrorEnvelope),
        (status = 404, description = "No such report, or not yours", body = super::error::ErrorEnvelope),
    )
)]
pub async fn get_report(
    State(state): State<AppState>,
    Path(id): Path<String>,
    caller: ApiCaller,
) -> Result<Json<ReportBody>, ApiError> {
    let id: domain::ReportId = id
        .parse::<uuid::Uuid>()
        .map(domain::ReportId)
        .map_err(|_| ApiError::from(ServiceError::NotFound("report")))?;
    let view = match caller {
        ApiCaller::Reporter(token) => {
            let view = reports::by_tracking_token(&state, &token).await?;
            if view.report.id != id {
                return Err(ServiceError::NotFound("report").into());
            }
            view
        }
        ApiCaller::User(user) => {
            let view = reports::for_user(&state, &user, id).await?;
            let triage = crate::services::triage::view(&state, view.report.id).await?;
            let mut body = linked_body(&state, view, true).await?;
            body.triage = triage;
            return Ok(Json(body));
        }
    };
    Ok(Json(linked_body(&state, view, false).await?))
}

/// A state change (DESIGN.md §5).
#[derive(Debug, Deserialize, ToSchema)]
#[allow(dead_code)] // Documents the wire format; requests are parsed into `TransitionRequest`.
pub struct TransitionBody {
    /// The new state: `acknowledged`, `needs_info`, `accepted`, `fixing`, `fixed`, `disclosed`, `closed`.
    to: String,
    /// Required with `closed`: `not_a_vulnerability`, `out_of_scope`, `duplicate`, `spam`, `withdrawn`, `wont_fix`.
    resolution: Option<String>,
    /// The original report (number or id) when closing as `duplicate`.
    duplicate_of: Option<serde_json::Value>,
    /// The policy's non-qualifying class id when closing as `out_of_scope`.
    non_qualifying: Option<String>,
    /// A note for the reporter, quoted in the reply they receive (required for `needs_info`).
    message: Option<String>,
}

/// Move a report along its workflow. Maintainers and triagers (API token) act on their
/// projects' reports; a reporter's tracking token may only withdraw.
#[utoipa::path(
    post, path = "/reports/{id}/transitions", tag = "reports",
    params(("id" = String, Path, format = Uuid, description = "The report's id")),
    request_body = TransitionBody,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The report after the change", body = ReportBody),
        (status = 401, body = super::error::ErrorEnvelope),
        (status = 403, description = "Your role may not make this change", body = super::error::ErrorEnvelope),
        (status = 404, description = "No such report, or not yours", body = super::error::ErrorEnvelope),
        (status = 409, description = "Not a transition from the report's current state", body = super::error::ErrorEnvelope),
        (status = 422, description = "A field is missing or invalid; `field` names it", body = super::error::ErrorEnvelope),
    )
)]
pub async fn transition_report(
    State(state): State<AppState>,
    Path(id): Path<String>,
    caller: ApiCaller,
    body: Result<ApiJson<domain::workflow::TransitionRequest>, ApiError>,
) -> Result<Json<ReportBody>, ApiError> {
    let id: domain::ReportId = id
        .parse::<uuid::Uuid>()
        .map(domain::ReportId)
        .map_err(|_| ApiError::from(ServiceError::NotFound("report")))?;
    let ApiJson(request) = body?;
    let who = match &caller {
        ApiCaller::User(user) => reports::Caller::User(user),
        ApiCaller::Reporter(token) => reports::Caller::Reporter(token),
    };
    reports::transition(&state, who, id, request).await?;
    let (view, internal) = match &caller {
        ApiCaller::Reporter(token) => (reports::by_tracking_token(&state, token).await?, false),
        ApiCaller::User(user) => (reports::for_user(&state, user, id).await?, true),
    };
    Ok(Json(linked_body(&state, view, internal).await?))
}

/// A message for a report's private thread.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewMessageBody {
    body: String,
    /// `internal` (maintainers and collaborators only) or `reporter` (also the reporter).
    #[schema(value_type = String)]
    visibility: store::Visibility,
}

fn message_body(m: store::Message) -> MessageBody {
    MessageBody {
        id: m.id.to_string(),
        author: m.author_kind.as_str().to_owned(),
        author_name: m.author_name,
        visibility: m.visibility.as_str().to_owned(),
        body: m.body,
        created_at: m.created_at.to_string(),
    }
}

/// Write in a report's private thread. Maintainers and triagers choose the visibility; a
/// reporter's token writes `reporter` messages only.
#[utoipa::path(
    post, path = "/reports/{id}/messages", tag = "reports",
    params(("id" = String, Path, format = Uuid, description = "The report's id")),
    request_body = NewMessageBody,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Stored", body = MessageBody),
        (status = 401, body = super::error::ErrorEnvelope),
        (status = 403, description = "Your role may not write this", body = super::error::ErrorEnvelope),
        (status = 404, description = "No such report, or not yours", body = super::error::ErrorEnvelope),
        (status = 422, description = "A field is missing or invalid; `field` names it", body = super::error::ErrorEnvelope),
    )
)]
pub async fn post_message(
    State(state): State<AppState>,
    Path(id): Path<String>,
    caller: ApiCaller,
    body: Result<ApiJson<NewMessageBody>, ApiError>,
) -> Result<(StatusCode, Json<MessageBody>), ApiError> {
    let id: domain::ReportId = id
        .parse::<uuid::Uuid>()
        .map(domain::ReportId)
        .map_err(|_| ApiError::from(ServiceError::NotFound("report")))?;
    let ApiJson(request) = body?;
    let who = match &caller {
        ApiCaller::User(user) => reports::Caller::User(user),
        ApiCaller::Reporter(token) => reports::Caller::Reporter(token),
    };
    let message = reports::post_message(&state, who, id, &request.body, request.visibility).await?;
    Ok((StatusCode::CREATED, Json(message_body(message))))
}

/// A page of a report's thread.
#[derive(Debug, Serialize, ToSchema)]
pub struct MessagePageBody {
    /// At most `limit` messages, oldest first.
    items: Vec<MessageBody>,
    /// Pass as `cursor` for the next page; `null` on the last page. Opaque.
    next_cursor: Option<String>,
}

/// A report's thread, oldest first, a page at a time: for its reporter (tracking token;
/// the messages they see) or its project's people (API token; internal messages too).
/// Messages added meanwhile come after every page already read.
#[utoipa::path(
    get, path = "/reports/{id}/messages", tag = "reports",
    params(
        ("id" = String, Path, format = Uuid, description = "The report's id"),
        super::mail_log::PageQuery,
    ),
    security(("bearer" = [])),
    responses(
        (status = 200, body = MessagePageBody),
        (status = 401, body = super::error::ErrorEnvelope),
        (status = 404, description = "No such report, or not yours", body = super::error::ErrorEnvelope),
        (status = 422, description = "A bad `limit` or `cursor`", body = super::error::ErrorEnvelope),
    )
)]
pub async fn list_messages(
    State(state): State<AppState>,
    Path(id): Path<String>,
    query: Result<
        axum::extract::Query<super::mail_log::PageQuery>,
        axum::extract::rejection::QueryRejection,
    >,
    caller: ApiCaller,
) -> Result<Json<MessagePageBody>, ApiError> {
    let id: domain::ReportId = id
        .parse::<uuid::Uuid>()
        .map(domain::ReportId)
        .map_err(|_| ApiError::from(ServiceError::NotFound("report")))?;
    let axum::extract::Query(q) =
        query.map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, "bad_request", e.body_text()))?;
    let who = match &caller {
        ApiCaller::User(user) => reports::Caller::User(user),
        ApiCaller::Reporter(token) => reports::Caller::Reporter(token),
    };
    let page =
        reports::thread_page(&state, who, id, q.limit.as_deref(), q.cursor.as_deref()).await?;
    Ok(Json(MessagePageBody {
        items: page.items.into_iter().map(message_body).collect(),
        next_cursor: page.next_cursor,
    }))
}

/// A maintainer's rescoring (DESIGN.md §5).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewScoreBody {
    /// A CVSS 2.0, 3.0, 3.1 or 4.0 vector.
    vector: String,
    /// Why the score changes (required, at most 4000 characters).
    rationale: String,
}

/// Rescore a report: a CVSS vector with the reason for it. Maintainers and triagers of the
/// report's project (API token); the new score becomes the report's current one and the
/// change is in the audit log.
#[utoipa::path(
    post, path = "/reports/{id}/scores", tag = "reports",
    params(("id" = String, Path, format = Uuid, description = "The report's id")),
    request_body = NewScoreBody,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Stored; with the diff from the previous score", body = ScoreBody),
        (status = 401, body = super::error::ErrorEnvelope),
        (status = 403, description = "Your role may not score (a reporter's token)", body = super::error::ErrorEnvelope),
        (status = 404, description = "No such report, or not yours", body = super::error::ErrorEnvelope),
        (status = 422, description = "`vector` is not a valid CVSS vector, or `rationale` is missing or too long", body = super::error::ErrorEnvelope),
    )
)]
pub async fn post_score(
    State(state): State<AppState>,
    Path(id): Path<String>,
    caller: ApiCaller,
    body: Result<ApiJson<NewScoreBody>, ApiError>,
) -> Result<(StatusCode, Json<ScoreBody>), ApiError> {
    let id: domain::ReportId = id
        .parse::<uuid::Uuid>()
        .map(domain::ReportId)
        .map_err(|_| ApiError::from(ServiceError::NotFound("report")))?;
    let who = match &caller {
        ApiCaller::User(user) => reports::Caller::User(user),
        ApiCaller::Reporter(token) => reports::Caller::Reporter(token),
    };
    let ApiJson(request) = body?;
    let entry = reports::rescore(&state, who, id, &request.vector, &request.rationale).await?;
    Ok((StatusCode::CREATED, Json(score_body(entry))))
}

/// Unknown `/api/` paths get the JSON envelope, not an HTML page.
pub async fn not_found() -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, "not_found", "no such endpoint")
}

/// A maintainer's dismissal of one triage finding.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DismissBody {
    /// The finding's `key` from the report's `triage.findings`.
    finding: String,
    /// Why it does not apply (recorded with your name and in the audit log).
    reason: String,
}

/// Dismiss one finding of the report's triage (maintainers and triagers). The report is
/// untouched; the dismissal is recorded with who and why, and audited.
#[utoipa::path(
    post, path = "/reports/{id}/triage/dismissals", tag = "reports",
    params(("id" = String, Path, format = Uuid, description = "The report's id")),
    request_body = DismissBody,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Recorded; the triage as it now stands", body = crate::services::triage::TriageView),
        (status = 401, body = super::error::ErrorEnvelope),
        (status = 403, description = "Your role may not act on reports", body = super::error::ErrorEnvelope),
        (status = 404, description = "No such report, or not yours", body = super::error::ErrorEnvelope),
        (status = 409, description = "Already dismissed", body = super::error::ErrorEnvelope),
        (status = 422, description = "Unknown finding or missing reason; `field` names it", body = super::error::ErrorEnvelope),
    )
)]
pub async fn dismiss_finding(
    State(state): State<AppState>,
    Path(id): Path<String>,
    caller: ApiCaller,
    body: Result<ApiJson<DismissBody>, ApiError>,
) -> Result<Json<crate::services::triage::TriageView>, ApiError> {
    let id: domain::ReportId = id
        .parse::<uuid::Uuid>()
        .map(domain::ReportId)
        .map_err(|_| ApiError::from(ServiceError::NotFound("report")))?;
    let user = caller.user()?;
    let ApiJson(request) = body?;
    crate::services::triage::dismiss(&state, &user, id, &request.finding, &request.reason).await?;
    let view = crate::services::triage::view(&state, id)
        .await?
        .ok_or(ServiceError::NotFound("triage"))?;
    Ok(Json(view))
}

/// Whom a report is assigned to.
#[derive(Debug, serde::Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssigneeBody {
    /// The e-mail address of a maintainer or triager of the project; `null`: nobody.
    pub assignee: Option<String>,
}

/// Assigns a report to one of its project's maintainers or triagers, or to nobody
/// (audited as `report.assign`). Answers with whom it is assigned to now.
#[utoipa::path(
    put, path = "/reports/{id}/assignee", tag = "reports",
    params(("id" = String, Path, description = "The report's id")),
    request_body = AssigneeBody,
    security(("bearer" = [])),
    responses(
        (status = 200, body = AssigneeBody),
        (status = 401, body = super::error::ErrorEnvelope),
        (status = 403, description = "Collaborators and reporters may not assign", body = super::error::ErrorEnvelope),
        (status = 404, body = super::error::ErrorEnvelope),
        (status = 422, description = "`assignee` is not a member of the project", body = super::error::ErrorEnvelope),
    )
)]
pub async fn put_assignee(
    State(state): State<AppState>,
    Path(id): Path<String>,
    caller: ApiCaller,
    body: Result<ApiJson<AssigneeBody>, ApiError>,
) -> Result<Json<AssigneeBody>, ApiError> {
    let user = caller.user()?;
    let id: domain::ReportId = id
        .parse::<uuid::Uuid>()
        .map(domain::ReportId)
        .map_err(|_| ApiError::from(ServiceError::NotFound("report")))?;
    let ApiJson(body) = body?;
    let now = reports::assign(&state, &user, id, body.assignee.as_deref()).await?;
    Ok(Json(AssigneeBody {
        assignee: now.map(|u| u.email.as_str().to_owned()),
    }))
}
