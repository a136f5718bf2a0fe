//! Advisories: written by a project's maintainers (from an accepted report or from
//! scratch), published now or at a chosen time, withdrawn with a reason; served publicly only
//! once published (HTML, OSV, CVE JSON 5, CSAF 2.0, Atom, the OSV-style query), with a CVE
//! request packet for projects without their own CNA and CVE Services for those with one.
//!
//! Who may do what: members of the project (maintainers and triagers) read and edit drafts;
//! only those with `Permission::Disclose` (maintainers, admins) publish, schedule, withdraw,
//! export the CVE packet or talk to CVE Services. Anyone else gets "not found". Every
//! create, edit, publication, withdrawal and export is in the audit log.

mod exports;
mod import;
mod lifecycle;
mod public;

use super::{Result, ServiceError, projects};
use crate::AppState;
use advisory::Status;
use domain::{
    account::{Permission, User, allowed},
    audit::NewAuditEvent,
    project::Project,
};
use jiff::Timestamp;
use serde_json::Value;
use store::{AdvisoryRecord, NewJob};

pub use exports::{
    CvePacket, csaf_path, csaf_publisher, cve_packet, cve_reserve, cve_submit, export,
    export_options, release_notes,
};
pub use import::{Imported, import_document};
pub use lifecycle::{
    Edit, NewAdvisory, create, credit_choice, publish, run_scheduled, unschedule, update, withdraw,
};
pub use public::{
    atom_feed, csaf_directory, csaf_document, csaf_provider_metadata, page_url, public_get,
    public_list, query,
};

/// Largest advisory, as JSON.
pub const MAX_ADVISORY_JSON: usize = 512 * 1024;
/// Longest withdrawal reason.
pub const MAX_REASON: usize = 1000;

/// The audit subject of an advisory.
pub fn subject(id: &str) -> String {
    format!("advisory:{id}")
}

fn event(actor: String, action: &str, id: &str, at: Timestamp, data: Value) -> NewAuditEvent {
    NewAuditEvent {
        at,
        actor,
        action: action.into(),
        subject: subject(id),
        data,
    }
}

fn conflict_on_stale(e: store::StoreError) -> ServiceError {
    match e {
        store::StoreError::Conflict(m) => ServiceError::conflict("stale_version", m),
        store::StoreError::NotFound => ServiceError::NotFound("advisory"),
        other => other.into(),
    }
}

/// Stores a new advisory with its audit event in one unit of work; `Conflict` when the id
/// is taken.
async fn insert_record(
    state: &AppState,
    record: &AdvisoryRecord,
    audit: NewAuditEvent,
) -> store::Result<AdvisoryRecord> {
    let mut tx = state.db.begin().await?;
    let stored = store::advisories::insert(&mut tx, record).await?;
    store::audit::append(&mut tx, audit).await?;
    tx.commit().await?;
    Ok(stored)
}

/// Replaces an advisory if it is still at `expected_version` (`Conflict` otherwise,
/// `NotFound` when its project has no such advisory), with its audit event, the job of a
/// scheduled publication and, when this change publishes it, the `advisory.published`
/// webhook event, all in one unit of work. Returns the record at its new version.
async fn update_record(
    state: &AppState,
    record: &AdvisoryRecord,
    expected_version: i64,
    audit: NewAuditEvent,
    job: Option<NewJob>,
) -> store::Result<AdvisoryRecord> {
    let a = &record.advisory;
    let mut tx = state.db.begin().await?;
    let was = store::advisories::by_id(&mut tx, &a.id)
        .await?
        .filter(|r| r.project_id == record.project_id)
        .map(|r| r.advisory.status);
    let stored = store::advisories::update(&mut tx, record, expected_version).await?;
    if let Some(job) = &job {
        store::jobs::enqueue(&mut tx, job).await?;
    }
    if a.status == Status::Published && was != Some(Status::Published) {
        let report = record.report_id.map(|r| r.to_string());
        store::webhooks::queue_event(
            &mut tx,
            record.project_id,
            &domain::webhook::Event::advisory_published(&a.id, report.as_deref()),
            a.modified,
        )
        .await?;
    }
    store::audit::append(&mut tx, audit).await?;
    tx.commit().await?;
    Ok(stored)
}

