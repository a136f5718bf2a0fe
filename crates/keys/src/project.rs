//! The project's own key pair: generation, import, protection at rest, signing, encrypting
//! replies and decrypting incoming mail.

use std::fmt;

use pgp::composed::{
    ArmorOptions, CleartextSignedMessage, Deserializable, DummyReader, Encryption,
    EncryptionSeipdV1, EncryptionSeipdV2, KeyType, MessageBuilder, SignedKeyDetails,
    SignedPublicKey, SignedSecretKey, SignedSecretSubKey, SubpacketConfig,
};
use pgp::crypto::aead::{AeadAlgorithm, ChunkSize};
use pgp::crypto::ecc_curve::ECCCurve;
use pgp::crypto::hash::HashAlgorithm;
use pgp::crypto::public_key::PublicKeyAlgorithm;
use pgp::crypto::sym::SymmetricKeyAlgorithm;
use pgp::packet::{
    self, Features, KeyFlags, PubKeyInner, SignatureConfig, SignatureType, Subpacket,
    SubpacketData, UserId,
};
use pgp::types::{
    CompressionAlgorithm, EncryptionKey, KeyDetails, KeyVersion, Password, S2kParams, SecretParams,
    SignedUser, SigningKey, StringToKey, Tag, Timestamp as PgpTime,
};

use crate::KeyError;
use crate::entropy::{Entropy, Rng};
use crate::message::{self, Decrypted};
use crate::public::{Evaluated, KeyStatus, MAX_KEY_BYTES, PublicKey, evaluate};
use crate::util::{find_armor, fp_hex, key_id_hex, pgp_time};

/// The hash used for every signature the project key makes.
const HASH: HashAlgorithm = HashAlgorithm::Sha512;

/// Which secret key makes the project's signatures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SignWith {
    Primary,
    Subkey(usize),
}

/// A project's OpenPGP key pair, its secret parts unlocked in memory.
///
/// Made by [`ProjectKey::generate`] (an Ed25519 primary key that certifies and signs, plus a
/// Curve25519 ECDH encryption subkey; OpenPGP v4, so that GnuPG 2.2 and later read it; no
/// expiry — rotate by generating a new key) or [`ProjectKey::import`]ed from an existing
/// secret key. Stored with [`ProjectKey::to_protected_armored`] (secret parts encrypted under
/// a passphrase, OpenPGP S2K) and read back with [`ProjectKey::from_protected_armored`].
///
/// `Debug` shows only the fingerprint.
#[derive(Clone)]
pub struct ProjectKey {
    key: SignedSecretKey,
    public: PublicKey,
    sign_with: SignWith,
}

impl fmt::Debug for ProjectKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProjectKey")
            .field("fingerprint", &self.fingerprint())
            .finish_non_exhaustive()
    }
}

fn op(e: pgp::errors::Error) -> KeyError {
    KeyError::Openpgp(e.to_string())
}

fn subpacket(data: SubpacketData) -> Result<Subpacket, KeyError> {
    Subpacket::regular(data).map_err(op)
}

