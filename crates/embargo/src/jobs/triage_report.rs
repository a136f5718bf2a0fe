//! The `triage.report` job ([`store::triage::TriageReport`]): triages a report
//! ([`crate::services::triage::run`]), queued with each new report and again for a project's
//! open reports when their policy or source changed. A report that is gone has nothing to
//! triage (done); other errors are retried. Re-running is harmless: the result is replaced.

use super::{Attempt, Context, Job, Outcome};
use crate::services::{ServiceError, junk, triage};
use store::triage::TriageReport;

impl Job for TriageReport {
    async fn run(&self, ctx: &Context, attempt: Attempt) -> Outcome {
        let id = self.report_id;
        match triage::run(&ctx.state, id).await {
            Ok(record) => {
                tracing::info!(report = %id, label = record.label.as_str(), verdict = record.verdict.as_str(), "report triaged");
                // The receipt and the members' e-mail go out now, unless the label is junk.
                match junk::after_triage(&ctx.state, id, record.label).await {
                    Ok(()) => Outcome::Done,
                    Err(e) => Outcome::Retry(e.to_string()),
                }
            }
            Err(ServiceError::NotFound(_)) => {
                tracing::info!(report = %id, "report gone before its triage");
                Outcome::Done
            }
            Err(e) => {
                if attempt.last {
                    // Fail open: a real reporter must not go unanswered because of our bug.
                    if let Err(release) = junk::triage_failed(&ctx.state, id).await {
                        tracing::error!(report = %id, error = %release, "cannot release the report after its failed triage");
                    }
                }
                Outcome::Retry(e.to_string())
            }
        }
    }
}
