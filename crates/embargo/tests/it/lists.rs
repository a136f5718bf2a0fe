//! The lists besides reports and advisories, a page at a time: a project's inbound mail (API
//! and page), the outbox (page) and a webhook endpoint's deliveries (API). Rows arrive at
//! known instants (the server's clock is a file the test rewrites), one more arrives between
//! two pages, and no page repeats or skips one; bad `limit` and `cursor` values are refused
//! naming the field. And a report page is found by its number among its project's others.

use super::*;
use serde_json::{Value, json};

on_each_backend!(inbound_mail_is_listed_a_page_at_a_time);
on_each_backend!(the_outbox_is_listed_a_page_at_a_time);
on_each_backend!(webhook_deliveries_are_listed_a_page_at_a_time);
on_each_backend!(a_report_page_is_found_by_its_number);

fn set_clock(path: &std::path::Path, at: &str) {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, at).expect("write clock");
    std::fs::rename(&tmp, path).expect("move clock");
}

/// An application whose "now" is the file's content, set to `at` first.
async fn app_at(backend: Backend, dir: &TempDir, at: &str) -> (TestApp, std::path::PathBuf) {
    let clock = dir.0.join("now");
    set_clock(&clock, at);
    let app = TestApp::start(
        backend,
        Options {
            clock_file: Some(clock.clone()),
            ..Options::prepared()
        },
    )
    .await;
    (app, clock)
}

/// GET with the API token: the status and the JSON body.
async fn get_json(http: &reqwest::Client, url: &str, token: &str) -> (u16, Value) {
    let res = http.get(url).bearer_auth(token).send().await.expect("get");
    let status = res.status().as_u16();
    (status, res.json().await.expect("json"))
}

fn strings(page: &Value, key: &str) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap_or_else(|| panic!("a page of items: {page}"))
        .iter()
        .map(|i| i[key].as_str().unwrap_or("").to_owned())
        .collect()
}

fn next_cursor(page: &Value) -> String {
    page["next_cursor"]
        .as_str()
        .unwrap_or_else(|| panic!("a next page: {page}"))
        .to_owned()
}

/// A message that opens a report.
fn mail(n: u32) -> String {
    format!(
        "From: Reporter {n} <reporter{n}@example.org>\r\n\
         To: security@printdesk.example\r\n\
         Subject: Mail {n}\r\n\
         Message-ID: <mail-{n}@example.org>\r\n\
         Date: Wed, 1 Apr 2026 10:00:00 +0000\r\n\
         \r\n\
         The timelapse download joins the requested file name to the download directory\r\n\
         without normalising it, so ../../config.yaml is served to any signed-in user.\r\n"
    )
}

async fn ingest(app: &TestApp, n: u32) {
    embargo::services::inbound::ingest(&app.state, mail(n).as_bytes(), Some("demo"), &[])
        .await
        .expect("ingest");
}

/// The rows of an HTML table's body that hold `marker`, in order.
fn rows_with<'a>(html: &'a str, marker: &str) -> Vec<&'a str> {
    html.split("<tr").filter(|r| r.contains(marker)).collect()
}

/// The `href` of the link labelled `label`, with `&amp;` read back.
fn link(html: &str, label: &str) -> Option<String> {
    let end = html.find(&format!("\">{label}</a>"))?;
    let start = html[..end].rfind("href=\"")? + "href=\"".len();
    Some(html[start..end].replace("&amp;", "&"))
}

