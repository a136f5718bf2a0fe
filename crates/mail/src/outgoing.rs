//! Headers of the mail Embargo sends: built so that nothing a reporter wrote can inject a
//! header, replies thread correctly, and automatic mail says so.

use crate::address::{Mailbox, is_valid_header_address, normalize_message_id, one_line};
use crate::autoreply::LOOP_HEADER;
use crate::message::Parsed;

/// Most identifiers in `References`: the thread's first and the latest ones.
pub const MAX_REFERENCES: usize = 20;
/// Longest subject, in characters; longer ones are cut with `…`.
pub const MAX_SUBJECT_CHARS: usize = 200;
/// Longest custom header value, in bytes.
pub const MAX_VALUE_LEN: usize = 900;
/// Line length [`OutgoingHeaders::render`] folds to (RFC 5322 §2.1.1 recommendation).
pub const FOLD_AT: usize = 78;
/// Subject used when a reply has nothing to go on.
const NO_SUBJECT: &str = "(no subject)";
/// Header names the builder sets itself; [`OutgoingHeaders::header`] refuses them.
const RESERVED: [&str; 12] = [
    "from",
    "to",
    "cc",
    "bcc",
    "reply-to",
    "subject",
    "message-id",
    "in-reply-to",
    "references",
    "auto-submitted",
    "x-embargo-loop",
    "sender",
];

/// A header that cannot be set.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HeaderError {
    /// The value holds CR, LF or NUL (or another control character): header injection.
    #[error("header {name}: value contains a line break or control character")]
    Injection {
        /// The header name.
        name: String,
    },
    /// Not a valid field name (printable ASCII without `:`, at most 76 characters).
    #[error("{name:?} is not a valid header name")]
    InvalidName {
        /// The name given.
        name: String,
    },
    /// Set by the builder's own methods.
    #[error("header {name} is set by its own method, not as a custom header")]
    Reserved {
        /// The name given.
        name: String,
    },
    /// Not a valid address.
    #[error("header {name}: {address:?} is not a valid address")]
    InvalidAddress {
        /// The header name.
        name: &'static str,
        /// The address given.
        address: String,
    },
    /// Not a valid message identifier.
    #[error("header {name}: {id:?} is not a valid message identifier")]
    InvalidMessageId {
        /// The header name.
        name: &'static str,
        /// The identifier given.
        id: String,
    },
    /// A custom value longer than [`MAX_VALUE_LEN`].
    #[error("header {name}: value longer than {MAX_VALUE_LEN} bytes")]
    TooLong {
        /// The header name.
        name: String,
    },
}

/// The headers of one outgoing message. Addresses and identifiers are checked when set;
/// text from reporters (subjects, display names) is put on one line; custom values with
/// line breaks are refused. [`OutgoingHeaders::fields`] gives unencoded name/value pairs
/// for a mail library; [`OutgoingHeaders::render`] gives the folded, encoded header block.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OutgoingHeaders {
    from: Option<Mailbox>,
    to: Vec<Mailbox>,
    reply_to: Option<Mailbox>,
    subject: Option<String>,
    message_id: Option<String>,
    in_reply_to: Option<String>,
    references: Vec<String>,
    auto_submitted: Option<&'static str>,
    loop_marker: Option<String>,
    extra: Vec<(String, String)>,
}

impl OutgoingHeaders {
    /// No headers yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets `From`. The display name is put on one line.
    pub fn from(mut self, address: &str, name: Option<&str>) -> Result<Self, HeaderError> {
        self.from = Some(mailbox("From", address, name)?);
        Ok(self)
    }

    /// Adds a `To` recipient.
    pub fn to(mut self, address: &str, name: Option<&str>) -> Result<Self, HeaderError> {
        self.to.push(mailbox("To", address, name)?);
        Ok(self)
    }

    /// Sets `Reply-To` (e.g. the report's plus address).
    pub fn reply_to(mut self, address: &str, name: Option<&str>) -> Result<Self, HeaderError> {
        self.reply_to = Some(mailbox("Reply-To", address, name)?);
        Ok(self)
    }

    /// Sets the subject: control characters (CR, LF, NUL, tab …) become spaces, white space
    /// collapses, and it is cut at [`MAX_SUBJECT_CHARS`] characters.
    pub fn subject(mut self, text: &str) -> Self {
        self.subject = Some(clean_subject(text));
        self
    }

