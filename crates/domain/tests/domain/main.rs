//! The domain crate's integration tests: one binary, one module per area. Expected values are
//! written out by hand (dates checked against GNU `date` with the system's tz database; hashes
//! against `sha256sum`), never computed by the code under test.

mod audit;
mod calendar;
mod permissions;
mod replies;
mod stats;
mod workflow;

use jiff::Timestamp;

pub fn ts(s: &str) -> Timestamp {
    s.parse().expect("a valid timestamp in a test")
}

pub fn date(s: &str) -> jiff::civil::Date {
    s.parse().expect("a valid date in a test")
}