impl ProjectKey {
    /// Generates a key pair for `user_id` (e.g. `"OctoPrint security <security@octoprint.org>"`)
    /// created at `created` (which also dates the self-signatures): an Ed25519 primary key
    /// (certify + sign) and a Curve25519 ECDH subkey (encrypt communications and storage),
    /// OpenPGP v4, no expiry. The key prefers AES-256, SHA-512 and ZLIB, and announces both
    /// SEIPD v1 (what GnuPG sends) and v2.
    ///
    /// The same `created` and the same random stream give the same key.
    pub fn generate(
        user_id: &str,
        created: jiff::Timestamp,
        entropy: &mut dyn Entropy,
    ) -> Result<ProjectKey, KeyError> {
        let user_id = user_id.trim();
        if user_id.is_empty() || user_id.contains(['\r', '\n']) {
            return Err(KeyError::BadUserId(user_id.to_string()));
        }
        let mut rng = Rng(entropy);
        let created = pgp_time(created)?;
        let no_pw = Password::empty();

        let (params, secret) = KeyType::Ed25519Legacy.generate(&mut rng).map_err(op)?;
        let inner = PubKeyInner::new(
            KeyVersion::V4,
            PublicKeyAlgorithm::EdDSALegacy,
            created,
            None,
            params,
        )
        .map_err(op)?;
        let primary_pub = packet::PublicKey::from_inner(inner).map_err(op)?;
        let primary = packet::SecretKey::new(primary_pub.clone(), secret).map_err(op)?;

        let (params, secret) = KeyType::ECDH(ECCCurve::Curve25519Legacy)
            .generate(&mut rng)
            .map_err(op)?;
        let inner = PubKeyInner::new(
            KeyVersion::V4,
            PublicKeyAlgorithm::ECDH,
            created,
            None,
            params,
        )
        .map_err(op)?;
        let sub_pub = packet::PublicSubkey::from_inner(inner).map_err(op)?;
        let sub = packet::SecretSubkey::new(sub_pub.clone(), secret).map_err(op)?;

        let uid = UserId::from_str(Default::default(), user_id).map_err(op)?;
        let mut primary_flags = KeyFlags::default();
        primary_flags.set_certify(true);
        primary_flags.set_sign(true);
        let mut features = Features::default();
        features.set_seipd_v1(true);
        features.set_seipd_v2(true);
        let mut cert = SignatureConfig::v4(
            SignatureType::CertPositive,
            PublicKeyAlgorithm::EdDSALegacy,
            HASH,
        );
        cert.hashed_subpackets = vec![
            subpacket(SubpacketData::SignatureCreationTime(created))?,
            subpacket(SubpacketData::IssuerFingerprint(primary_pub.fingerprint()))?,
            subpacket(SubpacketData::KeyFlags(primary_flags))?,
            subpacket(SubpacketData::Features(features))?,
            subpacket(SubpacketData::PreferredSymmetricAlgorithms(
                [SymmetricKeyAlgorithm::AES256, SymmetricKeyAlgorithm::AES128][..].into(),
            ))?,
            subpacket(SubpacketData::PreferredHashAlgorithms(
                [HashAlgorithm::Sha512, HashAlgorithm::Sha256][..].into(),
            ))?,
            subpacket(SubpacketData::PreferredCompressionAlgorithms(
                [
                    CompressionAlgorithm::ZLIB,
                    CompressionAlgorithm::ZIP,
                    CompressionAlgorithm::Uncompressed,
                ][..]
                    .into(),
            ))?,
            subpacket(SubpacketData::PreferredAeadAlgorithms(
                [(SymmetricKeyAlgorithm::AES256, AeadAlgorithm::Ocb)][..].into(),
            ))?,
            subpacket(SubpacketData::IsPrimary(true))?,
        ];
        cert.unhashed_subpackets = vec![subpacket(SubpacketData::IssuerKeyId(
            primary_pub.legacy_key_id(),
        ))?];
        let cert = cert
            .sign_certification(&primary, &primary_pub, &no_pw, Tag::UserId, &uid)
            .map_err(op)?;

        let mut sub_flags = KeyFlags::default();
        sub_flags.set_encrypt_comms(true);
        sub_flags.set_encrypt_storage(true);
        let mut binding = SignatureConfig::v4(
            SignatureType::SubkeyBinding,
            PublicKeyAlgorithm::EdDSALegacy,
            HASH,
        );
        binding.hashed_subpackets = vec![
            subpacket(SubpacketData::SignatureCreationTime(created))?,
            subpacket(SubpacketData::IssuerFingerprint(primary_pub.fingerprint()))?,
            subpacket(SubpacketData::KeyFlags(sub_flags))?,
        ];
        binding.unhashed_subpackets = vec![subpacket(SubpacketData::IssuerKeyId(
            primary_pub.legacy_key_id(),
        ))?];
        let binding = binding
            .sign_subkey_binding(&primary, &primary_pub, &no_pw, &sub_pub)
            .map_err(op)?;

        let key = SignedSecretKey::new(
            primary,
            SignedKeyDetails::new(
                vec![],
                vec![],
                vec![SignedUser::new(uid, vec![cert])],
                vec![],
            ),
            vec![],
            vec![SignedSecretSubKey::new(sub, vec![binding])],
        );
        ProjectKey::from_unlocked(key)
    }

