//! CVE → model.

use serde_json::Value;

use super::{Extra, UNSCORED_V4_TYPE, default_tag, derived_aliases, ecosystem_for, kind_from_tags};
use crate::ImportError;
use crate::cvss::CvssVector;
use crate::json::{arr, err, obj, opt_str, opt_timestamp, req_str, str_list};
use crate::model::{
    Advisory, Affected, Assigner, Credit, CreditType, Cwe, Event, Range, RangeKind, Reference,
    Status, VersionSpan,
};

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
