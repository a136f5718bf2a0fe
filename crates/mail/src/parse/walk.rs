//! The walk over the MIME tree: multiparts, alternatives, signatures, embedded messages
//! and body text.

use mail_parser::decoders::charsets::map::charset_decoder;
use mail_parser::{HeaderName, HeaderValue, Message, MessagePart, MimeHeaders, PartType};

use super::headers::{header_value, mailboxes};
use super::push_problem;
use super::text::{armored_block, armored_range, clean_text, line_start_find, unflow};
use crate::address::{Mailbox, one_line};
use crate::html::html_to_text;
use crate::limits::Limits;
use crate::message::{
    Body, BodySource, Content, Encrypted, EncryptionKind, Problem, SignatureKind, Signed,
};

pub(super) fn type_subtype(ctype: &str, subtype: Option<&str>) -> String {
    let ctype = ctype.trim().to_ascii_lowercase();
    match subtype {
        Some(sub) => format!("{ctype}/{}", sub.trim().to_ascii_lowercase()),
        None => ctype,
    }
}

fn content_type_of(part: &MessagePart<'_>) -> String {
    match part.content_type() {
        Some(ct) => type_subtype(ct.ctype(), ct.subtype()),
        None if matches!(part.body, PartType::Message(_)) => "message/rfc822".to_owned(),
        None => "text/plain".to_owned(),
    }
}

pub(super) fn is_attachment_disposition(part: &MessagePart<'_>) -> bool {
    part.content_disposition()
        .is_some_and(|d| d.is_attachment())
}

/// Whether a charset name is one we decode (UTF-8 in any spelling, or one mail-parser
/// maps).
fn known_charset(charset: &str) -> bool {
    let lower = charset.trim().to_ascii_lowercase();
    matches!(
        lower.as_str(),
        "" | "utf-8"
            | "utf8"
            | "unicode-1-1-utf-8"
            | "unicode11utf8"
            | "unicode20utf8"
            | "x-unicode20utf8"
    ) || charset_decoder(lower.as_bytes()).is_some()
}

/// The transfer-decoded bytes of a leaf part.
fn part_bytes<'a>(part: &'a MessagePart<'_>) -> &'a [u8] {
    match &part.body {
        PartType::Text(t) | PartType::Html(t) => t.as_bytes(),
        PartType::Binary(b) | PartType::InlineBinary(b) => b,
        PartType::Message(m) => m.raw_message.as_ref(),
        PartType::Multipart(_) => &[],
    }
}

/// The first body part of a multipart whose body starts at `body`: from the line after
/// the first `--boundary` line to just before the line break that precedes the next one.
fn first_part_bytes<'a>(body: &'a [u8], boundary: &str) -> Option<&'a [u8]> {
    let delimiter = [b"--", boundary.as_bytes()].concat();
    let mut start: Option<usize> = None;
    let mut line_start = 0;
    while line_start <= body.len() {
        let line_end = body[line_start..]
            .iter()
            .position(|&b| b == b'\n')
            .map_or(body.len(), |n| line_start + n);
        let line = &body[line_start..line_end];
        if let Some(rest) = line.strip_prefix(delimiter.as_slice()) {
            let rest = rest.trim_ascii_end();
            match start {
                None if rest.is_empty() => start = Some((line_end + 1).min(body.len())),
                Some(from) if rest.is_empty() || rest == b"--" => {
                    let mut end = line_start;
                    if end > from && body[end - 1] == b'\n' {
                        end -= 1;
                        if end > from && body[end - 1] == b'\r' {
                            end -= 1;
                        }
                    }
                    return body.get(from..end.max(from));
                }
                _ => {}
            }
        }
        line_start = line_end + 1;
    }
    None
}

/// Line ends made CRLF (RFC 3156 canonical form).
fn to_crlf(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len() + bytes.len() / 40 + 2);
    let mut previous = 0u8;
    for &b in bytes {
        if b == b'\n' && previous != b'\r' {
            out.push(b'\r');
        }
        out.push(b);
        previous = b;
    }
    out
}

