use super::*;
use advisory::{Advisory, Affected, Event, Package, Range, RangeKind, Status};
use domain::audit::{self, NewAuditEvent};
use store::{AdvisoryRecord, NewJob, Result, StoreError, advisories};

/// The binary's scheduled-publication job (the store only queues it).
const PUBLISH_ADVISORY: &str = "publish_advisory";

fn event(action: &str, id: &str, t: Timestamp) -> NewAuditEvent {
    NewAuditEvent {
        at: t,
        actor: audit::SYSTEM_ACTOR.into(),
        action: action.into(),
        subject: format!("advisory:{id}"),
        data: serde_json::Value::Null,
    }
}

/// As `services::advisories::insert_record`: the record and its audit event.
async fn insert_advisory(
    store: &Db,
    record: &AdvisoryRecord,
    event: NewAuditEvent,
) -> Result<AdvisoryRecord> {
    let mut tx = store.begin().await?;
    let stored = advisories::insert(&mut tx, record).await?;
    store::audit::append(&mut tx, event).await?;
    tx.commit().await?;
    Ok(stored)
}

/// As `services::advisories::update_record`: the record at `expected_version`, its job, the
/// webhook event when it is first published, its audit event.
async fn update_advisory(
    store: &Db,
    record: &AdvisoryRecord,
    expected_version: i64,
    event: NewAuditEvent,
    job: Option<NewJob>,
) -> Result<AdvisoryRecord> {
    let a = &record.advisory;
    let mut tx = store.begin().await?;
    let was = advisories::by_id(&mut tx, &a.id)
        .await?
        .filter(|r| r.project_id == record.project_id)
        .map(|r| r.advisory.status);
    let stored = advisories::update(&mut tx, record, expected_version).await?;
    if let Some(job) = &job {
        store::jobs::enqueue(&mut tx, job).await?;
    }
    if a.status == Status::Published && was != Some(Status::Published) {
        let report = record.report_id.map(|r| r.to_string());
        store::webhooks::queue_event(
            &mut tx,
            record.project_id,
            &domain::webhook::Event::advisory_published(&a.id, report.as_deref()),
            a.modified,
        )
        .await?;
    }
    store::audit::append(&mut tx, event).await?;
    tx.commit().await?;
    Ok(stored)
}

fn draft(id: &str, ecosystem: Option<&str>, name: &str) -> Advisory {
    let mut a = Advisory::new(id, at(10));
    a.summary = format!("Flaw in {name}");
    a.affected.push(Affected {
        package: Package {
            ecosystem: ecosystem.map(str::to_owned),
            name: name.to_owned(),
            ..Package::default()
        },
        ranges: vec![Range {
            kind: RangeKind::Ecosystem,
            repo: None,
            events: vec![Event::Introduced("0".into()), Event::Fixed("1.11.3".into())],
            version_type: None,
        }],
        ..Affected::default()
    });
    a
}

