//! Background work: the durable job queue in the database, drained by one worker per
//! server. Jobs survive restarts; a crashed worker's lease runs out and another takes over.
//! Each round the worker also runs the daily checks of security.txt files that projects
//! host elsewhere ([`crate::services::watch`]), claimed in the database the same way.
//! New reports are triaged here too (`triage.report`, [`crate::services::triage`]), and
//! projects' git sources are fetched on their schedule ([`crate::services::sources`]).
//! Webhooks are delivered here as well ([`webhook`]).
//!
//! A job runs at most once at a time across every server sharing the database: leasing is
//! one atomic statement (`FOR UPDATE SKIP LOCKED` on PostgreSQL), and while a job runs its
//! worker renews the lease every third of `job_lease_ms` ([`holding_lease`]), so a job that
//! outlasts the lease (a slow SMTP server or webhook receiver) is never taken over by a
//! second server while the first still works on it. Only a server that stops answering for
//! a whole lease loses its jobs to others.
//!
//! Once per poll the maintainers are also reminded of deadlines
//! ([`crate::services::reminders`]).

pub mod mailer;
pub mod publish_advisory;
pub mod webhook;

use crate::AppState;
use jiff::SignedDuration;
use std::time::Duration;
use store::{Job, job_kind};
use tokio::sync::watch;

/// How long a submission's idempotency record (with its tracking token) is kept.
pub const IDEMPOTENCY_RETENTION: SignedDuration = SignedDuration::from_hours(24);
/// How often expired idempotency records are purged.
const PURGE_EVERY: Duration = Duration::from_secs(600);

/// The delay before retry `attempt` (1-based): 30 s, 1 min, 2 min, … capped at 1 h.
pub fn backoff(attempt: i64) -> SignedDuration {
    let exp = u32::try_from(attempt.clamp(1, 20) - 1).unwrap_or(0);
    let secs = 30i64.saturating_mul(1i64 << exp.min(16));
    SignedDuration::from_secs(secs.min(3600))
}

/// Runs jobs until `stop` turns true.
pub async fn run_worker(state: AppState, mut stop: watch::Receiver<bool>) {
    let owner = format!("worker-{}", uuid::Uuid::new_v4().simple());
    let mailer = mailer::Mailer::from_config(&state.config);
    if mailer.is_none() {
        tracing::warn!("no SMTP server configured: e-mail stays queued in the outbox");
    }
    let mut last_purge: Option<std::time::Instant> = None;
    let mut last_watch: Option<std::time::Instant> = None;
    // Fetching git sources may take minutes: on a task of its own, one round at a time.
    let mut fetching: Option<tokio::task::JoinHandle<()>> = None;
    // Scheduled publications and triage run whether or not mail can be sent.
    let kinds: &[&str] = if mailer.is_some() {
        &[
            job_kind::DELIVER_EMAIL,
            job_kind::PUBLISH_ADVISORY,
            job_kind::TRIAGE_REPORT,
            store::DELIVER_WEBHOOK,
        ]
    } else {
        &[
            job_kind::PUBLISH_ADVISORY,
            job_kind::TRIAGE_REPORT,
            store::DELIVER_WEBHOOK,
        ]
    };
    let poll = Duration::from_millis(state.config.worker_poll_ms);
    let lease =
        SignedDuration::from_millis(i64::try_from(state.config.job_lease_ms).unwrap_or(120_000));
    let webhooks =
        match webhook::http_client(Duration::from_millis(state.config.webhooks.timeout_ms)) {
            Ok(c) => c,
            Err(e) => {
                tracing::error!(error = %e, "cannot build the webhook client; the worker stops");
                return;
            }
        };
    loop {
        if *stop.borrow() {
            return;
        }
        if last_purge.is_none_or(|t| t.elapsed() >= PURGE_EVERY) {
            last_purge = Some(std::time::Instant::now());
            purge(&state).await;
        }
        // Watches are due by the day: look once per poll interval, not on every wake-up
        // (a busy intake wakes the worker for each acknowledgement it queues).
        if last_watch.is_none_or(|t| t.elapsed() >= poll) {
            last_watch = Some(std::time::Instant::now());
            if let Err(e) = crate::services::watch::run_due(&state).await {
                tracing::error!(error = %e, "cannot check watched security.txt files");
            }
            if fetching.as_ref().is_none_or(|t| t.is_finished()) {
                let state = state.clone();
                fetching = Some(tokio::spawn(async move {
                    if let Err(e) = crate::services::sources::fetch_due(&state).await {
                        tracing::error!(error = %e, "cannot fetch the projects' git sources");
                    }
                }));
            }
            if let Err(e) = crate::services::reminders::run_due(&state).await {
                tracing::error!(error = %e, "cannot send deadline reminders");
            }
        }
        // Drain everything that is due, then sleep until woken or the poll interval passes.
        loop {
            if *stop.borrow() {
                return;
            }
            match state
                .store
                .lease_job(kinds, &owner, state.now(), lease)
                .await
            {
                Ok(Some(job)) if job.kind == job_kind::PUBLISH_ADVISORY => {
                    holding_lease(&state, &job.clone(), lease, run_publication(&state, job)).await;
                }
                Ok(Some(job)) if job.kind == job_kind::TRIAGE_REPORT => {
                    holding_lease(&state, &job.clone(), lease, run_triage(&state, job)).await;
                }
                Ok(Some(job)) if job.kind == store::DELIVER_WEBHOOK => {
                    holding_lease(
                        &state,
                        &job.clone(),
                        lease,
                        webhook::run(&state, &webhooks, job),
                    )
                    .await;
                }
                Ok(Some(job)) => match &mailer {
                    Some(mailer) => {
                        holding_lease(&state, &job.clone(), lease, run_job(&state, mailer, job))
                            .await;
                    }
                    None => break,
                },
                Ok(None) => break,
                Err(e) => {
                    tracing::error!(error = %e, "cannot lease jobs");
                    break;
                }
            }
        }
        tokio::select! {
            () = state.outbox_notify.notified() => {}
            () = tokio::time::sleep(poll) => {}
            _ = stop.changed() => {}
        }
    }
}

