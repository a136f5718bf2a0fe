//! Reading one raw message: limits first, then mail-parser, then a walk over the MIME tree
//! that decides what is body, what is a kept attachment and what is refused.

use std::panic::catch_unwind;

use mail_parser::decoders::charsets::map::charset_decoder;
use mail_parser::{
    Addr, Address, HeaderName, HeaderValue, Message, MessageParser, MessagePart, MimeHeaders,
    PartType,
};

use crate::address::{Mailbox, bare_address, normalize_message_id, one_line};
use crate::attachment::{
    bytes_to_text, classify, default_extension, looks_textual, sanitize_filename,
};
use crate::html::html_to_text;
use crate::limits::{Limits, MAX_HEADER_BLOCK_BYTES, MAX_HEADERS};
use crate::message::{
    AttachmentRefusal, Body, BodySource, Complexity, Content, Encrypted, EncryptionKind,
    HeaderField, Parsed, Problem, Refusal, RefusedAttachment, ReturnPath, SignatureKind, Signed,
    TextAttachment,
};

/// Most mailboxes kept from one address header.
pub const MAX_ADDRESSES: usize = 100;
/// Most message identifiers kept from `In-Reply-To` or `References`.
pub const MAX_IDS: usize = 100;
/// Most problems recorded for one message (identical ones are recorded once).
pub const MAX_PROBLEMS: usize = 50;

/// Reads a raw RFC 5322 message. Never fails and never panics: whatever could be read is
/// returned, with [`Parsed::refusal`] set when the message was refused as a whole (too
/// large, too complex, no headers) and [`Parsed::problems`] listing what was odd.
///
/// The caller keeps `raw` itself; nothing here is lossless (body text is normalised,
/// refused attachments are dropped).
pub fn parse(raw: &[u8], limits: &Limits) -> Parsed {
    let mut parsed = Parsed {
        size: raw.len(),
        refusal: None,
        headers: Vec::new(),
        from: None,
        sender: None,
        reply_to: Vec::new(),
        to: Vec::new(),
        cc: Vec::new(),
        delivered_to: Vec::new(),
        return_path: None,
        subject: None,
        message_id: None,
        in_reply_to: Vec::new(),
        references: Vec::new(),
        date: None,
        content_type: "text/plain".to_owned(),
        report_type: None,
        body: Body::default(),
        attachments: Vec::new(),
        refused: Vec::new(),
        encryption: None,
        signature: None,
        problems: Vec::new(),
    };
    let refusal = if raw.len() > limits.max_message_bytes {
        Some(Refusal::TooLarge {
            size: raw.len(),
            limit: limits.max_message_bytes,
        })
    } else {
        scan_structure(raw, limits).err()
    };
    if let Some(refusal) = refusal {
        parsed.refusal = Some(refusal);
        read_header_block(raw, &mut parsed);
        return parsed;
    }
    let parser = MessageParser::new();
    // mail-parser is written not to panic; should it still, the message is read as
    // headers only rather than taking the intake down.
    match catch_unwind(|| parser.parse(raw)) {
        Ok(Some(message)) => {
            fill_headers(&message, &mut parsed);
            let content = read_content(&message, limits);
            parsed.body = content.body;
            parsed.attachments = content.attachments;
            parsed.refused = content.refused;
            parsed.encryption = content.encryption;
            parsed.signature = content.signature;
            parsed.problems.extend(content.problems);
        }
        Ok(None) => parsed.refusal = Some(Refusal::Unreadable),
        Err(_) => {
            parsed.problems.push(Problem::ParserFailed);
            read_header_block(raw, &mut parsed);
        }
    }
    parsed
}

/// Reads decrypted content: for PGP/MIME (and S/MIME) a MIME entity with its own headers,
/// read with the same rules as a message body; for inline PGP, plain text. Which one is
/// decided from the content (a header block naming `Content-Type` makes it an entity).
pub fn parse_decrypted(plaintext: &[u8], limits: &Limits) -> Content {
    if plaintext.len() > limits.max_message_bytes {
        return Content {
            problems: vec![Problem::TooLarge {
                size: plaintext.len(),
                limit: limits.max_message_bytes,
            }],
            ..Content::default()
        };
    }
    if !looks_like_entity(plaintext) {
        let mut walker = Walker::new(limits);
        walker.body_text(&String::from_utf8_lossy(plaintext), false, false, false);
        return walker.finish();
    }
    if let Err(Refusal::TooComplex { what, count, limit }) = scan_structure(plaintext, limits) {
        return Content {
            problems: vec![Problem::TooComplex { what, count, limit }],
            ..Content::default()
        };
    }
    let parser = MessageParser::new();
    match catch_unwind(|| parser.parse(plaintext)) {
        Ok(Some(message)) => {
            let mut content = read_content(&message, limits);
            content.subject = message
                .parts
                .first()
                .and_then(|root| header_value(root, &HeaderName::Subject))
                .and_then(HeaderValue::as_text)
                .map(one_line)
                .filter(|s| !s.is_empty());
            content
        }
        Ok(None) => {
            let mut walker = Walker::new(limits);
            walker.body_text(&String::from_utf8_lossy(plaintext), false, false, false);
            walker.finish()
        }
        Err(_) => Content {
            problems: vec![Problem::ParserFailed],
            ..Content::default()
        },
    }
}

