//! Rescoring: the reporter's vector and each maintainer's, with who, when and why, in the
//! report JSON and on the report page; the current score gives the severity; refusals name
//! the field; other projects see nothing; every score is in the audit log.
//!
//! Expected scores are FIRST's CVSS 3.1 calculator values, worked by hand from the
//! specification: AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H is 9.8 Critical, AV:L with the rest
//! unchanged 8.4 High, and AV:L/PR:L 7.8 High.

use super::*;

on_each_backend!(a_report_is_rescored_with_history);
use serde_json::{Value, json};

const REPORTED: &str = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H";
const LOCAL: &str = "CVSS:3.1/AV:L/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H";
const LOCAL_PRIV: &str = "CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H";

/// A user with `role` in project `slug` and an API token.
async fn member_token(
    app: &TestApp,
    email: &str,
    slug: &str,
    role: domain::account::ProjectRole,
) -> String {
    let (code, _, err) = app
        .cli(
            &[
                "admin",
                "create-user",
                "--email",
                email,
                "--name",
                "Tri Ager",
                "--password-stdin",
            ],
            PASSWORD,
        )
        .await;
    assert_eq!(code, 0, "{err}");
    let store = app.db.store().await;
    let project = store::projects::by_slug(
        &mut store.read().await.expect("read"),
        &domain::ProjectSlug::parse(slug).expect("slug"),
    )
    .await
    .expect("project")
    .expect("exists");
    let (user, _) = store::accounts::credentials(&mut store.read().await.expect("read"), email)
        .await
        .expect("user")
        .expect("exists");
    let mut tx = store.begin().await.expect("begin");
    store::members::set(&mut tx, project.id, user.id, role)
        .await
        .expect("member");
    tx.commit().await.expect("commit");
    store.close().await;
    let (code, out, err) = app
        .cli(&["admin", "create-token", "--email", email], "")
        .await;
    assert_eq!(code, 0, "{err}");
    out.trim().to_owned()
}

async fn post_score(
    http: &reqwest::Client,
    base: &str,
    token: &str,
    id: &str,
    body: Value,
) -> (u16, Value) {
    let res = http
        .post(format!("{base}/api/v1/reports/{id}/scores"))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .expect("post score");
    let status = res.status().as_u16();
    (status, res.json().await.expect("json"))
}

async fn get_report(http: &reqwest::Client, base: &str, token: &str, id: &str) -> (u16, Value) {
    let res = http
        .get(format!("{base}/api/v1/reports/{id}"))
        .bearer_auth(token)
        .send()
        .await
        .expect("get report");
    let status = res.status().as_u16();
    (status, res.json().await.expect("json"))
}

fn column(scores: &Value, key: &str) -> Vec<Value> {
    scores
        .as_array()
        .expect("scores")
        .iter()
        .map(|s| s[key].clone())
        .collect()
}

