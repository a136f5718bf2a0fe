//! The project dashboard's numbers: how fast the maintainers respond, what is open and for
//! how long, and small accessible SVG bar charts to show them without JavaScript.

use crate::report::State;
use jiff::{SignedDuration, Timestamp};
use serde::Serialize;
use std::fmt::Write;

/// The moments of one report that the response times are measured between.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReportTimes {
    pub received: Timestamp,
    /// The first response (leaving `received`).
    pub acknowledged_at: Option<Timestamp>,
    /// The end of triage (accepted, or closed with a resolution).
    pub triaged_at: Option<Timestamp>,
    /// Marked fixed.
    pub fixed_at: Option<Timestamp>,
}

/// The milestones a move into a state reaches, for the response times: the end of triage
/// (accepted, or closed with a resolution) and the fix. Each is kept the first time only.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Milestones {
    pub triaged: bool,
    pub fixed: bool,
}

impl Milestones {
    pub fn of(to: State) -> Self {
        Self {
            triaged: matches!(to, State::Accepted | State::Closed),
            fixed: to == State::Fixed,
        }
    }
}

/// Median and 90th percentile of a set of durations.
///
/// The median is the middle value, or the mean of the two middle values for an even count;
/// the 90th percentile is the nearest-rank one: the value at rank ⌈0.9·n⌉ of the sorted
/// values (1-based), so with 10 values it is the 9th smallest. Both are `None` when there is
/// no value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub count: usize,
    pub median: Option<SignedDuration>,
    pub p90: Option<SignedDuration>,
}

impl Summary {
    pub fn of(mut durations: Vec<SignedDuration>) -> Summary {
        durations.sort_unstable();
        let n = durations.len();
        if n == 0 {
            return Summary {
                count: 0,
                median: None,
                p90: None,
            };
        }
        let median = if n % 2 == 1 {
            durations[n / 2]
        } else {
            let a = durations[n / 2 - 1].as_nanos();
            let b = durations[n / 2].as_nanos();
            SignedDuration::from_nanos_i128(a + (b - a) / 2)
        };
        let rank = (9 * n).div_ceil(10).max(1);
        Summary {
            count: n,
            median: Some(median),
            p90: Some(durations[rank - 1]),
        }
    }
}

/// Time to acknowledge (received → first response), to triage (received → triaged) and to
/// fix (received → fixed), over the reports that reached each step. A moment before
/// `received` (clock skew) counts as zero.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ResponseTimes {
    pub acknowledge: Summary,
    pub triage: Summary,
    pub fix: Summary,
}

pub fn response_times(reports: &[ReportTimes]) -> ResponseTimes {
    let span = |pick: fn(&ReportTimes) -> Option<Timestamp>| {
        Summary::of(
            reports
                .iter()
                .filter_map(|r| {
                    pick(r).map(|t| t.duration_since(r.received).max(SignedDuration::ZERO))
                })
                .collect(),
        )
    };
    ResponseTimes {
        acknowledge: span(|r| r.acknowledged_at),
        triage: span(|r| r.triaged_at),
        fix: span(|r| r.fixed_at),
    }
}

/// How long an open report has waited since it was received (24-hour days).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AgeBucket {
    /// Less than 7 days.
    UnderAWeek,
    /// 7 to 29 days.
    UnderAMonth,
    /// 30 to 89 days.
    UnderAQuarter,
    /// 90 days or more: past the default disclosure deadline.
    Older,
}

impl AgeBucket {
    pub const ALL: [AgeBucket; 4] = [
        Self::UnderAWeek,
        Self::UnderAMonth,
        Self::UnderAQuarter,
        Self::Older,
    ];

    pub fn of(age: SignedDuration) -> Self {
        let days = age.as_secs().div_euclid(86_400);
        match days {
            ..7 => Self::UnderAWeek,
            7..30 => Self::UnderAMonth,
            30..90 => Self::UnderAQuarter,
            _ => Self::Older,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::UnderAWeek => "under 7 days",
            Self::UnderAMonth => "7–29 days",
            Self::UnderAQuarter => "30–89 days",
            Self::Older => "90 days or more",
        }
    }
}

/// Open reports (every state but `disclosed` and `closed`) counted by age and by state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OpenReports {
    pub total: usize,
    /// Every bucket, youngest first, zeros included.
    pub by_age: Vec<(AgeBucket, usize)>,
    /// Every open state in workflow order, zeros included.
    pub by_state: Vec<(State, usize)>,
}

/// Counts the open ones among `reports` (state, received) at `now`.
pub fn open_reports(reports: &[(State, Timestamp)], now: Timestamp) -> OpenReports {
    let open_states: Vec<State> = State::ALL
        .into_iter()
        .filter(|s| crate::workflow::is_open(*s))
        .collect();
    let mut by_age: Vec<(AgeBucket, usize)> = AgeBucket::ALL.map(|b| (b, 0)).to_vec();
    let mut by_state: Vec<(State, usize)> = open_states.iter().map(|s| (*s, 0)).collect();
    let mut total = 0;
    for (state, received) in reports {
        let Some(slot) = by_state.iter_mut().find(|(s, _)| s == state) else {
            continue;
        };
        slot.1 += 1;
        total += 1;
        let bucket = AgeBucket::of(now.duration_since(*received));
        if let Some(b) = by_age.iter_mut().find(|(b, _)| *b == bucket) {
            b.1 += 1;
        }
    }
    OpenReports {
        total,
        by_age,
        by_state,
    }
}

