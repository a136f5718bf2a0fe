//! Reports: intake, the reporter's view through the tracking token, and the maintainer's inbox.

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
use store::{
    AuthorKind, Idempotency, InsertOutcome, InsertReport, Message, NewMessage, Visibility,
};

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
    let request_hash = hex::encode(Sha256::digest(
        serde_json::to_vec(&input).map_err(anyhow::Error::from)?,
    ));
    let new = input.validate()?;
    let id = ReportId::new();
    let token = tokens::generate(tokens::TRACKING);
    let token_hash = tokens::hash(&token);
    let url = tracking_url(state, &token);
    let now = state.now();
    let receipt_to = new.reporter_email.as_ref().map(|e| e.as_str().to_owned());
    let acknowledgement = |number: i64| {
        mail::receipt(
            state,
            &project,
            receipt_to.as_deref().unwrap_or_default(),
            number,
            &url,
            id,
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
    let outcome = state
        .store
        .insert_report(InsertReport {
            id,
            project: project.id,
            report: &new,
            source,
            tracking_token_hash: &token_hash,
            sla: Sla::compute(&project.policy.targets, now),
            now,
            idempotency: idempotency_key.map(|key| Idempotency {
                key,
                request_hash: &request_hash,
            }),
            acknowledgement: receipt_to
                .as_ref()
                .map(|_| &acknowledgement as &(dyn Fn(i64) -> store::NewEmail + Send + Sync)),
            response: &response,
            // Triage is queued in the report's own transaction: a report is never stored
            // without its triage job, and a rolled-back submission leaves no stray job.
            job: Some(store::NewJob::triage_report(id, now)),
        })
        .await?;
    match outcome {
        InsertOutcome::Created { number } => {
            tracing::info!(project = %project.slug.as_str(), report = %id, number, source = source.as_str(), "report received");
            // Wake the worker: the triage job (and the receipt, if any) are due now.
            state.outbox_notify.notify_one();
            Ok(SubmitOutcome::Created(Submitted {
                id,
                number,
                token,
                tracking_url: url,
            }))
        }
        InsertOutcome::Replayed { response } => {
            let previous: Submitted =
                serde_json::from_str(&response).map_err(anyhow::Error::from)?;
            Ok(SubmitOutcome::Replayed(previous))
        }
        InsertOutcome::KeyReused => Err(ServiceError::conflict(
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
}

/// The reporter's view: by tracking token, reporter-visible messages only. Any token that
/// does not match gives "not found".
pub async fn by_tracking_token(state: &AppState, token: &str) -> Result<ReportView> {
    if !token.starts_with(tokens::TRACKING) {
        return Err(ServiceError::NotFound("report"));
    }
    let report = state
        .store
        .report_by_tracking_hash(&tokens::hash(token))
        .await?
        .ok_or(ServiceError::NotFound("report"))?;
    let project = state
        .store
        .project_by_id(report.project_id)
        .await?
        .ok_or(ServiceError::NotFound("report"))?;
    let messages = state.store.messages(report.id, false).await?;
    Ok(ReportView {
        project,
        report,
        messages,
    })
}

/// A reporter adds information through their tracking token.
pub async fn reporter_message(state: &AppState, token: &str, body: &str) -> Result<Message> {
    let view = by_tracking_token(state, token).await?;
    let body = check_message(body)?;
    let message = state
        .store
        .add_message(
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
    let reports = state.store.list_reports(project.id).await?;
    Ok((project, reports))
}

/// One report for a maintainer or triager of its project; "not found" for anyone else.
pub async fn for_user(state: &AppState, user: &User, id: ReportId) -> Result<ReportView> {
    let report = state
        .store
        .report_by_id(id)
        .await?
        .ok_or(ServiceError::NotFound("report"))?;
    let project = state
        .store
        .project_by_id(report.project_id)
        .await?
        .ok_or(ServiceError::NotFound("report"))?;
    let role = state.store.member_role(project.id, user.id).await?;
    if !domain::account::allowed(user.is_admin, role, Permission::ReadReports) {
        return Err(ServiceError::NotFound("report"));
    }
    let messages = state.store.messages(report.id, true).await?;
    Ok(ReportView {
        project,
        report,
        messages,
    })
}

/// A report by its project and number, for the inbox's URLs.
pub async fn by_number(
    state: &AppState,
    user: &User,
    slug: &str,
    number: i64,
) -> Result<ReportView> {
    let (project, reports) = list(state, user, slug).await?;
    let report = reports
        .into_iter()
        .find(|r| r.number == number)
        .ok_or(ServiceError::NotFound("report"))?;
    let messages = state.store.messages(report.id, true).await?;
    Ok(ReportView {
        project,
        report,
        messages,
    })
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
    let role = state.store.member_role(view.project.id, user.id).await?;
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
    let queued = email.is_some();
    let report = state
        .store
        .acknowledge_report(id, now, Some(user.id), new_message, email)
        .await
        .map_err(|e| match e {
            store::StoreError::Conflict(_) => ServiceError::conflict(
                "invalid_transition",
                "the report was acknowledged meanwhile",
            ),
            other => other.into(),
        })?;
    if queued {
        state.outbox_notify.notify_one();
    }
    tracing::info!(report = %id, user = %user.id, "report acknowledged");
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
async fn acting_on(
    state: &AppState,
    caller: Caller<'_>,
    id: ReportId,
) -> Result<(ReportView, domain::account::Role)> {
    use domain::account::Role;
    match caller {
        Caller::User(user) => {
            let report = state
                .store
                .report_by_id(id)
                .await?
                .ok_or(ServiceError::NotFound("report"))?;
            let project = state
                .store
                .project_by_id(report.project_id)
                .await?
                .ok_or(ServiceError::NotFound("report"))?;
            let role = state.store.member_role(project.id, user.id).await?;
            let actor = Role::resolve(user.is_admin, role, false, false)
                .ok_or(ServiceError::NotFound("report"))?;
            Ok((
                ReportView {
                    project,
                    report,
                    messages: Vec::new(),
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
    let duplicate_label = match t.duplicate_of {
        None => None,
        Some(reference) => {
            let original = match reference {
                workflow::ReportRef::Id(other) => state.store.report_by_id(other).await?,
                workflow::ReportRef::Number(n) => state
                    .store
                    .list_reports(project.id)
                    .await?
                    .into_iter()
                    .find(|r| r.number == n),
            };
            workflow::check_duplicate_target(
                id,
                project.id,
                original.as_ref().map(|o| (o.id, o.project_id)),
            )
            .map_err(transition_error)?;
            original.map(|o| format!("#{}", o.number))
        }
    };
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
        }),
        _ => None,
    };
    let queued = email.is_some();
    let change = store::StateChange {
        from: t.from,
        to: t.to,
        resolution: t.resolution,
        first_response: t.first_response,
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
    let updated = state
        .store
        .transition_report(id, &change, message, email, event)
        .await
        .map_err(|e| match e {
            store::StoreError::Conflict(_) => ServiceError::conflict(
                "invalid_transition",
                "the report changed meanwhile; reload and try again",
            ),
            other => other.into(),
        })?;
    if queued {
        state.outbox_notify.notify_one();
    }
    tracing::info!(report = %id, from = t.from.as_str(), to = t.to.as_str(), "report transition");
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
    let queued = email.is_some();
    let message = state
        .store
        .add_message(
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
    if queued {
        state.outbox_notify.notify_one();
    }
    tracing::info!(report = %id, visibility = visibility.as_str(), "message added");
    Ok(message)
}
