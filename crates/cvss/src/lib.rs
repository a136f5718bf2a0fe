//! Exact CVSS 2.0, 3.0, 3.1 and 4.0: strict parsing with typed errors, scoring,
//! severity, v4 nomenclature, canonical rendering, explanation and diff.
//!
//! Pure: no I/O, no heap allocation when parsing and scoring (vectors are
//! fixed-size arrays; errors keep short inline copies of the input).
//!
//! ```
//! let v = cvss::Vector::parse("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H")?;
//! let s = v.scores();
//! assert_eq!(s.score.to_string(), "9.8");
//! assert_eq!(s.severity, cvss::Severity::Critical);
//! # Ok::<(), cvss::ParseError>(())
//! ```
//!
//! Errors name the metric; CVSS v4.0 is strict about FIRST's metric order unless
//! asked otherwise:
//!
//! ```
//! use cvss::{ParseOptions, Vector};
//! let e = Vector::parse("CVSS:3.1/AV:Q/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H").unwrap_err();
//! assert_eq!(e.to_string(), "invalid value `Q` for metric AV");
//! let swapped = "CVSS:4.0/AC:L/AV:N/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N";
//! assert!(Vector::parse(swapped).is_err());
//! let lenient = ParseOptions { v4_any_order: true };
//! assert_eq!(Vector::parse_with(swapped, lenient)?.score().to_string(), "9.3");
//! # Ok::<(), cvss::ParseError>(())
//! ```
//!
//! A rescoring, explained and compared (PR:H moves EQ1 from 0 to 1):
//!
//! ```
//! let reported = cvss::Vector::parse("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N")?;
//! let rescored = cvss::Vector::parse("CVSS:4.0/AV:N/AC:L/AT:N/PR:H/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N")?;
//! assert!(rescored.explain().to_string().contains("MacroVector 100200"));
//! assert_eq!(
//!     cvss::diff(&reported, &rescored).to_string(),
//!     "CVSS 4.0: 9.3 Critical -> 8.6 High (-0.7)\n  PR: N -> H\n"
//! );
//! # Ok::<(), cvss::ParseError>(())
//! ```
//!
//! Which reference each version follows:
//! * v2: exact decimal arithmetic, round half up (FIRST's v2 guide examples);
//! * v3.0: FIRST's 3.0 calculator (`Math.ceil(x*10)/10` in doubles);
//! * v3.1: Appendix A `Roundup`;
//! * v4.0: the reference calculator `cvss40.js` with the November 2024 rounding fix.

mod common;
mod diff;
mod error;
mod explain;
mod score;
#[cfg(feature = "serde")]
mod serde_impl;
pub mod v2;
pub mod v3;
pub mod v4;

pub use diff::{Diff, MetricChange, diff};
pub use error::{Fragment, ParseError};
pub use explain::Explanation;
pub use score::{Nomenclature, Score, Scores, Severity, UnknownName, Version};

use core::fmt;

/// A parsed vector of any supported version.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Vector {
    /// CVSS v2.
    V2(v2::Vector),
    /// CVSS v3.0 or v3.1 (see [`v3::Vector::version`]).
    V3(v3::Vector),
    /// CVSS v4.0.
    V4(v4::Vector),
}

/// Parser options.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ParseOptions {
    /// Accept CVSS v4.0 metrics in any order (default: canonical order only, as
    /// FIRST's schema requires). v2 and v3.x always accept any order.
    pub v4_any_order: bool,
}

impl Vector {
    /// Parses a vector of any version, strictly (see [`ParseOptions`]).
    ///
    /// The version comes from the prefix: `CVSS:3.0/`, `CVSS:3.1/`, `CVSS:4.0/`,
    /// or none for v2 (optionally wrapped in parentheses as NVD writes it).
    /// Nothing is trimmed: surrounding spaces are an error.
    pub fn parse(s: &str) -> Result<Vector, ParseError> {
        parse_with(s, ParseOptions::default())
    }

    /// Parses with options.
    pub fn parse_with(s: &str, options: ParseOptions) -> Result<Vector, ParseError> {
        parse_with(s, options)
    }

    /// The version.
    pub fn version(&self) -> Version {
        match self {
            Vector::V2(_) => Version::V2,
            Vector::V3(v) => v.version(),
            Vector::V4(_) => Version::V40,
        }
    }

    /// All scores, severity and (v4) nomenclature. No heap allocation.
    pub fn scores(&self) -> Scores {
        match self {
            Vector::V2(v) => v.scores(),
            Vector::V3(v) => v.scores(),
            Vector::V4(v) => v.scores(),
        }
    }

    /// The representative score (see [`Scores`]).
    pub fn score(&self) -> Score {
        match self {
            Vector::V4(v) => v.score(),
            _ => self.scores().score,
        }
    }

