//! CSRF, access control, headers and the security.txt the server publishes.

use super::*;

#[tokio::test]
async fn form_posts_without_the_csrf_token_or_from_another_site_are_refused() {
    let db = prepared(Backend::Sqlite).await;
    let app = TestApp::serve(db, &ServerOptions::default()).await;
    let base = &app.url;
    let http = client();
    let html = http
        .get(format!("{base}/p/demo/report"))
        .send()
        .await
        .expect("form")
        .text()
        .await
        .expect("html");
    let csrf = hidden_field(&html, "csrf_token");
    let fields = [("title", "t"), ("description", "d")];

    let missing = http
        .post(format!("{base}/p/demo/report"))
        .form(&fields)
        .send()
        .await
        .expect("post");
    assert_eq!(missing.status(), 403, "no token");
    let wrong = http
        .post(format!("{base}/p/demo/report"))
        .form(&[
            ("csrf_token", "csrf_forged"),
            ("title", "t"),
            ("description", "d"),
        ])
        .send()
        .await
        .expect("post");
    assert_eq!(wrong.status(), 403, "wrong token");
    let cross_site = http
        .post(format!("{base}/p/demo/report"))
        .header("Origin", "https://evil.example")
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("title", "t"),
            ("description", "d"),
        ])
        .send()
        .await
        .expect("post");
    assert_eq!(cross_site.status(), 403, "foreign origin");
    let fetch_meta = http
        .post(format!("{base}/p/demo/report"))
        .header("Sec-Fetch-Site", "cross-site")
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("title", "t"),
            ("description", "d"),
        ])
        .send()
        .await
        .expect("post");
    assert_eq!(fetch_meta.status(), 403, "cross-site fetch metadata");
    // A sibling site (another subdomain) is not us either; nor is an opaque origin from a
    // client that sends no fetch metadata.
    for (name, value) in [("Sec-Fetch-Site", "same-site"), ("Origin", "null")] {
        let refused = http
            .post(format!("{base}/p/demo/report"))
            .header(name, value)
            .form(&[
                ("csrf_token", csrf.as_str()),
                ("title", "t"),
                ("description", "d"),
            ])
            .send()
            .await
            .expect("post");
        assert_eq!(refused.status(), 403, "{name}: {value}");
    }
    // A token without its cookie (another browser) is refused too.
    let other_browser = client()
        .post(format!("{base}/p/demo/report"))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("title", "t"),
            ("description", "d"),
        ])
        .send()
        .await
        .expect("post");
    assert_eq!(other_browser.status(), 403, "token without cookie");

    let token = app.api_token().await;
    let page: serde_json::Value = client()
        .get(format!("{base}/api/v1/projects/demo/reports"))
        .bearer_auth(token)
        .send()
        .await
        .expect("list")
        .json()
        .await
        .expect("json");
    let list = page["items"].as_array().expect("a page of items").clone();
    assert!(list.is_empty(), "no refused post left a report");

    // Same-origin with the token works (the control for the refusals above).
    let ok = http
        .post(format!("{base}/p/demo/report"))
        .header("Origin", base.as_str())
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("title", "t"),
            ("description", "d"),
        ])
        .send()
        .await
        .expect("post");
    assert_eq!(ok.status(), 303);
    // What a browser sends from our pages: they set `Referrer-Policy: no-referrer`, so the
    // origin is `null`, and the fetch metadata says same-origin.
    let browser = http
        .post(format!("{base}/p/demo/report"))
        .header("Origin", "null")
        .header("Sec-Fetch-Site", "same-origin")
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("title", "t"),
            ("description", "d"),
        ])
        .send()
        .await
        .expect("post");
    assert_eq!(browser.status(), 303);
}

