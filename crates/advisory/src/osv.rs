//! OSV (and GitHub's GHSA flavour of it): export and import.
//!
//! What OSV cannot hold natively (vendor products, abbreviated git commits, CVE reference
//! tags, drafts, …) travels in `database_specific.embargo` so that model → OSV → model is
//! lossless. GitHub's `database_specific.cwe_ids` convention carries the CWE ids.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use crate::cvss::CvssVector;
use crate::json::{arr, err, obj, opt_str, opt_timestamp, req_str, str_list, timestamp, ts};
use crate::model::{
    Advisory, Affected, Assigner, Credit, CreditType, Cwe, Event, Range, RangeKind, Reference,
    ReferenceType, Status, VersionSpan,
};
use crate::{ExportError, ImportError};

/// The OSV schema version we write.
pub const SCHEMA_VERSION: &str = "1.7.0";

const OSV_ECOSYSTEMS: &[&str] = &[
    "AlmaLinux",
    "Alpaquita",
    "Alpine",
    "Android",
    "Azure Linux",
    "BellSoft Hardened Containers",
    "Bioconductor",
    "Bitnami",
    "Chainguard",
    "CleanStart",
    "ConanCenter",
    "CRAN",
    "crates.io",
    "Debian",
    "Docker Hardened Images",
    "Echo",
    "FreeBSD",
    "GHC",
    "GitHub Actions",
    "Go",
    "Hackage",
    "Hex",
    "Julia",
    "Kubernetes",
    "Linux",
    "Mageia",
    "Maven",
    "MinimOS",
    "npm",
    "NuGet",
    "opam",
    "openEuler",
    "openSUSE",
    "OSS-Fuzz",
    "Packagist",
    "Photon OS",
    "Pub",
    "PyPI",
    "Red Hat",
    "Rocky Linux",
    "Root",
    "RubyGems",
    "SUSE",
    "SwiftURL",
    "TuxCare",
    "Ubuntu",
    "VSCode",
    "Wolfi",
    "GIT",
];

/// Whether `eco` is an ecosystem the OSV schema accepts (optionally with a `:suffix`).
#[must_use]
pub fn is_osv_ecosystem(eco: &str) -> bool {
    let base = eco
        .split_once(':')
        .map_or(eco, |(b, s)| if s.is_empty() { "" } else { b });
    OSV_ECOSYSTEMS.contains(&base)
}

fn is_full_commit(s: &str) -> bool {
    s == "0"
        || ((s.len() == 40 || s.len() == 64)
            && s.bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)))
}

fn osv_native(a: &Affected) -> bool {
    let eco_ok = a.package.ecosystem.as_deref().is_some_and(is_osv_ecosystem);
    let ranges_ok = a.ranges.iter().all(|r| {
        !r.events.is_empty()
            && r.events.iter().any(|e| matches!(e, Event::Introduced(_)))
            && !(r.events.iter().any(|e| matches!(e, Event::Fixed(_)))
                && r.events.iter().any(|e| matches!(e, Event::LastAffected(_))))
            && (r.kind != RangeKind::Git
                || (r.repo.is_some() && r.events.iter().all(|e| is_full_commit(e.version()))))
    });
    eco_ok && ranges_ok
}

/// Fields of an affected entry that OSV has no place for.
#[derive(Debug, Default, Serialize, Deserialize, PartialEq)]
struct AffectedExtra {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    vendor: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    product: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    collection_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    repo: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    cpes: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    unaffected: Vec<VersionSpan>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    default_status: Option<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    version_types: BTreeMap<usize, String>,
}

