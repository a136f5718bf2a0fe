//! Performance targets of issue 6: median < 5 ms per report with the index built; building
//! the index of a curl-sized tree (about 1,000 files) < 2 s. Plain `std::time`.
//!
//! Run: `CARGO_TARGET_DIR=target/triage cargo bench -p triage`. Fetches the curl sources on
//! first use like the tests do.

#[path = "../tests/triage/fixture.rs"]
#[allow(dead_code)]
mod fixture;

use std::time::{Duration, Instant};
use triage::{Context, History, Policy, Report, triage};

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn main() {
    // Index build: read once, then time the pure build.
    let mut indexes = Vec::new();
    for (version, label) in fixture::CURL_SYS {
        let dir = fixture::curl_dir(version);
        let t = Instant::now();
        let files = fixture::read_tree(&dir);
        let read = t.elapsed();
        let runs: Vec<Duration> = (0..5)
            .map(|_| {
                let t = Instant::now();
                let i = fixture::build_index(label, &files);
                std::hint::black_box(i.identifier_count());
                t.elapsed()
            })
            .collect();
        let idx = fixture::build_index(label, &files);
        println!(
            "index {label}: {} files, {} identifiers: build median {:?} (reading the files took {read:?})",
            idx.file_count(),
            idx.identifier_count(),
            median(runs)
        );
        indexes.push(idx);
    }
    // Triage: every report of the corpus, each 20 times.
    let text = include_str!("../tests/data/reports.jsonl");
    let reports: Vec<(String, Report)> = text
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .map(|v| {
            let s = |k: &str| v[k].as_str().unwrap_or_default().to_owned();
            (s("project"), Report::new(s("title"), s("text")))
        })
        .collect();
    let policy =
        Policy::from_toml(include_str!("../tests/data/policies/curl.toml")).unwrap_or_default();
    let history = History::default();
    for (name, sources) in [
        ("5 curl versions", &indexes[..]),
        ("1 curl version", &indexes[indexes.len() - 1..]),
    ] {
        let mut per_report = Vec::new();
        for (project, report) in &reports {
            let ctx = Context {
                project_name: Some(project),
                sources,
                ..Context::new(&policy, &history)
            };
            let runs: Vec<Duration> = (0..20)
                .map(|_| {
                    let t = Instant::now();
                    std::hint::black_box(triage(report, &ctx));
                    t.elapsed()
                })
                .collect();
            let m = median(runs);
            if m > Duration::from_millis(5) {
                println!(
                    "  slow: {} ({} bytes): {m:?}",
                    report.title,
                    report.text.len()
                );
            }
            per_report.push(m);
        }
        let max = per_report.iter().max().copied().unwrap_or_default();
        println!(
            "triage with {name}: median {:?} per report, slowest report {max:?} ({} reports)",
            median(per_report.clone()),
            per_report.len()
        );
    }
    // As the server checks a git source: the default branch, and the release each report
    // names (when the fixture has it), each index saying which revision it is.
    let newest = indexes.len() - 1;
    let default = indexes[newest]
        .with_label("master")
        .at(triage::Revision::DefaultBranch);
    let mut per_report = Vec::new();
    for (project, report) in &reports {
        let mut sources = vec![default.clone()];
        for r in triage::revisions_named(report, Some(project))
            .iter()
            .take(3)
        {
            if let Some(i) = fixture::CURL_SYS
                .iter()
                .position(|(_, l)| l.strip_prefix("curl ") == Some(r.name.as_str()))
            {
                sources.push(
                    indexes[i]
                        .with_label(format!("curl {}", r.name))
                        .at(triage::Revision::Named(r.name.clone())),
                );
            }
        }
        let ctx = Context {
            project_name: Some(project),
            sources: &sources,
            ..Context::new(&policy, &history)
        };
        let runs: Vec<Duration> = (0..20)
            .map(|_| {
                let t = Instant::now();
                std::hint::black_box(triage(report, &ctx));
                t.elapsed()
            })
            .collect();
        per_report.push(median(runs));
    }
    let max = per_report.iter().max().copied().unwrap_or_default();
    println!(
        "triage at the default branch and the named release: median {:?} per report, slowest report {max:?} ({} reports)",
        median(per_report.clone()),
        per_report.len()
    );
}
