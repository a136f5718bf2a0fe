//! OpenPGP and S/MIME detection: what is handed to the key holder, byte for byte.

use mail::{BodySource, EncryptionKind, Limits, SignatureKind};

use crate::parse_file;

#[test]
fn pgp_mime_encrypted_payload_is_the_second_part() {
    let p = parse_file("pgp_mime_encrypted.eml");
    let e = p.encryption.expect("encrypted");
    assert_eq!(e.kind, EncryptionKind::PgpMime);
    assert_eq!(
        String::from_utf8(e.payload).expect("ascii"),
        "-----BEGIN PGP MESSAGE-----\n\n\
         hF4DAAAAAAAAAAASAQdAexampleexampleexampleexampleexampleexample\n=abcd\n\
         -----END PGP MESSAGE-----\n"
    );
    // Nothing readable, and the encrypted part is not refused as a binary attachment.
    assert_eq!(p.body.source, BodySource::None);
    assert!(p.refused.is_empty() && p.attachments.is_empty());
    assert_eq!(p.subject.as_deref(), Some("..."));
}

#[test]
fn pgp_mime_signed_bytes_are_the_first_part_exactly_in_crlf() {
    let p = parse_file("pgp_mime_signed.eml");
    let s = p.signature.expect("signed");
    assert_eq!(s.kind, SignatureKind::PgpMime);
    let expected = "Content-Type: multipart/mixed; boundary=\"------------mixINNER\"\r\n\
        \r\n\
        --------------mixINNER\r\n\
        Content-Type: text/plain; charset=UTF-8\r\n\
        Content-Transfer-Encoding: 7bit\r\n\
        \r\n\
        The length field is multiplied without an overflow check.\r\n\
        Patch attached.\r\n\
        \r\n\
        --------------mixINNER\r\n\
        Content-Type: text/x-patch; charset=UTF-8; name=\"fix.patch\"\r\n\
        Content-Disposition: attachment; filename=\"fix.patch\"\r\n\
        Content-Transfer-Encoding: 7bit\r\n\
        \r\n\
        --- a/parse.c\r\n\
        +++ b/parse.c\r\n\
        @@ -1 +1 @@\r\n\
        -size_t n = len * 4;\r\n\
        +if (len > SIZE_MAX / 4) return -1; size_t n = len * 4;\r\n\
        \r\n\
        --------------mixINNER--\r\n";
    assert_eq!(String::from_utf8(s.signed_bytes).expect("ascii"), expected);
    assert_eq!(
        String::from_utf8(s.signature).expect("ascii"),
        "-----BEGIN PGP SIGNATURE-----\n\nwnsEABYIACMWIQQexampleexampleexampleexampleexampleBQJn\n\
         =wxyz\n-----END PGP SIGNATURE-----\n"
    );
    // The signed content is read like any other: body and the patch.
    assert_eq!(
        p.body.text,
        "The length field is multiplied without an overflow check.\nPatch attached."
    );
    assert_eq!(p.attachments.len(), 1);
    assert_eq!(p.attachments[0].filename, "fix.patch");
    assert!(
        p.refused.is_empty(),
        "the signature part is not an attachment"
    );
}

#[test]
fn signed_bytes_keep_crlf_input_unchanged() {
    // The same message delivered with CRLF line ends gives the same signed bytes.
    let lf = crate::load("pgp_mime_signed.eml");
    let crlf: Vec<u8> = String::from_utf8(lf.clone())
        .expect("utf-8")
        .replace('\n', "\r\n")
        .into_bytes();
    let a = mail::parse(&lf, &Limits::default()).signature.expect("lf");
    let b = mail::parse(&crlf, &Limits::default())
        .signature
        .expect("crlf");
    assert_eq!(a.signed_bytes, b.signed_bytes);
}

