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
pub mod services;
pub mod tokens;

pub use app::{AppState, Application};
