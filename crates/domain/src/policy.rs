//! A project's disclosure policy, as data.
//!
//! The policy drives the public policy page, SECURITY.md, security.txt, the hints beside the
//! report form, the SLA clocks and (later) triage rules. It is loaded from TOML
//! (`embargo project create --policy FILE`), edited in the web UI and stored as JSON; every
//! change is kept as a new version.

use crate::FieldErrors;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Upper bounds that keep a policy a document rather than a payload.
pub const MAX_TEXT: usize = 20_000;
pub const MAX_LIST: usize = 100;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    /// Where to report, as URIs (`mailto:`, `https:`, `tel:`), most preferred first.
    /// The instance adds its own report form as the first contact.
    #[serde(default)]
    pub contacts: Vec<String>,
    #[serde(default)]
    pub supported_versions: Vec<SupportedVersion>,
    /// Classes of report that do not qualify: standard ids, or custom ones with their own text.
    #[serde(default)]
    pub non_qualifying: Vec<NonQualifying>,
    /// Path globs of the project's source that are out of scope (e.g. `tests/**`).
    #[serde(default)]
    pub out_of_scope_paths: Vec<String>,
    #[serde(default)]
    pub targets: Targets,
    /// Lowest severity for which the project requests a CVE (`low`, `medium`, `high`, `critical`).
    #[serde(default)]
    pub cve_min_severity: Option<String>,
    /// Bounty text; `None` means the project pays no bounty.
    #[serde(default)]
    pub bounty: Option<String>,
    /// What the project says about reports written with generative AI.
    #[serde(default)]
    pub genai_policy: Option<String>,
    #[serde(default)]
    pub safe_harbour: Option<String>,
    /// BCP 47 language tags, e.g. `en`, `de`.
    #[serde(default = "default_languages")]
    pub preferred_languages: Vec<String>,
    /// ASCII-armoured OpenPGP public key reporters may encrypt to.
    #[serde(default)]
    pub openpgp_key: Option<String>,
    #[serde(default)]
    pub acknowledgments_url: Option<String>,
    #[serde(default)]
    pub hiring_url: Option<String>,
    #[serde(default)]
    pub csaf_provider_url: Option<String>,
    /// A security.txt the project also serves from its own website. Embargo re-lints it
    /// daily and tells the maintainers of new errors and, 30 days ahead, of its `Expires`.
    #[serde(default)]
    pub security_txt_url: Option<String>,
    /// Free text shown at the top of the policy page.
    #[serde(default)]
    pub introduction: Option<String>,
    /// The project's own reply templates, by key (see [`crate::replies`]); keys not listed
    /// use the built-in text.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub replies: BTreeMap<String, String>,
    /// What junk (beg bounty, spam-like reports, closed as spam) may cost: nothing, by default.
    #[serde(default)]
    pub junk: JunkPolicy,
}

/// How the project treats junk: reports the triage labels beg bounty or spam-like, and
/// reports closed as spam.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JunkPolicy {
    /// Hold the automatic receipt until the triage finds the report is not junk, or a person
    /// decides (acknowledging it, or "send receipt"); on by default.
    #[serde(default = "yes")]
    pub hold_receipts: bool,
    /// What a reporter hears when a report is closed as spam: `none` (the default) or
    /// `policy_link` (one line pointing at the policy).
    #[serde(default)]
    pub spam_reply: SpamReply,
}

fn yes() -> bool {
    true
}

impl Default for JunkPolicy {
    fn default() -> Self {
        Self {
            hold_receipts: true,
            spam_reply: SpamReply::None,
        }
    }
}

/// What closing a report as spam sends its reporter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SpamReply {
    /// Nothing at all.
    #[default]
    None,
    /// Only a link to the project's policy.
    PolicyLink,
}

impl SpamReply {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::PolicyLink => "policy_link",
        }
    }
}

fn default_languages() -> Vec<String> {
    vec!["en".to_owned()]
}

