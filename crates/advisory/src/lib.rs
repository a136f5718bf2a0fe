//! Embargo's advisory model and its formats.
//!
//! One [`Advisory`] record is exported to OSV ([`osv::to_osv`]), CVE JSON 5.1
//! ([`cve::to_cve_cna`] for the CNA container a CNA submits, [`cve::to_cve_record`] for a full
//! record) and CSAF 2.0 ([`csaf::to_csaf`]); OSV/GHSA and CVE JSON 5 records are imported
//! ([`osv::from_osv`], [`cve::from_cve`]). [`validate`] checks a document against the official
//! schema (vendored, no I/O) plus semantic rules, naming the JSON path of every problem.
//!
//! [`lifecycle`] creates an advisory from an accepted report ([`Advisory::from_report`]),
//! publishes and withdraws it, answers "is this version affected" ([`Advisory::affects`]) and
//! writes release-note credits ([`release_notes`]). [`cve::request_packet`] is what a project
//! without its own CNA sends to one; [`csaf::provider_metadata`] and friends serve a CSAF
//! directory distribution.
//!
//! CVSS: [`CvssVector`] is a deliberately small stand-in for the workspace's `cvss` engine
//! (syntax for v2.0–v4.0, base scores for v2.0/v3.x); v4.0 scores come from the engine via
//! [`CvssVector::with_base_score`].
//!
//! Pure: no I/O, no async.

pub mod csaf;
pub mod cve;
pub mod cvss;
pub mod cwe;
pub mod ids;
mod json;
pub mod lifecycle;
pub mod model;
pub mod osv;
pub mod schema;
pub mod semantic;

use serde_json::Value;

pub use cvss::{CvssError, CvssVector, CvssVersion};
pub use lifecycle::{CreditChoice, LifecycleError, ReportSeed, release_note_line, release_notes};
pub use model::{
    Advisory, Affected, Assigner, Credit, CreditType, Cwe, Event, Package, Range, RangeKind,
    Reference, ReferenceType, Status, VersionSpan,
};
pub use schema::Schema;

/// A document format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// OSV (and GHSA, which is OSV).
    Osv,
    /// CVE JSON 5 (full record).
    Cve5,
    /// CSAF 2.0.
    Csaf,
}

impl std::str::FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "osv" => Ok(Self::Osv),
            "cve5" => Ok(Self::Cve5),
            "csaf" => Ok(Self::Csaf),
            other => Err(format!(
                "unknown format {other:?} (expected osv, cve5 or csaf)"
            )),
        }
    }
}

/// One problem in a document, located by a JSON path (`$.affected[0].ranges[1]`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Problem {
    pub path: String,
    pub message: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

/// A document could not be read into the model.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{path}: {message}")]
pub struct ImportError {
    pub path: String,
    pub message: String,
}

/// The model could not be written in a format.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("id {0:?} is not usable here (OSV needs a registered prefix or x_…)")]
    InvalidId(String),
    #[error("no CVE id: the advisory has no CVE id or alias")]
    NoCveId,
    #[error("the advisory has no {0}, which this format requires")]
    Missing(&'static str),
    #[error("JSON: {0}")]
    Json(#[from] serde_json::Error),
}

/// Options for exports that need data the advisory does not carry.
#[derive(Debug, Clone)]
pub struct ExportOptions {
    /// CVE: the CNA's organisation UUID (used when the advisory has no assigner).
    pub cve_org_id: String,
    pub cve_short_name: Option<String>,
    /// CVE full record: id used when the advisory has no CVE id (`CVE-1900-…` is the
    /// program's test range); `None` makes a missing id an error.
    pub cve_placeholder_id: Option<String>,
    /// CSAF publisher.
    pub publisher: csaf::Publisher,
    /// CSAF: the https URL the document is served at (ending in [`csaf::filename`]); it
    /// becomes the `self` reference that CSAF's test 6.2.11 expects.
    pub csaf_self_url: Option<String>,
}

impl Default for ExportOptions {
    fn default() -> Self {
        Self {
            cve_org_id: "00000000-0000-4000-8000-000000000000".to_owned(),
            cve_short_name: None,
            cve_placeholder_id: Some("CVE-1900-0000".to_owned()),
            publisher: csaf::Publisher::default(),
            csaf_self_url: None,
        }
    }
}

/// Guesses the format of a document: a CVE record has `dataType: CVE_RECORD`, a CSAF
/// document a `document.csaf_version`, an OSV record `id` and `modified`.
#[must_use]
pub fn detect_format(doc: &Value) -> Option<Format> {
    if doc.get("dataType").and_then(Value::as_str) == Some("CVE_RECORD") {
        Some(Format::Cve5)
    } else if doc.pointer("/document/csaf_version").is_some() {
        Some(Format::Csaf)
    } else if doc.get("id").is_some_and(Value::is_string) && doc.get("modified").is_some() {
        Some(Format::Osv)
    } else {
        None
    }
}

/// Reads a document into the model (OSV or CVE JSON 5; CSAF import is not supported).
///
/// # Errors
/// See [`ImportError`]; CSAF gives an error at `$`.
pub fn import(format: Format, doc: &Value) -> Result<Advisory, ImportError> {
    match format {
        Format::Osv => osv::from_osv(doc),
        Format::Cve5 => cve::from_cve(doc),
        Format::Csaf => Err(ImportError {
            path: "$".to_owned(),
            message: "importing CSAF is not supported".to_owned(),
        }),
    }
}

/// Writes the model in a format (CVE: the full record).
///
/// # Errors
/// See [`ExportError`].
pub fn export(
    advisory: &Advisory,
    format: Format,
    opts: &ExportOptions,
) -> Result<Value, ExportError> {
    match format {
        Format::Osv => osv::to_osv(advisory),
        Format::Cve5 => cve::to_cve_record(advisory, opts),
        Format::Csaf => csaf::to_csaf(advisory, opts),
    }
}

/// Schema plus semantic checks of a CVE CNA container on its own (what a CNA submits to
/// CVE Services), against the published-container schema.
#[must_use]
pub fn validate_cve_cna(cna: &Value) -> Vec<Problem> {
    let mut problems = schema::check_schema(Schema::CveCnaContainer, cna);
    problems.extend(semantic::check_cve_cna(cna));
    problems
}

/// Schema plus semantic checks of a document (no I/O). An empty list means valid.
#[must_use]
pub fn validate(format: Format, doc: &Value) -> Vec<Problem> {
    let mut problems = schema::check_schema(format.into(), doc);
    problems.extend(semantic::check(format, doc));
    problems
}
