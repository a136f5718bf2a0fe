//! Projects and their versioned policies.

use super::{Result, ServiceError};
use crate::AppState;
use domain::{
    FieldErrors, ProjectId, ProjectSlug,
    account::{Permission, ProjectRole, User, allowed},
    policy::Policy,
    project::Project,
};

/// What creating a project needs. `policy` is the TOML of DESIGN.md §3 (optional).
#[derive(Debug, Default)]
pub struct NewProject<'a> {
    pub slug: &'a str,
    pub name: &'a str,
    /// Added to the policy's contacts (a `mailto:`/`https:` URI).
    pub contact: Option<&'a str>,
    pub policy_toml: Option<&'a str>,
}

pub async fn create(state: &AppState, new: NewProject<'_>, by: Option<&User>) -> Result<Project> {
    let mut errors = FieldErrors::default();
    let slug = ProjectSlug::parse(new.slug)
        .map_err(|e| errors.0.push(e))
        .ok();
    let name = domain::project::check_name(new.name)
        .map_err(|e| errors.0.push(e))
        .ok();
    let mut policy = match new.policy_toml {
        Some(text) => match Policy::from_toml(text) {
            Ok(p) => Some(p),
            Err(e) => {
                errors.push("policy", e.to_string());
                None
            }
        },
        None => Some(Policy::default()),
    };
    if let (Some(p), Some(contact)) = (
        policy.as_mut(),
        new.contact.map(str::trim).filter(|c| !c.is_empty()),
    ) {
        if let Err(e) = domain::policy::check_uri(contact, &["mailto", "https", "tel"]) {
            errors.push("contact", e);
        } else if !p.contacts.iter().any(|c| c == contact) {
            p.contacts.insert(0, contact.to_owned());
        }
    }
    if let Some(p) = &policy
        && let Err(e) = p.validate()
    {
        errors.0.extend(e.0.into_iter().map(|mut f| {
            f.field = format!("policy.{}", f.field);
            f
        }));
    }
    let (Some(slug), Some(name), Some(policy)) = (slug, name, policy) else {
        return Err(ServiceError::Invalid(errors));
    };
    errors.into_result(())?;
    let project = Project {
        id: ProjectId::new(),
        slug,
        name,
        policy,
        policy_version: 1,
        created_at: state.now(),
    };
    // The project, its first policy version, its security.txt watch and its creator's
    // membership are stored together.
    let created_by = by.map(|u| u.id);
    let mut tx = state.db.begin().await?;
    store::projects::insert(&mut tx, &project)
        .await
        .map_err(|e| match e {
            store::StoreError::Conflict(_) => ServiceError::field("slug", "is already taken"),
            other => other.into(),
        })?;
    store::projects::insert_policy_version(
        &mut tx,
        project.id,
        project.policy_version,
        &project.policy,
        created_by,
        project.created_at,
    )
    .await?;
    store::watch::sync(
        &mut tx,
        project.id,
        project.policy.security_txt_url.as_deref(),
        project.created_at,
    )
    .await?;
    if let Some(user) = created_by {
        store::members::set_at(
            &mut tx,
            project.id,
            user,
            ProjectRole::Maintainer,
            project.created_at,
        )
        .await?;
        // The creator is the project's first maintainer.
        store::audit::append(
            &mut tx,
            domain::audit::NewAuditEvent {
                at: project.created_at,
                actor: domain::audit::user_actor(user),
                action: "member.set".into(),
                subject: domain::audit::project_subject(project.id),
                data: serde_json::json!({
                    "user": user.to_string(),
                    "role": ProjectRole::Maintainer.as_str(),
                    "reason": "created the project",
                }),
            },
        )
        .await?;
    }
    tx.commit().await?;
    tracing::info!(project = %project.slug.as_str(), "project created");
    Ok(project)
}

/// A project by slug, for anyone (its public pages).
pub async fn public(state: &AppState, slug: &str) -> Result<Project> {
    public_on(&mut *state.db.read().await?, slug).await
}

