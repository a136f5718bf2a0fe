//! The CVE request packet: what a project without its own CNA sends to one.

use serde_json::Value;

use super::to_cve_cna;
use crate::json::ts;
use crate::model::{Advisory, Event, Range};
use crate::{ExportError, ExportOptions};

/// What a project without its own CNA sends to a CNA: the CNA container plus a plain-text
/// summary laid out like the fields of a CVE request form.
#[derive(Debug, Clone, PartialEq)]
pub struct RequestPacket {
    /// The published CNA container (validated by the caller with
    /// [`crate::validate_cve_cna`]).
    pub cna_container: Value,
    /// Plain text: one `Field: value` block per form field.
    pub summary: String,
}

/// Builds the packet a project sends to a CNA to request a CVE id.
///
/// # Errors
/// As [`to_cve_cna`].
pub fn request_packet(a: &Advisory, opts: &ExportOptions) -> Result<RequestPacket, ExportError> {
    let cna_container = to_cve_cna(a, opts)?;
    let mut s = String::new();
    let mut field = |name: &str, value: &str| {
        s.push_str(name);
        s.push_str(":\n");
        for line in value.lines() {
            s.push_str("  ");
            s.push_str(line);
            s.push('\n');
        }
        if value.is_empty() {
            s.push_str("  (none)\n");
        }
        s.push('\n');
    };
    field("Advisory", &a.id);
    field("Title", &a.summary);
    let products: Vec<String> = a
        .affected
        .iter()
        .map(|af| {
            let p = &af.package;
            let owner = p
                .vendor
                .as_deref()
                .or(p.ecosystem.as_deref())
                .unwrap_or("n/a");
            let mut spans: Vec<String> = af
                .ranges
                .iter()
                .flat_map(Range::spans)
                .map(|sp| {
                    let from = if sp.introduced == "0" {
                        String::new()
                    } else {
                        format!(">= {}", sp.introduced)
                    };
                    let to = match sp.end {
                        Some(Event::Fixed(v) | Event::Limit(v)) => format!("< {v}"),
                        Some(Event::LastAffected(v)) => format!("<= {v}"),
                        _ => String::new(),
                    };
                    let both: Vec<String> =
                        [from, to].into_iter().filter(|x| !x.is_empty()).collect();
                    if both.is_empty() {
                        "all versions".to_owned()
                    } else {
                        both.join(", ")
                    }
                })
                .collect();
            spans.extend(af.versions.iter().cloned());
            format!(
                "{owner} {}: {}",
                p.product.as_deref().unwrap_or(&p.name),
                spans.join("; ")
            )
        })
        .collect();
    field("Affected products and versions", &products.join("\n"));
    let fixed: Vec<String> = a
        .affected
        .iter()
        .flat_map(|af| {
            af.ranges
                .iter()
                .flat_map(|r| &r.events)
                .filter_map(move |e| match e {
                    Event::Fixed(v) => Some(format!("{} {v}", af.package.name)),
                    _ => None,
                })
        })
        .collect();
    field("Fixed versions", &fixed.join("\n"));
    let cwes: Vec<String> = a
        .cwes
        .iter()
        .map(|c| match crate::cwe::name(&c.id) {
            Some(n) => format!("{} {n}", c.id),
            None => c.id.clone(),
        })
        .collect();
    field("Vulnerability type (CWE)", &cwes.join("\n"));
    let metrics: Vec<String> = a
        .severity
        .iter()
        .map(|v| match v.base_score() {
            Some(s) => format!("{} (base score {s})", v.as_str()),
            None => v.as_str().to_owned(),
        })
        .collect();
    field("CVSS", &metrics.join("\n"));
    field("Description", a.details.trim());
    let refs: Vec<&str> = a.references.iter().map(|r| r.url.as_str()).collect();
    field("References", &refs.join("\n"));
    let credits: Vec<String> = a
        .credits
        .iter()
        .map(|c| match c.kind {
            Some(k) => format!("{} ({})", c.name, k.as_cve()),
            None => c.name.clone(),
        })
        .collect();
    field("Credits", &credits.join("\n"));
    field(
        "Public disclosure date",
        &a.published.map(ts).unwrap_or_default(),
    );
    Ok(RequestPacket {
        cna_container,
        summary: s,
    })
}
