//! Where we differ from sectxt 0.9.8 on purpose, for cases the real corpus lacks. Each case
//! names its row of the comparison table (D-number) and the RFC clause; sectxt's behaviour is
//! the one that table records. The corpus-backed differences (D1, D4, D6, HTML) are listed in
//! `corpus.rs`.

use securitytxt::{Code, Level, LintOptions, Signature, SignatureVerifier, Verification, lint};

use crate::{error_keys, lint_at_pin, pinned_now};

const BASE: &str = "Contact: mailto:security@example.org\n\
Expires: 2027-06-01T00:00:00Z\n\
Policy: https://example.org/security\n";

struct Case {
    row: &'static str,
    clause: &'static str,
    line: &'static str,
    sectxt_valid: bool,
    code: Code,
    level: Level,
}

const CASES: &[Case] = &[
    Case {
        row: "D2",
        clause: "RFC 9116 §2: multiple values must not be chained in one field",
        line: "Encryption: https://example.org/a.asc, https://example.org/b.asc",
        sectxt_valid: true,
        code: Code::ChainedValues,
        level: Level::Error,
    },
    Case {
        row: "D3",
        clause: "RFC 9116 §2.5.5 imports RFC 3339 §5.6 date-time, which needs 'T'",
        line: "Expires: 2027-05-11 18:45:44+00:00",
        sectxt_valid: true,
        code: Code::ExpirySeparator,
        level: Level::Error,
    },
    Case {
        row: "D5",
        clause: "RFC 9116 §2.5.4: Encryption must not contain the key itself",
        line: "Encryption: data:application/pgp-keys;base64,mDMEZ2hpamtsbW5vcHFyc3R1dg",
        sectxt_valid: true,
        code: Code::KeyInEncryption,
        level: Level::Warning,
    },
    Case {
        row: "D6",
        clause: "RFC 9116 §6: no unregistered /.well-known/ suffixes",
        line: "Encryption: https://example.org/.well-known/pgp-key.txt",
        sectxt_valid: true,
        code: Code::UnregisteredWellKnown,
        level: Level::Warning,
    },
    Case {
        row: "D12",
        clause: "RFC 9116 §4 `name fs SP value`: one space; a second is part of the value",
        line: "Hiring:  https://example.org/jobs",
        sectxt_valid: true,
        code: Code::ExtraSpace,
        level: Level::Warning,
    },
];

#[test]
fn each_listed_difference_is_reported_with_its_level() {
    for case in CASES {
        let text = format!("{BASE}{}\n", case.line);
        let r = lint_at_pin(text.as_bytes());
        let found: Vec<_> = r.findings.iter().filter(|f| f.code == case.code).collect();
        assert_eq!(
            found.len(),
            1,
            "{} ({}): {:?}",
            case.row,
            case.clause,
            r.findings
        );
        assert_eq!(found[0].line, Some(4), "{}", case.row);
        assert_eq!(found[0].level(), case.level, "{}", case.row);
        assert_eq!(
            r.is_valid(),
            case.level != Level::Error,
            "{}: sectxt says valid={}, the RFC says otherwise ({})",
            case.row,
            case.sectxt_valid,
            case.clause
        );
    }
}

/// D8: signed files with LF line ends are accepted (§2.2 allows LF; the `signed` ABNF's CRLF
/// is an inconsistency of the RFC). D9: field order does not matter (ABNF comment).
#[test]
fn d8_d9_accepted_like_sectxt() {
    let reordered = "Policy: https://example.org/security\n\
                     Expires: 2027-06-01T00:00:00Z\n\
                     Preferred-Languages: en\n\
                     Contact: https://example.org/report\n";
    assert_eq!(
        error_keys(&lint_at_pin(reordered.as_bytes())),
        Vec::<String>::new()
    );
}

/// D10: Expires in the past stays an error, as in sectxt ("stale, should not be used").
#[test]
fn d10_expired_is_an_error() {
    let text = BASE.replace("2027-06-01", "2026-06-01");
    assert_eq!(error_keys(&lint_at_pin(text.as_bytes())), ["expired@L2"]);
}

struct Fixed(Verification);

impl SignatureVerifier for Fixed {
    fn verify(&self, _: &Signature) -> Verification {
        self.0.clone()
    }
}

/// D7: sectxt never verifies; with a key we do, and a bad signature is an error (§2.3, §5.1).
#[test]
fn d7_signature_status_follows_the_verifier() {
    let text = std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/data/corpus/GrapheneOS__AttestationServer__static-wk-87c61ef.txt"),
    )
    .unwrap_or_default();
    for (verdict, status, bad) in [
        (Verification::Verified, "verified", false),
        (Verification::Bad("changed".into()), "bad", true),
        (
            Verification::Unverifiable("no key".into()),
            "unverified",
            false,
        ),
    ] {
        let v = Fixed(verdict);
        let opts = LintOptions {
            verifier: Some(&v),
            ..LintOptions::at(pinned_now())
        };
        let r = lint(&text, &opts);
        assert_eq!(r.signature.map(|s| s.as_str()), Some(status));
        assert_eq!(r.has(Code::SignatureBad), bad);
    }
}

