//! Project membership from the command line: an administrator gives a user a role in a
//! project or takes it away; the role decides what their API token may do, and every
//! change is in the audit log.

use super::*;
use serde_json::Value;

on_each_backend!(
    maintainers_invite_change_and_remove_members_on_the_members_page,
    invitation_links_work_once_and_never_when_revoked_or_expired,
    the_first_administrator_maintains_the_demo_project,
    with_smtp_the_invitation_link_goes_by_mail_only,
);

#[tokio::test]
async fn an_administrator_adds_and_removes_a_triager() {
    let app = TestApp::prepared(Backend::Sqlite).await;
    let (code, _, err) = app
        .cli(
            &[
                "admin",
                "create-user",
                "--email",
                "tri@example.test",
                "--name",
                "Tia Triager",
                "--password-stdin",
            ],
            PASSWORD,
        )
        .await;
    assert_eq!(code, 0, "{err}");
    let (code, token, err) = app
        .cli(
            &["admin", "create-token", "--email", "tri@example.test"],
            "",
        )
        .await;
    assert_eq!(code, 0, "{err}");
    let token = token.trim().to_owned();
    let base = app.url.as_str();
    let http = client();
    let list = || {
        http.get(format!("{base}/api/v1/projects/demo/reports"))
            .bearer_auth(&token)
            .send()
    };
    assert_eq!(
        list().await.expect("list").status(),
        404,
        "not a member yet"
    );

    // Refusals name what is wrong and change nothing.
    let (code, _, err) = member(&app, "tri@example.test", "owner").await;
    assert_eq!(code, 1);
    assert!(
        err.contains("role: must be maintainer, triager or none"),
        "{err}"
    );
    let (code, _, err) = member(&app, "nobody@example.test", "triager").await;
    assert_eq!(code, 1);
    assert!(err.contains("email: no user has this address"), "{err}");
    assert_eq!(list().await.expect("list").status(), 404);

    let (code, out, err) = member(&app, "tri@example.test", "triager").await;
    assert_eq!(code, 0, "{err}");
    assert_eq!(out.trim(), "tri@example.test: none → triager in demo");
    assert_eq!(list().await.expect("list").status(), 200);
    // A triager may not change the project's settings.
    let res = http
        .get(format!("{base}/api/v1/projects/demo/webhooks"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("webhooks");
    assert_eq!(res.status(), 403);

    let (code, out, err) = member(&app, "tri@example.test", "none").await;
    assert_eq!(code, 0, "{err}");
    assert_eq!(out.trim(), "tri@example.test: triager → none in demo");
    assert_eq!(list().await.expect("list").status(), 404, "removed");

    let store = app.db.store().await;
    let actions: Vec<String> =
        store::audit::events(&mut store.read().await.expect("read"), 0, 1000)
            .await
            .expect("audit")
            .into_iter()
            .filter(|e| e.action.starts_with("member."))
            .map(|e| format!("{} {}", e.action, e.data["role"]))
            .collect();
    assert_eq!(actions, ["member.set \"triager\"", "member.remove null"]);
    store.close().await;
    let (code, out, err) = app.cli(&["admin", "verify-audit"], "").await;
    assert_eq!(code, 0, "{out}{err}");
    app.stop().await.expect("graceful stop");
}

async fn member(app: &TestApp, email: &str, role: &str) -> (i32, String, String) {
    app.cli(
        &[
            "project", "member", "--slug", "demo", "--email", email, "--role", role,
        ],
        "",
    )
    .await
}

// The members' page ------------------------------------------------------------------------

async fn create_user(app: &TestApp, email: &str, name: &str) {
    let (code, _, err) = app
        .cli(
            &[
                "admin",
                "create-user",
                "--email",
                email,
                "--name",
                name,
                "--password-stdin",
            ],
            PASSWORD,
        )
        .await;
    assert_eq!(code, 0, "{err}");
}

async fn token_of(app: &TestApp, email: &str) -> String {
    let (code, out, err) = app
        .cli(&["admin", "create-token", "--email", email], "")
        .await;
    assert_eq!(code, 0, "{err}");
    out.trim().to_owned()
}

/// A client signed in on the web as `email`.
async fn web(base: &str, email: &str) -> reqwest::Client {
    let http = client();
    let page = http
        .get(format!("{base}/login"))
        .send()
        .await
        .expect("login page")
        .text()
        .await
        .expect("html");
    let res = http
        .post(format!("{base}/login"))
        .form(&[
            ("csrf_token", hidden_field(&page, "csrf_token").as_str()),
            ("email", email),
            ("password", PASSWORD),
            ("next", "/inbox"),
        ])
        .send()
        .await
        .expect("login");
    assert_eq!(res.status(), 303, "{email} signs in");
    http
}

async fn get_page(http: &reqwest::Client, url: &str) -> (u16, String) {
    let res = http.get(url).send().await.expect("get");
    let status = res.status().as_u16();
    (status, res.text().await.expect("html"))
}

/// Posts a form of the members' page (with the page's CSRF token).
async fn post_form(
    http: &reqwest::Client,
    base: &str,
    path: &str,
    fields: &[(&str, &str)],
) -> (u16, String) {
    let (_, page) = get_page(http, &format!("{base}/login")).await;
    let csrf = hidden_field(&page, "csrf_token");
    let mut form: Vec<(&str, &str)> = vec![("csrf_token", csrf.as_str())];
    form.extend_from_slice(fields);
    let res = http
        .post(format!("{base}{path}"))
        .form(&form)
        .send()
        .await
        .expect("post");
    let status = res.status().as_u16();
    (status, res.text().await.expect("body"))
}

/// The members of `slug` as the API lists them: (email, role) pairs and the user ids.
async fn api_members(base: &str, token: &str, slug: &str) -> Value {
    let res = client()
        .get(format!("{base}/api/v1/projects/{slug}/members"))
        .bearer_auth(token)
        .send()
        .await
        .expect("members");
    assert_eq!(res.status(), 200);
    res.json().await.expect("json")
}

fn roles(list: &Value) -> Vec<(String, String)> {
    list["members"]
        .as_array()
        .expect("members")
        .iter()
        .map(|m| {
            (
                m["email"].as_str().expect("email").to_owned(),
                m["role"].as_str().expect("role").to_owned(),
            )
        })
        .collect()
}

fn user_id(list: &Value, email: &str) -> String {
    list["members"]
        .as_array()
        .expect("members")
        .iter()
        .find(|m| m["email"] == email)
        .and_then(|m| m["user_id"].as_str())
        .expect("a member with this address")
        .to_owned()
}

/// The invitation link shown on the page (no SMTP server is configured in these tests).
fn shown_link(page: &str) -> String {
    let page = &unescape(page);
    let start = page.find("/join/mbr_").expect("the link is shown");
    let end = start + page[start..].find('"').expect("link end");
    let link = &page[start..end];
    let before = page[..start].rfind("value=\"").expect("in an input") + "value=\"".len();
    format!("{}{link}", &page[before..start])
}

/// The text of HTML as a reader sees it (the template engine escapes `/` and `'` too).
fn unescape(html: &str) -> String {
    html.replace("&#x2f;", "/")
        .replace("&#x27;", "'")
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// The outbox's e-mails as the administrator reads them: (to, subject, text) of each.
async fn outbox_texts(admin: &reqwest::Client, base: &str) -> Vec<String> {
    let (status, list) = get_page(admin, &format!("{base}/admin/outbox?limit=500")).await;
    assert_eq!(status, 200);
    let mut texts = Vec::new();
    for part in list.split("/admin/outbox?email=").skip(1) {
        let id = &part[..part.find('#').expect("fragment")];
        let (status, page) = get_page(admin, &format!("{base}/admin/outbox?email={id}")).await;
        assert_eq!(status, 200);
        let start = page
            .find("<pre class=\"text\">")
            .expect("the e-mail's text");
        let end = start + page[start..].find("</pre>").expect("end");
        let head = page.find("id=\"email-subject\"").expect("subject");
        texts.push(unescape(&format!(
            "{}\n{}",
            &page[head..start],
            &page[start..end]
        )));
    }
    texts
}

async fn maintainers_invite_change_and_remove_members_on_the_members_page(backend: Backend) {
    let app = TestApp::prepared(backend).await;
    let base = app.url.as_str();
    for (email, name) in [
        ("mia@example.test", "Mia Maintainer"),
        ("tom@example.test", "Tom Triager"),
        ("olga@example.test", "Olga Other"),
    ] {
        create_user(&app, email, name).await;
    }
    let (code, _, err) = app
        .cli(
            &[
                "project",
                "create",
                "--slug",
                "other",
                "--name",
                "Other",
                "--contact",
                "mailto:sec@other.example",
                "--maintainer",
                "olga@example.test",
            ],
            "",
        )
        .await;
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = member(&app, "mia@example.test", "maintainer").await;
    assert_eq!(code, 0, "{err}");
    let admin_token = app.api_token().await;
    let mia = web(base, "mia@example.test").await;
    let members_url = format!("{base}/inbox/demo/members");

    // The page lists the members; a maintainer sees the forms.
    let (status, page) = get_page(&mia, &members_url).await;
    assert_eq!(status, 200);
    assert!(
        page.contains("Mia Maintainer") && page.contains("mia@example.test"),
        "{page}"
    );
    assert!(
        page.contains("action=\"/inbox/demo/members\""),
        "invite form"
    );

    // A bad address comes back on the page with the message and what was typed.
    let (status, page) = post_form(
        &mia,
        base,
        "/inbox/demo/members",
        &[("email", "tom at example"), ("role", "maintainer")],
    )
    .await;
    assert_eq!(status, 422);
    assert!(page.contains("is not a valid e-mail address"), "{page}");
    assert!(page.contains("value=\"tom at example\""), "{page}");
    assert!(
        page.contains("value=\"maintainer\" checked"),
        "the role is kept: {page}"
    );

    // An existing account is added at once.
    let (status, page) = post_form(
        &mia,
        base,
        "/inbox/demo/members",
        &[("email", "tom@example.test"), ("role", "triager")],
    )
    .await;
    assert_eq!(status, 200, "{page}");
    assert!(
        page.contains("Tom Triager (tom@example.test) is now a triager"),
        "{page}"
    );
    let list = api_members(base, &admin_token, "demo").await;
    assert_eq!(
        roles(&list),
        [
            ("mia@example.test".to_owned(), "maintainer".to_owned()),
            ("tom@example.test".to_owned(), "triager".to_owned()),
        ]
    );
    let (status, page) = post_form(
        &mia,
        base,
        "/inbox/demo/members",
        &[("email", "TOM@example.test"), ("role", "triager")],
    )
    .await;
    assert_eq!(status, 422, "a member is not added twice");
    assert!(page.contains("is already a member"), "{page}");

    // The triager sees the list but no forms, and may change nothing.
    let tom = web(base, "tom@example.test").await;
    let (status, page) = get_page(&tom, &members_url).await;
    assert_eq!(status, 200);
    assert!(page.contains("Mia Maintainer"));
    assert!(!page.contains("action=\"/inbox/demo/members\""), "{page}");
    let (status, _) = post_form(
        &tom,
        base,
        "/inbox/demo/members",
        &[("email", "x@example.test"), ("role", "maintainer")],
    )
    .await;
    assert_eq!(status, 403);
    let tom_token = token_of(&app, "tom@example.test").await;
    let res = client()
        .post(format!("{base}/api/v1/projects/demo/members"))
        .bearer_auth(&tom_token)
        .json(&serde_json::json!({"email": "x@example.test", "role": "maintainer"}))
        .send()
        .await
        .expect("invite");
    assert_eq!(res.status(), 403);

    // Another project's maintainer learns nothing.
    let olga = web(base, "olga@example.test").await;
    assert_eq!(get_page(&olga, &members_url).await.0, 404);
    let olga_token = token_of(&app, "olga@example.test").await;
    let res = client()
        .get(format!("{base}/api/v1/projects/demo/members"))
        .bearer_auth(&olga_token)
        .send()
        .await
        .expect("list");
    assert_eq!(res.status(), 404);

    // An unknown address gets a link by mail; with no SMTP server the inviter sees it once.
    let (status, page) = post_form(
        &mia,
        base,
        "/inbox/demo/members",
        &[("email", "nina@example.test"), ("role", "maintainer")],
    )
    .await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("send them the link below yourself"), "{page}");
    let link = shown_link(&page);
    assert!(link.starts_with(&format!("{base}/join/mbr_")), "{link}");
    let (_, again) = get_page(&mia, &members_url).await;
    assert!(!again.contains("/join/mbr_"), "the link is shown once only");
    assert!(again.contains("nina@example.test"), "pending: {again}");
    app.drain().await;
    let admin = web(base, "admin@example.test").await;
    let mails = outbox_texts(&admin, base).await;
    let to_nina: Vec<_> = mails.iter().filter(|m| m.contains(&link)).collect();
    assert_eq!(to_nina.len(), 1, "one e-mail carries the link: {mails:?}");
    assert!(
        to_nina[0].contains("to be a maintainer of PrintDesk"),
        "{}",
        to_nina[0]
    );
    assert!(
        mails
            .iter()
            .any(|m| m.contains("To tom@example.test") && m.contains("made you a triager")),
        "{mails:?}"
    );

    // Nina accepts by creating her account and is a maintainer.
    let nina = client();
    let (status, page) = get_page(&nina, &link).await;
    assert_eq!(status, 200);
    assert!(page.contains("Create your account"), "{page}");
    let res = nina
        .post(&link)
        .form(&[
            ("csrf_token", hidden_field(&page, "csrf_token").as_str()),
            ("name", "Nina New"),
            ("password", PASSWORD),
        ])
        .send()
        .await
        .expect("accept");
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], "/inbox/demo");
    let (status, page) = get_page(&nina, &members_url).await;
    assert_eq!(status, 200);
    assert!(page.contains("Nina New"), "{page}");
    let list = api_members(base, &admin_token, "demo").await;
    assert!(roles(&list).contains(&("nina@example.test".to_owned(), "maintainer".to_owned())));
    assert_eq!(list["invitations"].as_array().map(Vec::len), Some(0));

    // Roles change; the last maintainer can neither step down nor be removed.
    let tom_id = user_id(&list, "tom@example.test");
    let (status, _) = post_form(
        &mia,
        base,
        &format!("/inbox/demo/members/{tom_id}/role"),
        &[("role", "maintainer")],
    )
    .await;
    assert_eq!(status, 303);
    let list = api_members(base, &admin_token, "demo").await;
    assert!(roles(&list).contains(&("tom@example.test".to_owned(), "maintainer".to_owned())));

    let other = api_members(base, &olga_token, "other").await;
    let olga_id = user_id(&other, "olga@example.test");
    let (status, page) = post_form(
        &olga,
        base,
        &format!("/inbox/other/members/{olga_id}/role"),
        &[("role", "triager")],
    )
    .await;
    assert_eq!(status, 422);
    assert!(
        page.contains("Olga Other is the project&#x27;s last maintainer")
            || page.contains("Olga Other is the project's last maintainer"),
        "{page}"
    );
    let (status, _) = post_form(
        &olga,
        base,
        &format!("/inbox/other/members/{olga_id}/remove"),
        &[],
    )
    .await;
    assert_eq!(status, 422);
    let res = client()
        .put(format!("{base}/api/v1/projects/other/members/{olga_id}"))
        .bearer_auth(&olga_token)
        .json(&serde_json::json!({"role": "triager"}))
        .send()
        .await
        .expect("put");
    assert_eq!(res.status(), 422);
    let body: Value = res.json().await.expect("json");
    assert_eq!(body["error"]["field"], "role", "{body}");
    let res = client()
        .delete(format!("{base}/api/v1/projects/other/members/{olga_id}"))
        .bearer_auth(&olga_token)
        .send()
        .await
        .expect("delete");
    assert_eq!(res.status(), 422);
    assert_eq!(
        roles(&api_members(base, &olga_token, "other").await),
        [("olga@example.test".to_owned(), "maintainer".to_owned())]
    );

    // With another maintainer, a maintainer may be removed (over the API here).
    let mia_id = user_id(&list, "mia@example.test");
    let res = client()
        .delete(format!("{base}/api/v1/projects/demo/members/{mia_id}"))
        .bearer_auth(&token_of(&app, "tom@example.test").await)
        .send()
        .await
        .expect("delete");
    assert_eq!(res.status(), 204);
    assert_eq!(get_page(&mia, &members_url).await.0, 404, "Mia is out");

    // Every change is in the audit log.
    let store = app.db.store().await;
    let actions: Vec<String> =
        store::audit::events(&mut store.read().await.expect("read"), 0, 1000)
            .await
            .expect("audit")
            .into_iter()
            .filter(|e| e.action.starts_with("member."))
            .map(|e| format!("{} {}", e.action, e.data["role"]))
            .collect();
    store.close().await;
    assert_eq!(
        actions,
        [
            "member.set \"maintainer\"", // olga, creating "other"
            "member.set \"maintainer\"", // mia, from the command line
            "member.set \"triager\"",    // tom, added
            "member.invite \"maintainer\"",
            "member.set \"maintainer\"", // nina accepted
            "member.set \"maintainer\"", // tom promoted
            "member.remove null",        // mia
        ]
    );
    app.stop().await.expect("graceful stop");
}

