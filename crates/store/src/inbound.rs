//! Inbound mail (migration 0008): each message kept exactly as it arrived before anything
//! reads it, then settled (what became of it), with its signature check; and a report's
//! mail thread, the reporter's messages and the e-mails we queued about it.

use crate::{
    Conn, Disposition, InboundMessage, InboundSignature, Keyset, NewInbound, Result,
    SignatureStatus, StoreError, ThreadEntry,
    rows::{get, micros, ts, uuid},
};
use domain::{ProjectId, ReportId};
use jiff::Timestamp;
use sqlx::any::AnyRow;
use uuid::Uuid;

/// `SELECT` of inbound messages without their raw text, with a `WHERE`/`ORDER` tail.
macro_rules! select_inbound {
    ($tail:literal) => {
        concat!(
            "SELECT id, project_id, received_at, CAST(length(raw) AS BIGINT) AS size, sender, subject, message_id, \
             disposition, report_id, detail, signature_status, signature_key, signature_note \
             FROM inbound_messages ",
            $tail
        )
    };
}

fn inbound_from_row(row: &AnyRow) -> Result<InboundMessage> {
    let disposition: String = get(row, "disposition")?;
    Ok(InboundMessage {
        id: uuid(&get::<String>(row, "id")?)?,
        project: get::<Option<String>>(row, "project_id")?
            .map(|p| uuid(&p).map(ProjectId))
            .transpose()?,
        received_at: ts(get(row, "received_at")?)?,
        size: get(row, "size")?,
        sender: get(row, "sender")?,
        subject: get(row, "subject")?,
        message_id: get(row, "message_id")?,
        disposition: Disposition::parse(&disposition)
            .ok_or_else(|| StoreError::Corrupt(format!("disposition {disposition:?}")))?,
        report: get::<Option<String>>(row, "report_id")?
            .map(|r| uuid(&r).map(ReportId))
            .transpose()?,
        detail: get(row, "detail")?,
        signature: match get::<Option<String>>(row, "signature_status")? {
            None => None,
            Some(status) => Some(InboundSignature {
                status: SignatureStatus::parse(&status)
                    .ok_or_else(|| StoreError::Corrupt(format!("signature status {status:?}")))?,
                key: get(row, "signature_key")?,
                note: get(row, "signature_note")?,
            }),
        },
    })
}

