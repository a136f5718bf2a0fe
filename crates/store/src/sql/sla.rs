//! Members' e-mail choices.

use super::{SqlStore, get, micros};
use crate::Result;
use domain::{
    ProjectId, UserId,
    account::{ProjectRole, User},
    notify::NotificationPrefs,
};
use jiff::Timestamp;
use sqlx::any::AnyRow;

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

impl SqlStore {
    pub(super) async fn notification_prefs_impl(
        &self,
        user: UserId,
        project: ProjectId,
    ) -> Result<NotificationPrefs> {
        let row = sqlx::query(
            "SELECT new_report, reporter_message, reminders, state_changes \
             FROM notification_prefs WHERE user_id = $1 AND project_id = $2",
        )
        .bind(user.to_string())
        .bind(project.to_string())
        .fetch_optional(&self.pool)
        .await?;
        row.map_or(Ok(NotificationPrefs::default()), |r| prefs_from_row(&r))
    }

    pub(super) async fn set_notification_prefs_impl(
        &self,
        user: UserId,
        project: ProjectId,
        p: &NotificationPrefs,
        now: Timestamp,
    ) -> Result<()> {
        let mut tx = self.begin_write().await?;
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
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    pub(super) async fn members_with_prefs_impl(
        &self,
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
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|row| {
            Ok((
                super::user_from_row(row)?,
                super::role_from_row(row)?,
                prefs_from_row(row)?,
            ))
        })
        .collect()
    }
}
