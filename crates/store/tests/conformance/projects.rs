use super::*;
use domain::account::ProjectRole;

#[tokio::test]
async fn slugs_are_unique() {
    each_backend(|store| async move {
        let first = project(&store, "octoprint").await;
        let mut again = first.clone();
        again.id = ProjectId::new();
        let err = store
            .create_project(&again, None)
            .await
            .expect_err("duplicate slug");
        assert!(matches!(err, store::StoreError::Conflict(_)), "{err:?}");
        let found = store
            .project_by_slug(&first.slug)
            .await
            .expect("get")
            .expect("found");
        assert_eq!(found, first);
        assert_eq!(
            store.project_by_id(first.id).await.expect("get"),
            Some(first)
        );
        assert_eq!(store.list_projects().await.expect("list").len(), 1);
    })
    .await;
}

#[tokio::test]
async fn every_policy_change_keeps_the_previous_version() {
    each_backend(|store| async move {
        let p = project(&store, "demo").await;
        let ada = user(&store, "ada@example.org", false).await;
        let mut policy = p.policy.clone();
        policy.targets.acknowledge_days = 1;
        policy.targets.business_days = true;
        let updated = store
            .update_policy(p.id, 1, &policy, Some(ada.id), at(60))
            .await
            .expect("update");
        assert_eq!(updated.policy_version, 2);
        assert_eq!(updated.policy, policy);

        // A second editor who loaded version 1 must not overwrite version 2.
        let err = store
            .update_policy(p.id, 1, &p.policy, None, at(61))
            .await
            .expect_err("stale");
        assert!(matches!(err, store::StoreError::Conflict(_)), "{err:?}");

        let history = store.policy_history(p.id).await.expect("history");
        let versions: Vec<i64> = history.iter().map(|v| v.version).collect();
        assert_eq!(versions, vec![2, 1]);
        assert_eq!(history[1].policy, p.policy, "version 1 kept as it was");
        assert_eq!(history[0].changed_by, Some(ada.id));
        let reloaded = store
            .project_by_slug(&p.slug)
            .await
            .expect("get")
            .expect("found");
        assert_eq!(reloaded.policy.targets.acknowledge_days, 1);
    })
    .await;
}

#[tokio::test]
async fn members_have_one_role_per_project() {
    each_backend(|store| async move {
        let p = project(&store, "demo").await;
        let q = project(&store, "other").await;
        let ada = user(&store, "ada@example.org", false).await;
        assert_eq!(store.member_role(p.id, ada.id).await.expect("role"), None);
        store
            .set_member(p.id, ada.id, ProjectRole::Triager)
            .await
            .expect("set");
        store
            .set_member(p.id, ada.id, ProjectRole::Maintainer)
            .await
            .expect("change");
        assert_eq!(
            store.member_role(p.id, ada.id).await.expect("role"),
            Some(ProjectRole::Maintainer)
        );
        assert_eq!(store.member_role(q.id, ada.id).await.expect("role"), None);
        let mine = store.projects_of(ada.id).await.expect("projects_of");
        assert_eq!(mine.len(), 1);
        assert_eq!(mine[0].0.id, p.id);
    })
    .await;
}

#[tokio::test]
async fn the_first_signing_key_stored_wins() {
    each_backend(|store| async move {
        let p = project(&store, "demo").await;
        assert_eq!(store.signing_key(p.id).await.expect("get"), None);
        let key = |fp: &str| store::SigningKeyRecord {
            fingerprint: fp.to_owned(),
            secret_armored: format!("secret {fp}"),
            public_armored: format!("public {fp}"),
            created_at: at(5),
        };
        let first = store
            .insert_signing_key(p.id, &key("AAAA"))
            .await
            .expect("insert");
        assert_eq!(first, key("AAAA"));
        let second = store
            .insert_signing_key(p.id, &key("BBBB"))
            .await
            .expect("insert again");
        assert_eq!(
            second.fingerprint, "AAAA",
            "a racing second key does not replace the first"
        );
        assert_eq!(
            store.signing_key(p.id).await.expect("get"),
            Some(key("AAAA"))
        );
    })
    .await;
}
