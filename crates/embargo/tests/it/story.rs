//! The walking skeleton's story: a report by form and one by API survive a restart, the
//! reporter gets a receipt by real SMTP, and maintainers find both in their inbox.

use super::*;

on_each_backend!(reports_by_form_and_api_survive_a_restart_and_receipts_arrive);
use harness::SmtpSink;

async fn reports_by_form_and_api_survive_a_restart_and_receipts_arrive(backend: Backend) {
    story(backend).await;
}

async fn story(backend: Backend) {
    let db = prepared(backend).await;
    let smtp = SmtpSink::start();
    let options = ServerOptions {
        smtp_port: Some(smtp.port),
        ..ServerOptions::default()
    };
    let server = Server::start(&db, &options);
    let base = server.url.clone();
    assert!(
        server.setup_link.is_none(),
        "an admin exists: no setup link"
    );
    let http = client();

    // By form: the page sets the CSRF cookie and carries the token.
    let form = http
        .get(format!("{base}/p/demo/report"))
        .send()
        .await
        .expect("form");
    assert_eq!(form.status(), 200);
    let html = form.text().await.expect("html");
    assert!(
        html.contains("1.10.x") && html.contains("security fixes until 2027-03-31"),
        "supported versions beside the form"
    );
    assert!(
        html.contains("Attacks that need the admin account"),
        "non-qualifying classes beside the form"
    );
    assert!(
        html.contains("acknowledge reports within 7 days"),
        "targets beside the form"
    );
    let csrf = hidden_field(&html, "csrf_token");
    let res = http
        .post(format!("{base}/p/demo/report"))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("title", "Stored XSS in the file list"),
            (
                "description",
                "A file named <img src=x onerror=alert(1)>.gcode runs script.",
            ),
            ("affected_version", "1.11.2"),
            ("reporter_email", "web-reporter@example.test"),
            ("reporter_name", "Web Reporter"),
        ])
        .send()
        .await
        .expect("submit form");
    assert_eq!(res.status(), 303);
    let location = res.headers()["location"]
        .to_str()
        .expect("location")
        .to_owned();
    assert!(location.starts_with("/track/trk_"), "{location}");
    let tracking_path = location.split('?').next().expect("path").to_owned();
    let token_bits = (tracking_path.len() - "/track/trk_".len()) * 6;
    assert!(token_bits >= 128, "tracking token has {token_bits} bits");
    let page = http
        .get(format!("{base}{location}"))
        .send()
        .await
        .expect("track")
        .text()
        .await
        .expect("html");
    assert!(page.contains("Report #1 to PrintDesk"), "{page}");
    assert!(
        page.contains("&lt;img src=x onerror=alert(1)&gt;"),
        "script shown inert"
    );
    assert!(!page.contains("<img src=x"), "never raw");

    // By API, twice with the same Idempotency-Key: one report.
    let body = sample_report("Path traversal in timelapse download");
    let first = http
        .post(format!("{base}/api/v1/projects/demo/reports"))
        .header("Idempotency-Key", "retry-42")
        .json(&body)
        .send()
        .await
        .expect("api submit");
    assert_eq!(first.status(), 201);
    let first: serde_json::Value = first.json().await.expect("json");
    assert_eq!(first["number"], 2);
    let again = http
        .post(format!("{base}/api/v1/projects/demo/reports"))
        .header("Idempotency-Key", "retry-42")
        .json(&body)
        .send()
        .await
        .expect("api retry");
    assert_eq!(again.status(), 200);
    let again: serde_json::Value = again.json().await.expect("json");
    assert_eq!(again["id"], first["id"]);
    assert_eq!(again["token"], first["token"]);
    let token = first["token"].as_str().expect("token").to_owned();
    assert!(
        first["tracking_url"]
            .as_str()
            .expect("url")
            .ends_with(&format!("/track/{token}"))
    );

    // The reporter reads their own report with their token, and no other.
    let mine = http
        .get(format!(
            "{base}/api/v1/reports/{}",
            first["id"].as_str().expect("id")
        ))
        .bearer_auth(&token)
        .send()
        .await
        .expect("get own");
    assert_eq!(mine.status(), 200);
    let mine: serde_json::Value = mine.json().await.expect("json");
    assert_eq!(mine["state"], "received");
    assert_eq!(mine["title"], "Path traversal in timelapse download");
    assert!(mine["sla"]["acknowledge_due"].as_str().is_some());

    // The receipt arrives over real SMTP, with the tracking link.
    let receipt = smtp.wait_for("receipt to mara", |m| {
        m.contains("mara@example.test") && m.contains("Report #2 received")
    });
    assert!(receipt.contains(&format!("/track/{token}")), "{receipt}");
    smtp.wait_for("receipt to the web reporter", |m| {
        m.contains("web-reporter@example.test") && m.contains("Report #1 received")
    });

    // Restart on the same database.
    let status = server.stop();
    assert!(status.success(), "graceful shutdown exits 0: {status:?}");
    let server = Server::start(&db, &options);
    let base = server.url.clone();

    let other_id = {
        let token = api_token(&db);
        let list = http
            .get(format!("{base}/api/v1/projects/demo/reports"))
            .bearer_auth(&token)
            .send()
            .await
            .expect("list");
        assert_eq!(list.status(), 200);
        let page: serde_json::Value = list.json().await.expect("json");
        assert_eq!(page["next_cursor"], serde_json::Value::Null, "{page}");
        let list = page["items"].as_array().expect("a page of items").clone();
        let titles: Vec<&str> = list.iter().filter_map(|r| r["title"].as_str()).collect();
        assert_eq!(list.len(), 2, "{titles:?}");
        assert!(titles.contains(&"Stored XSS in the file list"));
        assert!(titles.contains(&"Path traversal in timelapse download"));
        let web = list.iter().find(|r| r["number"] == 1).expect("report 1");
        let full = http
            .get(format!(
                "{base}/api/v1/reports/{}",
                web["id"].as_str().expect("id")
            ))
            .bearer_auth(&token)
            .send()
            .await
            .expect("get");
        let full: serde_json::Value = full.json().await.expect("json");
        assert_eq!(
            full["description"], "A file named <img src=x onerror=alert(1)>.gcode runs script.",
            "stored verbatim"
        );
        assert_eq!(full["source"], "web");
        web["id"].as_str().expect("id").to_owned()
    };

    // A reporter's token cannot read another report.
    let theirs = http
        .get(format!("{base}/api/v1/reports/{other_id}"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("get other");
    assert_eq!(theirs.status(), 404);

    // The maintainer acknowledges in the web inbox; the reporter is told by e-mail.
    let maintainer = client();
    sign_in(&maintainer, &base).await;
    let inbox = maintainer
        .get(format!("{base}/inbox/demo"))
        .send()
        .await
        .expect("inbox")
        .text()
        .await
        .expect("html");
    assert!(
        inbox.contains("Path traversal in timelapse download")
            && inbox.contains("Stored XSS in the file list")
    );
    let page = maintainer
        .get(format!("{base}/inbox/demo/reports/2"))
        .send()
        .await
        .expect("report")
        .text()
        .await
        .expect("html");
    assert!(
        page.contains("..%2f..%2fconfig.yaml"),
        "everything the reporter sent"
    );
    let csrf = hidden_field(&page, "csrf_token");
    let res = maintainer
        .post(format!("{base}/inbox/demo/reports/2/acknowledge"))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("message", "Thanks, confirmed; fix in 1.11.3."),
        ])
        .send()
        .await
        .expect("acknowledge");
    assert_eq!(res.status(), 303);
    let mine: serde_json::Value = http
        .get(format!(
            "{base}/api/v1/reports/{}",
            first["id"].as_str().expect("id")
        ))
        .bearer_auth(&token)
        .send()
        .await
        .expect("get own")
        .json()
        .await
        .expect("json");
    assert_eq!(mine["state"], "acknowledged");
    assert_eq!(
        mine["messages"][0]["body"],
        "Thanks, confirmed; fix in 1.11.3."
    );
    smtp.wait_for("acknowledgement", |m| {
        m.contains("Report #2 acknowledged") && m.contains("fix in 1.11.3")
    });
    assert!(server.stop().success());
}

