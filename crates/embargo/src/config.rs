//! Configuration: defaults, then `embargo.toml` (or `--config FILE`), then `EMBARGO_*`
//! environment variables, then command-line flags. Every key is documented in
//! `config/example.toml`.

use anyhow::{Context, bail};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use std::{net::SocketAddr, path::PathBuf};

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Address the HTTP server listens on.
    pub bind: String,
    /// Where SQLite keeps its file when `database_url` is not set.
    pub data_dir: PathBuf,
    /// `sqlite:PATH` or `postgres://…`; empty means `sqlite:<data_dir>/embargo.db`.
    pub database_url: String,
    /// Largest database pool.
    pub database_max_connections: u32,
    /// The URL reporters and maintainers reach this server at (used in links, mail,
    /// security.txt). Empty means `http://<bind>`.
    pub public_url: String,
    /// Contacts for this instance's own `/.well-known/security.txt`.
    pub instance_contacts: Vec<String>,
    /// Outbound mail.
    pub smtp: Smtp,
    /// Log format: `text` or `json`.
    pub log_format: String,
    /// The instance secret (at least 32 characters) from which the passphrases of stored
    /// signing keys are derived. Empty: a random one kept in `<data_dir>/secret.key`.
    /// Servers sharing one PostgreSQL database must share it. Redacted in `Debug`.
    pub secret: SecretString,
    /// How often the job worker looks for due jobs (e-mail, scheduled publications) when
    /// nothing woke it, in milliseconds.
    pub worker_poll_ms: u64,
    /// How long a worker holds a job before another server may take it over, in
    /// milliseconds. A running job renews its lease every third of this.
    pub job_lease_ms: u64,
    /// On SQLite, the most arriving reports written together in one transaction (group
    /// commit, `services::intake_batch`); 1 writes each in its own.
    pub intake_batch: usize,
    /// Outgoing webhooks.
    pub webhooks: Webhooks,
    /// CSAF provider metadata and directory distribution of published advisories.
    pub csaf: Csaf,
    /// CVE Services, for projects this instance is the CNA of.
    pub cve: Cve,
    /// The triage assistant.
    pub triage: Triage,
    /// Inbound mail.
    pub mail: MailSettings,
    /// The SMTP or LMTP listener for inbound mail.
    pub mail_in: MailIn,
    /// Rate limits on intake, tracking links, sign-in, one-time links and API tokens.
    pub limits: crate::limits::LimitsConfig,
}

/// Inbound mail settings.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MailSettings {
    /// A TOML file of instance-wide filter rules (`[[rule]]` tables with
    /// `scope = "instance"`, see the `mail` crate's `RuleSpec`), read at start; empty: none.
    pub filter_rules: PathBuf,
    /// The rules read from `filter_rules`.
    #[serde(skip)]
    pub rules: Vec<mail::Rule>,
}

impl MailSettings {
    /// Reads and checks `filter_rules`; errors name the file, the line, the rule and the
    /// field.
    fn load_rules(&mut self) -> anyhow::Result<()> {
        if self.filter_rules.as_os_str().is_empty() {
            self.rules.clear();
            return Ok(());
        }
        let path = &self.filter_rules;
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("mail.filter_rules: cannot read {}", path.display()))?;
        let rules = mail::parse_rules_toml(&text)
            .map_err(|e| anyhow::anyhow!("mail.filter_rules: {}: {e}", path.display()))?;
        if let Some(rule) = rules.iter().find(|r| r.scope != mail::Scope::Instance) {
            bail!(
                "mail.filter_rules: {}: rule {:?}: field `scope`: must be \"instance\" in the \
                 instance's rule file (project rules are kept in the project's settings)",
                path.display(),
                rule.id
            );
        }
        self.rules = rules;
        Ok(())
    }
}

/// How webhooks are delivered.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Webhooks {
    /// How long one attempt may take (connecting, sending, the response), in milliseconds.
    pub timeout_ms: u64,
    /// Attempts before a delivery is marked failed.
    pub max_attempts: i64,
    /// The delay before the first retry, in milliseconds; it doubles with each attempt, up
    /// to one hour.
    pub retry_base_ms: u64,
}

impl Default for Webhooks {
    fn default() -> Self {
        Self {
            timeout_ms: 10_000,
            max_attempts: 8,
            retry_base_ms: 30_000,
        }
    }
}

