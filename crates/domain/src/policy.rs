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

/// The most remote attack a project considers within its threat model (CVSS Attack Vector).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AttackVector {
    Physical,
    Local,
    Adjacent,
    Network,
}

impl AttackVector {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Network => "network",
            Self::Adjacent => "adjacent",
            Self::Local => "local",
            Self::Physical => "physical",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Network => "Network",
            Self::Adjacent => "Adjacent",
            Self::Local => "Local",
            Self::Physical => "Physical",
        }
    }

    /// The CVSS metric value (`AV:A`).
    pub fn cvss_letter(self) -> char {
        match self {
            Self::Network => 'N',
            Self::Adjacent => 'A',
            Self::Local => 'L',
            Self::Physical => 'P',
        }
    }

    /// The sentence the policy shows: "Attack vector: Adjacent at most."
    pub fn at_most(self) -> String {
        format!("Attack vector: {} at most.", self.label())
    }
}

/// What the project considers an attack on its software, and the deployment it assumes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ThreatModel {
    /// The threat model in the project's own words.
    #[serde(default)]
    pub text: Option<String>,
    /// Where the full threat model is published.
    #[serde(default)]
    pub url: Option<String>,
    /// The most remote attack vector a valid report may claim.
    #[serde(default)]
    pub max_attack_vector: Option<AttackVector>,
    /// Roles trusted by design ("administrator", "plugin author"): attacks that need them
    /// do not count.
    #[serde(default)]
    pub trusted_roles: Vec<String>,
    /// What the project assumes about its deployment ("not exposed to the internet").
    #[serde(default)]
    pub deployment_assumptions: Vec<String>,
}

/// What a report should look like. Everything here guides the form and the reporter;
/// `max_words` only ever coaches, it never refuses a report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Reporting {
    /// Reports and attachments must be plain text (no PDFs, binaries, notebooks).
    #[serde(default)]
    pub plain_text_only: bool,
    /// Attachment types the project accepts, as file extensions or media types
    /// (`txt`, `py`, `text/plain`); empty means no rule beyond `plain_text_only`.
    #[serde(default)]
    pub attachments_allowed: Vec<String>,
    /// Ask the reporter for a CVSS score (true, the default); false: the form does not ask
    /// and a score in the text is not held against the report.
    #[serde(default = "yes")]
    pub ask_cvss: bool,
    /// Ask for a proof of concept that exits 1 when vulnerable and 0 when not.
    #[serde(default)]
    pub poc_exit_code: bool,
    /// Ask which versions were tested and which of them are vulnerable.
    #[serde(default)]
    pub tested_versions: bool,
    /// Ask for a minimal patch with the mitigation.
    #[serde(default)]
    pub minimal_patch: bool,
    /// A hint at the length the project prefers, in words.
    #[serde(default)]
    pub max_words: Option<u32>,
}

impl Default for Reporting {
    fn default() -> Self {
        Self {
            plain_text_only: false,
            attachments_allowed: Vec::new(),
            ask_cvss: true,
            poc_exit_code: false,
            tested_versions: false,
            minimal_patch: false,
            max_words: None,
        }
    }
}