#[tokio::test]
async fn without_smtp_mail_stays_queued_and_admins_see_it() {
    let app = TestApp::prepared(Backend::Sqlite).await;
    let base = &app.url;
    let http = client();
    let res = http
        .post(format!("{base}/api/v1/projects/demo/reports"))
        .json(&sample_report("Queued"))
        .send()
        .await
        .expect("submit");
    assert_eq!(res.status(), 201);
    // The receipt waits for the triage (junk rules); run it.
    app.drain().await;
    let admin = client();
    sign_in(&admin, base).await;
    let outbox = admin
        .get(format!("{base}/admin/outbox"))
        .send()
        .await
        .expect("outbox");
    assert_eq!(outbox.status(), 200);
    let html = outbox.text().await.expect("html");
    assert!(html.contains("No SMTP server is configured"));
    assert!(
        html.contains("mara@example.test")
            && html.contains("[PrintDesk] Report #1 received")
            && html.contains("queued"),
        "{html}"
    );
}

#[tokio::test]
async fn demo_mode_seeds_an_empty_database_once() {
    let db = TestDb::new(Backend::Sqlite).await;
    let options = ServerOptions {
        demo: true,
        ..ServerOptions::default()
    };
    let server = Server::start(&db, &options);
    let http = client();
    let policy = http
        .get(format!("{}/p/demo/policy", server.url))
        .send()
        .await
        .expect("policy");
    assert_eq!(policy.status(), 200);
    assert!(
        server.setup_link.is_some(),
        "no admin yet: a setup link is printed"
    );
    assert!(server.stop().success());
    let server = Server::start(&db, &options);
    let stdout = server.stdout.join("\n");
    assert!(
        !stdout.contains("Seeded demo project"),
        "second start does not seed again: {stdout}"
    );
}

#[tokio::test]
async fn the_setup_link_creates_the_first_admin_once() {
    let db = TestDb::new(Backend::Sqlite).await;
    let server = Server::start(&db, &ServerOptions::default());
    let link = server.setup_link.clone().expect("setup link printed");
    let http = client();
    let page = http.get(&link).send().await.expect("setup page");
    assert_eq!(page.status(), 200);
    let csrf = hidden_field(&page.text().await.expect("html"), "csrf_token");
    let short = http
        .post(&link)
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("name", "Ada"),
            ("email", "ada@example.test"),
            ("password", "short"),
        ])
        .send()
        .await
        .expect("post");
    assert_eq!(short.status(), 422);
    assert!(
        short
            .text()
            .await
            .expect("html")
            .contains("at least 12 characters")
    );
    let ok = http
        .post(&link)
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("name", "Ada"),
            ("email", "ada@example.test"),
            ("password", PASSWORD),
        ])
        .send()
        .await
        .expect("post");
    assert_eq!(ok.status(), 303);
    let inbox = http
        .get(format!("{}/inbox", server.url))
        .send()
        .await
        .expect("inbox");
    assert_eq!(inbox.status(), 200, "signed in by the setup");
    assert_eq!(
        http.get(&link).send().await.expect("again").status(),
        404,
        "the link works once"
    );
}
