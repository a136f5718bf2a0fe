//! `embargo cvss [--json] [--explain] [--diff] [--v4-any-order] [VECTOR …]`
//!
//! Scores CVSS 2.0, 3.0, 3.1 and 4.0 vectors with the `cvss` crate. Vectors come from the
//! arguments or, with none, one per line from standard input (empty lines are skipped;
//! nothing else is trimmed: the parser is strict). One output line per input, in order.
//!
//! `--json` prints one object per input: `{"vector", "version", "base", "temporal",
//! "environmental", "score", "severity", "nomenclature"}` (for v2/v3 the three group scores
//! are numbers and `nomenclature` is null; for v4 the group scores are null), or
//! `{"vector", "error"}` for an invalid input, the message naming the metric.
//!
//! Exit status: 0 every input valid, 1 some input invalid (or standard input unreadable),
//! 2 usage error.

use std::io::{BufRead, BufWriter, Write};
use std::process::ExitCode;

use cvss::{ParseOptions, Scores, Vector};

/// `embargo cvss`
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Print one JSON object per input, one per line.
    #[arg(long)]
    pub json: bool,
    /// Explain each score (v3 sub-scores; v4 MacroVector, EQ levels and interpolation).
    #[arg(long, conflicts_with = "json")]
    pub explain: bool,
    /// Compare exactly two vectors (before, after): changed metrics and scores.
    #[arg(long)]
    pub diff: bool,
    /// Accept CVSS v4.0 metrics in any order (default: FIRST's canonical order only).
    #[arg(long)]
    pub v4_any_order: bool,
    /// Vectors, e.g. CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H; none: read stdin.
    #[arg(value_name = "VECTOR")]
    pub vectors: Vec<String>,
}

