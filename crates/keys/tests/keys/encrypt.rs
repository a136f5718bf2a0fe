//! We encrypt replies; GnuPG (the reporter's, and a maintainer's with the project key)
//! decrypts them.

use keys::{KeyError, PublicKey, pgp_mime_encrypted};

use crate::support::{Gpg, PASSPHRASE, now, project_key, rng, stored_project_key};

const REPORTER: &str = "Rita Reporter <rita@example.net>";
const REPLY: &[u8] =
    b"Content-Type: text/plain; charset=utf-8\r\n\r\nThanks, we reproduced it. Fix in 1.10.1.\r\n";

fn reporter() -> (Gpg, String, PublicKey) {
    let gpg = Gpg::new();
    let fpr = gpg.gen_key(REPORTER);
    let key = PublicKey::from_armored(&gpg.export(REPORTER)).unwrap();
    (gpg, fpr, key)
}

#[test]
fn the_reporter_decrypts_and_verifies_our_reply() {
    let key = project_key();
    let (gpg, _, reporter) = reporter();
    gpg.import(&key.public_armored().unwrap());

    let unsigned = key
        .encrypt_to(&reporter, REPLY, false, now(), &mut rng(5))
        .unwrap();
    assert!(unsigned.starts_with("-----BEGIN PGP MESSAGE-----"));
    assert_eq!(gpg.ok(&["--decrypt"], unsigned.as_bytes()), REPLY);

    let signed = key
        .encrypt_to(&reporter, REPLY, true, now(), &mut rng(6))
        .unwrap();
    let out = gpg.run(&["--status-fd", "2", "--decrypt"], signed.as_bytes());
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(out.stdout, REPLY);
    let status = String::from_utf8_lossy(&out.stderr);
    assert!(
        status.contains(&format!("[GNUPG:] VALIDSIG {}", key.fingerprint())),
        "{status}"
    );
}

#[test]
fn maintainers_decrypt_the_sent_copy_with_the_project_key() {
    let key = project_key();
    let (_, _, reporter) = reporter();
    let sent = key
        .encrypt_to(&reporter, REPLY, true, now(), &mut rng(7))
        .unwrap();

    // In Embargo …
    assert_eq!(key.decrypt(sent.as_bytes(), &[]).unwrap().plaintext, REPLY);
    // … and in a maintainer's GnuPG, with the exported protected key.
    let maintainer = Gpg::new();
    let exported = stored_project_key();
    maintainer.ok(
        &["--passphrase", PASSPHRASE, "--import"],
        exported.as_bytes(),
    );
    assert_eq!(
        maintainer.ok(&["--passphrase", PASSPHRASE, "--decrypt"], sent.as_bytes()),
        REPLY
    );
}

#[test]
fn pgp_mime_body_carries_the_message() {
    let key = project_key();
    let (gpg, _, reporter) = reporter();
    let armored = key
        .encrypt_to(&reporter, REPLY, false, now(), &mut rng(9))
        .unwrap();
    let mime = pgp_mime_encrypted(&armored, "embargo-b0undary").unwrap();
    assert_eq!(
        mime.content_type,
        "multipart/encrypted; protocol=\"application/pgp-encrypted\"; boundary=\"embargo-b0undary\""
    );
    let parts: Vec<&str> = mime.body.split("--embargo-b0undary").collect();
    assert_eq!(
        parts.len(),
        4,
        "preamble, two parts, closing: {}",
        mime.body
    );
    assert!(parts[1].starts_with("\r\nContent-Type: application/pgp-encrypted\r\n"));
    assert!(parts[1].contains("\r\n\r\nVersion: 1\r\n"));
    assert!(parts[2].starts_with("\r\nContent-Type: application/octet-stream"));
    assert_eq!(parts[3], "--\r\n");
    assert!(!mime.body.replace("\r\n", "").contains('\n'), "CRLF only");
    let (_, payload) = parts[2].split_once("\r\n\r\n").unwrap();
    assert_eq!(gpg.ok(&["--decrypt"], payload.as_bytes()), REPLY);

    for bad in [
        "",
        "has\"quote",
        &"x".repeat(71),
        "ends with space ",
        "BEGIN PGP",
    ] {
        let err = pgp_mime_encrypted(&armored, bad).unwrap_err();
        assert_eq!(err, KeyError::BadBoundary(bad.to_string()), "{bad:?}");
    }
}

#[test]
fn an_rsa_reporter_key_is_encrypted_to() {
    let key = project_key();
    let gpg = Gpg::new();
    gpg.ok(
        &[
            "--passphrase",
            "",
            "--quick-gen-key",
            REPORTER,
            "rsa2048",
            "cert",
            "never",
        ],
        b"",
    );
    let fpr = gpg.fingerprint(REPORTER);
    gpg.ok(
        &[
            "--passphrase",
            "",
            "--quick-add-key",
            &fpr,
            "rsa2048",
            "encr",
            "never",
        ],
        b"",
    );
    gpg.import(&key.public_armored().unwrap());
    let reporter = PublicKey::from_armored(&gpg.export(REPORTER)).unwrap();
    assert_eq!(reporter.algorithm(), "RSA");
    assert!(reporter.can_encrypt());
    let msg = key
        .encrypt_to(&reporter, REPLY, true, now(), &mut rng(10))
        .unwrap();
    assert_eq!(gpg.ok(&["--decrypt"], msg.as_bytes()), REPLY);
}

