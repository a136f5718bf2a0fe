//! CWE names from MITRE's catalogue (CWE 4.20), needed because CSAF test 6.1.11 requires the
//! official name next to the id.

use std::collections::HashMap;
use std::sync::OnceLock;

const TABLE: &str = include_str!("../schemas/cwe_names_4.20.tsv");

fn table() -> &'static HashMap<u32, &'static str> {
    static T: OnceLock<HashMap<u32, &'static str>> = OnceLock::new();
    T.get_or_init(|| {
        TABLE
            .lines()
            .filter_map(|l| {
                let (n, name) = l.split_once('\t')?;
                Some((n.parse().ok()?, name))
            })
            .collect()
    })
}

/// The catalogue name of `CWE-<n>`, if the id is known.
#[must_use]
pub fn name(id: &str) -> Option<&'static str> {
    let n: u32 = id.strip_prefix("CWE-")?.parse().ok()?;
    table().get(&n).copied()
}
