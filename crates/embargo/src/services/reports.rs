//! Reports: intake, the reporter's view through the tracking token, and the maintainer's inbox.

use super::report_writes::{self, Intake, IntakeOutcome};
use super::{Result, ServiceError, mail, projects};
use crate::{AppState, tokens};
use domain::{
    ReportId,
    account::{Permission, User},
    project::Project,
    report::{Report, ReportInput, Sla, Source},
};
use serde::Serialize;
use sha2::{Digest, Sha256};
use store::{AuthorKind, Message, NewMessage, Visibility};

/// Longest accepted `Idempotency-Key`.
pub const MAX_IDEMPOTENCY_KEY: usize = 255;
/// Longest message a reporter or maintainer may add at once.
pub const MAX_MESSAGE: usize = 64 * 1024;

/// What the submitter gets back: the API's 201 body.
#[derive(Debug, Clone, Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct Submitted {
    #[schema(value_type = String, format = Uuid)]
    pub id: ReportId,
    pub number: i64,
    /// The reporter's secret: read the report with `Authorization: Bearer <token>`.
    pub token: String,
    /// A private page where the reporter follows the report.
    pub tracking_url: String,
}

/// The result of a submission.
#[derive(Debug)]
pub enum SubmitOutcome {
    Created(Submitted),
    /// The same request with the same `Idempotency-Key` was accepted before: its response.
    Replayed(Submitted),
}

pub fn tracking_url(state: &AppState, token: &str) -> String {
    format!("{}/track/{token}", state.public_url)
}

/// Stores a report from a reporter (no account needed) and queues the receipt e-mail and
/// the report's triage.
/// `idempotency_key` makes retries safe: the same key and the same body give the first answer.
pub async fn submit(
    state: &AppState,
    slug: &str,
    input: ReportInput,
    source: Source,
    idempotency_key: Option<&str>,
    pgp_key: Option<&str>,
) -> Result<SubmitOutcome> {
    let pgp_key = pgp_key.map(|k| (k, store::KeySource::Form));
    submit_with(state, slug, input, source, idempotency_key, true, pgp_key).await
}

/// [`submit`], choosing whether the reporter gets the acknowledgement e-mail (inbound mail
/// that is auto-submitted, a bounce or from a list must not be answered: RFC 3834).
pub async fn submit_with(
    state: &AppState,
    slug: &str,
    input: ReportInput,
    source: Source,
    idempotency_key: Option<&str>,
    acknowledge: bool,
    pgp_key: Option<(&str, store::KeySource)>,
) -> Result<SubmitOutcome> {
    let project = projects::public(state, slug).await?;
    if let Some(key) = idempotency_key
        && (key.is_empty()
            || key.len() > MAX_IDEMPOTENCY_KEY
            || !key.bytes().all(|b| b.is_ascii_graphic()))
    {
        return Err(ServiceError::field(
            "Idempotency-Key",
            format!("must be 1 to {MAX_IDEMPOTENCY_KEY} printable ASCII characters"),
        ));
    }
    let mut hashed = serde_json::to_vec(&input).map_err(anyhow::Error::from)?;
    let (pgp_key, key_source) = match pgp_key {
        Some((key, source)) => (Some(key.trim()).filter(|k| !k.is_empty()), source),
        None => (None, store::KeySource::Form),
    };
    if let Some(key) = pgp_key {
        hashed.push(0);
        hashed.extend_from_slice(key.as_bytes());
    }
    let request_hash = hex::encode(Sha256::digest(hashed));
    let reporter_key = pgp_key
        .map(|k| super::reporter_keys::parse_form_key(k, state.now()))
        .transpose();
    let new = match (input.validate(), reporter_key) {
        (Ok(new), Ok(key)) => (new, key),
        (Err(mut errors), Err(ServiceError::Invalid(more))) => {
            errors.0.extend(more.0);
            return Err(ServiceError::Invalid(errors));
        }
        (Err(errors), _) => return Err(errors.into()),
        (_, Err(e)) => return Err(e),
    };
    let (new, reporter_key) = new;
    let id = ReportId::new();
    let token = tokens::generate(tokens::TRACKING);
    let token_hash = tokens::hash(&token);
    let url = tracking_url(state, &token);
    let now = state.now();
    let receipt_to = new
        .reporter_email
        .as_ref()
        .filter(|_| acknowledge)
        .map(|e| e.as_str().to_owned());
    let acknowledgement = |number: i64| {
        mail::receipt(
            state,
            &project,
            receipt_to.as_deref().unwrap_or_default(),
            number,
            &url,
            id,
            source,
        )
    };
    let response = |number: i64| {
        serde_json::to_string(&Submitted {
            id,
            number,
            token: token.clone(),
            tracking_url: url.clone(),
        })
        .unwrap_or_default()
    };
    let reporter_key = reporter_key
        .map(|key| {
            key.armored().map(|armored| store::ReporterKey {
                id: uuid::Uuid::now_v7(),
                project: project.id,
                report: id,
                address: new
                    .reporter_email
                    .as_ref()
                    .map(|e| e.as_str().to_ascii_lowercase()),
                fingerprint: key.fingerprint(),
                armored,
                source: key_source,
                created_at: now,
            })
        })
        .transpose()
        .map_err(|e| anyhow::anyhow!("armoring the reporter's key: {e}"))?;
    let outcome = report_writes::insert(
        state,
        Intake {
            id,
            project: project.id,
            report: &new,
            source,
            tracking_token_hash: &token_hash,
            sla: Sla::compute(&project.policy.targets, now),
            now,
            idempotency: idempotency_key.map(|key| (key, request_hash.as_str())),
            acknowledgement: receipt_to
                .as_ref()
                .map(|_| &acknowledgement as &(dyn Fn(i64) -> store::NewEmail + Send + Sync)),
            response: &response,
            // Triage is queued in the report's own transaction: a report is never stored
            // without its triage job, and a rolled-back submission leaves no stray job.
            job: Some(store::NewJob::of(
                &store::triage::TriageReport { report_id: id },
                now,
                now,
            )?),
            reporter_key: reporter_key.as_ref(),
        },
    )
    .await?;
    match outcome {
        IntakeOutcome::Created { number } => {
            tracing::info!(project = %project.slug.as_str(), report = %id, number, source = source.as_str(), "report received");
            // Wake the worker: the triage job (and the receipt, if any) are due now.
            state.outbox_notify.notify_one();
            let report = match state.db.read().await {
                Ok(mut c) => store::reports::by_id(&mut c, id).await,
                Err(e) => Err(e),
            };
            if let Ok(Some(report)) = report {
                super::notify::members(
                    state,
                    &project,
                    &report,
                    domain::notify::NotificationKind::NewReport,
                    "",
                    None,
                )
                .await;
            }
            Ok(SubmitOutcome::Created(Submitted {
                id,
                number,
                token,
                tracking_url: url,
            }))
        }
        IntakeOutcome::Replayed { response } => {
            let previous: Submitted =
                serde_json::from_str(&response).map_err(anyhow::Error::from)?;
            Ok(SubmitOutcome::Replayed(previous))
        }
        IntakeOutcome::KeyReused => Err(ServiceError::conflict(
            "idempotency_key_reused",
            "this Idempotency-Key was already used with a different request",
        )),
    }
}

