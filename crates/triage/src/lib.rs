//! Triage assistant for incoming vulnerability reports (issue 6).
//!
//! Pure: callers pass the report text, the project's [`Policy`], zero or more
//! [`SourceIndex`]es of the project's source tree (one per version: the default branch and
//! the version the reporter names) and the instance's [`History`]. The result is a list of
//! [`Finding`]s, each with the evidence a maintainer can verify in seconds (the quoted text
//! and its byte span in the report), then a [`Label`] and a [`Verdict`]. Signals advise;
//! people decide: nothing here deletes or closes anything.
//!
//! ```
//! use triage::{triage, Context, History, Report};
//! let policy = domain::policy::Policy::default();
//! let history = History::default();
//! let ctx = Context { project_name: Some("curl"), ..Context::new(&policy, &history) };
//! let report = Report::new("Bug bounty?", "Is there any reward for a critical bug?");
//! let result = triage(&report, &ctx);
//! assert_eq!(result.label, triage::Label::BegBounty);
//! ```

pub mod eval;
mod extract;
mod fingerprint;
mod glob;
mod index;
mod input;
mod lexicon;
mod named;
mod plain;
mod signals;
pub mod source;
mod text;
mod verdict;

/// The policy type callers pass (re-exported so the CLI needs no other crate).
pub use domain::policy::Policy;
pub use fingerprint::{Fingerprint, similarity};
pub use glob::glob_match;
pub use index::{
    FunctionBody, MAX_FILE_BYTES, Revision, SourceIndex, SourceIndexBuilder, is_indexable_path,
};
pub use input::{InputError, Submission, parse_input};
/// The timestamp type of [`PastReport::received_at`].
pub use jiff::Timestamp;
pub use named::NamedRevision;
pub use plain::{Group, headline};

use serde::{Deserialize, Serialize};

/// One report as the triage sees it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Report {
    pub title: String,
    /// Everything the reporter wrote (description, reproduction, impact), as one text.
    pub text: String,
    /// The reporter's identity key (account, e-mail or key fingerprint), if known.
    #[serde(default)]
    pub reporter: Option<String>,
    /// The reporter's suggested CVSS vector, if any.
    #[serde(default)]
    pub cvss_vector: Option<String>,
}

impl Report {
    pub fn new(title: impl Into<String>, text: impl Into<String>) -> Self {
        Self {
            title: title.into(),
            text: text.into(),
            ..Self::default()
        }
    }
}

/// What the triage needs besides the report. Every field is data; nothing is read here.
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    pub policy: &'a Policy,
    /// The project's name (`curl`, `owner/repo`); `None` skips "project never named".
    pub project_name: Option<&'a str>,
    /// Source indexes of the project, e.g. the default branch and the reported version.
    /// A name counts as real if any of them has it.
    pub sources: &'a [SourceIndex],
    pub history: &'a History,
    /// When the report arrived (for "since" wording and the trial quota window).
    pub now: Option<jiff::Timestamp>,
}

impl<'a> Context<'a> {
    pub fn new(policy: &'a Policy, history: &'a History) -> Self {
        Self {
            policy,
            project_name: None,
            sources: &[],
            history,
            now: None,
        }
    }
}

/// The instance's memory: earlier reports (all projects) and published advisories.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct History {
    #[serde(default)]
    pub reports: Vec<PastReport>,
    #[serde(default)]
    pub advisories: Vec<KnownAdvisory>,
    /// Open reports a reporter without an accepted report may have at once (0: no quota).
    #[serde(default = "default_trial_quota")]
    pub trial_quota: u32,
}

fn default_trial_quota() -> u32 {
    3
}

/// An earlier report on this instance, as stored after its own triage.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PastReport {
    /// Display reference, e.g. `curl#12`.
    pub reference: String,
    /// The project it was sent to.
    pub project: String,
    pub received_at: jiff::Timestamp,
    #[serde(default)]
    pub reporter: Option<String>,
    pub fingerprint: Fingerprint,
    #[serde(default)]
    pub outcome: Outcome,
}

