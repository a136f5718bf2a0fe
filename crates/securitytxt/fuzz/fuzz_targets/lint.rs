//! Any bytes: the parser and linter return findings, never panic, and keep their invariants.
#![no_main]

use libfuzzer_sys::fuzz_target;
use securitytxt::{Level, LintOptions, Timestamp, lint};

fuzz_target!(|data: &[u8]| {
    let now = Timestamp::from_second(1_795_305_600).unwrap_or(Timestamp::UNIX_EPOCH);
    let report = lint(data, &LintOptions::at(now));
    let errors = report.findings.iter().any(|f| f.level() == Level::Error);
    assert_eq!(report.is_valid(), !errors);
    for f in &report.findings {
        if let Some(line) = f.line {
            assert!(line >= 1 && line <= report.document.line_count.max(1));
        }
    }
    // Rendering what was parsed back through the generator never panics either.
    let fields: Vec<(&str, &str)> = report
        .document
        .fields
        .iter()
        .map(|f| (f.name.as_str(), f.value.as_str()))
        .collect();
    if let Ok(text) = securitytxt::render(&fields, now) {
        assert!(
            lint(text.as_bytes(), &LintOptions::at(now))
                .document
                .fields
                .len()
                >= 2
        );
    }
});
