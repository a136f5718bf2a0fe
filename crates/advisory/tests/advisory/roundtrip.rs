//! Import of the real records, and model → format → model round trips through every format.
//! Expected values are read from the source records themselves.

use advisory::{
    Advisory, CreditType, Event, ExportOptions, Format, RangeKind, ReferenceType, Status, cve, osv,
};
use serde_json::Value;

use crate::common::{record, records, strs, ts};

fn event_pairs(events: &[Event]) -> Vec<(String, String)> {
    events
        .iter()
        .map(|e| (e.key().to_owned(), e.version().to_owned()))
        .collect()
}

fn source_events(range: &Value) -> Vec<(String, String)> {
    range["events"]
        .as_array()
        .expect("events")
        .iter()
        .map(|e| {
            let (k, v) = e
                .as_object()
                .expect("event")
                .iter()
                .next()
                .expect("one key");
            (k.clone(), v.as_str().expect("string").to_owned())
        })
        .collect()
}

/// Every field of the OSV source that the model has, compared with the import.
fn assert_matches_osv_source(a: &Advisory, src: &Value, name: &str) {
    assert_eq!(a.id, src["id"].as_str().expect("id"), "{name}");
    assert_eq!(a.aliases, strs(src.get("aliases")), "{name}");
    assert_eq!(a.summary, src["summary"].as_str().unwrap_or(""), "{name}");
    assert_eq!(a.details, src["details"].as_str().unwrap_or(""), "{name}");
    assert_eq!(
        a.modified,
        ts(src["modified"].as_str().expect("modified")),
        "{name}"
    );
    assert_eq!(a.published, src["published"].as_str().map(ts), "{name}");
    assert_eq!(a.status, Status::Published, "{name}");
    let vectors: Vec<&str> = a.severity.iter().map(|v| v.as_str()).collect();
    let src_vectors: Vec<&str> = src["severity"]
        .as_array()
        .expect("severity")
        .iter()
        .map(|s| s["score"].as_str().expect("score"))
        .collect();
    assert_eq!(vectors, src_vectors, "{name}");
    let src_aff = src["affected"].as_array().expect("affected");
    assert_eq!(a.affected.len(), src_aff.len(), "{name}");
    for (af, s) in a.affected.iter().zip(src_aff) {
        assert_eq!(
            af.package.ecosystem.as_deref(),
            s["package"]["ecosystem"].as_str(),
            "{name}"
        );
        assert_eq!(
            af.package.name,
            s["package"]["name"].as_str().expect("name"),
            "{name}"
        );
        let src_ranges = s["ranges"].as_array().expect("ranges");
        assert_eq!(af.ranges.len(), src_ranges.len(), "{name}");
        for (r, sr) in af.ranges.iter().zip(src_ranges) {
            assert_eq!(r.kind, RangeKind::Ecosystem, "{name}");
            assert_eq!(sr["type"], "ECOSYSTEM", "{name}");
            assert_eq!(event_pairs(&r.events), source_events(sr), "{name}");
        }
        assert_eq!(
            af.functions,
            strs(s.pointer("/ecosystem_specific/affected_functions")),
            "{name}"
        );
    }
    let src_refs = src["references"].as_array().expect("references");
    assert_eq!(a.references.len(), src_refs.len(), "{name}");
    for (r, s) in a.references.iter().zip(src_refs) {
        assert_eq!(r.kind.as_osv(), s["type"].as_str().expect("type"), "{name}");
        let url = s["url"].as_str().expect("url");
        if url.contains("://") {
            assert_eq!(r.url, url, "{name}");
        } else {
            // A scheme-less reference (GitHub's Go module paths) gains https://.
            assert_eq!(r.url, format!("https://{url}"), "{name}");
        }
    }
    let cwes: Vec<&str> = a.cwes.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(
        cwes,
        strs(src.pointer("/database_specific/cwe_ids")),
        "{name}"
    );
}

fn osv_imports() -> Vec<(String, Advisory)> {
    records("osv")
        .into_iter()
        .map(|(name, doc)| {
            let a = osv::from_osv(&doc).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_matches_osv_source(&a, &doc, &name);
            (name, a)
        })
        .collect()
}

fn cve_imports() -> Vec<(String, Advisory)> {
    records("cve")
        .into_iter()
        .map(|(name, doc)| {
            let a = cve::from_cve(&doc).unwrap_or_else(|e| panic!("{name}: {e}"));
            (name, a)
        })
        .collect()
}

