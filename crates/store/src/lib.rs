//! Embargo's persistence.
//!
//! [`Db`] is the seam: services hold one and never see SQL. They open a unit of work
//! ([`Db::begin`] → [`Tx`]), call the repositories of the aggregates a use case touches —
//! modules of functions over an open connection ([`Conn`]): [`audit`], [`outbox`], [`jobs`],
//! … — and commit, so a change, its e-mails, its jobs and its audit event are written
//! together or not at all. Reads take a pooled connection ([`Db::read`]). The same SQL text
//! serves SQLite and PostgreSQL through sqlx's `Any` driver; what differs in set-up and
//! migrations lives in [`Dialect`]. See `docs/decisions/0001-storage-seam.md`.
//!
//! The [`Store`] trait is what is left of round 1's single interface: its methods move into
//! repositories one aggregate at a time.

pub mod accounts;
pub mod advisories;
pub mod audit;
mod collaborator;
mod db;
mod error;
pub mod filters;
pub mod inbound;
pub mod jobs;
pub mod members;
mod model;
pub mod outbox;
pub mod projects;
pub mod reply_tokens;
pub mod reporter_keys;
mod rows;
#[cfg(feature = "testing")]
pub mod schema;
mod sla_model;
pub mod sources;
pub mod sql;
#[cfg(feature = "testing")]
pub mod testing;
pub mod triage;
pub mod watch;
pub mod webhooks;

pub use collaborator::*;
pub use db::{Conn, Db, Dialect, Read, Tx};
pub use error::StoreError;
pub use filters::{FilterMatch, FilterMatchCount, FilterRuleRecord};
pub use jobs::{Job, NewJob};
pub use model::*;
pub use sla_model::*;
pub use sources::{ProjectSource, ProjectSourceInput};
pub use sql::SqlStore;
pub use triage::{TriageDismissal, TriageHistoryEntry, TriageRecord};
pub use webhooks::{DeliveryStatus, WebhookAttempt, WebhookDelivery, WebhookEndpoint};

