//! Serde support (feature `serde`): vectors as their canonical string, scores as
//! numbers with one decimal, severities, versions and nomenclature as their names.

use crate::{Nomenclature, Score, Scores, Severity, Vector, Version};
use core::fmt;
use serde::de::{self, Visitor};
use serde::ser::SerializeStruct;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

impl Serialize for Vector {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

struct VectorVisitor;

impl Visitor<'_> for VectorVisitor {
    type Value = Vector;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a CVSS vector string")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Vector, E> {
        Vector::parse(v).map_err(E::custom)
    }
}

impl<'de> Deserialize<'de> for Vector {
    /// Strict parsing, as [`Vector::parse`].
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_str(VectorVisitor)
    }
}

impl Serialize for Score {
    /// As a number with one decimal (`9.8`).
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_f64(self.value())
    }
}

impl<'de> Deserialize<'de> for Score {
    /// From a number in 0.0..=10.0 with at most one decimal.
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let x = f64::deserialize(d)?;
        let t = (x * 10.0).round();
        if !(0.0..=100.0).contains(&t) || (t / 10.0 - x).abs() > 1e-9 {
            return Err(de::Error::custom(format_args!(
                "invalid CVSS score {x}: expected 0.0 to 10.0 with one decimal"
            )));
        }
        Score::from_tenths(t as u8).ok_or_else(|| de::Error::custom("invalid CVSS score"))
    }
}

/// Serializes and deserializes a unit-like enum by its `as_str` name.
macro_rules! by_name {
    ($ty:ty, $what:literal, [$($variant:expr),+]) => {
        impl Serialize for $ty {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> Deserialize<'de> for $ty {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let name = String::deserialize(d)?;
                [$($variant),+]
                    .into_iter()
                    .find(|v: &$ty| v.as_str() == name)
                    .ok_or_else(|| de::Error::custom(format_args!(concat!("unknown ", $what, " {:?}"), name)))
            }
        }
    };
}

by_name!(
    Severity,
    "severity",
    [
        Severity::None,
        Severity::Low,
        Severity::Medium,
        Severity::High,
        Severity::Critical
    ]
);
by_name!(
    Version,
    "CVSS version",
    [Version::V2, Version::V30, Version::V31, Version::V40]
);
by_name!(
    Nomenclature,
    "nomenclature",
    [
        Nomenclature::B,
        Nomenclature::BT,
        Nomenclature::BE,
        Nomenclature::BTE
    ]
);

impl Serialize for Scores {
    /// `{"version", "base", "temporal", "environmental", "score", "severity",
    /// "nomenclature"}`; absent values are `null`.
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut st = s.serialize_struct("Scores", 7)?;
        st.serialize_field("version", &self.version)?;
        st.serialize_field("base", &self.base)?;
        st.serialize_field("temporal", &self.temporal)?;
        st.serialize_field("environmental", &self.environmental)?;
        st.serialize_field("score", &self.score)?;
        st.serialize_field("severity", &self.severity)?;
        st.serialize_field("nomenclature", &self.nomenclature)?;
        st.end()
    }
}
