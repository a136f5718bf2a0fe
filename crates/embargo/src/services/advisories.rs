//! Advisories: written by a project's maintainers (from an accepted report or from
//! scratch), published now or at a chosen time, withdrawn with a reason; served publicly only
//! once published (HTML, OSV, CVE JSON 5, CSAF 2.0, Atom, the OSV-style query), with a CVE
//! request packet for projects without their own CNA and CVE Services for those with one.
//!
//! Who may do what: members of the project (maintainers and triagers) read and edit drafts;
//! only those with `Permission::Disclose` (maintainers, admins) publish, schedule, withdraw,
//! export the CVE packet or talk to CVE Services. Anyone else gets "not found". Every
//! create, edit, publication, withdrawal and export is in the audit log.

use super::{
    Result, ServiceError,
    cve_services::{CveServices, CveServicesError},
    projects,
    reports::{self, Caller},
};
use crate::AppState;
use crate::jobs::publish_advisory::PublishAdvisory;
use advisory::{Advisory, CreditChoice, ExportOptions, Format, ReportSeed, Status};
use domain::{
    FieldError, FieldErrors, ReportId,
    account::{Permission, User, allowed},
    audit::{self, NewAuditEvent},
    project::Project,
    report::{CreditMode, State},
};
use jiff::Timestamp;
use serde_json::Value;
use store::{AdvisoryRecord, NewJob};

/// Largest advisory, as JSON.
pub const MAX_ADVISORY_JSON: usize = 512 * 1024;
/// Longest withdrawal reason.
pub const MAX_REASON: usize = 1000;
/// Fields only the lifecycle changes (publish, withdraw), never an edit.
const LIFECYCLE_FIELDS: [&str; 3] = ["status", "published", "withdrawn"];

/// The audit subject of an advisory.
pub fn subject(id: &str) -> String {
    format!("advisory:{id}")
}

fn event(actor: String, action: &str, id: &str, at: Timestamp, data: Value) -> NewAuditEvent {
    NewAuditEvent {
        at,
        actor,
        action: action.into(),
        subject: subject(id),
        data,
    }
}

fn conflict_on_stale(e: store::StoreError) -> ServiceError {
    match e {
        store::StoreError::Conflict(m) => ServiceError::conflict("stale_version", m),
        store::StoreError::NotFound => ServiceError::NotFound("advisory"),
        other => other.into(),
    }
}

/// Stores a new advisory with its audit event in one unit of work; `Conflict` when the id
/// is taken.
async fn insert_record(
    state: &AppState,
    record: &AdvisoryRecord,
    audit: NewAuditEvent,
) -> store::Result<AdvisoryRecord> {
    let mut tx = state.db.begin().await?;
    let stored = store::advisories::insert(&mut tx, record).await?;
    store::audit::append(&mut tx, audit).await?;
    tx.commit().await?;
    Ok(stored)
}

/// Replaces an advisory if it is still at `expected_version` (`Conflict` otherwise,
/// `NotFound` when its project has no such advisory), with its audit event, the job of a
/// scheduled publication and, when this change publishes it, the `advisory.published`
/// webhook event, all in one unit of work. Returns the record at its new version.
async fn update_record(
    state: &AppState,
    record: &AdvisoryRecord,
    expected_version: i64,
    audit: NewAuditEvent,
    job: Option<NewJob>,
) -> store::Result<AdvisoryRecord> {
    let a = &record.advisory;
    let mut tx = state.db.begin().await?;
    let was = store::advisories::by_id(&mut tx, &a.id)
        .await?
        .filter(|r| r.project_id == record.project_id)
        .map(|r| r.advisory.status);
    let stored = store::advisories::update(&mut tx, record, expected_version).await?;
    if let Some(job) = &job {
        store::jobs::enqueue(&mut tx, job).await?;
    }
    if a.status == Status::Published && was != Some(Status::Published) {
        let report = record.report_id.map(|r| r.to_string());
        store::webhooks::queue_event(
            &mut tx,
            record.project_id,
            &domain::webhook::Event::advisory_published(&a.id, report.as_deref()),
            a.modified,
        )
        .await?;
    }
    store::audit::append(&mut tx, audit).await?;
    tx.commit().await?;
    Ok(stored)
}

// Reading -----------------------------------------------------------------------------------

/// The advisory for a member of its project who may `permission`; "not found" for anyone
/// without a role there, "forbidden" for a member whose role does not allow it.
pub async fn for_user(
    state: &AppState,
    user: &User,
    id: &str,
    permission: Permission,
) -> Result<(Project, AdvisoryRecord)> {
    let mut c = state.db.read().await?;
    let record = store::advisories::by_id(&mut c, id)
        .await?
        .ok_or(ServiceError::NotFound("advisory"))?;
    let project = store::projects::by_id(&mut c, record.project_id)
        .await?
        .ok_or(ServiceError::NotFound("advisory"))?;
    let role = store::members::role(&mut c, project.id, user.id).await?;
    drop(c);
    if !allowed(user.is_admin, role, Permission::ReadReports) {
        return Err(ServiceError::NotFound("advisory"));
    }
    if !allowed(user.is_admin, role, permission) {
        return Err(ServiceError::Forbidden);
    }
    Ok((project, record))
}

