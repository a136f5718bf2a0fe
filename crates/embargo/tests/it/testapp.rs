//! The application in the test's own process: `Application::build_with` (the path `main`
//! takes) on port 0, with a fresh database and data directory, its own clock (a file the
//! test rewrites, see `embargo::app::FileClock`), and the log of this application alone.
//!
//! Tests run on tokio's current-thread runtime (the `#[tokio::test]` default), so the
//! server, its job worker and the test share one thread: the log subscriber set for the
//! test sees every line the application writes there (not lines written on
//! `spawn_blocking` threads), and a test must never block that thread (wait with `.await`,
//! run the CLI with [`TestApp::cli`]).

use super::harness::{ServerOptions, SmtpSink, TempDir, data_dir};
use embargo::{AppState, Application, config::Config};
use std::{
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};
use store::testing::{Backend, TestDb};

/// One test per backend: `on_each_backend!(story)` turns `async fn story(backend: Backend)`
/// into the tests `story::sqlite` and `story::postgres`, so the runner runs them in parallel
/// and a failure names its database. PostgreSQL is skipped only when a developer opted out
/// (`EMBARGO_TEST_SKIP_POSTGRES=1`, never with `CI=true`, see `Backend::all`).
macro_rules! on_each_backend {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test]
            async fn sqlite() {
                super::$name(store::testing::Backend::Sqlite).await;
            }

            #[tokio::test]
            async fn postgres() {
                if store::testing::Backend::all().contains(&store::testing::Backend::Postgres) {
                    super::$name(store::testing::Backend::Postgres).await;
                }
            }
        }
    )*};
}
pub(crate) use on_each_backend;

/// How to start a [`TestApp`].
#[derive(Debug, Default)]
pub struct Options {
    /// Create project `demo` (the demo policy) and the administrator `admin@example.test`
    /// before the application starts, as `super::prepared` does for the binary.
    pub prepared: bool,
    /// Deliver mail to this SMTP server.
    pub smtp_port: Option<u16>,
    pub public_url: Option<String>,
    /// `EMBARGO_*` settings, read as `Config::load` reads the environment.
    pub env: Vec<(String, String)>,
    /// Seed the demo project, as `serve --demo` does.
    pub demo: bool,
    /// Read "now" from this file (see `embargo::app::FileClock`) instead.
    pub clock_file: Option<std::path::PathBuf>,
}

impl From<&ServerOptions> for Options {
    fn from(o: &ServerOptions) -> Options {
        Options {
            prepared: false,
            smtp_port: o.smtp_port,
            public_url: o.public_url.clone(),
            env: o.env.clone(),
            demo: o.demo,
            clock_file: o.clock_file.clone(),
        }
    }
}

impl Options {
    pub fn prepared() -> Options {
        Options {
            prepared: true,
            ..Options::default()
        }
    }
}

/// A running application, stopped when dropped.
pub struct TestApp {
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    /// The application's state, for calling services directly.
    pub state: AppState,
    logs: Logs,
    stop: Mutex<Option<tokio::sync::oneshot::Sender<()>>>,
    server: Mutex<Option<tokio::task::JoinHandle<anyhow::Result<()>>>>,
    // Dropped last, after the server has stopped using them.
    _log_guard: tracing::subscriber::DefaultGuard,
    pub data: TempDir,
    pub db: TestDb,
}

impl std::fmt::Debug for TestApp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestApp").field("url", &self.url).finish()
    }
}

impl TestApp {
    /// A prepared database (see [`Options::prepared`]) and nothing else configured.
    pub async fn prepared(backend: Backend) -> TestApp {
        TestApp::start(backend, Options::prepared()).await
    }

    pub async fn start(backend: Backend, options: Options) -> TestApp {
        let db = TestDb::new(backend).await;
        TestApp::start_on(db, options).await
    }

    /// Starts on a database the test prepared (e.g. with the CLI), with the options the
    /// binary would get.
    pub async fn serve(db: TestDb, options: &ServerOptions) -> TestApp {
        TestApp::start_on(db, options.into()).await
    }

