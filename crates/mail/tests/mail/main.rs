//! Integration tests of the mail crate: real-world-shaped messages in `tests/data`, the
//! limits, the HTML converter, attachment triage, OpenPGP detection, RFC 3834 decisions,
//! threading keys, filter rules, reply headers
//! and refusal texts, inputs built to be slow, and properties (no input panics).

mod attachments;
mod autoreply;
mod filters;
mod fuzz_targets;
mod hostile;
mod html;
mod limits;
mod messages;
mod outgoing;
mod pgp;
mod properties;
mod threading;

use std::path::PathBuf;

/// The bytes of `tests/data/<name>`.
pub fn load(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
}

/// `tests/data/<name>` parsed with the default limits.
pub fn parse_file(name: &str) -> mail::Parsed {
    mail::parse(&load(name), &mail::Limits::default())
}

/// Every `.eml` file in `tests/data`, by name.
pub fn all_messages() -> Vec<(String, Vec<u8>)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data");
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(&dir)
        .expect("tests/data")
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "eml"))
        .map(|p| {
            let name = p.file_name().expect("name").to_string_lossy().into_owned();
            let bytes = std::fs::read(&p).expect("read");
            (name, bytes)
        })
        .collect();
    files.sort();
    files
}
