//! The SQL implementation of the transitional [`Store`] trait, shared by SQLite and
//! PostgreSQL. Its methods move into the repositories (`crate::reports`, …) one aggregate at
//! a time; what is left here delegates or still runs its own transaction.
//!
//! Queries are runtime strings with `$n` placeholders, which both databases accept, bound
//! through sqlx's `Any` driver. Values are kept to types both databases store alike: ids as
//! UUID text, timestamps as `BIGINT` microseconds since the Unix epoch (UTC), JSON as text.

use crate::{
    AdvisoryRecord, AutoSubmitted, Disposition, Email, EmailStatus, InboundMessage,
    InboundSignature, Job, KeySource, NewEmail, NewInbound, NewJob, NewUser, PolicyVersion,
    ProjectSource, ProjectSourceInput, ReplyToken, ReporterKey, Result, SignatureStatus,
    SigningKeyRecord, Store, StoreError, ThreadEntry, TriageDismissal, TriageHistoryEntry,
    TriageRecord, WatchClaim, WatchResult, WatchStatus,
};
use async_trait::async_trait;
use domain::{
    EmailAddress, ProjectId, ProjectSlug, ReportId, UserId,
    account::{ProjectRole, User},
    audit::{AuditEvent, NewAuditEvent},
    policy::Policy,
    project::Project,
};
use jiff::Timestamp;
use sqlx::{AnyConnection, AnyPool, Row, any::AnyRow};
use uuid::Uuid;

use crate::db::{Db, Dialect};
pub(crate) use crate::rows::{get, json_text, micros, opt_ts, ts, uuid};

mod sources;

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

