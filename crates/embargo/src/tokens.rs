//! Secrets handed out by the server: session, API, tracking, setup and CSRF tokens.
//!
//! Every token carries 256 random bits from the operating system's generator and is stored
//! only as its SHA-256 hash, so a database leak does not hand out access.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use sha2::{Digest, Sha256};

/// A fresh token: `prefix` followed by 43 URL-safe characters (256 bits).
pub fn generate(prefix: &str) -> String {
    let mut bytes = [0u8; 32];
    // Without the operating system's generator no secret can be made safely: stop.
    getrandom::fill(&mut bytes).expect("the operating system's random generator failed");
    format!("{prefix}{}", URL_SAFE_NO_PAD.encode(bytes))
}

/// The stored form of a token.
pub fn hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Compares two secrets in time independent of where they differ.
pub fn constant_time_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Prefixes, so a leaked token's kind is recognisable (and secret scanners can match it).
pub const SESSION: &str = "ses_";
pub const API: &str = "emb_";
pub const TRACKING: &str = "trk_";
pub const SETUP: &str = "set_";
pub const CSRF: &str = "csrf_";
pub const INVITATION: &str = "inv_";
pub const RESET: &str = "rst_";
pub const MEMBER_INVITATION: &str = "mbr_";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_long_distinct_and_url_safe() {
        let a = generate(TRACKING);
        let b = generate(TRACKING);
        assert_ne!(a, b);
        assert_eq!(a.len(), TRACKING.len() + 43);
        assert!(
            a[TRACKING.len()..]
                .bytes()
                .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_')
        );
    }

    #[test]
    fn hashes_are_sha256_hex() {
        // SHA-256("abc") from FIPS 180-2, appendix B.1.
        assert_eq!(
            hash("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn comparison_checks_every_byte() {
        assert!(constant_time_eq("abc", "abc"));
        assert!(!constant_time_eq("abc", "abd"));
        assert!(!constant_time_eq("abc", "abcd"));
    }
}