    /// Imports an existing ASCII-armored secret key (`gpg --export-secret-keys --armor`),
    /// unlocking it with `passphrase` if it is protected.
    ///
    /// Checks that the key can sign (the primary key, or a subkey bound with the sign flag and
    /// a back-signature) and has an encryption-capable subkey, is not revoked, and uses only
    /// Ed25519/Ed448/ECDSA/ECDH/X25519/X448: RSA, DSA and ElGamal secret keys are refused
    /// because their implementations are not constant-time. Errors name what is missing.
    ///
    /// A key whose primary secret part is kept offline (`gpg --export-secret-subkeys`) is
    /// accepted when a signing subkey and an encryption subkey are present: it signs with the
    /// subkey. The stubs are kept as they are when stored and exported again.
    pub fn import(armored: &str, passphrase: Option<&str>) -> Result<ProjectKey, KeyError> {
        let mut key = read_secret(armored)?;
        let pw = passphrase.map(Password::from);
        unlock(&mut key, pw.as_ref())?;
        ProjectKey::from_unlocked(key)
    }

    /// Reads a key stored by [`ProjectKey::to_protected_armored`]. Refuses a stored key whose
    /// secret parts are not protected (the store must never hold them in the clear).
    pub fn from_protected_armored(text: &str, passphrase: &str) -> Result<ProjectKey, KeyError> {
        if passphrase.is_empty() {
            return Err(KeyError::EmptyPassphrase);
        }
        let mut key = read_secret(text)?;
        let all_protected = key.primary_key.secret_params().is_encrypted()
            && key
                .secret_subkeys
                .iter()
                .all(|s| s.key.secret_params().is_encrypted());
        if !all_protected {
            return Err(KeyError::Unreadable {
                what: "the stored secret key",
                reason: "its secret parts are not passphrase-protected".into(),
            });
        }
        unlock(&mut key, Some(&Password::from(passphrase)))?;
        ProjectKey::from_unlocked(key)
    }

    fn from_unlocked(key: SignedSecretKey) -> Result<ProjectKey, KeyError> {
        let fingerprint = fp_hex(&key.primary_key.fingerprint());
        check_algorithms(&key)?;
        let subs: Vec<(&packet::PublicSubkey, &[packet::Signature])> = key
            .secret_subkeys
            .iter()
            .map(|s| (s.key.public_key(), s.signatures.as_slice()))
            .collect();
        let eval: Evaluated = evaluate(key.primary_key.public_key(), &key.details, &subs);
        if !eval.primary.bound {
            return Err(KeyError::Unreadable {
                what: "the project's secret key",
                reason: format!("the key {fingerprint} has no valid self-signature"),
            });
        }
        if let Some(reason) = &eval.primary.revoked {
            return Err(KeyError::KeyRevoked {
                fingerprint,
                reason: reason.clone(),
            });
        }
        // Parts exported as GnuPG stubs (offline primary key, smartcard) cannot be used.
        let primary_here = !is_stub(key.primary_key.secret_params());
        let sub_here: Vec<bool> = key
            .secret_subkeys
            .iter()
            .map(|s| !is_stub(s.key.secret_params()))
            .collect();
        let here = |i: usize| sub_here.get(i).copied().unwrap_or(false);
        let sign_with = if eval.primary.signs && primary_here {
            SignWith::Primary
        } else if let Some(i) = (0..eval.subkeys.len())
            .find(|&i| eval.subkeys[i].signs && eval.subkeys[i].revoked.is_none() && here(i))
        {
            SignWith::Subkey(i)
        } else {
            let detail = if eval.primary.signs || eval.subkeys.iter().any(|c| c.signs) {
                "the secret part of its signing key is not in this export (offline primary key \
                 or smartcard?)"
            } else {
                "the primary key lacks the sign flag and no subkey is bound for signing"
            };
            return Err(KeyError::NoSigningKey {
                fingerprint,
                detail: detail.into(),
            });
        };
        let encrypts = |i: usize| {
            let c = &eval.subkeys[i];
            c.encrypts && c.bound && c.revoked.is_none()
        };
        if !(0..eval.subkeys.len()).any(|i| encrypts(i) && here(i)) {
            let detail = if (0..eval.subkeys.len()).any(encrypts) {
                "the secret part of its encryption subkey is not in this export (smartcard?)"
            } else {
                "no secret subkey is bound with the encrypt flag (add one with \
                 `gpg --quick-add-key FINGERPRINT cv25519 encr`)"
            };
            return Err(KeyError::NoEncryptionKey {
                fingerprint,
                detail: detail.into(),
            });
        }
        let public = PublicKey {
            key: key.to_public_key(),
            eval,
        };
        Ok(ProjectKey {
            key,
            public,
            sign_with,
        })
    }

