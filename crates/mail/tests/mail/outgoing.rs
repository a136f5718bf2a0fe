//! Reply headers: no injection, threading, automatic marking, folding and encoding; and
//! the refusal text.

use mail::{
    AttachmentRefusal, HeaderError, Limits, OutgoingHeaders, Refusal, RefusalReason, refusal_text,
    reply_subject,
};

use crate::parse_file;

fn base() -> OutgoingHeaders {
    OutgoingHeaders::new()
        .from("security@example.org", Some("Example Security"))
        .and_then(|h| h.message_id("embargo.0011@example.org"))
        .and_then(|h| h.loop_marker("embargo.example.org"))
        .expect("valid")
}

#[test]
fn an_acknowledgement_replies_in_thread_and_says_it_is_automatic() {
    let original = parse_file("thunderbird_alternative.eml");
    let headers = base()
        .to("alice@example.net", Some("Alice Example"))
        .expect("to")
        .replying_to(&original)
        .automatic();
    assert_eq!(
        headers.fields(),
        vec![
            (
                "From".into(),
                "Example Security <security@example.org>".into()
            ),
            ("To".into(), "Alice Example <alice@example.net>".into()),
            (
                "Subject".into(),
                "Re: [report #12] XSS in the plugin manager".into()
            ),
            ("Message-ID".into(), "<embargo.0011@example.org>".into()),
            (
                "In-Reply-To".into(),
                "<5d2c1a9e-7b1f-4e2a-9c3d-1f0e2b3c4d5e@example.net>".into()
            ),
            (
                "References".into(),
                "<embargo.00112233445566778899aabbccddeeff@example.org> \
                 <embargo.ffeeddccbbaa99887766554433221100@example.org> \
                 <5d2c1a9e-7b1f-4e2a-9c3d-1f0e2b3c4d5e@example.net>"
                    .into()
            ),
            ("Auto-Submitted".into(), "auto-replied".into()),
            ("X-Embargo-Loop".into(), "embargo.example.org".into()),
        ]
    );
    assert_eq!(
        headers.render(),
        "From: Example Security <security@example.org>\r\n\
         To: Alice Example <alice@example.net>\r\n\
         Subject: Re: [report #12] XSS in the plugin manager\r\n\
         Message-ID: <embargo.0011@example.org>\r\n\
         In-Reply-To: <5d2c1a9e-7b1f-4e2a-9c3d-1f0e2b3c4d5e@example.net>\r\n\
         References: <embargo.00112233445566778899aabbccddeeff@example.org>\r\n \
         <embargo.ffeeddccbbaa99887766554433221100@example.org>\r\n \
         <5d2c1a9e-7b1f-4e2a-9c3d-1f0e2b3c4d5e@example.net>\r\n\
         Auto-Submitted: auto-replied\r\n\
         X-Embargo-Loop: embargo.example.org\r\n"
    );
}

#[test]
fn an_injected_subject_cannot_add_headers_to_our_reply() {
    let original = parse_file("crlf_injection.eml");
    let headers = base().replying_to(&original);
    let rendered = headers.render();
    assert!(rendered.contains("Subject: Re: Hello Bcc: victim@example.com injected body\r\n"));
    for line in rendered.split("\r\n").filter(|l| !l.is_empty()) {
        assert!(
            !line.starts_with("Bcc") && !line.starts_with("injected"),
            "{rendered}"
        );
    }
    // Directly given text is made one line too.
    let h = OutgoingHeaders::new().subject("a\r\nBcc: x@example.net\0\tb");
    assert_eq!(
        h.fields(),
        vec![("Subject".into(), "a Bcc: x@example.net b".into())]
    );
}

