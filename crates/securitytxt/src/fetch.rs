//! Retrieval by URL with RFC 9116 §3's rules, without doing I/O: the caller supplies a
//! function that performs one HTTP GET (no automatic redirects, body capped) and this module
//! decides what to ask for, follows and records redirects, and checks what came back.

use crate::code::{Code, Finding};
use crate::lint::{LintOptions, Report, lint};

/// Redirects followed before giving up.
pub const MAX_REDIRECTS: usize = 5;

/// What one HTTP GET returned. The fetcher must not follow redirects itself and should stop
/// reading the body after the size cap plus one byte (so the linter reports the overflow).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HttpResponse {
    /// Status code.
    pub status: u16,
    /// The `Location` header, for redirects.
    pub location: Option<String>,
    /// The `Content-Type` header.
    pub content_type: Option<String>,
    /// The body (possibly capped).
    pub body: Vec<u8>,
}

/// One request of a retrieval.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hop {
    /// The URL requested.
    pub url: String,
    /// Its status, or `None` when the request failed.
    pub status: Option<u16>,
}

/// The outcome of [`retrieve`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Retrieved {
    /// What the user asked for.
    pub input: String,
    /// Every request in order (candidates tried, redirects followed).
    pub hops: Vec<Hop>,
    /// The URL of the first request of the chain that succeeded.
    pub requested_url: Option<String>,
    /// The URL the file was finally served from.
    pub final_url: Option<String>,
    /// The successful response, if any.
    pub response: Option<HttpResponse>,
    /// Retrieval findings (HTTP level).
    pub findings: Vec<Finding>,
}

/// The URLs to try for `input`: a bare origin (`https://example.org` or `…/`) or a domain
/// name (`example.org`) gives `/.well-known/security.txt`, then the legacy `/security.txt`
/// (RFC 9116 §3: the well-known location wins); a URL with a path is tried as given.
pub fn candidate_urls(input: &str) -> Vec<String> {
    let input = input.trim();
    let with_scheme = if input.contains("://") {
        input.to_string()
    } else {
        format!("https://{input}")
    };
    let (origin, path) = split_origin(&with_scheme);
    if path.is_empty() || path == "/" {
        vec![
            format!("{origin}/.well-known/security.txt"),
            format!("{origin}/security.txt"),
        ]
    } else {
        vec![with_scheme]
    }
}

/// `("https://host:port", "/path?query")`.
fn split_origin(url: &str) -> (&str, &str) {
    let after_scheme = url.find("://").map(|i| i + 3).unwrap_or(0);
    match url[after_scheme..].find(['/', '?', '#']) {
        Some(i) => url.split_at(after_scheme + i),
        None => (url, ""),
    }
}

/// Resolves a `Location` value against the URL it came from (RFC 3986 §5, the common cases).
fn resolve(base: &str, location: &str) -> String {
    let location = location.trim();
    if crate::uri::scheme_of(location).is_some() {
        return location.to_string();
    }
    let (origin, path) = split_origin(base);
    if let Some(rest) = location.strip_prefix("//") {
        let scheme = &base[..base.find("://").unwrap_or(0)];
        return format!("{scheme}://{rest}");
    }
    if location.starts_with('/') {
        return format!("{origin}{location}");
    }
    let path = path.split(['?', '#']).next().unwrap_or("");
    let dir = match path.rfind('/') {
        Some(i) => &path[..=i],
        None => "/",
    };
    format!("{origin}{dir}{location}")
}

fn is_https(url: &str) -> bool {
    url.as_bytes()
        .get(..8)
        .is_some_and(|s| s.eq_ignore_ascii_case(b"https://"))
}