pub(super) fn read_content(message: &Message<'_>, limits: &Limits) -> Content {
    let mut walker = Walker::new(limits);
    walker.walk(message, 0, 0, false);
    walker.finish()
}

/// The transfer-decoded content of an attachment.
pub(super) enum Data<'a> {
    /// Charset-decoded by mail-parser (text/* parts).
    Text(&'a str),
    /// Bytes.
    Bytes(&'a [u8]),
}

/// Walks a MIME tree, collecting body pieces, attachments and findings.
pub(super) struct Walker<'l> {
    pub(super) limits: &'l Limits,
    pieces: Vec<(BodySource, String)>,
    pub(super) content: Content,
    pub(super) kept: usize,
    pub(super) unnamed: usize,
    /// Whether a `multipart/signed` was examined: only the outermost one is, so that
    /// nested ones cannot each cost a scan of the message.
    signature_tried: bool,
}

impl<'l> Walker<'l> {
    pub(super) fn new(limits: &'l Limits) -> Self {
        Walker {
            limits,
            pieces: Vec::new(),
            content: Content::default(),
            kept: 0,
            unnamed: 0,
            signature_tried: false,
        }
    }

    pub(super) fn problem(&mut self, problem: Problem) {
        push_problem(&mut self.content.problems, problem);
    }

    fn walk(&mut self, message: &Message<'_>, id: u32, depth: usize, related: bool) {
        let Some(part) = message.parts.get(id as usize) else {
            return;
        };
        if depth > self.limits.max_depth {
            self.problem(Problem::TooDeep {
                limit: self.limits.max_depth,
            });
            return;
        }
        let ct = content_type_of(part);
        if part.is_encoding_problem && !part_bytes(part).is_empty() {
            self.problem(Problem::MalformedPart {
                content_type: ct.clone(),
            });
        }
        match &part.body {
            PartType::Multipart(children) => {
                self.multipart(message, part, &ct, children, depth);
            }
            PartType::Message(nested) => self.embedded(nested, depth),
            PartType::Text(text) => self.text(part, &ct, text, false, related),
            PartType::Html(text) => self.text(part, &ct, text, true, related),
            PartType::Binary(bytes) | PartType::InlineBinary(bytes) => {
                self.binary(part, &ct, bytes, related);
            }
        }
    }

    fn multipart(
        &mut self,
        message: &Message<'_>,
        part: &MessagePart<'_>,
        ct: &str,
        children: &[u32],
        depth: usize,
    ) {
        let protocol = part
            .content_type()
            .and_then(|c| c.attribute("protocol"))
            .map(|p| p.trim().to_ascii_lowercase());
        match ct {
            "multipart/alternative" => {
                if let Some(choice) = self.pick_alternative(message, children) {
                    self.walk(message, choice, depth + 1, false);
                }
            }
            "multipart/related" => {
                for (i, &child) in children.iter().enumerate() {
                    self.walk(message, child, depth + 1, i > 0);
                }
            }
            "multipart/signed" => {
                let kind = match protocol.as_deref() {
                    Some("application/pgp-signature") => Some(SignatureKind::PgpMime),
                    Some("application/pkcs7-signature" | "application/x-pkcs7-signature") => {
                        Some(SignatureKind::Smime)
                    }
                    _ => None,
                };
                match (kind, children) {
                    (Some(kind), [signed, signature, ..]) => {
                        if !self.signature_tried && self.content.signature.is_none() {
                            self.signature_tried = true;
                            self.signature(message, part, kind, *signature);
                        }
                        self.walk(message, *signed, depth + 1, false);
                    }
                    _ => {
                        for &child in children {
                            self.walk(message, child, depth + 1, false);
                        }
                    }
                }
            }
            "multipart/encrypted" if protocol.as_deref() == Some("application/pgp-encrypted") => {
                // The control part says "Version: 1"; the payload is the other one.
                let payload = children
                    .iter()
                    .filter_map(|&c| message.parts.get(c as usize))
                    .find(|p| content_type_of(p) != "application/pgp-encrypted")
                    .map(part_bytes);
                match payload {
                    Some(bytes) if !bytes.is_empty() => {
                        if self.content.encryption.is_none() {
                            self.content.encryption = Some(Encrypted {
                                kind: EncryptionKind::PgpMime,
                                payload: bytes.to_vec(),
                            });
                        }
                    }
                    _ => self.problem(Problem::MalformedPart {
                        content_type: ct.to_owned(),
                    }),
                }
            }
            _ => {
                for &child in children {
                    self.walk(message, child, depth + 1, false);
                }
            }
        }
    }

