//! Checks against the real source tree: names, paths, line numbers, quoted code, PoCs and
//! stack frames (signals 1–3).

use crate::extract::{BlockKind, Facts};
use crate::index::{idents, line_hash};
use crate::lexicon::LIBC;
use crate::text::Doc;
use crate::{Context, Evidence, Field, Finding, Level, Revision, Signal, SourceIndex};
use std::collections::HashSet;

/// Most "changed since" and "fixed on the default branch?" notes per report.
const MAX_NOTES: usize = 5;

/// The indexes by revision, when the caller said which is which.
pub(super) struct Revs<'a> {
    pub default: Option<&'a SourceIndex>,
    /// The releases and commits the report names.
    pub named: Vec<&'a SourceIndex>,
}

impl<'a> Revs<'a> {
    pub fn of(ctx: &Context<'a>) -> Self {
        Revs {
            default: ctx
                .sources
                .iter()
                .find(|s| *s.revision() == Revision::DefaultBranch),
            named: ctx
                .sources
                .iter()
                .filter(|s| matches!(s.revision(), Revision::Named(_)))
                .collect(),
        }
    }

    /// Both the named release and the default branch are indexed: an absence at both is a
    /// strong finding, a presence at the release only means "changed since".
    fn both(&self) -> bool {
        self.default.is_some() && !self.named.is_empty()
    }

