//! One test per message shape: what a maintainer must see of it.

use mail::{AttachmentRefusal, BodySource, Mailbox, Problem, ReturnPath};

use crate::parse_file;

fn mailbox(address: &str, name: Option<&str>) -> Mailbox {
    Mailbox {
        address: address.to_owned(),
        name: name.map(str::to_owned),
    }
}

#[test]
fn thunderbird_alternative_prefers_plain_and_joins_flowed_lines() {
    let p = parse_file("thunderbird_alternative.eml");
    assert_eq!(p.refusal, None);
    assert_eq!(
        p.from,
        Some(mailbox("alice@example.net", Some("Alice Example")))
    );
    assert_eq!(
        p.to,
        vec![mailbox(
            "security+k7f3q9zt2m@example.org",
            Some("Example Security")
        )]
    );
    assert_eq!(p.delivered_to, vec!["security+k7f3q9zt2m@example.org"]);
    assert_eq!(
        p.return_path,
        Some(ReturnPath::Address("alice@example.net".into()))
    );
    assert_eq!(
        p.subject.as_deref(),
        Some("Re: [report #12] XSS in the plugin manager")
    );
    assert_eq!(
        p.message_id.as_deref(),
        Some("5d2c1a9e-7b1f-4e2a-9c3d-1f0e2b3c4d5e@example.net")
    );
    assert_eq!(
        p.in_reply_to,
        vec!["embargo.ffeeddccbbaa99887766554433221100@example.org"]
    );
    assert_eq!(
        p.references,
        vec![
            "embargo.00112233445566778899aabbccddeeff@example.org",
            "embargo.ffeeddccbbaa99887766554433221100@example.org"
        ]
    );
    assert_eq!(
        p.date,
        Some("2025-03-04T09:15:42Z".parse().expect("timestamp"))
    );
    assert_eq!(p.content_type, "multipart/alternative");
    assert_eq!(p.body.source, BodySource::Plain);
    assert_eq!(
        p.body.text,
        "Hi,\n\nthe payload is stored in the plugin name and rendered without escaping on \
         the plugin manager page, so any user who can upload a plugin can run script in an \
         admin's session.\n\nSteps: upload the attached plugin, open Settings → Plugin \
         Manager.\n\nThanks,\nAlice\n\n-- \nAlice Example"
    );
    assert!(p.attachments.is_empty() && p.refused.is_empty());
    assert_eq!(p.problems, vec![]);
    assert_eq!(p.header("user-agent"), Some("Mozilla Thunderbird"));
}

#[test]
fn gmail_html_only_is_converted_without_script_or_style() {
    let p = parse_file("gmail_html_only.eml");
    assert_eq!(p.body.source, BodySource::Html);
    assert_eq!(
        p.body.text,
        "Hello team,\n\nI found an SSRF in the fetch endpoint <https://example.org/api/fetch> \
         & the webhook tester: requests to http://169.254.169.254/ are not blocked.\n\n\
         - Affected: 1.10.2\n- Fixed: — not yet\n\n> quoted line one\n> quoted line two\n\n\
         click me and bob@example.net\n\nCafé <tag> © 2025"
    );
    assert!(!p.body.text.contains("alert"));
    assert!(!p.body.text.contains("color"));
    assert!(!p.body.text.contains("ignored title"));
    assert_eq!(
        p.message_id.as_deref(),
        Some("CAB1x2y3z4=gmail-style-id@mail.example.net")
    );
}

#[test]
fn outlook_windows_1252_text_is_decoded_and_winmail_dat_refused() {
    let p = parse_file("outlook_winmail.eml");
    assert_eq!(
        p.from,
        Some(mailbox("carol@corp.example.com", Some("Carol O'Reporter")))
    );
    assert_eq!(
        p.subject.as_deref(),
        Some("RE: Vulnerability – path traversal")
    );
    assert_eq!(
        p.body.text,
        "Hello,\n\nthe download endpoint accepts “..\\..\\” sequences – see the attached \
         details.\n\nRegards,\nCarol"
    );
    assert_eq!(p.refused.len(), 1);
    assert_eq!(p.refused[0].filename.as_deref(), Some("winmail.dat"));
    assert_eq!(p.refused[0].content_type, "application/ms-tnef");
    assert_eq!(p.refused[0].reason, AttachmentRefusal::OfficeDocument);
    assert_eq!(p.refused[0].size, 204);
}

