use super::*;
use ::triage::{Label, Verdict};
use jiff::SignedDuration;
use store::{
    StoreError, TriageDismissal, TriageRecord,
    jobs::Payload,
    triage::{self, TriageReport},
};

async fn save(store: &Db, record: &TriageRecord) -> store::Result<()> {
    let mut tx = store.begin().await.expect("begin");
    triage::save(&mut tx, record).await?;
    tx.commit().await
}

async fn read(store: &Db) -> store::Read {
    store.read().await.expect("read")
}

async fn dismiss(store: &Db, d: &TriageDismissal) -> store::Result<bool> {
    let mut tx = store.begin().await.expect("begin");
    let stored = triage::dismiss(&mut tx, d).await?;
    tx.commit().await?;
    Ok(stored)
}

fn record(report: domain::ReportId, verdict: Verdict, now: Timestamp) -> TriageRecord {
    TriageRecord {
        report_id: report,
        label: Label::BegBounty,
        verdict,
        findings: serde_json::json!([{ "key": "payment_request:text:0-10", "signal": "payment_request" }]),
        fingerprint: serde_json::json!([1, 2, 3]),
        version: "test-1".to_owned(),
        triaged_at: now,
    }
}

#[tokio::test]
async fn a_triage_result_is_stored_once_and_replaced_by_a_rerun() {
    each_backend(|store| async move {
        let p = project(&store, "demo").await;
        let (id, _) = insert(&store, &p, &new_report("One", None), "t1", at(0)).await;
        assert_eq!(
            triage::of_report(&mut *read(&store).await, id)
                .await
                .expect("read"),
            None
        );

        save(&store, &record(id, Verdict::LikelyInvalid, at(1)))
            .await
            .expect("save");
        let mut second = record(id, Verdict::NeedsReview, at(2));
        second.label = Label::Valid;
        save(&store, &second).await.expect("save again");

        let got = triage::of_report(&mut *read(&store).await, id)
            .await
            .expect("read")
            .expect("stored");
        assert_eq!(got, second);
        let all = triage::of_project(&mut *read(&store).await, p.id)
            .await
            .expect("list");
        assert_eq!(all.len(), 1);
        assert_eq!(all[0].verdict, Verdict::NeedsReview);
        let other = project(&store, "other").await;
        assert!(
            triage::of_project(&mut *read(&store).await, other.id)
                .await
                .expect("list")
                .is_empty()
        );
    })
    .await;
}

#[tokio::test]
async fn an_unknown_verdict_is_refused_by_the_schema() {
    each_backend(|store| async move {
        let p = project(&store, "demo").await;
        let (id, _) = insert(&store, &p, &new_report("One", None), "t1", at(0)).await;
        let mut tx = store.begin().await.expect("begin");
        let refused = sqlx::query(
            "INSERT INTO report_triage (report_id, label, verdict, findings, fingerprint, \
             triage_version, triaged_at) VALUES ($1, 'valid', 'maybe', '[]', '[]', 'test-1', 0)",
        )
        .bind(id.to_string())
        .execute(&mut *tx)
        .await;
        assert!(refused.is_err());
    })
    .await;
}

#[tokio::test]
async fn the_history_is_newest_first_bounded_and_carries_outcomes() {
    each_backend(|store| async move {
        let p = project(&store, "demo").await;
        let q = project(&store, "other").await;
        let (a, _) = insert(
            &store,
            &p,
            &new_report("A", Some("ada@example.org")),
            "ta",
            at(0),
        )
        .await;
        let (b, nb) = insert(&store, &q, &new_report("B", None), "tb", at(10)).await;
        let (c, _) = insert(&store, &p, &new_report("C", None), "tc", at(20)).await;
        for id in [a, b] {
            save(&store, &record(id, Verdict::NeedsReview, at(30)))
                .await
                .expect("save");
        }
        // `c` is not triaged yet: not in the history.
        let h = triage::history(&mut *read(&store).await, 10)
            .await
            .expect("history");
        assert_eq!(
            h.iter().map(|e| e.report_id).collect::<Vec<_>>(),
            vec![b, a]
        );
        assert_eq!(h[0].project_slug, "other");
        assert_eq!(h[0].project_name, "Project other");
        assert_eq!(h[0].number, nb);
        assert_eq!(h[0].received_at, at(10));
        assert_eq!(h[1].reporter_email.as_deref(), Some("ada@example.org"));
        assert_eq!(h[1].state, domain::report::State::Received);
        assert_eq!(h[1].resolution, None);
        assert_eq!(h[1].fingerprint, serde_json::json!([1, 2, 3]));
        let _ = c;
        let one = triage::history(&mut *read(&store).await, 1)
            .await
            .expect("history");
        assert_eq!(one.len(), 1);
        assert_eq!(one[0].report_id, b);
    })
    .await;
}

#[tokio::test]
async fn a_dismissal_is_recorded_once_with_who_and_why() {
    each_backend(|store| async move {
        let p = project(&store, "demo").await;
        let u = user(&store, "maintainer@example.org", false).await;
        let (id, _) = insert(&store, &p, &new_report("One", None), "t1", at(0)).await;
        let d = TriageDismissal {
            report_id: id,
            finding_key: "payment_request:text:0-10".to_owned(),
            user_id: Some(u.id),
            user_email: None,
            reason: "They did send details".to_owned(),
            at: at(5),
        };
        assert!(dismiss(&store, &d).await.expect("dismiss"));
        assert!(
            !dismiss(&store, &d).await.expect("dismiss again"),
            "already dismissed"
        );

        let got = triage::dismissals(&mut *read(&store).await, id)
            .await
            .expect("read");
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].user_id, Some(u.id));
        assert_eq!(got[0].user_email.as_deref(), Some("maintainer@example.org"));
        assert_eq!(got[0].reason, "They did send details");
        assert_eq!(got[0].at, at(5));

        let missing = TriageDismissal {
            report_id: domain::ReportId::new(),
            ..d.clone()
        };
        let err = dismiss(&store, &missing).await;
        assert!(matches!(err, Err(StoreError::NotFound)), "{err:?}");
    })
    .await;
}

#[tokio::test]
async fn the_triage_job_is_queued_with_the_report() {
    each_backend(|store| async move {
        let p = project(&store, "demo").await;
        let r = new_report("Queue me", None);
        let id = domain::ReportId::new();
        submit(
            &store,
            Submission {
                id,
                project: &p,
                report: &r,
                source: domain::report::Source::Web,
                token_hash: "tq",
                now: at(0),
                idempotency: None,
                acknowledgement: None,
                job: Some(
                    store::NewJob::of(&TriageReport { report_id: id }, at(0), at(0)).expect("job"),
                ),
                reporter_key: None,
            },
        )
        .await
        .expect("insert");
        let job = super::jobs::lease(
            &store,
            &[TriageReport::KIND],
            "w",
            at(1),
            SignedDuration::from_secs(60),
        )
        .await
        .expect("the triage job");
        assert_eq!(job.max_attempts, TriageReport::MAX_ATTEMPTS);
        assert_eq!(job.payload["report_id"], serde_json::json!(id.to_string()));
    })
    .await;
}
