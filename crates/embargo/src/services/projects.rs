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
    state
        .store
        .create_project(&project, by.map(|u| u.id))
        .await
        .map_err(|e| match e {
            store::StoreError::Conflict(_) => ServiceError::field("slug", "is already taken"),
            other => other.into(),
        })?;
    if let Some(user) = by {
        state
            .store
            .set_member(project.id, user.id, ProjectRole::Maintainer)
            .await?;
    }
    tracing::info!(project = %project.slug.as_str(), "project created");
    Ok(project)
}

/// A project by slug, for anyone (its public pages).
pub async fn public(state: &AppState, slug: &str) -> Result<Project> {
    let slug = ProjectSlug::parse(slug).map_err(|_| ServiceError::NotFound("project"))?;
    state
        .store
        .project_by_slug(&slug)
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
    let role = state.store.member_role(project.id, user.id).await?;
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
    let updated = state
        .store
        .update_policy(project.id, expected_version, &policy, Some(user.id), state.now())
        .await
        .map_err(|e| match e {
            store::StoreError::Conflict(_) => ServiceError::conflict(
                "stale_version",
                "the policy was changed by someone else since you opened it; reload and apply your change again",
            ),
            other => other.into(),
        })?;
    tracing::info!(project = %updated.slug.as_str(), version = updated.policy_version, "policy updated");
    Ok(updated)
}

/// Projects the user works on (all of them for an administrator).
pub async fn of_user(state: &AppState, user: &User) -> Result<Vec<(Project, Option<ProjectRole>)>> {
    let mine = state.store.projects_of(user.id).await?;
    if !user.is_admin {
        return Ok(mine.into_iter().map(|(p, r)| (p, Some(r))).collect());
    }
    let all = state.store.list_projects().await?;
    Ok(all
        .into_iter()
        .map(|p| {
            let role = mine.iter().find(|(m, _)| m.id == p.id).map(|(_, r)| *r);
            (p, role)
        })
        .collect())
}

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
    let (user, _) = state
        .store
        .user_credentials(email.trim())
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
    let before = state
        .store
        .change_member(project.id, user.id, role, audit)
        .await?;
    tracing::info!(project = %project.slug, role = role.map(ProjectRole::as_str), "membership changed");
    Ok(before)
}
