//! Hand-written cases for what the real corpus lacks: line ends, encodings, hostile input,
//! CSAF, and each syntax rule. Expected findings are read off the RFC clause named in the
//! comment above each case, not produced by the linter.

use securitytxt::{Code, LintOptions, lint};

use crate::{error_keys, keys, lint_at_pin, pinned_now};

const GOOD: &str = "Contact: mailto:security@example.org\n\
Expires: 2027-06-01T00:00:00Z\n\
Encryption: https://example.org/.well-known/openpgpkey/hu/abc\n\
Policy: https://example.org/security\n";

#[test]
fn a_complete_file_has_only_the_signature_hint() {
    let r = lint_at_pin(GOOD.as_bytes());
    assert_eq!(keys(&r), ["not_signed"]);
    assert!(r.is_valid());
    assert_eq!(r.signature, None);
}

/// RFC 9116 §2.2: lines end with CRLF or LF.
#[test]
fn crlf_line_ends_are_fine_and_keep_line_numbers() {
    let text = GOOD.replace('\n', "\r\n");
    let r = lint_at_pin(text.as_bytes());
    assert_eq!(keys(&r), ["not_signed"]);
    assert_eq!(r.document.fields[1].value, "2027-06-01T00:00:00Z");
    assert_eq!(r.document.fields[1].line, 2);
    assert_eq!(r.document.line_count, 4);
}

/// RFC 9116 §4 eol = *WSP [CR] LF: trailing spaces and tabs are allowed and not part of values.
#[test]
fn trailing_whitespace_is_allowed() {
    let text = GOOD.replace('\n', " \t \n");
    let r = lint_at_pin(text.as_bytes());
    assert_eq!(keys(&r), ["not_signed"]);
    assert_eq!(r.document.fields[0].value, "mailto:security@example.org");
}

/// RFC 9116 §2: names are case-insensitive; the ABNF comment: order does not matter (D9).
#[test]
fn names_are_case_insensitive_and_order_is_free() {
    let text = "policy: https://example.org/security\n\
                EXPIRES: 2027-06-01T00:00:00Z\n\
                encryption: openpgp4fpr:65EEFE022108E2B708CBFCF7F9E712E59AF5F22A\n\
                preferred-languages: en, NL\n\
                cOnTaCt: tel:+1-201-555-0123\n";
    let r = lint_at_pin(text.as_bytes());
    assert_eq!(keys(&r), ["not_signed"]);
    assert_eq!(r.expires(), "2027-06-01T00:00:00Z".parse().ok());
}

/// RFC 9116 §4 (RFC 5198): UTF-8 without a byte-order mark; the fields still count.
#[test]
fn bom_is_an_error_but_fields_are_read() {
    let mut bytes = b"\xEF\xBB\xBF".to_vec();
    bytes.extend_from_slice(GOOD.as_bytes());
    let r = lint_at_pin(&bytes);
    assert_eq!(error_keys(&r), ["bom_in_file@L1"]);
    assert_eq!(r.document.fields.len(), 4);
    assert_eq!(r.document.fields[0].name, "Contact");
}

/// RFC 9116 §2.2: a lone CR is not a line end.
#[test]
fn bare_cr_is_an_error() {
    let text = GOOD.replacen('\n', "\r", 1);
    let r = lint_at_pin(text.as_bytes());
    assert_eq!(error_keys(&r), ["bare_cr@L1"]);
    // The lone CR still splits the line, so Expires is on line 2 and is not lost.
    assert_eq!(r.document.fields[1].line, 2);
}

/// RFC 9116 §4: UTF-8 (RFC 3629).
#[test]
fn non_utf8_is_an_error_on_its_line() {
    let mut bytes = GOOD.as_bytes().to_vec();
    bytes.extend_from_slice(b"# caf\xE9 (Latin-1)\n");
    let r = lint_at_pin(&bytes);
    assert_eq!(error_keys(&r), ["utf8@L5"]);
    assert_eq!(r.document.fields.len(), 4);
}

