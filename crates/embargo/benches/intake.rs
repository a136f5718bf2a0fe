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

mod common;

use common::{Server, TempDir, cli, cpu_time, drive, env_or, report_body};
use std::time::Duration;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let seconds: u64 = env_or("INTAKE_SECONDS", 10);
    let clients: usize = env_or("INTAKE_CLIENTS", 50);
    let rate: f64 = env_or("INTAKE_RATE", 500.0);
    let dir = TempDir::new("intake-bench");
    let db = format!("sqlite:{}", dir.0.join("embargo.db").display());
    cli(
        &dir.0,
        &db,
        &[
            "project",
            "create",
            "--slug",
            "bench",
            "--name",
            "Bench",
            "--contact",
            "mailto:s@example.test",
        ],
        "",
    );

    let server = Server::start(&dir.0, &db, &[("EMBARGO_RATE_LIMITS", "off")]);
    std::thread::sleep(Duration::from_millis(500));
    let idle_rss = server.rss_mb();

    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let endpoint = format!("{}/api/v1/projects/bench/reports", server.url);
    let body = report_body();
    let pid = server.pid();
    // Paced first: the server then also triages the reports it receives as they come (the
    // steady state), not the backlog a saturated run leaves behind.
    let cpu_before = cpu_time(pid);
    let mut paced = rt.block_on(drive(&endpoint, &body, clients, seconds, Some(rate)));
    paced.server_cpu = cpu_time(pid).saturating_sub(cpu_before);
    let cpu_before = cpu_time(pid);
    let mut saturated = rt.block_on(drive(&endpoint, &body, clients, seconds, None));
    saturated.server_cpu = cpu_time(pid).saturating_sub(cpu_before);
    let loaded_rss = server.rss_mb();
    let startup = server.startup;
    drop(server);

    println!("intake benchmark (SQLite, release build, loopback HTTP)");
    println!(
        "  start to first served request: {:.0} ms",
        startup.as_secs_f64() * 1000.0
    );
    println!("  idle RSS: {idle_rss:.1} MB (after load: {loaded_rss:.1} MB)");
    paced.print(&format!(
        "{clients} clients, paced at {rate:.0} reports/s in total"
    ));
    saturated.print(&format!(
        "{clients} clients, closed loop (as fast as answered)"
    ));
    Ok(())
}
