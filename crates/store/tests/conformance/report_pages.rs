//! The inbox's page and count queries read ranges of their indexes: the plans SQLite
//! chooses name the index and sort nothing. PostgreSQL is told to avoid sequential scans
//! (which it prefers for tables this small); its choice among the indexes follows costs that
//! a test's few rows do not represent, so there the check is no scan and no sort.

use super::*;
use domain::report::State;
use store::report_pages::{Filter, PageQuery, Sort, explain_count, explain_page};

#[tokio::test]
async fn pages_and_counts_use_their_indexes() {
    each_backend(|store| async move {
        let p = project(&store, "p").await;
        for i in 0..5 {
            insert(
                &store,
                &p,
                &new_report("Planned", None),
                &format!("t{i}"),
                at(i),
            )
            .await;
        }
        let mut c = store.read().await.expect("read");
        let postgres = c.backend_name().eq_ignore_ascii_case("postgresql");
        if postgres {
            sqlx::query("SET enable_seqscan = off")
                .execute(&mut *c)
                .await
                .expect("set");
        }
        let page = |sort, filter| PageQuery {
            filter,
            sort,
            after: None,
            limit: 51,
        };
        let cases = [
            (
                page(Sort::Received, Filter::default()),
                "USING INDEX sqlite_autoindex_reports_",
                "reports_project_id_number_key",
            ),
            (
                page(Sort::Due, Filter::default()),
                "reports_project_due",
                "reports_project_due",
            ),
            (
                page(Sort::Severity, Filter::default()),
                "reports_project_score",
                "reports_project_score",
            ),
            (
                page(
                    Sort::Received,
                    Filter {
                        likely_junk: Some(true),
                        ..Filter::default()
                    },
                ),
                "reports_project_junk",
                "reports_project_junk",
            ),
        ];
        for (q, sqlite_index, pg_index) in &cases {
            let plan = explain_page(&mut c, p.id, q)
                .await
                .expect("explain")
                .join("\n");
            let index = if postgres { pg_index } else { sqlite_index };
            assert!(
                plan.contains(index) || (postgres && !plan.contains("Seq Scan")),
                "{q:?}: {index} in\n{plan}"
            );
            assert!(
                !plan.contains("TEMP B-TREE") && !plan.contains("Sort"),
                "{q:?} sorts:\n{plan}"
            );
        }
        let search = page(
            Sort::Received,
            Filter {
                search: Some("planned".into()),
                ..Filter::default()
            },
        );
        let plan = explain_page(&mut c, p.id, &search)
            .await
            .expect("explain")
            .join("\n");
        // SQLite reads the FTS5 index. PostgreSQL's planner takes the GIN index only when a
        // project holds more reports than a test writes (here it filters the project's
        // index range): the index's existence is checked by the schema test.
        if !postgres {
            assert!(
                plan.contains("VIRTUAL TABLE INDEX"),
                "search: the FTS5 index in\n{plan}"
            );
        }
        assert!(!plan.contains("Seq Scan"), "search scans:\n{plan}");

        let counts = [
            (
                Filter {
                    likely_junk: Some(true),
                    ..Filter::default()
                },
                "reports_project_junk",
            ),
            (
                Filter {
                    overdue_at: Some(at(100)),
                    ..Filter::default()
                },
                "reports_project_state",
            ),
            (
                Filter {
                    states: vec![State::Closed, State::Disclosed],
                    ..Filter::default()
                },
                "reports_project_state",
            ),
        ];
        for (f, index) in &counts {
            let plan = explain_count(&mut c, p.id, f)
                .await
                .expect("explain")
                .join("\n");
            // PostgreSQL's planner picks among the project's indexes by cost, which on a
            // test's few rows says little: there, no sequential scan is the check.
            assert!(
                postgres || plan.contains(index),
                "count {f:?}: {index} in\n{plan}"
            );
            assert!(
                !plan.contains("SCAN r\n")
                    && !plan.ends_with("SCAN r")
                    && !plan.contains("Seq Scan"),
                "count {f:?} scans:\n{plan}"
            );
        }
    })
    .await;
}
