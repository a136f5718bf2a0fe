//! Web Key Directory hashes, paths and the key served there.

use std::process::Command;

use keys::PublicKey;
use keys::wkd::{
    WKD_DIRECT_POLICY_PATH, WKD_POLICY, split_address, wkd_advanced_path, wkd_advanced_policy_path,
    wkd_advanced_url, wkd_direct_path, wkd_direct_url, wkd_hash,
};

use crate::support::{Gpg, PROJECT_UID, project_key};

#[test]
fn hash_of_the_drafts_example() {
    // draft-koch-openpgp-webkey-service, section 3.1: "Joe.Doe" hashes to this.
    assert_eq!(wkd_hash("Joe.Doe"), "iy9q119eutrkn8s1mk4r39qejnbu3n5q");
    assert_eq!(wkd_hash("joe.doe"), "iy9q119eutrkn8s1mk4r39qejnbu3n5q");
    assert_ne!(wkd_hash("joe.doe2"), wkd_hash("joe.doe"));
}

#[test]
fn urls_of_the_drafts_example() {
    assert_eq!(
        wkd_advanced_url("Joe.Doe@Example.ORG").unwrap(),
        "https://openpgpkey.example.org/.well-known/openpgpkey/example.org/hu/iy9q119eutrkn8s1mk4r39qejnbu3n5q?l=Joe.Doe"
    );
    assert_eq!(
        wkd_direct_url("Joe.Doe@Example.ORG").unwrap(),
        "https://example.org/.well-known/openpgpkey/hu/iy9q119eutrkn8s1mk4r39qejnbu3n5q?l=Joe.Doe"
    );
    assert_eq!(
        wkd_direct_path("Joe.Doe"),
        "/.well-known/openpgpkey/hu/iy9q119eutrkn8s1mk4r39qejnbu3n5q?l=Joe.Doe"
    );
    assert_eq!(
        wkd_advanced_path("Example.ORG", "Joe.Doe"),
        "/.well-known/openpgpkey/example.org/hu/iy9q119eutrkn8s1mk4r39qejnbu3n5q?l=Joe.Doe"
    );
    // The local part is percent-encoded in the query.
    assert!(wkd_direct_path("a+b c").ends_with("?l=a%2Bb%20c"));
    assert_eq!(WKD_DIRECT_POLICY_PATH, "/.well-known/openpgpkey/policy");
    assert_eq!(
        wkd_advanced_policy_path("Example.org"),
        "/.well-known/openpgpkey/example.org/policy"
    );
    assert!(
        WKD_POLICY
            .lines()
            .all(|l| l.is_empty() || l.starts_with('#'))
    );
}

#[test]
fn bad_addresses_are_named() {
    for bad in [
        "no-at-sign",
        "@example.org",
        "joe@",
        "jo e@example.org",
        "joe@exa/mple.org",
    ] {
        let err = split_address(bad).unwrap_err();
        assert!(
            err.to_string().contains("is not local@domain"),
            "{bad}: {err}"
        );
    }
    assert_eq!(
        split_address("Joe@Example.ORG").unwrap(),
        ("Joe", "example.org".to_string())
    );
}

#[test]
fn hashes_agree_with_gnupgs_wks_client() {
    Gpg::new(); // fails with an install hint if GnuPG is missing
    let libexec = Command::new("gpgconf")
        .args(["--list-dirs", "libexecdir"])
        .output()
        .unwrap();
    let libexec = String::from_utf8(libexec.stdout).unwrap();
    let client = std::path::Path::new(libexec.trim()).join("gpg-wks-client");
    for address in [
        "security@octoprint.org",
        "Security.Team@Example.COM",
        "a+b@example.net",
        "üser@example.org",
    ] {
        let out = Command::new(&client)
            .args(["--print-wkd-hash", address])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let line = String::from_utf8(out.stdout).unwrap();
        let theirs = line.split_whitespace().next().unwrap().to_string();
        let (local, _) = split_address(address).unwrap();
        assert_eq!(wkd_hash(local), theirs, "{address}");
    }
}

#[test]
fn the_served_key_is_binary_and_carries_only_the_asked_address() {
    let key = project_key();
    let body = key.wkd_key("Security@OctoPrint.org").unwrap();
    assert_ne!(body.first(), Some(&b'-'), "binary, not armored");
    let served = PublicKey::from_binary(&body).unwrap();
    assert_eq!(served.fingerprint(), key.fingerprint());
    assert_eq!(served.user_ids(), [PROJECT_UID]);
    assert!(served.can_encrypt());

    let err = key.wkd_key("someone-else@octoprint.org").unwrap_err();
    assert!(
        err.to_string().contains("someone-else@octoprint.org"),
        "{err}"
    );

    // gpg reads the WKD body as a key.
    let gpg = Gpg::new();
    gpg.ok(&["--import"], &body);
    assert_eq!(gpg.fingerprint("security@octoprint.org"), key.fingerprint());
}
