//! The triage on the maintainer's report page, in plain words: the verdict as a headline,
//! the findings grouped as "checked against the source" (with the revisions, and what was
//! confirmed), "policy" (the claim and the policy's words) and "notes", the signal codes
//! only as secondary text, quoted evidence escaped; the reporter's tracking page shows none
//! of it.

use super::*;
use std::path::Path;
use std::process::Command;

on_each_backend!(the_report_page_shows_the_triage_grouped_in_plain_words);

/// The project's code at tag `v1.2.3`, unchanged on `main` (which gains another file).
const RENDER_C: &str = "#include <string.h>\n\nint pd_render_tag(const char *tag, size_t len, char *out) {\n    char buf[16];\n    if (strcmp(tag, \"<script>\") == 0)\n        return -1;\n    memcpy(buf, tag, len);\n    buf[len] = '\\0';\n    strcpy(out, buf);\n    return 0;\n}\n";

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

fn repository() -> TempDir {
    let repo = TempDir::new();
    std::fs::create_dir_all(repo.0.join("src")).expect("mkdir");
    git(&repo.0, &["init", "-q"]);
    std::fs::write(repo.0.join("src/render.c"), RENDER_C).expect("write");
    git(&repo.0, &["add", "-A"]);
    git(&repo.0, &["commit", "-q", "-m", "renderer"]);
    git(&repo.0, &["tag", "v1.2.3"]);
    std::fs::write(repo.0.join("src/other.c"), "/* more */\n").expect("write");
    git(&repo.0, &["add", "-A"]);
    git(&repo.0, &["commit", "-q", "-m", "more"]);
    repo
}

/// A report quoting the project's real code, at the release it names.
fn valid_report() -> serde_json::Value {
    serde_json::json!({
        "title": "Stack buffer overflow in pd_render_tag() in PrintDesk 1.2.3",
        "description": "PrintDesk 1.2.3: `pd_render_tag()` in src/render.c copies the tag into a 16-byte stack buffer with the caller's length and no bound check:\n\n```c\n    char buf[16];\n    if (strcmp(tag, \"<script>\") == 0)\n        return -1;\n    memcpy(buf, tag, len);\n    buf[len] = '\\0';\n```\n\nA tag longer than 16 bytes overflows `buf`.",
        "affected_version": "1.2.3",
        "reproduction": "printf '<aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa>' | pd-render\n\n==1==ERROR: AddressSanitizer: stack-buffer-overflow\n    #0 0x4f2a31 in pd_render_tag src/render.c:7",
        "impact": "A document with a long tag crashes the renderer and overwrites the stack.",
        "reporter": { "name": "Mara Lind", "email": "mara@example.test" }
    })
}

fn beg_report() -> serde_json::Value {
    serde_json::json!({
        "title": "Critical vulnerability found - bug bounty?",
        "description": "Hello team, I found a critical security vulnerability in your website. \
            Before I share details, please tell me how much you pay as a bug bounty reward. \
            I can send the details after payment.",
        "reporter": { "name": "B. Ounty", "email": "bounty@example.test" }
    })
}

