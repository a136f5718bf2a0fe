//! The units of work the application's services compose from the repositories (a project,
//! a policy change, intake, a transition, a message, a score), rebuilt here from the same
//! pieces so the tests of every aggregate can set up projects and reports the way the
//! application does.

use domain::{
    ProjectId, ReportId, UserId,
    audit::{self, NewAuditEvent},
    policy::Policy,
    project::Project,
    report::{NewReport, Report, Sla, Source, State},
    stats::Milestones,
    webhook::Event,
};
use jiff::Timestamp;
use store::{
    AuthorKind, Db, Message, NewEmail, NewJob, NewMessage, NewScore, Read, ReporterKey, Result,
    ScoreRecord, StateChange, StoreError,
};

/// A connection for reads.
pub async fn read(store: &Db) -> Read {
    store.read().await.expect("read connection")
}

/// A project with its first policy version and its security.txt watch, as
/// `services::projects::create` stores it (here without a creator to make maintainer).
pub async fn create_project(store: &Db, project: &Project) -> Result<()> {
    let mut tx = store.begin().await?;
    store::projects::insert(&mut tx, project).await?;
    store::projects::insert_policy_version(
        &mut tx,
        project.id,
        project.policy_version,
        &project.policy,
        None,
        project.created_at,
    )
    .await?;
    let url = project.policy.security_txt_url.as_deref();
    store::watch::sync(&mut tx, project.id, url, project.created_at).await?;
    tx.commit().await
}

/// A policy change, as `services::projects::update_policy` stores it: the new version and
/// its history row, the watch kept in step, open reports re-triaged when the policy
/// changed, the audit event; `Conflict` when the project is past `expected_version`.
pub async fn update_policy(
    store: &Db,
    project: ProjectId,
    expected_version: i64,
    policy: &Policy,
    by: Option<UserId>,
    now: Timestamp,
) -> Result<Project> {
    let mut tx = store.begin().await?;
    let before = store::projects::by_id(&mut tx, project)
        .await?
        .ok_or(StoreError::NotFound)?;
    let version = store::projects::set_policy(&mut tx, project, expected_version, policy).await?;
    store::projects::insert_policy_version(&mut tx, project, version, policy, by, now).await?;
    store::watch::sync(&mut tx, project, policy.security_txt_url.as_deref(), now).await?;
    let retriage = if before.policy != *policy {
        store::triage::requeue_open(&mut tx, project, now).await?
    } else {
        0
    };
    store::audit::append(
        &mut tx,
        NewAuditEvent {
            at: now,
            actor: by.map_or_else(|| audit::SYSTEM_ACTOR.to_owned(), audit::user_actor),
            action: "policy.update".into(),
            subject: audit::project_subject(project),
            data: serde_json::json!({ "version": version, "retriage": retriage }),
        },
    )
    .await?;
    let updated = store::projects::by_id(&mut tx, project)
        .await?
        .ok_or(StoreError::NotFound)?;
    tx.commit().await?;
    Ok(updated)
}

/// What became of a submission.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Created(i64),
    Replayed(String),
    KeyReused,
}

/// A submission as the intake stores it.
pub struct Submission<'a> {
    pub id: ReportId,
    pub project: &'a Project,
    pub report: &'a NewReport,
    pub source: Source,
    pub token_hash: &'a str,
    pub now: Timestamp,
    /// The key and the request's hash.
    pub idempotency: Option<(&'a str, &'a str)>,
    pub acknowledgement: Option<NewEmail>,
    pub job: Option<NewJob>,
    pub reporter_key: Option<&'a ReporterKey>,
}

