//! A project's source from git: configured by its maintainers, fetched into a mirror, checked
//! at the version a report names as well as on the default branch, and a change of source or
//! new commits triage the open reports again.

use super::*;

on_each_backend!(a_report_naming_a_published_advisory_is_flagged_as_its_duplicate);

on_each_backend!(
    reports_are_checked_at_the_version_they_name_and_triaged_again_when_the_source_changes
);
use std::path::Path;
use std::process::Command;

const V1: &str = "#include <string.h>\n\nint http_parse_header(const char *line, char *out) {\n    strcpy(out, line);\n    return 0;\n}\n";
const V2: &str = "#include <string.h>\n\nint http_parse_headers(const char *line, char *out, size_t n) {\n    strncpy(out, line, n);\n    return 0;\n}\n";

fn git(dir: &Path, args: &[&str]) {
    let out = Command::new("git")
        .args(["-c", "user.name=T", "-c", "user.email=t@example.test"])
        .args([
            "-c",
            "init.defaultBranch=main",
            "-c",
            "commit.gpgsign=false",
            "-c",
            "tag.gpgsign=false",
        ])
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .output()
        .expect("run git");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn commit(repo: &Path, text: &str, message: &str) {
    std::fs::write(repo.join("src/http.c"), text).expect("write");
    git(repo, &["add", "-A"]);
    git(repo, &["commit", "-q", "-m", message]);
}

/// A repository where `http_parse_header` exists at tag `v1.0.0` and was renamed on `main`.
fn repository() -> TempDir {
    let repo = TempDir::new();
    std::fs::create_dir_all(repo.0.join("src")).expect("mkdir");
    git(&repo.0, &["init", "-q"]);
    commit(&repo.0, V1, "first release");
    git(&repo.0, &["tag", "v1.0.0"]);
    commit(&repo.0, V2, "rename the header parser and bound the copy");
    repo
}

fn report(version: Option<&str>) -> serde_json::Value {
    serde_json::json!({
        "title": "Stack overflow in the header parser",
        "description": "In PrintDesk, http_parse_header() in src/http.c copies the header line with strcpy and no bound, so a long header overflows the caller's buffer.",
        "affected_version": version,
        "reproduction": "Send a header line of 10000 bytes to the printer's web interface.",
        "impact": "Remote code execution."
    })
}

async fn submit(http: &reqwest::Client, base: &str, body: &serde_json::Value) -> String {
    let res = http
        .post(format!("{base}/api/v1/projects/demo/reports"))
        .json(body)
        .send()
        .await
        .expect("submit");
    assert_eq!(res.status(), 201);
    let r: serde_json::Value = res.json().await.expect("json");
    r["id"].as_str().expect("id").to_owned()
}

/// The report's triage once it was (re)done after `after` (RFC 3339 text), if given.
async fn triage_of(
    http: &reqwest::Client,
    base: &str,
    token: &str,
    id: &str,
    after: Option<&str>,
) -> serde_json::Value {
    for _ in 0..300 {
        let r: serde_json::Value = http
            .get(format!("{base}/api/v1/reports/{id}"))
            .bearer_auth(token)
            .send()
            .await
            .expect("get")
            .json()
            .await
            .expect("json");
        let t = &r["triage"];
        if t.is_object() && after.is_none_or(|a| t["triaged_at"].as_str().is_some_and(|x| x > a)) {
            return t.clone();
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("report {id} was not triaged (after {after:?}) within 30 s");
}

fn unknown<'a>(triage: &'a serde_json::Value, name: &str) -> Option<&'a serde_json::Value> {
    triage["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .find(|f| f["signal"] == "unknown_symbol" && f["evidence"][0]["quote"] == name)
}

async fn put_source(
    http: &reqwest::Client,
    base: &str,
    token: &str,
    body: &serde_json::Value,
) -> reqwest::Response {
    http.put(format!("{base}/api/v1/projects/demo/source"))
        .bearer_auth(token)
        .json(body)
        .send()
        .await
        .expect("put source")
}

async fn reports_are_checked_at_the_version_they_name_and_triaged_again_when_the_source_changes(
    backend: Backend,
) {
    let db = prepared(backend).await;
    let repo = repository();
    let data = TempDir::new();
    let config_dir = TempDir::new();
    let config = config_dir.0.join("embargo.toml");
    std::fs::write(&config, "[triage]\nfetch_interval_secs = 1\n").expect("config");
    let app = TestApp::serve(
        db,
        &ServerOptions {
            env: vec![
                ("EMBARGO_CONFIG".into(), config.display().to_string()),
                ("EMBARGO_DATA_DIR".into(), data.0.display().to_string()),
                ("EMBARGO_WORKER_POLL_MS".into(), "200".into()),
            ],
            ..ServerOptions::default()
        },
    )
    .await;
    let base = app.url.as_str();
    let http = client();
    let admin = app.api_token().await;
    let url = format!("file://{}", repo.0.display());

    // Hostile or malformed sources are refused, naming the field.
    for (body, field) in [
        (
            serde_json::json!({ "kind": "git", "url": "ext::sh -c touch% /tmp/pwned" }),
            "url",
        ),
        (
            serde_json::json!({ "kind": "git", "url": "ssh://-oProxyCommand=x/repo" }),
            "url",
        ),
        (
            serde_json::json!({ "kind": "git", "url": url, "default_branch": "--upload-pack=x" }),
            "default_branch",
        ),
        (
            serde_json::json!({ "kind": "git", "url": url, "refs": ["ok", "a..b"] }),
            "refs[1]",
        ),
        (
            serde_json::json!({ "kind": "path", "path": "relative/dir" }),
            "path",
        ),
        (serde_json::json!({ "kind": "svn" }), "kind"),
    ] {
        let res = put_source(&http, base, &admin, &body).await;
        assert_eq!(res.status(), 422, "{body}");
        let e: serde_json::Value = res.json().await.expect("json");
        assert_eq!(e["error"]["field"], field, "{body}");
    }

    let res = put_source(
        &http,
        base,
        &admin,
        &serde_json::json!({ "kind": "git", "url": url, "default_branch": "main" }),
    )
    .await;
    assert_eq!(res.status(), 200);
    let body: serde_json::Value = res.json().await.expect("json");
    assert_eq!(body["source"]["url"], url.as_str());
    assert_eq!(body["retriage"], 0, "no open reports yet");

    // A report naming 1.0.0: the function exists at tag v1.0.0, so it is not "unknown".
    let old = submit(&http, base, &report(Some("1.0.0"))).await;
    let old_triage = triage_of(&http, base, &admin, &old, None).await;
    assert!(
        unknown(&old_triage, "http_parse_header").is_none(),
        "{old_triage}"
    );
    // ...and the finding says where it was found and that it is gone from main.
    let changed = with_signal(&old_triage, "changed_since");
    assert!(
        changed.iter().any(|f| f["detail"]
            .as_str()
            .is_some_and(|d| d.contains("v1.0.0 (1.0.0) @ ") && d.contains("main @ "))),
        "{old_triage}"
    );
    // The same report about main: the name is not there, and the nearest real one is shown.
    let main = submit(&http, base, &report(None)).await;
    let main_triage = triage_of(&http, base, &admin, &main, None).await;
    let finding = unknown(&main_triage, "http_parse_header")
        .unwrap_or_else(|| panic!("an unknown_symbol finding: {main_triage}"));
    let detail = finding["detail"].as_str().expect("detail");
    assert!(
        detail.contains("nearest real name: `http_parse_headers` (src/http.c)"),
        "{detail}"
    );
    assert!(
        detail.contains("main @ "),
        "the indexed version is named: {detail}"
    );
    assert!(!detail.contains(&repo.0.display().to_string()), "{detail}");
    // The fetch is shown to the maintainers.
    let got: serde_json::Value = http
        .get(format!("{base}/api/v1/projects/demo/source"))
        .bearer_auth(&admin)
        .send()
        .await
        .expect("get")
        .json()
        .await
        .expect("json");
    assert_eq!(
        got["source"]["heads"]["main"].as_str().map(str::len),
        Some(40),
        "{got}"
    );

    // A maintainer dismisses the finding; it is kept across the re-triage.
    let key = finding["key"].as_str().expect("key").to_owned();
    let res = http
        .post(format!("{base}/api/v1/reports/{main}/triage/dismissals"))
        .bearer_auth(&admin)
        .json(&serde_json::json!({ "finding": key, "reason": "renamed in 2.0" }))
        .send()
        .await
        .expect("dismiss");
    assert_eq!(res.status(), 200);

    // Changing the source (an extra branch where the old name lives) triages both again.
    // Jobs still due (a re-triage queued when the mirror's fetch finished) run first: a
    // report whose triage is already queued is not queued twice.
    app.drain().await;
    git(&repo.0, &["branch", "legacy", "v1.0.0"]);
    let before = main_triage["triaged_at"].as_str().expect("at").to_owned();
    let res = put_source(
        &http,
        base,
        &admin,
        &serde_json::json!({ "kind": "git", "url": url, "default_branch": "main", "refs": ["legacy"] }),
    )
    .await;
    assert_eq!(res.status(), 200);
    let body: serde_json::Value = res.json().await.expect("json");
    assert_eq!(body["retriage"], 2);
    let again = triage_of(&http, base, &admin, &main, Some(&before)).await;
    assert!(unknown(&again, "http_parse_header").is_none(), "{again}");
    let store = app.db.store().await;
    let report_id: domain::ReportId = main
        .parse::<uuid::Uuid>()
        .map(domain::ReportId)
        .expect("id");
    let kept = store::triage::dismissals(&mut store.read().await.expect("read"), report_id)
        .await
        .expect("dismissals");
    assert_eq!(kept.len(), 1);
    assert_eq!(kept[0].reason, "renamed in 2.0");

    // New commits on main are found by the scheduled fetch and triage the reports again.
    let before = again["triaged_at"].as_str().expect("at").to_owned();
    commit(&repo.0, V1, "bring the old name back");
    let third = triage_of(&http, base, &admin, &main, Some(&before)).await;
    assert!(unknown(&third, "http_parse_header").is_none(), "{third}");
    let events = store::audit::events(&mut store.read().await.expect("read"), 0, 1000)
        .await
        .expect("audit");
    let actions: Vec<&str> = events.iter().map(|e| e.action.as_str()).collect();
    assert!(actions.contains(&"source.update"), "{actions:?}");
    assert!(actions.contains(&"source.change"), "{actions:?}");
    let update = events
        .iter()
        .rev()
        .find(|e| e.action == "source.update")
        .expect("update");
    assert_eq!(update.data["retriage"], 2);
    assert_eq!(update.data["extra_refs"], serde_json::json!(["legacy"]));
    store.close().await;

    // The mirror lives under the data directory; the hooks directory was never populated.
    let mirrors: Vec<_> = std::fs::read_dir(data.0.join("sources"))
        .expect("mirrors")
        .collect();
    assert_eq!(mirrors.len(), 1);

    // Removing the source removes its mirror; the project has none of its own any more.
    let res = http
        .delete(format!("{base}/api/v1/projects/demo/source"))
        .bearer_auth(&admin)
        .send()
        .await
        .expect("delete");
    assert_eq!(res.status(), 200);
    let got: serde_json::Value = http
        .get(format!("{base}/api/v1/projects/demo/source"))
        .bearer_auth(&admin)
        .send()
        .await
        .expect("get")
        .json()
        .await
        .expect("json");
    assert_eq!(got["source"], serde_json::Value::Null);
    let mirrors = std::fs::read_dir(data.0.join("sources"))
        .expect("mirrors")
        .count();
    assert_eq!(mirrors, 0, "the unused mirror is removed");
    let res = http
        .delete(format!("{base}/api/v1/projects/demo/source"))
        .bearer_auth(&admin)
        .send()
        .await
        .expect("delete");
    // Removing again changes nothing and is not an error (DELETE is idempotent).
    assert_eq!(res.status(), 200, "nothing left to remove");
    let again: serde_json::Value = res.json().await.expect("json");
    assert_eq!(again["source"], serde_json::Value::Null, "{again}");
    app.stop().await.expect("graceful stop");
}

#[tokio::test]
async fn the_source_page_needs_a_csrf_token_and_names_bad_fields() {
    let db = prepared(Backend::Sqlite).await;
    let data = TempDir::new();
    let app = TestApp::serve(
        db,
        &ServerOptions {
            env: vec![("EMBARGO_DATA_DIR".into(), data.0.display().to_string())],
            ..ServerOptions::default()
        },
    )
    .await;
    let base = app.url.as_str();
    let web = client();
    sign_in(&web, base).await;
    let page = web
        .get(format!("{base}/inbox/demo/source"))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("body");
    assert!(page.contains("Source of PrintDesk"), "{page}");
    let csrf = hidden_field(&page, "csrf_token");
    let res = web
        .post(format!("{base}/inbox/demo/source"))
        .form(&[
            ("action", "save"),
            ("kind", "git"),
            ("url", "https://example.org/x.git"),
        ])
        .send()
        .await
        .expect("post");
    assert_eq!(
        res.status(),
        403,
        "a post without the CSRF token is refused"
    );
    let res = web
        .post(format!("{base}/inbox/demo/source"))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("action", "save"),
            ("kind", "git"),
            ("url", "ext::sh -c id"),
            ("refs", "main\nv1..2"),
        ])
        .send()
        .await
        .expect("post");
    assert_eq!(res.status(), 422);
    let html = res.text().await.expect("body");
    assert!(
        html.contains("<code>url</code>") && html.contains("<code>refs[1]</code>"),
        "{html}"
    );
    assert!(
        html.contains("ext::sh -c id"),
        "the form keeps what was typed"
    );
    let res = web
        .post(format!("{base}/inbox/demo/source"))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("action", "save"),
            ("kind", "git"),
            ("url", "https://git.example.org/printdesk.git"),
            ("default_branch", "main"),
            ("refs", "release-1.x"),
        ])
        .send()
        .await
        .expect("post");
    assert_eq!(res.status(), 303);
    let page = web
        .get(format!("{base}/inbox/demo/source?saved=1"))
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("body");
    // (minijinja escapes `/` as `&#x2f;`.)
    assert!(
        page.contains("git.example.org&#x2f;printdesk.git</code>"),
        "{page}"
    );
    assert!(page.contains("release-1.x"));
    app.stop().await.expect("graceful stop");
}

