//! A project's source for the triage assistant: configured by its maintainers (a git URL with
//! its default branch and extra refs) or by an administrator (a directory on the server),
//! stored with the project; the instance configuration's `triage.sources` remains the
//! fallback. Reports are checked against the default branch, the extra refs and the tag of
//! each version they name (`in 8.4.0` → `v8.4.0` or `curl-8_4_0`), each indexed once per
//! commit. Saving a source, new commits found by the scheduled fetch, and a changed policy
//! queue the project's open reports for triage again (`store::triage::requeue_open`), in the
//! unit of work that records the change, with its audit event.

use super::{Result, ServiceError};
use crate::AppState;
use crate::git::{Limits, Mirror};
use domain::{
    FieldError, FieldErrors, ProjectId, UserId,
    account::{Permission, User},
    audit::{NewAuditEvent, SYSTEM_ACTOR, project_subject, user_actor},
    project::Project,
};
use serde::{Deserialize, Serialize};
use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use store::{ProjectSource, ProjectSourceInput};
use triage::source::{GitScheme, MAX_EXTRA_REFS, SourceKind, check_git_url, check_ref_name};

/// Longest directory path accepted.
const MAX_PATH: usize = 4096;
/// Indexes kept in memory (each one commit of one repository, built from a tree within the
/// limits of `crate::git`: at most 200,000 files and 512 MiB).
const CACHED_INDEXES: usize = 16;
/// Mirror locks kept before those nobody holds are dropped (one per mirror directory).
const MAX_IDLE_LOCKS: usize = 256;
/// Most revisions named in one report (release tags, commits) that are indexed for it.
const MAX_VERSIONS: usize = 3;

/// A source as maintainers set it: the web form and `PUT /api/v1/projects/{slug}/source`.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct SourceInput {
    /// `git` or `path`.
    pub kind: String,
    /// `git`: an `https://`, `ssh://` or `user@host:path` URL (`file://` for administrators).
    pub url: Option<String>,
    /// `git`: the default branch; empty for the repository's own default.
    pub default_branch: Option<String>,
    /// `git`: further branches or tags to check reports against (at most 20).
    pub refs: Vec<String>,
    /// `path`: an absolute directory on the server (administrators only).
    pub path: Option<String>,
}

/// A project's source as its maintainers see it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SourceView {
    /// `git` or `path`.
    pub kind: String,
    pub url: Option<String>,
    pub default_branch: Option<String>,
    pub refs: Vec<String>,
    pub path: Option<String>,
    /// Counts the changes.
    pub version: i64,
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: jiff::Timestamp,
    /// When the git source was last fetched, and what each ref pointed at.
    #[schema(value_type = Option<String>, format = DateTime)]
    pub fetched_at: Option<jiff::Timestamp>,
    #[schema(value_type = Option<Object>)]
    pub heads: Option<serde_json::Value>,
    /// Why the last fetch failed.
    pub fetch_error: Option<String>,
}

impl From<ProjectSource> for SourceView {
    fn from(s: ProjectSource) -> Self {
        let git = s.input.kind == SourceKind::Git;
        SourceView {
            url: git.then(|| s.input.location.clone()),
            path: (!git).then(|| s.input.location.clone()),
            kind: s.input.kind.as_str().to_owned(),
            default_branch: s.input.default_ref,
            refs: s.input.extra_refs,
            version: s.version,
            updated_at: s.updated_at,
            fetched_at: s.fetched_at,
            heads: s.heads,
            fetch_error: s.fetch_error,
        }
    }
}

