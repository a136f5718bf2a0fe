//! Reports by e-mail through `embargo ingest-mail` (an MTA pipe): a new message opens a
//! report and is acknowledged, the reporter's reply joins its thread, nobody else's does,
//! automatic mail is never answered, and every message is kept as it arrived.

use super::*;
use store::{Disposition, Store};

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

#[tokio::test]
async fn mail_opens_reports_and_replies_join_their_thread() {
    for backend in Backend::all() {
        by_mail(backend).await;
    }
}

async fn by_mail(backend: Backend) {
    let db = prepared(backend).await;
    let store = db.store().await;
    let demo = store
        .project_by_slug(&domain::ProjectSlug::parse("demo").expect("slug"))
        .await
        .expect("project")
        .expect("demo");

    // A new message, addressed to the project's contact (no --project needed).
    let (code, out, err) = cli(&db, &["ingest-mail"], REPORT);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out.trim(), "report: report #1, acknowledged");
    let reports = store.list_reports(demo.id).await.expect("reports");
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
    assert_eq!(
        report.reporter_email.as_ref().map(|e| e.as_str()),
        Some("mara@example.org")
    );
    assert_eq!(report.reporter_name.as_deref(), Some("Mara Lind"));
    let emails = store.list_emails(50).await.expect("outbox");
    let ack = emails
        .iter()
        .find(|e| e.to == "mara@example.org")
        .expect("acknowledgement queued");
    assert_eq!(ack.subject, "[PrintDesk] Report #1 received");
    assert_eq!(ack.report_id, Some(report.id));

    // The message is kept byte for byte.
    let inbound = store.inbound_messages(demo.id, 10).await.expect("inbound");
    assert_eq!(inbound.len(), 1);
    assert_eq!(inbound[0].disposition, Disposition::Report);
    assert_eq!(inbound[0].report, Some(report.id));
    assert_eq!(
        store.inbound_raw(inbound[0].id).await.expect("raw"),
        Some(REPORT.as_bytes().to_vec())
    );

    // The reporter answers the acknowledgement: the thread grows, no new report.
    let answer = reply(
        "Mara Lind <mara@example.org>",
        &format!("{}@embargo", ack.id),
        "Version 1.10.3 on a Raspberry Pi is affected as well.",
    );
    let (code, out, err) = cli(&db, &["ingest-mail", "--project", "demo"], &answer);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out.trim(), "reply: report #1");
    let thread = store.messages(report.id, false).await.expect("messages");
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
    let (code, out, _) = cli(&db, &["ingest-mail", "--project", "demo"], &again);
    assert_eq!((code, out.trim()), (0, "reply: report #1"));

    // Someone else quoting the same ids cannot write into the thread: a new report.
    let intruder = reply(
        "eve@example.net",
        &format!("{}@embargo", ack.id),
        "Please pay the bounty to my wallet first.",
    );
    let (code, out, _) = cli(&db, &["ingest-mail", "--project", "demo"], &intruder);
    assert_eq!((code, out.trim()), (0, "report: report #2, acknowledged"));
    let thread = store.messages(report.id, true).await.expect("messages");
    assert!(
        !thread.iter().any(|m| m.body.contains("wallet")),
        "{thread:?}"
    );

    // Automatic mail files a report but is never answered (RFC 3834).
    let vacation = "From: bot@example.com\r\nTo: security@printdesk.example\r\n\
        Subject: Automatic reply: out of office\r\nAuto-Submitted: auto-replied\r\n\
        Content-Type: text/plain\r\n\r\nI am away until Monday.\r\n";
    let (code, out, _) = cli(&db, &["ingest-mail", "--project", "demo"], vacation);
    assert_eq!((code, out.trim()), (0, "report: report #3"));
    let emails = store.list_emails(50).await.expect("outbox");
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
    let (code, out, _) = cli(&db, &["ingest-mail", "--project", "demo"], &nested);
    assert_eq!(
        (code, out.trim()),
        (0, "unparsed: kept for the maintainers")
    );
    let newest = &store.inbound_messages(demo.id, 1).await.expect("inbound")[0];
    assert_eq!(newest.disposition, Disposition::Unparsed);
    assert_eq!(
        store.inbound_raw(newest.id).await.expect("raw"),
        Some(nested.into_bytes())
    );

    // Refused outright, nothing stored: too large, or for no project.
    let before = store
        .inbound_messages(demo.id, 100)
        .await
        .expect("inbound")
        .len();
    let huge = format!(
        "From: big@example.org\r\nSubject: big\r\n\r\n{}",
        "A".repeat(10 * 1024 * 1024 + 1)
    );
    let (code, _, err) = cli(&db, &["ingest-mail", "--project", "demo"], &huge);
    assert_eq!(code, 1);
    assert!(err.contains("message: is"), "{err}");
    let stray = REPORT.replace("security@printdesk.example", "someone@elsewhere.example");
    let (code, _, err) = cli(&db, &["ingest-mail"], &stray);
    assert_eq!(code, 1);
    assert!(err.contains("not found"), "{err}");
    let after = store
        .inbound_messages(demo.id, 100)
        .await
        .expect("inbound")
        .len();
    assert_eq!(before, after);
    store.close().await;
}
