//! RFC 9116 `security.txt`: parse, lint with stable codes, render.
//!
//! Pure: no I/O, no clock (callers pass "now"), no network, no cryptography (signature
//! verification goes through the [`SignatureVerifier`] trait).
//!
//! # Lint
//! ```
//! use securitytxt::{lint, LintOptions, Level};
//! let now: jiff::Timestamp = "2026-11-22T00:00:00Z".parse().unwrap();
//! let report = lint(b"Contact: security@example.org\n", &LintOptions::at(now));
//! assert!(!report.is_valid());
//! let codes: Vec<&str> = report.errors().map(|f| f.code.id()).collect();
//! assert_eq!(codes, ["no_uri", "no_expire"]);
//! assert_eq!(report.errors().next().unwrap().line, Some(1));
//! ```
//!
//! Every [`Finding`] has a stable [`Code`] (`code.id()`), a [`Level`] and a message that
//! cites the clause. Codes shared with DIVD's `sectxt` keep its names; [`Code::ALL`] lists
//! them all. A report is *valid* when it has no error-level finding.
//!
//! # Render
//! [`Builder`] renders a file that lints with no error and no warning; [`expiry_for`] picks
//! an `Expires` at most one year ahead. To sign: sign [`signing_payload`]`(&text)` as an
//! OpenPGP canonical-text signature, then [`wrap_signed`]`(&text, "SHA512", &armored)`.

mod code;
mod expires;
mod fetch;
mod lang;
mod lang_registry;
mod lint;
#[cfg(feature = "sign")]
pub mod openpgp;
mod parse;
mod pgp;
mod render;
mod uri;
mod watch;
mod wellknown;

pub use code::{Code, Finding, Level};
pub use fetch::{
    Hop, HttpResponse, MAX_REDIRECTS, Retrieved, candidate_urls, lint_retrieved, retrieve,
};
/// Re-exported so that callers can pass "now" without depending on `jiff` themselves.
pub use jiff::Timestamp;
pub use lint::{KNOWN_FIELDS, LintOptions, Report, Summary, lint};
pub use parse::{DEFAULT_MAX_SIZE, Document, Field, Parsed, parse, parse_with_limit};
pub use pgp::{
    BEGIN_SIGNATURE, BEGIN_SIGNED, END_SIGNATURE, Signature, SignatureStatus, SignatureVerifier,
    Verification, signing_payload, wrap_signed,
};
pub use render::{BuildError, Builder, expiry_for, render};
pub use watch::{EXPIRY_NOTICE_DAYS, ErrorMark, WatchNotice, WatchState, watch};

/// Parses an RFC 3339 `date-time` as RFC 9116 §2.5.5 reads it (strict: `T` separator and an
/// offset are required). `None` if `value` is not one.
pub fn parse_expires(value: &str) -> Option<jiff::Timestamp> {
    match expires::parse(value) {
        expires::Expiry::Valid(t) => Some(t),
        _ => None,
    }
}

/// Formats `at` the way generated files carry `Expires`: `YYYY-MM-DDTHH:MM:SSZ` (UTC).
pub fn format_expires(at: jiff::Timestamp) -> String {
    expires::format(at)
}
