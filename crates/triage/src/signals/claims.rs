//! Claims about a real function checked against its body, where that is mechanical (the
//! issue's "slop beyond missing symbols"): the guard the report says is missing is there;
//! the buffer it calls fixed-size is allocated from the length; the function it says is
//! reachable from the network has no caller outside the tests. Precision first: each check
//! fires only when the sentence makes that claim about a function the project defines and
//! the body answers it without doubt; otherwise nothing.

use crate::extract::Facts;
use crate::index::idents;
use crate::text::Doc;
use crate::{Context, Field, Finding, FunctionBody, Level, Revision, Signal, SourceIndex};
use regex::Regex;
use std::sync::LazyLock;

/// Longest function body read.
const MAX_BODY: usize = 400;

fn re(p: &str) -> Regex {
    Regex::new(p).unwrap_or_else(|e| panic!("claim pattern {p}: {e}"))
}

static NO_GUARD: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)\b(?:no|without|missing|lacks?|lacking|absence of|absent)\s+(?:\w+\s+){0,3}?(?:bounds?|length|size|range)[- ]?(?:checks?|checking|validation|verification)\b|\b(?:does not|doesn't|do not|don't|never|fails? to|without)\s+(?:check|checking|validat\w*|verify\w*)\s+(?:\w+\s+){0,3}?(?:length|size|bounds?)\b",
    )
});

static FIXED_SIZE: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)\b(?:fixed[- ](?:size|sized|length)|statically[- ]sized|static[- ]sized?|stack[- ]allocated)\s+(?:\w+\s+){0,2}?buffer\b",
    )
});

static REMOTE: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)\b(?:remote(?:ly)?[- ](?:reachable|triggerable|exploitable|attackers?|triggered)|(?:reachable|triggered|exploitable|reached)\s+(?:remotely|over the network|from the network|by a remote)|network[- ]reachable|remote,? unauthenticated)\b",
    )
});

const COPIES: &[(&str, usize)] = &[
    ("memcpy(", 2),
    ("memmove(", 2),
    ("strncpy(", 2),
    ("strncat(", 2),
    ("strcpy(", 1),
    ("strcat(", 1),
];

/// The indexes to read a function from: the release the report names first, then the
/// default branch, then the others.
fn ordered<'a>(ctx: &Context<'a>) -> Vec<&'a SourceIndex> {
    let mut v: Vec<&SourceIndex> = ctx.sources.iter().collect();
    v.sort_by_key(|s| match s.revision() {
        Revision::Named(_) => 0,
        Revision::DefaultBranch => 1,
        _ => 2,
    });
    v
}

pub(super) fn check(doc: &Doc<'_>, facts: &Facts, ctx: &Context<'_>, out: &mut Vec<Finding>) {
    let mut lines: Vec<(Field, usize, usize)> = vec![(Field::Title, 0, doc.title.len())];
    lines.extend(doc.prose_lines().map(|(s, e)| (Field::Text, s, e)));
    let sources = ordered(ctx);
    let mut fired = 0;
    for (field, s, e) in lines {
        if fired >= 3 {
            break;
        }
        let text = match field {
            Field::Title => &doc.title[s..e],
            Field::Text => &doc.text[s..e],
        };
        let kind = if NO_GUARD.is_match(text) {
            Claim::NoGuard
        } else if FIXED_SIZE.is_match(text) {
            Claim::FixedSize
        } else if REMOTE.is_match(text) {
            Claim::Remote
        } else {
            continue;
        };
        // The function the sentence is about, and a variable it names, both marked as code.
        let named: Vec<&str> = facts
            .idents
            .iter()
            .filter(|m| m.field == field && m.start >= s && m.end <= e && m.marked)
            .map(|m| m.name.as_str())
            .collect();
        let mut funcs: Vec<(&str, &SourceIndex)> = Vec::new();
        for n in &named {
            if let Some(src) = sources.iter().find(|x| x.defines(n)) {
                funcs.push((n, src));
            }
        }
        // One function only: a sentence about several is not one claim.
        let [(func, src)] = funcs[..] else { continue };
        let Some(body) = src.function_body(func, MAX_BODY) else {
            continue;
        };
        if !crate::index::is_c_like(body.path) {
            continue;
        }
        let var = named
            .iter()
            .copied()
            .find(|n| *n != func && !src.defines(n));
        let evidence = match field {
            Field::Title => doc.title_evidence(s, e),
            Field::Text => doc.line_evidence(doc.line_of(s)),
        };
        let detail = match kind {
            Claim::NoGuard => guard_present(&body, var),
            Claim::FixedSize => allocated_from_length(&body),
            Claim::Remote => no_caller(src, func, &body, ctx),
        };
        if let Some(d) = detail {
            fired += 1;
            out.push(Finding {
                signal: Signal::ClaimContradicted,
                level: Level::Weak,
                evidence: vec![evidence],
                detail: format!("{d} (checked at {})", src.label()),
                policy_ref: None,
                confidence: 0.7,
            });
        }
    }
}

