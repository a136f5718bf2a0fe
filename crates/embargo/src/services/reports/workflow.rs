//! Workflow transitions: acknowledging a report and moving it through its states.

use crate::AppState;
use crate::services::report_writes;
use crate::services::{Result, ServiceError, mail};
use domain::{
    ReportId,
    account::{Permission, User},
    report::Report,
};
use store::{AuthorKind, NewMessage, Visibility};

use super::messages::check_message;
use super::{ReportView, ScoreHistory, by_tracking_token, for_user, user_role};

/// A maintainer acknowledges a received report, optionally with a message to the reporter,
/// who is told by e-mail when they left an address.
pub async fn acknowledge(
    state: &AppState,
    user: &User,
    id: ReportId,
    message: Option<&str>,
) -> Result<Report> {
    let view = for_user(state, user, id).await?;
    let role = store::members::role(&mut *state.db.read().await?, view.project.id, user.id).await?;
    if !domain::account::allowed(user.is_admin, role, Permission::ActOnReports) {
        return Err(ServiceError::Forbidden);
    }
    if !view.report.state.can_acknowledge() {
        return Err(ServiceError::conflict(
            "invalid_transition",
            format!(
                "report #{} is already {}",
                view.report.number,
                view.report.state.label()
            ),
        ));
    }
    let message = message
        .map(str::trim)
        .filter(|m| !m.is_empty())
        .map(check_message)
        .transpose()?;
    let now = state.now();
    let new_message = message.as_ref().map(|body| NewMessage {
        id: uuid::Uuid::now_v7(),
        report: id,
        author_kind: AuthorKind::Maintainer,
        author: Some(user.id),
        visibility: Visibility::Reporter,
        body: body.clone(),
        created_at: now,
    });
    let email = view.report.reporter_email.as_deref().map(|to| {
        mail::acknowledged(
            state,
            &view.project,
            &view.report,
            to,
            message.as_deref(),
            "Follow the report with the private link you received when you submitted it.",
        )
    });
    let report = report_writes::acknowledge(state, id, now, Some(user.id), new_message, email)
        .await
        .map_err(|e| match e {
            store::StoreError::Conflict(_) => ServiceError::conflict(
                "invalid_transition",
                "the report was acknowledged meanwhile",
            ),
            other => other.into(),
        })?;
    // Acknowledging is a person's decision that the report is not junk: what its hold
    // keeps back (the receipt) goes out.
    crate::services::junk::after_transition(state, user, id, false).await;
    // Wake the worker: the e-mail, if any, and webhook deliveries are due now.
    state.outbox_notify.notify_one();
    tracing::info!(report = %id, user = %user.id, "report acknowledged");
    crate::services::notify::members(
        state,
        &view.project,
        &report,
        domain::notify::NotificationKind::StateChanges,
        "received -> acknowledged",
        Some(user.id),
    )
    .await;
    Ok(report)
}

