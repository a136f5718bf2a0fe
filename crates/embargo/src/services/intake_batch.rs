//! The intake writer: on SQLite, reports arriving together are written in one unit of
//! work (group commit).
//!
//! SQLite has one writer at a time, and sqlx hands every statement to its connection's
//! thread and back: a report's dozen statements, its `BEGIN` and its `COMMIT` (with the
//! fsync) each pay that hand-off, one report after another. Here each submitter queues its
//! [`Intake`] and waits; one task takes everything queued (at most `intake_batch`), writes
//! the batch on one transaction with each table's rows in one multi-row statement
//! (`report_writes::compose_many`, the composition a single intake uses with a batch of
//! one), appends their audit events in one go and commits once: about ten statements a
//! batch, whatever its size. Every
//! submitter is answered only after that commit: nobody is told "created" before their
//! report is durable. When anything in a batch fails, the batch is rolled back and each of
//! its reports is written again alone, so one bad report never costs the others theirs and
//! each submitter gets the answer its own report earns.
//!
//! Numbers stay gapless and in order (the counter row is updated inside the transaction),
//! an idempotency key used twice in one batch replays the first (the check sees the
//! batch's own writes), and the audit chain is extended in order from the head row read
//! once under the write lock.
//!
//! PostgreSQL runs writers concurrently, each intake in its own unit of work as before;
//! so does SQLite with `intake_batch = 1`.

use crate::AppState;
use crate::services::report_writes::{self, Composed, Intake, IntakeOutcome};
use std::sync::OnceLock;
use store::{Db, Dialect, Result, StoreError};
use tokio::sync::{mpsc, oneshot};

type Answer = oneshot::Sender<Result<IntakeOutcome>>;

/// The queue to the writer task, started by the first intake (on the runtime that serves
/// it) and ended when the last sender goes with the application.
#[derive(Debug, Default)]
pub struct Writer {
    queue: OnceLock<mpsc::UnboundedSender<(Intake, Answer)>>,
}

/// Stores a report as `report_writes::insert` does; on SQLite through the writer task.
pub async fn insert(state: &AppState, intake: Intake) -> Result<IntakeOutcome> {
    if state.db.dialect() != Dialect::Sqlite || state.config.intake_batch <= 1 {
        return report_writes::insert(state, &intake).await;
    }
    let queue = state.intake_writer.queue.get_or_init(|| {
        let (queue, pending) = mpsc::unbounded_channel();
        tokio::spawn(run(state.db.clone(), state.config.intake_batch, pending));
        queue
    });
    let (answer, answered) = oneshot::channel();
    if let Err(mpsc::error::SendError((intake, _))) = queue.send((intake, answer)) {
        // The writer task is gone (its runtime ended): write this one alone.
        return report_writes::insert(state, &intake).await;
    }
    answered
        .await
        .map_err(|_| StoreError::Corrupt("the intake writer stopped".into()))?
}

async fn run(db: Db, most: usize, mut pending: mpsc::UnboundedReceiver<(Intake, Answer)>) {
    let mut batch = Vec::with_capacity(most);
    while pending.recv_many(&mut batch, most).await > 0 {
        match together(&db, &batch).await {
            Ok(outcomes) => {
                for ((_, answer), outcome) in batch.drain(..).zip(outcomes) {
                    let _ = answer.send(Ok(outcome));
                }
            }
            Err(e) => {
                if batch.len() > 1 {
                    tracing::warn!(error = %e, reports = batch.len(), "an intake batch failed; writing its reports one by one");
                }
                for (intake, answer) in batch.drain(..) {
                    let _ = answer.send(report_writes::insert_alone(&db, &intake).await);
                }
            }
        }
    }
}

/// Writes the batch in one unit of work; its outcomes in order.
async fn together(db: &Db, batch: &[(Intake, Answer)]) -> Result<Vec<IntakeOutcome>> {
    let intakes: Vec<&Intake> = batch.iter().map(|(intake, _)| intake).collect();
    let mut tx = db.begin().await?;
    let composed = report_writes::compose_many(&mut tx, Dialect::Sqlite, &intakes).await?;
    let mut outcomes = Vec::with_capacity(composed.len());
    let mut events = Vec::new();
    for c in composed {
        outcomes.push(c.outcome());
        if let Composed::Created { audit, .. } = c {
            events.extend(audit);
        }
    }
    store::audit::append_many(&mut tx, events).await?;
    tx.commit().await?;
    Ok(outcomes)
}
