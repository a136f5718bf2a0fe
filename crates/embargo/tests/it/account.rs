//! The account page and what revokes access: a password change (the current password
//! required, other sessions ended), one session or all others signed out, API tokens made
//! and revoked, a password reset by an e-mailed single-use link (the mail read from a real
//! SMTP server, the link's expiry by the application's clock), and a user disabled by the
//! CLI. Each checks its audit event.

use super::*;
use serde_json::Value;
use std::path::Path;

on_each_backend!(
    a_password_change_needs_the_current_password_and_ends_other_sessions,
    sessions_are_signed_out_one_at_a_time_or_all_others,
    api_tokens_are_listed_with_their_last_use_and_revoked,
    a_password_reset_link_works_once_and_expires,
    a_disabled_user_cannot_sign_in_and_their_token_is_refused,
    the_current_password_and_reset_requests_are_under_the_sign_in_limits,
);

const NEW_PASSWORD: &str = "a different and longer passphrase";

fn set_clock(path: &Path, at: &str) {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, at).expect("write clock");
    std::fs::rename(&tmp, path).expect("move clock");
}

/// Signs in `email` with `password`; the status of the answer (303 when it worked).
async fn try_sign_in(http: &reqwest::Client, base: &str, email: &str, password: &str) -> u16 {
    let page = http
        .get(format!("{base}/login"))
        .send()
        .await
        .expect("login page")
        .text()
        .await
        .expect("body");
    let csrf = hidden_field(&page, "csrf_token");
    http.post(format!("{base}/login"))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("email", email),
            ("password", password),
            ("next", "/inbox"),
        ])
        .send()
        .await
        .expect("login")
        .status()
        .as_u16()
}

async fn signed_in_client(base: &str) -> reqwest::Client {
    let http = client();
    sign_in(&http, base).await;
    http
}

async fn get(http: &reqwest::Client, url: String) -> (u16, String, String) {
    let res = http.get(url).send().await.expect("get");
    let status = res.status().as_u16();
    let location = res
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    (status, location, res.text().await.expect("body"))
}

/// Whether this client's session is still good: `/inbox` answers 200, or sends it to the
/// sign-in page.
async fn inbox_status(http: &reqwest::Client, base: &str) -> (u16, String) {
    let (status, location, _) = get(http, format!("{base}/inbox")).await;
    (status, location)
}

/// Posts a form from the account page (its CSRF token added).
async fn post_form(
    http: &reqwest::Client,
    base: &str,
    path: &str,
    fields: &[(&str, &str)],
) -> (u16, String, String) {
    let (_, _, page) = get(http, format!("{base}/account")).await;
    let csrf = hidden_field(&page, "csrf_token");
    let mut form = vec![("csrf_token", csrf.as_str())];
    form.extend_from_slice(fields);
    let res = http
        .post(format!("{base}{path}"))
        .form(&form)
        .send()
        .await
        .expect("post");
    let status = res.status().as_u16();
    let location = res
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    (status, location, res.text().await.expect("body"))
}

/// The audit events about the administrator's account, oldest first, as `action`.
async fn account_events(app: &TestApp) -> Vec<(String, String, Value)> {
    let mut c = app.state.db.read().await.expect("read");
    let (user, _) = store::accounts::credentials(&mut c, "admin@example.test")
        .await
        .expect("credentials")
        .expect("the administrator");
    let mut events = store::audit::latest(&mut c, Some(&format!("user:{}", user.id)), None, 100)
        .await
        .expect("audit");
    events.reverse();
    events
        .into_iter()
        .map(|e| (e.action, e.actor, e.data))
        .collect()
}

/// The revoke forms' session ids on an account page.
fn session_ids(page: &str) -> Vec<String> {
    page.split("action=\"/account/sessions/")
        .skip(1)
        .filter_map(|rest| rest.split('/').next())
        .filter(|id| !id.is_empty() && id.bytes().all(|b| b.is_ascii_hexdigit()))
        .map(str::to_owned)
        .collect()
}

