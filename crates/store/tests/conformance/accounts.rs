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
