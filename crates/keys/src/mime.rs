//! RFC 3156 PGP/MIME framing of encrypted and signed messages.

use crate::KeyError;

/// A `multipart/encrypted` or `multipart/signed` body ready to be sent: put `content_type` in the message's
/// `Content-Type` header (header safety is the mailer's job) and `body` after the headers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PgpMime {
    /// E.g. `multipart/encrypted; protocol="application/pgp-encrypted"; boundary="…"`.
    pub content_type: String,
    /// The preamble and the two parts, CRLF line endings.
    pub body: String,
}

/// Characters RFC 2046 allows in a boundary (`bchars`).
fn is_bchar(c: char) -> bool {
    c.is_ascii_alphanumeric() || "'()+_,-./:=? ".contains(c)
}

/// Wraps an armored encrypted message (from [`crate::ProjectKey::encrypt_to`]) as an RFC 3156
/// `multipart/encrypted` body with the caller's `boundary` (1–70 `bchars`, not ending in a
/// space, not occurring in the message).
pub fn pgp_mime_encrypted(armored: &str, boundary: &str) -> Result<PgpMime, KeyError> {
    let ok = !boundary.is_empty()
        && boundary.len() <= 70
        && boundary.chars().all(is_bchar)
        && !boundary.ends_with(' ')
        && !armored.contains(&format!("--{boundary}"));
    if !ok {
        return Err(KeyError::BadBoundary(boundary.to_string()));
    }
    let message = armored
        .trim_end()
        .replace("\r\n", "\n")
        .replace('\n', "\r\n");
    let body = format!(
        "This is an OpenPGP/MIME encrypted message (RFC 4880 and 3156)\r\n\
         --{boundary}\r\n\
         Content-Type: application/pgp-encrypted\r\n\
         Content-Description: PGP/MIME version identification\r\n\
         \r\n\
         Version: 1\r\n\
         \r\n\
         --{boundary}\r\n\
         Content-Type: application/octet-stream; name=\"encrypted.asc\"\r\n\
         Content-Description: OpenPGP encrypted message\r\n\
         Content-Disposition: inline; filename=\"encrypted.asc\"\r\n\
         \r\n\
         {message}\r\n\
         \r\n\
         --{boundary}--\r\n"
    );
    Ok(PgpMime {
        content_type: format!(
            "multipart/encrypted; protocol=\"application/pgp-encrypted\"; boundary=\"{boundary}\""
        ),
        body,
    })
}

/// Frames an RFC 3156 `multipart/signed` body: `part` is the signed MIME entity (headers,
/// blank line, body — exactly the bytes given to [`crate::ProjectKey::sign_detached`], with
/// CRLF line endings) and `signature` the armored detached signature. The `micalg` parameter
/// names SHA-512, the hash every project signature uses.
pub fn pgp_mime_signed(part: &str, signature: &str, boundary: &str) -> Result<PgpMime, KeyError> {
    let ok = !boundary.is_empty()
        && boundary.len() <= 70
        && boundary.chars().all(is_bchar)
        && !boundary.ends_with(' ')
        && !part.contains(&format!("--{boundary}"))
        && !signature.contains(&format!("--{boundary}"));
    if !ok {
        return Err(KeyError::BadBoundary(boundary.to_string()));
    }
    let signature = signature
        .trim_end()
        .replace("\r\n", "\n")
        .replace('\n', "\r\n");
    // The signed part goes in unchanged: any change would break the signature. RFC 3156 puts
    // the CRLF before the boundary delimiter outside the signed data.
    let body = format!(
        "This is an OpenPGP/MIME signed message (RFC 4880 and 3156)\r\n\
         --{boundary}\r\n\
         {part}\r\n\
         --{boundary}\r\n\
         Content-Type: application/pgp-signature; name=\"signature.asc\"\r\n\
         Content-Description: OpenPGP digital signature\r\n\
         Content-Disposition: attachment; filename=\"signature.asc\"\r\n\
         \r\n\
         {signature}\r\n\
         \r\n\
         --{boundary}--\r\n"
    );
    Ok(PgpMime {
        content_type: format!(
            "multipart/signed; micalg=pgp-sha512; protocol=\"application/pgp-signature\"; \
             boundary=\"{boundary}\""
        ),
        body,
    })
}