/// Runs `work` while renewing `job`'s lease every third of `lease`, so no other worker
/// takes the job over while it runs. A lost lease (this worker stalled for a whole lease) is
/// logged; the work still finishes, and its outcome is not recorded over the new holder's
/// (completion and failure only count for the lease holder).
pub async fn holding_lease<F: std::future::Future<Output = ()>>(
    state: &AppState,
    job: &Job,
    lease: SignedDuration,
    work: F,
) {
    let every = (lease / 3).unsigned_abs();
    let renew = async {
        loop {
            tokio::time::sleep(every).await;
            let until = state.now().saturating_add(lease).unwrap_or(state.now());
            match state.store.renew_job_lease(job, until).await {
                Ok(true) => {}
                Ok(false) => {
                    // The job finished meanwhile, or this worker stalled for a whole lease
                    // and another took the job over (its outcome will not be recorded here).
                    tracing::warn!(job = %job.id, kind = %job.kind, "job lease no longer held");
                    std::future::pending::<()>().await;
                }
                Err(e) => tracing::warn!(job = %job.id, error = %e, "cannot renew a job lease"),
            }
        }
    };
    tokio::select! {
        biased;
        () = work => {}
        () = renew => {}
    }
}

/// Drops idempotency records older than [`IDEMPOTENCY_RETENTION`].
async fn purge(state: &AppState) {
    let Ok(before) = state.now().checked_sub(IDEMPOTENCY_RETENTION) else {
        return;
    };
    let purged = async {
        let mut tx = state.db.begin().await?;
        let n = store::idempotency::purge(&mut tx, before).await?;
        tx.commit().await?;
        Ok::<_, store::StoreError>(n)
    };
    match purged.await {
        Ok(0) => {}
        Ok(n) => tracing::info!(records = n, "expired idempotency records purged"),
        Err(e) => tracing::error!(error = %e, "cannot purge idempotency records"),
    }
}

async fn run_publication(state: &AppState, job: Job) {
    let now = state.now();
    let result = match publish_advisory::run(state, &job).await {
        publish_advisory::Outcome::Done => {
            tracing::info!(job = %job.id, "scheduled publication done");
            state.store.complete_job(&job, now, None).await
        }
        publish_advisory::Outcome::Retry(e) => {
            let retry_at = (job.attempts < job.max_attempts)
                .then(|| now.checked_add(backoff(job.attempts)).ok())
                .flatten();
            tracing::warn!(job = %job.id, attempt = job.attempts, retry = retry_at.is_some(), error = %e, "scheduled publication failed");
            state.store.fail_job(&job, &e, now, retry_at, None).await
        }
        publish_advisory::Outcome::GiveUp(e) => {
            tracing::error!(job = %job.id, error = %e, "scheduled publication abandoned");
            state.store.fail_job(&job, &e, now, None, None).await
        }
    };
    if let Err(e) = result {
        tracing::error!(job = %job.id, error = %e, "cannot record job outcome");
    }
}

