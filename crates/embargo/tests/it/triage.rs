//! The triage assistant in the server: every new report is triaged by the worker; the
//! maintainers (never the reporter) see the label, verdict and findings with the evidence
//! highlighted, likely spam waits in its own tab, and a dismissal is recorded and audited.

use super::*;

on_each_backend!(a_configured_source_is_checked_and_reindexed_when_it_changes);

on_each_backend!(new_reports_are_triaged_and_findings_can_be_dismissed);

const BEG_TITLE: &str = "Critical vulnerability found - bug bounty?";

fn beg_report() -> serde_json::Value {
    serde_json::json!({
        "title": BEG_TITLE,
        "description": "Hello team, I found a critical security vulnerability in your website. \
            Before I share details, please tell me how much you pay as a bug bounty reward. \
            I can send the details after payment. <img src=x onerror=alert(1)>",
        "reporter": { "name": "B. Ounty", "email": "bounty@example.test" }
    })
}

async fn submit(
    http: &reqwest::Client,
    base: &str,
    body: &serde_json::Value,
) -> (String, i64, String) {
    let res = http
        .post(format!("{base}/api/v1/projects/demo/reports"))
        .json(body)
        .send()
        .await
        .expect("submit");
    assert_eq!(res.status(), 201);
    let r: serde_json::Value = res.json().await.expect("json");
    (
        r["id"].as_str().expect("id").to_owned(),
        r["number"].as_i64().expect("number"),
        r["token"].as_str().expect("token").to_owned(),
    )
}

async fn report_json(
    http: &reqwest::Client,
    base: &str,
    token: &str,
    id: &str,
) -> serde_json::Value {
    let res = http
        .get(format!("{base}/api/v1/reports/{id}"))
        .bearer_auth(token)
        .send()
        .await
        .expect("get report");
    assert_eq!(res.status(), 200);
    res.json().await.expect("json")
}

/// The maintainer's view once the due jobs, the report's triage among them, have run.
async fn triaged(
    app: &TestApp,
    http: &reqwest::Client,
    token: &str,
    id: &str,
) -> serde_json::Value {
    app.drain().await;
    let r = report_json(http, &app.url, token, id).await;
    assert!(r.get("triage").is_some(), "report {id} is triaged: {r}");
    r
}

async fn get_text(http: &reqwest::Client, url: &str) -> String {
    let res = http.get(url).send().await.expect("get");
    assert_eq!(res.status(), 200, "{url}");
    res.text().await.expect("body")
}

