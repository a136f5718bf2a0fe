//! A symbol index of a project's source tree: paths, identifiers (with a guess at which are
//! defined there), and normalised lines for quoted-code look-ups.
//!
//! Building is pure: the caller reads the files and feeds `(path, contents)` pairs to a
//! [`SourceIndexBuilder`]; the CLI walks a directory, the server a checkout at a ref.

use std::collections::{HashMap, HashSet};

/// Files larger than this are skipped (generated tables, amalgamations).
pub const MAX_FILE_BYTES: usize = 2 * 1024 * 1024;

#[derive(Debug, Clone)]
struct FileInfo {
    path: String,
    /// Hash of each line, normalised (whitespace removed); 0 for insignificant lines.
    lines: Vec<u64>,
    /// The text of a code file (for reading a function's body); `None` for other files.
    text: Option<Box<str>>,
}

#[derive(Debug, Clone, Copy)]
struct IdentInfo {
    file: u32,
    /// 1-based line of the definition (or of the first mention).
    line: u32,
    defined: bool,
    /// The definition found so far is a declaration (`int f(void);`): a later body wins.
    proto: bool,
    /// Mentions on lines that do not define it, in files outside the tests.
    uses: u32,
    /// Mentions in test files (`tests/`, `test/`, `unittest`, `fuzz`).
    test_uses: u32,
    /// Mentioned in a public header (`include/…`).
    public: bool,
}

/// Which revision of the project an index is: where a finding says a name was checked.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "name")]
pub enum Revision {
    /// Not said: the index counts as one more version, as before revisions were known.
    #[default]
    Unspecified,
    /// The project's default branch (HEAD).
    DefaultBranch,
    /// The release (its tag) or commit a report names, as the report names it
    /// (`1.0.0`, `abc1234`).
    Named(String),
    /// Another ref the project asked to check reports against.
    Other,
}

/// A function's lines as the index read them.
#[derive(Debug, Clone)]
pub struct FunctionBody<'a> {
    pub path: &'a str,
    /// 1-based line number of `lines[0]` (the definition line).
    pub first_line: u32,
    pub lines: Vec<&'a str>,
}

/// Where a normalised line occurs.
#[derive(Debug, Clone, Copy)]
pub(crate) struct LineHit {
    pub file: u32,
    /// 1-based line number of the first occurrence.
    pub line: u32,
    pub count: u32,
}

/// The index of one version of the tree. Cloning is cheap (the tables are shared), so an
/// index built once per commit can serve under several labels ([`SourceIndex::with_label`]).
#[derive(Debug, Clone)]
pub struct SourceIndex {
    label: String,
    revision: Revision,
    inner: std::sync::Arc<Tables>,
}

#[derive(Debug, Clone)]
struct Tables {
    files: Vec<FileInfo>,
    paths: HashMap<String, u32>,
    basenames: HashMap<String, Vec<u32>>,
    top_dirs: HashSet<String>,
    idents: HashMap<Box<str>, IdentInfo>,
    /// Identifiers bucketed by their lowercased first byte, for nearest-name look-ups.
    buckets: HashMap<u8, Vec<(Box<str>, u64)>>,
    lines: HashMap<u64, LineHit>,
    prefixes: Vec<String>,
}

/// Feeds files into a [`SourceIndex`].
#[derive(Debug)]
pub struct SourceIndexBuilder {
    label: String,
    index: Tables,
}

/// Whether a path is worth reading into the index (source, headers, build and doc files).
pub fn is_indexable_path(path: &str) -> bool {
    let lower = path.to_ascii_lowercase();
    if lower.split('/').any(|c| {
        c == ".git" || c == "node_modules" || c == "target" || c == ".svn" || c == "vendor"
    }) {
        return false;
    }
    let ext = lower.rsplit_once('.').map(|(_, e)| e).unwrap_or("");
    !matches!(
        ext,
        "png"
            | "jpg"
            | "jpeg"
            | "gif"
            | "ico"
            | "pdf"
            | "zip"
            | "gz"
            | "xz"
            | "bz2"
            | "tar"
            | "o"
            | "a"
            | "so"
            | "dll"
            | "exe"
            | "bin"
            | "woff"
            | "woff2"
            | "ttf"
            | "class"
            | "jar"
            | "pyc"
            | "der"
            | "p12"
            | "svg"
    )
}

