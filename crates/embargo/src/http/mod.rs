//! The HTTP adapter: every route is listed in [`router`]; handlers parse requests, call a
//! service and render a template or JSON. Only this module names axum.

pub mod account;
pub mod advisories;
pub mod api;
pub mod audit;
pub mod auth;
pub mod collaborators;
pub mod csrf;
pub mod dashboard;
pub mod deadlines;
pub mod error;
pub mod extract;
pub mod filters;
pub mod inbox;
pub mod intake;
pub mod junk;
pub mod limits;
pub mod mail_log;
pub mod members;
pub mod openapi;
pub mod outcomes;
pub mod public;
pub mod router;
pub mod sources;
pub mod templates;
pub mod webhooks;

pub use crate::present::{age, human_time};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages_are_coarse() {
        let t0 = jiff::Timestamp::from_second(1_000_000).expect("valid");
        let at = |s: i64| jiff::Timestamp::from_second(1_000_000 + s).expect("valid");
        assert_eq!(age(t0, at(59)), "0 minutes");
        assert_eq!(age(t0, at(61)), "1 minute");
        assert_eq!(age(t0, at(3 * 3600)), "3 hours");
        assert_eq!(age(t0, at(3 * 86_400 + 5)), "3 days");
        assert_eq!(human_time(t0), "1970-01-12 13:46 UTC");
    }
}
