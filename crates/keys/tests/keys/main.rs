//! Tests of the `keys` crate: key lifecycle, WKD, and interoperability with GnuPG (which must
//! be installed: the tests fail, never skip, without it).

// Helpers outside `#[test]` functions panic on setup failures just as the tests do.
#![allow(clippy::unwrap_used)]

mod support;

mod decrypt;
mod encrypt;
mod lifecycle;
mod public;
mod signatures;
mod wkd;
