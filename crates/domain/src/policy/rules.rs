//! The parts of a policy that say what counts as a vulnerability and how to report one:
//! the threat model, the reporting rules, and the severity scale of the CVE rule.

use serde::{Deserialize, Serialize};

use super::yes;

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
