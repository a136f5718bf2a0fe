//! CVSS v3.0 and v3.1 (FIRST specification; scoring as in FIRST's calculators).

use crate::common::{self, MetricDef};
use crate::error::{Fragment, ParseError};
use crate::score::{Score, Severity, Version};
use core::fmt;

pub(crate) const N: usize = 22;
const MANDATORY: usize = 8;

/// The metric table, in the specification's preferred order (Table 15).
#[rustfmt::skip]
pub(crate) static DEFS: [MetricDef; N] = [
    MetricDef { name: "AV", values: &["N", "A", "L", "P"] },
    MetricDef { name: "AC", values: &["L", "H"] },
    MetricDef { name: "PR", values: &["N", "L", "H"] },
    MetricDef { name: "UI", values: &["N", "R"] },
    MetricDef { name: "S", values: &["U", "C"] },
    MetricDef { name: "C", values: &["H", "L", "N"] },
    MetricDef { name: "I", values: &["H", "L", "N"] },
    MetricDef { name: "A", values: &["H", "L", "N"] },
    MetricDef { name: "E", values: &["X", "U", "P", "F", "H"] },
    MetricDef { name: "RL", values: &["X", "O", "T", "W", "U"] },
    MetricDef { name: "RC", values: &["X", "U", "R", "C"] },
    MetricDef { name: "CR", values: &["X", "L", "M", "H"] },
    MetricDef { name: "IR", values: &["X", "L", "M", "H"] },
    MetricDef { name: "AR", values: &["X", "L", "M", "H"] },
    MetricDef { name: "MAV", values: &["X", "N", "A", "L", "P"] },
    MetricDef { name: "MAC", values: &["X", "L", "H"] },
    MetricDef { name: "MPR", values: &["X", "N", "L", "H"] },
    MetricDef { name: "MUI", values: &["X", "N", "R"] },
    MetricDef { name: "MS", values: &["X", "U", "C"] },
    MetricDef { name: "MC", values: &["X", "H", "L", "N"] },
    MetricDef { name: "MI", values: &["X", "H", "L", "N"] },
    MetricDef { name: "MA", values: &["X", "H", "L", "N"] },
];

/// [`DEFS`] with pre-packed keys, for parsing.
pub(crate) static TABLE: common::Table<N> = common::Table::new(&DEFS);

/// A CVSS v3 metric, in the specification's preferred order.
#[allow(missing_docs)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Metric {
    AV,
    AC,
    PR,
    UI,
    S,
    C,
    I,
    A,
    E,
    RL,
    RC,
    CR,
    IR,
    AR,
    MAV,
    MAC,
    MPR,
    MUI,
    MS,
    MC,
    MI,
    MA,
}

impl Metric {
    /// Every metric, in the preferred order.
    #[rustfmt::skip]
    pub const ALL: [Metric; N] = [
        Metric::AV, Metric::AC, Metric::PR, Metric::UI, Metric::S, Metric::C, Metric::I, Metric::A,
        Metric::E, Metric::RL, Metric::RC, Metric::CR, Metric::IR, Metric::AR, Metric::MAV,
        Metric::MAC, Metric::MPR, Metric::MUI, Metric::MS, Metric::MC, Metric::MI, Metric::MA,
    ];

    /// The abbreviated name (`"AV"`).
    pub fn name(self) -> &'static str {
        DEFS[self as usize].name
    }

    /// The allowed values.
    pub fn values(self) -> &'static [&'static str] {
        DEFS[self as usize].values
    }
}

const E: usize = Metric::E as usize;
const CR: usize = Metric::CR as usize;
const MAV: usize = Metric::MAV as usize;

/// A parsed CVSS v3.0 or v3.1 vector (fixed size, no heap).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Vector {
    version: Version,
    vals: [u8; N],
}

impl Vector {
    /// Parses `CVSS:3.0/…` or `CVSS:3.1/…`; metrics in any order (spec §6).
    pub fn parse(s: &str) -> Result<Vector, ParseError> {
        if let Some(body) = s.strip_prefix("CVSS:3.1/") {
            Self::parse_body(Version::V31, body)
        } else if let Some(body) = s.strip_prefix("CVSS:3.0/") {
            Self::parse_body(Version::V30, body)
        } else {
            match crate::parse_any(s)? {
                crate::Vector::V3(v) => Ok(v),
                _ => Err(ParseError::UnknownVersion {
                    prefix: Fragment::new(s.split('/').next().unwrap_or(s)),
                }),
            }
        }
    }

