//! The daily watch of a security.txt a project hosts on its own website: a real web server
//! serves the file, the Embargo server's clock is moved a day at a time, and the
//! maintainers' notices arrive by real SMTP — new errors once, the Expires warning once.

use super::*;
use harness::SmtpSink;
use std::{
    io::{BufRead, BufReader, Write},
    net::TcpListener,
    sync::{Arc, Mutex},
};

/// A web server answering every GET with the current text as security.txt.
fn serve_file(text: Arc<Mutex<String>>) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let mut reader = BufReader::new(&stream);
            let mut line = String::new();
            // Read the request head to its blank line.
            while reader.read_line(&mut line).is_ok_and(|n| n > 2) {
                line.clear();
            }
            let body = text.lock().map(|t| t.clone()).unwrap_or_default();
            let mut stream = &stream;
            let _ = write!(
                stream,
                "HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\n\
                 Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    port
}

fn set_clock(path: &std::path::Path, at: &str) {
    // Write then rename, so the server never reads half a file.
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, at).expect("write clock");
    std::fs::rename(&tmp, path).expect("move clock");
}

/// How many watch checks the server has logged.
fn checks(server: &TestApp) -> usize {
    server.logs().matches("security.txt watch checked").count()
}

fn watch_mails(smtp: &SmtpSink) -> Vec<String> {
    smtp.messages()
        .into_iter()
        .filter(|m| m.contains("security.txt"))
        .collect()
}

#[tokio::test]
async fn maintainers_hear_of_new_errors_and_a_nearing_expiry_once() {
    let db = prepared(Backend::Sqlite).await;
    let file = Arc::new(Mutex::new(
        "Contact: security@watched.example\nExpires: 2027-01-10T00:00:00Z\n".to_owned(),
    ));
    let port = serve_file(file.clone());
    let dir = TempDir::new();
    let policy = dir.0.join("policy.toml");
    std::fs::write(
        &policy,
        format!("security_txt_url = \"http://127.0.0.1:{port}/.well-known/security.txt\"\n"),
    )
    .expect("policy");
    let (code, _, err) = cli(
        &db,
        &[
            "project",
            "create",
            "--slug",
            "watched",
            "--name",
            "Watched",
            "--contact",
            "mailto:security@watched.example",
            "--policy",
            policy.to_str().expect("utf-8"),
        ],
        "",
    );
    assert_eq!(code, 0, "{err}");

    let clock = dir.0.join("now");
    set_clock(&clock, "2026-12-20T00:00:00Z");
    let smtp = SmtpSink::start();
    let app = TestApp::serve(
        db,
        &ServerOptions {
            smtp_port: Some(smtp.port),
            clock_file: Some(clock.clone()),
            ..ServerOptions::default()
        },
    )
    .await;

    // Day 1: the project has no maintainer yet, so the administrator hears of it.
    app.drain().await;
    assert_eq!(checks(&app), 1, "{}", app.logs());
    let mails = watch_mails(&smtp);
    assert_eq!(mails.len(), 1, "{mails:?}");
    let first = &mails[0];
    assert!(first.contains("To: admin@example.test"), "{first}");
    assert!(
        first.contains("Subject: [watched] security.txt has 2 new errors"),
        "{first}"
    );
    assert!(first.contains("line 1: "), "{first}");
    assert!(first.contains("[no_uri]"), "{first}");
    assert!(
        first.contains("[invalid_uri_scheme]"),
        "plain http is an error: {first}"
    );
    assert!(
        first.contains("Its Expires date, 2027-01-10 00:00 UTC, is 21 days away"),
        "{first}"
    );

    // Day 2: one more error; only it is news, and the same Expires is not repeated.
    *file.lock().expect("file") =
        "Contact: security@watched.example\nExpires: 2027-01-10T00:00:00Z\nExpires: 2027-01-10T00:00:00Z\n"
            .to_owned();
    set_clock(&clock, "2026-12-21T01:00:00Z");
    app.drain().await;
    assert_eq!(checks(&app), 2, "{}", app.logs());
    let second = watch_mails(&smtp)
        .into_iter()
        .find(|m| m.contains("multi_expire"))
        .unwrap_or_else(|| panic!("about the new error: {:?}", smtp.messages()));
    assert!(
        second.contains("Subject: [watched] security.txt has a new error"),
        "{second}"
    );
    assert!(!second.contains("[no_uri]"), "old news: {second}");
    assert!(!second.contains("Expires date"), "warned once: {second}");

    // Day 3: nothing changed, nothing sent.
    set_clock(&clock, "2026-12-22T02:00:00Z");
    app.drain().await;
    assert_eq!(checks(&app), 3, "{}", app.logs());
    assert_eq!(watch_mails(&smtp).len(), 2, "{:?}", watch_mails(&smtp));

    // Maintainers see the last check on the policy page.
    let http = client();
    sign_in(&http, &app.url).await;
    let page = http
        .get(format!("{}/inbox/watched/policy", app.url))
        .send()
        .await
        .expect("policy page")
        .text()
        .await
        .expect("html");
    assert!(
        // (Templates escape '/' as '&#x2f;'.)
        page.contains(&format!(
            "127.0.0.1:{port}&#x2f;.well-known&#x2f;security.txt"
        )),
        "{page}"
    );
    assert!(page.contains("<strong>not valid</strong>"), "{page}");
    assert!(page.contains("<code>multi_expire</code>"), "{page}");
    app.stop().await.expect("graceful stop");
}
