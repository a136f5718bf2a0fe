use super::*;
use domain::account::ProjectRole;
use store::{members, projects};

#[tokio::test]
async fn slugs_are_unique() {
    each_backend(|store| async move {
        let first = project(&store, "octoprint").await;
        let mut again = first.clone();
        again.id = ProjectId::new();
        let err = create_project(&store, &again)
            .await
            .expect_err("duplicate slug");
        assert!(matches!(err, store::StoreError::Conflict(_)), "{err:?}");
        let mut c = store.read().await.expect("read");
        let found = projects::by_slug(&mut c, &first.slug)
            .await
            .expect("get")
            .expect("found");
        assert_eq!(found, first);
        assert_eq!(
            projects::by_id(&mut c, first.id).await.expect("get"),
            Some(first)
        );
        assert_eq!(projects::list(&mut c).await.expect("list").len(), 1);
    })
    .await;
}

#[tokio::test]
async fn every_policy_change_keeps_the_previous_version() {
    each_backend(|store| async move {
        let p = project(&store, "demo").await;
        let ada = user(&store, "ada@example.org", false).await;
        let mut policy = p.policy.clone();
        policy.targets.acknowledge_days = Some(1);
        policy.targets.business_days = true;
        let updated = update_policy(&store, p.id, 1, &policy, Some(ada.id), at(60))
            .await
            .expect("update");
        assert_eq!(updated.policy_version, 2);
        assert_eq!(updated.policy, policy);

        // A second editor who loaded version 1 must not overwrite version 2.
        let err = update_policy(&store, p.id, 1, &p.policy, None, at(61))
            .await
            .expect_err("stale");
        assert!(matches!(err, store::StoreError::Conflict(_)), "{err:?}");

        let mut c = store.read().await.expect("read");
        let history = projects::policy_history(&mut c, p.id, 10)
            .await
            .expect("history");
        let versions: Vec<i64> = history.iter().map(|v| v.version).collect();
        assert_eq!(versions, vec![2, 1]);
        assert_eq!(history[1].policy, p.policy, "version 1 kept as it was");
        assert_eq!(history[0].changed_by, Some(ada.id));
        let latest = projects::policy_history(&mut c, p.id, 1)
            .await
            .expect("history");
        assert_eq!(latest.iter().map(|v| v.version).collect::<Vec<_>>(), [2]);
        let reloaded = projects::by_slug(&mut c, &p.slug)
            .await
            .expect("get")
            .expect("found");
        assert_eq!(reloaded.policy.targets.acknowledge_days, Some(1));
    })
    .await;
}

#[tokio::test]
async fn members_have_one_role_per_project() {
    each_backend(|store| async move {
        let p = project(&store, "demo").await;
        let q = project(&store, "other").await;
        let ada = user(&store, "ada@example.org", false).await;
        let role = async |project: ProjectId| {
            members::role(&mut store.read().await.expect("read"), project, ada.id)
                .await
                .expect("role")
        };
        assert_eq!(role(p.id).await, None);
        let mut tx = store.begin().await.expect("begin");
        members::set(&mut tx, p.id, ada.id, ProjectRole::Triager)
            .await
            .expect("set");
        tx.commit().await.expect("commit");
        let mut tx = store.begin().await.expect("begin");
        members::set(&mut tx, p.id, ada.id, ProjectRole::Maintainer)
            .await
            .expect("change");
        tx.commit().await.expect("commit");
        assert_eq!(role(p.id).await, Some(ProjectRole::Maintainer));
        assert_eq!(role(q.id).await, None);
        let mine = members::projects_of(&mut store.read().await.expect("read"), ada.id)
            .await
            .expect("projects_of");
        assert_eq!(mine.len(), 1);
        assert_eq!(mine[0].0.id, p.id);
    })
    .await;
}

#[tokio::test]
async fn the_first_signing_key_stored_wins() {
    each_backend(|store| async move {
        let p = project(&store, "demo").await;
        let signing_key = async || {
            projects::signing_key(&mut store.read().await.expect("read"), p.id)
                .await
                .expect("get")
        };
        assert_eq!(signing_key().await, None);
        let key = |fp: &str| store::SigningKeyRecord {
            fingerprint: fp.to_owned(),
            secret_armored: format!("secret {fp}"),
            public_armored: format!("public {fp}"),
            created_at: at(5),
        };
        let mut tx = store.begin().await.expect("begin");
        let first = projects::insert_signing_key(&mut tx, p.id, &key("AAAA"))
            .await
            .expect("insert");
        tx.commit().await.expect("commit");
        assert_eq!(first, key("AAAA"));
        let mut tx = store.begin().await.expect("begin");
        let second = projects::insert_signing_key(&mut tx, p.id, &key("BBBB"))
            .await
            .expect("insert again");
        tx.commit().await.expect("commit");
        assert_eq!(
            second.fingerprint, "AAAA",
            "a racing second key does not replace the first"
        );
        assert_eq!(signing_key().await, Some(key("AAAA")));
    })
    .await;
}

#[tokio::test]
async fn projects_are_found_by_the_text_their_policy_mentions() {
    each_backend(|store| async move {
        let alpha = project(&store, "alpha").await;
        let beta = project(&store, "beta").await;
        let found = async |texts: &[&str]| -> Vec<String> {
            let texts: Vec<String> = texts.iter().map(|t| (*t).to_owned()).collect();
            projects::mentioning(&mut *read(&store).await, &texts)
                .await
                .expect("search")
                .into_iter()
                .map(|p| p.slug.as_str().to_owned())
                .collect()
        };
        assert_eq!(found(&["mailto:security@alpha.example"]).await, ["alpha"]);
        // Letters in either case; several texts at once.
        assert_eq!(
            found(&[
                "MAILTO:Security@Beta.Example",
                "mailto:security@alpha.example"
            ])
            .await,
            ["alpha", "beta"]
        );
        // `_` and `%` are literal, not wildcards.
        assert!(found(&["mailto:security@alpha_example"]).await.is_empty());
        assert!(found(&["mailto:%@beta.example"]).await.is_empty());
        assert!(found(&[]).await.is_empty());
        assert_ne!(alpha.id, beta.id);
    })
    .await;
}
