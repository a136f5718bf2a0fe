//! Human-readable explanations of how a score was reached.

use crate::{Scores, Vector, v2, v3, v4};
use core::fmt;

/// How a vector's score was reached (see [`Vector::explain`]). The `Display`
/// form is a readable multi-line text; the fields carry the numbers.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Explanation {
    /// CVSS v2: sub-scores of the guide's equations.
    V2 {
        /// The vector.
        vector: v2::Vector,
        /// Sub-scores.
        detail: v2::Detail,
        /// Scores.
        scores: Scores,
    },
    /// CVSS v3.x: ISS, impact and exploitability sub-scores.
    V3 {
        /// The vector.
        vector: v3::Vector,
        /// Sub-scores.
        detail: v3::Detail,
        /// Scores.
        scores: Scores,
    },
    /// CVSS v4.0: MacroVector, EQ levels and the interpolation step.
    V4 {
        /// The vector.
        vector: v4::Vector,
        /// MacroVector and interpolation.
        detail: v4::Detail,
        /// Scores.
        scores: Scores,
    },
}

pub(crate) fn explain(v: &Vector) -> Explanation {
    match v {
        Vector::V2(vector) => Explanation::V2 {
            vector: *vector,
            detail: vector.detail(),
            scores: vector.scores(),
        },
        Vector::V3(vector) => Explanation::V3 {
            vector: *vector,
            detail: vector.detail(),
            scores: vector.scores(),
        },
        Vector::V4(vector) => Explanation::V4 {
            vector: *vector,
            detail: vector.detail(),
            scores: vector.scores(),
        },
    }
}

struct Millionths(i64);

impl fmt::Display for Millionths {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let n = self.0.unsigned_abs();
        write!(f, "{sign}{}.{:06}", n / 1_000_000, n % 1_000_000)
    }
}

const EQ_NAMES: [&str; 5] = [
    "EQ1 (AV, PR, UI)",
    "EQ2 (AC, AT)",
    "EQ3+EQ6 (VC, VI, VA, CR, IR, AR)",
    "EQ4 (SC, SI, SA)",
    "EQ5 (E)",
];

impl fmt::Display for Explanation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Explanation::V2 {
                vector,
                detail: d,
                scores,
            } => {
                writeln!(f, "CVSS v2 {vector}")?;
                writeln!(
                    f,
                    "Impact = 10.41 × (1 − (1−C)(1−I)(1−A)) = {}",
                    Millionths(d.impact_millionths)
                )?;
                writeln!(
                    f,
                    "Exploitability = 20 × AV × AC × Au = {}",
                    Millionths(d.exploitability_millionths)
                )?;
                writeln!(
                    f,
                    "Base = round((0.6 × Impact + 0.4 × Exploitability − 1.5) × f(Impact)) = {}",
                    d.base
                )?;
                writeln!(f, "Temporal = round(Base × E × RL × RC) = {}", d.temporal)?;
                if vector.has_environmental() {
                    writeln!(
                        f,
                        "Adjusted impact = min(10, 10.41 × (1 − (1−C×CR)(1−I×IR)(1−A×AR))) = {}",
                        Millionths(d.adjusted_impact_millionths)
                    )?;
                    let at = d.adjusted_temporal_tenths;
                    writeln!(
                        f,
                        "Adjusted temporal = {}{}.{}",
                        if at < 0 { "-" } else { "" },
                        at.unsigned_abs() / 10,
                        at.unsigned_abs() % 10
                    )?;
                    writeln!(
                        f,
                        "Environmental = round((AdjTemporal + (10 − AdjTemporal) × CDP) × TD) = {}",
                        d.environmental
                    )?;
                } else {
                    writeln!(
                        f,
                        "Environmental = Temporal = {} (no environmental metric set)",
                        d.environmental
                    )?;
                }
                write!(
                    f,
                    "Score {} ({}; NVD bands, exact decimal arithmetic)",
                    scores.score, scores.severity
                )
            }
            Explanation::V3 {
                vector,
                detail: d,
                scores,
            } => {
                writeln!(f, "CVSS v{} {vector}", d.version)?;
                let scope = |c: bool| if c { "changed" } else { "unchanged" };
                writeln!(f, "ISS = 1 − (1−C)(1−I)(1−A) = {:.4}", d.iss)?;
                writeln!(
                    f,
                    "Impact (scope {}) = {:.4}",
                    scope(d.scope_changed),
                    d.impact
                )?;
                writeln!(
                    f,
                    "Exploitability = 8.22 × AV × AC × PR × UI = {:.4}",
                    d.exploitability
                )?;
                let roundup = if d.version == crate::Version::V30 {
                    "Roundup = ceil(x × 10) / 10 in doubles, as FIRST's 3.0 calculator"
                } else {
                    "Roundup of Appendix A"
                };
                let sum = |changed: bool| {
                    if changed {
                        "min(1.08 × (Impact + Exploitability), 10)"
                    } else {
                        "min(Impact + Exploitability, 10)"
                    }
                };
                writeln!(
                    f,
                    "Base = Roundup({}) = {} (0 when Impact ≤ 0; {roundup})",
                    sum(d.scope_changed),
                    d.base
                )?;
                writeln!(f, "Temporal = Roundup(Base × E × RL × RC) = {}", d.temporal)?;
                writeln!(f, "MISS = {:.4}", d.miss)?;
                writeln!(
                    f,
                    "Modified impact (scope {}) = {:.4}",
                    scope(d.modified_scope_changed),
                    d.modified_impact
                )?;
                writeln!(
                    f,
                    "Modified exploitability = {:.4}",
                    d.modified_exploitability
                )?;
                writeln!(
                    f,
                    "Environmental = Roundup(Roundup({}) × E × RL × RC) = {} (with the modified values)",
                    sum(d.modified_scope_changed),
                    d.environmental
                )?;
                write!(f, "Score {} ({})", scores.score, scores.severity)
            }
            Explanation::V4 {
                vector,
                detail: d,
                scores,
            } => {
                writeln!(f, "CVSS v4.0 {vector}")?;
                let m = d.macro_vector;
                writeln!(
                    f,
                    "MacroVector {}{}{}{}{}{} (EQ1 {}, EQ2 {}, EQ3 {}, EQ4 {}, EQ5 {}, EQ6 {})",
                    m[0], m[1], m[2], m[3], m[4], m[5], m[0], m[1], m[2], m[3], m[4], m[5]
                )?;
                if d.no_impact {
                    writeln!(
                        f,
                        "No impact on any system (all of VC VI VA SC SI SA are N): 0.0"
                    )?;
                } else {
                    writeln!(f, "MacroVector score {}", d.macro_score)?;
                    if let Some(h) = d.highest_severity {
                        writeln!(f, "Highest-severity vector of the MacroVector: {h}")?;
                    }
                    for (i, name) in EQ_NAMES.iter().enumerate() {
                        match d.lower_scores[i] {
                            Some(lower) => writeln!(
                                f,
                                "  {name}: severity distance {:.1}, next lower MacroVector {lower}, reduction {:.4}",
                                d.distances[i], d.normalized[i]
                            )?,
                            None => writeln!(f, "  {name}: no lower MacroVector")?,
                        }
                    }
                    writeln!(
                        f,
                        "Mean reduction {:.4}; {} − {:.4}, rounded half up",
                        d.mean_distance, d.macro_score, d.mean_distance
                    )?;
                }
                let nom = scores.nomenclature.map_or("", |n| n.as_str());
                write!(f, "Score {} ({}), {nom}", scores.score, scores.severity)
            }
        }
    }
}
