//! Checking signatures against the keys of known correspondents: detached (RFC 3156
//! `multipart/signed`), cleartext (inline `-----BEGIN PGP SIGNED MESSAGE-----`) and, from
//! [`crate::ProjectKey::decrypt`], signatures inside encrypted messages.

use std::fmt;

use pgp::composed::{CleartextSignedMessage, Deserializable, DetachedSignature};
use pgp::packet::{PublicKey as PublicKeyPacket, PublicSubkey, Signature};
use pgp::types::KeyDetails;

use crate::public::{Component, PublicKey};
use crate::util::{find_armor, fp_hex, key_id_hex};

/// Largest detached signature or cleartext-signed message accepted for verification.
pub const MAX_SIGNED_BYTES: usize = 32 * 1024 * 1024;

/// The outcome of checking a message's signature(s) against the known sender keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignatureCheck {
    /// The message carries no signature.
    Unsigned,
    /// A signature verifies with a known key, which was valid for signing when it signed.
    Verified {
        /// The signer's primary-key fingerprint (upper-case hex).
        fingerprint: String,
    },
    /// Signed by a key that is not among the known keys: nothing can be said about it.
    UnknownKey {
        /// The issuer named by the signature: a fingerprint if present, else a key ID
        /// (upper-case hex); `"unnamed"` if the signature names none.
        issuer: String,
    },
    /// The signature does not hold: the content changed after signing, the signature is
    /// unreadable, or the signing key was revoked, expired or not allowed to sign.
    Bad {
        /// What is wrong, naming the key when known.
        reason: String,
    },
}

impl SignatureCheck {
    /// Whether the check is [`SignatureCheck::Verified`].
    pub fn is_verified(&self) -> bool {
        matches!(self, SignatureCheck::Verified { .. })
    }
}

impl fmt::Display for SignatureCheck {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SignatureCheck::Unsigned => f.write_str("not signed"),
            SignatureCheck::Verified { fingerprint } => {
                write!(f, "good signature by {fingerprint}")
            }
            SignatureCheck::UnknownKey { issuer } => {
                write!(f, "signed by an unknown key ({issuer})")
            }
            SignatureCheck::Bad { reason } => write!(f, "BAD signature: {reason}"),
        }
    }
}

/// One key of a certificate, as something a signature can be checked against.
#[derive(Clone, Copy)]
pub(crate) enum Signer<'a> {
    Primary(&'a PublicKeyPacket),
    Sub(&'a PublicSubkey),
}

impl Signer<'_> {
    /// Verifies a signature over `data` with this key.
    pub(crate) fn verify_data(&self, sig: &Signature, data: &[u8]) -> bool {
        match self {
            Signer::Primary(k) => sig.verify(*k, data).is_ok(),
            Signer::Sub(k) => sig.verify(*k, data).is_ok(),
        }
    }

    pub(crate) fn as_verifying(&self) -> &dyn pgp::types::VerifyingKey {
        match self {
            Signer::Primary(k) => *k,
            Signer::Sub(k) => *k,
        }
    }

    fn matches(&self, sig: &Signature) -> bool {
        let (fp, id) = match self {
            Signer::Primary(k) => (k.fingerprint(), k.legacy_key_id()),
            Signer::Sub(k) => (k.fingerprint(), k.legacy_key_id()),
        };
        sig.issuer_fingerprint().iter().any(|f| **f == fp)
            || sig.issuer_key_id().iter().any(|i| **i == id)
    }
}

fn issuer_of(sig: &Signature) -> String {
    if let Some(fp) = sig.issuer_fingerprint().first() {
        return fp_hex(fp);
    }
    if let Some(id) = sig.issuer_key_id().first() {
        return key_id_hex(id);
    }
    "unnamed".to_string()
}

fn components(key: &PublicKey) -> impl Iterator<Item = (Signer<'_>, &Component)> {
    std::iter::once((Signer::Primary(&key.key.primary_key), &key.eval.primary)).chain(
        key.key
            .public_subkeys
            .iter()
            .zip(key.eval.subkeys.iter())
            .map(|(s, c)| (Signer::Sub(&s.key), c)),
    )
}

