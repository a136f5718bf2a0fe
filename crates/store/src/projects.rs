//! Projects, the versions of their policies (every change keeps the old one) and their
//! security.txt signing keys.

use crate::{
    Conn, PolicyVersion, Result, SigningKeyRecord, StoreError,
    rows::{get, micros, ts, uuid},
};
use domain::{ProjectId, ProjectSlug, UserId, policy::Policy, project::Project};
use jiff::Timestamp;
use sqlx::any::AnyRow;

/// `SELECT <every project column> FROM projects p <tail>`, as one static string.
macro_rules! select_projects {
    ($tail:literal) => {
        concat!(
            "SELECT p.id, p.slug, p.name, p.policy, p.policy_version, p.created_at FROM projects p ",
            $tail
        )
    };
}

/// Maps the columns of [`select_projects`] to a [`Project`].
pub(crate) fn project_from_row(row: &AnyRow) -> Result<Project> {
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

fn policy_json(policy: &Policy) -> Result<String> {
    serde_json::to_string(policy).map_err(|e| StoreError::Corrupt(format!("policy: {e}")))
}

/// Stores a new project (its report numbers start at 1); `Conflict` when the slug is
/// taken. Its first policy version is stored by [`insert_policy_version`].
pub async fn insert(c: &mut Conn, project: &Project) -> Result<()> {
    sqlx::query(
        "INSERT INTO projects (id, slug, name, policy, policy_version, next_report_number, created_at) \
         VALUES ($1, $2, $3, $4, $5, 1, $6)",
    )
    .bind(project.id.to_string())
    .bind(project.slug.as_str())
    .bind(&project.name)
    .bind(policy_json(&project.policy)?)
    .bind(project.policy_version)
    .bind(micros(project.created_at))
    .execute(c)
    .await
    .map_err(|e| StoreError::unique(e, "a project with this slug exists"))?;
    Ok(())
}

pub async fn by_slug(c: &mut Conn, slug: &ProjectSlug) -> Result<Option<Project>> {
    sqlx::query(select_projects!("WHERE p.slug = $1"))
        .bind(slug.as_str())
        .fetch_optional(c)
        .await?
        .as_ref()
        .map(project_from_row)
        .transpose()
}

pub async fn by_id(c: &mut Conn, id: ProjectId) -> Result<Option<Project>> {
    sqlx::query(select_projects!("WHERE p.id = $1"))
        .bind(id.to_string())
        .fetch_optional(c)
        .await?
        .as_ref()
        .map(project_from_row)
        .transpose()
}

/// Every project, oldest first.
pub async fn list(c: &mut Conn) -> Result<Vec<Project>> {
    sqlx::query(select_projects!("ORDER BY p.created_at, p.slug"))
        .fetch_all(c)
        .await?
        .iter()
        .map(project_from_row)
        .collect()
}

/// The projects whose stored policy mentions any of `texts`, ASCII letters compared in lower
/// case: one search the database does on the policies' text, so a caller looking for the
/// project of an address parses a few policies, not every project's. Callers check what
/// they find; `texts` should be ASCII (both databases lower ASCII letters alike, others
/// differently). No texts, no projects.
pub async fn mentioning(c: &mut Conn, texts: &[String]) -> Result<Vec<Project>> {
    if texts.is_empty() {
        return Ok(Vec::new());
    }
    let clauses = (1..=texts.len())
        .map(|n| format!("lower(p.policy) LIKE ${n} ESCAPE '\\'"))
        .collect::<Vec<_>>()
        .join(" OR ");
    let sql = format!(
        "SELECT p.id, p.slug, p.name, p.policy, p.policy_version, p.created_at FROM projects p \
         WHERE {clauses} ORDER BY p.created_at, p.slug"
    );
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
    for text in texts {
        let escaped = text
            .to_ascii_lowercase()
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_");
        query = query.bind(format!("%{escaped}%"));
    }
    query
        .fetch_all(c)
        .await?
        .iter()
        .map(project_from_row)
        .collect()
}

/// Replaces the project's policy and bumps its version if it is still at
/// `expected_version`: `Conflict` otherwise, so concurrent edits never overwrite each other.
/// Returns the new version (record it with [`insert_policy_version`]).
pub async fn set_policy(
    c: &mut Conn,
    project: ProjectId,
    expected_version: i64,
    policy: &Policy,
) -> Result<i64> {
    let updated = sqlx::query(
        "UPDATE projects SET policy = $1, policy_version = policy_version + 1 \
         WHERE id = $2 AND policy_version = $3",
    )
    .bind(policy_json(policy)?)
    .bind(project.to_string())
    .bind(expected_version)
    .execute(c)
    .await?
    .rows_affected();
    if updated != 1 {
        return Err(StoreError::Conflict(
            "the policy was changed by someone else; reload and edit again".into(),
        ));
    }
    Ok(expected_version + 1)
}

/// Keeps `policy` as the project's policy `version`, changed by `by` at `at`.
pub async fn insert_policy_version(
    c: &mut Conn,
    project: ProjectId,
    version: i64,
    policy: &Policy,
    by: Option<UserId>,
    at: Timestamp,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO policy_versions (project_id, version, policy, changed_by, changed_at) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(project.to_string())
    .bind(version)
    .bind(policy_json(policy)?)
    .bind(by.map(|u| u.to_string()))
    .bind(micros(at))
    .execute(c)
    .await?;
    Ok(())
}

/// The project's latest `limit` policy versions, newest first.
pub async fn policy_history(
    c: &mut Conn,
    project: ProjectId,
    limit: i64,
) -> Result<Vec<PolicyVersion>> {
    sqlx::query(
        "SELECT version, policy, changed_by, changed_at FROM policy_versions \
         WHERE project_id = $1 ORDER BY version DESC LIMIT $2",
    )
    .bind(project.to_string())
    .bind(limit)
    .fetch_all(c)
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

/// The project's security.txt signing key, if one was made.
pub async fn signing_key(c: &mut Conn, project: ProjectId) -> Result<Option<SigningKeyRecord>> {
    let row = sqlx::query(
        "SELECT fingerprint, secret_armored, public_armored, created_at \
         FROM project_signing_keys WHERE project_id = $1",
    )
    .bind(project.to_string())
    .fetch_optional(c)
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

/// Stores the project's signing key unless one exists; returns the one in effect. Two
/// servers may race to create the key: the first insert wins, both use it.
pub async fn insert_signing_key(
    c: &mut Conn,
    project: ProjectId,
    key: &SigningKeyRecord,
) -> Result<SigningKeyRecord> {
    sqlx::query(
        "INSERT INTO project_signing_keys (project_id, fingerprint, secret_armored, public_armored, created_at) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (project_id) DO NOTHING",
    )
    .bind(project.to_string())
    .bind(&key.fingerprint)
    .bind(&key.secret_armored)
    .bind(&key.public_armored)
    .bind(micros(key.created_at))
    .execute(&mut *c)
    .await?;
    signing_key(c, project).await?.ok_or(StoreError::NotFound)
}
