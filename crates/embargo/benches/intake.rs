//! Intake benchmark: the release binary on SQLite, driven over loopback HTTP.
//!
//! Measures the time from process start to the first served request, idle RSS, and report
//! submissions per second through `POST /api/v1/projects/{slug}/reports` at 50 concurrent
//! clients with p50/p99 latency, in two phases:
//!
//! - paced: the clients together offer a fixed rate (`INTAKE_RATE`, 500/s), each request
//!   scheduled in advance and its latency measured from its scheduled start, so time spent
//!   queued behind a slow answer counts (no coordinated omission); the server triages and
//!   acknowledges what it receives meanwhile, as it would in service;
//! - closed loop: every client sends its next report as soon as the previous one is answered,
//!   which measures the most the server sustains (latency there is clients ÷ throughput).
//!
//! Targets (issue 2): ≥ 500/s with p99 < 20 ms, idle RSS < 30 MB, start < 300 ms.
//!
//! `cargo bench -p embargo --bench intake` (`INTAKE_SECONDS`, `INTAKE_CLIENTS`, `INTAKE_RATE`).

use std::{
    io::{BufRead, BufReader},
    process::{Command, Stdio},
    time::{Duration, Instant},
};

const BIN: &str = env!("CARGO_BIN_EXE_embargo");

fn rss_kib(pid: u32) -> u64 {
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
fn cpu_time(pid: u32) -> Duration {
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

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let seconds: u64 = std::env::var("INTAKE_SECONDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10);
    let clients: usize = std::env::var("INTAKE_CLIENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(50);
    let rate: f64 = std::env::var("INTAKE_RATE")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(500.0);
    let dir = std::env::temp_dir().join(format!("embargo-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let db = format!("sqlite:{}", dir.join("embargo.db").display());
    let status = Command::new(BIN)
        .args([
            "project",
            "create",
            "--slug",
            "bench",
            "--name",
            "Bench",
            "--contact",
            "mailto:s@example.test",
        ])
        .env("EMBARGO_DATABASE_URL", &db)
        .stdout(Stdio::null())
        .status()?;
    assert!(status.success(), "project create failed");

    // Start-up: from spawn to the first answered request.
    let started = Instant::now();
    let mut child = Command::new(BIN)
        .args(["serve", "--bind", "127.0.0.1:0"])
        .env("EMBARGO_DATABASE_URL", &db)
        .env("EMBARGO_LOG", "warn")
        .env("EMBARGO_RATE_LIMITS", "off")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()?;
    let stdout = child.stdout.take().ok_or("no stdout")?;
    let mut lines = BufReader::new(stdout).lines();
    let url = loop {
        let line = lines.next().ok_or("server exited")??;
        if let Some(rest) = line.strip_prefix("embargo listening on ") {
            break rest.split_whitespace().next().ok_or("no url")?.to_owned();
        }
    };
    std::thread::spawn(move || for _ in lines {});
    let addr = url.trim_start_matches("http://").to_owned();
    loop {
        use std::io::{Read, Write};
        if let Ok(mut s) = std::net::TcpStream::connect(&addr) {
            s.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")?;
            let mut buf = String::new();
            let _ = s.read_to_string(&mut buf);
            if buf.starts_with("HTTP/1.1 200") {
                break;
            }
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    let startup = started.elapsed();
    std::thread::sleep(Duration::from_millis(500));
    let idle_rss = rss_kib(child.id());

    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let endpoint = format!("{url}/api/v1/projects/bench/reports");
    let pid = child.id();
    // Paced first: the server then also triages the reports it receives as they come (the
    // steady state), not the backlog a saturated run leaves behind.
    let cpu_before = cpu_time(pid);
    let mut paced = rt.block_on(drive(&endpoint, clients, seconds, Some(rate)));
    paced.server_cpu = cpu_time(pid).saturating_sub(cpu_before);
    let cpu_before = cpu_time(pid);
    let mut saturated = rt.block_on(drive(&endpoint, clients, seconds, None));
    saturated.server_cpu = cpu_time(pid).saturating_sub(cpu_before);
    let loaded_rss = rss_kib(child.id());
    let _ = child.kill();
    let _ = child.wait();
    let _ = std::fs::remove_dir_all(&dir);

    println!("intake benchmark (SQLite, release build, loopback HTTP)");
    println!(
        "  start to first served request: {:.0} ms",
        startup.as_secs_f64() * 1000.0
    );
    println!(
        "  idle RSS: {:.1} MB (after load: {:.1} MB)",
        idle_rss as f64 / 1024.0,
        loaded_rss as f64 / 1024.0
    );
    paced.print(&format!(
        "{clients} clients, paced at {rate:.0} reports/s in total"
    ));
    saturated.print(&format!(
        "{clients} clients, closed loop (as fast as answered)"
    ));
    Ok(())
}

/// Latencies of one phase.
struct Phase {
    latencies: Vec<Duration>,
    errors: u64,
    elapsed: Duration,
    /// CPU time the server spent during the phase.
    server_cpu: Duration,
}

impl Phase {
    fn print(&self, title: &str) {
        let mut sorted = self.latencies.clone();
        sorted.sort_unstable();
        let n = sorted.len();
        println!("  {title}, {:.1} s:", self.elapsed.as_secs_f64());
        println!(
            "    {n} reports, {} errors, {:.0} reports/s",
            self.errors,
            n as f64 / self.elapsed.as_secs_f64()
        );
        println!(
            "    server CPU: {:.0} µs per report",
            self.server_cpu.as_secs_f64() * 1e6 / n.max(1) as f64
        );
        println!(
            "    latency: p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
            percentile(&sorted, 50.0).as_secs_f64() * 1000.0,
            percentile(&sorted, 99.0).as_secs_f64() * 1000.0,
            sorted.last().copied().unwrap_or_default().as_secs_f64() * 1000.0
        );
    }
}

/// Runs `clients` concurrent clients for `seconds`: closed loop when `rate` is `None`,
/// otherwise each client sends on a fixed schedule so that together they offer `rate`/s.
async fn drive(endpoint: &str, clients: usize, seconds: u64, rate: Option<f64>) -> Phase {
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(clients)
        .build()
        .expect("client");
    let body = serde_json::json!({
        "title": "Path traversal in timelapse download",
        "description": "The timelapse download joins the requested name without normalising it. ".repeat(20),
        "affected_version": "1.10.3",
        "reproduction": "curl 'http://printer.local/downloads/timelapse/..%2f..%2fconfig.yaml'",
        "reporter": { "name": "Mara", "credit_as": "Mara" }
    });
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
                match http.post(&endpoint).json(&body).send().await {
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
    let mut latencies = Vec::new();
    let mut errors = 0;
    for t in tasks {
        let (lat, e) = t.await.expect("task");
        latencies.extend(lat);
        errors += e;
    }
    Phase {
        latencies,
        errors,
        elapsed: begin.elapsed(),
        server_cpu: Duration::ZERO,
    }
}
