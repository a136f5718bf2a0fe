//! Phrase-level agreement between a policy's own prose and a report's claim: the words
//! that never count (function words, what every security report says), stemming, and the
//! phrases of two content words side by side that a class's wording and a claim share.

use super::claim::{Claim, Part, re};
use crate::Field;
use crate::text::Doc;
use regex::Regex;
use std::sync::LazyLock;

/// Words that carry no class of their own: function words, and what every security report
/// says. They never count, alone or in a phrase (compared after stemming).
const GENERIC: &[&str] = &[
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
    "were",
    "been",
    "being",
    "more",
    "most",
    "some",
    "each",
    "also",
    "even",
    "what",
    "whatever",
    "these",
    "those",
    "then",
    "unless",
    "because",
    "while",
    "like",
    "just",
    "very",
    "much",
    "many",
    "both",
    "either",
    "including",
    "report",
    "security",
    "vulnerability",
    "vulnerable",
    "issue",
    "problem",
    "bug",
    "consider",
    "considered",
    "treat",
    "attack",
    "attacker",
    "exploit",
    "proof",
    "concept",
    "impact",
    "demonstrate",
    "thing",
    "case",
    "cause",
    "make",
    "used",
    "using",
    "need",
    "require",
    "allow",
    "able",
    "possible",
    "promise",
    "project",
    "software",
    "product",
    "here",
    "your",
    "ours",
    "every",
    "anything",
    "something",
    "nothing",
    "small",
    "large",
    "certain",
    "specific",
    "general",
    "known",
    "real",
    "actual",
    "simple",
    "ways",
    "still",
    "same",
    "within",
    "without",
    "against",
    "between",
    "through",
    "after",
    "before",
    "over",
    "under",
    "again",
    "once",
    "here",
    "there",
    "since",
    "until",
    "upon",
    "onto",
    "whether",
    "does",
    "doing",
    "done",
    "must",
    "might",
    "shall",
    "into",
    "well",
    "else",
    "okay",
    "please",
    "those",
    "very",
];

/// Words common in reports of every kind: they make a phrase only with a word that is not
/// common ("memory" alone is nothing; "memory leak" is a phrase), and a phrase with one
/// counts in the title only (compared after stemming).
const COMMON: &[&str] = &[
    "memory",
    "local",
    "file",
    "crash",
    "debug",
    "user",
    "data",
    "code",
    "server",
    "client",
    "network",
    "system",
    "access",
    "input",
    "output",
    "option",
    "command",
    "line",
    "build",
    "program",
    "application",
    "function",
    "buffer",
    "request",
    "response",
    "value",
    "string",
    "library",
    "process",
    "machine",
    "version",
    "release",
    "feature",
    "default",
    "error",
    "read",
    "write",
    "remote",
    "host",
    "service",
    "page",
    "content",
    "header",
    "size",
    "length",
    "pointer",
    "time",
    "call",
    "pass",
    "send",
    "sent",
    "receive",
    "open",
    "check",
    "test",
    "script",
    "tool",
    "website",
    "site",
    "http",
    "protocol",
    "connect",
    "connection",
    "transfer",
    "handle",
    "parse",
    "parser",
    "valid",
    "control",
    "configuration",
    "config",
    "install",
    "package",
    "dependency",
    "privilege",
    "malicious",
    "differ",
    "different",
    "work",
    "behave",
    "behaviour",
    "behavior",
    "result",
    "lead",
    "sensitive",
    "internet",
    "browser",
    "link",
    "name",
    "path",
    "directory",
    "argument",
    "variable",
    "account",
    "password",
    "credential",
    "certificate",
    "message",
    "payload",
    "target",
    "victim",
    "operating",
    "interface",
    "module",
    "plugin",
    "extension",
];

fn stemmed(words: &[&str]) -> std::collections::HashSet<String> {
    words.iter().map(|w| stem(w)).collect()
}

static GENERIC_STEMS: LazyLock<std::collections::HashSet<String>> =
    LazyLock::new(|| stemmed(GENERIC));
static COMMON_STEMS: LazyLock<std::collections::HashSet<String>> =
    LazyLock::new(|| stemmed(COMMON));

/// A light stemmer: `leaks`/`leaking`/`leaked` → `leak`, `files`/`file` → `fil`.
pub(crate) fn stem(word: &str) -> String {
    let mut w = word.to_ascii_lowercase();
    if w.len() >= 6 && w.ends_with("ies") {
        w.truncate(w.len() - 3);
        w.push('y');
        return w;
    }
    for suf in ["ing", "ed", "es", "s"] {
        if w.len() >= suf.len() + 3
            && w.ends_with(suf)
            && !((suf == "s" || suf == "es") && w.ends_with("ss"))
        {
            w.truncate(w.len() - suf.len());
            break;
        }
    }
    if w.len() > 3 && w.ends_with('e') {
        w.pop();
    }
    w
}

/// Tokens of a text: (stem, start, end) for alphanumeric runs.
pub(super) fn tokens(s: &str) -> Vec<(String, usize, usize)> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, c) in s.char_indices().chain(std::iter::once((s.len(), ' '))) {
        let word = c.is_ascii_alphanumeric() || c == '\'' && start.is_some();
        match (word, start) {
            (true, None) => start = Some(i),
            (false, Some(st)) => {
                let w = s[st..i].trim_end_matches('\'');
                out.push((stem(w), st, st + w.len()));
                start = None;
            }
            _ => {}
        }
    }
    out
}

