//! CVSS v4.0: MacroVector lookup and interpolation, as in the reference
//! calculator `cvss40.js` (Red Hat, November 2024, with the rounding fix).

mod tables;

use crate::common::{self, MetricDef};
use crate::error::{Fragment, ParseError};
use crate::score::{Nomenclature, Score, Severity, Version};
use core::fmt;
use tables::*;

pub(crate) const N: usize = 32;
const MANDATORY: usize = 11;

/// The metric table, in the canonical order of the specification (§7).
/// Modified values list `X` first, then the base values in the base order, so
/// that a modified value `k+1` means base value `k`; `MSI`/`MSA` add `S` last.
#[rustfmt::skip]
pub(crate) static DEFS: [MetricDef; N] = [
    MetricDef { name: "AV", values: &["N", "A", "L", "P"] },
    MetricDef { name: "AC", values: &["L", "H"] },
    MetricDef { name: "AT", values: &["N", "P"] },
    MetricDef { name: "PR", values: &["N", "L", "H"] },
    MetricDef { name: "UI", values: &["N", "P", "A"] },
    MetricDef { name: "VC", values: &["H", "L", "N"] },
    MetricDef { name: "VI", values: &["H", "L", "N"] },
    MetricDef { name: "VA", values: &["H", "L", "N"] },
    MetricDef { name: "SC", values: &["H", "L", "N"] },
    MetricDef { name: "SI", values: &["H", "L", "N"] },
    MetricDef { name: "SA", values: &["H", "L", "N"] },
    MetricDef { name: "E", values: &["X", "A", "P", "U"] },
    MetricDef { name: "CR", values: &["X", "H", "M", "L"] },
    MetricDef { name: "IR", values: &["X", "H", "M", "L"] },
    MetricDef { name: "AR", values: &["X", "H", "M", "L"] },
    MetricDef { name: "MAV", values: &["X", "N", "A", "L", "P"] },
    MetricDef { name: "MAC", values: &["X", "L", "H"] },
    MetricDef { name: "MAT", values: &["X", "N", "P"] },
    MetricDef { name: "MPR", values: &["X", "N", "L", "H"] },
    MetricDef { name: "MUI", values: &["X", "N", "P", "A"] },
    MetricDef { name: "MVC", values: &["X", "H", "L", "N"] },
    MetricDef { name: "MVI", values: &["X", "H", "L", "N"] },
    MetricDef { name: "MVA", values: &["X", "H", "L", "N"] },
    MetricDef { name: "MSC", values: &["X", "H", "L", "N"] },
    MetricDef { name: "MSI", values: &["X", "H", "L", "N", "S"] },
    MetricDef { name: "MSA", values: &["X", "H", "L", "N", "S"] },
    MetricDef { name: "S", values: &["X", "N", "P"] },
    MetricDef { name: "AU", values: &["X", "N", "Y"] },
    MetricDef { name: "R", values: &["X", "A", "U", "I"] },
    MetricDef { name: "V", values: &["X", "D", "C"] },
    MetricDef { name: "RE", values: &["X", "L", "M", "H"] },
    MetricDef { name: "U", values: &["X", "Clear", "Green", "Amber", "Red"] },
];

/// [`DEFS`] with pre-packed keys, for parsing.
pub(crate) static TABLE: common::Table<N> = common::Table::new(&DEFS);

/// A CVSS v4.0 metric, in canonical order.
#[allow(missing_docs)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Metric {
    AV,
    AC,
    AT,
    PR,
    UI,
    VC,
    VI,
    VA,
    SC,
    SI,
    SA,
    E,
    CR,
    IR,
    AR,
    MAV,
    MAC,
    MAT,
    MPR,
    MUI,
    MVC,
    MVI,
    MVA,
    MSC,
    MSI,
    MSA,
    S,
    AU,
    R,
    V,
    RE,
    U,
}

