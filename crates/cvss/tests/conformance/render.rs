//! Canonical rendering, explanations and diffs on hand-checked examples.
//!
//! Expected scores come from the reference data files (cited per test);
//! MacroVectors and sub-scores are worked out by hand from the specifications.

use cvss::{Nomenclature, Score, Severity, Vector, Version, diff};

fn parse(s: &str) -> Vector {
    Vector::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"))
}

#[test]
fn canonical_forms() {
    // v2: parentheses dropped, guide order.
    assert_eq!(
        parse("(C:P/AV:N/AC:L/Au:N/I:P/A:P/E:F)").to_string(),
        "AV:N/AC:L/Au:N/C:P/I:P/A:P/E:F"
    );
    // v3: specification order; explicit X kept; version kept.
    assert_eq!(
        parse("CVSS:3.0/MAV:X/A:H/I:H/C:H/S:U/UI:N/PR:N/AC:L/AV:N").to_string(),
        "CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/MAV:X"
    );
    // v4: the canonical order is the input order (strict parser); U keeps its case.
    let v4 = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:U/MSI:S/U:Amber";
    assert_eq!(parse(v4).to_string(), v4);
    assert_eq!(parse(v4).get("U"), Some("Amber"));
    assert_eq!(parse(v4).get("MSA"), None);
    let names: Vec<&str> = parse(v4).metrics().map(|(n, _)| n).collect();
    assert_eq!(names.len(), 14);
    assert_eq!(names.last(), Some(&"U"));
}

#[test]
fn scores_struct_v3_and_v2() {
    // first_doc_examples.txt: (5.0, 4.6, 4.6) in v3.1 and (5.0, 4.7, 4.7) in v3.0.
    let s31 = parse("CVSS:3.1/AV:P/AC:H/PR:L/UI:R/S:U/C:L/I:L/A:H/E:H/RL:U/RC:U").scores();
    assert_eq!(s31.version, Version::V31);
    assert_eq!(s31.base.map(Score::tenths), Some(50));
    assert_eq!(s31.temporal.map(Score::tenths), Some(46));
    assert_eq!(s31.score.tenths(), 46);
    assert_eq!(s31.severity, Severity::Medium);
    assert_eq!(s31.nomenclature, None);
    let s30 = parse("CVSS:3.0/AV:P/AC:H/PR:L/UI:R/S:U/C:L/I:L/A:H/E:H/RL:U/RC:U").scores();
    assert_eq!(s30.temporal.map(Score::tenths), Some(47));
    // README example: no environmental metric, Scope changed: (9.0, 9.0, 9.1);
    // the representative score is the base score.
    let s = parse("CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:C/C:H/I:H/A:H").scores();
    assert_eq!(
        [s.base, s.temporal, s.environmental].map(|x| x.map(Score::tenths)),
        [Some(90), Some(90), Some(91)]
    );
    assert_eq!(s.score.tenths(), 90);
    assert_eq!(s.severity, Severity::Critical);
    // v2 guide: (10.0, 8.3, 8.3), NVD band High.
    let s2 = parse("AV:N/AC:L/Au:N/C:C/I:C/A:C/E:F/RL:OF/RC:C").scores();
    assert_eq!(s2.score.tenths(), 83);
    assert_eq!(s2.severity, Severity::High);
}

#[test]
fn v4_nomenclature_and_explanation() {
    // first_doc_examples.txt: 9.3. MacroVector by the EQ table: AV:N/PR:N/UI:N → EQ1 0;
    // AC:L/AT:N → EQ2 0; VC:H/VI:H → EQ3 0; SC/SI/SA all N → EQ4 2; E:X = A → EQ5 0;
    // CR:X = H with VC:H → EQ6 0.
    let v = parse("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N");
    let s = v.scores();
    assert_eq!(s.score.tenths(), 93);
    assert_eq!(s.nomenclature, Some(Nomenclature::B));
    assert_eq!(s.nomenclature.map(Nomenclature::as_str), Some("CVSS-B"));
    let text = v.explain().to_string();
    assert!(text.contains("MacroVector 000200"), "{text}");
    assert!(text.contains("EQ1 (AV, PR, UI)"), "{text}");
    assert!(text.ends_with("Score 9.3 (Critical), CVSS-B"), "{text}");
    match v.explain() {
        cvss::Explanation::V4 { detail, .. } => {
            assert_eq!(detail.macro_vector, [0, 0, 0, 2, 0, 0]);
            // cvss40_macrovector_lookup.json: "000200": 9.3
            assert_eq!(detail.macro_score.tenths(), 93);
            // The next lower MacroVector for EQ1, 100200, exists.
            assert!(detail.lower_scores[0].is_some());
            // max_composed (cvss40_scoring_tables.json): eq1 0 → AV:N/PR:N/UI:N, eq2 0 →
            // AC:L/AT:N, eq3 0 eq6 0 → VC:H/VI:H/VA:H/CR:H/IR:H/AR:H, eq4 2 → SC:L/SI:L/SA:L.
            assert_eq!(
                detail.highest_severity.map(|h| h.to_string()).as_deref(),
                Some("AV:N/PR:N/UI:N/AC:L/AT:N/VC:H/VI:H/VA:H/CR:H/IR:H/AR:H/SC:L/SI:L/SA:L")
            );
        }
        other => panic!("{other:?}"),
    }
    // No impact at all: 0.0 (first_doc_examples.txt), explained as such.
    let zero = parse("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:N/SC:N/SI:N/SA:N");
    assert_eq!(zero.score().tenths(), 0);
    assert_eq!(zero.severity(), Severity::None);
    assert!(zero.explain().to_string().contains("No impact"));
    // Threat and environmental groups change the nomenclature; X does not.
    let bt = parse("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:P");
    assert_eq!(bt.scores().nomenclature, Some(Nomenclature::BT));
    let bx = parse("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:X/CR:X");
    assert_eq!(bx.scores().nomenclature, Some(Nomenclature::B));
    let bte = parse("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:P/MAV:L");
    assert_eq!(bte.scores().nomenclature, Some(Nomenclature::BTE));
}

