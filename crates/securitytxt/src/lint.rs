//! Field and document rules on top of the parser.

use jiff::Timestamp;
use serde::Serialize;

use crate::code::{Code, Finding, Level};
use crate::expires::{self, Expiry};
use crate::parse::{self, DEFAULT_MAX_SIZE, Document, Sink, shorten};
use crate::pgp::{SignatureStatus, SignatureVerifier, Verification};
use crate::{lang, uri, wellknown};

/// Field names registered with IANA (RFC 9116 §6.2, plus `CSAF` from CSAF 2.0 §7.1.8).
pub const KNOWN_FIELDS: &[&str] = &[
    "Acknowledgments",
    "Canonical",
    "Contact",
    "CSAF",
    "Encryption",
    "Expires",
    "Hiring",
    "Policy",
    "Preferred-Languages",
];

const URI_FIELDS: &[&str] = &[
    "Acknowledgments",
    "Canonical",
    "Contact",
    "CSAF",
    "Encryption",
    "Hiring",
    "Policy",
];

/// Inputs besides the file itself.
#[derive(Clone, Copy)]
pub struct LintOptions<'a> {
    /// The instant `Expires` is compared with.
    pub now: Timestamp,
    /// Files longer than this many bytes are refused (`file_too_large`).
    pub max_size: usize,
    /// The URL(s) the file was retrieved from (first and last of a redirect chain); when
    /// given and the file has `Canonical` fields, one of them must be listed.
    pub retrieval_urls: &'a [&'a str],
    /// Verifies a signed file's signature (e.g. against `--key`); `None`: "unverified".
    pub verifier: Option<&'a dyn SignatureVerifier>,
}

impl std::fmt::Debug for LintOptions<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LintOptions")
            .field("now", &self.now)
            .field("max_size", &self.max_size)
            .field("retrieval_urls", &self.retrieval_urls)
            .field("verifier", &self.verifier.map(|_| "…"))
            .finish()
    }
}

impl LintOptions<'static> {
    /// Options with `now`, the 32 KiB cap, no retrieval URL and no verifier.
    pub fn at(now: Timestamp) -> LintOptions<'static> {
        LintOptions {
            now,
            max_size: DEFAULT_MAX_SIZE,
            retrieval_urls: &[],
            verifier: None,
        }
    }
}

/// The result of linting one file.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// The parsed document (fields, signature envelope).
    pub document: Document,
    /// Every finding, in the order found (syntax first, then field and document rules).
    pub findings: Vec<Finding>,
    /// `None` for unsigned files.
    pub signature: Option<SignatureStatus>,
}

impl Report {
    /// No error-level finding.
    pub fn is_valid(&self) -> bool {
        !self.findings.iter().any(|f| f.level() == Level::Error)
    }

    /// Whether the file has an OpenPGP cleartext envelope.
    pub fn is_signed(&self) -> bool {
        self.document.signature.is_some()
    }

    /// Findings of one level.
    pub fn at_level(&self, level: Level) -> impl Iterator<Item = &Finding> {
        self.findings.iter().filter(move |f| f.level() == level)
    }

    /// Error-level findings.
    pub fn errors(&self) -> impl Iterator<Item = &Finding> {
        self.at_level(Level::Error)
    }

    /// Warning-level findings.
    pub fn warnings(&self) -> impl Iterator<Item = &Finding> {
        self.at_level(Level::Warning)
    }

    /// Info-level findings.
    pub fn infos(&self) -> impl Iterator<Item = &Finding> {
        self.at_level(Level::Info)
    }

    /// Whether some finding has `code`.
    pub fn has(&self, code: Code) -> bool {
        self.findings.iter().any(|f| f.code == code)
    }

    /// The first valid `Expires` instant, if any.
    pub fn expires(&self) -> Option<Timestamp> {
        self.document
            .values("Expires")
            .find_map(|v| match expires::parse(v) {
                Expiry::Valid(t) | Expiry::SpaceSeparator(t) => Some(t),
                Expiry::Invalid(_) => None,
            })
    }
}