/// RFC 9116 §4: plain text; NUL and other controls are not text.
#[test]
fn nul_and_control_characters() {
    let text = format!("{GOOD}# a\0b\n# bell\x07\n");
    let r = lint_at_pin(text.as_bytes());
    assert_eq!(error_keys(&r), ["control_char@L6", "nul_byte@L5"]);
}

/// RFC 9116 §5.4: parsers may refuse files larger than 32 KB.
#[test]
fn huge_files_are_refused_without_parsing() {
    let mut text = String::from(GOOD);
    while text.len() <= 32 * 1024 {
        text.push_str("# padding padding padding padding padding padding\n");
    }
    let r = lint_at_pin(text.as_bytes());
    assert_eq!(keys(&r), ["file_too_large"]);
    assert!(!r.is_valid());
    assert!(r.document.fields.is_empty());
    // A caller may raise the cap.
    let opts = LintOptions {
        max_size: 1 << 20,
        ..LintOptions::at(pinned_now())
    };
    assert!(lint(text.as_bytes(), &opts).is_valid());
}

/// RFC 9116 §5.4: more than 1,000 lines, or a field over 2,048 characters, may be refused.
#[test]
fn long_files_and_fields_warn() {
    let mut text = String::from(GOOD);
    for _ in 0..1000 {
        text.push('\n');
    }
    let r = lint_at_pin(text.as_bytes());
    assert!(r.has(Code::TooManyLines) && r.is_valid());
    let long = format!("{GOOD}Hiring: https://example.org/{}\n", "a".repeat(2100));
    let r = lint_at_pin(long.as_bytes());
    assert_eq!(
        r.warnings().map(|f| f.code.id()).collect::<Vec<_>>(),
        ["line_too_long"]
    );
}

/// RFC 9116 §3/§4: an HTML page (a web server's 404 or SPA fallback) is not a security.txt.
#[test]
fn html_page_is_named_as_such() {
    let html = b"<!DOCTYPE html>\n<html lang=\"en\">\n<head><title>Not found</title></head>\n<body>Oops</body>\n</html>\n";
    let r = lint_at_pin(html);
    let errors = error_keys(&r);
    assert!(errors.contains(&"html@L1".to_string()), "{errors:?}");
    assert!(errors.contains(&"no_contact".to_string()));
    assert!(errors.contains(&"no_expire".to_string()));
    assert!(!r.is_valid());
}

/// Binary garbage: findings, never a panic, and a bounded report.
#[test]
fn binary_garbage_gives_bounded_findings() {
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let bytes: Vec<u8> = (0..30_000)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 56) as u8
        })
        .collect();
    let r = lint_at_pin(&bytes);
    assert!(!r.is_valid());
    assert!(r.has(Code::Utf8));
    assert!(r.findings.len() < 60 * Code::ALL.len());
    assert!(r.has(Code::FindingsTruncated) || r.findings.len() < 50);
}

/// RFC 9116 §2.2: the last line ends with a line break too.
#[test]
fn missing_final_newline() {
    let text = GOOD.trim_end();
    let r = lint_at_pin(text.as_bytes());
    assert_eq!(error_keys(&r), ["no_line_separators@L4"]);
}

/// RFC 9116 §2, §4: a field is `name ":" SP value`.
#[test]
fn field_syntax_errors() {
    let text = format!(
        "{GOOD}Hiring : https://example.org/jobs\n\
         Hiring:https://example.org/jobs\n\
         : https://example.org/jobs\n\
         Hiring:\n\
         just some words\n"
    );
    let r = lint_at_pin(text.as_bytes());
    assert_eq!(
        error_keys(&r),
        [
            "empty_key@L7",
            "empty_value@L8",
            "invalid_line@L9",
            "no_space@L6",
            "prec_ws@L5"
        ]
    );
}