    /// Sets `Message-ID` (given without `<>`, e.g. from [`crate::new_message_id`]).
    pub fn message_id(mut self, id: &str) -> Result<Self, HeaderError> {
        self.message_id = Some(message_id("Message-ID", id)?);
        Ok(self)
    }

    /// Makes this a reply to `parsed`: `In-Reply-To` its Message-ID, `References` its
    /// references plus its Message-ID (at most [`MAX_REFERENCES`], keeping the first and the
    /// latest), and the subject `Re: …` of its subject (see [`reply_subject`]).
    pub fn replying_to(mut self, parsed: &Parsed) -> Self {
        let mut references = parsed.references.clone();
        if let Some(id) = &parsed.message_id {
            references.retain(|r| r != id);
            references.push(id.clone());
        }
        self.in_reply_to = parsed.message_id.clone();
        self.references = cap_references(references);
        self.subject = Some(reply_subject(parsed.subject.as_deref()));
        self
    }

    /// Sets `In-Reply-To` and `References` directly (identifiers without `<>`, oldest
    /// first); `References` is capped like in [`OutgoingHeaders::replying_to`].
    pub fn thread(mut self, in_reply_to: &str, references: &[String]) -> Result<Self, HeaderError> {
        self.in_reply_to = Some(message_id("In-Reply-To", in_reply_to)?);
        let references = references
            .iter()
            .map(|r| message_id("References", r))
            .collect::<Result<Vec<_>, _>>()?;
        self.references = cap_references(references);
        Ok(self)
    }

    /// Marks the message as an automatic answer: `Auto-Submitted: auto-replied` (RFC 3834).
    pub fn automatic(mut self) -> Self {
        self.auto_submitted = Some("auto-replied");
        self
    }

    /// Marks the message as sent by a program without a message to answer (reminders,
    /// notices): `Auto-Submitted: auto-generated` (RFC 3834).
    pub fn auto_generated(mut self) -> Self {
        self.auto_submitted = Some("auto-generated");
        self
    }

    /// Sets our loop marker ([`LOOP_HEADER`]) to `value` (e.g. the instance's host name).
    pub fn loop_marker(mut self, value: &str) -> Result<Self, HeaderError> {
        self.loop_marker = Some(checked_value(LOOP_HEADER, value)?);
        Ok(self)
    }

    /// Adds a custom header. Refuses invalid names, names set by the other methods, and
    /// values with line breaks or control characters.
    pub fn header(mut self, name: &str, value: &str) -> Result<Self, HeaderError> {
        let valid_name = !name.is_empty()
            && name.len() <= 76
            && name.bytes().all(|b| (33..=126).contains(&b) && b != b':');
        if !valid_name {
            return Err(HeaderError::InvalidName {
                name: one_line(name),
            });
        }
        if RESERVED.contains(&name.to_ascii_lowercase().as_str()) {
            return Err(HeaderError::Reserved {
                name: name.to_owned(),
            });
        }
        let value = checked_value(name, value)?;
        self.extra.push((name.to_owned(), value));
        Ok(self)
    }

    /// The headers as unencoded name/value pairs, in this order: From, To, Reply-To,
    /// Subject, Message-ID, In-Reply-To, References, Auto-Submitted, the loop marker, then
    /// custom headers. Addresses read `"Name" <address>`, identifiers `<id>`. No value
    /// holds a line break.
    pub fn fields(&self) -> Vec<(String, String)> {
        self.parts()
            .into_iter()
            .map(|(name, value)| (name, value.plain()))
            .collect()
    }

    /// The header block as sent: one `Name: value` line per header, CRLF line ends,
    /// non-ASCII text in RFC 2047 encoded words, lines folded at [`FOLD_AT`] characters
    /// where the value allows.
    pub fn render(&self) -> String {
        let mut out = String::new();
        for (name, value) in self.parts() {
            out.push_str(&value.render(&name));
        }
        out
    }