impl Metric {
    /// Every metric, in canonical order.
    #[rustfmt::skip]
    pub const ALL: [Metric; N] = [
        Metric::AV, Metric::AC, Metric::AT, Metric::PR, Metric::UI, Metric::VC, Metric::VI,
        Metric::VA, Metric::SC, Metric::SI, Metric::SA, Metric::E, Metric::CR, Metric::IR,
        Metric::AR, Metric::MAV, Metric::MAC, Metric::MAT, Metric::MPR, Metric::MUI, Metric::MVC,
        Metric::MVI, Metric::MVA, Metric::MSC, Metric::MSI, Metric::MSA, Metric::S, Metric::AU,
        Metric::R, Metric::V, Metric::RE, Metric::U,
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

const IDX_E: usize = Metric::E as usize;
const IDX_CR: usize = Metric::CR as usize;
const IDX_MAV: usize = Metric::MAV as usize;
const IDX_S: usize = Metric::S as usize;

/// A parsed CVSS v4.0 vector (fixed size, no heap).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Vector {
    vals: [u8; N],
}

impl Vector {
    /// Parses `CVSS:4.0/…` strictly: metrics must be in canonical order, as
    /// FIRST's JSON schema and calculator require.
    pub fn parse(s: &str) -> Result<Vector, ParseError> {
        Self::parse_with_order(s, true)
    }

    /// Parses `CVSS:4.0/…` accepting metrics in any order (everything else is
    /// as strict as [`Vector::parse`]).
    pub fn parse_lenient(s: &str) -> Result<Vector, ParseError> {
        Self::parse_with_order(s, false)
    }

    fn parse_with_order(s: &str, strict: bool) -> Result<Vector, ParseError> {
        match s.strip_prefix("CVSS:4.0/") {
            Some(body) => Self::parse_body(body, strict),
            None => match crate::parse_any(s)? {
                crate::Vector::V4(v) => Ok(v),
                _ => Err(ParseError::UnknownVersion {
                    prefix: Fragment::new(s.split('/').next().unwrap_or(s)),
                }),
            },
        }
    }

    pub(crate) fn parse_body(body: &str, strict: bool) -> Result<Vector, ParseError> {
        let vals = common::parse_body(body, &TABLE, MANDATORY, strict)
            .map_err(|e| e.in_version(Version::V40))?;
        Ok(Vector { vals })
    }

    /// The value of a metric as written (`None` when absent; `Some("X")` when
    /// explicitly not defined).
    pub fn get(&self, metric: Metric) -> Option<&'static str> {
        common::value_str(&DEFS[metric as usize], self.vals[metric as usize])
    }

    /// Whether the threat metric `E` is set to something other than `X`.
    pub fn has_threat(&self) -> bool {
        self.vals[IDX_E] > 1
    }

    /// Whether any environmental metric is set to something other than `X`.
    pub fn has_environmental(&self) -> bool {
        self.vals[IDX_CR..IDX_S].iter().any(|&v| v > 1)
    }

    /// CVSS-B, -BT, -BE or -BTE. Supplemental metrics never count.
    pub fn nomenclature(&self) -> Nomenclature {
        match (self.has_threat(), self.has_environmental()) {
            (false, false) => Nomenclature::B,
            (true, false) => Nomenclature::BT,
            (false, true) => Nomenclature::BE,
            (true, true) => Nomenclature::BTE,
        }
    }

    /// The score (no heap allocation).
    pub fn score(&self) -> Score {
        Score::clamped(i128::from(fast_score(&Effective::new(&self.vals))))
    }

    /// The score with the MacroVector and interpolation steps behind it.
    pub fn detail(&self) -> Detail {
        compute(&Effective::new(&self.vals))
    }

    /// Score, severity and nomenclature.
    pub fn scores(&self) -> crate::Scores {
        let score = self.score();
        crate::Scores {
            version: Version::V40,
            base: None,
            temporal: None,
            environmental: None,
            score,
            severity: Severity::from_score(score),
            nomenclature: Some(self.nomenclature()),
        }
    }

    pub(crate) fn raw(&self) -> &[u8; N] {
        &self.vals
    }
}

