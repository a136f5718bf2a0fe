//! Every line of every data file must pass.

use crate::data::{Expected, lines, parse_line};
use cvss::{Vector, Version};

fn t(s: Option<cvss::Score>) -> Option<i32> {
    s.map(|s| i32::from(s.tenths()))
}

/// Checks one line; returns a description of the mismatch, if any.
fn check(line: &str) -> Option<String> {
    let (input, expected) = parse_line(line);
    let parsed = Vector::parse(input);
    let exp = match (expected, &parsed) {
        (Expected::Invalid, Err(_)) => return None,
        (Expected::Invalid, Ok(v)) => return Some(format!("accepted invalid {input:?} as {v}")),
        (Expected::Scores(_), Err(e)) => return Some(format!("rejected {input:?}: {e}")),
        (Expected::Scores(s), Ok(_)) => s,
    };
    let v = parsed.ok()?;
    let s = v.scores();
    // The explanation's arithmetic (no lookup tables) gives the same scores.
    let same = match v.explain() {
        cvss::Explanation::V2 { detail, .. } => {
            [
                Some(detail.base),
                Some(detail.temporal),
                Some(detail.environmental),
            ] == [s.base, s.temporal, s.environmental]
        }
        cvss::Explanation::V3 { detail, .. } => {
            [
                Some(detail.base),
                Some(detail.temporal),
                Some(detail.environmental),
            ] == [s.base, s.temporal, s.environmental]
        }
        cvss::Explanation::V4 { detail, .. } => detail.score == s.score,
    };
    if !same {
        return Some(format!("{input}: explanation disagrees with scores {s:?}"));
    }
    let ok = match v {
        Vector::V4(_) => {
            exp.first() == Some(&Some(i32::from(s.score.tenths()))) && s.base.is_none()
        }
        Vector::V3(_) => {
            let (b, tt, e) = (t(s.base), t(s.temporal), t(s.environmental));
            match exp.len() {
                1 => exp[0] == b,
                3 => exp[0] == b && exp[1] == tt && exp[2] == e,
                _ => false,
            }
        }
        Vector::V2(v2) => {
            let (b, tt, e) = (t(s.base), t(s.temporal), t(s.environmental));
            exp.len() == 3
                && exp[0] == b
                // The reference reports an unset group as None; the specification's
                // value for it is then the previous group's score.
                && match exp[1] {
                    Some(x) => v2.has_temporal() && Some(x) == tt,
                    None => !v2.has_temporal() && tt == b,
                }
                && match exp[2] {
                    Some(x) => Some(x) == e,
                    None => !v2.has_environmental() && e == tt,
                }
        }
    };
    (!ok).then(|| format!("{input}: expected {exp:?}, got {s:?}"))
}

fn check_file(name: &str, version: Option<Version>) {
    let lines = lines(name);
    assert!(!lines.is_empty(), "{name} is empty");
    let mut failures = Vec::new();
    for line in &lines {
        if let Some(f) = check(line) {
            failures.push(f);
        }
        if let (Some(ver), (input, Expected::Scores(_))) = (version, parse_line(line))
            && let Ok(v) = Vector::parse(input)
        {
            assert_eq!(v.version(), ver, "{input}");
        }
    }
    assert!(
        failures.is_empty(),
        "{name}: {} of {} lines fail, first ones:\n{}",
        failures.len(),
        lines.len(),
        failures
            .iter()
            .take(15)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}

#[test]
fn v2_simple() {
    check_file("vectors_simple2.txt", Some(Version::V2));
}
#[test]
fn v2_calculator() {
    check_file("vectors_calculator2.txt", Some(Version::V2));
}
#[test]
fn v2_cvsslib() {
    check_file("vectors_cvsslib2.txt", Some(Version::V2));
}
#[test]
fn v2_random() {
    check_file("gen_v2_random.txt", Some(Version::V2));
}
#[test]
fn v30_simple() {
    check_file("vectors_simple3.txt", Some(Version::V30));
}
#[test]
fn v30_calculator() {
    check_file("vectors_calculator3.txt", Some(Version::V30));
}
#[test]
fn v30_cvsslib() {
    check_file("vectors_cvsslib3.txt", Some(Version::V30));
}
#[test]
fn v30_random() {
    check_file("gen_v30_random.txt", Some(Version::V30));
}
#[test]
fn v30_rounding_ties() {
    check_file("v30_rounding_ties.txt", Some(Version::V30));
}
#[test]
fn v31_simple() {
    check_file("vectors_simple31.txt", Some(Version::V31));
}
#[test]
fn v31_random() {
    check_file("gen_v31_random.txt", Some(Version::V31));
}
#[test]
fn v4_simple() {
    check_file("vectors_simple4.txt", Some(Version::V40));
}
#[test]
fn v4_supplemental() {
    check_file("vectors_supplemental4.txt", Some(Version::V40));
}
#[test]
fn v4_security() {
    check_file("vectors_security4.txt", Some(Version::V40));
}
#[test]
fn v4_threat() {
    check_file("vectors_threat4.txt", Some(Version::V40));
}
#[test]
fn v4_first_reference() {
    check_file("first_v4_reference.txt", Some(Version::V40));
}
#[test]
fn v4_base_all() {
    check_file("gen_v4_base_all.txt", Some(Version::V40));
}
#[test]
fn v4_random() {
    check_file("gen_v4_random.txt", Some(Version::V40));
}
#[test]
fn v4_rounding_ties() {
    check_file("v4_rounding_ties.txt", Some(Version::V40));
}
#[test]
fn first_doc_examples() {
    check_file("first_doc_examples.txt", None);
}

/// The pre-fix calculator's value differs on every tie line: the fix matters.
#[test]
fn v4_ties_differ_from_prefix_rounding() {
    for line in lines("v4_rounding_ties.txt") {
        let (input, rest) = line.split_once(" - ").expect("separator");
        let nums: Vec<f64> = rest
            .trim_matches(|c| c == '(' || c == ')')
            .split(',')
            .map(|x| x.trim().parse().expect("number"))
            .collect();
        let v = Vector::parse(input).expect("valid");
        assert_eq!(f64::from(v.score()), nums[0], "{input}");
        assert_ne!(f64::from(v.score()), nums[1], "{input}");
    }
}

/// v3.0 float Roundup is not exact-decimal Roundup on these lines.
#[test]
fn v30_ties_differ_from_exact_decimal() {
    for line in lines("v30_rounding_ties.txt") {
        let (input, rest) = line.split_once(" - ").expect("separator");
        let second = rest.split(") (").nth(1).expect("second tuple");
        let exact: Vec<i32> = second
            .trim_end_matches(')')
            .split(',')
            .map(|x| (x.trim().parse::<f64>().expect("number") * 10.0).round() as i32)
            .collect();
        let s = Vector::parse(input).expect("valid").scores();
        let got = [s.base, s.temporal, s.environmental].map(|x| x.map(|x| i32::from(x.tenths())));
        assert_ne!(
            got.to_vec(),
            exact.into_iter().map(Some).collect::<Vec<_>>(),
            "{input}"
        );
    }
}
