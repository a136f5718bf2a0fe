//! OpenPGP signing (feature `sign`): our signatures verify with our verifier and with GnuPG,
//! GnuPG's signatures verify with ours, and any edit after signing is caught.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use securitytxt::openpgp::{KeyringVerifier, SignError, SigningKey, generate_signing_key};
use securitytxt::{Code, LintOptions, Report, SignatureStatus, lint, render};

use crate::pinned_now;

const PASSPHRASE: &str = "correct horse battery staple";

fn key(seed: u8) -> (SigningKey, String) {
    let generated = generate_signing_key(
        "Octo security <security@octo.example>",
        PASSPHRASE,
        "2026-01-01T00:00:00Z".parse().unwrap_or(pinned_now()),
        [seed; 32],
    )
    .expect("key generation");
    assert!(
        generated
            .secret_armored
            .starts_with("-----BEGIN PGP PRIVATE KEY BLOCK-----")
    );
    assert!(
        generated
            .public_armored
            .starts_with("-----BEGIN PGP PUBLIC KEY BLOCK-----")
    );
    let signing = SigningKey::from_armored(&generated.secret_armored).expect("secret key reads");
    assert_eq!(signing.fingerprint(), generated.fingerprint);
    (signing, generated.public_armored)
}

fn file() -> String {
    render(
        &[
            ("Contact", "mailto:security@octo.example"),
            ("Encryption", "https://sec.example/p/octo/pgp-key.asc"),
            ("Canonical", "https://sec.example/p/octo/security.txt"),
            ("Policy", "https://sec.example/p/octo/policy"),
            ("#", "Signed with the project key"),
        ],
        "2027-05-01T00:00:00Z".parse().unwrap_or(pinned_now()),
    )
    .expect("renders")
}

fn lint_with(text: &str, verifier: &KeyringVerifier) -> Report {
    let opts = LintOptions {
        verifier: Some(verifier),
        ..LintOptions::at(pinned_now())
    };
    lint(text.as_bytes(), &opts)
}

fn signed_file() -> (String, String) {
    let (signing, public) = key(7);
    let signed = signing
        .sign(&file(), PASSPHRASE, pinned_now())
        .expect("signs");
    (signed, public)
}

#[test]
fn signed_file_verifies_and_lints_clean() {
    let (signed, public) = signed_file();
    assert!(signed.starts_with("-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA512\n\n"));
    let verifier = KeyringVerifier::from_bytes(public.as_bytes()).expect("public key reads");
    let r = lint_with(&signed, &verifier);
    assert_eq!(r.signature, Some(SignatureStatus::Verified));
    assert!(r.findings.is_empty(), "{:?}", r.findings);
}

#[test]
fn an_edit_after_signing_is_a_bad_signature() {
    let (signed, public) = signed_file();
    let verifier = KeyringVerifier::from_bytes(public.as_bytes()).expect("public key reads");
    let edited = signed.replace(
        "mailto:security@octo.example",
        "mailto:attacker@evil.example",
    );
    assert_ne!(edited, signed);
    let r = lint_with(&edited, &verifier);
    assert_eq!(r.signature, Some(SignatureStatus::Bad));
    assert!(r.has(Code::SignatureBad) && !r.is_valid());
    // Whitespace at line ends is not signed (RFC 4880 §7.1), so this edit is harmless.
    let spaced = signed.replace("security.txt\n", "security.txt  \n");
    assert_eq!(
        lint_with(&spaced, &verifier).signature,
        Some(SignatureStatus::Verified)
    );
}

#[test]
fn another_key_does_not_verify() {
    let (signed, _) = signed_file();
    let (_, other_public) = key(8);
    let verifier = KeyringVerifier::from_bytes(other_public.as_bytes()).expect("public key reads");
    let r = lint_with(&signed, &verifier);
    assert_eq!(r.signature, Some(SignatureStatus::Bad));
    let bad = r.findings.iter().find(|f| f.code == Code::SignatureBad);
    assert!(
        bad.is_some_and(|f| f.message().contains("other than")),
        "{:?}",
        r.findings
    );
}

