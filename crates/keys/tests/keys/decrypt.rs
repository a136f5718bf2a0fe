//! GnuPG encrypts to the project key; we decrypt.

use keys::{
    KeyError, MAX_MESSAGE_BYTES, MAX_PLAINTEXT_BYTES, ProjectKey, PublicKey, SignatureCheck,
};

use crate::support::{Gpg, project_key};

const REPORTER: &str = "Rita Reporter <rita@example.net>";
const PLAINTEXT: &[u8] = b"Subject: heap overflow in the G-code parser\r\n\r\nSteps: send M117 with 5000 chars.\r\n\xe2\x9c\x93 reproduced on 1.10\r\n";

/// A gpg home that knows the project's public key and has the reporter's own key pair.
fn reporter_with(key: &ProjectKey) -> (Gpg, String) {
    let gpg = Gpg::new();
    gpg.import(&key.public_armored().unwrap());
    let fpr = gpg.gen_key(REPORTER);
    (gpg, fpr)
}

fn encrypt(gpg: &Gpg, to: &str, extra: &[&str]) -> Vec<u8> {
    let mut args = vec!["--trust-model", "always", "--encrypt", "-r", to];
    args.extend_from_slice(extra);
    gpg.ok(&args, PLAINTEXT)
}

#[test]
fn armored_message_from_gpg() {
    let key = project_key();
    let (gpg, _) = reporter_with(&key);
    let msg = encrypt(&gpg, &key.fingerprint(), &["--armor"]);
    assert!(msg.starts_with(b"-----BEGIN PGP MESSAGE-----"));
    let out = key.decrypt(&msg, &[]).unwrap();
    assert_eq!(out.plaintext, PLAINTEXT);
    assert_eq!(out.signature, SignatureCheck::Unsigned);
}

#[test]
fn binary_message_from_gpg() {
    let key = project_key();
    let (gpg, _) = reporter_with(&key);
    let msg = encrypt(&gpg, &key.fingerprint(), &[]);
    assert_eq!(msg[0] & 0x80, 0x80, "binary packet");
    let out = key.decrypt(&msg, &[]).unwrap();
    assert_eq!(out.plaintext, PLAINTEXT);
}

#[test]
fn uncompressed_and_strongly_compressed_messages() {
    let key = project_key();
    let (gpg, _) = reporter_with(&key);
    for z in ["0", "9"] {
        let msg = encrypt(&gpg, &key.fingerprint(), &["-z", z, "--armor"]);
        assert_eq!(
            key.decrypt(&msg, &[]).unwrap().plaintext,
            PLAINTEXT,
            "-z {z}"
        );
    }
    let msg = encrypt(&gpg, &key.fingerprint(), &["--compress-algo", "zip"]);
    assert_eq!(key.decrypt(&msg, &[]).unwrap().plaintext, PLAINTEXT, "zip");
}

#[test]
fn inline_block_inside_a_mail_body() {
    let key = project_key();
    let (gpg, _) = reporter_with(&key);
    let block = String::from_utf8(encrypt(&gpg, &key.fingerprint(), &["--armor"])).unwrap();
    let body = format!(
        "Hello,\r\n\r\nplease find my report below.\r\n\r\n{}\r\n-- \r\nRita\r\n",
        block.replace('\n', "\r\n")
    );
    let out = key.decrypt(body.as_bytes(), &[]).unwrap();
    assert_eq!(out.plaintext, PLAINTEXT);
}

#[test]
fn signed_then_encrypted_by_a_known_and_an_unknown_reporter() {
    let key = project_key();
    let (gpg, reporter_fpr) = reporter_with(&key);
    let msg = encrypt(
        &gpg,
        &key.fingerprint(),
        &["--sign", "--armor", "--local-user", &reporter_fpr],
    );
    let reporter = PublicKey::from_armored(&gpg.export(REPORTER)).unwrap();

    let out = key.decrypt(&msg, std::slice::from_ref(&reporter)).unwrap();
    assert_eq!(out.plaintext, PLAINTEXT);
    assert_eq!(
        out.signature,
        SignatureCheck::Verified {
            fingerprint: reporter_fpr.clone()
        }
    );

    let out = key.decrypt(&msg, &[]).unwrap();
    assert_eq!(out.plaintext, PLAINTEXT);
    assert_eq!(
        out.signature,
        SignatureCheck::UnknownKey {
            issuer: reporter_fpr.clone()
        }
    );

    // Someone else's key is not the signer either.
    let other = Gpg::new();
    other.gen_key("Other <other@example.net>");
    let other_key = PublicKey::from_armored(&other.export("Other <other@example.net>")).unwrap();
    let out = key.decrypt(&msg, &[other_key]).unwrap();
    assert_eq!(
        out.signature,
        SignatureCheck::UnknownKey {
            issuer: reporter_fpr
        }
    );
}

