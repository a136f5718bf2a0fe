//! Webhooks in SQL: endpoints, the per-project secret's nonce, deliveries and their attempts,
//! and the fan-out that queues one delivery job per subscribed endpoint inside the
//! transaction of the change itself (so a rolled-back change sends nothing, and a committed
//! one is always delivered).

use crate::{
    Conn, Keyset, NewJob, Result, StoreError, jobs,
    rows::{get, micros, opt_ts, ts, uuid},
};
use domain::{
    ProjectId, ReportId, UserId,
    report::State,
    webhook::{Event, EventKind},
};
use jiff::Timestamp;
use sqlx::any::AnyRow;
use uuid::Uuid;

/// The job that delivers one webhook (run by the binary's worker).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct DeliverWebhook {
    pub delivery_id: Uuid,
}

impl jobs::Payload for DeliverWebhook {
    const KIND: &'static str = "deliver_webhook";
    /// Attempts recorded on a delivery job; the worker gives up earlier if configured to.
    const MAX_ATTEMPTS: i64 = 100;
}

/// One endpoint of a project.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookEndpoint {
    pub id: Uuid,
    pub project_id: ProjectId,
    pub url: String,
    pub events: Vec<EventKind>,
    pub created_by: Option<UserId>,
    pub created_at: Timestamp,
}

/// Where a delivery stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryStatus {
    Pending,
    Delivered,
    Failed,
}

impl DeliveryStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Delivered => "delivered",
            Self::Failed => "failed",
        }
    }
    fn parse(s: &str) -> Result<Self> {
        Ok(match s {
            "pending" => Self::Pending,
            "delivered" => Self::Delivered,
            "failed" => Self::Failed,
            other => return Err(StoreError::Corrupt(format!("delivery status {other:?}"))),
        })
    }
}

/// One try at delivering.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookAttempt {
    pub attempt: i64,
    pub at: Timestamp,
    /// The HTTP status, when a response came.
    pub status_code: Option<i64>,
    pub duration_ms: i64,
    /// Why it failed (a non-2xx status, a timeout, a refused connection).
    pub error: Option<String>,
}

/// One event sent (or being sent) to one endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookDelivery {
    pub id: Uuid,
    pub endpoint_id: Uuid,
    pub project_id: ProjectId,
    pub url: String,
    pub event: String,
    /// The exact bytes every attempt sends.
    pub body: String,
    pub status: DeliveryStatus,
    pub attempts: i64,
    pub created_at: Timestamp,
    pub finished_at: Option<Timestamp>,
    /// Oldest first; filled by [`deliveries`] only.
    pub log: Vec<WebhookAttempt>,
}

fn events_text(events: &[EventKind]) -> String {
    events
        .iter()
        .map(|e| e.as_str())
        .collect::<Vec<_>>()
        .join(",")
}

fn endpoint_from_row(row: &AnyRow) -> Result<WebhookEndpoint> {
    let events: String = get(row, "events")?;
    Ok(WebhookEndpoint {
        id: uuid(&get::<String>(row, "id")?)?,
        project_id: ProjectId(uuid(&get::<String>(row, "project_id")?)?),
        url: get(row, "url")?,
        events: events
            .split(',')
            .filter(|s| !s.is_empty())
            .map(|s| EventKind::parse(s).ok_or_else(|| StoreError::Corrupt(format!("event {s:?}"))))
            .collect::<Result<_>>()?,
        created_by: get::<Option<String>>(row, "created_by")?
            .map(|s| uuid(&s).map(UserId))
            .transpose()?,
        created_at: ts(get(row, "created_at")?)?,
    })
}

/// `SELECT <every delivery column> … <tail>`, as one static string.
macro_rules! select_deliveries {
    ($tail:literal) => {
        concat!(
            "SELECT d.id, d.endpoint_id, e.project_id, e.url, d.event, d.body, d.status, \
             d.attempts, d.created_at, d.finished_at FROM webhook_deliveries d \
             JOIN webhook_endpoints e ON e.id = d.endpoint_id ",
            $tail
        )
    };
}

