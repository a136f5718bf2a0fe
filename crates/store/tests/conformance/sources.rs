use super::*;
use ::triage::source::SourceKind;
use jiff::SignedDuration;
use store::{
    ProjectSourceInput,
    jobs::Payload,
    sources,
    triage::{self, TriageReport},
};

fn git(url: &str) -> ProjectSourceInput {
    ProjectSourceInput {
        kind: SourceKind::Git,
        location: url.to_owned(),
        default_ref: Some("main".to_owned()),
        extra_refs: vec!["v1.0.0".to_owned()],
    }
}

/// The report ids of the pending triage jobs, leased (and so taken) one by one.
async fn take_triage_jobs(store: &Db, now: Timestamp) -> Vec<String> {
    let mut ids = Vec::new();
    while let Some(job) = super::jobs::lease(
        store,
        &[TriageReport::KIND],
        "w",
        now,
        SignedDuration::from_secs(60),
    )
    .await
    {
        ids.push(
            job.payload["report_id"]
                .as_str()
                .expect("report_id")
                .to_owned(),
        );
        assert!(super::jobs::complete(store, &job, now).await);
    }
    ids.sort();
    ids
}

async fn read(store: &Db) -> store::Read {
    store.read().await.expect("read")
}

/// Sets the source and queues the open reports again, as the service does; how many.
async fn set(store: &Db, p: ProjectId, input: &ProjectSourceInput, now: Timestamp) -> u64 {
    let mut tx = store.begin().await.expect("begin");
    sources::set(&mut tx, p, input, None, now)
        .await
        .expect("set");
    let queued = triage::requeue_open(&mut tx, p, now)
        .await
        .expect("requeue");
    tx.commit().await.expect("commit");
    queued
}

async fn fetched(
    store: &Db,
    p: ProjectId,
    heads: Option<&serde_json::Value>,
    error: Option<&str>,
    now: Timestamp,
) {
    let mut tx = store.begin().await.expect("begin");
    sources::set_fetched(&mut tx, p, heads, error, now)
        .await
        .expect("fetched");
    tx.commit().await.expect("commit");
}

#[tokio::test]
async fn a_source_is_versioned_and_its_fetches_recorded() {
    each_backend(|store| async move {
        let p = project(&store, "demo").await;
        let other = project(&store, "other").await;
        let ada = user(&store, "ada@example.org", false).await;
        assert_eq!(
            sources::of_project(&mut *read(&store).await, p.id)
                .await
                .expect("read"),
            None
        );
        let mut tx = store.begin().await.expect("begin");
        assert!(
            !sources::delete(&mut tx, p.id).await.expect("delete"),
            "nothing to remove"
        );
        drop(tx);

        let input = git("https://example.org/demo.git");
        let mut tx = store.begin().await.expect("begin");
        sources::set(&mut tx, p.id, &input, Some(ada.id), at(5))
            .await
            .expect("set");
        tx.commit().await.expect("commit");
        let stored = sources::of_project(&mut *read(&store).await, p.id)
            .await
            .expect("read")
            .expect("stored");
        assert_eq!((stored.input.clone(), stored.version), (input.clone(), 1));
        assert_eq!(stored.updated_by, Some(ada.id));
        assert_eq!(stored.updated_at, at(5));
        assert_eq!(stored.heads, None);
        let path = ProjectSourceInput {
            kind: SourceKind::Path,
            location: "/srv/other".to_owned(),
            default_ref: None,
            extra_refs: Vec::new(),
        };
        set(&store, other.id, &path, at(5)).await;
        let git_sources = sources::git(&mut *read(&store).await).await.expect("git");
        assert_eq!(git_sources, vec![stored.clone()], "only git sources");

        // A fetch records the commits; a failed one keeps them and says why.
        let heads = serde_json::json!({ "main": "aaaa" });
        fetched(&store, p.id, Some(&heads), None, at(8)).await;
        let now = sources::of_project(&mut *read(&store).await, p.id)
            .await
            .expect("read")
            .expect("stored");
        assert_eq!(now.heads, Some(heads.clone()));
        assert_eq!(now.fetched_at, Some(at(8)));
        assert_eq!(now.fetch_error, None);
        fetched(&store, p.id, Some(&heads), Some("timed out"), at(10)).await;
        let now = sources::of_project(&mut *read(&store).await, p.id)
            .await
            .expect("read")
            .expect("stored");
        assert_eq!(now.heads, Some(heads.clone()));
        assert_eq!(now.fetch_error.as_deref(), Some("timed out"));
        assert_eq!(now.fetched_at, Some(at(10)));

        // A new configuration is the next version and forgets what fetches found.
        set(&store, p.id, &input, at(11)).await;
        let now = sources::of_project(&mut *read(&store).await, p.id)
            .await
            .expect("read")
            .expect("stored");
        assert_eq!(now.version, 2);
        assert_eq!(
            (now.heads, now.fetched_at, now.fetch_error),
            (None, None, None)
        );
        assert_eq!(now.updated_by, None);

        // Removing it.
        let mut tx = store.begin().await.expect("begin");
        assert!(sources::delete(&mut tx, p.id).await.expect("delete"));
        tx.commit().await.expect("commit");
        assert_eq!(
            sources::of_project(&mut *read(&store).await, p.id)
                .await
                .expect("read"),
            None
        );
    })
    .await;
}