/// Checks one signature against the known keys. `verify` checks the signature with one key.
fn check_one(
    sig: &Signature,
    known: &[PublicKey],
    verify: &dyn Fn(Signer<'_>) -> bool,
) -> SignatureCheck {
    let named = !sig.issuer_fingerprint().is_empty() || !sig.issuer_key_id().is_empty();
    let mut bad = None;
    for key in known {
        for (signer, comp) in components(key) {
            if named && !signer.matches(sig) {
                continue;
            }
            if !verify(signer) {
                if named {
                    bad = Some(format!(
                        "the signature by {} does not match the content (changed after signing?)",
                        key.fingerprint()
                    ));
                }
                continue;
            }
            return judge(sig, key, comp);
        }
    }
    match bad {
        Some(reason) => SignatureCheck::Bad { reason },
        None => SignatureCheck::UnknownKey {
            issuer: issuer_of(sig),
        },
    }
}

/// A signature that verifies cryptographically: was its key allowed to sign at the time?
fn judge(sig: &Signature, key: &PublicKey, comp: &Component) -> SignatureCheck {
    let fingerprint = key.fingerprint();
    if let Some(reason) = key.revocation().or(comp.revoked.as_deref()) {
        return SignatureCheck::Bad {
            reason: format!("made by {fingerprint}, which is revoked ({reason})"),
        };
    }
    if !comp.bound || !comp.signs {
        return SignatureCheck::Bad {
            reason: format!(
                "made by the (sub)key {} of {fingerprint}, which is not certified for signing",
                key_id_hex(&comp.key_id)
            ),
        };
    }
    let at = sig.created().map(|t| t.as_secs());
    let expired = |e: Option<u32>| matches!((e, at), (Some(e), Some(at)) if at >= e);
    if expired(key.eval.primary.expires) || expired(comp.expires) {
        return SignatureCheck::Bad {
            reason: format!("made by {fingerprint} after the key had expired"),
        };
    }
    if at.is_some_and(|at| at < comp.created) {
        return SignatureCheck::Bad {
            reason: format!("dated before the key {fingerprint} was created"),
        };
    }
    SignatureCheck::Verified { fingerprint }
}

/// Combines the checks of several signatures over the same content: any verified one wins,
/// then any bad one, then the first unknown issuer.
pub(crate) fn combine(checks: Vec<SignatureCheck>) -> SignatureCheck {
    if let Some(v) = checks.iter().find(|c| c.is_verified()) {
        return v.clone();
    }
    if let Some(b) = checks
        .iter()
        .find(|c| matches!(c, SignatureCheck::Bad { .. }))
    {
        return b.clone();
    }
    checks
        .into_iter()
        .next()
        .unwrap_or(SignatureCheck::Unsigned)
}

/// Checks signatures whose verification is done by `verify(index, signer)`.
pub(crate) fn check_signatures(
    sigs: &[Signature],
    known: &[PublicKey],
    verify: &dyn Fn(usize, Signer<'_>) -> bool,
) -> SignatureCheck {
    combine(
        sigs.iter()
            .enumerate()
            .map(|(i, sig)| check_one(sig, known, &|s| verify(i, s)))
            .collect(),
    )
}

/// Verifies a detached signature (`application/pgp-signature`, armored or binary) over
/// `signed` — for RFC 3156 `multipart/signed`, the first body part exactly as it appears
/// between the boundaries, headers included.
///
/// RFC 3156 signs the part with CRLF line endings; if the signature does not verify over the
/// bytes as given and they contain bare LF line endings (as after local delivery), it is also
/// tried over the CRLF form.
pub fn verify_detached(signed: &[u8], signature: &[u8], known: &[PublicKey]) -> SignatureCheck {
    if signed.len() > MAX_SIGNED_BYTES || signature.len() > MAX_SIGNED_BYTES {
        return SignatureCheck::Bad {
            reason: format!("more than {MAX_SIGNED_BYTES} bytes to verify"),
        };
    }
    let sigs = match read_detached(signature) {
        Ok(s) if s.is_empty() => {
            return SignatureCheck::Bad {
                reason: "no signature packet found".into(),
            };
        }
        Ok(s) => s,
        Err(reason) => return SignatureCheck::Bad { reason },
    };
    let crlf = (signed.contains(&b'\n')).then(|| to_crlf(signed));
    check_signatures(&sigs, known, &|i, signer| {
        let Some(sig) = sigs.get(i) else { return false };
        signer.verify_data(sig, signed)
            || crlf
                .as_deref()
                .is_some_and(|c| c != signed && signer.verify_data(sig, c))
    })
}

fn read_detached(data: &[u8]) -> Result<Vec<Signature>, String> {
    let parsed: Vec<DetachedSignature> = if let Some(start) = find_armor(data, "PGP SIGNATURE") {
        let (iter, _) = DetachedSignature::from_armor_many(&data[start..])
            .map_err(|e| format!("unreadable signature: {e}"))?;
        iter.collect::<Result<_, _>>()
            .map_err(|e| format!("unreadable signature: {e}"))?
    } else {
        DetachedSignature::from_bytes_many(data)
            .map_err(|e| format!("unreadable signature: {e}"))?
            .collect::<Result<_, _>>()
            .map_err(|e| format!("unreadable signature: {e}"))?
    };
    Ok(parsed.into_iter().map(|d| d.signature).collect())
}

/// Bare LF (and lone CR) line endings to CRLF.
fn to_crlf(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len() + data.len() / 32);
    let mut prev = 0u8;
    for &b in data {
        if b == b'\n' && prev != b'\r' {
            out.push(b'\r');
        }
        out.push(b);
        prev = b;
    }
    out
}

/// The text of an inline cleartext-signed message and the check of its signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Clearsigned {
    /// The signed text as it was hashed: dash-escaping undone, trailing whitespace of each
    /// line removed, `\n` line endings. Show only this as signed.
    pub text: String,
    /// The signature check.
    pub signature: SignatureCheck,
    /// Whether non-blank text surrounds the signed block (not covered by the signature).
    pub unsigned_text_around: bool,
}

