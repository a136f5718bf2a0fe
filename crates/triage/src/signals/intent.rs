//! What the report asks for and claims: payment, targets, templates, severity, AI use
//! (signals 7, 10, 11).

use crate::extract::{BlockKind, Facts};
use crate::lexicon::{
    ASKING, ASSISTANT_HINT, ASSISTANT_TELL, CRASH_CLAIM, CVSS, DECLARED_AI, FAKE_OUTPUT, FILLER,
    HEDGE, LEAK_ONLY, PAYMENT, PLACEHOLDER, SEVERE_CLAIM, UNSAFE_CALL, WEBSITE,
};
use crate::text::Doc;
use crate::{Context, Evidence, Field, Finding, Level, Signal};

/// Sentences of the prose and the title: (field, start, end).
fn sentences(doc: &Doc<'_>) -> Vec<(Field, usize, usize)> {
    let mut out = vec![(Field::Title, 0, doc.title.len())];
    for (s, e) in doc.prose_lines() {
        let line = &doc.text[s..e];
        let mut start = 0;
        for (i, c) in line.char_indices() {
            if matches!(c, '.' | '!' | '?') {
                let next = line[i + c.len_utf8()..].chars().next();
                if next.is_none_or(char::is_whitespace) {
                    out.push((Field::Text, s + start, s + i + c.len_utf8()));
                    start = i + c.len_utf8();
                }
            }
        }
        if start < line.len() {
            out.push((Field::Text, s + start, e));
        }
    }
    out
}

fn get<'d>(doc: &'d Doc<'_>, f: Field, s: usize, e: usize) -> &'d str {
    match f {
        Field::Title => &doc.title[s..e],
        Field::Text => &doc.text[s..e],
    }
}

fn ev(doc: &Doc<'_>, f: Field, s: usize, e: usize) -> Evidence {
    match f {
        Field::Title => doc.title_evidence(s, e),
        Field::Text => doc.evidence(s, e),
    }
}

/// Signal 7: payment before details, the project never named, a website as the target.
pub(super) fn payment(doc: &Doc<'_>, facts: &Facts, ctx: &Context<'_>, out: &mut Vec<Finding>) {
    let low_tech = facts.technical <= 3 && facts.blocks.is_empty();
    let sents = sentences(doc);
    let mut asks = Vec::new();
    for &(f, s, e) in &sents {
        let t = get(doc, f, s, e);
        if PAYMENT.is_match(t) && ASKING.is_match(t) {
            asks.push(ev(doc, f, s, e));
        }
    }
    if !asks.is_empty() {
        out.push(Finding {
            signal: Signal::PaymentRequest,
            level: if low_tech { Level::Strong } else { Level::Weak },
            detail: if low_tech {
                "asks about a reward while giving no technical detail (no code, path, version or steps)".into()
            } else {
                "asks about a reward; the report does carry technical detail".into()
            },
            evidence: asks.into_iter().take(3).collect(),
            policy_ref: ctx.policy.bounty.is_none().then(|| "bounty: none (the project pays no bounty)".to_owned()),
            confidence: 0.85,
        });
    }
    if facts.technical == 0 && facts.prose_words < 400 {
        out.push(Finding {
            signal: Signal::NoTechnicalContent,
            level: Level::Weak,
            evidence: Vec::new(),
            detail:
                "no code, file, function, version, steps or output: nothing a maintainer can check"
                    .into(),
            policy_ref: None,
            confidence: 0.8,
        });
    }
    if let Some(name) = ctx.project_name
        && !super::names_project(doc, name)
    {
        out.push(Finding {
            signal: Signal::ProjectNotNamed,
            level: if low_tech { Level::Weak } else { Level::Info },
            evidence: Vec::new(),
            detail: format!(
                "the report never names the project ({name}), its repository or its product"
            ),
            policy_ref: None,
            confidence: 0.7,
        });
    }
    let mut hits = Vec::new();
    let mut in_title = false;
    for &(f, s, e) in &sents {
        for m in WEBSITE.find_iter(get(doc, f, s, e)) {
            in_title |= f == Field::Title;
            hits.push(ev(doc, f, s + m.start(), s + m.end()));
        }
    }
    if !hits.is_empty() {
        // A report with code, paths and steps is about software, whatever it calls the
        // target: "your web application" is the project for a web project.
        let strong = (in_title || hits.len() >= 2) && low_tech;
        out.push(Finding {
            signal: Signal::WebsiteTarget,
            level: if strong { Level::Strong } else { Level::Weak },
            evidence: hits.into_iter().take(3).collect(),
            detail:
                "the target is a website, domain or hosting account, not the project's software"
                    .into(),
            policy_ref: None,
            confidence: 0.7,
        });
    }
}