async fn inbound_mail_is_listed_a_page_at_a_time(backend: Backend) {
    let dir = TempDir::new();
    let (app, clock) = app_at(backend, &dir, "2026-04-01T10:00:00Z").await;
    let base = app.url.as_str();
    let token = app.api_token().await;
    let http = client();
    for n in 1..=5 {
        set_clock(&clock, &format!("2026-04-01T10:0{n}:00Z"));
        ingest(&app, n).await;
    }
    let list = format!("{base}/api/v1/projects/demo/mail");

    let (status, first) = get_json(&http, &format!("{list}?limit=2"), &token).await;
    assert_eq!(status, 200, "{first}");
    assert_eq!(strings(&first, "subject"), ["Mail 5", "Mail 4"]);
    assert_eq!(first["items"][0]["report_number"], 5, "{first}");
    assert_eq!(first["items"][1]["report_number"], 4, "{first}");
    assert_eq!(first["items"][0]["disposition"], "report");
    assert_eq!(first["items"][0]["sender"], "reporter5@example.org");
    assert_eq!(
        first["items"][0]["received_at"], "2026-04-01T10:05:00Z",
        "{first}"
    );

    // A message arriving between two pages neither shifts nor repeats what comes next.
    set_clock(&clock, "2026-04-01T10:09:00Z");
    ingest(&app, 6).await;
    let (status, second) = get_json(
        &http,
        &format!("{list}?limit=2&cursor={}", next_cursor(&first)),
        &token,
    )
    .await;
    assert_eq!(status, 200, "{second}");
    assert_eq!(strings(&second, "subject"), ["Mail 3", "Mail 2"]);
    let (_, third) = get_json(
        &http,
        &format!("{list}?limit=2&cursor={}", next_cursor(&second)),
        &token,
    )
    .await;
    assert_eq!(strings(&third, "subject"), ["Mail 1"]);
    assert_eq!(third["items"][0]["report_number"], 1);
    assert_eq!(third["next_cursor"], Value::Null, "{third}");
    let (_, all) = get_json(&http, &list, &token).await;
    assert_eq!(
        strings(&all, "subject"),
        ["Mail 6", "Mail 5", "Mail 4", "Mail 3", "Mail 2", "Mail 1"]
    );
    assert_eq!(all["next_cursor"], Value::Null);

    for (query, field) in [
        ("?limit=0", "limit"),
        ("?limit=501", "limit"),
        ("?limit=many", "limit"),
        ("?cursor=nope", "cursor"),
        ("?cursor=123", "cursor"),
        ("?cursor=123.not-an-id", "cursor"),
    ] {
        let (status, body) = get_json(&http, &format!("{list}{query}"), &token).await;
        assert_eq!(status, 422, "{query}: {body}");
        assert_eq!(body["error"]["field"], field, "{query}: {body}");
    }

    // The page: the same order, the report each opened, and a link to the older ones.
    sign_in(&http, base).await;
    let page = http
        .get(format!("{base}/inbox/demo/mail?limit=4"))
        .send()
        .await
        .expect("mail page");
    assert_eq!(page.status(), 200);
    let html = page.text().await.expect("html");
    let rows = rows_with(&html, "class=\"disposition-");
    assert_eq!(rows.len(), 4, "{html}");
    for (row, n) in rows.iter().zip([6, 5, 4, 3]) {
        assert!(row.contains(&format!("Mail {n}")), "{row}");
        assert!(
            row.contains(&format!("href=\"/inbox/demo/reports/{n}\"")),
            "{row}"
        );
    }
    let older = link(&html, "Older messages").expect("a link to older messages");
    let html = http
        .get(format!("{base}{older}"))
        .send()
        .await
        .expect("older")
        .text()
        .await
        .expect("html");
    let rows = rows_with(&html, "class=\"disposition-");
    assert_eq!(rows.len(), 2, "{html}");
    assert!(
        rows[0].contains("Mail 2") && rows[1].contains("Mail 1"),
        "{html}"
    );
    assert_eq!(link(&html, "Older messages"), None, "the last page");
    assert!(link(&html, "Newest messages").is_some(), "{html}");
    let bad = http
        .get(format!("{base}/inbox/demo/mail?cursor=nope"))
        .send()
        .await
        .expect("bad cursor");
    assert_eq!(bad.status(), 422);
    assert!(bad.text().await.expect("html").contains("cursor"));
}

