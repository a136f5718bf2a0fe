//! The SQL implementation of the transitional [`Store`] trait, shared by SQLite and
//! PostgreSQL. Its methods move into the repositories (`crate::reports`, …) one aggregate at
//! a time; what is left here delegates or still runs its own transaction.
//!
//! Queries are runtime strings with `$n` placeholders, which both databases accept, bound
//! through sqlx's `Any` driver. Values are kept to types both databases store alike: ids as
//! UUID text, timestamps as `BIGINT` microseconds since the Unix epoch (UTC), JSON as text.

use crate::{
    AdvisoryRecord, AuthorKind, AutoSubmitted, Disposition, Email, EmailStatus, InboundMessage,
    InboundSignature, InsertOutcome, InsertReport, KeySource, Message, NewEmail, NewInbound,
    NewJob, NewMessage, NewScore, NewUser, PolicyVersion, ReplyToken, ReporterKey, Result,
    ScoreRecord, SignatureStatus, SigningKeyRecord, StateChange, Store, StoreError, ThreadEntry,
    Visibility, WatchClaim, WatchResult, WatchStatus,
};
use async_trait::async_trait;
use domain::{
    EmailAddress, ProjectId, ProjectSlug, ReportId, UserId,
    account::{ProjectRole, User},
    audit::{AuditEvent, NewAuditEvent},
    policy::Policy,
    project::Project,
    report::{CreditMode, Report, Resolution, Sla, Source, State},
};
use jiff::Timestamp;
use sqlx::{AnyConnection, AnyPool, Row, any::AnyRow};
use uuid::Uuid;

use crate::db::{Db, Dialect};
pub(crate) use crate::rows::{get, micros, opt_ts, ts, uuid};

mod collaborators;

mod mail_filters;

/// The transitional trait implementation over a [`Db`]: repositories replace its methods.
#[derive(Debug, Clone)]
pub struct SqlStore {
    db: Db,
    pool: AnyPool,
    writer: AnyPool,
    dialect: Dialect,
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
            dialect: db.dialect(),
            db,
        }
    }
}

// Row mapping -----------------------------------------------------------------------------

fn user_from_row(row: &AnyRow) -> Result<User> {
    let email: String = get(row, "email")?;
    Ok(User {
        id: UserId(uuid(&get::<String>(row, "id")?)?),
        email: EmailAddress::parse("email", &email)
            .map_err(|e| StoreError::Corrupt(e.to_string()))?,
        name: get(row, "name")?,
        is_admin: get::<i64>(row, "is_admin")? != 0,
    })
}

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

fn reporter_key_from_row(row: &AnyRow) -> Result<ReporterKey> {
    let source: String = get(row, "source")?;
    Ok(ReporterKey {
        id: uuid(&get::<String>(row, "id")?)?,
        project: ProjectId(uuid(&get::<String>(row, "project_id")?)?),
        report: ReportId(uuid(&get::<String>(row, "report_id")?)?),
        address: get(row, "address")?,
        fingerprint: get(row, "fingerprint")?,
        armored: get(row, "armored")?,
        source: KeySource::parse(&source)
            .ok_or_else(|| StoreError::Corrupt(format!("key source {source:?}")))?,
        created_at: ts(get(row, "created_at")?)?,
    })
}

/// `SELECT` of reporter keys with a `WHERE`/`ORDER` tail.
macro_rules! select_reporter_keys {
    ($tail:literal) => {
        concat!(
            "SELECT id, project_id, report_id, address, fingerprint, armored, source, created_at \
             FROM reporter_keys ",
            $tail
        )
    };
}

fn role_from_row(row: &AnyRow) -> Result<ProjectRole> {
    let role: String = get(row, "role")?;
    ProjectRole::parse(&role).ok_or_else(|| StoreError::Corrupt(format!("role {role:?}")))
}

fn project_from_row(row: &AnyRow) -> Result<Project> {
    let slug: String = get(row, "slug")?;
    let policy: String = get(row, "policy")?;
    Ok(Project {
        id: ProjectId(uuid(&get::<String>(row, "id")?)?),
        slug: ProjectSlug::parse(&slug).map_err(|e| StoreError::Corrupt(e.to_string()))?,
        name: get(row, "name")?,
        policy: serde_json::from_str(&policy)
            .map_err(|e| StoreError::Corrupt(format!("policy: {e}")))?,
        policy_version: get(row, "policy_version")?,
        created_at: ts(get(row, "created_at")?)?,
    })
}

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

