//! Reports: intake, the reporter's view through the tracking token, and the maintainer's inbox.

mod assign;
mod intake;
mod messages;
mod pages;
mod scores;
mod views;
mod workflow;

use domain::{project::Project, report::Report};
use store::Message;

pub use assign::{Assignment, assign, assignee, assignment};
pub use intake::{SubmitOutcome, Submitted, Target, submit, submit_with, tracking_url};
pub use messages::{post_message, reporter_message, thread_page};
pub use pages::{
    DEFAULT_PAGE, ListParams, MAX_PAGE, ReportList, Tab, page, page_limit, page_of, tab_counts,
};
pub use scores::{
    MAX_RATIONALE, MAX_VECTOR, MetricChangeView, ScoreEntry, ScoreHistory, backfill_current_scores,
    check_score, current_scores, reporter_score, rescore,
};
pub use views::{by_number, by_number_with_role, by_tracking_token, for_user, user_role};
pub(crate) use workflow::acting_on;
pub use workflow::{Caller, acknowledge, transition};

/// Longest accepted `Idempotency-Key`.
pub const MAX_IDEMPOTENCY_KEY: usize = 255;
/// Longest message a reporter or maintainer may add at once.
pub const MAX_MESSAGE: usize = 64 * 1024;

/// A report with what the caller may see of it.
#[derive(Debug, Clone)]
pub struct ReportView {
    pub project: Project,
    pub report: Report,
    pub messages: Vec<Message>,
    /// The reporter's vector and every maintainer score, oldest first.
    pub scores: ScoreHistory,
    /// Deadline extensions, oldest first (the reporter sees them too, without names).
    pub extensions: Vec<store::ExtensionRecord>,
}
