//! The API lists a project's reports and advisories a page at a time: keyset pages that
//! hold still while new ones arrive, a state filter, and refusals that name the bad parameter.

use super::*;

on_each_backend!(reports_are_listed_a_page_at_a_time);

fn numbers(page: &serde_json::Value) -> Vec<i64> {
    page["items"]
        .as_array()
        .unwrap_or_else(|| panic!("a page of items: {page}"))
        .iter()
        .map(|r| r["number"].as_i64().expect("number"))
        .collect()
}

async fn reports_are_listed_a_page_at_a_time(backend: Backend) {
    let app = TestApp::prepared(backend).await;
    let base = app.url.as_str();
    let token = app.api_token().await;
    let http = client();
    let submit = async |title: String| -> (String, i64) {
        let r: serde_json::Value = http
            .post(format!("{base}/api/v1/projects/demo/reports"))
            .json(&sample_report(&title))
            .send()
            .await
            .expect("submit")
            .json()
            .await
            .expect("json");
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

    let mut ids = Vec::new();
    for i in 1..=7 {
        ids.push(submit(format!("Report {i}")).await);
    }
    assert_eq!(ids.last().map(|(_, n)| *n), Some(7));

    let (status, first) = get("?limit=3").await;
    assert_eq!(status, 200, "{first}");
    assert_eq!(numbers(&first), [7, 6, 5]);
    assert_eq!(first["items"][0]["title"], "Report 7");
    let cursor = first["next_cursor"]
        .as_str()
        .expect("a next page")
        .to_owned();

    // A report arriving between two pages neither shifts nor repeats what comes next.
    let (_, eighth) = submit("Arrived meanwhile".into()).await;
    assert_eq!(eighth, 8);
    let (status, second) = get(&format!("?limit=3&cursor={cursor}")).await;
    assert_eq!(status, 200, "{second}");
    assert_eq!(numbers(&second), [4, 3, 2]);
    let cursor = second["next_cursor"]
        .as_str()
        .expect("a next page")
        .to_owned();
    let (_, third) = get(&format!("?limit=3&cursor={cursor}")).await;
    assert_eq!(numbers(&third), [1]);
    assert_eq!(third["next_cursor"], serde_json::Value::Null, "{third}");

    // Without parameters: the default page (50) holds them all, newest first.
    let (_, all) = get("").await;
    assert_eq!(numbers(&all), [8, 7, 6, 5, 4, 3, 2, 1]);
    assert_eq!(all["next_cursor"], serde_json::Value::Null);

    // Filtered by state, and paged within the filter.
    let (id_two, _) = &ids[1];
    let res = http
        .post(format!("{base}/api/v1/reports/{id_two}/transitions"))
        .bearer_auth(&token)
        .json(&serde_json::json!({ "to": "acknowledged" }))
        .send()
        .await
        .expect("acknowledge");
    assert_eq!(
        res.status(),
        200,
        "{}",
        res.text().await.unwrap_or_default()
    );
    let (_, acknowledged) = get("?state=acknowledged").await;
    assert_eq!(numbers(&acknowledged), [2]);
    let (_, received) = get("?state=received&limit=4").await;
    assert_eq!(numbers(&received), [8, 7, 6, 5]);
    let cursor = received["next_cursor"].as_str().expect("a next page");
    let (_, rest) = get(&format!("?state=received&limit=4&cursor={cursor}")).await;
    assert_eq!(numbers(&rest), [4, 3, 1]);
    assert_eq!(rest["next_cursor"], serde_json::Value::Null);

    // Bad parameters are refused, naming the one at fault.
    for (query, field) in [
        ("?limit=0", "limit"),
        ("?limit=501", "limit"),
        ("?limit=ten", "limit"),
        ("?cursor=nope", "cursor"),
        ("?cursor=-3", "cursor"),
        ("?state=opened", "state"),
        ("?sort=newest", "sort"),
        ("?label=spam", "label"),
        ("?verdict=bad", "verdict"),
        ("?overdue=maybe", "overdue"),
        ("?junk=2", "junk"),
    ] {
        let (status, body) = get(query).await;
        assert_eq!(status, 422, "{query}: {body}");
        assert_eq!(body["error"]["field"], field, "{query}: {body}");
    }
    let (status, most) = get("?limit=500").await;
    assert_eq!(status, 200, "{most}");
    assert_eq!(numbers(&most).len(), 8);
}

on_each_backend!(advisories_are_listed_a_page_at_a_time);

async fn advisories_are_listed_a_page_at_a_time(backend: Backend) {
    let app = TestApp::prepared(backend).await;
    let base = app.url.as_str();
    let token = app.api_token().await;
    let http = client();
    let create = async |summary: &str| -> String {
        let res = http
            .post(format!("{base}/api/v1/projects/demo/advisories"))
            .bearer_auth(&token)
            .json(&serde_json::json!({ "advisory": { "summary": summary, "details": "d" } }))
            .send()
            .await
            .expect("create");
        assert_eq!(res.status(), 201);
        let body: serde_json::Value = res.json().await.expect("json");
        body["id"].as_str().expect("id").to_owned()
    };
    let get = async |query: &str| -> (u16, serde_json::Value) {
        let res = http
            .get(format!("{base}/api/v1/projects/demo/advisories{query}"))
            .bearer_auth(&token)
            .send()
            .await
            .expect("list");
        let status = res.status().as_u16();
        (status, res.json().await.expect("json"))
    };
    let ids = |page: &serde_json::Value| -> Vec<String> {
        page["items"]
            .as_array()
            .unwrap_or_else(|| panic!("a page of items: {page}"))
            .iter()
            .map(|a| a["id"].as_str().expect("id").to_owned())
            .collect()
    };

    let mut created = Vec::new();
    for i in 1..=5 {
        created.push(create(&format!("Advisory {i}")).await);
    }
    let (status, all) = get("").await;
    assert_eq!(status, 200, "{all}");
    let newest_first = ids(&all);
    assert_eq!(newest_first.len(), 5);
    assert_eq!(all["next_cursor"], serde_json::Value::Null);
    let mut sorted = newest_first.clone();
    sorted.sort();
    let mut expected = created.clone();
    expected.sort();
    assert_eq!(sorted, expected, "every advisory once");

    let (_, first) = get("?limit=2").await;
    assert_eq!(ids(&first), newest_first[..2]);
    let cursor = first["next_cursor"]
        .as_str()
        .expect("a next page")
        .to_owned();
    // An advisory created between two pages goes to the front, not into the next page.
    let late = create("Arrived meanwhile").await;
    let (_, second) = get(&format!("?limit=2&cursor={cursor}")).await;
    assert_eq!(ids(&second), newest_first[2..4]);
    let cursor = second["next_cursor"]
        .as_str()
        .expect("a next page")
        .to_owned();
    let (_, third) = get(&format!("?limit=2&cursor={cursor}")).await;
    assert_eq!(ids(&third), newest_first[4..]);
    assert_eq!(third["next_cursor"], serde_json::Value::Null, "{third}");
    let (_, again) = get("?limit=1").await;
    assert_eq!(ids(&again), [late]);

    for (query, field) in [
        ("?limit=0", "limit"),
        ("?limit=many", "limit"),
        ("?cursor=nope", "cursor"),
        ("?cursor=12.", "cursor"),
    ] {
        let (status, body) = get(query).await;
        assert_eq!(status, 422, "{query}: {body}");
        assert_eq!(body["error"]["field"], field, "{query}: {body}");
    }
}