/// Triages a new report. A report that is gone has nothing to triage (done); other errors
/// retry with the usual backoff. Re-running is harmless: the result is replaced.
async fn run_triage(state: &AppState, job: Job) {
    let id = job
        .payload
        .get("report_id")
        .and_then(|v| v.as_str())
        .and_then(|s| s.parse::<domain::ReportId>().ok());
    let now = state.now();
    let result = match id {
        None => {
            tracing::error!(job = %job.id, "triage job without a report id");
            state
                .store
                .fail_job(&job, "job without report id", now, None, None)
                .await
        }
        Some(id) => match crate::services::triage::run(state, id).await {
            Ok(record) => {
                tracing::info!(job = %job.id, report = %id, label = %record.label, verdict = %record.verdict, "report triaged");
                state.store.complete_job(&job, now, None).await
            }
            Err(crate::services::ServiceError::NotFound(_)) => {
                tracing::info!(job = %job.id, report = %id, "report gone before its triage");
                state.store.complete_job(&job, now, None).await
            }
            Err(e) => {
                let retry_at = (job.attempts < job.max_attempts)
                    .then(|| now.checked_add(backoff(job.attempts)).ok())
                    .flatten();
                tracing::warn!(job = %job.id, attempt = job.attempts, retry = retry_at.is_some(), error = %e, "triage failed");
                state
                    .store
                    .fail_job(&job, &e.to_string(), now, retry_at, None)
                    .await
            }
        },
    };
    if let Err(e) = result {
        tracing::error!(job = %job.id, error = %e, "cannot record job outcome");
    }
}

async fn run_job(state: &AppState, mailer: &mailer::Mailer, job: Job) {
    let email_id = job
        .payload
        .get("email_id")
        .and_then(|v| v.as_str())
        .and_then(|s| s.parse::<uuid::Uuid>().ok());
    let result = match email_id {
        Some(id) => match state.store.email(id).await {
            Ok(Some(email)) => {
                let from = mailer.from_address();
                match crate::services::outgoing::compose(state, &email, &from, mailer.from_name())
                    .await
                {
                    Ok(composed) => mailer.send(&composed).await,
                    Err(crate::services::outgoing::ComposeError::Permanent(e)) => {
                        Err(mailer::SendError::Permanent(e))
                    }
                    Err(crate::services::outgoing::ComposeError::Temporary(e)) => {
                        Err(mailer::SendError::Temporary(e))
                    }
                }
            }
            Ok(None) => Err(mailer::SendError::Permanent(
                "the e-mail no longer exists".into(),
            )),
            Err(e) => Err(mailer::SendError::Temporary(e.to_string())),
        },
        None => Err(mailer::SendError::Permanent("job without e-mail id".into())),
    };
    let now = state.now();
    let outcome = match result {
        Ok(()) => {
            tracing::info!(job = %job.id, "e-mail delivered");
            state.store.complete_job(&job, now, email_id).await
        }
        Err(e) => {
            let retry_at = match &e {
                mailer::SendError::Temporary(_) if job.attempts < job.max_attempts => {
                    now.checked_add(backoff(job.attempts)).ok()
                }
                _ => None,
            };
            tracing::warn!(job = %job.id, attempt = job.attempts, retry = retry_at.is_some(), error = %e, "e-mail delivery failed");
            state
                .store
                .fail_job(&job, &e.to_string(), now, retry_at, email_id)
                .await
        }
    };
    if let Err(e) = outcome {
        tracing::error!(job = %job.id, error = %e, "cannot record job outcome");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_from_thirty_seconds_up_to_an_hour() {
        let secs: Vec<i64> = (1..=9).map(|a| backoff(a).as_secs()).collect();
        assert_eq!(secs, [30, 60, 120, 240, 480, 960, 1920, 3600, 3600]);
    }
}