/// A report with what the caller may see of it.
#[derive(Debug, Clone)]
pub struct ReportView {
    pub project: Project,
    pub report: Report,
    pub messages: Vec<Message>,
    /// The reporter's vector and every maintainer score, oldest first.
    pub scores: ScoreHistory,
    /// Deadline extensions, oldest first (the reporter sees them too, without names).
    pub extensions: Vec<store::ExtensionRecord>,
}

/// Longest rationale a maintainer may give for a score.
pub const MAX_RATIONALE: usize = 4000;
/// Longest CVSS vector accepted (v4.0 with every metric is well under this).
pub const MAX_VECTOR: usize = 512;

/// One metric that differs from the previous entry of the history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct MetricChangeView {
    pub metric: String,
    /// `None` when the previous vector did not carry the metric.
    pub from: Option<String>,
    pub to: Option<String>,
}

/// One vector of a report's scoring history, as the caller may see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ScoreEntry {
    /// Who gave it: the reporter at submission, or a maintainer rescoring.
    pub kind: AuthorKind,
    /// Canonical text (the reporter's as they wrote it).
    pub vector: String,
    /// `2.0`, `3.0`, `3.1` or `4.0`.
    pub version: String,
    /// The score, e.g. `9.8`.
    pub score: String,
    pub severity: String,
    /// Why; maintainers' eyes only (`None` for the reporter's view and the reporter's vector).
    pub rationale: Option<String>,
    /// The maintainer's name; maintainers' eyes only.
    pub by: Option<String>,
    pub at: jiff::Timestamp,
    /// What changed from the previous entry (empty for the first).
    pub changes: Vec<MetricChangeView>,
    /// The previous entry's score when this one differs from it, e.g. `9.8`.
    pub previous_score: Option<String>,
}

/// A report's scores: the reporter's vector first (when it parses), then every
/// maintainer score in order. The last entry is the current score, which gives the
/// severity shown everywhere.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScoreHistory {
    pub entries: Vec<ScoreEntry>,
}

