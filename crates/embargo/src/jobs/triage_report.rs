//! The `triage.report` job ([`store::triage::TriageReport`]): triages a report
//! ([`crate::services::triage::run`]), queued with each new report and again for a project's
//! open reports when their policy or source changed. A report that is gone has nothing to
//! triage (done); other errors are retried. Re-running is harmless: the result is replaced.

use super::{Attempt, Context, Job, Outcome};
use crate::services::{ServiceError, triage};
use store::triage::TriageReport;

impl Job for TriageReport {
    async fn run(&self, ctx: &Context, _: Attempt) -> Outcome {
        let id = self.report_id;
        match triage::run(&ctx.state, id).await {
            Ok(record) => {
                tracing::info!(report = %id, label = record.label.as_str(), verdict = record.verdict.as_str(), "report triaged");
                Outcome::Done
            }
            Err(ServiceError::NotFound(_)) => {
                tracing::info!(report = %id, "report gone before its triage");
                Outcome::Done
            }
            Err(e) => Outcome::Retry(e.to_string()),
        }
    }
}