/// Exports to every format, checks each against its schema and the semantic rules, and
/// imports the OSV and CVE exports back: they must give the same advisory.
fn assert_round_trips(name: &str, a: &Advisory) {
    let opts = ExportOptions::default();
    let o = osv::to_osv(a).unwrap_or_else(|e| panic!("{name} → OSV: {e}"));
    let problems = advisory::validate(Format::Osv, &o);
    assert!(problems.is_empty(), "{name} → OSV: {problems:?}");
    let back = osv::from_osv(&o).unwrap_or_else(|e| panic!("{name} → OSV → model: {e}"));
    assert_eq!(&back, a, "{name}: OSV round trip");

    let c = cve::to_cve_record(a, &opts).unwrap_or_else(|e| panic!("{name} → CVE: {e}"));
    let problems = advisory::validate(Format::Cve5, &c);
    assert!(problems.is_empty(), "{name} → CVE: {problems:?}");
    if c["cveMetadata"]["state"] == "PUBLISHED" {
        let problems = advisory::validate_cve_cna(&c["containers"]["cna"]);
        assert!(
            problems.is_empty(),
            "{name} → CVE CNA container: {problems:?}"
        );
    }
    let mut back = cve::from_cve(&c).unwrap_or_else(|e| panic!("{name} → CVE → model: {e}"));
    if a.assigner.is_none() {
        // The exporter writes the configured CNA; the source had none.
        back.assigner = None;
    }
    assert_eq!(&back, a, "{name}: CVE round trip");

    let s = advisory::csaf::to_csaf(a, &opts).unwrap_or_else(|e| panic!("{name} → CSAF: {e}"));
    let problems = advisory::validate(Format::Csaf, &s);
    assert!(problems.is_empty(), "{name} → CSAF: {problems:?}");
}

#[test]
fn osv_records_import_with_every_model_field() {
    assert_eq!(osv_imports().len(), 5);
}

#[test]
fn osv_records_round_trip_through_osv_cve_and_csaf() {
    for (name, a) in osv_imports() {
        assert_round_trips(&name, &a);
    }
}

#[test]
fn cve_records_round_trip_through_osv_cve_and_csaf() {
    for (name, a) in cve_imports() {
        assert_round_trips(&name, &a);
    }
}

#[test]
fn cve_import_keeps_the_cna_fields() {
    for (name, doc) in records("cve") {
        let a = cve::from_cve(&doc).unwrap_or_else(|e| panic!("{name}: {e}"));
        let cna = &doc["containers"]["cna"];
        assert_eq!(a.cve_id(), doc["cveMetadata"]["cveId"].as_str(), "{name}");
        assert_eq!(
            a.assigner.as_ref().map(|x| x.org_id.as_str()),
            doc["cveMetadata"]["assignerOrgId"].as_str(),
            "{name}"
        );
        assert_eq!(a.summary, cna["title"].as_str().unwrap_or(""), "{name}");
        let english = cna["descriptions"]
            .as_array()
            .expect("descriptions")
            .iter()
            .find(|d| d["lang"].as_str().is_some_and(|l| l.starts_with("en")))
            .expect("an English description");
        assert_eq!(
            a.details,
            english["value"].as_str().expect("value"),
            "{name}"
        );
        let urls: Vec<&str> = a.references.iter().map(|r| r.url.as_str()).collect();
        let src_urls: Vec<&str> = cna["references"]
            .as_array()
            .expect("references")
            .iter()
            .map(|r| r["url"].as_str().expect("url"))
            .collect();
        assert_eq!(urls, src_urls, "{name}");
        let credits: Vec<(&str, &str)> = a
            .credits
            .iter()
            .map(|c| (c.name.as_str(), c.kind.map_or("", CreditType::as_cve)))
            .collect();
        let src_credits: Vec<(&str, &str)> = cna["credits"]
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or_default()
            .iter()
            .map(|c| {
                (
                    c["value"].as_str().expect("value"),
                    c["type"].as_str().unwrap_or(""),
                )
            })
            .collect();
        assert_eq!(credits, src_credits, "{name}");
        let mut src_vectors = Vec::new();
        for m in cna["metrics"]
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or_default()
        {
            for key in ["cvssV4_0", "cvssV3_1", "cvssV3_0", "cvssV2_0"] {
                if let Some(v) = m[key]["vectorString"].as_str() {
                    src_vectors.push(v);
                }
            }
        }
        let vectors: Vec<&str> = a.severity.iter().map(|v| v.as_str()).collect();
        assert_eq!(vectors, src_vectors, "{name}");
        let products: usize = cna["affected"].as_array().expect("affected").len();
        assert_eq!(a.affected.len(), products, "{name}");
    }
}

