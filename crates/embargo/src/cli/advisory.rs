//! `embargo advisory convert` and `embargo advisory validate`.
//!
//! Self-contained: clap, serde_json, anyhow and the `advisory` crate only. Register with
//! `Advisory { #[command(subcommand)] command: cli::advisory::Command }` and call
//! [`run`]. Exit codes: 0 all inputs valid, 1 some input invalid (details per input),
//! 2 usage error.

use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use advisory::{ExportOptions, Format, Problem};
use serde_json::{Value, json};

/// Advisory formats: convert between OSV, CVE JSON 5 and CSAF 2.0; validate documents.
#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Convert an advisory (FILE, or standard input) to another format; JSON on stdout.
    Convert(ConvertArgs),
    /// Check documents against the official schema plus semantic rules (ordered version
    /// ranges, well-formed ids, valid CVSS vectors, CSAF mandatory tests).
    Validate(ValidateArgs),
    /// Store OSV/GHSA and CVE JSON 5 records (files, or directories of `*.json`) as a
    /// project's advisories; re-importing an id updates it.
    Import(super::advisory_import::ImportArgs),
}

/// Formats that can be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum InputFormat {
    /// OSV (also GitHub's GHSA records).
    Osv,
    /// CVE JSON 5 record.
    Cve5,
}

/// Formats that can be written or validated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputFormat {
    Osv,
    /// CVE JSON 5.1 full record (see --cna-container for the CNA container alone).
    Cve5,
    /// CSAF 2.0 security advisory.
    Csaf,
}

impl From<InputFormat> for Format {
    fn from(f: InputFormat) -> Self {
        match f {
            InputFormat::Osv => Self::Osv,
            InputFormat::Cve5 => Self::Cve5,
        }
    }
}

impl From<OutputFormat> for Format {
    fn from(f: OutputFormat) -> Self {
        match f {
            OutputFormat::Osv => Self::Osv,
            OutputFormat::Cve5 => Self::Cve5,
            OutputFormat::Csaf => Self::Csaf,
        }
    }
}

#[derive(Debug, clap::Args)]
pub struct ConvertArgs {
    /// Format of the input.
    #[arg(long, value_enum)]
    pub from: InputFormat,
    /// Format to write.
    #[arg(long, value_enum)]
    pub to: OutputFormat,
    /// Input file; standard input when absent.
    pub file: Option<PathBuf>,
    /// With --to cve5: write only the CNA container (what a CNA submits to CVE Services).
    #[arg(long)]
    pub cna_container: bool,
    /// CVE: the CNA's organisation UUID, used when the advisory has no assigner.
    #[arg(long, value_name = "UUID")]
    pub cna_org_id: Option<String>,
    /// CVE: the CNA's short name.
    #[arg(long, value_name = "NAME")]
    pub cna_short_name: Option<String>,
    /// CSAF: publisher name.
    #[arg(long, value_name = "NAME")]
    pub publisher_name: Option<String>,
    /// CSAF: publisher namespace (a URL the publisher controls).
    #[arg(long, value_name = "URL")]
    pub publisher_namespace: Option<String>,
    /// CSAF: publisher category.
    #[arg(long, value_name = "CATEGORY", value_parser = ["coordinator", "discoverer", "other", "translator", "user", "vendor"])]
    pub publisher_category: Option<String>,
    /// CSAF: the https URL the document will be served at (its `self` reference).
    #[arg(long, value_name = "URL")]
    pub csaf_url: Option<String>,
}

#[derive(Debug, clap::Args)]
pub struct ValidateArgs {
    /// Format of the documents.
    #[arg(long, value_enum)]
    pub format: OutputFormat,
    /// With --format cve5: the files are CNA containers, not full records.
    #[arg(long)]
    pub cna_container: bool,
    /// Print one JSON object per input, one per line.
    #[arg(long)]
    pub json: bool,
    /// Documents to check.
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
}

