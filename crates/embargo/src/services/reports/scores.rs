//! Scores: the reporter's vector and the maintainers' rescoring, as a history.

use crate::AppState;
use crate::services::report_writes;
use crate::services::{Result, ServiceError};
use domain::{ReportId, account::Permission, project::Project, report::Report};
use serde::Serialize;
use store::AuthorKind;

use super::{Caller, acting_on};

/// Longest rationale a maintainer may give for a score.
pub const MAX_RATIONALE: usize = 4000;
/// Longest CVSS vector accepted (v4.0 with every metric is well under this).
pub const MAX_VECTOR: usize = 512;

/// One metric that differs from the previous entry of the history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct MetricChangeView {
    pub metric: String,
    /// `None` when the previous vector did not carry the metric.
    pub from: Option<String>,
    pub to: Option<String>,
}

/// One vector of a report's scoring history, as the caller may see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ScoreEntry {
    /// Who gave it: the reporter at submission, or a maintainer rescoring.
    pub kind: AuthorKind,
    /// Canonical text (the reporter's as they wrote it).
    pub vector: String,
    /// `2.0`, `3.0`, `3.1` or `4.0`.
    pub version: String,
    /// The score, e.g. `9.8`.
    pub score: String,
    pub severity: String,
    /// Why; maintainers' eyes only (`None` for the reporter's view and the reporter's vector).
    pub rationale: Option<String>,
    /// The maintainer's name; maintainers' eyes only.
    pub by: Option<String>,
    pub at: jiff::Timestamp,
    /// What changed from the previous entry (empty for the first).
    pub changes: Vec<MetricChangeView>,
    /// The previous entry's score when this one differs from it, e.g. `9.8`.
    pub previous_score: Option<String>,
}

/// A report's scores: the reporter's vector first (when it parses), then every
/// maintainer score in order. The last entry is the current score, which gives the
/// severity shown everywhere.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScoreHistory {
    pub entries: Vec<ScoreEntry>,
}

impl ScoreHistory {
    /// Builds the history from the report's own vector and its stored scores. With
    /// `internal` false (the reporter's view) rationales and names are left out.
    pub fn build(report: &Report, stored: &[store::ScoreRecord], internal: bool) -> Self {
        let mut parsed: Vec<(Option<cvss::Vector>, ScoreEntry)> = Vec::new();
        if let Some(text) = report.cvss_vector.as_deref()
            && let Ok(v) = cvss::Vector::parse(text.trim())
        {
            let scores = v.scores();
            parsed.push((
                Some(v),
                ScoreEntry {
                    kind: AuthorKind::Reporter,
                    vector: text.trim().to_owned(),
                    version: scores.version.as_str().to_owned(),
                    score: scores.score.to_string(),
                    severity: scores.severity.as_str().to_owned(),
                    rationale: None,
                    by: None,
                    at: report.received_at,
                    changes: Vec::new(),
                    previous_score: None,
                },
            ));
        }
        for s in stored {
            parsed.push((
                cvss::Vector::parse(&s.vector).ok(),
                ScoreEntry {
                    kind: s.author_kind,
                    vector: s.vector.clone(),
                    version: s.version.to_string(),
                    score: store::score_text(s.score_tenths),
                    severity: s.severity.to_string(),
                    rationale: internal.then(|| s.rationale.clone()),
                    by: if internal {
                        s.author_name.clone()
                    } else {
                        None
                    },
                    at: s.created_at,
                    changes: Vec::new(),
                    previous_score: None,
                },
            ));
        }
        for i in 1..parsed.len() {
            let (before, after) = parsed.split_at_mut(i);
            let (Some((Some(b), prev)), Some((Some(a), entry))) =
                (before.last(), after.first_mut())
            else {
                continue;
            };
            let d = cvss::diff(b, a);
            entry.changes = d
                .changes()
                .map(|c| MetricChangeView {
                    metric: c.metric.to_owned(),
                    from: c.before.map(str::to_owned),
                    to: c.after.map(str::to_owned),
                })
                .collect();
            if prev.score != entry.score {
                entry.previous_score = Some(prev.score.clone());
            }
        }
        Self {
            entries: parsed.into_iter().map(|(_, e)| e).collect(),
        }
    }

    /// The current score: the latest maintainer score, else the reporter's vector.
    pub fn current(&self) -> Option<&ScoreEntry> {
        self.entries.last()
    }
}

