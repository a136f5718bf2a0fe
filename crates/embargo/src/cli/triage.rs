//! `embargo triage [--json] [--policy FILE] [--project-name NAME] [--source DIR …] [FILE …]`
//!
//! Triages reports with the `triage` crate. Each FILE is a report as JSON (`title` and
//! `text` or `description`; JSON Lines give one report per line), an RFC 5322 message
//! (`.eml`) or plain text; with no FILE, standard input is one such input. `--source DIR`
//! indexes a source tree for the grounded checks (repeat it for several versions, e.g. the
//! default branch and the reported release). A git repository (bare or a work tree) is read
//! as the server reads a project's git source: its default branch (`HEAD`), and for each
//! report the tag of each release it names (`1.0.0` → `v1.0.0`, `1.0.0`, `curl-1_0_0`, …)
//! or the commit it names, at most three per report, indexed once and kept; findings say
//! which revision they were checked at. Inputs are triaged in order and each sees the
//! earlier ones as the instance's history, so a batch shows spray and near-duplicates.
//!
//! `--json` prints one object per report: `{"input", "label", "verdict", "findings",
//! "scores", "check_grounding_first", "mentioned_versions", "checked_at"}` (`checked_at`: the
//! labels of the source indexes used), or `{"input", "error"}` for an unreadable input.
//!
//! `--eval FILE.jsonl` instead measures the triage on a labelled corpus (see
//! `triage_eval`).
//!
//! Exit status: 0 every input read, 1 some input unreadable or invalid, 2 usage error
//! (including an unreadable policy or source directory).

use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use crate::source_index::GitTree;
use triage::{Context, Fingerprint, History, PastReport, Policy, SourceIndex, Submission};

/// One `--source`: a directory indexed once, or a git repository indexed per report.
enum Source {
    Dir(SourceIndex),
    Git(Box<GitTree>),
}

/// Time limit of each git command the CLI runs.
const GIT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(300);

/// `embargo triage`
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Print one JSON object per report, one per line.
    #[arg(long)]
    pub json: bool,
    /// The project's policy (TOML, as for `embargo project create --policy`).
    #[arg(long, value_name = "FILE")]
    pub policy: Option<PathBuf>,
    /// The project's name (default: the JSON report's `project` field, if any).
    #[arg(long, value_name = "NAME")]
    pub project_name: Option<String>,
    /// The project's source to check names, paths and quoted code against: a directory, or
    /// a git repository (bare or a work tree), checked at HEAD and at the tag of the release a
    /// report names.
    #[arg(long, value_name = "DIR|REPO")]
    pub source: Vec<PathBuf>,
    /// Report files; none: read one report from standard input.
    #[arg(value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// Measure the triage on a labelled corpus (JSON Lines with `label`, `project`, `text`):
    /// confusion matrix, precision and recall per label, valid flagged, flagged recall, and
    /// the figures per project.
    #[arg(long, value_name = "FILE.jsonl", conflicts_with = "files")]
    pub eval: Option<PathBuf>,
}

/// Runs the subcommand.
pub fn run(
    args: Args,
    stdin: &mut dyn BufRead,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> ExitCode {
    let policy = match &args.policy {
        None => Policy::default(),
        Some(p) => match std::fs::read_to_string(p)
            .map_err(anyhow::Error::from)
            .and_then(|t| Policy::from_toml(&t).map_err(anyhow::Error::from))
        {
            Ok(p) => p,
            Err(e) => {
                let _ = writeln!(stderr, "embargo triage: policy {}: {e}", p.display());
                return ExitCode::from(2);
            }
        },
    };
    let mut sources = Vec::new();
    for dir in &args.source {
        let opened = if crate::git::Mirror::is_repository(dir) {
            GitTree::open(
                dir,
                crate::git::Limits {
                    timeout: GIT_TIMEOUT,
                    max_bytes: u64::MAX,
                },
            )
            .map(|t| Source::Git(Box::new(t)))
        } else {
            index_dir(dir).map(Source::Dir)
        };
        match opened {
            Ok(i) => sources.push(i),
            Err(e) => {
                let _ = writeln!(stderr, "embargo triage: source {}: {e:#}", dir.display());
                return ExitCode::from(2);
            }
        }
    }
    if let Some(file) = &args.eval {
        // A corpus mixes reports of many releases: each source's default branch (a
        // directory as it is, a repository's HEAD) is what every item is checked against.
        let defaults = indexes_for(&mut sources, &triage::Report::default(), None);
        let name = args.project_name.as_deref();
        return super::triage_eval::run(file, name, &policy, &defaults, args.json, stdout, stderr);
    }
    match run_inner(&args, &policy, &mut sources, stdin, stdout) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(e) => {
            let _ = writeln!(stderr, "embargo triage: {e:#}");
            ExitCode::from(1)
        }
    }
}