/// RFC 9116 §2.5.3, §2.5.5, §2.5.8: required and single-occurrence fields.
#[test]
fn required_and_repeated_fields() {
    let r = lint_at_pin(b"# nothing here\n");
    assert_eq!(error_keys(&r), ["no_contact", "no_expire"]);
    let text = format!(
        "{GOOD}Expires: 2027-07-01T00:00:00Z\nPreferred-Languages: en\nPreferred-Languages: english\n"
    );
    let r = lint_at_pin(text.as_bytes());
    assert_eq!(
        error_keys(&r),
        ["invalid_lang@L7", "multi_expire@L5", "multi_lang@L7"]
    );
}

/// RFC 9116 §2.5.5 with "now" = 2026-11-22T00:00:00Z.
#[test]
fn expiry_against_now() {
    let at = |e: &str| {
        lint_at_pin(format!("Contact: https://example.org/report\nExpires: {e}\n").as_bytes())
    };
    assert_eq!(error_keys(&at("2026-11-21T23:59:59Z")), ["expired@L2"]);
    assert!(at("2026-11-22T00:00:01Z").is_valid());
    assert!(at("2027-11-22T00:00:00Z").warnings().next().is_none());
    let late = at("2027-11-22T00:00:01Z");
    assert!(late.is_valid());
    assert_eq!(
        late.warnings().map(|f| f.code.id()).collect::<Vec<_>>(),
        ["long_expiry"]
    );
    assert_eq!(error_keys(&at("Sun, 22 Nov 2026")), ["invalid_expiry@L2"]);
    // "now" is an input: the same file is valid a day earlier.
    let earlier = LintOptions::at("2026-11-20T00:00:00Z".parse().unwrap_or(pinned_now()));
    let text = b"Contact: https://example.org/report\nExpires: 2026-11-21T00:00:00Z\n";
    assert!(lint(text, &earlier).is_valid());
    assert!(!lint_at_pin(text).is_valid());
}

/// RFC 9116 §2.5: URIs need a scheme, and web URIs https.
#[test]
fn uri_fields() {
    let text = "Contact: security@example.org\n\
                Contact: +31 50 313 3636\n\
                Contact: http://example.org/report\n\
                Policy: https://example.org/a b\n\
                Expires: 2027-06-01T00:00:00Z\n";
    let r = lint_at_pin(text.as_bytes());
    assert_eq!(
        error_keys(&r),
        ["invalid_uri@L4", "no_https@L3", "no_uri@L1", "no_uri@L2"]
    );
    let msg = &r.findings[0].message();
    assert!(
        msg.contains("mailto:") && msg.ends_with("(RFC 9116 §2.5 (RFC 3986 §3))"),
        "{msg}"
    );
}

/// CSAF 2.0 §7.1.8: CSAF fields point to provider-metadata.json over https.
#[test]
fn csaf_field() {
    let ok = format!("{GOOD}CSAF: https://example.org/.well-known/csaf/provider-metadata.json\n");
    let r = lint_at_pin(ok.as_bytes());
    assert_eq!(keys(&r), ["not_signed"]);
    let bad = format!(
        "{GOOD}CSAF: https://example.org/.well-known/csaf/index.txt\n\
         CSAF: http://example.org/csaf/provider-metadata.json\n"
    );
    let r = lint_at_pin(bad.as_bytes());
    assert_eq!(error_keys(&r), ["no_csaf_file@L5", "no_https@L6"]);
    assert!(r.has(Code::MultipleCsafFields));
}

/// RFC 9116 §2.5.2: the retrieval URI must be listed when Canonical is present.
#[test]
fn canonical_against_retrieval_url() {
    let text = format!("{GOOD}Canonical: https://example.org/.well-known/security.txt\n");
    let urls = ["https://www.example.org/.well-known/security.txt"];
    let opts = LintOptions {
        retrieval_urls: &urls,
        ..LintOptions::at(pinned_now())
    };
    let r = lint(text.as_bytes(), &opts);
    assert_eq!(error_keys(&r), ["no_canonical_match"]);
    let urls = ["https://example.org/.well-known/security.txt"];
    let opts = LintOptions {
        retrieval_urls: &urls,
        ..LintOptions::at(pinned_now())
    };
    assert!(lint(text.as_bytes(), &opts).is_valid());
}

