//! The `publish_advisory` job: publishes an advisory at the time a maintainer chose, acting
//! as them (their permission is checked again when it runs). Idempotent: an advisory that
//! was published, withdrawn or rescheduled meanwhile is left alone.

use super::{Attempt, Context, Job, Outcome};
use crate::services::ServiceError;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// Publishes advisory `advisory_id` if it is still scheduled for `scheduled_at`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublishAdvisory {
    pub advisory_id: String,
    /// The scheduled time in microseconds since the Unix epoch: a rescheduled advisory's
    /// earlier job finds another time and does nothing.
    pub scheduled_at: Option<i64>,
}

impl PublishAdvisory {
    pub fn new(advisory_id: &str, scheduled_at: Timestamp) -> Self {
        Self {
            advisory_id: advisory_id.to_owned(),
            scheduled_at: Some(scheduled_at.as_microsecond()),
        }
    }
}

impl store::jobs::Payload for PublishAdvisory {
    const KIND: &'static str = "publish_advisory";
    const MAX_ATTEMPTS: i64 = 10;
}

impl Job for PublishAdvisory {
    async fn run(&self, ctx: &Context, _: Attempt) -> Outcome {
        match crate::services::advisories::run_scheduled(
            &ctx.state,
            &self.advisory_id,
            self.scheduled_at,
        )
        .await
        {
            Ok(()) => {
                tracing::info!(advisory = %self.advisory_id, "scheduled publication done");
                Outcome::Done
            }
            Err(ServiceError::Internal(e)) => Outcome::Retry(format!("{e:#}")),
            Err(ServiceError::Conflict {
                code: "stale_version",
                message,
            }) => Outcome::Retry(message),
            Err(e) => Outcome::GiveUp(e.to_string()),
        }
    }
}
