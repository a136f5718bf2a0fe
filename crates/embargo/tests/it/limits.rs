//! Rate limits at every anonymous door: report intake through the API and the web form
//! (per client address, per reporter address), sign-in (per account, with a wait after
//! failures), tracking links, one-time links and API tokens. Each refusal is a 429 with
//! `Retry-After` (and the JSON envelope, or the page with what was typed kept), stores
//! nothing, and leaves a second client alone. Clients are told apart by `X-Forwarded-For`
//! from the loopback address, configured as a trusted proxy; from anywhere else the header
//! is ignored. (Mail: `smtp.rs`.)

use super::*;

on_each_backend!(
    intake_is_limited_per_client_and_per_reporter_on_both_doors,
    forwarded_for_is_believed_only_from_trusted_proxies,
    sign_in_tracking_links_and_api_tokens_are_limited
);

/// A TestApp with the limits on and this `[limits]` section.
async fn limited(backend: Backend, limits: &str) -> (TestApp, std::path::PathBuf) {
    let path = std::env::temp_dir().join(format!(
        "embargo-limits-{}.toml",
        uuid::Uuid::new_v4().simple()
    ));
    std::fs::write(&path, format!("[limits]\n{limits}\n")).expect("write the configuration");
    let app = TestApp::start(
        backend,
        Options {
            env: vec![
                ("EMBARGO_RATE_LIMITS".into(), "on".into()),
                ("EMBARGO_CONFIG".into(), path.display().to_string()),
            ],
            ..Options::prepared()
        },
    )
    .await;
    (app, path)
}

async fn report_count(app: &TestApp) -> usize {
    let project = store::projects::by_slug(
        &mut app.state.db.read().await.expect("read"),
        &domain::ProjectSlug::parse("demo").expect("slug"),
    )
    .await
    .expect("project")
    .expect("demo");
    store::reports::page(
        &mut app.state.db.read().await.expect("read"),
        project.id,
        &store::reports::PageQuery {
            state: None,
            before: None,
            limit: 500,
        },
    )
    .await
    .expect("reports")
    .len()
}

fn retry_after(res: &reqwest::Response) -> u64 {
    res.headers()
        .get("retry-after")
        .unwrap_or_else(|| panic!("no Retry-After on {}", res.status()))
        .to_str()
        .expect("ascii")
        .parse()
        .expect("whole seconds")
}

fn report_from(title: &str, email: &str) -> serde_json::Value {
    let mut report = sample_report(title);
    report["reporter"]["email"] = email.into();
    report
}

