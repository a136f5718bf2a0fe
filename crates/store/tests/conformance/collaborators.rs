use super::*;
use domain::audit::{self, NewAuditEvent};
use domain::{EmailAddress, collaborator::Status};
use store::{Collaborator, NewCollaborator, StoreError};

/// The invitation's unit of work, as the service composes it: refused while the address
/// has a live invitation; stored with its e-mail and audit event.
async fn invite(
    store: &Db,
    new: &NewCollaborator,
    email: &NewEmail,
) -> store::Result<Collaborator> {
    let mut tx = store.begin().await?;
    let live = store::collaborators::has_live_invitation(
        &mut tx,
        new.report,
        &new.email.normalized(),
        new.invited_at,
    )
    .await?;
    if live {
        return Err(StoreError::Conflict("live invitation".into()));
    }
    store::collaborators::insert(&mut tx, new).await?;
    store::outbox::queue(&mut tx, email).await?;
    store::audit::append(
        &mut tx,
        NewAuditEvent {
            at: new.invited_at,
            actor: audit::user_actor(new.invited_by),
            action: "collaborator.invite".into(),
            subject: audit::report_subject(new.report),
            data: serde_json::json!({ "collaborator": new.id.to_string(), "email": new.email.as_str() }),
        },
    )
    .await?;
    let stored = store::collaborators::by_id(&mut tx, new.id)
        .await?
        .ok_or(StoreError::NotFound)?;
    tx.commit().await?;
    Ok(stored)
}

