//! The instance's ban list, kept by administrators: a sender address, a domain (with its
//! subdomains) or a display-name pattern no project hears from. Intake applies it on every
//! channel (`services::junk::screen`): a banned sender's report is stored but filed as
//! junk, never answered, and the entry's count rises.

use super::{Result, ServiceError};
use crate::AppState;
use domain::{
    account::User,
    audit::{NewAuditEvent, user_actor},
};
use mail::{Ban, BanKind};
use serde::{Deserialize, Serialize};
use store::bans::BanRecord;

/// At most this many entries (each is checked against every submission).
pub const MAX_BANS: usize = 1_000;

/// An entry as an administrator writes it (form or JSON).
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct BanInput {
    /// `address`, `domain` or `name` (a regular expression on the sender's display name,
    /// case-insensitive).
    pub kind: String,
    /// The address, the domain, or the expression.
    pub pattern: String,
    /// Why the entry exists.
    pub note: String,
}

/// An entry with how often it matched.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct BanView {
    pub id: String,
    pub kind: String,
    pub pattern: String,
    pub note: String,
    /// The administrator who added it (none once their account is gone).
    pub added_by: Option<String>,
    pub added_at: String,
    /// How many submissions (form, API, mail) it matched.
    pub matches: i64,
    pub last_matched_at: Option<String>,
}

impl From<&BanRecord> for BanView {
    fn from(b: &BanRecord) -> Self {
        Self {
            id: b.id.to_string(),
            kind: b.kind.clone(),
            pattern: b.pattern.clone(),
            note: b.note.clone(),
            added_by: b.created_by_name.clone(),
            added_at: b.created_at.to_string(),
            matches: b.match_count,
            last_matched_at: b.last_match_at.map(|t| t.to_string()),
        }
    }
}

fn require_admin(user: &User) -> Result<()> {
    if user.is_admin {
        Ok(())
    } else {
        Err(ServiceError::Forbidden)
    }
}

/// Checks an entry; errors name the field.
pub fn check(input: &BanInput) -> Result<Ban> {
    let mut errors = domain::FieldErrors::default();
    let kind = BanKind::parse(input.kind.trim());
    if kind.is_none() {
        errors.push("kind", "must be address, domain or name");
    }
    if input.note.chars().count() > mail::MAX_NOTE_CHARS {
        errors.push(
            "note",
            format!("longer than {} characters", mail::MAX_NOTE_CHARS),
        );
    }
    let ban = kind.map(|k| Ban::compile(k, &input.pattern));
    if let Some(Err(message)) = &ban {
        errors.push("pattern", message.clone());
    }
    match ban {
        Some(Ok(ban)) if errors.0.is_empty() => Ok(ban),
        _ => Err(ServiceError::Invalid(errors)),
    }
}

/// Every entry with its counts (administrators only).
pub async fn list(state: &AppState, user: &User) -> Result<Vec<BanView>> {
    require_admin(user)?;
    Ok(store::bans::list(&mut *state.db.read().await?)
        .await?
        .iter()
        .map(BanView::from)
        .collect())
}

/// Adds an entry (administrators only), audited as `ban.add`.
pub async fn add(state: &AppState, user: &User, input: &BanInput) -> Result<BanView> {
    require_admin(user)?;
    let ban = check(input)?;
    let now = state.now();
    let record = BanRecord {
        id: uuid::Uuid::now_v7(),
        kind: ban.kind.as_str().to_owned(),
        pattern: ban.pattern.clone(),
        note: input.note.trim().to_owned(),
        created_by: Some(user.id),
        created_by_name: Some(user.name.clone()),
        created_at: now,
        match_count: 0,
        last_match_at: None,
    };
    let mut tx = state.db.begin().await?;
    if store::bans::list(&mut tx).await?.len() >= MAX_BANS {
        return Err(ServiceError::conflict(
            "too_many_bans",
            format!("the ban list holds {MAX_BANS} entries at most"),
        ));
    }
    store::bans::insert(&mut tx, &record)
        .await
        .map_err(|e| match e {
            store::StoreError::Conflict(m) => ServiceError::conflict("ban_exists", m),
            other => other.into(),
        })?;
    store::audit::append(
        &mut tx,
        NewAuditEvent {
            at: now,
            actor: user_actor(user.id),
            action: "ban.add".into(),
            subject: format!("ban:{}", record.id),
            data: serde_json::json!({ "kind": record.kind, "pattern": record.pattern, "note": record.note }),
        },
    )
    .await?;
    tx.commit().await?;
    tracing::info!(ban = %record.id, kind = %record.kind, "ban added");
    Ok(BanView::from(&record))
}

/// Removes an entry (administrators only), audited as `ban.remove`; an entry that is not
/// there (removed meanwhile) leaves nothing to do.
pub async fn remove(state: &AppState, user: &User, id: &str) -> Result<()> {
    require_admin(user)?;
    let Ok(id) = uuid::Uuid::parse_str(id) else {
        return Ok(());
    };
    let mut tx = state.db.begin().await?;
    let Some(record) = store::bans::list(&mut tx)
        .await?
        .into_iter()
        .find(|b| b.id == id)
    else {
        return Ok(());
    };
    store::bans::delete(&mut tx, id).await?;
    store::audit::append(
        &mut tx,
        NewAuditEvent {
            at: state.now(),
            actor: user_actor(user.id),
            action: "ban.remove".into(),
            subject: format!("ban:{id}"),
            data: serde_json::json!({ "kind": record.kind, "pattern": record.pattern, "matches": record.match_count }),
        },
    )
    .await?;
    tx.commit().await?;
    tracing::info!(ban = %id, "ban removed");
    Ok(())
}

/// The entries that match a sender, each with a line saying which (for the audit log).
/// A stored entry that no longer compiles is logged and skipped.
pub async fn matching(
    conn: &mut store::Conn,
    address: Option<&str>,
    name: Option<&str>,
) -> Result<Vec<(uuid::Uuid, String)>> {
    if address.is_none() && name.is_none() {
        return Ok(Vec::new());
    }
    let records = store::bans::list(conn).await?;
    Ok(records
        .iter()
        .filter_map(|r| {
            let kind = BanKind::parse(&r.kind)?;
            match Ban::compile(kind, &r.pattern) {
                Ok(ban) => ban
                    .matches(address, name)
                    .then(|| (r.id, format!("instance ban {} {}", r.kind, r.pattern))),
                Err(e) => {
                    tracing::warn!(ban = %r.id, error = %e, "stored ban skipped");
                    None
                }
            }
        })
        .collect())
}