/// Keeps a message exactly as it arrived, before anything reads it.
pub async fn insert(c: &mut Conn, message: &NewInbound) -> Result<()> {
    sqlx::query(
        "INSERT INTO inbound_messages (id, project_id, received_at, raw, sender, subject, message_id) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(message.id.to_string())
    .bind(message.project.map(|p| p.to_string()))
    .bind(micros(message.received_at))
    .bind(message.raw.clone())
    .bind(message.sender.as_deref())
    .bind(message.subject.as_deref())
    .bind(message.message_id.as_deref())
    .execute(c)
    .await?;
    Ok(())
}

/// Records what became of a stored message (`detail` is JSON); `NotFound` when there is
/// no such message.
pub async fn settle(
    c: &mut Conn,
    id: Uuid,
    disposition: Disposition,
    report: Option<ReportId>,
    detail: Option<&str>,
) -> Result<()> {
    let n = sqlx::query(
        "UPDATE inbound_messages SET disposition = $1, report_id = $2, detail = $3 WHERE id = $4",
    )
    .bind(disposition.as_str())
    .bind(report.map(|r| r.to_string()))
    .bind(detail)
    .bind(id.to_string())
    .execute(c)
    .await?
    .rows_affected();
    if n == 1 {
        Ok(())
    } else {
        Err(StoreError::NotFound)
    }
}

/// Records what a stored message's OpenPGP signature said; `NotFound` when there is no
/// such message.
pub async fn set_signature(c: &mut Conn, id: Uuid, signature: &InboundSignature) -> Result<()> {
    let n = sqlx::query(
        "UPDATE inbound_messages SET signature_status = $1, signature_key = $2, \
         signature_note = $3 WHERE id = $4",
    )
    .bind(signature.status.as_str())
    .bind(signature.key.as_deref())
    .bind(signature.note.as_deref())
    .bind(id.to_string())
    .execute(c)
    .await?
    .rows_affected();
    if n == 1 {
        Ok(())
    } else {
        Err(StoreError::NotFound)
    }
}

/// The project's latest messages, newest first, at most `limit` (the first [`page`],
/// without the report numbers).
pub async fn of_project(
    c: &mut Conn,
    project: ProjectId,
    limit: i64,
) -> Result<Vec<InboundMessage>> {
    Ok(page(c, project, None, limit)
        .await?
        .into_iter()
        .map(|(m, _)| m)
        .collect())
}

/// One page of the project's mail log, newest first, ties by id: a keyset range read on
/// `inbound_messages (project_id, received_at, id)` starting after `after`. Each message
/// (raw text left out) comes with the number of the report it opened or joined, if any.
pub async fn page(
    c: &mut Conn,
    project: ProjectId,
    after: Option<&Keyset>,
    limit: i64,
) -> Result<Vec<(InboundMessage, Option<i64>)>> {
    let mut sql = String::from(
        "SELECT i.id, i.project_id, i.received_at, CAST(length(i.raw) AS BIGINT) AS size, \
         i.sender, i.subject, i.message_id, i.disposition, i.report_id, i.detail, \
         i.signature_status, i.signature_key, i.signature_note, r.number AS report_number \
         FROM inbound_messages i LEFT JOIN reports r ON r.id = i.report_id \
         WHERE i.project_id = $1",
    );
    if after.is_some() {
        sql.push_str(" AND (i.received_at, i.id) < ($3, $4)");
    }
    sql.push_str(" ORDER BY i.received_at DESC, i.id DESC LIMIT $2");
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(project.to_string())
        .bind(limit);
    if let Some(after) = after {
        query = query.bind(micros(after.at)).bind(after.id.to_string());
    }
    query
        .fetch_all(c)
        .await?
        .iter()
        .map(|row| Ok((inbound_from_row(row)?, get(row, "report_number")?)))
        .collect()
}

/// The report's messages, oldest first (raw text left out).
pub async fn of_report(c: &mut Conn, report: ReportId) -> Result<Vec<InboundMessage>> {
    sqlx::query(select_inbound!(
        "WHERE report_id = $1 ORDER BY received_at, id"
    ))
    .bind(report.to_string())
    .fetch_all(c)
    .await?
    .iter()
    .map(inbound_from_row)
    .collect()
}

/// A message without its raw text.
pub async fn by_id(c: &mut Conn, id: Uuid) -> Result<Option<InboundMessage>> {
    sqlx::query(select_inbound!("WHERE id = $1"))
        .bind(id.to_string())
        .fetch_optional(c)
        .await?
        .as_ref()
        .map(inbound_from_row)
        .transpose()
}

/// The message as it arrived.
pub async fn raw(c: &mut Conn, id: Uuid) -> Result<Option<Vec<u8>>> {
    Ok(
        sqlx::query_scalar("SELECT raw FROM inbound_messages WHERE id = $1")
            .bind(id.to_string())
            .fetch_optional(c)
            .await?,
    )
}

/// The report an earlier message of the project with one of these `Message-ID`s opened or
/// joined, if any (a reporter's reply quotes their own first mail); the ids are tried in
/// their order.
pub async fn report_of(
    c: &mut Conn,
    project: ProjectId,
    message_ids: &[String],
) -> Result<Option<ReportId>> {
    for message_id in message_ids {
        let found: Option<String> = sqlx::query_scalar(
            "SELECT report_id FROM inbound_messages WHERE project_id = $1 AND message_id = $2 \
             AND report_id IS NOT NULL ORDER BY received_at LIMIT 1",
        )
        .bind(project.to_string())
        .bind(message_id)
        .fetch_optional(&mut *c)
        .await?;
        if let Some(id) = found {
            return Ok(Some(ReportId(uuid(&id)?)));
        }
    }
    Ok(None)
}

/// The report's mail thread up to `until`, oldest first: the messages the reporter sent
/// (with a `Message-ID`, filed as the report or a reply) and the e-mails we queued about it.
pub async fn thread(c: &mut Conn, report: ReportId, until: Timestamp) -> Result<Vec<ThreadEntry>> {
    let rows = sqlx::query(
        "SELECT received_at AS at, message_id, CAST(1 AS BIGINT) AS from_reporter FROM inbound_messages \
         WHERE report_id = $1 AND message_id IS NOT NULL AND received_at <= $2 \
         AND disposition IN ('report', 'reply') \
         UNION ALL \
         SELECT created_at AS at, id AS message_id, CAST(0 AS BIGINT) AS from_reporter FROM emails \
         WHERE report_id = $3 AND created_at <= $4",
    )
    .bind(report.to_string())
    .bind(micros(until))
    .bind(report.to_string())
    .bind(micros(until))
    .fetch_all(c)
    .await?;
    let mut entries = rows
        .iter()
        .map(|row| {
            let from_reporter = get::<i64>(row, "from_reporter")? != 0;
            let id: String = get(row, "message_id")?;
            Ok(ThreadEntry {
                at: ts(get(row, "at")?)?,
                message_id: if from_reporter {
                    id
                } else {
                    format!("{id}@embargo")
                },
                from_reporter,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    entries.sort_by(|a, b| {
        a.at.cmp(&b.at)
            .then_with(|| a.message_id.cmp(&b.message_id))
    });
    Ok(entries)
}