/// Whether decrypted bytes start with a MIME header block that names a content type.
fn looks_like_entity(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(64 * 1024)];
    let mut has_content_type = false;
    for line in head.split(|&b| b == b'\n') {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.is_empty() {
            return has_content_type;
        }
        if line[0] == b' ' || line[0] == b'\t' {
            continue;
        }
        let Some(colon) = line.iter().position(|&b| b == b':') else {
            return false;
        };
        let name = &line[..colon];
        if name.is_empty() || !name.iter().all(|b| b.is_ascii_graphic()) {
            return false;
        }
        has_content_type |= name.eq_ignore_ascii_case(b"content-type");
    }
    false
}

/// Counts what makes the MIME parser expensive — lines, `boundary=` declarations and
/// embedded messages (`message/rfc822`, `message/global`, `multipart/digest`), in any case
/// — stopping just past a limit. Looks only around `=` and `/`, found with memchr.
fn scan_structure(raw: &[u8], limits: &Limits) -> Result<(), Refusal> {
    let lines = memchr::memchr_iter(b'\n', raw).count();
    if lines > limits.max_lines {
        return Err(Refusal::TooComplex {
            what: Complexity::Lines,
            count: lines,
            limit: limits.max_lines,
        });
    }
    let mut multiparts = 0usize;
    let mut embedded = 0usize;
    for i in memchr::memchr2_iter(b'=', b'/', raw) {
        if raw[i] == b'=' {
            if preceded_by(raw, i, b"boundary") {
                multiparts += 1;
                if multiparts > limits.max_multiparts {
                    return Err(Refusal::TooComplex {
                        what: Complexity::Multiparts,
                        count: multiparts,
                        limit: limits.max_multiparts,
                    });
                }
            }
        } else if (preceded_by(raw, i, b"message")
            && (followed_by(raw, i, b"rfc822") || followed_by(raw, i, b"global")))
            || (preceded_by(raw, i, b"multipart") && followed_by(raw, i, b"digest"))
        {
            embedded += 1;
            if embedded > limits.max_embedded_messages {
                return Err(Refusal::TooComplex {
                    what: Complexity::EmbeddedMessages,
                    count: embedded,
                    limit: limits.max_embedded_messages,
                });
            }
        }
    }
    Ok(())
}

/// Whether `word` (ASCII, any case) ends just before `raw[i]`, spaces and tabs allowed
/// between.
fn preceded_by(raw: &[u8], i: usize, word: &[u8]) -> bool {
    let mut end = i;
    while end > 0 && matches!(raw[end - 1], b' ' | b'\t') {
        end -= 1;
    }
    end >= word.len() && raw[end - word.len()..end].eq_ignore_ascii_case(word)
}

/// Whether `word` (ASCII, any case) starts just after `raw[i]`.
fn followed_by(raw: &[u8], i: usize, word: &[u8]) -> bool {
    raw.get(i + 1..i + 1 + word.len())
        .is_some_and(|w| w.eq_ignore_ascii_case(word))
}

/// Fills the header fields from the header block alone (at most
/// [`MAX_HEADER_BLOCK_BYTES`]), for messages that are not read further.
fn read_header_block(raw: &[u8], parsed: &mut Parsed) {
    let mut block = &raw[..raw.len().min(MAX_HEADER_BLOCK_BYTES)];
    if block.len() < raw.len()
        && let Some(end) = block.iter().rposition(|&b| b == b'\n')
    {
        block = &block[..=end];
    }
    let parser = MessageParser::new();
    match catch_unwind(|| parser.parse_headers(block)) {
        Ok(Some(message)) => fill_headers(&message, parsed),
        Ok(None) => {
            if parsed.refusal.is_none() {
                parsed.refusal = Some(Refusal::Unreadable);
            }
        }
        Err(_) => push_problem(&mut parsed.problems, Problem::ParserFailed),
    }
}

