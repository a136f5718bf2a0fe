//! The plain-text explanation sent when a message or some of its attachments were not
//! accepted, quoting the project's own policy wording.

use crate::address::one_line;
use crate::message::{AttachmentRefusal, Refusal, RefusalReason};

/// Longest policy excerpt quoted, in characters; longer ones are cut with `…`.
pub const MAX_POLICY_EXCERPT_CHARS: usize = 4_000;
/// Most refused items listed one by one; the rest are summarised.
pub const MAX_LISTED: usize = 20;

/// Explains in plain text what was not accepted and why, then quotes `policy_excerpt`
/// (the project's own wording, e.g. the paragraph of its policy about e-mail) as a
/// `> ` block. File names come from [`crate::Parsed::refused`] (already sanitised) and are
/// put on one line again here. `reasons` is usually [`crate::Parsed::refusal_reasons`];
/// an empty list gives the general "plain text only" explanation.
pub fn refusal_text(reasons: &[RefusalReason], policy_excerpt: &str) -> String {
    let mut out = String::new();
    let message_refusal = reasons.iter().find_map(|r| match r {
        RefusalReason::Message(refusal) => Some(refusal),
        RefusalReason::Attachment { .. } => None,
    });
    match message_refusal {
        Some(Refusal::TooLarge { size, limit }) => out.push_str(&format!(
            "Your message was not accepted: at {} it is larger than the {} this address \
             accepts.\nPlease send the report as plain text in the body of the message, \
             without large attachments.\n",
            human_bytes(*size),
            human_bytes(*limit)
        )),
        Some(Refusal::TooComplex { what, limit, .. }) => out.push_str(&format!(
            "Your message was not accepted: it has more {what} than this address accepts \
             (at most {limit}).\nPlease send the report as plain text in the body of a \
             simple message.\n"
        )),
        Some(Refusal::Unreadable) => out.push_str(
            "Your message was not accepted: it could not be read as an e-mail message.\n\
             Please send the report as plain text in the body of a new message.\n",
        ),
        None => out.push_str(
            "This address accepts plain text only: the text of your message and text \
             attachments (for example a script, a log or a patch).\n",
        ),
    }
    let attachments: Vec<(Option<&str>, AttachmentRefusal)> = reasons
        .iter()
        .filter_map(|r| match r {
            RefusalReason::Attachment { filename, reason } => Some((filename.as_deref(), *reason)),
            RefusalReason::Message(_) => None,
        })
        .collect();
    if !attachments.is_empty() {
        out.push_str("\nThese attachments were not accepted:\n\n");
        for (filename, reason) in attachments.iter().take(MAX_LISTED) {
            let name = filename
                .map(|f| format!("\"{}\"", one_line(f)))
                .unwrap_or_else(|| "an attachment without a name".to_owned());
            out.push_str(&format!("  - {name}: {}\n", explain(*reason)));
        }
        if attachments.len() > MAX_LISTED {
            out.push_str(&format!(
                "  - and {} more\n",
                attachments.len() - MAX_LISTED
            ));
        }
        out.push_str(
            "\nPlease put what they contain into the text of your message, or attach it \
             as plain text. We never open documents, programs or archives sent to this \
             address.\n",
        );
    }
    let excerpt = policy_excerpt.trim();
    if !excerpt.is_empty() {
        out.push_str("\nOur policy says:\n\n");
        let mut chars = excerpt.char_indices();
        let (excerpt, cut) = match chars.nth(MAX_POLICY_EXCERPT_CHARS) {
            Some((at, _)) => (&excerpt[..at], true),
            None => (excerpt, false),
        };
        for line in excerpt.lines() {
            let line: String = line
                .chars()
                .filter(|c| !c.is_control() || *c == '\t')
                .collect();
            let line = line.trim_end();
            if line.is_empty() {
                out.push_str(">\n");
            } else {
                out.push_str("> ");
                out.push_str(line);
                out.push('\n');
            }
        }
        if cut {
            out.push_str("> …\n");
        }
    }
    out
}

fn explain(reason: AttachmentRefusal) -> String {
    match reason {
        AttachmentRefusal::Pdf => "attachments of type PDF are not accepted".to_owned(),
        AttachmentRefusal::OfficeDocument => {
            "office documents (Word, Excel, PowerPoint, OpenDocument, RTF) are not accepted"
                .to_owned()
        }
        AttachmentRefusal::Executable => {
            "programs and executable files are not accepted".to_owned()
        }
        AttachmentRefusal::Archive => {
            "archives (zip, tar, 7z, …) are not accepted and are never unpacked".to_owned()
        }
        AttachmentRefusal::Image => {
            "images are not accepted; please describe what the screenshot shows".to_owned()
        }
        AttachmentRefusal::Media => "audio and video files are not accepted".to_owned(),
        AttachmentRefusal::Binary => "binary files are not accepted".to_owned(),
        AttachmentRefusal::TooLarge { limit } => format!(
            "text attachments larger than {} are not accepted",
            human_bytes(limit)
        ),
        AttachmentRefusal::TooMany { limit } => {
            format!("at most {limit} attachments are accepted per message")
        }
    }
}

/// A byte count for people: `512 bytes`, `10 KiB`, `12.5 MiB`.
pub fn human_bytes(bytes: usize) -> String {
    const KIB: usize = 1024;
    const MIB: usize = 1024 * 1024;
    if bytes < KIB {
        format!("{bytes} bytes")
    } else if bytes < MIB {
        format_unit(bytes, KIB, "KiB")
    } else {
        format_unit(bytes, MIB, "MiB")
    }
}

fn format_unit(bytes: usize, unit: usize, name: &str) -> String {
    let tenths = (bytes * 10 + unit / 2) / unit;
    if tenths.is_multiple_of(10) {
        format!("{} {name}", tenths / 10)
    } else {
        format!("{}.{} {name}", tenths / 10, tenths % 10)
    }
}
