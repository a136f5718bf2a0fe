//! Where a project's source comes from, decided without touching the network: which git URLs
//! and ref names are acceptable, and which tag a version named in a report stands for.
//!
//! The server fetches the repository with the `git` command; everything it passes to it is
//! checked here first, so a hostile URL or ref never reaches a command line.

/// Longest git URL accepted.
pub const MAX_URL: usize = 2_000;
/// Longest ref name accepted.
pub const MAX_REF: usize = 200;
/// Most extra refs a project may name besides its default branch.
pub const MAX_EXTRA_REFS: usize = 20;

/// Where a project's source is read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SourceKind {
    /// A directory on the server.
    Path,
    /// A git repository the server fetches.
    Git,
}

impl SourceKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Path => "path",
            Self::Git => "git",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::Path, Self::Git]
            .into_iter()
            .find(|k| k.as_str() == s)
    }
}

/// The transport of an accepted git URL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GitScheme {
    Https,
    /// `ssh://host/path` or the short form `user@host:path`.
    Ssh,
    /// `file:///absolute/path`: a repository on the server itself.
    File,
}

impl GitScheme {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Https => "https",
            Self::Ssh => "ssh",
            Self::File => "file",
        }
    }
}

/// Checks a git URL: `https://`, `ssh://`, `user@host:path` or `file:///path`; nothing
/// else (no `ext::` or other `transport::` helpers, no `http://`, `git://`, no options
/// disguised as a host or path, no whitespace or control characters).
pub fn check_git_url(url: &str) -> Result<GitScheme, String> {
    if url.is_empty() {
        return Err("is required".into());
    }
    if url.len() > MAX_URL {
        return Err(format!("must be at most {MAX_URL} bytes"));
    }
    if url
        .chars()
        .any(|c| c.is_control() || c.is_whitespace() || c == '\\')
    {
        return Err("must not contain spaces, backslashes or control characters".into());
    }
    if url.starts_with('-') {
        return Err("must not start with '-'".into());
    }
    if url.contains("::") {
        return Err("transport helpers (`ext::`, `fd::`, …) are not allowed".into());
    }
    let lower = url.to_ascii_lowercase();
    if let Some(rest) = lower.strip_prefix("https://") {
        check_authority(rest)?;
        return Ok(GitScheme::Https);
    }
    if let Some(rest) = lower.strip_prefix("ssh://") {
        check_authority(rest)?;
        return Ok(GitScheme::Ssh);
    }
    if let Some(rest) = url.strip_prefix("file://") {
        if !rest.starts_with('/') || rest.split('/').any(|c| c == "..") {
            return Err("a file URL must name an absolute path: file:///srv/repo.git".into());
        }
        return Ok(GitScheme::File);
    }
    if lower.contains("://") {
        return Err("only https://, ssh:// and file:// URLs are allowed".into());
    }
    // The short ssh form `user@host:path`: a host before the first colon, no slash in it.
    if let Some((host, path)) = url.split_once(':')
        && !host.is_empty()
        && !host.contains('/')
        && !path.is_empty()
    {
        let bare = host.rsplit('@').next().unwrap_or(host);
        if bare.is_empty() || bare.starts_with('-') || !is_host(bare) {
            return Err("the host is not a valid host name".into());
        }
        if path.starts_with('-') {
            return Err("the path must not start with '-'".into());
        }
        return Ok(GitScheme::Ssh);
    }
    Err("must be an https://, ssh:// or file:// URL, or user@host:path".into())
}

fn is_host(h: &str) -> bool {
    let h = h.trim_start_matches('[').trim_end_matches(']');
    !h.is_empty()
        && h.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b':' | b'_'))
}

/// `[user@]host[:port]/path` after the scheme.
fn check_authority(rest: &str) -> Result<(), String> {
    let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
    let host_port = authority.rsplit('@').next().unwrap_or(authority);
    let user = authority
        .len()
        .checked_sub(host_port.len() + 1)
        .map(|n| &authority[..n]);
    if user.is_some_and(|u| u.starts_with('-') || u.contains(':')) {
        return Err("must not carry a password or an option as the user name".into());
    }
    let (host, port) = match host_port.strip_prefix('[') {
        Some(v6) => match v6.split_once(']') {
            Some((h, rest)) => (h, rest.strip_prefix(':').unwrap_or(rest)),
            None => return Err("the host is not a valid host name".into()),
        },
        None => host_port.split_once(':').unwrap_or((host_port, "")),
    };
    if !port.bytes().all(|b| b.is_ascii_digit()) || port.len() > 5 {
        return Err("the port must be a number".into());
    }
    if host.is_empty() || host.starts_with('-') || !is_host(host) {
        return Err("the host is not a valid host name".into());
    }
    if path.trim_matches('/').is_empty() {
        return Err("must name a repository path after the host".into());
    }
    Ok(())
}

