//! Reading OpenPGP certificates (transferable public keys) and judging which parts are valid:
//! self-signatures, binding signatures, expiry and revocation.

use std::fmt;

use pgp::composed::{ArmorOptions, Deserializable, SignedKeyDetails, SignedPublicKey};
use pgp::crypto::public_key::PublicKeyAlgorithm;
use pgp::packet::{KeyFlags, SubpacketData};
use pgp::packet::{PublicKey as PublicKeyPacket, PublicSubkey, Signature, SignatureType};
use pgp::ser::Serialize;
use pgp::types::{KeyDetails, KeyVersion, PublicParams, Tag, Timestamp as PgpTime};

use crate::KeyError;
use crate::util::{
    find_armor, first_packet_tag, fp_hex, has_armor, is_secret_key_tag, jiff_time, key_id_hex,
};

/// Largest key accepted, armored or binary (keys carrying many third-party certifications
/// stay well below it).
pub const MAX_KEY_BYTES: usize = 1024 * 1024;

/// Where a key stands at a given time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyStatus {
    /// Neither expired nor revoked.
    Usable,
    /// The primary key expired at `at`.
    Expired {
        /// When it expired.
        at: jiff::Timestamp,
    },
    /// The key holder revoked the key.
    Revoked {
        /// The reason stated in the revocation ("no reason given" when none).
        reason: String,
    },
}

/// What the valid self-signatures say about one key (primary or subkey).
#[derive(Debug, Clone)]
pub(crate) struct Component {
    pub(crate) fingerprint: pgp::types::Fingerprint,
    pub(crate) key_id: pgp::types::KeyId,
    pub(crate) algorithm: PublicKeyAlgorithm,
    /// Seconds since 1970.
    pub(crate) created: u32,
    /// Absolute expiry, seconds since 1970.
    pub(crate) expires: Option<u32>,
    /// A valid self-signature (primary) or binding signature (subkey) exists.
    pub(crate) bound: bool,
    pub(crate) revoked: Option<String>,
    /// May make data signatures (flag, algorithm and, for subkeys, a valid back-signature).
    pub(crate) signs: bool,
    /// May receive encrypted messages (flag and algorithm).
    pub(crate) encrypts: bool,
}

impl Component {
    pub(crate) fn usable_at(&self, now: u32) -> bool {
        self.bound && self.revoked.is_none() && self.expires.is_none_or(|e| now < e)
    }
}

/// The judged state of a whole certificate.
#[derive(Debug, Clone)]
pub(crate) struct Evaluated {
    pub(crate) primary: Component,
    /// In the order of the certificate's subkeys.
    pub(crate) subkeys: Vec<Component>,
    /// User IDs with a valid, unrevoked self-certification; the primary one first.
    pub(crate) user_ids: Vec<String>,
}

fn issuer_is(sig: &Signature, key: &impl KeyDetails) -> bool {
    let fps = sig.issuer_fingerprint();
    let ids = sig.issuer_key_id();
    if fps.is_empty() && ids.is_empty() {
        return true;
    }
    let fp = key.fingerprint();
    let id = key.legacy_key_id();
    fps.iter().any(|f| **f == fp) || ids.iter().any(|i| **i == id)
}

fn created(sig: &Signature) -> u32 {
    sig.created().map_or(0, PgpTime::as_secs)
}

fn has_key_flags(sig: &Signature) -> bool {
    sig.config().is_some_and(|c| {
        c.hashed_subpackets()
            .any(|p| matches!(p.data, SubpacketData::KeyFlags(_)))
    })
}

fn revocation_reason(sig: &Signature) -> String {
    let text = sig
        .revocation_reason_string()
        .map(|b| String::from_utf8_lossy(b).trim().to_string())
        .filter(|s| !s.is_empty());
    let code = sig.revocation_reason_code().map(|c| format!("{c:?}"));
    match (code, text) {
        (Some(c), Some(t)) => format!("{c}: {t}"),
        (Some(c), None) => c,
        (None, Some(t)) => t,
        (None, None) => "no reason given".to_string(),
    }
}

fn expiry(key_created: u32, sig: &Signature) -> Option<u32> {
    sig.key_expiration_time()
        .map(|d| d.as_secs())
        .filter(|d| *d > 0)
        .map(|d| key_created.saturating_add(d))
}

pub(crate) fn algorithm_signs(alg: PublicKeyAlgorithm) -> bool {
    matches!(
        alg,
        PublicKeyAlgorithm::RSA
            | PublicKeyAlgorithm::RSASign
            | PublicKeyAlgorithm::DSA
            | PublicKeyAlgorithm::ECDSA
            | PublicKeyAlgorithm::EdDSALegacy
            | PublicKeyAlgorithm::Ed25519
            | PublicKeyAlgorithm::Ed448
    )
}

