//! The generator: a builder that renders a file our linter passes with no error and no
//! warning (given an `Expires` within a year of "now").

use jiff::{Timestamp, ToSpan};

use crate::lint::KNOWN_FIELDS;
use crate::{expires, lang, uri, wellknown};

/// Why a [`Builder`] could not render.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BuildError {
    /// RFC 9116 §2.5.3: at least one Contact is required.
    #[error("at least one Contact is required (RFC 9116 §2.5.3)")]
    NoContact,
    /// RFC 9116 §2.5.5: Expires is required.
    #[error("Expires is required (RFC 9116 §2.5.5)")]
    NoExpires,
    /// A value is not an RFC 3986 URI, or chains several.
    #[error("{field}: '{value}' is not a valid URI: {reason}")]
    InvalidUri {
        /// Field name.
        field: &'static str,
        /// The offending value.
        value: String,
        /// What is wrong.
        reason: String,
    },
    /// RFC 9116 §2.5: web URIs must use https.
    #[error("{field}: '{value}' must use https:// (RFC 9116 §2.5)")]
    NotHttps {
        /// Field name.
        field: &'static str,
        /// The offending value.
        value: String,
    },
    /// RFC 9116 §6: an unregistered `/.well-known/` suffix.
    #[error(
        "{field}: '{value}' points into /.well-known/ with an unregistered suffix (RFC 9116 §6)"
    )]
    UnregisteredWellKnown {
        /// Field name.
        field: &'static str,
        /// The offending value.
        value: String,
    },
    /// RFC 9116 §2.5.4: Encryption must point to the key, not hold it.
    #[error("Encryption must be a URI where the key can be fetched, not the key (RFC 9116 §2.5.4)")]
    KeyInEncryption,
    /// CSAF 2.0 §7.1.8: a CSAF field points to `provider-metadata.json`.
    #[error("CSAF: '{0}' must point to provider-metadata.json (CSAF 2.0 §7.1.8)")]
    NotProviderMetadata(String),
    /// RFC 5646: not a language tag.
    #[error("'{0}' is not an RFC 5646 language tag (RFC 9116 §2.5.8)")]
    InvalidLanguage(String),
    /// A comment with a line break or control character.
    #[error("comments must be one line of text without control characters")]
    InvalidComment,
    /// A field name that is not registered (RFC 9116 §6.2, CSAF 2.0 §7.1.8).
    #[error("'{0}' is not a security.txt field this generator writes")]
    UnknownField(String),
    /// RFC 9116 §2.5.8: Preferred-Languages must not appear more than once.
    #[error("Preferred-Languages must not appear more than once (RFC 9116 §2.5.8)")]
    MultipleLanguageFields,
    /// RFC 9116 §2.5.5: Expires should be less than a year ahead, and in the future.
    #[error("Expires {expires} must be after {now} and at most one year later (RFC 9116 §2.5.5)")]
    ExpiresOutOfRange {
        /// The configured Expires.
        expires: String,
        /// The "now" it was checked against.
        now: String,
    },
}

/// Builds a security.txt.
///
/// ```
/// use securitytxt::{Builder, LintOptions, expiry_for, lint};
/// let now: jiff::Timestamp = "2026-11-22T00:00:00Z".parse().unwrap();
/// let text = Builder::new()
///     .comment("Security contact for Example")
///     .contact("mailto:security@example.org")
///     .contact("https://example.org/report")
///     .expires(expiry_for(now, 180))
///     .encryption("https://example.org/.well-known/openpgpkey/hu/abc")
///     .preferred_languages(["en", "nl"])
///     .canonical("https://example.org/.well-known/security.txt")
///     .policy("https://example.org/security-policy")
///     .render_at(now)
///     .unwrap();
/// let report = lint(text.as_bytes(), &LintOptions::at(now));
/// assert!(report.is_valid() && report.warnings().count() == 0);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Builder {
    comments: Vec<String>,
    contacts: Vec<String>,
    expires: Option<Timestamp>,
    encryption: Vec<String>,
    acknowledgments: Vec<String>,
    preferred_languages: Vec<String>,
    canonical: Vec<String>,
    policy: Vec<String>,
    hiring: Vec<String>,
    csaf: Vec<String>,
}

impl Builder {
    /// An empty builder.
    pub fn new() -> Builder {
        Builder::default()
    }

    /// A comment line at the top of the file (`# text`).
    pub fn comment(mut self, text: impl Into<String>) -> Builder {
        self.comments.push(text.into());
        self
    }

    /// A `Contact` URI (`mailto:`, `tel:` or `https:`); call in order of preference.
    pub fn contact(mut self, uri: impl Into<String>) -> Builder {
        self.contacts.push(uri.into());
        self
    }

    /// `Expires`; rendered in UTC with whole seconds. See [`expiry_for`].
    pub fn expires(mut self, at: Timestamp) -> Builder {
        self.expires = Some(at);
        self
    }

