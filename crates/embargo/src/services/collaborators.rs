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
    ReportId, UserId,
    account::{Permission, User},
    audit::{self, NewAuditEvent},
    collaborator::{Invitation, InvitationInput, Status},
    project::Project,
    report::Report,
};
use jiff::Timestamp;
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
    let stored = store_invitation(state, &new, &email)
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
    Ok(store::collaborators::of_report(&mut *state.db.read().await?, report).await?)
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
    let revoked = end_invitation(state, report, id, user.id, state.now())
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
    let Some(collaborator) =
        store::collaborators::by_token(&mut *state.db.read().await?, &tokens::hash(token)).await?
    else {
        return Err(not_found);
    };
    if collaborator.status(state.now()) != Status::Pending {
        return Err(not_found);
    }
    let report = store::reports::by_id(&mut *state.db.read().await?, collaborator.report_id)
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
    let collaborator = bind_invitation(state, &tokens::hash(token), user.id, state.now())
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
    Ok(
        store::collaborators::collaborations(&mut *state.db.read().await?, user.id, state.now())
            .await?,
    )
}

/// Stores an invitation with its e-mail and a `collaborator.invite` audit event in one unit
/// of work. `Conflict` when the address already has a live (pending or accepted, neither
/// expired nor revoked) invitation to the report.
async fn store_invitation(
    state: &AppState,
    new: &NewCollaborator,
    email: &NewEmail,
) -> store::Result<Collaborator> {
    let mut tx = state.db.begin().await?;
    let live = store::collaborators::has_live_invitation(
        &mut tx,
        new.report,
        &new.email.normalized(),
        new.invited_at,
    )
    .await?;
    if live {
        return Err(store::StoreError::Conflict(
            "this address already has a live invitation to the report".into(),
        ));
    }
    store::collaborators::insert(&mut tx, new).await?;
    store::outbox::queue(&mut tx, email).await?;
    store::audit::append(
        &mut tx,
        NewAuditEvent {
            at: new.invited_at,
            actor: audit::user_actor(new.invited_by),
            action: "collaborator.invite".into(),
            subject: audit::report_subject(new.report),
            // Who and until when; never the note (free text) or the link.
            data: serde_json::json!({
                "collaborator": new.id.to_string(),
                "email": new.email.as_str(),
                "expires_at": new.expires_at.to_string(),
            }),
        },
    )
    .await?;
    let stored = store::collaborators::by_id(&mut tx, new.id)
        .await?
        .ok_or(store::StoreError::NotFound)?;
    tx.commit().await?;
    Ok(stored)
}

/// Binds the pending invitation behind a link to `user` (single use) with a
/// `collaborator.accept` audit event; `NotFound` when the link was used, revoked or has
/// expired at `now`.
async fn bind_invitation(
    state: &AppState,
    token_hash: &str,
    user: UserId,
    now: Timestamp,
) -> store::Result<Collaborator> {
    let mut tx = state.db.begin().await?;
    let id = store::collaborators::accept(&mut tx, token_hash, user, now)
        .await?
        .ok_or(store::StoreError::NotFound)?;
    let stored = store::collaborators::by_id(&mut tx, id)
        .await?
        .ok_or(store::StoreError::NotFound)?;
    store::audit::append(
        &mut tx,
        NewAuditEvent {
            at: now,
            actor: audit::user_actor(user),
            action: "collaborator.accept".into(),
            subject: audit::report_subject(stored.report_id),
            data: serde_json::json!({ "collaborator": id.to_string(), "email": stored.email }),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(stored)
}

/// Ends the report's invitation `id` at once with a `collaborator.revoke` audit event;
/// `NotFound` when the report has no such invitation. Revoking twice changes nothing the
/// second time.
async fn end_invitation(
    state: &AppState,
    report: ReportId,
    id: uuid::Uuid,
    by: UserId,
    now: Timestamp,
) -> store::Result<Collaborator> {
    let mut tx = state.db.begin().await?;
    let revoked = store::collaborators::revoke(&mut tx, report, id, by, now).await?;
    let stored = store::collaborators::by_id(&mut tx, id)
        .await?
        .filter(|c| c.report_id == report)
        .ok_or(store::StoreError::NotFound)?;
    if revoked {
        store::audit::append(
            &mut tx,
            NewAuditEvent {
                at: now,
                actor: audit::user_actor(by),
                action: "collaborator.revoke".into(),
                subject: audit::report_subject(report),
                data: serde_json::json!({ "collaborator": id.to_string() }),
            },
        )
        .await?;
    }
    tx.commit().await?;
    Ok(stored)
}
