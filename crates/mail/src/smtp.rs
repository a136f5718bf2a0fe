//! The server side of an SMTP (RFC 5321) or LMTP (RFC 2033) dialogue, without I/O.
//!
//! The caller reads the connection, cuts it into lines with [`LineBuffer`] and hands each
//! line to [`Session::line`], which answers with a [`Step`]: replies to write, a recipient
//! to check (answered with [`Session::recipient`]), a complete message to deliver
//! (answered with [`Session::delivered`]) or the end of the connection. Timeouts, TLS and
//! what a recipient or message means are the caller's business.
//!
//! Supported: `EHLO`/`HELO` (SMTP) or `LHLO` (LMTP), `MAIL FROM` with `SIZE` and `BODY`
//! (`7BIT`, `8BITMIME`), `RCPT TO` (each recipient accepted or refused on its own), `DATA`
//! with dot-unstuffing, `RSET`, `NOOP`, `VRFY` (never verifies), `HELP`, `QUIT`. Limits:
//! command lines of [`MAX_COMMAND_LINE`] octets, text lines of [`MAX_TEXT_LINE`] octets,
//! the configured message size (refused up front from `SIZE=`, or after the final dot with
//! 552) and recipient count (452), [`MAX_ERRORS`] bad commands before the connection is
//! closed. LMTP answers the final dot once per accepted recipient, in order.

use std::fmt;

/// Longest command line, with its CRLF (RFC 5321 §4.5.3.1.4).
pub const MAX_COMMAND_LINE: usize = 512;
/// Longest line of message text, with its CRLF (RFC 5321 §4.5.3.1.6).
pub const MAX_TEXT_LINE: usize = 1000;
/// Bad commands tolerated before the connection is closed.
pub const MAX_ERRORS: usize = 20;
/// Longest address in a path, in octets (RFC 5321 §4.5.3.1.3).
pub const MAX_PATH: usize = 256;

/// Which dialogue to speak.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocol {
    Smtp,
    Lmtp,
}

impl Protocol {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Smtp => "smtp",
            Self::Lmtp => "lmtp",
        }
    }
}

/// One reply: a code and one or more lines of text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    pub code: u16,
    pub lines: Vec<String>,
}

impl Reply {
    /// A one-line reply; CR and LF in `text` become spaces.
    pub fn new(code: u16, text: impl Into<String>) -> Reply {
        Reply {
            code,
            lines: vec![clean(text.into())],
        }
    }

    /// 2xx or 3xx.
    pub fn is_positive(&self) -> bool {
        self.code < 400
    }

    /// 4xx: the client should try again later.
    pub fn is_temporary(&self) -> bool {
        (400..500).contains(&self.code)
    }

    /// The reply as sent: `250-first\r\n250 last\r\n`.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let last = self.lines.len().saturating_sub(1);
        for (i, line) in self.lines.iter().enumerate() {
            let sep = if i == last { ' ' } else { '-' };
            out.push_str(&format!("{}{sep}{line}\r\n", self.code));
        }
        if self.lines.is_empty() {
            out.push_str(&format!("{}\r\n", self.code));
        }
        out
    }
}

impl fmt::Display for Reply {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.code, self.lines.join(" / "))
    }
}

fn clean(text: String) -> String {
    if text.contains(['\r', '\n']) {
        text.replace(['\r', '\n'], " ")
    } else {
        text
    }
}

/// How a session behaves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionConfig {
    pub protocol: Protocol,
    /// The name the server greets with.
    pub hostname: String,
    /// Largest message accepted, in octets (advertised as `SIZE`).
    pub max_message_bytes: usize,
    /// Most recipients of one message.
    pub max_recipients: usize,
}

/// A complete message with its envelope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Envelope {
    /// The reverse path of `MAIL FROM`, without `<>`; empty for a bounce.
    pub from: String,
    /// The accepted recipients, without `<>`, in order.
    pub recipients: Vec<String>,
    /// The message text, dot-unstuffed, lines ending in CRLF.
    pub data: Vec<u8>,
}