    /// Starts on an existing database; the data directory is the one [`super::cli`] uses
    /// for it.
    pub async fn start_on(db: TestDb, options: Options) -> TestApp {
        let data = TempDir(data_dir(&db));
        std::fs::create_dir_all(&data.0).expect("create the data directory");
        let logs = Logs::default();
        let setting = |name: &str| {
            options
                .env
                .iter()
                .rev()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.as_str())
        };
        let log_guard = logs.install(
            setting("EMBARGO_LOG").unwrap_or("info,sqlx=warn,tower_http=info"),
            setting("EMBARGO_LOG_FORMAT") == Some("json"),
        );

        let mut vars: Vec<(String, String)> = vec![
            // Tests send many requests from one address; the rate-limit tests switch the
            // limits back on (`EMBARGO_RATE_LIMITS=on`) with their own `[limits]`.
            ("EMBARGO_RATE_LIMITS".into(), "off".into()),
            ("EMBARGO_DATABASE_URL".into(), db.url.clone()),
            ("EMBARGO_DATA_DIR".into(), data.0.display().to_string()),
        ];
        if let Some(port) = options.smtp_port {
            vars.push((
                "EMBARGO_SMTP_URL".into(),
                format!("smtp://127.0.0.1:{port}"),
            ));
            vars.push((
                "EMBARGO_SMTP_FROM".into(),
                "Embargo <embargo@example.test>".into(),
            ));
        }
        if let Some(url) = &options.public_url {
            vars.push(("EMBARGO_PUBLIC_URL".into(), url.clone()));
        }
        vars.extend(options.env.iter().cloned());
        let overrides = embargo::config::Overrides {
            bind: Some("127.0.0.1:0".into()),
            ..Default::default()
        };
        let config = Config::load_with(&overrides, |name| {
            vars.iter()
                .rev()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
        })
        .expect("test configuration");

