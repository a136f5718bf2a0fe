//! CVSS vectors as validated strings.
//!
//! This is a deliberately small stand-in: it checks vector syntax by version prefix and
//! computes the v2.0 / v3.x base score that CVE and CSAF require next to the vector.
//! The workspace's `cvss` crate is the real engine; when it lands, `CvssVector::parse`
//! and `CvssVector::base_score` are the two places to delegate to it (including v4.0
//! scoring, which is not done here).

use serde::{Deserialize, Serialize};

/// A CVSS version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum CvssVersion {
    V2,
    V3_0,
    V3_1,
    V4_0,
}

impl CvssVersion {
    /// The version as written in CVE/CSAF `version` fields.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::V2 => "2.0",
            Self::V3_0 => "3.0",
            Self::V3_1 => "3.1",
            Self::V4_0 => "4.0",
        }
    }

    /// The OSV severity type.
    #[must_use]
    pub fn osv_type(self) -> &'static str {
        match self {
            Self::V2 => "CVSS_V2",
            Self::V3_0 | Self::V3_1 => "CVSS_V3",
            Self::V4_0 => "CVSS_V4",
        }
    }
}

/// A syntactically valid CVSS vector, with an optional known base score
/// (kept when a source states a score we cannot compute, i.e. v4.0 for now).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "CvssVectorRepr", into = "CvssVectorRepr")]
pub struct CvssVector {
    vector: String,
    version: CvssVersion,
    score: Option<f64>,
}

#[derive(Serialize, Deserialize)]
struct CvssVectorRepr {
    vector: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    score: Option<f64>,
}

impl TryFrom<CvssVectorRepr> for CvssVector {
    type Error = CvssError;
    fn try_from(r: CvssVectorRepr) -> Result<Self, CvssError> {
        let mut v = Self::parse(&r.vector)?;
        v.score = r.score;
        Ok(v)
    }
}

impl From<CvssVector> for CvssVectorRepr {
    fn from(v: CvssVector) -> Self {
        Self {
            vector: v.vector,
            score: v.score,
        }
    }
}

/// Why a vector is not valid.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CvssError {
    #[error("unknown CVSS version prefix in {0:?}")]
    UnknownVersion(String),
    #[error("malformed metric {0:?}")]
    Malformed(String),
    #[error("unknown metric {0:?}")]
    UnknownMetric(String),
    #[error("invalid value {value:?} for metric {metric}")]
    InvalidValue { metric: String, value: String },
    #[error("metric {0} given twice")]
    Duplicate(String),
    #[error("mandatory metric {0} missing")]
    Missing(String),
    #[error("metric {0} out of order (CVSS v4.0 fixes the order)")]
    Order(String),
}

type MetricTable = &'static [(&'static str, &'static [&'static str], bool)];

const V2_METRICS: MetricTable = &[
    ("AV", &["L", "A", "N"], true),
    ("AC", &["H", "M", "L"], true),
    ("Au", &["M", "S", "N"], true),
    ("C", &["N", "P", "C"], true),
    ("I", &["N", "P", "C"], true),
    ("A", &["N", "P", "C"], true),
    ("E", &["U", "POC", "F", "H", "ND"], false),
    ("RL", &["OF", "TF", "W", "U", "ND"], false),
    ("RC", &["UC", "UR", "C", "ND"], false),
    ("CDP", &["N", "L", "LM", "MH", "H", "ND"], false),
    ("TD", &["N", "L", "M", "H", "ND"], false),
    ("CR", &["L", "M", "H", "ND"], false),
    ("IR", &["L", "M", "H", "ND"], false),
    ("AR", &["L", "M", "H", "ND"], false),
];

const V3_METRICS: MetricTable = &[
    ("AV", &["N", "A", "L", "P"], true),
    ("AC", &["L", "H"], true),
    ("PR", &["N", "L", "H"], true),
    ("UI", &["N", "R"], true),
    ("S", &["U", "C"], true),
    ("C", &["H", "L", "N"], true),
    ("I", &["H", "L", "N"], true),
    ("A", &["H", "L", "N"], true),
    ("E", &["X", "U", "P", "F", "H"], false),
    ("RL", &["X", "O", "T", "W", "U"], false),
    ("RC", &["X", "U", "R", "C"], false),
    ("CR", &["X", "L", "M", "H"], false),
    ("IR", &["X", "L", "M", "H"], false),
    ("AR", &["X", "L", "M", "H"], false),
    ("MAV", &["X", "N", "A", "L", "P"], false),
    ("MAC", &["X", "L", "H"], false),
    ("MPR", &["X", "N", "L", "H"], false),
    ("MUI", &["X", "N", "R"], false),
    ("MS", &["X", "U", "C"], false),
    ("MC", &["X", "N", "L", "H"], false),
    ("MI", &["X", "N", "L", "H"], false),
    ("MA", &["X", "N", "L", "H"], false),
];

