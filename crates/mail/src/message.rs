//! What [`crate::parse`] returns: the message's envelope hints, headers, body text, kept and
//! refused attachments, OpenPGP/S-MIME material and the problems met on the way.

use std::fmt;

use serde::Serialize;

use crate::address::Mailbox;

/// One inbound message as far as it could be read. Built by [`crate::parse`], which never
/// fails: when the message is refused as a whole ([`Parsed::refusal`]) the header fields
/// are still filled from the header block.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Parsed {
    /// Size of the raw message in bytes.
    pub size: usize,
    /// Set when the message was not read beyond its headers (too large, too complex) or
    /// could not be read at all.
    pub refusal: Option<Refusal>,
    /// The top-level header fields in order (at most [`crate::limits::MAX_HEADERS`]): names
    /// as written, values unfolded and trimmed, not RFC 2047-decoded, lossy UTF-8.
    pub headers: Vec<HeaderField>,
    /// The first mailbox of `From`.
    pub from: Option<Mailbox>,
    /// The first mailbox of `Sender`.
    pub sender: Option<Mailbox>,
    /// The mailboxes of `Reply-To`.
    pub reply_to: Vec<Mailbox>,
    /// The mailboxes of `To` (groups flattened).
    pub to: Vec<Mailbox>,
    /// The mailboxes of `Cc` (groups flattened).
    pub cc: Vec<Mailbox>,
    /// Envelope recipients recorded by the receiving MTA (`Delivered-To`, `X-Original-To`,
    /// `Envelope-To`, `X-Envelope-To`), in header order, without `<>`.
    pub delivered_to: Vec<String>,
    /// The envelope sender recorded by the MTA (first `Return-Path`).
    pub return_path: Option<ReturnPath>,
    /// The subject, RFC 2047-decoded, on one line (control characters made spaces).
    pub subject: Option<String>,
    /// `Message-ID` without `<>`.
    pub message_id: Option<String>,
    /// `In-Reply-To` identifiers without `<>`, in header order.
    pub in_reply_to: Vec<String>,
    /// `References` identifiers without `<>`, oldest first as in the header.
    pub references: Vec<String>,
    /// `Date`, when present and valid.
    pub date: Option<jiff::Timestamp>,
    /// The top-level content type, `type/subtype` in lower case (`text/plain` when absent).
    pub content_type: String,
    /// `report-type` of a top-level `multipart/report` (`delivery-status`,
    /// `disposition-notification`, …), lower case.
    pub report_type: Option<String>,
    /// The readable body.
    pub body: Body,
    /// Text attachments kept (scripts, logs, patches, …).
    pub attachments: Vec<TextAttachment>,
    /// Attachments not kept, each with its reason.
    pub refused: Vec<RefusedAttachment>,
    /// OpenPGP or S/MIME encrypted content found, to hand to the key holder.
    pub encryption: Option<Encrypted>,
    /// OpenPGP or S/MIME signature found, with the exact bytes it covers.
    pub signature: Option<Signed>,
    /// Everything odd met while reading; none of it stops the parse.
    pub problems: Vec<Problem>,
}

impl Parsed {
    /// The first header field called `name` (ASCII case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|h| h.name.eq_ignore_ascii_case(name))
            .map(|h| h.value.as_str())
    }

    /// Every header field called `name` (ASCII case-insensitive), in order.
    pub fn header_values<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.headers
            .iter()
            .filter(move |h| h.name.eq_ignore_ascii_case(name))
            .map(|h| h.value.as_str())
    }

    /// Every recipient address the message names: envelope recipients first, then `To`,
    /// then `Cc`. Where to look for a plus address.
    pub fn recipients(&self) -> impl Iterator<Item = &str> {
        self.delivered_to
            .iter()
            .map(String::as_str)
            .chain(self.to.iter().map(|m| m.address.as_str()))
            .chain(self.cc.iter().map(|m| m.address.as_str()))
    }

    /// What the sender should be told was not accepted: the message-level refusal, then
    /// each refused attachment (inline images of an HTML body are left out: the sender did
    /// not attach them on purpose). Feed to [`crate::refusal_text`].
    pub fn refusal_reasons(&self) -> Vec<RefusalReason> {
        let mut reasons: Vec<RefusalReason> = self
            .refusal
            .iter()
            .cloned()
            .map(RefusalReason::Message)
            .collect();
        reasons.extend(self.refused.iter().filter(|r| !r.inline_resource).map(|r| {
            RefusalReason::Attachment {
                filename: r.filename.clone(),
                reason: r.reason,
            }
        }));
        reasons
    }
}