/// Every advisory of a project (drafts too), for its members.
pub async fn list(
    state: &AppState,
    user: &User,
    slug: &str,
) -> Result<(Project, Vec<AdvisoryRecord>)> {
    let (project, _) = projects::for_user(state, user, slug, Permission::ReadReports).await?;
    let list = store::advisories::list(&mut *state.db.read().await?, project.id, false).await?;
    Ok((project, list))
}

/// A project's published and withdrawn advisories, for anyone.
pub async fn public_list(state: &AppState, slug: &str) -> Result<(Project, Vec<AdvisoryRecord>)> {
    let project = projects::public(state, slug).await?;
    let list = store::advisories::list(&mut *state.db.read().await?, project.id, true).await?;
    Ok((project, list))
}

/// One published or withdrawn advisory of the project `slug`; drafts, and advisories of
/// other projects, are "not found".
pub async fn public_get(
    state: &AppState,
    slug: &str,
    id: &str,
) -> Result<(Project, AdvisoryRecord)> {
    let project = projects::public(state, slug).await?;
    match store::advisories::by_id(&mut *state.db.read().await?, id).await? {
        Some(r) if r.project_id == project.id && r.is_public() => Ok((project, r)),
        _ => Err(ServiceError::NotFound("advisory")),
    }
}

// Writing -----------------------------------------------------------------------------------

/// What a new advisory starts from.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewAdvisory {
    /// The advisory's id; default `x_<slug>-<year>-<n>`. CVE and GHSA ids must match their
    /// syntax, anything else must be an OSV id (a registered prefix or `x_…`).
    #[serde(default)]
    pub id: Option<String>,
    /// The accepted report to prefill from: its number in the project, or its id.
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub report: Option<Value>,
    /// The affected package when prefilling from a report (default: a product named after
    /// the project).
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub package: Option<advisory::Package>,
    /// Fields of the advisory model to start with (merged over the prefilled ones).
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub advisory: Option<Value>,
}

/// The reporter's credit choice as the advisory crate takes it.
pub fn credit_choice(report: &domain::report::Report) -> Option<CreditChoice> {
    let name = report.credit_as.clone().filter(|c| !c.trim().is_empty());
    Some(match (report.credit_mode, name) {
        (Some(CreditMode::Anonymous), _) | (_, None) => CreditChoice::Anonymous,
        (Some(CreditMode::Handle), Some(n)) => CreditChoice::Handle(n),
        (_, Some(n)) => CreditChoice::Name(n),
    })
}

async fn report_of_project(
    state: &AppState,
    project: &Project,
    reference: &Value,
) -> Result<domain::report::Report> {
    let report = match reference {
        Value::Number(n) => {
            let n = n
                .as_i64()
                .ok_or_else(|| ServiceError::field("report", "is not a report number"))?;
            store::reports::by_number(&mut *state.db.read().await?, project.id, n).await?
        }
        Value::String(s) => match s.parse::<uuid::Uuid>() {
            Ok(id) => store::reports::by_id(&mut *state.db.read().await?, ReportId(id)).await?,
            Err(_) => match s.trim_start_matches('#').parse::<i64>() {
                Ok(n) => {
                    store::reports::by_number(&mut *state.db.read().await?, project.id, n).await?
                }
                Err(_) => None,
            },
        },
        _ => {
            return Err(ServiceError::field(
                "report",
                "must be a report number or id",
            ));
        }
    };
    report
        .filter(|r| r.project_id == project.id)
        .ok_or_else(|| ServiceError::field("report", "no such report in this project"))
}

/// The next free `x_<slug>-<year>-<nnnn>` id of a project.
async fn next_id(state: &AppState, project: &Project, now: Timestamp) -> Result<String> {
    let year = now.to_zoned(jiff::tz::TimeZone::UTC).year();
    let prefix = format!("x_{}-{year}-", project.slug.as_str());
    let highest = store::advisories::list(&mut *state.db.read().await?, project.id, false)
        .await?
        .iter()
        .filter_map(|r| r.id().strip_prefix(&prefix)?.parse::<u32>().ok())
        .max()
        .unwrap_or(0);
    Ok(format!("{prefix}{:04}", highest + 1))
}

/// RFC 7396 JSON merge patch.
fn merge_patch(target: &mut Value, patch: &Value) {
    match patch {
        Value::Object(p) => {
            if !target.is_object() {
                *target = Value::Object(serde_json::Map::new());
            }
            if let Value::Object(t) = target {
                for (k, v) in p {
                    if v.is_null() {
                        t.remove(k);
                    } else {
                        merge_patch(t.entry(k.clone()).or_insert(Value::Null), v);
                    }
                }
            }
        }
        other => *target = other.clone(),
    }
}

/// Reads the model from JSON, naming the path of the first problem.
fn parse_model(value: Value) -> Result<Advisory> {
    let text_len = value.to_string().len();
    if text_len > MAX_ADVISORY_JSON {
        return Err(ServiceError::field(
            "advisory",
            format!("is larger than {MAX_ADVISORY_JSON} bytes"),
        ));
    }
    let advisory: Advisory = serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        let field = if path == "." {
            "advisory".to_owned()
        } else {
            format!("advisory.{path}")
        };
        ServiceError::field(&field, e.inner().to_string())
    })?;
    check_model(&advisory)?;
    Ok(advisory)
}