impl AffectedExtra {
    fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

#[derive(Debug, Serialize, Deserialize)]
struct IndexedAffected {
    index: usize,
    affected: Affected,
}

#[derive(Debug, Serialize, Deserialize)]
struct RefMeta {
    index: usize,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    name: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    tags: Vec<String>,
}

/// Top-level fields OSV has no place for.
#[derive(Debug, Default, Serialize, Deserialize)]
struct Extra {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    status: Option<Status>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    affected: Vec<IndexedAffected>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    references: Vec<RefMeta>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    cwe_names: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    assigner: Option<Assigner>,
    /// Stated scores of vectors we cannot score ourselves (v4.0), by severity index.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    scores: BTreeMap<usize, f64>,
}

fn range_json(r: &Range, package_repo: Option<&String>) -> Value {
    let mut o = Map::new();
    let kind = match r.kind {
        RangeKind::Semver => "SEMVER",
        RangeKind::Ecosystem => "ECOSYSTEM",
        RangeKind::Git => "GIT",
    };
    o.insert("type".into(), kind.into());
    if let Some(repo) = r.repo.as_ref().or(package_repo) {
        o.insert("repo".into(), repo.clone().into());
    }
    let events: Vec<Value> = r
        .events
        .iter()
        .map(|e| json!({ e.key(): e.version() }))
        .collect();
    o.insert("events".into(), events.into());
    Value::Object(o)
}

/// Exports to an OSV record.
///
/// # Errors
/// When the advisory id is not a valid OSV id (a registered prefix or `x_…`).
pub fn to_osv(a: &Advisory) -> Result<Value, ExportError> {
    if !crate::ids::is_osv_id(&a.id) {
        return Err(ExportError::InvalidId(a.id.clone()));
    }
    let mut extra = Extra::default();
    let mut o = Map::new();
    o.insert("schema_version".into(), SCHEMA_VERSION.into());
    o.insert("id".into(), a.id.clone().into());
    o.insert("modified".into(), ts(a.modified).into());
    if let Some(p) = a.published {
        o.insert("published".into(), ts(p).into());
    }
    if let Some(w) = a.withdrawn {
        o.insert("withdrawn".into(), ts(w).into());
    }
    if a.status == Status::Draft {
        extra.status = Some(Status::Draft);
    }
    o.insert("aliases".into(), json!(a.aliases));
    if !a.related.is_empty() {
        o.insert("related".into(), json!(a.related));
    }
    if !a.summary.is_empty() {
        o.insert("summary".into(), a.summary.clone().into());
    }
    if !a.details.is_empty() {
        o.insert("details".into(), a.details.clone().into());
    }
    let severity: Vec<Value> = a
        .severity
        .iter()
        .enumerate()
        .map(|(i, v)| {
            if v.version() == crate::cvss::CvssVersion::V4_0
                && let Some(s) = v.base_score()
            {
                extra.scores.insert(i, s);
            }
            json!({"type": v.version().osv_type(), "score": v.as_str()})
        })
        .collect();
    o.insert("severity".into(), severity.into());
    let mut affected = Vec::new();
    for (index, af) in a.affected.iter().enumerate() {
        if !osv_native(af) {
            extra.affected.push(IndexedAffected {
                index,
                affected: af.clone(),
            });
            continue;
        }
        let mut e = Map::new();
        let mut pkg = Map::new();
        pkg.insert(
            "ecosystem".into(),
            af.package.ecosystem.clone().unwrap_or_default().into(),
        );
        pkg.insert("name".into(), af.package.name.clone().into());
        if let Some(p) = &af.package.purl {
            pkg.insert("purl".into(), p.clone().into());
        }
        e.insert("package".into(), pkg.into());
        if !af.ranges.is_empty() {
            let ranges: Vec<Value> = af
                .ranges
                .iter()
                .map(|r| range_json(r, af.package.repo.as_ref()))
                .collect();
            e.insert("ranges".into(), ranges.into());
        }
        if !af.versions.is_empty() {
            e.insert("versions".into(), json!(af.versions));
        }
        if !af.functions.is_empty() {
            e.insert(
                "ecosystem_specific".into(),
                json!({"affected_functions": af.functions}),
            );
        }
        let ax = AffectedExtra {
            vendor: af.package.vendor.clone(),
            product: af.package.product.clone(),
            collection_url: af.package.collection_url.clone(),
            repo: af.package.repo.clone(),
            cpes: af.package.cpes.clone(),
            unaffected: af.unaffected.clone(),
            default_status: af.default_status.clone(),
            version_types: af
                .ranges
                .iter()
                .enumerate()
                .filter_map(|(i, r)| r.version_type.clone().map(|t| (i, t)))
                .collect(),
        };
        if !ax.is_empty() {
            e.insert(
                "database_specific".into(),
                json!({ "embargo": serde_json::to_value(&ax).map_err(ExportError::Json)? }),
            );
        }
        affected.push(Value::Object(e));
    }
    o.insert("affected".into(), affected.into());
    let references: Vec<Value> = a
        .references
        .iter()
        .enumerate()
        .map(|(index, r)| {
            if r.name.is_some() || !r.tags.is_empty() {
                extra.references.push(RefMeta {
                    index,
                    name: r.name.clone(),
                    tags: r.tags.clone(),
                });
            }
            json!({"type": r.kind.as_osv(), "url": r.url})
        })
        .collect();
    o.insert("references".into(), references.into());
    if !a.credits.is_empty() {
        let credits: Vec<Value> = a
            .credits
            .iter()
            .map(|c| {
                let mut m = Map::new();
                m.insert("name".into(), c.name.clone().into());
                if !c.contact.is_empty() {
                    m.insert("contact".into(), json!(c.contact));
                }
                if let Some(k) = c.kind {
                    m.insert("type".into(), k.as_osv().into());
                }
                Value::Object(m)
            })
            .collect();
        o.insert("credits".into(), credits.into());
    }
    let mut db = Map::new();
    if !a.cwes.is_empty() {
        db.insert(
            "cwe_ids".into(),
            a.cwes
                .iter()
                .map(|c| c.id.clone())
                .collect::<Vec<_>>()
                .into(),
        );
        extra.cwe_names = a
            .cwes
            .iter()
            .filter_map(|c| c.name.clone().map(|n| (c.id.clone(), n)))
            .collect();
    }
    extra.assigner.clone_from(&a.assigner);
    let extra_v = serde_json::to_value(&extra).map_err(ExportError::Json)?;
    if extra_v.as_object().is_some_and(|m| !m.is_empty()) {
        db.insert("embargo".into(), extra_v);
    }
    if !db.is_empty() {
        o.insert("database_specific".into(), db.into());
    }
    Ok(Value::Object(o))
}

/// Adds `https://` to a reference that has no scheme (GitHub writes Go module paths such as
/// `golang.org/x/net` as PACKAGE references, which are not URIs).
pub(crate) fn normalize_url(url: &str) -> String {
    let url = url.trim();
    let has_scheme = url.split_once(':').is_some_and(|(s, _)| {
        !s.is_empty()
            && s.bytes().next().is_some_and(|b| b.is_ascii_alphabetic())
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'-' || b == b'.')
    });
    if has_scheme || url.is_empty() {
        url.to_owned()
    } else {
        format!("https://{url}")
    }
}