/// A claim that needs the admin account: the demo policy's `requires-admin` class.
fn admin_report() -> serde_json::Value {
    serde_json::json!({
        "title": "Stored XSS in the plugin settings page",
        "description": "## Summary\n\nAn attacker who is logged in with the admin account can store `<script>alert(1)</script>` in a plugin's description on the plugin settings page; it runs when another admin opens the page.\n\n## Impact\n\nThe attacker needs the admin account: with it they can run script in another admin's browser.",
        "affected_version": "1.10.3",
        "reporter": { "name": "Ada Min", "email": "ada@example.test" }
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

async fn get_text(http: &reqwest::Client, url: &str) -> String {
    let res = http.get(url).send().await.expect("get");
    assert_eq!(res.status(), 200, "{url}");
    res.text().await.expect("body")
}

/// The page's triage section (between its heading and the section's end).
fn triage_section(page: &str) -> &str {
    let start = page
        .find("<section id=\"triage\"")
        .expect("a triage section");
    let rest = &page[start..];
    // Groups are nested sections: the triage section ends at the first `</section>` not
    // closing a group.
    let mut depth = 0usize;
    let mut i = 0;
    while let Some(pos) = rest[i..].find("section") {
        let at = i + pos;
        if rest[..at].ends_with("</") {
            depth -= 1;
            if depth == 0 {
                return &rest[..at + "section>".len()];
            }
        } else if rest[..at].ends_with('<') {
            depth += 1;
        }
        i = at + "section".len();
    }
    rest
}

async fn the_report_page_shows_the_triage_grouped_in_plain_words(backend: Backend) {
    let db = prepared(backend).await;
    let app = TestApp::serve(db, &ServerOptions::default()).await;
    let base = app.url.as_str();
    let http = client();
    let admin = app.api_token().await;
    let repo = repository();
    let res = http
        .put(format!("{base}/api/v1/projects/demo/source"))
        .bearer_auth(&admin)
        .json(&serde_json::json!({
            "kind": "git",
            "url": format!("file://{}", repo.0.display()),
            "default_branch": "main"
        }))
        .send()
        .await
        .expect("put source");
    assert_eq!(res.status(), 200);

    let (valid_id, valid_number, valid_token) = submit(&http, base, &valid_report()).await;
    let (_, beg_number, _) = submit(&http, base, &beg_report()).await;
    let (_, admin_number, admin_token) = submit(&http, base, &admin_report()).await;
    app.drain().await;

    // The API adds the plain words and the revisions, keeping every earlier field.
    let r: serde_json::Value = http
        .get(format!("{base}/api/v1/reports/{valid_id}"))
        .bearer_auth(&admin)
        .send()
        .await
        .expect("get")
        .json()
        .await
        .expect("json");
    let t = &r["triage"];
    assert_eq!(t["label"], "valid", "{t}");
    assert_eq!(t["verdict"], "likely_valid", "{t}");
    assert_eq!(t["headline"], "Looks valid", "{t}");
    let checked: Vec<&str> = t["checked_at"]
        .as_array()
        .expect("checked_at")
        .iter()
        .filter_map(|c| c.as_str())
        .collect();
    assert!(
        checked.iter().any(|c| c.starts_with("main @ "))
            && checked.iter().any(|c| c.starts_with("v1.2.3 (1.2.3) @ ")),
        "{checked:?}"
    );
    let found = t["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .find(|f| f["signal"] == "quoted_code_found")
        .unwrap_or_else(|| panic!("a quoted_code_found finding: {t}"));
    assert_eq!(found["group"], "source");
    assert_eq!(found["title"], "The quoted code matches the source");
    assert!(found["key"].is_string() && found["level"] == "info" && found["evidence"].is_array());

    let web = client();
    sign_in(&web, base).await;

    // A valid report shows why it looks valid: what the source confirmed, at which revisions.
    let page = get_text(&web, &format!("{base}/inbox/demo/reports/{valid_number}")).await;
    let section = triage_section(&page);
    assert!(
        section.contains("<strong class=\"headline\">Looks valid</strong>"),
        "{section}"
    );
    assert!(
        section.contains(">valid</code>"),
        "the label's code is shown too: {section}"
    );
    assert!(
        section.contains("<h3>Checked against the source</h3>"),
        "{section}"
    );
    assert!(section.contains("Checked at: <code>main @ "), "{section}");
    assert!(section.contains("<code>v1.2.3 (1.2.3) @ "), "{section}");
    let confirmed = section
        .find("<h4>Confirmed</h4>")
        .expect("a confirmed list");
    let quoted = section
        .find("<strong>The quoted code matches the source</strong>")
        .expect("the quoted-code confirmation");
    let symbol = section
        .find("<strong>A name the report uses exists in the source</strong>")
        .expect("the name confirmation");
    assert!(confirmed < quoted && confirmed < symbol);
    assert!(
        section.contains("quoted code matches the real source (src&#x2f;render.c:4; 5 of 5 lines"),
        "the confirmation names file and line: {section}"
    );
    assert!(
        section.contains("`pd_render_tag` exists in main @ ")
            && section.contains("v1.2.3 (1.2.3) @ "),
        "{section}"
    );
    // The code is secondary text beside the plain title.
    assert!(
        section.contains("<code>quoted_code_found</code>"),
        "{section}"
    );
    // Quoted evidence is escaped, never markup.
    assert!(
        section.contains("strcmp(tag, &quot;&lt;script&gt;&quot;) == 0)"),
        "{section}"
    );
    assert!(
        !page.contains("\"<script>\""),
        "unescaped quote on the page"
    );
    // Each finding still carries its dismissal form (the macro sees the page's variables).
    assert!(section.contains("name=\"finding\" value=\""), "{section}");

    // A beg bounty: the headline gives the reason; the strong finding is about the report.
    let page = get_text(&web, &format!("{base}/inbox/demo/reports/{beg_number}")).await;
    let section = triage_section(&page);
    assert!(
        section.contains(
            "<strong class=\"headline\">Likely a beg bounty: a reward is asked before details are given</strong>"
        ),
        "{section}"
    );
    assert!(section.contains("<h3>About the report</h3>"), "{section}");
    assert!(
        section.contains("<code>payment_request</code>"),
        "{section}"
    );
    assert!(section.contains("<code>likely_invalid</code>"), "{section}");

    // A claim matching a policy class: the claim's words, the policy's words, what matched.
    let page = get_text(&web, &format!("{base}/inbox/demo/reports/{admin_number}")).await;
    let section = triage_section(&page);
    assert!(
        section.contains(
            "<strong class=\"headline\">Needs review: perhaps non-qualifying under the policy: the report&#x27;s claim matches one of its classes</strong>"
        ),
        "{section}"
    );
    let policy = section.find("<h3>Policy</h3>").expect("a policy group");
    assert!(
        section.contains(
            "The policy (non_qualifying[0] requires-admin) says: <q>Attacks that need the admin account: admins can already install plugins and run code.</q>"
        ),
        "{section}"
    );
    assert!(
        section.contains("<mark>with the admin account</mark>"),
        "{section}"
    );
    assert!(
        section.contains("needs administrator rights (&quot;with the admin account&quot;)"),
        "the matched words are shown: {section}"
    );
    assert!(section.contains("&lt;script&gt;alert(1)"), "{section}");
    assert!(!page.contains("<script>alert(1)"));
    // Weak cues and information come last, said to be never decisive.
    let notes = section.find("<h3>Notes</h3>").expect("a notes group");
    assert!(policy < notes);
    assert!(section[notes..].contains("never decisive"), "{section}");

    // The reporter sees none of it.
    for token in [&valid_token, &admin_token] {
        let track = get_text(&http, &format!("{base}/track/{token}")).await;
        for word in [
            "Triage",
            "Checked against the source",
            "Looks valid",
            "Needs review",
            "quoted_code_found",
            "non_qualifying",
        ] {
            assert!(
                !track.contains(word),
                "{word} on the tracking page: {track}"
            );
        }
    }
    app.stop().await.expect("graceful stop");
}
