//! Advisories end to end, on both databases: a draft is invisible on every public route;
//! publishing (now, or by the scheduled job) makes it visible, moves its report to
//! disclosed, and serves exports that validate against the official schemas; the Atom feed
//! is well-formed; the query route answers affected versions only; only maintainers
//! publish; imports of real records round-trip; CVE Services is driven against a stub.

use super::*;

on_each_backend!(drafts_stay_private_and_published_advisories_are_served);
use advisory::Format;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../advisory/tests/data");

fn fast_worker() -> ServerOptions {
    ServerOptions {
        env: vec![
            ("EMBARGO_WORKER_POLL_MS".into(), "100".into()),
            ("EMBARGO_CSAF_ENABLED".into(), "1".into()),
        ],
        ..ServerOptions::default()
    }
}

async fn send(req: reqwest::RequestBuilder) -> (u16, Value) {
    let res = req.send().await.expect("request");
    let status = res.status().as_u16();
    let text = res.text().await.expect("body");
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

async fn get_text(http: &reqwest::Client, url: &str) -> (u16, String) {
    let res = http.get(url).send().await.expect("get");
    let status = res.status().as_u16();
    (status, res.text().await.expect("body"))
}

/// Submits a report crediting a handle and moves it to `to` through the workflow.
async fn accepted_report(
    http: &reqwest::Client,
    base: &str,
    token: &str,
    states: &[&str],
) -> String {
    let mut report = sample_report("Path traversal in timelapse downloads");
    report["reporter"]["credit_as"] = json!("@mlind");
    report["reporter"]["credit"] = json!("handle");
    let (status, r) = send(
        http.post(format!("{base}/api/v1/projects/demo/reports"))
            .json(&report),
    )
    .await;
    assert_eq!(status, 201, "{r}");
    let id = r["id"].as_str().expect("id").to_owned();
    for to in states {
        move_report(http, base, token, &id, to).await;
    }
    id
}

async fn move_report(http: &reqwest::Client, base: &str, token: &str, id: &str, to: &str) {
    let (status, body) = send(
        http.post(format!("{base}/api/v1/reports/{id}/transitions"))
            .bearer_auth(token)
            .json(&json!({ "to": to })),
    )
    .await;
    assert_eq!(status, 200, "{to}: {body}");
}

/// Every public route that could show `id`, asserting none does.
async fn assert_invisible(http: &reqwest::Client, base: &str, id: &str, secret: &str) {
    for path in [
        format!("/p/demo/advisories/{id}"),
        format!("/p/demo/advisories/{id}.osv.json"),
        format!("/p/demo/advisories/{id}.cve.json"),
        format!("/p/demo/advisories/{id}.csaf.json"),
        format!(
            "/.well-known/csaf/white/2026/{}",
            advisory::csaf::filename(id)
        ),
    ] {
        let (status, body) = get_text(http, &format!("{base}{path}")).await;
        assert_eq!(status, 404, "{path} must not exist before publication");
        assert!(!body.contains(secret), "{path} leaks the draft");
    }
    for path in [
        "/p/demo/advisories".to_owned(),
        "/p/demo/advisories.atom".to_owned(),
        "/p/demo/advisories/release-notes?version=1.11.3".to_owned(),
        "/.well-known/csaf/white/index.txt".to_owned(),
        "/.well-known/csaf/white/changes.csv".to_owned(),
        "/.well-known/csaf/provider-metadata.json".to_owned(),
    ] {
        let (status, body) = get_text(http, &format!("{base}{path}")).await;
        assert_eq!(status, 200, "{path}");
        assert!(!body.contains(id), "{path} names the draft");
        assert!(!body.contains(secret), "{path} leaks the draft");
    }
    let (status, answer) = send(http.post(format!("{base}/api/v1/query")).json(
        &json!({ "package": { "ecosystem": "PyPI", "name": "printdesk" }, "version": "1.10.3" }),
    ))
    .await;
    assert_eq!(status, 200);
    let text = answer.to_string();
    assert!(
        !text.contains(id) && !text.contains(secret),
        "the query route knows no drafts: {text}"
    );
}

fn problems(format: Format, doc: &Value) -> Vec<String> {
    advisory::validate(format, doc)
        .into_iter()
        .map(|p| p.to_string())
        .collect()
}

async fn drafts_stay_private_and_published_advisories_are_served(backend: Backend) {
    let db = prepared(backend).await;
    let app = TestApp::serve(db, &fast_worker()).await;
    let base = app.url.as_str();
    let http = client();
    let token = app.api_token().await;
    let report =
        accepted_report(&http, base, &token, &["acknowledged", "accepted", "fixing"]).await;

    // A draft prefilled from the accepted report.
    let (status, created) = send(
        http.post(format!("{base}/api/v1/projects/demo/advisories"))
            .bearer_auth(&token)
            .json(&json!({ "report": 1, "package": { "ecosystem": "PyPI", "name": "printdesk" } })),
    )
    .await;
    assert_eq!(status, 201, "{created}");
    let id = created["id"].as_str().expect("id").to_owned();
    assert!(id.starts_with("x_demo-") && id.ends_with("-0001"), "{id}");
    let a = &created["advisory"];
    assert_eq!(created["status"], "draft");
    assert_eq!(created["report_id"], report.as_str());
    assert_eq!(a["summary"], "Path traversal in timelapse downloads");
    assert_eq!(
        a["severity"][0]["vector"],
        "CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:N/A:N"
    );
    assert_eq!(
        a["credits"],
        json!([{ "name": "@mlind", "contact": [], "kind": "reporter" }])
    );
    assert_eq!(a["affected"][0]["versions"], json!(["1.10.3"]));

    // Edit: a range, a CVE alias, and a summary with markup (shown escaped later).
    let summary = "Timelapse <script>alert(1)</script> download reads any file";
    let (status, edited) = send(
        http.patch(format!("{base}/api/v1/advisories/{id}"))
            .bearer_auth(&token)
            .header("If-Match", "1")
            .json(&json!({
                "summary": summary,
                "aliases": ["CVE-2026-12345"],
                "cwes": [{ "id": "CWE-22" }],
                "references": [{ "kind": "WEB", "url": "javascript:alert(1)" }, { "kind": "FIX", "url": "https://printdesk.example/fix" }],
                "affected": [{
                    "package": { "ecosystem": "PyPI", "name": "printdesk" },
                    "ranges": [{ "kind": "ECOSYSTEM", "events": [{ "introduced": "0" }, { "fixed": "1.11.3" }] }]
                }]
            })),
    )
    .await;
    assert_eq!(status, 200, "{edited}");
    assert_eq!(edited["version"], 2);
    // A stale edit and a lifecycle field are refused, naming why.
    let (status, body) = send(
        http.patch(format!("{base}/api/v1/advisories/{id}"))
            .bearer_auth(&token)
            .header("If-Match", "1")
            .json(&json!({ "details": "x" })),
    )
    .await;
    assert_eq!(status, 409, "{body}");
    let (status, body) = send(
        http.patch(format!("{base}/api/v1/advisories/{id}"))
            .bearer_auth(&token)
            .json(&json!({ "status": "published" })),
    )
    .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["error"]["field"], "advisory.status");

    assert_invisible(&http, base, &id, "Timelapse").await;
    let (_, answer) = send(
        http.post(format!("{base}/api/v1/query"))
            .json(&json!({ "package": { "ecosystem": "PyPI", "name": "printdesk" } })),
    )
    .await;
    assert_eq!(answer, json!({}), "nothing is published yet");

    // A triager may read and edit but not publish.
    let triager = triager_token(&app).await;
    let (status, _) = send(
        http.get(format!("{base}/api/v1/advisories/{id}"))
            .bearer_auth(&triager),
    )
    .await;
    assert_eq!(status, 200, "a triager reads drafts");
    let (status, body) = send(
        http.post(format!("{base}/api/v1/advisories/{id}/publish"))
            .bearer_auth(&triager),
    )
    .await;
    assert_eq!(status, 403, "{body}");
    let (status, _) = send(
        http.get(format!("{base}/api/v1/advisories/{id}"))
            .bearer_auth("emb_nobody"),
    )
    .await;
    assert_eq!(status, 401);

    // Publishing now waits for the fix.
    let (status, body) = send(
        http.post(format!("{base}/api/v1/advisories/{id}/publish"))
            .bearer_auth(&token),
    )
    .await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(body["error"]["code"], "report_not_fixed");
    assert_invisible(&http, base, &id, "Timelapse").await;
    move_report(&http, base, &token, &report, "fixed").await;
    let (status, published) = send(
        http.post(format!("{base}/api/v1/advisories/{id}/publish"))
            .bearer_auth(&token),
    )
    .await;
    assert_eq!(status, 200, "{published}");
    assert_eq!(published["status"], "published");
    let (_, r) = send(
        http.get(format!("{base}/api/v1/reports/{report}"))
            .bearer_auth(&token),
    )
    .await;
    assert_eq!(r["state"], "disclosed", "publishing discloses the report");
    let (status, body) = send(
        http.patch(format!("{base}/api/v1/advisories/{id}"))
            .bearer_auth(&triager)
            .json(&json!({ "details": "changed by a triager" })),
    )
    .await;
    assert_eq!(
        status, 403,
        "only maintainers change a public advisory: {body}"
    );

    // The public page escapes everything and links only web URLs.
    let (status, page) = get_text(&http, &format!("{base}/p/demo/advisories/{id}")).await;
    assert_eq!(status, 200);
    assert!(
        page.contains("Timelapse &lt;script&gt;alert(1)&lt;&#x2f;script&gt;"),
        "{page}"
    );
    assert!(!page.contains("<script>"));
    assert!(!page.contains("href=\"javascript:"));
    // The template engine escapes `/` too; browsers decode it in attributes.
    assert!(
        page.contains("href=\"https:&#x2f;&#x2f;printdesk.example&#x2f;fix\""),
        "{page}"
    );
    assert!(page.contains("@mlind"));
    let (_, list) = get_text(&http, &format!("{base}/p/demo/advisories")).await;
    assert!(list.contains(&id));

    // Served exports validate against the official schemas.
    for (suffix, format) in [
        (".osv.json", Format::Osv),
        (".cve.json", Format::Cve5),
        (".csaf.json", Format::Csaf),
    ] {
        let (status, doc) = send(http.get(format!("{base}/p/demo/advisories/{id}{suffix}"))).await;
        assert_eq!(status, 200, "{suffix}");
        assert_eq!(
            problems(format, &doc),
            Vec::<String>::new(),
            "{suffix}: {doc}"
        );
    }
    let (_, osv) = send(http.get(format!("{base}/p/demo/advisories/{id}.osv.json"))).await;
    assert_eq!(osv["id"], id.as_str());
    assert_eq!(osv["aliases"], json!(["CVE-2026-12345"]));

    // CSAF provider metadata, directory, and the CSAF line of security.txt.
    let (status, meta) =
        send(http.get(format!("{base}/.well-known/csaf/provider-metadata.json"))).await;
    assert_eq!(status, 200);
    let schema_problems =
        advisory::schema::check_schema(advisory::Schema::CsafProviderMetadata, &meta);
    assert!(schema_problems.is_empty(), "{schema_problems:?}");
    let (_, index) = get_text(&http, &format!("{base}/.well-known/csaf/white/index.txt")).await;
    let path = index
        .lines()
        .next()
        .expect("one document listed")
        .to_owned();
    assert!(path.ends_with(&advisory::csaf::filename(&id)), "{path}");
    let (status, doc) = send(http.get(format!("{base}/.well-known/csaf/white/{path}"))).await;
    assert_eq!(status, 200);
    assert_eq!(problems(Format::Csaf, &doc), Vec::<String>::new());
    let (_, txt) = get_text(&http, &format!("{base}/p/demo/security.txt")).await;
    assert!(
        txt.contains(&format!(
            "CSAF: {base}/.well-known/csaf/provider-metadata.json"
        )),
        "{txt}"
    );

    // The feed is well-formed Atom with one entry for it.
    let (status, feed) = get_text(&http, &format!("{base}/p/demo/advisories.atom")).await;
    assert_eq!(status, 200);
    let xml = roxmltree::Document::parse(&feed).expect("well-formed XML");
    let root = xml.root_element();
    assert_eq!(root.tag_name().name(), "feed");
    assert_eq!(
        root.tag_name().namespace(),
        Some("http://www.w3.org/2005/Atom")
    );
    let entries: Vec<_> = root
        .children()
        .filter(|n| n.has_tag_name("entry"))
        .collect();
    assert_eq!(entries.len(), 1);
    let title = entries[0]
        .children()
        .find(|n| n.has_tag_name("title"))
        .and_then(|n| n.text())
        .expect("title");
    assert_eq!(title, format!("{id}: {summary}"));

    // The query answers an affected version and not the fixed one.
    let query = |version: &str| {
        http.post(format!("{base}/api/v1/query")).json(
            &json!({ "package": { "ecosystem": "PyPI", "name": "printdesk" }, "version": version }),
        )
    };
    let (status, hit) = send(query("1.10.3")).await;
    assert_eq!(status, 200);
    assert_eq!(hit["vulns"].as_array().map(Vec::len), Some(1), "{hit}");
    assert_eq!(hit["vulns"][0]["id"], id.as_str());
    let (_, miss) = send(query("1.11.3")).await;
    assert_eq!(miss, json!({}));
    let (status, body) = send(
        http.post(format!("{base}/api/v1/query"))
            .json(&json!({ "package": {} })),
    )
    .await;
    assert_eq!(status, 422, "{body}");

    // Release notes for the fixed version.
    let (status, notes) = get_text(
        &http,
        &format!("{base}/p/demo/advisories/release-notes?version=1.11.3"),
    )
    .await;
    assert_eq!(status, 200);
    assert!(
        notes.starts_with("### Security\n\n- Fixed CVE-2026-12345 (Medium): "),
        "{notes}"
    );
    assert!(notes.contains("reported by @mlind."), "{notes}");

    // The CVE packet for a CNA's form.
    let (status, packet) = send(
        http.get(format!("{base}/api/v1/advisories/{id}/cve-packet"))
            .bearer_auth(&token),
    )
    .await;
    assert_eq!(status, 200, "{packet}");
    assert!(
        packet["summary"]
            .as_str()
            .is_some_and(|s| s.contains("Title:"))
    );
    assert_eq!(packet["problems"], json!([]), "{packet}");
    assert!(packet["cna_container"]["affected"].is_array());

    // A scheduled publication happens when the job runs.
    let (status, second) = send(
        http.post(format!("{base}/api/v1/projects/demo/advisories"))
            .bearer_auth(&token)
            .json(&json!({ "advisory": { "summary": "Scheduled: weak session ids", "details": "Later." } })),
    )
    .await;
    assert_eq!(status, 201, "{second}");
    let second_id = second["id"].as_str().expect("id").to_owned();
    assert!(second_id.ends_with("-0002"), "{second_id}");
    let at = jiff::Timestamp::now() + jiff::SignedDuration::from_secs(2);
    let (status, scheduled) = send(
        http.post(format!("{base}/api/v1/advisories/{second_id}/publish"))
            .bearer_auth(&token)
            .json(&json!({ "at": at.to_string() })),
    )
    .await;
    assert_eq!(status, 200, "{scheduled}");
    assert_eq!(scheduled["status"], "draft");
    assert!(scheduled["scheduled_at"].is_string());
    assert_invisible(&http, base, &second_id, "weak session ids").await;
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let (status, _) = get_text(&http, &format!("{base}/p/demo/advisories/{second_id}")).await;
        if status == 200 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the scheduled publication did not happen; {}",
            app.logs()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let (_, after) = send(
        http.get(format!("{base}/api/v1/advisories/{second_id}"))
            .bearer_auth(&token),
    )
    .await;
    assert_eq!(after["status"], "published");
    assert!(
        after["advisory"]["published"]
            .as_str()
            .is_some_and(|p| p >= at.to_string().as_str()),
        "{after}"
    );

    // Withdrawal: still listed, marked, and no longer answered by the query.
    let (status, body) = send(
        http.post(format!("{base}/api/v1/advisories/{id}/withdraw"))
            .bearer_auth(&token)
            .json(&json!({ "reason": "" })),
    )
    .await;
    assert_eq!(status, 422, "{body}");
    let (status, withdrawn) = send(
        http.post(format!("{base}/api/v1/advisories/{id}/withdraw"))
            .bearer_auth(&token)
            .json(&json!({ "reason": "Duplicate of an upstream advisory" })),
    )
    .await;
    assert_eq!(status, 200, "{withdrawn}");
    assert_eq!(withdrawn["status"], "withdrawn");
    let (_, page) = get_text(&http, &format!("{base}/p/demo/advisories/{id}")).await;
    assert!(page.contains("This advisory was withdrawn"));
    let (_, miss) = send(query("1.10.3")).await;
    assert_eq!(miss, json!({}));

    // Every step is in an audit chain that still verifies.
    let (code, out, err) = app.cli(&["admin", "verify-audit"], "").await;
    assert_eq!(code, 0, "{out}{err}");
    let store = app.db.store().await;
    let events = store::audit::events(&mut store.read().await.expect("read"), 0, 1000)
        .await
        .expect("audit");
    let actions: Vec<&str> = events
        .iter()
        .filter(|e| e.subject.starts_with("advisory:"))
        .map(|e| e.action.as_str())
        .collect();
    for expected in [
        "advisory.create",
        "advisory.update",
        "advisory.publish",
        "advisory.export",
        "advisory.schedule",
        "advisory.withdraw",
    ] {
        assert!(
            actions.contains(&expected),
            "{expected} missing from {actions:?}"
        );
    }
    store.close().await;
    app.stop().await.expect("graceful stop");
}