#[test]
fn delivery_status_notification_is_read_with_its_report_parts() {
    let p = parse_file("dsn_bounce.eml");
    assert_eq!(p.return_path, Some(ReturnPath::Null));
    assert_eq!(p.content_type, "multipart/report");
    assert_eq!(p.report_type.as_deref(), Some("delivery-status"));
    assert_eq!(
        p.from,
        Some(mailbox(
            "MAILER-DAEMON@mx.example.net",
            Some("Mail Delivery System")
        ))
    );
    assert!(
        p.body
            .text
            .starts_with("This is the mail system at host mx.example.net.")
    );
    let names: Vec<(&str, &str)> = p
        .attachments
        .iter()
        .map(|a| (a.filename.as_str(), a.content_type.as_str()))
        .collect();
    assert_eq!(
        names,
        vec![
            ("attachment-1.txt", "message/delivery-status"),
            ("attachment-2.txt", "text/rfc822-headers")
        ]
    );
    assert!(p.attachments[0].text.contains("Status: 5.1.1"));
}

#[test]
fn vacation_and_list_headers_are_kept_for_the_loop_checks() {
    let v = parse_file("vacation.eml");
    assert_eq!(v.header("Auto-Submitted"), Some("auto-replied"));
    assert_eq!(v.header("x-autoreply"), Some("yes"));
    assert_eq!(v.header("PRECEDENCE"), Some("bulk"));
    let l = parse_file("mailing_list.eml");
    assert_eq!(
        l.header("List-Id"),
        Some("Open source discussion <oss-list.lists.example.com>")
    );
    assert_eq!(
        l.header("List-Unsubscribe"),
        Some("<mailto:oss-list-request@lists.example.com?subject=unsubscribe>")
    );
}

#[test]
fn quoted_printable_soft_breaks_and_escapes_are_decoded() {
    let p = parse_file("quoted_printable.eml");
    assert_eq!(
        p.body.text,
        "The session cookie lacks the Secure flag — it is sent over plain HTTP when the \
         admin follows an http:// link.\nEquals sign: a=b"
    );
}

#[test]
fn base64_body_is_decoded() {
    let p = parse_file("base64_body.eml");
    assert_eq!(
        p.body.text,
        "Reflected XSS in ?q= on the search page.\nPayload: <svg onload=alert(1)>"
    );
}

#[test]
fn iso_8859_1_body_subject_and_display_name_are_decoded() {
    let p = parse_file("latin1.eml");
    assert_eq!(p.subject.as_deref(), Some("Sicherheitslücke im Login"));
    assert_eq!(
        p.from,
        Some(mailbox("andre@example.net", Some("André Müller")))
    );
    assert_eq!(
        p.body.text,
        "Grüße, das Passwortfeld ist nicht geschützt. © André"
    );
    assert_eq!(p.problems, vec![]);
}

#[test]
fn unknown_charset_is_read_lossily_with_a_problem() {
    let p = parse_file("unknown_charset.eml");
    assert_eq!(p.body.text, "plain ascii then \u{FFFD}\u{FFFD} bytes");
    assert_eq!(
        p.problems,
        vec![Problem::UnknownCharset {
            charset: "x-klingon-9".into()
        }]
    );
}

#[test]
fn rfc2047_subject_and_name_are_decoded() {
    let p = parse_file("rfc2047_subject.eml");
    assert_eq!(
        p.subject.as_deref(),
        Some("安全漏洞: SQL injection in /api/users")
    );
    assert_eq!(p.from, Some(mailbox("zhang@example.net", Some("张三"))));
    assert_eq!(
        p.date,
        Some("2025-03-17T02:00:00Z".parse().expect("timestamp"))
    );
}

#[test]
fn proof_of_concept_attachments_are_kept_as_text() {
    let p = parse_file("poc_attachments.eml");
    assert_eq!(
        p.body.text,
        "Proof of concept, patch and server log attached."
    );
    let got: Vec<(&str, &str, usize)> = p
        .attachments
        .iter()
        .map(|a| (a.filename.as_str(), a.content_type.as_str(), a.size))
        .collect();
    assert_eq!(
        got,
        vec![
            ("poc.py", "text/x-python", 103),
            ("fix.patch", "text/x-diff", 86),
            ("steps.txt", "text/plain", 99),
            // The path in the offered name is dropped.
            ("server.log", "application/octet-stream", 47),
        ]
    );
    assert_eq!(
        p.attachments[0].text,
        "#!/usr/bin/env python3\nimport requests\nrequests.post('http://localhost:5000/t', \
         data={'x': '{{7*7}}'})\n"
    );
    assert_eq!(
        p.attachments[2].text,
        "1. Log in as any user.\n2. Set your display name to {{7*7}}.\n3. Open the profile \
         page: it shows 49.\n"
    );
    assert_eq!(
        p.attachments[3].text,
        "2025-03-18 10:00:00 ERROR template rendered 49\n"
    );
    assert!(p.refused.is_empty());
}