impl ScoreHistory {
    /// Builds the history from the report's own vector and its stored scores. With
    /// `internal` false (the reporter's view) rationales and names are left out.
    pub fn build(report: &Report, stored: &[store::ScoreRecord], internal: bool) -> Self {
        let mut parsed: Vec<(Option<cvss::Vector>, ScoreEntry)> = Vec::new();
        if let Some(text) = report.cvss_vector.as_deref()
            && let Ok(v) = cvss::Vector::parse(text.trim())
        {
            let scores = v.scores();
            parsed.push((
                Some(v),
                ScoreEntry {
                    kind: AuthorKind::Reporter,
                    vector: text.trim().to_owned(),
                    version: scores.version.as_str().to_owned(),
                    score: scores.score.to_string(),
                    severity: scores.severity.as_str().to_owned(),
                    rationale: None,
                    by: None,
                    at: report.received_at,
                    changes: Vec::new(),
                    previous_score: None,
                },
            ));
        }
        for s in stored {
            parsed.push((
                cvss::Vector::parse(&s.vector).ok(),
                ScoreEntry {
                    kind: s.author_kind,
                    vector: s.vector.clone(),
                    version: s.version.to_string(),
                    score: store::score_text(s.score_tenths),
                    severity: s.severity.to_string(),
                    rationale: internal.then(|| s.rationale.clone()),
                    by: if internal {
                        s.author_name.clone()
                    } else {
                        None
                    },
                    at: s.created_at,
                    changes: Vec::new(),
                    previous_score: None,
                },
            ));
        }
        for i in 1..parsed.len() {
            let (before, after) = parsed.split_at_mut(i);
            let (Some((Some(b), prev)), Some((Some(a), entry))) =
                (before.last(), after.first_mut())
            else {
                continue;
            };
            let d = cvss::diff(b, a);
            entry.changes = d
                .changes()
                .map(|c| MetricChangeView {
                    metric: c.metric.to_owned(),
                    from: c.before.map(str::to_owned),
                    to: c.after.map(str::to_owned),
                })
                .collect();
            if prev.score != entry.score {
                entry.previous_score = Some(prev.score.clone());
            }
        }
        Self {
            entries: parsed.into_iter().map(|(_, e)| e).collect(),
        }
    }

    /// The current score: the latest maintainer score, else the reporter's vector.
    pub fn current(&self) -> Option<&ScoreEntry> {
        self.entries.last()
    }
}

/// Checks a maintainer's vector and rationale; the vector comes back parsed.
pub fn check_score(vector: &str, rationale: &str) -> Result<(cvss::Vector, String)> {
    let vector = vector.trim();
    if vector.is_empty() {
        return Err(ServiceError::field("vector", "is required"));
    }
    if vector.len() > MAX_VECTOR {
        return Err(ServiceError::field(
            "vector",
            format!("is longer than {MAX_VECTOR} bytes"),
        ));
    }
    let parsed =
        cvss::Vector::parse(vector).map_err(|e| ServiceError::field("vector", e.to_string()))?;
    let rationale = rationale.trim();
    if rationale.is_empty() {
        return Err(ServiceError::field(
            "rationale",
            "is required: say why the score changes",
        ));
    }
    if rationale.chars().count() > MAX_RATIONALE {
        return Err(ServiceError::field(
            "rationale",
            format!("is longer than {MAX_RATIONALE} characters"),
        ));
    }
    if rationale.contains('\0') {
        return Err(ServiceError::field(
            "rationale",
            "must not contain NUL characters",
        ));
    }
    Ok((parsed, rationale.to_owned()))
}

/// A maintainer, triager (or collaborator) of the report's project gives it a CVSS vector
/// with a rationale. The new score becomes the report's current one; the change is in the
/// audit log (vector and score, not the rationale). Reporters get 403, anyone without a
/// role on the project 404.
pub async fn rescore(
    state: &AppState,
    caller: Caller<'_>,
    id: ReportId,
    vector: &str,
    rationale: &str,
) -> Result<ScoreEntry> {
    let (view, role) = acting_on(state, caller, id).await?;
    let Caller::User(user) = caller else {
        return Err(ServiceError::Forbidden);
    };
    if !role.allows(Permission::Score) {
        return Err(ServiceError::Forbidden);
    }
    let (parsed, rationale) = check_score(vector, rationale)?;
    let scores = parsed.scores();
    let stored = report_writes::add_score(
        state,
        &store::NewScore {
            id: uuid::Uuid::now_v7(),
            report: id,
            vector: parsed.to_string(),
            version: scores.version,
            score_tenths: scores.score.tenths(),
            severity: scores.severity,
            rationale,
            author: user.id,
            created_at: state.now(),
        },
    )
    .await?;
    tracing::info!(report = %id, score = %scores.score, "report rescored");
    // Webhook deliveries of `score.added` are due now.
    state.outbox_notify.notify_one();
    let mut all = store::scores::of_report(&mut *state.db.read().await?, id).await?;
    // The history up to and including the new score, so the diff is against the one before.
    if let Some(pos) = all.iter().position(|s| s.id == stored.id) {
        all.truncate(pos + 1);
    }
    let history = ScoreHistory::build(&view.report, &all, true);
    history
        .entries
        .last()
        .cloned()
        .ok_or_else(|| ServiceError::Internal(anyhow::anyhow!("the new score was not stored")))
}

