//! Reading the reference data files.

use std::path::PathBuf;

pub fn path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

pub fn read(name: &str) -> String {
    std::fs::read_to_string(path(name)).unwrap_or_else(|e| panic!("reading {name}: {e}"))
}

/// Expected outcome of one line.
#[derive(Debug, Clone, PartialEq)]
pub enum Expected {
    Invalid,
    /// Scores in tenths; `None` for a group the reference reports as absent.
    Scores(Vec<Option<i32>>),
}

fn tenths(s: &str) -> Option<i32> {
    let s = s.trim();
    if s == "None" {
        return None;
    }
    let x: f64 = s
        .parse()
        .unwrap_or_else(|e| panic!("bad number {s:?}: {e}"));
    Some((x * 10.0).round() as i32)
}

/// Splits a line on the first ` - `; the vector is not trimmed.
pub fn parse_line(line: &str) -> (&str, Expected) {
    let (vector, rest) = line
        .split_once(" - ")
        .unwrap_or_else(|| panic!("no separator in {line:?}"));
    let rest = rest.trim();
    if rest == "INVALID" {
        return (vector, Expected::Invalid);
    }
    let first = match rest.strip_prefix('(') {
        // The first tuple (formats T, P, Q).
        Some(r) => r.split(')').next().unwrap_or(""),
        None => rest,
    };
    let scores = first
        .split(',')
        .filter(|p| !p.trim().is_empty())
        .map(tenths)
        .collect();
    (vector, Expected::Scores(scores))
}

/// Lines of a data file (without the line terminator), skipping empty lines.
pub fn lines(name: &str) -> Vec<String> {
    read(name)
        .split('\n')
        .map(|l| l.strip_suffix('\r').unwrap_or(l).to_owned())
        .filter(|l| !l.is_empty())
        .collect()
}
