//! The pure core of Embargo's e-mail channel.
//!
//! Maintainers receive vulnerability reports at a project address such as
//! `security@example.org`. The `embargo` binary takes mail from an MTA pipe, an SMTP/LMTP
//! listener or IMAP and calls this crate, which does no I/O: bytes in, decisions out, "now"
//! passed in where it matters.
//!
//! - **Reading** — [`parse`] turns a raw message into [`Parsed`]: addresses, decoded
//!   subject, message identifiers, body text (`text/plain` preferred, HTML converted to text
//!   by [`html_to_text`]), text attachments kept ([`TextAttachment`]), others refused with a
//!   reason ([`RefusedAttachment`]: PDF, office document, executable, archive, image, …,
//!   recognised by content type, extension and leading bytes, archives never opened),
//!   OpenPGP/S-MIME material ([`Encrypted`], [`Signed`]) and a list of [`Problem`]s. It
//!   never fails: a message too large or too complex for the [`Limits`] is refused as a
//!   whole ([`Refusal`]) yet its headers are still read. [`parse_decrypted`] reads what the
//!   key holder decrypted with the same rules.
//! - **Answering automatically** — [`auto_reply_decision`] applies RFC 3834 and our loop
//!   guard: no acknowledgement to auto-submitted mail, bounces, mailing lists, our own
//!   addresses or mail carrying our [`LOOP_HEADER`].
//! - **Threading** — [`thread_refs`] lists the identifiers to look up (In-Reply-To, then
//!   References newest first); [`plus_token`] and [`find_plus_token`] read the report token
//!   of a `security+TOKEN@` address; [`reply_address`] and [`new_message_id`] make ours.
//! - **Filtering** — [`Rule`]s (sender address, sender domain, subject or body regex; scope
//!   instance or project; action spam or refuse) compiled with size limits,
//!   [`parse_rules_toml`] / [`parse_rules_json`] for rule files, and [`evaluate`] giving one
//!   [`Verdict`] (refuse beats spam, instance rules before project rules).
//! - **Replying safely** — [`OutgoingHeaders`] builds reply headers that cannot be injected
//!   into (CR, LF and NUL refused or stripped), `Re:` subjects that do not pile up, capped
//!   `References`, `Auto-Submitted: auto-replied` and the loop marker; it renders folded,
//!   RFC 2047-encoded header lines or hands name/value pairs to a mail library.
//!   [`refusal_text`] explains a refusal in plain text, quoting the project's policy.
//! - **Sending** — [`report_thread`] places our next mail about a report in its thread
//!   (`In-Reply-To` the reporter's latest message, else our first mail);
//!   [`text_entity`] (quoted-printable) and [`assemble`] make the whole message.
//! - **Receiving** — [`smtp`] speaks the server side of SMTP and LMTP without I/O: the
//!   caller feeds lines and gets replies, recipients to check and messages to deliver.

mod address;
mod attachment;
mod autoreply;
mod ban;
mod compose;
mod filter;
mod html;
pub mod limits;
mod message;
mod outgoing;
mod parse;
mod refusal;
pub mod smtp;
mod thread;

pub use address::{
    Mailbox, bare_address, is_valid_address, is_valid_domain, is_valid_local_part,
    normalize_message_id, one_line,
};
pub use attachment::{MAX_FILENAME_CHARS, sanitize_filename};
pub use autoreply::{AutoReply, LOOP_HEADER, OurAddresses, Suppress, auto_reply_decision};
pub use ban::{Ban, BanKind};
pub use compose::{
    QP_LINE, ThreadMessage, assemble, date_value, quoted_printable, report_thread, text_entity,
};
pub use filter::{
    Action, MAX_MATCHED_CHARS, MAX_NOTE_CHARS, MAX_PATTERN_LEN, MAX_RULE_ID_LEN, MAX_RULES,
    MatchKind, Matcher, REGEX_DFA_SIZE_LIMIT, REGEX_NEST_LIMIT, REGEX_SIZE_LIMIT, Rule, RuleError,
    RuleFileError, RuleSpec, Scope, Verdict, evaluate, evaluate_all, parse_rules_json,
    parse_rules_toml,
};
pub use html::html_to_text;
pub use limits::Limits;
pub use message::{
    AttachmentRefusal, Body, BodySource, Complexity, Content, Encrypted, EncryptionKind,
    HeaderField, Parsed, Problem, Refusal, RefusalReason, RefusedAttachment, ReturnPath,
    SignatureKind, Signed, TextAttachment,
};
pub use outgoing::{
    FOLD_AT, HeaderError, MAX_REFERENCES, MAX_SUBJECT_CHARS, MAX_VALUE_LEN, OutgoingHeaders,
    reply_subject,
};
pub use parse::{parse, parse_decrypted};
pub use refusal::{human_bytes, refusal_text};
pub use thread::{
    AddressError, MAX_THREAD_REFS, MIN_MESSAGE_ID_RANDOM_BYTES, TOKEN_MAX_LEN, find_plus_token,
    is_valid_token, new_message_id, plus_token, reply_address, thread_refs, token_from_bytes,
};
