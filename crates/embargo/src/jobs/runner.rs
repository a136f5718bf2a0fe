//! The worker: [`REGISTRY`] maps each stored kind to the code that runs it; [`run_worker`]
//! leases due jobs, runs each under a renewed lease ([`holding_lease`]) and records how it
//! went with the one retry policy ([`super::Retry`]); a kind it does not know, or a payload
//! that does not read, is marked failed.

use super::{Attempt, Context, Job, Outcome, Settled};
use crate::AppState;
use jiff::{SignedDuration, Timestamp};
use std::{future::Future, pin::Pin, time::Duration};
use store::jobs::Kinds;
use tokio::sync::watch;

/// How long a submission's idempotency record (with its tracking token) is kept.
pub const IDEMPOTENCY_RETENTION: SignedDuration = SignedDuration::from_hours(24);
/// How often expired idempotency records are purged.
const PURGE_EVERY: Duration = Duration::from_secs(600);

type RunFn = for<'a> fn(&'a Context, store::Job) -> Pin<Box<dyn Future<Output = ()> + Send + 'a>>;

/// One kind the worker runs.
#[derive(Clone, Copy)]
pub struct Entry {
    pub kind: &'static str,
    available: fn(&Context) -> bool,
    run: RunFn,
}

impl std::fmt::Debug for Entry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Entry")
            .field("kind", &self.kind)
            .finish_non_exhaustive()
    }
}

const fn entry<J: Job>() -> Entry {
    Entry {
        kind: J::KIND,
        available: J::available,
        run: run_boxed::<J>,
    }
}

/// Every kind of job, by its stored name.
pub const REGISTRY: &[Entry] = &[
    entry::<store::outbox::DeliverEmail>(),
    entry::<store::webhooks::DeliverWebhook>(),
    entry::<super::publish_advisory::PublishAdvisory>(),
    entry::<store::triage::TriageReport>(),
];

fn run_boxed<J: Job>(
    ctx: &Context,
    job: store::Job,
) -> Pin<Box<dyn Future<Output = ()> + Send + '_>> {
    Box::pin(run_one::<J>(ctx, job))
}

// Worker --------------------------------------------------------------------------------------

/// Runs jobs until `stop` turns true.
pub async fn run_worker(state: AppState, mut stop: watch::Receiver<bool>) {
    let ctx = match Context::new(state.clone()) {
        Ok(ctx) => ctx,
        Err(e) => {
            tracing::error!(error = %e, "cannot build the job worker's clients; the worker stops");
            return;
        }
    };
    if ctx.mailer.is_none() {
        tracing::warn!("no SMTP server configured: e-mail stays queued in the outbox");
    }
    let mut last_purge: Option<std::time::Instant> = None;
    let mut last_watch: Option<std::time::Instant> = None;
    // Fetching git sources may take minutes: on a task of its own, one round at a time.
    let mut fetching: Option<tokio::task::JoinHandle<()>> = None;
    let poll = Duration::from_millis(state.config.worker_poll_ms);
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
        let checks = last_watch.is_none_or(|t| t.elapsed() >= poll);
        if checks {
            last_watch = Some(std::time::Instant::now());
            if fetching.as_ref().is_none_or(|t| t.is_finished()) {
                let state = state.clone();
                fetching = Some(tokio::spawn(async move {
                    if let Err(e) = crate::services::sources::fetch_due(&state).await {
                        tracing::error!(error = %e, "cannot fetch the projects' git sources");
                    }
                }));
            }
        }
        // Drain everything that is due, then sleep until woken or the poll interval passes.
        {
            let _turn = state.jobs_turn.lock().await;
            if checks {
                if let Err(e) = crate::services::watch::run_due(&state).await {
                    tracing::error!(error = %e, "cannot check watched security.txt files");
                }
                if let Err(e) = crate::services::reminders::run_due(&state).await {
                    tracing::error!(error = %e, "cannot send deadline reminders");
                }
            }
            if let Err(e) = drain(&ctx, Some(&stop)).await {
                tracing::error!(error = %e, "cannot lease jobs");
            }
        }
        if *stop.borrow() {
            return;
        }
        tokio::select! {
            () = state.outbox_notify.notified() => {}
            () = tokio::time::sleep(poll) => {}
            _ = stop.changed() => {}
        }
    }
}

/// Runs due jobs until none is left (or `stop` turns true) and returns how many ran.
async fn drain(ctx: &Context, stop: Option<&watch::Receiver<bool>>) -> store::Result<usize> {
    let mut ran = 0;
    while !stop.is_some_and(|s| *s.borrow()) && run_next(ctx).await? {
        ran += 1;
    }
    Ok(ran)
}

/// Runs, now and to the end, what this server would run next: one pass of the security.txt
/// watch and the deadline reminders, then every job due at the application clock's "now"
/// (those the pass queued and those the jobs queue included). Returns how many jobs ran.
///
/// For tests that move the clock and check the effect exactly: it waits for the worker's
/// round in progress ([`crate::app::Inner::jobs_turn`]), so when it returns nothing due is
/// left half-run by this server. The scheduled fetch of git sources is not part of it.
pub async fn run_due(state: &AppState) -> anyhow::Result<usize> {
    let ctx = Context::new(state.clone())?;
    let _turn = state.jobs_turn.lock().await;
    crate::services::watch::run_due(state).await?;
    crate::services::reminders::run_due(state).await?;
    Ok(drain(&ctx, None).await?)
}

