//! Checks against the real source tree: names, paths, line numbers, quoted code, PoCs and
//! stack frames (signals 1–3).

use crate::extract::{BlockKind, Facts};
use crate::index::{idents, line_hash};
use crate::lexicon::LIBC;
use crate::text::Doc;
use crate::{Context, Evidence, Field, Finding, Level, Signal};
use std::collections::HashSet;

fn versions(ctx: &Context<'_>) -> String {
    ctx.sources
        .iter()
        .map(|s| s.label())
        .collect::<Vec<_>>()
        .join(", ")
}

fn has_ident(ctx: &Context<'_>, name: &str) -> bool {
    ctx.sources.iter().any(|s| s.has_identifier(name))
}

fn project_defines(ctx: &Context<'_>, name: &str) -> bool {
    !LIBC.contains(&name) && ctx.sources.iter().any(|s| s.defines(name))
}

fn prefixed(ctx: &Context<'_>, name: &str) -> bool {
    ctx.sources.iter().any(|s| {
        s.prefixes().iter().any(|p| {
            name.len() > p.len() + 1
                && name.starts_with(p.as_str())
                && name.as_bytes()[p.len()] == b'_'
        })
    })
}

fn ev(doc: &Doc<'_>, field: Field, start: usize, end: usize) -> Evidence {
    match field {
        Field::Text => doc.evidence(start, end),
        Field::Title => doc.title_evidence(start, end),
    }
}

/// Signal 1: names and paths the report attributes to the project that do not exist.
pub(super) fn code_references(
    doc: &Doc<'_>,
    facts: &Facts,
    ctx: &Context<'_>,
    out: &mut Vec<Finding>,
) {
    let mut done = HashSet::new();
    // The reporter's own code: programs, tool output, shell, and fragments that define a
    // function the project does not have (an exploit server, a helper).
    let own_blocks: Vec<(usize, usize)> = facts
        .blocks
        .iter()
        .filter(|b| {
            matches!(
                b.kind,
                BlockKind::Program | BlockKind::Output | BlockKind::Shell
            ) || b.lines.iter().any(|&(s, e)| {
                let l = &doc.text[s..e];
                crate::index::definition_in(l).is_some_and(|n| {
                    l.contains('(')
                        && !l.trim_end().ends_with(';')
                        && !project_defines(ctx, n)
                        && !LIBC.contains(&n)
                })
            })
        })
        .map(|b| (b.start, b.end))
        .collect();
    let own_code_block = |pos: usize| own_blocks.iter().any(|&(s, e)| pos >= s && pos < e);
    let mut lookups = 0usize;
    // A version the report names that no index covers: names may be real there, so missing
    // names are only shown, not counted (index that version to count them).
    let unindexed: Vec<&str> = facts
        .versions
        .iter()
        .map(String::as_str)
        .filter(|v| !ctx.sources.iter().any(|s| s.label().contains(v)))
        .collect();
    let skew = if unindexed.is_empty() {
        String::new()
    } else {
        format!(
            " (the report names {}, which is not indexed: the name may exist there)",
            unindexed.join(", ")
        )
    };
    for m in &facts.idents {
        if facts.own_defs.contains(&m.name)
            || LIBC.contains(&m.name.as_str())
            || done.contains(&m.name)
        {
            continue;
        }
        let is_prefixed = prefixed(ctx, &m.name);
        // Identifiers in the reporter's own programs and tool output are theirs, unless they
        // carry the project's namespace prefix.
        if m.in_code && m.field == Field::Text && own_code_block(m.start) && !is_prefixed {
            continue;
        }
        if !(is_prefixed || m.marked || !m.in_code && m.name.contains('_')) {
            continue;
        }
        done.insert(m.name.clone());
        if has_ident(ctx, &m.name) {
            continue;
        }
        // Nearest-name look-ups cost most; a report with dozens of unknown names gets hints
        // for the first few.
        lookups += 1;
        let nearest = ctx
            .sources
            .iter()
            .filter(|_| lookups <= 5)
            .filter_map(|s| {
                s.nearest_identifier(&m.name)
                    .map(|(n, d)| (n, d, s.identifier_file(n)))
            })
            .min_by_key(|x| x.1);
        let hint = match nearest {
            Some((n, _, Some(f))) => format!("; nearest real name: `{n}` ({f})"),
            Some((n, _, None)) => format!("; nearest real name: `{n}`"),
            None => String::new(),
        };
        out.push(Finding {
            signal: Signal::UnknownSymbol,
            level: if (is_prefixed || m.marked) && unindexed.is_empty() {
                Level::Weak
            } else {
                Level::Info
            },
            evidence: vec![ev(doc, m.field, m.start, m.end)],
            detail: format!(
                "`{}` is in none of the indexed sources ({}){hint}{skew}",
                m.name,
                versions(ctx)
            ),
            policy_ref: None,
            confidence: if is_prefixed { 0.8 } else { 0.6 },
        });
    }
    let mut done = HashSet::new();
    for p in &facts.paths {
        if p.own_file_context
            || p.in_code && own_code_block(p.start)
            || !done.insert(p.path.clone())
        {
            continue;
        }
        let judged: Vec<_> = ctx
            .sources
            .iter()
            .filter(|s| s.can_judge_path(&p.path))
            .collect();
        if judged.is_empty() {
            continue;
        }
        let found: Vec<_> = judged
            .iter()
            .filter_map(|s| s.find_path(&p.path).map(|f| (s, f)))
            .collect();
        if found.is_empty() {
            let bare = !p.path.contains('/');
            let near = judged.iter().find_map(|s| s.nearest_path(&p.path));
            out.push(Finding {
                signal: Signal::UnknownPath,
                level: if bare { Level::Info } else { Level::Weak },
                evidence: vec![ev(doc, p.field, p.start, p.end)],
                detail: format!(
                    "`{}` is in none of the indexed sources ({}){}",
                    p.path,
                    versions(ctx),
                    near.map(|n| format!("; nearest: {n}")).unwrap_or_default()
                ),
                policy_ref: None,
                confidence: if bare { 0.4 } else { 0.7 },
            });
            continue;
        }
        if let Some(line) = p.line {
            let counts: Vec<(String, usize)> = found
                .iter()
                .filter_map(|(s, f)| {
                    s.line_count(f)
                        .map(|n| (format!("{} in {}", f, s.label()), n))
                })
                .collect();
            if !counts.is_empty() && counts.iter().all(|(_, n)| (line as usize) > *n) {
                let list = counts
                    .iter()
                    .map(|(f, n)| format!("{f} has {n} lines"))
                    .collect::<Vec<_>>()
                    .join("; ");
                out.push(Finding {
                    signal: Signal::LineOutOfRange,
                    level: Level::Weak,
                    evidence: vec![ev(doc, p.field, p.start, p.end)],
                    detail: format!("line {line} is past the end of the file: {list}"),
                    policy_ref: None,
                    confidence: 0.6,
                });
            }
        }
    }
}

