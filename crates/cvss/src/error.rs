//! Parse errors: precise, allocation-free, and naming the offending metric.

use crate::score::Version;
use core::fmt;

/// A short copy of a piece of the input (at most [`Fragment::CAPACITY`] bytes,
/// cut at a character boundary), kept inline so that errors never allocate.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Fragment {
    buf: [u8; Fragment::CAPACITY],
    len: u8,
    truncated: bool,
}

impl Fragment {
    /// The most bytes kept from the input.
    pub const CAPACITY: usize = 24;

    pub(crate) fn new(s: &str) -> Self {
        let mut end = s.len().min(Self::CAPACITY);
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        let mut buf = [0u8; Self::CAPACITY];
        buf[..end].copy_from_slice(&s.as_bytes()[..end]);
        Fragment {
            buf,
            len: end as u8,
            truncated: end < s.len(),
        }
    }

    /// The kept text (possibly truncated, see [`Fragment::is_truncated`]).
    pub fn as_str(&self) -> &str {
        core::str::from_utf8(&self.buf[..usize::from(self.len)]).unwrap_or_default()
    }

    /// Whether the input was longer than what is kept.
    pub fn is_truncated(&self) -> bool {
        self.truncated
    }
}

impl fmt::Debug for Fragment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl fmt::Display for Fragment {
    /// Back-quoted and escaped, so that control characters and spaces stay visible.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("`")?;
        for c in self.as_str().chars() {
            if matches!(c, ' ' | '\'' | '"') {
                f.write_fmt(format_args!("{c}"))?;
            } else {
                fmt::Display::fmt(&c.escape_debug(), f)?;
            }
        }
        if self.truncated {
            f.write_str("…")?;
        }
        f.write_str("`")
    }
}

/// Why a vector string was rejected.
///
/// Every variant that concerns one metric names it, so messages read on their own,
/// for example ``invalid value `Q` for metric AV``.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ParseError {
    /// The input is empty.
    Empty,
    /// The input looks like a CVSS v3 or v4 vector but lacks its `CVSS:3.x/` or
    /// `CVSS:4.0/` prefix (the metric shown is one that CVSS v2 does not have).
    MissingPrefix {
        /// The first metric that is not a CVSS v2 metric.
        metric: Fragment,
    },
    /// A `CVSS:` prefix with a version this engine does not know (`CVSS:3.2`, or
    /// `CVSS:2.0`, since CVSS v2 vectors carry no prefix).
    UnknownVersion {
        /// The prefix as written.
        prefix: Fragment,
    },
    /// A prefix or metric name in the wrong letter case (`cvss:4.0`, `av:N`).
    WrongCase {
        /// What the input says.
        found: Fragment,
        /// What the specification spells.
        expected: &'static str,
    },
    /// A component that is not `METRIC:VALUE` (no colon, or an empty component
    /// from a doubled, leading or trailing `/`).
    Malformed {
        /// The component as written.
        component: Fragment,
    },
    /// A CVSS v2 vector with an opening parenthesis and no closing one, or the
    /// reverse (NVD writes `(AV:N/…/A:P)`).
    UnbalancedParentheses,
    /// A metric name that this CVSS version does not define.
    UnknownMetric {
        /// The name as written.
        metric: Fragment,
        /// The version of the vector (from its prefix).
        version: Version,
        /// Another version that defines a metric of that name, if any (a hint
        /// that the prefix is wrong).
        defined_in: Option<Version>,
    },
    /// A value that the metric does not allow (including an empty value).
    InvalidValue {
        /// The metric.
        metric: &'static str,
        /// The value as written.
        value: Fragment,
    },
    /// A metric given twice.
    DuplicateMetric {
        /// The metric.
        metric: &'static str,
    },
    /// A mandatory (base) metric is absent.
    MissingMetric {
        /// The first missing metric in canonical order.
        metric: &'static str,
    },
    /// CVSS v4.0 metrics out of the canonical order the FIRST schema requires
    /// (use the lenient parser to accept any order).
    OutOfOrder {
        /// The metric found too late.
        metric: &'static str,
        /// The metric it was found after.
        after: &'static str,
    },
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ParseError::Empty => f.write_str("empty vector"),
            ParseError::MissingPrefix { metric } => write!(
                f,
                "metric {metric} is not a CVSS v2 metric; CVSS v3 and v4 vectors must start with `CVSS:3.1/`, `CVSS:3.0/` or `CVSS:4.0/`"
            ),
            ParseError::UnknownVersion { prefix } => write!(
                f,
                "unknown CVSS version prefix {prefix} (expected `CVSS:3.0`, `CVSS:3.1` or `CVSS:4.0`; CVSS v2 vectors have no prefix)"
            ),
            ParseError::WrongCase { found, expected } => {
                write!(f, "wrong letter case: {found}, expected `{expected}`")
            }
            ParseError::UnbalancedParentheses => {
                f.write_str("unbalanced parentheses around a CVSS v2 vector")
            }
            ParseError::Malformed { component } => {
                write!(f, "malformed component {component}, expected METRIC:VALUE")
            }
            ParseError::UnknownMetric {
                metric,
                version,
                defined_in,
            } => {
                if metric.as_str().is_empty() {
                    return write!(f, "empty metric name (a component starts with `:`)");
                }
                write!(f, "unknown metric {metric} for CVSS {version}")?;
                match defined_in {
                    Some(Version::V30 | Version::V31) => {
                        f.write_str(" (it is a CVSS v3 metric: check the prefix)")
                    }
                    Some(other) => write!(f, " (it is a CVSS {other} metric: check the prefix)"),
                    None => Ok(()),
                }
            }
            ParseError::InvalidValue { metric, value } => {
                if value.as_str().is_empty() {
                    write!(f, "empty value for metric {metric}")
                } else {
                    write!(f, "invalid value {value} for metric {metric}")
                }
            }
            ParseError::DuplicateMetric { metric } => write!(f, "duplicate metric {metric}"),
            ParseError::MissingMetric { metric } => {
                write!(f, "missing mandatory metric {metric}")
            }
            ParseError::OutOfOrder { metric, after } => write!(
                f,
                "metric {metric} out of canonical order (found after {after}); CVSS v4.0 requires the specification's order"
            ),
        }
    }
}

impl std::error::Error for ParseError {}

impl ParseError {
    /// Fills in the version of an [`ParseError::UnknownMetric`] and looks the
    /// name up in the other versions (cold path).
    #[cold]
    pub(crate) fn in_version(self, version: Version) -> ParseError {
        match self {
            ParseError::UnknownMetric { metric, .. } => {
                let name = metric.as_str();
                let has = |defs: &[crate::common::MetricDef]| defs.iter().any(|d| d.name == name);
                let defined_in = [
                    (Version::V40, has(&crate::v4::DEFS)),
                    (Version::V31, has(&crate::v3::DEFS)),
                    (Version::V2, has(&crate::v2::DEFS)),
                ]
                .into_iter()
                .find(|&(v, found)| found && !same_family(v, version))
                .map(|(v, _)| v);
                ParseError::UnknownMetric {
                    metric,
                    version,
                    defined_in,
                }
            }
            other => other,
        }
    }
}

fn same_family(a: Version, b: Version) -> bool {
    let family = |v: Version| match v {
        Version::V30 | Version::V31 => 3,
        Version::V2 => 2,
        Version::V40 => 4,
    };
    family(a) == family(b)
}
