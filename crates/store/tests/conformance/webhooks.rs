//! Webhooks in the store: endpoints and the secret's nonce, one delivery and job per
//! subscribed endpoint queued with the change itself, the attempt log, leases renewed only
//! by their holder, and the report milestones of the dashboard.

use super::jobs::{lease, renew};
use super::*;
use domain::{audit::NewAuditEvent, report::State, webhook::EventKind};
use jiff::SignedDuration;
use store::{
    DeliveryStatus, StateChange, WebhookAttempt, WebhookEndpoint,
    jobs::Payload,
    webhooks::{self, DeliverWebhook},
};

fn event(action: &str, t: Timestamp) -> NewAuditEvent {
    NewAuditEvent {
        at: t,
        actor: "system".into(),
        action: action.into(),
        subject: "project:test".into(),
        data: serde_json::json!({}),
    }
}

/// Adds an endpoint as the service does; whether it set the project's nonce.
async fn create(store: &Db, endpoint: &WebhookEndpoint, nonce: &str) -> bool {
    let mut tx = store.begin().await.expect("begin");
    let created = webhooks::init_nonce(&mut tx, endpoint.project_id, nonce, endpoint.created_at)
        .await
        .expect("nonce");
    webhooks::insert(&mut tx, endpoint).await.expect("insert");
    tx.commit().await.expect("commit");
    created
}

async fn read(store: &Db) -> store::Read {
    store.read().await.expect("read")
}

async fn record_attempt(
    store: &Db,
    delivery: uuid::Uuid,
    attempt: &WebhookAttempt,
    status: DeliveryStatus,
) {
    let mut tx = store.begin().await.expect("begin");
    webhooks::record_attempt(&mut tx, delivery, attempt, status)
        .await
        .expect("log");
    tx.commit().await.expect("commit");
}

async fn delete(store: &Db, project: ProjectId, id: uuid::Uuid) -> store::Result<()> {
    let mut tx = store.begin().await.expect("begin");
    webhooks::delete(&mut tx, project, id).await?;
    tx.commit().await.expect("commit");
    Ok(())
}

fn endpoint(project: &Project, url: &str, events: Vec<EventKind>) -> WebhookEndpoint {
    WebhookEndpoint {
        id: uuid::Uuid::now_v7(),
        project_id: project.id,
        url: url.into(),
        events,
        created_by: None,
        created_at: at(0),
    }
}

