use super::*;
use domain::audit::{self, BrokenReason, NewAuditEvent};

async fn all_events(store: &Db) -> Vec<audit::AuditEvent> {
    store::audit::events(&mut store.read().await.expect("read"), 0, 10_000)
        .await
        .expect("audit events")
}

#[tokio::test]
async fn changes_are_chained_in_the_audit_log_and_tampering_is_found() {
    each_backend(|store| async move {
        let p = project(&store, "demo").await;
        let ada = user(&store, "ada@example.org", false).await;
        let (id, _) = insert(&store, &p, &new_report("Audited", None), "t", at(1)).await;
        acknowledge(&store, id, at(2), Some(ada.id), None, None).await.expect("ack");
        update_policy(&store, p.id, 1, &p.policy, Some(ada.id), at(3)).await.expect("policy");
        let mut tx = store.begin().await.expect("begin");
        let export = NewAuditEvent {
            at: at(4),
            actor: audit::user_actor(ada.id),
            action: "report.export".into(),
            subject: audit::report_subject(id),
            data: serde_json::json!({ "format": "markdown" }),
        };
        store::audit::append(&mut tx, export).await.expect("append");
        tx.commit().await.expect("commit");

        let events = all_events(&store).await;
        let actions: Vec<&str> = events.iter().map(|e| e.action.as_str()).collect();
        assert_eq!(actions, ["report.create", "report.transition", "policy.update", "report.export"]);
        assert_eq!(events.iter().map(|e| e.seq).collect::<Vec<_>>(), [1, 2, 3, 4]);
        assert_eq!(events[1].actor, audit::user_actor(ada.id));
        assert_eq!(events[0].actor, audit::reporter_actor(id));
        audit::verify(&events).expect("an untouched chain verifies");
        let page = store::audit::events(&mut store.read().await.expect("read"), 2, 1).await;
        assert_eq!(page.expect("page").len(), 1, "paging");

        // Someone edits event 2 directly in the database.
        let sql = "UPDATE audit_events SET data = '{\"from\":\"received\",\"to\":\"closed\"}' WHERE seq = 2";
        sqlx::query(sql).execute(store.pool()).await.expect("tamper");
        let broken = audit::verify(&all_events(&store).await).expect_err("tampering is found");
        assert_eq!(broken.seq, 2);
        assert!(matches!(broken.reason, BrokenReason::HashMismatch { .. }), "{:?}", broken.reason);
    })
    .await;
}

#[tokio::test]
async fn concurrent_appends_never_fork_the_chain() {
    each_backend(|store| async move {
        let mut tasks = Vec::new();
        for i in 0..16 {
            let store = store.clone();
            tasks.push(tokio::spawn(async move {
                let mut tx = store.begin().await.expect("begin");
                let event = NewAuditEvent {
                    at: at(i),
                    actor: audit::SYSTEM_ACTOR.into(),
                    action: "test.append".into(),
                    subject: format!("test:{i}"),
                    data: serde_json::Value::Null,
                };
                let event = store::audit::append(&mut tx, event).await.expect("append");
                tx.commit().await.expect("commit");
                event
            }));
        }
        for t in tasks {
            t.await.expect("task");
        }
        let events = all_events(&store).await;
        assert_eq!(events.len(), 16);
        audit::verify(&events).expect("one unbroken chain");
    })
    .await;
}

#[tokio::test]
async fn many_events_appended_at_once_continue_the_chain_in_order() {
    each_backend(|store| async move {
        let event = |i: i64| NewAuditEvent {
            at: at(i),
            actor: audit::SYSTEM_ACTOR.into(),
            action: "test.append".into(),
            subject: format!("test:{i}"),
            data: serde_json::json!({ "i": i }),
        };
        let mut tx = store.begin().await.expect("begin");
        store::audit::append(&mut tx, event(0))
            .await
            .expect("append");
        // 150 events: more than one statement's worth of rows.
        let many = store::audit::append_many(&mut tx, (1..=150).map(event).collect())
            .await
            .expect("append many");
        assert_eq!(many.len(), 150);
        assert_eq!(many[0].seq, 2);
        store::audit::append(&mut tx, event(151))
            .await
            .expect("append after");
        assert!(
            store::audit::append_many(&mut tx, Vec::new())
                .await
                .expect("none")
                .is_empty()
        );
        tx.commit().await.expect("commit");

        let events = all_events(&store).await;
        assert_eq!(events.len(), 152);
        assert_eq!(
            events.iter().map(|e| e.seq).collect::<Vec<_>>(),
            (1..=152).collect::<Vec<u64>>()
        );
        let order: Vec<i64> = events
            .iter()
            .map(|e| e.data["i"].as_i64().expect("i"))
            .collect();
        assert_eq!(order, (0..=151).collect::<Vec<i64>>());
        assert_eq!(events[1..151], many[..], "stored as returned");
        audit::verify(&events).expect("one unbroken chain");
    })
    .await;
}
