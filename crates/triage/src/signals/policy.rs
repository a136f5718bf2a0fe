//! Checks against the project's policy: scope globs, non-qualifying classes, scanner
//! templates (signals 4–6).

use super::claim::{self, Claim, Need, NeedHit, Part};
use crate::extract::Facts;
use crate::glob::glob_match;
use crate::lexicon::{CLASS_RULES, SCANNER, SCANNER_TOOLS};
use crate::text::Doc;
use crate::{Context, Evidence, Field, Finding, Level, Signal};
use domain::policy::{NonQualifying, STANDARD_CLASSES, standard_class};

/// Signal 4: paths the policy puts out of scope. Strong when the claim (title, summary,
/// impact) names one and they are most of the paths named; a test file used to reproduce
/// a bug in the library is a note.
pub(super) fn scope(
    doc: &Doc<'_>,
    facts: &Facts,
    ctx: &Context<'_>,
    claim: &Claim,
    out: &mut Vec<Finding>,
) {
    let globs = &ctx.policy.out_of_scope_paths;
    if globs.is_empty() || facts.paths.is_empty() {
        return;
    }
    let mut hits: Vec<(usize, &str, Evidence)> = Vec::new();
    let mut in_scope = 0usize;
    for p in &facts.paths {
        if p.own_file_context {
            continue;
        }
        // Resolve bare names through the index (`hsts-preload.c` → `docs/examples/…`).
        let resolved = ctx
            .sources
            .iter()
            .find_map(|s| s.find_path(&p.path))
            .unwrap_or(&p.path);
        let matched = globs
            .iter()
            .enumerate()
            .find(|(_, g)| glob_match(g, resolved) || glob_match(g, &p.path));
        let e = match p.field {
            Field::Text => doc.evidence(p.start, p.end),
            Field::Title => doc.title_evidence(p.start, p.end),
        };
        match matched {
            Some((i, g)) => hits.push((i, g.as_str(), e)),
            None => in_scope += 1,
        }
    }
    let Some((i, g, _)) = hits.first() else {
        return;
    };
    let in_title = hits.iter().any(|h| h.2.field == Field::Title);
    let in_claim = hits
        .iter()
        .any(|h| claim.part_at(h.2.field, h.2.start).is_some());
    let strong = in_title || in_claim && hits.len() > in_scope;
    out.push(Finding {
        signal: Signal::OutOfScopePath,
        level: if strong { Level::Strong } else { Level::Weak },
        evidence: hits.iter().take(3).map(|h| h.2.clone()).collect(),
        detail: format!(
            "{} of {} referenced paths are out of scope per the policy (`{g}`)",
            hits.len(),
            hits.len() + in_scope
        ),
        policy_ref: Some(format!("out_of_scope_paths[{i}]: {g}")),
        confidence: 0.9,
    });
}

/// The classes in effect: the policy's, or the standard list when the policy names none.
fn effective(ctx: &Context<'_>) -> (Vec<NonQualifying>, bool) {
    if ctx.policy.non_qualifying.is_empty() {
        let all = STANDARD_CLASSES
            .iter()
            .map(|c| NonQualifying {
                id: c.id.to_owned(),
                text: None,
            })
            .collect();
        (all, false)
    } else {
        (ctx.policy.non_qualifying.clone(), true)
    }
}

/// Prose ranges of the text (code blocks excluded), plus the title.
fn prose(doc: &Doc<'_>) -> Vec<(Field, usize, usize)> {
    let mut v = vec![(Field::Title, 0, doc.title.len())];
    v.extend(doc.prose_lines().map(|(s, e)| (Field::Text, s, e)));
    v
}

fn src<'d>(doc: &'d Doc<'_>, field: Field) -> &'d str {
    match field {
        Field::Title => doc.title,
        Field::Text => doc.text,
    }
}

fn ev(doc: &Doc<'_>, field: Field, s: usize, e: usize) -> Evidence {
    match field {
        Field::Title => doc.title_evidence(s, e),
        Field::Text => doc.evidence(s, e),
    }
}

/// Cuts a quote for a detail line.
fn short(s: &str, max: usize) -> String {
    let s = s.trim();
    if s.len() <= max {
        return s.to_owned();
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &s[..end])
}

/// One reason a class matched: where, what, and the evidence.
struct Hit {
    part: Option<Part>,
    /// Matched through the attacker's needs (a precondition), not the topic's words.
    need: bool,
    reason: String,
    evidence: Evidence,
}

