//! Throughput of the pure workflow pieces the server calls per request or per job.
//! Plain `std::time`; run with `cargo bench -p domain`.

use domain::{
    account::Role,
    audit::{NewAuditEvent, append, verify},
    calendar::{ReminderSettings, due_reminders},
    policy::{Policy, Targets},
    replies::{ReplyContext, ReplyKey, render_reply},
    report::{Sla, State},
    stats::svg_bar_chart,
    workflow::{TransitionRequest, check_transition},
};
use std::hint::black_box;
use std::time::{Duration, Instant};

fn bench(name: &str, iterations: u64, mut f: impl FnMut()) {
    for _ in 0..iterations.div_ceil(10) {
        f();
    }
    let start = Instant::now();
    for _ in 0..iterations {
        f();
    }
    let per = start.elapsed() / u32::try_from(iterations).unwrap_or(u32::MAX);
    println!("{name:<52} {:>10.0} ns/op", per.as_nanos() as f64);
}

fn main() {
    let policy = Policy::default();
    let requests: Vec<TransitionRequest> = State::ALL
        .into_iter()
        .map(|to| {
            let mut r = TransitionRequest::to(to);
            if to == State::Closed {
                r.resolution = Some(domain::report::Resolution::NotAVulnerability);
            }
            if to == State::NeedsInfo {
                r.message = Some("Which version?".into());
            }
            r
        })
        .collect();
    bench("check_transition x64 (every from/to pair)", 200_000, || {
        for from in State::ALL {
            for r in &requests {
                let _ = black_box(check_transition(
                    black_box(from),
                    r,
                    Role::Maintainer,
                    &policy,
                ));
            }
        }
    });

    let targets = Targets {
        business_days: true,
        time_zone: "Europe/Berlin".into(),
        holidays: (1..=20).map(|d| jiff::civil::date(2026, 12, d)).collect(),
        ..Targets::default()
    };
    let received: jiff::Timestamp = "2026-12-04T16:00:00Z".parse().unwrap_or_default();
    bench(
        "Sla::compute (Berlin, business days, 20 holidays)",
        100_000,
        || {
            black_box(Sla::compute(black_box(&targets), received));
        },
    );
    let sla = Sla::compute(&targets, received);
    let lead = ReminderSettings { hours_before: 24 };
    let now: jiff::Timestamp = "2026-12-28T12:00:00Z".parse().unwrap_or_default();
    bench("due_reminders", 1_000_000, || {
        black_box(due_reminders(
            &sla,
            State::Received,
            &lead,
            black_box(now),
            &[],
        ));
    });

    let ctx = ReplyContext {
        project_name: "OctoPrint",
        number: 42,
        title: "Stored XSS in the file list",
        reporter_name: Some("Ada"),
        tracking_url: "https://desk.example.org/t/abc",
        policy_url: "https://desk.example.org/p/octoprint/policy",
        sla: &sla,
        message: Some("Thanks, we are on it."),
        duplicate_of: None,
        non_qualifying: None,
    };
    bench("render_reply (acknowledged)", 100_000, || {
        black_box(render_reply(
            &policy,
            ReplyKey::Acknowledged,
            black_box(&ctx),
        ));
    });

    let bars: Vec<(String, f64)> = (0..10)
        .map(|i| (format!("bucket {i}"), f64::from(i)))
        .collect();
    let bars: Vec<(&str, f64)> = bars.iter().map(|(l, v)| (l.as_str(), *v)).collect();
    bench("svg_bar_chart (10 bars)", 100_000, || {
        black_box(svg_bar_chart("Open reports", black_box(&bars)));
    });

    const N: usize = 100_000;
    let start = Instant::now();
    let mut events = Vec::with_capacity(N);
    for i in 0..N {
        let e = append(
            events.last(),
            NewAuditEvent {
                at: received,
                actor: "user:0190a5b2-7d6e-7c3a-9f00-0123456789ab".into(),
                action: "report.transition".into(),
                subject: "report:0190a5b2-7d6e-7c3a-9f00-00000000002a".into(),
                data: serde_json::json!({"from": "received", "to": "acknowledged", "i": i}),
            },
        );
        events.push(e);
    }
    report("audit append", N, start.elapsed());
    let start = Instant::now();
    let ok = verify(&events).is_ok();
    report("audit verify", N, start.elapsed());
    assert!(ok);
}

fn report(name: &str, n: usize, took: Duration) {
    println!(
        "{name:<52} {:>10.0} events/s ({n} in {:.0} ms)",
        n as f64 / took.as_secs_f64(),
        took.as_secs_f64() * 1000.0
    );
}