/// The per-input result of `embargo securitytxt lint --json` (DESIGN §5 / issue 4):
/// `{"source", "valid", "signed", "signature", "errors", "warnings", "info"}`, each finding
/// `{"code", "line", "message"}`.
#[derive(Debug, Clone, Serialize)]
pub struct Summary<'a> {
    /// The file name or URL that was linted.
    pub source: &'a str,
    /// No error-level finding.
    pub valid: bool,
    /// The file has an OpenPGP cleartext envelope.
    pub signed: bool,
    /// `"verified"`, `"bad"`, `"unverified"`, or `null` when unsigned.
    pub signature: Option<SignatureStatus>,
    /// Error-level findings.
    pub errors: Vec<&'a Finding>,
    /// Warning-level findings.
    pub warnings: Vec<&'a Finding>,
    /// Info-level findings.
    pub info: Vec<&'a Finding>,
}

impl Report {
    /// The summary printed for this report, labelled with `source`.
    pub fn summary<'a>(&'a self, source: &'a str) -> Summary<'a> {
        Summary {
            source,
            valid: self.is_valid(),
            signed: self.is_signed(),
            signature: self.signature,
            errors: self.errors().collect(),
            warnings: self.warnings().collect(),
            info: self.infos().collect(),
        }
    }
}

/// Parses and lints `input` (the raw bytes of a security.txt).
///
/// Never panics; every problem becomes a [`Finding`] with a stable [`Code`].
pub fn lint(input: &[u8], options: &LintOptions<'_>) -> Report {
    let mut sink = Sink::default();
    let document = parse::parse_into(input, options.max_size, &mut sink);
    let refused = input.len() > options.max_size;
    let signature = if refused {
        None
    } else {
        check_document(&document, options, &mut sink)
    };
    Report {
        document,
        findings: sink.finish(),
        signature,
    }
}

fn check_document(
    doc: &Document,
    options: &LintOptions<'_>,
    sink: &mut Sink,
) -> Option<SignatureStatus> {
    let one_year = expires::one_year_after(options.now);

    for field in &doc.fields {
        let n = Some(field.line);
        if field.value.len() > 2048 && field.value.chars().count() > 2048 {
            sink.push(
                Code::LineTooLong,
                n,
                format!("{} characters", field.value.chars().count()),
            );
        }
        if let Some(known) = URI_FIELDS.iter().find(|k| field.is(k)) {
            check_uri_field(known, &field.value, field.line, sink);
        } else if field.is("Expires") {
            let ts = match expires::parse(&field.value) {
                Expiry::Valid(t) => Some(t),
                Expiry::SpaceSeparator(t) => {
                    sink.push(Code::ExpirySeparator, n, format!("'{}'", field.value));
                    Some(t)
                }
                Expiry::Invalid(why) => {
                    sink.push(Code::InvalidExpiry, n, &why);
                    None
                }
            };
            if let Some(t) = ts {
                if t > one_year {
                    sink.push(
                        Code::LongExpiry,
                        n,
                        format!(
                            "{} is more than a year after {}",
                            expires::format(t),
                            expires::format(options.now)
                        ),
                    );
                } else if t < options.now {
                    sink.push(
                        Code::Expired,
                        n,
                        format!(
                            "{} is before {}",
                            expires::format(t),
                            expires::format(options.now)
                        ),
                    );
                }
            }
        } else if field.is("Preferred-Languages") {
            for tag in field.value.split(',') {
                let tag = tag.trim_matches([' ', '\t']);
                if !lang::is_valid_tag(tag) {
                    sink.push(Code::InvalidLang, n, format!("'{}'", shorten(tag)));
                }
            }
        } else {
            sink.push(Code::UnknownField, n, unknown_hint(&field.name));
        }
    }

    let count = |name: &str| doc.fields_named(name).count();
    let nth_line = |name: &str, i: usize| doc.fields_named(name).nth(i).map(|f| f.line);

    match count("Expires") {
        0 => sink.push(Code::NoExpire, None, ""),
        1 => {}
        _ => sink.push(Code::MultiExpire, nth_line("Expires", 1), ""),
    }
    if count("Contact") == 0 {
        sink.push(Code::NoContact, None, "");
    } else if count("Encryption") == 0
        && doc.values("Contact").any(|v| {
            v.as_bytes()
                .get(..7)
                .is_some_and(|s| s.eq_ignore_ascii_case(b"mailto:"))
        })
    {
        sink.push(Code::NoEncryption, None, "");
    }
    if count("Preferred-Languages") > 1 {
        sink.push(Code::MultiLang, nth_line("Preferred-Languages", 1), "");
    }
    let csaf = count("CSAF");
    for f in doc.fields_named("CSAF") {
        if !f.value.ends_with("provider-metadata.json") {
            sink.push(Code::NoCsafFile, Some(f.line), "");
        }
    }
    if csaf > 1 {
        sink.push(Code::MultipleCsafFields, nth_line("CSAF", 1), "");
    }
    if !options.retrieval_urls.is_empty() && count("Canonical") > 0 {
        let listed = doc
            .values("Canonical")
            .any(|c| options.retrieval_urls.contains(&c));
        if !listed {
            sink.push(
                Code::NoCanonicalMatch,
                None,
                format!("retrieved from {}", options.retrieval_urls.join(" → ")),
            );
        }
    }
    if count("Policy") == 0 {
        sink.push(Code::NoPolicy, None, "");
    }

    if doc.signature.is_none() {
        sink.push(Code::NotSigned, None, "");
    }
    let signature = doc.signature.as_ref()?;
    if count("Canonical") == 0 {
        sink.push(Code::NoCanonical, None, "");
    }
    let armor_ok = signature.armored.ends_with(crate::pgp::END_SIGNATURE);
    let status = match options.verifier {
        Some(v) if armor_ok => match v.verify(signature) {
            Verification::Verified => SignatureStatus::Verified,
            Verification::Bad(why) => {
                sink.push(Code::SignatureBad, Some(signature.begin_line), &why);
                SignatureStatus::Bad
            }
            Verification::Unverifiable(_) => SignatureStatus::Unverified,
        },
        _ => SignatureStatus::Unverified,
    };
    Some(status)
}

