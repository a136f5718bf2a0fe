//! The releases and commits a report names ("curl 7.68.0", "version 8.3.0", "v2.1",
//! "libfoo-1.2.3", "curl-7_68_0", "commit abc1234"), with the product written before a
//! version, so a report's `OpenSSL/3.0.13` is not taken for the project's release.

use regex::Regex;
use serde::Serialize;
use std::sync::LazyLock;

/// A release or commit a report names.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct NamedRevision {
    /// The version with `.` separators (`7.68.0`, `2.1`), or a commit id (lowercase hex).
    pub name: String,
    pub commit: bool,
    /// The product written just before a version, lowercased (`curl` in "curl 7.68.0",
    /// `openssl` in "OpenSSL/3.0.13"); `None` for "version 1.2.3", "v2.1" or a bare number.
    pub product: Option<String>,
}

impl NamedRevision {
    /// Whether this can be the project's own release or commit: a commit, a version with no
    /// product before it, or one whose product is the project (`libcurl` for `curl`). With
    /// no project name, any product is accepted for a three-part version.
    pub fn is_project(&self, project_name: Option<&str>) -> bool {
        let Some(product) = &self.product else {
            return true;
        };
        match project_name {
            None => !self.commit && self.name.matches('.').count() >= 2,
            Some(p) => product_is(product, p),
        }
    }
}

/// Whether a product name written in a report is the project (`curl`, `libcurl`,
/// `curl-sys` is not).
pub(crate) fn product_is(product: &str, project: &str) -> bool {
    let product = product.to_ascii_lowercase();
    let bare = product.strip_prefix("lib").unwrap_or(&product);
    crate::signals::name_variants(project).iter().any(|v| {
        let v = v.strip_prefix("lib").unwrap_or(v);
        bare == v || bare.replace(['-', '_'], "") == v.replace(['-', '_', ' '], "")
    })
}

/// Words that may stand before a version without being a product.
const NOT_PRODUCTS: &[&str] = &[
    "version",
    "versions",
    "ver",
    "release",
    "releases",
    "released",
    "in",
    "on",
    "of",
    "to",
    "from",
    "since",
    "before",
    "after",
    "until",
    "and",
    "or",
    "at",
    "with",
    "using",
    "tested",
    "affected",
    "affects",
    "affecting",
    "is",
    "was",
    "are",
    "fixed",
    "latest",
    "up",
    "through",
    "between",
    "prior",
    "than",
    "tag",
    "tagged",
    "build",
    "against",
    "vs",
    "for",
    "the",
    "as",
    "current",
    "older",
    "newer",
    "git",
    "branch",
    "v",
    "rev",
    "revision",
    "upgrade",
    "upgraded",
    "into",
    "by",
    "introduced",
    "stable",
    "only",
    "also",
    "see",
    "like",
    "via",
    "run",
    "runs",
];

static VERSION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)(?:\b([a-z][a-z0-9+]*(?:[-_][a-z][a-z0-9+]*)*)([ /]|-|_|:\s*))?\b(v)?(\d{1,4})([._])(\d{1,4})(?:[._](\d{1,5}))?",
    )
    .unwrap_or_else(|e| panic!("version pattern: {e}"))
});

static COMMIT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)(?:\b(?:commit|revision|rev|sha-?1?|hash)\b[\s:#]*|/([a-z0-9_.-]+)/(?:commits?|blob|tree)/)([0-9a-f]{7,40})\b",
    )
    .unwrap_or_else(|e| panic!("commit pattern: {e}"))
});

/// The releases and commits `text` names, in order, each once.
pub(crate) fn scan(texts: &[&str]) -> Vec<NamedRevision> {
    let mut out: Vec<NamedRevision> = Vec::new();
    let mut push = |r: NamedRevision| {
        if !out.contains(&r) {
            out.push(r);
        }
    };
    for text in texts {
        for c in VERSION.captures_iter(text) {
            let (Some(whole), Some(major), Some(sep), Some(minor)) =
                (c.get(0), c.get(4), c.get(5), c.get(6))
            else {
                continue;
            };
            let patch = c.get(7);
            let end = patch.map_or(minor.end(), |p| p.end());
            let rest = &text[end..];
            // Part of something longer: `1.2.3.4` (an address), `1.2.3-rc1`, `1.2a`.
            let next = rest.chars().next();
            if next.is_some_and(|n| n.is_ascii_alphanumeric() || n == '_')
                || (rest.starts_with('.') || rest.starts_with('_'))
                    && rest[1..].starts_with(|ch: char| ch.is_ascii_digit())
                || rest.starts_with("-rc")
                || rest.starts_with("-beta")
                || rest.starts_with("-alpha")
            {
                continue;
            }
            let before = &text[..whole.start()];
            if before.ends_with(|ch: char| ch.is_ascii_digit() || ch == '.') {
                continue;
            }
            let underscores = sep.as_str() == "_";
            let v = c.get(3).is_some();
            let mut product = c.get(1).map(|p| p.as_str().to_ascii_lowercase());
            let joiner = c.get(2).map_or("", |j| j.as_str());
            if product
                .as_deref()
                .is_some_and(|p| NOT_PRODUCTS.contains(&p))
            {
                product = None;
            }
            let keyword = c
                .get(1)
                .is_some_and(|p| p.as_str().to_ascii_lowercase().starts_with("version"))
                || c.get(1).is_some_and(|p| {
                    matches!(
                        p.as_str().to_ascii_lowercase().as_str(),
                        "release" | "ver" | "tag" | "tagged" | "released"
                    )
                });
            // `curl-7_68_0` only with a product; `1_2` never.
            if underscores && (product.is_none() || patch.is_none() || joiner.trim().is_empty()) {
                continue;
            }
            // Two-part numbers are versions only when written as such: `v2.1`, `version 2.1`
            // or right after a product (`Python 3.11`, kept as that product's).
            if patch.is_none() && !(v || keyword || product.is_some()) {
                continue;
            }
            if joiner.starts_with(':') && product.is_some() && !keyword {
                // `Step 1: 2.3` and the like: a colon joins labels, not products.
                product = None;
                if patch.is_none() && !v {
                    continue;
                }
            }
            let name = match patch {
                Some(p) => format!(
                    "{}.{}.{}",
                    trim_zeros(major.as_str()),
                    trim_zeros(minor.as_str()),
                    trim_zeros(p.as_str())
                ),
                None => format!(
                    "{}.{}",
                    trim_zeros(major.as_str()),
                    trim_zeros(minor.as_str())
                ),
            };
            push(NamedRevision {
                name,
                commit: false,
                product,
            });
        }
        for c in COMMIT.captures_iter(text) {
            let Some(id) = c.get(2) else { continue };
            // A commit link names its repository: another project's commit is not ours.
            let product = c
                .get(1)
                .map(|r| r.as_str().trim_end_matches(".git").to_ascii_lowercase());
            let id = id.as_str().to_ascii_lowercase();
            // A decimal number after "rev" is not a commit id.
            if id.bytes().all(|b| b.is_ascii_digit()) {
                continue;
            }
            push(NamedRevision {
                name: id,
                commit: true,
                product,
            });
        }
    }
    out
}