/// RFC 5646 tags in Preferred-Languages, with sectxt 0.9.8's verdicts recorded in
/// `tests/data/sectxt-langs.tsv`. Equal except where RFC 5646 §2.1 says otherwise.
#[test]
fn language_tags_match_sectxt() {
    // en_US: RFC 5646 §2.1 separates subtags with '-' only; sectxt's langcodes normalises '_'.
    // eng, deu: RFC 5646 §2.2.1 registers only the ISO 639-1 code (en, de) for such languages;
    // langcodes maps the ISO 639-2 codes to them.
    const DIFFERENT: &[&str] = &["en_US", "eng", "deu"];
    let tsv = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/sectxt-langs.tsv"),
    )
    .unwrap_or_default();
    let mut rows = 0;
    let mut wrong = Vec::new();
    for line in tsv.lines().skip(1) {
        let Some((value, verdict)) = line.split_once('\t') else {
            continue;
        };
        rows += 1;
        let text = format!(
            "Contact: https://example.org/c\nExpires: 2027-01-01T00:00:00Z\nPreferred-Languages: {value}\n"
        );
        let ours_invalid = lint_at_pin(text.as_bytes()).has(Code::InvalidLang);
        let theirs_invalid = verdict == "invalid";
        if ours_invalid != (theirs_invalid != DIFFERENT.contains(&value)) {
            wrong.push(format!("{value}: sectxt says {verdict}"));
        }
    }
    assert!(wrong.is_empty(), "{wrong:?}");
    assert_eq!(rows, 61);
}

/// Spaces after the last line break: sectxt strips them and sees an empty last line; the
/// ABNF (`eol = *WSP [CR] LF`, §4) and §2.2 ("every line, including the last") need an LF
/// after them, so we report `no_line_separators`.
#[test]
fn whitespace_after_the_last_line_break() {
    let text = format!("{BASE}  ");
    assert_eq!(
        error_keys(&lint_at_pin(text.as_bytes())),
        ["no_line_separators@L4"]
    );
}

/// A leap second (RFC 3339 §5.6 `time-second = 2DIGIT ; 00-58, 00-59, 00-60`, §5.7: only at
/// 23:59:60 UTC) is a valid Expires; sectxt's dateutil refuses it. Other :60 stay invalid.
#[test]
fn leap_second_expiry() {
    let text = BASE.replace("2027-06-01T00:00:00Z", "2026-12-31T23:59:60Z");
    assert!(lint_at_pin(text.as_bytes()).is_valid());
    let text = BASE.replace("2027-06-01T00:00:00Z", "2027-01-01T00:00:60Z");
    assert_eq!(
        error_keys(&lint_at_pin(text.as_bytes())),
        ["invalid_expiry@L2"]
    );
}

/// D1 family: values sectxt 0.9.8 accepts (it only asks urlsplit for a scheme) that are not
/// RFC 3986 URIs (§2 collected ABNF; §2.1 percent-encoding; §3.2.2/§3.2.3 host and port), or
/// that RFC 9110 §4.2.2 (https: non-empty host) and RFC 6068 (mailto: addr-spec) exclude.
/// Checked with sectxt 0.9.8 during development: all valid there.
#[test]
fn d1_uri_family() {
    for value in [
        "https://example.org/✓",
        "https://bücher.example/",
        "tel:+31 50 313 3636",
        "https://example.org/path with space",
        "https://example.org/{x}",
        "https://example.org/a|b",
        "https://example.org/a^b",
        "https://example.org/<x>",
        "https://example.org/a\\b",
        "https://example.org/%zz",
        "https://example.org/#a#b",
        "https://example.org/[x]",
        "https://example.org:abc/",
        "https://:443/",
        "https:example.org",
        "mailto:security",
    ] {
        let text = format!("{BASE}Contact: {value}\n");
        assert_eq!(
            error_keys(&lint_at_pin(text.as_bytes())),
            ["invalid_uri@L4"],
            "{value}"
        );
    }
    // And RFC 3986 URIs that must stay valid.
    for value in [
        "https://xn--bcher-kva.example/",
        "https://example.org/%E2%9C%93",
        "https://[2001:db8::1]/",
        "https://example.org/!$&'()*+,;=",
        "mailto:security@example.org?subject=Vulnerability%20report",
        "mailto:a@example.org,b@example.org",
        "tel:+31(0)50-3133636",
        "xmpp:security@example.org",
        "urn:ietf:rfc:9116",
        "HTTPS://EXAMPLE.ORG/",
    ] {
        let text = format!("{BASE}Contact: {value}\n");
        assert!(lint_at_pin(text.as_bytes()).is_valid(), "{value}");
    }
}

/// D4 family and friends, each accepted by sectxt 0.9.8 (checked during development):
/// leading whitespace or spaces in a name (RFC 5322 §3.6.8 field-name; RFC 9116 has no line
/// folding), a trailing comment or a no-break space inside a URI value (RFC 3986), and form
/// feeds or other controls (RFC 9116 §4 ABNF admits only SP and HTAB as whitespace).
#[test]
fn d4_line_family() {
    for (line, expected) in [
        (
            " Contact: https://example.org/c2",
            &["invalid_field_name@L4"][..],
        ),
        (
            "\tContact: https://example.org/c2",
            &["invalid_field_name@L4"],
        ),
        ("Con tact: x", &["invalid_field_name@L4"]),
        ("Ünïcödé: x", &["invalid_field_name@L4"]),
        (
            "Contact: https://example.org/c2 # comment",
            &["invalid_uri@L4"],
        ),
        ("Contact: https://example.org/c2\u{a0}", &["invalid_uri@L4"]),
        ("\u{c}", &["control_char@L4", "invalid_line@L4"]),
    ] {
        let text = format!("{BASE}{line}\n");
        assert_eq!(
            error_keys(&lint_at_pin(text.as_bytes())),
            expected,
            "{line:?}"
        );
    }
}
