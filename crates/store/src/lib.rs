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

pub mod audit;
mod collaborator;
pub mod collaborators;
mod db;
pub mod deadlines;
mod error;
pub mod idempotency;
pub mod jobs;
mod mail_filters;
pub mod messages;
mod model;
pub mod outbox;
pub mod reports;
mod rows;
pub mod scores;
mod sla_model;
pub mod sql;
#[cfg(feature = "testing")]
pub mod testing;
pub mod webhooks;

pub use collaborator::*;
pub use db::{Conn, Db, Dialect, Read, Tx};
pub use error::StoreError;
pub use mail_filters::*;
pub use model::*;
pub use sla_model::*;
pub use sql::SqlStore;
pub use webhooks::{
    DELIVER_WEBHOOK, DeliveryStatus, WEBHOOK_MAX_ATTEMPTS, WebhookAttempt, WebhookDelivery,
    WebhookEndpoint,
};

use async_trait::async_trait;
use domain::{
    ProjectId, ProjectSlug, ReportId, UserId,
    account::{ProjectRole, User},
    policy::Policy,
    project::Project,
};
use jiff::Timestamp;

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Everything the application persists.
#[async_trait]
pub trait Store: Send + Sync + std::fmt::Debug {
    fn dialect(&self) -> Dialect;

    /// Applies pending migrations of this backend's tree.
    async fn migrate(&self) -> Result<()>;
    /// A cheap round trip to the database.
    async fn ping(&self) -> Result<()>;
    async fn close(&self);

    // Accounts -------------------------------------------------------------------------
    /// Fails with [`StoreError::Conflict`] when the e-mail address is taken.
    async fn create_user(&self, user: &NewUser) -> Result<User>;
    async fn user_by_id(&self, id: UserId) -> Result<Option<User>>;
    /// The user and their password hash, by e-mail address (case-insensitive).
    async fn user_credentials(&self, email: &str) -> Result<Option<(User, Option<String>)>>;
    async fn any_admin(&self) -> Result<bool>;
    /// The address of the earliest administrator, if any.
    async fn first_admin_email(&self) -> Result<Option<String>>;

    async fn create_session(
        &self,
        token_hash: &str,
        user: UserId,
        now: Timestamp,
        expires: Timestamp,
    ) -> Result<()>;
    async fn session_user(&self, token_hash: &str, now: Timestamp) -> Result<Option<User>>;
    async fn delete_session(&self, token_hash: &str) -> Result<()>;

    async fn create_api_token(
        &self,
        user: UserId,
        token_hash: &str,
        name: &str,
        now: Timestamp,
    ) -> Result<()>;
    async fn api_token_user(&self, token_hash: &str) -> Result<Option<User>>;

    // Audit ----------------------------------------------------------------------------
    /// Appends an event to the hash-chained audit log (`domain::audit`).
    async fn append_audit(
        &self,
        event: domain::audit::NewAuditEvent,
    ) -> Result<domain::audit::AuditEvent>;
    /// Events with `seq > after_seq`, oldest first, at most `limit`.
    async fn audit_events(
        &self,
        after_seq: i64,
        limit: i64,
    ) -> Result<Vec<domain::audit::AuditEvent>>;

    // Projects -------------------------------------------------------------------------
    /// Creates the project and its first policy version; `Conflict` when the slug is taken.
    async fn create_project(&self, project: &Project, created_by: Option<UserId>) -> Result<()>;
    async fn project_by_slug(&self, slug: &ProjectSlug) -> Result<Option<Project>>;
    async fn project_by_id(&self, id: ProjectId) -> Result<Option<Project>>;
    async fn list_projects(&self) -> Result<Vec<Project>>;
    /// Stores a new policy version if the project is still at `expected_version`
    /// (`Conflict` otherwise, so concurrent edits never overwrite each other).
    async fn update_policy(
        &self,
        project: ProjectId,
        expected_version: i64,
        policy: &Policy,
        by: Option<UserId>,
        now: Timestamp,
    ) -> Result<Project>;
    /// The project's security.txt signing key, if one was made.
    async fn signing_key(&self, project: ProjectId) -> Result<Option<SigningKeyRecord>>;
    /// Stores the project's signing key unless one exists; returns the one in effect.
    async fn insert_signing_key(
        &self,
        project: ProjectId,
        key: &SigningKeyRecord,
    ) -> Result<SigningKeyRecord>;
    async fn policy_history(&self, project: ProjectId) -> Result<Vec<PolicyVersion>>;
    async fn set_member(&self, project: ProjectId, user: UserId, role: ProjectRole) -> Result<()>;
    async fn member_role(&self, project: ProjectId, user: UserId) -> Result<Option<ProjectRole>>;
    /// Gives `user` the role in the project, or removes them (`None`), with the audit event
    /// in one transaction; returns the role they had.
    async fn change_member(
        &self,
        project: ProjectId,
        user: UserId,
        role: Option<ProjectRole>,
        audit: domain::audit::NewAuditEvent,
    ) -> Result<Option<ProjectRole>>;
    async fn projects_of(&self, user: UserId) -> Result<Vec<(Project, ProjectRole)>>;
    /// The project's members with their roles, by e-mail address.
    async fn project_members(&self, project: ProjectId) -> Result<Vec<(User, ProjectRole)>>;