    pub(crate) fn parse_body(version: Version, body: &str) -> Result<Vector, ParseError> {
        let vals = common::parse_body(body, &TABLE, MANDATORY, false)
            .map_err(|e| e.in_version(version))?;
        Ok(Vector { version, vals })
    }

    /// [`Version::V30`] or [`Version::V31`].
    pub fn version(&self) -> Version {
        self.version
    }

    /// The value of a metric as written (`None` when absent; `Some("X")` when
    /// explicitly not defined).
    pub fn get(&self, metric: Metric) -> Option<&'static str> {
        common::value_str(&DEFS[metric as usize], self.vals[metric as usize])
    }

    /// Whether any temporal metric is set to something other than `X`.
    pub fn has_temporal(&self) -> bool {
        self.vals[E..CR].iter().any(|&v| v > 1)
    }

    /// Whether any environmental metric is set to something other than `X`.
    pub fn has_environmental(&self) -> bool {
        self.vals[CR..].iter().any(|&v| v > 1)
    }

    /// Base, temporal and environmental scores with the sub-scores behind them.
    pub fn detail(&self) -> Detail {
        compute(self.version, &self.vals)
    }

    /// The three scores and the representative one. No heap allocation: the
    /// base score and the modified impact come from tables filled once, on first
    /// use, by the same arithmetic as [`Vector::detail`].
    pub fn scores(&self) -> crate::Scores {
        let (base, temporal, environmental) = fast_scores(self.version, &self.vals);
        let (base, temporal, environmental) = (
            Score::clamped(i128::from(base)),
            Score::clamped(i128::from(temporal)),
            Score::clamped(i128::from(environmental)),
        );
        let score = if self.has_environmental() {
            environmental
        } else if self.has_temporal() {
            temporal
        } else {
            base
        };
        crate::Scores {
            version: self.version,
            base: Some(base),
            temporal: Some(temporal),
            environmental: Some(environmental),
            score,
            severity: Severity::from_score(score),
            nomenclature: None,
        }
    }

    pub(crate) fn raw(&self) -> &[u8; N] {
        &self.vals
    }
}

impl fmt::Display for Vector {
    /// Canonical form: prefix, then the present metrics in the preferred order.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self.version {
            Version::V30 => "CVSS:3.0",
            _ => "CVSS:3.1",
        })?;
        f.write_str("/")?;
        common::render(f, &DEFS, &self.vals, true)
    }
}

impl fmt::Debug for Vector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "v3::Vector({self})")
    }
}

impl core::str::FromStr for Vector {
    type Err = ParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Vector::parse(s)
    }
}

/// Scores and the unrounded sub-scores of a v3 vector.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Detail {
    /// Version whose arithmetic was used.
    pub version: Version,
    /// Impact Sub-Score (ISS).
    pub iss: f64,
    /// Impact.
    pub impact: f64,
    /// Exploitability.
    pub exploitability: f64,
    /// Base score.
    pub base: Score,
    /// Temporal score.
    pub temporal: Score,
    /// Modified Impact Sub-Score (MISS).
    pub miss: f64,
    /// Modified Impact.
    pub modified_impact: f64,
    /// Modified Exploitability.
    pub modified_exploitability: f64,
    /// Environmental score.
    pub environmental: Score,
    /// Whether the (effective modified) scope is changed.
    pub scope_changed: bool,
    /// Whether the effective modified scope is changed.
    pub modified_scope_changed: bool,
}

