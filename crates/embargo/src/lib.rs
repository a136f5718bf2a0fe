//! The `embargo` binary: configuration, the HTTP server, services, background jobs and the
//! command line. Pure domain logic lives in the `domain` crate and its siblings; this crate
//! wires it to the network and the database.
//!
//! - [`services`]: one function per use case, shared by the web UI, the API and the CLI.
//! - [`http`]: axum handlers, templates, authentication and security headers.
//! - [`jobs`]: the background worker delivering the outbox and running scheduled advisory
//!   publications.
//! - [`mail_in`]: the SMTP/LMTP listener for inbound mail.
//! - [`cli`]: the `embargo` subcommands.

pub mod app;
pub mod cli;
pub mod config;
pub mod demo;
pub mod fetch;
pub mod git;
pub mod http;
pub mod jobs;
pub mod limits;
pub mod mail_in;
pub mod present;
pub mod services;
pub mod source_index;
pub mod tokens;

pub use app::{AppState, Application};

/// The layering rules of `docs/ARCHITECTURE.md`, checked on the source: services, jobs and
/// the mail listener never call up into `http` or `cli`, and only `http` (and `app`, which
/// builds the router) names `axum`; no file of this crate names `sqlx`.
#[cfg(test)]
mod layering {
    use std::path::{Path, PathBuf};

    fn rust_files(dir: &Path) -> Vec<PathBuf> {
        let mut files = Vec::new();
        let mut stack = vec![dir.to_path_buf()];
        while let Some(d) = stack.pop() {
            for entry in std::fs::read_dir(&d).expect("read source directory") {
                let path = entry.expect("directory entry").path();
                if path.is_dir() {
                    stack.push(path);
                } else if path.extension().is_some_and(|e| e == "rs") {
                    files.push(path);
                }
            }
        }
        files.sort();
        files
    }

    fn offenders(under: &str, needles: &[&str]) -> Vec<String> {
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let root = src.join(under);
        let files = if root.is_dir() {
            rust_files(&root)
        } else {
            vec![root]
        };
        assert!(!files.is_empty(), "no sources under {under}");
        let mut found = Vec::new();
        for file in files {
            let text = std::fs::read_to_string(&file).expect("read source file");
            for (n, line) in text.lines().enumerate() {
                if needles.iter().any(|needle| line.contains(needle)) {
                    let rel = file.strip_prefix(&src).unwrap_or(&file).display();
                    found.push(format!("{rel}:{}: {}", n + 1, line.trim()));
                }
            }
        }
        found
    }

    #[test]
    fn services_jobs_and_mail_in_never_call_up_into_http_or_cli() {
        let up = ["crate::http", "crate::cli", "super::http", "super::cli"];
        for layer in [
            "services",
            "jobs",
            "mail_in.rs",
            "present.rs",
            "source_index.rs",
        ] {
            let found = offenders(layer, &up);
            assert!(found.is_empty(), "{layer} calls up:\n{}", found.join("\n"));
        }
    }

    #[test]
    fn http_handlers_call_services_not_the_database() {
        // A repository call is `store::<module>::…`; types (`store::Email`) may pass.
        let found: Vec<String> = offenders("http", &["store::", ".db."])
            .into_iter()
            .filter(|line| {
                line.contains(".db.")
                    || line.split("store::").skip(1).any(|rest| {
                        rest.starts_with(|c: char| c.is_ascii_lowercase())
                            && rest
                                .split(|c: char| !c.is_ascii_alphanumeric() && c != '_')
                                .nth(1)
                                .is_some()
                            && rest.contains("::")
                    })
            })
            .collect();
        assert!(
            found.is_empty(),
            "http reaches the database:\n{}",
            found.join("\n")
        );
    }

    #[test]
    fn only_http_and_the_composition_root_name_axum_and_nothing_names_sqlx() {
        for layer in [
            "services",
            "jobs",
            "cli",
            "mail_in.rs",
            "config.rs",
            "demo.rs",
        ] {
            let found = offenders(layer, &["axum::", "use axum"]);
            assert!(
                found.is_empty(),
                "{layer} names axum:\n{}",
                found.join("\n")
            );
        }
        // Spelled in two halves so this line does not find itself.
        let sqlx = [concat!("sql", "x::"), concat!("use sql", "x")];
        let found = offenders(".", &sqlx);
        assert!(
            found.is_empty(),
            "sqlx outside the store crate:\n{}",
            found.join("\n")
        );
    }

    /// Longest Rust source file in any crate's `src`.
    const MAX_FILE_LINES: usize = 1000;
    /// Most `fn` items one trait may declare.
    const MAX_TRAIT_FNS: usize = 40;

