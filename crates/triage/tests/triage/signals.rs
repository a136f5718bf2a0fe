//! Signals on small reports.
