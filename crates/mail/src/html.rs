//! HTML mail bodies as plain text: a small tokenizer, no DOM, no scripts, linear time.
//!
//! Dropped with their content: `<script>`, `<style>`, `<head>` (and `<title>`),
//! `<template>`, `<noscript>`, comments, declarations and processing instructions. Block
//! elements become line breaks, list items `- `, `<blockquote>` quotes lines with `> `,
//! `<pre>` keeps its white space. Entities are decoded (named, decimal, hexadecimal).
//! Links keep their target as text, `text <https://…>`, unless the text already shows it;
//! targets with other schemes than http, https, mailto and ftp (`javascript:`, `data:`)
//! are dropped. Images show their alt text as `[image: …]`.

/// Elements whose whole content is dropped.
const SKIPPED: [&str; 6] = ["script", "style", "head", "title", "template", "noscript"];
/// Elements that start and end a line.
const BLOCKS: [&str; 27] = [
    "p", "div", "table", "tr", "ul", "ol", "dl", "dt", "dd", "h1", "h2", "h3", "h4", "h5", "h6",
    "section", "article", "header", "footer", "address", "center", "form", "fieldset", "caption",
    "figure", "main", "nav",
];
/// Elements separated by a blank line rather than a line break.
const PARAGRAPHS: [&str; 10] = ["p", "table", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6"];
/// Link schemes kept as text.
const SAFE_SCHEMES: [&str; 5] = ["http:", "https:", "mailto:", "ftp:", "ftps:"];
/// Longest tag name looked at.
const MAX_TAG_NAME: usize = 16;
/// Most links open at once (nested `<a>`); deeper ones are ignored.
const MAX_OPEN_LINKS: usize = 64;
/// Longest link text compared with its target; longer text always gets the target added.
const MAX_LINK_TEXT_COMPARED: usize = 1_024;

/// What the converter remembers besides the text.
#[derive(Default)]
struct State {
    /// Open links: target (if safe) and the text length at the opening tag.
    links: Vec<(Option<String>, usize)>,
    /// For each of [`SKIPPED`], whether its closing tag is known to be missing from here on,
    /// so that a thousand unclosed `<head>` tags do not mean a thousand scans.
    unclosed: [bool; SKIPPED.len()],
}

/// Converts an HTML document or fragment to plain text (see the module documentation).
/// Never fails: malformed markup degrades to text.
pub fn html_to_text(html: &str) -> String {
    let mut out = Builder::default();
    let bytes = html.as_bytes();
    let mut i = 0;
    let mut state = State::default();
    while i < bytes.len() {
        match bytes[i] {
            b'<' => {
                if let Some(next) = markup(html, i, &mut out, &mut state) {
                    i = next;
                } else {
                    out.text_char('<');
                    i += 1;
                }
            }
            b'&' => {
                let (decoded, len) = entity(&html[i..]);
                match decoded {
                    Some(c) => out.text_char(c),
                    None => out.text_char('&'),
                }
                i += len;
            }
            _ => {
                // Copy the run of ordinary text up to the next markup or entity.
                let end = html[i..].find(['<', '&']).map_or(html.len(), |n| i + n);
                for c in html[i..end].chars() {
                    out.text_char(c);
                }
                i = end;
            }
        }
    }
    out.finish()
}

/// Handles the markup starting at `start` (a `<`); returns where text resumes, or `None`
/// when the `<` is just a character.
fn markup(html: &str, start: usize, out: &mut Builder, state: &mut State) -> Option<usize> {
    let rest = &html[start..];
    if let Some(after) = rest.strip_prefix("<!--") {
        return Some(after.find("-->").map_or(html.len(), |n| start + 4 + n + 3));
    }
    if let Some(after) = rest.strip_prefix("<![CDATA[") {
        let end = after.find("]]>").unwrap_or(after.len());
        for c in after[..end].chars() {
            out.text_char(c);
        }
        return Some((start + 9 + end + 3).min(html.len()));
    }
    if rest.starts_with("<!") || rest.starts_with("<?") {
        return Some(rest.find('>').map_or(html.len(), |n| start + n + 1));
    }
    let bytes = rest.as_bytes();
    let mut j = 1;
    let closing = bytes.get(1) == Some(&b'/');
    if closing {
        j += 1;
    }
    let name_start = j;
    while j < bytes.len() && (bytes[j].is_ascii_alphanumeric()) {
        j += 1;
    }
    if j == name_start {
        return None;
    }
    let name = rest[name_start..j].to_ascii_lowercase();
    let (attributes, tag_end) = attributes(rest, j);
    let after_tag = start + tag_end;
    if name.len() > MAX_TAG_NAME {
        return Some(after_tag);
    }
    let name = name.as_str();
    if !closing && let Some(k) = SKIPPED.iter().position(|s| *s == name) {
        let close = format!("</{name}");
        let tail = &html[after_tag..];
        let found = if state.unclosed[k] {
            None
        } else {
            find_ascii_ci(tail, &close)
        };
        return Some(match found {
            Some(n) => {
                let end_tag = &tail[n..];
                after_tag + n + end_tag.find('>').map_or(end_tag.len(), |m| m + 1)
            }
            None => {
                state.unclosed[k] = true;
                // An unclosed <head> is ignored (some mailers never close it); an unclosed
                // script or style swallows the rest, as in a browser.
                if name == "head" {
                    after_tag
                } else {
                    html.len()
                }
            }
        });
    }
    match name {
        "br" => out.line_break(),
        "hr" => {
            out.block(false);
            out.text_str("----");
            out.block(false);
        }
        "li" if !closing => {
            out.block(false);
            out.text_str("- ");
        }
        "li" => out.block(false),
        "td" | "th" if !closing => out.space(),
        "blockquote" => {
            out.block(true);
            if closing {
                out.quote = out.quote.saturating_sub(1);
            } else {
                out.quote += 1;
            }
        }
        "pre" => {
            out.block(true);
            if closing {
                out.pre = out.pre.saturating_sub(1);
            } else {
                out.pre += 1;
            }
        }
        "a" if !closing => {
            let href = attribute(&attributes, "href")
                .map(|h| decode_entities(h).trim().to_owned())
                .filter(|h| {
                    let lower = h.to_ascii_lowercase();
                    SAFE_SCHEMES.iter().any(|s| lower.starts_with(s))
                });
            if state.links.len() < MAX_OPEN_LINKS {
                state.links.push((href, out.text.len()));
            }
        }
        "a" => {
            if let Some((Some(href), at)) = state.links.pop() {
                let shown = out.text.get(at..).unwrap_or("");
                let plain = href.strip_prefix("mailto:").unwrap_or(&href);
                let shows_target = shown.len() <= MAX_LINK_TEXT_COMPARED && {
                    let shown = shown.trim();
                    shown == href || shown == plain || shown.contains(plain)
                };
                if !shows_target {
                    out.text_str(&format!(" <{href}>"));
                }
            }
        }
        "img" => {
            if let Some(alt) = attribute(&attributes, "alt") {
                let alt = decode_entities(alt);
                let alt = alt.trim();
                if !alt.is_empty() {
                    out.text_str(&format!("[image: {alt}]"));
                }
            }
        }
        _ if BLOCKS.contains(&name) => out.block(PARAGRAPHS.contains(&name)),
        _ => {}
    }
    Some(after_tag)
}

/// Reads attributes from `j` to the end of the tag; returns them and the index after `>`.
fn attributes(rest: &str, mut j: usize) -> (Vec<(String, String)>, usize) {
    let bytes = rest.as_bytes();
    let mut found = Vec::new();
    loop {
        while j < bytes.len() && (bytes[j].is_ascii_whitespace() || bytes[j] == b'/') {
            j += 1;
        }
        if j >= bytes.len() {
            return (found, bytes.len());
        }
        if bytes[j] == b'>' {
            return (found, j + 1);
        }
        let name_start = j;
        while j < bytes.len()
            && !bytes[j].is_ascii_whitespace()
            && !matches!(bytes[j], b'=' | b'>' | b'/')
        {
            j += 1;
        }
        let name = rest[name_start..j].to_ascii_lowercase();
        while j < bytes.len() && bytes[j].is_ascii_whitespace() {
            j += 1;
        }
        let mut value = String::new();
        if bytes.get(j) == Some(&b'=') {
            j += 1;
            while j < bytes.len() && bytes[j].is_ascii_whitespace() {
                j += 1;
            }
            match bytes.get(j) {
                Some(&q @ (b'"' | b'\'')) => {
                    let end = rest[j + 1..]
                        .find(q as char)
                        .map_or(rest.len(), |n| j + 1 + n);
                    value = rest[j + 1..end].to_owned();
                    j = (end + 1).min(rest.len());
                }
                _ => {
                    let start = j;
                    while j < bytes.len() && !bytes[j].is_ascii_whitespace() && bytes[j] != b'>' {
                        j += 1;
                    }
                    value = rest[start..j].to_owned();
                }
            }
        }
        // A stray `=` gives an empty name; its value has been stepped over above.
        if !name.is_empty() {
            found.push((name, value));
        }
    }
}

fn attribute<'a>(attributes: &'a [(String, String)], name: &str) -> Option<&'a str> {
    attributes
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
}

