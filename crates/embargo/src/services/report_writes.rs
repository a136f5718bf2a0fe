//! The writes of a report's use cases, each one unit of work composed from the
//! repositories: the row, its e-mails, jobs, webhook events and audit event commit together
//! or not at all. What each change raises (milestones, webhook event, audit event) is
//! decided here, not in SQL. Errors stay [`StoreError`]s (a `Conflict` when the report
//! changed meanwhile), for the use cases to word.

use crate::AppState;
use domain::{
    ProjectId, ReportId, UserId,
    audit::{self, NewAuditEvent},
    report::{NewReport, Report, Sla, Source, State},
    stats::Milestones,
    webhook::Event,
};
use jiff::Timestamp;
use store::{
    AuthorKind, Dialect, Message, NewEmail, NewJob, NewMessage, NewScore, ReporterKey, Result,
    ScoreRecord, StateChange, StoreError, Tx,
};

/// Everything stored together when a report arrives. Owned, so that the intake writer
/// (`services::intake_batch`) can take it from the submitter's task into a batch.
pub struct Intake {
    pub id: ReportId,
    pub project: ProjectId,
    pub report: NewReport,
    pub source: Source,
    pub tracking_token_hash: String,
    pub sla: Sla,
    pub now: Timestamp,
    /// The `Idempotency-Key` and the request's hash.
    pub idempotency: Option<(String, String)>,
    /// The acknowledgement e-mail, built once the number is known.
    pub acknowledgement: Option<Box<dyn Fn(i64) -> NewEmail + Send + Sync>>,
    /// The response to replay for the same idempotency key, built once the number is known.
    pub response: Box<dyn Fn(i64) -> String + Send + Sync>,
    /// A job queued with the report (its triage), so no stored report is ever left
    /// untriaged by a crash between two writes.
    pub job: Option<NewJob>,
    /// The reporter's OpenPGP key given with the report (stored before the receipt, which
    /// is encrypted to it, can be sent).
    pub reporter_key: Option<ReporterKey>,
    /// What the report's hold keeps back until the triage or a person decides
    /// (`services::junk`); `None` holds nothing back.
    pub hold: Option<HoldAtIntake>,
}

/// A new report's hold: its status, why, whether the receipt is kept back rather than
/// queued, the bans that matched (counted) and the audit event of a blocked sender.
#[derive(Debug)]
pub struct HoldAtIntake {
    pub status: store::holds::HoldStatus,
    pub reason: Option<String>,
    pub keep_receipt: bool,
    pub bans: Vec<uuid::Uuid>,
    pub event: Option<NewAuditEvent>,
}

impl std::fmt::Debug for Intake {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Intake")
            .field("id", &self.id)
            .field("project", &self.project)
            .field("source", &self.source)
            .finish_non_exhaustive()
    }
}

/// What became of a submission.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IntakeOutcome {
    Created {
        number: i64,
    },
    /// The idempotency key was used before with the same request: its stored response.
    Replayed {
        response: String,
    },
    /// The idempotency key was used before with a different request.
    KeyReused,
}

/// Stores a report with its number, idempotency record, reporter key, acknowledgement,
/// job, `report.received` webhook event and `report.create` audit event, in a unit of work
/// of its own.
pub async fn insert(state: &AppState, new: &Intake) -> Result<IntakeOutcome> {
    insert_alone(&state.db, new).await
}

/// [`insert`] on `db`: what the intake writer falls back to when a batch fails.
pub async fn insert_alone(db: &store::Db, new: &Intake) -> Result<IntakeOutcome> {
    let mut tx = db.begin().await?;
    let composed = compose(&mut tx, db.dialect(), new).await?;
    let Composed::Created { number, audit } = composed else {
        tx.rollback().await?;
        return Ok(composed.outcome());
    };
    store::audit::append_many(&mut tx, audit).await?;
    tx.commit().await?;
    Ok(IntakeOutcome::Created { number })
}