async fn a_password_change_needs_the_current_password_and_ends_other_sessions(backend: Backend) {
    let app = TestApp::prepared(backend).await;
    let base = app.url.as_str();
    let here = signed_in_client(base).await;
    let elsewhere = signed_in_client(base).await;

    let (status, _, page) = get(&here, format!("{base}/account")).await;
    assert_eq!(status, 200);
    assert!(page.contains("admin@example.test"), "{page}");
    assert!(page.contains("Ada Admin"));
    assert!(page.contains("(this session)"));
    assert_eq!(session_ids(&page).len(), 1, "one other session to sign out");

    // The wrong current password: the same page, 422, the message beside its field.
    let (status, _, page) = post_form(
        &here,
        base,
        "/account/password",
        &[
            ("current_password", "not my password at all"),
            ("new_password", NEW_PASSWORD),
        ],
    )
    .await;
    assert_eq!(status, 422);
    assert!(
        page.contains(
            "id=\"current_password-error\">Current password is not your current password"
        ),
        "{page}"
    );
    assert_eq!(
        inbox_status(&elsewhere, base).await.0,
        200,
        "nothing changed"
    );

    // The right one, with a new password too short.
    let (status, _, page) = post_form(
        &here,
        base,
        "/account/password",
        &[("current_password", PASSWORD), ("new_password", "short")],
    )
    .await;
    assert_eq!(status, 422);
    assert!(
        page.contains("id=\"new_password-error\">New password must be at least 12 characters"),
        "{page}"
    );

    let (status, location, _) = post_form(
        &here,
        base,
        "/account/password",
        &[
            ("current_password", PASSWORD),
            ("new_password", NEW_PASSWORD),
        ],
    )
    .await;
    assert_eq!(status, 303);
    assert_eq!(location, "/account?done=password");
    assert_eq!(inbox_status(&here, base).await.0, 200, "this session stays");
    let (status, location) = inbox_status(&elsewhere, base).await;
    assert_eq!(status, 303, "the other session ended");
    assert!(location.starts_with("/login"), "{location}");

    assert_eq!(
        try_sign_in(&client(), base, "admin@example.test", PASSWORD).await,
        401,
        "the old password no longer works"
    );
    assert_eq!(
        try_sign_in(&client(), base, "admin@example.test", NEW_PASSWORD).await,
        303
    );
    let events = account_events(&app).await;
    let changes: Vec<_> = events
        .iter()
        .filter(|(action, _, _)| action == "account.password")
        .collect();
    assert_eq!(changes.len(), 1, "{events:?}");
    assert_eq!(changes[0].2["how"], "change");
    assert_eq!(changes[0].2["sessions_ended"], 1);
}

async fn sessions_are_signed_out_one_at_a_time_or_all_others(backend: Backend) {
    let app = TestApp::prepared(backend).await;
    let base = app.url.as_str();
    let here = signed_in_client(base).await;
    let second = signed_in_client(base).await;
    let third = signed_in_client(base).await;
    // The second client's own page names its session as "this session"; the id of the
    // second session is the one not on its revoke list.
    let (_, _, page_here) = get(&here, format!("{base}/account")).await;
    let (_, _, page_third) = get(&third, format!("{base}/account")).await;
    let from_here = session_ids(&page_here);
    let from_third = session_ids(&page_third);
    assert_eq!(from_here.len(), 2, "{page_here}");
    let second_id = from_here
        .iter()
        .find(|id| from_third.contains(id))
        .expect("the second session on both lists")
        .clone();

    let (status, location, _) = post_form(
        &here,
        base,
        &format!("/account/sessions/{second_id}/revoke"),
        &[],
    )
    .await;
    assert_eq!((status, location.as_str()), (303, "/account?done=session"));
    let (status, location) = inbox_status(&second, base).await;
    assert_eq!(status, 303, "the revoked session ends at once");
    assert!(location.starts_with("/login"));
    assert_eq!(inbox_status(&third, base).await.0, 200, "the others stay");
    assert_eq!(inbox_status(&here, base).await.0, 200);

    // Signing out a session that is not one's own (an id made up) changes nothing.
    let (status, _, _) = post_form(
        &here,
        base,
        "/account/sessions/0123456789abcdef01234567/revoke",
        &[],
    )
    .await;
    assert_eq!(status, 303);
    assert_eq!(inbox_status(&third, base).await.0, 200);

    let (status, location, _) =
        post_form(&here, base, "/account/sessions/revoke-others", &[]).await;
    assert_eq!((status, location.as_str()), (303, "/account?done=sessions"));
    assert_eq!(inbox_status(&third, base).await.0, 303);
    assert_eq!(inbox_status(&here, base).await.0, 200, "this session stays");
    let (_, _, page) = get(&here, format!("{base}/account")).await;
    assert!(session_ids(&page).is_empty(), "{page}");

    let revokes: Vec<_> = account_events(&app)
        .await
        .into_iter()
        .filter(|(action, _, _)| action == "session.revoke")
        .map(|(_, _, data)| data["ended"].as_u64())
        .collect();
    assert_eq!(revokes, vec![Some(1), Some(1)]);
}