/// Position of `needle` (ASCII, lower case) in `hay`, ignoring ASCII case.
fn find_ascii_ci(hay: &str, needle: &str) -> Option<usize> {
    let n = needle.as_bytes();
    hay.as_bytes()
        .windows(n.len())
        .position(|w| w.eq_ignore_ascii_case(n))
}

/// Decodes the entities in an attribute value.
fn decode_entities(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while let Some(n) = text[i..].find('&') {
        out.push_str(&text[i..i + n]);
        let (decoded, len) = entity(&text[i + n..]);
        match decoded {
            Some(c) => out.push(c),
            None => out.push('&'),
        }
        i += n + len;
    }
    out.push_str(&text[i..]);
    out
}

/// Decodes the entity at the start of `s` (which starts with `&`); returns the character
/// (or `None` when it is no entity) and the bytes consumed (1 for a lone `&`).
fn entity(s: &str) -> (Option<char>, usize) {
    let body = &s[1..];
    if let Some(num) = body.strip_prefix('#') {
        let (digits, radix, skip) = match num.strip_prefix(['x', 'X']) {
            Some(hex) => (hex, 16, 3),
            None => (num, 10, 2),
        };
        let len = digits
            .bytes()
            .take_while(|b| b.is_ascii_digit() || (radix == 16 && b.is_ascii_hexdigit()))
            .count();
        if len == 0 {
            return (None, 1);
        }
        let value = if len > 8 {
            None
        } else {
            u32::from_str_radix(&digits[..len], radix).ok()
        };
        let c = value
            .and_then(char::from_u32)
            .filter(|c| *c != '\0' && (!c.is_control() || matches!(c, '\t' | '\n')))
            .unwrap_or(char::REPLACEMENT_CHARACTER);
        let semicolon = usize::from(digits[len..].starts_with(';'));
        return (Some(c), skip + len + semicolon);
    }
    let len = body
        .bytes()
        .take(12)
        .take_while(|b| b.is_ascii_alphanumeric())
        .count();
    if len == 0 || !body[len..].starts_with(';') {
        return (None, 1);
    }
    match named_entity(&body[..len]) {
        Some(c) => (Some(c), len + 2),
        None => (None, 1),
    }
}