/// What [`compose`] wrote: a report, with its audit events still to append (after every
/// report of a batch, in one go), or an answer from an earlier request and nothing written.
#[derive(Debug)]
pub enum Composed {
    Created {
        number: i64,
        audit: Vec<NewAuditEvent>,
    },
    Replayed {
        response: String,
    },
    KeyReused,
}

impl Composed {
    pub fn outcome(&self) -> IntakeOutcome {
        match self {
            Self::Created { number, .. } => IntakeOutcome::Created { number: *number },
            Self::Replayed { response } => IntakeOutcome::Replayed {
                response: response.clone(),
            },
            Self::KeyReused => IntakeOutcome::KeyReused,
        }
    }
}

/// One report's writes inside a unit of work, all but its audit events (returned): a
/// batch of one ([`compose_many`]).
pub async fn compose(tx: &mut Tx, dialect: Dialect, new: &Intake) -> Result<Composed> {
    compose_many(tx, dialect, &[new])
        .await?
        .pop()
        .ok_or_else(|| StoreError::Corrupt("a batch of one composed nothing".into()))
}

/// What became of one intake of a batch before anything is written.
enum Fate {
    /// A new report, its number still to take.
    New,
    /// Its key was used before this batch.
    Earlier(store::idempotency::Record),
    /// Its key was used by an earlier intake of this batch (its index).
    InBatch(usize),
    KeyReused,
}

