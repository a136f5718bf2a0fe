//! The triage in plain words, for the people who read it: which group a finding belongs to
//! on the report page, its title, and the label and verdict as one headline. The one place
//! that maps signals to words; the codes stay the stable, secondary names.

use crate::{Label, Level, Signal, Verdict};

/// Where a finding is shown on the report page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Group {
    /// Checked against the project's source: names, paths, lines, quoted code, PoCs, frames
    /// (what was confirmed as well as what was not found).
    Source,
    /// A class or scope of the project's policy matched to the report's claim, or the
    /// policy's rules quoted.
    Policy,
    /// Strong findings about the report itself or its sender (a payment ask, a spray, a
    /// duplicate, a pasted chatbot answer).
    Report,
    /// Weak cues and information: never decisive on their own.
    Notes,
}

impl Group {
    /// In the order the page shows them.
    pub const ALL: [Group; 4] = [Group::Source, Group::Policy, Group::Report, Group::Notes];

    /// The group of a finding: its signal's kind, and for findings about the report itself
    /// or a policy class mentioned in passing, its level (only strong ones are more than notes).
    pub fn of(signal: Signal, level: Level) -> Group {
        use Signal::*;
        match signal {
            UnknownSymbol
            | UnknownPath
            | LineOutOfRange
            | QuotedCodeMismatch
            | QuotedCodeFound
            | SelfGuardedCode
            | PocNotTouchingProject
            | FramesOutsideProject
            | ChangedSince
            | FixedOnDefaultBranch
            | ClaimContradicted
            | SymbolFound => Group::Source,
            GenaiPolicy => Group::Policy,
            NonQualifyingClass | OutOfScopePath if level == Level::Strong => Group::Policy,
            _ if level == Level::Strong => Group::Report,
            _ => Group::Notes,
        }
    }

    /// A stable name (CSS classes, the API's `group`).
    pub fn as_str(self) -> &'static str {
        match self {
            Group::Source => "source",
            Group::Policy => "policy",
            Group::Report => "report",
            Group::Notes => "notes",
        }
    }

    pub fn heading(self) -> &'static str {
        match self {
            Group::Source => "Checked against the source",
            Group::Policy => "Policy",
            Group::Report => "About the report",
            Group::Notes => "Notes",
        }
    }

    /// What the group means, said once under its heading.
    pub fn explanation(self) -> &'static str {
        match self {
            Group::Source => {
                "The names, paths, lines and code the report quotes, looked up in the project's source at the revisions listed."
            }
            Group::Policy => {
                "The report's own claim (title, summary, impact, asked-for fix) compared with the project's policy."
            }
            Group::Report => "Strong findings about the report itself or its sender.",
            Group::Notes => {
                "Weak cues and information: never decisive on their own, they do not give a label."
            }
        }
    }
}

impl Signal {
    /// Every signal, in declaration order.
    pub const ALL: [Signal; 31] = [
        Signal::UnknownSymbol,
        Signal::UnknownPath,
        Signal::LineOutOfRange,
        Signal::QuotedCodeMismatch,
        Signal::QuotedCodeFound,
        Signal::SelfGuardedCode,
        Signal::PocNotTouchingProject,
        Signal::FramesOutsideProject,
        Signal::OutOfScopePath,
        Signal::NonQualifyingClass,
        Signal::ScannerTemplate,
        Signal::PaymentRequest,
        Signal::ProjectNotNamed,
        Signal::WebsiteTarget,
        Signal::Spray,
        Signal::NearDuplicate,
        Signal::KnownAdvisory,
        Signal::SeverityInflation,
        Signal::UnprovenClaim,
        Signal::DeclaredAi,
        Signal::GenaiPolicy,
        Signal::ReporterHistory,
        Signal::TrialQuota,
        Signal::TemplatePlaceholder,
        Signal::NoTechnicalContent,
        Signal::PastedAssistantAnswer,
        Signal::Boilerplate,
        Signal::ChangedSince,
        Signal::FixedOnDefaultBranch,
        Signal::ClaimContradicted,
        Signal::SymbolFound,
    ];

    /// The signal of a stored code (`unknown_symbol`), if it is one.
    pub fn parse(code: &str) -> Option<Signal> {
        Self::ALL.into_iter().find(|s| s.as_str() == code)
    }

    /// Whether the finding confirms the report's material is the project's (shown first).
    pub fn confirms(self) -> bool {
        crate::verdict::is_confirmation(self)
            || matches!(self, Signal::SymbolFound | Signal::FixedOnDefaultBranch)
    }

