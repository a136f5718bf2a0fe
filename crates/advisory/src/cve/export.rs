//! Model → CVE: the CNA container and the full record.

use serde_json::{Map, Value, json};

use super::{Extra, UNSCORED_V4_TYPE, collection_for, default_tag, derived_aliases, ecosystem_for};
use crate::cvss::{CvssVector, CvssVersion};
use crate::json::ts;
use crate::model::{Advisory, Affected, Event, Range, RangeKind, Status};
use crate::{ExportError, ExportOptions};

const MAX_DESCRIPTION: usize = 4096;
const MAX_TITLE: usize = 256;
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
