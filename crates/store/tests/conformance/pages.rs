//! Keyset pages of the lists ordered by a time and an id (a report's thread, the outbox),
//! and the dashboard's counts and spans as the database makes them.

use super::*;
use domain::report::State;
use store::{
    AuthorKind, Keyset, NewMessage, StateChange, Visibility,
    stats::{Milestone, StateCount},
};

fn day(n: i64) -> i64 {
    n * 86_400
}

async fn set_state(store: &Db, id: domain::ReportId, from: State, to: State, t: Timestamp) {
    let mut tx = store.begin().await.expect("begin");
    let moved = store::reports::set_state(
        &mut tx,
        id,
        &StateChange {
            from,
            to,
            resolution: None,
            first_response: from == State::Received,
            duplicate_of: None,
            at: t,
        },
        domain::stats::Milestones::of(to),
    )
    .await
    .expect("set state");
    assert!(moved, "{from:?} → {to:?}");
    tx.commit().await.expect("commit");
}

#[tokio::test]
async fn open_reports_are_counted_by_state_and_age_in_the_database() {
    each_backend(|store| async move {
        let p = project(&store, "counted").await;
        let other = project(&store, "other").await;
        let r = new_report("Counted", None);
        // Received 100, 40, 20 and 3 days before day 100 (now), and one at now.
        let mut ids = Vec::new();
        for (n, d) in [0, 60, 80, 97, 100].into_iter().enumerate() {
            let (id, _) = insert(&store, &p, &r, &format!("c{n}"), at(day(d))).await;
            ids.push(id);
        }
        insert(&store, &other, &r, "o1", at(day(99))).await;
        set_state(
            &store,
            ids[1],
            State::Received,
            State::Acknowledged,
            at(day(61)),
        )
        .await;
        set_state(
            &store,
            ids[2],
            State::Received,
            State::Acknowledged,
            at(day(81)),
        )
        .await;
        set_state(
            &store,
            ids[2],
            State::Acknowledged,
            State::Closed,
            at(day(82)),
        )
        .await;

        let now = at(day(100));
        let cuts = [7, 30, 90].map(|d| at(day(100 - d)));
        let mut counts = store::stats::counts_by_state(
            &mut *read(&store).await,
            p.id,
            &[State::Received, State::Acknowledged, State::Fixing],
            &cuts,
        )
        .await
        .expect("counts");
        counts.sort_by_key(|c| c.state.as_str());
        assert_eq!(
            counts,
            [
                StateCount {
                    state: State::Acknowledged,
                    count: 1,
                    received_after: vec![0, 0, 1],
                },
                StateCount {
                    state: State::Received,
                    count: 3,
                    received_after: vec![2, 2, 2],
                },
            ]
        );
        assert!(now > cuts[0]);
        assert_eq!(
            store::stats::counts_by_state(&mut *read(&store).await, p.id, &[], &cuts)
                .await
                .expect("none"),
            []
        );
    })
    .await;
}

#[tokio::test]
async fn response_times_read_the_latest_reports_to_reach_a_step() {
    each_backend(|store| async move {
        let p = project(&store, "spans").await;
        let r = new_report("Spans", None);
        let mut ids = Vec::new();
        for n in 0..4 {
            let (id, _) = insert(&store, &p, &r, &format!("s{n}"), at(n * 100)).await;
            ids.push(id);
        }
        // Acknowledged out of order: #3 first, then #1, then #2; #4 never.
        set_state(
            &store,
            ids[2],
            State::Received,
            State::Acknowledged,
            at(1_000),
        )
        .await;
        set_state(
            &store,
            ids[0],
            State::Received,
            State::Acknowledged,
            at(1_100),
        )
        .await;
        set_state(
            &store,
            ids[1],
            State::Received,
            State::Acknowledged,
            at(1_300),
        )
        .await;
        set_state(
            &store,
            ids[1],
            State::Acknowledged,
            State::Accepted,
            at(1_400),
        )
        .await;
        let spans = async |step, limit| {
            store::stats::latest_spans(&mut *read(&store).await, p.id, step, limit)
                .await
                .expect("spans")
        };
        assert_eq!(
            spans(Milestone::Acknowledged, 10).await,
            [
                (at(100), at(1_300)),
                (at(0), at(1_100)),
                (at(200), at(1_000))
            ]
        );
        // The window keeps the latest to reach the step, not the latest received.
        assert_eq!(
            spans(Milestone::Acknowledged, 2).await,
            [(at(100), at(1_300)), (at(0), at(1_100))]
        );
        assert_eq!(spans(Milestone::Triaged, 10).await, [(at(100), at(1_400))]);
        assert_eq!(spans(Milestone::Fixed, 10).await, []);
    })
    .await;
}

