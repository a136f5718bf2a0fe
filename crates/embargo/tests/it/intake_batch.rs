//! Reports arriving together (on SQLite written by the intake writer, many in one unit of
//! work) keep everything a report arriving alone gets: a number of their own with no gap,
//! one report per idempotency key, their receipt and triage, and an unbroken audit chain.

use super::*;
use std::collections::{BTreeMap, BTreeSet};

on_each_backend!(reports_arriving_together_are_each_stored_whole);

const KEY: &str = "together-key";

async fn reports_arriving_together_are_each_stored_whole(backend: Backend) {
    let app = TestApp::prepared(backend).await;
    let http = client();
    let mut sent = tokio::task::JoinSet::new();
    for i in 0..40 {
        let (http, base) = (http.clone(), app.url.clone());
        sent.spawn(async move {
            // Every tenth request is the same report under the same Idempotency-Key.
            let keyed = i % 10 == 0;
            let title = if keyed {
                "Sent four times".to_owned()
            } else {
                format!("Arrived together {i}")
            };
            let mut request = http
                .post(format!("{base}/api/v1/projects/demo/reports"))
                .json(&sample_report(&title));
            if keyed {
                request = request.header("Idempotency-Key", KEY);
            }
            let res = request.send().await.expect("submit");
            let status = res.status().as_u16();
            let body: serde_json::Value = res.json().await.expect("json");
            (keyed, status, body)
        });
    }
    let mut created = BTreeMap::new();
    let mut keyed = Vec::new();
    while let Some(answer) = sent.join_next().await {
        let (is_keyed, status, body) = answer.expect("request task");
        assert!(
            status == 201 || (is_keyed && status == 200),
            "{status} {body}"
        );
        let id = body["id"].as_str().expect("id").to_owned();
        let number = body["number"].as_i64().expect("number");
        if is_keyed {
            keyed.push((status, id.clone(), number));
        }
        if status == 201 {
            assert_eq!(created.insert(id, number), None, "one 201 per report");
        }
    }
    // 36 distinct reports and one for the four keyed requests, numbered 1 to 37.
    let numbers: BTreeSet<i64> = created.values().copied().collect();
    assert_eq!(numbers, (1..=37).collect::<BTreeSet<i64>>());
    assert_eq!(created.len(), 37);
    assert_eq!(keyed.iter().filter(|(s, _, _)| *s == 201).count(), 1);
    assert_eq!(keyed.iter().filter(|(s, _, _)| *s == 200).count(), 3);
    let (_, first_id, first_number) = keyed[0].clone();
    assert!(
        keyed
            .iter()
            .all(|(_, id, n)| *id == first_id && *n == first_number),
        "every keyed request answered with the one report: {keyed:?}"
    );
    // The key with another body is refused, and nothing is stored for it.
    let res = http
        .post(format!("{}/api/v1/projects/demo/reports", app.url))
        .header("Idempotency-Key", KEY)
        .json(&sample_report("Another body"))
        .send()
        .await
        .expect("submit");
    assert_eq!(res.status(), 409);

    // The triage releases each receipt the intake kept back (junk rules, `services::junk`).
    app.drain().await;
    let db = app.db.store().await;
    let mut read = db.read().await.expect("read");
    // Each report has its receipt.
    let receipts: Vec<String> = store::outbox::latest(&mut read, 500)
        .await
        .expect("outbox")
        .into_iter()
        .filter(|e| e.to == "mara@example.test")
        .filter_map(|e| e.report_id.map(|r| r.to_string()))
        .collect();
    assert_eq!(
        receipts.iter().collect::<BTreeSet<_>>(),
        created.keys().collect::<BTreeSet<_>>()
    );
    assert_eq!(receipts.len(), 37, "one receipt per report");
    // One `report.create` audit event per report, with its number, and the chain holds.
    let events = store::audit::events(&mut read, 0, 1000)
        .await
        .expect("audit");
    let audited: BTreeSet<i64> = events
        .iter()
        .filter(|e| e.action == "report.create")
        .map(|e| e.data["number"].as_i64().expect("number"))
        .collect();
    assert_eq!(audited, numbers);
    assert_eq!(
        events
            .iter()
            .filter(|e| e.action == "report.create")
            .count(),
        37
    );
    drop(read);
    db.close().await;
    let (code, out, err) = app.cli(&["admin", "verify-audit"], "").await;
    assert_eq!(code, 0, "{out}{err}");
    // Each report is triaged: its job was queued with it.
    app.drain().await;
    let token = app.api_token().await;
    for id in created.keys() {
        let report: serde_json::Value = http
            .get(format!("{}/api/v1/reports/{id}", app.url))
            .bearer_auth(&token)
            .send()
            .await
            .expect("report")
            .json()
            .await
            .expect("json");
        assert!(
            report["triage"].is_object(),
            "report {id} was triaged: {report}"
        );
    }
}
