//! From findings to a label and a verdict. Transparent on purpose: each finding adds its
//! weight (strong 1.0, weak 0.45, info 0, times its confidence) to the labels it supports.
//!
//! # Precision first
//!
//! A maintainer who sees a real vulnerability labelled "not a security issue" stops trusting
//! every label, so a report is labelled junk only on a **strong, verifiable** finding:
//!
//! - a symbol, file or line the report attributes to the project that is not in its source;
//! - quoted code that is not the project's, or a proof of concept that demonstrably exercises
//!   something else (it re-implements the project's functions, or calls only the C library);
//! - stack frames none of which is in the project;
//! - a payment asked before any detail is given; the same text sprayed to other projects;
//! - scanner template sentences; tool output with placeholder addresses; a chatbot's advice
//!   to its user pasted as the report;
//! - the report's own central claim or precondition matching a class of the policy (matched
//!   against the title, summary, impact and asked-for fix, see `signals/claim.rs`); paths
//!   the policy puts out of scope; a restated published advisory.
//!
//! Weak cues — tone, structure, alarming or hedging words, boilerplate, template leftovers,
//! severity words, a passing mention of a class's words — are notes: they add to the scores
//! shown, and may tip a label a strong finding already supports over its threshold, but they
//! never give a label alone, however many there are.
//!
//! Conflicts ask for a person:
//!
//! - strong findings that point to different junk labels (e.g. slop and non-qualifying) keep
//!   the best-supported label but the verdict is `needs_review`, never `likely_invalid`;
//! - a junk label resting only on names, paths, lines or quotes missing from the source while
//!   the report's quoted code is found in the source (a confirmation) gives no junk label:
//!   the label is `valid` and the verdict `needs_review`. A payment ask before details
//!   decides `beg_bounty` whatever else is found;
//! - (in `signals/policy.rs`) a low-impact class matched by the claim's words while the same
//!   claim plainly asserts memory corruption is only weak: the report says it is more.
//!
//! Every signal's level is set with this rule in mind (see each signal's module).

use crate::extract::Facts;
use crate::{Finding, Label, Level, Scores, Signal, Verdict};
use std::collections::BTreeMap;

/// Score at which a label is given (with a strong finding behind it).
pub const LABEL_AT: f32 = 0.7;
/// Most that missing names, paths, lines and quotes add together.
pub const GROUNDING_CAP: f32 = 0.8;
/// Score at which the verdict becomes `likely_invalid`.
pub const INVALID_AT: f32 = 1.6;

fn supports(signal: Signal) -> &'static [(Label, f32)] {
    use Label::*;
    match signal {
        Signal::UnknownSymbol
        | Signal::UnknownPath
        | Signal::LineOutOfRange
        | Signal::QuotedCodeMismatch
        | Signal::SelfGuardedCode
        | Signal::PocNotTouchingProject
        | Signal::FramesOutsideProject
        | Signal::TemplatePlaceholder
        | Signal::PastedAssistantAnswer
        | Signal::UnprovenClaim
        | Signal::ClaimContradicted => &[(AiSlop, 1.0)],
        Signal::SeverityInflation => &[(AiSlop, 0.8)],
        Signal::PaymentRequest | Signal::ProjectNotNamed | Signal::Spray => &[(BegBounty, 1.0)],
        Signal::NoTechnicalContent => &[(BegBounty, 1.0), (NonQualifying, 0.5)],
        Signal::WebsiteTarget => &[(NonQualifying, 1.0), (BegBounty, 0.5)],
        Signal::NonQualifyingClass | Signal::OutOfScopePath | Signal::ScannerTemplate => {
            &[(NonQualifying, 1.0)]
        }
        Signal::NearDuplicate | Signal::KnownAdvisory => &[(Duplicate, 1.0)],
        Signal::QuotedCodeFound
        | Signal::DeclaredAi
        | Signal::GenaiPolicy
        | Signal::ReporterHistory
        | Signal::TrialQuota
        | Signal::Boilerplate
        | Signal::ChangedSince
        | Signal::FixedOnDefaultBranch
        | Signal::SymbolFound => &[],
    }
}

fn weight(f: &Finding) -> f32 {
    let base = match f.level {
        Level::Strong => 1.0,
        Level::Weak => 0.45,
        Level::Info => 0.0,
    };
    base * f.confidence.clamp(0.0, 1.0)
}

