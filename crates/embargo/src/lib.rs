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
}