fn header_value<'a, 'x>(
    part: &'a MessagePart<'x>,
    name: &HeaderName<'_>,
) -> Option<&'a HeaderValue<'x>> {
    part.headers
        .iter()
        .find(|h| &h.name == name)
        .map(|h| &h.value)
}

/// Copies the top-level header fields, raw and typed, into `parsed`.
fn fill_headers(message: &Message<'_>, parsed: &mut Parsed) {
    let Some(root) = message.parts.first() else {
        return;
    };
    let raw = message.raw_message.as_ref();
    let mut first_of = std::collections::HashSet::new();
    for header in &root.headers {
        let value_raw = raw
            .get(header.offset_start as usize..header.offset_end as usize)
            .map(unfold)
            .unwrap_or_default();
        let first = first_of.insert(header.name.id());
        match &header.name {
            HeaderName::From if first => parsed.from = mailboxes(&header.value).into_iter().next(),
            HeaderName::Sender if first => {
                parsed.sender = mailboxes(&header.value).into_iter().next();
            }
            HeaderName::ReplyTo => extend_capped(&mut parsed.reply_to, mailboxes(&header.value)),
            HeaderName::To => extend_capped(&mut parsed.to, mailboxes(&header.value)),
            HeaderName::Cc => extend_capped(&mut parsed.cc, mailboxes(&header.value)),
            HeaderName::Subject if first => {
                parsed.subject = header
                    .value
                    .as_text()
                    .map(one_line)
                    .or_else(|| Some(one_line(&value_raw)))
                    .filter(|s| !s.is_empty());
            }
            HeaderName::MessageId if first => {
                parsed.message_id = ids(&header.value).into_iter().next();
            }
            HeaderName::InReplyTo => extend_ids(&mut parsed.in_reply_to, ids(&header.value)),
            HeaderName::References => extend_ids(&mut parsed.references, ids(&header.value)),
            HeaderName::Date if first => {
                parsed.date = header
                    .value
                    .as_datetime()
                    .filter(|d| d.is_valid())
                    .and_then(|d| jiff::Timestamp::from_second(d.to_timestamp()).ok());
            }
            HeaderName::ReturnPath if first => {
                let address = bare_address(&value_raw);
                parsed.return_path = Some(if address.is_empty() {
                    ReturnPath::Null
                } else {
                    ReturnPath::Address(address.to_owned())
                });
            }
            HeaderName::ContentType if first => {
                if let Some(ct) = header.value.as_content_type() {
                    parsed.content_type = type_subtype(ct.ctype(), ct.subtype());
                    if parsed.content_type == "multipart/report" {
                        parsed.report_type = ct
                            .attribute("report-type")
                            .map(|r| r.trim().to_ascii_lowercase());
                    }
                }
            }
            _ => {}
        }
        let name = header.name.as_str();
        if [
            "delivered-to",
            "x-original-to",
            "envelope-to",
            "x-envelope-to",
        ]
        .iter()
        .any(|n| name.eq_ignore_ascii_case(n))
        {
            let address = bare_address(&value_raw);
            if address.contains('@') && parsed.delivered_to.len() < MAX_ADDRESSES {
                parsed.delivered_to.push(address.to_owned());
            }
        }
        if parsed.headers.len() < MAX_HEADERS {
            parsed.headers.push(HeaderField {
                name: name.to_owned(),
                value: value_raw,
            });
        } else {
            push_problem(
                &mut parsed.problems,
                Problem::TooManyHeaders { limit: MAX_HEADERS },
            );
        }
    }
}

/// A raw header value unfolded (line breaks removed), trimmed, lossy UTF-8.
fn unfold(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    if !text.contains(['\r', '\n']) {
        return text.trim().to_owned();
    }
    let unfolded: String = text.chars().filter(|&c| c != '\r' && c != '\n').collect();
    unfolded.trim().to_owned()
}

fn mailboxes(value: &HeaderValue<'_>) -> Vec<Mailbox> {
    let to_mailbox = |addr: &Addr<'_>| {
        let address = addr.address.as_deref()?.trim();
        (!address.is_empty()).then(|| Mailbox {
            address: one_line(address),
            name: addr.name.as_deref().map(one_line).filter(|n| !n.is_empty()),
        })
    };
    match value {
        HeaderValue::Address(Address::List(list)) => list
            .iter()
            .filter_map(to_mailbox)
            .take(MAX_ADDRESSES)
            .collect(),
        HeaderValue::Address(Address::Group(groups)) => groups
            .iter()
            .flat_map(|g| g.addresses.iter())
            .filter_map(to_mailbox)
            .take(MAX_ADDRESSES)
            .collect(),
        _ => Vec::new(),
    }
}