#[test]
fn documents_archives_programs_and_images_are_refused_by_kind() {
    let p = parse_file("refused_attachments.eml");
    assert_eq!(p.body.text, "Details are in the attached documents.");
    assert!(p.attachments.is_empty());
    let got: Vec<(Option<&str>, AttachmentRefusal, bool)> = p
        .refused
        .iter()
        .map(|r| (r.filename.as_deref(), r.reason, r.inline_resource))
        .collect();
    assert_eq!(
        got,
        vec![
            (Some("report.pdf"), AttachmentRefusal::Pdf, false),
            (
                Some("report.docx"),
                AttachmentRefusal::OfficeDocument,
                false
            ),
            (Some("exploit.zip"), AttachmentRefusal::Archive, false),
            // A PE file posing as text: caught by its leading bytes.
            (Some("notes.txt"), AttachmentRefusal::Executable, false),
            (Some("screenshot.png"), AttachmentRefusal::Image, false),
        ]
    );
    assert_eq!(p.refused[0].size, 77);
    assert_eq!(p.refusal_reasons().len(), 5);
}

#[test]
fn inline_image_of_an_html_body_is_not_reported_to_the_sender() {
    let p = parse_file("related_inline_image.eml");
    assert_eq!(p.body.text, "Open redirect at /login?next=//evil.example.");
    assert_eq!(p.body.source, BodySource::Plain);
    assert_eq!(p.refused.len(), 1);
    assert_eq!(p.refused[0].reason, AttachmentRefusal::Image);
    assert!(p.refused[0].inline_resource);
    assert_eq!(p.refusal_reasons(), vec![]);
}

#[test]
fn sixty_levels_of_nesting_stop_at_the_depth_limit() {
    let p = parse_file("nested_60.eml");
    assert_eq!(p.body.text, "top level text");
    assert_eq!(p.problems, vec![Problem::TooDeep { limit: 16 }]);
    assert_eq!(p.refusal, None);
}

#[test]
fn encoded_line_breaks_in_the_subject_become_spaces() {
    let p = parse_file("crlf_injection.eml");
    assert_eq!(
        p.subject.as_deref(),
        Some("Hello Bcc: victim@example.com injected body")
    );
}

#[test]
fn forwarded_message_in_gbk_becomes_part_of_the_body() {
    let p = parse_file("forwarded_gbk.eml");
    assert_eq!(
        p.body.text,
        "Forwarding a report I received.\n\n---------- Forwarded message ----------\n\
         From: Quentin <quentin@example.net>\nDate: 2025-03-22T09:00:00Z\n\
         Subject: Found a bug\nTo: Rupert <rupert@example.net>\n\n\
         越权访问漏洞：普通用户可以读取管理员配置。"
    );
    assert_eq!(p.problems, vec![]);
}

#[test]
fn multipart_without_boundary_is_read_as_text() {
    let p = parse_file("malformed.eml");
    assert_eq!(
        p.body.text,
        "--nothing\nContent-Type: text/plain\n\ntext in a multipart that declares no \
         boundary\n--nothing--"
    );
    assert_eq!(
        p.problems,
        vec![Problem::MultipartWithoutBoundary {
            content_type: "multipart/mixed".into()
        }]
    );
}

#[test]
fn broken_base64_keeps_what_could_be_read() {
    let raw = b"From: a@example.net\nSubject: x\nContent-Type: multipart/mixed; boundary=b\n\n\
--b\nContent-Type: text/plain\nContent-Transfer-Encoding: base64\n\n!!!! not base64 ~~~~\n--b--\n";
    let p = mail::parse(raw, &mail::Limits::default());
    assert_eq!(p.refusal, None);
    assert!(
        p.problems
            .iter()
            .any(|pr| matches!(pr, Problem::MalformedPart { content_type } if content_type == "text/plain")),
        "{:?}",
        p.problems
    );
}

#[test]
fn text_without_any_header_is_unreadable() {
    let p = mail::parse(b"", &mail::Limits::default());
    assert_eq!(p.refusal, Some(mail::Refusal::Unreadable));
    assert_eq!(p.from, None);
}

#[test]
fn address_groups_are_flattened_and_bad_ids_dropped() {
    let raw = b"From: x@example.net\nTo: Team: a@example.net, B <b@example.net>;, c@example.net\n\
Message-ID: <has space@example.net>\nReferences: <a@x> <a@x> <b@x>\n\nbody\n";
    let p = mail::parse(raw, &mail::Limits::default());
    let to: Vec<&str> = p.to.iter().map(|m| m.address.as_str()).collect();
    assert_eq!(to, vec!["a@example.net", "b@example.net", "c@example.net"]);
    assert_eq!(p.message_id, None);
    assert_eq!(p.references, vec!["a@x", "b@x"]);
}

#[test]
fn body_line_ends_are_unified_and_control_characters_dropped() {
    let raw = "From: a@example.net\nContent-Type: text/plain; charset=utf-8\n\n\
               a\rb\r\nc\u{85}d\0e\x7ff\tg\u{1b}[0m\n";
    let p = mail::parse(raw.as_bytes(), &mail::Limits::default());
    assert_eq!(p.body.text, "a\nb\ncdef\tg[0m");
}