impl fmt::Display for Vector {
    /// Canonical form: `CVSS:4.0/`, then the present metrics in canonical order.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("CVSS:4.0/")?;
        common::render(f, &DEFS, &self.vals, true)
    }
}

impl fmt::Debug for Vector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "v4::Vector({self})")
    }
}

impl core::str::FromStr for Vector {
    type Err = ParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Vector::parse(s)
    }
}

/// Effective values as zero-based indices (see `scripts/gen_v4_tables.py`):
/// AV N A L P; PR N L H; UI N P A; AC L H; AT N P; VC/VI/VA H L N; SC H L N;
/// SI/SA H L N S; E A P U; CR/IR/AR H M L.
#[derive(Clone, Copy, Debug, Default)]
struct Effective {
    av: u8,
    ac: u8,
    at: u8,
    pr: u8,
    ui: u8,
    vc: u8,
    vi: u8,
    va: u8,
    sc: u8,
    si: u8,
    sa: u8,
    e: u8,
    cr: u8,
    ir: u8,
    ar: u8,
}

impl Effective {
    #[inline]
    fn new(v: &[u8; N]) -> Effective {
        // Base value i is stored as i+1; a modified value (X first) as i+2.
        let m = |k: usize| {
            let mv = v[IDX_MAV + k];
            if mv > 1 {
                mv - 2
            } else {
                v[k].saturating_sub(1)
            }
        };
        // X (or absent) counts as the worst case: E:A, CR/IR/AR:H.
        let worst = |x: u8| x.saturating_sub(2);
        Effective {
            av: m(0),
            ac: m(1),
            at: m(2),
            pr: m(3),
            ui: m(4),
            vc: m(5),
            vi: m(6),
            va: m(7),
            sc: m(8),
            si: m(9),
            sa: m(10),
            e: worst(v[IDX_E]),
            cr: worst(v[IDX_CR]),
            ir: worst(v[IDX_CR + 1]),
            ar: worst(v[IDX_CR + 2]),
        }
    }

    fn macro_vector(&self) -> [u8; 6] {
        const N_: u8 = 0; // N for AV/PR/UI, H for the impact metrics
        let eq1 = if self.av == N_ && self.pr == N_ && self.ui == N_ {
            0
        } else if (self.av == N_ || self.pr == N_ || self.ui == N_) && self.av != 3 {
            1
        } else {
            2
        };
        let eq2 = if self.ac == 0 && self.at == 0 { 0 } else { 1 };
        let eq3 = if self.vc == 0 && self.vi == 0 {
            0
        } else if self.vc == 0 || self.vi == 0 || self.va == 0 {
            1
        } else {
            2
        };
        let eq4 = if self.si == 3 || self.sa == 3 {
            0
        } else if self.sc == 0 || self.si == 0 || self.sa == 0 {
            1
        } else {
            2
        };
        let eq5 = self.e;
        let eq6 = if (self.cr == 0 && self.vc == 0)
            || (self.ir == 0 && self.vi == 0)
            || (self.ar == 0 && self.va == 0)
        {
            0
        } else {
            1
        };
        [eq1, eq2, eq3, eq4, eq5, eq6]
    }
}

/// The score of a MacroVector (EQ1..EQ6 levels), from the calculator's lookup
/// table; `None` when that MacroVector does not exist (any EQ3=2, EQ6=0 one, or
/// a level out of range).
pub fn macro_vector_score(eqs: [u8; 6]) -> Option<Score> {
    lookup(eqs).map(|t| Score::clamped(i128::from(t)))
}

/// MacroVector score in tenths, `None` when that MacroVector does not exist.
#[inline]
fn lookup(m: [u8; 6]) -> Option<u8> {
    let [a, b, c, d, e, f] = m;
    if a > 2 || b > 1 || c > 2 || d > 2 || e > 2 || f > 1 {
        return None;
    }
    let i = usize::from(a) * 108
        + usize::from(b) * 54
        + usize::from(c) * 18
        + usize::from(d) * 6
        + usize::from(e) * 2
        + usize::from(f);
    LOOKUP.get(i).copied().filter(|&t| t != NONE)
}

