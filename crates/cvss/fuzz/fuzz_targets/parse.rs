//! Any input: the parser must not panic; whatever it accepts must score within
//! 0.0..=10.0, render canonically and parse back to the same vector (strict and
//! lenient), and explain and diff without panicking.
#![no_main]

use cvss::{ParseOptions, Vector};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    for options in [ParseOptions::default(), ParseOptions { v4_any_order: true }] {
        match Vector::parse_with(s, options) {
            Ok(v) => {
                let scores = v.scores();
                assert!(scores.score.tenths() <= 100);
                let canonical = v.to_string();
                assert_eq!(Vector::parse(&canonical), Ok(v), "{s:?} -> {canonical:?}");
                let _ = v.explain().to_string();
                let _ = cvss::diff(&v, &v).to_string();
            }
            Err(e) => assert!(!e.to_string().is_empty()),
        }
    }
});
