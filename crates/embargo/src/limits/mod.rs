//! Rate limits on every door a stranger can knock at: report intake (web form, API, mail),
//! tracking links, sign-in (with a growing wait after failures), one-time links and API
//! tokens. Each limit is a GCRA bucket per key (`governor`), in this server's memory: a
//! request over any of its limits is refused before it costs a database write, an argon2
//! hash or a triage. Keys are hashed with a per-process secret, and each limit remembers
//! at most `max_keys` of them (stale ones are swept every minute), so memory stays bounded
//! whatever the number of addresses a flood comes from. Behind a load balancer each server
//! counts its own requests: the effective limit is the configured one times the servers.

mod client;
pub mod config;

pub use client::{client_ip, client_key};
pub use config::{LimitsConfig, Rate};

use governor::{Quota, RateLimiter, clock::DefaultClock, state::keyed::HashMapStateStore};
use ipnet::IpNet;
use std::{
    collections::HashMap,
    hash::{BuildHasher, Hash, RandomState},
    net::IpAddr,
    sync::{Mutex, MutexGuard},
    time::{Duration, Instant},
};

/// What a limit protects; named in the answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Door {
    Intake,
    Mail,
    Tracking,
    SignIn,
    Links,
    Api,
}

impl Door {
    pub fn describe(self) -> &'static str {
        match self {
            Door::Intake => "new reports",
            Door::Mail => "new reports by mail",
            Door::Tracking => "tracking-link requests",
            Door::SignIn => "sign-in attempts",
            Door::Links => "one-time link requests",
            Door::Api => "API requests",
        }
    }
}

/// A request refused by a limit, and when the same client may try again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Denied {
    pub door: Door,
    pub retry_after: Duration,
}

impl Denied {
    /// `Retry-After` in whole seconds, at least one.
    pub fn retry_after_secs(&self) -> u64 {
        let secs = self.retry_after.as_secs() + u64::from(self.retry_after.subsec_nanos() > 0);
        secs.max(1)
    }

    /// A sentence for the person or program that was refused.
    pub fn message(&self) -> String {
        format!(
            "too many {} from you; try again in {}",
            self.door.describe(),
            self.wait_text()
        )
    }

    /// How long to wait, as people say it: `20 minutes`.
    pub fn wait_text(&self) -> String {
        human_wait(self.retry_after_secs())
    }
}

fn human_wait(secs: u64) -> String {
    match secs {
        0..=1 => "a second".into(),
        2..=90 => format!("{secs} seconds"),
        91..=5400 => format!("{} minutes", secs.div_ceil(60)),
        _ => format!("{} hours", secs.div_ceil(3600)),
    }
}

type Keyed = RateLimiter<u64, HashMapStateStore<u64>, DefaultClock>;

/// The key every client shares once a limit remembers `max_keys` others.
const OVERFLOW: u64 = 0;

/// One limit: a rate per key.
struct Bucket {
    limiter: Keyed,
    max_keys: usize,
    last_sweep: Mutex<Instant>,
}

impl std::fmt::Debug for Bucket {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Bucket")
            .field("keys", &self.limiter.len())
            .finish_non_exhaustive()
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl Bucket {
    fn new(rate: Rate, max_keys: usize) -> Bucket {
        let every = (rate.period / rate.burst.get()).max(Duration::from_nanos(1));
        let quota = Quota::with_period(every)
            .unwrap_or_else(|| Quota::per_second(rate.burst))
            .allow_burst(rate.burst);
        Bucket {
            limiter: RateLimiter::hashmap(quota),
            max_keys: max_keys.max(1),
            last_sweep: Mutex::new(Instant::now()),
        }
    }

    fn check(&self, key: u64) -> Result<(), Duration> {
        let mut key = key.max(OVERFLOW + 1);
        if self.limiter.len() >= self.max_keys {
            self.sweep_at_most_every(Duration::from_secs(1));
            if self.limiter.len() >= self.max_keys {
                key = OVERFLOW;
            }
        }
        self.limiter.check_key(&key).map_err(|not_until| {
            use governor::clock::Clock;
            not_until.wait_time_from(DefaultClock::default().now())
        })
    }

    fn sweep_at_most_every(&self, every: Duration) {
        let mut last = lock(&self.last_sweep);
        if last.elapsed() >= every {
            *last = Instant::now();
            drop(last);
            self.limiter.retain_recent();
            self.limiter.shrink_to_fit();
        }
    }

    fn keys(&self) -> usize {
        self.limiter.len()
    }
}

/// Failed sign-ins per account: after `after` failures in a row each attempt waits for
/// one second, doubled per further failure up to `max`; a success forgets them.
#[derive(Debug)]
struct Backoff {
    after: u32,
    max: Duration,
    max_keys: usize,
    failures: Mutex<HashMap<u64, (u32, Instant)>>,
}

impl Backoff {
    fn wait(&self, failures: u32) -> Duration {
        let doublings = failures.saturating_sub(self.after).min(30);
        Duration::from_secs(1u64 << doublings).min(self.max)
    }

