//! Checks no schema can express: well-formed ids, ordered version ranges, valid CVSS vectors
//! whose stated scores match, and (for CSAF) a subset of the §6.1 mandatory tests
//! (6.1.1 product ids defined, 6.1.2 defined once, 6.1.6 no contradicting status, 6.1.9 scores
//! match the vector, 6.1.11 CWE name, 6.1.14 sorted revision history, 6.1.16 latest version,
//! 6.1.31 no range in `product_version`).
//!
//! Checks are tolerant of shapes the schema rejects: they skip what they cannot read, since
//! the schema check reports those.

use std::cmp::Ordering;
use std::collections::{HashMap, HashSet};

use serde_json::Value;

use crate::cvss::{CvssVector, CvssVersion, severity_of};
use crate::{Format, Problem, ids};

/// Semantic problems of a document in `format`.
#[must_use]
pub fn check(format: Format, doc: &Value) -> Vec<Problem> {
    let mut out = Vec::new();
    match format {
        Format::Osv => osv(doc, &mut out),
        Format::Cve5 => {
            cve_meta(doc, &mut out);
            if let Some(cna) = doc.pointer("/containers/cna") {
                cve_cna(cna, "$.containers.cna", &mut out);
            }
        }
        Format::Csaf => csaf(doc, &mut out),
    }
    out
}

/// Semantic problems of a CVE CNA container on its own (what a CNA submits).
#[must_use]
pub fn check_cve_cna(cna: &Value) -> Vec<Problem> {
    let mut out = Vec::new();
    cve_cna(cna, "$", &mut out);
    out
}

fn push(out: &mut Vec<Problem>, path: impl Into<String>, message: impl Into<String>) {
    out.push(Problem {
        path: path.into(),
        message: message.into(),
    });
}

fn items<'a>(v: &'a Value, key: &str) -> impl Iterator<Item = (usize, &'a Value)> {
    v.get(key)
        .and_then(Value::as_array)
        .map(|a| a.as_slice())
        .unwrap_or_default()
        .iter()
        .enumerate()
}

// ---------------------------------------------------------------------------------------
// Version ordering

/// A parsed SemVer 2.0 version (a leading `v` is tolerated).
#[derive(Debug, PartialEq, Eq)]
struct SemVer<'a> {
    core: [u64; 3],
    pre: Vec<&'a str>,
}

fn parse_semver(s: &str) -> Option<SemVer<'_>> {
    let s = s.strip_prefix('v').unwrap_or(s);
    let s = s.split_once('+').map_or(s, |(a, _)| a);
    let (core, pre) = match s.split_once('-') {
        Some((c, p)) => (c, Some(p)),
        None => (s, None),
    };
    let mut nums = [0u64; 3];
    let mut n = 0;
    for part in core.split('.') {
        if n == 3
            || part.is_empty()
            || !part.bytes().all(|b| b.is_ascii_digit())
            || (part.len() > 1 && part.starts_with('0'))
        {
            return None;
        }
        nums[n] = part.parse().ok()?;
        n += 1;
    }
    if n != 3 {
        return None;
    }
    let pre: Vec<&str> = match pre {
        Some(p) => {
            let ids: Vec<&str> = p.split('.').collect();
            if ids
                .iter()
                .any(|i| i.is_empty() || !i.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'))
            {
                return None;
            }
            ids
        }
        None => Vec::new(),
    };
    Some(SemVer { core: nums, pre })
}

fn cmp_semver(a: &SemVer<'_>, b: &SemVer<'_>) -> Ordering {
    a.core
        .cmp(&b.core)
        .then_with(|| match (a.pre.is_empty(), b.pre.is_empty()) {
            (true, true) => Ordering::Equal,
            (true, false) => Ordering::Greater,
            (false, true) => Ordering::Less,
            (false, false) => {
                for (x, y) in a.pre.iter().zip(&b.pre) {
                    let o = match (x.parse::<u64>(), y.parse::<u64>()) {
                        (Ok(m), Ok(n)) => m.cmp(&n),
                        (Ok(_), Err(_)) => Ordering::Less,
                        (Err(_), Ok(_)) => Ordering::Greater,
                        (Err(_), Err(_)) => x.cmp(y),
                    };
                    if o != Ordering::Equal {
                        return o;
                    }
                }
                a.pre.len().cmp(&b.pre.len())
            }
        })
}