    fn parts(&self) -> Vec<(String, Value)> {
        let mut parts = Vec::new();
        if let Some(from) = &self.from {
            parts.push(("From".to_owned(), Value::Mailboxes(vec![from.clone()])));
        }
        if !self.to.is_empty() {
            parts.push(("To".to_owned(), Value::Mailboxes(self.to.clone())));
        }
        if let Some(reply_to) = &self.reply_to {
            parts.push((
                "Reply-To".to_owned(),
                Value::Mailboxes(vec![reply_to.clone()]),
            ));
        }
        if let Some(subject) = &self.subject {
            parts.push(("Subject".to_owned(), Value::Text(subject.clone())));
        }
        if let Some(id) = &self.message_id {
            parts.push(("Message-ID".to_owned(), Value::Ids(vec![id.clone()])));
        }
        if let Some(id) = &self.in_reply_to {
            parts.push(("In-Reply-To".to_owned(), Value::Ids(vec![id.clone()])));
        }
        if !self.references.is_empty() {
            parts.push(("References".to_owned(), Value::Ids(self.references.clone())));
        }
        if let Some(value) = self.auto_submitted {
            parts.push(("Auto-Submitted".to_owned(), Value::Text(value.to_owned())));
        }
        if let Some(marker) = &self.loop_marker {
            parts.push((LOOP_HEADER.to_owned(), Value::Text(marker.clone())));
        }
        for (name, value) in &self.extra {
            parts.push((name.clone(), Value::Text(value.clone())));
        }
        parts
    }
}

fn mailbox(
    header: &'static str,
    address: &str,
    name: Option<&str>,
) -> Result<Mailbox, HeaderError> {
    if address.chars().any(char::is_control) || !is_valid_header_address(address) {
        return Err(HeaderError::InvalidAddress {
            name: header,
            address: one_line(address),
        });
    }
    Ok(Mailbox {
        address: address.to_owned(),
        name: name.map(one_line).filter(|n| !n.is_empty()),
    })
}

fn message_id(header: &'static str, id: &str) -> Result<String, HeaderError> {
    let trimmed = id.trim();
    let bare = trimmed
        .strip_prefix('<')
        .and_then(|i| i.strip_suffix('>'))
        .unwrap_or(trimmed);
    match normalize_message_id(bare) {
        Some(id) if id.contains('@') && id.is_ascii() => Ok(id),
        _ => Err(HeaderError::InvalidMessageId {
            name: header,
            id: one_line(id),
        }),
    }
}

fn checked_value(name: &str, value: &str) -> Result<String, HeaderError> {
    if value.chars().any(|c| c.is_control() && c != '\t') {
        return Err(HeaderError::Injection {
            name: name.to_owned(),
        });
    }
    if value.len() > MAX_VALUE_LEN {
        return Err(HeaderError::TooLong {
            name: name.to_owned(),
        });
    }
    Ok(value.replace('\t', " ").trim().to_owned())
}

/// How far back from the limit a long subject may be cut at a space instead of mid-word.
const WORD_CUT_WINDOW: usize = 30;

fn clean_subject(text: &str) -> String {
    let line = one_line(text);
    let Some((at, _)) = line.char_indices().nth(MAX_SUBJECT_CHARS) else {
        return line;
    };
    let head = &line[..at];
    let cut = match head.rfind(' ') {
        Some(space) if head[space..].chars().count() <= WORD_CUT_WINDOW => &head[..space],
        _ => head,
    };
    format!("{}…", cut.trim_end())
}

/// Keeps the first identifier (the thread's root) and the latest ones.
fn cap_references(mut references: Vec<String>) -> Vec<String> {
    let mut seen = std::collections::HashSet::new();
    references.retain(|r| seen.insert(r.clone()));
    if references.len() > MAX_REFERENCES {
        let tail = references.split_off(references.len() - (MAX_REFERENCES - 1));
        references.truncate(1);
        references.extend(tail);
    }
    references
}

/// Reply prefixes removed before `Re: ` is added (ASCII case-insensitive): English,
/// German, Scandinavian, Dutch, Polish, Finnish, Chinese.
const REPLY_PREFIXES: [&str; 9] = [
    "re", "aw", "sv", "vs", "antw", "odp", "vast", "回复", "答复",
];

/// `Re: ` and the original subject without the reply prefixes it already had (`Re:`,
/// `RE:`, `Aw:`, `Re[2]:`, `Re: Re:`, …), on one line, at most [`MAX_SUBJECT_CHARS`]
/// characters. `Re: (no subject)` when there is none.
pub fn reply_subject(original: Option<&str>) -> String {
    let line = one_line(original.unwrap_or(""));
    let mut rest = line.as_str();
    loop {
        let trimmed = rest.trim_start();
        let Some(stripped) = strip_reply_prefix(trimmed) else {
            rest = trimmed;
            break;
        };
        rest = stripped;
    }
    if rest.is_empty() {
        rest = NO_SUBJECT;
    }
    clean_subject(&format!("Re: {rest}"))
}