async fn queue_email(app: &TestApp, subject: &str, at: &str) {
    let mut tx = app.state.db.begin().await.expect("begin");
    store::outbox::queue(
        &mut tx,
        &store::NewEmail {
            id: uuid::Uuid::now_v7(),
            to: "someone@example.org".into(),
            subject: subject.into(),
            body_text: "Hello.".into(),
            report: None,
            created_at: at.parse().expect("time"),
            auto_submitted: None,
        },
    )
    .await
    .expect("queue");
    tx.commit().await.expect("commit");
}

async fn the_outbox_is_listed_a_page_at_a_time(backend: Backend) {
    let dir = TempDir::new();
    let (app, _) = app_at(backend, &dir, "2026-04-01T10:00:00Z").await;
    let base = app.url.as_str();
    let http = client();
    for n in 1..=5 {
        queue_email(
            &app,
            &format!("Outbox {n}"),
            &format!("2026-04-01T10:0{n}:00Z"),
        )
        .await;
    }
    sign_in(&http, base).await;
    let get = async |query: &str| -> (u16, String) {
        let res = http
            .get(format!("{base}/admin/outbox{query}"))
            .send()
            .await
            .expect("outbox");
        (res.status().as_u16(), res.text().await.expect("html"))
    };
    let subjects = |html: &str| -> Vec<String> {
        rows_with(html, "class=\"status-")
            .iter()
            .map(|r| {
                let n = r.find("Outbox ").expect("subject");
                r[n..n + "Outbox 1".len()].to_owned()
            })
            .collect()
    };

    let (status, html) = get("?limit=2").await;
    assert_eq!(status, 200, "{html}");
    assert_eq!(subjects(&html), ["Outbox 5", "Outbox 4"]);
    let older = link(&html, "Older e-mails").expect("a link to older e-mails");
    // An e-mail queued between two pages neither shifts nor repeats what comes next.
    queue_email(&app, "Outbox 6", "2026-04-01T10:09:00Z").await;
    let (_, html) = get(older.trim_start_matches("/admin/outbox")).await;
    assert_eq!(subjects(&html), ["Outbox 3", "Outbox 2"]);
    let older = link(&html, "Older e-mails").expect("a link to older e-mails");
    let (_, html) = get(older.trim_start_matches("/admin/outbox")).await;
    assert_eq!(subjects(&html), ["Outbox 1"]);
    assert_eq!(link(&html, "Older e-mails"), None, "the last page");
    let (_, html) = get("").await;
    assert_eq!(
        subjects(&html),
        [
            "Outbox 6", "Outbox 5", "Outbox 4", "Outbox 3", "Outbox 2", "Outbox 1"
        ]
    );
    for (query, field) in [
        ("?limit=0", "limit"),
        ("?limit=501", "limit"),
        ("?cursor=x", "cursor"),
    ] {
        let (status, html) = get(query).await;
        assert_eq!(status, 422, "{query}: {html}");
        assert!(html.contains(field), "{query}: {html}");
    }

    // The same list in the API, for administrators.
    let token = app.api_token().await;
    let list = format!("{base}/api/v1/outbox");
    let (status, first) = get_json(&http, &format!("{list}?limit=4"), &token).await;
    assert_eq!(status, 200, "{first}");
    assert_eq!(
        strings(&first, "subject"),
        ["Outbox 6", "Outbox 5", "Outbox 4", "Outbox 3"]
    );
    assert_eq!(first["items"][0]["status"], "queued");
    assert_eq!(first["items"][0]["created_at"], "2026-04-01T10:09:00Z");
    queue_email(&app, "Outbox 7", "2026-04-01T10:10:00Z").await;
    let (_, rest) = get_json(
        &http,
        &format!("{list}?limit=4&cursor={}", next_cursor(&first)),
        &token,
    )
    .await;
    assert_eq!(strings(&rest, "subject"), ["Outbox 2", "Outbox 1"]);
    assert_eq!(rest["next_cursor"], Value::Null);
    for (query, field) in [("?limit=0", "limit"), ("?cursor=x", "cursor")] {
        let (status, body) = get_json(&http, &format!("{list}{query}"), &token).await;
        assert_eq!(status, 422, "{query}: {body}");
        assert_eq!(body["error"]["field"], field, "{query}: {body}");
    }
}

