//! The triage assistant in the server: every new report is triaged by a `triage.report` job
//! (queued with the report in one transaction), the result is stored with the report, and
//! maintainers see the findings with their evidence and may dismiss one (recorded and
//! audited). Signals advise; people decide: nothing here closes or deletes a report.
//!
//! The instance's history (spray across projects, near-duplicates, the reporter's earlier
//! outcomes) is read from the stored fingerprints of the [`HISTORY_LIMIT`] most recently
//! received reports, kept in memory between jobs for ten seconds with this server's new
//! results added at once. A project's source checkouts, if the instance's configuration names
//! them (`triage.sources`), are indexed once and re-indexed when their files change.

use super::{Result, ServiceError};
use crate::AppState;
use domain::{
    ReportId,
    account::{Permission, User},
    project::Project,
    report::{Report, Resolution, State},
};
use serde::Serialize;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use store::{TriageDismissal, TriageRecord};

/// How many earlier reports (newest first) the spray, duplicate and reporter-history checks
/// compare with. A fingerprint is 64 integers, so this bounds the job's memory to a few
/// megabytes and its comparison time to milliseconds however large the instance grows;
/// sprays arrive in bursts, so the recent reports are the ones that matter.
pub const HISTORY_LIMIT: i64 = 5_000;
/// The most memory the cached history may take (its entries' strings and fingerprints,
/// estimated): older entries are left out beyond it, whatever [`HISTORY_LIMIT`] allows.
/// With the usual names and addresses 5,000 entries take about 3 MiB.
pub const HISTORY_MAX_BYTES: usize = 16 << 20;
/// How many of the instance's published advisories (most recently modified first) the
/// duplicate-of-an-advisory check compares with, and so keeps in memory.
pub const KNOWN_ADVISORIES_LIMIT: i64 = 5_000;
/// The rules that produced a stored result (the server's version: the crate ships with it).
pub const VERSION: &str = concat!("embargo-", env!("CARGO_PKG_VERSION"));
/// Longest reason a maintainer may give when dismissing a finding.
pub const MAX_REASON: usize = 2_000;
/// How much report text is shown on each side of a highlighted passage.
const CONTEXT_CHARS: usize = 80;
/// Most files looked at when checking whether a source tree changed.
const MAX_STAMP_FILES: usize = 200_000;

/// Each project's built source indexes, with the stamps of the trees they were built from.
type IndexCache = HashMap<String, (Vec<Option<u64>>, Arc<Vec<triage::SourceIndex>>)>;

/// The instance's published advisories as last read, with when.
type AdvisoryCache = Option<(std::time::Instant, Arc<Vec<triage::KnownAdvisory>>)>;

/// What the triage keeps in memory between jobs, one per application (`AppState`): the
/// indexes of the configured source directories (one entry per project), the instance's
/// history ([`HISTORY_LIMIT`] reports, read again after [`HISTORY_TTL`]) and its published
/// advisories (read again after [`HISTORY_TTL`]).
#[derive(Default)]
pub struct Caches {
    indexes: Mutex<IndexCache>,
    history: Mutex<Option<HistoryCache>>,
    advisories: Mutex<AdvisoryCache>,
}

impl std::fmt::Debug for Caches {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Caches").finish_non_exhaustive()
    }
}

impl Caches {
    fn history(&self) -> MutexGuard<'_, Option<HistoryCache>> {
        self.history.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn indexes(&self) -> MutexGuard<'_, IndexCache> {
        self.indexes.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn advisories(&self) -> MutexGuard<'_, AdvisoryCache> {
        self.advisories.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// A cheap fingerprint of a tree: the indexable paths with their sizes and modification
/// times. A changed, added or removed file changes it.
fn tree_stamp(root: &Path) -> std::io::Result<u64> {
    use std::hash::{Hash, Hasher};
    let mut entries: Vec<(String, u64, i128)> = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(read) = std::fs::read_dir(&dir) else {
            continue;
        };
        for e in read.filter_map(std::result::Result::ok) {
            if entries.len() >= MAX_STAMP_FILES {
                break;
            }
            let p = e.path();
            let Ok(rel) = p.strip_prefix(root) else {
                continue;
            };
            let rel = rel.to_string_lossy().replace('\\', "/");
            let Ok(ft) = e.file_type() else { continue };
            if !triage::is_indexable_path(&rel) || ft.is_symlink() {
                continue;
            }
            if ft.is_dir() {
                stack.push(p);
            } else if let Ok(m) = e.metadata() {
                let mtime = m
                    .modified()
                    .ok()
                    .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                    .map_or(0, |d| d.as_nanos() as i128);
                entries.push((rel, m.len(), mtime));
            }
        }
    }
    std::fs::metadata(root)?;
    entries.sort();
    let mut h = std::collections::hash_map::DefaultHasher::new();
    entries.hash(&mut h);
    Ok(h.finish())
}

