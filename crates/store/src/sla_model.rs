//! Records of deadline extensions, sent reminders and notification choices.

use domain::{ReportId, UserId, calendar::SlaClock};
use jiff::Timestamp;
use serde::Serialize;
use uuid::Uuid;

/// A deadline extension to store: `clock` moves from `old_due` to `new_due`. The store
/// applies it only while the report's clock still reads `old_due`.
#[derive(Debug, Clone)]
pub struct NewExtension {
    pub id: Uuid,
    pub report: ReportId,
    pub clock: SlaClock,
    pub old_due: Timestamp,
    pub new_due: Timestamp,
    pub reason: String,
    pub by: Option<UserId>,
    pub at: Timestamp,
}

/// A stored extension, with the name of who made it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExtensionRecord {
    pub id: Uuid,
    pub report_id: ReportId,
    pub clock: SlaClock,
    pub old_due: Timestamp,
    pub new_due: Timestamp,
    pub reason: String,
    pub by: Option<UserId>,
    pub by_name: Option<String>,
    pub at: Timestamp,
}
