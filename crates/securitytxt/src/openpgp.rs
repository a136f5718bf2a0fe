//! OpenPGP signing and verification with rPGP (feature `sign`).
//!
//! Still pure: no clock (the caller passes the signature time), no OS randomness (key
//! generation takes a 32-byte seed from the caller), no files. Keys are Ed25519 (v4, so that
//! GnuPG 2.2 reads them); secret keys are kept passphrase-protected (OpenPGP S2K).

use std::fmt;

use pgp::composed::{
    ArmorOptions, Deserializable, DetachedSignature, EncryptionCaps, KeyType,
    SecretKeyParamsBuilder, SignedPublicKey, SignedSecretKey,
};
use pgp::crypto::hash::HashAlgorithm;
use pgp::packet::{SignatureConfig, SignatureType, Subpacket, SubpacketData};
use pgp::types::{KeyDetails, Password, Timestamp as PgpTime};
use rand_chacha::rand_core::SeedableRng;

use crate::pgp::{Signature, SignatureVerifier, Verification, signing_payload, wrap_signed};

/// Why a key could not be read, generated or used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignError {
    /// The text is not an OpenPGP key of the expected kind.
    #[error("the OpenPGP key could not be read: {0}")]
    Key(String),
    /// Signing failed, usually because the passphrase is wrong.
    #[error("signing failed (wrong passphrase?): {0}")]
    Sign(String),
    /// Key generation failed.
    #[error("OpenPGP key generation failed: {0}")]
    Generate(String),
    /// OpenPGP stores times as unsigned 32-bit seconds since 1970.
    #[error("{0} cannot be written as an OpenPGP time (1970 to 2106)")]
    Time(String),
}

fn pgp_time(at: jiff::Timestamp) -> Result<PgpTime, SignError> {
    u32::try_from(at.as_second())
        .map(PgpTime::from_secs)
        .map_err(|_| SignError::Time(at.to_string()))
}

/// A freshly generated signing key: store `secret_armored` (passphrase-protected) and publish
/// `public_armored`.
#[derive(Clone)]
pub struct GeneratedKey {
    /// The transferable secret key, ASCII-armored, its secret material encrypted with the
    /// passphrase (iterated and salted S2K).
    pub secret_armored: String,
    /// The transferable public key, ASCII-armored: serve it and point `Encryption` (or the
    /// policy page) at it.
    pub public_armored: String,
    /// The key's fingerprint, upper-case hex.
    pub fingerprint: String,
}

impl fmt::Debug for GeneratedKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GeneratedKey")
            .field("fingerprint", &self.fingerprint)
            .finish_non_exhaustive()
    }
}

/// Generates an Ed25519 signing key (OpenPGP v4, one primary key that certifies and signs)
/// for `user_id`, created at `created`, its secret part protected with `passphrase`.
///
/// `seed` must come from a cryptographically secure source (e.g. the OS); it seeds ChaCha20.
pub fn generate_signing_key(
    user_id: &str,
    passphrase: &str,
    created: jiff::Timestamp,
    seed: [u8; 32],
) -> Result<GeneratedKey, SignError> {
    if passphrase.is_empty() {
        return Err(SignError::Generate(
            "a passphrase is required: the secret key is stored encrypted".into(),
        ));
    }
    let rng = rand_chacha::ChaCha20Rng::from_seed(seed);
    let params = SecretKeyParamsBuilder::default()
        .key_type(KeyType::Ed25519Legacy)
        .can_certify(true)
        .can_sign(true)
        .can_encrypt(EncryptionCaps::None)
        .primary_user_id(user_id.to_string())
        .created_at(pgp_time(created)?)
        .passphrase(Some(passphrase.to_string()))
        .preferred_hash_algorithms([HashAlgorithm::Sha512, HashAlgorithm::Sha256][..].into())
        .build()
        .map_err(|e| SignError::Generate(e.to_string()))?;
    let key = params
        .generate(rng)
        .map_err(|e| SignError::Generate(e.to_string()))?;
    let secret_armored = key
        .to_armored_string(ArmorOptions::default())
        .map_err(|e| SignError::Generate(e.to_string()))?;
    let public_armored = key
        .to_public_key()
        .to_armored_string(ArmorOptions::default())
        .map_err(|e| SignError::Generate(e.to_string()))?;
    Ok(GeneratedKey {
        secret_armored,
        public_armored,
        fingerprint: format!("{:X}", key.fingerprint()),
    })
}

