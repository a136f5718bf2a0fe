//! Single-thread parse + score throughput of this crate on the reference vector
//! sets (plain `std::time`; run with `cargo bench -p cvss --bench throughput`).
//!
//! The side-by-side comparison with the RustSec `cvss` crate lives in the
//! standalone package `benches/peers/` (see its README), so that this crate's
//! package name stays unambiguous in the workspace.

use std::hint::black_box;
use std::time::{Duration, Instant};

fn data(name: &str) -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
}

/// The valid vectors of the given data files (the part before ` - `).
fn vectors(files: &[&str]) -> Vec<String> {
    let mut out = Vec::new();
    for f in files {
        for line in data(f).lines() {
            if let Some((v, expected)) = line.split_once(" - ")
                && expected.trim() != "INVALID"
            {
                out.push(v.to_owned());
            }
        }
    }
    out
}

/// Runs `f` over the whole set repeatedly for about `budget`; returns the best
/// pass in vectors per second.
fn measure(set: &[String], budget: Duration, mut f: impl FnMut(&str) -> u32) -> f64 {
    let start = Instant::now();
    let mut best = f64::MAX;
    let mut sink = 0u32;
    while start.elapsed() < budget {
        let t = Instant::now();
        for v in set {
            sink = sink.wrapping_add(f(black_box(v)));
        }
        best = best.min(t.elapsed().as_secs_f64());
    }
    black_box(sink);
    set.len() as f64 / best
}

fn score_tenths(v: &str) -> u32 {
    match cvss::Vector::parse(v) {
        Ok(v) => {
            let s = v.scores();
            u32::from(s.score.tenths())
                + s.base.map_or(0, |b| u32::from(b.tenths()))
                + s.environmental.map_or(0, |e| u32::from(e.tenths()))
        }
        Err(_) => 1000,
    }
}

fn parse_only(v: &str) -> u32 {
    u32::from(cvss::Vector::parse(v).is_ok())
}

fn main() {
    // `cargo test --benches` passes `--bench`-less flags; keep the run short then.
    let quick = std::env::args().all(|a| a != "--bench");
    let budget = Duration::from_millis(if quick { 50 } else { 2000 });
    let sets = [
        ("v2", vectors(&["gen_v2_random.txt", "vectors_simple2.txt"])),
        (
            "v3.0",
            vectors(&["gen_v30_random.txt", "vectors_simple3.txt"]),
        ),
        (
            "v3.1",
            vectors(&["gen_v31_random.txt", "vectors_simple31.txt"]),
        ),
        (
            "v4.0",
            vectors(&["gen_v4_random.txt", "first_v4_reference.txt"]),
        ),
        ("v4.0 base", vectors(&["gen_v4_base_all.txt"])),
    ];
    println!("single thread, best pass of repeated runs over each set");
    for (name, set) in &sets {
        let parse = measure(set, budget, parse_only);
        let full = measure(set, budget, score_tenths);
        println!(
            "{name:>10}: {:>6} vectors  parse {:>6.2} M/s  parse+score {:>6.2} M/s",
            set.len(),
            parse / 1e6,
            full / 1e6
        );
    }
}
