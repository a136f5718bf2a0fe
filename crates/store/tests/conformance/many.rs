//! Multi-row writes (the intake writer's batches): each table's rows in as few statements
//! as the bound values allow, with every row stored as given, across chunk boundaries.

use super::*;
use domain::webhook::{Event, EventKind};
use store::{
    WebhookEndpoint,
    idempotency::{self, NewRecord},
    outbox::DeliverEmail,
    reports::{self, NewRow},
    webhooks::{self, DeliverWebhook},
};

#[tokio::test]
async fn numbers_are_taken_consecutively_per_project() {
    each_backend(|store| async move {
        let p = project(&store, "demo").await;
        let mut tx = store.begin().await.expect("begin");
        assert_eq!(reports::take_numbers(&mut tx, p.id, 3).await.expect("3"), 1);
        assert_eq!(reports::next_number(&mut tx, p.id).await.expect("1"), 4);
        assert_eq!(reports::take_numbers(&mut tx, p.id, 2).await.expect("2"), 5);
        assert!(matches!(
            reports::take_numbers(&mut tx, ProjectId::new(), 1).await,
            Err(store::StoreError::NotFound)
        ));
        tx.rollback().await.expect("rollback");
    })
    .await;
}

#[tokio::test]
async fn reports_keys_mail_and_events_of_a_large_batch_are_all_stored() {
    each_backend(|store| async move {
        let a = project(&store, "alpha").await;
        let b = project(&store, "beta").await;
        let hook = WebhookEndpoint {
            id: uuid::Uuid::now_v7(),
            project_id: b.id,
            url: "https://hooks.example/b".into(),
            events: vec![EventKind::ReportReceived],
            created_by: None,
            created_at: at(0),
        };
        let mut tx = store.begin().await.expect("begin");
        webhooks::init_nonce(&mut tx, b.id, "n", at(0))
            .await
            .expect("nonce");
        webhooks::insert(&mut tx, &hook).await.expect("endpoint");
        tx.commit().await.expect("commit");

        // 520 reports: more than one statement's worth (500 rows), alternating projects.
        let texts: Vec<NewReport> = (0..520)
            .map(|i| new_report(&format!("Report {i}"), Some(&format!("r{i}@example.org"))))
            .collect();
        let hashes: Vec<String> = (0..520).map(|i| format!("hash-{i}")).collect();
        let ids: Vec<domain::ReportId> = (0..520).map(|_| domain::ReportId::new()).collect();
        let sla = Sla::compute(&a.policy.targets, at(1));
        let mut tx = store.begin().await.expect("begin");
        let first_a = reports::take_numbers(&mut tx, a.id, 260).await.expect("a");
        let first_b = reports::take_numbers(&mut tx, b.id, 260).await.expect("b");
        let rows: Vec<NewRow<'_>> = (0..520)
            .map(|i| NewRow {
                id: ids[i],
                project: if i % 2 == 0 { a.id } else { b.id },
                number: if i % 2 == 0 { first_a } else { first_b } + (i / 2) as i64,
                report: &texts[i],
                source: domain::report::Source::Api,
                tracking_token_hash: &hashes[i],
                sla,
                now: at(1),
                score: (i == 3).then_some((98, "critical")),
            })
            .collect();
        reports::insert_many(&mut tx, &rows).await.expect("reports");
        let records = [
            NewRecord {
                project: a.id,
                key: "k1",
                request_hash: "h-a",
                report: ids[0],
                response: "{\"number\":1}",
                now: at(1),
            },
            NewRecord {
                project: b.id,
                key: "k1",
                request_hash: "h-b",
                report: ids[1],
                response: "{\"number\":1,\"p\":\"b\"}",
                now: at(1),
            },
        ];
        idempotency::record_many(&mut tx, &records)
            .await
            .expect("keys");
        let mails: Vec<NewEmail> = (0..3)
            .map(|i| NewEmail {
                id: uuid::Uuid::now_v7(),
                to: format!("r{i}@example.org"),
                subject: format!("Receipt {i}"),
                body_text: format!("Body {i}"),
                report: Some(ids[i]),
                created_at: at(1),
                auto_submitted: Some(store::AutoSubmitted::AutoReplied),
            })
            .collect();
        store::outbox::queue_many(&mut tx, &mails)
            .await
            .expect("mail");
        let events: Vec<Event> = (0..4)
            .map(|i| Event::report_received(&ids[i].to_string(), 1 + (i / 2) as i64))
            .collect();
        let pairs: Vec<(ProjectId, &Event)> = events
            .iter()
            .enumerate()
            .map(|(i, e)| (if i % 2 == 0 { a.id } else { b.id }, e))
            .collect();
        webhooks::queue_events(&mut tx, &pairs, at(1))
            .await
            .expect("events");
        tx.commit().await.expect("commit");

        let mut r = read(&store).await;
        for (i, id) in ids.iter().enumerate() {
            let project = if i % 2 == 0 { a.id } else { b.id };
            let stored = reports::by_number(&mut r, project, 1 + (i / 2) as i64)
                .await
                .expect("read")
                .unwrap_or_else(|| panic!("report {i} stored"));
            assert_eq!(stored.id, *id);
            assert_eq!(stored.title, format!("Report {i}"));
        }
        let found = idempotency::find_many(&mut r, &[(a.id, "k1"), (b.id, "k1"), (a.id, "k2")])
            .await
            .expect("find");
        assert_eq!(found.len(), 2, "{found:?}");
        assert_eq!(found[&(a.id, "k1".to_owned())].request_hash, "h-a");
        assert_eq!(
            found[&(b.id, "k1".to_owned())].response,
            "{\"number\":1,\"p\":\"b\"}"
        );
        for mail in &mails {
            let stored = store::outbox::by_id(&mut r, mail.id)
                .await
                .expect("read")
                .expect("queued");
            assert_eq!(stored.subject, mail.subject);
        }
        let deliveries: Vec<DeliverEmail> = store::jobs::pending(&mut r).await.expect("jobs");
        assert_eq!(deliveries.len(), 3, "one delivery job per e-mail");
        let hooks: Vec<DeliverWebhook> = store::jobs::pending(&mut r).await.expect("jobs");
        assert_eq!(hooks.len(), 2, "beta's two events, alpha has no endpoint");
        let listed = webhooks::deliveries(&mut r, hook.id, 10)
            .await
            .expect("list");
        assert_eq!(listed.len(), 2);
        assert!(listed.iter().all(|d| d.event == "report.received"));
    })
    .await;
}