/// A project's signing key, read from its armored (passphrase-protected) secret key.
#[derive(Clone)]
pub struct SigningKey {
    key: SignedSecretKey,
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningKey")
            .field("fingerprint", &self.fingerprint())
            .finish_non_exhaustive()
    }
}

impl SigningKey {
    /// Reads an ASCII-armored transferable secret key.
    pub fn from_armored(armored: &str) -> Result<SigningKey, SignError> {
        let (key, _) =
            SignedSecretKey::from_string(armored).map_err(|e| SignError::Key(e.to_string()))?;
        Ok(SigningKey { key })
    }

    /// The primary key's fingerprint, upper-case hex.
    pub fn fingerprint(&self) -> String {
        format!("{:X}", self.key.fingerprint())
    }

    /// The matching public key, ASCII-armored.
    pub fn public_armored(&self) -> Result<String, SignError> {
        self.key
            .to_public_key()
            .to_armored_string(ArmorOptions::default())
            .map_err(|e| SignError::Key(e.to_string()))
    }

    /// Signs `text` (an unsigned security.txt, e.g. from [`crate::render`]) and returns the
    /// OpenPGP cleartext-signed file (RFC 4880 §7, SHA-512, signature time `at`), which
    /// GnuPG's `gpg --verify` accepts.
    ///
    /// Uses a signing-capable secret subkey if the key has one, else the primary key.
    pub fn sign(
        &self,
        text: &str,
        passphrase: &str,
        at: jiff::Timestamp,
    ) -> Result<String, SignError> {
        let payload = signing_payload(text);
        let created = pgp_time(at)?;
        let pw = Password::from(passphrase);
        let sub = self
            .key
            .secret_subkeys
            .iter()
            .find(|s| s.signatures.iter().any(|sig| sig.key_flags().sign()));
        let signature = match sub {
            Some(s) => detached(&s.key, &pw, created, &payload)?,
            None => detached(&self.key.primary_key, &pw, created, &payload)?,
        };
        let armored = signature
            .to_armored_string(ArmorOptions::default())
            .map_err(|e| SignError::Sign(e.to_string()))?;
        Ok(wrap_signed(text, "SHA512", &armored))
    }
}

fn detached(
    key: &impl pgp::types::SigningKey,
    pw: &Password,
    created: PgpTime,
    payload: &str,
) -> Result<DetachedSignature, SignError> {
    let err = |e: pgp::errors::Error| SignError::Sign(e.to_string());
    let mut config =
        SignatureConfig::v4(SignatureType::Text, key.algorithm(), HashAlgorithm::Sha512);
    config.hashed_subpackets = vec![
        Subpacket::regular(SubpacketData::SignatureCreationTime(created)).map_err(err)?,
        Subpacket::regular(SubpacketData::IssuerFingerprint(key.fingerprint())).map_err(err)?,
    ];
    config.unhashed_subpackets =
        vec![Subpacket::regular(SubpacketData::IssuerKeyId(key.legacy_key_id())).map_err(err)?];
    let sig = config.sign(key, pw, payload.as_bytes()).map_err(err)?;
    Ok(DetachedSignature::new(sig))
}

/// Verifies cleartext signatures against a set of public keys (e.g. `--key FILE`).
#[derive(Clone)]
pub struct KeyringVerifier {
    keys: Vec<SignedPublicKey>,
}