#[tokio::test]
async fn advisories_are_stored_whole_and_drafts_stay_out_of_public_lists() {
    each_backend(|store| async move {
        let p = project(&store, "demo").await;
        let other = project(&store, "other").await;
        let (report, _) = insert(&store, &p, &new_report("Traversal", None), "t1", at(1)).await;
        let mut a = draft("x_demo-2026-0001", Some("PyPI"), "printdesk");
        a.credits.push(advisory::Credit {
            name: "Mara Lind".into(),
            contact: vec![],
            kind: Some(advisory::CreditType::Reporter),
        });
        let rec = AdvisoryRecord::new(p.id, Some(report), a.clone(), at(10));
        let stored = insert_advisory(&store, &rec, event("advisory.create", &a.id, at(10)))
            .await
            .expect("insert");
        assert_eq!(stored.version, 1);
        assert_eq!(stored.advisory, a, "the model comes back field for field");
        assert_eq!(stored.report_id, Some(report));

        // Ids are unique across the instance.
        let dup = AdvisoryRecord::new(other.id, None, a.clone(), at(11));
        let err = insert_advisory(&store, &dup, event("advisory.create", &a.id, at(11)))
            .await
            .expect_err("duplicate id");
        assert!(matches!(err, StoreError::Conflict(_)), "{err:?}");

        let mut c = store.read().await.expect("read");
        assert_eq!(
            advisories::list(&mut c, p.id, false)
                .await
                .expect("list")
                .len(),
            1
        );
        assert!(
            advisories::list(&mut c, p.id, true)
                .await
                .expect("public")
                .is_empty()
        );
        assert!(advisories::public(&mut c).await.expect("public").is_empty());
        let found = advisories::published_for_package(&mut c, Some("PyPI"), "printdesk")
            .await
            .expect("query");
        assert!(
            found.is_empty(),
            "a draft is never found by the query route"
        );

        // Publish: the stored record changes, the version moves on, stale writes conflict.
        let mut published = stored.clone();
        published.advisory.publish(at(20)).expect("publish");
        let v2 = update_advisory(
            &store,
            &published,
            1,
            event("advisory.publish", &a.id, at(20)),
            None,
        )
        .await
        .expect("update");
        assert_eq!(v2.version, 2);
        assert_eq!(v2.advisory.status, Status::Published);
        assert_eq!(v2.advisory.published, Some(at(20)));
        let err = update_advisory(
            &store,
            &published,
            1,
            event("advisory.update", &a.id, at(21)),
            None,
        )
        .await
        .expect_err("stale");
        assert!(matches!(err, StoreError::Conflict(_)), "{err:?}");

        assert_eq!(
            advisories::list(&mut c, p.id, true)
                .await
                .expect("public")
                .len(),
            1
        );
        assert_eq!(advisories::public(&mut c).await.expect("all").len(), 1);
        for (eco, name, n) in [
            (Some("PyPI"), "printdesk", 1),
            (None, "printdesk", 1),
            (Some("npm"), "printdesk", 0),
            (Some("PyPI"), "other", 0),
        ] {
            let found = advisories::published_for_package(&mut c, eco, name)
                .await
                .expect("query");
            assert_eq!(found.len(), n, "{eco:?} {name}");
        }

        // Withdrawn: still public (its page says so), no longer answered by the query route.
        let mut withdrawn = v2.clone();
        withdrawn
            .advisory
            .withdraw(at(30), "Not a vulnerability after all")
            .expect("withdraw");
        update_advisory(
            &store,
            &withdrawn,
            2,
            event("advisory.withdraw", &a.id, at(30)),
            None,
        )
        .await
        .expect("withdraw");
        assert_eq!(
            advisories::list(&mut c, p.id, true)
                .await
                .expect("public")
                .len(),
            1
        );
        assert!(
            advisories::published_for_package(&mut c, Some("PyPI"), "printdesk")
                .await
                .expect("query")
                .is_empty()
        );

        // Each write appended its event; the chain verifies.
        let events = store::audit::events(&mut c, 0, 100).await.expect("audit");
        let actions: Vec<&str> = events.iter().map(|e| e.action.as_str()).collect();
        assert_eq!(
            actions,
            [
                "report.create",
                "advisory.create",
                "advisory.publish",
                "advisory.withdraw"
            ]
        );
        audit::verify(&events).expect("chain");
    })
    .await;
}