/// The project's configured source indexes, rebuilt when a directory's files changed. An
/// unreadable directory is skipped with a warning (the triage runs without it).
pub(crate) fn source_indexes(
    caches: &Caches,
    slug: &str,
    dirs: &[PathBuf],
) -> Arc<Vec<triage::SourceIndex>> {
    if dirs.is_empty() {
        return Arc::new(Vec::new());
    }
    let stamps: Vec<Option<u64>> = dirs
        .iter()
        .enumerate()
        .map(|(i, d)| match tree_stamp(d) {
            Ok(s) => Some(s),
            Err(e) => {
                tracing::warn!(project = slug, source = i + 1, error = %e, "triage source unreadable");
                None
            }
        })
        .collect();
    let cached = caches
        .indexes()
        .get(slug)
        .filter(|(s, _)| *s == stamps)
        .map(|(_, x)| x.clone());
    if let Some(indexes) = cached {
        return indexes;
    }
    let mut built = Vec::new();
    for (i, dir) in dirs.iter().enumerate() {
        if stamps[i].is_none() {
            continue;
        }
        match crate::source_index::index_dir_as(dir, &format!("{slug} source {}", i + 1)) {
            Ok(index) => {
                tracing::info!(
                    project = slug,
                    source = i + 1,
                    files = index.file_count(),
                    "triage source indexed"
                );
                built.push(index);
            }
            Err(e) => {
                tracing::warn!(project = slug, source = i + 1, error = %e, "triage source unreadable");
            }
        }
    }
    let built = Arc::new(built);
    caches
        .indexes()
        .insert(slug.to_owned(), (stamps, built.clone()));
    built
}

/// The text the triage reads: the same composition as `embargo triage` gives a JSON report,
/// so the evidence spans point into it.
pub fn report_text(report: &Report) -> String {
    let mut parts: Vec<String> = Vec::new();
    if let Some(v) = report
        .affected_version
        .as_deref()
        .filter(|v| !v.trim().is_empty())
    {
        parts.push(format!("Affected version: {v}"));
    }
    parts.push(report.description.clone());
    if let Some(r) = report
        .reproduction
        .as_deref()
        .filter(|x| !x.trim().is_empty())
    {
        parts.push(r.to_owned());
    }
    if let Some(i) = report.impact.as_deref().filter(|x| !x.trim().is_empty()) {
        parts.push(format!("## Impact\n\n{i}"));
    }
    parts.join("\n\n")
}

fn outcome(state: State, resolution: Option<Resolution>) -> triage::Outcome {
    use triage::Outcome;
    match (state, resolution) {
        (State::Accepted | State::Fixing | State::Fixed | State::Disclosed, _) => Outcome::Accepted,
        (State::Closed, Some(Resolution::NotAVulnerability)) => Outcome::NotAVulnerability,
        (State::Closed, Some(Resolution::OutOfScope)) => Outcome::OutOfScope,
        (State::Closed, Some(Resolution::Duplicate)) => Outcome::Duplicate,
        (State::Closed, Some(Resolution::Spam)) => Outcome::Spam,
        (State::Closed, Some(Resolution::Withdrawn)) => Outcome::Withdrawn,
        _ => Outcome::Open,
    }
}

/// The stable key of a finding: its signal and first evidence span, so a dismissal still
/// applies when the same report is triaged again.
fn finding_key(f: &triage::Finding) -> String {
    match f.evidence.first() {
        Some(e) => format!(
            "{}:{}:{}-{}",
            f.signal.as_str(),
            match e.field {
                triage::Field::Title => "title",
                triage::Field::Text => "text",
            },
            e.start,
            e.end
        ),
        None => f.signal.as_str().to_owned(),
    }
}

