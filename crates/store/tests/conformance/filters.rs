//! Mail filters: a project's rules (unique ids, audited), the log of matches and its
//! counts, messages settled with a refusal reply, the filters' spam queue, and disabled
//! tracking tokens.

use super::*;
use domain::audit::NewAuditEvent;
use store::{Disposition, FilterMatch, FilterRuleRecord, NewInbound, SettleInbound, StoreError};

fn audit(action: &str, at_s: i64) -> NewAuditEvent {
    NewAuditEvent {
        at: at(at_s),
        actor: "system".to_owned(),
        action: action.to_owned(),
        subject: "project:test".to_owned(),
        data: serde_json::json!({}),
    }
}

fn rule(project: &Project, id: &str, kind: &str, pattern: &str, action: &str) -> FilterRuleRecord {
    FilterRuleRecord {
        key: uuid::Uuid::now_v7(),
        project: project.id,
        rule_id: id.to_owned(),
        kind: kind.to_owned(),
        pattern: pattern.to_owned(),
        action: action.to_owned(),
        note: format!("note for {id}"),
        blocked_report: None,
        created_by: None,
        created_at: at(1),
    }
}

async fn stored_inbound(store: &SqlStore, project: &Project, at_s: i64) -> uuid::Uuid {
    let id = uuid::Uuid::now_v7();
    store
        .insert_inbound(&NewInbound {
            id,
            project: Some(project.id),
            received_at: at(at_s),
            raw: b"From: x@spam.example\r\nSubject: SEO\r\n\r\nbuy\r\n".to_vec(),
            sender: Some("x@spam.example".to_owned()),
            subject: Some("SEO".to_owned()),
            message_id: None,
        })
        .await
        .expect("insert inbound");
    id
}

fn hit(scope: &str, id: &str, key: Option<uuid::Uuid>, action: &str, decided: bool) -> FilterMatch {
    FilterMatch {
        scope: scope.to_owned(),
        rule_id: id.to_owned(),
        rule_key: key,
        action: action.to_owned(),
        matched: format!("matched by {id}"),
        decided,
    }
}

#[tokio::test]
async fn rules_are_unique_per_project_audited_and_deleted_with_their_log_kept() {
    each_backend(|store| async move {
        let p = project(&store, "demo").await;
        let other = project(&store, "other").await;
        let seo = rule(&p, "seo", "subject_regex", "(?i)seo", "spam");
        store
            .insert_filter_rule(&seo, audit("mail_filter.create", 2))
            .await
            .expect("insert");
        // The same id in another project is fine; twice in one project is a conflict.
        store
            .insert_filter_rule(
                &rule(&other, "seo", "sender_domain", "spam.example", "refuse"),
                audit("mail_filter.create", 3),
            )
            .await
            .expect("other project");
        let again = store
            .insert_filter_rule(
                &rule(&p, "seo", "body_regex", "x", "refuse"),
                audit("mail_filter.create", 4),
            )
            .await;
        assert!(matches!(again, Err(StoreError::Conflict(_))), "{again:?}");
        let rules = store.filter_rules(p.id).await.expect("rules");
        assert_eq!(rules, vec![seo.clone()]);

        // Matches are logged with the message and counted per rule.
        let first = stored_inbound(&store, &p, 10).await;
        let matches = [
            hit("instance", "junk", None, "refuse", true),
            hit("project", "seo", Some(seo.key), "spam", false),
        ];
        store
            .settle_inbound_with(&SettleInbound {
                id: first,
                disposition: Disposition::Refused,
                report: None,
                detail: Some("{}"),
                matches: &matches,
                reply: None,
                at: at(10),
            })
            .await
            .expect("settle");
        let second = stored_inbound(&store, &p, 20).await;
        store
            .settle_inbound_with(&SettleInbound {
                id: second,
                disposition: Disposition::Refused,
                report: None,
                detail: None,
                matches: &[hit("project", "seo", Some(seo.key), "spam", true)],
                reply: None,
                at: at(20),
            })
            .await
            .expect("settle");
        assert_eq!(
            store
                .inbound_message(first)
                .await
                .expect("get")
                .expect("found")
                .disposition,
            Disposition::Refused
        );
        let logged = store.filter_matches_of(first).await.expect("log");
        assert_eq!(logged[0], matches[0], "the deciding rule first");
        assert_eq!(logged[1], matches[1]);
        let counts = store.filter_match_counts(p.id).await.expect("counts");
        let count = |scope: &str, id: &str| {
            counts
                .iter()
                .find(|c| c.scope == scope && c.rule_id == id)
                .map(|c| (c.matches, c.last_matched_at))
        };
        assert_eq!(count("project", "seo"), Some((2, at(20))));
        assert_eq!(count("instance", "junk"), Some((1, at(10))));
        assert!(
            store
                .filter_match_counts(other.id)
                .await
                .expect("counts")
                .is_empty()
        );

        // Deleting is audited and returns the rule; the log stays; a second delete is
        // not found.
        let before = store.audit_events(0, 100).await.expect("audit").len();
        let deleted = store
            .delete_filter_rule(p.id, "seo", audit("mail_filter.delete", 30))
            .await
            .expect("delete");
        assert_eq!(deleted.key, seo.key);
        assert!(store.filter_rules(p.id).await.expect("rules").is_empty());
        let events = store.audit_events(0, 100).await.expect("audit");
        assert_eq!(events.len(), before + 1);
        assert_eq!(
            events.last().map(|e| e.action.as_str()),
            Some("mail_filter.delete")
        );
        assert_eq!(store.filter_matches_of(first).await.expect("log").len(), 2);
        let missing = store
            .delete_filter_rule(p.id, "seo", audit("mail_filter.delete", 31))
            .await;
        assert!(matches!(missing, Err(StoreError::NotFound)), "{missing:?}");
        assert_eq!(
            store.audit_events(0, 100).await.expect("audit").len(),
            before + 1
        );
        // The other project's rule of the same id is untouched.
        assert_eq!(store.filter_rules(other.id).await.expect("rules").len(), 1);
    })
    .await;
}