/// Significant lines of a code range, with their hashes.
fn significant(doc: &Doc<'_>, lines: &[(usize, usize)]) -> Vec<(usize, u64)> {
    lines
        .iter()
        .enumerate()
        .filter_map(|(i, &(s, e))| {
            let line = &doc.text[s..e];
            if line.trim_start().starts_with("#include") {
                return None;
            }
            let h = line_hash(line);
            (h != 0).then_some((i, h))
        })
        .collect()
}

fn found_where(ctx: &Context<'_>, h: u64) -> Option<(String, u32)> {
    ctx.sources.iter().find_map(|s| {
        s.line_hit(h)
            .map(|hit| (s.file_path(hit.file).to_owned(), hit.line))
    })
}

/// Signal 2: quoted code that is not the project's, and quoted code with its own guard.
pub(super) fn quoted_code(doc: &Doc<'_>, facts: &Facts, ctx: &Context<'_>, out: &mut Vec<Finding>) {
    for b in &facts.blocks {
        if !matches!(b.kind, BlockKind::Program | BlockKind::Fragment) {
            continue;
        }
        // Split the block into the functions it defines; the rest is one fragment.
        let mut i = 0;
        let mut loose: Vec<(usize, usize)> = Vec::new();
        while i < b.lines.len() {
            let (s, e) = b.lines[i];
            let line = &doc.text[s..e];
            let def = crate::index::definition_in(line).filter(|n| {
                line.contains('(') && !line.trim_end().ends_with(';') && project_defines(ctx, n)
            });
            let Some(name) = def else {
                loose.push((s, e));
                i += 1;
                continue;
            };
            // The function's lines, until its braces balance.
            let mut depth = 0i32;
            let mut opened = false;
            let mut j = i;
            while j < b.lines.len() {
                let l = &doc.text[b.lines[j].0..b.lines[j].1];
                depth += l.matches('{').count() as i32 - l.matches('}').count() as i32;
                opened |= l.contains('{');
                j += 1;
                if opened && depth <= 0 {
                    break;
                }
            }
            let body = &b.lines[i..j];
            let sig = significant(doc, body);
            let hits: Vec<_> = sig
                .iter()
                .filter_map(|&(k, h)| found_where(ctx, h).map(|w| (k, w)))
                .collect();
            let real_file = ctx
                .sources
                .iter()
                .find_map(|s| s.identifier_file(name))
                .unwrap_or("?");
            let span = (body[0].0, body[body.len() - 1].1);
            if sig.len() >= 3 && hits.len() * 3 < sig.len() {
                out.push(Finding {
                    signal: Signal::QuotedCodeMismatch,
                    level: if b.kind == BlockKind::Program { Level::Strong } else { Level::Weak },
                    evidence: vec![doc.evidence(span.0, span.1)],
                    detail: format!(
                        "the report's `{name}` is not the project's: {} of {} lines are in the real source (the real `{name}` is in {real_file})",
                        hits.len(),
                        sig.len()
                    ),
                    policy_ref: None,
                    confidence: 0.8,
                });
            } else if sig.len() >= 2 && hits.len() * 5 >= sig.len() * 3 {
                let (file, line) = &hits[0].1;
                out.push(Finding {
                    signal: Signal::QuotedCodeFound,
                    level: Level::Info,
                    evidence: vec![doc.evidence(span.0, span.1)],
                    detail: format!("`{name}` as quoted matches the real source ({file}:{line}; {} of {} lines)", hits.len(), sig.len()),
                    policy_ref: None,
                    confidence: 0.9,
                });
            }
            guard(doc, body, out);
            i = j;
        }
        if b.kind == BlockKind::Fragment {
            let sig = significant(doc, &loose);
            let hits: Vec<_> = sig
                .iter()
                .filter_map(|&(k, h)| found_where(ctx, h).map(|w| (k, w)))
                .collect();
            if sig.len() >= 3 && hits.len() * 2 >= sig.len() {
                let (file, line) = &hits[0].1;
                out.push(Finding {
                    signal: Signal::QuotedCodeFound,
                    level: Level::Info,
                    evidence: vec![doc.evidence(b.start, b.end)],
                    detail: format!(
                        "quoted code matches the real source ({file}:{line}; {} of {} lines)",
                        hits.len(),
                        sig.len()
                    ),
                    policy_ref: None,
                    confidence: 0.9,
                });
            }
            guard(doc, &loose, out);
        }
    }
}