/// The inbound mail listener (`[mail_in]`): off while `bind` is empty.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MailIn {
    /// Address to listen on, e.g. `127.0.0.1:2525`; empty: no listener.
    pub bind: String,
    /// `smtp` (RFC 5321, e.g. behind an MTA's relay or as the MX) or `lmtp` (RFC 2033,
    /// the final delivery step of Postfix, Exim or Dovecot).
    pub protocol: String,
    /// The mail domains served, lower case. Recipients elsewhere are refused, and reply
    /// addresses are made only from `mailto:` contacts in these domains. Empty: the
    /// domains of the projects' contacts.
    pub domains: Vec<String>,
    /// The name in the greeting; empty: the first domain, or `localhost`.
    pub hostname: String,
    /// Largest message accepted, in bytes (at most 10 MiB).
    pub max_message_bytes: usize,
    /// Most recipients of one message.
    pub max_recipients: usize,
    /// Seconds a client may stay silent before the connection is closed.
    pub timeout_seconds: u64,
    /// Most connections served at once; more are told to come back later.
    pub max_connections: usize,
}

impl Default for MailIn {
    fn default() -> Self {
        Self {
            bind: String::new(),
            protocol: "smtp".into(),
            domains: Vec::new(),
            hostname: String::new(),
            max_message_bytes: mail::limits::DEFAULT_MAX_MESSAGE_BYTES - MAIL_IN_TRACE_ROOM,
            max_recipients: 50,
            timeout_seconds: 300,
            max_connections: 100,
        }
    }
}

/// Room kept below the `mail` crate's size limit for the trace header fields the listener
/// adds (`Return-Path`, `Received`).
pub const MAIL_IN_TRACE_ROOM: usize = 2048;

impl MailIn {
    pub fn protocol(&self) -> mail::smtp::Protocol {
        if self.protocol == "lmtp" {
            mail::smtp::Protocol::Lmtp
        } else {
            mail::smtp::Protocol::Smtp
        }
    }

    pub fn hostname(&self) -> &str {
        if !self.hostname.is_empty() {
            &self.hostname
        } else {
            self.domains.first().map_or("localhost", String::as_str)
        }
    }

    fn check(&self) -> anyhow::Result<()> {
        if !self.bind.is_empty() && self.bind.parse::<SocketAddr>().is_err() {
            bail!(
                "mail_in.bind: '{}' is not an address like 127.0.0.1:2525",
                self.bind
            );
        }
        if !matches!(self.protocol.as_str(), "smtp" | "lmtp") {
            bail!("mail_in.protocol: must be smtp or lmtp");
        }
        for d in &self.domains {
            if !mail::is_valid_domain(d) || d.to_ascii_lowercase() != *d {
                bail!("mail_in.domains: '{d}' is not a lower-case domain name");
            }
        }
        if !self.hostname.is_empty() && !mail::is_valid_domain(&self.hostname) {
            bail!("mail_in.hostname: '{}' is not a host name", self.hostname);
        }
        let most = mail::limits::DEFAULT_MAX_MESSAGE_BYTES - MAIL_IN_TRACE_ROOM;
        if !(1024..=most).contains(&self.max_message_bytes) {
            bail!("mail_in.max_message_bytes: must be between 1024 and {most}");
        }
        if !(1..=1000).contains(&self.max_recipients) {
            bail!("mail_in.max_recipients: must be between 1 and 1000");
        }
        if !(1..=3600).contains(&self.timeout_seconds) {
            bail!("mail_in.timeout_seconds: must be between 1 and 3600");
        }
        if !(1..=10_000).contains(&self.max_connections) {
            bail!("mail_in.max_connections: must be between 1 and 10000");
        }
        Ok(())
    }
}

/// The triage assistant's settings.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Triage {
    /// Local checkouts of each project's source, by project slug (e.g. the default branch
    /// and a release). New reports are checked against them (names, paths, quoted code);
    /// an index is rebuilt when its files change. Set by the instance's administrator, not
    /// by project maintainers: the server reads these directories. A source configured on
    /// the project's own settings page takes precedence.
    pub sources: std::collections::BTreeMap<String, Vec<PathBuf>>,
    /// How often projects' git sources are fetched again, in seconds (0: never on a
    /// schedule, only when a source is configured).
    pub fetch_interval_secs: u64,
    /// Longest a git command (clone, fetch, reading a tree) may run, in seconds.
    pub git_timeout_secs: u64,
    /// Largest git mirror kept, in MiB; a larger repository is refused.
    pub git_max_mib: u64,
}