#[tokio::test]
async fn settling_queues_an_auto_reply_and_spam_rules_fill_the_queue() {
    each_backend(|store| async move {
        let p = project(&store, "demo").await;
        let (report, _) = insert(&store, &p, &new_report("SEO", None), "t-spam", at(5)).await;
        let (other_report, _) =
            insert(&store, &p, &new_report("Real", None), "t-real", at(6)).await;

        // Opened by a message a spam rule decided on: in the queue.
        let spam = stored_inbound(&store, &p, 10).await;
        let reply = email_to("x@spam.example", at(10));
        store
            .settle_inbound_with(&SettleInbound {
                id: spam,
                disposition: Disposition::Report,
                report: Some(report),
                detail: None,
                matches: &[hit("project", "seo", None, "spam", true)],
                reply: Some(&reply),
                at: at(10),
            })
            .await
            .expect("settle");
        // A spam rule that matched without deciding does not put a report in the queue.
        let other = stored_inbound(&store, &p, 11).await;
        store
            .settle_inbound_with(&SettleInbound {
                id: other,
                disposition: Disposition::Report,
                report: Some(other_report),
                detail: None,
                matches: &[hit("project", "seo", None, "spam", false)],
                reply: None,
                at: at(11),
            })
            .await
            .expect("settle");
        assert_eq!(
            store.spam_filtered_reports(p.id).await.expect("queue"),
            vec![(report, "seo".to_owned())]
        );

        // The reply is queued for delivery, marked as an automatic answer; others are not.
        let queued = store.email(reply.id).await.expect("email").expect("queued");
        assert_eq!(
            queued.auto_submitted,
            Some(store::AutoSubmitted::AutoReplied)
        );
        assert_eq!(queued.to, "x@spam.example");
        let job = store
            .lease_job(
                &[store::job_kind::DELIVER_EMAIL],
                "w",
                at(12),
                jiff::SignedDuration::from_secs(60),
            )
            .await
            .expect("lease")
            .expect("a delivery job");
        assert_eq!(job.payload["email_id"], reply.id.to_string());

        // Automatic answers to an address are counted (for RFC 3834's "not too often").
        assert_eq!(
            store
                .auto_replies_to("X@Spam.example", at(10))
                .await
                .expect("count"),
            1
        );
        assert_eq!(
            store
                .auto_replies_to("x@spam.example", at(11))
                .await
                .expect("count"),
            0
        );
        assert_eq!(
            store
                .auto_replies_to("z@spam.example", at(0))
                .await
                .expect("count"),
            0
        );

        // Settling an unknown message changes nothing.
        let missing = store
            .settle_inbound_with(&SettleInbound {
                id: uuid::Uuid::now_v7(),
                disposition: Disposition::Refused,
                report: None,
                detail: None,
                matches: &[hit("instance", "junk", None, "refuse", true)],
                reply: Some(&email_to("y@spam.example", at(13))),
                at: at(13),
            })
            .await;
        assert!(matches!(missing, Err(StoreError::NotFound)), "{missing:?}");
        assert!(
            !store
                .list_emails(50)
                .await
                .expect("outbox")
                .iter()
                .any(|e| e.to == "y@spam.example")
        );
    })
    .await;
}

#[tokio::test]
async fn a_disabled_tracking_token_no_longer_finds_its_report() {
    each_backend(|store| async move {
        let p = project(&store, "demo").await;
        let (report, _) = insert(&store, &p, &new_report("Blocked", None), "t-block", at(5)).await;
        let (kept, _) = insert(&store, &p, &new_report("Kept", None), "t-kept", at(6)).await;
        assert!(
            store::reports::by_tracking_hash(&mut *read(&store).await, "t-block")
                .await
                .expect("get")
                .is_some()
        );
        assert_eq!(store.tracking_disabled_at(report).await.expect("get"), None);

        assert!(
            store
                .disable_tracking_token(report, at(7))
                .await
                .expect("disable")
        );
        assert!(
            !store
                .disable_tracking_token(report, at(8))
                .await
                .expect("again")
        );
        assert_eq!(
            store.tracking_disabled_at(report).await.expect("get"),
            Some(at(7))
        );
        assert!(
            store::reports::by_tracking_hash(&mut *read(&store).await, "t-block")
                .await
                .expect("get")
                .is_none()
        );
        // The report itself, and other reports' tokens, are untouched.
        assert!(
            store::reports::by_id(&mut *read(&store).await, report)
                .await
                .expect("get")
                .is_some()
        );
        assert_eq!(
            store::reports::by_tracking_hash(&mut *read(&store).await, "t-kept")
                .await
                .expect("get")
                .map(|r| r.id),
            Some(kept)
        );
        let missing = store
            .disable_tracking_token(domain::ReportId::new(), at(9))
            .await;
        assert!(matches!(missing, Err(StoreError::NotFound)), "{missing:?}");
    })
    .await;
}
