use super::*;
use jiff::SignedDuration;
use store::{StoreError, TriageDismissal, TriageRecord, job_kind};

fn record(report: domain::ReportId, verdict: &str, now: Timestamp) -> TriageRecord {
    TriageRecord {
        report_id: report,
        label: "beg_bounty".to_owned(),
        verdict: verdict.to_owned(),
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
        assert_eq!(store.triage_of(id).await.expect("read"), None);

        store
            .save_triage(&record(id, "likely_invalid", at(1)))
            .await
            .expect("save");
        let mut second = record(id, "needs_review", at(2));
        second.label = "valid".to_owned();
        store.save_triage(&second).await.expect("save again");

        let got = store.triage_of(id).await.expect("read").expect("stored");
        assert_eq!(got, second);
        let all = store.project_triage(p.id).await.expect("list");
        assert_eq!(all.len(), 1);
        assert_eq!(all[0].verdict, "needs_review");
        let other = project(&store, "other").await;
        assert!(
            store
                .project_triage(other.id)
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
        assert!(
            store
                .save_triage(&record(id, "maybe", at(1)))
                .await
                .is_err()
        );
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
            store
                .save_triage(&record(id, "needs_review", at(30)))
                .await
                .expect("save");
        }
        // `c` is not triaged yet: not in the history.
        let h = store.triage_history(10).await.expect("history");
        assert_eq!(
            h.iter().map(|e| e.report_id).collect::<Vec<_>>(),
            vec![b, a]
        );
        assert_eq!(h[0].project_slug, "other");
        assert_eq!(h[0].project_name, "Project other");
        assert_eq!(h[0].number, nb);
        assert_eq!(h[0].received_at, at(10));
        assert_eq!(h[1].reporter_email.as_deref(), Some("ada@example.org"));
        assert_eq!(h[1].state, "received");
        assert_eq!(h[1].fingerprint, serde_json::json!([1, 2, 3]));
        let _ = c;
        let one = store.triage_history(1).await.expect("history");
        assert_eq!(one.len(), 1);
        assert_eq!(one[0].report_id, b);
    })
    .await;
}

#[tokio::test]
async fn a_dismissal_is_recorded_once_with_who_and_why_and_audited() {
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
        let audit = |at_: Timestamp| domain::audit::NewAuditEvent {
            at: at_,
            actor: format!("user:{}", u.id),
            action: "triage.dismiss".into(),
            subject: domain::audit::report_subject(id),
            data: serde_json::json!({ "finding": "payment_request:text:0-10" }),
        };
        let before = store.audit_events(0, 1000).await.expect("audit").len();
        store
            .dismiss_finding(&d, audit(at(5)))
            .await
            .expect("dismiss");
        let again = store.dismiss_finding(&d, audit(at(6))).await;
        assert!(matches!(again, Err(StoreError::Conflict(_))), "{again:?}");

        let got = store.triage_dismissals(id).await.expect("read");
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].user_id, Some(u.id));
        assert_eq!(got[0].user_email.as_deref(), Some("maintainer@example.org"));
        assert_eq!(got[0].reason, "They did send details");
        assert_eq!(got[0].at, at(5));
        let events = store.audit_events(0, 1000).await.expect("audit");
        assert_eq!(
            events.len(),
            before + 1,
            "one event, none for the refused repeat"
        );
        assert_eq!(
            events.last().map(|e| e.action.as_str()),
            Some("triage.dismiss")
        );

        let missing = TriageDismissal {
            report_id: domain::ReportId::new(),
            ..d.clone()
        };
        let err = store.dismiss_finding(&missing, audit(at(7))).await;
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
                job: Some(store::NewJob::triage_report(id, at(0))),
                reporter_key: None,
            },
        )
        .await
        .expect("insert");
        let job = store
            .lease_job(
                &[job_kind::TRIAGE_REPORT],
                "w",
                at(1),
                SignedDuration::from_secs(60),
            )
            .await
            .expect("lease")
            .expect("the triage job");
        assert_eq!(job.payload["report_id"], serde_json::json!(id.to_string()));
    })
    .await;
}