const V4_METRICS: MetricTable = &[
    ("AV", &["N", "A", "L", "P"], true),
    ("AC", &["L", "H"], true),
    ("AT", &["N", "P"], true),
    ("PR", &["N", "L", "H"], true),
    ("UI", &["N", "P", "A"], true),
    ("VC", &["H", "L", "N"], true),
    ("VI", &["H", "L", "N"], true),
    ("VA", &["H", "L", "N"], true),
    ("SC", &["H", "L", "N"], true),
    ("SI", &["H", "L", "N"], true),
    ("SA", &["H", "L", "N"], true),
    ("E", &["X", "A", "P", "U"], false),
    ("CR", &["X", "H", "M", "L"], false),
    ("IR", &["X", "H", "M", "L"], false),
    ("AR", &["X", "H", "M", "L"], false),
    ("MAV", &["X", "N", "A", "L", "P"], false),
    ("MAC", &["X", "L", "H"], false),
    ("MAT", &["X", "N", "P"], false),
    ("MPR", &["X", "N", "L", "H"], false),
    ("MUI", &["X", "N", "P", "A"], false),
    ("MVC", &["X", "H", "L", "N"], false),
    ("MVI", &["X", "H", "L", "N"], false),
    ("MVA", &["X", "H", "L", "N"], false),
    ("MSC", &["X", "H", "L", "N"], false),
    ("MSI", &["X", "S", "H", "L", "N"], false),
    ("MSA", &["X", "S", "H", "L", "N"], false),
    ("S", &["X", "N", "P"], false),
    ("AU", &["X", "N", "Y"], false),
    ("R", &["X", "A", "U", "I"], false),
    ("V", &["X", "D", "C"], false),
    ("RE", &["X", "L", "M", "H"], false),
    ("U", &["X", "Clear", "Green", "Amber", "Red"], false),
];

impl CvssVector {
    /// Checks the syntax of `vector` (version from its prefix; no prefix means v2.0).
    ///
    /// # Errors
    /// The first problem found.
    pub fn parse(vector: &str) -> Result<Self, CvssError> {
        // NVD writes some v2.0 vectors in parentheses: `(AV:N/AC:L/…)`.
        let vector = vector
            .strip_prefix('(')
            .and_then(|v| v.strip_suffix(')'))
            .unwrap_or(vector);
        let (version, body, table) = if let Some(rest) = vector.strip_prefix("CVSS:3.1/") {
            (CvssVersion::V3_1, rest, V3_METRICS)
        } else if let Some(rest) = vector.strip_prefix("CVSS:3.0/") {
            (CvssVersion::V3_0, rest, V3_METRICS)
        } else if let Some(rest) = vector.strip_prefix("CVSS:4.0/") {
            (CvssVersion::V4_0, rest, V4_METRICS)
        } else if vector.starts_with("CVSS:") {
            return Err(CvssError::UnknownVersion(vector.to_owned()));
        } else {
            (CvssVersion::V2, vector, V2_METRICS)
        };
        let mut seen = [false; 32];
        for part in body.split('/') {
            let (k, v) = part
                .split_once(':')
                .ok_or_else(|| CvssError::Malformed(part.to_owned()))?;
            let idx = table
                .iter()
                .position(|(name, _, _)| *name == k)
                .ok_or_else(|| CvssError::UnknownMetric(k.to_owned()))?;
            if !table[idx].1.contains(&v) {
                return Err(CvssError::InvalidValue {
                    metric: k.to_owned(),
                    value: v.to_owned(),
                });
            }
            if seen[idx] {
                return Err(CvssError::Duplicate(k.to_owned()));
            }
            if version == CvssVersion::V4_0 && seen[idx..].iter().any(|s| *s) {
                return Err(CvssError::Order(k.to_owned()));
            }
            seen[idx] = true;
        }
        if let Some((name, _, _)) = table
            .iter()
            .zip(seen)
            .find(|((_, _, mandatory), s)| *mandatory && !s)
            .map(|(m, _)| m)
        {
            return Err(CvssError::Missing((*name).to_owned()));
        }
        Ok(Self {
            vector: vector.to_owned(),
            version,
            score: None,
        })
    }

    /// Parses and remembers a base score stated by the source (used when we cannot compute it).
    ///
    /// # Errors
    /// As [`CvssVector::parse`].
    pub fn with_stated_score(vector: &str, score: Option<f64>) -> Result<Self, CvssError> {
        let mut v = Self::parse(vector)?;
        if v.version == CvssVersion::V4_0 {
            v.score = score;
        }
        Ok(v)
    }

