//! The OpenPGP cleartext signature framework (RFC 4880 §7) as far as a pure crate can go:
//! reading the envelope, decoding the armor, and wrapping a text plus an armored signature
//! into an envelope. Cryptographic verification is delegated to a [`SignatureVerifier`].

use serde::Serialize;

/// The first line of a signed file.
pub const BEGIN_SIGNED: &str = "-----BEGIN PGP SIGNED MESSAGE-----";
/// The line that starts the armored signature.
pub const BEGIN_SIGNATURE: &str = "-----BEGIN PGP SIGNATURE-----";
/// The last line of a signed file.
pub const END_SIGNATURE: &str = "-----END PGP SIGNATURE-----";

/// A cleartext-signed file's parts, kept so that a caller holding keys can verify it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Signature {
    /// Algorithms named by the `Hash:` armor headers (e.g. `SHA256`), in order.
    pub hash_algorithms: Vec<String>,
    /// The signed text after dash-unescaping, one entry per line, without line endings.
    pub cleartext_lines: Vec<String>,
    /// The armored signature block, `-----BEGIN PGP SIGNATURE-----` to
    /// `-----END PGP SIGNATURE-----` inclusive, lines joined with `\n`.
    pub armored: String,
    /// Line of `-----BEGIN PGP SIGNED MESSAGE-----`.
    pub begin_line: usize,
}

impl Signature {
    /// The bytes the signature covers (RFC 4880 §7.1): the dash-unescaped lines with
    /// trailing spaces and tabs removed, joined with CRLF, without the line ending that
    /// precedes `-----BEGIN PGP SIGNATURE-----`.
    pub fn signed_data(&self) -> String {
        canonical_lines(self.cleartext_lines.iter().map(String::as_str))
    }

    /// The cleartext as a file again (dash-unescaped, LF line endings, final LF).
    pub fn cleartext(&self) -> String {
        let mut s = String::new();
        for line in &self.cleartext_lines {
            s.push_str(line);
            s.push('\n');
        }
        s
    }
}

fn canonical_lines<'a>(lines: impl Iterator<Item = &'a str>) -> String {
    let mut out = String::new();
    for (i, line) in lines.enumerate() {
        if i > 0 {
            out.push_str("\r\n");
        }
        out.push_str(line.trim_end_matches([' ', '\t']));
    }
    out
}

/// What a verifier concluded about a signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verification {
    /// A supplied key made the signature check out.
    Verified,
    /// The signature does not match the text (or was made by none of the supplied keys).
    Bad(String),
    /// The verifier could not decide (unsupported algorithm, unreadable key, …).
    Unverifiable(String),
}

/// Checks a cleartext signature; implemented outside this crate by whoever holds the keys
/// (e.g. with rPGP), so that this crate stays free of cryptography.
pub trait SignatureVerifier {
    /// Verifies `signature.armored` over `signature.signed_data()`.
    fn verify(&self, signature: &Signature) -> Verification;
}

/// The signature's state in a report: absent when the file is unsigned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SignatureStatus {
    /// A supplied key verified the signature.
    Verified,
    /// Verification failed.
    Bad,
    /// Signed, but no key was supplied or the verifier could not decide.
    Unverified,
}

impl SignatureStatus {
    /// `"verified"`, `"bad"` or `"unverified"`.
    pub fn as_str(self) -> &'static str {
        match self {
            SignatureStatus::Verified => "verified",
            SignatureStatus::Bad => "bad",
            SignatureStatus::Unverified => "unverified",
        }
    }
}

/// Why an armored signature block did not decode (codes as sectxt/PGPy classify them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ArmorError {
    /// The armor itself is broken: not base64, an empty line inside the data, no data
    /// (`pgp_data_error`).
    Armor(String),
    /// The data is not OpenPGP packets (`pgp_error`).
    Packet(String),
    /// The first packet is not a signature (`pgp_signature_error`).
    NotSignature(String),
}

/// A decoded armor: the packet bytes, and whether a CRC-24 line was present and disagreed
/// (RFC 9580 §6.1: implementations must not reject for that; we only warn).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Decoded {
    pub(crate) bytes: Vec<u8>,
    pub(crate) checksum_mismatch: bool,
}

/// Decodes the lines between the BEGIN and END lines of an armored signature.
pub(crate) fn decode_armor(body: &[String]) -> Result<Decoded, ArmorError> {
    let mut data = String::new();
    let mut checksum: Option<&str> = None;
    let mut in_headers = true;
    for line in body {
        let line = line.trim_end_matches([' ', '\t']);
        if in_headers {
            if line.is_empty() {
                in_headers = false;
                continue;
            }
            if line.contains(": ") {
                continue;
            }
            in_headers = false;
        }
        if line.is_empty() {
            if data.is_empty() || checksum.is_some() {
                continue;
            }
            return Err(ArmorError::Armor(
                "an empty line interrupts the base64 data".into(),
            ));
        }
        if checksum.is_some() {
            return Err(ArmorError::Armor("data follows the checksum line".into()));
        }
        if let Some(c) = line.strip_prefix('=')
            && c.len() == 4
        {
            checksum = Some(c);
            continue;
        }
        data.push_str(line);
    }
    let bytes =
        base64_decode(&data).ok_or_else(|| ArmorError::Armor("the data is not base64".into()))?;
    if bytes.is_empty() {
        return Err(ArmorError::Armor("the armor holds no data".into()));
    }
    let checksum_mismatch = checksum.is_some_and(|c| {
        base64_decode(c).filter(|v| v.len() == 3).is_none_or(|e| {
            crc24(&bytes) != (u32::from(e[0]) << 16) | (u32::from(e[1]) << 8) | u32::from(e[2])
        })
    });
    match packet_tag(bytes[0]) {
        Some(2) => Ok(Decoded {
            bytes,
            checksum_mismatch,
        }),
        Some(t) => Err(ArmorError::NotSignature(format!(
            "the first packet has tag {t}, not 2 (signature)"
        ))),
        None => Err(ArmorError::Packet(
            "the data does not start with an OpenPGP packet header".into(),
        )),
    }
}

