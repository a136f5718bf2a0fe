//! Table-driven parsing and rendering shared by all versions.
//!
//! A parsed vector is a fixed array with one byte per metric (in the version's
//! canonical order): 0 means absent, `k > 0` means the `k-1`-th allowed value.

use crate::error::{Fragment, ParseError};
use core::fmt;

/// One metric: its name and allowed values (value index `k` is stored as `k+1`).
#[derive(Debug)]
pub(crate) struct MetricDef {
    pub name: &'static str,
    pub values: &'static [&'static str],
}

/// Parses `body` (the vector without prefix) into a value array.
///
/// The first `mandatory` metrics must be present. With `strict_order`, metrics
/// must appear in table order.
pub(crate) fn parse_body<const N: usize>(
    body: &str,
    defs: &'static [MetricDef; N],
    mandatory: usize,
    strict_order: bool,
) -> Result<[u8; N], ParseError> {
    let mut vals = [0u8; N];
    // Index of the last metric seen; the lookup starts just after it, so metrics
    // in canonical order are found at the first comparison.
    let mut last: Option<usize> = None;
    for comp in body.split('/') {
        let Some((name, value)) = comp.split_once(':') else {
            return Err(ParseError::Malformed {
                component: Fragment::new(comp),
            });
        };
        let start = last.map_or(0, |l| l + 1);
        let Some(idx) = find_metric(defs, name.as_bytes(), start) else {
            return Err(unknown_metric(defs, name));
        };
        let def = &defs[idx];
        if vals[idx] != 0 {
            return Err(ParseError::DuplicateMetric { metric: def.name });
        }
        if strict_order && let Some(l) = last.filter(|&l| idx < l) {
            return Err(ParseError::OutOfOrder {
                metric: def.name,
                after: defs[l].name,
            });
        }
        let Some(v) = def
            .values
            .iter()
            .position(|&v| v.as_bytes() == value.as_bytes())
        else {
            return Err(ParseError::InvalidValue {
                metric: def.name,
                value: Fragment::new(value),
            });
        };
        vals[idx] = (v + 1) as u8;
        last = Some(idx);
    }
    if let Some(missing) = defs[..mandatory]
        .iter()
        .zip(vals.iter())
        .find(|(_, v)| **v == 0)
    {
        return Err(ParseError::MissingMetric {
            metric: missing.0.name,
        });
    }
    Ok(vals)
}

#[inline]
fn find_metric<const N: usize>(
    defs: &'static [MetricDef; N],
    name: &[u8],
    start: usize,
) -> Option<usize> {
    let start = start.min(N);
    (start..N)
        .chain(0..start)
        .find(|&i| defs[i].name.as_bytes() == name)
}

#[cold]
fn unknown_metric<const N: usize>(defs: &'static [MetricDef; N], name: &str) -> ParseError {
    if let Some(def) = defs.iter().find(|d| d.name.eq_ignore_ascii_case(name)) {
        return ParseError::WrongCase {
            found: Fragment::new(name),
            expected: def.name,
        };
    }
    ParseError::UnknownMetric {
        metric: Fragment::new(name),
    }
}

/// Writes the present metrics as `NAME:VALUE` joined by `/`, in table order.
pub(crate) fn render<const N: usize>(
    f: &mut fmt::Formatter<'_>,
    defs: &'static [MetricDef; N],
    vals: &[u8; N],
    mut first: bool,
) -> fmt::Result {
    for (def, &v) in defs.iter().zip(vals.iter()) {
        if let Some(value) = value_str(def, v) {
            if !first {
                f.write_str("/")?;
            }
            first = false;
            f.write_str(def.name)?;
            f.write_str(":")?;
            f.write_str(value)?;
        }
    }
    Ok(())
}

/// The value string stored as `v` (None when absent).
#[inline]
pub(crate) fn value_str(def: &MetricDef, v: u8) -> Option<&'static str> {
    usize::from(v)
        .checked_sub(1)
        .and_then(|i| def.values.get(i).copied())
}

/// Rounds `n / d` to the nearest integer, ties away from zero (exact; `d > 0`).
pub(crate) fn div_round_half_away(n: i128, d: i128) -> i128 {
    if n >= 0 {
        (2 * n + d) / (2 * d)
    } else {
        -((-2 * n + d) / (2 * d))
    }
}
