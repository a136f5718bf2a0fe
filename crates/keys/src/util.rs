//! Small conversions shared by the modules.

use pgp::types::{Fingerprint, KeyId, Timestamp as PgpTime};

use crate::KeyError;

/// An OpenPGP time from a `jiff` timestamp (whole seconds, 1970 to 2106).
pub(crate) fn pgp_time(at: jiff::Timestamp) -> Result<PgpTime, KeyError> {
    u32::try_from(at.as_second())
        .map(PgpTime::from_secs)
        .map_err(|_| KeyError::Time(at.to_string()))
}

/// A `jiff` timestamp from OpenPGP seconds (always representable).
pub(crate) fn jiff_time(secs: u32) -> jiff::Timestamp {
    jiff::Timestamp::from_second(i64::from(secs)).unwrap_or(jiff::Timestamp::UNIX_EPOCH)
}

/// Upper-case hex, no spaces (as `gpg --with-colons` prints it).
pub(crate) fn fp_hex(fp: &Fingerprint) -> String {
    format!("{fp:X}")
}

/// Upper-case hex of a 64-bit key ID.
pub(crate) fn key_id_hex(id: &KeyId) -> String {
    id.as_ref().iter().map(|b| format!("{b:02X}")).collect()
}

/// Where an ASCII-armored block of `kind` (e.g. "PGP MESSAGE") starts in `data`, if any.
pub(crate) fn find_armor(data: &[u8], kind: &str) -> Option<usize> {
    let marker = format!("-----BEGIN {kind}-----");
    data.windows(marker.len())
        .position(|w| w == marker.as_bytes())
}

/// Whether `data` contains an ASCII-armor header of any kind (`-----BEGIN PGP …-----`).
pub(crate) fn has_armor(data: &[u8]) -> bool {
    let marker = b"-----BEGIN PGP ";
    data.windows(marker.len()).any(|w| w == marker)
}

/// The packet tag of the first packet of binary OpenPGP data, if the first octet is a valid
/// packet header.
pub(crate) fn first_packet_tag(data: &[u8]) -> Option<u8> {
    let first = *data.first()?;
    if first & 0x80 == 0 {
        return None;
    }
    if first & 0x40 != 0 {
        Some(first & 0x3f)
    } else {
        Some((first >> 2) & 0x0f)
    }
}

/// Secret-Key (5) and Secret-Subkey (7) packet tags.
pub(crate) fn is_secret_key_tag(tag: u8) -> bool {
    tag == 5 || tag == 7
}
