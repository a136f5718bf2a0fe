//! Helpers the benchmarks share: the release binary started as a server or run as the
//! command line, the server's memory and CPU from `/proc`, percentiles, and the closed-loop
//! and paced intake driver.
//!
//! Each benchmark is its own crate and uses only part of this module.
#![allow(dead_code)]

use std::{
    io::{BufRead, BufReader, Write},
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

pub const BIN: &str = env!("CARGO_BIN_EXE_embargo");

/// A variable of the benchmark's environment, or `default` when unset or unreadable.
pub fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Resident memory of a process, in KiB.
pub fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines().find_map(|l| {
                l.strip_prefix("VmRSS:")
                    .map(|v| v.trim().trim_end_matches("kB").trim().parse().unwrap_or(0))
            })
        })
        .unwrap_or(0)
}

/// CPU time the process has used so far (user + system), from `/proc/{pid}/stat`.
pub fn cpu_time(pid: u32) -> Duration {
    let ticks = std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|s| {
            // Fields after the parenthesised command name; utime and stime are 14th and 15th.
            let rest = s.rsplit_once(')')?.1;
            let f: Vec<&str> = rest.split_whitespace().collect();
            Some(f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?)
        })
        .unwrap_or(0);
    // Linux reports these in USER_HZ, which is 100 on every supported architecture.
    Duration::from_millis(ticks * 10)
}

/// The machine's load averages, as `uptime` prints them.
pub fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}

/// The `p`th percentile of sorted latencies (nearest rank).
pub fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