/// The bounds between [`AgeBucket`]s in days: an open report received less than 7 days
/// ago is under a week old, less than 30 under a month, less than 90 under a quarter.
pub const AGE_CUTS_DAYS: [i64; 3] = [7, 30, 90];

/// The same numbers as [`open_reports`], from counts made elsewhere (the database): for each
/// state, how many reports and how many of them were received less than each of
/// [`AGE_CUTS_DAYS`] ago. States that are not open are left out.
pub fn open_from_counts(counts: &[(State, usize, [usize; 3])]) -> OpenReports {
    let mut by_state: Vec<(State, usize)> = State::ALL
        .into_iter()
        .filter(|s| crate::workflow::is_open(*s))
        .map(|s| (s, 0))
        .collect();
    let mut younger = [0usize; 3];
    let mut total = 0;
    for (state, count, younger_than) in counts {
        let Some(slot) = by_state.iter_mut().find(|(s, _)| s == state) else {
            continue;
        };
        slot.1 += count;
        total += count;
        for (sum, n) in younger.iter_mut().zip(younger_than) {
            *sum += n;
        }
    }
    let [week, month, quarter] = younger;
    let by_age = vec![
        (AgeBucket::UnderAWeek, week),
        (AgeBucket::UnderAMonth, month.saturating_sub(week)),
        (AgeBucket::UnderAQuarter, quarter.saturating_sub(month)),
        (AgeBucket::Older, total.saturating_sub(quarter)),
    ];
    OpenReports {
        total,
        by_age,
        by_state,
    }
}

/// A duration in days, for charts (`1.5` for 36 hours).
pub fn days(d: SignedDuration) -> f64 {
    d.as_secs_f64() / 86_400.0
}

/// A number as charts print it: whole numbers without decimals, others with one.
pub fn format_value(v: f64) -> String {
    let v = if v.is_finite() && v > 0.0 { v } else { 0.0 };
    if v.fract() == 0.0 && v < 1e15 {
        format!("{v:.0}")
    } else {
        format!("{v:.1}")
    }
}

/// Escapes text for SVG/XML content and attribute values.
pub fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() && c != '\n' && c != '\t' => {}
            c => out.push(c),
        }
    }
    out
}

/// Chart geometry, in SVG user units.
pub mod layout {
    pub const WIDTH: u32 = 480;
    pub const LABEL_WIDTH: u32 = 160;
    pub const BAR_AREA: f64 = 240.0;
    pub const ROW: u32 = 24;
    pub const TOP: u32 = 32;
    pub const BOTTOM: u32 = 8;
}

/// A horizontal bar chart as a standalone, accessible SVG: `role="img"` with the title as its
/// accessible name, a `<title>` and a `<desc>` listing every bar, a visible heading, one row
/// per bar with its label, bar and value as text. Bars scale to the largest value; negative
/// and non-finite values count as 0. Colours and fonts are presentation attributes (no
/// `style`, no script), so it passes a strict Content-Security-Policy inline in HTML.
pub fn svg_bar_chart(title: &str, bars: &[(&str, f64)]) -> String {
    use layout::*;
    let value = |v: f64| if v.is_finite() && v > 0.0 { v } else { 0.0 };
    let max = bars.iter().map(|(_, v)| value(*v)).fold(0.0, f64::max);
    let rows = bars.len().max(1) as u32;
    let height = TOP + rows * ROW + BOTTOM;
    let t = xml_escape(title);
    let desc = if bars.is_empty() {
        "No data.".to_owned()
    } else {
        bars.iter()
            .map(|(l, v)| format!("{}: {}", xml_escape(l), format_value(*v)))
            .collect::<Vec<_>>()
            .join("; ")
    };
    let mut svg = String::new();
    let _ = write!(
        svg,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {WIDTH} {height}\" \
         width=\"{WIDTH}\" height=\"{height}\" role=\"img\" aria-label=\"{t}\" \
         font-family=\"sans-serif\" font-size=\"12\">\
         <title>{t}</title><desc>{desc}</desc>\
         <text x=\"0\" y=\"18\" font-size=\"14\" font-weight=\"bold\" fill=\"#222\">{t}</text>"
    );
    if bars.is_empty() {
        let _ = write!(
            svg,
            "<text x=\"0\" y=\"{}\" fill=\"#555\">No data</text>",
            TOP + 16
        );
    }
    for (i, (label, v)) in bars.iter().enumerate() {
        let y = TOP + i as u32 * ROW;
        let w = if max > 0.0 {
            value(*v) / max * BAR_AREA
        } else {
            0.0
        };
        let l = xml_escape(label);
        let shown = format_value(*v);
        let _ = write!(
            svg,
            "<g><text x=\"{lx}\" y=\"{ty}\" text-anchor=\"end\" fill=\"#222\">{l}</text>\
             <rect x=\"{LABEL_WIDTH}\" y=\"{ry}\" width=\"{w:.1}\" height=\"16\" fill=\"#3b6ea8\"/>\
             <text x=\"{vx:.1}\" y=\"{ty}\" fill=\"#222\">{shown}</text></g>",
            lx = LABEL_WIDTH - 8,
            ty = y + 16,
            ry = y + 4,
            vx = f64::from(LABEL_WIDTH) + w + 6.0,
        );
    }
    svg.push_str("</svg>");
    svg
}