/// The reporter's view: by tracking token, reporter-visible messages only. Any token that
/// does not match gives "not found".
pub async fn by_tracking_token(state: &AppState, token: &str) -> Result<ReportView> {
    if !token.starts_with(tokens::TRACKING) {
        return Err(ServiceError::NotFound("report"));
    }
    let report =
        store::reports::by_tracking_hash(&mut *state.db.read().await?, &tokens::hash(token))
            .await?
            .ok_or(ServiceError::NotFound("report"))?;
    let project = store::projects::by_id(&mut *state.db.read().await?, report.project_id)
        .await?
        .ok_or(ServiceError::NotFound("report"))?;
    let mut c = state.db.read().await?;
    let messages = store::messages::of_report(&mut c, report.id, false).await?;
    let scores = ScoreHistory::build(
        &report,
        &store::scores::of_report(&mut c, report.id).await?,
        false,
    );
    let extensions = store::deadlines::extensions(&mut c, report.id).await?;
    Ok(ReportView {
        project,
        report,
        messages,
        scores,
        extensions,
    })
}

/// A reporter adds information through their tracking token.
pub async fn reporter_message(state: &AppState, token: &str, body: &str) -> Result<Message> {
    let view = by_tracking_token(state, token).await?;
    let body = check_message(body)?;
    let message = report_writes::add_message(
        state,
        &NewMessage {
            id: uuid::Uuid::now_v7(),
            report: view.report.id,
            author_kind: AuthorKind::Reporter,
            author: None,
            visibility: Visibility::Reporter,
            body,
            created_at: state.now(),
        },
        None,
    )
    .await?;
    tracing::info!(report = %view.report.id, "reporter added a message");
    super::notify::members(
        state,
        &view.project,
        &view.report,
        domain::notify::NotificationKind::ReporterMessage,
        "",
        None,
    )
    .await;
    Ok(message)
}

fn check_message(body: &str) -> Result<String> {
    if body.trim().is_empty() {
        Err(ServiceError::field("body", "is required"))
    } else if body.len() > MAX_MESSAGE {
        Err(ServiceError::field(
            "body",
            format!("is longer than {MAX_MESSAGE} bytes"),
        ))
    } else if body.contains('\0') {
        Err(ServiceError::field(
            "body",
            "must not contain NUL characters",
        ))
    } else {
        Ok(body.to_owned())
    }
}

/// A project's reports, newest first, for its maintainers and triagers.
pub async fn list(state: &AppState, user: &User, slug: &str) -> Result<(Project, Vec<Report>)> {
    let (project, _) = projects::for_user(state, user, slug, Permission::ReadReports).await?;
    let reports = store::reports::list(&mut *state.db.read().await?, project.id).await?;
    Ok((project, reports))
}

/// The current score of each of a project's reports (the latest maintainer score, else the
/// reporter's vector), by report; reports with neither are absent. One query for the list.
pub async fn current_scores(
    state: &AppState,
    project: &Project,
    reports: &[Report],
) -> Result<std::collections::HashMap<ReportId, ScoreEntry>> {
    let mut latest: std::collections::HashMap<ReportId, store::ScoreRecord> =
        std::collections::HashMap::new();
    let scores = store::scores::of_project(&mut *state.db.read().await?, project.id).await?;
    for s in scores {
        latest.insert(s.report_id, s);
    }
    Ok(reports
        .iter()
        .filter_map(|r| {
            let last: Vec<_> = latest.remove(&r.id).into_iter().collect();
            let history = ScoreHistory::build(r, &last, false);
            history.current().cloned().map(|c| (r.id, c))
        })
        .collect())
}

/// The user's role for a report: instance admin, else their role in its project, else a
/// live collaborator invitation to this report (accepted, not revoked, not expired).
/// `None`: the user may not know the report exists.
pub async fn user_role(
    state: &AppState,
    user: &User,
    report: &Report,
) -> Result<Option<domain::account::Role>> {
    let project_role =
        store::members::role(&mut *state.db.read().await?, report.project_id, user.id).await?;
    let collaborator = !user.is_admin
        && project_role.is_none()
        && store::collaborators::is_collaborator(
            &mut *state.db.read().await?,
            report.id,
            user.id,
            state.now(),
        )
        .await?;
    Ok(domain::account::Role::resolve(
        user.is_admin,
        project_role,
        collaborator,
        false,
    ))
}

