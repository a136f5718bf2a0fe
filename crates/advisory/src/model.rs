//! The advisory model: one record from which every output format is derived.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::cvss::CvssVector;

/// Lifecycle of an advisory.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Being written; never leaves the project.
    #[default]
    Draft,
    /// Public.
    Published,
    /// Public, but retracted (`withdrawn` carries the time).
    Withdrawn,
}

/// One advisory.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Advisory {
    /// Own identifier (e.g. `GHSA-…`, `CVE-…`, or the project's `x_…` style id).
    pub id: String,
    /// Identifiers of the same vulnerability elsewhere (CVE, GHSA, …).
    #[serde(default)]
    pub aliases: Vec<String>,
    /// Related but different vulnerabilities.
    #[serde(default)]
    pub related: Vec<String>,
    #[serde(default)]
    pub status: Status,
    /// One-line title.
    #[serde(default)]
    pub summary: String,
    /// Markdown description.
    #[serde(default)]
    pub details: String,
    #[serde(default)]
    pub affected: Vec<Affected>,
    /// CWE weaknesses, primary first.
    #[serde(default)]
    pub cwes: Vec<Cwe>,
    /// CVSS vectors (the vector is the source of truth).
    #[serde(default)]
    pub severity: Vec<CvssVector>,
    #[serde(default)]
    pub references: Vec<Reference>,
    #[serde(default)]
    pub credits: Vec<Credit>,
    #[serde(default)]
    pub published: Option<Timestamp>,
    pub modified: Timestamp,
    #[serde(default)]
    pub withdrawn: Option<Timestamp>,
    /// The CNA that assigned the CVE id, when known (CVE import keeps it for re-export).
    #[serde(default)]
    pub assigner: Option<Assigner>,
}

/// A CVE Numbering Authority.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Assigner {
    /// UUID of the organisation in CVE Services.
    pub org_id: String,
    #[serde(default)]
    pub short_name: Option<String>,
}

/// A CWE weakness.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cwe {
    /// `CWE-<n>`.
    pub id: String,
    /// Name as written by the source (the catalogue name is looked up on export).
    #[serde(default)]
    pub name: Option<String>,
}

/// One affected package or product.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Affected {
    pub package: Package,
    #[serde(default)]
    pub ranges: Vec<Range>,
    /// Explicitly listed affected versions.
    #[serde(default)]
    pub versions: Vec<String>,
    /// Versions explicitly marked unaffected (CVE `status: unaffected`).
    #[serde(default)]
    pub unaffected: Vec<VersionSpan>,
    /// CVE `defaultStatus` (`affected`, `unaffected`, `unknown`).
    #[serde(default)]
    pub default_status: Option<String>,
    /// Affected functions / program routines.
    #[serde(default)]
    pub functions: Vec<String>,
}

/// A package in an ecosystem, or a vendor's product.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Package {
    /// OSV ecosystem (`npm`, `PyPI`, `Go`, …); `None` for a vendor product.
    #[serde(default)]
    pub ecosystem: Option<String>,
    /// Package name (or the product name when there is no ecosystem).
    pub name: String,
    #[serde(default)]
    pub vendor: Option<String>,
    /// CVE `product` when it differs from `name`.
    #[serde(default)]
    pub product: Option<String>,
    /// CVE `collectionURL` when it is not the ecosystem's well-known one.
    #[serde(default)]
    pub collection_url: Option<String>,
    #[serde(default)]
    pub purl: Option<String>,
    /// Source repository (when no GIT range carries it).
    #[serde(default)]
    pub repo: Option<String>,
    #[serde(default)]
    pub cpes: Vec<String>,
}

/// How range versions are compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum RangeKind {
    Semver,
    Ecosystem,
    Git,
}

/// A range of affected versions, as OSV events.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Range {
    pub kind: RangeKind,
    /// Repository of a GIT range.
    #[serde(default)]
    pub repo: Option<String>,
    pub events: Vec<Event>,
    /// CVE `versionType` when it is not implied by `kind` (e.g. `custom`, `maven`).
    #[serde(default)]
    pub version_type: Option<String>,
}

/// One OSV range event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Event {
    Introduced(String),
    Fixed(String),
    LastAffected(String),
    Limit(String),
}

impl Event {
    /// The version or commit the event names.
    #[must_use]
    pub fn version(&self) -> &str {
        match self {
            Self::Introduced(v) | Self::Fixed(v) | Self::LastAffected(v) | Self::Limit(v) => v,
        }
    }

    /// The OSV key of the event.
    #[must_use]
    pub fn key(&self) -> &'static str {
        match self {
            Self::Introduced(_) => "introduced",
            Self::Fixed(_) => "fixed",
            Self::LastAffected(_) => "last_affected",
            Self::Limit(_) => "limit",
        }
    }
}

/// A CVE-style version span (used for explicitly unaffected versions).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VersionSpan {
    pub version: String,
    #[serde(default)]
    pub less_than: Option<String>,
    #[serde(default)]
    pub less_than_or_equal: Option<String>,
    #[serde(default)]
    pub version_type: Option<String>,
}

/// Kinds of references (the OSV list).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ReferenceType {
    Advisory,
    Article,
    Detection,
    Discussion,
    Report,
    Fix,
    Introduced,
    Git,
    Package,
    Evidence,
    Web,
}

impl ReferenceType {
    pub const ALL: [Self; 11] = [
        Self::Advisory,
        Self::Article,
        Self::Detection,
        Self::Discussion,
        Self::Report,
        Self::Fix,
        Self::Introduced,
        Self::Git,
        Self::Package,
        Self::Evidence,
        Self::Web,
    ];

