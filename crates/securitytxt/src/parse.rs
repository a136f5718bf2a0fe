//! Bytes → lines → fields, keeping line numbers; syntax findings on the way.
//!
//! Lines end with LF, CRLF or (reported as `bare_cr`) a lone CR. Spaces and tabs before the
//! line end are allowed (RFC 9116 §4 `eol`). The OpenPGP cleartext envelope is recognised
//! and its text dash-unescaped; field names compare case-insensitively; order is free.

use serde::Serialize;

use crate::code::{Code, Finding};
use crate::pgp::{self, ArmorError, BEGIN_SIGNATURE, BEGIN_SIGNED, END_SIGNATURE, Signature};

/// RFC 9116 §5.4: parsers may refuse files larger than 32 KB.
pub const DEFAULT_MAX_SIZE: usize = 32 * 1024;

/// At most this many findings of one code are kept (binary garbage would give thousands).
const MAX_PER_CODE: u32 = 50;

/// One `name: value` line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Field {
    /// The name as written (compare with [`Field::is`]).
    pub name: String,
    /// The value, without the separating space and trailing whitespace.
    pub value: String,
    /// 1-based line number in the file.
    pub line: usize,
}

impl Field {
    /// Whether this field's name is `name`, ignoring ASCII case (RFC 9116 §2).
    pub fn is(&self, name: &str) -> bool {
        self.name.eq_ignore_ascii_case(name)
    }
}

/// A parsed security.txt: its fields in file order, and the signature envelope if any.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Document {
    /// Every well-formed field (known or not), in file order. Signed files: the cleartext's.
    pub fields: Vec<Field>,
    /// The cleartext envelope, when the file is signed.
    pub signature: Option<Signature>,
    /// Number of lines in the file.
    pub line_count: usize,
}

impl Document {
    /// Fields named `name` (case-insensitive), in file order.
    pub fn fields_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Field> + 'a {
        self.fields.iter().filter(move |f| f.is(name))
    }

    /// Values of the fields named `name`, in file order.
    pub fn values<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.fields_named(name).map(|f| f.value.as_str())
    }

    /// Whether the file carries an OpenPGP cleartext envelope.
    pub fn is_signed(&self) -> bool {
        self.signature.is_some()
    }
}

/// Output of [`parse`]: the document and the syntax-level findings.
#[derive(Debug, Clone, Default)]
pub struct Parsed {
    /// What was read.
    pub document: Document,
    /// Syntax findings (encoding, line structure, field syntax, envelope).
    pub findings: Vec<Finding>,
}

/// Collects findings, capping each code at [`MAX_PER_CODE`].
#[derive(Debug)]
pub(crate) struct Sink {
    pub(crate) findings: Vec<Finding>,
    counts: [u32; Code::ALL.len()],
}

impl Default for Sink {
    fn default() -> Sink {
        Sink {
            findings: Vec::new(),
            counts: [0; Code::ALL.len()],
        }
    }
}

impl Sink {
    pub(crate) fn push(&mut self, code: Code, line: Option<usize>, detail: impl Into<String>) {
        let n = &mut self.counts[code as usize];
        *n = n.saturating_add(1);
        if *n <= MAX_PER_CODE {
            self.findings.push(Finding::new(code, line, detail));
        }
    }

    pub(crate) fn finish(mut self) -> Vec<Finding> {
        for (code, n) in Code::ALL.iter().zip(self.counts) {
            if n > MAX_PER_CODE {
                self.findings.push(Finding::new(
                    Code::FindingsTruncated,
                    None,
                    format!("{} more '{code}' findings omitted", n - MAX_PER_CODE),
                ));
            }
        }
        self.findings
    }
}

/// Parses `input` with the default size cap ([`DEFAULT_MAX_SIZE`]).
pub fn parse(input: &[u8]) -> Parsed {
    parse_with_limit(input, DEFAULT_MAX_SIZE)
}

