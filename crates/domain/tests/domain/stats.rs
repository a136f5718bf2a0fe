use crate::ts;
use domain::{
    report::State,
    stats::{
        AgeBucket, ReportTimes, Summary, format_value, open_from_counts, open_reports,
        response_times, svg_bar_chart,
    },
};
use jiff::SignedDuration;

fn h(n: i64) -> SignedDuration {
    SignedDuration::from_hours(n)
}

fn d(n: i64) -> SignedDuration {
    SignedDuration::from_hours(24 * n)
}

fn after(start: &str, by: SignedDuration) -> Option<jiff::Timestamp> {
    Some(ts(start).checked_add(by).expect("in range"))
}

#[test]
fn median_and_p90_of_response_times() {
    let r = "2026-03-01T00:00:00Z";
    let later = "2026-03-05T12:00:00Z";
    let times = [
        ReportTimes {
            received: ts(r),
            acknowledged_at: after(r, h(2)),
            triaged_at: after(r, d(3)),
            fixed_at: after(r, d(10)),
        },
        ReportTimes {
            received: ts(r),
            acknowledged_at: after(r, h(10)),
            triaged_at: after(r, d(5)),
            fixed_at: None,
        },
        ReportTimes {
            received: ts(r),
            acknowledged_at: after(r, h(24)),
            triaged_at: None,
            fixed_at: None,
        },
        ReportTimes {
            received: ts(r),
            acknowledged_at: after(r, h(4)),
            triaged_at: after(r, d(2)),
            fixed_at: after(r, d(30)),
        },
        ReportTimes {
            received: ts(r),
            acknowledged_at: None,
            triaged_at: None,
            fixed_at: None,
        },
        ReportTimes {
            received: ts(later),
            acknowledged_at: after(later, h(6)),
            triaged_at: None,
            fixed_at: None,
        },
        // Acknowledged "before" it was received (clock skew): counts as zero.
        ReportTimes {
            received: ts(later),
            acknowledged_at: after(later, h(-1)),
            triaged_at: None,
            fixed_at: None,
        },
    ];
    let rt = response_times(&times);
    // Acknowledge: 0, 2, 4, 6, 10, 24 hours: median (4 + 6) / 2 = 5 h; p90 = rank 6 = 24 h.
    assert_eq!(
        rt.acknowledge,
        Summary {
            count: 6,
            median: Some(h(5)),
            p90: Some(h(24))
        }
    );
    // Triage: 2, 3, 5 days: median 3 d; p90 = rank 3 = 5 d.
    assert_eq!(
        rt.triage,
        Summary {
            count: 3,
            median: Some(d(3)),
            p90: Some(d(5))
        }
    );
    // Fix: 10, 30 days: median 20 d; p90 = rank 2 = 30 d.
    assert_eq!(
        rt.fix,
        Summary {
            count: 2,
            median: Some(d(20)),
            p90: Some(d(30))
        }
    );
}

#[test]
fn percentile_ranks() {
    // 1..=10 hours in a shuffled order: median 5.5 h, p90 the 9th value.
    let ten = [7, 1, 10, 3, 5, 2, 9, 4, 8, 6].map(h).to_vec();
    assert_eq!(
        Summary::of(ten),
        Summary {
            count: 10,
            median: Some(SignedDuration::from_mins(330)),
            p90: Some(h(9))
        }
    );
    // 1..=11: median 6, p90 rank ⌈9.9⌉ = 10.
    let eleven = (1..=11).map(h).collect();
    assert_eq!(Summary::of(eleven).median, Some(h(6)));
    assert_eq!(Summary::of((1..=11).map(h).collect()).p90, Some(h(10)));
    assert_eq!(
        Summary::of(vec![h(3)]),
        Summary {
            count: 1,
            median: Some(h(3)),
            p90: Some(h(3))
        }
    );
    assert_eq!(
        Summary::of(vec![]),
        Summary {
            count: 0,
            median: None,
            p90: None
        }
    );
}

#[test]
fn open_reports_by_age_and_state() {
    use State::*;
    let reports = [
        (Received, ts("2026-05-30T00:00:00Z")),     // 2 days
        (Acknowledged, ts("2026-05-25T00:00:01Z")), // 6 days 23:59:59
        (NeedsInfo, ts("2026-05-25T00:00:00Z")),    // exactly 7 days
        (Accepted, ts("2026-05-02T00:00:00Z")),     // 30 days
        (Fixing, ts("2026-03-03T00:00:00Z")),       // 90 days
        (Fixed, ts("2026-03-04T00:00:00Z")),        // 89 days
        (Closed, ts("2026-01-01T00:00:00Z")),
        (Disclosed, ts("2026-01-01T00:00:00Z")),
        (Received, ts("2026-06-02T00:00:00Z")), // in the future (clock skew)
    ];
    let open = open_reports(&reports, ts("2026-06-01T00:00:00Z"));
    assert_eq!(open.total, 7);
    assert_eq!(
        open.by_age,
        vec![
            (AgeBucket::UnderAWeek, 3),
            (AgeBucket::UnderAMonth, 1),
            (AgeBucket::UnderAQuarter, 2),
            (AgeBucket::Older, 1),
        ]
    );
    assert_eq!(
        open.by_state,
        vec![
            (Received, 2),
            (Acknowledged, 1),
            (NeedsInfo, 1),
            (Accepted, 1),
            (Fixing, 1),
            (Fixed, 1),
        ]
    );
    let empty = open_reports(&[], ts("2026-06-01T00:00:00Z"));
    assert_eq!(empty.total, 0);
    assert!(empty.by_age.iter().all(|(_, n)| *n == 0));
    assert_eq!(empty.by_state.len(), 6);
}