// Weights, indexed by the stored value (0 = absent).
const W_AV: [f64; 5] = [0.0, 0.85, 0.62, 0.55, 0.2];
const W_AC: [f64; 3] = [0.0, 0.77, 0.44];
const W_PR_U: [f64; 4] = [0.0, 0.85, 0.62, 0.27];
const W_PR_C: [f64; 4] = [0.0, 0.85, 0.68, 0.5];
const W_UI: [f64; 3] = [0.0, 0.85, 0.62];
const W_CIA: [f64; 4] = [0.0, 0.56, 0.22, 0.0];
const W_E: [f64; 6] = [1.0, 1.0, 0.91, 0.94, 0.97, 1.0];
const W_RL: [f64; 6] = [1.0, 1.0, 0.95, 0.96, 0.97, 1.0];
const W_RC: [f64; 5] = [1.0, 1.0, 0.92, 0.96, 1.0];
const W_REQ: [f64; 5] = [1.0, 1.0, 0.5, 1.0, 1.5];

#[inline]
fn w(table: &[f64], v: u8) -> f64 {
    table.get(usize::from(v)).copied().unwrap_or(0.0)
}

/// Effective modified value: the M* value when set, else the base value (same indices).
#[inline]
fn eff(vals: &[u8; N], m: usize, base: usize) -> u8 {
    let mv = vals[m];
    if mv > 1 { mv - 1 } else { vals[base] }
}

/// Rounds up to one decimal, returning tenths (clamped to 0..=100).
///
/// Exact integer forms of the calculators' double arithmetic, without libm
/// calls: for `y ≥ 0`, `y as i64` is `floor(y)` and `y - floor(y)` is exact.
#[inline]
fn round_up(version: Version, x: f64) -> u8 {
    let t = if version == Version::V30 {
        // FIRST's cvsscalc30.js: Math.ceil(d * 10) / 10, in doubles.
        let y = x * 10.0;
        let f = y as i64;
        if (f as f64) < y { f + 1 } else { f }
    } else {
        // v3.1 Appendix A: i = round(x * 100000); i % 10000 == 0 ? i : floor(i / 10000) + 1.
        let y = x * 100_000.0;
        let f = y as i64;
        let i = if y - f as f64 >= 0.5 { f + 1 } else { f };
        if i % 10_000 == 0 {
            i / 10_000
        } else {
            i.div_euclid(10_000) + 1
        }
    };
    t.clamp(0, 100) as u8
}

/// Index of the eight base metrics (stored values, all present) in [`BaseTable`].
#[inline]
fn base_index(v: &[u8; N]) -> usize {
    let d = |i: usize| usize::from(v[i].saturating_sub(1));
    ((((((d(0) * 2 + d(1)) * 3 + d(2)) * 2 + d(3)) * 2 + d(4)) * 3 + d(5)) * 3 + d(6)) * 3 + d(7)
}

/// Base scores in tenths for all 2,592 base vectors of one version.
type BaseTable = [u8; 2592];
/// Modified impact for MS (U, C) × CR, IR, AR (L, M/X, H) × MC, MI, MA (H, L, N).
type ImpactTable = [f64; 1458];
/// `Roundup(score × E × RL × RC)` in tenths for every score in tenths (0..=100)
/// and weight class of E (1.0, U, P, F), RL (1.0, O, T, W) and RC (1.0, U, R).
type TemporalTable = [u8; 101 * 48];
/// The lookup tables of one version.
type Tables = (BaseTable, ImpactTable, TemporalTable);

/// Weight class of a stored E value (absent, X, U, P, F, H).
const E_CLASS: [usize; 6] = [0, 0, 1, 2, 3, 0];
/// Weight class of a stored RL value (absent, X, O, T, W, U).
const RL_CLASS: [usize; 6] = [0, 0, 1, 2, 3, 0];
/// Weight class of a stored RC value (absent, X, U, R, C).
const RC_CLASS: [usize; 5] = [0, 0, 1, 2, 0];
/// A stored value for each class of E, RL, RC.
const E_OF_CLASS: [u8; 4] = [1, 2, 3, 4];
const RL_OF_CLASS: [u8; 4] = [1, 2, 3, 4];
const RC_OF_CLASS: [u8; 3] = [1, 2, 3];

#[inline]
fn temporal_index(t: u8, e: u8, rl: u8, rc: u8) -> usize {
    usize::from(t.min(100)) * 48
        + E_CLASS[usize::from(e) % 6] * 12
        + RL_CLASS[usize::from(rl) % 6] * 3
        + RC_CLASS[usize::from(rc) % 5]
}

static TABLES_30: std::sync::OnceLock<Tables> = std::sync::OnceLock::new();
static TABLES_31: std::sync::OnceLock<Tables> = std::sync::OnceLock::new();