/// Checks a branch or tag name as `git check-ref-format` would, and more strictly: it can
/// never be read as an option or a revision expression.
pub fn check_ref_name(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("is required".into());
    }
    if name.len() > MAX_REF {
        return Err(format!("must be at most {MAX_REF} bytes"));
    }
    if name.starts_with('-') || name.starts_with('/') || name.ends_with('/') {
        return Err("must not start with '-' or '/', nor end with '/'".into());
    }
    if name.contains("..")
        || name.contains("@{")
        || name.contains("//")
        || name.ends_with(".lock")
        || name.ends_with('.')
        || name == "@"
    {
        return Err("is not a valid ref name".into());
    }
    if name.chars().any(|c| {
        c.is_control() || c.is_whitespace() || matches!(c, '~' | '^' | ':' | '?' | '*' | '[' | '\\')
    }) {
        return Err("must not contain spaces, control characters or any of ~^:?*[\\".into());
    }
    if name.split('/').any(|c| c.starts_with('.')) {
        return Err("no component may start with '.'".into());
    }
    Ok(())
}

/// The release version a tag names, its numbers joined with `.`: `v1.10.3`, `1.10.3`,
/// `curl-8_4_0`, `release-2.0.1`, `openssl-3.0.1` and `v2.1` all name one; pre-releases
/// (`v2.0.0-rc1`) and other tags none.
pub fn tag_version(tag: &str) -> Option<String> {
    tag_parts(tag).map(|(_, nums)| {
        nums.iter()
            .map(u64::to_string)
            .collect::<Vec<_>>()
            .join(".")
    })
}

/// A tag's prefix (`curl-`, `v`, `release/`) and version numbers (two to four).
fn tag_parts(tag: &str) -> Option<(&str, Vec<u64>)> {
    let start = tag.find(|c: char| c.is_ascii_digit())?;
    let (prefix, rest) = tag.split_at(start);
    if !(prefix.is_empty()
        || prefix.ends_with(['v', 'V', '-', '_', '/'])
            && prefix
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'/' | b'.')))
    {
        return None;
    }
    let sep = rest.bytes().find(|b| !b.is_ascii_digit())?;
    if sep != b'.' && sep != b'_' {
        return None;
    }
    let parts: Vec<&str> = rest.split(sep as char).collect();
    if !(2..=4).contains(&parts.len()) {
        return None;
    }
    let nums: Vec<u64> = parts
        .iter()
        .map(|p| {
            if p.is_empty() || p.len() > 9 || !p.bytes().all(|b| b.is_ascii_digit()) {
                None
            } else {
                p.parse().ok()
            }
        })
        .collect::<Option<_>>()?;
    Some((prefix, nums))
}

/// Version numbers without trailing zeros beyond the first (`2.1.0` and `2.1` compare equal).
fn significant(nums: &[u64]) -> &[u64] {
    let mut n = nums.len();
    while n > 1 && nums[n - 1] == 0 {
        n -= 1;
    }
    &nums[..n]
}

/// The tag that stands for a version a report names (`8.4.0`, as the triage extracts
/// versions), among the repository's tags. Prefers `v8.4.0`, then `8.4.0`, then the
/// shortest other spelling (`curl-8_4_0`); `None` when no tag names that version.
pub fn tag_for_version<'a, I>(version: &str, tags: I) -> Option<&'a str>
where
    I: IntoIterator<Item = &'a str>,
{
    best_tag(version, None, tags)
}

/// The tag for a release a report names, among the repository's tags: the same version
/// (`2.1` matches `v2.1` and `v2.1.0`; the same number of parts first), spelled `v2.1`,
/// then `2.1`, then with the product the report wrote (`libfoo-2.1` for "libfoo 2.1"),
/// then the shortest other spelling (`curl-7_68_0`). `None` for a commit or when no tag
/// names that version.
pub fn tag_for_revision<'a, I>(named: &crate::NamedRevision, tags: I) -> Option<&'a str>
where
    I: IntoIterator<Item = &'a str>,
{
    if named.commit {
        return None;
    }
    best_tag(&named.name, named.product.as_deref(), tags)
}