    /// The name of the trait a line declares (`pub trait X {`, `trait X: Y`), if it does.
    fn trait_name(line: &str) -> Option<&str> {
        let mut rest = line.trim_start();
        for prefix in ["pub(crate) ", "pub(super) ", "pub ", "unsafe "] {
            rest = rest.strip_prefix(prefix).unwrap_or(rest);
        }
        let rest = rest.strip_prefix("trait ")?;
        let end = rest
            .find(|c: char| !(c.is_alphanumeric() || c == '_'))
            .unwrap_or(rest.len());
        (end > 0).then(|| &rest[..end])
    }

    /// Whether a line inside a trait starts a `fn` item.
    fn is_fn_item(line: &str) -> bool {
        let mut rest = line.trim_start();
        for prefix in ["async ", "unsafe ", "const "] {
            rest = rest.strip_prefix(prefix).unwrap_or(rest);
        }
        rest.starts_with("fn ")
    }

    /// Traits in `text` with more than [`MAX_TRAIT_FNS`] `fn` items, as `(line, name,
    /// count)`. Line-based: from `trait X … {` to the `}` at the declaration's indentation.
    fn large_traits(text: &str) -> Vec<(usize, String, usize)> {
        let lines: Vec<&str> = text.lines().collect();
        let mut found = Vec::new();
        let mut i = 0;
        while i < lines.len() {
            let Some(name) = trait_name(lines[i]) else {
                i += 1;
                continue;
            };
            let indent = &lines[i][..lines[i].len() - lines[i].trim_start().len()];
            let close = format!("{indent}}}");
            // The body opens on the declaration line or after its bounds and where clause.
            let Some(open) = (i..lines.len()).find(|&j| {
                let l = lines[j].trim_end();
                l.ends_with('{') || l.ends_with("{}") || l.ends_with(';')
            }) else {
                break;
            };
            if !lines[open].trim_end().ends_with('{') {
                i = open + 1;
                continue;
            }
            let end = (open + 1..lines.len())
                .find(|&j| lines[j].trim_end() == close)
                .unwrap_or(lines.len());
            let fns = lines[open + 1..end]
                .iter()
                .filter(|l| is_fn_item(l))
                .count();
            if fns > MAX_TRAIT_FNS {
                found.push((i + 1, name.to_owned(), fns));
            }
            i = end;
        }
        found
    }

    #[test]
    fn no_source_file_is_over_1000_lines_and_no_trait_over_40_fns() {
        let crates = Path::new(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .expect("the crates directory");
        let mut dirs: Vec<PathBuf> = std::fs::read_dir(crates)
            .expect("read the crates directory")
            .map(|e| e.expect("directory entry").path().join("src"))
            .filter(|src| src.is_dir())
            .collect();
        dirs.sort();
        assert!(dirs.len() > 1, "no crates found under {}", crates.display());
        let mut found = Vec::new();
        for file in dirs.iter().flat_map(|d| rust_files(d)) {
            let text = std::fs::read_to_string(&file).expect("read source file");
            let rel = file.strip_prefix(crates).unwrap_or(&file).display();
            let lines = text.lines().count();
            if lines > MAX_FILE_LINES {
                found.push(format!("{rel}: {lines} lines (at most {MAX_FILE_LINES})"));
            }
            for (line, name, fns) in large_traits(&text) {
                found.push(format!(
                    "{rel}:{line}: trait {name} declares {fns} fns (at most {MAX_TRAIT_FNS})"
                ));
            }
        }
        assert!(
            found.is_empty(),
            "split these by responsibility:\n{}",
            found.join("\n")
        );
    }

    #[test]
    fn the_trait_scan_counts_fn_items_up_to_the_closing_brace() {
        let fns: String = (0..41).map(|n| format!("    fn f{n}(&self);\n")).collect();
        let big = format!("pub trait Big: Send\nwhere\n    Self: Sync,\n{{\n{fns}}}\n");
        assert_eq!(large_traits(&big), vec![(1, "Big".to_owned(), 41)]);
        let forty: String = (0..40).map(|n| format!("    fn f{n}(&self);\n")).collect();
        let small = format!("trait Small {{\n{forty}}}\nfn after() {{}}\n");
        assert!(large_traits(&small).is_empty());
        let nested = format!("mod m {{\n    pub trait Inner {{\n{fns}    }}\n}}\n");
        assert_eq!(large_traits(&nested), vec![(2, "Inner".to_owned(), 41)]);
        assert!(large_traits("trait Marker {}\nimpl Marker for () {}\n").is_empty());
    }
}