// Reading -----------------------------------------------------------------------------------

/// The advisory for a member of its project who may `permission`; "not found" for anyone
/// without a role there, "forbidden" for a member whose role does not allow it.
pub async fn for_user(
    state: &AppState,
    user: &User,
    id: &str,
    permission: Permission,
) -> Result<(Project, AdvisoryRecord)> {
    let mut c = state.db.read().await?;
    let record = store::advisories::by_id(&mut c, id)
        .await?
        .ok_or(ServiceError::NotFound("advisory"))?;
    let project = store::projects::by_id(&mut c, record.project_id)
        .await?
        .ok_or(ServiceError::NotFound("advisory"))?;
    let role = store::members::role(&mut c, project.id, user.id).await?;
    drop(c);
    if !allowed(user.is_admin, role, Permission::ReadReports) {
        return Err(ServiceError::NotFound("advisory"));
    }
    if !allowed(user.is_admin, role, permission) {
        return Err(ServiceError::Forbidden);
    }
    Ok((project, record))
}

/// A page of a project's advisories and where the next one starts (`None`: the last page).
#[derive(Debug, Clone)]
pub struct AdvisoryList {
    pub project: Project,
    pub items: Vec<AdvisoryRecord>,
    pub next_cursor: Option<String>,
}

/// A page of a project's advisories, drafts included, most recently modified first (its
/// maintainers and triagers): one keyset range read of at most `limit + 1` rows. `limit`
/// and `cursor` come as the caller wrote them and are refused naming the field.
pub async fn page(
    state: &AppState,
    user: &User,
    slug: &str,
    limit: Option<&str>,
    cursor: Option<&str>,
) -> Result<AdvisoryList> {
    let limit = super::reports::page_limit(limit)?;
    let after = advisory_cursor(cursor)?;
    let (project, _) = projects::for_user(state, user, slug, Permission::ReadReports).await?;
    read_page(state, project, false, after.as_ref(), limit).await
}

/// A page of a project's published and withdrawn advisories, for anyone, most recently
/// modified first (the public list and the Atom feed).
pub async fn public_page(
    state: &AppState,
    slug: &str,
    limit: Option<&str>,
    cursor: Option<&str>,
) -> Result<AdvisoryList> {
    let limit = super::reports::page_limit(limit)?;
    let after = advisory_cursor(cursor)?;
    let project = projects::public(state, slug).await?;
    read_page(state, project, true, after.as_ref(), limit).await
}

/// An advisory list's cursor: `<modified µs>.<id>` of the previous page's last advisory;
/// callers treat it as opaque.
fn advisory_cursor(cursor: Option<&str>) -> Result<Option<store::advisories::PageAfter>> {
    match cursor {
        None | Some("") => Ok(None),
        Some(v) => v
            .split_once('.')
            .and_then(|(m, id)| {
                Some(store::advisories::PageAfter {
                    modified: m.parse().ok()?,
                    id: (!id.is_empty()).then(|| id.to_owned())?,
                })
            })
            .map(Some)
            .ok_or_else(|| ServiceError::field("cursor", "is not a cursor this list gave out")),
    }
}

async fn read_page(
    state: &AppState,
    project: Project,
    public_only: bool,
    after: Option<&store::advisories::PageAfter>,
    limit: i64,
) -> Result<AdvisoryList> {
    let mut rows = store::advisories::page(
        &mut *state.db.read().await?,
        project.id,
        public_only,
        after,
        limit + 1,
    )
    .await?;
    let more = i64::try_from(rows.len()).unwrap_or(i64::MAX) > limit;
    rows.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
    let next_cursor = more
        .then(|| {
            rows.last()
                .map(|(_, at)| format!("{}.{}", at.modified, at.id))
        })
        .flatten();
    Ok(AdvisoryList {
        project,
        items: rows.into_iter().map(|(record, _)| record).collect(),
        next_cursor,
    })
}
