//! CSAF 2.0 export (`csaf_security_advisory` profile).
//!
//! The advisory becomes one document with one vulnerability. Products are synthesised from
//! the affected packages: vendor (or ecosystem) → package → one `product_version_range` per
//! affected span (written as a `vers:` range where the ecosystem has a vers scheme) plus one
//! `product_version` per fixed, last-affected or listed version. Product ids are assigned in
//! order (`CSAFPID-0001`, …), so the same advisory always gives the same document.
//!
//! What CSAF 2.0 cannot say is handled explicitly:
//! - **CVSS v4.0**: there is no `cvss_v4` in 2.0, so each v4.0 vector becomes a vulnerability
//!   note (category `other`, title `CVSS v4.0`) instead of a score.
//! - **Withdrawn**: there is no withdrawn state in 2.0, so a withdrawn advisory is a `final`
//!   document whose title starts with `WITHDRAWN: `, with a `general` note titled `Withdrawn`
//!   and a last revision-history entry saying so.
//! - **Drafts** are `tracking.status: draft`, version `0`, TLP:AMBER; everything else is
//!   `final`, TLP:WHITE.
//! - Only one CWE fits (`cwe`), and only when its id is in the CWE catalogue (test 6.1.11
//!   checks the name); the others are listed in a note.

use std::collections::HashMap;

use serde_json::{Map, Value, json};

use crate::cvss::{CvssVector, CvssVersion};
use crate::json::ts;
use crate::model::{Advisory, Affected, Event, Package, RangeKind, Status, VersionSpan};
use crate::{ExportError, ExportOptions};

/// The party that issues the CSAF document (`document.publisher`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Publisher {
    /// `coordinator`, `discoverer`, `other`, `translator`, `user` or `vendor`.
    pub category: String,
    pub name: String,
    /// A URL the publisher controls (its globally unique namespace).
    pub namespace: String,
    pub contact_details: Option<String>,
}

impl Default for Publisher {
    fn default() -> Self {
        Self {
            category: "vendor".to_owned(),
            name: "Embargo".to_owned(),
            namespace: "https://embargo.invalid".to_owned(),
            contact_details: None,
        }
    }
}

/// The file name CSAF §5.1 gives a document with this `tracking.id`
/// (`RHSA-2021:5186` → `rhsa-2021_5186.json`).
#[must_use]
pub fn filename(tracking_id: &str) -> String {
    let mut out = String::new();
    let mut in_run = false;
    for c in tracking_id.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_lowercase() || c.is_ascii_digit() || c == '+' || c == '-' {
            out.push(c);
            in_run = false;
        } else if !in_run {
            out.push('_');
            in_run = true;
        }
    }
    out.push_str(".json");
    out
}

/// The `vers` scheme of an OSV ecosystem (see the purl/vers type list).
fn vers_scheme(eco: Option<&str>, kind: RangeKind) -> &'static str {
    let base = eco.map(|e| e.split(':').next().unwrap_or(e));
    match base {
        Some("npm") => "npm",
        Some("PyPI") => "pypi",
        Some("Go") => "golang",
        Some("Maven") => "maven",
        Some("RubyGems") => "gem",
        Some("NuGet") => "nuget",
        Some("crates.io") => "cargo",
        Some("Packagist") => "composer",
        Some("Hex") => "hex",
        Some("Pub") => "pub",
        Some("Hackage") => "hackage",
        Some("CRAN") => "cran",
        Some("Debian" | "Ubuntu") => "deb",
        Some("Alpine") => "alpine",
        Some("GitHub Actions") => "github",
        _ if kind == RangeKind::Semver => "semver",
        _ => "generic",
    }
}

/// The package URL type of an OSV ecosystem, for deriving a purl when none is given.
fn purl_type(eco: &str) -> Option<&'static str> {
    Some(match eco {
        "npm" => "npm",
        "PyPI" => "pypi",
        "Go" => "golang",
        "Maven" => "maven",
        "RubyGems" => "gem",
        "NuGet" => "nuget",
        "crates.io" => "cargo",
        "Packagist" => "composer",
        "Hex" => "hex",
        "Pub" => "pub",
        _ => return None,
    })
}