#[test]
fn v3_explanation_shows_sub_scores() {
    // CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H: ISS = 1 - 0.44^3 = 0.914816,
    // Impact = 6.42 × ISS = 5.8731, Exploitability = 8.22 × .85 × .77 × .85 × .85 = 3.8870.
    let text = parse("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H")
        .explain()
        .to_string();
    assert!(
        text.contains("ISS = 1 − (1−C)(1−I)(1−A) = 0.9148"),
        "{text}"
    );
    assert!(text.contains("Impact (scope unchanged) = 5.8731"), "{text}");
    assert!(text.contains("= 3.8870"), "{text}");
    assert!(text.ends_with("Score 9.8 (Critical)"), "{text}");
}

#[test]
fn v2_explanation() {
    // Guide: AV:N/AC:L/Au:N/C:N/I:N/A:C: Impact = 10.41 × 0.66 = 6.8706,
    // Exploitability = 20 × 1 × .71 × .704 = 9.9968, base 7.8.
    let text = parse("AV:N/AC:L/Au:N/C:N/I:N/A:C/E:F/RL:OF/RC:C")
        .explain()
        .to_string();
    assert!(text.contains("= 6.870600"), "{text}");
    assert!(text.contains("= 9.996800"), "{text}");
    assert!(text.contains("Environmental = Temporal = 6.4"), "{text}");
}

#[test]
fn rescoring_diff() {
    // The reporter said PR:N (9.3, Critical); the maintainer rescored to PR:H
    // (8.6, High): both scores from vectors_simple4.txt / first_doc_examples.txt.
    let before = parse("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N");
    let after = parse("CVSS:4.0/AV:N/AC:L/AT:N/PR:H/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N");
    let d = diff(&before, &after);
    let changes: Vec<_> = d.changes().collect();
    assert_eq!(changes.len(), 1);
    assert_eq!(changes[0].metric, "PR");
    assert_eq!(
        (changes[0].before, changes[0].after),
        (Some("N"), Some("H"))
    );
    assert_eq!(d.score_change_tenths(), -7);
    assert!(d.severity_changed());
    assert!(!d.version_changed());
    assert_eq!(
        d.to_string(),
        "CVSS 4.0: 9.3 Critical -> 8.6 High (-0.7)\n  PR: N -> H\n"
    );
    // X and absent are the same; a metric only in the second vector is listed.
    let a = parse("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:X");
    let b = parse("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/RL:O");
    let changes: Vec<_> = diff(&a, &b).changes().collect();
    assert_eq!(changes.len(), 1);
    assert_eq!(
        (changes[0].metric, changes[0].before, changes[0].after),
        ("RL", None, Some("O"))
    );
    // Across versions (the doc example: 4.6 in v3.1, 4.7 in v3.0).
    let v30 = parse("CVSS:3.0/AV:P/AC:H/PR:L/UI:R/S:U/C:L/I:L/A:H/E:H/RL:U/RC:U");
    let v31 = parse("CVSS:3.1/AV:P/AC:H/PR:L/UI:R/S:U/C:L/I:L/A:H/E:H/RL:U/RC:U");
    let d = diff(&v30, &v31);
    assert!(d.version_changed());
    assert_eq!(d.changes().count(), 0);
    assert_eq!(
        d.to_string(),
        "CVSS 3.0 -> 3.1: 4.7 Medium -> 4.6 Medium (-0.1)\n  no metric changed\n"
    );
}

#[test]
fn score_type() {
    assert_eq!(
        Score::from_tenths(98).map(|s| s.to_string()),
        Some("9.8".into())
    );
    assert_eq!(Score::from_tenths(100).map(f64::from), Some(10.0));
    assert_eq!(Score::from_tenths(101), None);
    assert_eq!(Score::MIN.to_string(), "0.0");
    assert_eq!(Severity::Critical.to_string(), "Critical");
    assert_eq!(Version::V31.to_string(), "3.1");
}
