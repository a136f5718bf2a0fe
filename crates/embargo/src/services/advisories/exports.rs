//! Exports: the formats, release notes, the CVE request packet and CVE Services.

use crate::AppState;
use crate::services::{
    Result, ServiceError,
    cve_services::{CveServices, CveServicesError},
};
use advisory::{Advisory, ExportOptions, Format};
use domain::{
    FieldError, FieldErrors,
    account::{Permission, User},
    audit,
    project::Project,
};
use serde_json::Value;
use store::AdvisoryRecord;

use super::public::public_list;
use super::{conflict_on_stale, event, for_user, update_record};

// Formats -----------------------------------------------------------------------------------

/// The CSAF directory path of an advisory: `<year of publication>/<file name>`.
pub fn csaf_path(a: &Advisory) -> String {
    let year = a
        .published
        .unwrap_or(a.modified)
        .to_zoned(jiff::tz::TimeZone::UTC)
        .year();
    format!("{year}/{}", advisory::csaf::filename(&a.id))
}

/// The CSAF publisher of a project's documents.
pub fn csaf_publisher(state: &AppState, project: &Project) -> advisory::csaf::Publisher {
    let c = &state.config.csaf;
    let or = |v: &str, d: &str| {
        if v.is_empty() {
            d.to_owned()
        } else {
            v.to_owned()
        }
    };
    advisory::csaf::Publisher {
        category: c.publisher_category.clone(),
        name: or(&c.publisher_name, &project.name),
        namespace: or(&c.publisher_namespace, &state.public_url),
        contact_details: (!c.contact_details.is_empty()).then(|| c.contact_details.clone()),
    }
}

/// Export options from the configuration.
pub fn export_options(state: &AppState, project: &Project, a: &Advisory) -> ExportOptions {
    let defaults = ExportOptions::default();
    let cve = &state.config.cve;
    ExportOptions {
        cve_org_id: if cve.org_id.is_empty() {
            defaults.cve_org_id
        } else {
            cve.org_id.clone()
        },
        cve_short_name: (!cve.org_short_name.is_empty()).then(|| cve.org_short_name.clone()),
        cve_placeholder_id: None,
        publisher: csaf_publisher(state, project),
        csaf_self_url: state.config.csaf.enabled.then(|| {
            format!(
                "{}/.well-known/csaf/white/{}",
                state.public_url,
                csaf_path(a)
            )
        }),
    }
}

/// A public advisory in a format: OSV, the full CVE record (only with a CVE id), CSAF.
pub fn export(
    state: &AppState,
    project: &Project,
    record: &AdvisoryRecord,
    format: Format,
) -> Result<Value> {
    let opts = export_options(state, project, &record.advisory);
    advisory::export(&record.advisory, format, &opts).map_err(|e| match e {
        advisory::ExportError::NoCveId => ServiceError::NotFound("CVE record"),
        other => ServiceError::Internal(anyhow::anyhow!("export of {}: {other}", record.id())),
    })
}

/// The Markdown release-note section for `version` (of `package`, when given): published
/// advisories fixed in it, for anyone.
pub async fn release_notes(
    state: &AppState,
    slug: &str,
    package: Option<&str>,
    version: &str,
) -> Result<String> {
    if version.trim().is_empty() || version.len() > 200 {
        return Err(ServiceError::field(
            "version",
            "is required (at most 200 bytes)",
        ));
    }
    let (_, list) = public_list(state, slug).await?;
    let advisories: Vec<Advisory> = list.into_iter().map(|r| r.advisory).collect();
    Ok(advisory::release_notes(
        &advisories,
        package,
        version.trim(),
    ))
}

/// What a project without its own CNA sends to one: the CNA container (with any problems
/// the official schema finds in it) and a plain-text summary for the request form.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct CvePacket {
    #[schema(value_type = Object)]
    pub cna_container: Value,
    pub summary: String,
    /// Schema problems of the container, by JSON path; empty when it is ready to send.
    pub problems: Vec<String>,
}

