//! Mail Embargo sends, as a real SMTP server receives it: threaded under the reporter's
//! messages, marked automatic when it is, carrying the loop marker (and mail carrying it is
//! never answered), with no header a reporter could inject.

use super::*;

on_each_backend!(mail_about_a_report_threads_under_the_reporters_messages);
use harness::SmtpSink;

/// The value of the first header `name` of a received message, unfolded.
pub fn header(message: &str, name: &str) -> Option<String> {
    let head = message
        .split("\r\n\r\n")
        .next()
        .unwrap_or(message)
        .split("\n\n")
        .next()
        .unwrap_or(message);
    let mut unfolded: Vec<String> = Vec::new();
    for line in head.lines() {
        let line = line.trim_end_matches('\r');
        if line.starts_with([' ', '\t']) {
            if let Some(last) = unfolded.last_mut() {
                last.push(' ');
                last.push_str(line.trim());
            }
        } else {
            unfolded.push(line.to_owned());
        }
    }
    unfolded.iter().find_map(|l| {
        let (n, v) = l.split_once(':')?;
        n.eq_ignore_ascii_case(name).then(|| v.trim().to_owned())
    })
}

/// The header names of a received message, in order.
pub fn header_names(message: &str) -> Vec<String> {
    message
        .split("\n\n")
        .next()
        .unwrap_or(message)
        .lines()
        .filter(|l| !l.starts_with([' ', '\t']))
        .filter_map(|l| l.split_once(':').map(|(n, _)| n.trim().to_owned()))
        .collect()
}

pub async fn mail_server(db: TestDb, smtp: &SmtpSink) -> TestApp {
    TestApp::serve(
        db,
        &ServerOptions {
            smtp_port: Some(smtp.port),
            public_url: Some("https://embargo.printdesk.example".into()),
            env: vec![("EMBARGO_WORKER_POLL_MS".into(), "100".into())],
            ..ServerOptions::default()
        },
    )
    .await
}

const FIRST: &str = "From: Mara Lind <mara@example.org>\r\n\
To: security@printdesk.example\r\n\
Subject: Path traversal in timelapse download\r\n\
Message-ID: <first-1@example.org>\r\n\
Date: Mon, 23 Nov 2026 10:00:00 +0000\r\n\
Content-Type: text/plain; charset=utf-8\r\n\
\r\n\
The timelapse download serves ../../config.yaml to any user.\r\n";

