//! CVE JSON 5.1: the CNA container (what a CNA submits), the full record, and import.
//!
//! Fields CVE has no place for (the own id when it is not the CVE id, credit contacts, OSV
//! ecosystems without a well-known collection URL, drafts) travel in the container's
//! `x_embargo` extension property, so model → CVE → model is lossless.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use crate::cvss::{CvssVector, CvssVersion};
use crate::json::{arr, err, obj, opt_str, opt_timestamp, req_str, str_list, ts};
use crate::model::{
    Advisory, Affected, Assigner, Credit, CreditType, Cwe, Event, Range, RangeKind, Reference,
    ReferenceType, Status, VersionSpan,
};
use crate::{ExportError, ExportOptions, ImportError};

/// `metrics[].other.type` used for a CVSS v4.0 vector whose score we cannot compute.
pub const UNSCORED_V4_TYPE: &str = "x_cvssV4_0_unscored";

const MAX_DESCRIPTION: usize = 4096;
const MAX_TITLE: usize = 256;

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

/// A plain-text rendering of Markdown for CVE's `descriptions[].value`: headings lose their
/// `#`, `**bold**` and `` `code` `` lose their markers, `[text](url)` becomes `text (url)`.
/// Conservative on purpose: single `*`/`_` stay (they are common in identifiers).
#[must_use]
pub fn markdown_to_text(md: &str) -> String {
    let mut out = String::with_capacity(md.len());
    for (i, line) in md.lines().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let trimmed = line.trim_start();
        let line = if trimmed.starts_with('#') {
            let rest = trimmed.trim_start_matches('#');
            if rest.is_empty() || rest.starts_with(' ') {
                rest.trim_start()
            } else {
                line
            }
        } else {
            line
        };
        let line = line.replace("**", "").replace('`', "");
        // Links and images: [text](url) → text (url).
        let mut rest = line.as_str();
        while let Some(open) = rest.find('[') {
            let after = &rest[open + 1..];
            let Some(close) = after.find("](") else { break };
            let target = &after[close + 2..];
            let Some(end) = target.find(')') else { break };
            let label = &after[..close];
            let url = &target[..end];
            let before = &rest[..open];
            out.push_str(before.strip_suffix('!').unwrap_or(before));
            if label.is_empty() || label == url {
                out.push_str(url);
            } else {
                out.push_str(label);
                out.push_str(" (");
                out.push_str(url);
                out.push(')');
            }
            rest = &target[end + 1..];
        }
        out.push_str(rest);
    }
    out
}

/// A timestamp CVE's schema accepts (its pattern allows the years 1900 to 2999 only).
fn cve_ts(t: jiff::Timestamp) -> Option<String> {
    let year = t.to_zoned(jiff::tz::TimeZone::UTC).year();
    (1900..=2999).contains(&year).then(|| ts(t))
}

