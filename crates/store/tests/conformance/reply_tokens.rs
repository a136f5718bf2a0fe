//! Reply tokens: issued once per report, found by their hash, disabled for good.

use super::*;
use store::ReplyToken;

#[tokio::test]
async fn reply_tokens_are_found_by_hash_and_disabled_for_good() {
    each_backend(|store| async move {
        let p = project(&store, "demo").await;
        let (a, _) = insert(&store, &p, &new_report("A", None), "t1", at(1)).await;
        let (b, _) = insert(&store, &p, &new_report("B", None), "t2", at(2)).await;
        assert_eq!(store.reply_token("hash-a").await.expect("lookup"), None);

        assert!(store.ensure_reply_token(a, "hash-a").await.expect("issue"));
        // Issuing again is harmless.
        assert!(store.ensure_reply_token(a, "hash-a").await.expect("again"));
        assert_eq!(
            store.reply_token("hash-a").await.expect("lookup"),
            Some(ReplyToken {
                report: a,
                disabled: false
            })
        );

        // Disabled: refused by hash, and never issued again.
        store.disable_reply_tokens(a).await.expect("disable");
        assert_eq!(
            store.reply_token("hash-a").await.expect("lookup"),
            Some(ReplyToken {
                report: a,
                disabled: true
            })
        );
        assert!(!store.ensure_reply_token(a, "hash-a").await.expect("issue"));
        assert!(!store.ensure_reply_token(a, "hash-a2").await.expect("issue"));
        assert_eq!(store.reply_token("hash-a2").await.expect("lookup"), None);

        // Disabled before any token was issued: none ever is.
        store.disable_reply_tokens(b).await.expect("disable");
        assert!(!store.ensure_reply_token(b, "hash-b").await.expect("issue"));
        assert_eq!(store.reply_token("hash-b").await.expect("lookup"), None);
    })
    .await;
}
