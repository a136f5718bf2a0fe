//! Stable finding codes, their levels and the clause each one enforces.
//!
//! Codes that `sectxt` (DIVD's validator, used by internet.nl) also has keep its name, so
//! results can be compared line by line. Codes `sectxt` lacks are our own; they are listed
//! with the RFC clause that `sectxt` does not check.

use serde::Serialize;

/// How bad a finding is. `valid` means "no [`Level::Error`] finding".
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// A MUST or MUST NOT of the RFC is broken; the file is not valid.
    Error,
    /// A SHOULD (or RECOMMENDED) is broken by something the file contains.
    Warning,
    /// A hint: an optional, recommended element is missing, or a field is unknown.
    Info,
}

impl Level {
    /// `"error"`, `"warning"` or `"info"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Error => "error",
            Level::Warning => "warning",
            Level::Info => "info",
        }
    }
}

macro_rules! codes {
    ($( $(#[$doc:meta])* $variant:ident = $id:literal, $level:ident, $clause:literal, $summary:literal; )*) => {
        /// A stable finding code. [`Code::id`] is the string printed in reports and JSON.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Code {
            $( $(#[$doc])* $variant, )*
        }

        impl Code {
            /// Every code, in declaration order.
            pub const ALL: &'static [Code] = &[ $( Code::$variant, )* ];

            /// The stable id, e.g. `"no_expire"`.
            pub fn id(self) -> &'static str {
                match self { $( Code::$variant => $id, )* }
            }

            /// The level of every finding with this code.
            pub fn level(self) -> Level {
                match self { $( Code::$variant => Level::$level, )* }
            }

            /// The clause the check enforces, e.g. `"RFC 9116 §2.5.5"`.
            pub fn clause(self) -> &'static str {
                match self { $( Code::$variant => $clause, )* }
            }

            /// A one-line description of the rule.
            pub fn summary(self) -> &'static str {
                match self { $( Code::$variant => $summary, )* }
            }

            /// Looks a code up by its id.
            pub fn from_id(id: &str) -> Option<Code> {
                match id { $( $id => Some(Code::$variant), )* _ => None }
            }
        }
    };
}

