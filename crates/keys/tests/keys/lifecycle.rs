//! Generating, protecting, importing and exporting the project key.

use keys::{KeyError, ProjectKey, SignatureCheck};

use crate::support::{
    Gpg, PASSPHRASE, PROJECT_UID, created, now, project_key, rng, stored_project_key,
};

/// gpg's colon listing of the key with `uid`.
fn colons(gpg: &Gpg, uid: &str, secret: bool) -> Vec<Vec<String>> {
    let list = if secret {
        "--list-secret-keys"
    } else {
        "--list-keys"
    };
    let out = gpg.ok(&["--with-colons", "--fixed-list-mode", list, uid], b"");
    String::from_utf8(out)
        .unwrap()
        .lines()
        .map(|l| l.split(':').map(str::to_string).collect())
        .collect()
}

#[test]
fn generated_key_is_what_gpg_expects() {
    let key = project_key();
    let gpg = Gpg::new();
    gpg.import(&key.public_armored().unwrap());
    let rows = colons(&gpg, PROJECT_UID, false);
    let find = |kind: &str| rows.iter().find(|r| r[0] == kind).unwrap().clone();

    let primary = find("pub");
    assert_eq!(primary[3], "22", "EdDSA primary key");
    assert_eq!(
        primary[5],
        created().as_second().to_string(),
        "creation time"
    );
    assert_eq!(primary[6], "", "no expiry");
    assert!(
        primary[11].contains('s') && primary[11].contains('c'),
        "caps {}",
        primary[11]
    );
    assert_eq!(primary[16], "ed25519");

    let sub = find("sub");
    assert_eq!(sub[3], "18", "ECDH subkey");
    assert_eq!(sub[11], "e", "encryption only");
    assert_eq!(sub[16], "cv25519");
    assert_eq!(sub[6], "", "no expiry");

    assert_eq!(find("fpr")[9], key.fingerprint());
    assert_eq!(find("uid")[9], PROJECT_UID);
    assert_eq!(key.user_ids(), [PROJECT_UID]);
}

#[test]
fn generation_is_deterministic_in_seed_and_time() {
    let a = project_key();
    let b = ProjectKey::generate(PROJECT_UID, created(), &mut rng(1)).unwrap();
    let c = ProjectKey::generate(PROJECT_UID, created(), &mut rng(2)).unwrap();
    assert_eq!(a.public_armored().unwrap(), b.public_armored().unwrap());
    assert_ne!(a.fingerprint(), c.fingerprint());
    assert_eq!(a.fingerprint().len(), 40);
    assert!(
        a.fingerprint()
            .chars()
            .all(|c| c.is_ascii_digit() || ('A'..='F').contains(&c))
    );
}

#[test]
fn bad_user_ids_are_refused() {
    for uid in ["", "  ", "Two\nlines <a@b.example>"] {
        let err = ProjectKey::generate(uid, created(), &mut rng(1)).unwrap_err();
        assert!(matches!(err, KeyError::BadUserId(_)), "{uid:?}: {err}");
    }
}

#[test]
fn protected_round_trip() {
    let key = project_key();
    let stored = key.to_protected_armored(PASSPHRASE, &mut rng(3)).unwrap();
    assert!(stored.starts_with("-----BEGIN PGP PRIVATE KEY BLOCK-----"));
    let back = ProjectKey::from_protected_armored(&stored, PASSPHRASE).unwrap();
    assert_eq!(back.fingerprint(), key.fingerprint());

    // The restored key decrypts what was encrypted to the original, and its signatures
    // verify with the original's public key.
    let reporter = key.public_key().clone();
    let msg = key
        .encrypt_to(&reporter, b"round trip", false, now(), &mut rng(4))
        .unwrap();
    assert_eq!(
        back.decrypt(msg.as_bytes(), &[]).unwrap().plaintext,
        b"round trip"
    );
    let sig = back.sign_detached(b"data", now()).unwrap();
    assert_eq!(
        keys::verify_detached(b"data", sig.as_bytes(), &[reporter]),
        SignatureCheck::Verified {
            fingerprint: key.fingerprint()
        }
    );
}

#[test]
fn protection_errors_are_named() {
    let key = project_key();
    let stored = stored_project_key();

    let err = ProjectKey::from_protected_armored(stored, "wrong passphrase").unwrap_err();
    assert!(matches!(err, KeyError::WrongPassphrase(_)), "{err}");
    assert!(err.to_string().starts_with("wrong passphrase"), "{err}");

    let err = ProjectKey::import(stored, None).unwrap_err();
    assert_eq!(err, KeyError::PassphraseRequired);

    let err = key.to_protected_armored("", &mut rng(3)).unwrap_err();
    assert_eq!(err, KeyError::EmptyPassphrase);
    let err = ProjectKey::from_protected_armored(stored, "").unwrap_err();
    assert_eq!(err, KeyError::EmptyPassphrase);
}

#[test]
fn an_unprotected_stored_key_is_refused() {
    let gpg = Gpg::new();
    gpg.gen_key("Maintainer <m@example.org>");
    let plain = gpg.export_secret("Maintainer <m@example.org>");
    let err = ProjectKey::from_protected_armored(&plain, PASSPHRASE).unwrap_err();
    assert!(
        err.to_string().contains("not passphrase-protected"),
        "{err}"
    );
}