/// Report-template placeholders left in place, or template text kept in brackets.
pub(super) fn placeholders(doc: &Doc<'_>, out: &mut Vec<Finding>) {
    let mut evidence: Vec<Evidence> = PLACEHOLDER
        .find_iter(doc.text)
        .map(|m| doc.evidence(m.start(), m.end()))
        .collect();
    let known = !evidence.is_empty();
    let mut bracketed = 0;
    for (i, &(s, e)) in doc.lines.iter().enumerate() {
        let t = doc.text[s..e].trim();
        if doc.in_code[i] || t == "[...]" || !(t.starts_with('[') && t.ends_with(']')) {
            continue;
        }
        if t.contains("](") || t.split_whitespace().count() < 3 {
            continue;
        }
        if evidence.iter().all(|x| x.start < s || x.start >= e) {
            bracketed += 1;
            evidence.push(doc.line_evidence(i));
        }
    }
    if !known && bracketed < 2 {
        return;
    }
    out.push(Finding {
        signal: Signal::TemplatePlaceholder,
        level: Level::Weak,
        detail: "the report template's placeholder text is still in place (or the answers are left in the template's brackets)".into(),
        evidence: evidence.into_iter().take(3).collect(),
        policy_ref: None,
        confidence: 0.8,
    });
}

/// Signal 10: claimed severity beyond the evidence.
pub(super) fn severity(doc: &Doc<'_>, facts: &Facts, out: &mut Vec<Finding>) {
    let has_poc = facts
        .blocks
        .iter()
        .any(|b| matches!(b.kind, BlockKind::Program | BlockKind::Shell));
    if let Some(m) = SEVERE_CLAIM
        .find(doc.title)
        .map(|m| (Field::Title, m))
        .or_else(|| {
            doc.prose_lines()
                .find_map(|(s, e)| {
                    SEVERE_CLAIM
                        .find(&doc.text[s..e])
                        .map(|m| (Field::Text, s, m))
                })
                .map(|(f, _, m)| (f, m))
        })
    {
        let (field, m) = m;
        let (start, end) = match field {
            Field::Title => (m.start(), m.end()),
            Field::Text => {
                // Re-find with absolute offsets.
                let abs = doc.prose_lines().find_map(|(s, e)| {
                    SEVERE_CLAIM
                        .find(&doc.text[s..e])
                        .map(|x| (s + x.start(), s + x.end()))
                });
                abs.unwrap_or((0, 0))
            }
        };
        if !facts.has_crash_evidence && !has_poc {
            // Claimed severity is the reporter's opinion: a note, never a reason.
            out.push(Finding {
                signal: Signal::SeverityInflation,
                level: Level::Info,
                evidence: vec![ev(doc, field, start, end)],
                detail: "claims top severity without a crash, sanitizer output or a runnable proof of concept".into(),
                policy_ref: None,
                confidence: 0.6,
            });
        }
    }
    if let Some(m) = CRASH_CLAIM.find(doc.title)
        && LEAK_ONLY.is_match(doc.text)
        && !doc.lower.contains("overflow")
        && !doc.lower.contains("use-after-free")
        && !doc.lower.contains("segv on unknown address")
    {
        out.push(Finding {
            signal: Signal::SeverityInflation,
            level: Level::Weak,
            evidence: vec![doc.title_evidence(m.start(), m.end())],
            detail: format!(
                "the title claims `{}` but the sanitizer output shows only a memory leak",
                m.as_str()
            ),
            policy_ref: None,
            confidence: 0.7,
        });
    }
    for c in CVSS.captures_iter(doc.text) {
        let (Some(av), Some(all)) = (c.get(1), c.get(0)) else {
            continue;
        };
        if !av.as_str().eq_ignore_ascii_case("n") || !has_poc {
            continue;
        }
        let pocs_local = facts
            .blocks
            .iter()
            .filter(|b| matches!(b.kind, BlockKind::Program | BlockKind::Shell))
            .all(|b| {
                let body = &doc.lower[b.start..b.end];
                ![
                    "http", "socket", "connect", "://", "listen", "server", "recv", "send(",
                ]
                .iter()
                .any(|w| body.contains(w))
            });
        if pocs_local {
            out.push(Finding {
                signal: Signal::SeverityInflation,
                level: Level::Weak,
                evidence: vec![doc.evidence(all.start(), all.end())],
                detail: "the vector claims a network attack (AV:N) but the proof of concept is local only".into(),
                policy_ref: None,
                confidence: 0.6,
            });
        }
        break;
    }
}