/// Rules every stored advisory keeps: a well-formed id, one-line summary.
fn check_model(a: &Advisory) -> Result<()> {
    let mut errors = FieldErrors::default();
    if !advisory::ids::is_well_formed_id(&a.id) {
        errors.push(
            "advisory.id",
            "must be a CVE or GHSA id, or an OSV id (a registered prefix or x_…)",
        );
    }
    if a.summary.chars().any(char::is_control) {
        errors.push("advisory.summary", "must be one line");
    }
    if a.summary.len() > 500 {
        errors.push("advisory.summary", "is longer than 500 bytes");
    }
    for (i, alias) in a.aliases.iter().enumerate() {
        if !advisory::ids::is_well_formed_id(alias) {
            errors.push(format!("advisory.aliases[{i}]"), "is not a well-formed id");
        }
    }
    Ok(errors.into_result(())?)
}

/// Creates a draft: prefilled from an accepted report (title, description, affected
/// version, CVSS vector, the reporter's chosen credit) or from scratch.
pub async fn create(
    state: &AppState,
    user: &User,
    slug: &str,
    new: NewAdvisory,
) -> Result<AdvisoryRecord> {
    let (project, _) = projects::for_user(state, user, slug, Permission::ActOnReports).await?;
    let now = state.now();
    let id = match new.id.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(id) => id.to_owned(),
        None => next_id(state, &project, now).await?,
    };
    let (report_id, mut draft) = match &new.report {
        None | Some(Value::Null) => (None, Advisory::new(id.clone(), now)),
        Some(reference) => {
            let report = report_of_project(state, &project, reference).await?;
            if !matches!(
                report.state,
                State::Accepted | State::Fixing | State::Fixed | State::Disclosed
            ) {
                return Err(ServiceError::conflict(
                    "report_not_accepted",
                    format!(
                        "report #{} is {}; an advisory is made from an accepted report",
                        report.number,
                        report.state.label()
                    ),
                ));
            }
            // The current score: the latest maintainer rescoring, else the reporter's vector.
            let rescored = store::scores::of_report(&mut *state.db.read().await?, report.id)
                .await?
                .pop()
                .map(|s| s.vector);
            let seed = ReportSeed {
                title: report.title.clone(),
                description: report.description.clone(),
                package: Some(new.package.clone().unwrap_or_else(|| advisory::Package {
                    name: project.name.clone(),
                    ..advisory::Package::default()
                })),
                affected_version: report.affected_version.clone(),
                cvss_vector: rescored.or_else(|| report.cvss_vector.clone()),
                credit: credit_choice(&report),
            };
            let mut a = Advisory::from_report(id.clone(), &seed, now)
                .map_err(|e| ServiceError::field("report.cvss_vector", e.to_string()))?;
            // Reporters of its duplicates were offered credit on this report.
            let more = super::outcomes::duplicate_credits(state, report.id, &a.credits).await?;
            a.credits.extend(more);
            (Some(report.id), a)
        }
    };
    if let Some(fields) = &new.advisory {
        let mut value = serde_json::to_value(&draft).map_err(anyhow::Error::from)?;
        if let Some(k) = LIFECYCLE_FIELDS.iter().find(|k| fields.get(**k).is_some()) {
            return Err(ServiceError::field(
                &format!("advisory.{k}"),
                "is set by publishing and withdrawing, not by editing",
            ));
        }
        merge_patch(&mut value, fields);
        value["id"] = Value::String(id.clone());
        draft = parse_model(value)?;
    }
    draft.modified = now;
    check_model(&draft)?;
    let record = AdvisoryRecord::new(project.id, report_id, draft, now);
    let stored = insert_record(state,
            &record,
            event(
                audit::user_actor(user.id),
                "advisory.create",
                &id,
                now,
                serde_json::json!({ "project": project.id.to_string(), "report": report_id.map(|r| r.to_string()) }),
            ),
        )
        .await
        .map_err(|e| match e {
            store::StoreError::Conflict(_) => ServiceError::field("id", "is already taken"),
            other => other.into(),
        })?;
    tracing::info!(project = %project.slug.as_str(), advisory = %stored.id(), "advisory created");
    Ok(stored)
}

/// How an edit applies to the stored model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Edit {
    /// A JSON merge patch (RFC 7396): only the fields named change, `null` removes one.
    Merge,
    /// The whole model, as in the editor's text area.
    Replace,
}

/// Edits an advisory. `expected_version` (when given) guards against overwriting someone
/// else's change. The id and the lifecycle fields cannot be edited. Members edit drafts;
/// published and withdrawn advisories only those who may disclose.
pub async fn update(
    state: &AppState,
    user: &User,
    id: &str,
    expected_version: Option<i64>,
    patch: &Value,
    edit: Edit,
) -> Result<AdvisoryRecord> {
    let (project, record) = for_user(state, user, id, Permission::ActOnReports).await?;
    // Changing what the public sees is disclosing: maintainers only.
    if record.is_public() {
        let role = store::members::role(&mut *state.db.read().await?, project.id, user.id).await?;
        if !allowed(user.is_admin, role, Permission::Disclose) {
            return Err(ServiceError::Forbidden);
        }
    }
    if !patch.is_object() {
        return Err(ServiceError::field("advisory", "must be a JSON object"));
    }
    if patch.get("id").is_some_and(|v| v.as_str() != Some(id)) {
        return Err(ServiceError::field("advisory.id", "cannot be changed"));
    }
    let mut value = serde_json::to_value(&record.advisory).map_err(anyhow::Error::from)?;
    for k in LIFECYCLE_FIELDS {
        if patch.get(k).is_some_and(|v| Some(v) != value.get(k)) {
            return Err(ServiceError::field(
                &format!("advisory.{k}"),
                "is set by publishing and withdrawing, not by editing",
            ));
        }
    }
    match edit {
        Edit::Merge => merge_patch(&mut value, patch),
        Edit::Replace => {
            let mut whole = patch.clone();
            for k in LIFECYCLE_FIELDS {
                match value.get(k) {
                    Some(v) => whole[k] = v.clone(),
                    None => {
                        if let Some(o) = whole.as_object_mut() {
                            o.remove(k);
                        }
                    }
                }
            }
            whole["id"] = Value::String(id.to_owned());
            value = whole;
        }
    }
    let mut advisory = parse_model(value)?;
    let now = state.now();
    advisory.modified = now;
    let version = expected_version.unwrap_or(record.version);
    let updated = AdvisoryRecord { advisory, ..record };
    let stored = update_record(
        state,
        &updated,
        version,
        event(
            audit::user_actor(user.id),
            "advisory.update",
            id,
            now,
            serde_json::json!({ "version": version + 1 }),
        ),
        None,
    )
    .await
    .map_err(conflict_on_stale)?;
    tracing::info!(advisory = %id, version = stored.version, "advisory edited");
    Ok(stored)
}

