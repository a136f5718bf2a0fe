//! Facts read off the report once: identifiers, paths, code blocks and their kind, frames,
//! versions, advisory ids, technical-content counts.

use crate::Field;
use crate::index::{definition_in, idents};
use crate::lexicon;
use crate::text::{CodeBlock, Doc};
use std::collections::HashSet;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BlockKind {
    /// A program: has `main`, or imports, or is a script.
    Program,
    /// Shell commands.
    Shell,
    /// Tool output: sanitizer report, logs, HTTP exchange.
    Output,
    /// A fragment of code (quoted from somewhere, or a sketch).
    Fragment,
}

#[derive(Debug, Clone)]
pub struct Block {
    pub start: usize,
    pub end: usize,
    pub kind: BlockKind,
    pub lines: Vec<(usize, usize)>,
}

#[derive(Debug, Clone)]
pub struct IdentMention {
    pub field: Field,
    pub name: String,
    pub start: usize,
    pub end: usize,
    pub in_code: bool,
    /// Written as code in prose: in backticks, or followed by `()`.
    pub marked: bool,
}

#[derive(Debug, Clone)]
pub struct PathMention {
    pub field: Field,
    pub path: String,
    pub start: usize,
    pub end: usize,
    pub line: Option<u32>,
    pub in_code: bool,
    /// The line around it talks about the reporter's own files (compile, attach, exploit).
    pub own_file_context: bool,
}

#[derive(Debug, Clone)]
pub struct Frame {
    pub function: String,
    pub file: Option<String>,
    pub start: usize,
    pub end: usize,
}

#[derive(Debug, Default)]
pub struct Facts {
    pub blocks: Vec<Block>,
    pub idents: Vec<IdentMention>,
    pub paths: Vec<PathMention>,
    pub frames: Vec<Frame>,
    /// Names the report's own code defines (functions, structs, macros).
    pub own_defs: HashSet<String>,
    pub versions: Vec<String>,
    /// Releases and commits named, with the product written before each.
    pub revisions: Vec<crate::NamedRevision>,
    /// Advisory ids named, with their spans.
    pub advisories: Vec<(String, usize, usize)>,
    pub declared_ai: Option<(usize, usize)>,
    /// Words of prose (outside code).
    pub prose_words: usize,
    /// Count of technical items: code blocks, paths, marked identifiers, versions, frames.
    pub technical: usize,
    pub has_crash_evidence: bool,
    pub has_steps: bool,
}

impl Facts {
    pub fn of(doc: &Doc<'_>) -> Self {
        let mut f = Facts::default();
        for b in &doc.blocks {
            f.blocks.push(Block {
                start: b.start,
                end: b.end,
                kind: classify(doc, b),
                lines: b.lines.clone(),
            });
        }
        for b in &f.blocks {
            if matches!(b.kind, BlockKind::Program | BlockKind::Fragment) {
                for &(s, e) in &b.lines {
                    if let Some(name) = definition_in(&doc.text[s..e]) {
                        f.own_defs.insert(name.to_owned());
                    }
                    let t = doc.text[s..e].trim_start();
                    for kw in ["struct ", "typedef struct ", "class "] {
                        if let Some(rest) = t.strip_prefix(kw)
                            && rest.trim_end().ends_with('{')
                            && let Some(n) = idents(rest).next()
                        {
                            f.own_defs.insert(n.to_owned());
                        }
                    }
                }
            }
        }
        f.read_idents(doc, Field::Title, doc.title);
        f.read_idents(doc, Field::Text, doc.text);
        f.read_paths(doc, Field::Title, doc.title);
        f.read_paths(doc, Field::Text, doc.text);
        for c in lexicon::FRAME.captures_iter(doc.text) {
            let (func, file) = match (c.get(1), c.get(4)) {
                (Some(fun), _) => (fun, c.get(2)),
                (None, Some(fun)) => (fun, c.get(5)),
                _ => continue,
            };
            let whole = c
                .get(0)
                .map_or((func.start(), func.end()), |m| (m.start(), m.end()));
            // `#1 heading` style lines are not frames: require an address or a file.
            let text = &doc.text[whole.0..whole.1];
            if !text.contains("0x") && file.is_none() {
                continue;
            }
            f.frames.push(Frame {
                function: func.as_str().to_owned(),
                file: file.map(|m| m.as_str().to_owned()),
                start: whole.0,
                end: whole.1,
            });
        }
        let mut seen = HashSet::new();
        for c in lexicon::VERSION.captures_iter(doc.text) {
            let v = match (c.get(1), c.get(2), c.get(3), c.get(4)) {
                (Some(a), Some(b), Some(d), _) => {
                    format!("{}.{}.{}", a.as_str(), b.as_str(), d.as_str())
                }
                (_, _, _, Some(v)) => v.as_str().to_owned(),
                _ => continue,
            };
            if v.matches('.').count() == 2 && seen.insert(v.clone()) {
                f.versions.push(v);
            }
        }
        f.revisions = crate::named::scan(&[doc.title, doc.text]);
        for m in lexicon::CVE.find_iter(doc.text) {
            f.advisories
                .push((m.as_str().to_ascii_uppercase(), m.start(), m.end()));
        }
        f.declared_ai = lexicon::DECLARED_AI
            .find(doc.text)
            .map(|m| (m.start(), m.end()));
        f.prose_words = doc
            .prose_lines()
            .map(|(s, e)| doc.text[s..e].split_whitespace().count())
            .sum();
        f.has_crash_evidence = lexicon::CRASH.is_match(doc.text);
        f.has_steps = doc.prose_lines().any(|(s, e)| {
            let t = doc.text[s..e].trim_start();
            t.starts_with("1.") || t.starts_with("1)") || t.starts_with("Step 1")
        }) || f.blocks.iter().any(|b| b.kind == BlockKind::Shell);
        let marked = f.idents.iter().filter(|i| i.marked || i.in_code).count();
        f.technical = f.blocks.len() * 3
            + f.paths.len()
            + marked.min(20)
            + f.versions.len()
            + f.frames.len().min(5)
            + f.advisories.len();
        f
    }

