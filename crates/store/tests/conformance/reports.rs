use super::*;
use domain::report::State;
use store::{AuthorKind, NewMessage, Visibility};

#[tokio::test]
async fn reports_are_numbered_per_project_and_stored_verbatim() {
    each_backend(|store| async move {
        let a = project(&store, "a").await;
        let b = project(&store, "b").await;
        let r = new_report("XSS <b>bold</b>", Some("ada@example.org"));
        let (id1, n1) = insert(&store, &a, &r, "t1", at(0)).await;
        let (_, n2) = insert(&store, &a, &r, "t2", at(1)).await;
        let (_, m1) = insert(&store, &b, &r, "t3", at(2)).await;
        assert_eq!((n1, n2, m1), (1, 2, 1));

        let got = store::reports::by_id(&mut *read(&store).await, id1)
            .await
            .expect("get")
            .expect("found");
        assert_eq!(got.title, "XSS <b>bold</b>");
        assert_eq!(
            got.reproduction.as_deref(),
            Some("<script>alert(1)</script>")
        );
        assert_eq!(got.reporter_email.as_deref(), Some("ada@example.org"));
        assert_eq!(got.state, State::Received);
        assert_eq!(got.received_at, at(0));
        assert_eq!(got.sla, Sla::compute(&a.policy.targets, at(0)));
        assert_eq!(
            store::reports::by_tracking_hash(&mut *read(&store).await, "t1")
                .await
                .expect("get")
                .map(|r| r.id),
            Some(id1)
        );
        assert_eq!(
            store::reports::by_tracking_hash(&mut *read(&store).await, "nope")
                .await
                .expect("get"),
            None
        );
        let listed = store::reports::list(&mut *read(&store).await, a.id)
            .await
            .expect("list");
        assert_eq!(listed.len(), 2);
    })
    .await;
}

#[tokio::test]
async fn an_idempotency_key_gives_one_report() {
    each_backend(|store| async move {
        let p = project(&store, "demo").await;
        let r = new_report("Same request twice", None);
        let send = |hash: &'static str, token: &'static str| {
            let store = store.clone();
            let r = r.clone();
            let p = p.clone();
            async move {
                submit(
                    &store,
                    Submission {
                        id: domain::ReportId::new(),
                        project: &p,
                        report: &r,
                        source: domain::report::Source::Api,
                        token_hash: token,
                        now: at(0),
                        idempotency: Some(("key-1", hash)),
                        acknowledgement: None,
                        job: None,
                        reporter_key: None,
                    },
                )
                .await
                .expect("insert")
            }
        };
        assert_eq!(send("h1", "t1").await, Outcome::Created(1));
        assert_eq!(
            send("h1", "t2").await,
            Outcome::Replayed("{\"number\":1}".into())
        );
        assert_eq!(send("h2", "t3").await, Outcome::KeyReused);
        assert_eq!(
            store::reports::list(&mut *read(&store).await, p.id)
                .await
                .expect("list")
                .len(),
            1
        );
        assert_eq!(
            store::reports::by_tracking_hash(&mut *read(&store).await, "t2")
                .await
                .expect("get"),
            None
        );
    })
    .await;
}

#[tokio::test]
async fn concurrent_submissions_get_distinct_numbers() {
    each_backend(|store| async move {
        let p = project(&store, "busy").await;
        let r = new_report("Concurrent", None);
        let mut tasks = Vec::new();
        for i in 0..24 {
            let (store, p, r) = (store.clone(), p.clone(), r.clone());
            tasks.push(tokio::spawn(async move {
                insert(&store, &p, &r, &format!("token-{i}"), at(i)).await.1
            }));
        }
        let mut numbers = Vec::new();
        for t in tasks {
            numbers.push(t.await.expect("task"));
        }
        numbers.sort_unstable();
        assert_eq!(numbers, (1..=24).collect::<Vec<i64>>());
    })
    .await;
}

#[tokio::test]
async fn a_failed_insert_leaves_nothing_behind() {
    each_backend(|store| async move {
        let p = project(&store, "demo").await;
        let r = new_report("First", None);
        insert(&store, &p, &r, "same-token", at(0)).await;
        // The tracking token hash is unique: the second insert fails inside the
        // transaction after the number was taken and must roll everything back.
        let err = submit(
            &store,
            Submission {
                id: domain::ReportId::new(),
                project: &p,
                report: &r,
                source: domain::report::Source::Web,
                token_hash: "same-token",
                now: at(1),
                idempotency: None,
                acknowledgement: Some(email_to("ada@example.org", at(1))),
                job: None,
                reporter_key: None,
            },
        )
        .await;
        assert!(err.is_err());
        assert_eq!(
            store::reports::list(&mut *read(&store).await, p.id)
                .await
                .expect("list")
                .len(),
            1
        );
        assert!(
            store::outbox::latest(&mut store.read().await.expect("read"), 10)
                .await
                .expect("emails")
                .is_empty(),
            "no orphan e-mail"
        );
        let (_, next) = insert(&store, &p, &r, "other-token", at(2)).await;
        assert_eq!(next, 2, "the number was not consumed");
    })
    .await;
}

