//! The store's contract, run against SQLite and PostgreSQL alike.

mod accounts;
mod advisories;
mod audit;
mod collaborators;
mod compose;
mod filters;
mod holds;
mod inbound;
mod jobs;
mod mail_threads;
mod many;
mod member_invitations;
mod pages;
mod projects;
mod reply_tokens;
mod report_pages;
mod reports;
mod schema;
mod scores;
mod sla;
mod sources;
mod triage;
mod units_of_work;
mod watch;
mod webhooks;

use compose::*;
use domain::{
    EmailAddress, ProjectId, ProjectSlug, UserId,
    account::User,
    policy::Policy,
    project::Project,
    report::{NewReport, ReportInput, ReporterInput, Sla},
};
use jiff::Timestamp;
use store::{
    Db, NewEmail, NewUser,
    testing::{Backend, TestDb},
};

/// Runs `test` once per backend, each time on a fresh database.
async fn each_backend<F, Fut>(test: F)
where
    F: Fn(Db) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    for backend in Backend::all() {
        let db = TestDb::new(backend).await;
        let store = db.store().await;
        test(store.clone()).await;
        store.close().await;
    }
}

fn at(seconds: i64) -> Timestamp {
    Timestamp::from_second(1_790_000_000 + seconds).expect("valid timestamp")
}

async fn user(store: &Db, email: &str, is_admin: bool) -> User {
    let new = NewUser {
        id: UserId::new(),
        email: EmailAddress::parse("email", email).expect("valid address"),
        name: format!("User {email}"),
        password_hash: Some("$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".to_owned()),
        is_admin,
        created_at: at(0),
    };
    let mut tx = store.begin().await.expect("begin");
    let user = store::accounts::insert_user(&mut tx, &new)
        .await
        .expect("create user");
    tx.commit().await.expect("commit");
    user
}

async fn project(store: &Db, slug: &str) -> Project {
    let policy = Policy {
        contacts: vec![format!("mailto:security@{slug}.example")],
        ..Policy::default()
    };
    let project = Project {
        id: ProjectId::new(),
        slug: ProjectSlug::parse(slug).expect("valid slug"),
        name: format!("Project {slug}"),
        policy,
        policy_version: 1,
        created_at: at(0),
    };
    create_project(store, &project)
        .await
        .expect("create project");
    project
}

fn new_report(title: &str, email: Option<&str>) -> NewReport {
    ReportInput {
        title: title.to_owned(),
        description: "Stored XSS in the file name shown by the upload dialog.".to_owned(),
        affected_version: Some("1.9.3".to_owned()),
        reproduction: Some("<script>alert(1)</script>".to_owned()),
        impact: None,
        cvss_vector: None,
        reporter: ReporterInput {
            name: Some("Ada".to_owned()),
            email: email.map(str::to_owned),
            credit_as: None,
            credit: None,
        },
    }
    .validate()
    .expect("valid report")
}

/// Inserts a report with no idempotency key; returns its number.
async fn insert(
    store: &Db,
    project: &Project,
    report: &NewReport,
    token_hash: &str,
    now: Timestamp,
) -> (domain::ReportId, i64) {
    let id = domain::ReportId::new();
    let outcome = submit(
        store,
        Submission {
            id,
            project,
            report,
            source: domain::report::Source::Web,
            token_hash,
            now,
            idempotency: None,
            acknowledgement: None,
            job: None,
            reporter_key: None,
        },
    )
    .await
    .expect("insert report");
    match outcome {
        Outcome::Created(number) => (id, number),
        other => panic!("expected Created, got {other:?}"),
    }
}

fn email_to(to: &str, now: Timestamp) -> NewEmail {
    NewEmail {
        id: uuid::Uuid::now_v7(),
        to: to.to_owned(),
        subject: "Report received".to_owned(),
        body_text: "Thank you.".to_owned(),
        report: None,
        created_at: now,
        auto_submitted: None,
    }
}

#[test]
fn both_migration_trees_carry_the_same_versions() {
    let versions = |d: store::Dialect| d.migrator().iter().map(|m| m.version).collect::<Vec<_>>();
    let sqlite = versions(store::Dialect::Sqlite);
    assert!(!sqlite.is_empty());
    assert_eq!(sqlite, versions(store::Dialect::Postgres));
}

#[tokio::test]
async fn migrating_twice_is_harmless() {
    each_backend(|store| async move {
        store
            .migrate()
            .await
            .expect("second migration run is a no-op");
        store.ping().await.expect("ping");
    })
    .await;
}
