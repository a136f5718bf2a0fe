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

/// The most values a metric allows (v2 `CDP`).
const MAX_VALUES: usize = 6;
/// Padding in [`Table::values`]; no input key can equal it.
const NO_VALUE: u64 = u64::MAX;
/// The key of an input piece longer than any name or value; matches nothing.
const TOO_LONG: u64 = u64::MAX - 1;

/// A name or value packed into an integer: up to 7 bytes, little-endian, with
/// the length in the top byte. Equal keys mean equal byte strings.
const fn key(b: &[u8]) -> u64 {
    if b.len() > 7 {
        return TOO_LONG;
    }
    let mut k = (b.len() as u64) << 56;
    let mut i = 0;
    while i < b.len() {
        k |= (b[i] as u64) << (8 * i);
        i += 1;
    }
    k
}

/// Slots in the name hash table.
const SLOTS: usize = 128;

/// A version's metric table with its names and values pre-packed as integer
/// keys, so that parsing compares integers instead of strings: names through a
/// collision-free multiplicative hash (the multiplier is searched at compile
/// time), one-byte values through a direct table.
#[derive(Debug)]
pub(crate) struct Table<const N: usize> {
    pub defs: &'static [MetricDef; N],
    names: [u64; N],
    values: [[u64; MAX_VALUES]; N],
    multiplier: u64,
    /// Hash slot → metric index + 1 (0: empty).
    slots: [u8; SLOTS],
    /// Metric index → one-byte value → value index + 1 (0: not a one-byte value).
    one_byte: [[u8; 128]; N],
}

const fn slot(k: u64, multiplier: u64) -> usize {
    (k.wrapping_mul(multiplier) >> 57) as usize
}

impl<const N: usize> Table<N> {
    pub const fn new(defs: &'static [MetricDef; N]) -> Self {
        let mut names = [0u64; N];
        let mut values = [[NO_VALUE; MAX_VALUES]; N];
        let mut one_byte = [[0u8; 128]; N];
        let mut i = 0;
        while i < N {
            names[i] = key(defs[i].name.as_bytes());
            let vs = defs[i].values;
            assert!(vs.len() <= MAX_VALUES);
            let mut j = 0;
            while j < vs.len() {
                let v = vs[j].as_bytes();
                assert!(v.len() <= 7);
                values[i][j] = key(v);
                if v.len() == 1 {
                    assert!(v[0] < 128);
                    one_byte[i][v[0] as usize] = j as u8 + 1;
                }
                j += 1;
            }
            i += 1;
        }
        // Search a multiplier that puts every name in its own slot.
        let mut multiplier = 0x9E37_79B9_7F4A_7C15u64;
        let slots = loop {
            let mut slots = [0u8; SLOTS];
            let mut ok = true;
            let mut i = 0;
            while i < N {
                let s = slot(names[i], multiplier);
                if slots[s] != 0 {
                    ok = false;
                    break;
                }
                slots[s] = i as u8 + 1;
                i += 1;
            }
            if ok {
                break slots;
            }
            // Next odd candidate (splitmix64 step).
            multiplier = multiplier.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = multiplier;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            multiplier = (z ^ (z >> 31)) | 1;
        };
        Table {
            defs,
            names,
            values,
            multiplier,
            slots,
            one_byte,
        }
    }

    /// Index of the metric whose name has key `k`.
    #[inline(always)]
    fn find(&self, k: u64) -> Option<usize> {
        let i = usize::from(self.slots[slot(k, self.multiplier)]).checked_sub(1)?;
        (self.names.get(i) == Some(&k)).then_some(i)
    }

    /// Index + 1 of the value with key `vk` for metric `idx`; 0 when not allowed.
    #[inline(always)]
    fn value(&self, idx: usize, vk: u64) -> u8 {
        if vk >> 56 == 1 {
            let c = (vk & 0x7f) as usize;
            if vk & 0x80 == 0 {
                let v = self.one_byte[idx][c];
                if v != 0 {
                    return v;
                }
            }
        }
        let allowed = &self.values[idx];
        let mut j = 0;
        while j < MAX_VALUES {
            if allowed[j] == vk {
                return j as u8 + 1;
            }
            j += 1;
        }
        0
    }
}