    /// The secret key, ASCII-armored, every secret part encrypted under `passphrase`
    /// (OpenPGP v4 S2K: iterated and salted SHA-256, AES-256, as GnuPG reads it). The caller
    /// derives the passphrase from the instance secret; `entropy` supplies salts and IVs.
    /// `gpg --import` accepts it with that passphrase, so maintainers can take the key out.
    pub fn to_protected_armored(
        &self,
        passphrase: &str,
        entropy: &mut dyn Entropy,
    ) -> Result<String, KeyError> {
        if passphrase.is_empty() {
            return Err(KeyError::EmptyPassphrase);
        }
        let mut rng = Rng(entropy);
        let pw = Password::from(passphrase);
        let mut key = self.key.clone();
        if !is_stub(key.primary_key.secret_params()) {
            let s2k = S2kParams::new_default(&mut rng, key.primary_key.version());
            key.primary_key
                .set_password_with_s2k(&pw, s2k)
                .map_err(op)?;
        }
        for sub in &mut key.secret_subkeys {
            if !is_stub(sub.key.secret_params()) {
                let s2k = S2kParams::new_default(&mut rng, sub.key.version());
                sub.key.set_password_with_s2k(&pw, s2k).map_err(op)?;
            }
        }
        key.to_armored_string(ArmorOptions::default()).map_err(op)
    }

    /// The primary key's fingerprint: upper-case hex without spaces, as `gpg --with-colons`
    /// prints it (and as `gpg -r` accepts it).
    pub fn fingerprint(&self) -> String {
        self.public.fingerprint()
    }

    /// The user IDs, primary first.
    pub fn user_ids(&self) -> &[String] {
        self.public.user_ids()
    }

    /// The public half, as a [`PublicKey`] (e.g. to check status or list e-mail addresses).
    pub fn public_key(&self) -> &PublicKey {
        &self.public
    }

    /// The transferable public key, ASCII-armored: serve it at `/p/{slug}/pgp-key.asc` and
    /// point security.txt's `Encryption:` at it.
    pub fn public_armored(&self) -> Result<String, KeyError> {
        self.public.armored()
    }

    /// The transferable public key, binary: the body of a WKD response
    /// (`application/octet-stream`).
    pub fn public_binary(&self) -> Result<Vec<u8>, KeyError> {
        self.public.binary()
    }

    /// The binary key answering a Web Key Directory request for `address` (only the user
    /// IDs with that address). See [`crate::wkd`] for the paths.
    pub fn wkd_key(&self, address: &str) -> Result<Vec<u8>, KeyError> {
        self.public.wkd_binary(address)
    }

    /// Key IDs (upper-case hex) of the primary key and every subkey.
    pub fn key_ids(&self) -> Vec<String> {
        std::iter::once(key_id_hex(&self.key.primary_key.legacy_key_id()))
            .chain(
                self.key
                    .secret_subkeys
                    .iter()
                    .map(|s| key_id_hex(&s.key.legacy_key_id())),
            )
            .collect()
    }

    fn signing_key(&self) -> &dyn SigningKey {
        match self.sign_with {
            SignWith::Subkey(i) => match self.key.secret_subkeys.get(i) {
                Some(s) => &s.key,
                None => &self.key.primary_key,
            },
            SignWith::Primary => &self.key.primary_key,
        }
    }

