//! The running application: shared state, start-up and graceful shutdown.

use crate::{config::Config, http, jobs, tokens};
use anyhow::Context;
use domain::clock::{Clock, SystemClock};
use std::{
    net::SocketAddr,
    sync::{Arc, Mutex},
};
use tokio::{net::TcpListener, sync::Notify};

/// What every handler, service and job shares. Cheap to clone.
#[derive(Clone, Debug)]
pub struct AppState(Arc<Inner>);

#[derive(Debug)]
pub struct Inner {
    /// The database: services open units of work on it (`db.begin()`) and call the
    /// repositories of `store`.
    pub db: store::Db,
    pub clock: Arc<dyn Clock>,
    pub config: Config,
    /// Base URL for links, without a trailing slash.
    pub public_url: String,
    /// Hash of the one-time link that creates the first administrator, while none exists.
    pub setup_token_hash: Mutex<Option<String>>,
    /// Wakes the mail worker when something was queued.
    pub outbox_notify: Notify,
    /// The instance secret (see `Config::secret`).
    pub secret: crate::services::signing::Secret,
    /// Signed security.txt files, renewed daily and when the policy changes.
    pub security_txt_cache: crate::services::signing::Cache,
    /// The triage's source indexes, history and known advisories (bounded; see the type).
    pub triage_caches: crate::services::triage::Caches,
    /// The git sources' indexes and per-mirror locks.
    pub source_caches: crate::services::sources::Caches,
    /// Held by whoever runs this server's jobs and scheduled checks (a round of the worker,
    /// `jobs::run_due`), so one that returns leaves none of them half-run.
    pub jobs_turn: tokio::sync::Mutex<()>,
    /// The rate limits of every anonymous door (`[limits]`).
    pub limits: crate::limits::Limits,
    /// The task that writes arriving reports together on SQLite (group commit).
    pub intake_writer: crate::services::intake_batch::Writer,
}

impl std::ops::Deref for AppState {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}

impl AppState {
    pub fn new(
        db: store::Db,
        clock: Arc<dyn Clock>,
        config: Config,
        public_url: String,
    ) -> anyhow::Result<Self> {
        let secret = crate::services::signing::Secret::new(config.instance_secret()?);
        let limits = crate::limits::Limits::new(&config.limits, config.limits.enabled);
        Ok(Self(Arc::new(Inner {
            limits,
            secret,
            security_txt_cache: Default::default(),
            triage_caches: Default::default(),
            source_caches: Default::default(),
            jobs_turn: tokio::sync::Mutex::new(()),
            intake_writer: Default::default(),
            db,
            clock,
            config,
            public_url,
            setup_token_hash: Mutex::new(None),
            outbox_notify: Notify::new(),
        })))
    }

    pub fn now(&self) -> jiff::Timestamp {
        self.clock.now()
    }

    /// Whether cookies must carry `Secure` (the public URL is https).
    pub fn secure_cookies(&self) -> bool {
        self.public_url.starts_with("https://")
    }
}

/// Connects to the configured database and applies pending migrations.
pub async fn open_store(config: &Config) -> anyhow::Result<store::Db> {
    let url = config.database_url()?;
    let store = store::Db::connect(&url, config.database_max_connections)
        .await
        .with_context(|| {
            format!(
                "cannot open the {} database",
                store::Dialect::from_url(&url).map_or("", |d| d.name())
            )
        })?;
    store
        .migrate()
        .await
        .context("cannot apply database migrations")?;
    Ok(store)
}

/// A server bound to its address, ready to run.
#[derive(Debug)]
pub struct Application {
    listener: TcpListener,
    /// The SMTP/LMTP listener, when `[mail_in]` configures one.
    mail_listener: Option<TcpListener>,
    state: AppState,
    address: SocketAddr,
}

impl Application {
    /// Opens the database, migrates, optionally seeds demo data, and binds the listener.
    pub async fn build(config: Config, demo: bool) -> anyhow::Result<Self> {
        Self::build_with(config, demo, clock_from_env()?).await
    }

