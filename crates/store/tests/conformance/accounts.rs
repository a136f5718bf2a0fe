use super::*;
use store::accounts;

#[tokio::test]
async fn users_are_unique_by_case_insensitive_email() {
    each_backend(|store| async move {
        let any_admin = async || {
            accounts::any_admin(&mut store.read().await.expect("read"))
                .await
                .expect("any_admin")
        };
        assert!(!any_admin().await);
        let ada = user(&store, "Ada@Example.org", true).await;
        assert!(any_admin().await);
        let mut tx = store.begin().await.expect("begin");
        let err = accounts::insert_user(
            &mut tx,
            &NewUser {
                id: UserId::new(),
                email: EmailAddress::parse("email", "ada@example.ORG").expect("valid"),
                name: "Other".into(),
                password_hash: None,
                is_admin: false,
                created_at: at(1),
            },
        )
        .await
        .expect_err("duplicate address");
        tx.rollback().await.expect("rollback");
        assert!(matches!(err, store::StoreError::Conflict(_)), "{err:?}");
        let mut c = store.read().await.expect("read");
        let (found, hash) = accounts::credentials(&mut c, "ADA@example.org")
            .await
            .expect("lookup")
            .expect("found");
        assert_eq!(found.id, ada.id);
        assert!(hash.expect("hash stored").starts_with("$argon2id$"));
        assert_eq!(
            accounts::user_by_id(&mut c, ada.id).await.expect("by id"),
            Some(ada)
        );
        assert_eq!(
            accounts::credentials(&mut c, "nobody@example.org")
                .await
                .expect("lookup"),
            None
        );
    })
    .await;
}

#[tokio::test]
async fn sessions_expire_and_can_be_deleted() {
    each_backend(|store| async move {
        let ada = user(&store, "ada@example.org", false).await;
        let mut tx = store.begin().await.expect("begin");
        accounts::insert_session(&mut tx, "hash-1", ada.id, at(0), at(3600))
            .await
            .expect("create");
        tx.commit().await.expect("commit");
        let session_user = async |hash: &str, now: Timestamp| {
            accounts::session_user(&mut store.read().await.expect("read"), hash, now)
                .await
                .expect("get")
        };
        assert_eq!(
            session_user("hash-1", at(10)).await.map(|u| u.id),
            Some(ada.id)
        );
        assert_eq!(session_user("hash-1", at(3601)).await, None, "expired");
        assert_eq!(session_user("hash-2", at(10)).await, None, "unknown");
        let mut tx = store.begin().await.expect("begin");
        accounts::delete_session(&mut tx, "hash-1")
            .await
            .expect("delete");
        tx.commit().await.expect("commit");
        assert_eq!(session_user("hash-1", at(10)).await, None, "deleted");
    })
    .await;
}

#[tokio::test]
async fn api_tokens_resolve_to_their_user() {
    each_backend(|store| async move {
        let ada = user(&store, "ada@example.org", false).await;
        let mut tx = store.begin().await.expect("begin");
        accounts::insert_api_token(&mut tx, ada.id, "token-hash", "ci", at(0))
            .await
            .expect("create");
        tx.commit().await.expect("commit");
        let mut c = store.read().await.expect("read");
        assert_eq!(
            accounts::api_token_user(&mut c, "token-hash")
                .await
                .expect("get")
                .map(|u| u.id),
            Some(ada.id)
        );
        assert_eq!(
            accounts::api_token_user(&mut c, "other")
                .await
                .expect("get"),
            None
        );
    })
    .await;
}

#[tokio::test]
async fn sessions_and_tokens_of_a_user_are_listed_and_revoked() {
    each_backend(|store| async move {
        let ada = user(&store, "ada@example.org", false).await;
        let bob = user(&store, "bob@example.org", false).await;
        let mut tx = store.begin().await.expect("begin");
        for (hash, who, created) in [("s1", ada.id, 1), ("s2", ada.id, 2), ("s3", ada.id, 3)] {
            accounts::insert_session(&mut tx, hash, who, at(created), at(3600))
                .await
                .expect("session");
        }
        accounts::insert_session(&mut tx, "b1", bob.id, at(1), at(3600))
            .await
            .expect("session");
        accounts::insert_api_token(&mut tx, ada.id, "t1", "ci", at(5))
            .await
            .expect("token");
        tx.commit().await.expect("commit");

        let listed = |now: i64| {
            let store = store.clone();
            async move {
                accounts::sessions_of(&mut store.read().await.expect("read"), ada.id, at(now))
                    .await
                    .expect("list")
                    .into_iter()
                    .map(|s| s.token_hash)
                    .collect::<Vec<_>>()
            }
        };
        assert_eq!(listed(10).await, ["s3", "s2", "s1"], "newest first");
        assert!(listed(3600).await.is_empty(), "expired ones are left out");

        let mut tx = store.begin().await.expect("begin");
        assert!(
            !accounts::delete_user_session(&mut tx, ada.id, "b1")
                .await
                .expect("delete")
        );
        assert!(
            accounts::delete_user_session(&mut tx, ada.id, "s2")
                .await
                .expect("delete")
        );
        assert_eq!(
            accounts::delete_sessions_except(&mut tx, ada.id, Some("s3"))
                .await
                .expect("delete"),
            1
        );
        tx.commit().await.expect("commit");
        assert_eq!(listed(10).await, ["s3"]);

        // Token use is recorded; a token is revoked by its owner only.
        let mut c = store.read().await.expect("read");
        let (owner, info) = accounts::api_token_lookup(&mut c, "t1")
            .await
            .expect("lookup")
            .expect("found");
        drop(c);
        assert_eq!(
            (owner.id, info.name.as_str(), info.last_used_at),
            (ada.id, "ci", None)
        );
        let mut tx = store.begin().await.expect("begin");
        accounts::touch_api_token(&mut tx, info.id, at(7))
            .await
            .expect("touch");
        assert_eq!(
            accounts::delete_api_token(&mut tx, bob.id, info.id)
                .await
                .expect("delete"),
            None
        );
        tx.commit().await.expect("commit");
        let mut c = store.read().await.expect("read");
        let listed = accounts::api_tokens_of(&mut c, ada.id).await.expect("list");
        assert_eq!(listed.len(), 1);
        assert_eq!(listed[0].last_used_at, Some(at(7)));
        drop(c);
        let mut tx = store.begin().await.expect("begin");
        assert_eq!(
            accounts::delete_api_token(&mut tx, ada.id, info.id)
                .await
                .expect("delete"),
            Some("ci".to_owned())
        );
        tx.commit().await.expect("commit");
        let mut c = store.read().await.expect("read");
        assert_eq!(
            accounts::api_token_user(&mut c, "t1").await.expect("get"),
            None
        );
    })
    .await;
}

