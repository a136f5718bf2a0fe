//! Test helpers: fixed times, deterministic randomness, and a throw-away GnuPG home.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

use keys::{ProjectKey, SeededRng};

/// When the project keys of the tests are made (in the past, so GnuPG does not see a key
/// "created in the future").
pub fn created() -> jiff::Timestamp {
    "2025-11-01T09:00:00Z".parse().unwrap()
}

/// The "now" of the tests' signatures and encryptions.
pub fn now() -> jiff::Timestamp {
    "2026-01-05T10:00:00Z".parse().unwrap()
}

pub const PROJECT_UID: &str = "OctoPrint security <security@octoprint.org>";
pub const PASSPHRASE: &str = "correct horse battery staple";

pub fn rng(n: u8) -> SeededRng {
    SeededRng::from_seed([n; 32])
}

pub fn project_key() -> ProjectKey {
    ProjectKey::generate(PROJECT_UID, created(), &mut rng(1)).unwrap()
}

/// `project_key()` protected with `PASSPHRASE`, made once (the S2K is slow in debug builds).
pub fn stored_project_key() -> &'static str {
    static STORED: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    STORED.get_or_init(|| {
        project_key()
            .to_protected_armored(PASSPHRASE, &mut rng(3))
            .unwrap()
    })
}

/// A GnuPG home of its own, removed (and its agent stopped) at drop.
pub struct Gpg {
    home: tempfile::TempDir,
}

impl Gpg {
    /// A fresh home. Fails the test (never skips it) when `gpg` is not installed.
    pub fn new() -> Gpg {
        let found = Command::new("gpg")
            .arg("--version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        assert!(
            found,
            "GnuPG is required by the OpenPGP interoperability tests and was not found: \
             install it (Debian/Ubuntu: `apt-get install gnupg`; macOS: `brew install gnupg`)"
        );
        let home = tempfile::Builder::new().prefix("gpg").tempdir().unwrap();
        let mut perms = std::fs::metadata(home.path()).unwrap().permissions();
        std::os::unix::fs::PermissionsExt::set_mode(&mut perms, 0o700);
        std::fs::set_permissions(home.path(), perms).unwrap();
        // The agent otherwise calibrates its key protection to take seconds per operation.
        std::fs::write(home.path().join("gpg-agent.conf"), "s2k-count 65536\n").unwrap();
        Gpg { home }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.home.path().join(name)
    }

    /// Runs gpg in batch mode with `stdin`, returning the whole output.
    pub fn run(&self, args: &[&str], stdin: &[u8]) -> Output {
        let mut child = Command::new("gpg")
            .env("GNUPGHOME", self.home.path())
            .args([
                "--batch",
                "--no-tty",
                "--pinentry-mode",
                "loopback",
                "--no-auto-key-locate",
            ])
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut input = child.stdin.take().unwrap();
        let data = stdin.to_vec();
        let writer = std::thread::spawn(move || {
            let _ = input.write_all(&data);
        });
        let out = child.wait_with_output().unwrap();
        writer.join().unwrap();
        out
    }

    /// Runs gpg and fails the test, showing gpg's messages, unless it succeeds.
    pub fn ok(&self, args: &[&str], stdin: &[u8]) -> Vec<u8> {
        let out = self.run(args, stdin);
        assert!(
            out.status.success(),
            "gpg {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        out.stdout
    }

    pub fn import(&self, armored: &str) {
        self.ok(&["--import"], armored.as_bytes());
    }

    /// Generates an ed25519 (sign) + cv25519 (encrypt) key without passphrase; returns its
    /// fingerprint.
    pub fn gen_key(&self, uid: &str) -> String {
        self.ok(
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
        let fpr = self.fingerprint(uid);
        self.ok(
            &[
                "--passphrase",
                "",
                "--quick-add-key",
                &fpr,
                "cv25519",
                "encr",
                "never",
            ],
            b"",
        );
        fpr
    }

    /// The primary fingerprint of the key with `uid`.
    pub fn fingerprint(&self, uid: &str) -> String {
        let out = self.ok(&["--with-colons", "--list-keys", uid], b"");
        let text = String::from_utf8(out).unwrap();
        text.lines()
            .find(|l| l.starts_with("fpr:"))
            .and_then(|l| l.split(':').nth(9))
            .map(str::to_string)
            .unwrap()
    }

    pub fn export(&self, uid: &str) -> String {
        String::from_utf8(self.ok(&["--armor", "--export", uid], b"")).unwrap()
    }

    pub fn export_secret(&self, uid: &str) -> String {
        String::from_utf8(self.ok(
            &["--passphrase", "", "--armor", "--export-secret-keys", uid],
            b"",
        ))
        .unwrap()
    }
}

impl Drop for Gpg {
    fn drop(&mut self) {
        let _ = Command::new("gpgconf")
            .env("GNUPGHOME", self.home.path())
            .args(["--kill", "all"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
}
