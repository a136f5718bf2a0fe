//! Decrypting incoming OpenPGP messages, within explicit size limits.

use std::io::Read;

use pgp::composed::{DecryptionOptions, Esk, Message, SignedSecretKey, TheRing};
use pgp::errors::Error as PgpError;
use pgp::types::{Password, Seipdv1ReadMode};

use crate::KeyError;
use crate::public::PublicKey;
use crate::util::{find_armor, first_packet_tag, fp_hex, has_armor, key_id_hex};
use crate::verify::{SignatureCheck, check_signatures};

/// Largest encrypted message accepted (armored or binary), in bytes. Also bounds what rPGP
/// buffers to check a SEIPD v1 packet's integrity before releasing any plaintext.
pub const MAX_MESSAGE_BYTES: usize = 32 * 1024 * 1024;

/// Largest decrypted and decompressed content, in bytes: a compressed "bomb" stops here
/// instead of exhausting memory.
pub const MAX_PLAINTEXT_BYTES: usize = 32 * 1024 * 1024;

/// How many compression layers are undone at most.
const MAX_LAYERS: usize = 4;

/// A decrypted message.
#[derive(Clone, PartialEq, Eq)]
pub struct Decrypted {
    /// The content: for PGP/MIME a whole MIME entity (headers, blank line, body), for inline
    /// PGP the text that was encrypted.
    pub plaintext: Vec<u8>,
    /// The check of a signature inside the encryption (signed-then-encrypted), if any.
    pub signature: SignatureCheck,
}

impl std::fmt::Debug for Decrypted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Decrypted")
            .field(
                "plaintext",
                &format_args!("<{} bytes>", self.plaintext.len()),
            )
            .field("signature", &self.signature)
            .finish()
    }
}

fn classify(e: &PgpError) -> KeyError {
    match e {
        PgpError::MdcError => KeyError::Corrupt(
            "the integrity check (MDC) failed: the message was altered or damaged".into(),
        ),
        PgpError::Unsupported { .. } | PgpError::Unimplemented { .. } => {
            KeyError::UnsupportedAlgorithm(e.to_string())
        }
        other => {
            let text = other.to_string();
            if text.contains("SymEncryptedData is discouraged") {
                KeyError::UnsupportedAlgorithm(
                    "the message uses encryption without integrity protection (SED), which is \
                     refused; ask the sender to use a current OpenPGP program"
                        .into(),
                )
            } else if text.contains("GnuPG's AEAD") {
                KeyError::UnsupportedAlgorithm(text)
            } else {
                KeyError::Corrupt(text)
            }
        }
    }
}

fn classify_io(e: &std::io::Error) -> KeyError {
    match e
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<PgpError>())
    {
        Some(pgp) => classify(pgp),
        None => KeyError::Corrupt(e.to_string()),
    }
}

fn parse(data: &[u8]) -> Result<Message<'_>, KeyError> {
    if let Some(start) = find_armor(data, "PGP MESSAGE") {
        let (msg, _) = Message::from_armor(&data[start..]).map_err(|e| classify(&e))?;
        return Ok(msg);
    }
    if find_armor(data, "PGP SIGNED MESSAGE").is_some() {
        return Err(KeyError::NotEncrypted(
            "it is a cleartext-signed message; verify it with verify_cleartext".into(),
        ));
    }
    if has_armor(data) {
        return Err(KeyError::NotEncrypted(
            "the armored block is not a PGP MESSAGE (a key or a signature?)".into(),
        ));
    }
    match first_packet_tag(data) {
        Some(_) => Message::from_bytes(data).map_err(|e| classify(&e)),
        None => Err(KeyError::Corrupt(
            "neither an armored (-----BEGIN PGP MESSAGE-----) nor a binary OpenPGP message".into(),
        )),
    }
}

fn recipient_ids(esk: &[Esk]) -> Vec<String> {
    esk.iter()
        .filter_map(|e| match e {
            Esk::PublicKeyEncryptedSessionKey(p) => {
                if let Ok(Some(fp)) = p.fingerprint() {
                    Some(fp_hex(fp))
                } else {
                    p.id().ok().map(key_id_hex)
                }
            }
            Esk::SymKeyEncryptedSessionKey(_) => None,
        })
        .collect()
}