    /// The finding's title in plain words.
    pub fn title(self) -> &'static str {
        match self {
            Signal::UnknownSymbol => "A name the report uses is not in the source",
            Signal::UnknownPath => "A file the report names is not in the source",
            Signal::LineOutOfRange => "A line the report points to is past the end of the file",
            Signal::QuotedCodeMismatch => "The quoted code is not the project's",
            Signal::QuotedCodeFound => "The quoted code matches the source",
            Signal::SelfGuardedCode => "The quoted code checks the bound it is said to miss",
            Signal::PocNotTouchingProject => "The proof of concept does not exercise the project",
            Signal::FramesOutsideProject => "The stack frames are outside the project",
            Signal::OutOfScopePath => "The report is about a path the policy puts out of scope",
            Signal::NonQualifyingClass => {
                "The report's claim matches a class the policy does not treat as a vulnerability"
            }
            Signal::ScannerTemplate => "Sentences of a scanner's or a report template's text",
            Signal::PaymentRequest => "A reward is asked before details are given",
            Signal::ProjectNotNamed => "The report never names the project",
            Signal::WebsiteTarget => "The target is a website or hosting, not the software",
            Signal::Spray => "The same text was sent to other projects",
            Signal::NearDuplicate => "Nearly the same as an earlier report",
            Signal::KnownAdvisory => "Matches a published advisory",
            Signal::SeverityInflation => "The claimed severity goes beyond the evidence",
            Signal::UnprovenClaim => "A claim with nothing shown behind it",
            Signal::DeclaredAi => "The reporter says AI was used (not held against the report)",
            Signal::GenaiPolicy => "The policy's rules on AI-assisted reports",
            Signal::ReporterHistory => "How the reporter's earlier reports ended",
            Signal::TrialQuota => "The reporter's allowance of open reports is used up",
            Signal::TemplatePlaceholder => "Placeholder text of a template left in place",
            Signal::NoTechnicalContent => "No technical content",
            Signal::PastedAssistantAnswer => "A chatbot's answer pasted as the report",
            Signal::Boilerplate => "Stock phrases of machine-written text",
            Signal::ChangedSince => {
                "Found at the release the report names; renamed or removed since"
            }
            Signal::FixedOnDefaultBranch => {
                "The quoted code is in the named release but changed on the default branch: perhaps fixed already"
            }
            Signal::ClaimContradicted => "The function's code contradicts the claim",
            Signal::SymbolFound => "A name the report uses exists in the source",
        }
    }
}

impl Level {
    /// The level in plain words, as shown beside a finding.
    pub fn plain(self) -> &'static str {
        match self {
            Level::Strong => "strong finding",
            Level::Weak => "weak cue, never decisive alone",
            Level::Info => "information, never decisive",
        }
    }
}

impl Label {
    /// What the label says of a report, in plain words (`AI-generated`).
    pub fn plain(self) -> &'static str {
        match self {
            Label::Valid => "valid",
            Label::AiSlop => "AI-generated",
            Label::BegBounty => "a beg bounty",
            Label::NonQualifying => "non-qualifying under the policy",
            Label::Duplicate => "a duplicate",
        }
    }
}

