//! Embargo's persistence.
//!
//! [`Db`] is the seam: services hold one and never see SQL. They open a unit of work
//! ([`Db::begin`] → [`Tx`]), call the repositories of the aggregates a use case touches —
//! modules of functions over an open connection ([`Conn`]): [`audit`], [`outbox`], [`jobs`],
//! … — and commit, so a change, its e-mails, its jobs and its audit event are written
//! together or not at all. Reads take a pooled connection ([`Db::read`]). The same SQL text
//! serves SQLite and PostgreSQL through sqlx's `Any` driver; what differs in set-up and
//! migrations lives in [`Dialect`]. See `docs/decisions/0001-storage-seam.md`.
//! Round 1's single `Store` trait is gone: `docs/decisions/0007-repositories-and-unit-of-work.md`.

pub mod accounts;
pub mod advisories;
pub mod audit;
pub mod bans;
mod collaborator;
pub mod collaborators;
mod db;
pub mod deadlines;
mod error;
pub mod filters;
pub mod holds;
pub mod idempotency;
pub mod inbound;
pub mod jobs;
mod keyset;
pub mod member_invitations;
pub mod members;
pub mod messages;
mod model;
pub mod outbox;
pub mod projects;
pub mod reply_tokens;
pub mod report_pages;
pub mod reporter_keys;
pub mod reports;
mod rows;
#[cfg(feature = "testing")]
pub mod schema;
pub mod scores;
mod sla_model;
pub mod sources;
pub mod stats;
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
pub use keyset::Keyset;
pub use member_invitations::{MemberInvitation, NewMemberInvitation};
pub use members::Member;
pub use model::*;
pub use sla_model::*;
pub use sources::{ProjectSource, ProjectSourceInput};
pub use triage::{TriageDismissal, TriageHistoryEntry, TriageRecord};
pub use webhooks::{DeliveryStatus, WebhookAttempt, WebhookDelivery, WebhookEndpoint};

pub type Result<T, E = StoreError> = std::result::Result<T, E>;
