//! A project's webhooks: its maintainers add and remove endpoints, rotate the project's
//! secret and read each endpoint's delivery log. Events are queued in the unit of work of
//! each change (`store::webhooks::queue_event`); [`crate::jobs::deliver_webhook`] delivers
//! them.
//!
//! The secret is derived from the instance secret and a random nonce kept per project
//! (`domain::webhook::derive_secret`): the database alone never gives it, and it is shown
//! only when the first endpoint is added and at each rotation.

use super::{Result, ServiceError, projects};
use crate::AppState;
use domain::{
    ProjectId,
    account::{Permission, User},
    audit::{NewAuditEvent, project_subject, user_actor},
    project::Project,
    webhook,
};
use store::{WebhookDelivery, WebhookEndpoint};

/// How many deliveries of an endpoint the log shows.
pub const LOG_LIMIT: i64 = 50;
/// Most endpoints a project may have.
pub const MAX_ENDPOINTS: usize = 20;

/// The secret for `project` with `nonce`.
pub fn secret(state: &AppState, project: ProjectId, nonce: &str) -> String {
    webhook::derive_secret(state.secret.expose(), &project.to_string(), nonce)
}

/// The project's current secret, if it has one (for signing deliveries).
pub async fn current_secret(state: &AppState, project: ProjectId) -> Result<Option<String>> {
    Ok(
        store::webhooks::nonce(&mut *state.db.read().await?, project)
            .await?
            .map(|(nonce, _)| secret(state, project, &nonce)),
    )
}

/// An endpoint with its latest deliveries.
#[derive(Debug)]
pub struct EndpointLog {
    pub endpoint: WebhookEndpoint,
    pub deliveries: Vec<WebhookDelivery>,
}

/// The project's webhook settings as its maintainers see them.
#[derive(Debug)]
pub struct Settings {
    pub project: Project,
    pub endpoints: Vec<EndpointLog>,
    /// When the secret was last set; `None` before the first endpoint.
    pub secret_since: Option<jiff::Timestamp>,
}

pub async fn settings(state: &AppState, user: &User, slug: &str) -> Result<Settings> {
    let (project, _) = projects::for_user(state, user, slug, Permission::EditPolicy).await?;
    let mut c = state.db.read().await?;
    let mut endpoints = Vec::new();
    for endpoint in store::webhooks::of_project(&mut c, project.id).await? {
        let deliveries = store::webhooks::deliveries(&mut c, endpoint.id, LOG_LIMIT).await?;
        endpoints.push(EndpointLog {
            endpoint,
            deliveries,
        });
    }
    let secret_since = store::webhooks::nonce(&mut c, project.id)
        .await?
        .map(|(_, t)| t);
    Ok(Settings {
        project,
        endpoints,
        secret_since,
    })
}

/// A new endpoint, and the project's secret when this endpoint made it (shown once).
#[derive(Debug)]
pub struct Created {
    pub endpoint: WebhookEndpoint,
    pub secret: Option<String>,
}

pub async fn create(
    state: &AppState,
    user: &User,
    slug: &str,
    url: &str,
    events: &[String],
) -> Result<Created> {
    let (project, _) = projects::for_user(state, user, slug, Permission::EditPolicy).await?;
    let mut errors = domain::FieldErrors::default();
    let url = webhook::check_url(url).map_err(|e| errors.0.push(e)).ok();
    let events = webhook::parse_events(events)
        .map_err(|e| errors.0.push(e))
        .ok();
    let (Some(url), Some(events)) = (url, events) else {
        return Err(ServiceError::Invalid(errors));
    };
    if store::webhooks::of_project(&mut *state.db.read().await?, project.id)
        .await?
        .len()
        >= MAX_ENDPOINTS
    {
        return Err(ServiceError::field(
            "url",
            format!("a project has at most {MAX_ENDPOINTS} endpoints; remove one first"),
        ));
    }
    let now = state.now();
    let endpoint = WebhookEndpoint {
        id: uuid::Uuid::now_v7(),
        project_id: project.id,
        url,
        events,
        created_by: Some(user.id),
        created_at: now,
    };
    let nonce = crate::tokens::generate("");
    let audit = NewAuditEvent {
        at: now,
        actor: user_actor(user.id),
        action: "webhook.create".into(),
        subject: project_subject(project.id),
        data: serde_json::json!({
            "endpoint": endpoint.id.to_string(),
            "url": endpoint.url,
            "events": endpoint.events.iter().map(|e| e.as_str()).collect::<Vec<_>>(),
        }),
    };
    // The project's first endpoint sets its secret; later ones keep it.
    let mut tx = state.db.begin().await?;
    let new_secret = store::webhooks::init_nonce(&mut tx, project.id, &nonce, now).await?;
    store::webhooks::insert(&mut tx, &endpoint).await?;
    store::audit::append(&mut tx, audit).await?;
    tx.commit().await?;
    tracing::info!(project = %project.slug.as_str(), endpoint = %endpoint.id, "webhook endpoint added");
    Ok(Created {
        secret: new_secret.then(|| secret(state, project.id, &nonce)),
        endpoint,
    })
}

