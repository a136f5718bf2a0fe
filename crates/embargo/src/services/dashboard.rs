//! A project's dashboard: how fast its maintainers acknowledge, triage and fix reports
//! (median and 90th percentile), and what is open by age and by state, with the numbers
//! drawn as SVG bar charts by `domain::stats` (no JavaScript).

use super::{Result, projects};
use crate::AppState;
use domain::{
    account::{Permission, User},
    project::Project,
    report::State,
    stats::{self, OpenReports, ResponseTimes, Summary},
};
use jiff::SignedDuration;

/// Everything the page shows.
#[derive(Debug)]
pub struct Dashboard {
    pub project: Project,
    pub times: ResponseTimes,
    pub open: OpenReports,
    /// Each chart's SVG, escaped and standalone.
    pub charts: Vec<String>,
}

/// A duration as people read it, to the minute: `2 d 3 h`, `4 h 30 min`, `0 min`.
pub fn human_duration(d: SignedDuration) -> String {
    let minutes = d.as_secs().max(0) / 60;
    let (days, hours, mins) = (minutes / 1440, minutes % 1440 / 60, minutes % 60);
    let mut parts = Vec::new();
    if days > 0 {
        parts.push(format!("{days} d"));
    }
    if hours > 0 {
        parts.push(format!("{hours} h"));
    }
    if mins > 0 || parts.is_empty() {
        parts.push(format!("{mins} min"));
    }
    parts.join(" ")
}

fn days(d: Option<SignedDuration>) -> f64 {
    d.map_or(0.0, stats::days)
}

/// How many of the latest reports to reach each step (acknowledged, triaged, fixed) the
/// response times are measured over. The median and 90th percentile are exact for that
/// window, and reading it costs the same however many reports the project has.
pub const RESPONSE_WINDOW: i64 = 1_000;

/// Median and 90th percentile of the time to reach `step`, over the [`RESPONSE_WINDOW`]
/// reports that reached it last. A moment before the report was received (clock skew)
/// counts as zero, as in `domain::stats::response_times`.
async fn summary(
    c: &mut store::Conn,
    project: &Project,
    step: store::stats::Milestone,
) -> Result<Summary> {
    let spans = store::stats::latest_spans(c, project.id, step, RESPONSE_WINDOW).await?;
    Ok(Summary::of(
        spans
            .into_iter()
            .map(|(received, reached)| reached.duration_since(received).max(SignedDuration::ZERO))
            .collect(),
    ))
}

/// The dashboard of a project, for its maintainers and triagers: a `GROUP BY` for the open
/// reports by state and age and three bounded range reads for the response times; nothing
/// here reads every report of the project.
pub async fn build(state: &AppState, user: &User, slug: &str) -> Result<Dashboard> {
    let (project, _) = projects::for_user(state, user, slug, Permission::ReadReports).await?;
    let mut c = state.db.read().await?;
    let times = ResponseTimes {
        acknowledge: summary(&mut c, &project, store::stats::Milestone::Acknowledged).await?,
        triage: summary(&mut c, &project, store::stats::Milestone::Triaged).await?,
        fix: summary(&mut c, &project, store::stats::Milestone::Fixed).await?,
    };
    let now = state.now();
    let cuts = stats::AGE_CUTS_DAYS.map(|d| {
        now.checked_sub(SignedDuration::from_hours(24 * d))
            .unwrap_or(jiff::Timestamp::MIN)
    });
    let open_states: Vec<State> = State::ALL
        .into_iter()
        .filter(|s| domain::workflow::is_open(*s))
        .collect();
    let counts = store::stats::counts_by_state(&mut c, project.id, &open_states, &cuts).await?;
    drop(c);
    let count = |n: i64| usize::try_from(n).unwrap_or(0);
    let open = stats::open_from_counts(
        &counts
            .iter()
            .map(|s| {
                let after = |i: usize| count(s.received_after.get(i).copied().unwrap_or(0));
                (s.state, count(s.count), [after(0), after(1), after(2)])
            })
            .collect::<Vec<_>>(),
    );
    let steps: [(&str, &Summary); 3] = [
        ("acknowledge", &times.acknowledge),
        ("triage", &times.triage),
        ("fix", &times.fix),
    ];
    let mut response_bars = Vec::new();
    for (name, s) in steps {
        response_bars.push((format!("{name}, median"), days(s.median)));
        response_bars.push((format!("{name}, 90th percentile"), days(s.p90)));
    }
    let by_age: Vec<(&str, f64)> = open
        .by_age
        .iter()
        .map(|(b, n)| (b.label(), *n as f64))
        .collect();
    let by_state: Vec<(&str, f64)> = open
        .by_state
        .iter()
        .map(|(s, n)| (s.label(), *n as f64))
        .collect();
    let name = &project.name;
    let charts = vec![
        stats::svg_bar_chart(
            &format!("{name}: days to respond"),
            &response_bars
                .iter()
                .map(|(l, v)| (l.as_str(), *v))
                .collect::<Vec<_>>(),
        ),
        stats::svg_bar_chart(&format!("{name}: open reports by age"), &by_age),
        stats::svg_bar_chart(&format!("{name}: open reports by state"), &by_state),
    ];
    Ok(Dashboard {
        project,
        times,
        open,
        charts,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_to_the_minute() {
        let h = |n: i64| SignedDuration::from_hours(n);
        assert_eq!(human_duration(h(4)), "4 h");
        assert_eq!(human_duration(h(48)), "2 d");
        assert_eq!(
            human_duration(h(51) + SignedDuration::from_mins(5)),
            "2 d 3 h 5 min"
        );
        assert_eq!(human_duration(SignedDuration::from_secs(59)), "0 min");
        assert_eq!(human_duration(SignedDuration::from_secs(-5)), "0 min");
    }
}
