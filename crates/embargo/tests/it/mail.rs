//! Reports by e-mail through `embargo ingest-mail` (an MTA pipe): a new message opens a
//! report and is acknowledged, the reporter's reply joins its thread, nobody else's does,
//! automatic mail is never answered, and every message is kept as it arrived.

use super::*;

on_each_backend!(mail_opens_reports_and_replies_join_their_thread);
use store::Disposition;

const REPORT: &str = "From: Mara Lind <mara@example.org>\r\n\
To: security@printdesk.example\r\n\
Subject: Path traversal in timelapse download\r\n\
Message-ID: <first-1@example.org>\r\n\
Date: Mon, 23 Nov 2026 10:00:00 +0000\r\n\
MIME-Version: 1.0\r\n\
Content-Type: multipart/mixed; boundary=\"b1\"\r\n\
\r\n\
--b1\r\n\
Content-Type: text/plain; charset=utf-8\r\n\
\r\n\
The timelapse download joins the requested name without normalising it,\r\n\
so ../../config.yaml is served to any user.\r\n\
--b1\r\n\
Content-Type: text/x-python; name=\"poc.py\"\r\n\
Content-Disposition: attachment; filename=\"poc.py\"\r\n\
\r\n\
import requests\r\n\
print(requests.get('http://printer.local/downloads/timelapse/..%2f..%2fconfig.yaml').text)\r\n\
--b1--\r\n";

fn reply(from: &str, in_reply_to: &str, body: &str) -> String {
    format!(
        "From: {from}\r\nTo: security@printdesk.example\r\nSubject: Re: Report received\r\n\
         Message-ID: <reply-{}@example.org>\r\nIn-Reply-To: <{in_reply_to}>\r\n\
         Content-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n",
        body.len()
    )
}

