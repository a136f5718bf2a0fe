//! Size and structure limits: refused as a whole, headers still read; truncation; counts.

use mail::{AttachmentRefusal, Complexity, Limits, Problem, Refusal};

const MIB: usize = 1024 * 1024;

fn headers() -> String {
    "From: Big Sender <big@example.net>\r\nTo: security@example.org\r\n\
     Subject: huge logs\r\nMessage-ID: <big-1@example.net>\r\n\
     Content-Type: text/plain; charset=utf-8\r\n\r\n"
        .to_owned()
}

#[test]
fn a_twelve_mib_message_is_refused_but_its_headers_are_read() {
    let mut raw = headers().into_bytes();
    let line = "A".repeat(76) + "\r\n";
    while raw.len() < 12 * MIB {
        raw.extend_from_slice(line.as_bytes());
    }
    let p = mail::parse(&raw, &Limits::default());
    assert_eq!(
        p.refusal,
        Some(Refusal::TooLarge {
            size: raw.len(),
            limit: 10 * MIB
        })
    );
    assert_eq!(p.size, raw.len());
    assert_eq!(
        p.from.as_ref().map(|m| m.address.as_str()),
        Some("big@example.net")
    );
    assert_eq!(p.subject.as_deref(), Some("huge logs"));
    assert_eq!(p.message_id.as_deref(), Some("big-1@example.net"));
    assert_eq!(p.body.text, "");
    assert_eq!(
        p.refusal.as_ref().map(ToString::to_string).as_deref(),
        Some("message of 12 MiB is larger than the limit of 10 MiB")
    );
}

#[test]
fn a_header_block_larger_than_the_cap_is_cut_at_a_line() {
    let mut raw = String::from("From: a@example.net\nSubject: many\n");
    while raw.len() < 11 * MIB {
        raw.push_str("X-Filler: ");
        raw.push_str(&"f".repeat(100));
        raw.push('\n');
    }
    let p = mail::parse(raw.as_bytes(), &Limits::default());
    assert!(matches!(p.refusal, Some(Refusal::TooLarge { .. })));
    assert_eq!(p.subject.as_deref(), Some("many"));
    assert_eq!(p.headers.len(), 1_000);
    assert!(
        p.problems
            .contains(&Problem::TooManyHeaders { limit: 1_000 })
    );
}

#[test]
fn too_many_lines_refuses_the_message() {
    let mut raw = headers();
    raw.push_str(&"x\n".repeat(400_001));
    let p = mail::parse(raw.as_bytes(), &Limits::default());
    assert_eq!(
        p.refusal,
        Some(Refusal::TooComplex {
            what: Complexity::Lines,
            // Six header lines and the body's.
            count: 400_007,
            limit: 400_000
        })
    );
    assert_eq!(p.subject.as_deref(), Some("huge logs"));
}

#[test]
fn too_many_multiparts_refuses_the_message() {
    let mut raw =
        String::from("From: a@example.net\nContent-Type: multipart/mixed; boundary=b0\n\n");
    for i in 1..=300 {
        raw.push_str(&format!(
            "--b{}\nContent-Type: multipart/mixed; boundary = b{i}\n\n",
            i - 1
        ));
    }
    let p = mail::parse(raw.as_bytes(), &Limits::default());
    assert_eq!(
        p.refusal,
        Some(Refusal::TooComplex {
            what: Complexity::Multiparts,
            count: 257,
            limit: 256
        })
    );
}

#[test]
fn too_many_embedded_messages_refuses_the_message() {
    let mut raw = String::from("From: a@example.net\n");
    for _ in 0..70 {
        raw.push_str("Content-Type: Message/RFC822\n\n");
    }
    raw.push_str("Subject: inner\n\nhello\n");
    let p = mail::parse(raw.as_bytes(), &Limits::default());
    assert_eq!(
        p.refusal,
        Some(Refusal::TooComplex {
            what: Complexity::EmbeddedMessages,
            count: 65,
            limit: 64
        })
    );
}

#[test]
fn embedded_messages_within_the_limits_are_walked_to_the_depth_limit() {
    let mut raw = String::from("From: a@example.net\n");
    for _ in 0..30 {
        raw.push_str("Content-Type: message/rfc822\n\n");
    }
    raw.push_str("Subject: inner\n\nhello\n");
    let limits = Limits {
        max_depth: 5,
        ..Limits::default()
    };
    let p = mail::parse(raw.as_bytes(), &limits);
    assert_eq!(p.refusal, None);
    assert!(p.problems.contains(&Problem::TooDeep { limit: 5 }));
    assert!(!p.body.text.contains("hello"));
}

#[test]
fn body_text_is_cut_at_the_character_limit() {
    let mut raw = headers();
    raw.push_str(&"é".repeat(50));
    let limits = Limits {
        max_text_chars: 10,
        ..Limits::default()
    };
    let p = mail::parse(raw.as_bytes(), &limits);
    assert_eq!(p.body.text, "éééééééééé");
    assert!(p.body.truncated);
    assert_eq!(p.problems, vec![Problem::BodyTruncated { limit: 10 }]);
}

fn with_text_attachments(count: usize, size: usize) -> Vec<u8> {
    let mut raw = String::from(
        "From: a@example.net\nContent-Type: multipart/mixed; boundary=sep\n\n--sep\n\
         Content-Type: text/plain\n\nsee attachments\n",
    );
    for i in 0..count {
        raw.push_str(&format!(
            "--sep\nContent-Type: text/plain\nContent-Disposition: attachment; filename=log{i}.txt\n\n{}\n",
            "L".repeat(size)
        ));
    }
    raw.push_str("--sep--\n");
    raw.into_bytes()
}

#[test]
fn attachments_beyond_the_count_are_refused() {
    let limits = Limits {
        max_attachments: 2,
        ..Limits::default()
    };
    let p = mail::parse(&with_text_attachments(3, 10), &limits);
    let kept: Vec<&str> = p.attachments.iter().map(|a| a.filename.as_str()).collect();
    assert_eq!(kept, vec!["log0.txt", "log1.txt"]);
    assert_eq!(p.refused.len(), 1);
    assert_eq!(p.refused[0].filename.as_deref(), Some("log2.txt"));
    assert_eq!(p.refused[0].reason, AttachmentRefusal::TooMany { limit: 2 });
}

#[test]
fn a_text_attachment_over_the_size_limit_is_refused() {
    let limits = Limits {
        max_attachment_bytes: 100,
        ..Limits::default()
    };
    let p = mail::parse(&with_text_attachments(1, 150), &limits);
    assert!(p.attachments.is_empty());
    assert_eq!(
        p.refused[0].reason,
        AttachmentRefusal::TooLarge { limit: 100 }
    );
    assert_eq!(p.refused[0].size, 150);
}