#[tokio::test]
async fn a_thread_and_the_outbox_are_read_a_keyset_page_at_a_time() {
    each_backend(|store| async move {
        let p = project(&store, "thread").await;
        let (report, _) = insert(&store, &p, &new_report("Thread", None), "th", at(0)).await;
        let message = |n: i64, visibility| NewMessage {
            id: uuid::Uuid::from_u128(u128::try_from(100 - n).expect("id")),
            report,
            author_kind: AuthorKind::Maintainer,
            author: None,
            visibility,
            body: format!("message {n}"),
            // Two pairs share their time: the id breaks the tie.
            created_at: at(n / 2),
        };
        let mut tx = store.begin().await.expect("begin");
        for n in 1..=5 {
            let visibility = if n == 3 {
                Visibility::Internal
            } else {
                Visibility::Reporter
            };
            store::messages::insert(&mut tx, &message(n, visibility))
                .await
                .expect("insert");
        }
        tx.commit().await.expect("commit");
        let page = async |internal, after: Option<Keyset>, limit| -> Vec<String> {
            store::messages::page(
                &mut *read(&store).await,
                report,
                internal,
                after.as_ref(),
                limit,
            )
            .await
            .expect("page")
            .into_iter()
            .map(|m| m.body)
            .collect()
        };
        // Oldest first: time 0 (#1), time 1 (#3 id 97 before #2 id 98), time 2 (#5, #4).
        assert_eq!(
            page(true, None, 10).await,
            [
                "message 1",
                "message 3",
                "message 2",
                "message 5",
                "message 4"
            ]
        );
        assert_eq!(page(true, None, 2).await, ["message 1", "message 3"]);
        let after_three = Keyset {
            at: at(1),
            id: uuid::Uuid::from_u128(97),
        };
        assert_eq!(
            page(true, Some(after_three), 2).await,
            ["message 2", "message 5"]
        );
        assert_eq!(
            page(false, Some(after_three), 10).await,
            ["message 2", "message 5", "message 4"]
        );
        assert_eq!(
            page(false, None, 10).await,
            ["message 1", "message 2", "message 5", "message 4"]
        );

        // The outbox: newest first, ties by id, from where the last page ended.
        let mut tx = store.begin().await.expect("begin");
        for n in 1..=4_i64 {
            store::outbox::queue(
                &mut tx,
                &NewEmail {
                    id: uuid::Uuid::from_u128(u128::try_from(n).expect("id")),
                    to: "a@example.org".into(),
                    subject: format!("mail {n}"),
                    body_text: "b".into(),
                    report: None,
                    created_at: at(if n == 4 { 3 } else { n }),
                    auto_submitted: None,
                },
            )
            .await
            .expect("queue");
        }
        tx.commit().await.expect("commit");
        let outbox = async |after: Option<Keyset>, limit| -> Vec<String> {
            store::outbox::page(&mut *read(&store).await, after.as_ref(), limit)
                .await
                .expect("page")
                .into_iter()
                .map(|e| e.subject)
                .collect()
        };
        assert_eq!(
            outbox(None, 10).await,
            ["mail 4", "mail 3", "mail 2", "mail 1"]
        );
        let after_four = Keyset {
            at: at(3),
            id: uuid::Uuid::from_u128(4),
        };
        assert_eq!(outbox(Some(after_four), 2).await, ["mail 3", "mail 2"]);
    })
    .await;
}
