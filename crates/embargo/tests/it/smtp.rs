//! Mail over the SMTP and LMTP listener of `embargo serve`, sent with Python's `smtplib`
//! (and by hand over TCP for LMTP's per-recipient replies): a new report is stored and
//! acknowledged with the report's reply address, the reporter's reply to that address joins
//! the thread and a stranger's does not, recipients that are not ours are refused (no open
//! relay), oversized mail is refused, and a disabled reply address stops working.

use super::*;

on_each_backend!(
    mail_over_smtp_opens_reports_and_threads_replies_to_their_reply_address,
    lmtp_delivery_answers_each_recipient_and_threads_replies,
    new_reports_by_mail_over_their_limits_are_deferred_with_451
);
use harness::SmtpSink;
use std::io::{BufRead, BufReader, Write};
use store::Disposition;

/// Runs one repository write in its own unit of work.
macro_rules! write {
    ($store:expr, |$c:ident| $call:expr) => {{
        let mut tx = $store.begin().await.expect("begin");
        let $c: &mut store::Conn = &mut tx;
        let out = $call.await;
        tx.commit().await.expect("commit");
        out
    }};
}

/// What one `smtplib` session answered: EHLO, MAIL, each RCPT, and the final dot (0 when
/// DATA was not sent because no recipient was accepted).
#[derive(Debug, serde::Deserialize)]
struct Sent {
    ehlo: u16,
    mail: u16,
    rcpt: Vec<u16>,
    data: u16,
}

const SEND: &str = r#"
import json, smtplib, sys
req = json.load(sys.stdin)
s = smtplib.SMTP("127.0.0.1", req["port"], timeout=30)
out = {"ehlo": s.ehlo("client.example.net")[0], "rcpt": [], "data": 0}
options = ["SIZE=%d" % req["size"]] if req.get("size") else []
out["mail"] = s.mail(req["from"], options)[0]
if out["mail"] == 250:
    out["rcpt"] = [s.rcpt(r)[0] for r in req["to"]]
    if 250 in out["rcpt"]:
        try:
            out["data"] = s.data(req["data"].encode())[0]
        except smtplib.SMTPDataError as e:
            out["data"] = e.smtp_code
else:
    s.rset()
s.quit()
print(json.dumps(out))
"#;