/// The label and verdict as one line for people: "Looks valid", "Needs review: strong
/// findings disagree", "Likely AI-generated: the quoted code is not the project's".
/// `findings` are the (signal, level) pairs of the findings still standing (not dismissed),
/// strongest first.
pub fn headline(label: Label, verdict: Verdict, findings: &[(Signal, Level)]) -> String {
    let strong: Vec<Signal> = findings
        .iter()
        .filter(|(_, l)| *l == Level::Strong)
        .map(|(s, _)| *s)
        .collect();
    let mut labels: Vec<Label> = strong
        .iter()
        .filter_map(|s| crate::verdict::primary(*s))
        .collect();
    labels.sort();
    labels.dedup();
    let disagree = labels.len() > 1
        || strong.iter().any(|s| crate::verdict::is_absence(*s))
            && findings
                .iter()
                .any(|(s, _)| crate::verdict::is_confirmation(*s));
    // The first strong finding behind the label: the reason given with it.
    let reason = strong
        .iter()
        .find(|s| crate::verdict::primary(**s) == Some(label))
        .map(|s| match s {
            Signal::NonQualifyingClass => {
                "the report's claim matches one of its classes".to_owned()
            }
            Signal::OutOfScopePath => "the report is about a path it puts out of scope".to_owned(),
            s => s.title().to_lowercase(),
        });
    let with_reason = |head: String| match &reason {
        Some(r) => format!("{head}: {r}"),
        None => head,
    };
    match (verdict, label) {
        (Verdict::LikelyValid, _) => "Looks valid".to_owned(),
        (Verdict::NeedsReview, _) if disagree => "Needs review: strong findings disagree".into(),
        (Verdict::NeedsReview, Label::Valid) => {
            "Needs review: findings worth a look, none decisive".into()
        }
        (Verdict::NeedsReview, l) => with_reason(format!("Needs review: perhaps {}", l.plain())),
        (Verdict::LikelyInvalid, Label::Valid) => "Likely invalid".into(),
        (Verdict::LikelyInvalid, l) => with_reason(format!("Likely {}", l.plain())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_signal_has_a_code_that_parses_back_and_a_title() {
        for s in Signal::ALL {
            assert_eq!(Signal::parse(s.as_str()), Some(s));
            assert!(!s.title().is_empty() && s.title() != s.as_str());
        }
        assert_eq!(Signal::parse("no_such_signal"), None);
        let mut codes: Vec<&str> = Signal::ALL.iter().map(|s| s.as_str()).collect();
        codes.sort();
        codes.dedup();
        assert_eq!(codes.len(), 31);
    }

    #[test]
    fn findings_are_grouped_by_what_they_checked_and_how_much_they_weigh() {
        use Group::*;
        use Level::*;
        let cases = [
            (Signal::QuotedCodeFound, Info, Source),
            (Signal::SymbolFound, Info, Source),
            (Signal::UnknownSymbol, Strong, Source),
            (Signal::UnknownSymbol, Info, Source),
            (Signal::ChangedSince, Info, Source),
            (Signal::ClaimContradicted, Strong, Source),
            (Signal::NonQualifyingClass, Strong, Policy),
            (Signal::NonQualifyingClass, Weak, Notes),
            (Signal::NonQualifyingClass, Info, Notes),
            (Signal::OutOfScopePath, Strong, Policy),
            (Signal::GenaiPolicy, Info, Policy),
            (Signal::PaymentRequest, Strong, Report),
            (Signal::Spray, Strong, Report),
            (Signal::SeverityInflation, Weak, Notes),
            (Signal::Boilerplate, Info, Notes),
            (Signal::DeclaredAi, Info, Notes),
        ];
        for (signal, level, group) in cases {
            assert_eq!(Group::of(signal, level), group, "{signal:?} {level:?}");
        }
        assert_eq!(Group::Source.heading(), "Checked against the source");
        assert_eq!(Group::Notes.heading(), "Notes");
    }

    #[test]
    fn confirmations_are_the_found_and_changed_since_findings() {
        let confirming: Vec<Signal> = Signal::ALL.into_iter().filter(|s| s.confirms()).collect();
        assert_eq!(
            confirming,
            vec![
                Signal::QuotedCodeFound,
                Signal::ChangedSince,
                Signal::FixedOnDefaultBranch,
                Signal::SymbolFound
            ]
        );
    }

    #[test]
    fn headlines_say_the_label_and_verdict_in_plain_words() {
        use Level::*;
        assert_eq!(
            headline(
                Label::Valid,
                Verdict::LikelyValid,
                &[(Signal::QuotedCodeFound, Info)]
            ),
            "Looks valid"
        );
        assert_eq!(
            headline(
                Label::AiSlop,
                Verdict::LikelyInvalid,
                &[
                    (Signal::QuotedCodeMismatch, Strong),
                    (Signal::Boilerplate, Info)
                ]
            ),
            "Likely AI-generated: the quoted code is not the project's"
        );
        assert_eq!(
            headline(
                Label::AiSlop,
                Verdict::NeedsReview,
                &[
                    (Signal::UnknownSymbol, Strong),
                    (Signal::NonQualifyingClass, Strong)
                ]
            ),
            "Needs review: strong findings disagree"
        );
        assert_eq!(
            headline(
                Label::Valid,
                Verdict::NeedsReview,
                &[
                    (Signal::UnknownSymbol, Strong),
                    (Signal::QuotedCodeFound, Info)
                ]
            ),
            "Needs review: strong findings disagree"
        );
        assert_eq!(
            headline(
                Label::BegBounty,
                Verdict::LikelyInvalid,
                &[(Signal::PaymentRequest, Strong)]
            ),
            "Likely a beg bounty: a reward is asked before details are given"
        );
        assert_eq!(
            headline(
                Label::Valid,
                Verdict::NeedsReview,
                &[(Signal::SeverityInflation, Weak)]
            ),
            "Needs review: findings worth a look, none decisive"
        );
        assert_eq!(
            headline(
                Label::NonQualifying,
                Verdict::NeedsReview,
                &[(Signal::NonQualifyingClass, Strong)]
            ),
            "Needs review: perhaps non-qualifying under the policy: the report's claim matches one of its classes"
        );
    }
}
