//! Integration tests of the triage crate: the curl fixture, the grounded checks on real
//! curl sources, the signals on small reports, and the evaluation over the labelled corpus.

mod eval;
mod fixture;
mod grounded;
mod precision;
mod revisions;
mod signals;