#[test]
fn inline_pgp_message_is_handed_over_as_the_armored_block() {
    let p = parse_file("inline_pgp_encrypted.eml");
    let e = p.encryption.expect("encrypted");
    assert_eq!(e.kind, EncryptionKind::PgpInline);
    assert_eq!(
        String::from_utf8(e.payload).expect("ascii"),
        "-----BEGIN PGP MESSAGE-----\n\n\
         hQEMAexampleexampleexampleexampleexampleexampleexampleexample\n=ABCD\n\
         -----END PGP MESSAGE-----"
    );
}

#[test]
fn cleartext_signature_hands_over_the_whole_block_and_the_signature() {
    let p = parse_file("inline_pgp_signed.eml");
    let s = p.signature.expect("signed");
    assert_eq!(s.kind, SignatureKind::PgpCleartext);
    let block = "-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA256\n\n\
        The reset token is predictable: it is the MD5 of the user id.\n\
        -----BEGIN PGP SIGNATURE-----\n\niHUEARYIAB0WIQexampleexampleexampleexample\n=QRST\n\
        -----END PGP SIGNATURE-----";
    assert_eq!(String::from_utf8(s.signed_bytes).expect("utf-8"), block);
    assert_eq!(
        String::from_utf8(s.signature).expect("ascii"),
        "-----BEGIN PGP SIGNATURE-----\n\niHUEARYIAB0WIQexampleexampleexampleexample\n=QRST\n\
         -----END PGP SIGNATURE-----"
    );
}

#[test]
fn a_quoted_armor_line_is_not_detected() {
    let raw = b"From: a@example.net\n\nYou wrote:\n> -----BEGIN PGP MESSAGE-----\n> abc\n";
    let p = mail::parse(raw, &Limits::default());
    assert_eq!(p.encryption, None);
}

#[test]
fn smime_signature_is_detected_and_not_refused() {
    let p = parse_file("smime_signed.eml");
    let s = p.signature.expect("signed");
    assert_eq!(s.kind, SignatureKind::Smime);
    assert_eq!(
        String::from_utf8(s.signed_bytes).expect("ascii"),
        "Content-Type: text/plain; charset=utf-8\r\n\r\nDirectory listing is enabled on /backup/.\r\n"
    );
    assert_eq!(&s.signature[..4], b"\x30\x82\x01\x00");
    assert_eq!(p.body.text, "Directory listing is enabled on /backup/.");
    assert!(p.refused.is_empty());
}

#[test]
fn decrypted_pgp_mime_content_is_read_like_a_body() {
    let plaintext = b"Content-Type: multipart/mixed; boundary=\"inner\"; protected-headers=\"v1\"\r\n\
Subject: Heap overflow in the image decoder\r\n\r\n--inner\r\n\
Content-Type: text/plain; charset=utf-8\r\n\r\nThe width is trusted.\r\n--inner\r\n\
Content-Type: text/x-c; name=\"poc.c\"\r\nContent-Disposition: attachment; filename=\"poc.c\"\r\n\r\n\
int main(void) { return decode(\"x\"); }\r\n--inner\r\n\
Content-Type: application/pdf; name=\"writeup.pdf\"\r\nContent-Transfer-Encoding: base64\r\n\r\n\
JVBERi0xLjQK\r\n--inner--\r\n";
    let c = mail::parse_decrypted(plaintext, &Limits::default());
    assert_eq!(
        c.subject.as_deref(),
        Some("Heap overflow in the image decoder")
    );
    assert_eq!(c.body.text, "The width is trusted.");
    assert_eq!(c.attachments.len(), 1);
    assert_eq!(c.attachments[0].filename, "poc.c");
    assert_eq!(
        c.attachments[0].text,
        "int main(void) { return decode(\"x\"); }"
    );
    assert_eq!(c.refused.len(), 1);
    assert_eq!(c.refused[0].reason, mail::AttachmentRefusal::Pdf);
}

#[test]
fn decrypted_inline_text_is_plain_text() {
    let c = mail::parse_decrypted(
        b"Note: the admin panel has no CSRF token.\r\n",
        &Limits::default(),
    );
    assert_eq!(c.body.text, "Note: the admin panel has no CSRF token.");
    assert_eq!(c.body.source, BodySource::Plain);
    assert!(c.attachments.is_empty());
}