/// Sends one message with Python's `smtplib`.
fn send(port: u16, from: &str, to: &[&str], data: &str, size: Option<usize>) -> Sent {
    let mut child = std::process::Command::new("python3")
        .args(["-c", SEND])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("python3");
    let request = serde_json::json!({
        "port": port, "from": from, "to": to, "data": data, "size": size,
    });
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(request.to_string().as_bytes())
        .expect("write request");
    let out = child.wait_with_output().expect("python3");
    assert!(
        out.status.success(),
        "smtplib: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("smtplib result")
}

fn message(from: &str, to: &str, subject: &str, body: &str) -> String {
    format!(
        "From: {from}\r\nTo: {to}\r\nSubject: {subject}\r\n\
         Message-ID: <{}@example.org>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n",
        uuid::Uuid::new_v4().simple()
    )
}

/// The address in the `Reply-To` field of a message from the SMTP sink.
fn reply_to(mail: &str) -> String {
    let line = mail
        .lines()
        .find(|l| l.to_ascii_lowercase().starts_with("reply-to:"))
        .unwrap_or_else(|| panic!("no Reply-To in {mail}"));
    let value = line["reply-to:".len()..].trim();
    value
        .trim_start_matches('<')
        .trim_end_matches('>')
        .to_owned()
}

const CONTACT: &str = "security@printdesk.example";

async fn mail_over_smtp_opens_reports_and_threads_replies_to_their_reply_address(backend: Backend) {
    over_smtp(backend).await;
}

async fn over_smtp(backend: Backend) {
    let db = prepared(backend).await;
    let store = db.store().await;
    let demo = store::projects::by_slug(
        &mut store.read().await.expect("read"),
        &domain::ProjectSlug::parse("demo").expect("slug"),
    )
    .await
    .expect("project")
    .expect("demo");
    let sink = SmtpSink::start();
    let server = Server::start(
        &db,
        &ServerOptions {
            smtp_port: Some(sink.port),
            env: vec![
                ("EMBARGO_MAIL_IN_BIND".into(), "127.0.0.1:0".into()),
                ("EMBARGO_MAIL_IN_DOMAINS".into(), "printdesk.example".into()),
                ("EMBARGO_MAIL_IN_MAX_MESSAGE_BYTES".into(), "65536".into()),
            ],
            ..ServerOptions::default()
        },
    );
    let port = server.mail_port();

    // A new report to the project's contact: stored and acknowledged.
    let report_text = message(
        "Mara Lind <mara@example.org>",
        CONTACT,
        "Path traversal in timelapse download",
        "The timelapse download serves ../../config.yaml to any user.",
    );
    let sent = send(port, "mara@example.org", &[CONTACT], &report_text, None);
    assert_eq!(
        (sent.ehlo, sent.mail, &sent.rcpt[..], sent.data),
        (250, 250, &[250][..], 250)
    );
    let reports = store::reports::list(&mut store.read().await.expect("read"), demo.id)
        .await
        .expect("reports");
    assert_eq!(reports.len(), 1);
    let report = reports[0].clone();
    assert_eq!(report.source, domain::report::Source::Email);
    assert_eq!(report.title, "Path traversal in timelapse download");
    assert_eq!(report.reporter_email.as_deref(), Some("mara@example.org"));
    // Stored as it arrived, after the trace fields of its delivery.
    let inbound = store::inbound::of_project(&mut store.read().await.expect("read"), demo.id, 10)
        .await
        .expect("inbound");
    assert_eq!(inbound[0].disposition, Disposition::Report);
    let raw = store::inbound::raw(&mut store.read().await.expect("read"), inbound[0].id)
        .await
        .expect("raw")
        .expect("stored");
    let raw = String::from_utf8(raw).expect("utf-8");
    assert!(
        raw.starts_with(
            "Return-Path: <mara@example.org>\r\nReceived: from client.example.net ([127.0.0.1])"
        ),
        "{raw}"
    );
    assert!(raw.ends_with(&report_text), "{raw}");

    // The acknowledgement answers to the report's own reply address.
    let ack = sink.wait_for("acknowledging the report", |m| {
        m.contains("Report #1 received") && m.contains("mara@example.org")
    });
    let address = reply_to(&ack);
    let token = address
        .strip_prefix("security+")
        .and_then(|rest| rest.strip_suffix("@printdesk.example"))
        .unwrap_or_else(|| panic!("not a reply address: {address}"));
    assert_eq!(token.len(), 32, "{token}");
    assert!(
        token
            .bytes()
            .all(|b| b.is_ascii_lowercase() || (b'2'..=b'7').contains(&b)),
        "{token}"
    );

    // The reporter answers to it, quoting nothing: the message joins the report's thread.
    let answer = message(
        "mara@example.org",
        &address,
        "Re: Report #1 received",
        "Version 1.10.3 on a Raspberry Pi is affected as well.",
    );
    let sent = send(port, "mara@example.org", &[&address], &answer, None);
    assert_eq!((&sent.rcpt[..], sent.data), (&[250][..], 250));
    let thread =
        store::messages::of_report(&mut store.read().await.expect("read"), report.id, true)
            .await
            .expect("messages");
    assert!(
        thread.iter().any(|m| m.body.contains("Raspberry Pi")),
        "{thread:?}"
    );
    // An MTA may fold the address to upper case: still the same report.
    let shouted = message("mara@example.org", &address, "Re", "One more detail.");
    let sent = send(
        port,
        "mara@example.org",
        &[&address.to_ascii_uppercase()],
        &shouted,
        None,
    );
    assert_eq!((&sent.rcpt[..], sent.data), (&[250][..], 250));
    let thread =
        store::messages::of_report(&mut store.read().await.expect("read"), report.id, true)
            .await
            .expect("messages");
    assert!(
        thread.iter().any(|m| m.body.contains("One more detail")),
        "{thread:?}"
    );

    // A stranger who learnt the address cannot write into the thread, nor open a report.
    let intrusion = message(
        "eve@example.net",
        &address,
        "Re: Report #1 received",
        "Please pay the bounty to my wallet first.",
    );
    let sent = send(port, "eve@example.net", &[&address], &intrusion, None);
    assert_eq!((&sent.rcpt[..], sent.data), (&[250][..], 250));
    let thread =
        store::messages::of_report(&mut store.read().await.expect("read"), report.id, true)
            .await
            .expect("messages");
    assert!(
        !thread.iter().any(|m| m.body.contains("wallet")),
        "{thread:?}"
    );
    assert_eq!(
        store::reports::list(&mut store.read().await.expect("read"), demo.id)
            .await
            .expect("reports")
            .len(),
        1
    );
    let kept = &store::inbound::of_project(&mut store.read().await.expect("read"), demo.id, 1)
        .await
        .expect("inbound")[0];
    assert_eq!(kept.sender.as_deref(), Some("eve@example.net"));
    assert_eq!(kept.disposition, Disposition::Ignored);
    assert_eq!(kept.report, None);

    // Not ours: refused at RCPT with 550, so nothing is relayed; an accepted recipient
    // beside them still gets the message.
    let stray = message("x@example.net", "someone@elsewhere.example", "hi", "hello");
    let forged = format!("security+{}@printdesk.example", "a".repeat(32));
    let sent = send(
        port,
        "x@example.net",
        &[
            "someone@elsewhere.example",
            "nobody@printdesk.example",
            &forged,
        ],
        &stray,
        None,
    );
    assert_eq!((&sent.rcpt[..], sent.data), (&[550, 550, 550][..], 0));

    // Too large: refused up front when announced, after the data otherwise.
    let big = message(
        "mara@example.org",
        CONTACT,
        "big",
        &format!("{}\r\n", "A".repeat(68)).repeat(1000),
    );
    let sent = send(port, "mara@example.org", &[CONTACT], &big, Some(big.len()));
    assert_eq!((sent.mail, sent.data), (552, 0));
    let sent = send(port, "mara@example.org", &[CONTACT], &big, None);
    assert_eq!((&sent.rcpt[..], sent.data), (&[250][..], 552));
    assert_eq!(
        store::reports::list(&mut store.read().await.expect("read"), demo.id)
            .await
            .expect("reports")
            .len(),
        1
    );

    // Disabled (the reporter was blocked): the address is refused from then on, over SMTP
    // and through `ingest-mail --recipient`.
    write!(store, |c| store::reply_tokens::disable(c, report.id)).expect("disable");
    let sent = send(port, "mara@example.org", &[&address], &answer, None);
    assert_eq!((&sent.rcpt[..], sent.data), (&[550][..], 0));
    let (code, out, err) = cli(&db, &["ingest-mail", "--recipient", &address], &answer);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out.trim(), "ignored: kept for the maintainers");
    let kept = &store::inbound::of_project(&mut store.read().await.expect("read"), demo.id, 1)
        .await
        .expect("inbound")[0];
    assert!(
        kept.detail
            .as_deref()
            .is_some_and(|d| d.contains("reply address unknown or disabled")),
        "{kept:?}"
    );
    assert_eq!(server.stop().code(), Some(0));
    store.close().await;
}