/// [`public`] on a connection the caller holds (to read more on it in one checkout).
pub async fn public_on(conn: &mut store::Conn, slug: &str) -> Result<Project> {
    let slug = ProjectSlug::parse(slug).map_err(|_| ServiceError::NotFound("project"))?;
    store::projects::by_slug(conn, &slug)
        .await?
        .ok_or(ServiceError::NotFound("project"))
}

/// A project the user may act on with `permission`. Someone with no role at all gets
/// "not found", so the existence of private data is not confirmed.
pub async fn for_user(
    state: &AppState,
    user: &User,
    slug: &str,
    permission: Permission,
) -> Result<(Project, Option<ProjectRole>)> {
    let project = public(state, slug).await?;
    let role = store::members::role(&mut *state.db.read().await?, project.id, user.id).await?;
    if allowed(user.is_admin, role, permission) {
        Ok((project, role))
    } else if allowed(user.is_admin, role, Permission::ReadReports) {
        Err(ServiceError::Forbidden)
    } else {
        Err(ServiceError::NotFound("project"))
    }
}

/// Replaces the policy with one parsed from TOML, keeping the old version. `expected_version`
/// is the version the editor started from: a concurrent change makes this a conflict.
pub async fn update_policy(
    state: &AppState,
    user: &User,
    slug: &str,
    expected_version: i64,
    toml_text: &str,
) -> Result<Project> {
    let (project, _) = for_user(state, user, slug, Permission::EditPolicy).await?;
    let policy =
        Policy::from_toml(toml_text).map_err(|e| ServiceError::field("policy", e.to_string()))?;
    policy.validate().map_err(|e| {
        ServiceError::Invalid(FieldErrors(
            e.0.into_iter()
                .map(|mut f| {
                    f.field = format!("policy.{}", f.field);
                    f
                })
                .collect(),
        ))
    })?;
    let now = state.now();
    let stale = |e| match e {
        store::StoreError::Conflict(_) => ServiceError::conflict(
            "stale_version",
            "the policy was changed by someone else since you opened it; reload and apply your change again",
        ),
        other => other.into(),
    };
    let mut tx = state.db.begin().await?;
    let before = store::projects::by_id(&mut tx, project.id)
        .await?
        .ok_or(ServiceError::NotFound("project"))?;
    let version = store::projects::set_policy(&mut tx, project.id, expected_version, &policy)
        .await
        .map_err(stale)?;
    store::projects::insert_policy_version(
        &mut tx,
        project.id,
        version,
        &policy,
        Some(user.id),
        now,
    )
    .await?;
    store::watch::sync(&mut tx, project.id, policy.security_txt_url.as_deref(), now).await?;
    // A changed policy changes what the triage says: its open reports are triaged again.
    let retriage = if before.policy != policy {
        store::triage::requeue_open(&mut tx, project.id, now).await?
    } else {
        0
    };
    store::audit::append(
        &mut tx,
        domain::audit::NewAuditEvent {
            at: now,
            actor: domain::audit::user_actor(user.id),
            action: "policy.update".into(),
            subject: domain::audit::project_subject(project.id),
            data: serde_json::json!({ "version": version, "retriage": retriage }),
        },
    )
    .await?;
    let updated = store::projects::by_id(&mut tx, project.id)
        .await?
        .ok_or(ServiceError::NotFound("project"))?;
    tx.commit().await?;
    tracing::info!(project = %updated.slug.as_str(), version = updated.policy_version, "policy updated");
    Ok(updated)
}

/// Projects the user works on (all of them for an administrator).
pub async fn of_user(state: &AppState, user: &User) -> Result<Vec<(Project, Option<ProjectRole>)>> {
    let mine = store::members::projects_of(&mut *state.db.read().await?, user.id).await?;
    if !user.is_admin {
        return Ok(mine.into_iter().map(|(p, r)| (p, Some(r))).collect());
    }
    let all = store::projects::list(&mut *state.db.read().await?).await?;
    Ok(all
        .into_iter()
        .map(|p| {
            let role = mine.iter().find(|(m, _)| m.id == p.id).map(|(_, r)| *r);
            (p, role)
        })
        .collect())
}

/// Most maintainers and triagers a project may have: the lists that name them (notification
/// recipients, the members' pages) are read whole, so they stay small.
pub const MAX_MEMBERS: i64 = 200;

