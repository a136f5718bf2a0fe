//! Use cases. Each takes `&AppState` and plain values, never HTTP types, so the web form,
//! the JSON API, inbound mail and the command line share them.

pub mod accounts;
pub mod advisories;
pub mod audit;
pub mod bans;
pub mod collaborators;
pub mod cve_services;
pub mod dashboard;
pub mod extensions;
pub mod filters;
pub mod health;
pub mod inbound;
pub mod intake_batch;
pub mod junk;
pub mod mail;
pub mod members;
pub mod notify;
pub mod outcomes;
pub mod outgoing;
pub mod paging;
pub mod projects;
pub mod reminders;
pub mod reply_address;
pub mod report_writes;
pub mod reporter_keys;
pub mod reports;
pub mod signing;
pub mod sources;
pub mod triage;
pub mod watch;
pub mod webhooks;

use domain::{FieldError, FieldErrors};
use store::StoreError;

/// Why a use case did not happen. The HTTP layer maps each to a status code.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// Some input fields are invalid; each is named.
    #[error("{}", .0.first().map(|e| e.to_string()).unwrap_or_default())]
    Invalid(FieldErrors),
    #[error("{0} not found")]
    NotFound(&'static str),
    /// The caller is not signed in (or their credentials are wrong).
    #[error("authentication required")]
    Unauthenticated,
    /// The caller is known but may not do this.
    #[error("not allowed")]
    Forbidden,
    /// The request conflicts with the current state (stale edit, wrong state, duplicate).
    #[error("{message}")]
    Conflict { code: &'static str, message: String },
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl ServiceError {
    pub fn field(field: &str, message: impl Into<String>) -> Self {
        Self::Invalid(FieldErrors(vec![FieldError::new(field, message)]))
    }

    pub fn conflict(code: &'static str, message: impl Into<String>) -> Self {
        Self::Conflict {
            code,
            message: message.into(),
        }
    }
}

impl From<FieldErrors> for ServiceError {
    fn from(e: FieldErrors) -> Self {
        Self::Invalid(e)
    }
}

impl From<FieldError> for ServiceError {
    fn from(e: FieldError) -> Self {
        Self::Invalid(FieldErrors(vec![e]))
    }
}

impl From<StoreError> for ServiceError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => Self::NotFound("record"),
            StoreError::Conflict(what) => Self::conflict("conflict", what),
            other => Self::Internal(other.into()),
        }
    }
}

pub type Result<T, E = ServiceError> = std::result::Result<T, E>;