/// What the caller does next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// Write these replies (none while message text is being read).
    Say(Vec<Reply>),
    /// Decide on this recipient (without `<>`), then call [`Session::recipient`].
    Recipient(String),
    /// Deliver this message, then call [`Session::delivered`].
    Deliver(Envelope),
    /// Write this reply and close the connection.
    Close(Reply),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Before HELO/EHLO/LHLO.
    Fresh,
    /// Greeted, no transaction.
    Ready,
    /// After MAIL FROM.
    Mail,
    /// Reading message text.
    Data,
    /// A recipient is being checked by the caller.
    AwaitRecipient,
    /// A message is being delivered by the caller.
    AwaitDelivery,
}

/// One connection's dialogue.
#[derive(Debug)]
pub struct Session {
    config: SessionConfig,
    state: State,
    from: String,
    recipients: Vec<String>,
    pending_recipient: Option<String>,
    data: Vec<u8>,
    too_large: bool,
    long_line: bool,
    errors: usize,
    client: String,
}

impl Session {
    pub fn new(config: SessionConfig) -> Session {
        Session {
            config,
            state: State::Fresh,
            from: String::new(),
            recipients: Vec::new(),
            pending_recipient: None,
            data: Vec::new(),
            too_large: false,
            long_line: false,
            errors: 0,
            client: String::new(),
        }
    }

    /// The current transaction's envelope sender (`MAIL FROM`), "" for a bounce.
    pub fn sender(&self) -> &str {
        &self.from
    }

    /// The name the client gave in its greeting (at most 100 characters), or "".
    pub fn client_name(&self) -> &str {
        &self.client
    }

    /// The first thing the server says.
    pub fn greeting(&self) -> Reply {
        Reply::new(
            220,
            format!(
                "{} {} Embargo ready",
                self.config.hostname,
                match self.config.protocol {
                    Protocol::Smtp => "ESMTP",
                    Protocol::Lmtp => "LMTP",
                }
            ),
        )
    }

    /// The recipients accepted in the current transaction.
    pub fn recipients(&self) -> &[String] {
        &self.recipients
    }

    /// Whether message text is being read (the caller may allow longer lines then).
    pub fn reading_data(&self) -> bool {
        self.state == State::Data
    }

    /// The longest line the caller should pass now, with its line ending.
    pub fn max_line(&self) -> usize {
        if self.reading_data() {
            MAX_TEXT_LINE
        } else {
            MAX_COMMAND_LINE
        }
    }

    /// Handles one line, without its line ending. `too_long` says the caller cut the line
    /// because it was longer than [`Session::max_line`] (what it passes is its beginning).
    pub fn line(&mut self, line: &[u8], too_long: bool) -> Step {
        match self.state {
            State::Data => self.data_line(line, too_long),
            State::AwaitRecipient | State::AwaitDelivery => {
                // The caller must answer before handing more lines; refuse rather than panic.
                Step::Say(vec![Reply::new(
                    503,
                    "5.5.1 Busy with the previous command",
                )])
            }
            _ if too_long => self.error(Reply::new(500, "5.5.2 Line too long")),
            _ => self.command(line),
        }
    }

    fn data_line(&mut self, line: &[u8], too_long: bool) -> Step {
        if line == b"." && !too_long {
            return self.end_of_data();
        }
        if too_long {
            self.long_line = true;
        }
        let text = line.strip_prefix(b".").unwrap_or(line);
        if self.data.len() + text.len() + 2 > self.config.max_message_bytes {
            self.too_large = true;
            self.data.clear();
            self.data.shrink_to(0);
        }
        if !self.too_large && !self.long_line {
            self.data.extend_from_slice(text);
            self.data.extend_from_slice(b"\r\n");
        }
        Step::Say(Vec::new())
    }

    fn end_of_data(&mut self) -> Step {
        let refusal = if self.too_large {
            Some(Reply::new(
                552,
                format!(
                    "5.3.4 Message larger than {} octets",
                    self.config.max_message_bytes
                ),
            ))
        } else if self.long_line {
            Some(Reply::new(
                554,
                format!("5.6.0 Line longer than {MAX_TEXT_LINE} octets"),
            ))
        } else {
            None
        };
        if let Some(reply) = refusal {
            let replies = self.for_each_recipient(reply);
            self.reset();
            return Step::Say(replies);
        }
        self.state = State::AwaitDelivery;
        Step::Deliver(Envelope {
            from: self.from.clone(),
            recipients: self.recipients.clone(),
            data: std::mem::take(&mut self.data),
        })
    }

