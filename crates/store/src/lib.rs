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
pub mod sql;
#[cfg(feature = "testing")]
pub mod testing;
pub mod watch;
pub mod webhooks;

pub use collaborator::*;
pub use db::{Conn, Db, Dialect, Read, Tx};
pub use error::StoreError;
pub use filters::{FilterMatch, FilterMatchCount, FilterRuleRecord};
pub use model::*;
pub use sla_model::*;
pub use sql::SqlStore;
pub use webhooks::{
    DELIVER_WEBHOOK, DeliveryStatus, WEBHOOK_MAX_ATTEMPTS, WebhookAttempt, WebhookDelivery,
    WebhookEndpoint,
};

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

    // Triage ---------------------------------------------------------------------------
    /// Stores (or replaces) a report's triage result; running a triage twice leaves one row.
    async fn save_triage(&self, record: &TriageRecord) -> Result<()>;
    async fn triage_of(&self, report: ReportId) -> Result<Option<TriageRecord>>;
    /// The triage results of a project's reports (reports not yet triaged are absent).
    async fn project_triage(&self, project: ProjectId) -> Result<Vec<TriageRecord>>;
    /// The `limit` most recently received triaged reports of the whole instance, newest
    /// first, with their fingerprints: the history spray and duplicate checks compare with.
    async fn triage_history(&self, limit: i64) -> Result<Vec<TriageHistoryEntry>>;
    /// Records a dismissal with its audit event in one transaction; `Conflict` when the
    /// finding was already dismissed, `NotFound` when the report does not exist.
    async fn dismiss_finding(
        &self,
        dismissal: &TriageDismissal,
        audit: domain::audit::NewAuditEvent,
    ) -> Result<()>;
    /// A report's dismissals, oldest first.
    async fn triage_dismissals(&self, report: ReportId) -> Result<Vec<TriageDismissal>>;

    // Triage sources ------------------------------------------------------------------
    /// The project's configured source, if any.
    async fn project_source(&self, project: ProjectId) -> Result<Option<ProjectSource>>;
    /// Every git source of the instance (for the scheduled fetch).
    async fn git_sources(&self) -> Result<Vec<ProjectSource>>;
    /// Sets (`Some`) or removes (`None`; `NotFound` when there is none) the project's source,
    /// forgetting what earlier fetches found, appends `source.update` / `source.remove` and
    /// queues the triage of the project's open reports again, in one transaction. Returns
    /// the source as stored and how many reports were queued.
    async fn set_project_source(
        &self,
        project: ProjectId,
        source: Option<&ProjectSourceInput>,
        by: Option<UserId>,
        now: Timestamp,
    ) -> Result<(Option<ProjectSource>, u64)>;
    /// Records a fetch of the source at configuration `version` (ignored when the
    /// configuration changed meanwhile): the refs' commits, or the error (`heads` `None`
    /// keeps the earlier ones). When the commits differ from the previous fetch's, the
    /// project's open reports are queued for triage again and `source.change` is audited,
    /// in the same transaction. Returns how many reports were queued.
    async fn record_source_fetch(
        &self,
        project: ProjectId,
        version: i64,
        heads: Option<&serde_json::Value>,
        error: Option<&str>,
        now: Timestamp,
    ) -> Result<u64>;

    // Outbox and jobs ------------------------------------------------------------------
    async fn enqueue_job(&self, job: &NewJob) -> Result<()>;
    /// Leases the next due job of one of `kinds` for `lease_for`, or `None`.
    /// Safe with several workers and several app servers on one database.
    async fn lease_job(
        &self,
        kinds: &[&str],
        owner: &str,
        now: Timestamp,
        lease_for: jiff::SignedDuration,
    ) -> Result<Option<Job>>;
    /// Marks a leased job done (and the e-mail it delivered, if any, as sent).
    async fn complete_job(
        &self,
        job: &Job,
        now: Timestamp,
        sent_email: Option<uuid::Uuid>,
    ) -> Result<()>;
    /// Extends the lease of a job this worker still holds until `until`; `false` when the
    /// lease was lost (it ran out and another worker took the job, or the job finished).
    async fn renew_job_lease(&self, job: &Job, until: Timestamp) -> Result<bool>;
    /// Records a failure; retries at `retry_at`, or gives up when `None`.
    async fn fail_job(
        &self,
        job: &Job,
        error: &str,
        now: Timestamp,
        retry_at: Option<Timestamp>,
        failed_email: Option<uuid::Uuid>,
    ) -> Result<()>;

    // Webhooks -------------------------------------------------------------------------
    // Events are queued by the methods that make the change (`insert_report`,
    // `transition_report`, `add_message`, `add_score`, an advisory's publication),
    // in their transaction: one delivery and one `deliver_webhook` job per subscribed endpoint.
    /// The project's webhook secret nonce and when it was set, if it has one.
    async fn webhook_nonce(&self, project: ProjectId) -> Result<Option<(String, Timestamp)>>;
    /// Replaces (or sets) the project's secret nonce, with its audit event.
    async fn rotate_webhook_nonce(
        &self,
        project: ProjectId,
        nonce: &str,
        now: Timestamp,
        audit: domain::audit::NewAuditEvent,
    ) -> Result<()>;
    /// Stores an endpoint with its audit event, and `nonce` as the project's secret nonce if
    /// it has none yet; returns whether it had none.
    async fn create_webhook(
        &self,
        endpoint: &WebhookEndpoint,
        nonce: &str,
        audit: domain::audit::NewAuditEvent,
    ) -> Result<bool>;
    /// The project's endpoints, oldest first.
    async fn webhooks(&self, project: ProjectId) -> Result<Vec<WebhookEndpoint>>;
    /// Removes an endpoint of the project with its delivery log; `NotFound` if none.
    async fn delete_webhook(
        &self,
        project: ProjectId,
        id: uuid::Uuid,
        audit: domain::audit::NewAuditEvent,
    ) -> Result<()>;
    async fn webhook_delivery(&self, id: uuid::Uuid) -> Result<Option<WebhookDelivery>>;
    /// The endpoint's latest deliveries, newest first, each with its attempts.
    async fn webhook_deliveries(
        &self,
        endpoint: uuid::Uuid,
        limit: i64,
    ) -> Result<Vec<WebhookDelivery>>;
    /// Logs an attempt and sets where the delivery stands.
    async fn record_webhook_attempt(
        &self,
        delivery: uuid::Uuid,
        attempt: &WebhookAttempt,
        status: DeliveryStatus,
    ) -> Result<()>;

    // Dashboard ------------------------------------------------------------------------
    /// Every report of the project: its state and when it was received, first answered,
    /// triaged (first accepted or closed) and fixed.
    async fn report_times(
        &self,
        project: ProjectId,
    ) -> Result<Vec<(domain::report::State, domain::stats::ReportTimes)>>;
}