/// Checks a source; every bad field is named. Directories and `file://` URLs read the
/// server's own disk, so only administrators may set them (403).
pub fn validate(input: &SourceInput, is_admin: bool) -> Result<ProjectSourceInput> {
    let mut errors = Vec::new();
    let text = |v: &Option<String>| {
        v.as_deref()
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
    };
    match SourceKind::parse(&input.kind) {
        Some(SourceKind::Path) => {
            if !is_admin {
                return Err(ServiceError::Forbidden);
            }
            let Some(path) = text(&input.path) else {
                return Err(ServiceError::field("path", "is required"));
            };
            if path.len() > MAX_PATH || path.contains('\0') {
                return Err(ServiceError::field(
                    "path",
                    format!("must be at most {MAX_PATH} bytes, without NUL characters"),
                ));
            }
            let p = Path::new(&path);
            if !p.is_absolute() {
                return Err(ServiceError::field("path", "must be an absolute path"));
            }
            if !p.is_dir() {
                return Err(ServiceError::field(
                    "path",
                    "is not a directory this server can read",
                ));
            }
            Ok(ProjectSourceInput {
                kind: SourceKind::Path,
                location: path,
                default_ref: None,
                extra_refs: Vec::new(),
            })
        }
        Some(SourceKind::Git) => {
            let url = text(&input.url).unwrap_or_default();
            match check_git_url(&url) {
                Ok(GitScheme::File) if !is_admin => return Err(ServiceError::Forbidden),
                Ok(_) => {}
                Err(e) => errors.push(FieldError::new("url", e)),
            }
            let default_ref = text(&input.default_branch);
            if let Some(r) = &default_ref
                && let Err(e) = check_ref_name(r)
            {
                errors.push(FieldError::new("default_branch", e));
            }
            let mut refs: Vec<String> = Vec::new();
            for (i, r) in input.refs.iter().enumerate() {
                let r = r.trim();
                if r.is_empty() {
                    continue;
                }
                if let Err(e) = check_ref_name(r) {
                    errors.push(FieldError::new(format!("refs[{i}]"), e));
                } else if !refs.iter().any(|x| x == r) {
                    refs.push(r.to_owned());
                }
            }
            if refs.len() > MAX_EXTRA_REFS {
                errors.push(FieldError::new(
                    "refs",
                    format!("at most {MAX_EXTRA_REFS} refs"),
                ));
            }
            if !errors.is_empty() {
                return Err(ServiceError::Invalid(FieldErrors(errors)));
            }
            Ok(ProjectSourceInput {
                kind: SourceKind::Git,
                location: url,
                default_ref,
                extra_refs: refs,
            })
        }
        None => Err(ServiceError::field("kind", "must be `git` or `path`")),
    }
}

/// The project's source, for someone who may change its settings.
pub async fn get(
    state: &AppState,
    user: &User,
    slug: &str,
) -> Result<(Project, Option<SourceView>)> {
    let (project, _) = super::projects::for_user(state, user, slug, Permission::EditPolicy).await?;
    let source = store::sources::of_project(&mut *state.db.read().await?, project.id).await?;
    Ok((project, source.map(SourceView::from)))
}

/// Sets the project's source; its open reports are queued for triage again. Returns the
/// stored source and how many reports were queued.
pub async fn set(
    state: &AppState,
    user: &User,
    slug: &str,
    input: &SourceInput,
) -> Result<(SourceView, u64)> {
    let (project, _) = super::projects::for_user(state, user, slug, Permission::EditPolicy).await?;
    let checked = validate(input, user.is_admin)?;
    let now = state.now();
    let mut tx = state.db.begin().await?;
    let before = store::sources::of_project(&mut tx, project.id).await?;
    store::sources::set(&mut tx, project.id, &checked, Some(user.id), now).await?;
    let queued = retriage(&mut tx, project.id, Some(&checked), user.id, now).await?;
    let stored = store::sources::of_project(&mut tx, project.id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("the source was not stored"))?;
    tx.commit().await?;
    if before.as_ref().map(|b| &b.input.location) != Some(&checked.location) {
        forget_mirror(state, before).await;
    }
    tracing::info!(
        project = project.slug.as_str(),
        kind = checked.kind.as_str(),
        retriage = queued,
        "triage source set"
    );
    state.outbox_notify.notify_one();
    Ok((stored.into(), queued))
}

