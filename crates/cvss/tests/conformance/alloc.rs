//! No heap allocation when parsing and scoring valid or invalid vectors
//! (`allocation-counter` replaces the global allocator of this test binary and
//! counts per thread).

use crate::data::{lines, parse_line};

#[test]
fn parse_and_score_do_not_allocate() {
    let mut inputs: Vec<String> = Vec::new();
    for f in [
        "gen_v2_random.txt",
        "gen_v30_random.txt",
        "gen_v31_random.txt",
        "gen_v4_random.txt",
        "first_v4_reference.txt",
    ] {
        inputs.extend(lines(f).iter().map(|l| parse_line(l).0.to_owned()));
    }
    // Warm up (fills the lookup tables, which live in statics, not on the heap).
    for s in &inputs {
        let _ = cvss::Vector::parse(s).map(|v| v.scores());
    }
    let mut valid = 0u32;
    let mut total = 0u64;
    let info = allocation_counter::measure(|| {
        for s in &inputs {
            match cvss::Vector::parse(s) {
                Ok(v) => {
                    valid += 1;
                    total += u64::from(v.scores().score.tenths());
                }
                Err(e) => total += u64::from(matches!(e, cvss::ParseError::Empty)),
            }
        }
    });
    assert!(valid > 50_000 && total > 0);
    assert_eq!(info.count_total, 0, "allocations while parsing and scoring");
    // The counter does see allocations (the test can fail).
    let info = allocation_counter::measure(|| {
        let v = cvss::Vector::parse(&inputs[0]).map(|v| v.to_string());
        assert!(v.is_ok());
    });
    assert!(info.count_total > 0);
}
