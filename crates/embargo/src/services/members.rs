//! A project's people: its maintainers and triagers, listed for the project's members and
//! managed by its maintainers (`Permission::ManageMembers`). An address that has an
//! account is added at once and told by e-mail; any other address gets a single-use,
//! expiring invitation link (stored as its SHA-256) that makes the account it creates or
//! signs in to a member. Every change is in the audit log: `member.set`, `member.remove`,
//! `member.invite`, `member.invite.revoke`.

use super::{
    Result, ServiceError,
    accounts::{self, NewAccount},
    projects::{self, MAX_MEMBERS},
};
use crate::{AppState, tokens};
use domain::{
    EmailAddress, ProjectId, UserId,
    account::{Permission, ProjectRole, User, allowed},
    audit::{self, NewAuditEvent},
    project::Project,
};
use jiff::{Timestamp, ToSpan};
use store::{
    NewEmail,
    member_invitations::{MemberInvitation, NewMemberInvitation},
    members::Member,
};

/// How long an invitation's link works.
pub const INVITATION_DAYS: i64 = 14;

/// At most this many invitations of a project are pending at once.
pub const MAX_PENDING: i64 = 200;

/// Parses a role as the forms and the API write it.
pub fn parse_role(field: &str, s: &str) -> Result<ProjectRole> {
    ProjectRole::parse(s.trim())
        .ok_or_else(|| ServiceError::field(field, "must be maintainer or triager"))
}

/// The members' page: who holds a role, and the pending invitations.
#[derive(Debug)]
pub struct Members {
    pub project: Project,
    /// Whether the viewer may change them (maintainers and administrators).
    pub can_manage: bool,
    pub members: Vec<Member>,
    pub invitations: Vec<MemberInvitation>,
}

/// The project's members and pending invitations, for its maintainers and triagers (and
/// administrators); anyone else gets "not found".
pub async fn list(state: &AppState, user: &User, slug: &str) -> Result<Members> {
    let (project, role) = projects::for_user(state, user, slug, Permission::ReadReports).await?;
    let mut c = state.db.read().await?;
    let members = store::members::listing(&mut c, project.id).await?;
    let invitations =
        store::member_invitations::pending_of_project(&mut c, project.id, state.now(), MAX_PENDING)
            .await?;
    Ok(Members {
        can_manage: allowed(user.is_admin, role, Permission::ManageMembers),
        project,
        members,
        invitations,
    })
}

/// What inviting did.
#[derive(Debug)]
pub enum Invited {
    /// The address has an account: it is a member now (and was told by e-mail).
    Added(Member),
    /// Any other address: an invitation went out by e-mail. `link` is the invitation's
    /// link when no SMTP server is configured (the mail stays in the outbox), for the
    /// inviter to pass on; it is never stored.
    Invitation {
        invitation: MemberInvitation,
        link: Option<String>,
    },
}

async fn manageable(state: &AppState, user: &User, slug: &str) -> Result<Project> {
    Ok(
        projects::for_user(state, user, slug, Permission::ManageMembers)
            .await?
            .0,
    )
}

fn smtp_configured(state: &AppState) -> bool {
    !secrecy::ExposeSecret::expose_secret(&state.config.smtp.url).is_empty()
}

/// The link an invitee opens.
pub fn invitation_url(state: &AppState, token: &str) -> String {
    format!("{}/join/{token}", state.public_url)
}

fn role_words(role: ProjectRole) -> &'static str {
    match role {
        ProjectRole::Maintainer => "a maintainer",
        ProjectRole::Triager => "a triager",
    }
}

fn added_email(
    state: &AppState,
    project: &Project,
    by: &User,
    to: &User,
    role: ProjectRole,
) -> NewEmail {
    NewEmail {
        id: uuid::Uuid::now_v7(),
        to: to.email.as_str().to_owned(),
        subject: format!(
            "[{}] You are {} of the project",
            project.name,
            role_words(role)
        ),
        body_text: format!(
            "Hello {name},\n\n{by} made you {role} of {project} on Embargo.\n\n\
             Its reports are here once you sign in:\n\n  {url}/inbox/{slug}\n\n\
             -- \nSent by Embargo for {project}\n",
            name = to.name,
            by = by.name,
            role = role_words(role),
            project = project.name,
            url = state.public_url,
            slug = project.slug.as_str(),
        ),
        report: None,
        created_at: state.now(),
        auto_submitted: None,
    }
}

