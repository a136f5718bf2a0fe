//! For files a project hosts elsewhere: what a daily re-lint should tell maintainers.

use jiff::{SignedDuration, Timestamp};

use crate::code::{Finding, Level};
use crate::lint::Report;

/// How many days before `Expires` maintainers are warned by default (issue 4: 30 days).
pub const EXPIRY_NOTICE_DAYS: i64 = 30;

/// The news in a re-lint, compared with the previous run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WatchNotice<'a> {
    /// Error-level findings that the previous report did not have (same code on the same
    /// line; messages may carry "now", so they are not compared).
    /// Everything, when there was no previous report.
    pub new_errors: Vec<&'a Finding>,
    /// `Expires`, when it falls within the notice period and has not passed yet (a passed
    /// one is the `expired` error instead).
    pub expires_soon: Option<Timestamp>,
}

impl WatchNotice<'_> {
    /// Whether there is anything to send.
    pub fn is_empty(&self) -> bool {
        self.new_errors.is_empty() && self.expires_soon.is_none()
    }
}

/// Compares `current` with `previous` (the last stored run, if any) at `now`, warning
/// `notice_days` before `Expires` (see [`EXPIRY_NOTICE_DAYS`]).
pub fn watch<'a>(
    previous: Option<&Report>,
    current: &'a Report,
    now: Timestamp,
    notice_days: i64,
) -> WatchNotice<'a> {
    let new_errors = current
        .findings
        .iter()
        .filter(|f| f.level() == Level::Error)
        .filter(|f| {
            previous.is_none_or(|p| {
                !p.findings
                    .iter()
                    .any(|old| old.code == f.code && old.line == f.line)
            })
        })
        .collect();
    let horizon = now.saturating_add(SignedDuration::from_hours(notice_days.saturating_mul(24)));
    let expires_soon = current
        .expires()
        .filter(|t| *t > now && horizon.is_ok_and(|h| *t <= h));
    WatchNotice {
        new_errors,
        expires_soon,
    }
}