    fn signature_config(
        &self,
        typ: SignatureType,
        at: PgpTime,
    ) -> Result<SignatureConfig, KeyError> {
        let key = self.signing_key();
        let mut config = SignatureConfig::v4(typ, key.algorithm(), HASH);
        config.hashed_subpackets = vec![
            subpacket(SubpacketData::SignatureCreationTime(at))?,
            subpacket(SubpacketData::IssuerFingerprint(key.fingerprint()))?,
        ];
        config.unhashed_subpackets =
            vec![subpacket(SubpacketData::IssuerKeyId(key.legacy_key_id()))?];
        Ok(config)
    }

    /// A detached binary-mode signature (SHA-512, made at `at`) over `data`, ASCII-armored
    /// (`-----BEGIN PGP SIGNATURE-----`): the `application/pgp-signature` part of an RFC 3156
    /// `multipart/signed` message, whose first part (headers included, CRLF line endings) is
    /// `data`.
    pub fn sign_detached(&self, data: &[u8], at: jiff::Timestamp) -> Result<String, KeyError> {
        let config = self.signature_config(SignatureType::Binary, pgp_time(at)?)?;
        let sig = config
            .sign(&Box::new(self.signing_key()), &Password::empty(), data)
            .map_err(op)?;
        pgp::composed::DetachedSignature::new(sig)
            .to_armored_string(ArmorOptions::default())
            .map_err(op)
    }

    /// An inline cleartext-signed message (`-----BEGIN PGP SIGNED MESSAGE-----`, SHA-512,
    /// made at `at`) of `text`.
    pub fn sign_cleartext(&self, text: &str, at: jiff::Timestamp) -> Result<String, KeyError> {
        let config = self.signature_config(SignatureType::Text, pgp_time(at)?)?;
        let msg = CleartextSignedMessage::new(
            text,
            config,
            &Box::new(self.signing_key()),
            &Password::empty(),
        )
        .map_err(op)?;
        msg.to_armored_string(ArmorOptions::default()).map_err(op)
    }

    /// Encrypts `plaintext` to `recipient` AND to this project key (so maintainers can read
    /// the mail they sent), optionally signed by the project key at `now`; returns the
    /// ASCII-armored message.
    ///
    /// Refuses a recipient key that is revoked or expired at `now`, or has no usable
    /// encryption subkey. Uses SEIPD v1 with AES-256 (what GnuPG 2.2 and later read), or SEIPD
    /// v2 (AES-256, OCB) when the recipient has a v6 key; no compression. For PGP/MIME, pass a
    /// whole MIME entity (headers, blank line, body) as `plaintext` and wrap the result with
    /// [`crate::pgp_mime_encrypted`].
    pub fn encrypt_to(
        &self,
        recipient: &PublicKey,
        plaintext: &[u8],
        sign: bool,
        now: jiff::Timestamp,
        entropy: &mut dyn Entropy,
    ) -> Result<String, KeyError> {
        match recipient.status(now) {
            KeyStatus::Usable => {}
            KeyStatus::Expired { at } => {
                return Err(KeyError::KeyExpired {
                    fingerprint: recipient.fingerprint(),
                    at,
                });
            }
            KeyStatus::Revoked { reason } => {
                return Err(KeyError::KeyRevoked {
                    fingerprint: recipient.fingerprint(),
                    reason,
                });
            }
        }
        let theirs = recipient.encryption_keys_at(now)?;
        let ours = self.public.encryption_keys_at(now)?;
        let at = pgp_time(now)?;
        let mut rng = Rng(entropy);

        let signing_key = self.signing_key();
        let subpackets = || -> Result<SubpacketConfig, KeyError> {
            Ok(SubpacketConfig::UserDefined {
                hashed: vec![
                    subpacket(SubpacketData::SignatureCreationTime(at))?,
                    subpacket(SubpacketData::IssuerFingerprint(signing_key.fingerprint()))?,
                ],
                unhashed: vec![subpacket(SubpacketData::IssuerKeyId(
                    signing_key.legacy_key_id(),
                ))?],
            })
        };
        let data = plaintext.to_vec();
        let targets = [(&recipient.key, &theirs), (&self.public.key, &ours)];
        let sign_with = if sign {
            Some((signing_key, subpackets()?))
        } else {
            None
        };
        if recipient.key.primary_key.version() == KeyVersion::V6 {
            let builder = MessageBuilder::from_bytes("", data).seipd_v2(
                &mut rng,
                SymmetricKeyAlgorithm::AES256,
                AeadAlgorithm::Ocb,
                ChunkSize::default(),
            );
            finish(builder, &targets, sign_with, &mut rng)
        } else {
            let builder = MessageBuilder::from_bytes("", data)
                .seipd_v1(&mut rng, SymmetricKeyAlgorithm::AES256);
            finish(builder, &targets, sign_with, &mut rng)
        }
    }

