//! The reports API and the inbox filtered, searched, sorted and counted: each filter, search
//! with hostile input, each sort paged while reports arrive (no duplicates, no gaps), the
//! tabs' counts, refusals naming the field, and the inbox page's tabs and pagination.

use super::*;

on_each_backend!(reports_are_filtered_searched_sorted_and_counted);

const T0: &str = "2027-03-01T09:00:00Z";
const BEG: &str = "Hello team, I found a critical security vulnerability in your website. \
    Before I share details, please tell me how much you pay as a bug bounty reward. \
    I can send the details after payment.";
const CRITICAL: &str = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"; // 9.8
const MEDIUM: &str = "CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:N/A:N"; // 6.5
const XSS: &str = "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N"; // 6.1
const PERFECT: &str = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H"; // 10.0

fn set_clock(path: &std::path::Path, at: &str) {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, at).expect("write clock");
    std::fs::rename(&tmp, path).expect("move clock");
}

fn numbers(page: &serde_json::Value) -> Vec<i64> {
    page["items"]
        .as_array()
        .unwrap_or_else(|| panic!("a page of items: {page}"))
        .iter()
        .map(|r| r["number"].as_i64().expect("number"))
        .collect()
}

async fn reports_are_filtered_searched_sorted_and_counted(backend: Backend) {
    let dir = TempDir::new();
    let clock = dir.0.join("now");
    set_clock(&clock, T0);
    let app = TestApp::start(
        backend,
        testapp::Options {
            clock_file: Some(clock.clone()),
            ..testapp::Options::prepared()
        },
    )
    .await;
    let base = app.url.as_str();
    let token = app.api_token().await;
    let http = client();
    let submit = async |title: &str, description: &str, vector: Option<&str>| -> (String, i64) {
        let mut body = sample_report(title);
        body["description"] = description.into();
        body["reproduction"] = serde_json::Value::Null;
        body["impact"] = serde_json::Value::Null;
        body["cvss_vector"] = vector.into();
        if description == BEG {
            // A stranger's first mail, as beg-bounty mail comes.
            body["affected_version"] = serde_json::Value::Null;
            body["reporter"] =
                serde_json::json!({ "name": "B. Ounty", "email": "bounty@example.test" });
        }
        let res = http
            .post(format!("{base}/api/v1/projects/demo/reports"))
            .json(&body)
            .send()
            .await
            .expect("submit");
        assert_eq!(res.status(), 201);
        let r: serde_json::Value = res.json().await.expect("json");
        (
            r["id"].as_str().expect("id").to_owned(),
            r["number"].as_i64().expect("number"),
        )
    };
    let get = async |query: &str| -> (u16, serde_json::Value) {
        let res = http
            .get(format!("{base}/api/v1/projects/demo/reports{query}"))
            .bearer_auth(&token)
            .send()
            .await
            .expect("list");
        let status = res.status().as_u16();
        (status, res.json().await.expect("json"))
    };
    let list = async |query: &str| -> Vec<i64> {
        let (status, page) = get(query).await;
        assert_eq!(status, 200, "{query}: {page}");
        numbers(&page)
    };
    let transition = async |id: &str, body: serde_json::Value| {
        let res = http
            .post(format!("{base}/api/v1/reports/{id}/transitions"))
            .bearer_auth(&token)
            .json(&body)
            .send()
            .await
            .expect("transition");
        assert_eq!(
            res.status(),
            200,
            "{}",
            res.text().await.unwrap_or_default()
        );
    };

    let (one, _) = submit(
        "Path traversal in timelapse download",
        "The download joins the requested name without normalising it.",
        Some(MEDIUM),
    )
    .await;
    submit(
        "Heap overflow in the thumbnail parser",
        "Ein Pufferüberlauf im Bildleser, NEAR the header of a crafted image.",
        Some(CRITICAL),
    )
    .await;
    let (three, _) = submit("Critical vulnerability found - bug bounty?", BEG, None).await;
    let (four, _) = submit(
        "Cross-site scripting in the file list",
        "A \"quoted\" payload * in a file name runs script.",
        Some(XSS),
    )
    .await;
    submit(
        "Open redirect after login",
        "The next parameter is followed to any host.",
        Some(MEDIUM),
    )
    .await;
    app.drain().await;

    // Filters: state (one, several, open, closed), triage label and verdict, likely junk.
    transition(&one, serde_json::json!({ "to": "acknowledged" })).await;
    assert_eq!(list("?state=acknowledged").await, [1]);
    assert_eq!(list("?state=received").await, [5, 4, 3, 2]);
    assert_eq!(list("?state=acknowledged,received&limit=2").await, [5, 4]);
    assert_eq!(list("?label=beg_bounty").await, [3]);
    assert_eq!(list("?verdict=likely_invalid").await, [3]);
    assert_eq!(list("?junk=true").await, [3]);
    assert_eq!(list("?junk=false").await, [5, 4, 2, 1]);
    transition(
        &three,
        serde_json::json!({ "to": "closed", "resolution": "spam" }),
    )
    .await;
    assert_eq!(list("?state=closed").await, [3]);
    assert_eq!(list("?state=open").await, [5, 4, 2, 1]);
    assert_eq!(list("?state=open&junk=true").await, Vec::<i64>::new());

    // Search: every word must be there; what is typed is only ever words.
    assert_eq!(list("?q=thumbnail").await, [2]);
    assert_eq!(list("?q=Thumbnail%20PARSER").await, [2]);
    assert_eq!(list("?q=Pufferüberlauf").await, [2]);
    assert_eq!(list("?q=NEAR(").await, [2]);
    assert_eq!(list("?q=NEAR(%22").await, [2]);
    assert_eq!(list("?q=-thumbnail").await, [2]);
    assert_eq!(list("?q=quoted").await, [4]);
    assert_eq!(list("?q=%22quoted").await, [4]);
    assert_eq!(
        list("?q=thumbnail%20OR%20redirect").await,
        Vec::<i64>::new()
    );
    assert_eq!(list("?q=bounty&state=closed").await, [3]);
    for hostile in ["%22", "*", "-", "%22%22%22", "(", "%5E", ":", "%27", "AND"] {
        let (status, page) = get(&format!("?q={hostile}")).await;
        assert_eq!(status, 200, "q={hostile}: {page}");
        assert_eq!(numbers(&page), Vec::<i64>::new(), "q={hostile}");
    }
    assert_eq!(
        list("?q=%20%20").await,
        [5, 4, 3, 2, 1],
        "a blank search is no search"
    );

    // Severity: the current score, highest first, unscored last; paged while a report
    // arrives (before the cursor: it shows on no later page) — no duplicate, no gap.
    let (status, first) = get("?sort=severity&limit=2").await;
    assert_eq!(status, 200, "{first}");
    assert_eq!(numbers(&first), [2, 5]);
    submit("Arrived meanwhile", "A late one.", Some(CRITICAL)).await; // 6
    let cursor = first["next_cursor"].as_str().expect("a next page");
    let (_, second) = get(&format!("?sort=severity&limit=2&cursor={cursor}")).await;
    assert_eq!(numbers(&second), [1, 4]);
    let cursor = second["next_cursor"].as_str().expect("a next page");
    let (_, third) = get(&format!("?sort=severity&limit=2&cursor={cursor}")).await;
    assert_eq!(numbers(&third), [3]);
    assert_eq!(third["next_cursor"], serde_json::Value::Null);
    // A maintainer's rescoring moves the report.
    let res = http
        .post(format!("{base}/api/v1/reports/{four}/scores"))
        .bearer_auth(&token)
        .json(&serde_json::json!({ "vector": PERFECT, "rationale": "Any visitor's session." }))
        .send()
        .await
        .expect("rescore");
    assert_eq!(
        res.status(),
        201,
        "{}",
        res.text().await.unwrap_or_default()
    );
    assert_eq!(list("?sort=severity").await, [4, 6, 2, 5, 1, 3]);

    // Due: the clock running next, soonest first (received: acknowledgement; acknowledged:
    // triage; closed last); reports arriving later are due later.
    set_clock(&clock, "2027-03-01T10:00:00Z");
    let (status, first) = get("?sort=due&limit=2").await;
    assert_eq!(status, 200, "{first}");
    assert_eq!(numbers(&first), [2, 4]);
    submit("Arrived during the due list", "Later.", None).await; // 7
    let cursor = first["next_cursor"].as_str().expect("a next page");
    let (_, second) = get(&format!("?sort=due&limit=2&cursor={cursor}")).await;
    assert_eq!(numbers(&second), [5, 6]);
    let cursor = second["next_cursor"].as_str().expect("a next page");
    let (_, third) = get(&format!("?sort=due&limit=2&cursor={cursor}")).await;
    assert_eq!(numbers(&third), [7, 1]);
    let cursor = third["next_cursor"].as_str().expect("a next page");
    let (_, fourth) = get(&format!("?sort=due&limit=2&cursor={cursor}")).await;
    assert_eq!(numbers(&fourth), [3]);
    assert_eq!(fourth["next_cursor"], serde_json::Value::Null);
    // A cursor belongs to its sort.
    let (status, body) = get(&format!("?sort=received&cursor={cursor}")).await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["error"]["field"], "cursor");

    // Received, the default, paged while reports arrive.
    let (_, first) = get("?limit=3").await;
    assert_eq!(numbers(&first), [7, 6, 5]);
    submit("Yet another", "More.", None).await; // 8
    let cursor = first["next_cursor"].as_str().expect("a next page");
    let (_, second) = get(&format!("?limit=3&cursor={cursor}")).await;
    assert_eq!(numbers(&second), [4, 3, 2]);

    // Overdue: awaiting acknowledgement past its due date.
    assert_eq!(list("?overdue=true").await, Vec::<i64>::new());
    set_clock(&clock, "2027-05-01T09:00:00Z");
    assert_eq!(list("?overdue=true").await, [8, 7, 6, 5, 4, 2]);
    assert_eq!(list("?overdue=true&q=thumbnail").await, [2]);

    // Refusals name the field.
    for (query, field) in [
        ("?sort=oldest", "sort"),
        ("?label=spam", "label"),
        ("?verdict=maybe", "verdict"),
        ("?overdue=soon", "overdue"),
        ("?junk=perhaps", "junk"),
        ("?state=received,opened", "state"),
        ("?cursor=%22%3B--", "cursor"),
    ] {
        let (status, body) = get(query).await;
        assert_eq!(status, 422, "{query}: {body}");
        assert_eq!(body["error"]["field"], field, "{query}: {body}");
    }
    let long = "a".repeat(201);
    let (status, body) = get(&format!("?q={long}")).await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["error"]["field"], "q");

    // The inbox: tabs with counts, filters kept in the page links.
    let web = client();
    sign_in(&web, base).await;
    let page = async |query: &str| -> (u16, String) {
        let res = web
            .get(format!("{base}/inbox/demo{query}"))
            .send()
            .await
            .expect("inbox");
        (res.status().as_u16(), res.text().await.expect("html"))
    };
    let (status, html) = page("").await;
    assert_eq!(status, 200, "{html}");
    for tab in [
        "<strong>All (8)</strong>",
        "?tab=awaiting\">Awaiting acknowledgement (6)</a>",
        "?tab=overdue\">Overdue (6)</a>",
        "?tab=open\">Open (7)</a>",
        "?tab=junk\">Likely junk (1)</a>",
        "?tab=closed\">Closed (1)</a>",
    ] {
        assert!(html.contains(tab), "{tab} in {html}");
    }
    assert!(html.contains("Critical (9.8)"), "{html}");
    assert!(!html.contains("rel=\"next\""), "one page holds all: {html}");
    // The old spam queue's address leads to the likely-junk tab.
    let old = web
        .get(format!("{base}/inbox/demo?queue=spam"))
        .send()
        .await
        .expect("old queue");
    assert_eq!(old.status(), 303);
    assert_eq!(old.headers()["location"], "/inbox/demo?tab=junk");
    let (_, junk) = page("?tab=junk").await;
    assert!(junk.contains("<strong>Likely junk (1)</strong>"), "{junk}");
    assert!(junk.contains("bug bounty?</a>") && !junk.contains("Open redirect"));
    let (_, found) = page("?tab=open&q=thumbnail&sort=severity").await;
    assert!(found.contains("Heap overflow in the thumbnail parser"));
    assert!(!found.contains("Open redirect after login"));
    assert!(found.contains("value=\"thumbnail\""), "{found}");
    let (status, bad) = page("?tab=everything").await;
    assert_eq!(status, 422, "{bad}");

    // Pages of 50: the next page's link carries the cursor and the filters.
    for i in 0..50 {
        submit(&format!("Flood {i}"), "Same again.", None).await;
    }
    let (_, first) = page("?tab=awaiting&sort=due").await;
    assert_eq!(first.matches("<tr class=").count(), 50);
    let start = first
        .find("rel=\"next\"")
        .map(|_| ())
        .and_then(|_| first.find("href=\"/inbox/demo?tab=awaiting&amp;sort=due&amp;cursor="));
    let start = start.unwrap_or_else(|| panic!("a next page link: {first}"));
    let href = &first[start + 6..];
    let href = href[..href.find('"').expect("end")].replace("&amp;", "&");
    let (_, second) = page(&href["/inbox/demo".len()..]).await;
    assert_eq!(second.matches("<tr class=").count(), 6, "{second}");
    assert!(second.contains("rel=\"first\""), "{second}");
    assert!(!second.contains("rel=\"next\""), "{second}");
    assert!(
        !second.contains("bug bounty?</a>"),
        "closed is not awaiting"
    );
}
