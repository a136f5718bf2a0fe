//! Embargo domain model.
