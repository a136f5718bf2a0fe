//! OpenPGP Web Key Directory (draft-koch-openpgp-webkey-service): where a mail client looks
//! up the key for an address, and what the server answers there.
//!
//! A client looking up `Joe.Doe@Example.ORG` asks, in this order:
//! - the advanced method: `https://openpgpkey.example.org/.well-known/openpgpkey/example.org/hu/iy9q119eutrkn8s1mk4r39qejnbu3n5q?l=Joe.Doe`
//! - the direct method: `https://example.org/.well-known/openpgpkey/hu/iy9q119eutrkn8s1mk4r39qejnbu3n5q?l=Joe.Doe`
//!
//! The answer is the binary transferable public key ([`crate::ProjectKey::wkd_key`]), and each
//! directory also serves a policy file ([`WKD_POLICY`]) at `…/openpgpkey/policy` (direct) or
//! `…/openpgpkey/{domain}/policy` (advanced).

use sha1::{Digest, Sha1};

use crate::KeyError;

/// The z-base-32 alphabet (Zooko's human-oriented base-32).
const ZBASE32: &[u8; 32] = b"ybndrfg8ejkmcpqxot1uwisza345h769";

/// Content of the WKD policy file. The draft requires the file to exist even when it sets no
/// flag; this one sets none (no submission protocol is offered) and carries a comment.
pub const WKD_POLICY: &str = "# OpenPGP Web Key Directory policy (draft-koch-openpgp-webkey-service).\n\
# Keys are published by the project's maintainers; no submission protocol is offered.\n";

/// The WKD hash of an address's local part: SHA-1 of the local part with ASCII upper-case
/// letters mapped to lower case (other characters unchanged), z-base-32 encoded (32
/// characters).
pub fn wkd_hash(local_part: &str) -> String {
    let digest = Sha1::digest(local_part.to_ascii_lowercase().as_bytes());
    zbase32(&digest)
}

fn zbase32(data: &[u8]) -> String {
    let mut out = String::with_capacity(data.len() * 8 / 5 + 1);
    let mut buffer: u32 = 0;
    let mut bits = 0u32;
    for &byte in data {
        buffer = (buffer << 8) | u32::from(byte);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(char::from(ZBASE32[((buffer >> bits) & 31) as usize]));
        }
    }
    if bits > 0 {
        out.push(char::from(ZBASE32[((buffer << (5 - bits)) & 31) as usize]));
    }
    out
}

/// Percent-encodes everything but RFC 3986 unreserved characters.
fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Splits `local@domain` into the local part (unchanged) and the domain (lower-cased).
pub fn split_address(address: &str) -> Result<(&str, String), KeyError> {
    let bad = || KeyError::Unreadable {
        what: "the e-mail address",
        reason: format!("{address:?} is not local@domain"),
    };
    let (local, domain) = address.trim().rsplit_once('@').ok_or_else(bad)?;
    if local.is_empty()
        || domain.is_empty()
        || domain.contains(|c: char| c == '/' || c == '?' || c == '#' || c.is_whitespace())
        || local.contains(char::is_whitespace)
    {
        return Err(bad());
    }
    Ok((local, domain.to_ascii_lowercase()))
}

/// The path of the direct method for a local part:
/// `/.well-known/openpgpkey/hu/{hash}?l={local}`.
pub fn wkd_direct_path(local_part: &str) -> String {
    format!(
        "/.well-known/openpgpkey/hu/{}?l={}",
        wkd_hash(local_part),
        percent_encode(local_part)
    )
}

/// The path of the advanced method (served on host `openpgpkey.{domain}`):
/// `/.well-known/openpgpkey/{domain}/hu/{hash}?l={local}`.
pub fn wkd_advanced_path(domain: &str, local_part: &str) -> String {
    format!(
        "/.well-known/openpgpkey/{}/hu/{}?l={}",
        domain.to_ascii_lowercase(),
        wkd_hash(local_part),
        percent_encode(local_part)
    )
}

/// The full URL a client asks first (advanced method) for `address`.
pub fn wkd_advanced_url(address: &str) -> Result<String, KeyError> {
    let (local, domain) = split_address(address)?;
    Ok(format!(
        "https://openpgpkey.{domain}{}",
        wkd_advanced_path(&domain, local)
    ))
}

/// The full URL a client asks next (direct method) for `address`.
pub fn wkd_direct_url(address: &str) -> Result<String, KeyError> {
    let (local, domain) = split_address(address)?;
    Ok(format!("https://{domain}{}", wkd_direct_path(local)))
}

/// The policy file path of the direct method.
pub const WKD_DIRECT_POLICY_PATH: &str = "/.well-known/openpgpkey/policy";

/// The policy file path of the advanced method for `domain`.
pub fn wkd_advanced_policy_path(domain: &str) -> String {
    format!(
        "/.well-known/openpgpkey/{}/policy",
        domain.to_ascii_lowercase()
    )
}