async fn webhook_deliveries_are_listed_a_page_at_a_time(backend: Backend) {
    let dir = TempDir::new();
    let (app, clock) = app_at(backend, &dir, "2026-04-01T10:00:00Z").await;
    let base = app.url.as_str();
    let token = app.api_token().await;
    let http = client();
    let res = http
        .post(format!("{base}/api/v1/projects/demo/webhooks"))
        .bearer_auth(&token)
        .json(&json!({ "url": "http://127.0.0.1:9/hook", "events": ["report.received"] }))
        .send()
        .await
        .expect("add endpoint");
    assert_eq!(
        res.status(),
        201,
        "{}",
        res.text().await.unwrap_or_default()
    );
    let endpoint: Value = res.json().await.expect("json");
    let endpoint = endpoint["endpoint"]["id"].as_str().expect("id").to_owned();
    let submit = async |n: u32| {
        set_clock(&clock, &format!("2026-04-01T10:0{n}:00Z"));
        let res = http
            .post(format!("{base}/api/v1/projects/demo/reports"))
            .json(&sample_report(&format!("Report {n}")))
            .send()
            .await
            .expect("submit");
        assert_eq!(res.status(), 201);
    };
    for n in 1..=5 {
        submit(n).await;
    }
    let list = format!("{base}/api/v1/projects/demo/webhooks/{endpoint}/deliveries");

    let (status, first) = get_json(&http, &format!("{list}?limit=2"), &token).await;
    assert_eq!(status, 200, "{first}");
    assert_eq!(
        strings(&first, "created_at"),
        ["2026-04-01T10:05:00Z", "2026-04-01T10:04:00Z"]
    );
    assert_eq!(first["items"][0]["event"], "report.received");
    submit(6).await;
    let (_, second) = get_json(
        &http,
        &format!("{list}?limit=2&cursor={}", next_cursor(&first)),
        &token,
    )
    .await;
    assert_eq!(
        strings(&second, "created_at"),
        ["2026-04-01T10:03:00Z", "2026-04-01T10:02:00Z"]
    );
    let (_, third) = get_json(
        &http,
        &format!("{list}?limit=2&cursor={}", next_cursor(&second)),
        &token,
    )
    .await;
    assert_eq!(strings(&third, "created_at"), ["2026-04-01T10:01:00Z"]);
    assert_eq!(third["next_cursor"], Value::Null, "{third}");
    let (_, all) = get_json(&http, &list, &token).await;
    assert_eq!(all["items"].as_array().map(Vec::len), Some(6), "{all}");
    for (query, field) in [
        ("?limit=0", "limit"),
        ("?limit=501", "limit"),
        ("?cursor=nope", "cursor"),
    ] {
        let (status, body) = get_json(&http, &format!("{list}{query}"), &token).await;
        assert_eq!(status, 422, "{query}: {body}");
        assert_eq!(body["error"]["field"], field, "{query}: {body}");
    }
}

async fn a_report_page_is_found_by_its_number(backend: Backend) {
    let app = TestApp::prepared(backend).await;
    let base = app.url.as_str();
    let http = client();
    for title in ["First report", "Second report", "Third report"] {
        let res = http
            .post(format!("{base}/api/v1/projects/demo/reports"))
            .json(&sample_report(title))
            .send()
            .await
            .expect("submit");
        assert_eq!(res.status(), 201);
    }
    sign_in(&http, base).await;
    let res = http
        .get(format!("{base}/inbox/demo/reports/2"))
        .send()
        .await
        .expect("report page");
    assert_eq!(res.status(), 200);
    let html = res.text().await.expect("html");
    assert!(html.contains("#2 Second report"), "{html}");
    assert!(
        !html.contains("First report") && !html.contains("Third report"),
        "only report 2"
    );
    for missing in ["4", "0", "-1", "two"] {
        let res = http
            .get(format!("{base}/inbox/demo/reports/{missing}"))
            .send()
            .await
            .expect("report page");
        assert_eq!(res.status(), 404, "report {missing}");
    }
}