/// Signal 11: declared AI use (never a penalty), the policy's GenAI rules, and filler.
pub(super) fn ai(doc: &Doc<'_>, facts: &Facts, ctx: &Context<'_>, out: &mut Vec<Finding>) {
    if let Some((s, e)) = facts.declared_ai {
        out.push(Finding {
            signal: Signal::DeclaredAi,
            level: Level::Info,
            evidence: vec![doc.evidence(s, e)],
            detail: "the reporter declares AI use: not a penalty; check the named code, quoted code and proof of concept first".into(),
            policy_ref: None,
            confidence: 0.9,
        });
        if let Some(g) = &ctx.policy.genai_policy {
            out.push(Finding {
                signal: Signal::GenaiPolicy,
                level: Level::Info,
                evidence: vec![doc.evidence(s, e)],
                detail: format!("the project's GenAI policy: {g}"),
                policy_ref: Some("genai_policy".into()),
                confidence: 0.9,
            });
        }
    } else if let Some(m) = DECLARED_AI.find(doc.title) {
        out.push(Finding {
            signal: Signal::DeclaredAi,
            level: Level::Info,
            evidence: vec![doc.title_evidence(m.start(), m.end())],
            detail: "the reporter declares AI use: not a penalty; check the grounded signals first"
                .into(),
            policy_ref: None,
            confidence: 0.9,
        });
    }
    let tells: Vec<_> = ASSISTANT_TELL.find_iter(doc.text).collect();
    let hints: Vec<_> = ASSISTANT_HINT.find_iter(doc.text).collect();
    if tells.is_empty() && !hints.is_empty() {
        out.push(Finding {
            signal: Signal::PastedAssistantAnswer,
            level: Level::Info,
            evidence: hints
                .iter()
                .take(3)
                .map(|m| doc.evidence(m.start(), m.end()))
                .collect(),
            detail: "a phrase chatbots write, and people too: a note only".into(),
            policy_ref: None,
            confidence: 0.4,
        });
    }
    if !tells.is_empty() {
        out.push(Finding {
            signal: Signal::PastedAssistantAnswer,
            level: Level::Strong,
            evidence: tells.iter().take(3).map(|m| doc.evidence(m.start(), m.end())).collect(),
            detail: "advice addressed to the reporter (\"consider reporting this to the maintainers\"): a chatbot's answer pasted as the report, unreviewed".into(),
            policy_ref: None,
            confidence: 0.8,
        });
    }
    let filler: Vec<_> = FILLER.find_iter(doc.text).collect();
    if filler.len() >= 3 {
        out.push(Finding {
            signal: Signal::Boilerplate,
            level: Level::Info,
            evidence: filler
                .iter()
                .take(3)
                .map(|m| doc.evidence(m.start(), m.end()))
                .collect(),
            detail: format!(
                "{} stock phrases of machine-written filler; only a hint for ordering the checks",
                filler.len()
            ),
            policy_ref: None,
            confidence: 0.4,
        });
    }
}

/// Claims resting on the mere use of an unsafe C call, hedged, with no crash and no runnable
/// proof; and tool output with placeholder addresses.
pub(super) fn unproven(doc: &Doc<'_>, facts: &Facts, out: &mut Vec<Finding>) {
    let has_poc = facts
        .blocks
        .iter()
        .any(|b| matches!(b.kind, BlockKind::Program | BlockKind::Shell));
    let unsafe_calls: Vec<_> = UNSAFE_CALL.find_iter(doc.text).collect();
    let hedges = HEDGE.find_iter(doc.text).count();
    if !unsafe_calls.is_empty() && hedges >= 2 && !facts.has_crash_evidence && !has_poc {
        out.push(Finding {
            signal: Signal::UnprovenClaim,
            level: Level::Weak,
            evidence: unsafe_calls.iter().take(2).map(|m| doc.evidence(m.start(), m.end())).collect(),
            detail: format!(
                "the claim rests on the use of {} with {hedges} hedges (potential, could, may) and no crash or runnable proof",
                unsafe_calls[0].as_str().trim_end_matches(['(', ' '])
            ),
            policy_ref: None,
            confidence: 0.8,
        });
    }
    let fakes: Vec<_> = FAKE_OUTPUT.find_iter(doc.text).collect();
    if !fakes.is_empty() {
        out.push(Finding {
            signal: Signal::UnprovenClaim,
            level: Level::Strong,
            evidence: fakes
                .iter()
                .take(3)
                .map(|m| doc.evidence(m.start(), m.end()))
                .collect(),
            detail:
                "the tool output has placeholder addresses: it was written, not captured from a run"
                    .into(),
            policy_ref: None,
            confidence: 0.7,
        });
    }
}