codes! {
    // ---- codes shared with sectxt (same name, same meaning) ----
    /// The file is not valid UTF-8.
    Utf8 = "utf8", Error, "RFC 9116 §4", "the file must be encoded in UTF-8";
    /// The file starts with a byte-order mark.
    BomInFile = "bom_in_file", Error, "RFC 9116 §4 (RFC 5198)",
        "the file must be UTF-8 in Net-Unicode form, without a byte-order mark";
    /// No `Expires` field.
    NoExpire = "no_expire", Error, "RFC 9116 §2.5.5", "the Expires field must be present";
    /// More than one `Expires` field.
    MultiExpire = "multi_expire", Error, "RFC 9116 §2.5.5",
        "the Expires field must not appear more than once";
    /// `Expires` is not an RFC 3339 date-time.
    InvalidExpiry = "invalid_expiry", Error, "RFC 9116 §2.5.5 (RFC 3339 §5.6)",
        "Expires must be an RFC 3339 date-time such as 2027-01-31T12:00:00Z";
    /// `Expires` lies in the past ("now" is an input).
    Expired = "expired", Error, "RFC 9116 §2.5.5",
        "the file has expired: its contents are stale and should not be used";
    /// No `Contact` field.
    NoContact = "no_contact", Error, "RFC 9116 §2.5.3", "the Contact field must be present";
    /// More than one `Preferred-Languages` field.
    MultiLang = "multi_lang", Error, "RFC 9116 §2.5.8",
        "the Preferred-Languages field must not appear more than once";
    /// A value of `Preferred-Languages` is not an RFC 5646 language tag.
    InvalidLang = "invalid_lang", Error, "RFC 9116 §2.5.8 (RFC 5646)",
        "Preferred-Languages must be RFC 5646 language tags separated by commas";
    /// A URI field holds something that is not a URI (no scheme).
    NoUri = "no_uri", Error, "RFC 9116 §2.5 (RFC 3986 §3)",
        "the value must be a URI with a scheme (mailto:, tel:, https:, …)";
    /// A URI field uses `http://`.
    NoHttps = "no_https", Error, "RFC 9116 §2.5", "a web URI must begin with https://";
    /// Whitespace between the field name and the colon.
    PrecWs = "prec_ws", Error, "RFC 9116 §4 (RFC 5322 §3.6.8)",
        "there must be no whitespace before the colon";
    /// No space after the colon.
    NoSpace = "no_space", Error, "RFC 9116 §4", "the colon must be followed by one space";
    /// A line starts with a colon.
    EmptyKey = "empty_key", Error, "RFC 9116 §2", "a field must have a name";
    /// A field without a value.
    EmptyValue = "empty_value", Error, "RFC 9116 §2", "a field must have a value";
    /// A line that is neither a field, a comment nor blank.
    InvalidLine = "invalid_line", Error, "RFC 9116 §2, §4",
        "each line must be a field, a comment (#) or blank";
    /// The last line does not end with a line break.
    NoLineSeparators = "no_line_separators", Error, "RFC 9116 §2.2",
        "every line, including the last one, must end with CRLF or LF";
    /// Blank lines after the end of the signature.
    TooManyLineSeparators = "too_many_line_separators", Error, "RFC 9116 §4 (signed)",
        "a signed file must end right after the signature's last line";
    /// The cleartext-signature framework is malformed.
    SignedFormatIssue = "signed_format_issue", Error, "RFC 9116 §2.3, §4 (RFC 4880 §7)",
        "a signed file must start with -----BEGIN PGP SIGNED MESSAGE----- and its armor headers";
    /// Text after the signature.
    DataAfterSig = "data_after_sig", Error, "RFC 9116 §4 (signed)",
        "a signed file must not contain data after the signature";
    /// The signature block is missing or its armor is incomplete.
    PgpDataError = "pgp_data_error", Error, "RFC 9116 §2.3 (RFC 4880 §6)",
        "the signed file must contain a complete ASCII-armored signature block";
    /// The armored signature does not decode (base64 or checksum).
    PgpError = "pgp_error", Error, "RFC 9116 §2.3 (RFC 4880 §6)",
        "the armored signature must decode (base64 and CRC-24 checksum)";
    /// The decoded armor is not an OpenPGP signature packet.
    PgpSignatureError = "pgp_signature_error", Error, "RFC 9116 §2.3 (RFC 4880 §5.2)",
        "the armored block must hold an OpenPGP signature packet";
    /// A `CSAF` field does not point to `provider-metadata.json`.
    NoCsafFile = "no_csaf_file", Error, "CSAF 2.0 §7.1.8",
        "a CSAF field must point to a provider-metadata.json file";
    /// The retrieval URL is in no `Canonical` field.
    NoCanonicalMatch = "no_canonical_match", Error, "RFC 9116 §2.5.2",
        "the URI the file was retrieved from must be listed in a Canonical field";
    /// Nothing was found at the retrieval URL(s) (HTTP status other than 200).
    NoSecurityTxt = "no_security_txt", Error, "RFC 9116 §3",
        "no security.txt was found at /.well-known/security.txt (nor at /security.txt)";
    /// The file was found, but not under `/.well-known/`.
    Location = "location", Error, "RFC 9116 §3",
        "the file must be placed under the /.well-known/ path";
    /// The file was retrieved (or redirected) over a scheme other than https.
    InvalidUriScheme = "invalid_uri_scheme", Error, "RFC 9116 §3, §5.7",
        "the file must be retrieved over HTTPS";
    /// No `Content-Type` header.
    NoContentType = "no_content_type", Error, "RFC 9116 §3",
        "the file must be served with a Content-Type header of text/plain";
    /// `Content-Type` is not `text/plain`.
    InvalidMedia = "invalid_media", Error, "RFC 9116 §3, §4",
        "the file must be served as text/plain";
    /// A `charset` other than `utf-8`.
    InvalidCharset = "invalid_charset", Error, "RFC 9116 §3, §4",
        "the file must be served with charset=utf-8 (or no charset)";
    /// `Expires` is more than a year ahead.
    LongExpiry = "long_expiry", Warning, "RFC 9116 §2.5.5",
        "Expires should be less than a year into the future";
    /// An e-mail contact without an `Encryption` field.
    NoEncryption = "no_encryption", Info, "RFC 9116 §2.5.3, §2.5.4",
        "encryption is recommended when a Contact is an e-mail address";
    /// The file is not signed.
    NotSigned = "not_signed", Info, "RFC 9116 §2.3",
        "an OpenPGP cleartext signature is recommended";
    /// A signed file without `Canonical`.
    NoCanonical = "no_canonical", Warning, "RFC 9116 §2.3",
        "a signed file should include a Canonical field";
    /// Several `CSAF` fields.
    MultipleCsafFields = "multiple_csaf_fields", Info, "CSAF 2.0 §7.1.8",
        "several CSAF fields are allowed, but one is easier to follow";
    /// A field name the IANA registry does not list.
    UnknownField = "unknown_field", Info, "RFC 9116 §2.4",
        "unknown field: consumers ignore it (custom field or typo?)";

    // ---- our own codes (sectxt has no such check); D-numbers refer to the comparison table ----
    /// D1: a URI with raw spaces, characters outside RFC 3986, or a broken structure.
    InvalidUri = "invalid_uri", Error, "RFC 9116 §2.5 (RFC 3986)",
        "the value must be a URI per RFC 3986 (spaces and other characters percent-encoded)";
    /// D2: several values chained in one field.
    ChainedValues = "chained_values", Error, "RFC 9116 §2",
        "values must not be chained in one field: put each on its own line";
    /// D3: `Expires` with a space where RFC 3339 §5.6 requires `T`.
    ExpirySeparator = "expiry_separator", Error, "RFC 9116 §2.5.5 (RFC 3339 §5.6)",
        "Expires must separate date and time with T, not a space";
    /// D4: a line whose name is not an RFC 5322 field name (spaces, HTML, non-ASCII).
    InvalidFieldName = "invalid_field_name", Error, "RFC 9116 §2, §4 (RFC 5322 §3.6.8)",
        "field names are printable US-ASCII without spaces or colons";
    /// D5: the key itself inside `Encryption`.
    KeyInEncryption = "key_in_encryption", Warning, "RFC 9116 §2.5.4",
        "Encryption must point to a key, not contain the key itself";
    /// D6: a reference into `/.well-known/` with a suffix IANA has not registered.
    UnregisteredWellKnown = "unregistered_well_known", Warning, "RFC 9116 §6 (RFC 8615 §3)",
        "resources must not be placed under /.well-known/ unless the suffix is registered";
    /// D7: the signature does not verify against the supplied key.
    SignatureBad = "signature_bad", Error, "RFC 9116 §2.3, §5.1",
        "the OpenPGP signature does not verify against the supplied key";
    /// D12: more than one space after the colon.
    ExtraSpace = "extra_space", Warning, "RFC 9116 §4",
        "exactly one space follows the colon; further whitespace becomes part of the value";
    /// A line ends with a bare CR (not followed by LF).
    BareCr = "bare_cr", Error, "RFC 9116 §2.2", "lines must end with CRLF or LF, never a bare CR";
    /// A NUL byte.
    NulByte = "nul_byte", Error, "RFC 9116 §4", "the file must be text: NUL bytes are not allowed";
    /// Another control character (TAB excepted).
    ControlChar = "control_char", Error, "RFC 9116 §4",
        "control characters other than TAB are not allowed";
    /// The file is an HTML page.
    Html = "html", Error, "RFC 9116 §3, §4",
        "the file is an HTML page; security.txt must be plain text";
    /// The file exceeds the size cap.
    FileTooLarge = "file_too_large", Error, "RFC 9116 §5.4",
        "the file is larger than the parser accepts (32 KiB by default) and was refused";
    /// More than 1,000 lines.
    TooManyLines = "too_many_lines", Warning, "RFC 9116 §5.4",
        "parsers may refuse files with more than 1,000 lines";
    /// A field longer than 2,048 characters.
    LineTooLong = "line_too_long", Warning, "RFC 9116 §5.4",
        "parsers may refuse fields longer than 2,048 characters";
    /// A cleartext line starting with `-` that is not dash-escaped.
    DashEscape = "dash_escape", Error, "RFC 9116 §4 (RFC 4880 §7.1)",
        "in signed text, a line starting with '-' must be dash-escaped as '- -'";
    /// No `Hash:` armor header in a signed file.
    NoHashHeader = "no_hash_header", Warning, "RFC 9116 §4 (RFC 4880 §7)",
        "the signed-message header should name the hash algorithm (Hash: SHA512)";
    /// The armor's CRC-24 line disagrees with the data.
    ArmorChecksum = "armor_checksum", Warning, "RFC 9116 §2.3 (RFC 9580 §6.1)",
        "the armor checksum does not match the signature data (ignored by readers, but a sign of damage)";
    /// No `Policy` field.
    NoPolicy = "no_policy", Info, "RFC 9116 §3.1",
        "a Policy field should describe the scope and the disclosure process";
    /// The retrieval followed redirects (RFC 9116 §3 allows them; researchers inspect them).
    Redirected = "redirected", Info, "RFC 9116 §3, §5.2",
        "the retrieval was redirected";
    /// The fetch itself failed (network, TLS, too many redirects).
    FetchFailed = "fetch_failed", Error, "RFC 9116 §3",
        "the file could not be retrieved";
    /// Findings of one code were capped.
    FindingsTruncated = "findings_truncated", Info, "-",
        "further findings of the same code were omitted";
}