use async_trait::async_trait;
use domain::{ProjectId, ReportId, UserId, report::Report};
use jiff::Timestamp;

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Everything the application persists.
#[async_trait]
pub trait Store: Send + Sync + std::fmt::Debug {
    // Reports --------------------------------------------------------------------------
    /// Stores a report with its number, tracking token hash, idempotency record and
    /// acknowledgement e-mail in one transaction.
    async fn insert_report(&self, new: InsertReport<'_>) -> Result<InsertOutcome>;
    /// Forgets idempotency records made before `before` (their stored responses hold live
    /// tracking tokens); returns how many went.
    async fn purge_idempotency(&self, before: Timestamp) -> Result<u64>;
    async fn report_by_id(&self, id: ReportId) -> Result<Option<Report>>;
    async fn report_by_tracking_hash(&self, token_hash: &str) -> Result<Option<Report>>;
    async fn list_reports(&self, project: ProjectId) -> Result<Vec<Report>>;
    /// Moves a `received` report to `acknowledged`; `Conflict` from any other state.
    async fn acknowledge_report(
        &self,
        id: ReportId,
        now: Timestamp,
        by: Option<UserId>,
        message: Option<NewMessage>,
        email: Option<NewEmail>,
    ) -> Result<Report>;
    /// Applies a checked state change with its reply, e-mail and audit event in one
    /// transaction; `Conflict` when the report is no longer in `change.from`.
    async fn transition_report(
        &self,
        id: ReportId,
        change: &StateChange,
        message: Option<NewMessage>,
        email: Option<NewEmail>,
        audit: domain::audit::NewAuditEvent,
    ) -> Result<Report>;
    /// The report a duplicate links to (set when it was closed as a duplicate).
    async fn duplicate_of(&self, report: ReportId) -> Result<Option<ReportId>>;
    /// The reports closed as duplicates of `original`, by number.
    async fn duplicates_of(&self, original: ReportId) -> Result<Vec<Report>>;
    async fn add_message(&self, message: &NewMessage, email: Option<NewEmail>) -> Result<Message>;
    async fn messages(&self, report: ReportId, include_internal: bool) -> Result<Vec<Message>>;
    /// Stores a maintainer's score with its `score.create` audit event (vector and score,
    /// never the rationale) in one transaction, and touches the report's `updated_at`.
    async fn add_score(&self, score: &NewScore) -> Result<ScoreRecord>;
    /// A report's scores, oldest first; the last one is the current score.
    async fn scores(&self, report: ReportId) -> Result<Vec<ScoreRecord>>;
    /// The scores of every report of a project, oldest first (for the inbox's severities).
    async fn project_scores(&self, project: ProjectId) -> Result<Vec<ScoreRecord>>;

    // Deadlines and reminders ----------------------------------------------------------
    /// Moves one of a report's clocks with its extension record and audit event in one
    /// transaction; `Conflict` when the clock no longer reads `extension.old_due`.
    async fn extend_sla(
        &self,
        extension: &NewExtension,
        audit: domain::audit::NewAuditEvent,
    ) -> Result<Report>;
    /// A report's extensions, oldest first.
    async fn sla_extensions(&self, report: ReportId) -> Result<Vec<ExtensionRecord>>;
    /// The project's reports that may owe a reminder by `horizon`: a clock that runs in the
    /// report's state is due by then and its breach reminder was not sent. At most `limit`,
    /// earliest received first.
    async fn reminder_candidates(
        &self,
        project: ProjectId,
        horizon: Timestamp,
        limit: i64,
    ) -> Result<Vec<Report>>;
    /// The reminders already sent about a report.
    async fn sent_reminders(&self, report: ReportId) -> Result<Vec<domain::calendar::ReminderKey>>;
    /// Records a reminder and queues its e-mails in one transaction. Returns `false` (and
    /// stores nothing) when it was recorded before — by this or another server — or when the
    /// report's clock no longer runs or no longer reads `key.due`.
    async fn record_reminder(
        &self,
        report: ReportId,
        key: &domain::calendar::ReminderKey,
        now: Timestamp,
        emails: &[NewEmail],
    ) -> Result<bool>;
    /// Queues e-mails with their delivery jobs in one transaction.
    async fn queue_emails(&self, emails: &[NewEmail]) -> Result<()>;
    // Collaborators --------------------------------------------------------------------
    /// Stores an invitation with its e-mail (and delivery job) and a `collaborator.invite`
    /// audit event in one transaction. `Conflict` when the address already has a live
    /// (pending or accepted, not expired, not revoked) invitation to the report.
    async fn invite_collaborator(
        &self,
        new: &NewCollaborator,
        email: &NewEmail,
    ) -> Result<Collaborator>;
    /// The invitation whose link has this token hash, whatever its status.
    async fn collaborator_by_token(&self, token_hash: &str) -> Result<Option<Collaborator>>;
    /// Binds a pending invitation to `user` (single use) with a `collaborator.accept`
    /// audit event; `NotFound` when the link was used, revoked or has expired at `now`.
    async fn accept_collaborator(
        &self,
        token_hash: &str,
        user: UserId,
        now: Timestamp,
    ) -> Result<Collaborator>;
    /// A report's invitations, oldest first, revoked and expired ones included.
    async fn collaborators(&self, report: ReportId) -> Result<Vec<Collaborator>>;
    /// Ends an invitation at once with a `collaborator.revoke` audit event; `NotFound` when
    /// the report has no such invitation. Revoking twice changes nothing the second time.
    async fn revoke_collaborator(
        &self,
        report: ReportId,
        id: uuid::Uuid,
        by: UserId,
        now: Timestamp,
    ) -> Result<Collaborator>;
    /// Whether `user` accepted an invitation to the report that is neither revoked nor
    /// expired at `now`.
    async fn is_collaborator(&self, report: ReportId, user: UserId, now: Timestamp)
    -> Result<bool>;
    /// The reports `user` collaborates on at `now`, newest invitation first.
    async fn collaborations(&self, user: UserId, now: Timestamp) -> Result<Vec<Collaboration>>;

    // Outbox and jobs ------------------------------------------------------------------
    // `transition_report`, `add_message`, `add_score`, an advisory's publication),

    // Dashboard ------------------------------------------------------------------------
    /// Every report of the project: its state and when it was received, first answered,
    /// triaged (first accepted or closed) and fixed.
    async fn report_times(
        &self,
        project: ProjectId,
    ) -> Result<Vec<(domain::report::State, domain::stats::ReportTimes)>>;
}
