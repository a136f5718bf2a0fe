//! Conformance tests against the reference data in `tests/data` (see its README).

mod alloc;
mod data;
mod errors;
mod files;
mod props;
mod render;
mod serde;
mod tables;
