use super::*;
use domain::audit;
use store::{AuthorKind, NewScore};

fn score(
    report: domain::ReportId,
    by: UserId,
    vector: &str,
    tenths: u8,
    why: &str,
    when: i64,
) -> NewScore {
    NewScore {
        id: uuid::Uuid::now_v7(),
        report,
        vector: vector.to_owned(),
        version: cvss::Version::V31,
        score_tenths: tenths,
        severity: cvss::Severity::High,
        rationale: why.to_owned(),
        author: by,
        created_at: at(when),
    }
}

#[tokio::test]
async fn scores_are_kept_in_order_with_their_author_and_audited_without_the_rationale() {
    each_backend(|store| async move {
        let p = project(&store, "demo").await;
        let bea = user(&store, "bea@example.org", false).await;
        let (id, _) = insert(&store, &p, &new_report("Rescored", None), "t", at(1)).await;
        let (other, _) = insert(&store, &p, &new_report("Untouched", None), "u", at(1)).await;
        assert!(
            store::scores::of_report(&mut *read(&store).await, id)
                .await
                .expect("scores")
                .is_empty()
        );

        let v1 = "CVSS:3.1/AV:L/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H";
        let first = add_score(
            &store,
            &score(
                id,
                bea.id,
                v1,
                84,
                "Needs a local account: secret reason",
                5,
            ),
        )
        .await
        .expect("add");
        assert_eq!(first.score_tenths, 84);
        assert_eq!(first.author_kind, AuthorKind::Maintainer);
        assert_eq!(first.author_id, Some(bea.id));
        assert_eq!(first.author_name.as_deref(), Some("User bea@example.org"));
        assert_eq!(first.vector, v1);
        // An earlier `created_at` inserted later still sorts first.
        let v0 = "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:H/A:H";
        add_score(&store, &score(id, bea.id, v0, 81, "First look", 3))
            .await
            .expect("add");
        let all = store::scores::of_report(&mut *read(&store).await, id)
            .await
            .expect("scores");
        let vectors: Vec<&str> = all.iter().map(|s| s.vector.as_str()).collect();
        assert_eq!(vectors, [v0, v1]);
        assert_eq!(all[1], first);
        assert_eq!(all[1].rationale, "Needs a local account: secret reason");
        assert!(
            store::scores::of_report(&mut *read(&store).await, other)
                .await
                .expect("scores")
                .is_empty()
        );
        let q = project(&store, "quiet").await;
        let (elsewhere, _) = insert(&store, &q, &new_report("Elsewhere", None), "w", at(1)).await;
        add_score(
            &store,
            &score(elsewhere, bea.id, v0, 81, "Other project", 4),
        )
        .await
        .expect("add");
        let in_project = store::scores::of_project(&mut *read(&store).await, p.id)
            .await
            .expect("project scores");
        let vectors: Vec<&str> = in_project.iter().map(|s| s.vector.as_str()).collect();
        assert_eq!(
            vectors,
            [v0, v1],
            "this project's scores only, oldest first"
        );
        assert_eq!(
            store::scores::of_project(&mut *read(&store).await, q.id)
                .await
                .expect("scores")[0]
                .report_id,
            elsewhere
        );
        let report = store::reports::by_id(&mut *read(&store).await, id)
            .await
            .expect("get")
            .expect("found");
        assert_eq!(
            report.updated_at,
            at(3),
            "the last write touches the report"
        );

        let events = store::audit::events(&mut store.read().await.expect("read"), 0, 100)
            .await
            .expect("audit");
        let scored: Vec<_> = events
            .iter()
            .filter(|e| e.action == "score.create")
            .collect();
        assert_eq!(scored.len(), 3);
        assert_eq!(scored[0].actor, audit::user_actor(bea.id));
        assert_eq!(scored[0].subject, audit::report_subject(id));
        assert_eq!(scored[0].data["vector"], v1);
        assert_eq!(scored[0].data["score"], "8.4");
        assert!(!scored[0].data.to_string().contains("secret reason"));
        audit::verify(&events).expect("chain verifies");
    })
    .await;
}

#[tokio::test]
async fn a_score_for_a_missing_report_stores_nothing() {
    each_backend(|store| async move {
        let bea = user(&store, "bea@example.org", false).await;
        let missing = domain::ReportId::new();
        let v = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H";
        add_score(&store, &score(missing, bea.id, v, 98, "why", 1))
            .await
            .expect_err("foreign key");
        assert!(
            store::scores::of_report(&mut *read(&store).await, missing)
                .await
                .expect("scores")
                .is_empty()
        );
        let events = store::audit::events(&mut store.read().await.expect("read"), 0, 100)
            .await
            .expect("audit");
        assert!(events.iter().all(|e| e.action != "score.create"));
    })
    .await;
}