#[test]
fn cve_free_text_range_of_the_github_cna_becomes_events() {
    // CVE-2023-32681 writes its range as ">= 2.3.0, < 2.31.0".
    let a = cve::from_cve(&record("cve", "CVE-2023-32681.json")).expect("import");
    assert_eq!(
        event_pairs(&a.affected[0].ranges[0].events),
        vec![
            ("introduced".to_owned(), "2.3.0".to_owned()),
            ("fixed".to_owned(), "2.31.0".to_owned())
        ]
    );
}

#[test]
fn the_same_vulnerability_from_ghsa_and_from_the_cve_record_agree() {
    let ghsa = osv::from_osv(&record("osv", "GHSA-j8r2-6x86-q33q.json")).expect("GHSA");
    let cve = cve::from_cve(&record("cve", "CVE-2023-32681.json")).expect("CVE");
    assert!(ghsa.aliases.contains(&cve.id), "GHSA aliases the CVE");
    assert!(
        cve.aliases.contains(&ghsa.id),
        "the CVE's source advisory becomes an alias"
    );
    assert_eq!(ghsa.cve_id(), cve.cve_id());
    assert_eq!(ghsa.summary, cve.summary);
    assert_eq!(
        ghsa.affected[0].ranges[0].events,
        cve.affected[0].ranges[0].events
    );
    assert_eq!(ghsa.severity, cve.severity);
    assert_eq!(ghsa.cwes[0].id, cve.cwes[0].id);

    let ghsa = osv::from_osv(&record("osv", "GHSA-4374-p667-p6c8.json")).expect("GHSA");
    let cve = cve::from_cve(&record("cve", "CVE-2023-39325.json")).expect("CVE");
    let x_net = cve
        .affected
        .iter()
        .find(|a| a.package.name.starts_with("golang.org/x/net"))
        .expect("x/net in the CVE record");
    assert_eq!(x_net.package.ecosystem.as_deref(), Some("Go"));
    let fixed = |a: &advisory::Affected| -> Vec<String> {
        a.ranges
            .iter()
            .flat_map(|r| &r.events)
            .filter(|e| matches!(e, Event::Fixed(_)))
            .map(|e| e.version().to_owned())
            .collect()
    };
    assert_eq!(fixed(x_net), fixed(&ghsa.affected[0]));
}

#[test]
fn git_ranges_of_the_linux_record_keep_commits_and_repository() {
    let doc = record("cve", "CVE-2024-26581.json");
    let a = cve::from_cve(&doc).expect("import");
    let src = &doc["containers"]["cna"]["affected"][0];
    let git: Vec<&advisory::Range> = a.affected[0]
        .ranges
        .iter()
        .filter(|r| r.kind == RangeKind::Git)
        .collect();
    let src_git: Vec<&Value> = src["versions"]
        .as_array()
        .expect("versions")
        .iter()
        .filter(|v| v["versionType"] == "git")
        .collect();
    assert_eq!(git.len(), src_git.len());
    for (r, s) in git.iter().zip(&src_git) {
        assert_eq!(
            r.events[0].version(),
            s["version"].as_str().expect("version")
        );
        assert_eq!(
            r.events[1].version(),
            s["lessThan"].as_str().expect("lessThan")
        );
        assert_eq!(r.repo.as_deref(), src["repo"].as_str());
    }
}

#[test]
fn references_keep_their_kind_through_cve_tags() {
    let a = osv::from_osv(&record("osv", "GHSA-jfh8-c2jp-5v3q.json")).expect("import");
    let c = cve::to_cve_cna(&a, &ExportOptions::default()).expect("export");
    let kinds = |a: &Advisory| {
        a.references
            .iter()
            .map(|r| r.kind)
            .collect::<Vec<ReferenceType>>()
    };
    let back = cve::from_cve(&serde_json::json!({
        "dataType": "CVE_RECORD", "dataVersion": "5.1",
        "cveMetadata": {"cveId": "CVE-2021-44228", "assignerOrgId": "00000000-0000-4000-8000-000000000000",
            "state": "PUBLISHED", "dateUpdated": "2024-01-01T00:00:00Z"},
        "containers": {"cna": c}
    }))
    .expect("import of the export");
    assert_eq!(kinds(&back), kinds(&a));
}