/// `1.2.10` style versions: only digits and dots.
fn parse_dotted(s: &str) -> Option<Vec<u64>> {
    if s.is_empty() {
        return None;
    }
    s.split('.').map(|p| p.parse::<u64>().ok()).collect()
}

fn cmp_dotted(a: &[u64], b: &[u64]) -> Ordering {
    let n = a.len().max(b.len());
    (0..n)
        .map(|i| a.get(i).unwrap_or(&0).cmp(b.get(i).unwrap_or(&0)))
        .find(|o| *o != Ordering::Equal)
        .unwrap_or(Ordering::Equal)
}

/// Compares two versions when their scheme allows it: `Some` only when both parse.
/// `"0"` is the lowest version in every scheme.
pub(crate) fn compare(a: &str, b: &str, semver: bool) -> Option<Ordering> {
    match (a == "0", b == "0") {
        (true, true) => return Some(Ordering::Equal),
        (true, false) => return Some(Ordering::Less),
        (false, true) => return Some(Ordering::Greater),
        (false, false) => {}
    }
    if semver {
        return Some(cmp_semver(&parse_semver(a)?, &parse_semver(b)?));
    }
    Some(cmp_dotted(&parse_dotted(a)?, &parse_dotted(b)?))
}

// ---------------------------------------------------------------------------------------
// CVSS

fn check_vector(vector: &str, path: &str, out: &mut Vec<Problem>) -> Option<CvssVector> {
    match CvssVector::parse(vector) {
        Ok(v) => Some(v),
        Err(e) => {
            push(out, path, format!("invalid CVSS vector: {e}"));
            None
        }
    }
}

/// Checks `version`, `baseScore` and `baseSeverity` of a CVE/CSAF CVSS object against its vector.
fn check_cvss_object(o: &Value, path: &str, expected: &[CvssVersion], out: &mut Vec<Problem>) {
    let Some(vs) = o.get("vectorString").and_then(Value::as_str) else {
        return;
    };
    let Some(v) = check_vector(vs, &format!("{path}.vectorString"), out) else {
        return;
    };
    if !expected.contains(&v.version()) {
        push(
            out,
            format!("{path}.vectorString"),
            format!(
                "a CVSS v{} vector in a field for another version",
                v.version().as_str()
            ),
        );
        return;
    }
    if let Some(ver) = o.get("version").and_then(Value::as_str)
        && ver != v.version().as_str()
    {
        push(
            out,
            format!("{path}.version"),
            format!(
                "version {ver:?} does not match the vector (v{})",
                v.version().as_str()
            ),
        );
    }
    if v.version() == CvssVersion::V4_0 {
        return; // Scoring v4.0 is left to the cvss crate.
    }
    let Some(computed) = v.base_score() else {
        return;
    };
    if let Some(stated) = o.get("baseScore").and_then(Value::as_f64)
        && (stated - computed).abs() > 1e-9
    {
        push(
            out,
            format!("{path}.baseScore"),
            format!("base score {stated} does not match the vector (computed {computed})"),
        );
    }
    if v.version() != CvssVersion::V2
        && let Some(sev) = o.get("baseSeverity").and_then(Value::as_str)
    {
        let want = severity_of(computed);
        if sev != want {
            push(
                out,
                format!("{path}.baseSeverity"),
                format!("base severity {sev} does not match the vector ({want})"),
            );
        }
    }
}

fn check_id_syntax(id: &str, path: &str, out: &mut Vec<Problem>) {
    if id.starts_with("CVE-") && !ids::is_cve_id(id) {
        push(out, path, format!("malformed CVE id {id:?}"));
    } else if id.starts_with("GHSA-") && !ids::is_ghsa_id(id) {
        push(out, path, format!("malformed GHSA id {id:?}"));
    } else if id.trim() != id || id.is_empty() {
        push(out, path, "id with surrounding white space");
    }
}