pub(super) fn is_content(stem: &str, extra_generic: &[String]) -> bool {
    stem.len() >= 4
        && !stem.bytes().all(|b| b.is_ascii_digit())
        && !GENERIC_STEMS.contains(stem)
        && !extra_generic.iter().any(|g| g == stem)
}

pub(crate) fn is_common(stem: &str) -> bool {
    COMMON_STEMS.contains(stem)
}

/// Phrases of a policy's prose: pairs of content words at most four tokens apart, at least
/// one of them not common.
/// The exceptions a policy names are not the class: "leaks (unless large, or leaking
/// sensitive data)" is not about sensitive data.
pub(crate) fn wording_phrases(wording: &str, project: &[String]) -> Vec<(String, String)> {
    static EXCEPTION: LazyLock<Regex> = LazyLock::new(|| {
        re(r"(?i)\b(?:unless|except(?: for| when| if)?|excluding|other than|but not)\b[^.;:)]*")
    });
    let wording = EXCEPTION.replace_all(wording, " ");
    let toks = tokens(&wording);
    let mut out = Vec::new();
    for i in 0..toks.len() {
        if !is_content(&toks[i].0, project) {
            continue;
        }
        for j in i + 1..toks.len().min(i + 5) {
            let (a, b) = (&toks[i].0, &toks[j].0);
            if a != b && is_content(b, project) && !(is_common(a) && is_common(b)) {
                let pair = if a <= b {
                    (a.clone(), b.clone())
                } else {
                    (b.clone(), a.clone())
                };
                if !out.contains(&pair) {
                    out.push(pair);
                }
            }
        }
    }
    out
}

/// A phrase of the policy found in one sentence: the two words as written and their span.
#[derive(Debug, Clone)]
pub(crate) struct PhraseHit {
    pub words: (String, String),
    /// Neither word is common: a distinctive phrase.
    pub distinctive: bool,
    pub start: usize,
    pub end: usize,
}

/// A passage of the report cut into word stems once, for every class to look at.
#[derive(Debug)]
pub(crate) struct Piece {
    pub field: Field,
    pub start: usize,
    pub end: usize,
    /// The claim's part, or `None` for a prose line outside the claim.
    pub part: Option<Part>,
    /// (stem id, content word, start, end), offsets relative to `start`.
    toks: Vec<(u32, bool, usize, usize)>,
}

/// The claim's sentences and the other prose lines, tokenized once per report; stems are
/// numbered so that a class's phrases become pairs of numbers (most classes share no stem
/// with a report, and cost nothing more).
#[derive(Debug)]
pub(crate) struct Tokenized {
    ids: std::collections::HashMap<String, u32>,
    common: Vec<bool>,
    pub pieces: Vec<Piece>,
}

impl Tokenized {
    pub(crate) fn new(doc: &Doc<'_>, claim: &Claim, project: &[String]) -> Self {
        let mut me = Self {
            ids: std::collections::HashMap::new(),
            common: Vec::new(),
            pieces: Vec::new(),
        };
        let add = |me: &mut Self, field: Field, start: usize, end: usize, part| {
            let src = match field {
                Field::Title => doc.title,
                Field::Text => doc.text,
            };
            let toks = tokens(&src[start..end])
                .into_iter()
                .map(|(stem, s, e)| {
                    let content = is_content(&stem, project);
                    let next = me.ids.len() as u32;
                    let id = match me.ids.get(&stem) {
                        Some(&id) => id,
                        None => {
                            me.common.push(is_common(&stem));
                            me.ids.insert(stem, next);
                            next
                        }
                    };
                    (id, content, s, e)
                })
                .collect();
            me.pieces.push(Piece {
                field,
                start,
                end,
                part,
                toks,
            });
        };
        for sp in claim.sentences(doc) {
            add(&mut me, sp.field, sp.start, sp.end, Some(sp.part));
        }
        for (s, e) in doc.prose_lines() {
            if claim.part_at(Field::Text, s).is_none() {
                add(&mut me, Field::Text, s, e, None);
            }
        }
        me
    }

    /// A class's phrases as pairs of this report's stem ids (pairs with a stem the report
    /// does not have are left out).
    pub(crate) fn phrase_ids(
        &self,
        phrases: &[(String, String)],
    ) -> std::collections::HashSet<(u32, u32)> {
        phrases
            .iter()
            .filter_map(|(a, b)| {
                let (x, y) = (*self.ids.get(a)?, *self.ids.get(b)?);
                Some((x.min(y), x.max(y)))
            })
            .collect()
    }

    /// The phrases of `set` in piece `k`, as adjacent words (one token between at most).
    pub(crate) fn hits(
        &self,
        doc: &Doc<'_>,
        k: usize,
        set: &std::collections::HashSet<(u32, u32)>,
    ) -> Vec<PhraseHit> {
        let piece = &self.pieces[k];
        let mut out = Vec::new();
        if set.is_empty() {
            return out;
        }
        let src = match piece.field {
            Field::Title => doc.title,
            Field::Text => doc.text,
        };
        let text = &src[piece.start..piece.end];
        let t = &piece.toks;
        for i in 0..t.len() {
            if !t[i].1 {
                continue;
            }
            for j in i + 1..t.len().min(i + 3) {
                let (a, b) = (t[i].0, t[j].0);
                if t[j].1 && set.contains(&(a.min(b), a.max(b))) {
                    out.push(PhraseHit {
                        distinctive: !self.common[a as usize] && !self.common[b as usize],
                        words: (
                            text[t[i].2..t[i].3].to_owned(),
                            text[t[j].2..t[j].3].to_owned(),
                        ),
                        start: t[i].2,
                        end: t[j].3,
                    });
                }
            }
        }
        out
    }
}