    /// The caller's answer for the recipient of [`Step::Recipient`]: `None` accepts it,
    /// a reply refuses it. Returns what to write.
    pub fn recipient(&mut self, refusal: Option<Reply>) -> Reply {
        if self.state != State::AwaitRecipient {
            return Reply::new(503, "5.5.1 No recipient pending");
        }
        self.state = State::Mail;
        let Some(address) = self.pending_recipient.take() else {
            return Reply::new(503, "5.5.1 No recipient pending");
        };
        match refusal {
            None => {
                self.recipients.push(address);
                Reply::new(250, "2.1.5 Recipient ok")
            }
            Some(reply) => reply,
        }
    }

    /// The caller's answer for the message of [`Step::Deliver`]: one reply for SMTP, the
    /// same reply once per accepted recipient for LMTP. The transaction ends.
    pub fn delivered(&mut self, reply: Reply) -> Vec<Reply> {
        if self.state != State::AwaitDelivery {
            return vec![Reply::new(503, "5.5.1 No message pending")];
        }
        let replies = self.for_each_recipient(reply);
        self.reset();
        replies
    }

    fn for_each_recipient(&self, reply: Reply) -> Vec<Reply> {
        match self.config.protocol {
            Protocol::Smtp => vec![reply],
            Protocol::Lmtp => vec![reply; self.recipients.len().max(1)],
        }
    }

    /// Ends the transaction, keeping the greeting.
    fn reset(&mut self) {
        self.state = if self.state == State::Fresh {
            State::Fresh
        } else {
            State::Ready
        };
        self.from.clear();
        self.recipients.clear();
        self.pending_recipient = None;
        self.data = Vec::new();
        self.too_large = false;
        self.long_line = false;
    }

    fn error(&mut self, reply: Reply) -> Step {
        self.errors += 1;
        if self.errors >= MAX_ERRORS {
            return Step::Close(Reply::new(421, "4.7.0 Too many errors, closing"));
        }
        Step::Say(vec![reply])
    }

    fn say(reply: Reply) -> Step {
        Step::Say(vec![reply])
    }

    fn command(&mut self, line: &[u8]) -> Step {
        let Ok(line) = std::str::from_utf8(line) else {
            return self.error(Reply::new(500, "5.5.2 Command is not valid UTF-8"));
        };
        let (verb, rest) = match line.split_once(' ') {
            Some((v, r)) => (v, r.trim()),
            None => (line.trim(), ""),
        };
        let verb = verb.to_ascii_uppercase();
        let lmtp = self.config.protocol == Protocol::Lmtp;
        match verb.as_str() {
            "EHLO" | "HELO" if lmtp => self.error(Reply::new(500, "5.5.1 This is LMTP: use LHLO")),
            "LHLO" if !lmtp => self.error(Reply::new(500, "5.5.1 This is SMTP: use EHLO")),
            "EHLO" | "LHLO" | "HELO" => {
                if rest.is_empty() {
                    return self.error(Reply::new(501, "5.5.4 A domain is required"));
                }
                self.reset();
                self.state = State::Ready;
                self.client = rest.chars().take(100).collect();
                if verb == "HELO" {
                    return Self::say(Reply::new(250, self.config.hostname.clone()));
                }
                Self::say(Reply {
                    code: 250,
                    lines: vec![
                        self.config.hostname.clone(),
                        "PIPELINING".into(),
                        "8BITMIME".into(),
                        "ENHANCEDSTATUSCODES".into(),
                        format!("SIZE {}", self.config.max_message_bytes),
                    ],
                })
            }
            "MAIL" => self.mail(rest),
            "RCPT" => self.rcpt(rest),
            "DATA" => {
                if !rest.is_empty() {
                    return self.error(Reply::new(501, "5.5.4 DATA takes no arguments"));
                }
                match self.state {
                    State::Mail if !self.recipients.is_empty() => {
                        self.state = State::Data;
                        Self::say(Reply::new(354, "Send the message, end with <CRLF>.<CRLF>"))
                    }
                    State::Mail => self.error(Reply::new(554, "5.5.1 No valid recipients")),
                    _ => self.error(Reply::new(503, "5.5.1 MAIL FROM first")),
                }
            }
            "RSET" => {
                self.reset();
                Self::say(Reply::new(250, "2.0.0 Ok"))
            }
            "NOOP" => Self::say(Reply::new(250, "2.0.0 Ok")),
            "VRFY" => Self::say(Reply::new(252, "2.5.0 Cannot verify, send some mail")),
            "HELP" => Self::say(Reply::new(
                214,
                "2.0.0 Commands: EHLO HELO LHLO MAIL RCPT DATA RSET NOOP VRFY QUIT",
            )),
            "QUIT" => Step::Close(Reply::new(221, "2.0.0 Bye")),
            "STARTTLS" | "BDAT" | "AUTH" | "ETRN" | "EXPN" | "TURN" => {
                self.error(Reply::new(502, "5.5.1 Not implemented"))
            }
            _ => self.error(Reply::new(500, "5.5.2 Unknown command")),
        }
    }