    /// The exact bytes of the first part and the decoded signature part.
    fn signature(
        &mut self,
        message: &Message<'_>,
        part: &MessagePart<'_>,
        kind: SignatureKind,
        signature_id: u32,
    ) {
        let raw = message.raw_message.as_ref();
        let signed = part
            .content_type()
            .and_then(|c| c.attribute("boundary"))
            .zip(raw.get(part.offset_body as usize..))
            .and_then(|(boundary, body)| first_part_bytes(body, boundary));
        let signature = message
            .parts
            .get(signature_id as usize)
            .map(part_bytes)
            .filter(|s| !s.is_empty());
        match (signed, signature) {
            (Some(signed), Some(signature)) => {
                self.content.signature = Some(Signed {
                    kind,
                    signed_bytes: to_crlf(signed),
                    signature: signature.to_vec(),
                });
            }
            _ => self.problem(Problem::MalformedPart {
                content_type: "multipart/signed".to_owned(),
            }),
        }
    }

    /// The alternative to read: `text/plain` when it says something, else the richest
    /// (last) HTML or multipart alternative, else whatever comes last.
    fn pick_alternative(&self, message: &Message<'_>, children: &[u32]) -> Option<u32> {
        let part = |id: u32| message.parts.get(id as usize);
        let plain = children.iter().copied().find(|&c| {
            part(c).is_some_and(|p| {
                content_type_of(p) == "text/plain" && matches!(p.body, PartType::Text(_))
            })
        });
        if let Some(id) = plain
            && part(id).is_some_and(|p| !String::from_utf8_lossy(part_bytes(p)).trim().is_empty())
        {
            return Some(id);
        }
        children
            .iter()
            .rev()
            .copied()
            .find(|&c| {
                part(c).is_some_and(|p| {
                    let ct = content_type_of(p);
                    ct == "text/html" || ct.starts_with("multipart/")
                })
            })
            .or(plain)
            .or_else(|| children.last().copied())
    }

    /// An embedded message: a short header summary, then its content as part of ours.
    fn embedded(&mut self, nested: &Message<'_>, depth: usize) {
        if depth + 1 > self.limits.max_depth {
            self.problem(Problem::TooDeep {
                limit: self.limits.max_depth,
            });
            return;
        }
        let Some(root) = nested.parts.first() else {
            return;
        };
        let mut intro = String::from("---------- Forwarded message ----------\n");
        let show = |m: &Mailbox| match &m.name {
            Some(name) => format!("{name} <{}>", m.address),
            None => m.address.clone(),
        };
        for (label, name) in [
            ("From", HeaderName::From),
            ("Date", HeaderName::Date),
            ("Subject", HeaderName::Subject),
            ("To", HeaderName::To),
        ] {
            let Some(value) = header_value(root, &name) else {
                continue;
            };
            let text = match value {
                HeaderValue::Address(_) => mailboxes(value)
                    .iter()
                    .map(show)
                    .collect::<Vec<_>>()
                    .join(", "),
                HeaderValue::DateTime(d) => d.to_rfc3339(),
                HeaderValue::Text(t) => one_line(t),
                _ => continue,
            };
            intro.push_str(&format!("{label}: {text}\n"));
        }
        self.pieces.push((BodySource::None, intro));
        self.walk(nested, 0, depth + 1, false);
    }

