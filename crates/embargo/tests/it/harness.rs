//! Real processes for the integration tests: the `embargo` binary, and an SMTP server
//! (Python's aiosmtpd, installed into a virtual environment under the target directory on
//! first use).

use std::{
    io::{BufRead, BufReader},
    net::TcpListener,
    path::{Path, PathBuf},
    process::{Child, Command, ExitStatus, Stdio},
    sync::{Mutex, mpsc},
    time::{Duration, Instant},
};
use store::testing::TestDb;

pub const BIN: &str = env!("CARGO_BIN_EXE_embargo");

/// A scratch directory removed at drop.
#[derive(Debug)]
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new() -> TempDir {
        let dir =
            std::env::temp_dir().join(format!("embargo-it-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).expect("create temp dir");
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The data directory of the application on `db` (its instance secret unlocks the
/// projects' keys, so the CLI and the server must share it): one per test database, beside
/// a SQLite file (removed with it), else in the temporary directory.
pub fn data_dir(db: &TestDb) -> PathBuf {
    use sha2::Digest;
    if let Some(parent) = db
        .url
        .strip_prefix("sqlite:")
        .and_then(|file| Path::new(file).parent())
    {
        return parent.join("data");
    }
    let tag = hex::encode(&sha2::Sha256::digest(db.url.as_bytes())[..8]);
    std::env::temp_dir().join(format!("embargo-it-data-{tag}"))
}

/// Runs `embargo ARGS` to completion with the database of `db`.
pub fn cli(db: &TestDb, args: &[&str], stdin: &str) -> (i32, String, String) {
    cli_env(db, args, stdin, &[])
}

/// [`cli`] with extra environment variables.
pub fn cli_env(
    db: &TestDb,
    args: &[&str],
    stdin: &str,
    env: &[(&str, &str)],
) -> (i32, String, String) {
    use std::io::Write;
    let mut child = Command::new(BIN)
        .args(args)
        .env("EMBARGO_DATA_DIR", data_dir(db))
        .envs(env.iter().copied())
        .current_dir(std::env::temp_dir())
        .env("EMBARGO_DATABASE_URL", &db.url)
        .env("EMBARGO_CONFIG", "")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn embargo");
    if let Some(mut input) = child.stdin.take() {
        input.write_all(stdin.as_bytes()).expect("write stdin");
    }
    let out = child.wait_with_output().expect("wait for embargo");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A running `embargo serve`.
#[derive(Debug)]
pub struct Server {
    child: Child,
    pub url: String,
    /// The one-time setup link, when the server printed one.
    pub setup_link: Option<String>,
    pub stdout: Vec<String>,
    pub stderr: std::sync::Arc<Mutex<Vec<String>>>,
}

#[derive(Debug, Default, Clone)]
pub struct ServerOptions {
    pub smtp_port: Option<u16>,
    pub public_url: Option<String>,
    pub demo: bool,
    /// A file holding the server's "now" (RFC 3339), which the test may rewrite.
    pub clock_file: Option<PathBuf>,
    /// Extra environment variables for the server.
    pub env: Vec<(String, String)>,
}

impl Server {
    pub fn start(db: &TestDb, options: &ServerOptions) -> Server {
        let work = std::env::temp_dir();
        let mut cmd = Command::new(BIN);
        cmd.args(["serve", "--bind", "127.0.0.1:0"])
            .current_dir(work)
            .env("EMBARGO_DATABASE_URL", &db.url)
            .env("EMBARGO_DATA_DIR", data_dir(db))
            .env("EMBARGO_CONFIG", "")
            .env("EMBARGO_LOG", "info")
            // Tests send many requests from one address.
            .env("EMBARGO_RATE_LIMITS", "off")
            .env_remove("EMBARGO_PUBLIC_URL")
            .env_remove("EMBARGO_SMTP_URL")
            .env_remove("EMBARGO_TEST_CLOCK")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        if options.demo {
            cmd.arg("--demo");
        }
        for (k, v) in &options.env {
            cmd.env(k, v);
        }
        if let Some(port) = options.smtp_port {
            cmd.env("EMBARGO_SMTP_URL", format!("smtp://127.0.0.1:{port}"));
            cmd.env("EMBARGO_SMTP_FROM", "Embargo <embargo@example.test>");
        }
        if let Some(path) = &options.clock_file {
            cmd.env("EMBARGO_TEST_CLOCK", path);
        }
        if let Some(url) = &options.public_url {
            cmd.env("EMBARGO_PUBLIC_URL", url);
        }
        let mut child = cmd.spawn().expect("spawn embargo serve");
        let stdout = child.stdout.take().expect("stdout");
        let stderr = child.stderr.take().expect("stderr");
        let logs = std::sync::Arc::new(Mutex::new(Vec::new()));
        let sink = logs.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Ok(mut l) = sink.lock() {
                    l.push(line);
                }
            }
        });
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let mut lines = Vec::new();
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let line = match rx.recv_timeout(left) {
                Ok(line) => line,
                Err(_) => {
                    let _ = child.kill();
                    let _ = child.wait();
                    panic!(
                        "server did not start; stdout {lines:?}; stderr {:?}",
                        logs.lock().map(|l| l.clone())
                    );
                }
            };
            lines.push(line.clone());
            if let Some(rest) = line.strip_prefix("embargo listening on ") {
                let url = rest.split_whitespace().next().expect("url").to_owned();
                let setup_link = lines.iter().find_map(|l| {
                    l.split_whitespace()
                        .find(|w| w.contains("/setup/"))
                        .map(str::to_owned)
                });
                return Server {
                    child,
                    url,
                    setup_link,
                    stdout: lines,
                    stderr: logs,
                };
            }
        }
    }

    /// Stops the server with SIGTERM and waits for a graceful exit.
    pub fn stop(mut self) -> ExitStatus {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                return status;
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                panic!("server did not stop within 30 s");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// The port of the SMTP/LMTP listener (`EMBARGO_MAIL_IN_BIND`), from the start-up lines.
    pub fn mail_port(&self) -> u16 {
        self.stdout
            .iter()
            .find_map(|l| l.strip_prefix("embargo mail listening on "))
            .and_then(|rest| rest.rsplit(':').next())
            .and_then(|port| port.trim().parse().ok())
            .unwrap_or_else(|| panic!("no mail listener in {:?}", self.stdout))
    }

    pub fn logs(&self) -> String {
        self.stderr.lock().map(|l| l.join("\n")).unwrap_or_default()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// An HTTP client that keeps cookies and does not follow redirects.
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

/// The value of `name="NAME" value="…"` in an HTML form.
pub fn hidden_field(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html
        .find(&marker)
        .unwrap_or_else(|| panic!("no field {name} in {html}"))
        + marker.len();
    html[start..].split('"').next().expect("value").to_owned()
}

// SMTP -----------------------------------------------------------------------------------

static VENV: Mutex<Option<PathBuf>> = Mutex::new(None);

/// A Python virtual environment with aiosmtpd, made once per target directory.
fn venv() -> PathBuf {
    let mut slot = VENV.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(p) = slot.as_ref() {
        return p.clone();
    }
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("smtp-venv");
    let python = dir.join("bin/python");
    let ready = dir.join(".aiosmtpd-1.4.6");
    if !ready.exists() {
        let ok = Command::new("python3")
            .args(["-m", "venv"])
            .arg(&dir)
            .status()
            .expect("python3 -m venv");
        assert!(ok.success(), "cannot create a Python virtual environment");
        let ok = Command::new(&python)
            .args([
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
                "aiosmtpd==1.4.6",
            ])
            .status()
            .expect("pip install aiosmtpd");
        assert!(ok.success(), "cannot install aiosmtpd");
        std::fs::write(&ready, "").expect("mark venv ready");
    }
    *slot = Some(python.clone());
    python
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port()
}

/// A real SMTP server process that stores every message it accepts in a Maildir.
#[derive(Debug)]
pub struct SmtpSink {
    child: Child,
    pub port: u16,
    maildir: TempDir,
}

impl SmtpSink {
    pub fn start() -> SmtpSink {
        let python = venv();
        let maildir = TempDir::new();
        let port = free_port();
        let child = Command::new(python)
            .args([
                "-m",
                "aiosmtpd",
                "-n",
                "-l",
                &format!("127.0.0.1:{port}"),
                "-c",
                "aiosmtpd.handlers.Mailbox",
            ])
            .arg(maildir.0.join("mail"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start aiosmtpd");
        let deadline = Instant::now() + Duration::from_secs(30);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "aiosmtpd did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
        SmtpSink {
            child,
            port,
            maildir,
        }
    }

    /// Every message received so far, as RFC 5322 text with quoted-printable bodies decoded.
    pub fn messages(&self) -> Vec<String> {
        self.raw_messages()
            .iter()
            .map(|m| decode_quoted_printable(m))
            .collect()
    }

    /// Every message received so far, exactly as stored (e.g. to read OpenPGP armor, which
    /// quoted-printable decoding would spoil).
    pub fn raw_messages(&self) -> Vec<String> {
        let mut out = Vec::new();
        for sub in ["new", "cur"] {
            if let Ok(entries) = std::fs::read_dir(self.maildir.0.join("mail").join(sub)) {
                for e in entries.flatten() {
                    if let Ok(text) = std::fs::read_to_string(e.path()) {
                        out.push(text);
                    }
                }
            }
        }
        out
    }

    /// Waits until a message satisfying `pred` arrives.
    pub fn wait_for(&self, what: &str, pred: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(m) = self.messages().into_iter().find(|m| pred(m)) {
                return m;
            }
            assert!(
                Instant::now() < deadline,
                "no e-mail {what} within 30 s; got {:?}",
                self.messages()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Undoes quoted-printable (RFC 2045 §6.7): soft line breaks and `=XX` escapes.
pub fn decode_quoted_printable(text: &str) -> String {
    let joined = text.replace("=\r\n", "").replace("=\n", "");
    let bytes = joined.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'='
            && i + 2 < bytes.len()
            && let Ok(b) = u8::from_str_radix(&joined[i + 1..i + 3], 16)
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}
