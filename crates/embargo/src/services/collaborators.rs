//! Collaborators: a maintainer invites someone by e-mail to ONE report; the invitee accepts
//! through a single-use link (creating an account or signing in) and then works on that
//! report as `Role::Collaborator` until the invitation expires or is revoked.

use super::{
    Result, ServiceError,
    accounts::{self, NewAccount},
    reports::{self, Caller},
};
use crate::{AppState, tokens};
use domain::{
    ReportId,
    account::{Permission, User},
    collaborator::{Invitation, InvitationInput, Status},
    project::Project,
    report::Report,
};
use store::{Collaborator, NewCollaborator, NewEmail};

/// The link an invitee opens.
pub fn invitation_url(state: &AppState, token: &str) -> String {
    format!("{}/invitations/{token}", state.public_url)
}

/// The invitation e-mail. It names the project and the report's number, never its title
/// or contents: those are for the invitee's eyes once signed in.
pub fn invitation_email(
    state: &AppState,
    project: &Project,
    report: &Report,
    by: &User,
    invitation: &Invitation,
    url: &str,
) -> NewEmail {
    let mut body = format!(
        "Hello,\n\n{by} invites you to help the maintainers of {project} with the\n\
         vulnerability report #{number}, which is under embargo.\n",
        by = by.name,
        project = project.name,
        number = report.number,
    );
    if let Some(note) = &invitation.note {
        body.push_str("\nTheir note:\n\n");
        for line in note.lines() {
            body.push_str("  ");
            body.push_str(line);
            body.push('\n');
        }
    }
    body.push_str(&format!(
        "\nAccept the invitation here (the link works once):\n\n  {url}\n\n\
         Your access ends on {until} unless the maintainers end it earlier.\n\
         Keep the report confidential until it is disclosed.\n\n-- \nSent by Embargo for {project}\n",
        until = crate::present::human_time(invitation.expires_at),
        project = project.name,
    ));
    NewEmail {
        id: uuid::Uuid::now_v7(),
        to: invitation.email.as_str().to_owned(),
        subject: format!(
            "[{}] Invitation to collaborate on report #{}",
            project.name, report.number
        ),
        body_text: body,
        report: Some(report.id),
        created_at: state.now(),
        auto_submitted: None,
    }
}

/// Invites someone to the report (`Permission::Invite`: maintainers and admins). The link
/// goes out by e-mail only; its token is stored hashed.
pub async fn invite(
    state: &AppState,
    user: &User,
    report: ReportId,
    input: &InvitationInput,
) -> Result<Collaborator> {
    let (view, role) = reports::acting_on(state, Caller::User(user), report).await?;
    if !role.allows(Permission::Invite) {
        return Err(ServiceError::Forbidden);
    }
    let now = state.now();
    let invitation = input.validate(now)?;
    let token = tokens::generate(tokens::INVITATION);
    let url = invitation_url(state, &token);
    let email = invitation_email(state, &view.project, &view.report, user, &invitation, &url);
    let new = NewCollaborator {
        id: uuid::Uuid::now_v7(),
        report,
        email: invitation.email,
        note: invitation.note,
        token_hash: tokens::hash(&token),
        invited_by: user.id,
        invited_at: now,
        expires_at: invitation.expires_at,
    };
    let stored = state
        .store
        .invite_collaborator(&new, &email)
        .await
        .map_err(|e| match e {
            store::StoreError::Conflict(message) => {
                ServiceError::conflict("already_invited", message)
            }
            other => other.into(),
        })?;
    state.outbox_notify.notify_one();
    tracing::info!(report = %report, collaborator = %stored.id, "collaborator invited");
    Ok(stored)
}

/// The report's invitations, for its project's maintainers and triagers (and admins).
pub async fn list(state: &AppState, user: &User, report: ReportId) -> Result<Vec<Collaborator>> {
    let (_, role) = reports::acting_on(state, Caller::User(user), report).await?;
    if !role.allows(Permission::ReadReports) {
        return Err(ServiceError::Forbidden);
    }
    Ok(state.store.collaborators(report).await?)
}

