//! The `[limits]` section of the configuration: one rate per door and key, written as
//! `"N/period"` (`"10/hour"`: a burst of ten, refilled evenly over the hour) or `"off"`.

use ipnet::IpNet;
use serde::{Deserialize, Deserializer};
use std::{fmt, num::NonZeroU32, time::Duration};

/// How many requests a key may make: `burst` at once, refilled evenly over `period`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rate {
    pub burst: NonZeroU32,
    pub period: Duration,
}

impl Rate {
    /// Parses `N/second`, `N/minute`, `N/hour` or `N/day` (also `s`, `min`, `h`, `d`);
    /// `off` is `None`.
    pub fn parse(text: &str) -> Result<Option<Rate>, String> {
        let text = text.trim();
        if text.eq_ignore_ascii_case("off") {
            return Ok(None);
        }
        let (count, unit) = text
            .split_once('/')
            .ok_or_else(|| format!("'{text}' is not a rate like \"10/hour\" or \"off\""))?;
        let burst = count
            .trim()
            .parse::<u32>()
            .ok()
            .and_then(NonZeroU32::new)
            .ok_or_else(|| format!("'{count}' is not a whole number of requests from 1 up"))?;
        let period = match unit.trim().to_ascii_lowercase().as_str() {
            "s" | "sec" | "second" => Duration::from_secs(1),
            "min" | "minute" => Duration::from_secs(60),
            "h" | "hour" => Duration::from_secs(3600),
            "d" | "day" => Duration::from_secs(86_400),
            other => {
                return Err(format!(
                    "'{other}' is not a period: use second, minute, hour or day"
                ));
            }
        };
        Ok(Some(Rate { burst, period }))
    }

    const fn new(burst: u32, period_secs: u64) -> Option<Rate> {
        match NonZeroU32::new(burst) {
            Some(burst) => Some(Rate {
                burst,
                period: Duration::from_secs(period_secs),
            }),
            None => None,
        }
    }
}

impl fmt::Display for Rate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let unit = match self.period.as_secs() {
            1 => "second",
            60 => "minute",
            3600 => "hour",
            86_400 => "day",
            s => return write!(f, "{}/{s}s", self.burst),
        };
        write!(f, "{}/{unit}", self.burst)
    }
}

fn rate<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Rate>, D::Error> {
    let text = String::deserialize(d)?;
    Rate::parse(&text).map_err(serde::de::Error::custom)
}

fn networks<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<IpNet>, D::Error> {
    Vec::<String>::deserialize(d)?
        .iter()
        .map(|s| parse_network(s).map_err(serde::de::Error::custom))
        .collect()
}

/// An address (`10.0.0.1`, `::1`) or a network (`10.0.0.0/8`).
pub fn parse_network(text: &str) -> Result<IpNet, String> {
    let text = text.trim();
    text.parse::<IpNet>()
        .or_else(|_| text.parse::<std::net::IpAddr>().map(IpNet::from))
        .map_err(|_| format!("'{text}' is not an IP address or network like 10.0.0.0/8"))
}

/// Rate limits (`[limits]`). Every anonymous door has one; each is keyed as its name says
/// (per client IP, per reporter address, per project, per account). A request over any of
/// its limits is answered 429 with `Retry-After` (SMTP: 451 4.7.1) and does no other work.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LimitsConfig {
    /// All limits on or off; `EMBARGO_RATE_LIMITS=off` turns them off too (load tests).
    pub enabled: bool,
    /// Reverse proxies whose `X-Forwarded-For` is believed (addresses or networks). A
    /// request from anywhere else is keyed by its own address, whatever it claims.
    #[serde(deserialize_with = "networks")]
    pub trusted_proxies: Vec<IpNet>,
    /// New reports (web form and API) per client IP.
    #[serde(deserialize_with = "rate")]
    pub intake_per_ip: Option<Rate>,
    /// New reports per reporter e-mail address, on every channel (form, API, mail).
    #[serde(deserialize_with = "rate")]
    pub intake_per_reporter: Option<Rate>,
    /// New reports per project, on every channel: a ceiling for a flood from many hands.
    #[serde(deserialize_with = "rate")]
    pub intake_per_project: Option<Rate>,
    /// New reports by mail per connecting mail server (it relays for many reporters).
    #[serde(deserialize_with = "rate")]
    pub mail_per_ip: Option<Rate>,
    /// Tracking-link pages and posts (`/track/…`) per client IP.
    #[serde(deserialize_with = "rate")]
    pub tracking_per_ip: Option<Rate>,
    /// Sign-in attempts per client IP.
    #[serde(deserialize_with = "rate")]
    pub sign_in_per_ip: Option<Rate>,
    /// Sign-in attempts per account name.
    #[serde(deserialize_with = "rate")]
    pub sign_in_per_account: Option<Rate>,
    /// Failed sign-ins to one account before each further attempt waits, doubling from one
    /// second up to `sign_in_backoff_max_secs`; a success clears it.
    pub sign_in_failures_before_backoff: u32,
    pub sign_in_backoff_max_secs: u64,
    /// One-time links (first administrator's set-up, collaborator invitations) per client IP.
    #[serde(deserialize_with = "rate")]
    pub links_per_ip: Option<Rate>,
    /// API requests carrying a token (maintainer or tracking), per client IP.
    #[serde(deserialize_with = "rate")]
    pub api_per_ip: Option<Rate>,
    /// API requests per maintainer account (all its tokens together).
    #[serde(deserialize_with = "rate")]
    pub api_per_account: Option<Rate>,
    /// Most keys one limit remembers; beyond it, keys not seen before share one allowance
    /// (memory stays bounded whatever the number of addresses).
    pub max_keys: usize,
}