/// Runs an `embargo advisory …` subcommand.
pub fn run(
    command: Command,
    stdin: &mut dyn BufRead,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> ExitCode {
    let result = match command {
        Command::Convert(args) => convert(&args, stdin, stdout, stderr),
        Command::Validate(args) => validate(&args, stdout),
        Command::Import(_) => Err(anyhow::anyhow!(
            "advisory import needs the database: run it through `embargo advisory import`"
        )),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            let _ = writeln!(stderr, "error: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn read_json(text: &str) -> Result<Value, Problem> {
    serde_json::from_str(text).map_err(|e| Problem {
        path: "$".to_owned(),
        message: format!("not JSON: {e}"),
    })
}

fn convert(
    args: &ConvertArgs,
    stdin: &mut dyn BufRead,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> anyhow::Result<ExitCode> {
    if args.cna_container && args.to != OutputFormat::Cve5 {
        anyhow::bail!("--cna-container needs --to cve5");
    }
    let (name, text) = match &args.file {
        Some(path) => (
            path.display().to_string(),
            std::fs::read_to_string(path)
                .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", path.display()))?,
        ),
        None => {
            let mut s = String::new();
            stdin
                .read_to_string(&mut s)
                .map_err(|e| anyhow::anyhow!("cannot read standard input: {e}"))?;
            ("<stdin>".to_owned(), s)
        }
    };
    let report = |stderr: &mut dyn Write, problems: &[Problem]| -> anyhow::Result<ExitCode> {
        for p in problems {
            writeln!(stderr, "{name}: {p}")?;
        }
        Ok(ExitCode::from(1))
    };
    let doc = match read_json(&text) {
        Ok(d) => d,
        Err(p) => return report(stderr, &[p]),
    };
    let model = match advisory::import(args.from.into(), &doc) {
        Ok(m) => m,
        Err(e) => {
            return report(
                stderr,
                &[Problem {
                    path: e.path,
                    message: e.message,
                }],
            );
        }
    };
    let mut opts = ExportOptions::default();
    if let Some(org) = &args.cna_org_id {
        opts.cve_org_id.clone_from(org);
    }
    if args.cna_short_name.is_some() {
        opts.cve_short_name.clone_from(&args.cna_short_name);
    }
    if let Some(n) = &args.publisher_name {
        opts.publisher.name.clone_from(n);
    }
    if let Some(n) = &args.publisher_namespace {
        opts.publisher.namespace.clone_from(n);
    }
    if let Some(c) = &args.publisher_category {
        opts.publisher.category.clone_from(c);
    }
    opts.csaf_self_url.clone_from(&args.csaf_url);
    let exported = if args.cna_container {
        advisory::cve::to_cve_cna(&model, &opts)
    } else {
        advisory::export(&model, args.to.into(), &opts)
    };
    let out = match exported {
        Ok(v) => v,
        Err(e) => {
            return report(
                stderr,
                &[Problem {
                    path: "$".to_owned(),
                    message: format!("cannot write {:?}: {e}", args.to),
                }],
            );
        }
    };
    // Never hand out a document that fails its own schema.
    let problems = if args.cna_container {
        advisory::validate_cve_cna(&out)
    } else {
        advisory::validate(args.to.into(), &out)
    };
    if !problems.is_empty() {
        return report(stderr, &problems);
    }
    serde_json::to_writer_pretty(&mut *stdout, &out)?;
    writeln!(stdout)?;
    Ok(ExitCode::SUCCESS)
}

fn check_file(path: &Path, format: Format, cna_container: bool) -> Vec<Problem> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) => {
            return vec![Problem {
                path: "$".to_owned(),
                message: format!("cannot read the file: {e}"),
            }];
        }
    };
    match read_json(&text) {
        Ok(doc) if cna_container => advisory::validate_cve_cna(&doc),
        Ok(doc) => advisory::validate(format, &doc),
        Err(p) => vec![p],
    }
}

fn validate(args: &ValidateArgs, stdout: &mut dyn Write) -> anyhow::Result<ExitCode> {
    if args.cna_container && args.format != OutputFormat::Cve5 {
        anyhow::bail!("--cna-container needs --format cve5");
    }
    let mut all_valid = true;
    for path in &args.files {
        let problems = check_file(path, args.format.into(), args.cna_container);
        all_valid &= problems.is_empty();
        let name = path.display().to_string();
        if args.json {
            let line = json!({"file": name, "valid": problems.is_empty(), "problems": problems});
            writeln!(stdout, "{line}")?;
        } else if problems.is_empty() {
            writeln!(stdout, "{name}: valid")?;
        } else {
            for p in &problems {
                writeln!(stdout, "{name}: {p}")?;
            }
        }
    }
    Ok(if all_valid {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn data(rel: &str) -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../advisory/tests/data")
            .join(rel)
    }

    fn run_cmd(command: Command, input: &str) -> (ExitCode, String, String) {
        let mut stdin = std::io::Cursor::new(input.as_bytes().to_vec());
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let code = run(command, &mut stdin, &mut out, &mut err);
        (
            code,
            String::from_utf8_lossy(&out).into_owned(),
            String::from_utf8_lossy(&err).into_owned(),
        )
    }

    fn convert_args(from: InputFormat, to: OutputFormat, file: Option<PathBuf>) -> ConvertArgs {
        ConvertArgs {
            from,
            to,
            file,
            cna_container: false,
            cna_org_id: None,
            cna_short_name: None,
            publisher_name: None,
            publisher_namespace: None,
            publisher_category: None,
            csaf_url: None,
        }
    }

    #[test]
    fn convert_osv_file_to_csaf_prints_a_valid_document() {
        let args = convert_args(
            InputFormat::Osv,
            OutputFormat::Csaf,
            Some(data("osv/GHSA-j8r2-6x86-q33q.json")),
        );
        let (code, out, err) = run_cmd(Command::Convert(args), "");
        assert_eq!(code, ExitCode::SUCCESS, "{err}");
        let doc: Value = serde_json::from_str(&out).expect("JSON on stdout");
        assert_eq!(doc["vulnerabilities"][0]["cve"], "CVE-2023-32681");
        assert!(advisory::validate(Format::Csaf, &doc).is_empty());
    }

    #[test]
    fn convert_reads_standard_input_and_names_the_path_of_an_import_error() {
        let text = std::fs::read_to_string(data("cve/CVE-2023-32681.json")).expect("test data");
        let args = convert_args(InputFormat::Cve5, OutputFormat::Osv, None);
        let (code, out, _) = run_cmd(Command::Convert(args), &text);
        assert_eq!(code, ExitCode::SUCCESS);
        let doc: Value = serde_json::from_str(&out).expect("JSON on stdout");
        assert_eq!(doc["id"], "CVE-2023-32681");

        let args = convert_args(InputFormat::Osv, OutputFormat::Cve5, None);
        let (code, out, err) = run_cmd(Command::Convert(args), r#"{"id": "x_1"}"#);
        assert_eq!(code, ExitCode::from(1));
        assert!(out.is_empty());
        assert!(err.contains("$.modified"), "{err}");
    }

    #[test]
    fn validate_reports_each_problem_with_its_path_and_exits_1() {
        let args = ValidateArgs {
            format: OutputFormat::Osv,
            cna_container: false,
            json: true,
            files: vec![
                data("osv/GHSA-j8r2-6x86-q33q.json"),
                data("osv/GHSA-4374-p667-p6c8.json"),
            ],
        };
        let (code, out, _) = run_cmd(Command::Validate(args), "");
        assert_eq!(code, ExitCode::from(1));
        let lines: Vec<Value> = out
            .lines()
            .map(|l| serde_json::from_str(l).expect("one JSON object per line"))
            .collect();
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0]["valid"], true);
        assert_eq!(lines[1]["valid"], false);
        assert_eq!(lines[1]["problems"][0]["path"], "$.references[38].url");
    }

    #[test]
    fn mismatched_options_are_usage_errors() {
        let mut args = convert_args(InputFormat::Osv, OutputFormat::Csaf, None);
        args.cna_container = true;
        let (code, _, err) = run_cmd(Command::Convert(args), "{}");
        assert_eq!(code, ExitCode::from(2));
        assert!(err.contains("--cna-container"));
    }
}