/// Who acts on a report through the API or the web.
#[derive(Debug, Clone, Copy)]
pub enum Caller<'a> {
    User(&'a User),
    /// A reporter, by their tracking token.
    Reporter(&'a str),
}

fn transition_error(e: domain::workflow::TransitionError) -> ServiceError {
    use domain::workflow::TransitionError as E;
    match e {
        E::Forbidden { .. } => ServiceError::Forbidden,
        E::Field { field, message } => ServiceError::field(field, message),
        other => ServiceError::conflict(other.code(), other.to_string()),
    }
}

/// The report the caller acts on and the caller's role for it. Anyone without a role on
/// the report's project, and any reporter token of another report, gets "not found".
pub(crate) async fn acting_on(
    state: &AppState,
    caller: Caller<'_>,
    id: ReportId,
) -> Result<(ReportView, domain::account::Role)> {
    use domain::account::Role;
    match caller {
        Caller::User(user) => {
            let report = store::reports::by_id(&mut *state.db.read().await?, id)
                .await?
                .ok_or(ServiceError::NotFound("report"))?;
            let project = store::projects::by_id(&mut *state.db.read().await?, report.project_id)
                .await?
                .ok_or(ServiceError::NotFound("report"))?;
            let actor = user_role(state, user, &report)
                .await?
                .ok_or(ServiceError::NotFound("report"))?;
            Ok((
                ReportView {
                    project,
                    report,
                    messages: Vec::new(),
                    scores: ScoreHistory::default(),
                    extensions: Vec::new(),
                },
                actor,
            ))
        }
        Caller::Reporter(token) => {
            let view = by_tracking_token(state, token).await?;
            if view.report.id != id {
                return Err(ServiceError::NotFound("report"));
            }
            Ok((view, Role::Reporter))
        }
    }
}

/// Moves a report along its workflow (`domain::workflow`), sends the reporter the project's
/// reply for it, and records the change in the audit log, all or nothing.
pub async fn transition(
    state: &AppState,
    caller: Caller<'_>,
    id: ReportId,
    request: domain::workflow::TransitionRequest,
) -> Result<Report> {
    use domain::{audit, workflow};
    let (view, actor) = acting_on(state, caller, id).await?;
    let actor_id = match caller {
        Caller::User(user) => audit::user_actor(user.id),
        Caller::Reporter(_) => audit::reporter_actor(id),
    };
    let (project, report) = (&view.project, &view.report);
    let t = workflow::check_transition(report.state, &request, actor, &project.policy)
        .map_err(transition_error)?;
    let duplicate = match t.duplicate_of {
        None => None,
        Some(reference) => {
            let original = match reference {
                workflow::ReportRef::Id(other) => {
                    store::reports::by_id(&mut *state.db.read().await?, other).await?
                }
                workflow::ReportRef::Number(n) => {
                    store::reports::by_number(&mut *state.db.read().await?, project.id, n).await?
                }
            };
            workflow::check_duplicate_target(
                id,
                project.id,
                original.as_ref().map(|o| (o.id, o.project_id)),
            )
            .map_err(transition_error)?;
            original.map(|o| (o.id, format!("#{}", o.number)))
        }
    };
    let duplicate_label = duplicate.as_ref().map(|(_, label)| label.clone());
    let now = state.now();
    let urls = domain::render::ProjectUrls::new(&state.public_url, project);
    let reply = t.reply.map(|key| {
        domain::replies::render_reply(
            &project.policy,
            key,
            &domain::replies::ReplyContext {
                project_name: &project.name,
                number: report.number,
                title: &report.title,
                reporter_name: report.reporter_name.as_deref(),
                tracking_url: "the private link in your receipt",
                policy_url: &urls.policy,
                sla: &report.sla,
                message: t.message.as_deref(),
                duplicate_of: duplicate_label.as_deref(),
                non_qualifying: t.non_qualifying.as_ref(),
            },
        )
    });
    // Closing as spam sends nothing, or only the policy's link (the policy chooses); a
    // message the maintainer wrote stays an internal note.
    let closed_as_spam = t.to == domain::report::State::Closed
        && t.resolution == Some(domain::report::Resolution::Spam);
    let reply = if closed_as_spam {
        spam_reply(project, report.number, &urls.policy)
    } else {
        reply
    };
    let (author_kind, author) = match caller {
        Caller::User(user) => (AuthorKind::Maintainer, Some(user.id)),
        Caller::Reporter(_) => (AuthorKind::Reporter, None),
    };
    let body = reply
        .as_ref()
        .map(|r| r.body.clone())
        .or_else(|| t.message.clone());
    let visibility = if closed_as_spam && reply.is_none() {
        Visibility::Internal
    } else {
        Visibility::Reporter
    };
    let message = body.map(|body| NewMessage {
        id: uuid::Uuid::now_v7(),
        report: id,
        author_kind,
        author,
        visibility,
        body,
        created_at: now,
    });
    let email = match (&reply, report.reporter_email.as_deref()) {
        (Some(r), Some(to)) => Some(store::NewEmail {
            id: uuid::Uuid::now_v7(),
            to: to.to_owned(),
            subject: r.subject.clone(),
            body_text: r.body.clone(),
            report: Some(id),
            created_at: now,
            auto_submitted: None,
        }),
        _ => None,
    };
    let change = store::StateChange {
        from: t.from,
        to: t.to,
        resolution: t.resolution,
        first_response: t.first_response,
        duplicate_of: duplicate.map(|(original, _)| original),
        at: now,
    };
    let event = audit::NewAuditEvent {
        at: now,
        actor: actor_id,
        action: "report.transition".into(),
        subject: audit::report_subject(id),
        data: serde_json::json!({
            "from": t.from.as_str(),
            "to": t.to.as_str(),
            "action": t.action.as_str(),
            "resolution": t.resolution.map(|r| r.as_str()),
            "duplicate_of": duplicate_label,
            "non_qualifying": t.non_qualifying.as_ref().map(|c| c.id.clone()),
        }),
    };
    let updated = report_writes::transition(state, id, &change, message, email, event)
        .await
        .map_err(|e| match e {
            store::StoreError::Conflict(_) => ServiceError::conflict(
                "invalid_transition",
                "the report changed meanwhile; reload and try again",
            ),
            other => other.into(),
        })?;
    // A person's move settles what the report's hold keeps back: closing as spam drops it,
    // any other move releases it.
    if let Caller::User(user) = caller {
        crate::services::junk::after_transition(state, user, id, closed_as_spam).await;
    }
    // Wake the worker: the e-mail, if any, and webhook deliveries are due now.
    state.outbox_notify.notify_one();
    tracing::info!(report = %id, from = t.from.as_str(), to = t.to.as_str(), "report transition");
    let acting = match caller {
        Caller::User(user) => Some(user.id),
        Caller::Reporter(_) => None,
    };
    crate::services::notify::members(
        state,
        &view.project,
        &updated,
        domain::notify::NotificationKind::StateChanges,
        &format!("{} -> {}", t.from.as_str(), t.to.as_str()),
        acting,
    )
    .await;
    Ok(updated)
}

/// What closing a report as spam tells its reporter, as the policy chooses: nothing, or one
/// line pointing at the policy.
fn spam_reply(
    project: &domain::project::Project,
    number: i64,
    policy_url: &str,
) -> Option<domain::replies::Reply> {
    match project.policy.junk.spam_reply {
        domain::policy::SpamReply::None => None,
        domain::policy::SpamReply::PolicyLink => Some(domain::replies::Reply {
            key: domain::replies::ReplyKey::Closed(domain::report::Resolution::Spam),
            subject: format!("[{}] Report #{number} closed", project.name),
            body: format!(
                "Report #{number} to {} is closed. What the project accepts: {policy_url}\n",
                project.name
            ),
        }),
    }
}