/// The CVE request packet of an advisory (drafts too), for those who may disclose. Audited
/// as an export.
pub async fn cve_packet(state: &AppState, user: &User, id: &str) -> Result<CvePacket> {
    let (project, record) = for_user(state, user, id, Permission::Disclose).await?;
    let opts = export_options(state, &project, &record.advisory);
    let packet = advisory::cve::request_packet(&record.advisory, &opts)
        .map_err(|e| ServiceError::conflict("not_exportable", e.to_string()))?;
    let problems = advisory::validate_cve_cna(&packet.cna_container)
        .into_iter()
        .map(|p| p.to_string())
        .collect();
    let mut tx = state.db.begin().await?;
    store::audit::append(
        &mut tx,
        event(
            audit::user_actor(user.id),
            "advisory.export",
            id,
            state.now(),
            serde_json::json!({ "format": "cve-request-packet" }),
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(CvePacket {
        cna_container: packet.cna_container,
        summary: packet.summary,
        problems,
    })
}

fn cve_client(state: &AppState, project: &Project) -> Result<CveServices> {
    if !state.config.cve.serves(project.slug.as_str()) {
        return Err(ServiceError::conflict(
            "no_cna",
            "this project has no CNA configured here; download the CVE request packet instead",
        ));
    }
    CveServices::from_config(&state.config.cve)
        .map_err(cve_error)?
        .ok_or_else(|| ServiceError::conflict("no_cna", "CVE Services is not configured"))
}

fn cve_error(e: CveServicesError) -> ServiceError {
    tracing::warn!(error = %e, "CVE Services call failed");
    ServiceError::conflict("cve_services", e.to_string())
}

/// Reserves a CVE id for the advisory from CVE Services and adds it as an alias.
pub async fn cve_reserve(state: &AppState, user: &User, id: &str) -> Result<AdvisoryRecord> {
    let (project, record) = for_user(state, user, id, Permission::Disclose).await?;
    if let Some(cve) = record.advisory.cve_id() {
        return Err(ServiceError::conflict(
            "has_cve",
            format!("the advisory already has {cve}"),
        ));
    }
    let client = cve_client(state, &project)?;
    let now = state.now();
    let year = now.to_zoned(jiff::tz::TimeZone::UTC).year();
    let cve = client.reserve(year).await.map_err(cve_error)?;
    let version = record.version;
    let mut advisory = record.advisory.clone();
    advisory.aliases.push(cve.clone());
    advisory.modified = now;
    let stored = update_record(
        state,
        &AdvisoryRecord { advisory, ..record },
        version,
        event(
            audit::user_actor(user.id),
            "advisory.cve_reserve",
            id,
            now,
            serde_json::json!({ "cve": cve }),
        ),
        None,
    )
    .await
    .map_err(conflict_on_stale)?;
    tracing::info!(advisory = %id, cve = %cve, "CVE id reserved");
    Ok(stored)
}

/// Sends a published advisory's CNA container to CVE Services: publishes the record the
/// first time, updates it afterwards.
pub async fn cve_submit(state: &AppState, user: &User, id: &str) -> Result<AdvisoryRecord> {
    let (project, record) = for_user(state, user, id, Permission::Disclose).await?;
    if !record.is_public() {
        return Err(ServiceError::conflict(
            "not_published",
            "publish the advisory before its CVE record",
        ));
    }
    let cve = record
        .advisory
        .cve_id()
        .map(str::to_owned)
        .ok_or_else(|| ServiceError::conflict("no_cve", "reserve a CVE id first"))?;
    let client = cve_client(state, &project)?;
    let opts = export_options(state, &project, &record.advisory);
    let container = advisory::cve::to_cve_cna(&record.advisory, &opts)
        .map_err(|e| ServiceError::conflict("not_exportable", e.to_string()))?;
    let problems = advisory::validate_cve_cna(&container);
    if !problems.is_empty() {
        return Err(ServiceError::Invalid(FieldErrors(
            problems
                .into_iter()
                .map(|p| {
                    FieldError::new(format!("cna{}", p.path.trim_start_matches('$')), p.message)
                })
                .collect(),
        )));
    }
    let first = record.cve_submitted_at.is_none();
    if first {
        client.publish(&cve, &container).await
    } else {
        client.update(&cve, &container).await
    }
    .map_err(cve_error)?;
    let now = state.now();
    let version = record.version;
    let stored = update_record(
        state,
        &AdvisoryRecord {
            cve_submitted_at: Some(now),
            ..record
        },
        version,
        event(
            audit::user_actor(user.id),
            "advisory.cve_submit",
            id,
            now,
            serde_json::json!({ "cve": cve, "first": first }),
        ),
        None,
    )
    .await
    .map_err(conflict_on_stale)?;
    tracing::info!(advisory = %id, cve = %cve, first, "CVE record sent");
    Ok(stored)
}