#[test]
fn not_encrypted_to_this_key_names_the_recipients() {
    let key = project_key();
    let (gpg, _) = reporter_with(&key);
    let msg = encrypt(&gpg, REPORTER, &["--armor"]);
    let subkey_id = String::from_utf8(gpg.ok(&["--with-colons", "--list-keys", REPORTER], b""))
        .unwrap()
        .lines()
        .find(|l| l.starts_with("sub:"))
        .map(|l| l.split(':').nth(4).unwrap().to_string())
        .unwrap();
    let err = key.decrypt(&msg, &[]).unwrap_err();
    match &err {
        KeyError::NotForThisKey { recipients, ours } => {
            assert_eq!(recipients, std::slice::from_ref(&subkey_id));
            assert_eq!(ours, &key.key_ids());
        }
        other => panic!("unexpected {other}"),
    }
    let text = err.to_string();
    assert!(text.contains(&subkey_id), "{text}");
    assert!(
        text.contains("not encrypted to this project's key"),
        "{text}"
    );
}

#[test]
fn signed_only_and_garbage_are_not_decryptable() {
    let key = project_key();
    let (gpg, _) = reporter_with(&key);
    let signed = gpg.ok(&["--sign", "--armor"], PLAINTEXT);
    assert!(matches!(
        key.decrypt(&signed, &[]).unwrap_err(),
        KeyError::NotEncrypted(_)
    ));
    let clear = gpg.ok(&["--clearsign"], PLAINTEXT);
    assert!(matches!(
        key.decrypt(&clear, &[]).unwrap_err(),
        KeyError::NotEncrypted(_)
    ));
    let err = key.decrypt(b"just some text", &[]).unwrap_err();
    assert!(matches!(err, KeyError::Corrupt(_)), "{err}");
    let err = key.decrypt(&key.public_binary().unwrap(), &[]).unwrap_err();
    assert!(
        matches!(err, KeyError::Corrupt(_) | KeyError::NotEncrypted(_)),
        "{err}"
    );
}

#[test]
fn a_changed_byte_is_detected() {
    let key = project_key();
    let (gpg, _) = reporter_with(&key);
    let mut msg = encrypt(&gpg, &key.fingerprint(), &["-z", "0"]);
    let i = msg.len() - 30;
    msg[i] ^= 0x01;
    let err = key.decrypt(&msg, &[]).unwrap_err();
    assert!(matches!(err, KeyError::Corrupt(_)), "{err}");

    let armored = String::from_utf8(encrypt(&gpg, &key.fingerprint(), &["--armor"])).unwrap();
    let truncated = &armored[..armored.len() / 2];
    let err = key.decrypt(truncated.as_bytes(), &[]).unwrap_err();
    assert!(matches!(err, KeyError::Corrupt(_)), "{err}");
}

#[test]
fn a_decompression_bomb_stops_at_the_limit() {
    let key = project_key();
    let (gpg, _) = reporter_with(&key);
    let zeros = vec![0u8; MAX_PLAINTEXT_BYTES + 1024];
    let msg = gpg.ok(
        &[
            "--trust-model",
            "always",
            "--encrypt",
            "-z",
            "9",
            "-r",
            &key.fingerprint(),
        ],
        &zeros,
    );
    assert!(msg.len() < 1024 * 1024, "compressed to {} bytes", msg.len());
    let err = key.decrypt(&msg, &[]).unwrap_err();
    assert_eq!(
        err,
        KeyError::PlaintextTooLarge {
            limit: MAX_PLAINTEXT_BYTES
        }
    );
}

#[test]
fn an_oversized_message_is_refused_before_parsing() {
    let key = project_key();
    let big = vec![b'A'; MAX_MESSAGE_BYTES + 1];
    assert_eq!(
        key.decrypt(&big, &[]).unwrap_err(),
        KeyError::MessageTooLarge {
            size: MAX_MESSAGE_BYTES + 1,
            limit: MAX_MESSAGE_BYTES
        }
    );
}

#[test]
fn password_only_messages_are_not_for_this_key() {
    let key = project_key();
    let gpg = Gpg::new();
    let msg = gpg.ok(&["--passphrase", "pw", "--symmetric", "--armor"], PLAINTEXT);
    let err = key.decrypt(&msg, &[]).unwrap_err();
    assert!(
        matches!(err, KeyError::NotForThisKey { ref recipients, .. } if recipients.is_empty()),
        "{err}"
    );
    assert!(err.to_string().contains("password-encrypted"), "{err}");
}