    // security.txt watch ---------------------------------------------------------------
    // A watch exists while the project's policy names a `security_txt_url`: creating a
    // project or changing its policy keeps it in step (a new URL is checked at once).
    /// Takes the next watch due at `now`, postponing it to `retry_at` so no other worker
    /// takes it meanwhile (and so a crashed check is retried then); `None` when none is due.
    async fn claim_watch(&self, now: Timestamp, retry_at: Timestamp) -> Result<Option<WatchClaim>>;
    /// Stores a check's outcome and queues its e-mails in one transaction, unless the
    /// project's URL changed meanwhile (then nothing is stored and `false` returned).
    async fn record_watch(
        &self,
        claim: &WatchClaim,
        result: &WatchResult,
        emails: &[NewEmail],
    ) -> Result<bool>;
    async fn watch_status(&self, project: ProjectId) -> Result<Option<WatchStatus>>;

    // Deadlines, reminders, notification choices ---------------------------------------
    /// A member's e-mail choices for a project (all on when never set).
    async fn notification_prefs(
        &self,
        user: UserId,
        project: ProjectId,
    ) -> Result<domain::notify::NotificationPrefs>;
    async fn set_notification_prefs(
        &self,
        user: UserId,
        project: ProjectId,
        prefs: &domain::notify::NotificationPrefs,
        now: Timestamp,
    ) -> Result<()>;
    /// The project's members with their roles and e-mail choices.
    async fn members_with_prefs(
        &self,
        project: ProjectId,
    ) -> Result<Vec<(User, ProjectRole, domain::notify::NotificationPrefs)>>;
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

    // Advisories -----------------------------------------------------------------------
    /// Stores a new advisory (version 1) with its audit event; `Conflict` when the id is
    /// taken (ids are unique across the instance).
    async fn insert_advisory(
        &self,
        record: &AdvisoryRecord,
        audit: domain::audit::NewAuditEvent,
    ) -> Result<AdvisoryRecord>;
    /// Replaces an advisory if it is still at `expected_version` (`Conflict` otherwise),
    /// with its audit event and, for a scheduled publication, the job that will run it, all
    /// in one transaction. Returns the record at its new version.
    async fn update_advisory(
        &self,
        record: &AdvisoryRecord,
        expected_version: i64,
        audit: domain::audit::NewAuditEvent,
        job: Option<NewJob>,
    ) -> Result<AdvisoryRecord>;
    async fn advisory_by_id(&self, id: &str) -> Result<Option<AdvisoryRecord>>;
    /// A project's advisories, most recently modified first; only published and withdrawn
    /// ones when `public_only`.
    async fn list_advisories(
        &self,
        project: ProjectId,
        public_only: bool,
    ) -> Result<Vec<AdvisoryRecord>>;
    /// Published and withdrawn advisories of every project, most recently modified first.
    async fn public_advisories(&self) -> Result<Vec<AdvisoryRecord>>;
    /// Published advisories naming the package `name` (in `ecosystem`, when given; `""` is
    /// a vendor product with no ecosystem).
    async fn published_advisories_for_package(
        &self,
        ecosystem: Option<&str>,
        name: &str,
    ) -> Result<Vec<AdvisoryRecord>>;

    // Inbound mail ---------------------------------------------------------------------
    /// Keeps a message exactly as it arrived, before anything reads it.
    async fn insert_inbound(&self, message: &NewInbound) -> Result<()>;
    /// Records what became of a stored message.
    async fn settle_inbound(
        &self,
        id: uuid::Uuid,
        disposition: Disposition,
        report: Option<ReportId>,
        detail: Option<&str>,
    ) -> Result<()>;
    /// The project's inbound messages, newest first, at most `limit`.
    async fn inbound_messages(&self, project: ProjectId, limit: i64)
    -> Result<Vec<InboundMessage>>;
    async fn inbound_message(&self, id: uuid::Uuid) -> Result<Option<InboundMessage>>;
    /// The message as it arrived.
    async fn inbound_raw(&self, id: uuid::Uuid) -> Result<Option<Vec<u8>>>;
    /// The report an earlier inbound message of the project with one of these `Message-ID`s
    /// opened or joined, if any (a reporter's reply quotes their own first mail).
    async fn report_of_inbound(
        &self,
        project: ProjectId,
        message_ids: &[String],
    ) -> Result<Option<ReportId>>;