/// Removes the project's source (the instance configuration's, if any, applies again).
/// Removing when there is none changes nothing (a repeated `DELETE` is not an error).
pub async fn remove(state: &AppState, user: &User, slug: &str) -> Result<u64> {
    let (project, _) = super::projects::for_user(state, user, slug, Permission::EditPolicy).await?;
    let now = state.now();
    let mut tx = state.db.begin().await?;
    let before = store::sources::of_project(&mut tx, project.id).await?;
    if !store::sources::delete(&mut tx, project.id).await? {
        return Ok(0);
    }
    let queued = retriage(&mut tx, project.id, None, user.id, now).await?;
    tx.commit().await?;
    forget_mirror(state, before).await;
    tracing::info!(
        project = project.slug.as_str(),
        retriage = queued,
        "triage source removed"
    );
    state.outbox_notify.notify_one();
    Ok(queued)
}

/// Queues the project's open reports for triage again after its source was set (`Some`) or
/// removed (`None`), and audits the change (`source.update` / `source.remove`); returns how
/// many reports were queued.
async fn retriage(
    tx: &mut store::Tx,
    project: ProjectId,
    input: Option<&ProjectSourceInput>,
    by: UserId,
    now: jiff::Timestamp,
) -> Result<u64> {
    let queued = store::triage::requeue_open(tx, project, now).await?;
    store::audit::append(
        tx,
        NewAuditEvent {
            at: now,
            actor: user_actor(by),
            action: if input.is_some() {
                "source.update".into()
            } else {
                "source.remove".into()
            },
            subject: project_subject(project),
            data: serde_json::json!({
                "kind": input.map(|s| s.kind.as_str()),
                "location": input.map(|s| s.location.as_str()),
                "default_ref": input.and_then(|s| s.default_ref.as_deref()),
                "extra_refs": input.map(|s| &s.extra_refs),
                "retriage": queued,
            }),
        },
    )
    .await?;
    Ok(queued)
}

/// Deletes the mirror of a git source that was replaced or removed, unless a project still
/// uses its URL: a disk on a small machine does not fill with abandoned clones.
async fn forget_mirror(state: &AppState, before: Option<ProjectSource>) {
    let Some(old) = before.filter(|s| s.input.kind == SourceKind::Git) else {
        return;
    };
    let still_used = match git_sources(state).await {
        Ok(all) => all.iter().any(|s| s.input.location == old.input.location),
        Err(_) => true,
    };
    if still_used {
        return;
    }
    let mirror = Mirror::for_url(&mirrors_root(state), &old.input.location);
    let lock = state.source_caches.mirror_lock(mirror.dir());
    let _guard = lock.lock().await;
    if mirror.exists()
        && let Err(e) = std::fs::remove_dir_all(mirror.dir())
    {
        tracing::warn!(error = %e, "cannot remove an unused git mirror");
    }
}

// Indexes ------------------------------------------------------------------------------------

/// Built indexes by (mirror, commit), most recently used last.
type IndexCache = VecDeque<((PathBuf, String), triage::SourceIndex)>;

/// What the git sources keep in memory, one per application (`AppState`): the
/// [`CACHED_INDEXES`] most recently used indexes, and a lock per mirror directory.
#[derive(Default)]
pub struct Caches {
    indexes: Mutex<IndexCache>,
    /// One fetch or indexing of a mirror at a time (per mirror directory).
    mirror_locks: Mutex<std::collections::HashMap<PathBuf, Arc<tokio::sync::Mutex<()>>>>,
}

impl std::fmt::Debug for Caches {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Caches").finish_non_exhaustive()
    }
}

impl Caches {
    fn indexes(&self) -> MutexGuard<'_, IndexCache> {
        self.indexes.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn mirror_lock(&self, dir: &Path) -> Arc<tokio::sync::Mutex<()>> {
        let mut locks = self.mirror_locks.lock().unwrap_or_else(|e| e.into_inner());
        if locks.len() >= MAX_IDLE_LOCKS && !locks.contains_key(dir) {
            // Locks nobody holds or waits for are made again when needed.
            locks.retain(|_, lock| Arc::strong_count(lock) > 1);
        }
        locks.entry(dir.to_path_buf()).or_default().clone()
    }
}

fn mirrors_root(state: &AppState) -> PathBuf {
    state.config.data_dir.join("sources")
}

fn short(commit: &str) -> &str {
    &commit[..commit.len().min(10)]
}