async fn invitation_links_work_once_and_never_when_revoked_or_expired(backend: Backend) {
    let app = TestApp::prepared(backend).await;
    let base = app.url.as_str();
    create_user(&app, "mia@example.test", "Mia Maintainer").await;
    let (code, _, err) = member(&app, "mia@example.test", "maintainer").await;
    assert_eq!(code, 0, "{err}");
    let mia = web(base, "mia@example.test").await;
    let invite = |email: &'static str| {
        let mia = mia.clone();
        async move {
            let (status, page) = post_form(
                &mia,
                base,
                "/inbox/demo/members",
                &[("email", email), ("role", "triager")],
            )
            .await;
            assert_eq!(status, 200, "{page}");
            shown_link(&page)
        }
    };

    // Revoked: the link is refused, and the address may be invited again.
    let link = invite("rev@example.test").await;
    let token = app.api_token().await;
    let list = api_members(base, &token, "demo").await;
    let id = list["invitations"][0]["id"]
        .as_str()
        .expect("id")
        .to_owned();
    assert_eq!(list["invitations"][0]["email"], "rev@example.test");
    let (status, _) = post_form(
        &mia,
        base,
        &format!("/inbox/demo/members/invitations/{id}/revoke"),
        &[],
    )
    .await;
    assert_eq!(status, 303);
    assert_eq!(get_page(&client(), &link).await.0, 404, "revoked");
    let second = invite("rev@example.test").await;
    assert_ne!(second, link);

    // Used: the second time is refused.
    let http = client();
    let (_, page) = get_page(&http, &second).await;
    let csrf = hidden_field(&page, "csrf_token");
    let accept = |http: reqwest::Client, link: String, csrf: String| async move {
        http.post(&link)
            .form(&[
                ("csrf_token", csrf.as_str()),
                ("name", "Rev"),
                ("password", PASSWORD),
            ])
            .send()
            .await
            .expect("accept")
            .status()
            .as_u16()
    };
    assert_eq!(
        accept(http.clone(), second.clone(), csrf.clone()).await,
        303
    );
    assert_eq!(get_page(&client(), &second).await.0, 404, "used");
    assert_eq!(accept(http, second.clone(), csrf).await, 404);

    // Expired: an invitation whose time is up.
    let secret = "mbr_expired-invitation-link-for-the-test";
    let store = app.db.store().await;
    let project = store::projects::by_slug(
        &mut store.read().await.expect("read"),
        &domain::ProjectSlug::parse("demo").expect("slug"),
    )
    .await
    .expect("project")
    .expect("demo");
    let (mia_user, _) =
        store::accounts::credentials(&mut store.read().await.expect("read"), "mia@example.test")
            .await
            .expect("read")
            .expect("mia");
    let now = jiff::Timestamp::now();
    let mut tx = store.begin().await.expect("begin");
    store::member_invitations::insert(
        &mut tx,
        &store::member_invitations::NewMemberInvitation {
            id: uuid::Uuid::now_v7(),
            project: project.id,
            email: domain::EmailAddress::parse("email", "late@example.test").expect("address"),
            role: domain::account::ProjectRole::Triager,
            token_hash: embargo::tokens::hash(secret),
            invited_by: mia_user.id,
            invited_at: now - jiff::SignedDuration::from_hours(24 * 15),
            expires_at: now - jiff::SignedDuration::from_hours(24),
        },
    )
    .await
    .expect("insert");
    tx.commit().await.expect("commit");
    store.close().await;
    assert_eq!(
        get_page(&client(), &format!("{base}/join/{secret}"))
            .await
            .0,
        404,
        "expired"
    );
    // Unknown links, and a collaborator's link format, are refused alike.
    assert_eq!(
        get_page(&client(), &format!("{base}/join/mbr_nothing-like-it"))
            .await
            .0,
        404
    );
    let list = api_members(base, &token, "demo").await;
    assert_eq!(
        roles(&list),
        [
            ("mia@example.test".to_owned(), "maintainer".to_owned()),
            ("rev@example.test".to_owned(), "triager".to_owned()),
        ]
    );
    let store = app.db.store().await;
    let revokes = store::audit::events(&mut store.read().await.expect("read"), 0, 1000)
        .await
        .expect("audit")
        .into_iter()
        .filter(|e| e.action == "member.invite.revoke")
        .count();
    store.close().await;
    assert_eq!(revokes, 1);
    app.stop().await.expect("graceful stop");
}

