//! Webhooks in the store: endpoints and the secret's nonce, one delivery and job per
//! subscribed endpoint queued with the change itself, the attempt log, leases renewed only
//! by their holder, and the report milestones of the dashboard.

use super::*;
use domain::{audit::NewAuditEvent, report::State, webhook::EventKind};
use jiff::SignedDuration;
use store::{DELIVER_WEBHOOK, DeliveryStatus, StateChange, WebhookAttempt, WebhookEndpoint};

fn event(action: &str, t: Timestamp) -> NewAuditEvent {
    NewAuditEvent {
        at: t,
        actor: "system".into(),
        action: action.into(),
        subject: "project:test".into(),
        data: serde_json::json!({}),
    }
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
        assert!(
            store
                .create_webhook(&received, "n1", event("webhook.create", at(0)))
                .await
                .expect("create")
        );
        assert!(
            !store
                .create_webhook(&moved, "n2", event("webhook.create", at(0)))
                .await
                .expect("create"),
            "the first endpoint set the nonce"
        );
        assert_eq!(
            store.webhook_nonce(p.id).await.expect("nonce").map(|n| n.0),
            Some("n1".into())
        );
        assert_eq!(store.webhook_nonce(other.id).await.expect("nonce"), None);
        let listed = store.webhooks(p.id).await.expect("list");
        assert_eq!(listed, vec![received.clone(), moved.clone()]);

        // A report in another project queues nothing; one here queues one delivery.
        insert(&store, &other, &new_report("Elsewhere", None), "t0", at(1)).await;
        let (id, number) = insert(&store, &p, &new_report("Secret title", None), "t1", at(1)).await;
        let kinds = [DELIVER_WEBHOOK];
        let lease = SignedDuration::from_secs(60);
        let job = store
            .lease_job(&kinds, "w", at(2), lease)
            .await
            .expect("lease")
            .expect("a job");
        assert_eq!(
            store
                .lease_job(&kinds, "w2", at(2), lease)
                .await
                .expect("lease"),
            None,
            "one job only"
        );
        let delivery_id: uuid::Uuid = job.payload["delivery_id"]
            .as_str()
            .expect("id")
            .parse()
            .expect("uuid");
        let delivery = store
            .webhook_delivery(delivery_id)
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
        assert!(store.renew_job_lease(&job, at(100)).await.expect("renew"));
        let mut stranger = job.clone();
        stranger.lease_owner = "someone-else".into();
        assert!(
            !store
                .renew_job_lease(&stranger, at(100))
                .await
                .expect("renew")
        );
        assert_eq!(
            store
                .lease_job(&kinds, "w2", at(90), lease)
                .await
                .expect("lease"),
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
        store
            .record_webhook_attempt(delivery_id, &failed, DeliveryStatus::Pending)
            .await
            .expect("log");
        let ok = WebhookAttempt {
            attempt: 2,
            at: at(4),
            status_code: Some(204),
            duration_ms: 3,
            error: None,
        };
        store
            .record_webhook_attempt(delivery_id, &ok, DeliveryStatus::Delivered)
            .await
            .expect("log");
        store
            .complete_job(&job, at(4), None)
            .await
            .expect("complete");
        assert!(
            !store.renew_job_lease(&job, at(200)).await.expect("renew"),
            "a finished job has no lease"
        );
        let log = store
            .webhook_deliveries(received.id, 10)
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
        let log = store.webhook_deliveries(moved.id, 10).await.expect("log");
        assert_eq!(log.len(), 4);
        let newest: serde_json::Value = serde_json::from_str(&log[0].body).expect("json");
        assert_eq!(newest["data"]["from"], "fixing");
        assert_eq!(newest["data"]["to"], "fixed");
        let times = store::reports::times(&mut *read(&store).await, p.id)
            .await
            .expect("times");
        assert_eq!(times.len(), 1);
        assert_eq!(times[0].0, State::Fixed);
        assert_eq!(times[0].1.received, at(1));
        assert_eq!(times[0].1.acknowledged_at, Some(at(10)));
        assert_eq!(times[0].1.triaged_at, Some(at(20)));
        assert_eq!(times[0].1.fixed_at, Some(at(40)));

        // Rotation replaces the nonce; removal takes the log with it.
        store
            .rotate_webhook_nonce(p.id, "n3", at(50), event("webhook.rotate_secret", at(50)))
            .await
            .expect("rotate");
        assert_eq!(
            store.webhook_nonce(p.id).await.expect("nonce"),
            Some(("n3".into(), at(50)))
        );
        store
            .delete_webhook(p.id, received.id, event("webhook.delete", at(60)))
            .await
            .expect("delete");
        assert!(
            store
                .webhook_delivery(delivery_id)
                .await
                .expect("get")
                .is_none()
        );
        assert!(
            matches!(
                store
                    .delete_webhook(other.id, moved.id, event("webhook.delete", at(60)))
                    .await,
                Err(store::StoreError::NotFound)
            ),
            "another project's endpoint is not found"
        );
        assert_eq!(store.webhooks(p.id).await.expect("list").len(), 1);
    })
    .await;
}