#[inline]
fn lv(table: &[f64], i: u8) -> f64 {
    table.get(usize::from(i)).copied().unwrap_or(0.0)
}

#[inline]
fn tenths(t: u8) -> f64 {
    f64::from(t) / 10.0
}

/// How the v4.0 score was reached (specification §8, `cvss40.js`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Detail {
    /// EQ1..EQ6 levels.
    pub macro_vector: [u8; 6],
    /// Whether every impact metric is N (the score is then 0.0 without lookup).
    pub no_impact: bool,
    /// Score of the MacroVector (its highest-severity vector).
    pub macro_score: Score,
    /// For EQ1, EQ2, EQ3+EQ6, EQ4, EQ5: the next lower MacroVector's score, if any.
    pub lower_scores: [Option<Score>; 5],
    /// Severity distance of the vector from the MacroVector's highest-severity
    /// vector, per EQ (EQ1, EQ2, EQ3+EQ6, EQ4, EQ5), in 0.1 steps.
    pub distances: [f64; 5],
    /// Proportional score reduction per EQ.
    pub normalized: [f64; 5],
    /// Mean of the reductions over the EQs that have a lower MacroVector.
    pub mean_distance: f64,
    /// The highest-severity vector of the MacroVector that the distances are
    /// measured from (`None` when the score is 0.0 without lookup).
    pub highest_severity: Option<HighestSeverity>,
    /// Final score: MacroVector score minus the mean, rounded half up.
    pub score: Score,
}

/// A highest-severity vector of a MacroVector (from the calculator's
/// `max_composed` table): values of AV, PR, UI, AC, AT, VC, VI, VA, CR, IR, AR,
/// SC, SI, SA. Displays as `AV:N/PR:N/UI:N/…`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct HighestSeverity {
    values: [u8; 14],
}

impl HighestSeverity {
    const NAMES: [&'static str; 14] = [
        "AV", "PR", "UI", "AC", "AT", "VC", "VI", "VA", "CR", "IR", "AR", "SC", "SI", "SA",
    ];
    const VALUES: [&'static [&'static str]; 14] = [
        &["N", "A", "L", "P"],
        &["N", "L", "H"],
        &["N", "P", "A"],
        &["L", "H"],
        &["N", "P"],
        &["H", "L", "N"],
        &["H", "L", "N"],
        &["H", "L", "N"],
        &["H", "M", "L"],
        &["H", "M", "L"],
        &["H", "M", "L"],
        &["H", "L", "N"],
        &["H", "L", "N", "S"],
        &["H", "L", "N", "S"],
    ];

    /// `(metric, value)` pairs, in the order above.
    pub fn metrics(&self) -> impl Iterator<Item = (&'static str, &'static str)> + '_ {
        Self::NAMES
            .iter()
            .zip(Self::VALUES)
            .zip(self.values)
            .map(|((n, vs), v)| (*n, vs.get(usize::from(v)).copied().unwrap_or("?")))
    }
}

impl fmt::Display for HighestSeverity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, (n, v)) in self.metrics().enumerate() {
            if i > 0 {
                f.write_str("/")?;
            }
            write!(f, "{n}:{v}")?;
        }
        Ok(())
    }
}

fn first_max<const K: usize>(
    cands: &[[u8; K]],
    cur: [u8; K],
    levels: [&[f64]; K],
) -> Option<usize> {
    cands
        .iter()
        .position(|c| (0..K).all(|j| lv(levels[j], cur[j]) - lv(levels[j], c[j]) >= 0.0))
}

