//! Scores, severities and v4 nomenclature.

use core::fmt;

/// A CVSS score in tenths (0.0 to 10.0), so that it prints and compares exactly.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Score(u8);

impl Score {
    /// 0.0
    pub const MIN: Score = Score(0);
    /// 10.0
    pub const MAX: Score = Score(100);

    /// From tenths (`98` is 9.8); `None` above 100.
    pub const fn from_tenths(tenths: u8) -> Option<Score> {
        if tenths <= 100 {
            Some(Score(tenths))
        } else {
            None
        }
    }

    /// Clamps into 0..=100 tenths.
    pub(crate) fn clamped(tenths: i128) -> Score {
        Score(tenths.clamp(0, 100) as u8)
    }

    /// The score in tenths (`98` for 9.8).
    pub const fn tenths(self) -> u8 {
        self.0
    }

    /// The score as a number (the nearest `f64` to the one-decimal value).
    pub fn value(self) -> f64 {
        f64::from(self.0) / 10.0
    }
}

impl fmt::Display for Score {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.0 / 10, self.0 % 10)
    }
}

impl From<Score> for f64 {
    fn from(s: Score) -> f64 {
        s.value()
    }
}

/// Qualitative severity rating.
///
/// CVSS v3.x and v4.0 (specification §5): None 0.0, Low 0.1–3.9, Medium 4.0–6.9,
/// High 7.0–8.9, Critical 9.0–10.0. CVSS v2 defines no bands; NVD's are used:
/// Low 0.0–3.9, Medium 4.0–6.9, High 7.0–10.0.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// 0.0 (v3.x, v4.0 only)
    None,
    /// Low
    Low,
    /// Medium
    Medium,
    /// High
    High,
    /// Critical (v3.x, v4.0 only)
    Critical,
}

impl Severity {
    /// The CVSS v3.x / v4.0 band of a score.
    pub fn from_score(score: Score) -> Severity {
        match score.tenths() {
            0 => Severity::None,
            1..=39 => Severity::Low,
            40..=69 => Severity::Medium,
            70..=89 => Severity::High,
            _ => Severity::Critical,
        }
    }

    /// NVD's CVSS v2 band of a score.
    pub fn from_score_v2(score: Score) -> Severity {
        match score.tenths() {
            0..=39 => Severity::Low,
            40..=69 => Severity::Medium,
            _ => Severity::High,
        }
    }

    /// The English name, as FIRST writes it (`"Critical"`).
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::None => "None",
            Severity::Low => "Low",
            Severity::Medium => "Medium",
            Severity::High => "High",
            Severity::Critical => "Critical",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The name [`Severity::as_str`] gives (`"Critical"`), exactly.
impl core::str::FromStr for Severity {
    type Err = UnknownName;

    fn from_str(s: &str) -> Result<Self, UnknownName> {
        [
            Severity::None,
            Severity::Low,
            Severity::Medium,
            Severity::High,
            Severity::Critical,
        ]
        .into_iter()
        .find(|v| v.as_str() == s)
        .ok_or(UnknownName)
    }
}

/// A name that is no severity or version.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UnknownName;

impl fmt::Display for UnknownName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("unknown name")
    }
}

impl core::error::Error for UnknownName {}

/// CVSS v4.0 nomenclature: which metric groups contributed to the score.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Nomenclature {
    /// CVSS-B: base metrics only.
    B,
    /// CVSS-BT: base and threat.
    BT,
    /// CVSS-BE: base and environmental.
    BE,
    /// CVSS-BTE: base, threat and environmental.
    BTE,
}

impl Nomenclature {
    /// `"CVSS-B"`, `"CVSS-BT"`, `"CVSS-BE"` or `"CVSS-BTE"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Nomenclature::B => "CVSS-B",
            Nomenclature::BT => "CVSS-BT",
            Nomenclature::BE => "CVSS-BE",
            Nomenclature::BTE => "CVSS-BTE",
        }
    }
}

impl fmt::Display for Nomenclature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// CVSS version.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Version {
    /// CVSS v2.0
    V2,
    /// CVSS v3.0
    V30,
    /// CVSS v3.1
    V31,
    /// CVSS v4.0
    V40,
}

impl Version {
    /// `"2.0"`, `"3.0"`, `"3.1"` or `"4.0"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Version::V2 => "2.0",
            Version::V30 => "3.0",
            Version::V31 => "3.1",
            Version::V40 => "4.0",
        }
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The number [`Version::as_str`] gives (`"3.1"`), exactly.
impl core::str::FromStr for Version {
    type Err = UnknownName;

    fn from_str(s: &str) -> Result<Self, UnknownName> {
        [Version::V2, Version::V30, Version::V31, Version::V40]
            .into_iter()
            .find(|v| v.as_str() == s)
            .ok_or(UnknownName)
    }
}

/// All scores of one vector.
///
/// For v2 and v3.x the three group scores are always present (computed per the
/// specification when a group is absent: absent metrics are "Not Defined"), and
/// `score` is the environmental score if any environmental metric is set (not
/// `X`/`ND`), else the temporal score if any temporal metric is set, else the base
/// score. For v4.0 the group fields are `None`, `score` is the one score and
/// `nomenclature` says which groups contributed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Scores {
    /// Version of the vector.
    pub version: Version,
    /// Base score (v2, v3.x).
    pub base: Option<Score>,
    /// Temporal score (v2, v3.x).
    pub temporal: Option<Score>,
    /// Environmental score (v2, v3.x).
    pub environmental: Option<Score>,
    /// The score that represents the vector.
    pub score: Score,
    /// Severity of `score`.
    pub severity: Severity,
    /// v4.0 nomenclature.
    pub nomenclature: Option<Nomenclature>,
}
