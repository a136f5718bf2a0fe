//! The audit log's own integrity check, `embargo admin verify-audit`, against tampering
//! done behind Embargo's back.

use super::*;

on_each_backend!(verify_audit_notices_events_deleted_at_the_end_of_the_log);

async fn verify_audit_notices_events_deleted_at_the_end_of_the_log(backend: Backend) {
    let app = TestApp::prepared(backend).await;
    let http = client();
    for title in ["one", "two", "three"] {
        let res = http
            .post(format!("{}/api/v1/projects/demo/reports", app.url))
            .json(&sample_report(title))
            .send()
            .await
            .expect("post");
        assert_eq!(res.status(), 201);
    }
    let (code, out, err) = app.cli(&["admin", "verify-audit"], "").await;
    assert_eq!(code, 0, "{out}{err}");

    // The newest event goes; every event left still chains to the one before it.
    let store = app.db.store().await;
    let deleted =
        sqlx::query("DELETE FROM audit_events WHERE seq = (SELECT MAX(seq) FROM audit_events)")
            .execute(store.pool())
            .await
            .expect("delete the last event");
    assert_eq!(deleted.rows_affected(), 1);
    store.close().await;
    let (code, out, err) = app.cli(&["admin", "verify-audit"], "").await;
    assert_eq!(code, 1, "{out}{err}");
    assert!(
        err.contains("broken at its end") && err.contains("events deleted"),
        "{err}"
    );
}
