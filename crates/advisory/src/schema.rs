//! Offline JSON-schema validation against the vendored official schemas.

use std::sync::OnceLock;

use jsonschema::{Resource, Validator};
use serde_json::Value;

use crate::{Format, Problem};

const OSV_SCHEMA: &str = include_str!("../schemas/osv_schema.json");
const CVE_BUNDLED: &str = include_str!("../schemas/CVE_JSON_bundled_5.1.1.json");
const CVE_CNA_PUBLISHED: &str =
    include_str!("../schemas/CVE_JSON_cnaPublishedContainer_5.1.1.json");
const CSAF_SCHEMA: &str = include_str!("../schemas/csaf_json_schema.json");
const CVSS_V2: &str = include_str!("../schemas/cvss-v2.0.json");
const CVSS_V30: &str = include_str!("../schemas/cvss-v3.0.json");
const CVSS_V31: &str = include_str!("../schemas/cvss-v3.1.json");

/// Which schema to check a document against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Schema {
    /// OSV 1.7 (`validation/schema.json`).
    Osv,
    /// CVE Record Format 5.1.1, bundled (a full record).
    CveRecord,
    /// CVE 5.1.1 published CNA container (what a CNA submits).
    CveCnaContainer,
    /// CSAF 2.0 with the FIRST CVSS schemas registered by URI.
    Csaf,
}

impl From<Format> for Schema {
    fn from(f: Format) -> Self {
        match f {
            Format::Osv => Self::Osv,
            Format::Cve5 => Self::CveRecord,
            Format::Csaf => Self::Csaf,
        }
    }
}

fn parse(text: &str) -> Result<Value, String> {
    serde_json::from_str(text).map_err(|e| format!("vendored schema does not parse: {e}"))
}

fn build_plain(text: &str) -> Result<Validator, String> {
    let schema = parse(text)?;
    jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .map_err(|e| format!("vendored schema does not compile: {e}"))
}

fn build_csaf() -> Result<Validator, String> {
    let schema = parse(CSAF_SCHEMA)?;
    let v2 = parse(CVSS_V2)?;
    let v30 = parse(CVSS_V30)?;
    let v31 = parse(CVSS_V31)?;
    // The local v3.1 file declares `$id` `…/cvss-v3.1.json?20211103`; the CSAF schema refers
    // to it without the query, so each file is registered under the URI the CSAF schema uses.
    let registry = jsonschema::Registry::new()
        .add(
            "https://www.first.org/cvss/cvss-v2.0.json",
            Resource::from_contents(v2),
        )
        .and_then(|r| {
            r.add(
                "https://www.first.org/cvss/cvss-v3.0.json",
                Resource::from_contents(v30),
            )
        })
        .and_then(|r| {
            r.add(
                "https://www.first.org/cvss/cvss-v3.1.json",
                Resource::from_contents(v31),
            )
        })
        .and_then(jsonschema::RegistryBuilder::prepare)
        .map_err(|e| format!("CVSS schema registry: {e}"))?;
    jsonschema::options()
        .should_validate_formats(true)
        .with_registry(&registry)
        .build(&schema)
        .map_err(|e| format!("vendored schema does not compile: {e}"))
}

fn validator(schema: Schema) -> Result<&'static Validator, String> {
    static OSV: OnceLock<Result<Validator, String>> = OnceLock::new();
    static CVE: OnceLock<Result<Validator, String>> = OnceLock::new();
    static CNA: OnceLock<Result<Validator, String>> = OnceLock::new();
    static CSAF: OnceLock<Result<Validator, String>> = OnceLock::new();
    let cell = match schema {
        Schema::Osv => OSV.get_or_init(|| build_plain(OSV_SCHEMA)),
        Schema::CveRecord => CVE.get_or_init(|| build_plain(CVE_BUNDLED)),
        Schema::CveCnaContainer => CNA.get_or_init(|| build_plain(CVE_CNA_PUBLISHED)),
        Schema::Csaf => CSAF.get_or_init(build_csaf),
    };
    cell.as_ref().map_err(Clone::clone)
}

/// Converts a JSON pointer (`/a/0/b`) into a JSON path (`$.a[0].b`).
#[must_use]
pub fn pointer_to_path(pointer: &str) -> String {
    let mut out = String::from("$");
    if pointer.is_empty() {
        return out;
    }
    for seg in pointer.trim_start_matches('/').split('/') {
        let seg = seg.replace("~1", "/").replace("~0", "~");
        if !seg.is_empty() && seg.bytes().all(|b| b.is_ascii_digit()) {
            out.push('[');
            out.push_str(&seg);
            out.push(']');
        } else if !seg.is_empty() && seg.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
            out.push('.');
            out.push_str(&seg);
        } else {
            out.push_str("[\"");
            out.push_str(&seg.replace('\\', "\\\\").replace('"', "\\\""));
            out.push_str("\"]");
        }
    }
    out
}

/// Checks `doc` against the official schema; every problem names a JSON path.
#[must_use]
pub fn check_schema(schema: Schema, doc: &Value) -> Vec<Problem> {
    match validator(schema) {
        Ok(v) => v
            .iter_errors(doc)
            .map(|e| Problem {
                path: pointer_to_path(&e.instance_path().to_string()),
                message: format!("schema: {e}"),
            })
            .collect(),
        Err(msg) => vec![Problem {
            path: "$".to_owned(),
            message: msg,
        }],
    }
}