fn char_floor(s: &str, mut i: usize) -> usize {
    i = i.min(s.len());
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// The passage with some context on each side, cut at character boundaries.
fn passage(source: &str, start: usize, end: usize) -> serde_json::Value {
    let start = char_floor(source, start);
    let end = char_floor(source, end.max(start));
    let before_all = &source[..start];
    let before_start = before_all
        .char_indices()
        .rev()
        .nth(CONTEXT_CHARS.saturating_sub(1))
        .map_or(0, |(i, _)| i);
    let after_all = &source[end..];
    let after_end = after_all
        .char_indices()
        .nth(CONTEXT_CHARS)
        .map_or(after_all.len(), |(i, _)| i);
    serde_json::json!({
        "before": &before_all[before_start..],
        "mark": &source[start..end],
        "after": &after_all[..after_end],
        "cut_before": before_start > 0,
        "cut_after": after_end < after_all.len(),
    })
}

/// The findings as stored: the crate's fields plus a key and the quoted context, and for
/// those checked against the source, the revisions they were checked at (`checked_at`: the
/// labels of the indexes, e.g. `v1.0.0 (1.0.0) @ 9c8d7e6f5a`, `main @ 3f2a1c4e5d`).
fn findings_json(
    result: &triage::Triage,
    title: &str,
    text: &str,
    checked_at: &[&str],
) -> serde_json::Value {
    let mut seen = std::collections::HashSet::new();
    let items = result
        .findings
        .iter()
        .map(|f| {
            let mut key = finding_key(f);
            let mut n = 2;
            while !seen.insert(key.clone()) {
                key = format!("{}#{n}", finding_key(f));
                n += 1;
            }
            let evidence: Vec<serde_json::Value> = f
                .evidence
                .iter()
                .map(|e| {
                    let (field, source) = match e.field {
                        triage::Field::Title => ("title", title),
                        triage::Field::Text => ("text", text),
                    };
                    serde_json::json!({
                        "field": field,
                        "start": e.start,
                        "end": e.end,
                        "quote": e.quote,
                        "context": passage(source, e.start, e.end),
                    })
                })
                .collect();
            let mut item = serde_json::json!({
                "key": key,
                "signal": f.signal.as_str(),
                "level": f.level,
                "detail": f.detail,
                "policy_ref": f.policy_ref,
                "confidence": f.confidence,
                "evidence": evidence,
            });
            if triage::Group::of(f.signal, f.level) == triage::Group::Source
                && let Some(o) = item.as_object_mut()
            {
                o.insert("checked_at".into(), serde_json::json!(checked_at));
            }
            item
        })
        .collect();
    serde_json::Value::Array(items)
}

/// Triages one report and stores the result (replacing an earlier one: running it twice is
/// harmless). `NotFound` when the report or its project is gone.
pub async fn run(state: &AppState, id: ReportId) -> Result<TriageRecord> {
    let report = store::reports::by_id(&mut *state.db.read().await?, id)
        .await?
        .ok_or(ServiceError::NotFound("report"))?;
    let project = store::projects::by_id(&mut *state.db.read().await?, report.project_id)
        .await?
        .ok_or(ServiceError::NotFound("project"))?;
    let past = past_reports(state, id).await?;
    let advisories = known_advisories(state).await?;
    let now = state.now();
    let received_at = report.received_at;
    let reference = format!("{}#{}", project.slug.as_str(), report.number);
    let project_name = project.name.clone();
    let reporter = report
        .reporter_email
        .as_ref()
        .map(|e| e.as_str().to_owned());
    // The releases and commits the report names pick the revisions its source is indexed
    // at as well (the project's own: not another product's version).
    let named = triage::revisions_named(
        &triage::Report::new(report.title.clone(), report_text(&report)),
        Some(&project.name),
    );
    let sources = super::sources::indexes_for(state, &project, &named).await?;
    // The triage itself is CPU work: off the async threads.
    let record = tokio::task::spawn_blocking(move || {
        compute(
            &report,
            &project,
            &sources,
            past,
            advisories.as_ref(),
            received_at,
            now,
        )
    })
    .await
    .map_err(anyhow::Error::from)??;
    let mut tx = state.db.begin().await?;
    store::triage::save(&mut tx, &record).await?;
    tx.commit().await?;
    remember(
        &state.triage_caches,
        &record,
        &reference,
        &project_name,
        received_at,
        reporter,
    );
    Ok(record)
}

/// How long the instance's history, once read, serves later triage jobs before it is read
/// again (reports triaged by this server are added at once; other servers' within this).
const HISTORY_TTL: std::time::Duration = std::time::Duration::from_secs(10);

/// The instance's history as last read. Reading and decoding thousands of fingerprints for
/// every report cost more than the triage itself.
struct HistoryCache {
    loaded: std::time::Instant,
    entries: std::collections::VecDeque<(ReportId, triage::PastReport)>,
}

/// About how much memory one cached history entry takes.
fn entry_bytes(past: &triage::PastReport) -> usize {
    std::mem::size_of::<(ReportId, triage::PastReport)>()
        + past.reference.len()
        + past.project.len()
        + past.reporter.as_ref().map_or(0, String::len)
        + past.fingerprint.0.len() * std::mem::size_of::<u32>()
}

/// Keeps the newest entries (the front) within [`HISTORY_LIMIT`] and [`HISTORY_MAX_BYTES`].
fn bound_history(entries: &mut std::collections::VecDeque<(ReportId, triage::PastReport)>) {
    let mut bytes = 0;
    let keep = entries
        .iter()
        .take(usize::try_from(HISTORY_LIMIT).unwrap_or(usize::MAX))
        .take_while(|(_, p)| {
            bytes += entry_bytes(p);
            bytes <= HISTORY_MAX_BYTES
        })
        .count();
    entries.truncate(keep);
}

/// The earlier reports of the instance, without `id` itself (a re-run must not find the
/// report a duplicate of itself).
async fn past_reports(state: &AppState, id: ReportId) -> Result<Vec<triage::PastReport>> {
    let fresh = state
        .triage_caches
        .history()
        .as_ref()
        .is_some_and(|c| c.loaded.elapsed() < HISTORY_TTL);
    if !fresh {
        let mut entries: std::collections::VecDeque<_> =
            store::triage::history(&mut *state.db.read().await?, HISTORY_LIMIT)
                .await?
                .into_iter()
                .filter_map(|h| {
                    let fingerprint: triage::Fingerprint =
                        serde_json::from_value(h.fingerprint).ok()?;
                    let past = triage::PastReport {
                        reference: format!("{}#{}", h.project_slug, h.number),
                        project: h.project_name,
                        received_at: h.received_at,
                        reporter: h.reporter_email,
                        fingerprint,
                        outcome: outcome(h.state, h.resolution),
                    };
                    Some((h.report_id, past))
                })
                .collect();
        bound_history(&mut entries);
        *state.triage_caches.history() = Some(HistoryCache {
            loaded: std::time::Instant::now(),
            entries,
        });
    }
    Ok(state
        .triage_caches
        .history()
        .as_ref()
        .map(|c| {
            c.entries
                .iter()
                .filter(|(r, _)| *r != id)
                .map(|(_, p)| p.clone())
                .collect()
        })
        .unwrap_or_default())
}

/// The instance's published advisories as the triage's history knows them (ids, CVE and
/// GHSA aliases, and the fingerprint of title and details), kept for [`HISTORY_TTL`]: a
/// report naming one, or restating one, is flagged as its likely duplicate.
async fn known_advisories(state: &AppState) -> Result<Arc<Vec<triage::KnownAdvisory>>> {
    let fresh = state
        .triage_caches
        .advisories()
        .as_ref()
        .filter(|(at, _)| at.elapsed() < HISTORY_TTL)
        .map(|(_, a)| a.clone());
    if let Some(known) = fresh {
        return Ok(known);
    }
    let known: Vec<triage::KnownAdvisory> =
        store::advisories::latest_published(&mut *state.db.read().await?, KNOWN_ADVISORIES_LIMIT)
            .await?
            .into_iter()
            .map(|r| {
                let a = r.advisory;
                triage::KnownAdvisory::new(a.id, a.aliases, a.summary, &a.details)
            })
            .collect();
    let known = Arc::new(known);
    *state.triage_caches.advisories() = Some((std::time::Instant::now(), known.clone()));
    Ok(known)
}

/// Adds a report this server just triaged to the cached history, newest first.
fn remember(
    caches: &Caches,
    record: &TriageRecord,
    reference: &str,
    project: &str,
    received_at: jiff::Timestamp,
    reporter: Option<String>,
) {
    let Ok(fingerprint) = serde_json::from_value::<triage::Fingerprint>(record.fingerprint.clone())
    else {
        return;
    };
    if let Some(cache) = caches.history().as_mut() {
        cache.entries.retain(|(r, _)| *r != record.report_id);
        cache.entries.push_front((
            record.report_id,
            triage::PastReport {
                reference: reference.to_owned(),
                project: project.to_owned(),
                received_at,
                reporter,
                fingerprint,
                outcome: triage::Outcome::Open,
            },
        ));
        bound_history(&mut cache.entries);
    }
}

fn compute(
    report: &Report,
    project: &Project,
    sources: &[triage::SourceIndex],
    past: Vec<triage::PastReport>,
    advisories: &[triage::KnownAdvisory],
    received_at: jiff::Timestamp,
    now: jiff::Timestamp,
) -> Result<TriageRecord> {
    let text = report_text(report);
    let input = triage::Report {
        title: report.title.clone(),
        text: text.clone(),
        reporter: report.reporter_email.clone(),
        cvss_vector: report.cvss_vector.clone(),
    };
    let history = triage::History {
        reports: past,
        advisories: advisories.to_vec(),
        ..triage::History::default()
    };
    let ctx = triage::Context {
        policy: &project.policy,
        project_name: Some(&project.name),
        sources,
        history: &history,
        now: Some(received_at),
    };
    let result = triage::triage(&input, &ctx);
    Ok(TriageRecord {
        report_id: report.id,
        label: result.label,
        verdict: result.verdict,
        findings: findings_json(
            &result,
            &report.title,
            &text,
            &sources
                .iter()
                .map(triage::SourceIndex::label)
                .collect::<Vec<_>>(),
        ),
        fingerprint: serde_json::to_value(&result.fingerprint).map_err(anyhow::Error::from)?,
        version: VERSION.to_owned(),
        triaged_at: now,
    })
}

/// Who dismissed a finding and why.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DismissalView {
    /// The maintainer's e-mail address (`null` once the account is gone).
    pub by: Option<String>,
    pub reason: String,
    #[schema(value_type = String, format = DateTime)]
    pub at: jiff::Timestamp,
}

