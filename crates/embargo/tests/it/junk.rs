//! Junk costs nobody's attention: a beg-bounty report gets no receipt, no "new report"
//! e-mail and no reminder however late it gets, while a valid one gets its receipt and
//! notification once triaged; acknowledging a held report releases its receipt; closing
//! as spam sends nothing. A blocked reporter and the instance's bans are applied on the
//! web form, the API and mail alike (answered as usual, filed as junk, counted), and only
//! administrators manage bans.

use super::*;
use domain::{ProjectSlug, account::ProjectRole};
use jiff::{SignedDuration, Timestamp};

on_each_backend!(junk_gets_no_receipt_no_notification_and_no_reminder);
on_each_backend!(blocked_and_banned_senders_are_filed_as_junk_on_every_channel);

const MAINTAINER: &str = "mia@example.test";

fn beg_report(email: &str) -> serde_json::Value {
    serde_json::json!({
        "title": "Critical vulnerability found - bug bounty?",
        "description": "Hello team, I found a critical security vulnerability in your website. \
            Before I share details, please tell me how much you pay as a bug bounty reward. \
            I can send the details after payment.",
        "reporter": { "name": "B. Ounty", "email": email }
    })
}

fn report_from(email: &str, name: &str, title: &str) -> serde_json::Value {
    let mut r = sample_report(title);
    r["reporter"] = serde_json::json!({ "name": name, "email": email });
    r
}

fn set_clock(path: &std::path::Path, at: Timestamp) {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, at.to_string()).expect("write clock");
    std::fs::rename(&tmp, path).expect("move clock");
}

/// A maintainer of `demo` with an API token (the prepared database has an administrator only).
async fn maintainer(app: &TestApp) -> String {
    let (code, _, err) = app
        .cli(
            &[
                "admin",
                "create-user",
                "--email",
                MAINTAINER,
                "--name",
                "Mia Maintainer",
                "--password-stdin",
            ],
            PASSWORD,
        )
        .await;
    assert_eq!(code, 0, "{err}");
    let store = &app.state.db;
    let project = store::projects::by_slug(
        &mut store.read().await.expect("read"),
        &ProjectSlug::parse("demo").expect("slug"),
    )
    .await
    .expect("read")
    .expect("project");
    let (mia, _) = store::accounts::credentials(&mut store.read().await.expect("read"), MAINTAINER)
        .await
        .expect("read")
        .expect("user");
    let mut tx = store.begin().await.expect("begin");
    store::members::set(&mut tx, project.id, mia.id, ProjectRole::Maintainer)
        .await
        .expect("member");
    tx.commit().await.expect("commit");
    embargo::services::accounts::create_api_token(&app.state, MAINTAINER, "test")
        .await
        .expect("token")
}

/// Every e-mail queued so far: (to, subject, report id).
async fn emails(app: &TestApp) -> Vec<(String, String, Option<String>)> {
    store::outbox::latest(&mut app.state.db.read().await.expect("read"), 10_000)
        .await
        .expect("outbox")
        .into_iter()
        .map(|e| (e.to, e.subject, e.report_id.map(|r| r.to_string())))
        .collect()
}

async fn emails_to(app: &TestApp, to: &str) -> Vec<String> {
    emails(app)
        .await
        .into_iter()
        .filter(|(t, _, _)| t == to)
        .map(|(_, s, _)| s)
        .collect()
}

async fn emails_about(app: &TestApp, report: &str) -> Vec<(String, String)> {
    emails(app)
        .await
        .into_iter()
        .filter(|(_, _, r)| r.as_deref() == Some(report))
        .map(|(t, s, _)| (t, s))
        .collect()
}

async fn hold_status(app: &TestApp, report: &str) -> String {
    let id = domain::ReportId(report.parse().expect("uuid"));
    store::holds::of_report(&mut app.state.db.read().await.expect("read"), id)
        .await
        .expect("read")
        .expect("a hold")
        .status
        .as_str()
        .to_owned()
}

async fn submit_api(http: &reqwest::Client, base: &str, body: &serde_json::Value) -> String {
    let res = http
        .post(format!("{base}/api/v1/projects/demo/reports"))
        .json(body)
        .send()
        .await
        .expect("submit");
    assert_eq!(res.status(), 201);
    let r: serde_json::Value = res.json().await.expect("json");
    r["id"].as_str().expect("id").to_owned()
}

