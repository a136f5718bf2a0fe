//! A project's disclosure policy, as data.
//!
//! The policy drives the public policy page, SECURITY.md, security.txt, the hints beside the
//! report form, the SLA clocks and (later) triage rules. It is loaded from TOML
//! (`embargo project create --policy FILE`), edited in the web UI and stored as JSON; every
//! change is kept as a new version.

use crate::FieldErrors;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

mod rules;
pub use rules::{AttackVector, Reporting, Severity, ThreatModel};

/// Upper bounds that keep a policy a document rather than a payload.
pub const MAX_TEXT: usize = 20_000;
pub const MAX_LIST: usize = 100;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    /// Where to report, as URIs (`mailto:`, `https:`, `tel:`), most preferred first.
    /// The instance's own report form is always listed too: before these when
    /// `report_form_first` is true (the default), after them when it is false.
    #[serde(default)]
    pub contacts: Vec<String>,
    /// List Embargo's report form before `contacts` (true, the default) or after them, for a
    /// project whose preferred channel is elsewhere (a GitHub advisory form, a mail address).
    #[serde(default = "yes")]
    pub report_form_first: bool,
    /// The date the project last changed its policy, as it wants it shown (`2024-02-06`).
    #[serde(
        default,
        deserialize_with = "crate::calendar::holidays::deserialize_one"
    )]
    pub updated: Option<jiff::civil::Date>,
    /// The code of conduct reports and conversations are subject to.
    #[serde(default)]
    pub code_of_conduct_url: Option<String>,
    /// What the project considers an attack on its software.
    #[serde(default)]
    pub threat_model: Option<ThreatModel>,
    /// How reports should be written and what they must include.
    #[serde(default)]
    pub reporting: Reporting,
    /// Which version statuses get CVE identifiers.
    #[serde(default)]
    pub lifecycle: Lifecycle,
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
    /// Lowest severity for which the project requests a CVE: `low`, `moderate` (the same as
    /// `medium`), `medium`, `high`, `critical`; `none` requests CVEs for every severity.
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
            report_form_first: true,
            updated: None,
            code_of_conduct_url: None,
            threat_model: None,
            reporting: Reporting::default(),
            lifecycle: Lifecycle::default(),
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
    /// Whether vulnerabilities in this line get a CVE; unset, the status decides
    /// (see [`Lifecycle::cve_eligible`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cve_eligible: Option<bool>,
}

/// Where a version line is in its life. Policies written before the lifecycle statuses load
/// unchanged: `supported` reads as `bugfix`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SupportStatus {
    /// In development: new features land here; not yet stable.
    Feature,
    /// Stable and receiving all fixes.
    #[serde(alias = "supported")]
    Bugfix,
    /// Receives security fixes only.
    Security,
    /// Alphas, betas and release candidates: bugs here are regular bugs.
    Prerelease,
    /// No longer fixed.
    #[serde(alias = "eol")]
    EndOfLife,
}

impl SupportStatus {
    pub const ALL: [Self; 5] = [
        Self::Feature,
        Self::Bugfix,
        Self::Security,
        Self::Prerelease,
        Self::EndOfLife,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Feature => "feature",
            Self::Bugfix => "bugfix",
            Self::Security => "security",
            Self::Prerelease => "prerelease",
            Self::EndOfLife => "end-of-life",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Feature => "In development",
            Self::Bugfix => "Supported (bug and security fixes)",
            Self::Security => "Security fixes only",
            Self::Prerelease => "Pre-release",
            Self::EndOfLife => "End of life",
        }
    }

    /// Whether a status gets CVEs unless the policy says otherwise: stable lines do;
    /// pre-releases and end-of-life lines do not.
    pub fn default_cve_eligible(self) -> bool {
        !matches!(self, Self::Prerelease | Self::EndOfLife)
    }

    /// Whether reports against this status are accepted as vulnerabilities at all.
    pub fn accepts_reports(self) -> bool {
        self != Self::EndOfLife
    }
}

/// The project's CVE rule per version status, e.g.
/// `[lifecycle.cve_eligible]` with `feature = false`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Lifecycle {
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub cve_eligible: BTreeMap<SupportStatus, bool>,
}

