//! Who works on a report: one maintainer or triager of its project, or nobody. The inbox
//! filters on it ("assigned to me", "unassigned"); each change is audited.

use super::{Caller, workflow::acting_on};
use crate::AppState;
use crate::services::{Result, ServiceError};
use domain::{
    ReportId,
    account::{Permission, User},
    audit::{self, NewAuditEvent},
};

/// Assigns report `id` to the member whose address is `assignee` (`None`: to nobody) and
/// returns who has it now. The caller must act on the project's reports; the assignee must
/// be a maintainer or triager of it.
pub async fn assign(
    state: &AppState,
    user: &User,
    id: ReportId,
    assignee: Option<&str>,
) -> Result<Option<User>> {
    let (view, role) = acting_on(state, Caller::User(user), id).await?;
    if !role.allows(Permission::ActOnReports) {
        return Err(ServiceError::Forbidden);
    }
    let to = match assignee.map(str::trim).filter(|a| !a.is_empty()) {
        None => None,
        Some(address) => Some(
            member_by_address(state, view.project.id, address)
                .await?
                .ok_or_else(|| {
                    ServiceError::field(
                        "assignee",
                        "must be the e-mail address of a maintainer or triager of this project",
                    )
                })?,
        ),
    };
    let now = state.now();
    let mut tx = state.db.begin().await?;
    if !store::report_pages::assign(&mut tx, id, to.as_ref().map(|u| u.id)).await? {
        return Err(ServiceError::NotFound("report"));
    }
    store::audit::append(
        &mut tx,
        NewAuditEvent {
            at: now,
            actor: audit::user_actor(user.id),
            action: "report.assign".into(),
            subject: audit::report_subject(id),
            data: serde_json::json!({ "assignee": to.as_ref().map(|u| u.id.to_string()) }),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(to)
}

/// The maintainer or triager of `project` whose address is `address`; `None` for anyone
/// else (no such user, or not a member).
pub async fn member_by_address(
    state: &AppState,
    project: domain::ProjectId,
    address: &str,
) -> Result<Option<User>> {
    let Some((user, _)) =
        store::accounts::credentials(&mut *state.db.read().await?, address).await?
    else {
        return Ok(None);
    };
    let role = store::members::role(&mut *state.db.read().await?, project, user.id).await?;
    Ok(role.map(|_| user))
}

/// Whom a report is assigned to and to whom it may be: for the report page.
#[derive(Debug, Clone)]
pub struct Assignment {
    pub current: Option<User>,
    /// The project's maintainers and triagers.
    pub members: Vec<User>,
}

/// The [`Assignment`] of a report the caller may read.
pub async fn assignment(state: &AppState, report: &domain::report::Report) -> Result<Assignment> {
    let members = store::members::of_project(&mut *state.db.read().await?, report.project_id)
        .await?
        .into_iter()
        .map(|(user, _)| user)
        .collect();
    Ok(Assignment {
        current: assignee(state, report.id).await?,
        members,
    })
}

/// Whom report `id` is assigned to (for a caller who may read it).
pub async fn assignee(state: &AppState, id: ReportId) -> Result<Option<User>> {
    let Some(user) = store::report_pages::assignee(&mut *state.db.read().await?, id).await? else {
        return Ok(None);
    };
    Ok(store::accounts::user_by_id(&mut *state.db.read().await?, user).await?)
}
