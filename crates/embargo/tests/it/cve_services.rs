//! The CVE Services client against a local stub of the documented endpoints, directly and
//! through the server (reserve an id, publish the record, update it). The key never shows
//! in errors or logs.

use super::*;
use axum::{
    Json, Router,
    extract::{Path, Query, State},
    http::{HeaderMap, StatusCode},
    routing::post,
};
use embargo::services::cve_services::{CveServices, CveServicesError};
use serde_json::{Value, json};
use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
};

const KEY: &str = "stub-secret-key-0123456789";

/// One request the stub received: method, path, query and body.
#[derive(Debug, Clone)]
struct Seen {
    method: String,
    path: String,
    query: HashMap<String, String>,
    body: Value,
}

type Log = Arc<Mutex<Vec<Seen>>>;

fn authorised(headers: &HeaderMap) -> bool {
    let h = |n: &str| headers.get(n).and_then(|v| v.to_str().ok()).unwrap_or("");
    h("CVE-API-ORG") == "printdesk"
        && h("CVE-API-USER") == "ada@printdesk.example"
        && h("CVE-API-KEY") == KEY
}

fn refused() -> (StatusCode, Json<Value>) {
    (
        StatusCode::UNAUTHORIZED,
        Json(json!({ "error": "UNAUTHORIZED", "message": "Unauthorized" })),
    )
}

async fn reserve(
    State(log): State<Log>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> (StatusCode, Json<Value>) {
    if !authorised(&headers) {
        return refused();
    }
    let year = query.get("cve_year").cloned().unwrap_or_default();
    if let Ok(mut l) = log.lock() {
        l.push(Seen {
            method: "POST".into(),
            path: "/api/cve-id".into(),
            query,
            body: Value::Null,
        });
    }
    (
        StatusCode::OK,
        Json(
            json!({ "cve_ids": [{ "cve_id": format!("CVE-{year}-424242"), "cve_year": year, "state": "RESERVED", "owning_cna": "printdesk" }] }),
        ),
    )
}

async fn container(
    State(log): State<Log>,
    method: axum::http::Method,
    headers: HeaderMap,
    Path(id): Path<String>,
    Json(body): Json<Value>,
) -> (StatusCode, Json<Value>) {
    if !authorised(&headers) {
        return refused();
    }
    if body.get("cnaContainer").is_none() {
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({ "error": "BAD_INPUT", "message": "no cnaContainer" })),
        );
    }
    if let Ok(mut l) = log.lock() {
        l.push(Seen {
            method: method.to_string(),
            path: format!("/api/cve/{id}/cna"),
            query: HashMap::new(),
            body,
        });
    }
    (
        StatusCode::OK,
        Json(json!({ "message": format!("{id} record saved") })),
    )
}

