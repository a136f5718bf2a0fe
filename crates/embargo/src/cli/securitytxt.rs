//! `embargo securitytxt lint [--json] [--now RFC3339] [--key FILE] FILE|URL …`
//!
//! Lints security.txt files (RFC 9116) with the stable codes of the `securitytxt` crate.
//! Inputs are files, `-` for stdin, or `https://` URLs. URLs need a fetcher (one HTTP GET
//! that does not follow redirects and caps the body): pass it to [`run_with_fetcher`];
//! [`run`] has none and reports URL inputs as not retrievable.
//!
//! Needs `securitytxt` with its `sign` feature (for `--key`).
//! Exit status: 0 every input valid, 1 some input invalid or unreadable, 2 usage error.

use std::io::{BufRead, Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use securitytxt::openpgp::KeyringVerifier;
use securitytxt::{
    Code, Finding, HttpResponse, LintOptions, Report, SignatureVerifier, Timestamp, lint,
    lint_retrieved, retrieve,
};

/// `embargo securitytxt …`
#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Lint security.txt files (RFC 9116) from files, stdin (`-`) or https:// URLs.
    Lint(LintArgs),
}

/// `embargo securitytxt lint`
#[derive(Debug, clap::Args)]
pub struct LintArgs {
    /// Print one JSON object per input, one per line.
    #[arg(long)]
    pub json: bool,
    /// Compare Expires with this instant (RFC 3339, e.g. 2026-11-22T00:00:00Z) instead of
    /// the current time.
    #[arg(long, value_name = "RFC3339")]
    pub now: Option<String>,
    /// OpenPGP public key(s) (armored or binary) to verify signed files with.
    #[arg(long, value_name = "FILE")]
    pub key: Option<PathBuf>,
    /// Files, `-` for stdin, or https:// URLs (a bare origin tries /.well-known/security.txt,
    /// then /security.txt).
    #[arg(required = true, value_name = "FILE|URL")]
    pub inputs: Vec<String>,
}

/// One HTTP GET of a URL: must not follow redirects, should read at most `max_size + 1`
/// body bytes, and returns status, `Location`, `Content-Type` and body.
pub type Fetcher<'a> = &'a mut dyn FnMut(&str) -> Result<HttpResponse, String>;

/// Runs the subcommand without URL support (files and stdin only).
pub fn run(
    command: Command,
    stdin: &mut dyn BufRead,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> ExitCode {
    run_with_fetcher(command, None, stdin, stdout, stderr)
}

/// Runs the subcommand; `fetcher` performs the HTTP requests for URL inputs.
pub fn run_with_fetcher(
    command: Command,
    fetcher: Option<Fetcher<'_>>,
    stdin: &mut dyn BufRead,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> ExitCode {
    match command {
        Command::Lint(args) => lint_inputs(args, fetcher, stdin, stdout, stderr),
    }
}

fn lint_inputs(
    args: LintArgs,
    mut fetcher: Option<Fetcher<'_>>,
    stdin: &mut dyn BufRead,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> ExitCode {
    let now = match &args.now {
        None => Timestamp::now(),
        Some(s) => match securitytxt::parse_expires(s) {
            Some(t) => t,
            None => {
                let _ = writeln!(
                    stderr,
                    "error: --now '{s}' is not an RFC 3339 date-time such as 2026-11-22T00:00:00Z"
                );
                return ExitCode::from(2);
            }
        },
    };
    let verifier = match &args.key {
        None => None,
        Some(path) => match std::fs::read(path)
            .map_err(|e| e.to_string())
            .and_then(|bytes| KeyringVerifier::from_bytes(&bytes).map_err(|e| e.to_string()))
        {
            Ok(v) => Some(v),
            Err(e) => {
                let _ = writeln!(stderr, "error: --key {}: {e}", path.display());
                return ExitCode::from(2);
            }
        },
    };
    let options = LintOptions {
        verifier: verifier.as_ref().map(|v| v as &dyn SignatureVerifier),
        ..LintOptions::at(now)
    };

    let mut all_valid = true;
    for input in &args.inputs {
        let report = if is_url(input) {
            match fetcher.as_mut() {
                Some(get) => {
                    let retrieved = retrieve(input, &mut **get);
                    lint_retrieved(&retrieved, &options)
                }
                None => unreadable(&options, "URL fetching is not available in this build"),
            }
        } else {
            match read_input(input, stdin, options.max_size) {
                Ok(bytes) => lint(&bytes, &options),
                Err(e) => unreadable(&options, &format!("cannot read '{input}': {e}")),
            }
        };
        all_valid &= report.is_valid();
        let written = if args.json {
            serde_json::to_string(&report.summary(input))
                .map_err(std::io::Error::other)
                .and_then(|line| writeln!(stdout, "{line}"))
        } else {
            write_text(stdout, input, &report)
        };
        if let Err(e) = written {
            let _ = writeln!(stderr, "error: writing output: {e}");
            return ExitCode::from(2);
        }
    }
    if all_valid {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

fn is_url(input: &str) -> bool {
    let lower = input.get(..8).unwrap_or(input).to_ascii_lowercase();
    lower.starts_with("https://") || lower.starts_with("http://")
}

/// Reads a file (or stdin for `-`), at most `max_size + 1` bytes so that the linter reports
/// oversized input without the whole of it being loaded.
fn read_input(input: &str, stdin: &mut dyn BufRead, max_size: usize) -> std::io::Result<Vec<u8>> {
    let limit = u64::try_from(max_size)
        .unwrap_or(u64::MAX)
        .saturating_add(1);
    let mut bytes = Vec::new();
    if input == "-" {
        stdin.take(limit).read_to_end(&mut bytes)?;
    } else {
        std::fs::File::open(input)?
            .take(limit)
            .read_to_end(&mut bytes)?;
    }
    Ok(bytes)
}

/// A report for an input that could not be read at all.
fn unreadable(options: &LintOptions<'_>, why: &str) -> Report {
    let mut report = lint(b"", options);
    report.findings = vec![Finding::new(Code::FetchFailed, None, why)];
    report
}

fn write_text(out: &mut dyn Write, source: &str, report: &Report) -> std::io::Result<()> {
    let verdict = if report.is_valid() {
        "valid"
    } else {
        "invalid"
    };
    let signature = match report.signature {
        Some(s) => format!(" (signed, signature {})", s.as_str()),
        None => String::new(),
    };
    writeln!(out, "{source}: {verdict}{signature}")?;
    for f in &report.findings {
        let line = f.line.map(|n| format!("line {n}: ")).unwrap_or_default();
        writeln!(
            out,
            "  {:<7} {} {line}{}",
            f.level().as_str(),
            f.code.id(),
            f.message()
        )?;
    }
    Ok(())
}
