//! What closing leaves behind: a duplicate links its original (and its reporter is credited
//! on the original's advisory), reopening unlinks; a report assessed as not a vulnerability
//! exports as a public bug text; the report page's workflow form.

use super::*;

on_each_backend!(
    duplicates_link_their_original_and_are_credited_on_its_advisory,
    a_report_that_is_not_a_vulnerability_exports_as_a_public_bug
);
use serde_json::{Value, json};

async fn send(req: reqwest::RequestBuilder) -> (u16, Value) {
    let res = req.send().await.expect("request");
    let status = res.status().as_u16();
    let text = res.text().await.expect("body");
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

async fn submit(http: &reqwest::Client, base: &str, body: Value) -> (String, String, i64) {
    let (status, r) = send(
        http.post(format!("{base}/api/v1/projects/demo/reports"))
            .json(&body),
    )
    .await;
    assert_eq!(status, 201, "{r}");
    (
        r["id"].as_str().expect("id").to_owned(),
        r["token"].as_str().expect("token").to_owned(),
        r["number"].as_i64().expect("number"),
    )
}

async fn move_to(http: &reqwest::Client, base: &str, token: &str, id: &str, body: Value) -> Value {
    let (status, r) = send(
        http.post(format!("{base}/api/v1/reports/{id}/transitions"))
            .bearer_auth(token)
            .json(&body),
    )
    .await;
    assert_eq!(status, 200, "{body} → {r}");
    r
}

async fn duplicates_link_their_original_and_are_credited_on_its_advisory(backend: Backend) {
    let app = TestApp::prepared(backend).await;
    let base = app.url.as_str();
    let http = client();
    let token = app.api_token().await;

    let (original, _, first) = submit(
        &http,
        base,
        sample_report("Path traversal in timelapse downloads"),
    )
    .await;
    let mut dup_body = sample_report("Timelapse download reads config.yaml");
    dup_body["reporter"] = json!({
        "name": "Olu Ade", "email": "olu@example.test", "credit_as": "olu-sec", "credit": "handle"
    });
    let (duplicate, dup_token, second) = submit(&http, base, dup_body).await;
    let mut anon_body = sample_report("Same traversal, third time");
    anon_body["reporter"] =
        json!({ "name": "Quiet", "email": "quiet@example.test", "credit": "anonymous" });
    let (anonymous, _, _) = submit(&http, base, anon_body).await;

    for to in ["acknowledged", "accepted"] {
        move_to(&http, base, &token, &original, json!({ "to": to })).await;
    }
    let closed = move_to(
        &http,
        base,
        &token,
        &duplicate,
        json!({ "to": "closed", "resolution": "duplicate", "duplicate_of": first }),
    )
    .await;
    assert_eq!(closed["duplicate_of"], json!(first), "{closed}");
    move_to(
        &http,
        base,
        &token,
        &anonymous,
        json!({ "to": "closed", "resolution": "duplicate", "duplicate_of": original }),
    )
    .await;

    // The original lists both duplicates for its maintainers, with the credit each chose.
    let (_, a) = send(
        http.get(format!("{base}/api/v1/reports/{original}"))
            .bearer_auth(&token),
    )
    .await;
    assert_eq!(a["duplicate_of"], Value::Null);
    let listed: Vec<(i64, Value)> = a["duplicates"]
        .as_array()
        .expect("duplicates")
        .iter()
        .map(|d| (d["number"].as_i64().expect("number"), d["credit"].clone()))
        .collect();
    assert_eq!(
        listed,
        vec![(second, json!("olu-sec")), (second + 1, Value::Null)],
        "{a}"
    );

    // The duplicate's reporter sees the link, never the original's other duplicates.
    let (_, mine) = send(
        http.get(format!("{base}/api/v1/reports/{duplicate}"))
            .bearer_auth(&dup_token),
    )
    .await;
    assert_eq!(mine["duplicate_of"], json!(first));
    assert!(mine.get("duplicates").is_none(), "{mine}");

    // The advisory drafted from the original credits the duplicate's reporter as a finder,
    // not the reporter who chose anonymity.
    let (status, created) = send(
        http.post(format!("{base}/api/v1/projects/demo/advisories"))
            .bearer_auth(&token)
            .json(&json!({ "report": first })),
    )
    .await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(
        created["advisory"]["credits"],
        json!([
            { "name": "Mara Lind", "contact": [], "kind": "reporter" },
            { "name": "olu-sec", "contact": [], "kind": "finder" }
        ])
    );

    // The maintainers' page shows the links both ways.
    let browser = client();
    sign_in(&browser, base).await;
    let page = browser
        .get(format!("{base}/inbox/demo/reports/{second}"))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("html");
    assert!(
        page.contains(&format!(
            "duplicate of <a href=\"/inbox/demo/reports/{first}\">#{first}</a>"
        )),
        "{page}"
    );
    let page = browser
        .get(format!("{base}/inbox/demo/reports/{first}"))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("html");
    assert!(page.contains("credit as “olu-sec”"), "{page}");

    // Reopening unlinks.
    let reopened = move_to(
        &http,
        base,
        &token,
        &duplicate,
        json!({ "to": "acknowledged" }),
    )
    .await;
    assert_eq!(reopened["duplicate_of"], Value::Null, "{reopened}");
    let (_, a) = send(
        http.get(format!("{base}/api/v1/reports/{original}"))
            .bearer_auth(&token),
    )
    .await;
    assert_eq!(a["duplicates"].as_array().map(Vec::len), Some(1), "{a}");
}

async fn a_report_that_is_not_a_vulnerability_exports_as_a_public_bug(backend: Backend) {
    let app = TestApp::prepared(backend).await;
    let base = app.url.as_str();
    let http = client();
    let token = app.api_token().await;
    let (id, reporter, _) = submit(
        &http,
        base,
        sample_report("Config `readable` <b>by</b> admins"),
    )
    .await;
    let export = |who: &str, body: Value| {
        let req = http
            .post(format!("{base}/api/v1/reports/{id}/public-bug"))
            .bearer_auth(who)
            .json(&body);
        async move {
            let res = req.send().await.expect("export");
            let status = res.status().as_u16();
            let kind = res
                .headers()
                .get("content-type")
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_owned();
            (status, kind, res.text().await.expect("body"))
        }
    };

    // Not closed yet: refused, naming why.
    let (status, _, body) = export(&token, json!({ "assessment": "x" })).await;
    assert_eq!(status, 409, "{body}");
    assert!(body.contains("not_public_bug"), "{body}");

    move_to(
        &http,
        base,
        &token,
        &id,
        json!({ "to": "closed", "resolution": "not_a_vulnerability", "message": "Admins may read it by design." }),
    )
    .await;
    // The reporter's token may not publish; an over-long assessment is named.
    let (status, _, body) = export(&reporter, json!({ "assessment": "x" })).await;
    assert!(status == 401 || status == 403, "{status} {body}");
    let (status, _, body) =
        export(&token, json!({ "assessment": "a".repeat(16 * 1024 + 1) })).await;
    assert_eq!(status, 422, "{body}");
    assert!(body.contains("\"field\":\"assessment\""), "{body}");

    let (status, kind, markdown) = export(
        &token,
        json!({ "assessment": "Only administrators can read the file; that is documented." }),
    )
    .await;
    assert_eq!(status, 200, "{markdown}");
    assert!(kind.starts_with("text/markdown"), "{kind}");
    assert!(
        markdown.starts_with("# Config \\`readable\\` \\<b\\>by\\</b\\> admins\n"),
        "{markdown}"
    );
    assert!(
        markdown.contains("assessed as not a security vulnerability"),
        "{markdown}"
    );
    assert!(
        markdown.contains("```text\nThe timelapse download joins"),
        "{markdown}"
    );
    assert!(markdown.contains("Only administrators can read the file; that is documented."));
    assert!(markdown.contains("Reported by Mara Lind."), "{markdown}");
    assert!(!markdown.contains("mara@example.test"), "{markdown}");

    // Audited, with the size of the assessment rather than its text.
    let store = app.db.store().await;
    let events = store::audit::events(&mut store.read().await.expect("read"), 0, 1000)
        .await
        .expect("audit");
    let exported: Vec<_> = events
        .iter()
        .filter(|e| e.action == "report.export_public_bug")
        .collect();
    assert_eq!(exported.len(), 1);
    assert_eq!(exported[0].subject, format!("report:{id}"));
    assert_eq!(exported[0].data["assessment_bytes"], json!(58));
}

#[tokio::test]
async fn the_report_page_moves_a_report_through_its_workflow() {
    let app = TestApp::prepared(Backend::Sqlite).await;
    let base = app.url.as_str();
    let http = client();
    let (id, _, number) = submit(&http, base, sample_report("Path traversal")).await;
    let browser = client();
    sign_in(&browser, base).await;
    let url = format!("{base}/inbox/demo/reports/{number}");
    let page = browser
        .get(&url)
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("html");
    assert!(page.contains("<option value=\"acknowledged\">"), "{page}");
    assert!(
        !page.contains("<option value=\"disclosed\">"),
        "not offered from received"
    );
    let csrf = hidden_field(&page, "csrf_token");
    let post = |fields: Vec<(&'static str, String)>| {
        let req = browser.post(format!("{url}/transitions")).form(&fields);
        async move {
            let res = req.send().await.expect("post");
            (res.status().as_u16(), res.text().await.expect("body"))
        }
    };

    // Closing without a resolution: refused, naming the field; nothing changes.
    let (status, body) = post(vec![("csrf_token", csrf.clone()), ("to", "closed".into())]).await;
    assert_eq!(status, 422, "{body}");
    assert!(body.contains("resolution"), "{body}");
    let (status, body) = post(vec![
        ("csrf_token", csrf.clone()),
        ("to", "sideways".into()),
    ])
    .await;
    assert_eq!(status, 422, "{body}");
    // Without the CSRF token: refused.
    let (status, _) = post(vec![("to", "acknowledged".into())]).await;
    assert_eq!(status, 403);

    let (status, _) = post(vec![
        ("csrf_token", csrf.clone()),
        ("to", "closed".into()),
        ("resolution", "not_a_vulnerability".into()),
        ("message", "By design.".into()),
    ])
    .await;
    assert_eq!(status, 303, "back to the report page");
    let token = app.api_token().await;
    let (_, r) = send(
        http.get(format!("{base}/api/v1/reports/{id}"))
            .bearer_auth(&token),
    )
    .await;
    assert_eq!(r["state"], "closed");
    assert_eq!(r["resolution"], "not_a_vulnerability");

    // Now the page offers the public bug export, and it renders escaped.
    let page = browser
        .get(&url)
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("html");
    assert!(page.contains("Export as a public bug text"), "{page}");
    let res = browser
        .post(format!("{url}/public-bug"))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("assessment", "<script>x</script>"),
        ])
        .send()
        .await
        .expect("export");
    assert_eq!(res.status(), 200);
    let html = res.text().await.expect("html");
    assert!(html.contains("&lt;script&gt;x&lt;"), "{html}");
    assert!(!html.contains("<script>x"), "{html}");
}