fn best_tag<'a, I>(version: &str, product: Option<&str>, tags: I) -> Option<&'a str>
where
    I: IntoIterator<Item = &'a str>,
{
    let (_, wanted) = tag_parts(version)?;
    let key = significant(&wanted);
    let rank = |prefix: &str, nums: &[u64], t: &str| -> (u8, u8, usize) {
        let exact = u8::from(nums.len() != wanted.len());
        let spelled = match prefix {
            "v" | "V" => 0,
            "" => 1,
            p if product.is_some_and(|pr| {
                let p = p
                    .trim_end_matches(['-', '_', '/', 'v'])
                    .to_ascii_lowercase();
                p == pr || p.rsplit('/').next() == Some(pr)
            }) =>
            {
                2
            }
            _ => 3,
        };
        (exact, spelled, t.len())
    };
    tags.into_iter()
        .filter_map(|t| {
            let (prefix, nums) = tag_parts(t)?;
            (significant(&nums) == key).then(|| (rank(prefix, &nums, t), t))
        })
        .min_by(|a, b| a.0.cmp(&b.0).then(a.1.cmp(b.1)))
        .map(|(_, t)| t)
}

/// What to check a report at, from the revisions it names and the repository's tags: each
/// of the project's releases mapped to its tag (the ones without a tag listed apart), and
/// the commits named; at most `max` in all, in the report's order.
pub fn plan_revisions<'a>(
    named: &[crate::NamedRevision],
    tags: &'a [String],
    max: usize,
) -> RevisionPlan<'a> {
    let mut plan = RevisionPlan::default();
    for r in named {
        if plan.tags.len() + plan.commits.len() >= max {
            break;
        }
        if r.commit {
            if check_ref_name(&r.name).is_ok() && !plan.commits.contains(&r.name) {
                plan.commits.push(r.name.clone());
            }
            continue;
        }
        match tag_for_revision(r, tags.iter().map(String::as_str)) {
            Some(t) => {
                if !plan.tags.iter().any(|(_, x)| *x == t) {
                    plan.tags.push((r.name.clone(), t));
                }
            }
            None => {
                if !plan.untagged.contains(&r.name) {
                    plan.untagged.push(r.name.clone());
                }
            }
        }
    }
    plan
}

