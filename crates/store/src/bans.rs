//! The instance's ban list (`instance_bans`, migration 0019): senders no project hears
//! from, kept by the administrators, each with how often and when it last matched.

use crate::{
    Conn, Result, StoreError,
    rows::{get, micros, opt_ts, ts, uuid},
};
use domain::UserId;
use jiff::Timestamp;
use sqlx::any::AnyRow;
use uuid::Uuid;

/// One entry as stored (its pattern was checked by the `mail` crate before).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BanRecord {
    pub id: Uuid,
    /// `address`, `domain` or `name`.
    pub kind: String,
    pub pattern: String,
    pub note: String,
    pub created_by: Option<UserId>,
    pub created_by_name: Option<String>,
    pub created_at: Timestamp,
    pub match_count: i64,
    pub last_match_at: Option<Timestamp>,
}

fn from_row(row: &AnyRow) -> Result<BanRecord> {
    let by: Option<String> = get(row, "created_by")?;
    Ok(BanRecord {
        id: uuid(&get::<String>(row, "id")?)?,
        kind: get(row, "kind")?,
        pattern: get(row, "pattern")?,
        note: get(row, "note")?,
        created_by: by.as_deref().map(uuid).transpose()?.map(UserId),
        created_by_name: get(row, "user_name")?,
        created_at: ts(get(row, "created_at")?)?,
        match_count: get(row, "match_count")?,
        last_match_at: opt_ts(get(row, "last_match_at")?)?,
    })
}

/// Every entry, oldest first.
pub async fn list(c: &mut Conn) -> Result<Vec<BanRecord>> {
    sqlx::query(
        "SELECT b.id, b.kind, b.pattern, b.note, b.created_by, u.name AS user_name, \
         b.created_at, b.match_count, b.last_match_at FROM instance_bans b \
         LEFT JOIN users u ON u.id = b.created_by ORDER BY b.created_at, b.id",
    )
    .fetch_all(c)
    .await?
    .iter()
    .map(from_row)
    .collect()
}

/// Adds an entry; `Conflict` when the same kind and pattern is listed already.
pub async fn insert(c: &mut Conn, ban: &BanRecord) -> Result<()> {
    let exists: Option<String> =
        sqlx::query_scalar("SELECT id FROM instance_bans WHERE kind = $1 AND pattern = $2")
            .bind(&ban.kind)
            .bind(&ban.pattern)
            .fetch_optional(&mut *c)
            .await?;
    if exists.is_some() {
        return Err(StoreError::Conflict(format!(
            "{} {} is banned already",
            ban.kind, ban.pattern
        )));
    }
    sqlx::query(
        "INSERT INTO instance_bans (id, kind, pattern, note, created_by, created_at, \
         match_count, last_match_at) VALUES ($1, $2, $3, $4, $5, $6, 0, NULL)",
    )
    .bind(ban.id.to_string())
    .bind(&ban.kind)
    .bind(&ban.pattern)
    .bind(&ban.note)
    .bind(ban.created_by.map(|u| u.to_string()))
    .bind(micros(ban.created_at))
    .execute(c)
    .await?;
    Ok(())
}

/// Removes an entry; `true` when it existed.
pub async fn delete(c: &mut Conn, id: Uuid) -> Result<bool> {
    Ok(sqlx::query("DELETE FROM instance_bans WHERE id = $1")
        .bind(id.to_string())
        .execute(c)
        .await?
        .rows_affected()
        == 1)
}

/// Counts a match of each entry in `ids` at `at` (in the unit of work of what it matched).
pub async fn record_matches(c: &mut Conn, ids: &[Uuid], at: Timestamp) -> Result<()> {
    for id in ids {
        sqlx::query(
            "UPDATE instance_bans SET match_count = match_count + 1, last_match_at = $1 \
             WHERE id = $2",
        )
        .bind(micros(at))
        .bind(id.to_string())
        .execute(&mut *c)
        .await?;
    }
    Ok(())
}
