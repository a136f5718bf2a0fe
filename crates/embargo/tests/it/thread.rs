//! The report page's thread form: a maintainer writes an internal note or a message the
//! reporter sees (and is e-mailed); refusals name the field; the tracking page and the
//! reporter's mail carry nothing of the note. (`browser.rs` walks the same path in Chromium.)

use super::*;

on_each_backend!(maintainers_write_in_the_thread_from_the_report_page);
use harness::SmtpSink;
use serde_json::Value;

const NOTE: &str = "NOTE-41d7: reproduced on the lab printer, do not promise a date";
const REPLY: &str = "Reproduced, thank you. A fix is on its way.";

async fn maintainers_write_in_the_thread_from_the_report_page(backend: Backend) {
    let db = prepared(backend).await;
    let smtp = SmtpSink::start();
    let app = TestApp::serve(
        db,
        &ServerOptions {
            smtp_port: Some(smtp.port),
            ..ServerOptions::default()
        },
    )
    .await;
    let base = app.url.as_str();
    let http = client();
    let submitted: Value = http
        .post(format!("{base}/api/v1/projects/demo/reports"))
        .json(&sample_report("Thread form"))
        .send()
        .await
        .expect("submit")
        .json()
        .await
        .expect("json");
    let tracking = submitted["token"].as_str().expect("token").to_owned();
    let number = submitted["number"].as_i64().expect("number");
    assert_eq!(number, 1);

    sign_in(&http, base).await;
    let page = http
        .get(format!("{base}/inbox/demo/reports/1"))
        .send()
        .await
        .expect("report page")
        .text()
        .await
        .expect("html");
    assert!(
        page.contains(r#"action="/inbox/demo/reports/1/messages""#),
        "the report page has the thread form"
    );
    let csrf = hidden_field(&page, "csrf_token");
    let url = format!("{base}/inbox/demo/reports/1/messages");
    let post = |fields: Vec<(&'static str, String)>| http.post(&url).form(&fields).send();

    let res = post(vec![
        ("body", NOTE.into()),
        ("visibility", "internal".into()),
    ])
    .await
    .expect("post");
    assert_eq!(res.status(), 403, "no CSRF token");
    for (body, visibility, field) in [
        ("  ", "internal", "body is required"),
        (
            "Hello",
            "everyone",
            "visibility must be internal or reporter",
        ),
        ("Hello", "", "visibility is required"),
    ] {
        let res = post(vec![
            ("csrf_token", csrf.clone()),
            ("body", body.into()),
            ("visibility", visibility.into()),
        ])
        .await
        .expect("post");
        assert_eq!(res.status(), 422, "{body:?} {visibility:?}");
        let html = res.text().await.expect("html");
        assert!(html.contains(field), "{field}: {html}");
    }
    for (body, visibility) in [(NOTE, "internal"), (REPLY, "reporter")] {
        let res = post(vec![
            ("csrf_token", csrf.clone()),
            ("body", body.into()),
            ("visibility", visibility.into()),
        ])
        .await
        .expect("post");
        assert_eq!(res.status(), 303, "{visibility}");
        assert_eq!(res.headers()["location"], "/inbox/demo/reports/1#thread");
    }

    let page = http
        .get(format!("{base}/inbox/demo/reports/1"))
        .send()
        .await
        .expect("report page")
        .text()
        .await
        .expect("html");
    let note = page.find(NOTE).expect("the note is on the report page");
    let reply = page.find(REPLY).expect("the reply is on the report page");
    assert!(note < reply, "oldest first");
    let note_article = &page[page[..note].rfind("<article").expect("article")..note];
    assert!(
        note_article.contains(r#"class="message from-maintainer internal""#)
            && note_article.contains("internal note, not shown to the reporter"),
        "{note_article}"
    );
    let reply_article = &page[page[..reply].rfind("<article").expect("article")..reply];
    assert!(
        reply_article.contains(r#"class="message from-maintainer reporter""#)
            && reply_article.contains("shared with the reporter"),
        "{reply_article}"
    );

    let track = client()
        .get(format!("{base}/track/{tracking}"))
        .send()
        .await
        .expect("track")
        .text()
        .await
        .expect("html");
    assert!(track.contains(REPLY), "{track}");
    assert!(!track.contains("NOTE-41d7"), "{track}");

    let mail = smtp
        .wait("with the maintainer's reply", |m| m.contains(REPLY))
        .await;
    assert!(
        mail.lines()
            .any(|l| l.starts_with("To:") && l.contains("mara@example.test")),
        "{mail}"
    );
    assert!(
        smtp.messages().iter().all(|m| !m.contains("NOTE-41d7")),
        "the note is never mailed"
    );
    app.stop().await.expect("graceful stop");
}
