//! Junk-sender filters on mail through `embargo ingest-mail`: an instance rule refuses a
//! beg-bounty sender, a project rule files SEO offers in the likely-spam queue, a report
//! sent only as a PDF is refused with the policy quoted back, "block this reporter" refuses
//! their next mail and disables their tracking link, and bad rules are refused naming the
//! field.

use super::*;

on_each_backend!(filters_refuse_junk_queue_spam_answer_pdf_reports_and_block_reporters);
use harness::SmtpSink;
use store::Disposition;

const INSTANCE_RULES: &str = r#"
[[rule]]
id = "beg-bounty"
scope = "instance"
match = "sender_address"
pattern = "bounty.hunter@beg.example"
action = "refuse"
note = "Sends missing-header reports to every security address"
"#;

const BEG: &str = "From: Bounty Hunter <bounty.hunter@beg.example>\r\n\
To: security@printdesk.example\r\n\
Subject: Critical vulnerability found on your website!!\r\n\
Message-ID: <beg-1@beg.example>\r\n\
Content-Type: text/plain; charset=utf-8\r\n\
\r\n\
Your site is missing the X-Frame-Options header. This is a critical clickjacking\r\n\
vulnerability. Please tell me how much bounty you will pay before I share details.\r\n";

const SEO: &str = "From: Growth Team <offers@rank-fast.example>\r\n\
To: security@printdesk.example\r\n\
Subject: SEO services for your project website\r\n\
Message-ID: <seo-1@rank-fast.example>\r\n\
Content-Type: text/plain; charset=utf-8\r\n\
\r\n\
We noticed your website ranks poorly in search engines. Our team can move you to the\r\n\
first page within weeks for a small monthly fee; reply to hear about our packages.\r\n";

/// A report whose whole content is a PDF: a line of text and the document.
const PDF_ONLY: &str = "From: Pat Doe <pat@example.org>\r\n\
To: security@printdesk.example\r\n\
Subject: Security report\r\n\
Message-ID: <pdf-1@example.org>\r\n\
MIME-Version: 1.0\r\n\
Content-Type: multipart/mixed; boundary=\"p1\"\r\n\
\r\n\
--p1\r\n\
Content-Type: text/plain; charset=utf-8\r\n\
\r\n\
Please find my report attached.\r\n\
--p1\r\n\
Content-Type: application/pdf; name=\"report.pdf\"\r\n\
Content-Disposition: attachment; filename=\"report.pdf\"\r\n\
Content-Transfer-Encoding: base64\r\n\
\r\n\
JVBERi0xLjQKJcOkw7zDtsOfCjEgMCBvYmoKPDwvVHlwZS9DYXRhbG9nPj4KZW5kb2JqCg==\r\n\
--p1--\r\n";

fn from_mara(subject: &str, body: &str) -> String {
    format!(
        "From: Mara Lind <mara@example.test>\r\nTo: security@printdesk.example\r\n\
         Subject: {subject}\r\nMessage-ID: <{}@example.test>\r\n\
         Content-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n",
        subject.replace(|c: char| !c.is_ascii_alphanumeric(), "-")
    )
}

async fn rules_json(http: &reqwest::Client, base: &str, token: &str) -> serde_json::Value {
    let res = http
        .get(format!("{base}/api/v1/projects/demo/mail-filters"))
        .bearer_auth(token)
        .send()
        .await
        .expect("rules");
    assert_eq!(res.status(), 200);
    res.json().await.expect("json")
}

fn rule<'a>(rules: &'a serde_json::Value, scope: &str, id: &str) -> &'a serde_json::Value {
    rules[scope]
        .as_array()
        .and_then(|a| a.iter().find(|r| r["id"] == id))
        .unwrap_or_else(|| panic!("no {scope} rule {id} in {rules}"))
}