#[tokio::test]
async fn a_disabled_user_has_no_sessions_tokens_or_sign_in() {
    each_backend(|store| async move {
        let ada = user(&store, "ada@example.org", false).await;
        let mut tx = store.begin().await.expect("begin");
        accounts::insert_session(&mut tx, "s1", ada.id, at(0), at(3600))
            .await
            .expect("session");
        accounts::insert_api_token(&mut tx, ada.id, "t1", "ci", at(0))
            .await
            .expect("token");
        assert!(
            accounts::disable_user(&mut tx, ada.id, at(5))
                .await
                .expect("disable")
        );
        assert!(
            !accounts::disable_user(&mut tx, ada.id, at(6))
                .await
                .expect("again")
        );
        tx.commit().await.expect("commit");
        let mut c = store.read().await.expect("read");
        assert_eq!(
            accounts::session_user(&mut c, "s1", at(10))
                .await
                .expect("get"),
            None
        );
        assert_eq!(
            accounts::api_token_user(&mut c, "t1").await.expect("get"),
            None
        );
        assert!(
            accounts::api_token_lookup(&mut c, "t1")
                .await
                .expect("get")
                .is_none()
        );
        assert_eq!(
            accounts::login_credentials(&mut c, "ada@example.org")
                .await
                .expect("get"),
            None
        );
        assert!(
            accounts::credentials(&mut c, "ada@example.org")
                .await
                .expect("get")
                .is_some(),
            "still known by address"
        );
    })
    .await;
}

#[tokio::test]
async fn a_password_reset_is_used_once_before_it_expires() {
    each_backend(|store| async move {
        let ada = user(&store, "ada@example.org", false).await;
        let mut tx = store.begin().await.expect("begin");
        accounts::insert_password_reset(&mut tx, "r1", ada.id, at(0), at(3600))
            .await
            .expect("reset");
        accounts::insert_password_reset(&mut tx, "r2", ada.id, at(0), at(3600))
            .await
            .expect("reset");
        tx.commit().await.expect("commit");
        let mut c = store.read().await.expect("read");
        assert_eq!(
            accounts::password_reset_user(&mut c, "r1", at(10))
                .await
                .expect("get")
                .map(|u| u.id),
            Some(ada.id)
        );
        assert_eq!(
            accounts::password_reset_user(&mut c, "r1", at(3600))
                .await
                .expect("get"),
            None
        );
        drop(c);
        let mut tx = store.begin().await.expect("begin");
        assert!(
            accounts::use_password_reset(&mut tx, "r1", at(10))
                .await
                .expect("use")
        );
        assert!(
            !accounts::use_password_reset(&mut tx, "r1", at(11))
                .await
                .expect("reuse")
        );
        assert!(
            !accounts::use_password_reset(&mut tx, "r2", at(3600))
                .await
                .expect("expired")
        );
        assert!(
            !accounts::use_password_reset(&mut tx, "nope", at(10))
                .await
                .expect("unknown")
        );
        accounts::insert_password_reset(&mut tx, "r3", ada.id, at(20), at(3600))
            .await
            .expect("reset");
        assert_eq!(
            accounts::end_password_resets(&mut tx, ada.id, at(21))
                .await
                .expect("end"),
            2,
            "r2 and r3 were unused"
        );
        tx.commit().await.expect("commit");
        let mut c = store.read().await.expect("read");
        assert_eq!(
            accounts::password_reset_user(&mut c, "r1", at(10))
                .await
                .expect("get"),
            None
        );
        assert_eq!(
            accounts::password_reset_user(&mut c, "r3", at(30))
                .await
                .expect("get"),
            None,
            "ended"
        );
    })
    .await;
}