/// Checks a maintainer's vector and rationale; the vector comes back parsed.
pub fn check_score(vector: &str, rationale: &str) -> Result<(cvss::Vector, String)> {
    let vector = vector.trim();
    if vector.is_empty() {
        return Err(ServiceError::field("vector", "is required"));
    }
    if vector.len() > MAX_VECTOR {
        return Err(ServiceError::field(
            "vector",
            format!("is longer than {MAX_VECTOR} bytes"),
        ));
    }
    let parsed =
        cvss::Vector::parse(vector).map_err(|e| ServiceError::field("vector", e.to_string()))?;
    let rationale = rationale.trim();
    if rationale.is_empty() {
        return Err(ServiceError::field(
            "rationale",
            "is required: say why the score changes",
        ));
    }
    if rationale.chars().count() > MAX_RATIONALE {
        return Err(ServiceError::field(
            "rationale",
            format!("is longer than {MAX_RATIONALE} characters"),
        ));
    }
    if rationale.contains('\0') {
        return Err(ServiceError::field(
            "rationale",
            "must not contain NUL characters",
        ));
    }
    Ok((parsed, rationale.to_owned()))
}

/// A maintainer, triager (or collaborator) of the report's project gives it a CVSS vector
/// with a rationale. The new score becomes the report's current one; the change is in the
/// audit log (vector and score, not the rationale). Reporters get 403, anyone without a
/// role on the project 404.
pub async fn rescore(
    state: &AppState,
    caller: Caller<'_>,
    id: ReportId,
    vector: &str,
    rationale: &str,
) -> Result<ScoreEntry> {
    let (view, role) = acting_on(state, caller, id).await?;
    let Caller::User(user) = caller else {
        return Err(ServiceError::Forbidden);
    };
    if !role.allows(Permission::Score) {
        return Err(ServiceError::Forbidden);
    }
    let (parsed, rationale) = check_score(vector, rationale)?;
    let scores = parsed.scores();
    let stored = report_writes::add_score(
        state,
        &store::NewScore {
            id: uuid::Uuid::now_v7(),
            report: id,
            vector: parsed.to_string(),
            version: scores.version,
            score_tenths: scores.score.tenths(),
            severity: scores.severity,
            rationale,
            author: user.id,
            created_at: state.now(),
        },
    )
    .await?;
    tracing::info!(report = %id, score = %scores.score, "report rescored");
    // Webhook deliveries of `score.added` are due now.
    state.outbox_notify.notify_one();
    let mut all = store::scores::of_report(&mut *state.db.read().await?, id).await?;
    // The history up to and including the new score, so the diff is against the one before.
    if let Some(pos) = all.iter().position(|s| s.id == stored.id) {
        all.truncate(pos + 1);
    }
    let history = ScoreHistory::build(&view.report, &all, true);
    history
        .entries
        .last()
        .cloned()
        .ok_or_else(|| ServiceError::Internal(anyhow::anyhow!("the new score was not stored")))
}

/// The score of a reporter's vector (tenths and severity), the current score of a report no
/// maintainer has scored; `None` without a vector that parses.
pub fn reporter_score(vector: Option<&str>) -> Option<(u8, &'static str)> {
    let scores = cvss::Vector::parse(vector?.trim()).ok()?.scores();
    Some((scores.score.tenths(), scores.severity.as_str()))
}

/// Gives the reports stored before their current score was kept on the row (migration 18)
/// the score of their reporter's vector, a batch at a time; run at start.
pub async fn backfill_current_scores(state: &AppState) -> Result<u64> {
    let mut done = 0;
    loop {
        let mut tx = state.db.begin().await?;
        let batch = store::report_pages::unscored(&mut tx, 500).await?;
        if batch.is_empty() {
            return Ok(done);
        }
        for (id, vector) in &batch {
            store::report_pages::set_score(&mut tx, *id, reporter_score(vector.as_deref())).await?;
        }
        tx.commit().await?;
        done += batch.len() as u64;
    }
}

