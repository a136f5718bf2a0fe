use super::*;
use jiff::SignedDuration;
use store::{ProjectSourceInput, StoreError, job_kind};

fn git(url: &str) -> ProjectSourceInput {
    ProjectSourceInput {
        kind: "git".to_owned(),
        location: url.to_owned(),
        default_ref: Some("main".to_owned()),
        extra_refs: vec!["v1.0.0".to_owned()],
    }
}

/// The report ids of the pending triage jobs, leased (and so taken) one by one.
async fn take_triage_jobs(store: &SqlStore, now: Timestamp) -> Vec<String> {
    let mut ids = Vec::new();
    while let Some(job) = store
        .lease_job(
            &[job_kind::TRIAGE_REPORT],
            "w",
            now,
            SignedDuration::from_secs(60),
        )
        .await
        .expect("lease")
    {
        ids.push(
            job.payload["report_id"]
                .as_str()
                .expect("report_id")
                .to_owned(),
        );
        store.complete_job(&job, now, None).await.expect("complete");
    }
    ids.sort();
    ids
}

async fn actions(store: &SqlStore) -> Vec<(String, serde_json::Value)> {
    store
        .audit_events(0, 1000)
        .await
        .expect("audit")
        .into_iter()
        .map(|e| (e.action, e.data))
        .collect()
}

#[tokio::test]
async fn a_source_change_queues_the_open_reports_for_triage_again_and_is_audited() {
    each_backend(|store| async move {
        let p = project(&store, "demo").await;
        let other = project(&store, "other").await;
        let ada = user(&store, "ada@example.org", false).await;
        let (open, _) = insert(&store, &p, &new_report("Open", None), "t1", at(1)).await;
        let (closed, _) = insert(&store, &p, &new_report("Closed", None), "t2", at(2)).await;
        insert(&store, &other, &new_report("Elsewhere", None), "t3", at(3)).await;
        sqlx::query("UPDATE reports SET state = 'closed', resolution = 'spam' WHERE id = $1")
            .bind(closed.to_string())
            .execute(store.pool())
            .await
            .expect("close");
        assert_eq!(store.project_source(p.id).await.expect("read"), None);
        assert!(matches!(
            store
                .set_project_source(p.id, None, Some(ada.id), at(4))
                .await,
            Err(StoreError::NotFound)
        ));

        let input = git("https://example.org/demo.git");
        let (stored, queued) = store
            .set_project_source(p.id, Some(&input), Some(ada.id), at(5))
            .await
            .expect("set");
        let stored = stored.expect("stored");
        assert_eq!(
            (stored.input.clone(), stored.version, queued),
            (input.clone(), 1, 1)
        );
        assert_eq!(stored.updated_by, Some(ada.id));
        assert_eq!(stored.heads, None);
        assert_eq!(
            store.project_source(p.id).await.expect("read"),
            Some(stored.clone())
        );
        assert_eq!(store.git_sources().await.expect("git").len(), 1);
        // Only the open report of this project; a second change queues no second job for it.
        store
            .set_project_source(p.id, Some(&input), Some(ada.id), at(6))
            .await
            .expect("set again");
        assert_eq!(take_triage_jobs(&store, at(7)).await, [open.to_string()]);

        // The first fetch records the commits; the same commits again change nothing.
        let heads = serde_json::json!({ "main": "aaaa" });
        assert_eq!(
            store
                .record_source_fetch(p.id, 2, Some(&heads), None, at(8))
                .await
                .expect("fetch"),
            0
        );
        assert_eq!(
            store
                .record_source_fetch(p.id, 2, Some(&heads), None, at(9))
                .await
                .expect("fetch"),
            0
        );
        // A failed fetch keeps the commits and says why.
        store
            .record_source_fetch(p.id, 2, None, Some("timed out"), at(10))
            .await
            .expect("fetch");
        let now = store
            .project_source(p.id)
            .await
            .expect("read")
            .expect("stored");
        assert_eq!(now.heads, Some(heads.clone()));
        assert_eq!(now.fetch_error.as_deref(), Some("timed out"));
        assert_eq!(now.fetched_at, Some(at(10)));
        // A fetch for an older configuration is ignored.
        let moved = serde_json::json!({ "main": "bbbb" });
        assert_eq!(
            store
                .record_source_fetch(p.id, 1, Some(&moved), None, at(11))
                .await
                .expect("fetch"),
            0
        );
        assert!(take_triage_jobs(&store, at(11)).await.is_empty());
        // New commits: the open report is triaged again.
        assert_eq!(
            store
                .record_source_fetch(p.id, 2, Some(&moved), None, at(12))
                .await
                .expect("fetch"),
            1
        );
        assert_eq!(take_triage_jobs(&store, at(13)).await, [open.to_string()]);

        // A changed policy queues them too; saving the same policy does not.
        store
            .update_policy(p.id, 1, &p.policy, Some(ada.id), at(14))
            .await
            .expect("same");
        assert!(take_triage_jobs(&store, at(14)).await.is_empty());
        let mut policy = p.policy.clone();
        policy.contacts.push("mailto:other@demo.example".to_owned());
        store
            .update_policy(p.id, 2, &policy, Some(ada.id), at(15))
            .await
            .expect("changed");
        assert_eq!(take_triage_jobs(&store, at(16)).await, [open.to_string()]);

        // Removing the source is recorded too.
        let (gone, _) = store
            .set_project_source(p.id, None, Some(ada.id), at(17))
            .await
            .expect("remove");
        assert_eq!(gone, None);
        assert_eq!(store.project_source(p.id).await.expect("read"), None);

        let log = actions(&store).await;
        let names: Vec<&str> = log.iter().map(|(a, _)| a.as_str()).collect();
        assert_eq!(
            names,
            [
                "report.create",
                "report.create",
                "report.create",
                "source.update",
                "source.update",
                "source.change",
                "policy.update",
                "policy.update",
                "source.remove"
            ]
        );
        assert_eq!(log[3].1["location"], "https://example.org/demo.git");
        assert_eq!(log[3].1["retriage"], 1);
        assert_eq!(log[4].1["retriage"], 0, "a job was already pending");
        assert_eq!(log[5].1["from"], heads);
        assert_eq!(log[5].1["to"], moved);
        assert_eq!(log[6].1["retriage"], 0);
        assert_eq!(log[7].1["retriage"], 1);
    })
    .await;
}