    /// Decrypts an incoming message — armored (an inline `-----BEGIN PGP MESSAGE-----` block,
    /// found anywhere in the text) or binary (a PGP/MIME `application/octet-stream` part once
    /// its transfer encoding is undone) — and checks a signature inside it against
    /// `known_senders` (may be empty).
    ///
    /// Accepts SEIPD v1 and v2 and GnuPG's OCB packets; refuses unprotected (no integrity
    /// check) encryption. The input is limited to [`crate::MAX_MESSAGE_BYTES`] and the
    /// decrypted, decompressed content to [`crate::MAX_PLAINTEXT_BYTES`].
    pub fn decrypt(
        &self,
        message: &[u8],
        known_senders: &[PublicKey],
    ) -> Result<Decrypted, KeyError> {
        message::decrypt(&self.key, self.key_ids(), message, known_senders)
    }
}

/// The two kinds of encrypting message builder (SEIPD v1 and v2) seen alike.
trait Recipients {
    fn add(&mut self, rng: &mut Rng<'_>, key: &impl EncryptionKey) -> pgp::errors::Result<()>;
}

impl Recipients for MessageBuilder<'_, DummyReader, EncryptionSeipdV1> {
    fn add(&mut self, rng: &mut Rng<'_>, key: &impl EncryptionKey) -> pgp::errors::Result<()> {
        self.encrypt_to_key(rng, key).map(|_| ())
    }
}

impl Recipients for MessageBuilder<'_, DummyReader, EncryptionSeipdV2> {
    fn add(&mut self, rng: &mut Rng<'_>, key: &impl EncryptionKey) -> pgp::errors::Result<()> {
        self.encrypt_to_key(rng, key).map(|_| ())
    }
}

/// Adds the recipients' encryption keys (`None`: the primary key, `Some(i)`: subkey `i`),
/// the signature if any, and writes the armored message.
fn finish<'a, E: Encryption>(
    mut builder: MessageBuilder<'a, DummyReader, E>,
    targets: &[(&SignedPublicKey, &Vec<Option<usize>>)],
    sign_with: Option<(&'a dyn SigningKey, SubpacketConfig)>,
    rng: &mut Rng<'_>,
) -> Result<String, KeyError>
where
    MessageBuilder<'a, DummyReader, E>: Recipients,
{
    for (key, which) in targets {
        for idx in which.iter() {
            let added = match idx {
                None => builder.add(rng, &key.primary_key),
                Some(i) => match key.public_subkeys.get(*i) {
                    Some(s) => builder.add(rng, &s.key),
                    None => Ok(()),
                },
            };
            added.map_err(|e| {
                KeyError::UnsupportedAlgorithm(format!(
                    "cannot encrypt to {}: {e}",
                    fp_hex(&key.fingerprint())
                ))
            })?;
        }
    }
    if let Some((key, subpackets)) = sign_with {
        builder.sign_with_subpackets(key, Password::empty(), HASH, subpackets);
    }
    builder
        .to_armored_string(rng, ArmorOptions::default())
        .map_err(op)
}

