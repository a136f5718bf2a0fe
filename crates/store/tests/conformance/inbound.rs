//! Inbound mail: kept byte for byte before it is read, settled afterwards, found again by
//! the Message-IDs a reply quotes.

use super::*;
use store::{Disposition, NewInbound};

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

fn inbound(project: Option<ProjectId>, raw: &[u8], message_id: &str, at_s: i64) -> NewInbound {
    NewInbound {
        id: uuid::Uuid::now_v7(),
        project,
        received_at: at(at_s),
        raw: raw.to_vec(),
        sender: Some("mara@example.org".to_owned()),
        subject: Some("Path traversal".to_owned()),
        message_id: Some(message_id.to_owned()),
    }
}

#[tokio::test]
async fn raw_messages_are_kept_byte_for_byte_and_settled() {
    each_backend(|store| async move {
        let p = project(&store, "demo").await;
        // Not UTF-8, with a NUL and CRLF: stored as bytes.
        let raw = b"From: mara@example.org\r\nSubject: caf\xe9\r\n\r\nbody\x00\xff\r\n".to_vec();
        let first = inbound(Some(p.id), &raw, "a1@example.org", 10);
        write!(store, |c| store::inbound::insert(c, &first)).expect("insert");
        assert_eq!(
            store::inbound::raw(&mut store.read().await.expect("read"), first.id)
                .await
                .expect("raw"),
            Some(raw.clone())
        );
        let listed = store::inbound::of_project(&mut store.read().await.expect("read"), p.id, 10)
            .await
            .expect("list");
        assert_eq!(listed.len(), 1);
        assert_eq!(listed[0].disposition, Disposition::Received);
        assert_eq!(listed[0].size, i64::try_from(raw.len()).expect("size"));
        assert_eq!(listed[0].report, None);

        let (report, _) = insert(&store, &p, &new_report("By mail", None), "t1", at(11)).await;
        write!(store, |c| store::inbound::settle(
            c,
            first.id,
            Disposition::Report,
            Some(report),
            Some(r#"{"problems":[]}"#),
        ))
        .expect("settle");
        let settled = store::inbound::by_id(&mut store.read().await.expect("read"), first.id)
            .await
            .expect("get")
            .expect("found");
        assert_eq!(settled.disposition, Disposition::Report);
        assert_eq!(settled.report, Some(report));
        assert_eq!(settled.detail.as_deref(), Some(r#"{"problems":[]}"#));

        // A reply quoting the first message finds its report; other projects' ids do not.
        let refs = vec![
            "unknown@example.org".to_owned(),
            "a1@example.org".to_owned(),
        ];
        assert_eq!(
            store::inbound::report_of(&mut store.read().await.expect("read"), p.id, &refs)
                .await
                .expect("find"),
            Some(report)
        );
        let other = project(&store, "other").await;
        assert_eq!(
            store::inbound::report_of(&mut store.read().await.expect("read"), other.id, &refs)
                .await
                .expect("find"),
            None
        );

        // Newest first; a message for no project is kept too.
        let second = inbound(Some(p.id), b"x", "a2@example.org", 20);
        write!(store, |c| store::inbound::insert(c, &second)).expect("insert");
        let lost = inbound(None, b"y", "a3@example.org", 30);
        write!(store, |c| store::inbound::insert(c, &lost)).expect("insert");
        let ids: Vec<uuid::Uuid> =
            store::inbound::of_project(&mut store.read().await.expect("read"), p.id, 10)
                .await
                .expect("list")
                .into_iter()
                .map(|m| m.id)
                .collect();
        assert_eq!(ids, [second.id, first.id]);
        assert!(
            store::inbound::by_id(&mut store.read().await.expect("read"), lost.id)
                .await
                .expect("get")
                .is_some()
        );
        assert!(matches!(
            write!(store, |c| store::inbound::settle(
                c,
                uuid::Uuid::now_v7(),
                Disposition::Ignored,
                None,
                None
            )),
            Err(store::StoreError::NotFound)
        ));
    })
    .await;
}
