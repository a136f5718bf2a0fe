//! Deadline extensions, reminders recorded once, and members' e-mail choices.

use super::*;
use domain::{
    account::ProjectRole,
    audit::NewAuditEvent,
    calendar::{ReminderKey, ReminderKind, SlaClock},
    notify::NotificationPrefs,
};
use store::{NewExtension, StoreError};

fn audit(now: Timestamp) -> NewAuditEvent {
    NewAuditEvent {
        at: now,
        actor: "system".into(),
        action: "report.extend".into(),
        subject: "report:x".into(),
        data: serde_json::json!({}),
    }
}

#[tokio::test]
async fn an_extension_moves_one_clock_once_and_is_listed() {
    each_backend(|store| async move {
        let p = project(&store, "demo").await;
        let u = user(&store, "m@example.org", false).await;
        let (id, _) = insert(&store, &p, &new_report("XSS", None), "h1", at(0)).await;
        let before = store.report_by_id(id).await.expect("read").expect("report");
        let new_due = before
            .sla
            .disclosure_due
            .checked_add(jiff::SignedDuration::from_hours(24 * 30))
            .expect("in range");
        let ext = NewExtension {
            id: uuid::Uuid::now_v7(),
            report: id,
            clock: SlaClock::Disclosure,
            old_due: before.sla.disclosure_due,
            new_due,
            reason: "The fix needs a new API.".into(),
            by: Some(u.id),
            at: at(100),
        };
        let after = store
            .extend_sla(&ext, audit(at(100)))
            .await
            .expect("extend");
        assert_eq!(after.sla.disclosure_due, new_due);
        assert_eq!(after.sla.triage_due, before.sla.triage_due);
        // The same extension again no longer matches the clock: refused, nothing stored.
        let again = store
            .extend_sla(
                &NewExtension {
                    id: uuid::Uuid::now_v7(),
                    ..ext.clone()
                },
                audit(at(101)),
            )
            .await;
        assert!(matches!(again, Err(StoreError::Conflict(_))), "{again:?}");
        let list = store.sla_extensions(id).await.expect("list");
        assert_eq!(list.len(), 1);
        assert_eq!(list[0].reason, "The fix needs a new API.");
        assert_eq!(list[0].by_name.as_deref(), Some("User m@example.org"));
        assert_eq!(list[0].old_due, before.sla.disclosure_due);
        assert_eq!(list[0].clock, SlaClock::Disclosure);
    })
    .await;
}

#[tokio::test]
async fn a_reminder_is_recorded_once_and_only_while_its_clock_runs() {
    each_backend(|store| async move {
        let p = project(&store, "demo").await;
        let (id, _) = insert(&store, &p, &new_report("XSS", None), "h1", at(0)).await;
        let r = store.report_by_id(id).await.expect("read").expect("report");
        // Nothing is due long before the acknowledgement date.
        assert!(
            store
                .reminder_candidates(p.id, at(10), 100)
                .await
                .expect("candidates")
                .is_empty()
        );
        let horizon = r.sla.acknowledge_due;
        let found = store
            .reminder_candidates(p.id, horizon, 100)
            .await
            .expect("candidates");
        assert_eq!(found.iter().map(|r| r.id).collect::<Vec<_>>(), vec![id]);

        let before = ReminderKey {
            clock: SlaClock::Acknowledge,
            kind: ReminderKind::Before,
            due: r.sla.acknowledge_due,
        };
        let mail = email_to("m@example.org", at(50));
        let mail_id = mail.id;
        assert!(
            store
                .record_reminder(id, &before, at(50), &[mail])
                .await
                .expect("record")
        );
        // Twice (another server): refused, and its e-mail not queued.
        let dup = email_to("m@example.org", at(51));
        let dup_id = dup.id;
        assert!(
            !store
                .record_reminder(id, &before, at(51), &[dup])
                .await
                .expect("record again")
        );
        assert!(
            store::outbox::by_id(&mut store.db().read().await.expect("read"), mail_id)
                .await
                .expect("email")
                .is_some()
        );
        assert!(
            store::outbox::by_id(&mut store.db().read().await.expect("read"), dup_id)
                .await
                .expect("email")
                .is_none()
        );
        assert_eq!(store.sent_reminders(id).await.expect("sent"), vec![before]);

        // A due date that is not the report's (stale read) is refused.
        let stale = ReminderKey {
            due: at(5),
            ..before
        };
        assert!(
            !store
                .record_reminder(id, &stale, at(52), &[])
                .await
                .expect("stale")
        );

        // Breach recorded: the report leaves the candidates for that clock.
        let breach = ReminderKey {
            kind: ReminderKind::Breach,
            ..before
        };
        assert!(
            store
                .record_reminder(id, &breach, at(60), &[])
                .await
                .expect("breach")
        );
        assert!(
            store
                .reminder_candidates(p.id, horizon, 100)
                .await
                .expect("candidates")
                .is_empty()
        );

        // Acknowledged: the acknowledgement clock stopped, so its reminders are refused.
        let (id2, _) = insert(&store, &p, &new_report("SSRF", None), "h2", at(0)).await;
        let r2 = store
            .report_by_id(id2)
            .await
            .expect("read")
            .expect("report");
        store
            .acknowledge_report(id2, at(70), None, None, None)
            .await
            .expect("acknowledge");
        let ack = ReminderKey {
            clock: SlaClock::Acknowledge,
            kind: ReminderKind::Breach,
            due: r2.sla.acknowledge_due,
        };
        assert!(
            !store
                .record_reminder(id2, &ack, at(80), &[])
                .await
                .expect("stopped")
        );
        let found = store
            .reminder_candidates(p.id, r2.sla.acknowledge_due, 100)
            .await
            .expect("candidates");
        assert!(found.is_empty(), "{found:?}");
    })
    .await;
}

#[tokio::test]
async fn notification_choices_default_on_and_are_kept_per_project() {
    each_backend(|store| async move {
        let p = project(&store, "demo").await;
        let q = project(&store, "other").await;
        let u = user(&store, "m@example.org", false).await;
        let v = user(&store, "n@example.org", false).await;
        store
            .set_member(p.id, u.id, ProjectRole::Maintainer)
            .await
            .expect("member");
        store
            .set_member(p.id, v.id, ProjectRole::Triager)
            .await
            .expect("member");
        assert_eq!(
            store.notification_prefs(u.id, p.id).await.expect("prefs"),
            NotificationPrefs::default()
        );
        let off = NotificationPrefs {
            reminders: false,
            ..NotificationPrefs::default()
        };
        store
            .set_notification_prefs(u.id, p.id, &off, at(1))
            .await
            .expect("set");
        assert_eq!(
            store.notification_prefs(u.id, p.id).await.expect("prefs"),
            off
        );
        assert_eq!(
            store.notification_prefs(u.id, q.id).await.expect("prefs"),
            NotificationPrefs::default()
        );
        // Setting again replaces.
        let on = NotificationPrefs::default();
        store
            .set_notification_prefs(u.id, p.id, &off, at(2))
            .await
            .expect("set");
        let members = store.members_with_prefs(p.id).await.expect("members");
        let got: Vec<(String, ProjectRole, NotificationPrefs)> = members
            .into_iter()
            .map(|(u, r, n)| (u.email.as_str().to_owned(), r, n))
            .collect();
        assert_eq!(
            got,
            vec![
                ("m@example.org".to_owned(), ProjectRole::Maintainer, off),
                ("n@example.org".to_owned(), ProjectRole::Triager, on),
            ]
        );
    })
    .await;
}