/// The current score of each of a project's reports (the latest maintainer score, else the
/// reporter's vector), by report; reports with neither are absent. One query for the list.
pub async fn current_scores(
    state: &AppState,
    project: &Project,
    reports: &[Report],
) -> Result<std::collections::HashMap<ReportId, ScoreEntry>> {
    let mut latest: std::collections::HashMap<ReportId, store::ScoreRecord> =
        std::collections::HashMap::new();
    let scores = store::scores::of_project(&mut *state.db.read().await?, project.id).await?;
    for s in scores {
        latest.insert(s.report_id, s);
    }
    Ok(reports
        .iter()
        .filter_map(|r| {
            let last: Vec<_> = latest.remove(&r.id).into_iter().collect();
            let history = ScoreHistory::build(r, &last, false);
            history.current().cloned().map(|c| (r.id, c))
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::report::{Sla, Source as S, State};
    use jiff::Timestamp;

    fn at(s: i64) -> Timestamp {
        Timestamp::from_second(1_790_000_000 + s).expect("timestamp")
    }

    fn report(vector: Option<&str>) -> Report {
        Report {
            id: ReportId::new(),
            project_id: domain::ProjectId::new(),
            number: 1,
            title: "t".into(),
            description: "d".into(),
            affected_version: None,
            reproduction: None,
            impact: None,
            cvss_vector: vector.map(str::to_owned),
            reporter_name: Some("Mara".into()),
            reporter_email: None,
            credit_as: None,
            credit_mode: None,
            source: S::Api,
            state: State::Received,
            resolution: None,
            received_at: at(0),
            acknowledged_at: None,
            updated_at: at(0),
            sla: Sla {
                acknowledge_due: at(1),
                triage_due: at(2),
                disclosure_due: at(3),
            },
        }
    }

    fn stored(r: &Report, vector: &str, tenths: u8, severity: &str, s: i64) -> store::ScoreRecord {
        store::ScoreRecord {
            id: uuid::Uuid::now_v7(),
            report_id: r.id,
            vector: vector.into(),
            version: cvss::Version::V31,
            score_tenths: tenths,
            severity: severity.parse().expect("severity"),
            rationale: format!("because {s}"),
            author_kind: AuthorKind::Maintainer,
            author_id: None,
            author_name: Some("Bea".into()),
            created_at: at(s),
        }
    }

    // Scores are FIRST's 3.1 calculator values, worked by hand.
    const NET: &str = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"; // 9.8 Critical
    const LOCAL: &str = "CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H"; // 7.8 High

    #[test]
    fn the_history_starts_with_the_reporters_vector_and_ends_with_the_current_score() {
        let r = report(Some(NET));
        let h = ScoreHistory::build(&r, &[stored(&r, LOCAL, 78, "High", 5)], true);
        assert_eq!(h.entries.len(), 2);
        assert_eq!(h.entries[0].kind, AuthorKind::Reporter);
        assert_eq!(
            (h.entries[0].score.as_str(), h.entries[0].severity.as_str()),
            ("9.8", "Critical")
        );
        let current = h.current().expect("current");
        assert_eq!(
            (current.score.as_str(), current.severity.as_str()),
            ("7.8", "High")
        );
        assert_eq!(current.previous_score.as_deref(), Some("9.8"));
        let changed: Vec<(&str, Option<&str>, Option<&str>)> = current
            .changes
            .iter()
            .map(|c| (c.metric.as_str(), c.from.as_deref(), c.to.as_deref()))
            .collect();
        assert_eq!(
            changed,
            [("AV", Some("N"), Some("L")), ("PR", Some("N"), Some("L"))]
        );
        assert_eq!(current.rationale.as_deref(), Some("because 5"));
        assert_eq!(current.by.as_deref(), Some("Bea"));
    }

    #[test]
    fn the_reporters_view_leaves_out_rationales_and_names() {
        let r = report(None);
        let h = ScoreHistory::build(&r, &[stored(&r, LOCAL, 78, "High", 5)], false);
        assert_eq!(
            h.entries.len(),
            1,
            "no reporter vector, one maintainer score"
        );
        assert_eq!(h.entries[0].rationale, None);
        assert_eq!(h.entries[0].by, None);
        assert!(h.entries[0].changes.is_empty());
    }

    #[test]
    fn an_unparseable_reporter_vector_is_left_out_and_nothing_means_no_score() {
        let r = report(Some("CVSS:3.1/AV:N/AC:L"));
        assert_eq!(ScoreHistory::build(&r, &[], true).current(), None);
        let h = ScoreHistory::build(&r, &[stored(&r, NET, 98, "Critical", 5)], true);
        assert_eq!(h.entries.len(), 1);
        assert_eq!(h.current().map(|c| c.score.as_str()), Some("9.8"));
    }

    fn field_of(e: ServiceError) -> String {
        match e {
            ServiceError::Invalid(errors) => {
                errors.first().map(|f| f.field.clone()).unwrap_or_default()
            }
            other => panic!("expected a field error, got {other:?}"),
        }
    }

    #[test]
    fn a_score_needs_a_valid_vector_and_a_rationale() {
        let (v, why) = check_score(&format!("  {NET} "), " remote ").expect("valid");
        assert_eq!(v.to_string(), NET);
        assert_eq!(why, "remote");
        for (vector, rationale, field) in [
            ("", "why", "vector"),
            (
                "CVSS:3.1/AV:Q/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
                "why",
                "vector",
            ),
            ("not a vector", "why", "vector"),
            (NET, "", "rationale"),
            (NET, " \n ", "rationale"),
            (NET, "a\0b", "rationale"),
        ] {
            let e = check_score(vector, rationale).expect_err(vector);
            assert_eq!(field_of(e), field, "{vector:?} {rationale:?}");
        }
        let long = "é".repeat(MAX_RATIONALE + 1);
        assert_eq!(
            field_of(check_score(NET, &long).expect_err("long")),
            "rationale"
        );
        let ok = "é".repeat(MAX_RATIONALE);
        assert!(
            check_score(NET, &ok).is_ok(),
            "the limit counts characters, not bytes"
        );
        let huge = format!("{NET}{}", "/X:X".repeat(200));
        assert_eq!(
            field_of(check_score(&huge, "why").expect_err("huge")),
            "vector"
        );
    }
}