/// A report with what a role may see of it: internal messages and score rationales only
/// with `ReadInternal`.
async fn view_for(
    state: &AppState,
    project: Project,
    report: Report,
    role: domain::account::Role,
) -> Result<ReportView> {
    let internal = role.allows(Permission::ReadInternal);
    let mut c = state.db.read().await?;
    let messages = store::messages::of_report(&mut c, report.id, internal).await?;
    let scores = ScoreHistory::build(
        &report,
        &store::scores::of_report(&mut c, report.id).await?,
        internal,
    );
    let extensions = store::deadlines::extensions(&mut c, report.id).await?;
    Ok(ReportView {
        project,
        report,
        messages,
        scores,
        extensions,
    })
}

/// One report for a maintainer or triager of its project, or a collaborator invited to
/// it; "not found" for anyone else.
pub async fn for_user(state: &AppState, user: &User, id: ReportId) -> Result<ReportView> {
    let report = store::reports::by_id(&mut *state.db.read().await?, id)
        .await?
        .ok_or(ServiceError::NotFound("report"))?;
    let project = store::projects::by_id(&mut *state.db.read().await?, report.project_id)
        .await?
        .ok_or(ServiceError::NotFound("report"))?;
    let role = user_role(state, user, &report)
        .await?
        .filter(|r| r.allows(Permission::ReadReport))
        .ok_or(ServiceError::NotFound("report"))?;
    view_for(state, project, report, role).await
}

/// A report by its project and number, for the inbox's URLs.
pub async fn by_number(
    state: &AppState,
    user: &User,
    slug: &str,
    number: i64,
) -> Result<ReportView> {
    Ok(by_number_with_role(state, user, slug, number).await?.0)
}

/// [`by_number`] with the user's role for the report (a collaborator reaches the report
/// page of the one report they were invited to, and nothing else of the project).
pub async fn by_number_with_role(
    state: &AppState,
    user: &User,
    slug: &str,
    number: i64,
) -> Result<(ReportView, domain::account::Role)> {
    let project = projects::public(state, slug)
        .await
        .map_err(|_| ServiceError::NotFound("report"))?;
    let report = store::reports::by_number(&mut *state.db.read().await?, project.id, number)
        .await?
        .ok_or(ServiceError::NotFound("report"))?;
    let role = user_role(state, user, &report)
        .await?
        .filter(|r| r.allows(Permission::ReadReport))
        .ok_or(ServiceError::NotFound("report"))?;
    Ok((view_for(state, project, report, role).await?, role))
}

/// A maintainer acknowledges a received report, optionally with a message to the reporter,
/// who is told by e-mail when they left an address.
pub async fn acknowledge(
    state: &AppState,
    user: &User,
    id: ReportId,
    message: Option<&str>,
) -> Result<Report> {
    let view = for_user(state, user, id).await?;
    let role = store::members::role(&mut *state.db.read().await?, view.project.id, user.id).await?;
    if !domain::account::allowed(user.is_admin, role, Permission::ActOnReports) {
        return Err(ServiceError::Forbidden);
    }
    if !view.report.state.can_acknowledge() {
        return Err(ServiceError::conflict(
            "invalid_transition",
            format!(
                "report #{} is already {}",
                view.report.number,
                view.report.state.label()
            ),
        ));
    }
    let message = message
        .map(str::trim)
        .filter(|m| !m.is_empty())
        .map(check_message)
        .transpose()?;
    let now = state.now();
    let new_message = message.as_ref().map(|body| NewMessage {
        id: uuid::Uuid::now_v7(),
        report: id,
        author_kind: AuthorKind::Maintainer,
        author: Some(user.id),
        visibility: Visibility::Reporter,
        body: body.clone(),
        created_at: now,
    });
    let email = view.report.reporter_email.as_deref().map(|to| {
        mail::acknowledged(
            state,
            &view.project,
            &view.report,
            to,
            message.as_deref(),
            "Follow the report with the private link you received when you submitted it.",
        )
    });
    let report = report_writes::acknowledge(state, id, now, Some(user.id), new_message, email)
        .await
        .map_err(|e| match e {
            store::StoreError::Conflict(_) => ServiceError::conflict(
                "invalid_transition",
                "the report was acknowledged meanwhile",
            ),
            other => other.into(),
        })?;
    // Wake the worker: the e-mail, if any, and webhook deliveries are due now.
    state.outbox_notify.notify_one();
    tracing::info!(report = %id, user = %user.id, "report acknowledged");
    super::notify::members(
        state,
        &view.project,
        &report,
        domain::notify::NotificationKind::StateChanges,
        "received -> acknowledged",
        Some(user.id),
    )
    .await;
    Ok(report)
}