/// Parses `input`; inputs longer than `max_size` bytes are refused with `file_too_large`.
pub fn parse_with_limit(input: &[u8], max_size: usize) -> Parsed {
    let mut sink = Sink::default();
    let document = parse_into(input, max_size, &mut sink);
    Parsed {
        document,
        findings: sink.finish(),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Unsigned,
    Header,
    Cleartext,
    Armor,
    After,
}

pub(crate) fn parse_into(input: &[u8], max_size: usize, sink: &mut Sink) -> Document {
    let mut doc = Document::default();
    if input.len() > max_size {
        sink.push(
            Code::FileTooLarge,
            None,
            format!("{} bytes, limit {max_size}", input.len()),
        );
        return doc;
    }
    let mut bytes = input;
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        sink.push(Code::BomInFile, (!rest.is_empty()).then_some(1), "");
        bytes = rest;
    }
    let text: std::borrow::Cow<'_, str> = match std::str::from_utf8(bytes) {
        Ok(s) => s.into(),
        Err(e) => {
            let at = e.valid_up_to();
            let line = 1 + bytes[..at].iter().filter(|&&b| b == b'\n').count();
            sink.push(
                Code::Utf8,
                Some(line),
                format!("invalid byte sequence at byte {}", at + 1),
            );
            String::from_utf8_lossy(bytes)
        }
    };

    let mut p = LineParser {
        sink,
        doc: &mut doc,
        state: State::Unsigned,
        header_hashes: Vec::new(),
        cleartext: Vec::new(),
        armor: Vec::new(),
        begin_line: 0,
        saw_hash: false,
        blank_after: None,
        first_content_seen: false,
        check_chars: true,
        armor_ws: None,
    };
    // One vectorisable pass decides whether the per-line character checks and the CR-aware
    // line splitting are needed at all (they are not, for almost every real file).
    let bytes = text.as_bytes();
    let has_cr = bytes.contains(&b'\r');
    p.check_chars = bytes.iter().fold(false, |acc, &b| {
        acc | ((b < 0x20) & (b != b'\n') & (b != b'\r') & (b != b'\t')) | (b == 0x7f) | (b == 0xC2)
    });
    let mut line_no = 0usize;
    let mut rest: &str = &text;
    while !rest.is_empty() {
        line_no += 1;
        let end = if has_cr {
            rest.bytes().position(|b| b == b'\n' || b == b'\r')
        } else {
            rest.bytes().position(|b| b == b'\n')
        };
        let (line, bare_cr, terminated, next) = match end {
            Some(i) => {
                let b = rest.as_bytes();
                if b[i] == b'\n' {
                    (&rest[..i], false, true, &rest[i + 1..])
                } else if b.get(i + 1) == Some(&b'\n') {
                    (&rest[..i], false, true, &rest[i + 2..])
                } else {
                    (&rest[..i], true, true, &rest[i + 1..])
                }
            }
            None => (rest, false, false, ""),
        };
        rest = next;
        if bare_cr {
            p.sink.push(Code::BareCr, Some(line_no), "");
        }
        if !terminated {
            p.sink.push(Code::NoLineSeparators, Some(line_no), "");
        }
        p.line(line_no, line);
    }
    doc_finish(p, line_no);
    doc
}

struct LineParser<'a> {
    sink: &'a mut Sink,
    doc: &'a mut Document,
    state: State,
    header_hashes: Vec<String>,
    cleartext: Vec<String>,
    armor: Vec<String>,
    begin_line: usize,
    saw_hash: bool,
    blank_after: Option<usize>,
    first_content_seen: bool,
    check_chars: bool,
    /// First armor line with trailing whitespace (outside RFC 9116's `signed` ABNF).
    armor_ws: Option<usize>,
}

