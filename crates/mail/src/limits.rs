//! Limits on what one inbound message may cost to read.
//!
//! The first five are policy (an operator may raise or lower them); the structural ones
//! bound the memory the MIME parser can be made to use by a hostile message (each MIME
//! part, header line and embedded message costs the parser far more memory than its bytes),
//! so they are checked by a cheap scan before the parser runs.

/// Largest message read at all: 10 MiB. Beyond it only the header block is read.
pub const DEFAULT_MAX_MESSAGE_BYTES: usize = 10 * 1024 * 1024;
/// Largest text attachment kept (decoded size): 2 MiB.
pub const DEFAULT_MAX_ATTACHMENT_BYTES: usize = 2 * 1024 * 1024;
/// Most text attachments kept per message; further ones are refused.
pub const DEFAULT_MAX_ATTACHMENTS: usize = 20;
/// Deepest MIME nesting walked (multiparts and embedded messages each add a level).
pub const DEFAULT_MAX_DEPTH: usize = 16;
/// Longest body text kept, in characters; the rest is cut with a problem noted.
pub const DEFAULT_MAX_TEXT_CHARS: usize = 500_000;
/// Most lines in a message (a 10 MiB message of 76-character base64 lines has about 140,000).
pub const DEFAULT_MAX_LINES: usize = 400_000;
/// Most `boundary=` declarations, i.e. multipart entities, in a message.
pub const DEFAULT_MAX_MULTIPARTS: usize = 256;
/// Most embedded messages (`message/rfc822`, `message/global`, `multipart/digest`).
pub const DEFAULT_MAX_EMBEDDED_MESSAGES: usize = 64;
/// Most bytes read as the header block when the rest of a message is refused.
pub const MAX_HEADER_BLOCK_BYTES: usize = 256 * 1024;
/// Most top-level header fields kept in [`crate::Parsed::headers`].
pub const MAX_HEADERS: usize = 1_000;

/// What one inbound message may cost. [`Limits::default`] gives the constants above.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest raw message, in bytes, that is parsed beyond its header block.
    pub max_message_bytes: usize,
    /// Largest text attachment kept, in decoded bytes.
    pub max_attachment_bytes: usize,
    /// Most text attachments kept.
    pub max_attachments: usize,
    /// Deepest MIME nesting walked.
    pub max_depth: usize,
    /// Longest body text kept, in characters.
    pub max_text_chars: usize,
    /// Most lines in a message before it is refused as too complex.
    pub max_lines: usize,
    /// Most multipart entities before it is refused as too complex.
    pub max_multiparts: usize,
    /// Most embedded messages before it is refused as too complex.
    pub max_embedded_messages: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_message_bytes: DEFAULT_MAX_MESSAGE_BYTES,
            max_attachment_bytes: DEFAULT_MAX_ATTACHMENT_BYTES,
            max_attachments: DEFAULT_MAX_ATTACHMENTS,
            max_depth: DEFAULT_MAX_DEPTH,
            max_text_chars: DEFAULT_MAX_TEXT_CHARS,
            max_lines: DEFAULT_MAX_LINES,
            max_multiparts: DEFAULT_MAX_MULTIPARTS,
            max_embedded_messages: DEFAULT_MAX_EMBEDDED_MESSAGES,
        }
    }
}