async fn mail_opens_reports_and_replies_join_their_thread(backend: Backend) {
    let db = prepared(backend).await;
    let store = db.store().await;
    let demo = store::projects::by_slug(
        &mut store.read().await.expect("read"),
        &domain::ProjectSlug::parse("demo").expect("slug"),
    )
    .await
    .expect("project")
    .expect("demo");

    // A new message, addressed to the project's contact (no --project needed).
    let (code, out, err) = cli(&db, &["ingest-mail"], REPORT);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out.trim(), "report: report #1, acknowledged");
    // The receipt waits for the report's triage: run it as the server's worker would.
    let app = TestApp::serve(db, &ServerOptions::default()).await;
    app.drain().await;
    app.stop().await.expect("graceful stop");
    let db = &app.db;
    let reports = store::reports::list(&mut store.read().await.expect("read"), demo.id)
        .await
        .expect("reports");
    assert_eq!(reports.len(), 1);
    let report = &reports[0];
    assert_eq!(report.source, domain::report::Source::Email);
    assert_eq!(report.title, "Path traversal in timelapse download");
    assert!(
        report
            .description
            .contains("so ../../config.yaml is served to any user."),
        "{}",
        report.description
    );
    assert!(
        report.description.contains("--- attachment: poc.py")
            && report.description.contains("import requests"),
        "the PoC is kept: {}",
        report.description
    );
    assert_eq!(report.reporter_email.as_deref(), Some("mara@example.org"));
    assert_eq!(report.reporter_name.as_deref(), Some("Mara Lind"));
    let emails = store::outbox::latest(&mut store.read().await.expect("read"), 50)
        .await
        .expect("outbox");
    let ack = emails
        .iter()
        .find(|e| e.to == "mara@example.org")
        .expect("acknowledgement queued");
    assert_eq!(ack.subject, "[PrintDesk] Report #1 received");
    assert_eq!(ack.report_id, Some(report.id));

    // The message is kept byte for byte.
    let inbound = store::inbound::of_project(&mut store.read().await.expect("read"), demo.id, 10)
        .await
        .expect("inbound");
    assert_eq!(inbound.len(), 1);
    assert_eq!(inbound[0].disposition, Disposition::Report);
    assert_eq!(inbound[0].report, Some(report.id));
    assert_eq!(
        store::inbound::raw(&mut store.read().await.expect("read"), inbound[0].id)
            .await
            .expect("raw"),
        Some(REPORT.as_bytes().to_vec())
    );

    // The reporter answers the acknowledgement: the thread grows, no new report.
    let answer = reply(
        "Mara Lind <mara@example.org>",
        &format!("{}@embargo", ack.id),
        "Version 1.10.3 on a Raspberry Pi is affected as well.",
    );
    let (code, out, err) = cli(db, &["ingest-mail", "--project", "demo"], &answer);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out.trim(), "reply: report #1");
    let thread =
        store::messages::of_report(&mut store.read().await.expect("read"), report.id, false)
            .await
            .expect("messages");
    assert!(
        thread
            .iter()
            .any(|m| m.body.contains("Raspberry Pi is affected")),
        "{thread:?}"
    );

    // A reply quoting the reporter's own first mail also joins the thread.
    let again = reply(
        "mara@example.org",
        "first-1@example.org",
        "One more detail.",
    );
    let (code, out, _) = cli(db, &["ingest-mail", "--project", "demo"], &again);
    assert_eq!((code, out.trim()), (0, "reply: report #1"));

    // Someone else quoting the same ids cannot write into the thread: a new report.
    let intruder = reply(
        "eve@example.net",
        &format!("{}@embargo", ack.id),
        "Please pay the bounty to my wallet first.",
    );
    let (code, out, _) = cli(db, &["ingest-mail", "--project", "demo"], &intruder);
    assert_eq!((code, out.trim()), (0, "report: report #2, acknowledged"));
    let thread =
        store::messages::of_report(&mut store.read().await.expect("read"), report.id, true)
            .await
            .expect("messages");
    assert!(
        !thread.iter().any(|m| m.body.contains("wallet")),
        "{thread:?}"
    );

    // Automatic mail files a report but is never answered (RFC 3834).
    let vacation = "From: bot@example.com\r\nTo: security@printdesk.example\r\n\
        Subject: Automatic reply: out of office\r\nAuto-Submitted: auto-replied\r\n\
        Content-Type: text/plain\r\n\r\nI am away until Monday.\r\n";
    let (code, out, _) = cli(db, &["ingest-mail", "--project", "demo"], vacation);
    assert_eq!((code, out.trim()), (0, "report: report #3"));
    let emails = store::outbox::latest(&mut store.read().await.expect("read"), 50)
        .await
        .expect("outbox");
    assert!(
        !emails.iter().any(|e| e.to == "bot@example.com"),
        "no reply to automatic mail"
    );

    // Too deeply nested to read: kept for the maintainers, unfiled.
    let mut nested = String::from("From: deep@example.org\r\nSubject: deep\r\n");
    for i in 0..40 {
        nested.push_str(&format!(
            "Content-Type: multipart/mixed; boundary=\"n{i}\"\r\n\r\n--n{i}\r\n"
        ));
    }
    nested.push_str("Content-Type: text/plain\r\n\r\nbottom\r\n");
    let (code, out, _) = cli(db, &["ingest-mail", "--project", "demo"], &nested);
    assert_eq!(
        (code, out.trim()),
        (0, "unparsed: kept for the maintainers")
    );
    let newest = &store::inbound::of_project(&mut store.read().await.expect("read"), demo.id, 1)
        .await
        .expect("inbound")[0];
    assert_eq!(newest.disposition, Disposition::Unparsed);
    assert_eq!(
        store::inbound::raw(&mut store.read().await.expect("read"), newest.id)
            .await
            .expect("raw"),
        Some(nested.into_bytes())
    );

    // Too large: refused with an explanation; only its header block is kept.
    let huge = format!(
        "From: big@example.org\r\nSubject: big\r\n\r\n{}",
        "A".repeat(10 * 1024 * 1024 + 1)
    );
    let (code, out, err) = cli(db, &["ingest-mail", "--project", "demo"], &huge);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out.trim(), "refused: kept for the maintainers");
    let newest = &store::inbound::of_project(&mut store.read().await.expect("read"), demo.id, 1)
        .await
        .expect("inbound")[0];
    assert_eq!(newest.disposition, Disposition::Refused);
    assert_eq!(
        store::inbound::raw(&mut store.read().await.expect("read"), newest.id)
            .await
            .expect("raw"),
        Some(b"From: big@example.org\r\nSubject: big\r\n\r\n".to_vec())
    );
    let emails = store::outbox::latest(&mut store.read().await.expect("read"), 50)
        .await
        .expect("outbox");
    let refusal = emails
        .iter()
        .find(|e| e.to == "big@example.org")
        .expect("refusal queued");
    assert_eq!(
        refusal.auto_submitted,
        Some(store::AutoSubmitted::AutoReplied)
    );
    assert!(
        refusal
            .body_text
            .contains("at 10 MiB it is larger than the 10 MiB this address accepts"),
        "{}",
        refusal.body_text
    );

    // For no project: refused outright, nothing stored.
    let before = store::inbound::of_project(&mut store.read().await.expect("read"), demo.id, 100)
        .await
        .expect("inbound")
        .len();
    let stray = REPORT.replace("security@printdesk.example", "someone@elsewhere.example");
    let (code, _, err) = cli(db, &["ingest-mail"], &stray);
    assert_eq!(code, 1);
    assert!(err.contains("not found"), "{err}");
    let after = store::inbound::of_project(&mut store.read().await.expect("read"), demo.id, 100)
        .await
        .expect("inbound")
        .len();
    assert_eq!(before, after);
    store.close().await;
}