fn doc_finish(p: LineParser<'_>, line_count: usize) {
    let LineParser {
        sink,
        doc,
        state,
        header_hashes,
        cleartext,
        armor,
        begin_line,
        blank_after,
        armor_ws,
        ..
    } = p;
    doc.line_count = line_count;
    if line_count > 1000 {
        sink.push(Code::TooManyLines, None, format!("{line_count} lines"));
    }
    if state == State::Unsigned {
        return;
    }
    match state {
        State::Header | State::Cleartext => sink.push(
            Code::PgpDataError,
            Some(begin_line),
            "no -----BEGIN PGP SIGNATURE----- line follows the signed text",
        ),
        State::Armor => sink.push(
            Code::PgpDataError,
            Some(begin_line),
            "the signature has no -----END PGP SIGNATURE----- line",
        ),
        State::After => {
            let body = &armor[1..armor.len().saturating_sub(1)];
            match pgp::decode_armor(body) {
                Ok(decoded) => {
                    if let Some(line) = armor_ws {
                        sink.push(
                            Code::PgpDataError,
                            Some(line),
                            "an armor line ends with whitespace",
                        );
                    }
                    if decoded.checksum_mismatch {
                        sink.push(Code::ArmorChecksum, Some(begin_line), "");
                    }
                }
                Err(ArmorError::Armor(why)) => {
                    sink.push(Code::PgpDataError, Some(begin_line), &why)
                }
                Err(ArmorError::Packet(why)) => sink.push(Code::PgpError, Some(begin_line), &why),
                Err(ArmorError::NotSignature(why)) => {
                    sink.push(Code::PgpSignatureError, Some(begin_line), &why)
                }
            }
        }
        State::Unsigned => {}
    }
    if let Some(line) = blank_after {
        sink.push(Code::TooManyLineSeparators, Some(line), "");
    }
    doc.signature = Some(Signature {
        hash_algorithms: header_hashes,
        cleartext_lines: cleartext,
        armored: armor.join("\n"),
        begin_line,
    });
}

