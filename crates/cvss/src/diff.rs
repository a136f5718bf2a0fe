//! Differences between two vectors: "the reporter said X; we rescored to Y".

use crate::{Scores, Vector};
use core::fmt;

/// One metric whose value differs between two vectors. `X`/`ND` (not defined)
/// and an absent metric count as the same thing, shown as `None`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct MetricChange {
    /// Metric name.
    pub metric: &'static str,
    /// Value before (None: not defined).
    pub before: Option<&'static str>,
    /// Value after (None: not defined).
    pub after: Option<&'static str>,
}

/// The comparison of two vectors (see [`diff`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Diff {
    /// The first vector.
    pub before: Vector,
    /// The second vector.
    pub after: Vector,
    /// Scores of the first.
    pub before_scores: Scores,
    /// Scores of the second.
    pub after_scores: Scores,
}

/// Compares two vectors: changed metrics, scores and severities before and after.
pub fn diff(before: &Vector, after: &Vector) -> Diff {
    Diff {
        before: *before,
        after: *after,
        before_scores: before.scores(),
        after_scores: after.scores(),
    }
}

fn defined(v: Option<&'static str>) -> Option<&'static str> {
    v.filter(|v| *v != "X" && *v != "ND")
}

impl Diff {
    /// Whether the two vectors are of different CVSS versions (metrics are then
    /// compared by name, which is only indicative).
    pub fn version_changed(&self) -> bool {
        self.before.version() != self.after.version()
    }

    /// Metrics whose (defined) value differs: the first vector's metrics in
    /// canonical order, then those only the second one has.
    pub fn changes(&self) -> impl Iterator<Item = MetricChange> + '_ {
        let a = &self.before;
        let b = &self.after;
        let first = a.metrics().filter_map(move |(name, av)| {
            let (av, bv) = (defined(Some(av)), defined(b.get(name)));
            (av != bv).then_some(MetricChange {
                metric: name,
                before: av,
                after: bv,
            })
        });
        let second = b.metrics().filter_map(move |(name, bv)| {
            let bv = defined(Some(bv));
            (a.get(name).is_none() && bv.is_some()).then_some(MetricChange {
                metric: name,
                before: None,
                after: bv,
            })
        });
        first.chain(second)
    }

    /// Change of the representative score, in tenths (after − before).
    pub fn score_change_tenths(&self) -> i16 {
        i16::from(self.after_scores.score.tenths()) - i16::from(self.before_scores.score.tenths())
    }

    /// Whether the severity band changed.
    pub fn severity_changed(&self) -> bool {
        self.before_scores.severity != self.after_scores.severity
    }
}

impl fmt::Display for Diff {
    /// For example:
    /// ```text
    /// CVSS 3.1: 9.8 Critical -> 7.5 High (-2.3)
    ///   PR: N -> H
    /// ```
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (b, a) = (&self.before_scores, &self.after_scores);
        if self.version_changed() {
            write!(f, "CVSS {} -> {}: ", b.version, a.version)?;
        } else {
            write!(f, "CVSS {}: ", b.version)?;
        }
        let d = self.score_change_tenths();
        let sign = if d < 0 { "-" } else { "+" };
        let d = d.unsigned_abs();
        writeln!(
            f,
            "{} {} -> {} {} ({sign}{}.{})",
            b.score,
            b.severity,
            a.score,
            a.severity,
            d / 10,
            d % 10
        )?;
        let mut any = false;
        for c in self.changes() {
            any = true;
            writeln!(
                f,
                "  {}: {} -> {}",
                c.metric,
                c.before.unwrap_or("(not defined)"),
                c.after.unwrap_or("(not defined)")
            )?;
        }
        if !any {
            writeln!(f, "  no metric changed")?;
        }
        Ok(())
    }
}