/// The index of `commit`, from the cache or built now, under `label`.
fn index_of(
    caches: &Caches,
    mirror: &Mirror,
    key: &Path,
    commit: &str,
    label: &str,
    limits: Limits,
) -> anyhow::Result<triage::SourceIndex> {
    let k = (key.to_path_buf(), commit.to_owned());
    {
        let mut cache = caches.indexes();
        if let Some(pos) = cache.iter().position(|(c, _)| *c == k)
            && let Some(entry) = cache.remove(pos)
        {
            let index = entry.1.with_label(label);
            cache.push_back(entry);
            return Ok(index);
        }
    }
    let started = std::time::Instant::now();
    let index = mirror.index(commit, label, limits)?;
    tracing::info!(
        commit = short(commit),
        files = index.file_count(),
        ms = started.elapsed().as_millis() as u64,
        "triage source indexed"
    );
    let mut cache = caches.indexes();
    cache.push_back((k, index.clone()));
    while cache.len() > CACHED_INDEXES {
        cache.pop_front();
    }
    Ok(index)
}

/// The commits of the default branch and the extra refs (`heads`), as JSON.
fn resolve_heads(
    mirror: &Mirror,
    source: &ProjectSourceInput,
    limits: Limits,
) -> anyhow::Result<Vec<(String, String)>> {
    let mut heads = Vec::new();
    let default = source.default_ref.as_deref();
    match mirror.resolve(default, limits)? {
        Some(c) => heads.push((default.unwrap_or("HEAD").to_owned(), c)),
        None => anyhow::bail!(
            "the default branch {} does not exist",
            default.unwrap_or("HEAD")
        ),
    }
    for r in &source.extra_refs {
        if let Some(c) = mirror.resolve(Some(r), limits)? {
            heads.push((r.clone(), c));
        }
    }
    Ok(heads)
}

fn heads_json(heads: &[(String, String)]) -> serde_json::Value {
    serde_json::Value::Object(
        heads
            .iter()
            .map(|(r, c)| (r.clone(), serde_json::Value::String(c.clone())))
            .collect(),
    )
}

/// What one triage run reads from a git source: fetched first if it never was.
struct GitRun {
    fetched: Option<std::result::Result<serde_json::Value, String>>,
    indexes: Vec<triage::SourceIndex>,
}

fn git_run(
    caches: &Caches,
    mirror: &Mirror,
    source: &ProjectSourceInput,
    fetch: bool,
    named: &[triage::NamedRevision],
    limits: Limits,
) -> GitRun {
    let mut fetched = None;
    if fetch {
        let result = mirror
            .sync(&source.location, limits)
            .and_then(|()| resolve_heads(mirror, source, limits));
        fetched = Some(match &result {
            Ok(h) => Ok(heads_json(h)),
            Err(e) => Err(e.to_string()),
        });
    }
    let mut indexes = Vec::new();
    if !mirror.exists() {
        return GitRun { fetched, indexes };
    }
    let key = mirror.dir().to_path_buf();
    // The default branch first, then the extra refs, then what the report names.
    let mut wanted: Vec<(String, triage::Revision, String)> =
        match resolve_heads(mirror, source, limits) {
            Ok(h) => h
                .into_iter()
                .enumerate()
                .map(|(i, (r, c))| {
                    let revision = if i == 0 {
                        triage::Revision::DefaultBranch
                    } else {
                        triage::Revision::Other
                    };
                    (format!("{r} @ {}", short(&c)), revision, c)
                })
                .collect(),
            Err(e) => {
                tracing::warn!(error = %e, "triage source: cannot resolve its refs");
                Vec::new()
            }
        };
    if !named.is_empty() {
        let tags = mirror.tags(limits).unwrap_or_default();
        wanted.extend(mirror.named_commits(named, &tags, MAX_VERSIONS, limits));
    }
    for (label, revision, commit) in wanted {
        match index_of(caches, mirror, &key, &commit, &label, limits) {
            Ok(index) => indexes.push(index.at(revision)),
            Err(e) => tracing::warn!(error = %e, "triage source: cannot index a commit"),
        }
    }
    GitRun { fetched, indexes }
}

