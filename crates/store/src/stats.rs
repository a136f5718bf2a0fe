//! The dashboard's numbers, counted by the database: open reports by state and age, and
//! the spans of the latest reports that reached each step. No query here reads a row per
//! report into memory: counts come back one row per state, spans at most `limit` rows.

use crate::{
    Conn, Result, StoreError,
    rows::{get, micros, ts},
};
use domain::{ProjectId, report::State};
use jiff::Timestamp;

/// How many of a project's reports in one state there are, and how many of them were
/// received after each of the given moments (in the order given).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StateCount {
    pub state: State,
    pub count: i64,
    pub received_after: Vec<i64>,
}

/// The project's reports in each of `states` (states without one are absent), each with how
/// many were received after each moment of `cuts`: one `GROUP BY` over
/// `reports (project_id, state, received_at)`, the index alone.
pub async fn counts_by_state(
    c: &mut Conn,
    project: ProjectId,
    states: &[State],
    cuts: &[Timestamp],
) -> Result<Vec<StateCount>> {
    if states.is_empty() {
        return Ok(Vec::new());
    }
    // Numbered parameters: $1 the project, then the cuts, then the states.
    let mut sql = String::from("SELECT state, COUNT(*) AS n");
    for (i, _) in cuts.iter().enumerate() {
        sql.push_str(&format!(
            ", COUNT(CASE WHEN received_at > ${} THEN 1 END) AS after_{i}",
            i + 2
        ));
    }
    let first_state = cuts.len() + 2;
    let in_list = (0..states.len())
        .map(|i| format!("${}", first_state + i))
        .collect::<Vec<_>>()
        .join(", ");
    sql.push_str(&format!(
        " FROM reports WHERE project_id = $1 AND state IN ({in_list}) GROUP BY state"
    ));
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(project.to_string());
    for cut in cuts {
        query = query.bind(micros(*cut));
    }
    for state in states {
        query = query.bind(state.as_str());
    }
    query
        .fetch_all(c)
        .await?
        .iter()
        .map(|row| {
            let state: String = get(row, "state")?;
            Ok(StateCount {
                state: State::parse(&state)
                    .ok_or_else(|| StoreError::Corrupt(format!("state {state:?}")))?,
                count: get(row, "n")?,
                received_after: (0..cuts.len())
                    .map(|i| get(row, &format!("after_{i}")))
                    .collect::<Result<_>>()?,
            })
        })
        .collect()
}

/// A step of a report's handling whose moment is kept on the report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Milestone {
    /// The first response (`acknowledged_at`).
    Acknowledged,
    /// The end of triage (`triaged_at`).
    Triaged,
    /// Marked fixed (`fixed_at`).
    Fixed,
}

impl Milestone {
    fn column(self) -> &'static str {
        match self {
            Self::Acknowledged => "acknowledged_at",
            Self::Triaged => "triaged_at",
            Self::Fixed => "fixed_at",
        }
    }
}

/// When each of the project's `limit` reports that reached `step` most recently was
/// received and reached it, latest first: a range read on the step's partial index
/// (`reports_project_acknowledged`, `…_triaged`, `…_fixed`), at most `limit` rows.
pub async fn latest_spans(
    c: &mut Conn,
    project: ProjectId,
    step: Milestone,
    limit: i64,
) -> Result<Vec<(Timestamp, Timestamp)>> {
    let column = step.column();
    let sql = format!(
        "SELECT received_at, {column} AS reached FROM reports \
         WHERE project_id = $1 AND {column} IS NOT NULL \
         ORDER BY {column} DESC LIMIT $2"
    );
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(project.to_string())
        .bind(limit)
        .fetch_all(c)
        .await?
        .iter()
        .map(|row| Ok((ts(get(row, "received_at")?)?, ts(get(row, "reached")?)?)))
        .collect()
}
