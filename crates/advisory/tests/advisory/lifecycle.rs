//! From a report to a published advisory, credits, and release-note snippets.

use advisory::{
    Advisory, CreditChoice, CreditType, LifecycleError, Package, ReportSeed, Status, cve, osv,
    release_note_line, release_notes,
};

use crate::common::{record, ts};

fn seed(credit: Option<CreditChoice>) -> ReportSeed {
    ReportSeed {
        title: "Path traversal in the archive extractor".to_owned(),
        description: "Entries named `../x` escape the target directory.".to_owned(),
        package: Some(Package {
            ecosystem: Some("crates.io".to_owned()),
            name: "unpackit".to_owned(),
            ..Package::default()
        }),
        affected_version: Some(">= 1.2.0, < 1.4.1".to_owned()),
        cvss_vector: Some("CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:N/I:H/A:N".to_owned()),
        credit,
    }
}

#[test]
fn a_report_prefills_a_draft() {
    let now = ts("2024-05-01T12:00:00Z");
    let a = Advisory::from_report(
        "x_unpackit-1",
        &seed(Some(CreditChoice::Handle("@jdoe".into()))),
        now,
    )
    .expect("valid seed");
    assert_eq!(a.status, Status::Draft);
    assert_eq!(a.summary, "Path traversal in the archive extractor");
    assert_eq!(a.affected[0].ranges[0].events[0].version(), "1.2.0");
    assert_eq!(a.affected[0].ranges[0].events[1].key(), "fixed");
    assert_eq!(a.affected[0].ranges[0].events[1].version(), "1.4.1");
    assert_eq!(
        a.severity[0].as_str(),
        "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:N/I:H/A:N"
    );
    assert_eq!(a.credits.len(), 1);
    assert_eq!(a.credits[0].name, "@jdoe");
    assert_eq!(a.credits[0].kind, Some(CreditType::Reporter));
    assert!(!a.is_public());

    let anon = Advisory::from_report("x_unpackit-1", &seed(Some(CreditChoice::Anonymous)), now)
        .expect("seed");
    assert!(anon.credits.is_empty());
    let mut bad = seed(None);
    bad.cvss_vector = Some("CVSS:3.1/AV:N".to_owned());
    assert!(Advisory::from_report("x_unpackit-1", &bad, now).is_err());
}

#[test]
fn draft_publish_withdraw() {
    let t0 = ts("2024-05-01T12:00:00Z");
    let t1 = ts("2024-05-10T08:00:00Z");
    let t2 = ts("2024-06-01T00:00:00Z");
    let mut a = Advisory::from_report("x_unpackit-1", &seed(None), t0).expect("seed");
    assert!(matches!(
        a.withdraw(t1, "no"),
        Err(LifecycleError::Transition { .. })
    ));
    a.publish(t1).expect("publish");
    assert_eq!(
        (a.status, a.published, a.modified),
        (Status::Published, Some(t1), t1)
    );
    assert!(a.is_public());
    assert!(a.publish(t2).is_err());
    a.withdraw(t2, "Not a vulnerability: the path is sanitised upstream")
        .expect("withdraw");
    assert_eq!((a.status, a.withdrawn), (Status::Withdrawn, Some(t2)));
    // OSV: withdrawn timestamp, rationale in the summary; CVE: a REJECTED record.
    let o = osv::to_osv(&a).expect("OSV");
    assert_eq!(o["withdrawn"], "2024-06-01T00:00:00Z");
    assert_eq!(
        o["summary"],
        "Not a vulnerability: the path is sanitised upstream"
    );
    let mut with_ref = a.clone();
    with_ref.references.push(advisory::Reference {
        kind: advisory::ReferenceType::Web,
        url: "https://example.com/x".to_owned(),
        name: None,
        tags: Vec::new(),
    });
    let c = cve::to_cve_record(&with_ref, &advisory::ExportOptions::default()).expect("CVE");
    assert_eq!(c["cveMetadata"]["state"], "REJECTED");
    assert!(advisory::validate(advisory::Format::Cve5, &c).is_empty());
    assert!(advisory::validate(advisory::Format::Osv, &o).is_empty());
}

#[test]
fn publishing_needs_a_summary() {
    let mut a = Advisory::new("x_1", ts("2024-05-01T12:00:00Z"));
    assert_eq!(
        a.publish(ts("2024-05-02T12:00:00Z")),
        Err(LifecycleError::NoSummary)
    );
}