impl Default for Triage {
    fn default() -> Self {
        Self {
            sources: std::collections::BTreeMap::new(),
            fetch_interval_secs: 3600,
            git_timeout_secs: 300,
            git_max_mib: 1024,
        }
    }
}

impl Triage {
    /// The limits git commands run under.
    pub fn git_limits(&self) -> crate::git::Limits {
        crate::git::Limits {
            timeout: std::time::Duration::from_secs(self.git_timeout_secs.max(1)),
            max_bytes: self.git_max_mib.saturating_mul(1024 * 1024),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Csaf {
    /// Serve `/.well-known/csaf/provider-metadata.json` and the directory distribution, and
    /// name it on `CSAF:` lines of security.txt files.
    pub enabled: bool,
    /// `document.publisher.name`; empty: each project's name.
    pub publisher_name: String,
    /// `document.publisher.namespace`; empty: the public URL.
    pub publisher_namespace: String,
    /// `coordinator`, `discoverer`, `other`, `translator`, `user` or `vendor`.
    pub publisher_category: String,
    /// `document.publisher.contact_details`; empty: none.
    pub contact_details: String,
}

impl Default for Csaf {
    fn default() -> Self {
        Self {
            enabled: false,
            publisher_name: String::new(),
            publisher_namespace: String::new(),
            publisher_category: "vendor".into(),
            contact_details: String::new(),
        }
    }
}

/// CVE Services (the CVE Program's API for CNAs). The key is a secret: never logged,
/// redacted in `Debug`.
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Cve {
    /// Base URL of CVE Services, up to and including `/api`.
    pub api_url: String,
    /// The CNA's short name (`CVE-API-ORG`).
    pub org_short_name: String,
    /// The CNA's organisation UUID (written into exported CNA containers).
    pub org_id: String,
    /// The API user (`CVE-API-USER`).
    pub api_user: String,
    /// The API key (`CVE-API-KEY`).
    pub api_key: String,
    /// Slugs of the projects this CNA assigns ids for. Other projects get a request packet
    /// to send to a CNA instead.
    pub cna_projects: Vec<String>,
}

impl Default for Cve {
    fn default() -> Self {
        Self {
            api_url: "https://cveawg.mitre.org/api".into(),
            org_short_name: String::new(),
            org_id: String::new(),
            api_user: String::new(),
            api_key: String::new(),
            cna_projects: Vec::new(),
        }
    }
}

impl std::fmt::Debug for Cve {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cve")
            .field("api_url", &self.api_url)
            .field("org_short_name", &self.org_short_name)
            .field("org_id", &self.org_id)
            .field("api_user", &self.api_user)
            .field(
                "api_key",
                &if self.api_key.is_empty() {
                    ""
                } else {
                    "[redacted]"
                },
            )
            .field("cna_projects", &self.cna_projects)
            .finish()
    }
}

impl Cve {
    /// Whether CVE Services is configured and serves the project `slug`.
    pub fn serves(&self, slug: &str) -> bool {
        !self.api_key.is_empty()
            && !self.api_user.is_empty()
            && !self.org_short_name.is_empty()
            && self.cna_projects.iter().any(|p| p == slug)
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Smtp {
    /// `smtp://host:port` (plain, for a local relay), `smtp://host:587?tls=required`
    /// (STARTTLS) or `smtps://host:465`, with optional `user:password@`. Empty: mail stays
    /// queued in the outbox. It may carry a password, so it is redacted in `Debug`.
    pub url: SecretString,
    /// The From address of outgoing mail.
    pub from: String,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            bind: "127.0.0.1:8080".into(),
            data_dir: PathBuf::from("embargo-data"),
            database_url: String::new(),
            database_max_connections: 16,
            public_url: String::new(),
            instance_contacts: Vec::new(),
            smtp: Smtp::default(),
            log_format: "text".into(),
            secret: SecretString::default(),
            worker_poll_ms: 5000,
            job_lease_ms: 120_000,
            intake_batch: 64,
            webhooks: Webhooks::default(),
            csaf: Csaf::default(),
            cve: Cve::default(),
            triage: Triage::default(),
            mail: MailSettings::default(),
            mail_in: MailIn::default(),
            limits: crate::limits::LimitsConfig::default(),
        }
    }
}

impl Default for Smtp {
    fn default() -> Self {
        Self {
            url: SecretString::default(),
            from: "Embargo <embargo@localhost>".into(),
        }
    }
}

/// Overrides given on the command line.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    pub config: Option<PathBuf>,
    pub bind: Option<String>,
    pub database_url: Option<String>,
    pub data_dir: Option<PathBuf>,
}

impl Config {
    /// Loads the configuration for a command.
    pub fn load(overrides: &Overrides) -> anyhow::Result<Config> {
        Self::load_with(overrides, |name| std::env::var(name).ok())
    }