/// Who acts on a report through the API or the web.
#[derive(Debug, Clone, Copy)]
pub enum Caller<'a> {
    User(&'a User),
    /// A reporter, by their tracking token.
    Reporter(&'a str),
}

fn transition_error(e: domain::workflow::TransitionError) -> ServiceError {
    use domain::workflow::TransitionError as E;
    match e {
        E::Forbidden { .. } => ServiceError::Forbidden,
        E::Field { field, message } => ServiceError::field(field, message),
        other => ServiceError::conflict(other.code(), other.to_string()),
    }
}

/// The report the caller acts on and the caller's role for it. Anyone without a role on
/// the report's project, and any reporter token of another report, gets "not found".
pub(crate) async fn acting_on(
    state: &AppState,
    caller: Caller<'_>,
    id: ReportId,
) -> Result<(ReportView, domain::account::Role)> {
    use domain::account::Role;
    match caller {
        Caller::User(user) => {
            let report = store::reports::by_id(&mut *state.db.read().await?, id)
                .await?
                .ok_or(ServiceError::NotFound("report"))?;
            let project = store::projects::by_id(&mut *state.db.read().await?, report.project_id)
                .await?
                .ok_or(ServiceError::NotFound("report"))?;
            let actor = user_role(state, user, &report)
                .await?
                .ok_or(ServiceError::NotFound("report"))?;
            Ok((
                ReportView {
                    project,
                    report,
                    messages: Vec::new(),
                    scores: ScoreHistory::default(),
                    extensions: Vec::new(),
                },
                actor,
            ))
        }
        Caller::Reporter(token) => {
            let view = by_tracking_token(state, token).await?;
            if view.report.id != id {
                return Err(ServiceError::NotFound("report"));
            }
            Ok((view, Role::Reporter))
        }
    }
}

/// Moves a report along its workflow (`domain::workflow`), sends the reporter the project's
/// reply for it, and records the change in the audit log, all or nothing.
pub async fn transition(
    state: &AppState,
    caller: Caller<'_>,
    id: ReportId,
    request: domain::workflow::TransitionRequest,
) -> Result<Report> {
    use domain::{audit, workflow};
    let (view, actor) = acting_on(state, caller, id).await?;
    let actor_id = match caller {
        Caller::User(user) => audit::user_actor(user.id),
        Caller::Reporter(_) => audit::reporter_actor(id),
    };
    let (project, report) = (&view.project, &view.report);
    let t = workflow::check_transition(report.state, &request, actor, &project.policy)
        .map_err(transition_error)?;
    let duplicate = match t.duplicate_of {
        None => None,
        Some(reference) => {
            let original = match reference {
                workflow::ReportRef::Id(other) => {
                    store::reports::by_id(&mut *state.db.read().await?, other).await?
                }
                workflow::ReportRef::Number(n) => {
                    store::reports::by_number(&mut *state.db.read().await?, project.id, n).await?
                }
            };
            workflow::check_duplicate_target(
                id,
                project.id,
                original.as_ref().map(|o| (o.id, o.project_id)),
            )
            .map_err(transition_error)?;
            original.map(|o| (o.id, format!("#{}", o.number)))
        }
    };
    let duplicate_label = duplicate.as_ref().map(|(_, label)| label.clone());
    let now = state.now();
    let urls = domain::render::ProjectUrls::new(&state.public_url, project);
    let reply = t.reply.map(|key| {
        domain::replies::render_reply(
            &project.policy,
            key,
            &domain::replies::ReplyContext {
                project_name: &project.name,
                number: report.number,
                title: &report.title,
                reporter_name: report.reporter_name.as_deref(),
                tracking_url: "the private link in your receipt",
                policy_url: &urls.policy,
                sla: &report.sla,
                message: t.message.as_deref(),
                duplicate_of: duplicate_label.as_deref(),
                non_qualifying: t.non_qualifying.as_ref(),
            },
        )
    });
    let (author_kind, author) = match caller {
        Caller::User(user) => (AuthorKind::Maintainer, Some(user.id)),
        Caller::Reporter(_) => (AuthorKind::Reporter, None),
    };
    let body = reply
        .as_ref()
        .map(|r| r.body.clone())
        .or_else(|| t.message.clone());
    let message = body.map(|body| NewMessage {
        id: uuid::Uuid::now_v7(),
        report: id,
        author_kind,
        author,
        visibility: Visibility::Reporter,
        body,
        created_at: now,
    });
    let email = match (&reply, report.reporter_email.as_deref()) {
        (Some(r), Some(to)) => Some(store::NewEmail {
            id: uuid::Uuid::now_v7(),
            to: to.to_owned(),
            subject: r.subject.clone(),
            body_text: r.body.clone(),
            report: Some(id),
            created_at: now,
            auto_submitted: None,
        }),
        _ => None,
    };
    let change = store::StateChange {
        from: t.from,
        to: t.to,
        resolution: t.resolution,
        first_response: t.first_response,
        duplicate_of: duplicate.map(|(original, _)| original),
        at: now,
    };
    let event = audit::NewAuditEvent {
        at: now,
        actor: actor_id,
        action: "report.transition".into(),
        subject: audit::report_subject(id),
        data: serde_json::json!({
            "from": t.from.as_str(),
            "to": t.to.as_str(),
            "action": t.action.as_str(),
            "resolution": t.resolution.map(|r| r.as_str()),
            "duplicate_of": duplicate_label,
            "non_qualifying": t.non_qualifying.as_ref().map(|c| c.id.clone()),
        }),
    };
    let updated = report_writes::transition(state, id, &change, message, email, event)
        .await
        .map_err(|e| match e {
            store::StoreError::Conflict(_) => ServiceError::conflict(
                "invalid_transition",
                "the report changed meanwhile; reload and try again",
            ),
            other => other.into(),
        })?;
    // Wake the worker: the e-mail, if any, and webhook deliveries are due now.
    state.outbox_notify.notify_one();
    tracing::info!(report = %id, from = t.from.as_str(), to = t.to.as_str(), "report transition");
    let acting = match caller {
        Caller::User(user) => Some(user.id),
        Caller::Reporter(_) => None,
    };
    super::notify::members(
        state,
        &view.project,
        &updated,
        domain::notify::NotificationKind::StateChanges,
        &format!("{} -> {}", t.from.as_str(), t.to.as_str()),
        acting,
    )
    .await;
    Ok(updated)
}

/// Adds a message to a report's private thread. Maintainers and triagers write internal
/// notes or messages the reporter sees (the reporter is told by e-mail); the reporter writes
/// reporter-visible messages only.
pub async fn post_message(
    state: &AppState,
    caller: Caller<'_>,
    id: ReportId,
    body: &str,
    visibility: Visibility,
) -> Result<Message> {
    use domain::account::{Permission as P, Role};
    let body = check_message(body)?;
    let now = state.now();
    let (view, role) = acting_on(state, caller, id).await?;
    let (author_kind, author) = match caller {
        Caller::User(user) => (AuthorKind::Maintainer, Some(user.id)),
        Caller::Reporter(_) => (AuthorKind::Reporter, None),
    };
    if role == Role::Reporter && visibility == Visibility::Internal {
        return Err(ServiceError::field(
            "visibility",
            "a reporter's messages are always visible to the reporter",
        ));
    }
    let needed = match visibility {
        Visibility::Internal => P::CommentInternal,
        Visibility::Reporter => P::Comment,
    };
    if !role.allows(needed) {
        return Err(ServiceError::Forbidden);
    }
    let email = match (
        author_kind,
        visibility,
        view.report.reporter_email.as_deref(),
    ) {
        (AuthorKind::Maintainer, Visibility::Reporter, Some(to)) => Some(mail::new_message(
            state,
            &view.project,
            &view.report,
            to,
            &body,
        )),
        _ => None,
    };
    let message = report_writes::add_message(
        state,
        &NewMessage {
            id: uuid::Uuid::now_v7(),
            report: id,
            author_kind,
            author,
            visibility,
            body,
            created_at: now,
        },
        email,
    )
    .await?;
    // Wake the worker: the e-mail, if any, and webhook deliveries are due now.
    state.outbox_notify.notify_one();
    tracing::info!(report = %id, visibility = visibility.as_str(), "message added");
    if author_kind == AuthorKind::Reporter {
        super::notify::members(
            state,
            &view.project,
            &view.report,
            domain::notify::NotificationKind::ReporterMessage,
            "",
            None,
        )
        .await;
    }
    Ok(message)
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::report::{Source as S, State};
    use jiff::Timestamp;

    fn at(s: i64) -> Timestamp {
        Timestamp::from_second(1_790_000_000 + s).expect("timestamp")
    }

    fn report(vector: Option<&str>) -> Report {
        Report {
            id: ReportId::new(),
            project_id: domain::ProjectId::new(),
            number: 1,
            title: "t".into(),
            description: "d".into(),
            affected_version: None,
            reproduction: None,
            impact: None,
            cvss_vector: vector.map(str::to_owned),
            reporter_name: Some("Mara".into()),
            reporter_email: None,
            credit_as: None,
            credit_mode: None,
            source: S::Api,
            state: State::Received,
            resolution: None,
            received_at: at(0),
            acknowledged_at: None,
            updated_at: at(0),
            sla: Sla {
                acknowledge_due: at(1),
                triage_due: at(2),
                disclosure_due: at(3),
            },
        }
    }

    fn stored(r: &Report, vector: &str, tenths: u8, severity: &str, s: i64) -> store::ScoreRecord {
        store::ScoreRecord {
            id: uuid::Uuid::now_v7(),
            report_id: r.id,
            vector: vector.into(),
            version: cvss::Version::V31,
            score_tenths: tenths,
            severity: severity.parse().expect("severity"),
            rationale: format!("because {s}"),
            author_kind: AuthorKind::Maintainer,
            author_id: None,
            author_name: Some("Bea".into()),
            created_at: at(s),
        }
    }

    // Scores are FIRST's 3.1 calculator values, worked by hand.
    const NET: &str = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"; // 9.8 Critical
    const LOCAL: &str = "CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H"; // 7.8 High

    #[test]
    fn the_history_starts_with_the_reporters_vector_and_ends_with_the_current_score() {
        let r = report(Some(NET));
        let h = ScoreHistory::build(&r, &[stored(&r, LOCAL, 78, "High", 5)], true);
        assert_eq!(h.entries.len(), 2);
        assert_eq!(h.entries[0].kind, AuthorKind::Reporter);
        assert_eq!(
            (h.entries[0].score.as_str(), h.entries[0].severity.as_str()),
            ("9.8", "Critical")
        );
        let current = h.current().expect("current");
        assert_eq!(
            (current.score.as_str(), current.severity.as_str()),
            ("7.8", "High")
        );
        assert_eq!(current.previous_score.as_deref(), Some("9.8"));
        let changed: Vec<(&str, Option<&str>, Option<&str>)> = current
            .changes
            .iter()
            .map(|c| (c.metric.as_str(), c.from.as_deref(), c.to.as_deref()))
            .collect();
        assert_eq!(
            changed,
            [("AV", Some("N"), Some("L")), ("PR", Some("N"), Some("L"))]
        );
        assert_eq!(current.rationale.as_deref(), Some("because 5"));
        assert_eq!(current.by.as_deref(), Some("Bea"));
    }

    #[test]
    fn the_reporters_view_leaves_out_rationales_and_names() {
        let r = report(None);
        let h = ScoreHistory::build(&r, &[stored(&r, LOCAL, 78, "High", 5)], false);
        assert_eq!(
            h.entries.len(),
            1,
            "no reporter vector, one maintainer score"
        );
        assert_eq!(h.entries[0].rationale, None);
        assert_eq!(h.entries[0].by, None);
        assert!(h.entries[0].changes.is_empty());
    }

    #[test]
    fn an_unparseable_reporter_vector_is_left_out_and_nothing_means_no_score() {
        let r = report(Some("CVSS:3.1/AV:N/AC:L"));
        assert_eq!(ScoreHistory::build(&r, &[], true).current(), None);
        let h = ScoreHistory::build(&r, &[stored(&r, NET, 98, "Critical", 5)], true);
        assert_eq!(h.entries.len(), 1);
        assert_eq!(h.current().map(|c| c.score.as_str()), Some("9.8"));
    }

    fn field_of(e: ServiceError) -> String {
        match e {
            ServiceError::Invalid(errors) => {
                errors.first().map(|f| f.field.clone()).unwrap_or_default()
            }
            other => panic!("expected a field error, got {other:?}"),
        }
    }

    #[test]
    fn a_score_needs_a_valid_vector_and_a_rationale() {
        let (v, why) = check_score(&format!("  {NET} "), " remote ").expect("valid");
        assert_eq!(v.to_string(), NET);
        assert_eq!(why, "remote");
        for (vector, rationale, field) in [
            ("", "why", "vector"),
            (
                "CVSS:3.1/AV:Q/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
                "why",
                "vector",
            ),
            ("not a vector", "why", "vector"),
            (NET, "", "rationale"),
            (NET, " \n ", "rationale"),
            (NET, "a\0b", "rationale"),
        ] {
            let e = check_score(vector, rationale).expect_err(vector);
            assert_eq!(field_of(e), field, "{vector:?} {rationale:?}");
        }
        let long = "é".repeat(MAX_RATIONALE + 1);
        assert_eq!(
            field_of(check_score(NET, &long).expect_err("long")),
            "rationale"
        );
        let ok = "é".repeat(MAX_RATIONALE);
        assert!(
            check_score(NET, &ok).is_ok(),
            "the limit counts characters, not bytes"
        );
        let huge = format!("{NET}{}", "/X:X".repeat(200));
        assert_eq!(
            field_of(check_score(&huge, "why").expect_err("huge")),
            "vector"
        );
    }
}
