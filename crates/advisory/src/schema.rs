//! Offline JSON-schema validation against the vendored official schemas.

use std::sync::OnceLock;

use jsonschema::error::ValidationErrorKind;
use jsonschema::{Resource, ValidationError, Validator};
use serde_json::Value;

use crate::{Format, Problem};

const OSV_SCHEMA: &str = include_str!("../schemas/osv_schema.json");
const CVE_BUNDLED: &str = include_str!("../schemas/CVE_JSON_bundled_5.1.1.json");
const CVE_CNA_PUBLISHED: &str =
    include_str!("../schemas/CVE_JSON_cnaPublishedContainer_5.1.1.json");
const CSAF_SCHEMA: &str = include_str!("../schemas/csaf_json_schema.json");
const CSAF_PROVIDER: &str = include_str!("../schemas/provider_json_schema.json");
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
    /// CSAF 2.0 `provider-metadata.json` (refers to the CSAF schema by its `$id`).
    CsafProviderMetadata,
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

/// The CSAF schema's id, under which the provider-metadata schema refers to it.
const CSAF_SCHEMA_ID: &str = "https://docs.oasis-open.org/csaf/csaf/v2.0/csaf_json_schema.json";

fn build_csaf() -> Result<Validator, String> {
    build_with_cvss(parse(CSAF_SCHEMA)?, false)
}

fn build_csaf_provider() -> Result<Validator, String> {
    build_with_cvss(parse(CSAF_PROVIDER)?, true)
}

fn build_with_cvss(schema: Value, with_csaf: bool) -> Result<Validator, String> {
    let v2 = parse(CVSS_V2)?;
    let v30 = parse(CVSS_V30)?;
    let v31 = parse(CVSS_V31)?;
    let csaf = parse(CSAF_SCHEMA)?;
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
        .and_then(|r| {
            if with_csaf {
                r.add(CSAF_SCHEMA_ID, Resource::from_contents(csaf))
            } else {
                Ok(r)
            }
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
    static PROVIDER: OnceLock<Result<Validator, String>> = OnceLock::new();
    let cell = match schema {
        Schema::Osv => OSV.get_or_init(|| build_plain(OSV_SCHEMA)),
        Schema::CveRecord => CVE.get_or_init(|| build_plain(CVE_BUNDLED)),
        Schema::CveCnaContainer => CNA.get_or_init(|| build_plain(CVE_CNA_PUBLISHED)),
        Schema::Csaf => CSAF.get_or_init(build_csaf),
        Schema::CsafProviderMetadata => PROVIDER.get_or_init(build_csaf_provider),
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

/// Longest message kept: schema errors quote the failing value, which can be a whole document.
const MAX_MESSAGE: usize = 300;

fn short(mut s: String) -> String {
    if s.len() > MAX_MESSAGE {
        let mut end = MAX_MESSAGE;
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        s.truncate(end);
        s.push('…');
    }
    s
}

/// Turns one schema error into problems. A failed `oneOf`/`anyOf` (e.g. CVE's published vs
/// rejected record, CSAF's CVSS v3.0 vs v3.1) is replaced by the errors of the branch that
/// came closest (fewest errors, then the deepest), so the path names the real fault.
fn flatten(e: &ValidationError<'_>, out: &mut Vec<Problem>) {
    if let ValidationErrorKind::OneOfNotValid { context } | ValidationErrorKind::AnyOf { context } =
        e.kind()
    {
        let best = context.iter().filter(|b| !b.is_empty()).min_by_key(|b| {
            let depth = b
                .iter()
                .map(|x| x.instance_path().as_str().len())
                .max()
                .unwrap_or(0);
            (b.len(), std::cmp::Reverse(depth))
        });
        if let Some(branch) = best {
            for sub in branch {
                flatten(sub, out);
            }
            return;
        }
    }
    let problem = Problem {
        path: pointer_to_path(e.instance_path().as_str()),
        message: short(format!("schema: {e}")),
    };
    if !out.contains(&problem) {
        out.push(problem);
    }
}

/// Checks `doc` against the official schema; every problem names a JSON path.
#[must_use]
pub fn check_schema(schema: Schema, doc: &Value) -> Vec<Problem> {
    match validator(schema) {
        Ok(v) => {
            let mut out = Vec::new();
            for e in v.iter_errors(doc) {
                flatten(&e, &mut out);
            }
            out
        }
        Err(msg) => vec![Problem {
            path: "$".to_owned(),
            message: msg,
        }],
    }
}
