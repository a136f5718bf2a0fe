//! The job worker in-process: one round of it, against each backend.

use super::*;
use embargo::{AppState, config::Config, jobs};
use std::sync::Arc;
use store::jobs::JobStatus;

async fn context(db: &TestDb) -> (store::Db, jobs::Context) {
    let store = db.store().await;
    let config = Config {
        secret: "a-test-secret-of-more-than-thirty-two-characters".into(),
        database_url: db.url.clone(),
        ..Config::default()
    };
    let state = AppState::new(
        store.clone(),
        Arc::new(domain::clock::SystemClock),
        config,
        "http://127.0.0.1:8080".into(),
    )
    .expect("state");
    (store, jobs::Context::new(state).expect("worker context"))
}

#[tokio::test]
async fn a_job_of_an_unknown_kind_is_marked_failed_not_run_or_left_queued() {
    for backend in Backend::all() {
        let db = TestDb::new(backend).await;
        let (store, ctx) = context(&db).await;
        let now = jiff::Timestamp::now();
        let job = store::NewJob {
            id: uuid::Uuid::now_v7(),
            kind: "no_such_kind".into(),
            payload: serde_json::json!({ "anything": 1 }),
            run_at: now,
            max_attempts: 5,
            created_at: now,
        };
        let mut tx = store.begin().await.expect("begin");
        store::jobs::enqueue(&mut tx, &job).await.expect("enqueue");
        tx.commit().await.expect("commit");

        assert!(
            jobs::run_next(&ctx).await.expect("run"),
            "{backend:?}: leased"
        );
        let (status, error) = store::jobs::status(&mut store.read().await.expect("read"), job.id)
            .await
            .expect("status")
            .expect("the job");
        assert_eq!(status, JobStatus::Failed, "{backend:?}");
        assert_eq!(error.as_deref(), Some("unknown job kind \"no_such_kind\""));
        assert!(
            !jobs::run_next(&ctx).await.expect("run"),
            "{backend:?}: nothing left to run"
        );
        store.close().await;
    }
}

#[tokio::test]
async fn a_job_whose_payload_does_not_read_is_marked_failed() {
    for backend in Backend::all() {
        let db = TestDb::new(backend).await;
        let (store, ctx) = context(&db).await;
        let now = jiff::Timestamp::now();
        let job = store::NewJob {
            id: uuid::Uuid::now_v7(),
            kind: <store::triage::TriageReport as store::jobs::Payload>::KIND.into(),
            payload: serde_json::json!({ "report": "not an id" }),
            run_at: now,
            max_attempts: 5,
            created_at: now,
        };
        let mut tx = store.begin().await.expect("begin");
        store::jobs::enqueue(&mut tx, &job).await.expect("enqueue");
        tx.commit().await.expect("commit");

        assert!(jobs::run_next(&ctx).await.expect("run"));
        let (status, error) = store::jobs::status(&mut store.read().await.expect("read"), job.id)
            .await
            .expect("status")
            .expect("the job");
        assert_eq!(status, JobStatus::Failed, "{backend:?}");
        assert!(
            error
                .as_deref()
                .is_some_and(|e| e.starts_with("unreadable payload")),
            "{error:?}"
        );
        store.close().await;
    }
}