fn purl_safe(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_' | b'/'))
}

/// The package's purl (given, or derived from the ecosystem), without a version.
fn base_purl(p: &Package) -> Option<String> {
    if let Some(purl) = &p.purl {
        // Drop a version (`…@1.2.3`), but not an `@` of the path (`pkg:npm/@scope/x`).
        return Some(match purl.rsplit_once('@') {
            Some((base, v)) if !v.contains('/') && !base.ends_with('/') => base.to_owned(),
            _ => purl.clone(),
        });
    }
    let ty = purl_type(p.ecosystem.as_deref()?)?;
    let name = match ty {
        "maven" => p.name.replacen(':', "/", 1),
        "pypi" => p.name.to_lowercase().replace('_', "-"),
        "npm" => {
            if let Some(scoped) = p.name.strip_prefix('@') {
                return purl_safe(scoped).then(|| format!("pkg:npm/%40{scoped}"));
            }
            p.name.clone()
        }
        _ => p.name.clone(),
    };
    // Only golang and composer (and maven's group) have a namespace path; for the other
    // types a `/` would make an invalid purl (e.g. PyPI "github.com/grafana/grafana").
    let slashes = name.matches('/').count();
    let shape_ok = match ty {
        "golang" => true,
        "composer" | "maven" => slashes == 1,
        _ => slashes == 0,
    };
    (shape_ok && purl_safe(&name)).then(|| format!("pkg:{ty}/{name}"))
}

fn purl_with_version(base: &str, version: &str) -> Option<String> {
    // The version goes before qualifiers and subpath; keep such purls unversioned.
    let ok = !base.contains(['?', '#'])
        && !version.is_empty()
        && version
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_' | b'+'));
    ok.then(|| format!("{base}@{}", version.replace('+', "%2B")))
}

/// Words that test 6.1.31 reads as a version range inside a `product_version` name.
fn looks_like_range(v: &str) -> bool {
    let lower = v.to_lowercase();
    lower.contains('<')
        || lower.contains('>')
        || lower.split(|c: char| !c.is_ascii_alphanumeric()).any(|w| {
            matches!(
                w,
                "after" | "all" | "before" | "earlier" | "later" | "prior" | "versions"
            )
        })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Group {
    KnownAffected,
    LastAffected,
    Fixed,
    KnownNotAffected,
    UnderInvestigation,
}

impl Group {
    fn key(self) -> &'static str {
        match self {
            Self::KnownAffected => "known_affected",
            Self::LastAffected => "last_affected",
            Self::Fixed => "fixed",
            Self::KnownNotAffected => "known_not_affected",
            Self::UnderInvestigation => "under_investigation",
        }
    }
}

struct Leaf {
    category: &'static str,
    name: String,
    product: Value,
}

#[derive(Default)]
struct ProductBranch {
    name: String,
    leaves: Vec<Leaf>,
}

#[derive(Default)]
struct VendorBranch {
    name: String,
    products: Vec<ProductBranch>,
}

/// Builds the product tree and the product status as products are added.
#[derive(Default)]
struct Products {
    vendors: Vec<VendorBranch>,
    ids: HashMap<(String, String, &'static str, String), String>,
    status: Vec<(Group, String)>,
    group_of: HashMap<String, Group>,
}

impl Products {
    /// The id of the product `vendor / product / (category) name`, created on first use.
    fn product(
        &mut self,
        vendor: &str,
        product: &str,
        category: &'static str,
        name: &str,
        purl: Option<String>,
        cpe: Option<&str>,
    ) -> String {
        let key = (
            vendor.to_owned(),
            product.to_owned(),
            category,
            name.to_owned(),
        );
        if let Some(id) = self.ids.get(&key) {
            return id.clone();
        }
        let id = format!("CSAFPID-{:04}", self.ids.len() + 1);
        self.ids.insert(key, id.clone());
        let vi = if let Some(i) = self.vendors.iter().position(|v| v.name == vendor) {
            i
        } else {
            self.vendors.push(VendorBranch {
                name: vendor.to_owned(),
                products: Vec::new(),
            });
            self.vendors.len() - 1
        };
        let products = &mut self.vendors[vi].products;
        let pi = if let Some(i) = products.iter().position(|p| p.name == product) {
            i
        } else {
            products.push(ProductBranch {
                name: product.to_owned(),
                leaves: Vec::new(),
            });
            products.len() - 1
        };
        let mut full = Map::new();
        full.insert("name".into(), format!("{vendor} {product} {name}").into());
        full.insert("product_id".into(), id.clone().into());
        let mut helper = Map::new();
        if let Some(c) = cpe {
            helper.insert("cpe".into(), c.into());
        }
        if let Some(p) = purl {
            helper.insert("purl".into(), p.into());
        }
        if !helper.is_empty() {
            full.insert("product_identification_helper".into(), helper.into());
        }
        products[pi].leaves.push(Leaf {
            category,
            name: name.to_owned(),
            product: Value::Object(full),
        });
        id
    }