const LEVELS_EQ1: [&[f64]; 3] = [&LEVEL_AV, &LEVEL_PR, &LEVEL_UI];
const LEVELS_EQ2: [&[f64]; 2] = [&LEVEL_AC, &LEVEL_AT];
const LEVELS_EQ36: [&[f64]; 6] = [
    &LEVEL_VC, &LEVEL_VI, &LEVEL_VA, &LEVEL_CR, &LEVEL_IR, &LEVEL_AR,
];
const LEVELS_EQ4: [&[f64]; 3] = [&LEVEL_SC, &LEVEL_SI, &LEVEL_SA];

/// Severity distance of `cur` from the highest-severity fragment `m`: the sum,
/// left to right as `cvss40.js` adds them, of the per-metric level differences.
#[inline]
fn dist<const K: usize>(levels: [&[f64]; K], cur: [u8; K], m: [u8; K]) -> f64 {
    let d = |j: usize| lv(levels[j], cur[j]) - lv(levels[j], m[j]);
    let mut acc = d(0);
    for j in 1..K {
        acc += d(j);
    }
    acc
}

/// Level and distance of one EQ's own metrics: `fits` is false when no
/// highest-severity fragment of that level is at or above the vector.
#[derive(Clone, Copy, Debug, Default)]
struct EqPart {
    level: u8,
    /// EQ6 level (only in the EQ3+EQ6 table).
    level6: u8,
    /// `distance / (max_severity * 0.1)` of this level (the interpolation's proportion).
    ratio: f64,
    fits: bool,
}

impl EqPart {
    fn new(level: u8, level6: u8, dist: f64, fits: bool, max_severity: u8) -> EqPart {
        let max = f64::from(max_severity) * STEP;
        // A level that does not exist (EQ3 2 with EQ6 0) has depth 0 and is never used.
        let ratio = if max > 0.0 { dist / max } else { 0.0 };
        EqPart {
            level,
            level6,
            ratio,
            fits,
        }
    }
}

fn eq_part<const K: usize>(cands: &[[u8; K]], cur: [u8; K], levels: [&[f64]; K]) -> (f64, bool) {
    match first_max(cands, cur, levels).and_then(|i| cands.get(i)) {
        Some(m) => (dist(levels, cur, *m), true),
        None => (0.0, false),
    }
}

/// What the interpolation needs of one MacroVector.
#[derive(Clone, Copy, Debug, Default)]
struct MacroPart {
    exists: bool,
    value: f64,
    /// For EQ1, EQ2, EQ3+EQ6, EQ4, EQ5: whether a lower MacroVector exists, and
    /// the available distance `value - lower`.
    has_lower: [bool; 5],
    available: [f64; 5],
    /// How many EQs have a lower MacroVector.
    n: u32,
}

/// Per-EQ and per-MacroVector tables for [`fast_score`], computed on first use
/// with the same functions as [`compute`].
#[derive(Debug)]
struct FastTables {
    eq1: [EqPart; 36],
    eq2: [EqPart; 4],
    eq36: [EqPart; 729],
    eq4: [EqPart; 48],
    macros: [MacroPart; 324],
}

static FAST: std::sync::OnceLock<FastTables> = std::sync::OnceLock::new();

/// The step of the MacroVector depths (`max_severity` is in 0.1 steps).
const STEP: f64 = 0.1;

