//! The OpenAPI document is generated from the handlers; this snapshot makes every change to
//! the API contract visible in review. Refresh with `UPDATE_SNAPSHOTS=1`.

use super::*;

const SNAPSHOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/openapi.json");

#[tokio::test]
async fn the_served_openapi_document_matches_the_snapshot() {
    let app = TestApp::start(Backend::Sqlite, Options::default()).await;
    let served: serde_json::Value = client()
        .get(format!("{}/api/v1/openapi.json", app.url))
        .send()
        .await
        .expect("get")
        .json()
        .await
        .expect("json");
    let pretty = serde_json::to_string_pretty(&served).expect("serialise") + "\n";
    if std::env::var("UPDATE_SNAPSHOTS").is_ok_and(|v| v == "1") {
        std::fs::write(SNAPSHOT, &pretty).expect("write snapshot");
    }
    let expected =
        std::fs::read_to_string(SNAPSHOT).expect("snapshot exists (run with UPDATE_SNAPSHOTS=1)");
    assert_eq!(
        pretty, expected,
        "the API contract changed: review and run with UPDATE_SNAPSHOTS=1"
    );
    for path in ["/api/v1/projects/{slug}/reports", "/api/v1/reports/{id}"] {
        assert!(served["paths"].get(path).is_some(), "{path} documented");
    }
}