impl Default for Policy {
    fn default() -> Self {
        Self {
            contacts: Vec::new(),
            supported_versions: Vec::new(),
            non_qualifying: Vec::new(),
            out_of_scope_paths: Vec::new(),
            targets: Targets::default(),
            cve_min_severity: None,
            bounty: None,
            genai_policy: None,
            safe_harbour: None,
            preferred_languages: default_languages(),
            openpgp_key: None,
            acknowledgments_url: None,
            hiring_url: None,
            csaf_provider_url: None,
            security_txt_url: None,
            introduction: None,
            replies: BTreeMap::new(),
            junk: JunkPolicy::default(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SupportedVersion {
    /// A version or range as the project writes it: `1.11.x`, `>= 3.12`, `main`.
    pub version: String,
    pub status: SupportStatus,
    #[serde(default)]
    pub note: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SupportStatus {
    /// Receives all fixes.
    Supported,
    /// Receives security fixes only.
    Security,
    /// Pre-release: reports welcome, fixed in the next release.
    Prerelease,
    /// No longer fixed.
    EndOfLife,
}

impl SupportStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Supported => "supported",
            Self::Security => "security",
            Self::Prerelease => "prerelease",
            Self::EndOfLife => "end-of-life",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Supported => "Supported",
            Self::Security => "Security fixes only",
            Self::Prerelease => "Pre-release",
            Self::EndOfLife => "End of life",
        }
    }
}

/// One class of report that does not qualify.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NonQualifying {
    /// A standard id (see [`STANDARD_CLASSES`]) or a custom id of the project's own.
    pub id: String,
    /// The project's own wording; standard classes fall back to the standard text.
    #[serde(default)]
    pub text: Option<String>,
}

impl NonQualifying {
    /// The wording shown to reporters.
    pub fn wording(&self) -> &str {
        self.text
            .as_deref()
            .or_else(|| standard_class(&self.id).map(|c| c.text))
            .unwrap_or(&self.id)
    }
}

/// A standard non-qualifying class with its default wording.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StandardClass {
    pub id: &'static str,
    pub text: &'static str,
}

/// The standard non-qualifying classes, with the wording used when a project gives none.
pub const STANDARD_CLASSES: &[StandardClass] = &[
    StandardClass {
        id: "requires-admin",
        text: "Attacks that require administrator privileges or access the administrator already has.",
    },
    StandardClass {
        id: "physical-access",
        text: "Attacks that require physical access to the device or machine.",
    },
    StandardClass {
        id: "mitm",
        text: "Attacks that require a man-in-the-middle position on the network.",
    },
    StandardClass {
        id: "self-only",
        text: "Attacks that only affect the attacker themselves (self-XSS and the like).",
    },
    StandardClass {
        id: "scanner-output",
        text: "Unverified output of automated scanners or tools.",
    },
    StandardClass {
        id: "third-party-library",
        text: "Vulnerabilities in third-party libraries or dependencies, unless the project's use of them is exploitable. Report those upstream.",
    },
    StandardClass {
        id: "public-exposure",
        text: "Problems that arise only when the software is exposed to the public internet against its documentation.",
    },
    StandardClass {
        id: "malicious-plugin",
        text: "Attacks that require installing a malicious plugin, extension or configuration.",
    },
    StandardClass {
        id: "missing-headers",
        text: "Missing HTTP security headers or cookie flags without a demonstrated impact.",
    },
    StandardClass {
        id: "clickjacking-no-state",
        text: "Clickjacking on pages with no state-changing actions.",
    },
    StandardClass {
        id: "spf-dmarc",
        text: "Missing or misconfigured SPF, DKIM or DMARC records.",
    },
    StandardClass {
        id: "social-engineering",
        text: "Social engineering of maintainers, contributors or users.",
    },
    StandardClass {
        id: "theoretical-no-poc",
        text: "Theoretical issues without a proof of concept or a demonstrated impact.",
    },
];

pub fn standard_class(id: &str) -> Option<&'static StandardClass> {
    STANDARD_CLASSES.iter().find(|c| c.id == id)
}

/// Response targets. Days count calendar days unless `business_days` is set.
///
/// Stored policies written before `time_zone`, `holidays` and `reminder_hours_before`
/// existed load with their defaults (UTC, none, 24).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Targets {
    #[serde(default = "default_ack")]
    pub acknowledge_days: u16,
    #[serde(default = "default_triage")]
    pub triage_days: u16,
    #[serde(default = "default_disclosure")]
    pub disclosure_days: u16,
    /// Count acknowledgement and triage targets in business days (Monday–Friday, except
    /// `holidays`).
    #[serde(default)]
    pub business_days: bool,
    /// The project's IANA time zone (`Europe/Berlin`); days start at local midnight.
    #[serde(default = "default_time_zone")]
    pub time_zone: String,
    /// Local dates that are not business days (`"2026-12-25"`).
    #[serde(default, deserialize_with = "crate::calendar::holidays::deserialize")]
    pub holidays: Vec<jiff::civil::Date>,
    /// Hours before a due date to remind the maintainers (0: only on breach).
    #[serde(default = "default_reminder_hours")]
    pub reminder_hours_before: u16,
}