/// A triager of `demo` with an API token.
async fn triager_token(app: &TestApp) -> String {
    let (code, _, err) = app
        .cli(
            &[
                "admin",
                "create-user",
                "--email",
                "tri@example.test",
                "--name",
                "Tri Ager",
                "--password-stdin",
            ],
            PASSWORD,
        )
        .await;
    assert_eq!(code, 0, "{err}");
    let store = app.db.store().await;
    let project = store::projects::by_slug(
        &mut store.read().await.expect("read"),
        &domain::ProjectSlug::parse("demo").expect("slug"),
    )
    .await
    .expect("project")
    .expect("demo");
    let (user, _) =
        store::accounts::credentials(&mut store.read().await.expect("read"), "tri@example.test")
            .await
            .expect("user")
            .expect("exists");
    let mut tx = store.begin().await.expect("begin");
    store::members::set(
        &mut tx,
        project.id,
        user.id,
        domain::account::ProjectRole::Triager,
    )
    .await
    .expect("member");
    tx.commit().await.expect("commit");
    store.close().await;
    let (code, out, err) = app
        .cli(
            &["admin", "create-token", "--email", "tri@example.test"],
            "",
        )
        .await;
    assert_eq!(code, 0, "{err}");
    out.trim().to_owned()
}

#[tokio::test]
async fn real_records_import_update_on_reimport_and_round_trip() {
    let db = prepared(Backend::Sqlite).await;
    let osv_dir = format!("{DATA}/osv");
    let cve_dir = format!("{DATA}/cve");
    let (code, out, err) = cli(
        &db,
        &[
            "advisory",
            "import",
            "--project",
            "demo",
            &osv_dir,
            &cve_dir,
        ],
        "",
    );
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(
        out.trim(),
        "10 files: 10 advisories created, 0 updated, 0 invalid"
    );
    let (code, out, err) = cli(
        &db,
        &[
            "advisory",
            "import",
            "--project",
            "demo",
            &osv_dir,
            &cve_dir,
        ],
        "",
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        out.trim(),
        "10 files: 0 advisories created, 10 updated, 0 invalid",
        "no duplicates"
    );

    // Bad files are named with the JSON path of their problem; good ones still go in.
    let dir = TempDir::new();
    std::fs::write(dir.0.join("broken.json"), "{ not json").expect("write");
    std::fs::write(
        dir.0.join("shape.json"),
        r#"{"id": "GHSA-xxxx", "modified": 3}"#,
    )
    .expect("write");
    let (code, out, err) = cli(
        &db,
        &[
            "advisory",
            "import",
            "--project",
            "demo",
            dir.0.to_str().expect("utf-8"),
        ],
        "",
    );
    assert_eq!(code, 1, "{out}{err}");
    assert!(err.contains("broken.json: $: not JSON"), "{err}");
    assert!(err.contains("shape.json: $."), "{err}");
    assert_eq!(
        out.trim(),
        "2 files: 0 advisories created, 0 updated, 2 invalid"
    );
    let (code, _, err) = cli(
        &db,
        &["advisory", "import", "--project", "nope", &osv_dir],
        "",
    );
    assert_eq!(code, 1);
    assert!(err.contains("project"), "{err}");

    // What is served is what was imported.
    let app = TestApp::serve(db, &ServerOptions::default()).await;
    let http = client();
    for name in [
        "GHSA-j8r2-6x86-q33q",
        "GHSA-jfh8-c2jp-5v3q",
        "GHSA-cxww-7g56-2vh6",
    ] {
        let original: Value = serde_json::from_str(
            &std::fs::read_to_string(format!("{osv_dir}/{name}.json")).expect("read"),
        )
        .expect("json");
        let (status, served) =
            send(http.get(format!("{}/p/demo/advisories/{name}.osv.json", app.url))).await;
        assert_eq!(status, 200, "{name}");
        assert_eq!(
            advisory::osv::from_osv(&served).expect("served imports"),
            advisory::osv::from_osv(&original).expect("original imports"),
            "{name} round-trips"
        );
        assert_eq!(
            problems(Format::Osv, &served),
            Vec::<String>::new(),
            "{name}"
        );
    }
    let original: Value = serde_json::from_str(
        &std::fs::read_to_string(format!("{cve_dir}/CVE-2023-32681.json")).expect("read"),
    )
    .expect("json");
    let (status, served) = send(http.get(format!(
        "{}/p/demo/advisories/CVE-2023-32681.cve.json",
        app.url
    )))
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        advisory::cve::from_cve(&served).expect("served"),
        advisory::cve::from_cve(&original).expect("original"),
    );
    // The query route finds imported advisories by package and version.
    let (_, hit) = send(http.post(format!("{}/api/v1/query", app.url)).json(
        &json!({ "package": { "ecosystem": "PyPI", "name": "requests" }, "version": "2.30.0" }),
    ))
    .await;
    let ids: Vec<&str> = hit["vulns"]
        .as_array()
        .expect("vulns")
        .iter()
        .filter_map(|v| v["id"].as_str())
        .collect();
    assert!(ids.contains(&"GHSA-j8r2-6x86-q33q"), "{hit}");
    let (_, miss) = send(http.post(format!("{}/api/v1/query", app.url)).json(
        &json!({ "package": { "ecosystem": "PyPI", "name": "requests" }, "version": "2.31.0" }),
    ))
    .await;
    assert!(
        !miss.to_string().contains("GHSA-j8r2-6x86-q33q"),
        "the fixed version is not affected: {miss}"
    );
    app.stop().await.expect("graceful stop");
}

