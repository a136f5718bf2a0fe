//! Deadlines on a running server whose clock the test moves: a policy counting business
//! days with a holiday, a report submitted on a Friday, the clock advanced hour by hour and
//! day by day. Each reminder reaches the maintainers once, at its hour (never on the
//! weekend or the holiday); acknowledging stops the acknowledgement clock; an extension
//! moves the disclosure reminder; a maintainer who turned reminders off gets none; the
//! report goes received → acknowledged → accepted → fixing → fixed → disclosed.

use super::*;

on_each_backend!(reminders_follow_business_days_extensions_and_choices);
use domain::{ProjectSlug, account::ProjectRole};
use harness::SmtpSink;
use jiff::{SignedDuration, Timestamp, civil::Weekday};

const POLICY: &str = r#"
contacts = ["mailto:security@desk.example"]

[targets]
acknowledge_days = 1
triage_days = 3
disclosure_days = 33
business_days = true
time_zone = "UTC"
holidays = ["2026-03-09"]
reminder_hours_before = 12
"#;

fn set_clock(path: &std::path::Path, at: Timestamp) {
    // Write then rename, so the server never reads half a file.
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, at.to_string()).expect("write clock");
    std::fs::rename(&tmp, path).expect("move clock");
}

/// The server's JSON log lines with this message, as their `fields` objects.
fn log_fields(server: &TestApp, message: &str) -> Vec<serde_json::Value> {
    server
        .logs()
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|v| v["fields"]["message"] == message)
        .map(|v| v["fields"].clone())
        .collect()
}

/// A reminder the server recorded: (clock, kind, when).
type Sent = (String, String, Timestamp);

fn reminders_sent(server: &TestApp) -> Vec<Sent> {
    log_fields(server, "deadline reminder sent")
        .into_iter()
        .map(|f| {
            (
                f["clock"].as_str().expect("clock").to_owned(),
                f["kind"].as_str().expect("kind").to_owned(),
                f["at"].as_str().expect("at").parse().expect("timestamp"),
            )
        })
        .collect()
}

/// Moves the clock to `at` and runs a reminder pass at that time, with the e-mails it queued.
async fn advance(server: &TestApp, clock: &std::path::Path, at: Timestamp) {
    set_clock(clock, at);
    server.drain().await;
}

fn ts(s: &str) -> Timestamp {
    s.parse().expect("timestamp")
}

/// Advances hour by hour from after `from` to `to` inclusive.
async fn hourly(server: &TestApp, clock: &std::path::Path, from: &str, to: &str) {
    let mut t = ts(from);
    while t < ts(to) {
        t = t
            .checked_add(SignedDuration::from_hours(1))
            .expect("in range");
        advance(server, clock, t).await;
    }
}

fn user(db: &TestDb, email: &str, name: &str) {
    let (code, _, err) = cli(
        db,
        &[
            "admin",
            "create-user",
            "--email",
            email,
            "--name",
            name,
            "--password-stdin",
        ],
        PASSWORD,
    );
    assert_eq!(code, 0, "{err}");
}

fn token_of(db: &TestDb, email: &str) -> String {
    let (code, out, err) = cli(db, &["admin", "create-token", "--email", email], "");
    assert_eq!(code, 0, "{err}");
    out.trim().to_owned()
}

async fn post_json(
    http: &reqwest::Client,
    url: String,
    token: &str,
    body: serde_json::Value,
) -> (u16, serde_json::Value) {
    let res = http
        .post(url)
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .expect("post");
    let status = res.status().as_u16();
    (status, res.json().await.expect("json"))
}