async fn the_first_administrator_maintains_the_demo_project(backend: Backend) {
    let app = TestApp::start(
        backend,
        Options {
            demo: true,
            ..Options::default()
        },
    )
    .await;
    let base = app.url.as_str();
    let setup = "set_a-setup-link-the-test-knows";
    if let Ok(mut slot) = app.state.setup_token_hash.lock() {
        *slot = Some(embargo::tokens::hash(setup));
    }
    let http = client();
    let (status, page) = get_page(&http, &format!("{base}/setup/{setup}")).await;
    assert_eq!(status, 200, "{page}");
    let res = http
        .post(format!("{base}/setup/{setup}"))
        .form(&[
            ("csrf_token", hidden_field(&page, "csrf_token").as_str()),
            ("name", "Ada First"),
            ("email", "ada@example.test"),
            ("password", PASSWORD),
        ])
        .send()
        .await
        .expect("setup");
    assert_eq!(res.status(), 303);
    let (status, page) = get_page(&http, &format!("{base}/inbox/demo/members")).await;
    assert_eq!(status, 200);
    assert!(
        page.contains("Ada First") && page.contains("Maintainer"),
        "{page}"
    );
    let store = app.db.store().await;
    let project = store::projects::by_slug(
        &mut store.read().await.expect("read"),
        &domain::ProjectSlug::parse("demo").expect("slug"),
    )
    .await
    .expect("project")
    .expect("demo");
    let members = store::members::of_project(&mut store.read().await.expect("read"), project.id)
        .await
        .expect("members");
    store.close().await;
    let members: Vec<_> = members
        .iter()
        .map(|(u, r)| (u.email.as_str().to_owned(), r.as_str()))
        .collect();
    assert_eq!(members, [("ada@example.test".to_owned(), "maintainer")]);
    app.stop().await.expect("graceful stop");
}

