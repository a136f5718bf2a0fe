//! Reading reports: the reporter's view by tracking token, the inbox list, and one report
//! for a user with a role on it.

use crate::services::{Result, ServiceError, projects};
use crate::{AppState, tokens};
use domain::{
    ReportId,
    account::{Permission, User},
    project::Project,
    report::Report,
};

use super::{ReportView, ScoreHistory};

/// The reporter's view: by tracking token, reporter-visible messages only. Any token that
/// does not match gives "not found".
pub async fn by_tracking_token(state: &AppState, token: &str) -> Result<ReportView> {
    if !token.starts_with(tokens::TRACKING) {
        return Err(ServiceError::NotFound("report"));
    }
    let report =
        store::reports::by_tracking_hash(&mut *state.db.read().await?, &tokens::hash(token))
            .await?
            .ok_or(ServiceError::NotFound("report"))?;
    let project = store::projects::by_id(&mut *state.db.read().await?, report.project_id)
        .await?
        .ok_or(ServiceError::NotFound("report"))?;
    assemble(state, project, report, false).await
}

/// The user's role for a report: instance admin, else their role in its project, else a
/// live collaborator invitation to this report (accepted, not revoked, not expired).
/// `None`: the user may not know the report exists.
pub async fn user_role(
    state: &AppState,
    user: &User,
    report: &Report,
) -> Result<Option<domain::account::Role>> {
    let project_role =
        store::members::role(&mut *state.db.read().await?, report.project_id, user.id).await?;
    let collaborator = !user.is_admin
        && project_role.is_none()
        && store::collaborators::is_collaborator(
            &mut *state.db.read().await?,
            report.id,
            user.id,
            state.now(),
        )
        .await?;
    Ok(domain::account::Role::resolve(
        user.is_admin,
        project_role,
        collaborator,
        false,
    ))
}

/// A report with what a role may see of it: internal messages and score rationales only
/// with `ReadInternal`.
async fn view_for(
    state: &AppState,
    project: Project,
    report: Report,
    role: domain::account::Role,
) -> Result<ReportView> {
    assemble(
        state,
        project,
        report,
        role.allows(Permission::ReadInternal),
    )
    .await
}

/// The report with its thread, scores and extensions; internal messages and score
/// rationales only when `internal`.
async fn assemble(
    state: &AppState,
    project: Project,
    report: Report,
    internal: bool,
) -> Result<ReportView> {
    let mut c = state.db.read().await?;
    let messages = store::messages::of_report(&mut c, report.id, internal).await?;
    let scores = ScoreHistory::build(
        &report,
        &store::scores::of_report(&mut c, report.id).await?,
        internal,
    );
    let extensions = store::deadlines::extensions(&mut c, report.id).await?;
    Ok(ReportView {
        project,
        report,
        messages,
        scores,
        extensions,
    })
}

/// One report for a maintainer or triager of its project, or a collaborator invited to
/// it; "not found" for anyone else.
pub async fn for_user(state: &AppState, user: &User, id: ReportId) -> Result<ReportView> {
    let report = store::reports::by_id(&mut *state.db.read().await?, id)
        .await?
        .ok_or(ServiceError::NotFound("report"))?;
    let project = store::projects::by_id(&mut *state.db.read().await?, report.project_id)
        .await?
        .ok_or(ServiceError::NotFound("report"))?;
    let role = user_role(state, user, &report)
        .await?
        .filter(|r| r.allows(Permission::ReadReport))
        .ok_or(ServiceError::NotFound("report"))?;
    view_for(state, project, report, role).await
}

/// A report by its project and number, for the inbox's URLs.
pub async fn by_number(
    state: &AppState,
    user: &User,
    slug: &str,
    number: i64,
) -> Result<ReportView> {
    Ok(by_number_with_role(state, user, slug, number).await?.0)
}

/// [`by_number`] with the user's role for the report (a collaborator reaches the report
/// page of the one report they were invited to, and nothing else of the project).
pub async fn by_number_with_role(
    state: &AppState,
    user: &User,
    slug: &str,
    number: i64,
) -> Result<(ReportView, domain::account::Role)> {
    let project = projects::public(state, slug)
        .await
        .map_err(|_| ServiceError::NotFound("report"))?;
    let report = store::reports::by_number(&mut *state.db.read().await?, project.id, number)
        .await?
        .ok_or(ServiceError::NotFound("report"))?;
    let role = user_role(state, user, &report)
        .await?
        .filter(|r| r.allows(Permission::ReadReport))
        .ok_or(ServiceError::NotFound("report"))?;
    Ok((view_for(state, project, report, role).await?, role))
}