async fn api_tokens_are_listed_with_their_last_use_and_revoked(backend: Backend) {
    let app = TestApp::prepared(backend).await;
    let base = app.url.as_str();
    let http = signed_in_client(base).await;

    let (status, _, page) = post_form(&http, base, "/account/tokens", &[("name", " ")]).await;
    assert_eq!(status, 422);
    assert!(
        page.contains("id=\"token-name-error\">Name is required"),
        "{page}"
    );
    let (status, _, page) =
        post_form(&http, base, "/account/tokens", &[("name", "release bot")]).await;
    assert_eq!(status, 201);
    let start = page.find("<code>emb_").expect("the new token, shown once") + "<code>".len();
    let token = page[start..].split('<').next().expect("token").to_owned();
    let (_, _, page) = get(&http, format!("{base}/account")).await;
    assert!(!page.contains(&token), "shown once only");
    assert!(page.contains("release bot"));
    assert!(page.contains("never"), "not used yet: {page}");

    let res = http
        .get(format!("{base}/api/v1/me/tokens"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("list");
    assert_eq!(res.status(), 200);
    let list: Value = res.json().await.expect("json");
    let list = list.as_array().expect("array");
    assert_eq!(list.len(), 1, "{list:?}");
    assert_eq!(list[0]["name"], "release bot");
    assert!(list[0]["last_used_at"].is_string(), "this request used it");
    let id = list[0]["id"].as_str().expect("id").to_owned();
    let (_, _, page) = get(&http, format!("{base}/account")).await;
    assert!(!page.contains("never"), "its last use is shown: {page}");

    // Someone else's (or no) token: 404; not an id: 422 naming it.
    let other = app.api_token().await;
    let res = http
        .delete(format!("{base}/api/v1/me/tokens/{id}"))
        .bearer_auth(&other)
        .send()
        .await
        .expect("delete");
    assert_eq!(
        res.status(),
        204,
        "the same user's other token may revoke it"
    );
    let res = http
        .delete(format!("{base}/api/v1/me/tokens/{id}"))
        .bearer_auth(&other)
        .send()
        .await
        .expect("delete");
    assert_eq!(res.status(), 404, "revoked already");
    let res = http
        .delete(format!("{base}/api/v1/me/tokens/not-a-uuid"))
        .bearer_auth(&other)
        .send()
        .await
        .expect("delete");
    assert_eq!(res.status(), 422);
    let res = http
        .get(format!("{base}/api/v1/me/tokens"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("list");
    assert_eq!(res.status(), 401, "a revoked token stops working at once");

    // The page's revoke form ends the other one.
    let (_, _, page) = get(&http, format!("{base}/account")).await;
    let start = page
        .find("action=\"/account/tokens/")
        .expect("a revoke form")
        + "action=\"".len();
    let action = page[start..].split('"').next().expect("action").to_owned();
    let (status, location, _) = post_form(&http, base, &action, &[]).await;
    assert_eq!((status, location.as_str()), (303, "/account?done=token"));
    let res = http
        .get(format!("{base}/api/v1/me/tokens"))
        .bearer_auth(&other)
        .send()
        .await
        .expect("list");
    assert_eq!(res.status(), 401);

    let actions: Vec<_> = account_events(&app)
        .await
        .into_iter()
        .map(|(action, _, data)| (action, data["name"].as_str().map(str::to_owned)))
        .collect();
    let name = |n: &str| Some(n.to_owned());
    assert_eq!(
        actions,
        vec![
            ("token.create".to_owned(), name("release bot")),
            ("token.create".to_owned(), name("test")),
            ("token.revoke".to_owned(), name("release bot")),
            ("token.revoke".to_owned(), name("test")),
        ]
    );
}

/// The reset links mailed so far (once `n` have arrived), each to the administrator.
async fn reset_links(smtp: &harness::SmtpSink, n: usize) -> Vec<String> {
    let is_reset = |m: &str| m.contains("/password/reset/rst_");
    let what = format!("{n} reset mails");
    smtp.wait(&what, |_| {
        smtp.messages().iter().filter(|m| is_reset(m)).count() >= n
    })
    .await;
    smtp.messages()
        .into_iter()
        .filter(|m| is_reset(m))
        .map(|mail| {
            assert!(mail.contains("To: admin@example.test"), "{mail}");
            let start = mail.find("http://").expect("link");
            mail[start..]
                .split_whitespace()
                .next()
                .expect("link")
                .to_owned()
        })
        .collect()
}

async fn ask_for_reset(http: &reqwest::Client, base: &str, email: &str) -> (u16, String) {
    let (status, _, page) = get(http, format!("{base}/password/forgot")).await;
    assert_eq!(status, 200);
    let csrf = hidden_field(&page, "csrf_token");
    let res = http
        .post(format!("{base}/password/forgot"))
        .form(&[("csrf_token", csrf.as_str()), ("email", email)])
        .send()
        .await
        .expect("forgot");
    let status = res.status().as_u16();
    (status, res.text().await.expect("body"))
}

async fn set_new_password(http: &reqwest::Client, link: &str, password: &str) -> (u16, String) {
    let (status, _, page) = get(http, link.to_owned()).await;
    if status != 200 {
        return (status, String::new());
    }
    let csrf = hidden_field(&page, "csrf_token");
    let res = http
        .post(link)
        .form(&[("csrf_token", csrf.as_str()), ("password", password)])
        .send()
        .await
        .expect("reset");
    let status = res.status().as_u16();
    let location = res
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let body = res.text().await.expect("body");
    (status, if location.is_empty() { body } else { location })
}

async fn a_password_reset_link_works_once_and_expires(backend: Backend) {
    let smtp = harness::SmtpSink::start();
    let dir = TempDir::new();
    let clock = dir.0.join("now");
    set_clock(&clock, "2026-12-01T09:00:00Z");
    let app = TestApp::start(
        backend,
        Options {
            prepared: true,
            smtp_port: Some(smtp.port),
            clock_file: Some(clock.clone()),
            ..Options::default()
        },
    )
    .await;
    let base = app.url.as_str();
    let session = signed_in_client(base).await;

    let (_, _, page) = get(&client(), format!("{base}/login")).await;
    assert!(page.contains("href=\"/password/forgot\""), "{page}");

    // Unknown and known addresses get the same answer.
    let anon = client();
    let (unknown_status, unknown_page) = ask_for_reset(&anon, base, "nobody@example.test").await;
    let (known_status, known_page) = ask_for_reset(&anon, base, "admin@example.test").await;
    assert_eq!((unknown_status, known_status), (200, 200));
    assert_eq!(unknown_page, known_page);
    assert!(known_page.contains("If an account has this address"));
    let (status, page) = ask_for_reset(&anon, base, "not an address").await;
    assert_eq!(status, 422);
    assert!(page.contains("id=\"email-error\""), "{page}");
    app.drain().await;
    let link = reset_links(&smtp, 1).await.remove(0);
    ask_for_reset(&anon, base, "admin@example.test").await;
    app.drain().await;
    let spare = reset_links(&smtp, 2)
        .await
        .into_iter()
        .find(|l| *l != link)
        .expect("a second, different link");
    assert!(
        smtp.messages()
            .iter()
            .all(|m| !m.contains("To: nobody@example.test")),
        "no mail to an address without an account"
    );

    // The link: a password under the rules, once; every session ends.
    let browser = client();
    let (status, page) = set_new_password(&browser, &link, "short").await;
    assert_eq!(status, 422);
    assert!(page.contains("id=\"password-error\""), "{page}");
    let (status, location) = set_new_password(&browser, &link, NEW_PASSWORD).await;
    assert_eq!((status, location.as_str()), (303, "/login?reset=done"));
    assert_eq!(
        inbox_status(&session, base).await.0,
        303,
        "sessions end at a reset"
    );
    assert_eq!(
        set_new_password(&browser, &link, "yet another long passphrase")
            .await
            .0,
        404,
        "the link works once"
    );
    assert_eq!(
        set_new_password(&browser, &spare, "yet another long passphrase")
            .await
            .0,
        404,
        "a reset ends the other links"
    );
    assert_eq!(
        try_sign_in(&client(), base, "admin@example.test", NEW_PASSWORD).await,
        303
    );
    assert_eq!(
        try_sign_in(&client(), base, "admin@example.test", PASSWORD).await,
        401
    );

    // A new link, an hour and a second later: refused.
    ask_for_reset(&anon, base, "admin@example.test").await;
    app.drain().await;
    let late = reset_links(&smtp, 3)
        .await
        .into_iter()
        .find(|l| *l != link && *l != spare)
        .expect("a third, different link");
    set_clock(&clock, "2026-12-01T10:00:01Z");
    assert_eq!(
        set_new_password(&browser, &late, "yet another long passphrase")
            .await
            .0,
        404,
        "an expired link is refused"
    );
    assert_eq!(
        try_sign_in(&client(), base, "admin@example.test", NEW_PASSWORD).await,
        303
    );

    let actions: Vec<_> = account_events(&app)
        .await
        .into_iter()
        .map(|(action, _, data)| (action, data["how"].as_str().map(str::to_owned)))
        .collect();
    assert_eq!(
        actions,
        vec![
            ("account.reset_requested".to_owned(), None),
            ("account.reset_requested".to_owned(), None),
            ("account.password".to_owned(), Some("reset".to_owned())),
            ("account.reset_requested".to_owned(), None),
        ]
    );
}

async fn a_disabled_user_cannot_sign_in_and_their_token_is_refused(backend: Backend) {
    let app = TestApp::prepared(backend).await;
    let base = app.url.as_str();
    let session = signed_in_client(base).await;
    let token = app.api_token().await;
    let http = client();
    let res = http
        .get(format!("{base}/api/v1/me/tokens"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("list");
    assert_eq!(res.status(), 200);

    // Over the API: administrators only, never themselves.
    let (code, _, err) = app
        .cli(
            &[
                "admin",
                "create-user",
                "--email",
                "mia@example.test",
                "--name",
                "Mia",
                "--password-stdin",
            ],
            PASSWORD,
        )
        .await;
    assert_eq!(code, 0, "{err}");
    let (code, mia_token, err) = app
        .cli(
            &["admin", "create-token", "--email", "mia@example.test"],
            "",
        )
        .await;
    assert_eq!(code, 0, "{err}");
    let mia_token = mia_token.trim().to_owned();
    let disable = async |token: &str, email: &str| {
        let res = http
            .post(format!("{base}/api/v1/users/disable"))
            .bearer_auth(token)
            .json(&serde_json::json!({ "email": email }))
            .send()
            .await
            .expect("disable");
        let status = res.status().as_u16();
        (status, res.json::<Value>().await.expect("json"))
    };
    assert_eq!(disable(&mia_token, "admin@example.test").await.0, 403);
    let (status, body) = disable(&token, "admin@example.test").await;
    assert_eq!(status, 422);
    assert_eq!(body["error"]["field"], "email", "{body}");
    let (status, body) = disable(&token, "MIA@example.test").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["changed"], true);
    assert_eq!(
        disable(&token, "mia@example.test").await.1["changed"],
        false
    );
    let res = http
        .get(format!("{base}/api/v1/me/tokens"))
        .bearer_auth(&mia_token)
        .send()
        .await
        .expect("list");
    assert_eq!(res.status(), 401);
    assert_eq!(
        try_sign_in(&client(), base, "mia@example.test", PASSWORD).await,
        401
    );

    // By the CLI.
    let (code, out, err) = app
        .cli(&["user", "disable", "--email", "admin@example.test"], "")
        .await;
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("disabled admin@example.test"), "{out}");
    let (code, _, err) = app
        .cli(&["user", "disable", "--email", "nobody@example.test"], "")
        .await;
    assert_eq!(code, 1, "an unknown address is refused");
    assert!(err.contains("email"), "{err}");

    let res = http
        .get(format!("{base}/api/v1/me/tokens"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("list");
    assert_eq!(res.status(), 401, "the token stops working at once");
    let (status, location) = inbox_status(&session, base).await;
    assert_eq!(status, 303, "the session ends at once");
    assert!(location.starts_with("/login"));
    assert_eq!(
        try_sign_in(&client(), base, "admin@example.test", PASSWORD).await,
        401
    );
    // No reset link for a disabled account either.
    let smtp_free = ask_for_reset(&client(), base, "admin@example.test").await;
    assert_eq!(smtp_free.0, 200);
    let events = account_events(&app).await;
    let disable: Vec<_> = events
        .iter()
        .filter(|(action, _, _)| action == "user.disable" || action == "account.reset_requested")
        .collect();
    assert_eq!(disable.len(), 1, "{events:?}");
    assert_eq!(disable[0].0, "user.disable");
    assert_eq!(disable[0].1, "cli");
}

async fn the_current_password_and_reset_requests_are_under_the_sign_in_limits(backend: Backend) {
    let config = std::env::temp_dir().join(format!(
        "embargo-account-limits-{}.toml",
        uuid::Uuid::new_v4().simple()
    ));
    std::fs::write(
        &config,
        "[limits]\nsign_in_per_account = \"3/minute\"\nsign_in_failures_before_backoff = 2\n\
         sign_in_backoff_max_secs = 600\nlinks_per_ip = \"100/minute\"\n",
    )
    .expect("write the configuration");
    let app = TestApp::start(
        backend,
        Options {
            env: vec![
                ("EMBARGO_RATE_LIMITS".into(), "on".into()),
                ("EMBARGO_CONFIG".into(), config.display().to_string()),
            ],
            ..Options::prepared()
        },
    )
    .await;
    let base = app.url.as_str();
    let http = signed_in_client(base).await;
    for _ in 0..2 {
        let (status, _, _) = post_form(
            &http,
            base,
            "/account/password",
            &[
                ("current_password", "a wrong guess at it"),
                ("new_password", NEW_PASSWORD),
            ],
        )
        .await;
        assert_eq!(status, 422);
    }
    // The account now waits, even for the right password; argon2 does not run.
    let (status, _, page) = post_form(
        &http,
        base,
        "/account/password",
        &[
            ("current_password", PASSWORD),
            ("new_password", NEW_PASSWORD),
        ],
    )
    .await;
    assert_eq!(status, 429);
    assert!(
        page.contains("id=\"current_password-error\">Current password too many attempts"),
        "{page}"
    );
    let still = client();
    assert_eq!(
        try_sign_in(&still, base, "admin@example.test", PASSWORD).await,
        429,
        "sign-in and the account page share the wait"
    );

    // Reset requests: three a minute per address, another address unaffected.
    let anon = client();
    for _ in 0..3 {
        assert_eq!(
            ask_for_reset(&anon, base, "someone@example.test").await.0,
            200
        );
    }
    let (status, page) = ask_for_reset(&anon, base, "Someone@example.test").await;
    assert_eq!(status, 429);
    assert!(page.contains("Too many requests"), "{page}");
    assert_eq!(
        ask_for_reset(&anon, base, "other@example.test").await.0,
        200
    );
    let _ = std::fs::remove_file(config);
}