/// Signal 5: the policy's non-qualifying classes, matched against the report's central
/// claim and its preconditions (see `claim.rs`), quoting the policy's wording.
///
/// A class matches through the need it names (its id, or the policy's own words: "local
/// attacker", "command line", "debug builds"), through the cue phrases of a known class id
/// (`spf-dmarc`: "SPF record", "DMARC"), or — for a class given in the policy's own prose —
/// through a phrase of that prose (two content words, not both common, side by side in the
/// claim). A match in the claim is strong; the same match elsewhere in the report is a note.
pub(super) fn classes(
    doc: &Doc<'_>,
    ctx: &Context<'_>,
    claim: &Claim,
    needs: &[NeedHit],
    out: &mut Vec<Finding>,
) {
    let (classes, from_policy) = effective(ctx);
    let ranges = prose(doc);
    let project: Vec<String> = ctx
        .project_name
        .map(super::name_variants)
        .unwrap_or_default()
        .iter()
        .flat_map(|v| v.split([' ', '-']).map(claim::stem).collect::<Vec<_>>())
        .collect();
    let tokenized = claim::Tokenized::new(doc, claim, &project);
    let corruption = claim::asserts_corruption(doc, claim);
    for (i, class) in classes.iter().enumerate() {
        let mut hits: Vec<Hit> = Vec::new();
        let id_need = Need::of_class_id(&class.id);
        let custom = class.text.is_some() || standard_class(&class.id).is_none();
        let mut class_needs: Vec<Need> = id_need.into_iter().collect();
        if custom {
            for n in claim::needs_in_wording(class.wording()) {
                if !class_needs.contains(&n) {
                    class_needs.push(n);
                }
            }
        }
        // 1. The need the class is about, stated by the report.
        for h in needs.iter().filter(|h| class_needs.contains(&h.need)) {
            let quote = &src(doc, h.field)[h.start..h.end];
            let part = h
                .part
                .filter(|_| !claim::defends_against(doc, claim, h.need));
            hits.push(Hit {
                part,
                need: true,
                reason: format!("needs {} (\"{quote}\")", h.need.describe()),
                evidence: ev(doc, h.field, h.start, h.end),
            });
        }
        // 2. The cue phrases of a known topic class.
        if id_need.is_none()
            && let Some(rule) = CLASS_RULES.iter().find(|r| r.id == class.id)
        {
            for &(field, s, e) in &ranges {
                let text = src(doc, field);
                for m in rule.cues.find_iter(&text[s..e]) {
                    let start = s + m.start();
                    if claim::negated(text, s, start) {
                        continue;
                    }
                    hits.push(Hit {
                        part: claim.part_at(field, start),
                        need: false,
                        reason: format!("says \"{}\"", m.as_str()),
                        evidence: ev(doc, field, start, s + m.end()),
                    });
                }
            }
        }
        // 3. A phrase of the policy's own prose. It is the claim's when it is distinctive
        // (neither word common), in the title, or when two different phrases of the
        // wording are in the claim; otherwise a note.
        if let Some(text) = class.text.as_deref() {
            let set = tokenized.phrase_ids(&claim::class_phrases(&class.id, text, &project));
            let mut found: Vec<(claim::PhraseHit, usize)> = Vec::new();
            let mut elsewhere: Option<(claim::PhraseHit, usize)> = None;
            for k in 0..tokenized.pieces.len() {
                if set.is_empty() {
                    break;
                }
                let piece_hits = tokenized.hits(doc, k, &set);
                if tokenized.pieces[k].part.is_some() {
                    found.extend(piece_hits.into_iter().map(|p| (p, k)));
                } else if elsewhere.is_none() {
                    elsewhere = piece_hits.into_iter().next().map(|p| (p, k));
                }
            }
            let distinct: std::collections::HashSet<String> = found
                .iter()
                .map(|(p, _)| {
                    let (a, b) = (
                        p.words.0.to_ascii_lowercase(),
                        p.words.1.to_ascii_lowercase(),
                    );
                    if a <= b {
                        format!("{a} {b}")
                    } else {
                        format!("{b} {a}")
                    }
                })
                .collect();
            for (p, k) in found.iter().take(3) {
                let piece = &tokenized.pieces[*k];
                let sentence = &src(doc, piece.field)[piece.start..piece.end];
                let part = piece.part.unwrap_or(Part::Whole);
                let counts = p.distinctive || part == Part::Title || distinct.len() >= 2;
                hits.push(Hit {
                    part: counts.then_some(part),
                    need: false,
                    reason: format!(
                        "has the policy's words \"{}\" and \"{}\" together (\"{}\")",
                        p.words.0,
                        p.words.1,
                        short(sentence, 120)
                    ),
                    evidence: ev(doc, piece.field, piece.start + p.start, piece.start + p.end),
                });
            }
            // Outside the claim: a note at most.
            if let Some((p, k)) = elsewhere {
                let piece = &tokenized.pieces[k];
                hits.push(Hit {
                    part: None,
                    need: false,
                    reason: format!(
                        "has the policy's words \"{}\" and \"{}\" together",
                        p.words.0, p.words.1
                    ),
                    evidence: ev(doc, piece.field, piece.start + p.start, piece.start + p.end),
                });
            }
        }
        if hits.is_empty() {
            continue;
        }
        let policy_ref = if from_policy {
            format!("non_qualifying[{i}] {}: \"{}\"", class.id, class.wording())
        } else {
            format!("standard class {}: \"{}\"", class.id, class.wording())
        };
        let (in_claim, elsewhere): (Vec<&Hit>, Vec<&Hit>) =
            hits.iter().partition(|h| h.part.is_some());
        let weak_class = class.id == "theoretical-no-poc" || class.id == "social-engineering";
        if in_claim.is_empty() {
            out.push(Finding {
                signal: Signal::NonQualifyingClass,
                level: Level::Info,
                evidence: elsewhere.iter().take(3).map(|h| h.evidence.clone()).collect(),
                detail: format!(
                    "a note, not the report's claim: `{}` is only mentioned outside the title, summary, impact and asked-for fix ({})",
                    class.id,
                    elsewhere[0].reason
                ),
                policy_ref: Some(policy_ref),
                confidence: 0.5,
            });
            continue;
        }
        let reasons: Vec<String> = in_claim
            .iter()
            .take(2)
            .map(|h| format!("its {} {}", h.part.map_or("text", Part::as_str), h.reason))
            .collect();
        let only_phrases = in_claim
            .iter()
            .all(|h| h.reason.starts_with("has the policy's words"));
        // The topic's words against a claim of memory corruption: the claim says it is
        // more than the class, so the match is a question, not a label.
        let beyond = corruption
            .filter(|_| in_claim.iter().all(|h| !h.need))
            .map(|(f, s, e)| src(doc, f)[s..e].to_owned());
        let mut evidence: Vec<Evidence> = in_claim
            .iter()
            .take(3)
            .map(|h| h.evidence.clone())
            .collect();
        if let Some((f, s, e)) = corruption.filter(|_| beyond.is_some()) {
            evidence.push(ev(doc, f, s, e));
        }
        out.push(Finding {
            signal: Signal::NonQualifyingClass,
            level: if weak_class || beyond.is_some() {
                Level::Weak
            } else {
                Level::Strong
            },
            evidence,
            detail: match &beyond {
                None => format!(
                    "the report's claim reads as `{}`, which the policy does not treat as a vulnerability: {}",
                    class.id,
                    reasons.join("; ")
                ),
                Some(q) => format!(
                    "the report's claim touches `{}` ({}), but it also asserts \"{q}\", more than the class covers: check which it is",
                    class.id,
                    reasons.join("; ")
                ),
            },
            policy_ref: Some(policy_ref),
            confidence: match (from_policy, only_phrases) {
                (false, _) => 0.6,
                (true, true) => 0.7,
                (true, false) => 0.8,
            },
        });
    }
}

/// Signal 6: template sentences of scanners and copy-paste reports.
pub(super) fn scanner(doc: &Doc<'_>, out: &mut Vec<Finding>) {
    let matched: Vec<usize> = SCANNER.matches(doc.text).into_iter().collect();
    if matched.is_empty() {
        return;
    }
    let mut evidence = Vec::new();
    for (i, (s, e)) in doc.lines.iter().enumerate() {
        if SCANNER.is_match(&doc.text[*s..*e]) {
            evidence.push(doc.line_evidence(i));
        }
        if evidence.len() >= 3 {
            break;
        }
    }
    // A scanner's name alone ("found with OWASP ZAP") is a note; its template sentences
    // are the report.
    let template = matched.iter().any(|&i| i != SCANNER_TOOLS);
    out.push(Finding {
        signal: Signal::ScannerTemplate,
        level: if template { Level::Strong } else { Level::Weak },
        evidence,
        detail: if template {
            format!(
                "{} template sentence(s) of scanners or sprayed report templates",
                matched.len()
            )
        } else {
            "names an automated scanner; check that its output was verified".to_owned()
        },
        policy_ref: None,
        confidence: 0.85,
    });
}
