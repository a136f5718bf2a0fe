//! The audit log: append-only, hash-chained events.
//!
//! Every event stores the hash of the one before it, so changing, removing, inserting or
//! reordering a stored event breaks the chain at that point, and [`verify`] names the first
//! broken link. (Rewriting every event after a change, hashes included, is only caught by
//! comparing the head's hash with a copy kept elsewhere; `embargo admin verify-audit` prints
//! it for that reason.)
//!
//! # Canonical encoding (version 1)
//! `hash = lowercase hex of SHA-256(P || E)`, where `P` is the previous event's hash as 32
//! raw bytes (32 zero bytes for the first event, whose `prev_hash` is [`GENESIS_HASH`]) and
//! `E` is:
//!
//! ```text
//! "embargo-audit-v1"                       16 bytes of ASCII, no length
//! field(seq)       decimal ASCII, no leading zeros             "17"
//! field(at)        UTC, always 6 fractional digits, 'Z'         "2026-03-06T10:00:00.000000Z"
//! field(actor)     UTF-8                                         "user:0190…"
//! field(action)    UTF-8                                         "report.transition"
//! field(subject)   UTF-8                                         "report:0190…"
//! field(data)      canonical JSON (below)
//! ```
//!
//! where `field(x)` is the byte length of `x` as an unsigned 64-bit big-endian integer
//! followed by the bytes of `x`. Canonical JSON is `serde_json`'s compact form with the keys
//! of every object sorted by their UTF-8 bytes: no whitespace, strings escaped as
//! `serde_json` escapes them (`"`, `\`, and control characters; everything else literal),
//! numbers as `serde_json` writes them. It is computed from the parsed value, so storing
//! `data` in a JSON column that reorders keys or re-escapes strings does not change the hash.
//!
//! `at` carries microseconds only (what PostgreSQL keeps): [`append`] truncates it, and the
//! encoding ignores anything finer.

use crate::{ProjectId, ReportId, UserId};
use jiff::{Timestamp, tz::TimeZone};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::fmt;

/// The `prev_hash` of the first event.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The prefix of the canonical encoding; changes with the encoding's version.
pub const ENCODING: &[u8; 16] = b"embargo-audit-v1";

/// One stored audit event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEvent {
    /// 1, 2, 3, … without gaps.
    pub seq: u64,
    pub at: Timestamp,
    /// Who: [`user_actor`], [`reporter_actor`] or [`SYSTEM_ACTOR`].
    pub actor: String,
    /// What, as `noun.verb`: `report.transition`, `report.score`, `message.create`,
    /// `collaborator.invite`, `member.role`, `policy.update`, `report.export`, …
    pub action: String,
    /// What it was done to: [`report_subject`], [`project_subject`], [`user_subject`].
    pub subject: String,
    /// The details (old and new values, the transition, …). Never message bodies or secrets.
    pub data: Value,
    /// The previous event's `hash` ([`GENESIS_HASH`] for the first).
    pub prev_hash: String,
    /// Lowercase hex SHA-256 of the previous hash and this event (see the module docs).
    pub hash: String,
}

/// An event before it is chained.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAuditEvent {
    pub at: Timestamp,
    pub actor: String,
    pub action: String,
    pub subject: String,
    pub data: Value,
}

pub const SYSTEM_ACTOR: &str = "system";

pub fn user_actor(id: UserId) -> String {
    format!("user:{id}")
}

/// The reporter of a report, acting through the tracking token.
pub fn reporter_actor(report: ReportId) -> String {
    format!("reporter:{report}")
}

pub fn report_subject(id: ReportId) -> String {
    format!("report:{id}")
}

pub fn project_subject(id: ProjectId) -> String {
    format!("project:{id}")
}

pub fn user_subject(id: UserId) -> String {
    format!("user:{id}")
}

/// The event that follows `prev` (or starts the log): the next `seq`, `prev`'s hash, `at`
/// truncated to microseconds, and its own hash.
pub fn append(prev: Option<&AuditEvent>, new: NewAuditEvent) -> AuditEvent {
    let (seq, prev_hash) = match prev {
        Some(p) => (p.seq.saturating_add(1), p.hash.clone()),
        None => (1, GENESIS_HASH.to_owned()),
    };
    let mut event = AuditEvent {
        seq,
        at: truncate_to_micros(new.at),
        actor: new.actor,
        action: new.action,
        subject: new.subject,
        data: new.data,
        prev_hash,
        hash: String::new(),
    };
    event.hash = compute_hash(&event).unwrap_or_default();
    event
}

/// `at` without its sub-microsecond part (towards the past).
pub fn truncate_to_micros(at: Timestamp) -> Timestamp {
    let nanos = at.as_nanosecond();
    let micros = nanos.div_euclid(1000);
    Timestamp::from_nanosecond(micros * 1000).unwrap_or(at)
}

/// The canonical encoding `E` of an event (everything but the hashes).
pub fn canonical_bytes(event: &AuditEvent) -> Vec<u8> {
    let mut out = Vec::with_capacity(256);
    out.extend_from_slice(ENCODING);
    let mut field = |bytes: &[u8]| {
        out.extend_from_slice(&(bytes.len() as u64).to_be_bytes());
        out.extend_from_slice(bytes);
    };
    field(event.seq.to_string().as_bytes());
    field(canonical_time(event.at).as_bytes());
    field(event.actor.as_bytes());
    field(event.action.as_bytes());
    field(event.subject.as_bytes());
    field(canonical_json(&event.data).as_bytes());
    out
}