#[test]
fn release_note_names_the_cve_its_severity_and_the_reporters() {
    // Severity expected from the CVE record's own baseSeverity (MEDIUM).
    let cve_doc = record("cve", "CVE-2023-32681.json");
    assert_eq!(
        cve_doc["containers"]["cna"]["metrics"][0]["cvssV3_1"]["baseSeverity"],
        "MEDIUM"
    );
    let mut a = osv::from_osv(&record("osv", "GHSA-j8r2-6x86-q33q.json")).expect("import");
    a.credits = vec![
        advisory::Credit {
            name: "Dennis Brinkrolf".into(),
            contact: vec![],
            kind: Some(CreditType::Finder),
        },
        advisory::Credit {
            name: "Tobias *Funke*".into(),
            contact: vec![],
            kind: Some(CreditType::Reporter),
        },
        advisory::Credit {
            name: "Nate Prewitt".into(),
            contact: vec![],
            kind: Some(CreditType::RemediationDeveloper),
        },
        advisory::Credit {
            name: "OSS-Fuzz".into(),
            contact: vec![],
            kind: Some(CreditType::Tool),
        },
    ];
    assert_eq!(
        release_note_line(&a),
        "- Fixed CVE-2023-32681 (Medium): Unintended leak of Proxy-Authorization header in requests, \
         reported by Dennis Brinkrolf and Tobias \\*Funke\\*, fixed by Nate Prewitt, with thanks to OSS-Fuzz (tool)."
    );
    let lodash = osv::from_osv(&record("osv", "GHSA-35jh-r3h4-6jhm.json")).expect("import");
    let notes = release_notes(&[lodash.clone(), a.clone()], Some("requests"), "2.31.0");
    assert_eq!(notes.lines().count(), 3, "{notes}");
    assert!(notes.starts_with("### Security\n\n- Fixed CVE-2023-32681 (Medium)"));
    assert_eq!(release_notes(&[lodash, a], Some("requests"), "2.30.0"), "");
}

#[test]
fn release_notes_list_the_most_severe_first() {
    let log4j = osv::from_osv(&record("osv", "GHSA-jfh8-c2jp-5v3q.json")).expect("import");
    let fixed = log4j.affected[0].ranges[0]
        .events
        .iter()
        .find(|e| e.key() == "fixed")
        .expect("a fix")
        .version()
        .to_owned();
    let mut medium = log4j.clone();
    medium.id = "GHSA-0000-0000-0000".into();
    medium.aliases = vec![];
    medium.severity = vec![
        advisory::CvssVector::parse("CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:C/C:H/I:N/A:N")
            .expect("vector"),
    ];
    let notes = release_notes(&[medium, log4j], None, &fixed);
    let lines: Vec<&str> = notes.lines().skip(2).collect();
    assert!(
        lines[0].starts_with("- Fixed CVE-2021-44228 (Critical)"),
        "{notes}"
    );
    assert!(
        lines[1].starts_with("- Fixed GHSA-0000-0000-0000 (Medium)"),
        "{notes}"
    );
}

#[test]
fn affected_versions_are_matched_like_the_osv_query_api() {
    // requests: introduced 2.3.0, fixed 2.31.0 (from the GHSA record).
    let a = osv::from_osv(&record("osv", "GHSA-j8r2-6x86-q33q.json")).expect("import");
    assert_eq!(a.affects(Some("PyPI"), "requests", "2.3.0"), Some(true));
    assert_eq!(a.affects(Some("PyPI"), "requests", "2.30.0"), Some(true));
    assert_eq!(a.affects(Some("PyPI"), "requests", "2.31.0"), Some(false));
    assert_eq!(a.affects(Some("PyPI"), "requests", "2.2.1"), Some(false));
    assert_eq!(a.affects(Some("npm"), "requests", "2.30.0"), Some(false));
    assert_eq!(a.affects(None, "urllib3", "2.30.0"), Some(false));
    // Linux: git ranges cannot be decided without the repository.
    let linux = cve::from_cve(&record("cve", "CVE-2024-26581.json")).expect("import");
    let name = linux.affected[0].package.name.clone();
    assert_eq!(linux.affects(None, &name, "0123456789abcdef"), None);
}

#[test]
fn the_cna_request_packet_holds_a_valid_container_and_the_form_fields() {
    let src = record("osv", "GHSA-j8r2-6x86-q33q.json");
    let mut a = osv::from_osv(&src).expect("import");
    a.aliases.clear(); // not yet a CVE
    let packet = cve::request_packet(&a, &advisory::ExportOptions::default()).expect("packet");
    assert!(advisory::validate_cve_cna(&packet.cna_container).is_empty());
    let text = &packet.summary;
    for needle in [
        "Title:\n  Unintended leak of Proxy-Authorization header in requests\n",
        "PyPI requests: >= 2.3.0, < 2.31.0",
        "Fixed versions:\n  requests 2.31.0\n",
        "CWE-200 Exposure of Sensitive Information to an Unauthorized Actor",
        "CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:C/C:H/I:N/A:N (base score 6.1)",
        "Public disclosure date:\n  2023-05-22T20:36:32Z\n",
    ] {
        assert!(text.contains(needle), "missing {needle:?} in\n{text}");
    }
}
