//! Project membership from the command line: an administrator gives a user a role in a
//! project or takes it away; the role decides what their API token may do, and every
//! change is in the audit log.

use super::*;

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
