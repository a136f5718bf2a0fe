//! The embedded v4 lookup table matches the JSON published with the calculator.

use crate::data::read;
use cvss::v4;

#[test]
fn macro_vector_lookup_matches_json() {
    let json: serde_json::Value =
        serde_json::from_str(&read("cvss40_macrovector_lookup.json")).expect("json");
    let map = json.as_object().expect("object");
    assert_eq!(map.len(), 270);
    let mut present = 0;
    for code in 0..1_000_000u32 {
        let s = format!("{code:06}");
        let d: Vec<u8> = s.bytes().map(|b| b - b'0').collect();
        if d[0] > 2 || d[1] > 1 || d[2] > 2 || d[3] > 2 || d[4] > 2 || d[5] > 1 {
            continue;
        }
        let eqs = [d[0], d[1], d[2], d[3], d[4], d[5]];
        let got = v4::macro_vector_score(eqs).map(f64::from);
        let want = map.get(&s).map(|v| v.as_f64().expect("number"));
        assert_eq!(got, want, "MacroVector {s}");
        present += usize::from(got.is_some());
    }
    assert_eq!(present, 270);
    assert_eq!(v4::macro_vector_score([3, 0, 0, 0, 0, 0]), None);
}

#[test]
fn scoring_tables_json_matches_documented_levels() {
    // The explanation relies on these depths; check a few against the JSON.
    let json: serde_json::Value =
        serde_json::from_str(&read("cvss40_scoring_tables.json")).expect("json");
    assert_eq!(json["max_severity"]["eq3eq6"]["2"]["1"], 10);
    assert_eq!(json["max_severity"]["eq1"]["2"], 5);
}
