//! Records the store reads and writes besides the domain's own types.

use domain::{
    ProjectId, ReportId, UserId,
    report::{NewReport, Source},
};
use jiff::Timestamp;
use serde::Serialize;
use uuid::Uuid;

#[derive(Debug, Clone)]
pub struct NewUser {
    pub id: UserId,
    pub email: domain::EmailAddress,
    pub name: String,
    pub password_hash: Option<String>,
    pub is_admin: bool,
    pub created_at: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PolicyVersion {
    pub version: i64,
    pub policy: domain::policy::Policy,
    pub changed_by: Option<UserId>,
    pub changed_at: Timestamp,
}

/// Everything stored together when a report arrives.
pub struct InsertReport<'a> {
    pub id: ReportId,
    pub project: ProjectId,
    pub report: &'a NewReport,
    pub source: Source,
    pub tracking_token_hash: &'a str,
    pub sla: domain::report::Sla,
    pub now: Timestamp,
    pub idempotency: Option<Idempotency<'a>>,
    /// Built by the caller once the number is known.
    pub acknowledgement: Option<&'a (dyn Fn(i64) -> NewEmail + Send + Sync)>,
    /// The response to replay for the same idempotency key, built once the number is known.
    pub response: &'a (dyn Fn(i64) -> String + Send + Sync),
    /// A job queued with the report in the same transaction (the triage of the report), so
    /// no stored report is ever left untriaged by a crash between two writes.
    pub job: Option<crate::NewJob>,
    /// The reporter's OpenPGP key given with the report, stored in the same transaction
    /// (before the receipt can be sent, which is encrypted to it).
    pub reporter_key: Option<&'a ReporterKey>,
}

impl std::fmt::Debug for InsertReport<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InsertReport")
            .field("id", &self.id)
            .field("project", &self.project)
            .field("source", &self.source)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, Clone, Copy)]
pub struct Idempotency<'a> {
    pub key: &'a str,
    pub request_hash: &'a str,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InsertOutcome {
    Created {
        number: i64,
    },
    /// The idempotency key was used before with the same request: its stored response.
    Replayed {
        response: String,
    },
    /// The idempotency key was used before with a different request.
    KeyReused,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AuthorKind {
    Reporter,
    Maintainer,
    System,
}

impl AuthorKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Reporter => "reporter",
            Self::Maintainer => "maintainer",
            Self::System => "system",
        }
    }
    pub(crate) fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "reporter" => Self::Reporter,
            "maintainer" => Self::Maintainer,
            "system" => Self::System,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Visibility {
    /// Maintainers and collaborators only.
    Internal,
    /// Also the reporter.
    Reporter,
}

impl Visibility {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Internal => "internal",
            Self::Reporter => "reporter",
        }
    }
    pub(crate) fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "internal" => Self::Internal,
            "reporter" => Self::Reporter,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone)]
pub struct NewMessage {
    pub id: Uuid,
    pub report: ReportId,
    pub author_kind: AuthorKind,
    pub author: Option<UserId>,
    pub visibility: Visibility,
    pub body: String,
    pub created_at: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Message {
    pub id: Uuid,
    pub report_id: ReportId,
    pub author_kind: AuthorKind,
    pub author_id: Option<UserId>,
    pub author_name: Option<String>,
    pub visibility: Visibility,
    pub body: String,
    pub created_at: Timestamp,
}

/// An e-mail to put in the outbox; a delivery job is queued with it.
#[derive(Debug, Clone)]
pub struct NewEmail {
    pub id: Uuid,
    pub to: String,
    pub subject: String,
    pub body_text: String,
    pub report: Option<ReportId>,
    pub created_at: Timestamp,
    /// Sent by a program on its own (RFC 3834); `None` when a person's action wrote it.
    pub auto_submitted: Option<AutoSubmitted>,
}

/// RFC 3834 `Auto-Submitted` of an e-mail we send.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum AutoSubmitted {
    /// An automatic answer to a message (the receipt of a report).
    #[serde(rename = "auto-replied")]
    AutoReplied,
    /// Sent by a program without a message to answer (notices, reminders).
    #[serde(rename = "auto-generated")]
    AutoGenerated,
}

impl AutoSubmitted {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::AutoReplied => "auto-replied",
            Self::AutoGenerated => "auto-generated",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "auto-replied" => Some(Self::AutoReplied),
            "auto-generated" => Some(Self::AutoGenerated),
            _ => None,
        }
    }
}

/// One earlier message of a report's mail thread (see [`crate::inbound::thread`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThreadEntry {
    pub at: Timestamp,
    /// Its `Message-ID` without `<>`: the reporter's own, or `<email id>@embargo` for ours.
    pub message_id: String,
    /// Received from the reporter (else an e-mail we sent).
    pub from_reporter: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EmailStatus {
    Queued,
    Sent,
    Failed,
}