fn fast_tables() -> &'static FastTables {
    FAST.get_or_init(|| {
        let base = Effective::default();
        let mut t = FastTables {
            eq1: [EqPart::default(); 36],
            eq2: [EqPart::default(); 4],
            eq36: [EqPart::default(); 729],
            eq4: [EqPart::default(); 48],
            macros: [MacroPart::default(); 324],
        };
        for (i, p) in t.eq1.iter_mut().enumerate() {
            let cur = [(i / 9) as u8, (i / 3 % 3) as u8, (i % 3) as u8];
            let e = Effective {
                av: cur[0],
                pr: cur[1],
                ui: cur[2],
                ..base
            };
            let level = e.macro_vector()[0];
            let (dist, fits) = eq_part(MAX_EQ1[usize::from(level)], cur, LEVELS_EQ1);
            *p = EqPart::new(level, 0, dist, fits, MAX_SEV_EQ1[usize::from(level)]);
        }
        for (i, p) in t.eq2.iter_mut().enumerate() {
            let cur = [(i / 2) as u8, (i % 2) as u8];
            let e = Effective {
                ac: cur[0],
                at: cur[1],
                ..base
            };
            let level = e.macro_vector()[1];
            let (dist, fits) = eq_part(MAX_EQ2[usize::from(level)], cur, LEVELS_EQ2);
            *p = EqPart::new(level, 0, dist, fits, MAX_SEV_EQ2[usize::from(level)]);
        }
        for (i, p) in t.eq36.iter_mut().enumerate() {
            let cur = [243, 81, 27, 9, 3, 1].map(|d| (i / d % 3) as u8);
            let e = Effective {
                vc: cur[0],
                vi: cur[1],
                va: cur[2],
                cr: cur[3],
                ir: cur[4],
                ar: cur[5],
                ..base
            };
            let mv = e.macro_vector();
            let (level, level6) = (mv[2], mv[5]);
            let cands = MAX_EQ3EQ6[usize::from(level) * 2 + usize::from(level6)];
            let (dist, fits) = eq_part(cands, cur, LEVELS_EQ36);
            *p = EqPart::new(
                level,
                level6,
                dist,
                fits,
                MAX_SEV_EQ3EQ6[usize::from(level) * 2 + usize::from(level6)],
            );
        }
        for (i, p) in t.eq4.iter_mut().enumerate() {
            let cur = [(i / 16) as u8, (i / 4 % 4) as u8, (i % 4) as u8];
            let e = Effective {
                sc: cur[0],
                si: cur[1],
                sa: cur[2],
                ..base
            };
            let level = e.macro_vector()[3];
            let (dist, fits) = eq_part(MAX_EQ4[usize::from(level)], cur, LEVELS_EQ4);
            *p = EqPart::new(level, 0, dist, fits, MAX_SEV_EQ4[usize::from(level)]);
        }
        for (i, m) in t.macros.iter_mut().enumerate() {
            let mv =
                [i / 108, i / 54 % 2, i / 18 % 3, i / 6 % 3, i / 2 % 3, i % 2].map(|x| x as u8);
            let Some(value_t) = lookup(mv) else { continue };
            let value = tenths(value_t);
            let lower = lower_macro_vectors(mv);
            *m = MacroPart {
                exists: true,
                value,
                has_lower: lower.map(|l| l.is_some()),
                available: lower.map(|l| l.map_or(0.0, |l| value - tenths(l))),
                n: lower.iter().filter(|l| l.is_some()).count() as u32,
            };
        }
        t
    })
}

/// The score in tenths, from the tables; the same arithmetic as [`compute`]
/// (which it falls back to in the case the tables do not cover).
#[inline]
fn fast_score(e: &Effective) -> u8 {
    if e.vc == 2 && e.vi == 2 && e.va == 2 && e.sc == 2 && e.si == 2 && e.sa == 2 {
        return 0;
    }
    let t = fast_tables();
    let at = |i: usize, len: usize| i.min(len - 1);
    let i1 = usize::from(e.av) * 9 + usize::from(e.pr) * 3 + usize::from(e.ui);
    let i36 = usize::from(e.vc) * 243
        + usize::from(e.vi) * 81
        + usize::from(e.va) * 27
        + usize::from(e.cr) * 9
        + usize::from(e.ir) * 3
        + usize::from(e.ar);
    let i4 = usize::from(e.sc) * 16 + usize::from(e.si) * 4 + usize::from(e.sa);
    let p1 = &t.eq1[at(i1, 36)];
    let p2 = &t.eq2[at(usize::from(e.ac) * 2 + usize::from(e.at), 4)];
    let p36 = &t.eq36[at(i36, 729)];
    let p4 = &t.eq4[at(i4, 48)];
    if !(p1.fits && p2.fits && p36.fits && p4.fits) || e.e > 2 {
        return compute(e).score.tenths();
    }
    let mi = usize::from(p1.level) * 108
        + usize::from(p2.level) * 54
        + usize::from(p36.level) * 18
        + usize::from(p4.level) * 6
        + usize::from(e.e) * 2
        + usize::from(p36.level6);
    let m = &t.macros[at(mi, 324)];
    if !m.exists {
        return 0;
    }
    // `available * (dist / max)`, the proportion taken from the EQ's table.
    let norm = |k: usize, ratio: f64| {
        if m.has_lower[k] {
            m.available[k] * ratio
        } else {
            0.0
        }
    };
    let n1 = norm(0, p1.ratio);
    let n2 = norm(1, p2.ratio);
    let n36 = norm(2, p36.ratio);
    let n4 = norm(3, p4.ratio);
    // EQ5's proportion is always 0 (0.0 / 1.0), but it counts in the mean.
    let n5 = norm(4, 0.0);
    let mean = if m.n == 0 {
        0.0
    } else {
        (n1 + n2 + n36 + n4 + n5) / f64::from(m.n)
    };
    round_score(m.value - mean)
}