async fn new_reports_are_triaged_and_findings_can_be_dismissed(backend: Backend) {
    let db = prepared(backend).await;
    let app = TestApp::serve(db, &ServerOptions::default()).await;
    let base = app.url.as_str();
    let http = client();
    let maintainer = app.api_token().await;

    let (beg_id, beg_number, beg_token) = submit(&http, base, &beg_report()).await;
    let (valid_id, _, valid_token) = submit(
        &http,
        base,
        &sample_report("Path traversal in timelapse download"),
    )
    .await;

    // The worker triages both; the maintainer's JSON carries the result.
    let beg = triaged(&app, &http, &maintainer, &beg_id).await;
    assert_eq!(beg["triage"]["label"], "beg_bounty", "{beg}");
    assert_eq!(beg["triage"]["verdict"], "likely_invalid");
    let findings = beg["triage"]["findings"].as_array().expect("findings");
    let payment = findings
        .iter()
        .find(|f| f["signal"] == "payment_request")
        .expect("a payment_request finding");
    assert_eq!(payment["level"], "strong");
    assert_eq!(payment["dismissed"], serde_json::Value::Null);
    let quoted: Vec<&str> = payment["evidence"]
        .as_array()
        .expect("evidence")
        .iter()
        .map(|e| e["quote"].as_str().expect("quote"))
        .collect();
    assert!(
        quoted
            .iter()
            .any(|q| q.contains("how much you pay as a bug bounty reward")),
        "{quoted:?}"
    );
    let key = payment["key"].as_str().expect("key").to_owned();

    let valid = triaged(&app, &http, &maintainer, &valid_id).await;
    assert_ne!(valid["triage"]["verdict"], "likely_invalid", "{valid}");
    assert_ne!(valid["triage"]["label"], "beg_bounty");

    // The reporter never sees the triage: not in their JSON, not on their tracking page.
    for (id, token) in [(&beg_id, &beg_token), (&valid_id, &valid_token)] {
        let mine = report_json(&http, base, token, id).await;
        assert_eq!(mine["id"], id.as_str());
        assert!(mine.get("triage").is_none(), "{mine}");
        let page = get_text(&http, &format!("{base}/track/{token}")).await;
        assert!(
            !page.contains("beg_bounty") && !page.contains("Triage"),
            "{page}"
        );
    }

    // The report page shows the finding with its passage highlighted, the report's own
    // markup escaped.
    let web = client();
    sign_in(&web, base).await;
    let page_url = format!("{base}/inbox/demo/reports/{beg_number}");
    let page = get_text(&web, &page_url).await;
    assert!(page.contains("<h2>Triage</h2>"));
    assert!(page.contains("beg_bounty") && page.contains("likely_invalid"));
    assert!(
        page.contains("<mark> Before I share details, please tell me how much you pay as a bug bounty reward.</mark>"),
        "{page}"
    );
    assert!(page.contains("&lt;img src=x onerror=alert(1)&gt;"));
    assert!(!page.contains("<img src=x"));

    // Likely spam has its own tab; nothing is deleted from the full list.
    let spam = get_text(&web, &format!("{base}/inbox/demo?tab=junk")).await;
    assert!(
        spam.contains(BEG_TITLE) && spam.contains("likely invalid"),
        "{spam}"
    );
    assert!(!spam.contains("Path traversal in timelapse download"));
    let all = get_text(&web, &format!("{base}/inbox/demo")).await;
    assert!(all.contains(BEG_TITLE) && all.contains("Path traversal in timelapse download"));

    // Dismissing needs a reason and a known finding, and records who and why.
    let csrf = hidden_field(&page, "csrf_token");
    let dismiss_url = format!("{page_url}/triage/dismiss");
    let res = web
        .post(&dismiss_url)
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("finding", key.as_str()),
            ("reason", "  "),
        ])
        .send()
        .await
        .expect("dismiss");
    assert_eq!(res.status(), 422);
    let res = web
        .post(&dismiss_url)
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("finding", "no_such:text:0-1"),
            ("reason", "x"),
        ])
        .send()
        .await
        .expect("dismiss");
    assert_eq!(res.status(), 422);
    let res = web
        .post(&dismiss_url)
        .form(&[("finding", key.as_str()), ("reason", "no token")])
        .send()
        .await
        .expect("dismiss");
    assert_eq!(
        res.status(),
        403,
        "a post without the CSRF token is refused"
    );
    let res = web
        .post(&dismiss_url)
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("finding", key.as_str()),
            ("reason", "They sent the details by mail"),
        ])
        .send()
        .await
        .expect("dismiss");
    assert_eq!(res.status(), 303);

    let after = report_json(&http, base, &maintainer, &beg_id).await;
    let dismissed = after["triage"]["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .find(|f| f["key"] == key.as_str())
        .expect("the finding")["dismissed"]
        .clone();
    assert_eq!(dismissed["by"], "admin@example.test");
    assert_eq!(dismissed["reason"], "They sent the details by mail");
    let page = get_text(&web, &page_url).await;
    assert!(page.contains("Dismissed by admin@example.test"), "{page}");
    assert!(page.contains("They sent the details by mail"));
    assert!(
        page.contains("<s><strong>A reward is asked before details are given</strong>"),
        "{page}"
    );

    // A second dismissal of the same finding over the API is a conflict.
    let res = http
        .post(format!("{base}/api/v1/reports/{beg_id}/triage/dismissals"))
        .bearer_auth(&maintainer)
        .json(&serde_json::json!({ "finding": key, "reason": "again" }))
        .send()
        .await
        .expect("dismiss");
    assert_eq!(res.status(), 409);
    // The reporter's token may not dismiss.
    let res = http
        .post(format!("{base}/api/v1/reports/{beg_id}/triage/dismissals"))
        .bearer_auth(&beg_token)
        .json(&serde_json::json!({ "finding": key, "reason": "mine" }))
        .send()
        .await
        .expect("dismiss");
    assert_eq!(res.status(), 403);

    // The dismissal is in the audit log, by the maintainer, and the chain verifies.
    let (code, out, err) = app.cli(&["admin", "verify-audit"], "").await;
    assert_eq!(code, 0, "{out}{err}");
    let store = app.db.store().await;
    let events = store::audit::events(&mut store.read().await.expect("read"), 0, 1000)
        .await
        .expect("audit");
    let dismissals: Vec<_> = events
        .iter()
        .filter(|e| e.action == "triage.dismiss")
        .collect();
    assert_eq!(dismissals.len(), 1);
    assert_eq!(dismissals[0].subject, format!("report:{beg_id}"));
    assert!(
        dismissals[0].actor.starts_with("user:"),
        "{}",
        dismissals[0].actor
    );
    assert_eq!(dismissals[0].data["finding"], key.as_str());
    assert_eq!(
        dismissals[0].data["reason"],
        "They sent the details by mail"
    );
    store.close().await;

    // Report text never reaches the log.
    let logs = app.logs();
    assert!(!logs.contains("bug bounty reward"), "{logs}");
    app.stop().await.expect("graceful stop");
}