/// Retrieves a security.txt for `input` (see [`candidate_urls`]) with `get`, which performs
/// one GET per call. Redirects are followed (at most [`MAX_REDIRECTS`]) and recorded; a hop
/// over plain `http` is reported (`invalid_uri_scheme`) but still followed, so the file can be
/// linted.
pub fn retrieve(
    input: &str,
    get: &mut dyn FnMut(&str) -> Result<HttpResponse, String>,
) -> Retrieved {
    let mut out = Retrieved {
        input: input.to_string(),
        hops: Vec::new(),
        requested_url: None,
        final_url: None,
        response: None,
        findings: Vec::new(),
    };
    let mut last_error = None;
    'candidates: for start in candidate_urls(input) {
        let mut url = start.clone();
        for _ in 0..=MAX_REDIRECTS {
            if !is_https(&url)
                && !out
                    .findings
                    .iter()
                    .any(|f| f.code == Code::InvalidUriScheme)
            {
                out.findings.push(Finding::new(
                    Code::InvalidUriScheme,
                    None,
                    format!("'{url}'"),
                ));
            }
            let response = match get(&url) {
                Ok(r) => r,
                Err(e) => {
                    out.hops.push(Hop {
                        url: url.clone(),
                        status: None,
                    });
                    last_error = Some(format!("{url}: {e}"));
                    continue 'candidates;
                }
            };
            out.hops.push(Hop {
                url: url.clone(),
                status: Some(response.status),
            });
            match response.status {
                200 => {
                    out.requested_url = Some(start);
                    out.final_url = Some(url);
                    out.response = Some(response);
                    break 'candidates;
                }
                301 | 302 | 303 | 307 | 308 => match &response.location {
                    Some(loc) => url = resolve(&url, loc),
                    None => {
                        last_error = Some(format!("{url}: redirect without Location"));
                        continue 'candidates;
                    }
                },
                _ => continue 'candidates,
            }
        }
        last_error = Some(format!("{start}: more than {MAX_REDIRECTS} redirects"));
    }

    let Some(response) = &out.response else {
        let tried: Vec<String> = out
            .hops
            .iter()
            .map(|h| match h.status {
                Some(s) => format!("{} ({s})", h.url),
                None => format!("{} (failed)", h.url),
            })
            .collect();
        let code = if out.hops.iter().any(|h| h.status.is_some()) {
            Code::NoSecurityTxt
        } else {
            Code::FetchFailed
        };
        let detail = match (&last_error, code) {
            (Some(e), _)
                if code == Code::FetchFailed || out.hops.iter().any(|h| h.status.is_none()) =>
            {
                format!("{}; {e}", tried.join(", "))
            }
            _ => tried.join(", "),
        };
        out.findings.push(Finding::new(code, None, &detail));
        return out;
    };

    let chain: Vec<&str> = out
        .hops
        .iter()
        .skip_while(|h| Some(&h.url) != out.requested_url.as_ref())
        .map(|h| h.url.as_str())
        .collect();
    if chain.len() > 1 {
        out.findings
            .push(Finding::new(Code::Redirected, None, chain.join(" → ")));
    }
    if let Some(final_url) = &out.final_url {
        let (_, path) = split_origin(final_url);
        let path = path.split(['?', '#']).next().unwrap_or("");
        // An explicit URL with its own path (e.g. a per-project file) is taken as given; the
        // legacy top-level path, or ending elsewhere from an origin, is reported.
        let explicit = candidate_urls(&out.input).len() == 1;
        if path == "/security.txt" || (!explicit && path != "/.well-known/security.txt") {
            out.findings.push(Finding::new(
                Code::Location,
                None,
                format!("served from '{path}'"),
            ));
        }
    }
    match &response.content_type {
        None => out
            .findings
            .push(Finding::new(Code::NoContentType, None, "")),
        Some(ct) => {
            let mut parts = ct.split(';');
            let media = parts.next().unwrap_or("").trim();
            if !media.eq_ignore_ascii_case("text/plain") {
                out.findings
                    .push(Finding::new(Code::InvalidMedia, None, format!("'{media}'")));
            }
            for p in parts {
                if let Some((k, v)) = p.split_once('=')
                    && k.trim().eq_ignore_ascii_case("charset")
                {
                    let v = v.trim().trim_matches('"');
                    if !v.eq_ignore_ascii_case("utf-8") {
                        out.findings.push(Finding::new(
                            Code::InvalidCharset,
                            None,
                            format!("'{v}'"),
                        ));
                    }
                }
            }
        }
    }
    out
}

/// Lints what [`retrieve`] got: the retrieval findings first, then the file's, with the
/// `Canonical` check against the requested and final URLs (RFC 9116 §2.5.2).
pub fn lint_retrieved(retrieved: &Retrieved, options: &LintOptions<'_>) -> Report {
    let Some(response) = &retrieved.response else {
        let mut report = lint(b"", options);
        report.findings = retrieved.findings.clone();
        return report;
    };
    let urls: Vec<&str> = [&retrieved.requested_url, &retrieved.final_url]
        .into_iter()
        .flatten()
        .map(String::as_str)
        .collect();
    let opts = LintOptions {
        retrieval_urls: &urls,
        ..*options
    };
    let mut report = lint(&response.body, &opts);
    let mut findings = retrieved.findings.clone();
    findings.append(&mut report.findings);
    report.findings = findings;
    report
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn candidates_prefer_well_known() {
        assert_eq!(
            candidate_urls("example.org"),
            [
                "https://example.org/.well-known/security.txt",
                "https://example.org/security.txt"
            ]
        );
        assert_eq!(
            candidate_urls("https://example.org:8443/"),
            [
                "https://example.org:8443/.well-known/security.txt",
                "https://example.org:8443/security.txt"
            ]
        );
        assert_eq!(
            candidate_urls("https://example.org/p/x/security.txt"),
            ["https://example.org/p/x/security.txt"]
        );
    }

    #[test]
    fn locations_resolve() {
        let base = "https://a.example/x/y.txt?q";
        assert_eq!(resolve(base, "https://b.example/z"), "https://b.example/z");
        assert_eq!(resolve(base, "//c.example/z"), "https://c.example/z");
        assert_eq!(resolve(base, "/z"), "https://a.example/z");
        assert_eq!(resolve(base, "z.txt"), "https://a.example/x/z.txt");
    }
}