/// Returns whether every input was readable.
fn run_inner(
    args: &Args,
    policy: &Policy,
    sources: &mut [Source],
    stdin: &mut dyn BufRead,
    out: &mut dyn Write,
) -> anyhow::Result<bool> {
    let mut inputs: Vec<(String, Result<String, String>)> = Vec::new();
    if args.files.is_empty() {
        let mut s = String::new();
        let r = stdin
            .read_to_string(&mut s)
            .map(|_| s)
            .map_err(|e| e.to_string());
        inputs.push(("-".into(), r));
    } else {
        for f in &args.files {
            let r = std::fs::read(f)
                .map(|b| String::from_utf8_lossy(&b).into_owned())
                .map_err(|e| e.to_string());
            inputs.push((f.display().to_string(), r));
        }
    }
    let mut history = History::default();
    let mut all_ok = true;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    for (name, contents) in inputs {
        let subs: Result<Vec<Submission>, String> =
            contents.and_then(|c| triage::parse_input(&c).map_err(|e| e.to_string()));
        let subs = match subs {
            Ok(s) => s,
            Err(e) => {
                all_ok = false;
                if args.json {
                    serde_json::to_writer(
                        &mut *out,
                        &serde_json::json!({"input": name, "error": e}),
                    )?;
                    writeln!(out)?;
                } else {
                    writeln!(out, "{name}: error: {e}")?;
                }
                continue;
            }
        };
        let many = subs.len() > 1;
        for (i, sub) in subs.into_iter().enumerate() {
            let label = if many {
                format!("{name}:{}", i + 1)
            } else {
                name.clone()
            };
            let project = args.project_name.clone().or(sub.project.clone());
            let indexes = indexes_for(sources, &sub.report, project.as_deref());
            let ctx = Context {
                policy,
                project_name: project.as_deref(),
                sources: &indexes,
                history: &history,
                now: None,
            };
            let result = triage::triage(&sub.report, &ctx);
            let checked_at: Vec<&str> = indexes.iter().map(SourceIndex::label).collect();
            if args.json {
                let mut v = serde_json::to_value(&result)?;
                if let Some(o) = v.as_object_mut() {
                    o.remove("fingerprint");
                    o.insert("input".into(), serde_json::Value::String(label.clone()));
                    o.insert("checked_at".into(), serde_json::json!(checked_at));
                }
                serde_json::to_writer(&mut *out, &v)?;
                writeln!(out)?;
            } else {
                writeln!(
                    out,
                    "{label}: {} ({})",
                    result.label.as_str(),
                    result.verdict.as_str()
                )?;
                if !checked_at.is_empty() {
                    writeln!(out, "  checked at: {}", checked_at.join(", "))?;
                }
                for f in &result.findings {
                    writeln!(
                        out,
                        "  [{:?}] {} ({:.2}): {}",
                        f.level,
                        f.signal.as_str(),
                        f.confidence,
                        f.detail
                    )?;
                    for e in &f.evidence {
                        let q: String = e.quote.chars().take(120).collect();
                        writeln!(
                            out,
                            "      {:?} {}..{}: {}",
                            e.field,
                            e.start,
                            e.end,
                            q.replace('\n', "⏎")
                        )?;
                    }
                    if let Some(p) = &f.policy_ref {
                        writeln!(out, "      policy: {p}")?;
                    }
                }
            }
            history.reports.push(PastReport {
                reference: label,
                project: project.unwrap_or_default(),
                received_at: triage::Timestamp::from_second(now).unwrap_or_default(),
                reporter: sub.report.reporter.clone(),
                fingerprint: Fingerprint::of(&sub.report.title, &sub.report.text),
                outcome: triage::Outcome::Open,
            });
        }
    }
    Ok(all_ok)
}

/// The indexes one report is checked against: every directory, and each repository's
/// default branch with the revisions the report names.
fn indexes_for(
    sources: &mut [Source],
    report: &triage::Report,
    project: Option<&str>,
) -> Vec<SourceIndex> {
    let mut out = Vec::new();
    let mut named = None;
    for s in sources.iter_mut() {
        match s {
            Source::Dir(i) => out.push(i.clone()),
            Source::Git(tree) => {
                let named = named.get_or_insert_with(|| triage::revisions_named(report, project));
                out.extend(tree.indexes_for(named));
            }
        }
    }
    out
}

/// Walks a directory into a source index (the reading the pure crate leaves to us).
fn index_dir(root: &Path) -> anyhow::Result<SourceIndex> {
    crate::source_index::index_dir_as(root, &root.display().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Debug, Parser)]
    struct Cli {
        #[command(flatten)]
        args: Args,
    }

    fn run_with(argv: &[&str], stdin: &str) -> (u8, String) {
        let cli = Cli::try_parse_from(std::iter::once("triage").chain(argv.iter().copied()))
            .expect("arguments parse");
        let mut input = stdin.as_bytes();
        let mut out = Vec::new();
        let mut err = Vec::new();
        let code = run(cli.args, &mut input, &mut out, &mut err);
        let code = if code == ExitCode::SUCCESS {
            0
        } else if code == ExitCode::from(1) {
            1
        } else {
            2
        };
        (code, String::from_utf8_lossy(&out).into_owned())
    }

    #[test]
    fn beg_bounty_from_stdin_as_json() {
        let (code, out) = run_with(
            &["--json", "--project-name", "regexr"],
            r#"{"title":"Bug bounty?","text":"Is there any reward for finding a critical vulnerability?"}"#,
        );
        assert_eq!(code, 0);
        let v: serde_json::Value = serde_json::from_str(out.trim()).expect("one JSON object");
        assert_eq!(v["label"], "beg_bounty");
        assert_eq!(v["input"], "-");
        assert!(v["findings"].as_array().is_some_and(|f| !f.is_empty()));
    }

    #[test]
    fn unreadable_input_exits_1_and_bad_policy_2() {
        let (code, out) = run_with(&["--json", "/nonexistent/report.json"], "");
        assert_eq!(code, 1);
        assert!(out.contains("\"error\""));
        let (code, _) = run_with(&["--policy", "/nonexistent/policy.toml"], "x");
        assert_eq!(code, 2);
    }
}