    fn mail(&mut self, rest: &str) -> Step {
        match self.state {
            State::Fresh => return self.error(Reply::new(503, "5.5.1 Say hello first")),
            State::Mail => return self.error(Reply::new(503, "5.5.1 Nested MAIL command")),
            _ => {}
        }
        let Some(args) = strip_prefix_ci(rest, "FROM:") else {
            return self.error(Reply::new(501, "5.5.4 Syntax: MAIL FROM:<address>"));
        };
        let (path, params) = match split_path(args) {
            Ok(p) => p,
            Err(reply) => return self.error(reply),
        };
        if !path.is_empty() && !plausible_address(path) {
            return self.error(Reply::new(501, "5.1.7 Bad sender address"));
        }
        for param in params.split_ascii_whitespace() {
            let (key, value) = param.split_once('=').unwrap_or((param, ""));
            match key.to_ascii_uppercase().as_str() {
                "SIZE" => match value.parse::<u64>() {
                    Ok(n) if n > self.config.max_message_bytes as u64 => {
                        return Self::say(Reply::new(
                            552,
                            format!(
                                "5.3.4 Message larger than {} octets",
                                self.config.max_message_bytes
                            ),
                        ));
                    }
                    Ok(_) => {}
                    Err(_) => return self.error(Reply::new(501, "5.5.4 Bad SIZE value")),
                },
                "BODY"
                    if value.eq_ignore_ascii_case("7BIT")
                        || value.eq_ignore_ascii_case("8BITMIME") => {}
                _ => {
                    return self.error(Reply::new(555, "5.5.4 Parameter not supported"));
                }
            }
        }
        self.reset();
        self.from = path.to_owned();
        self.state = State::Mail;
        Self::say(Reply::new(250, "2.1.0 Sender ok"))
    }

    fn rcpt(&mut self, rest: &str) -> Step {
        if self.state != State::Mail {
            return self.error(Reply::new(503, "5.5.1 MAIL FROM first"));
        }
        let Some(args) = strip_prefix_ci(rest, "TO:") else {
            return self.error(Reply::new(501, "5.5.4 Syntax: RCPT TO:<address>"));
        };
        let (path, params) = match split_path(args) {
            Ok(p) => p,
            Err(reply) => return self.error(reply),
        };
        if !params.trim().is_empty() {
            return self.error(Reply::new(555, "5.5.4 Parameter not supported"));
        }
        if !plausible_address(path) {
            return self.error(Reply::new(501, "5.1.3 Bad recipient address"));
        }
        if self.recipients.len() >= self.config.max_recipients {
            return Self::say(Reply::new(452, "4.5.3 Too many recipients"));
        }
        self.pending_recipient = Some(path.to_owned());
        self.state = State::AwaitRecipient;
        Step::Recipient(path.to_owned())
    }
}

fn strip_prefix_ci<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    let head = text.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| text[prefix.len()..].trim_start())
}

