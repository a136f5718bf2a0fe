//! Reply tokens: issued once per report, found by their hash, disabled for good.

use super::*;
use store::ReplyToken;

/// Runs one repository write in its own unit of work.
macro_rules! write {
    ($store:expr, |$c:ident| $call:expr) => {{
        let mut tx = $store.begin().await.expect("begin");
        let $c: &mut store::Conn = &mut tx;
        let out = $call.await;
        tx.commit().await.expect("commit");
        out
    }};
}

#[tokio::test]
async fn reply_tokens_are_found_by_hash_and_disabled_for_good() {
    each_backend(|store| async move {
        let p = project(&store, "demo").await;
        let (a, _) = insert(&store, &p, &new_report("A", None), "t1", at(1)).await;
        let (b, _) = insert(&store, &p, &new_report("B", None), "t2", at(2)).await;
        assert_eq!(
            store::reply_tokens::by_hash(&mut store.read().await.expect("read"), "hash-a")
                .await
                .expect("lookup"),
            None
        );

        assert!(write!(store, |c| store::reply_tokens::ensure(c, a, "hash-a")).expect("issue"));
        // Issuing again is harmless.
        assert!(write!(store, |c| store::reply_tokens::ensure(c, a, "hash-a")).expect("again"));
        assert_eq!(
            store::reply_tokens::by_hash(&mut store.read().await.expect("read"), "hash-a")
                .await
                .expect("lookup"),
            Some(ReplyToken {
                report: a,
                disabled: false
            })
        );

        // Disabled: refused by hash, and never issued again.
        write!(store, |c| store::reply_tokens::disable(c, a)).expect("disable");
        assert_eq!(
            store::reply_tokens::by_hash(&mut store.read().await.expect("read"), "hash-a")
                .await
                .expect("lookup"),
            Some(ReplyToken {
                report: a,
                disabled: true
            })
        );
        assert!(!write!(store, |c| store::reply_tokens::ensure(c, a, "hash-a")).expect("issue"));
        assert!(!write!(store, |c| store::reply_tokens::ensure(c, a, "hash-a2")).expect("issue"));
        assert_eq!(
            store::reply_tokens::by_hash(&mut store.read().await.expect("read"), "hash-a2")
                .await
                .expect("lookup"),
            None
        );

        // Disabled before any token was issued: none ever is.
        write!(store, |c| store::reply_tokens::disable(c, b)).expect("disable");
        assert!(!write!(store, |c| store::reply_tokens::ensure(c, b, "hash-b")).expect("issue"));
        assert_eq!(
            store::reply_tokens::by_hash(&mut store.read().await.expect("read"), "hash-b")
                .await
                .expect("lookup"),
            None
        );
    })
    .await;
}