/// Checks that a draft can go public: a summary, and an OSV export that the official
/// schema accepts (problems are named by JSON path).
fn check_publishable(a: &Advisory, now: Timestamp) -> Result<()> {
    let mut trial = a.clone();
    trial
        .publish(now)
        .map_err(|e| ServiceError::field("advisory.summary", e.to_string()))?;
    let osv = advisory::osv::to_osv(&trial)
        .map_err(|e| ServiceError::field("advisory.id", e.to_string()))?;
    let problems = advisory::validate(Format::Osv, &osv);
    if problems.is_empty() {
        Ok(())
    } else {
        Err(ServiceError::Invalid(FieldErrors(
            problems
                .into_iter()
                .map(|p| {
                    FieldError::new(format!("osv{}", p.path.trim_start_matches('$')), p.message)
                })
                .collect(),
        )))
    }
}

/// Publishes a draft now, or schedules it when `at` is in the future. Publishing moves the
/// report it came from to `disclosed` through the workflow (audited, the reporter told);
/// publishing now requires that report to be fixed (or already disclosed or closed).
pub async fn publish(
    state: &AppState,
    user: &User,
    id: &str,
    at: Option<Timestamp>,
) -> Result<AdvisoryRecord> {
    let (project, record) = for_user(state, user, id, Permission::Disclose).await?;
    if record.advisory.status != Status::Draft {
        return Err(ServiceError::conflict(
            "invalid_transition",
            "only a draft can be published",
        ));
    }
    let now = state.now();
    check_publishable(&record.advisory, now)?;
    match at {
        Some(at) if at > now => schedule(state, user, &project, record, at).await,
        _ => publish_now(state, user, record, true).await,
    }
}

async fn schedule(
    state: &AppState,
    user: &User,
    project: &Project,
    record: AdvisoryRecord,
    at: Timestamp,
) -> Result<AdvisoryRecord> {
    let now = state.now();
    let version = record.version;
    let id = record.id().to_owned();
    let job = NewJob::of(&PublishAdvisory::new(&id, at), at, now)?;
    let scheduled = AdvisoryRecord {
        scheduled_at: Some(at),
        scheduled_by: Some(user.id),
        ..record
    };
    let stored = update_record(
        state,
        &scheduled,
        version,
        event(
            audit::user_actor(user.id),
            "advisory.schedule",
            &id,
            now,
            serde_json::json!({ "at": at.to_string() }),
        ),
        Some(job),
    )
    .await
    .map_err(conflict_on_stale)?;
    tracing::info!(project = %project.slug.as_str(), advisory = %id, at = %at, "advisory publication scheduled");
    Ok(stored)
}

/// Cancels a scheduled publication; the advisory stays a draft (its job, when it comes due,
/// finds nothing to do).
pub async fn unschedule(state: &AppState, user: &User, id: &str) -> Result<AdvisoryRecord> {
    let (_, record) = for_user(state, user, id, Permission::Disclose).await?;
    if record.scheduled_at.is_none() || record.advisory.status != Status::Draft {
        return Err(ServiceError::conflict(
            "not_scheduled",
            "the advisory has no scheduled publication",
        ));
    }
    let now = state.now();
    let version = record.version;
    let stored = update_record(
        state,
        &AdvisoryRecord {
            scheduled_at: None,
            scheduled_by: None,
            ..record
        },
        version,
        event(
            audit::user_actor(user.id),
            "advisory.unschedule",
            id,
            now,
            Value::Null,
        ),
        None,
    )
    .await
    .map_err(conflict_on_stale)?;
    tracing::info!(advisory = %id, "scheduled publication cancelled");
    Ok(stored)
}

