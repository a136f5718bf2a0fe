//! Holds and bans: a report's hold keeps its receipt, each decision is taken once (a
//! stale decision changes nothing), junk nobody decided on leaves the reminder candidates
//! and is listed for the likely-junk queue; the ban list refuses a second identical entry
//! and counts matches.

use super::*;
use store::{
    StoreError,
    bans::BanRecord,
    holds::{self, Hold, HoldStatus},
};

async fn hold(store: &Db, report: domain::ReportId, status: HoldStatus, receipt: Option<NewEmail>) {
    let mut tx = store.begin().await.expect("begin");
    holds::insert(
        &mut tx,
        &Hold {
            report,
            status,
            reason: None,
            receipt,
            receipt_sent: false,
            created_at: at(0),
            decided_at: None,
            decided_by: None,
        },
    )
    .await
    .expect("insert hold");
    tx.commit().await.expect("commit");
}

async fn decide(store: &Db, report: domain::ReportId, from: HoldStatus, to: HoldStatus) -> bool {
    let mut tx = store.begin().await.expect("begin");
    let moved = holds::decide(
        &mut tx,
        report,
        from,
        to,
        Some("beg_bounty"),
        "triage",
        at(5),
    )
    .await
    .expect("decide");
    tx.commit().await.expect("commit");
    moved
}

#[tokio::test]
async fn holds_keep_the_receipt_decide_once_and_stop_reminders() {
    each_backend(|store| async move {
        let p = project(&store, "holds").await;
        let (junk, _) = insert(
            &store,
            &p,
            &new_report("Bounty?", Some("b@example.org")),
            "h1",
            at(0),
        )
        .await;
        let (real, _) = insert(
            &store,
            &p,
            &new_report("XSS", Some("r@example.org")),
            "h2",
            at(0),
        )
        .await;
        let receipt = NewEmail {
            report: Some(junk),
            ..email_to("b@example.org", at(0))
        };
        hold(&store, junk, HoldStatus::Pending, Some(receipt.clone())).await;
        hold(&store, real, HoldStatus::Pending, None).await;

        let stored = holds::of_report(&mut *read(&store).await, junk)
            .await
            .expect("read")
            .expect("hold");
        assert_eq!(stored.status, HoldStatus::Pending);
        let kept = stored.receipt.expect("the receipt is kept");
        assert_eq!((kept.id, kept.to.as_str()), (receipt.id, "b@example.org"));
        assert_eq!(kept.body_text, receipt.body_text);
        assert!(!stored.receipt_sent);

        // Far past every due date, both are reminder candidates until one is held.
        let horizon = at(400 * 86_400);
        let ids = async || -> Vec<domain::ReportId> {
            store::deadlines::reminder_candidates(&mut *read(&store).await, p.id, horizon, 100)
                .await
                .expect("candidates")
                .into_iter()
                .map(|r| r.id)
                .collect()
        };
        assert_eq!(ids().await.len(), 2);
        assert!(decide(&store, junk, HoldStatus::Pending, HoldStatus::Held).await);
        assert!(
            !decide(&store, junk, HoldStatus::Pending, HoldStatus::Released).await,
            "stale"
        );
        assert_eq!(ids().await, vec![real]);
        assert_eq!(
            holds::junk_of_project(&mut *read(&store).await, p.id)
                .await
                .expect("junk"),
            vec![(junk, HoldStatus::Held)]
        );
        let held = holds::of_report(&mut *read(&store).await, junk)
            .await
            .expect("read")
            .expect("hold");
        assert_eq!(held.reason.as_deref(), Some("beg_bounty"));
        assert_eq!(held.decided_by.as_deref(), Some("triage"));
        assert_eq!(held.decided_at, Some(at(5)));

        // A person's decision lets it through: a candidate again, out of the junk queue.
        assert!(decide(&store, junk, HoldStatus::Held, HoldStatus::Released).await);
        assert_eq!(ids().await.len(), 2);
        assert!(
            holds::junk_of_project(&mut *read(&store).await, p.id)
                .await
                .expect("junk")
                .is_empty()
        );
    })
    .await;
}

#[tokio::test]
async fn bans_are_unique_and_counted() {
    each_backend(|store| async move {
        let admin = user(&store, "root@example.org", true).await;
        let ban = |pattern: &str| BanRecord {
            id: uuid::Uuid::now_v7(),
            kind: "address".into(),
            pattern: pattern.into(),
            note: "beg bounty".into(),
            created_by: Some(admin.id),
            created_by_name: None,
            created_at: at(0),
            match_count: 0,
            last_match_at: None,
        };
        let first = ban("a@example.org");
        let mut tx = store.begin().await.expect("begin");
        store::bans::insert(&mut tx, &first).await.expect("insert");
        let again = store::bans::insert(&mut tx, &ban("a@example.org")).await;
        assert!(matches!(again, Err(StoreError::Conflict(_))), "{again:?}");
        store::bans::record_matches(&mut tx, &[first.id, first.id], at(9))
            .await
            .expect("count");
        tx.commit().await.expect("commit");
        let list = store::bans::list(&mut *read(&store).await)
            .await
            .expect("list");
        assert_eq!(list.len(), 1);
        assert_eq!(
            (list[0].match_count, list[0].last_match_at),
            (2, Some(at(9)))
        );
        assert_eq!(
            list[0].created_by_name.as_deref(),
            Some("User root@example.org")
        );
        let mut tx = store.begin().await.expect("begin");
        assert!(
            store::bans::delete(&mut tx, first.id)
                .await
                .expect("delete")
        );
        assert!(
            !store::bans::delete(&mut tx, first.id)
                .await
                .expect("delete")
        );
        tx.commit().await.expect("commit");
    })
    .await;
}