const OSV: &str = r#"{
  "schema_version": "1.6.0",
  "id": "x_printdesk-2026-0001",
  "aliases": ["CVE-2026-1234"],
  "modified": "2026-03-01T00:00:00Z",
  "published": "2026-03-01T00:00:00Z",
  "summary": "Path traversal in timelapse downloads",
  "details": "The timelapse download joins the requested name without normalising it, so any signed-in user reads files outside the download directory, such as config.yaml.",
  "affected": [{ "package": { "ecosystem": "PyPI", "name": "printdesk" }, "ranges": [{ "type": "ECOSYSTEM", "events": [{ "introduced": "0" }, { "fixed": "1.10.4" }] }] }]
}"#;

async fn a_report_naming_a_published_advisory_is_flagged_as_its_duplicate(backend: Backend) {
    let db = prepared(backend).await;
    let dir = TempDir::new();
    let file = dir.0.join("x_printdesk-2026-0001.json");
    std::fs::write(&file, OSV).expect("write");
    let (code, out, err) = cli(
        &db,
        &[
            "advisory",
            "import",
            "--project",
            "demo",
            file.to_str().expect("utf-8"),
        ],
        "",
    );
    assert_eq!(code, 0, "{out}{err}");
    let app = TestApp::serve(db, &ServerOptions::default()).await;
    let base = app.url.as_str();
    let http = client();
    let admin = app.api_token().await;

    let named = submit(
        &http,
        base,
        &serde_json::json!({
            "title": "Arbitrary file read in PrintDesk",
            "description": "PrintDesk is affected by CVE-2026-1234: GET /downloads/timelapse/..%2fconfig.yaml returns the configuration.",
            "affected_version": "1.10.3"
        }),
    )
    .await;
    let t = triage_of(&http, base, &admin, &named, None).await;
    let f = t["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .find(|f| f["signal"] == "known_advisory")
        .unwrap_or_else(|| panic!("a known_advisory finding: {t}"));
    assert_eq!(f["level"], "strong", "{f}");
    assert_eq!(f["evidence"][0]["quote"], "CVE-2026-1234");
    let detail = f["detail"].as_str().expect("detail");
    assert!(
        detail.contains("x_printdesk-2026-0001")
            && detail.contains("Path traversal in timelapse downloads"),
        "{detail}"
    );
    assert_eq!(t["label"], "duplicate", "{t}");

    // Without the id, in the advisory's own words: still its duplicate.
    let restated = submit(
        &http,
        base,
        &serde_json::json!({
            "title": "Path traversal in timelapse downloads",
            "description": "The timelapse download joins the requested name without normalising it, so any signed-in user reads files outside the download directory, such as config.yaml."
        }),
    )
    .await;
    let t = triage_of(&http, base, &admin, &restated, None).await;
    assert!(
        t["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .any(|f| f["signal"] == "known_advisory"
                && f["detail"]
                    .as_str()
                    .is_some_and(|d| d.contains("x_printdesk-2026-0001"))),
        "{t}"
    );
    assert_eq!(t["label"], "duplicate", "{t}");
}

/// A user of `demo` with `role` and an API token (not an administrator). The command line
/// runs without blocking the thread the application under test runs on.
async fn member_token(app: &TestApp, email: &str, role: domain::account::ProjectRole) -> String {
    let (code, _, err) = app
        .cli(
            &[
                "admin",
                "create-user",
                "--email",
                email,
                "--name",
                "Member",
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
    let (user, _) = store::accounts::credentials(&mut store.read().await.expect("read"), email)
        .await
        .expect("user")
        .expect("exists");
    let mut tx = store.begin().await.expect("begin");
    store::members::set(&mut tx, project.id, user.id, role)
        .await
        .expect("member");
    tx.commit().await.expect("commit");
    store.close().await;
    let (code, out, err) = app
        .cli(&["admin", "create-token", "--email", email], "")
        .await;
    assert_eq!(code, 0, "{err}");
    out.trim().to_owned()
}

#[tokio::test]
async fn only_administrators_point_a_project_at_the_servers_own_files() {
    let db = prepared(Backend::Sqlite).await;
    let data = TempDir::new();
    let app = TestApp::serve(
        db,
        &ServerOptions {
            env: vec![("EMBARGO_DATA_DIR".into(), data.0.display().to_string())],
            ..ServerOptions::default()
        },
    )
    .await;
    let base = app.url.as_str();
    let http = client();
    let maintainer = member_token(
        &app,
        "maint@example.test",
        domain::account::ProjectRole::Maintainer,
    )
    .await;
    let triager = member_token(
        &app,
        "tri@example.test",
        domain::account::ProjectRole::Triager,
    )
    .await;
    let dir = TempDir::new();
    for body in [
        serde_json::json!({ "kind": "path", "path": dir.0.display().to_string() }),
        serde_json::json!({ "kind": "git", "url": format!("file://{}", dir.0.display()) }),
    ] {
        let res = put_source(&http, base, &maintainer, &body).await;
        assert_eq!(res.status(), 403, "{body}");
    }
    let https =
        serde_json::json!({ "kind": "git", "url": "https://git.example.org/printdesk.git" });
    let res = put_source(&http, base, &triager, &https).await;
    assert_eq!(
        res.status(),
        403,
        "triagers may not change the project's settings"
    );
    let res = put_source(&http, base, &maintainer, &https).await;
    assert_eq!(res.status(), 200);
    let res = http
        .get(format!("{base}/api/v1/projects/demo/source"))
        .send()
        .await
        .expect("get");
    assert_eq!(res.status(), 401, "no token, no source");
    app.stop().await.expect("graceful stop");
}

/// Runs `embargo triage --json --source SOURCE REPORT…` and reads one object per report.
fn triage_cli(source: &Path, reports: &[serde_json::Value]) -> Vec<serde_json::Value> {
    let dir = TempDir::new();
    let mut files = Vec::new();
    for (i, r) in reports.iter().enumerate() {
        let f = dir.0.join(format!("report-{i}.json"));
        std::fs::write(&f, r.to_string()).expect("write the report");
        files.push(f);
    }
    let out = Command::new(super::harness::BIN)
        .args([
            "triage",
            "--json",
            "--project-name",
            "printdesk",
            "--source",
        ])
        .arg(source)
        .args(&files)
        .output()
        .expect("run embargo triage");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON object per line"))
        .collect()
}

fn with_signal<'a>(t: &'a serde_json::Value, signal: &str) -> Vec<&'a serde_json::Value> {
    t["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["signal"] == signal)
        .collect()
}

#[test]
fn the_cli_checks_a_git_repository_at_the_named_release_and_at_head() {
    let repo = repository();
    let bare = TempDir::new();
    git(
        &bare.0,
        &[
            "clone",
            "-q",
            "--bare",
            &repo.0.display().to_string(),
            "project.git",
        ],
    );
    let renamed = serde_json::json!({
        "title": "Stack overflow in the header parser",
        "text": "Affected version: 1.0.0\n\n`http_parse_header()` in src/http.c copies the header line with strcpy and no bound, so a long header overflows the caller's buffer.",
    });
    let invented = serde_json::json!({
        "title": "Overflow in the chunk decoder",
        "text": "PrintDesk v1.0.0: `http_decode_chunk()` trusts the chunk length sent by the client.",
    });
    let fixed = serde_json::json!({
        "title": "Unbounded copy in the header parser",
        "text": "Tested on PrintDesk 1.0.0. The code:\n\n```c\nint http_parse_header(const char *line, char *out) {\n    strcpy(out, line);\n    return 0;\n}\n```\n\nA long header line overflows `out`.",
    });
    for source in [repo.0.clone(), bare.0.join("project.git")] {
        let t = triage_cli(&source, &[renamed.clone(), invented.clone(), fixed.clone()]);
        assert_eq!(t.len(), 3, "{t:?}");
        let checked: Vec<&str> = t[0]["checked_at"]
            .as_array()
            .expect("checked_at")
            .iter()
            .filter_map(|v| v.as_str())
            .collect();
        assert!(
            checked.len() == 2
                && checked[0].starts_with("main @ ")
                && checked[1].starts_with("v1.0.0 (1.0.0) @ "),
            "{checked:?}"
        );
        // Renamed since the release the report names: confirmed there, not "unknown".
        assert!(unknown(&t[0], "http_parse_header").is_none(), "{}", t[0]);
        let changed = with_signal(&t[0], "changed_since");
        assert_eq!(changed.len(), 1, "{}", t[0]);
        let detail = changed[0]["detail"].as_str().expect("detail");
        assert!(
            detail.contains("v1.0.0 (1.0.0) @ ") && detail.contains("main @ "),
            "{detail}"
        );
        assert_eq!(t[0]["label"], "valid", "{}", t[0]);
        // Absent at the release and on the default branch: strong, and both are named.
        let f = unknown(&t[1], "http_decode_chunk").unwrap_or_else(|| panic!("{}", t[1]));
        assert_eq!(f["level"], "strong", "{f}");
        let detail = f["detail"].as_str().expect("detail");
        assert!(
            detail.contains("v1.0.0 (1.0.0) @ ") && detail.contains("main @ "),
            "{detail}"
        );
        // The quoted code changed on the default branch: perhaps fixed already.
        let fixed = with_signal(&t[2], "fixed_on_default_branch");
        assert_eq!(fixed.len(), 1, "{}", t[2]);
        assert_eq!(fixed[0]["level"], "info");
        assert!(
            fixed[0]["detail"]
                .as_str()
                .is_some_and(|d| d.contains("strcpy(out, line);")),
            "{}",
            fixed[0]
        );
    }
    // A plain directory still works: checked as it is, no revision.
    let dir = TempDir::new();
    std::fs::create_dir_all(dir.0.join("src")).expect("mkdir");
    std::fs::write(dir.0.join("src/http.c"), V1).expect("write");
    let t = triage_cli(&dir.0, &[invented]);
    assert!(unknown(&t[0], "http_decode_chunk").is_some(), "{}", t[0]);
}