fn default_ack() -> u16 {
    7
}
fn default_triage() -> u16 {
    14
}
fn default_disclosure() -> u16 {
    90
}
fn default_time_zone() -> String {
    "UTC".to_owned()
}
fn default_reminder_hours() -> u16 {
    24
}

impl Default for Targets {
    fn default() -> Self {
        Self {
            acknowledge_days: default_ack(),
            triage_days: default_triage(),
            disclosure_days: default_disclosure(),
            business_days: false,
            time_zone: default_time_zone(),
            holidays: Vec::new(),
            reminder_hours_before: default_reminder_hours(),
        }
    }
}

impl Targets {
    pub fn day_word(&self, n: u16) -> String {
        let kind = if self.business_days { "business " } else { "" };
        let plural = if n == 1 { "" } else { "s" };
        format!("{n} {kind}day{plural}")
    }

    /// The project's time zone (UTC if the stored name is unknown).
    pub fn tz(&self) -> jiff::tz::TimeZone {
        crate::calendar::time_zone_or_utc(&self.time_zone)
    }

    /// The calendar business-day targets count in.
    pub fn business_calendar(&self) -> crate::calendar::BusinessCalendar<'_> {
        crate::calendar::BusinessCalendar {
            time_zone: self.tz(),
            holidays: &self.holidays,
        }
    }

    /// The reminder lead time.
    pub fn reminders(&self) -> crate::calendar::ReminderSettings {
        crate::calendar::ReminderSettings {
            hours_before: self.reminder_hours_before,
        }
    }
}

const SEVERITIES: &[&str] = &["none", "low", "medium", "high", "critical"];

impl Policy {
    /// Parses a policy from TOML; errors carry the line and column of the problem.
    pub fn from_toml(text: &str) -> Result<Self, PolicyError> {
        let policy: Policy = toml::from_str(text).map_err(|e| {
            let (line, column) = e.span().map(|s| line_col(text, s.start)).unwrap_or((0, 0));
            PolicyError::Syntax {
                line,
                column,
                message: e.message().to_owned(),
            }
        })?;
        policy.validate().map_err(PolicyError::Invalid)?;
        Ok(policy)
    }

    pub fn to_toml(&self) -> String {
        toml::to_string(self).unwrap_or_default()
    }

