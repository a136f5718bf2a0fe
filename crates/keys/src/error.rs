//! The one error type of the crate.

/// Why a key could not be read, generated, protected or used, or a message could not be
/// decrypted or built. Every message reads on its own and names what is wrong; none carries
/// secret material or plaintext.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    /// The input is not an OpenPGP key of the expected kind (garbage, truncated armor, bad
    /// checksum, …). `what` names the input (e.g. "the project's secret key").
    #[error("{what} could not be read: {reason}")]
    Unreadable {
        /// What was being read.
        what: &'static str,
        /// What went wrong, as the OpenPGP parser saw it.
        reason: String,
    },
    /// A public key was given where the project's secret key is needed.
    #[error(
        "this is a public key (-----BEGIN PGP PUBLIC KEY BLOCK-----); the project needs the \
         secret key (-----BEGIN PGP PRIVATE KEY BLOCK-----, e.g. from `gpg --export-secret-keys --armor`)"
    )]
    PublicKeyGiven,
    /// A secret key was given where a reporter's public key is expected; it is refused so that
    /// nobody's secret key is stored by mistake.
    #[error(
        "this is a SECRET key (-----BEGIN PGP PRIVATE KEY BLOCK-----); only the public key is \
         needed (e.g. from `gpg --export --armor`) — the secret key was not kept"
    )]
    SecretKeyGiven,
    /// The key cannot make signatures: neither the primary key nor a bound subkey carries the
    /// "sign" flag.
    #[error("the key {fingerprint} cannot sign: {detail}")]
    NoSigningKey {
        /// The primary key's fingerprint.
        fingerprint: String,
        /// What was found instead.
        detail: String,
    },
    /// The key has no usable encryption-capable (sub)key.
    #[error("the key {fingerprint} has no usable encryption (sub)key: {detail}")]
    NoEncryptionKey {
        /// The primary key's fingerprint.
        fingerprint: String,
        /// What was found instead.
        detail: String,
    },
    /// A project key uses an algorithm the server refuses to hold (RSA, DSA, ElGamal: their
    /// implementations are not constant-time), or a message needs one rPGP does not support.
    #[error("unsupported algorithm: {0}")]
    UnsupportedAlgorithm(String),
    /// The secret key is protected and no passphrase was given.
    #[error("the secret key is protected with a passphrase, and none was given")]
    PassphraseRequired,
    /// The passphrase does not unlock the secret key.
    #[error("wrong passphrase: it does not unlock the secret key ({0})")]
    WrongPassphrase(String),
    /// An empty passphrase was given where the key is to be stored protected.
    #[error("an empty passphrase cannot protect the secret key at rest")]
    EmptyPassphrase,
    /// The user ID for a new key is empty or not one line.
    #[error(
        "the user ID {0:?} must be one non-empty line, e.g. \"Project security <security@example.org>\""
    )]
    BadUserId(String),
    /// A time outside what OpenPGP can store (unsigned 32-bit seconds since 1970).
    #[error("{0} cannot be written as an OpenPGP time (1970 to 2106)")]
    Time(String),
    /// The data is an OpenPGP message but not an encrypted one.
    #[error("the message is not encrypted ({0})")]
    NotEncrypted(String),
    /// The message is encrypted, but not to this key.
    #[error(
        "the message is not encrypted to this project's key (it is for {}; this key is {})",
        list_or(recipients, "no public-key recipient (password-encrypted only)"),
        ours.join(", ")
    )]
    NotForThisKey {
        /// Key IDs (hex) the message names as recipients; `0000000000000000` for anonymous ones.
        recipients: Vec<String>,
        /// Key IDs (hex) of this project key's primary key and subkeys.
        ours: Vec<String>,
    },
    /// The data is damaged: bad armor, truncated packets, failed integrity check.
    #[error("the message is corrupt: {0}")]
    Corrupt(String),
    /// The input is larger than [`crate::MAX_MESSAGE_BYTES`].
    #[error("the message is {size} bytes, more than the {limit} bytes accepted")]
    MessageTooLarge {
        /// Bytes given.
        size: usize,
        /// The limit.
        limit: usize,
    },
    /// The decrypted (and decompressed) content exceeds [`crate::MAX_PLAINTEXT_BYTES`].
    #[error("the decrypted content is more than {limit} bytes (a decompression bomb?)")]
    PlaintextTooLarge {
        /// The limit.
        limit: usize,
    },
    /// The key has expired (a recipient's: ask the reporter for a current key).
    #[error("the key {fingerprint} expired at {at}")]
    KeyExpired {
        /// The primary fingerprint.
        fingerprint: String,
        /// When it expired.
        at: jiff::Timestamp,
    },
    /// The key has been revoked by its holder.
    #[error("the key {fingerprint} is revoked ({reason})")]
    KeyRevoked {
        /// The primary fingerprint.
        fingerprint: String,
        /// The reason stated in the revocation, if any.
        reason: String,
    },
    /// A MIME boundary that cannot be used.
    #[error(
        "bad MIME boundary {0:?}: 1 to 70 characters from RFC 2046 `bchars`, not ending in a space, and absent from the body"
    )]
    BadBoundary(String),
    /// An OpenPGP operation failed for a reason not covered above.
    #[error("OpenPGP operation failed: {0}")]
    Openpgp(String),
}

fn list_or(items: &[String], empty: &str) -> String {
    if items.is_empty() {
        empty.to_string()
    } else {
        items.join(", ")
    }
}
