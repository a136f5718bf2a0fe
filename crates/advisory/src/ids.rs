//! Identifier syntax: CVE, GHSA, CWE and OSV id prefixes.

/// Home-database prefixes registered in the OSV schema (`$defs/prefix`).
pub const OSV_PREFIXES: &[&str] = &[
    "ASB-A",
    "PUB-A",
    "ALPINE",
    "ALSA",
    "ALBA",
    "ALEA",
    "AZL",
    "BELL",
    "BIT",
    "CGA",
    "CLEANSTART",
    "CLSA",
    "CURL",
    "CVE",
    "DEBIAN",
    "DHI",
    "DRUPAL",
    "DSA",
    "DLA",
    "ELA",
    "DTSA",
    "ECHO",
    "EEF",
    "FreeBSD",
    "GHSA",
    "GO",
    "GSD",
    "HSEC",
    "JLSEC",
    "KUBE",
    "LBSEC",
    "LSN",
    "MAL",
    "MINI",
    "MGASA",
    "OESA",
    "OSEC",
    "OSV",
    "openSUSE-SU",
    "PHSA",
    "PSF",
    "PYSEC",
    "RHBA",
    "RHEA",
    "RHSA",
    "RLSA",
    "RXSA",
    "RSEC",
    "ROOT",
    "RUSTSEC",
    "SUSE-SU",
    "SUSE-RU",
    "SUSE-FU",
    "SUSE-OU",
    "UBUNTU",
    "USN",
    "V8",
];

/// `CVE-YYYY-NNNN…` (4 to 19 digits), as the CVE schema requires.
#[must_use]
pub fn is_cve_id(s: &str) -> bool {
    let Some(rest) = s.strip_prefix("CVE-") else {
        return false;
    };
    let Some((year, num)) = rest.split_once('-') else {
        return false;
    };
    year.len() == 4
        && year.bytes().all(|b| b.is_ascii_digit())
        && (4..=19).contains(&num.len())
        && num.bytes().all(|b| b.is_ascii_digit())
}

/// `GHSA-xxxx-xxxx-xxxx` with GitHub's alphabet (`23456789cfghjmpqrvwx`).
#[must_use]
pub fn is_ghsa_id(s: &str) -> bool {
    let Some(rest) = s.strip_prefix("GHSA-") else {
        return false;
    };
    let parts: Vec<&str> = rest.split('-').collect();
    parts.len() == 3
        && parts
            .iter()
            .all(|p| p.len() == 4 && p.bytes().all(|b| b"23456789cfghjmpqrvwx".contains(&b)))
}

/// `CWE-<n>`.
#[must_use]
pub fn is_cwe_id(s: &str) -> bool {
    s.strip_prefix("CWE-")
        .is_some_and(|n| !n.is_empty() && n.len() <= 9 && n.bytes().all(|b| b.is_ascii_digit()))
}

/// An OSV id: a registered prefix followed by `-`, or an `x_` private prefix.
#[must_use]
pub fn is_osv_id(s: &str) -> bool {
    if s.starts_with("x_") {
        return s.len() > 2;
    }
    OSV_PREFIXES.iter().any(|p| {
        s.strip_prefix(p)
            .and_then(|r| r.strip_prefix('-'))
            .is_some_and(|r| !r.is_empty())
    })
}

/// A well-formed id for the advisory model: CVE/GHSA ids must match their own syntax,
/// anything else must be usable as an OSV id.
#[must_use]
pub fn is_well_formed_id(s: &str) -> bool {
    if s.starts_with("CVE-") {
        is_cve_id(s)
    } else if s.starts_with("GHSA-") {
        is_ghsa_id(s)
    } else {
        is_osv_id(s) && !s.chars().any(char::is_whitespace)
    }
}
