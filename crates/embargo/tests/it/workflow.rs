//! A report's life through the API: from received to disclosed, with replies to the
//! reporter, refusals that name the problem, the reporter's withdrawal, and an audit log
//! that still verifies at the end.

use super::*;

on_each_backend!(a_report_goes_from_received_to_disclosed);

async fn move_to(
    http: &reqwest::Client,
    base: &str,
    token: &str,
    id: &str,
    body: serde_json::Value,
) -> (u16, serde_json::Value) {
    let res = http
        .post(format!("{base}/api/v1/reports/{id}/transitions"))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .expect("transition");
    let status = res.status().as_u16();
    (status, res.json().await.expect("json"))
}

async fn a_report_goes_from_received_to_disclosed(backend: Backend) {
    let app = TestApp::prepared(backend).await;
    let base = app.url.as_str();
    let http = client();
    let maintainer = app.api_token().await;
    let submit = |title: &'static str| {
        let http = http.clone();
        let url = format!("{base}/api/v1/projects/demo/reports");
        async move {
            let r: serde_json::Value = http
                .post(url)
                .json(&sample_report(title))
                .send()
                .await
                .expect("submit")
                .json()
                .await
                .expect("json");
            (
                r["id"].as_str().expect("id").to_owned(),
                r["token"].as_str().expect("token").to_owned(),
            )
        }
    };
    let (id, reporter) = submit("Path traversal").await;

    // Refusals name what is wrong and change nothing.
    let (status, body) = move_to(
        &http,
        base,
        &maintainer,
        &id,
        serde_json::json!({ "to": "disclosed" }),
    )
    .await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(body["error"]["code"], "invalid_transition");
    let (status, body) = move_to(
        &http,
        base,
        &maintainer,
        &id,
        serde_json::json!({ "to": "closed" }),
    )
    .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["error"]["field"], "resolution");
    let (status, body) =
        move_to(&http, base, &maintainer, &id, serde_json::json!({ "to": "closed", "resolution": "out_of_scope", "non_qualifying": "no-such-class" }))
            .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["error"]["field"], "non_qualifying");
    let (status, body) = move_to(
        &http,
        base,
        &maintainer,
        &id,
        serde_json::json!({ "to": "acknowledged", "severity": "high" }),
    )
    .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["error"]["field"], "severity");
    let (status, _) = move_to(
        &http,
        base,
        &reporter,
        &id,
        serde_json::json!({ "to": "accepted" }),
    )
    .await;
    assert_eq!(status, 403, "a reporter cannot accept their own report");

    let mut last = serde_json::Value::Null;
    for (to, message) in [
        ("acknowledged", Some("We can reproduce this.")),
        ("accepted", None),
        ("fixing", None),
        ("fixed", Some("Fixed in 1.11.3.")),
        ("disclosed", None),
    ] {
        let mut body = serde_json::json!({ "to": to });
        if let Some(m) = message {
            body["message"] = serde_json::json!(m);
        }
        let (status, report) = move_to(&http, base, &maintainer, &id, body).await;
        assert_eq!(status, 200, "{to}: {report}");
        assert_eq!(report["state"], to);
        last = report;
    }
    assert!(
        last["acknowledged_at"].as_str().is_some(),
        "first response recorded"
    );
    let mine: serde_json::Value = http
        .get(format!("{base}/api/v1/reports/{id}"))
        .bearer_auth(&reporter)
        .send()
        .await
        .expect("get")
        .json()
        .await
        .expect("json");
    assert_eq!(mine["state"], "disclosed", "the reporter sees the state");
    let replies: Vec<&str> = mine["messages"]
        .as_array()
        .expect("messages")
        .iter()
        .filter_map(|m| m["body"].as_str())
        .collect();
    assert!(
        replies.len() >= 3,
        "the reporter got the replies: {replies:?}"
    );
    assert!(
        replies.iter().any(|b| b.contains("We can reproduce this.")),
        "{replies:?}"
    );
    assert!(
        replies.iter().any(|b| b.contains("Fixed in 1.11.3.")),
        "{replies:?}"
    );

    // Duplicates point at the original; out of scope quotes the policy's own words.
    let (dup, _) = submit("Same traversal again").await;
    let (status, body) = move_to(
        &http,
        base,
        &maintainer,
        &dup,
        serde_json::json!({ "to": "closed", "resolution": "duplicate", "duplicate_of": 1 }),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["resolution"], "duplicate");
    let (oos, _) = submit("Admin can run code").await;
    let (status, body) = move_to(
        &http,
        base,
        &maintainer,
        &oos,
        serde_json::json!({ "to": "closed", "resolution": "out_of_scope", "non_qualifying": "requires-admin" }),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let reply = body["messages"]
        .as_array()
        .and_then(|m| m.last())
        .and_then(|m| m["body"].as_str())
        .unwrap_or_default();
    assert!(
        reply.contains("Attacks that need the admin account"),
        "quotes the policy: {reply}"
    );

    // A reporter may withdraw their own report, not someone else's.
    let (mine_id, mine_token) = submit("Never mind").await;
    let (status, _) = move_to(
        &http,
        base,
        &mine_token,
        &dup,
        serde_json::json!({ "to": "closed", "resolution": "withdrawn" }),
    )
    .await;
    assert_eq!(status, 404);
    let (status, body) = move_to(
        &http,
        base,
        &mine_token,
        &mine_id,
        serde_json::json!({ "to": "closed", "resolution": "withdrawn" }),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["resolution"], "withdrawn");

    app.stop().await.expect("graceful stop");
    let (code, out, err) = app.cli(&["admin", "verify-audit"], "").await;
    assert_eq!(code, 0, "{out}{err}");
    // 4 reports created, 5 + 1 + 1 + 1 transitions, the maintainer's API token.
    assert!(out.starts_with("audit log intact: 13 events"), "{out}");
}