/// Publishes now, acting as `user`. `strict`: refuse when the linked report is not fixed yet
/// (a scheduled publication goes ahead and leaves such a report where it is).
async fn publish_now(
    state: &AppState,
    user: &User,
    record: AdvisoryRecord,
    strict: bool,
) -> Result<AdvisoryRecord> {
    let id = record.id().to_owned();
    let report = match record.report_id {
        Some(id) => store::reports::by_id(&mut *state.db.read().await?, id).await?,
        None => None,
    };
    if let Some(report_id) = record.report_id
        && let Some(report) = report
    {
        match report.state {
            State::Fixed => {
                let request = domain::workflow::TransitionRequest::to(State::Disclosed);
                reports::transition(state, Caller::User(user), report_id, request).await?;
            }
            State::Disclosed | State::Closed => {}
            other if strict => {
                return Err(ServiceError::conflict(
                    "report_not_fixed",
                    format!(
                        "report #{} is {}; mark it fixed before publishing its advisory",
                        report.number,
                        other.label()
                    ),
                ));
            }
            other => {
                tracing::warn!(advisory = %id, report = %report_id, state = other.as_str(), "scheduled advisory published while its report is not fixed");
            }
        }
    }
    let now = state.now();
    let version = record.version;
    let mut advisory = record.advisory.clone();
    advisory
        .publish(now)
        .map_err(|e| ServiceError::conflict("invalid_transition", e.to_string()))?;
    let published = AdvisoryRecord {
        advisory,
        scheduled_at: None,
        scheduled_by: None,
        ..record
    };
    let stored = update_record(
        state,
        &published,
        version,
        event(
            audit::user_actor(user.id),
            "advisory.publish",
            &id,
            now,
            serde_json::json!({ "report": published.report_id.map(|r| r.to_string()) }),
        ),
        None,
    )
    .await
    .map_err(conflict_on_stale)?;
    tracing::info!(advisory = %id, "advisory published");
    // Webhook deliveries of `advisory.published` are due now.
    state.outbox_notify.notify_one();
    Ok(stored)
}

/// Runs a scheduled publication (the `publish_advisory` job). Does nothing when the
/// advisory was published, withdrawn or rescheduled meanwhile.
pub async fn run_scheduled(state: &AppState, id: &str, scheduled_at: Option<i64>) -> Result<()> {
    let Some(record) = store::advisories::by_id(&mut *state.db.read().await?, id).await? else {
        return Ok(());
    };
    if record.advisory.status != Status::Draft
        || record.scheduled_at.map(Timestamp::as_microsecond) != scheduled_at
    {
        return Ok(());
    }
    let user = match record.scheduled_by {
        Some(u) => store::accounts::user_by_id(&mut *state.db.read().await?, u).await?,
        None => None,
    }
    .ok_or_else(|| ServiceError::conflict("no_scheduler", "the user who scheduled it is gone"))?;
    let role =
        store::members::role(&mut *state.db.read().await?, record.project_id, user.id).await?;
    if !allowed(user.is_admin, role, Permission::Disclose) {
        return Err(ServiceError::Forbidden);
    }
    publish_now(state, &user, record, false).await.map(|_| ())
}

/// Withdraws a published advisory; the reason becomes its summary (as OSV asks).
pub async fn withdraw(
    state: &AppState,
    user: &User,
    id: &str,
    reason: &str,
) -> Result<AdvisoryRecord> {
    let (_, record) = for_user(state, user, id, Permission::Disclose).await?;
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(ServiceError::field("reason", "is required"));
    }
    if reason.len() > MAX_REASON || reason.chars().any(char::is_control) {
        return Err(ServiceError::field(
            "reason",
            format!("must be one line of at most {MAX_REASON} bytes"),
        ));
    }
    let now = state.now();
    let version = record.version;
    let mut advisory = record.advisory.clone();
    advisory
        .withdraw(now, reason)
        .map_err(|e| ServiceError::conflict("invalid_transition", e.to_string()))?;
    let stored = update_record(
        state,
        &AdvisoryRecord { advisory, ..record },
        version,
        event(
            audit::user_actor(user.id),
            "advisory.withdraw",
            id,
            now,
            serde_json::json!({ "reason": reason }),
        ),
        None,
    )
    .await
    .map_err(conflict_on_stale)?;
    tracing::info!(advisory = %id, "advisory withdrawn");
    Ok(stored)
}

// Formats -----------------------------------------------------------------------------------

/// The CSAF directory path of an advisory: `<year of publication>/<file name>`.
pub fn csaf_path(a: &Advisory) -> String {
    let year = a
        .published
        .unwrap_or(a.modified)
        .to_zoned(jiff::tz::TimeZone::UTC)
        .year();
    format!("{year}/{}", advisory::csaf::filename(&a.id))
}

/// The CSAF publisher of a project's documents.
pub fn csaf_publisher(state: &AppState, project: &Project) -> advisory::csaf::Publisher {
    let c = &state.config.csaf;
    let or = |v: &str, d: &str| {
        if v.is_empty() {
            d.to_owned()
        } else {
            v.to_owned()
        }
    };
    advisory::csaf::Publisher {
        category: c.publisher_category.clone(),
        name: or(&c.publisher_name, &project.name),
        namespace: or(&c.publisher_namespace, &state.public_url),
        contact_details: (!c.contact_details.is_empty()).then(|| c.contact_details.clone()),
    }
}

/// Export options from the configuration.
pub fn export_options(state: &AppState, project: &Project, a: &Advisory) -> ExportOptions {
    let defaults = ExportOptions::default();
    let cve = &state.config.cve;
    ExportOptions {
        cve_org_id: if cve.org_id.is_empty() {
            defaults.cve_org_id
        } else {
            cve.org_id.clone()
        },
        cve_short_name: (!cve.org_short_name.is_empty()).then(|| cve.org_short_name.clone()),
        cve_placeholder_id: None,
        publisher: csaf_publisher(state, project),
        csaf_self_url: state.config.csaf.enabled.then(|| {
            format!(
                "{}/.well-known/csaf/white/{}",
                state.public_url,
                csaf_path(a)
            )
        }),
    }
}

