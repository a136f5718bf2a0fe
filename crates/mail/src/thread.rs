//! Threading keys: which report a message belongs to, and the addresses and identifiers
//! our own mail carries so that replies find their way back.

use crate::address::{MAX_ADDRESS_LEN, bare_address, is_valid_domain, is_valid_local_part};
use crate::message::Parsed;

/// Longest report token in a plus address.
pub const TOKEN_MAX_LEN: usize = 64;
/// Most identifiers [`thread_refs`] returns.
pub const MAX_THREAD_REFS: usize = 32;
/// Fewest random bytes accepted for a Message-ID (128 bits).
pub const MIN_MESSAGE_ID_RANDOM_BYTES: usize = 16;

/// A reply address or Message-ID that cannot be made from the given parts.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AddressError {
    /// The local part is not a dot-atom, or contains `+`.
    #[error("local part {0:?} must be a plain dot-atom without '+'")]
    LocalPart(String),
    /// The token has other characters than ASCII letters, digits, `-` and `_`, or is too
    /// long or empty.
    #[error("token {0:?} must be 1 to {TOKEN_MAX_LEN} ASCII letters, digits, '-' or '_'")]
    Token(String),
    /// The domain is not a host name of at least two labels.
    #[error("domain {0:?} is not a valid host name")]
    Domain(String),
    /// The address would be longer than RFC 5321 allows.
    #[error("address would be longer than {MAX_ADDRESS_LEN} bytes")]
    TooLong,
    /// Too few random bytes for a Message-ID.
    #[error("a Message-ID needs at least {MIN_MESSAGE_ID_RANDOM_BYTES} random bytes, got {0}")]
    RandomTooShort(usize),
}

/// Whether `token` may be the `+token` of a reply address: 1 to [`TOKEN_MAX_LEN`] ASCII
/// letters, digits, `-` or `_`.
pub fn is_valid_token(token: &str) -> bool {
    !token.is_empty()
        && token.len() <= TOKEN_MAX_LEN
        && token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// The token of `local_part+token@domain` in `recipient` (a bare address, `<address>` or
/// `Name <address>`). Local part and domain compare without regard to ASCII case; the
/// token is returned as written and must pass [`is_valid_token`]. Some MTAs fold the case
/// of local parts, so tokens should be case-insensitive (e.g. lower-case base32 or hex)
/// and compared as such.
pub fn plus_token<'a>(recipient: &'a str, local_part: &str, domain: &str) -> Option<&'a str> {
    let address = bare_address(recipient);
    let (local, address_domain) = address.rsplit_once('@')?;
    let address_domain = address_domain.strip_suffix('.').unwrap_or(address_domain);
    let domain = domain.strip_suffix('.').unwrap_or(domain);
    if !address_domain.eq_ignore_ascii_case(domain) {
        return None;
    }
    let (base, token) = local.split_once('+')?;
    (base.eq_ignore_ascii_case(local_part) && is_valid_token(token)).then_some(token)
}

/// The first plus-address token among the message's recipients (envelope recipients
/// first, then `To`, then `Cc`; see [`Parsed::recipients`]).
pub fn find_plus_token(parsed: &Parsed, local_part: &str, domain: &str) -> Option<String> {
    parsed
        .recipients()
        .find_map(|r| plus_token(r, local_part, domain))
        .map(str::to_owned)
}

/// The message identifiers to look up for the thread, best first: `In-Reply-To`, then
/// `References` from newest to oldest; without duplicates, at most [`MAX_THREAD_REFS`].
pub fn thread_refs(parsed: &Parsed) -> Vec<String> {
    let mut refs: Vec<String> = Vec::new();
    for id in parsed
        .in_reply_to
        .iter()
        .chain(parsed.references.iter().rev())
    {
        if refs.len() >= MAX_THREAD_REFS {
            break;
        }
        if !refs.contains(id) {
            refs.push(id.clone());
        }
    }
    refs
}

/// The reply address `local+token@domain` of a report (domain in lower case).
pub fn reply_address(local: &str, token: &str, domain: &str) -> Result<String, AddressError> {
    if local.contains('+') || !is_valid_local_part(local) || local.starts_with('"') {
        return Err(AddressError::LocalPart(local.to_owned()));
    }
    if !is_valid_token(token) {
        return Err(AddressError::Token(token.to_owned()));
    }
    if !is_valid_domain(domain) {
        return Err(AddressError::Domain(domain.to_owned()));
    }
    let address = format!("{local}+{token}@{}", domain.to_ascii_lowercase());
    if address.len() > MAX_ADDRESS_LEN || local.len() + 1 + token.len() > 64 {
        return Err(AddressError::TooLong);
    }
    Ok(address)
}

/// A Message-ID for outgoing mail, without `<>`: `embargo.<hex of random>@<domain>`.
/// `random` must hold at least [`MIN_MESSAGE_ID_RANDOM_BYTES`] bytes from a CSPRNG (the
/// caller draws them: this crate has no randomness); at most 32 are used.
pub fn new_message_id(random: &[u8], domain: &str) -> Result<String, AddressError> {
    if random.len() < MIN_MESSAGE_ID_RANDOM_BYTES {
        return Err(AddressError::RandomTooShort(random.len()));
    }
    if !is_valid_domain(domain) {
        return Err(AddressError::Domain(domain.to_owned()));
    }
    let hex: String = random.iter().take(32).map(|b| format!("{b:02x}")).collect();
    Ok(format!("embargo.{hex}@{}", domain.to_ascii_lowercase()))
}

/// A reply-address token from `bytes` (the caller's secret-derived or random bytes):
/// lower-case RFC 4648 base32 without padding, so it survives MTAs that fold the case of
/// local parts. 20 bytes give 32 characters (160 bits); at most 40 bytes are used.
pub fn token_from_bytes(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 32] = b"abcdefghijklmnopqrstuvwxyz234567";
    let mut out = String::new();
    let (mut acc, mut bits) = (0u32, 0u32);
    for &b in bytes.iter().take(40) {
        acc = (acc << 8) | u32::from(b);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(char::from(ALPHABET[((acc >> bits) & 31) as usize]));
        }
        acc &= (1 << bits) - 1;
    }
    if bits > 0 {
        out.push(char::from(ALPHABET[((acc << (5 - bits)) & 31) as usize]));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_lower_case_base32() {
        // RFC 4648 §10 test vectors, lower-cased and without padding.
        assert_eq!(token_from_bytes(b""), "");
        assert_eq!(token_from_bytes(b"f"), "my");
        assert_eq!(token_from_bytes(b"foob"), "mzxw6yq");
        assert_eq!(token_from_bytes(b"foobar"), "mzxw6ytboi");
        let t = token_from_bytes(&[0xff; 20]);
        assert_eq!(t, "7".repeat(32));
        assert!(is_valid_token(&t));
    }
}
