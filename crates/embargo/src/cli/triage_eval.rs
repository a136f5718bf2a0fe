//! `embargo triage --eval FILE.jsonl [--policy P] [--source S] [--project-name NAME] [--json]`
//!
//! Runs the triage over a labelled corpus and prints how it did: the confusion matrix
//! (rows: the corpus's label, columns: the triage's), precision and recall per label, valid
//! flagged (valid reports given any label but `valid`) and flagged recall (other reports
//! given any label but `valid`), then the same rates per project, each project's reports
//! held out on their own, with their mean and the worst project (`triage::eval` defines
//! every figure).
//!
//! FILE is JSON Lines: one report per line with `label` (`valid`, `ai_slop`, `beg_bounty`,
//! `non_qualifying`, `duplicate`), `text` (or `description`), and optionally `id`,
//! `project` and `title`. Reports are triaged in file order as arrivals on one instance, each
//! with the policy and sources given (so give `--source` only for a file of one project's
//! reports); the project name is the item's `project`, or `--project-name` for items
//! without one.
//!
//! `--json` prints one object: `input`, `overall`, `projects`, `mean_valid_flagged`,
//! `mean_flagged_recall`, `worst_valid_flagged`, `worst_flagged_recall` and `targets`.
//!
//! Exit status: 0 the corpus was read and evaluated (whatever the figures), 1 the file is
//! unreadable, empty or has a bad line (each one printed as `FILE:LINE: …`), 2 usage error.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use triage::eval::{self, Evaluation, FLAGGED_RECALL_MIN, Ratio, Setup, VALID_FLAGGED_MAX};
use triage::{Label, Policy, SourceIndex};

/// Evaluates the triage on `file`; `project_name` names the items that name no project.
pub fn run(
    file: &Path,
    project_name: Option<&str>,
    policy: &Policy,
    sources: &[SourceIndex],
    json: bool,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> ExitCode {
    let name = file.display().to_string();
    let text = match std::fs::read(file) {
        Ok(bytes) => match String::from_utf8(bytes) {
            Ok(t) => t,
            Err(e) => {
                let line = 1 + e.as_bytes()[..e.utf8_error().valid_up_to()]
                    .iter()
                    .filter(|b| **b == b'\n')
                    .count();
                let _ = writeln!(stderr, "{name}:{line}: not UTF-8");
                return ExitCode::from(1);
            }
        },
        Err(e) => {
            let _ = writeln!(stderr, "{name}: cannot read: {e}");
            return ExitCode::from(1);
        }
    };
    let mut items = match eval::parse_corpus(&text) {
        Ok(items) => items,
        Err(errors) => {
            for e in errors {
                let _ = writeln!(stderr, "{name}:{}: {}", e.line, e.message);
            }
            return ExitCode::from(1);
        }
    };
    if items.is_empty() {
        let _ = writeln!(stderr, "{name}: no labelled report");
        return ExitCode::from(1);
    }
    if let Some(project) = project_name {
        for item in items.iter_mut().filter(|i| i.project.is_empty()) {
            item.project = project.to_owned();
        }
    }
    let predictions: Vec<_> = eval::run(&items, |_| Setup { policy, sources })
        .into_iter()
        .map(|(p, _)| p)
        .collect();
    let evaluation = eval::evaluate(&predictions);
    let written = if json {
        write_json(&name, &evaluation, stdout)
    } else {
        write_text(&name, &evaluation, stdout)
    };
    match written {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            let _ = writeln!(stderr, "embargo triage: {e:#}");
            ExitCode::from(1)
        }
    }
}

fn write_json(name: &str, e: &Evaluation, out: &mut dyn Write) -> anyhow::Result<()> {
    let mut v = serde_json::to_value(e)?;
    if let Some(o) = v.as_object_mut() {
        o.insert("input".into(), name.into());
        o.insert(
            "targets".into(),
            serde_json::json!({
                "valid_flagged_max": VALID_FLAGGED_MAX,
                "flagged_recall_min": FLAGGED_RECALL_MIN,
            }),
        );
    }
    serde_json::to_writer(&mut *out, &v)?;
    writeln!(out)?;
    Ok(())
}