#[tokio::test]
async fn the_reporter_never_sees_internal_messages() {
    // Stays on the binary: it reads the process's whole log for message bodies.
    let db = prepared(Backend::Sqlite).await;
    let server = Server::start(&db, &ServerOptions::default());
    let base = server.url.as_str();
    let http = client();
    let maintainer = api_token(&db);
    let submitted: serde_json::Value = http
        .post(format!("{base}/api/v1/projects/demo/reports"))
        .json(&sample_report("Thread"))
        .send()
        .await
        .expect("post")
        .json()
        .await
        .expect("json");
    let (id, reporter) = (
        submitted["id"].as_str().expect("id"),
        submitted["token"].as_str().expect("token"),
    );
    let post = |token: &str, body: serde_json::Value| {
        http.post(format!("{base}/api/v1/reports/{id}/messages"))
            .bearer_auth(token.to_owned())
            .json(&body)
            .send()
    };
    let res = post(&maintainer, serde_json::json!({ "body": "INTERNAL: looks real, do not tell yet", "visibility": "internal" })).await.expect("post");
    assert_eq!(res.status(), 201);
    let res = post(
        &maintainer,
        serde_json::json!({ "body": "Thanks, which config do you use?", "visibility": "reporter" }),
    )
    .await
    .expect("post");
    assert_eq!(res.status(), 201);
    let res = post(
        reporter,
        serde_json::json!({ "body": "The default one.", "visibility": "internal" }),
    )
    .await
    .expect("post");
    assert_eq!(res.status(), 422, "a reporter cannot write internal notes");
    let res = post(
        reporter,
        serde_json::json!({ "body": "The default one.", "visibility": "reporter" }),
    )
    .await
    .expect("post");
    assert_eq!(res.status(), 201);
    let res = post(
        &maintainer,
        serde_json::json!({ "body": "x", "visibility": "everyone" }),
    )
    .await
    .expect("post");
    assert_eq!(res.status(), 422);

    let as_reporter: serde_json::Value = http
        .get(format!("{base}/api/v1/reports/{id}"))
        .bearer_auth(reporter)
        .send()
        .await
        .expect("get")
        .json()
        .await
        .expect("json");
    let bodies: Vec<&str> = as_reporter["messages"]
        .as_array()
        .expect("messages")
        .iter()
        .filter_map(|m| m["body"].as_str())
        .collect();
    assert_eq!(
        bodies,
        ["Thanks, which config do you use?", "The default one."]
    );
    let page = http
        .get(format!("{base}/track/{reporter}"))
        .send()
        .await
        .expect("track")
        .text()
        .await
        .expect("html");
    assert!(
        !page.contains("INTERNAL"),
        "the tracking page hides internal notes"
    );
    assert!(page.contains("Thanks, which config do you use?"));

    let as_maintainer: serde_json::Value = http
        .get(format!("{base}/api/v1/reports/{id}"))
        .bearer_auth(&maintainer)
        .send()
        .await
        .expect("get")
        .json()
        .await
        .expect("json");
    assert_eq!(
        as_maintainer["messages"]
            .as_array()
            .expect("messages")
            .len(),
        3
    );
    let logs = server.logs();
    assert!(
        !logs.contains("INTERNAL:") && !logs.contains("default one"),
        "message bodies stay out of logs"
    );
}