/// `SELECT <every project column> FROM projects p <tail>`, as one static string.
macro_rules! select_projects {
    ($tail:literal) => {
        concat!(
            "SELECT p.id, p.slug, p.name, p.policy, p.policy_version, p.created_at FROM projects p ",
            $tail
        )
    };
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
pub async fn insert_reporter_key(conn: &mut AnyConnection, key: &ReporterKey) -> Result<bool> {
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
            sources::requeue_open_reports(&mut tx, project, now).await?
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

    async fn project_source(&self, project: ProjectId) -> Result<Option<ProjectSource>> {
        self.project_source_impl(project).await
    }

    async fn git_sources(&self) -> Result<Vec<ProjectSource>> {
        self.git_sources_impl().await
    }

    async fn set_project_source(
        &self,
        project: ProjectId,
        source: Option<&ProjectSourceInput>,
        by: Option<UserId>,
        now: Timestamp,
    ) -> Result<(Option<ProjectSource>, u64)> {
        self.set_project_source_impl(project, source, by, now).await
    }

    async fn record_source_fetch(
        &self,
        project: ProjectId,
        version: i64,
        heads: Option<&serde_json::Value>,
        error: Option<&str>,
        now: Timestamp,
    ) -> Result<u64> {
        self.record_source_fetch_impl(project, version, heads, error, now)
            .await
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

    async fn save_triage(&self, r: &TriageRecord) -> Result<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO report_triage (report_id, label, verdict, findings, fingerprint, \
             triage_version, triaged_at) VALUES ($1, $2, $3, $4, $5, $6, $7) \
             ON CONFLICT (report_id) DO UPDATE SET label = excluded.label, \
             verdict = excluded.verdict, findings = excluded.findings, \
             fingerprint = excluded.fingerprint, triage_version = excluded.triage_version, \
             triaged_at = excluded.triaged_at",
        )
        .bind(r.report_id.to_string())
        .bind(&r.label)
        .bind(&r.verdict)
        .bind(json_text(&r.findings)?)
        .bind(json_text(&r.fingerprint)?)
        .bind(&r.version)
        .bind(micros(r.triaged_at))
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn triage_of(&self, report: ReportId) -> Result<Option<TriageRecord>> {
        sqlx::query(
            "SELECT report_id, label, verdict, findings, fingerprint, triage_version, triaged_at \
             FROM report_triage WHERE report_id = $1",
        )
        .bind(report.to_string())
        .fetch_optional(&self.pool)
        .await?
        .as_ref()
        .map(triage_from_row)
        .transpose()
    }

    async fn project_triage(&self, project: ProjectId) -> Result<Vec<TriageRecord>> {
        sqlx::query(
            "SELECT t.report_id, t.label, t.verdict, t.findings, t.fingerprint, \
             t.triage_version, t.triaged_at FROM report_triage t \
             JOIN reports r ON r.id = t.report_id WHERE r.project_id = $1 ORDER BY r.number DESC",
        )
        .bind(project.to_string())
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(triage_from_row)
        .collect()
    }

    async fn triage_history(&self, limit: i64) -> Result<Vec<TriageHistoryEntry>> {
        let rows = sqlx::query(
            "SELECT r.id, p.slug, p.name, r.number, r.received_at, r.reporter_email, r.state, \
             r.resolution, t.fingerprint FROM report_triage t \
             JOIN reports r ON r.id = t.report_id JOIN projects p ON p.id = r.project_id \
             ORDER BY r.received_at DESC, r.id DESC LIMIT $1",
        )
        .bind(limit.max(0))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                let id: String = get(row, "id")?;
                let fp: String = get(row, "fingerprint")?;
                Ok(TriageHistoryEntry {
                    report_id: ReportId(uuid(&id)?),
                    project_slug: get(row, "slug")?,
                    project_name: get(row, "name")?,
                    number: get(row, "number")?,
                    received_at: ts(get(row, "received_at")?)?,
                    reporter_email: get(row, "reporter_email")?,
                    state: get(row, "state")?,
                    resolution: get(row, "resolution")?,
                    fingerprint: serde_json::from_str(&fp)
                        .map_err(|e| StoreError::Corrupt(format!("triage fingerprint: {e}")))?,
                })
            })
            .collect()
    }

    async fn dismiss_finding(&self, d: &TriageDismissal, audit: NewAuditEvent) -> Result<()> {
        let mut tx = self.begin_write().await?;
        let exists: Option<String> = sqlx::query_scalar("SELECT id FROM reports WHERE id = $1")
            .bind(d.report_id.to_string())
            .fetch_optional(&mut *tx)
            .await?;
        if exists.is_none() {
            tx.rollback().await?;
            return Err(StoreError::NotFound);
        }
        let inserted = sqlx::query(
            "INSERT INTO triage_dismissals (report_id, finding_key, user_id, reason, dismissed_at) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (report_id, finding_key) DO NOTHING",
        )
        .bind(d.report_id.to_string())
        .bind(&d.finding_key)
        .bind(d.user_id.map(|u| u.to_string()))
        .bind(&d.reason)
        .bind(micros(d.at))
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if inserted == 0 {
            tx.rollback().await?;
            return Err(StoreError::Conflict(
                "the finding is already dismissed".into(),
            ));
        }
        append_audit_tx(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn triage_dismissals(&self, report: ReportId) -> Result<Vec<TriageDismissal>> {
        let rows = sqlx::query(
            "SELECT d.report_id, d.finding_key, d.user_id, u.email, d.reason, d.dismissed_at \
             FROM triage_dismissals d LEFT JOIN users u ON u.id = d.user_id \
             WHERE d.report_id = $1 ORDER BY d.dismissed_at, d.finding_key",
        )
        .bind(report.to_string())
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                let id: String = get(row, "report_id")?;
                let user: Option<String> = get(row, "user_id")?;
                Ok(TriageDismissal {
                    report_id: ReportId(uuid(&id)?),
                    finding_key: get(row, "finding_key")?,
                    user_id: user.map(|u| uuid(&u).map(UserId)).transpose()?,
                    user_email: get(row, "email")?,
                    reason: get(row, "reason")?,
                    at: ts(get(row, "dismissed_at")?)?,
                })
            })
            .collect()
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

    async fn enqueue_job(&self, job: &NewJob) -> Result<()> {
        let mut conn = self.writer.acquire().await?;
        insert_job(&mut conn, job).await
    }

    async fn lease_job(
        &self,
        kinds: &[&str],
        owner: &str,
        now: Timestamp,
        lease_for: jiff::SignedDuration,
    ) -> Result<Option<Job>> {
        let until = now.saturating_add(lease_for).unwrap_or(now);
        let row = sqlx::query(self.dialect.lease_sql())
            .bind(owner)
            .bind(micros(until))
            .bind(micros(now))
            .bind(kinds.join(","))
            .fetch_optional(&self.writer)
            .await?;
        row.map(|row| {
            let payload: String = get(&row, "payload")?;
            Ok(Job {
                id: uuid(&get::<String>(&row, "id")?)?,
                kind: get(&row, "kind")?,
                payload: serde_json::from_str(&payload)
                    .map_err(|e| StoreError::Corrupt(format!("job payload: {e}")))?,
                attempts: get(&row, "attempts")?,
                max_attempts: get(&row, "max_attempts")?,
                lease_owner: owner.to_owned(),
            })
        })
        .transpose()
    }

    async fn complete_job(
        &self,
        job: &Job,
        now: Timestamp,
        sent_email: Option<Uuid>,
    ) -> Result<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "UPDATE jobs SET status = 'done', finished_at = $1, lease_until = NULL, last_error = NULL \
             WHERE id = $2 AND lease_owner = $3",
        )
        .bind(micros(now))
        .bind(job.id.to_string())
        .bind(&job.lease_owner)
        .execute(&mut *tx)
        .await?;
        if let Some(email) = sent_email {
            sqlx::query(
                "UPDATE emails SET status = 'sent', sent_at = $1, attempts = attempts + 1, \
                 last_error = NULL WHERE id = $2",
            )
            .bind(micros(now))
            .bind(email.to_string())
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn renew_job_lease(&self, job: &Job, until: Timestamp) -> Result<bool> {
        let n = sqlx::query(
            "UPDATE jobs SET lease_until = $1 WHERE id = $2 AND lease_owner = $3 \
             AND status = 'pending' AND lease_until IS NOT NULL",
        )
        .bind(micros(until))
        .bind(job.id.to_string())
        .bind(&job.lease_owner)
        .execute(&self.writer)
        .await?
        .rows_affected();
        Ok(n == 1)
    }

    async fn webhook_nonce(&self, project: ProjectId) -> Result<Option<(String, Timestamp)>> {
        crate::webhooks::webhook_nonce(&self.pool, project).await
    }

    async fn rotate_webhook_nonce(
        &self,
        project: ProjectId,
        nonce: &str,
        now: Timestamp,
        audit: NewAuditEvent,
    ) -> Result<()> {
        crate::webhooks::rotate_webhook_nonce(&self.writer, project, nonce, now, audit).await
    }

    async fn create_webhook(
        &self,
        endpoint: &crate::WebhookEndpoint,
        nonce: &str,
        audit: NewAuditEvent,
    ) -> Result<bool> {
        crate::webhooks::create_webhook(&self.writer, endpoint, nonce, audit).await
    }

    async fn webhooks(&self, project: ProjectId) -> Result<Vec<crate::WebhookEndpoint>> {
        crate::webhooks::webhooks(&self.pool, project).await
    }

    async fn delete_webhook(
        &self,
        project: ProjectId,
        id: Uuid,
        audit: NewAuditEvent,
    ) -> Result<()> {
        crate::webhooks::delete_webhook(&self.writer, project, id, audit).await
    }

    async fn webhook_delivery(&self, id: Uuid) -> Result<Option<crate::WebhookDelivery>> {
        crate::webhooks::webhook_delivery(&self.pool, id).await
    }

    async fn webhook_deliveries(
        &self,
        endpoint: Uuid,
        limit: i64,
    ) -> Result<Vec<crate::WebhookDelivery>> {
        crate::webhooks::webhook_deliveries(&self.pool, endpoint, limit).await
    }

    async fn record_webhook_attempt(
        &self,
        delivery: Uuid,
        attempt: &crate::WebhookAttempt,
        status: crate::DeliveryStatus,
    ) -> Result<()> {
        crate::webhooks::record_webhook_attempt(&self.writer, delivery, attempt, status).await
    }

    async fn fail_job(
        &self,
        job: &Job,
        error: &str,
        now: Timestamp,
        retry_at: Option<Timestamp>,
        failed_email: Option<Uuid>,
    ) -> Result<()> {
        let mut tx = self.begin_write().await?;
        match retry_at {
            Some(at) => {
                sqlx::query(
                    "UPDATE jobs SET run_at = $1, lease_until = NULL, last_error = $2 \
                     WHERE id = $3 AND lease_owner = $4",
                )
                .bind(micros(at))
                .bind(error)
                .bind(job.id.to_string())
                .bind(&job.lease_owner)
                .execute(&mut *tx)
                .await?;
            }
            None => {
                sqlx::query(
                    "UPDATE jobs SET status = 'failed', finished_at = $1, lease_until = NULL, \
                     last_error = $2 WHERE id = $3 AND lease_owner = $4",
                )
                .bind(micros(now))
                .bind(error)
                .bind(job.id.to_string())
                .bind(&job.lease_owner)
                .execute(&mut *tx)
                .await?;
            }
        }
        if let Some(email) = failed_email {
            let status = if retry_at.is_some() {
                "queued"
            } else {
                "failed"
            };
            sqlx::query(
                "UPDATE emails SET status = $1, attempts = attempts + 1, last_error = $2 WHERE id = $3",
            )
            .bind(status)
            .bind(error)
            .bind(email.to_string())
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
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

fn triage_from_row(row: &AnyRow) -> Result<TriageRecord> {
    let id: String = get(row, "report_id")?;
    let findings: String = get(row, "findings")?;
    let fingerprint: String = get(row, "fingerprint")?;
    Ok(TriageRecord {
        report_id: ReportId(uuid(&id)?),
        label: get(row, "label")?,
        verdict: get(row, "verdict")?,
        findings: serde_json::from_str(&findings)
            .map_err(|e| StoreError::Corrupt(format!("triage findings: {e}")))?,
        fingerprint: serde_json::from_str(&fingerprint)
            .map_err(|e| StoreError::Corrupt(format!("triage fingerprint: {e}")))?,
        version: get(row, "triage_version")?,
        triaged_at: ts(get(row, "triaged_at")?)?,
    })
}

mod sla;