    fn read_idents(&mut self, doc: &Doc<'_>, field: Field, s: &str) {
        let b = s.as_bytes();
        let mut i = 0;
        let mut in_tick = false;
        let mut url_until = 0;
        while i < b.len() {
            let c = b[i];
            if c == b'\n' {
                in_tick = false;
            }
            if c == b'`' {
                let run = b[i..].iter().take_while(|&&x| x == b'`').count();
                // Fences (```) are not inline code marks.
                if run < 3 {
                    in_tick = !in_tick;
                }
                i += run;
                continue;
            }
            if b[i..].starts_with(b"http://") || b[i..].starts_with(b"https://") {
                url_until = b[i..]
                    .iter()
                    .position(u8::is_ascii_whitespace)
                    .map_or(s.len(), |n| i + n);
            }
            if c.is_ascii_alphabetic() || c == b'_' {
                let st = i;
                while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
                    i += 1;
                }
                if st < url_until {
                    continue;
                }
                let prev = if st > 0 { b[st - 1] } else { b' ' };
                let next = b.get(i).copied().unwrap_or(b' ');
                // Parts of paths, domains or e-mail addresses are not identifiers.
                if matches!(prev, b'.' | b'/' | b'@' | b'-' | b'\\')
                    || matches!(next, b'/' | b'@')
                    || next == b'.' && b.get(i + 1).is_some_and(|x| x.is_ascii_alphabetic())
                {
                    continue;
                }
                let name = &s[st..i];
                let in_code = field == Field::Text && doc.is_code_at(st);
                let call = b[i..].starts_with(b"()")
                    || b[i..].starts_with("(…)".as_bytes())
                    || b[i..].starts_with(b"(...)");
                if !(looks_like_symbol(name) || in_tick || call) {
                    continue;
                }
                if name.len() < 3 {
                    continue;
                }
                self.idents.push(IdentMention {
                    field,
                    name: name.to_owned(),
                    start: st,
                    end: i,
                    in_code,
                    marked: in_tick || call,
                });
            } else if c.is_ascii_digit() {
                while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
                    i += 1;
                }
            } else {
                i += 1;
            }
        }
    }

    fn read_paths(&mut self, doc: &Doc<'_>, field: Field, s: &str) {
        let mut taken: Vec<(usize, usize)> = Vec::new();
        for c in lexicon::GITHUB_BLOB.captures_iter(s) {
            let (Some(p), Some(whole)) = (c.get(2), c.get(0)) else {
                continue;
            };
            let line = c.get(3).and_then(|l| l.as_str().parse().ok());
            taken.push((whole.start(), whole.end()));
            self.paths.push(PathMention {
                field,
                path: p.as_str().trim_end_matches(['.', ',']).to_owned(),
                start: p.start(),
                end: c.get(3).map_or(p.end(), |l| l.end()),
                line,
                in_code: false,
                own_file_context: false,
            });
        }
        for c in lexicon::PATH.captures_iter(s) {
            let Some(p) = c.get(1) else { continue };
            if taken.iter().any(|&(a, b)| p.start() >= a && p.start() < b) {
                continue;
            }
            // Skip URLs' host parts and dotted names that are not files (`example.com`).
            let before = &s[..p.start()];
            if before.ends_with("://")
                || before
                    .rsplit(char::is_whitespace)
                    .next()
                    .is_some_and(|w| w.contains("://"))
            {
                continue;
            }
            let line = c.get(2).and_then(|l| l.as_str().parse().ok());
            let (ls, le) = match field {
                Field::Text => doc.lines[doc.line_of(p.start())],
                Field::Title => (0, s.len()),
            };
            let ctx = s[ls..le].to_ascii_lowercase();
            let own = [
                "gcc ",
                "clang ",
                "cc ",
                "compile",
                "attached",
                "attachment",
                "exploit",
                "poc",
                "./",
                "my ",
                "save ",
                "saved",
                "python3 ",
                "python ",
                "node ",
                "-o ",
            ]
            .iter()
            .any(|w| ctx.contains(w));
            self.paths.push(PathMention {
                field,
                path: p.as_str().to_owned(),
                start: p.start(),
                end: c.get(2).map_or(p.end(), |l| l.end()),
                line,
                in_code: field == Field::Text && doc.is_code_at(p.start()),
                own_file_context: own,
            });
        }
    }
}