#[test]
fn open_reports_from_counts_made_by_the_database() {
    use State::*;
    // (state, count, received less than 7 / 30 / 90 days ago): the same reports as above.
    let open = open_from_counts(&[
        (Received, 2, [2, 2, 2]),
        (Acknowledged, 1, [1, 1, 1]),
        (NeedsInfo, 1, [0, 1, 1]),
        (Accepted, 1, [0, 0, 1]),
        (Fixing, 1, [0, 0, 0]),
        (Fixed, 1, [0, 0, 1]),
        (Closed, 40, [40, 40, 40]),
    ]);
    assert_eq!(open.total, 7);
    assert_eq!(
        open.by_age,
        vec![
            (AgeBucket::UnderAWeek, 3),
            (AgeBucket::UnderAMonth, 1),
            (AgeBucket::UnderAQuarter, 2),
            (AgeBucket::Older, 1),
        ]
    );
    assert_eq!(
        open.by_state,
        vec![
            (Received, 2),
            (Acknowledged, 1),
            (NeedsInfo, 1),
            (Accepted, 1),
            (Fixing, 1),
            (Fixed, 1),
        ]
    );
    let empty = open_from_counts(&[]);
    assert_eq!(empty.total, 0);
    assert!(empty.by_age.iter().all(|(_, n)| *n == 0));
    assert_eq!(empty.by_state.len(), 6);
}

#[test]
fn bar_chart_svg() {
    let svg = svg_bar_chart(
        "Open reports by severity",
        &[("Critical", 3.0), ("High", 12.0), ("<script>&\"x\"", 1.5)],
    );
    assert_eq!(
        svg,
        concat!(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 480 112\" width=\"480\" ",
            "height=\"112\" role=\"img\" aria-label=\"Open reports by severity\" ",
            "font-family=\"sans-serif\" font-size=\"12\">",
            "<title>Open reports by severity</title>",
            "<desc>Critical: 3; High: 12; &lt;script&gt;&amp;&quot;x&quot;: 1.5</desc>",
            "<text x=\"0\" y=\"18\" font-size=\"14\" font-weight=\"bold\" fill=\"#222\">",
            "Open reports by severity</text>",
            "<g><text x=\"152\" y=\"48\" text-anchor=\"end\" fill=\"#222\">Critical</text>",
            "<rect x=\"160\" y=\"36\" width=\"60.0\" height=\"16\" fill=\"#3b6ea8\"/>",
            "<text x=\"226.0\" y=\"48\" fill=\"#222\">3</text></g>",
            "<g><text x=\"152\" y=\"72\" text-anchor=\"end\" fill=\"#222\">High</text>",
            "<rect x=\"160\" y=\"60\" width=\"240.0\" height=\"16\" fill=\"#3b6ea8\"/>",
            "<text x=\"406.0\" y=\"72\" fill=\"#222\">12</text></g>",
            "<g><text x=\"152\" y=\"96\" text-anchor=\"end\" fill=\"#222\">",
            "&lt;script&gt;&amp;&quot;x&quot;</text>",
            "<rect x=\"160\" y=\"84\" width=\"30.0\" height=\"16\" fill=\"#3b6ea8\"/>",
            "<text x=\"196.0\" y=\"96\" fill=\"#222\">1.5</text></g>",
            "</svg>"
        )
    );
    assert!(!svg.contains("<script"));
    assert!(!svg.contains("style"));
}

#[test]
fn bar_chart_edge_cases() {
    let empty = svg_bar_chart("Nothing <here>", &[]);
    assert!(empty.contains("<desc>No data.</desc>"), "{empty}");
    assert!(empty.contains(">No data</text>"), "{empty}");
    assert!(
        empty.contains("aria-label=\"Nothing &lt;here&gt;\""),
        "{empty}"
    );
    assert!(empty.contains("viewBox=\"0 0 480 64\""), "{empty}");
    // All zero, negative or not a number: empty bars, values shown as 0.
    let zeros = svg_bar_chart("z", &[("a", 0.0), ("b", -3.0), ("c", f64::NAN)]);
    assert_eq!(zeros.matches("width=\"0.0\"").count(), 3, "{zeros}");
    assert!(zeros.contains("<desc>a: 0; b: 0; c: 0</desc>"), "{zeros}");
    assert_eq!(format_value(2.25), "2.2");
    assert_eq!(format_value(14.0), "14");
    assert_eq!(format_value(f64::INFINITY), "0");
}
