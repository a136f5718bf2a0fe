//! The `deliver_webhook` job ([`store::webhooks::DeliverWebhook`], queued with each event
//! by `store::webhooks::queue_event`) delivers one webhook: POSTs the delivery's stored body
//! to its endpoint, signed with the project's current secret, and logs the attempt. A 2xx answer completes it; any other
//! answer, a timeout or a connection error retries with exponential backoff until
//! `webhooks.max_attempts`, then marks it failed.

use super::{Attempt, Context, Job, Outcome, Retry};
use domain::webhook::{self, DELIVERY_HEADER, EVENT_HEADER, SIGNATURE_HEADER};
use jiff::SignedDuration;
use std::time::{Duration, Instant};
use store::{DeliveryStatus, WebhookAttempt, webhooks::DeliverWebhook};

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

impl Job for DeliverWebhook {
    /// `webhooks.retry_base_ms` apart, at most `webhooks.max_attempts` times.
    fn retry(ctx: &Context) -> Retry {
        let config = &ctx.state.config.webhooks;
        Retry {
            base: SignedDuration::from_millis(
                i64::try_from(config.retry_base_ms).unwrap_or(30_000),
            ),
            max_attempts: Some(config.max_attempts),
        }
    }

    async fn run(&self, ctx: &Context, attempt: Attempt) -> Outcome {
        let id = self.delivery_id;
        // A failure before any request is made (the database) is retried, not logged as an
        // attempt.
        let delivery = match delivery(ctx, id).await {
            Ok(Some(d)) => d,
            Ok(None) => {
                // The endpoint was removed with its deliveries: nothing to send.
                tracing::info!(delivery = %id, "webhook endpoint gone before delivery");
                return Outcome::Done;
            }
            Err(e) => return Outcome::Retry(e.to_string()),
        };
        let secret = match crate::services::webhooks::current_secret(
            &ctx.state,
            delivery.project_id,
        )
        .await
        {
            Ok(Some(s)) => s,
            Ok(None) => {
                tracing::error!(delivery = %id, "project has an endpoint but no webhook secret");
                return Outcome::GiveUp("no webhook secret".into());
            }
            Err(e) => return Outcome::Retry(e.to_string()),
        };
        let signature = webhook::sign(secret.as_bytes(), delivery.body.as_bytes());
        let started = Instant::now();
        let result = ctx
            .webhooks
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
        let status = match &error {
            None => DeliveryStatus::Delivered,
            Some(_) if attempt.last => DeliveryStatus::Failed,
            Some(_) => DeliveryStatus::Pending,
        };
        let logged = WebhookAttempt {
            attempt: attempt.number,
            at: ctx.state.now(),
            status_code,
            duration_ms,
            error: error.as_ref().map(|e| e.chars().take(ERROR_LEN).collect()),
        };
        if let Err(e) = record_attempt(ctx, delivery.id, &logged, status).await {
            tracing::error!(delivery = %delivery.id, error = %e, "cannot log the webhook attempt");
        }
        match error {
            None => {
                tracing::info!(delivery = %delivery.id, event = %delivery.event, "webhook delivered");
                Outcome::Done
            }
            Some(e) => Outcome::Retry(e),
        }
    }
}

async fn delivery(ctx: &Context, id: uuid::Uuid) -> store::Result<Option<store::WebhookDelivery>> {
    store::webhooks::delivery(&mut *ctx.state.db.read().await?, id).await
}

async fn record_attempt(
    ctx: &Context,
    delivery: uuid::Uuid,
    attempt: &WebhookAttempt,
    status: DeliveryStatus,
) -> store::Result<()> {
    let mut tx = ctx.state.db.begin().await?;
    store::webhooks::record_attempt(&mut tx, delivery, attempt, status).await?;
    tx.commit().await
}