#[tokio::test]
async fn maintainers_draft_edit_schedule_and_publish_in_the_web_ui() {
    let db = prepared(Backend::Sqlite).await;
    let app = TestApp::serve(db, &ServerOptions::default()).await;
    let base = app.url.as_str();
    let http = client();
    let token = app.api_token().await;
    let report = accepted_report(
        &http,
        base,
        &token,
        &["acknowledged", "accepted", "fixing", "fixed"],
    )
    .await;
    sign_in(&http, base).await;

    let (status, page) = get_text(&http, &format!("{base}/inbox/demo/reports/1")).await;
    assert_eq!(status, 200);
    assert!(
        page.contains("Draft an advisory from this report"),
        "{page}"
    );
    let csrf = hidden_field(&page, "csrf_token");
    let res = http
        .post(format!("{base}/inbox/demo/advisories"))
        .form(&[("report", "1")])
        .send()
        .await
        .expect("post");
    assert_eq!(
        res.status(),
        403,
        "a form without its CSRF token is refused"
    );
    let res = http
        .post(format!("{base}/inbox/demo/advisories"))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("report", "1"),
            ("ecosystem", "PyPI"),
            ("package", "printdesk"),
        ])
        .send()
        .await
        .expect("create");
    assert_eq!(res.status(), 303);
    let location = res.headers()["location"]
        .to_str()
        .expect("location")
        .to_owned();
    let id = location.rsplit('/').next().expect("id").to_owned();
    assert!(
        location.starts_with("/inbox/demo/advisories/x_demo-"),
        "{location}"
    );

    let (status, edit) = get_text(&http, &format!("{base}{location}")).await;
    assert_eq!(status, 200);
    assert!(
        edit.contains("&quot;summary&quot;: &quot;Path traversal in timelapse downloads&quot;"),
        "{edit}"
    );
    assert_eq!(hidden_field(&edit, "version"), "1");
    let form = |extra: &[(&str, &str)]| -> Vec<(String, String)> {
        let mut f = vec![("csrf_token".to_owned(), csrf.clone())];
        f.extend(
            extra
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
        );
        f
    };
    let res = http
        .post(format!("{base}{location}"))
        .form(&form(&[("version", "1"), ("advisory", "{ not json")]))
        .send()
        .await
        .expect("save");
    assert_eq!(res.status(), 422);
    assert!(res.text().await.expect("body").contains("is not JSON"));

    let (_, current) = send(
        http.get(format!("{base}/api/v1/advisories/{id}"))
            .bearer_auth(&token),
    )
    .await;
    let mut model = current["advisory"].clone();
    model["summary"] = json!("Path traversal in the timelapse download handler");
    model["references"] = json!([{ "kind": "FIX", "url": "https://printdesk.example/fix" }]);
    let text = serde_json::to_string_pretty(&model).expect("json");
    let res = http
        .post(format!("{base}{location}"))
        .form(&form(&[("version", "1"), ("advisory", &text)]))
        .send()
        .await
        .expect("save");
    assert_eq!(res.status(), 303);
    let (_, saved) = send(
        http.get(format!("{base}/api/v1/advisories/{id}"))
            .bearer_auth(&token),
    )
    .await;
    assert_eq!(saved["version"], 2);
    assert_eq!(
        saved["advisory"]["summary"],
        "Path traversal in the timelapse download handler"
    );
    // The same version again is a stale edit.
    let res = http
        .post(format!("{base}{location}"))
        .form(&form(&[("version", "1"), ("advisory", &text)]))
        .send()
        .await
        .expect("save");
    assert_eq!(res.status(), 422);

    let res = http
        .post(format!("{base}{location}/schedule"))
        .form(&form(&[("at", "2099-01-01T00:00")]))
        .send()
        .await
        .expect("schedule");
    assert_eq!(res.status(), 303);
    let (_, scheduled) = send(
        http.get(format!("{base}/api/v1/advisories/{id}"))
            .bearer_auth(&token),
    )
    .await;
    assert_eq!(scheduled["scheduled_at"], "2099-01-01T00:00:00Z");
    let (_, edit) = get_text(&http, &format!("{base}{location}")).await;
    assert!(edit.contains("Publication scheduled for 2099-01-01 00:00 UTC"));
    let res = http
        .post(format!("{base}{location}/unschedule"))
        .form(&form(&[]))
        .send()
        .await
        .expect("unschedule");
    assert_eq!(res.status(), 303);
    let (_, unscheduled) = send(
        http.get(format!("{base}/api/v1/advisories/{id}"))
            .bearer_auth(&token),
    )
    .await;
    assert_eq!(unscheduled["scheduled_at"], Value::Null);
    assert_eq!(unscheduled["status"], "draft");

    let (status, packet) = get_text(&http, &format!("{base}{location}/cve-packet")).await;
    assert_eq!(status, 200);
    assert!(
        packet.contains("Title:") && packet.contains("providerMetadata"),
        "{packet}"
    );

    let res = http
        .post(format!("{base}{location}/publish"))
        .form(&form(&[]))
        .send()
        .await
        .expect("publish");
    assert_eq!(res.status(), 303);
    let (_, published) = send(
        http.get(format!("{base}/api/v1/advisories/{id}"))
            .bearer_auth(&token),
    )
    .await;
    assert_eq!(published["status"], "published");
    let (_, r) = send(
        http.get(format!("{base}/api/v1/reports/{report}"))
            .bearer_auth(&token),
    )
    .await;
    assert_eq!(r["state"], "disclosed");
    let (status, _) = get_text(&http, &format!("{base}/p/demo/advisories/{id}")).await;
    assert_eq!(status, 200);
    app.stop().await.expect("graceful stop");
}