// ---------------------------------------------------------------------------------------
// OSV

fn osv(doc: &Value, out: &mut Vec<Problem>) {
    if let Some(id) = doc.get("id").and_then(Value::as_str) {
        if !ids::is_osv_id(id) {
            push(
                out,
                "$.id",
                format!("{id:?} has no registered OSV prefix and no x_ prefix"),
            );
        } else {
            check_id_syntax(id, "$.id", out);
        }
    }
    for key in ["aliases", "related", "upstream"] {
        for (i, v) in items(doc, key) {
            if let Some(s) = v.as_str() {
                check_id_syntax(s, &format!("$.{key}[{i}]"), out);
            }
        }
    }
    for (i, s) in items(doc, "severity") {
        let p = format!("$.severity[{i}]");
        let (Some(kind), Some(score)) = (
            s.get("type").and_then(Value::as_str),
            s.get("score").and_then(Value::as_str),
        ) else {
            continue;
        };
        let want: &[CvssVersion] = match kind {
            "CVSS_V2" => &[CvssVersion::V2],
            "CVSS_V3" => &[CvssVersion::V3_0, CvssVersion::V3_1],
            "CVSS_V4" => &[CvssVersion::V4_0],
            _ => continue,
        };
        if let Some(v) = check_vector(score, &format!("{p}.score"), out)
            && !want.contains(&v.version())
        {
            push(
                out,
                format!("{p}.score"),
                format!("a CVSS v{} vector under type {kind}", v.version().as_str()),
            );
        }
    }
    for (i, a) in items(doc, "affected") {
        for (j, r) in items(a, "ranges") {
            osv_range(r, &format!("$.affected[{i}].ranges[{j}]"), out);
        }
    }
    if let Some(cwes) = doc
        .pointer("/database_specific/cwe_ids")
        .and_then(Value::as_array)
    {
        for (i, c) in cwes.iter().enumerate() {
            if let Some(s) = c.as_str()
                && !ids::is_cwe_id(s)
            {
                push(
                    out,
                    format!("$.database_specific.cwe_ids[{i}]"),
                    format!("malformed CWE id {s:?}"),
                );
            }
        }
    }
}

fn osv_range(r: &Value, path: &str, out: &mut Vec<Problem>) {
    let kind = r.get("type").and_then(Value::as_str).unwrap_or("");
    let events: Vec<(usize, &str, &str)> = items(r, "events")
        .filter_map(|(i, e)| {
            let o = e.as_object()?;
            if o.len() != 1 {
                return None; // the schema reports it
            }
            let (k, v) = o.iter().next()?;
            Some((i, k.as_str(), v.as_str()?))
        })
        .collect();
    if events.is_empty() {
        return;
    }
    if !events.iter().any(|(_, k, _)| *k == "introduced") {
        push(
            out,
            format!("{path}.events"),
            "a range needs an introduced event",
        );
    }
    if events.iter().any(|(_, k, _)| *k == "fixed")
        && events.iter().any(|(_, k, _)| *k == "last_affected")
    {
        push(
            out,
            format!("{path}.events"),
            "a range may use fixed or last_affected, not both",
        );
    }
    if kind == "GIT" {
        return; // commits have no order without the repository
    }
    let semver = kind == "SEMVER";
    if semver {
        for (i, k, v) in &events {
            if !(*k == "introduced" && *v == "0") && parse_semver(v).is_none() {
                push(
                    out,
                    format!("{path}.events[{i}].{k}"),
                    format!("{v:?} is not a SemVer 2.0 version"),
                );
            }
        }
    }
    // Events must describe increasing, non-overlapping spans.
    let mut prev: Option<(usize, &str, &str)> = None;
    for ev in &events {
        if let Some((_, pk, pv)) = prev {
            let (i, k, v) = *ev;
            let opens = k == "introduced";
            let prev_opens = pk == "introduced";
            if let Some(o) = compare(pv, v, semver) {
                let bad = match (prev_opens, opens) {
                    (true, false) => {
                        o != Ordering::Less && !(k == "last_affected" && o == Ordering::Equal)
                    }
                    (false, true) => o == Ordering::Greater,
                    _ => false,
                };
                if bad {
                    push(
                        out,
                        format!("{path}.events[{i}].{k}"),
                        format!("{k} {v:?} is out of order after {pk} {pv:?}"),
                    );
                }
            }
        }
        prev = Some(*ev);
    }
}

