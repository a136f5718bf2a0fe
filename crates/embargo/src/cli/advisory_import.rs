//! `embargo advisory import --project SLUG FILE|DIR…`: stores OSV/GHSA and CVE JSON 5
//! records as a project's advisories. Directories are read recursively (`*.json`), e.g. a
//! project's GHSA history; a record whose id is already stored updates it instead of making
//! a duplicate. A progress bar shows on standard error when it is a terminal; the summary
//! line goes to standard output. Exit 1 when any file was bad, each named with the JSON path
//! of its problem.

use crate::{
    AppState,
    config::Config,
    services::{
        ServiceError,
        advisories::{Imported, import_document},
        projects,
    },
};
use std::{
    io::IsTerminal,
    path::{Path, PathBuf},
    process::ExitCode,
};

/// Largest file read.
pub const MAX_FILE: u64 = 8 * 1024 * 1024;
/// Deepest directory nesting followed.
const MAX_DEPTH: usize = 16;

#[derive(Debug, clap::Args)]
pub struct ImportArgs {
    #[command(flatten)]
    pub db: super::DbArgs,
    /// The project the advisories belong to.
    #[arg(long)]
    pub project: String,
    /// Files, or directories searched for `*.json`.
    #[arg(required = true, value_name = "FILE|DIR")]
    pub paths: Vec<PathBuf>,
}

fn collect(path: &Path, depth: usize, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    if path.is_dir() {
        if depth >= MAX_DEPTH {
            return Ok(());
        }
        let mut entries: Vec<PathBuf> = std::fs::read_dir(path)?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .collect();
        entries.sort();
        for e in entries {
            if e.is_dir() || e.extension().is_some_and(|x| x == "json") {
                collect(&e, depth + 1, out)?;
            }
        }
    } else {
        out.push(path.to_owned());
    }
    Ok(())
}

fn read(path: &Path) -> Result<serde_json::Value, advisory::ImportError> {
    let at_root = |message: String| advisory::ImportError {
        path: "$".into(),
        message,
    };
    let meta = std::fs::metadata(path).map_err(|e| at_root(format!("cannot read: {e}")))?;
    if meta.len() > MAX_FILE {
        return Err(at_root(format!("larger than {MAX_FILE} bytes")));
    }
    let text = std::fs::read_to_string(path).map_err(|e| at_root(format!("cannot read: {e}")))?;
    serde_json::from_str(&text).map_err(|e| at_root(format!("not JSON: {e}")))
}

/// Runs the import; see the module documentation.
pub async fn run(args: ImportArgs, state: AppState) -> anyhow::Result<ExitCode> {
    let project = match projects::public(&state, &args.project).await {
        Ok(p) => p,
        Err(ServiceError::NotFound(_)) => {
            eprintln!("error: project: no project {:?}", args.project);
            return Ok(ExitCode::from(1));
        }
        Err(e) => return Err(anyhow::anyhow!("{e}")),
    };
    let mut files = Vec::new();
    for p in &args.paths {
        if !p.exists() {
            eprintln!("error: {}: no such file or directory", p.display());
            return Ok(ExitCode::from(2));
        }
        collect(p, 0, &mut files)?;
    }
    let bar = if std::io::stderr().is_terminal() {
        indicatif::ProgressBar::new(files.len() as u64)
    } else {
        indicatif::ProgressBar::hidden()
    };
    bar.set_style(
        indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} {wide_msg}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let (mut created, mut updated, mut bad) = (0usize, 0usize, Vec::new());
    for file in &files {
        bar.set_message(file.display().to_string());
        let result = match read(file) {
            Ok(doc) => import_document(&state, &project, &doc).await,
            Err(e) => Err(e),
        };
        match result {
            Ok(Imported::Created(_)) => created += 1,
            Ok(Imported::Updated(_)) => updated += 1,
            Err(e) => bad.push(format!("{}: {}: {}", file.display(), e.path, e.message)),
        }
        bar.inc(1);
    }
    bar.finish_and_clear();
    for line in &bad {
        eprintln!("error: {line}");
    }
    println!(
        "{} files: {created} advisories created, {updated} updated, {} invalid",
        files.len(),
        bad.len()
    );
    Ok(if bad.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// Loads the configuration and the state the import needs.
pub async fn main(args: ImportArgs) -> anyhow::Result<ExitCode> {
    let config = Config::load(&args.db.overrides(None))?;
    let state = super::offline_state(config).await?;
    run(args, state).await
}
