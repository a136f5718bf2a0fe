//! Embargo's domain: the nouns of a vulnerability-disclosure desk and the rules between them.
//!
//! Pure logic only: no I/O, no async, no SQL, no HTTP. Storage and the server are adapters
//! around these types. Values that reach this crate's types have been validated once, by
//! their constructor ("parse, don't validate").

pub mod account;
pub mod audit;
pub mod calendar;
pub mod clock;
pub mod collaborator;
pub mod error;
pub mod ids;
pub mod notify;
pub mod policy;
pub mod project;
pub mod reminders;
pub mod render;
pub mod replies;
pub mod report;
pub mod stats;
pub mod webhook;
pub mod workflow;

pub use error::{FieldError, FieldErrors};
pub use ids::{EmailAddress, ProjectId, ProjectSlug, ReportId, UserId};