on_each_backend!(a_thread_is_listed_a_page_at_a_time);

async fn a_thread_is_listed_a_page_at_a_time(backend: Backend) {
    let dir = TempDir::new();
    let (app, clock) = app_at(backend, &dir, "2026-04-01T10:00:00Z").await;
    let base = app.url.as_str();
    let token = app.api_token().await;
    let http = client();
    let res = http
        .post(format!("{base}/api/v1/projects/demo/reports"))
        .json(&sample_report("Threaded"))
        .send()
        .await
        .expect("submit");
    assert_eq!(res.status(), 201);
    let created: Value = res.json().await.expect("json");
    let id = created["id"].as_str().expect("id").to_owned();
    let tracking = created["token"].as_str().expect("token").to_owned();
    let post = async |n: u32, visibility: &str| {
        set_clock(&clock, &format!("2026-04-01T11:0{n}:00Z"));
        let res = http
            .post(format!("{base}/api/v1/reports/{id}/messages"))
            .bearer_auth(&token)
            .json(&json!({ "body": format!("Message {n}"), "visibility": visibility }))
            .send()
            .await
            .expect("post");
        assert_eq!(
            res.status(),
            201,
            "{}",
            res.text().await.unwrap_or_default()
        );
    };
    post(1, "reporter").await;
    post(2, "internal").await;
    post(3, "reporter").await;
    post(4, "reporter").await;
    let list = format!("{base}/api/v1/reports/{id}/messages");

    let (status, first) = get_json(&http, &format!("{list}?limit=2"), &token).await;
    assert_eq!(status, 200, "{first}");
    assert_eq!(strings(&first, "body"), ["Message 1", "Message 2"]);
    assert_eq!(first["items"][1]["visibility"], "internal");
    // A message added between two pages comes after them, never in between.
    post(5, "reporter").await;
    let (_, second) = get_json(
        &http,
        &format!("{list}?limit=2&cursor={}", next_cursor(&first)),
        &token,
    )
    .await;
    assert_eq!(strings(&second, "body"), ["Message 3", "Message 4"]);
    let (_, third) = get_json(
        &http,
        &format!("{list}?limit=2&cursor={}", next_cursor(&second)),
        &token,
    )
    .await;
    assert_eq!(strings(&third, "body"), ["Message 5"]);
    assert_eq!(third["next_cursor"], Value::Null, "{third}");

    // The reporter's token sees the reporter's messages only.
    let (status, theirs) = get_json(&http, &list, &tracking).await;
    assert_eq!(status, 200, "{theirs}");
    assert_eq!(
        strings(&theirs, "body"),
        ["Message 1", "Message 3", "Message 4", "Message 5"]
    );
    let (status, _) = get_json(
        &http,
        &format!("{base}/api/v1/reports/{}/messages", uuid::Uuid::nil()),
        &tracking,
    )
    .await;
    assert_eq!(status, 404, "another report's thread");
    for (query, field) in [
        ("?limit=0", "limit"),
        ("?limit=501", "limit"),
        ("?cursor=nope", "cursor"),
    ] {
        let (status, body) = get_json(&http, &format!("{list}{query}"), &token).await;
        assert_eq!(status, 422, "{query}: {body}");
        assert_eq!(body["error"]["field"], field, "{query}: {body}");
    }
}

on_each_backend!(the_audit_log_is_listed_a_page_at_a_time);

