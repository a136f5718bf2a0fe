use super::*;
use jiff::SignedDuration;
use store::{EmailStatus, job_kind};

const KINDS: &[&str] = &[job_kind::DELIVER_EMAIL];

async fn queue_report_with_email(store: &SqlStore) -> uuid::Uuid {
    let p = project(store, "demo").await;
    let r = new_report("Mail me", Some("ada@example.org"));
    let email = email_to("ada@example.org", at(0));
    let email_id = email.id;
    submit(
        store,
        Submission {
            id: domain::ReportId::new(),
            project: &p,
            report: &r,
            source: domain::report::Source::Web,
            token_hash: "t",
            now: at(0),
            idempotency: None,
            acknowledgement: Some(email.clone()),
            job: None,
            reporter_key: None,
        },
    )
    .await
    .expect("insert");
    email_id
}

#[tokio::test]
async fn a_queued_email_is_leased_once_and_marked_sent() {
    each_backend(|store| async move {
        let email_id = queue_report_with_email(&store).await;
        let queued = store.email(email_id).await.expect("get").expect("found");
        assert_eq!(queued.status, EmailStatus::Queued);

        let lease = SignedDuration::from_secs(60);
        let job = store
            .lease_job(KINDS, "worker-a", at(1), lease)
            .await
            .expect("lease")
            .expect("a job");
        assert_eq!(job.attempts, 1);
        assert_eq!(job.payload["email_id"], serde_json::json!(email_id));
        assert_eq!(
            store
                .lease_job(KINDS, "worker-b", at(2), lease)
                .await
                .expect("lease"),
            None,
            "held by a"
        );
        assert_eq!(
            store
                .lease_job(&["other"], "worker-b", at(2), lease)
                .await
                .expect("lease"),
            None
        );

        store
            .complete_job(&job, at(3), Some(email_id))
            .await
            .expect("complete");
        let sent = store.email(email_id).await.expect("get").expect("found");
        assert_eq!(sent.status, EmailStatus::Sent);
        assert_eq!(sent.sent_at, Some(at(3)));
        assert_eq!(
            store
                .lease_job(KINDS, "worker-b", at(1000), lease)
                .await
                .expect("lease"),
            None,
            "done"
        );
    })
    .await;
}

#[tokio::test]
async fn a_lost_lease_is_taken_over_and_failures_retry_then_give_up() {
    each_backend(|store| async move {
        let email_id = queue_report_with_email(&store).await;
        let lease = SignedDuration::from_secs(60);
        let first = store
            .lease_job(KINDS, "a", at(1), lease)
            .await
            .expect("lease")
            .expect("job");
        // Worker a died: after its lease ends, b takes the job over.
        let second = store
            .lease_job(KINDS, "b", at(62), lease)
            .await
            .expect("lease")
            .expect("job");
        assert_eq!(second.id, first.id);
        assert_eq!(second.attempts, 2);

        store
            .fail_job(
                &second,
                "connection refused",
                at(63),
                Some(at(120)),
                Some(email_id),
            )
            .await
            .expect("fail");
        assert_eq!(
            store
                .lease_job(KINDS, "b", at(100), lease)
                .await
                .expect("lease"),
            None,
            "not yet due"
        );
        let email = store.email(email_id).await.expect("get").expect("found");
        assert_eq!(
            email.status,
            EmailStatus::Queued,
            "still queued while retrying"
        );
        assert_eq!(email.last_error.as_deref(), Some("connection refused"));

        let third = store
            .lease_job(KINDS, "b", at(121), lease)
            .await
            .expect("lease")
            .expect("due again");
        store
            .fail_job(&third, "mailbox unavailable", at(122), None, Some(email_id))
            .await
            .expect("give up");
        let email = store.email(email_id).await.expect("get").expect("found");
        assert_eq!(email.status, EmailStatus::Failed);
        assert_eq!(
            store
                .lease_job(KINDS, "b", at(10_000), lease)
                .await
                .expect("lease"),
            None
        );
    })
    .await;
}
