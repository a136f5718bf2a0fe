//! Integration tests of the advisory crate, over the real advisories in `tests/data/`.

mod common;
mod csaf;
mod cvss;
mod lifecycle;
mod roundtrip;
mod schemas;
mod semantic;