/// A public advisory in a format: OSV, the full CVE record (only with a CVE id), CSAF.
pub fn export(
    state: &AppState,
    project: &Project,
    record: &AdvisoryRecord,
    format: Format,
) -> Result<Value> {
    let opts = export_options(state, project, &record.advisory);
    advisory::export(&record.advisory, format, &opts).map_err(|e| match e {
        advisory::ExportError::NoCveId => ServiceError::NotFound("CVE record"),
        other => ServiceError::Internal(anyhow::anyhow!("export of {}: {other}", record.id())),
    })
}

/// The Markdown release-note section for `version` (of `package`, when given): published
/// advisories fixed in it, for anyone.
pub async fn release_notes(
    state: &AppState,
    slug: &str,
    package: Option<&str>,
    version: &str,
) -> Result<String> {
    if version.trim().is_empty() || version.len() > 200 {
        return Err(ServiceError::field(
            "version",
            "is required (at most 200 bytes)",
        ));
    }
    let (_, list) = public_list(state, slug).await?;
    let advisories: Vec<Advisory> = list.into_iter().map(|r| r.advisory).collect();
    Ok(advisory::release_notes(
        &advisories,
        package,
        version.trim(),
    ))
}

/// What a project without its own CNA sends to one: the CNA container (with any problems
/// the official schema finds in it) and a plain-text summary for the request form.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct CvePacket {
    #[schema(value_type = Object)]
    pub cna_container: Value,
    pub summary: String,
    /// Schema problems of the container, by JSON path; empty when it is ready to send.
    pub problems: Vec<String>,
}

/// The CVE request packet of an advisory (drafts too), for those who may disclose. Audited
/// as an export.
pub async fn cve_packet(state: &AppState, user: &User, id: &str) -> Result<CvePacket> {
    let (project, record) = for_user(state, user, id, Permission::Disclose).await?;
    let opts = export_options(state, &project, &record.advisory);
    let packet = advisory::cve::request_packet(&record.advisory, &opts)
        .map_err(|e| ServiceError::conflict("not_exportable", e.to_string()))?;
    let problems = advisory::validate_cve_cna(&packet.cna_container)
        .into_iter()
        .map(|p| p.to_string())
        .collect();
    let mut tx = state.db.begin().await?;
    store::audit::append(
        &mut tx,
        event(
            audit::user_actor(user.id),
            "advisory.export",
            id,
            state.now(),
            serde_json::json!({ "format": "cve-request-packet" }),
        ),
    )
    .await?;
    tx.commit().await?;
    Ok(CvePacket {
        cna_container: packet.cna_container,
        summary: packet.summary,
        problems,
    })
}

fn cve_client(state: &AppState, project: &Project) -> Result<CveServices> {
    if !state.config.cve.serves(project.slug.as_str()) {
        return Err(ServiceError::conflict(
            "no_cna",
            "this project has no CNA configured here; download the CVE request packet instead",
        ));
    }
    CveServices::from_config(&state.config.cve)
        .map_err(cve_error)?
        .ok_or_else(|| ServiceError::conflict("no_cna", "CVE Services is not configured"))
}

fn cve_error(e: CveServicesError) -> ServiceError {
    tracing::warn!(error = %e, "CVE Services call failed");
    ServiceError::conflict("cve_services", e.to_string())
}

/// Reserves a CVE id for the advisory from CVE Services and adds it as an alias.
pub async fn cve_reserve(state: &AppState, user: &User, id: &str) -> Result<AdvisoryRecord> {
    let (project, record) = for_user(state, user, id, Permission::Disclose).await?;
    if let Some(cve) = record.advisory.cve_id() {
        return Err(ServiceError::conflict(
            "has_cve",
            format!("the advisory already has {cve}"),
        ));
    }
    let client = cve_client(state, &project)?;
    let now = state.now();
    let year = now.to_zoned(jiff::tz::TimeZone::UTC).year();
    let cve = client.reserve(year).await.map_err(cve_error)?;
    let version = record.version;
    let mut advisory = record.advisory.clone();
    advisory.aliases.push(cve.clone());
    advisory.modified = now;
    let stored = update_record(
        state,
        &AdvisoryRecord { advisory, ..record },
        version,
        event(
            audit::user_actor(user.id),
            "advisory.cve_reserve",
            id,
            now,
            serde_json::json!({ "cve": cve }),
        ),
        None,
    )
    .await
    .map_err(conflict_on_stale)?;
    tracing::info!(advisory = %id, cve = %cve, "CVE id reserved");
    Ok(stored)
}