/// Submits through the web form as a reporter would; answers the status and where it
/// leads (the tracking page).
async fn submit_form(base: &str, email: &str, name: &str, title: &str) -> (u16, String) {
    let http = client();
    let page = http
        .get(format!("{base}/p/demo/report"))
        .send()
        .await
        .expect("form")
        .text()
        .await
        .expect("body");
    let csrf = hidden_field(&page, "csrf_token");
    let res = http
        .post(format!("{base}/p/demo/report"))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("title", title),
            (
                "description",
                "The upload handler writes outside the spool directory when the name has '..'.",
            ),
            ("reporter_name", name),
            ("reporter_email", email),
        ])
        .send()
        .await
        .expect("post form");
    let location = res
        .headers()
        .get("location")
        .map(|l| l.to_str().expect("ascii").to_owned())
        .unwrap_or_default();
    (res.status().as_u16(), location)
}

fn mail_from(from: &str, subject: &str) -> String {
    format!(
        "From: {from}\r\nTo: security@printdesk.example\r\nSubject: {subject}\r\n\
         Message-ID: <{}@example.test>\r\nDate: Thu, 5 Mar 2026 10:00:00 +0000\r\n\r\n\
         The spool directory accepts names with '..' and writes outside it; \
         any user can overwrite the printer's configuration this way.\r\n",
        uuid::Uuid::now_v7()
    )
}

/// Ingests a message for `demo`; the report it opened, if any.
async fn ingest(app: &TestApp, raw: &str) -> (store::Disposition, Option<String>) {
    let ingested =
        embargo::services::inbound::ingest(&app.state, raw.as_bytes(), Some("demo"), &[])
            .await
            .expect("ingest");
    (
        ingested.disposition,
        ingested.report.map(|(id, _)| id.to_string()),
    )
}

async fn transition(
    http: &reqwest::Client,
    base: &str,
    token: &str,
    id: &str,
    body: serde_json::Value,
) {
    let res = http
        .post(format!("{base}/api/v1/reports/{id}/transitions"))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .expect("transition");
    assert_eq!(
        res.status(),
        200,
        "{}",
        res.text().await.unwrap_or_default()
    );
}