/// Runs gpg in its own home directory with `stdin`; returns stdout.
fn gpg(home: &std::path::Path, args: &[&str], stdin: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut child = std::process::Command::new("gpg")
        .arg("--homedir")
        .arg(home)
        .args(["--batch", "--no-tty", "--quiet", "--trust-model", "always"])
        .args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("gpg must be installed (Debian package gnupg)");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin)
        .expect("write to gpg");
    let out = child.wait_with_output().expect("gpg");
    assert!(
        out.status.success(),
        "gpg {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

#[tokio::test]
async fn mail_that_gpg_encrypted_to_the_published_key_is_read() {
    let db = prepared(Backend::Sqlite).await;
    let app = TestApp::serve(db, &ServerOptions::default()).await;
    let http = client();
    // security.txt points reporters at the project's key, which is served there.
    let txt = http
        .get(format!("{}/p/demo/security.txt", app.url))
        .send()
        .await
        .expect("security.txt")
        .text()
        .await
        .expect("text");
    let key_url = format!("{}/p/demo/pgp-key.asc", app.url);
    assert!(txt.contains(&format!("Encryption: {key_url}")), "{txt}");
    let key = http
        .get(&key_url)
        .send()
        .await
        .expect("key")
        .text()
        .await
        .expect("armored");
    assert!(
        key.starts_with("-----BEGIN PGP PUBLIC KEY BLOCK-----"),
        "{key}"
    );
    // The same key through the Web Key Directory (advanced method) for security@…; the
    // hash is z-base-32(SHA-1("security")), worked out apart from Embargo.
    let wkd = format!("{}/.well-known/openpgpkey/printdesk.example", app.url);
    let res = http
        .get(format!(
            "{wkd}/hu/t5s8ztdbon8yzntexy6oz5y48etqsnbb?l=security"
        ))
        .send()
        .await
        .expect("wkd");
    assert_eq!(res.status(), 200);
    let binary = res.bytes().await.expect("key").to_vec();
    let wkd_home = TempDir::new();
    gpg(&wkd_home.0, &["--import"], &binary);
    let listed =
        String::from_utf8(gpg(&wkd_home.0, &["--with-colons", "--list-keys"], b"")).expect("utf-8");
    assert!(listed.contains("<security@printdesk.example>"), "{listed}");
    for other in [
        format!("{wkd}/hu/iy9q119eutrkn8s1mk4r39qejnbu3n5q"),
        format!(
            "{}/.well-known/openpgpkey/elsewhere.example/hu/t5s8ztdbon8yzntexy6oz5y48etqsnbb",
            app.url
        ),
    ] {
        let res = http.get(&other).send().await.expect("wkd");
        assert_eq!(res.status(), 404, "{other}");
    }
    let policy = http
        .get(format!("{wkd}/policy"))
        .send()
        .await
        .expect("policy");
    assert_eq!(policy.status(), 200);
    app.stop().await.expect("graceful stop");

    let home = TempDir::new();
    gpg(&home.0, &["--import"], key.as_bytes());
    let listing =
        String::from_utf8(gpg(&home.0, &["--with-colons", "--list-keys"], b"")).expect("utf-8");
    assert!(
        listing.contains("PrintDesk security <security@printdesk.example>"),
        "{listing}"
    );
    let recipient = "security@printdesk.example";

    // PGP/MIME (RFC 3156): the encrypted part is a whole MIME entity with a PoC attachment.
    let inner = "Content-Type: multipart/mixed; boundary=\"in\"\r\n\r\n--in\r\n\
        Content-Type: text/plain; charset=utf-8\r\n\r\n\
        The plugin manager installs archives without checking their signature.\r\n--in\r\n\
        Content-Type: text/plain; name=\"poc.sh\"\r\nContent-Disposition: attachment; filename=\"poc.sh\"\r\n\r\n\
        curl -F file=@evil.zip http://printer.local/plugin/install\r\n--in--\r\n";
    let armored = String::from_utf8(gpg(
        &home.0,
        &["--armor", "--encrypt", "--recipient", recipient],
        inner.as_bytes(),
    ))
    .expect("armored");
    let message = format!(
        "From: Mara Lind <mara@example.org>\r\nTo: {recipient}\r\nSubject: Unsigned plugins\r\n\
         MIME-Version: 1.0\r\n\
         Content-Type: multipart/encrypted; protocol=\"application/pgp-encrypted\"; boundary=\"enc\"\r\n\r\n\
         --enc\r\nContent-Type: application/pgp-encrypted\r\n\r\nVersion: 1\r\n\
         --enc\r\nContent-Type: application/octet-stream; name=\"encrypted.asc\"\r\n\r\n{armored}\r\n--enc--\r\n"
    );
    let (code, out, err) = app
        .cli(&["ingest-mail", "--project", "demo"], &message)
        .await;
    assert_eq!(code, 0, "{err}");
    let store = app.db.store().await;
    let demo = store::projects::by_slug(
        &mut store.read().await.expect("read"),
        &domain::ProjectSlug::parse("demo").expect("slug"),
    )
    .await
    .expect("project")
    .expect("demo");
    let last = store::inbound::of_project(&mut store.read().await.expect("read"), demo.id, 1)
        .await
        .expect("inbound");
    assert_eq!(
        out.trim(),
        "report: report #1, acknowledged",
        "{:?}",
        last[0].detail
    );

    // Inline PGP: an armored block in a plain-text body.
    let block = String::from_utf8(gpg(
        &home.0,
        &["--armor", "--encrypt", "--recipient", recipient],
        b"Stored XSS in the file name shown by the upload dialog.",
    ))
    .expect("armored");
    let inline = format!(
        "From: Ada <ada@example.org>\r\nTo: {recipient}\r\nSubject: XSS\r\n\
         Content-Type: text/plain; charset=us-ascii\r\n\r\n{block}"
    );
    let (code, out, err) = app
        .cli(&["ingest-mail", "--project", "demo"], &inline)
        .await;
    assert_eq!(code, 0, "{err}");
    assert_eq!(out.trim(), "report: report #2, acknowledged");

    let reports = store::reports::list(&mut store.read().await.expect("read"), demo.id)
        .await
        .expect("reports");
    let description = |n: i64| {
        reports
            .iter()
            .find(|r| r.number == n)
            .map(|r| r.description.clone())
            .unwrap_or_default()
    };
    let first = description(1);
    assert!(
        first.contains("installs archives without checking their signature")
            && first.contains("--- attachment: poc.sh")
            && first.contains("curl -F file=@evil.zip"),
        "{first}"
    );
    assert!(!first.contains("BEGIN PGP MESSAGE"), "{first}");
    assert_eq!(
        description(2).trim(),
        "Stored XSS in the file name shown by the upload dialog."
    );
    store.close().await;
}
