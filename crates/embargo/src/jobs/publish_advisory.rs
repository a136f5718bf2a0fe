//! The `publish_advisory` job: publishes an advisory at the time a maintainer chose, acting
//! as them (their permission is checked again when it runs). Idempotent: an advisory that
//! was published, withdrawn or rescheduled meanwhile is left alone.

use crate::{AppState, services::ServiceError};
use store::Job;

/// What became of one run.
#[derive(Debug)]
pub enum Outcome {
    Done,
    /// Worth trying again later (the database, a concurrent edit).
    Retry(String),
    /// Trying again will not help.
    GiveUp(String),
}

pub async fn run(state: &AppState, job: &Job) -> Outcome {
    let Some(id) = job.payload.get("advisory_id").and_then(|v| v.as_str()) else {
        return Outcome::GiveUp("job without advisory id".into());
    };
    let scheduled_at = job
        .payload
        .get("scheduled_at")
        .and_then(serde_json::Value::as_i64);
    match crate::services::advisories::run_scheduled(state, id, scheduled_at).await {
        Ok(()) => Outcome::Done,
        Err(ServiceError::Internal(e)) => Outcome::Retry(format!("{e:#}")),
        Err(ServiceError::Conflict {
            code: "stale_version",
            message,
        }) => Outcome::Retry(message),
        Err(e) => Outcome::GiveUp(e.to_string()),
    }
}