async fn mail_about_a_report_threads_under_the_reporters_messages(backend: Backend) {
    let db = prepared(backend).await;
    let smtp = SmtpSink::start();
    let app = mail_server(db, &smtp).await;
    let http = client();
    let token = app.api_token().await;
    let store = app.db.store().await;

    // The report arrives by mail; the receipt answers it automatically, in its thread.
    let (code, out, err) = app.cli(&["ingest-mail", "--project", "demo"], FIRST).await;
    assert_eq!(
        (code, out.trim()),
        (0, "report: report #1, acknowledged"),
        "{err}"
    );
    let receipt = smtp
        .wait("receipt", |m| m.contains("Report #1 received"))
        .await;
    let emails = store::outbox::latest(&mut store.read().await.expect("read"), 10)
        .await
        .expect("outbox");
    let ack = emails
        .iter()
        .find(|e| e.subject.contains("Report #1 received"))
        .expect("receipt queued");
    assert_eq!(
        header(&receipt, "Message-ID").as_deref(),
        Some(format!("<{}@embargo>", ack.id).as_str())
    );
    assert_eq!(
        header(&receipt, "In-Reply-To").as_deref(),
        Some("<first-1@example.org>")
    );
    assert_eq!(
        header(&receipt, "References").as_deref(),
        Some("<first-1@example.org>")
    );
    assert_eq!(
        header(&receipt, "Auto-Submitted").as_deref(),
        Some("auto-replied")
    );
    assert_eq!(
        header(&receipt, "X-Embargo-Loop").as_deref(),
        Some("embargo.printdesk.example")
    );
    assert_eq!(
        header(&receipt, "To").as_deref(),
        Some("Mara Lind <mara@example.org>")
    );
    assert!(header(&receipt, "Date").is_some(), "{receipt}");

    // The reporter answers; a maintainer then writes: that mail answers the reporter's
    // latest message and lists the whole thread, parent last. A person wrote it: no
    // Auto-Submitted.
    let answer = "From: mara@example.org\r\nTo: security@printdesk.example\r\n\
        Subject: Re: [PrintDesk] Report #1 received\r\nMessage-ID: <reply-2@example.org>\r\n"
        .to_owned()
        + &format!("In-Reply-To: <{}@embargo>\r\n", ack.id)
        + "Content-Type: text/plain\r\n\r\nVersion 1.10.3 is affected too.\r\n";
    let (code, out, _) = app
        .cli(&["ingest-mail", "--project", "demo"], &answer)
        .await;
    assert_eq!((code, out.trim()), (0, "reply: report #1"));
    let report = store::reports::by_id(
        &mut store.read().await.expect("read"),
        ack.report_id.expect("report"),
    )
    .await
    .expect("read")
    .expect("report");
    let res = http
        .post(format!("{}/api/v1/reports/{}/messages", app.url, report.id))
        .bearer_auth(&token)
        .json(
            &serde_json::json!({"body": "Thanks, confirmed on 1.10.3.", "visibility": "reporter"}),
        )
        .send()
        .await
        .expect("message");
    assert_eq!(res.status(), 201, "{:?}", res.text().await);
    let update = smtp
        .wait("maintainer's message", |m| {
            m.contains("Thanks, confirmed on 1.10.3.")
        })
        .await;
    assert_eq!(
        header(&update, "In-Reply-To").as_deref(),
        Some("<reply-2@example.org>")
    );
    assert_eq!(
        header(&update, "References").as_deref(),
        Some(
            format!(
                "<first-1@example.org> <{}@embargo> <reply-2@example.org>",
                ack.id
            )
            .as_str()
        )
    );
    assert_eq!(header(&update, "Auto-Submitted"), None, "{update}");
    assert_eq!(
        header(&update, "X-Embargo-Loop").as_deref(),
        Some("embargo.printdesk.example")
    );

    // Our own mail coming back (a forwarding loop) is filed but never answered.
    let looped = receipt
        .replace(
            "To: Mara Lind <mara@example.org>",
            "To: security@printdesk.example",
        )
        .replace("Auto-Submitted: auto-replied", "X-Note: none");
    assert!(looped.contains("X-Embargo-Loop:"), "{looped}");
    let (code, out, err) = app
        .cli(&["ingest-mail", "--project", "demo"], &looped)
        .await;
    assert_eq!(code, 0, "{err}");
    assert!(
        out.trim().starts_with("report: report #2") && !out.contains("acknowledged"),
        "{out}"
    );
    let inbound =
        store::inbound::of_project(&mut store.read().await.expect("read"), report.project_id, 1)
            .await
            .expect("inbound");
    assert!(
        inbound[0]
            .detail
            .as_deref()
            .is_some_and(|d| d.contains("X-Embargo-Loop")),
        "{:?}",
        inbound[0].detail
    );

    // A hostile name and subject (RFC 2047 words that decode to CRLF and a Bcc header)
    // cannot add a recipient or a header: they stay text.
    let b64 = |s: &str| {
        use base64::Engine;
        base64::engine::general_purpose::STANDARD.encode(s)
    };
    let hostile = format!(
        "From: =?UTF-8?B?{}?= <eve@example.org>\r\nTo: security@printdesk.example\r\n\
         Subject: =?UTF-8?B?{}?=\r\nMessage-ID: <eve-1@example.org>\r\n\
         Content-Type: text/plain\r\n\r\nThe upload dialog runs scripts in file names.\r\n",
        b64("Eve\r\nBcc: spy@example.net\r\nX-Injected: yes"),
        b64("XSS\r\nBcc: spy2@example.net")
    );
    let (code, out, err) = app
        .cli(&["ingest-mail", "--project", "demo"], &hostile)
        .await;
    assert_eq!(
        (code, out.trim()),
        (0, "report: report #3, acknowledged"),
        "{err}"
    );
    let mail = smtp
        .wait("receipt to eve", |m| m.contains("Report #3 received"))
        .await;
    let names = header_names(&mail);
    assert!(
        !names
            .iter()
            .any(|n| n.eq_ignore_ascii_case("Bcc") || n.eq_ignore_ascii_case("X-Injected")),
        "{mail}"
    );
    let to = header(&mail, "To").expect("To");
    assert!(to.ends_with("<eve@example.org>"), "{to}");
    assert_eq!(
        header(&mail, "In-Reply-To").as_deref(),
        Some("<eve-1@example.org>")
    );

    // From the form or the API the receipt answers no mail: auto-generated, unthreaded.
    let mut by_api = sample_report("By the API");
    by_api["reporter"]["email"] = "api-reporter@example.org".into();
    let res = http
        .post(format!("{}/api/v1/projects/demo/reports", app.url))
        .json(&by_api)
        .send()
        .await
        .expect("submit");
    assert_eq!(res.status(), 201);
    let mail = smtp
        .wait("receipt by API", |m| m.contains("api-reporter@example.org"))
        .await;
    assert_eq!(
        header(&mail, "Auto-Submitted").as_deref(),
        Some("auto-generated")
    );
    assert_eq!(header(&mail, "In-Reply-To"), None, "{mail}");
    store.close().await;
    app.stop().await.expect("graceful stop");
}
