//! CVSS v2 (FIRST's CVSS v2 guide), scored in exact decimal arithmetic with
//! round half up, as the guide's worked examples require.

use crate::common::{self, MetricDef, div_round_half_away};
use crate::error::ParseError;
use crate::score::{Score, Severity, Version};
use core::fmt;

pub(crate) const N: usize = 14;
const MANDATORY: usize = 6;

/// The metric table, in the guide's order (§2.4).
#[rustfmt::skip]
pub(crate) static DEFS: [MetricDef; N] = [
    MetricDef { name: "AV", values: &["L", "A", "N"] },
    MetricDef { name: "AC", values: &["H", "M", "L"] },
    MetricDef { name: "Au", values: &["M", "S", "N"] },
    MetricDef { name: "C", values: &["N", "P", "C"] },
    MetricDef { name: "I", values: &["N", "P", "C"] },
    MetricDef { name: "A", values: &["N", "P", "C"] },
    MetricDef { name: "E", values: &["U", "POC", "F", "H", "ND"] },
    MetricDef { name: "RL", values: &["OF", "TF", "W", "U", "ND"] },
    MetricDef { name: "RC", values: &["UC", "UR", "C", "ND"] },
    MetricDef { name: "CDP", values: &["N", "L", "LM", "MH", "H", "ND"] },
    MetricDef { name: "TD", values: &["N", "L", "M", "H", "ND"] },
    MetricDef { name: "CR", values: &["L", "M", "H", "ND"] },
    MetricDef { name: "IR", values: &["L", "M", "H", "ND"] },
    MetricDef { name: "AR", values: &["L", "M", "H", "ND"] },
];

/// [`DEFS`] with pre-packed keys, for parsing.
pub(crate) static TABLE: common::Table<N> = common::Table::new(&DEFS);

/// A CVSS v2 metric, in the guide's order.
#[allow(missing_docs)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Metric {
    AV,
    AC,
    Au,
    C,
    I,
    A,
    E,
    RL,
    RC,
    CDP,
    TD,
    CR,
    IR,
    AR,
}

impl Metric {
    /// Every metric, in the guide's order.
    #[rustfmt::skip]
    pub const ALL: [Metric; N] = [
        Metric::AV, Metric::AC, Metric::Au, Metric::C, Metric::I, Metric::A, Metric::E,
        Metric::RL, Metric::RC, Metric::CDP, Metric::TD, Metric::CR, Metric::IR, Metric::AR,
    ];

    /// The abbreviated name (`"Au"`).
    pub fn name(self) -> &'static str {
        DEFS[self as usize].name
    }

    /// The allowed values.
    pub fn values(self) -> &'static [&'static str] {
        DEFS[self as usize].values
    }
}

const E: usize = Metric::E as usize;
const CDP: usize = Metric::CDP as usize;

/// A parsed CVSS v2 vector (fixed size, no heap).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Vector {
    vals: [u8; N],
}

impl Vector {
    /// Parses a v2 vector (no prefix; metrics in any order), optionally wrapped in
    /// parentheses as NVD writes it: `(AV:N/AC:L/Au:N/C:P/I:P/A:P)`.
    pub fn parse(s: &str) -> Result<Vector, ParseError> {
        let body = match (s.strip_prefix('('), s.ends_with(')')) {
            (Some(inner), true) => inner.strip_suffix(')').unwrap_or(inner),
            (None, false) => s,
            _ => return Err(ParseError::UnbalancedParentheses),
        };
        if body.is_empty() {
            return Err(ParseError::Empty);
        }
        let vals = common::parse_body(body, &TABLE, MANDATORY, false)
            .map_err(|e| e.in_version(Version::V2))?;
        Ok(Vector { vals })
    }

    /// The value of a metric as written (`None` when absent).
    pub fn get(&self, metric: Metric) -> Option<&'static str> {
        common::value_str(&DEFS[metric as usize], self.vals[metric as usize])
    }

    /// Whether any temporal metric is set to something other than `ND`.
    pub fn has_temporal(&self) -> bool {
        DEFS[E..CDP]
            .iter()
            .zip(&self.vals[E..CDP])
            .any(|(d, &v)| v != 0 && usize::from(v) != d.values.len())
    }

    /// Whether any environmental metric is set to something other than `ND`.
    pub fn has_environmental(&self) -> bool {
        DEFS[CDP..]
            .iter()
            .zip(&self.vals[CDP..])
            .any(|(d, &v)| v != 0 && usize::from(v) != d.values.len())
    }

    /// Base, temporal and environmental scores with the sub-scores behind them.
    ///
    /// A group with no metric set (all absent or `ND`) takes the previous
    /// group's score, as the guide's worked examples and NVD show it: without
    /// environmental metrics the environmental score is the temporal score (the
    /// formula with all-`ND` values could differ by 0.1, because the adjusted
    /// impact is capped at 10 and the base impact is not).
    pub fn detail(&self) -> Detail {
        let mut d = compute(&self.vals);
        if !self.has_environmental() {
            d.environmental = d.temporal;
        }
        d
    }

    /// The three scores and the representative one (NVD severity bands).
    pub fn scores(&self) -> crate::Scores {
        let d = self.detail();
        let score = if self.has_environmental() {
            d.environmental
        } else if self.has_temporal() {
            d.temporal
        } else {
            d.base
        };
        crate::Scores {
            version: Version::V2,
            base: Some(d.base),
            temporal: Some(d.temporal),
            environmental: Some(d.environmental),
            score,
            severity: Severity::from_score_v2(score),
            nomenclature: None,
        }
    }

    pub(crate) fn raw(&self) -> &[u8; N] {
        &self.vals
    }
}

