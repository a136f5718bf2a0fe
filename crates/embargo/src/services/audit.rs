//! Reading the audit log: administrators page through it newest first, the whole instance
//! or one subject (`report:<id>`, `project:<id>`, `advisory:<id>`, …). Appending happens in
//! each use case's own unit of work (`store::audit::append`).

use super::{Result, ServiceError, paging::Page};
use crate::AppState;
use domain::{account::User, audit::AuditEvent};

/// Longest `subject` accepted (ids and a prefix are far shorter).
const MAX_SUBJECT: usize = 200;

/// A page of the audit log, newest first (administrators only): one range read of at most
/// `limit + 1` events on the log's sequence (or on `(subject, seq)` for one subject). The
/// cursor is the last event's sequence number; events appended meanwhile come before every
/// page already read. Bad values are refused naming `limit`, `cursor` or `subject`.
pub async fn page(
    state: &AppState,
    user: &User,
    subject: Option<&str>,
    limit: Option<&str>,
    cursor: Option<&str>,
) -> Result<Page<AuditEvent>> {
    let limit = super::paging::page_limit(limit)?;
    let before =
        match cursor {
            None | Some("") => None,
            Some(v) => Some(v.parse::<i64>().ok().filter(|n| *n > 0).ok_or_else(|| {
                ServiceError::field("cursor", "is not a cursor this list gave out")
            })?),
        };
    let subject = match subject {
        None | Some("") => None,
        Some(s) if s.len() > MAX_SUBJECT || s.chars().any(char::is_control) => {
            return Err(ServiceError::field(
                "subject",
                format!("must be at most {MAX_SUBJECT} bytes without control characters"),
            ));
        }
        Some(s) => Some(s),
    };
    if !user.is_admin {
        return Err(ServiceError::Forbidden);
    }
    let mut items =
        store::audit::latest(&mut *state.db.read().await?, subject, before, limit + 1).await?;
    let more = i64::try_from(items.len()).unwrap_or(i64::MAX) > limit;
    items.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
    let next_cursor = more
        .then(|| items.last().map(|e| e.seq.to_string()))
        .flatten();
    Ok(Page { items, next_cursor })
}
