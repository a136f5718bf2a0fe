//! Deadline extensions, reminders recorded once, and members' e-mail choices.

use super::*;
use domain::{
    account::ProjectRole,
    audit::NewAuditEvent,
    calendar::{ReminderKey, ReminderKind, SlaClock},
    notify::NotificationPrefs,
};
use store::{NewExtension, StoreError, members};

fn audit(now: Timestamp) -> NewAuditEvent {
    NewAuditEvent {
        at: now,
        actor: "system".into(),
        action: "report.extend".into(),
        subject: "report:x".into(),
        data: serde_json::json!({}),
    }
}

/// The extension's unit of work, as the service composes it: the clock moves only while it
/// reads `old_due`, with its log entry and audit event.
async fn extend_sla(
    store: &Db,
    e: &NewExtension,
    event: NewAuditEvent,
) -> store::Result<domain::report::Report> {
    let mut tx = store.begin().await?;
    let moved = store::deadlines::move_clock(&mut tx, e).await?;
    let report = store::reports::by_id(&mut tx, e.report)
        .await?
        .ok_or(StoreError::NotFound)?;
    if !moved {
        return Err(StoreError::Conflict("the clock moved meanwhile".into()));
    }
    store::deadlines::insert_extension(&mut tx, e).await?;
    store::audit::append(&mut tx, event).await?;
    tx.commit().await?;
    Ok(report)
}

/// The reminder's unit of work, as the service composes it: recorded once, only while the
/// clock runs and reads `key.due`, with its e-mails.
async fn record_reminder(
    store: &Db,
    report: domain::ReportId,
    key: &ReminderKey,
    now: Timestamp,
    emails: &[NewEmail],
) -> store::Result<bool> {
    let mut tx = store.begin().await?;
    match store::deadlines::clock_reading(&mut tx, report, key.clock).await? {
        Some((state, due)) if key.clock.runs_in(state) && due == key.due => {}
        _ => return Ok(false),
    }
    if !store::deadlines::record_reminder(&mut tx, report, key, now).await? {
        return Ok(false);
    }
    for email in emails {
        store::outbox::queue(&mut tx, email).await?;
    }
    tx.commit().await?;
    Ok(true)
}

