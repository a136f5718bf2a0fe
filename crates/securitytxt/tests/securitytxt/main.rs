//! Integration tests for `securitytxt` (one binary: `cargo test -p securitytxt`).

mod corpus;

/// The instant sectxt's verdicts in `tests/data/corpus/expected-sectxt.tsv` were pinned at.
pub fn pinned_now() -> jiff::Timestamp {
    jiff::Timestamp::from_second(1_795_305_600).unwrap_or(jiff::Timestamp::UNIX_EPOCH)
}
