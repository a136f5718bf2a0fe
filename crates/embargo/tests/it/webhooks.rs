//! Webhooks end to end: endpoints added over the API, events signed with the project's
//! secret (checked here with the `hmac` crate), a 500 and a timeout retried until they
//! succeed, a receiver that always fails marked failed after the configured attempts, the
//! delivery log over the API and on the settings page; and, with two servers on one
//! PostgreSQL database, every acknowledgement e-mail and every webhook delivered exactly once.

use super::receiver::{Receiver, signature_valid};
use super::*;

on_each_backend!(webhooks_are_signed_retried_and_logged);
use serde_json::{Value, json};
use std::{sync::Arc, time::Duration};

const WAIT: Duration = Duration::from_secs(30);

fn fast_retries() -> Vec<(String, String)> {
    vec![
        ("EMBARGO_WORKER_POLL_MS".into(), "100".into()),
        ("EMBARGO_WEBHOOKS_RETRY_BASE_MS".into(), "200".into()),
        ("EMBARGO_WEBHOOKS_MAX_ATTEMPTS".into(), "3".into()),
        ("EMBARGO_WEBHOOKS_TIMEOUT_MS".into(), "1000".into()),
    ]
}

async fn add_endpoint(
    http: &reqwest::Client,
    base: &str,
    token: &str,
    url: &str,
    events: &[&str],
) -> (u16, Value) {
    let res = http
        .post(format!("{base}/api/v1/projects/demo/webhooks"))
        .bearer_auth(token)
        .json(&json!({ "url": url, "events": events }))
        .send()
        .await
        .expect("add endpoint");
    let status = res.status().as_u16();
    (status, res.json().await.expect("json"))
}

async fn deliveries(http: &reqwest::Client, base: &str, token: &str, endpoint: &str) -> Value {
    let res = http
        .get(format!(
            "{base}/api/v1/projects/demo/webhooks/{endpoint}/deliveries"
        ))
        .bearer_auth(token)
        .send()
        .await
        .expect("deliveries");
    assert_eq!(res.status(), 200);
    let page: Value = res.json().await.expect("json");
    page["items"].clone()
}

