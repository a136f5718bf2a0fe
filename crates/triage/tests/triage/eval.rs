//! Evaluation over the labelled JSON Lines corpus: confusion matrix, recall of the flagged
//! classes and the share of valid reports flagged. The expected labels are the corpus's
//! (maintainers' public verdicts), never computed here.
//!
//! `TRIAGE_EVAL_FILE=path.jsonl` runs it over another file of the same format (e.g. the
//! held-out split); `TRIAGE_EVAL_VERBOSE=1` prints every report's findings.

use crate::fixture::curl_indexes;
use domain::policy::Policy;
use serde::Deserialize;
use triage::{Context, Fingerprint, History, Label, PastReport, Report, triage};

#[derive(Debug, Deserialize)]
struct Item {
    id: String,
    label: String,
    project: String,
    text: String,
    #[serde(default)]
    title: Option<String>,
}

fn load() -> Vec<Item> {
    let path = std::env::var("TRIAGE_EVAL_FILE").unwrap_or_else(|_| {
        concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/reports.jsonl").into()
    });
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {path}: {e}"));
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("bad line in {path}: {e}")))
        .collect()
}

struct Outcome {
    matrix: [[usize; 5]; 5],
    rows: Vec<(String, Label, Label)>,
}

fn idx(l: Label) -> usize {
    Label::ALL.iter().position(|x| *x == l).unwrap_or(0)
}

/// Runs the corpus as arrivals on one instance: each report sees the fingerprints of the
/// ones before it (no outcomes), curl reports get curl's policy and the curl indexes.
fn run(items: &[Item]) -> Outcome {
    let curl_policy =
        Policy::from_toml(include_str!("../data/policies/curl.toml")).expect("curl policy");
    let default_policy = Policy::default();
    let mut history = History::default();
    let mut matrix = [[0usize; 5]; 5];
    let mut rows = Vec::new();
    let verbose = std::env::var_os("TRIAGE_EVAL_VERBOSE").is_some();
    let t0 = jiff::Timestamp::from_second(1_700_000_000).expect("timestamp");
    for (n, item) in items.iter().enumerate() {
        let is_curl = item.project.eq_ignore_ascii_case("curl");
        let ctx = Context {
            policy: if is_curl {
                &curl_policy
            } else {
                &default_policy
            },
            project_name: Some(&item.project),
            sources: if is_curl { curl_indexes() } else { &[] },
            history: &history,
            now: None,
        };
        let report = Report::new(item.title.clone().unwrap_or_default(), item.text.clone());
        let result = triage(&report, &ctx);
        let expected =
            Label::parse(&item.label).unwrap_or_else(|| panic!("unknown label {}", item.label));
        matrix[idx(expected)][idx(result.label)] += 1;
        if verbose {
            println!(
                "{} expected {} got {} ({}) {:?}",
                item.id,
                expected.as_str(),
                result.label.as_str(),
                result.verdict.as_str(),
                result.scores
            );
            for f in &result.findings {
                let q: Vec<_> = f
                    .evidence
                    .iter()
                    .map(|e| e.quote.chars().take(60).collect::<String>())
                    .collect();
                println!(
                    "    {:?} {} {:.2} {} {:?}",
                    f.level,
                    f.signal.as_str(),
                    f.confidence,
                    f.detail.chars().take(160).collect::<String>(),
                    q
                );
            }
        }
        rows.push((item.id.clone(), expected, result.label));
        history.reports.push(PastReport {
            reference: format!("{}#{}", item.project, n + 1),
            project: item.project.clone(),
            received_at: t0 + jiff::SignedDuration::from_hours(24 * n as i64),
            reporter: None,
            fingerprint: Fingerprint::of(&report.title, &report.text),
            outcome: triage::Outcome::Open,
        });
    }
    Outcome { matrix, rows }
}

#[test]
fn confusion_matrix_over_the_labelled_corpus() {
    let items = load();
    let out = run(&items);
    let m = &out.matrix;
    println!(
        "expected \\ predicted: {}",
        Label::ALL.map(|l| l.as_str()).join(" ")
    );
    for l in Label::ALL {
        println!("{:>15}: {:?}", l.as_str(), m[idx(l)]);
    }
    let valid = idx(Label::Valid);
    let flagged_total: usize = (0..5)
        .filter(|&r| r != valid)
        .map(|r| m[r].iter().sum::<usize>())
        .sum();
    let flagged_caught: usize = (0..5)
        .filter(|&r| r != valid)
        .map(|r| m[r].iter().sum::<usize>() - m[r][valid])
        .sum();
    let valid_total: usize = m[valid].iter().sum();
    let valid_flagged = valid_total - m[valid][valid];
    for l in [Label::AiSlop, Label::BegBounty, Label::NonQualifying] {
        let r = idx(l);
        let total: usize = m[r].iter().sum();
        if total > 0 {
            println!(
                "{}: exact recall {}/{} ({:.0}%), flagged at all {}/{}",
                l.as_str(),
                m[r][r],
                total,
                100.0 * m[r][r] as f64 / total as f64,
                total - m[r][valid],
                total
            );
        }
    }
    let recall = flagged_caught as f64 / flagged_total.max(1) as f64;
    let fpr = valid_flagged as f64 / valid_total.max(1) as f64;
    println!(
        "flagged classes caught: {flagged_caught}/{flagged_total} ({:.0}%)",
        recall * 100.0
    );
    println!(
        "valid reports flagged: {valid_flagged}/{valid_total} ({:.0}%)",
        fpr * 100.0
    );
    for (id, e, g) in &out.rows {
        if e != g {
            println!("  miss: {id} expected {} got {}", e.as_str(), g.as_str());
        }
    }
    // The thresholds of the development split (the targets are ≥ 90% and ≤ 5% on
    // the unseen set); a regression below these fails.
    if std::env::var_os("TRIAGE_EVAL_FILE").is_none() {
        assert!(recall >= 0.9, "flagged recall fell to {recall:.2}");
        assert!(fpr <= 0.0, "valid reports flagged: {valid_flagged}");
    }
}

/// Published advisories (OSV details, CVE descriptions) are real vulnerabilities: with the
/// standard classes in effect and no project named, none may be flagged.
#[test]
fn published_advisories_read_as_valid() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/advisories");
    let policy = Policy::default();
    let history = History::default();
    let mut seen = 0;
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .expect("advisories dir")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .collect();
    entries.sort();
    for path in entries {
        if path.extension().and_then(|e| e.to_str()) != Some("json") {
            continue;
        }
        let v: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&path).expect("read")).expect("json");
        let (title, text) = if v.get("details").is_some() {
            (
                v["summary"].as_str().unwrap_or_default(),
                v["details"].as_str().unwrap_or_default(),
            )
        } else {
            let c = &v["containers"]["cna"];
            (
                c["title"].as_str().unwrap_or_default(),
                c["descriptions"][0]["value"].as_str().unwrap_or_default(),
            )
        };
        let t = triage(&Report::new(title, text), &Context::new(&policy, &history));
        assert_eq!(
            t.label,
            Label::Valid,
            "{}: {:#?}",
            path.display(),
            t.findings
        );
        seen += 1;
    }
    assert_eq!(seen, 10);
}
