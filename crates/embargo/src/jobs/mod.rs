//! Background work: the durable job queue in the database, drained by one worker per
//! server. Jobs survive restarts; a crashed worker's lease runs out and another takes over.
//! Each round the worker also runs the daily checks of security.txt files that projects
//! host elsewhere ([`crate::services::watch`]), claimed in the database the same way, the
//! fetch of projects' git sources ([`crate::services::sources`]) and the deadline reminders
//! ([`crate::services::reminders`]).
//!
//! Jobs are typed: each kind is one [`Job`] type in a file of its own — its payload is the
//! type itself, stored as JSON under its [`store::jobs::Payload::KIND`] — and [`REGISTRY`]
//! (in [`runner`], the worker) maps the kinds to their runners. A job is queued in the unit
//! of work that makes it necessary with [`enqueue`] (or, for the jobs the store queues
//! itself, by the store: e-mail and webhook deliveries, report triage). Every kind shares
//! one retry policy ([`retry::Retry`]) and one lease policy:
//!
//! A job runs at most once at a time across every server sharing the database: leasing is
//! one atomic statement (`FOR UPDATE SKIP LOCKED` on PostgreSQL), and while a job runs its
//! worker renews the lease every third of `job_lease_ms` ([`holding_lease`]), so a job that
//! outlasts the lease (a slow SMTP server or webhook receiver) is never taken over by a
//! second server while the first still works on it. Only a server that stops answering for
//! a whole lease loses its jobs to others. A job of a kind this server does not know is
//! logged and marked failed.

pub mod deliver_email;
pub mod deliver_webhook;
pub mod mailer;
pub mod publish_advisory;
pub mod retry;
pub mod runner;
pub mod triage_report;

use crate::AppState;
use jiff::{SignedDuration, Timestamp};
use serde::de::DeserializeOwned;
use std::{future::Future, time::Duration};
use store::{Conn, jobs::Payload};

pub use retry::Retry;
pub use runner::{
    Entry, IDEMPOTENCY_RETENTION, REGISTRY, holding_lease, run_due, run_next, run_worker,
};

/// One kind of background work. The type is the job's payload: queued with [`enqueue`],
/// read back from the queue and [`Job::run`].
pub trait Job: Payload + DeserializeOwned + Send + Sync + 'static {
    /// Whether this server can run jobs of the kind now; those it cannot stay queued
    /// (e-mail waits for an SMTP server to be configured).
    fn available(ctx: &Context) -> bool {
        let _ = ctx;
        true
    }

    /// How the kind's failed attempts are retried.
    fn retry(ctx: &Context) -> Retry {
        let _ = ctx;
        Retry::default()
    }

    /// Does the work. Runs under a lease the worker keeps renewing; may run again after a
    /// crash, so it must be idempotent.
    fn run(&self, ctx: &Context, attempt: Attempt) -> impl Future<Output = Outcome> + Send;

    /// The kind's own records of how the attempt ended, written in the unit of work that
    /// records it on the job (the e-mail's status for a delivery).
    fn settle(
        &self,
        c: &mut Conn,
        settled: Settled<'_>,
        now: Timestamp,
    ) -> impl Future<Output = store::Result<()>> + Send {
        let _ = (c, settled, now);
        async { Ok(()) }
    }
}

/// The attempt a job is making.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Attempt {
    /// 1 for the first run.
    pub number: i64,
    /// A failure now gives the job up.
    pub last: bool,
}

/// How one run went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Done,
    /// Worth trying again later (retried while attempts are left).
    Retry(String),
    /// Trying again will not help.
    GiveUp(String),
}

/// How an attempt was recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Settled<'a> {
    Done,
    /// Failed with this error; runs again at the time given.
    Retrying(&'a str, Timestamp),
    /// Failed with this error, for good.
    Failed(&'a str),
}

/// What jobs run with: the application and the worker's clients.
#[derive(Clone, Debug)]
pub struct Context {
    pub state: AppState,
    /// `None` when no SMTP server is configured.
    pub mailer: Option<mailer::Mailer>,
    /// The HTTP client for webhook deliveries.
    pub webhooks: reqwest::Client,
    /// This worker's name on the leases it holds.
    pub owner: String,
    pub lease: SignedDuration,
}

impl Context {
    pub fn new(state: AppState) -> anyhow::Result<Self> {
        let mailer = mailer::Mailer::from_config(&state.config);
        let webhooks =
            deliver_webhook::http_client(Duration::from_millis(state.config.webhooks.timeout_ms))?;
        let lease = SignedDuration::from_millis(
            i64::try_from(state.config.job_lease_ms).unwrap_or(120_000),
        );
        Ok(Self {
            mailer,
            webhooks,
            owner: format!("worker-{}", uuid::Uuid::new_v4().simple()),
            lease,
            state,
        })
    }
}

/// Queues `job` to run at `run_at`, in the caller's unit of work.
pub async fn enqueue<J: Job>(
    c: &mut Conn,
    job: &J,
    run_at: Timestamp,
    now: Timestamp,
) -> store::Result<()> {
    store::jobs::enqueue(c, &store::NewJob::of(job, run_at, now)?).await
}