/// Polls the delivery log until its newest delivery has `status`.
async fn wait_status(
    http: &reqwest::Client,
    base: &str,
    token: &str,
    endpoint: &str,
    status: &str,
) -> Value {
    let deadline = std::time::Instant::now() + WAIT;
    loop {
        let log = deliveries(http, base, token, endpoint).await;
        if log[0]["status"] == status {
            return log;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "delivery not {status}: {log}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn submit(http: &reqwest::Client, base: &str, title: &str, email: &str) -> Value {
    let mut report = sample_report(title);
    report["reporter"]["email"] = json!(email);
    let res = http
        .post(format!("{base}/api/v1/projects/demo/reports"))
        .json(&report)
        .send()
        .await
        .expect("submit");
    assert_eq!(res.status(), 201);
    res.json().await.expect("json")
}

async fn webhooks_are_signed_retried_and_logged(backend: Backend) {
    let db = prepared(backend).await;
    let app = TestApp::serve(
        db,
        &ServerOptions {
            env: fast_retries(),
            ..ServerOptions::default()
        },
    )
    .await;
    let base = app.url.as_str();
    let http = client();
    let token = app.api_token().await;
    // The first request fails with 500, the ones after it succeed.
    let flaky = Receiver::start(Arc::new(|n| {
        (if n == 0 { 500 } else { 200 }, Duration::ZERO)
    }));
    let broken = Receiver::start(Arc::new(|_| (500, Duration::ZERO)));
    // The first request outlasts the one-second timeout.
    let slow = Receiver::start(Arc::new(|n| {
        let delay = if n == 0 { 3000 } else { 0 };
        (200, Duration::from_millis(delay))
    }));

    // Bad input names the field.
    let (status, body) = add_endpoint(
        &http,
        base,
        &token,
        "ftp://x.example/",
        &["report.received"],
    )
    .await;
    assert_eq!(
        (status, body["error"]["field"].as_str()),
        (422, Some("url")),
        "{body}"
    );
    let (status, body) = add_endpoint(&http, base, &token, &flaky.url, &["report.deleted"]).await;
    assert_eq!(
        (status, body["error"]["field"].as_str()),
        (422, Some("events")),
        "{body}"
    );
    let (status, body) = add_endpoint(&http, base, &token, &flaky.url, &[]).await;
    assert_eq!(
        (status, body["error"]["field"].as_str()),
        (422, Some("events")),
        "{body}"
    );

    // The first endpoint creates the project's secret and shows it; the second shares it.
    let (status, body) = add_endpoint(
        &http,
        base,
        &token,
        &flaky.url,
        &["report.received", "report.transitioned", "message.created"],
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let secret = body["secret"].as_str().expect("secret shown").to_owned();
    assert!(
        secret.starts_with("whsec_") && secret.len() == 70,
        "{secret}"
    );
    let flaky_id = body["endpoint"]["id"].as_str().expect("id").to_owned();
    let (status, body) = add_endpoint(&http, base, &token, &broken.url, &["report.received"]).await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["secret"], Value::Null, "the secret is shown once");
    let broken_id = body["endpoint"]["id"].as_str().expect("id").to_owned();
    let (status, body) = add_endpoint(&http, base, &token, &slow.url, &["report.received"]).await;
    assert_eq!(status, 201, "{body}");
    let slow_id = body["endpoint"]["id"].as_str().expect("id").to_owned();

    // A reporter's token may not read the settings.
    let title = "Path traversal in the <timelapse> download";
    let created = submit(&http, base, title, "mara@example.test").await;
    let report_id = created["id"].as_str().expect("id").to_owned();
    let res = http
        .get(format!("{base}/api/v1/projects/demo/webhooks"))
        .bearer_auth(created["token"].as_str().expect("token"))
        .send()
        .await
        .expect("list");
    assert_eq!(res.status(), 403);

    // 500, then 200 after the backoff: the same delivery, signed, twice.
    let hits = flaky.wait_for(2, WAIT).await;
    assert_eq!(
        hits[0].delivery, hits[1].delivery,
        "a retry is the same delivery"
    );
    assert_eq!(hits[0].body, hits[1].body, "a retry sends the same bytes");
    for hit in &hits {
        assert_eq!(hit.event, "report.received");
        assert_eq!(hit.content_type, "application/json");
        assert!(
            signature_valid(&secret, &hit.body, &hit.signature),
            "signature {} does not match the body under the secret",
            hit.signature
        );
        assert!(!signature_valid("whsec_wrong", &hit.body, &hit.signature));
    }
    let body: Value = serde_json::from_str(&hits[0].body).expect("json body");
    assert_eq!(body["event"], "report.received");
    assert_eq!(body["id"].as_str(), Some(hits[0].delivery.as_str()));
    assert_eq!(body["project"], "demo");
    assert_eq!(
        body["data"]["report"],
        json!({ "id": report_id, "number": 1, "state": "received" })
    );
    assert!(
        !hits[0].body.contains("timelapse") && !hits[0].body.contains("mara@"),
        "no report text or address in a webhook: {}",
        hits[0].body
    );
    let log = wait_status(&http, base, &token, &flaky_id, "delivered").await;
    assert_eq!(log.as_array().map(Vec::len), Some(1), "{log}");
    let attempts = &log[0]["attempts"];
    assert_eq!(attempts[0]["attempt"], 1);
    assert_eq!(attempts[0]["status_code"], 500);
    assert_eq!(attempts[0]["error"], "HTTP 500");
    assert_eq!(attempts[1]["attempt"], 2);
    assert_eq!(attempts[1]["status_code"], 200);
    assert_eq!(attempts[1]["error"], Value::Null);
    assert_eq!(attempts.as_array().map(Vec::len), Some(2), "{log}");

    // A timeout is retried like an error answer.
    let log = wait_status(&http, base, &token, &slow_id, "delivered").await;
    let attempts = &log[0]["attempts"];
    assert_eq!(attempts[0]["status_code"], Value::Null, "{log}");
    assert_eq!(attempts[0]["error"], "timed out", "{log}");
    assert_eq!(attempts[1]["status_code"], 200, "{log}");
    assert_eq!(attempts.as_array().map(Vec::len), Some(2), "{log}");

    // Always 500: three attempts (the configured limit), then failed, and no more.
    let log = wait_status(&http, base, &token, &broken_id, "failed").await;
    let codes: Vec<&Value> = log[0]["attempts"]
        .as_array()
        .expect("attempts")
        .iter()
        .map(|a| &a["status_code"])
        .collect();
    assert_eq!(codes, [&json!(500), &json!(500), &json!(500)], "{log}");
    app.drain().await;
    assert_eq!(broken.hits().len(), 3, "no attempt after the limit");

    // The settings page shows both logs; the maintainer signs in.
    sign_in(&http, base).await;
    let page = http
        .get(format!("{base}/inbox/demo/webhooks"))
        .send()
        .await
        .expect("page");
    assert_eq!(page.status(), 200);
    let html = page.text().await.expect("html");
    // Auto-escaped, as every value on a page.
    let shown = |url: &str| url.replace('/', "&#x2f;");
    assert!(
        html.contains(&shown(&flaky.url)) && html.contains(&shown(&broken.url)),
        "{html}"
    );
    assert!(
        html.contains("HTTP 500") && html.contains(">delivered<") && html.contains(">failed<"),
        "{html}"
    );
    assert!(!html.contains(&secret), "the secret is not shown again");

    // A transition is an event too; then the secret is rotated on the page (CSRF form)
    // and the next delivery is signed with the new one.
    let res = http
        .post(format!("{base}/api/v1/reports/{report_id}/transitions"))
        .bearer_auth(&token)
        .json(&json!({ "to": "acknowledged" }))
        .send()
        .await
        .expect("transition");
    assert_eq!(res.status(), 200);
    let hits = flaky.wait_for(3, WAIT).await;
    assert_eq!(hits[2].event, "report.transitioned");
    assert!(signature_valid(&secret, &hits[2].body, &hits[2].signature));
    let body: Value = serde_json::from_str(&hits[2].body).expect("json");
    assert_eq!(
        (body["data"]["from"].as_str(), body["data"]["to"].as_str()),
        (Some("received"), Some("acknowledged"))
    );

    let csrf = hidden_field(&html, "csrf_token");
    let res = http
        .post(format!("{base}/inbox/demo/webhooks/secret"))
        .form(&[("csrf_token", "forged")])
        .send()
        .await
        .expect("forged rotate");
    assert_eq!(
        res.status(),
        403,
        "a form without the CSRF token is refused"
    );
    let res = http
        .post(format!("{base}/inbox/demo/webhooks/secret"))
        .form(&[("csrf_token", csrf.as_str())])
        .send()
        .await
        .expect("rotate");
    assert_eq!(res.status(), 200);
    let html = res.text().await.expect("html");
    let start = html.find("<code id=\"secret\">").expect("new secret shown") + 18;
    let rotated = html[start..].split('<').next().expect("secret").to_owned();
    assert!(
        rotated.starts_with("whsec_") && rotated != secret,
        "{rotated}"
    );
    let res = http
        .post(format!("{base}/api/v1/reports/{report_id}/transitions"))
        .bearer_auth(&token)
        .json(&json!({ "to": "accepted" }))
        .send()
        .await
        .expect("transition");
    assert_eq!(res.status(), 200);
    let hits = flaky.wait_for(4, WAIT).await;
    assert!(signature_valid(&rotated, &hits[3].body, &hits[3].signature));
    assert!(!signature_valid(&secret, &hits[3].body, &hits[3].signature));

    // A message is an event; its text stays home.
    let res = http
        .post(format!("{base}/api/v1/reports/{report_id}/messages"))
        .bearer_auth(&token)
        .json(&json!({ "body": "The exploit needs a crafted zip name.", "visibility": "reporter" }))
        .send()
        .await
        .expect("message");
    assert_eq!(
        res.status(),
        201,
        "{}",
        res.text().await.unwrap_or_default()
    );
    let hits = flaky.wait_for(5, WAIT).await;
    assert_eq!(hits[4].event, "message.created");
    let body: Value = serde_json::from_str(&hits[4].body).expect("json");
    assert_eq!(body["data"]["message"]["visibility"], "reporter");
    assert_eq!(body["data"]["report"]["state"], "accepted");
    assert!(!hits[4].body.contains("exploit"), "{}", hits[4].body);

    // Removing an endpoint stops its deliveries.
    let res = http
        .delete(format!("{base}/api/v1/projects/demo/webhooks/{broken_id}"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("delete");
    assert_eq!(res.status(), 204);
    let list: Value = http
        .get(format!("{base}/api/v1/projects/demo/webhooks"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("list")
        .json()
        .await
        .expect("json");
    assert_eq!(list.as_array().map(Vec::len), Some(2), "{list}");
    submit(&http, base, "Second report", "mara@example.test").await;
    app.drain().await;
    flaky.wait_for(6, WAIT).await;
    assert_eq!(broken.hits().len(), 3, "a removed endpoint gets nothing");
    app.stop().await.expect("graceful stop");
}

/// Two servers share one PostgreSQL database and its job queue. 40 reports arrive, half at
/// each. Every acknowledgement reaches the SMTP server once and every webhook the receiver
/// once, although the job lease is two seconds and the first deliveries take 4.5 s: a
/// worker renews the lease of a job it runs, so the other server never takes it over.
/// (Without the renewal this test fails: the receiver saw 42 requests for 40 deliveries.)
#[tokio::test]
async fn two_servers_deliver_every_email_and_webhook_exactly_once() {
    const REPORTS: usize = 40;
    let db = prepared(Backend::Postgres).await;
    let smtp = harness::SmtpSink::start();
    // The first three requests answer after 4.5 s, more than twice the lease.
    let receiver = Receiver::start(Arc::new(|n| {
        let delay = if n < 3 { 4500 } else { 0 };
        (200, Duration::from_millis(delay))
    }));
    let options = ServerOptions {
        smtp_port: Some(smtp.port),
        env: vec![
            ("EMBARGO_WORKER_POLL_MS".into(), "100".into()),
            ("EMBARGO_JOB_LEASE_MS".into(), "2000".into()),
        ],
        ..ServerOptions::default()
    };
    let one = Server::start(&db, &options);
    let two = Server::start(&db, &options);
    let http = client();
    let token = api_token(&db);
    let (status, body) =
        add_endpoint(&http, &one.url, &token, &receiver.url, &["report.received"]).await;
    assert_eq!(status, 201, "{body}");
    let secret = body["secret"].as_str().expect("secret").to_owned();

    let mut numbers = Vec::new();
    for i in 0..REPORTS {
        let base = if i % 2 == 0 { &one.url } else { &two.url };
        let created = submit(
            &http,
            base,
            &format!("Report {i}"),
            &format!("r{i}@example.test"),
        )
        .await;
        numbers.push(created["number"].as_i64().expect("number"));
    }
    numbers.sort_unstable();
    assert_eq!(numbers, (1..=REPORTS as i64).collect::<Vec<_>>());

    receiver.wait_for(REPORTS, Duration::from_secs(90)).await;
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while smtp.messages().len() < REPORTS {
        assert!(
            std::time::Instant::now() < deadline,
            "{} e-mails of {REPORTS}",
            smtp.messages().len()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // Longer than a lease and a slow delivery: a job run twice would show up by now. (Two
    // binaries: nothing to drain from here, so this one waits.)
    tokio::time::sleep(Duration::from_secs(6)).await;

    let hits = receiver.hits();
    let mut deliveries: Vec<&str> = hits.iter().map(|h| h.delivery.as_str()).collect();
    deliveries.sort_unstable();
    deliveries.dedup();
    assert_eq!(
        hits.len(),
        REPORTS,
        "every webhook once: {} requests for {} deliveries",
        hits.len(),
        deliveries.len()
    );
    assert_eq!(deliveries.len(), REPORTS);
    let mut reported: Vec<i64> = hits
        .iter()
        .map(|h| {
            assert!(signature_valid(&secret, &h.body, &h.signature), "{h:?}");
            let body: Value = serde_json::from_str(&h.body).expect("json");
            body["data"]["report"]["number"].as_i64().expect("number")
        })
        .collect();
    reported.sort_unstable();
    assert_eq!(reported, numbers, "one delivery per report");

    let mail = smtp.messages();
    assert_eq!(mail.len(), REPORTS, "every acknowledgement once");
    for i in 0..REPORTS {
        let to = format!("r{i}@example.test");
        let n = mail
            .iter()
            .filter(|m| m.lines().any(|l| l.starts_with("To:") && l.contains(&to)))
            .count();
        assert_eq!(n, 1, "acknowledgements to {to}");
    }
    // Both servers worked the queue.
    for server in [&one, &two] {
        assert!(
            server.logs().contains("webhook delivered")
                || server.logs().contains("e-mail delivered"),
            "a server did no work: {}",
            server.logs()
        );
    }
    one.stop();
    two.stop();
}