    /// An `Encryption` URI where the OpenPGP key can be fetched.
    pub fn encryption(mut self, uri: impl Into<String>) -> Builder {
        self.encryption.push(uri.into());
        self
    }

    /// An `Acknowledgments` URI (the hall of fame).
    pub fn acknowledgments(mut self, uri: impl Into<String>) -> Builder {
        self.acknowledgments.push(uri.into());
        self
    }

    /// `Preferred-Languages` (RFC 5646 tags), rendered as one field.
    pub fn preferred_languages<I, S>(mut self, tags: I) -> Builder
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.preferred_languages
            .extend(tags.into_iter().map(Into::into));
        self
    }

    /// A `Canonical` URI: where this file is served.
    pub fn canonical(mut self, uri: impl Into<String>) -> Builder {
        self.canonical.push(uri.into());
        self
    }

    /// A `Policy` URI.
    pub fn policy(mut self, uri: impl Into<String>) -> Builder {
        self.policy.push(uri.into());
        self
    }

    /// A `Hiring` URI.
    pub fn hiring(mut self, uri: impl Into<String>) -> Builder {
        self.hiring.push(uri.into());
        self
    }

    /// A `CSAF` URI: a CSAF 2.0 `provider-metadata.json`.
    pub fn csaf(mut self, uri: impl Into<String>) -> Builder {
        self.csaf.push(uri.into());
        self
    }

    /// Renders the unsigned file: LF line ends (the last line too), no BOM, UTF-8.
    ///
    /// Checks every value; does not check `Expires` against a clock (see
    /// [`Builder::render_at`]). To sign, pass the result to [`crate::signing_payload`], sign
    /// that with the project's key, and wrap with [`crate::wrap_signed`] (or use
    /// `openpgp::SigningKey::sign` with the `sign` feature).
    pub fn render(&self) -> Result<String, BuildError> {
        let expires = self.expires.ok_or(BuildError::NoExpires)?;
        let mut fields: Vec<(&str, String)> = Vec::new();
        for c in &self.comments {
            fields.push(("#", c.clone()));
        }
        let lists: [(&str, &Vec<String>); 4] = [
            ("Contact", &self.contacts),
            ("Encryption", &self.encryption),
            ("Acknowledgments", &self.acknowledgments),
            ("Canonical", &self.canonical),
        ];
        for (name, values) in lists {
            fields.extend(values.iter().map(|v| (name, v.clone())));
        }
        if !self.preferred_languages.is_empty() {
            fields.push(("Preferred-Languages", self.preferred_languages.join(", ")));
        }
        let lists: [(&str, &Vec<String>); 3] = [
            ("Policy", &self.policy),
            ("Hiring", &self.hiring),
            ("CSAF", &self.csaf),
        ];
        for (name, values) in lists {
            fields.extend(values.iter().map(|v| (name, v.clone())));
        }
        render(&fields, expires)
    }

    /// Like [`Builder::render`], and also checks that `Expires` lies after `now` and at most
    /// one year later (RFC 9116 §2.5.5), so the file lints without `expired`/`long_expiry`.
    pub fn render_at(&self, now: Timestamp) -> Result<String, BuildError> {
        let text = self.render()?;
        if let Some(e) = self.expires {
            let e = truncate(e);
            if e <= now || e > one_year_after(now) {
                return Err(BuildError::ExpiresOutOfRange {
                    expires: expires::format(e),
                    now: expires::format(now),
                });
            }
        }
        Ok(text)
    }
}

fn check_uri(field: &'static str, value: &str) -> Result<(), BuildError> {
    let invalid = |reason: &str| BuildError::InvalidUri {
        field,
        value: value.to_string(),
        reason: reason.to_string(),
    };
    if uri::is_chained(value) {
        return Err(invalid("several URIs in one value; add them one by one"));
    }
    let scheme = uri::scheme_of(value).ok_or_else(|| invalid("no scheme"))?;
    if field == "Encryption" && scheme.eq_ignore_ascii_case("data") {
        return Err(BuildError::KeyInEncryption);
    }
    if scheme.eq_ignore_ascii_case("http") {
        return Err(BuildError::NotHttps {
            field,
            value: value.to_string(),
        });
    }
    uri::check(value).map_err(|why| invalid(&why))?;
    if let Some(path) = uri::web_path(value)
        && let Some(suffix) = path.strip_prefix("/.well-known/")
        && !wellknown::is_registered(suffix.split('/').next().unwrap_or(""))
    {
        return Err(BuildError::UnregisteredWellKnown {
            field,
            value: value.to_string(),
        });
    }
    if field == "CSAF" && !value.ends_with("provider-metadata.json") {
        return Err(BuildError::NotProviderMetadata(value.to_string()));
    }
    Ok(())
}

fn truncate(ts: Timestamp) -> Timestamp {
    Timestamp::from_second(ts.as_second()).unwrap_or(ts)
}

use crate::expires::one_year_after;