fn is_code_ext(path: &str) -> bool {
    let ext = path.rsplit_once('.').map(|(_, e)| e).unwrap_or("");
    matches!(
        ext.to_ascii_lowercase().as_str(),
        "c" | "h"
            | "cc"
            | "cpp"
            | "cxx"
            | "hpp"
            | "hh"
            | "m"
            | "mm"
            | "rs"
            | "go"
            | "py"
            | "js"
            | "mjs"
            | "ts"
            | "tsx"
            | "jsx"
            | "java"
            | "kt"
            | "rb"
            | "php"
            | "cs"
            | "swift"
            | "scala"
            | "pl"
            | "pm"
            | "lua"
            | "sh"
            | "inc"
            | "def"
            | "in"
            | "am"
            | "cmake"
            | "zig"
            | "ex"
            | "exs"
            | "erl"
            | "hs"
            | "ml"
    )
}

impl SourceIndexBuilder {
    /// `label` names the version, e.g. `curl 8.11.0` or `main@3f2a1c`.
    pub fn new(label: impl Into<String>) -> Self {
        Self {
            label: label.into(),
            index: Tables {
                files: Vec::new(),
                paths: HashMap::new(),
                basenames: HashMap::new(),
                top_dirs: HashSet::new(),
                idents: HashMap::new(),
                buckets: HashMap::new(),
                lines: HashMap::new(),
                prefixes: Vec::new(),
            },
        }
    }

    /// Adds one file; `path` is relative to the tree's root, with `/` separators.
    /// Binary or oversized contents only register the path.
    pub fn add_file(&mut self, path: &str, contents: &[u8]) {
        let path = path.trim_start_matches("./").trim_start_matches('/');
        if path.is_empty() {
            return;
        }
        let idx = &mut self.index;
        let id = idx.files.len() as u32;
        idx.paths.insert(path.to_owned(), id);
        let base = path.rsplit('/').next().unwrap_or(path);
        idx.basenames.entry(base.to_owned()).or_default().push(id);
        if let Some((top, _)) = path.split_once('/') {
            idx.top_dirs.insert(top.to_owned());
        }
        let mut info = FileInfo {
            path: path.to_owned(),
            lines: Vec::new(),
            text: None,
        };
        let text = if contents.len() <= MAX_FILE_BYTES && !contents.contains(&0) {
            std::str::from_utf8(contents).ok()
        } else {
            None
        };
        if let Some(text) = text
            && is_code_ext(path)
        {
            let public = path.starts_with("include/");
            let test = is_test_path(path);
            // Kept for the body checks, which read C-like code only.
            if is_c_like(path) {
                info.text = Some(text.into());
            }
            for (n, line) in text.lines().enumerate() {
                let h = line_hash(line);
                info.lines.push(h);
                if h != 0 {
                    let e = idx.lines.entry(h).or_insert(LineHit {
                        file: id,
                        line: n as u32 + 1,
                        count: 0,
                    });
                    e.count += 1;
                }
                let def = definition_in(line);
                for tok in idents(line) {
                    if tok.len() < 3 {
                        continue;
                    }
                    let defined = def == Some(tok) || public && is_macro_like(tok);
                    let proto = line.trim_end().ends_with(';');
                    let (uses, test_uses) = match (def == Some(tok), test) {
                        (true, _) => (0, 0),
                        (false, true) => (0, 1),
                        (false, false) => (1, 0),
                    };
                    match idx.idents.get_mut(tok) {
                        Some(i) => {
                            if defined && (!i.defined || i.proto && !proto) {
                                i.defined = true;
                                i.proto = proto;
                                i.file = id;
                                i.line = n as u32 + 1;
                            }
                            i.uses += uses;
                            i.test_uses += test_uses;
                            i.public |= public;
                        }
                        None => {
                            idx.idents.insert(
                                tok.into(),
                                IdentInfo {
                                    file: id,
                                    line: n as u32 + 1,
                                    defined,
                                    proto,
                                    uses,
                                    test_uses,
                                    public,
                                },
                            );
                        }
                    }
                }
            }
        } else if let Some(text) = text {
            info.lines = text.lines().map(|_| 0).collect();
        }
        idx.files.push(info);
    }