/// The triage of a report as maintainers see it (never the reporter).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TriageView {
    /// `valid`, `ai_slop`, `beg_bounty`, `non_qualifying` or `duplicate`.
    pub label: String,
    /// `likely_valid`, `needs_review` or `likely_invalid`.
    pub verdict: String,
    #[schema(value_type = String, format = DateTime)]
    pub triaged_at: jiff::Timestamp,
    pub version: String,
    /// The label and verdict in plain words ("Looks valid", "Needs review: strong findings
    /// disagree", "Likely AI-generated: the quoted code is not the project's").
    pub headline: String,
    /// The revisions of the project's source the report was checked at (index labels such
    /// as `v1.0.0 (1.0.0) @ 9c8d7e6f5a` or `main @ 3f2a1c4e5d`); empty when nothing was
    /// checked against a source, or for results stored before revisions were recorded.
    pub checked_at: Vec<String>,
    /// Each finding: `key`, `signal`, `level`, `detail`, `policy_ref`, `confidence`,
    /// `evidence` (`field`, `start`, `end`, `quote`, `context`), `dismissed`, and in plain
    /// words `title` and `group` (`source`, `policy`, `report` or `notes`); findings checked
    /// against the source also carry `checked_at`.
    #[schema(value_type = Vec<Object>)]
    pub findings: Vec<serde_json::Value>,
}