async fn filters_refuse_junk_queue_spam_answer_pdf_reports_and_block_reporters(backend: Backend) {
    let db = prepared(backend).await;
    let store = db.store().await;
    let demo = store::projects::by_slug(
        &mut store.read().await.expect("read"),
        &domain::ProjectSlug::parse("demo").expect("slug"),
    )
    .await
    .expect("project")
    .expect("demo");
    let dir = TempDir::new();
    let rules_file = dir.0.join("mail-rules.toml");
    std::fs::write(&rules_file, INSTANCE_RULES).expect("write rules");
    let rules_path = rules_file.to_string_lossy().into_owned();
    let env = [("EMBARGO_MAIL_FILTER_RULES", rules_path.as_str())];

    let smtp = SmtpSink::start();
    let app = TestApp::serve(
        db,
        &ServerOptions {
            smtp_port: Some(smtp.port),
            env: vec![
                ("EMBARGO_MAIL_FILTER_RULES".into(), rules_path.clone()),
                ("EMBARGO_WORKER_POLL_MS".into(), "100".into()),
            ],
            ..ServerOptions::default()
        },
    )
    .await;
    let base = app.url.clone();
    let token = app.api_token().await;
    let ingest = async |raw: &str| {
        app.cli_env(&["ingest-mail", "--project", "demo"], raw, &env)
            .await
    };
    let http = client();

    // An instance rule refuses a known beg-bounty sender: no report, no answer, kept raw.
    let (code, out, err) = ingest(BEG).await;
    assert_eq!(code, 0, "{err}");
    assert_eq!(out.trim(), "refused: kept for the maintainers");
    assert!(
        store::reports::list(&mut store.read().await.expect("read"), demo.id)
            .await
            .expect("list")
            .is_empty()
    );
    let inbound = store::inbound::of_project(&mut store.read().await.expect("read"), demo.id, 10)
        .await
        .expect("inbound");
    assert_eq!(inbound.len(), 1);
    assert_eq!(inbound[0].disposition, Disposition::Refused);
    assert_eq!(
        store::inbound::raw(&mut store.read().await.expect("read"), inbound[0].id)
            .await
            .expect("raw"),
        Some(BEG.as_bytes().to_vec())
    );
    let log = store::filters::matches_of(&mut store.read().await.expect("read"), inbound[0].id)
        .await
        .expect("matches");
    assert_eq!(log.len(), 1, "{log:?}");
    assert_eq!(
        (
            log[0].scope.as_str(),
            log[0].rule_id.as_str(),
            log[0].decided
        ),
        ("instance", "beg-bounty", true)
    );
    assert_eq!(log[0].matched, "From: bounty.hunter@beg.example");
    let rules = rules_json(&http, &base, &token).await;
    let beg = rule(&rules, "instance", "beg-bounty");
    assert_eq!(beg["matches"], 1, "{rules}");
    assert!(beg["last_matched_at"].is_string(), "{rules}");

    // A bad rule is refused naming the field: an invalid regular expression, an unknown
    // action.
    let res = http
        .post(format!("{base}/api/v1/projects/demo/mail-filters"))
        .bearer_auth(&token)
        .json(&serde_json::json!({
            "id": "broken", "match": "subject_regex", "pattern": "(?i)(seo", "action": "spam"
        }))
        .send()
        .await
        .expect("post");
    assert_eq!(res.status(), 422);
    let body: serde_json::Value = res.json().await.expect("json");
    assert_eq!(body["error"]["field"], "pattern", "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("regular expression")),
        "{body}"
    );
    let res = http
        .post(format!("{base}/api/v1/projects/demo/mail-filters"))
        .bearer_auth(&token)
        .json(&serde_json::json!({
            "id": "seo", "match": "subject_regex", "pattern": "seo", "action": "delete"
        }))
        .send()
        .await
        .expect("post");
    assert_eq!(res.status(), 422);
    let body: serde_json::Value = res.json().await.expect("json");
    assert_eq!(body["error"]["field"], "action", "{body}");

    // A project rule on the subject files SEO offers in the likely-spam queue, unanswered.
    let res = http
        .post(format!("{base}/api/v1/projects/demo/mail-filters"))
        .bearer_auth(&token)
        .json(&serde_json::json!({
            "id": "seo-offers", "match": "subject_regex", "pattern": "(?i)\\bseo\\b",
            "action": "spam", "note": "SEO offers"
        }))
        .send()
        .await
        .expect("post");
    assert_eq!(res.status(), 201);
    let (code, out, err) = ingest(SEO).await;
    assert_eq!(code, 0, "{err}");
    assert_eq!(out.trim(), "report: report #1", "filed, not acknowledged");
    let reports = store::reports::list(&mut store.read().await.expect("read"), demo.id)
        .await
        .expect("list");
    assert_eq!(reports.len(), 1);
    assert_eq!(
        store::filters::spam_filtered_reports(&mut store.read().await.expect("read"), demo.id)
            .await
            .expect("spam")
            .into_iter()
            .collect::<Vec<_>>(),
        vec![(reports[0].id, "seo-offers".to_owned())]
    );
    let rules = rules_json(&http, &base, &token).await;
    assert_eq!(rule(&rules, "project", "seo-offers")["matches"], 1);
    assert_eq!(rule(&rules, "instance", "beg-bounty")["matches"], 1);

    let web = client();
    sign_in(&web, &base).await;
    let spam = web
        .get(format!("{base}/inbox/demo?tab=junk"))
        .send()
        .await
        .expect("spam queue")
        .text()
        .await
        .expect("html");
    assert!(
        spam.contains("SEO services for your project website"),
        "in the spam queue: {spam}"
    );
    let settings = web
        .get(format!("{base}/inbox/demo/mail-filters"))
        .send()
        .await
        .expect("settings")
        .text()
        .await
        .expect("html");
    assert!(
        settings.contains("seo-offers") && settings.contains("matched 1 time, last "),
        "{settings}"
    );
    // The settings form refuses a bad regex too, naming it.
    let csrf = hidden_field(&settings, "csrf_token");
    let res = web
        .post(format!("{base}/inbox/demo/mail-filters"))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("id", "broken"),
            ("match", "body_regex"),
            ("pattern", "[unclosed"),
            ("action", "refuse"),
        ])
        .send()
        .await
        .expect("form");
    assert_eq!(res.status(), 422);
    let html = res.text().await.expect("html");
    assert!(html.contains("id=\"pattern-error\""), "{html}");

    // A report sent only as a PDF: not filed, answered with the policy's own words.
    let (code, out, err) = ingest(PDF_ONLY).await;
    assert_eq!(code, 0, "{err}");
    assert_eq!(out.trim(), "refused: kept for the maintainers");
    assert_eq!(
        store::reports::list(&mut store.read().await.expect("read"), demo.id)
            .await
            .expect("list")
            .len(),
        1
    );
    let newest = &store::inbound::of_project(&mut store.read().await.expect("read"), demo.id, 1)
        .await
        .expect("inbound")[0];
    assert_eq!(newest.disposition, Disposition::Refused);
    assert_eq!(
        store::inbound::raw(&mut store.read().await.expect("read"), newest.id)
            .await
            .expect("raw"),
        Some(PDF_ONLY.as_bytes().to_vec()),
        "the maintainers still see the raw message"
    );
    let refusal = smtp
        .wait("refusing the PDF", |m| m.contains("pat@example.org"))
        .await;
    assert!(
        refusal.contains("Subject: [PrintDesk] Not accepted: Security report"),
        "{refusal}"
    );
    assert!(
        refusal.contains("Auto-Submitted: auto-replied"),
        "{refusal}"
    );
    assert!(
        refusal.contains("\"report.pdf\": attachments of type PDF are not accepted"),
        "{refusal}"
    );
    assert!(
        refusal.contains("> By e-mail, send your report as plain text in the body"),
        "the policy quoted: {refusal}"
    );
    // Members see it on the mail page, and download it exactly as it arrived.
    let log = web
        .get(format!("{base}/inbox/demo/mail"))
        .send()
        .await
        .expect("mail page")
        .text()
        .await
        .expect("html");
    assert!(
        log.contains(&format!("id=\"message-{}\"", newest.id))
            && log.contains("nothing but refused attachments")
            && log.contains("filter rule <code>beg-bounty</code> (refuse)"),
        "{log}"
    );
    let res = web
        .get(format!("{base}/inbox/demo/mail/{}/raw", newest.id))
        .send()
        .await
        .expect("raw");
    assert_eq!(res.status(), 200);
    assert_eq!(
        res.bytes().await.expect("bytes").as_ref(),
        PDF_ONLY.as_bytes()
    );
    let res = client()
        .get(format!("{base}/inbox/demo/mail/{}/raw", newest.id))
        .send()
        .await
        .expect("raw, signed out");
    assert_ne!(res.status(), 200, "not for anyone else");

    // The same again within a day is kept and refused, but not answered twice.
    let again = PDF_ONLY.replace("pdf-1@example.org", "pdf-2@example.org");
    let (code, out, _) = ingest(&again).await;
    assert_eq!((code, out.trim()), (0, "refused: kept for the maintainers"));
    let to_pat = store::outbox::latest(&mut store.read().await.expect("read"), 100)
        .await
        .expect("outbox")
        .into_iter()
        .filter(|e| e.to == "pat@example.org")
        .count();
    assert_eq!(to_pat, 1, "one automatic answer a day");
    // Nobody else was answered: not the beg-bounty sender, not the SEO offer.
    let sent = smtp.messages();
    assert!(
        !sent
            .iter()
            .any(|m| m.contains("beg.example") || m.contains("rank-fast.example")),
        "{sent:?}"
    );

    // Block this reporter: their next mail is refused, their tracking link stops working.
    let res = http
        .post(format!("{base}/api/v1/projects/demo/reports"))
        .json(&sample_report("Path traversal in timelapse download"))
        .send()
        .await
        .expect("submit");
    assert_eq!(res.status(), 201);
    let created: serde_json::Value = res.json().await.expect("json");
    let id = created["id"].as_str().expect("id").to_owned();
    let tracking = created["tracking_url"].as_str().expect("url").to_owned();
    assert_eq!(
        client()
            .get(&tracking)
            .send()
            .await
            .expect("track")
            .status(),
        200
    );
    let (code, out, _) = ingest(&from_mara("More details", "It also affects 1.9.")).await;
    assert_eq!((code, out.trim()), (0, "report: report #3, acknowledged"));

    let res = http
        .post(format!("{base}/api/v1/reports/{id}/block"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("block");
    assert_eq!(res.status(), 200);
    let status: serde_json::Value = res.json().await.expect("json");
    assert_eq!(status["rule"], "block-report-2", "{status}");
    assert_eq!(status["tracking_disabled"], true, "{status}");
    assert_eq!(
        client()
            .get(&tracking)
            .send()
            .await
            .expect("track")
            .status(),
        404,
        "the tracking link no longer opens the report"
    );
    let res = http
        .get(format!("{base}/api/v1/reports/{id}"))
        .bearer_auth(created["token"].as_str().expect("token"))
        .send()
        .await
        .expect("read as reporter");
    assert_eq!(res.status(), 404, "nor does the token on the API");
    let (code, out, _) = ingest(&from_mara("Still there?", "Any news about my report?")).await;
    assert_eq!((code, out.trim()), (0, "refused: kept for the maintainers"));
    assert_eq!(
        store::reports::list(&mut store.read().await.expect("read"), demo.id)
            .await
            .expect("list")
            .len(),
        3
    );
    let events = store::audit::events(&mut store.read().await.expect("read"), 0, 1000)
        .await
        .expect("audit");
    let block = events
        .iter()
        .find(|e| e.action == "reporter.block")
        .expect("block audited");
    assert_eq!(block.data["report"], id);
    assert_eq!(block.data["pattern"], "mara@example.test");
    let page = web
        .get(format!("{base}/inbox/demo/reports/2"))
        .send()
        .await
        .expect("report page")
        .text()
        .await
        .expect("html");
    assert!(page.contains("This reporter is blocked"), "{page}");

    // Unblocking removes the rule (audited): their mail is filed again.
    let res = http
        .delete(format!("{base}/api/v1/reports/{id}/block"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("unblock");
    assert_eq!(res.status(), 200);
    let status: serde_json::Value = res.json().await.expect("json");
    assert_eq!(status["rule"], serde_json::Value::Null, "{status}");
    let (code, out, _) = ingest(&from_mara("Back again", "Here is the patch I promised.")).await;
    assert_eq!((code, out.trim()), (0, "report: report #4, acknowledged"));
    let events = store::audit::events(&mut store.read().await.expect("read"), 0, 1000)
        .await
        .expect("audit");
    assert!(events.iter().any(|e| e.action == "reporter.unblock"));
    let rules = rules_json(&http, &base, &token).await;
    assert!(
        !rules["project"]
            .as_array()
            .expect("rules")
            .iter()
            .any(|r| r["id"] == "block-report-2"),
        "{rules}"
    );

    app.stop().await.expect("graceful stop");
    store.close().await;
}