/// Accepting a link, as the service composes it; `NotFound` when it was used, revoked or
/// has expired.
async fn accept(
    store: &Db,
    token_hash: &str,
    user: UserId,
    now: Timestamp,
) -> store::Result<Collaborator> {
    let mut tx = store.begin().await?;
    let id = store::collaborators::accept(&mut tx, token_hash, user, now)
        .await?
        .ok_or(StoreError::NotFound)?;
    let stored = store::collaborators::by_id(&mut tx, id)
        .await?
        .ok_or(StoreError::NotFound)?;
    store::audit::append(
        &mut tx,
        NewAuditEvent {
            at: now,
            actor: audit::user_actor(user),
            action: "collaborator.accept".into(),
            subject: audit::report_subject(stored.report_id),
            data: serde_json::json!({ "collaborator": id.to_string() }),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(stored)
}

/// Revoking, as the service composes it: `NotFound` outside the report; audited the first
/// time only.
async fn revoke(
    store: &Db,
    report: domain::ReportId,
    id: uuid::Uuid,
    by: UserId,
    now: Timestamp,
) -> store::Result<Collaborator> {
    let mut tx = store.begin().await?;
    let revoked = store::collaborators::revoke(&mut tx, report, id, by, now).await?;
    let stored = store::collaborators::by_id(&mut tx, id)
        .await?
        .filter(|c| c.report_id == report)
        .ok_or(StoreError::NotFound)?;
    if revoked {
        store::audit::append(
            &mut tx,
            NewAuditEvent {
                at: now,
                actor: audit::user_actor(by),
                action: "collaborator.revoke".into(),
                subject: audit::report_subject(report),
                data: serde_json::json!({ "collaborator": id.to_string() }),
            },
        )
        .await?;
    }
    tx.commit().await?;
    Ok(stored)
}

fn invitation(
    report: domain::ReportId,
    to: &str,
    by: UserId,
    token_hash: &str,
    invited: i64,
    expires: i64,
) -> NewCollaborator {
    NewCollaborator {
        id: uuid::Uuid::now_v7(),
        report,
        email: EmailAddress::parse("email", to).expect("address"),
        note: Some("Please check the parser".to_owned()),
        token_hash: token_hash.to_owned(),
        invited_by: by,
        invited_at: at(invited),
        expires_at: at(expires),
    }
}

#[tokio::test]
async fn an_invitation_is_accepted_once_gives_access_until_expiry_or_revocation_and_is_audited() {
    each_backend(|store| async move {
        let p = project(&store, "demo").await;
        let q = project(&store, "other").await;
        let bea = user(&store, "bea@example.org", false).await;
        let cal = user(&store, "cal@example.org", false).await;
        let (a, number) = insert(
            &store,
            &p,
            &new_report("Parser overflow", None),
            "ta",
            at(1),
        )
        .await;
        let (b, _) = insert(&store, &q, &new_report("Elsewhere", None), "tb", at(1)).await;
        assert!(
            store::collaborators::of_report(&mut *read(&store).await, a)
                .await
                .expect("list")
                .is_empty()
        );

        let new = invitation(a, "Cal@Example.org", bea.id, "hash-1", 10, 1000);
        let mail = email_to("Cal@Example.org", at(10));
        let invited = invite(&store, &new, &mail).await.expect("invite");
        assert_eq!(invited.id, new.id);
        assert_eq!(invited.email, "Cal@Example.org");
        assert_eq!(invited.invited_by, Some(bea.id));
        assert_eq!(
            invited.invited_by_name.as_deref(),
            Some("User bea@example.org")
        );
        assert_eq!(invited.note.as_deref(), Some("Please check the parser"));
        assert_eq!(invited.status(at(11)), Status::Pending);
        let queued = store::outbox::latest(&mut store.read().await.expect("read"), 10)
            .await
            .expect("emails");
        assert!(
            queued.iter().any(|e| e.id == mail.id),
            "the invitation e-mail is queued"
        );

        // The same address again, case aside, while the first stands: refused, nothing stored.
        let again = invitation(a, "cal@example.ORG", bea.id, "hash-2", 20, 1000);
        let err = invite(&store, &again, &email_to("cal@example.org", at(20)))
            .await
            .expect_err("duplicate");
        assert!(matches!(err, store::StoreError::Conflict(_)), "{err:?}");
        assert_eq!(
            store::collaborators::of_report(&mut *read(&store).await, a)
                .await
                .expect("list")
                .len(),
            1
        );

        // Not a collaborator before accepting.
        assert!(
            !store::collaborators::is_collaborator(&mut *read(&store).await, a, cal.id, at(30))
                .await
                .expect("check")
        );
        assert_eq!(
            store::collaborators::by_token(&mut *read(&store).await, "hash-1")
                .await
                .expect("by token")
                .map(|c| c.id),
            Some(new.id)
        );
        assert_eq!(
            store::collaborators::by_token(&mut *read(&store).await, "nope")
                .await
                .expect("by token"),
            None
        );

        let accepted = accept(&store, "hash-1", cal.id, at(40))
            .await
            .expect("accept");
        assert_eq!(accepted.user_id, Some(cal.id));
        assert_eq!(accepted.user_name.as_deref(), Some("User cal@example.org"));
        assert_eq!(accepted.accepted_at, Some(at(40)));
        assert_eq!(accepted.status(at(41)), Status::Active);
        // Single use: the link does nothing a second time, for anyone.
        for who in [cal.id, bea.id] {
            let err = accept(&store, "hash-1", who, at(41))
                .await
                .expect_err("used");
            assert!(matches!(err, store::StoreError::NotFound), "{err:?}");
        }
        assert!(
            store::collaborators::is_collaborator(&mut *read(&store).await, a, cal.id, at(50))
                .await
                .expect("check")
        );
        assert!(
            !store::collaborators::is_collaborator(&mut *read(&store).await, b, cal.id, at(50))
                .await
                .expect("check"),
            "one report only"
        );
        assert!(
            !store::collaborators::is_collaborator(&mut *read(&store).await, a, bea.id, at(50))
                .await
                .expect("check")
        );
        // Access ends at the expiry.
        assert!(
            !store::collaborators::is_collaborator(&mut *read(&store).await, a, cal.id, at(1000))
                .await
                .expect("check")
        );
        let mine = store::collaborators::collaborations(&mut *read(&store).await, cal.id, at(50))
            .await
            .expect("mine");
        assert_eq!(mine.len(), 1);
        assert_eq!(
            (
                mine[0].report_id,
                mine[0].project_slug.as_str(),
                mine[0].number,
                mine[0].title.as_str()
            ),
            (a, "demo", number, "Parser overflow")
        );
        assert!(
            store::collaborators::collaborations(&mut *read(&store).await, cal.id, at(1000))
                .await
                .expect("mine")
                .is_empty()
        );

        // Revoking: immediate, only within the report it belongs to, idempotent.
        let err = revoke(&store, b, new.id, bea.id, at(60))
            .await
            .expect_err("other report");
        assert!(matches!(err, store::StoreError::NotFound), "{err:?}");
        assert!(
            store::collaborators::is_collaborator(&mut *read(&store).await, a, cal.id, at(60))
                .await
                .expect("check")
        );
        let revoked = revoke(&store, a, new.id, bea.id, at(60))
            .await
            .expect("revoke");
        assert_eq!(
            (revoked.revoked_at, revoked.revoked_by),
            (Some(at(60)), Some(bea.id))
        );
        assert_eq!(revoked.status(at(61)), Status::Revoked);
        assert!(
            !store::collaborators::is_collaborator(&mut *read(&store).await, a, cal.id, at(61))
                .await
                .expect("check")
        );
        assert!(
            store::collaborators::collaborations(&mut *read(&store).await, cal.id, at(61))
                .await
                .expect("mine")
                .is_empty()
        );
        let twice = revoke(&store, a, new.id, cal.id, at(70))
            .await
            .expect("again");
        assert_eq!(
            twice.revoked_at,
            Some(at(60)),
            "the first revocation stands"
        );

        // A revoked address may be invited anew; an expired link cannot be accepted.
        let fresh = invitation(a, "cal@example.org", bea.id, "hash-3", 80, 90);
        invite(&store, &fresh, &email_to("cal@example.org", at(80)))
            .await
            .expect("re-invite");
        let err = accept(&store, "hash-3", cal.id, at(90))
            .await
            .expect_err("expired");
        assert!(matches!(err, store::StoreError::NotFound), "{err:?}");
        let all = store::collaborators::of_report(&mut *read(&store).await, a)
            .await
            .expect("list");
        assert_eq!(
            all.iter().map(|c| c.id).collect::<Vec<_>>(),
            [new.id, fresh.id],
            "oldest first, revoked ones kept"
        );

        let events = store::audit::events(&mut store.read().await.expect("read"), 0, 100)
            .await
            .expect("audit");
        let actions: Vec<(&str, String)> = events
            .iter()
            .filter(|e| e.action.starts_with("collaborator."))
            .map(|e| (e.action.as_str(), e.subject.clone()))
            .collect();
        let subject = domain::audit::report_subject(a);
        assert_eq!(
            actions,
            [
                ("collaborator.invite", subject.clone()),
                ("collaborator.accept", subject.clone()),
                ("collaborator.revoke", subject.clone()),
                ("collaborator.invite", subject),
            ]
        );
        for e in events
            .iter()
            .filter(|e| e.action.starts_with("collaborator."))
        {
            let text = e.data.to_string();
            assert!(!text.contains("hash-"), "no link in the audit log: {text}");
            assert!(!text.contains("parser"), "no note in the audit log: {text}");
        }
    })
    .await;
}