impl fmt::Display for Vector {
    /// Canonical form: no prefix, no parentheses, metrics in the guide's order.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        common::render(f, &DEFS, &self.vals, true)
    }
}

impl fmt::Debug for Vector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "v2::Vector({self})")
    }
}

impl core::str::FromStr for Vector {
    type Err = ParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Vector::parse(s)
    }
}

/// Scores and sub-scores of a v2 vector, in tenths or exact thousandths.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Detail {
    /// Impact sub-score, in millionths (exact: 10.41 × …).
    pub impact_millionths: i64,
    /// Exploitability sub-score, in millionths (exact: 20 × AV × AC × Au).
    pub exploitability_millionths: i64,
    /// Base score.
    pub base: Score,
    /// Temporal score.
    pub temporal: Score,
    /// Adjusted impact, in millionths (rounded to nearest).
    pub adjusted_impact_millionths: i64,
    /// Adjusted temporal score in tenths (may be negative before the final floor).
    pub adjusted_temporal_tenths: i32,
    /// Environmental score.
    pub environmental: Score,
}

// Weights, indexed by the stored value (0 = absent). Scales in the names.
const AV_1000: [i128; 4] = [0, 395, 646, 1000];
const AC_1000: [i128; 4] = [0, 350, 610, 710];
const AU_1000: [i128; 4] = [0, 450, 560, 704];
const CIA_1000: [i128; 4] = [0, 0, 275, 660];
const E_100: [i128; 6] = [100, 85, 90, 95, 100, 100];
const RL_100: [i128; 6] = [100, 87, 90, 95, 100, 100];
const RC_100: [i128; 5] = [100, 90, 95, 100, 100];
const CDP_10: [i128; 7] = [0, 0, 1, 3, 4, 5, 0];
const TD_100: [i128; 6] = [100, 0, 25, 75, 100, 100];
const REQ_100: [i128; 5] = [100, 50, 100, 151, 100];

#[inline]
fn w(table: &[i128], v: u8) -> i128 {
    table.get(usize::from(v)).copied().unwrap_or(0)
}

/// Base equation in tenths from an impact at scale `10^k` (k ≥ 9) and the
/// exploitability product at scale 10^9 (`AV*AC*Au` in thousandths each).
fn base_tenths(impact: i128, impact_scale: i128, expl_prod_1e9: i128) -> i128 {
    if impact == 0 {
        return 0;
    }
    // ((0.6*Impact) + (0.4*20*prod) - 1.5) * 1.176, at scale 10*impact_scale*1000.
    let s = impact_scale * 10;
    let sum = 6 * impact + 8 * expl_prod_1e9 * (s / 1_000_000_000) - 15 * impact_scale;
    div_round_half_away(sum * 1176, s * 1000 / 10)
}

pub(crate) fn compute(vals: &[u8; N]) -> Detail {
    let [av, ac, au, c, i, a, e, rl, rc, cdp, td, cr, ir, ar] = *vals;
    let prod = w(&AV_1000, av) * w(&AC_1000, ac) * w(&AU_1000, au); // scale 1e9
    let (c, i, a) = (w(&CIA_1000, c), w(&CIA_1000, i), w(&CIA_1000, a));
    // Impact = 10.41 * (1 - (1-C)(1-I)(1-A)), scale 1e11.
    let impact = 1041 * (1_000_000_000 - (1000 - c) * (1000 - i) * (1000 - a));
    let base = base_tenths(impact, 100_000_000_000, prod);
    let erc = w(&E_100, e) * w(&RL_100, rl) * w(&RC_100, rc); // scale 1e6
    let temporal = div_round_half_away(base * erc, 1_000_000);

    // Adjusted impact = min(10, 10.41 * (1 - (1-C*CR)(1-I*IR)(1-A*AR))), scale 1e17.
    let (cr, ir, ar) = (w(&REQ_100, cr), w(&REQ_100, ir), w(&REQ_100, ar));
    let adj_impact = (1041
        * (1_000_000_000_000_000 - (100_000 - c * cr) * (100_000 - i * ir) * (100_000 - a * ar)))
        .min(10 * 100_000_000_000_000_000);
    let adj_base = base_tenths(adj_impact, 100_000_000_000_000_000, prod);
    let adj_temporal = div_round_half_away(adj_base * erc, 1_000_000);
    // (AdjTemporal + (10 - AdjTemporal) * CDP) * TD, scale 1e4.
    let env = (adj_temporal * 10 + (100 - adj_temporal) * w(&CDP_10, cdp)) * w(&TD_100, td);
    let environmental = div_round_half_away(env, 1000);
    Detail {
        impact_millionths: (impact / 100_000) as i64,
        exploitability_millionths: (20 * prod / 1000) as i64,
        base: Score::clamped(base),
        temporal: Score::clamped(temporal),
        adjusted_impact_millionths: div_round_half_away(adj_impact, 100_000_000_000) as i64,
        adjusted_temporal_tenths: adj_temporal as i32,
        environmental: Score::clamped(environmental),
    }
}