#[test]
fn gpg_imports_the_protected_secret_key_with_its_passphrase() {
    let key = project_key();
    let stored = stored_project_key();
    let gpg = Gpg::new();
    gpg.ok(&["--passphrase", PASSPHRASE, "--import"], stored.as_bytes());
    let rows = colons(&gpg, PROJECT_UID, true);
    let fpr = rows.iter().find(|r| r[0] == "fpr").unwrap();
    assert_eq!(fpr[9], key.fingerprint());
    assert!(rows.iter().any(|r| r[0] == "ssb"), "secret subkey imported");

    // The imported key signs with the passphrase (so its secret part came through intact),
    // and not without it.
    let bad = gpg.run(
        &[
            "--passphrase",
            "nope",
            "--local-user",
            &key.fingerprint(),
            "--detach-sign",
            "--armor",
        ],
        b"x",
    );
    assert!(!bad.status.success());
    let sig = gpg.ok(
        &[
            "--passphrase",
            PASSPHRASE,
            "--local-user",
            &key.fingerprint(),
            "--detach-sign",
            "--armor",
        ],
        b"signed by gpg with the exported key",
    );
    assert_eq!(
        keys::verify_detached(
            b"signed by gpg with the exported key",
            &sig,
            &[key.public_key().clone()]
        ),
        SignatureCheck::Verified {
            fingerprint: key.fingerprint()
        }
    );
}

#[test]
fn import_of_a_gpg_key_works() {
    let gpg = Gpg::new();
    let fpr = gpg.gen_key("Maintainer <m@example.org>");
    let key = ProjectKey::import(&gpg.export_secret("Maintainer <m@example.org>"), None).unwrap();
    assert_eq!(key.fingerprint(), fpr);
    assert_eq!(key.user_ids(), ["Maintainer <m@example.org>"]);

    // With a passphrase.
    let gpg2 = Gpg::new();
    gpg2.ok(
        &[
            "--passphrase",
            "pw",
            "--quick-gen-key",
            "P <p@example.org>",
            "ed25519",
            "sign",
            "never",
        ],
        b"",
    );
    let fpr2 = gpg2.fingerprint("P <p@example.org>");
    gpg2.ok(
        &[
            "--passphrase",
            "pw",
            "--quick-add-key",
            &fpr2,
            "cv25519",
            "encr",
            "never",
        ],
        b"",
    );
    let armored = String::from_utf8(gpg2.ok(
        &[
            "--passphrase",
            "pw",
            "--armor",
            "--export-secret-keys",
            &fpr2,
        ],
        b"",
    ))
    .unwrap();
    assert_eq!(
        ProjectKey::import(&armored, None).unwrap_err(),
        KeyError::PassphraseRequired
    );
    assert!(matches!(
        ProjectKey::import(&armored, Some("wrong")).unwrap_err(),
        KeyError::WrongPassphrase(_)
    ));
    assert_eq!(
        ProjectKey::import(&armored, Some("pw"))
            .unwrap()
            .fingerprint(),
        fpr2
    );
}

#[test]
fn import_errors_name_the_problem() {
    let key = project_key();

    let err = ProjectKey::import(&key.public_armored().unwrap(), None).unwrap_err();
    assert_eq!(err, KeyError::PublicKeyGiven);
    assert!(err.to_string().contains("public key"), "{err}");

    let err = ProjectKey::import("hello, this is not a key", None).unwrap_err();
    assert!(
        err.to_string()
            .contains("no -----BEGIN PGP PRIVATE KEY BLOCK----- line found"),
        "{err}"
    );

    let stored = stored_project_key();
    let truncated = &stored[..stored.len() / 2];
    let err = ProjectKey::import(truncated, Some(PASSPHRASE)).unwrap_err();
    assert!(
        matches!(
            err,
            KeyError::Unreadable {
                what: "the project's secret key",
                ..
            }
        ),
        "{err}"
    );

    // A signing-only key (as securitytxt makes for security.txt) cannot receive mail.
    let signing =
        securitytxt::openpgp::generate_signing_key(PROJECT_UID, PASSPHRASE, created(), [9; 32])
            .unwrap();
    let err = ProjectKey::import(&signing.secret_armored, Some(PASSPHRASE)).unwrap_err();
    assert!(matches!(err, KeyError::NoEncryptionKey { .. }), "{err}");
    assert!(err.to_string().contains(&signing.fingerprint), "{err}");
    assert!(err.to_string().contains("encrypt flag"), "{err}");
}

#[test]
fn rsa_secret_keys_are_refused() {
    let gpg = Gpg::new();
    gpg.ok(
        &[
            "--passphrase",
            "",
            "--quick-gen-key",
            "Old <old@example.org>",
            "rsa2048",
            "default",
            "never",
        ],
        b"",
    );
    let err = ProjectKey::import(&gpg.export_secret("Old <old@example.org>"), None).unwrap_err();
    assert!(matches!(err, KeyError::UnsupportedAlgorithm(_)), "{err}");
    assert!(err.to_string().contains("RSA"), "{err}");
}