    /// The severity of the representative score.
    pub fn severity(&self) -> Severity {
        self.scores().severity
    }

    /// How the score was reached; its `Display` is a readable multi-line text.
    pub fn explain(&self) -> Explanation {
        explain::explain(self)
    }

    /// The metrics present, as `(name, value)` in canonical order.
    pub fn metrics(&self) -> Metrics<'_> {
        let (defs, vals): (&'static [common::MetricDef], &[u8]) = match self {
            Vector::V2(v) => (&v2::DEFS, v.raw()),
            Vector::V3(v) => (&v3::DEFS, v.raw()),
            Vector::V4(v) => (&v4::DEFS, v.raw()),
        };
        Metrics { defs, vals, pos: 0 }
    }

    /// The value of the metric named `name` (case-sensitive), if present.
    pub fn get(&self, name: &str) -> Option<&'static str> {
        self.metrics().find(|(n, _)| *n == name).map(|(_, v)| v)
    }
}

/// Iterator over the metrics present in a vector (see [`Vector::metrics`]).
#[derive(Clone, Debug)]
pub struct Metrics<'a> {
    defs: &'static [common::MetricDef],
    vals: &'a [u8],
    pos: usize,
}

impl Iterator for Metrics<'_> {
    type Item = (&'static str, &'static str);
    fn next(&mut self) -> Option<Self::Item> {
        while let (Some(def), Some(&v)) = (self.defs.get(self.pos), self.vals.get(self.pos)) {
            self.pos += 1;
            if let Some(value) = common::value_str(def, v) {
                return Some((def.name, value));
            }
        }
        None
    }
}

impl fmt::Display for Vector {
    /// Canonical form; `Vector::parse(&v.to_string()) == Ok(v)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Vector::V2(v) => fmt::Display::fmt(v, f),
            Vector::V3(v) => fmt::Display::fmt(v, f),
            Vector::V4(v) => fmt::Display::fmt(v, f),
        }
    }
}

impl core::str::FromStr for Vector {
    type Err = ParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Vector::parse(s)
    }
}

impl From<v2::Vector> for Vector {
    fn from(v: v2::Vector) -> Self {
        Vector::V2(v)
    }
}

impl From<v3::Vector> for Vector {
    fn from(v: v3::Vector) -> Self {
        Vector::V3(v)
    }
}

impl From<v4::Vector> for Vector {
    fn from(v: v4::Vector) -> Self {
        Vector::V4(v)
    }
}

pub(crate) fn parse_any(s: &str) -> Result<Vector, ParseError> {
    parse_with(s, ParseOptions::default())
}

fn parse_with(s: &str, options: ParseOptions) -> Result<Vector, ParseError> {
    if s.is_empty() {
        return Err(ParseError::Empty);
    }
    if let Some(rest) = s.strip_prefix("CVSS:") {
        let (version, body) = rest.split_once('/').unwrap_or((rest, ""));
        let parsed = match version {
            "3.1" => v3::Vector::parse_body(Version::V31, body).map(Vector::V3),
            "3.0" => v3::Vector::parse_body(Version::V30, body).map(Vector::V3),
            "4.0" => v4::Vector::parse_body(body, !options.v4_any_order).map(Vector::V4),
            _ => {
                return Err(ParseError::UnknownVersion {
                    prefix: Fragment::new(s.split('/').next().unwrap_or(s)),
                });
            }
        };
        return parsed.map_err(|e| match e {
            // A prefix with nothing after it.
            ParseError::Malformed { component }
                if body.is_empty() && component.as_str().is_empty() =>
            {
                ParseError::MissingMetric { metric: "AV" }
            }
            e => e,
        });
    }
    if s.as_bytes()
        .get(..5)
        .is_some_and(|p| p.eq_ignore_ascii_case(b"CVSS:"))
    {
        let prefix = s.split('/').next().unwrap_or(s);
        let expected = match prefix.get(5..) {
            Some("3.0") => "CVSS:3.0",
            Some("3.1") => "CVSS:3.1",
            Some("4.0") => "CVSS:4.0",
            _ => {
                return Err(ParseError::UnknownVersion {
                    prefix: Fragment::new(prefix),
                });
            }
        };
        return Err(ParseError::WrongCase {
            found: Fragment::new(prefix),
            expected,
        });
    }
    match v2::Vector::parse(s) {
        Ok(v) => Ok(Vector::V2(v)),
        Err(ParseError::UnknownMetric { metric, .. })
            if v3::DEFS
                .iter()
                .chain(v4::DEFS.iter())
                .any(|d| d.name == metric.as_str()) =>
        {
            Err(ParseError::MissingPrefix { metric })
        }
        Err(e) => Err(e),
    }
}