async fn intake_is_limited_per_client_and_per_reporter_on_both_doors(backend: Backend) {
    let (app, config) = limited(
        backend,
        "trusted_proxies = [\"127.0.0.1\"]\nintake_per_ip = \"3/hour\"\nintake_per_reporter = \"4/hour\"",
    )
    .await;
    let base = app.url.as_str();
    let http = client();
    let api = async |from: &str, report: serde_json::Value| {
        http.post(format!("{base}/api/v1/projects/demo/reports"))
            .header("x-forwarded-for", from)
            .json(&report)
            .send()
            .await
            .expect("submit")
    };

    // One client: three reports, then 429 with the envelope and a wait of 20 minutes.
    for n in 1..=3 {
        let res = api(
            "203.0.113.5",
            report_from(&format!("A{n}"), "a@example.org"),
        )
        .await;
        assert_eq!(res.status(), 201, "report {n}");
    }
    let refused = api("203.0.113.5", report_from("A4", "a@example.org")).await;
    assert_eq!(refused.status(), 429);
    let wait = retry_after(&refused);
    assert!((1100..=1200).contains(&wait), "Retry-After {wait}");
    let body: serde_json::Value = refused.json().await.expect("envelope");
    assert_eq!(body["error"]["code"], "rate_limited", "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("too many new reports")),
        "{body}"
    );
    assert_eq!(
        report_count(&app).await,
        3,
        "nothing stored for the refusal"
    );

    // Another client is not affected.
    let other = api("198.51.100.7", report_from("B1", "b@example.org")).await;
    assert_eq!(other.status(), 201);

    // The reporter's address is limited whichever client it comes from: a@ has sent three.
    let moved = api("192.0.2.44", report_from("A5", "A@Example.org")).await;
    assert_eq!(moved.status(), 201, "a@'s fourth, from a fresh address");
    let moved = api("192.0.2.45", report_from("A6", "a@example.org")).await;
    assert_eq!(moved.status(), 429, "a@'s fifth");

    // The web form: 429, the page says why, and what was typed comes back.
    let form_page = http
        .get(format!("{base}/p/demo/report"))
        .header("x-forwarded-for", "203.0.113.5")
        .send()
        .await
        .expect("form")
        .text()
        .await
        .expect("html");
    let csrf = hidden_field(&form_page, "csrf_token");
    let res = http
        .post(format!("{base}/p/demo/report"))
        .header("x-forwarded-for", "203.0.113.5")
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("title", "Stored XSS in the file name <kept>"),
            (
                "description",
                "The upload list prints file names unescaped.",
            ),
            ("reporter_email", "c@example.org"),
        ])
        .send()
        .await
        .expect("post the form");
    assert_eq!(res.status(), 429);
    assert!(retry_after(&res) > 0);
    let html = res.text().await.expect("html");
    assert!(html.contains("Nothing was sent"), "{html}");
    assert!(
        html.contains("Stored XSS in the file name &lt;kept&gt;"),
        "the title is kept, escaped: {html}"
    );
    assert!(html.contains("c@example.org"), "the address is kept");
    // The same form from another client goes through.
    let res = http
        .post(format!("{base}/p/demo/report"))
        .header("x-forwarded-for", "198.51.100.8")
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("title", "Stored XSS in the file name"),
            (
                "description",
                "The upload list prints file names unescaped.",
            ),
            ("reporter_email", "c@example.org"),
        ])
        .send()
        .await
        .expect("post the form");
    assert_eq!(
        res.status(),
        303,
        "{}",
        res.text().await.unwrap_or_default()
    );
    assert_eq!(report_count(&app).await, 6);
    let _ = std::fs::remove_file(config);
}

async fn forwarded_for_is_believed_only_from_trusted_proxies(backend: Backend) {
    // No trusted proxy: every request is the loopback client, whatever it claims.
    let (app, config) = limited(
        backend,
        "intake_per_ip = \"2/hour\"\nintake_per_reporter = \"off\"",
    )
    .await;
    let http = client();
    let mut statuses = Vec::new();
    for n in 1..=4 {
        let res = http
            .post(format!("{}/api/v1/projects/demo/reports", app.url))
            .header("x-forwarded-for", format!("203.0.113.{n}"))
            .json(&sample_report(&format!("R{n}")))
            .send()
            .await
            .expect("submit");
        statuses.push(res.status().as_u16());
    }
    assert_eq!(statuses, [201, 201, 429, 429]);
    assert!(
        app.logs().contains("report refused by its rate limit"),
        "{}",
        app.logs()
    );
    let _ = std::fs::remove_file(config);
}