    pub fn finish(mut self) -> SourceIndex {
        let idx = &mut self.index;
        let mut prefix_counts: HashMap<&str, usize> = HashMap::new();
        let mut defined = 0usize;
        for (name, info) in &idx.idents {
            let first = name.as_bytes()[0].to_ascii_lowercase();
            idx.buckets
                .entry(first)
                .or_default()
                .push((name.clone(), char_mask(name)));
            if info.defined {
                defined += 1;
                if let Some((p, rest)) = name.split_once('_')
                    && p.len() >= 3
                    && !rest.is_empty()
                {
                    *prefix_counts.entry(p).or_default() += 1;
                }
            }
        }
        let mut prefixes: Vec<(&str, usize)> = prefix_counts
            .into_iter()
            .filter(|&(_, c)| c >= 20 && c * 100 >= defined)
            .collect();
        prefixes.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        idx.prefixes = prefixes.into_iter().map(|(p, _)| p.to_owned()).collect();
        for b in idx.buckets.values_mut() {
            b.sort_unstable_by(|x, y| x.0.cmp(&y.0));
        }
        SourceIndex {
            label: self.label,
            revision: Revision::Unspecified,
            inner: std::sync::Arc::new(self.index),
        }
    }
}

/// C and C++ sources and headers.
pub(crate) fn is_c_like(path: &str) -> bool {
    let ext = path.rsplit_once('.').map(|(_, e)| e).unwrap_or("");
    matches!(
        ext.to_ascii_lowercase().as_str(),
        "c" | "h" | "cc" | "cpp" | "cxx" | "hpp" | "hh" | "inc"
    )
}

/// Test code: its callers do not make a function reachable.
pub(crate) fn is_test_path(path: &str) -> bool {
    let lower = path.to_ascii_lowercase();
    lower.split('/').rev().skip(1).any(|c| {
        matches!(
            c,
            "test" | "tests" | "testing" | "unittest" | "unittests" | "unit" | "fuzz" | "fuzzing"
        )
    }) || lower
        .rsplit('/')
        .next()
        .is_some_and(|f| f.starts_with("test_") || f.contains("_test.") || f.contains("fuzz"))
}

impl SourceIndex {
    pub fn label(&self) -> &str {
        &self.label
    }

    /// The same index under another label (e.g. the version a report names); cheap.
    pub fn with_label(&self, label: impl Into<String>) -> SourceIndex {
        SourceIndex {
            label: label.into(),
            revision: self.revision.clone(),
            inner: self.inner.clone(),
        }
    }

    /// The same index, saying which revision of the project it is.
    pub fn at(mut self, revision: Revision) -> SourceIndex {
        self.revision = revision;
        self
    }

    pub fn revision(&self) -> &Revision {
        &self.revision
    }

    /// The 1-based line an identifier is defined on (or first mentioned), with its file.
    pub fn identifier_line(&self, name: &str) -> Option<(&str, u32)> {
        self.inner
            .idents
            .get(name)
            .map(|i| (self.inner.files[i.file as usize].path.as_str(), i.line))
    }

    /// Whether a public header (`include/…`) mentions the name: the project's API.
    pub fn is_public(&self, name: &str) -> bool {
        self.inner.idents.get(name).is_some_and(|i| i.public)
    }

    /// How often a name is mentioned outside its definitions: in files other than tests,
    /// and in tests.
    pub fn uses(&self, name: &str) -> Option<(u32, u32)> {
        self.inner.idents.get(name).map(|i| (i.uses, i.test_uses))
    }

