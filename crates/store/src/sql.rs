//! The SQL implementation of the transitional [`Store`] trait, shared by SQLite and
//! PostgreSQL. Its methods move into the repositories (`crate::reports`, …) one aggregate at
//! a time; what is left here delegates or still runs its own transaction.
//!
//! Queries are runtime strings with `$n` placeholders, which both databases accept, bound
//! through sqlx's `Any` driver. Values are kept to types both databases store alike: ids as
//! UUID text, timestamps as `BIGINT` microseconds since the Unix epoch (UTC), JSON as text.

use crate::{
    AuthorKind, InsertOutcome, InsertReport, Message, NewEmail, NewJob, NewMessage, NewScore,
    ReporterKey, Result, ScoreRecord, StateChange, Store, StoreError, Visibility,
};
use async_trait::async_trait;
use domain::{
    ProjectId, ReportId, UserId,
    audit::{AuditEvent, NewAuditEvent},
    report::{CreditMode, Report, Resolution, Sla, Source, State},
};
use jiff::Timestamp;
use sqlx::{AnyConnection, AnyPool, any::AnyRow};
use uuid::Uuid;

use crate::db::Db;
pub(crate) use crate::rows::{get, micros, opt_ts, ts, uuid};

mod collaborators;

/// The transitional trait implementation over a [`Db`]: repositories replace its methods.
#[derive(Debug, Clone)]
pub struct SqlStore {
    db: Db,
    pool: AnyPool,
    writer: AnyPool,
}

impl SqlStore {
    /// Connects to `url`. SQLite files are created when missing (their directory must exist).
    pub async fn connect(url: &str, max_connections: u32) -> Result<Self> {
        Ok(Self::from(Db::connect(url, max_connections).await?))
    }

    pub fn db(&self) -> &Db {
        &self.db
    }

    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// Begins a transaction that writes (on SQLite, after the writers before it).
    async fn begin_write(&self) -> Result<sqlx::Transaction<'static, sqlx::Any>> {
        Ok(self.writer.begin().await?)
    }
}

impl From<Db> for SqlStore {
    fn from(db: Db) -> Self {
        Self {
            pool: db.pool.clone(),
            writer: db.writer.clone(),
            db,
        }
    }
}

// Row mapping -----------------------------------------------------------------------------

/// `SELECT <every report column> FROM reports <tail>`, as one static string.
macro_rules! select_reports {
    ($tail:literal) => {
        concat!(
            "SELECT id, project_id, number, title, description, affected_version, reproduction, \
             impact, cvss_vector, reporter_name, reporter_email, credit_as, credit_mode, source, state, \
             resolution, received_at, acknowledged_at, updated_at, acknowledge_due, triage_due, \
             disclosure_due FROM reports ",
            $tail
        )
    };
}

fn report_from_row(row: &AnyRow) -> Result<Report> {
    let corrupt = |what: &str, v: &str| StoreError::Corrupt(format!("{what} {v:?}"));
    let source: String = get(row, "source")?;
    let state: String = get(row, "state")?;
    let resolution: Option<String> = get(row, "resolution")?;
    Ok(Report {
        id: ReportId(uuid(&get::<String>(row, "id")?)?),
        project_id: ProjectId(uuid(&get::<String>(row, "project_id")?)?),
        number: get(row, "number")?,
        title: get(row, "title")?,
        description: get(row, "description")?,
        affected_version: get(row, "affected_version")?,
        reproduction: get(row, "reproduction")?,
        impact: get(row, "impact")?,
        cvss_vector: get(row, "cvss_vector")?,
        reporter_name: get(row, "reporter_name")?,
        reporter_email: get(row, "reporter_email")?,
        credit_as: get(row, "credit_as")?,
        credit_mode: get::<Option<String>>(row, "credit_mode")?
            .map(|m| CreditMode::parse(&m).ok_or_else(|| corrupt("credit_mode", &m)))
            .transpose()?,
        source: Source::parse(&source).ok_or_else(|| corrupt("source", &source))?,
        state: State::parse(&state).ok_or_else(|| corrupt("state", &state))?,
        resolution: resolution
            .map(|r| Resolution::parse(&r).ok_or_else(|| corrupt("resolution", &r)))
            .transpose()?,
        received_at: ts(get(row, "received_at")?)?,
        acknowledged_at: opt_ts(get(row, "acknowledged_at")?)?,
        updated_at: ts(get(row, "updated_at")?)?,
        sla: Sla {
            acknowledge_due: ts(get(row, "acknowledge_due")?)?,
            triage_due: ts(get(row, "triage_due")?)?,
            disclosure_due: ts(get(row, "disclosure_due")?)?,
        },
    })
}