fn delivery_from_row(row: &AnyRow) -> Result<WebhookDelivery> {
    Ok(WebhookDelivery {
        id: uuid(&get::<String>(row, "id")?)?,
        endpoint_id: uuid(&get::<String>(row, "endpoint_id")?)?,
        project_id: ProjectId(uuid(&get::<String>(row, "project_id")?)?),
        url: get(row, "url")?,
        event: get(row, "event")?,
        body: get(row, "body")?,
        status: DeliveryStatus::parse(&get::<String>(row, "status")?)?,
        attempts: get(row, "attempts")?,
        created_at: ts(get(row, "created_at")?)?,
        finished_at: opt_ts(get(row, "finished_at")?)?,
        log: Vec::new(),
    })
}

/// Queues `event` for every endpoint of `project` subscribed to it: a delivery row with its
/// body and a [`DeliverWebhook`] job each, inside the caller's transaction. Call it in the
/// unit of work of the change the event tells about (a new report, a state change, a
/// message, a score, a publication), so a rolled-back change sends nothing and a committed
/// one is always delivered.
pub async fn queue_event(
    conn: &mut Conn,
    project: ProjectId,
    event: &Event,
    now: Timestamp,
) -> Result<()> {
    queue_events(conn, &[(project, event)], now).await
}