pub fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Runs `embargo ARGS` in `dir` on `database_url` with `stdin`; its standard output, or a
/// panic naming the command and its error output.
pub fn cli(dir: &Path, database_url: &str, args: &[&str], stdin: &str) -> String {
    let mut child = Command::new(BIN)
        .args(args)
        .current_dir(dir)
        .env("EMBARGO_DATABASE_URL", database_url)
        .env("EMBARGO_CONFIG", "")
        .env("EMBARGO_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start embargo");
    if let Some(mut input) = child.stdin.take() {
        input.write_all(stdin.as_bytes()).expect("write stdin");
    }
    let out = child.wait_with_output().expect("run embargo");
    assert!(
        out.status.success(),
        "embargo {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// `embargo serve` on a free loopback port, killed when dropped.
pub struct Server {
    child: Child,
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    /// The lines the server printed before it listened (e.g. the mail listener's address).
    pub banner: Vec<String>,
    /// From spawn to the first answered `/healthz`.
    pub startup: Duration,
}

impl Server {
    /// Starts the server in `dir` (its data directory is `dir/embargo-data`) on
    /// `database_url`, with `env` added to its environment.
    pub fn start(dir: &Path, database_url: &str, env: &[(&str, &str)]) -> Server {
        let started = Instant::now();
        let mut command = Command::new(BIN);
        command
            .args(["serve", "--bind", "127.0.0.1:0"])
            .current_dir(dir)
            .env("EMBARGO_DATABASE_URL", database_url)
            .env("EMBARGO_CONFIG", "")
            .env("EMBARGO_LOG", "warn")
            .env_remove("EMBARGO_SMTP_URL")
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        for (k, v) in env {
            command.env(k, v);
        }
        let mut child = command.spawn().expect("start embargo serve");
        let stdout = child.stdout.take().expect("stdout");
        let mut lines = BufReader::new(stdout).lines();
        let mut banner = Vec::new();
        let url = loop {
            let line = lines
                .next()
                .expect("server exited before listening")
                .expect("read server output");
            if let Some(rest) = line.strip_prefix("embargo listening on ") {
                break rest.split_whitespace().next().expect("address").to_owned();
            }
            banner.push(line);
        };
        std::thread::spawn(move || for _ in lines {});
        let addr = url.trim_start_matches("http://").to_owned();
        loop {
            use std::io::Read;
            if let Ok(mut s) = std::net::TcpStream::connect(&addr) {
                let _ =
                    s.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
                let mut buf = String::new();
                let _ = s.read_to_string(&mut buf);
                if buf.starts_with("HTTP/1.1 200") {
                    break;
                }
            }
            std::thread::sleep(Duration::from_millis(1));
        }
        Server {
            child,
            url,
            banner,
            startup: started.elapsed(),
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn rss_mb(&self) -> f64 {
        rss_kib(self.pid()) as f64 / 1024.0
    }

    /// Waits until the server has used under 5% of a core for two seconds in a row (its
    /// worker done with the backlog), at most `max`; whether it got there.
    pub fn wait_quiet(&self, max: Duration) -> bool {
        let begin = Instant::now();
        let mut calm = 0;
        let mut before = cpu_time(self.pid());
        while begin.elapsed() < max {
            std::thread::sleep(Duration::from_secs(1));
            let now = cpu_time(self.pid());
            calm = if now.saturating_sub(before) < Duration::from_millis(50) {
                calm + 1
            } else {
                0
            };
            before = now;
            if calm >= 2 {
                return true;
            }
        }
        false
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A temporary directory, removed when dropped.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> TempDir {
        let dir =
            std::env::temp_dir().join(format!("embargo-{tag}-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).expect("create temporary directory");
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The report every intake benchmark sends (about 1.5 KB of JSON).
pub fn report_body() -> serde_json::Value {
    serde_json::json!({
        "title": "Path traversal in timelapse download",
        "description": "The timelapse download joins the requested name without normalising it. ".repeat(20),
        "affected_version": "1.10.3",
        "reproduction": "curl 'http://printer.local/downloads/timelapse/..%2f..%2fconfig.yaml'",
        "reporter": { "name": "Mara", "credit_as": "Mara" }
    })
}

/// Latencies of one phase.
#[derive(Debug, Default)]
pub struct Phase {
    pub latencies: Vec<Duration>,
    pub errors: u64,
    pub elapsed: Duration,
    /// CPU time the server spent during the phase.
    pub server_cpu: Duration,
}

impl Phase {
    pub fn rate(&self) -> f64 {
        self.latencies.len() as f64 / self.elapsed.as_secs_f64()
    }

    pub fn sorted(&self) -> Vec<Duration> {
        let mut sorted = self.latencies.clone();
        sorted.sort_unstable();
        sorted
    }

    pub fn print(&self, title: &str) {
        let sorted = self.sorted();
        let n = sorted.len();
        println!("  {title}, {:.1} s:", self.elapsed.as_secs_f64());
        println!(
            "    {n} reports, {} errors, {:.0} reports/s",
            self.errors,
            self.rate()
        );
        if self.server_cpu > Duration::ZERO {
            println!(
                "    server CPU: {:.0} µs per report",
                self.server_cpu.as_secs_f64() * 1e6 / n.max(1) as f64
            );
        }
        println!(
            "    latency: p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
            ms(percentile(&sorted, 50.0)),
            ms(percentile(&sorted, 99.0)),
            ms(sorted.last().copied().unwrap_or_default())
        );
    }
}

/// Runs `clients` concurrent clients posting `body` to `endpoint` for `seconds`: closed
/// loop when `rate` is `None`, otherwise each client sends on a fixed schedule so that
/// together they offer `rate`/s, each latency counted from its scheduled start (time queued
/// behind a slow answer counts: no coordinated omission). A 201 is a success.
pub async fn drive(
    endpoint: &str,
    body: &serde_json::Value,
    clients: usize,
    seconds: u64,
    rate: Option<f64>,
) -> Phase {
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(clients)
        .build()
        .expect("client");
    let body = serde_json::to_vec(body).expect("body");
    let begin = tokio::time::Instant::now();
    let deadline = begin + Duration::from_secs(seconds);
    // Each client's interval; clients start staggered across one interval.
    let interval = rate.map(|r| Duration::from_secs_f64(clients as f64 / r));
    let mut tasks = Vec::new();
    for i in 0..clients {
        let (http, body, endpoint) = (http.clone(), body.clone(), endpoint.to_owned());
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            let mut errors = 0u64;
            let mut next =
                begin + interval.map_or(Duration::ZERO, |iv| iv * i as u32 / clients as u32);
            loop {
                let scheduled = match interval {
                    Some(iv) => {
                        tokio::time::sleep_until(next).await;
                        let at = next;
                        next += iv;
                        at
                    }
                    None => tokio::time::Instant::now(),
                };
                if scheduled >= deadline {
                    break;
                }
                let sent = http
                    .post(&endpoint)
                    .header("content-type", "application/json")
                    .body(body.clone())
                    .send()
                    .await;
                match sent {
                    Ok(r) if r.status() == 201 => {
                        let _ = r.bytes().await;
                        lat.push(scheduled.elapsed());
                    }
                    _ => errors += 1,
                }
            }
            (lat, errors)
        }));
    }
    let mut phase = Phase::default();
    for t in tasks {
        let (lat, e) = t.await.expect("task");
        phase.latencies.extend(lat);
        phase.errors += e;
    }
    phase.elapsed = begin.elapsed();
    phase
}
