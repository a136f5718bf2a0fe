use super::*;
use jiff::SignedDuration;
use store::{
    EmailStatus, Job, NewJob,
    jobs::{JobStatus, Kinds, Payload},
    outbox::DeliverEmail,
};

pub(super) const DELIVER_EMAIL: &str = DeliverEmail::KIND;
const KINDS: &[&str] = &[DELIVER_EMAIL];

/// Leases the next due job of `kinds`, in a unit of work of its own (as the worker does).
pub(super) async fn lease(
    store: &Db,
    kinds: &[&str],
    owner: &str,
    now: Timestamp,
    lease_for: SignedDuration,
) -> Option<Job> {
    lease_where(store, Kinds::Only(kinds), owner, now, lease_for).await
}

async fn lease_where(
    store: &Db,
    kinds: Kinds<'_>,
    owner: &str,
    now: Timestamp,
    lease_for: SignedDuration,
) -> Option<Job> {
    let mut tx = store.begin().await.expect("begin");
    let job = store::jobs::lease(&mut tx, kinds, owner, now, lease_for)
        .await
        .expect("lease");
    tx.commit().await.expect("commit");
    job
}

pub(super) async fn complete(store: &Db, job: &Job, now: Timestamp) -> bool {
    let mut tx = store.begin().await.expect("begin");
    let held = store::jobs::complete(&mut tx, job, now)
        .await
        .expect("complete");
    tx.commit().await.expect("commit");
    held
}

pub(super) async fn renew(store: &Db, job: &Job, until: Timestamp) -> bool {
    let mut tx = store.begin().await.expect("begin");
    let held = store::jobs::renew(&mut tx, job, until)
        .await
        .expect("renew");
    tx.commit().await.expect("commit");
    held
}

async fn status(store: &Db, job: &Job) -> (JobStatus, Option<String>) {
    let mut c = store.read().await.expect("read");
    store::jobs::status(&mut c, job.id)
        .await
        .expect("status")
        .expect("the job exists")
}

async fn queue_report_with_email(store: &Db) -> uuid::Uuid {
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
        let queued = store::outbox::by_id(&mut store.read().await.expect("read"), email_id)
            .await
            .expect("get")
            .expect("found");
        assert_eq!(queued.status, EmailStatus::Queued);

        let lease_for = SignedDuration::from_secs(60);
        let job = lease(&store, KINDS, "worker-a", at(1), lease_for)
            .await
            .expect("a job");
        assert_eq!(job.attempts, 1);
        assert_eq!(job.max_attempts, DeliverEmail::MAX_ATTEMPTS);
        assert_eq!(job.payload["email_id"], serde_json::json!(email_id));
        assert_eq!(
            lease(&store, KINDS, "worker-b", at(2), lease_for).await,
            None,
            "held by a"
        );
        assert_eq!(
            lease(&store, &["other"], "worker-b", at(2), lease_for).await,
            None
        );

        let mut tx = store.begin().await.expect("begin");
        assert!(
            store::jobs::complete(&mut tx, &job, at(3))
                .await
                .expect("complete")
        );
        store::outbox::mark_sent(&mut tx, email_id, at(3))
            .await
            .expect("sent");
        tx.commit().await.expect("commit");
        let sent = store::outbox::by_id(&mut store.read().await.expect("read"), email_id)
            .await
            .expect("get")
            .expect("found");
        assert_eq!(sent.status, EmailStatus::Sent);
        assert_eq!(sent.sent_at, Some(at(3)));
        assert_eq!(status(&store, &job).await, (JobStatus::Done, None));
        assert_eq!(
            lease(&store, KINDS, "worker-b", at(1000), lease_for).await,
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
        let lease_for = SignedDuration::from_secs(60);
        let first = lease(&store, KINDS, "a", at(1), lease_for)
            .await
            .expect("job");
        // Worker a died: after its lease ends, b takes the job over.
        let second = lease(&store, KINDS, "b", at(62), lease_for)
            .await
            .expect("job");
        assert_eq!(second.id, first.id);
        assert_eq!(second.attempts, 2);
        // a's outcome no longer counts.
        assert!(!complete(&store, &first, at(62)).await, "a lost its lease");

        let mut tx = store.begin().await.expect("begin");
        assert!(
            store::jobs::retry(&mut tx, &second, "connection refused", at(120))
                .await
                .expect("retry")
        );
        store::outbox::mark_attempt_failed(&mut tx, email_id, "connection refused", true)
            .await
            .expect("failed");
        tx.commit().await.expect("commit");
        assert_eq!(
            lease(&store, KINDS, "b", at(100), lease_for).await,
            None,
            "not yet due"
        );
        let email = store::outbox::by_id(&mut store.read().await.expect("read"), email_id)
            .await
            .expect("get")
            .expect("found");
        assert_eq!(
            email.status,
            EmailStatus::Queued,
            "still queued while retrying"
        );
        assert_eq!(email.last_error.as_deref(), Some("connection refused"));
        assert_eq!(
            status(&store, &second).await,
            (JobStatus::Pending, Some("connection refused".into()))
        );

        let third = lease(&store, KINDS, "b", at(121), lease_for)
            .await
            .expect("due again");
        let mut tx = store.begin().await.expect("begin");
        assert!(
            store::jobs::fail(&mut tx, &third, "mailbox unavailable", at(122))
                .await
                .expect("give up")
        );
        store::outbox::mark_attempt_failed(&mut tx, email_id, "mailbox unavailable", false)
            .await
            .expect("failed");
        tx.commit().await.expect("commit");
        let email = store::outbox::by_id(&mut store.read().await.expect("read"), email_id)
            .await
            .expect("get")
            .expect("found");
        assert_eq!(email.status, EmailStatus::Failed);
        assert_eq!(email.attempts, 2);
        assert_eq!(
            status(&store, &third).await,
            (JobStatus::Failed, Some("mailbox unavailable".into()))
        );
        assert_eq!(lease(&store, KINDS, "b", at(10_000), lease_for).await, None);
    })
    .await;
}

/// A job of its own kind, queued through the typed constructor.
#[derive(serde::Serialize)]
struct Ping {
    n: i64,
}

impl Payload for Ping {
    const KIND: &'static str = "test.ping";
    const MAX_ATTEMPTS: i64 = 3;
}

#[tokio::test]
async fn workers_take_every_kind_but_those_they_leave() {
    each_backend(|store| async move {
        queue_report_with_email(&store).await;
        let mut tx = store.begin().await.expect("begin");
        let ping = NewJob::of(&Ping { n: 7 }, at(0), at(0)).expect("job");
        store::jobs::enqueue(&mut tx, &ping).await.expect("enqueue");
        tx.commit().await.expect("commit");
        let lease_for = SignedDuration::from_secs(60);
        // The e-mail's job came first, but a worker without SMTP leaves it.
        let job = lease_where(&store, Kinds::Except(KINDS), "w", at(1), lease_for)
            .await
            .expect("the ping");
        assert_eq!(job.id, ping.id);
        assert_eq!(job.kind, "test.ping");
        assert_eq!(job.payload, serde_json::json!({ "n": 7 }));
        assert_eq!(job.max_attempts, 3);
        assert_eq!(
            lease_where(&store, Kinds::Except(KINDS), "w", at(1), lease_for).await,
            None
        );
        assert_eq!(
            lease(&store, &[], "w", at(1), lease_for).await,
            None,
            "no kinds, no job"
        );
        let email = lease_where(&store, Kinds::Except(&[]), "w", at(1), lease_for)
            .await
            .expect("any kind");
        assert_eq!(email.kind, DELIVER_EMAIL);
    })
    .await;
}