/// [`queue_event`] for several events (of any projects): one read of the endpoints, then
/// the deliveries and their jobs in as few statements as the bound values allow.
pub async fn queue_events(
    conn: &mut Conn,
    events: &[(ProjectId, &Event)],
    now: Timestamp,
) -> Result<()> {
    let mut projects: Vec<String> = events.iter().map(|(p, _)| p.to_string()).collect();
    projects.sort();
    projects.dedup();
    let mut endpoints: Vec<(String, String, String, String)> = Vec::new();
    for chunk in projects.chunks(crate::rows::rows_per_statement(1)) {
        let sql = format!(
            "SELECT e.id, e.project_id, e.events, p.slug FROM webhook_endpoints e \
             JOIN projects p ON p.id = e.project_id WHERE e.project_id IN ({}) \
             ORDER BY e.created_at, e.id",
            crate::rows::values_list("?", chunk.len())
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for project in chunk {
            query = query.bind(project.as_str());
        }
        for row in query.fetch_all(&mut *conn).await? {
            endpoints.push((
                get(&row, "id")?,
                get(&row, "project_id")?,
                get(&row, "events")?,
                get(&row, "slug")?,
            ));
        }
    }
    if endpoints.is_empty() {
        return Ok(());
    }
    // (delivery, endpoint, kind, body) in the order of the events, then of the endpoints.
    let mut deliveries: Vec<(Uuid, &str, &str, String)> = Vec::new();
    for (project, event) in events {
        let project = project.to_string();
        let kind = event.kind.as_str();
        for (id, owner, subscribed, slug) in &endpoints {
            if *owner == project && subscribed.split(',').any(|k| k.trim() == kind) {
                let delivery = Uuid::now_v7();
                deliveries.push((delivery, id, kind, event.body(delivery, slug, now)));
            }
        }
    }
    for chunk in deliveries.chunks(crate::rows::rows_per_statement(5)) {
        let sql = format!(
            "INSERT INTO webhook_deliveries (id, endpoint_id, event, body, status, attempts, \
             created_at) VALUES {}",
            crate::rows::values_list("(?, ?, ?, ?, 'pending', 0, ?)", chunk.len())
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for (delivery, endpoint, kind, body) in chunk {
            query = query
                .bind(delivery.to_string())
                .bind(*endpoint)
                .bind(*kind)
                .bind(body.as_str())
                .bind(micros(now));
        }
        query.execute(&mut *conn).await?;
    }
    let jobs = deliveries
        .iter()
        .map(|(delivery, ..)| {
            NewJob::of(
                &DeliverWebhook {
                    delivery_id: *delivery,
                },
                now,
                now,
            )
        })
        .collect::<Result<Vec<_>>>()?;
    jobs::enqueue_many(conn, &jobs).await
}

/// The project, number and state of a report, read inside a transaction (what an event
/// about the report tells); `NotFound` when there is no such report.
pub async fn report_brief(conn: &mut Conn, report: ReportId) -> Result<(ProjectId, i64, State)> {
    let row = sqlx::query("SELECT project_id, number, state FROM reports WHERE id = $1")
        .bind(report.to_string())
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(StoreError::NotFound)?;
    let state: String = get(&row, "state")?;
    Ok((
        ProjectId(uuid(&get::<String>(&row, "project_id")?)?),
        get(&row, "number")?,
        State::parse(&state).ok_or_else(|| StoreError::Corrupt(format!("state {state:?}")))?,
    ))
}

/// The project's secret nonce and when it was set, if it has one.
pub async fn nonce(c: &mut Conn, project: ProjectId) -> Result<Option<(String, Timestamp)>> {
    sqlx::query("SELECT nonce, rotated_at FROM webhook_secrets WHERE project_id = $1")
        .bind(project.to_string())
        .fetch_optional(&mut *c)
        .await?
        .map(|row| Ok((get(&row, "nonce")?, ts(get(&row, "rotated_at")?)?)))
        .transpose()
}

/// Replaces (or sets) the project's secret nonce.
pub async fn set_nonce(
    c: &mut Conn,
    project: ProjectId,
    nonce: &str,
    now: Timestamp,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO webhook_secrets (project_id, nonce, rotated_at) VALUES ($1, $2, $3) \
         ON CONFLICT (project_id) DO UPDATE SET nonce = excluded.nonce, rotated_at = excluded.rotated_at",
    )
    .bind(project.to_string())
    .bind(nonce)
    .bind(micros(now))
    .execute(&mut *c)
    .await?;
    Ok(())
}

/// Sets the project's secret nonce unless it has one; returns whether it was set.
pub async fn init_nonce(
    c: &mut Conn,
    project: ProjectId,
    nonce: &str,
    now: Timestamp,
) -> Result<bool> {
    let n = sqlx::query(
        "INSERT INTO webhook_secrets (project_id, nonce, rotated_at) VALUES ($1, $2, $3) \
         ON CONFLICT (project_id) DO NOTHING",
    )
    .bind(project.to_string())
    .bind(nonce)
    .bind(micros(now))
    .execute(&mut *c)
    .await?
    .rows_affected();
    Ok(n == 1)
}

/// Stores an endpoint.
pub async fn insert(c: &mut Conn, endpoint: &WebhookEndpoint) -> Result<()> {
    sqlx::query(
        "INSERT INTO webhook_endpoints (id, project_id, url, events, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(endpoint.id.to_string())
    .bind(endpoint.project_id.to_string())
    .bind(&endpoint.url)
    .bind(events_text(&endpoint.events))
    .bind(endpoint.created_by.map(|u| u.to_string()))
    .bind(micros(endpoint.created_at))
    .execute(&mut *c)
    .await?;
    Ok(())
}

/// The project's endpoints, oldest first.
pub async fn of_project(c: &mut Conn, project: ProjectId) -> Result<Vec<WebhookEndpoint>> {
    sqlx::query(
        "SELECT id, project_id, url, events, created_by, created_at FROM webhook_endpoints \
         WHERE project_id = $1 ORDER BY created_at, id",
    )
    .bind(project.to_string())
    .fetch_all(&mut *c)
    .await?
    .iter()
    .map(endpoint_from_row)
    .collect()
}

/// Removes an endpoint of the project with its deliveries and their attempts; `NotFound`
/// when the project has no such endpoint. Queued delivery jobs then find nothing and stop.
pub async fn delete(c: &mut Conn, project: ProjectId, id: Uuid) -> Result<()> {
    // The attempts and deliveries go first: SQLite enforces ON DELETE CASCADE only with
    // foreign keys on, which it is here, but the explicit order keeps both databases alike.
    // The endpoint must be the project's: checked before anything is removed.
    sqlx::query(
        "DELETE FROM webhook_attempts WHERE delivery_id IN \
         (SELECT d.id FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id \
          WHERE d.endpoint_id = $1 AND e.project_id = $2)",
    )
    .bind(id.to_string())
    .bind(project.to_string())
    .execute(&mut *c)
    .await?;
    sqlx::query(
        "DELETE FROM webhook_deliveries WHERE endpoint_id = $1 AND endpoint_id IN \
         (SELECT id FROM webhook_endpoints WHERE project_id = $2)",
    )
    .bind(id.to_string())
    .bind(project.to_string())
    .execute(&mut *c)
    .await?;
    let n = sqlx::query("DELETE FROM webhook_endpoints WHERE id = $1 AND project_id = $2")
        .bind(id.to_string())
        .bind(project.to_string())
        .execute(&mut *c)
        .await?
        .rows_affected();
    if n != 1 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}

/// One delivery (without its attempts).
pub async fn delivery(c: &mut Conn, id: Uuid) -> Result<Option<WebhookDelivery>> {
    sqlx::query(select_deliveries!("WHERE d.id = $1"))
        .bind(id.to_string())
        .fetch_optional(&mut *c)
        .await?
        .as_ref()
        .map(delivery_from_row)
        .transpose()
}

/// The endpoint's latest `limit` deliveries, newest first, each with its attempts (the
/// first [`deliveries_page`]).
pub async fn deliveries(c: &mut Conn, endpoint: Uuid, limit: i64) -> Result<Vec<WebhookDelivery>> {
    deliveries_page(c, endpoint, None, limit).await
}

/// One page of the endpoint's deliveries, newest first, ties by id, each with its
/// attempts: a keyset range read on `webhook_deliveries (endpoint_id, created_at, id)`
/// after `after`, at most `limit`, and the attempts of those deliveries only.
pub async fn deliveries_page(
    c: &mut Conn,
    endpoint: Uuid,
    after: Option<&Keyset>,
    limit: i64,
) -> Result<Vec<WebhookDelivery>> {
    let rows = match after {
        None => {
            sqlx::query(select_deliveries!(
                "WHERE d.endpoint_id = $1 ORDER BY d.created_at DESC, d.id DESC LIMIT $2"
            ))
            .bind(endpoint.to_string())
            .bind(limit)
            .fetch_all(&mut *c)
            .await?
        }
        Some(after) => {
            sqlx::query(select_deliveries!(
                "WHERE d.endpoint_id = $1 \
                 AND (d.created_at, d.id) < ($3, $4) \
                 ORDER BY d.created_at DESC, d.id DESC LIMIT $2"
            ))
            .bind(endpoint.to_string())
            .bind(limit)
            .bind(micros(after.at))
            .bind(after.id.to_string())
            .fetch_all(&mut *c)
            .await?
        }
    };
    let mut deliveries = rows
        .iter()
        .map(delivery_from_row)
        .collect::<Result<Vec<_>>>()?;
    if deliveries.is_empty() {
        return Ok(deliveries);
    }
    // The page's attempts only: one `IN` list of at most a page of ids (500 at most, well
    // inside either database's limit on parameters).
    let placeholders = (1..=deliveries.len())
        .map(|n| format!("${n}"))
        .collect::<Vec<_>>()
        .join(", ");
    let sql = format!(
        "SELECT delivery_id, attempt, at, status_code, duration_ms, error \
         FROM webhook_attempts WHERE delivery_id IN ({placeholders}) \
         ORDER BY delivery_id, attempt"
    );
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
    for d in &deliveries {
        query = query.bind(d.id.to_string());
    }
    let attempts = query.fetch_all(&mut *c).await?;
    for row in &attempts {
        let id = uuid(&get::<String>(row, "delivery_id")?)?;
        if let Some(d) = deliveries.iter_mut().find(|d| d.id == id) {
            d.log.push(WebhookAttempt {
                attempt: get(row, "attempt")?,
                at: ts(get(row, "at")?)?,
                status_code: get(row, "status_code")?,
                duration_ms: get(row, "duration_ms")?,
                error: get(row, "error")?,
            });
        }
    }
    Ok(deliveries)
}

/// Logs one attempt and sets where the delivery now stands (two statements: run it in a
/// unit of work).
pub async fn record_attempt(
    c: &mut Conn,
    delivery: Uuid,
    attempt: &WebhookAttempt,
    status: DeliveryStatus,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO webhook_attempts (delivery_id, attempt, at, status_code, duration_ms, error) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(delivery.to_string())
    .bind(attempt.attempt)
    .bind(micros(attempt.at))
    .bind(attempt.status_code)
    .bind(attempt.duration_ms)
    .bind(attempt.error.as_deref())
    .execute(&mut *c)
    .await?;
    let finished = (status != DeliveryStatus::Pending).then(|| micros(attempt.at));
    sqlx::query(
        "UPDATE webhook_deliveries SET status = $1, attempts = attempts + 1, finished_at = $2 \
         WHERE id = $3",
    )
    .bind(status.as_str())
    .bind(finished)
    .bind(delivery.to_string())
    .execute(&mut *c)
    .await?;
    Ok(())
}