impl Code {
    /// Whether `sectxt` 0.9.8 has a check with this code name.
    pub fn is_sectxt(self) -> bool {
        (self as usize) <= (Code::UnknownField as usize)
    }
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.id())
    }
}

impl Serialize for Code {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.id())
    }
}

/// One problem (or hint) found in a file.
///
/// Serialises as `{"code", "line", "message"}`; the message is built on demand from the
/// code's summary, the detail and the clause, so that findings without detail cost no
/// allocation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// The stable code.
    pub code: Code,
    /// 1-based line number, when the finding belongs to one line.
    pub line: Option<usize>,
    /// What is specific to this occurrence (the offending value, …); may be empty.
    pub detail: String,
}

impl Finding {
    /// A finding with `detail` (may be empty).
    pub fn new(code: Code, line: Option<usize>, detail: impl Into<String>) -> Finding {
        Finding {
            code,
            line,
            detail: detail.into(),
        }
    }

    /// A sentence that reads on its own and ends with the clause: the code's summary, the
    /// detail, then e.g. `(RFC 9116 §2.5.5)`.
    pub fn message(&self) -> String {
        let summary = self.code.summary();
        let clause = self.code.clause();
        let mut message =
            String::with_capacity(summary.len() + self.detail.len() + clause.len() + 6);
        push_capitalised(&mut message, summary);
        if !self.detail.is_empty() {
            message.push_str(": ");
            message.push_str(&self.detail);
        }
        message.push_str(" (");
        message.push_str(clause);
        message.push(')');
        message
    }

    /// The level of this finding (that of its code).
    pub fn level(&self) -> Level {
        self.code.level()
    }
}

impl Serialize for Finding {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct("Finding", 3)?;
        st.serialize_field("code", &self.code)?;
        st.serialize_field("line", &self.line)?;
        st.serialize_field("message", &self.message())?;
        st.end()
    }
}

fn push_capitalised(out: &mut String, s: &str) {
    let mut chars = s.chars();
    if let Some(first) = chars.next() {
        out.extend(first.to_uppercase());
        out.push_str(chars.as_str());
    }
}
