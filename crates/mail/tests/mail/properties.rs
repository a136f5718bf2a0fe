//! Properties: no input makes `parse` panic, and what it returns stays within the limits.

use mail::{Limits, Parsed};
use proptest::prelude::*;

fn small_limits() -> Limits {
    Limits {
        max_message_bytes: 4_096,
        max_attachment_bytes: 64,
        max_attachments: 2,
        max_depth: 3,
        max_text_chars: 200,
        max_lines: 200,
        max_multiparts: 8,
        max_embedded_messages: 4,
    }
}

fn check(p: &Parsed, raw: &[u8], limits: &Limits) {
    assert_eq!(p.size, raw.len());
    assert!(p.body.text.chars().count() <= limits.max_text_chars);
    assert!(p.attachments.len() <= limits.max_attachments);
    assert!(
        p.attachments
            .iter()
            .all(|a| a.size <= limits.max_attachment_bytes)
    );
    assert!(p.headers.len() <= mail::limits::MAX_HEADERS);
    if let Some(subject) = &p.subject {
        assert!(!subject.contains(['\r', '\n', '\0']));
    }
    for a in &p.attachments {
        assert!(!a.filename.is_empty() && !a.filename.contains(['/', '\\', '\r', '\n']));
    }
    // Everything else downstream must not panic either.
    let _ = mail::auto_reply_decision(p, &mail::OurAddresses::new(["security@example.org"]));
    let _ = mail::thread_refs(p);
    let _ = mail::find_plus_token(p, "security", "example.org");
    let _ = mail::refusal_text(&p.refusal_reasons(), "Plain text only.");
    let _ = mail::OutgoingHeaders::new().replying_to(p).render();
}

/// Random edits of a real message: flips, insertions, deletions, truncation.
fn mutate(mut bytes: Vec<u8>, edits: &[(usize, u8, u8)]) -> Vec<u8> {
    for &(pos, op, byte) in edits {
        if bytes.is_empty() {
            bytes.push(byte);
            continue;
        }
        let at = pos % bytes.len();
        match op % 5 {
            0 => bytes[at] = byte,
            1 => bytes.insert(at, byte),
            2 => {
                bytes.remove(at);
            }
            3 => {
                // Insert a MIME-ish token to reach deeper code.
                let tokens: [&[u8]; 8] = [
                    b"\n--",
                    b"Content-Type: multipart/mixed; boundary=x\n\n--x\n",
                    b"Content-Type: message/rfc822\n\n",
                    b"Content-Transfer-Encoding: base64\n",
                    b"=?utf-8?b?AAAA?=",
                    b"-----BEGIN PGP MESSAGE-----\n",
                    b"charset=\"x-unknown\"",
                    b"\r\n\r\n",
                ];
                let token = tokens[usize::from(byte) % tokens.len()];
                bytes.splice(at..at, token.iter().copied());
            }
            _ => bytes.truncate(at),
        }
    }
    bytes
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn parse_never_panics_on_arbitrary_bytes(raw in proptest::collection::vec(any::<u8>(), 0..2048)) {
        for limits in [Limits::default(), small_limits()] {
            let p = mail::parse(&raw, &limits);
            check(&p, &raw, &limits);
        }
        let _ = mail::parse_decrypted(&raw, &small_limits());
    }

    #[test]
    fn parse_never_panics_on_mutated_real_messages(
        index in 0usize..64,
        edits in proptest::collection::vec((any::<usize>(), any::<u8>(), any::<u8>()), 1..12),
    ) {
        let messages = crate::all_messages();
        let (_, original) = &messages[index % messages.len()];
        let raw = mutate(original.clone(), &edits);
        for limits in [Limits::default(), small_limits()] {
            let p = mail::parse(&raw, &limits);
            check(&p, &raw, &limits);
        }
    }

    #[test]
    fn html_to_text_never_panics(html in "(<[a-z/!?]{0,8}[^>]{0,20}>?|&#?[a-zA-Z0-9]{0,10};?|[^<&]{0,20}){0,40}") {
        let _ = mail::html_to_text(&html);
    }
}

#[test]
fn a_mail_parser_debug_assertion_is_contained() {
    // Found by the fuzzer: on this input mail-parser 0.11 reaches a `debug_assert!(false)`.
    // Release builds skip it; in debug builds (like these tests) `parse` catches the panic
    // and reads the header block only.
    let raw = crate::load("fuzz_debug_assert.bin");
    let p = mail::parse(&raw, &Limits::default());
    assert_eq!(p.content_type, "multipart/mixed");
    assert_eq!(
        p.problems.contains(&mail::Problem::ParserFailed),
        cfg!(debug_assertions)
    );
}
