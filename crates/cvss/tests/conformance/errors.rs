//! Precise, typed parse errors.

use cvss::{ParseError, ParseOptions, Vector};

fn err(s: &str) -> ParseError {
    match Vector::parse(s) {
        Ok(v) => panic!("{s:?} was accepted as {v}"),
        Err(e) => e,
    }
}

const V4: &str = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N";

#[test]
fn unknown_metric() {
    let e = err("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/XX:Y");
    assert!(matches!(e, ParseError::UnknownMetric { metric, .. } if metric.as_str() == "XX"));
    assert_eq!(e.to_string(), "unknown metric `XX` for CVSS 3.1");
    // A v3 metric in a v4 vector.
    let e = err("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/RL:O");
    assert!(matches!(e, ParseError::UnknownMetric { metric, .. } if metric.as_str() == "RL"));
    assert_eq!(
        e.to_string(),
        "unknown metric `RL` for CVSS 4.0 (it is a CVSS v3 metric: check the prefix)"
    );
    let e = err("CVSS:4.0/:P/AC:H/AT:P/PR:L/UI:P/VC:N/VI:H/VA:H/SC:L/SI:H/SA:N");
    assert_eq!(
        e.to_string(),
        "empty metric name (a component starts with `:`)"
    );
    // v4 metrics behind a v3.1 prefix.
    let e = err("CVSS:3.1/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N");
    assert_eq!(
        e,
        ParseError::UnknownMetric {
            metric: match e {
                ParseError::UnknownMetric { metric, .. } => metric,
                _ => panic!("{e:?}"),
            },
            version: cvss::Version::V31,
            defined_in: Some(cvss::Version::V40),
        }
    );
    assert_eq!(
        e.to_string(),
        "unknown metric `AT` for CVSS 3.1 (it is a CVSS 4.0 metric: check the prefix)"
    );
}

#[test]
fn bad_value() {
    let e = err("CVSS:3.1/AV:Q/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H");
    assert_eq!(
        e,
        ParseError::InvalidValue {
            metric: "AV",
            value: match err("CVSS:3.1/AV:Q/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H") {
                ParseError::InvalidValue { value, .. } => value,
                other => panic!("{other:?}"),
            }
        }
    );
    assert_eq!(e.to_string(), "invalid value `Q` for metric AV");
    let e = err("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:");
    assert_eq!(e.to_string(), "empty value for metric SA");
    // S (Safety) is only an environmental value.
    let e = err("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:S/SA:N");
    assert!(matches!(e, ParseError::InvalidValue { metric: "SI", .. }));
    // PR:U is admitted by the v3.0 schema regex but is not a value.
    let e = err("CVSS:3.0/AV:N/AC:L/PR:U/UI:N/S:U/C:H/I:H/A:H");
    assert!(matches!(e, ParseError::InvalidValue { metric: "PR", .. }));
    // Values are case-sensitive too.
    let e = err("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/U:red");
    assert!(matches!(e, ParseError::InvalidValue { metric: "U", .. }));
    // Junk such as FIRST's corpus has.
    let e = err("CVSS:4.0/AV:P/AC:H/AT:N/PR:L/UI:P/VC:L/VI:H/VA:H/SC:N/SI:b'LQ=='/SA:H");
    assert_eq!(e.to_string(), "invalid value `b'LQ=='` for metric SI");
}

#[test]
fn duplicate() {
    let e = err("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/AV:L");
    assert_eq!(e, ParseError::DuplicateMetric { metric: "AV" });
    assert_eq!(e.to_string(), "duplicate metric AV");
    let e = err(&format!("{V4}/E:A/E:A"));
    assert_eq!(e, ParseError::DuplicateMetric { metric: "E" });
    let e = err("AV:N/AC:L/Au:N/C:P/I:P/A:P/AC:L");
    assert_eq!(e, ParseError::DuplicateMetric { metric: "AC" });
}

#[test]
fn missing_mandatory() {
    let e = err("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N");
    assert_eq!(e, ParseError::MissingMetric { metric: "SA" });
    assert_eq!(e.to_string(), "missing mandatory metric SA");
    let e = err("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/C:H/I:H/A:H");
    assert_eq!(e, ParseError::MissingMetric { metric: "S" });
    let e = err("AV:N/AC:L/C:P/I:P/A:P");
    assert_eq!(e, ParseError::MissingMetric { metric: "Au" });
    assert_eq!(err("CVSS:3.1/"), ParseError::MissingMetric { metric: "AV" });
    assert_eq!(err("CVSS:4.0"), ParseError::MissingMetric { metric: "AV" });
}

