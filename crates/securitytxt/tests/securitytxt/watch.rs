//! The daily re-lint of a file hosted elsewhere: new errors and the 30-day Expires notice.

use securitytxt::{
    Code, EXPIRY_NOTICE_DAYS, ErrorMark, LintOptions, Timestamp, WatchState, lint, watch,
};

fn at(s: &str) -> Timestamp {
    s.parse().unwrap_or(Timestamp::UNIX_EPOCH)
}

const FILE: &str = "Contact: mailto:security@example.org\n\
Expires: 2027-01-15T00:00:00Z\n\
Encryption: https://example.org/key.asc\n\
Policy: https://example.org/security\n";

#[test]
fn expiry_notice_starts_thirty_days_before() {
    let check = |now: &str| {
        let r = lint(FILE.as_bytes(), &LintOptions::at(at(now)));
        watch(None, &r, at(now), EXPIRY_NOTICE_DAYS).0.expires_soon
    };
    assert_eq!(check("2026-12-15T00:00:00Z"), None);
    assert_eq!(
        check("2026-12-16T00:00:00Z"),
        Some(at("2027-01-15T00:00:00Z"))
    );
    assert_eq!(
        check("2027-01-14T23:59:59Z"),
        Some(at("2027-01-15T00:00:00Z"))
    );
    // Once passed it is the `expired` error, reported as a new error instead.
    assert_eq!(check("2027-01-15T00:00:01Z"), None);
}

#[test]
fn each_expires_value_is_warned_about_once() {
    let day1 = at("2026-12-20T00:00:00Z");
    let day2 = at("2026-12-21T00:00:00Z");
    let r1 = lint(FILE.as_bytes(), &LintOptions::at(day1));
    let (notice, state) = watch(None, &r1, day1, EXPIRY_NOTICE_DAYS);
    assert_eq!(notice.expires_soon, Some(at("2027-01-15T00:00:00Z")));
    assert_eq!(state.warned_expires, Some(at("2027-01-15T00:00:00Z")));
    let r2 = lint(FILE.as_bytes(), &LintOptions::at(day2));
    let (notice, state) = watch(Some(&state), &r2, day2, EXPIRY_NOTICE_DAYS);
    assert!(notice.is_empty(), "{notice:?}");
    assert_eq!(state.warned_expires, Some(at("2027-01-15T00:00:00Z")));
    // The file is renewed, then the new date nears in its turn: news again.
    let renewed = FILE.replace("2027-01-15", "2027-01-30");
    let r3 = lint(renewed.as_bytes(), &LintOptions::at(day2));
    let (notice, state) = watch(Some(&state), &r3, day2, EXPIRY_NOTICE_DAYS);
    assert!(notice.is_empty(), "40 days ahead: {notice:?}");
    let day3 = at("2027-01-05T00:00:00Z");
    let r4 = lint(renewed.as_bytes(), &LintOptions::at(day3));
    let (notice, state) = watch(Some(&state), &r4, day3, EXPIRY_NOTICE_DAYS);
    assert_eq!(notice.expires_soon, Some(at("2027-01-30T00:00:00Z")));
    assert_eq!(state.warned_expires, Some(at("2027-01-30T00:00:00Z")));
}

#[test]
fn only_new_errors_are_reported() {
    let now = at("2026-11-22T00:00:00Z");
    let opts = LintOptions::at(now);
    let before = lint(FILE.as_bytes(), &opts);
    let (notice, state) = watch(None, &before, now, EXPIRY_NOTICE_DAYS);
    assert!(notice.is_empty());
    assert_eq!(state, WatchState::default());

    let broken = FILE.replace("mailto:security@example.org", "security@example.org");
    let after = lint(broken.as_bytes(), &opts);
    let (notice, state) = watch(Some(&state), &after, now, EXPIRY_NOTICE_DAYS);
    let codes: Vec<Code> = notice.new_errors.iter().map(|f| f.code).collect();
    assert_eq!(codes, [Code::NoUri]);
    assert_eq!(
        state.errors,
        [ErrorMark {
            code: "no_uri".into(),
            line: Some(1)
        }]
    );
    // The next day the same error is old news, also after a trip through JSON.
    let kept: WatchState =
        serde_json::from_str(&serde_json::to_string(&state).expect("json")).expect("state");
    let again = lint(broken.as_bytes(), &opts);
    assert!(
        watch(Some(&kept), &again, now, EXPIRY_NOTICE_DAYS)
            .0
            .is_empty()
    );
}

#[test]
fn an_expired_file_is_news_once() {
    let day1 = at("2027-01-16T00:00:00Z");
    let day2 = at("2027-01-17T00:00:00Z");
    let r1 = lint(FILE.as_bytes(), &LintOptions::at(day1));
    let r2 = lint(FILE.as_bytes(), &LintOptions::at(day2));
    let (notice, state) = watch(None, &r1, day1, EXPIRY_NOTICE_DAYS);
    let first: Vec<Code> = notice.new_errors.iter().map(|f| f.code).collect();
    assert_eq!(first, [Code::Expired]);
    assert!(
        watch(Some(&state), &r2, day2, EXPIRY_NOTICE_DAYS)
            .0
            .is_empty()
    );
}