/// Clamps to 0..=10 and rounds half up to tenths after adding 1e-6 (the
/// November 2024 fix). `y as i64` is `floor(y)` for `y ≥ 0`, and `y - floor(y)`
/// is exact, so this is `Math.round` without a libm call.
#[inline]
fn round_score(v: f64) -> u8 {
    let y = (v.clamp(0.0, 10.0) + 1e-6) * 10.0;
    let f = y as i64;
    let t = if y - f as f64 >= 0.5 { f + 1 } else { f };
    t.clamp(0, 100) as u8
}

/// The next lower MacroVector's score for EQ1, EQ2, EQ3+EQ6, EQ4 and EQ5.
fn lower_macro_vectors(mv: [u8; 6]) -> [Option<u8>; 5] {
    let [eq1, eq2, eq3, eq4, eq5, eq6] = mv;
    let l1 = lookup([eq1 + 1, eq2, eq3, eq4, eq5, eq6]);
    let l2 = lookup([eq1, eq2 + 1, eq3, eq4, eq5, eq6]);
    let l36 = match (eq3, eq6) {
        (0, 0) => {
            let left = lookup([eq1, eq2, eq3, eq4, eq5, eq6 + 1]);
            let right = lookup([eq1, eq2, eq3 + 1, eq4, eq5, eq6]);
            // cvss40.js: `if (left > right) left else right` (NaN compares false).
            match (left, right) {
                (Some(l), Some(r)) if l > r => Some(l),
                _ => right,
            }
        }
        (0, 1) | (1, 1) => lookup([eq1, eq2, eq3 + 1, eq4, eq5, eq6]),
        (1, 0) => lookup([eq1, eq2, eq3, eq4, eq5, eq6 + 1]),
        _ => lookup([eq1, eq2, eq3 + 1, eq4, eq5, eq6 + 1]),
    };
    let l4 = lookup([eq1, eq2, eq3, eq4 + 1, eq5, eq6]);
    let l5 = lookup([eq1, eq2, eq3, eq4, eq5 + 1, eq6]);
    [l1, l2, l36, l4, l5]
}