/// The source indexes a report of `project` naming `named` is checked against: the
/// project's own source (git: the default branch, the extra refs and the tags or commits of
/// the revisions named, each index saying which revision it is; or a directory), else the
/// instance configuration's directories. A source that
/// cannot be read leaves the list short (logged), never fails the triage.
pub(crate) async fn indexes_for(
    state: &AppState,
    project: &Project,
    named: &[triage::NamedRevision],
) -> Result<Vec<triage::SourceIndex>> {
    let slug = project.slug.as_str().to_owned();
    let source = store::sources::of_project(&mut *state.db.read().await?, project.id).await?;
    let dirs: Vec<PathBuf> = match &source {
        None => state
            .config
            .triage
            .sources
            .get(&slug)
            .cloned()
            .unwrap_or_default(),
        Some(s) if s.input.kind == SourceKind::Path => vec![PathBuf::from(&s.input.location)],
        Some(_) => Vec::new(),
    };
    let Some(source) = source.filter(|s| s.input.kind == SourceKind::Git) else {
        let state = state.clone();
        let indexes = tokio::task::spawn_blocking(move || {
            super::triage::source_indexes(&state.triage_caches, &slug, &dirs)
                .as_ref()
                .clone()
        })
        .await
        .map_err(anyhow::Error::from)?;
        return Ok(indexes);
    };
    let limits = state.config.triage.git_limits();
    let mirror = Mirror::for_url(&mirrors_root(state), &source.input.location);
    let lock = state.source_caches.mirror_lock(mirror.dir());
    let _guard = lock.lock().await;
    // Fetch here only for a source never fetched since it was set (or whose mirror is gone
    // though its last fetch worked): after a failure, the schedule retries, so a remote that
    // hangs does not hold up every triage job.
    let fetch = source.fetched_at.is_none() || !mirror.exists() && source.fetch_error.is_none();
    let input = source.input.clone();
    let named = named.to_vec();
    let blocking = state.clone();
    let run = tokio::task::spawn_blocking(move || {
        git_run(
            &blocking.source_caches,
            &mirror,
            &input,
            fetch,
            &named,
            limits,
        )
    })
    .await
    .map_err(anyhow::Error::from)?;
    if let Some(fetched) = run.fetched {
        record(state, &source, fetched).await?;
    }
    Ok(run.indexes)
}

/// Stores a fetch's outcome, unless the source's configuration changed while it ran (the
/// outcome is then the old configuration's). A failed fetch keeps the commits found before.
/// When the commits differ from the previous fetch's, the project's open reports are queued
/// for triage again and `source.change` is audited, in the same unit of work.
async fn record(
    state: &AppState,
    source: &ProjectSource,
    fetched: std::result::Result<serde_json::Value, String>,
) -> Result<()> {
    let now = state.now();
    let project = source.project_id;
    let (heads, error) = match &fetched {
        Ok(heads) => (Some(heads), None),
        Err(e) => {
            tracing::warn!(project = %project, error = %e, "triage source: fetch failed");
            (None, Some(e.as_str()))
        }
    };
    let mut tx = state.db.begin().await?;
    let Some(current) = store::sources::of_project(&mut tx, project).await? else {
        return Ok(());
    };
    if current.version != source.version {
        return Ok(());
    }
    let old = current.heads.as_ref();
    store::sources::set_fetched(&mut tx, project, heads.or(old), error, now).await?;
    let mut queued = 0;
    if let (Some(old), Some(new)) = (old, heads)
        && old != new
    {
        queued = store::triage::requeue_open(&mut tx, project, now).await?;
        store::audit::append(
            &mut tx,
            NewAuditEvent {
                at: now,
                actor: SYSTEM_ACTOR.to_owned(),
                action: "source.change".into(),
                subject: project_subject(project),
                data: serde_json::json!({ "from": old, "to": new, "retriage": queued }),
            },
        )
        .await?;
    }
    tx.commit().await?;
    if queued > 0 {
        tracing::info!(project = %project, retriage = queued, "triage source changed: open reports queued again");
        state.outbox_notify.notify_one();
    }
    Ok(())
}

