//! Integration tests for `securitytxt` (one binary: `cargo test -p securitytxt`).

mod codes;
mod corpus;
mod differences;
mod http;
mod render;
mod robust;
#[cfg(feature = "sign")]
mod sign;
mod synthetic;
mod watch;

use securitytxt::{LintOptions, Report, lint};

/// The instant sectxt's verdicts in `tests/data/corpus/expected-sectxt.tsv` were pinned at.
pub fn pinned_now() -> jiff::Timestamp {
    jiff::Timestamp::from_second(1_795_305_600).unwrap_or(jiff::Timestamp::UNIX_EPOCH)
}

/// Lints `input` at [`pinned_now`].
pub fn lint_at_pin(input: &[u8]) -> Report {
    lint(input, &LintOptions::at(pinned_now()))
}

/// Every finding as `code@L<line>` (or bare `code`), in report order.
pub fn keys(report: &Report) -> Vec<String> {
    report
        .findings
        .iter()
        .map(|f| match f.line {
            Some(n) => format!("{}@L{n}", f.code.id()),
            None => f.code.id().to_string(),
        })
        .collect()
}

/// Error-level findings as in [`keys`], sorted.
pub fn error_keys(report: &Report) -> Vec<String> {
    let mut v: Vec<String> = report
        .errors()
        .map(|f| match f.line {
            Some(n) => format!("{}@L{n}", f.code.id()),
            None => f.code.id().to_string(),
        })
        .collect();
    v.sort();
    v
}