    fn check(&self, key: u64) -> Result<(), Duration> {
        let map = lock(&self.failures);
        if let Some(&(failures, last)) = map.get(&key)
            && failures >= self.after
        {
            let until = last + self.wait(failures);
            let now = Instant::now();
            if now < until {
                return Err(until - now);
            }
        }
        Ok(())
    }

    fn failed(&self, key: u64) {
        let mut map = lock(&self.failures);
        if map.len() >= self.max_keys && !map.contains_key(&key) {
            let max = self.max;
            map.retain(|_, (_, last)| last.elapsed() < max);
            if map.len() >= self.max_keys {
                return;
            }
        }
        let entry = map.entry(key).or_insert((0, Instant::now()));
        entry.0 = entry.0.saturating_add(1);
        entry.1 = Instant::now();
    }

    fn succeeded(&self, key: u64) {
        lock(&self.failures).remove(&key);
    }

    fn sweep(&self) {
        let max = self.max;
        let mut map = lock(&self.failures);
        map.retain(|_, (_, last)| last.elapsed() < max);
        map.shrink_to_fit();
    }
}

/// Every limit of this server.
#[derive(Debug)]
pub struct Limits {
    enabled: bool,
    trusted_proxies: Vec<IpNet>,
    hasher: RandomState,
    intake_per_ip: Option<Bucket>,
    intake_per_reporter: Option<Bucket>,
    intake_per_project: Option<Bucket>,
    mail_per_ip: Option<Bucket>,
    tracking_per_ip: Option<Bucket>,
    sign_in_per_ip: Option<Bucket>,
    sign_in_per_account: Option<Bucket>,
    backoff: Backoff,
    links_per_ip: Option<Bucket>,
    api_per_ip: Option<Bucket>,
    api_per_account: Option<Bucket>,
}

impl Limits {
    /// The limits of `config`; all off when `enabled` is false.
    pub fn new(config: &LimitsConfig, enabled: bool) -> Limits {
        let enabled = enabled && config.enabled;
        let bucket = |rate: Option<Rate>| {
            rate.filter(|_| enabled)
                .map(|r| Bucket::new(r, config.max_keys))
        };
        Limits {
            enabled,
            trusted_proxies: config.trusted_proxies.clone(),
            hasher: RandomState::new(),
            intake_per_ip: bucket(config.intake_per_ip),
            intake_per_reporter: bucket(config.intake_per_reporter),
            intake_per_project: bucket(config.intake_per_project),
            mail_per_ip: bucket(config.mail_per_ip),
            tracking_per_ip: bucket(config.tracking_per_ip),
            sign_in_per_ip: bucket(config.sign_in_per_ip),
            sign_in_per_account: bucket(config.sign_in_per_account),
            backoff: Backoff {
                after: config.sign_in_failures_before_backoff.max(1),
                max: Duration::from_secs(config.sign_in_backoff_max_secs.max(1)),
                max_keys: config.max_keys.max(1),
                failures: Mutex::new(HashMap::new()),
            },
            links_per_ip: bucket(config.links_per_ip),
            api_per_ip: bucket(config.api_per_ip),
            api_per_account: bucket(config.api_per_account),
        }
    }

    pub fn enabled(&self) -> bool {
        self.enabled
    }

    /// The client behind a request from `peer` (see [`client_ip`]).
    pub fn client<'a>(
        &self,
        peer: IpAddr,
        forwarded_for: impl IntoIterator<Item = &'a str>,
    ) -> IpAddr {
        client_ip(peer, forwarded_for, &self.trusted_proxies)
    }

    fn key(&self, kind: &str, value: impl Hash) -> u64 {
        self.hasher.hash_one((kind, value))
    }

    fn ip_key(&self, ip: IpAddr) -> u64 {
        self.key("ip", client_key(ip))
    }

    fn address_key(&self, address: &str) -> u64 {
        self.key("address", address.trim().to_lowercase())
    }

    fn checks(&self, door: Door, checks: &[(&Option<Bucket>, u64)]) -> Result<(), Denied> {
        for (bucket, key) in checks {
            if let Some(bucket) = bucket {
                bucket
                    .check(*key)
                    .map_err(|retry_after| Denied { door, retry_after })?;
            }
        }
        Ok(())
    }

