//! The security.txt watch: kept in step with the policy, claimed once, results stored with
//! their e-mails unless the URL changed meanwhile.

use super::*;
use store::{NewEmail, WatchClaim, WatchResult, watch};

const URL: &str = "https://www.example.org/.well-known/security.txt";

async fn set_url(store: &Db, p: &Project, version: i64, url: Option<&str>, now: Timestamp) {
    let policy = Policy {
        security_txt_url: url.map(str::to_owned),
        ..p.policy.clone()
    };
    update_policy(store, p.id, version, &policy, None, now)
        .await
        .expect("update policy");
}

/// The watch job's claim, as `services::watch::run_due` takes it.
async fn claim_due(store: &Db, now: Timestamp, retry_at: Timestamp) -> Option<WatchClaim> {
    let mut tx = store.begin().await.expect("begin");
    let claim = watch::claim(&mut tx, store.dialect(), now, retry_at)
        .await
        .expect("claim");
    tx.commit().await.expect("commit");
    claim
}

/// As `services::watch::check` stores a result: with its e-mails, or nothing when the URL
/// changed since the claim; whether it was stored.
async fn store_result(
    store: &Db,
    claim: &WatchClaim,
    result: &WatchResult,
    emails: &[NewEmail],
) -> bool {
    let mut tx = store.begin().await.expect("begin");
    if !watch::record(&mut tx, claim, result).await.expect("record") {
        tx.rollback().await.expect("rollback");
        return false;
    }
    for email in emails {
        store::outbox::queue(&mut tx, email).await.expect("queue");
    }
    tx.commit().await.expect("commit");
    true
}

fn result(checked: Timestamp, next: Timestamp) -> WatchResult {
    WatchResult {
        checked_at: checked,
        next_check_at: next,
        valid: false,
        summary: r#"{"errors":1}"#.to_owned(),
        state: r#"{"errors":[{"code":"no_uri","line":1}]}"#.to_owned(),
    }
}

#[tokio::test]
async fn a_watch_follows_the_policy_and_is_claimed_once_when_due() {
    each_backend(|store| async move {
        let p = project(&store, "demo").await;
        assert_eq!(claim_due(&store, at(10), at(3610)).await, None);
        assert_eq!(
            watch::status(&mut store.read().await.expect("read"), p.id)
                .await
                .expect("status"),
            None
        );

        set_url(&store, &p, 1, Some(URL), at(100)).await;
        // Not due before the policy named it; due from then on, and claimed only once.
        assert_eq!(claim_due(&store, at(99), at(3699)).await, None);
        let claim = claim_due(&store, at(100), at(3700)).await.expect("due");
        assert_eq!(claim.project, p.id);
        assert_eq!(claim.url, URL);
        assert_eq!(claim.state, None);
        assert_eq!(claim_due(&store, at(200), at(3800)).await, None);

        let mail = email_to("maintainer@example.org", at(150));
        let mail_id = mail.id;
        let stored = store_result(&store, &claim, &result(at(150), at(86_550)), &[mail]).await;
        assert!(stored);
        let queued = store::outbox::by_id(&mut store.read().await.expect("read"), mail_id)
            .await
            .expect("email");
        assert!(queued.is_some(), "the notice is in the outbox");
        let job = super::jobs::lease(
            &store,
            &[super::jobs::DELIVER_EMAIL],
            "w",
            at(151),
            jiff::SignedDuration::from_secs(60),
        )
        .await;
        assert!(job.is_some(), "and queued for delivery");

        let status = watch::status(&mut store.read().await.expect("read"), p.id)
            .await
            .expect("status")
            .expect("watched");
        assert_eq!(status.url, URL);
        assert_eq!(status.last_checked_at, Some(at(150)));
        assert_eq!(status.last_valid, Some(false));
        assert_eq!(status.next_check_at, at(86_550));
        assert_eq!(status.last_summary.as_deref(), Some(r#"{"errors":1}"#));

        // The next day the claim carries the state the last run kept.
        assert_eq!(claim_due(&store, at(86_549), at(90_000)).await, None);
        let next = claim_due(&store, at(86_550), at(90_150))
            .await
            .expect("due again");
        assert_eq!(
            next.state.as_deref(),
            Some(r#"{"errors":[{"code":"no_uri","line":1}]}"#)
        );
    })
    .await;
}

#[tokio::test]
async fn a_changed_url_starts_afresh_and_drops_a_stale_result() {
    each_backend(|store| async move {
        let p = project(&store, "demo").await;
        set_url(&store, &p, 1, Some(URL), at(100)).await;
        let claim = claim_due(&store, at(100), at(3700)).await.expect("due");
        store_result(&store, &claim, &result(at(101), at(86_501)), &[]).await;

        // An unrelated policy change keeps the watch as it is.
        set_url(&store, &p, 2, Some(URL), at(200)).await;
        let status = watch::status(&mut store.read().await.expect("read"), p.id)
            .await
            .expect("status")
            .expect("watched");
        assert_eq!(status.last_checked_at, Some(at(101)));

        // A new URL is checked at once, without the old URL's state.
        let other = "https://example.org/security.txt";
        let second = claim_due(&store, at(86_600), at(90_000))
            .await
            .expect("due");
        set_url(&store, &p, 3, Some(other), at(300)).await;
        let mail = email_to("maintainer@example.org", at(301));
        let mail_id = mail.id;
        // The result for the old URL arrives late: not stored, its e-mail not queued.
        let stored = store_result(&store, &second, &result(at(301), at(86_701)), &[mail]).await;
        assert!(!stored);
        assert_eq!(
            store::outbox::by_id(&mut store.read().await.expect("read"), mail_id)
                .await
                .expect("email"),
            None
        );
        let fresh = claim_due(&store, at(300), at(3900))
            .await
            .expect("due at once");
        assert_eq!(fresh.url, other);
        assert_eq!(fresh.state, None);

        // Removing the URL removes the watch.
        set_url(&store, &p, 4, None, at(400)).await;
        assert_eq!(
            watch::status(&mut store.read().await.expect("read"), p.id)
                .await
                .expect("status"),
            None
        );
    })
    .await;
}

#[tokio::test]
async fn members_are_listed_with_their_roles() {
    each_backend(|store| async move {
        let p = project(&store, "demo").await;
        let m = user(&store, "maria@example.org", false).await;
        let t = user(&store, "tom@example.org", false).await;
        user(&store, "outsider@example.org", false).await;
        let mut tx = store.begin().await.expect("begin");
        store::members::set(&mut tx, p.id, t.id, domain::account::ProjectRole::Triager)
            .await
            .expect("member");
        store::members::set(
            &mut tx,
            p.id,
            m.id,
            domain::account::ProjectRole::Maintainer,
        )
        .await
        .expect("member");
        tx.commit().await.expect("commit");
        let members: Vec<(String, domain::account::ProjectRole)> =
            store::members::of_project(&mut store.read().await.expect("read"), p.id)
                .await
                .expect("members")
                .into_iter()
                .map(|(u, r)| (u.email.as_str().to_owned(), r))
                .collect();
        assert_eq!(
            members,
            [
                (
                    "maria@example.org".to_owned(),
                    domain::account::ProjectRole::Maintainer
                ),
                (
                    "tom@example.org".to_owned(),
                    domain::account::ProjectRole::Triager
                ),
            ]
        );
    })
    .await;
}
