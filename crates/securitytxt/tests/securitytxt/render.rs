//! The generator: what the server serves must lint with no error and no warning.

use jiff::Timestamp;
use securitytxt::{BuildError, Builder, Level, LintOptions, expiry_for, lint, render};

use crate::pinned_now;

fn ts(s: &str) -> Timestamp {
    s.parse().unwrap_or(Timestamp::UNIX_EPOCH)
}

/// The fields the domain crate produces for a project (`domain::render::security_txt_fields`),
/// with its own Expires entry, which `render` replaces by the caller's.
fn project_fields() -> Vec<(&'static str, String)> {
    vec![
        ("Contact", "https://sec.example/p/octo/report".into()),
        ("Contact", "mailto:security@octo.example".into()),
        ("Expires", "2027-05-22T10:00:00Z".into()),
        (
            "Encryption",
            "https://sec.example/p/octo/pgp-key.asc".into(),
        ),
        (
            "Acknowledgments",
            "https://octo.example/hall-of-fame".into(),
        ),
        ("Preferred-Languages", "en, nl".into()),
        (
            "Canonical",
            "https://sec.example/p/octo/security.txt".into(),
        ),
        ("Policy", "https://sec.example/p/octo/policy".into()),
        ("Hiring", "https://octo.example/jobs".into()),
        (
            "CSAF",
            "https://octo.example/.well-known/csaf/provider-metadata.json".into(),
        ),
    ]
}

const EXPECTED: &str = "Contact: https://sec.example/p/octo/report\n\
Contact: mailto:security@octo.example\n\
Expires: 2027-05-01T00:00:00Z\n\
Encryption: https://sec.example/p/octo/pgp-key.asc\n\
Acknowledgments: https://octo.example/hall-of-fame\n\
Preferred-Languages: en, nl\n\
Canonical: https://sec.example/p/octo/security.txt\n\
Policy: https://sec.example/p/octo/policy\n\
Hiring: https://octo.example/jobs\n\
CSAF: https://octo.example/.well-known/csaf/provider-metadata.json\n";

#[test]
fn render_writes_fields_in_order_with_the_callers_expires() {
    let text = render(&project_fields(), ts("2027-05-01T00:00:00.750Z"));
    assert_eq!(text.as_deref(), Ok(EXPECTED));
}

#[test]
fn rendered_file_lints_clean_and_matches_its_canonical() {
    let text = render(&project_fields(), ts("2027-05-01T00:00:00Z")).unwrap_or_default();
    let urls = ["https://sec.example/p/octo/security.txt"];
    let opts = LintOptions {
        retrieval_urls: &urls,
        ..LintOptions::at(pinned_now())
    };
    let r = lint(text.as_bytes(), &opts);
    let not_info: Vec<_> = r
        .findings
        .iter()
        .filter(|f| f.level() != Level::Info)
        .collect();
    assert!(not_info.is_empty(), "{not_info:?}");
    assert_eq!(r.document.fields.len(), 10);
}

#[test]
fn expires_goes_after_the_last_contact_when_not_placed() {
    let fields = [
        ("#", "Security contact for Octo"),
        ("contact", "mailto:security@octo.example"),
        ("policy", "https://octo.example/security"),
    ];
    let text = render(&fields, ts("2027-01-02T03:04:05Z"));
    assert_eq!(
        text.as_deref(),
        Ok("# Security contact for Octo\n\
            Contact: mailto:security@octo.example\n\
            Expires: 2027-01-02T03:04:05Z\n\
            Policy: https://octo.example/security\n")
    );
}

#[test]
fn render_refuses_what_would_lint_badly() {
    let at = ts("2027-01-01T00:00:00Z");
    let one = |name: &'static str, value: &'static str| {
        render(&[("Contact", "mailto:a@example.org"), (name, value)], at)
    };
    assert_eq!(render::<&str, &str>(&[], at), Err(BuildError::NoContact));
    assert!(matches!(
        one(
            "Contact",
            "mailto:a@example.org\nContact: mailto:evil@example.net"
        ),
        Err(BuildError::InvalidUri { .. })
    ));
    assert!(matches!(
        one("Policy", "https://example.org/a b"),
        Err(BuildError::InvalidUri { .. })
    ));
    assert!(matches!(
        one("Policy", "https://a.example/x, https://b.example/y"),
        Err(BuildError::InvalidUri { .. })
    ));
    assert!(matches!(
        one("Hiring", "http://example.org/jobs"),
        Err(BuildError::NotHttps { .. })
    ));
    assert!(matches!(
        one("Encryption", "https://example.org/.well-known/pgp-key.txt"),
        Err(BuildError::UnregisteredWellKnown { .. })
    ));
    assert_eq!(
        one("Encryption", "data:application/pgp-keys;base64,AAAA"),
        Err(BuildError::KeyInEncryption)
    );
    assert!(matches!(
        one("CSAF", "https://example.org/csaf/index.txt"),
        Err(BuildError::NotProviderMetadata(_))
    ));
    assert_eq!(
        one("Preferred-Languages", "en, english"),
        Err(BuildError::InvalidLanguage("english".into()))
    );
    assert_eq!(
        one("X-Custom", "value"),
        Err(BuildError::UnknownField("X-Custom".into()))
    );
    assert_eq!(one("#", "two\nlines"), Err(BuildError::InvalidComment));
    assert_eq!(
        render(
            &[
                ("Contact", "mailto:a@example.org"),
                ("Preferred-Languages", "en"),
                ("Preferred-Languages", "nl"),
            ],
            at
        ),
        Err(BuildError::MultipleLanguageFields)
    );
}

#[test]
fn expiry_for_never_exceeds_a_year() {
    let now = ts("2026-11-22T08:30:15.5Z");
    assert_eq!(expiry_for(now, 180), ts("2027-05-21T08:30:15Z"));
    assert_eq!(expiry_for(now, 365), ts("2027-11-22T08:30:15Z"));
    assert_eq!(expiry_for(now, 10_000), ts("2027-11-22T08:30:15Z"));
    // Leap day: one year after 2028-02-29 is 2029-02-28 in jiff's (RFC 5545-like) arithmetic.
    assert_eq!(
        expiry_for(ts("2028-02-29T00:00:00Z"), 400),
        ts("2029-02-28T00:00:00Z")
    );
}

#[test]
fn builder_checks_expires_against_now() {
    let now = pinned_now();
    let b = Builder::new()
        .contact("mailto:security@example.org")
        .policy("https://example.org/security");
    assert_eq!(b.clone().render(), Err(BuildError::NoExpires));
    let ok = b.clone().expires(expiry_for(now, 90)).render_at(now);
    assert!(ok.is_ok());
    let r = lint(ok.unwrap_or_default().as_bytes(), &LintOptions::at(now));
    assert!(r.is_valid() && r.warnings().next().is_none());
    let stale = b.clone().expires(ts("2026-11-01T00:00:00Z")).render_at(now);
    assert!(matches!(stale, Err(BuildError::ExpiresOutOfRange { .. })));
    let far = b.expires(ts("2028-01-01T00:00:00Z")).render_at(now);
    assert!(matches!(far, Err(BuildError::ExpiresOutOfRange { .. })));
}
