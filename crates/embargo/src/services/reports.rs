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

/// Stores a report from a reporter (no account needed) and queues the receipt e-mail.
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
        })
        .await?;
    match outcome {
        InsertOutcome::Created { number } => {
            tracing::info!(project = %project.slug.as_str(), report = %id, number, source = source.as_str(), "report received");
            if receipt_to.is_some() {
                state.outbox_notify.notify_one();
            }
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