/// Ends an invitation at once (`Permission::Invite`).
pub async fn revoke(
    state: &AppState,
    user: &User,
    report: ReportId,
    id: uuid::Uuid,
) -> Result<Collaborator> {
    let (_, role) = reports::acting_on(state, Caller::User(user), report).await?;
    if !role.allows(Permission::Invite) {
        return Err(ServiceError::Forbidden);
    }
    let revoked = state
        .store
        .revoke_collaborator(report, id, user.id, state.now())
        .await
        .map_err(|e| match e {
            store::StoreError::NotFound => ServiceError::NotFound("collaborator"),
            other => other.into(),
        })?;
    tracing::info!(report = %report, collaborator = %id, "collaborator revoked");
    Ok(revoked)
}

/// An invitation whose link still works, with what the invitee may see before accepting.
#[derive(Debug, Clone)]
pub struct Pending {
    pub collaborator: Collaborator,
    pub project: Project,
    pub number: i64,
    /// Whether the invited address has an account (then the invitee signs in).
    pub has_account: bool,
}

/// The pending invitation behind a link; "not found" for any link that is unknown, used,
/// revoked or expired, so a link tells nothing once it is spent.
pub async fn pending(state: &AppState, token: &str) -> Result<Pending> {
    let not_found = ServiceError::NotFound("invitation");
    if !token.starts_with(tokens::INVITATION) {
        return Err(not_found);
    }
    let Some(collaborator) = state
        .store
        .collaborator_by_token(&tokens::hash(token))
        .await?
    else {
        return Err(not_found);
    };
    if collaborator.status(state.now()) != Status::Pending {
        return Err(not_found);
    }
    let report = state
        .store
        .report_by_id(collaborator.report_id)
        .await?
        .ok_or(ServiceError::NotFound("invitation"))?;
    let project = store::projects::by_id(&mut *state.db.read().await?, report.project_id)
        .await?
        .ok_or(ServiceError::NotFound("invitation"))?;
    let has_account =
        store::accounts::credentials(&mut *state.db.read().await?, &collaborator.email)
            .await?
            .is_some();
    Ok(Pending {
        collaborator,
        project,
        number: report.number,
        has_account,
    })
}

/// What accepting gives: where to go, and a new session when the invitee signed in here.
#[derive(Debug)]
pub struct Accepted {
    pub collaborator: Collaborator,
    pub project_slug: String,
    pub number: i64,
    pub session: Option<String>,
}

/// Accepts an invitation for the invited address only: as the signed-in user when that is
/// their address; else by signing in with the account's password; else by creating the
/// account (name and password, argon2id) on the spot.
pub async fn accept(
    state: &AppState,
    token: &str,
    signed_in: Option<&User>,
    name: &str,
    password: &str,
) -> Result<Accepted> {
    let p = pending(state, token).await?;
    let invited = p.collaborator.email.trim().to_lowercase();
    let (user, session) = match signed_in.filter(|u| u.email.normalized() == invited) {
        Some(u) => (u.clone(), None),
        None if p.has_account => {
            let (u, s) = accounts::login(state, &p.collaborator.email, password).await?;
            (u, Some(s))
        }
        None => {
            accounts::create_user(
                state,
                NewAccount {
                    email: &p.collaborator.email,
                    name,
                    password,
                    is_admin: false,
                },
            )
            .await?;
            let (u, s) = accounts::login(state, &p.collaborator.email, password).await?;
            (u, Some(s))
        }
    };
    let collaborator = state
        .store
        .accept_collaborator(&tokens::hash(token), user.id, state.now())
        .await
        .map_err(|e| match e {
            store::StoreError::NotFound => ServiceError::NotFound("invitation"),
            other => other.into(),
        })?;
    tracing::info!(collaborator = %collaborator.id, user = %user.id, "invitation accepted");
    Ok(Accepted {
        collaborator,
        project_slug: p.project.slug.as_str().to_owned(),
        number: p.number,
        session,
    })
}

/// The reports the user collaborates on now, for their inbox.
pub async fn of_user(state: &AppState, user: &User) -> Result<Vec<store::Collaboration>> {
    Ok(state.store.collaborations(user.id, state.now()).await?)
}