    /// [`Config::load`] with `EMBARGO_*` variables looked up in `vars` instead of the process
    /// environment, so several applications in one process (the integration tests) each
    /// get their own.
    pub fn load_with(
        overrides: &Overrides,
        vars: impl Fn(&str) -> Option<String>,
    ) -> anyhow::Result<Config> {
        let env = |name: &str| vars(name).filter(|v| !v.is_empty());
        let explicit = overrides
            .config
            .clone()
            .or_else(|| env("EMBARGO_CONFIG").map(PathBuf::from));
        let path = explicit
            .clone()
            .unwrap_or_else(|| PathBuf::from("embargo.toml"));
        let mut config = match std::fs::read_to_string(&path) {
            Ok(text) => Self::from_toml(&text).with_context(|| format!("{}", path.display()))?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && explicit.is_none() => {
                Config::default()
            }
            Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
        };
        if let Some(v) = env("EMBARGO_BIND") {
            config.bind = v;
        }
        if let Some(v) = env("EMBARGO_DATA_DIR") {
            config.data_dir = v.into();
        }
        if let Some(v) = env("EMBARGO_DATABASE_URL") {
            config.database_url = v;
        }
        if let Some(v) = env("EMBARGO_PUBLIC_URL") {
            config.public_url = v;
        }
        if let Some(v) = env("EMBARGO_SMTP_URL") {
            config.smtp.url = v.into();
        }
        if let Some(v) = env("EMBARGO_SMTP_FROM") {
            config.smtp.from = v;
        }
        if let Some(v) = env("EMBARGO_SECRET") {
            config.secret = v.into();
        }
        if let Some(v) = env("EMBARGO_LOG_FORMAT") {
            config.log_format = v;
        }
        if let Some(v) = env("EMBARGO_WORKER_POLL_MS") {
            config.worker_poll_ms = v.parse().map_err(|_| {
                anyhow::anyhow!("EMBARGO_WORKER_POLL_MS: not a number of milliseconds")
            })?;
        }
        let number = |name: &str| -> anyhow::Result<Option<u64>> {
            env(name)
                .map(|v| {
                    v.parse()
                        .map_err(|_| anyhow::anyhow!("{name}: not a whole number"))
                })
                .transpose()
        };
        if let Some(v) = number("EMBARGO_JOB_LEASE_MS")? {
            config.job_lease_ms = v;
        }
        if let Some(v) = number("EMBARGO_INTAKE_BATCH")? {
            config.intake_batch = usize::try_from(v).unwrap_or(usize::MAX);
        }
        if let Some(v) = number("EMBARGO_WEBHOOKS_TIMEOUT_MS")? {
            config.webhooks.timeout_ms = v;
        }
        if let Some(v) = number("EMBARGO_WEBHOOKS_MAX_ATTEMPTS")? {
            config.webhooks.max_attempts = i64::try_from(v).unwrap_or(i64::MAX);
        }
        if let Some(v) = number("EMBARGO_WEBHOOKS_RETRY_BASE_MS")? {
            config.webhooks.retry_base_ms = v;
        }
        if let Some(v) = env("EMBARGO_CSAF_ENABLED") {
            config.csaf.enabled = matches!(v.as_str(), "1" | "true" | "yes");
        }
        if let Some(v) = env("EMBARGO_CVE_API_URL") {
            config.cve.api_url = v;
        }
        if let Some(v) = env("EMBARGO_CVE_API_USER") {
            config.cve.api_user = v;
        }
        if let Some(v) = env("EMBARGO_CVE_API_KEY") {
            config.cve.api_key = v;
        }
        if let Some(path) = env("EMBARGO_CVE_API_KEY_FILE") {
            config.cve.api_key = std::fs::read_to_string(&path)
                .with_context(|| format!("EMBARGO_CVE_API_KEY_FILE: cannot read {path}"))?
                .trim()
                .to_owned();
        }
        if let Some(v) = env("EMBARGO_MAIL_FILTER_RULES") {
            config.mail.filter_rules = v.into();
        }
        if let Some(v) = env("EMBARGO_MAIL_IN_BIND") {
            config.mail_in.bind = v;
        }
        if let Some(v) = env("EMBARGO_MAIL_IN_PROTOCOL") {
            config.mail_in.protocol = v;
        }
        if let Some(v) = env("EMBARGO_MAIL_IN_DOMAINS") {
            config.mail_in.domains = v
                .split(',')
                .map(|d| d.trim().to_owned())
                .filter(|d| !d.is_empty())
                .collect();
        }
        if let Some(v) = env("EMBARGO_MAIL_IN_MAX_MESSAGE_BYTES") {
            config.mail_in.max_message_bytes = v.parse().map_err(|_| {
                anyhow::anyhow!("EMBARGO_MAIL_IN_MAX_MESSAGE_BYTES: not a number of bytes")
            })?;
        }
        if let Some(v) = env("EMBARGO_RATE_LIMITS") {
            config.limits.enabled = match v.as_str() {
                "off" | "0" | "false" | "no" => false,
                "on" | "1" | "true" | "yes" => true,
                _ => bail!("EMBARGO_RATE_LIMITS: use on or off"),
            };
        }
        if let Some(v) = &overrides.bind {
            config.bind = v.clone();
        }
        if let Some(v) = &overrides.data_dir {
            config.data_dir = v.clone();
        }
        if let Some(v) = &overrides.database_url {
            config.database_url = v.clone();
        }
        config.check()?;
        config.mail.load_rules()?;
        Ok(config)
    }