fn strip_reply_prefix(subject: &str) -> Option<&str> {
    for prefix in REPLY_PREFIXES {
        let Some(head) = subject.get(..prefix.len()) else {
            continue;
        };
        if !head.eq_ignore_ascii_case(prefix) {
            continue;
        }
        let mut rest = &subject[prefix.len()..];
        // Counters: Re[2]: or Re(2):
        if let Some(inner) = rest.strip_prefix(['[', '(']) {
            let digits = inner.bytes().take_while(u8::is_ascii_digit).count();
            if digits > 0 && inner[digits..].starts_with([']', ')']) {
                rest = &inner[digits + 1..];
            }
        }
        let rest = rest.trim_start();
        if let Some(after) = rest.strip_prefix(':').or_else(|| rest.strip_prefix('：')) {
            return Some(after);
        }
    }
    None
}

/// A header value, kept structured until it is rendered.
enum Value {
    Text(String),
    Mailboxes(Vec<Mailbox>),
    Ids(Vec<String>),
}

impl Value {
    fn plain(&self) -> String {
        match self {
            Value::Text(t) => t.clone(),
            Value::Mailboxes(list) => list
                .iter()
                .map(|m| match &m.name {
                    Some(name) => format!("{} <{}>", quoted(name), m.address),
                    None => m.address.clone(),
                })
                .collect::<Vec<_>>()
                .join(", "),
            Value::Ids(ids) => ids
                .iter()
                .map(|id| format!("<{id}>"))
                .collect::<Vec<_>>()
                .join(" "),
        }
    }

    fn render(&self, name: &str) -> String {
        // Tokens that may each start a new folded line; `glue` joins them on one line.
        let (tokens, glue): (Vec<String>, &str) = match self {
            Value::Text(t) if t.is_ascii() => (t.split(' ').map(str::to_owned).collect(), " "),
            Value::Text(t) => (encoded_words(t), " "),
            Value::Mailboxes(list) => {
                let mut tokens = Vec::new();
                for (i, m) in list.iter().enumerate() {
                    let comma = if i + 1 < list.len() { "," } else { "" };
                    match &m.name {
                        Some(name) if name.is_ascii() => {
                            tokens.push(quoted(name));
                        }
                        Some(name) => tokens.extend(encoded_words(name)),
                        None => {}
                    }
                    let address = if m.name.is_some() {
                        format!("<{}>{comma}", m.address)
                    } else {
                        format!("{}{comma}", m.address)
                    };
                    tokens.push(address);
                }
                (tokens, " ")
            }
            Value::Ids(ids) => (ids.iter().map(|id| format!("<{id}>")).collect(), " "),
        };
        let mut out = format!("{name}:");
        let mut line_len = out.len();
        for token in tokens {
            let width = token.chars().count();
            if line_len + glue.len() + width > FOLD_AT && line_len > name.len() + 1 {
                out.push_str("\r\n");
                line_len = 0;
            }
            out.push_str(glue);
            out.push_str(&token);
            line_len += glue.len() + width;
        }
        out.push_str("\r\n");
        out
    }
}

/// A display name as a quoted string when it holds anything but atext and spaces.
fn quoted(name: &str) -> String {
    let plain = name
        .chars()
        .all(|c| c.is_alphanumeric() || c == ' ' || "!#$%&'*+-/=?^_`{|}~".contains(c));
    if plain {
        name.to_owned()
    } else {
        let escaped = name.replace('\\', "\\\\").replace('"', "\\\"");
        format!("\"{escaped}\"")
    }
}

/// Most UTF-8 bytes in one encoded word: 39 bytes make 52 base64 characters, 64 with the
/// `=?UTF-8?B?…?=` frame, so that even `Subject: ` and one word stay within RFC 2047's 76.
const ENCODED_WORD_BYTES: usize = 39;

/// `text` as RFC 2047 `B` encoded words, split on character boundaries.
fn encoded_words(text: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut chunk = String::new();
    for c in text.chars() {
        if chunk.len() + c.len_utf8() > ENCODED_WORD_BYTES {
            words.push(format!("=?UTF-8?B?{}?=", base64(chunk.as_bytes())));
            chunk.clear();
        }
        chunk.push(c);
    }
    if !chunk.is_empty() {
        words.push(format!("=?UTF-8?B?{}?=", base64(chunk.as_bytes())));
    }
    words
}

fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for (i, shift) in [18, 12, 6, 0].into_iter().enumerate() {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[((n >> shift) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}