    fn named_labels(&self) -> String {
        self.named
            .iter()
            .map(|s| s.label())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// Whether an index covers a revision the report names: its [`Revision::Named`] is that
/// version or commit, or (for indexes given without a revision) its label names it.
fn covers(s: &SourceIndex, r: &crate::NamedRevision) -> bool {
    match s.revision() {
        Revision::Named(n) => {
            n == &r.name
                || r.commit && (n.starts_with(&r.name) || r.name.starts_with(n.as_str()))
                || !r.commit
                    && crate::source::tag_version(n).is_some_and(|v| {
                        crate::source::tag_for_version(&r.name, [v.as_str()]).is_some()
                    })
        }
        _ => label_names(s.label(), &r.name),
    }
}

/// Whether a label names a version or commit as a whole (`curl 8.22.1` names `8.22.1`, not
/// `2.1`).
fn label_names(label: &str, name: &str) -> bool {
    label.match_indices(name).any(|(i, _)| {
        let before = label[..i].chars().next_back();
        let after = label[i + name.len()..].chars().next();
        let joined = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric() || c == '.');
        !joined(before) && !joined(after)
    })
}

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
    // "Changed since" notes shown per report (confirmations; the first few say enough).
    let mut notes = 0usize;
    // A version the report names that no index covers: names may be real there, so missing
    // names are only shown, not counted (index that version to count them). Versions of other
    // products (`OpenSSL/3.0.13`) do not count.
    let revs = Revs::of(ctx);
    let revision_aware = ctx
        .sources
        .iter()
        .any(|s| *s.revision() != Revision::Unspecified);
    let unindexed: Vec<&str> = facts
        .revisions
        .iter()
        .filter(|r| r.is_project(ctx.project_name))
        // A commit is looked up only in a git source (whose indexes say their revision).
        .filter(|r| !r.commit || revision_aware)
        .filter(|r| !ctx.sources.iter().any(|s| covers(s, r)))
        .map(|r| r.name.as_str())
        .collect();
    let skew = if unindexed.is_empty() {
        String::new()
    } else if revs.default.is_some() {
        format!(
            " (the report names {}, for which no tag or commit was found: checked at the default branch only; the name may exist there)",
            unindexed.join(", ")
        )
    } else {
        format!(
            " (the report names {}, which is not indexed: the name may exist there)",
            unindexed.join(", ")
        )
    };
    // Absent at the named release and at the default branch: strong.
    let both = revs.both() && unindexed.is_empty();
    let checked = |what: &str| -> String {
        match (both, revs.default) {
            (true, Some(d)) => format!(
                "`{what}` is neither in {} (the version the report names) nor on the default branch ({})",
                revs.named_labels(),
                d.label()
            ),
            _ => format!(
                "`{what}` is in none of the indexed sources ({})",
                versions(ctx)
            ),
        }
    };
    // A name written as code anywhere in the report counts as marked at its first mention.
    let marked_names: HashSet<&str> = facts
        .idents
        .iter()
        .filter(|m| m.marked)
        .map(|m| m.name.as_str())
        .collect();
    for m in &facts.idents {
        let marked = m.marked || marked_names.contains(m.name.as_str());
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
        if !(is_prefixed || marked || !m.in_code && m.name.contains('_')) {
            continue;
        }
        done.insert(m.name.clone());
        // A family written as its prefix (`CURLPROXY_`) is not one name.
        if m.name.ends_with('_') {
            continue;
        }
        if has_ident(ctx, &m.name) {
            if notes >= MAX_NOTES {
                continue;
            }
            notes += 1;
            let before = out.len();
            changed_since(
                doc,
                ctx,
                &revs,
                m.field,
                m.start,
                m.end,
                &m.name,
                out,
                |s| s.identifier_line(&m.name).map(|(f, l)| format!("{f}:{l}")),
            );
            // Confirmed: a function, type or macro the project defines (not a local
            // variable or a word that happens to be in its code).
            if out.len() == before && (project_defines(ctx, &m.name) || is_prefixed) {
                symbol_found(doc, ctx, m.field, m.start, m.end, &m.name, out);
            }
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
        // Shorthand for a real name (`do_SOCKS` for `do_SOCKS4`/`do_SOCKS5`): people write
        // that, and it is not an invention.
        let shorthand = nearest
            .is_some_and(|(n, _, _)| n.starts_with(m.name.as_str()) && n.len() <= m.name.len() + 2);
        out.push(Finding {
            signal: Signal::UnknownSymbol,
            level: if shorthand {
                Level::Info
            } else if (is_prefixed || marked) && unindexed.is_empty() {
                if both { Level::Strong } else { Level::Weak }
            } else {
                Level::Info
            },
            evidence: vec![ev(doc, m.field, m.start, m.end)],
            detail: format!(
                "{}{hint}{}{skew}",
                checked(&m.name),
                if shorthand {
                    " (probably written as shorthand for it)"
                } else {
                    ""
                }
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
        if !found.is_empty() && p.path.contains('/') {
            changed_since(
                doc,
                ctx,
                &revs,
                p.field,
                p.start,
                p.end,
                &p.path,
                out,
                |s| s.find_path(&p.path).map(str::to_owned),
            );
        }
        if found.is_empty() {
            let bare = !p.path.contains('/');
            let near = judged.iter().find_map(|s| s.nearest_path(&p.path));
            let both_judged = both
                && revs.default.is_some_and(|d| d.can_judge_path(&p.path))
                && revs.named.iter().any(|s| s.can_judge_path(&p.path));
            out.push(Finding {
                signal: Signal::UnknownPath,
                level: match (bare, both_judged) {
                    (true, _) => Level::Info,
                    (false, true) => Level::Strong,
                    (false, false) => Level::Weak,
                },
                evidence: vec![ev(doc, p.field, p.start, p.end)],
                detail: format!(
                    "{}{}",
                    if both_judged {
                        checked(&p.path)
                    } else {
                        format!(
                            "`{}` is in none of the indexed sources ({})",
                            p.path,
                            versions(ctx)
                        )
                    },
                    near.map(|n| format!("; nearest: {n}")).unwrap_or_default()
                ),
                policy_ref: None,
                // Strong but below the label alone: a path may be the reporter's own tree.
                confidence: match (bare, both_judged) {
                    (true, _) => 0.4,
                    (false, true) => 0.6,
                    (false, false) => 0.7,
                },
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

/// A name the report attributes to the project that is in its source: a confirmation, with
/// where it is at each revision looked at (info; it never changes the label).
fn symbol_found(
    doc: &Doc<'_>,
    ctx: &Context<'_>,
    field: Field,
    start: usize,
    end: usize,
    name: &str,
    out: &mut Vec<Finding>,
) {
    let places: Vec<String> = ctx
        .sources
        .iter()
        .filter_map(|s| {
            s.identifier_line(name)
                .map(|(f, l)| format!("{} ({f}:{l})", s.label()))
        })
        .collect();
    if places.is_empty() {
        return;
    }
    out.push(Finding {
        signal: Signal::SymbolFound,
        level: Level::Info,
        evidence: vec![ev(doc, field, start, end)],
        detail: format!("`{name}` exists in {}", places.join(" and in ")),
        policy_ref: None,
        confidence: 0.9,
    });
}

/// A name or path found at a release the report names but not on the default branch: a
/// confirmation that the report is about that release, and a note that it changed since.
#[allow(clippy::too_many_arguments)]
fn changed_since(
    doc: &Doc<'_>,
    ctx: &Context<'_>,
    revs: &Revs<'_>,
    field: Field,
    start: usize,
    end: usize,
    what: &str,
    out: &mut Vec<Finding>,
    locate: impl Fn(&SourceIndex) -> Option<String>,
) {
    let Some(default) = revs.default else { return };
    if locate(default).is_some() {
        return;
    }
    let Some((at, place)) = revs
        .named
        .iter()
        .find_map(|s| locate(s).map(|place| (s, place)))
    else {
        return;
    };
    let _ = ctx;
    out.push(Finding {
        signal: Signal::ChangedSince,
        level: Level::Info,
        evidence: vec![ev(doc, field, start, end)],
        detail: format!(
            "`{what}` exists in {} ({place}), the version the report names; it is not on the default branch ({}): renamed or removed since",
            at.label(),
            default.label()
        ),
        policy_ref: None,
        confidence: 0.9,
    });
}

/// Quoted code that is in the release the report names but changed on the default branch:
/// perhaps fixed already (PSRT asks reporters to check the default branch).
fn fixed_since(
    doc: &Doc<'_>,
    revs: &Revs<'_>,
    lines: &[(usize, usize)],
    sig: &[(usize, u64)],
    span: (usize, usize),
    out: &mut Vec<Finding>,
) {
    let Some(default) = revs.default else { return };
    if revs.named.is_empty()
        || sig.len() < 2
        || out
            .iter()
            .filter(|f| f.signal == Signal::FixedOnDefaultBranch)
            .count()
            >= 3
    {
        return;
    }
    let mut at_named = 0usize;
    let mut gone: Vec<(usize, String, u32)> = Vec::new();
    let mut named_at: Option<(&SourceIndex, String, u32)> = None;
    for &(k, h) in sig {
        let Some((s, hit)) = revs
            .named
            .iter()
            .find_map(|s| s.line_hit(h).map(|hit| (*s, hit)))
        else {
            continue;
        };
        at_named += 1;
        if named_at.is_none() {
            named_at = Some((s, s.file_path(hit.file).to_owned(), hit.line));
        }
        if default.line_hit(h).is_none() {
            gone.push((k, s.file_path(hit.file).to_owned(), hit.line));
        }
    }
    let Some((named, file, line)) = named_at else {
        return;
    };
    if at_named * 5 < sig.len() * 3 || gone.is_empty() {
        return;
    }
    // A changed statement says more than a renamed function's first line.
    let (k, gfile, gline) = gone
        .iter()
        .find(|(k, _, _)| {
            let (a, b) = lines[*k];
            let l = &doc.text[a..b];
            crate::index::definition_in(l).is_none() || l.trim_end().ends_with(';')
        })
        .unwrap_or(&gone[0]);
    let (ls, le) = lines[*k];
    let quoted = doc.text[ls..le].trim();
    out.push(Finding {
        signal: Signal::FixedOnDefaultBranch,
        level: Level::Info,
        evidence: vec![doc.line_evidence(doc.line_of(ls)), doc.evidence(span.0, span.1)],
        detail: format!(
            "the quoted code is in {} ({file}:{line}), the version the report names, but {} of its lines are not on the default branch ({}), e.g. `{quoted}` ({gfile}:{gline}): it changed since; check whether the default branch already fixes it",
            named.label(),
            gone.len(),
            default.label()
        ),
        policy_ref: None,
        confidence: 0.8,
    });
    let _ = le;
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

/// The indexes holding most of the quoted lines, by label.
fn found_in(ctx: &Context<'_>, sig: &[(usize, u64)]) -> String {
    let labels: Vec<&str> = ctx
        .sources
        .iter()
        .filter(|s| sig.iter().filter(|(_, h)| s.line_hit(*h).is_some()).count() * 2 >= sig.len())
        .map(|s| s.label())
        .collect();
    if labels.is_empty() {
        versions(ctx)
    } else {
        labels.join(", ")
    }
}

fn found_where(ctx: &Context<'_>, h: u64) -> Option<(String, u32)> {
    ctx.sources.iter().find_map(|s| {
        s.line_hit(h)
            .map(|hit| (s.file_path(hit.file).to_owned(), hit.line))
    })
}

/// Signal 2: quoted code that is not the project's, and quoted code with its own guard.
pub(super) fn quoted_code(doc: &Doc<'_>, facts: &Facts, ctx: &Context<'_>, out: &mut Vec<Finding>) {
    let revs = Revs::of(ctx);
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
                        "the report's `{name}` is not the project's: {} of {} lines are in the real source (the real `{name}` is in {real_file}; checked at {})",
                        hits.len(),
                        sig.len(),
                        versions(ctx)
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
                    detail: format!("`{name}` as quoted matches the real source ({file}:{line}; {} of {} lines; checked at {})", hits.len(), sig.len(), found_in(ctx, &sig)),
                    policy_ref: None,
                    confidence: 0.9,
                });
                let lines: Vec<(usize, usize)> = body.to_vec();
                fixed_since(doc, &revs, &lines, &sig, span, out);
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
                        "quoted code matches the real source ({file}:{line}; {} of {} lines; checked at {})",
                        hits.len(),
                        sig.len(),
                        found_in(ctx, &sig)
                    ),
                    policy_ref: None,
                    confidence: 0.9,
                });
                fixed_since(doc, &revs, &loose, &sig, (b.start, b.end), out);
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
#[cfg(test)]
mod tests {
    use super::label_names;

    #[test]
    fn a_label_names_a_version_as_a_whole() {
        assert!(label_names("curl 8.22.1", "8.22.1"));
        assert!(label_names("v1.0.0 (1.0.0) @ 3f2a", "1.0.0"));
        assert!(!label_names("curl 8.22.1", "2.1"));
        assert!(!label_names("curl 11.0.0", "1.0.0"));
        assert!(!label_names("curl 1.0.0a", "1.0.0"));
    }
}
