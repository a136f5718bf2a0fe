//! See `common/targets.rs` and README.md beside this directory.
#![no_main]
#![allow(dead_code)]

use std::sync::Once;

use libfuzzer_sys::fuzz_target;

include!("../common/targets.rs");

/// As in `parse.rs`: mail-parser's `debug_assert!`s are caught by `mail::parse`, so they
/// are let unwind to it; any other panic still aborts the run.
static QUIET_MAIL_PARSER_ASSERTIONS: Once = Once::new();

fn quiet_mail_parser_assertions() {
    QUIET_MAIL_PARSER_ASSERTIONS.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if info
                .location()
                .is_some_and(|l| l.file().contains("mail-parser"))
            {
                return;
            }
            previous(info);
        }));
    });
}

fuzz_target!(|data: &[u8]| {
    quiet_mail_parser_assertions();
    let _ = intake(data);
});
