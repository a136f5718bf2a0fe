//! Real curl sources for the grounded checks: the libcurl sources shipped inside the
//! `curl-sys` crate, fetched with `cargo fetch` on first use into the test target directory
//! (nothing large is committed). Reading files is fine here: only the crate must be pure.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use triage::{SourceIndex, SourceIndexBuilder, is_indexable_path};

/// `curl-sys` versions and the curl release each bundles: the oldest the registry has with
/// sources, three in between, and the newest (our "default branch").
pub const CURL_SYS: &[(&str, &str)] = &[
    ("0.4.29+curl-7.68.0", "curl 7.68.0"),
    ("0.4.66+curl-8.3.0", "curl 8.3.0"),
    ("0.4.78+curl-8.11.0", "curl 8.11.0"),
    ("0.4.82+curl-8.14.1", "curl 8.14.1"),
    ("0.4.91+curl-8.22.0", "curl 8.22.0"),
];

fn tmp() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("triage-fixtures")
}

fn cargo_home() -> PathBuf {
    if let Some(h) = std::env::var_os("CARGO_HOME") {
        return PathBuf::from(h);
    }
    let home = std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_default();
    home.join(".cargo")
}

/// The unpacked `curl/` directory of one `curl-sys` version, fetched if needed.
pub fn curl_dir(version: &str) -> PathBuf {
    let root = tmp();
    let dir = root.join(format!("curl-sys-{version}"));
    let curl = dir.join("curl");
    if curl.join("lib").is_dir() {
        return curl;
    }
    let scratch = root.join(format!("scratch-{version}"));
    std::fs::create_dir_all(scratch.join("src")).expect("create the scratch project");
    std::fs::write(scratch.join("src/main.rs"), "fn main() {}\n").expect("write main.rs");
    std::fs::write(
        scratch.join("Cargo.toml"),
        format!(
            "[package]\nname = \"triage-fixture\"\nversion = \"0.0.0\"\nedition = \"2021\"\npublish = false\n\n[dependencies]\ncurl-sys = {{ version = \"={}\", default-features = false }}\n\n[workspace]\n",
            version.split('+').next().unwrap_or(version)
        ),
    )
    .expect("write Cargo.toml");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.arg("fetch").current_dir(&scratch);
    if std::env::consts::OS == "linux" {
        cmd.arg("--target")
            .arg(format!("{}-unknown-linux-gnu", std::env::consts::ARCH));
    }
    let status = cmd.status().expect("run cargo fetch");
    assert!(status.success(), "cargo fetch of curl-sys {version} failed");
    let cache = cargo_home().join("registry").join("cache");
    let name = format!("curl-sys-{version}.crate");
    let krate = std::fs::read_dir(&cache)
        .expect("read the registry cache")
        .filter_map(Result::ok)
        .map(|e| e.path().join(&name))
        .find(|p| p.is_file())
        .unwrap_or_else(|| panic!("{name} not found under {}", cache.display()));
    let status = Command::new("tar")
        .arg("xzf")
        .arg(&krate)
        .arg("-C")
        .arg(&root)
        .status()
        .expect("run tar");
    assert!(status.success(), "unpacking {name} failed");
    assert!(
        curl.join("lib").is_dir(),
        "{} has no curl/lib",
        dir.display()
    );
    curl
}

/// Reads a tree into `(relative path, contents)` pairs, as the CLI and the server do.
pub fn read_tree(root: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for e in entries.filter_map(Result::ok) {
            let p = e.path();
            let Ok(rel) = p.strip_prefix(root) else {
                continue;
            };
            let rel = rel.to_string_lossy().replace('\\', "/");
            if !is_indexable_path(&rel) {
                continue;
            }
            if p.is_dir() {
                stack.push(p);
            } else if let Ok(bytes) = std::fs::read(&p) {
                out.push((rel, bytes));
            }
        }
    }
    out.sort();
    out
}

pub fn build_index(label: &str, files: &[(String, Vec<u8>)]) -> SourceIndex {
    let mut b = SourceIndexBuilder::new(label);
    for (path, bytes) in files {
        b.add_file(path, bytes);
    }
    b.finish()
}

/// Indexes of every fixture version, built once per test run.
pub fn curl_indexes() -> &'static [SourceIndex] {
    static INDEXES: OnceLock<Vec<SourceIndex>> = OnceLock::new();
    INDEXES.get_or_init(|| {
        CURL_SYS
            .iter()
            .map(|(v, label)| build_index(label, &read_tree(&curl_dir(v))))
            .collect()
    })
}
