//! The project dashboard: reports created and moved at known instants (the server's clock
//! is a file the test rewrites), and the medians and 90th percentiles the page shows,
//! worked out by hand below; the SVG charts parse as XML and escape the project's name.
//!
//! t0 = 2026-03-02T09:00Z. #1 arrives at t0 − 40 d and is never answered; #2, #3, #4 at t0;
//! #5 at t0 + 9 d. Acknowledged: #2 at +2 h, #3 at +4 h, #4 at +12 h → median 4 h, 90th
//! percentile (rank ⌈0.9·3⌉ = 3) 12 h. Accepted (end of triage): #2 at +1 d, #3 at +3 d →
//! median 2 d (mean of the two), 90th percentile (rank 2) 3 d. Fixed: #2 at +10 d → 10 d.
//! Now = t0 + 10 d: all five open; by age #1 50 d (30–89), #2–#4 10 d (7–29), #5 1 d
//! (under 7); by state received 2, acknowledged 1, accepted 1, fixed 1.

use super::*;

on_each_backend!(the_dashboard_shows_response_times_and_open_reports);
use serde_json::json;

fn set_clock(path: &std::path::Path, at: &str) {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, at).expect("write clock");
    std::fs::rename(&tmp, path).expect("move clock");
}

/// The text of the first `<td class="{class}">` after `<th scope="row">{row}</th>`.
fn cell(html: &str, row: &str, class: &str) -> String {
    let start = html
        .find(&format!("<th scope=\"row\">{row}</th>"))
        .unwrap_or_else(|| panic!("no row {row}"));
    let rest = &html[start..];
    let marker = format!("<td class=\"{class}\">");
    let at = rest.find(&marker).expect("cell") + marker.len();
    rest[at..].split('<').next().expect("text").to_owned()
}

/// The count of a two-column row.
fn count(html: &str, table: &str, row: &str) -> String {
    let start = html
        .find(&format!("<table class=\"{table}\">"))
        .expect("table");
    let rest = &html[start..];
    let row_at = rest
        .find(&format!("<th scope=\"row\">{row}</th><td>"))
        .unwrap_or_else(|| panic!("no row {row} in {table}"))
        + format!("<th scope=\"row\">{row}</th><td>").len();
    rest[row_at..].split('<').next().expect("count").to_owned()
}

