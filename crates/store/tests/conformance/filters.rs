//! Mail filters: a project's rules (unique ids, deleted with their audit event in one unit
//! of work), the log of matches and its counts, messages settled with a refusal reply, the
//! filters' spam queue, and disabled tracking tokens.

use super::*;
use domain::audit::NewAuditEvent;
use mail::{Action, MatchKind, Scope};
use store::{
    AutoSubmitted, Disposition, FilterMatch, FilterRuleRecord, NewEmail, NewInbound, StoreError,
    Tx, filters, inbound,
};

async fn begin(store: &Db) -> Tx {
    store.begin().await.expect("begin")
}

async fn read(store: &Db) -> store::Read {
    store.read().await.expect("read")
}

/// Settles a message the way inbound mail does: its disposition, the rules that matched
/// it and an automatic reply, in one unit of work (nothing of it when the message is
/// unknown).
async fn settle(
    store: &Db,
    id: uuid::Uuid,
    disposition: Disposition,
    report: Option<domain::ReportId>,
    matches: &[FilterMatch],
    reply: Option<&NewEmail>,
    at: Timestamp,
) -> Result<(), StoreError> {
    let mut tx = begin(store).await;
    inbound::settle(&mut tx, id, disposition, report, Some("{}")).await?;
    filters::record_matches(&mut tx, id, matches, at).await?;
    if let Some(reply) = reply {
        let reply = NewEmail {
            auto_submitted: Some(AutoSubmitted::AutoReplied),
            ..reply.clone()
        };
        store::outbox::queue(&mut tx, &reply).await?;
    }
    tx.commit().await
}

/// Inserts a rule with its audit event, as the filters service does.
async fn insert_rule(
    store: &Db,
    rule: &FilterRuleRecord,
    event: NewAuditEvent,
) -> Result<(), StoreError> {
    let mut tx = begin(store).await;
    filters::insert_rule(&mut tx, rule).await?;
    store::audit::append(&mut tx, event).await?;
    tx.commit().await
}

/// Deletes a project's rule by its id with its audit event, as the filters service does.
async fn delete_rule(
    store: &Db,
    project: ProjectId,
    rule_id: &str,
    event: NewAuditEvent,
) -> Result<FilterRuleRecord, StoreError> {
    let mut tx = begin(store).await;
    let rule = filters::rule(&mut tx, project, rule_id)
        .await?
        .ok_or(StoreError::NotFound)?;
    assert!(filters::delete_rule(&mut tx, rule.key).await?);
    store::audit::append(&mut tx, event).await?;
    tx.commit().await?;
    Ok(rule)
}

fn audit(action: &str, at_s: i64) -> NewAuditEvent {
    NewAuditEvent {
        at: at(at_s),
        actor: "system".to_owned(),
        action: action.to_owned(),
        subject: "project:test".to_owned(),
        data: serde_json::json!({}),
    }
}

fn rule(
    project: &Project,
    id: &str,
    kind: MatchKind,
    pattern: &str,
    action: Action,
) -> FilterRuleRecord {
    FilterRuleRecord {
        key: uuid::Uuid::now_v7(),
        project: project.id,
        rule_id: id.to_owned(),
        kind,
        pattern: pattern.to_owned(),
        action,
        note: format!("note for {id}"),
        blocked_report: None,
        created_by: None,
        created_at: at(1),
    }
}

async fn stored_inbound(store: &Db, project: &Project, at_s: i64) -> uuid::Uuid {
    let id = uuid::Uuid::now_v7();
    let mut tx = begin(store).await;
    inbound::insert(
        &mut tx,
        &NewInbound {
            id,
            project: Some(project.id),
            received_at: at(at_s),
            raw: b"From: x@spam.example\r\nSubject: SEO\r\n\r\nbuy\r\n".to_vec(),
            sender: Some("x@spam.example".to_owned()),
            subject: Some("SEO".to_owned()),
            message_id: None,
        },
    )
    .await
    .expect("insert inbound");
    tx.commit().await.expect("commit");
    id
}

