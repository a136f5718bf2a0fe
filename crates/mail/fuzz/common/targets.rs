// The bodies of the `intake` and `smtp` fuzz targets, shared with the mail crate's tests
// (`tests/mail/fuzz_targets.rs`), which run them over the test messages and generated
// inputs on every `cargo test`. Included with `include!`: no `use` of crate-local items.

/// The intake decision on any input: the first line is a comma-separated list of envelope
/// recipients, the rest a message. Parse, thread keys, plus-address tokens and the
/// auto-reply decision must not panic, and what they return must hold up: thread keys are
/// few and distinct, every token found is valid and survives a round trip through a reply
/// address, and no acknowledgement goes to ourselves or to an invalid address.
/// Returns how many plus-address tokens were found.
pub fn intake(data: &[u8]) -> usize {
    let (head, raw) = match data.iter().position(|&b| b == b'\n') {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (&data[..0], data),
    };
    let head = String::from_utf8_lossy(head);
    let envelope: Vec<&str> = head.split(',').map(str::trim).take(10).collect();
    let parsed = mail::parse(raw, &mail::Limits::default());

    let refs = mail::thread_refs(&parsed);
    assert!(refs.len() <= mail::MAX_THREAD_REFS);
    for (i, r) in refs.iter().enumerate() {
        assert!(!refs[..i].contains(r), "duplicate thread key {r:?}");
    }

    let mut tokens = 0;
    for recipient in envelope.iter().copied().chain(parsed.recipients()) {
        if let Some(token) = mail::plus_token(recipient, "security", "example.org") {
            tokens += 1;
            assert!(mail::is_valid_token(token), "{token:?}");
            if let Ok(address) = mail::reply_address("security", token, "example.org") {
                assert_eq!(
                    mail::plus_token(&address, "security", "example.org"),
                    Some(token)
                );
            }
        }
    }
    assert_eq!(
        mail::find_plus_token(&parsed, "security", "example.org").is_some(),
        parsed
            .recipients()
            .any(|r| mail::plus_token(r, "security", "example.org").is_some())
    );

    let ours = mail::OurAddresses::new(["security@example.org"]);
    if let mail::AutoReply::Send { to } = mail::auto_reply_decision(&parsed, &ours) {
        assert!(to.is_valid(), "{to:?}");
        assert!(!ours.contains(&to.address), "{to:?}");
        assert!(parsed.refusal.is_none() || parsed.from.is_some());
    }

    let token = mail::token_from_bytes(&raw[..raw.len().min(40)]);
    assert!(token.is_empty() || mail::is_valid_token(&token), "{token:?}");
    tokens
}

/// What one fuzzed SMTP/LMTP session did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct DialogueOutcome {
    pub replies: usize,
    pub delivered: usize,
    pub closed: bool,
}

/// An SMTP or LMTP session (the first byte picks which, and how the rest is cut into
/// reads) fed any bytes. Nothing may panic; every reply must be well formed (a code, lines
/// ending in CRLF, no stray line breaks), delivered messages must stay within the size
/// limit with at least one recipient, and LMTP must answer each recipient.
pub fn smtp_dialogue(data: &[u8]) -> DialogueOutcome {
    use mail::smtp::{LineBuffer, Protocol, Reply, Session, SessionConfig, Step};
    const MAX: usize = 4096;
    let Some((&first, rest)) = data.split_first() else {
        return DialogueOutcome::default();
    };
    let protocol = if first & 1 == 0 {
        Protocol::Smtp
    } else {
        Protocol::Lmtp
    };
    let chunk = usize::from(first >> 1).max(1);
    let mut session = Session::new(SessionConfig {
        protocol,
        hostname: "mx.example.org".into(),
        max_message_bytes: MAX,
        max_recipients: 5,
    });
    let mut outcome = DialogueOutcome::default();
    let check = |r: &Reply, outcome: &mut DialogueOutcome| {
        outcome.replies += 1;
        assert!((200..600).contains(&r.code), "{r:?}");
        let text = r.render();
        assert!(text.ends_with("\r\n"), "{text:?}");
        for line in text.trim_end_matches("\r\n").split("\r\n") {
            assert!(!line.contains(['\r', '\n']), "{text:?}");
            assert!(line.starts_with(&r.code.to_string()), "{text:?}");
        }
    };
    check(&session.greeting(), &mut outcome);
    let mut lines = LineBuffer::new();
    for piece in rest.chunks(chunk) {
        lines.push(piece);
        while let Some(line) = lines.next_line(session.max_line()) {
            assert!(line.text.len() + 2 <= session.max_line() || line.too_long);
            match session.line(&line.text, line.too_long) {
                Step::Say(replies) => {
                    for r in &replies {
                        check(r, &mut outcome);
                    }
                }
                Step::Recipient(address) => {
                    assert!(address.contains('@'), "{address:?}");
                    let refusal = (address.len() % 3 == 0)
                        .then(|| Reply::new(550, "5.1.1 No such recipient"));
                    check(&session.recipient(refusal), &mut outcome);
                }
                Step::Deliver(envelope) => {
                    outcome.delivered += 1;
                    assert!(!envelope.recipients.is_empty());
                    assert!(envelope.recipients.len() <= 5);
                    assert!(envelope.data.len() <= MAX, "{}", envelope.data.len());
                    let n = envelope.recipients.len();
                    let replies = session.delivered(Reply::new(250, "2.0.0 Ok"));
                    let expected = match protocol {
                        Protocol::Smtp => 1,
                        Protocol::Lmtp => n,
                    };
                    assert_eq!(replies.len(), expected);
                    for r in &replies {
                        check(r, &mut outcome);
                    }
                }
                Step::Close(reply) => {
                    check(&reply, &mut outcome);
                    outcome.closed = true;
                    return outcome;
                }
            }
        }
    }
    outcome
}