#[test]
fn custom_headers_and_addresses_refuse_injection() {
    assert_eq!(
        OutgoingHeaders::new()
            .header("X-Report", "12\r\nBcc: x@example.net")
            .expect_err("crlf"),
        HeaderError::Injection {
            name: "X-Report".into()
        }
    );
    assert_eq!(
        OutgoingHeaders::new()
            .header("X-Report", "a\0b")
            .expect_err("nul"),
        HeaderError::Injection {
            name: "X-Report".into()
        }
    );
    assert_eq!(
        OutgoingHeaders::new()
            .header("X Report", "1")
            .expect_err("name"),
        HeaderError::InvalidName {
            name: "X Report".into()
        }
    );
    assert_eq!(
        OutgoingHeaders::new()
            .header("bcc", "x@example.net")
            .expect_err("reserved"),
        HeaderError::Reserved { name: "bcc".into() }
    );
    assert!(matches!(
        OutgoingHeaders::new().to("a@example.net\r\nBcc: b@example.net", None),
        Err(HeaderError::InvalidAddress { name: "To", .. })
    ));
    assert!(matches!(
        OutgoingHeaders::new().message_id("a b@example.org"),
        Err(HeaderError::InvalidMessageId {
            name: "Message-ID",
            ..
        })
    ));
    assert!(matches!(
        OutgoingHeaders::new().loop_marker("x\ny"),
        Err(HeaderError::Injection { .. })
    ));
    // A display name with a line break is put on one line and quoted.
    let h = OutgoingHeaders::new()
        .to("a@example.net", Some("Eve\r\nBcc: b@example.net"))
        .expect("to");
    assert_eq!(
        h.render(),
        "To: \"Eve Bcc: b@example.net\" <a@example.net>\r\n"
    );
    let h = OutgoingHeaders::new()
        .header("X-Report-Number", "12")
        .expect("custom");
    assert_eq!(h.render(), "X-Report-Number: 12\r\n");
}

#[test]
fn reply_subjects_do_not_pile_up() {
    assert_eq!(reply_subject(Some("bug")), "Re: bug");
    assert_eq!(reply_subject(Some("Re: bug")), "Re: bug");
    assert_eq!(reply_subject(Some("RE: re: Re[3]: AW: Sv: bug")), "Re: bug");
    assert_eq!(reply_subject(Some("回复：漏洞")), "Re: 漏洞");
    assert_eq!(reply_subject(Some("Fwd: bug")), "Re: Fwd: bug");
    assert_eq!(
        reply_subject(Some("Regression in parser")),
        "Re: Regression in parser"
    );
    assert_eq!(reply_subject(Some("Re:")), "Re: (no subject)");
    assert_eq!(reply_subject(None), "Re: (no subject)");
    let long = reply_subject(Some(&"word ".repeat(100)));
    // Cut at a word boundary, within the limit.
    assert!(long.chars().count() <= 201, "{long}");
    assert!(long.ends_with(" word…"), "{long}");
    assert_eq!(long.chars().count(), 4 + 39 * 5 - 1 + 1);
}

#[test]
fn long_and_non_ascii_subjects_are_folded_and_encoded() {
    let h = OutgoingHeaders::new().subject(
        "Re: Stored cross-site scripting in the plugin manager allows session takeover of administrators",
    );
    assert_eq!(
        h.render(),
        "Subject: Re: Stored cross-site scripting in the plugin manager allows session\r\n \
         takeover of administrators\r\n"
    );
    let h = OutgoingHeaders::new().subject("Re: Sicherheitslücke – Anmeldung");
    assert_eq!(
        h.render(),
        "Subject: =?UTF-8?B?UmU6IFNpY2hlcmhlaXRzbMO8Y2tlIOKAkyBBbm1lbGR1bmc=?=\r\n"
    );
    // Encoded words stay within 75 characters and break between characters.
    let h = OutgoingHeaders::new().subject(&"漏洞".repeat(40));
    let rendered = h.render();
    for line in rendered.split("\r\n") {
        assert!(line.len() <= 78, "{line:?}");
        for word in line.split(' ').filter(|w| w.starts_with("=?")) {
            assert!(word.len() <= 75, "{word}");
        }
    }
    // 80 three-byte characters, 13 to a word.
    assert_eq!(rendered.matches("=?UTF-8?B?").count(), 7);
}

#[test]
fn references_keep_the_root_and_the_latest() {
    let refs: Vec<String> = (0..30).map(|i| format!("r{i}@example.net")).collect();
    let h = OutgoingHeaders::new()
        .thread("r29@example.net", &refs)
        .expect("thread");
    let fields = h.fields();
    let references = &fields
        .iter()
        .find(|(n, _)| n == "References")
        .expect("refs")
        .1;
    let ids: Vec<&str> = references.split(' ').collect();
    assert_eq!(ids.len(), 20);
    assert_eq!(ids[0], "<r0@example.net>");
    assert_eq!(ids[1], "<r11@example.net>");
    assert_eq!(ids[19], "<r29@example.net>");
}