impl Reporting {
    /// The rules in plain words, one sentence each, in a stable order; empty when the
    /// project sets none.
    pub fn rules(&self) -> Vec<String> {
        let mut out = Vec::new();
        if let Some(n) = self.max_words {
            out.push(format!(
                "Keep the report short: a few sentences, about {n} words at most."
            ));
        }
        if self.plain_text_only {
            out.push(
                "Plain text only, attachments included: no PDFs, binaries, notebooks or other \
                 files that cannot be reviewed safely."
                    .to_owned(),
            );
        }
        if !self.attachments_allowed.is_empty() {
            out.push(format!(
                "Attachments accepted: {}.",
                self.attachments_allowed.join(", ")
            ));
        }
        if !self.ask_cvss {
            out.push(
                "Do not include a severity or CVSS score: the maintainers determine it.".to_owned(),
            );
        }
        if self.poc_exit_code {
            out.push(
                "Include a proof of concept that exits with 1 if vulnerable and 0 if not."
                    .to_owned(),
            );
        }
        if self.tested_versions {
            out.push("Name the versions you tested and which of them are vulnerable.".to_owned());
        }
        if self.minimal_patch {
            out.push("Ideally include a minimal patch with the mitigation.".to_owned());
        }
        out
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

/// Assessed severity, as the CVE rule compares it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    None,
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    /// Reads a severity name; `moderate` (GitHub's word) is `medium`. Case is ignored.
    pub fn parse(s: &str) -> Option<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "none" => Some(Self::None),
            "low" => Some(Self::Low),
            "moderate" | "medium" => Some(Self::Medium),
            "high" => Some(Self::High),
            "critical" => Some(Self::Critical),
            _ => None,
        }
    }
}

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
mod tests {
    use super::*;

    #[test]
    fn minimal_toml_gets_defaults() {
        let p = Policy::from_toml("contacts = [\"mailto:security@example.org\"]\n").unwrap();
        assert_eq!(p.targets.acknowledge_days, Some(7));
        assert_eq!(p.targets.disclosure_days, Some(90));
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

    /// A policy as stored by earlier versions: `supported` status, every target a number,
    /// no reporting or threat-model sections.
    const OLD_FORMAT: &str = r#"
contacts = ["mailto:security@example.org"]
cve_min_severity = "medium"

[targets]
acknowledge_days = 3
triage_days = 10
disclosure_days = 60

[[supported_versions]]
version = "1.11.x"
status = "supported"

[[supported_versions]]
version = "1.9.x"
status = "end-of-life"
"#;

    #[test]
    fn old_format_policies_keep_loading_with_their_meaning() {
        let p = Policy::from_toml(OLD_FORMAT).unwrap();
        assert_eq!(p.supported_versions[0].status, SupportStatus::Bugfix);
        assert_eq!(p.supported_versions[1].status, SupportStatus::EndOfLife);
        assert_eq!(p.targets.acknowledge_days, Some(3));
        assert_eq!(p.targets.triage_days, Some(10));
        assert_eq!(p.targets.disclosure_days, Some(60));
        assert!(p.report_form_first);
        assert_eq!(p.updated, None);
        assert_eq!(p.threat_model, None);
        assert_eq!(p.reporting, Reporting::default());
        assert!(p.reporting.ask_cvss);
        // And they survive the JSON the store keeps.
        let json = serde_json::to_string(&p).unwrap();
        let back: Policy = serde_json::from_str(&json).unwrap();
        assert_eq!(back, p);
        // The JSON of an earlier version, with numeric targets and `supported`.
        let old_json = r#"{"contacts":[],"supported_versions":[{"version":"2.x","status":"supported","note":null}],
            "non_qualifying":[],"out_of_scope_paths":[],"targets":{"acknowledge_days":7,"triage_days":14,"disclosure_days":90},
            "cve_min_severity":null,"bounty":null,"genai_policy":null,"safe_harbour":null,"preferred_languages":["en"],
            "openpgp_key":null,"acknowledgments_url":null,"hiring_url":null,"csaf_provider_url":null,"introduction":null}"#;
        let p: Policy = serde_json::from_str(old_json).unwrap();
        assert_eq!(p.supported_versions[0].status, SupportStatus::Bugfix);
        assert_eq!(p.targets.triage_days, Some(14));
    }