fn canonical_time(at: Timestamp) -> String {
    let dt = at.to_zoned(TimeZone::UTC).datetime();
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}Z",
        dt.year(),
        dt.month(),
        dt.day(),
        dt.hour(),
        dt.minute(),
        dt.second(),
        dt.subsec_nanosecond() / 1000
    )
}

/// `value` as compact JSON with every object's keys sorted by their UTF-8 bytes.
pub fn canonical_json(value: &Value) -> String {
    let mut out = String::new();
    write_json(value, &mut out);
    out
}

fn write_json(value: &Value, out: &mut String) {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            entries.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
            out.push('{');
            for (i, (k, v)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(k.clone()).to_string());
                out.push(':');
                write_json(v, out);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, v) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_json(v, out);
            }
            out.push(']');
        }
        scalar => out.push_str(&scalar.to_string()),
    }
}

/// The hash `event` should carry, given its `prev_hash`; `None` if `prev_hash` is not 64
/// lowercase hex digits.
pub fn compute_hash(event: &AuditEvent) -> Option<String> {
    let prev = parse_hash(&event.prev_hash)?;
    let mut h = Sha256::new();
    h.update(prev);
    h.update(canonical_bytes(event));
    Some(hex::encode(h.finalize()))
}

fn parse_hash(s: &str) -> Option<[u8; 32]> {
    if s.len() != 64
        || !s
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    {
        return None;
    }
    let mut out = [0u8; 32];
    hex::decode_to_slice(s, &mut out).ok()?;
    Some(out)
}

/// The first event at which the chain does not hold, and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("audit event {seq}: {reason}")]
pub struct BrokenLink {
    /// The `seq` stored in the offending event.
    pub seq: u64,
    pub reason: BrokenReason,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BrokenReason {
    /// The event is not the next one: one is missing, inserted or out of order.
    UnexpectedSeq { expected: u64 },
    /// `prev_hash` is not the previous event's hash.
    PrevHashMismatch { expected: String },
    /// `hash` does not match the event's content.
    HashMismatch { computed: String },
    /// `hash` or `prev_hash` is not 64 lowercase hex digits.
    MalformedHash { field: &'static str },
}

impl fmt::Display for BrokenReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::UnexpectedSeq { expected } => write!(
                f,
                "expected event {expected} here: an event is missing, inserted or out of order"
            ),
            Self::PrevHashMismatch { expected } => write!(
                f,
                "prev_hash does not match the previous event's hash {expected}: the previous \
                 event was changed or removed"
            ),
            Self::HashMismatch { computed } => write!(
                f,
                "hash does not match the event's content (computed {computed}): the event was \
                 changed"
            ),
            Self::MalformedHash { field } => write!(f, "{field} is not 64 lowercase hex digits"),
        }
    }
}

/// Checks a chain event by event, so a long log can be streamed in pages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verifier {
    next_seq: u64,
    prev_hash: String,
    checked: u64,
}

impl Default for Verifier {
    fn default() -> Self {
        Self::new()
    }
}

impl Verifier {
    /// Expects the log from its first event.
    pub fn new() -> Self {
        Self {
            next_seq: 1,
            prev_hash: GENESIS_HASH.to_owned(),
            checked: 0,
        }
    }

    /// Expects the events after `anchor`, which is trusted (e.g. the last event of an
    /// earlier verification).
    pub fn after(anchor: &AuditEvent) -> Self {
        Self {
            next_seq: anchor.seq.saturating_add(1),
            prev_hash: anchor.hash.clone(),
            checked: 0,
        }
    }

    /// Checks the next event: its `seq`, its link to the previous one, its own hash.
    pub fn push(&mut self, event: &AuditEvent) -> Result<(), BrokenLink> {
        let broken = |reason| BrokenLink {
            seq: event.seq,
            reason,
        };
        if event.seq != self.next_seq {
            return Err(broken(BrokenReason::UnexpectedSeq {
                expected: self.next_seq,
            }));
        }
        if parse_hash(&event.prev_hash).is_none() {
            return Err(broken(BrokenReason::MalformedHash { field: "prev_hash" }));
        }
        if event.prev_hash != self.prev_hash {
            return Err(broken(BrokenReason::PrevHashMismatch {
                expected: self.prev_hash.clone(),
            }));
        }
        if parse_hash(&event.hash).is_none() {
            return Err(broken(BrokenReason::MalformedHash { field: "hash" }));
        }
        let computed = compute_hash(event).unwrap_or_default();
        if computed != event.hash {
            return Err(broken(BrokenReason::HashMismatch { computed }));
        }
        self.next_seq = event.seq.saturating_add(1);
        self.prev_hash.clone_from(&event.hash);
        self.checked += 1;
        Ok(())
    }

    /// How many events passed.
    pub fn checked(&self) -> u64 {
        self.checked
    }

    /// The hash of the last event that passed (the head), or [`GENESIS_HASH`].
    pub fn head(&self) -> &str {
        &self.prev_hash
    }
}

/// Checks a whole log, in `seq` order from the first event; names the first broken link.
pub fn verify<'a>(events: impl IntoIterator<Item = &'a AuditEvent>) -> Result<(), BrokenLink> {
    let mut v = Verifier::new();
    events.into_iter().try_for_each(|e| v.push(e))
}