/// The readable content of a message or of a decrypted PGP/MIME entity.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Content {
    /// The readable body.
    pub body: Body,
    /// Text attachments kept.
    pub attachments: Vec<TextAttachment>,
    /// Attachments not kept.
    pub refused: Vec<RefusedAttachment>,
    /// Encrypted content found (e.g. an encrypted part inside a decrypted one).
    pub encryption: Option<Encrypted>,
    /// Signature found (signed-then-encrypted mail carries it inside).
    pub signature: Option<Signed>,
    /// Problems met.
    pub problems: Vec<Problem>,
    /// For a decrypted entity: its own `Subject` header, which clients that hide the real
    /// subject behind `...` carry inside the encryption (protected headers).
    pub subject: Option<String>,
}

/// One header field: name as written, value unfolded and trimmed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HeaderField {
    /// The field name.
    pub name: String,
    /// The raw value (lossy UTF-8, not RFC 2047-decoded).
    pub value: String,
}

/// The envelope sender as recorded in `Return-Path`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ReturnPath {
    /// `<>`: the message is a bounce or other automatic notice (RFC 5321 §4.5.5).
    Null,
    /// An address, without `<>`.
    Address(String),
}

/// The body as text.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Body {
    /// The text: `text/plain` parts (format=flowed joined), or HTML converted to text when
    /// there is no plain alternative; several inline parts joined by a blank line. Line
    /// ends are `\n`; control characters other than tab are removed.
    pub text: String,
    /// Where the text came from.
    pub source: BodySource,
    /// Whether the text was cut at [`crate::Limits::max_text_chars`].
    pub truncated: bool,
}

/// Where [`Body::text`] came from.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BodySource {
    /// No readable body part (e.g. encrypted mail, or attachments only).
    #[default]
    None,
    /// At least one `text/plain` part.
    Plain,
    /// HTML only, converted to text.
    Html,
}

/// A text attachment that was kept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TextAttachment {
    /// A safe file name: last path component, no control, bidirectional or reserved
    /// characters, at most 100 characters; generated (`attachment-2.txt`) when absent.
    pub filename: String,
    /// The declared content type, `type/subtype` in lower case.
    pub content_type: String,
    /// The text, decoded to UTF-8.
    pub text: String,
    /// Size in bytes of the decoded content.
    pub size: usize,
}

/// An attachment that was not kept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RefusedAttachment {
    /// The sanitised file name, when one was given.
    pub filename: Option<String>,
    /// The declared content type, `type/subtype` in lower case.
    pub content_type: String,
    /// Size in bytes of the decoded content.
    pub size: usize,
    /// Why it was refused.
    pub reason: AttachmentRefusal,
    /// An image or other resource of an HTML body (inside `multipart/related`) rather
    /// than something the sender attached.
    pub inline_resource: bool,
}

/// Why an attachment was refused. The kind is detected from the declared content type,
/// the file name's extension and the leading bytes; the most dangerous finding wins, so
/// `invoice.pdf.exe` and an `MZ` file called `notes.txt` are both executables. Archives
/// are never decompressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum AttachmentRefusal {
    /// Programs and libraries (PE, ELF, Mach-O, Java, Android, installers, WebAssembly).
    Executable,
    /// Compressed or bundled files (zip, tar, gzip, 7z, rar, …).
    Archive,
    /// Word processor, spreadsheet and presentation files, RTF, Outlook's winmail.dat.
    OfficeDocument,
    /// PDF documents.
    Pdf,
    /// Pictures (screenshots).
    Image,
    /// Audio and video.
    Media,
    /// Anything else that is not text.
    Binary,
    /// A text attachment larger than [`crate::Limits::max_attachment_bytes`].
    TooLarge {
        /// The limit in bytes.
        limit: usize,
    },
    /// More text attachments than [`crate::Limits::max_attachments`].
    TooMany {
        /// The limit.
        limit: usize,
    },
}