/// Undoes compression layers (also under a signature).
fn unwrap_layers(mut msg: Message<'_>) -> Result<Message<'_>, KeyError> {
    for _ in 0..MAX_LAYERS {
        let compressed = match &msg {
            Message::Compressed { .. } => true,
            Message::Signed { reader, .. } => reader.get_ref().is_compressed(),
            _ => false,
        };
        if !compressed {
            break;
        }
        msg = msg.decompress().map_err(|e| classify(&e))?;
    }
    let nested_encryption = match &msg {
        Message::Encrypted { .. } => true,
        Message::Signed { reader, .. } => reader.get_ref().is_encrypted(),
        _ => false,
    };
    if nested_encryption {
        return Err(KeyError::UnsupportedAlgorithm(
            "the message is encrypted twice (nested encryption)".into(),
        ));
    }
    if msg.is_compressed() {
        return Err(KeyError::Corrupt(format!(
            "more than {MAX_LAYERS} layers of compression"
        )));
    }
    Ok(msg)
}

pub(crate) fn decrypt(
    key: &SignedSecretKey,
    ours: Vec<String>,
    data: &[u8],
    known: &[PublicKey],
) -> Result<Decrypted, KeyError> {
    if data.len() > MAX_MESSAGE_BYTES {
        return Err(KeyError::MessageTooLarge {
            size: data.len(),
            limit: MAX_MESSAGE_BYTES,
        });
    }
    let msg = parse(data)?;
    let recipients = match &msg {
        Message::Encrypted { esk, .. } => recipient_ids(esk),
        Message::Signed { .. } => {
            return Err(KeyError::NotEncrypted("it is only signed".into()));
        }
        Message::Compressed { .. } => {
            return Err(KeyError::NotEncrypted("it is compressed data".into()));
        }
        Message::Literal { .. } => {
            return Err(KeyError::NotEncrypted("it is plain literal data".into()));
        }
    };
    let no_pw = Password::empty();
    let ring = TheRing {
        secret_keys: vec![key],
        key_passwords: vec![&no_pw],
        decrypt_options: DecryptionOptions::new()
            .enable_gnupg_aead()
            .set_seipdv1_read_mode(Seipdv1ReadMode::CheckFirst {
                max_message_size: MAX_MESSAGE_BYTES,
            }),
        ..Default::default()
    };
    let msg = match msg.decrypt_the_ring(ring, true) {
        Ok((msg, _)) => msg,
        Err(PgpError::MissingKey) => {
            if recipients
                .iter()
                .any(|r| ours.iter().any(|o| r.ends_with(o.as_str())))
            {
                return Err(KeyError::Corrupt(
                    "the session key encrypted to this key could not be decrypted".into(),
                ));
            }
            return Err(KeyError::NotForThisKey { recipients, ours });
        }
        Err(e) => return Err(classify(&e)),
    };
    let mut msg = unwrap_layers(msg)?;

    let mut plaintext = Vec::new();
    let limit = u64::try_from(MAX_PLAINTEXT_BYTES).unwrap_or(u64::MAX);
    (&mut msg)
        .take(limit.saturating_add(1))
        .read_to_end(&mut plaintext)
        .map_err(|e| classify_io(&e))?;
    if plaintext.len() > MAX_PLAINTEXT_BYTES {
        return Err(KeyError::PlaintextTooLarge {
            limit: MAX_PLAINTEXT_BYTES,
        });
    }

    let signature = match &msg {
        Message::Signed { reader, .. } => {
            let sigs: Option<Vec<_>> = (0..reader.num_signatures())
                .map(|i| reader.signature(i).cloned())
                .collect();
            let sigs = sigs.unwrap_or_default();
            if sigs.is_empty() {
                SignatureCheck::Bad {
                    reason: "the signature packet is missing".into(),
                }
            } else {
                check_signatures(&sigs, known, &|i, signer| {
                    msg.verify_nested_explicit(i, signer.as_verifying()).is_ok()
                })
            }
        }
        _ => SignatureCheck::Unsigned,
    };
    Ok(Decrypted {
        plaintext,
        signature,
    })
}