pub async fn delete(state: &AppState, user: &User, slug: &str, id: &str) -> Result<()> {
    let (project, _) = projects::for_user(state, user, slug, Permission::EditPolicy).await?;
    let id = id
        .parse::<uuid::Uuid>()
        .map_err(|_| ServiceError::NotFound("webhook"))?;
    let audit = NewAuditEvent {
        at: state.now(),
        actor: user_actor(user.id),
        action: "webhook.delete".into(),
        subject: project_subject(project.id),
        data: serde_json::json!({ "endpoint": id.to_string() }),
    };
    let mut tx = state.db.begin().await?;
    store::webhooks::delete(&mut tx, project.id, id)
        .await
        .map_err(|e| match e {
            store::StoreError::NotFound => ServiceError::NotFound("webhook"),
            other => other.into(),
        })?;
    store::audit::append(&mut tx, audit).await?;
    tx.commit().await?;
    tracing::info!(project = %project.slug.as_str(), endpoint = %id, "webhook endpoint removed");
    Ok(())
}

/// Replaces the project's secret; the new one is returned (shown once). Deliveries not yet
/// made are signed with it.
pub async fn rotate(state: &AppState, user: &User, slug: &str) -> Result<String> {
    let (project, _) = projects::for_user(state, user, slug, Permission::EditPolicy).await?;
    let nonce = crate::tokens::generate("");
    let now = state.now();
    let audit = NewAuditEvent {
        at: now,
        actor: user_actor(user.id),
        action: "webhook.rotate_secret".into(),
        subject: project_subject(project.id),
        data: serde_json::json!({}),
    };
    let mut tx = state.db.begin().await?;
    store::webhooks::set_nonce(&mut tx, project.id, &nonce, now).await?;
    store::audit::append(&mut tx, audit).await?;
    tx.commit().await?;
    tracing::info!(project = %project.slug.as_str(), "webhook secret rotated");
    Ok(secret(state, project.id, &nonce))
}

/// A page of one endpoint's deliveries, newest first, each with its attempts (for the
/// API): one keyset range read of at most `limit + 1` deliveries and their attempts.
/// `limit` and `cursor` come as the caller wrote them and are refused naming the field.
pub async fn deliveries(
    state: &AppState,
    user: &User,
    slug: &str,
    id: &str,
    limit: Option<&str>,
    cursor: Option<&str>,
) -> Result<super::paging::Page<WebhookDelivery>> {
    let request = super::paging::PageRequest::parse(limit, cursor)?;
    let (project, _) = projects::for_user(state, user, slug, Permission::EditPolicy).await?;
    let id = id
        .parse::<uuid::Uuid>()
        .map_err(|_| ServiceError::NotFound("webhook"))?;
    let mut c = state.db.read().await?;
    if !store::webhooks::of_project(&mut c, project.id)
        .await?
        .iter()
        .any(|e| e.id == id)
    {
        return Err(ServiceError::NotFound("webhook"));
    }
    let rows =
        store::webhooks::deliveries_page(&mut c, id, request.after.as_ref(), request.fetch())
            .await?;
    Ok(request.finish(rows, |d| store::Keyset {
        at: d.created_at,
        id: d.id,
    }))
}

/// The endpoints of a project (for the API).
pub async fn list(state: &AppState, user: &User, slug: &str) -> Result<Vec<WebhookEndpoint>> {
    let (project, _) = projects::for_user(state, user, slug, Permission::EditPolicy).await?;
    Ok(store::webhooks::of_project(&mut *state.db.read().await?, project.id).await?)
}
