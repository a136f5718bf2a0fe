//! Bad input gets a clear error naming the field and leaves no partial report behind.

use super::*;

async fn post_raw(
    http: &reqwest::Client,
    url: &str,
    content_type: &str,
    body: Vec<u8>,
) -> (u16, serde_json::Value) {
    let res = http
        .post(url)
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .expect("post");
    let status = res.status().as_u16();
    let json = res.json().await.unwrap_or(serde_json::Value::Null);
    (status, json)
}

/// Announces a 2 MiB body with `Expect: 100-continue` and returns the raw response.
async fn oversized_post(base: &str, path: &str, content_type: &str) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let addr = base.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: {content_type}\r\n\
         Content-Length: {}\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n",
        2 * 1024 * 1024
    );
    stream.write_all(head.as_bytes()).await.expect("send head");
    let mut response = Vec::new();
    stream
        .read_to_end(&mut response)
        .await
        .expect("read response");
    String::from_utf8_lossy(&response).into_owned()
}

#[tokio::test]
async fn api_errors_name_the_field_and_store_nothing() {
    let app = TestApp::prepared(Backend::Sqlite).await;
    let url = format!("{}/api/v1/projects/demo/reports", app.url);
    let http = client();
    let json = "application/json";

    let mut missing = sample_report("x");
    missing.as_object_mut().expect("object").remove("title");
    let (status, body) = post_raw(
        &http,
        &url,
        json,
        serde_json::to_vec(&missing).expect("json"),
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(body["error"]["field"], "title");
    assert_eq!(body["error"]["code"], "invalid");

    let mut bad_email = sample_report("x");
    bad_email["reporter"]["email"] = serde_json::json!("not an address");
    let (status, body) = post_raw(
        &http,
        &url,
        json,
        serde_json::to_vec(&bad_email).expect("json"),
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(body["error"]["field"], "reporter.email");

    let mut unknown = sample_report("x");
    unknown["severity"] = serde_json::json!("critical");
    let (status, body) = post_raw(
        &http,
        &url,
        json,
        serde_json::to_vec(&unknown).expect("json"),
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(body["error"]["field"], "severity");

    let mut wrong_type = sample_report("x");
    wrong_type["reporter"]["name"] = serde_json::json!(42);
    let (status, body) = post_raw(
        &http,
        &url,
        json,
        serde_json::to_vec(&wrong_type).expect("json"),
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(body["error"]["field"], "reporter.name");

    let (status, body) = post_raw(&http, &url, json, b"{\"title\": ".to_vec()).await;
    assert_eq!(status, 400);
    assert_eq!(body["error"]["code"], "invalid_json");

    let (status, _) = post_raw(
        &http,
        &url,
        json,
        b"{\"title\": \"\xff\xfe\", \"description\": \"d\"}".to_vec(),
    )
    .await;
    assert_eq!(status, 400, "invalid UTF-8");

    let (status, _) = post_raw(
        &http,
        &url,
        "text/plain",
        serde_json::to_vec(&sample_report("x")).expect("json"),
    )
    .await;
    assert_eq!(status, 415);

    // Over the limit: refused before the body is sent (the client waits for 100-continue).
    let response = oversized_post(
        &app.url,
        "/api/v1/projects/demo/reports",
        "application/json",
    )
    .await;
    assert!(response.starts_with("HTTP/1.1 413"), "{response}");
    assert!(response.contains("\"code\":\"too_large\""), "{response}");
    let response = oversized_post(
        &app.url,
        "/p/demo/report",
        "application/x-www-form-urlencoded",
    )
    .await;
    assert!(response.starts_with("HTTP/1.1 413"), "{response}");

    let mut long = sample_report("x");
    long["description"] = serde_json::json!("A".repeat(100_001));
    let (status, body) =
        post_raw(&http, &url, json, serde_json::to_vec(&long).expect("json")).await;
    assert_eq!(status, 422, "over the field limit but under the body limit");
    assert_eq!(body["error"]["field"], "description");

    let (status, body) = post_raw(
        &http,
        &format!("{}/api/v1/projects/nope/reports", app.url),
        json,
        serde_json::to_vec(&sample_report("x")).expect("json"),
    )
    .await;
    assert_eq!(status, 404);
    assert_eq!(body["error"]["code"], "not_found");

    // The same key with another body is refused, not silently replayed.
    let ok = http
        .post(&url)
        .header("Idempotency-Key", "k1")
        .json(&sample_report("one"))
        .send()
        .await
        .expect("post");
    assert_eq!(ok.status(), 201);
    let reused = http
        .post(&url)
        .header("Idempotency-Key", "k1")
        .json(&sample_report("two"))
        .send()
        .await
        .expect("post");
    assert_eq!(reused.status(), 409);
    let body: serde_json::Value = reused.json().await.expect("json");
    assert_eq!(body["error"]["code"], "idempotency_key_reused");

    let page: serde_json::Value = http
        .get(format!("{}/api/v1/projects/demo/reports", app.url))
        .bearer_auth(app.api_token().await)
        .send()
        .await
        .expect("list")
        .json()
        .await
        .expect("json");
    let list = page["items"].as_array().expect("a page of items").clone();
    assert_eq!(list.len(), 1, "only the one valid report was stored");
    let unknown_path = http
        .get(format!("{}/api/v1/nothing", app.url))
        .send()
        .await
        .expect("get");
    assert_eq!(unknown_path.status(), 404);
    let body: serde_json::Value = unknown_path.json().await.expect("json envelope");
    assert_eq!(body["error"]["code"], "not_found");
}

#[tokio::test]
async fn an_invalid_form_comes_back_with_the_values_kept() {
    let app = TestApp::prepared(Backend::Sqlite).await;
    let http = client();
    let html = http
        .get(format!("{}/p/demo/report", app.url))
        .send()
        .await
        .expect("form")
        .text()
        .await
        .expect("html");
    let csrf = hidden_field(&html, "csrf_token");
    let res = http
        .post(format!("{}/p/demo/report", app.url))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("title", ""),
            ("description", "Kept <b>verbatim</b> & escaped"),
            ("reporter_email", "nope"),
        ])
        .send()
        .await
        .expect("post");
    assert_eq!(res.status(), 422);
    let page = res.text().await.expect("html");
    assert!(page.contains("id=\"title-error\""), "title named");
    assert!(page.contains("id=\"reporter.email-error\""), "e-mail named");
    assert!(
        page.contains("Kept &lt;b&gt;verbatim&lt;&#x2f;b&gt; &amp; escaped"),
        "value kept and escaped"
    );
    assert!(page.contains("value=\"nope\""));
    let (code, out, _) = app
        .cli(
            &["admin", "create-token", "--email", "admin@example.test"],
            "",
        )
        .await;
    assert_eq!(code, 0);
    let page: serde_json::Value = http
        .get(format!("{}/api/v1/projects/demo/reports", app.url))
        .bearer_auth(out.trim())
        .send()
        .await
        .expect("list")
        .json()
        .await
        .expect("json");
    let list = page["items"].as_array().expect("a page of items").clone();
    assert!(list.is_empty());
    let unknown = http
        .get(format!("{}/p/nope/report", app.url))
        .send()
        .await
        .expect("get");
    assert_eq!(unknown.status(), 404);
}

#[tokio::test]
async fn cli_errors_name_the_field_or_the_line() {
    let db = TestDb::new(Backend::Sqlite).await;
    let (code, _, err) = cli(
        &db,
        &[
            "admin",
            "create-user",
            "--email",
            "a@example.test",
            "--name",
            "A",
            "--password-stdin",
        ],
        "short\n",
    );
    assert_eq!(code, 1);
    assert!(
        err.contains("password: must be at least 12 characters"),
        "{err}"
    );

    let dir = TempDir::new();
    let policy = dir.0.join("policy.toml");
    std::fs::write(
        &policy,
        "contacts = [\"mailto:s@example.test\"]\n\n[targets]\nacknowledge_dayz = 3\n",
    )
    .expect("write");
    let (code, _, err) = cli(
        &db,
        &[
            "project",
            "create",
            "--slug",
            "p",
            "--name",
            "P",
            "--contact",
            "mailto:s@example.test",
            "--policy",
            policy.to_str().expect("utf-8"),
        ],
        "",
    );
    assert_eq!(code, 1);
    assert!(
        err.contains("policy.toml") && err.contains("line 4"),
        "{err}"
    );
    let (code, _, err) = cli(
        &db,
        &[
            "project",
            "create",
            "--slug",
            "Bad Slug",
            "--name",
            "P",
            "--contact",
            "mailto:s@example.test",
        ],
        "",
    );
    assert_eq!(code, 1);
    assert!(err.contains("slug"), "{err}");
    let (code, _, _) = cli(&db, &["project", "create", "--slug", "p"], "");
    assert_eq!(code, 2, "usage error");
}

#[tokio::test]
async fn every_json_endpoint_answers_a_bad_body_with_the_error_envelope() {
    let db = prepared(Backend::Sqlite).await;
    let server = Server::start(&db, &ServerOptions::default());
    let http = client();
    let token = api_token(&db);
    let created: serde_json::Value = http
        .post(format!("{}/api/v1/projects/demo/reports", server.url))
        .json(&sample_report("envelope"))
        .send()
        .await
        .expect("submit")
        .json()
        .await
        .expect("json");
    let id = created["id"].as_str().expect("id");
    let send = |path: String, content_type: &'static str, body: &'static [u8]| {
        http.post(format!("{}{path}", server.url))
            .bearer_auth(&token)
            .header("content-type", content_type)
            .body(body)
            .send()
    };
    for path in [
        format!("/api/v1/reports/{id}/transitions"),
        format!("/api/v1/reports/{id}/messages"),
        format!("/api/v1/reports/{id}/scores"),
        "/api/v1/projects/demo/mail-filters".to_owned(),
        "/api/v1/projects/demo/advisories".to_owned(),
        "/api/v1/query".to_owned(),
    ] {
        let res = send(path.clone(), "application/json", b"{\"to\": ")
            .await
            .expect("post");
        assert_eq!(res.status(), 400, "{path}");
        let body: serde_json::Value = res.json().await.expect("envelope");
        assert_eq!(body["error"]["code"], "invalid_json", "{path}: {body}");
        let message = body["error"]["message"].as_str().expect("message");
        assert!(
            message.contains("EOF"),
            "{path}: names the problem: {message}"
        );

        let res = send(path.clone(), "text/plain", b"{}").await.expect("post");
        assert_eq!(res.status(), 415, "{path}");
        let body: serde_json::Value = res.json().await.expect("envelope");
        assert_eq!(body["error"]["code"], "unsupported_media_type", "{path}");

        let res = send(path.clone(), "application/json", b"{\"no_such_field\": 1}")
            .await
            .expect("post");
        assert_eq!(res.status(), 422, "{path}");
        let body: serde_json::Value = res.json().await.expect("envelope");
        assert_eq!(body["error"]["code"], "invalid", "{path}: {body}");
        assert!(body["error"]["field"].is_string(), "{path}: {body}");
    }
}