/// An `Expires` value `days` after `now`, but never more than one year ahead (RFC 9116
/// §2.5.5 recommends less than a year), in whole seconds. The server renews the file well
/// before this instant.
pub fn expiry_for(now: Timestamp, days: u32) -> Timestamp {
    let limit = one_year_after(now);
    let wanted = now
        .checked_add(i64::from(days).saturating_mul(86_400).seconds())
        .unwrap_or(limit);
    truncate(wanted.min(limit))
}

/// Renders a security.txt from `fields` — `(name, value)` pairs in the order to write them —
/// and the caller's `expires`. The pure entry point for servers: the caller picks `Expires`
/// (see [`expiry_for`]) and re-renders well before it passes.
///
/// - Names are matched case-insensitively against the registered fields ([`KNOWN_FIELDS`])
///   and written in their registered spelling; `"#"` writes a comment line.
/// - `Expires` is written once, as `YYYY-MM-DDTHH:MM:SSZ`: at the position of an `Expires`
///   entry in `fields` (whose value is ignored — `expires` wins), or else right after the
///   last `Contact`.
/// - Every value is checked as the linter would (RFC 3986 URIs, `https`, one value per field,
///   registered `/.well-known/` suffixes, CSAF `provider-metadata.json`, RFC 5646 tags), so a
///   value can never smuggle in a line break or a second field.
///
/// The output has LF line ends (the last line too), no BOM, and lints with no error and no
/// warning when `expires` lies within a year after "now".
///
/// ```
/// let expires: jiff::Timestamp = "2027-05-21T10:00:00Z".parse().unwrap();
/// let text = securitytxt::render(
///     &[
///         ("Contact", "https://sec.example/p/octo/report"),
///         ("Contact", "mailto:security@octo.example"),
///         ("Preferred-Languages", "en, nl"),
///         ("Canonical", "https://sec.example/p/octo/security.txt"),
///         ("Policy", "https://sec.example/p/octo/policy"),
///     ],
///     expires,
/// )
/// .unwrap();
/// assert_eq!(
///     text,
///     "Contact: https://sec.example/p/octo/report\n\
///      Contact: mailto:security@octo.example\n\
///      Expires: 2027-05-21T10:00:00Z\n\
///      Preferred-Languages: en, nl\n\
///      Canonical: https://sec.example/p/octo/security.txt\n\
///      Policy: https://sec.example/p/octo/policy\n"
/// );
/// ```
pub fn render<N: AsRef<str>, V: AsRef<str>>(
    fields: &[(N, V)],
    expires: Timestamp,
) -> Result<String, BuildError> {
    let mut names: Vec<&'static str> = Vec::with_capacity(fields.len());
    for (name, value) in fields {
        let (name, value) = (name.as_ref(), value.as_ref());
        if name == "#" {
            if value.chars().any(|ch| ch.is_control() && ch != '\t') {
                return Err(BuildError::InvalidComment);
            }
            names.push("#");
            continue;
        }
        let Some(known) = KNOWN_FIELDS.iter().find(|k| k.eq_ignore_ascii_case(name)) else {
            return Err(BuildError::UnknownField(name.to_string()));
        };
        match *known {
            "Expires" => {}
            "Preferred-Languages" => {
                if names.contains(known) {
                    return Err(BuildError::MultipleLanguageFields);
                }
                if value.trim().is_empty() {
                    return Err(BuildError::InvalidLanguage(String::new()));
                }
                for tag in value.split(',') {
                    let tag = tag.trim_matches([' ', '\t']);
                    if !lang::is_valid_tag(tag) {
                        return Err(BuildError::InvalidLanguage(tag.to_string()));
                    }
                }
            }
            uri_field => check_uri(uri_field, value)?,
        }
        names.push(known);
    }
    if !names.contains(&"Contact") {
        return Err(BuildError::NoContact);
    }
    let expires_at = names
        .iter()
        .position(|n| *n == "Expires")
        .or_else(|| names.iter().rposition(|n| *n == "Contact").map(|i| i + 1))
        .unwrap_or(names.len());

    let mut out = String::new();
    let write_expires = |out: &mut String| {
        out.push_str("Expires: ");
        out.push_str(&expires::format(expires));
        out.push('\n');
    };
    let mut expires_written = false;
    for (i, ((_, value), name)) in fields.iter().zip(&names).enumerate() {
        if i == expires_at && !expires_written && *name != "Expires" {
            write_expires(&mut out);
            expires_written = true;
        }
        match *name {
            "Expires" => {
                if !expires_written {
                    write_expires(&mut out);
                    expires_written = true;
                }
            }
            "#" => {
                out.push('#');
                let c = value.as_ref().trim_end();
                if !c.is_empty() {
                    out.push(' ');
                    out.push_str(c);
                }
                out.push('\n');
            }
            _ => {
                out.push_str(name);
                out.push_str(": ");
                out.push_str(value.as_ref().trim_matches([' ', '\t']));
                out.push('\n');
            }
        }
    }
    if !expires_written {
        write_expires(&mut out);
    }
    Ok(out)
}