#[test]
fn a_v6_reporter_key_gets_seipd_v2() {
    use pgp::composed::{
        EncryptionCaps, KeyType, Message, SecretKeyParamsBuilder, SubkeyParamsBuilder,
    };
    use pgp::types::{KeyVersion, Password};
    use rand_chacha::rand_core::SeedableRng;

    let mut r = rand_chacha::ChaCha20Rng::from_seed([11; 32]);
    let sub = SubkeyParamsBuilder::default()
        .version(KeyVersion::V6)
        .key_type(KeyType::X25519)
        .can_encrypt(EncryptionCaps::All)
        .created_at(pgp::types::Timestamp::from_secs(1_760_000_000))
        .build()
        .unwrap();
    let secret = SecretKeyParamsBuilder::default()
        .version(KeyVersion::V6)
        .key_type(KeyType::Ed25519)
        .can_certify(true)
        .can_sign(true)
        .primary_user_id(REPORTER.to_string())
        .created_at(pgp::types::Timestamp::from_secs(1_760_000_000))
        .subkeys(vec![sub])
        .build()
        .unwrap()
        .generate(&mut r)
        .unwrap();
    let public = secret
        .to_public_key()
        .to_armored_string(Default::default())
        .unwrap();
    let reporter = PublicKey::from_armored(&public).unwrap();
    assert_eq!(reporter.fingerprint().len(), 64, "v6 fingerprint");

    let key = project_key();
    let armored = key
        .encrypt_to(&reporter, REPLY, true, now(), &mut rng(12))
        .unwrap();
    let (msg, _) = Message::from_armor(armored.as_bytes()).unwrap();
    let mut dec = msg.decrypt(&Password::empty(), &secret).unwrap();
    assert_eq!(dec.as_data_vec().unwrap(), REPLY);
    // Our own copy is readable too.
    assert_eq!(
        key.decrypt(armored.as_bytes(), &[]).unwrap().plaintext,
        REPLY
    );
}

#[test]
fn expired_revoked_and_sign_only_keys_are_refused() {
    let key = project_key();

    // Made "in 2020" with a one-day lifetime.
    let gpg = Gpg::new();
    let faked = ["--faked-system-time", "20200101T000000!"];
    let mut args = faked.to_vec();
    args.extend([
        "--passphrase",
        "",
        "--quick-gen-key",
        REPORTER,
        "ed25519",
        "sign",
        "1d",
    ]);
    gpg.ok(&args, b"");
    let fpr = gpg.fingerprint(REPORTER);
    let mut args = faked.to_vec();
    args.extend([
        "--passphrase",
        "",
        "--quick-add-key",
        &fpr,
        "cv25519",
        "encr",
        "1d",
    ]);
    gpg.ok(&args, b"");
    let expired = PublicKey::from_armored(&gpg.export(REPORTER)).unwrap();
    let at: jiff::Timestamp = "2020-01-02T00:00:00Z".parse().unwrap();
    assert_eq!(expired.expires_at(), Some(at));
    assert_eq!(expired.status(now()), keys::KeyStatus::Expired { at });
    assert!(!expired.can_encrypt_at(now()));
    let err = key
        .encrypt_to(&expired, REPLY, false, now(), &mut rng(13))
        .unwrap_err();
    assert_eq!(
        err,
        KeyError::KeyExpired {
            fingerprint: fpr.clone(),
            at
        }
    );
    assert!(err.to_string().contains("expired"), "{err}");

    // Revoked with the revocation certificate gpg made at generation.
    let gpg = Gpg::new();
    let fpr = gpg.gen_key(REPORTER);
    let cert = std::fs::read_to_string(gpg.path("openpgp-revocs.d").join(format!("{fpr}.rev")))
        .unwrap()
        .replace(
            ":-----BEGIN PGP PUBLIC KEY BLOCK-----",
            "-----BEGIN PGP PUBLIC KEY BLOCK-----",
        );
    gpg.import(&cert);
    let revoked = PublicKey::from_armored(&gpg.export(REPORTER)).unwrap();
    assert!(revoked.revocation().is_some());
    assert!(matches!(
        revoked.status(now()),
        keys::KeyStatus::Revoked { .. }
    ));
    let err = key
        .encrypt_to(&revoked, REPLY, false, now(), &mut rng(14))
        .unwrap_err();
    assert!(
        matches!(err, KeyError::KeyRevoked { ref fingerprint, .. } if *fingerprint == fpr),
        "{err}"
    );

    // Signing-only.
    let gpg = Gpg::new();
    gpg.ok(
        &[
            "--passphrase",
            "",
            "--quick-gen-key",
            REPORTER,
            "ed25519",
            "sign",
            "never",
        ],
        b"",
    );
    let sign_only = PublicKey::from_armored(&gpg.export(REPORTER)).unwrap();
    assert!(!sign_only.can_encrypt());
    let err = key
        .encrypt_to(&sign_only, REPLY, false, now(), &mut rng(15))
        .unwrap_err();
    assert!(matches!(err, KeyError::NoEncryptionKey { .. }), "{err}");
    assert!(err.to_string().contains("encrypt"), "{err}");
}
