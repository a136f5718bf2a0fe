//! For files a project hosts elsewhere: what a daily re-lint should tell maintainers.
//!
//! The caller keeps a [`WatchState`] between runs (it serializes to JSON) and passes it back
//! with the next [`Report`]; [`watch`] says what is news and returns the state to keep.

use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

use crate::code::{Finding, Level};
use crate::lint::Report;

/// How many days before `Expires` maintainers are warned by default (issue 4: 30 days).
pub const EXPIRY_NOTICE_DAYS: i64 = 30;

/// What one run leaves for the next.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WatchState {
    /// The error-level findings of the run, by code and line.
    pub errors: Vec<ErrorMark>,
    /// The `Expires` value maintainers were last warned about, so each one is news once.
    pub warned_expires: Option<Timestamp>,
}

/// An error-level finding as remembered between runs: its code and line (messages may
/// carry "now", so they are not compared).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorMark {
    /// The stable code ([`crate::Code::id`]).
    pub code: String,
    /// The 1-based line, when the finding has one.
    pub line: Option<usize>,
}

impl ErrorMark {
    fn of(f: &Finding) -> ErrorMark {
        ErrorMark {
            code: f.code.id().to_owned(),
            line: f.line,
        }
    }
}

/// The news in a re-lint, compared with the previous run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WatchNotice<'a> {
    /// Error-level findings that the previous run did not have (same code on the same
    /// line). Everything, when there was no previous run.
    pub new_errors: Vec<&'a Finding>,
    /// `Expires`, when it falls within the notice period, has not passed yet (a passed one
    /// is the `expired` error instead) and maintainers were not yet warned about it.
    pub expires_soon: Option<Timestamp>,
}

impl WatchNotice<'_> {
    /// Whether there is anything to send.
    pub fn is_empty(&self) -> bool {
        self.new_errors.is_empty() && self.expires_soon.is_none()
    }
}

/// Compares `current` with the `previous` run's state (if any) at `now`, warning
/// `notice_days` before `Expires` (see [`EXPIRY_NOTICE_DAYS`]); returns the news and the
/// state to keep for the next run.
pub fn watch<'a>(
    previous: Option<&WatchState>,
    current: &'a Report,
    now: Timestamp,
    notice_days: i64,
) -> (WatchNotice<'a>, WatchState) {
    let errors: Vec<&Finding> = current
        .findings
        .iter()
        .filter(|f| f.level() == Level::Error)
        .collect();
    let new_errors = errors
        .iter()
        .copied()
        .filter(|f| {
            let mark = ErrorMark::of(f);
            previous.is_none_or(|p| !p.errors.contains(&mark))
        })
        .collect();
    let warned = previous.and_then(|p| p.warned_expires);
    let horizon = now.saturating_add(SignedDuration::from_hours(notice_days.saturating_mul(24)));
    let expires_soon = current
        .expires()
        .filter(|t| *t > now && horizon.is_ok_and(|h| *t <= h))
        .filter(|t| warned != Some(*t));
    let state = WatchState {
        errors: errors.into_iter().map(ErrorMark::of).collect(),
        warned_expires: expires_soon.or(warned),
    };
    (
        WatchNotice {
            new_errors,
            expires_soon,
        },
        state,
    )
}
