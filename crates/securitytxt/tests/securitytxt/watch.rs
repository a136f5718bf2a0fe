//! The daily re-lint of a file hosted elsewhere: new errors and the 30-day Expires notice.

use securitytxt::{Code, EXPIRY_NOTICE_DAYS, LintOptions, Timestamp, lint, watch};

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
        watch(Some(&r), &r, at(now), EXPIRY_NOTICE_DAYS).expires_soon
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
fn only_new_errors_are_reported() {
    let now = at("2026-11-22T00:00:00Z");
    let opts = LintOptions::at(now);
    let before = lint(FILE.as_bytes(), &opts);
    let notice = watch(None, &before, now, EXPIRY_NOTICE_DAYS);
    assert!(notice.is_empty());

    let broken = FILE.replace("mailto:security@example.org", "security@example.org");
    let after = lint(broken.as_bytes(), &opts);
    let notice = watch(Some(&before), &after, now, EXPIRY_NOTICE_DAYS);
    let codes: Vec<Code> = notice.new_errors.iter().map(|f| f.code).collect();
    assert_eq!(codes, [Code::NoUri]);
    // The next day the same error is old news.
    let again = lint(broken.as_bytes(), &opts);
    assert!(watch(Some(&after), &again, now, EXPIRY_NOTICE_DAYS).is_empty());
}

#[test]
fn an_expired_file_is_news_once() {
    let day1 = at("2027-01-16T00:00:00Z");
    let day2 = at("2027-01-17T00:00:00Z");
    let r1 = lint(FILE.as_bytes(), &LintOptions::at(day1));
    let r2 = lint(FILE.as_bytes(), &LintOptions::at(day2));
    let first: Vec<Code> = watch(None, &r1, day1, EXPIRY_NOTICE_DAYS)
        .new_errors
        .iter()
        .map(|f| f.code)
        .collect();
    assert_eq!(first, [Code::Expired]);
    assert!(watch(Some(&r1), &r2, day2, EXPIRY_NOTICE_DAYS).is_empty());
}