/// Reads an inline cleartext-signed message (`-----BEGIN PGP SIGNED MESSAGE-----` …
/// `-----END PGP SIGNATURE-----`), which may sit inside a longer mail body, and checks its
/// signature against the known keys.
pub fn verify_cleartext(text: &str, known: &[PublicKey]) -> Result<Clearsigned, crate::KeyError> {
    let unreadable = |reason: String| crate::KeyError::Unreadable {
        what: "the cleartext-signed message",
        reason,
    };
    if text.len() > MAX_SIGNED_BYTES {
        return Err(unreadable(format!(
            "{} bytes is more than the {MAX_SIGNED_BYTES} accepted",
            text.len()
        )));
    }
    let Some(start) = find_armor(text.as_bytes(), "PGP SIGNED MESSAGE") else {
        return Err(unreadable(
            "no -----BEGIN PGP SIGNED MESSAGE----- line found".into(),
        ));
    };
    let end_marker = "-----END PGP SIGNATURE-----";
    let end = text[start..]
        .find(end_marker)
        .map(|i| start + i + end_marker.len())
        .ok_or_else(|| unreadable("no -----END PGP SIGNATURE----- line found".into()))?;
    let block = &text[start..end];
    let (msg, _) =
        CleartextSignedMessage::from_string(block).map_err(|e| unreadable(e.to_string()))?;
    let signed = msg.signed_text();
    let sigs = msg.signatures().to_vec();
    let signature = if sigs.is_empty() {
        SignatureCheck::Unsigned
    } else {
        check_signatures(&sigs, known, &|i, signer| {
            sigs.get(i)
                .is_some_and(|sig| signer.verify_data(sig, signed.as_bytes()))
        })
    };
    let unsigned_text_around = !text[..start].trim().is_empty() || !text[end..].trim().is_empty();
    Ok(Clearsigned {
        text: signed.replace("\r\n", "\n"),
        signature,
        unsigned_text_around,
    })
}