/// Requirement weight class of a stored CR/IR/AR value (absent, X, L, M, H):
/// 0 = L (0.5), 1 = M, X or absent (1.0), 2 = H (1.5).
const REQ_CLASS: [usize; 5] = [1, 1, 0, 1, 2];
/// A stored value for each class.
const REQ_OF_CLASS: [u8; 3] = [2, 3, 4];

/// The lookup tables of a version, computed on first use with [`compute`]'s arithmetic.
fn tables(version: Version) -> &'static Tables {
    let cell = if version == Version::V30 {
        &TABLES_30
    } else {
        &TABLES_31
    };
    cell.get_or_init(|| {
        let mut base = [0u8; 2592];
        let mut vals = [0u8; N];
        for (idx, b) in base.iter_mut().enumerate() {
            let mut rest = idx;
            for (m, card) in [
                (7, 3),
                (6, 3),
                (5, 3),
                (4, 2),
                (3, 2),
                (2, 3),
                (1, 2),
                (0, 4),
            ] {
                vals[m] = (rest % card) as u8 + 1;
                rest /= card;
            }
            *b = compute(version, &vals).base.tenths();
        }
        let mut imp = [0.0f64; 1458];
        for (idx, x) in imp.iter_mut().enumerate() {
            let (ms, r) = (idx / 729, idx % 729);
            let req = |k: usize| REQ_OF_CLASS[(r / [243, 81, 27][k]) % 3];
            let cia = |k: usize| ((r / [9, 3, 1][k]) % 3) as u8 + 1;
            *x = modified_impact(
                version,
                ms == 1,
                [req(0), req(1), req(2)],
                [cia(0), cia(1), cia(2)],
            );
        }
        let mut temporal = [0u8; 101 * 48];
        for (idx, x) in temporal.iter_mut().enumerate() {
            let (t, c) = ((idx / 48) as u8, idx % 48);
            let (e, rl, rc) = (
                E_OF_CLASS[c / 12],
                RL_OF_CLASS[c / 3 % 4],
                RC_OF_CLASS[c % 3],
            );
            *x = round_up(
                version,
                tenths_f64(t) * w(&W_E, e) * w(&W_RL, rl) * w(&W_RC, rc),
            );
        }
        (base, imp, temporal)
    })
}

/// Base, temporal and environmental scores in tenths (the same as [`compute`]).
#[inline]
fn fast_scores(version: Version, vals: &[u8; N]) -> (u8, u8, u8) {
    let (base_table, impact_table, temporal_table) = tables(version);
    let base = base_table[base_index(vals)];
    let (e, rl, rc) = (vals[E], vals[E + 1], vals[E + 2]);
    let (cr, ir, ar) = (vals[CR], vals[CR + 1], vals[CR + 2]);
    let temporal = temporal_table[temporal_index(base, e, rl, rc)];

    let mav = eff(vals, MAV, 0);
    let mac = eff(vals, MAV + 1, 1);
    let mpr = eff(vals, MAV + 2, 2);
    let mui = eff(vals, MAV + 3, 3);
    let ms = eff(vals, MAV + 4, 4);
    let m_changed = ms == 2;
    let cia = |k: usize| usize::from(eff(vals, MAV + 5 + k, 5 + k).saturating_sub(1));
    let req = |v: u8| REQ_CLASS[usize::from(v) % 5];
    let idx = usize::from(m_changed) * 729
        + req(cr) * 243
        + req(ir) * 81
        + req(ar) * 27
        + cia(0) * 9
        + cia(1) * 3
        + cia(2);
    let m_impact = impact_table[idx];
    let w_mpr = if m_changed { &W_PR_C } else { &W_PR_U };
    let m_expl = 8.22 * w(&W_AV, mav) * w(&W_AC, mac) * w(w_mpr, mpr) * w(&W_UI, mui);
    let environmental = if m_impact <= 0.0 {
        0
    } else {
        let inner = if m_changed {
            round_up(version, (1.08 * (m_impact + m_expl)).min(10.0))
        } else {
            round_up(version, (m_impact + m_expl).min(10.0))
        };
        temporal_table[temporal_index(inner, e, rl, rc)]
    };
    (base, temporal, environmental)
}

