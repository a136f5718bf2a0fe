//! Project membership (a user's [`ProjectRole`] in a project) and each member's e-mail
//! choices for the project.

use crate::{
    Conn, Result, StoreError,
    accounts::user_from_row,
    projects::project_from_row,
    rows::{get, micros},
};
use domain::{
    ProjectId, UserId,
    account::{ProjectRole, User},
    notify::NotificationPrefs,
    project::Project,
};
use jiff::Timestamp;
use sqlx::any::AnyRow;

fn role_from_row(row: &AnyRow) -> Result<ProjectRole> {
    let role: String = get(row, "role")?;
    ProjectRole::parse(&role).ok_or_else(|| StoreError::Corrupt(format!("role {role:?}")))
}

/// Missing choices (never set: the `LEFT JOIN` found no row) are all on.
fn prefs_from_row(row: &AnyRow) -> Result<NotificationPrefs> {
    let flag =
        |col: &str| -> Result<bool> { Ok(get::<Option<i64>>(row, col)?.is_none_or(|v| v != 0)) };
    Ok(NotificationPrefs {
        new_report: flag("new_report")?,
        reporter_message: flag("reporter_message")?,
        reminders: flag("reminders")?,
        state_changes: flag("state_changes")?,
    })
}

/// Gives `user` the role in the project (replacing the role they had).
pub async fn set(c: &mut Conn, project: ProjectId, user: UserId, role: ProjectRole) -> Result<()> {
    sqlx::query(
        "INSERT INTO project_members (project_id, user_id, role) VALUES ($1, $2, $3) \
         ON CONFLICT (project_id, user_id) DO UPDATE SET role = excluded.role",
    )
    .bind(project.to_string())
    .bind(user.to_string())
    .bind(role.as_str())
    .execute(c)
    .await?;
    Ok(())
}

/// How many members the project has.
pub async fn count(c: &mut Conn, project: ProjectId) -> Result<i64> {
    Ok(
        sqlx::query_scalar("SELECT COUNT(*) FROM project_members WHERE project_id = $1")
            .bind(project.to_string())
            .fetch_one(c)
            .await?,
    )
}

/// Removes `user` from the project (nothing when they were not a member).
pub async fn remove(c: &mut Conn, project: ProjectId, user: UserId) -> Result<()> {
    sqlx::query("DELETE FROM project_members WHERE project_id = $1 AND user_id = $2")
        .bind(project.to_string())
        .bind(user.to_string())
        .execute(c)
        .await?;
    Ok(())
}

/// The user's role in the project, if they are a member.
pub async fn role(c: &mut Conn, project: ProjectId, user: UserId) -> Result<Option<ProjectRole>> {
    sqlx::query("SELECT role FROM project_members WHERE project_id = $1 AND user_id = $2")
        .bind(project.to_string())
        .bind(user.to_string())
        .fetch_optional(c)
        .await?
        .as_ref()
        .map(role_from_row)
        .transpose()
}

/// The projects `user` is a member of, with their role, by slug.
pub async fn projects_of(c: &mut Conn, user: UserId) -> Result<Vec<(Project, ProjectRole)>> {
    sqlx::query(
        "SELECT p.id, p.slug, p.name, p.policy, p.policy_version, p.created_at, m.role \
         FROM project_members m JOIN projects p ON p.id = m.project_id \
         WHERE m.user_id = $1 ORDER BY p.slug",
    )
    .bind(user.to_string())
    .fetch_all(c)
    .await?
    .iter()
    .map(|row| Ok((project_from_row(row)?, role_from_row(row)?)))
    .collect()
}

/// The project's members with their roles, by e-mail address.
pub async fn of_project(c: &mut Conn, project: ProjectId) -> Result<Vec<(User, ProjectRole)>> {
    sqlx::query(
        "SELECT u.id, u.email, u.name, u.is_admin, m.role \
         FROM project_members m JOIN users u ON u.id = m.user_id \
         WHERE m.project_id = $1 ORDER BY u.email_norm",
    )
    .bind(project.to_string())
    .fetch_all(c)
    .await?
    .iter()
    .map(|row| Ok((user_from_row(row)?, role_from_row(row)?)))
    .collect()
}

/// A member's e-mail choices for a project (all on when never set).
pub async fn notification_prefs(
    c: &mut Conn,
    user: UserId,
    project: ProjectId,
) -> Result<NotificationPrefs> {
    let row = sqlx::query(
        "SELECT new_report, reporter_message, reminders, state_changes \
         FROM notification_prefs WHERE user_id = $1 AND project_id = $2",
    )
    .bind(user.to_string())
    .bind(project.to_string())
    .fetch_optional(c)
    .await?;
    row.map_or(Ok(NotificationPrefs::default()), |r| prefs_from_row(&r))
}

