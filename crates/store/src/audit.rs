//! The hash-chained audit log (`domain::audit`): append inside the unit of work of the
//! change it records, read in order for `embargo admin verify-audit`.

use crate::{
    Conn, Result, StoreError,
    rows::{get, micros, ts},
};
use domain::audit::{AuditEvent, NewAuditEvent};
use jiff::Timestamp;
use sqlx::any::AnyRow;

/// Appends an event. Updating the head row first takes its lock (a row lock on
/// PostgreSQL, the write lock on SQLite), so concurrent appends queue up.
pub async fn append(c: &mut Conn, event: NewAuditEvent) -> Result<AuditEvent> {
    let head = sqlx::query("UPDATE audit_head SET seq = seq WHERE id = 1 RETURNING seq, hash")
        .fetch_one(&mut *c)
        .await?;
    let seq: i64 = get(&head, "seq")?;
    let hash: String = get(&head, "hash")?;
    let previous = (seq > 0).then(|| AuditEvent {
        seq: u64::try_from(seq).unwrap_or(0),
        at: Timestamp::UNIX_EPOCH,
        actor: String::new(),
        action: String::new(),
        subject: String::new(),
        data: serde_json::Value::Null,
        prev_hash: String::new(),
        hash,
    });
    let event = domain::audit::append(previous.as_ref(), event);
    let seq =
        i64::try_from(event.seq).map_err(|_| StoreError::Corrupt("audit seq overflow".into()))?;
    sqlx::query(
        "INSERT INTO audit_events (seq, at, actor, action, subject, data, prev_hash, hash) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(seq)
    .bind(micros(event.at))
    .bind(&event.actor)
    .bind(&event.action)
    .bind(&event.subject)
    .bind(serde_json::to_string(&event.data).map_err(|e| StoreError::Corrupt(e.to_string()))?)
    .bind(&event.prev_hash)
    .bind(&event.hash)
    .execute(&mut *c)
    .await?;
    sqlx::query("UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1")
        .bind(seq)
        .bind(&event.hash)
        .execute(&mut *c)
        .await?;
    Ok(event)
}

/// Appends `events` in order, as [`append`] each would, with three statements in all:
/// the head row read (and locked) once, the events inserted in one statement, the head
/// moved once. For a unit of work that records many changes (a batch of intakes).
pub async fn append_many(c: &mut Conn, events: Vec<NewAuditEvent>) -> Result<Vec<AuditEvent>> {
    if events.is_empty() {
        return Ok(Vec::new());
    }
    let head = sqlx::query("UPDATE audit_head SET seq = seq WHERE id = 1 RETURNING seq, hash")
        .fetch_one(&mut *c)
        .await?;
    let seq: i64 = get(&head, "seq")?;
    let hash: String = get(&head, "hash")?;
    let mut previous = (seq > 0).then(|| AuditEvent {
        seq: u64::try_from(seq).unwrap_or(0),
        at: Timestamp::UNIX_EPOCH,
        actor: String::new(),
        action: String::new(),
        subject: String::new(),
        data: serde_json::Value::Null,
        prev_hash: String::new(),
        hash,
    });
    let mut appended = Vec::with_capacity(events.len());
    for event in events {
        let event = domain::audit::append(previous.as_ref(), event);
        previous = Some(event.clone());
        appended.push(event);
    }
    // At most 100 rows per statement keeps the bound values (8 a row) well under both
    // databases' limits.
    for chunk in appended.chunks(100) {
        let mut sql = String::from(
            "INSERT INTO audit_events (seq, at, actor, action, subject, data, prev_hash, hash) VALUES ",
        );
        for i in 0..chunk.len() {
            let b = i * 8;
            if i > 0 {
                sql.push_str(", ");
            }
            sql.push_str(&format!(
                "(${}, ${}, ${}, ${}, ${}, ${}, ${}, ${})",
                b + 1,
                b + 2,
                b + 3,
                b + 4,
                b + 5,
                b + 6,
                b + 7,
                b + 8
            ));
        }
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for event in chunk {
            let seq = i64::try_from(event.seq)
                .map_err(|_| StoreError::Corrupt("audit seq overflow".into()))?;
            query = query
                .bind(seq)
                .bind(micros(event.at))
                .bind(event.actor.clone())
                .bind(event.action.clone())
                .bind(event.subject.clone())
                .bind(
                    serde_json::to_string(&event.data)
                        .map_err(|e| StoreError::Corrupt(e.to_string()))?,
                )
                .bind(event.prev_hash.clone())
                .bind(event.hash.clone());
        }
        query.execute(&mut *c).await?;
    }
    if let Some(last) = appended.last() {
        let seq = i64::try_from(last.seq)
            .map_err(|_| StoreError::Corrupt("audit seq overflow".into()))?;
        sqlx::query("UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1")
            .bind(seq)
            .bind(&last.hash)
            .execute(&mut *c)
            .await?;
    }
    Ok(appended)
}

/// The stored head of the chain: the last event's `seq` and hash (0 and the empty chain's
/// hash before any event). Kept beside the events, so deleting events at the end of the
/// log shows as a head no event matches.
pub async fn head(c: &mut Conn) -> Result<(i64, String)> {
    let row = sqlx::query("SELECT seq, hash FROM audit_head WHERE id = 1")
        .fetch_one(&mut *c)
        .await?;
    Ok((get(&row, "seq")?, get(&row, "hash")?))
}

/// Events with `seq > after_seq`, oldest first, at most `limit`.
pub async fn events(c: &mut Conn, after_seq: i64, limit: i64) -> Result<Vec<AuditEvent>> {
    sqlx::query(
        "SELECT seq, at, actor, action, subject, data, prev_hash, hash FROM audit_events \
         WHERE seq > $1 ORDER BY seq LIMIT $2",
    )
    .bind(after_seq)
    .bind(limit)
    .fetch_all(c)
    .await?
    .iter()
    .map(audit_from_row)
    .collect()
}

/// Events newest first, at most `limit`, with `seq < before` when given and only those
/// about `subject` when given: a range read on the primary key, or on
/// `audit_events (subject, seq)` for one subject.
pub async fn latest(
    c: &mut Conn,
    subject: Option<&str>,
    before: Option<i64>,
    limit: i64,
) -> Result<Vec<AuditEvent>> {
    let mut sql = String::from(
        "SELECT seq, at, actor, action, subject, data, prev_hash, hash FROM audit_events \
         WHERE seq < $1",
    );
    if subject.is_some() {
        sql.push_str(" AND subject = $3");
    }
    sql.push_str(" ORDER BY seq DESC LIMIT $2");
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(before.unwrap_or(i64::MAX))
        .bind(limit);
    if let Some(subject) = subject {
        query = query.bind(subject);
    }
    query
        .fetch_all(c)
        .await?
        .iter()
        .map(audit_from_row)
        .collect()
}

fn audit_from_row(row: &AnyRow) -> Result<AuditEvent> {
    let seq: i64 = get(row, "seq")?;
    let data: String = get(row, "data")?;
    Ok(AuditEvent {
        seq: u64::try_from(seq).map_err(|_| StoreError::Corrupt(format!("audit seq {seq}")))?,
        at: ts(get(row, "at")?)?,
        actor: get(row, "actor")?,
        action: get(row, "action")?,
        subject: get(row, "subject")?,
        data: serde_json::from_str(&data)
            .map_err(|e| StoreError::Corrupt(format!("audit data: {e}")))?,
        prev_hash: get(row, "prev_hash")?,
        hash: get(row, "hash")?,
    })
}
