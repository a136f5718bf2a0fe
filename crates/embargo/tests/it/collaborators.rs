//! Collaborators end to end: a maintainer invites someone to one report, the link arrives
//! by e-mail (a real SMTP server), the invitee creates an account and works on that report
//! only; revocation and expiry (the server's clock moved through days) end the access.

use super::*;

on_each_backend!(a_collaborator_is_invited_works_on_one_report_and_loses_access);
use serde_json::{Value, json};
use std::path::Path;

const SECRET_B: &str = "Zebra vault secret of the other project";
const TITLE_A: &str = "Parser overflow in the thumbnail reader";

fn set_clock(path: &Path, at: &str) {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, at).expect("write clock");
    std::fs::rename(&tmp, path).expect("move clock");
}

/// The invitation link in an e-mail to `to`.
async fn invitation_link(smtp: &harness::SmtpSink, to: &str) -> (String, String) {
    let mail = smtp
        .wait(&format!("inviting {to}"), |m| {
            m.contains(&format!("To: {to}")) && m.contains("/invitations/inv_")
        })
        .await;
    let start = mail.find("http://").expect("link");
    let link = mail[start..]
        .split_whitespace()
        .next()
        .expect("link")
        .to_owned();
    (link, mail)
}

async fn submit(http: &reqwest::Client, base: &str, slug: &str, title: &str) -> Value {
    let res = http
        .post(format!("{base}/api/v1/projects/{slug}/reports"))
        .json(&sample_report(title))
        .send()
        .await
        .expect("submit");
    assert_eq!(res.status(), 201);
    res.json().await.expect("json")
}

async fn status_and_text(res: reqwest::Response) -> (u16, String) {
    let status = res.status().as_u16();
    (status, res.text().await.expect("body"))
}

/// Accepts an invitation by creating an account; returns the page it leads to.
async fn accept_new(http: &reqwest::Client, link: &str, name: &str) -> String {
    let page = http.get(link).send().await.expect("invitation page");
    assert_eq!(page.status(), 200);
    let page = page.text().await.expect("html");
    assert!(page.contains("Create your account"), "{page}");
    let csrf = hidden_field(&page, "csrf_token");
    let res = http
        .post(link)
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("name", name),
            ("password", PASSWORD),
        ])
        .send()
        .await
        .expect("accept");
    assert_eq!(res.status(), 303, "{:?}", res.text().await);
    res.headers()["location"]
        .to_str()
        .expect("location")
        .to_owned()
}