/// Encryption algorithms rPGP can encrypt to (ElGamal it cannot).
pub(crate) fn algorithm_encrypts(params: &PublicParams) -> bool {
    match params {
        PublicParams::RSA(_) | PublicParams::X25519(_) | PublicParams::X448(_) => true,
        PublicParams::ECDH(p) => !matches!(p, pgp::types::EcdhPublicParams::Unsupported { .. }),
        _ => false,
    }
}

fn flags_encrypt(flags: &KeyFlags) -> bool {
    flags.encrypt_comms() || flags.encrypt_storage()
}

/// Judges a certificate: which user IDs, subkeys and capabilities are backed by valid
/// self-signatures, and what expiry and revocation apply. Signatures that do not verify, or
/// come from other keys (third-party certifications), are ignored.
pub(crate) fn evaluate(
    primary: &PublicKeyPacket,
    details: &SignedKeyDetails,
    subkeys: &[(&PublicSubkey, &[Signature])],
) -> Evaluated {
    let p_created = primary.created_at().as_secs();

    // Key revocations.
    let revoked = details
        .revocation_signatures
        .iter()
        .filter(|s| s.typ() == Some(SignatureType::KeyRevocation) && issuer_is(s, primary))
        .find(|s| s.verify_key(primary).is_ok())
        .map(revocation_reason);

    // Newest valid direct-key signature.
    let direct = details
        .direct_signatures
        .iter()
        .filter(|s| s.typ() == Some(SignatureType::Key) && issuer_is(s, primary))
        .filter(|s| s.verify_key(primary).is_ok())
        .max_by_key(|s| created(s));

    // User IDs: newest valid self-certification, unless a newer self-revocation exists.
    let mut users: Vec<(String, &Signature)> = Vec::new();
    for user in &details.users {
        let mut cert: Option<&Signature> = None;
        let mut revocation: Option<&Signature> = None;
        for sig in &user.signatures {
            if !issuer_is(sig, primary) {
                continue;
            }
            let Some(typ) = sig.typ() else { continue };
            if sig
                .verify_certification(primary, Tag::UserId, &user.id)
                .is_err()
            {
                continue;
            }
            let slot = if typ == SignatureType::CertRevocation {
                &mut revocation
            } else {
                &mut cert
            };
            if slot.is_none_or(|old| created(sig) >= created(old)) {
                *slot = Some(sig);
            }
        }
        if let Some(cert) = cert {
            let revoked_uid = revocation.is_some_and(|r| created(r) >= created(cert));
            if !revoked_uid {
                let text = String::from_utf8_lossy(user.id.id()).into_owned();
                users.push((text, cert));
            }
        }
    }
    // The primary user ID first, then newest certifications first.
    users.sort_by_key(|(_, sig)| (!sig.is_primary(), std::cmp::Reverse(created(sig))));
    let binding = users.first().map(|(_, sig)| *sig);

    let flags_sig = binding
        .filter(|s| has_key_flags(s))
        .or(direct.filter(|s| has_key_flags(s)));
    let (p_signs, p_encrypts) = match flags_sig {
        Some(sig) => {
            let f = sig.key_flags();
            (f.sign(), flags_encrypt(&f))
        }
        // No flags anywhere: what the algorithm can do (old RSA keys).
        None => (true, true),
    };
    let p_expires = binding
        .and_then(|s| expiry(p_created, s))
        .or_else(|| direct.and_then(|s| expiry(p_created, s)));
    let primary_component = Component {
        fingerprint: primary.fingerprint(),
        key_id: primary.legacy_key_id(),
        algorithm: primary.algorithm(),
        created: p_created,
        expires: p_expires,
        bound: binding.is_some() || direct.is_some(),
        revoked,
        signs: p_signs && algorithm_signs(primary.algorithm()),
        encrypts: p_encrypts && algorithm_encrypts(primary.public_params()),
    };

    let subkeys = subkeys
        .iter()
        .map(|(sub, sigs)| evaluate_subkey(primary, sub, sigs))
        .collect();

    Evaluated {
        primary: primary_component,
        subkeys,
        user_ids: users.into_iter().map(|(u, _)| u).collect(),
    }
}

