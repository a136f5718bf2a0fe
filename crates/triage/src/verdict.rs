//! From findings to a label and a verdict. Transparent on purpose: each finding adds its
//! weight (strong 1.0, weak 0.45, info 0, times its confidence) to the labels it supports.

use crate::extract::Facts;
use crate::{Finding, Label, Level, Scores, Signal, Verdict};
use std::collections::HashMap;

/// Score at which a label is given.
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
        | Signal::FixedOnDefaultBranch => &[],
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

pub(crate) fn decide(findings: &[Finding], _facts: &Facts) -> (Label, Verdict, Scores) {
    // Sum per (signal, label), each signal capped so one noisy check cannot decide alone.
    let mut per: HashMap<(Signal, Label), f32> = HashMap::new();
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
        if matches!(
            signal,
            Signal::UnknownSymbol
                | Signal::UnknownPath
                | Signal::LineOutOfRange
                | Signal::QuotedCodeMismatch
        ) {
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
    let asks_money = findings.iter().any(|f| {
        f.signal == Signal::PaymentRequest || f.signal == Signal::Spray && f.level == Level::Strong
    });
    let label = if asks_money && scores.beg_bounty >= LABEL_AT {
        Label::BegBounty
    } else {
        let candidates = [
            (Label::AiSlop, scores.ai_slop),
            (Label::NonQualifying, scores.non_qualifying),
            (Label::Duplicate, scores.duplicate),
        ];
        let (best, score) =
            candidates.into_iter().fold(
                (Label::Valid, 0.0f32),
                |acc, c| if c.1 > acc.1 { c } else { acc },
            );
        if score >= LABEL_AT {
            best
        } else {
            Label::Valid
        }
    };
    let label_score = match label {
        Label::Valid => 0.0,
        Label::AiSlop => scores.ai_slop,
        Label::BegBounty => scores.beg_bounty,
        Label::NonQualifying => scores.non_qualifying,
        Label::Duplicate => scores.duplicate,
    };
    let any_weight: f32 =
        scores.ai_slop + scores.beg_bounty + scores.non_qualifying + scores.duplicate;
    let history_doubt = findings
        .iter()
        .any(|f| f.signal == Signal::ReporterHistory && f.level >= Level::Weak);
    let verdict = match label {
        Label::Valid if any_weight >= 0.4 || history_doubt => Verdict::NeedsReview,
        Label::Valid => Verdict::LikelyValid,
        _ if label_score >= INVALID_AT => Verdict::LikelyInvalid,
        _ => Verdict::NeedsReview,
    };
    (label, verdict, scores)
}