#[test]
fn refusal_text_lists_each_attachment_and_quotes_the_policy() {
    let p = parse_file("refused_attachments.eml");
    let text = refusal_text(
        &p.refusal_reasons(),
        "We accept reports as plain text only.\n\nDo not send attachments other than text.",
    );
    assert_eq!(
        text,
        "This address accepts plain text only: the text of your message and text \
         attachments (for example a script, a log or a patch).\n\
         \nThese attachments were not accepted:\n\n\
         \x20 - \"report.pdf\": attachments of type PDF are not accepted\n\
         \x20 - \"report.docx\": office documents (Word, Excel, PowerPoint, OpenDocument, RTF) are not accepted\n\
         \x20 - \"exploit.zip\": archives (zip, tar, 7z, …) are not accepted and are never unpacked\n\
         \x20 - \"notes.txt\": programs and executable files are not accepted\n\
         \x20 - \"screenshot.png\": images are not accepted; please describe what the screenshot shows\n\
         \nPlease put what they contain into the text of your message, or attach it as plain \
         text. We never open documents, programs or archives sent to this address.\n\
         \nOur policy says:\n\n\
         > We accept reports as plain text only.\n>\n\
         > Do not send attachments other than text.\n"
    );
}

#[test]
fn refusal_text_explains_a_message_refused_whole() {
    let text = refusal_text(
        &[RefusalReason::Message(Refusal::TooLarge {
            size: 12 * 1024 * 1024,
            limit: 10 * 1024 * 1024,
        })],
        "",
    );
    assert_eq!(
        text,
        "Your message was not accepted: at 12 MiB it is larger than the 10 MiB this address \
         accepts.\nPlease send the report as plain text in the body of the message, without \
         large attachments.\n"
    );
    let text = refusal_text(
        &[RefusalReason::Attachment {
            filename: None,
            reason: AttachmentRefusal::TooLarge {
                limit: 2 * 1024 * 1024,
            },
        }],
        "x\u{1b}[31m",
    );
    assert!(text.contains(
        "  - an attachment without a name: text attachments larger than 2 MiB are not accepted\n"
    ));
    // Control characters in the policy excerpt are not sent.
    assert!(text.ends_with("> x[31m\n"), "{text}");
    let limits = Limits::default();
    assert_eq!(mail::human_bytes(limits.max_message_bytes), "10 MiB");
    assert_eq!(mail::human_bytes(1536), "1.5 KiB");
    assert_eq!(mail::human_bytes(12), "12 bytes");
}

#[test]
fn a_whole_message_keeps_hostile_text_out_of_its_headers() {
    let headers = base()
        .to("mara@example.org", Some("Mara\r\nBcc: spy@example.net"))
        .expect("to")
        .subject("[Demo] Report #1\r\nBcc: spy@example.net")
        .thread("first@example.org", &["first@example.org".to_owned()])
        .expect("thread")
        .auto_generated();
    let message = mail::assemble(
        &headers,
        &mail::text_entity("Line one\nBcc: body@example.net"),
    );
    let (head, body) = message.split_once("\r\n\r\n").expect("blank line");
    assert!(
        !head.lines().any(|l| l.starts_with("Bcc")),
        "no injected header: {head}"
    );
    assert!(
        head.contains("\r\nAuto-Submitted: auto-generated\r\n"),
        "{head}"
    );
    assert!(
        head.contains("\r\nIn-Reply-To: <first@example.org>\r\n"),
        "{head}"
    );
    assert!(
        head.contains("\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"),
        "{head}"
    );
    assert_eq!(body, "Line one\r\nBcc: body@example.net\r\n");
    // Read back by the parser, the hostile name and subject stay on one line.
    let parsed = mail::parse(message.as_bytes(), &Limits::default());
    assert_eq!(parsed.to.len(), 1);
    assert_eq!(parsed.to[0].address, "mara@example.org");
    assert_eq!(
        parsed.subject.as_deref(),
        Some("[Demo] Report #1 Bcc: spy@example.net")
    );
    assert_eq!(parsed.header("Bcc"), None);
}

#[test]
fn a_sender_on_a_single_label_host_is_a_valid_from() {
    // The documented default sender: a host name without a dot is a valid dot-atom domain.
    let headers = OutgoingHeaders::new()
        .from("embargo@localhost", Some("Embargo"))
        .expect("embargo@localhost is a valid From");
    assert!(
        headers
            .fields()
            .iter()
            .any(|(name, value)| name == "From" && value.contains("<embargo@localhost>")),
        "{:?}",
        headers.fields()
    );
    // What a header can never carry is still refused.
    for bad in [
        "embargo@",
        "@localhost",
        "embargo@local host",
        "a\r\nBcc: x@y.z",
    ] {
        assert!(
            matches!(
                OutgoingHeaders::new().from(bad, None),
                Err(HeaderError::InvalidAddress { .. })
            ),
            "{bad:?}"
        );
    }
    // A reporter's typed address still needs a domain with a dot.
    assert!(!mail::is_valid_address("alice@localhost"));
}
