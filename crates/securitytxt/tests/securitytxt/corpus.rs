//! The 33 real files against sectxt 0.9.8's verdicts, "now" pinned at 2026-11-22T00:00:00Z.
//! Our findings must equal sectxt's except for the differences listed in `DIFFERENCES`,
//! each with the RFC clause that makes us differ.

use std::collections::BTreeSet;
use std::path::PathBuf;

use securitytxt::{Code, Level, LintOptions, Report, lint};

use crate::pinned_now;

/// sectxt reports these without a line number; compare them by code only.
const LINELESS: &[&str] = &[
    "no_expire",
    "multi_expire",
    "no_contact",
    "multi_lang",
    "no_csaf_file",
    "multiple_csaf_fields",
    "no_encryption",
    "not_signed",
    "no_canonical",
    "utf8",
    "no_canonical_match",
];

/// sectxt's "recommendations".
const RECOMMENDATIONS: &[&str] = &[
    "long_expiry",
    "no_encryption",
    "not_signed",
    "no_canonical",
    "multiple_csaf_fields",
];

/// Intended differences: (file, category, `+` ours only / `-` sectxt only, code@line, why).
const DIFFERENCES: &[(&str, &str, &str, &str)] = &[
    (
        "1Copenut__c3-eleventy__wk-6381893.txt",
        "errors",
        "+invalid_uri@L4",
        "D1, RFC 9116 §2.5.3 + RFC 3986 §2: the mailto: URI has raw spaces",
    ),
    (
        "1Copenut__c3-eleventy__wk-92b1ffe.txt",
        "errors",
        "+invalid_field_name@L10 +invalid_field_name@L14",
        "D4, RFC 9116 §4 + RFC 5322 §3.6.8: '<!-- TODO' is no field name",
    ),
    (
        "1Copenut__c3-eleventy__wk-92b1ffe.txt",
        "notifications",
        "-unknown_field@L10 -unknown_field@L14",
        "D4: not a field at all, so not an unknown one",
    ),
    (
        "AnthonyVadala__Bokagha.github.io__wk-2db5f74.txt",
        "recommendations",
        "+unregistered_well_known@L2",
        "D6, RFC 9116 §6: /.well-known/hall-of-fame.txt is not registered with IANA",
    ),
    (
        "CovidShield__covidshield.github.io__wk-d34e5e8.txt",
        "errors",
        "+invalid_field_name@L4",
        "D4, RFC 9116 §4 + RFC 5322 §3.6.8: 'Security policy' has a space",
    ),
    (
        "CovidShield__covidshield.github.io__wk-d34e5e8.txt",
        "notifications",
        "-unknown_field@L4",
        "D4: not a field at all, so not an unknown one",
    ),
    (
        "MinBZK__NeRDS__docs-wk-59a88ac.txt",
        "errors",
        "+html@L1",
        "RFC 9116 §3/§4: an HTML page served as security.txt, named as such",
    ),
    (
        "MinBZK__NeRDS__docs-wk-59a88ac.txt",
        "errors",
        "+invalid_field_name@L4 +invalid_field_name@L7 -no_space@L4 -no_space@L7",
        "D4, RFC 9116 §4: '<meta http-equiv=…' is no field name, so its spacing is moot",
    ),
    (
        "MinBZK__NeRDS__docs-wk-59a88ac.txt",
        "notifications",
        "-unknown_field@L4 -unknown_field@L7",
        "D4: not a field at all, so not an unknown one",
    ),
];

/// Files whose verdict differs from sectxt's, and why.
const VERDICT_FLIPS: &[(&str, &str)] = &[(
    "1Copenut__c3-eleventy__wk-6381893.txt",
    "D1: RFC 9116 §2.5.3 requires RFC 3986 URI syntax; raw spaces are outside it",
)];

fn data_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/corpus")
}

struct Expected {
    file: String,
    valid: bool,
    errors: BTreeSet<String>,
    recommendations: BTreeSet<String>,
    notifications: BTreeSet<String>,
}

fn split_codes(s: &str) -> BTreeSet<String> {
    if s == "-" {
        return BTreeSet::new();
    }
    s.split(',').map(str::to_string).collect()
}

fn expected() -> Vec<Expected> {
    let tsv = std::fs::read_to_string(data_dir().join("expected-sectxt.tsv"))
        .expect("expected-sectxt.tsv is readable");
    tsv.lines()
        .skip(1)
        .filter(|l| !l.is_empty())
        .map(|l| {
            let cols: Vec<&str> = l.split('\t').collect();
            assert_eq!(cols.len(), 7, "{l}");
            assert_eq!(cols[6], "2026-11-22T00:00:00Z");
            Expected {
                file: cols[0].to_string(),
                valid: cols[1] == "valid",
                errors: split_codes(cols[2]),
                recommendations: split_codes(cols[3]),
                notifications: split_codes(cols[4]),
            }
        })
        .collect()
}

