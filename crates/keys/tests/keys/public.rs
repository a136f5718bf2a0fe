//! Reading a reporter's public key.

use keys::{KeyError, KeyStatus, PublicKey};

use crate::support::{Gpg, now};

const REPORTER: &str = "Rita Reporter <Rita@Example.net>";

#[test]
fn a_gpg_key_reads_with_its_facts() {
    let gpg = Gpg::new();
    let fpr = gpg.gen_key(REPORTER);
    gpg.ok(
        &[
            "--passphrase",
            "",
            "--quick-add-uid",
            &fpr,
            "rita@work.example",
        ],
        b"",
    );
    let armored = gpg.export(REPORTER);
    let key = PublicKey::from_armored(&armored).unwrap();
    assert_eq!(key.fingerprint(), fpr);
    assert_eq!(key.key_id(), fpr[24..]);
    assert_eq!(key.user_ids().len(), 2);
    assert!(key.user_ids().contains(&REPORTER.to_string()));
    assert!(key.user_ids().contains(&"rita@work.example".to_string()));
    let mut emails = key.emails();
    emails.sort();
    assert_eq!(emails, ["rita@example.net", "rita@work.example"]);
    assert!(key.can_encrypt());
    assert!(key.can_encrypt_at(now()));
    assert_eq!(key.expires_at(), None);
    assert_eq!(key.revocation(), None);
    assert_eq!(key.status(now()), KeyStatus::Usable);
    assert_eq!(key.algorithm(), "EdDSALegacy");

    // The same key, binary, and through the detecting reader.
    let binary = gpg.ok(&["--export", REPORTER], b"");
    assert_eq!(PublicKey::from_binary(&binary).unwrap().fingerprint(), fpr);
    assert_eq!(PublicKey::from_bytes(&binary).unwrap().fingerprint(), fpr);
    assert_eq!(
        PublicKey::from_bytes(armored.as_bytes())
            .unwrap()
            .fingerprint(),
        fpr
    );
    // Round trip through our serialisation.
    let again = PublicKey::from_armored(&key.armored().unwrap()).unwrap();
    assert_eq!(again.fingerprint(), fpr);
}

#[test]
fn a_revoked_user_id_is_not_listed() {
    let gpg = Gpg::new();
    let fpr = gpg.gen_key(REPORTER);
    gpg.ok(
        &[
            "--passphrase",
            "",
            "--quick-add-uid",
            &fpr,
            "old@example.org",
        ],
        b"",
    );
    gpg.ok(
        &[
            "--passphrase",
            "",
            "--quick-revoke-uid",
            &fpr,
            "old@example.org",
        ],
        b"",
    );
    let key = PublicKey::from_armored(&gpg.export(REPORTER)).unwrap();
    assert_eq!(key.user_ids(), [REPORTER]);
}

#[test]
fn third_party_certifications_do_not_get_in_the_way() {
    let gpg = Gpg::new();
    let fpr = gpg.gen_key(REPORTER);
    let signer = gpg.gen_key("Friend <friend@example.org>");
    gpg.ok(
        &[
            "--passphrase",
            "",
            "--local-user",
            &signer,
            "--quick-sign-key",
            &fpr,
        ],
        b"",
    );
    let armored = String::from_utf8(gpg.ok(&["--armor", "--export", &fpr], b"")).unwrap();
    let key = PublicKey::from_armored(&armored).unwrap();
    assert_eq!(key.fingerprint(), fpr);
    assert!(key.can_encrypt());
}

#[test]
fn wrong_inputs_are_named() {
    let gpg = Gpg::new();
    gpg.gen_key(REPORTER);

    let secret = gpg.export_secret(REPORTER);
    assert_eq!(
        PublicKey::from_armored(&secret).unwrap_err(),
        KeyError::SecretKeyGiven
    );
    let secret_bin = gpg.ok(&["--passphrase", "", "--export-secret-keys", REPORTER], b"");
    assert_eq!(
        PublicKey::from_binary(&secret_bin).unwrap_err(),
        KeyError::SecretKeyGiven
    );
    assert!(
        KeyError::SecretKeyGiven.to_string().contains("SECRET key"),
        "the message says what happened"
    );

    let err = PublicKey::from_armored("not a key").unwrap_err();
    assert!(
        err.to_string()
            .contains("-----BEGIN PGP PUBLIC KEY BLOCK-----"),
        "{err}"
    );

    let armored = gpg.export(REPORTER);
    let err = PublicKey::from_armored(&armored[..armored.len() / 2]).unwrap_err();
    assert!(
        matches!(
            err,
            KeyError::Unreadable {
                what: "the public key",
                ..
            }
        ),
        "{err}"
    );

    let err = PublicKey::from_binary(b"\x01\x02garbage").unwrap_err();
    assert!(err.to_string().contains("not binary OpenPGP"), "{err}");

    // Two keys in one block.
    gpg.gen_key("Second <second@example.net>");
    let both = String::from_utf8(gpg.ok(&["--armor", "--export"], b"")).unwrap();
    let err = PublicKey::from_armored(&both).unwrap_err();
    assert!(err.to_string().contains("2 keys found"), "{err}");
}
