//! The instance's memory: spray across projects, near-duplicates, published advisories and
//! the reporter's record (signals 8, 9, 12).

use crate::extract::Facts;
use crate::fingerprint::similarity;
use crate::text::Doc;
use crate::{Context, Finding, Fingerprint, Level, Outcome, Signal};
use std::collections::BTreeSet;

/// Similarity above which two texts count as the same text.
pub const SAME_TEXT: f32 = 0.5;
/// Similarity above which a report restates an advisory.
pub const RESTATES: f32 = 0.3;

pub(super) fn similar(
    doc: &Doc<'_>,
    facts: &Facts,
    ctx: &Context<'_>,
    fp: &Fingerprint,
    out: &mut Vec<Finding>,
) {
    let here = ctx.project_name.unwrap_or("");
    let mut others: BTreeSet<&str> = BTreeSet::new();
    let mut since: Option<jiff::Timestamp> = None;
    let mut best_same: Option<(f32, &crate::PastReport)> = None;
    for past in &ctx.history.reports {
        let sim = similarity(fp, &past.fingerprint);
        if sim < SAME_TEXT {
            continue;
        }
        if past.project != here {
            others.insert(past.project.as_str());
            since = Some(since.map_or(past.received_at, |s| s.min(past.received_at)));
        } else if best_same.is_none_or(|(b, _)| sim > b) {
            best_same = Some((sim, past));
        }
    }
    if !others.is_empty() {
        let date = since
            .map(|t| t.strftime("%-d %B %Y").to_string())
            .unwrap_or_default();
        let low_tech = facts.technical <= 3;
        out.push(Finding {
            signal: Signal::Spray,
            level: if low_tech { Level::Strong } else { Level::Weak },
            evidence: Vec::new(),
            detail: format!(
                "the same text reached {} other project(s) since {date}: {}",
                others.len(),
                others
                    .iter()
                    .take(5)
                    .copied()
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            policy_ref: None,
            confidence: 0.8,
        });
    }
    if let Some((sim, past)) = best_same {
        let outcome = match past.outcome {
            Outcome::Open => "still open",
            Outcome::Accepted => "accepted",
            Outcome::NotAVulnerability => "closed as not a vulnerability",
            Outcome::OutOfScope => "closed as out of scope",
            Outcome::Duplicate => "closed as a duplicate",
            Outcome::Spam => "closed as spam",
            Outcome::Withdrawn => "withdrawn",
        };
        out.push(Finding {
            signal: Signal::NearDuplicate,
            level: if sim >= 0.8 {
                Level::Strong
            } else {
                Level::Weak
            },
            evidence: Vec::new(),
            detail: format!(
                "{:.0}% the same as {} (received {}, {outcome})",
                sim * 100.0,
                past.reference,
                past.received_at.strftime("%-d %B %Y")
            ),
            policy_ref: None,
            confidence: sim.min(0.95),
        });
    }
    // Published advisories: restated, or named.
    let mut best: Option<(f32, &crate::KnownAdvisory)> = None;
    for adv in &ctx.history.advisories {
        let sim = similarity(fp, &adv.fingerprint);
        if sim >= RESTATES && best.is_none_or(|(b, _)| sim > b) {
            best = Some((sim, adv));
        }
    }
    if let Some((sim, adv)) = best {
        out.push(Finding {
            signal: Signal::KnownAdvisory,
            level: if sim >= 0.5 {
                Level::Strong
            } else {
                Level::Weak
            },
            evidence: Vec::new(),
            detail: format!(
                "restates the published advisory {} \"{}\" ({:.0}% similar)",
                adv.id,
                adv.title,
                sim * 100.0
            ),
            policy_ref: None,
            confidence: sim.min(0.95),
        });
    }
    // Named in the claim (title, summary, impact), an advisory is what the report is about;
    // named elsewhere ("see also", a references list), it is a note to check.
    let claim = super::claim::Claim::of(doc);
    for (adv, s, e) in named_advisories(doc.text, facts, ctx) {
        let bypass = speaks_of_a_bypass(doc.text, s, e);
        let in_claim = claim.part_at(crate::Field::Text, s).is_some();
        out.push(Finding {
            signal: Signal::KnownAdvisory,
            level: match (bypass, in_claim) {
                (true, _) => Level::Info,
                (false, true) => Level::Strong,
                (false, false) => Level::Weak,
            },
            evidence: vec![doc.evidence(s, e)],
            detail: if bypass {
                format!(
                    "names the published advisory {} \"{}\" as fixed: a bypass of its fix, or the same issue again?",
                    adv.id, adv.title
                )
            } else {
                format!(
                    "names the published advisory {} \"{}\": likely a duplicate of it",
                    adv.id, adv.title
                )
            },
            policy_ref: None,
            confidence: 0.9,
        });
    }
}

/// Published advisories the text names, by id or alias, each once (first mention): CVE and
/// GHSA ids as extracted, and any other id of a known advisory (`RUSTSEC-…`, the project's
/// own `x_curl-2024-0001`) found as a whole word.
fn named_advisories<'c>(
    text: &str,
    facts: &Facts,
    ctx: &'c Context<'_>,
) -> Vec<(&'c crate::KnownAdvisory, usize, usize)> {
    let names = |a: &'c crate::KnownAdvisory| std::iter::once(&a.id).chain(a.aliases.iter());
    let mut found: Vec<(&crate::KnownAdvisory, usize, usize)> = Vec::new();
    for (id, s, e) in &facts.advisories {
        if let Some(adv) = ctx
            .history
            .advisories
            .iter()
            .find(|a| names(a).any(|x| x.eq_ignore_ascii_case(id)))
        {
            found.push((adv, *s, *e));
        }
    }
    let lower = text.to_ascii_lowercase();
    for adv in &ctx.history.advisories {
        for name in names(adv) {
            let n = name.to_ascii_lowercase();
            if n.len() < 6 || n.starts_with("cve-") || n.starts_with("ghsa-") {
                continue;
            }
            let word = |b: u8| b.is_ascii_alphanumeric() || b == b'_' || b == b'-';
            let hit = lower.match_indices(&n).find(|&(i, _)| {
                let before = i.checked_sub(1).map(|j| lower.as_bytes()[j]);
                let after = lower.as_bytes().get(i + n.len()).copied();
                !before.is_some_and(word) && !after.is_some_and(word)
            });
            if let Some((i, _)) = hit {
                found.push((adv, i, i + n.len()));
                break;
            }
        }
    }
    found.sort_by_key(|&(_, s, _)| s);
    let mut seen = BTreeSet::new();
    found.retain(|(a, _, _)| seen.insert(a.id.as_str()));
    found
}