#[tokio::test]
async fn acknowledging_moves_received_reports_only() {
    each_backend(|store| async move {
        let p = project(&store, "demo").await;
        let ada = user(&store, "ada@example.org", false).await;
        let (id, _) = insert(&store, &p, &new_report("Ack me", None), "t", at(0)).await;
        let message = NewMessage {
            id: uuid::Uuid::now_v7(),
            report: id,
            author_kind: AuthorKind::Maintainer,
            author: Some(ada.id),
            visibility: Visibility::Reporter,
            body: "Thanks, we are looking at it.".into(),
            created_at: at(30),
        };
        let acked = acknowledge(
            &store,
            id,
            at(30),
            Some(ada.id),
            Some(message),
            Some(email_to("rep@example.org", at(30))),
        )
        .await
        .expect("acknowledge");
        assert_eq!(acked.state, State::Acknowledged);
        assert_eq!(acked.acknowledged_at, Some(at(30)));
        let err = acknowledge(&store, id, at(40), None, None, None)
            .await
            .expect_err("twice");
        assert!(matches!(err, store::StoreError::Conflict(_)), "{err:?}");
        let messages = store::messages::of_report(&mut *read(&store).await, id, false)
            .await
            .expect("messages");
        assert_eq!(messages.len(), 1);
        assert_eq!(messages[0].author_name.as_deref(), Some(ada.name.as_str()));
        assert_eq!(
            store::outbox::latest(&mut store.read().await.expect("read"), 10)
                .await
                .expect("emails")
                .len(),
            1
        );
    })
    .await;
}

#[tokio::test]
async fn internal_messages_are_hidden_from_the_reporter_view() {
    each_backend(|store| async move {
        let p = project(&store, "demo").await;
        let (id, _) = insert(&store, &p, &new_report("Thread", None), "t", at(0)).await;
        for (i, visibility) in [
            Visibility::Reporter,
            Visibility::Internal,
            Visibility::Reporter,
        ]
        .into_iter()
        .enumerate()
        {
            add_message(
                &store,
                &NewMessage {
                    id: uuid::Uuid::now_v7(),
                    report: id,
                    author_kind: AuthorKind::Reporter,
                    author: None,
                    visibility,
                    body: format!("message {i}"),
                    created_at: at(i as i64),
                },
                None,
            )
            .await
            .expect("add");
        }
        let all: Vec<String> = store::messages::of_report(&mut *read(&store).await, id, true)
            .await
            .expect("all")
            .into_iter()
            .map(|m| m.body)
            .collect();
        assert_eq!(all, ["message 0", "message 1", "message 2"]);
        let visible: Vec<String> = store::messages::of_report(&mut *read(&store).await, id, false)
            .await
            .expect("visible")
            .into_iter()
            .map(|m| m.body)
            .collect();
        assert_eq!(visible, ["message 0", "message 2"]);
    })
    .await;
}

#[tokio::test]
async fn a_page_of_reports_is_a_keyset_range_by_number_and_state() {
    each_backend(|store| async move {
        use store::reports::{PageQuery, page};
        let p = project(&store, "p").await;
        let other = project(&store, "other").await;
        let r = new_report("Paged", None);
        let mut ids = Vec::new();
        for i in 0..5 {
            ids.push(insert(&store, &p, &r, &format!("p{i}"), at(i)).await.0);
        }
        insert(&store, &other, &r, "o1", at(9)).await;
        let numbers = |reports: Vec<domain::report::Report>| {
            reports.into_iter().map(|r| r.number).collect::<Vec<_>>()
        };
        let read = async |q: PageQuery| {
            numbers(
                page(&mut store.read().await.expect("read"), p.id, &q)
                    .await
                    .expect("page"),
            )
        };
        let q = |state, before, limit| PageQuery {
            state,
            before,
            limit,
        };
        assert_eq!(read(q(None, None, 2)).await, [5, 4]);
        assert_eq!(read(q(None, Some(4), 2)).await, [3, 2]);
        assert_eq!(read(q(None, Some(2), 2)).await, [1]);
        assert_eq!(read(q(None, Some(1), 2)).await, Vec::<i64>::new());
        assert_eq!(read(q(None, None, 50)).await, [5, 4, 3, 2, 1]);

        let mut tx = store.begin().await.expect("begin");
        let moved = store::reports::set_state(
            &mut tx,
            ids[2],
            &store::StateChange {
                from: State::Received,
                to: State::Acknowledged,
                resolution: None,
                first_response: true,
                duplicate_of: None,
                at: at(20),
            },
            domain::stats::Milestones::of(State::Acknowledged),
        )
        .await
        .expect("acknowledge");
        tx.commit().await.expect("commit");
        assert!(moved);
        assert_eq!(read(q(Some(State::Acknowledged), None, 10)).await, [3]);
        assert_eq!(read(q(Some(State::Received), None, 2)).await, [5, 4]);
        assert_eq!(read(q(Some(State::Received), Some(4), 2)).await, [2, 1]);
        assert_eq!(
            read(q(Some(State::Closed), None, 10)).await,
            Vec::<i64>::new()
        );
    })
    .await;
}