/// Modified impact from the requirements (stored CR, IR, AR) and the effective
/// modified impact values (stored MC, MI, MA).
fn modified_impact(version: Version, m_changed: bool, req: [u8; 3], cia: [u8; 3]) -> f64 {
    let miss = (1.0
        - ((1.0 - w(&W_CIA, cia[0]) * w(&W_REQ, req[0]))
            * (1.0 - w(&W_CIA, cia[1]) * w(&W_REQ, req[1]))
            * (1.0 - w(&W_CIA, cia[2]) * w(&W_REQ, req[2]))))
    .min(0.915);
    if !m_changed {
        6.42 * miss
    } else if version == Version::V30 {
        7.52 * (miss - 0.029) - 3.25 * (miss - 0.02).powf(15.0)
    } else {
        7.52 * (miss - 0.029) - 3.25 * (miss * 0.9731 - 0.02).powf(13.0)
    }
}

#[inline]
fn tenths_f64(t: u8) -> f64 {
    f64::from(t) / 10.0
}

pub(crate) fn compute(version: Version, vals: &[u8; N]) -> Detail {
    let [av, ac, pr, ui, s, c, i, a, e, rl, rc, cr, ir, ar, ..] = *vals;
    let changed = s == 2;
    let w_pr = if changed { &W_PR_C } else { &W_PR_U };
    let iss = 1.0 - ((1.0 - w(&W_CIA, c)) * (1.0 - w(&W_CIA, i)) * (1.0 - w(&W_CIA, a)));
    let impact = if changed {
        7.52 * (iss - 0.029) - 3.25 * (iss - 0.02).powf(15.0)
    } else {
        6.42 * iss
    };
    let expl = 8.22 * w(&W_AV, av) * w(&W_AC, ac) * w(w_pr, pr) * w(&W_UI, ui);
    let base = if impact <= 0.0 {
        0
    } else if changed {
        round_up(version, (1.08 * (impact + expl)).min(10.0))
    } else {
        round_up(version, (impact + expl).min(10.0))
    };
    let temporal = round_up(
        version,
        tenths_f64(base) * w(&W_E, e) * w(&W_RL, rl) * w(&W_RC, rc),
    );

    // Environmental.
    let mav = eff(vals, MAV, 0);
    let mac = eff(vals, MAV + 1, 1);
    let mpr = eff(vals, MAV + 2, 2);
    let mui = eff(vals, MAV + 3, 3);
    let ms = eff(vals, MAV + 4, 4);
    let mc = eff(vals, MAV + 5, 5);
    let mi = eff(vals, MAV + 6, 6);
    let ma = eff(vals, MAV + 7, 7);
    let m_changed = ms == 2;
    let w_mpr = if m_changed { &W_PR_C } else { &W_PR_U };
    let miss = (1.0
        - ((1.0 - w(&W_CIA, mc) * w(&W_REQ, cr))
            * (1.0 - w(&W_CIA, mi) * w(&W_REQ, ir))
            * (1.0 - w(&W_CIA, ma) * w(&W_REQ, ar))))
    .min(0.915);
    let m_impact = modified_impact(version, m_changed, [cr, ir, ar], [mc, mi, ma]);
    let m_expl = 8.22 * w(&W_AV, mav) * w(&W_AC, mac) * w(w_mpr, mpr) * w(&W_UI, mui);
    let environmental = if m_impact <= 0.0 {
        0
    } else {
        let inner = if m_changed {
            round_up(version, (1.08 * (m_impact + m_expl)).min(10.0))
        } else {
            round_up(version, (m_impact + m_expl).min(10.0))
        };
        round_up(
            version,
            tenths_f64(inner) * w(&W_E, e) * w(&W_RL, rl) * w(&W_RC, rc),
        )
    };
    Detail {
        version,
        iss,
        impact,
        exploitability: expl,
        base: Score::clamped(i128::from(base)),
        temporal: Score::clamped(i128::from(temporal)),
        miss,
        modified_impact: m_impact,
        modified_exploitability: m_expl,
        environmental: Score::clamped(i128::from(environmental)),
        scope_changed: changed,
        modified_scope_changed: m_changed,
    }
}