impl Default for LimitsConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            trusted_proxies: Vec::new(),
            intake_per_ip: Rate::new(10, 3600),
            intake_per_reporter: Rate::new(10, 3600),
            intake_per_project: Rate::new(300, 3600),
            mail_per_ip: Rate::new(60, 3600),
            tracking_per_ip: Rate::new(120, 60),
            sign_in_per_ip: Rate::new(30, 60),
            sign_in_per_account: Rate::new(10, 60),
            sign_in_failures_before_backoff: 5,
            sign_in_backoff_max_secs: 900,
            links_per_ip: Rate::new(20, 60),
            api_per_ip: Rate::new(600, 60),
            api_per_account: Rate::new(1200, 60),
            max_keys: 50_000,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_parse_with_their_units() {
        let hour = Rate::parse("10/hour").expect("parses").expect("on");
        assert_eq!(hour.burst.get(), 10);
        assert_eq!(hour.period, Duration::from_secs(3600));
        let second = Rate::parse(" 3 / s ").expect("parses").expect("on");
        assert_eq!(second.period, Duration::from_secs(1));
        assert_eq!(Rate::parse("OFF"), Ok(None));
        assert_eq!(hour.to_string(), "10/hour");
    }

    #[test]
    fn bad_rates_say_what_is_wrong() {
        let no_slash = Rate::parse("10").expect_err("no period");
        assert!(no_slash.contains("\"10/hour\""), "{no_slash}");
        let zero = Rate::parse("0/minute").expect_err("zero");
        assert!(zero.contains("from 1 up"), "{zero}");
        let unit = Rate::parse("5/fortnight").expect_err("unit");
        assert!(unit.contains("'fortnight' is not a period"), "{unit}");
    }

    #[test]
    fn a_bad_rate_in_the_configuration_names_its_line() {
        let text = "bind = \"127.0.0.1:8080\"\n[limits]\nintake_per_ip = \"10 per hour\"\n";
        let err = crate::config::Config::from_toml(text)
            .expect_err("refused")
            .to_string();
        assert!(err.starts_with("line 3:"), "{err}");
        assert!(err.contains("'10 per hour' is not a rate"), "{err}");
        let err = crate::config::Config::from_toml("[limits]\ntrusted_proxies = [\"lb\"]\n")
            .expect_err("refused")
            .to_string();
        assert!(err.starts_with("line 2:"), "{err}");
        let config = crate::config::Config::from_toml("[limits]\ntracking_per_ip = \"off\"\n")
            .expect("parses");
        assert_eq!(config.limits.tracking_per_ip, None);
        assert_eq!(config.limits.intake_per_ip, Rate::new(10, 3600));
    }

    #[test]
    fn networks_and_single_addresses_are_accepted() {
        assert_eq!(
            parse_network("10.0.0.0/8").expect("net").to_string(),
            "10.0.0.0/8"
        );
        assert_eq!(parse_network("::1").expect("addr").to_string(), "::1/128");
        assert!(parse_network("10.0.0.0/33").is_err());
        assert!(parse_network("proxy.local").is_err());
    }
}