impl fmt::Display for AttachmentRefusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AttachmentRefusal::Executable => f.write_str("executable program"),
            AttachmentRefusal::Archive => f.write_str("archive"),
            AttachmentRefusal::OfficeDocument => f.write_str("office document"),
            AttachmentRefusal::Pdf => f.write_str("PDF document"),
            AttachmentRefusal::Image => f.write_str("image"),
            AttachmentRefusal::Media => f.write_str("audio or video"),
            AttachmentRefusal::Binary => f.write_str("binary data"),
            AttachmentRefusal::TooLarge { limit } => {
                write!(
                    f,
                    "text larger than {}",
                    crate::refusal::human_bytes(*limit)
                )
            }
            AttachmentRefusal::TooMany { limit } => {
                write!(f, "more than {limit} attachments")
            }
        }
    }
}

/// Why a whole message was not read beyond its headers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Refusal {
    /// Larger than [`crate::Limits::max_message_bytes`].
    TooLarge {
        /// Size in bytes.
        size: usize,
        /// The limit in bytes.
        limit: usize,
    },
    /// More structure than the limits allow (see [`Complexity`]).
    TooComplex {
        /// What was counted.
        what: Complexity,
        /// How many were found (lines are all counted; for the others counting stops
        /// just past the limit).
        count: usize,
        /// The limit.
        limit: usize,
    },
    /// Nothing in it could be read as a header.
    Unreadable,
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Refusal::TooLarge { size, limit } => write!(
                f,
                "message of {} is larger than the limit of {}",
                crate::refusal::human_bytes(*size),
                crate::refusal::human_bytes(*limit)
            ),
            Refusal::TooComplex { what, count, limit } => {
                write!(
                    f,
                    "message has {count} {what}, more than the limit of {limit}"
                )
            }
            Refusal::Unreadable => f.write_str("message has no readable header"),
        }
    }
}

/// What [`Refusal::TooComplex`] counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Complexity {
    /// Lines ([`crate::Limits::max_lines`]).
    Lines,
    /// Multipart entities ([`crate::Limits::max_multiparts`]).
    Multiparts,
    /// Embedded messages ([`crate::Limits::max_embedded_messages`]).
    EmbeddedMessages,
}

impl fmt::Display for Complexity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Complexity::Lines => "lines",
            Complexity::Multiparts => "multipart sections",
            Complexity::EmbeddedMessages => "embedded messages",
        })
    }
}