    #[test]
    fn new_fields_parse() {
        let p = Policy::from_toml(
            r#"
updated = 2024-02-06
code_of_conduct_url = "https://example.org/coc"
report_form_first = false
contacts = ["https://github.com/o/p/security/advisories/new"]

[threat_model]
text = "Runs on a private network."
url = "https://example.org/threat-model"
max_attack_vector = "adjacent"
trusted_roles = ["administrator"]
deployment_assumptions = ["not exposed to the internet"]

[reporting]
plain_text_only = true
attachments_allowed = ["txt", "text/plain"]
ask_cvss = false
poc_exit_code = true
tested_versions = true
minimal_patch = true
max_words = 150
"#,
        )
        .unwrap();
        assert_eq!(p.updated, Some(jiff::civil::date(2024, 2, 6)));
        assert_eq!(
            p.code_of_conduct_url.as_deref(),
            Some("https://example.org/coc")
        );
        assert!(!p.report_form_first);
        let tm = p.threat_model.as_ref().unwrap();
        assert_eq!(tm.max_attack_vector, Some(AttackVector::Adjacent));
        assert_eq!(tm.trusted_roles, vec!["administrator"]);
        assert_eq!(
            tm.deployment_assumptions,
            vec!["not exposed to the internet"]
        );
        assert_eq!(tm.url.as_deref(), Some("https://example.org/threat-model"));
        let r = &p.reporting;
        assert!(r.plain_text_only && !r.ask_cvss && r.poc_exit_code);
        assert!(r.tested_versions && r.minimal_patch);
        assert_eq!(r.attachments_allowed, vec!["txt", "text/plain"]);
        assert_eq!(r.max_words, Some(150));
        // Through the JSON the store keeps, with and without a date.
        let json = serde_json::to_string(&p).unwrap();
        assert_eq!(serde_json::from_str::<Policy>(&json).unwrap(), p);
        let undated = Policy::default();
        let json = serde_json::to_string(&undated).unwrap();
        assert!(json.contains(r#""updated":null"#), "{json}");
        assert_eq!(serde_json::from_str::<Policy>(&json).unwrap(), undated);
        // The date may also be written as a string, and the whole survives a round trip.
        assert_eq!(
            Policy::from_toml("updated = \"2024-02-06\"\n")
                .unwrap()
                .updated,
            p.updated
        );
        assert_eq!(Policy::from_toml(&p.to_toml()).unwrap(), p);
    }

    #[test]
    fn bad_new_fields_name_the_field() {
        let err = Policy::from_toml(
            "code_of_conduct_url = \"ftp://x\"\n[threat_model]\nurl = \"javascript:x\"\n\
             trusted_roles = [\"\"]\n[reporting]\nattachments_allowed = [\"a b\"]\nmax_words = 0\n",
        )
        .unwrap_err();
        let PolicyError::Invalid(errors) = err else {
            panic!("expected field errors, got {err:?}")
        };
        for field in [
            "code_of_conduct_url",
            "threat_model.url",
            "threat_model.trusted_roles[0]",
            "reporting.attachments_allowed[0]",
            "reporting.max_words",
        ] {
            assert!(errors.get(field).is_some(), "{field}: {errors}");
        }
        let err =
            Policy::from_toml("[threat_model]\nmax_attack_vector = \"remote\"\n").unwrap_err();
        assert!(err.to_string().contains("remote"), "{err}");
        let err = Policy::from_toml("updated = \"6 Feb 2024\"\n").unwrap_err();
        assert!(err.to_string().contains("2024-02-06"), "{err}");
        let err = Policy::from_toml("[lifecycle.cve_eligible]\nancient = true\n").unwrap_err();
        assert!(err.to_string().contains("ancient"), "{err}");
    }

    #[test]
    fn reporting_defaults_ask_for_cvss_and_nothing_else() {
        let r = Reporting::default();
        assert!(r.ask_cvss);
        assert!(!r.plain_text_only && !r.poc_exit_code && !r.tested_versions && !r.minimal_patch);
        assert!(r.rules().is_empty());
        let r = Reporting {
            ask_cvss: false,
            poc_exit_code: true,
            ..Reporting::default()
        };
        let rules = r.rules().join("\n");
        assert!(
            rules.contains("Do not include a severity or CVSS score"),
            "{rules}"
        );
        assert!(
            rules.contains("exits with 1 if vulnerable and 0 if not"),
            "{rules}"
        );
    }

    #[test]
    fn lifecycle_statuses_and_cve_eligibility() {
        let p = Policy::from_toml(
            r#"
[[supported_versions]]
version = "3.15"
status = "feature"
[[supported_versions]]
version = "3.14"
status = "bugfix"
[[supported_versions]]
version = "3.12"
status = "security"
[[supported_versions]]
version = "3.15.0b1"
status = "prerelease"
[[supported_versions]]
version = "3.8"
status = "end-of-life"
[[supported_versions]]
version = "3.9"
status = "end-of-life"
cve_eligible = true
"#,
        )
        .unwrap();
        let eligible: Vec<bool> = p
            .supported_versions
            .iter()
            .map(|v| p.version_cve_eligible(v))
            .collect();
        assert_eq!(eligible, vec![true, true, true, false, false, true]);
        let p = Policy::from_toml(
            "[lifecycle.cve_eligible]\nfeature = false\nprerelease = true\n\
             [[supported_versions]]\nversion = \"main\"\nstatus = \"feature\"\n",
        )
        .unwrap();
        assert!(!p.version_cve_eligible(&p.supported_versions[0]));
        assert!(p.lifecycle.cve_eligible(SupportStatus::Prerelease));
        assert!(!p.lifecycle.cve_eligible(SupportStatus::EndOfLife));
        assert!(p.lifecycle.cve_eligible(SupportStatus::Security));
        assert_eq!(Policy::from_toml(&p.to_toml()).unwrap(), p);
    }

    #[test]
    fn cve_min_severity_accepts_moderate_as_medium() {
        let p = Policy::from_toml("cve_min_severity = \"moderate\"\n").unwrap();
        assert_eq!(p.cve_threshold(), Some(Severity::Medium));
        assert_eq!(p.cve_min_severity.as_deref(), Some("moderate"));
        for (word, level) in [
            ("low", Severity::Low),
            ("medium", Severity::Medium),
            ("high", Severity::High),
            ("critical", Severity::Critical),
        ] {
            let p = Policy::from_toml(&format!("cve_min_severity = \"{word}\"\n")).unwrap();
            assert_eq!(p.cve_threshold(), Some(level), "{word}");
        }
        assert!(Severity::Low < Severity::Medium && Severity::High < Severity::Critical);
        let err = Policy::from_toml("cve_min_severity = \"severe\"\n").unwrap_err();
        let PolicyError::Invalid(errors) = err else {
            panic!("expected field errors")
        };
        assert!(errors.get("cve_min_severity").is_some());
    }

    #[test]
    fn targets_can_be_switched_off_with_false() {
        let p =
            Policy::from_toml("[targets]\ntriage_days = false\ndisclosure_days = false\n").unwrap();
        assert_eq!(p.targets.acknowledge_days, Some(7));
        assert_eq!(p.targets.triage_days, None);
        assert_eq!(p.targets.disclosure_days, None);
        assert_eq!(p.targets.triage_text(), None);
        assert_eq!(p.targets.acknowledge_text().as_deref(), Some("7 days"));
        let text = p.to_toml();
        assert!(text.contains("triage_days = false"), "{text}");
        assert_eq!(Policy::from_toml(&text).unwrap(), p);
        let json = serde_json::to_string(&p).unwrap();
        assert!(json.contains(r#""triage_days":false"#), "{json}");
        assert_eq!(serde_json::from_str::<Policy>(&json).unwrap(), p);
        // `true` and 0 are refused, naming the field.
        let err = Policy::from_toml("[targets]\ntriage_days = true\n").unwrap_err();
        assert!(err.to_string().contains("false to switch"), "{err}");
        let err = Policy::from_toml("[targets]\ndisclosure_days = 0\n").unwrap_err();
        let PolicyError::Invalid(errors) = err else {
            panic!("expected field errors")
        };
        assert!(errors.get("targets.disclosure_days").is_some());
        let err = Policy::from_toml("[targets]\ndisclosure_days = 70000\n").unwrap_err();
        assert!(err.to_string().contains("targets.disclosure_days"), "{err}");
    }
}