/// A stored finding's signal and level, if the stored codes are known to this version.
fn signal_level(f: &serde_json::Value) -> Option<(triage::Signal, triage::Level)> {
    let signal = triage::Signal::parse(f.get("signal")?.as_str()?)?;
    let level = match f.get("level")?.as_str()? {
        "strong" => triage::Level::Strong,
        "weak" => triage::Level::Weak,
        "info" => triage::Level::Info,
        _ => return None,
    };
    Some((signal, level))
}

impl TriageView {
    pub fn likely_invalid(&self) -> bool {
        self.verdict == triage::Verdict::LikelyInvalid.as_str()
    }
}

/// The stored triage of a report with its dismissals, or `None` before the job ran. The
/// caller has already checked that the user may read the report.
pub async fn view(state: &AppState, id: ReportId) -> Result<Option<TriageView>> {
    let mut c = state.db.read().await?;
    let Some(record) = store::triage::of_report(&mut c, id).await? else {
        return Ok(None);
    };
    let dismissals = store::triage::dismissals(&mut c, id).await?;
    drop(c);
    let findings = match record.findings {
        serde_json::Value::Array(items) => items,
        _ => Vec::new(),
    };
    let findings = findings
        .into_iter()
        .map(|mut f| {
            let key = f.get("key").and_then(|k| k.as_str()).unwrap_or_default();
            let dismissed =
                dismissals
                    .iter()
                    .find(|d| d.finding_key == key)
                    .map(|d| DismissalView {
                        by: d.user_email.clone(),
                        reason: d.reason.clone(),
                        at: d.at,
                    });
            let plain = signal_level(&f);
            if let Some(o) = f.as_object_mut() {
                o.insert(
                    "dismissed".into(),
                    serde_json::to_value(dismissed).unwrap_or(serde_json::Value::Null),
                );
                // A code this version does not know is shown as its code, among the notes.
                let (title, group) = match plain {
                    Some((s, l)) => (s.title().to_owned(), triage::Group::of(s, l)),
                    None => (
                        o.get("signal")
                            .and_then(|s| s.as_str())
                            .unwrap_or_default()
                            .to_owned(),
                        triage::Group::Notes,
                    ),
                };
                o.insert("title".into(), title.into());
                o.insert("group".into(), group.as_str().into());
            }
            f
        })
        .collect::<Vec<_>>();
    let mut checked_at: Vec<String> = Vec::new();
    for label in findings
        .iter()
        .filter_map(|f| f.get("checked_at")?.as_array())
        .flatten()
        .filter_map(|l| l.as_str())
    {
        if !checked_at.iter().any(|c| c == label) {
            checked_at.push(label.to_owned());
        }
    }
    // The headline reads the findings still standing: a dismissed one no longer counts.
    let standing: Vec<(triage::Signal, triage::Level)> = findings
        .iter()
        .filter(|f| f.get("dismissed").is_none_or(serde_json::Value::is_null))
        .filter_map(signal_level)
        .collect();
    Ok(Some(TriageView {
        label: record.label.as_str().to_owned(),
        verdict: record.verdict.as_str().to_owned(),
        headline: triage::headline(record.label, record.verdict, &standing),
        checked_at,
        triaged_at: record.triaged_at,
        version: record.version,
        findings,
    }))
}