fn invitation_email(
    state: &AppState,
    project: &Project,
    by: &User,
    to: &EmailAddress,
    role: ProjectRole,
    url: &str,
    expires: Timestamp,
) -> NewEmail {
    NewEmail {
        id: uuid::Uuid::now_v7(),
        to: to.as_str().to_owned(),
        subject: format!(
            "[{}] Invitation to join the project's security team",
            project.name
        ),
        body_text: format!(
            "Hello,\n\n{by} invites you to be {role} of {project} on Embargo, where the\n\
             project receives and handles vulnerability reports under embargo.\n\n\
             Accept the invitation here (the link works once, until {until}):\n\n  {url}\n\n\
             -- \nSent by Embargo for {project}\n",
            by = by.name,
            role = role_words(role),
            project = project.name,
            until = crate::present::human_time(expires),
        ),
        report: None,
        created_at: state.now(),
        auto_submitted: None,
    }
}

fn event(
    at: Timestamp,
    by: UserId,
    project: ProjectId,
    action: &str,
    data: serde_json::Value,
) -> NewAuditEvent {
    NewAuditEvent {
        at,
        actor: audit::user_actor(by),
        action: action.into(),
        subject: audit::project_subject(project),
        data,
    }
}

/// Invites `email` to the project as `role` (maintainers and administrators).
pub async fn invite(
    state: &AppState,
    user: &User,
    slug: &str,
    email: &str,
    role: &str,
) -> Result<Invited> {
    let project = manageable(state, user, slug).await?;
    let mut errors = domain::FieldErrors::default();
    let address = EmailAddress::parse("email", email)
        .map_err(|e| errors.0.push(e))
        .ok();
    let role = parse_role("role", role).map_err(|e| {
        if let ServiceError::Invalid(f) = e {
            errors.0.extend(f.0);
        }
    });
    let (Some(address), Ok(role)) = (address, role) else {
        return Err(ServiceError::Invalid(errors));
    };
    let now = state.now();
    let existing = store::accounts::credentials(&mut *state.db.read().await?, address.as_str())
        .await?
        .map(|(u, _)| u);
    let mut tx = state.db.begin().await?;
    let outcome = match existing {
        Some(invitee) => {
            if store::members::role(&mut tx, project.id, invitee.id)
                .await?
                .is_some()
            {
                return Err(ServiceError::field(
                    "email",
                    "is already a member of this project (change their role in the list)",
                ));
            }
            if store::members::count(&mut tx, project.id).await? >= MAX_MEMBERS {
                return Err(ServiceError::field(
                    "email",
                    format!("cannot be added: a project has at most {MAX_MEMBERS} members"),
                ));
            }
            store::members::set_at(&mut tx, project.id, invitee.id, role, now).await?;
            store::outbox::queue(&mut tx, &added_email(state, &project, user, &invitee, role))
                .await?;
            store::audit::append(
                &mut tx,
                event(
                    now,
                    user.id,
                    project.id,
                    "member.set",
                    serde_json::json!({ "user": invitee.id.to_string(), "role": role.as_str() }),
                ),
            )
            .await?;
            Invited::Added(Member {
                user: invitee,
                role,
                since: Some(now),
            })
        }
        None => {
            if store::member_invitations::has_pending(
                &mut tx,
                project.id,
                &address.normalized(),
                now,
            )
            .await?
            {
                return Err(ServiceError::field(
                    "email",
                    "already has a pending invitation (revoke it below to send a new one)",
                ));
            }
            if store::member_invitations::count_pending(&mut tx, project.id, now).await?
                >= MAX_PENDING
            {
                return Err(ServiceError::field(
                    "email",
                    format!(
                        "cannot be invited: at most {MAX_PENDING} invitations may wait at once"
                    ),
                ));
            }
            let token = tokens::generate(tokens::MEMBER_INVITATION);
            let url = invitation_url(state, &token);
            let expires_at = now
                .checked_add((INVITATION_DAYS * 24).hours())
                .map_err(|e| ServiceError::Internal(e.into()))?;
            let new = NewMemberInvitation {
                id: uuid::Uuid::now_v7(),
                project: project.id,
                email: address.clone(),
                role,
                token_hash: tokens::hash(&token),
                invited_by: user.id,
                invited_at: now,
                expires_at,
            };
            store::member_invitations::insert(&mut tx, &new).await?;
            store::outbox::queue(
                &mut tx,
                &invitation_email(state, &project, user, &address, role, &url, expires_at),
            )
            .await?;
            store::audit::append(
                &mut tx,
                event(
                    now,
                    user.id,
                    project.id,
                    "member.invite",
                    // Who, as what, until when; never the link.
                    serde_json::json!({
                        "invitation": new.id.to_string(),
                        "email": address.as_str(),
                        "role": role.as_str(),
                        "expires_at": expires_at.to_string(),
                    }),
                ),
            )
            .await?;
            let invitation = store::member_invitations::by_id(&mut tx, new.id)
                .await?
                .ok_or(ServiceError::NotFound("invitation"))?;
            Invited::Invitation {
                invitation,
                link: (!smtp_configured(state)).then_some(url),
            }
        }
    };
    tx.commit().await?;
    state.outbox_notify.notify_one();
    tracing::info!(project = %project.slug.as_str(), "member invited");
    Ok(outcome)
}