/// How an earlier report ended (or that it has not yet).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    #[default]
    Open,
    /// Accepted, fixed or disclosed.
    Accepted,
    NotAVulnerability,
    OutOfScope,
    Duplicate,
    Spam,
    Withdrawn,
}

impl Outcome {
    fn is_invalid(self) -> bool {
        matches!(
            self,
            Self::NotAVulnerability | Self::OutOfScope | Self::Spam | Self::Duplicate
        )
    }
}

/// A published advisory of the project (its own, a CVE or a GHSA entry).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct KnownAdvisory {
    /// `CVE-2023-38545`, `GHSA-…`, or the project's own id.
    pub id: String,
    #[serde(default)]
    pub aliases: Vec<String>,
    pub title: String,
    /// Fingerprint of the advisory's description (see [`Fingerprint::of`]).
    pub fingerprint: Fingerprint,
}

impl KnownAdvisory {
    /// A published advisory as the history keeps it: its ids, and the fingerprint of its
    /// title and description (what a near-duplicate report would restate).
    pub fn new(
        id: impl Into<String>,
        aliases: Vec<String>,
        title: impl Into<String>,
        description: &str,
    ) -> Self {
        let title = title.into();
        Self {
            id: id.into(),
            aliases,
            fingerprint: Fingerprint::of(&title, description),
            title,
        }
    }
}

/// The result for one report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Triage {
    pub label: Label,
    pub verdict: Verdict,
    pub findings: Vec<Finding>,
    /// Per-label scores behind the label (sum of the supporting findings' weights).
    pub scores: Scores,
    /// Declared AI use raises the priority of the grounded checks; it is never a penalty.
    pub check_grounding_first: bool,
    /// Versions the report names (`8.4.0`, `7.83.0`): index those refs too when available.
    pub mentioned_versions: Vec<String>,
    /// Store this with the report: the next reports' spray and duplicate checks use it.
    pub fingerprint: Fingerprint,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Label {
    Valid,
    AiSlop,
    BegBounty,
    NonQualifying,
    Duplicate,
}

impl Label {
    pub const ALL: [Label; 5] = [
        Label::Valid,
        Label::AiSlop,
        Label::BegBounty,
        Label::NonQualifying,
        Label::Duplicate,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Valid => "valid",
            Self::AiSlop => "ai_slop",
            Self::BegBounty => "beg_bounty",
            Self::NonQualifying => "non_qualifying",
            Self::Duplicate => "duplicate",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|l| l.as_str() == s)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    LikelyValid,
    NeedsReview,
    LikelyInvalid,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::LikelyValid => "likely_valid",
            Self::NeedsReview => "needs_review",
            Self::LikelyInvalid => "likely_invalid",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::LikelyValid, Self::NeedsReview, Self::LikelyInvalid]
            .into_iter()
            .find(|v| v.as_str() == s)
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Scores {
    pub ai_slop: f32,
    pub beg_bounty: f32,
    pub non_qualifying: f32,
    pub duplicate: f32,
}

/// One observation with its evidence.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    pub signal: Signal,
    pub level: Level,
    /// The quoted passages of the report this finding rests on (may be empty for findings
    /// about the instance's history).
    pub evidence: Vec<Evidence>,
    /// What a maintainer should check, e.g. the nearest real symbol or the matching file.
    pub detail: String,
    /// The policy entry this finding refers to (`non_qualifying[2] local-attacker: "…"`).
    pub policy_ref: Option<String>,
    /// 0.0–1.0: how sure the check is of the observation itself.
    pub confidence: f32,
}

/// A quoted passage: `report.title[start..end]` or `report.text[start..end]` (byte offsets).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Evidence {
    pub field: Field,
    pub start: usize,
    pub end: usize,
    pub quote: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    Title,
    Text,
}

/// How much a finding weighs. `Info` never changes the label.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    Info,
    Weak,
    Strong,
}

