//! Semantic checks: the real records pass; each injected fault is named by its JSON path.

use advisory::{Format, validate};
use serde_json::json;

use crate::common::{record, records};

fn paths(format: Format, doc: &serde_json::Value) -> Vec<String> {
    advisory::semantic::check(format, doc)
        .into_iter()
        .map(|p| p.path)
        .collect()
}

#[test]
fn real_records_have_no_semantic_problems() {
    for (name, doc) in records("osv") {
        assert!(paths(Format::Osv, &doc).is_empty(), "{name}");
    }
    for (name, doc) in records("cve") {
        assert!(paths(Format::Cve5, &doc).is_empty(), "{name}");
    }
}

#[test]
fn osv_range_out_of_order_is_reported() {
    let mut doc = record("osv", "GHSA-j8r2-6x86-q33q.json");
    doc["affected"][0]["ranges"][0]["events"] =
        json!([{"introduced": "2.31.0"}, {"fixed": "2.3.0"}]);
    assert_eq!(
        paths(Format::Osv, &doc),
        ["$.affected[0].ranges[0].events[1].fixed"]
    );

    doc["affected"][0]["ranges"][0]["type"] = json!("SEMVER");
    doc["affected"][0]["ranges"][0]["events"] = json!([{"introduced": "1.0.0"}, {"fixed": "1.2.0"}, {"introduced": "1.1.0-rc.1"}, {"fixed": "1.3.0"}]);
    assert_eq!(
        paths(Format::Osv, &doc),
        ["$.affected[0].ranges[0].events[2].introduced"]
    );

    doc["affected"][0]["ranges"][0]["events"] = json!([{"introduced": "0"}, {"fixed": "2.31"}]);
    assert_eq!(
        paths(Format::Osv, &doc),
        ["$.affected[0].ranges[0].events[1].fixed"],
        "not SemVer"
    );
}

#[test]
fn osv_ids_and_vectors_are_checked() {
    let mut doc = record("osv", "GHSA-35jh-r3h4-6jhm.json");
    doc["aliases"] = json!(["CVE-21-23337"]);
    doc["severity"][0]["score"] = json!("CVSS:3.1/AV:N/AC:L/PR:H/UI:N/S:U/C:H/I:H/A:Q");
    doc["id"] = json!("EMBARGO-2024-1");
    let mut got = paths(Format::Osv, &doc);
    got.sort();
    assert_eq!(got, ["$.aliases[0]", "$.id", "$.severity[0].score"]);
    // The schema agrees on the id (its pattern needs a registered prefix or x_).
    assert!(
        validate(Format::Osv, &doc)
            .iter()
            .filter(|p| p.path == "$.id")
            .count()
            >= 2
    );
}

#[test]
fn cve_empty_range_and_wrong_score_are_reported() {
    let mut doc = record("cve", "CVE-2023-39325.json");
    doc["containers"]["cna"]["affected"][0]["versions"][0]["version"] = json!("1.20.10");
    doc["containers"]["cna"]["metrics"] = json!([{"cvssV3_1": {
        "version": "3.1", "vectorString": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H",
        "baseScore": 7.4, "baseSeverity": "HIGH"}}]);
    let mut got = paths(Format::Cve5, &doc);
    got.sort();
    assert_eq!(
        got,
        [
            "$.containers.cna.affected[0].versions[0].lessThan",
            "$.containers.cna.metrics[0].cvssV3_1.baseScore",
        ]
    );
}

#[test]
fn csaf_mandatory_test_faults_are_reported() {
    let mut doc = record("csaf", "bsi-2022-0001.json");
    doc["vulnerabilities"][0]["product_status"]["known_affected"][0] = json!("CSAFPID-9999");
    doc["vulnerabilities"][0]["product_status"]["known_not_affected"] = json!(["CSAFPID-0006"]);
    doc["vulnerabilities"][0]["cwe"]["name"] = json!("XXE");
    doc["vulnerabilities"][0]["scores"][0]["cvss_v3"]["baseScore"] = json!(6.2);
    doc["document"]["tracking"]["version"] = json!("2");
    let mut got = paths(Format::Csaf, &doc);
    got.sort();
    assert_eq!(
        got,
        [
            "$.document.tracking.version",
            "$.vulnerabilities[0].cwe.name",
            "$.vulnerabilities[0].product_status.known_affected[0]",
            "$.vulnerabilities[0].product_status.known_not_affected[0]",
            "$.vulnerabilities[0].scores[0].cvss_v3.baseScore",
        ]
    );
}