/// Parses `body` (the vector without prefix) into a value array.
///
/// The first `mandatory` metrics must be present. With `strict_order`, metrics
/// must appear in table order. Components are `NAME:VALUE` separated by `/`;
/// nothing is trimmed. Errors report the first problem from the left.
#[inline]
pub(crate) fn parse_body<const N: usize>(
    body: &str,
    table: &Table<N>,
    mandatory: usize,
    strict_order: bool,
) -> Result<[u8; N], ParseError> {
    let b = body.as_bytes();
    let len = b.len();
    let mut vals = [0u8; N];
    let mut last: Option<usize> = None;
    let mut pos = 0usize;
    loop {
        let start = pos;
        // Fast path: a name of 1 to 3 bytes that is a metric of this version
        // (names never contain `:` or `/`, so the general scan agrees).
        let fast = match b.get(pos..) {
            Some([c0, b':', ..]) => Some((u64::from(*c0) | 1 << 56, 1)),
            Some([c0, c1, b':', ..]) => Some((u64::from(*c0) | u64::from(*c1) << 8 | 2 << 56, 2)),
            Some([c0, c1, c2, b':', ..]) => Some((
                u64::from(*c0) | u64::from(*c1) << 8 | u64::from(*c2) << 16 | 3 << 56,
                3,
            )),
            _ => None,
        }
        .and_then(|(k, n)| table.find(k).map(|idx| (idx, n)));
        let idx = match fast {
            Some((idx, n)) => {
                pos += n + 1;
                idx
            }
            None => {
                let (idx, colon) = scan_name(body, table, start)?;
                pos = colon + 1;
                idx
            }
        };
        if vals[idx] != 0 {
            return Err(ParseError::DuplicateMetric {
                metric: table.defs[idx].name,
            });
        }
        if strict_order && let Some(l) = last.filter(|&l| idx < l) {
            return Err(ParseError::OutOfOrder {
                metric: table.defs[idx].name,
                after: table.defs[l].name,
            });
        }
        // Value: up to `/` or the end; fast path for one byte.
        let vstart = pos;
        let vk = match b.get(pos..) {
            Some([c]) if *c != b'/' => {
                pos += 1;
                u64::from(*c) | 1 << 56
            }
            Some([c, b'/', ..]) if *c != b'/' => {
                pos += 1;
                u64::from(*c) | 1 << 56
            }
            _ => {
                let mut vk = 0u64;
                while pos < len {
                    let c = b[pos];
                    if c == b'/' {
                        break;
                    }
                    if pos - vstart < 7 {
                        vk |= u64::from(c) << (8 * (pos - vstart));
                    }
                    pos += 1;
                }
                let vlen = pos - vstart;
                if vlen <= 7 {
                    vk | ((vlen as u64) << 56)
                } else {
                    TOO_LONG
                }
            }
        };
        let found = table.value(idx, vk);
        if found == 0 {
            return Err(ParseError::InvalidValue {
                metric: table.defs[idx].name,
                value: Fragment::new(body.get(vstart..pos).unwrap_or_default()),
            });
        }
        vals[idx] = found;
        last = Some(idx);
        if pos >= len {
            break;
        }
        pos += 1; // the `/`
    }
    let mut i = 0;
    while i < mandatory.min(N) {
        if vals[i] == 0 {
            return Err(ParseError::MissingMetric {
                metric: table.defs[i].name,
            });
        }
        i += 1;
    }
    Ok(vals)
}

/// The general name scan: up to `:` within the component that starts at
/// `start`. Returns the metric index and the position of the `:`.
#[inline(never)]
fn scan_name<const N: usize>(
    body: &str,
    table: &Table<N>,
    start: usize,
) -> Result<(usize, usize), ParseError> {
    let b = body.as_bytes();
    let mut pos = start;
    while pos < b.len() && b[pos] != b':' && b[pos] != b'/' {
        pos += 1;
    }
    if pos >= b.len() || b[pos] != b':' {
        return Err(ParseError::Malformed {
            component: Fragment::new(body.get(start..pos).unwrap_or_default()),
        });
    }
    let name = b.get(start..pos).unwrap_or_default();
    match table.find(key(name)) {
        Some(idx) => Ok((idx, pos)),
        None => Err(unknown_metric(
            table.defs,
            body.get(start..pos).unwrap_or_default(),
        )),
    }
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
        // Filled in by the version's parser (`ParseError::in_version`).
        version: crate::Version::V2,
        defined_in: None,
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