impl fmt::Debug for KeyringVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let fps: Vec<String> = self
            .keys
            .iter()
            .map(|k| format!("{:X}", k.fingerprint()))
            .collect();
        f.debug_struct("KeyringVerifier")
            .field("keys", &fps)
            .finish()
    }
}

impl KeyringVerifier {
    /// Reads one or more public keys: ASCII-armored (`-----BEGIN PGP PUBLIC KEY BLOCK-----`,
    /// several blocks allowed) or binary. A secret key contributes its public part.
    pub fn from_bytes(data: &[u8]) -> Result<KeyringVerifier, SignError> {
        let mut keys = Vec::new();
        let text = std::str::from_utf8(data).ok();
        let armored = text.is_some_and(|t| t.trim_start().starts_with("-----BEGIN PGP"));
        if let (true, Some(text)) = (armored, text) {
            if text.contains("PRIVATE KEY BLOCK") {
                let (key, _) = SignedSecretKey::from_string(text)
                    .map_err(|e| SignError::Key(e.to_string()))?;
                keys.push(key.to_public_key());
            } else {
                let (iter, _) = SignedPublicKey::from_string_many(text)
                    .map_err(|e| SignError::Key(e.to_string()))?;
                for key in iter {
                    keys.push(key.map_err(|e| SignError::Key(e.to_string()))?);
                }
            }
        } else {
            for key in
                SignedPublicKey::from_bytes_many(data).map_err(|e| SignError::Key(e.to_string()))?
            {
                keys.push(key.map_err(|e| SignError::Key(e.to_string()))?);
            }
        }
        if keys.is_empty() {
            return Err(SignError::Key("no public key found".into()));
        }
        Ok(KeyringVerifier { keys })
    }

    /// Fingerprints of the keys, upper-case hex.
    pub fn fingerprints(&self) -> Vec<String> {
        self.keys
            .iter()
            .map(|k| format!("{:X}", k.fingerprint()))
            .collect()
    }

    fn verifies(&self, sig: &DetachedSignature, data: &[u8]) -> bool {
        self.keys.iter().any(|key| {
            sig.verify(key, data).is_ok()
                || key
                    .public_subkeys
                    .iter()
                    .any(|sub| sig.verify(&sub.key, data).is_ok())
        })
    }

    fn knows_issuer(&self, sig: &DetachedSignature) -> bool {
        let fps = sig.signature.issuer_fingerprint();
        let ids = sig.signature.issuer_key_id();
        if fps.is_empty() && ids.is_empty() {
            return true;
        }
        self.keys.iter().any(|key| {
            let mine = |fp: pgp::types::Fingerprint, id: pgp::types::KeyId| {
                fps.iter().any(|f| **f == fp) || ids.iter().any(|i| **i == id)
            };
            mine(key.fingerprint(), key.legacy_key_id())
                || key
                    .public_subkeys
                    .iter()
                    .any(|s| mine(s.key.fingerprint(), s.key.legacy_key_id()))
        })
    }
}

impl SignatureVerifier for KeyringVerifier {
    fn verify(&self, signature: &Signature) -> Verification {
        let sigs: Vec<DetachedSignature> =
            match DetachedSignature::from_string_many(&signature.armored) {
                Ok((iter, _)) => iter.filter_map(Result::ok).collect(),
                Err(e) => return Verification::Unverifiable(format!("unreadable signature: {e}")),
            };
        if sigs.is_empty() {
            return Verification::Unverifiable("no signature packet could be read".into());
        }
        let data = signature.signed_data();
        if sigs.iter().any(|s| self.verifies(s, data.as_bytes())) {
            return Verification::Verified;
        }
        if !sigs.iter().any(|s| self.knows_issuer(s)) {
            return Verification::Bad(format!(
                "the signature was made by a key other than the supplied {}",
                self.fingerprints().join(", ")
            ));
        }
        Verification::Bad(
            "the signed text was changed after signing, or the signature is corrupt".into(),
        )
    }
}