/// See [`plan_revisions`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RevisionPlan<'a> {
    /// (version as named, its tag).
    pub tags: Vec<(String, &'a str)>,
    /// Commit ids named (abbreviated as written).
    pub commits: Vec<String>,
    /// Versions named that no tag stands for.
    pub untagged: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepted_git_urls() {
        for (url, scheme) in [
            ("https://github.com/curl/curl.git", GitScheme::Https),
            ("https://git.example.org:8443/team/repo", GitScheme::Https),
            ("ssh://git@example.org/srv/repo.git", GitScheme::Ssh),
            ("ssh://git@example.org:2222/srv/repo.git", GitScheme::Ssh),
            ("git@github.com:curl/curl.git", GitScheme::Ssh),
            ("file:///srv/git/project.git", GitScheme::File),
        ] {
            assert_eq!(check_git_url(url), Ok(scheme), "{url}");
        }
    }

    #[test]
    fn hostile_or_unsupported_git_urls_are_refused() {
        for url in [
            "",
            "ext::sh -c touch% /tmp/pwned",
            "ext::sh",
            "fd::0",
            "-uhttps://x/y",
            "--upload-pack=touch /tmp/x",
            "ssh://-oProxyCommand=touch%20x/repo",
            "ssh://-oProxyCommand=x@host/repo",
            "-oProxyCommand=x:repo",
            "git@-oProxyCommand=x:repo",
            "host:-repo",
            "http://example.org/repo.git",
            "git://example.org/repo.git",
            "ftp://example.org/repo.git",
            "https://user:secret@example.org/repo.git",
            "https://example.org",
            "https://example.org/",
            "https://exa mple.org/repo",
            "https://example.org/repo\n",
            "file://relative/path",
            "file:///srv/../etc",
            "/srv/git/repo.git",
            "repo.git",
            "transport::https://example.org/repo",
        ] {
            assert!(check_git_url(url).is_err(), "accepted {url:?}");
        }
        let long = format!("https://example.org/{}", "a".repeat(MAX_URL));
        assert!(check_git_url(&long).is_err());
    }

    #[test]
    fn ref_names() {
        for ok in [
            "main",
            "release/1.x",
            "v1.0.0",
            "curl-8_4_0",
            "feature/a-b_c",
        ] {
            assert_eq!(check_ref_name(ok), Ok(()), "{ok}");
        }
        for bad in [
            "",
            "-n",
            "--upload-pack=x",
            "main..dev",
            "HEAD@{1}",
            "a b",
            "a~1",
            "a^",
            "a:b",
            "refs/*",
            "x.lock",
            "/main",
            "main/",
            ".hidden",
            "a/.b",
            "a\\b",
            "a\u{7}",
        ] {
            assert!(check_ref_name(bad).is_err(), "accepted {bad:?}");
        }
    }

    #[test]
    fn versions_named_by_tags() {
        assert_eq!(tag_version("v1.10.3").as_deref(), Some("1.10.3"));
        assert_eq!(tag_version("1.0.0").as_deref(), Some("1.0.0"));
        assert_eq!(tag_version("curl-8_4_0").as_deref(), Some("8.4.0"));
        assert_eq!(tag_version("release-2.0.1").as_deref(), Some("2.0.1"));
        assert_eq!(tag_version("openssl-3.0.1").as_deref(), Some("3.0.1"));
        assert_eq!(tag_version("releases/v007.1.2").as_deref(), Some("7.1.2"));
        assert_eq!(tag_version("v2.0.0-rc1"), None);
        assert_eq!(tag_version("v1.2").as_deref(), Some("1.2"));
        assert_eq!(tag_version("1.2.3.4").as_deref(), Some("1.2.3.4"));
        assert_eq!(tag_version("1.2.3.4.5"), None);
        assert_eq!(tag_version("v1"), None);
        assert_eq!(tag_version("1_2.3"), None);
        assert_eq!(tag_version("nightly"), None);
        assert_eq!(tag_version("x 1.2.3"), None);
    }

    #[test]
    fn a_version_maps_to_its_tag() {
        let tags = ["curl-8_3_0", "curl-8_4_0", "8.4.0", "v8.4.0", "v8.4.0-rc1"];
        assert_eq!(tag_for_version("8.4.0", tags), Some("v8.4.0"));
        assert_eq!(
            tag_for_version("8.4.0", tags[..3].iter().copied()),
            Some("8.4.0")
        );
        assert_eq!(
            tag_for_version("8.4.0", tags[..2].iter().copied()),
            Some("curl-8_4_0")
        );
        assert_eq!(tag_for_version("8.3.0", tags), Some("curl-8_3_0"));
        assert_eq!(tag_for_version("8.5.0", tags), None);
        assert_eq!(tag_for_version("not a version", tags), None);
        assert_eq!(tag_for_version("8.4", tags), Some("v8.4.0"));
        // Leading zeros and the other spellings compare as numbers.
        assert_eq!(
            tag_for_version("1.10.3", ["project-01_10_03"]),
            Some("project-01_10_03")
        );
    }

    fn named(name: &str, product: Option<&str>) -> crate::NamedRevision {
        crate::NamedRevision {
            name: name.into(),
            commit: false,
            product: product.map(str::to_owned),
        }
    }

    #[test]
    fn a_release_maps_to_the_tag_of_its_product_and_spelling() {
        let tags = [
            "libfoo-1.2.3",
            "libbar-1.2.3",
            "release-2.1.0",
            "v2.1",
            "curl-7_68_0",
        ];
        let t = |n: &crate::NamedRevision| tag_for_revision(n, tags);
        assert_eq!(t(&named("1.2.3", Some("libbar"))), Some("libbar-1.2.3"));
        assert_eq!(t(&named("1.2.3", Some("libfoo"))), Some("libfoo-1.2.3"));
        assert_eq!(t(&named("2.1", None)), Some("v2.1"));
        assert_eq!(t(&named("2.1.0", None)), Some("release-2.1.0"));
        assert_eq!(t(&named("7.68.0", Some("curl"))), Some("curl-7_68_0"));
        assert_eq!(t(&named("7.68", Some("curl"))), Some("curl-7_68_0"));
        assert_eq!(t(&named("9.9.9", None)), None);
        let commit = crate::NamedRevision {
            name: "abc1234".into(),
            commit: true,
            product: None,
        };
        assert_eq!(t(&commit), None);
        let tags: Vec<String> = tags.iter().map(|t| t.to_string()).collect();
        let plan = plan_revisions(
            &[
                named("7.68.0", Some("curl")),
                named("9.9.9", None),
                commit,
                named("2.1", None),
            ],
            &tags,
            2,
        );
        assert_eq!(plan.tags, [("7.68.0".to_owned(), "curl-7_68_0")]);
        assert_eq!(plan.untagged, ["9.9.9"]);
        assert_eq!(
            plan.commits,
            ["abc1234"],
            "at most two revisions: 2.1 left out"
        );
    }
}