async fn a_report_is_rescored_with_history(backend: Backend) {
    let app = TestApp::prepared(backend).await;
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
            ],
            "",
        )
        .await;
    assert_eq!(code, 0, "{err}");
    let triager = member_token(
        &app,
        "tri@example.test",
        "demo",
        domain::account::ProjectRole::Triager,
    )
    .await;
    let outsider = member_token(
        &app,
        "out@example.test",
        "other",
        domain::account::ProjectRole::Triager,
    )
    .await;
    let base = app.url.as_str();
    let http = client();
    let maintainer = app.api_token().await;

    let mut report = sample_report("Unauthenticated remote code execution");
    report["cvss_vector"] = json!(REPORTED);
    let created: Value = http
        .post(format!("{base}/api/v1/projects/demo/reports"))
        .json(&report)
        .send()
        .await
        .expect("submit")
        .json()
        .await
        .expect("json");
    let id = created["id"].as_str().expect("id").to_owned();
    let reporter = created["token"].as_str().expect("token").to_owned();

    // Before any rescoring, the reporter's vector is the current score.
    let (status, body) = get_report(&http, base, &maintainer, &id).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(column(&body["scores"], "kind"), [json!("reporter")]);
    assert_eq!(body["current"]["score"], "9.8");
    assert_eq!(body["current"]["severity"], "Critical");

    // A maintainer rescoring: 201 with the score and the diff from the reporter's vector.
    let (status, first) = post_score(
        &http,
        base,
        &maintainer,
        &id,
        json!({ "vector": LOCAL, "rationale": "Only reachable from the printer's own console." }),
    )
    .await;
    assert_eq!(status, 201, "{first}");
    assert_eq!(first["vector"], LOCAL);
    assert_eq!(first["version"], "3.1");
    assert_eq!(first["score"], "8.4");
    assert_eq!(first["severity"], "High");
    assert_eq!(first["by"], "Ada Admin");
    assert_eq!(first["kind"], "maintainer");
    assert_eq!(
        first["changes"],
        json!([{ "metric": "AV", "from": "N", "to": "L" }])
    );

    // Refusals name the field and store nothing.
    let (status, body) = post_score(
        &http,
        base,
        &maintainer,
        &id,
        json!({ "vector": "CVSS:3.1/AV:Q/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", "rationale": "typo" }),
    )
    .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["error"]["field"], "vector");
    assert!(
        body["error"]["message"]
            .as_str()
            .expect("message")
            .contains("AV"),
        "{body}"
    );
    let (status, body) = post_score(
        &http,
        base,
        &maintainer,
        &id,
        json!({ "vector": "CVSS:3.1/AV:N", "rationale": "short" }),
    )
    .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["error"]["field"], "vector");
    let (status, body) = post_score(
        &http,
        base,
        &maintainer,
        &id,
        json!({ "vector": LOCAL_PRIV, "rationale": "  " }),
    )
    .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["error"]["field"], "rationale");
    let long = "x".repeat(4001);
    let (status, body) = post_score(
        &http,
        base,
        &maintainer,
        &id,
        json!({ "vector": LOCAL_PRIV, "rationale": long }),
    )
    .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["error"]["field"], "rationale");
    let (status, body) = post_score(
        &http,
        base,
        &maintainer,
        &id,
        json!({ "vector": LOCAL_PRIV }),
    )
    .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["error"]["field"], "rationale");

    // Who may score: the project's triager yes; the reporter no (403); another project's
    // triager sees nothing at all (404, as for a report that does not exist).
    let (status, second) = post_score(
        &http,
        base,
        &triager,
        &id,
        json!({ "vector": LOCAL_PRIV, "rationale": "Needs a signed-in operator." }),
    )
    .await;
    assert_eq!(status, 201, "{second}");
    assert_eq!(second["score"], "7.8");
    assert_eq!(second["severity"], "High");
    assert_eq!(
        second["changes"],
        json!([{ "metric": "PR", "from": "N", "to": "L" }])
    );
    let (status, body) = post_score(
        &http,
        base,
        &reporter,
        &id,
        json!({ "vector": REPORTED, "rationale": "I disagree." }),
    )
    .await;
    assert_eq!(status, 403, "{body}");
    let (status, body) = post_score(
        &http,
        base,
        &outsider,
        &id,
        json!({ "vector": REPORTED, "rationale": "Mine now." }),
    )
    .await;
    assert_eq!(status, 404, "{body}");
    let (status, _) = get_report(&http, base, &outsider, &id).await;
    assert_eq!(status, 404);
    let (status, body) = post_score(
        &http,
        base,
        &maintainer,
        "00000000-0000-0000-0000-000000000000",
        json!({ "vector": LOCAL, "rationale": "x" }),
    )
    .await;
    assert_eq!(status, 404, "{body}");

    // The maintainers' view: everything, oldest first; the latest is current.
    let (_, body) = get_report(&http, base, &maintainer, &id).await;
    let scores = &body["scores"];
    assert_eq!(
        column(scores, "vector"),
        [json!(REPORTED), json!(LOCAL), json!(LOCAL_PRIV)]
    );
    assert_eq!(
        column(scores, "score"),
        [json!("9.8"), json!("8.4"), json!("7.8")]
    );
    assert_eq!(
        column(scores, "severity"),
        [json!("Critical"), json!("High"), json!("High")]
    );
    assert_eq!(
        column(scores, "kind"),
        [json!("reporter"), json!("maintainer"), json!("maintainer")]
    );
    assert_eq!(
        column(scores, "by"),
        [Value::Null, json!("Ada Admin"), json!("Tri Ager")]
    );
    assert_eq!(
        scores[1]["rationale"],
        "Only reachable from the printer's own console."
    );
    assert_eq!(body["current"]["vector"], LOCAL_PRIV);
    assert_eq!(body["current"]["score"], "7.8");
    assert_eq!(
        body["cvss_vector"], REPORTED,
        "the reporter's own vector is kept"
    );

    // The reporter sees the vectors and scores, not the rationale or who gave them.
    let (status, mine) = get_report(&http, base, &reporter, &id).await;
    assert_eq!(status, 200, "{mine}");
    assert_eq!(
        column(&mine["scores"], "score"),
        [json!("9.8"), json!("8.4"), json!("7.8")]
    );
    assert_eq!(
        column(&mine["scores"], "rationale"),
        [Value::Null, Value::Null, Value::Null]
    );
    assert_eq!(
        column(&mine["scores"], "by"),
        [Value::Null, Value::Null, Value::Null]
    );
    assert!(!mine.to_string().contains("printer's own console"));
    assert_eq!(mine["current"]["severity"], "High");
    let tracking = created["tracking_url"].as_str().expect("tracking url");
    let track = http
        .get(tracking)
        .send()
        .await
        .expect("track")
        .text()
        .await
        .expect("body");
    assert!(
        track.contains("High (7.8), as the maintainers scored it"),
        "{track}"
    );
    assert!(
        !track.contains("console"),
        "no rationale on the reporter's page"
    );

    // An advisory drafted from the report takes the current score, not the reporter's.
    for to in ["acknowledged", "accepted"] {
        let res = http
            .post(format!("{base}/api/v1/reports/{id}/transitions"))
            .bearer_auth(&maintainer)
            .json(&json!({ "to": to }))
            .send()
            .await
            .expect("transition");
        assert_eq!(res.status(), 200, "{to}");
    }
    let res = http
        .post(format!("{base}/api/v1/projects/demo/advisories"))
        .bearer_auth(&maintainer)
        .json(&json!({ "report": 1 }))
        .send()
        .await
        .expect("draft");
    assert_eq!(res.status(), 201);
    let draft: Value = res.json().await.expect("json");
    assert_eq!(
        draft["advisory"]["severity"][0]["vector"], LOCAL_PRIV,
        "{draft}"
    );

    // The web page: the history with the diff, and the form (with its CSRF token).
    let web = client();
    sign_in(&web, base).await;
    let page = web
        .get(format!("{base}/inbox/demo/reports/1"))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("body");
    assert!(page.contains("<h2 id=\"scores\">Scores</h2>"), "{page}");
    assert!(page.contains("AV: N → L"), "{page}");
    assert!(page.contains("PR: N → L"), "{page}");
    assert!(page.contains("9.8 → 8.4"), "{page}");
    assert!(
        page.contains("Only reachable from the printer&#x27;s own console.")
            || page.contains("Only reachable from the printer&#39;s own console."),
        "{page}"
    );
    assert!(page.contains("High (7.8)"), "current severity: {page}");
    let csrf = hidden_field(&page, "csrf_token");
    let form = |token: &str| {
        vec![
            ("csrf_token".to_owned(), token.to_owned()),
            ("vector".to_owned(), REPORTED.to_owned()),
            (
                "rationale".to_owned(),
                "The console is exposed on the network after all.".to_owned(),
            ),
        ]
    };
    let res = web
        .post(format!("{base}/inbox/demo/reports/1/scores"))
        .form(&form("forged"))
        .send()
        .await
        .expect("post");
    assert_eq!(res.status(), 403, "a wrong CSRF token is refused");
    let res = web
        .post(format!("{base}/inbox/demo/reports/1/scores"))
        .form(&form(&csrf))
        .send()
        .await
        .expect("post");
    assert_eq!(res.status(), 303);
    let page = web
        .get(format!("{base}/inbox/demo/reports/1"))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("body");
    assert!(page.contains("Critical (9.8)"), "rescored back: {page}");
    assert!(page.contains("7.8 → 9.8"), "{page}");
    let bad = vec![
        ("csrf_token".to_owned(), csrf.clone()),
        ("vector".to_owned(), "CVSS:3.1/AV:X".to_owned()),
        ("rationale".to_owned(), "why".to_owned()),
    ];
    let res = web
        .post(format!("{base}/inbox/demo/reports/1/scores"))
        .form(&bad)
        .send()
        .await
        .expect("post");
    assert_eq!(res.status(), 422);
    let page = res.text().await.expect("body");
    assert!(
        page.contains("id=\"vector-error\""),
        "the form names the field: {page}"
    );
    assert!(page.contains("AV:X\">"), "what was typed is kept: {page}");
    assert!(page.contains(">why</textarea>"), "{page}");
    let list = web
        .get(format!("{base}/inbox/demo"))
        .send()
        .await
        .expect("inbox")
        .text()
        .await
        .expect("body");
    assert!(
        list.contains("Critical (9.8)"),
        "the inbox shows the current severity: {list}"
    );

    // The audit log: one event per score, with vector and score but no rationale.
    app.stop().await.expect("graceful stop");
    let store = app.db.store().await;
    let events = store::audit::events(&mut store.read().await.expect("read"), 0, 1000)
        .await
        .expect("audit");
    store.close().await;
    let scored: Vec<_> = events
        .iter()
        .filter(|e| e.action == "score.create")
        .collect();
    assert_eq!(scored.len(), 3);
    assert_eq!(scored[0].subject, format!("report:{id}"));
    assert_eq!(scored[0].data["vector"], LOCAL);
    assert_eq!(scored[0].data["score"], "8.4");
    assert_eq!(scored[2].data["score"], "9.8");
    assert!(
        scored
            .iter()
            .all(|e| !e.data.to_string().contains("console"))
    );
    let (code, out, err) = app.cli(&["admin", "verify-audit"], "").await;
    assert_eq!(code, 0, "{out}{err}");
}