fn message_from_row(row: &AnyRow) -> Result<Message> {
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

/// `SELECT <every score column and the author's name> FROM scores s <tail>`.
macro_rules! select_scores {
    ($tail:literal) => {
        concat!(
            "SELECT s.id, s.report_id, s.vector, s.version, s.score, s.severity, s.rationale, \
             s.author_kind, s.author_id, u.name AS author_name, s.created_at FROM scores s \
             LEFT JOIN users u ON u.id = s.author_id ",
            $tail
        )
    };
}

fn score_from_row(row: &AnyRow) -> Result<ScoreRecord> {
    let kind: String = get(row, "author_kind")?;
    let author: Option<String> = get(row, "author_id")?;
    let score: i64 = get(row, "score")?;
    Ok(ScoreRecord {
        id: uuid(&get::<String>(row, "id")?)?,
        report_id: ReportId(uuid(&get::<String>(row, "report_id")?)?),
        vector: get(row, "vector")?,
        version: get(row, "version")?,
        score_tenths: u8::try_from(score)
            .ok()
            .filter(|s| *s <= 100)
            .ok_or_else(|| StoreError::Corrupt(format!("score {score}")))?,
        severity: get(row, "severity")?,
        rationale: get(row, "rationale")?,
        author_kind: AuthorKind::parse(&kind)
            .ok_or_else(|| StoreError::Corrupt(format!("author_kind {kind:?}")))?,
        author_id: author.as_deref().map(uuid).transpose()?.map(UserId),
        author_name: get(row, "author_name")?,
        created_at: ts(get(row, "created_at")?)?,
    })
}

// Writes shared by several methods ----------------------------------------------------------

pub(crate) async fn insert_email(conn: &mut AnyConnection, email: &NewEmail) -> Result<()> {
    crate::outbox::queue(conn, email).await
}

/// Stores a reporter's key; `false` when the report has it already.
pub(crate) async fn insert_reporter_key(
    conn: &mut AnyConnection,
    key: &ReporterKey,
) -> Result<bool> {
    crate::reporter_keys::insert(conn, key).await
}

pub(crate) async fn insert_job(conn: &mut AnyConnection, job: &NewJob) -> Result<()> {
    crate::jobs::enqueue(conn, job).await
}

pub(crate) async fn append_audit_tx(
    conn: &mut AnyConnection,
    event: NewAuditEvent,
) -> Result<AuditEvent> {
    crate::audit::append(conn, event).await
}

async fn insert_message(conn: &mut AnyConnection, m: &NewMessage) -> Result<()> {
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
    .execute(&mut *conn)
    .await?;
    Ok(())
}

#[async_trait]
impl Store for SqlStore {
    async fn insert_report(&self, new: InsertReport<'_>) -> Result<InsertOutcome> {
        let mut tx = self.begin_write().await?;
        // A write first: on SQLite the transaction takes the write lock here, so the reads
        // below cannot go stale before the inserts.
        let number: i64 = sqlx::query_scalar(
            "UPDATE projects SET next_report_number = next_report_number + 1 \
             WHERE id = $1 RETURNING next_report_number - 1",
        )
        .bind(new.project.to_string())
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(StoreError::NotFound)?;
        if let Some(idem) = new.idempotency {
            let previous = sqlx::query(
                "SELECT request_hash, response FROM idempotency_keys WHERE project_id = $1 AND key = $2",
            )
            .bind(new.project.to_string())
            .bind(idem.key)
            .fetch_optional(&mut *tx)
            .await?;
            if let Some(row) = previous {
                let hash: String = get(&row, "request_hash")?;
                let outcome = if hash == idem.request_hash {
                    InsertOutcome::Replayed {
                        response: get(&row, "response")?,
                    }
                } else {
                    InsertOutcome::KeyReused
                };
                tx.rollback().await?;
                return Ok(outcome);
            }
        }
        let r = new.report;
        sqlx::query(
            "INSERT INTO reports (id, project_id, number, title, description, affected_version, \
             reproduction, impact, cvss_vector, reporter_name, reporter_email, credit_as, source, \
             state, resolution, tracking_token_hash, received_at, acknowledged_at, updated_at, \
             acknowledge_due, triage_due, disclosure_due, credit_mode) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, 'received', NULL, $14, \
             $15, NULL, $15, $16, $17, $18, $19)",
        )
        .bind(new.id.to_string())
        .bind(new.project.to_string())
        .bind(number)
        .bind(&r.title)
        .bind(&r.description)
        .bind(r.affected_version.as_deref())
        .bind(r.reproduction.as_deref())
        .bind(r.impact.as_deref())
        .bind(r.cvss_vector.as_deref())
        .bind(r.reporter_name.as_deref())
        .bind(r.reporter_email.as_ref().map(|e| e.as_str()))
        .bind(r.credit_as.as_deref())
        .bind(new.source.as_str())
        .bind(new.tracking_token_hash)
        .bind(micros(new.now))
        .bind(micros(new.sla.acknowledge_due))
        .bind(micros(new.sla.triage_due))
        .bind(micros(new.sla.disclosure_due))
        .bind(r.credit_mode.map(CreditMode::as_str))
        .execute(&mut *tx)
        .await?;
        if let Some(idem) = new.idempotency {
            sqlx::query(
                "INSERT INTO idempotency_keys (project_id, key, request_hash, report_id, response, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(new.project.to_string())
            .bind(idem.key)
            .bind(idem.request_hash)
            .bind(new.id.to_string())
            .bind((new.response)(number))
            .bind(micros(new.now))
            .execute(&mut *tx)
            .await?;
        }
        if let Some(key) = new.reporter_key {
            insert_reporter_key(&mut tx, key).await?;
        }
        if let Some(build) = new.acknowledgement {
            insert_email(&mut tx, &build(number)).await?;
        }
        if let Some(job) = &new.job {
            insert_job(&mut tx, job).await?;
        }
        crate::webhooks::queue_event(
            &mut tx,
            new.project,
            &domain::webhook::Event::report_received(&new.id.to_string(), number),
            new.now,
        )
        .await?;
        append_audit_tx(
            &mut tx,
            NewAuditEvent {
                at: new.now,
                actor: domain::audit::reporter_actor(new.id),
                action: "report.create".into(),
                subject: domain::audit::report_subject(new.id),
                data: serde_json::json!({ "project": new.project.to_string(), "number": number, "source": new.source.as_str() }),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(InsertOutcome::Created { number })
    }

    async fn purge_idempotency(&self, before: Timestamp) -> Result<u64> {
        let mut tx = self.begin_write().await?;
        let n = sqlx::query("DELETE FROM idempotency_keys WHERE created_at < $1")
            .bind(micros(before))
            .execute(&mut *tx)
            .await?
            .rows_affected();
        tx.commit().await?;
        Ok(n)
    }

    async fn report_by_id(&self, id: ReportId) -> Result<Option<Report>> {
        sqlx::query(select_reports!("WHERE id = $1"))
            .bind(id.to_string())
            .fetch_optional(&self.pool)
            .await?
            .as_ref()
            .map(report_from_row)
            .transpose()
    }

    async fn report_by_tracking_hash(&self, token_hash: &str) -> Result<Option<Report>> {
        sqlx::query(select_reports!(
            "WHERE tracking_token_hash = $1 AND tracking_disabled_at IS NULL"
        ))
        .bind(token_hash)
        .fetch_optional(&self.pool)
        .await?
        .as_ref()
        .map(report_from_row)
        .transpose()
    }

    async fn list_reports(&self, project: ProjectId) -> Result<Vec<Report>> {
        sqlx::query(select_reports!(
            "WHERE project_id = $1 ORDER BY number DESC"
        ))
        .bind(project.to_string())
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(report_from_row)
        .collect()
    }

    async fn transition_report(
        &self,
        id: ReportId,
        change: &StateChange,
        message: Option<NewMessage>,
        email: Option<NewEmail>,
        audit: NewAuditEvent,
    ) -> Result<Report> {
        let mut tx = self.begin_write().await?;
        // The first end of triage (accepted or closed) and the first fix are kept for the
        // dashboard's response times.
        let triaged = matches!(change.to, State::Accepted | State::Closed);
        let fixed = change.to == State::Fixed;
        let updated = sqlx::query(
            "UPDATE reports SET state = $1, resolution = $2, updated_at = $3, \
             acknowledged_at = CASE WHEN $4 = 1 AND acknowledged_at IS NULL THEN $3 ELSE acknowledged_at END, \
             triaged_at = CASE WHEN $7 = 1 AND triaged_at IS NULL THEN $3 ELSE triaged_at END, \
             fixed_at = CASE WHEN $8 = 1 AND fixed_at IS NULL THEN $3 ELSE fixed_at END \
             WHERE id = $5 AND state = $6",
        )
        .bind(change.to.as_str())
        .bind(change.resolution.map(|r| r.as_str()))
        .bind(micros(change.at))
        .bind(i64::from(change.first_response))
        .bind(id.to_string())
        .bind(change.from.as_str())
        .bind(i64::from(triaged))
        .bind(i64::from(fixed))
        .execute(&mut *tx)
        .await?
        .rows_affected();
        let row = sqlx::query(select_reports!("WHERE id = $1"))
            .bind(id.to_string())
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(StoreError::NotFound)?;
        let report = report_from_row(&row)?;
        if updated != 1 {
            return Err(StoreError::Conflict(format!(
                "report is {}, not {}",
                report.state.as_str(),
                change.from.as_str()
            )));
        }
        sqlx::query("DELETE FROM report_duplicates WHERE report_id = $1")
            .bind(id.to_string())
            .execute(&mut *tx)
            .await?;
        if let Some(original) = change.duplicate_of {
            sqlx::query(
                "INSERT INTO report_duplicates (report_id, original_id, linked_at) VALUES ($1, $2, $3)",
            )
            .bind(id.to_string())
            .bind(original.to_string())
            .bind(micros(change.at))
            .execute(&mut *tx)
            .await?;
        }
        if let Some(m) = &message {
            insert_message(&mut tx, m).await?;
        }
        if let Some(e) = &email {
            insert_email(&mut tx, e).await?;
        }
        crate::webhooks::queue_event(
            &mut tx,
            report.project_id,
            &domain::webhook::Event::report_transitioned(
                &id.to_string(),
                report.number,
                change.from,
                change.to,
                change.resolution.map(|r| r.as_str()),
            ),
            change.at,
        )
        .await?;
        append_audit_tx(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(report)
    }

    async fn duplicate_of(&self, report: ReportId) -> Result<Option<ReportId>> {
        let row = sqlx::query("SELECT original_id FROM report_duplicates WHERE report_id = $1")
            .bind(report.to_string())
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| Ok(ReportId(uuid(&get::<String>(&r, "original_id")?)?)))
            .transpose()
    }

    async fn duplicates_of(&self, original: ReportId) -> Result<Vec<Report>> {
        let rows = sqlx::query(select_reports!(
            "WHERE id IN (SELECT report_id FROM report_duplicates WHERE original_id = $1) \
             ORDER BY number"
        ))
        .bind(original.to_string())
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(report_from_row).collect()
    }

    async fn acknowledge_report(
        &self,
        id: ReportId,
        now: Timestamp,
        by: Option<UserId>,
        message: Option<NewMessage>,
        email: Option<NewEmail>,
    ) -> Result<Report> {
        let change = StateChange {
            from: State::Received,
            to: State::Acknowledged,
            resolution: None,
            first_response: true,
            duplicate_of: None,
            at: now,
        };
        let audit = NewAuditEvent {
            at: now,
            actor: by.map_or_else(
                || domain::audit::SYSTEM_ACTOR.to_owned(),
                domain::audit::user_actor,
            ),
            action: "report.transition".into(),
            subject: domain::audit::report_subject(id),
            data: serde_json::json!({ "from": "received", "to": "acknowledged", "message": message.is_some() }),
        };
        self.transition_report(id, &change, message, email, audit)
            .await
    }

    async fn add_message(&self, message: &NewMessage, email: Option<NewEmail>) -> Result<Message> {
        let mut tx = self.begin_write().await?;
        insert_message(&mut tx, message).await?;
        sqlx::query("UPDATE reports SET updated_at = $1 WHERE id = $2")
            .bind(micros(message.created_at))
            .bind(message.report.to_string())
            .execute(&mut *tx)
            .await?;
        if let Some(e) = &email {
            insert_email(&mut tx, e).await?;
        }
        let (project, number, state) =
            crate::webhooks::report_brief(&mut tx, message.report).await?;
        crate::webhooks::queue_event(
            &mut tx,
            project,
            &domain::webhook::Event::message_created(
                &message.report.to_string(),
                number,
                state,
                &message.id.to_string(),
                message.author_kind.as_str(),
                message.visibility.as_str(),
            ),
            message.created_at,
        )
        .await?;
        let actor = match (message.author_kind, message.author) {
            (_, Some(user)) => domain::audit::user_actor(user),
            (AuthorKind::Reporter, None) => domain::audit::reporter_actor(message.report),
            _ => domain::audit::SYSTEM_ACTOR.to_owned(),
        };
        append_audit_tx(
            &mut tx,
            NewAuditEvent {
                at: message.created_at,
                actor,
                action: "message.create".into(),
                subject: domain::audit::report_subject(message.report),
                // Never the body: the log outlives the embargo.
                data: serde_json::json!({ "message": message.id.to_string(), "visibility": message.visibility.as_str() }),
            },
        )
        .await?;
        let row = sqlx::query(
            "SELECT m.id, m.report_id, m.author_kind, m.author_id, u.name AS author_name, \
             m.visibility, m.body, m.created_at FROM messages m \
             LEFT JOIN users u ON u.id = m.author_id WHERE m.id = $1",
        )
        .bind(message.id.to_string())
        .fetch_one(&mut *tx)
        .await?;
        let stored = message_from_row(&row)?;
        tx.commit().await?;
        Ok(stored)
    }

    async fn messages(&self, report: ReportId, include_internal: bool) -> Result<Vec<Message>> {
        sqlx::query(
            "SELECT m.id, m.report_id, m.author_kind, m.author_id, u.name AS author_name, \
             m.visibility, m.body, m.created_at FROM messages m \
             LEFT JOIN users u ON u.id = m.author_id \
             WHERE m.report_id = $1 AND ($2 OR m.visibility = 'reporter') \
             ORDER BY m.created_at, m.id",
        )
        .bind(report.to_string())
        .bind(include_internal)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(message_from_row)
        .collect()
    }

    async fn add_score(&self, score: &NewScore) -> Result<ScoreRecord> {
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO scores (id, report_id, vector, version, score, severity, rationale, \
             author_kind, author_id, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, 'maintainer', $8, $9)",
        )
        .bind(score.id.to_string())
        .bind(score.report.to_string())
        .bind(&score.vector)
        .bind(&score.version)
        .bind(i64::from(score.score_tenths))
        .bind(&score.severity)
        .bind(&score.rationale)
        .bind(score.author.to_string())
        .bind(micros(score.created_at))
        .execute(&mut *tx)
        .await?;
        sqlx::query("UPDATE reports SET updated_at = $1 WHERE id = $2")
            .bind(micros(score.created_at))
            .bind(score.report.to_string())
            .execute(&mut *tx)
            .await?;
        let (project, number, state) = crate::webhooks::report_brief(&mut tx, score.report).await?;
        crate::webhooks::queue_event(
            &mut tx,
            project,
            &domain::webhook::Event::score_added(
                &score.report.to_string(),
                number,
                state,
                &score.id.to_string(),
            ),
            score.created_at,
        )
        .await?;
        append_audit_tx(
            &mut tx,
            NewAuditEvent {
                at: score.created_at,
                actor: domain::audit::user_actor(score.author),
                action: "score.create".into(),
                subject: domain::audit::report_subject(score.report),
                // The vector and its score, never the rationale (free text).
                data: serde_json::json!({
                    "score_id": score.id.to_string(),
                    "vector": score.vector,
                    "version": score.version,
                    "score": crate::score_text(score.score_tenths),
                    "severity": score.severity,
                }),
            },
        )
        .await?;
        let row = sqlx::query(select_scores!("WHERE s.id = $1"))
            .bind(score.id.to_string())
            .fetch_one(&mut *tx)
            .await?;
        let stored = score_from_row(&row)?;
        tx.commit().await?;
        Ok(stored)
    }

    async fn scores(&self, report: ReportId) -> Result<Vec<ScoreRecord>> {
        sqlx::query(select_scores!(
            "WHERE s.report_id = $1 ORDER BY s.created_at, s.id"
        ))
        .bind(report.to_string())
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(score_from_row)
        .collect()
    }

    async fn project_scores(&self, project: ProjectId) -> Result<Vec<ScoreRecord>> {
        sqlx::query(select_scores!(
            "JOIN reports r ON r.id = s.report_id WHERE r.project_id = $1 \
             ORDER BY s.created_at, s.id"
        ))
        .bind(project.to_string())
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(score_from_row)
        .collect()
    }

    async fn extend_sla(
        &self,
        extension: &crate::NewExtension,
        audit: NewAuditEvent,
    ) -> Result<Report> {
        self.extend_sla_impl(extension, audit).await
    }

    async fn sla_extensions(&self, report: ReportId) -> Result<Vec<crate::ExtensionRecord>> {
        self.sla_extensions_impl(report).await
    }

    async fn reminder_candidates(
        &self,
        project: ProjectId,
        horizon: Timestamp,
        limit: i64,
    ) -> Result<Vec<Report>> {
        self.reminder_candidates_impl(project, horizon, limit).await
    }

    async fn sent_reminders(&self, report: ReportId) -> Result<Vec<domain::calendar::ReminderKey>> {
        self.sent_reminders_impl(report).await
    }

    async fn record_reminder(
        &self,
        report: ReportId,
        key: &domain::calendar::ReminderKey,
        now: Timestamp,
        emails: &[NewEmail],
    ) -> Result<bool> {
        self.record_reminder_impl(report, key, now, emails).await
    }

    async fn queue_emails(&self, emails: &[NewEmail]) -> Result<()> {
        self.queue_emails_impl(emails).await
    }

    async fn invite_collaborator(
        &self,
        new: &crate::NewCollaborator,
        email: &NewEmail,
    ) -> Result<crate::Collaborator> {
        collaborators::invite(self, new, email).await
    }

    async fn collaborator_by_token(&self, token_hash: &str) -> Result<Option<crate::Collaborator>> {
        collaborators::by_token(self, token_hash).await
    }

    async fn accept_collaborator(
        &self,
        token_hash: &str,
        user: UserId,
        now: Timestamp,
    ) -> Result<crate::Collaborator> {
        collaborators::accept(self, token_hash, user, now).await
    }

    async fn collaborators(&self, report: ReportId) -> Result<Vec<crate::Collaborator>> {
        collaborators::of_report(self, report).await
    }

    async fn revoke_collaborator(
        &self,
        report: ReportId,
        id: Uuid,
        by: UserId,
        now: Timestamp,
    ) -> Result<crate::Collaborator> {
        collaborators::revoke(self, report, id, by, now).await
    }

    async fn is_collaborator(
        &self,
        report: ReportId,
        user: UserId,
        now: Timestamp,
    ) -> Result<bool> {
        collaborators::is_collaborator(self, report, user, now).await
    }

    async fn collaborations(
        &self,
        user: UserId,
        now: Timestamp,
    ) -> Result<Vec<crate::Collaboration>> {
        collaborators::collaborations(self, user, now).await
    }

    async fn report_times(
        &self,
        project: ProjectId,
    ) -> Result<Vec<(State, domain::stats::ReportTimes)>> {
        crate::webhooks::report_times(&self.pool, project).await
    }
}

mod sla;