/// §2.5.3/§3.1 hints: e-mail without Encryption, no Policy.
#[test]
fn hints_for_recommended_fields() {
    let r = lint_at_pin(b"Contact: mailto:a@example.org\nExpires: 2027-06-01T00:00:00Z\n");
    assert_eq!(keys(&r), ["no_encryption", "no_policy", "not_signed"]);
    assert!(r.is_valid());
}

/// Unknown fields are ignored by consumers (RFC 9116 §2.4): a notice, with a typo hint.
#[test]
fn unknown_fields_are_info_with_hints() {
    let text = format!("{GOOD}Acknowledgements: https://example.org/thanks\nX-Custom: yes\n");
    let r = lint_at_pin(text.as_bytes());
    assert!(r.is_valid());
    let infos: Vec<String> = r
        .infos()
        .filter(|f| f.code == Code::UnknownField)
        .map(|f| format!("{}@{:?}", f.message(), f.line))
        .collect();
    assert_eq!(infos.len(), 2);
    assert!(
        infos[0].contains("did you mean 'Acknowledgments'?"),
        "{infos:?}"
    );
    assert!(infos[1].contains("'X-Custom'"));
}

const SIG: &str = "-----BEGIN PGP SIGNATURE-----\n\n\
iHUEARYKAB0WIQRkYWJjZGVmZ2hpamtsbW5vcHFyc3R1dgAKCRBhYmNkZWZnaGlq\n\
-----END PGP SIGNATURE-----\n";

fn signed(body: &str, tail: &str) -> String {
    format!("-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA512\n\n{body}{SIG}{tail}")
}

/// RFC 9116 §4 `signed` and RFC 4880 §7: the cleartext envelope.
#[test]
fn signed_envelope_rules() {
    let good = signed(GOOD, "");
    let r = lint_at_pin(good.as_bytes());
    // Signed, so no not_signed; §2.3 recommends Canonical in signed files.
    assert_eq!(keys(&r), ["no_canonical"]);
    assert!(r.is_signed());
    assert_eq!(r.signature.map(|s| s.as_str()), Some("unverified"));

    let r = lint_at_pin(signed(GOOD, "\n\n").as_bytes());
    assert_eq!(error_keys(&r), ["too_many_line_separators@L12"]);
    let r = lint_at_pin(signed(GOOD, "Contact: mailto:evil@example.net\n").as_bytes());
    assert_eq!(error_keys(&r), ["data_after_sig@L12"]);
    // Blank lines followed by data: the data is the problem, not the blank lines (as sectxt).
    let r = lint_at_pin(signed(GOOD, "\nx\n").as_bytes());
    assert_eq!(error_keys(&r), ["data_after_sig@L13"]);
    assert_eq!(r.document.fields_named("Contact").count(), 1);

    // A line starting with '-' must be dash-escaped; any line may be, and is read unescaped.
    let body =
        format!("{GOOD}- Hiring: https://example.org/jobs\n-Hiring: https://example.org/jobs\n");
    let r = lint_at_pin(signed(&body, "").as_bytes());
    assert_eq!(error_keys(&r), ["dash_escape@L9"]);
    let sig = r
        .document
        .signature
        .as_ref()
        .map(|s| s.cleartext_lines[4].clone());
    assert_eq!(sig.as_deref(), Some("Hiring: https://example.org/jobs"));
    assert_eq!(r.document.fields_named("Hiring").count(), 1);

    // Text before the envelope; no BEGIN SIGNATURE; no END line.
    let r = lint_at_pin(format!("\n{good}").as_bytes());
    assert!(error_keys(&r).contains(&"signed_format_issue@L2".to_string()));
    let cut = good
        .split("-----BEGIN PGP SIGNATURE-----")
        .next()
        .unwrap_or("");
    let r = lint_at_pin(cut.as_bytes());
    assert!(error_keys(&r).contains(&"pgp_data_error@L1".to_string()));
    let cut = good.replace("-----END PGP SIGNATURE-----\n", "");
    let r = lint_at_pin(cut.as_bytes());
    assert!(error_keys(&r).contains(&"pgp_data_error@L1".to_string()));
}

