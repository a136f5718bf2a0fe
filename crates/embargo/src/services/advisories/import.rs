//! Importing OSV/GHSA and CVE JSON 5 documents.

use crate::AppState;
use crate::services::ServiceError;
use domain::{audit, project::Project};
use serde_json::Value;
use store::AdvisoryRecord;

use super::lifecycle::check_model;
use super::{event, insert_record, update_record};

// Import ------------------------------------------------------------------------------------

/// The result of importing one document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Imported {
    Created(String),
    Updated(String),
}

/// Imports one OSV/GHSA or CVE JSON 5 document into a project: a new advisory, or an update
/// of the advisory with the same id (never a duplicate). Errors name the JSON path.
pub async fn import_document(
    state: &AppState,
    project: &Project,
    doc: &Value,
) -> std::result::Result<Imported, advisory::ImportError> {
    let at_root = |message: String| advisory::ImportError {
        path: "$".into(),
        message,
    };
    let format = advisory::detect_format(doc)
        .ok_or_else(|| at_root("neither an OSV record nor a CVE JSON 5 record".into()))?;
    let advisory = advisory::import(format, doc)?;
    check_model(&advisory).map_err(|e| match e {
        ServiceError::Invalid(f) => advisory::ImportError {
            path: f
                .first()
                .map(|f| format!("$.{}", f.field.trim_start_matches("advisory.")))
                .unwrap_or_else(|| "$".into()),
            message: f.first().map(|f| f.message.clone()).unwrap_or_default(),
        },
        other => at_root(other.to_string()),
    })?;
    let now = state.now();
    let id = advisory.id.clone();
    let store_err = |e: store::StoreError| at_root(format!("cannot store: {e}"));
    let existing = match state.db.read().await {
        Ok(mut c) => store::advisories::by_id(&mut c, &id).await,
        Err(e) => Err(e),
    }
    .map_err(store_err)?;
    match existing {
        Some(existing) if existing.project_id != project.id => Err(advisory::ImportError {
            path: "$.id".into(),
            message: format!("{id} belongs to another project"),
        }),
        Some(existing) => {
            let version = existing.version;
            update_record(
                state,
                &AdvisoryRecord {
                    advisory,
                    ..existing
                },
                version,
                event(
                    audit::SYSTEM_ACTOR.into(),
                    "advisory.import",
                    &id,
                    now,
                    serde_json::json!({ "updated": true }),
                ),
                None,
            )
            .await
            .map_err(store_err)?;
            Ok(Imported::Updated(id))
        }
        None => {
            insert_record(
                state,
                &AdvisoryRecord::new(project.id, None, advisory, now),
                event(
                    audit::SYSTEM_ACTOR.into(),
                    "advisory.import",
                    &id,
                    now,
                    serde_json::json!({ "project": project.id.to_string(), "updated": false }),
                ),
            )
            .await
            .map_err(store_err)?;
            Ok(Imported::Created(id))
        }
    }
}