/// Findings that the report's material is not the project's (missing from the source).
pub(crate) fn is_absence(signal: Signal) -> bool {
    matches!(
        signal,
        Signal::UnknownSymbol
            | Signal::UnknownPath
            | Signal::LineOutOfRange
            | Signal::QuotedCodeMismatch
    )
}

/// Findings that confirm the report's material is the project's.
pub(crate) fn is_confirmation(signal: Signal) -> bool {
    matches!(signal, Signal::QuotedCodeFound | Signal::ChangedSince)
}

/// The label a finding is first of all evidence for (its share 1.0).
pub(crate) fn primary(signal: Signal) -> Option<Label> {
    supports(signal)
        .iter()
        .find(|(_, share)| *share >= 1.0)
        .map(|(l, _)| *l)
}

pub(crate) fn decide(findings: &[Finding], _facts: &Facts) -> (Label, Verdict, Scores) {
    // Sum per (signal, label), each signal capped so one noisy check cannot decide alone;
    // in a fixed order, so the same findings always give the same (floating-point) sums.
    let mut per: BTreeMap<(Signal, Label), f32> = BTreeMap::new();
    for f in findings {
        for &(label, share) in supports(f.signal) {
            *per.entry((f.signal, label)).or_default() += weight(f) * share;
        }
    }
    let mut scores = Scores::default();
    // Names, paths and quotes missing from the index share one cap: old versions rename
    // things, so they need a second kind of evidence to decide a label.
    let mut grounding = 0.0f32;
    for ((signal, label), w) in per {
        if is_absence(signal) {
            grounding += w;
            continue;
        }
        let w = w.min(1.2);
        match label {
            Label::AiSlop => scores.ai_slop += w,
            Label::BegBounty => scores.beg_bounty += w,
            Label::NonQualifying => scores.non_qualifying += w,
            Label::Duplicate => scores.duplicate += w,
            Label::Valid => {}
        }
    }
    scores.ai_slop += grounding.min(GROUNDING_CAP);
    let score_of = |l: Label| match l {
        Label::Valid => 0.0,
        Label::AiSlop => scores.ai_slop,
        Label::BegBounty => scores.beg_bounty,
        Label::NonQualifying => scores.non_qualifying,
        Label::Duplicate => scores.duplicate,
    };
    // The strong findings behind each label: only these can give it.
    let strong_for = |l: Label| -> Vec<&Finding> {
        findings
            .iter()
            .filter(|f| f.level == Level::Strong && f.confidence > 0.0)
            .filter(|f| primary(f.signal) == Some(l))
            .collect()
    };
    let asks_money = findings.iter().any(|f| {
        matches!(f.signal, Signal::PaymentRequest | Signal::Spray) && f.level == Level::Strong
    });
    let mut conflict = false;
    let label = if asks_money && scores.beg_bounty >= LABEL_AT {
        Label::BegBounty
    } else {
        let supported: Vec<(Label, f32)> = [Label::AiSlop, Label::NonQualifying, Label::Duplicate]
            .into_iter()
            .filter(|&l| score_of(l) >= LABEL_AT && !strong_for(l).is_empty())
            .map(|l| (l, score_of(l)))
            .collect();
        let best = supported
            .iter()
            .copied()
            .fold(None, |acc: Option<(Label, f32)>, c| match acc {
                Some(a) if a.1 >= c.1 => Some(a),
                _ => Some(c),
            });
        conflict = supported.len() > 1;
        match best {
            Some((l, _))
                if strong_for(l).iter().all(|f| is_absence(f.signal))
                    && findings.iter().any(|f| is_confirmation(f.signal)) =>
            {
                // Missing names against quoted code found: the source disagrees with itself
                // (a renamed function, an unindexed version): a person decides.
                conflict = true;
                Label::Valid
            }
            Some((l, _)) => l,
            None => Label::Valid,
        }
    };
    let any_weight: f32 =
        scores.ai_slop + scores.beg_bounty + scores.non_qualifying + scores.duplicate;
    let history_doubt = findings
        .iter()
        .any(|f| f.signal == Signal::ReporterHistory && f.level >= Level::Weak);
    let verdict = match label {
        Label::Valid if conflict || any_weight >= 0.4 || history_doubt => Verdict::NeedsReview,
        Label::Valid => Verdict::LikelyValid,
        _ if conflict => Verdict::NeedsReview,
        l if score_of(l) >= INVALID_AT => Verdict::LikelyInvalid,
        _ => Verdict::NeedsReview,
    };
    (label, verdict, scores)
}