/// Makes the user with `email` a maintainer or triager of the project `slug`, or removes
/// them (`role` `None`); recorded in the audit log as `member.set` or `member.remove` by
/// `actor`. Returns the role they had. For instance administrators (the command line).
pub async fn set_member(
    state: &AppState,
    slug: &str,
    email: &str,
    role: Option<ProjectRole>,
    actor: &str,
) -> Result<Option<ProjectRole>> {
    let project = public(state, slug).await?;
    let (user, _) = store::accounts::credentials(&mut *state.db.read().await?, email.trim())
        .await?
        .ok_or_else(|| ServiceError::field("email", "no user has this address"))?;
    let now = state.now();
    let audit = domain::audit::NewAuditEvent {
        at: now,
        actor: actor.to_owned(),
        action: if role.is_some() {
            "member.set"
        } else {
            "member.remove"
        }
        .into(),
        subject: domain::audit::project_subject(project.id),
        data: serde_json::json!({
            "user": user.id.to_string(),
            "role": role.map(ProjectRole::as_str),
        }),
    };
    let mut tx = state.db.begin().await?;
    let before = store::members::role(&mut tx, project.id, user.id).await?;
    if role.is_some()
        && before.is_none()
        && store::members::count(&mut tx, project.id).await? >= MAX_MEMBERS
    {
        return Err(ServiceError::conflict(
            "too_many_members",
            format!("a project has at most {MAX_MEMBERS} maintainers and triagers"),
        ));
    }
    match role {
        Some(role) => store::members::set_at(&mut tx, project.id, user.id, role, now).await?,
        None => store::members::remove(&mut tx, project.id, user.id).await?,
    }
    store::audit::append(&mut tx, audit).await?;
    tx.commit().await?;
    tracing::info!(project = %project.slug, role = role.map(ProjectRole::as_str), "membership changed");
    Ok(before)
}

/// The projects that may own one of these addresses (a `mailto:` contact of their policy,
/// or a reply address beside one): those whose policy mentions the contact the address
/// would be, found by the database, so mail for one project does not read every project.
/// `inbound::addressee` decides among them. An address the search cannot express (not
/// ASCII, or with a quote or backslash, which the stored JSON escapes) reads them all.
pub async fn for_addresses(state: &AppState, addresses: &[&str]) -> Result<Vec<Project>> {
    let mut needles = Vec::new();
    for address in addresses {
        let address = mail::bare_address(address).to_ascii_lowercase();
        let Some((local, domain)) = address.rsplit_once('@') else {
            continue;
        };
        let domain = domain.strip_suffix('.').unwrap_or(domain);
        let base = local.split_once('+').map_or(local, |(base, _)| base);
        let needle = format!("mailto:{base}@{domain}");
        if !needle.is_ascii() || needle.contains(['"', '\\']) {
            return all(state).await;
        }
        needles.push(needle);
    }
    Ok(store::projects::mentioning(&mut *state.db.read().await?, &needles).await?)
}

/// Every project of the instance, oldest first (the public home page lists them).
pub async fn all(state: &AppState) -> Result<Vec<Project>> {
    Ok(store::projects::list(&mut *state.db.read().await?).await?)
}

/// A project by id, if it exists (the caller checked access by other means).
pub async fn by_id(state: &AppState, id: ProjectId) -> Result<Option<Project>> {
    Ok(store::projects::by_id(&mut *state.db.read().await?, id).await?)
}

/// The user's role in the project, if they are a member.
pub async fn role_of(
    state: &AppState,
    project: &Project,
    user: &User,
) -> Result<Option<ProjectRole>> {
    Ok(store::members::role(&mut *state.db.read().await?, project.id, user.id).await?)
}

/// How many of a project's policy versions the policy page lists (every version is kept).
pub const POLICY_HISTORY_SHOWN: i64 = 50;

/// The project's latest [`POLICY_HISTORY_SHOWN`] policy versions, newest first.
pub async fn policy_history(
    state: &AppState,
    project: &Project,
) -> Result<Vec<store::PolicyVersion>> {
    Ok(store::projects::policy_history(
        &mut *state.db.read().await?,
        project.id,
        POLICY_HISTORY_SHOWN,
    )
    .await?)
}
