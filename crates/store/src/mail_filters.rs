//! Junk-sender filters as stored: a project's rules, the log of rules that matched inbound
//! messages, and how an inbound message was settled with them (see migration 0010).
//!
//! Rules are plain strings here; the `mail` crate checks them before they are stored and
//! compiles them again when they are read.

use crate::{Disposition, NewEmail};
use domain::{ProjectId, ReportId, UserId};
use jiff::Timestamp;
use serde::Serialize;
use uuid::Uuid;

/// One of a project's filter rules.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FilterRuleRecord {
    /// The row's id (the log refers to it).
    pub key: Uuid,
    pub project: ProjectId,
    /// The rule's id, unique in its project.
    pub rule_id: String,
    /// `sender_address`, `sender_domain`, `subject_regex` or `body_regex`.
    pub kind: String,
    pub pattern: String,
    /// `spam` or `refuse`.
    pub action: String,
    pub note: String,
    /// The report whose reporter "block this reporter" blocked with this rule.
    pub blocked_report: Option<ReportId>,
    pub created_by: Option<UserId>,
    pub created_at: Timestamp,
}

/// A rule that matched an inbound message, for the log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilterMatch {
    /// `instance` or `project`.
    pub scope: String,
    pub rule_id: String,
    /// The project rule's [`FilterRuleRecord::key`]; `None` for instance rules.
    pub rule_key: Option<Uuid>,
    /// `spam` or `refuse`.
    pub action: String,
    /// What matched, one line (e.g. `From: x@spam.example`).
    pub matched: String,
    /// Whether this rule's action was taken.
    pub decided: bool,
}

/// How often a rule matched a project's mail, and when last.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FilterMatchCount {
    /// `instance` or `project`.
    pub scope: String,
    pub rule_id: String,
    /// The project rule's row id; `None` for instance rules.
    pub rule_key: Option<Uuid>,
    pub matches: i64,
    pub last_matched_at: Timestamp,
}

/// What became of an inbound message, with the rules that matched it and an automatic
/// reply to queue, stored in one transaction.
#[derive(Debug, Clone)]
pub struct SettleInbound<'a> {
    pub id: Uuid,
    pub disposition: Disposition,
    pub report: Option<ReportId>,
    /// JSON.
    pub detail: Option<&'a str>,
    pub matches: &'a [FilterMatch],
    /// An automatic answer (a refusal), sent with `Auto-Submitted: auto-replied`.
    pub reply: Option<&'a NewEmail>,
    pub at: Timestamp,
}