#[test]
fn prefix_and_case() {
    let e = err("cvss:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N");
    assert!(matches!(
        e,
        ParseError::WrongCase {
            expected: "CVSS:4.0",
            ..
        }
    ));
    assert_eq!(
        e.to_string(),
        "wrong letter case: `cvss:4.0`, expected `CVSS:4.0`"
    );
    let e = err("CVSS:4.0/av:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N");
    assert!(matches!(e, ParseError::WrongCase { expected: "AV", .. }));
    let e = err("CVSS:3.2/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H");
    assert!(matches!(e, ParseError::UnknownVersion { prefix } if prefix.as_str() == "CVSS:3.2"));
    let e = err("CVSS:2.0/AV:N/AC:L/Au:N/C:P/I:P/A:P");
    assert!(matches!(e, ParseError::UnknownVersion { .. }));
    // A v4 vector without its prefix.
    let e = err("AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N");
    assert!(matches!(e, ParseError::MissingPrefix { metric } if metric.as_str() == "AT"));
    // v2 names are case-sensitive: `Au`, not `AU`.
    let e = err("AV:N/AC:L/AU:N/C:P/I:P/A:P");
    assert!(matches!(e, ParseError::WrongCase { expected: "Au", .. }));
}

#[test]
fn malformed() {
    assert_eq!(err(""), ParseError::Empty);
    let e = err("CVSS:3.1/AV:N//AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H");
    assert!(matches!(e, ParseError::Malformed { component } if component.as_str().is_empty()));
    let e = err(&format!("{V4}/"));
    assert!(matches!(e, ParseError::Malformed { .. }));
    let e = err("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/AH");
    assert!(matches!(e, ParseError::Malformed { component } if component.as_str() == "AH"));
    // Surrounding spaces are not trimmed.
    assert!(Vector::parse(&format!(" {V4}")).is_err());
    assert!(Vector::parse(&format!("{V4} ")).is_err());
    // Unbalanced parentheses on v2.
    assert_eq!(
        err("(AV:N/AC:L/Au:N/C:P/I:P/A:P"),
        ParseError::UnbalancedParentheses
    );
    assert_eq!(
        err("AV:N/AC:L/Au:N/C:P/I:P/A:P)"),
        ParseError::UnbalancedParentheses
    );
    assert_eq!(
        err("(AV:N/AC:L/Au:N/C:P/I:P/A:P").to_string(),
        "unbalanced parentheses around a CVSS v2 vector"
    );
    assert_eq!(err("()"), ParseError::Empty);
    // Long or non-ASCII junk is cut at a character boundary, never panics.
    let long = format!("CVSS:3.1/AV:{}", "é".repeat(40));
    let e = err(&long);
    assert!(matches!(e, ParseError::InvalidValue { value, .. } if value.is_truncated()));
    assert!(Vector::parse("CVSS:é").is_err());
    assert!(Vector::parse("cvsS:\u{7f}").is_err());
}

#[test]
fn v4_order_strict_by_default_lenient_on_request() {
    let swapped = "CVSS:4.0/AC:L/AV:N/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N";
    let e = err(swapped);
    assert_eq!(
        e,
        ParseError::OutOfOrder {
            metric: "AV",
            after: "AC"
        }
    );
    let lenient =
        Vector::parse_with(swapped, ParseOptions { v4_any_order: true }).expect("lenient");
    assert_eq!(lenient, Vector::parse(V4).expect("canonical"));
    assert_eq!(lenient.to_string(), V4);
    assert_eq!(
        cvss::v4::Vector::parse_lenient(swapped).map(Vector::V4),
        Ok(lenient)
    );
    // Lenient order is still strict on everything else.
    let dup = "CVSS:4.0/AC:L/AV:N/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/AC:L";
    assert_eq!(
        Vector::parse_with(dup, ParseOptions { v4_any_order: true }),
        Err(ParseError::DuplicateMetric { metric: "AC" })
    );
    // Optional metrics out of order too.
    let e = err(&format!("{V4}/CR:H/E:A"));
    assert_eq!(
        e,
        ParseError::OutOfOrder {
            metric: "E",
            after: "CR"
        }
    );
}

#[test]
fn v3_any_order_v2_parentheses() {
    let a =
        Vector::parse("CVSS:3.0/S:U/AV:N/AC:L/PR:H/UI:N/C:L/I:L/A:N/E:F/RL:X").expect("any order");
    assert_eq!(
        a.to_string(),
        "CVSS:3.0/AV:N/AC:L/PR:H/UI:N/S:U/C:L/I:L/A:N/E:F/RL:X"
    );
    let p = Vector::parse("(AV:N/AC:L/Au:N/C:P/I:P/A:P)").expect("NVD form");
    assert_eq!(
        p,
        Vector::parse("AV:N/AC:L/Au:N/C:P/I:P/A:P").expect("plain")
    );
    assert_eq!(p.to_string(), "AV:N/AC:L/Au:N/C:P/I:P/A:P");
    let any = Vector::parse("A:P/AV:N/AC:L/Au:N/C:P/I:P").expect("v2 any order");
    assert_eq!(any, p);
}

#[test]
fn version_specific_parsers() {
    assert!(cvss::v3::Vector::parse("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H").is_ok());
    assert!(cvss::v3::Vector::parse(V4).is_err());
    assert!(cvss::v4::Vector::parse(V4).is_ok());
    assert!(cvss::v4::Vector::parse("AV:N/AC:L/Au:N/C:P/I:P/A:P").is_err());
    assert!(cvss::v2::Vector::parse("(AV:N/AC:L/Au:N/C:P/I:P/A:P)").is_ok());
    assert!(
        "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"
            .parse::<Vector>()
            .is_ok()
    );
}
