//! Integration tests over HTTP, with a real database (SQLite, and PostgreSQL at
//! 127.0.0.1:5432) and a real SMTP server process. Most start the application in this
//! process ([`testapp::TestApp`], one test per database with `on_each_backend!`); the CLI
//! is always the real binary. A few still start `embargo serve` as a process
//! ([`harness::Server`]): the SMTP listener, restarts and persistence, demo mode and the
//! setup link (printed on stdout), the checks that the process's log holds no secrets, two
//! servers on one queue, and the browser test.

mod account;
mod advisories;
mod assign;
mod audit_log;
mod authz;
mod bad_input;
mod browser;
mod collaborators;
mod cve_services;
mod dashboard;
mod filters;
mod harness;
mod inbox_pages;
mod intake_batch;
mod jobs;
mod junk;
mod limits;
mod lists;
mod mail;
mod mail_keys;
mod mail_out;
mod maintainers;
mod members;
mod openapi;
mod outcomes;
mod pages;
mod policies;
mod receiver;
mod reminders;
mod scores;
mod security;
mod smtp;
mod sources;
mod story;
mod testapp;
mod thread;
mod triage;
mod triage_eval;
mod triage_page;
mod watch;
mod webhooks;
mod workflow;

use harness::{Server, ServerOptions, TempDir, cli, client, hidden_field};
use store::testing::{Backend, TestDb};
use testapp::{Options, TestApp, on_each_backend};

const DEMO_POLICY: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/demo/policy.toml");
const PASSWORD: &str = "correct horse battery staple";

/// A database with project `demo` (the demo policy) and an administrator `admin@example.test`.
async fn prepared(backend: Backend) -> TestDb {
    let db = TestDb::new(backend).await;
    let (code, _, err) = cli(
        &db,
        &[
            "project",
            "create",
            "--slug",
            "demo",
            "--name",
            "PrintDesk",
            "--contact",
            "mailto:security@printdesk.example",
            "--policy",
            DEMO_POLICY,
        ],
        "",
    );
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = cli(
        &db,
        &[
            "admin",
            "create-user",
            "--email",
            "admin@example.test",
            "--name",
            "Ada Admin",
            "--admin",
            "--password-stdin",
        ],
        PASSWORD,
    );
    assert_eq!(code, 0, "{err}");
    db
}

fn api_token(db: &TestDb) -> String {
    let (code, out, err) = cli(
        db,
        &["admin", "create-token", "--email", "admin@example.test"],
        "",
    );
    assert_eq!(code, 0, "{err}");
    out.trim().to_owned()
}

fn sample_report(title: &str) -> serde_json::Value {
    serde_json::json!({
        "title": title,
        "description": "The timelapse download joins the requested name without normalising it.",
        "affected_version": "1.10.3",
        "reproduction": "curl 'http://printer.local/downloads/timelapse/..%2f..%2fconfig.yaml'",
        "impact": "Any user reads the configuration.",
        "cvss_vector": "CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:N/A:N",
        "reporter": { "name": "Mara Lind", "email": "mara@example.test", "credit_as": "Mara Lind" }
    })
}

/// Signs in through the web form; the client keeps the session cookie.
async fn sign_in(http: &reqwest::Client, base: &str) {
    let page = http
        .get(format!("{base}/login"))
        .send()
        .await
        .expect("login page")
        .text()
        .await
        .expect("body");
    let csrf = hidden_field(&page, "csrf_token");
    let res = http
        .post(format!("{base}/login"))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("email", "admin@example.test"),
            ("password", PASSWORD),
            ("next", "/inbox"),
        ])
        .send()
        .await
        .expect("login");
    assert_eq!(res.status(), 303, "sign-in redirects");
    assert_eq!(res.headers()["location"], "/inbox");
}