/// A copy into a buffer preceded, a few lines up, by a length check on the same data.
fn guard(doc: &Doc<'_>, lines: &[(usize, usize)], out: &mut Vec<Finding>) {
    const COPIES: &[&str] = &[
        "strcpy(", "memcpy(", "strcat(", "sprintf(", "memmove(", "strncpy(",
    ];
    for (k, &(s, e)) in lines.iter().enumerate() {
        let l = &doc.text[s..e];
        let Some(copy) = COPIES.iter().find(|c| l.contains(**c)) else {
            continue;
        };
        let args: Vec<&str> = l
            .split_once(copy)
            .map(|(_, r)| {
                r.split(')')
                    .next()
                    .unwrap_or("")
                    .split(',')
                    .map(str::trim)
                    .collect()
            })
            .unwrap_or_default();
        for back in 1..=6.min(k) {
            let (gs, ge) = lines[k - back];
            let g = &doc.text[gs..ge];
            let gt = g.trim_start();
            let is_check = (gt.starts_with("if")
                || gt.contains("&&")
                || gt.starts_with("assert")
                || gt.contains("DEBUGASSERT"))
                && (g.contains('<') || g.contains('>'))
                && (g.contains("strlen")
                    || g.contains("sizeof")
                    || g.contains("len")
                    || g.contains("size"));
            let mentions = args
                .iter()
                .any(|a| idents(a).any(|t| t.len() >= 2 && idents(g).any(|u| u == t)));
            if is_check && mentions {
                out.push(Finding {
                    signal: Signal::SelfGuardedCode,
                    level: Level::Weak,
                    evidence: vec![doc.evidence(gs + (g.len() - gt.len()), ge), doc.line_evidence(doc.line_of(s))],
                    detail: format!(
                        "the quoted code checks the length before `{}`: check whether the guard holds before treating it as an overflow",
                        copy.trim_end_matches('(')
                    ),
                    policy_ref: None,
                    confidence: 0.7,
                });
                return;
            }
        }
    }
}

/// Signal 3b: sanitizer or debugger frames only in the reporter's own code.
pub(super) fn frames(doc: &Doc<'_>, facts: &Facts, ctx: &Context<'_>, out: &mut Vec<Finding>) {
    if facts.frames.is_empty() {
        return;
    }
    let in_project = facts.frames.iter().any(|f| {
        f.file.as_deref().is_some_and(|p| {
            ctx.sources
                .iter()
                .any(|s| s.find_path(p).is_some() && p.contains('/') || s.find_path(p).is_some())
        }) || !facts.own_defs.contains(&f.function) && project_defines(ctx, &f.function)
    });
    if in_project {
        return;
    }
    let first = &facts.frames[0];
    let last = &facts.frames[facts.frames.len() - 1];
    out.push(Finding {
        signal: Signal::FramesOutsideProject,
        level: Level::Strong,
        evidence: vec![doc.evidence(first.start, last.end)],
        detail: format!(
            "none of the {} stack frames is in the project's source ({}): they are in the reporter's own code or the C library",
            facts.frames.len(),
            facts.frames.iter().map(|f| f.function.as_str()).collect::<Vec<_>>().join(", ")
        ),
        policy_ref: None,
        confidence: 0.8,
    });
}
