//! Units of work from two processes on one SQLite database (the command line beside the
//! server, or two servers): a unit of work that reads before it writes must not fail
//! because the other committed in between. `Db::begin` takes SQLite's write lock at once,
//! so the second writer waits for the first instead.

use domain::audit::{NewAuditEvent, SYSTEM_ACTOR};
use std::time::Duration;
use store::{
    audit,
    testing::{Backend, TestDb},
};

fn event(n: i64) -> NewAuditEvent {
    NewAuditEvent {
        at: super::at(n),
        actor: SYSTEM_ACTOR.into(),
        action: "test.write".into(),
        subject: format!("test:{n}"),
        data: serde_json::json!({ "n": n }),
    }
}

#[tokio::test]
async fn a_read_then_write_unit_of_work_survives_another_process_writing() {
    let db = TestDb::new(Backend::Sqlite).await;
    // Two pools on one file, as two processes have.
    let first = db.store().await;
    let second = db.store().await;

    let mut tx = first.begin().await.expect("begin");
    let before = audit::events(&mut tx, 0, 100).await.expect("read");
    assert!(before.is_empty());

    let other = tokio::spawn({
        let second = second.clone();
        async move {
            let mut tx = second.begin().await?;
            audit::append(&mut tx, event(2)).await?;
            tx.commit().await
        }
    });
    // The other writer cannot get in while this unit of work is open...
    let mut other = other;
    assert!(
        tokio::time::timeout(Duration::from_millis(500), &mut other)
            .await
            .is_err(),
        "the second writer committed inside the first unit of work"
    );
    // ...so this one's write, made on what it read, still goes through.
    audit::append(&mut tx, event(1))
        .await
        .expect("write after read");
    tx.commit().await.expect("commit");
    other
        .await
        .expect("second writer ran")
        .expect("second writer committed after the first");

    let events = audit::events(&mut first.read().await.expect("read"), 0, 100)
        .await
        .expect("events");
    let subjects: Vec<_> = events.iter().map(|e| e.subject.as_str()).collect();
    assert_eq!(subjects, ["test:1", "test:2"]);
    first.close().await;
    second.close().await;
}
