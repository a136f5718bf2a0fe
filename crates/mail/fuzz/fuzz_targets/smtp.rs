//! See `common/targets.rs` and README.md beside this directory.
#![no_main]
#![allow(dead_code)]

use libfuzzer_sys::fuzz_target;

include!("../common/targets.rs");

fuzz_target!(|data: &[u8]| {
    let _ = smtp_dialogue(data);
});