#[tokio::test]
async fn scheduling_stores_the_time_and_its_job_together() {
    each_backend(|store| async move {
        let p = project(&store, "demo").await;
        let ada = user(&store, "ada@example.org", false).await;
        let a = draft("x_demo-2026-0002", None, "printdesk");
        let rec = insert_advisory(
            &store,
            &AdvisoryRecord::new(p.id, None, a.clone(), at(0)),
            event("advisory.create", &a.id, at(0)),
        )
        .await
        .expect("insert");
        let mut scheduled = rec.clone();
        scheduled.scheduled_at = Some(at(100));
        scheduled.scheduled_by = Some(ada.id);
        let job = NewJob {
            id: uuid::Uuid::now_v7(),
            kind: PUBLISH_ADVISORY.into(),
            payload: serde_json::json!({ "advisory_id": a.id }),
            run_at: at(100),
            max_attempts: 5,
            created_at: at(1),
        };
        let stored = update_advisory(
            &store,
            &scheduled,
            1,
            event("advisory.schedule", &a.id, at(1)),
            Some(job),
        )
        .await
        .expect("schedule");
        assert_eq!(stored.scheduled_at, Some(at(100)));
        assert_eq!(stored.scheduled_by, Some(ada.id));
        let kinds = [PUBLISH_ADVISORY];
        let lease = jiff::SignedDuration::from_secs(60);
        assert!(
            super::jobs::lease(&store, &kinds, "w", at(99), lease)
                .await
                .is_none(),
            "not due yet"
        );
        let job = super::jobs::lease(&store, &kinds, "w", at(100), lease)
            .await
            .expect("due");
        assert_eq!(job.payload["advisory_id"], a.id.as_str());

        // A failed update (stale version) leaves no job behind.
        let err = update_advisory(
            &store,
            &scheduled,
            1,
            event("advisory.schedule", &a.id, at(2)),
            Some(NewJob {
                id: uuid::Uuid::now_v7(),
                kind: PUBLISH_ADVISORY.into(),
                payload: serde_json::json!({ "advisory_id": a.id }),
                run_at: at(50),
                max_attempts: 5,
                created_at: at(2),
            }),
        )
        .await
        .expect_err("stale");
        assert!(matches!(err, StoreError::Conflict(_)));
        assert!(
            super::jobs::lease(&store, &kinds, "w2", at(60), lease)
                .await
                .is_none()
        );
        // Unknown advisory: not found.
        let mut ghost = scheduled.clone();
        ghost.advisory.id = "x_demo-ghost".into();
        let err = update_advisory(
            &store,
            &ghost,
            1,
            event("advisory.update", "x_demo-ghost", at(3)),
            None,
        )
        .await
        .expect_err("unknown");
        assert!(matches!(err, StoreError::NotFound), "{err:?}");
    })
    .await;
}

#[tokio::test]
async fn the_reporters_credit_choice_is_stored_with_the_report() {
    each_backend(|store| async move {
        let p = project(&store, "demo").await;
        let mut input = ReportInput {
            title: "Handle".into(),
            description: "d".into(),
            ..ReportInput::default()
        };
        input.reporter.credit_as = Some("@mlind".into());
        input.reporter.credit = Some(domain::report::CreditMode::Handle);
        let r = input.validate().expect("valid");
        let (id, _) = insert(&store, &p, &r, "t-handle", at(1)).await;
        let stored = store::reports::by_id(&mut *read(&store).await, id)
            .await
            .expect("get")
            .expect("found");
        assert_eq!(stored.credit_mode, Some(domain::report::CreditMode::Handle));
        assert_eq!(stored.credit_as.as_deref(), Some("@mlind"));
        let (old, _) = insert(&store, &p, &new_report("Old", None), "t-old", at(2)).await;
        let stored = store::reports::by_id(&mut *read(&store).await, old)
            .await
            .expect("get")
            .expect("found");
        assert_eq!(stored.credit_mode, None);
    })
    .await;
}

#[tokio::test]
async fn the_next_advisory_number_reads_only_the_ids_with_the_prefix() {
    each_backend(|store| async move {
        let p = project(&store, "demo").await;
        let other = project(&store, "other").await;
        // `_` and `%` in the prefix are literal: `xademo-…` and `x_demo-2026%…` do not match.
        for (project, id) in [
            (&p, "x_demo-2026-0001"),
            (&p, "x_demo-2026-0007"),
            (&p, "xademo-2026-0009"),
            (&p, "x_demo-2025-0003"),
            (&other, "x_demo-2026-0008"),
        ] {
            let record = AdvisoryRecord::new(project.id, None, draft(id, None, "pkg"), at(1));
            insert_advisory(&store, &record, event("advisory.create", id, at(1)))
                .await
                .expect("insert");
        }
        let mut ids = advisories::ids_with_prefix(&mut *read(&store).await, p.id, "x_demo-2026-")
            .await
            .expect("ids");
        ids.sort();
        assert_eq!(ids, ["x_demo-2026-0001", "x_demo-2026-0007"]);
        let none = advisories::ids_with_prefix(&mut *read(&store).await, p.id, "x_demo-2026%")
            .await
            .expect("ids");
        assert!(none.is_empty(), "{none:?}");
    })
    .await;
}