/// The intake's unit of work: number, idempotency record, row, acknowledgement, webhook
/// event and audit event; the response recorded is `{"number":N}`.
pub async fn submit(store: &Db, s: Submission<'_>) -> Result<Outcome> {
    let mut tx = store.begin().await?;
    let number = store::reports::next_number(&mut tx, s.project.id).await?;
    if let Some((key, hash)) = s.idempotency
        && let Some(previous) = store::idempotency::find(&mut tx, s.project.id, key).await?
    {
        tx.rollback().await?;
        return Ok(if previous.request_hash == hash {
            Outcome::Replayed(previous.response)
        } else {
            Outcome::KeyReused
        });
    }
    store::reports::insert(
        &mut tx,
        &store::reports::NewRow {
            id: s.id,
            project: s.project.id,
            number,
            report: s.report,
            source: s.source,
            tracking_token_hash: s.token_hash,
            sla: Sla::compute(&s.project.policy.targets, s.now),
            now: s.now,
            score: None,
        },
    )
    .await?;
    if let Some((key, hash)) = s.idempotency {
        let response = format!("{{\"number\":{number}}}");
        store::idempotency::record(&mut tx, s.project.id, key, hash, s.id, &response, s.now)
            .await?;
    }
    if let Some(key) = s.reporter_key {
        store::reporter_keys::insert(&mut tx, key).await?;
    }
    if let Some(email) = &s.acknowledgement {
        store::outbox::queue(&mut tx, email).await?;
    }
    if let Some(job) = &s.job {
        store::jobs::enqueue(&mut tx, job).await?;
    }
    let event = Event::report_received(&s.id.to_string(), number);
    store::webhooks::queue_event(&mut tx, s.project.id, &event, s.now).await?;
    store::audit::append(
        &mut tx,
        NewAuditEvent {
            at: s.now,
            actor: audit::reporter_actor(s.id),
            action: "report.create".into(),
            subject: audit::report_subject(s.id),
            data: serde_json::json!({ "project": s.project.id.to_string(), "number": number }),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(Outcome::Created(number))
}

/// A transition's unit of work; `Conflict` when the report left `change.from`.
pub async fn transition(
    store: &Db,
    id: ReportId,
    change: &StateChange,
    message: Option<NewMessage>,
    email: Option<NewEmail>,
    event: NewAuditEvent,
) -> Result<Report> {
    let mut tx = store.begin().await?;
    let moved = store::reports::set_state(&mut tx, id, change, Milestones::of(change.to)).await?;
    let report = store::reports::by_id(&mut tx, id)
        .await?
        .ok_or(StoreError::NotFound)?;
    if !moved {
        return Err(StoreError::Conflict(format!(
            "report is {}, not {}",
            report.state.as_str(),
            change.from.as_str()
        )));
    }
    store::reports::link_duplicate(&mut tx, id, change.duplicate_of, change.at).await?;
    if let Some(m) = &message {
        store::messages::insert(&mut tx, m).await?;
    }
    if let Some(e) = &email {
        store::outbox::queue(&mut tx, e).await?;
    }
    let webhook = Event::report_transitioned(
        &id.to_string(),
        report.number,
        change.from,
        change.to,
        change.resolution.map(|r| r.as_str()),
    );
    store::webhooks::queue_event(&mut tx, report.project_id, &webhook, change.at).await?;
    store::audit::append(&mut tx, event).await?;
    tx.commit().await?;
    Ok(report)
}

/// `received` → `acknowledged`, the first response.
pub async fn acknowledge(
    store: &Db,
    id: ReportId,
    now: Timestamp,
    by: Option<UserId>,
    message: Option<NewMessage>,
    email: Option<NewEmail>,
) -> Result<Report> {
    let change = StateChange {
        from: State::Received,
        to: State::Acknowledged,
        resolution: None,
        first_response: true,
        duplicate_of: None,
        at: now,
    };
    let event = NewAuditEvent {
        at: now,
        actor: by.map_or_else(|| audit::SYSTEM_ACTOR.to_owned(), audit::user_actor),
        action: "report.transition".into(),
        subject: audit::report_subject(id),
        data: serde_json::json!({ "from": "received", "to": "acknowledged" }),
    };
    transition(store, id, &change, message, email, event).await
}

/// A message's unit of work: the row, the report touched, its e-mail, webhook and audit
/// events.
pub async fn add_message(
    store: &Db,
    message: &NewMessage,
    email: Option<NewEmail>,
) -> Result<Message> {
    let mut tx = store.begin().await?;
    store::messages::insert(&mut tx, message).await?;
    store::reports::touch(&mut tx, message.report, message.created_at).await?;
    if let Some(e) = &email {
        store::outbox::queue(&mut tx, e).await?;
    }
    let (project, number, state) = store::webhooks::report_brief(&mut tx, message.report).await?;
    let webhook = Event::message_created(
        &message.report.to_string(),
        number,
        state,
        &message.id.to_string(),
        message.author_kind.as_str(),
        message.visibility.as_str(),
    );
    store::webhooks::queue_event(&mut tx, project, &webhook, message.created_at).await?;
    let actor = match (message.author_kind, message.author) {
        (_, Some(user)) => audit::user_actor(user),
        (AuthorKind::Reporter, None) => audit::reporter_actor(message.report),
        _ => audit::SYSTEM_ACTOR.to_owned(),
    };
    store::audit::append(
        &mut tx,
        NewAuditEvent {
            at: message.created_at,
            actor,
            action: "message.create".into(),
            subject: audit::report_subject(message.report),
            data: serde_json::json!({ "message": message.id.to_string() }),
        },
    )
    .await?;
    let stored = store::messages::by_id(&mut tx, message.id)
        .await?
        .ok_or(StoreError::NotFound)?;
    tx.commit().await?;
    Ok(stored)
}

/// A score's unit of work: the row, the report touched, its webhook and audit events.
pub async fn add_score(store: &Db, score: &NewScore) -> Result<ScoreRecord> {
    let mut tx = store.begin().await?;
    store::scores::insert(&mut tx, score).await?;
    store::reports::touch(&mut tx, score.report, score.created_at).await?;
    let (project, number, state) = store::webhooks::report_brief(&mut tx, score.report).await?;
    let webhook = Event::score_added(
        &score.report.to_string(),
        number,
        state,
        &score.id.to_string(),
    );
    store::webhooks::queue_event(&mut tx, project, &webhook, score.created_at).await?;
    store::audit::append(
        &mut tx,
        NewAuditEvent {
            at: score.created_at,
            actor: audit::user_actor(score.author),
            action: "score.create".into(),
            subject: audit::report_subject(score.report),
            data: serde_json::json!({
                "score_id": score.id.to_string(),
                "vector": score.vector,
                "score": store::score_text(score.score_tenths),
            }),
        },
    )
    .await?;
    let stored = store::scores::by_id(&mut tx, score.id)
        .await?
        .ok_or(StoreError::NotFound)?;
    tx.commit().await?;
    Ok(stored)
}