/// Refuses a change that would leave a project that has maintainers without one.
async fn keep_a_maintainer(
    c: &mut store::Conn,
    project: ProjectId,
    before: ProjectRole,
    after: Option<ProjectRole>,
    field: &str,
) -> Result<()> {
    if before == ProjectRole::Maintainer
        && after != Some(ProjectRole::Maintainer)
        && store::members::count_maintainers(c, project).await? <= 1
    {
        return Err(ServiceError::field(
            field,
            "is the project's last maintainer: make someone else a maintainer first",
        ));
    }
    Ok(())
}

/// Changes a member's role (maintainers and administrators); "not found" for someone who
/// is not a member.
pub async fn set_role(
    state: &AppState,
    user: &User,
    slug: &str,
    member: UserId,
    role: &str,
) -> Result<ProjectRole> {
    let project = manageable(state, user, slug).await?;
    let role = parse_role("role", role)?;
    let now = state.now();
    let mut tx = state.db.begin().await?;
    let before = store::members::role(&mut tx, project.id, member)
        .await?
        .ok_or(ServiceError::NotFound("member"))?;
    if before == role {
        return Ok(role);
    }
    keep_a_maintainer(&mut tx, project.id, before, Some(role), "role").await?;
    store::members::set_at(&mut tx, project.id, member, role, now).await?;
    store::audit::append(
        &mut tx,
        event(
            now,
            user.id,
            project.id,
            "member.set",
            serde_json::json!({ "user": member.to_string(), "role": role.as_str(), "was": before.as_str() }),
        ),
    )
    .await?;
    tx.commit().await?;
    tracing::info!(project = %project.slug.as_str(), role = role.as_str(), "member's role changed");
    Ok(role)
}

/// Removes a member (maintainers and administrators); returns whether they were one.
pub async fn remove(state: &AppState, user: &User, slug: &str, member: UserId) -> Result<bool> {
    let project = manageable(state, user, slug).await?;
    let now = state.now();
    let mut tx = state.db.begin().await?;
    let Some(before) = store::members::role(&mut tx, project.id, member).await? else {
        return Ok(false);
    };
    keep_a_maintainer(&mut tx, project.id, before, None, "member").await?;
    store::members::remove(&mut tx, project.id, member).await?;
    store::audit::append(
        &mut tx,
        event(
            now,
            user.id,
            project.id,
            "member.remove",
            serde_json::json!({ "user": member.to_string(), "role": serde_json::Value::Null, "was": before.as_str() }),
        ),
    )
    .await?;
    tx.commit().await?;
    tracing::info!(project = %project.slug.as_str(), "member removed");
    Ok(true)
}