    /// A new report through the web form or the API, from `ip`, to the project `slug`,
    /// from `reporter` (the address the report gives, if any). The client's own limits
    /// are checked first, so a flood from one client never spends the project's allowance.
    pub fn intake(&self, ip: IpAddr, slug: &str, reporter: Option<&str>) -> Result<(), Denied> {
        let reporter = reporter.map(str::trim).filter(|r| !r.is_empty());
        let mut checks = vec![(&self.intake_per_ip, self.ip_key(ip))];
        if let Some(address) = reporter {
            checks.push((&self.intake_per_reporter, self.address_key(address)));
        }
        checks.push((&self.intake_per_project, self.key("project", slug)));
        self.checks(Door::Intake, &checks)
    }

    /// A new report by mail from the mail server at `peer`, envelope sender `sender`. A
    /// peer that is a trusted proxy (the local MTA handing mail over) has no limit of its
    /// own: it relays for everyone.
    pub fn mail(&self, peer: IpAddr, slug: &str, sender: Option<&str>) -> Result<(), Denied> {
        let sender = sender.map(str::trim).filter(|s| !s.is_empty());
        let mut checks = Vec::new();
        if !client::is_trusted(peer, &self.trusted_proxies) {
            checks.push((&self.mail_per_ip, self.ip_key(peer)));
        }
        if let Some(address) = sender {
            checks.push((&self.intake_per_reporter, self.address_key(address)));
        }
        checks.push((&self.intake_per_project, self.key("project", slug)));
        self.checks(Door::Mail, &checks)
    }

    pub fn tracking(&self, ip: IpAddr) -> Result<(), Denied> {
        self.checks(Door::Tracking, &[(&self.tracking_per_ip, self.ip_key(ip))])
    }

    pub fn links(&self, ip: IpAddr) -> Result<(), Denied> {
        self.checks(Door::Links, &[(&self.links_per_ip, self.ip_key(ip))])
    }

    pub fn api_client(&self, ip: IpAddr) -> Result<(), Denied> {
        self.checks(Door::Api, &[(&self.api_per_ip, self.ip_key(ip))])
    }

    /// An API request by the account `account` (its id), whichever of its tokens it used.
    pub fn api_account(&self, account: &str) -> Result<(), Denied> {
        self.checks(
            Door::Api,
            &[(&self.api_per_account, self.key("account", account))],
        )
    }

    /// A sign-in attempt from `ip` to the account named `account`: refused while either is
    /// over its rate, or while the account waits out its failures.
    pub fn sign_in(&self, ip: IpAddr, account: &str) -> Result<(), Denied> {
        let account = self.address_key(account);
        self.backoff.check(account).map_err(|retry_after| Denied {
            door: Door::SignIn,
            retry_after,
        })?;
        self.checks(
            Door::SignIn,
            &[
                (&self.sign_in_per_ip, self.ip_key(ip)),
                (&self.sign_in_per_account, account),
            ],
        )
    }

    /// A request for a password-reset link from `ip` for `address`: the client's allowance
    /// of one-time links, and the sign-in rate per account (as its own allowance, so that
    /// requests for someone's address never spend their sign-ins).
    pub fn password_reset(&self, ip: IpAddr, address: &str) -> Result<(), Denied> {
        self.checks(
            Door::SignIn,
            &[
                (&self.links_per_ip, self.ip_key(ip)),
                (
                    &self.sign_in_per_account,
                    self.key("reset", address.trim().to_lowercase()),
                ),
            ],
        )
    }

    pub fn sign_in_failed(&self, account: &str) {
        if !self.enabled {
            return;
        }
        self.backoff.failed(self.address_key(account));
    }

    pub fn sign_in_succeeded(&self, account: &str) {
        self.backoff.succeeded(self.address_key(account));
    }

    /// Forgets keys whose allowance is full again (run every minute).
    pub fn sweep(&self) {
        for bucket in self.buckets().into_iter().flatten() {
            bucket.sweep_at_most_every(Duration::ZERO);
        }
        self.backoff.sweep();
    }

    /// How many keys the limits remember, all together.
    pub fn keys(&self) -> usize {
        self.buckets()
            .into_iter()
            .flatten()
            .map(Bucket::keys)
            .sum::<usize>()
            + lock(&self.backoff.failures).len()
    }

