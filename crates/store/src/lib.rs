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
mod db;
mod error;
pub mod jobs;
mod mail_filters;
mod model;
pub mod outbox;
mod rows;
mod sla_model;
pub mod sources;
pub mod sql;
#[cfg(feature = "testing")]
pub mod testing;
pub mod triage;
pub mod webhooks;

pub use collaborator::*;
pub use db::{Conn, Db, Dialect, Read, Tx};
pub use error::StoreError;
pub use jobs::{Job, NewJob};
pub use mail_filters::*;
pub use model::*;
pub use sla_model::*;
pub use sources::{ProjectSource, ProjectSourceInput};
pub use sql::SqlStore;
pub use triage::{TriageDismissal, TriageHistoryEntry, TriageRecord};
pub use webhooks::{DeliveryStatus, WebhookAttempt, WebhookDelivery, WebhookEndpoint};

use async_trait::async_trait;
use domain::{
    ProjectId, ProjectSlug, ReportId, UserId,
    account::{ProjectRole, User},
    policy::Policy,
    project::Project,
    report::Report,
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

    // Deadlines, reminders, notification choices ---------------------------------------
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

    // Dashboard ------------------------------------------------------------------------
    /// Every report of the project: its state and when it was received, first answered,
    /// triaged (first accepted or closed) and fixed.
    async fn report_times(
        &self,
        project: ProjectId,
    ) -> Result<Vec<(domain::report::State, domain::stats::ReportTimes)>>;
}