/// The stable signal codes (the issue's numbering in brackets).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Signal {
    /// [1] An identifier the report names is in no indexed version of the source.
    UnknownSymbol,
    /// [1] A file path the report names is in no indexed version.
    UnknownPath,
    /// [1/2] A `file:line` reference past the end of the file in every indexed version.
    LineOutOfRange,
    /// [2] Quoted code (claimed as the project's) that is not in the real files.
    QuotedCodeMismatch,
    /// [2] Quoted code found in the real source (positive evidence, info).
    QuotedCodeFound,
    /// [2] Quoted code that contains its own guard before the claimed overflow.
    SelfGuardedCode,
    /// [3] A proof of concept that never includes, imports, links, calls or runs the project.
    PocNotTouchingProject,
    /// [3] Sanitizer or debugger frames only in the reporter's own code.
    FramesOutsideProject,
    /// [4] A path out of scope per the policy's globs.
    OutOfScopePath,
    /// [5] A non-qualifying class of the policy.
    NonQualifyingClass,
    /// [6] Template sentences of common scanners and copy-paste report templates.
    ScannerTemplate,
    /// [7] A reward asked before details are given.
    PaymentRequest,
    /// [7] The project is never named.
    ProjectNotNamed,
    /// [7] A website, domain or hosting account as the target instead of the software.
    WebsiteTarget,
    /// [8] The same text reached other projects on this instance.
    Spray,
    /// [8/9] Near-duplicate of an earlier report to this project.
    NearDuplicate,
    /// [9] The report matches or names a published advisory.
    KnownAdvisory,
    /// [10] Claimed severity beyond the evidence.
    SeverityInflation,
    /// [2/10] A claim with nothing behind it: an unsafe call named, hedged, no crash or
    /// proof; or tool output with placeholder addresses.
    UnprovenClaim,
    /// [11] The reporter declares AI use (not penalised).
    DeclaredAi,
    /// [11] The policy's GenAI rules, quoted for the maintainer.
    GenaiPolicy,
    /// [12] Outcomes of the reporter's earlier reports.
    ReporterHistory,
    /// [12] The reporter's trial quota of open reports is used up.
    TrialQuota,
    /// A report template's placeholder text left in place.
    TemplatePlaceholder,
    /// No technical content at all (no code, path, identifier, version or steps).
    NoTechnicalContent,
    /// [11] A chatbot's answer pasted as the report (advice addressed to the reporter).
    PastedAssistantAnswer,
    /// Stock phrases of machine-written filler (a hint for ordering checks, never a reason).
    Boilerplate,
    /// [1/2] A name, path or quoted line the report takes from the release it names, no
    /// longer on the default branch: renamed or removed since (a confirmation, info).
    ChangedSince,
    /// [2] The quoted code is in the release the report names but changed on the default
    /// branch: it may be fixed already (advice for the maintainer, info).
    FixedOnDefaultBranch,
    /// [2] A claim about a real function that its body contradicts: the guard said to be
    /// missing is there, the "fixed-size" buffer is allocated from the length, the
    /// "network-reachable" function has no caller outside tests.
    ClaimContradicted,
    /// [1] A name the report attributes to the project is in its source (a confirmation,
    /// info), with the file and line at each revision looked at.
    SymbolFound,
}