fn trim_zeros(n: &str) -> &str {
    let t = n.trim_start_matches('0');
    if t.is_empty() { "0" } else { t }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(text: &str) -> Vec<(String, Option<String>)> {
        scan(&[text])
            .into_iter()
            .map(|r| (r.name, r.product))
            .collect()
    }

    fn n(name: &str, product: Option<&str>) -> (String, Option<String>) {
        (name.to_owned(), product.map(str::to_owned))
    }

    #[test]
    fn versions_with_and_without_products() {
        assert_eq!(
            names("Tested on curl 7.68.0 and libfoo-1.2.3, also version 8.3.0 and v2.1."),
            vec![
                n("7.68.0", Some("curl")),
                n("1.2.3", Some("libfoo")),
                n("8.3.0", None),
                n("2.1", None),
            ]
        );
        assert_eq!(
            names("curl 8.5.0 (x86_64) libcurl/8.5.0 OpenSSL/3.0.13 zlib/1.3 nghttp2/1.59.0"),
            vec![
                n("8.5.0", Some("curl")),
                n("8.5.0", Some("libcurl")),
                n("3.0.13", Some("openssl")),
                n("1.3", Some("zlib")),
                n("1.59.0", Some("nghttp2")),
            ]
        );
        assert_eq!(
            names("the tag curl-7_68_0"),
            vec![n("7.68.0", Some("curl"))]
        );
        assert_eq!(names("Affected version: 1.0.0"), vec![n("1.0.0", None)]);
    }

    #[test]
    fn numbers_that_are_not_versions() {
        assert!(names("connect to 127.0.0.1").is_empty());
        assert!(
            scan(&["wait 1.5 seconds, HTTP/1.1, TLS 1.3"])
                .iter()
                .all(|r| !r.is_project(Some("curl")))
        );
        assert!(
            names("build 1.2.3-rc1 and 3.4a").is_empty(),
            "{:?}",
            names("build 1.2.3-rc1 and 3.4a")
        );
        assert!(names("value 1_2 and 2_3_4").is_empty());
    }

    #[test]
    fn commits() {
        let r = scan(&[
            "Reproduced at commit 3f2a1c4e and https://github.com/o/r/commit/abcdef1234567",
        ]);
        let ids: Vec<_> = r
            .iter()
            .filter(|r| r.commit)
            .map(|r| r.name.as_str())
            .collect();
        assert_eq!(ids, ["3f2a1c4e", "abcdef1234567"]);
        assert!(scan(&["rev 1234567"]).iter().all(|r| !r.commit));
        let links = scan(&[
            "fixed by https://github.com/openssl/openssl/commit/abcdef1234567 and https://github.com/curl/curl/commit/1234abcd, see https://github.com/curl/curl/blob/9f8e7d6c5b4a/lib/socks.c#L588",
        ]);
        let ours: Vec<_> = links
            .iter()
            .filter(|r| r.is_project(Some("curl")))
            .map(|r| r.name.as_str())
            .collect();
        assert_eq!(ours, ["1234abcd", "9f8e7d6c5b4a"]);
    }

    #[test]
    fn the_project_is_told_from_other_products() {
        let r = scan(&["libcurl/8.5.0 OpenSSL/3.0.13 version 2.1"]);
        let own: Vec<_> = r
            .iter()
            .filter(|r| r.is_project(Some("curl")))
            .map(|r| r.name.as_str())
            .collect();
        assert_eq!(own, ["8.5.0", "2.1"]);
        assert!(!r[1].is_project(None) || r[1].name.matches('.').count() == 2);
    }
}
