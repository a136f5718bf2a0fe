//! Parse throughput, single thread: messages per second for a plain-text report, an
//! HTML-only report, a report with text and refused attachments, and the whole test corpus;
//! and megabytes per second for a 9 MiB message. The ingest path's target is 200
//! messages per second end to end, so parsing must be far faster.
//!
//! Rates are per second of this thread's CPU time (from `/proc/thread-self/schedstat` on
//! Linux), so a busy shared machine does not distort them; wall-clock rates are printed
//! beside them.
//!
//! Run: `CARGO_TARGET_DIR=target/mail cargo bench -p mail --bench parse`.

use std::hint::black_box;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use mail::{Limits, OurAddresses, auto_reply_decision, parse};

/// How much CPU time each case runs for.
const RUN_FOR: Duration = Duration::from_secs(2);

/// CPU time this thread has run, when the platform says (Linux); else `None`.
fn thread_cpu_time() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let nanos: u64 = stat.split_whitespace().next()?.parse().ok()?;
    Some(Duration::from_nanos(nanos))
}

/// CPU time if known, else wall-clock time, since `start`.
fn elapsed(start: (Instant, Option<Duration>)) -> Duration {
    match (start.1, thread_cpu_time()) {
        (Some(then), Some(now)) => now.saturating_sub(then),
        _ => start.0.elapsed(),
    }
}

fn load(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
}

/// A typical plain-text report of about 3 KB.
fn plain_report() -> Vec<u8> {
    let mut raw = String::from(
        "Return-Path: <reporter@example.net>\r\nDelivered-To: security@example.org\r\n\
         Received: from mx.example.net (mx.example.net [192.0.2.10])\r\n\tby mx.example.org \
         (Postfix) with ESMTPS id 4Xyz; Tue, 4 Mar 2025 10:15:43 +0100 (CET)\r\n\
         From: Reporter <reporter@example.net>\r\nTo: security@example.org\r\n\
         Subject: Path traversal in the file download endpoint\r\n\
         Date: Tue, 4 Mar 2025 10:15:42 +0100\r\nMessage-ID: <bench-1@example.net>\r\n\
         MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\
         Content-Transfer-Encoding: 8bit\r\n\r\n",
    );
    for i in 0..40 {
        raw.push_str(&format!(
            "Step {i}: request /download?file=../../../../etc/passwd and observe the file.\r\n"
        ));
    }
    raw.into_bytes()
}

fn run(label: &str, messages: &[Vec<u8>], limits: &Limits) {
    let ours = OurAddresses::new(["security@example.org"]);
    let bytes: usize = messages.iter().map(Vec::len).sum();
    let start = (Instant::now(), thread_cpu_time());
    let mut parsed = 0u64;
    while elapsed(start) < RUN_FOR {
        for raw in messages {
            let p = parse(black_box(raw), limits);
            black_box(auto_reply_decision(&p, &ours));
            parsed += 1;
        }
    }
    let cpu = elapsed(start).as_secs_f64();
    let wall = start.0.elapsed().as_secs_f64();
    let rounds = parsed as f64 / messages.len() as f64;
    println!(
        "{label}: {:.0} messages/s of CPU time ({:.1} µs each, {:.0} MB/s); {:.0}/s wall-clock",
        parsed as f64 / cpu,
        cpu * 1e6 / parsed as f64,
        rounds * bytes as f64 / cpu / 1e6,
        parsed as f64 / wall,
    );
}

fn main() {
    let limits = Limits::default();
    run("plain-text report, 3 KB", &[plain_report()], &limits);
    run("HTML-only report", &[load("gmail_html_only.eml")], &limits);
    run(
        "report with attachments",
        &[load("poc_attachments.eml"), load("refused_attachments.eml")],
        &limits,
    );
    let corpus: Vec<Vec<u8>> =
        std::fs::read_dir(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data"))
            .expect("tests/data")
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "eml"))
            .map(|p| std::fs::read(p).expect("read"))
            .collect();
    run(
        &format!("test corpus ({} messages)", corpus.len()),
        &corpus,
        &limits,
    );
    // A large base64 attachment, near the size limit.
    let mut big = String::from(
        "From: a@example.net\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n\
         Content-Type: text/plain\r\n\r\nlog attached\r\n--b\r\nContent-Type: text/plain\r\n\
         Content-Disposition: attachment; filename=big.log\r\nContent-Transfer-Encoding: base64\r\n\r\n",
    );
    let line = "MjAyNS0wMy0wNCAxMDoxNTo0MiBJTkZPIHJlcXVlc3QgaGFuZGxlZCBpbiAzIG1zIG9rIDIwMAo=\r\n";
    while big.len() < 9 * 1024 * 1024 {
        big.push_str(line);
    }
    big.push_str("--b--\r\n");
    run(
        "9 MiB message, base64 attachment",
        &[big.into_bytes()],
        &limits,
    );
}
