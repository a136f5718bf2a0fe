//! Embargo storage.