async fn sign_in_tracking_links_and_api_tokens_are_limited(backend: Backend) {
    let (app, config) = limited(
        backend,
        "trusted_proxies = [\"127.0.0.0/8\"]\nsign_in_per_account = \"20/minute\"\n\
         sign_in_failures_before_backoff = 3\nsign_in_backoff_max_secs = 600\n\
         tracking_per_ip = \"3/minute\"\nlinks_per_ip = \"2/minute\"\napi_per_account = \"3/minute\"",
    )
    .await;
    let base = app.url.as_str();
    let http = client();
    let login_page = http
        .get(format!("{base}/login"))
        .send()
        .await
        .expect("login page")
        .text()
        .await
        .expect("html");
    let csrf = hidden_field(&login_page, "csrf_token");
    let attempt = async |from: &str, email: &str, password: &str| {
        http.post(format!("{base}/login"))
            .header("x-forwarded-for", from)
            .form(&[
                ("csrf_token", csrf.as_str()),
                ("email", email),
                ("password", password),
                ("next", "/inbox"),
            ])
            .send()
            .await
            .expect("sign in")
    };

    // Three wrong passwords, then the account waits, even for the right one, from anywhere.
    for _ in 0..3 {
        let res = attempt("203.0.113.9", "admin@example.test", "wrong password").await;
        assert_eq!(res.status(), 401);
    }
    let res = attempt("198.51.100.3", "admin@example.test", PASSWORD).await;
    assert_eq!(res.status(), 429);
    assert_eq!(retry_after(&res), 1, "the first wait is one second");
    let html = res.text().await.expect("html");
    assert!(html.contains("Too many sign-in attempts"), "{html}");
    assert!(
        html.contains("admin@example.test"),
        "the address is kept: {html}"
    );
    // Another account is not held up.
    let res = attempt("203.0.113.9", "someone@example.test", "wrong password").await;
    assert_eq!(res.status(), 401);
    // After the wait, the right password signs in and clears the failures.
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let res = attempt("198.51.100.3", "admin@example.test", PASSWORD).await;
    assert_eq!(res.status(), 303);
    let res = attempt("198.51.100.3", "admin@example.test", "wrong password").await;
    assert_eq!(res.status(), 401, "one failure after a success is no wait");

    // Tracking links: three per minute per client.
    let track = async |from: &str| {
        http.get(format!("{base}/track/trk_not-a-real-token"))
            .header("x-forwarded-for", from)
            .send()
            .await
            .expect("track")
    };
    for _ in 0..3 {
        assert_eq!(track("203.0.113.20").await.status(), 404);
    }
    let res = track("203.0.113.20").await;
    assert_eq!(res.status(), 429);
    assert!(retry_after(&res) >= 1);
    assert_eq!(track("203.0.113.21").await.status(), 404, "another client");

    // One-time links (set-up and invitations) share two per minute per client.
    let link = async |path: &str, from: &str| {
        http.get(format!("{base}{path}"))
            .header("x-forwarded-for", from)
            .send()
            .await
            .expect("link")
            .status()
            .as_u16()
    };
    assert_ne!(link("/setup/nothing", "203.0.113.30").await, 429);
    assert_ne!(link("/invitations/nothing", "203.0.113.30").await, 429);
    assert_eq!(link("/invitations/nothing", "203.0.113.30").await, 429);
    assert_ne!(link("/setup/nothing", "203.0.113.31").await, 429);

    // An account's API tokens share its allowance; the JSON envelope says so.
    let first = app.api_token().await;
    let second = app.api_token().await;
    let list = async |token: &str| {
        http.get(format!("{base}/api/v1/projects/demo/reports"))
            .bearer_auth(token)
            .send()
            .await
            .expect("list")
    };
    assert_eq!(list(&first).await.status(), 200);
    assert_eq!(list(&second).await.status(), 200);
    assert_eq!(list(&first).await.status(), 200);
    let res = list(&second).await;
    assert_eq!(res.status(), 429);
    assert!(retry_after(&res) >= 1);
    let body: serde_json::Value = res.json().await.expect("envelope");
    assert_eq!(body["error"]["code"], "rate_limited", "{body}");
    // A reporter's tracking token is not the maintainer's account.
    let submitted: serde_json::Value = http
        .post(format!("{base}/api/v1/projects/demo/reports"))
        .json(&sample_report("Tracked"))
        .send()
        .await
        .expect("submit")
        .json()
        .await
        .expect("json");
    let id = submitted["id"].as_str().expect("id");
    let token = submitted["token"].as_str().expect("token");
    let res = http
        .get(format!("{base}/api/v1/reports/{id}"))
        .bearer_auth(token)
        .send()
        .await
        .expect("own report");
    assert_eq!(res.status(), 200);
    let _ = std::fs::remove_file(config);
}
