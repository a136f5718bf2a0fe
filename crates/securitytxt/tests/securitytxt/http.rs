//! URL mode against local HTTP servers: candidates, redirects, media type, charset,
//! Canonical, size cap. The servers speak plain HTTP (no TLS here), so every retrieval also
//! carries `invalid_uri_scheme`, which is what the RFC asks for.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::Duration;

use securitytxt::{Code, HttpResponse, LintOptions, Report, lint_retrieved, retrieve};

use crate::pinned_now;

struct Route {
    path: &'static str,
    status: u16,
    headers: Vec<(&'static str, String)>,
    body: Vec<u8>,
}

fn route(path: &'static str, status: u16, headers: &[(&'static str, &str)], body: &str) -> Route {
    Route {
        path,
        status,
        headers: headers.iter().map(|(k, v)| (*k, v.to_string())).collect(),
        body: body.as_bytes().to_vec(),
    }
}

/// Serves `routes` (404 for anything else) until the test process ends; returns the origin.
/// `{origin}` in bodies and headers is replaced by the server's own origin.
fn serve(routes: Vec<Route>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let origin = format!("http://{}", listener.local_addr().expect("addr"));
    let o = origin.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut request = Vec::new();
            let mut buf = [0u8; 2048];
            while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                match stream.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => request.extend_from_slice(&buf[..n]),
                }
            }
            let request = String::from_utf8_lossy(&request);
            let path = request.split(' ').nth(1).unwrap_or("/");
            let mut response = Vec::new();
            match routes.iter().find(|r| r.path == path) {
                Some(r) => {
                    let body = String::from_utf8_lossy(&r.body).replace("{origin}", &o);
                    let body = if body.contains('\u{FFFD}') {
                        r.body.clone()
                    } else {
                        body.into_bytes()
                    };
                    let _ = write!(response, "HTTP/1.0 {} X\r\n", r.status);
                    for (k, v) in &r.headers {
                        let _ = write!(response, "{k}: {}\r\n", v.replace("{origin}", &o));
                    }
                    let _ = write!(response, "Content-Length: {}\r\n\r\n", body.len());
                    response.extend_from_slice(&body);
                }
                None => response
                    .extend_from_slice(b"HTTP/1.0 404 Not Found\r\nContent-Length: 0\r\n\r\n"),
            }
            let _ = stream.write_all(&response);
        }
    });
    origin
}

/// A minimal HTTP/1.0 GET without redirects, reading at most `cap` body bytes — what the
/// binary's fetcher does over HTTPS.
fn get(url: &str, cap: usize) -> Result<HttpResponse, String> {
    let rest = url.strip_prefix("http://").ok_or("not http")?;
    let (host, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let path = if path.is_empty() { "/" } else { path };
    let mut s = TcpStream::connect(host).map_err(|e| e.to_string())?;
    s.set_read_timeout(Some(Duration::from_secs(5)))
        .map_err(|e| e.to_string())?;
    s.write_all(format!("GET {path} HTTP/1.0\r\nHost: {host}\r\n\r\n").as_bytes())
        .map_err(|e| e.to_string())?;
    let mut raw = Vec::new();
    s.take((cap + 4096) as u64)
        .read_to_end(&mut raw)
        .map_err(|e| e.to_string())?;
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or("no header end")?;
    let head = String::from_utf8_lossy(&raw[..split]).to_string();
    let mut body = raw[split + 4..].to_vec();
    body.truncate(cap + 1);
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|c| c.parse().ok())
        .ok_or("bad status line")?;
    let mut r = HttpResponse {
        status,
        body,
        ..HttpResponse::default()
    };
    for line in lines {
        if let Some((k, v)) = line.split_once(':') {
            match k.trim().to_ascii_lowercase().as_str() {
                "location" => r.location = Some(v.trim().to_string()),
                "content-type" => r.content_type = Some(v.trim().to_string()),
                _ => {}
            }
        }
    }
    Ok(r)
}

fn check(input: &str) -> Report {
    let opts = LintOptions::at(pinned_now());
    let retrieved = retrieve(input, &mut |u| get(u, opts.max_size));
    lint_retrieved(&retrieved, &opts)
}

