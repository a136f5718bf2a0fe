//! Grounded checks against real curl sources.