/// Sends a published advisory's CNA container to CVE Services: publishes the record the
/// first time, updates it afterwards.
pub async fn cve_submit(state: &AppState, user: &User, id: &str) -> Result<AdvisoryRecord> {
    let (project, record) = for_user(state, user, id, Permission::Disclose).await?;
    if !record.is_public() {
        return Err(ServiceError::conflict(
            "not_published",
            "publish the advisory before its CVE record",
        ));
    }
    let cve = record
        .advisory
        .cve_id()
        .map(str::to_owned)
        .ok_or_else(|| ServiceError::conflict("no_cve", "reserve a CVE id first"))?;
    let client = cve_client(state, &project)?;
    let opts = export_options(state, &project, &record.advisory);
    let container = advisory::cve::to_cve_cna(&record.advisory, &opts)
        .map_err(|e| ServiceError::conflict("not_exportable", e.to_string()))?;
    let problems = advisory::validate_cve_cna(&container);
    if !problems.is_empty() {
        return Err(ServiceError::Invalid(FieldErrors(
            problems
                .into_iter()
                .map(|p| {
                    FieldError::new(format!("cna{}", p.path.trim_start_matches('$')), p.message)
                })
                .collect(),
        )));
    }
    let first = record.cve_submitted_at.is_none();
    if first {
        client.publish(&cve, &container).await
    } else {
        client.update(&cve, &container).await
    }
    .map_err(cve_error)?;
    let now = state.now();
    let version = record.version;
    let stored = update_record(
        state,
        &AdvisoryRecord {
            cve_submitted_at: Some(now),
            ..record
        },
        version,
        event(
            audit::user_actor(user.id),
            "advisory.cve_submit",
            id,
            now,
            serde_json::json!({ "cve": cve, "first": first }),
        ),
        None,
    )
    .await
    .map_err(conflict_on_stale)?;
    tracing::info!(advisory = %id, cve = %cve, first, "CVE record sent");
    Ok(stored)
}

// The OSV-style query ------------------------------------------------------------------------

/// Published advisories affecting `version` of a package (all of the package's when no
/// version is given), as OSV records. Undecidable ranges (GIT, unknown schemes) do not match.
pub async fn query(
    state: &AppState,
    ecosystem: Option<&str>,
    name: &str,
    version: Option<&str>,
) -> Result<Vec<Value>> {
    if name.trim().is_empty() {
        return Err(ServiceError::field("package.name", "is required"));
    }
    let found =
        store::advisories::published_for_package(&mut *state.db.read().await?, ecosystem, name)
            .await?;
    let mut out = Vec::new();
    for r in found {
        if let Some(v) = version
            && r.advisory.affects(ecosystem, name, v) != Some(true)
        {
            continue;
        }
        match advisory::osv::to_osv(&r.advisory) {
            Ok(doc) => out.push(doc),
            Err(e) => tracing::warn!(advisory = %r.id(), error = %e, "advisory has no OSV form"),
        }
    }
    Ok(out)
}

// Atom --------------------------------------------------------------------------------------

fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // XML 1.0 forbids most control characters, even escaped.
            c if c.is_control() && !matches!(c, '\n' | '\t' | '\r') => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// The public page of an advisory.
pub fn page_url(state: &AppState, project: &Project, id: &str) -> String {
    format!(
        "{}/p/{}/advisories/{}",
        state.public_url,
        project.slug.as_str(),
        id
    )
}

/// An Atom feed (RFC 4287) of a project's published and withdrawn advisories.
pub async fn atom_feed(state: &AppState, slug: &str) -> Result<String> {
    let (project, list) = public_list(state, slug).await?;
    let feed_url = format!(
        "{}/p/{}/advisories.atom",
        state.public_url,
        project.slug.as_str()
    );
    let updated = list
        .iter()
        .map(|r| r.advisory.modified)
        .max()
        .unwrap_or(project.created_at);
    let mut x = String::from("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n");
    x.push_str("<feed xmlns=\"http://www.w3.org/2005/Atom\">\n");
    x.push_str(&format!(
        "  <title>{}</title>\n  <id>{}</id>\n  <updated>{}</updated>\n  <link rel=\"self\" href=\"{}\"/>\n  <link rel=\"alternate\" type=\"text/html\" href=\"{}\"/>\n  <author><name>{}</name></author>\n",
        xml_escape(&format!("Security advisories of {}", project.name)),
        xml_escape(&feed_url),
        updated,
        xml_escape(&feed_url),
        xml_escape(&format!("{}/p/{}/advisories", state.public_url, project.slug.as_str())),
        xml_escape(&project.name),
    ));
    for r in &list {
        let a = &r.advisory;
        let url = page_url(state, &project, &a.id);
        let title = match a.status {
            Status::Withdrawn => format!("[Withdrawn] {}: {}", a.id, a.summary),
            _ => format!("{}: {}", a.id, a.summary),
        };
        x.push_str("  <entry>\n");
        x.push_str(&format!("    <title>{}</title>\n", xml_escape(&title)));
        x.push_str(&format!("    <id>{}</id>\n", xml_escape(&url)));
        x.push_str(&format!(
            "    <link rel=\"alternate\" type=\"text/html\" href=\"{}\"/>\n",
            xml_escape(&url)
        ));
        x.push_str(&format!(
            "    <link rel=\"alternate\" type=\"application/json\" href=\"{}\"/>\n",
            xml_escape(&format!("{url}.osv.json"))
        ));
        if let Some(p) = a.published {
            x.push_str(&format!("    <published>{p}</published>\n"));
        }
        x.push_str(&format!("    <updated>{}</updated>\n", a.modified));
        if !a.details.trim().is_empty() {
            x.push_str(&format!(
                "    <summary type=\"text\">{}</summary>\n",
                xml_escape(a.details.trim())
            ));
        }
        x.push_str("  </entry>\n");
    }
    x.push_str("</feed>\n");
    Ok(x)
}

// CSAF provider ----------------------------------------------------------------------------

