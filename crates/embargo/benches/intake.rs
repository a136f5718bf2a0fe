//! Intake benchmark: the release binary on SQLite, driven over loopback HTTP.
//!
//! Measures the time from process start to the first served request, idle RSS, and report
//! submissions per second through `POST /api/v1/projects/{slug}/reports` at 50 concurrent
//! clients with p50/p99 latency. Targets (issue 2): ≥ 500/s with p99 < 20 ms, idle RSS
//! < 30 MB, start < 300 ms.
//!
//! `cargo bench -p embargo --bench intake` (`INTAKE_SECONDS`, `INTAKE_CLIENTS` to vary).

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
    let (latencies, errors, elapsed) = rt.block_on(async {
        let http = reqwest::Client::builder().pool_max_idle_per_host(clients).build().expect("client");
        let body = serde_json::json!({
            "title": "Path traversal in timelapse download",
            "description": "The timelapse download joins the requested name without normalising it. ".repeat(20),
            "affected_version": "1.10.3",
            "reproduction": "curl 'http://printer.local/downloads/timelapse/..%2f..%2fconfig.yaml'",
            "reporter": { "name": "Mara", "credit_as": "Mara" }
        });
        let endpoint = format!("{url}/api/v1/projects/bench/reports");
        let deadline = Instant::now() + Duration::from_secs(seconds);
        let begin = Instant::now();
        let mut tasks = Vec::new();
        for _ in 0..clients {
            let (http, body, endpoint) = (http.clone(), body.clone(), endpoint.clone());
            tasks.push(tokio::spawn(async move {
                let mut lat = Vec::new();
                let mut errors = 0u64;
                while Instant::now() < deadline {
                    let t = Instant::now();
                    match http.post(&endpoint).json(&body).send().await {
                        Ok(r) if r.status() == 201 => {
                            let _ = r.bytes().await;
                            lat.push(t.elapsed());
                        }
                        _ => errors += 1,
                    }
                }
                (lat, errors)
            }));
        }
        let mut all = Vec::new();
        let mut errors = 0;
        for t in tasks {
            let (lat, e) = t.await.expect("task");
            all.extend(lat);
            errors += e;
        }
        (all, errors, begin.elapsed())
    });
    let loaded_rss = rss_kib(child.id());
    let _ = child.kill();
    let _ = child.wait();
    let _ = std::fs::remove_dir_all(&dir);

    let mut sorted = latencies;
    sorted.sort_unstable();
    let n = sorted.len();
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
    println!(
        "  {clients} clients for {:.1} s: {n} reports, {errors} errors",
        elapsed.as_secs_f64()
    );
    println!(
        "  throughput: {:.0} reports/s",
        n as f64 / elapsed.as_secs_f64()
    );
    println!(
        "  latency: p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        percentile(&sorted, 50.0).as_secs_f64() * 1000.0,
        percentile(&sorted, 99.0).as_secs_f64() * 1000.0,
        sorted.last().copied().unwrap_or_default().as_secs_f64() * 1000.0
    );
    Ok(())
}