/// One LMTP dialogue over TCP; returns every reply line the server wrote.
fn lmtp(port: u16, lines: &[&str], replies_expected: usize) -> Vec<String> {
    let stream = std::net::TcpStream::connect(("127.0.0.1", port)).expect("connect");
    stream
        .set_read_timeout(Some(std::time::Duration::from_secs(30)))
        .expect("timeout");
    let mut reader = BufReader::new(stream.try_clone().expect("clone"));
    let mut writer = stream;
    for line in lines {
        writer
            .write_all(format!("{line}\r\n").as_bytes())
            .expect("write");
    }
    let mut out = Vec::new();
    // Count final reply lines (`NNN ` rather than `NNN-`).
    let mut finals = 0;
    while finals < replies_expected {
        let mut line = String::new();
        if reader.read_line(&mut line).expect("read") == 0 {
            break;
        }
        if line.as_bytes().get(3) == Some(&b' ') {
            finals += 1;
        }
        out.push(line.trim_end().to_owned());
    }
    out
}

async fn lmtp_delivery_answers_each_recipient_and_threads_replies(backend: Backend) {
    over_lmtp(backend).await;
}

async fn over_lmtp(backend: Backend) {
    let db = prepared(backend).await;
    let store = db.store().await;
    let sink = SmtpSink::start();
    let server = Server::start(
        &db,
        &ServerOptions {
            smtp_port: Some(sink.port),
            env: vec![
                ("EMBARGO_MAIL_IN_BIND".into(), "127.0.0.1:0".into()),
                ("EMBARGO_MAIL_IN_PROTOCOL".into(), "lmtp".into()),
            ],
            ..ServerOptions::default()
        },
    );
    let port = server.mail_port();
    assert!(
        server
            .stdout
            .iter()
            .any(|l| l.starts_with("embargo mail listening on lmtp://")),
        "{:?}",
        server.stdout
    );
    let first = message(
        "Mara Lind <mara@example.org>",
        CONTACT,
        "XSS in the upload dialog",
        "The file name is shown unescaped.",
    );
    let mut lines = vec![
        "LHLO mta.example.org",
        "MAIL FROM:<mara@example.org>",
        "RCPT TO:<security@printdesk.example>",
        "RCPT TO:<postmaster@printdesk.example>",
        "DATA",
    ];
    lines.extend(first.trim_end().split("\r\n"));
    lines.extend([".", "QUIT"]);
    let replies = lmtp(port, &lines, 8);
    // Greeting, LHLO, MAIL, RCPT accepted, RCPT refused, DATA, one reply for the one
    // accepted recipient, QUIT.
    assert_eq!(
        final_codes(&replies),
        ["220", "250", "250", "250", "550", "354", "250", "221"],
        "{replies:?}"
    );
    let demo = store::projects::by_slug(
        &mut store.read().await.expect("read"),
        &domain::ProjectSlug::parse("demo").expect("slug"),
    )
    .await
    .expect("project")
    .expect("demo");
    let reports = store::reports::list(&mut store.read().await.expect("read"), demo.id)
        .await
        .expect("reports");
    assert_eq!(reports.len(), 1);
    let report = reports[0].clone();
    let ack = sink.wait_for("acknowledging the report", |m| {
        m.contains("Report #1 received")
    });
    let address = reply_to(&ack);
    assert!(address.starts_with("security+"), "{address}");

    // The reporter answers to the contact and the reply address at once: LMTP answers the
    // final dot once per accepted recipient, and the reply address threads the message.
    let answer = message("mara@example.org", &address, "Re: XSS", "Firefox only.");
    let rcpt = format!("RCPT TO:<{address}>");
    let mut lines = vec![
        "LHLO mta.example.org",
        "MAIL FROM:<mara@example.org>",
        "RCPT TO:<security@printdesk.example>",
        &rcpt,
        "DATA",
    ];
    lines.extend(answer.trim_end().split("\r\n"));
    lines.push(".");
    let replies = lmtp(port, &lines, 8);
    assert_eq!(
        final_codes(&replies),
        ["220", "250", "250", "250", "250", "354", "250", "250"],
        "{replies:?}"
    );
    let thread =
        store::messages::of_report(&mut store.read().await.expect("read"), report.id, true)
            .await
            .expect("messages");
    assert!(
        thread.iter().any(|m| m.body.contains("Firefox only.")),
        "{thread:?}"
    );
    assert_eq!(
        store::reports::list(&mut store.read().await.expect("read"), demo.id)
            .await
            .expect("reports")
            .len(),
        1
    );
    assert_eq!(server.stop().code(), Some(0));
    store.close().await;
}

