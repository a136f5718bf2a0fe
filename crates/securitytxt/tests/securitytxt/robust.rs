//! Deterministic mutation of the real corpus (bit flips, byte insertions, cuts, splices):
//! the linter never panics and keeps its invariants. The cargo-fuzz target in `fuzz/`
//! does the same with coverage guidance. `SECURITYTXT_MUTATION_ROUNDS` sets the count
//! (default 4,000).

use std::path::Path;

use securitytxt::{Level, LintOptions, lint, render};

use crate::pinned_now;

struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

const SPICE: &[&[u8]] = &[
    b"\r",
    b"\0",
    b"\xEF\xBB\xBF",
    b"\xC3",
    b"\xC2\x85",
    b"-----BEGIN PGP SIGNATURE-----\n",
    b"-----END PGP SIGNATURE-----\n",
    b"-----BEGIN PGP SIGNED MESSAGE-----\n",
    b"Expires: ",
    b"%",
    b"://",
    b"\n\n",
    b"- ",
    b":",
];

#[test]
fn mutated_corpus_never_panics() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/corpus");
    let mut files: Vec<Vec<u8>> = std::fs::read_dir(&dir)
        .map(|d| {
            d.filter_map(|e| e.ok())
                .map(|e| e.path())
                .collect::<Vec<_>>()
        })
        .unwrap_or_default()
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "txt"))
        .filter_map(|p| std::fs::read(p).ok())
        .collect();
    files.sort();
    assert_eq!(files.len(), 33);
    let now = pinned_now();
    let opts = LintOptions::at(now);
    let mut rng = XorShift(0x2545_F491_4F6C_DD1D);
    let rounds: usize = std::env::var("SECURITYTXT_MUTATION_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(4000);
    for round in 0..rounds {
        let mut data = files[round % files.len()].clone();
        for _ in 0..=rng.below(4) {
            match rng.below(5) {
                0 if !data.is_empty() => {
                    let i = rng.below(data.len());
                    data[i] ^= 1 << rng.below(8);
                }
                1 => {
                    let i = rng.below(data.len() + 1);
                    let spice = SPICE[rng.below(SPICE.len())];
                    data.splice(i..i, spice.iter().copied());
                }
                2 => data.truncate(rng.below(data.len() + 1)),
                3 => {
                    let other = &files[rng.below(files.len())];
                    let from = rng.below(other.len());
                    let i = rng.below(data.len() + 1);
                    data.splice(i..i, other[from..].iter().copied());
                }
                _ => {
                    let i = rng.below(data.len() + 1);
                    data.insert(i, rng.next() as u8);
                }
            }
        }
        let report = lint(&data, &opts);
        let errors = report.findings.iter().any(|f| f.level() == Level::Error);
        assert_eq!(report.is_valid(), !errors, "round {round}");
        for f in &report.findings {
            if let Some(line) = f.line {
                assert!(
                    line >= 1 && line <= report.document.line_count,
                    "round {round}: {f:?}"
                );
            }
            assert!(f.message().ends_with(')'), "round {round}: {f:?}");
        }
        let fields: Vec<(&str, &str)> = report
            .document
            .fields
            .iter()
            .map(|f| (f.name.as_str(), f.value.as_str()))
            .collect();
        if let Ok(text) = render(&fields, now) {
            let again = lint(text.as_bytes(), &opts);
            assert!(
                again.errors().all(|f| f.code.id() == "expired"),
                "round {round}: {text}"
            );
        }
    }
}
