use super::*;

#[tokio::test]
async fn users_are_unique_by_case_insensitive_email() {
    each_backend(|store| async move {
        assert!(!store.any_admin().await.expect("any_admin"));
        let ada = user(&store, "Ada@Example.org", true).await;
        assert!(store.any_admin().await.expect("any_admin"));
        let err = store
            .create_user(&NewUser {
                id: UserId::new(),
                email: EmailAddress::parse("email", "ada@example.ORG").expect("valid"),
                name: "Other".into(),
                password_hash: None,
                is_admin: false,
                created_at: at(1),
            })
            .await
            .expect_err("duplicate address");
        assert!(matches!(err, store::StoreError::Conflict(_)), "{err:?}");
        let (found, hash) = store
            .user_credentials("ADA@example.org")
            .await
            .expect("lookup")
            .expect("found");
        assert_eq!(found.id, ada.id);
        assert!(hash.expect("hash stored").starts_with("$argon2id$"));
        assert_eq!(store.user_by_id(ada.id).await.expect("by id"), Some(ada));
        assert_eq!(
            store
                .user_credentials("nobody@example.org")
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
        store
            .create_session("hash-1", ada.id, at(0), at(3600))
            .await
            .expect("create");
        assert_eq!(
            store
                .session_user("hash-1", at(10))
                .await
                .expect("get")
                .map(|u| u.id),
            Some(ada.id)
        );
        assert_eq!(
            store.session_user("hash-1", at(3601)).await.expect("get"),
            None,
            "expired"
        );
        assert_eq!(
            store.session_user("hash-2", at(10)).await.expect("get"),
            None,
            "unknown"
        );
        store.delete_session("hash-1").await.expect("delete");
        assert_eq!(
            store.session_user("hash-1", at(10)).await.expect("get"),
            None,
            "deleted"
        );
    })
    .await;
}

#[tokio::test]
async fn api_tokens_resolve_to_their_user() {
    each_backend(|store| async move {
        let ada = user(&store, "ada@example.org", false).await;
        store
            .create_api_token(ada.id, "token-hash", "ci", at(0))
            .await
            .expect("create");
        assert_eq!(
            store
                .api_token_user("token-hash")
                .await
                .expect("get")
                .map(|u| u.id),
            Some(ada.id)
        );
        assert_eq!(store.api_token_user("other").await.expect("get"), None);
    })
    .await;
}