    /// The body of a function the tree defines: from its definition line until its braces
    /// balance (at most `max` lines). `None` for names it does not define as a function.
    pub fn function_body(&self, name: &str, max: usize) -> Option<FunctionBody<'_>> {
        let info = self.inner.idents.get(name).filter(|i| i.defined)?;
        let file = &self.inner.files[info.file as usize];
        let text = file.text.as_deref()?;
        let start = info.line.checked_sub(1)? as usize;
        let mut depth = 0i32;
        let mut opened = false;
        let mut buf = Vec::new();
        for line in text.lines().skip(start).take(max) {
            buf.push(line);
            if buf.len() == 1 && !line.contains('(') {
                return None;
            }
            depth += line.matches('{').count() as i32 - line.matches('}').count() as i32;
            opened |= line.contains('{');
            if opened && depth <= 0 {
                break;
            }
            // A prototype or a call, not a definition.
            if !opened && line.trim_end().ends_with(';') {
                return None;
            }
        }
        if !opened {
            return None;
        }
        Some(FunctionBody {
            path: &file.path,
            first_line: info.line,
            lines: buf,
        })
    }

    pub fn file_count(&self) -> usize {
        self.inner.files.len()
    }

    pub fn identifier_count(&self) -> usize {
        self.inner.idents.len()
    }

    /// The project's namespace prefixes (`Curl`, `curl`, `CURLOPT`): identifiers that start
    /// with one of them and an underscore are claims about the project's own code.
    pub fn prefixes(&self) -> &[String] {
        &self.inner.prefixes
    }

    pub fn has_identifier(&self, name: &str) -> bool {
        self.inner.idents.contains_key(name)
    }

    /// Defined (not just mentioned) in this tree, as far as the heuristics tell.
    pub fn defines(&self, name: &str) -> bool {
        self.inner.idents.get(name).is_some_and(|i| i.defined)
    }

    /// The file that defines (or first mentions) an identifier.
    pub fn identifier_file(&self, name: &str) -> Option<&str> {
        self.inner
            .idents
            .get(name)
            .map(|i| self.inner.files[i.file as usize].path.as_str())
    }

    /// The nearest identifier by edit distance (case-insensitive), with its distance.
    pub fn nearest_identifier(&self, name: &str) -> Option<(&str, usize)> {
        let first = name.as_bytes().first()?.to_ascii_lowercase();
        let bucket = self.inner.buckets.get(&first)?;
        let lname = name.to_ascii_lowercase();
        let mut max = (name.len() / 3).clamp(2, 4);
        let mask = char_mask(name);
        let mut best: Option<(&str, usize, usize)> = None;
        for (cand, cmask) in bucket {
            if cand.len().abs_diff(name.len()) > max
                // Each edit changes at most two characters of the set.
                || ((mask ^ cmask).count_ones() as usize) > 2 * max
            {
                continue;
            }
            let d = levenshtein(lname.as_bytes(), cand.as_bytes(), max);
            if d > max {
                continue;
            }
            // Nothing farther than the best so far can win.
            max = d;
            let common = lname
                .bytes()
                .zip(cand.bytes().map(|b| b.to_ascii_lowercase()))
                .take_while(|(a, b)| a == b)
                .count();
            let better = match best {
                None => true,
                Some((_, bd, bc)) => d < bd || d == bd && common > bc,
            };
            if better {
                best = Some((cand, d, common));
            }
        }
        best.map(|(c, d, _)| (c, d))
    }

    /// Whether a path mention can be judged with this index: its first component is one of
    /// the tree's top directories, or it is a bare file name.
    pub fn can_judge_path(&self, mention: &str) -> bool {
        let m = strip_path(mention);
        match m.split_once('/') {
            Some((top, _)) => self.inner.top_dirs.contains(top) || self.find_path(m).is_some(),
            None => true,
        }
    }

    /// Finds a mentioned path: exactly, by dropping leading components (`curl/lib/x.c`), or
    /// as a bare file name. Returns the indexed path.
    pub fn find_path(&self, mention: &str) -> Option<&str> {
        let mut m = strip_path(mention);
        loop {
            if let Some(&id) = self.inner.paths.get(m) {
                return Some(&self.inner.files[id as usize].path);
            }
            match m.split_once('/') {
                Some((_, rest)) if !rest.is_empty() => m = rest,
                _ => break,
            }
        }
        if !m.contains('/')
            && let Some(ids) = self.inner.basenames.get(m)
        {
            return ids
                .first()
                .map(|&id| self.inner.files[id as usize].path.as_str());
        }
        None
    }

    /// Number of lines of an indexed path.
    pub fn line_count(&self, path: &str) -> Option<usize> {
        self.inner
            .paths
            .get(path)
            .map(|&id| self.inner.files[id as usize].lines.len())
    }

    /// Nearest indexed path by file name (same name elsewhere, or closest name).
    pub fn nearest_path(&self, mention: &str) -> Option<&str> {
        let m = strip_path(mention);
        let base = m.rsplit('/').next().unwrap_or(m);
        if let Some(ids) = self.inner.basenames.get(base) {
            return ids
                .first()
                .map(|&id| self.inner.files[id as usize].path.as_str());
        }
        let max = (base.len() / 3).clamp(2, 5);
        self.inner
            .basenames
            .iter()
            .filter(|(b, _)| b.len().abs_diff(base.len()) <= max)
            .map(|(b, ids)| (levenshtein(base.as_bytes(), b.as_bytes(), max), b, ids))
            .filter(|(d, _, _)| *d <= max)
            .min_by(|a, b| a.0.cmp(&b.0).then(a.1.cmp(b.1)))
            .and_then(|(_, _, ids)| ids.first())
            .map(|&id| self.inner.files[id as usize].path.as_str())
    }

    pub(crate) fn line_hit(&self, hash: u64) -> Option<LineHit> {
        self.inner.lines.get(&hash).copied()
    }

    pub(crate) fn file_path(&self, id: u32) -> &str {
        &self.inner.files[id as usize].path
    }
}

