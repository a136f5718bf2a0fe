//! 10,000 OSV records → CSAF 2.0, single-threaded, with schema (and semantic) validation of
//! every CSAF document. Target (issue 7): under 5 seconds.
//!
//! Run: `cargo bench -p advisory --bench convert`. The records cycle through the real GHSA
//! files in `tests/data/osv/`; each is parsed from text, imported, exported and validated.

use std::time::{Duration, Instant};

use advisory::{ExportOptions, Format};

const RECORDS: usize = 10_000;

fn main() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/osv");
    let mut texts: Vec<String> = std::fs::read_dir(&dir)
        .expect("tests/data/osv")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .map(|p| std::fs::read_to_string(p).expect("readable"))
        .collect();
    texts.sort();
    assert!(!texts.is_empty(), "no OSV records");
    let opts = ExportOptions::default();

    // Compile the validators outside the timed loop, as a long-running server would.
    let warm =
        advisory::osv::from_osv(&serde_json::from_str(&texts[0]).expect("JSON")).expect("import");
    let warm = advisory::csaf::to_csaf(&warm, &opts).expect("export");
    assert!(advisory::validate(Format::Csaf, &warm).is_empty());

    let (mut parse, mut import, mut export, mut validate) = (
        Duration::ZERO,
        Duration::ZERO,
        Duration::ZERO,
        Duration::ZERO,
    );
    let mut bytes = 0usize;
    let start = Instant::now();
    for i in 0..RECORDS {
        let text = &texts[i % texts.len()];
        let t0 = Instant::now();
        let doc: serde_json::Value = serde_json::from_str(text).expect("JSON");
        let t1 = Instant::now();
        let a = advisory::osv::from_osv(&doc).expect("import");
        let t2 = Instant::now();
        let csaf = advisory::csaf::to_csaf(&a, &opts).expect("export");
        let t3 = Instant::now();
        let problems = advisory::validate(Format::Csaf, &csaf);
        let t4 = Instant::now();
        assert!(problems.is_empty(), "{problems:?}");
        bytes += text.len();
        parse += t1 - t0;
        import += t2 - t1;
        export += t3 - t2;
        validate += t4 - t3;
    }
    let total = start.elapsed();
    println!(
        "{RECORDS} OSV records ({:.1} MB) → CSAF, validated: {:.3} s total ({:.1} µs/record; \
         parse {:.3} s, import {:.3} s, export {:.3} s, schema+semantic validation {:.3} s); target < 5 s: {}",
        bytes as f64 / 1e6,
        total.as_secs_f64(),
        total.as_secs_f64() * 1e6 / RECORDS as f64,
        parse.as_secs_f64(),
        import.as_secs_f64(),
        export.as_secs_f64(),
        validate.as_secs_f64(),
        if total.as_secs_f64() < 5.0 {
            "met"
        } else {
            "MISSED"
        }
    );
}