/// Leases the next due job this server can run and runs it; `false` when none was due.
pub async fn run_next(ctx: &Context) -> store::Result<bool> {
    // Kinds this server cannot run now stay queued; every other kind is leased, unknown
    // ones included, so they are failed rather than left waiting for ever.
    let unavailable: Vec<&str> = REGISTRY
        .iter()
        .filter(|e| !(e.available)(ctx))
        .map(|e| e.kind)
        .collect();
    let mut tx = ctx.state.db.begin().await?;
    let job = store::jobs::lease(
        &mut tx,
        Kinds::Except(&unavailable),
        &ctx.owner,
        ctx.state.now(),
        ctx.lease,
    )
    .await?;
    tx.commit().await?;
    let Some(job) = job else {
        return Ok(false);
    };
    match REGISTRY.iter().find(|e| e.kind == job.kind) {
        Some(entry) => (entry.run)(ctx, job).await,
        None => {
            tracing::error!(job = %job.id, kind = %job.kind, "job of an unknown kind: marked failed");
            let error = format!("unknown job kind {:?}", job.kind);
            if let Err(e) = give_up(ctx, &job, &error).await {
                tracing::error!(job = %job.id, error = %e, "cannot record job outcome");
            }
        }
    }
    Ok(true)
}

/// Runs one leased job of kind `J` and records how it went.
async fn run_one<J: Job>(ctx: &Context, job: store::Job) {
    let payload = match serde_json::from_value::<J>(job.payload.clone()) {
        Ok(p) => p,
        Err(e) => {
            tracing::error!(job = %job.id, kind = %job.kind, error = %e, "job payload unreadable: marked failed");
            let error = format!("unreadable payload: {e}");
            if let Err(e) = give_up(ctx, &job, &error).await {
                tracing::error!(job = %job.id, error = %e, "cannot record job outcome");
            }
            return;
        }
    };
    let retry = J::retry(ctx);
    let attempt = Attempt {
        number: job.attempts,
        last: retry.is_last(&job),
    };
    let outcome = holding_lease(ctx, &job, payload.run(ctx, attempt)).await;
    let now = ctx.state.now();
    let settled = match &outcome {
        Outcome::Done => Settled::Done,
        Outcome::Retry(e) => match retry.retry_at(&job, now) {
            Some(at) => Settled::Retrying(e, at),
            None => Settled::Failed(e),
        },
        Outcome::GiveUp(e) => Settled::Failed(e),
    };
    match settled {
        Settled::Done => {}
        Settled::Retrying(error, _) => {
            tracing::warn!(job = %job.id, kind = %job.kind, attempt = job.attempts, retry = true, error, "job failed");
        }
        Settled::Failed(error) => {
            tracing::error!(job = %job.id, kind = %job.kind, attempt = job.attempts, retry = false, error, "job failed");
        }
    }
    if let Err(e) = record(ctx, &job, &payload, settled).await {
        tracing::error!(job = %job.id, error = %e, "cannot record job outcome");
    }
}

/// Records an attempt on the job and the kind's own records of it, in one unit of work;
/// nothing when this worker no longer holds the job's lease (its new holder records it).
async fn record<J: Job>(
    ctx: &Context,
    job: &store::Job,
    payload: &J,
    settled: Settled<'_>,
) -> store::Result<()> {
    let now = ctx.state.now();
    let mut tx = ctx.state.db.begin().await?;
    let held = match settled {
        Settled::Done => store::jobs::complete(&mut tx, job, now).await?,
        Settled::Retrying(error, at) => store::jobs::retry(&mut tx, job, error, at).await?,
        Settled::Failed(error) => store::jobs::fail(&mut tx, job, error, now).await?,
    };
    if !held {
        tracing::warn!(job = %job.id, kind = %job.kind, "job lease lost: its outcome is left to the new holder");
        return Ok(());
    }
    payload.settle(&mut tx, settled, now).await?;
    tx.commit().await
}

/// Gives up a job that cannot run at all (an unknown kind, an unreadable payload).
async fn give_up(ctx: &Context, job: &store::Job, error: &str) -> store::Result<()> {
    let mut tx = ctx.state.db.begin().await?;
    store::jobs::fail(&mut tx, job, error, ctx.state.now()).await?;
    tx.commit().await
}

/// Runs `work` while renewing `job`'s lease every third of the lease, so no other worker
/// takes the job over while it runs. A lost lease (this worker stalled for a whole lease) is
/// logged; the work still finishes, and its outcome is not recorded over the new holder's
/// (completion and failure only count for the lease holder).
pub async fn holding_lease<F: Future>(ctx: &Context, job: &store::Job, work: F) -> F::Output {
    let every = (ctx.lease / 3).unsigned_abs();
    let renew = async {
        loop {
            tokio::time::sleep(every).await;
            let now = ctx.state.now();
            let until = now.saturating_add(ctx.lease).unwrap_or(now);
            match renew(&ctx.state, job, until).await {
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
        out = work => out,
        // The renewal never ends: only the work does.
        () = renew => std::future::pending().await,
    }
}

async fn renew(state: &AppState, job: &store::Job, until: Timestamp) -> store::Result<bool> {
    let mut tx = state.db.begin().await?;
    let held = store::jobs::renew(&mut tx, job, until).await?;
    tx.commit().await?;
    Ok(held)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_is_registered_once() {
        let mut kinds: Vec<&str> = REGISTRY.iter().map(|e| e.kind).collect();
        kinds.sort_unstable();
        kinds.dedup();
        assert_eq!(kinds.len(), REGISTRY.len());
        assert_eq!(
            kinds,
            [
                "deliver_email",
                "deliver_webhook",
                "publish_advisory",
                "triage.report"
            ]
        );
    }
}