#[tokio::test]
async fn an_extension_moves_one_clock_once_and_is_listed() {
    each_backend(|store| async move {
        let p = project(&store, "demo").await;
        let u = user(&store, "m@example.org", false).await;
        let (id, _) = insert(&store, &p, &new_report("XSS", None), "h1", at(0)).await;
        let before = store::reports::by_id(&mut *read(&store).await, id)
            .await
            .expect("read")
            .expect("report");
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
        let after = extend_sla(&store, &ext, audit(at(100)))
            .await
            .expect("extend");
        assert_eq!(after.sla.disclosure_due, new_due);
        assert_eq!(after.sla.triage_due, before.sla.triage_due);
        // The same extension again no longer matches the clock: refused, nothing stored.
        let again = extend_sla(
            &store,
            &NewExtension {
                id: uuid::Uuid::now_v7(),
                ..ext.clone()
            },
            audit(at(101)),
        )
        .await;
        assert!(matches!(again, Err(StoreError::Conflict(_))), "{again:?}");
        let list = store::deadlines::extensions(&mut *read(&store).await, id)
            .await
            .expect("list");
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
        let r = store::reports::by_id(&mut *read(&store).await, id)
            .await
            .expect("read")
            .expect("report");
        // Nothing is due long before the acknowledgement date.
        assert!(
            store::deadlines::reminder_candidates(&mut *read(&store).await, p.id, at(10), 100)
                .await
                .expect("candidates")
                .is_empty()
        );
        let horizon = r.sla.acknowledge_due;
        let found =
            store::deadlines::reminder_candidates(&mut *read(&store).await, p.id, horizon, 100)
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
            record_reminder(&store, id, &before, at(50), &[mail])
                .await
                .expect("record")
        );
        // Twice (another server): refused, and its e-mail not queued.
        let dup = email_to("m@example.org", at(51));
        let dup_id = dup.id;
        assert!(
            !record_reminder(&store, id, &before, at(51), &[dup])
                .await
                .expect("record again")
        );
        assert!(
            store::outbox::by_id(&mut store.read().await.expect("read"), mail_id)
                .await
                .expect("email")
                .is_some()
        );
        assert!(
            store::outbox::by_id(&mut store.read().await.expect("read"), dup_id)
                .await
                .expect("email")
                .is_none()
        );
        assert_eq!(
            store::deadlines::sent_reminders(&mut *read(&store).await, id)
                .await
                .expect("sent"),
            vec![before]
        );

        // A due date that is not the report's (stale read) is refused.
        let stale = ReminderKey {
            due: at(5),
            ..before
        };
        assert!(
            !record_reminder(&store, id, &stale, at(52), &[])
                .await
                .expect("stale")
        );

        // Breach recorded: the report leaves the candidates for that clock.
        let breach = ReminderKey {
            kind: ReminderKind::Breach,
            ..before
        };
        assert!(
            record_reminder(&store, id, &breach, at(60), &[])
                .await
                .expect("breach")
        );
        assert!(
            store::deadlines::reminder_candidates(&mut *read(&store).await, p.id, horizon, 100)
                .await
                .expect("candidates")
                .is_empty()
        );

        // Acknowledged: the acknowledgement clock stopped, so its reminders are refused.
        let (id2, _) = insert(&store, &p, &new_report("SSRF", None), "h2", at(0)).await;
        let r2 = store::reports::by_id(&mut *read(&store).await, id2)
            .await
            .expect("read")
            .expect("report");
        acknowledge(&store, id2, at(70), None, None, None)
            .await
            .expect("acknowledge");
        let ack = ReminderKey {
            clock: SlaClock::Acknowledge,
            kind: ReminderKind::Breach,
            due: r2.sla.acknowledge_due,
        };
        assert!(
            !record_reminder(&store, id2, &ack, at(80), &[])
                .await
                .expect("stopped")
        );
        let found = store::deadlines::reminder_candidates(
            &mut *read(&store).await,
            p.id,
            r2.sla.acknowledge_due,
            100,
        )
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
        let mut tx = store.begin().await.expect("begin");
        members::set(&mut tx, p.id, u.id, ProjectRole::Maintainer)
            .await
            .expect("member");
        members::set(&mut tx, p.id, v.id, ProjectRole::Triager)
            .await
            .expect("member");
        tx.commit().await.expect("commit");
        let prefs = async |project: ProjectId| {
            members::notification_prefs(&mut store.read().await.expect("read"), u.id, project)
                .await
                .expect("prefs")
        };
        assert_eq!(prefs(p.id).await, NotificationPrefs::default());
        let off = NotificationPrefs {
            reminders: false,
            ..NotificationPrefs::default()
        };
        let mut tx = store.begin().await.expect("begin");
        members::set_notification_prefs(&mut tx, u.id, p.id, &off, at(1))
            .await
            .expect("set");
        tx.commit().await.expect("commit");
        assert_eq!(prefs(p.id).await, off);
        assert_eq!(prefs(q.id).await, NotificationPrefs::default());
        // Setting again replaces the earlier choice, not merges with it.
        let on = NotificationPrefs::default();
        let quiet = NotificationPrefs {
            new_report: false,
            ..NotificationPrefs::default()
        };
        let mut tx = store.begin().await.expect("begin");
        members::set_notification_prefs(&mut tx, u.id, p.id, &quiet, at(2))
            .await
            .expect("set");
        tx.commit().await.expect("commit");
        let listed = members::with_prefs(&mut store.read().await.expect("read"), p.id)
            .await
            .expect("members");
        let got: Vec<(String, ProjectRole, NotificationPrefs)> = listed
            .into_iter()
            .map(|(u, r, n)| (u.email.as_str().to_owned(), r, n))
            .collect();
        assert_eq!(
            got,
            vec![
                ("m@example.org".to_owned(), ProjectRole::Maintainer, quiet),
                ("n@example.org".to_owned(), ProjectRole::Triager, on),
            ]
        );
    })
    .await;
}