/// Something odd met while reading a message. None of these stops the parse.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Problem {
    /// A part declares a charset we cannot decode; it was read as UTF-8 with replacement
    /// characters.
    UnknownCharset {
        /// The declared charset.
        charset: String,
    },
    /// A text attachment in no declared charset that is not UTF-8 was read as Windows-1252.
    GuessedCharset {
        /// The attachment's file name.
        filename: String,
    },
    /// A part could not be decoded as declared (bad base64, a missing boundary, a broken
    /// embedded message); what could be read was kept.
    MalformedPart {
        /// The part's content type.
        content_type: String,
    },
    /// A `multipart` part without a usable boundary; its content was read as text.
    MultipartWithoutBoundary {
        /// The part's content type.
        content_type: String,
    },
    /// Parts nested deeper than [`crate::Limits::max_depth`] were not read.
    TooDeep {
        /// The limit.
        limit: usize,
    },
    /// The body text was cut at [`crate::Limits::max_text_chars`].
    BodyTruncated {
        /// The limit in characters.
        limit: usize,
    },
    /// More top-level header fields than [`crate::limits::MAX_HEADERS`]; the rest were not
    /// kept.
    TooManyHeaders {
        /// The limit.
        limit: usize,
    },
    /// Decrypted content with more structure than the limits allow was not read.
    TooComplex {
        /// What was counted.
        what: Complexity,
        /// How many were found.
        count: usize,
        /// The limit.
        limit: usize,
    },
    /// Decrypted content larger than [`crate::Limits::max_message_bytes`] was not read.
    TooLarge {
        /// Size in bytes.
        size: usize,
        /// The limit in bytes.
        limit: usize,
    },
    /// The MIME parser failed on this input; only the header block was read.
    ParserFailed,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Problem::UnknownCharset { charset } => write!(
                f,
                "unknown charset {charset:?}: text decoded as UTF-8 with replacement characters"
            ),
            Problem::GuessedCharset { filename } => write!(
                f,
                "attachment {filename:?} is not UTF-8 and declares no charset: read as Windows-1252"
            ),
            Problem::MalformedPart { content_type } => {
                write!(f, "malformed {content_type} part: kept what could be read")
            }
            Problem::MultipartWithoutBoundary { content_type } => {
                write!(f, "{content_type} part without a boundary: read as text")
            }
            Problem::TooDeep { limit } => {
                write!(f, "parts nested deeper than {limit} levels were not read")
            }
            Problem::BodyTruncated { limit } => {
                write!(f, "body text cut at {limit} characters")
            }
            Problem::TooManyHeaders { limit } => {
                write!(f, "more than {limit} header fields: the rest were not kept")
            }
            Problem::TooComplex { what, count, limit } => {
                write!(
                    f,
                    "content has {count} {what}, more than the limit of {limit}"
                )
            }
            Problem::TooLarge { size, limit } => write!(
                f,
                "content of {size} bytes is larger than the limit of {limit} bytes"
            ),
            Problem::ParserFailed => {
                f.write_str("the MIME parser failed on this message: only headers were read")
            }
        }
    }
}

/// Something to tell the sender was not accepted; see [`crate::refusal_text`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum RefusalReason {
    /// The whole message.
    Message(Refusal),
    /// One attachment.
    Attachment {
        /// Its sanitised file name, if it had one.
        filename: Option<String>,
        /// Why.
        reason: AttachmentRefusal,
    },
}

/// Encrypted content, handed over as found for the key holder to decrypt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Encrypted {
    /// How it was sent.
    pub kind: EncryptionKind,
    /// The encrypted data: for PGP/MIME the second part of `multipart/encrypted`
    /// (transfer-decoded, usually ASCII-armored); for inline PGP the armored block from
    /// `-----BEGIN PGP MESSAGE-----` to its end line; for S/MIME the decoded
    /// `application/pkcs7-mime` part (DER).
    #[serde(skip)]
    pub payload: Vec<u8>,
}

/// How encrypted content was sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EncryptionKind {
    /// RFC 3156 `multipart/encrypted; protocol="application/pgp-encrypted"`. The decrypted
    /// payload is a MIME entity: read it with [`crate::parse_decrypted`].
    PgpMime,
    /// An armored `PGP MESSAGE` block in the text (or a text attachment). The decrypted
    /// payload is text.
    PgpInline,
    /// S/MIME `application/pkcs7-mime` (detected only).
    Smime,
}

/// A signature and exactly what it signs, handed over for verification.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Signed {
    /// How it was sent.
    pub kind: SignatureKind,
    /// For `multipart/signed`: the first body part exactly as transmitted, MIME headers
    /// included, without the line break before the next boundary, with every line ending
    /// made CRLF (RFC 3156 §5, RFC 8551 §3.1.1). For a cleartext signature: the whole
    /// armored block from `-----BEGIN PGP SIGNED MESSAGE-----` to
    /// `-----END PGP SIGNATURE-----` as decoded text.
    #[serde(skip)]
    pub signed_bytes: Vec<u8>,
    /// The signature: the decoded `application/pgp-signature` (or pkcs7) part, or the
    /// armored `PGP SIGNATURE` block of a cleartext signature.
    #[serde(skip)]
    pub signature: Vec<u8>,
}

/// How a signature was sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SignatureKind {
    /// RFC 3156 `multipart/signed; protocol="application/pgp-signature"`.
    PgpMime,
    /// An inline cleartext-signed block (`-----BEGIN PGP SIGNED MESSAGE-----`).
    PgpCleartext,
    /// S/MIME `multipart/signed; protocol="application/pkcs7-signature"` (detected only).
    Smime,
}
