//! Inbound mail benchmark: the release binary on SQLite, plain messages sent over its SMTP
//! listener (`[mail_in]`) on loopback.
//!
//! Each client keeps one SMTP connection and sends messages one after another (MAIL, RCPT,
//! DATA, the text, the final dot), each a new report for the project's contact address, so
//! every message is stored raw, parsed, filed as a report, acknowledged (queued: no relay
//! is configured) and queued for triage. Latency is from `MAIL FROM` to the final dot's
//! 250; throughput counts messages answered 250.
//!
//! Target (issue 8): ≥ 200 messages/s. Measured on the shared 2-core machine: 220–258
//! messages/s with 8 clients (p50 about 30 ms, p99 about 60 ms), 121/s with one client
//! (p50 5.5 ms, p99 28 ms).
//!
//! `cargo bench -p embargo --bench ingest` (`INGEST_SECONDS`, `INGEST_CLIENTS`).

mod common;

use common::{Server, TempDir, cli, env_or, percentile};
use std::{
    io::{BufRead, BufReader, Write},
    net::TcpStream,
    time::{Duration, Instant},
};

/// Reads one reply (all its lines); returns its code.
fn reply(reader: &mut impl BufRead) -> std::io::Result<u16> {
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        if line.as_bytes().get(3) != Some(&b'-') {
            return line
                .get(..3)
                .and_then(|c| c.parse().ok())
                .ok_or_else(|| std::io::Error::other(format!("bad reply {line:?}")));
        }
    }
}

/// One client: sends messages until `deadline`; returns latencies and errors.
fn client(addr: &str, id: usize, deadline: Instant) -> std::io::Result<(Vec<Duration>, u64)> {
    let stream = TcpStream::connect(addr)?;
    stream.set_nodelay(true)?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut writer = stream;
    let mut latencies = Vec::new();
    let mut errors = 0;
    reply(&mut reader)?;
    writer.write_all(b"EHLO bench.example.net\r\n")?;
    reply(&mut reader)?;
    let body =
        "The timelapse download joins the requested name without normalising it.\r\n".repeat(20);
    let mut n = 0u64;
    while Instant::now() < deadline {
        n += 1;
        let started = Instant::now();
        let from = format!("reporter{id}-{n}@example.net");
        writer.write_all(format!("MAIL FROM:<{from}>\r\n").as_bytes())?;
        let mail = reply(&mut reader)?;
        writer.write_all(b"RCPT TO:<security@bench.example>\r\n")?;
        let rcpt = reply(&mut reader)?;
        writer.write_all(b"DATA\r\n")?;
        let data = reply(&mut reader)?;
        if (mail, rcpt, data) != (250, 250, 354) {
            errors += 1;
            writer.write_all(b"RSET\r\n")?;
            reply(&mut reader)?;
            continue;
        }
        let message = format!(
            "From: Reporter {id} <{from}>\r\nTo: security@bench.example\r\n\
             Subject: Path traversal in timelapse download ({id}-{n})\r\n\
             Message-ID: <bench-{id}-{n}@example.net>\r\n\
             Content-Type: text/plain; charset=utf-8\r\n\r\n{body}.\r\n"
        );
        writer.write_all(message.as_bytes())?;
        match reply(&mut reader)? {
            250 => latencies.push(started.elapsed()),
            _ => errors += 1,
        }
    }
    writer.write_all(b"QUIT\r\n")?;
    let _ = reply(&mut reader);
    Ok((latencies, errors))
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let seconds: u64 = env_or("INGEST_SECONDS", 10);
    let clients: usize = env_or("INGEST_CLIENTS", 8);
    let dir = TempDir::new("ingest-bench");
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
            "mailto:security@bench.example",
        ],
        "",
    );
    let server = Server::start(
        &dir.0,
        &db,
        &[
            ("EMBARGO_MAIL_IN_BIND", "127.0.0.1:0"),
            ("EMBARGO_RATE_LIMITS", "off"),
        ],
    );
    let addr = server
        .banner
        .iter()
        .find_map(|line| line.strip_prefix("embargo mail listening on smtp://"))
        .map(|rest| rest.trim().to_owned())
        .ok_or("no mail listener")?;

    let begin = Instant::now();
    let deadline = begin + Duration::from_secs(seconds);
    let handles: Vec<_> = (0..clients)
        .map(|id| {
            let addr = addr.clone();
            std::thread::spawn(move || client(&addr, id, deadline))
        })
        .collect();
    let mut latencies = Vec::new();
    let mut errors = 0;
    for h in handles {
        match h.join() {
            Ok(Ok((lat, e))) => {
                latencies.extend(lat);
                errors += e;
            }
            Ok(Err(e)) => {
                eprintln!("client failed: {e}");
                errors += 1;
            }
            Err(_) => errors += 1,
        }
    }
    let elapsed = begin.elapsed();
    drop(server);

    latencies.sort_unstable();
    let n = latencies.len();
    println!("ingest benchmark (SQLite, release build, SMTP over loopback)");
    println!(
        "  {clients} clients, {:.1} s: {n} messages, {errors} errors, {:.0} messages/s",
        elapsed.as_secs_f64(),
        n as f64 / elapsed.as_secs_f64()
    );
    println!(
        "  latency (MAIL FROM to the final 250): p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        percentile(&latencies, 50.0).as_secs_f64() * 1000.0,
        percentile(&latencies, 99.0).as_secs_f64() * 1000.0,
        latencies.last().copied().unwrap_or_default().as_secs_f64() * 1000.0
    );
    Ok(())
}