async fn a_collaborator_is_invited_works_on_one_report_and_loses_access(backend: Backend) {
    let db = prepared(backend).await;
    let (code, _, err) = cli(
        &db,
        &[
            "project",
            "create",
            "--slug",
            "other",
            "--name",
            "Other",
            "--contact",
            "mailto:sec@other.example",
        ],
        "",
    );
    assert_eq!(code, 0, "{err}");
    let smtp = harness::SmtpSink::start();
    let dir = TempDir::new();
    let clock = dir.0.join("now");
    set_clock(&clock, "2026-12-01T09:00:00Z");
    let app = TestApp::serve(
        db,
        &ServerOptions {
            smtp_port: Some(smtp.port),
            clock_file: Some(clock.clone()),
            ..ServerOptions::default()
        },
    )
    .await;
    let base = app.url.as_str();
    let http = client();
    let maintainer = app.api_token().await;
    let a = submit(&http, base, "demo", TITLE_A).await;
    let b = submit(&http, base, "other", SECRET_B).await;
    let (a_id, a_number) = (
        a["id"].as_str().expect("id"),
        a["number"].as_i64().expect("n"),
    );
    let b_id = b["id"].as_str().expect("id");
    let reporter = a["token"].as_str().expect("token");

    // Refusals name the field; nothing is sent for them.
    let res = http
        .post(format!("{base}/api/v1/reports/{a_id}/collaborators"))
        .bearer_auth(&maintainer)
        .json(&json!({ "email": "friend@example.test", "days": 91 }))
        .send()
        .await
        .expect("invite");
    assert_eq!(res.status(), 422);
    let body: Value = res.json().await.expect("json");
    assert_eq!(body["error"]["field"], "days", "{body}");
    // The reporter may not invite anyone.
    let res = http
        .post(format!("{base}/api/v1/reports/{a_id}/collaborators"))
        .bearer_auth(reporter)
        .json(&json!({ "email": "friend@example.test" }))
        .send()
        .await
        .expect("invite");
    assert_eq!(res.status(), 403);

    let res = http
        .post(format!("{base}/api/v1/reports/{a_id}/collaborators"))
        .bearer_auth(&maintainer)
        .json(&json!({ "email": "friend@example.test", "days": 3, "note": "Please look at the thumbnail parser." }))
        .send()
        .await
        .expect("invite");
    assert_eq!(res.status(), 201);
    let invited: Value = res.json().await.expect("json");
    assert_eq!(invited["status"], "pending", "{invited}");
    assert_eq!(invited["email"], "friend@example.test");
    assert_eq!(invited["expires_at"], "2026-12-04T09:00:00Z");
    assert!(invited.get("token").is_none() && !invited.to_string().contains("inv_"));
    // A second live invitation for the same address is a conflict.
    let res = http
        .post(format!("{base}/api/v1/reports/{a_id}/collaborators"))
        .bearer_auth(&maintainer)
        .json(&json!({ "email": "Friend@example.test" }))
        .send()
        .await
        .expect("invite");
    assert_eq!(res.status(), 409);

    let (link, mail) = invitation_link(&smtp, "friend@example.test").await;
    assert!(
        mail.contains("Please look at the thumbnail parser."),
        "{mail}"
    );
    assert!(mail.contains(&format!("report #{a_number}")), "{mail}");
    assert!(
        !mail.contains(TITLE_A),
        "the e-mail never carries the report's title"
    );
    assert!(link.starts_with(base), "{link}");

    // Accepting: a weak password is refused by name; then the account is made.
    let friend = client();
    let page = friend
        .get(&link)
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("html");
    assert!(
        page.contains("Please look at the thumbnail parser."),
        "{page}"
    );
    assert!(
        !page.contains(TITLE_A),
        "nothing of the report before accepting"
    );
    let csrf = hidden_field(&page, "csrf_token");
    let res = friend
        .post(&link)
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("name", "Fran Friend"),
            ("password", "short"),
        ])
        .send()
        .await
        .expect("weak");
    assert_eq!(res.status(), 422);
    assert!(
        res.text()
            .await
            .expect("html")
            .contains("at least 12 characters")
    );
    let landed = accept_new(&friend, &link, "Fran Friend").await;
    assert_eq!(landed, format!("/inbox/demo/reports/{a_number}"));
    // Single use: the link is spent, for the invitee as for anyone else.
    for who in [&friend, &client()] {
        let res = who.get(&link).send().await.expect("again");
        assert_eq!(res.status(), 404);
    }

    // The report: internal parts included.
    let (status, page) = status_and_text(
        friend
            .get(format!("{base}{landed}"))
            .send()
            .await
            .expect("report"),
    )
    .await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains(TITLE_A));
    assert!(page.contains("you collaborate on this report"));
    assert!(
        !page.contains("id=\"collaborators\""),
        "the list is for members"
    );
    let csrf = hidden_field(&page, "csrf_token");
    let res = friend
        .post(format!("{base}{landed}/messages"))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("body", "The overflow needs a 70000-pixel width."),
            ("visibility", "internal"),
        ])
        .send()
        .await
        .expect("message");
    assert_eq!(res.status(), 303);
    // A message to the reporter is not theirs to send.
    let res = friend
        .post(format!("{base}{landed}/messages"))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("body", "Hello reporter"),
            ("visibility", "reporter"),
        ])
        .send()
        .await
        .expect("message");
    assert_eq!(res.status(), 403);
    let res = friend
        .post(format!("{base}{landed}/scores"))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("vector", "CVSS:3.1/AV:L/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"),
            ("rationale", "Needs a local file."),
        ])
        .send()
        .await
        .expect("score");
    assert_eq!(res.status(), 303);
    let res = friend
        .post(format!("{base}{landed}/acknowledge"))
        .form(&[("csrf_token", csrf.as_str()), ("message", "")])
        .send()
        .await
        .expect("ack");
    assert_eq!(res.status(), 403, "collaborators do not move the report");

    let view: Value = http
        .get(format!("{base}/api/v1/reports/{a_id}"))
        .bearer_auth(&maintainer)
        .send()
        .await
        .expect("report")
        .json()
        .await
        .expect("json");
    let notes: Vec<(&str, &str, &str)> = view["messages"]
        .as_array()
        .expect("messages")
        .iter()
        .map(|m| {
            (
                m["body"].as_str().unwrap_or(""),
                m["visibility"].as_str().unwrap_or(""),
                m["author_name"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(
        notes,
        [(
            "The overflow needs a 70000-pixel width.",
            "internal",
            "Fran Friend"
        )]
    );
    assert_eq!(view["current"]["score"], "8.4");
    assert_eq!(view["current"]["by"], "Fran Friend");
    let reporters: Value = http
        .get(format!("{base}/api/v1/reports/{a_id}"))
        .bearer_auth(reporter)
        .send()
        .await
        .expect("report")
        .json()
        .await
        .expect("json");
    assert!(
        !reporters.to_string().contains("70000-pixel"),
        "the reporter never sees internal notes"
    );

    // Nothing else of the project, nor of any other.
    for path in [
        "/inbox/demo".to_owned(),
        "/inbox/demo/policy".to_owned(),
        "/inbox/demo/advisories".to_owned(),
        "/inbox/other/reports/1".to_owned(),
        format!("/inbox/demo/reports/{}", a_number + 1),
    ] {
        let (status, body) = status_and_text(
            friend
                .get(format!("{base}{path}"))
                .send()
                .await
                .expect("get"),
        )
        .await;
        assert_eq!(status, 404, "{path}");
        assert!(!body.contains(SECRET_B), "{path}");
    }
    let (status, inbox) = status_and_text(
        friend
            .get(format!("{base}/inbox"))
            .send()
            .await
            .expect("inbox"),
    )
    .await;
    assert_eq!(status, 200);
    assert!(
        inbox.contains(TITLE_A) && !inbox.contains(SECRET_B),
        "{inbox}"
    );
    let _ = b_id;

    // The maintainers see the collaborator, on the page and over the API.
    let admin = client();
    sign_in(&admin, base).await;
    let page = admin
        .get(format!("{base}/inbox/demo/reports/{a_number}"))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("html");
    assert!(page.contains("friend@example.test (Fran Friend)"), "{page}");
    let list: Value = http
        .get(format!("{base}/api/v1/reports/{a_id}/collaborators"))
        .bearer_auth(&maintainer)
        .send()
        .await
        .expect("list")
        .json()
        .await
        .expect("json");
    assert_eq!(list[0]["status"], "active", "{list}");
    assert_eq!(list[0]["name"], "Fran Friend");
    let id = list[0]["id"].as_str().expect("id");

    // Revocation takes effect at once.
    let res = http
        .delete(format!("{base}/api/v1/reports/{a_id}/collaborators/{id}"))
        .bearer_auth(&maintainer)
        .send()
        .await
        .expect("revoke");
    assert_eq!(res.status(), 200);
    let revoked: Value = res.json().await.expect("json");
    assert_eq!(revoked["status"], "revoked");
    let res = friend
        .get(format!("{base}{landed}"))
        .send()
        .await
        .expect("page");
    assert_eq!(res.status(), 404);
    // Another report's id with this invitation: not found.
    let res = http
        .delete(format!("{base}/api/v1/reports/{b_id}/collaborators/{id}"))
        .bearer_auth(&maintainer)
        .send()
        .await
        .expect("revoke elsewhere");
    assert_eq!(res.status(), 404);

    // Expiry: a one-day invitation, accepted, then the clock moves past it.
    let res = http
        .post(format!("{base}/api/v1/reports/{a_id}/collaborators"))
        .bearer_auth(&maintainer)
        .json(&json!({ "email": "late@example.test", "days": 1 }))
        .send()
        .await
        .expect("invite");
    assert_eq!(res.status(), 201);
    let (link, _) = invitation_link(&smtp, "late@example.test").await;
    let late = client();
    let landed = accept_new(&late, &link, "Lee Late").await;
    let res = late
        .get(format!("{base}{landed}"))
        .send()
        .await
        .expect("page");
    assert_eq!(res.status(), 200);
    set_clock(&clock, "2026-12-02T09:00:01Z");
    let res = late
        .get(format!("{base}{landed}"))
        .send()
        .await
        .expect("page");
    assert_eq!(res.status(), 404, "access ends at the invitation's expiry");
    let list: Value = http
        .get(format!("{base}/api/v1/reports/{a_id}/collaborators"))
        .bearer_auth(&maintainer)
        .send()
        .await
        .expect("list")
        .json()
        .await
        .expect("json");
    let statuses: Vec<&str> = list
        .as_array()
        .expect("list")
        .iter()
        .map(|c| c["status"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(statuses, ["revoked", "expired"]);
    app.stop().await.expect("graceful stop");

    let store = app.db.store().await;
    let actions: Vec<String> =
        store::audit::events(&mut store.read().await.expect("read"), 0, 1000)
            .await
            .expect("audit")
            .into_iter()
            .filter(|e| e.action.starts_with("collaborator."))
            .map(|e| e.action)
            .collect();
    assert_eq!(
        actions,
        [
            "collaborator.invite",
            "collaborator.accept",
            "collaborator.revoke",
            "collaborator.invite",
            "collaborator.accept"
        ]
    );
    store.close().await;
}