#[test]
fn the_secret_key_is_protected_by_its_passphrase() {
    let (signing, _) = key(9);
    assert!(matches!(
        signing.sign(&file(), "wrong", pinned_now()),
        Err(SignError::Sign(_))
    ));
    assert!(matches!(
        generate_signing_key("x <x@example.org>", "", pinned_now(), [1; 32]),
        Err(SignError::Generate(_))
    ));
    assert!(matches!(
        KeyringVerifier::from_bytes(b"not a key"),
        Err(SignError::Key(_))
    ));
}

// ---- GnuPG ----

struct GpgHome(PathBuf);

impl GpgHome {
    fn new(name: &str) -> Option<GpgHome> {
        if Command::new("gpg").arg("--version").output().is_err() {
            if std::env::var_os("EMBARGO_REQUIRE_GPG").is_some() {
                panic!("gpg is not installed but EMBARGO_REQUIRE_GPG is set");
            }
            eprintln!("skipping: gpg is not installed");
            return None;
        }
        let dir = std::env::temp_dir().join(format!("sectxt-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("temp dir");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let _ = std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700));
        }
        Some(GpgHome(dir))
    }

    fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }

    fn gpg(&self, args: &[&str]) -> Output {
        Command::new("gpg")
            .arg("--homedir")
            .arg(&self.0)
            .args(["--batch", "--no-tty", "--pinentry-mode", "loopback"])
            .args(args)
            .output()
            .expect("gpg runs")
    }

    fn write(&self, name: &str, text: &str) -> String {
        let p = self.path(name);
        std::fs::write(&p, text).expect("write temp file");
        p.to_string_lossy().into_owned()
    }
}

impl Drop for GpgHome {
    fn drop(&mut self) {
        let _ = Command::new("gpgconf")
            .arg("--homedir")
            .arg(&self.0)
            .args(["--kill", "gpg-agent"])
            .output();
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn text(out: &Output) -> String {
    format!(
        "status {:?}\n{}{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[test]
fn gpg_verifies_our_signature_and_rejects_an_edit() {
    let Some(home) = GpgHome::new("verify") else {
        return;
    };
    let (signed, public) = signed_file();
    let key = home.write("key.asc", &public);
    let out = home.gpg(&["--import", &key]);
    assert!(out.status.success(), "{}", text(&out));

    let good = home.write("security.txt", &signed);
    let out = home.gpg(&["--verify", &good]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("Good signature"), "{}", text(&out));

    let edited = signed.replace("https://sec.example/p/octo/policy", "https://evil.example/");
    let bad = home.write("edited.txt", &edited);
    let out = home.gpg(&["--verify", &bad]);
    assert!(!out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("BAD signature"), "{}", text(&out));
}

#[test]
fn gpg_clearsigned_file_verifies_with_our_verifier() {
    let Some(home) = GpgHome::new("clearsign") else {
        return;
    };
    let out = home.gpg(&[
        "--passphrase",
        "",
        "--quick-gen-key",
        "Test <test@example.org>",
        "ed25519",
        "sign",
        "1d",
    ]);
    assert!(out.status.success(), "{}", text(&out));
    let input = home.write("in.txt", &file());
    let output = home.path("in.txt.asc");
    let out = home.gpg(&[
        "--passphrase",
        "",
        "--digest-algo",
        "SHA256",
        "--clearsign",
        &input,
    ]);
    assert!(out.status.success(), "{}", text(&out));
    let out = home.gpg(&["--armor", "--export", "test@example.org"]);
    assert!(out.status.success(), "{}", text(&out));
    let verifier = KeyringVerifier::from_bytes(&out.stdout).expect("gpg's public key reads");
    let signed = std::fs::read_to_string(Path::new(&output)).expect("clearsigned output");

    let r = lint_with(&signed, &verifier);
    assert_eq!(
        r.signature,
        Some(SignatureStatus::Verified),
        "{:?}",
        r.findings
    );
    assert!(r.is_valid(), "{:?}", r.findings);
    assert_eq!(
        r.document
            .signature
            .as_ref()
            .map(|s| s.hash_algorithms.clone()),
        Some(vec!["SHA256".to_string()])
    );

    let edited = signed.replace(
        "Policy: https://sec.example",
        "Policy: https://evil.example",
    );
    assert_eq!(
        lint_with(&edited, &verifier).signature,
        Some(SignatureStatus::Bad)
    );
}
