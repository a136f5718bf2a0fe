//! The `serde` feature (enabled for tests through the self dev-dependency).

use cvss::{Nomenclature, Score, Severity, Vector, Version};
use serde_json::json;

#[test]
fn vector_round_trips_as_canonical_string() {
    let v = Vector::parse("CVSS:3.1/S:U/AV:N/AC:L/PR:N/UI:N/C:H/I:H/A:H").expect("valid");
    let j = serde_json::to_value(v).expect("serialize");
    assert_eq!(j, json!("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"));
    let back: Vector = serde_json::from_value(j).expect("deserialize");
    assert_eq!(back, v);
}

#[test]
fn invalid_vector_is_a_deserialization_error_naming_the_metric() {
    let e = serde_json::from_str::<Vector>("\"CVSS:3.1/AV:Q/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H\"")
        .expect_err("invalid");
    assert!(
        e.to_string().contains("invalid value `Q` for metric AV"),
        "{e}"
    );
    assert!(serde_json::from_str::<Vector>("42").is_err());
}

#[test]
fn scores_serialize_as_the_cli_shape() {
    // first_doc_examples.txt: 5.1 for this v4 vector; v4 group fields are null.
    let v = Vector::parse("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:A/VC:N/VI:N/VA:N/SC:L/SI:L/SA:N")
        .expect("valid");
    assert_eq!(
        serde_json::to_value(v.scores()).expect("serialize"),
        json!({
            "version": "4.0", "base": null, "temporal": null, "environmental": null,
            "score": 5.1, "severity": "Medium", "nomenclature": "CVSS-B"
        })
    );
    // first_doc_examples.txt: (7.8, 6.4, 6.4).
    let v2 = Vector::parse("AV:N/AC:L/Au:N/C:N/I:N/A:C/E:F/RL:OF/RC:C").expect("valid");
    assert_eq!(
        serde_json::to_value(v2.scores()).expect("serialize"),
        json!({
            "version": "2.0", "base": 7.8, "temporal": 6.4, "environmental": 6.4,
            "score": 6.4, "severity": "Medium", "nomenclature": null
        })
    );
}

#[test]
fn small_types() {
    let s: Score = serde_json::from_str("9.8").expect("score");
    assert_eq!(s.tenths(), 98);
    assert!(serde_json::from_str::<Score>("10.1").is_err());
    assert!(serde_json::from_str::<Score>("9.85").is_err());
    assert!(serde_json::from_str::<Score>("-0.1").is_err());
    assert_eq!(serde_json::to_string(&s).expect("ser"), "9.8");
    let sev: Severity = serde_json::from_str("\"High\"").expect("severity");
    assert_eq!(sev, Severity::High);
    assert!(serde_json::from_str::<Severity>("\"high\"").is_err());
    let ver: Version = serde_json::from_value(json!("3.0")).expect("version");
    assert_eq!(ver, Version::V30);
    let nom: Nomenclature = serde_json::from_value(json!("CVSS-BTE")).expect("nomenclature");
    assert_eq!(nom, Nomenclature::BTE);
}