/// Whether the words around a mention speak of the advisory's fix failing (a bypass, a
/// regression, an incomplete fix, a variant) rather than of the same issue.
fn speaks_of_a_bypass(text: &str, start: usize, end: usize) -> bool {
    const WORDS: &[&str] = &[
        "bypass",
        "incomplete fix",
        "fix is incomplete",
        "not fully fixed",
        "regress",
        "variant",
        "still vulnerable",
        "still exploitable",
        "despite the fix",
        "after the fix",
        "fix for",
        "fixed in",
        "patched",
        "similar to",
        "like cve",
        "reintroduc",
    ];
    let mut from = start.saturating_sub(160);
    while !text.is_char_boundary(from) {
        from -= 1;
    }
    let mut to = (end + 160).min(text.len());
    while !text.is_char_boundary(to) {
        to += 1;
    }
    let window = text[from..to].to_ascii_lowercase();
    WORDS.iter().any(|w| window.contains(w))
}

/// Signal 12: the reporter's earlier outcomes and the trial quota.
pub(super) fn reporter(ctx: &Context<'_>, doc: &Doc<'_>, out: &mut Vec<Finding>) {
    let Some(who) = doc.reporter else { return };
    let mine: Vec<_> = ctx
        .history
        .reports
        .iter()
        .filter(|r| r.reporter.as_deref() == Some(who))
        .collect();
    if mine.is_empty() {
        return;
    }
    let accepted = mine
        .iter()
        .filter(|r| r.outcome == Outcome::Accepted)
        .count();
    let invalid = mine.iter().filter(|r| r.outcome.is_invalid()).count();
    let open = mine.iter().filter(|r| r.outcome == Outcome::Open).count();
    out.push(Finding {
        signal: Signal::ReporterHistory,
        level: if invalid >= 2 && accepted == 0 { Level::Weak } else { Level::Info },
        evidence: Vec::new(),
        detail: format!("{} earlier report(s) from this reporter: {accepted} accepted, {invalid} closed as invalid, {open} open", mine.len()),
        policy_ref: None,
        confidence: 0.9,
    });
    let quota = ctx.history.trial_quota as usize;
    if quota > 0 && accepted == 0 && open >= quota {
        out.push(Finding {
            signal: Signal::TrialQuota,
            level: Level::Info,
            evidence: Vec::new(),
            detail: format!(
                "the reporter has {open} open report(s) and none accepted yet; the trial quota is {quota}: queue this one behind them (never a silent ban)"
            ),
            policy_ref: None,
            confidence: 1.0,
        });
    }
}