/// Drops URL and repository noise from a path mention.
fn strip_path(mention: &str) -> &str {
    let mut m = mention.trim_matches(|c: char| c == '`' || c == '\'' || c == '"');
    m = m.trim_start_matches("./").trim_start_matches('/');
    m
}

/// Whitespace-free line hash; 0 when the line is too short to say anything.
pub(crate) fn line_hash(line: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut n = 0usize;
    let mut alnum = 0usize;
    let body = match line.find("//") {
        Some(i) if !line[..i].contains('"') => &line[..i],
        _ => line,
    };
    for b in body.bytes() {
        if b.is_ascii_whitespace() {
            continue;
        }
        n += 1;
        if b.is_ascii_alphanumeric() {
            alnum += 1;
        }
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    if n < 8 || alnum < 5 { 0 } else { h | 1 }
}

/// Identifier tokens of a line.
pub(crate) fn idents(line: &str) -> impl Iterator<Item = &str> {
    let b = line.as_bytes();
    let mut i = 0;
    std::iter::from_fn(move || {
        while i < b.len() {
            let c = b[i];
            if c.is_ascii_alphabetic() || c == b'_' {
                let s = i;
                while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
                    i += 1;
                }
                return Some(&line[s..i]);
            } else if c.is_ascii_digit() {
                while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
                    i += 1;
                }
            } else {
                i += 1;
            }
        }
        None
    })
}

fn is_macro_like(tok: &str) -> bool {
    tok.len() >= 4
        && tok.contains('_')
        && tok
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
}

/// The name a line defines, by cheap C/Rust/Python/JS/Go heuristics.
pub(crate) fn definition_in(line: &str) -> Option<&str> {
    let t = line.trim_start();
    let indented = t.len() != line.len();
    if let Some(rest) = t.strip_prefix('#') {
        let rest = rest.trim_start();
        let rest = rest.strip_prefix("define")?;
        return idents(rest).next();
    }
    for kw in [
        "fn ",
        "def ",
        "class ",
        "function ",
        "func ",
        "struct ",
        "enum ",
        "union ",
        "trait ",
        "interface ",
        "type ",
        "pub fn ",
        "pub struct ",
        "pub enum ",
        "async fn ",
        "pub(crate) fn ",
        "typedef struct ",
        "typedef enum ",
    ] {
        if let Some(rest) = t.strip_prefix(kw) {
            return idents(rest).next();
        }
    }
    if indented {
        // Enum constants: `  CURLE_OK = 0,` / `  CURLPX_OK,`
        let name = idents(t).next()?;
        let after = t[name.len()..].trim_start();
        if t.starts_with(name)
            && is_macro_like(name)
            && (after.is_empty() || after.starts_with(',') || after.starts_with('='))
        {
            return Some(name);
        }
        return None;
    }
    if t.starts_with("typedef") && t.trim_end().ends_with(';') {
        return idents(t).last();
    }
    if let Some(rest) = t.strip_prefix('}') {
        return idents(rest).next();
    }
    // `static CURLcode foo(…)` or `foo(…)` at column 0 (K&R style).
    let paren = t.find('(')?;
    let head = &t[..paren];
    if head.contains('=') || head.contains('"') || head.starts_with("return") {
        return None;
    }
    let name = idents(head).last()?;
    if matches!(
        name,
        "if" | "while" | "for" | "switch" | "sizeof" | "return"
    ) {
        return None;
    }
    Some(name)
}