async fn junk_gets_no_receipt_no_notification_and_no_reminder(backend: Backend) {
    let dir = TempDir::new();
    let clock = dir.0.join("now");
    let start: Timestamp = "2026-03-02T09:00:00Z".parse().expect("time");
    set_clock(&clock, start);
    let app = TestApp::start(
        backend,
        Options {
            prepared: true,
            clock_file: Some(clock.clone()),
            ..Options::default()
        },
    )
    .await;
    let base = app.url.clone();
    let http = client();
    let mia = maintainer(&app).await;
    let admin = app.api_token().await;

    // A beg-bounty report: once triaged, held — no receipt, no "new report" e-mail.
    let beg = submit_api(&http, &base, &beg_report("bounty@example.test")).await;
    assert_eq!(hold_status(&app, &beg).await, "pending");
    app.drain().await;
    assert_eq!(hold_status(&app, &beg).await, "held");
    assert_eq!(
        emails_about(&app, &beg).await,
        Vec::<(String, String)>::new()
    );

    // A valid report: its receipt and the members' e-mail go out after the triage.
    let valid = submit_api(
        &http,
        &base,
        &sample_report("Path traversal in timelapse downloads"),
    )
    .await;
    assert!(
        emails_to(&app, "mara@example.test").await.is_empty(),
        "the receipt waits for the triage"
    );
    app.drain().await;
    assert_eq!(hold_status(&app, &valid).await, "released");
    assert_eq!(
        emails_to(&app, "mara@example.test").await,
        ["[PrintDesk] Report #2 received"]
    );
    let to_mia = emails_to(&app, MAINTAINER).await;
    assert_eq!(to_mia.len(), 1, "{to_mia:?}");
    assert!(to_mia[0].contains("#2"), "{to_mia:?}");

    // Weeks later, every acknowledgement deadline has passed: reminders for the valid
    // report only; the junk's clocks stand still.
    for days in [8, 15, 30, 91] {
        set_clock(
            &clock,
            start
                .checked_add(SignedDuration::from_hours(24 * days))
                .expect("in range"),
        );
        app.drain().await;
    }
    let about_valid = emails_about(&app, &valid).await;
    assert!(
        about_valid
            .iter()
            .filter(|(to, _)| to == MAINTAINER)
            .count()
            >= 2,
        "the valid report's deadlines are announced: {about_valid:?}"
    );
    assert_eq!(
        emails_about(&app, &beg).await,
        Vec::<(String, String)>::new()
    );
    sign_in(&http, &base).await;
    let page = |n: i64| {
        let http = http.clone();
        let base = base.clone();
        async move {
            http.get(format!("{base}/inbox/demo/reports/{n}"))
                .send()
                .await
                .expect("page")
                .text()
                .await
                .expect("body")
        }
    };
    let beg_page = page(1).await;
    assert!(beg_page.contains("clock stopped (junk)"), "{beg_page}");
    assert!(!beg_page.contains("(overdue)"));
    assert!(beg_page.contains("Send receipt"));
    assert!(page(2).await.contains("(overdue)"));
    let queue = http
        .get(format!("{base}/inbox/demo?tab=junk"))
        .send()
        .await
        .expect("queue")
        .text()
        .await
        .expect("body");
    assert!(
        queue.contains("Critical vulnerability found"),
        "held junk is in the queue"
    );

    // Acknowledging the held report is a person's decision: its receipt goes out.
    transition(
        &http,
        &base,
        &mia,
        &beg,
        serde_json::json!({ "to": "acknowledged" }),
    )
    .await;
    assert_eq!(hold_status(&app, &beg).await, "released");
    let to_beg = emails_to(&app, "bounty@example.test").await;
    assert!(
        to_beg.contains(&"[PrintDesk] Report #1 received".to_owned()),
        "{to_beg:?}"
    );
    // A person decided: it leaves the likely-junk tab, whatever the triage thought.
    let queue = http
        .get(format!("{base}/inbox/demo?tab=junk"))
        .send()
        .await
        .expect("queue")
        .text()
        .await
        .expect("body");
    assert!(
        !queue.contains("Critical vulnerability found"),
        "a released report is no longer junk: {queue}"
    );

    // Another one, closed as spam: nothing reaches its sender, now or later.
    let spam = submit_api(&http, &base, &beg_report("slop@example.test")).await;
    app.drain().await;
    assert_eq!(hold_status(&app, &spam).await, "held");
    transition(
        &http,
        &base,
        &mia,
        &spam,
        serde_json::json!({ "to": "closed", "resolution": "spam", "message": "No." }),
    )
    .await;
    app.drain().await;
    assert_eq!(hold_status(&app, &spam).await, "dropped");
    assert_eq!(
        emails_to(&app, "slop@example.test").await,
        Vec::<String>::new()
    );
    // "Send receipt" has nothing left to send.
    let res = http
        .post(format!("{base}/api/v1/reports/{spam}/receipt"))
        .bearer_auth(&admin)
        .send()
        .await
        .expect("receipt");
    assert_eq!(res.status(), 409);

    // A held report released by "Send receipt".
    let third = submit_api(&http, &base, &beg_report("third@example.test")).await;
    app.drain().await;
    assert!(emails_to(&app, "third@example.test").await.is_empty());
    let res = http
        .post(format!("{base}/api/v1/reports/{third}/receipt"))
        .bearer_auth(&mia)
        .send()
        .await
        .expect("receipt");
    assert_eq!(res.status(), 200);
    let view: serde_json::Value = res.json().await.expect("json");
    assert_eq!(view["status"], "released");
    assert_eq!(
        emails_to(&app, "third@example.test").await,
        ["[PrintDesk] Report #4 received"]
    );

    // A project that does not hold receipts, and answers spam with its policy's link.
    let (admin_user, _) = store::accounts::credentials(
        &mut app.state.db.read().await.expect("read"),
        "admin@example.test",
    )
    .await
    .expect("read")
    .expect("admin");
    let project = embargo::services::projects::public(&app.state, "demo")
        .await
        .expect("demo");
    let mut policy = project.policy.clone();
    policy.junk.hold_receipts = false;
    policy.junk.spam_reply = domain::policy::SpamReply::PolicyLink;
    embargo::services::projects::update_policy(
        &app.state,
        &admin_user,
        "demo",
        project.policy_version,
        &policy.to_toml(),
    )
    .await
    .expect("policy saved");
    app.drain().await;
    let notices = emails_to(&app, MAINTAINER).await.len();
    let linked = submit_api(&http, &base, &beg_report("linked@example.test")).await;
    assert_eq!(
        emails_to(&app, "linked@example.test").await,
        ["[PrintDesk] Report #5 received"],
        "the receipt is not held"
    );
    app.drain().await;
    assert_eq!(hold_status(&app, &linked).await, "held");
    assert_eq!(
        emails_to(&app, MAINTAINER).await.len(),
        notices,
        "junk: nobody notified"
    );
    transition(
        &http,
        &base,
        &mia,
        &linked,
        serde_json::json!({ "to": "closed", "resolution": "spam" }),
    )
    .await;
    let sent = store::outbox::latest(&mut app.state.db.read().await.expect("read"), 10_000)
        .await
        .expect("outbox");
    let closed: Vec<_> = sent
        .iter()
        .filter(|e| e.to == "linked@example.test" && e.subject.contains("closed"))
        .collect();
    assert_eq!(closed.len(), 1, "{sent:?}");
    assert!(
        closed[0]
            .body_text
            .contains(&format!("{base}/p/demo/policy")),
        "{}",
        closed[0].body_text
    );
    assert!(
        !closed[0].body_text.contains("spam"),
        "{}",
        closed[0].body_text
    );

    // A held report's reporter writes again: the message is kept, no member is e-mailed.
    let res: serde_json::Value = http
        .post(format!("{base}/api/v1/projects/demo/reports"))
        .json(&beg_report("again@example.test"))
        .send()
        .await
        .expect("submit")
        .json()
        .await
        .expect("json");
    let (again, token) = (
        res["id"].as_str().expect("id").to_owned(),
        res["token"].as_str().expect("token").to_owned(),
    );
    app.drain().await;
    assert_eq!(hold_status(&app, &again).await, "held");
    let notices = emails_to(&app, MAINTAINER).await.len();
    let res = http
        .post(format!("{base}/api/v1/reports/{again}/messages"))
        .bearer_auth(&token)
        .json(&serde_json::json!({ "body": "Did you see my report? Pay me.", "visibility": "reporter" }))
        .send()
        .await
        .expect("message");
    assert_eq!(res.status(), 201);
    app.drain().await;
    assert_eq!(
        emails_to(&app, MAINTAINER).await.len(),
        notices,
        "a held report's messages notify nobody"
    );
}