/// `<path> params` → (path without `<>`, params). Source routes (`<@a,@b:x@y>`) are
/// dropped as RFC 5321 §4.1.1.3 allows.
fn split_path(args: &str) -> Result<(&str, &str), Reply> {
    let bad = || Reply::new(501, "5.5.4 The address must be written <local@domain>");
    let inner = args.strip_prefix('<').ok_or_else(bad)?;
    let end = inner.find('>').ok_or_else(bad)?;
    let path = &inner[..end];
    let path = match path.split_once(':') {
        Some((route, rest)) if route.starts_with('@') => rest,
        _ => path,
    };
    if path.len() > MAX_PATH {
        return Err(Reply::new(501, "5.1.3 Address too long"));
    }
    Ok((path, &inner[end + 1..]))
}

/// `local@domain` with printable characters, no spaces, a non-empty domain.
fn plausible_address(address: &str) -> bool {
    let Some((local, domain)) = address.rsplit_once('@') else {
        return false;
    };
    !local.is_empty()
        && !domain.is_empty()
        && address
            .chars()
            .all(|c| !c.is_control() && !c.is_whitespace() && c != '<' && c != '>')
}

/// Cuts a byte stream into lines (LF or CRLF endings, removed), each at most `max` octets
/// with its ending; a longer line is passed on cut, flagged, and the rest of it dropped.
#[derive(Debug, Default)]
pub struct LineBuffer {
    buf: Vec<u8>,
    /// Where the unread part of `buf` starts (lines are not shifted out one by one).
    start: usize,
    /// Dropping the rest of a line that was too long.
    skipping: bool,
}

/// One line out of a [`LineBuffer`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub text: Vec<u8>,
    pub too_long: bool,
}

impl LineBuffer {
    pub fn new() -> LineBuffer {
        LineBuffer::default()
    }

    /// Adds bytes read from the connection.
    pub fn push(&mut self, bytes: &[u8]) {
        if self.start > 0 && self.start >= self.buf.len() / 2 {
            self.buf.drain(..self.start);
            self.start = 0;
        }
        self.buf.extend_from_slice(bytes);
    }

    /// Octets waiting for their line ending.
    pub fn pending(&self) -> usize {
        self.buf.len() - self.start
    }

