//! A report is assigned to one of its project's maintainers or triagers (API and report
//! page), the inbox and the reports API filter on it ("me", "none", an address), and each
//! change is audited. Assigning to someone outside the project is refused naming the field.

use super::*;

on_each_backend!(reports_are_assigned_and_the_list_filters_on_it);

async fn reports_are_assigned_and_the_list_filters_on_it(backend: Backend) {
    let app = TestApp::prepared(backend).await;
    for (email, name, role) in [
        ("tri@example.test", "Tia Triager", Some("triager")),
        ("out@example.test", "Otto Outsider", None),
    ] {
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
        if let Some(role) = role {
            let (code, _, err) = app
                .cli(
                    &[
                        "project", "member", "--slug", "demo", "--email", email, "--role", role,
                    ],
                    "",
                )
                .await;
            assert_eq!(code, 0, "{err}");
        }
    }
    let (code, tri_token, err) = app
        .cli(
            &["admin", "create-token", "--email", "tri@example.test"],
            "",
        )
        .await;
    assert_eq!(code, 0, "{err}");
    let tri_token = tri_token.trim().to_owned();
    let admin = app.api_token().await;
    let base = app.url.as_str();
    let http = client();
    let mut ids = Vec::new();
    for title in ["First", "Second", "Third"] {
        let r: serde_json::Value = http
            .post(format!("{base}/api/v1/projects/demo/reports"))
            .json(&sample_report(title))
            .send()
            .await
            .expect("submit")
            .json()
            .await
            .expect("json");
        ids.push(r["id"].as_str().expect("id").to_owned());
    }
    let assign = async |id: &str, body: serde_json::Value| {
        let res = http
            .put(format!("{base}/api/v1/reports/{id}/assignee"))
            .bearer_auth(&admin)
            .json(&body)
            .send()
            .await
            .expect("assign");
        let status = res.status().as_u16();
        (status, res.json::<serde_json::Value>().await.expect("json"))
    };
    let list = async |token: &str, query: &str| -> (u16, serde_json::Value) {
        let res = http
            .get(format!("{base}/api/v1/projects/demo/reports{query}"))
            .bearer_auth(token)
            .send()
            .await
            .expect("list");
        let status = res.status().as_u16();
        (status, res.json().await.expect("json"))
    };
    let numbers = |page: &serde_json::Value| -> Vec<i64> {
        page["items"]
            .as_array()
            .unwrap_or_else(|| panic!("items: {page}"))
            .iter()
            .map(|r| r["number"].as_i64().expect("number"))
            .collect()
    };

    let (status, body) = assign(
        &ids[0],
        serde_json::json!({ "assignee": "TRI@example.test" }),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["assignee"], "tri@example.test");
    for outsider in ["out@example.test", "nobody@example.test"] {
        let (status, body) = assign(&ids[1], serde_json::json!({ "assignee": outsider })).await;
        assert_eq!(status, 422, "{body}");
        assert_eq!(body["error"]["field"], "assignee", "{body}");
    }

    let (_, page) = list(&admin, "?assigned=tri@example.test").await;
    assert_eq!(numbers(&page), [1]);
    let (_, page) = list(&admin, "?assigned=none").await;
    assert_eq!(numbers(&page), [3, 2]);
    let (_, page) = list(&tri_token, "?assigned=me").await;
    assert_eq!(numbers(&page), [1]);
    let (_, page) = list(&admin, "?assigned=me").await;
    assert_eq!(numbers(&page), Vec::<i64>::new(), "nothing is the admin's");
    let (status, body) = list(&admin, "?assigned=out@example.test").await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["error"]["field"], "assigned");

    // The report page's form: assign the third to the triager, then the first to nobody.
    let web = client();
    sign_in(&web, base).await;
    let page = web
        .get(format!("{base}/inbox/demo/reports/3"))
        .send()
        .await
        .expect("report page")
        .text()
        .await
        .expect("html");
    assert!(page.contains("<dt>Assigned to</dt>"), "{page}");
    assert!(
        page.contains("<option value=\"tri@example.test\">Tia Triager</option>"),
        "{page}"
    );
    let csrf = hidden_field(&page, "csrf_token");
    for (number, assignee) in [(3, "tri@example.test"), (1, "")] {
        let res = web
            .post(format!("{base}/inbox/demo/reports/{number}/assignee"))
            .form(&[("csrf_token", csrf.as_str()), ("assignee", assignee)])
            .send()
            .await
            .expect("assign form");
        assert_eq!(res.status(), 303);
    }
    let (_, page) = list(&tri_token, "?assigned=me").await;
    assert_eq!(numbers(&page), [3]);
    let inbox = web
        .get(format!("{base}/inbox/demo?assigned=none"))
        .send()
        .await
        .expect("inbox")
        .text()
        .await
        .expect("html");
    assert!(
        inbox.contains(">Second</a>") && inbox.contains(">First</a>"),
        "{inbox}"
    );
    assert!(!inbox.contains(">Third</a>"), "{inbox}");
    let mine = web
        .get(format!("{base}/inbox/demo?assigned=tri%40example.test"))
        .send()
        .await
        .expect("inbox")
        .text()
        .await
        .expect("html");
    assert!(
        mine.contains("<td class=\"assignee\">Tia Triager</td>"),
        "{mine}"
    );

    // Every change is in the audit log: one by the API, two by the form.
    let audit: serde_json::Value = http
        .get(format!("{base}/api/v1/audit?limit=500"))
        .bearer_auth(&admin)
        .send()
        .await
        .expect("audit")
        .json()
        .await
        .expect("json");
    let assigned = audit["items"]
        .as_array()
        .unwrap_or_else(|| panic!("{audit}"))
        .iter()
        .filter(|e| e["action"] == "report.assign")
        .count();
    assert_eq!(assigned, 3, "one API change and two form changes: {audit}");
}