/// Revokes a pending invitation (maintainers and administrators); returns whether it was
/// pending (revoking twice, or an unknown id, changes nothing).
pub async fn revoke(state: &AppState, user: &User, slug: &str, id: uuid::Uuid) -> Result<bool> {
    let project = manageable(state, user, slug).await?;
    let now = state.now();
    let mut tx = state.db.begin().await?;
    let revoked = store::member_invitations::revoke(&mut tx, project.id, id, now).await?;
    if revoked {
        store::audit::append(
            &mut tx,
            event(
                now,
                user.id,
                project.id,
                "member.invite.revoke",
                serde_json::json!({ "invitation": id.to_string() }),
            ),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(revoked)
}

/// A pending invitation behind a link, with what the invitee sees before accepting.
#[derive(Debug, Clone)]
pub struct Pending {
    pub invitation: MemberInvitation,
    pub project: Project,
    /// Whether the invited address has an account by now (then the invitee signs in).
    pub has_account: bool,
}

/// The pending invitation behind a link; "not found" for any link that is unknown, used,
/// revoked or expired.
pub async fn pending(state: &AppState, token: &str) -> Result<Pending> {
    let not_found = ServiceError::NotFound("invitation");
    if !token.starts_with(tokens::MEMBER_INVITATION) {
        return Err(not_found);
    }
    let mut c = state.db.read().await?;
    let Some(invitation) =
        store::member_invitations::by_token(&mut c, &tokens::hash(token)).await?
    else {
        return Err(not_found);
    };
    if !invitation.is_pending(state.now()) {
        return Err(not_found);
    }
    let project = store::projects::by_id(&mut c, invitation.project_id)
        .await?
        .ok_or(ServiceError::NotFound("invitation"))?;
    let has_account = store::accounts::credentials(&mut c, &invitation.email)
        .await?
        .is_some();
    Ok(Pending {
        invitation,
        project,
        has_account,
    })
}

/// What accepting gives: the project's slug, and a new session when the invitee signed in
/// or created the account here.
#[derive(Debug)]
pub struct Accepted {
    pub project_slug: String,
    pub session: Option<String>,
}

/// Accepts an invitation for the invited address only: as the signed-in user when that is
/// their address; else by signing in with the account's password; else by creating the
/// account on the spot.
pub async fn accept(
    state: &AppState,
    token: &str,
    signed_in: Option<&User>,
    name: &str,
    password: &str,
) -> Result<Accepted> {
    let p = pending(state, token).await?;
    let invited = p.invitation.email.trim().to_lowercase();
    let (user, session) = match signed_in.filter(|u| u.email.normalized() == invited) {
        Some(u) => (u.clone(), None),
        None if p.has_account => {
            let (u, s) = accounts::login(state, &p.invitation.email, password).await?;
            (u, Some(s))
        }
        None => {
            accounts::create_user(
                state,
                NewAccount {
                    email: &p.invitation.email,
                    name,
                    password,
                    is_admin: false,
                },
            )
            .await?;
            let (u, s) = accounts::login(state, &p.invitation.email, password).await?;
            (u, Some(s))
        }
    };
    let now = state.now();
    let mut tx = state.db.begin().await?;
    let id = store::member_invitations::accept(&mut tx, &tokens::hash(token), user.id, now)
        .await?
        .ok_or(ServiceError::NotFound("invitation"))?;
    let before = store::members::role(&mut tx, p.project.id, user.id).await?;
    // Someone who is a member by now keeps a maintainer's role over a triager's invitation.
    let role = match before {
        Some(ProjectRole::Maintainer) => ProjectRole::Maintainer,
        _ => p.invitation.role,
    };
    if before.is_none() && store::members::count(&mut tx, p.project.id).await? >= MAX_MEMBERS {
        return Err(ServiceError::conflict(
            "too_many_members",
            format!("a project has at most {MAX_MEMBERS} maintainers and triagers"),
        ));
    }
    store::members::set_at(&mut tx, p.project.id, user.id, role, now).await?;
    store::audit::append(
        &mut tx,
        event(
            now,
            user.id,
            p.project.id,
            "member.set",
            serde_json::json!({
                "user": user.id.to_string(),
                "role": role.as_str(),
                "invitation": id.to_string(),
            }),
        ),
    )
    .await?;
    tx.commit().await?;
    tracing::info!(project = %p.project.slug.as_str(), "member invitation accepted");
    Ok(Accepted {
        project_slug: p.project.slug.as_str().to_owned(),
        session,
    })
}