#[tokio::test]
async fn events_are_queued_per_subscribed_endpoint_with_the_change() {
    each_backend(|store| async move {
        let p = project(&store, "demo").await;
        let other = project(&store, "other").await;
        let received = endpoint(&p, "https://a.example/h", vec![EventKind::ReportReceived]);
        let moved = endpoint(
            &p,
            "https://b.example/h",
            vec![EventKind::ReportTransitioned],
        );
        assert!(create(&store, &received, "n1").await);
        assert!(
            !create(&store, &moved, "n2").await,
            "the first endpoint set the nonce"
        );
        assert_eq!(
            webhooks::nonce(&mut *read(&store).await, p.id)
                .await
                .expect("nonce")
                .map(|n| n.0),
            Some("n1".into())
        );
        assert_eq!(
            webhooks::nonce(&mut *read(&store).await, other.id)
                .await
                .expect("nonce"),
            None
        );
        let listed = webhooks::of_project(&mut *read(&store).await, p.id)
            .await
            .expect("list");
        assert_eq!(listed, vec![received.clone(), moved.clone()]);

        // A report in another project queues nothing; one here queues one delivery.
        insert(&store, &other, &new_report("Elsewhere", None), "t0", at(1)).await;
        let (id, number) = insert(&store, &p, &new_report("Secret title", None), "t1", at(1)).await;
        let kinds = [DeliverWebhook::KIND];
        let lease_for = SignedDuration::from_secs(60);
        let job = lease(&store, &kinds, "w", at(2), lease_for)
            .await
            .expect("a job");
        assert_eq!(job.max_attempts, DeliverWebhook::MAX_ATTEMPTS);
        assert_eq!(
            lease(&store, &kinds, "w2", at(2), lease_for).await,
            None,
            "one job only"
        );
        let delivery_id: uuid::Uuid = job.payload["delivery_id"]
            .as_str()
            .expect("id")
            .parse()
            .expect("uuid");
        let delivery = webhooks::delivery(&mut *read(&store).await, delivery_id)
            .await
            .expect("get")
            .expect("found");
        assert_eq!(delivery.endpoint_id, received.id);
        assert_eq!(delivery.url, "https://a.example/h");
        assert_eq!(delivery.event, "report.received");
        assert_eq!(delivery.status, DeliveryStatus::Pending);
        let body: serde_json::Value = serde_json::from_str(&delivery.body).expect("json");
        assert_eq!(body["id"], serde_json::json!(delivery_id.to_string()));
        assert_eq!(body["project"], "demo");
        assert_eq!(body["data"]["report"]["number"], number);
        assert!(!delivery.body.contains("Secret title"));

        // Only the holder renews its lease.
        assert!(renew(&store, &job, at(100)).await);
        let mut stranger = job.clone();
        stranger.lease_owner = "someone-else".into();
        assert!(!renew(&store, &stranger, at(100)).await);
        assert_eq!(
            lease(&store, &kinds, "w2", at(90), lease_for).await,
            None,
            "renewed to 100"
        );

        // Attempts are logged, newest delivery first.
        let failed = WebhookAttempt {
            attempt: 1,
            at: at(3),
            status_code: Some(500),
            duration_ms: 12,
            error: Some("HTTP 500".into()),
        };
        record_attempt(&store, delivery_id, &failed, DeliveryStatus::Pending).await;
        let ok = WebhookAttempt {
            attempt: 2,
            at: at(4),
            status_code: Some(204),
            duration_ms: 3,
            error: None,
        };
        record_attempt(&store, delivery_id, &ok, DeliveryStatus::Delivered).await;
        assert!(super::jobs::complete(&store, &job, at(4)).await);
        assert!(
            !renew(&store, &job, at(200)).await,
            "a finished job has no lease"
        );
        let log = webhooks::deliveries(&mut *read(&store).await, received.id, 10)
            .await
            .expect("log");
        assert_eq!(log.len(), 1);
        assert_eq!(log[0].status, DeliveryStatus::Delivered);
        assert_eq!(log[0].attempts, 2);
        assert_eq!(log[0].finished_at, Some(at(4)));
        assert_eq!(log[0].log, vec![failed, ok]);

        // A transition queues for the other endpoint, and records the milestones.
        for (from, to, t) in [
            (State::Received, State::Acknowledged, at(10)),
            (State::Acknowledged, State::Accepted, at(20)),
            (State::Accepted, State::Fixing, at(30)),
            (State::Fixing, State::Fixed, at(40)),
        ] {
            let change = StateChange {
                from,
                to,
                resolution: None,
                first_response: from == State::Received,
                duplicate_of: None,
                at: t,
            };
            transition(
                &store,
                id,
                &change,
                None,
                None,
                event("report.transition", t),
            )
            .await
            .expect("transition");
        }
        let log = webhooks::deliveries(&mut *read(&store).await, moved.id, 10)
            .await
            .expect("log");
        assert_eq!(log.len(), 4);
        let newest: serde_json::Value = serde_json::from_str(&log[0].body).expect("json");
        assert_eq!(newest["data"]["from"], "fixing");
        assert_eq!(newest["data"]["to"], "fixed");
        // The transitions set the report's milestones, each once.
        let spans = async |step| {
            store::stats::latest_spans(&mut *read(&store).await, p.id, step, 10)
                .await
                .expect("spans")
        };
        use store::stats::Milestone;
        assert_eq!(spans(Milestone::Acknowledged).await, [(at(1), at(10))]);
        assert_eq!(spans(Milestone::Triaged).await, [(at(1), at(20))]);
        assert_eq!(spans(Milestone::Fixed).await, [(at(1), at(40))]);

        // Rotation replaces the nonce; removal takes the log with it.
        let mut tx = store.begin().await.expect("begin");
        webhooks::set_nonce(&mut tx, p.id, "n3", at(50))
            .await
            .expect("rotate");
        tx.commit().await.expect("commit");
        assert_eq!(
            webhooks::nonce(&mut *read(&store).await, p.id)
                .await
                .expect("nonce"),
            Some(("n3".into(), at(50)))
        );
        delete(&store, p.id, received.id).await.expect("delete");
        assert!(
            webhooks::delivery(&mut *read(&store).await, delivery_id)
                .await
                .expect("get")
                .is_none()
        );
        assert!(
            matches!(
                delete(&store, other.id, moved.id).await,
                Err(store::StoreError::NotFound)
            ),
            "another project's endpoint is not found"
        );
        assert_eq!(
            webhooks::of_project(&mut *read(&store).await, p.id)
                .await
                .expect("list")
                .len(),
            1
        );
        assert_eq!(
            webhooks::deliveries(&mut *read(&store).await, moved.id, 10)
                .await
                .expect("log")
                .len(),
            4,
            "the other endpoint keeps its log"
        );
    })
    .await;
}
