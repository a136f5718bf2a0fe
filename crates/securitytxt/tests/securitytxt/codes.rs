//! Finding codes are a contract: ids, levels and the sectxt mapping must not drift.

use securitytxt::{Code, Level};

/// Every id with its level, as published. Renaming or re-levelling one breaks users' filters.
const PUBLISHED: &[(&str, &str)] = &[
    ("utf8", "error"),
    ("bom_in_file", "error"),
    ("no_expire", "error"),
    ("multi_expire", "error"),
    ("invalid_expiry", "error"),
    ("expired", "error"),
    ("no_contact", "error"),
    ("multi_lang", "error"),
    ("invalid_lang", "error"),
    ("no_uri", "error"),
    ("no_https", "error"),
    ("prec_ws", "error"),
    ("no_space", "error"),
    ("empty_key", "error"),
    ("empty_value", "error"),
    ("invalid_line", "error"),
    ("no_line_separators", "error"),
    ("too_many_line_separators", "error"),
    ("signed_format_issue", "error"),
    ("data_after_sig", "error"),
    ("pgp_data_error", "error"),
    ("pgp_error", "error"),
    ("pgp_signature_error", "error"),
    ("no_csaf_file", "error"),
    ("no_canonical_match", "error"),
    ("no_security_txt", "error"),
    ("location", "error"),
    ("invalid_uri_scheme", "error"),
    ("no_content_type", "error"),
    ("invalid_media", "error"),
    ("invalid_charset", "error"),
    ("long_expiry", "warning"),
    ("no_encryption", "info"),
    ("not_signed", "info"),
    ("no_canonical", "warning"),
    ("multiple_csaf_fields", "info"),
    ("unknown_field", "info"),
    ("invalid_uri", "error"),
    ("chained_values", "error"),
    ("expiry_separator", "error"),
    ("invalid_field_name", "error"),
    ("key_in_encryption", "warning"),
    ("unregistered_well_known", "warning"),
    ("signature_bad", "error"),
    ("extra_space", "warning"),
    ("bare_cr", "error"),
    ("nul_byte", "error"),
    ("control_char", "error"),
    ("html", "error"),
    ("file_too_large", "error"),
    ("too_many_lines", "warning"),
    ("line_too_long", "warning"),
    ("dash_escape", "error"),
    ("no_hash_header", "warning"),
    ("armor_checksum", "warning"),
    ("no_policy", "info"),
    ("redirected", "info"),
    ("fetch_failed", "error"),
    ("findings_truncated", "info"),
];

/// sectxt 0.9.8's codes (file and HTTP level, from the shared data README), kept by name.
const SECTXT: &[&str] = &[
    "utf8",
    "bom_in_file",
    "no_expire",
    "multi_expire",
    "invalid_expiry",
    "expired",
    "no_contact",
    "multi_lang",
    "invalid_lang",
    "no_uri",
    "no_https",
    "prec_ws",
    "no_space",
    "empty_key",
    "empty_value",
    "invalid_line",
    "no_line_separators",
    "too_many_line_separators",
    "signed_format_issue",
    "data_after_sig",
    "pgp_data_error",
    "pgp_error",
    "pgp_signature_error",
    "no_csaf_file",
    "no_canonical_match",
    "no_security_txt",
    "location",
    "invalid_uri_scheme",
    "no_content_type",
    "invalid_media",
    "invalid_charset",
    "long_expiry",
    "no_encryption",
    "not_signed",
    "no_canonical",
    "multiple_csaf_fields",
    "unknown_field",
];

#[test]
fn ids_and_levels_are_as_published() {
    let ours: Vec<(&str, &str)> = Code::ALL
        .iter()
        .map(|c| (c.id(), c.level().as_str()))
        .collect();
    assert_eq!(ours, PUBLISHED);
}

#[test]
fn every_sectxt_code_exists_and_is_marked() {
    for id in SECTXT {
        let code = Code::from_id(id).unwrap_or_else(|| panic!("missing sectxt code {id}"));
        assert!(code.is_sectxt(), "{id}");
    }
    let marked = Code::ALL.iter().filter(|c| c.is_sectxt()).count();
    assert_eq!(marked, SECTXT.len());
}

#[test]
fn every_code_cites_a_clause() {
    for code in Code::ALL {
        if *code == Code::FindingsTruncated {
            continue;
        }
        let clause = code.clause();
        assert!(
            clause.starts_with("RFC 9116 §") || clause.starts_with("CSAF 2.0 §"),
            "{code}: {clause}"
        );
        assert_eq!(Code::from_id(code.id()), Some(*code));
    }
}

#[test]
fn levels_follow_the_rfc_keywords() {
    // MUST-level rules are errors; the RECOMMENDED signature and encryption are hints.
    assert_eq!(Code::NoExpire.level(), Level::Error);
    assert_eq!(Code::LongExpiry.level(), Level::Warning);
    assert_eq!(Code::NotSigned.level(), Level::Info);
    assert_eq!(Code::UnknownField.level(), Level::Info);
}
