//! A project's dashboard: how fast its maintainers acknowledge, triage and fix reports
//! (median and 90th percentile), and what is open by age and by state, with the numbers
//! drawn as SVG bar charts by `domain::stats` (no JavaScript).

use super::{Result, projects};
use crate::AppState;
use domain::{
    account::{Permission, User},
    project::Project,
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

pub async fn build(state: &AppState, user: &User, slug: &str) -> Result<Dashboard> {
    let (project, _) = projects::for_user(state, user, slug, Permission::ReadReports).await?;
    let rows = store::reports::times(&mut *state.db.read().await?, project.id).await?;
    let times = stats::response_times(&rows.iter().map(|(_, t)| *t).collect::<Vec<_>>());
    let open = stats::open_reports(
        &rows
            .iter()
            .map(|(s, t)| (*s, t.received))
            .collect::<Vec<_>>(),
        state.now(),
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
