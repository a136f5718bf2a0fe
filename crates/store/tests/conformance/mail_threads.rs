//! A report's mail thread (the reporter's messages and ours, in order), the signature
//! result of an inbound message, outgoing mail's Auto-Submitted, and reporters' keys.

use super::*;
use store::{
    AuthorKind, AutoSubmitted, Disposition, InboundSignature, KeySource, NewInbound, NewMessage,
    ReporterKey, SignatureStatus, StoreError, ThreadEntry, Visibility,
};

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

fn inbound(project: ProjectId, message_id: &str, at_s: i64) -> NewInbound {
    NewInbound {
        id: uuid::Uuid::now_v7(),
        project: Some(project),
        received_at: at(at_s),
        raw: b"From: mara@example.org\r\n\r\nbody\r\n".to_vec(),
        sender: Some("mara@example.org".to_owned()),
        subject: None,
        message_id: Some(message_id.to_owned()),
    }
}

fn key(project: ProjectId, report: domain::ReportId, fingerprint: &str, at_s: i64) -> ReporterKey {
    ReporterKey {
        id: uuid::Uuid::now_v7(),
        project,
        report,
        address: Some("mara@example.org".to_owned()),
        fingerprint: fingerprint.to_owned(),
        armored: format!("-----BEGIN PGP PUBLIC KEY BLOCK-----\n{fingerprint}\n"),
        source: KeySource::Attachment,
        created_at: at(at_s),
    }
}

#[tokio::test]
async fn a_reports_thread_lists_the_reporters_mail_and_ours_in_order() {
    each_backend(|store| async move {
        let p = project(&store, "demo").await;
        let (report, _) = insert(&store, &p, &new_report("By mail", None), "t1", at(5)).await;
        let first = inbound(p.id, "first@example.org", 10);
        write!(store, |c| store::inbound::insert(c, &first)).expect("insert");
        write!(store, |c| store::inbound::settle(
            c,
            first.id,
            Disposition::Report,
            Some(report),
            None
        ))
        .expect("settle");
        let mut email = email_to("mara@example.org", at(20));
        email.report = Some(report);
        email.auto_submitted = Some(AutoSubmitted::AutoReplied);
        let email_id = email.id;
        add_message(
            &store,
            &NewMessage {
                id: uuid::Uuid::now_v7(),
                report,
                author_kind: AuthorKind::System,
                author: None,
                visibility: Visibility::Reporter,
                body: "Received.".into(),
                created_at: at(20),
            },
            Some(email),
        )
        .await
        .expect("message");
        assert_eq!(
            store::outbox::by_id(&mut store.read().await.expect("read"), email_id)
                .await
                .expect("read")
                .expect("email")
                .auto_submitted,
            Some(AutoSubmitted::AutoReplied)
        );
        let reply = inbound(p.id, "reply@example.org", 30);
        write!(store, |c| store::inbound::insert(c, &reply)).expect("insert");
        write!(store, |c| store::inbound::settle(
            c,
            reply.id,
            Disposition::Reply,
            Some(report),
            None
        ))
        .expect("settle");
        // Unfiled mail is no part of the thread.
        let stray = inbound(p.id, "stray@example.org", 31);
        write!(store, |c| store::inbound::insert(c, &stray)).expect("insert");

        let entry = |id: &str, s: i64, from_reporter: bool| ThreadEntry {
            at: at(s),
            message_id: id.to_owned(),
            from_reporter,
        };
        let ours = format!("{email_id}@embargo");
        assert_eq!(
            store::inbound::thread(&mut store.read().await.expect("read"), report, at(40))
                .await
                .expect("thread"),
            vec![
                entry("first@example.org", 10, true),
                entry(&ours, 20, false),
                entry("reply@example.org", 30, true),
            ]
        );
        assert_eq!(
            store::inbound::thread(&mut store.read().await.expect("read"), report, at(25))
                .await
                .expect("thread"),
            vec![
                entry("first@example.org", 10, true),
                entry(&ours, 20, false)
            ]
        );

        // The signature result is kept with the inbound message.
        let signature = InboundSignature {
            status: SignatureStatus::Bad,
            key: None,
            note: Some("changed after signing".into()),
        };
        write!(store, |c| store::inbound::set_signature(
            c, reply.id, &signature
        ))
        .expect("signature");
        let listed = store::inbound::of_report(&mut store.read().await.expect("read"), report)
            .await
            .expect("inbound");
        assert_eq!(
            listed
                .iter()
                .map(|i| (i.id, i.signature.clone()))
                .collect::<Vec<_>>(),
            vec![(first.id, None), (reply.id, Some(signature.clone()))]
        );
        assert!(matches!(
            write!(store, |c| store::inbound::set_signature(
                c,
                uuid::Uuid::now_v7(),
                &signature
            )),
            Err(StoreError::NotFound)
        ));
    })
    .await;
}

#[tokio::test]
async fn reporter_keys_are_kept_once_per_report_and_found_by_address() {
    each_backend(|store| async move {
        let p = project(&store, "demo").await;
        let other = project(&store, "other").await;
        let (report, _) = insert(&store, &p, &new_report("One", None), "t1", at(5)).await;
        let (second, _) = insert(&store, &p, &new_report("Two", None), "t2", at(6)).await;
        let (elsewhere, _) = insert(&store, &other, &new_report("Three", None), "t3", at(7)).await;
        assert!(
            write!(store, |c| store::reporter_keys::insert(
                c,
                &key(p.id, report, "AAAA", 10)
            ))
            .expect("add")
        );
        assert!(
            !write!(store, |c| store::reporter_keys::insert(
                c,
                &key(p.id, report, "AAAA", 11)
            ))
            .expect("again")
        );
        assert!(
            write!(store, |c| store::reporter_keys::insert(
                c,
                &key(p.id, second, "BBBB", 12)
            ))
            .expect("add")
        );
        assert!(
            write!(store, |c| store::reporter_keys::insert(
                c,
                &key(other.id, elsewhere, "CCCC", 13)
            ))
            .expect("add")
        );
        let of =
            |keys: Vec<ReporterKey>| keys.into_iter().map(|k| k.fingerprint).collect::<Vec<_>>();
        assert_eq!(
            of(
                store::reporter_keys::of_report(&mut store.read().await.expect("read"), report)
                    .await
                    .expect("keys")
            ),
            ["AAAA"]
        );
        // Newest first, this project only, the address compared without case.
        assert_eq!(
            of(store::reporter_keys::by_address(
                &mut store.read().await.expect("read"),
                p.id,
                "Mara@Example.org"
            )
            .await
            .expect("keys")),
            ["BBBB", "AAAA"]
        );

        // Given with the report, the key is stored in the report's own transaction.
        let id = domain::ReportId::new();
        let given = key(p.id, id, "DDDD", 20);
        submit(
            &store,
            Submission {
                id,
                project: &p,
                report: &new_report("With a key", None),
                source: domain::report::Source::Api,
                token_hash: "t4",
                now: at(20),
                idempotency: None,
                acknowledgement: None,
                job: None,
                reporter_key: Some(&given),
            },
        )
        .await
        .expect("insert");
        assert_eq!(
            store::reporter_keys::of_report(&mut store.read().await.expect("read"), id)
                .await
                .expect("keys"),
            vec![given]
        );
    })
    .await;
}