// ---------------------------------------------------------------------------------------
// CVE

fn cve_meta(doc: &Value, out: &mut Vec<Problem>) {
    if let Some(id) = doc.pointer("/cveMetadata/cveId").and_then(Value::as_str)
        && !ids::is_cve_id(id)
    {
        push(
            out,
            "$.cveMetadata.cveId",
            format!("malformed CVE id {id:?}"),
        );
    }
}

fn cve_cna(cna: &Value, base: &str, out: &mut Vec<Problem>) {
    for (i, a) in items(cna, "affected") {
        for (j, v) in items(a, "versions") {
            let p = format!("{base}.affected[{i}].versions[{j}]");
            let (Some(start), vt) = (
                v.get("version").and_then(Value::as_str),
                v.get("versionType").and_then(Value::as_str),
            ) else {
                continue;
            };
            let semver = vt == Some("semver");
            for (key, allow_equal) in [("lessThan", false), ("lessThanOrEqual", true)] {
                let Some(end) = v.get(key).and_then(Value::as_str) else {
                    continue;
                };
                if end == "*" || start == "*" {
                    continue;
                }
                if semver {
                    for (k, s) in [("version", start), (key, end)] {
                        if s != "0" && parse_semver(s).is_none() {
                            push(
                                out,
                                format!("{p}.{k}"),
                                format!("{s:?} is not a SemVer 2.0 version"),
                            );
                        }
                    }
                }
                if let Some(o) = compare(start, end, semver)
                    && (o == Ordering::Greater || (o == Ordering::Equal && !allow_equal))
                {
                    push(
                        out,
                        format!("{p}.{key}"),
                        format!("empty range: version {start:?} is not below {key} {end:?}"),
                    );
                }
            }
        }
    }
    for (i, pt) in items(cna, "problemTypes") {
        for (j, d) in items(pt, "descriptions") {
            if let Some(id) = d.get("cweId").and_then(Value::as_str)
                && !ids::is_cwe_id(id)
            {
                push(
                    out,
                    format!("{base}.problemTypes[{i}].descriptions[{j}].cweId"),
                    format!("malformed CWE id {id:?}"),
                );
            }
        }
    }
    for (i, m) in items(cna, "metrics") {
        for (key, versions) in [
            ("cvssV2_0", &[CvssVersion::V2][..]),
            ("cvssV3_0", &[CvssVersion::V3_0][..]),
            ("cvssV3_1", &[CvssVersion::V3_1][..]),
            ("cvssV4_0", &[CvssVersion::V4_0][..]),
        ] {
            if let Some(o) = m.get(key) {
                check_cvss_object(o, &format!("{base}.metrics[{i}].{key}"), versions, out);
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// CSAF

fn csaf_defined(branches: &Value, path: &str, defs: &mut Vec<(String, String)>) {
    for (i, b) in branches
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .enumerate()
    {
        let p = format!("{path}[{i}]");
        if let Some(id) = b.pointer("/product/product_id").and_then(Value::as_str) {
            defs.push((id.to_owned(), format!("{p}.product.product_id")));
        }
        if let Some(sub) = b.get("branches") {
            csaf_defined(sub, &format!("{p}.branches"), defs);
        }
    }
}

fn csaf_version_ranges(branches: &Value, path: &str, out: &mut Vec<Problem>) {
    for (i, b) in branches
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .enumerate()
    {
        let p = format!("{path}[{i}]");
        if b.get("category").and_then(Value::as_str) == Some("product_version")
            && let Some(name) = b.get("name").and_then(Value::as_str)
        {
            let lower = name.to_lowercase();
            let ranged = lower.contains('<')
                || lower.contains('>')
                || lower.split(|c: char| !c.is_ascii_alphanumeric()).any(|w| {
                    matches!(
                        w,
                        "after" | "all" | "before" | "earlier" | "later" | "prior" | "versions"
                    )
                });
            if ranged {
                push(
                    out,
                    format!("{p}.name"),
                    format!("version range {name:?} in a product_version (6.1.31)"),
                );
            }
        }
        if let Some(sub) = b.get("branches") {
            csaf_version_ranges(sub, &format!("{p}.branches"), out);
        }
    }
}

fn csaf(doc: &Value, out: &mut Vec<Problem>) {
    // 6.1.2: product ids defined once.
    let mut defs: Vec<(String, String)> = Vec::new();
    if let Some(tree) = doc.get("product_tree") {
        if let Some(b) = tree.get("branches") {
            csaf_defined(b, "$.product_tree.branches", &mut defs);
            csaf_version_ranges(b, "$.product_tree.branches", out);
        }
        for (i, f) in items(tree, "full_product_names") {
            if let Some(id) = f.get("product_id").and_then(Value::as_str) {
                defs.push((
                    id.to_owned(),
                    format!("$.product_tree.full_product_names[{i}].product_id"),
                ));
            }
        }
        for (i, r) in items(tree, "relationships") {
            if let Some(id) = r
                .pointer("/full_product_name/product_id")
                .and_then(Value::as_str)
            {
                defs.push((
                    id.to_owned(),
                    format!("$.product_tree.relationships[{i}].full_product_name.product_id"),
                ));
            }
        }
    }
    let mut defined = HashSet::new();
    for (id, path) in &defs {
        if !defined.insert(id.as_str()) {
            push(
                out,
                path.clone(),
                format!("product id {id:?} is defined more than once (6.1.2)"),
            );
        }
    }
    // 6.1.1: every referenced product id is defined.
    let mut refs: Vec<(String, String)> = Vec::new();
    fn collect(refs: &mut Vec<(String, String)>, list: Option<&Value>, path: String) {
        for (i, id) in list
            .and_then(Value::as_array)
            .map(Vec::as_slice)
            .unwrap_or_default()
            .iter()
            .enumerate()
        {
            if let Some(s) = id.as_str() {
                refs.push((s.to_owned(), format!("{path}[{i}]")));
            }
        }
    }
    if let Some(tree) = doc.get("product_tree") {
        for (i, g) in items(tree, "product_groups") {
            collect(
                &mut refs,
                g.get("product_ids"),
                format!("$.product_tree.product_groups[{i}].product_ids"),
            );
        }
        for (i, r) in items(tree, "relationships") {
            for key in ["product_reference", "relates_to_product_reference"] {
                if let Some(s) = r.get(key).and_then(Value::as_str) {
                    refs.push((
                        s.to_owned(),
                        format!("$.product_tree.relationships[{i}].{key}"),
                    ));
                }
            }
        }
    }
    for (vi, v) in items(doc, "vulnerabilities") {
        let vp = format!("$.vulnerabilities[{vi}]");
        let mut group_of: HashMap<String, (&str, String)> = HashMap::new();
        if let Some(ps) = v.get("product_status").and_then(Value::as_object) {
            for (key, list) in ps {
                collect(&mut refs, Some(list), format!("{vp}.product_status.{key}"));
                let group = match key.as_str() {
                    "first_affected" | "known_affected" | "last_affected" => "affected",
                    "known_not_affected" => "not affected",
                    "first_fixed" | "fixed" => "fixed",
                    "under_investigation" => "under investigation",
                    _ => continue,
                };
                for (i, id) in list
                    .as_array()
                    .map(Vec::as_slice)
                    .unwrap_or_default()
                    .iter()
                    .enumerate()
                {
                    let Some(id) = id.as_str() else { continue };
                    let here = format!("{vp}.product_status.{key}[{i}]");
                    match group_of.get(id) {
                        Some((g, _)) if *g != group => push(
                            out,
                            here,
                            format!("product {id:?} is both {g} and {group} (6.1.6)"),
                        ),
                        Some(_) => {}
                        None => {
                            group_of.insert(id.to_owned(), (group, here));
                        }
                    }
                }
            }
        }
        for (key, field) in [
            ("remediations", "product_ids"),
            ("threats", "product_ids"),
            ("flags", "product_ids"),
            ("scores", "products"),
        ] {
            for (i, item) in items(v, key) {
                collect(
                    &mut refs,
                    item.get(field),
                    format!("{vp}.{key}[{i}].{field}"),
                );
            }
        }
        for (i, s) in items(v, "scores") {
            if let Some(o) = s.get("cvss_v3") {
                check_cvss_object(
                    o,
                    &format!("{vp}.scores[{i}].cvss_v3"),
                    &[CvssVersion::V3_0, CvssVersion::V3_1],
                    out,
                );
            }
            if let Some(o) = s.get("cvss_v2") {
                check_cvss_object(
                    o,
                    &format!("{vp}.scores[{i}].cvss_v2"),
                    &[CvssVersion::V2],
                    out,
                );
            }
        }
        if let (Some(id), Some(name)) = (
            v.pointer("/cwe/id").and_then(Value::as_str),
            v.pointer("/cwe/name").and_then(Value::as_str),
        ) {
            match crate::cwe::name(id) {
                Some(n) if n == name => {}
                Some(n) => push(
                    out,
                    format!("{vp}.cwe.name"),
                    format!("{id} is named {n:?} in the CWE catalogue (6.1.11)"),
                ),
                None => push(
                    out,
                    format!("{vp}.cwe.id"),
                    format!("{id} is not in the CWE catalogue (6.1.11)"),
                ),
            }
        }
        if let Some(c) = v.get("cve").and_then(Value::as_str)
            && !ids::is_cve_id(c)
        {
            push(out, format!("{vp}.cve"), format!("malformed CVE id {c:?}"));
        }
    }
    for (id, path) in refs {
        if !defined.contains(id.as_str()) {
            push(
                out,
                path,
                format!("product id {id:?} is not defined in the product tree (6.1.1)"),
            );
        }
    }
    csaf_tracking(doc, out);
}

fn csaf_tracking(doc: &Value, out: &mut Vec<Problem>) {
    let Some(tracking) = doc.pointer("/document/tracking") else {
        return;
    };
    let revs: Vec<(usize, jiff::Timestamp, &str)> = items(tracking, "revision_history")
        .filter_map(|(i, r)| {
            let date = r.get("date")?.as_str()?.parse::<jiff::Timestamp>().ok()?;
            Some((i, date, r.get("number")?.as_str()?))
        })
        .collect();
    for w in revs.windows(2) {
        if w[1].1 < w[0].1 {
            push(
                out,
                format!("$.document.tracking.revision_history[{}].date", w[1].0),
                "revision history is not sorted by date (6.1.14)",
            );
        }
    }
    let latest = revs
        .iter()
        .max_by(|a, b| {
            compare(a.2, b.2, false)
                .or_else(|| compare(a.2, b.2, true))
                .unwrap_or(Ordering::Equal)
        })
        .map(|r| r.2);
    if let (Some(latest), Some(version)) = (latest, tracking.get("version").and_then(Value::as_str))
        && latest != version
    {
        push(
            out,
            "$.document.tracking.version",
            format!("version {version:?} is not the latest revision number {latest:?} (6.1.16)"),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn semver_order_follows_the_specification() {
        // The precedence example of SemVer 2.0 §11.
        let chain = [
            "1.0.0-alpha",
            "1.0.0-alpha.1",
            "1.0.0-alpha.beta",
            "1.0.0-beta",
            "1.0.0-beta.2",
            "1.0.0-beta.11",
            "1.0.0-rc.1",
            "1.0.0",
        ];
        for w in chain.windows(2) {
            assert_eq!(
                compare(w[0], w[1], true),
                Some(Ordering::Less),
                "{} < {}",
                w[0],
                w[1]
            );
        }
        assert_eq!(compare("1.2", "1.2.0", true), None);
        assert_eq!(compare("1.10", "1.9.3", false), Some(Ordering::Greater));
    }
}