async fn the_audit_log_is_listed_a_page_at_a_time(backend: Backend) {
    let app = TestApp::prepared(backend).await;
    let base = app.url.as_str();
    let token = app.api_token().await;
    let http = client();
    let submit = async |title: &str| -> String {
        let res = http
            .post(format!("{base}/api/v1/projects/demo/reports"))
            .json(&sample_report(title))
            .send()
            .await
            .expect("submit");
        assert_eq!(res.status(), 201);
        let body: Value = res.json().await.expect("json");
        body["id"].as_str().expect("id").to_owned()
    };
    let first_report = submit("Audited 1").await;
    let second_report = submit("Audited 2").await;
    let res = http
        .post(format!("{base}/api/v1/reports/{first_report}/transitions"))
        .bearer_auth(&token)
        .json(&json!({ "to": "acknowledged" }))
        .send()
        .await
        .expect("acknowledge");
    assert_eq!(res.status(), 200);
    let list = format!("{base}/api/v1/audit");
    let (status, all) = get_json(&http, &list, &token).await;
    assert_eq!(status, 200, "{all}");
    let seqs: Vec<u64> = all["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|e| e["seq"].as_u64().expect("seq"))
        .collect();
    let newest = seqs[0];
    // Newest first, without gaps, down to the first event.
    assert_eq!(seqs, (1..=newest).rev().collect::<Vec<_>>());
    assert_eq!(all["items"][0]["action"], "report.transition");
    assert_eq!(all["items"][0]["subject"], format!("report:{first_report}"));

    let (_, page) = get_json(&http, &format!("{list}?limit=2"), &token).await;
    assert_eq!(page["items"][0]["seq"], newest);
    assert_eq!(page["items"][1]["seq"], newest - 1);
    // Events appended between two pages come before them, never in between.
    submit("Audited 3").await;
    let (_, next) = get_json(
        &http,
        &format!("{list}?limit=2&cursor={}", next_cursor(&page)),
        &token,
    )
    .await;
    assert_eq!(next["items"][0]["seq"], newest - 2, "{next}");

    // One subject: the first report's creation and acknowledgement, newest first.
    let (_, about) = get_json(
        &http,
        &format!("{list}?subject=report:{first_report}"),
        &token,
    )
    .await;
    assert_eq!(
        strings(&about, "action"),
        ["report.transition", "report.create"]
    );
    let (_, other) = get_json(
        &http,
        &format!("{list}?subject=report:{second_report}&limit=1"),
        &token,
    )
    .await;
    assert_eq!(strings(&other, "action"), ["report.create"]);

    for (query, field) in [
        ("?limit=0", "limit"),
        ("?cursor=abc", "cursor"),
        ("?cursor=0", "cursor"),
        ("?subject=%01", "subject"),
    ] {
        let (status, body) = get_json(&http, &format!("{list}{query}"), &token).await;
        assert_eq!(status, 422, "{query}: {body}");
        assert_eq!(body["error"]["field"], field, "{query}: {body}");
    }
}

on_each_backend!(the_advisories_page_is_paged);

async fn the_advisories_page_is_paged(backend: Backend) {
    let dir = TempDir::new();
    let (app, clock) = app_at(backend, &dir, "2026-04-01T10:00:00Z").await;
    let base = app.url.as_str();
    let token = app.api_token().await;
    let http = client();
    for n in 1..=3 {
        set_clock(&clock, &format!("2026-04-01T10:0{n}:00Z"));
        let res = http
            .post(format!("{base}/api/v1/projects/demo/advisories"))
            .bearer_auth(&token)
            .json(&json!({ "advisory": { "summary": format!("Advisory {n}"), "details": "d" } }))
            .send()
            .await
            .expect("create");
        assert_eq!(res.status(), 201);
    }
    sign_in(&http, base).await;
    let get = async |path: &str| -> (u16, String) {
        let res = http
            .get(format!("{base}{path}"))
            .send()
            .await
            .expect("advisories page");
        (res.status().as_u16(), res.text().await.expect("html"))
    };
    let summaries = |html: &str| -> Vec<String> {
        rows_with(html, "<td><a href=\"/inbox/demo/advisories/")
            .iter()
            .map(|r| {
                let n = r.find("Advisory ").expect("summary");
                r[n..n + "Advisory 1".len()].to_owned()
            })
            .collect()
    };
    let (status, html) = get("/inbox/demo/advisories?limit=2").await;
    assert_eq!(status, 200, "{html}");
    assert_eq!(summaries(&html), ["Advisory 3", "Advisory 2"]);
    let older = link(&html, "Older advisories").expect("a link to older advisories");
    let (_, html) = get(&older).await;
    assert_eq!(summaries(&html), ["Advisory 1"]);
    assert_eq!(link(&html, "Older advisories"), None);
    let (status, _) = get("/inbox/demo/advisories?limit=0").await;
    assert_eq!(status, 422);

    // The public page: published ones only, a page at a time, newest first.
    // Publishing modifies them: #1 at 10:05, #3 at 10:06, so #3 is the most recent.
    for (id, at) in [
        ("x_demo-2026-0001", "2026-04-01T10:05:00Z"),
        ("x_demo-2026-0003", "2026-04-01T10:06:00Z"),
    ] {
        set_clock(&clock, at);
        let res = http
            .post(format!("{base}/api/v1/advisories/{id}/publish"))
            .bearer_auth(&token)
            .send()
            .await
            .expect("publish");
        assert_eq!(
            res.status(),
            200,
            "{}",
            res.text().await.unwrap_or_default()
        );
    }
    let public = |html: &str| -> Vec<String> {
        rows_with(html, "<td><a href=\"/p/demo/advisories/")
            .iter()
            .map(|r| {
                let n = r.find("Advisory ").expect("summary");
                r[n..n + "Advisory 1".len()].to_owned()
            })
            .collect()
    };
    let (status, html) = get("/p/demo/advisories?limit=1").await;
    assert_eq!(status, 200, "{html}");
    assert_eq!(public(&html), ["Advisory 3"]);
    let older = link(&html, "Older advisories").expect("a link to older advisories");
    let (_, html) = get(&older).await;
    assert_eq!(public(&html), ["Advisory 1"]);
    assert_eq!(link(&html, "Older advisories"), None);
    let (status, _) = get("/p/demo/advisories?cursor=nope").await;
    assert_eq!(status, 422);
}

on_each_backend!(a_project_has_at_most_200_members);

async fn a_project_has_at_most_200_members(backend: Backend) {
    let app = TestApp::prepared(backend).await;
    let demo = embargo::services::projects::public(&app.state, "demo")
        .await
        .expect("demo");
    let new_user = |n: usize| store::NewUser {
        id: domain::UserId::new(),
        email: domain::EmailAddress::parse("email", &format!("member{n}@example.test"))
            .expect("address"),
        name: format!("Member {n}"),
        password_hash: None,
        is_admin: false,
        created_at: jiff::Timestamp::now(),
    };
    let existing = store::members::count(&mut app.state.db.read().await.expect("read"), demo.id)
        .await
        .expect("count");
    let mut tx = app.state.db.begin().await.expect("begin");
    for n in 0..202 {
        let user = store::accounts::insert_user(&mut tx, &new_user(n))
            .await
            .expect("user");
        // All but the last three join directly, up to 199 members.
        if i64::try_from(n).expect("n") < 199 - existing {
            store::members::set(
                &mut tx,
                demo.id,
                user.id,
                domain::account::ProjectRole::Triager,
            )
            .await
            .expect("member");
        }
    }
    tx.commit().await.expect("commit");
    let set = async |email: &str, role| {
        embargo::services::projects::set_member(&app.state, "demo", email, Some(role), "test").await
    };
    use domain::account::ProjectRole::{Maintainer, Triager};
    // The 200th joins; the 201st is refused; a member's role still changes.
    let n = usize::try_from(199 - existing).expect("n");
    set(&format!("member{n}@example.test"), Triager)
        .await
        .expect("the 200th member");
    match set(&format!("member{}@example.test", n + 1), Triager).await {
        Err(embargo::services::ServiceError::Conflict { code, .. }) => {
            assert_eq!(code, "too_many_members")
        }
        other => panic!("the 201st member: {other:?}"),
    }
    assert_eq!(
        set("member0@example.test", Maintainer).await.expect("role"),
        Some(Triager)
    );
    assert_eq!(
        store::members::count(&mut app.state.db.read().await.expect("read"), demo.id)
            .await
            .expect("count"),
        200
    );
}