/// RFC 4880 §6: the armor must decode and hold a signature packet.
#[test]
fn armor_decoding() {
    let broken = signed(GOOD, "").replace("iHUEARYKAB0", "iHUEARYKAB!");
    assert!(lint_at_pin(broken.as_bytes()).has(Code::PgpDataError));
    // An empty line inside the base64 data breaks the armor (as PGPy, and so sectxt, reads it).
    let split = signed(GOOD, "").replace("iHUEARYKAB0WIQRk", "iHUEARYKAB0WIQRk\n\n");
    assert!(lint_at_pin(split.as_bytes()).has(Code::PgpDataError));
    // Trailing whitespace on an armor line is outside the `signed` ABNF (and PGPy refuses it).
    let spaced = signed(GOOD, "").replace("AKCRBhYmNkZWZnaGlq\n", "AKCRBhYmNkZWZnaGlq \n");
    assert_eq!(
        error_keys(&lint_at_pin(spaced.as_bytes())),
        ["pgp_data_error@L10"]
    );
    // Not a packet header at all (first byte 0x08): pgp_error.
    let not_packet = signed(GOOD, "").replace("iHUEARYKAB0", "CHUEARYKAB0");
    assert!(lint_at_pin(not_packet.as_bytes()).has(Code::PgpError));
    // Tag 6 (public key) instead of 2: 0x99 = old format, tag 6.
    let not_sig = signed(GOOD, "").replace("iHUEARYKAB0", "mQUEARYKAB0");
    assert!(lint_at_pin(not_sig.as_bytes()).has(Code::PgpSignatureError));
    // A CRC-24 line that disagrees with the data: RFC 9580 §6.1 forbids rejecting for it.
    let crc = signed(GOOD, "").replace(
        "Z2hpamtsbW5vcHFyc3R1dgAKCRBhYmNkZWZnaGlq\n",
        "Z2hpamtsbW5vcHFyc3R1dgAKCRBhYmNkZWZnaGlq\n=AAAA\n",
    );
    let r = lint_at_pin(crc.as_bytes());
    assert!(
        r.has(Code::ArmorChecksum) && r.is_valid(),
        "{:?}",
        r.findings
    );
    // No Hash: header (allowed by RFC 4880 for MD5 only): a warning.
    let no_hash = signed(GOOD, "").replace("Hash: SHA512\n", "");
    let r = lint_at_pin(no_hash.as_bytes());
    assert!(r.has(Code::NoHashHeader));
}

/// The `--json` shape of issue 4 / DESIGN §5.
#[test]
fn summary_json_shape() {
    let r = lint_at_pin(b"Contact: security@example.org\nExpires: 2027-06-01T00:00:00Z\n");
    let json = serde_json::to_value(r.summary("security.txt")).unwrap_or_default();
    let expected = serde_json::json!({
        "source": "security.txt",
        "valid": false,
        "signed": false,
        "signature": null,
        "errors": [{
            "code": "no_uri",
            "line": 1,
            "message": "The value must be a URI with a scheme (mailto:, tel:, https:, …): \
                        Contact: 'security@example.org' (an e-mail address needs 'mailto:') \
                        (RFC 9116 §2.5 (RFC 3986 §3))"
        }],
        "warnings": [],
        "info": [
            {"code": "no_policy", "line": null,
             "message": "A Policy field should describe the scope and the disclosure process (RFC 9116 §3.1)"},
            {"code": "not_signed", "line": null,
             "message": "An OpenPGP cleartext signature is recommended (RFC 9116 §2.3)"}
        ]
    });
    assert_eq!(json, expected);
}