#[tokio::test]
async fn a_change_queues_the_open_reports_for_triage_again_once() {
    each_backend(|store| async move {
        let p = project(&store, "demo").await;
        let other = project(&store, "other").await;
        let ada = user(&store, "ada@example.org", false).await;
        let (open, _) = insert(&store, &p, &new_report("Open", None), "t1", at(1)).await;
        let (closed, _) = insert(&store, &p, &new_report("Closed", None), "t2", at(2)).await;
        let (disclosed, _) = insert(&store, &p, &new_report("Disclosed", None), "t4", at(2)).await;
        insert(&store, &other, &new_report("Elsewhere", None), "t3", at(3)).await;
        sqlx::query("UPDATE reports SET state = 'closed', resolution = 'spam' WHERE id = $1")
            .bind(closed.to_string())
            .execute(store.pool())
            .await
            .expect("close");
        sqlx::query("UPDATE reports SET state = 'disclosed' WHERE id = $1")
            .bind(disclosed.to_string())
            .execute(store.pool())
            .await
            .expect("disclose");

        let input = git("https://example.org/demo.git");
        assert_eq!(set(&store, p.id, &input, at(5)).await, 1);
        // Only the open report of this project; a second change queues no second job for it.
        assert_eq!(
            set(&store, p.id, &input, at(6)).await,
            0,
            "a job was pending"
        );
        assert_eq!(take_triage_jobs(&store, at(7)).await, [open.to_string()]);
        assert_eq!(
            set(&store, p.id, &input, at(8)).await,
            1,
            "none pending now"
        );
        assert_eq!(take_triage_jobs(&store, at(9)).await, [open.to_string()]);

        // A changed policy queues them too; saving the same policy does not.
        update_policy(&store, p.id, 1, &p.policy, Some(ada.id), at(14))
            .await
            .expect("same");
        assert!(take_triage_jobs(&store, at(14)).await.is_empty());
        let mut policy = p.policy.clone();
        policy.contacts.push("mailto:other@demo.example".to_owned());
        update_policy(&store, p.id, 2, &policy, Some(ada.id), at(15))
            .await
            .expect("changed");
        assert_eq!(take_triage_jobs(&store, at(16)).await, [open.to_string()]);
        let log = store::audit::events(&mut store.read().await.expect("read"), 0, 1000)
            .await
            .expect("audit");
        let policy_updates: Vec<&serde_json::Value> = log
            .iter()
            .filter(|e| e.action == "policy.update")
            .map(|e| &e.data)
            .collect();
        assert_eq!(policy_updates.len(), 2);
        assert_eq!(policy_updates[0]["retriage"], 0);
        assert_eq!(policy_updates[1]["retriage"], 1);
    })
    .await;
}