    /// Checks every field; errors name the field as it is written in TOML and JSON.
    pub fn validate(&self) -> Result<(), FieldErrors> {
        let mut errors = FieldErrors::default();
        check_list(&mut errors, "contacts", self.contacts.len());
        for (i, c) in self.contacts.iter().enumerate() {
            if let Err(m) = check_uri(c, &["mailto:", "https://", "http://", "tel:"]) {
                errors.push(format!("contacts[{i}]"), m);
            }
        }
        check_list(
            &mut errors,
            "supported_versions",
            self.supported_versions.len(),
        );
        for (i, v) in self.supported_versions.iter().enumerate() {
            let field = format!("supported_versions[{i}].version");
            check_short(&mut errors, &field, &v.version, 100);
        }
        check_list(&mut errors, "non_qualifying", self.non_qualifying.len());
        for (i, n) in self.non_qualifying.iter().enumerate() {
            let valid_id = !n.id.is_empty()
                && n.id.len() <= 64
                && n.id
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
            if !valid_id {
                errors.push(
                    format!("non_qualifying[{i}].id"),
                    "must be 1-64 characters of a-z, 0-9 and '-'",
                );
            } else if standard_class(&n.id).is_none() && n.text.is_none() {
                errors.push(
                    format!("non_qualifying[{i}].text"),
                    format!("is required for the custom class '{}'", n.id),
                );
            }
            if let Some(t) = &n.text {
                check_text(&mut errors, &format!("non_qualifying[{i}].text"), t);
            }
        }
        check_list(
            &mut errors,
            "out_of_scope_paths",
            self.out_of_scope_paths.len(),
        );
        for (i, g) in self.out_of_scope_paths.iter().enumerate() {
            check_short(&mut errors, &format!("out_of_scope_paths[{i}]"), g, 200);
        }
        let t = &self.targets;
        if !(1..=365).contains(&t.acknowledge_days) {
            errors.push("targets.acknowledge_days", "must be between 1 and 365");
        }
        if !(1..=365).contains(&t.triage_days) {
            errors.push("targets.triage_days", "must be between 1 and 365");
        }
        if !(1..=3650).contains(&t.disclosure_days) {
            errors.push("targets.disclosure_days", "must be between 1 and 3650");
        }
        if crate::calendar::time_zone(&t.time_zone).is_none() {
            errors.push(
                "targets.time_zone",
                format!(
                    "'{}' is not an IANA time zone name such as 'Europe/Berlin' or 'UTC'",
                    t.time_zone
                ),
            );
        }
        if t.holidays.len() > crate::calendar::MAX_HOLIDAYS {
            errors.push(
                "targets.holidays",
                format!("has more than {} entries", crate::calendar::MAX_HOLIDAYS),
            );
        }
        if t.reminder_hours_before > crate::calendar::MAX_REMINDER_HOURS {
            errors.push(
                "targets.reminder_hours_before",
                format!(
                    "must be between 0 and {}",
                    crate::calendar::MAX_REMINDER_HOURS
                ),
            );
        }
        if let Some(s) = &self.cve_min_severity
            && !SEVERITIES.contains(&s.as_str())
        {
            errors.push(
                "cve_min_severity",
                "must be one of none, low, medium, high, critical",
            );
        }
        for (field, value) in [
            ("bounty", &self.bounty),
            ("genai_policy", &self.genai_policy),
            ("safe_harbour", &self.safe_harbour),
            ("introduction", &self.introduction),
        ] {
            if let Some(v) = value {
                check_text(&mut errors, field, v);
            }
        }
        check_list(
            &mut errors,
            "preferred_languages",
            self.preferred_languages.len(),
        );
        for (i, l) in self.preferred_languages.iter().enumerate() {
            let ok = !l.is_empty()
                && l.len() <= 35
                && l.split('-').all(|p| {
                    !p.is_empty() && p.len() <= 8 && p.bytes().all(|b| b.is_ascii_alphanumeric())
                });
            if !ok {
                errors.push(
                    format!("preferred_languages[{i}]"),
                    "must be a language tag such as 'en' or 'pt-BR'",
                );
            }
        }
        if let Some(k) = &self.openpgp_key {
            let k = k.trim();
            if !k.starts_with("-----BEGIN PGP PUBLIC KEY BLOCK-----")
                || !k.ends_with("-----END PGP PUBLIC KEY BLOCK-----")
            {
                errors.push(
                    "openpgp_key",
                    "must be an ASCII-armoured OpenPGP public key block",
                );
            } else if k.len() > 100_000 {
                errors.push("openpgp_key", "is longer than 100000 bytes");
            }
        }
        for (field, value) in [
            ("acknowledgments_url", &self.acknowledgments_url),
            ("hiring_url", &self.hiring_url),
            ("csaf_provider_url", &self.csaf_provider_url),
        ] {
            if let Some(v) = value
                && let Err(m) = check_uri(v, &["https://"])
            {
                errors.push(field, m);
            }
        }
        // Plain http is allowed here so the watch can report it (RFC 9116 wants https).
        if let Some(v) = &self.security_txt_url
            && let Err(m) = check_uri(v, &["https://", "http://"])
        {
            errors.push("security_txt_url", m);
        }
        crate::replies::validate_replies(&self.replies, &mut errors);
        errors.into_result(())
    }
}

/// Why a policy file was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PolicyError {
    #[error("line {line}, column {column}: {message}")]
    Syntax {
        line: usize,
        column: usize,
        message: String,
    },
    #[error("{0}")]
    Invalid(FieldErrors),
}

fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

fn check_list(errors: &mut FieldErrors, field: &str, len: usize) {
    if len > MAX_LIST {
        errors.push(field, format!("has more than {MAX_LIST} entries"));
    }
}

fn check_short(errors: &mut FieldErrors, field: &str, value: &str, max: usize) {
    if value.trim().is_empty() {
        errors.push(field, "must not be empty");
    } else if value.len() > max {
        errors.push(field, format!("is longer than {max} bytes"));
    } else if value.chars().any(char::is_control) {
        errors.push(field, "must not contain control characters");
    }
}

fn check_text(errors: &mut FieldErrors, field: &str, value: &str) {
    if value.len() > MAX_TEXT {
        errors.push(field, format!("is longer than {MAX_TEXT} bytes"));
    } else if value
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t')
    {
        errors.push(field, "must not contain control characters");
    }
}