    /// Parses a configuration file, naming the line of any error.
    pub fn from_toml(text: &str) -> anyhow::Result<Config> {
        toml::from_str(text).map_err(|e| {
            let line = e
                .span()
                .map(|s| text[..s.start.min(text.len())].matches('\n').count() + 1)
                .unwrap_or(0);
            anyhow::anyhow!("line {line}: {}", e.message())
        })
    }

    fn check(&self) -> anyhow::Result<()> {
        for (slug, dirs) in &self.triage.sources {
            if let Some(d) = dirs.iter().find(|d| !d.is_absolute()) {
                bail!(
                    "triage.sources.{slug}: {} is not an absolute path",
                    d.display()
                );
            }
        }
        if self.bind.parse::<SocketAddr>().is_err() {
            bail!(
                "bind: '{}' is not an address like 127.0.0.1:8080",
                self.bind
            );
        }
        if !self.database_url.is_empty() && store::Dialect::from_url(&self.database_url).is_none() {
            bail!("database_url: must start with sqlite: or postgres://");
        }
        let url = &self.public_url;
        if !(url.is_empty() || url.starts_with("http://") || url.starts_with("https://")) {
            bail!("public_url: must start with http:// or https://");
        }
        for c in &self.instance_contacts {
            domain::policy::check_uri(c, &["mailto", "https", "tel"])
                .map_err(|e| anyhow::anyhow!("instance_contacts: {e}"))?;
        }
        let secret = self.secret.expose_secret();
        if !secret.is_empty() && secret.chars().count() < 32 {
            bail!("secret: must be at least 32 characters");
        }
        if !(10..=600_000).contains(&self.worker_poll_ms) {
            bail!("worker_poll_ms: must be between 10 and 600000");
        }
        if !(1..=1000).contains(&self.intake_batch) {
            bail!("intake_batch: must be between 1 and 1000");
        }
        if !(1000..=3_600_000).contains(&self.job_lease_ms) {
            bail!("job_lease_ms: must be between 1000 and 3600000");
        }
        if !(100..=120_000).contains(&self.webhooks.timeout_ms) {
            bail!("webhooks.timeout_ms: must be between 100 and 120000");
        }
        if !(1..=<store::webhooks::DeliverWebhook as store::jobs::Payload>::MAX_ATTEMPTS)
            .contains(&self.webhooks.max_attempts)
        {
            bail!("webhooks.max_attempts: must be between 1 and 100");
        }
        if !(10..=3_600_000).contains(&self.webhooks.retry_base_ms) {
            bail!("webhooks.retry_base_ms: must be between 10 and 3600000");
        }
        if !matches!(
            self.csaf.publisher_category.as_str(),
            "coordinator" | "discoverer" | "other" | "translator" | "user" | "vendor"
        ) {
            bail!(
                "csaf.publisher_category: must be coordinator, discoverer, other, translator, user or vendor"
            );
        }
        let cve_url = &self.cve.api_url;
        if !(cve_url.starts_with("https://") || cve_url.starts_with("http://")) {
            bail!("cve.api_url: must start with https:// (or http:// for a local test server)");
        }
        if !self.cve.org_id.is_empty() && uuid::Uuid::parse_str(&self.cve.org_id).is_err() {
            bail!("cve.org_id: must be the CNA's organisation UUID");
        }
        self.mail_in.check()?;
        if !matches!(self.log_format.as_str(), "text" | "json") {
            bail!("log_format: must be text or json");
        }
        if !self.smtp.url.expose_secret().is_empty() {
            self.smtp
                .from
                .parse::<lettre::message::Mailbox>()
                .map_err(|e| anyhow::anyhow!("smtp.from: {e}"))?;
        }
        Ok(())
    }