impl Lifecycle {
    /// Whether a status gets CVEs: the project's word, else the status's default.
    pub fn cve_eligible(&self, status: SupportStatus) -> bool {
        self.cve_eligible
            .get(&status)
            .copied()
            .unwrap_or_else(|| status.default_cve_eligible())
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
/// Each of `acknowledge_days`, `triage_days` and `disclosure_days` is a number of days, or
/// `false` to switch that target off: the project promises nothing, no deadline runs and no
/// reminder is sent. A target left out keeps its default (7, 14, 90), so stored policies of
/// earlier versions keep their meaning; `0` is refused (write `false`).
///
/// Stored policies written before `time_zone`, `holidays` and `reminder_hours_before`
/// existed load with their defaults (UTC, none, 24).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Targets {
    #[serde(default = "default_ack", with = "target_days")]
    pub acknowledge_days: Option<u16>,
    #[serde(default = "default_triage", with = "target_days")]
    pub triage_days: Option<u16>,
    #[serde(default = "default_disclosure", with = "target_days")]
    pub disclosure_days: Option<u16>,
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

fn default_ack() -> Option<u16> {
    Some(7)
}
fn default_triage() -> Option<u16> {
    Some(14)
}
fn default_disclosure() -> Option<u16> {
    Some(90)
}

/// A target in TOML and JSON: a number of days, or `false` for "no target".
mod target_days {
    use serde::{Deserialize, Deserializer, Serializer};

    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Repr {
        Off(bool),
        Days(i64),
    }

    pub fn serialize<S: Serializer>(v: &Option<u16>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(d) => s.serialize_u16(*d),
            None => s.serialize_bool(false),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u16>, D::Error> {
        match Repr::deserialize(d) {
            Ok(Repr::Off(false)) => Ok(None),
            Ok(Repr::Off(true)) => Err(serde::de::Error::custom(
                "must be a number of days, or false to switch the target off",
            )),
            // Out-of-range numbers become 0 here and are refused by validation, by field name.
            Ok(Repr::Days(n)) => Ok(Some(u16::try_from(n).unwrap_or(0))),
            Err(_) => Err(serde::de::Error::custom(
                "must be a number of days, or false to switch the target off",
            )),
        }
    }
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
    /// "7 days" or "7 business days", as the acknowledgement and triage clocks count.
    pub fn day_word(&self, n: u16) -> String {
        let kind = if self.business_days { "business " } else { "" };
        let plural = if n == 1 { "" } else { "s" };
        format!("{n} {kind}day{plural}")
    }

    /// The acknowledgement target in words ("7 days"), `None` when switched off.
    pub fn acknowledge_text(&self) -> Option<String> {
        self.acknowledge_days.map(|d| self.day_word(d))
    }

    /// The triage target in words, `None` when switched off.
    pub fn triage_text(&self) -> Option<String> {
        self.triage_days.map(|d| self.day_word(d))
    }

    /// The disclosure target in words, always calendar days ("90 days"), `None` when off.
    pub fn disclosure_text(&self) -> Option<String> {
        self.disclosure_days.map(Self::calendar_day_word)
    }

    /// "90 days": the disclosure clock always counts calendar days.
    pub fn calendar_day_word(n: u16) -> String {
        let plural = if n == 1 { "" } else { "s" };
        format!("{n} day{plural}")
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

const SEVERITIES: &[&str] = &["none", "low", "moderate", "medium", "high", "critical"];

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

    /// The CVE rule's threshold, `moderate` read as `medium`.
    pub fn cve_threshold(&self) -> Option<Severity> {
        self.cve_min_severity.as_deref().and_then(Severity::parse)
    }

    /// Whether a version line gets CVEs: its own `cve_eligible`, else the lifecycle rule.
    pub fn version_cve_eligible(&self, v: &SupportedVersion) -> bool {
        v.cve_eligible
            .unwrap_or_else(|| self.lifecycle.cve_eligible(v.status))
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
        for (field, value, max) in [
            ("targets.acknowledge_days", t.acknowledge_days, 365),
            ("targets.triage_days", t.triage_days, 365),
            ("targets.disclosure_days", t.disclosure_days, 3650),
        ] {
            if value.is_some_and(|d| !(1..=max).contains(&d)) {
                errors.push(
                    field,
                    format!("must be between 1 and {max}, or false to switch it off"),
                );
            }
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
                "must be one of none, low, moderate, medium, high, critical",
            );
        }
        if let Some(u) = &self.code_of_conduct_url
            && let Err(m) = check_uri(u, &["https://"])
        {
            errors.push("code_of_conduct_url", m);
        }
        if let Some(tm) = &self.threat_model {
            if let Some(text) = &tm.text {
                check_text(&mut errors, "threat_model.text", text);
            }
            if let Some(u) = &tm.url
                && let Err(m) = check_uri(u, &["https://"])
            {
                errors.push("threat_model.url", m);
            }
            for (name, list) in [
                ("threat_model.trusted_roles", &tm.trusted_roles),
                (
                    "threat_model.deployment_assumptions",
                    &tm.deployment_assumptions,
                ),
            ] {
                check_list(&mut errors, name, list.len());
                for (i, item) in list.iter().enumerate() {
                    check_short(&mut errors, &format!("{name}[{i}]"), item, 300);
                }
            }
        }
        let r = &self.reporting;
        check_list(
            &mut errors,
            "reporting.attachments_allowed",
            r.attachments_allowed.len(),
        );
        for (i, a) in r.attachments_allowed.iter().enumerate() {
            let field = format!("reporting.attachments_allowed[{i}]");
            let ok = !a.is_empty()
                && a.len() <= 100
                && a.bytes().all(|b| {
                    b.is_ascii_alphanumeric() || matches!(b, b'.' | b'/' | b'-' | b'+' | b'_')
                });
            if !ok {
                errors.push(
                    field,
                    "must be a file extension or media type such as 'txt' or 'text/plain'",
                );
            }
        }
        if let Some(n) = r.max_words
            && !(1..=100_000).contains(&n)
        {
            errors.push("reporting.max_words", "must be between 1 and 100000");
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
mod tests;