/// Every git source of the instance.
async fn git_sources(state: &AppState) -> Result<Vec<ProjectSource>> {
    Ok(store::sources::git(&mut *state.db.read().await?).await?)
}

/// Fetches the git sources whose last fetch is older than `triage.fetch_interval_secs`.
/// Run by the job worker; one source's failure is recorded and the others go on.
pub async fn fetch_due(state: &AppState) -> Result<()> {
    let interval = state.config.triage.fetch_interval_secs;
    if interval == 0 {
        return Ok(());
    }
    let now = state.now();
    let limits = state.config.triage.git_limits();
    for source in git_sources(state).await? {
        let due = source.fetched_at.is_none_or(|t| {
            now.duration_since(t) >= jiff::SignedDuration::from_secs(interval as i64)
        });
        if !due {
            continue;
        }
        let mirror = Mirror::for_url(&mirrors_root(state), &source.input.location);
        let lock = state.source_caches.mirror_lock(mirror.dir());
        let _guard = lock.lock().await;
        // Changed or removed while this round waited: not this configuration's fetch.
        let current =
            store::sources::of_project(&mut *state.db.read().await?, source.project_id).await?;
        if current.is_none_or(|c| c.version != source.version) {
            continue;
        }
        let input = source.input.clone();
        let fetched = tokio::task::spawn_blocking(move || {
            mirror
                .sync(&input.location, limits)
                .and_then(|()| resolve_heads(&mirror, &input, limits))
                .map(|h| heads_json(&h))
                .map_err(|e| e.to_string())
        })
        .await
        .map_err(anyhow::Error::from)?;
        record(state, &source, fetched).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn git(url: &str) -> SourceInput {
        SourceInput {
            kind: "git".into(),
            url: Some(url.into()),
            default_branch: Some("main".into()),
            refs: vec!["v1.0.0".into(), " ".into(), "v1.0.0".into()],
            path: None,
        }
    }

    fn fields(e: ServiceError) -> Vec<String> {
        match e {
            ServiceError::Invalid(f) => f.0.into_iter().map(|f| f.field).collect(),
            other => panic!("expected Invalid, got {other:?}"),
        }
    }

    #[test]
    fn git_sources_are_checked_field_by_field() {
        let ok = validate(&git("https://example.org/demo.git"), false).expect("valid");
        assert_eq!(ok.kind, SourceKind::Git);
        assert_eq!(ok.default_ref.as_deref(), Some("main"));
        assert_eq!(ok.extra_refs, ["v1.0.0"], "blank and repeated refs dropped");
        let bad = SourceInput {
            default_branch: Some("-x".into()),
            refs: vec!["ok".into(), "a..b".into()],
            ..git("ext::sh -c id")
        };
        assert_eq!(
            fields(validate(&bad, true).expect_err("invalid")),
            ["url", "default_branch", "refs[1]"]
        );
        assert!(matches!(
            validate(&git("file:///srv/repo.git"), false),
            Err(ServiceError::Forbidden)
        ));
        assert!(validate(&git("file:///srv/repo.git"), true).is_ok());
        let kind = SourceInput {
            kind: "svn".into(),
            ..SourceInput::default()
        };
        assert_eq!(fields(validate(&kind, true).expect_err("kind")), ["kind"]);
    }

    #[test]
    fn directories_are_for_administrators_and_must_exist() {
        let dir = std::env::temp_dir();
        let input = SourceInput {
            kind: "path".into(),
            path: Some(dir.display().to_string()),
            ..SourceInput::default()
        };
        assert!(matches!(
            validate(&input, false),
            Err(ServiceError::Forbidden)
        ));
        assert_eq!(
            validate(&input, true).expect("valid").location,
            dir.display().to_string()
        );
        for bad in ["relative/dir", "/no/such/directory/here"] {
            let input = SourceInput {
                path: Some(bad.into()),
                ..input.clone()
            };
            assert_eq!(fields(validate(&input, true).expect_err(bad)), ["path"]);
        }
    }
}