    /// The database URL, defaulting to a SQLite file in the data directory (created here).
    pub fn database_url(&self) -> anyhow::Result<String> {
        if !self.database_url.is_empty() {
            if let Some(path) = self.database_url.strip_prefix("sqlite:") {
                let path = path
                    .split('?')
                    .next()
                    .unwrap_or(path)
                    .trim_start_matches("//");
                if let Some(dir) = std::path::Path::new(path)
                    .parent()
                    .filter(|d| !d.as_os_str().is_empty())
                {
                    std::fs::create_dir_all(dir)
                        .with_context(|| format!("cannot create {}", dir.display()))?;
                }
            }
            return Ok(self.database_url.clone());
        }
        std::fs::create_dir_all(&self.data_dir)
            .with_context(|| format!("cannot create data directory {}", self.data_dir.display()))?;
        Ok(format!(
            "sqlite:{}",
            self.data_dir.join("embargo.db").display()
        ))
    }

    /// The instance secret: configured, or read from (and on first use written to)
    /// `<data_dir>/secret.key`, readable by the owner only.
    pub fn instance_secret(&self) -> anyhow::Result<String> {
        let configured = self.secret.expose_secret();
        if !configured.is_empty() {
            return Ok(configured.to_owned());
        }
        std::fs::create_dir_all(&self.data_dir)
            .with_context(|| format!("cannot create data directory {}", self.data_dir.display()))?;
        read_or_create_secret(&self.data_dir.join("secret.key"))
    }

