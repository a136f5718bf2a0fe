//! `embargo triage --eval`: the figures of a small labelled file, counted by hand, and the
//! refusals of unreadable or malformed files with the line at fault.
//!
//! `tests/data/triage-eval.jsonl` holds five reports written for this test: three ask for a
//! reward before giving any detail (the triage labels them `beg_bounty`), two are technical
//! reports with steps and a fix (the triage labels them `valid`). Their labels in the file
//! disagree with that on purpose for three of them, so that every figure has something to
//! count:
//!
//! | id | project | file's label   | triage's label |
//! |----|---------|----------------|----------------|
//! | a1 | alpha   | beg_bounty     | beg_bounty     |
//! | a2 | alpha   | valid          | valid          |
//! | b1 | beta    | valid          | beg_bounty     |
//! | b2 | beta    | ai_slop        | valid          |
//! | b3 | beta    | non_qualifying | beg_bounty     |

use super::harness::{BIN, TempDir};
use std::process::Command;

const FILE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/triage-eval.jsonl");

fn embargo(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(BIN)
        .args(args)
        .env("EMBARGO_CONFIG", "")
        .current_dir(std::env::temp_dir())
        .output()
        .expect("run embargo");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn ratio(v: &serde_json::Value) -> (u64, u64) {
    (
        v["num"].as_u64().expect("num"),
        v["den"].as_u64().expect("den"),
    )
}

#[test]
fn eval_prints_the_figures_counted_by_hand() {
    let (code, out, err) = embargo(&["triage", "--eval", FILE, "--json"]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(out.trim()).expect("one JSON object");
    assert_eq!(v["input"], FILE);
    let overall = &v["overall"];
    assert_eq!(overall["reports"], 5);
    // Rows: expected valid, ai_slop, beg_bounty, non_qualifying, duplicate; columns: given.
    assert_eq!(
        overall["confusion"]["counts"],
        serde_json::json!([
            [1, 0, 1, 0, 0], // a2 valid; b1 beg_bounty
            [1, 0, 0, 0, 0], // b2 valid
            [0, 0, 1, 0, 0], // a1
            [0, 0, 1, 0, 0], // b3 beg_bounty
            [0, 0, 0, 0, 0],
        ])
    );
    let label = |name: &str| {
        overall["per_label"]
            .as_array()
            .expect("per_label")
            .iter()
            .find(|l| l["label"] == name)
            .cloned()
            .expect("label row")
    };
    // valid: given to a2 and b2, right for a2; expected for a2 and b1.
    assert_eq!(ratio(&label("valid")["precision"]), (1, 2));
    assert_eq!(ratio(&label("valid")["recall"]), (1, 2));
    // beg_bounty: given to a1, b1, b3, right for a1 only.
    assert_eq!(ratio(&label("beg_bounty")["precision"]), (1, 3));
    assert_eq!(ratio(&label("beg_bounty")["recall"]), (1, 1));
    // ai_slop and non_qualifying: never given, one expected each.
    assert_eq!(ratio(&label("ai_slop")["precision"]), (0, 0));
    assert_eq!(
        label("ai_slop")["precision"]["value"],
        serde_json::Value::Null
    );
    assert_eq!(ratio(&label("non_qualifying")["recall"]), (0, 1));
    // Valid a2, b1: b1 flagged. Junk a1, b2, b3: a1 and b3 flagged.
    assert_eq!(ratio(&overall["valid_flagged"]), (1, 2));
    assert_eq!(overall["valid_flagged"]["value"], 0.5);
    assert_eq!(ratio(&overall["flagged_recall"]), (2, 3));
    assert_eq!(ratio(&overall["correct"]), (2, 5));
    // Per project: alpha (a1, a2) all right; beta (b1, b2, b3) none right.
    let projects = v["projects"].as_array().expect("projects");
    assert_eq!(projects.len(), 2);
    assert_eq!(projects[0]["project"], "alpha");
    assert_eq!(ratio(&projects[0]["figures"]["valid_flagged"]), (0, 1));
    assert_eq!(ratio(&projects[0]["figures"]["flagged_recall"]), (1, 1));
    assert_eq!(projects[1]["project"], "beta");
    assert_eq!(ratio(&projects[1]["figures"]["valid_flagged"]), (1, 1));
    assert_eq!(ratio(&projects[1]["figures"]["flagged_recall"]), (1, 2));
    assert_eq!(ratio(&projects[1]["figures"]["correct"]), (0, 3));
    // Means over the two projects: (0 + 1) / 2 and (1 + 1/2) / 2.
    assert_eq!(v["mean_valid_flagged"], 0.5);
    assert_eq!(v["mean_flagged_recall"], 0.75);
    assert_eq!(v["worst_valid_flagged"]["project"], "beta");
    assert_eq!(v["worst_flagged_recall"]["rate"], 0.5);
    assert_eq!(v["targets"]["valid_flagged_max"], 0.05);

    let (code, text, err) = embargo(&["triage", "--eval", FILE]);
    assert_eq!(code, 0, "{err}");
    let has = |s: &str| assert!(text.contains(s), "{s:?} missing from:\n{text}");
    has(": 5 reports, 2 projects");
    has("valid flagged: 1/2 (50.0%)");
    has("flagged recall: 2/3 (66.7%)");
    has("correct label: 2/5 (40.0%)");
    has("mean over projects: valid flagged 50.0%, flagged recall 75.0%");
    has("worst project: valid flagged 100.0% (beta), flagged recall 50.0% (beta)");
    // A row of a table: the first line starting with `start` after the line starting with
    // `section`, split on white space.
    let row = |section: &str, start: &str| -> Vec<String> {
        text.lines()
            .skip_while(|l| !l.starts_with(section))
            .find(|l| l.starts_with(start))
            .unwrap_or_else(|| panic!("no row {start:?} after {section:?} in:\n{text}"))
            .split_whitespace()
            .map(str::to_owned)
            .collect()
    };
    assert_eq!(
        row("confusion matrix", "valid "),
        ["valid", "1", "0", "1", "0", "0"]
    );
    assert_eq!(
        row("label ", "beg_bounty "),
        [
            "beg_bounty",
            "1",
            "3",
            "1",
            "1/3",
            "(33.3%)",
            "1/1",
            "(100.0%)"
        ]
    );
    assert_eq!(
        row("label ", "ai_slop "),
        ["ai_slop", "1", "0", "0", "0/0", "(-)", "0/1", "(0.0%)"]
    );
    assert_eq!(
        row("per project", "beta "),
        [
            "beta", "3", "1/1", "(100.0%)", "1/2", "(50.0%)", "0/3", "(0.0%)"
        ]
    );
}

#[test]
fn eval_refuses_a_malformed_file_with_the_line_at_fault() {
    let dir = TempDir::new();
    let path = dir.0.join("bad.jsonl");
    let good = std::fs::read_to_string(FILE).expect("read the sample");
    let first = good.lines().next().expect("a line");
    std::fs::write(
        &path,
        format!(
            "{first}\n\n{{\"id\":\"x\",\"label\":\"valid\",\"text\":\"unterminated\n{{\"id\":\"y\",\"label\":\"spam\",\"text\":\"t\"}}\n{{\"id\":\"z\",\"label\":\"valid\"}}\n"
        ),
    )
    .expect("write");
    let name = path.display().to_string();
    let (code, out, err) = embargo(&["triage", "--eval", &name]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(out.is_empty(), "no figures from a bad file: {out}");
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 3, "{err}");
    assert!(
        lines[0].starts_with(&format!("{name}:3: not a JSON object")),
        "{err}"
    );
    assert!(
        lines[1].starts_with(&format!("{name}:4: unknown label \"spam\"")),
        "{err}"
    );
    assert_eq!(
        lines[2],
        format!("{name}:5: the report has neither `text` nor `description`")
    );

    let missing = dir.0.join("missing.jsonl").display().to_string();
    let (code, _, err) = embargo(&["triage", "--eval", &missing]);
    assert_eq!(code, 1);
    assert!(err.starts_with(&format!("{missing}: cannot read")), "{err}");

    let empty = dir.0.join("empty.jsonl");
    std::fs::write(&empty, "\n\n").expect("write");
    let empty = empty.display().to_string();
    let (code, _, err) = embargo(&["triage", "--eval", &empty]);
    assert_eq!(code, 1);
    assert_eq!(err.trim(), format!("{empty}: no labelled report"));

    let latin1 = dir.0.join("latin1.jsonl");
    std::fs::write(
        &latin1,
        [first.as_bytes(), b"\n{\"text\":\"caf\xe9\"}\n"].concat(),
    )
    .expect("write");
    let latin1 = latin1.display().to_string();
    let (code, _, err) = embargo(&["triage", "--eval", &latin1]);
    assert_eq!(code, 1);
    assert_eq!(err.trim(), format!("{latin1}:2: not UTF-8"));

    // Report files beside --eval are a usage error.
    let (code, _, _) = embargo(&["triage", "--eval", FILE, FILE]);
    assert_eq!(code, 2);
}