fn evaluate_subkey(primary: &PublicKeyPacket, sub: &PublicSubkey, sigs: &[Signature]) -> Component {
    let s_created = sub.created_at().as_secs();
    let mut binding: Option<&Signature> = None;
    let mut revoked = None;
    for sig in sigs {
        if !issuer_is(sig, primary) {
            continue;
        }
        match sig.typ() {
            Some(SignatureType::SubkeyBinding)
                if binding.is_none_or(|old| created(sig) >= created(old))
                    && sig.verify_subkey_binding(primary, sub).is_ok() =>
            {
                binding = Some(sig);
            }
            Some(SignatureType::SubkeyRevocation)
                if revoked.is_none() && sig.verify_subkey_binding(primary, sub).is_ok() =>
            {
                revoked = Some(revocation_reason(sig));
            }
            _ => {}
        }
    }
    let (signs, encrypts) = match binding {
        Some(sig) if has_key_flags(sig) => {
            let f = sig.key_flags();
            (f.sign(), flags_encrypt(&f))
        }
        Some(_) => (false, true),
        None => (false, false),
    };
    // A signing subkey must cross-certify the primary (embedded primary key binding).
    let back_signed = binding
        .and_then(Signature::embedded_signature)
        .is_some_and(|back| back.verify_primary_key_binding(sub, primary).is_ok());
    Component {
        fingerprint: sub.fingerprint(),
        key_id: sub.legacy_key_id(),
        algorithm: sub.algorithm(),
        created: s_created,
        expires: binding.and_then(|s| expiry(s_created, s)),
        bound: binding.is_some(),
        revoked,
        signs: signs && back_signed && algorithm_signs(sub.algorithm()),
        encrypts: encrypts && algorithm_encrypts(sub.public_params()),
    }
}

/// A correspondent's OpenPGP public key (e.g. a reporter's), read and judged once.
///
/// Reading checks the self-signatures; [`PublicKey::status`] then says whether the key may be
/// used at a given time, and [`crate::ProjectKey::encrypt_to`] refuses expired or revoked keys.
/// RSA keys are accepted: encrypting to them (and verifying their signatures) uses only the
/// public key, which does not expose the timing weakness of the `rsa` crate's private-key
/// operations.
#[derive(Clone)]
pub struct PublicKey {
    pub(crate) key: SignedPublicKey,
    pub(crate) eval: Evaluated,
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PublicKey")
            .field("fingerprint", &self.fingerprint())
            .field("user_ids", &self.eval.user_ids)
            .finish_non_exhaustive()
    }
}