fn named_entity(name: &str) -> Option<char> {
    Some(match name {
        "amp" | "AMP" => '&',
        "lt" | "LT" => '<',
        "gt" | "GT" => '>',
        "quot" | "QUOT" => '"',
        "apos" => '\'',
        "nbsp" | "ensp" | "emsp" | "thinsp" => ' ',
        "shy" | "zwnj" | "zwj" | "lrm" | "rlm" => '\u{200B}',
        "copy" => '©',
        "reg" => '®',
        "trade" => '™',
        "hellip" => '…',
        "mdash" => '—',
        "ndash" => '–',
        "minus" => '−',
        "lsquo" => '‘',
        "rsquo" => '’',
        "sbquo" => '‚',
        "ldquo" => '“',
        "rdquo" => '”',
        "bdquo" => '„',
        "laquo" => '«',
        "raquo" => '»',
        "lsaquo" => '‹',
        "rsaquo" => '›',
        "bull" => '•',
        "middot" => '·',
        "para" => '¶',
        "sect" => '§',
        "deg" => '°',
        "plusmn" => '±',
        "times" => '×',
        "divide" => '÷',
        "frac12" => '½',
        "frac14" => '¼',
        "frac34" => '¾',
        "sup2" => '²',
        "sup3" => '³',
        "micro" => 'µ',
        "euro" => '€',
        "pound" => '£',
        "yen" => '¥',
        "cent" => '¢',
        "curren" => '¤',
        "iexcl" => '¡',
        "iquest" => '¿',
        "dagger" => '†',
        "Dagger" => '‡',
        "larr" => '←',
        "rarr" => '→',
        "uarr" => '↑',
        "darr" => '↓',
        "harr" => '↔',
        "le" => '≤',
        "ge" => '≥',
        "ne" => '≠',
        "asymp" => '≈',
        "infin" => '∞',
        "auml" => 'ä',
        "ouml" => 'ö',
        "uuml" => 'ü',
        "Auml" => 'Ä',
        "Ouml" => 'Ö',
        "Uuml" => 'Ü',
        "szlig" => 'ß',
        "eacute" => 'é',
        "egrave" => 'è',
        "ecirc" => 'ê',
        "Eacute" => 'É',
        "aacute" => 'á',
        "agrave" => 'à',
        "acirc" => 'â',
        "iacute" => 'í',
        "oacute" => 'ó',
        "uacute" => 'ú',
        "ntilde" => 'ñ',
        "ccedil" => 'ç',
        "oslash" => 'ø',
        "aring" => 'å',
        "aelig" => 'æ',
        _ => return None,
    })
}