/// The set of characters of a name (case-insensitive), as bits.
fn char_mask(name: &str) -> u64 {
    name.bytes().fold(0u64, |m, b| {
        let b = b.to_ascii_lowercase();
        let bit = match b {
            b'a'..=b'z' => b - b'a',
            b'0'..=b'9' => 26 + b - b'0',
            _ => 36,
        };
        m | (1 << bit)
    })
}

/// Levenshtein distance over bytes (ASCII case-insensitive), giving up (returning
/// `max + 1`) past `max`. Allocation-free for names up to 127 bytes.
pub(crate) fn levenshtein(a: &[u8], b: &[u8], max: usize) -> usize {
    if a.len().abs_diff(b.len()) > max {
        return max + 1;
    }
    if b.len() >= 128 {
        return max + 1;
    }
    let mut prev = [0u8; 128];
    let mut cur = [0u8; 128];
    for (j, p) in prev.iter_mut().enumerate().take(b.len() + 1) {
        *p = j as u8;
    }
    if a.len() >= 128 {
        return max + 1;
    }
    for (i, &ca) in a.iter().enumerate() {
        cur[0] = i as u8 + 1;
        let mut row_min = cur[0];
        for (j, &cb) in b.iter().enumerate() {
            let cost = u8::from(!ca.eq_ignore_ascii_case(&cb));
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
            row_min = row_min.min(cur[j + 1]);
        }
        if usize::from(row_min) > max {
            return max + 1;
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    usize::from(prev[b.len()])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn small() -> SourceIndex {
        let mut b = SourceIndexBuilder::new("t");
        b.add_file(
            "lib/socks.c",
            b"#define MAX_LEN 255\nstatic CURLproxycode do_SOCKS5(struct Curl_cfilter *cf)\n{\n  bool socks5_resolve_local = FALSE;\n  return CURLPX_OK;\n}\n",
        );
        b.add_file(
            "include/curl/curl.h",
            b"#define CURLOPT_URL 10002\nCURL_EXTERN CURL *curl_easy_init(void);\n",
        );
        b.add_file("docs/logo.png", &[0, 1, 2]);
        b.finish()
    }

    #[test]
    fn definitions_and_paths() {
        let i = small();
        assert!(i.defines("do_SOCKS5"));
        assert!(i.defines("MAX_LEN"));
        assert!(i.defines("curl_easy_init"));
        assert!(i.defines("CURLOPT_URL"));
        assert!(i.has_identifier("socks5_resolve_local"));
        assert!(!i.defines("socks5_resolve_local"));
        assert_eq!(i.find_path("curl/lib/socks.c"), Some("lib/socks.c"));
        assert_eq!(i.find_path("socks.c"), Some("lib/socks.c"));
        assert_eq!(i.find_path("lib/sock.c"), None);
        assert!(i.can_judge_path("lib/sock.c"));
        assert!(!i.can_judge_path("tests/unit/x.c"));
        assert_eq!(i.nearest_path("lib/sockz.c"), Some("lib/socks.c"));
        assert_eq!(i.line_count("lib/socks.c"), Some(6));
    }

    #[test]
    fn nearest_identifier_is_close() {
        let i = small();
        assert_eq!(
            i.nearest_identifier("do_SOCKS4").map(|x| x.0),
            Some("do_SOCKS5")
        );
        assert_eq!(i.nearest_identifier("zzzzzzzzzzzz"), None);
    }

    #[test]
    fn levenshtein_bounds() {
        assert_eq!(levenshtein(b"kitten", b"sitting", 5), 3);
        assert_eq!(levenshtein(b"abc", b"abc", 1), 0);
        assert!(levenshtein(b"abcdef", b"uvwxyz", 2) > 2);
    }
}