#[tokio::test]
async fn anonymous_users_and_reporters_cannot_see_the_inbox() {
    let db = prepared(Backend::Sqlite).await;
    let app = TestApp::serve(db, &ServerOptions::default()).await;
    let base = &app.url;
    let http = client();
    for path in [
        "/inbox",
        "/inbox/demo",
        "/inbox/demo/reports/1",
        "/inbox/demo/policy",
        "/admin/outbox",
    ] {
        let res = http.get(format!("{base}{path}")).send().await.expect("get");
        assert_eq!(res.status(), 303, "{path}");
        assert!(
            res.headers()["location"]
                .to_str()
                .expect("loc")
                .starts_with("/login?next="),
            "{path}"
        );
    }
    let res = http
        .get(format!("{base}/api/v1/projects/demo/reports"))
        .send()
        .await
        .expect("get");
    assert_eq!(res.status(), 401);
    let body: serde_json::Value = res.json().await.expect("json");
    assert_eq!(body["error"]["code"], "unauthenticated");

    let submitted: serde_json::Value = http
        .post(format!("{base}/api/v1/projects/demo/reports"))
        .json(&sample_report("Mine"))
        .send()
        .await
        .expect("submit")
        .json()
        .await
        .expect("json");
    let reporter = submitted["token"].as_str().expect("token");
    let res = http
        .get(format!("{base}/api/v1/projects/demo/reports"))
        .bearer_auth(reporter)
        .send()
        .await
        .expect("get");
    assert_eq!(
        res.status(),
        403,
        "a reporter's token does not open the inbox"
    );
    let res = http
        .get(format!("{base}/api/v1/projects/demo/reports"))
        .bearer_auth("emb_not-a-token")
        .send()
        .await
        .expect("get");
    assert_eq!(res.status(), 401);
    let res = http
        .get(format!("{base}/track/trk_guessed"))
        .send()
        .await
        .expect("get");
    assert_eq!(res.status(), 404);

    // A maintainer of another project sees nothing of this one.
    let (code, _, err) = app
        .cli(
            &[
                "admin",
                "create-user",
                "--email",
                "other@example.test",
                "--name",
                "Other",
                "--password-stdin",
            ],
            PASSWORD,
        )
        .await;
    assert_eq!(code, 0, "{err}");
    let (code, out, err) = app
        .cli(
            &["admin", "create-token", "--email", "other@example.test"],
            "",
        )
        .await;
    assert_eq!(code, 0, "{err}");
    let res = http
        .get(format!("{base}/api/v1/projects/demo/reports"))
        .bearer_auth(out.trim())
        .send()
        .await
        .expect("get");
    assert_eq!(res.status(), 404);
    let res = http
        .get(format!(
            "{base}/api/v1/reports/{}",
            submitted["id"].as_str().expect("id")
        ))
        .bearer_auth(out.trim())
        .send()
        .await
        .expect("get");
    assert_eq!(res.status(), 404);
}