fn key(code: Code, line: Option<usize>) -> String {
    match line {
        Some(n) if !LINELESS.contains(&code.id()) => format!("{}@L{n}", code.id()),
        _ => code.id().to_string(),
    }
}

fn ours(report: &Report) -> [BTreeSet<String>; 3] {
    let mut errors = BTreeSet::new();
    let mut recs = BTreeSet::new();
    let mut notes = BTreeSet::new();
    for f in &report.findings {
        let k = key(f.code, f.line);
        if f.level() == Level::Error {
            errors.insert(k);
        } else if RECOMMENDATIONS.contains(&f.code.id())
            || (f.level() == Level::Warning && !f.code.is_sectxt())
        {
            recs.insert(k);
        } else if f.code == Code::UnknownField {
            notes.insert(k);
        }
    }
    [errors, recs, notes]
}

fn diff(ours: &BTreeSet<String>, theirs: &BTreeSet<String>) -> BTreeSet<String> {
    let mut d: BTreeSet<String> = ours.difference(theirs).map(|c| format!("+{c}")).collect();
    d.extend(theirs.difference(ours).map(|c| format!("-{c}")));
    d
}

fn lint_file(name: &str) -> Report {
    let bytes = std::fs::read(data_dir().join(name)).expect("corpus file is readable");
    lint(&bytes, &LintOptions::at(pinned_now()))
}

#[test]
fn corpus_has_33_files() {
    assert_eq!(expected().len(), 33);
}

#[test]
fn findings_equal_sectxt_except_listed_differences() {
    let mut problems = Vec::new();
    for exp in expected() {
        let report = lint_file(&exp.file);
        let [errors, recs, notes] = ours(&report);
        for (category, ours, theirs) in [
            ("errors", &errors, &exp.errors),
            ("recommendations", &recs, &exp.recommendations),
            ("notifications", &notes, &exp.notifications),
        ] {
            let actual = diff(ours, theirs);
            let listed: BTreeSet<String> = DIFFERENCES
                .iter()
                .filter(|(f, c, _, _)| *f == exp.file && *c == category)
                .flat_map(|(_, _, d, _)| d.split(' ').map(str::to_string))
                .collect();
            if actual != listed {
                problems.push(format!(
                    "{} {category}: unlisted differences {:?}, listed but absent {:?}",
                    exp.file,
                    actual.difference(&listed).collect::<Vec<_>>(),
                    listed.difference(&actual).collect::<Vec<_>>()
                ));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn verdicts_equal_sectxt_except_listed_flips() {
    for exp in expected() {
        let report = lint_file(&exp.file);
        let flipped = VERDICT_FLIPS.iter().any(|(f, _)| *f == exp.file);
        assert_eq!(
            report.is_valid(),
            exp.valid != flipped,
            "{}: ours valid={}, sectxt valid={}",
            exp.file,
            report.is_valid(),
            exp.valid
        );
    }
}

#[test]
fn every_listed_difference_cites_a_reason() {
    for (file, _, _, why) in DIFFERENCES {
        assert!(data_dir().join(file).exists(), "{file}");
        assert!(why.contains("D") || why.contains("RFC"), "{why}");
    }
}

#[test]
fn signed_corpus_files_keep_envelope_parts() {
    let report = lint_file("GrapheneOS__AttestationServer__static-wk-87c61ef.txt");
    let sig = report.document.signature.as_ref().expect("signed");
    assert_eq!(sig.hash_algorithms, ["SHA256"]);
    assert_eq!(sig.cleartext_lines.len(), 4);
    assert_eq!(
        sig.cleartext_lines[0],
        "Contact: mailto:security@attestation.app"
    );
    assert!(
        sig.armored
            .starts_with("-----BEGIN PGP SIGNATURE-----\n\niQIzBAEBCAAd")
    );
    assert!(sig.armored.ends_with("=je1C\n-----END PGP SIGNATURE-----"));
    assert_eq!(
        report.signature,
        Some(securitytxt::SignatureStatus::Unverified)
    );
    assert!(report.is_signed());

    let edited = lint_file("MinBZK__NeRDS__pr-preview-pr-126-wk-0414d75.txt");
    let sig = edited.document.signature.as_ref().expect("signed");
    // 26 cleartext lines between the blank line after Hash: and BEGIN PGP SIGNATURE.
    assert_eq!(sig.cleartext_lines.len(), 26);
    assert!(
        sig.signed_data()
            .starts_with("# Domeinen van de Rijksoverheid")
    );
    assert!(sig.signed_data().ends_with("provider-metadata.json\r\n"));
}
