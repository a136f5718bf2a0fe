//! Checks against the project's policy: scope globs, non-qualifying classes, scanner
//! templates (signals 4–6).

use crate::extract::Facts;
use crate::glob::glob_match;
use crate::lexicon::{CLASS_RULES, SCANNER};
use crate::text::Doc;
use crate::{Context, Evidence, Field, Finding, Level, Signal};
use domain::policy::{NonQualifying, STANDARD_CLASSES};

/// Signal 4: paths the policy puts out of scope.
pub(super) fn scope(doc: &Doc<'_>, facts: &Facts, ctx: &Context<'_>, out: &mut Vec<Finding>) {
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
    let strong = in_title || hits.len() > in_scope;
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

/// Signal 5: the policy's non-qualifying classes, quoting the policy's wording.
pub(super) fn classes(doc: &Doc<'_>, facts: &Facts, ctx: &Context<'_>, out: &mut Vec<Finding>) {
    let (classes, from_policy) = effective(ctx);
    let ranges = prose(doc);
    // A short report with nothing technical is about its one topic.
    let short = doc.text.len() < 400 && facts.technical <= 2;
    for (i, class) in classes.iter().enumerate() {
        let mut hits: Vec<Evidence> = Vec::new();
        let mut in_title = false;
        match CLASS_RULES.iter().find(|r| r.id == class.id) {
            Some(rule) => {
                for &(field, s, e) in &ranges {
                    let hay = match field {
                        Field::Title => doc.title,
                        Field::Text => &doc.text[s..e],
                    };
                    for m in rule.cues.find_iter(hay) {
                        in_title |= field == Field::Title;
                        hits.push(match field {
                            Field::Title => doc.title_evidence(m.start(), m.end()),
                            Field::Text => doc.evidence(s + m.start(), s + m.end()),
                        });
                    }
                }
            }
            None => custom_hits(doc, class.wording(), &ranges, &mut hits),
        }
        if hits.is_empty() {
            continue;
        }
        let distinct: std::collections::HashSet<String> =
            hits.iter().map(|h| h.quote.to_ascii_lowercase()).collect();
        let strong = in_title || hits.len() >= 3 || distinct.len() >= 2 || short;
        let weak_class = class.id == "theoretical-no-poc" || class.id == "social-engineering";
        let policy_ref = if from_policy {
            format!("non_qualifying[{i}] {}: \"{}\"", class.id, class.wording())
        } else {
            format!("standard class {}: \"{}\"", class.id, class.wording())
        };
        out.push(Finding {
            signal: Signal::NonQualifyingClass,
            level: if strong && !weak_class {
                Level::Strong
            } else {
                Level::Weak
            },
            evidence: hits.into_iter().take(3).collect(),
            detail: format!(
                "the report reads as `{}`, which the policy does not treat as a vulnerability",
                class.id
            ),
            policy_ref: Some(policy_ref),
            confidence: if from_policy { 0.8 } else { 0.6 },
        });
    }
}

/// A custom class with no rule: two or more of the wording's content words in one line.
fn custom_hits(
    doc: &Doc<'_>,
    wording: &str,
    ranges: &[(Field, usize, usize)],
    hits: &mut Vec<Evidence>,
) {
    const STOP: &[&str] = &[
        "that",
        "this",
        "with",
        "from",
        "have",
        "which",
        "their",
        "there",
        "only",
        "when",
        "where",
        "will",
        "would",
        "could",
        "should",
        "about",
        "other",
        "than",
        "they",
        "them",
        "such",
        "into",
        "does",
        "not",
        "are",
        "the",
        "and",
        "for",
        "issues",
        "problems",
        "reports",
        "security",
        "vulnerability",
        "vulnerabilities",
        "considered",
        "attack",
        "attacks",
    ];
    let words: Vec<String> = wording
        .split(|c: char| !c.is_alphanumeric())
        .map(str::to_ascii_lowercase)
        .filter(|w| w.len() >= 5 && !STOP.contains(&w.as_str()))
        .collect();
    if words.len() < 2 {
        return;
    }
    for &(field, s, e) in ranges {
        let hay = match field {
            Field::Title => doc.lower_title.as_str(),
            Field::Text => &doc.lower[s..e],
        };
        let n = words.iter().filter(|w| hay.contains(w.as_str())).count();
        if n >= 2 {
            hits.push(match field {
                Field::Title => doc.title_evidence(0, doc.title.len()),
                Field::Text => doc.evidence(s, e),
            });
        }
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
    out.push(Finding {
        signal: Signal::ScannerTemplate,
        level: Level::Strong,
        evidence,
        detail: format!(
            "{} template sentence(s) of scanners or sprayed report templates",
            matched.len()
        ),
        policy_ref: None,
        confidence: 0.85,
    });
}