/// A maintainer or triager dismisses one finding of a report, saying why. Recorded with the
/// user and audited (`triage.dismiss`); the report itself is untouched.
pub async fn dismiss(
    state: &AppState,
    user: &User,
    id: ReportId,
    finding: &str,
    reason: &str,
) -> Result<()> {
    let report = store::reports::by_id(&mut *state.db.read().await?, id)
        .await?
        .ok_or(ServiceError::NotFound("report"))?;
    // A collaborator sees the report (403 here); anyone else may not know it exists (404).
    let role = super::reports::user_role(state, user, &report)
        .await?
        .ok_or(ServiceError::NotFound("report"))?;
    if !role.allows(Permission::ActOnReports) {
        return Err(ServiceError::Forbidden);
    }
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(ServiceError::field("reason", "is required"));
    }
    if reason.len() > MAX_REASON || reason.contains('\0') {
        return Err(ServiceError::field(
            "reason",
            format!("must be at most {MAX_REASON} bytes, without NUL characters"),
        ));
    }
    let record = store::triage::of_report(&mut *state.db.read().await?, id)
        .await?
        .ok_or_else(|| ServiceError::field("finding", "the report has not been triaged yet"))?;
    let known = record.findings.as_array().is_some_and(|items| {
        items
            .iter()
            .any(|f| f.get("key").and_then(|k| k.as_str()) == Some(finding))
    });
    if !known {
        return Err(ServiceError::field(
            "finding",
            "is not a finding of this report",
        ));
    }
    let now = state.now();
    let dismissal = TriageDismissal {
        report_id: id,
        finding_key: finding.to_owned(),
        user_id: Some(user.id),
        user_email: None,
        reason: reason.to_owned(),
        at: now,
    };
    let mut tx = state.db.begin().await?;
    if !store::triage::dismiss(&mut tx, &dismissal).await? {
        return Err(ServiceError::conflict(
            "already_dismissed",
            "this finding was already dismissed",
        ));
    }
    store::audit::append(
        &mut tx,
        domain::audit::NewAuditEvent {
            at: now,
            actor: domain::audit::user_actor(user.id),
            action: "triage.dismiss".into(),
            subject: domain::audit::report_subject(id),
            data: serde_json::json!({ "finding": finding, "reason": reason }),
        },
    )
    .await?;
    tx.commit().await?;
    tracing::info!(report = %id, "triage finding dismissed");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passages_keep_context_and_cut_on_character_boundaries() {
        let text = "é".repeat(100) + "MARK" + &"ü".repeat(100);
        let start = 200;
        let p = passage(&text, start, start + 4);
        assert_eq!(p["mark"], "MARK");
        assert_eq!(p["before"].as_str().map(|s| s.chars().count()), Some(80));
        assert_eq!(p["after"].as_str().map(|s| s.chars().count()), Some(80));
        assert_eq!(p["cut_before"], true);
        assert_eq!(p["cut_after"], true);
        // A span starting inside a character starts at that character, never panics.
        let q = passage("aé b", 2, 3);
        assert_eq!(q["mark"], "é");
        assert_eq!(q["before"], "a");
        let short = passage("pay me", 0, 3);
        assert_eq!(short["before"], "");
        assert_eq!(short["mark"], "pay");
        assert_eq!(short["after"], " me");
        assert_eq!(short["cut_after"], false);
    }

    #[test]
    fn the_cached_history_keeps_the_newest_within_its_entries_and_bytes() {
        let past = |name: &str| triage::PastReport {
            reference: "demo#1".into(),
            project: name.into(),
            received_at: jiff::Timestamp::UNIX_EPOCH,
            reporter: None,
            fingerprint: triage::Fingerprint(vec![0; 64]),
            outcome: triage::Outcome::Open,
        };
        let limit = usize::try_from(HISTORY_LIMIT).expect("limit");
        let mut entries: std::collections::VecDeque<_> = (0..limit + 10)
            .map(|_| (ReportId::new(), past("Demo")))
            .collect();
        let newest = entries[0].0;
        bound_history(&mut entries);
        assert_eq!(entries.len(), limit);
        assert_eq!(entries[0].0, newest);
        // Entries with 1 MiB names: the budget holds fewer than 16 of them.
        let big = "x".repeat(1 << 20);
        let mut entries: std::collections::VecDeque<_> =
            (0..40).map(|_| (ReportId::new(), past(&big))).collect();
        bound_history(&mut entries);
        assert_eq!(entries.len(), 15);
        let bytes: usize = entries.iter().map(|(_, p)| entry_bytes(p)).sum();
        assert!(bytes <= HISTORY_MAX_BYTES, "{bytes}");
    }

    #[test]
    fn the_text_is_composed_like_the_cli_composes_a_json_report() {
        let now = jiff::Timestamp::UNIX_EPOCH;
        let report = Report {
            id: ReportId::new(),
            project_id: domain::ProjectId::new(),
            number: 1,
            title: "t".into(),
            description: "D".into(),
            affected_version: Some("1.2".into()),
            reproduction: Some("R".into()),
            impact: Some("I".into()),
            cvss_vector: None,
            reporter_name: None,
            reporter_email: None,
            credit_as: None,
            credit_mode: None,
            source: domain::report::Source::Web,
            state: State::Received,
            resolution: None,
            received_at: now,
            acknowledged_at: None,
            updated_at: now,
            sla: domain::report::Sla {
                acknowledge_due: now,
                triage_due: now,
                disclosure_due: now,
            },
        };
        assert_eq!(
            report_text(&report),
            "Affected version: 1.2\n\nD\n\nR\n\n## Impact\n\nI"
        );
        let bare = Report {
            affected_version: None,
            reproduction: Some("  ".into()),
            impact: None,
            ..report
        };
        assert_eq!(report_text(&bare), "D");
    }

    #[test]
    fn closed_and_accepted_reports_give_their_outcome() {
        use triage::Outcome;
        assert_eq!(outcome(State::Received, None), Outcome::Open);
        assert_eq!(outcome(State::Fixed, None), Outcome::Accepted);
        assert_eq!(
            outcome(State::Closed, Some(Resolution::Spam)),
            Outcome::Spam
        );
        assert_eq!(
            outcome(State::Closed, Some(Resolution::WontFix)),
            Outcome::Open
        );
    }
}
