//! CVE JSON 5.1: the CNA container (what a CNA submits), the full record, and import.
//!
//! Fields CVE has no place for (the own id when it is not the CVE id, credit contacts, OSV
//! ecosystems without a well-known collection URL, drafts) travel in the container's
//! `x_embargo` extension property, so model → CVE → model is lossless.

mod export;
mod import;
mod packet;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::model::{ReferenceType, Status};

pub use export::{markdown_to_text, to_cve_cna, to_cve_record};
pub use import::from_cve;
pub use packet::{RequestPacket, request_packet};

/// `metrics[].other.type` used for a CVSS v4.0 vector whose score we cannot compute.
pub const UNSCORED_V4_TYPE: &str = "x_cvssV4_0_unscored";

const COLLECTIONS: &[(&str, &str)] = &[
    ("Go", "https://pkg.go.dev"),
    ("npm", "https://www.npmjs.com"),
    ("PyPI", "https://pypi.org"),
    ("crates.io", "https://crates.io"),
    ("Maven", "https://repo.maven.apache.org/maven2"),
    ("RubyGems", "https://rubygems.org"),
    ("NuGet", "https://www.nuget.org"),
    ("Packagist", "https://packagist.org"),
    ("Hex", "https://hex.pm"),
    ("Pub", "https://pub.dev"),
    ("Hackage", "https://hackage.haskell.org"),
    ("CRAN", "https://cran.r-project.org"),
    ("GitHub Actions", "https://github.com/marketplace"),
];

fn collection_for(eco: &str) -> Option<&'static str> {
    COLLECTIONS.iter().find(|(e, _)| *e == eco).map(|(_, u)| *u)
}

fn ecosystem_for(url: &str) -> Option<&'static str> {
    let url = url.trim_end_matches('/');
    COLLECTIONS.iter().find(|(_, u)| *u == url).map(|(e, _)| *e)
}

fn default_tag(kind: ReferenceType) -> Option<&'static str> {
    match kind {
        ReferenceType::Advisory => Some("vendor-advisory"),
        ReferenceType::Article => Some("technical-description"),
        ReferenceType::Detection => Some("signature"),
        ReferenceType::Discussion => Some("mailing-list"),
        ReferenceType::Report => Some("issue-tracking"),
        ReferenceType::Fix => Some("patch"),
        ReferenceType::Introduced => Some("x_introduced"),
        ReferenceType::Git => Some("x_git"),
        ReferenceType::Package => Some("product"),
        ReferenceType::Evidence => Some("exploit"),
        ReferenceType::Web => None,
    }
}

fn kind_from_tags(tags: &[String]) -> ReferenceType {
    for t in tags {
        let k = match t.as_str() {
            "vendor-advisory" | "third-party-advisory" | "vdb-entry" => ReferenceType::Advisory,
            "technical-description" | "media-coverage" => ReferenceType::Article,
            "signature" => ReferenceType::Detection,
            "mailing-list" => ReferenceType::Discussion,
            "issue-tracking" => ReferenceType::Report,
            "patch" | "mitigation" => ReferenceType::Fix,
            "x_introduced" => ReferenceType::Introduced,
            "x_git" => ReferenceType::Git,
            "product" => ReferenceType::Package,
            "exploit" => ReferenceType::Evidence,
            _ => continue,
        };
        return k;
    }
    ReferenceType::Web
}

/// What CVE has no place for.
#[derive(Debug, Default, Serialize, Deserialize)]
struct Extra {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    aliases: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    related: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    status: Option<Status>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    withdrawn: Option<jiff::Timestamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    summary: Option<String>,
    /// Timestamps outside what CVE can write (years 1900–2999), e.g. Go's zero time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    modified: Option<jiff::Timestamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    published: Option<jiff::Timestamp>,
    /// Set when the advisory has no details (the description then repeats the summary).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    details: Option<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    ecosystems: BTreeMap<usize, String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    purls: BTreeMap<usize, String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    credit_contacts: BTreeMap<usize, Vec<String>>,
}

fn derived_aliases(cve: Option<&str>, id: &str, source_advisory: Option<&str>) -> Vec<String> {
    if cve == Some(id) {
        source_advisory
            .filter(|s| *s != id)
            .map(|s| vec![s.to_owned()])
            .unwrap_or_default()
    } else {
        cve.map(|c| vec![c.to_owned()]).unwrap_or_default()
    }
}