fn codes(r: &Report) -> Vec<&'static str> {
    let mut v: Vec<&'static str> = r.findings.iter().map(|f| f.code.id()).collect();
    v.sort();
    v.dedup();
    v
}

const BODY: &str = "Contact: mailto:security@example.org\n\
Expires: 2027-06-01T00:00:00Z\n\
Encryption: https://example.org/key.asc\n\
Policy: https://example.org/security\n\
Canonical: {origin}/.well-known/security.txt\n";

const PLAIN: &[(&str, &str)] = &[("Content-Type", "text/plain; charset=utf-8")];

#[test]
fn well_known_file_with_matching_canonical() {
    let origin = serve(vec![route("/.well-known/security.txt", 200, PLAIN, BODY)]);
    let r = check(&origin);
    // Canonical is http:// here (the test server has no TLS), hence no_https; nothing else.
    assert_eq!(codes(&r), ["invalid_uri_scheme", "no_https", "not_signed"]);
    assert!(!r.has(Code::NoCanonicalMatch));
}

#[test]
fn legacy_path_served_as_html() {
    let origin = serve(vec![route(
        "/security.txt",
        200,
        &[("Content-Type", "text/html; charset=utf-8")],
        "<!doctype html>\n<html><body>Contact us</body></html>\n",
    )]);
    let r = check(&origin);
    for code in [
        Code::Location,
        Code::InvalidMedia,
        Code::Html,
        Code::NoContact,
    ] {
        assert!(r.has(code), "{code}: {:?}", codes(&r));
    }
    assert!(!r.has(Code::InvalidCharset));
}

#[test]
fn redirects_are_followed_and_reported() {
    let origin = serve(vec![
        route(
            "/.well-known/security.txt",
            301,
            &[("Location", "/sec/current.txt")],
            "",
        ),
        route(
            "/sec/current.txt",
            302,
            &[("Location", "{origin}/sec/v2.txt")],
            "",
        ),
        route(
            "/sec/v2.txt",
            200,
            &[("Content-Type", "text/plain; charset=ISO-8859-1")],
            &BODY.replace(
                "{origin}/.well-known",
                "https://elsewhere.example/.well-known",
            ),
        ),
    ]);
    let r = check(&format!("{origin}/"));
    assert_eq!(
        codes(&r),
        [
            "invalid_charset",
            "invalid_uri_scheme",
            "location",
            "no_canonical_match",
            "not_signed",
            "redirected"
        ]
    );
    let redirect = r.findings.iter().find(|f| f.code == Code::Redirected);
    let expected = format!(
        "{origin}/.well-known/security.txt → {origin}/sec/current.txt → {origin}/sec/v2.txt"
    );
    assert!(
        redirect.is_some_and(|f| f.message().contains(&expected)),
        "{:?}",
        r.findings
    );
}

#[test]
fn missing_everywhere_and_unreachable() {
    let origin = serve(vec![]);
    let r = check(&origin);
    assert!(r.has(Code::NoSecurityTxt) && !r.is_valid());
    assert_eq!(codes(&r), ["invalid_uri_scheme", "no_security_txt"]);
    // A port nobody listens on (bound then dropped).
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port());
    let r = check(&format!("http://127.0.0.1:{}", port.unwrap_or(9)));
    assert!(r.has(Code::FetchFailed) && !r.is_valid());
}

#[test]
fn redirect_loops_end() {
    let origin = serve(vec![route(
        "/.well-known/security.txt",
        302,
        &[("Location", "/.well-known/security.txt")],
        "",
    )]);
    let r = check(&origin);
    assert!(!r.is_valid());
    assert!(r.has(Code::NoSecurityTxt) || r.has(Code::FetchFailed));
}

#[test]
fn oversized_bodies_are_capped() {
    let big = format!("{BODY}{}", "# padding\n".repeat(4000));
    let origin = serve(vec![route(
        "/.well-known/security.txt",
        200,
        &[("Content-Type", "text/plain")],
        &big,
    )]);
    let r = check(&origin);
    assert!(r.has(Code::FileTooLarge), "{:?}", codes(&r));
    assert!(!r.has(Code::NoContentType) && !r.has(Code::InvalidCharset));
}
