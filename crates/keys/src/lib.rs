//! A project's OpenPGP key pair, for a vulnerability-disclosure desk that receives reports by
//! e-mail, some of them encrypted.
//!
//! Each project has one [`ProjectKey`]: generated here ([`ProjectKey::generate`]: Ed25519
//! primary key that certifies and signs, Curve25519 encryption subkey, OpenPGP v4 so that
//! GnuPG 2.2 reads it) or imported from an existing secret key ([`ProjectKey::import`]). Its
//! secret parts are stored encrypted under a passphrase the server derives from its instance
//! secret ([`ProjectKey::to_protected_armored`] / [`ProjectKey::from_protected_armored`],
//! OpenPGP S2K, which `gpg --import` also reads).
//!
//! - **Publish**: [`ProjectKey::public_armored`] for `/p/{slug}/pgp-key.asc` (and security.txt
//!   `Encryption:`); the [`wkd`] functions and [`ProjectKey::wkd_key`] for the Web Key
//!   Directory (`/.well-known/openpgpkey/…`).
//! - **Receive**: [`ProjectKey::decrypt`] takes an inline `-----BEGIN PGP MESSAGE-----` block
//!   or a PGP/MIME `application/octet-stream` part, and checks a signature inside against the
//!   reporters' keys the caller knows ([`PublicKey`]), giving a [`SignatureCheck`].
//!   [`verify_detached`] (RFC 3156 `multipart/signed`) and [`verify_cleartext`] (inline
//!   clearsigned) check signed-only mail.
//! - **Reply**: [`ProjectKey::encrypt_to`] encrypts to the reporter's key and to the project
//!   key (so maintainers can read what was sent), optionally signed;
//!   [`pgp_mime_encrypted`] frames it as `multipart/encrypted`. [`ProjectKey::sign_detached`]
//!   (framed by [`pgp_mime_signed`]) and [`ProjectKey::sign_cleartext`] sign.
//!
//! Fingerprints and key IDs are upper-case hex without spaces, as `gpg --with-colons` prints
//! them.
//!
//! Pure: no I/O, no clock ("now" and creation times are arguments), no OS randomness (the
//! caller passes an [`Entropy`]; [`SeededRng`] makes tests deterministic). Limits are explicit
//! constants: [`MAX_MESSAGE_BYTES`], [`MAX_PLAINTEXT_BYTES`], [`MAX_KEY_BYTES`],
//! [`MAX_SIGNED_BYTES`].
//!
//! Algorithms: the server holds only Ed25519/Curve25519-class secret keys (RSA, DSA and
//! ElGamal secret keys are refused at import: their private-key operations are not
//! constant-time in the pure-Rust implementations). A reporter's RSA *public* key is accepted:
//! encrypting to it and verifying its signatures are public-key operations. ElGamal
//! encryption subkeys cannot be encrypted to (rPGP lacks it) and are reported as such.
//!
//! # Serving (for the HTTP layer)
//! - `/p/{slug}/pgp-key.asc`: [`ProjectKey::public_armored`], `application/pgp-keys`.
//! - WKD key: [`ProjectKey::wkd_key`] for the address whose [`wkd_hash`] matches the path,
//!   `application/octet-stream`; policy file [`wkd::WKD_POLICY`]. Serve both with
//!   `Access-Control-Allow-Origin: *` (as the draft recommends) so web mail clients can
//!   fetch them.
//!
//! Built on rPGP (`pgp` 0.21), like `securitytxt::openpgp`; a generated project key also signs
//! security.txt through `securitytxt::openpgp::SigningKey`.
//!
//! ```
//! use keys::{ProjectKey, SeededRng, SignatureCheck};
//! let created: jiff::Timestamp = "2026-01-05T10:00:00Z".parse().unwrap();
//! let mut rng = SeededRng::from_seed([7; 32]);
//! let key = ProjectKey::generate("Demo security <security@demo.example>", created, &mut rng).unwrap();
//! let reporter = key.public_key().clone();
//! let armored = key.encrypt_to(&reporter, b"hello", true, created, &mut rng).unwrap();
//! let decrypted = key.decrypt(armored.as_bytes(), &[reporter]).unwrap();
//! assert_eq!(decrypted.plaintext, b"hello");
//! assert_eq!(decrypted.signature, SignatureCheck::Verified { fingerprint: key.fingerprint() });
//! ```

mod entropy;
mod error;
mod message;
mod mime;
mod project;
mod public;
mod util;
mod verify;
pub mod wkd;

pub use entropy::{Entropy, SeededRng};
pub use error::KeyError;
pub use message::{Decrypted, MAX_MESSAGE_BYTES, MAX_PLAINTEXT_BYTES};
pub use mime::{PgpMime, pgp_mime_encrypted, pgp_mime_signed};
pub use project::ProjectKey;
pub use public::{KeyStatus, MAX_KEY_BYTES, PublicKey};
pub use verify::{
    Clearsigned, MAX_SIGNED_BYTES, SignatureCheck, verify_cleartext, verify_detached,
};
pub use wkd::wkd_hash;

/// Re-exported so that callers can pass times without depending on `jiff` themselves.
pub use jiff::Timestamp;
