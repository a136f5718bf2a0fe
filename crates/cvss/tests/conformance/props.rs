//! Property tests over generated vectors of every version.

use cvss::{Nomenclature, ParseOptions, Severity, Vector, Version, diff};
use proptest::prelude::*;

/// Metric names and allowed values of a version, in canonical order, and how
/// many leading metrics are mandatory.
fn table(version: Version) -> (Vec<(&'static str, &'static [&'static str])>, usize) {
    match version {
        Version::V2 => (
            cvss::v2::Metric::ALL
                .iter()
                .map(|m| (m.name(), m.values()))
                .collect(),
            6,
        ),
        Version::V30 | Version::V31 => (
            cvss::v3::Metric::ALL
                .iter()
                .map(|m| (m.name(), m.values()))
                .collect(),
            8,
        ),
        Version::V40 => (
            cvss::v4::Metric::ALL
                .iter()
                .map(|m| (m.name(), m.values()))
                .collect(),
            11,
        ),
    }
}

fn prefix(version: Version) -> &'static str {
    match version {
        Version::V2 => "",
        Version::V30 => "CVSS:3.0/",
        Version::V31 => "CVSS:3.1/",
        Version::V40 => "CVSS:4.0/",
    }
}

/// A valid vector: every mandatory metric, each optional one with probability
/// 1/2, values uniform; the components in canonical order and shuffled.
fn vector(version: Version) -> impl Strategy<Value = (String, String)> {
    let (metrics, mandatory) = table(version);
    let n = metrics.len();
    (proptest::collection::vec(any::<u16>(), n), Just(()))
        .prop_flat_map(move |(picks, ())| {
            let comps: Vec<String> = metrics
                .iter()
                .zip(&picks)
                .enumerate()
                .filter_map(|(i, ((name, values), &p))| {
                    let p = usize::from(p);
                    if i >= mandatory && p % 2 == 0 {
                        return None;
                    }
                    Some(format!("{name}:{}", values[(p / 2) % values.len()]))
                })
                .collect();
            (Just(comps.clone()), Just(comps).prop_shuffle())
        })
        .prop_map(move |(canonical, shuffled)| {
            (
                format!("{}{}", prefix(version), canonical.join("/")),
                format!("{}{}", prefix(version), shuffled.join("/")),
            )
        })
}

fn any_version() -> impl Strategy<Value = Version> {
    prop_oneof![
        Just(Version::V2),
        Just(Version::V30),
        Just(Version::V31),
        Just(Version::V40)
    ]
}

fn any_vector() -> impl Strategy<Value = (String, String)> {
    any_version().prop_flat_map(vector)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    /// Canonical rendering round-trips, and a canonical-order input renders to itself.
    #[test]
    fn round_trip((canonical, _) in any_vector()) {
        let v = Vector::parse(&canonical).expect("valid");
        prop_assert_eq!(v.to_string(), canonical.clone());
        prop_assert_eq!(Vector::parse(&v.to_string()), Ok(v));
    }

    /// v2 and v3 accept any order; v4 only leniently, unless the order is canonical.
    #[test]
    fn order((canonical, shuffled) in any_vector()) {
        let v = Vector::parse(&canonical).expect("valid");
        let lenient = ParseOptions { v4_any_order: true };
        prop_assert_eq!(Vector::parse_with(&shuffled, lenient), Ok(v));
        match v.version() {
            Version::V40 if shuffled != canonical => {
                let err = Vector::parse(&shuffled);
                prop_assert!(
                    matches!(err, Err(cvss::ParseError::OutOfOrder { .. })),
                    "{:?}",
                    err
                );
            }
            _ => prop_assert_eq!(Vector::parse(&shuffled), Ok(v)),
        }
    }

    /// Scores lie in 0.0..=10.0, severity matches the band of the score, the
    /// representative score follows the group rule, v4 nomenclature follows E and
    /// the environmental metrics.
    #[test]
    fn scores_and_severity((canonical, _) in any_vector()) {
        let v = Vector::parse(&canonical).expect("valid");
        let s = v.scores();
        prop_assert!(s.score.value() >= 0.0 && s.score.value() <= 10.0);
        for g in [s.base, s.temporal, s.environmental].into_iter().flatten() {
            prop_assert!(g.tenths() <= 100);
        }
        let t = f64::from(s.score);
        let expected = if v.version() == Version::V2 {
            // NVD's v2 bands.
            if t < 4.0 { Severity::Low } else if t < 7.0 { Severity::Medium } else { Severity::High }
        } else if t == 0.0 {
            Severity::None
        } else if t < 4.0 {
            Severity::Low
        } else if t < 7.0 {
            Severity::Medium
        } else if t < 9.0 {
            Severity::High
        } else {
            Severity::Critical
        };
        prop_assert_eq!(s.severity, expected);
        prop_assert_eq!(v.severity(), expected);
        prop_assert_eq!(v.score(), s.score);
        let defined = |names: &[&str]| {
            v.metrics().any(|(n, val)| names.contains(&n) && val != "X" && val != "ND")
        };
        match v {
            Vector::V4(_) => {
                prop_assert!(s.base.is_none() && s.temporal.is_none() && s.environmental.is_none());
                let threat = defined(&["E"]);
                let env = defined(&[
                    "CR", "IR", "AR", "MAV", "MAC", "MAT", "MPR", "MUI", "MVC", "MVI", "MVA",
                    "MSC", "MSI", "MSA",
                ]);
                let nom = match (threat, env) {
                    (false, false) => Nomenclature::B,
                    (true, false) => Nomenclature::BT,
                    (false, true) => Nomenclature::BE,
                    (true, true) => Nomenclature::BTE,
                };
                prop_assert_eq!(s.nomenclature, Some(nom));
            }
            _ => {
                let (temporal, env): (&[&str], &[&str]) = if v.version() == Version::V2 {
                    (&["E", "RL", "RC"], &["CDP", "TD", "CR", "IR", "AR"])
                } else {
                    (
                        &["E", "RL", "RC"],
                        &["CR", "IR", "AR", "MAV", "MAC", "MPR", "MUI", "MS", "MC", "MI", "MA"],
                    )
                };
                let want = if defined(env) {
                    s.environmental
                } else if defined(temporal) {
                    s.temporal
                } else {
                    s.base
                };
                prop_assert_eq!(Some(s.score), want);
                prop_assert!(s.nomenclature.is_none());
            }
        }
    }

    /// Supplemental metrics never change a v4 score or nomenclature.
    #[test]
    fn v4_supplemental_is_inert((canonical, _) in vector(Version::V40)) {
        let v = Vector::parse(&canonical).expect("valid");
        let base: Vec<String> = v
            .metrics()
            .filter(|(n, _)| !["S", "AU", "R", "V", "RE", "U"].contains(n))
            .map(|(n, val)| format!("{n}:{val}"))
            .collect();
        let stripped = Vector::parse(&format!("CVSS:4.0/{}", base.join("/"))).expect("valid");
        prop_assert_eq!(stripped.scores().score, v.scores().score);
        prop_assert_eq!(stripped.scores().nomenclature, v.scores().nomenclature);
    }

    /// A vector compared with itself changes nothing; swapping sides negates.
    #[test]
    fn diff_symmetry((a, _) in any_vector(), (b, _) in any_vector()) {
        let a = Vector::parse(&a).expect("valid");
        let b = Vector::parse(&b).expect("valid");
        let same = diff(&a, &a);
        prop_assert_eq!(same.changes().count(), 0);
        prop_assert_eq!(same.score_change_tenths(), 0);
        let ab = diff(&a, &b);
        let ba = diff(&b, &a);
        prop_assert_eq!(ab.score_change_tenths(), -ba.score_change_tenths());
        prop_assert_eq!(ab.changes().count(), ba.changes().count());
        prop_assert_eq!(ab.severity_changed(), ba.severity_changed());
    }

    /// The explanation ends with the score and severity.
    #[test]
    fn explanation_states_score((canonical, _) in any_vector()) {
        let v = Vector::parse(&canonical).expect("valid");
        let text = v.explain().to_string();
        let s = v.scores();
        let last = text.lines().last().unwrap_or_default();
        let want = format!("Score {} ({}", s.score, s.severity);
        prop_assert!(last.starts_with(&want), "{}", text);
    }

    /// The parser never panics, whatever the input; errors display as text.
    #[test]
    fn arbitrary_input_never_panics(s in ".{0,80}") {
        if let Err(e) = Vector::parse(&s) {
            prop_assert!(!e.to_string().is_empty());
        }
    }

    /// Damaging one byte of a valid vector never panics; an accepted result is
    /// a valid vector that round-trips.
    #[test]
    fn mutated_vectors((canonical, _) in any_vector(), pos in any::<usize>(), byte in any::<u8>()) {
        let mut bytes = canonical.into_bytes();
        let i = pos % bytes.len();
        bytes[i] = byte;
        let s = String::from_utf8_lossy(&bytes).into_owned();
        match Vector::parse(&s) {
            Ok(v) => prop_assert_eq!(Vector::parse(&v.to_string()), Ok(v)),
            Err(e) => prop_assert!(!e.to_string().is_empty()),
        }
    }
}
