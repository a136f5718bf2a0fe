//! Lint throughput over the real corpus (33 files), std-only timing.
//!
//! `cargo bench -p securitytxt --bench lint` prints files per second. With `SECTXT_PYTHON`
//! pointing to a Python that has `sectxt==0.9.8` (see `benches/compare.sh`), it also runs
//! `benches/sectxt_peer.py` on the same files and prints the ratio.

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use securitytxt::{LintOptions, lint};

fn corpus() -> Vec<Vec<u8>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/corpus");
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    paths.retain(|p| p.extension().is_some_and(|e| e == "txt"));
    paths.sort();
    paths.iter().filter_map(|p| std::fs::read(p).ok()).collect()
}

fn main() {
    let files = corpus();
    if files.is_empty() {
        eprintln!("no corpus files found");
        return;
    }
    let now = securitytxt::Timestamp::from_second(1_795_305_600)
        .unwrap_or(securitytxt::Timestamp::UNIX_EPOCH);
    let options = LintOptions::at(now);
    let valid = files
        .iter()
        .filter(|f| lint(f, &options).is_valid())
        .count();

    // Run short batches (~2 ms) for at least three seconds and report the best one, so that a
    // busy shared machine disturbs the figure as little as possible (the peer does the same).
    let mut best = f64::MAX;
    let mut rounds_done = 0u64;
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(3) || rounds_done < 10 {
        let t = Instant::now();
        let rounds = 20;
        for _ in 0..rounds {
            for f in &files {
                black_box(lint(black_box(f), &options));
            }
        }
        let per_file = t.elapsed().as_secs_f64() / (rounds * files.len()) as f64;
        best = best.min(per_file);
        rounds_done += 1;
    }
    let ours = 1.0 / best;
    let bytes: usize = files.iter().map(Vec::len).sum();
    println!(
        "securitytxt: files={} valid={valid} mean_size={}B  {:.0} files/s  ({:.2} µs/file, {:.1} MB/s)",
        files.len(),
        bytes / files.len(),
        ours,
        best * 1e6,
        ours * (bytes / files.len()) as f64 / 1e6
    );

    let Some(python) = std::env::var_os("SECTXT_PYTHON") else {
        println!("(set SECTXT_PYTHON, or run benches/compare.sh, to compare with sectxt 0.9.8)");
        return;
    };
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/sectxt_peer.py");
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/corpus");
    let out = std::process::Command::new(python)
        .arg(script)
        .arg(dir)
        .arg("150")
        .output();
    let Ok(out) = out else {
        eprintln!("could not run the sectxt peer");
        return;
    };
    let text = String::from_utf8_lossy(&out.stdout);
    print!("sectxt 0.9.8: {text}");
    let theirs = text
        .lines()
        .find_map(|l| l.strip_prefix("files_per_second="))
        .and_then(|v| v.trim().parse::<f64>().ok());
    match theirs {
        Some(t) if t > 0.0 => println!("ratio: {:.0}x sectxt's files per second", ours / t),
        _ => eprintln!(
            "sectxt peer failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ),
    }
}