impl EmailStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Sent => "sent",
            Self::Failed => "failed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "queued" => Self::Queued,
            "sent" => Self::Sent,
            "failed" => Self::Failed,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Email {
    pub id: Uuid,
    pub to: String,
    pub subject: String,
    pub body_text: String,
    pub report_id: Option<ReportId>,
    pub status: EmailStatus,
    pub attempts: i64,
    pub last_error: Option<String>,
    pub created_at: Timestamp,
    pub sent_at: Option<Timestamp>,
    pub auto_submitted: Option<AutoSubmitted>,
}

/// A project's OpenPGP signing key; the secret part is passphrase-protected.
#[derive(Clone, PartialEq, Eq)]
pub struct SigningKeyRecord {
    pub fingerprint: String,
    pub secret_armored: String,
    pub public_armored: String,
    pub created_at: Timestamp,
}

impl std::fmt::Debug for SigningKeyRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKeyRecord")
            .field("fingerprint", &self.fingerprint)
            .finish_non_exhaustive()
    }
}

/// A state change already checked by `domain::workflow`.
#[derive(Debug, Clone)]
pub struct StateChange {
    /// The state the report must still be in (another change in between is a conflict).
    pub from: domain::report::State,
    pub to: domain::report::State,
    pub resolution: Option<domain::report::Resolution>,
    /// The maintainers' first response: records `acknowledged_at`.
    pub first_response: bool,
    /// Closing as a duplicate: the original report, linked in the same transaction (any
    /// earlier link is removed by every transition, so reopening unlinks).
    pub duplicate_of: Option<ReportId>,
    pub at: Timestamp,
}

/// A project's security.txt on its own website, claimed by a worker for its daily check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WatchClaim {
    pub project: ProjectId,
    pub url: String,
    /// What the previous run kept for this one (JSON), if there was one for this URL.
    pub state: Option<String>,
}

/// The outcome of one check, stored with the e-mails it sends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WatchResult {
    pub checked_at: Timestamp,
    pub next_check_at: Timestamp,
    pub valid: bool,
    /// The findings for the maintainers' view (JSON).
    pub summary: String,
    /// What the next run compares with (JSON).
    pub state: String,
}

/// The watch as maintainers see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WatchStatus {
    pub url: String,
    pub next_check_at: Timestamp,
    pub last_checked_at: Option<Timestamp>,
    pub last_valid: Option<bool>,
    pub last_summary: Option<String>,
}

/// A stored advisory: the pure model plus what the server keeps beside it.
#[derive(Debug, Clone, PartialEq)]
pub struct AdvisoryRecord {
    pub project_id: ProjectId,
    /// The report it was made from, if any.
    pub report_id: Option<ReportId>,
    pub advisory: advisory::Advisory,
    /// Bumped by every update; an update names the version it started from.
    pub version: i64,
    /// When a scheduled publication is due (drafts only).
    pub scheduled_at: Option<Timestamp>,
    /// Who scheduled it: the publication acts as them.
    pub scheduled_by: Option<UserId>,
    /// When the CNA container was last sent to CVE Services.
    pub cve_submitted_at: Option<Timestamp>,
    pub created_at: Timestamp,
}

impl AdvisoryRecord {
    /// A new record at version 1.
    pub fn new(
        project_id: ProjectId,
        report_id: Option<ReportId>,
        advisory: advisory::Advisory,
        now: Timestamp,
    ) -> Self {
        Self {
            project_id,
            report_id,
            advisory,
            version: 1,
            scheduled_at: None,
            scheduled_by: None,
            cve_submitted_at: None,
            created_at: now,
        }
    }

    /// The advisory's id.
    pub fn id(&self) -> &str {
        &self.advisory.id
    }

    /// Published or withdrawn: visible outside the project.
    pub fn is_public(&self) -> bool {
        self.advisory.is_public()
    }
}

/// A message that arrived by e-mail, stored raw before it is read.
#[derive(Clone, PartialEq, Eq)]
pub struct NewInbound {
    pub id: Uuid,
    /// The project it was addressed to, when known.
    pub project: Option<ProjectId>,
    pub received_at: Timestamp,
    pub raw: Vec<u8>,
    pub sender: Option<String>,
    pub subject: Option<String>,
    /// Its `Message-ID`, without `<>`.
    pub message_id: Option<String>,
}

impl std::fmt::Debug for NewInbound {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewInbound")
            .field("id", &self.id)
            .field("project", &self.project)
            .field("size", &self.raw.len())
            .finish_non_exhaustive()
    }
}