    /// Sets the base score of a v4.0 vector, computed elsewhere (the workspace's `cvss`
    /// engine): CVE needs it to write `cvssV4_0` instead of an unscored `other` metric.
    /// Ignored for v2.0/v3.x, whose score is always computed from the vector here.
    #[must_use]
    pub fn with_base_score(mut self, score: f64) -> Self {
        if self.version == CvssVersion::V4_0 && (0.0..=10.0).contains(&score) {
            self.score = Some(score);
        }
        self
    }

    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.vector
    }

    #[must_use]
    pub fn version(&self) -> CvssVersion {
        self.version
    }

    fn metric(&self, name: &str) -> Option<&str> {
        let body = match self.version {
            CvssVersion::V2 => self.vector.as_str(),
            _ => self.vector.split_once('/').map_or("", |(_, b)| b),
        };
        body.split('/')
            .filter_map(|p| p.split_once(':'))
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v)
    }

    /// Base score: computed for v2.0 and v3.x, the stated one for v4.0 (if any).
    #[must_use]
    pub fn base_score(&self) -> Option<f64> {
        match self.version {
            CvssVersion::V2 => self.v2_base(),
            CvssVersion::V3_0 | CvssVersion::V3_1 => self.v3_base(),
            CvssVersion::V4_0 => self.score,
        }
    }

    /// Qualitative severity (v3/v4 scale, upper case as in CVE and CSAF); `None` for v2.0.
    #[must_use]
    pub fn base_severity(&self) -> Option<&'static str> {
        if self.version == CvssVersion::V2 {
            return None;
        }
        self.base_score().map(severity_of)
    }

    fn v3_base(&self) -> Option<f64> {
        let m = |k| self.metric(k).unwrap_or("");
        let scope_changed = m("S") == "C";
        let av = match m("AV") {
            "N" => 0.85,
            "A" => 0.62,
            "L" => 0.55,
            _ => 0.2,
        };
        let ac = if m("AC") == "L" { 0.77 } else { 0.44 };
        let pr = match (m("PR"), scope_changed) {
            ("N", _) => 0.85,
            ("L", false) => 0.62,
            ("L", true) => 0.68,
            ("H", false) => 0.27,
            _ => 0.5,
        };
        let ui = if m("UI") == "N" { 0.85 } else { 0.62 };
        let cia = |k| match m(k) {
            "H" => 0.56,
            "L" => 0.22,
            _ => 0.0,
        };
        let iss = 1.0 - (1.0 - cia("C")) * (1.0 - cia("I")) * (1.0 - cia("A"));
        let impact = if scope_changed {
            7.52 * (iss - 0.029) - 3.25 * (iss - 0.02f64).powi(15)
        } else {
            6.42 * iss
        };
        let exploitability = 8.22 * av * ac * pr * ui;
        if impact <= 0.0 {
            return Some(0.0);
        }
        let raw = if scope_changed {
            (1.08 * (impact + exploitability)).min(10.0)
        } else {
            (impact + exploitability).min(10.0)
        };
        Some(if self.version == CvssVersion::V3_1 {
            roundup_31(raw)
        } else {
            (raw * 10.0).ceil() / 10.0
        })
    }

    fn v2_base(&self) -> Option<f64> {
        let m = |k| self.metric(k).unwrap_or("");
        let av = match m("AV") {
            "L" => 0.395,
            "A" => 0.646,
            _ => 1.0,
        };
        let ac = match m("AC") {
            "H" => 0.35,
            "M" => 0.61,
            _ => 0.71,
        };
        let au = match m("Au") {
            "M" => 0.45,
            "S" => 0.56,
            _ => 0.704,
        };
        let cia = |k| match m(k) {
            "P" => 0.275,
            "C" => 0.660,
            _ => 0.0,
        };
        let impact = 10.41 * (1.0 - (1.0 - cia("C")) * (1.0 - cia("I")) * (1.0 - cia("A")));
        let exploitability = 20.0 * av * ac * au;
        let f: f64 = if impact == 0.0 { 0.0 } else { 1.176 };
        let raw = (0.6 * impact + 0.4 * exploitability - 1.5) * f;
        Some((raw * 10.0).round() / 10.0)
    }
}

/// CVSS v3.1 `Roundup` (Appendix A of the specification), exact for floating-point input.
fn roundup_31(x: f64) -> f64 {
    // The value is at most 10.0 here, so the conversion cannot overflow.
    #[allow(clippy::cast_possible_truncation)]
    let int_input = (x * 100_000.0).round() as i64;
    if int_input % 10_000 == 0 {
        int_input as f64 / 100_000.0
    } else {
        ((int_input / 10_000) + 1) as f64 / 10.0
    }
}

/// Qualitative severity rating of a v3/v4 score.
#[must_use]
pub fn severity_of(score: f64) -> &'static str {
    if score == 0.0 {
        "NONE"
    } else if score < 4.0 {
        "LOW"
    } else if score < 7.0 {
        "MEDIUM"
    } else if score < 9.0 {
        "HIGH"
    } else {
        "CRITICAL"
    }
}

impl std::fmt::Display for CvssVector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.vector)
    }
}
