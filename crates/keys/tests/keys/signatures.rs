//! Detached and cleartext signatures, ours checked by GnuPG and GnuPG's checked by us.

use keys::{PublicKey, SignatureCheck, verify_cleartext, verify_detached};

use crate::support::{Gpg, now, project_key};

const REPORTER: &str = "Rita Reporter <rita@example.net>";

/// The first part of an RFC 3156 multipart/signed message: headers, blank line, body, CRLF.
const MIME_PART: &[u8] = b"Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nThe advisory goes out on Monday.\r\n-- \r\nOctoPrint security\r\n";

fn gpg_verify(gpg: &Gpg, args: &[&str], stdin: &[u8]) -> (bool, String) {
    let mut all = vec!["--status-fd", "2", "--verify"];
    all.extend_from_slice(args);
    let out = gpg.run(&all, stdin);
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn our_detached_signature_verifies_in_gpg_and_a_changed_byte_does_not() {
    let key = project_key();
    let sig = key.sign_detached(MIME_PART, now()).unwrap();
    assert!(sig.starts_with("-----BEGIN PGP SIGNATURE-----"));
    let gpg = Gpg::new();
    gpg.import(&key.public_armored().unwrap());
    let sig_path = gpg.path("part.sig");
    std::fs::write(&sig_path, &sig).unwrap();
    let sig_arg = sig_path.to_str().unwrap();

    let (ok, status) = gpg_verify(&gpg, &[sig_arg, "-"], MIME_PART);
    assert!(ok, "{status}");
    assert!(
        status.contains(&format!("[GNUPG:] VALIDSIG {}", key.fingerprint())),
        "{status}"
    );
    assert!(
        status.contains(&format!(" {} ", now().as_second())),
        "signature time is the given now: {status}"
    );

    let mut changed = MIME_PART.to_vec();
    changed[70] ^= 0x20;
    let (ok, status) = gpg_verify(&gpg, &[sig_arg, "-"], &changed);
    assert!(!ok, "gpg must reject: {status}");
    assert!(status.contains("[GNUPG:] BADSIG"), "{status}");

    let known = [key.public_key().clone()];
    assert_eq!(
        verify_detached(MIME_PART, sig.as_bytes(), &known),
        SignatureCheck::Verified {
            fingerprint: key.fingerprint()
        }
    );
    assert!(matches!(
        verify_detached(&changed, sig.as_bytes(), &known),
        SignatureCheck::Bad { .. }
    ));
}

#[test]
fn our_cleartext_signature_verifies_in_gpg_and_a_change_does_not() {
    let key = project_key();
    let text = "Hello Rita,\n\n- we fixed it\n-- dashes are escaped\nFrom the team\n";
    let signed = key.sign_cleartext(text, now()).unwrap();
    assert!(signed.starts_with("-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA512\n"));
    let gpg = Gpg::new();
    gpg.import(&key.public_armored().unwrap());
    let (ok, status) = gpg_verify(&gpg, &[], signed.as_bytes());
    assert!(ok, "{status}");
    assert!(
        status.contains(&format!("[GNUPG:] VALIDSIG {}", key.fingerprint())),
        "{status}"
    );

    let changed = signed.replace("we fixed it", "we fixed It");
    let (ok, status) = gpg_verify(&gpg, &[], changed.as_bytes());
    assert!(!ok, "gpg must reject: {status}");

    let known = [key.public_key().clone()];
    let ours = verify_cleartext(&signed, &known).unwrap();
    assert_eq!(ours.text, text);
    assert!(ours.signature.is_verified());
    assert!(!ours.unsigned_text_around);
    assert!(matches!(
        verify_cleartext(&changed, &known).unwrap().signature,
        SignatureCheck::Bad { .. }
    ));
}

#[test]
fn gpg_signed_mime_part_verifies_known_and_unknown() {
    let gpg = Gpg::new();
    let fpr = gpg.gen_key(REPORTER);
    let sig = gpg.ok(
        &["--armor", "--detach-sign", "--local-user", &fpr],
        MIME_PART,
    );
    let reporter = PublicKey::from_armored(&gpg.export(REPORTER)).unwrap();

    assert_eq!(
        verify_detached(MIME_PART, &sig, std::slice::from_ref(&reporter)),
        SignatureCheck::Verified {
            fingerprint: fpr.clone()
        }
    );
    assert_eq!(
        verify_detached(MIME_PART, &sig, &[project_key().public_key().clone()]),
        SignatureCheck::UnknownKey {
            issuer: fpr.clone()
        }
    );
    // After local delivery the part may have bare LF line endings: still verifies.
    let lf = String::from_utf8(MIME_PART.to_vec())
        .unwrap()
        .replace("\r\n", "\n");
    assert!(verify_detached(lf.as_bytes(), &sig, std::slice::from_ref(&reporter)).is_verified());
    // A binary signature works the same.
    let bin = gpg.ok(&["--detach-sign", "--local-user", &fpr], MIME_PART);
    assert!(verify_detached(MIME_PART, &bin, std::slice::from_ref(&reporter)).is_verified());
    // Garbage is a bad signature, not a panic.
    assert!(matches!(
        verify_detached(
            MIME_PART,
            b"-----BEGIN PGP SIGNATURE-----\n\nAAAA\n-----END PGP SIGNATURE-----\n",
            &[reporter]
        ),
        SignatureCheck::Bad { .. }
    ));
}

#[test]
fn gpg_clearsigned_text_inside_a_mail() {
    let gpg = Gpg::new();
    let fpr = gpg.gen_key(REPORTER);
    let signed = String::from_utf8(gpg.ok(
        &["--clearsign", "--local-user", &fpr],
        b"I found a bug.\n- a dashed line\n",
    ))
    .unwrap();
    let reporter = PublicKey::from_armored(&gpg.export(REPORTER)).unwrap();
    let mail = format!("Hi,\n\n{signed}\nSent from my phone\n");
    let out = verify_cleartext(&mail, &[reporter]).unwrap();
    assert_eq!(out.text, "I found a bug.\n- a dashed line");
    assert_eq!(out.signature, SignatureCheck::Verified { fingerprint: fpr });
    assert!(out.unsigned_text_around);

    let err = verify_cleartext("no signature here", &[]).unwrap_err();
    assert!(
        err.to_string()
            .contains("-----BEGIN PGP SIGNED MESSAGE-----"),
        "{err}"
    );
}

#[test]
fn a_signature_by_a_revoked_key_is_bad() {
    let gpg = Gpg::new();
    let fpr = gpg.gen_key(REPORTER);
    let sig = gpg.ok(
        &["--armor", "--detach-sign", "--local-user", &fpr],
        MIME_PART,
    );
    let cert = std::fs::read_to_string(gpg.path("openpgp-revocs.d").join(format!("{fpr}.rev")))
        .unwrap()
        .replace(":-----BEGIN", "-----BEGIN");
    gpg.import(&cert);
    let revoked = PublicKey::from_armored(&gpg.export(REPORTER)).unwrap();
    match verify_detached(MIME_PART, &sig, &[revoked]) {
        SignatureCheck::Bad { reason } => assert!(reason.contains("revoked"), "{reason}"),
        other => panic!("expected Bad, got {other:?}"),
    }
}

#[test]
fn multipart_signed_framing_keeps_the_signed_part_intact() {
    let key = project_key();
    let part = std::str::from_utf8(MIME_PART)
        .unwrap()
        .trim_end_matches("\r\n");
    let sig = key.sign_detached(part.as_bytes(), now()).unwrap();
    let mime = keys::pgp_mime_signed(part, &sig, "sig-boundary").unwrap();
    assert_eq!(
        mime.content_type,
        "multipart/signed; micalg=pgp-sha512; protocol=\"application/pgp-signature\"; boundary=\"sig-boundary\""
    );
    // What a receiving client extracts: between the first delimiter line and the CRLF
    // before the next one (RFC 3156 §5).
    let body = &mime.body;
    let start = body.find("--sig-boundary\r\n").unwrap() + "--sig-boundary\r\n".len();
    let end = body[start..].find("\r\n--sig-boundary\r\n").unwrap() + start;
    let signed = &body[start..end];
    assert_eq!(signed, part);
    let rest = &body[end + "\r\n--sig-boundary\r\n".len()..];
    assert!(rest.starts_with("Content-Type: application/pgp-signature"));
    let (_, signature) = rest.split_once("\r\n\r\n").unwrap();
    assert!(body.ends_with("--sig-boundary--\r\n"));

    let known = [key.public_key().clone()];
    assert!(verify_detached(signed.as_bytes(), signature.as_bytes(), &known).is_verified());
    let gpg = Gpg::new();
    gpg.import(&key.public_armored().unwrap());
    let sig_path = gpg.path("extracted.sig");
    std::fs::write(&sig_path, signature).unwrap();
    let (ok, status) = gpg_verify(&gpg, &[sig_path.to_str().unwrap(), "-"], signed.as_bytes());
    assert!(ok, "{status}");

    assert!(matches!(
        keys::pgp_mime_signed(part, &sig, "").unwrap_err(),
        keys::KeyError::BadBoundary(_)
    ));
}