    fn text(&mut self, part: &MessagePart<'_>, ct: &str, text: &str, html: bool, related: bool) {
        if let Some(charset) = part.content_type().and_then(|c| c.attribute("charset"))
            && !known_charset(charset)
        {
            self.problem(Problem::UnknownCharset {
                charset: one_line(charset),
            });
        }
        let multipart = ct.starts_with("multipart/");
        if multipart {
            self.problem(Problem::MultipartWithoutBoundary {
                content_type: ct.to_owned(),
            });
        }
        let filename = part.attachment_name();
        let body_type = multipart || ct == "text/plain" || ct == "text/html";
        if body_type && filename.is_none() && !is_attachment_disposition(part) {
            let flowed = part
                .content_type()
                .and_then(|c| c.attribute("format"))
                .is_some_and(|f| f.eq_ignore_ascii_case("flowed"));
            let delsp = part
                .content_type()
                .and_then(|c| c.attribute("delsp"))
                .is_some_and(|d| d.eq_ignore_ascii_case("yes"));
            self.body_text(text, html, flowed, delsp);
        } else {
            self.attachment(part, ct, filename, Data::Text(text), related);
        }
    }

    /// Adds body text (converting HTML, joining format=flowed lines) and looks for inline
    /// OpenPGP blocks in it.
    pub(super) fn body_text(&mut self, text: &str, html: bool, flowed: bool, delsp: bool) {
        let (text, source) = if html {
            (clean_text(&html_to_text(text)), BodySource::Html)
        } else {
            (clean_text(text), BodySource::Plain)
        };
        let armored = self.inline_pgp(&text);
        let text = if flowed && !armored {
            unflow(&text, delsp)
        } else {
            text
        };
        self.pieces.push((source, text));
    }

    /// Records an inline PGP message or cleartext signature in `text`; true if found.
    fn inline_pgp(&mut self, text: &str) -> bool {
        let mut found = false;
        if let Some(block) = armored_block(text, "PGP MESSAGE") {
            found = true;
            if self.content.encryption.is_none() {
                self.content.encryption = Some(Encrypted {
                    kind: EncryptionKind::PgpInline,
                    payload: block.as_bytes().to_vec(),
                });
            }
        }
        if let Some(start) = line_start_find(text, "-----BEGIN PGP SIGNED MESSAGE-----") {
            found = true;
            let rest = &text[start..];
            if let Some(range) = armored_range(rest, "PGP SIGNATURE")
                && self.content.signature.is_none()
            {
                self.content.signature = Some(Signed {
                    kind: SignatureKind::PgpCleartext,
                    signed_bytes: rest.as_bytes()[..range.end].to_vec(),
                    signature: rest.as_bytes()[range].to_vec(),
                });
            }
        }
        found
    }

    pub(super) fn finish(mut self) -> Content {
        let source = if self.pieces.iter().any(|(s, _)| *s == BodySource::Plain) {
            BodySource::Plain
        } else if self.pieces.iter().any(|(s, _)| *s == BodySource::Html) {
            BodySource::Html
        } else {
            BodySource::None
        };
        let mut text = String::new();
        for (_, piece) in &self.pieces {
            let piece = piece.trim_matches('\n');
            if piece.trim().is_empty() {
                continue;
            }
            if !text.is_empty() {
                text.push_str("\n\n");
            }
            text.push_str(piece);
        }
        let mut truncated = false;
        if let Some((cut, _)) = text.char_indices().nth(self.limits.max_text_chars) {
            text.truncate(cut);
            truncated = true;
            self.problem(Problem::BodyTruncated {
                limit: self.limits.max_text_chars,
            });
        }
        self.content.body = Body {
            text,
            source,
            truncated,
        };
        self.content
    }
}