/// Rules for the URI-valued fields (RFC 9116 §2.5, CSAF 2.0 §7.1.8).
fn check_uri_field(field: &str, value: &str, line: usize, sink: &mut Sink) {
    let n = Some(line);
    if uri::is_chained(value) {
        sink.push(
            Code::ChainedValues,
            n,
            format!("{field}: '{}'", shorten(value)),
        );
        return;
    }
    let Some(scheme) = uri::scheme_of(value) else {
        let hint = if value.contains('@') && !value.contains(char::is_whitespace) {
            " (an e-mail address needs 'mailto:')"
        } else if value.starts_with('+')
            || value
                .chars()
                .all(|c| c.is_ascii_digit() || " -()+.".contains(c))
        {
            " (a phone number needs 'tel:')"
        } else {
            ""
        };
        sink.push(
            Code::NoUri,
            n,
            format!("{field}: '{}'{hint}", shorten(value)),
        );
        if field == "Encryption" && value.contains("BEGIN PGP PUBLIC KEY") {
            sink.push(Code::KeyInEncryption, n, "");
        }
        return;
    };
    if scheme.eq_ignore_ascii_case("http") {
        sink.push(Code::NoHttps, n, format!("{field}: '{}'", shorten(value)));
    }
    if field == "Encryption" && scheme.eq_ignore_ascii_case("data") {
        sink.push(
            Code::KeyInEncryption,
            n,
            "a data: URI carries the key itself",
        );
    } else if let Err(why) = uri::check(value) {
        sink.push(Code::InvalidUri, n, format!("{field}: {why}"));
    }
    if let Some(path) = uri::web_path(value)
        && let Some(suffix) = path.strip_prefix("/.well-known/")
    {
        let suffix = suffix.split('/').next().unwrap_or("");
        if !wellknown::is_registered(suffix) {
            sink.push(
                Code::UnregisteredWellKnown,
                n,
                format!("'/.well-known/{}'", shorten(suffix)),
            );
        }
    }
}

fn unknown_hint(name: &str) -> String {
    let lower = name.to_ascii_lowercase();
    let hint = match lower.as_str() {
        "acknowledgements" | "acknowledgement" | "acknowledgment" => {
            " — did you mean 'Acknowledgments'?"
        }
        "signature" => " — a draft-era field; sign the file with OpenPGP instead (§2.3)",
        "contacts" | "contact-email" | "email" => " — did you mean 'Contact'?",
        "preferredlanguages" | "preferred-language" | "preferred_languages" | "languages" => {
            " — did you mean 'Preferred-Languages'?"
        }
        "expiry" | "expire" | "expiration" | "expires-at" => " — did you mean 'Expires'?",
        "encryption-key" | "key" | "pgp" => " — did you mean 'Encryption'?",
        _ => "",
    };
    format!("'{}'{hint}", shorten(name))
}