async fn with_smtp_the_invitation_link_goes_by_mail_only(backend: Backend) {
    let smtp = harness::SmtpSink::start();
    let app = TestApp::start(
        backend,
        Options {
            prepared: true,
            smtp_port: Some(smtp.port),
            ..Options::default()
        },
    )
    .await;
    let base = app.url.as_str();
    let admin = web(base, "admin@example.test").await;
    let (status, page) = post_form(
        &admin,
        base,
        "/inbox/demo/members",
        &[("email", "sam@example.test"), ("role", "triager")],
    )
    .await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("the link went out by e-mail"), "{page}");
    assert!(
        !unescape(&page).contains("/join/"),
        "no link on the page: {page}"
    );
    app.drain().await;
    let mail = smtp
        .wait("the invitation", |m| m.contains("To: sam@example.test"))
        .await;
    let mail = harness::decode_quoted_printable(&mail);
    let start = mail.find("http://").expect("a link");
    let link = mail[start..]
        .split_whitespace()
        .next()
        .expect("link")
        .to_owned();
    assert!(link.starts_with(&format!("{base}/join/mbr_")), "{link}");
    let (status, page) = get_page(&client(), &link).await;
    assert_eq!(status, 200);
    assert!(page.contains("to be a triager of PrintDesk"), "{page}");
    app.stop().await.expect("graceful stop");
}