fn extend_capped(list: &mut Vec<Mailbox>, more: Vec<Mailbox>) {
    let room = MAX_ADDRESSES.saturating_sub(list.len());
    list.extend(more.into_iter().take(room));
}

fn ids(value: &HeaderValue<'_>) -> Vec<String> {
    match value {
        HeaderValue::Text(id) => normalize_message_id(id).into_iter().collect(),
        HeaderValue::TextList(list) => list
            .iter()
            .filter_map(|id| normalize_message_id(id))
            .take(MAX_IDS)
            .collect(),
        _ => Vec::new(),
    }
}

fn extend_ids(list: &mut Vec<String>, more: Vec<String>) {
    for id in more {
        if list.len() >= MAX_IDS {
            break;
        }
        if !list.contains(&id) {
            list.push(id);
        }
    }
}

fn type_subtype(ctype: &str, subtype: Option<&str>) -> String {
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

fn is_attachment_disposition(part: &MessagePart<'_>) -> bool {
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

fn push_problem(problems: &mut Vec<Problem>, problem: Problem) {
    if problems.len() < MAX_PROBLEMS && !problems.contains(&problem) {
        problems.push(problem);
    }
}

fn read_content(message: &Message<'_>, limits: &Limits) -> Content {
    let mut walker = Walker::new(limits);
    walker.walk(message, 0, 0, false);
    walker.finish()
}

/// The transfer-decoded content of an attachment.
enum Data<'a> {
    /// Charset-decoded by mail-parser (text/* parts).
    Text(&'a str),
    /// Bytes.
    Bytes(&'a [u8]),
}

/// Walks a MIME tree, collecting body pieces, attachments and findings.
struct Walker<'l> {
    limits: &'l Limits,
    pieces: Vec<(BodySource, String)>,
    content: Content,
    kept: usize,
    unnamed: usize,
    /// Whether a `multipart/signed` was examined: only the outermost one is, so that
    /// nested ones cannot each cost a scan of the message.
    signature_tried: bool,
}

impl<'l> Walker<'l> {
    fn new(limits: &'l Limits) -> Self {
        Walker {
            limits,
            pieces: Vec::new(),
            content: Content::default(),
            kept: 0,
            unnamed: 0,
            signature_tried: false,
        }
    }

    fn problem(&mut self, problem: Problem) {
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
    fn body_text(&mut self, text: &str, html: bool, flowed: bool, delsp: bool) {
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

    fn binary(&mut self, part: &MessagePart<'_>, ct: &str, bytes: &[u8], related: bool) {
        if matches!(ct, "application/pkcs7-mime" | "application/x-pkcs7-mime") {
            if self.content.encryption.is_none() {
                self.content.encryption = Some(Encrypted {
                    kind: EncryptionKind::Smime,
                    payload: bytes.to_vec(),
                });
            }
            return;
        }
        let filename = part.attachment_name();
        if ct.starts_with("multipart/") {
            // mail-parser leaves a multipart without a boundary as bytes: read it as text.
            self.problem(Problem::MultipartWithoutBoundary {
                content_type: ct.to_owned(),
            });
            if filename.is_none() && !is_attachment_disposition(part) {
                self.body_text(&String::from_utf8_lossy(bytes), false, false, false);
                return;
            }
        }
        self.attachment(part, ct, filename, Data::Bytes(bytes), related);
    }

    fn attachment(
        &mut self,
        part: &MessagePart<'_>,
        ct: &str,
        filename: Option<&str>,
        data: Data<'_>,
        related: bool,
    ) {
        let name = filename.and_then(sanitize_filename);
        let bytes = match data {
            Data::Text(t) => t.as_bytes(),
            Data::Bytes(b) => b,
        };
        let size = bytes.len();
        let embedded_image =
            related || (part.content_id().is_some() && !is_attachment_disposition(part));
        let refuse = |reason: AttachmentRefusal| RefusedAttachment {
            filename: name.clone(),
            content_type: ct.to_owned(),
            size,
            reason,
            inline_resource: reason == AttachmentRefusal::Image && embedded_image,
        };
        if let Some(kind) = classify(ct, name.as_deref(), bytes) {
            self.content.refused.push(refuse(kind));
            return;
        }
        if size > self.limits.max_attachment_bytes {
            self.content
                .refused
                .push(refuse(AttachmentRefusal::TooLarge {
                    limit: self.limits.max_attachment_bytes,
                }));
            return;
        }
        let text = match data {
            Data::Text(t) => looks_textual(t).then(|| t.to_owned()),
            Data::Bytes(b) => match bytes_to_text(b, name.as_deref()) {
                Some((text, guessed)) => {
                    if guessed {
                        self.problem(Problem::GuessedCharset {
                            filename: name.clone().unwrap_or_default(),
                        });
                    }
                    Some(text)
                }
                None => None,
            },
        };
        let Some(text) = text else {
            self.content.refused.push(refuse(AttachmentRefusal::Binary));
            return;
        };
        if self.kept >= self.limits.max_attachments {
            self.content
                .refused
                .push(refuse(AttachmentRefusal::TooMany {
                    limit: self.limits.max_attachments,
                }));
            return;
        }
        self.kept += 1;
        if self.content.encryption.is_none()
            && let Some(block) = armored_block(&text, "PGP MESSAGE")
        {
            self.content.encryption = Some(Encrypted {
                kind: EncryptionKind::PgpInline,
                payload: block.as_bytes().to_vec(),
            });
        }
        let filename = name.unwrap_or_else(|| {
            self.unnamed += 1;
            format!("attachment-{}{}", self.unnamed, default_extension(ct))
        });
        self.content.attachments.push(TextAttachment {
            filename,
            content_type: ct.to_owned(),
            text,
            size,
        });
    }

    fn finish(mut self) -> Content {
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

/// Line ends made `\n`; control characters other than tab and line end removed.
fn clean_text(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut run_start = 0;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        // C0 controls and DEL are single bytes; C1 controls (U+0080–U+009F) are C2 80–9F.
        let control_len = match b {
            b'\n' | b'\t' => 0,
            0..=0x1F | 0x7F => 1,
            0xC2 if matches!(bytes.get(i + 1), Some(0x80..=0x9F)) => 2,
            _ => 0,
        };
        if control_len == 0 {
            i += 1;
            continue;
        }
        out.push_str(&text[run_start..i]);
        if b == b'\r' && bytes.get(i + 1) != Some(&b'\n') {
            out.push('\n');
        }
        i += control_len;
        run_start = i;
    }
    out.push_str(&text[run_start..]);
    out
}

/// Joins the soft line breaks of RFC 3676 format=flowed text.
fn unflow(text: &str, delsp: bool) -> String {
    let mut out = String::with_capacity(text.len());
    let mut current: Option<(usize, String)> = None;
    let mut soft = false;
    let flush = |out: &mut String, current: Option<(usize, String)>| {
        if let Some((depth, line)) = current {
            if depth > 0 {
                out.push_str(&">".repeat(depth));
                out.push(' ');
            }
            // The signature separator keeps its trailing space.
            out.push_str(if line == "-- " {
                &line
            } else {
                line.trim_end()
            });
            out.push('\n');
        }
    };
    for line in text.split('\n') {
        let depth = line.bytes().take_while(|&b| b == b'>').count();
        let content = &line[depth..];
        let content = content.strip_prefix(' ').unwrap_or(content);
        let signature = content == "-- ";
        let flowed = content.ends_with(' ') && !signature;
        match &mut current {
            Some((d, buf)) if soft && *d == depth => buf.push_str(content),
            _ => {
                flush(&mut out, current.take());
                current = Some((depth, content.to_owned()));
            }
        }
        if flowed
            && delsp
            && let Some((_, buf)) = &mut current
        {
            buf.pop();
        }
        soft = flowed;
    }
    flush(&mut out, current);
    out.trim_end_matches('\n').to_owned()
}

/// Where `marker` starts a line in `text`.
fn line_start_find(text: &str, marker: &str) -> Option<usize> {
    text.match_indices(marker)
        .map(|(i, _)| i)
        .find(|&i| i == 0 || text.as_bytes()[i - 1] == b'\n')
}

/// The armored block `-----BEGIN {label}-----` … `-----END {label}-----` (to the end of
/// the text when the end line is missing), when the begin line starts a line.
fn armored_block<'t>(text: &'t str, label: &str) -> Option<&'t str> {
    armored_range(text, label).map(|range| &text[range])
}

fn armored_range(text: &str, label: &str) -> Option<std::ops::Range<usize>> {
    let start = line_start_find(text, &format!("-----BEGIN {label}-----"))?;
    let end_marker = format!("-----END {label}-----");
    let end = text[start..]
        .find(&end_marker)
        .map_or(text.len(), |n| start + n + end_marker.len());
    Some(start..end)
}
