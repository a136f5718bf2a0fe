//! Single-thread parse + score throughput: this engine against the RustSec
//! `cvss` crate 3.0.0, on the same v3.1 and v4.0 vector sets, in one run.
//!
//! Both sides parse the vector and compute what the crate offers: for v3.1
//! ours computes base, temporal and environmental scores, RustSec's base and
//! environmental (it has no temporal score); for v4.0 both compute the score.

use std::hint::black_box;
use std::str::FromStr;
use std::time::{Duration, Instant};

fn vectors(files: &[&str]) -> Vec<String> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/data");
    let mut out = Vec::new();
    for f in files {
        let text =
            std::fs::read_to_string(dir.join(f)).unwrap_or_else(|e| panic!("reading {f}: {e}"));
        for line in text.lines() {
            if let Some((v, expected)) = line.split_once(" - ")
                && expected.trim() != "INVALID"
            {
                out.push(v.to_owned());
            }
        }
    }
    out
}

/// Best pass over the set within `budget`, in vectors per second.
fn measure(set: &[String], budget: Duration, mut f: impl FnMut(&str) -> u64) -> f64 {
    let start = Instant::now();
    let mut best = f64::MAX;
    let mut sink = 0u64;
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

fn ours(v: &str) -> u64 {
    match cvss::Vector::parse(v) {
        Ok(v) => {
            let s = v.scores();
            u64::from(s.score.tenths())
                + s.base.map_or(0, |b| u64::from(b.tenths()))
                + s.temporal.map_or(0, |b| u64::from(b.tenths()))
                + s.environmental.map_or(0, |b| u64::from(b.tenths()))
        }
        Err(_) => 1000,
    }
}

fn rustsec_v3(v: &str) -> u64 {
    match rustsec_cvss::v3::Vector::from_str(v) {
        Ok(v) => {
            (v.base_score().value() * 10.0) as u64 + (v.environmental_score().value() * 10.0) as u64
        }
        Err(_) => 1000,
    }
}

fn rustsec_v4(v: &str) -> u64 {
    match rustsec_cvss::v4::Vector::from_str(v) {
        Ok(v) => (v.score().value() * 10.0) as u64,
        Err(_) => 1000,
    }
}

/// The vectors of a data file that the reference marks INVALID.
fn invalid_vectors(file: &str) -> Vec<String> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/data");
    let text =
        std::fs::read_to_string(dir.join(file)).unwrap_or_else(|e| panic!("reading {file}: {e}"));
    text.lines()
        .filter_map(|l| l.split_once(" - "))
        .filter(|(_, e)| e.trim() == "INVALID")
        .map(|(v, _)| v.to_owned())
        .collect()
}

fn main() {
    let secs = std::env::var("BENCH_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(3.0);
    let budget = Duration::from_secs_f64(secs);
    let v31 = vectors(&["gen_v31_random.txt", "vectors_simple31.txt"]);
    let v4 = vectors(&["gen_v4_random.txt", "first_v4_reference.txt"]);
    let v4_base = vectors(&["gen_v4_base_all.txt"]);
    let rejected = |set: &[String], f: fn(&str) -> u64| set.iter().filter(|v| f(v) >= 1000).count();
    let invalid = invalid_vectors("first_v4_reference.txt");
    let accepted_ours = invalid
        .iter()
        .filter(|v| cvss::Vector::parse(v).is_ok())
        .count();
    let accepted_peer = invalid
        .iter()
        .filter(|v| rustsec_cvss::v4::Vector::from_str(v).is_ok())
        .count();
    println!(
        "FIRST v4 corpus, {} invalid vectors: accepted by embargo {accepted_ours}, by rustsec {accepted_peer}",
        invalid.len()
    );
    println!("single thread, parse + score, best pass of repeated runs ({secs} s per cell)");
    println!(
        "{:<28} {:>8} {:>12} {:>12} {:>7}",
        "set", "vectors", "embargo M/s", "rustsec M/s", "ratio"
    );
    let sets: [(&str, &[String], fn(&str) -> u64); 3] = [
        ("v3.1 (random + all base)", &v31, rustsec_v3),
        ("v4.0 (random + FIRST)", &v4, rustsec_v4),
        ("v4.0 (all base vectors)", &v4_base, rustsec_v4),
    ];
    for (name, set, peer) in sets {
        let a = measure(set, budget, ours);
        let b = measure(set, budget, peer);
        println!(
            "{name:<28} {:>8} {:>12.2} {:>12.2} {:>6.1}x",
            set.len(),
            a / 1e6,
            b / 1e6,
            a / b
        );
        let (ra, rb) = (rejected(set, ours), rejected(set, peer));
        if ra + rb > 0 {
            println!("  rejected: embargo {ra}, rustsec {rb}");
        }
    }
}