#[derive(Debug, Clone, Copy)]
enum Claim {
    NoGuard,
    FixedSize,
    Remote,
}

/// The arguments of a call starting at `open` (just after its `(`), split at top-level commas.
fn call_args(s: &str) -> Vec<&str> {
    let mut depth = 0i32;
    let mut start = 0;
    let mut out = Vec::new();
    for (i, c) in s.char_indices() {
        match c {
            '(' | '[' => depth += 1,
            ')' | ']' if depth == 0 => {
                out.push(s[start..i].trim());
                return out;
            }
            ')' | ']' => depth -= 1,
            ',' if depth == 0 => {
                out.push(s[start..i].trim());
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(s[start..].trim());
    out
}

/// Copies in a body: (line index, destination, length or source argument).
fn copies<'a>(body: &FunctionBody<'a>) -> Vec<(usize, &'a str, &'a str)> {
    let mut out = Vec::new();
    for (k, line) in body.lines.iter().enumerate() {
        for (name, arg) in COPIES {
            let Some(pos) = line.find(name) else { continue };
            // `xmemcpy(` is another function.
            if line[..pos]
                .chars()
                .next_back()
                .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
            {
                continue;
            }
            let args = call_args(&line[pos + name.len()..]);
            if let (Some(dst), Some(len)) = (args.first(), args.get(*arg)) {
                out.push((k, *dst, *len));
            }
            break;
        }
    }
    out
}

fn names_of(s: &str) -> Vec<&str> {
    idents(s)
        .filter(|t| t.len() >= 2 && *t != "sizeof" && *t != "strlen")
        .collect()
}

/// A comparison (`<`, `>`, `<=`, `>=`) between `var` and a named limit on one line.
fn compares(line: &str, var: &str) -> bool {
    for seg in line.split(['(', ')', '&', '|', ',', ';', '?', ':']) {
        let b = seg.as_bytes();
        for (i, &c) in b.iter().enumerate() {
            if c != b'<' && c != b'>' {
                continue;
            }
            let prev = if i > 0 { b[i - 1] } else { b' ' };
            let next = b.get(i + 1).copied().unwrap_or(b' ');
            // `->`, `<<`, `>>`, `<-`, templates are no comparisons.
            if prev == b'-' || prev == b'<' || prev == b'>' || next == b'<' || next == b'>' {
                continue;
            }
            let (lhs, rhs) = (&seg[..i], &seg[i + 1..].trim_start_matches('='));
            let has = |side: &str| idents(side).any(|t| t == var);
            let limit = |side: &str| {
                idents(side).any(|t| t != var && t.bytes().any(|x| x.is_ascii_alphabetic()))
            };
            if has(lhs) && limit(rhs) || has(rhs) && limit(lhs) {
                return true;
            }
        }
    }
    false
}

fn is_condition(line: &str) -> bool {
    let t = line.trim_start().trim_start_matches('}').trim_start();
    t.starts_with("if") && t[2..].trim_start().starts_with('(')
        || t.starts_with("else if")
        || t.starts_with("while")
        || t.contains("DEBUGASSERT(")
        || t.starts_with("assert(")
}

fn at(body: &FunctionBody<'_>, k: usize) -> String {
    format!(
        "{}:{} `{}`",
        body.path,
        body.first_line as usize + k,
        body.lines[k].trim()
    )
}

/// "No length check": the body compares the copy's length with a limit before the copy.
fn guard_present(body: &FunctionBody<'_>, var: Option<&str>) -> Option<String> {
    for (k, _dst, len) in copies(body) {
        let lens = names_of(len);
        let wanted: Vec<&str> = match var {
            Some(v) if lens.contains(&v) => vec![v],
            Some(_) => continue,
            None => lens,
        };
        for g in (1..k).rev() {
            let line = body.lines[g];
            if !is_condition(line) {
                continue;
            }
            if let Some(v) = wanted.iter().find(|v| compares(line, v)) {
                return Some(format!(
                    "the report says a length check is missing, but the function compares `{v}` with a limit before the copy: {}, then {}",
                    at(body, g),
                    at(body, k)
                ));
            }
        }
    }
    None
}

/// "A fixed-size buffer": the copy's destination is allocated from the copied length.
fn allocated_from_length(body: &FunctionBody<'_>) -> Option<String> {
    for (k, dst, len) in copies(body) {
        let dst = dst
            .trim_start_matches('&')
            .rsplit(')')
            .next()
            .unwrap_or(dst)
            .trim();
        if dst.is_empty()
            || !dst
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'>' | b'.'))
        {
            continue;
        }
        let lens = names_of(len);
        if lens.is_empty() {
            continue;
        }
        // An array of that name in the function: fixed-size after all.
        if body.lines.iter().any(|l| {
            l.contains(&format!("{dst}[")) && !l.contains('=') && l.trim_end().ends_with(';')
        }) {
            return None;
        }
        for g in (0..k).rev() {
            let line = body.lines[g];
            let Some((lhs, rhs)) = line.split_once('=') else {
                continue;
            };
            if rhs.starts_with('=') || lhs.ends_with(['!', '<', '>', '=']) {
                continue;
            }
            let lhs = lhs.trim().trim_start_matches('*');
            let ends = lhs.ends_with(dst)
                && lhs[..lhs.len() - dst.len()]
                    .chars()
                    .next_back()
                    .is_none_or(|c| c == ' ' || c == '*');
            if !ends {
                continue;
            }
            let Some(pos) = rhs.find("alloc(") else { break };
            let args = call_args(&rhs[pos + "alloc(".len()..]).join(",");
            if names_of(&args).iter().any(|a| lens.contains(a)) {
                return Some(format!(
                    "the report calls the buffer fixed-size, but `{dst}` is allocated from the length: {}, then {}",
                    at(body, g),
                    at(body, k)
                ));
            }
            break;
        }
    }
    None
}

/// "Reachable from the network": nothing outside the tests mentions the function.
fn no_caller(
    src: &SourceIndex,
    func: &str,
    body: &FunctionBody<'_>,
    ctx: &Context<'_>,
) -> Option<String> {
    if func == "main" || func.len() < 4 {
        return None;
    }
    // Public API (in a public header): the applications are its callers.
    if ctx.sources.iter().any(|s| s.is_public(func)) {
        return None;
    }
    // Every indexed revision must agree: no caller anywhere.
    let mut test_uses = 0;
    for s in ctx.sources {
        match s.uses(func) {
            Some((0, t)) => test_uses += t,
            Some(_) => return None,
            None => {}
        }
    }
    let _ = src;
    Some(format!(
        "the report says `{func}` is reachable from the network, but nothing outside the tests calls it: it is defined at {}:{} and mentioned {test_uses} time(s) in tests only",
        body.path, body.first_line
    ))
}
