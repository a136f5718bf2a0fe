//! Invitations to join a project (migration 0022), and since when members hold a role.

use super::*;
use domain::account::ProjectRole;
use store::{NewMemberInvitation, StoreError, member_invitations as inv, members};

fn at(s: &str) -> Timestamp {
    s.parse().expect("timestamp")
}

#[tokio::test]
async fn an_invitation_is_accepted_once_and_never_when_revoked_or_expired() {
    each_backend(|store| async move {
        let p = project(&store, "demo").await;
        let q = project(&store, "other").await;
        let ada = user(&store, "ada@example.org", false).await;
        let new = |email: &str, token: &str, expires: &str| NewMemberInvitation {
            id: uuid::Uuid::now_v7(),
            project: p.id,
            email: EmailAddress::parse("email", email).expect("address"),
            role: ProjectRole::Triager,
            token_hash: token.into(),
            invited_by: ada.id,
            invited_at: at("2026-12-01T09:00:00Z"),
            expires_at: at(expires),
        };
        let live = new("Bo@Example.org", "hash-live", "2026-12-15T09:00:00Z");
        let late = new("cy@example.org", "hash-late", "2026-12-02T09:00:00Z");
        let gone = new("di@example.org", "hash-gone", "2026-12-15T09:00:00Z");
        let mut tx = store.begin().await.expect("begin");
        for i in [&live, &late, &gone] {
            inv::insert(&mut tx, i).await.expect("insert");
        }
        tx.commit().await.expect("commit");
        // A token is unique (its own unit of work: PostgreSQL ends one after an error).
        let mut tx = store.begin().await.expect("begin");
        assert!(
            matches!(
                inv::insert(
                    &mut tx,
                    &new("x@example.org", "hash-live", "2026-12-15T09:00:00Z")
                )
                .await,
                Err(StoreError::Conflict(_))
            ),
            "a token is unique"
        );
        drop(tx);
        let now = at("2026-12-05T09:00:00Z");
        let mut tx = store.begin().await.expect("begin");
        assert!(
            !inv::revoke(&mut tx, q.id, gone.id, now)
                .await
                .expect("revoke"),
            "another project's"
        );
        assert!(
            inv::revoke(&mut tx, p.id, gone.id, now)
                .await
                .expect("revoke")
        );
        assert!(
            !inv::revoke(&mut tx, p.id, gone.id, now)
                .await
                .expect("again")
        );
        tx.commit().await.expect("commit");

        let mut c = store.read().await.expect("read");
        assert!(
            inv::has_pending(&mut c, p.id, "bo@example.org", now)
                .await
                .expect("pending")
        );
        assert!(
            !inv::has_pending(&mut c, p.id, "cy@example.org", now)
                .await
                .expect("expired")
        );
        assert!(
            !inv::has_pending(&mut c, p.id, "di@example.org", now)
                .await
                .expect("revoked")
        );
        let pending = inv::pending_of_project(&mut c, p.id, now, 10)
            .await
            .expect("list");
        assert_eq!(
            pending.iter().map(|i| i.email.as_str()).collect::<Vec<_>>(),
            ["Bo@Example.org"]
        );
        assert_eq!(
            pending[0].invited_by_name.as_deref(),
            Some("User ada@example.org")
        );
        assert_eq!(
            inv::count_pending(&mut c, p.id, now).await.expect("count"),
            1
        );
        drop(c);

        let mut tx = store.begin().await.expect("begin");
        assert_eq!(
            inv::accept(&mut tx, "hash-late", ada.id, now)
                .await
                .expect("late"),
            None
        );
        assert_eq!(
            inv::accept(&mut tx, "hash-gone", ada.id, now)
                .await
                .expect("gone"),
            None
        );
        assert_eq!(
            inv::accept(&mut tx, "hash-live", ada.id, now)
                .await
                .expect("live"),
            Some(live.id)
        );
        assert_eq!(
            inv::accept(&mut tx, "hash-live", ada.id, now)
                .await
                .expect("twice"),
            None
        );
        tx.commit().await.expect("commit");
        let used = inv::by_token(&mut store.read().await.expect("read"), "hash-live")
            .await
            .expect("by token")
            .expect("found");
        assert_eq!(used.accepted_at, Some(now));
        assert!(!used.is_pending(now));
    })
    .await;
}

#[tokio::test]
async fn members_keep_since_when_they_hold_a_role() {
    each_backend(|store| async move {
        let p = project(&store, "demo").await;
        let ada = user(&store, "ada@example.org", false).await;
        let bo = user(&store, "bo@example.org", false).await;
        let mut tx = store.begin().await.expect("begin");
        members::set_at(
            &mut tx,
            p.id,
            ada.id,
            ProjectRole::Maintainer,
            at("2026-12-01T09:00:00Z"),
        )
        .await
        .expect("set");
        members::set_at(
            &mut tx,
            p.id,
            bo.id,
            ProjectRole::Maintainer,
            at("2026-12-02T09:00:00Z"),
        )
        .await
        .expect("set");
        members::set_at(
            &mut tx,
            p.id,
            bo.id,
            ProjectRole::Triager,
            at("2026-12-03T09:00:00Z"),
        )
        .await
        .expect("change");
        tx.commit().await.expect("commit");
        let mut c = store.read().await.expect("read");
        let list = members::listing(&mut c, p.id).await.expect("listing");
        let seen: Vec<_> = list
            .iter()
            .map(|m| (m.user.email.as_str(), m.role, m.since))
            .collect();
        assert_eq!(
            seen,
            [
                (
                    "ada@example.org",
                    ProjectRole::Maintainer,
                    Some(at("2026-12-01T09:00:00Z"))
                ),
                (
                    "bo@example.org",
                    ProjectRole::Triager,
                    Some(at("2026-12-02T09:00:00Z"))
                ),
            ]
        );
        assert_eq!(
            members::count_maintainers(&mut c, p.id)
                .await
                .expect("count"),
            1
        );
        assert_eq!(
            members::projects_without_members(&mut c, 10)
                .await
                .expect("orphans"),
            []
        );
    })
    .await;
}