/// The codes of the last line of each reply.
fn final_codes(replies: &[String]) -> Vec<&str> {
    replies
        .iter()
        .filter(|l| l.as_bytes().get(3) == Some(&b' '))
        .map(|l| &l[..3])
        .collect()
}

/// Runs SQL on the PostgreSQL server's maintenance database with `psql`.
fn psql(sql: &str) {
    let admin = std::env::var("EMBARGO_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| store::testing::DEFAULT_POSTGRES_URL.to_owned());
    let out = std::process::Command::new("psql")
        .args([admin.as_str(), "-v", "ON_ERROR_STOP=1", "-qc", sql])
        .output()
        .expect("psql (Debian package postgresql-client)");
    assert!(
        out.status.success(),
        "psql: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[tokio::test]
async fn while_the_database_is_away_mail_is_deferred_with_451_not_lost() {
    if !Backend::all().contains(&Backend::Postgres) {
        return;
    }
    let db = prepared(Backend::Postgres).await;
    let name = db
        .url
        .rsplit('/')
        .next()
        .and_then(|n| n.split('?').next())
        .expect("database name")
        .to_owned();
    let server = Server::start(
        &db,
        &ServerOptions {
            env: vec![("EMBARGO_MAIL_IN_BIND".into(), "127.0.0.1:0".into())],
            ..ServerOptions::default()
        },
    );
    let port = server.mail_port();
    let text = message(
        "mara@example.org",
        CONTACT,
        "Deferred report",
        "Sent while the database was down.",
    );
    // The database goes away: no new connections, the open ones cut.
    psql(&format!(
        "ALTER DATABASE {name} ALLOW_CONNECTIONS false; \
         SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}';"
    ));
    let sent = send(port, "mara@example.org", &[CONTACT], &text, None);
    assert_eq!(
        (&sent.rcpt[..], sent.data),
        (&[451][..], 0),
        "try again later"
    );
    // Back again: the MTA's retry is accepted and filed.
    psql(&format!("ALTER DATABASE {name} ALLOW_CONNECTIONS true;"));
    let sent = send(port, "mara@example.org", &[CONTACT], &text, None);
    assert_eq!((&sent.rcpt[..], sent.data), (&[250][..], 250));
    let store = db.store().await;
    let demo = store::projects::by_slug(
        &mut store.read().await.expect("read"),
        &domain::ProjectSlug::parse("demo").expect("slug"),
    )
    .await
    .expect("project")
    .expect("demo");
    let reports = store::reports::list(&mut store.read().await.expect("read"), demo.id)
        .await
        .expect("reports");
    assert_eq!(reports.len(), 1);
    assert_eq!(reports[0].title, "Deferred report");
    assert_eq!(server.stop().code(), Some(0));
    store.close().await;
}

/// A sender over its limit, then a mail server over its own, is told 451 at RCPT (4.7.1:
/// the sending MTA keeps the message and tries again later); another sender still gets
/// through until the mail server's allowance is spent, and nothing refused is stored.
async fn new_reports_by_mail_over_their_limits_are_deferred_with_451(backend: Backend) {
    let db = prepared(backend).await;
    let config = std::env::temp_dir().join(format!(
        "embargo-mail-limits-{}.toml",
        uuid::Uuid::new_v4().simple()
    ));
    std::fs::write(
        &config,
        "[limits]\nintake_per_reporter = \"2/hour\"\nmail_per_ip = \"4/hour\"\n",
    )
    .expect("write the configuration");
    let server = Server::start(
        &db,
        &ServerOptions {
            env: vec![
                ("EMBARGO_RATE_LIMITS".into(), "on".into()),
                ("EMBARGO_CONFIG".into(), config.display().to_string()),
                ("EMBARGO_MAIL_IN_BIND".into(), "127.0.0.1:0".into()),
                ("EMBARGO_MAIL_IN_DOMAINS".into(), "printdesk.example".into()),
            ],
            ..ServerOptions::default()
        },
    );
    let port = server.mail_port();
    let mut codes = Vec::new();
    for (n, sender) in [
        "mara@example.org",
        "mara@example.org",
        "mara@example.org",
        "lee@example.org",
        "kim@example.org",
    ]
    .into_iter()
    .enumerate()
    {
        let text = message(sender, CONTACT, &format!("Report {n}"), "Details follow.");
        let sent = send(port, sender, &[CONTACT], &text, None);
        codes.push((sent.rcpt[0], sent.data));
    }
    assert_eq!(
        codes,
        [(250, 250), (250, 250), (451, 0), (250, 250), (451, 0)],
        "mara's third is over her limit; kim's is over the mail server's (four, mara's \
         refused one included)"
    );
    let store = db.store().await;
    let demo = store::projects::by_slug(
        &mut store.read().await.expect("read"),
        &domain::ProjectSlug::parse("demo").expect("slug"),
    )
    .await
    .expect("project")
    .expect("demo");
    let reports = store::reports::list(&mut store.read().await.expect("read"), demo.id)
        .await
        .expect("reports");
    assert_eq!(reports.len(), 3);
    drop(server);
    let _ = std::fs::remove_file(config);
}