impl PublicKey {
    /// Reads an ASCII-armored public key (`-----BEGIN PGP PUBLIC KEY BLOCK-----`); text
    /// around the block is ignored. Exactly one key is expected.
    pub fn from_armored(text: &str) -> Result<PublicKey, KeyError> {
        check_size(text.len())?;
        let bytes = text.as_bytes();
        if find_armor(bytes, "PGP PRIVATE KEY BLOCK").is_some() {
            return Err(KeyError::SecretKeyGiven);
        }
        let Some(start) = find_armor(bytes, "PGP PUBLIC KEY BLOCK") else {
            return Err(unreadable(
                "no -----BEGIN PGP PUBLIC KEY BLOCK----- line found".into(),
            ));
        };
        let (keys, _) = SignedPublicKey::from_armor_many(&bytes[start..])
            .map_err(|e| unreadable(e.to_string()))?;
        let keys = keys
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| unreadable(e.to_string()))?;
        PublicKey::from_keys(keys)
    }

    /// Reads a binary transferable public key (as served by WKD or `gpg --export`).
    pub fn from_binary(data: &[u8]) -> Result<PublicKey, KeyError> {
        check_size(data.len())?;
        match first_packet_tag(data) {
            Some(tag) if is_secret_key_tag(tag) => return Err(KeyError::SecretKeyGiven),
            Some(6) => {}
            Some(tag) => {
                return Err(unreadable(format!(
                    "the data starts with packet type {tag}, not a public key (6)"
                )));
            }
            None => {
                return Err(unreadable(
                    "the data is not binary OpenPGP (for armored text use from_armored)".into(),
                ));
            }
        }
        let keys = SignedPublicKey::from_bytes_many(data)
            .map_err(|e| unreadable(e.to_string()))?
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| unreadable(e.to_string()))?;
        PublicKey::from_keys(keys)
    }

    /// Reads either form: armored if the data contains an armor header, binary otherwise.
    pub fn from_bytes(data: &[u8]) -> Result<PublicKey, KeyError> {
        if has_armor(data) {
            let text = std::str::from_utf8(data)
                .map_err(|e| unreadable(format!("armored key is not UTF-8: {e}")))?;
            PublicKey::from_armored(text)
        } else {
            PublicKey::from_binary(data)
        }
    }

    fn from_keys(mut keys: Vec<SignedPublicKey>) -> Result<PublicKey, KeyError> {
        if keys.len() > 1 {
            return Err(unreadable(format!(
                "{} keys found; give exactly one",
                keys.len()
            )));
        }
        let Some(key) = keys.pop() else {
            return Err(unreadable("no key found".into()));
        };
        PublicKey::from_signed(key)
    }

    pub(crate) fn from_signed(key: SignedPublicKey) -> Result<PublicKey, KeyError> {
        if key.primary_key.version() != KeyVersion::V4
            && key.primary_key.version() != KeyVersion::V6
        {
            return Err(KeyError::UnsupportedAlgorithm(format!(
                "OpenPGP {:?} keys are obsolete; a v4 or v6 key is needed",
                key.primary_key.version()
            )));
        }
        let subs: Vec<(&PublicSubkey, &[Signature])> = key
            .public_subkeys
            .iter()
            .map(|s| (&s.key, s.signatures.as_slice()))
            .collect();
        let eval = evaluate(&key.primary_key, &key.details, &subs);
        if !eval.primary.bound {
            return Err(unreadable(format!(
                "the key {} has no valid self-signature (it may have been altered)",
                fp_hex(&eval.primary.fingerprint)
            )));
        }
        Ok(PublicKey { key, eval })
    }

    /// The primary key's fingerprint: upper-case hex without spaces (40 digits for v4 keys,
    /// 64 for v6), as `gpg --with-colons` prints it.
    pub fn fingerprint(&self) -> String {
        fp_hex(&self.eval.primary.fingerprint)
    }

    /// The primary key's 64-bit key ID, upper-case hex.
    pub fn key_id(&self) -> String {
        key_id_hex(&self.eval.primary.key_id)
    }

    /// User IDs backed by a valid self-signature and not revoked, the primary one first.
    pub fn user_ids(&self) -> &[String] {
        &self.eval.user_ids
    }

    /// The e-mail addresses in the valid user IDs (`Name <addr>` or a bare `addr`), lower-cased.
    pub fn emails(&self) -> Vec<String> {
        self.eval
            .user_ids
            .iter()
            .filter_map(|u| email_of(u))
            .collect()
    }

    /// The primary key's algorithm, e.g. `EdDSALegacy` or `RSA`.
    pub fn algorithm(&self) -> String {
        format!("{:?}", self.eval.primary.algorithm)
    }

    /// When the primary key was created.
    pub fn created(&self) -> jiff::Timestamp {
        jiff_time(self.eval.primary.created)
    }

    /// When the primary key expires, if it does.
    pub fn expires_at(&self) -> Option<jiff::Timestamp> {
        self.eval.primary.expires.map(jiff_time)
    }

    /// The reason of the key's revocation, if its holder revoked it.
    pub fn revocation(&self) -> Option<&str> {
        self.eval.primary.revoked.as_deref()
    }

    /// Whether the key can be used at `now`.
    pub fn status(&self, now: jiff::Timestamp) -> KeyStatus {
        if let Some(reason) = &self.eval.primary.revoked {
            return KeyStatus::Revoked {
                reason: reason.clone(),
            };
        }
        match self.eval.primary.expires {
            Some(e) if i64::from(e) <= now.as_second() => KeyStatus::Expired { at: jiff_time(e) },
            _ => KeyStatus::Usable,
        }
    }

    /// Whether the key has an encryption-capable (sub)key with a valid binding, not revoked,
    /// using an algorithm rPGP can encrypt to. Expiry is not considered here: see
    /// [`PublicKey::can_encrypt_at`].
    pub fn can_encrypt(&self) -> bool {
        self.encryption_components()
            .any(|c| c.bound && c.revoked.is_none())
    }

    /// Whether a message could be encrypted to this key at `now` (key usable, and an
    /// encryption (sub)key that is bound, unrevoked and unexpired).
    pub fn can_encrypt_at(&self, now: jiff::Timestamp) -> bool {
        self.status(now) == KeyStatus::Usable && self.encryption_keys_at(now).is_ok()
    }

    /// The ASCII-armored key, as read (third-party certifications included).
    pub fn armored(&self) -> Result<String, KeyError> {
        self.key
            .to_armored_string(ArmorOptions::default())
            .map_err(|e| KeyError::Openpgp(e.to_string()))
    }

    /// The binary key, as read.
    pub fn binary(&self) -> Result<Vec<u8>, KeyError> {
        self.key
            .to_bytes()
            .map_err(|e| KeyError::Openpgp(e.to_string()))
    }

    /// The binary key to answer a Web Key Directory request for `address`: only the user IDs
    /// carrying that address (compared case-insensitively) are kept. Errors if none does.
    pub fn wkd_binary(&self, address: &str) -> Result<Vec<u8>, KeyError> {
        let wanted = address.trim().to_ascii_lowercase();
        let mut key = self.key.clone();
        key.details
            .users
            .retain(|u| email_of(&String::from_utf8_lossy(u.id.id())).as_deref() == Some(&wanted));
        if key.details.users.is_empty() {
            return Err(KeyError::Unreadable {
                what: "the key for the Web Key Directory",
                reason: format!("no user ID of {} carries {address:?}", self.fingerprint()),
            });
        }
        key.to_bytes().map_err(|e| KeyError::Openpgp(e.to_string()))
    }

    fn encryption_components(&self) -> impl Iterator<Item = &Component> {
        std::iter::once(&self.eval.primary)
            .chain(self.eval.subkeys.iter())
            .filter(|c| c.encrypts)
    }

    /// Indices of the encryption keys usable at `now`: `None` for the primary key,
    /// `Some(i)` for subkey `i`. Errors name why there is none.
    pub(crate) fn encryption_keys_at(
        &self,
        now: jiff::Timestamp,
    ) -> Result<Vec<Option<usize>>, KeyError> {
        let now_s = u32::try_from(now.as_second()).unwrap_or(u32::MAX);
        let mut out = Vec::new();
        if self.eval.primary.encrypts && self.eval.primary.usable_at(now_s) {
            out.push(None);
        }
        for (i, c) in self.eval.subkeys.iter().enumerate() {
            if c.encrypts && c.usable_at(now_s) {
                out.push(Some(i));
            }
        }
        if out.is_empty() {
            return Err(KeyError::NoEncryptionKey {
                fingerprint: self.fingerprint(),
                detail: self.why_no_encryption(now_s),
            });
        }
        Ok(out)
    }

    fn why_no_encryption(&self, now: u32) -> String {
        let all: Vec<&Component> = std::iter::once(&self.eval.primary)
            .chain(self.eval.subkeys.iter())
            .collect();
        let flagged: Vec<&&Component> = all.iter().filter(|c| c.bound).collect();
        if let Some(c) = flagged.iter().find(|c| c.encrypts && c.revoked.is_some()) {
            return format!("its encryption subkey {} is revoked", key_id_hex(&c.key_id));
        }
        if let Some(c) = flagged
            .iter()
            .find(|c| c.encrypts && c.expires.is_some_and(|e| e <= now))
        {
            return format!(
                "its encryption subkey {} expired at {}",
                key_id_hex(&c.key_id),
                jiff_time(c.expires.unwrap_or_default())
            );
        }
        let unsupported: Vec<String> = self
            .key
            .public_subkeys
            .iter()
            .filter(|s| {
                matches!(
                    s.key.algorithm(),
                    PublicKeyAlgorithm::Elgamal | PublicKeyAlgorithm::ElgamalEncrypt
                )
            })
            .map(|s| format!("{:?}", s.key.algorithm()))
            .collect();
        if !unsupported.is_empty() {
            return format!(
                "only {} encryption subkeys, which are not supported; ask for a key with a \
                 Curve25519 (cv25519) or RSA encryption subkey",
                unsupported.join(", ")
            );
        }
        "no subkey is bound with the \"encrypt\" flag".to_string()
    }
}

fn unreadable(reason: String) -> KeyError {
    KeyError::Unreadable {
        what: "the public key",
        reason,
    }
}

fn check_size(size: usize) -> Result<(), KeyError> {
    if size > MAX_KEY_BYTES {
        return Err(KeyError::Unreadable {
            what: "the key",
            reason: format!("{size} bytes is more than the {MAX_KEY_BYTES} accepted"),
        });
    }
    Ok(())
}

/// The address in a user ID: inside the last `<…>`, or the whole ID if it is a bare address.
pub(crate) fn email_of(user_id: &str) -> Option<String> {
    let candidate = match (user_id.rfind('<'), user_id.rfind('>')) {
        (Some(a), Some(b)) if a < b => &user_id[a + 1..b],
        _ => user_id.trim(),
    };
    let (local, domain) = candidate.split_once('@')?;
    if local.is_empty() || domain.is_empty() || candidate.contains(char::is_whitespace) {
        return None;
    }
    Some(candidate.to_ascii_lowercase())
}