/// Starts the stub on port 0; returns its base URL (up to `/api`) and its request log.
async fn stub() -> (String, Log) {
    let log: Log = Arc::default();
    let app = Router::new()
        .route("/api/cve-id", post(reserve))
        .route("/api/cve/{id}/cna", post(container).put(container))
        .with_state(log.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (format!("http://{addr}/api"), log)
}

fn config(url: &str, key: &str) -> embargo::config::Cve {
    embargo::config::Cve {
        api_url: url.to_owned(),
        org_short_name: "printdesk".into(),
        org_id: String::new(),
        api_user: "ada@printdesk.example".into(),
        api_key: key.into(),
        cna_projects: vec!["demo".into()],
    }
}

#[tokio::test]
async fn the_client_speaks_the_documented_endpoints_and_keeps_the_key_out_of_errors() {
    let (url, log) = stub().await;
    let client = CveServices::from_config(&config(&url, KEY))
        .expect("client")
        .expect("configured");
    let id = client.reserve(2026).await.expect("reserve");
    assert_eq!(id, "CVE-2026-424242");
    let cna = json!({ "providerMetadata": { "orgId": "00000000-0000-4000-8000-000000000000" } });
    client.publish(&id, &cna).await.expect("publish");
    client.update(&id, &cna).await.expect("update");
    let seen = log.lock().expect("log").clone();
    assert_eq!(seen.len(), 3);
    assert_eq!(seen[0].query.get("amount").map(String::as_str), Some("1"));
    assert_eq!(
        seen[0].query.get("cve_year").map(String::as_str),
        Some("2026")
    );
    assert_eq!(
        seen[0].query.get("short_name").map(String::as_str),
        Some("printdesk")
    );
    assert_eq!(
        (seen[1].method.as_str(), seen[1].path.as_str()),
        ("POST", "/api/cve/CVE-2026-424242/cna")
    );
    assert_eq!(
        (seen[2].method.as_str(), seen[2].path.as_str()),
        ("PUT", "/api/cve/CVE-2026-424242/cna")
    );
    assert_eq!(seen[1].body["cnaContainer"], cna);

    let wrong = CveServices::from_config(&config(&url, "wrong-key-987654321"))
        .expect("client")
        .expect("configured");
    let err = wrong.reserve(2026).await.expect_err("refused");
    assert!(
        matches!(err, CveServicesError::Refused { status: 401, .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("Unauthorized"), "{err}");
    assert!(!err.to_string().contains("wrong-key"), "{err}");
    assert!(
        !format!("{wrong:?}").contains("wrong-key"),
        "Debug hides the key"
    );
    assert!(
        CveServices::from_config(&config(&url, ""))
            .expect("no key")
            .is_none()
    );
}

#[tokio::test]
async fn a_cna_project_reserves_publishes_and_updates_its_cve_record_through_the_server() {
    let (url, log) = stub().await;
    let db = prepared(Backend::Sqlite).await;
    let dir = TempDir::new();
    let config_file = dir.0.join("embargo.toml");
    std::fs::write(
        &config_file,
        format!(
            "[cve]\napi_url = \"{url}\"\norg_short_name = \"printdesk\"\napi_user = \"ada@printdesk.example\"\ncna_projects = [\"demo\"]\n"
        ),
    )
    .expect("write config");
    let options = ServerOptions {
        env: vec![
            ("EMBARGO_CONFIG".into(), config_file.display().to_string()),
            ("EMBARGO_CVE_API_KEY".into(), KEY.into()),
        ],
        ..ServerOptions::default()
    };
    let server = Server::start(&db, &options);
    let base = server.url.as_str();
    let http = client();
    let token = api_token(&db);
    let created: Value = http
        .post(format!("{base}/api/v1/projects/demo/advisories"))
        .bearer_auth(&token)
        .json(&json!({ "advisory": {
            "summary": "Timelapse download reads any file",
            "details": "The download handler joins the name without normalising it.",
            "references": [{ "kind": "FIX", "url": "https://printdesk.example/fix" }],
            "affected": [{ "package": { "ecosystem": "PyPI", "name": "printdesk" },
                "ranges": [{ "kind": "ECOSYSTEM", "events": [{ "introduced": "0" }, { "fixed": "1.11.3" }] }] }]
        } }))
        .send()
        .await
        .expect("create")
        .json()
        .await
        .expect("json");
    let id = created["id"].as_str().expect("id").to_owned();
    let act = |path: &str| {
        http.post(format!("{base}/api/v1/advisories/{id}/{path}"))
            .bearer_auth(&token)
    };

    let res = act("cve/reserve").send().await.expect("reserve");
    assert_eq!(res.status(), 200);
    let reserved: Value = res.json().await.expect("json");
    let cve = format!(
        "CVE-{}-424242",
        jiff::Timestamp::now()
            .to_zoned(jiff::tz::TimeZone::UTC)
            .year()
    );
    assert_eq!(reserved["advisory"]["aliases"], json!([cve]));
    let res = act("cve/submit").send().await.expect("submit");
    assert_eq!(res.status(), 409, "a draft's record is not sent");
    let res = act("publish").send().await.expect("publish");
    assert_eq!(res.status(), 200);
    for _ in 0..2 {
        let res = act("cve/submit").send().await.expect("submit");
        assert_eq!(res.status(), 200, "{:?}", res.text().await);
    }
    let seen = log.lock().expect("log").clone();
    let calls: Vec<(String, String)> = seen
        .iter()
        .map(|s| (s.method.clone(), s.path.clone()))
        .collect();
    assert_eq!(
        calls,
        [
            ("POST".to_owned(), "/api/cve-id".to_owned()),
            ("POST".to_owned(), format!("/api/cve/{cve}/cna")),
            ("PUT".to_owned(), format!("/api/cve/{cve}/cna")),
        ]
    );
    let container = &seen[1].body["cnaContainer"];
    assert!(
        advisory::validate_cve_cna(container).is_empty(),
        "{container}"
    );
    assert!(!server.logs().contains(KEY), "the key is never logged");
    server.stop();
}
