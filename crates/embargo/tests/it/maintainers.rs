//! Maintainers edit the policy in the web UI (every version kept), reporters add
//! information through their tracking page, and signing out ends the session.

use super::*;

#[tokio::test]
async fn the_policy_is_edited_in_the_web_ui_and_every_version_is_kept() {
    let app = TestApp::prepared(Backend::Sqlite).await;
    let base = &app.url;
    let http = client();
    sign_in(&http, base).await;
    let page = http
        .get(format!("{base}/inbox/demo/policy"))
        .send()
        .await
        .expect("editor")
        .text()
        .await
        .expect("html");
    let csrf = hidden_field(&page, "csrf_token");
    assert_eq!(hidden_field(&page, "version"), "1");
    let start = page.find("<textarea id=\"policy\"").expect("textarea");
    let body_start = start + page[start..].find('>').expect("tag end") + 1;
    let body_end = body_start + page[body_start..].find("</textarea>").expect("end");
    let toml = page[body_start..body_end]
        .replace("&quot;", "\"")
        .replace("&#x2f;", "/")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&");
    assert!(toml.contains("acknowledge_days = 7"), "{toml}");
    let edited = toml.replace("acknowledge_days = 7", "acknowledge_days = 2");

    let bad = http
        .post(format!("{base}/inbox/demo/policy"))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("version", "1"),
            ("policy", "contacts = [\n\n[targets]\n"),
        ])
        .send()
        .await
        .expect("post");
    assert_eq!(bad.status(), 422);
    assert!(
        bad.text().await.expect("html").contains("line 3"),
        "TOML errors name the line"
    );

    let saved = http
        .post(format!("{base}/inbox/demo/policy"))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("version", "1"),
            ("policy", edited.as_str()),
        ])
        .send()
        .await
        .expect("post");
    assert_eq!(saved.status(), 303);
    let page = http
        .get(format!("{base}/inbox/demo/policy?saved=1"))
        .send()
        .await
        .expect("editor")
        .text()
        .await
        .expect("html");
    assert_eq!(hidden_field(&page, "version"), "2");
    assert!(
        page.contains("<td>1</td>") && page.contains("<td>2</td>"),
        "history lists both versions"
    );
    let public = http
        .get(format!("{base}/p/demo/policy"))
        .send()
        .await
        .expect("policy")
        .text()
        .await
        .expect("html");
    assert!(
        public.contains("within 2 days"),
        "the public page follows the new version"
    );

    // An editor who started from version 1 cannot overwrite version 2.
    let stale = http
        .post(format!("{base}/inbox/demo/policy"))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("version", "1"),
            ("policy", toml.as_str()),
        ])
        .send()
        .await
        .expect("post");
    assert_eq!(stale.status(), 409);
    let public = http
        .get(format!("{base}/p/demo/policy"))
        .send()
        .await
        .expect("policy")
        .text()
        .await
        .expect("html");
    assert!(public.contains("within 2 days"));
}

#[tokio::test]
async fn reporters_add_information_and_maintainers_see_it() {
    let app = TestApp::prepared(Backend::Sqlite).await;
    let base = &app.url;
    let reporter = client();
    let submitted: serde_json::Value = reporter
        .post(format!("{base}/api/v1/projects/demo/reports"))
        .json(&sample_report("Follow-up"))
        .send()
        .await
        .expect("submit")
        .json()
        .await
        .expect("json");
    let token = submitted["token"].as_str().expect("token");
    let page = reporter
        .get(format!("{base}/track/{token}"))
        .send()
        .await
        .expect("track")
        .text()
        .await
        .expect("html");
    let csrf = hidden_field(&page, "csrf_token");
    let empty = reporter
        .post(format!("{base}/track/{token}/messages"))
        .form(&[("csrf_token", csrf.as_str()), ("body", "  ")])
        .send()
        .await
        .expect("post");
    assert_eq!(empty.status(), 422);
    let ok = reporter
        .post(format!("{base}/track/{token}/messages"))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("body", "Also affects 1.11.0 <svg onload=x>"),
        ])
        .send()
        .await
        .expect("post");
    assert_eq!(ok.status(), 303);
    let page = reporter
        .get(format!("{base}/track/{token}"))
        .send()
        .await
        .expect("track")
        .text()
        .await
        .expect("html");
    assert!(page.contains("Also affects 1.11.0 &lt;svg onload=x&gt;"));

    let maintainer = client();
    sign_in(&maintainer, base).await;
    let page = maintainer
        .get(format!("{base}/inbox/demo/reports/1"))
        .send()
        .await
        .expect("report")
        .text()
        .await
        .expect("html");
    assert!(page.contains("Also affects 1.11.0 &lt;svg onload=x&gt;"));
    assert!(page.contains("Mara Lind"), "reporter named");

    // Signing out ends the session on the server, not only in this browser.
    let session = maintainer
        .get(format!("{base}/inbox"))
        .send()
        .await
        .expect("inbox");
    assert_eq!(session.status(), 200);
    let csrf = hidden_field(&page, "csrf_token");
    let out = maintainer
        .post(format!("{base}/logout"))
        .form(&[("csrf_token", csrf.as_str())])
        .send()
        .await
        .expect("logout");
    assert_eq!(out.status(), 303);
    assert_eq!(
        maintainer
            .get(format!("{base}/inbox"))
            .send()
            .await
            .expect("inbox")
            .status(),
        303
    );
}

#[tokio::test]
async fn wrong_passwords_are_refused_without_saying_which_part_was_wrong() {
    let app = TestApp::prepared(Backend::Sqlite).await;
    let http = client();
    let page = http
        .get(format!("{}/login", app.url))
        .send()
        .await
        .expect("login")
        .text()
        .await
        .expect("html");
    let csrf = hidden_field(&page, "csrf_token");
    for (email, password) in [
        ("admin@example.test", "wrong password here"),
        ("nobody@example.test", PASSWORD),
    ] {
        let res = http
            .post(format!("{}/login", app.url))
            .form(&[
                ("csrf_token", csrf.as_str()),
                ("email", email),
                ("password", password),
                ("next", "/inbox"),
            ])
            .send()
            .await
            .expect("post");
        assert_eq!(res.status(), 401);
        assert!(
            res.text()
                .await
                .expect("html")
                .contains("Wrong e-mail address or password.")
        );
    }
    let res = http
        .post(format!("{}/login", app.url))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("email", "admin@example.test"),
            ("password", PASSWORD),
            ("next", "//evil.example/"),
        ])
        .send()
        .await
        .expect("post");
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], "/inbox", "no open redirect");
}