fn truncate(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

fn version_type(r: &Range) -> String {
    match (r.kind, &r.version_type) {
        (_, Some(t)) => t.clone(),
        (RangeKind::Semver, None) => "semver".to_owned(),
        (RangeKind::Git, None) => "git".to_owned(),
        (RangeKind::Ecosystem, None) => "custom".to_owned(),
    }
}

fn range_versions(r: &Range, out: &mut Vec<Value>) {
    let vt = version_type(r);
    for span in r.spans() {
        let i = span.introduced;
        out.push(match span.end {
            Some(Event::Fixed(v) | Event::Limit(v)) => {
                json!({"version": i, "lessThan": v, "status": "affected", "versionType": vt})
            }
            Some(Event::LastAffected(v)) => {
                json!({"version": i, "lessThanOrEqual": v, "status": "affected", "versionType": vt})
            }
            Some(Event::Introduced(_)) | None => {
                json!({"version": i, "lessThanOrEqual": "*", "status": "affected", "versionType": vt})
            }
        });
    }
}

fn affected_json(index: usize, af: &Affected, extra: &mut Extra) -> Value {
    let mut o = Map::new();
    let p = &af.package;
    let coll = p
        .collection_url
        .as_deref()
        .or_else(|| p.ecosystem.as_deref().and_then(collection_for));
    if let Some(eco) = &p.ecosystem
        && coll.and_then(ecosystem_for) != Some(eco.as_str())
    {
        extra.ecosystems.insert(index, eco.clone());
    }
    if let Some(purl) = &p.purl {
        extra.purls.insert(index, purl.clone());
    }
    let vendor = p
        .vendor
        .clone()
        .or_else(|| coll.is_none().then(|| "n/a".to_owned()));
    if let Some(v) = vendor {
        o.insert("vendor".into(), v.into());
        o.insert(
            "product".into(),
            p.product.clone().unwrap_or_else(|| p.name.clone()).into(),
        );
    } else if let Some(prod) = &p.product {
        o.insert("product".into(), prod.clone().into());
    }
    if let Some(c) = coll {
        o.insert("collectionURL".into(), c.into());
        o.insert("packageName".into(), p.name.clone().into());
    }
    if !p.cpes.is_empty() {
        o.insert("cpes".into(), json!(p.cpes));
    }
    let repo = p
        .repo
        .clone()
        .or_else(|| af.ranges.iter().find_map(|r| r.repo.clone()));
    if let Some(r) = repo {
        o.insert("repo".into(), r.into());
    }
    if !af.functions.is_empty() {
        let routines: Vec<Value> = af.functions.iter().map(|f| json!({"name": f})).collect();
        o.insert("programRoutines".into(), routines.into());
    }
    let mut versions = Vec::new();
    for r in &af.ranges {
        range_versions(r, &mut versions);
    }
    for v in &af.versions {
        versions.push(json!({"version": v, "status": "affected"}));
    }
    for s in &af.unaffected {
        let mut m = Map::new();
        m.insert("version".into(), s.version.clone().into());
        m.insert("status".into(), "unaffected".into());
        if let Some(l) = &s.less_than {
            m.insert("lessThan".into(), l.clone().into());
        }
        if let Some(l) = &s.less_than_or_equal {
            m.insert("lessThanOrEqual".into(), l.clone().into());
        }
        if let Some(t) = &s.version_type {
            m.insert("versionType".into(), t.clone().into());
        } else if m.contains_key("lessThan") || m.contains_key("lessThanOrEqual") {
            m.insert("versionType".into(), "custom".into());
        }
        versions.push(Value::Object(m));
    }
    let has_affected = !af.ranges.is_empty() || !af.versions.is_empty();
    let default = af.default_status.clone().unwrap_or_else(|| {
        if has_affected {
            "unaffected"
        } else {
            "unknown"
        }
        .to_owned()
    });
    o.insert("defaultStatus".into(), default.into());
    if !versions.is_empty() {
        o.insert("versions".into(), versions.into());
    }
    Value::Object(o)
}

fn metric_json(v: &CvssVector) -> Value {
    let score = v.base_score();
    match (v.version(), score) {
        (CvssVersion::V2, Some(s)) => {
            json!({"cvssV2_0": {"version": "2.0", "vectorString": v.as_str(), "baseScore": s}})
        }
        (CvssVersion::V3_0 | CvssVersion::V3_1 | CvssVersion::V4_0, Some(s)) => {
            let key = match v.version() {
                CvssVersion::V3_0 => "cvssV3_0",
                CvssVersion::V3_1 => "cvssV3_1",
                _ => "cvssV4_0",
            };
            json!({key: {"version": v.version().as_str(), "vectorString": v.as_str(),
                "baseScore": s, "baseSeverity": crate::cvss::severity_of(s)}})
        }
        (_, None) => {
            json!({"other": {"type": UNSCORED_V4_TYPE, "content": {"vectorString": v.as_str()}}})
        }
    }
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

/// Exports the published CNA container (`containers.cna`): what a CNA submits to CVE Services.
///
/// # Errors
/// When the advisory has no reference (the CVE schema needs at least one).
pub fn to_cve_cna(a: &Advisory, opts: &ExportOptions) -> Result<Value, ExportError> {
    let mut extra = Extra::default();
    let cve = a.cve_id();
    if cve != Some(a.id.as_str()) {
        extra.id = Some(a.id.clone());
    }
    let source_advisory = std::iter::once(&a.id)
        .chain(&a.aliases)
        .find(|i| Some(i.as_str()) != cve)
        .cloned();
    // Without a CVE id the record carries a placeholder id, which import must not alias.
    if cve.is_none() || a.aliases != derived_aliases(cve, &a.id, source_advisory.as_deref()) {
        extra.aliases = Some(a.aliases.clone());
    }
    extra.related.clone_from(&a.related);
    match a.status {
        Status::Published => {}
        s => extra.status = Some(s),
    }
    extra.withdrawn = a.withdrawn;
    if cve_ts(a.modified).is_none() {
        extra.modified = Some(a.modified);
    }
    let mut o = Map::new();
    let (org, short) = match &a.assigner {
        Some(asg) => (asg.org_id.clone(), asg.short_name.clone()),
        None => (opts.cve_org_id.clone(), opts.cve_short_name.clone()),
    };
    let mut pm = Map::new();
    pm.insert("orgId".into(), org.into());
    if let Some(s) = short {
        pm.insert("shortName".into(), s.into());
    }
    o.insert("providerMetadata".into(), pm.into());
    if !a.summary.is_empty() {
        let t = truncate(&a.summary, MAX_TITLE);
        if t.len() != a.summary.len() {
            extra.summary = Some(a.summary.clone());
        }
        o.insert("title".into(), t.into());
    }
    if let Some(p) = a.published {
        match cve_ts(p) {
            Some(t) => {
                o.insert("datePublic".into(), t.into());
            }
            None => extra.published = Some(p),
        }
    }
    let text = if a.details.trim().is_empty() {
        // CVE needs a description; the import must still see no details.
        extra.details = Some(a.details.clone());
        if a.summary.trim().is_empty() {
            a.id.as_str()
        } else {
            a.summary.as_str()
        }
    } else {
        a.details.as_str()
    };
    // `value` is plain text; the Markdown original travels in `supportingMedia`.
    let plain = markdown_to_text(text);
    let mut desc = Map::new();
    desc.insert("lang".into(), "en".into());
    desc.insert("value".into(), truncate(&plain, MAX_DESCRIPTION).into());
    if plain != text || text.len() > MAX_DESCRIPTION {
        desc.insert(
            "supportingMedia".into(),
            json!([{"type": "text/markdown", "base64": false, "value": text}]),
        );
    }
    o.insert("descriptions".into(), json!([desc]));
    let affected: Vec<Value> = if a.affected.is_empty() {
        vec![
            json!({"vendor": "n/a", "product": if a.summary.is_empty() { a.id.as_str() } else { a.summary.as_str() }, "defaultStatus": "unknown"}),
        ]
    } else {
        a.affected
            .iter()
            .enumerate()
            .map(|(i, af)| affected_json(i, af, &mut extra))
            .collect()
    };
    o.insert("affected".into(), affected.into());
    if !a.cwes.is_empty() {
        let descs: Vec<Value> = a
            .cwes
            .iter()
            .map(|c| {
                let text = c
                    .name
                    .clone()
                    .unwrap_or_else(|| match crate::cwe::name(&c.id) {
                        Some(n) => format!("{} {n}", c.id),
                        None => c.id.clone(),
                    });
                json!({"lang": "en", "description": text, "cweId": c.id, "type": "CWE"})
            })
            .collect();
        o.insert("problemTypes".into(), json!([{"descriptions": descs}]));
    }
    if !a.severity.is_empty() {
        o.insert(
            "metrics".into(),
            a.severity
                .iter()
                .map(metric_json)
                .collect::<Vec<_>>()
                .into(),
        );
    }
    if a.references.is_empty() {
        return Err(ExportError::Missing("references"));
    }
    let refs: Vec<Value> = a
        .references
        .iter()
        .map(|r| {
            let mut m = Map::new();
            m.insert("url".into(), r.url.clone().into());
            if let Some(n) = &r.name {
                m.insert("name".into(), n.clone().into());
            }
            let tags: Vec<String> = if r.tags.is_empty() {
                default_tag(r.kind)
                    .map(|t| vec![t.to_owned()])
                    .unwrap_or_default()
            } else {
                r.tags.clone()
            };
            if !tags.is_empty() {
                m.insert("tags".into(), json!(tags));
            }
            Value::Object(m)
        })
        .collect();
    o.insert("references".into(), refs.into());
    if !a.credits.is_empty() {
        let credits: Vec<Value> = a
            .credits
            .iter()
            .enumerate()
            .map(|(i, c)| {
                if !c.contact.is_empty() {
                    extra.credit_contacts.insert(i, c.contact.clone());
                }
                let mut m = Map::new();
                m.insert("lang".into(), "en".into());
                m.insert("value".into(), c.name.clone().into());
                if let Some(k) = c.kind {
                    m.insert("type".into(), k.as_cve().into());
                }
                Value::Object(m)
            })
            .collect();
        o.insert("credits".into(), credits.into());
    }
    if let Some(s) = source_advisory {
        o.insert("source".into(), json!({"advisory": s}));
    }
    let xv = serde_json::to_value(&extra)?;
    if xv.as_object().is_some_and(|m| !m.is_empty()) {
        o.insert("x_embargo".into(), xv);
    }
    Ok(Value::Object(o))
}

/// Exports a full CVE record (`dataType: CVE_RECORD`). A withdrawn advisory becomes a
/// `REJECTED` record whose reason is the summary (or details).
///
/// # Errors
/// When there is no CVE id and no placeholder, or see [`to_cve_cna`].
pub fn to_cve_record(a: &Advisory, opts: &ExportOptions) -> Result<Value, ExportError> {
    let cve_id = a
        .cve_id()
        .map(str::to_owned)
        .or_else(|| opts.cve_placeholder_id.clone())
        .ok_or(ExportError::NoCveId)?;
    let (org, short) = match &a.assigner {
        Some(asg) => (asg.org_id.clone(), asg.short_name.clone()),
        None => (opts.cve_org_id.clone(), opts.cve_short_name.clone()),
    };
    let mut meta = Map::new();
    meta.insert("cveId".into(), cve_id.into());
    meta.insert("assignerOrgId".into(), org.clone().into());
    if let Some(s) = &short {
        meta.insert("assignerShortName".into(), s.clone().into());
    }
    let cna = if a.status == Status::Withdrawn {
        meta.insert("state".into(), "REJECTED".into());
        if let Some(t) = a.withdrawn.and_then(cve_ts) {
            meta.insert("dateRejected".into(), t.into());
        }
        let reason = if a.summary.trim().is_empty() {
            a.details.as_str()
        } else {
            a.summary.as_str()
        };
        let reason = if reason.trim().is_empty() {
            "Withdrawn."
        } else {
            reason
        };
        let mut pm = Map::new();
        pm.insert("orgId".into(), org.into());
        if let Some(s) = short {
            pm.insert("shortName".into(), s.into());
        }
        json!({"providerMetadata": pm, "rejectedReasons": [{"lang": "en", "value": truncate(reason, MAX_DESCRIPTION)}]})
    } else {
        meta.insert("state".into(), "PUBLISHED".into());
        if let Some(t) = a.published.and_then(cve_ts) {
            meta.insert("datePublished".into(), t.into());
        }
        to_cve_cna(a, opts)?
    };
    if let Some(t) = cve_ts(a.modified) {
        meta.insert("dateUpdated".into(), t.into());
    }
    Ok(json!({
        "dataType": "CVE_RECORD",
        "dataVersion": "5.1",
        "cveMetadata": meta,
        "containers": {"cna": cna},
    }))
}

fn import_affected(
    v: &Value,
    path: &str,
    index: usize,
    extra: &Extra,
) -> Result<Affected, ImportError> {
    let o = obj(v, path)?;
    let mut af = Affected::default();
    let coll = opt_str(o, "collectionURL", path)?;
    let eco = coll.and_then(ecosystem_for);
    af.package.ecosystem = extra
        .ecosystems
        .get(&index)
        .cloned()
        .or_else(|| eco.map(str::to_owned));
    if eco.is_none() {
        af.package.collection_url = coll.map(str::to_owned);
    }
    let product = opt_str(o, "product", path)?;
    let package_name = opt_str(o, "packageName", path)?;
    af.package.name = package_name
        .or(product)
        .ok_or_else(|| err(&format!("{path}.product"), "missing product or packageName"))?
        .to_owned();
    if package_name.is_some() && product != package_name {
        af.package.product = product.map(str::to_owned);
    }
    af.package.vendor = opt_str(o, "vendor", path)?
        .filter(|v| *v != "n/a")
        .map(str::to_owned);
    af.package.purl = extra.purls.get(&index).cloned();
    af.package.cpes = str_list(o, "cpes", path)?;
    let repo = opt_str(o, "repo", path)?.map(str::to_owned);
    for (i, r) in arr(o, "programRoutines", path)?.iter().enumerate() {
        let p = format!("{path}.programRoutines[{i}]");
        af.functions
            .push(req_str(obj(r, &p)?, "name", &p)?.to_owned());
    }
    for (i, ver) in arr(o, "versions", path)?.iter().enumerate() {
        let p = format!("{path}.versions[{i}]");
        let vo = obj(ver, &p)?;
        let version = req_str(vo, "version", &p)?;
        let status = req_str(vo, "status", &p)?;
        let vt = opt_str(vo, "versionType", &p)?;
        let lt = opt_str(vo, "lessThan", &p)?;
        let lte = opt_str(vo, "lessThanOrEqual", &p)?;
        match status {
            "affected" => {
                let kind = match vt {
                    Some("semver") => RangeKind::Semver,
                    Some("git") => RangeKind::Git,
                    _ => RangeKind::Ecosystem,
                };
                let start = if version == "*" { "0" } else { version };
                let events = match (lt, lte) {
                    (Some(l), _) if l != "*" => {
                        vec![
                            Event::Introduced(start.to_owned()),
                            Event::Fixed(l.to_owned()),
                        ]
                    }
                    (_, Some(l)) if l != "*" => vec![
                        Event::Introduced(start.to_owned()),
                        Event::LastAffected(l.to_owned()),
                    ],
                    (Some(_), _) | (_, Some(_)) => vec![Event::Introduced(start.to_owned())],
                    (None, None) => {
                        if let Some(ev) = crate::lifecycle::parse_free_text(version) {
                            ev
                        } else {
                            af.versions.push(version.to_owned());
                            continue;
                        }
                    }
                };
                af.ranges.push(Range {
                    kind,
                    repo: (kind == RangeKind::Git).then(|| repo.clone()).flatten(),
                    events,
                    version_type: vt
                        .filter(|t| !matches!(*t, "semver" | "git" | "custom"))
                        .map(str::to_owned),
                });
            }
            "unaffected" => af.unaffected.push(VersionSpan {
                version: version.to_owned(),
                less_than: lt.map(str::to_owned),
                less_than_or_equal: lte.map(str::to_owned),
                version_type: vt
                    .filter(|t| *t != "custom" || (lt.is_none() && lte.is_none()))
                    .map(str::to_owned),
            }),
            _ => {}
        }
    }
    if !af.ranges.iter().any(|r| r.kind == RangeKind::Git) {
        af.package.repo = repo;
    }
    let has_affected = !af.ranges.is_empty() || !af.versions.is_empty();
    af.default_status = opt_str(o, "defaultStatus", path)?
        .filter(|d| !((*d == "unaffected" && has_affected) || (*d == "unknown" && !has_affected)))
        .map(str::to_owned);
    Ok(af)
}

fn cwe_in(text: &str) -> Option<String> {
    let start = text.find("CWE-")?;
    let digits: String = text[start + 4..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    (!digits.is_empty()).then(|| format!("CWE-{digits}"))
}

/// Imports a CVE JSON 5 record (published or rejected). Only the CNA container is read;
/// ADP containers are third-party additions and not part of the advisory.
///
/// # Errors
/// When a field the model needs is missing or has the wrong type.
pub fn from_cve(doc: &Value) -> Result<Advisory, ImportError> {
    let o = obj(doc, "$")?;
    let meta = obj(
        o.get("cveMetadata")
            .ok_or_else(|| err("$.cveMetadata", "missing"))?,
        "$.cveMetadata",
    )?;
    let cve_id = req_str(meta, "cveId", "$.cveMetadata")?.to_owned();
    let cna_v = o
        .get("containers")
        .and_then(|c| c.get("cna"))
        .ok_or_else(|| err("$.containers.cna", "missing"))?;
    let cna = obj(cna_v, "$.containers.cna")?;
    let cp = "$.containers.cna";
    let extra: Extra = cna
        .get("x_embargo")
        .map(|v| serde_json::from_value(v.clone()))
        .transpose()
        .map_err(|e| err("$.containers.cna.x_embargo", e.to_string()))?
        .unwrap_or_default();
    let pm = cna.get("providerMetadata").and_then(Value::as_object);
    let modified = extra
        .modified
        .or(opt_timestamp(meta, "dateUpdated", "$.cveMetadata")?)
        .or(pm
            .map(|p| opt_timestamp(p, "dateUpdated", "$.containers.cna.providerMetadata"))
            .transpose()?
            .flatten())
        .or(opt_timestamp(meta, "datePublished", "$.cveMetadata")?)
        .ok_or_else(|| err("$.cveMetadata.dateUpdated", "no modification date"))?;
    let id = extra.id.clone().unwrap_or_else(|| cve_id.clone());
    let mut a = Advisory::new(id, modified);
    a.assigner = Some(Assigner {
        org_id: req_str(meta, "assignerOrgId", "$.cveMetadata")?.to_owned(),
        short_name: opt_str(meta, "assignerShortName", "$.cveMetadata")?.map(str::to_owned),
    });
    let source_advisory = cna
        .get("source")
        .and_then(|s| s.get("advisory"))
        .and_then(Value::as_str)
        .map(str::to_owned);
    a.aliases = extra.aliases.clone().unwrap_or_else(|| {
        derived_aliases(Some(cve_id.as_str()), &a.id, source_advisory.as_deref())
    });
    a.related.clone_from(&extra.related);
    let state = req_str(meta, "state", "$.cveMetadata")?;
    if state == "REJECTED" {
        a.status = Status::Withdrawn;
        a.withdrawn = opt_timestamp(meta, "dateRejected", "$.cveMetadata")?.or(Some(modified));
        let reasons = arr(cna, "rejectedReasons", cp)?;
        a.summary = reasons
            .iter()
            .filter_map(|r| r.get("value").and_then(Value::as_str))
            .next()
            .unwrap_or_default()
            .to_owned();
        return Ok(a);
    }
    a.status = extra.status.unwrap_or(Status::Published);
    a.withdrawn = extra.withdrawn;
    a.published = extra
        .published
        .or(opt_timestamp(cna, "datePublic", cp)?)
        .or(opt_timestamp(meta, "datePublished", "$.cveMetadata")?);
    a.summary = extra
        .summary
        .clone()
        .or_else(|| opt_str(cna, "title", cp).ok().flatten().map(str::to_owned))
        .unwrap_or_default();
    let descs = arr(cna, "descriptions", cp)?;
    let english = descs
        .iter()
        .find(|d| {
            d.get("lang")
                .and_then(Value::as_str)
                .is_some_and(|l| l.starts_with("en"))
        })
        .or(descs.first());
    if let Some(d) = english {
        let md = d
            .get("supportingMedia")
            .and_then(Value::as_array)
            .and_then(|m| {
                m.iter().find(|s| {
                    s.get("type").and_then(Value::as_str) == Some("text/markdown")
                        && s.get("base64").and_then(Value::as_bool) != Some(true)
                })
            })
            .and_then(|s| s.get("value"))
            .and_then(Value::as_str);
        a.details = md
            .or_else(|| d.get("value").and_then(Value::as_str))
            .unwrap_or_default()
            .to_owned();
        if let Some(details) = &extra.details {
            a.details.clone_from(details);
        }
    }
    for (i, af) in arr(cna, "affected", cp)?.iter().enumerate() {
        a.affected.push(import_affected(
            af,
            &format!("{cp}.affected[{i}]"),
            i,
            &extra,
        )?);
    }
    // A placeholder product written for an advisory without affected packages.
    if a.affected.len() == 1
        && a.affected[0].package.vendor.is_none()
        && a.affected[0].package.ecosystem.is_none()
        && a.affected[0].ranges.is_empty()
        && a.affected[0].versions.is_empty()
        && (a.affected[0].package.name == a.summary || a.affected[0].package.name == a.id)
    {
        a.affected.clear();
    }
    for pt in arr(cna, "problemTypes", cp)? {
        for d in pt
            .get("descriptions")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let desc = d
                .get("description")
                .and_then(Value::as_str)
                .unwrap_or_default();
            let id = d
                .get("cweId")
                .and_then(Value::as_str)
                .map(str::to_owned)
                .or_else(|| cwe_in(desc));
            if let Some(id) = id
                && !a.cwes.iter().any(|c| c.id == id)
            {
                // The text the exporter writes for a CWE without a name of its own.
                let generated = match crate::cwe::name(&id) {
                    Some(n) => desc == format!("{id} {n}"),
                    None => desc == id,
                };
                a.cwes.push(Cwe {
                    name: Some(desc.to_owned()).filter(|s| !s.is_empty() && !generated),
                    id,
                });
            }
        }
    }
    for (i, m) in arr(cna, "metrics", cp)?.iter().enumerate() {
        let p = format!("{cp}.metrics[{i}]");
        let mo = obj(m, &p)?;
        for key in ["cvssV4_0", "cvssV3_1", "cvssV3_0", "cvssV2_0"] {
            if let Some(c) = mo.get(key).and_then(Value::as_object) {
                let vp = format!("{p}.{key}");
                let vector = req_str(c, "vectorString", &vp)?;
                let score = c.get("baseScore").and_then(Value::as_f64);
                a.severity.push(
                    CvssVector::with_stated_score(vector, score)
                        .map_err(|e| err(&format!("{vp}.vectorString"), e.to_string()))?,
                );
            }
        }
        if let Some(other) = mo.get("other").and_then(Value::as_object)
            && other.get("type").and_then(Value::as_str) == Some(UNSCORED_V4_TYPE)
            && let Some(v) = other
                .get("content")
                .and_then(|c| c.get("vectorString"))
                .and_then(Value::as_str)
        {
            a.severity.push(
                CvssVector::parse(v)
                    .map_err(|e| err(&format!("{p}.other.content.vectorString"), e.to_string()))?,
            );
        }
    }
    for (i, r) in arr(cna, "references", cp)?.iter().enumerate() {
        let p = format!("{cp}.references[{i}]");
        let ro = obj(r, &p)?;
        let mut tags = str_list(ro, "tags", &p)?;
        let kind = kind_from_tags(&tags);
        if default_tag(kind)
            .map(|t| vec![t.to_owned()])
            .unwrap_or_default()
            == tags
        {
            tags.clear();
        }
        a.references.push(Reference {
            kind,
            url: crate::osv::normalize_url(req_str(ro, "url", &p)?),
            name: opt_str(ro, "name", &p)?.map(str::to_owned),
            tags,
        });
    }
    for (i, c) in arr(cna, "credits", cp)?.iter().enumerate() {
        let p = format!("{cp}.credits[{i}]");
        let co = obj(c, &p)?;
        a.credits.push(Credit {
            name: req_str(co, "value", &p)?.to_owned(),
            contact: extra.credit_contacts.get(&i).cloned().unwrap_or_default(),
            kind: opt_str(co, "type", &p)?.and_then(CreditType::from_cve),
        });
    }
    Ok(a)
}

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