/// Runs the subcommand.
pub fn run(
    args: Args,
    stdin: &mut dyn BufRead,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> ExitCode {
    let mut out = BufWriter::with_capacity(64 * 1024, stdout);
    let code = match run_inner(&args, stdin, &mut out, stderr) {
        Ok(code) => code,
        Err(e) => {
            let _ = writeln!(stderr, "embargo cvss: {e:#}");
            ExitCode::from(1)
        }
    };
    if let Err(e) = out.flush() {
        let _ = writeln!(stderr, "embargo cvss: writing output: {e}");
        return ExitCode::from(1);
    }
    code
}

fn run_inner(
    args: &Args,
    stdin: &mut dyn BufRead,
    out: &mut dyn Write,
    stderr: &mut dyn Write,
) -> anyhow::Result<ExitCode> {
    let options = ParseOptions {
        v4_any_order: args.v4_any_order,
    };
    if args.diff {
        return diff(args, options, out, stderr);
    }
    let mut any_invalid = false;
    let mut one = |input: &str, out: &mut dyn Write| -> anyhow::Result<()> {
        let parsed = Vector::parse_with(input, options);
        any_invalid |= parsed.is_err();
        write_result(out, input, &parsed, args)
    };
    if args.vectors.is_empty() {
        let mut line = String::new();
        loop {
            line.clear();
            if stdin.read_line(&mut line)? == 0 {
                break;
            }
            let input = line.strip_suffix('\n').unwrap_or(&line);
            let input = input.strip_suffix('\r').unwrap_or(input);
            if !input.is_empty() {
                one(input, out)?;
            }
        }
    } else {
        for input in &args.vectors {
            one(input, out)?;
        }
    }
    Ok(if any_invalid {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn write_result(
    out: &mut dyn Write,
    input: &str,
    parsed: &Result<Vector, cvss::ParseError>,
    args: &Args,
) -> anyhow::Result<()> {
    match (parsed, args.json) {
        (Ok(v), true) => write_json(out, input, &v.scores())?,
        (Err(e), true) => {
            out.write_all(b"{\"vector\":")?;
            serde_json::to_writer(&mut *out, input)?;
            out.write_all(b",\"error\":")?;
            serde_json::to_writer(&mut *out, &e.to_string())?;
            out.write_all(b"}\n")?;
        }
        (Ok(v), false) => {
            writeln!(out, "{input}\t{}", summary(&v.scores()))?;
            if args.explain {
                for l in v.explain().to_string().lines() {
                    writeln!(out, "  {l}")?;
                }
            }
        }
        (Err(e), false) => writeln!(out, "{input}\tinvalid: {e}")?,
    }
    Ok(())
}

/// `9.8 Critical (base 9.8, temporal 9.8, environmental 9.8)` or `9.3 Critical CVSS-B`.
fn summary(s: &Scores) -> String {
    let mut t = format!("{} {}", s.score, s.severity);
    if let Some(n) = s.nomenclature {
        t.push(' ');
        t.push_str(n.as_str());
    }
    if let (Some(b), Some(tm), Some(e)) = (s.base, s.temporal, s.environmental) {
        t.push_str(&format!(" (base {b}, temporal {tm}, environmental {e})"));
    }
    t
}

/// One JSON object; scores are written with exactly one decimal.
fn write_json(out: &mut dyn Write, input: &str, s: &Scores) -> anyhow::Result<()> {
    out.write_all(b"{\"vector\":")?;
    serde_json::to_writer(&mut *out, input)?;
    write!(out, ",\"version\":\"{}\"", s.version)?;
    for (name, x) in [
        ("base", s.base),
        ("temporal", s.temporal),
        ("environmental", s.environmental),
    ] {
        match x {
            Some(x) => write!(out, ",\"{name}\":{x}")?,
            None => write!(out, ",\"{name}\":null")?,
        }
    }
    write!(
        out,
        ",\"score\":{},\"severity\":\"{}\"",
        s.score, s.severity
    )?;
    match s.nomenclature {
        Some(n) => writeln!(out, ",\"nomenclature\":\"{}\"}}", n.as_str())?,
        None => writeln!(out, ",\"nomenclature\":null}}")?,
    }
    Ok(())
}

fn diff(
    args: &Args,
    options: ParseOptions,
    out: &mut dyn Write,
    stderr: &mut dyn Write,
) -> anyhow::Result<ExitCode> {
    let [before, after] = args.vectors.as_slice() else {
        writeln!(
            stderr,
            "embargo cvss --diff: expected exactly two vectors (before, after), got {}",
            args.vectors.len()
        )?;
        return Ok(ExitCode::from(2));
    };
    let parse = |s: &str| Vector::parse_with(s, options);
    let (a, b) = match (parse(before), parse(after)) {
        (Ok(a), Ok(b)) => (a, b),
        (a, b) => {
            for (input, r) in [(before, a), (after, b)] {
                if r.is_err() {
                    write_result(out, input, &r, args)?;
                }
            }
            return Ok(ExitCode::from(1));
        }
    };
    let d = cvss::diff(&a, &b);
    if args.json {
        out.write_all(b"{\"before\":")?;
        write_json_inline(out, before, &d.before_scores)?;
        out.write_all(b",\"after\":")?;
        write_json_inline(out, after, &d.after_scores)?;
        out.write_all(b",\"changes\":[")?;
        for (i, c) in d.changes().enumerate() {
            if i > 0 {
                out.write_all(b",")?;
            }
            serde_json::to_writer(
                &mut *out,
                &serde_json::json!({"metric": c.metric, "before": c.before, "after": c.after}),
            )?;
        }
        writeln!(
            out,
            "],\"score_change\":{}}}",
            tenths(d.score_change_tenths())
        )?;
    } else {
        write!(out, "{d}")?;
    }
    Ok(ExitCode::SUCCESS)
}

/// The same object as [`write_json`], without the newline.
fn write_json_inline(out: &mut dyn Write, input: &str, s: &Scores) -> anyhow::Result<()> {
    let mut buf = Vec::new();
    write_json(&mut buf, input, s)?;
    out.write_all(buf.strip_suffix(b"\n").unwrap_or(&buf))?;
    Ok(())
}

/// Signed tenths as a one-decimal number (`-0.7`).
fn tenths(t: i16) -> String {
    let sign = if t < 0 { "-" } else { "" };
    let a = t.unsigned_abs();
    format!("{sign}{}.{}", a / 10, a % 10)
}

#[cfg(test)]
mod tests {
    //! Expected scores come from `crates/cvss/tests/data/first_doc_examples.txt`.

    use super::*;
    use clap::Parser;

    #[derive(Debug, Parser)]
    struct Cli {
        #[command(flatten)]
        args: Args,
    }

    fn run_with(argv: &[&str], stdin: &str) -> (ExitCode, String, String) {
        let cli = Cli::try_parse_from(std::iter::once("cvss").chain(argv.iter().copied()))
            .expect("arguments");
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let code = run(cli.args, &mut stdin.as_bytes(), &mut out, &mut err);
        (
            code,
            String::from_utf8(out).expect("utf-8"),
            String::from_utf8(err).expect("utf-8"),
        )
    }

    #[test]
    fn json_one_object_per_input() {
        let (code, out, _) = run_with(
            &[
                "--json",
                "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
                "AV:N/AC:L/Au:N/C:N/I:N/A:C/E:F/RL:OF/RC:C",
                "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:A/VC:N/VI:N/VA:N/SC:L/SI:L/SA:N",
            ],
            "",
        );
        assert_eq!(code, ExitCode::SUCCESS);
        let lines: Vec<serde_json::Value> = out
            .lines()
            .map(|l| serde_json::from_str(l).expect("json"))
            .collect();
        assert_eq!(lines.len(), 3);
        assert_eq!(
            lines[0],
            serde_json::json!({"vector": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
                "version": "3.1", "base": 9.8, "temporal": 9.8, "environmental": 9.8,
                "score": 9.8, "severity": "Critical", "nomenclature": null})
        );
        assert_eq!(lines[1]["base"], 7.8);
        assert_eq!(lines[1]["temporal"], 6.4);
        assert_eq!(lines[1]["score"], 6.4);
        assert_eq!(lines[2]["score"], 5.1);
        assert_eq!(lines[2]["base"], serde_json::Value::Null);
        assert_eq!(lines[2]["nomenclature"], "CVSS-B");
    }

    #[test]
    fn stdin_and_invalid_input() {
        let stdin = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H\r\n\nCVSS:3.1/AV:Q/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H\n";
        let (code, out, _) = run_with(&["--json"], stdin);
        assert_eq!(code, ExitCode::from(1));
        let lines: Vec<serde_json::Value> = out
            .lines()
            .map(|l| serde_json::from_str(l).expect("json"))
            .collect();
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0]["score"], 9.8);
        assert_eq!(lines[1]["error"], "invalid value `Q` for metric AV");
        let (code, out, _) = run_with(&[], stdin);
        assert_eq!(code, ExitCode::from(1));
        assert!(out.starts_with("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H\t9.8 Critical"));
        assert!(out.contains("\tinvalid: invalid value `Q` for metric AV"));
    }

    #[test]
    fn diff_and_usage() {
        let (code, out, _) = run_with(
            &[
                "--diff",
                "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
                "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:N/SC:N/SI:N/SA:N",
            ],
            "",
        );
        assert_eq!(code, ExitCode::SUCCESS);
        assert!(
            out.starts_with("CVSS 4.0: 9.3 Critical -> 0.0 None (-9.3)\n"),
            "{out}"
        );
        let (code, _, err) = run_with(&["--diff", "AV:N/AC:L/Au:N/C:P/I:P/A:P"], "");
        assert_eq!(code, ExitCode::from(2));
        assert!(err.contains("exactly two vectors"));
    }
}
