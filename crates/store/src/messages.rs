//! A report's private thread: messages between maintainers, collaborators and the reporter.

use crate::{
    AuthorKind, Conn, Keyset, Message, NewMessage, Result, StoreError, Visibility,
    rows::{get, micros, ts, uuid},
};
use domain::{ReportId, UserId};
use sqlx::any::AnyRow;

/// `SELECT <every message column and the author's name> FROM messages m <tail>`.
macro_rules! select_messages {
    ($tail:literal) => {
        concat!(
            "SELECT m.id, m.report_id, m.author_kind, m.author_id, u.name AS author_name, \
             m.visibility, m.body, m.created_at FROM messages m \
             LEFT JOIN users u ON u.id = m.author_id ",
            $tail
        )
    };
}

fn from_row(row: &AnyRow) -> Result<Message> {
    let kind: String = get(row, "author_kind")?;
    let visibility: String = get(row, "visibility")?;
    let author: Option<String> = get(row, "author_id")?;
    Ok(Message {
        id: uuid(&get::<String>(row, "id")?)?,
        report_id: ReportId(uuid(&get::<String>(row, "report_id")?)?),
        author_kind: AuthorKind::parse(&kind)
            .ok_or_else(|| StoreError::Corrupt(format!("author_kind {kind:?}")))?,
        author_id: author.as_deref().map(uuid).transpose()?.map(UserId),
        author_name: get(row, "author_name")?,
        visibility: Visibility::parse(&visibility)
            .ok_or_else(|| StoreError::Corrupt(format!("visibility {visibility:?}")))?,
        body: get(row, "body")?,
        created_at: ts(get(row, "created_at")?)?,
    })
}

pub async fn insert(c: &mut Conn, m: &NewMessage) -> Result<()> {
    sqlx::query(
        "INSERT INTO messages (id, report_id, author_kind, author_id, visibility, body, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(m.id.to_string())
    .bind(m.report.to_string())
    .bind(m.author_kind.as_str())
    .bind(m.author.map(|a| a.to_string()))
    .bind(m.visibility.as_str())
    .bind(&m.body)
    .bind(micros(m.created_at))
    .execute(c)
    .await?;
    Ok(())
}

pub async fn by_id(c: &mut Conn, id: uuid::Uuid) -> Result<Option<Message>> {
    sqlx::query(select_messages!("WHERE m.id = $1"))
        .bind(id.to_string())
        .fetch_optional(c)
        .await?
        .as_ref()
        .map(from_row)
        .transpose()
}

/// A report's messages, oldest first; only those the reporter sees unless `include_internal`.
pub async fn of_report(
    c: &mut Conn,
    report: ReportId,
    include_internal: bool,
) -> Result<Vec<Message>> {
    sqlx::query(select_messages!(
        "WHERE m.report_id = $1 AND ($2 OR m.visibility = 'reporter') \
         ORDER BY m.created_at, m.id"
    ))
    .bind(report.to_string())
    .bind(include_internal)
    .fetch_all(c)
    .await?
    .iter()
    .map(from_row)
    .collect()
}

/// One page of a report's thread, oldest first, ties by id: a keyset range read on
/// `messages (report_id, created_at, id)` after `after`, at most `limit`; only those the
/// reporter sees unless `include_internal`. Messages added later come after every page
/// already read.
pub async fn page(
    c: &mut Conn,
    report: ReportId,
    include_internal: bool,
    after: Option<&Keyset>,
    limit: i64,
) -> Result<Vec<Message>> {
    let rows = match after {
        None => {
            sqlx::query(select_messages!(
                "WHERE m.report_id = $1 AND ($2 OR m.visibility = 'reporter') \
                 ORDER BY m.created_at, m.id LIMIT $3"
            ))
            .bind(report.to_string())
            .bind(include_internal)
            .bind(limit)
            .fetch_all(c)
            .await?
        }
        Some(after) => {
            sqlx::query(select_messages!(
                "WHERE m.report_id = $1 AND ($2 OR m.visibility = 'reporter') \
                 AND (m.created_at, m.id) > ($4, $5) \
                 ORDER BY m.created_at, m.id LIMIT $3"
            ))
            .bind(report.to_string())
            .bind(include_internal)
            .bind(limit)
            .bind(micros(after.at))
            .bind(after.id.to_string())
            .fetch_all(c)
            .await?
        }
    };
    rows.iter().map(from_row).collect()
}