    /// Puts a product in a status group, unless it already is in one (a product may be in
    /// only one group: test 6.1.6).
    fn set(&mut self, group: Group, id: &str) {
        if self.group_of.contains_key(id) {
            return;
        }
        self.group_of.insert(id.to_owned(), group);
        self.status.push((group, id.to_owned()));
    }

    fn ids_in(&self, groups: &[Group]) -> Vec<String> {
        self.status
            .iter()
            .filter(|(g, _)| groups.contains(g))
            .map(|(_, id)| id.clone())
            .collect()
    }

    fn tree(&self) -> Value {
        let vendors: Vec<Value> = self
            .vendors
            .iter()
            .map(|v| {
                let products: Vec<Value> = v
                    .products
                    .iter()
                    .map(|p| {
                        let leaves: Vec<Value> = p
                            .leaves
                            .iter()
                            .map(|l| {
                                json!({"category": l.category, "name": l.name, "product": l.product})
                            })
                            .collect();
                        json!({"category": "product_name", "name": p.name, "branches": leaves})
                    })
                    .collect();
                json!({"category": "vendor", "name": v.name, "branches": products})
            })
            .collect();
        json!({ "branches": vendors })
    }

    fn status_json(&self) -> Value {
        let mut m = Map::new();
        for g in [
            Group::KnownAffected,
            Group::LastAffected,
            Group::Fixed,
            Group::KnownNotAffected,
            Group::UnderInvestigation,
        ] {
            let ids = self.ids_in(&[g]);
            if !ids.is_empty() {
                m.insert(g.key().into(), ids.into());
            }
        }
        Value::Object(m)
    }
}

/// A `vers:` range for one span (`vers:npm/>=1.0.0|<2.0.0`, `vers:pypi/<2.31.0`, `vers:npm/*`).
fn vers(scheme: &str, introduced: &str, end: Option<&Event>) -> String {
    let mut parts = Vec::new();
    if introduced != "0" {
        parts.push(format!(">={introduced}"));
    }
    match end {
        Some(Event::Fixed(v) | Event::Limit(v)) => parts.push(format!("<{v}")),
        Some(Event::LastAffected(v)) => parts.push(format!("<={v}")),
        Some(Event::Introduced(_)) | None => {}
    }
    if parts.is_empty() {
        format!("vers:{scheme}/*")
    } else {
        format!("vers:{scheme}/{}", parts.join("|"))
    }
}

fn unaffected_range(scheme: &str, s: &VersionSpan) -> Option<String> {
    let start = if s.version == "0" || s.version == "*" {
        None
    } else {
        Some(format!(">={}", s.version))
    };
    let end = match (&s.less_than, &s.less_than_or_equal) {
        (Some(l), _) if l != "*" => Some(format!("<{l}")),
        (_, Some(l)) if l != "*" => Some(format!("<={l}")),
        (Some(_), _) | (_, Some(_)) => None,
        (None, None) => return None,
    };
    let parts: Vec<String> = start.into_iter().chain(end).collect();
    Some(if parts.is_empty() {
        format!("vers:{scheme}/*")
    } else {
        format!("vers:{scheme}/{}", parts.join("|"))
    })
}

struct Fix {
    package: String,
    version: String,
    affected_ids: Vec<String>,
    url: Option<String>,
}

fn add_affected(
    af: &Affected,
    products: &mut Products,
    fixes: &mut Vec<Fix>,
    fix_url: Option<&str>,
) {
    let p = &af.package;
    let vendor = p
        .vendor
        .clone()
        .or_else(|| p.ecosystem.clone())
        .unwrap_or_else(|| "n/a".to_owned());
    let product = p.product.clone().unwrap_or_else(|| p.name.clone());
    let purl = base_purl(p);
    let cpe = p.cpes.first().map(String::as_str);
    let eco = p.ecosystem.as_deref();
    for r in &af.ranges {
        let scheme = vers_scheme(eco, r.kind);
        for span in r.spans() {
            let range_name = if r.kind == RangeKind::Git {
                let repo = r.repo.as_deref().or(p.repo.as_deref()).unwrap_or("git");
                match span.end {
                    Some(Event::Fixed(v) | Event::Limit(v)) => {
                        format!("{repo} commits from {} until {v}", span.introduced)
                    }
                    Some(Event::LastAffected(v)) => {
                        format!("{repo} commits from {} through {v}", span.introduced)
                    }
                    Some(Event::Introduced(_)) | None => {
                        format!("{repo} commits from {}", span.introduced)
                    }
                }
            } else {
                vers(scheme, span.introduced, span.end)
            };
            let range_id = products.product(
                &vendor,
                &product,
                "product_version_range",
                &range_name,
                purl.clone(),
                cpe,
            );
            products.set(Group::KnownAffected, &range_id);
            match span.end {
                Some(Event::Fixed(v)) => {
                    let vpurl = purl.as_deref().and_then(|b| purl_with_version(b, v));
                    let cat = if looks_like_range(v) {
                        "product_version_range"
                    } else {
                        "product_version"
                    };
                    let fixed_id = products.product(&vendor, &product, cat, v, vpurl, cpe);
                    products.set(Group::Fixed, &fixed_id);
                    if let Some(f) = fixes
                        .iter_mut()
                        .find(|f| f.package == product && f.version == *v)
                    {
                        f.affected_ids.push(range_id);
                    } else {
                        fixes.push(Fix {
                            package: product.clone(),
                            version: v.clone(),
                            affected_ids: vec![range_id],
                            url: fix_url.map(str::to_owned),
                        });
                    }
                }
                Some(Event::LastAffected(v)) => {
                    let vpurl = purl.as_deref().and_then(|b| purl_with_version(b, v));
                    let cat = if looks_like_range(v) {
                        "product_version_range"
                    } else {
                        "product_version"
                    };
                    let id = products.product(&vendor, &product, cat, v, vpurl, cpe);
                    products.set(Group::LastAffected, &id);
                }
                _ => {}
            }
        }
    }
    for v in &af.versions {
        let cat = if looks_like_range(v) {
            "product_version_range"
        } else {
            "product_version"
        };
        let vpurl = purl.as_deref().and_then(|b| purl_with_version(b, v));
        let id = products.product(&vendor, &product, cat, v, vpurl, cpe);
        products.set(Group::KnownAffected, &id);
    }
    let scheme = vers_scheme(eco, RangeKind::Ecosystem);
    for s in &af.unaffected {
        let scheme = match s.version_type.as_deref() {
            Some("semver") => "semver",
            _ => scheme,
        };
        let id = if let Some(range) = unaffected_range(scheme, s) {
            products.product(
                &vendor,
                &product,
                "product_version_range",
                &range,
                purl.clone(),
                cpe,
            )
        } else {
            let cat = if looks_like_range(&s.version) {
                "product_version_range"
            } else {
                "product_version"
            };
            let vpurl = purl
                .as_deref()
                .and_then(|b| purl_with_version(b, &s.version));
            products.product(&vendor, &product, cat, &s.version, vpurl, cpe)
        };
        products.set(Group::KnownNotAffected, &id);
    }
    let listed = !af.ranges.is_empty() || !af.versions.is_empty();
    match af.default_status.as_deref() {
        Some("affected") if !listed => {
            let name = if af.unaffected.is_empty() {
                "all versions".to_owned()
            } else {
                "all versions not listed as not affected".to_owned()
            };
            let id = products.product(&vendor, &product, "product_version_range", &name, purl, cpe);
            products.set(Group::KnownAffected, &id);
        }
        Some("unknown") | None if !listed && af.unaffected.is_empty() => {
            let id = products.product(
                &vendor,
                &product,
                "product_version_range",
                "all versions",
                purl,
                cpe,
            );
            products.set(Group::UnderInvestigation, &id);
        }
        _ => {}
    }
}

fn score_json(v: &CvssVector) -> Option<(&'static str, Value)> {
    let score = v.base_score()?;
    match v.version() {
        CvssVersion::V2 => Some((
            "cvss_v2",
            json!({"version": "2.0", "vectorString": v.as_str(), "baseScore": score}),
        )),
        CvssVersion::V3_0 | CvssVersion::V3_1 => Some((
            "cvss_v3",
            json!({"version": v.version().as_str(), "vectorString": v.as_str(),
                "baseScore": score, "baseSeverity": crate::cvss::severity_of(score)}),
        )),
        CvssVersion::V4_0 => None,
    }
}

fn is_uri(s: &str) -> bool {
    s.split_once(':').is_some_and(|(scheme, rest)| {
        !rest.is_empty()
            && scheme
                .bytes()
                .next()
                .is_some_and(|b| b.is_ascii_alphabetic())
            && scheme
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'))
    }) && !s.chars().any(char::is_whitespace)
}

/// Revision history: `(date, summary)` in date order; numbers are assigned by the caller.
fn revisions(a: &Advisory) -> Vec<(jiff::Timestamp, String)> {
    if a.status == Status::Draft {
        return vec![(a.modified, "Draft".to_owned())];
    }
    let initial = a.published.unwrap_or(a.modified);
    let mut revs = vec![(initial, "Initial release".to_owned())];
    if a.modified > initial {
        revs.push((a.modified, "Current release".to_owned()));
    }
    if a.status == Status::Withdrawn {
        let w = a
            .withdrawn
            .unwrap_or(a.modified)
            .max(revs[revs.len() - 1].0);
        revs.push((w, "Withdrawn".to_owned()));
    }
    revs
}

/// Exports a CSAF 2.0 security advisory.
///
/// # Errors
/// Only when JSON serialisation fails (it does not for this model).
pub fn to_csaf(a: &Advisory, opts: &ExportOptions) -> Result<Value, ExportError> {
    let title_base = if a.summary.trim().is_empty() {
        a.id.as_str()
    } else {
        a.summary.trim()
    };
    let withdrawn = a.status == Status::Withdrawn;
    let title = if withdrawn {
        format!("WITHDRAWN: {title_base}")
    } else {
        title_base.to_owned()
    };

    // Products and status.
    let fix_url = a
        .references
        .iter()
        .find(|r| r.kind == crate::ReferenceType::Fix)
        .or_else(|| {
            a.references
                .iter()
                .find(|r| r.kind == crate::ReferenceType::Advisory)
        })
        .map(|r| r.url.as_str())
        .filter(|u| is_uri(u));
    let mut products = Products::default();
    let mut fixes = Vec::new();
    for af in &a.affected {
        add_affected(af, &mut products, &mut fixes, fix_url);
    }
    if products.status.is_empty() {
        let id = products.product(
            &opts.publisher.name,
            title_base,
            "product_version_range",
            "all versions",
            None,
            None,
        );
        products.set(Group::UnderInvestigation, &id);
    }

    // Document.
    let mut publisher = Map::new();
    publisher.insert("category".into(), opts.publisher.category.clone().into());
    publisher.insert("name".into(), opts.publisher.name.clone().into());
    publisher.insert("namespace".into(), opts.publisher.namespace.clone().into());
    if let Some(c) = &opts.publisher.contact_details {
        publisher.insert("contact_details".into(), c.clone().into());
    }
    let revs = revisions(a);
    let draft = a.status == Status::Draft;
    let history: Vec<Value> = revs
        .iter()
        .enumerate()
        .map(|(i, (date, summary))| {
            let number = if draft {
                i.to_string()
            } else {
                (i + 1).to_string()
            };
            json!({"date": ts(*date), "number": number, "summary": summary})
        })
        .collect();
    let version = if draft {
        (revs.len() - 1).to_string()
    } else {
        revs.len().to_string()
    };
    let initial = revs[0].0;
    let current = revs[revs.len() - 1].0.max(a.modified);
    let mut tracking = Map::new();
    tracking.insert("current_release_date".into(), ts(current).into());
    tracking.insert(
        "generator".into(),
        json!({"engine": {"name": "Embargo", "version": env!("CARGO_PKG_VERSION")}}),
    );
    tracking.insert("id".into(), a.id.trim().into());
    tracking.insert("initial_release_date".into(), ts(initial).into());
    tracking.insert("revision_history".into(), history.into());
    tracking.insert(
        "status".into(),
        if draft { "draft" } else { "final" }.into(),
    );
    tracking.insert("version".into(), version.into());
    let mut aliases: Vec<String> = Vec::new();
    for al in &a.aliases {
        if al.trim() != a.id.trim() && !al.trim().is_empty() && !aliases.contains(al) {
            aliases.push(al.trim().to_owned());
        }
    }
    if !aliases.is_empty() {
        tracking.insert("aliases".into(), json!(aliases));
    }
    let mut doc_notes =
        vec![json!({"category": "summary", "title": "Summary", "text": title_base})];
    if withdrawn {
        let when = a
            .withdrawn
            .map(|w| format!(" on {}", ts(w)))
            .unwrap_or_default();
        doc_notes.push(json!({"category": "general", "title": "Withdrawn",
            "text": format!("This advisory was withdrawn{when}. CSAF 2.0 has no withdrawn state; treat the vulnerability information below as retracted.")}));
    }
    let mut document = Map::new();
    document.insert("category".into(), "csaf_security_advisory".into());
    document.insert("csaf_version".into(), "2.0".into());
    document.insert(
        "distribution".into(),
        json!({"tlp": {"label": if draft { "AMBER" } else { "WHITE" }, "url": "https://www.first.org/tlp/"}}),
    );
    document.insert("lang".into(), "en".into());
    if let Some(url) = opts.csaf_self_url.as_deref().filter(|u| is_uri(u)) {
        document.insert(
            "references".into(),
            json!([{"category": "self", "summary": "Canonical URL", "url": url}]),
        );
    }
    document.insert("notes".into(), doc_notes.into());
    document.insert("publisher".into(), publisher.into());
    document.insert("title".into(), title.into());
    document.insert("tracking".into(), tracking.into());

    // Vulnerability.
    let mut vuln = Map::new();
    let cve = a.cve_id();
    if let Some(c) = cve {
        vuln.insert("cve".into(), c.into());
    }
    let mut ids: Vec<Value> = Vec::new();
    for other in std::iter::once(&a.id).chain(&a.aliases).chain(&a.related) {
        let other = other.trim();
        if Some(other) == cve || other.is_empty() {
            continue;
        }
        let system = other.split_once('-').map_or("other", |(p, _)| p);
        let v = json!({"system_name": system, "text": other});
        if !ids.contains(&v) {
            ids.push(v);
        }
    }
    if !ids.is_empty() {
        vuln.insert("ids".into(), ids.into());
    }
    let mut notes = Vec::new();
    let details = if a.details.trim().is_empty() {
        title_base
    } else {
        a.details.as_str()
    };
    notes.push(json!({"category": "description", "title": "Details", "text": details}));
    let mut cwe_done = false;
    let mut other_cwes = Vec::new();
    for c in &a.cwes {
        match crate::cwe::name(&c.id) {
            Some(name) if !cwe_done => {
                vuln.insert("cwe".into(), json!({"id": c.id, "name": name}));
                cwe_done = true;
            }
            _ => other_cwes.push(match &c.name {
                Some(n) if n != &c.id => format!("{} ({n})", c.id),
                _ => c.id.clone(),
            }),
        }
    }
    if !other_cwes.is_empty() {
        notes.push(
            json!({"category": "other", "title": "Further weaknesses (CWE)",
            "text": other_cwes.join(", ")}),
        );
    }
    let affected_ids = {
        let ids = products.ids_in(&[Group::KnownAffected, Group::LastAffected]);
        if ids.is_empty() {
            products.ids_in(&[Group::UnderInvestigation])
        } else {
            ids
        }
    };
    let mut scores = Vec::new();
    let mut seen_versions = Vec::new();
    let mut worst: Option<f64> = None;
    for v in &a.severity {
        match score_json(v) {
            Some((key, obj))
                if !seen_versions.contains(&v.version()) && !affected_ids.is_empty() =>
            {
                seen_versions.push(v.version());
                if v.version() != CvssVersion::V2 {
                    worst = v.base_score().map(|s| worst.map_or(s, |w: f64| w.max(s)));
                }
                scores.push(json!({key: obj, "products": affected_ids}));
            }
            _ => {
                let score = v
                    .base_score()
                    .map(|s| format!(", base score {s} ({})", crate::cvss::severity_of(s)))
                    .unwrap_or_default();
                let why = if v.version() == CvssVersion::V4_0 {
                    "CSAF 2.0 has no place for CVSS v4.0"
                } else {
                    "only one score per CVSS version and product is allowed"
                };
                notes.push(json!({"category": "other",
                    "title": format!("CVSS v{}", v.version().as_str()),
                    "text": format!("{}{score} ({why}).", v.as_str())}));
            }
        }
    }
    if let Some(w) = worst {
        document.insert(
            "aggregate_severity".into(),
            json!({"text": crate::cvss::severity_of(w)}),
        );
    }
    vuln.insert("notes".into(), notes.into());
    vuln.insert("product_status".into(), products.status_json());
    if !scores.is_empty() {
        vuln.insert("scores".into(), scores.into());
    }
    let remediations: Vec<Value> = fixes
        .iter()
        .map(|f| {
            let mut m = Map::new();
            m.insert("category".into(), "vendor_fix".into());
            m.insert(
                "details".into(),
                format!("Upgrade {} to version {} or later.", f.package, f.version).into(),
            );
            m.insert("product_ids".into(), json!(f.affected_ids));
            if let Some(u) = &f.url {
                m.insert("url".into(), u.clone().into());
            }
            Value::Object(m)
        })
        .collect();
    if !remediations.is_empty() {
        vuln.insert("remediations".into(), remediations.into());
    }
    let refs: Vec<Value> = a
        .references
        .iter()
        .filter(|r| is_uri(&r.url))
        .map(|r| {
            let summary = r
                .name
                .clone()
                .unwrap_or_else(|| r.kind.as_osv().to_lowercase());
            json!({"category": "external", "summary": summary, "url": r.url})
        })
        .collect();
    if !refs.is_empty() {
        vuln.insert("references".into(), refs.into());
    }
    let acks: Vec<Value> = a
        .credits
        .iter()
        .filter(|c| !c.name.trim().is_empty())
        .map(|c| {
            let mut m = Map::new();
            m.insert("names".into(), json!([c.name.trim()]));
            if let Some(k) = c.kind {
                m.insert("summary".into(), k.as_cve().into());
            }
            let urls: Vec<&String> = c.contact.iter().filter(|u| is_uri(u)).collect();
            if !urls.is_empty() {
                m.insert("urls".into(), json!(urls));
            }
            Value::Object(m)
        })
        .collect();
    if !acks.is_empty() {
        vuln.insert("acknowledgments".into(), acks.into());
    }
    if let Some(p) = a.published {
        vuln.insert("release_date".into(), ts(p).into());
    }
    if !a.summary.trim().is_empty() {
        vuln.insert("title".into(), a.summary.trim().into());
    }

    Ok(json!({
        "document": document,
        "product_tree": products.tree(),
        "vulnerabilities": [vuln],
    }))
}

/// The role a CSAF party declares in `provider-metadata.json` (CSAF §7.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProviderRole {
    /// Publishes documents (requirements 1–4).
    Publisher,
    /// Also distributes them in a directory or ROLIE layout (adds 5–7, one of 8–10, 11–14 or 15–17).
    Provider,
    /// Also signs them and publishes hashes (adds 18–20).
    TrustedProvider,
}

