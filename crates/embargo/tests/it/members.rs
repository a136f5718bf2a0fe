//! Project membership from the command line: an administrator gives a user a role in a
//! project or takes it away; the role decides what their API token may do, and every
//! change is in the audit log.

use super::*;

#[tokio::test]
async fn an_administrator_adds_and_removes_a_triager() {
    let db = prepared(Backend::Sqlite).await;
    let (code, _, err) = cli(
        &db,
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
    );
    assert_eq!(code, 0, "{err}");
    let (code, token, err) = cli(
        &db,
        &["admin", "create-token", "--email", "tri@example.test"],
        "",
    );
    assert_eq!(code, 0, "{err}");
    let token = token.trim().to_owned();
    let server = Server::start(&db, &ServerOptions::default());
    let base = server.url.as_str();
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
    let member = |email: &str, role: &str| {
        cli(
            &db,
            &[
                "project", "member", "--slug", "demo", "--email", email, "--role", role,
            ],
            "",
        )
    };
    let (code, _, err) = member("tri@example.test", "owner");
    assert_eq!(code, 1);
    assert!(
        err.contains("role: must be maintainer, triager or none"),
        "{err}"
    );
    let (code, _, err) = member("nobody@example.test", "triager");
    assert_eq!(code, 1);
    assert!(err.contains("email: no user has this address"), "{err}");
    assert_eq!(list().await.expect("list").status(), 404);

    let (code, out, err) = member("tri@example.test", "triager");
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

    let (code, out, err) = member("tri@example.test", "none");
    assert_eq!(code, 0, "{err}");
    assert_eq!(out.trim(), "tri@example.test: triager → none in demo");
    assert_eq!(list().await.expect("list").status(), 404, "removed");

    let store = db.store().await;
    let actions: Vec<String> =
        store::audit::events(&mut store.db().read().await.expect("read"), 0, 1000)
            .await
            .expect("audit")
            .into_iter()
            .filter(|e| e.action.starts_with("member."))
            .map(|e| format!("{} {}", e.action, e.data["role"]))
            .collect();
    assert_eq!(actions, ["member.set \"triager\"", "member.remove null"]);
    store.db().close().await;
    let (code, out, err) = cli(&db, &["admin", "verify-audit"], "");
    assert_eq!(code, 0, "{out}{err}");
    assert!(server.stop().success());
}