    /// The public base URL without a trailing slash, given the address actually bound.
    pub fn public_url(&self, bound: SocketAddr) -> String {
        if self.public_url.is_empty() {
            format!("http://{bound}")
        } else {
            self.public_url.trim_end_matches('/').to_owned()
        }
    }
}

/// Reads the secret kept at `path`, creating it first if there is none. The new key is
/// written whole to a temporary file in the same directory (mode 0600), synced, then linked
/// into place, which fails if the name exists: a process racing us either wins and its
/// complete key is what we read, or loses and reads ours; nobody reads a half-written key.
/// The directory is synced so the name survives a crash.
fn read_or_create_secret(path: &std::path::Path) -> anyhow::Result<String> {
    use std::io::Write;
    let read = |path: &std::path::Path| -> anyhow::Result<Option<String>> {
        match std::fs::read_to_string(path) {
            Ok(s) if s.trim().len() >= 32 => Ok(Some(s.trim().to_owned())),
            Ok(_) => bail!("{} is too short to be a secret", path.display()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e).with_context(|| format!("cannot read {}", path.display())),
        }
    };
    if let Some(secret) = read(path)? {
        return Ok(secret);
    }
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(std::path::Path::new("."));
    let secret = crate::tokens::generate("");
    let temporary = dir.join(format!(
        ".secret.key.{}.{}",
        std::process::id(),
        crate::tokens::generate("")
    ));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let written = options.open(&temporary).and_then(|mut f| {
        f.write_all(secret.as_bytes())?;
        f.sync_all()
    });
    if let Err(e) = written {
        let _ = std::fs::remove_file(&temporary);
        return Err(e).with_context(|| format!("cannot write {}", temporary.display()));
    }
    // A hard link is a rename that never replaces: the first process to link wins.
    let linked = std::fs::hard_link(&temporary, path);
    let _ = std::fs::remove_file(&temporary);
    match linked {
        Ok(()) => {
            #[cfg(unix)]
            std::fs::File::open(dir)
                .and_then(|d| d.sync_all())
                .with_context(|| format!("cannot sync {}", dir.display()))?;
            Ok(secret)
        }
        // Another process created it first: use theirs, which is complete.
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            read(path)?.with_context(|| format!("{} vanished while being created", path.display()))
        }
        Err(e) => Err(e).with_context(|| format!("cannot create {}", path.display())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_example_file_documents_every_key_and_parses() {
        let text = include_str!("../../../config/example.toml");
        let config = Config::from_toml(text).expect("example parses");
        config.check().expect("example is valid");
    }

    #[test]
    fn the_instance_secret_and_the_smtp_password_are_redacted() {
        let config = Config {
            secret: "an-instance-secret-of-at-least-32-chars".to_owned().into(),
            smtp: Smtp {
                url: "smtps://mailer:hunter2-smtp-pw@mail.example.org:465"
                    .to_owned()
                    .into(),
                ..Smtp::default()
            },
            ..Config::default()
        };
        let debug = format!("{config:?}");
        assert!(!debug.contains("an-instance-secret"), "{debug}");
        assert!(!debug.contains("hunter2-smtp-pw"), "{debug}");
        assert!(!debug.contains("mailer"), "{debug}");
        config.check().expect("valid");
        assert_eq!(
            config.instance_secret().expect("configured"),
            "an-instance-secret-of-at-least-32-chars"
        );
    }

    #[test]
    fn racing_processes_create_one_secret_key_and_all_read_it() {
        let dir = std::env::temp_dir().join(format!(
            "embargo-secret-race-{}-{}",
            std::process::id(),
            crate::tokens::generate("")
        ));
        for _ in 0..20 {
            let _ = std::fs::remove_dir_all(&dir);
            let config = Config {
                data_dir: dir.clone(),
                ..Config::default()
            };
            let barrier = std::sync::Barrier::new(8);
            let keys: Vec<String> = std::thread::scope(|s| {
                let handles: Vec<_> = (0..8)
                    .map(|_| {
                        s.spawn(|| {
                            barrier.wait();
                            config.instance_secret().expect("secret")
                        })
                    })
                    .collect();
                handles
                    .into_iter()
                    .map(|h| h.join().expect("thread"))
                    .collect()
            });
            assert!(keys.iter().all(|k| k == &keys[0]), "{keys:?}");
            assert!(keys[0].len() >= 32);
            let on_disk = std::fs::read_to_string(dir.join("secret.key")).expect("file");
            assert_eq!(on_disk, keys[0]);
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                let mode = std::fs::metadata(dir.join("secret.key"))
                    .expect("metadata")
                    .permissions()
                    .mode();
                assert_eq!(mode & 0o777, 0o600);
            }
            let leftovers = std::fs::read_dir(&dir).expect("dir").count();
            assert_eq!(leftovers, 1, "temporary files are cleaned up");
        }
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn the_cve_services_key_is_redacted_and_bad_cve_settings_are_refused() {
        let mut config = Config::default();
        config.cve.api_key = "very-secret-key".into();
        assert!(!format!("{config:?}").contains("very-secret-key"));
        assert!(format!("{config:?}").contains("[redacted]"));
        config.cve.org_id = "not-a-uuid".into();
        let err = config.check().expect_err("bad org id");
        assert!(err.to_string().starts_with("cve.org_id:"), "{err}");
        let config = Config {
            worker_poll_ms: 0,
            ..Config::default()
        };
        let err = config.check().expect_err("bad poll");
        assert!(err.to_string().starts_with("worker_poll_ms:"), "{err}");
    }

    #[test]
    fn instance_mail_rules_are_read_and_bad_ones_named_by_line_and_field() {
        let dir = std::env::temp_dir().join(format!("embargo-rules-{}", uuid::Uuid::now_v7()));
        std::fs::create_dir_all(&dir).expect("dir");
        let load = |name: &str, text: &str| {
            let path = dir.join(name);
            std::fs::write(&path, text).expect("write");
            let mut mail = MailSettings {
                filter_rules: path,
                rules: Vec::new(),
            };
            mail.load_rules().map(|()| mail.rules)
        };
        let rule = |scope: &str, pattern: &str| {
            format!(
                "# beg bounties\n[[rule]]\nid = \"junk\"\nscope = \"{scope}\"\n\
                 match = \"subject_regex\"\npattern = \"{pattern}\"\naction = \"refuse\"\n"
            )
        };
        let rules = load("good.toml", &rule("instance", "(?i)bounty")).expect("good file");
        assert_eq!(rules.len(), 1);
        assert_eq!(rules[0].id, "junk");
        let err = load("bad.toml", &rule("instance", "(unclosed"))
            .expect_err("bad regex")
            .to_string();
        assert!(err.starts_with("mail.filter_rules: "), "{err}");
        assert!(
            err.contains("line 2: rule \"junk\": field `pattern`: invalid regular expression"),
            "{err}"
        );
        let err = load("project.toml", &rule("project", "x"))
            .expect_err("project rule")
            .to_string();
        assert!(err.contains("field `scope`"), "{err}");
        let err = load_missing(&dir.join("missing.toml"));
        assert!(err.contains("cannot read"), "{err}");
        let _ = std::fs::remove_dir_all(&dir);
    }

    fn load_missing(path: &std::path::Path) -> String {
        let mut mail = MailSettings {
            filter_rules: path.to_owned(),
            rules: Vec::new(),
        };
        format!("{:#}", mail.load_rules().expect_err("missing file"))
    }

    #[test]
    fn triage_sources_are_read_per_project_and_must_be_absolute() {
        let config = Config::from_toml("[triage.sources]\ndemo = [\"/srv/a\", \"/srv/b\"]\n")
            .expect("parses");
        assert_eq!(
            config.triage.sources.get("demo"),
            Some(&vec![PathBuf::from("/srv/a"), PathBuf::from("/srv/b")])
        );
        config.check().expect("valid");
        let config =
            Config::from_toml("[triage.sources]\ndemo = [\"checkout\"]\n").expect("parses");
        let err = config.check().expect_err("relative");
        assert!(
            err.to_string().starts_with("triage.sources.demo: checkout"),
            "{err}"
        );
    }

    #[test]
    fn the_mail_listener_is_off_by_default_and_its_settings_are_checked() {
        let config = Config::default();
        assert!(config.mail_in.bind.is_empty());
        let config = Config::from_toml(
            "[mail_in]\nbind = \"127.0.0.1:2525\"\nprotocol = \"lmtp\"\ndomains = [\"example.org\"]\n",
        )
        .expect("parses");
        config.check().expect("valid");
        assert_eq!(config.mail_in.protocol(), mail::smtp::Protocol::Lmtp);
        assert_eq!(config.mail_in.hostname(), "example.org");
        for (toml, field) in [
            ("protocol = \"pop3\"", "mail_in.protocol:"),
            ("bind = \"localhost\"", "mail_in.bind:"),
            ("domains = [\"Example.org\"]", "mail_in.domains:"),
            ("max_message_bytes = 20000000", "mail_in.max_message_bytes:"),
            ("timeout_seconds = 0", "mail_in.timeout_seconds:"),
        ] {
            let config = Config::from_toml(&format!("[mail_in]\n{toml}\n")).expect("parses");
            let err = config.check().expect_err(toml);
            assert!(err.to_string().starts_with(field), "{err}");
        }
    }

    #[test]
    fn webhook_and_lease_settings_are_read_and_bounded() {
        let config = Config::from_toml(
            "job_lease_ms = 2000\n[webhooks]\ntimeout_ms = 500\nmax_attempts = 3\nretry_base_ms = 200\n",
        )
        .expect("parses");
        assert_eq!(config.job_lease_ms, 2000);
        assert_eq!(
            (
                config.webhooks.timeout_ms,
                config.webhooks.max_attempts,
                config.webhooks.retry_base_ms
            ),
            (500, 3, 200)
        );
        config.check().expect("valid");
        for (text, key) in [
            ("job_lease_ms = 10\n", "job_lease_ms:"),
            ("[webhooks]\ntimeout_ms = 5\n", "webhooks.timeout_ms:"),
            ("[webhooks]\nmax_attempts = 0\n", "webhooks.max_attempts:"),
            ("[webhooks]\nretry_base_ms = 0\n", "webhooks.retry_base_ms:"),
        ] {
            let err = Config::from_toml(text)
                .expect("parses")
                .check()
                .expect_err(text);
            assert!(err.to_string().starts_with(key), "{err}");
        }
    }

    #[test]
    fn unknown_keys_name_their_line() {
        let err =
            Config::from_toml("bind = \"127.0.0.1:1\"\n\nbnid = 3\n").expect_err("unknown key");
        assert!(err.to_string().starts_with("line 3:"), "{err}");
    }

    #[test]
    fn a_bad_bind_address_is_refused() {
        let config = Config {
            bind: "localhost".into(),
            ..Config::default()
        };
        assert!(
            config
                .check()
                .expect_err("bad")
                .to_string()
                .starts_with("bind:")
        );
    }
}