    /// [`Application::build`] with the given clock instead of the one [`TEST_CLOCK_ENV`]
    /// names, for tests that run several applications in one process.
    pub async fn build_with(
        config: Config,
        demo: bool,
        clock: Arc<dyn Clock>,
    ) -> anyhow::Result<Self> {
        let store = open_store(&config).await?;
        let listener = TcpListener::bind(&config.bind)
            .await
            .with_context(|| format!("cannot listen on {}", config.bind))?;
        let address = listener.local_addr()?;
        let mail_listener = match config.mail_in.bind.as_str() {
            "" => None,
            bind => Some(
                TcpListener::bind(bind)
                    .await
                    .with_context(|| format!("mail_in.bind: cannot listen on {bind}"))?,
            ),
        };
        let public_url = config.public_url(address);
        let state = AppState::new(store, clock, config, public_url)?;
        // Reports stored before their current score was kept on the row get it now.
        let scored = crate::services::reports::backfill_current_scores(&state).await?;
        if scored > 0 {
            tracing::info!(reports = scored, "current scores kept on the report rows");
        }
        if demo {
            crate::demo::seed(&state).await?;
        }
        if !store::accounts::any_admin(&mut *state.db.read().await?).await? {
            let token = tokens::generate(tokens::SETUP);
            if let Ok(mut slot) = state.setup_token_hash.lock() {
                *slot = Some(tokens::hash(&token));
            }
            println!(
                "No administrator yet. Create the first one at {}/setup/{token} (this link works once).",
                state.public_url
            );
        }
        Ok(Self {
            listener,
            mail_listener,
            state,
            address,
        })
    }

    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// The address of the SMTP/LMTP listener, when there is one.
    pub fn mail_address(&self) -> Option<SocketAddr> {
        self.mail_listener
            .as_ref()
            .and_then(|l| l.local_addr().ok())
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Serves until `shutdown` completes, then drains requests and stops the worker.
    pub async fn run_until<F>(self, shutdown: F) -> anyhow::Result<()>
    where
        F: std::future::Future<Output = ()> + Send + 'static,
    {
        let mail_address = self.mail_address();
        let Self {
            listener,
            mail_listener,
            state,
            address,
        } = self;
        let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
        let mail = mail_listener
            .map(|l| tokio::spawn(crate::mail_in::serve(state.clone(), l, stop_rx.clone())));
        if let Some(at) = mail_address {
            let protocol = state.config.mail_in.protocol().as_str();
            println!("embargo mail listening on {protocol}://{at}");
            tracing::info!(address = %at, protocol, "receiving mail");
        }
        let worker = tokio::spawn(jobs::run_worker(state.clone(), stop_rx.clone()));
        if state.limits.enabled() {
            tokio::spawn(sweep_limits(state.clone(), stop_rx));
        } else {
            tracing::warn!(
                "rate limits are OFF ([limits] enabled = false or EMBARGO_RATE_LIMITS=off): nothing slows a flood"
            );
        }
        let router = http::router::router(state.clone());
        println!(
            "embargo listening on http://{address} (public URL {})",
            state.public_url
        );
        tracing::info!(%address, database = state.db.dialect().name(), "serving");
        axum::serve(
            listener,
            router.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(shutdown)
        .await
        .context("server error")?;
        let _ = stop_tx.send(true);
        state.outbox_notify.notify_one();
        if let Some(mail) = mail {
            let _ = mail.await;
        }
        let _ = worker.await;
        state.db.close().await;
        tracing::info!("stopped");
        Ok(())
    }
}

/// Forgets the rate limits' stale keys every minute until the server stops.
async fn sweep_limits(state: AppState, mut stop: tokio::sync::watch::Receiver<bool>) {
    let mut every = tokio::time::interval(std::time::Duration::from_secs(60));
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = every.tick() => state.limits.sweep(),
            _ = stop.changed() => return,
        }
    }
}

/// Completes on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}

/// The environment variable naming a file whose RFC 3339 instant is "now", for end-to-end
/// tests that move a running server through days. Never set it in production.
pub const TEST_CLOCK_ENV: &str = "EMBARGO_TEST_CLOCK";

/// The system clock, or the test clock when [`TEST_CLOCK_ENV`] is set.
fn clock_from_env() -> anyhow::Result<Arc<dyn domain::clock::Clock>> {
    match std::env::var_os(TEST_CLOCK_ENV) {
        None => Ok(Arc::new(SystemClock)),
        Some(path) => {
            let clock = FileClock::open(path.into())?;
            tracing::warn!("the clock is read from {TEST_CLOCK_ENV}: for tests only");
            Ok(Arc::new(clock))
        }
    }
}

/// "Now" is the instant written in a file, read at every call (see [`TEST_CLOCK_ENV`]).
#[derive(Debug)]
pub struct FileClock {
    path: std::path::PathBuf,
    /// The last instant read, kept while the file is being rewritten.
    last: std::sync::Mutex<jiff::Timestamp>,
}

impl FileClock {
    pub fn open(path: std::path::PathBuf) -> anyhow::Result<Self> {
        let at = Self::read(&path).with_context(|| {
            format!(
                "{TEST_CLOCK_ENV}: {} must hold an RFC 3339 instant such as 2026-11-23T12:00:00Z",
                path.display()
            )
        })?;
        Ok(Self {
            path,
            last: std::sync::Mutex::new(at),
        })
    }

    fn read(path: &std::path::Path) -> Option<jiff::Timestamp> {
        std::fs::read_to_string(path).ok()?.trim().parse().ok()
    }
}

impl domain::clock::Clock for FileClock {
    fn now(&self) -> jiff::Timestamp {
        let mut last = self.last.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(at) = Self::read(&self.path) {
            *last = at;
        }
        *last
    }
}