#[test]
fn a_project_key_also_signs_security_txt() {
    let key = project_key();
    let stored = stored_project_key();
    let signer = securitytxt::openpgp::SigningKey::from_armored(stored).unwrap();
    assert_eq!(signer.fingerprint(), key.fingerprint());

    let text = "Contact: mailto:security@octoprint.org\nExpires: 2026-12-31T23:00:00.000Z\n";
    let signed = signer.sign(text, PASSPHRASE, now()).unwrap();

    // securitytxt's own verifier, given our published key, accepts it …
    let verifier =
        securitytxt::openpgp::KeyringVerifier::from_bytes(key.public_armored().unwrap().as_bytes())
            .unwrap();
    let opts = securitytxt::LintOptions {
        verifier: Some(&verifier),
        ..securitytxt::LintOptions::at(now())
    };
    let report = securitytxt::lint(signed.as_bytes(), &opts);
    assert_eq!(
        report.signature,
        Some(securitytxt::SignatureStatus::Verified)
    );
    // … and so do ours and gpg's.
    let checked = keys::verify_cleartext(&signed, &[key.public_key().clone()]).unwrap();
    assert!(checked.signature.is_verified(), "{:?}", checked.signature);
    let gpg = Gpg::new();
    gpg.import(&key.public_armored().unwrap());
    gpg.ok(&["--verify"], signed.as_bytes());
}

#[test]
fn a_key_with_an_offline_primary_signs_with_its_subkey() {
    let gpg = Gpg::new();
    let uid = "Careful Maintainer <careful@example.org>";
    gpg.ok(
        &[
            "--passphrase",
            "pw",
            "--quick-gen-key",
            uid,
            "ed25519",
            "cert",
            "never",
        ],
        b"",
    );
    let fpr = gpg.fingerprint(uid);
    for (algo, usage) in [("ed25519", "sign"), ("cv25519", "encr")] {
        gpg.ok(
            &[
                "--passphrase",
                "pw",
                "--quick-add-key",
                &fpr,
                algo,
                usage,
                "never",
            ],
            b"",
        );
    }
    let exported = String::from_utf8(gpg.ok(
        &[
            "--passphrase",
            "pw",
            "--armor",
            "--export-secret-subkeys",
            &fpr,
        ],
        b"",
    ))
    .unwrap();
    let key = ProjectKey::import(&exported, Some("pw")).unwrap();
    assert_eq!(key.fingerprint(), fpr);

    // Signatures come from the signing subkey and name the primary fingerprint when checked.
    // (The key was made just now by gpg; sign a minute after.)
    let at = key.public_key().created() + jiff::SignedDuration::from_secs(60);
    let sig = key.sign_detached(b"offline primary", at).unwrap();
    assert_eq!(
        keys::verify_detached(
            b"offline primary",
            sig.as_bytes(),
            &[key.public_key().clone()]
        ),
        SignatureCheck::Verified {
            fingerprint: fpr.clone()
        }
    );
    let other = Gpg::new();
    other.import(&key.public_armored().unwrap());
    let sig_path = other.path("s.asc");
    std::fs::write(&sig_path, &sig).unwrap();
    other.ok(
        &["--verify", sig_path.to_str().unwrap(), "-"],
        b"offline primary",
    );

    // Stored and exported again, the stub stays a stub: gpg imports the key.
    let stored = key.to_protected_armored(PASSPHRASE, &mut rng(3)).unwrap();
    let back = ProjectKey::from_protected_armored(&stored, PASSPHRASE).unwrap();
    assert_eq!(back.fingerprint(), fpr);
    let fresh = Gpg::new();
    fresh.ok(&["--passphrase", PASSPHRASE, "--import"], stored.as_bytes());
    let rows = colons(&fresh, &fpr, true);
    let sec = rows.iter().find(|r| r[0] == "sec").unwrap();
    assert_eq!(
        sec[14], "#",
        "primary secret still absent (a stub): {sec:?}"
    );

    // A primary that signs, kept offline, with no signing subkey: the export cannot sign.
    let gpg3 = Gpg::new();
    gpg3.ok(
        &[
            "--passphrase",
            "",
            "--quick-gen-key",
            uid,
            "ed25519",
            "sign",
            "never",
        ],
        b"",
    );
    let fpr3 = gpg3.fingerprint(uid);
    gpg3.ok(
        &[
            "--passphrase",
            "",
            "--quick-add-key",
            &fpr3,
            "cv25519",
            "encr",
            "never",
        ],
        b"",
    );
    let subkeys_only = String::from_utf8(gpg3.ok(
        &[
            "--passphrase",
            "",
            "--armor",
            "--export-secret-subkeys",
            &fpr3,
        ],
        b"",
    ))
    .unwrap();
    let err = ProjectKey::import(&subkeys_only, None).unwrap_err();
    assert!(matches!(err, KeyError::NoSigningKey { .. }), "{err}");
    assert!(err.to_string().contains("not in this export"), "{err}");
}