/// A URI we are willing to print into security.txt and HTML links: an allowed scheme, no
/// whitespace, no characters outside RFC 3986.
pub fn check_uri(value: &str, schemes: &[&str]) -> Result<(), String> {
    if value.len() > 2000 {
        return Err("is longer than 2000 bytes".into());
    }
    if !schemes.iter().any(|s| value.starts_with(s)) {
        return Err(format!("must start with {}", schemes.join(" or ")));
    }
    let allowed = |c: char| c.is_ascii_alphanumeric() || "-._~:/?#[]@!$&'()*+,;=%".contains(c);
    if let Some(c) = value.chars().find(|c| !allowed(*c)) {
        return Err(format!(
            "contains the character {c:?}, which is not allowed in a URI"
        ));
    }
    let rest = schemes
        .iter()
        .find_map(|s| value.strip_prefix(s))
        .unwrap_or_default();
    if rest.is_empty() {
        return Err("has nothing after the scheme".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minimal_toml_gets_defaults() {
        let p = Policy::from_toml("contacts = [\"mailto:security@example.org\"]\n").unwrap();
        assert_eq!(p.targets.acknowledge_days, 7);
        assert_eq!(p.targets.disclosure_days, 90);
        assert_eq!(p.preferred_languages, vec!["en"]);
    }

    #[test]
    fn syntax_errors_name_line() {
        let err = Policy::from_toml(
            "contacts = [\"mailto:a@b.org\"]\n\n[targets]\nacknowledge_days = \"soon\"\n",
        )
        .unwrap_err();
        match err {
            PolicyError::Syntax { line, .. } => assert_eq!(line, 4),
            other => panic!("expected a syntax error, got {other:?}"),
        }
    }

    #[test]
    fn unknown_keys_are_refused() {
        let err = Policy::from_toml("contact = []\n").unwrap_err();
        assert!(err.to_string().contains("contact"), "{err}");
    }

    #[test]
    fn semantic_errors_name_field() {
        let err = Policy::from_toml(
            "contacts = [\"ftp://x\"]\n[[non_qualifying]]\nid = \"my-own\"\n[targets]\nacknowledge_days = 0\n",
        )
        .unwrap_err();
        let PolicyError::Invalid(errors) = err else {
            panic!("expected field errors")
        };
        assert!(errors.get("contacts[0]").is_some());
        assert!(errors.get("non_qualifying[0].text").is_some());
        assert!(errors.get("targets.acknowledge_days").is_some());
    }

    #[test]
    fn standard_wording_falls_back() {
        let n = NonQualifying {
            id: "mitm".into(),
            text: None,
        };
        assert!(n.wording().contains("man-in-the-middle"));
        let n = NonQualifying {
            id: "mitm".into(),
            text: Some("Our words.".into()),
        };
        assert_eq!(n.wording(), "Our words.");
    }

    #[test]
    fn uris_with_spaces_are_refused() {
        assert!(check_uri("https://example.org/a b", &["https://"]).is_err());
        assert!(check_uri("https://example.org/a%20b", &["https://"]).is_ok());
        assert!(check_uri("javascript:alert(1)", &["https://", "mailto:"]).is_err());
    }

    #[test]
    fn toml_round_trip() {
        let p = Policy {
            contacts: vec!["mailto:security@example.org".into()],
            bounty: Some("None, but credit.".into()),
            ..Policy::default()
        };
        assert_eq!(Policy::from_toml(&p.to_toml()).unwrap(), p);
    }

    #[test]
    fn junk_rules_default_to_quiet_and_are_shown_for_editing() {
        let p = Policy::from_toml("contacts = [\"mailto:security@example.org\"]\n").unwrap();
        assert!(p.junk.hold_receipts);
        assert_eq!(p.junk.spam_reply, SpamReply::None);
        let text = p.to_toml();
        assert!(text.contains("[junk]"), "{text}");
        assert!(text.contains("hold_receipts = true"), "{text}");
        assert!(text.contains("spam_reply = \"none\""), "{text}");
        let p = Policy::from_toml(
            "contacts = [\"mailto:a@b.org\"]\n[junk]\nhold_receipts = false\nspam_reply = \"policy_link\"\n",
        )
        .unwrap();
        assert!(!p.junk.hold_receipts);
        assert_eq!(p.junk.spam_reply, SpamReply::PolicyLink);
        assert!(Policy::from_toml("[junk]\nspam_reply = \"rude\"\n").is_err());
    }
}