async fn the_dashboard_shows_response_times_and_open_reports(backend: Backend) {
    let db = prepared(backend).await;
    let (code, _, err) = cli(
        &db,
        &[
            "project",
            "create",
            "--slug",
            "labs",
            "--name",
            "R&D <Labs> \"x\"",
            "--contact",
            "mailto:security@labs.example",
            "--policy",
            DEMO_POLICY,
        ],
        "",
    );
    assert_eq!(code, 0, "{err}");
    let dir = TempDir::new();
    let clock = dir.0.join("now");
    set_clock(&clock, "2026-01-21T09:00:00Z");
    let app = TestApp::serve(
        db,
        &ServerOptions {
            clock_file: Some(clock.clone()),
            ..ServerOptions::default()
        },
    )
    .await;
    let base = app.url.as_str();
    let http = client();
    let token = app.api_token().await;
    let submit = async |title: &str| -> String {
        let res = http
            .post(format!("{base}/api/v1/projects/labs/reports"))
            .json(&sample_report(title))
            .send()
            .await
            .expect("submit");
        assert_eq!(res.status(), 201);
        let body: serde_json::Value = res.json().await.expect("json");
        body["id"].as_str().expect("id").to_owned()
    };
    let transition = async |id: &str, to: &str| {
        let res = http
            .post(format!("{base}/api/v1/reports/{id}/transitions"))
            .bearer_auth(&token)
            .json(&json!({ "to": to }))
            .send()
            .await
            .expect("transition");
        assert_eq!(
            res.status(),
            200,
            "{to}: {}",
            res.text().await.unwrap_or_default()
        );
    };

    // t0 − 40 d
    submit("Never answered").await;
    set_clock(&clock, "2026-03-02T09:00:00Z");
    let two = submit("Fixed one").await;
    let three = submit("Accepted one").await;
    let four = submit("Acknowledged one").await;
    set_clock(&clock, "2026-03-02T11:00:00Z");
    transition(&two, "acknowledged").await;
    set_clock(&clock, "2026-03-02T13:00:00Z");
    transition(&three, "acknowledged").await;
    set_clock(&clock, "2026-03-02T21:00:00Z");
    transition(&four, "acknowledged").await;
    set_clock(&clock, "2026-03-03T09:00:00Z");
    transition(&two, "accepted").await;
    set_clock(&clock, "2026-03-05T09:00:00Z");
    transition(&three, "accepted").await;
    set_clock(&clock, "2026-03-07T09:00:00Z");
    transition(&two, "fixing").await;
    set_clock(&clock, "2026-03-11T09:00:00Z");
    submit("Recent one").await;
    set_clock(&clock, "2026-03-12T09:00:00Z");
    transition(&two, "fixed").await;

    // Signed out: the sign-in page.
    let res = http
        .get(format!("{base}/inbox/labs/dashboard"))
        .send()
        .await
        .expect("page");
    assert_eq!(res.status(), 303);
    sign_in(&http, base).await;
    let res = http
        .get(format!("{base}/inbox/labs/dashboard"))
        .send()
        .await
        .expect("page");
    assert_eq!(res.status(), 200, "{}", app.logs());
    let html = res.text().await.expect("html");

    assert_eq!(cell(&html, "Acknowledge", "median"), "4 h");
    assert_eq!(cell(&html, "Acknowledge", "p90"), "12 h");
    assert_eq!(cell(&html, "Triage", "median"), "2 d");
    assert_eq!(cell(&html, "Triage", "p90"), "3 d");
    assert_eq!(cell(&html, "Fix", "median"), "10 d");
    assert_eq!(cell(&html, "Fix", "p90"), "10 d");
    assert_eq!(count(&html, "open-by-age", "under 7 days"), "1");
    assert_eq!(count(&html, "open-by-age", "7–29 days"), "3");
    assert_eq!(count(&html, "open-by-age", "30–89 days"), "1");
    assert_eq!(count(&html, "open-by-age", "90 days or more"), "0");
    assert_eq!(count(&html, "open-by-state", "Received"), "2");
    assert_eq!(count(&html, "open-by-state", "Acknowledged"), "1");
    assert_eq!(count(&html, "open-by-state", "Accepted"), "1");
    assert_eq!(count(&html, "open-by-state", "Fixed"), "1");
    assert_eq!(count(&html, "open-by-state", "Fixing"), "0");

    // Three charts, each well-formed XML, the project's name escaped inside.
    let mut charts = 0;
    let mut rest = html.as_str();
    while let Some(start) = rest.find("<svg ") {
        let end = rest[start..].find("</svg>").expect("closed") + start + "</svg>".len();
        let svg = &rest[start..end];
        let doc = roxmltree::Document::parse(svg).unwrap_or_else(|e| panic!("{e}: {svg}"));
        let title = doc
            .descendants()
            .find(|n| n.has_tag_name("title"))
            .and_then(|n| n.text())
            .expect("title");
        assert!(title.starts_with("R&D <Labs> \"x\": "), "{title}");
        assert!(svg.contains("R&amp;D &lt;Labs&gt;"), "{svg}");
        charts += 1;
        rest = &rest[end..];
    }
    assert_eq!(charts, 3);
    let by_age = html.find("open reports by age").expect("age chart");
    let desc = &html[by_age..];
    assert!(
        desc.contains(
            "<desc>under 7 days: 1; 7–29 days: 3; 30–89 days: 1; 90 days or more: 0</desc>"
        ),
        "{desc}"
    );
    assert!(!html.contains("<Labs>"), "the name is never raw");
    assert!(!html.contains("<script"), "no JavaScript");
    app.stop().await.expect("graceful stop");
}