impl LineParser<'_> {
    fn line(&mut self, n: usize, raw: &str) {
        if self.check_chars {
            check_chars(self.sink, n, raw);
        }
        let line = raw.trim_end_matches([' ', '\t']);
        match self.state {
            State::Unsigned => {
                if line == BEGIN_SIGNED {
                    if n != 1 {
                        self.sink.push(
                            Code::SignedFormatIssue,
                            Some(n),
                            format!("the envelope starts on line {n}, not line 1"),
                        );
                    }
                    self.state = State::Header;
                    self.begin_line = n;
                } else {
                    self.content(n, line);
                }
            }
            State::Header => {
                if line.is_empty() {
                    if !self.saw_hash {
                        self.sink
                            .push(Code::NoHashHeader, Some(self.begin_line), "");
                    }
                    self.state = State::Cleartext;
                } else if let Some(algs) = strip_prefix_ci(line, "Hash:") {
                    self.saw_hash = true;
                    for a in algs.split(',') {
                        let a = a.trim();
                        if !a.is_empty() {
                            self.header_hashes.push(a.to_string());
                        }
                    }
                } else {
                    self.sink.push(
                        Code::SignedFormatIssue,
                        Some(n),
                        "the armor headers must be followed by an empty line",
                    );
                    self.state = State::Cleartext;
                    self.cleartext_line(n, line);
                }
            }
            State::Cleartext => self.cleartext_line(n, line),
            State::Armor => {
                let data_line = !line.is_empty() && line != END_SIGNATURE;
                if data_line && raw.len() != line.len() && self.armor_ws.is_none() {
                    self.armor_ws = Some(n);
                }
                self.armor.push(line.to_string());
                if line == END_SIGNATURE {
                    self.state = State::After;
                }
            }
            State::After => {
                if line.is_empty() {
                    if self.blank_after.is_none() {
                        self.blank_after = Some(n);
                    }
                } else {
                    // Only blank lines that end the file count as extra line separators.
                    self.blank_after = None;
                    self.sink.push(Code::DataAfterSig, Some(n), "");
                }
            }
        }
    }

    fn cleartext_line(&mut self, n: usize, line: &str) {
        if line == BEGIN_SIGNATURE {
            self.state = State::Armor;
            self.armor.push(line.to_string());
            return;
        }
        let text = if let Some(unescaped) = line.strip_prefix("- ") {
            unescaped
        } else {
            if line.starts_with('-') {
                self.sink.push(Code::DashEscape, Some(n), "");
            }
            line
        };
        self.cleartext.push(text.to_string());
        self.content(n, text);
    }

    /// A line of the unsigned body (or of the unescaped cleartext).
    fn content(&mut self, n: usize, line: &str) {
        if !self.first_content_seen && !line.is_empty() {
            self.first_content_seen = true;
            let head = line.trim_start().as_bytes();
            let head = &head[..head.len().min(14)];
            if starts_with_ci(head, b"<!doctype html") || starts_with_ci(head, b"<html") {
                self.sink.push(Code::Html, Some(n), "");
            }
        }
        if line.is_empty() || line.starts_with('#') {
            return;
        }
        let Some((name, value)) = line
            .bytes()
            .position(|b| b == b':')
            .map(|i| (&line[..i], &line[i + 1..]))
        else {
            self.sink.push(Code::InvalidLine, Some(n), "");
            return;
        };
        let trimmed_name = name.trim_end_matches([' ', '\t']);
        if trimmed_name.is_empty() {
            self.sink.push(Code::EmptyKey, Some(n), "");
            return;
        }
        if let Some(bad) = trimmed_name
            .chars()
            .find(|c| !(('!'..='~').contains(c) && *c != ':'))
        {
            let what = match bad {
                ' ' => "a space".to_string(),
                '\t' => "a tab".to_string(),
                c => format!("'{}'", c.escape_default()),
            };
            self.sink.push(
                Code::InvalidFieldName,
                Some(n),
                format!("'{}' contains {what}", shorten(trimmed_name)),
            );
            return;
        }
        if trimmed_name.len() != name.len() {
            self.sink.push(Code::PrecWs, Some(n), "");
        }
        if !value.is_empty() {
            if !value.starts_with(' ') {
                self.sink.push(Code::NoSpace, Some(n), "");
            } else if value[1..].starts_with([' ', '\t']) {
                self.sink.push(Code::ExtraSpace, Some(n), "");
            }
        }
        let value = value.trim_start();
        if value.is_empty() {
            self.sink.push(Code::EmptyValue, Some(n), "");
            return;
        }
        self.doc.fields.push(Field {
            name: trimmed_name.to_string(),
            value: value.to_string(),
            line: n,
        });
    }
}

fn check_chars(sink: &mut Sink, n: usize, raw: &str) {
    let bytes = raw.as_bytes();
    // Fast path: printable ASCII, TAB, and non-ASCII other than C1 controls (U+0080–U+009F,
    // encoded as C2 80–C2 9F).
    let suspicious = |(i, &b): (usize, &u8)| {
        (b < 0x20 && b != b'\t')
            || b == 0x7f
            || (b == 0xC2 && bytes.get(i + 1).is_some_and(|c| (0x80..=0x9F).contains(c)))
    };
    if !bytes.iter().enumerate().any(suspicious) {
        return;
    }
    let mut nul = false;
    let mut control: Option<char> = None;
    for c in raw.chars() {
        if c == '\0' {
            nul = true;
        } else if (c.is_ascii_control() && c != '\t') || ('\u{80}'..='\u{9f}').contains(&c) {
            control.get_or_insert(c);
        }
    }
    if nul {
        sink.push(Code::NulByte, Some(n), "");
    }
    if let Some(c) = control {
        sink.push(Code::ControlChar, Some(n), format!("U+{:04X}", c as u32));
    }
}

fn strip_prefix_ci<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let head = s.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &s[prefix.len()..])
}

fn starts_with_ci(s: &[u8], prefix: &[u8]) -> bool {
    s.len() >= prefix.len() && s[..prefix.len()].eq_ignore_ascii_case(prefix)
}

pub(crate) fn shorten(s: &str) -> String {
    if s.chars().count() > 40 {
        let cut: String = s.chars().take(37).collect();
        format!("{cut}…")
    } else {
        s.to_string()
    }
}