/// What became of an inbound message (see migration 0008).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Disposition {
    Received,
    Report,
    Reply,
    Unparsed,
    Ignored,
    /// Not filed: a filter rule refused it, or it carried nothing but refused attachments
    /// or was too large (kept for the maintainers all the same; see migration 0010).
    Refused,
}

impl Disposition {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Received => "received",
            Self::Report => "report",
            Self::Reply => "reply",
            Self::Unparsed => "unparsed",
            Self::Ignored => "ignored",
            Self::Refused => "refused",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "received" => Self::Received,
            "report" => Self::Report,
            "reply" => Self::Reply,
            "unparsed" => Self::Unparsed,
            "ignored" => Self::Ignored,
            "refused" => Self::Refused,
            _ => return None,
        })
    }
}

/// A report's reply token as found by its hash (see migration 0009).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReplyToken {
    pub report: ReportId,
    pub disabled: bool,
}

/// An inbound message as listed for maintainers (the raw text is fetched on its own).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InboundMessage {
    pub id: Uuid,
    pub project: Option<ProjectId>,
    pub received_at: Timestamp,
    pub size: i64,
    pub sender: Option<String>,
    pub subject: Option<String>,
    pub message_id: Option<String>,
    pub disposition: Disposition,
    pub report: Option<ReportId>,
    /// JSON.
    pub detail: Option<String>,
    /// Its OpenPGP signature as checked on arrival; `None` when it was not signed.
    pub signature: Option<InboundSignature>,
}

/// What an inbound message's OpenPGP signature said.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SignatureStatus {
    /// Verified with a key known for the sender (or attached to the message).
    Good,
    /// Does not hold: changed after signing, unreadable, or a revoked or expired key.
    Bad,
    /// Signed by a key nobody gave us.
    UnknownKey,
}

impl SignatureStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Good => "good",
            Self::Bad => "bad",
            Self::UnknownKey => "unknown_key",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "good" => Self::Good,
            "bad" => Self::Bad,
            "unknown_key" => Self::UnknownKey,
            _ => return None,
        })
    }
}

/// The signature check of an inbound message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InboundSignature {
    pub status: SignatureStatus,
    /// The signer's fingerprint (good, bad) or the issuer the signature names (unknown key).
    pub key: Option<String>,
    /// Why a bad signature is bad.
    pub note: Option<String>,
}

/// How a reporter's OpenPGP key became known.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum KeySource {
    /// Pasted in the report form or given to the API.
    Form,
    /// Attached to their mail (`application/pgp-keys`).
    Attachment,
    /// Carried by their mail (Autocrypt header) and verifying its signature.
    SignedMail,
}

impl KeySource {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Form => "form",
            Self::Attachment => "attachment",
            Self::SignedMail => "signed_mail",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "form" => Self::Form,
            "attachment" => Self::Attachment,
            "signed_mail" => Self::SignedMail,
            _ => return None,
        })
    }
}

/// A reporter's OpenPGP public key, known for one report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReporterKey {
    pub id: Uuid,
    pub project: ProjectId,
    pub report: ReportId,
    /// The reporter's address, lower case, when known.
    pub address: Option<String>,
    /// Upper-case hex, as `gpg --with-colons` prints it.
    pub fingerprint: String,
    pub armored: String,
    pub source: KeySource,
    pub created_at: Timestamp,
}

/// A maintainer's CVSS vector for a report, already parsed and scored by the caller.
#[derive(Debug, Clone)]
pub struct NewScore {
    pub id: Uuid,
    pub report: ReportId,
    /// The vector in its canonical text.
    pub vector: String,
    /// `"2.0"`, `"3.0"`, `"3.1"` or `"4.0"`.
    pub version: String,
    /// The score in tenths (9.8 is 98), so it is stored exactly.
    pub score_tenths: u8,
    /// `"None"`, `"Low"`, `"Medium"`, `"High"` or `"Critical"`.
    pub severity: String,
    /// Why the score changed (kept out of the audit log, like message bodies).
    pub rationale: String,
    pub author: UserId,
    pub created_at: Timestamp,
}

/// A stored score: one entry of a report's scoring history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ScoreRecord {
    pub id: Uuid,
    pub report_id: ReportId,
    pub vector: String,
    pub version: String,
    pub score_tenths: u8,
    pub severity: String,
    pub rationale: String,
    pub author_kind: AuthorKind,
    pub author_id: Option<UserId>,
    pub author_name: Option<String>,
    pub created_at: Timestamp,
}

/// Tenths of a CVSS score as its usual text: 98 is `"9.8"`.
pub fn score_text(tenths: u8) -> String {
    format!("{}.{}", tenths / 10, tenths % 10)
}