impl ProviderRole {
    fn as_str(self) -> &'static str {
        match self {
            Self::Publisher => "csaf_publisher",
            Self::Provider => "csaf_provider",
            Self::TrustedProvider => "csaf_trusted_provider",
        }
    }
}

/// An OpenPGP key listed in `provider-metadata.json`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenPgpKey {
    /// 40 hex digits (or more), when known.
    pub fingerprint: Option<String>,
    pub url: String,
}

/// `provider-metadata.json` for `/.well-known/csaf/provider-metadata.json` (CSAF requirement 7),
/// served at `canonical_url`, with a directory distribution at `directory_url` (the folder
/// holding `index.txt`, `changes.csv` and one folder per year). Check it with
/// [`crate::schema::Schema::CsafProviderMetadata`].
#[must_use]
pub fn provider_metadata(
    publisher: &Publisher,
    role: ProviderRole,
    canonical_url: &str,
    last_updated: jiff::Timestamp,
    directory_url: Option<&str>,
    keys: &[OpenPgpKey],
) -> Value {
    let mut pubm = Map::new();
    pubm.insert("category".into(), publisher.category.clone().into());
    pubm.insert("name".into(), publisher.name.clone().into());
    pubm.insert("namespace".into(), publisher.namespace.clone().into());
    if let Some(c) = &publisher.contact_details {
        pubm.insert("contact_details".into(), c.clone().into());
    }
    let mut m = Map::new();
    m.insert("canonical_url".into(), canonical_url.into());
    if let Some(d) = directory_url {
        m.insert("distributions".into(), json!([{"directory_url": d}]));
    }
    m.insert("last_updated".into(), ts(last_updated).into());
    m.insert("list_on_CSAF_aggregators".into(), true.into());
    m.insert("metadata_version".into(), "2.0".into());
    m.insert("mirror_on_CSAF_aggregators".into(), true.into());
    if !keys.is_empty() {
        let keys: Vec<Value> = keys
            .iter()
            .map(|k| {
                let mut o = Map::new();
                if let Some(f) = &k.fingerprint {
                    o.insert("fingerprint".into(), f.clone().into());
                }
                o.insert("url".into(), k.url.clone().into());
                Value::Object(o)
            })
            .collect();
        m.insert("public_openpgp_keys".into(), keys.into());
    }
    m.insert("publisher".into(), pubm.into());
    m.insert("role".into(), role.as_str().into());
    Value::Object(m)
}