fn packet_tag(first: u8) -> Option<u8> {
    if first & 0x80 == 0 {
        None
    } else if first & 0x40 != 0 {
        Some(first & 0x3f)
    } else {
        Some((first >> 2) & 0x0f)
    }
}

const CRC24_TABLE: [u32; 256] = {
    let mut table = [0u32; 256];
    let mut i = 0;
    while i < 256 {
        let mut crc = (i as u32) << 16;
        let mut bit = 0;
        while bit < 8 {
            crc <<= 1;
            if crc & 0x0100_0000 != 0 {
                crc ^= 0x0186_4CFB;
            }
            bit += 1;
        }
        table[i] = crc & 0x00FF_FFFF;
        i += 1;
    }
    table
};

/// CRC-24 of RFC 4880 §6.1 (table-driven).
pub(crate) fn crc24(data: &[u8]) -> u32 {
    let mut crc: u32 = 0x00B7_04CE;
    for &b in data {
        let index = ((crc >> 16) as u8 ^ b) as usize;
        crc = ((crc << 8) ^ CRC24_TABLE[index]) & 0x00FF_FFFF;
    }
    crc
}

const B64: [u8; 256] = {
    let mut t = [0xFFu8; 256];
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut i = 0;
    while i < 64 {
        t[alphabet[i] as usize] = i as u8;
        i += 1;
    }
    t
};

fn b64_value(c: u8) -> Option<u32> {
    match B64[c as usize] {
        0xFF => None,
        v => Some(u32::from(v)),
    }
}

/// Strict base64 (RFC 4648 §4) with optional `=` padding at the end only.
pub(crate) fn base64_decode(s: &str) -> Option<Vec<u8>> {
    let trimmed = s.trim_end_matches('=');
    if s.len() - trimmed.len() > 2 || trimmed.len() % 4 == 1 {
        return None;
    }
    let mut out = Vec::with_capacity(trimmed.len() * 3 / 4);
    let mut acc: u32 = 0;
    let mut bits = 0;
    for c in trimmed.bytes() {
        acc = (acc << 6) | b64_value(c)?;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push(((acc >> bits) & 0xff) as u8);
        }
    }
    Some(out)
}

/// Wraps `text` (an unsigned security.txt, e.g. from [`crate::Builder::render`]) and an
/// ASCII-armored detached text signature over [`signing_payload`]`(text)` into an OpenPGP
/// cleartext-signed file: header, `Hash:` line, dash-escaped text, signature.
///
/// `hash` names the digest the signature used (`SHA256`, `SHA512`, …).
pub fn wrap_signed(text: &str, hash: &str, armored_signature: &str) -> String {
    let mut out = String::with_capacity(text.len() + armored_signature.len() + 64);
    out.push_str(BEGIN_SIGNED);
    out.push('\n');
    out.push_str("Hash: ");
    out.push_str(hash);
    out.push_str("\n\n");
    for line in text_lines(text) {
        if line.starts_with('-') || line.starts_with("From ") {
            out.push_str("- ");
        }
        out.push_str(line);
        out.push('\n');
    }
    for line in text_lines(armored_signature.trim()) {
        out.push_str(line);
        out.push('\n');
    }
    out
}

/// The exact text a signer must sign (as an OpenPGP *canonical text* signature, type 0x01)
/// so that [`wrap_signed`] produces a file that verifies: `text`'s lines with trailing
/// whitespace removed, joined with CRLF, without a final line ending (RFC 4880 §7.1).
pub fn signing_payload(text: &str) -> String {
    canonical_lines(text_lines(text))
}

fn text_lines(text: &str) -> impl Iterator<Item = &str> {
    let text = text.strip_suffix('\n').unwrap_or(text);
    text.split('\n').map(|l| l.strip_suffix('\r').unwrap_or(l))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc24_of_rfc4880_reference() {
        // CRC-24 of the empty string is the initial value.
        assert_eq!(crc24(b""), 0xB704CE);
        // "123456789" check value of CRC-24/OPENPGP.
        assert_eq!(crc24(b"123456789"), 0x21CF02);
    }

    #[test]
    fn base64_round_trip_values() {
        assert_eq!(base64_decode("TWFu"), Some(b"Man".to_vec()));
        assert_eq!(base64_decode("TWE="), Some(b"Ma".to_vec()));
        assert_eq!(base64_decode("TQ=="), Some(b"M".to_vec()));
        assert_eq!(base64_decode("T"), None);
        assert_eq!(base64_decode("TW=u"), None);
        assert_eq!(base64_decode("TW u"), None);
    }

    #[test]
    fn wrap_dash_escapes() {
        let s = wrap_signed(
            "Contact: mailto:a@b.c\n-dash\nFrom here\n",
            "SHA512",
            "-----BEGIN PGP SIGNATURE-----\n\nAA==\n-----END PGP SIGNATURE-----\n",
        );
        assert!(s.starts_with("-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA512\n\n"));
        assert!(s.contains("\n- -dash\n- From here\n-----BEGIN PGP SIGNATURE-----\n"));
        assert!(s.ends_with("-----END PGP SIGNATURE-----\n"));
        assert_eq!(
            signing_payload("A: b  \nC: d\n"),
            "A: b\r\nC: d".to_string()
        );
    }
}