    /// The OSV spelling.
    #[must_use]
    pub fn as_osv(self) -> &'static str {
        match self {
            Self::Advisory => "ADVISORY",
            Self::Article => "ARTICLE",
            Self::Detection => "DETECTION",
            Self::Discussion => "DISCUSSION",
            Self::Report => "REPORT",
            Self::Fix => "FIX",
            Self::Introduced => "INTRODUCED",
            Self::Git => "GIT",
            Self::Package => "PACKAGE",
            Self::Evidence => "EVIDENCE",
            Self::Web => "WEB",
        }
    }

    /// Parses the OSV spelling.
    #[must_use]
    pub fn from_osv(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_osv() == s)
    }
}

/// A reference.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reference {
    pub kind: ReferenceType,
    pub url: String,
    /// CVE reference name, when given.
    #[serde(default)]
    pub name: Option<String>,
    /// CVE tags (kept verbatim for re-export).
    #[serde(default)]
    pub tags: Vec<String>,
}

/// Role of a credited person or organisation (OSV/CVE list).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CreditType {
    Finder,
    Reporter,
    Analyst,
    Coordinator,
    RemediationDeveloper,
    RemediationReviewer,
    RemediationVerifier,
    Tool,
    Sponsor,
    Other,
}

impl CreditType {
    pub const ALL: [Self; 10] = [
        Self::Finder,
        Self::Reporter,
        Self::Analyst,
        Self::Coordinator,
        Self::RemediationDeveloper,
        Self::RemediationReviewer,
        Self::RemediationVerifier,
        Self::Tool,
        Self::Sponsor,
        Self::Other,
    ];

    /// The CVE spelling (lower case with spaces).
    #[must_use]
    pub fn as_cve(self) -> &'static str {
        match self {
            Self::Finder => "finder",
            Self::Reporter => "reporter",
            Self::Analyst => "analyst",
            Self::Coordinator => "coordinator",
            Self::RemediationDeveloper => "remediation developer",
            Self::RemediationReviewer => "remediation reviewer",
            Self::RemediationVerifier => "remediation verifier",
            Self::Tool => "tool",
            Self::Sponsor => "sponsor",
            Self::Other => "other",
        }
    }

    /// The OSV spelling (upper case with underscores).
    #[must_use]
    pub fn as_osv(self) -> &'static str {
        match self {
            Self::Finder => "FINDER",
            Self::Reporter => "REPORTER",
            Self::Analyst => "ANALYST",
            Self::Coordinator => "COORDINATOR",
            Self::RemediationDeveloper => "REMEDIATION_DEVELOPER",
            Self::RemediationReviewer => "REMEDIATION_REVIEWER",
            Self::RemediationVerifier => "REMEDIATION_VERIFIER",
            Self::Tool => "TOOL",
            Self::Sponsor => "SPONSOR",
            Self::Other => "OTHER",
        }
    }

    #[must_use]
    pub fn from_cve(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_cve() == s)
    }

    #[must_use]
    pub fn from_osv(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_osv() == s)
    }
}

/// A credited person or organisation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Credit {
    pub name: String,
    /// Contact URLs (`mailto:`, `https://…`).
    #[serde(default)]
    pub contact: Vec<String>,
    /// Role; `None` when the source gave none.
    #[serde(default)]
    pub kind: Option<CreditType>,
}

impl Advisory {
    /// A new draft with the given id and modification time.
    #[must_use]
    pub fn new(id: impl Into<String>, modified: Timestamp) -> Self {
        Self {
            id: id.into(),
            aliases: Vec::new(),
            related: Vec::new(),
            status: Status::Draft,
            summary: String::new(),
            details: String::new(),
            affected: Vec::new(),
            cwes: Vec::new(),
            severity: Vec::new(),
            references: Vec::new(),
            credits: Vec::new(),
            published: None,
            modified,
            withdrawn: None,
            assigner: None,
        }
    }

    /// The CVE id of this advisory: its own id or the first CVE alias.
    #[must_use]
    pub fn cve_id(&self) -> Option<&str> {
        std::iter::once(&self.id)
            .chain(&self.aliases)
            .map(String::as_str)
            .find(|id| crate::ids::is_cve_id(id))
    }
}

/// One `introduced … end` pair of a range, as CVE and CSAF need it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span<'a> {
    /// Start of the span (`"0"` when the range starts at the beginning).
    pub introduced: &'a str,
    /// `Fixed`, `LastAffected` or `Limit`; `None` when the span is open-ended.
    pub end: Option<&'a Event>,
}

impl Range {
    /// The range's events as spans: each `introduced` opens one, the next `fixed`,
    /// `last_affected` or `limit` closes it; an end without a start starts at `"0"`.
    #[must_use]
    pub fn spans(&self) -> Vec<Span<'_>> {
        let mut out = Vec::new();
        let mut intro: Option<&str> = None;
        for e in &self.events {
            match e {
                Event::Introduced(v) => {
                    if let Some(i) = intro.take() {
                        out.push(Span {
                            introduced: i,
                            end: None,
                        });
                    }
                    intro = Some(v);
                }
                Event::Fixed(_) | Event::LastAffected(_) | Event::Limit(_) => out.push(Span {
                    introduced: intro.take().unwrap_or("0"),
                    end: Some(e),
                }),
            }
        }
        if let Some(i) = intro {
            out.push(Span {
                introduced: i,
                end: None,
            });
        }
        out
    }
}