async fn reminders_follow_business_days_extensions_and_choices(backend: Backend) {
    let db = prepared(backend).await;
    let dir = TempDir::new();
    let policy = dir.0.join("policy.toml");
    std::fs::write(&policy, POLICY).expect("policy");
    user(&db, "mia@example.test", "Mia Maintainer");
    user(&db, "otto@example.test", "Otto Optout");
    let (code, _, err) = cli(
        &db,
        &[
            "project",
            "create",
            "--slug",
            "desk",
            "--name",
            "Desk",
            "--contact",
            "mailto:security@desk.example",
            "--policy",
            policy.to_str().expect("utf-8"),
            "--maintainer",
            "mia@example.test",
        ],
        "",
    );
    assert_eq!(code, 0, "{err}");
    {
        // A second maintainer (the CLI names only the first).
        let store = db.store().await;
        let project = store::projects::by_slug(
            &mut store.read().await.expect("read"),
            &ProjectSlug::parse("desk").expect("slug"),
        )
        .await
        .expect("read")
        .expect("project");
        let (otto, _) = store::accounts::credentials(
            &mut store.read().await.expect("read"),
            "otto@example.test",
        )
        .await
        .expect("read")
        .expect("user");
        let mut tx = store.begin().await.expect("begin");
        store::members::set(&mut tx, project.id, otto.id, ProjectRole::Maintainer)
            .await
            .expect("member");
        tx.commit().await.expect("commit");
        store.close().await;
    }
    let mia = token_of(&db, "mia@example.test");
    let otto = token_of(&db, "otto@example.test");

    let clock = dir.0.join("now");
    // Friday 6 March 2026; Monday 9 March is the project's holiday.
    let received = ts("2026-03-06T10:00:00Z");
    set_clock(&clock, received);
    let smtp = SmtpSink::start();
    let app = TestApp::serve(
        db,
        &ServerOptions {
            smtp_port: Some(smtp.port),
            clock_file: Some(clock.clone()),
            env: vec![
                ("EMBARGO_WORKER_POLL_MS".into(), "50".into()),
                ("EMBARGO_LOG_FORMAT".into(), "json".into()),
                (
                    "EMBARGO_LOG".into(),
                    "info,sqlx=warn,embargo::services::reminders=debug".into(),
                ),
            ],
            ..ServerOptions::default()
        },
    )
    .await;
    let base = app.url.clone();
    let http = client();

    // Otto turns reminders off for this project; everything else stays on.
    let res = http
        .put(format!("{base}/api/v1/me/notifications/desk"))
        .bearer_auth(&otto)
        .json(&serde_json::json!({ "reminders": false }))
        .send()
        .await
        .expect("put");
    assert_eq!(res.status(), 200);
    let body: serde_json::Value = res.json().await.expect("json");
    assert_eq!(body["reminders"], false, "{body}");
    assert_eq!(body["new_report"], true, "{body}");
    let mine: serde_json::Value = http
        .get(format!("{base}/api/v1/me/notifications"))
        .bearer_auth(&otto)
        .send()
        .await
        .expect("get")
        .json()
        .await
        .expect("json");
    assert_eq!(mine[0]["project"], "desk", "{mine}");
    assert_eq!(mine[0]["reminders"], false, "{mine}");
    // Not a member of `demo`: 404, and a bad field is named.
    let res = http
        .put(format!("{base}/api/v1/me/notifications/demo"))
        .bearer_auth(&otto)
        .json(&serde_json::json!({ "reminders": false }))
        .send()
        .await
        .expect("put");
    assert_eq!(res.status(), 404);
    let res = http
        .put(format!("{base}/api/v1/me/notifications/desk"))
        .bearer_auth(&otto)
        .json(&serde_json::json!({ "reminders": "no" }))
        .send()
        .await
        .expect("put");
    assert_eq!(res.status(), 422);
    let err: serde_json::Value = res.json().await.expect("json");
    assert_eq!(err["error"]["field"], "reminders", "{err}");

    let submitted: serde_json::Value = http
        .post(format!("{base}/api/v1/projects/desk/reports"))
        .json(&sample_report("Path traversal in downloads"))
        .send()
        .await
        .expect("submit")
        .json()
        .await
        .expect("json");
    let id = submitted["id"].as_str().expect("id").to_owned();
    let reporter = submitted["token"].as_str().expect("token").to_owned();
    let report: serde_json::Value = http
        .get(format!("{base}/api/v1/reports/{id}"))
        .bearer_auth(&mia)
        .send()
        .await
        .expect("get")
        .json()
        .await
        .expect("json");
    // One business day after Friday skips the weekend and the holiday: Tuesday; three:
    // Thursday. The disclosure deadline counts calendar days.
    assert_eq!(report["sla"]["acknowledge_due"], "2026-03-10T10:00:00Z");
    assert_eq!(report["sla"]["triage_due"], "2026-03-12T10:00:00Z");
    assert_eq!(report["sla"]["disclosure_due"], "2026-04-08T10:00:00Z");

    // Friday to the holiday, hour by hour: the acknowledgement reminder comes 12 business
    // hours ahead, on Friday at 22:00 (not on Monday, the holiday, nor on the weekend).
    advance(&app, &clock, received).await;
    hourly(&app, &clock, "2026-03-06T10:00:00Z", "2026-03-09T12:00:00Z").await;
    assert_eq!(
        reminders_sent(&app),
        vec![(
            "acknowledge".to_owned(),
            "before".to_owned(),
            ts("2026-03-06T22:00:00Z")
        )]
    );

    // Acknowledged on the holiday: the acknowledgement clock stops, so Tuesday's breach
    // never comes. Triage is reminded on Wednesday 22:00 and breached on Thursday 10:00.
    let move_to = |to: &'static str| {
        let (http, base, mia, id) = (http.clone(), base.clone(), mia.clone(), id.clone());
        async move {
            let (status, body) = post_json(
                &http,
                format!("{base}/api/v1/reports/{id}/transitions"),
                &mia,
                serde_json::json!({ "to": to }),
            )
            .await;
            assert_eq!(status, 200, "{to}: {body}");
            assert_eq!(body["state"], to);
        }
    };
    move_to("acknowledged").await;
    hourly(&app, &clock, "2026-03-09T12:00:00Z", "2026-03-12T12:00:00Z").await;
    assert_eq!(
        reminders_sent(&app)[1..],
        [
            (
                "triage".to_owned(),
                "before".to_owned(),
                ts("2026-03-11T22:00:00Z")
            ),
            (
                "triage".to_owned(),
                "breach".to_owned(),
                ts("2026-03-12T10:00:00Z")
            ),
        ]
    );
    move_to("accepted").await;

    // The fix needs longer: the disclosure deadline moves by two weeks, with a reason.
    // Refusals name the field; a triager-free project has only maintainers, and the
    // reporter may not extend.
    let extend_url = format!("{base}/api/v1/reports/{id}/extensions");
    let (status, body) = post_json(
        &http,
        extend_url.clone(),
        &mia,
        serde_json::json!({ "clock": "disclosure", "new_due": "2026-04-22", "reason": " " }),
    )
    .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["error"]["field"], "reason");
    let (status, body) = post_json(
        &http,
        extend_url.clone(),
        &mia,
        serde_json::json!({ "clock": "disclosure", "new_due": "2026-04-01", "reason": "Sooner?" }),
    )
    .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["error"]["field"], "new_due");
    let (status, body) = post_json(
        &http,
        extend_url.clone(),
        &mia,
        serde_json::json!({ "clock": "acknowledge", "new_due": "2026-04-22", "reason": "Late." }),
    )
    .await;
    assert_eq!(status, 409, "the acknowledgement clock stopped: {body}");
    let (status, _) = post_json(
        &http,
        extend_url.clone(),
        &reporter,
        serde_json::json!({ "clock": "disclosure", "new_due": "2026-05-22", "reason": "Mine." }),
    )
    .await;
    assert_eq!(status, 403);
    let (status, body) = post_json(
        &http,
        extend_url.clone(),
        &mia,
        serde_json::json!({
            "clock": "disclosure",
            "new_due": "2026-04-22",
            "reason": "The fix changes the plugin API; <packagers> need two more weeks."
        }),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["sla"]["disclosure_due"], "2026-04-22T10:00:00Z");
    assert_eq!(body["extension"]["from"], "2026-04-08T10:00:00Z");
    assert_eq!(body["extension"]["by"], "Mia Maintainer");

    // The reporter sees the new date and the reason, not who.
    let theirs: serde_json::Value = http
        .get(format!("{base}/api/v1/reports/{id}"))
        .bearer_auth(&reporter)
        .send()
        .await
        .expect("get")
        .json()
        .await
        .expect("json");
    assert_eq!(theirs["sla"]["disclosure_due"], "2026-04-22T10:00:00Z");
    assert_eq!(
        theirs["extensions"][0]["reason"],
        "The fix changes the plugin API; <packagers> need two more weeks."
    );
    assert!(theirs["extensions"][0]["by"].is_null(), "{theirs}");
    let page = http
        .get(format!("{base}/track/{reporter}"))
        .send()
        .await
        .expect("tracking page")
        .text()
        .await
        .expect("html");
    assert!(
        page.contains("The fix changes the plugin API; &lt;packagers&gt; need two more weeks."),
        "{page}"
    );
    assert!(page.contains("2026-04-22 10:00 UTC"), "{page}");
    let changes = page
        .split("Deadline changes")
        .nth(1)
        .and_then(|s| s.split("</ul>").next())
        .expect("deadline changes listed");
    assert!(!changes.contains("Mia"), "{changes}");

    // Day by day to the eve of the new deadline, through fixing and fixed: nothing on the
    // old date (7 and 8 April).
    let mut day = ts("2026-03-13T12:00:00Z");
    while day <= ts("2026-04-21T12:00:00Z") {
        advance(&app, &clock, day).await;
        if day == ts("2026-04-01T12:00:00Z") {
            move_to("fixing").await;
        }
        if day == ts("2026-04-15T12:00:00Z") {
            move_to("fixed").await;
        }
        day = day
            .checked_add(SignedDuration::from_hours(24))
            .expect("in range");
    }
    assert_eq!(reminders_sent(&app).len(), 3, "{:?}", reminders_sent(&app));
    // Hour by hour: the disclosure reminder follows the extension (12 calendar hours
    // ahead, since disclosure counts calendar days).
    hourly(&app, &clock, "2026-04-21T12:00:00Z", "2026-04-22T08:00:00Z").await;
    assert_eq!(
        reminders_sent(&app)[3..],
        [(
            "disclosure".to_owned(),
            "before".to_owned(),
            ts("2026-04-21T22:00:00Z")
        )]
    );
    // Disclosed before the deadline: no breach reminder, even days later.
    move_to("disclosed").await;
    hourly(&app, &clock, "2026-04-22T08:00:00Z", "2026-04-22T12:00:00Z").await;
    advance(&app, &clock, ts("2026-04-25T12:00:00Z")).await;
    let all = reminders_sent(&app);
    assert_eq!(all.len(), 4, "{all:?}");
    for (clock, kind, at) in &all {
        let date = at.to_zoned(jiff::tz::TimeZone::UTC).date();
        assert!(
            !matches!(date.weekday(), Weekday::Saturday | Weekday::Sunday)
                && date != jiff::civil::date(2026, 3, 9),
            "{clock} {kind} on a day off: {at}"
        );
    }

    // By e-mail: Mia got each reminder exactly once; Otto (opted out) and the
    // administrator (not a member) got none.
    let expected = [
        "Subject: [Desk] Report #1: acknowledgement due 2026-03-10 10:00 UTC",
        "Subject: [Desk] Report #1: triage due 2026-03-12 10:00 UTC",
        "Subject: [Desk] Report #1: triage deadline passed",
        "Subject: [Desk] Report #1: disclosure due 2026-04-22 10:00 UTC",
    ];
    let reminder_mails = || -> Vec<String> {
        smtp.messages()
            .into_iter()
            .filter(|m| m.contains("You get these reminders as a maintainer of Desk"))
            .collect()
    };
    // Every e-mail queued so far is delivered (anything queued twice too).
    app.drain().await;
    let mails = reminder_mails();
    assert_eq!(mails.len(), expected.len(), "{mails:?}");
    for subject in expected {
        let matching: Vec<&String> = mails.iter().filter(|m| m.contains(subject)).collect();
        assert_eq!(matching.len(), 1, "{subject}: {mails:?}");
        assert!(
            matching[0].contains("To: mia@example.test"),
            "{}",
            matching[0]
        );
    }
    assert!(
        mails.iter().all(|m| !m.contains("otto@example.test")),
        "{mails:?}"
    );

    // Maintainers see the extension on the report page, with who made it.
    let (code, _, err) = app.cli(&["admin", "verify-audit"], "").await;
    assert_eq!(code, 0, "{err}");
    let web = client();
    sign_in(&web, &base).await;
    let page = web
        .get(format!("{base}/inbox/desk/reports/1"))
        .send()
        .await
        .expect("report page")
        .text()
        .await
        .expect("html");
    assert!(page.contains("Deadline extensions"), "{page}");
    assert!(page.contains("by Mia Maintainer"), "{page}");

    // The other e-mails honour the same choices: both maintainers heard of the new report,
    // and Otto of each state change Mia made (not Mia herself, who made them).
    let to = |who: &str, subject: &str| -> usize {
        smtp.messages()
            .iter()
            .filter(|m| m.contains(&format!("To: {who}")) && m.contains(subject))
            .count()
    };
    app.drain().await;
    assert_eq!(
        to(
            "otto@example.test",
            "Subject: [Desk] Report #1: fixed -> disclosed"
        ),
        1,
        "{:?}",
        smtp.messages()
    );
    let new_report = "Subject: [Desk] New report #1: Path traversal in downloads";
    assert_eq!(to("mia@example.test", new_report), 1);
    assert_eq!(to("otto@example.test", new_report), 1);
    assert_eq!(
        to(
            "otto@example.test",
            "Subject: [Desk] Report #1: accepted -> fixing"
        ),
        1
    );
    assert_eq!(
        to(
            "mia@example.test",
            "Subject: [Desk] Report #1: accepted -> fixing"
        ),
        0
    );

    // Mia turns new-report e-mails off on her settings page (a form with its CSRF token).
    let mia_web = client();
    let login = mia_web
        .get(format!("{base}/login"))
        .send()
        .await
        .expect("login page")
        .text()
        .await
        .expect("html");
    let res = mia_web
        .post(format!("{base}/login"))
        .form(&[
            ("csrf_token", hidden_field(&login, "csrf_token").as_str()),
            ("email", "mia@example.test"),
            ("password", PASSWORD),
            ("next", "/settings/notifications"),
        ])
        .send()
        .await
        .expect("login");
    assert_eq!(res.status(), 303);
    let settings = mia_web
        .get(format!("{base}/settings/notifications"))
        .send()
        .await
        .expect("settings")
        .text()
        .await
        .expect("html");
    assert!(
        settings.contains("name=\"new_report\" value=\"on\" checked"),
        "{settings}"
    );
    let csrf = hidden_field(&settings, "csrf_token");
    let refused = mia_web
        .post(format!("{base}/settings/notifications/desk"))
        .form(&[("reminders", "on")])
        .send()
        .await
        .expect("post");
    assert_eq!(refused.status(), 403, "no CSRF token, no change");
    let res = mia_web
        .post(format!("{base}/settings/notifications/desk"))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("reporter_message", "on"),
            ("reminders", "on"),
            ("state_changes", "on"),
        ])
        .send()
        .await
        .expect("post");
    assert_eq!(res.status(), 303);
    let choices: serde_json::Value = http
        .get(format!("{base}/api/v1/me/notifications"))
        .bearer_auth(&mia)
        .send()
        .await
        .expect("get")
        .json()
        .await
        .expect("json");
    assert_eq!(choices[0]["new_report"], false, "{choices}");
    assert_eq!(choices[0]["reminders"], true, "{choices}");
    let second: serde_json::Value = http
        .post(format!("{base}/api/v1/projects/desk/reports"))
        .json(&sample_report("SSRF in the webhook test"))
        .send()
        .await
        .expect("submit")
        .json()
        .await
        .expect("json");
    assert_eq!(second["number"], 2);
    let new_second = "Subject: [Desk] New report #2: SSRF in the webhook test";
    app.drain().await;
    assert_eq!(
        to("otto@example.test", new_second),
        1,
        "{:?}",
        smtp.messages()
    );
    assert_eq!(to("mia@example.test", new_second), 0);

    // The report page's extension form (here the administrator's): refused without its
    // CSRF token, then applied and listed.
    let page = web
        .get(format!("{base}/inbox/desk/reports/2"))
        .send()
        .await
        .expect("report page")
        .text()
        .await
        .expect("html");
    assert!(page.contains("<option value=\"triage\">"), "{page}");
    let form_url = format!("{base}/inbox/desk/reports/2/extensions");
    let fields = [
        ("clock", "triage"),
        ("new_due", "2026-05-01"),
        ("reason", "Waiting for the vendor's answer."),
    ];
    let res = web
        .post(&form_url)
        .form(&fields)
        .send()
        .await
        .expect("post");
    assert_eq!(res.status(), 403);
    let csrf = hidden_field(&page, "csrf_token");
    let mut with_token = vec![("csrf_token", csrf.as_str())];
    with_token.extend(fields);
    let res = web
        .post(&form_url)
        .form(&with_token)
        .send()
        .await
        .expect("post");
    assert_eq!(res.status(), 303);
    let page = web
        .get(format!("{base}/inbox/desk/reports/2"))
        .send()
        .await
        .expect("report page")
        .text()
        .await
        .expect("html");
    assert!(
        page.contains("Waiting for the vendor&#x27;s answer.") && page.contains("by Ada Admin"),
        "{page}"
    );
    // Received on Saturday 25 April, the report counts from Monday 00:00: triage was due
    // on Thursday 30 April at 00:00, and the new date keeps that time of day.
    assert!(
        page.contains("2026-04-30 00:00 UTC → <strong>2026-05-01 00:00 UTC</strong>"),
        "{page}"
    );
    app.stop().await.expect("graceful stop");
}