const SOURCE_V1: &str = "#include <string.h>\n\nint download_open(const char *name) {\n    return name[0] == '/' ? -1 : 0;\n}\n";
const SOURCE_V2_ADDS: &str = "\nint download_join_unchecked(char *out, const char *dir, const char *name) {\n    strcpy(out, dir); strcat(out, name); return 0;\n}\n";

fn symbol_report(title: &str) -> serde_json::Value {
    serde_json::json!({
        "title": title,
        "description": "In PrintDesk, download_join_unchecked() in src/download.c joins the requested name without normalising it.",
        "affected_version": "1.10.3",
        "reproduction": "curl 'http://printer.local/downloads/timelapse/..%2f..%2fconfig.yaml'",
        "impact": "Any user reads the configuration."
    })
}

fn signals(report: &serde_json::Value) -> Vec<String> {
    report["triage"]["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| f["signal"].as_str().expect("signal").to_owned())
        .collect()
}

async fn a_configured_source_is_checked_and_reindexed_when_it_changes(backend: Backend) {
    let db = prepared(backend).await;
    let checkout = TempDir::new();
    std::fs::create_dir_all(checkout.0.join("src")).expect("mkdir");
    let file = checkout.0.join("src/download.c");
    std::fs::write(&file, SOURCE_V1).expect("write source");
    let config_dir = TempDir::new();
    let config = config_dir.0.join("embargo.toml");
    std::fs::write(
        &config,
        format!(
            "[triage.sources]\ndemo = [{:?}]\n",
            checkout.0.display().to_string()
        ),
    )
    .expect("write config");
    let app = TestApp::serve(
        db,
        &ServerOptions {
            env: vec![("EMBARGO_CONFIG".into(), config.display().to_string())],
            ..ServerOptions::default()
        },
    )
    .await;
    let base = app.url.as_str();
    let http = client();
    let maintainer = app.api_token().await;

    // The function the report names is not in the checkout: the finding says so.
    let (first, _, _) = submit(&http, base, &symbol_report("Path traversal in download")).await;
    let first = triaged(&app, &http, &maintainer, &first).await;
    let unknown = first["triage"]["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .find(|f| f["signal"] == "unknown_symbol")
        .unwrap_or_else(|| panic!("an unknown_symbol finding: {first}"));
    assert_eq!(unknown["evidence"][0]["quote"], "download_join_unchecked");
    assert!(
        !unknown["detail"]
            .as_str()
            .expect("detail")
            .contains(&checkout.0.display().to_string()),
        "the server's paths are not shown: {unknown}"
    );

    // The checkout gains the function: the next report is checked against the new index
    // (the finding is gone: the index was built again; its log line is written on a
    // blocking thread, which this test's log does not see).
    let mut text = SOURCE_V1.to_owned();
    text.push_str(SOURCE_V2_ADDS);
    std::fs::write(&file, text).expect("update source");
    let (second, _, _) = submit(
        &http,
        base,
        &symbol_report("Traversal via download_join_unchecked"),
    )
    .await;
    let second = triaged(&app, &http, &maintainer, &second).await;
    assert!(
        !signals(&second).contains(&"unknown_symbol".to_owned()),
        "{second}"
    );
}
