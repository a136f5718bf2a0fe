//! Whole outgoing messages: where a mail about a report sits in its thread, the text body
//! as a MIME entity (quoted-printable, so any text survives 7-bit transport), and the
//! message assembled from [`OutgoingHeaders`] and an entity.

use crate::outgoing::OutgoingHeaders;

/// Longest encoded line [`quoted_printable`] writes, soft line break included (RFC 2045 §6.7).
pub const QP_LINE: usize = 76;

/// One earlier message of a report's thread.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThreadMessage {
    /// Its `Message-ID`, without `<>`.
    pub message_id: String,
    /// Sent by the reporter (else it is one of ours).
    pub from_reporter: bool,
}

/// Where our next mail about a report threads: `In-Reply-To` the reporter's latest message,
/// or, when they never wrote by mail, our first mail about the report; `References` every
/// earlier identifier with that parent last (oldest first; [`OutgoingHeaders::thread`] caps
/// them). `earlier` is the thread so far, oldest first. `None` for an empty thread.
pub fn report_thread(earlier: &[ThreadMessage]) -> Option<(String, Vec<String>)> {
    let parent = earlier
        .iter()
        .rev()
        .find(|m| m.from_reporter)
        .or_else(|| earlier.first())?
        .message_id
        .clone();
    let mut references: Vec<String> = earlier
        .iter()
        .map(|m| m.message_id.clone())
        .filter(|id| *id != parent)
        .collect();
    references.dedup();
    references.push(parent.clone());
    Some((parent, references))
}

/// `text` in quoted-printable (RFC 2045 §6.7): CRLF line ends, lines of at most
/// [`QP_LINE`] characters, `=`, control characters, non-ASCII bytes and white space at a
/// line's end encoded as `=XX`. Bare LF and CRLF both end a line.
pub fn quoted_printable(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 16);
    let lines: Vec<&str> = text.split('\n').collect();
    for (i, line) in lines.iter().enumerate() {
        let line = line.strip_suffix('\r').unwrap_or(line);
        let bytes = line.as_bytes();
        let mut width = 0;
        for (j, &b) in bytes.iter().enumerate() {
            let last = j + 1 == bytes.len();
            let literal =
                (b == b' ' || b == b'\t') && !last || (33..=126).contains(&b) && b != b'=';
            let token = if literal {
                char::from(b).to_string()
            } else {
                format!("={b:02X}")
            };
            // Leave room for the soft break's `=` unless this is the line's last token.
            let room = if last { QP_LINE } else { QP_LINE - 1 };
            if width + token.len() > room {
                out.push_str("=\r\n");
                width = 0;
            }
            width += token.len();
            out.push_str(&token);
        }
        if i + 1 < lines.len() {
            out.push_str("\r\n");
        }
    }
    out
}

/// A `text/plain; charset=utf-8` MIME entity (headers, blank line, quoted-printable body):
/// the body of a plain message, or the plaintext to encrypt for a PGP/MIME one.
pub fn text_entity(body: &str) -> String {
    format!(
        "Content-Type: text/plain; charset=utf-8\r\n\
         Content-Transfer-Encoding: quoted-printable\r\n\r\n{}",
        quoted_printable(body)
    )
}

/// The message as sent: the header block, `MIME-Version`, then `entity` (its own
/// `Content-Type` and other MIME headers, a blank line and its body; CRLF line ends).
pub fn assemble(headers: &OutgoingHeaders, entity: &str) -> String {
    let mut out = headers.render();
    out.push_str("MIME-Version: 1.0\r\n");
    out.push_str(entity);
    if !out.ends_with("\r\n") {
        out.push_str("\r\n");
    }
    out
}

/// A `Date` header value (RFC 5322 §3.3) for `at`, in UTC.
pub fn date_value(at: jiff::Timestamp) -> String {
    let zoned = at.to_zoned(jiff::tz::TimeZone::UTC);
    jiff::fmt::rfc2822::to_string(&zoned)
        .unwrap_or_else(|_| "Thu, 1 Jan 1970 00:00:00 +0000".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ours(id: &str) -> ThreadMessage {
        ThreadMessage {
            message_id: id.into(),
            from_reporter: false,
        }
    }

    fn theirs(id: &str) -> ThreadMessage {
        ThreadMessage {
            message_id: id.into(),
            from_reporter: true,
        }
    }

    #[test]
    fn a_thread_answers_the_reporters_latest_message() {
        let thread = [
            theirs("first@reporter.example"),
            ours("a@embargo"),
            theirs("second@reporter.example"),
            ours("b@embargo"),
        ];
        let (parent, refs) = report_thread(&thread).expect("thread");
        assert_eq!(parent, "second@reporter.example");
        assert_eq!(
            refs,
            [
                "first@reporter.example",
                "a@embargo",
                "b@embargo",
                "second@reporter.example"
            ]
        );
    }

    #[test]
    fn without_mail_from_the_reporter_our_first_mail_is_the_parent() {
        let (parent, refs) =
            report_thread(&[ours("a@embargo"), ours("b@embargo")]).expect("thread");
        assert_eq!(parent, "a@embargo");
        assert_eq!(refs, ["b@embargo", "a@embargo"]);
        assert_eq!(report_thread(&[]), None);
    }

    #[test]
    fn quoted_printable_encodes_what_7_bit_transport_would_break() {
        assert_eq!(quoted_printable("a=b"), "a=3Db");
        assert_eq!(quoted_printable("Grüße"), "Gr=C3=BC=C3=9Fe");
        assert_eq!(
            quoted_printable("end \nnext\r\nlast\t"),
            "end=20\r\nnext\r\nlast=09"
        );
        let long = "x".repeat(200);
        let encoded = quoted_printable(&long);
        assert!(encoded.lines().all(|l| l.len() <= QP_LINE), "{encoded}");
        assert_eq!(encoded.replace("=\r\n", ""), long);
    }

    #[test]
    fn a_date_header_is_rfc_5322() {
        let at: jiff::Timestamp = "2026-11-23T10:05:00Z".parse().expect("ts");
        assert_eq!(date_value(at), "Mon, 23 Nov 2026 10:05:00 +0000");
    }
}
