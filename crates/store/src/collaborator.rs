//! Collaborators invited to one report (migration 0012).

use domain::{EmailAddress, ReportId, UserId, collaborator::Status};
use jiff::Timestamp;
use serde::Serialize;
use uuid::Uuid;

/// An invitation to store, with the hash of its single-use link.
#[derive(Debug, Clone)]
pub struct NewCollaborator {
    pub id: Uuid,
    pub report: ReportId,
    pub email: EmailAddress,
    pub note: Option<String>,
    /// SHA-256 of the link's token; the token itself is only in the e-mail.
    pub token_hash: String,
    pub invited_by: UserId,
    pub invited_at: Timestamp,
    pub expires_at: Timestamp,
}

/// An invitation and, once accepted, the access it gives.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Collaborator {
    pub id: Uuid,
    pub report_id: ReportId,
    /// The address the invitation went to.
    pub email: String,
    pub note: Option<String>,
    pub invited_by: Option<UserId>,
    pub invited_by_name: Option<String>,
    pub invited_at: Timestamp,
    pub expires_at: Timestamp,
    /// The account that accepted it.
    pub user_id: Option<UserId>,
    pub user_name: Option<String>,
    pub accepted_at: Option<Timestamp>,
    pub revoked_by: Option<UserId>,
    pub revoked_at: Option<Timestamp>,
}

impl Collaborator {
    pub fn status(&self, now: Timestamp) -> Status {
        Status::of(
            self.accepted_at.is_some(),
            self.revoked_at.is_some(),
            self.expires_at,
            now,
        )
    }
}

/// A report someone collaborates on, for their inbox.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Collaboration {
    pub report_id: ReportId,
    pub project_slug: String,
    pub project_name: String,
    pub number: i64,
    pub title: String,
    pub expires_at: Timestamp,
}