fn compute(e: &Effective) -> Detail {
    let mv = e.macro_vector();
    let no_impact = e.vc == 2 && e.vi == 2 && e.va == 2 && e.sc == 2 && e.si == 2 && e.sa == 2;
    let Some(value_t) = lookup(mv).filter(|_| !no_impact) else {
        return Detail {
            macro_vector: mv,
            no_impact,
            macro_score: Score::MIN,
            lower_scores: [None; 5],
            distances: [0.0; 5],
            normalized: [0.0; 5],
            mean_distance: 0.0,
            highest_severity: None,
            score: Score::MIN,
        };
    };
    let value = tenths(value_t);
    let [eq1, eq2, eq3, eq4, _, eq6] = mv;

    // Next lower MacroVector per EQ.
    let [l1, l2, l36, l4, l5] = lower_macro_vectors(mv);

    // Highest-severity vector: the first candidate (eq1 outermost) that the vector
    // does not exceed on any metric. The conditions are per EQ, so the first
    // combination is the combination of the first fitting candidate of each EQ.
    let c1 = MAX_EQ1[usize::from(eq1)];
    let c2 = MAX_EQ2[usize::from(eq2)];
    let c36 = MAX_EQ3EQ6[usize::from(eq3) * 2 + usize::from(eq6)];
    let c4 = MAX_EQ4[usize::from(eq4)];
    let cur1 = [e.av, e.pr, e.ui];
    let cur2 = [e.ac, e.at];
    let cur36 = [e.vc, e.vi, e.va, e.cr, e.ir, e.ar];
    let cur4 = [e.sc, e.si, e.sa];
    let f1 = first_max(c1, cur1, LEVELS_EQ1);
    let f2 = first_max(c2, cur2, LEVELS_EQ2);
    let f36 = first_max(c36, cur36, LEVELS_EQ36);
    let f4 = first_max(c4, cur4, LEVELS_EQ4);
    // If no combination fits, cvss40.js ends its loop on the last combination.
    let (m1, m2, m36, m4) = match (f1, f2, f36, f4) {
        (Some(a), Some(b), Some(c), Some(d)) => (c1.get(a), c2.get(b), c36.get(c), c4.get(d)),
        _ => (c1.last(), c2.last(), c36.last(), c4.last()),
    };
    let (m1, m2, m36, m4) = (
        m1.copied().unwrap_or(cur1),
        m2.copied().unwrap_or(cur2),
        m36.copied().unwrap_or(cur36),
        m4.copied().unwrap_or(cur4),
    );
    let dist1 = dist(LEVELS_EQ1, cur1, m1);
    let dist2 = dist(LEVELS_EQ2, cur2, m2);
    let dist36 = dist(LEVELS_EQ36, cur36, m36);
    let dist4 = dist(LEVELS_EQ4, cur4, m4);

    let max1 = f64::from(MAX_SEV_EQ1[usize::from(eq1)]) * STEP;
    let max2 = f64::from(MAX_SEV_EQ2[usize::from(eq2)]) * STEP;
    let max36 = f64::from(MAX_SEV_EQ3EQ6[usize::from(eq3) * 2 + usize::from(eq6)]) * STEP;
    let max4 = f64::from(MAX_SEV_EQ4[usize::from(eq4)]) * STEP;

    let mut n = 0u32;
    let mut norm = |lower: Option<u8>, dist: f64, max: f64| match lower {
        Some(l) => {
            n += 1;
            (value - tenths(l)) * (dist / max)
        }
        None => 0.0,
    };
    let n1 = norm(l1, dist1, max1);
    let n2 = norm(l2, dist2, max2);
    let n36 = norm(l36, dist36, max36);
    let n4 = norm(l4, dist4, max4);
    // EQ5's proportion is always 0, but it counts in the mean.
    let n5 = norm(l5, 0.0, 1.0);
    let mean = if n == 0 {
        0.0
    } else {
        (n1 + n2 + n36 + n4 + n5) / f64::from(n)
    };
    // November 2024 fix: add 1e-6 before rounding half up.
    let t = round_score(value - mean);
    Detail {
        macro_vector: mv,
        no_impact,
        macro_score: Score::clamped(i128::from(value_t)),
        lower_scores: [l1, l2, l36, l4, l5].map(|l| l.map(|t| Score::clamped(i128::from(t)))),
        distances: [dist1, dist2, dist36, dist4, 0.0],
        normalized: [n1, n2, n36, n4, n5],
        mean_distance: mean,
        highest_severity: Some(HighestSeverity {
            values: [
                m1[0], m1[1], m1[2], m2[0], m2[1], m36[0], m36[1], m36[2], m36[3], m36[4], m36[5],
                m4[0], m4[1], m4[2],
            ],
        }),
        score: Score::clamped(i128::from(t)),
    }
}
