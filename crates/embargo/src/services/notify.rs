//! Which e-mails each project member gets (`domain::notify`): a member's choices per
//! project, and the addresses a project's notification of one kind goes to.

use super::{Result, ServiceError};
use crate::AppState;
use domain::{
    UserId,
    account::{ProjectRole, User},
    notify::{NotificationKind, NotificationPrefs},
    project::Project,
    report::Report,
};

/// The projects the user is a member of, each with their role and choices.
pub async fn list(
    state: &AppState,
    user: &User,
) -> Result<Vec<(Project, ProjectRole, NotificationPrefs)>> {
    let mut out = Vec::new();
    for (project, role) in state.store.projects_of(user.id).await? {
        let prefs = state.store.notification_prefs(user.id, project.id).await?;
        out.push((project, role, prefs));
    }
    Ok(out)
}

/// Stores the user's choices for the project `slug`; 404 unless they are a member of it.
pub async fn set(
    state: &AppState,
    user: &User,
    slug: &str,
    prefs: &NotificationPrefs,
) -> Result<Project> {
    let project = state
        .store
        .projects_of(user.id)
        .await?
        .into_iter()
        .map(|(p, _)| p)
        .find(|p| p.slug.as_str() == slug)
        .ok_or(ServiceError::NotFound("project"))?;
    state
        .store
        .set_notification_prefs(user.id, project.id, prefs, state.now())
        .await?;
    tracing::info!(project = %project.slug, "notification choices changed");
    Ok(project)
}

/// The addresses of the project's maintainers and triagers who want e-mails of `kind`.
pub async fn recipients(
    state: &AppState,
    project: &Project,
    kind: NotificationKind,
) -> Result<Vec<String>> {
    Ok(state
        .store
        .members_with_prefs(project.id)
        .await?
        .into_iter()
        .filter(|(_, _, prefs)| prefs.allows(kind))
        .map(|(user, _, _)| user.email.as_str().to_owned())
        .collect())
}

/// Tells the project's members who want e-mails of `kind` about `report` (all but
/// `except`, the member who acted). Runs after the change it announces was stored; a
/// failure here is logged and does not undo that change.
pub async fn members(
    state: &AppState,
    project: &Project,
    report: &Report,
    kind: NotificationKind,
    what: &str,
    except: Option<UserId>,
) {
    if let Err(e) = queue(state, project, report, kind, what, except).await {
        tracing::error!(report = %report.id, kind = kind.as_str(), error = %e, "cannot notify members");
    }
}

async fn queue(
    state: &AppState,
    project: &Project,
    report: &Report,
    kind: NotificationKind,
    what: &str,
    except: Option<UserId>,
) -> Result<()> {
    let url = format!(
        "{}/inbox/{}/reports/{}",
        state.public_url, project.slug, report.number
    );
    let (subject, body) = domain::notify::member_text(
        kind,
        &project.name,
        report.number,
        &report.title,
        what,
        &url,
    );
    let now = state.now();
    let emails: Vec<store::NewEmail> = state
        .store
        .members_with_prefs(project.id)
        .await?
        .into_iter()
        .filter(|(user, _, prefs)| prefs.allows(kind) && Some(user.id) != except)
        .map(|(user, _, _)| store::NewEmail {
            id: uuid::Uuid::now_v7(),
            to: user.email.as_str().to_owned(),
            subject: subject.clone(),
            body_text: body.clone(),
            report: Some(report.id),
            created_at: now,
        })
        .collect();
    if emails.is_empty() {
        return Ok(());
    }
    state.store.queue_emails(&emails).await?;
    state.outbox_notify.notify_one();
    Ok(())
}