        let clock: Arc<dyn domain::clock::Clock> = match &options.clock_file {
            Some(path) => {
                Arc::new(embargo::app::FileClock::open(path.clone()).expect("test clock file"))
            }
            None => Arc::new(domain::clock::SystemClock),
        };
        if options.prepared {
            prepare(&config, clock.clone()).await;
        }
        let app = Application::build_with(config, options.demo, clock)
            .await
            .expect("build the application");
        let address = app.address();
        let state = app.state().clone();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(app.run_until(async {
            let _ = stopped.await;
        }));
        TestApp {
            url: format!("http://{address}"),
            state,
            logs,
            stop: Mutex::new(Some(stop)),
            server: Mutex::new(Some(server)),
            _log_guard: log_guard,
            data,
            db,
        }
    }

    /// Everything this application logged so far.
    pub fn logs(&self) -> String {
        self.logs.text()
    }

    /// Runs, to the end, what is due at the application's "now" (`embargo::jobs::run_due`):
    /// one pass of the scheduled checks and every due job, after the worker's round in
    /// progress. Returns how many jobs ran. After it, "nothing more happens" is exact.
    pub async fn drain(&self) -> usize {
        embargo::jobs::run_due(&self.state)
            .await
            .expect("run the due jobs")
    }

    /// An API token for `admin@example.test`.
    pub async fn api_token(&self) -> String {
        embargo::services::accounts::create_api_token(&self.state, "admin@example.test", "test")
            .await
            .expect("create an API token")
    }

    /// Runs `embargo ARGS` on this application's database and data directory.
    pub async fn cli(&self, args: &[&str], stdin: &str) -> (i32, String, String) {
        self.cli_env(args, stdin, &[]).await
    }

    /// [`TestApp::cli`] with extra environment variables.
    pub async fn cli_env(
        &self,
        args: &[&str],
        stdin: &str,
        env: &[(&str, &str)],
    ) -> (i32, String, String) {
        use tokio::io::AsyncWriteExt;
        let mut child = tokio::process::Command::new(super::harness::BIN)
            .args(args)
            .envs(env.iter().copied())
            .current_dir(&self.data.0)
            .env("EMBARGO_DATABASE_URL", &self.db.url)
            .env("EMBARGO_DATA_DIR", &self.data.0)
            .env("EMBARGO_CONFIG", "")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("spawn embargo");
        if let Some(mut input) = child.stdin.take() {
            input
                .write_all(stdin.as_bytes())
                .await
                .expect("write stdin");
        }
        let out = child.wait_with_output().await.expect("wait for embargo");
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    /// Stops gracefully (draining requests and the worker) and reports how it ended; the
    /// database and data directory stay until drop.
    pub async fn stop(&self) -> anyhow::Result<()> {
        if let Some(stop) = lock(&self.stop).take() {
            let _ = stop.send(());
        }
        let server = lock(&self.server).take();
        match server {
            Some(server) => server.await.expect("server task"),
            None => Ok(()),
        }
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(stop) = lock(&self.stop).take() {
            let _ = stop.send(());
        }
        if let Some(server) = lock(&self.server).take() {
            server.abort();
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Project `demo` and the administrator, written before the application starts (so it
/// prints no setup link), through the services the CLI calls.
async fn prepare(config: &Config, clock: Arc<dyn domain::clock::Clock>) {
    let store = embargo::app::open_store(config)
        .await
        .expect("open the test database");
    let state = AppState::new(
        store.clone(),
        clock,
        config.clone(),
        "http://127.0.0.1".into(),
    )
    .expect("state");
    let policy = std::fs::read_to_string(super::DEMO_POLICY).expect("demo policy");
    embargo::services::projects::create(
        &state,
        embargo::services::projects::NewProject {
            slug: "demo",
            name: "PrintDesk",
            contact: Some("mailto:security@printdesk.example"),
            policy_toml: Some(&policy),
        },
        None,
    )
    .await
    .expect("create project demo");
    embargo::services::accounts::create_user(
        &state,
        embargo::services::accounts::NewAccount {
            email: "admin@example.test",
            name: "Ada Admin",
            password: super::PASSWORD,
            is_admin: true,
        },
    )
    .await
    .expect("create the administrator");
    store.close().await;
}

/// Polls `done` every 20 ms until it holds; after 30 s panics naming `what` and `state()`.
pub async fn wait_until<S: std::fmt::Display>(
    what: &str,
    mut done: impl FnMut() -> bool,
    state: impl Fn() -> S,
) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !done() {
        assert!(
            Instant::now() < deadline,
            "{what}: not within 30 s; {}",
            state()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

impl SmtpSink {
    /// Waits (without blocking the runtime) until a message satisfying `pred` arrives.
    pub async fn wait(&self, what: &str, pred: impl Fn(&str) -> bool) -> String {
        let found = std::cell::RefCell::new(None);
        wait_until(
            &format!("e-mail {what}"),
            || {
                let m = self.messages().into_iter().find(|m| pred(m));
                let hit = m.is_some();
                *found.borrow_mut() = m;
                hit
            },
            || format!("got {:?}", self.messages()),
        )
        .await;
        found.into_inner().expect("message")
    }
}

/// The log lines of one application, written by a subscriber that is the default on the
/// test's thread only.
#[derive(Clone, Default)]
struct Logs(Arc<Mutex<Vec<u8>>>);

impl Logs {
    fn install(&self, filter: &str, json: bool) -> tracing::subscriber::DefaultGuard {
        let filter = tracing_subscriber::EnvFilter::new(filter);
        let builder = tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_ansi(false)
            .with_writer(self.clone());
        if json {
            tracing::subscriber::set_default(builder.json().finish())
        } else {
            tracing::subscriber::set_default(builder.finish())
        }
    }

    fn text(&self) -> String {
        let bytes = self.0.lock().unwrap_or_else(|e| e.into_inner());
        String::from_utf8_lossy(&bytes).into_owned()
    }
}

impl std::io::Write for Logs {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Logs {
    type Writer = Logs;
    fn make_writer(&'a self) -> Logs {
        self.clone()
    }
}