/// `provider-metadata.json` (CSAF §7.1.7) with the directory distribution, when CSAF is
/// enabled.
pub async fn csaf_provider_metadata(state: &AppState) -> Result<Value> {
    if !state.config.csaf.enabled {
        return Err(ServiceError::NotFound("CSAF provider"));
    }
    let list = store::advisories::public(&mut *state.db.read().await?).await?;
    let last = list
        .iter()
        .map(|r| r.advisory.modified)
        .max()
        .unwrap_or(Timestamp::UNIX_EPOCH);
    let c = &state.config.csaf;
    let publisher = advisory::csaf::Publisher {
        category: c.publisher_category.clone(),
        name: if c.publisher_name.is_empty() {
            "Embargo".to_owned()
        } else {
            c.publisher_name.clone()
        },
        namespace: if c.publisher_namespace.is_empty() {
            state.public_url.clone()
        } else {
            c.publisher_namespace.clone()
        },
        contact_details: (!c.contact_details.is_empty()).then(|| c.contact_details.clone()),
    };
    let base = &state.public_url;
    Ok(advisory::csaf::provider_metadata(
        &publisher,
        advisory::csaf::ProviderRole::Provider,
        &format!("{base}/.well-known/csaf/provider-metadata.json"),
        last,
        Some(&format!("{base}/.well-known/csaf/white/")),
        &[],
    ))
}

/// The published advisories of the directory distribution, by path.
pub async fn csaf_directory(state: &AppState) -> Result<Vec<(String, AdvisoryRecord)>> {
    if !state.config.csaf.enabled {
        return Err(ServiceError::NotFound("CSAF provider"));
    }
    Ok(store::advisories::public(&mut *state.db.read().await?)
        .await?
        .into_iter()
        .map(|r| (csaf_path(&r.advisory), r))
        .collect())
}

/// One CSAF document of the directory distribution, by its path.
pub async fn csaf_document(state: &AppState, path: &str) -> Result<Value> {
    let found = csaf_directory(state)
        .await?
        .into_iter()
        .find(|(p, _)| p == path)
        .map(|(_, r)| r)
        .ok_or(ServiceError::NotFound("CSAF document"))?;
    let project = store::projects::by_id(&mut *state.db.read().await?, found.project_id)
        .await?
        .ok_or(ServiceError::NotFound("CSAF document"))?;
    export(state, &project, &found, Format::Csaf)
}

// Import ------------------------------------------------------------------------------------

/// The result of importing one document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Imported {
    Created(String),
    Updated(String),
}

/// Imports one OSV/GHSA or CVE JSON 5 document into a project: a new advisory, or an update
/// of the advisory with the same id (never a duplicate). Errors name the JSON path.
pub async fn import_document(
    state: &AppState,
    project: &Project,
    doc: &Value,
) -> std::result::Result<Imported, advisory::ImportError> {
    let at_root = |message: String| advisory::ImportError {
        path: "$".into(),
        message,
    };
    let format = advisory::detect_format(doc)
        .ok_or_else(|| at_root("neither an OSV record nor a CVE JSON 5 record".into()))?;
    let advisory = advisory::import(format, doc)?;
    check_model(&advisory).map_err(|e| match e {
        ServiceError::Invalid(f) => advisory::ImportError {
            path: f
                .first()
                .map(|f| format!("$.{}", f.field.trim_start_matches("advisory.")))
                .unwrap_or_else(|| "$".into()),
            message: f.first().map(|f| f.message.clone()).unwrap_or_default(),
        },
        other => at_root(other.to_string()),
    })?;
    let now = state.now();
    let id = advisory.id.clone();
    let store_err = |e: store::StoreError| at_root(format!("cannot store: {e}"));
    let existing = match state.db.read().await {
        Ok(mut c) => store::advisories::by_id(&mut c, &id).await,
        Err(e) => Err(e),
    }
    .map_err(store_err)?;
    match existing {
        Some(existing) if existing.project_id != project.id => Err(advisory::ImportError {
            path: "$.id".into(),
            message: format!("{id} belongs to another project"),
        }),
        Some(existing) => {
            let version = existing.version;
            update_record(
                state,
                &AdvisoryRecord {
                    advisory,
                    ..existing
                },
                version,
                event(
                    audit::SYSTEM_ACTOR.into(),
                    "advisory.import",
                    &id,
                    now,
                    serde_json::json!({ "updated": true }),
                ),
                None,
            )
            .await
            .map_err(store_err)?;
            Ok(Imported::Updated(id))
        }
        None => {
            insert_record(
                state,
                &AdvisoryRecord::new(project.id, None, advisory, now),
                event(
                    audit::SYSTEM_ACTOR.into(),
                    "advisory.import",
                    &id,
                    now,
                    serde_json::json!({ "project": project.id.to_string(), "updated": false }),
                ),
            )
            .await
            .map_err(store_err)?;
            Ok(Imported::Created(id))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merge_patch_follows_rfc_7396() {
        let mut target = serde_json::json!({"a": "b", "c": {"d": "e", "f": "g"}});
        merge_patch(
            &mut target,
            &serde_json::json!({"a": "z", "c": {"f": null}}),
        );
        assert_eq!(target, serde_json::json!({"a": "z", "c": {"d": "e"}}));
        let mut target = serde_json::json!({"list": [1, 2]});
        merge_patch(&mut target, &serde_json::json!({"list": [3]}));
        assert_eq!(target, serde_json::json!({"list": [3]}));
    }

    #[test]
    fn feed_text_is_escaped() {
        assert_eq!(
            xml_escape("<a href=\"x\">&'\u{1}"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&apos; "
        );
    }
}