#[test]
fn formats_are_detected() {
    for (dir, want) in [
        ("osv", Format::Osv),
        ("cve", Format::Cve5),
        ("csaf", Format::Csaf),
    ] {
        for (name, doc) in records(dir) {
            assert_eq!(advisory::detect_format(&doc), Some(want), "{name}");
        }
    }
    assert_eq!(advisory::detect_format(&serde_json::json!({"id": 1})), None);
}

#[test]
fn a_rejected_cve_record_imports_as_withdrawn_and_round_trips() {
    // Shaped like the cvelistV5 rejected records; the schema check proves the shape.
    let doc = serde_json::json!({
        "dataType": "CVE_RECORD",
        "dataVersion": "5.1",
        "cveMetadata": {
            "cveId": "CVE-2024-20001",
            "assignerOrgId": "8254265b-2729-46b6-b9e3-3dfca2d5bfca",
            "assignerShortName": "mitre",
            "state": "REJECTED",
            "dateReserved": "2023-11-08T00:00:00Z",
            "dateRejected": "2024-01-10T16:03:34.170Z",
            "dateUpdated": "2024-01-10T16:03:34.170Z"
        },
        "containers": {"cna": {
            "providerMetadata": {"orgId": "8254265b-2729-46b6-b9e3-3dfca2d5bfca", "shortName": "mitre",
                "dateUpdated": "2024-01-10T16:03:34.170Z"},
            "rejectedReasons": [{"lang": "en",
                "value": "DO NOT USE THIS CANDIDATE NUMBER. Reason: This candidate was withdrawn by its CNA."}]
        }}
    });
    assert!(advisory::validate(Format::Cve5, &doc).is_empty());
    let a = cve::from_cve(&doc).expect("import");
    assert_eq!(a.status, Status::Withdrawn);
    assert_eq!(a.withdrawn, Some(ts("2024-01-10T16:03:34.170Z")));
    assert!(a.summary.starts_with("DO NOT USE THIS CANDIDATE NUMBER."));
    assert_round_trips("rejected", &a);
    let back = cve::to_cve_record(&a, &ExportOptions::default()).expect("export");
    assert_eq!(back["cveMetadata"]["state"], "REJECTED");
    assert_eq!(
        back["containers"]["cna"]["rejectedReasons"],
        doc["containers"]["cna"]["rejectedReasons"]
    );
}

#[test]
fn cve_descriptions_are_plain_text_with_the_markdown_alongside() {
    let src = record("osv", "GHSA-j8r2-6x86-q33q.json");
    let a = osv::from_osv(&src).expect("import");
    let c = cve::to_cve_cna(&a, &ExportOptions::default()).expect("export");
    let d = &c["descriptions"][0];
    let value = d["value"].as_str().expect("value");
    assert!(
        value.starts_with("Impact\n\nSince Requests v2.3.0"),
        "{value}"
    );
    assert!(!value.contains("###") && !value.contains('`') && !value.contains("**"));
    assert!(value.contains(
        "reattach the Proxy-Authorization header (https://github.com/psf/requests/blob/"
    ));
    assert_eq!(d["supportingMedia"][0]["type"], "text/markdown");
    assert_eq!(d["supportingMedia"][0]["value"], src["details"]);

    let mut bare = a.clone();
    bare.details.clear();
    let c = cve::to_cve_cna(&bare, &ExportOptions::default()).expect("export");
    assert_eq!(c["descriptions"][0]["value"], src["summary"]);
    let record = serde_json::json!({"dataType": "CVE_RECORD", "dataVersion": "5.1",
        "cveMetadata": {"cveId": "CVE-2023-32681", "assignerOrgId": "00000000-0000-4000-8000-000000000000",
            "state": "PUBLISHED", "dateUpdated": "2024-01-01T00:00:00Z"},
        "containers": {"cna": c}});
    assert_eq!(cve::from_cve(&record).expect("import").details, "");
}

#[test]
fn timestamps_cve_cannot_write_survive_in_the_extension() {
    // Go's vulnerability database writes its zero time, 0001-01-01T00:00:00Z, as `modified`
    // (e.g. GO-2021-0064); CVE's timestamp pattern only allows the years 1900 to 2999.
    let mut a = osv::from_osv(&record("osv", "GHSA-j8r2-6x86-q33q.json")).expect("import");
    a.modified = ts("0001-01-01T00:00:00Z");
    assert_eq!(
        osv::to_osv(&a).expect("OSV")["modified"],
        "0001-01-01T00:00:00Z"
    );
    assert_round_trips("zero time", &a);
}