/// Where a document lives in a directory distribution (CSAF requirement 11): the year of its
/// `initial_release_date`, then its file name (`2023/ghsa-j8r2-6x86-q33q.json`).
/// `None` when the document has no readable tracking id or initial release date.
#[must_use]
pub fn distribution_path(doc: &Value) -> Option<String> {
    let tracking = doc.pointer("/document/tracking")?;
    let id = tracking.get("id")?.as_str()?;
    let initial: jiff::Timestamp = tracking
        .get("initial_release_date")?
        .as_str()?
        .parse()
        .ok()?;
    let year = initial.to_zoned(jiff::tz::TimeZone::UTC).year();
    Some(format!("{year}/{}", filename(id)))
}

/// `index.txt` of a directory distribution (CSAF requirement 12): one path per line, as given.
#[must_use]
pub fn index_txt(paths: &[String]) -> String {
    let mut out = String::new();
    for p in paths {
        out.push_str(p);
        out.push('\n');
    }
    out
}

/// `changes.csv` of a directory distribution (CSAF requirement 13): `"path","current_release_date"`
/// lines, newest first.
#[must_use]
pub fn changes_csv(entries: &[(String, jiff::Timestamp)]) -> String {
    let mut sorted: Vec<&(String, jiff::Timestamp)> = entries.iter().collect();
    sorted.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    let mut out = String::new();
    for (path, t) in sorted {
        out.push('"');
        out.push_str(&path.replace('"', "\"\""));
        out.push_str("\",\"");
        out.push_str(&ts(*t));
        out.push_str("\"\n");
    }
    out
}
