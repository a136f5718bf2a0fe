//! The report as text: lines with byte offsets, code blocks (fenced or not) and prose.

use crate::{Evidence, Field, Report};

/// A block of code in the report: a fenced block, or a run of code-looking lines.
#[derive(Debug, Clone)]
pub struct CodeBlock {
    /// Byte range of the code (without fences) in the text.
    pub start: usize,
    pub end: usize,
    /// Fence info string (`c`, `bash`), empty when none.
    pub lang: String,
    /// Lines as byte ranges into the text.
    pub lines: Vec<(usize, usize)>,
}

#[derive(Debug)]
pub struct Doc<'a> {
    pub title: &'a str,
    pub text: &'a str,
    pub lines: Vec<(usize, usize)>,
    pub blocks: Vec<CodeBlock>,
    /// `in_code[i]`: line i belongs to a code block.
    pub in_code: Vec<bool>,
    /// Lowercased text (same byte offsets for ASCII; built char-wise when not ASCII).
    pub lower: String,
    pub lower_title: String,
    pub reporter: Option<&'a str>,
}

impl<'a> Doc<'a> {
    pub fn new(report: &'a Report) -> Self {
        let text = report.text.as_str();
        let mut lines = Vec::new();
        let mut start = 0;
        for (i, b) in text.bytes().enumerate() {
            if b == b'\n' {
                let end = if i > start && text.as_bytes()[i - 1] == b'\r' {
                    i - 1
                } else {
                    i
                };
                lines.push((start, end));
                start = i + 1;
            }
        }
        if start < text.len() {
            lines.push((start, text.len()));
        }
        let (blocks, in_code) = find_blocks(text, &lines);
        Doc {
            title: &report.title,
            text,
            lower: lower_same_len(text),
            lower_title: lower_same_len(&report.title),
            reporter: report.reporter.as_deref(),
            lines,
            blocks,
            in_code,
        }
    }

    /// Index of the line holding byte `pos`.
    pub fn line_of(&self, pos: usize) -> usize {
        match self.lines.binary_search_by(|&(s, _)| s.cmp(&pos)) {
            Ok(i) => i,
            Err(0) => 0,
            Err(i) => i - 1,
        }
    }

    pub fn is_code_at(&self, pos: usize) -> bool {
        self.in_code
            .get(self.line_of(pos))
            .copied()
            .unwrap_or(false)
    }

    pub fn evidence(&self, start: usize, end: usize) -> Evidence {
        evidence_in(Field::Text, self.text, start, end)
    }

    pub fn title_evidence(&self, start: usize, end: usize) -> Evidence {
        evidence_in(Field::Title, self.title, start, end)
    }

    /// Evidence for a whole line, trimmed.
    pub fn line_evidence(&self, i: usize) -> Evidence {
        let (s, e) = self.lines[i];
        let raw = &self.text[s..e];
        let lead = raw.len() - raw.trim_start().len();
        let trail = raw.len() - raw.trim_end().len();
        self.evidence(s + lead, e - trail.min(e - s - lead))
    }

    /// Prose lines (not in code blocks) as byte ranges.
    pub fn prose_lines(&self) -> impl Iterator<Item = (usize, usize)> + '_ {
        self.lines
            .iter()
            .enumerate()
            .filter(|(i, _)| !self.in_code[*i])
            .map(|(_, r)| *r)
    }
}

/// Cuts `s[start..end]` to at most 300 bytes on character boundaries.
pub fn evidence_in(field: Field, s: &str, start: usize, end: usize) -> Evidence {
    let start = floor_char(s, start.min(s.len()));
    let mut end = floor_char(s, end.min(s.len()).max(start));
    if end - start > 300 {
        end = floor_char(s, start + 300);
    }
    Evidence {
        field,
        start,
        end,
        quote: s[start..end].to_owned(),
    }
}

