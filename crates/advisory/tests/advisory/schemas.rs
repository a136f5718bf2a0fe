//! The vendored official schemas accept the real records and reject the documented faults
//! (expected results: `shared/data/schemas/FORMATS.md` §4, checked there with Python too).

use advisory::schema::{Schema, check_schema};
use serde_json::{Value, json};

use crate::common::{record, records};

#[test]
fn real_osv_records_pass_except_the_non_uri_package_reference() {
    let all = records("osv");
    assert_eq!(all.len(), 5);
    for (name, doc) in all {
        let problems = check_schema(Schema::Osv, &doc);
        if name == "GHSA-4374-p667-p6c8.json" {
            // Known data quirk: a PACKAGE reference "golang.org/x/net" is not a URI.
            assert_eq!(problems.len(), 1, "{name}: {problems:?}");
            assert_eq!(problems[0].path, "$.references[38].url");
        } else {
            assert!(problems.is_empty(), "{name}: {problems:?}");
        }
    }
}

#[test]
fn real_cve_records_pass_the_bundled_schema_and_their_cna_container_the_container_schema() {
    let all = records("cve");
    assert_eq!(all.len(), 5);
    for (name, doc) in all {
        let problems = check_schema(Schema::CveRecord, &doc);
        assert!(problems.is_empty(), "{name}: {problems:?}");
        let problems = check_schema(Schema::CveCnaContainer, &doc["containers"]["cna"]);
        assert!(problems.is_empty(), "{name} (CNA container): {problems:?}");
    }
}

#[test]
fn real_csaf_documents_pass_with_the_cvss_schemas_registered_offline() {
    let all = records("csaf");
    assert_eq!(all.len(), 3);
    for (name, doc) in all {
        let problems = check_schema(Schema::Csaf, &doc);
        assert!(problems.is_empty(), "{name}: {problems:?}");
    }
}

fn assert_rejected(schema: Schema, doc: &Value, path: &str) {
    let problems = check_schema(schema, doc);
    assert!(!problems.is_empty(), "accepted a faulty document");
    assert!(
        problems.iter().any(|p| p.path == path),
        "no problem at {path}: {problems:?}"
    );
}

#[test]
fn osv_faults_are_rejected_at_their_path() {
    let mut doc = record("osv", "GHSA-j8r2-6x86-q33q.json");
    doc.as_object_mut().expect("object").remove("id");
    assert_rejected(Schema::Osv, &doc, "$");

    let mut doc = record("osv", "GHSA-j8r2-6x86-q33q.json");
    doc["affected"][0]["ranges"][0]["events"][0] =
        json!({"introduced": "2.3.0", "fixed": "2.31.0"});
    assert_rejected(Schema::Osv, &doc, "$.affected[0].ranges[0].events[0]");
}

#[test]
fn cve_faults_are_rejected_at_their_path() {
    let mut doc = record("cve", "CVE-2024-0181.json");
    doc["containers"]["cna"]
        .as_object_mut()
        .expect("object")
        .remove("references");
    assert_rejected(Schema::CveRecord, &doc, "$.containers.cna");

    let mut doc = record("cve", "CVE-2024-0181.json");
    doc["containers"]["cna"]["credits"][0]["type"] = json!("discoverer");
    assert_rejected(Schema::CveRecord, &doc, "$.containers.cna.credits[0].type");

    let mut doc = record("cve", "CVE-2023-32681.json");
    doc["containers"]["cna"]["descriptions"][0]["lang"] = json!("de");
    assert!(
        !check_schema(Schema::CveRecord, &doc).is_empty(),
        "a record without English text passed"
    );
}

#[test]
fn csaf_faults_are_rejected_at_their_path() {
    let mut doc = record("csaf", "bsi-2022-0001.json");
    doc["vulnerabilities"][0]["scores"][0]["cvss_v3"]["baseScore"] = json!(11);
    assert_rejected(
        Schema::Csaf,
        &doc,
        "$.vulnerabilities[0].scores[0].cvss_v3.baseScore",
    );

    let mut doc = record("csaf", "bsi-2022-0001.json");
    doc["document"]["tracking"]
        .as_object_mut()
        .expect("object")
        .remove("revision_history");
    assert_rejected(Schema::Csaf, &doc, "$.document.tracking");
}

#[test]
fn json_pointers_become_json_paths() {
    use advisory::schema::pointer_to_path;
    assert_eq!(pointer_to_path(""), "$");
    assert_eq!(
        pointer_to_path("/affected/0/ranges/1"),
        "$.affected[0].ranges[1]"
    );
    assert_eq!(pointer_to_path("/a~1b/c d"), "$[\"a/b\"][\"c d\"]");
}