fn parse_events(v: &[Value], path: &str) -> Result<Vec<Event>, ImportError> {
    v.iter()
        .enumerate()
        .map(|(i, e)| {
            let p = format!("{path}[{i}]");
            let o = obj(e, &p)?;
            if o.len() != 1 {
                return Err(err(&p, "a range event must have exactly one key"));
            }
            let (k, val) = o.iter().next().ok_or_else(|| err(&p, "empty event"))?;
            let s = val
                .as_str()
                .ok_or_else(|| err(&format!("{p}.{k}"), "expected a string"))?
                .to_owned();
            match k.as_str() {
                "introduced" => Ok(Event::Introduced(s)),
                "fixed" => Ok(Event::Fixed(s)),
                "last_affected" => Ok(Event::LastAffected(s)),
                "limit" => Ok(Event::Limit(s)),
                _ => Err(err(&format!("{p}.{k}"), "unknown range event")),
            }
        })
        .collect()
}

/// Imports an OSV (or GHSA) record.
///
/// # Errors
/// When a field the model needs is missing or has the wrong type; the error names its JSON path.
pub fn from_osv(doc: &Value) -> Result<Advisory, ImportError> {
    let o = obj(doc, "$")?;
    let id = req_str(o, "id", "$")?.to_owned();
    let modified = timestamp(req_str(o, "modified", "$")?, "$.modified")?;
    let db = o.get("database_specific").and_then(Value::as_object);
    let extra: Extra = db
        .and_then(|d| d.get("embargo"))
        .map(|v| serde_json::from_value(v.clone()))
        .transpose()
        .map_err(|e| err("$.database_specific.embargo", e.to_string()))?
        .unwrap_or_default();
    let mut a = Advisory::new(id, modified);
    a.published = opt_timestamp(o, "published", "$")?;
    a.withdrawn = opt_timestamp(o, "withdrawn", "$")?;
    a.status = if a.withdrawn.is_some() {
        Status::Withdrawn
    } else {
        extra.status.unwrap_or(Status::Published)
    };
    a.aliases = str_list(o, "aliases", "$")?;
    a.related = str_list(o, "related", "$")?;
    a.summary = opt_str(o, "summary", "$")?.unwrap_or_default().to_owned();
    a.details = opt_str(o, "details", "$")?.unwrap_or_default().to_owned();
    for (i, s) in arr(o, "severity", "$")?.iter().enumerate() {
        let p = format!("$.severity[{i}]");
        let so = obj(s, &p)?;
        let kind = req_str(so, "type", &p)?;
        if !kind.starts_with("CVSS_") {
            continue; // e.g. "Ubuntu" priorities: not a CVSS vector.
        }
        let score = req_str(so, "score", &p)?;
        let v = CvssVector::with_stated_score(score, extra.scores.get(&i).copied())
            .map_err(|e| err(&format!("{p}.score"), e.to_string()))?;
        a.severity.push(v);
    }
    for (i, e) in arr(o, "affected", "$")?.iter().enumerate() {
        let p = format!("$.affected[{i}]");
        let eo = obj(e, &p)?;
        let pkg = obj(
            eo.get("package")
                .ok_or_else(|| err(&format!("{p}.package"), "missing"))?,
            &format!("{p}.package"),
        )?;
        let pp = format!("{p}.package");
        let mut af = Affected::default();
        af.package.ecosystem = opt_str(pkg, "ecosystem", &pp)?.map(str::to_owned);
        af.package.name = req_str(pkg, "name", &pp)?.to_owned();
        af.package.purl = opt_str(pkg, "purl", &pp)?.map(str::to_owned);
        for (j, r) in arr(eo, "ranges", &p)?.iter().enumerate() {
            let rp = format!("{p}.ranges[{j}]");
            let ro = obj(r, &rp)?;
            let kind = match req_str(ro, "type", &rp)? {
                "SEMVER" => RangeKind::Semver,
                "ECOSYSTEM" => RangeKind::Ecosystem,
                "GIT" => RangeKind::Git,
                other => {
                    return Err(err(
                        &format!("{rp}.type"),
                        format!("unknown range type {other:?}"),
                    ));
                }
            };
            af.ranges.push(Range {
                kind,
                repo: opt_str(ro, "repo", &rp)?.map(str::to_owned),
                events: parse_events(arr(ro, "events", &rp)?, &format!("{rp}.events"))?,
                version_type: None,
            });
        }
        af.versions = str_list(eo, "versions", &p)?;
        if let Some(es) = eo.get("ecosystem_specific").and_then(Value::as_object) {
            af.functions = str_list(es, "affected_functions", &format!("{p}.ecosystem_specific"))?;
        }
        if let Some(x) = eo.get("database_specific").and_then(|d| d.get("embargo")) {
            let ax: AffectedExtra = serde_json::from_value(x.clone())
                .map_err(|e| err(&format!("{p}.database_specific.embargo"), e.to_string()))?;
            af.package.vendor = ax.vendor;
            af.package.product = ax.product;
            af.package.collection_url = ax.collection_url;
            af.package.repo = ax.repo;
            af.package.cpes = ax.cpes;
            af.unaffected = ax.unaffected;
            af.default_status = ax.default_status;
            for (j, t) in ax.version_types {
                if let Some(r) = af.ranges.get_mut(j) {
                    r.version_type = Some(t);
                }
            }
        }
        a.affected.push(af);
    }
    for ia in extra.affected {
        let at = ia.index.min(a.affected.len());
        a.affected.insert(at, ia.affected);
    }
    for (i, r) in arr(o, "references", "$")?.iter().enumerate() {
        let p = format!("$.references[{i}]");
        let ro = obj(r, &p)?;
        let kind = ReferenceType::from_osv(req_str(ro, "type", &p)?).unwrap_or(ReferenceType::Web);
        a.references.push(Reference {
            kind,
            url: normalize_url(req_str(ro, "url", &p)?),
            name: None,
            tags: Vec::new(),
        });
    }
    for m in extra.references {
        if let Some(r) = a.references.get_mut(m.index) {
            r.name = m.name;
            r.tags = m.tags;
        }
    }
    for (i, c) in arr(o, "credits", "$")?.iter().enumerate() {
        let p = format!("$.credits[{i}]");
        let co = obj(c, &p)?;
        a.credits.push(Credit {
            name: req_str(co, "name", &p)?.to_owned(),
            contact: str_list(co, "contact", &p)?,
            kind: opt_str(co, "type", &p)?.and_then(CreditType::from_osv),
        });
    }
    if let Some(d) = db {
        a.cwes = str_list(d, "cwe_ids", "$.database_specific")?
            .into_iter()
            .map(|id| Cwe {
                name: extra.cwe_names.get(&id).cloned(),
                id,
            })
            .collect();
    }
    a.assigner = extra.assigner;
    Ok(a)
}