fn floor_char(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// ASCII-lowercases, keeping byte offsets (non-ASCII bytes are kept as they are).
pub fn lower_same_len(s: &str) -> String {
    s.to_ascii_lowercase()
}

fn fence_of(trimmed: &str) -> Option<(&str, usize)> {
    for f in ["```", "~~~"] {
        if trimmed.starts_with(f) {
            let c = f.as_bytes()[0];
            let n = trimmed.bytes().take_while(|&b| b == c).count();
            return Some((&trimmed[..n], n));
        }
    }
    None
}

fn find_blocks(text: &str, lines: &[(usize, usize)]) -> (Vec<CodeBlock>, Vec<bool>) {
    let mut blocks = Vec::new();
    let mut in_code = vec![false; lines.len()];
    let mut i = 0;
    while i < lines.len() {
        let (s, e) = lines[i];
        let line = &text[s..e];
        let trimmed = line.trim_start();
        if let Some((fence, n)) = fence_of(trimmed) {
            let rest = &trimmed[n..];
            // One-line fenced code: ```curl -x …```
            if let Some(inner) = rest.strip_suffix(fence).filter(|r| !r.trim().is_empty()) {
                let off = s + (line.len() - trimmed.len()) + n;
                blocks.push(CodeBlock {
                    start: off,
                    end: off + inner.len(),
                    lang: String::new(),
                    lines: vec![(off, off + inner.len())],
                });
                in_code[i] = true;
                i += 1;
                continue;
            }
            let lang = rest.trim().to_ascii_lowercase();
            in_code[i] = true;
            let mut j = i + 1;
            let mut body = Vec::new();
            while j < lines.len() {
                let (bs, be) = lines[j];
                in_code[j] = true;
                if text[bs..be].trim_start().starts_with(fence) {
                    break;
                }
                body.push((bs, be));
                j += 1;
            }
            if let (Some(first), Some(last)) = (body.first(), body.last()) {
                blocks.push(CodeBlock {
                    start: first.0,
                    end: last.1,
                    lang,
                    lines: body.clone(),
                });
            }
            i = j + 1;
            continue;
        }
        // A run of code-looking lines outside fences (blank lines allowed inside).
        if looks_like_code(line) {
            let mut j = i;
            let mut last_code = i;
            let mut count = 0;
            while j < lines.len() {
                let l = &text[lines[j].0..lines[j].1];
                if fence_of(l.trim_start()).is_some() {
                    break;
                }
                if looks_like_code(l) {
                    last_code = j;
                    count += 1;
                } else if !(l.trim().is_empty() || continues_code(l)) || j > last_code + 2 {
                    break;
                }
                j += 1;
            }
            if count >= 2 {
                let body: Vec<_> = lines[i..=last_code].to_vec();
                for flag in &mut in_code[i..=last_code] {
                    *flag = true;
                }
                blocks.push(CodeBlock {
                    start: body[0].0,
                    end: body[body.len() - 1].1,
                    lang: String::new(),
                    lines: body,
                });
                i = last_code + 1;
                continue;
            }
        }
        i += 1;
    }
    (blocks, in_code)
}

/// A line that reads as C-like source or a shell command rather than prose.
pub fn looks_like_code(line: &str) -> bool {
    let t = line.trim();
    if t.is_empty() || t.len() > 400 {
        return false;
    }
    if t.starts_with("#include")
        || t.starts_with("#define")
        || t.starts_with("#if")
        || t.starts_with("#endif")
        || t.starts_with("#else")
        || t == "{"
        || t == "}"
        || t == "};"
        || t.starts_with("} else")
        || t.starts_with("$ ")
        || t.starts_with("./")
        || t.starts_with("gcc ")
        || t.starts_with("clang ")
        || t.starts_with("curl ")
        || t.starts_with("import ")
        || t.starts_with("from ") && t.contains(" import ")
        || t.starts_with("def ") && t.ends_with(':')
    {
        return true;
    }
    let words = t.split_whitespace().count();
    let codey_end = t.ends_with(';') || t.ends_with('{') || t.ends_with("*/");
    let has_syntax = t.contains('(') || t.contains('=') || t.contains("->") || t.contains('[');
    if codey_end && has_syntax && !t.ends_with(". ;") {
        // Prose rarely ends in ';' or '{' with a call or an assignment in it.
        return words <= 20 || t.matches(';').count() >= 2;
    }
    let starts_kw = [
        "if(",
        "if (",
        "for(",
        "for (",
        "while(",
        "while (",
        "return ",
        "return;",
        "static ",
        "struct ",
        "case ",
        "switch(",
        "switch (",
        "else",
        "goto ",
        "break;",
        "continue;",
    ];
    starts_kw.iter().any(|k| t.starts_with(k)) && (has_syntax || codey_end)
}

fn continues_code(line: &str) -> bool {
    let indented = line.starts_with("  ") || line.starts_with('\t');
    let t = line.trim();
    indented && (t.contains('(') || t.contains('=') || t.starts_with("/*") || t.starts_with('*'))
        || t.starts_with("//")
        || t.starts_with("/*")
        || t.starts_with("* ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fenced_and_unfenced_blocks() {
        let r = Report::new(
            "t",
            "Prose here.\n```c\nint main(void) {\n  return 0;\n}\n```\nMore prose.\nstatic int f(int a)\n{\n  return a;\n}\nEnd.",
        );
        let d = Doc::new(&r);
        assert_eq!(d.blocks.len(), 2);
        assert_eq!(d.blocks[0].lang, "c");
        assert!(d.text[d.blocks[0].start..d.blocks[0].end].starts_with("int main"));
        assert!(d.text[d.blocks[1].start..d.blocks[1].end].starts_with("static int f"));
        assert!(!d.in_code[0]);
        assert!(!d.in_code[d.line_of(d.text.find("End.").unwrap_or(0))]);
    }

    #[test]
    fn one_line_fence() {
        let r = Report::new("t", "Run:\n```curl --proto -all http://x```\n");
        let d = Doc::new(&r);
        assert_eq!(d.blocks.len(), 1);
        assert_eq!(
            &d.text[d.blocks[0].start..d.blocks[0].end],
            "curl --proto -all http://x"
        );
    }

    #[test]
    fn prose_with_semicolon_is_not_code() {
        assert!(!looks_like_code(
            "This is a sentence; another one follows here."
        ));
        assert!(looks_like_code("  strcpy(dst, tmp);"));
    }
}
