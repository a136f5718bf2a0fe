//! Header decoding: addresses, message ids and the header fields kept, from the parsed
//! message or from the bare header block.

use std::panic::catch_unwind;

use mail_parser::{Addr, Address, HeaderName, HeaderValue, Message, MessageParser, MessagePart};

use super::walk::type_subtype;
use super::{MAX_ADDRESSES, MAX_IDS, push_problem};
use crate::address::{Mailbox, bare_address, normalize_message_id, one_line};
use crate::limits::{MAX_HEADER_BLOCK_BYTES, MAX_HEADERS};
use crate::message::{HeaderField, Parsed, Problem, Refusal, ReturnPath};

/// Fills the header fields from the header block alone (at most
/// [`MAX_HEADER_BLOCK_BYTES`]), for messages that are not read further.
pub(super) fn read_header_block(raw: &[u8], parsed: &mut Parsed) {
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

pub(super) fn header_value<'a, 'x>(
    part: &'a MessagePart<'x>,
    name: &HeaderName<'_>,
) -> Option<&'a HeaderValue<'x>> {
    part.headers
        .iter()
        .find(|h| &h.name == name)
        .map(|h| &h.value)
}

/// Copies the top-level header fields, raw and typed, into `parsed`.
pub(super) fn fill_headers(message: &Message<'_>, parsed: &mut Parsed) {
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

pub(super) fn mailboxes(value: &HeaderValue<'_>) -> Vec<Mailbox> {
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
