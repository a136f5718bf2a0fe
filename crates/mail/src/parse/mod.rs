//! Reading one raw message: limits first, then mail-parser, then a walk over the MIME tree
//! that decides what is body, what is a kept attachment and what is refused.

mod attachments;
mod headers;
mod text;
mod walk;

use std::panic::catch_unwind;

use mail_parser::{HeaderName, HeaderValue, MessageParser};

use crate::address::one_line;
use crate::limits::Limits;
use crate::message::{Body, Complexity, Content, Parsed, Problem, Refusal};
use headers::{fill_headers, header_value, read_header_block};
use walk::{Walker, read_content};

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

pub(super) fn push_problem(problems: &mut Vec<Problem>, problem: Problem) {
    if problems.len() < MAX_PROBLEMS && !problems.contains(&problem) {
        problems.push(problem);
    }
}