/// `SELECT <every project column> FROM projects p <tail>`, as one static string.
macro_rules! select_projects {
    ($tail:literal) => {
        concat!(
            "SELECT p.id, p.slug, p.name, p.policy, p.policy_version, p.created_at FROM projects p ",
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

fn email_from_row(row: &AnyRow) -> Result<Email> {
    let status: String = get(row, "status")?;
    let report: Option<String> = get(row, "report_id")?;
    Ok(Email {
        id: uuid(&get::<String>(row, "id")?)?,
        to: get(row, "to_addr")?,
        subject: get(row, "subject")?,
        body_text: get(row, "body_text")?,
        report_id: report.as_deref().map(uuid).transpose()?.map(ReportId),
        status: match status.as_str() {
            "queued" => EmailStatus::Queued,
            "sent" => EmailStatus::Sent,
            "failed" => EmailStatus::Failed,
            other => return Err(StoreError::Corrupt(format!("email status {other:?}"))),
        },
        attempts: get(row, "attempts")?,
        last_error: get(row, "last_error")?,
        created_at: ts(get(row, "created_at")?)?,
        sent_at: opt_ts(get(row, "sent_at")?)?,
        auto_submitted: get::<Option<String>>(row, "auto_submitted")?
            .map(|a| {
                AutoSubmitted::parse(&a)
                    .ok_or_else(|| StoreError::Corrupt(format!("auto_submitted {a:?}")))
            })
            .transpose()?,
    })
}

// Writes shared by several methods ----------------------------------------------------------

pub(crate) async fn insert_email(conn: &mut AnyConnection, email: &NewEmail) -> Result<()> {
    crate::outbox::queue(conn, email).await
}

/// Stores a reporter's key; `false` when the report has it already.
async fn insert_reporter_key(conn: &mut AnyConnection, key: &ReporterKey) -> Result<bool> {
    let n = sqlx::query(
        "INSERT INTO reporter_keys (id, project_id, report_id, address, fingerprint, armored, \
         source, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
         ON CONFLICT (report_id, fingerprint) DO NOTHING",
    )
    .bind(key.id.to_string())
    .bind(key.project.to_string())
    .bind(key.report.to_string())
    .bind(key.address.as_deref())
    .bind(&key.fingerprint)
    .bind(&key.armored)
    .bind(key.source.as_str())
    .bind(micros(key.created_at))
    .execute(&mut *conn)
    .await?
    .rows_affected();
    Ok(n == 1)
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

async fn insert_policy_version(
    conn: &mut AnyConnection,
    project: ProjectId,
    version: i64,
    policy: &str,
    by: Option<UserId>,
    at: Timestamp,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO policy_versions (project_id, version, policy, changed_by, changed_at) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(project.to_string())
    .bind(version)
    .bind(policy)
    .bind(by.map(|u| u.to_string()))
    .bind(micros(at))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

fn policy_json(policy: &Policy) -> Result<String> {
    serde_json::to_string(policy).map_err(|e| StoreError::Corrupt(format!("policy: {e}")))
}

// Advisories --------------------------------------------------------------------------------

/// `SELECT <every advisory column> FROM advisories a <tail>`, as one static string.
macro_rules! select_advisories {
    ($tail:literal) => {
        concat!(
            "SELECT a.id, a.project_id, a.report_id, a.record, a.version, a.scheduled_at, \
             a.scheduled_by, a.cve_submitted_at, a.created_at FROM advisories a ",
            $tail
        )
    };
}

fn advisory_from_row(row: &AnyRow) -> Result<AdvisoryRecord> {
    let record: String = get(row, "record")?;
    let report: Option<String> = get(row, "report_id")?;
    let by: Option<String> = get(row, "scheduled_by")?;
    Ok(AdvisoryRecord {
        project_id: ProjectId(uuid(&get::<String>(row, "project_id")?)?),
        report_id: report.as_deref().map(uuid).transpose()?.map(ReportId),
        advisory: serde_json::from_str(&record)
            .map_err(|e| StoreError::Corrupt(format!("advisory record: {e}")))?,
        version: get(row, "version")?,
        scheduled_at: opt_ts(get(row, "scheduled_at")?)?,
        scheduled_by: by.as_deref().map(uuid).transpose()?.map(UserId),
        cve_submitted_at: opt_ts(get(row, "cve_submitted_at")?)?,
        created_at: ts(get(row, "created_at")?)?,
    })
}

fn advisory_status(a: &advisory::Advisory) -> &'static str {
    match a.status {
        advisory::Status::Draft => "draft",
        advisory::Status::Published => "published",
        advisory::Status::Withdrawn => "withdrawn",
    }
}

/// Rewrites the (ecosystem, name) rows of an advisory for the query route.
async fn replace_advisory_packages(conn: &mut AnyConnection, a: &advisory::Advisory) -> Result<()> {
    sqlx::query("DELETE FROM advisory_packages WHERE advisory_id = $1")
        .bind(&a.id)
        .execute(&mut *conn)
        .await?;
    let mut seen = std::collections::BTreeSet::new();
    for af in &a.affected {
        let key = (
            af.package.ecosystem.clone().unwrap_or_default(),
            af.package.name.clone(),
        );
        if key.1.is_empty() || !seen.insert(key.clone()) {
            continue;
        }
        sqlx::query(
            "INSERT INTO advisory_packages (advisory_id, ecosystem, name) VALUES ($1, $2, $3)",
        )
        .bind(&a.id)
        .bind(&key.0)
        .bind(&key.1)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

fn advisory_json(a: &advisory::Advisory) -> Result<String> {
    serde_json::to_string(a).map_err(|e| StoreError::Corrupt(format!("advisory: {e}")))
}

#[async_trait]
impl Store for SqlStore {
    fn dialect(&self) -> Dialect {
        self.dialect
    }

    async fn migrate(&self) -> Result<()> {
        self.dialect.migrator().run(&self.pool).await?;
        Ok(())
    }

    async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    async fn close(&self) {
        self.writer.close().await;
        self.pool.close().await;
    }

    async fn create_user(&self, user: &NewUser) -> Result<User> {
        sqlx::query(
            "INSERT INTO users (id, email, email_norm, name, password_hash, is_admin, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(user.id.to_string())
        .bind(user.email.as_str())
        .bind(user.email.normalized())
        .bind(&user.name)
        .bind(user.password_hash.as_deref())
        .bind(i64::from(user.is_admin))
        .bind(micros(user.created_at))
        .execute(&self.writer)
        .await
        .map_err(|e| StoreError::unique(e, "a user with this e-mail address exists"))?;
        Ok(User {
            id: user.id,
            email: user.email.clone(),
            name: user.name.clone(),
            is_admin: user.is_admin,
        })
    }

    async fn user_by_id(&self, id: UserId) -> Result<Option<User>> {
        sqlx::query("SELECT u.id, u.email, u.name, u.is_admin FROM users u WHERE u.id = $1")
            .bind(id.to_string())
            .fetch_optional(&self.pool)
            .await?
            .as_ref()
            .map(user_from_row)
            .transpose()
    }

    async fn user_credentials(&self, email: &str) -> Result<Option<(User, Option<String>)>> {
        let row = sqlx::query(
            "SELECT u.id, u.email, u.name, u.is_admin, u.password_hash FROM users u \
             WHERE u.email_norm = $1",
        )
        .bind(email.trim().to_lowercase())
        .fetch_optional(&self.pool)
        .await?;
        match row {
            None => Ok(None),
            Some(row) => Ok(Some((user_from_row(&row)?, get(&row, "password_hash")?))),
        }
    }

    async fn first_admin_email(&self) -> Result<Option<String>> {
        Ok(sqlx::query_scalar(
            "SELECT email FROM users WHERE is_admin = 1 ORDER BY created_at, id LIMIT 1",
        )
        .fetch_optional(&self.pool)
        .await?)
    }

    async fn any_admin(&self) -> Result<bool> {
        let n: i64 = sqlx::query("SELECT COUNT(*) AS n FROM users WHERE is_admin = 1")
            .fetch_one(&self.pool)
            .await?
            .try_get("n")?;
        Ok(n > 0)
    }

    async fn create_session(
        &self,
        token_hash: &str,
        user: UserId,
        now: Timestamp,
        expires: Timestamp,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(token_hash)
        .bind(user.to_string())
        .bind(micros(now))
        .bind(micros(expires))
        .execute(&self.writer)
        .await?;
        Ok(())
    }

    async fn session_user(&self, token_hash: &str, now: Timestamp) -> Result<Option<User>> {
        sqlx::query(
            "SELECT u.id, u.email, u.name, u.is_admin FROM sessions s \
             JOIN users u ON u.id = s.user_id WHERE s.token_hash = $1 AND s.expires_at > $2",
        )
        .bind(token_hash)
        .bind(micros(now))
        .fetch_optional(&self.pool)
        .await?
        .as_ref()
        .map(user_from_row)
        .transpose()
    }

    async fn delete_session(&self, token_hash: &str) -> Result<()> {
        sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
            .bind(token_hash)
            .execute(&self.writer)
            .await?;
        Ok(())
    }

    async fn create_api_token(
        &self,
        user: UserId,
        token_hash: &str,
        name: &str,
        now: Timestamp,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO api_tokens (id, token_hash, user_id, name, created_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(Uuid::now_v7().to_string())
        .bind(token_hash)
        .bind(user.to_string())
        .bind(name)
        .bind(micros(now))
        .execute(&self.writer)
        .await?;
        Ok(())
    }

    async fn api_token_user(&self, token_hash: &str) -> Result<Option<User>> {
        sqlx::query(
            "SELECT u.id, u.email, u.name, u.is_admin FROM api_tokens t \
             JOIN users u ON u.id = t.user_id WHERE t.token_hash = $1",
        )
        .bind(token_hash)
        .fetch_optional(&self.pool)
        .await?
        .as_ref()
        .map(user_from_row)
        .transpose()
    }

    async fn create_project(&self, project: &Project, created_by: Option<UserId>) -> Result<()> {
        let policy = policy_json(&project.policy)?;
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO projects (id, slug, name, policy, policy_version, next_report_number, created_at) \
             VALUES ($1, $2, $3, $4, $5, 1, $6)",
        )
        .bind(project.id.to_string())
        .bind(project.slug.as_str())
        .bind(&project.name)
        .bind(&policy)
        .bind(project.policy_version)
        .bind(micros(project.created_at))
        .execute(&mut *tx)
        .await
        .map_err(|e| StoreError::unique(e, "a project with this slug exists"))?;
        insert_policy_version(
            &mut tx,
            project.id,
            project.policy_version,
            &policy,
            created_by,
            project.created_at,
        )
        .await?;
        sync_watch(
            &mut tx,
            project.id,
            project.policy.security_txt_url.as_deref(),
            project.created_at,
        )
        .await?;
        if let Some(user) = created_by {
            sqlx::query(
                "INSERT INTO project_members (project_id, user_id, role) VALUES ($1, $2, 'maintainer')",
            )
            .bind(project.id.to_string())
            .bind(user.to_string())
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn append_audit(&self, event: NewAuditEvent) -> Result<AuditEvent> {
        let mut tx = self.db.begin().await?;
        let event = crate::audit::append(&mut tx, event).await?;
        tx.commit().await?;
        Ok(event)
    }

    async fn audit_events(&self, after_seq: i64, limit: i64) -> Result<Vec<AuditEvent>> {
        crate::audit::events(&mut *self.db.read().await?, after_seq, limit).await
    }

    async fn signing_key(&self, project: ProjectId) -> Result<Option<SigningKeyRecord>> {
        let row = sqlx::query(
            "SELECT fingerprint, secret_armored, public_armored, created_at \
             FROM project_signing_keys WHERE project_id = $1",
        )
        .bind(project.to_string())
        .fetch_optional(&self.pool)
        .await?;
        row.map(|row| {
            Ok(SigningKeyRecord {
                fingerprint: get(&row, "fingerprint")?,
                secret_armored: get(&row, "secret_armored")?,
                public_armored: get(&row, "public_armored")?,
                created_at: ts(get(&row, "created_at")?)?,
            })
        })
        .transpose()
    }

    async fn insert_signing_key(
        &self,
        project: ProjectId,
        key: &SigningKeyRecord,
    ) -> Result<SigningKeyRecord> {
        // Two servers may race to create the key: the first insert wins, both use it.
        sqlx::query(
            "INSERT INTO project_signing_keys (project_id, fingerprint, secret_armored, public_armored, created_at) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (project_id) DO NOTHING",
        )
        .bind(project.to_string())
        .bind(&key.fingerprint)
        .bind(&key.secret_armored)
        .bind(&key.public_armored)
        .bind(micros(key.created_at))
        .execute(&self.writer)
        .await?;
        self.signing_key(project).await?.ok_or(StoreError::NotFound)
    }

    async fn project_by_slug(&self, slug: &ProjectSlug) -> Result<Option<Project>> {
        sqlx::query(select_projects!("WHERE p.slug = $1"))
            .bind(slug.as_str())
            .fetch_optional(&self.pool)
            .await?
            .as_ref()
            .map(project_from_row)
            .transpose()
    }

    async fn project_by_id(&self, id: ProjectId) -> Result<Option<Project>> {
        sqlx::query(select_projects!("WHERE p.id = $1"))
            .bind(id.to_string())
            .fetch_optional(&self.pool)
            .await?
            .as_ref()
            .map(project_from_row)
            .transpose()
    }

    async fn list_projects(&self) -> Result<Vec<Project>> {
        sqlx::query(select_projects!("ORDER BY p.created_at, p.slug"))
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(project_from_row)
            .collect()
    }

    async fn update_policy(
        &self,
        project: ProjectId,
        expected_version: i64,
        policy: &Policy,
        by: Option<UserId>,
        now: Timestamp,
    ) -> Result<Project> {
        let json = policy_json(policy)?;
        let mut tx = self.begin_write().await?;
        // A changed policy changes what the triage says: its open reports are triaged again.
        let before: Option<String> = sqlx::query("SELECT policy FROM projects WHERE id = $1")
            .bind(project.to_string())
            .fetch_optional(&mut *tx)
            .await?
            .map(|r| r.try_get::<String, _>("policy"))
            .transpose()?;
        let changed = before
            .as_deref()
            .and_then(|b| serde_json::from_str::<serde_json::Value>(b).ok())
            != serde_json::from_str::<serde_json::Value>(&json).ok();
        let updated = sqlx::query(
            "UPDATE projects SET policy = $1, policy_version = policy_version + 1 \
             WHERE id = $2 AND policy_version = $3",
        )
        .bind(&json)
        .bind(project.to_string())
        .bind(expected_version)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if updated != 1 {
            return Err(StoreError::Conflict(
                "the policy was changed by someone else; reload and edit again".into(),
            ));
        }
        insert_policy_version(&mut tx, project, expected_version + 1, &json, by, now).await?;
        sync_watch(&mut tx, project, policy.security_txt_url.as_deref(), now).await?;
        let retriage = if changed {
            crate::triage::requeue_open(&mut tx, project, now).await?
        } else {
            0
        };
        append_audit_tx(
            &mut tx,
            NewAuditEvent {
                at: now,
                actor: by.map_or_else(
                    || domain::audit::SYSTEM_ACTOR.to_owned(),
                    domain::audit::user_actor,
                ),
                action: "policy.update".into(),
                subject: format!("project:{project}"),
                data: serde_json::json!({ "version": expected_version + 1, "retriage": retriage }),
            },
        )
        .await?;
        let row = sqlx::query(select_projects!("WHERE p.id = $1"))
            .bind(project.to_string())
            .fetch_one(&mut *tx)
            .await?;
        let project = project_from_row(&row)?;
        tx.commit().await?;
        Ok(project)
    }

    async fn policy_history(&self, project: ProjectId) -> Result<Vec<PolicyVersion>> {
        sqlx::query(
            "SELECT version, policy, changed_by, changed_at FROM policy_versions \
             WHERE project_id = $1 ORDER BY version DESC",
        )
        .bind(project.to_string())
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|row| {
            let policy: String = get(row, "policy")?;
            let by: Option<String> = get(row, "changed_by")?;
            Ok(PolicyVersion {
                version: get(row, "version")?,
                policy: serde_json::from_str(&policy)
                    .map_err(|e| StoreError::Corrupt(format!("policy: {e}")))?,
                changed_by: by.as_deref().map(uuid).transpose()?.map(UserId),
                changed_at: ts(get(row, "changed_at")?)?,
            })
        })
        .collect()
    }

    async fn set_member(&self, project: ProjectId, user: UserId, role: ProjectRole) -> Result<()> {
        sqlx::query(
            "INSERT INTO project_members (project_id, user_id, role) VALUES ($1, $2, $3) \
             ON CONFLICT (project_id, user_id) DO UPDATE SET role = excluded.role",
        )
        .bind(project.to_string())
        .bind(user.to_string())
        .bind(role.as_str())
        .execute(&self.writer)
        .await?;
        Ok(())
    }

    async fn change_member(
        &self,
        project: ProjectId,
        user: UserId,
        role: Option<ProjectRole>,
        audit: NewAuditEvent,
    ) -> Result<Option<ProjectRole>> {
        let mut tx = self.begin_write().await?;
        let before =
            sqlx::query("SELECT role FROM project_members WHERE project_id = $1 AND user_id = $2")
                .bind(project.to_string())
                .bind(user.to_string())
                .fetch_optional(&mut *tx)
                .await?
                .map(|row| role_from_row(&row))
                .transpose()?;
        match role {
            Some(role) => {
                sqlx::query(
                    "INSERT INTO project_members (project_id, user_id, role) VALUES ($1, $2, $3) \
                     ON CONFLICT (project_id, user_id) DO UPDATE SET role = excluded.role",
                )
                .bind(project.to_string())
                .bind(user.to_string())
                .bind(role.as_str())
                .execute(&mut *tx)
                .await?;
            }
            None => {
                sqlx::query("DELETE FROM project_members WHERE project_id = $1 AND user_id = $2")
                    .bind(project.to_string())
                    .bind(user.to_string())
                    .execute(&mut *tx)
                    .await?;
            }
        }
        append_audit_tx(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(before)
    }

    async fn member_role(&self, project: ProjectId, user: UserId) -> Result<Option<ProjectRole>> {
        sqlx::query("SELECT role FROM project_members WHERE project_id = $1 AND user_id = $2")
            .bind(project.to_string())
            .bind(user.to_string())
            .fetch_optional(&self.pool)
            .await?
            .as_ref()
            .map(role_from_row)
            .transpose()
    }

    async fn projects_of(&self, user: UserId) -> Result<Vec<(Project, ProjectRole)>> {
        sqlx::query(
            "SELECT p.id, p.slug, p.name, p.policy, p.policy_version, p.created_at, m.role \
             FROM project_members m JOIN projects p ON p.id = m.project_id \
             WHERE m.user_id = $1 ORDER BY p.slug",
        )
        .bind(user.to_string())
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|row| Ok((project_from_row(row)?, role_from_row(row)?)))
        .collect()
    }

    async fn project_members(&self, project: ProjectId) -> Result<Vec<(User, ProjectRole)>> {
        sqlx::query(
            "SELECT u.id, u.email, u.name, u.is_admin, m.role \
             FROM project_members m JOIN users u ON u.id = m.user_id \
             WHERE m.project_id = $1 ORDER BY u.email_norm",
        )
        .bind(project.to_string())
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|row| Ok((user_from_row(row)?, role_from_row(row)?)))
        .collect()
    }

    async fn claim_watch(&self, now: Timestamp, retry_at: Timestamp) -> Result<Option<WatchClaim>> {
        let row = sqlx::query(self.dialect.claim_watch_sql())
            .bind(micros(retry_at))
            .bind(micros(now))
            .fetch_optional(&self.writer)
            .await?;
        row.map(|row| {
            Ok(WatchClaim {
                project: ProjectId(uuid(&get::<String>(&row, "project_id")?)?),
                url: get(&row, "url")?,
                state: get(&row, "state")?,
            })
        })
        .transpose()
    }

    async fn record_watch(
        &self,
        claim: &WatchClaim,
        result: &WatchResult,
        emails: &[NewEmail],
    ) -> Result<bool> {
        let mut tx = self.begin_write().await?;
        let updated = sqlx::query(
            "UPDATE securitytxt_watches SET next_check_at = $1, last_checked_at = $2, \
             last_valid = $3, last_summary = $4, state = $5 WHERE project_id = $6 AND url = $7",
        )
        .bind(micros(result.next_check_at))
        .bind(micros(result.checked_at))
        .bind(i64::from(result.valid))
        .bind(&result.summary)
        .bind(&result.state)
        .bind(claim.project.to_string())
        .bind(&claim.url)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if updated != 1 {
            tx.rollback().await?;
            return Ok(false);
        }
        for email in emails {
            insert_email(&mut tx, email).await?;
        }
        tx.commit().await?;
        Ok(true)
    }

    async fn watch_status(&self, project: ProjectId) -> Result<Option<WatchStatus>> {
        let row = sqlx::query(
            "SELECT url, next_check_at, last_checked_at, last_valid, last_summary \
             FROM securitytxt_watches WHERE project_id = $1",
        )
        .bind(project.to_string())
        .fetch_optional(&self.pool)
        .await?;
        row.map(|row| {
            Ok(WatchStatus {
                url: get(&row, "url")?,
                next_check_at: ts(get(&row, "next_check_at")?)?,
                last_checked_at: opt_ts(get(&row, "last_checked_at")?)?,
                last_valid: get::<Option<i64>>(&row, "last_valid")?.map(|v| v != 0),
                last_summary: get(&row, "last_summary")?,
            })
        })
        .transpose()
    }

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

    async fn notification_prefs(
        &self,
        user: UserId,
        project: ProjectId,
    ) -> Result<domain::notify::NotificationPrefs> {
        self.notification_prefs_impl(user, project).await
    }

    async fn set_notification_prefs(
        &self,
        user: UserId,
        project: ProjectId,
        prefs: &domain::notify::NotificationPrefs,
        now: Timestamp,
    ) -> Result<()> {
        self.set_notification_prefs_impl(user, project, prefs, now)
            .await
    }

    async fn members_with_prefs(
        &self,
        project: ProjectId,
    ) -> Result<Vec<(User, ProjectRole, domain::notify::NotificationPrefs)>> {
        self.members_with_prefs_impl(project).await
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

    async fn insert_advisory(
        &self,
        record: &AdvisoryRecord,
        audit: NewAuditEvent,
    ) -> Result<AdvisoryRecord> {
        let a = &record.advisory;
        let json = advisory_json(a)?;
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO advisories (id, project_id, report_id, status, record, version, \
             published_at, modified, scheduled_at, scheduled_by, cve_submitted_at, created_at) \
             VALUES ($1, $2, $3, $4, $5, 1, $6, $7, $8, $9, $10, $11)",
        )
        .bind(&a.id)
        .bind(record.project_id.to_string())
        .bind(record.report_id.map(|r| r.to_string()))
        .bind(advisory_status(a))
        .bind(&json)
        .bind(a.published.map(micros))
        .bind(micros(a.modified))
        .bind(record.scheduled_at.map(micros))
        .bind(record.scheduled_by.map(|u| u.to_string()))
        .bind(record.cve_submitted_at.map(micros))
        .bind(micros(record.created_at))
        .execute(&mut *tx)
        .await
        .map_err(|e| StoreError::unique(e, "an advisory with this id exists"))?;
        replace_advisory_packages(&mut tx, a).await?;
        append_audit_tx(&mut tx, audit).await?;
        let row = sqlx::query(select_advisories!("WHERE a.id = $1"))
            .bind(&a.id)
            .fetch_one(&mut *tx)
            .await?;
        let stored = advisory_from_row(&row)?;
        tx.commit().await?;
        Ok(stored)
    }

    async fn update_advisory(
        &self,
        record: &AdvisoryRecord,
        expected_version: i64,
        audit: NewAuditEvent,
        job: Option<NewJob>,
    ) -> Result<AdvisoryRecord> {
        let a = &record.advisory;
        let json = advisory_json(a)?;
        let mut tx = self.begin_write().await?;
        let was: Option<String> =
            sqlx::query_scalar("SELECT status FROM advisories WHERE id = $1 AND project_id = $2")
                .bind(&a.id)
                .bind(record.project_id.to_string())
                .fetch_optional(&mut *tx)
                .await?;
        let updated = sqlx::query(
            "UPDATE advisories SET report_id = $1, status = $2, record = $3, \
             version = version + 1, published_at = $4, modified = $5, scheduled_at = $6, \
             scheduled_by = $7, cve_submitted_at = $8 \
             WHERE id = $9 AND project_id = $10 AND version = $11",
        )
        .bind(record.report_id.map(|r| r.to_string()))
        .bind(advisory_status(a))
        .bind(&json)
        .bind(a.published.map(micros))
        .bind(micros(a.modified))
        .bind(record.scheduled_at.map(micros))
        .bind(record.scheduled_by.map(|u| u.to_string()))
        .bind(record.cve_submitted_at.map(micros))
        .bind(&a.id)
        .bind(record.project_id.to_string())
        .bind(expected_version)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if updated != 1 {
            let exists =
                sqlx::query("SELECT version FROM advisories WHERE id = $1 AND project_id = $2")
                    .bind(&a.id)
                    .bind(record.project_id.to_string())
                    .fetch_optional(&mut *tx)
                    .await?;
            return Err(match exists {
                None => StoreError::NotFound,
                Some(_) => StoreError::Conflict(
                    "the advisory was changed by someone else; reload and edit again".into(),
                ),
            });
        }
        replace_advisory_packages(&mut tx, a).await?;
        if let Some(job) = &job {
            insert_job(&mut tx, job).await?;
        }
        if advisory_status(a) == "published" && was.as_deref() != Some("published") {
            crate::webhooks::queue_event(
                &mut tx,
                record.project_id,
                &domain::webhook::Event::advisory_published(
                    &a.id,
                    record.report_id.map(|r| r.to_string()).as_deref(),
                ),
                a.modified,
            )
            .await?;
        }
        append_audit_tx(&mut tx, audit).await?;
        let row = sqlx::query(select_advisories!("WHERE a.id = $1"))
            .bind(&a.id)
            .fetch_one(&mut *tx)
            .await?;
        let stored = advisory_from_row(&row)?;
        tx.commit().await?;
        Ok(stored)
    }

    async fn advisory_by_id(&self, id: &str) -> Result<Option<AdvisoryRecord>> {
        sqlx::query(select_advisories!("WHERE a.id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .as_ref()
            .map(advisory_from_row)
            .transpose()
    }

    async fn list_advisories(
        &self,
        project: ProjectId,
        public_only: bool,
    ) -> Result<Vec<AdvisoryRecord>> {
        sqlx::query(select_advisories!(
            "WHERE a.project_id = $1 AND ($2 = 0 OR a.status <> 'draft') \
             ORDER BY a.modified DESC, a.id"
        ))
        .bind(project.to_string())
        .bind(i64::from(public_only))
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(advisory_from_row)
        .collect()
    }

    async fn public_advisories(&self) -> Result<Vec<AdvisoryRecord>> {
        sqlx::query(select_advisories!(
            "WHERE a.status <> 'draft' ORDER BY a.modified DESC, a.id"
        ))
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(advisory_from_row)
        .collect()
    }

    async fn published_advisories_for_package(
        &self,
        ecosystem: Option<&str>,
        name: &str,
    ) -> Result<Vec<AdvisoryRecord>> {
        sqlx::query(select_advisories!(
            "WHERE a.status = 'published' AND a.id IN (SELECT p.advisory_id FROM advisory_packages p \
             WHERE p.name = $1 AND ($2 = 0 OR p.ecosystem = $3)) ORDER BY a.modified DESC, a.id"
        ))
        .bind(name)
        .bind(i64::from(ecosystem.is_some()))
        .bind(ecosystem.unwrap_or_default())
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(advisory_from_row)
        .collect()
    }

    async fn insert_inbound(&self, message: &NewInbound) -> Result<()> {
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
        .execute(&self.writer)
        .await?;
        Ok(())
    }

    async fn settle_inbound(
        &self,
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
        .execute(&self.writer)
        .await?
        .rows_affected();
        if n == 1 {
            Ok(())
        } else {
            Err(StoreError::NotFound)
        }
    }

    async fn inbound_messages(
        &self,
        project: ProjectId,
        limit: i64,
    ) -> Result<Vec<InboundMessage>> {
        sqlx::query(select_inbound!(
            "WHERE project_id = $1 ORDER BY received_at DESC, id DESC LIMIT $2"
        ))
        .bind(project.to_string())
        .bind(limit)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(inbound_from_row)
        .collect()
    }

    async fn inbound_message(&self, id: Uuid) -> Result<Option<InboundMessage>> {
        sqlx::query(select_inbound!("WHERE id = $1"))
            .bind(id.to_string())
            .fetch_optional(&self.pool)
            .await?
            .as_ref()
            .map(inbound_from_row)
            .transpose()
    }

    async fn inbound_raw(&self, id: Uuid) -> Result<Option<Vec<u8>>> {
        Ok(
            sqlx::query_scalar("SELECT raw FROM inbound_messages WHERE id = $1")
                .bind(id.to_string())
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    async fn report_of_inbound(
        &self,
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
            .fetch_optional(&self.pool)
            .await?;
            if let Some(id) = found {
                return Ok(Some(ReportId(uuid(&id)?)));
            }
        }
        Ok(None)
    }

    async fn report_inbound(&self, report: ReportId) -> Result<Vec<InboundMessage>> {
        sqlx::query(select_inbound!(
            "WHERE report_id = $1 ORDER BY received_at, id"
        ))
        .bind(report.to_string())
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(inbound_from_row)
        .collect()
    }

    async fn set_inbound_signature(&self, id: Uuid, signature: &InboundSignature) -> Result<()> {
        let n = sqlx::query(
            "UPDATE inbound_messages SET signature_status = $1, signature_key = $2, \
             signature_note = $3 WHERE id = $4",
        )
        .bind(signature.status.as_str())
        .bind(signature.key.as_deref())
        .bind(signature.note.as_deref())
        .bind(id.to_string())
        .execute(&self.writer)
        .await?
        .rows_affected();
        if n == 1 {
            Ok(())
        } else {
            Err(StoreError::NotFound)
        }
    }

    async fn report_thread(&self, report: ReportId, until: Timestamp) -> Result<Vec<ThreadEntry>> {
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
        .fetch_all(&self.pool)
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

    async fn add_reporter_key(&self, key: &ReporterKey) -> Result<bool> {
        let mut conn = self.writer.acquire().await?;
        insert_reporter_key(&mut conn, key).await
    }

    async fn reporter_keys(&self, report: ReportId) -> Result<Vec<ReporterKey>> {
        sqlx::query(select_reporter_keys!(
            "WHERE report_id = $1 ORDER BY created_at DESC, id DESC"
        ))
        .bind(report.to_string())
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(reporter_key_from_row)
        .collect()
    }

    async fn reporter_keys_by_address(
        &self,
        project: ProjectId,
        address: &str,
    ) -> Result<Vec<ReporterKey>> {
        sqlx::query(select_reporter_keys!(
            "WHERE project_id = $1 AND address = $2 ORDER BY created_at DESC, id DESC"
        ))
        .bind(project.to_string())
        .bind(address.to_ascii_lowercase())
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(reporter_key_from_row)
        .collect()
    }

    async fn settle_inbound_with(&self, settle: &crate::SettleInbound<'_>) -> Result<()> {
        mail_filters::settle_inbound_with(self, settle).await
    }

    async fn filter_rules(&self, project: ProjectId) -> Result<Vec<crate::FilterRuleRecord>> {
        mail_filters::filter_rules(self, project).await
    }

    async fn insert_filter_rule(
        &self,
        rule: &crate::FilterRuleRecord,
        audit: NewAuditEvent,
    ) -> Result<()> {
        mail_filters::insert_filter_rule(self, rule, audit).await
    }

    async fn delete_filter_rule(
        &self,
        project: ProjectId,
        rule_id: &str,
        audit: NewAuditEvent,
    ) -> Result<crate::FilterRuleRecord> {
        mail_filters::delete_filter_rule(self, project, rule_id, audit).await
    }

    async fn filter_match_counts(
        &self,
        project: ProjectId,
    ) -> Result<Vec<crate::FilterMatchCount>> {
        mail_filters::filter_match_counts(self, project).await
    }

    async fn filter_matches_of(&self, inbound: Uuid) -> Result<Vec<crate::FilterMatch>> {
        mail_filters::filter_matches_of(self, inbound).await
    }

    async fn spam_filtered_reports(&self, project: ProjectId) -> Result<Vec<(ReportId, String)>> {
        mail_filters::spam_filtered_reports(self, project).await
    }

    async fn disable_tracking_token(&self, report: ReportId, now: Timestamp) -> Result<bool> {
        mail_filters::disable_tracking_token(self, report, now).await
    }

    async fn auto_replies_to(&self, to: &str, since: Timestamp) -> Result<i64> {
        mail_filters::auto_replies_to(self, to, since).await
    }

    async fn tracking_disabled_at(&self, report: ReportId) -> Result<Option<Timestamp>> {
        mail_filters::tracking_disabled_at(self, report).await
    }

    async fn ensure_reply_token(&self, report: ReportId, token_hash: &str) -> Result<bool> {
        let mut tx = self.writer.begin().await?;
        // A new hash replaces an active one (the instance secret changed); a disabled row
        // stays as it is.
        sqlx::query(
            "INSERT INTO reply_tokens (report_id, token_hash, disabled) VALUES ($1, $2, 0) \
             ON CONFLICT (report_id) DO UPDATE SET token_hash = excluded.token_hash \
             WHERE reply_tokens.disabled = 0",
        )
        .bind(report.to_string())
        .bind(token_hash)
        .execute(&mut *tx)
        .await?;
        let row = sqlx::query("SELECT token_hash, disabled FROM reply_tokens WHERE report_id = $1")
            .bind(report.to_string())
            .fetch_one(&mut *tx)
            .await?;
        tx.commit().await?;
        let stored: Option<String> = get(&row, "token_hash")?;
        let disabled = get::<i64>(&row, "disabled")? != 0;
        Ok(!disabled && stored.as_deref() == Some(token_hash))
    }

    async fn reply_token(&self, token_hash: &str) -> Result<Option<ReplyToken>> {
        let row = sqlx::query("SELECT report_id, disabled FROM reply_tokens WHERE token_hash = $1")
            .bind(token_hash)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|row| {
            Ok(ReplyToken {
                report: ReportId(uuid(&get::<String>(&row, "report_id")?)?),
                disabled: get::<i64>(&row, "disabled")? != 0,
            })
        })
        .transpose()
    }

    async fn disable_reply_tokens(&self, report: ReportId) -> Result<()> {
        sqlx::query(
            "INSERT INTO reply_tokens (report_id, token_hash, disabled) VALUES ($1, NULL, 1) \
             ON CONFLICT (report_id) DO UPDATE SET disabled = 1",
        )
        .bind(report.to_string())
        .execute(&self.writer)
        .await?;
        Ok(())
    }

    async fn list_emails(&self, limit: i64) -> Result<Vec<Email>> {
        sqlx::query(
            "SELECT id, to_addr, subject, body_text, report_id, status, attempts, last_error, \
             created_at, sent_at, auto_submitted FROM emails ORDER BY created_at DESC, id DESC LIMIT $1",
        )
        .bind(limit)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(email_from_row)
        .collect()
    }

    async fn email(&self, id: Uuid) -> Result<Option<Email>> {
        sqlx::query(
            "SELECT id, to_addr, subject, body_text, report_id, status, attempts, last_error, \
             created_at, sent_at, auto_submitted FROM emails WHERE id = $1",
        )
        .bind(id.to_string())
        .fetch_optional(&self.pool)
        .await?
        .as_ref()
        .map(email_from_row)
        .transpose()
    }

    async fn report_times(
        &self,
        project: ProjectId,
    ) -> Result<Vec<(State, domain::stats::ReportTimes)>> {
        crate::webhooks::report_times(&self.pool, project).await
    }
}

/// Keeps the project's security.txt watch in step with its policy: none without a URL; a
/// new or changed URL starts afresh and is checked at `now`.
async fn sync_watch(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    project: ProjectId,
    url: Option<&str>,
    now: Timestamp,
) -> Result<()> {
    match url {
        None => {
            sqlx::query("DELETE FROM securitytxt_watches WHERE project_id = $1")
                .bind(project.to_string())
                .execute(&mut **tx)
                .await?;
        }
        Some(url) => {
            sqlx::query(
                "INSERT INTO securitytxt_watches (project_id, url, next_check_at) VALUES ($1, $2, $3) \
                 ON CONFLICT (project_id) DO UPDATE SET url = excluded.url, \
                   next_check_at = excluded.next_check_at, last_checked_at = NULL, \
                   last_valid = NULL, last_summary = NULL, state = NULL \
                 WHERE securitytxt_watches.url <> excluded.url",
            )
            .bind(project.to_string())
            .bind(url)
            .bind(micros(now))
            .execute(&mut **tx)
            .await?;
        }
    }
    Ok(())
}

mod sla;