fn read_secret(armored: &str) -> Result<SignedSecretKey, KeyError> {
    let unreadable = |reason: String| KeyError::Unreadable {
        what: "the project's secret key",
        reason,
    };
    if armored.len() > MAX_KEY_BYTES {
        return Err(unreadable(format!(
            "{} bytes is more than the {MAX_KEY_BYTES} accepted",
            armored.len()
        )));
    }
    let bytes = armored.as_bytes();
    let Some(start) = find_armor(bytes, "PGP PRIVATE KEY BLOCK") else {
        if find_armor(bytes, "PGP PUBLIC KEY BLOCK").is_some() {
            return Err(KeyError::PublicKeyGiven);
        }
        return Err(unreadable(
            "no -----BEGIN PGP PRIVATE KEY BLOCK----- line found".into(),
        ));
    };
    let (keys, _) =
        SignedSecretKey::from_armor_many(&bytes[start..]).map_err(|e| unreadable(e.to_string()))?;
    let mut keys = keys
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| unreadable(e.to_string()))?;
    if keys.len() > 1 {
        return Err(unreadable(format!(
            "{} keys found; give exactly one",
            keys.len()
        )));
    }
    keys.pop().ok_or_else(|| unreadable("no key found".into()))
}

/// Removes the passphrase protection of every secret part (in memory).
/// GnuPG's "stub" for a secret part that is not exported (an offline primary key from
/// `--export-secret-subkeys`, or a key on a smartcard): S2K specifier 101 ("gnu-dummy").
fn is_stub(params: &SecretParams) -> bool {
    let SecretParams::Encrypted(enc) = params else {
        return false;
    };
    match enc.string_to_key_params() {
        S2kParams::Cfb { s2k, .. }
        | S2kParams::MalleableCfb { s2k, .. }
        | S2kParams::Aead { s2k, .. } => matches!(s2k, StringToKey::Private { typ: 101, .. }),
        _ => false,
    }
}

/// Whether a secret part is passphrase-protected (stubs hold no secret and do not count).
fn locked(params: &SecretParams) -> bool {
    params.is_encrypted() && !is_stub(params)
}

/// Removes the passphrase protection of every secret part (in memory); stubs are left alone.
fn unlock(key: &mut SignedSecretKey, pw: Option<&Password>) -> Result<(), KeyError> {
    let needs = locked(key.primary_key.secret_params())
        || key
            .secret_subkeys
            .iter()
            .any(|s| locked(s.key.secret_params()));
    if !needs {
        return Ok(());
    }
    let Some(pw) = pw else {
        return Err(KeyError::PassphraseRequired);
    };
    let wrong = |e: pgp::errors::Error| KeyError::WrongPassphrase(e.to_string());
    if locked(key.primary_key.secret_params()) {
        key.primary_key.remove_password(pw).map_err(wrong)?;
    }
    for sub in &mut key.secret_subkeys {
        if locked(sub.key.secret_params()) {
            sub.key.remove_password(pw).map_err(wrong)?;
        }
    }
    Ok(())
}

/// Refuses secret keys whose algorithms have no constant-time implementation here (parts
/// exported as stubs are never used, so their algorithm does not matter).
fn check_algorithms(key: &SignedSecretKey) -> Result<(), KeyError> {
    let refused = |alg: PublicKeyAlgorithm| {
        matches!(
            alg,
            PublicKeyAlgorithm::RSA
                | PublicKeyAlgorithm::RSAEncrypt
                | PublicKeyAlgorithm::RSASign
                | PublicKeyAlgorithm::DSA
                | PublicKeyAlgorithm::Elgamal
                | PublicKeyAlgorithm::ElgamalEncrypt
        )
    };
    let mut bad: Vec<String> = Vec::new();
    let primary = key.primary_key.algorithm();
    if refused(primary) && !is_stub(key.primary_key.secret_params()) {
        bad.push(format!("primary key {primary:?}"));
    }
    for sub in &key.secret_subkeys {
        let alg = sub.key.algorithm();
        if refused(alg) && !is_stub(sub.key.secret_params()) {
            bad.push(format!(
                "subkey {} {alg:?}",
                key_id_hex(&sub.key.legacy_key_id())
            ));
        }
    }
    if bad.is_empty() {
        return Ok(());
    }
    Err(KeyError::UnsupportedAlgorithm(format!(
        "{}: the server holds only Ed25519/Curve25519 (or Ed448/X448, ECDSA/ECDH) secret keys, \
         because RSA, DSA and ElGamal private-key operations are not constant-time here; \
         generate a key in Embargo or import an ed25519/cv25519 key",
        bad.join(", ")
    )))
}