/// Accumulates text, collapsing white space outside `<pre>` and quoting inside
/// `<blockquote>`.
#[derive(Default)]
struct Builder {
    text: String,
    /// A space is due before the next visible character.
    space: bool,
    /// Line breaks due before the next visible character (0–2).
    breaks: u8,
    quote: usize,
    pre: usize,
}

impl Builder {
    fn at_line_start(&self) -> bool {
        self.text.is_empty() || self.text.ends_with('\n')
    }

    fn text_char(&mut self, c: char) {
        if c == '\u{200B}' {
            return;
        }
        if self.pre > 0 {
            if c == '\r' {
                return;
            }
            if c == '\n' {
                self.flush_breaks();
                self.newline();
                return;
            }
            self.visible(c);
            return;
        }
        if c.is_whitespace() {
            if !self.at_line_start() || self.breaks > 0 {
                self.space = true;
            }
            return;
        }
        if c.is_control() {
            return;
        }
        self.visible(c);
    }

    fn text_str(&mut self, s: &str) {
        for c in s.chars() {
            if c == ' ' {
                self.space = true;
            } else {
                self.visible(c);
            }
        }
    }

    fn visible(&mut self, c: char) {
        self.flush_breaks();
        if self.at_line_start() {
            self.space = false;
            for _ in 0..self.quote {
                self.text.push_str("> ");
            }
        } else if self.space {
            self.text.push(' ');
        }
        self.space = false;
        self.text.push(c);
    }

    fn flush_breaks(&mut self) {
        if self.text.is_empty() {
            self.breaks = 0;
            return;
        }
        while self.breaks > 0 {
            self.newline();
            self.breaks -= 1;
        }
    }

    fn newline(&mut self) {
        self.text.push('\n');
        self.space = false;
    }

    fn space(&mut self) {
        self.space = true;
    }

    fn line_break(&mut self) {
        self.flush_breaks();
        self.newline();
    }

    /// A block boundary: the next text starts on a new line (after a blank line when
    /// `paragraph`).
    fn block(&mut self, paragraph: bool) {
        let want: u8 = if paragraph { 2 } else { 1 };
        let have = if self.text.ends_with("\n\n") {
            2
        } else if self.at_line_start() {
            1
        } else {
            0
        };
        self.breaks = self.breaks.max(want.saturating_sub(have));
        self.space = false;
    }

    fn finish(self) -> String {
        let mut out = String::with_capacity(self.text.len());
        let mut blank = 0;
        for line in self.text.lines() {
            let line = line.trim_end();
            if line.is_empty() {
                blank += 1;
                if blank > 1 {
                    continue;
                }
            } else {
                blank = 0;
            }
            out.push_str(line);
            out.push('\n');
        }
        out.trim_matches('\n').to_owned()
    }
}