/// Looks like a code symbol in prose: snake_case with a letter on both sides of an
/// underscore, or an all-caps macro with an underscore, or mixedCase with an inner capital.
pub fn looks_like_symbol(name: &str) -> bool {
    if name.len() < 4 {
        return false;
    }
    let b = name.as_bytes();
    let inner_us = b[1..b.len() - 1].contains(&b'_');
    if inner_us {
        return true;
    }
    let lower_then_upper = b
        .windows(2)
        .any(|w| w[0].is_ascii_lowercase() && w[1].is_ascii_uppercase());
    lower_then_upper && b[0].is_ascii_lowercase()
}

fn classify(doc: &Doc<'_>, b: &CodeBlock) -> BlockKind {
    let body = &doc.text[b.start..b.end];
    let lang = b.lang.as_str();
    if matches!(
        lang,
        "bash" | "sh" | "shell" | "console" | "zsh" | "cmd" | "powershell"
    ) {
        return BlockKind::Shell;
    }
    if lexicon::CRASH.is_match(body) || lexicon::FRAME.is_match(body) && !body.contains(';') {
        return BlockKind::Output;
    }
    let has_main =
        body.contains("main(") || body.contains("if __name__") || body.contains("fn main");
    let imports = body.lines().any(|l| {
        let t = l.trim_start();
        t.starts_with("import ")
            || t.starts_with("from ") && t.contains(" import ")
            || t.contains("require(")
    });
    if has_main
        || imports
            && matches!(lang, "python" | "py" | "js" | "javascript" | "ts" | "")
            && body.lines().count() > 2
    {
        return BlockKind::Program;
    }
    let lines: Vec<&str> = body
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    let shellish = lines
        .iter()
        .filter(|l| {
            l.starts_with("$ ")
                || l.starts_with("./")
                || l.starts_with("curl ")
                || l.starts_with("gcc ")
                || l.starts_with("make")
                || l.starts_with("cd ")
                || l.starts_with("python")
                || l.starts_with("sudo ")
                || l.starts_with("git ")
                || l.starts_with("npm ")
                || l.starts_with("cargo ")
                || l.starts_with("echo ")
        })
        .count();
    if !lines.is_empty() && shellish * 2 >= lines.len() {
        return BlockKind::Shell;
    }
    let codey = lines
        .iter()
        .filter(|l| crate::text::looks_like_code(l))
        .count();
    if codey * 3 >= lines.len().max(1) {
        BlockKind::Fragment
    } else {
        BlockKind::Output
    }
}