fn hit(
    scope: Scope,
    id: &str,
    key: Option<uuid::Uuid>,
    action: Action,
    decided: bool,
) -> FilterMatch {
    FilterMatch {
        scope,
        rule_id: id.to_owned(),
        rule_key: key,
        action,
        matched: format!("matched by {id}"),
        decided,
    }
}

#[tokio::test]
async fn rules_are_unique_per_project_audited_and_deleted_with_their_log_kept() {
    each_backend(|store| async move {
        let p = project(&store, "demo").await;
        let other = project(&store, "other").await;
        let seo = rule(&p, "seo", MatchKind::SubjectRegex, "(?i)seo", Action::Spam);
        insert_rule(&store, &seo, audit("mail_filter.create", 2))
            .await
            .expect("insert");
        // The same id in another project is fine; twice in one project is a conflict.
        insert_rule(
            &store,
            &rule(
                &other,
                "seo",
                MatchKind::SenderDomain,
                "spam.example",
                Action::Refuse,
            ),
            audit("mail_filter.create", 3),
        )
        .await
        .expect("other project");
        let before_conflict = store::audit::events(&mut store.read().await.expect("read"), 0, 100)
            .await
            .expect("audit")
            .len();
        let again = insert_rule(
            &store,
            &rule(&p, "seo", MatchKind::BodyRegex, "x", Action::Refuse),
            audit("mail_filter.create", 4),
        )
        .await;
        assert!(matches!(again, Err(StoreError::Conflict(_))), "{again:?}");
        assert_eq!(
            store::audit::events(&mut store.read().await.expect("read"), 0, 100)
                .await
                .expect("audit")
                .len(),
            before_conflict,
            "a refused rule is not audited"
        );
        let rules = filters::rules(&mut *read(&store).await, p.id)
            .await
            .expect("rules");
        assert_eq!(rules, vec![seo.clone()]);

        // Matches are logged with the message and counted per rule.
        let first = stored_inbound(&store, &p, 10).await;
        let matches = [
            hit(Scope::Instance, "junk", None, Action::Refuse, true),
            hit(Scope::Project, "seo", Some(seo.key), Action::Spam, false),
        ];
        settle(
            &store,
            first,
            Disposition::Refused,
            None,
            &matches,
            None,
            at(10),
        )
        .await
        .expect("settle");
        let second = stored_inbound(&store, &p, 20).await;
        settle(
            &store,
            second,
            Disposition::Refused,
            None,
            &[hit(
                Scope::Project,
                "seo",
                Some(seo.key),
                Action::Spam,
                true,
            )],
            None,
            at(20),
        )
        .await
        .expect("settle");
        let mut c = read(&store).await;
        assert_eq!(
            inbound::by_id(&mut c, first)
                .await
                .expect("get")
                .expect("found")
                .disposition,
            Disposition::Refused
        );
        let logged = filters::matches_of(&mut c, first).await.expect("log");
        assert_eq!(logged[0], matches[0], "the deciding rule first");
        assert_eq!(logged[1], matches[1]);
        let counts = filters::match_counts(&mut c, p.id).await.expect("counts");
        let count = |scope: Scope, id: &str| {
            counts
                .iter()
                .find(|c| c.scope == scope && c.rule_id == id)
                .map(|c| (c.matches, c.last_matched_at))
        };
        assert_eq!(count(Scope::Project, "seo"), Some((2, at(20))));
        assert_eq!(count(Scope::Instance, "junk"), Some((1, at(10))));
        assert!(
            filters::match_counts(&mut c, other.id)
                .await
                .expect("counts")
                .is_empty()
        );

        // Deleting is audited and returns the rule; the log stays; a second delete is
        // not found.
        let before = store::audit::events(&mut store.read().await.expect("read"), 0, 100)
            .await
            .expect("audit")
            .len();
        let deleted = delete_rule(&store, p.id, "seo", audit("mail_filter.delete", 30))
            .await
            .expect("delete");
        assert_eq!(deleted.key, seo.key);
        assert!(
            filters::rules(&mut c, p.id)
                .await
                .expect("rules")
                .is_empty()
        );
        let events = store::audit::events(&mut store.read().await.expect("read"), 0, 100)
            .await
            .expect("audit");
        assert_eq!(events.len(), before + 1);
        assert_eq!(
            events.last().map(|e| e.action.as_str()),
            Some("mail_filter.delete")
        );
        assert_eq!(
            filters::matches_of(&mut c, first).await.expect("log").len(),
            2
        );
        assert!(
            !filters::delete_rule(&mut c, seo.key).await.expect("delete"),
            "nothing left to delete"
        );
        let missing = delete_rule(&store, p.id, "seo", audit("mail_filter.delete", 31)).await;
        assert!(matches!(missing, Err(StoreError::NotFound)), "{missing:?}");
        assert_eq!(
            store::audit::events(&mut store.read().await.expect("read"), 0, 100)
                .await
                .expect("audit")
                .len(),
            before + 1
        );
        // The other project's rule of the same id is untouched.
        assert_eq!(
            filters::rules(&mut c, other.id).await.expect("rules").len(),
            1
        );
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
        settle(
            &store,
            spam,
            Disposition::Report,
            Some(report),
            &[hit(Scope::Project, "seo", None, Action::Spam, true)],
            Some(&reply),
            at(10),
        )
        .await
        .expect("settle");
        // A spam rule that matched without deciding does not put a report in the queue.
        let other = stored_inbound(&store, &p, 11).await;
        settle(
            &store,
            other,
            Disposition::Report,
            Some(other_report),
            &[hit(Scope::Project, "seo", None, Action::Spam, false)],
            None,
            at(11),
        )
        .await
        .expect("settle");
        let mut c = read(&store).await;
        assert_eq!(
            filters::spam_filtered_reports(&mut c, p.id)
                .await
                .expect("queue"),
            vec![(report, "seo".to_owned())]
        );

        // The reply is queued for delivery, marked as an automatic answer; others are not.
        let queued = store::outbox::by_id(&mut c, reply.id)
            .await
            .expect("email")
            .expect("queued");
        assert_eq!(
            queued.auto_submitted,
            Some(store::AutoSubmitted::AutoReplied)
        );
        assert_eq!(queued.to, "x@spam.example");
        let job = super::jobs::lease(
            &store,
            &[super::jobs::DELIVER_EMAIL],
            "w",
            at(12),
            jiff::SignedDuration::from_secs(60),
        )
        .await
        .expect("a delivery job");
        assert_eq!(job.payload["email_id"], reply.id.to_string());

        // Automatic answers to an address are counted (for RFC 3834's "not too often").
        assert_eq!(
            store::outbox::auto_replies_to(&mut c, "X@Spam.example", at(10))
                .await
                .expect("count"),
            1
        );
        assert_eq!(
            store::outbox::auto_replies_to(&mut c, "x@spam.example", at(11))
                .await
                .expect("count"),
            0
        );
        assert_eq!(
            store::outbox::auto_replies_to(&mut c, "z@spam.example", at(0))
                .await
                .expect("count"),
            0
        );

        // Settling an unknown message changes nothing.
        let missing = settle(
            &store,
            uuid::Uuid::now_v7(),
            Disposition::Refused,
            None,
            &[hit(Scope::Instance, "junk", None, Action::Refuse, true)],
            Some(&email_to("y@spam.example", at(13))),
            at(13),
        )
        .await;
        assert!(matches!(missing, Err(StoreError::NotFound)), "{missing:?}");
        assert!(
            !store::outbox::latest(&mut c, 50)
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
        let mut c = read(&store).await;
        assert_eq!(
            filters::tracking_disabled_at(&mut c, report)
                .await
                .expect("get"),
            None
        );

        let mut tx = begin(&store).await;
        assert!(
            filters::disable_tracking_token(&mut tx, report, at(7))
                .await
                .expect("disable")
        );
        assert!(
            !filters::disable_tracking_token(&mut tx, report, at(8))
                .await
                .expect("again")
        );
        tx.commit().await.expect("commit");
        assert_eq!(
            filters::tracking_disabled_at(&mut c, report)
                .await
                .expect("get"),
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
        let missing = filters::disable_tracking_token(&mut c, domain::ReportId::new(), at(9)).await;
        assert!(matches!(missing, Err(StoreError::NotFound)), "{missing:?}");
    })
    .await;
}