async fn blocked_and_banned_senders_are_filed_as_junk_on_every_channel(backend: Backend) {
    let app = TestApp::prepared(backend).await;
    let base = app.url.clone();
    let http = client();
    let mia = maintainer(&app).await;
    let admin = app.api_token().await;

    // A reporter the maintainers block after their first report.
    let first = submit_api(
        &http,
        &base,
        &report_from("pest@example.test", "Pest", "First"),
    )
    .await;
    app.drain().await;
    assert_eq!(
        emails_to(&app, "pest@example.test").await.len(),
        1,
        "the first receipt"
    );
    let res = http
        .post(format!("{base}/api/v1/reports/{first}/block"))
        .bearer_auth(&mia)
        .send()
        .await
        .expect("block");
    assert_eq!(res.status(), 200);
    let notices_before = emails_to(&app, MAINTAINER).await.len();

    // API and form answer as for anyone; the reports are stored, filed as blocked.
    let by_api = submit_api(
        &http,
        &base,
        &report_from("Pest@Example.test", "Pest", "Again"),
    )
    .await;
    let (status, location) = submit_form(&base, "pest@example.test", "Pest", "Once more").await;
    assert_eq!(status, 303);
    assert!(location.starts_with("/track/"), "{location}");
    let (disposition, by_mail) =
        ingest(&app, &mail_from("Pest <pest@example.test>", "And again")).await;
    assert_eq!(
        disposition,
        store::Disposition::Refused,
        "the block's rule refuses their mail"
    );
    assert_eq!(by_mail, None);
    app.drain().await;
    assert_eq!(hold_status(&app, &by_api).await, "blocked");
    let reports: serde_json::Value = http
        .get(format!("{base}/api/v1/projects/demo/reports"))
        .bearer_auth(&admin)
        .send()
        .await
        .expect("list")
        .json()
        .await
        .expect("json");
    let by_form = reports["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|r| r["title"] == "Once more")
        .expect("the form's report is stored")["id"]
        .as_str()
        .expect("id")
        .to_owned();
    assert_eq!(hold_status(&app, &by_form).await, "blocked");
    assert_eq!(
        emails_to(&app, "pest@example.test").await.len(),
        1,
        "no new receipt"
    );
    assert_eq!(
        emails_to(&app, MAINTAINER).await.len(),
        notices_before,
        "nobody notified"
    );
    let events: Vec<String> =
        store::audit::events(&mut app.state.db.read().await.expect("read"), 0, 10_000)
            .await
            .expect("audit")
            .into_iter()
            .filter(|e| e.action == "report.blocked")
            .map(|e| e.subject)
            .collect();
    assert_eq!(events.len(), 2, "{events:?}");

    // Only administrators manage the ban list.
    for (method, path, body) in [
        ("GET", "/api/v1/admin/bans", None),
        (
            "POST",
            "/api/v1/admin/bans",
            Some(serde_json::json!({ "kind": "address", "pattern": "x@y.test" })),
        ),
    ] {
        let mut req = http
            .request(method.parse().expect("method"), format!("{base}{path}"))
            .bearer_auth(&mia);
        if let Some(b) = body {
            req = req.json(&b);
        }
        assert_eq!(
            req.send().await.expect("send").status(),
            403,
            "{method} {path}"
        );
    }
    let add = async |kind: &str, pattern: &str| -> String {
        let res = http
            .post(format!("{base}/api/v1/admin/bans"))
            .bearer_auth(&admin)
            .json(&serde_json::json!({ "kind": kind, "pattern": pattern, "note": "seen on the lists" }))
            .send()
            .await
            .expect("add ban");
        assert_eq!(res.status(), 201);
        let v: serde_json::Value = res.json().await.expect("json");
        v["id"].as_str().expect("id").to_owned()
    };
    let bad = http
        .post(format!("{base}/api/v1/admin/bans"))
        .bearer_auth(&admin)
        .json(&serde_json::json!({ "kind": "name", "pattern": "(unclosed" }))
        .send()
        .await
        .expect("bad ban");
    assert_eq!(bad.status(), 422);
    let bad: serde_json::Value = bad.json().await.expect("json");
    assert_eq!(bad["error"]["field"], "pattern");
    let address = add("address", "banned@example.test").await;
    let _domain = add("domain", "spam.test").await;
    let _name = add("name", "bounty\\s*hunter").await;

    // Each entry on each channel: answered as usual, stored as blocked, counted.
    let senders = [
        ("banned@example.test", "Ben"),
        ("anyone@mx.spam.test", "Sam"),
        ("hunter@elsewhere.test", "The Bounty Hunter"),
    ];
    let mut stored = Vec::new();
    for (email, name) in senders {
        stored.push(
            submit_api(
                &http,
                &base,
                &report_from(email, name, &format!("API from {name}")),
            )
            .await,
        );
        let (status, location) =
            submit_form(&base, email, name, &format!("Form from {name}")).await;
        assert_eq!((status, location.starts_with("/track/")), (303, true));
        let (disposition, report) = ingest(
            &app,
            &mail_from(&format!("{name} <{email}>"), &format!("Mail from {name}")),
        )
        .await;
        assert_eq!(disposition, store::Disposition::Report);
        stored.push(report.expect("mail from a banned sender is stored"));
    }
    app.drain().await;
    for id in &stored {
        assert_eq!(hold_status(&app, id).await, "blocked");
    }
    for (email, _) in senders {
        assert_eq!(
            emails_to(&app, email).await,
            Vec::<String>::new(),
            "{email}"
        );
    }
    assert_eq!(
        emails_to(&app, MAINTAINER).await.len(),
        notices_before,
        "nobody notified"
    );
    let list: serde_json::Value = http
        .get(format!("{base}/api/v1/admin/bans"))
        .bearer_auth(&admin)
        .send()
        .await
        .expect("list")
        .json()
        .await
        .expect("json");
    let counts: Vec<(String, i64)> = list
        .as_array()
        .expect("bans")
        .iter()
        .map(|b| {
            (
                b["kind"].as_str().expect("kind").to_owned(),
                b["matches"].as_i64().expect("n"),
            )
        })
        .collect();
    assert_eq!(
        counts,
        [
            ("address".to_owned(), 3),
            ("domain".to_owned(), 3),
            ("name".to_owned(), 3)
        ]
    );
    assert_eq!(list[0]["added_by"], "Ada Admin");

    // The ban page lists them; removing one lets its sender through again.
    sign_in(&http, &base).await;
    let page = http
        .get(format!("{base}/admin/bans"))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("body");
    assert!(
        page.contains("banned@example.test") && page.contains("3 times"),
        "{page}"
    );
    let res = http
        .delete(format!("{base}/api/v1/admin/bans/{address}"))
        .bearer_auth(&admin)
        .send()
        .await
        .expect("remove");
    assert_eq!(res.status(), 204);
    let again = submit_api(
        &http,
        &base,
        &report_from("banned@example.test", "Ben", "Forgiven"),
    )
    .await;
    app.drain().await;
    assert_eq!(hold_status(&app, &again).await, "released");
    assert_eq!(emails_to(&app, "banned@example.test").await.len(), 1);
}