#[tokio::test]
async fn pages_carry_strict_security_headers_and_cookies_are_http_only() {
    let db = prepared(Backend::Sqlite).await;
    let app = TestApp::serve(db, &ServerOptions::default()).await;
    let res = client()
        .get(format!("{}/p/demo/report", app.url))
        .send()
        .await
        .expect("get");
    let h = res.headers();
    let csp = h["content-security-policy"].to_str().expect("csp");
    assert!(
        csp.contains("default-src 'none'")
            && !csp.contains("unsafe-inline")
            && csp.contains("frame-ancestors 'none'")
    );
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert_eq!(h["x-frame-options"], "DENY");
    assert_eq!(h["referrer-policy"], "no-referrer");
    assert_eq!(h["cache-control"], "no-store");
    assert!(h.get("x-request-id").is_some());
    let cookie = h["set-cookie"].to_str().expect("cookie");
    assert!(
        cookie.starts_with("embargo_csrf=")
            && cookie.contains("HttpOnly")
            && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
    let body = res.text().await.expect("html");
    assert!(!body.contains("<script"), "no script on our pages");
}

#[tokio::test]
async fn logs_never_contain_report_contents_or_tokens() {
    // Stays on the binary: it reads the process's whole log.
    let db = prepared(Backend::Sqlite).await;
    let server = Server::start(&db, &ServerOptions::default());
    let http = client();
    let mut body = sample_report("SECRET-TITLE-7c1f");
    body["description"] = serde_json::json!("SECRET-DESCRIPTION-7c1f");
    let res: serde_json::Value = http
        .post(format!("{}/api/v1/projects/demo/reports", server.url))
        .json(&body)
        .send()
        .await
        .expect("post")
        .json()
        .await
        .expect("json");
    let token = res["token"].as_str().expect("token").to_owned();
    let track = http
        .get(format!("{}/track/{token}", server.url))
        .send()
        .await
        .expect("track");
    assert_eq!(track.status(), 200);
    let logs = server.logs();
    assert!(
        logs.contains("report received"),
        "the event is logged: {logs}"
    );
    assert!(!logs.contains("SECRET-"), "report contents in logs: {logs}");
    assert!(
        !logs.contains(&token) && !logs.contains(&token[4..]),
        "token in logs"
    );
    assert!(
        !logs.contains("mara@example.test"),
        "reporter address in logs"
    );
}

#[tokio::test]
async fn the_served_security_txt_passes_an_rfc_9116_check() {
    let db = prepared(Backend::Sqlite).await;
    let public = "https://security.printdesk.example";
    let app = TestApp::serve(
        db,
        &ServerOptions {
            public_url: Some(public.into()),
            ..ServerOptions::default()
        },
    )
    .await;
    let http = client();
    for (path, canonical) in [
        (
            "/p/demo/security.txt",
            format!("{public}/p/demo/security.txt"),
        ),
        (
            "/.well-known/security.txt",
            format!("{public}/.well-known/security.txt"),
        ),
    ] {
        let res = http
            .get(format!("{}{path}", app.url))
            .send()
            .await
            .expect("get");
        assert_eq!(res.status(), 200, "{path}");
        assert_eq!(res.headers()["content-type"], "text/plain; charset=utf-8");
        let text = res.text().await.expect("text");
        let now = jiff::Timestamp::now();
        let key = http
            .get(format!("{}/p/demo/signing-key.asc", app.url))
            .send()
            .await
            .expect("key");
        assert_eq!(key.headers()["content-type"], "application/pgp-keys");
        let key = key.bytes().await.expect("key bytes");
        let verifier =
            securitytxt::openpgp::KeyringVerifier::from_bytes(&key).expect("a public key");
        let report = securitytxt::lint(
            text.as_bytes(),
            &securitytxt::LintOptions {
                now,
                max_size: securitytxt::DEFAULT_MAX_SIZE,
                retrieval_urls: &[canonical.as_str()],
                verifier: Some(&verifier),
            },
        );
        if path.starts_with("/p/") {
            assert!(
                text.starts_with("-----BEGIN PGP SIGNED MESSAGE-----"),
                "{text}"
            );
            assert_eq!(
                report.signature,
                Some(securitytxt::SignatureStatus::Verified),
                "{text}"
            );
        }
        let problems: Vec<_> = report
            .findings
            .iter()
            .filter(|f| f.level() != securitytxt::Level::Info)
            .map(|f| format!("{:?} line {:?}: {}", f.code, f.line, f.message()))
            .collect();
        assert!(problems.is_empty(), "{path}: {problems:?}\n{text}");
        // Exactly one Expires, less than a year ahead.
        let expires: Vec<&str> = text
            .lines()
            .filter_map(|l| l.strip_prefix("Expires: "))
            .collect();
        assert_eq!(expires.len(), 1);
        let at: jiff::Timestamp = expires[0].parse().expect("RFC 3339");
        assert!(at > now && at < now + jiff::SignedDuration::from_hours(24 * 365));
        assert!(text.contains(&format!("Canonical: {canonical}")));
        if path.starts_with("/p/") {
            assert!(text.contains(&format!("Policy: {public}/p/demo/policy")));
            assert!(text.contains("Preferred-Languages: en, de"));
            assert!(text.contains(&format!("Contact: {public}/p/demo/report")));
        } else {
            assert!(text.contains("Contact: mailto:admin@example.test"));
        }
    }
    let md = http
        .get(format!("{}/p/demo/SECURITY.md", app.url))
        .send()
        .await
        .expect("md");
    assert_eq!(md.headers()["content-type"], "text/markdown; charset=utf-8");
    let md = md.text().await.expect("text");
    assert!(md.starts_with("# Security policy for PrintDesk"));
    assert!(md.contains(&format!("<{public}/p/demo/report>")));
}

#[tokio::test]
async fn gnupg_verifies_the_served_security_txt_and_rejects_a_changed_one() {
    let db = prepared(Backend::Sqlite).await;
    let app = TestApp::serve(db, &ServerOptions::default()).await;
    let http = client();
    let signed = http
        .get(format!("{}/p/demo/security.txt", app.url))
        .send()
        .await
        .expect("get")
        .text()
        .await
        .expect("text");
    let again = http
        .get(format!("{}/p/demo/security.txt", app.url))
        .send()
        .await
        .expect("get")
        .text()
        .await
        .expect("text");
    assert_eq!(signed, again, "served from the day's cache");
    let key = http
        .get(format!("{}/p/demo/signing-key.asc", app.url))
        .send()
        .await
        .expect("key")
        .text()
        .await
        .expect("key");
    let home = TempDir::new();
    let gpg = |args: &[&str]| {
        std::process::Command::new("gpg")
            .arg("--homedir")
            .arg(&home.0)
            .args(["--batch", "--no-tty", "--quiet"])
            .args(args)
            .output()
            .expect("run gpg")
    };
    std::fs::write(home.0.join("key.asc"), &key).expect("write key");
    std::fs::write(home.0.join("security.txt"), &signed).expect("write file");
    std::fs::write(
        home.0.join("changed.txt"),
        signed.replace(
            "mailto:security@printdesk.example",
            "mailto:attacker@evil.example",
        ),
    )
    .expect("write changed");
    let key_path = home.0.join("key.asc");
    let imported = gpg(&["--import", key_path.to_str().expect("utf-8")]);
    assert!(
        imported.status.success(),
        "{}",
        String::from_utf8_lossy(&imported.stderr)
    );
    let file = home.0.join("security.txt");
    let verified = gpg(&["--verify", file.to_str().expect("utf-8")]);
    assert!(
        verified.status.success(),
        "gpg --verify: {}",
        String::from_utf8_lossy(&verified.stderr)
    );
    let changed = home.0.join("changed.txt");
    let refused = gpg(&["--verify", changed.to_str().expect("utf-8")]);
    assert!(!refused.status.success(), "a changed file must not verify");

    // `embargo securitytxt lint URL --key` fetches the served file and verifies it too.
    let (code, out, err) = app
        .cli(
            &[
                "securitytxt",
                "lint",
                "--json",
                "--key",
                key_path.to_str().expect("utf-8"),
                &format!("{}/p/demo/security.txt", app.url),
            ],
            "",
        )
        .await;
    let result: serde_json::Value =
        serde_json::from_str(out.trim()).unwrap_or_else(|e| panic!("{e}: {out} {err}"));
    assert_eq!(result["signed"], true);
    assert_eq!(result["signature"], "verified", "{out}");
    assert_eq!(code, 1, "plain http is reported: {out}");
    assert!(out.contains("\"code\":\"no_https\""), "{out}");

    // The legacy location redirects to the well-known one.
    let legacy = http
        .get(format!("{}/security.txt", app.url))
        .send()
        .await
        .expect("get");
    assert_eq!(legacy.status(), 308);
    assert_eq!(legacy.headers()["location"], "/.well-known/security.txt");
}

#[tokio::test]
async fn verify_audit_names_the_first_changed_event() {
    let db = prepared(Backend::Sqlite).await;
    let app = TestApp::serve(db, &ServerOptions::default()).await;
    let http = client();
    for title in ["one", "two", "three"] {
        let res = http
            .post(format!("{}/api/v1/projects/demo/reports", app.url))
            .json(&sample_report(title))
            .send()
            .await
            .expect("post");
        assert_eq!(res.status(), 201);
    }
    app.stop().await.expect("graceful stop");
    let (code, out, err) = app.cli(&["admin", "verify-audit"], "").await;
    assert_eq!(code, 0, "{err}");
    assert!(
        out.starts_with("audit log intact: 3 events"),
        "one per report: {out}"
    );

    // Change the second event behind Embargo's back.
    let path = app.db.url.strip_prefix("sqlite:").expect("sqlite url");
    let script = "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); \
                  c.execute(\"UPDATE audit_events SET actor='user:someone-else' WHERE seq=2\"); c.commit()";
    let status = std::process::Command::new("python3")
        .args(["-c", script, path])
        .status()
        .expect("python3");
    assert!(status.success());
    let (code, _, err) = app.cli(&["admin", "verify-audit"], "").await;
    assert_eq!(code, 1);
    assert!(err.contains("broken at event 2"), "{err}");
}

#[tokio::test]
async fn every_form_refuses_a_post_without_its_csrf_token() {
    let db = prepared(Backend::Sqlite).await;
    let server = Server::start(&db, &ServerOptions::default());
    let base = &server.url;
    let http = client();
    let created = http
        .post(format!("{base}/api/v1/projects/demo/reports"))
        .json(&sample_report("CSRF target"))
        .send()
        .await
        .expect("submit");
    assert_eq!(created.status(), 201);
    let tracking: serde_json::Value = created.json().await.expect("json");
    let token = tracking["token"].as_str().expect("token");
    sign_in(&http, base).await;
    let report = "/inbox/demo/reports/1";
    let forms = [
        "/login".to_owned(),
        "/logout".to_owned(),
        "/setup/some-token".to_owned(),
        "/projects".to_owned(),
        "/p/demo/report".to_owned(),
        format!("/track/{token}/messages"),
        "/invitations/some-token".to_owned(),
        "/settings/notifications/demo".to_owned(),
        format!("{report}/triage/dismiss"),
        format!("{report}/acknowledge"),
        format!("{report}/scores"),
        format!("{report}/transitions"),
        format!("{report}/public-bug"),
        format!("{report}/extensions"),
        format!("{report}/messages"),
        format!("{report}/collaborators"),
        format!("{report}/collaborators/some-id/revoke"),
        format!("{report}/block"),
        format!("{report}/unblock"),
        "/inbox/demo/policy".to_owned(),
        "/inbox/demo/mail-filters".to_owned(),
        "/inbox/demo/mail-filters/some-rule/delete".to_owned(),
        "/inbox/demo/source".to_owned(),
        "/inbox/demo/advisories".to_owned(),
        "/inbox/demo/advisories/some-id".to_owned(),
        "/inbox/demo/advisories/some-id/publish".to_owned(),
        "/inbox/demo/webhooks".to_owned(),
        "/inbox/demo/webhooks/secret".to_owned(),
        "/inbox/demo/webhooks/some-id/delete".to_owned(),
    ];
    for path in &forms {
        let res = http
            .post(format!("{base}{path}"))
            .form(&[("body", "hello"), ("title", "t")])
            .send()
            .await
            .expect("post");
        assert_eq!(res.status(), 403, "POST {path} without a token");
        let page = res.text().await.expect("body");
        assert!(page.contains("security token"), "POST {path}: {page}");
    }
    // The session survived all of that: the token-less logout did nothing.
    let inbox = http
        .get(format!("{base}/inbox"))
        .send()
        .await
        .expect("inbox");
    assert_eq!(inbox.status(), 200);
}
