//! Intake: a new report through the API or the web form, once per `Idempotency-Key`.

use crate::services::intake_batch;
use crate::services::report_writes::{self, Intake, IntakeOutcome};
use crate::services::{Result, ServiceError, mail, projects};
use crate::{AppState, tokens};
use domain::{
    ReportId,
    project::Project,
    report::{ReportInput, Sla, Source},
};
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::MAX_IDEMPOTENCY_KEY;

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

/// Where a submission goes: the project, read on the connection the submission's screening
/// reads on next. Each checkout of a pooled connection costs a round trip to the
/// connection's thread when it goes back, so a request that must know the project before
/// it submits (a 404 comes first) reads it here and hands both over.
pub struct Target {
    pub project: Project,
    read: store::Read,
}

impl Target {
    /// The project of `slug`; `NotFound` when there is none.
    pub async fn open(state: &AppState, slug: &str) -> Result<Self> {
        let mut read = state.db.read().await?;
        let project = projects::public_on(&mut read, slug).await?;
        Ok(Self { project, read })
    }

    /// A project the caller already has.
    pub async fn of(state: &AppState, project: Project) -> Result<Self> {
        Ok(Self {
            project,
            read: state.db.read().await?,
        })
    }
}

impl std::fmt::Debug for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Target")
            .field("project", &self.project.slug)
            .finish_non_exhaustive()
    }
}

/// Stores a report from a reporter (no account needed) and queues the receipt e-mail and
/// the report's triage.
/// `idempotency_key` makes retries safe: the same key and the same body give the first answer.
pub async fn submit(
    state: &AppState,
    target: Target,
    input: ReportInput,
    source: Source,
    idempotency_key: Option<&str>,
    pgp_key: Option<&str>,
) -> Result<SubmitOutcome> {
    let pgp_key = pgp_key.map(|k| (k, store::KeySource::Form));
    submit_with(
        state,
        target,
        input,
        source,
        idempotency_key,
        true,
        None,
        pgp_key,
    )
    .await
}

/// [`submit`], choosing whether the reporter gets the acknowledgement e-mail (inbound mail
/// that is auto-submitted, a bounce or from a list must not be answered: RFC 3834), and
/// saying why the sender is junk when the caller found out (a mail filter's `spam` rule).
///
/// Every report is screened (`services::junk`): the instance's bans on every channel, the
/// project's sender rules on the form and the API. A screened-out submission is stored and
/// answered exactly like any other (the submitter cannot tell), but filed as `blocked`: no
/// receipt, no notification, its clocks stopped. Otherwise the members' "new report" e-mail
/// (and the receipt, when the policy holds receipts) waits for the triage.
#[allow(clippy::too_many_arguments)]
pub async fn submit_with(
    state: &AppState,
    target: Target,
    input: ReportInput,
    source: Source,
    idempotency_key: Option<&str>,
    acknowledge: bool,
    filtered: Option<&str>,
    pgp_key: Option<(&str, store::KeySource)>,
) -> Result<SubmitOutcome> {
    // The bans and the project's rules are read on the target's connection.
    let Target { project, mut read } = target;
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
        .map(|k| crate::services::reporter_keys::parse_form_key(k, state.now()))
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
    let screening = crate::services::junk::screen(
        &mut read,
        &project,
        new.reporter_email.as_ref().map(|e| e.as_str()),
        new.reporter_name.as_deref(),
        source != Source::Email,
    )
    .await?;
    drop(read);
    let blocked = filtered.map(str::to_owned).or(screening.blocked);
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
    let acknowledgement = receipt_to.clone().map(|to| {
        let (state, project, url) = (state.clone(), project.clone(), url.clone());
        Box::new(move |number: i64| mail::receipt(&state, &project, &to, number, &url, id, source))
            as Box<dyn Fn(i64) -> store::NewEmail + Send + Sync>
    });
    let response = {
        let (token, url) = (token.clone(), url.clone());
        Box::new(move |number: i64| {
            serde_json::to_string(&Submitted {
                id,
                number,
                token: token.clone(),
                tracking_url: url.clone(),
            })
            .unwrap_or_default()
        })
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
    let outcome = intake_batch::insert(
        state,
        Intake {
            id,
            project: project.id,
            sla: Sla::compute(&project.policy.targets, now),
            report: new,
            source,
            tracking_token_hash: token_hash,
            now,
            idempotency: idempotency_key.map(|key| (key.to_owned(), request_hash)),
            acknowledgement,
            response,
            // Triage is queued in the report's own transaction: a report is never stored
            // without its triage job, and a rolled-back submission leaves no stray job.
            job: Some(store::NewJob::of(
                &store::triage::TriageReport { report_id: id },
                now,
                now,
            )?),
            reporter_key,
            hold: Some(report_writes::HoldAtIntake {
                status: if blocked.is_some() {
                    store::holds::HoldStatus::Blocked
                } else {
                    store::holds::HoldStatus::Pending
                },
                keep_receipt: blocked.is_some() || project.policy.junk.hold_receipts,
                event: blocked.as_ref().map(|why| domain::audit::NewAuditEvent {
                    at: now,
                    actor: domain::audit::SYSTEM_ACTOR.to_owned(),
                    action: "report.blocked".into(),
                    subject: domain::audit::report_subject(id),
                    data: serde_json::json!({ "why": why, "source": source.as_str() }),
                }),
                reason: blocked.clone(),
                bans: screening.bans,
            }),
        },
    )
    .await?;
    match outcome {
        IntakeOutcome::Created { number } => {
            tracing::info!(project = %project.slug.as_str(), report = %id, number, source = source.as_str(), blocked = blocked.is_some(), "report received");
            // Wake the worker: the triage job (and the receipt, if any) are due now. A report
            // that came by e-mail waits until its message is linked to it (`inbound`), so the
            // receipt answers in the reporter's mail thread. The members hear of the report
            // once the triage released it (`services::junk::after_triage`).
            if source != Source::Email {
                state.outbox_notify.notify_one();
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