    fn buckets(&self) -> [&Option<Bucket>; 10] {
        [
            &self.intake_per_ip,
            &self.intake_per_reporter,
            &self.intake_per_project,
            &self.mail_per_ip,
            &self.tracking_per_ip,
            &self.sign_in_per_ip,
            &self.sign_in_per_account,
            &self.links_per_ip,
            &self.api_per_ip,
            &self.api_per_account,
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("address")
    }

    fn config(text: &str) -> LimitsConfig {
        toml::from_str(text).expect("limits config")
    }

    #[test]
    fn a_burst_is_allowed_then_refused_with_a_wait_and_others_are_unaffected() {
        let limits = Limits::new(&config("intake_per_ip = \"3/hour\""), true);
        for _ in 0..3 {
            limits
                .intake(ip("203.0.113.1"), "demo", None)
                .expect("within the burst");
        }
        let denied = limits
            .intake(ip("203.0.113.1"), "demo", None)
            .expect_err("over the burst");
        assert_eq!(denied.door, Door::Intake);
        // One report back every 20 minutes.
        assert!(
            (1190..=1200).contains(&denied.retry_after_secs()),
            "{}",
            denied.retry_after_secs()
        );
        assert!(
            denied.message().contains("20 minutes"),
            "{}",
            denied.message()
        );
        limits
            .intake(ip("203.0.113.2"), "demo", None)
            .expect("another client");
    }

    #[test]
    fn a_reporter_is_limited_across_addresses_and_case() {
        let limits = Limits::new(
            &config("intake_per_ip = \"off\"\nintake_per_reporter = \"2/day\""),
            true,
        );
        limits
            .intake(ip("203.0.113.1"), "a", Some("Eve@Example.org"))
            .expect("first");
        limits
            .intake(ip("198.51.100.1"), "b", Some("eve@example.org "))
            .expect("second");
        let denied = limits
            .intake(ip("192.0.2.1"), "c", Some("EVE@example.org"))
            .expect_err("third from a third address");
        assert_eq!(denied.door, Door::Intake);
        limits
            .intake(ip("192.0.2.1"), "c", Some("alice@example.org"))
            .expect("alice");
        limits
            .intake(ip("192.0.2.1"), "c", None)
            .expect("anonymous");
    }

    #[test]
    fn a_refused_client_does_not_spend_the_projects_allowance() {
        let limits = Limits::new(
            &config("intake_per_ip = \"2/hour\"\nintake_per_project = \"3/hour\""),
            true,
        );
        for _ in 0..50 {
            let _ = limits.intake(ip("203.0.113.1"), "demo", None);
        }
        limits
            .intake(ip("198.51.100.1"), "demo", None)
            .expect("one more fits the project");
        limits
            .intake(ip("198.51.100.2"), "demo", None)
            .expect_err("the project's third after the flooder's two");
    }

    #[test]
    fn ipv6_clients_share_their_64() {
        let limits = Limits::new(&config("tracking_per_ip = \"2/minute\""), true);
        limits.tracking(ip("2001:db8:0:1::1")).expect("first");
        limits.tracking(ip("2001:db8:0:1::2")).expect("second");
        limits
            .tracking(ip("2001:db8:0:1::3"))
            .expect_err("same /64");
        limits.tracking(ip("2001:db8:0:2::1")).expect("another /64");
    }

    #[test]
    fn failed_sign_ins_make_the_account_wait_longer_each_time() {
        let limits = Limits::new(
            &config("sign_in_failures_before_backoff = 2\nsign_in_backoff_max_secs = 5"),
            true,
        );
        let at = ip("203.0.113.1");
        limits.sign_in(at, "alice").expect("first try");
        limits.sign_in_failed("alice");
        limits.sign_in(at, "alice").expect("one failure is free");
        limits.sign_in_failed("alice");
        let wait = limits.sign_in(at, "ALICE").expect_err("two failures: wait");
        assert_eq!(wait.door, Door::SignIn);
        assert_eq!(wait.retry_after_secs(), 1);
        limits.sign_in(at, "bob").expect("another account");
        assert_eq!(limits.backoff.wait(3), Duration::from_secs(2));
        assert_eq!(limits.backoff.wait(4), Duration::from_secs(4));
        assert_eq!(limits.backoff.wait(40), Duration::from_secs(5));
        limits.sign_in_succeeded("alice");
        limits
            .sign_in(at, "alice")
            .expect("a success forgets the failures");
    }

    #[test]
    fn beyond_max_keys_new_clients_share_one_allowance() {
        let limits = Limits::new(&config("links_per_ip = \"1/hour\"\nmax_keys = 3"), true);
        for n in 1..=3 {
            limits
                .links(ip(&format!("203.0.113.{n}")))
                .expect("own key");
        }
        limits
            .links(ip("203.0.113.10"))
            .expect("the shared allowance");
        limits
            .links(ip("203.0.113.11"))
            .expect_err("the shared allowance is spent");
        assert!(limits.keys() <= 4, "{}", limits.keys());
    }

    #[test]
    fn switched_off_nothing_is_refused() {
        let limits = Limits::new(&config("intake_per_ip = \"1/day\""), false);
        assert!(!limits.enabled());
        for _ in 0..100 {
            limits
                .intake(ip("203.0.113.1"), "demo", Some("a@b.c"))
                .expect("off");
            limits.sign_in_failed("alice");
            limits.sign_in(ip("203.0.113.1"), "alice").expect("off");
        }
    }
}