    /// The next complete line, if any, for a limit of `max` octets including the ending.
    pub fn next_line(&mut self, max: usize) -> Option<Line> {
        let keep = max.saturating_sub(2);
        loop {
            let rest = &self.buf[self.start..];
            match memchr::memchr(b'\n', rest) {
                Some(i) => {
                    let end = if i > 0 && rest[i - 1] == b'\r' {
                        i - 1
                    } else {
                        i
                    };
                    let line = Line {
                        text: rest[..end.min(keep)].to_vec(),
                        too_long: end > keep,
                    };
                    self.start += i + 1;
                    if std::mem::take(&mut self.skipping) {
                        // The tail of a line already passed on as too long.
                        continue;
                    }
                    return Some(line);
                }
                // (One octet of room for a CR whose LF has not arrived yet.)
                None if rest.len() > keep + 1 && !self.skipping => {
                    let text = rest[..keep].to_vec();
                    self.buf.clear();
                    self.start = 0;
                    self.skipping = true;
                    return Some(Line {
                        text,
                        too_long: true,
                    });
                }
                None => {
                    if self.skipping {
                        self.buf.clear();
                        self.start = 0;
                    }
                    return None;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(protocol: Protocol) -> SessionConfig {
        SessionConfig {
            protocol,
            hostname: "mx.example.org".into(),
            max_message_bytes: 100,
            max_recipients: 3,
        }
    }

    /// Runs lines through a session; recipients containing "nobody" are refused, messages
    /// are delivered with 250. Returns every reply rendered and the delivered envelopes.
    fn dialogue(protocol: Protocol, lines: &[&str]) -> (Vec<String>, Vec<Envelope>) {
        let mut s = Session::new(config(protocol));
        let mut out = vec![s.greeting().render()];
        let mut delivered = Vec::new();
        for line in lines {
            let too_long = line.len() + 2 > s.max_line();
            match s.line(line.as_bytes(), too_long) {
                Step::Say(replies) => out.extend(replies.iter().map(Reply::render)),
                Step::Recipient(a) => {
                    let refusal = a
                        .contains("nobody")
                        .then(|| Reply::new(550, "5.1.1 No such recipient"));
                    out.push(s.recipient(refusal).render());
                }
                Step::Deliver(e) => {
                    delivered.push(e);
                    out.extend(
                        s.delivered(Reply::new(250, "2.0.0 Ok"))
                            .iter()
                            .map(Reply::render),
                    );
                }
                Step::Close(r) => {
                    out.push(r.render());
                    break;
                }
            }
        }
        (out, delivered)
    }

    fn codes(out: &[String]) -> Vec<&str> {
        out.iter().map(|r| &r[..3]).collect()
    }

    #[test]
    fn a_whole_smtp_dialogue_delivers_one_message() {
        let (out, delivered) = dialogue(
            Protocol::Smtp,
            &[
                "EHLO client.example.net",
                "MAIL FROM:<mara@example.net> SIZE=50 BODY=8BITMIME",
                "RCPT TO:<security@example.org>",
                "RCPT TO:<nobody@example.org>",
                "DATA",
                "Subject: hi",
                "",
                "..leading dot",
                "body",
                ".",
                "QUIT",
            ],
        );
        assert_eq!(out[0], "220 mx.example.org ESMTP Embargo ready\r\n");
        assert_eq!(
            out[1],
            "250-mx.example.org\r\n250-PIPELINING\r\n250-8BITMIME\r\n250-ENHANCEDSTATUSCODES\r\n250 SIZE 100\r\n"
        );
        assert_eq!(out[2], "250 2.1.0 Sender ok\r\n");
        assert_eq!(out[3], "250 2.1.5 Recipient ok\r\n");
        assert_eq!(out[4], "550 5.1.1 No such recipient\r\n");
        assert!(out[5].starts_with("354 "));
        assert_eq!(out[6], "250 2.0.0 Ok\r\n");
        assert_eq!(out[7], "221 2.0.0 Bye\r\n");
        assert_eq!(
            delivered,
            vec![Envelope {
                from: "mara@example.net".into(),
                recipients: vec!["security@example.org".into()],
                data: b"Subject: hi\r\n\r\n.leading dot\r\nbody\r\n".to_vec(),
            }]
        );
    }

    #[test]
    fn lmtp_answers_the_final_dot_once_per_accepted_recipient() {
        let (out, delivered) = dialogue(
            Protocol::Lmtp,
            &[
                "EHLO client",
                "LHLO client",
                "MAIL FROM:<>",
                "RCPT TO:<a@example.org>",
                "RCPT TO:<nobody@example.org>",
                "RCPT TO:<b@example.org>",
                "DATA",
                "x",
                ".",
            ],
        );
        assert_eq!(out[0], "220 mx.example.org LMTP Embargo ready\r\n");
        assert_eq!(out[1], "500 5.5.1 This is LMTP: use LHLO\r\n");
        assert!(out[2].starts_with("250-mx.example.org\r\n"));
        assert!(out[7].starts_with("354 "));
        assert_eq!(&out[8..], ["250 2.0.0 Ok\r\n", "250 2.0.0 Ok\r\n"]);
        assert_eq!(delivered[0].from, "");
        assert_eq!(delivered[0].recipients, ["a@example.org", "b@example.org"]);
    }

    #[test]
    fn order_is_enforced() {
        let (out, _) = dialogue(
            Protocol::Smtp,
            &[
                "MAIL FROM:<a@example.net>",
                "HELO client",
                "RCPT TO:<security@example.org>",
                "DATA",
                "MAIL FROM:<a@example.net>",
                "MAIL FROM:<a@example.net>",
                "DATA",
                "RSET",
                "RCPT TO:<security@example.org>",
                "NOOP",
                "VRFY security",
                "STARTTLS",
                "FROB",
            ],
        );
        assert_eq!(
            codes(&out),
            [
                "220", "503", "250", "503", "503", "250", "503", "554", "250", "503", "250", "252",
                "502", "500"
            ]
        );
    }

    #[test]
    fn sizes_are_enforced_up_front_and_after_the_data() {
        let big = "x".repeat(60);
        let (out, delivered) = dialogue(
            Protocol::Smtp,
            &[
                "EHLO c",
                "MAIL FROM:<a@example.net> SIZE=101",
                "MAIL FROM:<a@example.net> SIZE=1x",
                "MAIL FROM:<a@example.net> SMTPUTF8",
                "MAIL FROM:<a@example.net>",
                "RCPT TO:<s@example.org>",
                "DATA",
                &big,
                &big,
                ".",
                // The session goes on: the next message is fine.
                "MAIL FROM:<a@example.net>",
                "RCPT TO:<s@example.org>",
                "DATA",
                "small",
                ".",
            ],
        );
        assert_eq!(
            codes(&out),
            [
                "220", "250", "552", "501", "555", "250", "250", "354", "552", "250", "250", "354",
                "250"
            ]
        );
        assert!(out[8].contains("larger than 100 octets"), "{}", out[8]);
        assert_eq!(delivered.len(), 1);
        assert_eq!(delivered[0].data, b"small\r\n");
    }

    #[test]
    fn long_lines_are_refused() {
        let long_command = format!("RCPT TO:<{}@example.org>", "a".repeat(600));
        let long_text = "y".repeat(MAX_TEXT_LINE);
        let mut s = Session::new(SessionConfig {
            max_message_bytes: 10_000,
            ..config(Protocol::Smtp)
        });
        let mut say = |line: &str| {
            let too_long = line.len() + 2 > s.max_line();
            match s.line(line.as_bytes(), too_long) {
                Step::Say(r) => r.iter().map(|r| r.code).collect::<Vec<_>>(),
                Step::Recipient(_) => vec![s.recipient(None).code],
                other => panic!("{other:?}"),
            }
        };
        assert_eq!(say("HELO c"), [250]);
        assert_eq!(say("MAIL FROM:<a@example.net>"), [250]);
        assert_eq!(say(&long_command), [500]);
        assert_eq!(say("RCPT TO:<s@example.org>"), [250]);
        assert_eq!(say("DATA"), [354]);
        assert_eq!(say(&long_text), Vec::<u16>::new());
        assert_eq!(say("."), [554]);
    }

    #[test]
    fn too_many_recipients_and_errors() {
        let (out, _) = dialogue(
            Protocol::Smtp,
            &[
                "EHLO c",
                "MAIL FROM:<a@example.net>",
                "RCPT TO:<1@example.org>",
                "RCPT TO:<2@example.org>",
                "RCPT TO:<3@example.org>",
                "RCPT TO:<4@example.org>",
                "RCPT TO:<no-at-sign>",
                "RCPT TO:4@example.org",
                "RCPT TO:<5@example.org> NOTIFY=NEVER",
            ],
        );
        assert_eq!(
            codes(&out),
            [
                "220", "250", "250", "250", "250", "250", "452", "501", "501", "555"
            ]
        );
        let many: Vec<&str> = std::iter::repeat_n("FROB", MAX_ERRORS).collect();
        let (out, _) = dialogue(Protocol::Smtp, &many);
        assert_eq!(
            out.last().map(String::as_str),
            Some("421 4.7.0 Too many errors, closing\r\n")
        );
        assert_eq!(out.len(), MAX_ERRORS + 1);
    }

    #[test]
    fn the_line_buffer_splits_lines_and_cuts_long_ones() {
        let mut b = LineBuffer::new();
        b.push(b"EHLO a\r\nNOOP\nQU");
        assert_eq!(b.next_line(512).map(|l| l.text), Some(b"EHLO a".to_vec()));
        assert_eq!(b.next_line(512).map(|l| l.text), Some(b"NOOP".to_vec()));
        assert_eq!(b.next_line(512), None);
        b.push(b"IT\r\n");
        assert_eq!(b.next_line(512).map(|l| l.text), Some(b"QUIT".to_vec()));
        b.push(&[b'z'; 20]);
        let cut = b.next_line(10).expect("cut");
        assert_eq!((cut.text.len(), cut.too_long), (8, true));
        b.push(b"zzzz\r\nnext\r\n");
        assert_eq!(
            b.next_line(10),
            Some(Line {
                text: b"next".to_vec(),
                too_long: false
            })
        );
        assert_eq!(b.pending(), 0);
    }

    #[test]
    fn replies_render_multiline_and_never_carry_line_breaks() {
        let r = Reply::new(550, "no\r\nSMTP injection");
        assert_eq!(r.render(), "550 no  SMTP injection\r\n");
        assert!(!r.is_positive() && !r.is_temporary());
        assert!(Reply::new(451, "x").is_temporary());
    }
}