impl Signal {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::UnknownSymbol => "unknown_symbol",
            Self::UnknownPath => "unknown_path",
            Self::LineOutOfRange => "line_out_of_range",
            Self::QuotedCodeMismatch => "quoted_code_mismatch",
            Self::QuotedCodeFound => "quoted_code_found",
            Self::SelfGuardedCode => "self_guarded_code",
            Self::PocNotTouchingProject => "poc_not_touching_project",
            Self::FramesOutsideProject => "frames_outside_project",
            Self::OutOfScopePath => "out_of_scope_path",
            Self::NonQualifyingClass => "non_qualifying_class",
            Self::ScannerTemplate => "scanner_template",
            Self::PaymentRequest => "payment_request",
            Self::ProjectNotNamed => "project_not_named",
            Self::WebsiteTarget => "website_target",
            Self::Spray => "spray",
            Self::NearDuplicate => "near_duplicate",
            Self::KnownAdvisory => "known_advisory",
            Self::SeverityInflation => "severity_inflation",
            Self::UnprovenClaim => "unproven_claim",
            Self::DeclaredAi => "declared_ai",
            Self::GenaiPolicy => "genai_policy",
            Self::ReporterHistory => "reporter_history",
            Self::TrialQuota => "trial_quota",
            Self::TemplatePlaceholder => "template_placeholder",
            Self::NoTechnicalContent => "no_technical_content",
            Self::Boilerplate => "boilerplate",
            Self::PastedAssistantAnswer => "pasted_assistant_answer",
            Self::ChangedSince => "changed_since",
            Self::FixedOnDefaultBranch => "fixed_on_default_branch",
            Self::ClaimContradicted => "claim_contradicted",
            Self::SymbolFound => "symbol_found",
        }
    }
}

/// The release versions a report names (`8.4.0`, from `in 8.4.0`, `v8.4.0` or
/// `curl-8_4_0`), as [`Triage::mentioned_versions`] will list them: index those versions'
/// sources before triaging it.
pub fn versions_named(report: &Report) -> Vec<String> {
    let doc = text::Doc::new(report);
    extract::Facts::of(&doc).versions
}

/// The releases and commits a report names, the project's own first (those with no other
/// product before them: "curl 7.68.0", "version 2.1", "commit abc1234"; not
/// "OpenSSL/3.0.13"), each once. Map them to tags with [`source::tag_for_revision`] and
/// index those revisions as [`Revision::Named`] before triaging the report.
pub fn revisions_named(report: &Report, project_name: Option<&str>) -> Vec<NamedRevision> {
    let mut all = named::scan(&[&report.title, &report.text]);
    all.retain(|r| r.is_project(project_name));
    all
}

/// Triage one report.
pub fn triage(report: &Report, ctx: &Context<'_>) -> Triage {
    let doc = text::Doc::new(report);
    let facts = extract::Facts::of(&doc);
    let mut findings = Vec::new();
    signals::run_all(&doc, &facts, ctx, &mut findings);
    let fingerprint = Fingerprint::of(&report.title, &report.text);
    signals::history(&doc, &facts, ctx, &fingerprint, &mut findings);
    findings.sort_by(|a, b| {
        b.level
            .cmp(&a.level)
            .then(b.confidence.total_cmp(&a.confidence))
    });
    let (label, verdict, scores) = verdict::decide(&findings, &facts);
    let check_grounding_first = findings.iter().any(|f| f.signal == Signal::DeclaredAi);
    Triage {
        label,
        verdict,
        findings,
        scores,
        check_grounding_first,
        mentioned_versions: facts.versions.clone(),
        fingerprint,
    }
}

#[cfg(test)]
mod lib_tests {
    use super::*;

    #[test]
    fn versions_named_are_the_ones_the_triage_lists() {
        let r = Report::new(
            "Overflow in curl-8_4_0",
            "Affected version: v1.10.3\n\nAlso seen in 8.4.0 and 2.0.",
        );
        let named = versions_named(&r);
        assert!(named.contains(&"1.10.3".to_owned()), "{named:?}");
        let policy = Policy::default();
        let history = History::default();
        let t = triage(&r, &Context::new(&policy, &history));
        assert_eq!(named, t.mentioned_versions);
    }

    #[test]
    fn an_index_serves_under_another_label() {
        let mut b = SourceIndexBuilder::new("main @ 1234");
        b.add_file("src/a.c", b"int parse_header(void) {\n  return 0;\n}\n");
        let main = b.finish();
        let tag = main.with_label("v1.0.0 (1.0.0) @ 1234");
        assert_eq!(tag.label(), "v1.0.0 (1.0.0) @ 1234");
        assert_eq!(main.label(), "main @ 1234");
        assert!(tag.defines("parse_header") && tag.file_count() == 1);
    }
}