/// Stores a member's e-mail choices for a project (replacing earlier ones).
pub async fn set_notification_prefs(
    c: &mut Conn,
    user: UserId,
    project: ProjectId,
    p: &NotificationPrefs,
    now: Timestamp,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO notification_prefs (user_id, project_id, new_report, reporter_message, \
         reminders, state_changes, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7) \
         ON CONFLICT (user_id, project_id) DO UPDATE SET new_report = excluded.new_report, \
         reporter_message = excluded.reporter_message, reminders = excluded.reminders, \
         state_changes = excluded.state_changes, updated_at = excluded.updated_at",
    )
    .bind(user.to_string())
    .bind(project.to_string())
    .bind(i64::from(p.new_report))
    .bind(i64::from(p.reporter_message))
    .bind(i64::from(p.reminders))
    .bind(i64::from(p.state_changes))
    .bind(micros(now))
    .execute(c)
    .await?;
    Ok(())
}

/// The project's members with their roles and e-mail choices, by e-mail address.
pub async fn with_prefs(
    c: &mut Conn,
    project: ProjectId,
) -> Result<Vec<(User, ProjectRole, NotificationPrefs)>> {
    sqlx::query(
        "SELECT u.id, u.email, u.name, u.is_admin, m.role, n.new_report, \
         n.reporter_message, n.reminders, n.state_changes \
         FROM project_members m JOIN users u ON u.id = m.user_id \
         LEFT JOIN notification_prefs n ON n.user_id = m.user_id AND n.project_id = m.project_id \
         WHERE m.project_id = $1 ORDER BY u.email_norm",
    )
    .bind(project.to_string())
    .fetch_all(c)
    .await?
    .iter()
    .map(|row| {
        Ok((
            user_from_row(row)?,
            role_from_row(row)?,
            prefs_from_row(row)?,
        ))
    })
    .collect()
}

/// Gives `user` the role in the project at `now`: a new member's `added_at` is `now`; a
/// member whose role changes keeps theirs.
pub async fn set_at(
    c: &mut Conn,
    project: ProjectId,
    user: UserId,
    role: ProjectRole,
    now: Timestamp,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO project_members (project_id, user_id, role, added_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (project_id, user_id) DO UPDATE SET role = excluded.role",
    )
    .bind(project.to_string())
    .bind(user.to_string())
    .bind(role.as_str())
    .bind(micros(now))
    .execute(c)
    .await?;
    Ok(())
}

/// How many maintainers the project has.
pub async fn count_maintainers(c: &mut Conn, project: ProjectId) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "SELECT COUNT(*) FROM project_members WHERE project_id = $1 AND role = 'maintainer'",
    )
    .bind(project.to_string())
    .fetch_one(c)
    .await?)
}

/// A project member for its members' page: the account, the role, and since when they
/// hold a role (unknown for members added before migration 0022).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    pub user: User,
    pub role: ProjectRole,
    pub since: Option<Timestamp>,
}

/// The project's members with their roles and since when, by e-mail address.
pub async fn listing(c: &mut Conn, project: ProjectId) -> Result<Vec<Member>> {
    sqlx::query(
        "SELECT u.id, u.email, u.name, u.is_admin, m.role, m.added_at \
         FROM project_members m JOIN users u ON u.id = m.user_id \
         WHERE m.project_id = $1 ORDER BY u.email_norm",
    )
    .bind(project.to_string())
    .fetch_all(c)
    .await?
    .iter()
    .map(|row| {
        Ok(Member {
            user: user_from_row(row)?,
            role: role_from_row(row)?,
            since: crate::rows::opt_ts(get(row, "added_at")?)?,
        })
    })
    .collect()
}

/// Projects that have no member at all, oldest first (at most `limit`).
pub async fn projects_without_members(c: &mut Conn, limit: i64) -> Result<Vec<ProjectId>> {
    let ids: Vec<String> = sqlx::query_scalar(
        "SELECT p.id FROM projects p WHERE NOT EXISTS \
         (SELECT 1 FROM project_members m WHERE m.project_id = p.id) \
         ORDER BY p.created_at, p.id LIMIT $1",
    )
    .bind(limit)
    .fetch_all(c)
    .await?;
    ids.iter()
        .map(|s| crate::rows::uuid(s).map(ProjectId))
        .collect()
}