/// The writes of several reports inside one unit of work, all but their audit events
/// (returned with each): each table's rows in as few statements as the bound values allow,
/// whatever the batch's size. Outcomes in the batch's order.
///
/// On SQLite the unit of work holds the write lock from its start, so the idempotency
/// check comes first and replays write nothing: reports of a batch can share one
/// transaction, a key used twice in it replaying the first. On PostgreSQL (a batch of one,
/// as intakes there run concurrently) a write comes first: it locks the project's counter
/// row, so the check cannot go stale before the inserts (the caller rolls back a replay,
/// counter included).
pub async fn compose_many(
    tx: &mut Tx,
    dialect: Dialect,
    batch: &[&Intake],
) -> Result<Vec<Composed>> {
    let mut locked = std::collections::HashMap::new();
    if dialect == Dialect::Postgres {
        for new in batch {
            if let std::collections::hash_map::Entry::Vacant(slot) = locked.entry(new.project) {
                let count = batch.iter().filter(|n| n.project == new.project).count();
                slot.insert(store::reports::take_numbers(tx, new.project, count as i64).await?);
            }
        }
    }

    // Who is new, who replays: keys used before the batch, then within it.
    let keys: Vec<(ProjectId, &str)> = batch
        .iter()
        .filter_map(|n| n.idempotency.as_ref().map(|(k, _)| (n.project, k.as_str())))
        .collect();
    let earlier = if keys.is_empty() {
        std::collections::HashMap::new()
    } else {
        store::idempotency::find_many(tx, &keys).await?
    };
    let mut first_use: std::collections::HashMap<(ProjectId, &str), usize> =
        std::collections::HashMap::new();
    let mut fates = Vec::with_capacity(batch.len());
    for (i, new) in batch.iter().enumerate() {
        let fate = match &new.idempotency {
            None => Fate::New,
            Some((key, hash)) => {
                if let Some(previous) = earlier.get(&(new.project, key.clone())) {
                    if previous.request_hash == *hash {
                        Fate::Earlier(previous.clone())
                    } else {
                        Fate::KeyReused
                    }
                } else if let Some(&first) = first_use.get(&(new.project, key.as_str())) {
                    let same = batch[first]
                        .idempotency
                        .as_ref()
                        .is_some_and(|(_, h)| h == hash);
                    if same {
                        Fate::InBatch(first)
                    } else {
                        Fate::KeyReused
                    }
                } else {
                    first_use.insert((new.project, key.as_str()), i);
                    Fate::New
                }
            }
        };
        fates.push(fate);
    }

    // Numbers, in the batch's order, per project.
    let mut numbers = vec![0i64; batch.len()];
    let mut next = locked;
    for (i, new) in batch.iter().enumerate() {
        if !matches!(fates[i], Fate::New) {
            continue;
        }
        let number = match next.get(&new.project) {
            Some(&n) => n,
            None => {
                let count = batch
                    .iter()
                    .zip(&fates)
                    .filter(|(n, f)| n.project == new.project && matches!(f, Fate::New))
                    .count();
                store::reports::take_numbers(tx, new.project, count as i64).await?
            }
        };
        numbers[i] = number;
        next.insert(new.project, number + 1);
    }

    let created: Vec<usize> = (0..batch.len())
        .filter(|&i| matches!(fates[i], Fate::New))
        .collect();
    let scores: Vec<Option<(u8, &'static str)>> = created
        .iter()
        .map(|&i| super::reports::reporter_score(batch[i].report.cvss_vector.as_deref()))
        .collect();
    let rows: Vec<store::reports::NewRow<'_>> = created
        .iter()
        .zip(&scores)
        .map(|(&i, score)| {
            let new = batch[i];
            store::reports::NewRow {
                id: new.id,
                project: new.project,
                number: numbers[i],
                report: &new.report,
                source: new.source,
                tracking_token_hash: &new.tracking_token_hash,
                sla: new.sla,
                now: new.now,
                score: *score,
            }
        })
        .collect();
    store::reports::insert_many(tx, &rows).await?;

    let responses: Vec<(usize, String)> = created
        .iter()
        .filter(|&&i| batch[i].idempotency.is_some())
        .map(|&i| (i, (batch[i].response)(numbers[i])))
        .collect();
    let records: Vec<store::idempotency::NewRecord<'_>> = responses
        .iter()
        .filter_map(|(i, response)| {
            let new = batch[*i];
            new.idempotency
                .as_ref()
                .map(|(key, request_hash)| store::idempotency::NewRecord {
                    project: new.project,
                    key,
                    request_hash,
                    report: new.id,
                    response,
                    now: new.now,
                })
        })
        .collect();
    store::idempotency::record_many(tx, &records).await?;

    let mut receipts = Vec::new();
    let mut holds = Vec::new();
    let mut jobs = Vec::new();
    let mut events = Vec::with_capacity(created.len());
    for &i in &created {
        let new = batch[i];
        if let Some(key) = &new.reporter_key {
            store::reporter_keys::insert(tx, key).await?;
        }
        let mut receipt = new.acknowledgement.as_ref().map(|build| build(numbers[i]));
        let keep_receipt = new.hold.as_ref().is_some_and(|h| h.keep_receipt);
        if let Some(hold) = &new.hold {
            let receipt_sent = receipt.is_some() && !keep_receipt;
            holds.push(store::holds::Hold {
                report: new.id,
                status: hold.status,
                reason: hold.reason.clone(),
                receipt: if keep_receipt {
                    receipt.take()
                } else {
                    receipt.clone()
                },
                receipt_sent,
                created_at: new.now,
                decided_at: None,
                decided_by: None,
            });
            if !hold.bans.is_empty() {
                store::bans::record_matches(tx, &hold.bans, new.now).await?;
            }
        }
        receipts.extend(receipt.filter(|_| !keep_receipt));
        jobs.extend(new.job.clone());
        events.push((
            new.project,
            Event::report_received(&new.id.to_string(), numbers[i]),
        ));
    }
    store::outbox::queue_many(tx, &receipts).await?;
    store::holds::insert_many(tx, &holds).await?;
    store::jobs::enqueue_many(tx, &jobs).await?;
    let now = batch.first().map_or_else(Timestamp::now, |n| n.now);
    let events: Vec<(ProjectId, &Event)> = events.iter().map(|(p, e)| (*p, e)).collect();
    store::webhooks::queue_events(tx, &events, now).await?;

    Ok(batch
        .iter()
        .zip(fates)
        .enumerate()
        .map(|(i, (new, fate))| match fate {
            Fate::New => {
                let number = numbers[i];
                let mut audit = vec![NewAuditEvent {
                    at: new.now,
                    actor: audit::reporter_actor(new.id),
                    action: "report.create".into(),
                    subject: audit::report_subject(new.id),
                    data: serde_json::json!({ "project": new.project.to_string(), "number": number, "source": new.source.as_str() }),
                }];
                audit.extend(new.hold.as_ref().and_then(|h| h.event.clone()));
                Composed::Created { number, audit }
            }
            Fate::Earlier(previous) => Composed::Replayed {
                response: previous.response,
            },
            Fate::InBatch(first) => Composed::Replayed {
                response: (batch[first].response)(numbers[first]),
            },
            Fate::KeyReused => Composed::KeyReused,
        })
        .collect())
}

/// Applies a checked state change with its reply, e-mail, duplicate link, webhook event
/// and audit event; `Conflict` when the report is no longer in `change.from`. Returns the
/// report as changed.
pub async fn transition(
    state: &AppState,
    id: ReportId,
    change: &StateChange,
    message: Option<NewMessage>,
    email: Option<NewEmail>,
    event: NewAuditEvent,
) -> Result<Report> {
    let mut tx = state.db.begin().await?;
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
    // Every transition drops an earlier link, so reopening a duplicate unlinks it.
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

/// Moves a `received` report to `acknowledged` (the first response); `Conflict` from any
/// other state.
pub async fn acknowledge(
    state: &AppState,
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
        data: serde_json::json!({ "from": "received", "to": "acknowledged", "message": message.is_some() }),
    };
    transition(state, id, &change, message, email, event).await
}

/// The project, number and state of a report inside the unit of work; `NotFound` when it
/// does not exist.
async fn brief(tx: &mut Tx, report: ReportId) -> Result<(ProjectId, i64, State)> {
    store::webhooks::report_brief(tx, report).await
}

/// Adds a message to a report's thread with its e-mail (if any), touching the report, with
/// the `message.created` webhook event and the `message.create` audit event (never the
/// body: the log outlives the embargo).
pub async fn add_message(
    state: &AppState,
    message: &NewMessage,
    email: Option<NewEmail>,
) -> Result<Message> {
    let mut tx = state.db.begin().await?;
    store::messages::insert(&mut tx, message).await?;
    store::reports::touch(&mut tx, message.report, message.created_at).await?;
    if let Some(e) = &email {
        store::outbox::queue(&mut tx, e).await?;
    }
    let (project, number, report_state) = brief(&mut tx, message.report).await?;
    let webhook = Event::message_created(
        &message.report.to_string(),
        number,
        report_state,
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
            data: serde_json::json!({ "message": message.id.to_string(), "visibility": message.visibility.as_str() }),
        },
    )
    .await?;
    let stored = store::messages::by_id(&mut tx, message.id)
        .await?
        .ok_or(StoreError::NotFound)?;
    tx.commit().await?;
    Ok(stored)
}

/// Stores a maintainer's score, touching the report, with the `score.added` webhook event
/// and the `score.create` audit event (the vector and its score, never the rationale).
pub async fn add_score(state: &AppState, score: &NewScore) -> Result<ScoreRecord> {
    let mut tx = state.db.begin().await?;
    store::scores::insert(&mut tx, score).await?;
    store::report_pages::set_score(
        &mut tx,
        score.report,
        Some((score.score_tenths, score.severity.as_str())),
    )
    .await?;
    store::reports::touch(&mut tx, score.report, score.created_at).await?;
    let (project, number, report_state) = brief(&mut tx, score.report).await?;
    let webhook = Event::score_added(
        &score.report.to_string(),
        number,
        report_state,
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
                "version": score.version.as_str(),
                "score": store::score_text(score.score_tenths),
                "severity": score.severity.as_str(),
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
