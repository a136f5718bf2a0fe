//! The private thread: messages from the reporter and from the project.

use crate::AppState;
use crate::services::report_writes;
use crate::services::{Result, ServiceError, mail};
use domain::ReportId;
use store::{AuthorKind, Message, NewMessage, Visibility};

use super::{Caller, MAX_MESSAGE, acting_on, by_tracking_token};

/// A reporter adds information through their tracking token.
pub async fn reporter_message(state: &AppState, token: &str, body: &str) -> Result<Message> {
    let view = by_tracking_token(state, token).await?;
    let body = check_message(body)?;
    let message = report_writes::add_message(
        state,
        &NewMessage {
            id: uuid::Uuid::now_v7(),
            report: view.report.id,
            author_kind: AuthorKind::Reporter,
            author: None,
            visibility: Visibility::Reporter,
            body,
            created_at: state.now(),
        },
        None,
    )
    .await?;
    tracing::info!(report = %view.report.id, "reporter added a message");
    if !held_as_junk(state, view.report.id).await? {
        crate::services::notify::members(
            state,
            &view.project,
            &view.report,
            domain::notify::NotificationKind::ReporterMessage,
            "",
            None,
        )
        .await;
    }
    Ok(message)
}

/// Whether the report is junk nobody has decided on (held by its triage, or blocked): its
/// reporter's messages are kept on the report but e-mail no member, as its arrival did not.
async fn held_as_junk(state: &AppState, id: domain::ReportId) -> Result<bool> {
    Ok(crate::services::junk::status(state, id)
        .await?
        .is_some_and(|h| h.clocks_stopped))
}

pub(super) fn check_message(body: &str) -> Result<String> {
    if body.trim().is_empty() {
        Err(ServiceError::field("body", "is required"))
    } else if body.len() > MAX_MESSAGE {
        Err(ServiceError::field(
            "body",
            format!("is longer than {MAX_MESSAGE} bytes"),
        ))
    } else if body.contains('\0') {
        Err(ServiceError::field(
            "body",
            "must not contain NUL characters",
        ))
    } else {
        Ok(body.to_owned())
    }
}

/// Adds a message to a report's private thread. Maintainers and triagers write internal
/// notes or messages the reporter sees (the reporter is told by e-mail); the reporter writes
/// reporter-visible messages only.
pub async fn post_message(
    state: &AppState,
    caller: Caller<'_>,
    id: ReportId,
    body: &str,
    visibility: Visibility,
) -> Result<Message> {
    use domain::account::{Permission as P, Role};
    let body = check_message(body)?;
    let now = state.now();
    let (view, role) = acting_on(state, caller, id).await?;
    let (author_kind, author) = match caller {
        Caller::User(user) => (AuthorKind::Maintainer, Some(user.id)),
        Caller::Reporter(_) => (AuthorKind::Reporter, None),
    };
    if role == Role::Reporter && visibility == Visibility::Internal {
        return Err(ServiceError::field(
            "visibility",
            "a reporter's messages are always visible to the reporter",
        ));
    }
    let needed = match visibility {
        Visibility::Internal => P::CommentInternal,
        Visibility::Reporter => P::Comment,
    };
    if !role.allows(needed) {
        return Err(ServiceError::Forbidden);
    }
    let email = match (
        author_kind,
        visibility,
        view.report.reporter_email.as_deref(),
    ) {
        (AuthorKind::Maintainer, Visibility::Reporter, Some(to)) => Some(mail::new_message(
            state,
            &view.project,
            &view.report,
            to,
            &body,
        )),
        _ => None,
    };
    let message = report_writes::add_message(
        state,
        &NewMessage {
            id: uuid::Uuid::now_v7(),
            report: id,
            author_kind,
            author,
            visibility,
            body,
            created_at: now,
        },
        email,
    )
    .await?;
    // Wake the worker: the e-mail, if any, and webhook deliveries are due now.
    state.outbox_notify.notify_one();
    tracing::info!(report = %id, visibility = visibility.as_str(), "message added");
    if author_kind == AuthorKind::Reporter && !held_as_junk(state, id).await? {
        crate::services::notify::members(
            state,
            &view.project,
            &view.report,
            domain::notify::NotificationKind::ReporterMessage,
            "",
            None,
        )
        .await;
    }
    Ok(message)
}

/// A page of a report's thread, oldest first: for its reporter (tracking token; the
/// messages they see) or for a user with a role on the report (internal messages too with
/// `ReadInternal`). One keyset range read of at most `limit + 1` messages; `limit` and
/// `cursor` come as the caller wrote them and are refused naming the field. Anyone else,
/// and an unknown report, is "not found".
pub async fn thread_page(
    state: &AppState,
    who: Caller<'_>,
    id: ReportId,
    limit: Option<&str>,
    cursor: Option<&str>,
) -> Result<crate::services::paging::Page<Message>> {
    let request = crate::services::paging::PageRequest::parse(limit, cursor)?;
    let not_found = || ServiceError::NotFound("report");
    let internal = match who {
        Caller::Reporter(token) => {
            if !token.starts_with(crate::tokens::TRACKING) {
                return Err(not_found());
            }
            store::reports::by_tracking_hash(
                &mut *state.db.read().await?,
                &crate::tokens::hash(token),
            )
            .await?
            .filter(|r| r.id == id)
            .ok_or_else(not_found)?;
            false
        }
        Caller::User(user) => {
            let report = store::reports::by_id(&mut *state.db.read().await?, id)
                .await?
                .ok_or_else(not_found)?;
            let role = super::user_role(state, user, &report)
                .await?
                .filter(|r| r.allows(domain::account::Permission::ReadReport))
                .ok_or_else(not_found)?;
            role.allows(domain::account::Permission::ReadInternal)
        }
    };
    let rows = store::messages::page(
        &mut *state.db.read().await?,
        id,
        internal,
        request.after.as_ref(),
        request.fetch(),
    )
    .await?;
    Ok(request.finish(rows, |m| store::Keyset {
        at: m.created_at,
        id: m.id,
    }))
}
