//! The small CVSS stand-in against reference scores (Red Hat `cvss` test vectors and the
//! generated sets of the shared data; developer halves).

use advisory::CvssVector;

use crate::common::data_dir;

/// `(vector, base score)` from a `VECTOR - (base, temporal, environmental)` file.
fn cases(file: &str) -> Vec<(String, f64)> {
    let text = std::fs::read_to_string(data_dir().join("cvss").join(file)).expect("vector file");
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let (vector, scores) = l.split_once(" - ").expect("separator");
            let base = scores
                .trim_start_matches('(')
                .split(',')
                .next()
                .expect("base score")
                .trim();
            (vector.to_owned(), base.parse::<f64>().expect("number"))
        })
        .collect()
}

fn check(file: &str, min_cases: usize) {
    let cases = cases(file);
    assert!(cases.len() >= min_cases, "{file}: {} cases", cases.len());
    let mut wrong = Vec::new();
    for (vector, want) in &cases {
        let v = CvssVector::parse(vector).unwrap_or_else(|e| panic!("{vector}: {e}"));
        let got = v.base_score().expect("a base score");
        if (got - want).abs() > 1e-9 {
            wrong.push(format!("{vector}: got {got}, want {want}"));
        }
    }
    assert!(
        wrong.is_empty(),
        "{file}: {} wrong, e.g. {:?}",
        wrong.len(),
        &wrong[..wrong.len().min(5)]
    );
}

#[test]
fn v2_base_scores_match_the_reference() {
    check("vectors_simple2.txt", 300);
    check("gen_v2_random.txt", 9000);
}

#[test]
fn v3_0_base_scores_match_the_reference() {
    check("vectors_simple3.txt", 1000);
}

#[test]
fn v3_1_base_scores_match_the_reference() {
    check("vectors_simple31.txt", 1000);
}

#[test]
fn malformed_vectors_are_rejected() {
    for bad in [
        "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H",
        "CVSS:3.1/AV:X/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
        "CVSS:3.1/AV:N/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
        "CVSS:3.2/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
        "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N",
        "AV:N/AC:L/Au:N/C:P/I:P",
        // v4.0 fixes the metric order (as the OSV schema's CVSS_V4 pattern does).
        "CVSS:4.0/AC:L/AV:N/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
        "",
    ] {
        assert!(CvssVector::parse(bad).is_err(), "accepted {bad:?}");
    }
}

#[test]
fn parenthesised_v2_vectors_are_read_without_the_parentheses() {
    let v = CvssVector::parse("(AV:N/AC:L/Au:N/C:P/I:P/A:P)").expect("valid");
    assert_eq!(v.as_str(), "AV:N/AC:L/Au:N/C:P/I:P/A:P");
    // The expected score is the reference set's for the same vector.
    let want = cases("gen_v2_random.txt")
        .into_iter()
        .find(|(vector, _)| vector == "AV:N/AC:L/Au:N/C:P/I:P/A:P")
        .map(|(_, score)| score)
        .expect("the vector is in the reference set");
    assert_eq!(v.base_score(), Some(want));
}