    /// The report's inbound messages, oldest first (raw text left out).
    async fn report_inbound(&self, report: ReportId) -> Result<Vec<InboundMessage>>;
    /// Records what a stored message's OpenPGP signature said.
    async fn set_inbound_signature(
        &self,
        id: uuid::Uuid,
        signature: &InboundSignature,
    ) -> Result<()>;

    // Mail threads and reporters' keys -------------------------------------------------
    /// The report's mail thread up to `until`, oldest first: the messages the reporter sent
    /// (with a `Message-ID`) and the e-mails we queued about it.
    async fn report_thread(&self, report: ReportId, until: Timestamp) -> Result<Vec<ThreadEntry>>;
    /// Stores a reporter's key for a report; `false` when that report already has it.
    async fn add_reporter_key(&self, key: &ReporterKey) -> Result<bool>;
    /// The keys known for a report, newest first.
    async fn reporter_keys(&self, report: ReportId) -> Result<Vec<ReporterKey>>;
    /// The keys known for an address (lower case) in any of the project's reports, newest
    /// first.
    async fn reporter_keys_by_address(
        &self,
        project: ProjectId,
        address: &str,
    ) -> Result<Vec<ReporterKey>>;

    // Mail filters ---------------------------------------------------------------------
    /// Records what became of a stored message, the filter rules that matched it and an
    /// automatic reply (queued with `Auto-Submitted: auto-replied`), in one transaction.
    async fn settle_inbound_with(&self, settle: &SettleInbound<'_>) -> Result<()>;
    /// A project's filter rules, oldest first.
    async fn filter_rules(&self, project: ProjectId) -> Result<Vec<FilterRuleRecord>>;
    /// Stores a rule with its audit event in one transaction; `Conflict` when the project
    /// has a rule with that id.
    async fn insert_filter_rule(
        &self,
        rule: &FilterRuleRecord,
        audit: domain::audit::NewAuditEvent,
    ) -> Result<()>;
    /// Deletes a project's rule with its audit event in one transaction; returns it, or
    /// `NotFound`. Its log stays.
    async fn delete_filter_rule(
        &self,
        project: ProjectId,
        rule_id: &str,
        audit: domain::audit::NewAuditEvent,
    ) -> Result<FilterRuleRecord>;
    /// How often each rule (instance and project) matched the project's mail, and when last.
    async fn filter_match_counts(&self, project: ProjectId) -> Result<Vec<FilterMatchCount>>;
    /// The rules that matched one inbound message, deciding one first.
    async fn filter_matches_of(&self, inbound: uuid::Uuid) -> Result<Vec<FilterMatch>>;
    /// Reports of the project opened by a message a `spam` rule decided on, with that rule's
    /// id: the filters' part of the likely-spam queue.
    async fn spam_filtered_reports(&self, project: ProjectId) -> Result<Vec<(ReportId, String)>>;
    /// Disables a report's tracking token (it no longer opens the report); `true` when it
    /// was enabled until now, `NotFound` when the report does not exist.
    async fn disable_tracking_token(&self, report: ReportId, now: Timestamp) -> Result<bool>;
    /// How many automatic answers (e-mails with `Auto-Submitted`) went to `to`
    /// (case-insensitive) since `since`: RFC 3834 asks for at most one per sender a while.
    async fn auto_replies_to(&self, to: &str, since: Timestamp) -> Result<i64>;
    /// When the report's tracking token was disabled, if it was.
    async fn tracking_disabled_at(&self, report: ReportId) -> Result<Option<Timestamp>>;

    // Reply addresses ------------------------------------------------------------------
    /// Records `token_hash` as the report's reply token unless its tokens were disabled;
    /// true when that token is in effect (mail to it reaches the report).
    async fn ensure_reply_token(&self, report: ReportId, token_hash: &str) -> Result<bool>;
    /// The report a reply token (by its hash) belongs to, and whether it was disabled.
    async fn reply_token(&self, token_hash: &str) -> Result<Option<ReplyToken>>;
    /// Disables the report's reply address for good: mail to it is refused, and no new
    /// token is issued for the report (also when none was issued yet).
    async fn disable_reply_tokens(&self, report: ReportId) -> Result<()>;

    // Outbox and jobs ------------------------------------------------------------------
    async fn list_emails(&self, limit: i64) -> Result<Vec<Email>>;
    async fn email(&self, id: uuid::Uuid) -> Result<Option<Email>>;
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
    // `transition_report`, `add_message`, `add_score`, `update_advisory` on publication),
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
}
