//! CSAF 2.0 specifics: what 2.0 cannot say (CVSS v4.0, withdrawn), drafts, file names, and
//! our semantic checks over the OASIS example documents.

use advisory::{ExportOptions, Format, Status, csaf, osv};
use serde_json::Value;

use crate::common::{record, records, ts};

fn notes(v: &Value) -> Vec<(String, String)> {
    v["notes"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .map(|n| {
            (
                n["title"].as_str().unwrap_or("").to_owned(),
                n["text"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect()
}

#[test]
fn file_names_follow_section_5_1() {
    // The rule's own example, as the OASIS example file is named.
    assert_eq!(csaf::filename("RHSA-2021:5186"), "rhsa-2021_5186.json");
    assert_eq!(csaf::filename("BSI-2022-0001"), "bsi-2022-0001.json");
    assert_eq!(
        csaf::filename("cisco-sa-20180328-smi2"),
        "cisco-sa-20180328-smi2.json"
    );
}

#[test]
fn the_oasis_examples_pass_our_semantic_checks() {
    for (name, doc) in records("csaf") {
        let problems = advisory::validate(Format::Csaf, &doc);
        assert!(problems.is_empty(), "{name}: {problems:?}");
    }
}

#[test]
fn cvss_v4_becomes_a_note_because_csaf_2_0_has_no_cvss_v4() {
    let src = record("osv", "GHSA-cxww-7g56-2vh6.json");
    let a = osv::from_osv(&src).expect("import");
    let doc = csaf::to_csaf(&a, &ExportOptions::default()).expect("export");
    let v3 = src["severity"][0]["score"].as_str().expect("v3 vector");
    let v4 = src["severity"][1]["score"].as_str().expect("v4 vector");
    assert!(v4.starts_with("CVSS:4.0/"));
    let vuln = &doc["vulnerabilities"][0];
    let scores = vuln["scores"].as_array().expect("scores");
    assert_eq!(scores.len(), 1);
    assert_eq!(scores[0]["cvss_v3"]["vectorString"], v3);
    assert!(
        notes(vuln)
            .iter()
            .any(|(t, text)| t == "CVSS v4.0" && text.contains(v4)),
        "{:?}",
        notes(vuln)
    );
    assert!(advisory::validate(Format::Csaf, &doc).is_empty());
}

#[test]
fn a_withdrawn_advisory_is_a_final_document_that_says_so() {
    let mut a = osv::from_osv(&record("osv", "GHSA-j8r2-6x86-q33q.json")).expect("import");
    a.withdraw(ts("2024-02-01T10:00:00Z"), "Duplicate of another advisory")
        .expect("withdraw");
    let doc = csaf::to_csaf(&a, &ExportOptions::default()).expect("export");
    let document = &doc["document"];
    assert_eq!(document["tracking"]["status"], "final");
    assert!(
        document["title"]
            .as_str()
            .expect("title")
            .starts_with("WITHDRAWN: ")
    );
    assert!(notes(document).iter().any(|(t, _)| t == "Withdrawn"));
    let history = document["tracking"]["revision_history"]
        .as_array()
        .expect("history");
    let last = history.last().expect("a revision");
    assert_eq!(last["summary"], "Withdrawn");
    assert_eq!(last["date"], "2024-02-01T10:00:00Z");
    assert_eq!(document["tracking"]["version"], last["number"]);
    assert!(advisory::validate(Format::Csaf, &doc).is_empty());
}

#[test]
fn a_draft_is_a_draft_document_with_version_zero() {
    let mut a = osv::from_osv(&record("osv", "GHSA-35jh-r3h4-6jhm.json")).expect("import");
    a.status = Status::Draft;
    a.published = None;
    let doc = csaf::to_csaf(&a, &ExportOptions::default()).expect("export");
    let tracking = &doc["document"]["tracking"];
    assert_eq!(tracking["status"], "draft");
    assert_eq!(tracking["version"], "0");
    assert_eq!(doc["document"]["distribution"]["tlp"]["label"], "AMBER");
    assert!(advisory::validate(Format::Csaf, &doc).is_empty());
}

#[test]
fn every_affected_range_is_a_product_with_its_fix() {
    // lodash: two packages, each `introduced 0, fixed 4.17.21`.
    let src = record("osv", "GHSA-35jh-r3h4-6jhm.json");
    let a = osv::from_osv(&src).expect("import");
    let doc = csaf::to_csaf(&a, &ExportOptions::default()).expect("export");
    let status = &doc["vulnerabilities"][0]["product_status"];
    let affected = status["known_affected"].as_array().expect("known_affected");
    let fixed = status["fixed"].as_array().expect("fixed");
    assert_eq!(
        affected.len(),
        src["affected"].as_array().expect("affected").len()
    );
    assert_eq!(fixed.len(), affected.len());
    let remediations = doc["vulnerabilities"][0]["remediations"]
        .as_array()
        .expect("remediations");
    let fixed_in = src["affected"][0]["ranges"][0]["events"][1]["fixed"]
        .as_str()
        .expect("fixed");
    assert!(
        remediations
            .iter()
            .all(|r| r["details"].as_str().expect("details").contains(fixed_in))
    );
    assert_eq!(
        doc["vulnerabilities"][0]["cve"], src["aliases"][0],
        "the CVE alias is the vulnerability's cve"
    );
}

#[cfg(feature = "csaf-oracle")]
#[test]
fn exports_pass_the_csaf_rs_mandatory_tests() {
    use csaf_rs::validation::validate_by_preset;
    let opts = ExportOptions::default();
    let mut docs = Vec::new();
    let with_url = ExportOptions {
        csaf_self_url: Some(format!(
            "https://example.com/.well-known/csaf/white/2023/{}",
            csaf::filename("GHSA-j8r2-6x86-q33q")
        )),
        ..ExportOptions::default()
    };
    let a = osv::from_osv(&record("osv", "GHSA-j8r2-6x86-q33q.json")).expect("import");
    docs.push((
        "with self URL".to_owned(),
        csaf::to_csaf(&a, &with_url).expect("export"),
    ));
    for (name, src) in records("osv") {
        docs.push((
            name,
            csaf::to_csaf(&osv::from_osv(&src).expect("import"), &opts).expect("export"),
        ));
    }
    for (name, src) in records("cve") {
        let a = advisory::cve::from_cve(&src).expect("import");
        docs.push((name, csaf::to_csaf(&a, &opts).expect("export")));
    }
    let mut withdrawn = osv::from_osv(&record("osv", "GHSA-j8r2-6x86-q33q.json")).expect("import");
    withdrawn
        .withdraw(ts("2024-02-01T10:00:00Z"), "Withdrawn")
        .expect("withdraw");
    docs.push((
        "withdrawn".to_owned(),
        csaf::to_csaf(&withdrawn, &opts).expect("export"),
    ));
    // Negative control: the oracle does reject an undefined product id (6.1.1).
    let mut broken = docs[0].1.clone();
    broken["vulnerabilities"][0]["product_status"]["known_affected"][0] =
        serde_json::json!("CSAFPID-9999");
    let loaded = csaf_rs::csaf2_0::loader::load_document(broken).expect("csaf-rs loads it");
    assert!(
        !validate_by_preset(&loaded, "2.0", "basic")
            .expect("preset")
            .success
    );
    for (name, doc) in docs {
        let loaded =
            csaf_rs::csaf2_0::loader::load_document(doc.clone()).expect("csaf-rs loads it");
        let result = validate_by_preset(&loaded, "2.0", "basic").expect("preset");
        let failures: Vec<String> = result
            .test_results
            .iter()
            .filter(|t| matches!(&t.status, csaf_rs::validation::TestResultStatus::Failure { errors, .. } if !errors.is_empty()))
            .map(|t| format!("{}: {:?}", t.test_id, t.status))
            .collect();
        assert!(result.success, "{name}: {failures:#?}");
    }
}

#[test]
fn a_scored_cvss_v4_vector_becomes_a_cve_cvss_v4_metric() {
    // GHSA-cxww-7g56-2vh6 states no v4.0 score; the scored variant carries one from the
    // engine (9.3 is not checked against the vector here: scoring v4.0 is not this crate's job).
    let mut a = osv::from_osv(&record("osv", "GHSA-cxww-7g56-2vh6.json")).expect("import");
    let opts = ExportOptions::default();
    let unscored = advisory::cve::to_cve_cna(&a, &opts).expect("export");
    assert_eq!(
        unscored["metrics"][1]["other"]["type"],
        advisory::cve::UNSCORED_V4_TYPE
    );
    a.severity[1] = a.severity[1].clone().with_base_score(9.3);
    let scored = advisory::cve::to_cve_cna(&a, &opts).expect("export");
    assert_eq!(scored["metrics"][1]["cvssV4_0"]["baseScore"], 9.3);
    assert_eq!(scored["metrics"][1]["cvssV4_0"]["baseSeverity"], "CRITICAL");
    assert!(advisory::validate_cve_cna(&scored).is_empty());
    let o = osv::to_osv(&a).expect("OSV");
    assert_eq!(
        osv::from_osv(&o).expect("import"),
        a,
        "the score survives OSV"
    );
}

#[test]
fn given_purls_are_versioned_per_product_and_stay_valid() {
    let mut a = osv::from_osv(&record("osv", "GHSA-35jh-r3h4-6jhm.json")).expect("import");
    a.affected[0].package.purl = Some("pkg:npm/lodash@4.17.20".to_owned());
    a.affected[1].package.purl =
        Some("pkg:npm/lodash-es?repository_url=https://r.example".to_owned());
    let doc = csaf::to_csaf(&a, &ExportOptions::default()).expect("export");
    let text = doc.to_string();
    assert!(
        text.contains("\"pkg:npm/lodash@4.17.21\""),
        "fixed version product"
    );
    assert!(text.contains("\"pkg:npm/lodash\""), "range product");
    assert!(!text.contains("4.17.20"));
    assert!(text.contains("\"pkg:npm/lodash-es?repository_url=https://r.example\""));
    assert!(advisory::validate(Format::Csaf, &doc).is_empty());
}

#[test]
fn the_served_url_becomes_the_self_reference() {
    let url = format!(
        "https://example.com/p/demo/advisories/{}",
        csaf::filename("GHSA-j8r2-6x86-q33q")
    );
    let opts = ExportOptions {
        csaf_self_url: Some(url.clone()),
        ..ExportOptions::default()
    };
    let a = osv::from_osv(&record("osv", "GHSA-j8r2-6x86-q33q.json")).expect("import");
    let doc = csaf::to_csaf(&a, &opts).expect("export");
    assert_eq!(doc["document"]["references"][0]["category"], "self");
    assert_eq!(doc["document"]["references"][0]["url"], url.as_str());
    assert!(url.ends_with("/ghsa-j8r2-6x86-q33q.json"));
    assert!(advisory::validate(Format::Csaf, &doc).is_empty());
}

#[test]
fn no_purl_is_made_up_where_the_name_cannot_be_one() {
    // GitHub files Grafana under PyPI with a Go module path as the name (GHSA-4724-7jwc-3fpw);
    // a PyPI purl has no namespace, so `pkg:pypi/github.com/…` would be invalid (6.1.13).
    let mut a = osv::from_osv(&record("osv", "GHSA-j8r2-6x86-q33q.json")).expect("import");
    a.affected[0].package.name = "github.com/grafana/grafana".to_owned();
    let doc = csaf::to_csaf(&a, &ExportOptions::default()).expect("export");
    assert!(!doc.to_string().contains("pkg:pypi/github.com"), "{doc}");
    let a = osv::from_osv(&record("osv", "GHSA-j8r2-6x86-q33q.json")).expect("import");
    let doc = csaf::to_csaf(&a, &ExportOptions::default()).expect("export");
    assert!(doc.to_string().contains("\"pkg:pypi/requests@2.31.0\""));
}

#[test]
fn provider_metadata_is_valid_and_the_oasis_example_passes_the_same_schema() {
    use advisory::csaf::{OpenPgpKey, ProviderRole, provider_metadata};
    use advisory::schema::{Schema, check_schema};
    let example = record("csaf-provider", "example-01-provider-metadata.json");
    assert!(check_schema(Schema::CsafProviderMetadata, &example).is_empty());

    let publisher = csaf::Publisher {
        category: "vendor".into(),
        name: "Example Project".into(),
        namespace: "https://example.org".into(),
        contact_details: Some("security@example.org".into()),
    };
    let key = OpenPgpKey {
        fingerprint: Some("8F5F267907B2C4559DB360DB2294BA7D2B2298B1".into()),
        url: "https://example.org/.well-known/csaf/openpgp/key.asc".into(),
    };
    let doc = provider_metadata(
        &publisher,
        ProviderRole::Provider,
        "https://example.org/.well-known/csaf/provider-metadata.json",
        ts("2024-05-01T10:00:00Z"),
        Some("https://example.org/.well-known/csaf/white/"),
        &[key],
    );
    let problems = check_schema(Schema::CsafProviderMetadata, &doc);
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!(doc["role"], "csaf_provider");
    assert_eq!(doc["publisher"]["name"], "Example Project");

    let bad = provider_metadata(
        &publisher,
        ProviderRole::Publisher,
        "https://example.org/csaf.json",
        ts("2024-05-01T10:00:00Z"),
        None,
        &[],
    );
    let problems = check_schema(Schema::CsafProviderMetadata, &bad);
    assert!(
        problems.iter().any(|p| p.path == "$.canonical_url"),
        "{problems:?}"
    );
}

#[test]
fn directory_distribution_paths_index_and_changes() {
    let src = record("osv", "GHSA-j8r2-6x86-q33q.json");
    let a = osv::from_osv(&src).expect("import");
    let doc = csaf::to_csaf(&a, &ExportOptions::default()).expect("export");
    // The folder is the year of the initial release: the record's `published` year.
    let year = &src["published"].as_str().expect("published")[..4];
    let path = csaf::distribution_path(&doc).expect("path");
    assert_eq!(path, format!("{year}/ghsa-j8r2-6x86-q33q.json"));
    assert_eq!(
        csaf::index_txt(std::slice::from_ref(&path)),
        format!("{path}\n")
    );
    let csv = csaf::changes_csv(&[
        ("2021/a.json".to_owned(), ts("2021-01-01T00:00:00Z")),
        (path.clone(), ts("2023-09-20T19:19:30Z")),
    ]);
    assert_eq!(
        csv,
        format!("\"{path}\",\"2023-09-20T19:19:30Z\"\n\"2021/a.json\",\"2021-01-01T00:00:00Z\"\n")
    );
}