/// `3/4 (75.0%)`, or `0/0 (-)` when there is nothing to count.
fn rate(r: Ratio) -> String {
    match r.value() {
        Some(v) => format!("{}/{} ({:.1}%)", r.num, r.den, 100.0 * v),
        None => format!("{}/{} (-)", r.num, r.den),
    }
}

fn share(v: Option<f64>) -> String {
    v.map_or_else(|| "-".to_owned(), |v| format!("{:.1}%", 100.0 * v))
}

fn write_text(name: &str, e: &Evaluation, out: &mut dyn Write) -> anyhow::Result<()> {
    let f = &e.overall;
    writeln!(
        out,
        "{name}: {} reports, {} projects",
        f.reports,
        e.projects.len()
    )?;
    writeln!(out)?;
    writeln!(out, "confusion matrix (rows: expected, columns: given)")?;
    write!(out, "{:<16}", "")?;
    for l in Label::ALL {
        write!(out, " {:>14}", l.as_str())?;
    }
    writeln!(out)?;
    for expected in Label::ALL {
        write!(out, "{:<16}", expected.as_str())?;
        for given in Label::ALL {
            write!(out, " {:>14}", f.confusion.get(expected, given))?;
        }
        writeln!(out)?;
    }
    writeln!(out)?;
    writeln!(
        out,
        "{:<16} {:>8} {:>6} {:>8}  {:<18} recall",
        "label", "expected", "given", "correct", "precision"
    )?;
    for lf in &f.per_label {
        writeln!(
            out,
            "{:<16} {:>8} {:>6} {:>8}  {:<18} {}",
            lf.label.as_str(),
            lf.expected,
            lf.given,
            lf.correct,
            rate(lf.precision),
            rate(lf.recall)
        )?;
    }
    writeln!(out)?;
    writeln!(
        out,
        "valid flagged: {} (target at most {:.0}%; flagged: any label but valid)",
        rate(f.valid_flagged),
        100.0 * VALID_FLAGGED_MAX
    )?;
    writeln!(
        out,
        "flagged recall: {} (target at least {:.0}%)",
        rate(f.flagged_recall),
        100.0 * FLAGGED_RECALL_MIN
    )?;
    writeln!(out, "correct label: {}", rate(f.correct))?;
    writeln!(out)?;
    writeln!(
        out,
        "per project (leave-one-project-out: each project's reports on their own)"
    )?;
    writeln!(
        out,
        "{:<20} {:>7}  {:<18} {:<18} correct label",
        "project", "reports", "valid flagged", "flagged recall"
    )?;
    for p in &e.projects {
        let project = if p.project.is_empty() {
            "(none)"
        } else {
            &p.project
        };
        writeln!(
            out,
            "{:<20} {:>7}  {:<18} {:<18} {}",
            project,
            p.figures.reports,
            rate(p.figures.valid_flagged),
            rate(p.figures.flagged_recall),
            rate(p.figures.correct)
        )?;
    }
    writeln!(
        out,
        "mean over projects: valid flagged {}, flagged recall {}",
        share(e.mean_valid_flagged),
        share(e.mean_flagged_recall)
    )?;
    let worst = |w: &Option<eval::ProjectRate>| {
        w.as_ref().map_or_else(
            || "-".to_owned(),
            |w| format!("{:.1}% ({})", 100.0 * w.rate, w.project),
        )
    };
    writeln!(
        out,
        "worst project: valid flagged {}, flagged recall {}",
        worst(&e.worst_valid_flagged),
        worst(&e.worst_flagged_recall)
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_print_counts_and_a_dash_when_empty() {
        assert_eq!(rate(Ratio { num: 1, den: 8 }), "1/8 (12.5%)");
        assert_eq!(rate(Ratio { num: 0, den: 0 }), "0/0 (-)");
        assert_eq!(share(None), "-");
        assert_eq!(share(Some(0.25)), "25.0%");
    }
}
