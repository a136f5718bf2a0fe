//! Delivers one webhook: POSTs the delivery's stored body to its endpoint, signed with the
//! project's current secret, and logs the attempt. A 2xx answer completes it; any other
//! answer, a timeout or a connection error retries with exponential backoff until
//! `webhooks.max_attempts`, then marks it failed.

use crate::AppState;
use domain::webhook::{self, DELIVERY_HEADER, EVENT_HEADER, SIGNATURE_HEADER};
use jiff::SignedDuration;
use std::time::{Duration, Instant};
use store::{DeliveryStatus, Job, WebhookAttempt};

/// The client for webhook deliveries: no redirects (a redirect is not a delivery), the
/// configured timeout.
pub fn http_client(timeout: Duration) -> anyhow::Result<reqwest::Client> {
    Ok(reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(timeout)
        .timeout(timeout)
        .user_agent(concat!("embargo/", env!("CARGO_PKG_VERSION"), " webhooks"))
        .build()?)
}

/// Longest error text kept in the log.
const ERROR_LEN: usize = 300;

pub async fn run(state: &AppState, client: &reqwest::Client, job: Job) {
    let now = state.now();
    let id = job
        .payload
        .get("delivery_id")
        .and_then(|v| v.as_str())
        .and_then(|s| s.parse::<uuid::Uuid>().ok());
    let Some(id) = id else {
        tracing::error!(job = %job.id, "webhook job without a delivery id");
        record(
            state
                .store
                .fail_job(&job, "job without delivery id", now, None, None)
                .await,
            &job,
        );
        return;
    };
    let delivery = match state.store.webhook_delivery(id).await {
        Ok(Some(d)) => d,
        Ok(None) => {
            // The endpoint was removed with its deliveries: nothing to send.
            tracing::info!(job = %job.id, delivery = %id, "webhook endpoint gone before delivery");
            record(state.store.complete_job(&job, now, None).await, &job);
            return;
        }
        Err(e) => {
            retry_or_give_up(state, &job, &e.to_string()).await;
            return;
        }
    };
    let secret = match crate::services::webhooks::current_secret(state, delivery.project_id).await {
        Ok(Some(s)) => s,
        Ok(None) => {
            tracing::error!(delivery = %id, "project has an endpoint but no webhook secret");
            record(
                state
                    .store
                    .fail_job(&job, "no webhook secret", now, None, None)
                    .await,
                &job,
            );
            return;
        }
        Err(e) => {
            retry_or_give_up(state, &job, &e.to_string()).await;
            return;
        }
    };
    let signature = webhook::sign(secret.as_bytes(), delivery.body.as_bytes());
    let started = Instant::now();
    let result = client
        .post(&delivery.url)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .header(EVENT_HEADER, &delivery.event)
        .header(DELIVERY_HEADER, delivery.id.to_string())
        .header(SIGNATURE_HEADER, signature)
        .body(delivery.body.clone())
        .send()
        .await;
    let duration_ms = i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX);
    let (status_code, error) = match result {
        Ok(response) => {
            let code = response.status();
            // Read (and drop) a little of the answer so the connection can be reused.
            drop(response.bytes().await);
            if code.is_success() {
                (Some(i64::from(code.as_u16())), None)
            } else {
                (
                    Some(i64::from(code.as_u16())),
                    Some(format!("HTTP {}", code.as_u16())),
                )
            }
        }
        Err(e) => {
            let what = if e.is_timeout() {
                "timed out".to_owned()
            } else if e.is_connect() {
                "could not connect".to_owned()
            } else {
                e.without_url().to_string()
            };
            (None, Some(what))
        }
    };
    let now = state.now();
    let max = state.config.webhooks.max_attempts.min(job.max_attempts);
    let outcome = match &error {
        None => DeliveryStatus::Delivered,
        Some(_) if job.attempts >= max => DeliveryStatus::Failed,
        Some(_) => DeliveryStatus::Pending,
    };
    let attempt = WebhookAttempt {
        attempt: job.attempts,
        at: now,
        status_code,
        duration_ms,
        error: error.as_ref().map(|e| e.chars().take(ERROR_LEN).collect()),
    };
    if let Err(e) = state
        .store
        .record_webhook_attempt(delivery.id, &attempt, outcome)
        .await
    {
        tracing::error!(delivery = %delivery.id, error = %e, "cannot log the webhook attempt");
    }
    match error {
        None => {
            tracing::info!(job = %job.id, delivery = %delivery.id, event = %delivery.event, "webhook delivered");
            record(state.store.complete_job(&job, now, None).await, &job);
        }
        Some(e) => {
            let retry_at = (outcome == DeliveryStatus::Pending)
                .then(|| now.checked_add(retry_delay(state, job.attempts)).ok())
                .flatten();
            tracing::warn!(job = %job.id, delivery = %delivery.id, attempt = job.attempts, retry = retry_at.is_some(), error = %e, "webhook delivery failed");
            record(
                state.store.fail_job(&job, &e, now, retry_at, None).await,
                &job,
            );
        }
    }
}

fn retry_delay(state: &AppState, attempt: i64) -> SignedDuration {
    let base = SignedDuration::from_millis(
        i64::try_from(state.config.webhooks.retry_base_ms).unwrap_or(30_000),
    );
    webhook::backoff(attempt, base)
}

/// A failure before any request was made (the database): retried, not logged as an attempt.
async fn retry_or_give_up(state: &AppState, job: &Job, error: &str) {
    let now = state.now();
    let retry_at = (job.attempts < job.max_attempts)
        .then(|| now.checked_add(retry_delay(state, job.attempts)).ok())
        .flatten();
    tracing::warn!(job = %job.id, error, "webhook delivery could not start");
    record(
        state.store.fail_job(job, error, now, retry_at, None).await,
        job,
    );
}

fn record(result: store::Result<()>, job: &Job) {
    if let Err(e) = result {
        tracing::error!(job = %job.id, error = %e, "cannot record job outcome");
    }
}
